//! `involvement`: A practitioner's involvement with a child over a period.

use sea_orm::entity::prelude::*;

/// A row of `involvement`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Deserialize)]
#[sea_orm(table_name = "involvement")]
pub struct Model {
    /// Primary key (UUIDv7).
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The child.
    pub person_id: Uuid,
    /// The practitioner.
    pub practitioner_id: Uuid,
    /// The team the practitioner is involved through.
    #[sea_orm(nullable)]
    pub team_id: Option<Uuid>,
    /// `FAMILY_HELP_LEAD`, `LEAD_CHILD_PROTECTION_PRACTITIONER`, `CASE_WORKER` or `KEY_AGENCY`.
    #[sea_orm(column_type = "Text")]
    pub role: String,
    /// First day of the involvement.
    pub started_on: Date,
    /// Last day; `None` while current.
    #[sea_orm(nullable)]
    pub ended_on: Option<Date>,
    /// Why the involvement changed or ended.
    #[sea_orm(column_type = "Text", nullable)]
    pub change_reason: Option<String>,
    /// Version for optimistic concurrency.
    pub version: i32,
}

/// Foreign keys of `involvement`.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// The child.
    #[sea_orm(
        belongs_to = "super::person::Entity",
        from = "Column::PersonId",
        to = "super::person::Column::Id"
    )]
    Person,
    /// The practitioner.
    #[sea_orm(
        belongs_to = "super::practitioner::Entity",
        from = "Column::PractitionerId",
        to = "super::practitioner::Column::Id"
    )]
    Practitioner,
    /// The team.
    #[sea_orm(
        belongs_to = "super::team::Entity",
        from = "Column::TeamId",
        to = "super::team::Column::Id"
    )]
    Team,
}

impl Related<super::person::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Person.def()
    }
}

impl Related<super::practitioner::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Practitioner.def()
    }
}

impl Related<super::team::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Team.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
