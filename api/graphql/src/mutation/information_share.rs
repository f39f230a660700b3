//! Information-sharing decisions (the 2026 Act's duty to share unless sharing would be more
//! detrimental to the child): a practitioner records a decision to share information about a
//! child with an agency, or to withhold it, with the lawful basis and the reason.

use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use chrono::NaiveDate;
use familygraph_domain::workflow::Operation;
use familygraph_domain::{LawfulBasis, ShareDecision};
use familygraph_store::workflow::information_share::{self, NewInformationShare};

use super::{UserError, id_of, split};
use crate::context::request;
use crate::error::ApiResult;
use crate::types::information_share::InformationShare;

/// Information-sharing mutations.
#[derive(Default)]
pub struct InformationShareMutation;

/// A decision to share information about a child with an agency, or to withhold it.
#[derive(InputObject)]
pub struct RecordInformationShareDecisionInput {
    /// Retrying with the same key returns the first record.
    pub idempotency_key: Option<String>,
    /// The child the information is about (in the caller's scope).
    pub child_id: ID,
    /// The agency the information goes to, or that asked for it.
    pub agency_id: ID,
    /// Share or withhold.
    pub decision: ShareDecision,
    /// The lawful basis relied on.
    pub lawful_basis: LawfulBasis,
    /// Why. Required; a withholding must explain why sharing would be more detrimental to the
    /// child (at least 20 characters).
    pub reason: String,
    /// When it was decided (default: today).
    pub decided_on: Option<NaiveDate>,
}

/// The result of recording an information-sharing decision.
#[derive(SimpleObject)]
pub struct InformationSharePayload {
    /// The decision, when the mutation succeeded.
    pub information_share: Option<InformationShare>,
    /// Business rules broken (nothing was written).
    pub user_errors: Vec<UserError>,
}

const INFORMATION_SHARING: &str = "record an information-sharing decision";

#[Object]
impl InformationShareMutation {
    /// Records a decision to share information about a child with an agency, or to withhold it
    /// because sharing would be more detrimental to the child. Audited, with an outbox event.
    async fn record_information_share_decision(
        &self,
        ctx: &Context<'_>,
        input: RecordInformationShareDecisionInput,
    ) -> ApiResult<InformationSharePayload> {
        let rc = request(ctx)?;
        rc.require(Operation::InformationSharing, INFORMATION_SHARING)?;
        let command = NewInformationShare {
            idempotency_key: input.idempotency_key,
            child_id: id_of("input.childId", "Person", &input.child_id)?,
            agency_id: id_of("input.agencyId", "Agency", &input.agency_id)?,
            decision: input.decision,
            lawful_basis: input.lawful_basis,
            reason: input.reason,
            decided_on: input.decided_on,
        };
        let outcome =
            information_share::record_information_share(&rc.db, &rc.actor(), command).await?;
        let (information_share, user_errors) = split(outcome, InformationShare);
        Ok(InformationSharePayload {
            information_share,
            user_errors,
        })
    }
}
