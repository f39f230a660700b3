//! What one pull returns: located records, rejections and the cursor to continue from.

use crate::record::CanonicalRecord;
use serde::{Deserialize, Serialize};

/// An opaque position in a source, saved by the server between pulls. The same source state
/// gives the same cursor, so a saved cursor resumes exactly where the last batch ended.
/// Only the adapter that issued a cursor interprets it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Cursor(String);

impl Cursor {
    /// A cursor with this opaque value.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The opaque value, for storing.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for Cursor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Where in a source something was found: the document (file path or URL) and the place in
/// it (a JSON pointer such as `/entry/3/resource/birthDate`, an XML path, a row number).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Location {
    /// The document: a file name relative to the source, or a URL.
    pub document: String,
    /// The place in the document, empty for the whole document.
    pub pointer: String,
}

impl Location {
    /// The whole of `document`.
    pub fn document(document: impl Into<String>) -> Self {
        Self {
            document: document.into(),
            pointer: String::new(),
        }
    }

    /// `pointer` within this location's document (appended to this location's pointer).
    pub fn at(&self, pointer: impl AsRef<str>) -> Self {
        Self {
            document: self.document.clone(),
            pointer: format!("{}{}", self.pointer, pointer.as_ref()),
        }
    }
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.pointer.is_empty() {
            f.write_str(&self.document)
        } else {
            write!(f, "{}#{}", self.document, self.pointer)
        }
    }
}

/// A value the adapter left out of an otherwise good record (an optional identifier that
/// failed validation, a coordinate off the globe), and why. The record is still applied.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldNote {
    /// Where the value was.
    pub location: Location,
    /// Why it was left out. Never contains the value itself.
    pub reason: String,
}

/// A good record and where it came from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Located<T> {
    /// Where the record was found.
    pub location: Location,
    /// The record.
    pub record: T,
    /// Values left out of the record, if any.
    pub notes: Vec<FieldNote>,
}

impl<T> Located<T> {
    /// `record` found at `location`, with nothing left out.
    pub fn new(location: Location, record: T) -> Self {
        Self {
            location,
            record,
            notes: Vec::new(),
        }
    }
}

/// A record the adapter could not translate, and why. The rest of the batch is unaffected.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Rejection {
    /// Where the record is, as precisely as the adapter can say (the failing field when known).
    pub location: Location,
    /// Why it was rejected, e.g. `birthDate: not a possible date`. Never contains a value
    /// read from the record (an identifier, a name, a date): the location says where to look.
    pub reason: String,
}

impl Rejection {
    /// A rejection at `location` for `reason`.
    pub fn new(location: Location, reason: impl Into<String>) -> Self {
        Self {
            location,
            reason: reason.into(),
        }
    }
}

/// What one [`SourceAdapter::pull`](crate::SourceAdapter::pull) returns.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Batch {
    /// Records translated, in source order.
    pub records: Vec<Located<CanonicalRecord>>,
    /// Records that could not be translated.
    pub rejected: Vec<Rejection>,
    /// The cursor to pass to the next pull. When `done`, it is the watermark for the next
    /// delta run (or `None` when the source has no notion of deltas and the next run reads
    /// everything again).
    pub next_cursor: Option<Cursor>,
    /// Whether this batch reached the end of the source as it stands.
    pub done: bool,
}
