//! `local_authority`: A local authority (council) running children's social care.

use sea_orm::entity::prelude::*;

/// A row of `local_authority`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Deserialize)]
#[sea_orm(table_name = "local_authority")]
pub struct Model {
    /// Primary key (UUIDv7).
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// ONS code, e.g. `E06000001`; unique.
    #[sea_orm(column_type = "Text", unique)]
    pub code: String,
    /// Display name.
    #[sea_orm(column_type = "Text")]
    pub name: String,
}

/// Foreign keys of `local_authority`.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl Related<super::locality::Entity> for Entity {
    fn to() -> RelationDef {
        super::locality::Relation::LocalAuthority.def().rev()
    }
}

impl ActiveModelBehavior for ActiveModel {}
