//! `school_suspension`: A pupil's suspension (a fixed period away from school) or permanent
//! exclusion, from the school's MIS.

use sea_orm::entity::prelude::*;

/// A row of `school_suspension`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Deserialize)]
#[sea_orm(table_name = "school_suspension")]
pub struct Model {
    /// Primary key (UUIDv7).
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The pupil.
    pub person_id: Uuid,
    /// The school (an agency of kind `SCHOOL`).
    pub agency_id: Uuid,
    /// A permanent exclusion rather than a suspension.
    pub permanent: bool,
    /// First day, when the school says.
    #[sea_orm(nullable)]
    pub started_on: Option<Date>,
    /// Last day of a suspension, when the school says.
    #[sea_orm(nullable)]
    pub ended_on: Option<Date>,
    /// Sessions the pupil is away, when the school says.
    #[sea_orm(nullable)]
    pub sessions: Option<i32>,
    /// The reason as the school gives it (a DfE exclusion reason code or text), verbatim.
    #[sea_orm(column_type = "Text", nullable)]
    pub reason: Option<String>,
}

/// Foreign keys of `school_suspension`.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// The pupil.
    #[sea_orm(
        belongs_to = "super::person::Entity",
        from = "Column::PersonId",
        to = "super::person::Column::Id",
        on_delete = "Cascade"
    )]
    Person,
    /// The school.
    #[sea_orm(
        belongs_to = "super::agency::Entity",
        from = "Column::AgencyId",
        to = "super::agency::Column::Id"
    )]
    Agency,
}

impl Related<super::person::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Person.def()
    }
}

impl Related<super::agency::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Agency.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
