//! Child protection (MACPT) mutations: strategy discussions, section 47 enquiries, initial
//! conferences and child protection plans with their reviews and end. The child's Family Help
//! lead practitioner stays allocated throughout: families stay rooted in Family Help.

use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use chrono::NaiveDate;
use familygraph_domain::workflow::Operation;
use familygraph_domain::{CategoryOfAbuse, Section47Outcome, StrategyDecision};
use familygraph_store::workflow::child_protection::{
    self, ConcludeSection47, NewChildProtectionPlan, NewConference, NewSection47Enquiry,
    NewStrategyDiscussion, NewStrategyParticipant, ReviewChildProtectionPlan,
};

use super::family_help::PlanPayload;
use super::{UserError, id_of, opt_id_of, split};
use crate::context::request;
use crate::error::ApiResult;
use crate::types::casework::{ChildProtectionConference, Section47Enquiry};
use crate::types::child_protection::StrategyDiscussion;
use crate::types::plan::Plan;

/// Child protection mutations.
#[derive(Default)]
pub struct ChildProtectionMutation;

/// An agency that took part in a strategy discussion.
#[derive(InputObject)]
pub struct StrategyParticipantInput {
    /// The agency (police force, health trust, school, the council...).
    pub agency_id: ID,
    /// The practitioner who represented it, when named; must work for that agency.
    pub practitioner_id: Option<ID>,
}

/// Recording a strategy discussion.
#[derive(InputObject)]
pub struct RecordStrategyDiscussionInput {
    /// Retrying with the same key returns the first discussion.
    pub idempotency_key: Option<String>,
    /// The child.
    pub child_id: ID,
    /// When it was held (not before the child's birth, not in the future).
    pub held_on: NaiveDate,
    /// The chair: a practitioner whose role is lead child protection practitioner.
    pub chair_practitioner_id: ID,
    /// The agencies that took part (at least one).
    pub participants: Vec<StrategyParticipantInput>,
    /// What it decided.
    pub decision: StrategyDecision,
}

/// Starting a section 47 enquiry.
#[derive(InputObject)]
pub struct StartSection47EnquiryInput {
    /// Retrying with the same key returns the first enquiry.
    pub idempotency_key: Option<String>,
    /// The child (whose latest strategy discussion decided on a section 47 enquiry).
    pub child_id: ID,
    /// Start date.
    pub started_on: NaiveDate,
    /// The lead child protection practitioner leading it; allocated to the child from the
    /// start date, alongside the Family Help lead.
    pub lead_practitioner_id: ID,
}

/// Concluding a section 47 enquiry.
#[derive(InputObject)]
pub struct ConcludeSection47EnquiryInput {
    /// The enquiry (still open).
    pub enquiry_id: ID,
    /// When (not before it started).
    pub concluded_on: NaiveDate,
    /// The outcome: an initial conference, no further action, or continuing with Family Help.
    pub outcome: Section47Outcome,
}

/// Recording an initial child protection conference.
#[derive(InputObject)]
pub struct RecordInitialConferenceInput {
    /// Retrying with the same key returns the first conference.
    pub idempotency_key: Option<String>,
    /// The child.
    pub child_id: ID,
    /// The section 47 enquiry that concluded with the decision to hold it.
    pub section47_enquiry_id: ID,
    /// When it was held.
    pub held_on: NaiveDate,
    /// Whether it decided on a child protection plan.
    pub cp_plan_started: bool,
}

/// Starting a child protection plan.
#[derive(InputObject)]
pub struct StartChildProtectionPlanInput {
    /// Retrying with the same key returns the first plan.
    pub idempotency_key: Option<String>,
    /// The child.
    pub child_id: ID,
    /// The initial child protection conference that decided on the plan (required by the
    /// rules: without one the plan is refused with `PLAN_REQUIRES_CONFERENCE`).
    pub conference_id: Option<ID>,
    /// Start date (not before the conference).
    pub started_on: NaiveDate,
    /// The initial category of abuse (CIN code); also the latest until a review changes it.
    pub initial_category: CategoryOfAbuse,
    /// The lead child protection practitioner; by default the one already allocated, or the
    /// one who led the section 47 enquiry.
    pub lead_practitioner_id: Option<ID>,
}

/// Reviewing a child protection plan.
#[derive(InputObject)]
pub struct ReviewChildProtectionPlanInput {
    /// The plan.
    pub plan_id: ID,
    /// The plan's version as last read (a stale one is a `CONFLICT`).
    pub version: i32,
    /// When.
    pub reviewed_on: NaiveDate,
    /// What the review decided.
    pub outcome: String,
    /// The latest category of abuse, when the review changed it.
    pub latest_category: Option<CategoryOfAbuse>,
}

/// Ending a child protection plan.
#[derive(InputObject)]
pub struct EndChildProtectionPlanInput {
    /// The plan.
    pub plan_id: ID,
    /// The plan's version as last read (a stale one is a `CONFLICT`).
    pub version: i32,
    /// When.
    pub ended_on: NaiveDate,
}

/// The result of recording a strategy discussion.
#[derive(SimpleObject)]
pub struct StrategyDiscussionPayload {
    /// The discussion, when the mutation succeeded.
    pub strategy_discussion: Option<StrategyDiscussion>,
    /// Business rules broken (nothing was written).
    pub user_errors: Vec<UserError>,
}

/// The result of a section 47 enquiry mutation.
#[derive(SimpleObject)]
pub struct Section47EnquiryPayload {
    /// The enquiry, when the mutation succeeded.
    pub enquiry: Option<Section47Enquiry>,
    /// Business rules broken (nothing was written).
    pub user_errors: Vec<UserError>,
}

/// The result of recording a conference.
#[derive(SimpleObject)]
pub struct ChildProtectionConferencePayload {
    /// The conference, when the mutation succeeded.
    pub conference: Option<ChildProtectionConference>,
    /// Business rules broken (nothing was written).
    pub user_errors: Vec<UserError>,
}

const CHILD_PROTECTION: &str = "do child protection work";

#[Object]
impl ChildProtectionMutation {
    /// Records a strategy discussion: chaired by a lead child protection practitioner, with the
    /// agencies that took part and its decision.
    async fn record_strategy_discussion(
        &self,
        ctx: &Context<'_>,
        input: RecordStrategyDiscussionInput,
    ) -> ApiResult<StrategyDiscussionPayload> {
        let rc = request(ctx)?;
        rc.require(Operation::ChildProtection, CHILD_PROTECTION)?;
        let mut participants = Vec::with_capacity(input.participants.len());
        for (index, participant) in input.participants.into_iter().enumerate() {
            participants.push(NewStrategyParticipant {
                agency_id: id_of(
                    &format!("input.participants.{index}.agencyId"),
                    "Agency",
                    &participant.agency_id,
                )?,
                practitioner_id: opt_id_of(
                    &format!("input.participants.{index}.practitionerId"),
                    "Practitioner",
                    participant.practitioner_id.as_ref(),
                )?,
            });
        }
        let command = NewStrategyDiscussion {
            idempotency_key: input.idempotency_key,
            child_id: id_of("input.childId", "Person", &input.child_id)?,
            held_on: input.held_on,
            chair_practitioner_id: id_of(
                "input.chairPractitionerId",
                "Practitioner",
                &input.chair_practitioner_id,
            )?,
            participants,
            decision: input.decision,
        };
        let outcome =
            child_protection::record_strategy_discussion(&rc.db, &rc.actor(), command).await?;
        let (strategy_discussion, user_errors) = split(outcome, StrategyDiscussion);
        Ok(StrategyDiscussionPayload {
            strategy_discussion,
            user_errors,
        })
    }

    /// Starts a section 47 enquiry after a strategy discussion that decided on one, led by a
    /// lead child protection practitioner (allocated alongside the Family Help lead).
    async fn start_section47_enquiry(
        &self,
        ctx: &Context<'_>,
        input: StartSection47EnquiryInput,
    ) -> ApiResult<Section47EnquiryPayload> {
        let rc = request(ctx)?;
        rc.require(Operation::ChildProtection, CHILD_PROTECTION)?;
        let command = NewSection47Enquiry {
            idempotency_key: input.idempotency_key,
            child_id: id_of("input.childId", "Person", &input.child_id)?,
            started_on: input.started_on,
            lead_practitioner_id: id_of(
                "input.leadPractitionerId",
                "Practitioner",
                &input.lead_practitioner_id,
            )?,
        };
        let outcome = child_protection::start_section47(&rc.db, &rc.actor(), command).await?;
        let (enquiry, user_errors) = split(outcome, Section47Enquiry);
        Ok(Section47EnquiryPayload {
            enquiry,
            user_errors,
        })
    }

    /// Concludes a section 47 enquiry with its outcome. Without a conference the lead child
    /// protection practitioner's allocation ends; the Family Help lead carries on.
    async fn conclude_section47_enquiry(
        &self,
        ctx: &Context<'_>,
        input: ConcludeSection47EnquiryInput,
    ) -> ApiResult<Section47EnquiryPayload> {
        let rc = request(ctx)?;
        rc.require(Operation::ChildProtection, CHILD_PROTECTION)?;
        let command = ConcludeSection47 {
            enquiry_id: id_of("input.enquiryId", "Section47Enquiry", &input.enquiry_id)?,
            concluded_on: input.concluded_on,
            outcome: input.outcome,
        };
        let outcome = child_protection::conclude_section47(&rc.db, &rc.actor(), command).await?;
        let (enquiry, user_errors) = split(outcome, Section47Enquiry);
        Ok(Section47EnquiryPayload {
            enquiry,
            user_errors,
        })
    }

    /// Records the initial child protection conference a section 47 enquiry led to, and
    /// whether it decided on a child protection plan.
    async fn record_initial_child_protection_conference(
        &self,
        ctx: &Context<'_>,
        input: RecordInitialConferenceInput,
    ) -> ApiResult<ChildProtectionConferencePayload> {
        let rc = request(ctx)?;
        rc.require(Operation::ChildProtection, CHILD_PROTECTION)?;
        let command = NewConference {
            idempotency_key: input.idempotency_key,
            child_id: id_of("input.childId", "Person", &input.child_id)?,
            section47_enquiry_id: id_of(
                "input.section47EnquiryId",
                "Section47Enquiry",
                &input.section47_enquiry_id,
            )?,
            held_on: input.held_on,
            cp_plan_started: input.cp_plan_started,
        };
        let outcome =
            child_protection::record_initial_conference(&rc.db, &rc.actor(), command).await?;
        let (conference, user_errors) = split(outcome, ChildProtectionConference);
        Ok(ChildProtectionConferencePayload {
            conference,
            user_errors,
        })
    }

    /// Starts a child protection plan from the conference that decided on it, with its initial
    /// category of abuse. The lead child protection practitioner is allocated in the MACPT;
    /// the Family Help lead practitioner stays allocated.
    async fn start_child_protection_plan(
        &self,
        ctx: &Context<'_>,
        input: StartChildProtectionPlanInput,
    ) -> ApiResult<PlanPayload> {
        let rc = request(ctx)?;
        rc.require(Operation::ChildProtection, CHILD_PROTECTION)?;
        let command = NewChildProtectionPlan {
            idempotency_key: input.idempotency_key,
            child_id: id_of("input.childId", "Person", &input.child_id)?,
            conference_id: opt_id_of(
                "input.conferenceId",
                "ChildProtectionConference",
                input.conference_id.as_ref(),
            )?,
            started_on: input.started_on,
            initial_category: input.initial_category,
            lead_practitioner_id: opt_id_of(
                "input.leadPractitionerId",
                "Practitioner",
                input.lead_practitioner_id.as_ref(),
            )?,
        };
        let outcome =
            child_protection::start_child_protection_plan(&rc.db, &rc.actor(), command).await?;
        let (plan, user_errors) = split(outcome, Plan);
        Ok(PlanPayload { plan, user_errors })
    }

    /// Reviews a child protection plan, optionally changing its latest category of abuse.
    async fn review_child_protection_plan(
        &self,
        ctx: &Context<'_>,
        input: ReviewChildProtectionPlanInput,
    ) -> ApiResult<PlanPayload> {
        let rc = request(ctx)?;
        rc.require(Operation::ChildProtection, CHILD_PROTECTION)?;
        let command = ReviewChildProtectionPlan {
            plan_id: id_of("input.planId", "Plan", &input.plan_id)?,
            expected_version: input.version,
            reviewed_on: input.reviewed_on,
            outcome: input.outcome,
            latest_category: input.latest_category,
        };
        let outcome =
            child_protection::review_child_protection_plan(&rc.db, &rc.actor(), command).await?;
        let (plan, user_errors) = split(outcome, Plan);
        Ok(PlanPayload { plan, user_errors })
    }

    /// Ends a child protection plan (a step-down to Family Help). The lead child protection
    /// practitioner's allocation ends with it; the Family Help lead stays.
    async fn end_child_protection_plan(
        &self,
        ctx: &Context<'_>,
        input: EndChildProtectionPlanInput,
    ) -> ApiResult<PlanPayload> {
        let rc = request(ctx)?;
        rc.require(Operation::ChildProtection, CHILD_PROTECTION)?;
        let plan_id = id_of("input.planId", "Plan", &input.plan_id)?;
        let outcome = child_protection::end_child_protection_plan(
            &rc.db,
            &rc.actor(),
            plan_id,
            input.version,
            input.ended_on,
        )
        .await?;
        let (plan, user_errors) = split(outcome, Plan);
        Ok(PlanPayload { plan, user_errors })
    }
}
