//! Graceful shutdown of the real binary on PostgreSQL (`FAMILYGRAPH_TEST_POSTGRES`): after
//! SIGTERM `/readyz` answers 503 at once, a subscriber gets a close frame with code 1001, the
//! listener stops accepting, a mutation that was in flight still completes and commits, and
//! the process exits 0.
//!
//! The mutation is kept in flight without timing: the test holds the audit chain's advisory
//! lock, so the mutation waits inside its transaction until the test lets go.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::time::Duration;

use sea_orm::ConnectionTrait;
use support::{Frame, Server, Subscriber, WAIT};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sigterm_drains_closes_subscriptions_finishes_in_flight_work_and_exits_zero() {
    let Ok(server) = std::env::var("FAMILYGRAPH_TEST_POSTGRES") else {
        eprintln!("FAMILYGRAPH_TEST_POSTGRES not set; skipping the graceful-shutdown test");
        return;
    };
    let server = server.trim_end_matches('/').to_owned();
    let name = format!("fg_shutdown_{}", uuid::Uuid::now_v7().simple());
    let admin = sea_orm::Database::connect(format!("{server}/postgres"))
        .await
        .unwrap();
    admin
        .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
        .await
        .unwrap();
    let url = format!("{server}/{name}");
    let outcome = tokio::spawn(scenario(url)).await;
    admin
        .execute_unprepared(&format!("DROP DATABASE \"{name}\" WITH (FORCE)"))
        .await
        .unwrap();
    if let Err(error) = outcome {
        std::panic::resume_unwind(error.into_panic());
    }
}

async fn scenario(url: String) {
    let data_dir = tempfile::tempdir().unwrap();
    support::seed(data_dir.path(), &url);
    let officer = support::token(
        data_dir.path(),
        &[
            "--role",
            "front_door_officer",
            "--subject",
            "sw-ifd-01",
            "--team",
            "IFD",
        ],
    );
    let watcher = support::token(
        data_dir.path(),
        &[
            "--role",
            "front_door_officer",
            "--subject",
            "sw-ifd-02",
            "--team",
            "IFD",
        ],
    );
    // Keep accepting for a few seconds after SIGTERM, so that the test can see /readyz fail.
    let mut process = Server::spawn(
        data_dir.path(),
        &url,
        &[
            ("FAMILYGRAPH_SHUTDOWN_DELAY", "5"),
            ("FAMILYGRAPH_SHUTDOWN_TIMEOUT", "25"),
        ],
    )
    .await;
    let base = process.url("");
    let client = reqwest::Client::builder().timeout(WAIT).build().unwrap();
    assert_eq!(
        support::readyz(&client, &base).await,
        (200, "ready".to_owned())
    );

    let mut subscriber = Subscriber::subscribe(
        process.address,
        &watcher,
        "queue",
        "subscription { frontDoorQueue { id } }",
    )
    .await;

    // A mutation held in flight.
    let db = familygraph_store::db::connect(&url).await.unwrap();
    let lock = support::hold_audit_chain(&db).await;
    let in_flight = {
        let client = client.clone();
        let base = base.clone();
        let officer = officer.clone();
        tokio::spawn(async move {
            support::graphql(
                &client,
                &base,
                &officer,
                support::RECORD_CONTACT,
                support::contact_input("Shutdownson"),
            )
            .await
        })
    };
    support::wait_until_blocked(&db).await;

    process.terminate();
    // The subscriber is told the server is going away.
    match subscriber.next().await {
        Frame::Closed(code) => assert_eq!(code, Some(1001), "{}", process.log()),
        Frame::Json(message) => panic!("expected a close frame, got {message}"),
    }
    // Draining began before the close frame was sent: readiness fails from then on.
    assert_eq!(
        support::readyz(&client, &base).await,
        (503, "draining".to_owned())
    );

    // After the delay the listener closes, while the mutation is still waiting.
    let deadline = tokio::time::Instant::now() + WAIT;
    while tokio::net::TcpStream::connect(process.address)
        .await
        .is_ok()
    {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the server kept accepting connections"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(!in_flight.is_finished());
    assert!(process.child.try_wait().unwrap().is_none());

    // Let the mutation go: it completes, and is committed.
    lock.commit().await.unwrap();
    let (status, body) = in_flight.await.unwrap();
    assert_eq!(status, 200, "{body}");
    let contact = &body["data"]["recordContact"]["contact"];
    assert!(contact["id"].is_string(), "{body}");
    assert_eq!(
        support::count(
            &db,
            "SELECT COUNT(*) FROM person WHERE family_name = 'Shutdownson'"
        )
        .await,
        1
    );

    let status = process.wait().await;
    assert!(status.success(), "exit status {status}:\n{}", process.log());
    assert_eq!(status.code(), Some(0));
    let log = process.log();
    assert!(log.contains("shutting down: draining"), "{log}");
    assert!(log.contains("familygraph stopped"), "{log}");
    db.close().await.unwrap();
}
