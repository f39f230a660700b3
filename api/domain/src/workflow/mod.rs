//! The Families First workflow's rules: what may happen to a child's case, and the typed user
//! errors a breach produces. Pure functions over facts the store gathers; no I/O.
//!
//! The states and transitions are drawn in `docs/workflow.md`.

pub mod operation;
pub mod rules;
pub mod user_error;

pub use operation::Operation;
pub use user_error::{UserError, UserErrorCode};
