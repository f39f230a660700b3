//! Row scope in SQL: which records a caller may see, as conditions the store adds to every query.
//!
//! The caller's [`RecordScope`] (from the access policy) becomes sub-selects on the tables that
//! say how the caller stands to a child — open involvements, team allocations, the front door's
//! queue, school rolls, agency links, child protection processes, break-glass grants — one per
//! relation the policy grants, united. Record types and fields whose class the policy withholds
//! match no rows at all. Nothing is fetched and then dropped: a record outside the scope never
//! leaves the database.

use chrono::{Duration, Utc};
use familygraph_domain::{AgencyLinkKind, PlanKind, Reaching, RecordScope};
use sea_orm::sea_query::{Expr, ExprTrait, Query, SelectStatement, UnionType};
use sea_orm::{ColumnTrait, Condition, EntityTrait};

use crate::entity::{
    address, agency, agency_link, area, assessment, assessment_factor, contact, cp_conference,
    family, family_help_episode, family_hub, family_member, family_network, information_share,
    involvement, local_authority, locality, lsoa, network_member, person, person_disability,
    person_identifier, plan, plan_goal, plan_review, practitioner, referral, relationship,
    section47_enquiry, strategy_discussion, team, team_membership, visit,
};

/// A condition that no row satisfies.
pub(crate) fn nothing() -> Condition {
    Condition::all().add(Expr::val(1).eq(0))
}

/// `cond`, unless the policy hides the record type or field `name` from the caller.
pub(crate) fn unless_hidden(scope: &RecordScope, name: &str, cond: Condition) -> Condition {
    if scope.hides(name) { nothing() } else { cond }
}

/// `SELECT id FROM team WHERE code IN (codes)`.
fn teams_by_code(codes: &[String]) -> SelectStatement {
    Query::select()
        .column(team::Column::Id)
        .from(team::Entity)
        .and_where(team::Column::Code.is_in(codes.to_vec()))
        .to_owned()
}

/// `SELECT id FROM team` of every team in the localities of the teams with these codes.
fn teams_in_locality_of(codes: &[String]) -> SelectStatement {
    Query::select()
        .column(team::Column::Id)
        .from(team::Entity)
        .and_where(
            team::Column::LocalityId.in_subquery(
                Query::select()
                    .column(team::Column::LocalityId)
                    .from(team::Entity)
                    .and_where(team::Column::Code.is_in(codes.to_vec()))
                    .to_owned(),
            ),
        )
        .to_owned()
}

/// Children whose case one of `teams` holds: an open involvement in the team, or — for children
/// new to the service, until someone is allocated — a contact the front door routed to it.
fn held_by(teams: SelectStatement) -> SelectStatement {
    Query::select()
        .column((involvement::Entity, involvement::Column::PersonId))
        .from(involvement::Entity)
        .and_where(involvement::Column::TeamId.in_subquery(teams.clone()))
        .and_where(Expr::col((involvement::Entity, involvement::Column::EndedOn)).is_null())
        .union(
            UnionType::Distinct,
            Query::select()
                .column((contact::Entity, contact::Column::PersonId))
                .from(contact::Entity)
                .and_where(contact::Column::RoutedTeamId.in_subquery(teams))
                .and_where(
                    Expr::exists(
                        Query::select()
                            .expr(Expr::val(1))
                            .from(involvement::Entity)
                            .and_where(
                                Expr::col((involvement::Entity, involvement::Column::PersonId))
                                    .equals((contact::Entity, contact::Column::PersonId)),
                            )
                            .to_owned(),
                    )
                    .not(),
                )
                .to_owned(),
        )
        .to_owned()
}

/// `SELECT person_id` of the children one relation reaches.
fn reached_by(reaching: &Reaching) -> SelectStatement {
    match reaching {
        Reaching::Allocated { subject } => Query::select()
            .column((involvement::Entity, involvement::Column::PersonId))
            .from(involvement::Entity)
            .inner_join(
                practitioner::Entity,
                Expr::col((practitioner::Entity, practitioner::Column::Id))
                    .equals((involvement::Entity, involvement::Column::PractitionerId)),
            )
            .and_where(
                Expr::col((practitioner::Entity, practitioner::Column::Subject))
                    .eq(subject.clone()),
            )
            .and_where(Expr::col((involvement::Entity, involvement::Column::EndedOn)).is_null())
            .to_owned(),
        Reaching::Teams(codes) => held_by(teams_by_code(codes)),
        Reaching::Localities(codes) => held_by(teams_in_locality_of(codes)),
        Reaching::FrontDoorQueue { recent_days } => {
            let since = Utc::now() - Duration::days(i64::from(*recent_days));
            Query::select()
                .column(contact::Column::PersonId)
                .from(contact::Entity)
                .cond_where(
                    Condition::any()
                        .add(contact::Column::TriageDecision.is_null())
                        .add(contact::Column::DecidedAt.gte(since)),
                )
                .to_owned()
        }
        Reaching::OnRoll(urn) => linked_to_agency(
            agency::Column::Urn.eq(urn.clone()),
            &[AgencyLinkKind::OnRoll],
        ),
        Reaching::WorkingWith(reference) => linked_to_agency(
            Expr::col(agency::Column::OdsCode)
                .eq(reference.clone())
                .or(Expr::col(agency::Column::Urn).eq(reference.clone())),
            &[
                AgencyLinkKind::KnownTo,
                AgencyLinkKind::RegisteredPatient,
                AgencyLinkKind::OnRoll,
            ],
        ),
        Reaching::ActiveChildProtection => {
            let recent = Utc::now().date_naive() - Duration::days(30);
            Query::select()
                .column(section47_enquiry::Column::PersonId)
                .from(section47_enquiry::Entity)
                .and_where(section47_enquiry::Column::ConcludedOn.is_null())
                .union(
                    UnionType::Distinct,
                    Query::select()
                        .column(plan::Column::PersonId)
                        .from(plan::Entity)
                        .and_where(plan::Column::Kind.eq(PlanKind::ChildProtection.code()))
                        .and_where(plan::Column::EndedOn.is_null())
                        .to_owned(),
                )
                .union(
                    UnionType::Distinct,
                    Query::select()
                        .column(strategy_discussion::Column::PersonId)
                        .from(strategy_discussion::Entity)
                        .and_where(strategy_discussion::Column::HeldOn.gte(recent))
                        .to_owned(),
                )
                .to_owned()
        }
        Reaching::BreakGlass { subject } => {
            crate::break_glass::granted_children(subject, Utc::now())
        }
    }
}

/// `SELECT person_id FROM agency_link` of open links of `kinds` to the agencies `which` picks.
fn linked_to_agency(which: impl Into<Condition>, kinds: &[AgencyLinkKind]) -> SelectStatement {
    Query::select()
        .column((agency_link::Entity, agency_link::Column::PersonId))
        .from(agency_link::Entity)
        .and_where(
            agency_link::Column::AgencyId.in_subquery(
                Query::select()
                    .column(agency::Column::Id)
                    .from(agency::Entity)
                    .cond_where(which)
                    .to_owned(),
            ),
        )
        .and_where(
            agency_link::Column::Kind.is_in(kinds.iter().map(|k| k.code()).collect::<Vec<_>>()),
        )
        .and_where(Expr::col((agency_link::Entity, agency_link::Column::EndedOn)).is_null())
        .to_owned()
}

/// The children a scope reaches, as sub-selects.
enum Reach {
    /// Every child.
    All,
    /// No child.
    Nobody,
    /// The children `direct` selects; `families`: those of them whose families (and fellow
    /// members) are reached too.
    Some {
        direct: Box<SelectStatement>,
        families: Option<Box<SelectStatement>>,
    },
}

fn unite(into: &mut Option<SelectStatement>, more: SelectStatement) {
    match into {
        None => *into = Some(more),
        Some(select) => {
            select.union(UnionType::Distinct, more);
        }
    }
}

fn reach(scope: &RecordScope) -> Reach {
    if scope.is_everything() {
        return Reach::All;
    }
    let mut direct = None;
    let mut families = None;
    for reaching in scope.reaching() {
        let select = reached_by(reaching);
        if reaching.reaches_families() {
            unite(&mut families, select.clone());
        }
        unite(&mut direct, select);
    }
    match direct {
        None => Reach::Nobody,
        Some(direct) => Reach::Some {
            direct: Box::new(direct),
            families: families.map(Box::new),
        },
    }
}

/// `SELECT family_id` of the families with a reachable child.
fn reachable_families(children: SelectStatement) -> SelectStatement {
    Query::select()
        .column((family_member::Entity, family_member::Column::FamilyId))
        .from(family_member::Entity)
        .and_where(
            Expr::col((family_member::Entity, family_member::Column::PersonId))
                .in_subquery(children),
        )
        .to_owned()
}

/// `SELECT person_id` of everyone in the families with a reachable child.
fn members_of(families: SelectStatement) -> SelectStatement {
    Query::select()
        .column((family_member::Entity, family_member::Column::PersonId))
        .from(family_member::Entity)
        .and_where(
            Expr::col((family_member::Entity, family_member::Column::FamilyId))
                .in_subquery(families),
        )
        .to_owned()
}

/// Condition on a column holding a person id: the person is a reachable child, or a member of a
/// family with one (for relations that reach families).
pub fn persons<C: ColumnTrait>(scope: &RecordScope, person_id: C) -> Condition {
    match reach(scope) {
        Reach::All => Condition::all(),
        Reach::Nobody => nothing(),
        Reach::Some { direct, families } => {
            let mut any = Condition::any().add(person_id.in_subquery(*direct));
            if let Some(children) = families {
                any = any.add(person_id.in_subquery(members_of(reachable_families(*children))));
            }
            any
        }
    }
}

/// Condition on a column holding a family id: the family has a child reached through a
/// relation that reaches families.
pub fn families<C: ColumnTrait>(scope: &RecordScope, family_id: C) -> Condition {
    match reach(scope) {
        Reach::All => Condition::all(),
        Reach::Some {
            families: Some(children),
            ..
        } => Condition::all().add(family_id.in_subquery(reachable_families(*children))),
        _ => nothing(),
    }
}

/// Condition on a column holding the id of a record owned by a person (plan, assessment...):
/// `owner` is the id column, `sub` selects the owner's person id from the owning table.
fn owned_by_person<C: ColumnTrait, E: EntityTrait, P: ColumnTrait>(
    scope: &RecordScope,
    owner: C,
    owning: E,
    owning_id: P,
    owning_person: P,
) -> Condition {
    if scope.is_everything() {
        return Condition::all();
    }
    let mut visible = Query::select();
    visible
        .column(owning_id)
        .from(owning)
        .cond_where(persons(scope, owning_person));
    Condition::all().add(owner.in_subquery(visible.to_owned()))
}

/// Every entity says how the caller's scope restricts it. Reference data (places, teams,
/// practitioners, agencies) is visible to every authenticated caller.
pub trait Scoped: EntityTrait {
    /// The condition that limits this entity's rows to the scope.
    fn scope_condition(scope: &RecordScope) -> Condition;
}

macro_rules! unrestricted {
    ($($entity:ident),* $(,)?) => {$(
        impl Scoped for $entity::Entity {
            fn scope_condition(_: &RecordScope) -> Condition {
                Condition::all()
            }
        }
    )*};
}

macro_rules! by_person {
    ($($entity:ident . $column:ident => $record:literal),* $(,)?) => {$(
        impl Scoped for $entity::Entity {
            fn scope_condition(scope: &RecordScope) -> Condition {
                unless_hidden(scope, $record, persons(scope, $entity::Column::$column))
            }
        }
    )*};
}

macro_rules! by_family {
    ($($entity:ident . $column:ident => $record:literal),* $(,)?) => {$(
        impl Scoped for $entity::Entity {
            fn scope_condition(scope: &RecordScope) -> Condition {
                unless_hidden(scope, $record, families(scope, $entity::Column::$column))
            }
        }
    )*};
}

unrestricted!(
    local_authority,
    locality,
    area,
    lsoa,
    family_hub,
    team,
    team_membership,
    practitioner,
    agency,
);
by_person!(
    person.Id => "Person",
    person_identifier.PersonId => "PersonIdentifier",
    person_disability.PersonId => "Person.disabilities",
    address.PersonId => "Address",
    relationship.PersonId => "Relationship",
    agency_link.PersonId => "AgencyLink",
    involvement.PersonId => "Involvement",
    contact.PersonId => "Contact",
    referral.PersonId => "Referral",
    family_help_episode.PersonId => "FamilyHelpEpisode",
    assessment.PersonId => "Assessment",
    plan.PersonId => "Plan",
    section47_enquiry.PersonId => "Section47Enquiry",
    cp_conference.PersonId => "ChildProtectionConference",
    visit.PersonId => "Visit",
    information_share.PersonId => "InformationShare",
);
by_family!(
    family.Id => "Family",
    family_member.FamilyId => "FamilyMember",
    family_network.FamilyId => "FamilyNetwork",
);

impl Scoped for network_member::Entity {
    fn scope_condition(scope: &RecordScope) -> Condition {
        if scope.is_everything() {
            return unless_hidden(scope, "NetworkMember", Condition::all());
        }
        let visible = Query::select()
            .column(family_network::Column::Id)
            .from(family_network::Entity)
            .cond_where(families(scope, family_network::Column::FamilyId))
            .to_owned();
        unless_hidden(
            scope,
            "NetworkMember",
            Condition::all().add(network_member::Column::FamilyNetworkId.in_subquery(visible)),
        )
    }
}

impl Scoped for assessment_factor::Entity {
    fn scope_condition(scope: &RecordScope) -> Condition {
        let owned = owned_by_person(
            scope,
            assessment_factor::Column::AssessmentId,
            assessment::Entity,
            assessment::Column::Id,
            assessment::Column::PersonId,
        );
        unless_hidden(
            scope,
            "Assessment",
            unless_hidden(scope, "Assessment.factors", owned),
        )
    }
}

impl Scoped for plan_goal::Entity {
    fn scope_condition(scope: &RecordScope) -> Condition {
        let owned = owned_by_person(
            scope,
            plan_goal::Column::PlanId,
            plan::Entity,
            plan::Column::Id,
            plan::Column::PersonId,
        );
        unless_hidden(scope, "PlanGoal", unless_hidden(scope, "Plan.goals", owned))
    }
}

impl Scoped for plan_review::Entity {
    fn scope_condition(scope: &RecordScope) -> Condition {
        let owned = owned_by_person(
            scope,
            plan_review::Column::PlanId,
            plan::Entity,
            plan::Column::Id,
            plan::Column::PersonId,
        );
        unless_hidden(
            scope,
            "PlanReview",
            unless_hidden(scope, "Plan.reviews", owned),
        )
    }
}
