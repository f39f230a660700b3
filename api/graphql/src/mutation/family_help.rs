//! Family Help mutations: episodes, the lead practitioner, assessments, plans, reviews,
//! visits, closure.

use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use chrono::NaiveDate;
use familygraph_domain::workflow::Operation;
use familygraph_domain::{AssessmentFactor, ClosureReason, FamilyHelpLevel, PlanKind};
use familygraph_store::workflow::family_help::{
    self, AllocateLead, NewAssessment, NewGoal, NewPlan, OpenEpisode,
};

use super::{UserError, id_of, opt_id_of, split};
use crate::context::request;
use crate::error::ApiResult;
use crate::types::casework::{Assessment, FamilyHelpEpisode, Involvement, Visit};
use crate::types::plan::Plan;

/// Family Help mutations.
#[derive(Default)]
pub struct FamilyHelpMutation;

/// Opening a Family Help episode.
#[derive(InputObject)]
pub struct OpenFamilyHelpEpisodeInput {
    /// Retrying with the same key returns the first episode.
    pub idempotency_key: Option<String>,
    /// The child.
    pub child_id: ID,
    /// The family the work is with.
    pub family_id: ID,
    /// Targeted early help or child in need.
    pub level: FamilyHelpLevel,
    /// Start date.
    pub started_on: NaiveDate,
    /// The Family Help lead practitioner, allocated from the start date.
    pub lead_practitioner_id: Option<ID>,
}

/// Allocating or changing the Family Help lead practitioner.
#[derive(InputObject)]
pub struct AllocateLeadPractitionerInput {
    /// The child.
    pub child_id: ID,
    /// The practitioner.
    pub practitioner_id: ID,
    /// From when.
    pub started_on: NaiveDate,
    /// Why the previous lead is changing (required when there is one).
    pub change_reason: Option<String>,
}

/// Recording a single assessment.
#[derive(InputObject)]
pub struct RecordAssessmentInput {
    /// Retrying with the same key returns the first assessment.
    pub idempotency_key: Option<String>,
    /// The child.
    pub child_id: ID,
    /// Started.
    pub started_on: NaiveDate,
    /// Authorised.
    pub authorised_on: Option<NaiveDate>,
    /// Whether the child was seen.
    pub child_seen: bool,
    /// Factors identified (CIN assessment factor codes).
    #[graphql(default)]
    pub factors: Vec<AssessmentFactor>,
    /// Outcome.
    pub outcome: Option<String>,
}

/// A goal or action, owned by a practitioner or a family network member.
#[derive(InputObject)]
pub struct PlanGoalInput {
    /// What it is.
    pub description: String,
    /// Owning practitioner.
    pub owner_practitioner_id: Option<ID>,
    /// Owning family network member.
    pub owner_network_member_id: Option<ID>,
}

/// Starting a Family Help, child-in-need or family network plan.
#[derive(InputObject)]
pub struct StartPlanInput {
    /// Retrying with the same key returns the first plan.
    pub idempotency_key: Option<String>,
    /// The child.
    pub child_id: ID,
    /// The family (for family network plans).
    pub family_id: Option<ID>,
    /// Which plan (child protection plans start from a conference instead).
    pub kind: PlanKind,
    /// Start.
    pub started_on: NaiveDate,
    /// Goals and actions.
    #[graphql(default)]
    pub goals: Vec<PlanGoalInput>,
}

/// Reviewing a plan.
#[derive(InputObject)]
pub struct ReviewPlanInput {
    /// The plan.
    pub plan_id: ID,
    /// The plan's version as last read.
    pub version: i32,
    /// When.
    pub reviewed_on: NaiveDate,
    /// What the review decided.
    pub outcome: String,
}

/// Ending a plan.
#[derive(InputObject)]
pub struct EndPlanInput {
    /// The plan.
    pub plan_id: ID,
    /// The plan's version as last read.
    pub version: i32,
    /// When.
    pub ended_on: NaiveDate,
}

/// Recording a visit.
#[derive(InputObject)]
pub struct RecordVisitInput {
    /// The child.
    pub child_id: ID,
    /// The plan it was made under.
    pub plan_id: Option<ID>,
    /// When.
    pub visited_on: NaiveDate,
    /// Whether the child was seen.
    pub seen: bool,
    /// Whether the child was seen alone.
    pub seen_alone: bool,
}

/// Closing a Family Help episode.
#[derive(InputObject)]
pub struct CloseFamilyHelpEpisodeInput {
    /// The episode.
    pub episode_id: ID,
    /// Its version as last read.
    pub version: i32,
    /// When.
    pub ended_on: NaiveDate,
    /// Reason for closure (CIN code).
    pub reason: ClosureReason,
}

/// The result of an episode mutation.
#[derive(SimpleObject)]
pub struct FamilyHelpEpisodePayload {
    /// The episode, when the mutation succeeded.
    pub episode: Option<FamilyHelpEpisode>,
    /// Business rules broken (nothing was written).
    pub user_errors: Vec<UserError>,
}

/// The result of an allocation.
#[derive(SimpleObject)]
pub struct InvolvementPayload {
    /// The new allocation, when the mutation succeeded.
    pub involvement: Option<Involvement>,
    /// Business rules broken (nothing was written).
    pub user_errors: Vec<UserError>,
}

/// The result of an assessment mutation.
#[derive(SimpleObject)]
pub struct AssessmentPayload {
    /// The assessment, when the mutation succeeded.
    pub assessment: Option<Assessment>,
    /// Business rules broken (nothing was written).
    pub user_errors: Vec<UserError>,
}

/// The result of a plan mutation.
#[derive(SimpleObject)]
pub struct PlanPayload {
    /// The plan, when the mutation succeeded.
    pub plan: Option<Plan>,
    /// Business rules broken (nothing was written).
    pub user_errors: Vec<UserError>,
}

/// The result of a visit mutation.
#[derive(SimpleObject)]
pub struct VisitPayload {
    /// The visit, when the mutation succeeded.
    pub visit: Option<Visit>,
    /// Business rules broken (nothing was written).
    pub user_errors: Vec<UserError>,
}

const CASEWORK: &str = "do Family Help casework";

#[Object]
impl FamilyHelpMutation {
    /// Opens a Family Help episode (at most one open per child) in the locality team covering
    /// the child's address, optionally allocating the lead practitioner.
    async fn open_family_help_episode(
        &self,
        ctx: &Context<'_>,
        input: OpenFamilyHelpEpisodeInput,
    ) -> ApiResult<FamilyHelpEpisodePayload> {
        let rc = request(ctx)?;
        rc.require(Operation::FamilyHelpCasework, CASEWORK)?;
        let command = OpenEpisode {
            idempotency_key: input.idempotency_key,
            child_id: id_of("input.childId", "Person", &input.child_id)?,
            family_id: id_of("input.familyId", "Family", &input.family_id)?,
            level: input.level,
            started_on: input.started_on,
            lead_practitioner_id: opt_id_of(
                "input.leadPractitionerId",
                "Practitioner",
                input.lead_practitioner_id.as_ref(),
            )?,
        };
        let outcome = family_help::open_episode(&rc.db, &rc.actor(), command).await?;
        let (episode, user_errors) = split(outcome, FamilyHelpEpisode);
        Ok(FamilyHelpEpisodePayload {
            episode,
            user_errors,
        })
    }

    /// Allocates the Family Help lead practitioner; changing one ends the previous allocation
    /// with the reason given (a hand-off). The lead stays through child protection work.
    async fn allocate_lead_practitioner(
        &self,
        ctx: &Context<'_>,
        input: AllocateLeadPractitionerInput,
    ) -> ApiResult<InvolvementPayload> {
        let rc = request(ctx)?;
        rc.require(Operation::FamilyHelpCasework, CASEWORK)?;
        let command = AllocateLead {
            child_id: id_of("input.childId", "Person", &input.child_id)?,
            practitioner_id: id_of(
                "input.practitionerId",
                "Practitioner",
                &input.practitioner_id,
            )?,
            started_on: input.started_on,
            change_reason: input.change_reason,
        };
        let outcome = family_help::allocate_lead_practitioner(&rc.db, &rc.actor(), command).await?;
        let (involvement, user_errors) = split(outcome, Involvement);
        Ok(InvolvementPayload {
            involvement,
            user_errors,
        })
    }

    /// Records a single assessment with its factors.
    async fn record_assessment(
        &self,
        ctx: &Context<'_>,
        input: RecordAssessmentInput,
    ) -> ApiResult<AssessmentPayload> {
        let rc = request(ctx)?;
        rc.require(Operation::FamilyHelpCasework, CASEWORK)?;
        let command = NewAssessment {
            idempotency_key: input.idempotency_key,
            child_id: id_of("input.childId", "Person", &input.child_id)?,
            started_on: input.started_on,
            authorised_on: input.authorised_on,
            child_seen: input.child_seen,
            factors: input.factors,
            outcome: input.outcome,
        };
        let outcome = family_help::record_assessment(&rc.db, &rc.actor(), command).await?;
        let (assessment, user_errors) = split(outcome, Assessment);
        Ok(AssessmentPayload {
            assessment,
            user_errors,
        })
    }

    /// Starts a Family Help, child-in-need or family network plan with its goals.
    async fn start_plan(&self, ctx: &Context<'_>, input: StartPlanInput) -> ApiResult<PlanPayload> {
        let rc = request(ctx)?;
        rc.require(Operation::FamilyHelpCasework, CASEWORK)?;
        let mut goals = Vec::with_capacity(input.goals.len());
        for (index, goal) in input.goals.into_iter().enumerate() {
            goals.push(NewGoal {
                description: goal.description,
                owner_practitioner_id: opt_id_of(
                    &format!("input.goals.{index}.ownerPractitionerId"),
                    "Practitioner",
                    goal.owner_practitioner_id.as_ref(),
                )?,
                owner_network_member_id: opt_id_of(
                    &format!("input.goals.{index}.ownerNetworkMemberId"),
                    "NetworkMember",
                    goal.owner_network_member_id.as_ref(),
                )?,
            });
        }
        let command = NewPlan {
            idempotency_key: input.idempotency_key,
            child_id: id_of("input.childId", "Person", &input.child_id)?,
            family_id: opt_id_of("input.familyId", "Family", input.family_id.as_ref())?,
            kind: input.kind,
            started_on: input.started_on,
            goals,
        };
        let outcome = family_help::start_plan(&rc.db, &rc.actor(), command).await?;
        let (plan, user_errors) = split(outcome, Plan);
        Ok(PlanPayload { plan, user_errors })
    }

    /// Records a review of a plan.
    async fn review_plan(
        &self,
        ctx: &Context<'_>,
        input: ReviewPlanInput,
    ) -> ApiResult<PlanPayload> {
        let rc = request(ctx)?;
        rc.require(Operation::FamilyHelpCasework, CASEWORK)?;
        let plan_id = id_of("input.planId", "Plan", &input.plan_id)?;
        let outcome = family_help::review_plan(
            &rc.db,
            &rc.actor(),
            plan_id,
            input.version,
            input.reviewed_on,
            input.outcome,
        )
        .await?;
        let (plan, user_errors) = split(outcome, Plan);
        Ok(PlanPayload { plan, user_errors })
    }

    /// Ends a plan.
    async fn end_plan(&self, ctx: &Context<'_>, input: EndPlanInput) -> ApiResult<PlanPayload> {
        let rc = request(ctx)?;
        rc.require(Operation::FamilyHelpCasework, CASEWORK)?;
        let plan_id = id_of("input.planId", "Plan", &input.plan_id)?;
        let outcome =
            family_help::end_plan(&rc.db, &rc.actor(), plan_id, input.version, input.ended_on)
                .await?;
        let (plan, user_errors) = split(outcome, Plan);
        Ok(PlanPayload { plan, user_errors })
    }

    /// Records a visit to a child (seen, seen alone).
    async fn record_visit(
        &self,
        ctx: &Context<'_>,
        input: RecordVisitInput,
    ) -> ApiResult<VisitPayload> {
        let rc = request(ctx)?;
        rc.require(Operation::FamilyHelpCasework, CASEWORK)?;
        let child_id = id_of("input.childId", "Person", &input.child_id)?;
        let plan_id = opt_id_of("input.planId", "Plan", input.plan_id.as_ref())?;
        let outcome = family_help::record_visit(
            &rc.db,
            &rc.actor(),
            child_id,
            plan_id,
            input.visited_on,
            input.seen,
            input.seen_alone,
        )
        .await?;
        let (visit, user_errors) = split(outcome, Visit);
        Ok(VisitPayload { visit, user_errors })
    }

    /// Closes a Family Help episode with a reason; refused while any of the child's plans is
    /// open. The lead practitioner's allocation ends with it.
    async fn close_family_help_episode(
        &self,
        ctx: &Context<'_>,
        input: CloseFamilyHelpEpisodeInput,
    ) -> ApiResult<FamilyHelpEpisodePayload> {
        let rc = request(ctx)?;
        rc.require(Operation::FamilyHelpCasework, CASEWORK)?;
        let episode_id = id_of("input.episodeId", "FamilyHelpEpisode", &input.episode_id)?;
        let outcome = family_help::close_episode(
            &rc.db,
            &rc.actor(),
            episode_id,
            input.version,
            input.ended_on,
            input.reason,
        )
        .await?;
        let (episode, user_errors) = split(outcome, FamilyHelpEpisode);
        Ok(FamilyHelpEpisodePayload {
            episode,
            user_errors,
        })
    }
}
