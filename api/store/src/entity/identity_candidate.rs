//! `identity_candidate`: A possible match between a person created by an import and an existing
//! person, waiting for review; unique per (`person_id`, `candidate_person_id`).

use sea_orm::entity::prelude::*;

/// A row of `identity_candidate`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Deserialize)]
#[sea_orm(table_name = "identity_candidate")]
pub struct Model {
    /// Primary key (UUIDv7).
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The person created from the incoming record (merged away on confirmation).
    pub person_id: Uuid,
    /// The existing person it may be (kept on confirmation).
    pub candidate_person_id: Uuid,
    /// `PENDING`, `CONFIRMED`, `REJECTED` or `UNDONE`.
    #[sea_orm(column_type = "Text")]
    pub status: String,
    /// Match score, 0–100.
    pub score: i32,
    /// JSON: which fields matched and which conflicted.
    #[sea_orm(column_type = "Text")]
    pub evidence: String,
    /// The run that found the match, if any.
    #[sea_orm(nullable)]
    pub run_id: Option<Uuid>,
    /// The source system of the incoming record.
    #[sea_orm(column_type = "Text", nullable)]
    pub source_system: Option<String>,
    /// The incoming record's id in its source system.
    #[sea_orm(column_type = "Text", nullable)]
    pub source_id: Option<String>,
    /// When the candidate was queued.
    pub created_at: DateTimeUtc,
    /// Who confirmed or rejected it.
    #[sea_orm(column_type = "Text", nullable)]
    pub decided_by: Option<String>,
    /// When it was confirmed or rejected.
    #[sea_orm(nullable)]
    pub decided_at: Option<DateTimeUtc>,
    /// Why it was rejected (or why a merge was undone).
    #[sea_orm(column_type = "Text", nullable)]
    pub decision_reason: Option<String>,
}

/// Foreign keys of `identity_candidate`.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// The run that found the match.
    #[sea_orm(
        belongs_to = "super::adapter_run::Entity",
        from = "Column::RunId",
        to = "super::adapter_run::Column::Id"
    )]
    AdapterRun,
}

impl ActiveModelBehavior for ActiveModel {}
