//! The DfE children in need (CIN) census XML, collection years 2022 to 2026.
//!
//! # Shapes
//!
//! One file is a `Message` with an optional `Header` (`CollectionDetails`: `Collection`,
//! `Year`, `ReferenceDate`; `Source`s) and `Children`, each `Child` holding
//! `ChildIdentifiers`, `ChildCharacteristics` and one or more `CINdetails` (referral,
//! assessments and their factors, CIN plan dates, section 47 enquiries, child protection plans
//! and their reviews). The collection years differ as follows ([`SchemaYear`]):
//!
//! | year | change |
//! | --- | --- |
//! | 2022 | the base shape (DfE `CIN_schema_2022.xsd`) |
//! | 2023, 2024 | referral source `5D` and reason for closure `RC9` added |
//! | 2025 (2024/25) | `Sex` (`M`/`F`/`U`) replaces `GenderCurrent` (`1`/`2`/`0`/`9`) |
//! | 2026 (2025/26) | `PreProceedingsandFGDM` added (see [`PreProceedings`]) |
//!
//! # Reading
//!
//! [`CensusReader`] reads event by event from any [`std::io::BufRead`] and never holds more
//! than the child it is building. It checks every element against the XSD of the file's year
//! (the header's `Year`; without one, any year's shape is accepted): element order and
//! counts, dates, codes and patterns. A child that breaks a rule is reported as a
//! [`Rejection`] (location, `LAchildID`, reason) and skipped whole; the children around it are
//! still read. A break in the XML itself ends the reading with a last rejection; the children
//! before it have already been yielded.
//!
//! The DfE's further validation rules (dates in a sensible order, a closure reason for every
//! closure date...) are not applied: the reader accepts what the XSD accepts.
//!
//! # Writing
//!
//! [`CensusWriter`] writes a file for one [`SchemaYear`], elements in XSD order, converting
//! `GenderCurrent` and `Sex` into each other where the year needs it and refusing a child
//! whose codes that year's XSD does not know. [`ReportingYear`] selects and trims the children
//! of one year's census.
//!
//! # As an adapter
//!
//! [`source::CinCensusFileSource`] is the adapter SDK's `SourceAdapter` over one census file:
//! each child becomes a canonical person record followed by its case records (episodes,
//! assessments, section 47 enquiries, conferences, plans), each rejection an SDK rejection.

mod codes;
mod header;
mod location;
mod model;
mod parse;
mod reader;
mod reporting_year;
mod sequence;
pub mod source;
pub mod synthetic;
mod writer;

pub use codes::{GenderCurrent, PreProceedingsOutcome, SchemaYear};
pub use header::{CensusHeader, CollectionDetails, Source};
pub use location::Location;
pub use model::{
    Assessment, CensusChild, CensusUpn, ChildCharacteristics, ChildIdentifiers,
    ChildProtectionPlan, CinDetails, CinPlanDates, PreProceedings, RecordedSex, Section47,
};
pub use reader::{CensusImport, CensusReader, Rejection, RejectionReason, read_all};
pub use reporting_year::ReportingYear;
pub use writer::{CensusWriter, WriteError};
