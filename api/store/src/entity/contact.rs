//! `contact`: A contact received at the front door and its triage decision.

use sea_orm::entity::prelude::*;

/// A row of `contact`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Deserialize)]
#[sea_orm(table_name = "contact")]
pub struct Model {
    /// Primary key (UUIDv7).
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The child the contact is about.
    pub person_id: Uuid,
    /// The family, when known.
    #[sea_orm(nullable)]
    pub family_id: Option<Uuid>,
    /// When the contact was received.
    pub received_at: DateTimeUtc,
    /// CIN referral source code.
    #[sea_orm(column_type = "Text")]
    pub source: String,
    /// The concern as presented.
    #[sea_orm(column_type = "Text")]
    pub presenting_concern: String,
    /// Who recorded the contact.
    #[sea_orm(column_type = "Text", nullable)]
    pub recorded_by: Option<String>,
    /// `ADVICE_AND_SIGNPOSTING`, `UNIVERSAL_SERVICES`, `FAMILY_HELP`, `STRATEGY_DISCUSSION` or `NO_FURTHER_ACTION`.
    #[sea_orm(column_type = "Text", nullable)]
    pub triage_decision: Option<String>,
    /// Reason for the triage decision.
    #[sea_orm(column_type = "Text", nullable)]
    pub triage_reason: Option<String>,
    /// When the decision was made.
    #[sea_orm(nullable)]
    pub decided_at: Option<DateTimeUtc>,
    /// The practitioner who decided.
    #[sea_orm(nullable)]
    pub decided_by_id: Option<Uuid>,
    /// The team the contact was routed to.
    #[sea_orm(nullable)]
    pub routed_team_id: Option<Uuid>,
    /// Version for optimistic concurrency.
    pub version: i32,
}

/// Foreign keys of `contact`.
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
    /// The practitioner who decided.
    #[sea_orm(
        belongs_to = "super::practitioner::Entity",
        from = "Column::DecidedById",
        to = "super::practitioner::Column::Id"
    )]
    DecidedBy,
    /// The team routed to.
    #[sea_orm(
        belongs_to = "super::team::Entity",
        from = "Column::RoutedTeamId",
        to = "super::team::Column::Id"
    )]
    RoutedTeam,
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

impl Related<super::practitioner::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::DecidedBy.def()
    }
}

impl Related<super::team::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::RoutedTeam.def()
    }
}

impl Related<super::partner_record::Entity> for Entity {
    fn to() -> RelationDef {
        super::partner_record::Relation::Contact.def().rev()
    }
}

impl Related<super::referral::Entity> for Entity {
    fn to() -> RelationDef {
        super::referral::Relation::Contact.def().rev()
    }
}

impl ActiveModelBehavior for ActiveModel {}
