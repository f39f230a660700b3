//! `plan_goal`: A goal of a plan, owned by a practitioner or a network member.

use sea_orm::entity::prelude::*;

/// A row of `plan_goal`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Deserialize)]
#[sea_orm(table_name = "plan_goal")]
pub struct Model {
    /// Primary key (UUIDv7).
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The plan.
    pub plan_id: Uuid,
    /// What the goal is.
    #[sea_orm(column_type = "Text")]
    pub description: String,
    /// Owning practitioner.
    #[sea_orm(nullable)]
    pub owner_practitioner_id: Option<Uuid>,
    /// Owning network member.
    #[sea_orm(nullable)]
    pub owner_network_member_id: Option<Uuid>,
    /// Whether the goal has been achieved.
    pub achieved: bool,
}

/// Foreign keys of `plan_goal`.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// The plan.
    #[sea_orm(
        belongs_to = "super::plan::Entity",
        from = "Column::PlanId",
        to = "super::plan::Column::Id",
        on_delete = "Cascade"
    )]
    Plan,
    /// Owning practitioner.
    #[sea_orm(
        belongs_to = "super::practitioner::Entity",
        from = "Column::OwnerPractitionerId",
        to = "super::practitioner::Column::Id"
    )]
    OwnerPractitioner,
    /// Owning network member.
    #[sea_orm(
        belongs_to = "super::network_member::Entity",
        from = "Column::OwnerNetworkMemberId",
        to = "super::network_member::Column::Id",
        on_delete = "SetNull"
    )]
    OwnerNetworkMember,
}

impl Related<super::plan::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Plan.def()
    }
}

impl Related<super::practitioner::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::OwnerPractitioner.def()
    }
}

impl Related<super::network_member::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::OwnerNetworkMember.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
