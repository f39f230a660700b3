//! The services directory adapter: Open Referral UK (ORUK) 3.0 to canonical
//! [`ServiceRecord`](familygraph_adapter_sdk::ServiceRecord)s and
//! [`TaxonomyTermRecord`](familygraph_adapter_sdk::TaxonomyTermRecord)s.
//!
//! - [`OpenReferralClient`]: the ORUK API — `/`, `/taxonomy_terms`, `/services`,
//!   `/services/{id}`, `/service_at_locations` — with ORUK's paging (`page`, `per_page`;
//!   `total_pages`, `last_page`).
//! - [`translate`]: one ORUK service or taxonomy term to a canonical record: locations with
//!   postcode and LSOA, taxonomy terms, age range, and whether it is a Family Hub.
//! - [`OpenReferralAdapter`]: the [`SourceAdapter`](familygraph_adapter_sdk::SourceAdapter)
//!   — taxonomy terms page by page, then services page by page (each read in full from
//!   `/services/{id}`).
//! - [`OpenReferralConfig`]: its configuration.

mod adapter;
mod client;
mod config;
pub mod translate;

pub use adapter::OpenReferralAdapter;
pub use client::{OpenReferralClient, Page};
pub use config::OpenReferralConfig;
