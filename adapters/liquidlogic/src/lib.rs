//! Adapters for the records a Liquid Logic-style case system produces.
//!
//! - [`cin_census`]: the DfE children in need (CIN) census XML — a streaming reader that
//!   yields one [`cin_census::CensusChild`] (or one [`cin_census::Rejection`]) at a time, a
//!   writer that emits a collection year's file in the order of that year's XSD, and the
//!   reporting-year rule that decides which children a year's census holds.
//! - [`ssd`]: Standard Safeguarding Dataset CSV extracts — a merge over the sorted tables that
//!   yields one child (person and case records, or its rejected rows) at a time.
//!
//! The crate is pure: no database, no network, no GraphQL. Callers map its records to their
//! own and decide what to store.

pub mod cin_census;
pub mod ssd;
