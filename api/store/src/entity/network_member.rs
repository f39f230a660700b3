//! `network_member`: A member of a family network.

use sea_orm::entity::prelude::*;

/// A row of `network_member`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Deserialize)]
#[sea_orm(table_name = "network_member")]
pub struct Model {
    /// Primary key (UUIDv7).
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The network.
    pub family_network_id: Uuid,
    /// The person, when known to the service.
    #[sea_orm(nullable)]
    pub person_id: Option<Uuid>,
    /// Name as shown in the network.
    #[sea_orm(column_type = "Text")]
    pub display_name: String,
    /// `RELATIVE`, `FRIEND`, `CONNECTED_PERSON` or `PARENT`.
    #[sea_orm(column_type = "Text")]
    pub kind: String,
    /// Relationship to the child, in words.
    #[sea_orm(column_type = "Text")]
    pub relationship_to_child: String,
    /// `WILLING`, `WILLING_WITH_SUPPORT`, `NOT_WILLING` or `NOT_ASKED`.
    #[sea_orm(column_type = "Text")]
    pub willingness: String,
    /// Phone number.
    #[sea_orm(column_type = "Text", nullable)]
    pub phone: Option<String>,
}

/// Foreign keys of `network_member`.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// The network.
    #[sea_orm(
        belongs_to = "super::family_network::Entity",
        from = "Column::FamilyNetworkId",
        to = "super::family_network::Column::Id",
        on_delete = "Cascade"
    )]
    FamilyNetwork,
    /// The person, when known.
    #[sea_orm(
        belongs_to = "super::person::Entity",
        from = "Column::PersonId",
        to = "super::person::Column::Id",
        on_delete = "SetNull"
    )]
    Person,
}

impl Related<super::family_network::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::FamilyNetwork.def()
    }
}

impl Related<super::person::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Person.def()
    }
}

impl Related<super::plan_goal::Entity> for Entity {
    fn to() -> RelationDef {
        super::plan_goal::Relation::OwnerNetworkMember.def().rev()
    }
}

impl ActiveModelBehavior for ActiveModel {}
