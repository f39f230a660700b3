//! `adapter_note`: A value a run left out of an otherwise good record (the record was applied):
//! where it was and why; unique per (`run_id`, `seq`).

use sea_orm::entity::prelude::*;

/// A row of `adapter_note`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Deserialize)]
#[sea_orm(table_name = "adapter_note")]
pub struct Model {
    /// Primary key (UUIDv7).
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The run.
    pub run_id: Uuid,
    /// Order of the note within its run, from 0.
    pub seq: i64,
    /// The document (file or URL) the record was in.
    #[sea_orm(column_type = "Text")]
    pub document: String,
    /// The place in the document (JSON pointer, XML path, row), empty for the whole document.
    #[sea_orm(column_type = "Text")]
    pub pointer: String,
    /// Why the value was left out (never the value itself).
    #[sea_orm(column_type = "Text")]
    pub reason: String,
}

/// Foreign keys of `adapter_note`.
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
