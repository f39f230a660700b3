//! `visit`: A visit to a child.

use sea_orm::entity::prelude::*;

/// A row of `visit`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Deserialize)]
#[sea_orm(table_name = "visit")]
pub struct Model {
    /// Primary key (UUIDv7).
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The child.
    pub person_id: Uuid,
    /// The plan the visit is under.
    #[sea_orm(nullable)]
    pub plan_id: Option<Uuid>,
    /// The visiting practitioner.
    #[sea_orm(nullable)]
    pub practitioner_id: Option<Uuid>,
    /// Date of the visit.
    pub visited_on: Date,
    /// Whether the child was seen.
    pub seen: bool,
    /// Whether the child was seen alone.
    pub seen_alone: bool,
}

/// Foreign keys of `visit`.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// The child.
    #[sea_orm(
        belongs_to = "super::person::Entity",
        from = "Column::PersonId",
        to = "super::person::Column::Id"
    )]
    Person,
    /// The plan.
    #[sea_orm(
        belongs_to = "super::plan::Entity",
        from = "Column::PlanId",
        to = "super::plan::Column::Id"
    )]
    Plan,
    /// The visiting practitioner.
    #[sea_orm(
        belongs_to = "super::practitioner::Entity",
        from = "Column::PractitionerId",
        to = "super::practitioner::Column::Id"
    )]
    Practitioner,
}

impl Related<super::person::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Person.def()
    }
}

impl Related<super::plan::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Plan.def()
    }
}

impl Related<super::practitioner::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Practitioner.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
