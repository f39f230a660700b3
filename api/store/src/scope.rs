//! Row scope in SQL: which records a caller may see, as conditions the store adds to every query.
//!
//! The caller's [`RecordScope`] (from the access policy) becomes sub-selects on the tables that
//! say how the caller stands to a child — open involvements, team allocations, the front door's
//! queue, school rolls, agency links, child protection processes, break-glass grants — one per
//! relation the policy grants, united. Record types and fields whose class the policy withholds
//! match no rows at all. Nothing is fetched and then dropped: a record outside the scope never
//! leaves the database.

use chrono::{Duration, NaiveDate, Utc};
use familygraph_domain::{AgencyLinkKind, PlanKind, Reaching, RecordScope};
use sea_orm::sea_query::{
    DynIden, Expr, ExprTrait, IntoIden, JoinType, Query, SelectStatement, UnionType,
};
use sea_orm::{ColumnTrait, Condition, EntityTrait};

use crate::entity::{
    address, agency, agency_link, area, assessment, assessment_factor, contact, cp_conference,
    family, family_help_episode, family_hub, family_member, family_network, information_share,
    involvement, local_authority, locality, lsoa, network_member, person, person_disability,
    person_identifier, plan, plan_goal, plan_review, practitioner, referral, relationship,
    section47_enquiry, service, service_location, service_taxonomy_term, strategy_discussion,
    taxonomy_term, team, team_membership, visit,
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

/// Whether the scope reaches every child of the team's caseload (its open involvements) by its
/// team code alone: the scope reaches everything, or names the team among the teams whose
/// children it reaches ([`Reaching::Teams`], which [`held_by`] turns into "an open involvement
/// in the team"). A statement over that team's open involvements then needs only the static
/// checks ([`Scoped::condition_when_reached`]), not the scope's correlated probes, which cost
/// PostgreSQL more to plan (about 4 ms) than the statement costs to run.
pub fn reaches_team_caseload(scope: &RecordScope, team_code: &str) -> bool {
    scope.is_everything()
        || scope.reaching().iter().any(|reaching| {
            matches!(reaching, Reaching::Teams(codes) if codes.iter().any(|code| code == team_code))
        })
}

/// Children whose case one of `teams` holds: an open involvement in the team, or — for children
/// new to the service, until someone is allocated — a contact the front door routed to it.
fn held_by(teams: SelectStatement) -> Vec<SelectStatement> {
    vec![
        Query::select()
            .column((involvement::Entity, involvement::Column::PersonId))
            .from(involvement::Entity)
            .and_where(involvement::Column::TeamId.in_subquery(teams.clone()))
            .and_where(Expr::col((involvement::Entity, involvement::Column::EndedOn)).is_null())
            .to_owned(),
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
    ]
}

/// `SELECT person_id` of the children one relation reaches, one sub-select per way it reaches
/// them (the children reached are those any of them selects). Every sub-select names its
/// single column `person_id`.
fn reached_by(reaching: &Reaching) -> Vec<SelectStatement> {
    match reaching {
        Reaching::Allocated { subject } => vec![
            Query::select()
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
        ],
        Reaching::Teams(codes) => held_by(teams_by_code(codes)),
        Reaching::Localities(codes) => held_by(teams_in_locality_of(codes)),
        Reaching::FrontDoorQueue { recent_days } => {
            let since = Utc::now() - Duration::days(i64::from(*recent_days));
            vec![
                Query::select()
                    .column(contact::Column::PersonId)
                    .from(contact::Entity)
                    .cond_where(
                        Condition::any()
                            .add(contact::Column::TriageDecision.is_null())
                            .add(contact::Column::DecidedAt.gte(since)),
                    )
                    .to_owned(),
            ]
        }
        Reaching::OnRoll(urn) => vec![linked_to_agency(
            agency::Column::Urn.eq(urn.clone()),
            &[AgencyLinkKind::OnRoll],
        )],
        Reaching::WorkingWith(reference) => vec![linked_to_agency(
            Expr::col(agency::Column::OdsCode)
                .eq(reference.clone())
                .or(Expr::col(agency::Column::Urn).eq(reference.clone())),
            &[
                AgencyLinkKind::KnownTo,
                AgencyLinkKind::RegisteredPatient,
                AgencyLinkKind::OnRoll,
            ],
        )],
        Reaching::ActiveChildProtection => {
            let recent = familygraph_domain::calendar::uk_today() - Duration::days(30);
            vec![
                Query::select()
                    .column(section47_enquiry::Column::PersonId)
                    .from(section47_enquiry::Entity)
                    .and_where(section47_enquiry::Column::ConcludedOn.is_null())
                    .to_owned(),
                Query::select()
                    .column(plan::Column::PersonId)
                    .from(plan::Entity)
                    .and_where(plan::Column::Kind.eq(PlanKind::ChildProtection.code()))
                    .and_where(plan::Column::EndedOn.is_null())
                    .to_owned(),
                Query::select()
                    .column(strategy_discussion::Column::PersonId)
                    .from(strategy_discussion::Entity)
                    .and_where(strategy_discussion::Column::HeldOn.gte(recent))
                    .to_owned(),
            ]
        }
        Reaching::BreakGlass { subject } => {
            vec![crate::break_glass::granted_children(subject, Utc::now())]
        }
    }
}

/// The agency links current on `today` — the date in the UK, bound as a value like every other
/// date here, never the database's clock: from the start date to the end date inclusive (a
/// pupil admitted on Monday is on roll from Monday; one leaving on Friday is on roll all Friday,
/// and off it from midnight UK time); with no end date, until one is recorded. The one rule for
/// whether a link is current, for the row scope and for partners recording about a child.
pub(crate) fn agency_link_current(today: NaiveDate) -> Expr {
    let started_on = Expr::col((agency_link::Entity, agency_link::Column::StartedOn));
    let ended_on = Expr::col((agency_link::Entity, agency_link::Column::EndedOn));
    started_on
        .lte(today)
        .and(ended_on.clone().is_null().or(ended_on.gte(today)))
}

/// `SELECT person_id FROM agency_link` of the links of `kinds` to the agencies `which` picks
/// that are current today (see [`agency_link_current`]).
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
        .and_where(agency_link_current(familygraph_domain::calendar::uk_today()))
        .to_owned()
}

/// The children a scope reaches, as sub-selects of `person_id`.
enum Reach {
    /// Every child.
    All,
    /// No child.
    Nobody,
    /// The children any of `direct` selects; `families`: those of them whose families (and
    /// fellow members) are reached too (none if empty).
    Some {
        direct: Vec<SelectStatement>,
        families: Vec<SelectStatement>,
    },
}

fn reach(scope: &RecordScope) -> Reach {
    if scope.is_everything() {
        return Reach::All;
    }
    let mut direct = Vec::new();
    let mut families = Vec::new();
    for reaching in scope.reaching() {
        let selects = reached_by(reaching);
        if reaching.reaches_families() {
            families.extend(selects.iter().cloned());
        }
        direct.extend(selects);
    }
    if direct.is_empty() {
        Reach::Nobody
    } else {
        Reach::Some { direct, families }
    }
}

/// A column reference qualified with its table, so that inside a sub-select it names the outer
/// query's row rather than a same-named column of an inner table.
type ColumnRef = (DynIden, DynIden);

fn qualified<C: ColumnTrait>(column: C) -> ColumnRef {
    (column.entity_name(), column.into_iden())
}

/// The person in `person` is one that one of `children` selects — written as correlated
/// `EXISTS (SELECT 1 FROM (child select) AS reach WHERE reach.person_id = <person>)`, one per
/// sub-select, so the database probes each for the row at hand (an index look-up on the
/// person id) rather than building the whole reachable set for every statement.
fn reached(children: &[SelectStatement], person: &ColumnRef) -> Condition {
    if children.is_empty() {
        return nothing();
    }
    children.iter().fold(Condition::any(), |any, select| {
        any.add(Expr::exists(
            Query::select()
                .expr(Expr::val(1))
                .from_subquery(select.clone(), "reach")
                .and_where(Expr::col(("reach", "person_id")).equals(person.clone()))
                .to_owned(),
        ))
    })
}

/// The person in `person` is a member of a family with a child one of `children` selects:
/// `EXISTS (SELECT 1 FROM family_member AS member JOIN family_member AS kin ON kin.family_id =
/// member.family_id WHERE member.person_id = <person> AND <kin.person_id is reached>)`.
fn in_reached_family(children: &[SelectStatement], person: &ColumnRef) -> Condition {
    let kin_person: ColumnRef = (
        "kin".into_iden(),
        family_member::Column::PersonId.into_iden(),
    );
    Condition::all().add(Expr::exists(
        Query::select()
            .expr(Expr::val(1))
            .from_as(family_member::Entity, "member")
            .join_as(
                JoinType::InnerJoin,
                family_member::Entity,
                "kin",
                Expr::col(("kin", family_member::Column::FamilyId))
                    .equals(("member", family_member::Column::FamilyId)),
            )
            .and_where(
                Expr::col(("member", family_member::Column::PersonId)).equals(person.clone()),
            )
            .cond_where(reached(children, &kin_person))
            .to_owned(),
    ))
}

/// Condition on a column holding a person id: the person is a reachable child, or a member of a
/// family with one (for relations that reach families).
pub fn persons<C: ColumnTrait>(scope: &RecordScope, person_id: C) -> Condition {
    match reach(scope) {
        Reach::All => Condition::all(),
        Reach::Nobody => nothing(),
        Reach::Some { direct, families } => {
            let person = qualified(person_id);
            let mut any = reached(&direct, &person);
            if !families.is_empty() {
                any = any.add(in_reached_family(&families, &person));
            }
            any
        }
    }
}

/// The reachable set united into one `SELECT person_id … UNION …` (nothing to unite: `None`).
fn united(selects: &[SelectStatement]) -> Option<SelectStatement> {
    let mut selects = selects.iter().cloned();
    let mut first = selects.next()?;
    for more in selects {
        first.union(UnionType::Distinct, more);
    }
    Some(first)
}

/// `SELECT person_id` of everyone in the families with a child `children` selects.
fn members_of_reached_families(children: SelectStatement) -> SelectStatement {
    let families = Query::select()
        .column((family_member::Entity, family_member::Column::FamilyId))
        .from(family_member::Entity)
        .and_where(
            Expr::col((family_member::Entity, family_member::Column::PersonId))
                .in_subquery(children),
        )
        .to_owned();
    Query::select()
        .column((family_member::Entity, family_member::Column::PersonId))
        .from(family_member::Entity)
        .and_where(
            Expr::col((family_member::Entity, family_member::Column::FamilyId))
                .in_subquery(families),
        )
        .to_owned()
}

/// The same rows as [`persons`], written as `person_id IN (reachable set)`: the database builds
/// the set once per statement and hashes it. Slower than [`persons`]' per-row probes when a
/// statement looks up a few ids (a loader), much faster when it aggregates over whole tables
/// (the measures), where probing would run once per row of the table.
pub(crate) fn persons_as_set<C: ColumnTrait>(scope: &RecordScope, person_id: C) -> Condition {
    match reach(scope) {
        Reach::All => Condition::all(),
        Reach::Nobody => nothing(),
        Reach::Some { direct, families } => {
            let person = qualified(person_id);
            let mut any = Condition::any();
            if let Some(direct) = united(&direct) {
                any = any.add(Expr::col(person.clone()).in_subquery(direct));
            }
            if let Some(families) = united(&families) {
                any = any.add(Expr::col(person).in_subquery(members_of_reached_families(families)));
            }
            any
        }
    }
}

/// The scope of a record type held per person (`record` as the policy names it), in the set
/// form of [`persons_as_set`], for statements that aggregate over whole tables.
pub(crate) fn aggregated_over<C: ColumnTrait>(
    scope: &RecordScope,
    record: &str,
    person_id: C,
) -> Condition {
    unless_hidden(scope, record, persons_as_set(scope, person_id))
}

/// The scope of `person` rows in the set form, for statements that scan many candidate
/// people (the `children` list and its count, a name search): the same rows as
/// `person::Entity::scope_condition`, but the reachable set is built once and hashed instead
/// of probed once per candidate row (a name search matched thousands of children, and its
/// count took seconds with per-row probes).
pub fn listed_persons(scope: &RecordScope) -> Condition {
    aggregated_over(scope, "Person", person::Column::Id)
}

/// Condition on a column holding a family id: the family has a child reached through a
/// relation that reaches families — `EXISTS (SELECT 1 FROM family_member AS kin WHERE
/// kin.family_id = <family> AND <kin.person_id is reached>)`.
pub fn families<C: ColumnTrait>(scope: &RecordScope, family_id: C) -> Condition {
    match reach(scope) {
        Reach::All => Condition::all(),
        Reach::Some { families, .. } if !families.is_empty() => {
            let kin_person: ColumnRef = (
                "kin".into_iden(),
                family_member::Column::PersonId.into_iden(),
            );
            Condition::all().add(Expr::exists(
                Query::select()
                    .expr(Expr::val(1))
                    .from_as(family_member::Entity, "kin")
                    .and_where(
                        Expr::col(("kin", family_member::Column::FamilyId))
                            .equals(qualified(family_id)),
                    )
                    .cond_where(reached(&families, &kin_person))
                    .to_owned(),
            ))
        }
        _ => nothing(),
    }
}

/// Condition on a column holding the id of a record owned by a person (plan, assessment...):
/// `owner` is the id column, and the owning record (`owning_id` in `owning`) must belong to a
/// person in scope — `EXISTS (SELECT 1 FROM owning WHERE owning.id = <owner> AND <persons>)`.
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
    Condition::all().add(Expr::exists(
        Query::select()
            .expr(Expr::val(1))
            .from(owning)
            .and_where(Expr::col(qualified(owning_id)).equals(qualified(owner)))
            .cond_where(persons(scope, owning_person))
            .to_owned(),
    ))
}

/// Records whose visibility a scoped row can prove, for the rest of a request: a row returned
/// under a scope shows that the person, family, network, plan or assessment it names is within
/// that scope's reach, so rows reached *from* it need no second evaluation of the reach.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Reached {
    /// A person within the reach (`persons(scope, id)` holds).
    Person,
    /// A family within the reach (`families(scope, id)` holds).
    Family,
    /// A family network whose family is within the reach.
    FamilyNetwork,
    /// A plan whose person is within the reach.
    Plan,
    /// An assessment whose person is within the reach.
    Assessment,
}

/// Every entity says how the caller's scope restricts it. Reference data (places, teams,
/// practitioners, agencies) is visible to every authenticated caller.
///
/// An entity's condition is the policy's static checks (record types and fields the caller's
/// classes hide) and its *reach*: a condition on one column ([`Scoped::reach_key`]). When every
/// value of that column a statement asks for is already known to be within the reach — a row
/// returned under the same scope earlier in the request said so ([`Scoped::proves`]) — the
/// statement needs only [`Scoped::condition_when_reached`].
pub trait Scoped: EntityTrait {
    /// The condition that limits this entity's rows to the scope.
    fn scope_condition(scope: &RecordScope) -> Condition;

    /// The column the reach part of [`Scoped::scope_condition`] depends on, and what must be
    /// known of its value for the reach to hold; `None`: no such column (always the full
    /// condition).
    fn reach_key() -> Option<(Self::Column, Reached)> {
        None
    }

    /// The condition on rows whose [`Scoped::reach_key`] value is known to be within the
    /// scope's reach: the static checks that remain.
    fn condition_when_reached(scope: &RecordScope) -> Condition {
        Self::scope_condition(scope)
    }

    /// The columns of a row returned under the scope whose values are then known to be within
    /// the reach, and as what.
    fn proves() -> Vec<(Self::Column, Reached)> {
        Vec::new()
    }
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

// A row held per person proves its person within the reach (the row passed `persons` on that
// column); `also` names further columns it proves (a plan's own id, as a reached plan).
macro_rules! by_person {
    ($($entity:ident . $column:ident => $record:literal $(also $own:ident as $proof:ident)?),* $(,)?) => {$(
        impl Scoped for $entity::Entity {
            fn scope_condition(scope: &RecordScope) -> Condition {
                unless_hidden(scope, $record, persons(scope, $entity::Column::$column))
            }
            fn reach_key() -> Option<(Self::Column, Reached)> {
                Some(($entity::Column::$column, Reached::Person))
            }
            fn condition_when_reached(scope: &RecordScope) -> Condition {
                unless_hidden(scope, $record, Condition::all())
            }
            fn proves() -> Vec<(Self::Column, Reached)> {
                vec![
                    ($entity::Column::$column, Reached::Person),
                    $(($entity::Column::$own, Reached::$proof),)?
                ]
            }
        }
    )*};
}

// A row held per family proves its family within the reach; `also` as for `by_person`. A
// family member's person is within the reach too: a member of a family with a child reached
// through a relation that reaches families is reached (`in_reached_family`, the same arms).
macro_rules! by_family {
    ($($entity:ident . $column:ident => $record:literal $(also $own:ident as $proof:ident)?),* $(,)?) => {$(
        impl Scoped for $entity::Entity {
            fn scope_condition(scope: &RecordScope) -> Condition {
                unless_hidden(scope, $record, families(scope, $entity::Column::$column))
            }
            fn reach_key() -> Option<(Self::Column, Reached)> {
                Some(($entity::Column::$column, Reached::Family))
            }
            fn condition_when_reached(scope: &RecordScope) -> Condition {
                unless_hidden(scope, $record, Condition::all())
            }
            fn proves() -> Vec<(Self::Column, Reached)> {
                vec![
                    ($entity::Column::$column, Reached::Family),
                    $(($entity::Column::$own, Reached::$proof),)?
                ]
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
    // The services directory is public reference data, not children's data: any authenticated
    // caller reads every service, location and taxonomy term.
    service,
    service_location,
    taxonomy_term,
    service_taxonomy_term,
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
    assessment.PersonId => "Assessment" also Id as Assessment,
    plan.PersonId => "Plan" also Id as Plan,
    section47_enquiry.PersonId => "Section47Enquiry",
    cp_conference.PersonId => "ChildProtectionConference",
    visit.PersonId => "Visit",
    information_share.PersonId => "InformationShare",
);
by_family!(
    family.Id => "Family",
    family_member.FamilyId => "FamilyMember" also PersonId as Person,
    family_network.FamilyId => "FamilyNetwork" also Id as FamilyNetwork,
);

impl Scoped for network_member::Entity {
    fn scope_condition(scope: &RecordScope) -> Condition {
        if scope.is_everything() {
            return unless_hidden(scope, "NetworkMember", Condition::all());
        }
        let visible = Query::select()
            .expr(Expr::val(1))
            .from(family_network::Entity)
            .and_where(
                Expr::col(qualified(family_network::Column::Id))
                    .equals(qualified(network_member::Column::FamilyNetworkId)),
            )
            .cond_where(families(scope, family_network::Column::FamilyId))
            .to_owned();
        unless_hidden(
            scope,
            "NetworkMember",
            Condition::all().add(Expr::exists(visible)),
        )
    }
    fn reach_key() -> Option<(Self::Column, Reached)> {
        Some((
            network_member::Column::FamilyNetworkId,
            Reached::FamilyNetwork,
        ))
    }
    fn condition_when_reached(scope: &RecordScope) -> Condition {
        unless_hidden(scope, "NetworkMember", Condition::all())
    }
    fn proves() -> Vec<(Self::Column, Reached)> {
        vec![(
            network_member::Column::FamilyNetworkId,
            Reached::FamilyNetwork,
        )]
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
    fn reach_key() -> Option<(Self::Column, Reached)> {
        Some((assessment_factor::Column::AssessmentId, Reached::Assessment))
    }
    fn condition_when_reached(scope: &RecordScope) -> Condition {
        unless_hidden(
            scope,
            "Assessment",
            unless_hidden(scope, "Assessment.factors", Condition::all()),
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
    fn reach_key() -> Option<(Self::Column, Reached)> {
        Some((plan_goal::Column::PlanId, Reached::Plan))
    }
    fn condition_when_reached(scope: &RecordScope) -> Condition {
        unless_hidden(
            scope,
            "PlanGoal",
            unless_hidden(scope, "Plan.goals", Condition::all()),
        )
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
    fn reach_key() -> Option<(Self::Column, Reached)> {
        Some((plan_review::Column::PlanId, Reached::Plan))
    }
    fn condition_when_reached(scope: &RecordScope) -> Condition {
        unless_hidden(
            scope,
            "PlanReview",
            unless_hidden(scope, "Plan.reviews", Condition::all()),
        )
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use familygraph_domain::{Reaching, RecordScope};
    use sea_orm::{DbBackend, EntityTrait, QueryFilter, QueryTrait};

    use super::Scoped;
    use crate::entity::{family_member, involvement, person, plan_goal};

    fn social_worker() -> RecordScope {
        RecordScope::new(
            false,
            vec![
                Reaching::Allocated {
                    subject: "sw-s1-01".into(),
                },
                Reaching::Teams(vec!["S1".into()]),
            ],
            BTreeSet::new(),
            Vec::new(),
        )
    }

    fn sql<E: EntityTrait + Scoped>(backend: DbBackend) -> String {
        E::find()
            .filter(E::scope_condition(&social_worker()))
            .build(backend)
            .to_string()
    }

    #[test]
    fn a_reached_key_keeps_only_the_static_checks_and_the_hidden_still_match_nothing() {
        use super::Reached;
        use crate::entity::{family, network_member, person_identifier, plan};
        let render = |condition: sea_orm::Condition| {
            person::Entity::find()
                .filter(condition)
                .build(DbBackend::Postgres)
                .to_string()
        };
        let scope = social_worker();
        for sql in [
            render(person::Entity::condition_when_reached(&scope)),
            render(person_identifier::Entity::condition_when_reached(&scope)),
            render(family::Entity::condition_when_reached(&scope)),
            render(network_member::Entity::condition_when_reached(&scope)),
            render(plan_goal::Entity::condition_when_reached(&scope)),
        ] {
            assert!(!sql.contains("EXISTS"), "{sql}");
        }
        let hiding = social_worker().hiding(["PlanGoal".to_owned()].into_iter().collect());
        assert!(render(plan_goal::Entity::condition_when_reached(&hiding)).contains("1 = 0"));
        assert_eq!(
            plan_goal::Entity::reach_key().map(|(_, kind)| kind),
            Some(Reached::Plan)
        );
        // A family member proves its family and its person; a plan its person and itself.
        assert_eq!(
            family_member::Entity::proves()
                .into_iter()
                .map(|(_, kind)| kind)
                .collect::<Vec<_>>(),
            vec![Reached::Family, Reached::Person]
        );
        assert_eq!(
            plan::Entity::proves()
                .into_iter()
                .map(|(_, kind)| kind)
                .collect::<Vec<_>>(),
            vec![Reached::Person, Reached::Plan]
        );
    }

    #[test]
    fn scope_is_a_correlated_probe_on_the_outer_row_not_a_set_to_build() {
        for backend in [DbBackend::Postgres, DbBackend::Sqlite] {
            let persons = sql::<person::Entity>(backend);
            println!("{persons}");
            assert!(persons.contains(r#""reach"."person_id" = "person"."id""#));
            assert!(persons.contains(r#""member"."person_id" = "person"."id""#));
            assert!(!persons.contains(r#""person"."id" IN (SELECT"#));
            // The outer table's own name inside the sub-select still means the outer row.
            let involvements = sql::<involvement::Entity>(backend);
            assert!(involvements.contains(r#""reach"."person_id" = "involvement"."person_id""#));
            let members = sql::<family_member::Entity>(backend);
            assert!(members.contains(r#""kin"."family_id" = "family_member"."family_id""#));
            let goals = sql::<plan_goal::Entity>(backend);
            assert!(goals.contains(r#""plan"."id" = "plan_goal"."plan_id""#));
            assert!(!goals.contains(" IN (SELECT \"plan\".\"id\""));
        }
    }
}
