//! The streaming reader: one `<Child>` at a time, each checked against its year's XSD.
//!
//! This module holds the reader, its event loop and the document's frame (`Message`, `Children`);
//! `elements` reads the header and the child elements; `rejection` says what went wrong.

use std::collections::VecDeque;
use std::io::BufRead;

use chrono::NaiveDate;
use quick_xml::Reader;
use quick_xml::escape::resolve_predefined_entity;
use quick_xml::events::Event;
mod elements;
mod rejection;

pub use rejection::{Rejection, RejectionReason};

use super::codes::SchemaYear;
use super::header::CensusHeader;
use super::location::{Location, Tracked};
use super::model::CensusChild;
use super::parse;
use super::sequence::{self as seq, Misfit, SequenceCheck, Slot, Tag};

/// What reading a whole file gave (see [`read_all`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CensusImport {
    /// The header (empty when absent or unreadable).
    pub header: CensusHeader,
    /// The collection year: the header's, else the earliest year whose shape fits the
    /// elements seen.
    pub year: Option<SchemaYear>,
    /// Every child read whole.
    pub children: Vec<CensusChild>,
    /// Every rejection, in input order.
    pub rejections: Vec<Rejection>,
}

/// Reads a whole file into memory (for small files and tests; stream with [`CensusReader`]
/// otherwise).
pub fn read_all<R: BufRead>(input: R) -> CensusImport {
    let mut import = CensusImport::default();
    match CensusReader::new(input) {
        Err(rejection) => import.rejections.push(rejection),
        Ok(mut reader) => {
            for item in reader.by_ref() {
                match item {
                    Ok(child) => import.children.push(child),
                    Err(rejection) => import.rejections.push(rejection),
                }
            }
            import.header = reader.header().clone();
            import.year = reader.year();
        }
    }
    import
}

/// An element or text read from the input.
enum Ev {
    Start(Tag, Location),
    Empty(Tag, Location),
    /// Text was appended to the reader's text buffer.
    Text,
    End(Location),
    Eof(Location),
}

/// What went wrong while reading an element.
enum Fault {
    /// The current child (or header) is invalid; the XML goes on.
    Invalid(Location, RejectionReason),
    /// The XML is broken; reading stops.
    Fatal(Location, RejectionReason),
}

type Step<T = ()> = Result<T, Fault>;

#[derive(PartialEq, Eq)]
enum State {
    Children,
    Done,
}

/// Reads a CIN census file as a stream: [`CensusReader::new`] reads up to `<Children>`
/// (the header), then iterating yields each child, or a [`Rejection`] for each child, header
/// or document fault. Memory holds the child being read, the XML reader's buffer (the
/// largest single tag or text) and a bounded record of recent line breaks.
pub struct CensusReader<R: BufRead> {
    xml: Reader<Tracked<R>>,
    buf: Vec<u8>,
    text: String,
    other_name: String,
    open: Vec<Tag>,
    header: CensusHeader,
    header_year: Option<SchemaYear>,
    inferred: SchemaYear,
    pending: VecDeque<Rejection>,
    state: State,
    children: u64,
    /// The position of the child being read, taken by its rejection.
    current_child: Option<u64>,
}

impl<R: BufRead> CensusReader<R> {
    /// Starts reading `input`, through the header to `<Children>`. Fails when the input is
    /// not a CIN census (wrong root element) or breaks before `<Children>`. Header faults are
    /// not fatal: they come first out of the iterator.
    #[allow(clippy::result_large_err)] // once per file; the same type the iterator yields
    pub fn new(input: R) -> Result<Self, Rejection> {
        let mut reader = Self {
            xml: Reader::from_reader(Tracked::new(input)),
            buf: Vec::with_capacity(256),
            text: String::with_capacity(64),
            other_name: String::new(),
            open: Vec::with_capacity(8),
            header: CensusHeader::default(),
            header_year: None,
            inferred: SchemaYear::Y2022,
            pending: VecDeque::new(),
            state: State::Children,
            children: 0,
            current_child: None,
        };
        match reader.prolog() {
            Ok(()) => Ok(reader),
            Err(fault) => Err(reader.rejection(fault)),
        }
    }

    /// The header (empty when the file has none, or its header was rejected).
    pub fn header(&self) -> &CensusHeader {
        &self.header
    }

    /// The collection year: the header's `Year` when it is 2022–2026, else the earliest year
    /// whose shape fits the elements read so far.
    pub fn year(&self) -> Option<SchemaYear> {
        self.header_year.or(Some(self.inferred))
    }

    /// The capacity of the XML reader's event buffer: the largest tag or text read so far.
    pub fn buffer_capacity(&self) -> usize {
        self.buf.capacity() + self.text.capacity()
    }

    /// How many `<Child>` elements have been met so far, read or rejected.
    pub fn children_seen(&self) -> u64 {
        self.children
    }

    /// Bytes read so far.
    pub fn bytes_read(&self) -> u64 {
        self.xml.buffer_position()
    }

    fn rejection(&mut self, fault: Fault) -> Rejection {
        let (location, reason) = match fault {
            Fault::Invalid(l, r) | Fault::Fatal(l, r) => (l, r),
        };
        Rejection {
            location,
            child: self.current_child.take(),
            path: self.path(),
            reason,
        }
    }

    /// The elements open now, as `/Message/Children/Child/...` (`?` for a name the census
    /// does not use).
    fn path(&self) -> String {
        let mut path = String::new();
        for tag in &self.open {
            path.push('/');
            path.push_str(tag.name());
        }
        path
    }

    fn location(&self, offset: u64) -> Location {
        self.xml.get_ref().locate(offset)
    }

    /// The next element, end tag, text or end of input; comments, processing instructions and
    /// the declaration are skipped.
    fn event(&mut self) -> Step<Ev> {
        loop {
            self.buf.clear();
            let before = self.xml.buffer_position();
            let event = match self.xml.read_event_into(&mut self.buf) {
                Ok(event) => event,
                Err(error) => {
                    let location = self.xml.get_ref().locate(self.xml.error_position());
                    let reason = match error {
                        quick_xml::Error::Io(io) => RejectionReason::Io {
                            message: io.to_string(),
                        },
                        other => RejectionReason::Malformed {
                            message: malformed(&other),
                        },
                    };
                    return Err(Fault::Fatal(location, reason));
                }
            };
            let location = self.xml.get_ref().locate(before);
            return match event {
                Event::Start(start) => {
                    let tag = Tag::from_name(start.local_name().as_ref().as_bytes());
                    if tag == Tag::Other {
                        self.other_name = start.name().as_ref().to_owned();
                    }
                    self.open.push(tag);
                    Ok(Ev::Start(tag, location))
                }
                Event::Empty(start) => {
                    let tag = Tag::from_name(start.local_name().as_ref().as_bytes());
                    if tag == Tag::Other {
                        self.other_name = start.name().as_ref().to_owned();
                    }
                    Ok(Ev::Empty(tag, location))
                }
                Event::End(_) => {
                    self.open.pop();
                    Ok(Ev::End(location))
                }
                Event::Text(text) => {
                    self.text.push_str(&text.xml10_content());
                    Ok(Ev::Text)
                }
                Event::CData(data) => {
                    self.text.push_str(&data.xml10_content());
                    Ok(Ev::Text)
                }
                Event::GeneralRef(reference) => {
                    let resolved = match reference.resolve_char_ref() {
                        Ok(Some(c)) => Some(c.to_string()),
                        Ok(None) => resolve_predefined_entity(&reference).map(str::to_owned),
                        Err(_) => None,
                    };
                    match resolved {
                        Some(s) => {
                            self.text.push_str(&s);
                            Ok(Ev::Text)
                        }
                        None => Err(Fault::Fatal(
                            location,
                            RejectionReason::Malformed {
                                message: "an entity reference that XML does not predefine"
                                    .to_owned(),
                            },
                        )),
                    }
                }
                Event::Eof => Ok(Ev::Eof(location)),
                Event::Comment(_) | Event::Decl(_) | Event::PI(_) | Event::DocType(_) => continue,
            };
        }
    }

    fn tag_name(&self, tag: Tag) -> String {
        if tag == Tag::Other {
            self.other_name.clone()
        } else {
            tag.name().to_owned()
        }
    }

    fn truncated(&self, location: Location) -> Fault {
        let open = self.open.last().map_or("?", |t| t.name()).to_owned();
        Fault::Fatal(location, RejectionReason::Truncated { open })
    }

    /// Fails unless the text buffer holds only whitespace; clears it.
    fn only_whitespace(&mut self, parent: Tag, location: Location) -> Step {
        let blank = self.text.trim().is_empty();
        self.text.clear();
        if blank {
            Ok(())
        } else {
            Err(Fault::Invalid(
                location,
                RejectionReason::UnexpectedText {
                    parent: parent.name().to_owned(),
                },
            ))
        }
    }

    /// Reads a complex element's children through its sequence, handing each to `on`
    /// (`true` when the child is an empty-element tag). Returns after the parent's end tag.
    fn complex(
        &mut self,
        parent: Tag,
        slots: &'static [Slot],
        empty: bool,
        mut on: impl FnMut(&mut Self, Tag, Location, bool) -> Step,
    ) -> Step {
        let mut check = SequenceCheck::new(slots);
        let end = if empty {
            None
        } else {
            loop {
                self.text.clear();
                let (tag, at, child_empty) = match self.event()? {
                    Ev::Start(tag, at) => (tag, at, false),
                    Ev::Empty(tag, at) => (tag, at, true),
                    Ev::Text => {
                        let here = self.location(self.xml.buffer_position());
                        self.only_whitespace(parent, here)?;
                        continue;
                    }
                    Ev::End(at) => break Some(at),
                    Ev::Eof(at) => return Err(self.truncated(at)),
                };
                if let Err(misfit) = check.accept(tag) {
                    let element = self.tag_name(tag);
                    let parent = parent.name().to_owned();
                    let reason = match misfit {
                        Misfit::Unexpected => {
                            RejectionReason::UnexpectedElement { element, parent }
                        }
                        Misfit::OutOfOrder { after } => RejectionReason::OutOfOrder {
                            element,
                            after: after.to_owned(),
                            parent,
                        },
                        Misfit::TooMany { max } => RejectionReason::TooMany {
                            element,
                            parent,
                            max,
                        },
                    };
                    return Err(Fault::Invalid(at, reason));
                }
                on(self, tag, at, child_empty)?;
            }
        };
        match check.missing() {
            None => Ok(()),
            Some(element) => {
                let at = end.unwrap_or_else(|| self.location(self.xml.buffer_position()));
                Err(Fault::Invalid(
                    at,
                    RejectionReason::MissingElement {
                        element: element.to_owned(),
                        parent: parent.name().to_owned(),
                    },
                ))
            }
        }
    }

    /// Reads a simple element's text into the text buffer (trimmed by the callers).
    fn leaf(&mut self, tag: Tag, empty: bool) -> Step {
        self.text.clear();
        if empty {
            return Ok(());
        }
        loop {
            match self.event()? {
                Ev::Text => {}
                Ev::End(_) => return Ok(()),
                Ev::Start(inner, at) | Ev::Empty(inner, at) => {
                    return Err(Fault::Invalid(
                        at,
                        RejectionReason::UnexpectedElement {
                            element: self.tag_name(inner),
                            parent: tag.name().to_owned(),
                        },
                    ));
                }
                Ev::Eof(at) => return Err(self.truncated(at)),
            }
        }
    }

    /// Reads a simple element and parses its trimmed text with `parse`; `None` becomes the
    /// rejection `invalid` builds from the element name (never from the text: see
    /// [`Rejection`]).
    fn value<T>(
        &mut self,
        tag: Tag,
        at: Location,
        empty: bool,
        parse: impl FnOnce(&str) -> Option<T>,
        invalid: impl FnOnce(String) -> RejectionReason,
    ) -> Step<T> {
        self.leaf(tag, empty)?;
        match parse(self.text.trim()) {
            Some(value) => Ok(value),
            None => Err(Fault::Invalid(at, invalid(tag.name().to_owned()))),
        }
    }

    fn date(&mut self, tag: Tag, at: Location, empty: bool) -> Step<NaiveDate> {
        self.value(tag, at, empty, parse::date, |element| {
            RejectionReason::InvalidDate { element }
        })
    }

    fn yes_no(&mut self, tag: Tag, at: Location, empty: bool) -> Step<bool> {
        self.value(tag, at, empty, parse::yes_no, |element| {
            RejectionReason::InvalidValue {
                element,
                expected: "true, false, TRUE, FALSE, 1 or 0".to_owned(),
            }
        })
    }

    fn code<T>(
        &mut self,
        tag: Tag,
        at: Location,
        empty: bool,
        from_code: impl FnOnce(&str) -> Option<T>,
    ) -> Step<T> {
        let year = self.header_year.map(SchemaYear::year);
        self.value(tag, at, empty, from_code, |element| {
            RejectionReason::UnknownCode { element, year }
        })
    }

    fn text_value(
        &mut self,
        tag: Tag,
        at: Location,
        empty: bool,
        valid: impl FnOnce(&str) -> bool,
        expected: &str,
    ) -> Step<String> {
        self.value(
            tag,
            at,
            empty,
            |text| valid(text).then(|| text.to_owned()),
            |element| RejectionReason::InvalidValue {
                element,
                expected: expected.to_owned(),
            },
        )
    }

    /// Refuses `tag` unless the file's year (when known) has it, per `has`; otherwise notes
    /// that the file is at least `since`.
    fn year_has(
        &mut self,
        tag: Tag,
        at: Location,
        has: fn(SchemaYear) -> bool,
        since: SchemaYear,
    ) -> Step {
        match self.header_year {
            Some(year) if !has(year) => Err(Fault::Invalid(
                at,
                RejectionReason::NotInYear {
                    element: tag.name().to_owned(),
                    year: year.year(),
                },
            )),
            Some(_) => Ok(()),
            None => {
                self.inferred = self.inferred.max(since);
                Ok(())
            }
        }
    }

    /// Refuses a code the file's year does not list (`listed_in` says which years list it);
    /// without a header year, notes that a code missing from 2022 means 2023 or later.
    fn year_allows(
        &mut self,
        tag: Tag,
        at: Location,
        listed_in: impl Fn(SchemaYear) -> bool,
    ) -> Step {
        match self.header_year {
            Some(year) if !listed_in(year) => Err(Fault::Invalid(
                at,
                RejectionReason::UnknownCode {
                    element: tag.name().to_owned(),
                    year: Some(year.year()),
                },
            )),
            Some(_) => Ok(()),
            None => {
                if !listed_in(SchemaYear::Y2022) {
                    self.inferred = self.inferred.max(SchemaYear::Y2023);
                }
                Ok(())
            }
        }
    }

    // ---- document -------------------------------------------------------------------------

    fn prolog(&mut self) -> Step {
        loop {
            match self.event()? {
                Ev::Text => {
                    let here = self.location(self.xml.buffer_position());
                    if !self.text.trim().is_empty() {
                        self.text.clear();
                        return Err(Fault::Fatal(
                            here,
                            RejectionReason::Malformed {
                                message: "text before the root element".to_owned(),
                            },
                        ));
                    }
                    self.text.clear();
                }
                Ev::Start(Tag::Message, _) => break,
                Ev::Start(tag, at) | Ev::Empty(tag, at) => {
                    return Err(Fault::Fatal(
                        at,
                        RejectionReason::WrongRoot {
                            found: self.tag_name(tag),
                        },
                    ));
                }
                Ev::End(at) | Ev::Eof(at) => {
                    return Err(Fault::Fatal(
                        at,
                        RejectionReason::WrongRoot {
                            found: String::new(),
                        },
                    ));
                }
            }
        }
        let mut check = SequenceCheck::new(seq::MESSAGE);
        loop {
            let (tag, at, empty) = match self.event()? {
                Ev::Text => {
                    let here = self.location(self.xml.buffer_position());
                    if let Err(fault) = self.only_whitespace(Tag::Message, here) {
                        let rejection = self.rejection(fault);
                        self.pending.push_back(rejection);
                    }
                    continue;
                }
                Ev::Start(tag, at) => (tag, at, false),
                Ev::Empty(tag, at) => (tag, at, true),
                Ev::End(at) => {
                    self.state = State::Done;
                    return Err(Fault::Invalid(
                        at,
                        RejectionReason::MissingElement {
                            element: "Children".to_owned(),
                            parent: "Message".to_owned(),
                        },
                    ));
                }
                Ev::Eof(at) => return Err(self.truncated(at)),
            };
            let accepted = check.accept(tag);
            match (tag, accepted) {
                (Tag::Header, Ok(())) => {
                    let depth = self.open.len() - usize::from(!empty);
                    match self.header_element(empty) {
                        Ok(header) => self.set_header(header, at),
                        Err(Fault::Fatal(l, r)) => return Err(Fault::Fatal(l, r)),
                        Err(fault) => {
                            let rejection = self.rejection(fault);
                            self.pending.push_back(rejection);
                            self.skip_to(depth)?;
                        }
                    }
                }
                (Tag::Children, Ok(())) => {
                    if empty {
                        self.pending.push_back(Rejection {
                            location: at,
                            child: None,
                            path: self.path(),
                            reason: RejectionReason::NoChildren,
                        });
                        self.state = State::Done;
                    }
                    return Ok(());
                }
                _ => {
                    let depth = self.open.len() - usize::from(!empty);
                    self.pending.push_back(Rejection {
                        location: at,
                        child: None,
                        path: self.path(),
                        reason: RejectionReason::UnexpectedElement {
                            element: self.tag_name(tag),
                            parent: "Message".to_owned(),
                        },
                    });
                    self.skip_to(depth)?;
                }
            }
        }
    }

    /// How many elements are open directly inside `<Children>`: `Message` and `Children`.
    fn children_depth(&self) -> usize {
        2
    }

    fn set_header(&mut self, header: CensusHeader, at: Location) {
        if let Some(year) = header.year() {
            self.header_year = SchemaYear::from_year(year);
            if self.header_year.is_none() {
                self.pending.push_back(Rejection {
                    location: at,
                    child: None,
                    path: self.path(),
                    reason: RejectionReason::UnsupportedYear { year },
                });
            }
        }
        self.header = header;
    }

    /// Reads and discards events until only `depth` elements are open.
    fn skip_to(&mut self, depth: usize) -> Step {
        while self.open.len() > depth {
            if let Ev::Eof(at) = self.event()? {
                return Err(self.truncated(at));
            }
            self.text.clear();
        }
        self.text.clear();
        Ok(())
    }

    /// After `</Children>`: the end of `Message` and of the input.
    fn epilogue(&mut self) -> Step {
        loop {
            match self.event()? {
                Ev::Text => self.text.clear(),
                Ev::End(_) => break,
                Ev::Start(tag, at) | Ev::Empty(tag, at) => {
                    return Err(Fault::Invalid(
                        at,
                        RejectionReason::UnexpectedElement {
                            element: self.tag_name(tag),
                            parent: "Message".to_owned(),
                        },
                    ));
                }
                Ev::Eof(at) => return Err(self.truncated(at)),
            }
        }
        loop {
            match self.event()? {
                Ev::Eof(_) => return Ok(()),
                Ev::Text => {
                    let here = self.location(self.xml.buffer_position());
                    if !self.text.trim().is_empty() {
                        self.text.clear();
                        return Err(Fault::Fatal(
                            here,
                            RejectionReason::Malformed {
                                message: "text after the root element".to_owned(),
                            },
                        ));
                    }
                    self.text.clear();
                }
                Ev::Start(_, at) | Ev::Empty(_, at) | Ev::End(at) => {
                    return Err(Fault::Fatal(
                        at,
                        RejectionReason::Malformed {
                            message: "content after the root element".to_owned(),
                        },
                    ));
                }
            }
        }
    }
}

impl<R: BufRead> Iterator for CensusReader<R> {
    type Item = Result<CensusChild, Rejection>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(rejection) = self.pending.pop_front() {
                return Some(Err(rejection));
            }
            if self.state == State::Done {
                return None;
            }
            let event = match self.event() {
                Ok(event) => event,
                Err(fault) => {
                    self.state = State::Done;
                    return Some(Err(self.rejection(fault)));
                }
            };
            match event {
                Ev::Text => {
                    let here = self.location(self.xml.buffer_position());
                    if let Err(fault) = self.only_whitespace(Tag::Children, here) {
                        return Some(Err(self.rejection(fault)));
                    }
                }
                Ev::Start(Tag::Child, _) => {
                    self.children += 1;
                    self.current_child = Some(self.children);
                    let depth = self.open.len() - 1;
                    match self.child() {
                        Ok(child) => {
                            self.current_child = None;
                            return Some(Ok(child));
                        }
                        Err(Fault::Invalid(location, reason)) => {
                            let rejection = self.rejection(Fault::Invalid(location, reason));
                            let skipped = self.skip_to(depth);
                            if let Err(fault) = skipped {
                                self.state = State::Done;
                                let fatal = self.rejection(fault);
                                self.pending.push_back(fatal);
                            }
                            return Some(Err(rejection));
                        }
                        Err(fatal) => {
                            self.state = State::Done;
                            return Some(Err(self.rejection(fatal)));
                        }
                    }
                }
                Ev::Empty(Tag::Child, at) => {
                    self.children += 1;
                    return Some(Err(Rejection {
                        location: at,
                        child: None,
                        path: self.path(),
                        reason: RejectionReason::MissingElement {
                            element: "ChildIdentifiers".to_owned(),
                            parent: "Child".to_owned(),
                        },
                    }));
                }
                Ev::Start(tag, at) | Ev::Empty(tag, at) => {
                    let reason = RejectionReason::UnexpectedElement {
                        element: self.tag_name(tag),
                        parent: "Children".to_owned(),
                    };
                    // A start tag left one element open (an empty-element tag none): skip it.
                    if let Err(fault) = self.skip_to(self.open.len().min(self.children_depth())) {
                        self.state = State::Done;
                        let fatal = self.rejection(fault);
                        self.pending.push_back(fatal);
                    }
                    return Some(Err(Rejection {
                        location: at,
                        child: None,
                        path: self.path(),
                        reason,
                    }));
                }
                Ev::End(at) => {
                    self.state = State::Done;
                    if self.children == 0 {
                        self.pending.push_back(Rejection {
                            location: at,
                            child: None,
                            path: self.path(),
                            reason: RejectionReason::NoChildren,
                        });
                    }
                    if let Err(fault) = self.epilogue() {
                        let rejection = self.rejection(fault);
                        self.pending.push_back(rejection);
                    }
                }
                Ev::Eof(at) => {
                    self.state = State::Done;
                    return Some(Err(self.rejection(self.truncated(at))));
                }
            }
        }
    }
}

/// What is wrong with a document the XML parser refused, from its markup only: the parser's
/// messages about escapes, encodings and attributes can quote the document's text, so those
/// are named by kind.
fn malformed(error: &quick_xml::Error) -> String {
    match error {
        quick_xml::Error::Syntax(e) => e.to_string(),
        quick_xml::Error::IllFormed(e) => e.to_string(),
        quick_xml::Error::InvalidAttr(_) => "an attribute is not well-formed".to_owned(),
        quick_xml::Error::Encoding(_) => "text is not valid in the document's encoding".to_owned(),
        quick_xml::Error::Escape(_) => "an entity or character reference is not valid".to_owned(),
        quick_xml::Error::Namespace(_) => "a namespace prefix is not valid".to_owned(),
        quick_xml::Error::Io(_) => "the input could not be read".to_owned(),
    }
}
