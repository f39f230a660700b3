//! `plan_review`: A review of a plan.

use sea_orm::entity::prelude::*;

/// A row of `plan_review`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Deserialize)]
#[sea_orm(table_name = "plan_review")]
pub struct Model {
    /// Primary key (UUIDv7).
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The plan.
    pub plan_id: Uuid,
    /// Date of review.
    pub reviewed_on: Date,
    /// Outcome of the review.
    #[sea_orm(column_type = "Text")]
    pub outcome: String,
}

/// Foreign keys of `plan_review`.
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
}

impl Related<super::plan::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Plan.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
