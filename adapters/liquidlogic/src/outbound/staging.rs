//! A staging table in the case system's SQL database: one row per event.

use familygraph_adapter_sdk::{
    AdapterConfig, AdapterError, Delivery, DeliveryAdapter, HealthReport, OutboundEvent,
    async_trait,
};
use serde::{Deserialize, Serialize};
use sqlx::AssertSqlSafe;
use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::sqlite::{SqlitePool, SqlitePoolOptions};

use super::document::EventDocument;

/// The staging table's name unless configured otherwise.
pub const DEFAULT_TABLE: &str = "FG_INBOUND_EVENTS";

/// Configuration of a [`StagingTableAdapter`].
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StagingTableConfig {
    /// The delivery target's name, e.g. `case-system`.
    pub name: String,
    /// The case system's database: `postgres://…` or `sqlite://…`. May carry a password: it is
    /// never shown (`Debug` redacts it) nor put in an error.
    pub url: String,
    /// The staging table (letters, digits and `_`); default [`DEFAULT_TABLE`].
    #[serde(default = "default_table")]
    pub table: String,
    /// Create the table when it is missing (development and tests; in production the case
    /// system's DBA creates it from [`staging_table_ddl`]).
    #[serde(default)]
    pub create_table: bool,
}

fn default_table() -> String {
    DEFAULT_TABLE.to_owned()
}

impl std::fmt::Debug for StagingTableConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StagingTableConfig")
            .field("name", &self.name)
            .field("url", &redact(&self.url))
            .field("table", &self.table)
            .field("create_table", &self.create_table)
            .finish()
    }
}

/// The URL's scheme and host only.
fn redact(url: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap_or(("", url));
    let host = rest
        .rsplit_once('@')
        .map_or(rest, |(_, host)| host)
        .split(['/', '?'])
        .next()
        .unwrap_or("");
    format!("{scheme}://{host}/…")
}

impl AdapterConfig for StagingTableConfig {
    const KIND: &'static str = "liquidlogic-staging-table";

    fn validate(&self) -> Result<(), AdapterError> {
        let config = |reason: String| Err(AdapterError::Config { reason });
        if self.name.trim().is_empty() {
            return config("staging table: name must not be empty".to_owned());
        }
        if !(self.url.starts_with("postgres://")
            || self.url.starts_with("postgresql://")
            || self.url.starts_with("sqlite:"))
        {
            return config(
                "staging table: url must start with postgres://, postgresql:// or sqlite:"
                    .to_owned(),
            );
        }
        let mut chars = self.table.chars();
        let identifier = chars
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
            && self.table.len() <= 63;
        if !identifier {
            return config(format!(
                "staging table: table {:?} must be letters, digits and _ (at most 63)",
                self.table
            ));
        }
        Ok(())
    }
}

/// Which database the staging table is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Dialect {
    Postgres,
    Sqlite,
}

/// The `CREATE TABLE` of the staging table `table` (a validated identifier) for PostgreSQL
/// (`postgres: true`) or SQLite. Columns: `IDEMPOTENCY_KEY` (primary key), `EVENT_ID`,
/// `EVENT_TYPE`, `OCCURRED_AT` (RFC 3339 text, UTC), `SUBJECT_SYSTEM`, `SUBJECT_ID`,
/// `PAYLOAD` (the whole [`EventDocument`] as JSON text), `STATUS` (`NEW` when familygraph
/// writes it; the case system's to change), `CREATED_AT`.
pub fn staging_table_ddl(table: &str, postgres: bool) -> String {
    let created = if postgres {
        "TIMESTAMPTZ NOT NULL DEFAULT now()"
    } else {
        "TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP"
    };
    format!(
        "CREATE TABLE IF NOT EXISTS {table} (\n  \
         IDEMPOTENCY_KEY VARCHAR(120) NOT NULL PRIMARY KEY,\n  \
         EVENT_ID VARCHAR(64),\n  \
         EVENT_TYPE VARCHAR(100) NOT NULL,\n  \
         OCCURRED_AT VARCHAR(40) NOT NULL,\n  \
         SUBJECT_SYSTEM VARCHAR(100),\n  \
         SUBJECT_ID VARCHAR(100),\n  \
         PAYLOAD TEXT NOT NULL,\n  \
         STATUS VARCHAR(20) NOT NULL DEFAULT 'NEW',\n  \
         CREATED_AT {created}\n)"
    )
}

#[derive(Debug, Clone)]
enum Pool {
    Postgres(PgPool),
    Sqlite(SqlitePool),
}

/// Delivers each event as one row of the staging table: `INSERT … ON CONFLICT
/// (IDEMPOTENCY_KEY) DO NOTHING`; no row inserted means the key was already there, answered
/// `duplicate: true`. The pool connects lazily: a database that is down fails a delivery
/// (retryable), never the server's start.
#[derive(Debug, Clone)]
pub struct StagingTableAdapter {
    config: StagingTableConfig,
    pool: Pool,
    insert: String,
}

impl StagingTableAdapter {
    /// An adapter for `config` (validated; connects on first use).
    pub fn new(config: StagingTableConfig) -> Result<Self, AdapterError> {
        config.validate()?;
        let dialect = if config.url.starts_with("sqlite:") {
            Dialect::Sqlite
        } else {
            Dialect::Postgres
        };
        let refused = |e: sqlx::Error| AdapterError::Config {
            reason: format!("staging table: database url not usable: {}", kind(&e)),
        };
        let pool = match dialect {
            Dialect::Postgres => Pool::Postgres(
                PgPoolOptions::new()
                    .max_connections(2)
                    .acquire_timeout(std::time::Duration::from_secs(5))
                    .connect_lazy(&config.url)
                    .map_err(refused)?,
            ),
            Dialect::Sqlite => Pool::Sqlite(
                SqlitePoolOptions::new()
                    .max_connections(1)
                    .acquire_timeout(std::time::Duration::from_secs(5))
                    .connect_lazy(&config.url)
                    .map_err(refused)?,
            ),
        };
        let insert = format!(
            "INSERT INTO {} (IDEMPOTENCY_KEY, EVENT_ID, EVENT_TYPE, OCCURRED_AT, SUBJECT_SYSTEM, \
             SUBJECT_ID, PAYLOAD) VALUES ($1, $2, $3, $4, $5, $6, $7) \
             ON CONFLICT (IDEMPOTENCY_KEY) DO NOTHING",
            config.table
        );
        Ok(Self {
            config,
            pool,
            insert,
        })
    }

    /// Creates the staging table if it is missing ([`staging_table_ddl`]).
    pub async fn create_table(&self) -> Result<(), AdapterError> {
        // The table name is a validated identifier (see `validate`).
        match &self.pool {
            Pool::Postgres(pool) => {
                sqlx::query(AssertSqlSafe(staging_table_ddl(&self.config.table, true)))
                    .execute(pool)
                    .await
                    .map(|_| ())
            }
            Pool::Sqlite(pool) => {
                sqlx::query(AssertSqlSafe(staging_table_ddl(&self.config.table, false)))
                    .execute(pool)
                    .await
                    .map(|_| ())
            }
        }
        .map_err(|e| self.failed(&e))
    }

    /// Closes the pool.
    pub async fn close(&self) {
        match &self.pool {
            Pool::Postgres(pool) => pool.close().await,
            Pool::Sqlite(pool) => pool.close().await,
        }
    }

    /// A database failure as an adapter error, without the statement's values. Only a
    /// statement the database refuses for what it is (a missing column, a value too long) is
    /// permanent; a missing table, a closed connection, a timeout are retryable.
    fn failed(&self, error: &sqlx::Error) -> AdapterError {
        let target = format!("{} table {}", redact(&self.config.url), self.config.table);
        match error {
            sqlx::Error::Database(db) => {
                let code = db.code().map(|c| c.into_owned()).unwrap_or_default();
                // PostgreSQL class 22 (data exception) and 23 (integrity, other than our key's
                // conflict, which ON CONFLICT absorbs): the row itself is refused.
                let permanent = code.starts_with("22") || code.starts_with("23");
                if permanent {
                    AdapterError::Refused {
                        target,
                        reason: format!("database refused the row (SQLSTATE {code})"),
                    }
                } else {
                    AdapterError::Io {
                        target,
                        message: format!("database error (code {code})"),
                        retryable: true,
                    }
                }
            }
            other => AdapterError::Unreachable {
                target,
                message: kind(other),
            },
        }
    }
}

/// A short description of a sqlx error that carries no values.
fn kind(error: &sqlx::Error) -> String {
    match error {
        sqlx::Error::Configuration(_) => "bad configuration".to_owned(),
        sqlx::Error::Io(e) => format!("I/O: {}", e.kind()),
        sqlx::Error::Tls(_) => "TLS failure".to_owned(),
        sqlx::Error::PoolTimedOut => "timed out waiting for a connection".to_owned(),
        sqlx::Error::PoolClosed => "pool closed".to_owned(),
        sqlx::Error::Protocol(_) => "protocol error".to_owned(),
        _ => "database failure".to_owned(),
    }
}

#[async_trait]
impl DeliveryAdapter for StagingTableAdapter {
    fn name(&self) -> &str {
        &self.config.name
    }

    async fn health(&self) -> Result<HealthReport, AdapterError> {
        if self.config.create_table {
            self.create_table().await?;
        }
        let probe = format!("SELECT COUNT(*) FROM {} WHERE 1 = 0", self.config.table);
        match &self.pool {
            Pool::Postgres(pool) => sqlx::query(AssertSqlSafe(probe))
                .execute(pool)
                .await
                .map(|_| ()),
            Pool::Sqlite(pool) => sqlx::query(AssertSqlSafe(probe))
                .execute(pool)
                .await
                .map(|_| ()),
        }
        .map_err(|e| self.failed(&e))?;
        Ok(HealthReport {
            target: format!("{} table {}", redact(&self.config.url), self.config.table),
            detail: "staging table is readable".to_owned(),
        })
    }

    async fn deliver(
        &self,
        event: &OutboundEvent,
        idempotency_key: &str,
    ) -> Result<Delivery, AdapterError> {
        let document = EventDocument::new(event, idempotency_key)?;
        let json = String::from_utf8(document.to_json()?).map_err(|_| AdapterError::Config {
            reason: "event document is not UTF-8".to_owned(),
        })?;
        let event_id = event
            .payload
            .get("eventId")
            .and_then(|v| v.as_str())
            .map(str::to_owned);
        let occurred_at = event
            .occurred_at
            .to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
        let (system, id) = match &event.subject {
            Some(key) => (Some(key.source.system.clone()), Some(key.source.id.clone())),
            None => (None, None),
        };
        if self.config.create_table {
            self.create_table().await?;
        }
        let inserted = match &self.pool {
            Pool::Postgres(pool) => sqlx::query(AssertSqlSafe(self.insert.as_str()))
                .bind(idempotency_key)
                .bind(event_id)
                .bind(&event.event_type)
                .bind(occurred_at)
                .bind(system)
                .bind(id)
                .bind(json)
                .execute(pool)
                .await
                .map(|r| r.rows_affected()),
            Pool::Sqlite(pool) => sqlx::query(AssertSqlSafe(self.insert.as_str()))
                .bind(idempotency_key)
                .bind(event_id)
                .bind(&event.event_type)
                .bind(occurred_at)
                .bind(system)
                .bind(id)
                .bind(json)
                .execute(pool)
                .await
                .map(|r| r.rows_affected()),
        }
        .map_err(|e| self.failed(&e))?;
        Ok(Delivery {
            receipt: Some(format!("{}:{idempotency_key}", self.config.table)),
            duplicate: inserted == 0,
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn config(url: &str, table: &str) -> StagingTableConfig {
        StagingTableConfig {
            name: "case-system".into(),
            url: url.into(),
            table: table.into(),
            create_table: false,
        }
    }

    #[test]
    fn configuration_is_checked_and_the_password_never_shown() {
        assert!(
            config("postgres://u:pw@h/db", "FG_INBOUND_EVENTS")
                .validate()
                .is_ok()
        );
        assert!(config("mysql://h/db", "T").validate().is_err());
        assert!(
            config("sqlite::memory:", "T; DROP TABLE x")
                .validate()
                .is_err()
        );
        assert!(config("sqlite::memory:", "1T").validate().is_err());
        let shown = format!("{:?}", config("postgres://u:s3cret@h:5432/db", "T"));
        assert!(!shown.contains("s3cret"), "{shown}");
        assert!(shown.contains("postgres://h:5432/"), "{shown}");
    }

    #[test]
    fn the_ddl_names_the_key_column_as_primary_key() {
        let ddl = staging_table_ddl("FG_INBOUND_EVENTS", true);
        assert!(ddl.contains("IDEMPOTENCY_KEY VARCHAR(120) NOT NULL PRIMARY KEY"));
        assert!(ddl.contains("TIMESTAMPTZ"));
        assert!(!staging_table_ddl("T", false).contains("TIMESTAMPTZ"));
    }
}
