//! `area`: An area of a locality: a collaborative or a patch.

use sea_orm::entity::prelude::*;

/// A row of `area`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Deserialize)]
#[sea_orm(table_name = "area")]
pub struct Model {
    /// Primary key (UUIDv7).
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The locality it belongs to.
    pub locality_id: Uuid,
    /// `COLLABORATIVE` or `PATCH`.
    #[sea_orm(column_type = "Text")]
    pub kind: String,
    /// Short code, unique.
    #[sea_orm(column_type = "Text", unique)]
    pub code: String,
    /// Display name.
    #[sea_orm(column_type = "Text")]
    pub name: String,
    /// The Family Help locality team that covers it.
    #[sea_orm(nullable)]
    pub team_id: Option<Uuid>,
}

/// Foreign keys of `area`.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// The locality it belongs to.
    #[sea_orm(
        belongs_to = "super::locality::Entity",
        from = "Column::LocalityId",
        to = "super::locality::Column::Id"
    )]
    Locality,
    /// The Family Help team that covers it.
    #[sea_orm(
        belongs_to = "super::team::Entity",
        from = "Column::TeamId",
        to = "super::team::Column::Id"
    )]
    Team,
}

impl Related<super::locality::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Locality.def()
    }
}

impl Related<super::team::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Team.def()
    }
}

impl Related<super::family_hub::Entity> for Entity {
    fn to() -> RelationDef {
        super::family_hub::Relation::Area.def().rev()
    }
}

impl Related<super::lsoa::Entity> for Entity {
    fn to() -> RelationDef {
        super::lsoa::Relation::Area.def().rev()
    }
}

impl ActiveModelBehavior for ActiveModel {}
