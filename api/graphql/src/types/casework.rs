//! The work done with a child: allocations, front-door contacts, referrals, Family Help
//! episodes, assessments, child protection enquiries and conferences, visits.

use async_graphql::{Context, ID, Object};
use chrono::{DateTime, NaiveDate, Utc};
use familygraph_domain::{
    AssessmentFactor, ClosureReason, FamilyHelpLevel, InvolvementRole, PrimaryNeed, ReferralSource,
    Section47Outcome, TriageDecision,
};
use familygraph_store::entity::{
    assessment, assessment_factor, contact, cp_conference, family, family_help_episode,
    involvement, person, plan, practitioner, referral, section47_enquiry, team, visit,
};
use uuid::Uuid;

use super::family::Family;
use super::person::Person;
use super::plan::Plan;
use super::team::{Practitioner, Team};
use super::{stored, stored_opt};
use crate::context::{RequestContext, request};
use crate::error::ApiResult;
use crate::global_id;

/// A practitioner's allocation to a child in a role. A change of lead practitioner ends one
/// involvement (with a reason) and starts another: hand-offs are counted from these.
#[derive(Clone)]
pub struct Involvement(pub(crate) involvement::Model);

/// A contact received by the Integrated Front Door.
#[derive(Clone)]
pub struct Contact(pub(crate) contact::Model);

/// A referral: the start of a child-in-need episode.
#[derive(Clone)]
pub struct Referral(pub(crate) referral::Model);

/// A Family Help episode (targeted early help or section 17 child in need).
#[derive(Clone)]
pub struct FamilyHelpEpisode(pub(crate) family_help_episode::Model);

/// A single assessment.
#[derive(Clone)]
pub struct Assessment(pub(crate) assessment::Model);

/// A section 47 enquiry.
#[derive(Clone)]
pub struct Section47Enquiry(pub(crate) section47_enquiry::Model);

/// An initial child protection conference.
#[derive(Clone)]
pub struct ChildProtectionConference(pub(crate) cp_conference::Model);

/// A visit to a child.
#[derive(Clone)]
pub struct Visit(pub(crate) visit::Model);

async fn child(rc: &RequestContext, id: Uuid) -> ApiResult<Option<Person>> {
    Ok(rc
        .loaders
        .by_id::<person::Entity>()
        .load_one(id)
        .await?
        .map(|model| Person::read(rc, model)))
}

async fn practitioner(rc: &RequestContext, id: Option<Uuid>) -> ApiResult<Option<Practitioner>> {
    let Some(id) = id else { return Ok(None) };
    Ok(rc
        .loaders
        .by_id::<practitioner::Entity>()
        .load_one(id)
        .await?
        .map(Practitioner))
}

async fn team(rc: &RequestContext, id: Option<Uuid>) -> ApiResult<Option<Team>> {
    let Some(id) = id else { return Ok(None) };
    Ok(rc
        .loaders
        .by_id::<team::Entity>()
        .load_one(id)
        .await?
        .map(Team))
}

async fn family(rc: &RequestContext, id: Option<Uuid>) -> ApiResult<Option<Family>> {
    let Some(id) = id else { return Ok(None) };
    Ok(rc
        .loaders
        .by_id::<family::Entity>()
        .load_one(id)
        .await?
        .map(|model| Family::read(rc, model)))
}

#[Object]
impl Involvement {
    /// Global id.
    pub async fn id(&self) -> ID {
        global_id::encode("Involvement", self.0.id)
    }
    /// Version for optimistic concurrency: send it back when changing the record.
    async fn version(&self) -> i32 {
        self.0.version
    }
    /// The role the practitioner holds for the child.
    async fn role(&self) -> ApiResult<InvolvementRole> {
        stored("involvement role", &self.0.role, InvolvementRole::from_code)
    }
    /// Allocated on.
    async fn started_on(&self) -> NaiveDate {
        self.0.started_on
    }
    /// Ended on (none: current).
    async fn ended_on(&self) -> Option<NaiveDate> {
        self.0.ended_on
    }
    /// Why the allocation ended (the reason for a hand-off).
    async fn change_reason(&self) -> Option<&str> {
        self.0.change_reason.as_deref()
    }
    /// The practitioner.
    async fn practitioner(&self, ctx: &Context<'_>) -> ApiResult<Option<Practitioner>> {
        practitioner(request(ctx)?, Some(self.0.practitioner_id)).await
    }
    /// The team the allocation is held in.
    async fn team(&self, ctx: &Context<'_>) -> ApiResult<Option<Team>> {
        team(request(ctx)?, self.0.team_id).await
    }
    /// The child.
    async fn child(&self, ctx: &Context<'_>) -> ApiResult<Option<Person>> {
        child(request(ctx)?, self.0.person_id).await
    }
}

#[Object]
impl Contact {
    /// Global id.
    pub async fn id(&self) -> ID {
        global_id::encode("Contact", self.0.id)
    }
    /// Version for optimistic concurrency: send it back when changing the record.
    async fn version(&self) -> i32 {
        self.0.version
    }
    /// When the front door received it.
    async fn received_at(&self) -> DateTime<Utc> {
        self.0.received_at
    }
    /// Who made contact (CIN referral source code).
    async fn source(&self) -> ApiResult<ReferralSource> {
        stored("referral source", &self.0.source, ReferralSource::from_code)
    }
    /// The concerns presented.
    async fn presenting_concern(&self) -> &str {
        &self.0.presenting_concern
    }
    /// Who recorded it, in their own words (name and agency).
    async fn recorded_by(&self) -> Option<&str> {
        self.0.recorded_by.as_deref()
    }
    /// The triage decision, once made.
    async fn triage_decision(&self) -> ApiResult<Option<TriageDecision>> {
        stored_opt(
            "triage decision",
            self.0.triage_decision.as_deref(),
            TriageDecision::from_code,
        )
    }
    /// Why that decision.
    async fn triage_reason(&self) -> Option<&str> {
        self.0.triage_reason.as_deref()
    }
    /// When it was decided.
    async fn decided_at(&self) -> Option<DateTime<Utc>> {
        self.0.decided_at
    }
    /// Minutes from contact to decision.
    async fn minutes_to_decision(&self) -> Option<i64> {
        self.0
            .decided_at
            .map(|decided| (decided - self.0.received_at).num_minutes())
    }
    /// Who decided.
    async fn decided_by(&self, ctx: &Context<'_>) -> ApiResult<Option<Practitioner>> {
        practitioner(request(ctx)?, self.0.decided_by_id).await
    }
    /// The team it was routed to.
    async fn routed_team(&self, ctx: &Context<'_>) -> ApiResult<Option<Team>> {
        team(request(ctx)?, self.0.routed_team_id).await
    }
    /// The child.
    async fn child(&self, ctx: &Context<'_>) -> ApiResult<Option<Person>> {
        child(request(ctx)?, self.0.person_id).await
    }
    /// The family.
    async fn family(&self, ctx: &Context<'_>) -> ApiResult<Option<Family>> {
        family(request(ctx)?, self.0.family_id).await
    }
}

#[Object]
impl Referral {
    /// Global id.
    pub async fn id(&self) -> ID {
        global_id::encode("Referral", self.0.id)
    }
    /// Referral date.
    async fn referral_on(&self) -> NaiveDate {
        self.0.referral_on
    }
    /// Source (CIN code).
    async fn source(&self) -> ApiResult<ReferralSource> {
        stored("referral source", &self.0.source, ReferralSource::from_code)
    }
    /// Primary need (CIN code N0–N9).
    async fn primary_need(&self) -> ApiResult<PrimaryNeed> {
        stored("primary need", &self.0.primary_need, PrimaryNeed::from_code)
    }
    /// Whether the referral led to no further action (the CIN census `ReferralNFA`); null
    /// when not recorded.
    async fn no_further_action(&self) -> Option<bool> {
        self.0.no_further_action
    }
    /// The child.
    async fn child(&self, ctx: &Context<'_>) -> ApiResult<Option<Person>> {
        child(request(ctx)?, self.0.person_id).await
    }
}

#[Object]
impl FamilyHelpEpisode {
    /// Global id.
    pub async fn id(&self) -> ID {
        global_id::encode("FamilyHelpEpisode", self.0.id)
    }
    /// Version for optimistic concurrency: send it back when changing the record.
    async fn version(&self) -> i32 {
        self.0.version
    }
    /// Targeted early help or child in need.
    async fn level(&self) -> ApiResult<FamilyHelpLevel> {
        stored(
            "family help level",
            &self.0.level,
            FamilyHelpLevel::from_code,
        )
    }
    /// Start.
    async fn started_on(&self) -> NaiveDate {
        self.0.started_on
    }
    /// End (none: open).
    async fn ended_on(&self) -> Option<NaiveDate> {
        self.0.ended_on
    }
    /// Reason for closure (CIN code RC1–RC9).
    async fn closure_reason(&self) -> ApiResult<Option<ClosureReason>> {
        stored_opt(
            "closure reason",
            self.0.closure_reason.as_deref(),
            ClosureReason::from_code,
        )
    }
    /// The team working with the family.
    async fn team(&self, ctx: &Context<'_>) -> ApiResult<Option<Team>> {
        team(request(ctx)?, self.0.team_id).await
    }
    /// The child.
    async fn child(&self, ctx: &Context<'_>) -> ApiResult<Option<Person>> {
        child(request(ctx)?, self.0.person_id).await
    }
    /// The family.
    async fn family(&self, ctx: &Context<'_>) -> ApiResult<Option<Family>> {
        family(request(ctx)?, Some(self.0.family_id)).await
    }
}

#[Object]
impl Assessment {
    /// Global id.
    pub async fn id(&self) -> ID {
        global_id::encode("Assessment", self.0.id)
    }
    /// Started.
    async fn started_on(&self) -> NaiveDate {
        self.0.started_on
    }
    /// Authorised.
    async fn authorised_on(&self) -> Option<NaiveDate> {
        self.0.authorised_on
    }
    /// Whether the child was seen.
    async fn child_seen(&self) -> bool {
        self.0.child_seen
    }
    /// Outcome.
    async fn outcome(&self) -> Option<&str> {
        self.0.outcome.as_deref()
    }
    /// Factors identified (CIN assessment factor codes).
    async fn factors(&self, ctx: &Context<'_>) -> ApiResult<Option<Vec<AssessmentFactor>>> {
        let rows = request(ctx)?
            .loaders
            .has_many::<assessment_factor::Entity>(assessment_factor::Column::AssessmentId)
            .load_one(self.0.id)
            .await?
            .unwrap_or_default();
        rows.iter()
            .map(|row| stored("assessment factor", &row.code, AssessmentFactor::from_code))
            .collect::<ApiResult<Vec<_>>>()
            .map(Some)
    }
}

#[Object]
impl Section47Enquiry {
    /// Global id.
    pub async fn id(&self) -> ID {
        global_id::encode("Section47Enquiry", self.0.id)
    }
    /// Started.
    async fn started_on(&self) -> NaiveDate {
        self.0.started_on
    }
    /// Concluded.
    async fn concluded_on(&self) -> Option<NaiveDate> {
        self.0.concluded_on
    }
    /// Outcome.
    async fn outcome(&self) -> ApiResult<Option<Section47Outcome>> {
        stored_opt(
            "section 47 outcome",
            self.0.outcome.as_deref(),
            Section47Outcome::from_code,
        )
    }
    /// The lead child protection practitioner.
    async fn lead_practitioner(&self, ctx: &Context<'_>) -> ApiResult<Option<Practitioner>> {
        practitioner(request(ctx)?, self.0.lead_practitioner_id).await
    }
}

#[Object]
impl ChildProtectionConference {
    /// Global id.
    pub async fn id(&self) -> ID {
        global_id::encode("ChildProtectionConference", self.0.id)
    }
    /// When it was held.
    async fn held_on(&self) -> NaiveDate {
        self.0.held_on
    }
    /// Whether it started a child protection plan.
    async fn cp_plan_started(&self) -> bool {
        self.0.cp_plan_started
    }
}

#[Object]
impl Visit {
    /// Global id.
    pub async fn id(&self) -> ID {
        global_id::encode("Visit", self.0.id)
    }
    /// Date.
    async fn visited_on(&self) -> NaiveDate {
        self.0.visited_on
    }
    /// Whether the child was seen.
    async fn seen(&self) -> bool {
        self.0.seen
    }
    /// Whether the child was seen alone.
    async fn seen_alone(&self) -> bool {
        self.0.seen_alone
    }
    /// Who visited.
    async fn practitioner(&self, ctx: &Context<'_>) -> ApiResult<Option<Practitioner>> {
        practitioner(request(ctx)?, self.0.practitioner_id).await
    }
    /// The plan the visit was made under.
    async fn plan(&self, ctx: &Context<'_>) -> ApiResult<Option<Plan>> {
        let Some(id) = self.0.plan_id else {
            return Ok(None);
        };
        Ok(request(ctx)?
            .loaders
            .by_id::<plan::Entity>()
            .load_one(id)
            .await?
            .map(Plan))
    }
}
