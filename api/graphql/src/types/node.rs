//! The Relay `Node` interface and lookup by global id.

use async_graphql::{ID, Interface};
use familygraph_store::Scoped;
use familygraph_store::entity::{
    agency, area, assessment, contact, cp_conference, family, family_help_episode, family_hub,
    family_network, involvement, local_authority, locality, lsoa, network_member, person, plan,
    practitioner, referral, section47_enquiry, strategy_discussion, team, visit,
};
use sea_orm::EntityTrait;
use uuid::Uuid;

use super::agency::Agency;
use super::casework::{
    Assessment, ChildProtectionConference, Contact, FamilyHelpEpisode, Involvement, Referral,
    Section47Enquiry, Visit,
};
use super::child_protection::StrategyDiscussion;
use super::family::Family;
use super::family_network::{FamilyNetwork, NetworkMember};
use super::person::Person;
use super::place::{Area, FamilyHub, LocalAuthority, Locality, Lsoa};
use super::plan::Plan;
use super::service::Service;
use super::team::{Practitioner, Team};
use crate::context::RequestContext;
use crate::error::{ApiError, ApiResult};
use crate::global_id;

/// Anything with a global id that `node(id:)` can fetch.
#[derive(Interface)]
#[graphql(field(name = "id", ty = "ID", desc = "Opaque global id."))]
pub enum Node {
    /// A person.
    Person(Person),
    /// A family.
    Family(Family),
    /// A family network.
    FamilyNetwork(FamilyNetwork),
    /// A family network member.
    NetworkMember(NetworkMember),
    /// A plan.
    Plan(Plan),
    /// A team.
    Team(Team),
    /// A practitioner.
    Practitioner(Practitioner),
    /// A partner agency.
    Agency(Agency),
    /// A local authority.
    LocalAuthority(LocalAuthority),
    /// A locality.
    Locality(Locality),
    /// An area.
    Area(Area),
    /// An LSOA.
    Lsoa(Lsoa),
    /// A Family Hub.
    FamilyHub(FamilyHub),
    /// An involvement.
    Involvement(Involvement),
    /// A front-door contact.
    Contact(Contact),
    /// A referral.
    Referral(Referral),
    /// A Family Help episode.
    FamilyHelpEpisode(FamilyHelpEpisode),
    /// An assessment.
    Assessment(Assessment),
    /// A section 47 enquiry.
    Section47Enquiry(Section47Enquiry),
    /// A child protection conference.
    ChildProtectionConference(ChildProtectionConference),
    /// A child protection strategy discussion.
    StrategyDiscussion(StrategyDiscussion),
    /// A visit.
    Visit(Visit),
    /// A service from the services directory.
    Service(Service),
}

async fn load<E>(rc: &RequestContext, id: Uuid) -> ApiResult<Option<E::Model>>
where
    E: EntityTrait + Scoped,
    E::Model: serde::de::DeserializeOwned + Clone + Send + Sync + 'static,
    E::Column: Send + Sync,
{
    Ok(rc.loaders.by_id::<E>().load_one(id).await?)
}

/// Fetches the node a global id names, within the caller's scope. A record outside the scope
/// answers exactly as an unknown id does: `NOT_FOUND`.
pub async fn resolve(rc: &RequestContext, field: &str, id: &ID) -> ApiResult<Node> {
    let (type_name, uuid) = global_id::decode(field, id)?;
    let node = match type_name.as_str() {
        "Person" => load::<person::Entity>(rc, uuid)
            .await?
            .map(|m| Node::Person(Person::read(rc, m))),
        "Family" => load::<family::Entity>(rc, uuid)
            .await?
            .map(|m| Node::Family(Family::read(rc, m))),
        "FamilyNetwork" => load::<family_network::Entity>(rc, uuid)
            .await?
            .map(|m| Node::FamilyNetwork(FamilyNetwork(m))),
        "NetworkMember" => load::<network_member::Entity>(rc, uuid)
            .await?
            .map(|m| Node::NetworkMember(NetworkMember(m))),
        "Plan" => load::<plan::Entity>(rc, uuid)
            .await?
            .map(|m| Node::Plan(Plan(m))),
        "Team" => load::<team::Entity>(rc, uuid)
            .await?
            .map(|m| Node::Team(Team(m))),
        "Practitioner" => load::<practitioner::Entity>(rc, uuid)
            .await?
            .map(|m| Node::Practitioner(Practitioner(m))),
        "Agency" => load::<agency::Entity>(rc, uuid)
            .await?
            .map(|m| Node::Agency(Agency(m))),
        "LocalAuthority" => load::<local_authority::Entity>(rc, uuid)
            .await?
            .map(|m| Node::LocalAuthority(LocalAuthority(m))),
        "Locality" => load::<locality::Entity>(rc, uuid)
            .await?
            .map(|m| Node::Locality(Locality(m))),
        "Area" => load::<area::Entity>(rc, uuid)
            .await?
            .map(|m| Node::Area(Area(m))),
        "Lsoa" => load::<lsoa::Entity>(rc, uuid)
            .await?
            .map(|m| Node::Lsoa(Lsoa(m))),
        "FamilyHub" => load::<family_hub::Entity>(rc, uuid)
            .await?
            .map(|m| Node::FamilyHub(FamilyHub(m))),
        "Involvement" => load::<involvement::Entity>(rc, uuid)
            .await?
            .map(|m| Node::Involvement(Involvement(m))),
        "Contact" => load::<contact::Entity>(rc, uuid)
            .await?
            .map(|m| Node::Contact(Contact(m))),
        "Referral" => load::<referral::Entity>(rc, uuid)
            .await?
            .map(|m| Node::Referral(Referral(m))),
        "FamilyHelpEpisode" => load::<family_help_episode::Entity>(rc, uuid)
            .await?
            .map(|m| Node::FamilyHelpEpisode(FamilyHelpEpisode(m))),
        "Assessment" => load::<assessment::Entity>(rc, uuid)
            .await?
            .map(|m| Node::Assessment(Assessment(m))),
        "Section47Enquiry" => load::<section47_enquiry::Entity>(rc, uuid)
            .await?
            .map(|m| Node::Section47Enquiry(Section47Enquiry(m))),
        "ChildProtectionConference" => load::<cp_conference::Entity>(rc, uuid)
            .await?
            .map(|m| Node::ChildProtectionConference(ChildProtectionConference(m))),
        "StrategyDiscussion" => load::<strategy_discussion::Entity>(rc, uuid)
            .await?
            .map(|m| Node::StrategyDiscussion(StrategyDiscussion(m))),
        "Visit" => load::<visit::Entity>(rc, uuid)
            .await?
            .map(|m| Node::Visit(Visit(m))),
        "Service" => load::<familygraph_store::entity::service::Entity>(rc, uuid)
            .await?
            .map(|m| Node::Service(Service(m))),
        _ => None,
    };
    node.ok_or_else(|| ApiError::not_found("node"))
}
