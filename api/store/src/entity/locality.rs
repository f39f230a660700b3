//! `locality`: A locality within a local authority, e.g. `SOUTH`.

use sea_orm::entity::prelude::*;

/// A row of `locality`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Deserialize)]
#[sea_orm(table_name = "locality")]
pub struct Model {
    /// Primary key (UUIDv7).
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The local authority it belongs to.
    pub local_authority_id: Uuid,
    /// Short code, unique, e.g. `SOUTH`.
    #[sea_orm(column_type = "Text", unique)]
    pub code: String,
    /// Display name.
    #[sea_orm(column_type = "Text")]
    pub name: String,
}

/// Foreign keys of `locality`.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// The local authority it belongs to.
    #[sea_orm(
        belongs_to = "super::local_authority::Entity",
        from = "Column::LocalAuthorityId",
        to = "super::local_authority::Column::Id"
    )]
    LocalAuthority,
}

impl Related<super::local_authority::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::LocalAuthority.def()
    }
}

impl Related<super::area::Entity> for Entity {
    fn to() -> RelationDef {
        super::area::Relation::Locality.def().rev()
    }
}

impl Related<super::team::Entity> for Entity {
    fn to() -> RelationDef {
        super::team::Relation::Locality.def().rev()
    }
}

impl ActiveModelBehavior for ActiveModel {}
