//! Outbound delivery to the case system: drop files and the staging table, through the SDK's
//! delivery conformance check and the case system's side of the contract (one file or row per
//! idempotency key, whatever happens). The staging table runs on SQLite always and on a private
//! PostgreSQL database `fgout_<random>` (dropped afterwards) at `FAMILYGRAPH_TEST_POSTGRES`
//! (default `postgres://postgres@127.0.0.1:5432` when something listens there; else skipped).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::sync::Arc;

use familygraph_adapter_liquidlogic::outbound::{
    DropFileAdapter, DropFileConfig, EventDocument, PROCESSED_DIR, SCHEMA, StagingTableAdapter,
    StagingTableConfig, file_name,
};
use familygraph_adapter_sdk::testkit::check_delivery;
use familygraph_adapter_sdk::{DeliveryAdapter, ErrorClass, OutboundEvent, RecordKey, SourceRef};
use sqlx::Connection as _;

fn drop_files(directory: &Path) -> DropFileAdapter {
    DropFileAdapter::new(DropFileConfig {
        name: "case-system".into(),
        directory: directory.to_path_buf(),
    })
    .unwrap()
}

fn event(n: u32) -> OutboundEvent {
    OutboundEvent {
        event_type: "ContactRecorded".into(),
        subject: Some(RecordKey {
            kind: "contact".into(),
            source: SourceRef::new("familygraph", format!("synthetic-contact-{n}")),
        }),
        occurred_at: chrono::Utc::now(),
        payload: serde_json::json!({
            "eventId": format!("synthetic-event-{n}"),
            "contact": { "presentingConcern": "Synthetic concern for a test." },
            "child": { "givenName": "Robin", "familyName": "Testcase", "caseSystemId": null }
        }),
    }
}

/// The JSON files in `directory` (no temporary files left behind).
fn files(directory: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(directory)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n != PROCESSED_DIR)
        .collect();
    names.sort();
    assert!(
        names
            .iter()
            .all(|n| n.ends_with(".json") && !n.starts_with('.')),
        "{names:?}"
    );
    names
}

#[tokio::test]
async fn drop_files_conform_and_write_one_file_per_key() {
    let dir = tempfile::tempdir().unwrap();
    let live = drop_files(dir.path());
    let dead = drop_files(&dir.path().join("not-mounted"));
    let keys = check_delivery(&live, &dead, ErrorClass::Retryable)
        .await
        .unwrap();
    let names = files(dir.path());
    let expected: Vec<String> = keys.iter().map(|k| file_name(k).unwrap()).collect();
    assert_eq!(names, expected);
    let document: EventDocument =
        serde_json::from_slice(&std::fs::read(dir.path().join(&names[0])).unwrap()).unwrap();
    assert_eq!(document.schema, SCHEMA);
    assert_eq!(document.idempotency_key, keys[0]);
    assert_eq!(document.event_type, "ConformanceChecked");
}

#[tokio::test]
async fn a_file_the_case_system_moved_to_processed_is_still_a_duplicate() {
    let dir = tempfile::tempdir().unwrap();
    let adapter = drop_files(dir.path());
    let key = "case-system:0193a2b4-0000-7000-8000-000000000001";
    let first = adapter.deliver(&event(1), key).await.unwrap();
    assert!(!first.duplicate);
    let name = file_name(key).unwrap();
    assert_eq!(first.receipt.as_deref(), Some(name.as_str()));
    std::fs::create_dir(dir.path().join(PROCESSED_DIR)).unwrap();
    std::fs::rename(
        dir.path().join(&name),
        dir.path().join(PROCESSED_DIR).join(&name),
    )
    .unwrap();
    let again = adapter.deliver(&event(1), key).await.unwrap();
    assert!(again.duplicate);
    assert!(files(dir.path()).is_empty());
}

#[tokio::test]
async fn racing_deliveries_of_one_key_leave_one_file() {
    let dir = tempfile::tempdir().unwrap();
    let adapter = Arc::new(drop_files(dir.path()));
    let mut tasks = Vec::new();
    for _ in 0..16 {
        let adapter = adapter.clone();
        tasks.push(tokio::spawn(async move {
            adapter.deliver(&event(7), "case-system:race").await
        }));
    }
    let mut fresh = 0;
    for task in tasks {
        if !task.await.unwrap().unwrap().duplicate {
            fresh += 1;
        }
    }
    assert_eq!(fresh, 1, "exactly one delivery wrote the file");
    assert_eq!(
        files(dir.path()),
        vec![file_name("case-system:race").unwrap()]
    );
}

#[tokio::test]
async fn a_missing_directory_is_retryable_and_names_no_content() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("share");
    let adapter = drop_files(&missing);
    let error = adapter
        .deliver(&event(2), "case-system:k2")
        .await
        .unwrap_err();
    assert!(error.is_retryable(), "{error}");
    assert!(!error.to_string().contains("Synthetic concern"));
    // A file where the directory should be: still retryable (someone fixes the share).
    std::fs::write(&missing, b"").unwrap();
    let error = adapter
        .deliver(&event(2), "case-system:k2")
        .await
        .unwrap_err();
    assert!(error.is_retryable(), "{error}");
    std::fs::remove_file(&missing).unwrap();
    std::fs::create_dir(&missing).unwrap();
    assert!(
        !adapter
            .deliver(&event(2), "case-system:k2")
            .await
            .unwrap()
            .duplicate
    );
    assert_eq!(files(&missing).len(), 1);
}

fn staging(url: &str, create: bool) -> StagingTableAdapter {
    StagingTableAdapter::new(StagingTableConfig {
        name: "case-system".into(),
        url: url.into(),
        table: "FG_INBOUND_EVENTS".into(),
        create_table: create,
    })
    .unwrap()
}

async fn staging_checks(url: &str, dead_url: &str) {
    // Without the table (and not allowed to create it): retryable, the DBA creates it.
    let without = staging(url, false);
    let error = without
        .deliver(&event(1), "case-system:early")
        .await
        .unwrap_err();
    assert!(error.is_retryable(), "{error}");
    let live = staging(url, true);
    let dead = staging(dead_url, false);
    let keys = check_delivery(&live, &dead, ErrorClass::Retryable)
        .await
        .unwrap();
    // A third adapter (another replica) sees the same keys as duplicates.
    let other = staging(url, false);
    let conformance_event = OutboundEvent {
        event_type: "ConformanceChecked".into(),
        subject: None,
        occurred_at: chrono::Utc::now(),
        payload: serde_json::json!({}),
    };
    assert!(
        other
            .deliver(&conformance_event, &keys[0])
            .await
            .unwrap()
            .duplicate
    );
    assert!(
        !other
            .deliver(&event(3), "case-system:3")
            .await
            .unwrap()
            .duplicate
    );
    let rows: Vec<(String, String, String)> = match url.starts_with("sqlite:") {
        true => {
            let mut conn = sqlx::SqliteConnection::connect(url).await.unwrap();
            sqlx::query_as("SELECT IDEMPOTENCY_KEY, EVENT_TYPE, PAYLOAD FROM FG_INBOUND_EVENTS ORDER BY IDEMPOTENCY_KEY")
                .fetch_all(&mut conn)
                .await
                .unwrap()
        }
        false => {
            let mut conn = sqlx::PgConnection::connect(url).await.unwrap();
            sqlx::query_as("SELECT IDEMPOTENCY_KEY, EVENT_TYPE, PAYLOAD FROM FG_INBOUND_EVENTS ORDER BY IDEMPOTENCY_KEY")
                .fetch_all(&mut conn)
                .await
                .unwrap()
        }
    };
    let row_keys: Vec<&str> = rows.iter().map(|r| r.0.as_str()).collect();
    let mut expected = vec![keys[0].as_str(), keys[1].as_str(), "case-system:3"];
    expected.sort();
    assert_eq!(row_keys, expected);
    let third = rows.iter().find(|r| r.0 == "case-system:3").unwrap();
    assert_eq!(third.1, "ContactRecorded");
    let document: EventDocument = serde_json::from_str(&third.2).unwrap();
    assert_eq!(document.payload["eventId"], "synthetic-event-3");
    assert_eq!(document.subject.unwrap().source.id, "synthetic-contact-3");
    live.close().await;
    other.close().await;
}

#[tokio::test]
async fn a_sqlite_staging_table_takes_each_key_once() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("case.sqlite").display()
    );
    let dead = format!(
        "sqlite://{}?mode=rw",
        dir.path().join("missing").join("case.sqlite").display()
    );
    staging_checks(&url, &dead).await;
}

#[tokio::test]
async fn a_postgres_staging_table_takes_each_key_once() {
    let server = match std::env::var("FAMILYGRAPH_TEST_POSTGRES") {
        Ok(url) => url.trim_end_matches('/').to_owned(),
        Err(_) => {
            let reachable = std::net::TcpStream::connect_timeout(
                &"127.0.0.1:5432".parse().unwrap(),
                std::time::Duration::from_secs(1),
            );
            if reachable.is_err() {
                eprintln!(
                    "skipping PostgreSQL: FAMILYGRAPH_TEST_POSTGRES unset and nothing on 127.0.0.1:5432"
                );
                return;
            }
            "postgres://postgres@127.0.0.1:5432".to_owned()
        }
    };
    let server = server.as_str();
    let nonce = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let name = format!("fgout_{nonce:x}_{}", std::process::id());
    let mut admin = sqlx::PgConnection::connect(&format!("{server}/postgres"))
        .await
        .expect("PostgreSQL at FAMILYGRAPH_TEST_POSTGRES");
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE \"{name}\"")))
        .execute(&mut admin)
        .await
        .unwrap();
    let url = format!("{server}/{name}");
    let outcome = tokio::spawn({
        let url = url.clone();
        async move {
            staging_checks(&url, "postgres://postgres@127.0.0.1:1/nowhere").await;
        }
    })
    .await;
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"
    )))
    .execute(&mut admin)
    .await
    .unwrap();
    outcome.unwrap();
}
