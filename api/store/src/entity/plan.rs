//! `plan`: A plan for a child: Family Help, child in need, child protection or family network.

use sea_orm::entity::prelude::*;

/// A row of `plan`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Deserialize)]
#[sea_orm(table_name = "plan")]
pub struct Model {
    /// Primary key (UUIDv7).
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The child.
    pub person_id: Uuid,
    /// The family.
    #[sea_orm(nullable)]
    pub family_id: Option<Uuid>,
    /// `FAMILY_HELP`, `CHILD_IN_NEED`, `CHILD_PROTECTION` or `FAMILY_NETWORK`.
    #[sea_orm(column_type = "Text")]
    pub kind: String,
    /// First day of the plan.
    pub started_on: Date,
    /// Last day; `None` while open.
    #[sea_orm(nullable)]
    pub ended_on: Option<Date>,
    /// Initial category of abuse (child protection plans only).
    #[sea_orm(column_type = "Text", nullable)]
    pub initial_category: Option<String>,
    /// Latest category of abuse (child protection plans only).
    #[sea_orm(column_type = "Text", nullable)]
    pub latest_category: Option<String>,
    /// Optimistic-concurrency version.
    pub version: i32,
}

/// Foreign keys of `plan`.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// The child.
    #[sea_orm(
        belongs_to = "super::person::Entity",
        from = "Column::PersonId",
        to = "super::person::Column::Id"
    )]
    Person,
    /// The family.
    #[sea_orm(
        belongs_to = "super::family::Entity",
        from = "Column::FamilyId",
        to = "super::family::Column::Id"
    )]
    Family,
}

impl Related<super::person::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Person.def()
    }
}

impl Related<super::family::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Family.def()
    }
}

impl Related<super::plan_goal::Entity> for Entity {
    fn to() -> RelationDef {
        super::plan_goal::Relation::Plan.def().rev()
    }
}

impl Related<super::plan_review::Entity> for Entity {
    fn to() -> RelationDef {
        super::plan_review::Relation::Plan.def().rev()
    }
}

impl Related<super::visit::Entity> for Entity {
    fn to() -> RelationDef {
        super::visit::Relation::Plan.def().rev()
    }
}

impl ActiveModelBehavior for ActiveModel {}
