//! Family network mutations: members, Family Group Decision Making (FGDM) offers, responses and
//! meetings, and support packages. (A family network plan is `startPlan` with kind
//! `FAMILY_NETWORK`, the family's id, and actions owned by its network members.)

use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use chrono::NaiveDate;
use familygraph_domain::workflow::Operation;
use familygraph_domain::{
    FgdmResponse, FgdmStage, NetworkMemberKind, SupportPackageKind, Willingness,
};
use familygraph_store::workflow::Outcome;
use familygraph_store::workflow::family_network::{
    self, FgdmAnswer, FgdmHeld, FgdmOffer, MemberChange, MemberUpdate, NetworkRef,
    NewNetworkMember, NewSupportPackage,
};

use super::{UserError, id_of, opt_id_of, split};
use crate::context::request;
use crate::error::{ApiError, ApiResult};
use crate::types::family_network::{FamilyNetwork, FgdmMeeting, NetworkMember, SupportPackage};

/// Family network mutations.
#[derive(Default)]
pub struct FamilyNetworkMutation;

/// Adding someone to a family network. Name the network, or the family (whose network is
/// created if it has none).
#[derive(InputObject)]
pub struct AddNetworkMemberInput {
    /// Retrying with the same key returns the first member.
    pub idempotency_key: Option<String>,
    /// The network to join.
    pub family_network_id: Option<ID>,
    /// Or: the family whose network to join (created if the family has none).
    pub family_id: Option<ID>,
    /// The network's version as last read; when given, a stale one is a `CONFLICT`.
    pub version: Option<i32>,
    /// The name the family uses for them (e.g. "Nan Carol").
    pub display_name: String,
    /// Relative, friend, connected person or parent.
    pub kind: NetworkMemberKind,
    /// Their relationship to the child, in the family's words (required).
    pub relationship_to_child: Option<String>,
    /// Whether they are willing to support the child (default: not yet asked).
    #[graphql(default_with = "Willingness::NotAsked")]
    pub willingness: Willingness,
    /// A phone number to reach them.
    pub phone: Option<String>,
    /// Their person record, when they have one.
    pub person_id: Option<ID>,
}

/// Changing a network member; omitted fields stay as they are.
#[derive(InputObject)]
pub struct UpdateNetworkMemberInput {
    /// The member.
    pub member_id: ID,
    /// The network's version as last read (every change to its members bumps it).
    pub version: i32,
    /// Whether they are willing to support the child.
    pub willingness: Option<Willingness>,
    /// A phone number (empty: remove it).
    pub phone: Option<String>,
    /// Their relationship to the child (cannot be emptied).
    pub relationship_to_child: Option<String>,
}

/// Offering the family an FGDM meeting.
#[derive(InputObject)]
pub struct OfferFgdmInput {
    /// Retrying with the same key returns the first offer.
    pub idempotency_key: Option<String>,
    /// The family network.
    pub family_network_id: ID,
    /// Who it was offered to (e.g. "Mum and Dad").
    pub offered_to: String,
    /// When it was offered.
    pub offered_on: NaiveDate,
    /// The stage: Family Help, child protection or pre-proceedings.
    pub stage: FgdmStage,
}

/// Recording the family's answer to an FGDM offer.
#[derive(InputObject)]
pub struct RespondToFgdmOfferInput {
    /// The offer.
    pub fgdm_meeting_id: ID,
    /// Its version as last read.
    pub version: i32,
    /// Accepted or declined.
    pub response: FgdmResponse,
    /// When the family answered (not before the offer).
    pub responded_on: NaiveDate,
}

/// Recording an FGDM meeting that was held (the offer must have been accepted).
#[derive(InputObject)]
pub struct RecordFgdmMeetingInput {
    /// The accepted offer.
    pub fgdm_meeting_id: ID,
    /// Its version as last read.
    pub version: i32,
    /// When the meeting was held.
    pub held_on: NaiveDate,
    /// Who facilitated it.
    pub facilitator: String,
    /// Whether the child attended.
    pub child_attended: bool,
}

/// Recording a family network support package.
#[derive(InputObject)]
pub struct RecordSupportPackageInput {
    /// Retrying with the same key returns the first package.
    pub idempotency_key: Option<String>,
    /// The family network.
    pub family_network_id: ID,
    /// Practical or financial.
    pub kind: SupportPackageKind,
    /// What the support is.
    pub description: String,
    /// Financial support: the amount in pence (required for financial, none for practical).
    pub amount_pence: Option<i32>,
    /// First day of the support.
    pub started_on: NaiveDate,
}

/// The result of a network member mutation.
#[derive(SimpleObject)]
pub struct NetworkMemberPayload {
    /// The member, when the mutation succeeded.
    pub member: Option<NetworkMember>,
    /// The member's network, with its new version.
    pub network: Option<FamilyNetwork>,
    /// Business rules broken (nothing was written).
    pub user_errors: Vec<UserError>,
}

/// The result of an FGDM mutation.
#[derive(SimpleObject)]
pub struct FgdmMeetingPayload {
    /// The FGDM meeting, when the mutation succeeded.
    pub fgdm_meeting: Option<FgdmMeeting>,
    /// Business rules broken (nothing was written).
    pub user_errors: Vec<UserError>,
}

/// The result of recording a support package.
#[derive(SimpleObject)]
pub struct SupportPackagePayload {
    /// The support package, when the mutation succeeded.
    pub support_package: Option<SupportPackage>,
    /// Business rules broken (nothing was written).
    pub user_errors: Vec<UserError>,
}

const NETWORK_WORK: &str = "work with family networks";

fn member_payload(outcome: Outcome<MemberChange>) -> NetworkMemberPayload {
    let (change, user_errors) = split(outcome, |change| change);
    let (member, network) = match change {
        Some(MemberChange { member, network }) => {
            (Some(NetworkMember(member)), Some(FamilyNetwork(network)))
        }
        None => (None, None),
    };
    NetworkMemberPayload {
        member,
        network,
        user_errors,
    }
}

#[Object]
impl FamilyNetworkMutation {
    /// Adds someone to a family network (their relationship to the child is required),
    /// creating the family's network when it has none. Bumps the network's version.
    async fn add_network_member(
        &self,
        ctx: &Context<'_>,
        input: AddNetworkMemberInput,
    ) -> ApiResult<NetworkMemberPayload> {
        let rc = request(ctx)?;
        rc.require(Operation::FamilyNetworkWork, NETWORK_WORK)?;
        let network = match (&input.family_network_id, &input.family_id) {
            (Some(id), None) => {
                NetworkRef::Network(id_of("input.familyNetworkId", "FamilyNetwork", id)?)
            }
            (None, Some(id)) => NetworkRef::Family(id_of("input.familyId", "Family", id)?),
            _ => {
                return Err(ApiError::bad_input(
                    "input.familyNetworkId",
                    "give exactly one of familyNetworkId and familyId",
                ));
            }
        };
        let command = NewNetworkMember {
            idempotency_key: input.idempotency_key,
            network,
            expected_version: input.version,
            display_name: input.display_name,
            kind: input.kind,
            relationship_to_child: input.relationship_to_child.unwrap_or_default(),
            willingness: input.willingness,
            phone: input.phone,
            person_id: opt_id_of("input.personId", "Person", input.person_id.as_ref())?,
        };
        let outcome = family_network::add_network_member(&rc.db, &rc.actor(), command).await?;
        Ok(member_payload(outcome))
    }

    /// Updates a network member's willingness, phone or relationship to the child. Send the
    /// network's version: a stale one is a `CONFLICT`.
    async fn update_network_member(
        &self,
        ctx: &Context<'_>,
        input: UpdateNetworkMemberInput,
    ) -> ApiResult<NetworkMemberPayload> {
        let rc = request(ctx)?;
        rc.require(Operation::FamilyNetworkWork, NETWORK_WORK)?;
        let command = MemberUpdate {
            member_id: id_of("input.memberId", "NetworkMember", &input.member_id)?,
            expected_version: input.version,
            willingness: input.willingness,
            phone: input.phone,
            relationship_to_child: input.relationship_to_child,
        };
        let outcome = family_network::update_network_member(&rc.db, &rc.actor(), command).await?;
        Ok(member_payload(outcome))
    }

    /// Offers the family an FGDM meeting (to whom, when, at which stage).
    async fn offer_fgdm(
        &self,
        ctx: &Context<'_>,
        input: OfferFgdmInput,
    ) -> ApiResult<FgdmMeetingPayload> {
        let rc = request(ctx)?;
        rc.require(Operation::FamilyNetworkWork, NETWORK_WORK)?;
        let command = FgdmOffer {
            idempotency_key: input.idempotency_key,
            family_network_id: id_of(
                "input.familyNetworkId",
                "FamilyNetwork",
                &input.family_network_id,
            )?,
            offered_to: input.offered_to,
            offered_on: input.offered_on,
            stage: input.stage,
        };
        let outcome = family_network::offer_fgdm(&rc.db, &rc.actor(), command).await?;
        let (fgdm_meeting, user_errors) = split(outcome, FgdmMeeting);
        Ok(FgdmMeetingPayload {
            fgdm_meeting,
            user_errors,
        })
    }

    /// Records the family's acceptance or decline of an FGDM offer (once; not before the
    /// offer).
    async fn respond_to_fgdm_offer(
        &self,
        ctx: &Context<'_>,
        input: RespondToFgdmOfferInput,
    ) -> ApiResult<FgdmMeetingPayload> {
        let rc = request(ctx)?;
        rc.require(Operation::FamilyNetworkWork, NETWORK_WORK)?;
        let command = FgdmAnswer {
            meeting_id: id_of("input.fgdmMeetingId", "FgdmMeeting", &input.fgdm_meeting_id)?,
            expected_version: input.version,
            response: input.response,
            responded_on: input.responded_on,
        };
        let outcome = family_network::respond_to_fgdm_offer(&rc.db, &rc.actor(), command).await?;
        let (fgdm_meeting, user_errors) = split(outcome, FgdmMeeting);
        Ok(FgdmMeetingPayload {
            fgdm_meeting,
            user_errors,
        })
    }

    /// Records an FGDM meeting that was held (facilitator, whether the child attended); only
    /// for an accepted offer.
    async fn record_fgdm_meeting(
        &self,
        ctx: &Context<'_>,
        input: RecordFgdmMeetingInput,
    ) -> ApiResult<FgdmMeetingPayload> {
        let rc = request(ctx)?;
        rc.require(Operation::FamilyNetworkWork, NETWORK_WORK)?;
        let command = FgdmHeld {
            meeting_id: id_of("input.fgdmMeetingId", "FgdmMeeting", &input.fgdm_meeting_id)?,
            expected_version: input.version,
            held_on: input.held_on,
            facilitator: input.facilitator,
            child_attended: input.child_attended,
        };
        let outcome = family_network::record_fgdm_meeting(&rc.db, &rc.actor(), command).await?;
        let (fgdm_meeting, user_errors) = split(outcome, FgdmMeeting);
        Ok(FgdmMeetingPayload {
            fgdm_meeting,
            user_errors,
        })
    }

    /// Records a family network support package: practical, or financial with an amount.
    async fn record_support_package(
        &self,
        ctx: &Context<'_>,
        input: RecordSupportPackageInput,
    ) -> ApiResult<SupportPackagePayload> {
        let rc = request(ctx)?;
        rc.require(Operation::FamilyNetworkWork, NETWORK_WORK)?;
        let command = NewSupportPackage {
            idempotency_key: input.idempotency_key,
            family_network_id: id_of(
                "input.familyNetworkId",
                "FamilyNetwork",
                &input.family_network_id,
            )?,
            kind: input.kind,
            description: input.description,
            amount_pence: input.amount_pence.map(i64::from),
            started_on: input.started_on,
        };
        let outcome = family_network::record_support_package(&rc.db, &rc.actor(), command).await?;
        let (support_package, user_errors) = split(outcome, SupportPackage);
        Ok(SupportPackagePayload {
            support_package,
            user_errors,
        })
    }
}
