//! `referral`: A referral to children's social care.

use sea_orm::entity::prelude::*;

/// A row of `referral`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Deserialize)]
#[sea_orm(table_name = "referral")]
pub struct Model {
    /// Primary key (UUIDv7).
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The child.
    pub person_id: Uuid,
    /// The contact it came from.
    #[sea_orm(nullable)]
    pub contact_id: Option<Uuid>,
    /// Date of referral.
    pub referral_on: Date,
    /// CIN referral source code.
    #[sea_orm(column_type = "Text")]
    pub source: String,
    /// Primary need code, `N0`–`N9`.
    #[sea_orm(column_type = "Text")]
    pub primary_need: String,
    /// Whether the referral led to no further action (the CIN census `ReferralNFA`), when
    /// known.
    #[sea_orm(nullable)]
    pub no_further_action: Option<bool>,
}

/// Foreign keys of `referral`.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// The child.
    #[sea_orm(
        belongs_to = "super::person::Entity",
        from = "Column::PersonId",
        to = "super::person::Column::Id"
    )]
    Person,
    /// The contact it came from.
    #[sea_orm(
        belongs_to = "super::contact::Entity",
        from = "Column::ContactId",
        to = "super::contact::Column::Id"
    )]
    Contact,
}

impl Related<super::person::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Person.def()
    }
}

impl Related<super::contact::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Contact.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
