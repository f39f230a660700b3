//! Connecting to the database and bringing its schema up to date.

use std::time::Duration;

use familygraph_migrations::Migrator;
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbBackend, TransactionTrait,
};
use sea_orm_migration::MigratorTrait;

use crate::error::StoreResult;

/// The PostgreSQL advisory lock key held while migrating (`"fgmigrat"` in ASCII): replicas that
/// start together migrate one after the other, and all but the first find nothing to do.
pub const MIGRATION_LOCK: i64 = 0x6667_6d69_6772_6174;

/// How the connection pool behaves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PoolSettings {
    /// Most connections open at once; `None`: 4 on SQLite, 16 on PostgreSQL.
    pub max_connections: Option<u32>,
    /// Most connections open at once in the generic-plan pool ([`connect_generic_plans`],
    /// PostgreSQL only); `None`: as many as [`PoolSettings::max_connections`].
    pub generic_plan_connections: Option<u32>,
    /// Longest a statement waits for a connection before failing (so that requests fail fast
    /// while the database is unreachable); `None`: the driver's default (30 s).
    pub acquire_timeout: Option<Duration>,
    /// Longest opening one connection may take; `None`: the driver's default.
    pub connect_timeout: Option<Duration>,
}

impl Default for PoolSettings {
    /// The driver's defaults and this crate's pool sizes.
    fn default() -> Self {
        Self {
            max_connections: None,
            generic_plan_connections: None,
            acquire_timeout: None,
            connect_timeout: None,
        }
    }
}

/// Opens a connection pool to `url` (`sqlite://…` or `postgres://…`).
pub async fn connect(url: &str) -> StoreResult<DatabaseConnection> {
    connect_with(url, &PoolSettings::default()).await
}

/// [`connect`] with explicit pool settings.
pub async fn connect_with(url: &str, settings: &PoolSettings) -> StoreResult<DatabaseConnection> {
    let mut options = ConnectOptions::new(url.to_owned());
    let default_max = if url.starts_with("sqlite:") { 4 } else { 16 };
    options
        .max_connections(settings.max_connections.unwrap_or(default_max).max(1))
        .min_connections(1)
        .sqlx_logging(false);
    if let Some(timeout) = settings.acquire_timeout {
        options.acquire_timeout(timeout);
    }
    if let Some(timeout) = settings.connect_timeout {
        options.connect_timeout(timeout);
    }
    Ok(Database::connect(options).await?)
}

/// A second pool to `url` whose sessions plan prepared statements generically
/// (`plan_cache_mode = force_generic_plan`), for statements whose best plan hardly depends on
/// their parameters (a relation's rows by keys bound as one array): PostgreSQL would otherwise
/// make a custom plan at every execution, which for such statements costs more than running
/// them. `None` on SQLite, which plans every statement anyway. Its size is
/// [`PoolSettings::generic_plan_connections`], or [`PoolSettings::max_connections`] (16 when
/// neither is set); the timeouts are the regular pool's.
pub async fn connect_generic_plans(
    url: &str,
    settings: &PoolSettings,
) -> StoreResult<Option<DatabaseConnection>> {
    if !url.starts_with("postgres") {
        return Ok(None);
    }
    let mut options = ConnectOptions::new(url.to_owned());
    options
        .max_connections(generic_plan_connections(settings))
        .min_connections(1)
        .sqlx_logging(false)
        .map_sqlx_postgres_opts(|options| {
            options.options([("plan_cache_mode", "force_generic_plan")])
        });
    if let Some(timeout) = settings.acquire_timeout {
        options.acquire_timeout(timeout);
    }
    if let Some(timeout) = settings.connect_timeout {
        options.connect_timeout(timeout);
    }
    Ok(Some(Database::connect(options).await?))
}

/// The generic-plan pool's size: [`PoolSettings::generic_plan_connections`], else
/// [`PoolSettings::max_connections`], else 16 (PostgreSQL's default for the regular pool); at
/// least 1.
pub fn generic_plan_connections(settings: &PoolSettings) -> u32 {
    settings
        .generic_plan_connections
        .or(settings.max_connections)
        .unwrap_or(16)
        .max(1)
}

/// Begins a transaction that will write. On SQLite it takes the write lock at `BEGIN`
/// (`BEGIN IMMEDIATE`), waiting for it under the busy timeout: a deferred transaction that
/// reads first would fail at once with "database is locked" when another connection wrote in
/// between, instead of waiting its turn. On PostgreSQL it is a plain `BEGIN`.
pub async fn begin_write<C>(db: &C) -> Result<C::Transaction, sea_orm::DbErr>
where
    C: sea_orm::TransactionTrait,
{
    db.begin_with_options(sea_orm::TransactionOptions {
        sqlite_transaction_mode: Some(sea_orm::SqliteTransactionMode::Immediate),
        ..Default::default()
    })
    .await
}

/// Applies every pending migration. On PostgreSQL this holds [`MIGRATION_LOCK`] (a
/// transaction-scoped advisory lock on one of the pool's connections, released however the
/// process ends) while migrating, so concurrent callers never race.
pub async fn migrate(db: &DatabaseConnection) -> StoreResult<()> {
    if is_postgres(db) {
        let guard = db.begin().await?;
        guard
            .execute_unprepared(&format!("SELECT pg_advisory_xact_lock({MIGRATION_LOCK})"))
            .await?;
        Migrator::up(db, None).await?;
        guard.commit().await?;
    } else {
        Migrator::up(db, None).await?;
    }
    Ok(())
}

/// The names of the migrations not yet applied, without changing the database (a database
/// never migrated has them all pending).
pub async fn pending_migrations(db: &DatabaseConnection) -> StoreResult<Vec<String>> {
    Ok(Migrator::get_pending_migrations_read_only(db)
        .await?
        .iter()
        .map(|migration| migration.name().to_owned())
        .collect())
}

/// Whether the database answers a trivial statement (for readiness checks).
pub async fn ping(db: &DatabaseConnection) -> bool {
    db.ping().await.is_ok()
}

/// Whether `db` is PostgreSQL.
pub fn is_postgres(db: &DatabaseConnection) -> bool {
    db.get_database_backend() == DbBackend::Postgres
}
