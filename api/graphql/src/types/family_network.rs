//! Family networks: the people around a child who can help (Family Group Decision Making).

use async_graphql::{Context, ID, Object};
use familygraph_domain::{NetworkMemberKind, Willingness};
use familygraph_store::entity::{family, family_network, network_member, person};

use super::family::Family;
use super::person::Person;
use super::stored;
use crate::context::request;
use crate::error::ApiResult;
use crate::global_id;

/// A family's network: parents, relatives, friends and other connected people.
#[derive(Clone)]
pub struct FamilyNetwork(pub(crate) family_network::Model);

/// Someone in a family network.
#[derive(Clone)]
pub struct NetworkMember(pub(crate) network_member::Model);

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
