//! Databases for the store's integration tests (and its examples, which include this file by
//! path): a file-backed SQLite database always, and a freshly created PostgreSQL database
//! (dropped afterwards) when `FAMILYGRAPH_TEST_POSTGRES` names a server, e.g.
//! `postgres://postgres@127.0.0.1:5432`. The body runs on its own task, so that a failure
//! still lets the database be cleaned up before the test fails. A body that opens pools of its
//! own (replicas racing on one database) takes the database's URL (`on_*_url`); any other
//! takes a connection (`on_sqlite`, `on_postgres`).

// Each test crate (and example) including this module uses only some of its helpers.
#![allow(dead_code)]

use std::future::Future;

use sea_orm::{ConnectionTrait, DatabaseConnection};
use uuid::Uuid;

/// Runs `body` on its own task with `url`; a panic in it comes back as the error.
async fn run<F, Fut>(url: String, body: F) -> Result<(), tokio::task::JoinError>
where
    F: FnOnce(String) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    tokio::spawn(body(url)).await
}

/// Fails the test with the panic of `outcome`, if it holds one.
fn rethrow(outcome: Result<(), tokio::task::JoinError>) {
    if let Err(e) = outcome {
        std::panic::resume_unwind(e.into_panic());
    }
}

/// Connects to `url`, runs `body` with the connection and closes it.
async fn connected<F, Fut>(url: String, body: F)
where
    F: FnOnce(DatabaseConnection) -> Fut,
    Fut: Future<Output = ()>,
{
    let db = familygraph_store::db::connect(&url).await.unwrap();
    body(db.clone()).await;
    db.close().await.unwrap();
}

/// Runs `body` with the URL of a new, empty SQLite database in a temporary file (not yet
/// migrated).
pub async fn on_sqlite_url<F, Fut>(body: F)
where
    F: FnOnce(String) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let dir = tempfile::tempdir().unwrap();
    let url = format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("store.sqlite").display()
    );
    rethrow(run(url, body).await);
}

/// Runs `body` on a new, empty SQLite database in a temporary file (not yet migrated).
pub async fn on_sqlite<F, Fut>(body: F)
where
    F: FnOnce(DatabaseConnection) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    on_sqlite_url(|url| connected(url, body)).await;
}

/// The PostgreSQL server `FAMILYGRAPH_TEST_POSTGRES` names (no database, no trailing `/`);
/// without the variable, says the PostgreSQL run is skipped.
pub fn postgres_server() -> Option<String> {
    let Ok(server) = std::env::var("FAMILYGRAPH_TEST_POSTGRES") else {
        eprintln!("FAMILYGRAPH_TEST_POSTGRES not set; skipping the PostgreSQL run");
        return None;
    };
    Some(server.trim_end_matches('/').to_owned())
}

/// Runs `body` with the URL of a new, empty PostgreSQL database named `{prefix}_{uuid}` (not
/// yet migrated) on `server` (e.g. `postgres://postgres@127.0.0.1:5432`), and drops it
/// afterwards (closing any connection left open), whether `body` passed or not.
pub async fn on_postgres_server_url<F, Fut>(server: &str, prefix: &str, body: F)
where
    F: FnOnce(String) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let server = server.trim_end_matches('/');
    let name = format!("{prefix}_{}", Uuid::now_v7().simple());
    let admin = sea_orm::Database::connect(format!("{server}/postgres"))
        .await
        .unwrap();
    admin
        .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
        .await
        .unwrap();
    let outcome = run(format!("{server}/{name}"), body).await;
    admin
        .execute_unprepared(&format!("DROP DATABASE \"{name}\" WITH (FORCE)"))
        .await
        .unwrap();
    admin.close().await.unwrap();
    rethrow(outcome);
}

/// [`on_postgres_server_url`] on the server `FAMILYGRAPH_TEST_POSTGRES` names; without the
/// variable, says so and runs nothing.
pub async fn on_postgres_url<F, Fut>(prefix: &str, body: F)
where
    F: FnOnce(String) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    if let Some(server) = postgres_server() {
        on_postgres_server_url(&server, prefix, body).await;
    }
}

/// Runs `body` on a new, empty PostgreSQL database named `{prefix}_{uuid}` (not yet migrated)
/// on `server`, and drops it afterwards, whether `body` passed or not.
pub async fn on_postgres_server<F, Fut>(server: &str, prefix: &str, body: F)
where
    F: FnOnce(DatabaseConnection) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    on_postgres_server_url(server, prefix, |url| connected(url, body)).await;
}

/// [`on_postgres_server`] on the server `FAMILYGRAPH_TEST_POSTGRES` names; without the
/// variable, says so and runs nothing.
pub async fn on_postgres<F, Fut>(prefix: &str, body: F)
where
    F: FnOnce(DatabaseConnection) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    if let Some(server) = postgres_server() {
        on_postgres_server(&server, prefix, body).await;
    }
}
