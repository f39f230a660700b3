//! What the reader reports instead of a child: where, which child (by its position), and why.
//!
//! Rejections are shown to administrators and written to run summaries and logs, so they
//! never carry a value read from the file: not the child's `LAchildID`, UPN or dates, not an
//! unknown code. The location (line, column, byte), the child's position among the
//! `<Child>` elements and the element path find the place in the file; the reason names the
//! element and the rule it breaks.

use serde::{Deserialize, Serialize};

use crate::cin_census::location::Location;

/// A child (or the header, or the document) that could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
#[error("{location}{}{}: {reason}", child.map(|n| format!(", child {n}")).unwrap_or_default(), if path.is_empty() { String::new() } else { format!(" in {path}") })]
pub struct Rejection {
    /// Where: the start tag of the offending element, or where the XML broke.
    pub location: Location,
    /// The child's position among the `<Child>` elements (1-based) when the rejection is a
    /// child's (`None` for the header and for the document as a whole).
    pub child: Option<u64>,
    /// The elements open where the fault was found, e.g.
    /// `/Message/Children/Child/CINdetails` (empty before the root element).
    pub path: String,
    /// Why.
    pub reason: RejectionReason,
}

impl Rejection {
    /// Whether the rejection ended the reading (the XML itself is broken, or is not a CIN
    /// census): nothing after it was read.
    pub fn is_fatal(&self) -> bool {
        matches!(
            self.reason,
            RejectionReason::Malformed { .. }
                | RejectionReason::Truncated { .. }
                | RejectionReason::WrongRoot { .. }
                | RejectionReason::Io { .. }
        )
    }
}

/// Why a [`Rejection`] happened.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
pub enum RejectionReason {
    /// A date that is not `YYYY-MM-DD` or does not exist (`2022-02-30`).
    #[error("<{element}> is not a valid date (YYYY-MM-DD)")]
    InvalidDate {
        /// The element.
        element: String,
    },
    /// A code the XSD's enumeration does not list.
    #[error("<{element}> is not one of the codes the {} schema allows", year.map_or_else(|| "CIN census".to_owned(), |y| y.to_string()))]
    UnknownCode {
        /// The element.
        element: String,
        /// The file's collection year, when known.
        year: Option<i32>,
    },
    /// A value that breaks another XSD rule (pattern, empty text, `xs:positiveInteger`...).
    #[error("<{element}> is not valid: {expected}")]
    InvalidValue {
        /// The element.
        element: String,
        /// What the XSD expects.
        expected: String,
    },
    /// A required element is absent.
    #[error("<{parent}> lacks the required <{element}>")]
    MissingElement {
        /// The missing element.
        element: String,
        /// Its parent.
        parent: String,
    },
    /// An element the parent does not take (an unknown name, or a misplaced one).
    #[error("<{parent}> does not take <{element}>")]
    UnexpectedElement {
        /// The element.
        element: String,
        /// Its parent.
        parent: String,
    },
    /// An element after one the XSD orders after it.
    #[error("<{element}> comes after <{after}> in <{parent}>, but the schema puts it before")]
    OutOfOrder {
        /// The element.
        element: String,
        /// The element it should precede.
        after: String,
        /// Their parent.
        parent: String,
    },
    /// More occurrences than `maxOccurs`.
    #[error("<{parent}> takes at most {max} <{element}>")]
    TooMany {
        /// The element.
        element: String,
        /// Its parent.
        parent: String,
        /// `maxOccurs`.
        max: u32,
    },
    /// An element that exists in other years' shapes but not in the file's year.
    #[error("<{element}> is not part of the {year} schema")]
    NotInYear {
        /// The element.
        element: String,
        /// The file's collection year.
        year: i32,
    },
    /// Text where only elements belong.
    #[error("<{parent}> holds text, but takes only elements")]
    UnexpectedText {
        /// The element holding the text.
        parent: String,
    },
    /// A header `Year` outside 2022–2026: children are then read with any year's shape.
    #[error("collection year {year} is not supported (2022 to 2026)")]
    UnsupportedYear {
        /// The header's `Year`.
        year: i32,
    },
    /// `<Children>` holds no `<Child>`.
    #[error("<Children> holds no <Child>")]
    NoChildren,
    /// The XML is not well-formed; reading stopped here.
    #[error("the document is not well-formed XML: {message}")]
    Malformed {
        /// What is wrong, from the XML parser (markup only, never the document's text).
        message: String,
    },
    /// The document ends before its elements are closed; reading stopped here.
    #[error("the document ends inside <{open}>: it is truncated")]
    Truncated {
        /// The innermost element left open.
        open: String,
    },
    /// The root element is not `<Message>`: the file is not a CIN census.
    #[error("the root element is <{found}>, not <Message>: not a CIN census file")]
    WrongRoot {
        /// The root element found (empty when the document has none).
        found: String,
    },
    /// The input could not be read.
    #[error("the input could not be read: {message}")]
    Io {
        /// The I/O error.
        message: String,
    },
}
