//! Child protection (MACPT): strategy discussions, section 47 enquiries, initial conferences and
//! child protection plans, each led by a lead child protection practitioner (LCPP).
//!
//! Families stay rooted in Family Help: nothing here touches the child's Family Help lead
//! practitioner. The LCPP is a second, parallel involvement (`LEAD_CHILD_PROTECTION_PRACTITIONER`
//! in the MACPT) from the start of a section 47 enquiry (or of a plan) until the child
//! protection work ends: the enquiry concludes without a conference, the conference decides on
//! no plan, or the plan ends.

use chrono::NaiveDate;
use familygraph_domain::workflow::rules::{
    check_case_date, check_child_protection_plan, check_conference_decided_plan, check_ends_after,
    check_enquiry_led_to_conference, check_enquiry_open, check_lead_child_protection_practitioner,
    check_no_open_child_protection_plan, check_no_open_enquiry, check_required,
    check_strategy_decided_enquiry, check_strategy_participants,
};
use familygraph_domain::workflow::{UserError, UserErrorCode};
use familygraph_domain::{
    CategoryOfAbuse, InvolvementRole, PlanKind, PractitionerRole, RecordScope, Section47Outcome,
    StrategyDecision, TeamKind,
};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection,
    DatabaseTransaction, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
};
use serde_json::json;
use uuid::Uuid;

use super::family_help::{bump_plan, visible_plan};
use super::{
    Actor, Change, Outcome, created, expect_one_row, finish, remember, replay, replayed, unknown,
    visible_person,
};
use crate::entity::{
    agency, cp_conference, family_help_episode, involvement, person, plan, plan_review,
    practitioner, section47_enquiry, strategy_discussion, strategy_participant, team,
    team_membership,
};
use crate::error::{StoreError, StoreResult};
use crate::scope::{Scoped, persons, unless_hidden};

impl Scoped for strategy_discussion::Entity {
    fn scope_condition(scope: &RecordScope) -> Condition {
        unless_hidden(
            scope,
            "StrategyDiscussion",
            persons(scope, strategy_discussion::Column::PersonId),
        )
    }
}

impl Scoped for strategy_participant::Entity {
    fn scope_condition(scope: &RecordScope) -> Condition {
        if scope.is_everything() {
            return unless_hidden(scope, "StrategyParticipant", Condition::all());
        }
        let visible = Query::select()
            .column(strategy_discussion::Column::Id)
            .from(strategy_discussion::Entity)
            .cond_where(persons(scope, strategy_discussion::Column::PersonId))
            .to_owned();
        unless_hidden(
            scope,
            "StrategyParticipant",
            Condition::all()
                .add(strategy_participant::Column::StrategyDiscussionId.in_subquery(visible)),
        )
    }
}

/// An agency (and, optionally, its practitioner) that took part in a strategy discussion.
#[derive(Debug, Clone)]
pub struct NewStrategyParticipant {
    /// The agency.
    pub agency_id: Uuid,
    /// The practitioner who represented it, when named (must work for the agency).
    pub practitioner_id: Option<Uuid>,
}

/// Recording a strategy discussion.
#[derive(Debug, Clone)]
pub struct NewStrategyDiscussion {
    /// Retrying with the same key returns the first discussion.
    pub idempotency_key: Option<String>,
    /// The child.
    pub child_id: Uuid,
    /// When it was held.
    pub held_on: NaiveDate,
    /// The chair: a lead child protection practitioner.
    pub chair_practitioner_id: Uuid,
    /// The agencies that took part.
    pub participants: Vec<NewStrategyParticipant>,
    /// What it decided.
    pub decision: StrategyDecision,
}

/// Starting a section 47 enquiry.
#[derive(Debug, Clone)]
pub struct NewSection47Enquiry {
    /// Retrying with the same key returns the first enquiry.
    pub idempotency_key: Option<String>,
    /// The child.
    pub child_id: Uuid,
    /// Start date.
    pub started_on: NaiveDate,
    /// The lead child protection practitioner leading it.
    pub lead_practitioner_id: Uuid,
}

/// Concluding a section 47 enquiry.
#[derive(Debug, Clone)]
pub struct ConcludeSection47 {
    /// The enquiry.
    pub enquiry_id: Uuid,
    /// When.
    pub concluded_on: NaiveDate,
    /// The outcome.
    pub outcome: Section47Outcome,
}

/// Recording an initial child protection conference.
#[derive(Debug, Clone)]
pub struct NewConference {
    /// Retrying with the same key returns the first conference.
    pub idempotency_key: Option<String>,
    /// The child.
    pub child_id: Uuid,
    /// The section 47 enquiry that led to it.
    pub section47_enquiry_id: Uuid,
    /// When it was held.
    pub held_on: NaiveDate,
    /// Whether it decided on a child protection plan.
    pub cp_plan_started: bool,
}

/// Starting a child protection plan.
#[derive(Debug, Clone)]
pub struct NewChildProtectionPlan {
    /// Retrying with the same key returns the first plan.
    pub idempotency_key: Option<String>,
    /// The child.
    pub child_id: Uuid,
    /// The initial conference that decided on the plan.
    pub conference_id: Option<Uuid>,
    /// Start date.
    pub started_on: NaiveDate,
    /// Initial category of abuse (also the latest, until a review changes it).
    pub initial_category: CategoryOfAbuse,
    /// The lead child protection practitioner; by default the one already allocated, or the
    /// one who led the section 47 enquiry.
    pub lead_practitioner_id: Option<Uuid>,
}

/// Reviewing a child protection plan.
#[derive(Debug, Clone)]
pub struct ReviewChildProtectionPlan {
    /// The plan.
    pub plan_id: Uuid,
    /// Its version as last read.
    pub expected_version: i32,
    /// When.
    pub reviewed_on: NaiveDate,
    /// What the review decided.
    pub outcome: String,
    /// A changed category of abuse, when the review changed it.
    pub latest_category: Option<CategoryOfAbuse>,
}

/// The practitioner's job role, if the practitioner exists (`None`: unknown practitioner).
async fn practitioner_role<C: ConnectionTrait>(
    db: &C,
    id: Uuid,
) -> StoreResult<Option<(practitioner::Model, Option<PractitionerRole>)>> {
    Ok(practitioner::Entity::find_by_id(id)
        .one(db)
        .await?
        .map(|p| {
            let role = PractitionerRole::from_code(&p.role);
            (p, role)
        }))
}

/// Checks that `id` names a lead child protection practitioner.
async fn check_lcpp<C: ConnectionTrait>(
    db: &C,
    field: &str,
    id: Uuid,
) -> StoreResult<Vec<UserError>> {
    Ok(match practitioner_role(db, id).await? {
        None => unknown(field, "practitioner"),
        Some((_, role)) => check_lead_child_protection_practitioner(field, role),
    })
}

/// The MACPT the practitioner currently belongs to (else any current team of theirs).
async fn macpt_of<C: ConnectionTrait>(db: &C, practitioner_id: Uuid) -> StoreResult<Option<Uuid>> {
    let teams: Vec<Uuid> = team_membership::Entity::find()
        .filter(team_membership::Column::PractitionerId.eq(practitioner_id))
        .filter(team_membership::Column::EndedOn.is_null())
        .all(db)
        .await?
        .into_iter()
        .map(|m| m.team_id)
        .collect();
    if teams.is_empty() {
        return Ok(None);
    }
    let macpt = team::Entity::find()
        .filter(team::Column::Id.is_in(teams.clone()))
        .filter(team::Column::Kind.eq(TeamKind::Macpt.code()))
        .order_by_asc(team::Column::Code)
        .one(db)
        .await?;
    Ok(macpt.map(|t| t.id).or_else(|| teams.first().copied()))
}

/// The child's open LCPP involvement, if any.
async fn open_lcpp<C: ConnectionTrait>(
    db: &C,
    child_id: Uuid,
) -> StoreResult<Option<involvement::Model>> {
    Ok(involvement::Entity::find()
        .filter(involvement::Column::PersonId.eq(child_id))
        .filter(
            involvement::Column::Role.eq(InvolvementRole::LeadChildProtectionPractitioner.code()),
        )
        .filter(involvement::Column::EndedOn.is_null())
        .one(db)
        .await?)
}

/// Makes `practitioner_id` the child's lead child protection practitioner from `started_on`,
/// alongside (never instead of) the Family Help lead. Keeps a current allocation to the same
/// practitioner; a different one ends the previous LCPP allocation.
async fn ensure_lcpp(
    txn: &DatabaseTransaction,
    actor: &Actor,
    child_id: Uuid,
    practitioner_id: Uuid,
    started_on: NaiveDate,
) -> StoreResult<Uuid> {
    let current = open_lcpp(txn, child_id).await?;
    if let Some(current) = &current {
        if current.practitioner_id == practitioner_id {
            return Ok(current.id);
        }
        let ended = involvement::Entity::update_many()
            .col_expr(
                involvement::Column::EndedOn,
                Expr::value(Ord::max(started_on, current.started_on)),
            )
            .col_expr(
                involvement::Column::ChangeReason,
                Expr::value("Lead child protection practitioner changed"),
            )
            .col_expr(
                involvement::Column::Version,
                Expr::value(current.version + 1),
            )
            .filter(involvement::Column::Id.eq(current.id))
            .filter(involvement::Column::Version.eq(current.version))
            .exec(txn)
            .await?;
        expect_one_row(
            ended.rows_affected,
            "Involvement",
            current.id,
            current.version,
        )?;
    }
    let team_id = macpt_of(txn, practitioner_id).await?;
    let id = Uuid::now_v7();
    involvement::Entity::insert(involvement::ActiveModel {
        id: Set(id),
        person_id: Set(child_id),
        practitioner_id: Set(practitioner_id),
        team_id: Set(team_id),
        role: Set(InvolvementRole::LeadChildProtectionPractitioner
            .code()
            .to_owned()),
        started_on: Set(started_on),
        ended_on: Set(None),
        change_reason: Set(None),
        version: Set(1),
    })
    .exec(txn)
    .await?;
    Change {
        event_type: "LeadChildProtectionPractitionerAllocated",
        record_type: "Involvement",
        record_id: id,
        payload: json!({ "childId": child_id, "practitionerId": practitioner_id, "teamId": team_id,
                         "previousInvolvementId": current.as_ref().map(|c| c.id) }),
        actor,
    }
    .record(txn)
    .await?;
    Ok(id)
}

/// Ends the child's LCPP allocation on `ended_on` once no child protection work is open (no
/// open section 47 enquiry, no open child protection plan). The Family Help lead stays.
pub(crate) async fn release_lcpp_if_done<C: ConnectionTrait>(
    db: &C,
    child_id: Uuid,
    ended_on: NaiveDate,
    reason: &str,
) -> StoreResult<()> {
    let open_enquiries = section47_enquiry::Entity::find()
        .filter(section47_enquiry::Column::PersonId.eq(child_id))
        .filter(section47_enquiry::Column::ConcludedOn.is_null())
        .count(db)
        .await?;
    let open_plans = plan::Entity::find()
        .filter(plan::Column::PersonId.eq(child_id))
        .filter(plan::Column::Kind.eq(PlanKind::ChildProtection.code()))
        .filter(plan::Column::EndedOn.is_null())
        .count(db)
        .await?;
    if open_enquiries > 0 || open_plans > 0 {
        return Ok(());
    }
    involvement::Entity::update_many()
        .col_expr(involvement::Column::EndedOn, Expr::value(ended_on))
        .col_expr(involvement::Column::ChangeReason, Expr::value(reason))
        .col_expr(
            involvement::Column::Version,
            Expr::col(involvement::Column::Version).add(1),
        )
        .filter(involvement::Column::PersonId.eq(child_id))
        .filter(
            involvement::Column::Role.eq(InvolvementRole::LeadChildProtectionPractitioner.code()),
        )
        .filter(involvement::Column::EndedOn.is_null())
        .exec(db)
        .await?;
    Ok(())
}

/// The child's current Family Help lead practitioner, for event payloads: it stays allocated
/// through child protection work.
async fn family_help_lead<C: ConnectionTrait>(db: &C, child_id: Uuid) -> StoreResult<Option<Uuid>> {
    Ok(involvement::Entity::find()
        .filter(involvement::Column::PersonId.eq(child_id))
        .filter(involvement::Column::Role.eq(InvolvementRole::FamilyHelpLead.code()))
        .filter(involvement::Column::EndedOn.is_null())
        .one(db)
        .await?
        .map(|i| i.practitioner_id))
}

/// Records a strategy discussion: held on a date, chaired by a lead child protection
/// practitioner, with the agencies (and practitioners) that took part, and its decision.
pub async fn record_strategy_discussion(
    db: &DatabaseConnection,
    actor: &Actor,
    input: NewStrategyDiscussion,
) -> StoreResult<Outcome<strategy_discussion::Model>> {
    let txn = crate::db::begin_write(db).await?;
    if let Some(id) = replayed(&txn, actor, input.idempotency_key.as_deref()).await?
        && let Some(existing) = strategy_discussion::Entity::find_by_id(id)
            .one(&txn)
            .await?
    {
        return Ok(Ok(existing));
    }
    let Some(child) = visible_person(&txn, actor, input.child_id).await? else {
        return Ok(Err(unknown("childId", "child")));
    };
    let mut errors = check_case_date("heldOn", input.held_on, child.date_of_birth, actor.today());
    errors.extend(check_lcpp(&txn, "chairPractitionerId", input.chair_practitioner_id).await?);
    errors.extend(check_strategy_participants(input.participants.len()));
    for (index, participant) in input.participants.iter().enumerate() {
        if agency::Entity::find_by_id(participant.agency_id)
            .one(&txn)
            .await?
            .is_none()
        {
            errors.extend(unknown(&format!("participants.{index}.agencyId"), "agency"));
        }
        if let Some(practitioner_id) = participant.practitioner_id {
            match practitioner::Entity::find_by_id(practitioner_id)
                .one(&txn)
                .await?
            {
                None => errors.extend(unknown(
                    &format!("participants.{index}.practitionerId"),
                    "practitioner",
                )),
                Some(p) if p.agency_id != participant.agency_id => errors.push(UserError::new(
                    &format!("participants.{index}.practitionerId"),
                    UserErrorCode::InvalidValue,
                    "the practitioner works for another agency",
                )),
                Some(_) => {}
            }
        }
    }
    if !errors.is_empty() {
        return Ok(Err(errors));
    }
    let id = Uuid::now_v7();
    strategy_discussion::Entity::insert(strategy_discussion::ActiveModel {
        id: Set(id),
        person_id: Set(child.id),
        held_on: Set(input.held_on),
        chair_practitioner_id: Set(input.chair_practitioner_id),
        decision: Set(Some(input.decision.code().to_owned())),
        created_at: Set(actor.now),
    })
    .exec(&txn)
    .await?;
    strategy_participant::Entity::insert_many(input.participants.iter().map(|participant| {
        strategy_participant::ActiveModel {
            id: Set(Uuid::now_v7()),
            strategy_discussion_id: Set(id),
            agency_id: Set(participant.agency_id),
            practitioner_id: Set(participant.practitioner_id),
        }
    }))
    .exec(&txn)
    .await?;
    Change {
        event_type: "StrategyDiscussionRecorded",
        record_type: "StrategyDiscussion",
        record_id: id,
        payload: json!({ "strategyDiscussionId": id, "childId": child.id, "heldOn": input.held_on,
                         "chairPractitionerId": input.chair_practitioner_id,
                         "agencyIds": input.participants.iter().map(|p| p.agency_id).collect::<Vec<_>>(),
                         "decision": input.decision.code() }),
        actor,
    }
    .record(&txn)
    .await?;
    remember(
        &txn,
        actor,
        input.idempotency_key.as_deref(),
        "StrategyDiscussion",
        id,
    )
    .await?;
    let saved = strategy_discussion::Entity::find_by_id(id)
        .one(&txn)
        .await?;
    finish(txn, saved).await
}

/// Starts a section 47 enquiry, led by a lead child protection practitioner, after a strategy
/// discussion that decided on one (at most one open per child). The LCPP is allocated to the
/// child from the start; the Family Help lead stays.
pub async fn start_section47(
    db: &DatabaseConnection,
    actor: &Actor,
    input: NewSection47Enquiry,
) -> StoreResult<Outcome<section47_enquiry::Model>> {
    let txn = crate::db::begin_write(db).await?;
    if let Some(existing) =
        replay::<section47_enquiry::Entity>(&txn, actor, input.idempotency_key.as_deref()).await?
    {
        return Ok(Ok(existing));
    }
    let Some(child) = visible_person(&txn, actor, input.child_id).await? else {
        return Ok(Err(unknown("childId", "child")));
    };
    let mut errors = check_case_date(
        "startedOn",
        input.started_on,
        child.date_of_birth,
        actor.today(),
    );
    errors.extend(check_lcpp(&txn, "leadPractitionerId", input.lead_practitioner_id).await?);
    let open = section47_enquiry::Entity::find()
        .filter(section47_enquiry::Column::PersonId.eq(child.id))
        .filter(section47_enquiry::Column::ConcludedOn.is_null())
        .count(&txn)
        .await?;
    errors.extend(check_no_open_enquiry(open as usize));
    let latest = strategy_discussion::Entity::find()
        .filter(strategy_discussion::Column::PersonId.eq(child.id))
        .filter(strategy_discussion::Column::HeldOn.lte(input.started_on))
        .order_by_desc(strategy_discussion::Column::HeldOn)
        .order_by_desc(strategy_discussion::Column::CreatedAt)
        .one(&txn)
        .await?;
    errors.extend(check_strategy_decided_enquiry(
        latest
            .as_ref()
            .and_then(|d| d.decision.as_deref())
            .and_then(StrategyDecision::from_code),
    ));
    if !errors.is_empty() {
        return Ok(Err(errors));
    }
    let id = Uuid::now_v7();
    section47_enquiry::Entity::insert(section47_enquiry::ActiveModel {
        id: Set(id),
        person_id: Set(child.id),
        started_on: Set(input.started_on),
        concluded_on: Set(None),
        outcome: Set(None),
        lead_practitioner_id: Set(Some(input.lead_practitioner_id)),
    })
    .exec(&txn)
    .await?;
    Change {
        event_type: "Section47EnquiryStarted",
        record_type: "Section47Enquiry",
        record_id: id,
        payload: json!({ "enquiryId": id, "childId": child.id, "startedOn": input.started_on,
                         "leadPractitionerId": input.lead_practitioner_id,
                         "strategyDiscussionId": latest.as_ref().map(|d| d.id) }),
        actor,
    }
    .record(&txn)
    .await?;
    ensure_lcpp(
        &txn,
        actor,
        child.id,
        input.lead_practitioner_id,
        input.started_on,
    )
    .await?;
    created::<section47_enquiry::Entity>(
        txn,
        actor,
        input.idempotency_key.as_deref(),
        "Section47Enquiry",
        id,
    )
    .await
}

/// Concludes a section 47 enquiry with its outcome (once; not before it started). Without a
/// conference, the LCPP's allocation ends unless other child protection work is open.
pub async fn conclude_section47(
    db: &DatabaseConnection,
    actor: &Actor,
    input: ConcludeSection47,
) -> StoreResult<Outcome<section47_enquiry::Model>> {
    let txn = crate::db::begin_write(db).await?;
    let Some(enquiry) = section47_enquiry::Entity::find_by_id(input.enquiry_id)
        .filter(section47_enquiry::Entity::scope_condition(&actor.scope))
        .one(&txn)
        .await?
    else {
        return Ok(Err(unknown("enquiryId", "section 47 enquiry")));
    };
    let born = person::Entity::find_by_id(enquiry.person_id)
        .one(&txn)
        .await?
        .and_then(|p| p.date_of_birth);
    let mut errors = check_enquiry_open(enquiry.concluded_on);
    errors.extend(check_case_date(
        "concludedOn",
        input.concluded_on,
        born,
        actor.today(),
    ));
    errors.extend(check_ends_after(
        "concludedOn",
        input.concluded_on,
        enquiry.started_on,
    ));
    if !errors.is_empty() {
        return Ok(Err(errors));
    }
    // The enquiry has no version column: concluding is a one-way transition, guarded by its
    // still being open (a concurrent conclusion touches no row and is a conflict).
    let result = section47_enquiry::Entity::update_many()
        .col_expr(
            section47_enquiry::Column::ConcludedOn,
            Expr::value(input.concluded_on),
        )
        .col_expr(
            section47_enquiry::Column::Outcome,
            Expr::value(input.outcome.code()),
        )
        .filter(section47_enquiry::Column::Id.eq(enquiry.id))
        .filter(section47_enquiry::Column::ConcludedOn.is_null())
        .exec(&txn)
        .await?;
    expect_one_row(result.rows_affected, "Section47Enquiry", enquiry.id, 1)?;
    if input.outcome != Section47Outcome::Conference {
        release_lcpp_if_done(
            &txn,
            enquiry.person_id,
            input.concluded_on,
            "Section 47 enquiry concluded without a conference",
        )
        .await?;
    }
    Change {
        event_type: "Section47EnquiryConcluded",
        record_type: "Section47Enquiry",
        record_id: enquiry.id,
        payload: json!({ "enquiryId": enquiry.id, "childId": enquiry.person_id,
                         "concludedOn": input.concluded_on, "outcome": input.outcome.code() }),
        actor,
    }
    .record(&txn)
    .await?;
    let saved = section47_enquiry::Entity::find_by_id(enquiry.id)
        .one(&txn)
        .await?;
    finish(txn, saved).await
}

/// Records the initial child protection conference a section 47 enquiry led to, and whether it
/// decided on a child protection plan. A conference that decides on no plan ends the LCPP's
/// allocation (the Family Help lead carries on).
pub async fn record_initial_conference(
    db: &DatabaseConnection,
    actor: &Actor,
    input: NewConference,
) -> StoreResult<Outcome<cp_conference::Model>> {
    let txn = crate::db::begin_write(db).await?;
    if let Some(existing) =
        replay::<cp_conference::Entity>(&txn, actor, input.idempotency_key.as_deref()).await?
    {
        return Ok(Ok(existing));
    }
    let Some(child) = visible_person(&txn, actor, input.child_id).await? else {
        return Ok(Err(unknown("childId", "child")));
    };
    let Some(enquiry) = section47_enquiry::Entity::find_by_id(input.section47_enquiry_id)
        .filter(section47_enquiry::Column::PersonId.eq(child.id))
        .one(&txn)
        .await?
    else {
        return Ok(Err(unknown(
            "section47EnquiryId",
            "section 47 enquiry for this child",
        )));
    };
    let held = cp_conference::Entity::find()
        .filter(cp_conference::Column::Section47EnquiryId.eq(enquiry.id))
        .count(&txn)
        .await?;
    let mut errors = check_enquiry_led_to_conference(
        enquiry
            .outcome
            .as_deref()
            .and_then(Section47Outcome::from_code),
        held as usize,
    );
    errors.extend(check_case_date(
        "heldOn",
        input.held_on,
        child.date_of_birth,
        actor.today(),
    ));
    errors.extend(check_ends_after(
        "heldOn",
        input.held_on,
        enquiry.started_on,
    ));
    if !errors.is_empty() {
        return Ok(Err(errors));
    }
    let id = Uuid::now_v7();
    cp_conference::Entity::insert(cp_conference::ActiveModel {
        id: Set(id),
        person_id: Set(child.id),
        section47_enquiry_id: Set(Some(enquiry.id)),
        held_on: Set(input.held_on),
        cp_plan_started: Set(input.cp_plan_started),
    })
    .exec(&txn)
    .await?;
    if !input.cp_plan_started {
        release_lcpp_if_done(
            &txn,
            child.id,
            input.held_on,
            "Initial conference decided on no child protection plan",
        )
        .await?;
    }
    Change {
        event_type: "ChildProtectionConferenceHeld",
        record_type: "ChildProtectionConference",
        record_id: id,
        payload: json!({ "conferenceId": id, "childId": child.id, "enquiryId": enquiry.id,
                         "heldOn": input.held_on, "cpPlanStarted": input.cp_plan_started }),
        actor,
    }
    .record(&txn)
    .await?;
    created::<cp_conference::Entity>(
        txn,
        actor,
        input.idempotency_key.as_deref(),
        "ChildProtectionConference",
        id,
    )
    .await
}

/// Starts a child protection plan from the initial conference that decided on it, with the
/// initial (and, until reviewed, latest) category of abuse. The lead child protection
/// practitioner is allocated in the MACPT **alongside** the Family Help lead practitioner,
/// who stays: families stay rooted in Family Help.
pub async fn start_child_protection_plan(
    db: &DatabaseConnection,
    actor: &Actor,
    input: NewChildProtectionPlan,
) -> StoreResult<Outcome<plan::Model>> {
    let txn = crate::db::begin_write(db).await?;
    if let Some(existing) =
        replay::<plan::Entity>(&txn, actor, input.idempotency_key.as_deref()).await?
    {
        return Ok(Ok(existing));
    }
    let Some(child) = visible_person(&txn, actor, input.child_id).await? else {
        return Ok(Err(unknown("childId", "child")));
    };
    let conference = match input.conference_id {
        None => None,
        Some(conference_id) => {
            let found = cp_conference::Entity::find_by_id(conference_id)
                .filter(cp_conference::Column::PersonId.eq(child.id))
                .one(&txn)
                .await?;
            if found.is_none() {
                return Ok(Err(unknown("conferenceId", "conference for this child")));
            }
            found
        }
    };
    let mut errors = check_conference_decided_plan(conference.as_ref().map(|c| c.cp_plan_started));
    errors.extend(check_case_date(
        "startedOn",
        input.started_on,
        child.date_of_birth,
        actor.today(),
    ));
    if let Some(conference) = &conference {
        errors.extend(check_ends_after(
            "startedOn",
            input.started_on,
            conference.held_on,
        ));
    }
    let open_plans = plan::Entity::find()
        .filter(plan::Column::PersonId.eq(child.id))
        .filter(plan::Column::Kind.eq(PlanKind::ChildProtection.code()))
        .filter(plan::Column::EndedOn.is_null())
        .count(&txn)
        .await?;
    errors.extend(check_no_open_child_protection_plan(open_plans as usize));
    // The LCPP: as given, else the one already allocated, else the enquiry's lead.
    let lead = match input.lead_practitioner_id {
        Some(id) => Some(id),
        None => match open_lcpp(&txn, child.id).await? {
            Some(current) => Some(current.practitioner_id),
            None => match conference.as_ref().and_then(|c| c.section47_enquiry_id) {
                Some(enquiry_id) => section47_enquiry::Entity::find_by_id(enquiry_id)
                    .one(&txn)
                    .await?
                    .and_then(|e| e.lead_practitioner_id),
                None => None,
            },
        },
    };
    match lead {
        Some(lead) => errors.extend(check_lcpp(&txn, "leadPractitionerId", lead).await?),
        // Without a conference the plan is already refused; don't pile on.
        None if conference.is_some() => errors.push(UserError::new(
            "leadPractitionerId",
            UserErrorCode::Required,
            "name the lead child protection practitioner",
        )),
        None => {}
    }
    if !errors.is_empty() {
        return Ok(Err(errors));
    }
    let Some(lead) = lead else {
        return Err(StoreError::Corrupt(
            "a plan passed its rules without a lead".to_owned(),
        ));
    };
    let id = Uuid::now_v7();
    let family_id = family_help_episode::Entity::find()
        .filter(family_help_episode::Column::PersonId.eq(child.id))
        .filter(family_help_episode::Column::EndedOn.is_null())
        .one(&txn)
        .await?
        .map(|e| e.family_id);
    plan::Entity::insert(plan::ActiveModel {
        id: Set(id),
        person_id: Set(child.id),
        family_id: Set(family_id),
        kind: Set(PlanKind::ChildProtection.code().to_owned()),
        started_on: Set(input.started_on),
        ended_on: Set(None),
        initial_category: Set(Some(input.initial_category.code().to_owned())),
        latest_category: Set(Some(input.initial_category.code().to_owned())),
        version: Set(1),
    })
    .exec(&txn)
    .await?;
    let lcpp_involvement = ensure_lcpp(&txn, actor, child.id, lead, input.started_on).await?;
    Change {
        event_type: "ChildProtectionPlanStarted",
        record_type: "Plan",
        record_id: id,
        payload: json!({ "planId": id, "childId": child.id, "kind": PlanKind::ChildProtection.code(),
                         "conferenceId": input.conference_id, "startedOn": input.started_on,
                         "initialCategory": input.initial_category.code(),
                         "leadChildProtectionPractitionerId": lead,
                         "lcppInvolvementId": lcpp_involvement,
                         "familyHelpLeadPractitionerId": family_help_lead(&txn, child.id).await? }),
        actor,
    }
    .record(&txn)
    .await?;
    created::<plan::Entity>(txn, actor, input.idempotency_key.as_deref(), "Plan", id).await
}

/// Reviews a child protection plan: records the review, optionally changes the latest category
/// of abuse, and bumps the plan's version (a stale version is a conflict, and writes nothing).
pub async fn review_child_protection_plan(
    db: &DatabaseConnection,
    actor: &Actor,
    input: ReviewChildProtectionPlan,
) -> StoreResult<Outcome<plan::Model>> {
    let txn = crate::db::begin_write(db).await?;
    let Some(current) = visible_plan(&txn, actor, input.plan_id).await? else {
        return Ok(Err(unknown("planId", "plan")));
    };
    let born = person::Entity::find_by_id(current.person_id)
        .one(&txn)
        .await?
        .and_then(|p| p.date_of_birth);
    let mut errors = check_child_protection_plan(PlanKind::from_code(&current.kind));
    errors.extend(check_required("outcome", &input.outcome));
    errors.extend(check_case_date(
        "reviewedOn",
        input.reviewed_on,
        born,
        actor.today(),
    ));
    errors.extend(check_ends_after(
        "reviewedOn",
        input.reviewed_on,
        current.started_on,
    ));
    if current.ended_on.is_some() {
        errors.push(UserError::new(
            "planId",
            UserErrorCode::AlreadyClosed,
            "the plan has ended",
        ));
    }
    if !errors.is_empty() {
        return Ok(Err(errors));
    }
    bump_plan(&txn, current.id, input.expected_version, None).await?;
    if let Some(category) = input.latest_category {
        plan::Entity::update_many()
            .col_expr(plan::Column::LatestCategory, Expr::value(category.code()))
            .filter(plan::Column::Id.eq(current.id))
            .exec(&txn)
            .await?;
    }
    plan_review::Entity::insert(plan_review::ActiveModel {
        id: Set(Uuid::now_v7()),
        plan_id: Set(current.id),
        reviewed_on: Set(input.reviewed_on),
        outcome: Set(input.outcome.trim().to_owned()),
    })
    .exec(&txn)
    .await?;
    Change {
        event_type: "ChildProtectionPlanReviewed",
        record_type: "Plan",
        record_id: current.id,
        payload: json!({ "planId": current.id, "childId": current.person_id,
                         "reviewedOn": input.reviewed_on,
                         "latestCategory": input.latest_category.map(|c| c.code())
                             .or(current.latest_category.as_deref()) }),
        actor,
    }
    .record(&txn)
    .await?;
    let saved = plan::Entity::find_by_id(current.id).one(&txn).await?;
    finish(txn, saved).await
}

/// Ends a child protection plan (a step-down: the family carries on with its Family Help lead).
/// The LCPP's allocation ends with it unless other child protection work is open.
pub async fn end_child_protection_plan(
    db: &DatabaseConnection,
    actor: &Actor,
    plan_id: Uuid,
    expected_version: i32,
    ended_on: NaiveDate,
) -> StoreResult<Outcome<plan::Model>> {
    let txn = crate::db::begin_write(db).await?;
    let Some(current) = visible_plan(&txn, actor, plan_id).await? else {
        return Ok(Err(unknown("planId", "plan")));
    };
    let born = person::Entity::find_by_id(current.person_id)
        .one(&txn)
        .await?
        .and_then(|p| p.date_of_birth);
    let mut errors = check_child_protection_plan(PlanKind::from_code(&current.kind));
    errors.extend(check_case_date("endedOn", ended_on, born, actor.today()));
    errors.extend(check_ends_after("endedOn", ended_on, current.started_on));
    if current.ended_on.is_some() {
        errors.push(UserError::new(
            "planId",
            UserErrorCode::AlreadyClosed,
            "the plan has already ended",
        ));
    }
    if !errors.is_empty() {
        return Ok(Err(errors));
    }
    bump_plan(&txn, plan_id, expected_version, Some(ended_on)).await?;
    release_lcpp_if_done(
        &txn,
        current.person_id,
        ended_on,
        "Child protection plan ended",
    )
    .await?;
    Change {
        event_type: "ChildProtectionPlanEnded",
        record_type: "Plan",
        record_id: plan_id,
        payload: json!({ "planId": plan_id, "childId": current.person_id, "endedOn": ended_on,
                         "familyHelpLeadPractitionerId": family_help_lead(&txn, current.person_id).await? }),
        actor,
    }
    .record(&txn)
    .await?;
    let saved = plan::Entity::find_by_id(plan_id).one(&txn).await?;
    finish(txn, saved).await
}
