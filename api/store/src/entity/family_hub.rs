//! `family_hub`: A Family Hub serving an area.

use sea_orm::entity::prelude::*;

/// A row of `family_hub`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Deserialize)]
#[sea_orm(table_name = "family_hub")]
pub struct Model {
    /// Primary key (UUIDv7).
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The area it serves.
    pub area_id: Uuid,
    /// Display name.
    #[sea_orm(column_type = "Text")]
    pub name: String,
    /// Date it opened.
    #[sea_orm(nullable)]
    pub opened_on: Option<Date>,
}

/// Foreign keys of `family_hub`.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// The area it serves.
    #[sea_orm(
        belongs_to = "super::area::Entity",
        from = "Column::AreaId",
        to = "super::area::Column::Id"
    )]
    Area,
}

impl Related<super::area::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Area.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
