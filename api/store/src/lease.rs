//! Job leases: at most one holder of a named lease at a time, across every replica sharing the
//! database (table `job_lease`). A background job that must run on only one replica — an
//! adapter's sync, say — takes its lease with [`acquire`], keeps it with [`renew`] well before
//! it runs out, and gives it up with [`release`]. A holder that dies stops renewing; once the
//! lease has expired another holder's [`acquire`] takes it over.
//!
//! Each operation is one atomic statement, so two replicas racing for a lease cannot both win:
//! `INSERT … ON CONFLICT (name) DO UPDATE … WHERE <expired or already ours> RETURNING`, a
//! conditional `UPDATE … RETURNING` and a conditional `DELETE`. On PostgreSQL the lease's clock
//! is the database's (`now()`), so replicas' clocks may disagree without harm; on SQLite (one
//! process) it is this process's clock, written as fixed-width RFC 3339 text so that it
//! compares correctly as text.
//!
//! A holder must stop its work when [`renew`] returns `None`: the lease has run out (and may
//! already belong to someone else).

use std::time::Duration;

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DbBackend, QueryResult, Statement, Value};

use crate::error::{StoreError, StoreResult};

/// A lease as held.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lease {
    /// The job's name.
    pub name: String,
    /// Who holds it.
    pub holder: String,
    /// When it runs out unless renewed.
    pub expires_at: DateTime<Utc>,
}

/// A holder id for this process: host name (when known), process id and a random suffix, so
/// that two processes, or two holders in one process, never share one.
pub fn holder_id() -> String {
    let host = std::env::var("HOSTNAME")
        .ok()
        .filter(|h| !h.trim().is_empty())
        .unwrap_or_else(|| "host".to_owned());
    let suffix = uuid::Uuid::new_v4().simple().to_string();
    format!("{host}:{}:{}", std::process::id(), &suffix[..8])
}

const ACQUIRE_POSTGRES: &str = r#"
INSERT INTO job_lease AS l (name, holder, expires_at)
VALUES ($1, $2, now() + make_interval(secs => $3))
ON CONFLICT (name) DO UPDATE SET holder = EXCLUDED.holder, expires_at = EXCLUDED.expires_at
WHERE l.expires_at <= now() OR l.holder = EXCLUDED.holder
RETURNING name, holder, expires_at
"#;

const ACQUIRE_SQLITE: &str = r#"
INSERT INTO job_lease AS l (name, holder, expires_at)
VALUES ($1, $2, $4)
ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
WHERE l.expires_at <= $3 OR l.holder = excluded.holder
RETURNING name, holder, expires_at
"#;

const RENEW_POSTGRES: &str = r#"
UPDATE job_lease SET expires_at = now() + make_interval(secs => $3)
WHERE name = $1 AND holder = $2 AND expires_at > now()
RETURNING name, holder, expires_at
"#;

const RENEW_SQLITE: &str = r#"
UPDATE job_lease SET expires_at = $4
WHERE name = $1 AND holder = $2 AND expires_at > $3
RETURNING name, holder, expires_at
"#;

const RELEASE: &str = "DELETE FROM job_lease WHERE name = $1 AND holder = $2";

const CURRENT_POSTGRES: &str =
    "SELECT name, holder, expires_at FROM job_lease WHERE name = $1 AND expires_at > now()";

const CURRENT_SQLITE: &str =
    "SELECT name, holder, expires_at FROM job_lease WHERE name = $1 AND expires_at > $2";

/// Takes the lease `name` for `holder` for `ttl`, if it is free, expired, or already held by
/// `holder` (then it is extended). `None` when someone else holds it.
pub async fn acquire<C: ConnectionTrait>(
    db: &C,
    name: &str,
    holder: &str,
    ttl: Duration,
) -> StoreResult<Option<Lease>> {
    let sql = pick(db, ACQUIRE_POSTGRES, ACQUIRE_SQLITE);
    one(db, statement(db, sql, name, holder, ttl)).await
}

/// Extends the lease `name` by `ttl` from now, only if `holder` holds it and it has not run
/// out. `None` when it does not (the holder must stop its work).
pub async fn renew<C: ConnectionTrait>(
    db: &C,
    name: &str,
    holder: &str,
    ttl: Duration,
) -> StoreResult<Option<Lease>> {
    let sql = pick(db, RENEW_POSTGRES, RENEW_SQLITE);
    one(db, statement(db, sql, name, holder, ttl)).await
}

/// Gives up the lease `name` if `holder` holds it; whether it did.
pub async fn release<C: ConnectionTrait>(db: &C, name: &str, holder: &str) -> StoreResult<bool> {
    let result = db
        .execute_raw(Statement::from_sql_and_values(
            db.get_database_backend(),
            RELEASE,
            [name.into(), holder.into()],
        ))
        .await?;
    Ok(result.rows_affected() > 0)
}

/// Who holds the lease `name` now, if anyone (an expired lease is held by no one).
pub async fn current<C: ConnectionTrait>(db: &C, name: &str) -> StoreResult<Option<Lease>> {
    let backend = db.get_database_backend();
    let statement = if backend == DbBackend::Postgres {
        Statement::from_sql_and_values(backend, CURRENT_POSTGRES, [name.into()])
    } else {
        Statement::from_sql_and_values(
            backend,
            CURRENT_SQLITE,
            [name.into(), sqlite_time(Utc::now())],
        )
    };
    one(db, statement).await
}

fn pick<C: ConnectionTrait>(db: &C, postgres: &'static str, sqlite: &'static str) -> &'static str {
    if db.get_database_backend() == DbBackend::Postgres {
        postgres
    } else {
        sqlite
    }
}

/// `$1` name, `$2` holder, then on PostgreSQL `$3` the ttl in seconds, on SQLite `$3` now and
/// `$4` now + ttl.
fn statement<C: ConnectionTrait>(
    db: &C,
    sql: &str,
    name: &str,
    holder: &str,
    ttl: Duration,
) -> Statement {
    let backend = db.get_database_backend();
    let mut values: Vec<Value> = vec![name.into(), holder.into()];
    if backend == DbBackend::Postgres {
        values.push(ttl.as_secs_f64().into());
    } else {
        let now = Utc::now();
        let ttl = chrono::Duration::from_std(ttl).unwrap_or(chrono::Duration::MAX);
        let expires = now
            .checked_add_signed(ttl)
            .unwrap_or(DateTime::<Utc>::MAX_UTC);
        values.push(sqlite_time(now));
        values.push(sqlite_time(expires));
    }
    Statement::from_sql_and_values(backend, sql, values)
}

/// A time as SQLite keeps it here: fixed-width RFC 3339 text in UTC (microseconds), which sorts
/// as the times do.
fn sqlite_time(time: DateTime<Utc>) -> Value {
    time.format("%Y-%m-%dT%H:%M:%S%.6f+00:00")
        .to_string()
        .into()
}

async fn one<C: ConnectionTrait>(db: &C, statement: Statement) -> StoreResult<Option<Lease>> {
    match db.query_one_raw(statement).await? {
        Some(row) => lease(&row).map(Some),
        None => Ok(None),
    }
}

fn lease(row: &QueryResult) -> StoreResult<Lease> {
    let name: String = row.try_get_by_index(0)?;
    let holder: String = row.try_get_by_index(1)?;
    let expires_at = match row.try_get_by_index::<DateTime<Utc>>(2) {
        Ok(time) => time,
        Err(_) => {
            let text: String = row.try_get_by_index(2)?;
            DateTime::parse_from_rfc3339(&text)
                .map_err(|_| StoreError::Corrupt(format!("job_lease.expires_at {text:?}")))?
                .with_timezone(&Utc)
        }
    };
    Ok(Lease {
        name,
        holder,
        expires_at,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_times_sort_as_text_the_way_they_sort_as_times() {
        let a = Utc::now();
        let b = a + chrono::Duration::microseconds(1);
        let c = a + chrono::Duration::seconds(10);
        let text = |t| match sqlite_time(t) {
            Value::String(Some(s)) => s.to_string(),
            other => panic!("{other:?}"),
        };
        assert!(text(a) < text(b) && text(b) < text(c));
        assert_eq!(text(a).len(), text(c).len());
    }

    #[test]
    fn holder_ids_differ() {
        assert_ne!(holder_id(), holder_id());
    }
}
