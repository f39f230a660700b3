//! Intake errors.

use uuid::Uuid;

/// What can go wrong while applying canonical records. A record the data cannot take (an
/// unknown child, a date out of range) is not an error but a rejection counted in the run.
#[derive(Debug, thiserror::Error)]
pub enum IntakeError {
    /// The store failed.
    #[error(transparent)]
    Store(#[from] familygraph_store::StoreError),
    /// The database failed outside a store call.
    #[error("database error: {0}")]
    Database(#[from] sea_orm::DbErr),
    /// The run does not exist or is already finished.
    #[error("adapter run {0} is not open")]
    RunNotOpen(Uuid),
    /// No identity candidate has this id.
    #[error("identity candidate {0} not found")]
    CandidateNotFound(Uuid),
    /// The identity candidate was already confirmed or rejected.
    #[error("identity candidate {0} has already been decided")]
    CandidateDecided(Uuid),
    /// One of the candidate's two persons no longer exists (merged through another candidate).
    #[error("a person of identity candidate {0} no longer exists")]
    PersonGone(Uuid),
    /// No person merge has this id.
    #[error("person merge {0} not found")]
    MergeNotFound(Uuid),
    /// The person merge was already undone.
    #[error("person merge {0} has already been undone")]
    MergeUndone(Uuid),
    /// A stored record could not be read back (a damaged row).
    #[error("stored intake data is unreadable: {0}")]
    Corrupt(String),
}

/// Result alias for intake operations.
pub type IntakeResult<T> = Result<T, IntakeError>;
