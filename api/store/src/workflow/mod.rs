//! Workflow commands: each runs in one transaction that applies the domain's rules, writes the
//! change, an outbox event for the case system and an audit row — or, when a rule is broken,
//! writes nothing and returns the typed user errors.

pub mod child_protection;
pub mod family_help;
pub mod family_network;
pub mod front_door;
pub mod information_share;
pub mod partner;

use chrono::{DateTime, NaiveDate, Utc};
use familygraph_domain::workflow::UserError;
use familygraph_domain::{Principal, RecordScope};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait,
    PrimaryKeyTrait, QueryFilter,
};
use serde_json::Value;
use uuid::Uuid;

use crate::audit::{self, AuditAction, AuditedRecord};
use crate::entity::{idempotency_record, outbox_event, person, practitioner};
use crate::error::{StoreError, StoreResult};

/// A command's result: the record, or the business rules it broke (and nothing written).
pub type Outcome<T> = Result<T, Vec<UserError>>;

/// Who is acting, and when.
#[derive(Debug, Clone)]
pub struct Actor {
    /// The caller.
    pub principal: Principal,
    /// The caller's row scope under the access policy: the records the command may touch.
    pub scope: RecordScope,
    /// The GraphQL operation name, for the audit trail.
    pub operation: Option<String>,
    /// The instant the command runs at.
    pub now: DateTime<Utc>,
    /// The request's correlation id, written into the command's audit rows.
    pub correlation_id: Option<String>,
}

impl Actor {
    /// An actor acting now, within `scope`.
    pub fn new(principal: Principal, scope: RecordScope, operation: Option<String>) -> Self {
        Self {
            principal,
            scope,
            operation,
            now: Utc::now(),
            correlation_id: None,
        }
    }

    /// The same actor, acting in the request with this correlation id.
    pub fn with_correlation_id(mut self, correlation_id: Option<String>) -> Self {
        self.correlation_id = correlation_id;
        self
    }

    /// Today's date (UTC).
    pub fn today(&self) -> NaiveDate {
        self.now.date_naive()
    }
}

/// What a command changed, for the audit trail and the outbox.
pub(crate) struct Change<'a> {
    pub event_type: &'static str,
    pub record_type: &'static str,
    pub record_id: Uuid,
    pub payload: Value,
    pub actor: &'a Actor,
}

impl Change<'_> {
    /// Writes the outbox event and the audit row, in the command's transaction.
    pub(crate) async fn record(self, txn: &DatabaseTransaction) -> StoreResult<()> {
        self.record_for(txn, None).await
    }

    /// [`Change::record`], with the audit row's purpose (e.g. `break_glass`).
    pub(crate) async fn record_for(
        self,
        txn: &DatabaseTransaction,
        purpose: Option<&str>,
    ) -> StoreResult<()> {
        outbox_event::Entity::insert(outbox_event::ActiveModel {
            id: Set(Uuid::now_v7()),
            occurred_at: Set(self.actor.now),
            event_type: Set(self.event_type.to_owned()),
            aggregate_type: Set(self.record_type.to_owned()),
            aggregate_id: Set(self.record_id),
            payload: Set(self.payload.to_string()),
            subject: Set(self.actor.principal.subject.clone()),
            delivered_at: Set(None),
            attempts: Set(0),
        })
        .exec(txn)
        .await?;
        audit::append_with(
            txn,
            &self.actor.principal,
            self.actor.operation.as_deref(),
            AuditAction::Write,
            &[AuditedRecord {
                record_type: self.record_type,
                record_id: self.record_id,
            }],
            &audit::AuditContext {
                purpose: purpose.map(str::to_owned),
                correlation_id: self.actor.correlation_id.clone(),
                ..Default::default()
            },
        )
        .await
    }
}

/// The record an earlier request with the same idempotency key created, if any.
pub(crate) async fn replayed<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    key: Option<&str>,
) -> StoreResult<Option<Uuid>> {
    let Some(key) = key else { return Ok(None) };
    Ok(idempotency_record::Entity::find()
        .filter(idempotency_record::Column::Subject.eq(actor.principal.subject.clone()))
        .filter(idempotency_record::Column::IdempotencyKey.eq(key))
        .one(db)
        .await?
        .map(|row| row.record_id))
}

/// The record an earlier request with the same idempotency key created, loaded, if any: a
/// retried create answers with it instead of creating again.
pub(crate) async fn replay<E>(
    txn: &DatabaseTransaction,
    actor: &Actor,
    key: Option<&str>,
) -> StoreResult<Option<E::Model>>
where
    E: EntityTrait,
    <E::PrimaryKey as PrimaryKeyTrait>::ValueType: From<Uuid>,
{
    match replayed(txn, actor, key).await? {
        Some(id) => Ok(E::find_by_id(id).one(txn).await?),
        None => Ok(None),
    }
}

/// Finishes a creating command: remembers the idempotency key, reads the record back and
/// commits.
pub(crate) async fn created<E>(
    txn: DatabaseTransaction,
    actor: &Actor,
    key: Option<&str>,
    record_type: &str,
    id: Uuid,
) -> StoreResult<Outcome<E::Model>>
where
    E: EntityTrait,
    <E::PrimaryKey as PrimaryKeyTrait>::ValueType: From<Uuid>,
{
    remember(&txn, actor, key, record_type, id).await?;
    let saved = E::find_by_id(id).one(&txn).await?;
    finish(txn, saved).await
}

/// Commits and returns the record the command wrote.
pub(crate) async fn finish<T>(
    txn: DatabaseTransaction,
    found: Option<T>,
) -> StoreResult<Outcome<T>> {
    txn.commit().await?;
    found.map(Ok).ok_or_else(|| {
        StoreError::Corrupt("a record vanished inside its own transaction".to_owned())
    })
}

/// The user error for a referenced record that does not exist or is out of the caller's scope
/// (the two are indistinguishable).
pub(crate) fn unknown(field: &str, what: &str) -> Vec<UserError> {
    vec![UserError::new(
        field,
        familygraph_domain::workflow::UserErrorCode::UnknownRecord,
        format!("no such {what}"),
    )]
}

/// Remembers which record an idempotency key created.
pub(crate) async fn remember<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    key: Option<&str>,
    record_type: &str,
    record_id: Uuid,
) -> StoreResult<()> {
    let Some(key) = key else { return Ok(()) };
    idempotency_record::Entity::insert(idempotency_record::ActiveModel {
        id: Set(Uuid::now_v7()),
        subject: Set(actor.principal.subject.clone()),
        idempotency_key: Set(key.to_owned()),
        operation: Set(actor.operation.clone().unwrap_or_default()),
        record_type: Set(record_type.to_owned()),
        record_id: Set(record_id),
        created_at: Set(actor.now),
    })
    .exec(db)
    .await?;
    Ok(())
}

/// The practitioner record of the caller, if they have one.
pub(crate) async fn acting_practitioner<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
) -> StoreResult<Option<practitioner::Model>> {
    Ok(practitioner::Entity::find()
        .filter(practitioner::Column::Subject.eq(actor.principal.subject.clone()))
        .one(db)
        .await?)
}

/// A person the caller may see, by id.
pub(crate) async fn visible_person<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    id: Uuid,
) -> StoreResult<Option<person::Model>> {
    use crate::scope::Scoped;
    Ok(person::Entity::find_by_id(id)
        .filter(person::Entity::scope_condition(&actor.scope))
        .one(db)
        .await?)
}

/// Fails with [`StoreError::Conflict`] unless an optimistic update touched exactly one row.
pub(crate) fn expect_one_row(
    rows_affected: u64,
    record_type: &'static str,
    id: Uuid,
    expected: i32,
) -> StoreResult<()> {
    if rows_affected == 1 {
        Ok(())
    } else {
        Err(StoreError::Conflict {
            record_type,
            id,
            expected,
        })
    }
}
