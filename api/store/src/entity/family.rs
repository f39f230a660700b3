//! `family`: A family: the unit Family Help works with.

use sea_orm::entity::prelude::*;

/// A row of `family`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Deserialize)]
#[sea_orm(table_name = "family")]
pub struct Model {
    /// Primary key (UUIDv7).
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Display name.
    #[sea_orm(column_type = "Text")]
    pub name: String,
    /// When the record was created.
    pub created_at: DateTimeUtc,
    /// Optimistic-concurrency version.
    pub version: i32,
}

/// Foreign keys of `family`.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl Related<super::contact::Entity> for Entity {
    fn to() -> RelationDef {
        super::contact::Relation::Family.def().rev()
    }
}

impl Related<super::family_help_episode::Entity> for Entity {
    fn to() -> RelationDef {
        super::family_help_episode::Relation::Family.def().rev()
    }
}

impl Related<super::family_member::Entity> for Entity {
    fn to() -> RelationDef {
        super::family_member::Relation::Family.def().rev()
    }
}

impl Related<super::family_network::Entity> for Entity {
    fn to() -> RelationDef {
        super::family_network::Relation::Family.def().rev()
    }
}

impl Related<super::partner_record::Entity> for Entity {
    fn to() -> RelationDef {
        super::partner_record::Relation::Family.def().rev()
    }
}

impl Related<super::plan::Entity> for Entity {
    fn to() -> RelationDef {
        super::plan::Relation::Family.def().rev()
    }
}

impl ActiveModelBehavior for ActiveModel {}
