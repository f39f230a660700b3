//! `cp_conference`: An initial child protection conference.

use sea_orm::entity::prelude::*;

/// A row of `cp_conference`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Deserialize)]
#[sea_orm(table_name = "cp_conference")]
pub struct Model {
    /// Primary key (UUIDv7).
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The child.
    pub person_id: Uuid,
    /// The section 47 enquiry that led to it.
    #[sea_orm(nullable)]
    pub section47_enquiry_id: Option<Uuid>,
    /// Date held.
    pub held_on: Date,
    /// Whether a child protection plan was started.
    pub cp_plan_started: bool,
}

/// Foreign keys of `cp_conference`.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// The child.
    #[sea_orm(
        belongs_to = "super::person::Entity",
        from = "Column::PersonId",
        to = "super::person::Column::Id"
    )]
    Person,
    /// The section 47 enquiry.
    #[sea_orm(
        belongs_to = "super::section47_enquiry::Entity",
        from = "Column::Section47EnquiryId",
        to = "super::section47_enquiry::Column::Id"
    )]
    Section47Enquiry,
}

impl Related<super::person::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Person.def()
    }
}

impl Related<super::section47_enquiry::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Section47Enquiry.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
