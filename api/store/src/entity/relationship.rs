//! `relationship`: What `related_person` is to `person` (mother, sibling, carer...).

use sea_orm::entity::prelude::*;

/// A row of `relationship`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Deserialize)]
#[sea_orm(table_name = "relationship")]
pub struct Model {
    /// Primary key (UUIDv7).
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The person the relationship is described from.
    pub person_id: Uuid,
    /// The related person.
    pub related_person_id: Uuid,
    /// `MOTHER`, `FATHER`, `STEP_PARENT`, `SIBLING`, `HALF_SIBLING`, `GRANDPARENT`, `AUNT_UNCLE`, `CARER` or `OTHER`.
    #[sea_orm(column_type = "Text")]
    pub kind: String,
    /// Whether the related person has parental responsibility.
    pub parental_responsibility: bool,
    /// When the relationship began.
    #[sea_orm(nullable)]
    pub started_on: Option<Date>,
    /// When it ended.
    #[sea_orm(nullable)]
    pub ended_on: Option<Date>,
}

/// Foreign keys of `relationship`.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// The person the relationship is described from.
    #[sea_orm(
        belongs_to = "super::person::Entity",
        from = "Column::PersonId",
        to = "super::person::Column::Id",
        on_delete = "Cascade"
    )]
    Person,
    /// The related person.
    #[sea_orm(
        belongs_to = "super::person::Entity",
        from = "Column::RelatedPersonId",
        to = "super::person::Column::Id",
        on_delete = "Cascade"
    )]
    RelatedPerson,
}

impl ActiveModelBehavior for ActiveModel {}
