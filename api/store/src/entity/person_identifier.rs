//! `person_identifier`: An external identifier of a person (case system id, NHS number, UPN...).
//!
//! Unique per (`kind`, `value`), except `UPN_UNKNOWN` reason codes, which are unique per
//! (`person_id`, `kind`, `value`).

use sea_orm::entity::prelude::*;

/// A row of `person_identifier`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Deserialize)]
#[sea_orm(table_name = "person_identifier")]
pub struct Model {
    /// Primary key (UUIDv7).
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The person identified.
    pub person_id: Uuid,
    /// `CASE_SYSTEM_ID`, `NHS_NUMBER`, `UPN`, `FORMER_UPN` or `UPN_UNKNOWN`.
    #[sea_orm(column_type = "Text")]
    pub kind: String,
    /// The identifier (or, for `UPN_UNKNOWN`, the reason code).
    #[sea_orm(column_type = "Text")]
    pub value: String,
}

/// Foreign keys of `person_identifier`.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// The person identified.
    #[sea_orm(
        belongs_to = "super::person::Entity",
        from = "Column::PersonId",
        to = "super::person::Column::Id",
        on_delete = "Cascade"
    )]
    Person,
}

impl Related<super::person::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Person.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}

/// The condition of the unique index on (`kind`, `value`): the row's kind is one that
/// identifies a person (every kind but `UPN_UNKNOWN`). The code is written into the statement,
/// not bound, so that PostgreSQL can use that partial index in a plan made before it knows
/// the statement's values (a generic plan); with the code bound it falls back to scanning the
/// table.
pub fn identifies_a_person() -> sea_orm::sea_query::SimpleExpr {
    use sea_orm::sea_query::{Expr, ExprTrait};
    ExprTrait::ne(
        Expr::col((Entity, Column::Kind)),
        Expr::cust("'UPN_UNKNOWN'"),
    )
}
