//! Child protection (MACPT): strategy discussions and the agencies that took part in them.

use async_graphql::{Context, ID, Object};
use chrono::{DateTime, NaiveDate, Utc};
use familygraph_domain::StrategyDecision;
use familygraph_store::entity::{
    agency, person, practitioner, strategy_discussion, strategy_participant,
};

use super::agency::Agency;
use super::person::Person;
use super::stored_opt;
use super::team::Practitioner;
use crate::context::request;
use crate::error::ApiResult;
use crate::global_id;

/// A multi-agency child protection strategy discussion about a child, chaired by a lead child
/// protection practitioner, with the agencies that took part and what it decided.
#[derive(Clone)]
pub struct StrategyDiscussion(pub(crate) strategy_discussion::Model);

/// An agency that took part in a strategy discussion, and the practitioner who represented it
/// when named.
#[derive(Clone)]
pub struct StrategyParticipant(pub(crate) strategy_participant::Model);

#[Object]
impl StrategyDiscussion {
    /// Global id.
    pub async fn id(&self) -> ID {
        global_id::encode("StrategyDiscussion", self.0.id)
    }
    /// When it was held.
    async fn held_on(&self) -> NaiveDate {
        self.0.held_on
    }
    /// What it decided: a section 47 enquiry, no further action, or continuing with Family
    /// Help.
    async fn decision(&self) -> ApiResult<Option<StrategyDecision>> {
        stored_opt(
            "strategy decision",
            self.0.decision.as_deref(),
            StrategyDecision::from_code,
        )
    }
    /// When it was recorded.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// The lead child protection practitioner who chaired it.
    async fn chair(&self, ctx: &Context<'_>) -> ApiResult<Option<Practitioner>> {
        Ok(request(ctx)?
            .loaders
            .by_id::<practitioner::Entity>()
            .load_one(self.0.chair_practitioner_id)
            .await?
            .map(Practitioner))
    }
    /// The agencies (and practitioners) that took part, in the order recorded.
    async fn participants(&self, ctx: &Context<'_>) -> ApiResult<Vec<StrategyParticipant>> {
        let rows = request(ctx)?
            .loaders
            .has_many::<strategy_participant::Entity>(
                strategy_participant::Column::StrategyDiscussionId,
            )
            .load_one(self.0.id)
            .await?
            .unwrap_or_default();
        Ok(rows.into_iter().map(StrategyParticipant).collect())
    }
    /// The child.
    async fn child(&self, ctx: &Context<'_>) -> ApiResult<Option<Person>> {
        let rc = request(ctx)?;
        Ok(rc
            .loaders
            .by_id::<person::Entity>()
            .load_one(self.0.person_id)
            .await?
            .map(|model| Person::read(rc, model)))
    }
}

#[Object]
impl StrategyParticipant {
    /// The participating agency (police, health, education, the council...).
    async fn agency(&self, ctx: &Context<'_>) -> ApiResult<Option<Agency>> {
        Ok(request(ctx)?
            .loaders
            .by_id::<agency::Entity>()
            .load_one(self.0.agency_id)
            .await?
            .map(Agency))
    }
    /// The practitioner who represented the agency, when named.
    async fn practitioner(&self, ctx: &Context<'_>) -> ApiResult<Option<Practitioner>> {
        let Some(id) = self.0.practitioner_id else {
            return Ok(None);
        };
        Ok(request(ctx)?
            .loaders
            .by_id::<practitioner::Entity>()
            .load_one(id)
            .await?
            .map(Practitioner))
    }
}
