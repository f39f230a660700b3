//! Family networks: the people around a child who can help (Family Group Decision Making).

use async_graphql::{Context, ID, Object};
use chrono::NaiveDate;
use familygraph_domain::{
    FgdmResponse, FgdmStage, NetworkMemberKind, SupportPackageKind, Willingness,
};
use familygraph_store::entity::{
    family, family_network, fgdm_meeting, network_member, person, support_package,
};

use super::family::Family;
use super::person::Person;
use super::{stored, stored_opt};
use crate::context::request;
use crate::error::ApiResult;
use crate::global_id;

/// A family's network: parents, relatives, friends and other connected people.
#[derive(Clone)]
pub struct FamilyNetwork(pub(crate) family_network::Model);

/// Someone in a family network.
#[derive(Clone)]
pub struct NetworkMember(pub(crate) network_member::Model);

/// A Family Group Decision Making (FGDM) meeting: offered to the family, accepted or declined,
/// and — once accepted — held with a facilitator, where the network makes a family-led plan.
#[derive(Clone)]
pub struct FgdmMeeting(pub(crate) fgdm_meeting::Model);

/// A family network support package: practical or financial help so a child can stay within
/// the network.
#[derive(Clone)]
pub struct SupportPackage(pub(crate) support_package::Model);

async fn network(
    rc: &crate::context::RequestContext,
    id: uuid::Uuid,
) -> ApiResult<Option<FamilyNetwork>> {
    Ok(rc
        .loaders
        .by_id::<family_network::Entity>()
        .load_one(id)
        .await?
        .map(FamilyNetwork))
}

#[Object]
impl FamilyNetwork {
    /// Global id.
    pub async fn id(&self) -> ID {
        global_id::encode("FamilyNetwork", self.0.id)
    }
    /// Version for optimistic concurrency.
    async fn version(&self) -> i32 {
        self.0.version
    }
    /// The family the network surrounds.
    async fn family(&self, ctx: &Context<'_>) -> ApiResult<Option<Family>> {
        let rc = request(ctx)?;
        Ok(rc
            .loaders
            .by_id::<family::Entity>()
            .load_one(self.0.family_id)
            .await?
            .map(|model| Family::read(rc, model)))
    }
    /// The network's members.
    async fn members(&self, ctx: &Context<'_>) -> ApiResult<Vec<NetworkMember>> {
        let rows = request(ctx)?
            .loaders
            .has_many::<network_member::Entity>(network_member::Column::FamilyNetworkId)
            .load_one(self.0.id)
            .await?
            .unwrap_or_default();
        Ok(rows.into_iter().map(NetworkMember).collect())
    }
    /// FGDM meetings offered to the network, oldest first.
    async fn fgdm_meetings(&self, ctx: &Context<'_>) -> ApiResult<Vec<FgdmMeeting>> {
        let rows = request(ctx)?
            .loaders
            .has_many::<fgdm_meeting::Entity>(fgdm_meeting::Column::FamilyNetworkId)
            .load_one(self.0.id)
            .await?
            .unwrap_or_default();
        Ok(rows.into_iter().map(FgdmMeeting).collect())
    }
    /// Support packages given to the network, oldest first.
    async fn support_packages(&self, ctx: &Context<'_>) -> ApiResult<Vec<SupportPackage>> {
        let rows = request(ctx)?
            .loaders
            .has_many::<support_package::Entity>(support_package::Column::FamilyNetworkId)
            .load_one(self.0.id)
            .await?
            .unwrap_or_default();
        Ok(rows.into_iter().map(SupportPackage).collect())
    }
}

#[Object]
impl NetworkMember {
    /// Global id.
    pub async fn id(&self) -> ID {
        global_id::encode("NetworkMember", self.0.id)
    }
    /// The name the family uses for them (e.g. "Nan Carol").
    async fn display_name(&self) -> &str {
        &self.0.display_name
    }
    /// Relative, friend, connected person or parent.
    async fn kind(&self) -> ApiResult<NetworkMemberKind> {
        stored(
            "network member kind",
            &self.0.kind,
            NetworkMemberKind::from_code,
        )
    }
    /// Their relationship to the child, in the family's words.
    async fn relationship_to_child(&self) -> &str {
        &self.0.relationship_to_child
    }
    /// Whether they are willing to support the family.
    async fn willingness(&self) -> ApiResult<Willingness> {
        stored("willingness", &self.0.willingness, Willingness::from_code)
    }
    /// A phone number to reach them.
    async fn phone(&self) -> Option<&str> {
        self.0.phone.as_deref()
    }
    /// The person record, when they have one the caller may see.
    async fn person(&self, ctx: &Context<'_>) -> ApiResult<Option<Person>> {
        let Some(person_id) = self.0.person_id else {
            return Ok(None);
        };
        let rc = request(ctx)?;
        Ok(rc
            .loaders
            .by_id::<person::Entity>()
            .load_one(person_id)
            .await?
            .map(|model| Person::read(rc, model)))
    }
}

#[Object]
impl FgdmMeeting {
    /// Global id.
    pub async fn id(&self) -> ID {
        global_id::encode("FgdmMeeting", self.0.id)
    }
    /// Version for optimistic concurrency: send it back when recording the response or the
    /// meeting.
    async fn version(&self) -> i32 {
        self.0.version
    }
    /// When the meeting was offered.
    async fn offered_on(&self) -> NaiveDate {
        self.0.offered_on
    }
    /// Who it was offered to (e.g. "Mum and Dad").
    async fn offered_to(&self) -> &str {
        &self.0.offered_to
    }
    /// The stage of the child's journey: Family Help, child protection or pre-proceedings.
    async fn stage(&self) -> ApiResult<FgdmStage> {
        stored("FGDM stage", &self.0.stage, FgdmStage::from_code)
    }
    /// The family's answer; none until they respond.
    async fn response(&self) -> ApiResult<Option<FgdmResponse>> {
        stored_opt(
            "FGDM response",
            self.0.response.as_deref(),
            FgdmResponse::from_code,
        )
    }
    /// When the family responded.
    async fn responded_on(&self) -> Option<NaiveDate> {
        self.0.responded_on
    }
    /// When the meeting was held; none until it is.
    async fn held_on(&self) -> Option<NaiveDate> {
        self.0.held_on
    }
    /// Who facilitated the meeting.
    async fn facilitator(&self) -> Option<&str> {
        self.0.facilitator.as_deref()
    }
    /// Whether the child attended the meeting.
    async fn child_attended(&self) -> Option<bool> {
        self.0.child_attended
    }
    /// The family network it was offered to.
    async fn network(&self, ctx: &Context<'_>) -> ApiResult<Option<FamilyNetwork>> {
        network(request(ctx)?, self.0.family_network_id).await
    }
}

#[Object]
impl SupportPackage {
    /// Global id.
    pub async fn id(&self) -> ID {
        global_id::encode("SupportPackage", self.0.id)
    }
    /// Practical or financial.
    async fn kind(&self) -> ApiResult<SupportPackageKind> {
        stored(
            "support package kind",
            &self.0.kind,
            SupportPackageKind::from_code,
        )
    }
    /// What the support is.
    async fn description(&self) -> &str {
        &self.0.description
    }
    /// Financial support: the amount, in pence.
    async fn amount_pence(&self) -> Option<i32> {
        self.0.amount_pence
    }
    /// First day of the support.
    async fn started_on(&self) -> NaiveDate {
        self.0.started_on
    }
    /// Last day of the support; none while it continues.
    async fn ended_on(&self) -> Option<NaiveDate> {
        self.0.ended_on
    }
    /// The family network supported.
    async fn network(&self, ctx: &Context<'_>) -> ApiResult<Option<FamilyNetwork>> {
        network(request(ctx)?, self.0.family_network_id).await
    }
}
