//! The per-caller rate limit: a token bucket per OAuth client id and subject, holding up to a
//! minute's worth of requests and refilling at that rate.
//!
//! Buckets live in process memory ([`RateLimiter`]) or, so that several replicas share them, in
//! the PostgreSQL table `rate_limit_bucket` ([`SharedRateLimiter`]), where each request takes
//! its token with one atomic `INSERT … ON CONFLICT DO UPDATE … RETURNING` statement.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, Statement};

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

/// Takes one token from a bucket in one statement. `$1` the key, `$2` the capacity (tokens),
/// `$3` the refill rate (tokens a second). The refill is computed from the time elapsed since
/// the bucket was last touched (never negative, never over the capacity); a token is taken
/// when at least one is there, and `granted` records whether it was. `now()` is the statement's
/// start, so the three uses of the refill agree; the row lock serialises replicas.
const ACQUIRE_SQL: &str = r#"
INSERT INTO rate_limit_bucket AS b (bucket_key, tokens, refreshed_at, granted)
VALUES ($1, $2 - 1.0, now(), TRUE)
ON CONFLICT (bucket_key) DO UPDATE SET
    tokens = CASE
        WHEN LEAST($2, b.tokens + GREATEST(0.0, EXTRACT(EPOCH FROM (now() - b.refreshed_at))::float8) * $3) >= 1.0
        THEN LEAST($2, b.tokens + GREATEST(0.0, EXTRACT(EPOCH FROM (now() - b.refreshed_at))::float8) * $3) - 1.0
        ELSE LEAST($2, b.tokens + GREATEST(0.0, EXTRACT(EPOCH FROM (now() - b.refreshed_at))::float8) * $3)
    END,
    granted = LEAST($2, b.tokens + GREATEST(0.0, EXTRACT(EPOCH FROM (now() - b.refreshed_at))::float8) * $3) >= 1.0,
    refreshed_at = GREATEST(b.refreshed_at, now())
RETURNING tokens, granted
"#;

/// Buckets untouched for this long have refilled completely, so they are equivalent to no row
/// and are deleted.
const FORGET_SQL: &str =
    "DELETE FROM rate_limit_bucket WHERE refreshed_at < now() - interval '61 seconds'";

/// Requests between two sweeps of full buckets (per process).
const SWEEP_EVERY: u64 = 1024;

/// A token bucket per key in the PostgreSQL table `rate_limit_bucket`, shared by every replica
/// on the same database. If the database cannot be reached, this process's own in-memory
/// buckets decide (and a warning is logged), so the limit still holds per replica.
pub struct SharedRateLimiter {
    per_minute: u32,
    db: DatabaseConnection,
    fallback: RateLimiter,
    requests: AtomicU64,
}

impl SharedRateLimiter {
    /// A limiter allowing `per_minute` requests a minute per key (0: unlimited) over `db`.
    pub fn new(per_minute: u32, db: DatabaseConnection) -> Self {
        Self {
            per_minute,
            db,
            fallback: RateLimiter::new(per_minute),
            requests: AtomicU64::new(0),
        }
    }

    /// Takes a token for `key`; `Err(wait)` when the bucket is empty.
    pub async fn acquire(&self, key: &str) -> Result<(), Wait> {
        if self.per_minute == 0 {
            return Ok(());
        }
        if self.requests.fetch_add(1, Ordering::Relaxed) % SWEEP_EVERY == SWEEP_EVERY - 1 {
            let db = self.db.clone();
            tokio::spawn(async move {
                if let Err(error) = db.execute_unprepared(FORGET_SQL).await {
                    tracing::warn!(%error, "could not sweep full rate-limit buckets");
                }
            });
        }
        let capacity = f64::from(self.per_minute);
        let per_second = capacity / 60.0;
        let statement = Statement::from_sql_and_values(
            DbBackend::Postgres,
            ACQUIRE_SQL,
            [key.into(), capacity.into(), per_second.into()],
        );
        let row = match self.db.query_one_raw(statement).await {
            Ok(Some(row)) => row,
            Ok(None) => return self.fall_back(key, "the bucket statement returned no row"),
            Err(error) => return self.fall_back(key, &error.to_string()),
        };
        let tokens: f64 = match row.try_get_by_index(0) {
            Ok(tokens) => tokens,
            Err(error) => return self.fall_back(key, &error.to_string()),
        };
        let granted: bool = match row.try_get_by_index(1) {
            Ok(granted) => granted,
            Err(error) => return self.fall_back(key, &error.to_string()),
        };
        if granted {
            Ok(())
        } else {
            Err(Duration::from_secs_f64(
                ((1.0 - tokens) / per_second).max(0.0),
            ))
        }
    }

    fn fall_back(&self, key: &str, error: &str) -> Result<(), Wait> {
        tracing::warn!(%error, "shared rate limit unavailable; this replica's own bucket decides");
        self.fallback.acquire(key)
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
