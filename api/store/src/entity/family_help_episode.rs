//! `family_help_episode`: An episode of Family Help (targeted early help or child in need).

use sea_orm::entity::prelude::*;

/// A row of `family_help_episode`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Deserialize)]
#[sea_orm(table_name = "family_help_episode")]
pub struct Model {
    /// Primary key (UUIDv7).
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The child.
    pub person_id: Uuid,
    /// The family.
    pub family_id: Uuid,
    /// The team holding the episode.
    #[sea_orm(nullable)]
    pub team_id: Option<Uuid>,
    /// `TARGETED_EARLY_HELP` or `CHILD_IN_NEED`.
    #[sea_orm(column_type = "Text")]
    pub level: String,
    /// First day of the episode.
    pub started_on: Date,
    /// Last day; `None` while open.
    #[sea_orm(nullable)]
    pub ended_on: Option<Date>,
    /// Closure reason code, `RC1`–`RC9`.
    #[sea_orm(column_type = "Text", nullable)]
    pub closure_reason: Option<String>,
    /// Version for optimistic concurrency.
    pub version: i32,
}

/// Foreign keys of `family_help_episode`.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// The child.
    #[sea_orm(
        belongs_to = "super::person::Entity",
        from = "Column::PersonId",
        to = "super::person::Column::Id"
    )]
    Person,
    /// The family.
    #[sea_orm(
        belongs_to = "super::family::Entity",
        from = "Column::FamilyId",
        to = "super::family::Column::Id"
    )]
    Family,
    /// The team holding the episode.
    #[sea_orm(
        belongs_to = "super::team::Entity",
        from = "Column::TeamId",
        to = "super::team::Column::Id"
    )]
    Team,
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

impl Related<super::team::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Team.def()
    }
}

impl Related<super::assessment::Entity> for Entity {
    fn to() -> RelationDef {
        super::assessment::Relation::FamilyHelpEpisode.def().rev()
    }
}

impl ActiveModelBehavior for ActiveModel {}
