//! `attendance_summary`: A pupil's attendance at a school over a period, in sessions, from the
//! school's MIS.

use sea_orm::entity::prelude::*;

/// A row of `attendance_summary`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Deserialize)]
#[sea_orm(table_name = "attendance_summary")]
pub struct Model {
    /// Primary key (UUIDv7).
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The pupil.
    pub person_id: Uuid,
    /// The school (an agency of kind `SCHOOL`).
    pub agency_id: Uuid,
    /// First day of the period, when the school says.
    #[sea_orm(nullable)]
    pub period_start: Option<Date>,
    /// Last day of the period, when the school says.
    #[sea_orm(nullable)]
    pub period_end: Option<Date>,
    /// Sessions the pupil could have attended.
    pub sessions_possible: i32,
    /// Sessions attended (present or approved educational activity).
    pub sessions_attended: i32,
    /// Sessions missed with authorisation.
    pub sessions_authorised_absence: i32,
    /// Sessions missed without authorisation.
    pub sessions_unauthorised_absence: i32,
    /// Absent for 10% or more of the possible sessions (the DfE persistent absence threshold).
    pub persistently_absent: bool,
}

/// Foreign keys of `attendance_summary`.
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
