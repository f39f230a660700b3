//! familygraph persistence: sea-orm entities over the schema built by `familygraph-migrations`,
//! the caller's row scope as SQL, the audit trail, and the demo data.
//!
//! Every query the API runs takes the caller's [`familygraph_domain::RecordScope`] through
//! [`Scoped`]; there is no unscoped path to a child's record.

pub mod audit;
pub mod break_glass;
pub mod children;
pub mod db;
pub mod education;
pub mod entity;
pub mod error;
pub mod lease;
pub mod measures;
pub mod scope;
pub mod seed;
pub mod webhooks;
pub mod workflow;

pub use audit::{AuditAction, AuditContext, AuditedRecord};
pub use children::ChildFilter;
pub use error::{StoreError, StoreResult};
pub use scope::{Reached, Scoped};
