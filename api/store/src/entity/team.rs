//! `team`: A team: front door, Family Help locality team, MACPT or specialist.

use sea_orm::entity::prelude::*;

/// A row of `team`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Deserialize)]
#[sea_orm(table_name = "team")]
pub struct Model {
    /// Primary key (UUIDv7).
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Short code, unique, e.g. `S1`, `IFD`, `MACPT`.
    #[sea_orm(column_type = "Text", unique)]
    pub code: String,
    /// Display name.
    #[sea_orm(column_type = "Text")]
    pub name: String,
    /// `FRONT_DOOR`, `FAMILY_HELP`, `MACPT` or `SPECIALIST`.
    #[sea_orm(column_type = "Text")]
    pub kind: String,
    /// The locality it serves, if local.
    #[sea_orm(nullable)]
    pub locality_id: Option<Uuid>,
}

/// Foreign keys of `team`.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// The locality it serves.
    #[sea_orm(
        belongs_to = "super::locality::Entity",
        from = "Column::LocalityId",
        to = "super::locality::Column::Id"
    )]
    Locality,
}

impl Related<super::locality::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Locality.def()
    }
}

impl Related<super::area::Entity> for Entity {
    fn to() -> RelationDef {
        super::area::Relation::Team.def().rev()
    }
}

impl Related<super::contact::Entity> for Entity {
    fn to() -> RelationDef {
        super::contact::Relation::RoutedTeam.def().rev()
    }
}

impl Related<super::family_help_episode::Entity> for Entity {
    fn to() -> RelationDef {
        super::family_help_episode::Relation::Team.def().rev()
    }
}

impl Related<super::involvement::Entity> for Entity {
    fn to() -> RelationDef {
        super::involvement::Relation::Team.def().rev()
    }
}

impl Related<super::team_membership::Entity> for Entity {
    fn to() -> RelationDef {
        super::team_membership::Relation::Team.def().rev()
    }
}

impl ActiveModelBehavior for ActiveModel {}
