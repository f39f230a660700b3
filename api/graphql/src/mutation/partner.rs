//! Partner recording: a school, early years setting, VCS group or health visitor records a
//! concern (which becomes a front-door contact) or support it gave, with its source agency and
//! the lawful basis it is shared under.

use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use chrono::NaiveDate;
use familygraph_domain::workflow::Operation;
use familygraph_domain::{LawfulBasis, PartnerRecordKind};
use familygraph_store::workflow::partner::{self, NewPartnerRecord};

use super::{UserError, opt_id_of, split};
use crate::context::request;
use crate::error::ApiResult;
use crate::types::partner::PartnerRecord;

/// Partner recording mutations.
#[derive(Default)]
pub struct PartnerMutation;

/// A concern a partner raises about a child. It is recorded as a front-door contact too, with
/// the referral source of the partner's agency (a school's is `SCHOOLS`).
#[derive(InputObject)]
pub struct RecordPartnerConcernInput {
    /// Retrying with the same key returns the first record (and contact).
    pub idempotency_key: Option<String>,
    /// The agency the partner acts for. Schools omit it: their credentials name the school.
    pub agency_id: Option<ID>,
    /// The child (a school: a child on its roll).
    pub child_id: ID,
    /// The child's family, if the partner knows it.
    pub family_id: Option<ID>,
    /// The concern, in the partner's words.
    pub description: String,
    /// When it was observed.
    pub occurred_on: NaiveDate,
    /// The lawful basis the partner shares it under.
    pub lawful_basis: LawfulBasis,
}

/// Support a partner gave to a child or a family (at least one of them).
#[derive(InputObject)]
pub struct RecordPartnerSupportInput {
    /// Retrying with the same key returns the first record.
    pub idempotency_key: Option<String>,
    /// The agency the partner acts for. Schools omit it: their credentials name the school.
    pub agency_id: Option<ID>,
    /// The child supported.
    pub child_id: Option<ID>,
    /// The family supported.
    pub family_id: Option<ID>,
    /// What support was given.
    pub description: String,
    /// When.
    pub occurred_on: NaiveDate,
    /// The lawful basis the partner shares it under.
    pub lawful_basis: LawfulBasis,
}

/// The result of a partner recording.
#[derive(SimpleObject)]
pub struct PartnerRecordPayload {
    /// The record, when the mutation succeeded (a concern's `contact` is the front-door
    /// contact it became).
    pub partner_record: Option<PartnerRecord>,
    /// Business rules broken (nothing was written).
    pub user_errors: Vec<UserError>,
}

const PARTNER_RECORDING: &str = "record as a partner agency";

async fn record(ctx: &Context<'_>, command: NewPartnerRecord) -> ApiResult<PartnerRecordPayload> {
    let rc = request(ctx)?;
    let outcome = partner::record_partner_record(&rc.db, &rc.actor(), command).await?;
    let (partner_record, user_errors) = split(outcome, PartnerRecord);
    Ok(PartnerRecordPayload {
        partner_record,
        user_errors,
    })
}

#[Object]
impl PartnerMutation {
    /// Records a partner's concern about a child; it reaches the front door as a contact, in
    /// the same transaction.
    async fn record_partner_concern(
        &self,
        ctx: &Context<'_>,
        input: RecordPartnerConcernInput,
    ) -> ApiResult<PartnerRecordPayload> {
        request(ctx)?.require(Operation::PartnerRecording, PARTNER_RECORDING)?;
        let command = NewPartnerRecord {
            idempotency_key: input.idempotency_key,
            kind: PartnerRecordKind::Concern,
            agency_id: opt_id_of("input.agencyId", "Agency", input.agency_id.as_ref())?,
            child_id: opt_id_of("input.childId", "Person", Some(&input.child_id))?,
            family_id: opt_id_of("input.familyId", "Family", input.family_id.as_ref())?,
            description: input.description,
            occurred_on: input.occurred_on,
            lawful_basis: input.lawful_basis,
        };
        record(ctx, command).await
    }

    /// Records support a partner gave to a child or family in a universal or community
    /// setting.
    async fn record_partner_support(
        &self,
        ctx: &Context<'_>,
        input: RecordPartnerSupportInput,
    ) -> ApiResult<PartnerRecordPayload> {
        request(ctx)?.require(Operation::PartnerRecording, PARTNER_RECORDING)?;
        let command = NewPartnerRecord {
            idempotency_key: input.idempotency_key,
            kind: PartnerRecordKind::Support,
            agency_id: opt_id_of("input.agencyId", "Agency", input.agency_id.as_ref())?,
            child_id: opt_id_of("input.childId", "Person", input.child_id.as_ref())?,
            family_id: opt_id_of("input.familyId", "Family", input.family_id.as_ref())?,
            description: input.description,
            occurred_on: input.occurred_on,
            lawful_basis: input.lawful_basis,
        };
        record(ctx, command).await
    }
}
