//! `assessment`: An assessment of a child.

use sea_orm::entity::prelude::*;

/// A row of `assessment`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Deserialize)]
#[sea_orm(table_name = "assessment")]
pub struct Model {
    /// Primary key (UUIDv7).
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The child.
    pub person_id: Uuid,
    /// The Family Help episode it belongs to.
    #[sea_orm(nullable)]
    pub family_help_episode_id: Option<Uuid>,
    /// Date started.
    pub started_on: Date,
    /// Date authorised.
    #[sea_orm(nullable)]
    pub authorised_on: Option<Date>,
    /// Whether the child was seen.
    pub child_seen: bool,
    /// Outcome.
    #[sea_orm(column_type = "Text", nullable)]
    pub outcome: Option<String>,
}

/// Foreign keys of `assessment`.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// The child.
    #[sea_orm(
        belongs_to = "super::person::Entity",
        from = "Column::PersonId",
        to = "super::person::Column::Id"
    )]
    Person,
    /// The Family Help episode.
    #[sea_orm(
        belongs_to = "super::family_help_episode::Entity",
        from = "Column::FamilyHelpEpisodeId",
        to = "super::family_help_episode::Column::Id"
    )]
    FamilyHelpEpisode,
}

impl Related<super::person::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Person.def()
    }
}

impl Related<super::family_help_episode::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::FamilyHelpEpisode.def()
    }
}

impl Related<super::assessment_factor::Entity> for Entity {
    fn to() -> RelationDef {
        super::assessment_factor::Relation::Assessment.def().rev()
    }
}

impl ActiveModelBehavior for ActiveModel {}
