//! `adapter_run`: One import or sync of an adapter: who started it, where it is, what it did and
//! the cursor to resume from.

use sea_orm::entity::prelude::*;

/// A row of `adapter_run`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Deserialize)]
#[sea_orm(table_name = "adapter_run")]
pub struct Model {
    /// Primary key (UUIDv7).
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The adapter's name, e.g. `cin-census`.
    #[sea_orm(column_type = "Text")]
    pub adapter: String,
    /// `COMMAND_LINE`, `ADMINISTRATOR` or `SCHEDULE`.
    #[sea_orm(column_type = "Text")]
    pub trigger: String,
    /// Who started the run (an operator's name or an identity-provider subject).
    #[sea_orm(column_type = "Text")]
    pub started_by: String,
    /// `RUNNING`, `SUCCEEDED`, `SUCCEEDED_WITH_REJECTIONS` or `FAILED`.
    #[sea_orm(column_type = "Text")]
    pub status: String,
    /// Records read, good or rejected.
    pub read_count: i64,
    /// Records that created a row.
    pub created_count: i64,
    /// Records that changed a row.
    pub updated_count: i64,
    /// Records already applied with the same content.
    pub unchanged_count: i64,
    /// Records rejected.
    pub rejected_count: i64,
    /// Persons sent to the identity review queue.
    pub queued_for_review_count: i64,
    /// The cursor saved after the last applied batch.
    #[sea_orm(column_type = "Text", nullable)]
    pub cursor: Option<String>,
    /// The error that stopped the run, if any.
    #[sea_orm(column_type = "Text", nullable)]
    pub failure: Option<String>,
    /// When the run started.
    pub started_at: DateTimeUtc,
    /// When the run finished.
    #[sea_orm(nullable)]
    pub finished_at: Option<DateTimeUtc>,
}

/// Foreign keys of `adapter_run`.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl Related<super::adapter_note::Entity> for Entity {
    fn to() -> RelationDef {
        super::adapter_note::Relation::AdapterRun.def().rev()
    }
}

impl Related<super::adapter_rejection::Entity> for Entity {
    fn to() -> RelationDef {
        super::adapter_rejection::Relation::AdapterRun.def().rev()
    }
}

impl ActiveModelBehavior for ActiveModel {}
