//! `support_package`: A practical or financial support package for a family network.

use sea_orm::entity::prelude::*;

/// A row of `support_package`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Deserialize)]
#[sea_orm(table_name = "support_package")]
pub struct Model {
    /// Primary key (UUIDv7).
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The family network.
    pub family_network_id: Uuid,
    /// `PRACTICAL` or `FINANCIAL`.
    #[sea_orm(column_type = "Text")]
    pub kind: String,
    /// What the support is.
    #[sea_orm(column_type = "Text")]
    pub description: String,
    /// Amount in pence (financial support).
    #[sea_orm(nullable)]
    pub amount_pence: Option<i32>,
    /// First day of the support.
    pub started_on: Date,
    /// Last day; `None` while current.
    #[sea_orm(nullable)]
    pub ended_on: Option<Date>,
}

/// Foreign keys of `support_package`.
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
