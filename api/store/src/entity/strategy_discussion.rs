//! `strategy_discussion`: A strategy discussion about a child.

use sea_orm::entity::prelude::*;

/// A row of `strategy_discussion`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Deserialize)]
#[sea_orm(table_name = "strategy_discussion")]
pub struct Model {
    /// Primary key (UUIDv7).
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The child.
    pub person_id: Uuid,
    /// Date held.
    pub held_on: Date,
    /// The practitioner who chaired it.
    pub chair_practitioner_id: Uuid,
    /// `SECTION_47`, `NO_FURTHER_ACTION` or `CONTINUE_FAMILY_HELP`; `None` until decided.
    #[sea_orm(column_type = "Text", nullable)]
    pub decision: Option<String>,
    /// When the record was created.
    pub created_at: DateTimeUtc,
}

/// Foreign keys of `strategy_discussion`.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// The child.
    #[sea_orm(
        belongs_to = "super::person::Entity",
        from = "Column::PersonId",
        to = "super::person::Column::Id",
        on_delete = "Restrict"
    )]
    Person,
    /// The practitioner who chaired it.
    #[sea_orm(
        belongs_to = "super::practitioner::Entity",
        from = "Column::ChairPractitionerId",
        to = "super::practitioner::Column::Id"
    )]
    ChairPractitioner,
}

impl Related<super::person::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Person.def()
    }
}

impl Related<super::practitioner::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::ChairPractitioner.def()
    }
}

impl Related<super::strategy_participant::Entity> for Entity {
    fn to() -> RelationDef {
        super::strategy_participant::Relation::StrategyDiscussion
            .def()
            .rev()
    }
}

impl ActiveModelBehavior for ActiveModel {}
