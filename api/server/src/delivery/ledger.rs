//! `outbox_delivery`: which events a target has taken on, and how each delivery went.

use chrono::{DateTime, Utc};
use familygraph_store::entity::{outbox_delivery, outbox_event};
use sea_orm::sea_query::{Expr, ExprTrait as _, OnConflict, Query};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use uuid::Uuid;

use super::{DeliveryTarget, EventFilter};
use outbox_delivery::{STATUS_DELIVERED, STATUS_FAILED_PERMANENTLY, STATUS_PENDING};

/// Longest `last_error` kept, in characters.
pub const MAX_ERROR_CHARS: usize = 500;

/// How one attempt ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Attempt {
    /// The target has the event (now, or already: `duplicate`).
    Delivered {
        /// The target's receipt.
        receipt: Option<String>,
        /// Whether it already had the idempotency key.
        duplicate: bool,
    },
    /// A retryable failure: try again at `next_attempt_at`.
    Retry {
        /// What went wrong (no personal data).
        error: String,
        /// When to try again.
        next_attempt_at: DateTime<Utc>,
    },
    /// A permanent failure, or the attempt limit: a dead letter.
    Failed {
        /// What went wrong (no personal data).
        error: String,
    },
}

/// Now, to the microsecond (what both databases keep).
pub fn now() -> DateTime<Utc> {
    let now = Utc::now();
    DateTime::from_timestamp_micros(now.timestamp_micros()).unwrap_or(now)
}

/// The smallest UUIDv7 of the millisecond `at`: every event id of that millisecond or later is
/// at least this.
pub fn uuid_floor(at: DateTime<Utc>) -> Uuid {
    let millis = u128::try_from(at.timestamp_millis()).unwrap_or(0) & ((1 << 48) - 1);
    Uuid::from_u128(millis << 80)
}

/// The millisecond a UUIDv7 was made in.
pub fn uuid_time(id: Uuid) -> Option<DateTime<Utc>> {
    let millis = i64::try_from(id.as_u128() >> 80).ok()?;
    DateTime::from_timestamp_millis(millis)
}

/// Takes on up to `limit` outbox events `target` wants that it has not taken on yet, with ids
/// above `after` (when given), oldest first: one `pending` row each, due now. Returns the
/// highest event id seen (taken on now or by a racing worker), if any.
pub async fn take_on<C: ConnectionTrait>(
    db: &C,
    target: &DeliveryTarget,
    after: Option<Uuid>,
    limit: u64,
) -> Result<Option<Uuid>, DbErr> {
    let taken = Query::select()
        .column(outbox_delivery::Column::OutboxEventId)
        .from(outbox_delivery::Entity)
        .and_where(outbox_delivery::Column::Target.eq(target.name.clone()))
        .to_owned();
    let mut query = outbox_event::Entity::find()
        .select_only()
        .column(outbox_event::Column::Id)
        .filter(Expr::col(outbox_event::Column::Id).not_in_subquery(taken));
    if let EventFilter::Only(types) = &target.events {
        query = query.filter(outbox_event::Column::EventType.is_in(types.iter().cloned()));
    }
    if let Some(after) = after {
        query = query.filter(outbox_event::Column::Id.gt(after));
    }
    if let Some(since) = target.since {
        query = query.filter(outbox_event::Column::OccurredAt.gte(since));
    }
    let ids: Vec<Uuid> = query
        .order_by_asc(outbox_event::Column::Id)
        .limit(limit)
        .into_tuple()
        .all(db)
        .await?;
    let Some(highest) = ids.last().copied() else {
        return Ok(None);
    };
    let now = now();
    let rows = ids
        .into_iter()
        .map(|event_id| outbox_delivery::ActiveModel {
            id: Set(Uuid::now_v7()),
            target: Set(target.name.clone()),
            outbox_event_id: Set(event_id),
            status: Set(STATUS_PENDING.to_owned()),
            attempts: Set(0),
            next_attempt_at: Set(now),
            last_error: Set(None),
            receipt: Set(None),
            duplicate: Set(false),
            delivered_at: Set(None),
            created_at: Set(now),
            updated_at: Set(now),
        });
    outbox_delivery::Entity::insert_many(rows)
        .on_conflict(
            OnConflict::columns([
                outbox_delivery::Column::Target,
                outbox_delivery::Column::OutboxEventId,
            ])
            .do_nothing()
            .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
    Ok(Some(highest))
}

/// The highest event id `target` has taken on.
pub async fn highest_taken<C: ConnectionTrait>(
    db: &C,
    target: &str,
) -> Result<Option<Uuid>, DbErr> {
    let row: Option<Uuid> = outbox_delivery::Entity::find()
        .select_only()
        .column(outbox_delivery::Column::OutboxEventId)
        .filter(outbox_delivery::Column::Target.eq(target))
        .order_by_desc(outbox_delivery::Column::OutboxEventId)
        .limit(1)
        .into_tuple()
        .one(db)
        .await?;
    Ok(row)
}

/// Up to `limit` of `target`'s pending deliveries due at `now`, in outbox order.
pub async fn due<C: ConnectionTrait>(
    db: &C,
    target: &str,
    now: DateTime<Utc>,
    limit: u64,
) -> Result<Vec<outbox_delivery::Model>, DbErr> {
    outbox_delivery::Entity::find()
        .filter(outbox_delivery::Column::Target.eq(target))
        .filter(outbox_delivery::Column::Status.eq(STATUS_PENDING))
        .filter(outbox_delivery::Column::NextAttemptAt.lte(now))
        .order_by_asc(outbox_delivery::Column::OutboxEventId)
        .limit(limit)
        .all(db)
        .await
}

/// When `target`'s next pending delivery is due, if it has one.
pub async fn next_due<C: ConnectionTrait>(
    db: &C,
    target: &str,
) -> Result<Option<DateTime<Utc>>, DbErr> {
    outbox_delivery::Entity::find()
        .select_only()
        .column(outbox_delivery::Column::NextAttemptAt)
        .filter(outbox_delivery::Column::Target.eq(target))
        .filter(outbox_delivery::Column::Status.eq(STATUS_PENDING))
        .order_by_asc(outbox_delivery::Column::NextAttemptAt)
        .limit(1)
        .into_tuple()
        .one(db)
        .await
}

/// Records one attempt at `row`. Only a row still as it was read is changed (a worker that
/// lost its lease mid-delivery cannot overwrite its successor's record); whether it was.
pub async fn record<C: ConnectionTrait>(
    db: &C,
    row: &outbox_delivery::Model,
    attempt: &Attempt,
) -> Result<bool, DbErr> {
    let now = now();
    let mut update = outbox_delivery::Entity::update_many()
        .col_expr(
            outbox_delivery::Column::Attempts,
            Expr::value(row.attempts + 1),
        )
        .col_expr(outbox_delivery::Column::UpdatedAt, Expr::value(now));
    update = match attempt {
        Attempt::Delivered { receipt, duplicate } => update
            .col_expr(
                outbox_delivery::Column::Status,
                Expr::value(STATUS_DELIVERED),
            )
            .col_expr(
                outbox_delivery::Column::Receipt,
                Expr::value(receipt.clone()),
            )
            .col_expr(outbox_delivery::Column::Duplicate, Expr::value(*duplicate))
            .col_expr(outbox_delivery::Column::DeliveredAt, Expr::value(Some(now)))
            .col_expr(
                outbox_delivery::Column::LastError,
                Expr::value(None::<String>),
            ),
        Attempt::Retry {
            error,
            next_attempt_at,
        } => update
            .col_expr(
                outbox_delivery::Column::NextAttemptAt,
                Expr::value(*next_attempt_at),
            )
            .col_expr(
                outbox_delivery::Column::LastError,
                Expr::value(Some(cut(error))),
            ),
        Attempt::Failed { error } => update
            .col_expr(
                outbox_delivery::Column::Status,
                Expr::value(STATUS_FAILED_PERMANENTLY),
            )
            .col_expr(
                outbox_delivery::Column::LastError,
                Expr::value(Some(cut(error))),
            ),
    };
    let result = update
        .filter(outbox_delivery::Column::Id.eq(row.id))
        .filter(outbox_delivery::Column::Status.eq(STATUS_PENDING))
        .filter(outbox_delivery::Column::Attempts.eq(row.attempts))
        .exec(db)
        .await?;
    Ok(result.rows_affected == 1)
}

/// Puts `target`'s dead letters back in the queue, due now (an operator fixed the cause);
/// how many.
pub async fn requeue_failed<C: ConnectionTrait>(db: &C, target: &str) -> Result<u64, DbErr> {
    let now = now();
    let result = outbox_delivery::Entity::update_many()
        .col_expr(outbox_delivery::Column::Status, Expr::value(STATUS_PENDING))
        .col_expr(outbox_delivery::Column::NextAttemptAt, Expr::value(now))
        .col_expr(outbox_delivery::Column::UpdatedAt, Expr::value(now))
        .filter(outbox_delivery::Column::Target.eq(target))
        .filter(outbox_delivery::Column::Status.eq(STATUS_FAILED_PERMANENTLY))
        .exec(db)
        .await?;
    Ok(result.rows_affected)
}

/// The backlog of the target kind `target` belongs to ([`super::worker::target_kind`]):
/// (pending, dead-lettered) deliveries. For `case_system`, every target but the webhooks
/// fan-out counts (so every worker of the kind reports the same numbers); for `webhook`, each
/// subscriber's deliveries (`webhook_delivery`) plus events the fan-out could not handle at all.
pub async fn backlog<C: ConnectionTrait>(db: &C, target: &str) -> Result<(u64, u64), DbErr> {
    use familygraph_store::entity::webhook_delivery;
    use sea_orm::PaginatorTrait as _;
    let webhooks = target == crate::webhooks::TARGET;
    let outbox = |status: &'static str| {
        let select =
            outbox_delivery::Entity::find().filter(outbox_delivery::Column::Status.eq(status));
        if webhooks {
            select.filter(outbox_delivery::Column::Target.eq(crate::webhooks::TARGET))
        } else {
            select.filter(outbox_delivery::Column::Target.ne(crate::webhooks::TARGET))
        }
    };
    if !webhooks {
        let pending = outbox(STATUS_PENDING).count(db).await?;
        let dead = outbox(STATUS_FAILED_PERMANENTLY).count(db).await?;
        return Ok((pending, dead));
    }
    let subscriber = |status: &'static str| {
        webhook_delivery::Entity::find().filter(webhook_delivery::Column::Status.eq(status))
    };
    let pending = subscriber(webhook_delivery::STATUS_PENDING)
        .count(db)
        .await?;
    let dead = subscriber(webhook_delivery::STATUS_FAILED)
        .count(db)
        .await?
        + outbox(STATUS_FAILED_PERMANENTLY).count(db).await?;
    Ok((pending, dead))
}

/// `error` cut to [`MAX_ERROR_CHARS`].
fn cut(error: &str) -> String {
    match error.char_indices().nth(MAX_ERROR_CHARS) {
        Some((at, _)) => format!("{}…", &error[..at]),
        None => error.to_owned(),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn uuid_floors_sort_below_the_ids_of_their_millisecond() {
        let id = Uuid::now_v7();
        let at = uuid_time(id).unwrap();
        assert!(uuid_floor(at) <= id);
        assert!(uuid_floor(at + chrono::Duration::milliseconds(1)) > id);
        assert_eq!(uuid_time(uuid_floor(at)), Some(at));
    }

    #[test]
    fn long_errors_are_cut() {
        assert_eq!(cut("short"), "short");
        let long = "é".repeat(MAX_ERROR_CHARS + 10);
        assert_eq!(cut(&long).chars().count(), MAX_ERROR_CHARS + 1);
    }
}
