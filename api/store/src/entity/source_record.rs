//! `source_record`: Which familygraph row a source record became, and the hash of what was
//! applied; unique per (`record_kind`, `source_system`, `source_id`). Makes re-runs idempotent.

use sea_orm::entity::prelude::*;

/// A row of `source_record`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Deserialize)]
#[sea_orm(table_name = "source_record")]
pub struct Model {
    /// Primary key (UUIDv7).
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The record kind, e.g. `person`, `contact`.
    #[sea_orm(column_type = "Text")]
    pub record_kind: String,
    /// The source system's configured name.
    #[sea_orm(column_type = "Text")]
    pub source_system: String,
    /// The record's id in the source system.
    #[sea_orm(column_type = "Text")]
    pub source_id: String,
    /// The familygraph table the record became, e.g. `person`.
    #[sea_orm(column_type = "Text")]
    pub entity_type: String,
    /// The familygraph row it became.
    pub entity_id: Uuid,
    /// The person the record is about, if any.
    #[sea_orm(nullable)]
    pub person_id: Option<Uuid>,
    /// SHA-256 (hex) of the record as last applied.
    #[sea_orm(column_type = "Text")]
    pub content_hash: String,
    /// The run that last applied the record.
    pub run_id: Uuid,
    /// When the record was last applied.
    pub applied_at: DateTimeUtc,
}

/// Foreign keys of `source_record`.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// The run that last applied the record.
    #[sea_orm(
        belongs_to = "super::adapter_run::Entity",
        from = "Column::RunId",
        to = "super::adapter_run::Column::Id"
    )]
    AdapterRun,
}

impl ActiveModelBehavior for ActiveModel {}
