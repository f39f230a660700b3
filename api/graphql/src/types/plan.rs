//! Plans: Family Help, child in need, child protection and family network plans.

use async_graphql::{Context, ID, Object};
use chrono::NaiveDate;
use familygraph_domain::{CategoryOfAbuse, PlanKind};
use familygraph_store::entity::{
    family, network_member, person, plan, plan_goal, plan_review, practitioner, visit,
};

use super::casework::Visit;
use super::family::Family;
use super::family_network::NetworkMember;
use super::person::Person;
use super::team::Practitioner;
use super::{stored, stored_opt};
use crate::context::request;
use crate::error::ApiResult;
use crate::global_id;

/// A plan for a child.
#[derive(Clone)]
pub struct Plan(pub(crate) plan::Model);

/// A goal or action in a plan, with its owner.
#[derive(Clone)]
pub struct PlanGoal(pub(crate) plan_goal::Model);

/// A review of a plan.
#[derive(Clone)]
pub struct PlanReview(pub(crate) plan_review::Model);

#[Object]
impl Plan {
    /// Global id.
    pub async fn id(&self) -> ID {
        global_id::encode("Plan", self.0.id)
    }
    /// Which kind of plan.
    async fn kind(&self) -> ApiResult<PlanKind> {
        stored("plan kind", &self.0.kind, PlanKind::from_code)
    }
    /// Start date.
    async fn started_on(&self) -> NaiveDate {
        self.0.started_on
    }
    /// End date (none: open).
    async fn ended_on(&self) -> Option<NaiveDate> {
        self.0.ended_on
    }
    /// Whether the plan is open.
    async fn is_open(&self) -> bool {
        self.0.ended_on.is_none()
    }
    /// Child protection plans: the initial category of abuse.
    async fn initial_category(&self) -> ApiResult<Option<CategoryOfAbuse>> {
        stored_opt(
            "initial category",
            self.0.initial_category.as_deref(),
            CategoryOfAbuse::from_code,
        )
    }
    /// Child protection plans: the latest category of abuse.
    async fn latest_category(&self) -> ApiResult<Option<CategoryOfAbuse>> {
        stored_opt(
            "latest category",
            self.0.latest_category.as_deref(),
            CategoryOfAbuse::from_code,
        )
    }
    /// Version for optimistic concurrency.
    async fn version(&self) -> i32 {
        self.0.version
    }
    /// The child the plan is for.
    async fn child(&self, ctx: &Context<'_>) -> ApiResult<Option<Person>> {
        let rc = request(ctx)?;
        Ok(rc
            .loaders
            .by_id::<person::Entity>()
            .load_one(self.0.person_id)
            .await?
            .map(|model| Person::read(rc, model)))
    }
    /// The family the plan was made with, if any.
    async fn family(&self, ctx: &Context<'_>) -> ApiResult<Option<Family>> {
        let Some(family_id) = self.0.family_id else {
            return Ok(None);
        };
        let rc = request(ctx)?;
        Ok(rc
            .loaders
            .by_id::<family::Entity>()
            .load_one(family_id)
            .await?
            .map(|model| Family::read(rc, model)))
    }
    /// Goals and actions.
    async fn goals(&self, ctx: &Context<'_>) -> ApiResult<Option<Vec<PlanGoal>>> {
        let rows = request(ctx)?
            .loaders
            .has_many::<plan_goal::Entity>(plan_goal::Column::PlanId)
            .load_one(self.0.id)
            .await?
            .unwrap_or_default();
        Ok(Some(rows.into_iter().map(PlanGoal).collect()))
    }
    /// Reviews, oldest first.
    async fn reviews(&self, ctx: &Context<'_>) -> ApiResult<Option<Vec<PlanReview>>> {
        let mut rows = request(ctx)?
            .loaders
            .has_many::<plan_review::Entity>(plan_review::Column::PlanId)
            .load_one(self.0.id)
            .await?
            .unwrap_or_default();
        rows.sort_by_key(|row| row.reviewed_on);
        Ok(Some(rows.into_iter().map(PlanReview).collect()))
    }
    /// Visits made under this plan.
    async fn visits(&self, ctx: &Context<'_>) -> ApiResult<Option<Vec<Visit>>> {
        let rows = request(ctx)?
            .loaders
            .has_many::<visit::Entity>(visit::Column::PlanId)
            .load_one(self.0.id)
            .await?
            .unwrap_or_default();
        Ok(Some(rows.into_iter().map(Visit).collect()))
    }
}

#[Object]
impl PlanGoal {
    /// What the goal or action is.
    async fn description(&self) -> &str {
        &self.0.description
    }
    /// Whether it has been achieved.
    async fn achieved(&self) -> bool {
        self.0.achieved
    }
    /// The practitioner who owns it, if a practitioner does.
    async fn owner_practitioner(&self, ctx: &Context<'_>) -> ApiResult<Option<Practitioner>> {
        let Some(id) = self.0.owner_practitioner_id else {
            return Ok(None);
        };
        Ok(request(ctx)?
            .loaders
            .by_id::<practitioner::Entity>()
            .load_one(id)
            .await?
            .map(Practitioner))
    }
    /// The family network member who owns it, if one does.
    async fn owner_network_member(&self, ctx: &Context<'_>) -> ApiResult<Option<NetworkMember>> {
        let Some(id) = self.0.owner_network_member_id else {
            return Ok(None);
        };
        Ok(request(ctx)?
            .loaders
            .by_id::<network_member::Entity>()
            .load_one(id)
            .await?
            .map(NetworkMember))
    }
}

#[Object]
impl PlanReview {
    /// When the review took place.
    async fn reviewed_on(&self) -> NaiveDate {
        self.0.reviewed_on
    }
    /// What the review decided.
    async fn outcome(&self) -> &str {
        &self.0.outcome
    }
}
