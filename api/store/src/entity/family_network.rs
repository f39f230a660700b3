//! `family_network`: A family's network of relatives, friends and connected people (one per family).

use sea_orm::entity::prelude::*;

/// A row of `family_network`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Deserialize)]
#[sea_orm(table_name = "family_network")]
pub struct Model {
    /// Primary key (UUIDv7).
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The family; unique.
    #[sea_orm(unique)]
    pub family_id: Uuid,
    /// When the record was created.
    pub created_at: DateTimeUtc,
    /// Optimistic-concurrency version.
    pub version: i32,
}

/// Foreign keys of `family_network`.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// The family.
    #[sea_orm(
        belongs_to = "super::family::Entity",
        from = "Column::FamilyId",
        to = "super::family::Column::Id",
        on_delete = "Cascade"
    )]
    Family,
}

impl Related<super::family::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Family.def()
    }
}

impl Related<super::fgdm_meeting::Entity> for Entity {
    fn to() -> RelationDef {
        super::fgdm_meeting::Relation::FamilyNetwork.def().rev()
    }
}

impl Related<super::network_member::Entity> for Entity {
    fn to() -> RelationDef {
        super::network_member::Relation::FamilyNetwork.def().rev()
    }
}

impl Related<super::support_package::Entity> for Entity {
    fn to() -> RelationDef {
        super::support_package::Relation::FamilyNetwork.def().rev()
    }
}

impl ActiveModelBehavior for ActiveModel {}
