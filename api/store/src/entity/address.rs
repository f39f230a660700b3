//! `address`: An address a person lived at over a period.

use sea_orm::entity::prelude::*;

/// A row of `address`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Deserialize)]
#[sea_orm(table_name = "address")]
pub struct Model {
    /// Primary key (UUIDv7).
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The person.
    pub person_id: Uuid,
    /// First line of the address.
    #[sea_orm(column_type = "Text")]
    pub line1: String,
    /// Town.
    #[sea_orm(column_type = "Text")]
    pub town: String,
    /// Postcode.
    #[sea_orm(column_type = "Text")]
    pub postcode: String,
    /// The LSOA it falls in (`lsoa.code`).
    #[sea_orm(column_type = "Text", nullable)]
    pub lsoa_code: Option<String>,
    /// First day at the address.
    pub started_on: Date,
    /// Last day at the address; `None` while current.
    #[sea_orm(nullable)]
    pub ended_on: Option<Date>,
}

/// Foreign keys of `address`.
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
    /// The LSOA, by code.
    #[sea_orm(
        belongs_to = "super::lsoa::Entity",
        from = "Column::LsoaCode",
        to = "super::lsoa::Column::Code"
    )]
    Lsoa,
}

impl Related<super::person::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Person.def()
    }
}

impl Related<super::lsoa::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Lsoa.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
