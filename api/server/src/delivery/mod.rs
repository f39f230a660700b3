//! Outbound delivery: the worker that hands outbox events to partner systems.
//!
//! Every workflow command writes its domain event to `outbox_event` in its own transaction.
//! This module delivers those events, at least once and in outbox order, to **delivery
//! targets**, and records every attempt in `outbox_delivery` (one row per target and event:
//! `pending`, `delivered` or `failed_permanently`, attempts, next attempt, last error, receipt).
//!
//! # Delivery targets
//!
//! A [`DeliveryTarget`] is everything the worker needs to know about one destination:
//!
//! - `name`: unique; it names the lease (`delivery:<name>`), the `outbox_delivery.target`
//!   column and the first half of every idempotency key (`<name>:<outbox event id>`).
//! - `events`: an [`EventFilter`] — the outbox event types it wants.
//! - `adapter`: an `Arc<dyn DeliveryAdapter>` (adapter SDK) that performs one delivery and
//!   makes a repeated idempotency key harmless.
//! - `builder`: an `Arc<dyn EventBuilder>` that turns an outbox row into the
//!   [`OutboundEvent`](familygraph_adapter_sdk::OutboundEvent) the adapter sends — reading
//!   whatever it needs from the database (the case system's builder,
//!   [`case_system::CaseSystemEvents`], resolves the child's case-system id; a webhook builder
//!   would filter the payload by the subscriber's access policy). [`RawEvents`] sends the
//!   outbox payload as it is.
//! - `since`: events that occurred before it are never delivered (a new subscription does not
//!   receive the history).
//! - `revision`: when a [`TargetSource`] returns a target whose revision changed, its worker is
//!   restarted with the new adapter.
//!
//! Targets come from [`TargetSource`]s, asked again every refresh interval: the case system's
//! target comes from the settings ([`settings::DeliverySettings`]); another kind of target —
//! partners' webhooks from a subscription table, say — is added by implementing
//! [`TargetSource`] (returning one target per subscription) and passing it to
//! [`Deliveries::start`] next to the others. Nothing else changes: the worker, the back-off,
//! the lease and the ledger are shared.
//!
//! # The worker, per target
//!
//! One task per target per replica ([`worker`]). It delivers only while holding the lease
//! `delivery:<name>` (`familygraph_store::lease`), renewed well before it runs out, so two
//! replicas never deliver to one target at the same time. While holding it, it:
//!
//! 1. takes on new outbox events of the wanted types: inserts a `pending` row per event into
//!    `outbox_delivery` (unique per target and event, so an event is taken on once);
//! 2. delivers due `pending` rows in outbox order: builds the event, calls
//!    `DeliveryAdapter::deliver(event, "<name>:<outbox event id>")` (the key is the same on
//!    every retry), and records the attempt ([`ledger`]): delivered (with the receipt and
//!    whether the target had it already), retry later (a retryable error: exponential back-off
//!    with jitter, capped — [`backoff`]), or `failed_permanently` (a permanent error, or the
//!    attempt limit reached: a dead letter, logged and left in the table for an operator);
//! 3. sleeps for the poll interval, or until the server stops.
//!
//! `last_error` holds the adapter error's text, which by the adapter SDK's rule carries no
//! personal data; it is cut to 500 characters.
//!
//! A retrying event does not hold back later ones: each event is delivered independently, and
//! the case system orders by the event's `occurredAt` (or the time-ordered event id).

pub mod backoff;
pub mod case_system;
pub mod command;
pub mod ledger;
pub mod settings;
pub mod worker;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use familygraph_adapter_sdk::{DeliveryAdapter, OutboundEvent, RecordKey, SourceRef, async_trait};
use familygraph_store::entity::outbox_event;
use sea_orm::DatabaseConnection;
use tokio::sync::watch;
use tokio::task::JoinHandle;

pub use settings::DeliverySettings;

/// The outbox event types a target wants.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventFilter {
    /// Every event.
    All,
    /// Only these types, e.g. `ContactRecorded`.
    Only(BTreeSet<String>),
}

impl EventFilter {
    /// A filter for `types`.
    pub fn only<I: IntoIterator<Item = S>, S: Into<String>>(types: I) -> Self {
        Self::Only(types.into_iter().map(Into::into).collect())
    }

    /// Whether the target wants events of `event_type`.
    pub fn wants(&self, event_type: &str) -> bool {
        match self {
            Self::All => true,
            Self::Only(types) => types.contains(event_type),
        }
    }
}

/// Why an outbox event could not be turned into an outbound event.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    /// The database could not be read; try again later (no attempt is counted).
    #[error("reading the event's records: {0}")]
    Store(#[from] familygraph_store::StoreError),
    /// The event cannot be built, ever (its record is gone, its payload is unreadable): the
    /// delivery fails permanently. The reason carries no personal data.
    #[error("{0}")]
    Unbuildable(String),
}

impl From<sea_orm::DbErr> for BuildError {
    fn from(error: sea_orm::DbErr) -> Self {
        Self::Store(error.into())
    }
}

/// Turns an outbox row into what a target's adapter sends.
#[async_trait]
pub trait EventBuilder: Send + Sync {
    /// The outbound event for `event`.
    async fn build(
        &self,
        db: &DatabaseConnection,
        event: &outbox_event::Model,
    ) -> Result<OutboundEvent, BuildError>;
}

/// The outbox row as it is: type, time, the record it is about (familygraph's id) and the
/// payload, with `eventId` added.
#[derive(Debug, Clone, Copy, Default)]
pub struct RawEvents;

#[async_trait]
impl EventBuilder for RawEvents {
    async fn build(
        &self,
        _db: &DatabaseConnection,
        event: &outbox_event::Model,
    ) -> Result<OutboundEvent, BuildError> {
        let mut payload: serde_json::Value = serde_json::from_str(&event.payload)
            .map_err(|_| BuildError::Unbuildable("outbox payload is not JSON".to_owned()))?;
        if let Some(object) = payload.as_object_mut() {
            object.insert("eventId".to_owned(), event.id.to_string().into());
        }
        Ok(OutboundEvent {
            event_type: event.event_type.clone(),
            subject: Some(familygraph_key(&event.aggregate_type, event.aggregate_id)),
            occurred_at: event.occurred_at,
            payload,
        })
    }
}

/// The [`RecordKey`] of a familygraph record (`system` `familygraph`): `PartnerRecord`
/// becomes kind `partner_record`.
pub fn familygraph_key(kind: &str, id: uuid::Uuid) -> RecordKey {
    let mut snake = String::with_capacity(kind.len() + 4);
    for (i, c) in kind.chars().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            snake.push('_');
        }
        snake.push(c.to_ascii_lowercase());
    }
    RecordKey {
        kind: snake,
        source: SourceRef::new("familygraph", id.to_string()),
    }
}

/// One delivery destination (see the module documentation).
#[derive(Clone)]
pub struct DeliveryTarget {
    /// Unique name: the lease, the ledger's `target` and the idempotency keys' prefix.
    pub name: String,
    /// The event types it wants.
    pub events: EventFilter,
    /// Performs one delivery.
    pub adapter: Arc<dyn DeliveryAdapter>,
    /// Builds the outbound event from the outbox row.
    pub builder: Arc<dyn EventBuilder>,
    /// Events that occurred before this are not delivered (`None`: every event).
    pub since: Option<DateTime<Utc>>,
    /// Changes when the target's adapter must be rebuilt.
    pub revision: String,
}

impl std::fmt::Debug for DeliveryTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeliveryTarget")
            .field("name", &self.name)
            .field("events", &self.events)
            .field("adapter", &self.adapter.name())
            .field("since", &self.since)
            .field("revision", &self.revision)
            .finish()
    }
}

impl DeliveryTarget {
    /// A target sending `events` through `adapter`, outbox payloads as they are
    /// ([`RawEvents`]), every event, revision `1`.
    pub fn new(
        name: impl Into<String>,
        events: EventFilter,
        adapter: Arc<dyn DeliveryAdapter>,
    ) -> Self {
        Self {
            name: name.into(),
            events,
            adapter,
            builder: Arc::new(RawEvents),
            since: None,
            revision: "1".to_owned(),
        }
    }

    /// The same target with `builder`.
    pub fn with_builder(mut self, builder: Arc<dyn EventBuilder>) -> Self {
        self.builder = builder;
        self
    }

    /// The idempotency key of this target's delivery of outbox event `event_id`: stable across
    /// retries, replicas and restarts.
    pub fn idempotency_key(&self, event_id: uuid::Uuid) -> String {
        format!("{}:{event_id}", self.name)
    }
}

/// Where targets come from; asked again every refresh interval.
#[async_trait]
pub trait TargetSource: Send + Sync {
    /// The targets now. An error keeps the targets already running.
    async fn targets(&self, db: &DatabaseConnection) -> Result<Vec<DeliveryTarget>, String>;
}

/// A fixed list of targets (the case system's, from the settings).
#[derive(Debug, Clone, Default)]
pub struct StaticTargets(pub Vec<DeliveryTarget>);

#[async_trait]
impl TargetSource for StaticTargets {
    async fn targets(&self, _db: &DatabaseConnection) -> Result<Vec<DeliveryTarget>, String> {
        Ok(self.0.clone())
    }
}

/// The running delivery workers of one process.
pub struct Deliveries {
    stop: watch::Sender<bool>,
    supervisor: Option<JoinHandle<()>>,
}

impl Deliveries {
    /// Starts a supervisor that runs one [`worker`] per target of `sources`, refreshing the
    /// list every `settings.refresh`.
    pub fn start(
        db: DatabaseConnection,
        sources: Vec<Arc<dyn TargetSource>>,
        settings: worker::WorkerSettings,
    ) -> Self {
        let (stop, stopped) = watch::channel(false);
        let supervisor = tokio::spawn(supervise(db, sources, settings, stopped));
        Self {
            stop,
            supervisor: Some(supervisor),
        }
    }

    /// Stops every worker at once; the returned future waits (at most `grace`) while each
    /// finishes the delivery in hand (bounded by the attempt timeout), records it and
    /// releases its lease.
    pub fn stop(mut self, grace: Duration) -> impl std::future::Future<Output = ()> {
        self.stop.send_replace(true);
        let supervisor = self.supervisor.take();
        async move {
            if let Some(supervisor) = supervisor
                && tokio::time::timeout(grace, supervisor).await.is_err()
            {
                tracing::warn!("delivery workers did not stop in time");
            }
        }
    }

    /// Starts the workers the settings configure (the case system's target) plus the targets
    /// of `extra` sources; `None` when there is no target source at all.
    pub fn start_configured(
        db: DatabaseConnection,
        settings: &DeliverySettings,
        extra: Vec<Arc<dyn TargetSource>>,
    ) -> Result<Option<Self>, String> {
        let mut sources = extra;
        if let Some(target) = case_system::target(settings)? {
            tracing::info!(target = %target.name, events = ?target.events, "delivering to the case system");
            sources.push(Arc::new(StaticTargets(vec![target])));
        }
        if sources.is_empty() {
            return Ok(None);
        }
        Ok(Some(Self::start(db, sources, settings.worker.clone())))
    }
}

impl Drop for Deliveries {
    fn drop(&mut self) {
        self.stop.send_replace(true);
    }
}

async fn supervise(
    db: DatabaseConnection,
    sources: Vec<Arc<dyn TargetSource>>,
    settings: worker::WorkerSettings,
    mut stopped: watch::Receiver<bool>,
) {
    let holder = familygraph_store::lease::holder_id();
    let mut running: BTreeMap<String, (String, watch::Sender<bool>, JoinHandle<()>)> =
        BTreeMap::new();
    loop {
        let mut wanted: BTreeMap<String, DeliveryTarget> = BTreeMap::new();
        let mut complete = true;
        for source in &sources {
            match source.targets(&db).await {
                Ok(targets) => {
                    for target in targets {
                        if wanted.contains_key(&target.name) {
                            tracing::warn!(target = %target.name, "two delivery targets share a name; the first is used");
                            continue;
                        }
                        wanted.insert(target.name.clone(), target);
                    }
                }
                Err(error) => {
                    complete = false;
                    tracing::warn!(%error, "listing delivery targets failed; keeping the running ones");
                }
            }
        }
        // Stop workers whose target is gone (only when every source answered) or changed.
        let names: Vec<String> = running.keys().cloned().collect();
        for name in names {
            let gone = complete && !wanted.contains_key(&name);
            let changed = wanted.get(&name).is_some_and(|t| {
                running
                    .get(&name)
                    .is_some_and(|(rev, _, _)| *rev != t.revision)
            });
            if (gone || changed)
                && let Some((_, stop, handle)) = running.remove(&name)
            {
                stop.send_replace(true);
                let _ = handle.await;
            }
        }
        for (name, target) in wanted {
            if running.contains_key(&name) {
                continue;
            }
            let (stop, stop_rx) = watch::channel(false);
            let revision = target.revision.clone();
            let handle = tokio::spawn(worker::run(
                db.clone(),
                target,
                settings.clone(),
                holder.clone(),
                stop_rx,
            ));
            running.insert(name, (revision, stop, handle));
        }
        tokio::select! {
            _ = tokio::time::sleep(settings.refresh) => {}
            _ = stopped.wait_for(|stop| *stop) => break,
        }
        if *stopped.borrow() {
            break;
        }
    }
    for (_, stop, _) in running.values() {
        stop.send_replace(true);
    }
    for (_, (_, _, handle)) in running {
        let _ = handle.await;
    }
}
