//! One target's delivery loop (see the module documentation of [`crate::delivery`]).

use std::time::{Duration, Instant};

use familygraph_adapter_sdk::{AdapterError, OutboundEvent};
use familygraph_store::entity::{outbox_delivery, outbox_event};
use familygraph_store::lease;
use sea_orm::{DatabaseConnection, EntityTrait};
use tokio::sync::watch;
use tracing::Instrument as _;
use uuid::Uuid;

use super::backoff::Backoff;
use super::ledger::{self, Attempt};
use super::{BuildError, DeliveryTarget};
use crate::telemetry::metrics;

/// How far back (behind the newest event a target has taken on) each scan looks again for
/// events: a transaction that committed late with an older id is still taken on.
pub const RESCAN_WINDOW: Duration = Duration::from_secs(120);

/// How the workers run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkerSettings {
    /// Pause between rounds when there is nothing to do.
    pub poll: Duration,
    /// Events taken on, and deliveries attempted, per round.
    pub batch: u64,
    /// Retry waits.
    pub backoff: Backoff,
    /// Attempts before a retryable failure becomes a dead letter (`0`: never).
    pub max_attempts: u32,
    /// How long a lease lasts unless renewed (renewed at a third of it).
    pub lease: Duration,
    /// Longest one delivery may take before it counts as a (retryable) timeout.
    pub attempt_timeout: Duration,
    /// How often the list of targets is refreshed.
    pub refresh: Duration,
}

impl Default for WorkerSettings {
    fn default() -> Self {
        Self {
            poll: Duration::from_secs(1),
            batch: 100,
            backoff: Backoff {
                initial: Duration::from_secs(1),
                max: Duration::from_secs(3600),
            },
            max_attempts: 0,
            lease: Duration::from_secs(30),
            attempt_timeout: Duration::from_secs(30),
            refresh: Duration::from_secs(30),
        }
    }
}

/// The lease a target's worker holds while delivering.
pub fn lease_name(target: &str) -> String {
    format!("delivery:{target}")
}

struct Held {
    renewed: Instant,
}

/// Runs `target`'s deliveries until `stop` turns true; then releases the lease.
pub async fn run(
    db: DatabaseConnection,
    target: DeliveryTarget,
    settings: WorkerSettings,
    holder: String,
    mut stop: watch::Receiver<bool>,
) {
    let name = lease_name(&target.name);
    let mut held: Option<Held> = None;
    let mut after: Option<Uuid> = None;
    let mut counted: Option<Instant> = None;
    tracing::info!(target = %target.name, "delivery worker started");
    while !*stop.borrow() {
        if held.is_some() && counted.is_none_or(|at| at.elapsed() >= BACKLOG_INTERVAL) {
            counted = Some(Instant::now());
            if let Err(error) = count_backlog(&db, &target.name).await {
                tracing::warn!(target = %target.name, %error, "counting the delivery backlog failed");
            }
        }
        let busy = match round(
            &db, &target, &settings, &holder, &name, &mut held, &mut after, &stop,
        )
        .await
        {
            Ok(busy) => busy,
            Err(error) => {
                tracing::warn!(target = %target.name, %error, "delivery round failed; retrying");
                false
            }
        };
        if busy {
            continue;
        }
        tokio::select! {
            _ = tokio::time::sleep(settings.poll) => {}
            _ = stop.wait_for(|stop| *stop) => {}
        }
    }
    if held.is_some() {
        let _ = lease::release(&db, &name, &holder).await;
    }
    tracing::info!(target = %target.name, "delivery worker stopped");
}

/// Keeps (or takes) the lease; whether this worker holds it.
async fn hold(
    db: &DatabaseConnection,
    name: &str,
    holder: &str,
    ttl: Duration,
    held: &mut Option<Held>,
) -> Result<bool, familygraph_store::StoreError> {
    match held {
        Some(h) if h.renewed.elapsed() < ttl / 3 => Ok(true),
        Some(_) => {
            let renewed = lease::renew(db, name, holder, ttl).await?;
            *held = renewed.map(|_| Held {
                renewed: Instant::now(),
            });
            if held.is_none() {
                tracing::warn!(lease = %name, "delivery lease lost; stopping deliveries until it is free");
            }
            Ok(held.is_some())
        }
        None => {
            // Read before writing: a standby replica polls without taking the write lock
            // (SQLite has one writer at a time).
            if lease::current(db, name)
                .await?
                .is_some_and(|current| current.holder != holder)
            {
                return Ok(false);
            }
            let acquired = lease::acquire(db, name, holder, ttl).await?;
            *held = acquired.map(|_| Held {
                renewed: Instant::now(),
            });
            Ok(held.is_some())
        }
    }
}

/// One round: take on new events, deliver what is due. Whether there may be more to do at
/// once.
#[allow(clippy::too_many_arguments)]
async fn round(
    db: &DatabaseConnection,
    target: &DeliveryTarget,
    settings: &WorkerSettings,
    holder: &str,
    name: &str,
    held: &mut Option<Held>,
    after: &mut Option<Uuid>,
    stop: &watch::Receiver<bool>,
) -> Result<bool, familygraph_store::StoreError> {
    let was_held = held.is_some();
    if !hold(db, name, holder, settings.lease, held).await? {
        *after = None;
        return Ok(false);
    }
    if !was_held || after.is_none() {
        // Newly holding: start scanning a window behind what was taken on before.
        *after = ledger::highest_taken(db, &target.name)
            .await?
            .and_then(rescan_floor)
            .or_else(|| target.since.map(ledger::uuid_floor));
    }
    let taken = ledger::take_on(db, target, *after, settings.batch).await?;
    if let Some(highest) = taken {
        let floor = rescan_floor(highest);
        if floor > *after {
            *after = floor;
        }
    }
    let due = ledger::due(db, &target.name, ledger::now(), settings.batch).await?;
    let full = due.len() as u64 >= settings.batch;
    for row in due {
        if *stop.borrow() || !hold(db, name, holder, settings.lease, held).await? {
            return Ok(false);
        }
        deliver(db, target, settings, &row).await?;
    }
    Ok(full || taken.is_some())
}

/// The id below which a rescan need not look, for the newest taken-on id `highest`.
fn rescan_floor(highest: Uuid) -> Option<Uuid> {
    let at = ledger::uuid_time(highest)?;
    let window = chrono::Duration::from_std(RESCAN_WINDOW).ok()?;
    Some(ledger::uuid_floor(at - window))
}

/// Attempts one delivery and records how it went.
async fn deliver(
    db: &DatabaseConnection,
    target: &DeliveryTarget,
    settings: &WorkerSettings,
    row: &outbox_delivery::Model,
) -> Result<(), familygraph_store::StoreError> {
    let event = match outbox_event::Entity::find_by_id(row.outbox_event_id)
        .one(db)
        .await?
    {
        Some(event) => event,
        None => {
            // The foreign key cascades, so this is a race with a deletion: nothing to deliver.
            return Ok(());
        }
    };
    let built = match target.builder.build(db, &event).await {
        Ok(built) => built,
        Err(BuildError::Store(error)) => return Err(error),
        Err(BuildError::Unbuildable(reason)) => {
            let attempt = Attempt::Failed { error: reason };
            dead_letter(target, row, &attempt);
            record_metrics(target, &event, &attempt);
            ledger::record(db, row, &attempt).await?;
            return Ok(());
        }
    };
    let key = target.idempotency_key(row.outbox_event_id);
    // Each attempt is a span, so the adapter's requests carry its `traceparent`.
    let span = tracing::info_span!(
        "delivery.attempt",
        familygraph.delivery.target_kind = target_kind(&target.name),
        otel.kind = "client"
    );
    let attempt = attempt(target, settings, &built, &key, row)
        .instrument(span)
        .await;
    record_metrics(target, &event, &attempt);
    match &attempt {
        Attempt::Delivered { duplicate, .. } => tracing::info!(
            target = %target.name,
            event_id = %row.outbox_event_id,
            event_type = %event.event_type,
            attempts = row.attempts + 1,
            duplicate,
            "event delivered"
        ),
        Attempt::Retry {
            error,
            next_attempt_at,
        } => tracing::warn!(
            target = %target.name,
            event_id = %row.outbox_event_id,
            attempts = row.attempts + 1,
            %error,
            %next_attempt_at,
            "delivery failed; will retry"
        ),
        Attempt::Failed { .. } => dead_letter(target, row, &attempt),
    }
    ledger::record(db, row, &attempt).await?;
    Ok(())
}

async fn attempt(
    target: &DeliveryTarget,
    settings: &WorkerSettings,
    event: &OutboundEvent,
    key: &str,
    row: &outbox_delivery::Model,
) -> Attempt {
    let outcome =
        tokio::time::timeout(settings.attempt_timeout, target.adapter.deliver(event, key))
            .await
            .unwrap_or_else(|_| {
                Err(AdapterError::Timeout {
                    target: target.name.clone(),
                })
            });
    let attempts = u32::try_from(row.attempts + 1).unwrap_or(u32::MAX);
    match outcome {
        Ok(delivery) => Attempt::Delivered {
            receipt: delivery.receipt,
            duplicate: delivery.duplicate,
        },
        Err(error) if !error.is_retryable() => Attempt::Failed {
            error: error.to_string(),
        },
        Err(error) if settings.max_attempts > 0 && attempts >= settings.max_attempts => {
            Attempt::Failed {
                error: format!("gave up after {attempts} attempts: {error}"),
            }
        }
        Err(error) => {
            let wait = chrono::Duration::from_std(settings.backoff.delay(attempts))
                .unwrap_or(chrono::Duration::MAX);
            Attempt::Retry {
                error: error.to_string(),
                next_attempt_at: ledger::now()
                    .checked_add_signed(wait)
                    .unwrap_or(chrono::DateTime::<chrono::Utc>::MAX_UTC),
            }
        }
    }
}

/// The target kind metrics label a target's deliveries with: `webhook` for the webhooks
/// fan-out target, `case_system` for every other.
pub fn target_kind(target: &str) -> &'static str {
    if target == crate::webhooks::TARGET {
        "webhook"
    } else {
        "case_system"
    }
}

/// Counts an attempt (and the latency of a delivery). The webhooks fan-out counts each
/// subscriber's attempts itself, so only its dead letters (an event it could not handle at
/// all) are counted here.
fn record_metrics(target: &DeliveryTarget, event: &outbox_event::Model, attempt: &Attempt) {
    let kind = target_kind(&target.name);
    let outcome = match attempt {
        Attempt::Delivered { .. } => "succeeded",
        Attempt::Retry { .. } => "failed",
        Attempt::Failed { .. } => "dead_lettered",
    };
    if kind == "webhook" && outcome != "dead_lettered" {
        return;
    }
    metrics::record_delivery_attempt(kind, outcome);
    if let Attempt::Delivered { .. } = attempt {
        let latency = (ledger::now() - event.occurred_at).as_seconds_f64();
        metrics::record_delivery_latency(kind, latency);
    }
}

/// How often the delivering replica counts a target's backlog for the gauge.
pub const BACKLOG_INTERVAL: Duration = Duration::from_secs(10);

/// Sets the backlog gauge of `target` (pending and dead-lettered deliveries).
async fn count_backlog(
    db: &DatabaseConnection,
    target: &str,
) -> Result<(), familygraph_store::StoreError> {
    let (pending, dead) = ledger::backlog(db, target).await?;
    metrics::record_delivery_backlog(target_kind(target), pending, dead);
    Ok(())
}

fn dead_letter(target: &DeliveryTarget, row: &outbox_delivery::Model, attempt: &Attempt) {
    if let Attempt::Failed { error } = attempt {
        tracing::error!(
            target = %target.name,
            event_id = %row.outbox_event_id,
            attempts = row.attempts + 1,
            %error,
            "delivery failed permanently (dead letter in outbox_delivery)"
        );
    }
}
