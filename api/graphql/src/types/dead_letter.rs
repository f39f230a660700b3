//! Dead letters: outbound deliveries that gave up, for administrators to see and act on.
//!
//! Two ledgers hold deliveries: `outbox_delivery` (one row per delivery target and outbox
//! event: the case system's drop directory or staging table, and the webhooks fan-out target)
//! and `webhook_delivery` (one row per webhook subscription and event). A delivery that gave up
//! — a permanent error, or the attempt limit — is a **dead letter**: `failed_permanently` in
//! the first, `failed` in the second. This module lists them (`deadLetters`), puts one back in
//! the queue (`retryDelivery`) or sets it aside for good (`discardDelivery`: it stays in its
//! ledger as `discarded`). The same functions back `familygraph delivery dead-letters`,
//! `familygraph delivery retry` and `familygraph delivery discard`.
//!
//! Nothing here shows a payload or a personal detail: a dead letter names its target, the
//! outbox event's id and type, attempts, the **class** of the last error (and its HTTP status
//! code, for webhooks) and the first and last attempt times. The stored error text is not
//! shown. Every retry and discard writes an audit row (record type `OutboxDelivery` or
//! `WebhookDelivery`, purpose `delivery_administration`) in the same transaction as the change.
//!
//! **Retry resets the attempt count to 0**: whoever retries has fixed the cause, and with an
//! attempt limit (`FAMILYGRAPH_DELIVERY_MAX_ATTEMPTS`) a continued count would allow one attempt
//! at most. The attempts made before are in the audit trail's history of the row only as the
//! fact of the retry; the dead letter's error class stays until the next attempt replaces it.

use async_graphql::{Context, Enum, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};
use familygraph_domain::Principal;
use familygraph_domain::workflow::Operation;
use familygraph_store::entity::{
    outbox_delivery, outbox_event, webhook_delivery, webhook_subscription,
};
use familygraph_store::{AuditAction, AuditContext, AuditedRecord, StoreError, audit};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, DatabaseTransaction, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Select, TransactionTrait, UpdateMany,
};
use serde::Serialize;
use uuid::Uuid;

use crate::context::request;
use crate::error::{ApiError, ApiResult};
use crate::global_id;
use crate::pagination::{Page, PageRequest, page_of};

/// Global id type name of a delivery in `outbox_delivery`.
pub const OUTBOX_DELIVERY_TYPE: &str = "OutboxDelivery";
/// Global id type name of a delivery in `webhook_delivery` (the webhook log's own).
pub const WEBHOOK_DELIVERY_TYPE: &str = super::webhook::DELIVERY_TYPE;
/// `status` (in either ledger) of a dead letter an administrator discarded.
pub const STATUS_DISCARDED: &str = "discarded";
/// The delivery worker's target name for webhooks (its `outbox_delivery` rows).
pub const WEBHOOKS_TARGET: &str = "webhooks";
/// The audit purpose of retries and discards.
pub const AUDIT_PURPOSE: &str = "delivery_administration";

const DESCRIBED: &str = "see or act on dead-lettered deliveries (administrators only)";

/// Which ledger a delivery is in.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum DeliveryKind {
    /// A delivery target of the delivery worker (`outbox_delivery`): the case system's drop
    /// directory or staging table (and the webhooks fan-out target, when an event could not be
    /// built at all).
    CaseSystem,
    /// One webhook subscription's delivery of one event (`webhook_delivery`).
    Webhook,
}

/// Where a dead letter is.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum DeadLetterStatus {
    /// Given up: a permanent error or the attempt limit. Retry or discard it.
    DeadLettered,
    /// Set aside by an administrator; kept in the ledger, never attempted again.
    Discarded,
}

/// A delivery named by its ledger and row id.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum DeliveryRef {
    /// A row of `outbox_delivery`.
    Outbox(Uuid),
    /// A row of `webhook_delivery`.
    Webhook(Uuid),
}

impl DeliveryRef {
    /// The delivery's global id.
    pub fn global_id(self) -> ID {
        match self {
            Self::Outbox(id) => global_id::encode(OUTBOX_DELIVERY_TYPE, id),
            Self::Webhook(id) => global_id::encode(WEBHOOK_DELIVERY_TYPE, id),
        }
    }

    /// From a global id (`field` names the input in errors).
    pub fn from_global_id(field: &str, id: &ID) -> ApiResult<Self> {
        let (type_name, uuid) = global_id::decode(field, id)?;
        match type_name.as_str() {
            OUTBOX_DELIVERY_TYPE => Ok(Self::Outbox(uuid)),
            WEBHOOK_DELIVERY_TYPE => Ok(Self::Webhook(uuid)),
            _ => Err(ApiError::bad_input(field, "is not the id of a delivery")),
        }
    }
}

/// One dead-lettered (or discarded) delivery, as administrators see it: no payload, no error
/// text, no personal data.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DeadLetterRecord {
    /// The delivery's global id.
    pub id: String,
    /// Which ledger it is in.
    pub kind: DeliveryKind,
    /// Dead-lettered or discarded.
    pub status: DeadLetterStatus,
    /// The target: the delivery target's name (`case-system`), or `webhook:<subscription id>`.
    pub target: String,
    /// The webhook subscription's global id (webhook deliveries).
    pub subscription_id: Option<String>,
    /// The outbox event's id (UUIDv7).
    pub event_id: Uuid,
    /// The event's type (`ContactRecorded`, `lead_practitioner.allocated`).
    pub event_kind: String,
    /// Attempts made.
    pub attempts: i32,
    /// The class of the last error ([`error_class`]).
    pub error_class: String,
    /// The receiver's last HTTP status code, when it answered (webhooks).
    pub error_code: Option<i32>,
    /// When the first attempt was made (see the field's documentation in GraphQL).
    pub first_attempt_at: Option<DateTime<Utc>>,
    /// When the last attempt was made.
    pub last_attempt_at: Option<DateTime<Utc>>,
    #[serde(skip)]
    key: Uuid,
}

/// Why a retry or discard was refused.
#[derive(Debug, thiserror::Error)]
pub enum DeadLetterError {
    /// No delivery with that id.
    #[error("no delivery with that id")]
    NotFound,
    /// The delivery is not a dead letter (pending, delivered, withdrawn or discarded).
    #[error("the delivery is {status}, not dead-lettered")]
    NotDeadLettered {
        /// Its status.
        status: String,
    },
    /// A webhook delivery whose subscription is no longer active cannot be retried.
    #[error("the webhook subscription is no longer active")]
    SubscriptionInactive,
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sea_orm::DbErr> for DeadLetterError {
    fn from(error: sea_orm::DbErr) -> Self {
        Self::Store(error.into())
    }
}

impl From<DeadLetterError> for ApiError {
    fn from(error: DeadLetterError) -> Self {
        match error {
            DeadLetterError::NotFound => ApiError::not_found("delivery"),
            DeadLetterError::NotDeadLettered { .. } | DeadLetterError::SubscriptionInactive => {
                ApiError::Conflict {
                    what: error.to_string(),
                }
            }
            DeadLetterError::Store(error) => error.into(),
        }
    }
}

/// The class of a stored delivery error, from its fixed shape (the adapter SDK's error
/// messages, the worker's and the webhook sender's): `TIMEOUT`, `UNREACHABLE`, `HTTP_STATUS`,
/// `REFUSED`, `MALFORMED`, `CONFIGURATION`, `UNBUILDABLE`, `IO`, or `UNKNOWN` (no error
/// recorded). A retryable class behind the attempt limit is prefixed `GAVE_UP_` (e.g.
/// `GAVE_UP_TIMEOUT`).
pub fn error_class(error: Option<&str>, status: Option<i32>) -> String {
    let Some(error) = error else {
        return if status.is_some() {
            "HTTP_STATUS".to_owned()
        } else {
            "UNKNOWN".to_owned()
        };
    };
    if let Some(rest) = error.strip_prefix("gave up after ")
        && let Some((_, inner)) = rest.split_once(": ")
    {
        return format!("GAVE_UP_{}", error_class(Some(inner), status));
    }
    let class = if status.is_some() || error.contains(": HTTP status ") {
        "HTTP_STATUS"
    } else if error.ends_with(": timed out") || error.contains("timed out") {
        "TIMEOUT"
    } else if error.contains(": unreachable: ") {
        "UNREACHABLE"
    } else if error.contains(": rejected: ") {
        "REFUSED"
    } else if error.contains(": malformed: ") {
        "MALFORMED"
    } else if error.starts_with("configuration: ") {
        "CONFIGURATION"
    } else if error.contains("no longer exists")
        || error.contains("is not JSON")
        || error.contains("cannot be built")
    {
        "UNBUILDABLE"
    } else {
        "IO"
    };
    class.to_owned()
}

fn outbox_record(row: outbox_delivery::Model, event_kind: String) -> DeadLetterRecord {
    let kind = if row.target == WEBHOOKS_TARGET {
        DeliveryKind::Webhook
    } else {
        DeliveryKind::CaseSystem
    };
    DeadLetterRecord {
        id: DeliveryRef::Outbox(row.id).global_id().0,
        kind,
        status: if row.status == STATUS_DISCARDED {
            DeadLetterStatus::Discarded
        } else {
            DeadLetterStatus::DeadLettered
        },
        target: row.target,
        subscription_id: None,
        event_id: row.outbox_event_id,
        event_kind,
        attempts: row.attempts,
        error_class: error_class(row.last_error.as_deref(), None),
        error_code: None,
        first_attempt_at: (row.attempts > 0).then_some(row.created_at),
        last_attempt_at: (row.attempts > 0).then_some(row.updated_at),
        key: row.id,
    }
}

fn webhook_record(row: webhook_delivery::Model) -> DeadLetterRecord {
    DeadLetterRecord {
        id: DeliveryRef::Webhook(row.id).global_id().0,
        kind: DeliveryKind::Webhook,
        status: if row.status == STATUS_DISCARDED {
            DeadLetterStatus::Discarded
        } else {
            DeadLetterStatus::DeadLettered
        },
        target: format!("webhook:{}", row.subscription_id),
        subscription_id: Some(
            global_id::encode(super::webhook::RECORD_TYPE, row.subscription_id).0,
        ),
        event_id: row.outbox_event_id,
        event_kind: row.event_type,
        attempts: row.attempts,
        error_class: error_class(row.last_error.as_deref(), row.response_status),
        error_code: row.response_status,
        first_attempt_at: (row.attempts > 0).then_some(row.created_at),
        last_attempt_at: row.last_attempt_at,
        key: row.id,
    }
}

async fn event_kinds<C: ConnectionTrait>(
    db: &C,
    rows: Vec<outbox_delivery::Model>,
) -> Result<Vec<DeadLetterRecord>, sea_orm::DbErr> {
    let ids: Vec<Uuid> = rows.iter().map(|r| r.outbox_event_id).collect();
    let kinds: std::collections::HashMap<Uuid, String> = if ids.is_empty() {
        Default::default()
    } else {
        outbox_event::Entity::find()
            .select_only()
            .column(outbox_event::Column::Id)
            .column(outbox_event::Column::EventType)
            .filter(outbox_event::Column::Id.is_in(ids))
            .into_tuple::<(Uuid, String)>()
            .all(db)
            .await?
            .into_iter()
            .collect()
    };
    Ok(rows
        .into_iter()
        .map(|row| {
            let kind = kinds.get(&row.outbox_event_id).cloned().unwrap_or_default();
            outbox_record(row, kind)
        })
        .collect())
}

/// `status` and, with `include_discarded`, [`STATUS_DISCARDED`].
fn with_discarded(status: &'static str, include_discarded: bool) -> Vec<&'static str> {
    let mut statuses = vec![status];
    if include_discarded {
        statuses.push(STATUS_DISCARDED);
    }
    statuses
}

/// The `outbox_delivery` rows [`list`] and [`count`] go through: dead letters (and, with
/// `include_discarded`, discarded ones) of `kind` (both when `None`).
fn outbox_dead_letters(
    kind: Option<DeliveryKind>,
    include_discarded: bool,
) -> Select<outbox_delivery::Entity> {
    let select = outbox_delivery::Entity::find().filter(outbox_delivery::Column::Status.is_in(
        with_discarded(
            outbox_delivery::STATUS_FAILED_PERMANENTLY,
            include_discarded,
        ),
    ));
    match kind {
        Some(DeliveryKind::CaseSystem) => {
            select.filter(outbox_delivery::Column::Target.ne(WEBHOOKS_TARGET))
        }
        Some(DeliveryKind::Webhook) => {
            select.filter(outbox_delivery::Column::Target.eq(WEBHOOKS_TARGET))
        }
        None => select,
    }
}

/// The `webhook_delivery` rows [`list`] and [`count`] go through: dead letters (and, with
/// `include_discarded`, discarded ones).
fn webhook_dead_letters(include_discarded: bool) -> Select<webhook_delivery::Entity> {
    webhook_delivery::Entity::find().filter(webhook_delivery::Column::Status.is_in(with_discarded(
        webhook_delivery::STATUS_FAILED,
        include_discarded,
    )))
}

/// Dead letters (and, with `include_discarded`, discarded ones) of `kind` (both when `None`),
/// newest first (by delivery id, UUIDv7: when the event was taken on), after the delivery id
/// `after`, at most `limit`.
pub async fn list<C: ConnectionTrait>(
    db: &C,
    kind: Option<DeliveryKind>,
    include_discarded: bool,
    after: Option<Uuid>,
    limit: u64,
) -> Result<Vec<DeadLetterRecord>, sea_orm::DbErr> {
    let mut out = Vec::new();
    {
        let mut select = outbox_dead_letters(kind, include_discarded)
            .order_by_desc(outbox_delivery::Column::Id)
            .limit(limit);
        if let Some(after) = after {
            select = select.filter(outbox_delivery::Column::Id.lt(after));
        }
        out.extend(event_kinds(db, select.all(db).await?).await?);
    }
    if kind != Some(DeliveryKind::CaseSystem) {
        let mut select = webhook_dead_letters(include_discarded)
            .order_by_desc(webhook_delivery::Column::Id)
            .limit(limit);
        if let Some(after) = after {
            select = select.filter(webhook_delivery::Column::Id.lt(after));
        }
        out.extend(select.all(db).await?.into_iter().map(webhook_record));
    }
    out.sort_by_key(|record| std::cmp::Reverse(record.key));
    out.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
    Ok(out)
}

/// How many deliveries [`list`] would page through with the same filters (every page).
pub async fn count<C: ConnectionTrait>(
    db: &C,
    kind: Option<DeliveryKind>,
    include_discarded: bool,
) -> Result<u64, sea_orm::DbErr> {
    let mut total = outbox_dead_letters(kind, include_discarded)
        .count(db)
        .await?;
    if kind != Some(DeliveryKind::CaseSystem) {
        total += webhook_dead_letters(include_discarded).count(db).await?;
    }
    Ok(total)
}

/// The delivery `which`, whatever its status (`None` when there is none).
pub async fn find<C: ConnectionTrait>(
    db: &C,
    which: DeliveryRef,
) -> Result<Option<DeadLetterRecord>, sea_orm::DbErr> {
    Ok(match which {
        DeliveryRef::Outbox(id) => {
            let rows: Vec<_> = outbox_delivery::Entity::find_by_id(id).all(db).await?;
            event_kinds(db, rows).await?.pop()
        }
        DeliveryRef::Webhook(id) => webhook_delivery::Entity::find_by_id(id)
            .one(db)
            .await?
            .map(webhook_record),
    })
}

/// Resolves a bare row id (the command line's) to the ledger holding it.
pub async fn resolve<C: ConnectionTrait>(
    db: &C,
    id: Uuid,
) -> Result<Option<DeliveryRef>, sea_orm::DbErr> {
    if outbox_delivery::Entity::find_by_id(id)
        .one(db)
        .await?
        .is_some()
    {
        return Ok(Some(DeliveryRef::Outbox(id)));
    }
    if webhook_delivery::Entity::find_by_id(id)
        .one(db)
        .await?
        .is_some()
    {
        return Ok(Some(DeliveryRef::Webhook(id)));
    }
    Ok(None)
}

async fn audit_change<C>(
    db: &C,
    actor: &Principal,
    operation: &str,
    which: DeliveryRef,
) -> Result<(), StoreError>
where
    C: ConnectionTrait + TransactionTrait,
{
    let record = match which {
        DeliveryRef::Outbox(id) => AuditedRecord {
            record_type: OUTBOX_DELIVERY_TYPE,
            record_id: id,
        },
        DeliveryRef::Webhook(id) => AuditedRecord {
            record_type: WEBHOOK_DELIVERY_TYPE,
            record_id: id,
        },
    };
    audit::append_with(
        db,
        actor,
        Some(operation),
        AuditAction::Write,
        &[record],
        &AuditContext::with_purpose(AUDIT_PURPOSE, None),
    )
    .await
}

/// Why `which` cannot be acted on: its current status, or not found.
async fn refuse<C: ConnectionTrait>(db: &C, which: DeliveryRef) -> DeadLetterError {
    let status = match which {
        DeliveryRef::Outbox(id) => outbox_delivery::Entity::find_by_id(id)
            .one(db)
            .await
            .map(|row| row.map(|r| r.status)),
        DeliveryRef::Webhook(id) => webhook_delivery::Entity::find_by_id(id)
            .one(db)
            .await
            .map(|row| row.map(|r| r.status)),
    };
    match status {
        Ok(Some(status)) => DeadLetterError::NotDeadLettered { status },
        Ok(None) => DeadLetterError::NotFound,
        Err(error) => error.into(),
    }
}

fn now() -> DateTime<Utc> {
    let now = Utc::now();
    DateTime::from_timestamp_micros(now.timestamp_micros()).unwrap_or(now)
}

/// The row `which` names, in its ledger, while it is dead-lettered (`failed_permanently` in
/// `outbox_delivery`, `failed` in `webhook_delivery`): the one row a retry or a discard may
/// change. Filter only an update of `which`'s own ledger with it.
fn dead_lettered(which: DeliveryRef) -> Condition {
    match which {
        DeliveryRef::Outbox(id) => Condition::all()
            .add(outbox_delivery::Column::Id.eq(id))
            .add(outbox_delivery::Column::Status.eq(outbox_delivery::STATUS_FAILED_PERMANENTLY)),
        DeliveryRef::Webhook(id) => Condition::all()
            .add(webhook_delivery::Column::Id.eq(id))
            .add(webhook_delivery::Column::Status.eq(webhook_delivery::STATUS_FAILED)),
    }
}

/// Acts on the dead letter `which` for `actor`, audited as `operation` (`retryDelivery`,
/// `discardDelivery`), in one transaction: `change` updates its ledger (given the transaction
/// and the time now) and says how many of its rows changed. Unless that is exactly the one, the
/// action is refused (the delivery is unknown or not dead-lettered: see [`refuse`]) and nothing
/// is kept; otherwise it is audited and committed. Returns the delivery as it now is.
async fn act_on(
    db: &DatabaseConnection,
    actor: &Principal,
    operation: &str,
    which: DeliveryRef,
    change: impl AsyncFnOnce(&DatabaseTransaction, DateTime<Utc>) -> Result<u64, DeadLetterError>,
) -> Result<DeadLetterRecord, DeadLetterError> {
    let txn = db.begin().await?;
    let changed = change(&txn, now()).await?;
    if changed != 1 {
        let refusal = refuse(&txn, which).await;
        return Err(refusal);
    }
    audit_change(&txn, actor, operation, which).await?;
    let record = find(&txn, which).await?.ok_or(DeadLetterError::NotFound)?;
    txn.commit().await?;
    Ok(record)
}

/// Puts `outbox_delivery` rows back in the queue, due `now`, with their attempt count reset to
/// 0 (the rows are those the caller's filters pick).
fn requeue_outbox(now: DateTime<Utc>) -> UpdateMany<outbox_delivery::Entity> {
    outbox_delivery::Entity::update_many()
        .col_expr(
            outbox_delivery::Column::Status,
            Expr::value(outbox_delivery::STATUS_PENDING),
        )
        .col_expr(outbox_delivery::Column::Attempts, Expr::value(0))
        .col_expr(outbox_delivery::Column::NextAttemptAt, Expr::value(now))
        .col_expr(outbox_delivery::Column::UpdatedAt, Expr::value(now))
}

/// Puts the dead letter `which` back in the queue, due now, with its attempt count reset to
/// 0 (see the module documentation), audited as `retryDelivery` by `actor`. A webhook
/// delivery's event is queued again for the webhooks target too, which then sends to that
/// subscriber only (others already have it). Returns the delivery as it now is.
pub async fn retry(
    db: &DatabaseConnection,
    actor: &Principal,
    which: DeliveryRef,
) -> Result<DeadLetterRecord, DeadLetterError> {
    act_on(db, actor, "retryDelivery", which, async |txn, now| {
        Ok(match which {
            DeliveryRef::Outbox(_) => {
                requeue_outbox(now)
                    .filter(dead_lettered(which))
                    .exec(txn)
                    .await?
                    .rows_affected
            }
            DeliveryRef::Webhook(id) => {
                let Some(row) = webhook_delivery::Entity::find_by_id(id).one(txn).await? else {
                    return Err(DeadLetterError::NotFound);
                };
                if row.status == webhook_delivery::STATUS_FAILED {
                    let active = webhook_subscription::Entity::find_by_id(row.subscription_id)
                        .one(txn)
                        .await?
                        .is_some_and(|s| s.active && s.deleted_at.is_none());
                    if !active {
                        return Err(DeadLetterError::SubscriptionInactive);
                    }
                }
                let changed = webhook_delivery::Entity::update_many()
                    .col_expr(
                        webhook_delivery::Column::Status,
                        Expr::value(webhook_delivery::STATUS_PENDING),
                    )
                    .col_expr(webhook_delivery::Column::Attempts, Expr::value(0))
                    .filter(dead_lettered(which))
                    .exec(txn)
                    .await?
                    .rows_affected;
                if changed == 1 {
                    // The fan-out target retries the event; it sends only to pending
                    // subscribers.
                    requeue_outbox(now)
                        .filter(outbox_delivery::Column::Target.eq(WEBHOOKS_TARGET))
                        .filter(outbox_delivery::Column::OutboxEventId.eq(row.outbox_event_id))
                        .exec(txn)
                        .await?;
                }
                changed
            }
        })
    })
    .await
}

/// Sets the dead letter `which` aside: `discarded` in its ledger, never attempted again,
/// audited as `discardDelivery` by `actor`. Returns the delivery as it now is.
pub async fn discard(
    db: &DatabaseConnection,
    actor: &Principal,
    which: DeliveryRef,
) -> Result<DeadLetterRecord, DeadLetterError> {
    act_on(db, actor, "discardDelivery", which, async |txn, now| {
        Ok(match which {
            DeliveryRef::Outbox(_) => {
                outbox_delivery::Entity::update_many()
                    .col_expr(
                        outbox_delivery::Column::Status,
                        Expr::value(STATUS_DISCARDED),
                    )
                    .col_expr(outbox_delivery::Column::UpdatedAt, Expr::value(now))
                    .filter(dead_lettered(which))
                    .exec(txn)
                    .await?
                    .rows_affected
            }
            DeliveryRef::Webhook(_) => {
                webhook_delivery::Entity::update_many()
                    .col_expr(
                        webhook_delivery::Column::Status,
                        Expr::value(STATUS_DISCARDED),
                    )
                    .filter(dead_lettered(which))
                    .exec(txn)
                    .await?
                    .rows_affected
            }
        })
    })
    .await
}

/// A delivery that gave up (or was discarded): what went wrong, never what was sent.
#[derive(Clone)]
pub struct DeadLetter(pub DeadLetterRecord);

#[Object]
impl DeadLetter {
    /// Global id (an `OutboxDelivery` or a `WebhookDelivery`): pass it to `retryDelivery` or
    /// `discardDelivery`.
    async fn id(&self) -> ID {
        ID(self.0.id.clone())
    }
    /// Which ledger the delivery is in.
    async fn kind(&self) -> DeliveryKind {
        self.0.kind
    }
    /// Dead-lettered, or discarded by an administrator.
    async fn status(&self) -> DeadLetterStatus {
        self.0.status
    }
    /// The target: a delivery target's name (e.g. `case-system`; `webhooks` for the fan-out
    /// target), or `webhook:<subscription id>` for one subscriber.
    async fn target(&self) -> &str {
        &self.0.target
    }
    /// The webhook subscription (webhook deliveries; `null` otherwise).
    async fn subscription_id(&self) -> Option<ID> {
        self.0.subscription_id.clone().map(ID)
    }
    /// The outbox event's id (UUIDv7, time-ordered), as the event document's `eventId`.
    async fn event_id(&self) -> String {
        self.0.event_id.to_string()
    }
    /// The event's type, e.g. `ContactRecorded` or `lead_practitioner.allocated`.
    async fn event_kind(&self) -> &str {
        &self.0.event_kind
    }
    /// Attempts made (since the last retry, if any).
    async fn attempts(&self) -> i32 {
        self.0.attempts
    }
    /// The class of the last error: `TIMEOUT`, `UNREACHABLE`, `HTTP_STATUS`, `REFUSED`,
    /// `MALFORMED`, `CONFIGURATION`, `UNBUILDABLE`, `IO` or `UNKNOWN`; prefixed `GAVE_UP_`
    /// when a retryable error reached the attempt limit. The error's text is not shown.
    async fn error_class(&self) -> &str {
        &self.0.error_class
    }
    /// The receiver's last HTTP status code, when it answered (webhooks).
    async fn error_code(&self) -> Option<i32> {
        self.0.error_code
    }
    /// When the first attempt was made (for a case-system delivery: when the worker took the
    /// event on, which it attempts in the same round); `null` before any attempt.
    async fn first_attempt_at(&self) -> Option<DateTime<Utc>> {
        self.0.first_attempt_at
    }
    /// When the last attempt was made (for a case-system delivery: when its ledger row last
    /// changed).
    async fn last_attempt_at(&self) -> Option<DateTime<Utc>> {
        self.0.last_attempt_at
    }
}

/// Dead-letter queries.
#[derive(Default)]
pub struct DeadLetterQuery;

#[Object]
impl DeadLetterQuery {
    /// Deliveries that gave up, newest first (by when the event was taken on). Administrators
    /// only (`run_adapters`; `FORBIDDEN` otherwise).
    async fn dead_letters(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size (default 20, at most 100).")] first: Option<i32>,
        #[graphql(desc = "Cursor to start after.")] after: Option<String>,
        #[graphql(desc = "Only deliveries of this kind (default: both).")] kind: Option<
            DeliveryKind,
        >,
        #[graphql(desc = "Also list discarded deliveries (default false).")]
        include_discarded: Option<bool>,
    ) -> ApiResult<Page<DeadLetter>> {
        let rc = request(ctx)?;
        rc.require(Operation::RunAdapters, DESCRIBED)?;
        let page = PageRequest::new(first, after.as_deref())?;
        let include_discarded = include_discarded.unwrap_or(false);
        let rows = list(&rc.db, kind, include_discarded, page.after, page.first + 1).await?;
        let total = count(&rc.db, kind, include_discarded).await?;
        Ok(page_of(rows, page, total, |row| row.key, DeadLetter))
    }
}

/// Input of `retryDelivery` and `discardDelivery`.
#[derive(InputObject)]
pub struct DeadLetterInput {
    /// The dead letter's id (`DeadLetter.id`).
    pub id: ID,
}

/// Result of `retryDelivery` and `discardDelivery`.
#[derive(SimpleObject)]
pub struct DeadLetterPayload {
    /// The delivery as it now is (after a retry it is pending: it no longer appears in
    /// `deadLetters` unless it gives up again).
    pub dead_letter: DeadLetter,
}

/// A dead-letter mutation: administrators only (`FORBIDDEN` otherwise); `act` (retry or
/// discard) on the delivery `input` names, for the caller.
async fn administer(
    ctx: &Context<'_>,
    input: DeadLetterInput,
    act: impl AsyncFnOnce(
        &DatabaseConnection,
        &Principal,
        DeliveryRef,
    ) -> Result<DeadLetterRecord, DeadLetterError>,
) -> ApiResult<DeadLetterPayload> {
    let rc = request(ctx)?;
    rc.require(Operation::RunAdapters, DESCRIBED)?;
    let which = DeliveryRef::from_global_id("id", &input.id)?;
    let record = act(&rc.db, &rc.principal, which).await?;
    Ok(DeadLetterPayload {
        dead_letter: DeadLetter(record),
    })
}

/// Dead-letter mutations.
#[derive(Default)]
pub struct DeadLetterMutation;

#[Object]
impl DeadLetterMutation {
    /// Puts a dead letter back in the queue, due now, with its attempt count reset to 0; the
    /// same idempotency key is used, so a target that already had it answers `duplicate`.
    /// Audited. Administrators only. `NOT_FOUND` for an unknown id; `CONFLICT` when the
    /// delivery is not dead-lettered (or its webhook subscription is no longer active).
    async fn retry_delivery(
        &self,
        ctx: &Context<'_>,
        input: DeadLetterInput,
    ) -> ApiResult<DeadLetterPayload> {
        administer(ctx, input, retry).await
    }

    /// Discards a dead letter: it stays in its ledger as `DISCARDED` and is never attempted
    /// again. Audited. Administrators only. `NOT_FOUND` for an unknown id; `CONFLICT` when the
    /// delivery is not dead-lettered.
    async fn discard_delivery(
        &self,
        ctx: &Context<'_>,
        input: DeadLetterInput,
    ) -> ApiResult<DeadLetterPayload> {
        administer(ctx, input, discard).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_are_classed_by_their_shape() {
        assert_eq!(error_class(None, None), "UNKNOWN");
        assert_eq!(error_class(Some("case-system: timed out"), None), "TIMEOUT");
        assert_eq!(
            error_class(Some("case-system: unreachable: connection refused"), None),
            "UNREACHABLE"
        );
        assert_eq!(
            error_class(
                Some("refusing-system: rejected: refuses this event type"),
                None
            ),
            "REFUSED"
        );
        assert_eq!(
            error_class(
                Some("gave up after 3 attempts: case-system: timed out"),
                None
            ),
            "GAVE_UP_TIMEOUT"
        );
        assert_eq!(error_class(Some("anything"), Some(410)), "HTTP_STATUS");
        assert_eq!(
            error_class(Some("contact 0190 no longer exists"), None),
            "UNBUILDABLE"
        );
    }
}
