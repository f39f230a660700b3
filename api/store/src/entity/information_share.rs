//! `information_share`: a decision to share information about a child with an agency, or to
//! withhold it because sharing would be more detrimental to the child.

use sea_orm::entity::prelude::*;

/// A row of `information_share`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Deserialize)]
#[sea_orm(table_name = "information_share")]
pub struct Model {
    /// Primary key (UUIDv7).
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The child the information is about.
    pub person_id: Uuid,
    /// The agency the information goes to, or that asked for it.
    pub agency_id: Uuid,
    /// `SHARE` or `WITHHOLD`.
    #[sea_orm(column_type = "Text")]
    pub decision: String,
    /// Lawful basis (a `LawfulBasis` code).
    #[sea_orm(column_type = "Text")]
    pub lawful_basis: String,
    /// Why; for `WITHHOLD`, why sharing would be more detrimental to the child.
    #[sea_orm(column_type = "Text")]
    pub reason: String,
    /// Date the decision was made.
    pub decided_on: Date,
    /// Who decided (identity-provider subject).
    #[sea_orm(column_type = "Text")]
    pub decided_by: String,
    /// When the record was created.
    pub created_at: DateTimeUtc,
}

/// Foreign keys of `information_share`.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// The child.
    #[sea_orm(
        belongs_to = "super::person::Entity",
        from = "Column::PersonId",
        to = "super::person::Column::Id"
    )]
    Person,
    /// The recipient or requesting agency.
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
