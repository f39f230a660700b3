//! Databases for the store's integration tests: a file-backed SQLite database always, and a
//! freshly created PostgreSQL database (dropped afterwards) when `FAMILYGRAPH_TEST_POSTGRES`
//! names a server, e.g. `postgres://postgres@127.0.0.1:5432`. The test body runs on its own
//! task, so that a failure still lets the database be cleaned up before the test fails.

use std::future::Future;

use sea_orm::{ConnectionTrait, DatabaseConnection};
use uuid::Uuid;

/// Runs `body` on its own task with `db`; a panic in it comes back as the error.
async fn run<F, Fut>(db: DatabaseConnection, body: F) -> Result<(), tokio::task::JoinError>
where
    F: FnOnce(DatabaseConnection) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    tokio::spawn(body(db)).await
}

/// Fails the test with the panic of `outcome`, if it holds one.
fn rethrow(outcome: Result<(), tokio::task::JoinError>) {
    if let Err(e) = outcome {
        std::panic::resume_unwind(e.into_panic());
    }
}

/// Runs `body` on a new, empty SQLite database in a temporary file (not yet migrated).
pub async fn on_sqlite<F, Fut>(body: F)
where
    F: FnOnce(DatabaseConnection) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let dir = tempfile::tempdir().unwrap();
    let url = format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("store.sqlite").display()
    );
    let db = familygraph_store::db::connect(&url).await.unwrap();
    rethrow(run(db, body).await);
}

/// Runs `body` on a new, empty PostgreSQL database named `{prefix}_{uuid}` (not yet migrated)
/// on the server `FAMILYGRAPH_TEST_POSTGRES` names, and drops it afterwards, whether `body`
/// passed or not; without the variable, says so and runs nothing.
pub async fn on_postgres<F, Fut>(prefix: &str, body: F)
where
    F: FnOnce(DatabaseConnection) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let Ok(server) = std::env::var("FAMILYGRAPH_TEST_POSTGRES") else {
        eprintln!("FAMILYGRAPH_TEST_POSTGRES not set; skipping the PostgreSQL run");
        return;
    };
    let server = server.trim_end_matches('/');
    let name = format!("{prefix}_{}", Uuid::now_v7().simple());
    let admin = sea_orm::Database::connect(format!("{server}/postgres"))
        .await
        .unwrap();
    admin
        .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
        .await
        .unwrap();
    let db = familygraph_store::db::connect(&format!("{server}/{name}"))
        .await
        .unwrap();
    let outcome = run(db.clone(), body).await;
    db.close().await.unwrap();
    admin
        .execute_unprepared(&format!("DROP DATABASE \"{name}\" WITH (FORCE)"))
        .await
        .unwrap();
    admin.close().await.unwrap();
    rethrow(outcome);
}
