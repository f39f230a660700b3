//! Row scope in SQL: which records a caller may see, as conditions the store adds to every query.
//!
//! The caller's [`RecordScope`] becomes sub-selects on the tables that say who is working with a
//! child (open involvements, team allocations, school rolls). Nothing is fetched and then dropped:
//! a record outside the scope never leaves the database.

use familygraph_domain::{AgencyLinkKind, RecordScope};
use sea_orm::sea_query::{Expr, ExprTrait, Query, SelectStatement, UnionType};
use sea_orm::{ColumnTrait, Condition, EntityTrait};

use crate::entity::{
    address, agency, agency_link, area, assessment, assessment_factor, contact, cp_conference,
    family, family_help_episode, family_hub, family_member, family_network, information_share,
    involvement, local_authority, locality, lsoa, network_member, person, person_disability,
    person_identifier, plan, plan_goal, plan_review, practitioner, referral, relationship,
    section47_enquiry, team, team_membership, visit,
};

/// A condition that no row satisfies.
fn nothing() -> Condition {
    Condition::all().add(Expr::val(1).eq(0))
}

/// `SELECT person_id` of the children the scope reaches directly, or `None` for everything.
fn reachable_children(scope: &RecordScope) -> Option<Option<SelectStatement>> {
    match scope {
        RecordScope::Everything => None,
        RecordScope::Nothing => Some(None),
        RecordScope::Teams(codes) => Some(Some(
            // Children allocated in the team, and children new to the service whose contact the
            // front door routed to it (the team's incoming work, until someone is allocated).
            Query::select()
                .column((involvement::Entity, involvement::Column::PersonId))
                .from(involvement::Entity)
                .inner_join(
                    team::Entity,
                    Expr::col((team::Entity, team::Column::Id))
                        .equals((involvement::Entity, involvement::Column::TeamId)),
                )
                .and_where(Expr::col((team::Entity, team::Column::Code)).is_in(codes.clone()))
                .and_where(Expr::col((involvement::Entity, involvement::Column::EndedOn)).is_null())
                .union(
                    UnionType::Distinct,
                    Query::select()
                        .column((contact::Entity, contact::Column::PersonId))
                        .from(contact::Entity)
                        .inner_join(
                            team::Entity,
                            Expr::col((team::Entity, team::Column::Id))
                                .equals((contact::Entity, contact::Column::RoutedTeamId)),
                        )
                        .and_where(
                            Expr::col((team::Entity, team::Column::Code)).is_in(codes.clone()),
                        )
                        .and_where(
                            Expr::exists(
                                Query::select()
                                    .expr(Expr::val(1))
                                    .from(involvement::Entity)
                                    .and_where(
                                        Expr::col((
                                            involvement::Entity,
                                            involvement::Column::PersonId,
                                        ))
                                        .equals((contact::Entity, contact::Column::PersonId)),
                                    )
                                    .to_owned(),
                            )
                            .not(),
                        )
                        .to_owned(),
                )
                .to_owned(),
        )),
        RecordScope::Allocated { subject } => Some(Some(
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
        )),
        RecordScope::SchoolRoll(urn) => Some(Some(
            Query::select()
                .column((agency_link::Entity, agency_link::Column::PersonId))
                .from(agency_link::Entity)
                .inner_join(
                    agency::Entity,
                    Expr::col((agency::Entity, agency::Column::Id))
                        .equals((agency_link::Entity, agency_link::Column::AgencyId)),
                )
                .and_where(Expr::col((agency::Entity, agency::Column::Urn)).eq(urn.as_str()))
                .and_where(
                    Expr::col((agency_link::Entity, agency_link::Column::Kind))
                        .eq(AgencyLinkKind::OnRoll.code()),
                )
                .and_where(Expr::col((agency_link::Entity, agency_link::Column::EndedOn)).is_null())
                .to_owned(),
        )),
    }
}

/// Whether the scope reaches whole families (practitioners) or only the child (schools).
fn reaches_families(scope: &RecordScope) -> bool {
    !matches!(scope, RecordScope::SchoolRoll(_) | RecordScope::Nothing)
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
/// family with one (for scopes that reach families).
pub fn persons<C: ColumnTrait>(scope: &RecordScope, person_id: C) -> Condition {
    match reachable_children(scope) {
        None => Condition::all(),
        Some(None) => nothing(),
        Some(Some(children)) => {
            let direct = Condition::all().add(person_id.in_subquery(children.clone()));
            if reaches_families(scope) {
                Condition::any()
                    .add(direct)
                    .add(person_id.in_subquery(members_of(reachable_families(children))))
            } else {
                direct
            }
        }
    }
}

/// Condition on a column holding a family id: the family has a reachable child.
pub fn families<C: ColumnTrait>(scope: &RecordScope, family_id: C) -> Condition {
    match reachable_children(scope) {
        None => Condition::all(),
        Some(Some(children)) if reaches_families(scope) => {
            Condition::all().add(family_id.in_subquery(reachable_families(children)))
        }
        Some(_) => nothing(),
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
    match reachable_children(scope) {
        None => Condition::all(),
        Some(_) => {
            let mut visible = Query::select();
            visible
                .column(owning_id)
                .from(owning)
                .cond_where(persons(scope, owning_person));
            Condition::all().add(owner.in_subquery(visible.to_owned()))
        }
    }
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
    ($($entity:ident . $column:ident),* $(,)?) => {$(
        impl Scoped for $entity::Entity {
            fn scope_condition(scope: &RecordScope) -> Condition {
                persons(scope, $entity::Column::$column)
            }
        }
    )*};
}

macro_rules! by_family {
    ($($entity:ident . $column:ident),* $(,)?) => {$(
        impl Scoped for $entity::Entity {
            fn scope_condition(scope: &RecordScope) -> Condition {
                families(scope, $entity::Column::$column)
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
    person.Id,
    person_identifier.PersonId,
    person_disability.PersonId,
    address.PersonId,
    relationship.PersonId,
    agency_link.PersonId,
    involvement.PersonId,
    contact.PersonId,
    referral.PersonId,
    family_help_episode.PersonId,
    assessment.PersonId,
    plan.PersonId,
    section47_enquiry.PersonId,
    cp_conference.PersonId,
    visit.PersonId,
    information_share.PersonId,
);
by_family!(family.Id, family_member.FamilyId, family_network.FamilyId);

impl Scoped for network_member::Entity {
    fn scope_condition(scope: &RecordScope) -> Condition {
        match reachable_children(scope) {
            None => Condition::all(),
            Some(_) => {
                let visible = Query::select()
                    .column(family_network::Column::Id)
                    .from(family_network::Entity)
                    .cond_where(families(scope, family_network::Column::FamilyId))
                    .to_owned();
                Condition::all().add(network_member::Column::FamilyNetworkId.in_subquery(visible))
            }
        }
    }
}

impl Scoped for assessment_factor::Entity {
    fn scope_condition(scope: &RecordScope) -> Condition {
        owned_by_person(
            scope,
            assessment_factor::Column::AssessmentId,
            assessment::Entity,
            assessment::Column::Id,
            assessment::Column::PersonId,
        )
    }
}

impl Scoped for plan_goal::Entity {
    fn scope_condition(scope: &RecordScope) -> Condition {
        owned_by_person(
            scope,
            plan_goal::Column::PlanId,
            plan::Entity,
            plan::Column::Id,
            plan::Column::PersonId,
        )
    }
}

impl Scoped for plan_review::Entity {
    fn scope_condition(scope: &RecordScope) -> Condition {
        owned_by_person(
            scope,
            plan_review::Column::PlanId,
            plan::Entity,
            plan::Column::Id,
            plan::Column::PersonId,
        )
    }
}
