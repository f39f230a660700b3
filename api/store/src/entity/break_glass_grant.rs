//! `break_glass_grant`: time-limited access to a child's record outside the practitioner's
//! scope, asked for with a reason, flagged in the audit trail and reviewed by a manager or an
//! auditor afterwards.

use sea_orm::entity::prelude::*;

/// A row of `break_glass_grant`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Deserialize)]
#[sea_orm(table_name = "break_glass_grant")]
pub struct Model {
    /// Primary key (UUIDv7).
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The child whose record the grant opens.
    pub person_id: Uuid,
    /// The requesting practitioner's identity-provider subject.
    #[sea_orm(column_type = "Text")]
    pub subject: String,
    /// The OAuth client the request came through, if known.
    #[sea_orm(column_type = "Text", nullable)]
    pub client_id: Option<String>,
    /// The requester's roles at the time (space-separated, e.g. `social_worker`).
    #[sea_orm(column_type = "Text")]
    pub roles: String,
    /// Why access was needed (at least 20 characters).
    #[sea_orm(column_type = "Text")]
    pub reason: String,
    /// When access was granted.
    pub granted_at: DateTimeUtc,
    /// When access ends.
    pub expires_at: DateTimeUtc,
    /// When a reviewer looked at the grant; `None` until reviewed.
    #[sea_orm(nullable)]
    pub reviewed_at: Option<DateTimeUtc>,
    /// The reviewer's identity-provider subject.
    #[sea_orm(column_type = "Text", nullable)]
    pub reviewed_by: Option<String>,
    /// `APPROPRIATE` or `INAPPROPRIATE` (a `BreakGlassReviewOutcome` code).
    #[sea_orm(column_type = "Text", nullable)]
    pub review_outcome: Option<String>,
    /// The reviewer's note.
    #[sea_orm(column_type = "Text", nullable)]
    pub review_note: Option<String>,
    /// Optimistic-concurrency version, from 1.
    pub version: i32,
}

/// Foreign keys of `break_glass_grant`.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// The child.
    #[sea_orm(
        belongs_to = "super::person::Entity",
        from = "Column::PersonId",
        to = "super::person::Column::Id"
    )]
    Person,
}

impl Related<super::person::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Person.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
