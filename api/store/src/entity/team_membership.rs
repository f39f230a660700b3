//! `team_membership`: A practitioner's membership of a team over a period.

use sea_orm::entity::prelude::*;

/// A row of `team_membership`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Deserialize)]
#[sea_orm(table_name = "team_membership")]
pub struct Model {
    /// Primary key (UUIDv7).
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The team.
    pub team_id: Uuid,
    /// The practitioner.
    pub practitioner_id: Uuid,
    /// Whether the practitioner manages the team.
    pub is_manager: bool,
    /// First day of membership.
    pub started_on: Date,
    /// Last day of membership; `None` while current.
    #[sea_orm(nullable)]
    pub ended_on: Option<Date>,
}

/// Foreign keys of `team_membership`.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// The team.
    #[sea_orm(
        belongs_to = "super::team::Entity",
        from = "Column::TeamId",
        to = "super::team::Column::Id",
        on_delete = "Cascade"
    )]
    Team,
    /// The practitioner.
    #[sea_orm(
        belongs_to = "super::practitioner::Entity",
        from = "Column::PractitionerId",
        to = "super::practitioner::Column::Id",
        on_delete = "Cascade"
    )]
    Practitioner,
}

impl Related<super::team::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Team.def()
    }
}

impl Related<super::practitioner::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Practitioner.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
