//! `family_member`: A person's membership of a family over a period.

use sea_orm::entity::prelude::*;

/// A row of `family_member`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Deserialize)]
#[sea_orm(table_name = "family_member")]
pub struct Model {
    /// Primary key (UUIDv7).
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The family.
    pub family_id: Uuid,
    /// The member.
    pub person_id: Uuid,
    /// `CHILD`, `PARENT`, `CARER`, `SIBLING` or `OTHER_ADULT`.
    #[sea_orm(column_type = "Text")]
    pub role: String,
    /// Which household the member lives in, e.g. `Dad's home`.
    #[sea_orm(column_type = "Text")]
    pub household: String,
    /// First day of membership.
    pub started_on: Date,
    /// Last day of membership; `None` while current.
    #[sea_orm(nullable)]
    pub ended_on: Option<Date>,
}

/// Foreign keys of `family_member`.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// The family.
    #[sea_orm(
        belongs_to = "super::family::Entity",
        from = "Column::FamilyId",
        to = "super::family::Column::Id",
        on_delete = "Cascade"
    )]
    Family,
    /// The member.
    #[sea_orm(
        belongs_to = "super::person::Entity",
        from = "Column::PersonId",
        to = "super::person::Column::Id",
        on_delete = "Cascade"
    )]
    Person,
}

impl Related<super::family::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Family.def()
    }
}

impl Related<super::person::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Person.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
