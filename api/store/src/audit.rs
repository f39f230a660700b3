//! The audit trail: one append-only row per child or family record read or written.

use chrono::Utc;
use familygraph_domain::Principal;
use sea_orm::{ActiveValue::Set, ConnectionTrait, EntityTrait};
use uuid::Uuid;

use crate::entity::audit_event;
use crate::error::StoreResult;

/// What was done to a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuditAction {
    /// The record was returned to the caller.
    Read,
    /// The record was created or changed.
    Write,
}

impl AuditAction {
    fn code(self) -> &'static str {
        match self {
            Self::Read => "READ",
            Self::Write => "WRITE",
        }
    }
}

/// One record that a request touched.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct AuditedRecord {
    /// The record's type, as the API names it (`Person`, `Family`, ...).
    pub record_type: &'static str,
    /// The record's id.
    pub record_id: Uuid,
}

/// Appends one audit row per record, in a single statement.
pub async fn append<C: ConnectionTrait>(
    db: &C,
    principal: &Principal,
    operation: Option<&str>,
    action: AuditAction,
    records: &[AuditedRecord],
) -> StoreResult<()> {
    if records.is_empty() {
        return Ok(());
    }
    let now = Utc::now();
    let roles = principal
        .roles
        .iter()
        .map(|role| role.as_str())
        .collect::<Vec<_>>()
        .join(" ");
    let rows: Vec<_> = records
        .iter()
        .map(|record| audit_event::ActiveModel {
            id: Set(Uuid::now_v7()),
            occurred_at: Set(now),
            subject: Set(principal.subject.clone()),
            client_id: Set(principal.client_id.clone()),
            roles: Set(roles.clone()),
            operation: Set(operation.map(str::to_owned)),
            action: Set(action.code().to_owned()),
            record_type: Set(record.record_type.to_owned()),
            record_id: Set(record.record_id),
            outcome: Set("ALLOWED".to_owned()),
        })
        .collect();
    // Keep each statement well under SQLite's bound-parameter limit.
    for chunk in rows.chunks(500) {
        audit_event::Entity::insert_many(chunk.to_vec())
            .exec(db)
            .await?;
    }
    Ok(())
}
