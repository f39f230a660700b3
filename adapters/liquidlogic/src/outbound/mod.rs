//! Outbound delivery to the case system: the events familygraph's delivery worker hands over
//! (contacts recorded at the front door, support a partner recorded), written where the case
//! system picks them up. Two [`DeliveryAdapter`](familygraph_adapter_sdk::DeliveryAdapter)s:
//!
//! - [`DropFileAdapter`]: one JSON file per event in a directory the case system watches,
//!   written under a temporary name and then linked (or renamed) into place atomically, named
//!   after the idempotency key ([`file_name`]) so that a repeated delivery finds the file and
//!   answers `duplicate: true`.
//! - [`StagingTableAdapter`]: one row per event in a staging table of the case system's SQL
//!   database (PostgreSQL or SQLite here; [`staging_table_ddl`] gives the table), keyed by the
//!   idempotency key, so a repeated delivery conflicts and answers `duplicate: true`.
//!
//! Both write the same [`EventDocument`] (the JSON schema is in `docs/adapters.md`, "Outbound to
//! the case system"). The adapters only write: they never read familygraph's database. The
//! server builds each event's payload (ids as the case system knows them, when familygraph has
//! them) and passes a stable idempotency key (the delivery target's name and the outbox event
//! id): delivery is at least once, and the key makes it exactly once for the case system.
//!
//! Errors: a directory or database that cannot be written is retryable (the event is fine; an
//! operator fixes the share or the database, and the worker's back-off tries again); an event
//! that can never be written (an unusable key) is permanent. No error carries the event's
//! content.

mod document;
mod drop_files;
mod staging;

pub use document::{EventDocument, SCHEMA, file_name};
pub use drop_files::{DropFileAdapter, DropFileConfig, PROCESSED_DIR};
pub use staging::{DEFAULT_TABLE, StagingTableAdapter, StagingTableConfig, staging_table_ddl};
