//! The event feed behind subscriptions: one background task per server process tails the
//! shared `outbox_event` table and fans each new event out to every subscriber in the process.
//!
//! Every successful mutation appends its domain event to the outbox in the mutation's own
//! transaction. Tailing that table, rather than passing events through an in-process channel
//! fed by resolvers, means a mutation served by one replica reaches subscribers connected to any
//! other replica of the same database, and that an event is published only once it has been
//! committed.
//!
//! Events are polled every [`POLL_INTERVAL`] in id order (ids are UUIDv7, so they sort by
//! creation time), at most [`BATCH`] rows per query. Because a transaction can commit after a
//! later one (and replicas' clocks differ slightly), each poll looks back [`LOOKBACK`] before
//! the newest event seen and skips the ids it has already published, so a late commit is still
//! delivered, once.
//!
//! The feed starts with the first subscription and publishes only events that occur after it
//! starts. The task stops when the last handle to the feed ([`EventFeed`]) is dropped, i.e.
//! when the server stops.

use std::collections::BTreeSet;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use chrono::{DateTime, Utc};
use familygraph_store::entity::outbox_event;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde_json::Value;
use tokio::sync::broadcast;
use tokio::task::JoinHandle;
use uuid::Uuid;

/// How often the outbox is polled.
pub const POLL_INTERVAL: Duration = Duration::from_millis(250);
/// Most rows read by one query (a poll pages until it has caught up).
pub const BATCH: u64 = 200;
/// How far before the newest event seen each poll looks again, for transactions that committed
/// out of id order.
pub const LOOKBACK: Duration = Duration::from_secs(5);
/// Events buffered for each subscriber before a slow one starts missing events.
pub const CAPACITY: usize = 1024;

/// One domain event from the outbox.
#[derive(Debug, Clone, PartialEq)]
pub struct DomainEvent {
    /// The outbox row's id (UUIDv7).
    pub id: Uuid,
    /// When it happened.
    pub occurred_at: DateTime<Utc>,
    /// Event type, e.g. `ContactRecorded`.
    pub event_type: String,
    /// Type of the record the event is about, e.g. `Contact`, `Plan`.
    pub aggregate_type: String,
    /// Id of the record the event is about.
    pub aggregate_id: Uuid,
    /// The event's payload (`Value::Null` if it was not JSON).
    pub payload: Value,
}

impl DomainEvent {
    /// A uuid field of the payload (e.g. `childId`), if present and well formed.
    pub fn payload_uuid(&self, field: &str) -> Option<Uuid> {
        self.payload
            .get(field)
            .and_then(Value::as_str)
            .and_then(|text| Uuid::parse_str(text).ok())
    }
}

impl From<outbox_event::Model> for DomainEvent {
    fn from(row: outbox_event::Model) -> Self {
        Self {
            id: row.id,
            occurred_at: row.occurred_at,
            event_type: row.event_type,
            aggregate_type: row.aggregate_type,
            aggregate_id: row.aggregate_id,
            payload: serde_json::from_str(&row.payload).unwrap_or(Value::Null),
        }
    }
}

/// A handle to the process's event feed. Cheap to clone. The tailing task starts with the first
/// subscription (so a server nobody subscribes to never polls) and stops when the last handle is
/// dropped.
#[derive(Clone)]
pub struct EventFeed {
    inner: Arc<Inner>,
}

/// Counts an [`EventFeed`]'s live listeners without keeping it alive (for a metrics gauge: a
/// subscription that ends, however its client went away, must stop being counted).
#[derive(Clone)]
pub struct FeedListeners {
    inner: std::sync::Weak<Inner>,
}

impl FeedListeners {
    /// Receivers of the feed still open; 0 once the feed is gone.
    pub fn count(&self) -> usize {
        self.inner
            .upgrade()
            .map_or(0, |inner| inner.sender.receiver_count())
    }
}

struct Inner {
    db: DatabaseConnection,
    runtime: Option<tokio::runtime::Handle>,
    sender: broadcast::Sender<Arc<DomainEvent>>,
    task: OnceLock<JoinHandle<()>>,
}

impl Drop for Inner {
    fn drop(&mut self) {
        if let Some(task) = self.task.get() {
            task.abort();
        }
    }
}

impl EventFeed {
    /// A feed over the outbox of `db`. Its task will run on the Tokio runtime this is called
    /// on (or, outside one, on the runtime of the first subscriber).
    pub fn new(db: DatabaseConnection) -> Self {
        let (sender, _) = broadcast::channel(CAPACITY);
        Self {
            inner: Arc::new(Inner {
                db,
                runtime: tokio::runtime::Handle::try_current().ok(),
                sender,
                task: OnceLock::new(),
            }),
        }
    }

    /// A receiver of every event published from now on; starts the tailing task if needed.
    ///
    /// # Panics
    ///
    /// Panics if the task must be started and there is no Tokio runtime to start it on.
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<DomainEvent>> {
        let receiver = self.inner.sender.subscribe();
        self.inner.task.get_or_init(|| {
            let start = v7_floor(Utc::now().timestamp_millis().max(0) as u64);
            let task = tail(self.inner.db.clone(), self.inner.sender.clone(), start);
            match &self.inner.runtime {
                Some(runtime) => runtime.spawn(task),
                None => tokio::spawn(task),
            }
        });
        receiver
    }

    /// Stops the tailing task for good (a server shutting down): subscriptions already open
    /// receive nothing more, and a later subscription does not start it again.
    pub fn stop(&self) {
        let stopped = self.inner.task.get_or_init(|| {
            let runtime = self
                .inner
                .runtime
                .clone()
                .or_else(|| tokio::runtime::Handle::try_current().ok());
            match runtime {
                Some(runtime) => runtime.spawn(async {}),
                None => tokio::spawn(async {}),
            }
        });
        stopped.abort();
    }

    /// A handle counting this feed's live listeners (one per open subscription) that does not
    /// keep the feed alive: it reads 0 once the feed is gone.
    pub fn listeners(&self) -> FeedListeners {
        FeedListeners {
            inner: Arc::downgrade(&self.inner),
        }
    }

    /// Whether the tailing task has started and is still running.
    pub fn is_running(&self) -> bool {
        self.inner
            .task
            .get()
            .is_some_and(|task| !task.is_finished())
    }
}

/// The smallest UUIDv7 of the millisecond `ms`: every id created at or after it sorts after.
fn v7_floor(ms: u64) -> Uuid {
    let mut bytes = [0u8; 16];
    bytes[..6].copy_from_slice(&ms.to_be_bytes()[2..]);
    bytes[6] = 0x70;
    bytes[8] = 0x80;
    Uuid::from_bytes(bytes)
}

/// The millisecond a UUIDv7 was created at (0 for other versions).
fn v7_millis(id: Uuid) -> u64 {
    id.get_timestamp()
        .map(|ts| {
            let (secs, nanos) = ts.to_unix();
            secs.saturating_mul(1000) + u64::from(nanos / 1_000_000)
        })
        .unwrap_or(0)
}

/// What the tailing task remembers between polls.
struct Cursor {
    /// Ids at or below this predate the feed, and are never published.
    start: Uuid,
    /// The newest event published so far.
    newest: Option<Uuid>,
    /// Ids already published within the lookback window.
    published: BTreeSet<Uuid>,
}

impl Cursor {
    /// Where the next poll starts reading (exclusive).
    fn low(&self) -> Uuid {
        match self.newest {
            Some(newest) => {
                let lookback = LOOKBACK.as_millis() as u64;
                v7_floor(v7_millis(newest).saturating_sub(lookback)).max(self.start)
            }
            None => self.start,
        }
    }

    /// Records that `id` was published.
    fn publish(&mut self, id: Uuid) -> bool {
        if id <= self.start || !self.published.insert(id) {
            return false;
        }
        self.newest = Some(self.newest.map_or(id, |newest| newest.max(id)));
        true
    }

    /// Forgets ids below the lookback window (they are never read again).
    fn prune(&mut self) {
        let low = self.low();
        self.published = self.published.split_off(&low);
    }
}

async fn tail(db: DatabaseConnection, sender: broadcast::Sender<Arc<DomainEvent>>, start: Uuid) {
    let mut cursor = Cursor {
        start,
        newest: None,
        published: BTreeSet::new(),
    };
    let mut interval = tokio::time::interval(POLL_INTERVAL);
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        interval.tick().await;
        if let Err(error) = poll(&db, &sender, &mut cursor).await {
            tracing::warn!(%error, "event feed: reading the outbox failed; retrying");
        }
    }
}

async fn poll(
    db: &DatabaseConnection,
    sender: &broadcast::Sender<Arc<DomainEvent>>,
    cursor: &mut Cursor,
) -> Result<(), sea_orm::DbErr> {
    let mut after = cursor.low();
    loop {
        let rows = outbox_event::Entity::find()
            .filter(outbox_event::Column::Id.gt(after))
            .order_by_asc(outbox_event::Column::Id)
            .limit(BATCH)
            .all(db)
            .await?;
        let full = rows.len() as u64 == BATCH;
        for row in rows {
            after = row.id;
            if cursor.publish(row.id) {
                // No receivers is not an error: nobody is subscribed right now.
                let _ = sender.send(Arc::new(DomainEvent::from(row)));
            }
        }
        if !full {
            break;
        }
    }
    cursor.prune();
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn the_floor_of_a_millisecond_sorts_before_its_ids_and_after_earlier_ones() {
        let id = Uuid::now_v7();
        let ms = v7_millis(id);
        assert!(v7_floor(ms) <= id);
        assert!(v7_floor(ms + 1) > id);
        assert_eq!(v7_millis(v7_floor(ms)), ms);
    }

    #[test]
    fn an_id_is_published_once_and_never_before_the_start() {
        let before = Uuid::now_v7();
        let mut cursor = Cursor {
            start: before,
            newest: None,
            published: BTreeSet::new(),
        };
        assert!(!cursor.publish(before));
        let later = Uuid::now_v7();
        assert!(cursor.publish(later));
        assert!(!cursor.publish(later));
        assert_eq!(
            cursor.low(),
            before,
            "the lookback never reaches before the start"
        );
        cursor.prune();
        assert!(!cursor.publish(later));
    }
}
