//! A span per SQL statement (below the span that ran it), the statement-duration histogram,
//! and the connection pool's use.
//!
//! A statement's text is recorded with its parameters left out (they are bound separately and
//! never read here) and any quoted literal replaced by `?`, so no value reaches a span.

use std::time::SystemTime;

use opentelemetry::KeyValue;
use opentelemetry::trace::SpanKind;
use sea_orm::{DatabaseConnection, DbBackend};

use super::traces::FinishedSpan;

/// Longest statement text kept on a span (characters).
pub const MAX_STATEMENT_CHARS: usize = 2_000;

/// Records every statement `db` runs (a span and a duration) and observes its pool.
pub fn instrument(db: &mut DatabaseConnection) {
    let system = system_name(db.get_database_backend());
    db.set_metric_callback(move |info| {
        let end = SystemTime::now();
        let operation = operation_name(&info.statement.sql);
        let outcome = if info.failed { "error" } else { "ok" };
        super::metrics::instruments().sql_duration.record(
            info.elapsed.as_secs_f64(),
            &[
                KeyValue::new("db.system.name", system),
                KeyValue::new("db.operation.name", operation),
                KeyValue::new("outcome", outcome),
            ],
        );
        if !super::traces::sampled() {
            return;
        }
        FinishedSpan {
            name: operation.into(),
            kind: SpanKind::Client,
            start: end.checked_sub(info.elapsed).unwrap_or(end),
            end,
            attributes: vec![
                KeyValue::new("db.system.name", system),
                KeyValue::new("db.operation.name", operation),
                KeyValue::new("db.query.text", sanitize(&info.statement.sql)),
            ],
            failed: info.failed,
        }
        .record();
    });
    observe_pool(db.clone());
}

/// `db.client.connection.count` by state (`idle`, `used`) and `db.client.connection.max`.
fn observe_pool(db: DatabaseConnection) {
    let meter = super::metrics::meter();
    let gauge_db = db.clone();
    let _count = meter
        .i64_observable_up_down_counter("db.client.connection.count")
        .with_description("Database connections in the pool, by state.")
        .with_callback(move |observer| {
            if let Some((size, idle)) = pool_use(&gauge_db) {
                observer.observe(
                    size - idle,
                    &[KeyValue::new("db.client.connection.state", "used")],
                );
                observer.observe(idle, &[KeyValue::new("db.client.connection.state", "idle")]);
            }
        })
        .build();
    let _max = meter
        .i64_observable_up_down_counter("db.client.connection.max")
        .with_description("Most connections the pool opens.")
        .with_callback(move |observer| {
            if let Some(max) = pool_max(&db) {
                observer.observe(max, &[]);
            }
        })
        .build();
}

fn pool_use(db: &DatabaseConnection) -> Option<(i64, i64)> {
    use sea_orm::DatabaseConnectionType as Type;
    let (size, idle) = match &db.inner {
        Type::SqlxPostgresPoolConnection(_) => {
            let pool = db.get_postgres_connection_pool();
            (pool.size(), pool.num_idle())
        }
        Type::SqlxSqlitePoolConnection(_) => {
            let pool = db.get_sqlite_connection_pool();
            (pool.size(), pool.num_idle())
        }
        _ => return None,
    };
    Some((i64::from(size), i64::try_from(idle).unwrap_or(i64::MAX)))
}

fn pool_max(db: &DatabaseConnection) -> Option<i64> {
    use sea_orm::DatabaseConnectionType as Type;
    let max = match &db.inner {
        Type::SqlxPostgresPoolConnection(_) => db
            .get_postgres_connection_pool()
            .options()
            .get_max_connections(),
        Type::SqlxSqlitePoolConnection(_) => db
            .get_sqlite_connection_pool()
            .options()
            .get_max_connections(),
        _ => return None,
    };
    Some(i64::from(max))
}

fn system_name(backend: DbBackend) -> &'static str {
    match backend {
        DbBackend::Postgres => "postgresql",
        DbBackend::Sqlite => "sqlite",
        _ => "other",
    }
}

/// The statement's kind: its first keyword, from a fixed set (`OTHER` otherwise).
pub fn operation_name(sql: &str) -> &'static str {
    let keyword = sql
        .trim_start()
        .split(|c: char| !c.is_ascii_alphabetic())
        .next()
        .unwrap_or("");
    const KNOWN: [&str; 12] = [
        "SELECT",
        "INSERT",
        "UPDATE",
        "DELETE",
        "WITH",
        "BEGIN",
        "COMMIT",
        "ROLLBACK",
        "SAVEPOINT",
        "RELEASE",
        "CREATE",
        "PRAGMA",
    ];
    KNOWN
        .iter()
        .find(|known| known.eq_ignore_ascii_case(keyword))
        .copied()
        .unwrap_or("OTHER")
}

/// The statement with every single-quoted literal replaced by `?` and cut to
/// [`MAX_STATEMENT_CHARS`]. Parameters (`$1`, `?`) are placeholders already.
pub fn sanitize(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len().min(MAX_STATEMENT_CHARS));
    let mut in_literal = false;
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        if in_literal {
            if c == '\'' {
                if chars.peek() == Some(&'\'') {
                    chars.next();
                } else {
                    in_literal = false;
                }
            }
            continue;
        }
        if c == '\'' {
            in_literal = true;
            out.push('?');
        } else {
            out.push(c);
        }
        if out.len() >= MAX_STATEMENT_CHARS {
            out.push('…');
            break;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals_are_removed_and_kinds_bounded() {
        assert_eq!(
            sanitize(
                "SELECT * FROM person WHERE given_name = 'Ada' AND note = 'it''s' AND id = $1"
            ),
            "SELECT * FROM person WHERE given_name = ? AND note = ? AND id = $1"
        );
        assert_eq!(operation_name("  select 1"), "SELECT");
        assert_eq!(operation_name("VACUUM"), "OTHER");
        assert!(sanitize(&"x".repeat(5_000)).chars().count() <= MAX_STATEMENT_CHARS + 1);
    }
}
