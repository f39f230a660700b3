//! Information-sharing decisions: to share information about a child with an agency, or to
//! withhold it because sharing would be more detrimental to the child.

use async_graphql::{Context, ID, Object};
use chrono::{DateTime, NaiveDate, Utc};
use familygraph_domain::{LawfulBasis, ShareDecision};
use familygraph_store::entity::{agency, information_share, person};

use super::agency::Agency;
use super::person::Person;
use super::stored;
use crate::context::request;
use crate::error::ApiResult;
use crate::global_id;

/// A decision to share information about a child with an agency (the recipient, or the agency
/// that asked), or to withhold it, with the lawful basis relied on and the reason.
#[derive(Clone)]
pub struct InformationShare(pub(crate) information_share::Model);

#[Object]
impl InformationShare {
    /// Global id.
    pub async fn id(&self) -> ID {
        global_id::encode("InformationShare", self.0.id)
    }
    /// `SHARE` or `WITHHOLD`.
    async fn decision(&self) -> ApiResult<ShareDecision> {
        stored("share decision", &self.0.decision, ShareDecision::from_code)
    }
    /// The lawful basis relied on.
    async fn lawful_basis(&self) -> ApiResult<LawfulBasis> {
        stored("lawful basis", &self.0.lawful_basis, LawfulBasis::from_code)
    }
    /// Why; for a withholding, why sharing would be more detrimental to the child.
    async fn reason(&self) -> &str {
        &self.0.reason
    }
    /// When it was decided.
    async fn decided_on(&self) -> NaiveDate {
        self.0.decided_on
    }
    /// The identity-provider subject of whoever decided.
    async fn decided_by(&self) -> &str {
        &self.0.decided_by
    }
    /// When it was recorded.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// The agency the information goes to, or that asked for it.
    async fn agency(&self, ctx: &Context<'_>) -> ApiResult<Option<Agency>> {
        Ok(request(ctx)?
            .loaders
            .by_id::<agency::Entity>()
            .load_one(self.0.agency_id)
            .await?
            .map(Agency))
    }
    /// The child, if the caller may see them.
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
