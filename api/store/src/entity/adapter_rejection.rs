//! `adapter_rejection`: A record a run rejected: where it was and why; unique per (`run_id`, `seq`).

use sea_orm::entity::prelude::*;

/// A row of `adapter_rejection`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Deserialize)]
#[sea_orm(table_name = "adapter_rejection")]
pub struct Model {
    /// Primary key (UUIDv7).
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The run.
    pub run_id: Uuid,
    /// Order of the rejection within its run, from 0.
    pub seq: i64,
    /// The document (file or URL) the record was in.
    #[sea_orm(column_type = "Text")]
    pub document: String,
    /// The place in the document (JSON pointer, XML path, row), empty for the whole document.
    #[sea_orm(column_type = "Text")]
    pub pointer: String,
    /// Why the record was rejected (never an identifier's value).
    #[sea_orm(column_type = "Text")]
    pub reason: String,
}

/// Foreign keys of `adapter_rejection`.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// The run.
    #[sea_orm(
        belongs_to = "super::adapter_run::Entity",
        from = "Column::RunId",
        to = "super::adapter_run::Column::Id",
        on_delete = "Cascade"
    )]
    AdapterRun,
}

impl Related<super::adapter_run::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::AdapterRun.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
