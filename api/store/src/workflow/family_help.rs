//! Family Help: episodes, the lead practitioner (whose changes are the hand-offs), single
//! assessments, plans with goals, reviews, visits, and closure.

use chrono::NaiveDate;
use familygraph_domain::workflow::rules::{
    check_case_date, check_ends_after, check_episode_can_close, check_follow_up_date,
    check_in_network, check_no_open_episode, check_required,
};
use familygraph_domain::workflow::{UserError, UserErrorCode};
use familygraph_domain::{
    AssessmentFactor, ClosureReason, FamilyHelpLevel, InvolvementRole, PlanKind,
};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction,
    EntityTrait, PaginatorTrait, QueryFilter,
};
use serde_json::json;
use uuid::Uuid;

use super::front_door::covering_team;
use super::{
    Actor, Change, Outcome, created, expect_one_row, finish, remember, replay, replayed, unknown,
    visible_person,
};
use crate::entity::{
    assessment, assessment_factor, family, family_help_episode, family_member, family_network,
    involvement, network_member, person, plan, plan_goal, plan_review, practitioner,
    team_membership, visit,
};
use crate::error::StoreResult;
use crate::scope::Scoped;

/// Opening a Family Help episode.
#[derive(Debug, Clone)]
pub struct OpenEpisode {
    /// Retrying with the same key returns the first episode.
    pub idempotency_key: Option<String>,
    /// The child.
    pub child_id: Uuid,
    /// The family the work is with.
    pub family_id: Uuid,
    /// Targeted early help or child in need.
    pub level: FamilyHelpLevel,
    /// Start date.
    pub started_on: NaiveDate,
    /// The lead practitioner, allocated from the start date.
    pub lead_practitioner_id: Option<Uuid>,
}

/// Allocating (or changing) the Family Help lead practitioner.
#[derive(Debug, Clone)]
pub struct AllocateLead {
    /// The child.
    pub child_id: Uuid,
    /// The new lead practitioner.
    pub practitioner_id: Uuid,
    /// From when.
    pub started_on: NaiveDate,
    /// Why the previous lead is changing (required when there is one: this is a hand-off).
    pub change_reason: Option<String>,
}

/// A single assessment.
#[derive(Debug, Clone)]
pub struct NewAssessment {
    /// Retrying with the same key returns the first assessment.
    pub idempotency_key: Option<String>,
    /// The child.
    pub child_id: Uuid,
    /// Started.
    pub started_on: NaiveDate,
    /// Authorised.
    pub authorised_on: Option<NaiveDate>,
    /// Whether the child was seen.
    pub child_seen: bool,
    /// Factors identified.
    pub factors: Vec<AssessmentFactor>,
    /// Outcome.
    pub outcome: Option<String>,
}

/// A goal or action in a plan, owned by a practitioner or a network member.
#[derive(Debug, Clone)]
pub struct NewGoal {
    /// What it is.
    pub description: String,
    /// Owning practitioner.
    pub owner_practitioner_id: Option<Uuid>,
    /// Owning network member.
    pub owner_network_member_id: Option<Uuid>,
}

/// Starting a Family Help, child-in-need or family network plan.
#[derive(Debug, Clone)]
pub struct NewPlan {
    /// Retrying with the same key returns the first plan.
    pub idempotency_key: Option<String>,
    /// The child.
    pub child_id: Uuid,
    /// The family (family network plans).
    pub family_id: Option<Uuid>,
    /// Which plan.
    pub kind: PlanKind,
    /// Start.
    pub started_on: NaiveDate,
    /// Goals and actions.
    pub goals: Vec<NewGoal>,
}

/// Loads a plan the actor may see.
pub(crate) async fn visible_plan<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    id: Uuid,
) -> StoreResult<Option<plan::Model>> {
    Ok(plan::Entity::find_by_id(id)
        .filter(plan::Entity::scope_condition(&actor.scope))
        .one(db)
        .await?)
}

/// Opens a Family Help episode (at most one open per child), in the locality team covering the
/// child's address, optionally allocating the lead practitioner.
pub async fn open_episode(
    db: &DatabaseConnection,
    actor: &Actor,
    input: OpenEpisode,
) -> StoreResult<Outcome<family_help_episode::Model>> {
    let txn = crate::db::begin_write(db).await?;
    if let Some(id) = replayed(&txn, actor, input.idempotency_key.as_deref()).await?
        && let Some(existing) = family_help_episode::Entity::find_by_id(id)
            .one(&txn)
            .await?
    {
        return Ok(Ok(existing));
    }
    let Some(child) = visible_person(&txn, actor, input.child_id).await? else {
        return Ok(Err(unknown("childId", "child")));
    };
    let scope = actor.scope.clone();
    if family::Entity::find_by_id(input.family_id)
        .filter(family::Entity::scope_condition(&scope))
        .one(&txn)
        .await?
        .is_none()
    {
        return Ok(Err(unknown("familyId", "family")));
    }
    let open = family_help_episode::Entity::find()
        .filter(family_help_episode::Column::PersonId.eq(child.id))
        .filter(family_help_episode::Column::EndedOn.is_null())
        .count(&txn)
        .await?;
    let mut errors = check_no_open_episode(open as usize);
    errors.extend(check_case_date(
        "startedOn",
        input.started_on,
        child.date_of_birth,
        actor.today(),
    ));
    if !errors.is_empty() {
        return Ok(Err(errors));
    }
    let team_id = covering_team(&txn, child.id).await?;
    let id = Uuid::now_v7();
    family_help_episode::Entity::insert(family_help_episode::ActiveModel {
        id: Set(id),
        person_id: Set(child.id),
        family_id: Set(input.family_id),
        team_id: Set(team_id),
        level: Set(input.level.code().to_owned()),
        started_on: Set(input.started_on),
        ended_on: Set(None),
        closure_reason: Set(None),
        version: Set(1),
    })
    .exec(&txn)
    .await?;
    Change {
        event_type: "FamilyHelpEpisodeOpened",
        record_type: "FamilyHelpEpisode",
        record_id: id,
        payload: json!({ "episodeId": id, "childId": child.id, "level": input.level.code(), "teamId": team_id }),
        actor,
    }
    .record(&txn)
    .await?;
    if let Some(lead) = input.lead_practitioner_id {
        let allocation = AllocateLead {
            child_id: child.id,
            practitioner_id: lead,
            started_on: input.started_on,
            change_reason: None,
        };
        if let Err(errors) = allocate_in(&txn, actor, &allocation, team_id).await? {
            return Ok(Err(errors));
        }
    }
    remember(
        &txn,
        actor,
        input.idempotency_key.as_deref(),
        "FamilyHelpEpisode",
        id,
    )
    .await?;
    let saved = family_help_episode::Entity::find_by_id(id)
        .one(&txn)
        .await?;
    finish(txn, saved).await
}

/// Allocates the Family Help lead practitioner. A current lead's involvement ends the day the
/// new one starts, with the change reason: that is a hand-off.
pub async fn allocate_lead_practitioner(
    db: &DatabaseConnection,
    actor: &Actor,
    input: AllocateLead,
) -> StoreResult<Outcome<involvement::Model>> {
    let txn = crate::db::begin_write(db).await?;
    let Some(child) = visible_person(&txn, actor, input.child_id).await? else {
        return Ok(Err(unknown("childId", "child")));
    };
    let team_id = family_help_episode::Entity::find()
        .filter(family_help_episode::Column::PersonId.eq(child.id))
        .filter(family_help_episode::Column::EndedOn.is_null())
        .one(&txn)
        .await?
        .and_then(|e| e.team_id);
    match allocate_in(&txn, actor, &input, team_id).await? {
        Ok(id) => {
            let saved = involvement::Entity::find_by_id(id).one(&txn).await?;
            finish(txn, saved).await
        }
        Err(errors) => Ok(Err(errors)),
    }
}

async fn allocate_in(
    txn: &DatabaseTransaction,
    actor: &Actor,
    input: &AllocateLead,
    episode_team: Option<Uuid>,
) -> StoreResult<Outcome<Uuid>> {
    let Some(child) = person::Entity::find_by_id(input.child_id).one(txn).await? else {
        return Ok(Err(unknown("childId", "child")));
    };
    if practitioner::Entity::find_by_id(input.practitioner_id)
        .one(txn)
        .await?
        .is_none()
    {
        return Ok(Err(unknown("practitionerId", "practitioner")));
    }
    let mut errors = check_case_date(
        "startedOn",
        input.started_on,
        child.date_of_birth,
        actor.today(),
    );
    let current = involvement::Entity::find()
        .filter(involvement::Column::PersonId.eq(child.id))
        .filter(involvement::Column::Role.eq(InvolvementRole::FamilyHelpLead.code()))
        .filter(involvement::Column::EndedOn.is_null())
        .one(txn)
        .await?;
    if let Some(current) = &current {
        if current.practitioner_id == input.practitioner_id {
            return Ok(Ok(current.id));
        }
        errors.extend(check_required(
            "changeReason",
            input.change_reason.as_deref().unwrap_or_default(),
        ));
        errors.extend(check_ends_after(
            "startedOn",
            input.started_on,
            current.started_on,
        ));
    }
    if !errors.is_empty() {
        return Ok(Err(errors));
    }
    if let Some(current) = &current {
        let ended = involvement::Entity::update_many()
            .col_expr(involvement::Column::EndedOn, Expr::value(input.started_on))
            .col_expr(
                involvement::Column::ChangeReason,
                Expr::value(input.change_reason.clone()),
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
    let team_id = match episode_team {
        Some(team) => Some(team),
        None => team_membership::Entity::find()
            .filter(team_membership::Column::PractitionerId.eq(input.practitioner_id))
            .filter(team_membership::Column::EndedOn.is_null())
            .one(txn)
            .await?
            .map(|m| m.team_id),
    };
    let id = Uuid::now_v7();
    involvement::Entity::insert(involvement::ActiveModel {
        id: Set(id),
        person_id: Set(child.id),
        practitioner_id: Set(input.practitioner_id),
        team_id: Set(team_id),
        role: Set(InvolvementRole::FamilyHelpLead.code().to_owned()),
        started_on: Set(input.started_on),
        ended_on: Set(None),
        change_reason: Set(None),
        version: Set(1),
    })
    .exec(txn)
    .await?;
    Change {
        event_type: if current.is_some() {
            "LeadPractitionerChanged"
        } else {
            "LeadPractitionerAllocated"
        },
        record_type: "Involvement",
        record_id: id,
        payload: json!({ "childId": child.id, "practitionerId": input.practitioner_id,
                         "previousInvolvementId": current.as_ref().map(|c| c.id),
                         "changeReason": input.change_reason }),
        actor,
    }
    .record(txn)
    .await?;
    Ok(Ok(id))
}

/// Records a single assessment with its factors.
pub async fn record_assessment(
    db: &DatabaseConnection,
    actor: &Actor,
    input: NewAssessment,
) -> StoreResult<Outcome<assessment::Model>> {
    let txn = crate::db::begin_write(db).await?;
    if let Some(existing) =
        replay::<assessment::Entity>(&txn, actor, input.idempotency_key.as_deref()).await?
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
    if let Some(authorised) = input.authorised_on {
        errors.extend(check_case_date(
            "authorisedOn",
            authorised,
            child.date_of_birth,
            actor.today(),
        ));
        errors.extend(check_ends_after(
            "authorisedOn",
            authorised,
            input.started_on,
        ));
    }
    if !errors.is_empty() {
        return Ok(Err(errors));
    }
    let episode = family_help_episode::Entity::find()
        .filter(family_help_episode::Column::PersonId.eq(child.id))
        .filter(family_help_episode::Column::EndedOn.is_null())
        .one(&txn)
        .await?;
    let id = Uuid::now_v7();
    assessment::Entity::insert(assessment::ActiveModel {
        id: Set(id),
        person_id: Set(child.id),
        family_help_episode_id: Set(episode.map(|e| e.id)),
        started_on: Set(input.started_on),
        authorised_on: Set(input.authorised_on),
        child_seen: Set(input.child_seen),
        outcome: Set(input.outcome.clone()),
    })
    .exec(&txn)
    .await?;
    let mut factors = input.factors.clone();
    factors.sort_by_key(|f| f.code());
    factors.dedup();
    if !factors.is_empty() {
        assessment_factor::Entity::insert_many(factors.iter().map(|factor| {
            assessment_factor::ActiveModel {
                id: Set(Uuid::now_v7()),
                assessment_id: Set(id),
                code: Set(factor.code().to_owned()),
            }
        }))
        .exec(&txn)
        .await?;
    }
    Change {
        event_type: "AssessmentRecorded",
        record_type: "Assessment",
        record_id: id,
        payload: json!({ "assessmentId": id, "childId": child.id,
                         "factors": factors.iter().map(|f| f.code()).collect::<Vec<_>>() }),
        actor,
    }
    .record(&txn)
    .await?;
    created::<assessment::Entity>(
        txn,
        actor,
        input.idempotency_key.as_deref(),
        "Assessment",
        id,
    )
    .await
}

/// Starts a Family Help, child-in-need or family network plan with its goals. (Child protection
/// plans start from a conference; see the child protection commands.)
pub async fn start_plan(
    db: &DatabaseConnection,
    actor: &Actor,
    input: NewPlan,
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
    let mut errors = check_case_date(
        "startedOn",
        input.started_on,
        child.date_of_birth,
        actor.today(),
    );
    if input.kind == PlanKind::ChildProtection {
        errors.push(UserError::new(
            "kind",
            UserErrorCode::PlanRequiresConference,
            "child protection plans start from an initial child protection conference",
        ));
    }
    // Network members may own actions only in their own family's network: the plan's family,
    // or (without one) the families the child belongs to.
    let networks = plan_networks(&txn, actor, &input, child.id, &mut errors).await?;
    for (index, goal) in input.goals.iter().enumerate() {
        errors.extend(check_required(
            &format!("goals.{index}.description"),
            &goal.description,
        ));
        if let Some(member) = goal.owner_network_member_id {
            let field = format!("goals.{index}.ownerNetworkMemberId");
            match network_member::Entity::find_by_id(member)
                .filter(network_member::Entity::scope_condition(&actor.scope))
                .one(&txn)
                .await?
            {
                Some(member) => errors.extend(check_in_network(
                    &field,
                    &member.family_network_id,
                    &networks,
                )),
                None => errors.extend(unknown(&field, "network member")),
            }
        }
        if let Some(owner) = goal.owner_practitioner_id
            && practitioner::Entity::find_by_id(owner)
                .one(&txn)
                .await?
                .is_none()
        {
            errors.extend(unknown(
                &format!("goals.{index}.ownerPractitionerId"),
                "practitioner",
            ));
        }
    }
    if !errors.is_empty() {
        return Ok(Err(errors));
    }
    let id = Uuid::now_v7();
    plan::Entity::insert(plan::ActiveModel {
        id: Set(id),
        person_id: Set(child.id),
        family_id: Set(input.family_id),
        kind: Set(input.kind.code().to_owned()),
        started_on: Set(input.started_on),
        ended_on: Set(None),
        initial_category: Set(None),
        latest_category: Set(None),
        version: Set(1),
    })
    .exec(&txn)
    .await?;
    insert_goals(&txn, id, &input.goals).await?;
    Change {
        event_type: "PlanStarted",
        record_type: "Plan",
        record_id: id,
        payload: json!({ "planId": id, "childId": child.id, "kind": input.kind.code() }),
        actor,
    }
    .record(&txn)
    .await?;
    created::<plan::Entity>(txn, actor, input.idempotency_key.as_deref(), "Plan", id).await
}

/// The family networks whose members may own the plan's actions; checks the plan's family
/// (required for a family network plan) on the way.
async fn plan_networks(
    txn: &DatabaseTransaction,
    actor: &Actor,
    input: &NewPlan,
    child_id: Uuid,
    errors: &mut Vec<UserError>,
) -> StoreResult<Vec<Uuid>> {
    let family_ids = match input.family_id {
        Some(family_id) => {
            let visible = family::Entity::find_by_id(family_id)
                .filter(family::Entity::scope_condition(&actor.scope))
                .one(txn)
                .await?;
            if visible.is_none() {
                errors.extend(unknown("familyId", "family"));
            }
            vec![family_id]
        }
        None => {
            if input.kind == PlanKind::FamilyNetwork {
                errors.push(UserError::new(
                    "familyId",
                    UserErrorCode::Required,
                    "a family network plan is made with a family",
                ));
            }
            family_member::Entity::find()
                .filter(family_member::Column::PersonId.eq(child_id))
                .filter(family_member::Column::EndedOn.is_null())
                .all(txn)
                .await?
                .into_iter()
                .map(|m| m.family_id)
                .collect()
        }
    };
    Ok(family_network::Entity::find()
        .filter(family_network::Column::FamilyId.is_in(family_ids))
        .all(txn)
        .await?
        .into_iter()
        .map(|n| n.id)
        .collect())
}

pub(crate) async fn insert_goals<C: ConnectionTrait>(
    db: &C,
    plan_id: Uuid,
    goals: &[NewGoal],
) -> StoreResult<()> {
    if goals.is_empty() {
        return Ok(());
    }
    plan_goal::Entity::insert_many(goals.iter().map(|goal| plan_goal::ActiveModel {
        id: Set(Uuid::now_v7()),
        plan_id: Set(plan_id),
        description: Set(goal.description.trim().to_owned()),
        owner_practitioner_id: Set(goal.owner_practitioner_id),
        owner_network_member_id: Set(goal.owner_network_member_id),
        achieved: Set(false),
    }))
    .exec(db)
    .await?;
    Ok(())
}

/// Reviews a plan (bumping its version).
pub async fn review_plan(
    db: &DatabaseConnection,
    actor: &Actor,
    plan_id: Uuid,
    expected_version: i32,
    reviewed_on: NaiveDate,
    outcome: String,
) -> StoreResult<Outcome<plan::Model>> {
    let txn = crate::db::begin_write(db).await?;
    let Some(current) = visible_plan(&txn, actor, plan_id).await? else {
        return Ok(Err(unknown("planId", "plan")));
    };
    let mut errors = check_required("outcome", &outcome);
    errors.extend(check_follow_up_date(
        "reviewedOn",
        reviewed_on,
        current.started_on,
        actor.today(),
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
    bump_plan(&txn, plan_id, expected_version, None).await?;
    plan_review::Entity::insert(plan_review::ActiveModel {
        id: Set(Uuid::now_v7()),
        plan_id: Set(plan_id),
        reviewed_on: Set(reviewed_on),
        outcome: Set(outcome.trim().to_owned()),
    })
    .exec(&txn)
    .await?;
    Change {
        event_type: "PlanReviewed",
        record_type: "Plan",
        record_id: plan_id,
        payload: json!({ "planId": plan_id, "reviewedOn": reviewed_on }),
        actor,
    }
    .record(&txn)
    .await?;
    let saved = plan::Entity::find_by_id(plan_id).one(&txn).await?;
    finish(txn, saved).await
}

/// Ends a plan.
pub async fn end_plan(
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
    let mut errors = check_follow_up_date("endedOn", ended_on, current.started_on, actor.today());
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
    if current.kind == PlanKind::ChildProtection.code() {
        // The lead child protection practitioner's allocation ends with the plan.
        super::child_protection::release_lcpp_if_done(
            &txn,
            current.person_id,
            ended_on,
            "Child protection plan ended",
        )
        .await?;
    }
    Change {
        event_type: "PlanEnded",
        record_type: "Plan",
        record_id: plan_id,
        payload: json!({ "planId": plan_id, "endedOn": ended_on }),
        actor,
    }
    .record(&txn)
    .await?;
    let saved = plan::Entity::find_by_id(plan_id).one(&txn).await?;
    finish(txn, saved).await
}

/// Optimistically bumps a plan's version (and ends it, when `ended_on` is given).
pub(crate) async fn bump_plan<C: ConnectionTrait>(
    db: &C,
    plan_id: Uuid,
    expected_version: i32,
    ended_on: Option<NaiveDate>,
) -> StoreResult<()> {
    let mut update = plan::Entity::update_many()
        .col_expr(plan::Column::Version, Expr::value(expected_version + 1))
        .filter(plan::Column::Id.eq(plan_id))
        .filter(plan::Column::Version.eq(expected_version));
    if let Some(ended_on) = ended_on {
        update = update.col_expr(plan::Column::EndedOn, Expr::value(ended_on));
    }
    let result = update.exec(db).await?;
    expect_one_row(result.rows_affected, "Plan", plan_id, expected_version)
}

/// Records a visit to a child.
pub async fn record_visit(
    db: &DatabaseConnection,
    actor: &Actor,
    child_id: Uuid,
    plan_id: Option<Uuid>,
    visited_on: NaiveDate,
    seen: bool,
    seen_alone: bool,
) -> StoreResult<Outcome<visit::Model>> {
    let txn = crate::db::begin_write(db).await?;
    let Some(child) = visible_person(&txn, actor, child_id).await? else {
        return Ok(Err(unknown("childId", "child")));
    };
    let mut errors = check_case_date("visitedOn", visited_on, child.date_of_birth, actor.today());
    if seen_alone && !seen {
        errors.push(UserError::new(
            "seenAlone",
            UserErrorCode::InvalidValue,
            "a child seen alone was seen",
        ));
    }
    if let Some(plan_id) = plan_id
        && visible_plan(&txn, actor, plan_id)
            .await?
            .is_none_or(|p| p.person_id != child.id)
    {
        errors.extend(unknown("planId", "plan for this child"));
    }
    if !errors.is_empty() {
        return Ok(Err(errors));
    }
    let practitioner_id = super::acting_practitioner(&txn, actor).await?.map(|p| p.id);
    let id = Uuid::now_v7();
    visit::Entity::insert(visit::ActiveModel {
        id: Set(id),
        person_id: Set(child.id),
        plan_id: Set(plan_id),
        practitioner_id: Set(practitioner_id),
        visited_on: Set(visited_on),
        seen: Set(seen),
        seen_alone: Set(seen_alone),
    })
    .exec(&txn)
    .await?;
    Change {
        event_type: "VisitRecorded",
        record_type: "Visit",
        record_id: id,
        payload: json!({ "visitId": id, "childId": child.id, "seen": seen, "seenAlone": seen_alone }),
        actor,
    }
    .record(&txn)
    .await?;
    let saved = visit::Entity::find_by_id(id).one(&txn).await?;
    finish(txn, saved).await
}

/// Closes a Family Help episode with a reason; refused while any of the child's plans is open.
/// The lead practitioner's allocation ends with it.
pub async fn close_episode(
    db: &DatabaseConnection,
    actor: &Actor,
    episode_id: Uuid,
    expected_version: i32,
    ended_on: NaiveDate,
    reason: ClosureReason,
) -> StoreResult<Outcome<family_help_episode::Model>> {
    let txn = crate::db::begin_write(db).await?;
    let Some(episode) = family_help_episode::Entity::find_by_id(episode_id)
        .filter(family_help_episode::Entity::scope_condition(&actor.scope))
        .one(&txn)
        .await?
    else {
        return Ok(Err(unknown("episodeId", "Family Help episode")));
    };
    let open_plans = plan::Entity::find()
        .filter(plan::Column::PersonId.eq(episode.person_id))
        .filter(plan::Column::EndedOn.is_null())
        .count(&txn)
        .await?;
    let mut errors = check_episode_can_close(open_plans as usize);
    errors.extend(check_follow_up_date(
        "endedOn",
        ended_on,
        episode.started_on,
        actor.today(),
    ));
    if episode.ended_on.is_some() {
        errors.push(UserError::new(
            "episodeId",
            UserErrorCode::AlreadyClosed,
            "the episode is already closed",
        ));
    }
    if !errors.is_empty() {
        return Ok(Err(errors));
    }
    let result = family_help_episode::Entity::update_many()
        .col_expr(family_help_episode::Column::EndedOn, Expr::value(ended_on))
        .col_expr(
            family_help_episode::Column::ClosureReason,
            Expr::value(reason.code()),
        )
        .col_expr(
            family_help_episode::Column::Version,
            Expr::value(expected_version + 1),
        )
        .filter(family_help_episode::Column::Id.eq(episode_id))
        .filter(family_help_episode::Column::Version.eq(expected_version))
        .exec(&txn)
        .await?;
    expect_one_row(
        result.rows_affected,
        "FamilyHelpEpisode",
        episode_id,
        expected_version,
    )?;
    involvement::Entity::update_many()
        .col_expr(involvement::Column::EndedOn, Expr::value(ended_on))
        .col_expr(
            involvement::Column::ChangeReason,
            Expr::value(crate::measures::EPISODE_CLOSED),
        )
        .col_expr(
            involvement::Column::Version,
            Expr::col(involvement::Column::Version).add(1),
        )
        .filter(involvement::Column::PersonId.eq(episode.person_id))
        .filter(involvement::Column::Role.eq(InvolvementRole::FamilyHelpLead.code()))
        .filter(involvement::Column::EndedOn.is_null())
        .exec(&txn)
        .await?;
    Change {
        event_type: "FamilyHelpEpisodeClosed",
        record_type: "FamilyHelpEpisode",
        record_id: episode_id,
        payload: json!({ "episodeId": episode_id, "reason": reason.code(), "endedOn": ended_on }),
        actor,
    }
    .record(&txn)
    .await?;
    let saved = family_help_episode::Entity::find_by_id(episode_id)
        .one(&txn)
        .await?;
    finish(txn, saved).await
}
