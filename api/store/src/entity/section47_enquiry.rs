//! `section47_enquiry`: A section 47 (Children Act 1989) enquiry.

use sea_orm::entity::prelude::*;

/// A row of `section47_enquiry`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Deserialize)]
#[sea_orm(table_name = "section47_enquiry")]
pub struct Model {
    /// Primary key (UUIDv7).
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The child.
    pub person_id: Uuid,
    /// Date started.
    pub started_on: Date,
    /// Date concluded.
    #[sea_orm(nullable)]
    pub concluded_on: Option<Date>,
    /// `CONFERENCE`, `NO_FURTHER_ACTION` or `CONTINUE_FAMILY_HELP`.
    #[sea_orm(column_type = "Text", nullable)]
    pub outcome: Option<String>,
    /// The lead practitioner.
    #[sea_orm(nullable)]
    pub lead_practitioner_id: Option<Uuid>,
}

/// Foreign keys of `section47_enquiry`.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// The child.
    #[sea_orm(
        belongs_to = "super::person::Entity",
        from = "Column::PersonId",
        to = "super::person::Column::Id"
    )]
    Person,
    /// The lead practitioner.
    #[sea_orm(
        belongs_to = "super::practitioner::Entity",
        from = "Column::LeadPractitionerId",
        to = "super::practitioner::Column::Id"
    )]
    LeadPractitioner,
}

impl Related<super::person::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Person.def()
    }
}

impl Related<super::practitioner::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::LeadPractitioner.def()
    }
}

impl Related<super::cp_conference::Entity> for Entity {
    fn to() -> RelationDef {
        super::cp_conference::Relation::Section47Enquiry.def().rev()
    }
}

impl ActiveModelBehavior for ActiveModel {}
