//! Adapters for the records a Liquid Logic-style case system produces.
//!
//! - [`cin_census`]: the DfE children in need (CIN) census XML — a streaming reader that
//!   yields one [`cin_census::CensusChild`] (or one [`cin_census::Rejection`]) at a time, a
//!   writer that emits a collection year's file in the order of that year's XSD, and the
//!   reporting-year rule that decides which children a year's census holds.
//! - [`ssd`]: Standard Safeguarding Dataset CSV extracts — a merge over the sorted tables that
//!   yields one child (person and case records, or its rejected rows) at a time.
//! - [`warehouse`]: the `Child_Social` reporting warehouse (PostgreSQL or SQLite copy), read
//!   incrementally by watermark over SQL.
//! - [`outbound`]: delivery to the case system — events written as drop files or staging-table
//!   rows, once per idempotency key.
//!
//! The crate never touches familygraph's own database or GraphQL (the warehouse source reads
//! only the case system's warehouse). Callers map its records to their
//! own and decide what to store.

pub mod cin_census;
pub mod outbound;
pub mod ssd;
pub mod warehouse;
