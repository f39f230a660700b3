//! Information-sharing decisions: the 2026 Act's duty to share information relevant to a
//! child's safeguarding or welfare with other agencies, unless sharing would be more
//! detrimental to the child than not sharing. Both decisions are recorded — to share, and to
//! withhold (with why sharing would do more harm) — with the lawful basis relied on, against
//! the child and the agency the information goes to (or that asked for it).
//!
//! The caller records decisions only about children in their scope; the agency must exist.

use chrono::NaiveDate;
use familygraph_domain::workflow::rules::{check_case_date, check_information_share};
use familygraph_domain::{LawfulBasis, ShareDecision};
use sea_orm::{ActiveValue::Set, DatabaseConnection, EntityTrait};
use serde_json::json;
use uuid::Uuid;

use super::{Actor, Change, Outcome, created, replay, unknown, visible_person};
use crate::audit::{self, AuditAction, AuditedRecord};
use crate::entity::{agency, information_share};
use crate::error::StoreResult;

/// A decision to share information about a child with an agency, or to withhold it.
#[derive(Debug, Clone)]
pub struct NewInformationShare {
    /// Retrying with the same key returns the first record.
    pub idempotency_key: Option<String>,
    /// The child the information is about.
    pub child_id: Uuid,
    /// The agency it goes to, or that asked for it.
    pub agency_id: Uuid,
    /// Share or withhold.
    pub decision: ShareDecision,
    /// The lawful basis relied on.
    pub lawful_basis: LawfulBasis,
    /// Why (for a withholding: why sharing would be more detrimental to the child).
    pub reason: String,
    /// When it was decided (default: today).
    pub decided_on: Option<NaiveDate>,
}

/// Records an information-sharing decision: the row, an outbox event and audit rows (for the
/// decision and for the child's record) in one transaction — or the broken rules and nothing.
pub async fn record_information_share(
    db: &DatabaseConnection,
    actor: &Actor,
    input: NewInformationShare,
) -> StoreResult<Outcome<information_share::Model>> {
    let txn = crate::db::begin_write(db).await?;
    if let Some(existing) =
        replay::<information_share::Entity>(&txn, actor, input.idempotency_key.as_deref()).await?
    {
        return Ok(Ok(existing));
    }
    let mut errors = Vec::new();
    let child = visible_person(&txn, actor, input.child_id).await?;
    if child.is_none() {
        errors.extend(unknown("childId", "child on your records"));
    }
    let agency = agency::Entity::find_by_id(input.agency_id)
        .one(&txn)
        .await?;
    if agency.is_none() {
        errors.extend(unknown("agencyId", "agency"));
    }
    errors.extend(check_information_share(input.decision, &input.reason));
    let decided_on = input.decided_on.unwrap_or_else(|| actor.today());
    errors.extend(check_case_date(
        "decidedOn",
        decided_on,
        child.as_ref().and_then(|c| c.date_of_birth),
        actor.today(),
    ));
    let (Some(child), Some(agency)) = (child, agency) else {
        return Ok(Err(errors));
    };
    if !errors.is_empty() {
        return Ok(Err(errors));
    }
    let id = Uuid::now_v7();
    information_share::Entity::insert(information_share::ActiveModel {
        id: Set(id),
        person_id: Set(child.id),
        agency_id: Set(agency.id),
        decision: Set(input.decision.code().to_owned()),
        lawful_basis: Set(input.lawful_basis.code().to_owned()),
        reason: Set(input.reason.trim().to_owned()),
        decided_on: Set(decided_on),
        decided_by: Set(actor.principal.subject.clone()),
        created_at: Set(actor.now),
    })
    .exec(&txn)
    .await?;
    Change {
        event_type: match input.decision {
            ShareDecision::Share => "InformationShared",
            ShareDecision::Withhold => "InformationWithheld",
        },
        record_type: "InformationShare",
        record_id: id,
        payload: json!({ "informationShareId": id, "childId": child.id, "agencyId": agency.id,
                         "decision": input.decision.code(),
                         "lawfulBasis": input.lawful_basis.code(), "decidedOn": decided_on }),
        actor,
    }
    .record(&txn)
    .await?;
    // The decision is part of the child's record: "who touched this child?" shows it.
    audit::append(
        &txn,
        &actor.principal,
        actor.operation.as_deref(),
        AuditAction::Write,
        &[AuditedRecord {
            record_type: "Person",
            record_id: child.id,
        }],
    )
    .await?;
    created::<information_share::Entity>(
        txn,
        actor,
        input.idempotency_key.as_deref(),
        "InformationShare",
        id,
    )
    .await
}
