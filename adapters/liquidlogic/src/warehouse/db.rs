//! The SQL the warehouse source runs: one connection pool per backend, every value read as
//! text, and the few places where PostgreSQL and SQLite spell things differently.

use std::str::FromStr;
use std::time::Duration;

use familygraph_adapter_sdk::{AdapterError, Location};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};
use sqlx::{PgPool, Row, SqlitePool};

/// Which SQL database holds the warehouse tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// PostgreSQL: `_DTTM` columns are `TIMESTAMP`, ids `BIGINT`.
    Postgres,
    /// SQLite: `_DTTM` columns are `TEXT` (`YYYY-MM-DD HH:MM:SS`), ids `INTEGER`.
    Sqlite,
}

impl Dialect {
    /// The dialect of a connection URL (`postgres://`, `postgresql://`, `sqlite:`), or `None`.
    pub fn of_url(url: &str) -> Option<Self> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Some(Self::Postgres)
        } else if url.starts_with("sqlite:") {
            Some(Self::Sqlite)
        } else {
            None
        }
    }

    /// The `n`th (1-based) bind parameter, compared with or stored in a timestamp column when
    /// `timestamp` is set.
    pub(crate) fn param(self, n: usize, timestamp: bool) -> String {
        match (self, timestamp) {
            (Self::Postgres, true) => format!("CAST(${n} AS TIMESTAMP)"),
            (Self::Postgres, false) => format!("${n}"),
            (Self::Sqlite, _) => format!("?{n}"),
        }
    }

    /// The larger of two non-null values.
    pub(crate) fn greatest(self, a: &str, b: &str) -> String {
        match self {
            Self::Postgres => format!("GREATEST({a}, {b})"),
            Self::Sqlite => format!("MAX({a}, {b})"),
        }
    }

    /// The timestamp that stands for "never modified" (a row whose modified column is null).
    pub(crate) fn epoch(self) -> &'static str {
        match self {
            Self::Postgres => "TIMESTAMP '1900-01-01 00:00:00'",
            Self::Sqlite => "'1900-01-01 00:00:00'",
        }
    }

    /// The column type of a `_DTTM` column.
    pub(crate) fn timestamp_type(self) -> &'static str {
        match self {
            Self::Postgres => "TIMESTAMP",
            Self::Sqlite => "TEXT",
        }
    }

    /// The column type of an id column.
    pub(crate) fn id_type(self) -> &'static str {
        match self {
            Self::Postgres => "BIGINT",
            Self::Sqlite => "INTEGER",
        }
    }
}

/// A value bound to a query parameter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Bind {
    /// Text (timestamps are passed as text and cast where the dialect needs it).
    Text(String),
    /// An integer id.
    Int(i64),
}

/// A connection pool to PostgreSQL or SQLite, created lazily: nothing is connected until the
/// first query.
#[derive(Clone)]
pub(crate) enum Pool {
    Postgres(PgPool),
    Sqlite(SqlitePool),
}

/// Shows nothing: the pool's connect options hold the password.
impl std::fmt::Debug for Pool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Pool")
    }
}

/// How to connect, parsed from the URL: the pool itself is made on first use (inside the
/// async runtime, which its maintenance tasks need), so an adapter can be built anywhere.
#[derive(Clone)]
pub(crate) struct LazyPool {
    options: Options,
    timeout: Duration,
    pool: std::sync::OnceLock<Pool>,
}

#[derive(Clone)]
enum Options {
    Postgres(PgConnectOptions),
    Sqlite(SqliteConnectOptions),
}

/// Shows the dialect only: the connect options hold the password.
impl std::fmt::Debug for LazyPool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "LazyPool({:?})", self.dialect())
    }
}

impl LazyPool {
    /// The pool's dialect.
    pub fn dialect(&self) -> Dialect {
        match self.options {
            Options::Postgres(_) => Dialect::Postgres,
            Options::Sqlite(_) => Dialect::Sqlite,
        }
    }

    /// The pool, made on first use. Must be called inside a Tokio runtime.
    pub fn get(&self) -> &Pool {
        self.pool.get_or_init(|| match &self.options {
            Options::Postgres(options) => Pool::Postgres(
                PgPoolOptions::new()
                    .max_connections(2)
                    .acquire_timeout(self.timeout)
                    .connect_lazy_with(options.clone()),
            ),
            Options::Sqlite(options) => Pool::Sqlite(
                SqlitePoolOptions::new()
                    .max_connections(2)
                    .acquire_timeout(self.timeout)
                    .connect_lazy_with(options.clone()),
            ),
        })
    }

    /// Closes the pool's connections, if it was ever made.
    pub async fn close(&self) {
        if let Some(pool) = self.pool.get() {
            pool.close().await;
        }
    }
}

/// Parses `url` into a [`LazyPool`]. `target` names the warehouse in errors; the URL itself is
/// never shown (it may hold a password).
pub(crate) fn pool(url: &str, timeout: Duration, target: &str) -> Result<LazyPool, AdapterError> {
    let bad_url = |_| AdapterError::Config {
        reason: format!("warehouse adapter {target}: the connection URL is not valid"),
    };
    let options = match Dialect::of_url(url) {
        Some(Dialect::Postgres) => {
            Options::Postgres(PgConnectOptions::from_str(url).map_err(bad_url)?)
        }
        Some(Dialect::Sqlite) => {
            Options::Sqlite(SqliteConnectOptions::from_str(url).map_err(bad_url)?)
        }
        None => {
            return Err(AdapterError::Config {
                reason: format!(
                    "warehouse adapter {target}: the connection URL must start with postgres://, \
                     postgresql:// or sqlite:"
                ),
            });
        }
    };
    Ok(LazyPool {
        options,
        timeout,
        pool: std::sync::OnceLock::new(),
    })
}

impl Pool {
    /// Runs `sql` and returns every row's columns as text (every selected column must be text
    /// or null: the queries cast).
    pub async fn fetch_text(
        &self,
        sql: &str,
        binds: &[Bind],
    ) -> Result<Vec<Vec<Option<String>>>, sqlx::Error> {
        match self {
            Self::Postgres(pool) => {
                let mut query = sqlx::query(sqlx::AssertSqlSafe(sql.to_owned()));
                for bind in binds {
                    query = match bind {
                        Bind::Text(t) => query.bind(t.clone()),
                        Bind::Int(i) => query.bind(*i),
                    };
                }
                let rows = query.fetch_all(pool).await?;
                rows.iter()
                    .map(|row| {
                        (0..row.len())
                            .map(|i| row.try_get::<Option<String>, _>(i))
                            .collect()
                    })
                    .collect()
            }
            Self::Sqlite(pool) => {
                let mut query = sqlx::query(sqlx::AssertSqlSafe(sql.to_owned()));
                for bind in binds {
                    query = match bind {
                        Bind::Text(t) => query.bind(t.clone()),
                        Bind::Int(i) => query.bind(*i),
                    };
                }
                let rows = query.fetch_all(pool).await?;
                rows.iter()
                    .map(|row| {
                        (0..row.len())
                            .map(|i| row.try_get::<Option<String>, _>(i))
                            .collect()
                    })
                    .collect()
            }
        }
    }

    /// Runs statements that return nothing, in order, in one transaction.
    pub async fn execute_all(&self, statements: &[String]) -> Result<(), sqlx::Error> {
        match self {
            Self::Postgres(pool) => {
                let mut tx = pool.begin().await?;
                for statement in statements {
                    sqlx::raw_sql(sqlx::AssertSqlSafe(statement.clone()))
                        .execute(&mut *tx)
                        .await?;
                }
                tx.commit().await
            }
            Self::Sqlite(pool) => {
                let mut tx = pool.begin().await?;
                for statement in statements {
                    sqlx::raw_sql(sqlx::AssertSqlSafe(statement.clone()))
                        .execute(&mut *tx)
                        .await?;
                }
                tx.commit().await
            }
        }
    }

    /// Closes the pool's connections.
    pub async fn close(&self) {
        match self {
            Self::Postgres(pool) => pool.close().await,
            Self::Sqlite(pool) => pool.close().await,
        }
    }
}

/// Classes a database failure: the connection (refused, reset, timed out, the server shutting
/// down or out of resources) is retryable; anything the database says about the query (a
/// missing table or column, a type error) or a file that cannot be opened is permanent. The
/// error names `target` and `table`, never the connection URL.
pub(crate) fn classify(error: &sqlx::Error, target: &str, table: &str) -> AdapterError {
    match error {
        sqlx::Error::Io(e) => AdapterError::Unreachable {
            target: target.to_owned(),
            message: e.to_string(),
        },
        sqlx::Error::Tls(e) => AdapterError::Unreachable {
            target: target.to_owned(),
            message: format!("TLS: {e}"),
        },
        sqlx::Error::PoolTimedOut => AdapterError::Timeout {
            target: target.to_owned(),
        },
        sqlx::Error::PoolClosed | sqlx::Error::WorkerCrashed => AdapterError::Unreachable {
            target: target.to_owned(),
            message: error.to_string(),
        },
        sqlx::Error::Database(db) => {
            let code = db.code().map(|c| c.into_owned()).unwrap_or_default();
            let transient = matches!(dialect_of(db.as_ref()), Some(Dialect::Postgres))
                && (code.starts_with("08")
                    || code.starts_with("57P")
                    || code.starts_with("53")
                    || code == "40001"
                    || code == "40P01");
            if transient {
                AdapterError::Unreachable {
                    target: target.to_owned(),
                    message: format!("{} (SQLSTATE {code})", db.message()),
                }
            } else {
                AdapterError::malformed(
                    Location::document(table),
                    format!("the warehouse refused the query: {}", db.message()),
                )
            }
        }
        other => AdapterError::malformed(
            Location::document(table),
            format!("the warehouse could not be read: {other}"),
        ),
    }
}

fn dialect_of(db: &dyn sqlx::error::DatabaseError) -> Option<Dialect> {
    if db
        .try_downcast_ref::<sqlx::postgres::PgDatabaseError>()
        .is_some()
    {
        Some(Dialect::Postgres)
    } else if db.try_downcast_ref::<sqlx::sqlite::SqliteError>().is_some() {
        Some(Dialect::Sqlite)
    } else {
        None
    }
}

/// Quotes an identifier (already checked to be `[A-Za-z0-9_]`).
pub(crate) fn quote(identifier: &str) -> String {
    format!("\"{identifier}\"")
}

/// Whether `name` is safe to put in SQL as an identifier: ASCII letters, digits and `_`.
pub(crate) fn plain_identifier(name: &str) -> bool {
    !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}
