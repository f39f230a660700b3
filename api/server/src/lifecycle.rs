//! A serving process's lifecycle: readiness (database reachable, migrations applied, not
//! draining) and draining on shutdown.
//!
//! On SIGTERM or SIGINT the server marks itself draining — `/readyz` answers 503 from then
//! on — closes every subscription WebSocket with close code 1001 (going away), stops tailing
//! the outbox, and then stops accepting connections while in-flight requests finish within
//! the shutdown timeout (see `run::serve`); last, the read-audit appender is flushed.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use familygraph_graphql::EventFeed;
use familygraph_store::audit::AuditAppender;
use sea_orm::DatabaseConnection;
use tokio::sync::watch;

/// Environment variable: what the server does with pending migrations at start
/// (`auto`, `check` or `off`).
pub const ENV_MIGRATE: &str = "FAMILYGRAPH_MIGRATE";
/// Environment variable: seconds in-flight requests may take to finish after a shutdown signal.
pub const ENV_SHUTDOWN_TIMEOUT: &str = "FAMILYGRAPH_SHUTDOWN_TIMEOUT";
/// Environment variable: seconds to keep accepting after a shutdown signal, draining.
pub const ENV_SHUTDOWN_DELAY: &str = "FAMILYGRAPH_SHUTDOWN_DELAY";
/// Environment variable: most pooled database connections.
pub const ENV_DB_MAX_CONNECTIONS: &str = "FAMILYGRAPH_DB_MAX_CONNECTIONS";
/// Environment variable: most connections in the PostgreSQL generic-plan pool, which runs the
/// loaders' statements (`familygraph_store::db::connect_generic_plans`); unset: as many as
/// [`ENV_DB_MAX_CONNECTIONS`].
pub const ENV_DB_GENERIC_PLAN_CONNECTIONS: &str = "FAMILYGRAPH_DB_GENERIC_PLAN_CONNECTIONS";
/// Environment variable: seconds a statement waits for a pooled connection.
pub const ENV_DB_ACQUIRE_TIMEOUT: &str = "FAMILYGRAPH_DB_ACQUIRE_TIMEOUT";
/// Environment variable: seconds opening one connection may take.
pub const ENV_DB_CONNECT_TIMEOUT: &str = "FAMILYGRAPH_DB_CONNECT_TIMEOUT";

/// Default [`ENV_SHUTDOWN_TIMEOUT`].
pub const DEFAULT_SHUTDOWN_TIMEOUT: Duration = Duration::from_secs(30);
/// Default [`ENV_DB_ACQUIRE_TIMEOUT`] and [`ENV_DB_CONNECT_TIMEOUT`] for the server.
pub const DEFAULT_DB_TIMEOUT: Duration = Duration::from_secs(5);
/// Longest `/readyz` waits for the database before answering 503.
pub const READINESS_TIMEOUT: Duration = Duration::from_secs(2);

/// What the server does with pending migrations at start.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MigrateMode {
    /// Apply them (under the PostgreSQL migration advisory lock).
    #[default]
    Auto,
    /// Apply nothing; `/readyz` fails until something else (the migration job) has applied
    /// them.
    Check,
    /// Apply nothing and do not check.
    Off,
}

impl MigrateMode {
    /// Reads a value of [`ENV_MIGRATE`]; unset means [`MigrateMode::Auto`].
    pub fn parse(value: Option<&str>) -> Result<Self, String> {
        match value.map(|v| v.trim().to_ascii_lowercase()).as_deref() {
            None | Some("") | Some("auto") => Ok(Self::Auto),
            Some("check") => Ok(Self::Check),
            Some("off") => Ok(Self::Off),
            Some(other) => Err(format!(
                "{ENV_MIGRATE} must be auto, check or off (got {other:?})"
            )),
        }
    }
}

/// Settings of a serving process beyond the request limits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServeSettings {
    /// What to do with pending migrations.
    pub migrate: MigrateMode,
    /// How long in-flight requests may take to finish after a shutdown signal.
    pub shutdown_timeout: Duration,
    /// How long to keep accepting after a shutdown signal, draining.
    pub shutdown_delay: Duration,
    /// The database pool.
    pub pool: familygraph_store::db::PoolSettings,
}

impl ServeSettings {
    /// From `lookup` (an environment, or [`crate::settings::lookup`]).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, String> {
        let seconds = |key: &str| -> Result<Option<Duration>, String> {
            match lookup(key)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
            {
                None => Ok(None),
                Some(value) => value
                    .parse::<u64>()
                    .map(|s| Some(Duration::from_secs(s)))
                    .map_err(|_| {
                        format!("{key} must be a whole number of seconds (got {value:?})")
                    }),
            }
        };
        let connections = |key: &str| -> Result<Option<u32>, String> {
            match lookup(key)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
            {
                None => Ok(None),
                Some(value) => value
                    .parse::<u32>()
                    .ok()
                    .filter(|n| *n > 0)
                    .map(Some)
                    .ok_or_else(|| {
                        format!("{key} must be a positive whole number (got {value:?})")
                    }),
            }
        };
        Ok(Self {
            migrate: MigrateMode::parse(lookup(ENV_MIGRATE).as_deref())?,
            shutdown_timeout: seconds(ENV_SHUTDOWN_TIMEOUT)?.unwrap_or(DEFAULT_SHUTDOWN_TIMEOUT),
            shutdown_delay: seconds(ENV_SHUTDOWN_DELAY)?.unwrap_or_default(),
            pool: familygraph_store::db::PoolSettings {
                max_connections: connections(ENV_DB_MAX_CONNECTIONS)?,
                generic_plan_connections: connections(ENV_DB_GENERIC_PLAN_CONNECTIONS)?,
                acquire_timeout: Some(
                    seconds(ENV_DB_ACQUIRE_TIMEOUT)?.unwrap_or(DEFAULT_DB_TIMEOUT),
                ),
                connect_timeout: Some(
                    seconds(ENV_DB_CONNECT_TIMEOUT)?.unwrap_or(DEFAULT_DB_TIMEOUT),
                ),
            },
        })
    }
}

/// Why the server is not ready.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotReady {
    /// It is shutting down.
    Draining,
    /// The database does not answer.
    DatabaseUnavailable,
    /// Migrations are pending (or could not be read).
    MigrationsPending,
}

impl NotReady {
    /// The `status` `/readyz` reports.
    pub fn status(self) -> &'static str {
        match self {
            Self::Draining => "draining",
            Self::DatabaseUnavailable => "database unavailable",
            Self::MigrationsPending => "migrations pending",
        }
    }
}

/// The process's lifecycle, shared by every worker.
pub struct Lifecycle {
    draining: watch::Sender<bool>,
    check_migrations: bool,
    migrated: AtomicBool,
    feeds: Mutex<Vec<EventFeed>>,
    audit: Mutex<Option<AuditAppender>>,
}

impl Default for Lifecycle {
    /// Not draining; migrations are not checked.
    fn default() -> Self {
        Self::new(false)
    }
}

impl Lifecycle {
    /// A lifecycle; with `check_migrations`, readiness also needs every migration applied.
    pub fn new(check_migrations: bool) -> Self {
        Self {
            draining: watch::Sender::new(false),
            check_migrations,
            migrated: AtomicBool::new(false),
            feeds: Mutex::new(Vec::new()),
            audit: Mutex::new(None),
        }
    }

    /// Whether the server is shutting down.
    pub fn is_draining(&self) -> bool {
        *self.draining.borrow()
    }

    /// A receiver that sees `true` once the server starts draining.
    pub fn draining(&self) -> watch::Receiver<bool> {
        self.draining.subscribe()
    }

    /// The outbox feed to stop when draining.
    pub fn register_feed(&self, feed: EventFeed) {
        if let Ok(mut feeds) = self.feeds.lock() {
            feeds.push(feed);
        }
    }

    /// The read-audit appender to flush at the end of shutdown.
    pub fn register_audit_appender(&self, appender: AuditAppender) {
        if let Ok(mut audit) = self.audit.lock() {
            *audit = Some(appender);
        }
    }

    /// Flushes the read-audit appender, once the server has stopped: every audit entry still
    /// queued (a request cut off by the shutdown timeout) is appended before the process exits.
    /// Waits at most `timeout`.
    pub async fn flush_audit(&self, timeout: Duration) {
        let appender = self.audit.lock().ok().and_then(|mut audit| audit.take());
        if let Some(appender) = appender
            && tokio::time::timeout(timeout, appender.shutdown())
                .await
                .is_err()
        {
            tracing::error!("the audit appender did not finish within the shutdown timeout");
        }
    }

    /// Starts draining: readiness fails from now on, every subscription connection is closed
    /// with 1001, and the outbox feed stops.
    pub fn begin_draining(&self) {
        self.draining.send_replace(true);
        let feeds = self
            .feeds
            .lock()
            .map(|mut feeds| std::mem::take(&mut *feeds))
            .unwrap_or_default();
        for feed in feeds {
            feed.stop();
        }
    }

    /// Whether the server is ready to take traffic, and if not, why.
    pub async fn readiness(&self, db: &DatabaseConnection) -> Result<(), NotReady> {
        if self.is_draining() {
            return Err(NotReady::Draining);
        }
        let ping = tokio::time::timeout(READINESS_TIMEOUT, familygraph_store::db::ping(db)).await;
        if !matches!(ping, Ok(true)) {
            return Err(NotReady::DatabaseUnavailable);
        }
        if self.check_migrations && !self.migrated.load(Ordering::Relaxed) {
            let pending = tokio::time::timeout(
                READINESS_TIMEOUT,
                familygraph_store::db::pending_migrations(db),
            )
            .await;
            match pending {
                Ok(Ok(pending)) if pending.is_empty() => {
                    self.migrated.store(true, Ordering::Relaxed);
                }
                _ => return Err(NotReady::MigrationsPending),
            }
        }
        if self.is_draining() {
            return Err(NotReady::Draining);
        }
        Ok(())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn migrate_modes_parse() {
        assert_eq!(MigrateMode::parse(None).unwrap(), MigrateMode::Auto);
        assert_eq!(
            MigrateMode::parse(Some(" Check ")).unwrap(),
            MigrateMode::Check
        );
        assert_eq!(MigrateMode::parse(Some("off")).unwrap(), MigrateMode::Off);
        assert!(MigrateMode::parse(Some("sometimes")).is_err());
    }

    #[test]
    fn serve_settings_have_defaults_and_refuse_nonsense() {
        let settings = ServeSettings::from_lookup(|_| None).unwrap();
        assert_eq!(settings.shutdown_timeout, DEFAULT_SHUTDOWN_TIMEOUT);
        assert_eq!(settings.shutdown_delay, Duration::ZERO);
        assert_eq!(settings.pool.acquire_timeout, Some(DEFAULT_DB_TIMEOUT));
        assert_eq!(settings.pool.max_connections, None);
        let settings = ServeSettings::from_lookup(|key| match key {
            ENV_SHUTDOWN_TIMEOUT => Some("10".to_owned()),
            ENV_DB_MAX_CONNECTIONS => Some("8".to_owned()),
            _ => None,
        })
        .unwrap();
        assert_eq!(settings.shutdown_timeout, Duration::from_secs(10));
        assert_eq!(settings.pool.max_connections, Some(8));
        assert!(
            ServeSettings::from_lookup(|key| (key == ENV_SHUTDOWN_TIMEOUT).then(|| "soon".into()))
                .is_err()
        );
        assert!(
            ServeSettings::from_lookup(|key| (key == ENV_DB_MAX_CONNECTIONS).then(|| "0".into()))
                .is_err()
        );
    }

    #[test]
    fn generic_plan_connections_default_to_max_connections() {
        use familygraph_store::db::generic_plan_connections;

        // Unset: the generic-plan pool is as large as the regular one, as before.
        let settings = ServeSettings::from_lookup(|_| None).unwrap();
        assert_eq!(settings.pool.generic_plan_connections, None);
        assert_eq!(generic_plan_connections(&settings.pool), 16);
        let settings =
            ServeSettings::from_lookup(|key| (key == ENV_DB_MAX_CONNECTIONS).then(|| "8".into()))
                .unwrap();
        assert_eq!(settings.pool.generic_plan_connections, None);
        assert_eq!(generic_plan_connections(&settings.pool), 8);
        // A blank value counts as unset.
        let settings = ServeSettings::from_lookup(|key| {
            (key == ENV_DB_GENERIC_PLAN_CONNECTIONS).then(|| "  ".into())
        })
        .unwrap();
        assert_eq!(settings.pool.generic_plan_connections, None);

        // Explicit: its own size, whatever the regular pool's.
        let settings = ServeSettings::from_lookup(|key| match key {
            ENV_DB_MAX_CONNECTIONS => Some("8".to_owned()),
            ENV_DB_GENERIC_PLAN_CONNECTIONS => Some(" 4 ".to_owned()),
            _ => None,
        })
        .unwrap();
        assert_eq!(settings.pool.max_connections, Some(8));
        assert_eq!(settings.pool.generic_plan_connections, Some(4));
        assert_eq!(generic_plan_connections(&settings.pool), 4);
        let settings = ServeSettings::from_lookup(|key| {
            (key == ENV_DB_GENERIC_PLAN_CONNECTIONS).then(|| "32".into())
        })
        .unwrap();
        assert_eq!(settings.pool.max_connections, None);
        assert_eq!(generic_plan_connections(&settings.pool), 32);

        // Zero, negative or not a number: refused, naming the variable.
        for bad in ["0", "-2", "many", "2.5"] {
            let error = ServeSettings::from_lookup(|key| {
                (key == ENV_DB_GENERIC_PLAN_CONNECTIONS).then(|| bad.into())
            })
            .unwrap_err();
            assert_eq!(
                error,
                format!(
                    "{ENV_DB_GENERIC_PLAN_CONNECTIONS} must be a positive whole number (got {bad:?})"
                )
            );
        }
    }

    #[test]
    fn draining_is_seen_by_every_receiver() {
        let lifecycle = Lifecycle::default();
        let receiver = lifecycle.draining();
        assert!(!lifecycle.is_draining());
        lifecycle.begin_draining();
        assert!(lifecycle.is_draining());
        assert!(*receiver.borrow());
    }
}
