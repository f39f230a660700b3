//! Connecting to the database and bringing its schema up to date.

use familygraph_migrations::Migrator;
use sea_orm::{ConnectOptions, Database, DatabaseConnection, DbBackend};
use sea_orm_migration::MigratorTrait;

use crate::error::StoreResult;

/// Opens a connection pool to `url` (`sqlite://…` or `postgres://…`).
pub async fn connect(url: &str) -> StoreResult<DatabaseConnection> {
    let mut options = ConnectOptions::new(url.to_owned());
    options
        .max_connections(if url.starts_with("sqlite:") { 4 } else { 16 })
        .min_connections(1)
        .sqlx_logging(false);
    Ok(Database::connect(options).await?)
}

/// Applies every pending migration.
pub async fn migrate(db: &DatabaseConnection) -> StoreResult<()> {
    Migrator::up(db, None).await?;
    Ok(())
}

/// Whether the database answers a trivial statement (for readiness checks).
pub async fn ping(db: &DatabaseConnection) -> bool {
    db.ping().await.is_ok()
}

/// Whether `db` is PostgreSQL.
pub fn is_postgres(db: &DatabaseConnection) -> bool {
    db.get_database_backend() == DbBackend::Postgres
}
