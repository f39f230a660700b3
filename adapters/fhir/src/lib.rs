//! The health adapter: FHIR R4 UK Core `Patient` resources to canonical
//! [`PersonRecord`](familygraph_adapter_sdk::PersonRecord)s.
//!
//! - [`patient`]: one Patient (in FHIR's JSON form) to a person record — the NHS number with
//!   its UK Core verification status, names, birth date (partial dates kept as such), gender
//!   as sex, addresses and the current postcode.
//! - [`xml`]: FHIR XML documents to the same JSON form, so JSON and XML share one mapping.
//! - [`FhirAdapter`]: a [`SourceAdapter`](familygraph_adapter_sdk::SourceAdapter) over a
//!   directory of Patient or Bundle files, or over a FHIR server's `Patient` search
//!   (`_lastUpdated` watermark, `next` links).
//! - [`FhirConfig`]: the adapter's configuration.

mod adapter;
mod config;
mod directory;
mod document;
pub mod patient;
mod server;
pub mod xml;

pub use adapter::FhirAdapter;
pub use config::{FhirConfig, FhirSource};
