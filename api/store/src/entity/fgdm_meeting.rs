//! `fgdm_meeting`: A Family Group Decision Making meeting offered to (and perhaps held with) a family network.

use sea_orm::entity::prelude::*;

/// A row of `fgdm_meeting`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Deserialize)]
#[sea_orm(table_name = "fgdm_meeting")]
pub struct Model {
    /// Primary key (UUIDv7).
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The family network.
    pub family_network_id: Uuid,
    /// Date offered.
    pub offered_on: Date,
    /// Who it was offered to.
    #[sea_orm(column_type = "Text")]
    pub offered_to: String,
    /// `FAMILY_HELP`, `CHILD_PROTECTION` or `PRE_PROCEEDINGS`.
    #[sea_orm(column_type = "Text")]
    pub stage: String,
    /// `ACCEPTED` or `DECLINED`; `None` until the family responds.
    #[sea_orm(column_type = "Text", nullable)]
    pub response: Option<String>,
    /// Date of the response.
    #[sea_orm(nullable)]
    pub responded_on: Option<Date>,
    /// Date held.
    #[sea_orm(nullable)]
    pub held_on: Option<Date>,
    /// Who facilitated it.
    #[sea_orm(column_type = "Text", nullable)]
    pub facilitator: Option<String>,
    /// Whether the child attended.
    #[sea_orm(nullable)]
    pub child_attended: Option<bool>,
    /// Version for optimistic concurrency.
    pub version: i32,
}

/// Foreign keys of `fgdm_meeting`.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// The family network.
    #[sea_orm(
        belongs_to = "super::family_network::Entity",
        from = "Column::FamilyNetworkId",
        to = "super::family_network::Column::Id",
        on_delete = "Cascade"
    )]
    FamilyNetwork,
}

impl Related<super::family_network::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::FamilyNetwork.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
