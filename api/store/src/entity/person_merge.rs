//! `person_merge`: A confirmed merge of one person into another, with exactly what moved so that
//! it can be undone.

use sea_orm::entity::prelude::*;

/// A row of `person_merge`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Deserialize)]
#[sea_orm(table_name = "person_merge")]
pub struct Model {
    /// Primary key (UUIDv7).
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The review-queue candidate confirmed, if any.
    #[sea_orm(nullable)]
    pub candidate_id: Option<Uuid>,
    /// The person kept.
    pub survivor_id: Uuid,
    /// The person merged into the survivor (its row is removed while the merge stands).
    pub merged_id: Uuid,
    /// JSON snapshot of the merged person's row, restored on undo.
    #[sea_orm(column_type = "Text")]
    pub merged_person: String,
    /// JSON: every row the merge moved to the survivor or removed as a duplicate.
    #[sea_orm(column_type = "Text")]
    pub moved: String,
    /// Who confirmed the merge.
    #[sea_orm(column_type = "Text")]
    pub merged_by: String,
    /// When.
    pub merged_at: DateTimeUtc,
    /// Who undid the merge.
    #[sea_orm(column_type = "Text", nullable)]
    pub undone_by: Option<String>,
    /// When it was undone.
    #[sea_orm(nullable)]
    pub undone_at: Option<DateTimeUtc>,
}

/// Foreign keys of `person_merge`.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// The candidate confirmed.
    #[sea_orm(
        belongs_to = "super::identity_candidate::Entity",
        from = "Column::CandidateId",
        to = "super::identity_candidate::Column::Id"
    )]
    IdentityCandidate,
}

impl ActiveModelBehavior for ActiveModel {}
