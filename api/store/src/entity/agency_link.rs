//! `agency_link`: A person's link to a partner agency (on roll, registered patient, known to).

use sea_orm::entity::prelude::*;

/// A row of `agency_link`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Deserialize)]
#[sea_orm(table_name = "agency_link")]
pub struct Model {
    /// Primary key (UUIDv7).
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The person.
    pub person_id: Uuid,
    /// The agency.
    pub agency_id: Uuid,
    /// `ON_ROLL`, `REGISTERED_PATIENT` or `KNOWN_TO`.
    #[sea_orm(column_type = "Text")]
    pub kind: String,
    /// First day of the link.
    pub started_on: Date,
    /// Last day of the link; `None` while current.
    #[sea_orm(nullable)]
    pub ended_on: Option<Date>,
    /// `ON_ROLL` links: the pupil's National Curriculum year group as the school census codes
    /// it (`E1`, `E2`, `N1`, `N2`, `R`, `1`..`14`, `X`); `None` when the school has not said,
    /// and for other kinds of link.
    #[sea_orm(column_type = "Text", nullable)]
    pub year_group: Option<String>,
}

/// Foreign keys of `agency_link`.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// The person.
    #[sea_orm(
        belongs_to = "super::person::Entity",
        from = "Column::PersonId",
        to = "super::person::Column::Id",
        on_delete = "Cascade"
    )]
    Person,
    /// The agency.
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
