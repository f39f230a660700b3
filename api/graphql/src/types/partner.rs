//! What partner agencies recorded: concerns (which became front-door contacts) and support
//! given in universal services, each with its source agency and lawful basis.

use async_graphql::{Context, ID, Object};
use chrono::{DateTime, NaiveDate, Utc};
use familygraph_domain::{LawfulBasis, PartnerRecordKind};
use familygraph_store::entity::{agency, contact, family, partner_record, person};

use super::agency::Agency;
use super::casework::Contact;
use super::family::Family;
use super::person::Person;
use super::stored;
use crate::context::request;
use crate::error::ApiResult;
use crate::global_id;

/// A concern or support recorded by a partner agency (school, early years setting, VCS group,
/// health visitor), with the agency it came from and the lawful basis it was shared under.
#[derive(Clone)]
pub struct PartnerRecord(pub(crate) partner_record::Model);

#[Object]
impl PartnerRecord {
    /// Global id.
    pub async fn id(&self) -> ID {
        global_id::encode("PartnerRecord", self.0.id)
    }
    /// A concern (passed to the front door) or support the partner gave.
    async fn kind(&self) -> ApiResult<PartnerRecordKind> {
        stored(
            "partner record kind",
            &self.0.kind,
            PartnerRecordKind::from_code,
        )
    }
    /// What the partner recorded.
    async fn description(&self) -> &str {
        &self.0.description
    }
    /// When it happened.
    async fn occurred_on(&self) -> NaiveDate {
        self.0.occurred_on
    }
    /// The lawful basis the partner shared it under.
    async fn lawful_basis(&self) -> ApiResult<LawfulBasis> {
        stored("lawful basis", &self.0.lawful_basis, LawfulBasis::from_code)
    }
    /// The identity-provider subject of whoever recorded it.
    async fn recorded_by(&self) -> &str {
        &self.0.recorded_by
    }
    /// When it was recorded.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// The partner agency it came from.
    async fn agency(&self, ctx: &Context<'_>) -> ApiResult<Option<Agency>> {
        Ok(request(ctx)?
            .loaders
            .by_id::<agency::Entity>()
            .load_one(self.0.agency_id)
            .await?
            .map(Agency))
    }
    /// The child it is about, if the caller may see them.
    async fn child(&self, ctx: &Context<'_>) -> ApiResult<Option<Person>> {
        let Some(id) = self.0.person_id else {
            return Ok(None);
        };
        let rc = request(ctx)?;
        Ok(rc
            .loaders
            .by_id::<person::Entity>()
            .load_one(id)
            .await?
            .map(|model| Person::read(rc, model)))
    }
    /// The family it is about, if the caller may see it.
    async fn family(&self, ctx: &Context<'_>) -> ApiResult<Option<Family>> {
        let Some(id) = self.0.family_id else {
            return Ok(None);
        };
        let rc = request(ctx)?;
        Ok(rc
            .loaders
            .by_id::<family::Entity>()
            .load_one(id)
            .await?
            .map(|model| Family::read(rc, model)))
    }
    /// The front-door contact a concern became, if the caller may see it.
    async fn contact(&self, ctx: &Context<'_>) -> ApiResult<Option<Contact>> {
        let Some(id) = self.0.contact_id else {
            return Ok(None);
        };
        Ok(request(ctx)?
            .loaders
            .by_id::<contact::Entity>()
            .load_one(id)
            .await?
            .map(Contact))
    }
}
