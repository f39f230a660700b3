//! Break-glass access: a practitioner asks for time-limited access to a child's record outside
//! their scope, with a reason; a manager or an auditor reviews the grant afterwards.

use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use familygraph_domain::identifiers;
use familygraph_domain::workflow::Operation;
use familygraph_domain::workflow::rules::{BreakGlassLimits, BreakGlassReviewOutcome};
use familygraph_store::break_glass::{self, BreakGlassRequest};

use super::{UserError, id_of, split};
use crate::context::request;
use crate::error::ApiResult;
use crate::query::IdentifierInput;
use crate::types::break_glass::BreakGlassGrant;

/// Break-glass mutations.
#[derive(Default)]
pub struct BreakGlassMutation;

/// A request for time-limited access to a child's record outside the caller's scope.
#[derive(InputObject)]
pub struct RequestBreakGlassAccessInput {
    /// Retrying with the same key returns the first grant.
    pub idempotency_key: Option<String>,
    /// The child, by a typed identifier (a malformed value is `BAD_USER_INPUT`; a valid one of
    /// no child is the user error `UNKNOWN_RECORD` on `child`).
    pub child: IdentifierInput,
    /// Why access is needed now: at least 20 characters.
    pub reason: String,
    /// How long access lasts, in minutes: 1 to 240 (default 60), unless the access policy's
    /// `[break_glass]` section sets other limits.
    pub minutes: Option<i32>,
}

/// The result of asking for break-glass access.
#[derive(SimpleObject)]
pub struct BreakGlassGrantPayload {
    /// The grant, when the mutation succeeded.
    pub grant: Option<BreakGlassGrant>,
    /// Business rules broken (nothing was written).
    pub user_errors: Vec<UserError>,
}

/// A reviewer's verdict on a break-glass grant.
#[derive(InputObject)]
pub struct ReviewBreakGlassGrantInput {
    /// The grant.
    pub grant_id: ID,
    /// The grant's version as last read (a stale one is a `CONFLICT` error).
    pub version: i32,
    /// Whether the access was justified.
    pub outcome: BreakGlassReviewOutcome,
    /// The reviewer's note; required when the outcome is `INAPPROPRIATE`.
    pub note: Option<String>,
}

/// The grant lengths the access policy allows.
fn limits(rc: &crate::context::RequestContext) -> BreakGlassLimits {
    let minutes = |value: u32| i32::try_from(value).unwrap_or(i32::MAX);
    BreakGlassLimits {
        default_minutes: minutes(rc.policy.break_glass_default_minutes()),
        max_minutes: minutes(rc.policy.break_glass_max_minutes()),
    }
}

const BREAK_GLASS: &str = "ask for break-glass access";
const REVIEW: &str = "review break-glass grants (managers, auditors and administrators only)";

#[Object]
impl BreakGlassMutation {
    /// Grants the caller time-limited access (default 60 minutes, at most 240) to a child's
    /// record outside their scope, with a reason of at least 20 characters. Granted at once,
    /// flagged in the audit trail (purpose `break_glass`, also on every read it opens) and
    /// listed for review. A child already open to the caller is refused (`INVALID_VALUE` on
    /// `child`). For practitioners and managers (`FORBIDDEN` for others).
    async fn request_break_glass_access(
        &self,
        ctx: &Context<'_>,
        input: RequestBreakGlassAccessInput,
    ) -> ApiResult<BreakGlassGrantPayload> {
        let rc = request(ctx)?;
        rc.require(Operation::BreakGlass, BREAK_GLASS)?;
        let value =
            identifiers::normalise(input.child.kind, "input.child.value", &input.child.value)?;
        let command = BreakGlassRequest {
            idempotency_key: input.idempotency_key,
            kind: input.child.kind,
            value,
            reason: input.reason,
            minutes: input.minutes,
            limits: limits(rc),
        };
        let outcome = break_glass::request(&rc.db, &rc.actor(), command).await?;
        let (grant, user_errors) = split(outcome, BreakGlassGrant);
        Ok(BreakGlassGrantPayload { grant, user_errors })
    }

    /// Records a reviewer's verdict on a break-glass grant they may review (see
    /// `breakGlassGrants`). Once per grant, never one's own. Audited, with an outbox event.
    async fn review_break_glass_grant(
        &self,
        ctx: &Context<'_>,
        input: ReviewBreakGlassGrantInput,
    ) -> ApiResult<BreakGlassGrantPayload> {
        let rc = request(ctx)?;
        rc.require(Operation::ReviewBreakGlass, REVIEW)?;
        let grant_id = id_of("input.grantId", break_glass::RECORD_TYPE, &input.grant_id)?;
        let outcome = break_glass::review(
            &rc.db,
            &rc.actor(),
            grant_id,
            input.version,
            input.outcome,
            input.note,
        )
        .await?;
        let (grant, user_errors) = split(outcome, BreakGlassGrant);
        Ok(BreakGlassGrantPayload { grant, user_errors })
    }
}
