//! `strategy_participant`: An agency (and optionally its practitioner) taking part in a strategy discussion.

use sea_orm::entity::prelude::*;

/// A row of `strategy_participant`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Deserialize)]
#[sea_orm(table_name = "strategy_participant")]
pub struct Model {
    /// Primary key (UUIDv7).
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The strategy discussion.
    pub strategy_discussion_id: Uuid,
    /// The participating agency.
    pub agency_id: Uuid,
    /// The participating practitioner, when named.
    #[sea_orm(nullable)]
    pub practitioner_id: Option<Uuid>,
}

/// Foreign keys of `strategy_participant`.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// The strategy discussion.
    #[sea_orm(
        belongs_to = "super::strategy_discussion::Entity",
        from = "Column::StrategyDiscussionId",
        to = "super::strategy_discussion::Column::Id",
        on_delete = "Cascade"
    )]
    StrategyDiscussion,
    /// The participating agency.
    #[sea_orm(
        belongs_to = "super::agency::Entity",
        from = "Column::AgencyId",
        to = "super::agency::Column::Id"
    )]
    Agency,
    /// The participating practitioner.
    #[sea_orm(
        belongs_to = "super::practitioner::Entity",
        from = "Column::PractitionerId",
        to = "super::practitioner::Column::Id"
    )]
    Practitioner,
}

impl Related<super::strategy_discussion::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::StrategyDiscussion.def()
    }
}

impl Related<super::agency::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Agency.def()
    }
}

impl Related<super::practitioner::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Practitioner.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
