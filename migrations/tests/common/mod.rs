//! Databases for the migrations crate's integration tests (which cannot reach the store's
//! `api/store/tests/common`): SQLite in memory always, and a freshly created PostgreSQL
//! database, dropped afterwards, on the server `FAMILYGRAPH_TEST_POSTGRES` names (e.g.
//! `postgres://postgres@127.0.0.1:5432`), or on [`LOCAL_POSTGRES`] when
//! `FAMILYGRAPH_TEST_BACKEND=postgres`. Neither database is migrated: each test runs the
//! migrations it is about.

use std::future::Future;

use sea_orm_migration::sea_orm::{ConnectionTrait, Database, DatabaseConnection};

/// The server used when `FAMILYGRAPH_TEST_BACKEND=postgres` and `FAMILYGRAPH_TEST_POSTGRES` is
/// not set.
pub const LOCAL_POSTGRES: &str = "postgres://postgres@127.0.0.1:5432";

/// The PostgreSQL server to test on (no database, no trailing `/`): `FAMILYGRAPH_TEST_POSTGRES`,
/// else [`LOCAL_POSTGRES`] when `FAMILYGRAPH_TEST_BACKEND=postgres`; with neither, says the
/// PostgreSQL run is skipped.
pub fn postgres_server() -> Option<String> {
    let server = match std::env::var("FAMILYGRAPH_TEST_POSTGRES") {
        Ok(server) => server,
        Err(_) if std::env::var("FAMILYGRAPH_TEST_BACKEND").as_deref() == Ok("postgres") => {
            LOCAL_POSTGRES.to_owned()
        }
        Err(_) => {
            eprintln!("FAMILYGRAPH_TEST_POSTGRES not set; skipping the PostgreSQL run");
            return None;
        }
    };
    Some(server.trim_end_matches('/').to_owned())
}

/// Runs `body` on a new, empty SQLite database in memory.
pub async fn on_sqlite<F, Fut>(body: F)
where
    F: FnOnce(DatabaseConnection) -> Fut,
    Fut: Future<Output = ()>,
{
    let db = Database::connect("sqlite::memory:").await.unwrap();
    body(db.clone()).await;
    db.close().await.unwrap();
}

/// Runs `body` on a new, empty PostgreSQL database named `{prefix}_{process id}_{nanoseconds}`
/// on the server [`postgres_server`] gives, and drops it afterwards (closing any connection
/// left open), whether `body` passed or not: `body` runs on its own task, and its panic fails
/// the test once the database is gone. Without a server, runs nothing.
pub async fn on_postgres<F, Fut>(prefix: &str, body: F)
where
    F: FnOnce(DatabaseConnection) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let Some(server) = postgres_server() else {
        return;
    };
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let name = format!("{prefix}_{}_{nanos}", std::process::id());
    let admin = Database::connect(format!("{server}/postgres"))
        .await
        .unwrap();
    admin
        .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
        .await
        .unwrap();

    let outcome = match Database::connect(format!("{server}/{name}")).await {
        Ok(db) => {
            let outcome = tokio::spawn(body(db.clone())).await;
            db.close().await.unwrap();
            outcome.map_err(|failure| failure.into_panic())
        }
        Err(error) => Err(Box::new(format!("cannot connect to {name}: {error}")) as _),
    };

    admin
        .execute_unprepared(&format!("DROP DATABASE \"{name}\" WITH (FORCE)"))
        .await
        .unwrap();
    admin.close().await.unwrap();
    if let Err(panic) = outcome {
        std::panic::resume_unwind(panic);
    }
}
