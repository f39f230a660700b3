//! The per-caller rate limit: a token bucket per OAuth client id and subject, holding up to a
//! minute's worth of requests and refilling at that rate.
//!
//! Buckets live in process memory ([`RateLimiter`]) or, so that several replicas share them, in
//! the PostgreSQL table `rate_limit_bucket` ([`SharedRateLimiter`]), where the requests waiting
//! at one time take their tokens with one atomic `INSERT … ON CONFLICT DO UPDATE … RETURNING`
//! statement.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, DbErr, Statement};
use tokio::sync::{mpsc, oneshot};

/// Environment variable: where the buckets live — `memory`, `postgres` or `auto`.
pub const ENV_RATE_LIMIT_STORE: &str = "FAMILYGRAPH_RATE_LIMIT_STORE";

/// Where the rate limit's buckets live.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RateLimitStore {
    /// In each process: every replica counts on its own. `Hardening::default()` uses this.
    #[default]
    Memory,
    /// In the PostgreSQL table `rate_limit_bucket`, shared by every replica on the database.
    /// Refused at start-up on SQLite.
    Postgres,
    /// PostgreSQL when the database is PostgreSQL, else memory: the default when read from the
    /// environment.
    Auto,
}

impl RateLimitStore {
    /// Reads a value of [`ENV_RATE_LIMIT_STORE`]; unset means [`RateLimitStore::Auto`].
    pub fn parse(value: Option<&str>) -> Result<Self, String> {
        match value.map(|v| v.trim().to_ascii_lowercase()).as_deref() {
            None | Some("") | Some("auto") => Ok(Self::Auto),
            Some("memory") => Ok(Self::Memory),
            Some("postgres") | Some("postgresql") => Ok(Self::Postgres),
            Some(other) => Err(format!(
                "{ENV_RATE_LIMIT_STORE} must be memory, postgres or auto (got {other:?})"
            )),
        }
    }
}

/// How long to wait before the next request may pass.
pub type Wait = Duration;

/// The rate limiter a server uses: in memory or shared through PostgreSQL.
pub enum Limiter {
    /// Buckets in this process.
    Memory(RateLimiter),
    /// Buckets in PostgreSQL.
    Shared(SharedRateLimiter),
}

impl Limiter {
    /// The limiter for `store` over `db`, allowing `per_minute` requests a minute per key.
    /// Fails when `store` is [`RateLimitStore::Postgres`] and `db` is not PostgreSQL.
    pub fn new(
        store: RateLimitStore,
        per_minute: u32,
        db: &DatabaseConnection,
    ) -> Result<Self, String> {
        let postgres = db.get_database_backend() == DbBackend::Postgres;
        match store {
            RateLimitStore::Memory => Ok(Self::Memory(RateLimiter::new(per_minute))),
            RateLimitStore::Auto if !postgres => Ok(Self::Memory(RateLimiter::new(per_minute))),
            RateLimitStore::Postgres if !postgres => Err(format!(
                "{ENV_RATE_LIMIT_STORE}=postgres needs a PostgreSQL database; this one is not"
            )),
            RateLimitStore::Postgres | RateLimitStore::Auto => {
                Ok(Self::Shared(SharedRateLimiter::new(per_minute, db.clone())))
            }
        }
    }

    /// Whether the buckets are shared through the database.
    pub fn is_shared(&self) -> bool {
        matches!(self, Self::Shared(_))
    }

    /// Takes a token for `key`; `Err(wait)` when the bucket is empty.
    pub async fn acquire(&self, key: &str) -> Result<(), Wait> {
        match self {
            Self::Memory(limiter) => limiter.acquire(key),
            Self::Shared(limiter) => limiter.acquire(key).await,
        }
    }
}

/// An in-process token bucket per key: each holds up to `per_minute` tokens and refills at
/// `per_minute` a minute. Not shared between replicas (each replica counts on its own).
pub struct RateLimiter {
    per_minute: u32,
    buckets: Mutex<HashMap<String, Bucket>>,
}

struct Bucket {
    tokens: f64,
    updated: Instant,
}

/// Buckets kept before idle, full ones are dropped.
const MAX_BUCKETS: usize = 10_000;

impl RateLimiter {
    /// A limiter allowing `per_minute` requests a minute per key (0: unlimited).
    pub fn new(per_minute: u32) -> Self {
        Self {
            per_minute,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes a token for `key`; `Err(wait)` when the bucket is empty.
    pub fn acquire(&self, key: &str) -> Result<(), Wait> {
        if self.per_minute == 0 {
            return Ok(());
        }
        let capacity = f64::from(self.per_minute);
        let per_second = capacity / 60.0;
        let now = Instant::now();
        let mut buckets = self
            .buckets
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if buckets.len() >= MAX_BUCKETS && !buckets.contains_key(key) {
            buckets.retain(|_, b| {
                b.tokens + now.duration_since(b.updated).as_secs_f64() * per_second < capacity
            });
        }
        let bucket = buckets.entry(key.to_owned()).or_insert(Bucket {
            tokens: capacity,
            updated: now,
        });
        let elapsed = now.duration_since(bucket.updated).as_secs_f64();
        bucket.tokens = (bucket.tokens + elapsed * per_second).min(capacity);
        bucket.updated = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else {
            Err(Duration::from_secs_f64((1.0 - bucket.tokens) / per_second))
        }
    }
}

/// Takes tokens from several buckets in one statement. `$1` the keys (distinct, sorted, so that
/// replicas lock rows in one order), `$2` how many requests ask of each key, `$3` the capacity
/// (tokens), `$4` the refill rate (tokens a second). Each bucket refills from the time elapsed
/// since it was last touched (never negative, never over the capacity), then gives as many
/// whole tokens as it holds, up to the number asked: `taken`. A new bucket starts full. `now()`
/// is the statement's start, so every use of the refill agrees; the row locks serialise
/// replicas. On the update path `EXCLUDED.taken` is the asks already capped at the capacity,
/// and the refilled tokens never exceed the capacity, so capping it again by what the bucket
/// holds gives the tokens taken.
const TAKE_SQL: &str = r#"
INSERT INTO rate_limit_bucket AS b (bucket_key, tokens, refreshed_at, granted, taken)
SELECT w.bucket_key, $3 - LEAST(w.asks, floor($3))::float8, now(), TRUE, LEAST(w.asks, floor($3))::int4
FROM unnest($1::text[], $2::int4[]) AS w (bucket_key, asks)
ON CONFLICT (bucket_key) DO UPDATE SET
    taken = LEAST(EXCLUDED.taken, floor(LEAST($3, b.tokens + GREATEST(0.0, EXTRACT(EPOCH FROM (now() - b.refreshed_at))::float8) * $4)))::int4,
    tokens = LEAST($3, b.tokens + GREATEST(0.0, EXTRACT(EPOCH FROM (now() - b.refreshed_at))::float8) * $4)
        - LEAST(EXCLUDED.taken, floor(LEAST($3, b.tokens + GREATEST(0.0, EXTRACT(EPOCH FROM (now() - b.refreshed_at))::float8) * $4))),
    granted = LEAST($3, b.tokens + GREATEST(0.0, EXTRACT(EPOCH FROM (now() - b.refreshed_at))::float8) * $4) >= 1.0,
    refreshed_at = GREATEST(b.refreshed_at, now())
RETURNING bucket_key, tokens, taken
"#;

/// Buckets untouched for this long have refilled completely, so they are equivalent to no row
/// and are deleted.
const FORGET_SQL: &str =
    "DELETE FROM rate_limit_bucket WHERE refreshed_at < now() - interval '61 seconds'";

/// Requests between two sweeps of full buckets (per process).
const SWEEP_EVERY: u64 = 1024;

/// Requests that may wait for the bucket task; a request finding the queue full waits for room.
const QUEUE_CAPACITY: usize = 1024;

/// Most requests whose tokens one statement takes.
const MAX_BATCH: usize = 256;

/// A token bucket per key in the PostgreSQL table `rate_limit_bucket`, shared by every replica
/// on the same database. If the database cannot be reached, this process's own in-memory
/// buckets decide (and a warning is logged), so the limit still holds per replica.
///
/// Requests waiting at the same time take their tokens in one statement: one task per process
/// takes the first request queued and every other one already waiting, and asks each bucket
/// for as many tokens as requests name it, in arrival order. Nothing waits on a timer: a
/// request reaching an idle task is decided at once, alone; batches grow only while a statement
/// is in flight, when requests would otherwise queue for connections and the bucket's row lock.
pub struct SharedRateLimiter {
    per_minute: u32,
    buckets: Arc<Buckets>,
    queue: Option<mpsc::Sender<Ask>>,
    requests: AtomicU64,
}

/// What the bucket statement needs, shared by the limiter and its task.
struct Buckets {
    db: DatabaseConnection,
    capacity: f64,
    per_second: f64,
    fallback: RateLimiter,
    statements: AtomicU64,
}

/// One request's key and where its answer goes.
struct Ask {
    key: String,
    reply: oneshot::Sender<Result<(), Wait>>,
}

impl SharedRateLimiter {
    /// A limiter allowing `per_minute` requests a minute per key (0: unlimited) over `db`.
    /// Inside a Tokio runtime it starts the task that batches requests (see the type's docs);
    /// outside one, each request takes its token with its own statement.
    pub fn new(per_minute: u32, db: DatabaseConnection) -> Self {
        let capacity = f64::from(per_minute);
        let buckets = Arc::new(Buckets {
            db,
            capacity,
            per_second: capacity / 60.0,
            fallback: RateLimiter::new(per_minute),
            statements: AtomicU64::new(0),
        });
        let queue = (per_minute > 0 && tokio::runtime::Handle::try_current().is_ok()).then(|| {
            let (sender, receiver) = mpsc::channel(QUEUE_CAPACITY);
            tokio::spawn(take_in_batches(buckets.clone(), receiver));
            sender
        });
        Self {
            per_minute,
            buckets,
            queue,
            requests: AtomicU64::new(0),
        }
    }

    /// Takes a token for `key`; `Err(wait)` when the bucket is empty.
    pub async fn acquire(&self, key: &str) -> Result<(), Wait> {
        if self.per_minute == 0 {
            return Ok(());
        }
        if self.requests.fetch_add(1, Ordering::Relaxed) % SWEEP_EVERY == SWEEP_EVERY - 1 {
            let db = self.buckets.db.clone();
            tokio::spawn(async move {
                if let Err(error) = db.execute_unprepared(FORGET_SQL).await {
                    tracing::warn!(%error, "could not sweep full rate-limit buckets");
                }
            });
        }
        if let Some(queue) = &self.queue {
            let (reply, answer) = oneshot::channel();
            let ask = Ask {
                key: key.to_owned(),
                reply,
            };
            if queue.send(ask).await.is_ok()
                && let Ok(answer) = answer.await
            {
                return answer;
            }
        }
        // No task (outside a runtime), or it has stopped: this request's own statement.
        let answers = self.buckets.take(&[(key, 1)]).await;
        answers.into_iter().next().unwrap_or(Ok(()))
    }

    /// Statements run to take tokens since the limiter started: fewer than the requests when
    /// requests waited together.
    pub fn statements(&self) -> u64 {
        self.buckets.statements.load(Ordering::Relaxed)
    }
}

impl Buckets {
    /// Takes tokens for `asks` (key, requests naming it; keys distinct and sorted) in one
    /// statement: per key, how many of its requests got a token, or how long the rest wait.
    async fn take(&self, asks: &[(&str, u32)]) -> Vec<Result<(), Wait>> {
        let keys: Vec<String> = asks.iter().map(|(key, _)| (*key).to_owned()).collect();
        let counts: Vec<i32> = asks
            .iter()
            .map(|(_, n)| i32::try_from(*n).unwrap_or(i32::MAX))
            .collect();
        let statement = Statement::from_sql_and_values(
            DbBackend::Postgres,
            TAKE_SQL,
            [
                keys.into(),
                counts.into(),
                self.capacity.into(),
                self.per_second.into(),
            ],
        );
        self.statements.fetch_add(1, Ordering::Relaxed);
        let taken = self.db.query_all_raw(statement).await.and_then(|rows| {
            rows.iter()
                .map(|row| {
                    Ok((
                        row.try_get_by_index::<String>(0)?,
                        (
                            row.try_get_by_index::<f64>(1)?,
                            row.try_get_by_index::<i32>(2)?,
                        ),
                    ))
                })
                .collect::<Result<HashMap<String, (f64, i32)>, DbErr>>()
        });
        let taken = match taken {
            Ok(taken) => taken,
            Err(error) => return self.fall_back(asks, &error.to_string()),
        };
        let mut answers = Vec::new();
        for (key, n) in asks {
            let Some(&(tokens, granted)) = taken.get(*key) else {
                let mut fallen =
                    self.fall_back(&[(key, *n)], "the bucket statement left a key out");
                answers.append(&mut fallen);
                continue;
            };
            let granted = u32::try_from(granted).unwrap_or(0);
            let wait = Duration::from_secs_f64(((1.0 - tokens) / self.per_second).max(0.0));
            answers.extend((0..*n).map(|i| if i < granted { Ok(()) } else { Err(wait) }));
        }
        answers
    }

    /// This process's own buckets decide for `asks`, when the shared ones cannot.
    fn fall_back(&self, asks: &[(&str, u32)], error: &str) -> Vec<Result<(), Wait>> {
        tracing::warn!(%error, "shared rate limit unavailable; this replica's own bucket decides");
        asks.iter()
            .flat_map(|(key, n)| (0..*n).map(|_| self.fallback.acquire(key)))
            .collect()
    }
}

/// The bucket task: takes the first request waiting and every other one already queued (up to
/// [`MAX_BATCH`]), takes their tokens in one statement and answers each; until every sender is
/// gone.
async fn take_in_batches(buckets: Arc<Buckets>, mut queue: mpsc::Receiver<Ask>) {
    while let Some(first) = queue.recv().await {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match queue.try_recv() {
                Ok(ask) => batch.push(ask),
                Err(_) => break,
            }
        }
        // Requests by key, keys sorted, each key's requests in arrival order.
        let mut by_key: BTreeMap<String, Vec<oneshot::Sender<Result<(), Wait>>>> = BTreeMap::new();
        for ask in batch {
            by_key.entry(ask.key).or_default().push(ask.reply);
        }
        let asks: Vec<(&str, u32)> = by_key
            .iter()
            .map(|(key, replies)| (key.as_str(), replies.len() as u32))
            .collect();
        let mut answers = buckets.take(&asks).await.into_iter();
        for reply in by_key.into_values().flatten() {
            // A request that stopped waiting (its client went away) needs no answer.
            let _ = reply.send(answers.next().unwrap_or(Ok(())));
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn the_bucket_empties_per_key_and_says_how_long_to_wait() {
        let limiter = RateLimiter::new(3);
        for _ in 0..3 {
            assert!(limiter.acquire("a").is_ok());
        }
        let wait = limiter.acquire("a").unwrap_err();
        assert!(wait <= Duration::from_secs(20) && wait > Duration::from_secs(15));
        assert!(limiter.acquire("b").is_ok());
        let unlimited = RateLimiter::new(0);
        assert!((0..10_000).all(|_| unlimited.acquire("a").is_ok()));
    }

    #[test]
    fn the_store_is_read_from_the_environment() {
        assert_eq!(RateLimitStore::parse(None).unwrap(), RateLimitStore::Auto);
        assert_eq!(
            RateLimitStore::parse(Some(" Memory ")).unwrap(),
            RateLimitStore::Memory
        );
        assert_eq!(
            RateLimitStore::parse(Some("postgres")).unwrap(),
            RateLimitStore::Postgres
        );
        assert!(RateLimitStore::parse(Some("redis")).is_err());
    }
}
