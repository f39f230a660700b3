//! Families: households and case groups, and their members.

use async_graphql::{Context, ID, Object};
use chrono::NaiveDate;
use familygraph_domain::FamilyRole;
use familygraph_store::entity::{family, family_member, family_network, person, plan};

use super::family_network::FamilyNetwork;
use super::person::Person;
use super::plan::Plan;
use super::stored;
use crate::context::{RequestContext, request};
use crate::error::ApiResult;
use crate::global_id;

/// A family: a household or case group, possibly spanning households (co-parenting). Reading a
/// family is audited.
#[derive(Clone)]
pub struct Family(pub(crate) family::Model);

impl Family {
    /// Wraps a family the caller may see, and records the read in the audit trail.
    pub(crate) fn read(rc: &RequestContext, model: family::Model) -> Self {
        rc.record_read("Family", model.id);
        Self(model)
    }
}

/// A person's membership of a family, with their role and household.
#[derive(Clone)]
pub struct FamilyMember(pub(crate) family_member::Model);

#[Object]
impl Family {
    /// Global id.
    pub async fn id(&self) -> ID {
        global_id::encode("Family", self.0.id)
    }
    /// How practitioners refer to the family (e.g. "the Ashworth family").
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// Version for optimistic concurrency.
    async fn version(&self) -> i32 {
        self.0.version
    }
    /// Members, with their roles and households.
    async fn members(&self, ctx: &Context<'_>) -> ApiResult<Vec<FamilyMember>> {
        let rows = request(ctx)?
            .loaders
            .has_many::<family_member::Entity>(family_member::Column::FamilyId)
            .load_one(self.0.id)
            .await?
            .unwrap_or_default();
        Ok(rows.into_iter().map(FamilyMember).collect())
    }
    /// The family network: relatives, friends and connected people around the children.
    async fn network(&self, ctx: &Context<'_>) -> ApiResult<Option<FamilyNetwork>> {
        let rows = request(ctx)?
            .loaders
            .has_many::<family_network::Entity>(family_network::Column::FamilyId)
            .load_one(self.0.id)
            .await?
            .unwrap_or_default();
        Ok(rows.into_iter().next().map(FamilyNetwork))
    }
    /// Plans made with the family as a whole (e.g. family network plans).
    async fn plans(&self, ctx: &Context<'_>) -> ApiResult<Vec<Plan>> {
        let rows = request(ctx)?
            .loaders
            .has_many::<plan::Entity>(plan::Column::FamilyId)
            .load_one(self.0.id)
            .await?
            .unwrap_or_default();
        Ok(rows.into_iter().map(Plan).collect())
    }
}

#[Object]
impl FamilyMember {
    /// Role in the family.
    async fn role(&self) -> ApiResult<FamilyRole> {
        stored("family role", &self.0.role, FamilyRole::from_code)
    }
    /// Which household the member lives in (e.g. "Dad's home").
    async fn household(&self) -> &str {
        &self.0.household
    }
    /// Member since.
    async fn started_on(&self) -> NaiveDate {
        self.0.started_on
    }
    /// Member until.
    async fn ended_on(&self) -> Option<NaiveDate> {
        self.0.ended_on
    }
    /// The person (absent if outside the caller's scope).
    async fn person(&self, ctx: &Context<'_>) -> ApiResult<Option<Person>> {
        let rc = request(ctx)?;
        Ok(rc
            .loaders
            .by_id::<person::Entity>()
            .load_one(self.0.person_id)
            .await?
            .map(|model| Person::read(rc, model)))
    }
    /// The family.
    async fn family(&self, ctx: &Context<'_>) -> ApiResult<Option<Family>> {
        let rc = request(ctx)?;
        Ok(rc
            .loaders
            .by_id::<family::Entity>()
            .load_one(self.0.family_id)
            .await?
            .map(|model| Family::read(rc, model)))
    }
}
