//! Store errors.

/// What can go wrong in the store. Database details stay inside: callers log them and show
/// clients only a masked `INTERNAL` error.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database refused or failed a statement.
    #[error("database error: {0}")]
    Database(#[from] sea_orm::DbErr),
    /// A stored value did not parse into its domain type (a bug or a bad import, never client input).
    #[error("stored value is invalid: {0}")]
    Corrupt(String),
    /// The record changed since the caller read it: `expected` is the version they sent.
    #[error("{record_type} {id} is no longer at version {expected}")]
    Conflict {
        /// The record's type.
        record_type: &'static str,
        /// The record's id.
        id: uuid::Uuid,
        /// The version the caller sent.
        expected: i32,
    },
    /// Client input that the domain rejected.
    #[error(transparent)]
    Invalid(#[from] familygraph_domain::DomainError),
}

/// Result alias for store operations.
pub type StoreResult<T> = Result<T, StoreError>;
