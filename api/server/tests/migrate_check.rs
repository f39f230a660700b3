//! `FAMILYGRAPH_MIGRATE=check`, as pods run under the Helm chart: the server applies nothing,
//! `/readyz` answers 503 `migrations pending` while the schema is behind, and turns ready by
//! itself once `familygraph migrate` (the migration Job) has run — no restart. On a SQLite file,
//! so it runs on every backend.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::time::Duration;

use support::{Server, WAIT};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_checking_server_is_unready_until_the_migration_job_has_run() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("familygraph.sqlite").display()
    );
    let server = Server::spawn(dir.path(), &url, &[("FAMILYGRAPH_MIGRATE", "check")]).await;
    let client = reqwest::Client::builder().timeout(WAIT).build().unwrap();
    let base = server.url("");
    let health = client.get(server.url("/healthz")).send().await.unwrap();
    assert_eq!(health.status(), 200, "alive while unready");
    assert_eq!(
        support::readyz(&client, &base).await,
        (503, "migrations pending".to_owned())
    );
    assert!(
        server.log().contains("migrations are pending"),
        "{}",
        server.log()
    );

    let migrate = support::familygraph(dir.path(), &url)
        .arg("migrate")
        .output()
        .unwrap();
    assert!(
        migrate.status.success(),
        "{}",
        String::from_utf8_lossy(&migrate.stderr)
    );
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let (status, reason) = support::readyz(&client, &base).await;
        if status == 200 {
            assert_eq!(reason, "ready");
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "still {reason}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
