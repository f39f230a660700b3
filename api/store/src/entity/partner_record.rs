//! `partner_record`: A concern or support recorded by a partner agency.

use sea_orm::entity::prelude::*;

/// A row of `partner_record`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Deserialize)]
#[sea_orm(table_name = "partner_record")]
pub struct Model {
    /// Primary key (UUIDv7).
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The recording agency.
    pub agency_id: Uuid,
    /// The person it is about.
    #[sea_orm(nullable)]
    pub person_id: Option<Uuid>,
    /// The family it is about.
    #[sea_orm(nullable)]
    pub family_id: Option<Uuid>,
    /// `CONCERN` or `SUPPORT`.
    #[sea_orm(column_type = "Text")]
    pub kind: String,
    /// What was recorded.
    #[sea_orm(column_type = "Text")]
    pub description: String,
    /// Date it occurred.
    pub occurred_on: Date,
    /// Lawful basis for sharing it.
    #[sea_orm(column_type = "Text")]
    pub lawful_basis: String,
    /// Who recorded it.
    #[sea_orm(column_type = "Text")]
    pub recorded_by: String,
    /// The contact it led to.
    #[sea_orm(nullable)]
    pub contact_id: Option<Uuid>,
    /// When the record was created.
    pub created_at: DateTimeUtc,
}

/// Foreign keys of `partner_record`.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// The recording agency.
    #[sea_orm(
        belongs_to = "super::agency::Entity",
        from = "Column::AgencyId",
        to = "super::agency::Column::Id"
    )]
    Agency,
    /// The person it is about.
    #[sea_orm(
        belongs_to = "super::person::Entity",
        from = "Column::PersonId",
        to = "super::person::Column::Id"
    )]
    Person,
    /// The family it is about.
    #[sea_orm(
        belongs_to = "super::family::Entity",
        from = "Column::FamilyId",
        to = "super::family::Column::Id"
    )]
    Family,
    /// The contact it led to.
    #[sea_orm(
        belongs_to = "super::contact::Entity",
        from = "Column::ContactId",
        to = "super::contact::Column::Id",
        on_delete = "SetNull"
    )]
    Contact,
}

impl Related<super::agency::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Agency.def()
    }
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

impl Related<super::contact::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Contact.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
