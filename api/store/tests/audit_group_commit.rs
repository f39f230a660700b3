//! Group commit of read audits ([`AuditAppender`]): the reads of concurrent requests are
//! appended in fewer transactions than there are requests, every request gets all its rows
//! (purposes and correlation ids included) before it returns, the chain stays one linear chain
//! beside appends in callers' own transactions, the batch bounds hold, and when a batch cannot
//! be appended every request in it gets the error and none of its rows are written.
//!
//! Runs on a file-backed SQLite database always, and on a freshly created PostgreSQL database
//! (dropped afterwards) when `FAMILYGRAPH_TEST_POSTGRES` names a server. All principals are
//! synthetic.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use familygraph_domain::{Principal, Role};
use familygraph_store::audit::{
    self, AppenderSettings, AuditAppender, AuditContext, AuditEntry, CHAIN_LOCK,
};
use familygraph_store::entity::audit_event;
use familygraph_store::{AuditAction, AuditedRecord};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait, QueryFilter,
};
use uuid::Uuid;

/// Concurrent requests in each run.
const REQUESTS: usize = 50;

fn principal(n: usize) -> Principal {
    Principal {
        subject: format!("synthetic-reader-{n}"),
        client_id: Some("familygraph-tests".into()),
        roles: vec![Role::SocialWorker],
        team: None,
        school_urn: None,
        agency: None,
    }
}

/// Request `n`'s entry: `1 + n % 3` records, the first marked `break_glass`, correlation id
/// `synthetic-request-{tag}-{n}`.
fn entry(tag: &str, n: usize) -> AuditEntry {
    let records: Vec<AuditedRecord> = (0..1 + n % 3)
        .map(|_| AuditedRecord {
            record_type: "Person",
            record_id: Uuid::now_v7(),
        })
        .collect();
    let mut context = AuditContext {
        correlation_id: Some(format!("synthetic-request-{tag}-{n}")),
        ..AuditContext::default()
    };
    context
        .record_purposes
        .insert(records[0].clone(), "break_glass".to_owned());
    AuditEntry::new(
        &principal(n),
        Some("ConcurrentRead"),
        AuditAction::Read,
        records,
        context,
    )
}

/// Holds the chain lock from another connection (PostgreSQL advisory lock; SQLite write lock)
/// until the returned transaction ends, so that appends queue up meanwhile.
async fn hold_chain_lock(db: &DatabaseConnection) -> sea_orm::DatabaseTransaction {
    let txn = familygraph_store::db::begin_write(db).await.unwrap();
    if db.get_database_backend() == DbBackend::Postgres {
        txn.execute_unprepared(&format!("SELECT pg_advisory_xact_lock({CHAIN_LOCK})"))
            .await
            .unwrap();
    }
    txn
}

/// Rows written for a correlation id.
async fn rows_of(db: &DatabaseConnection, correlation_id: &str) -> Vec<audit_event::Model> {
    audit_event::Entity::find()
        .filter(audit_event::Column::CorrelationId.eq(correlation_id))
        .all(db)
        .await
        .unwrap()
}

/// Sends `REQUESTS` entries at once while the chain lock is held elsewhere, then releases it;
/// returns each request's outcome with its entry.
async fn send_concurrently(
    db: &DatabaseConnection,
    appender: &AuditAppender,
    tag: &str,
    poison: Option<usize>,
) -> Vec<(AuditEntry, Result<(), String>)> {
    let lock = hold_chain_lock(db).await;
    let mut handles = Vec::new();
    for n in 0..REQUESTS {
        let appender = appender.clone();
        let mut entry = entry(tag, n);
        if poison == Some(n) {
            entry.subject = "synthetic-poison".into();
        }
        handles.push(tokio::spawn(async move {
            let outcome = appender
                .append(entry.clone())
                .await
                .map_err(|e| e.to_string());
            (entry, outcome)
        }));
    }
    // A writer appending in its own transaction meanwhile joins the same chain.
    let writer = {
        let db = db.clone();
        tokio::spawn(async move {
            let txn = familygraph_store::db::begin_write(&db).await.unwrap();
            audit::append(
                &txn,
                &principal(999),
                Some("RecordVisit"),
                AuditAction::Write,
                &[AuditedRecord {
                    record_type: "Visit",
                    record_id: Uuid::now_v7(),
                }],
            )
            .await
            .unwrap();
            txn.commit().await.unwrap();
        })
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    lock.commit().await.unwrap();
    writer.await.unwrap();
    let mut outcomes = Vec::new();
    for handle in handles {
        outcomes.push(handle.await.unwrap());
    }
    outcomes
}

async fn batches_form_and_every_read_is_chained(db: &DatabaseConnection) {
    let appender = AuditAppender::start(db.clone());
    let outcomes = send_concurrently(db, &appender, "ok", None).await;
    let mut expected_rows = 0;
    for (entry, outcome) in &outcomes {
        outcome.as_ref().unwrap();
        let correlation_id = entry.context.correlation_id.as_deref().unwrap();
        let rows = rows_of(db, correlation_id).await;
        assert_eq!(rows.len(), entry.records.len(), "{correlation_id}");
        expected_rows += entry.records.len() as u64;
        for row in rows {
            assert_eq!(row.subject, entry.subject);
            assert_eq!(row.action, "READ");
            assert_eq!(row.operation.as_deref(), Some("ConcurrentRead"));
            let first = row.record_id == entry.records[0].record_id;
            assert_eq!(row.purpose.as_deref(), first.then_some("break_glass"));
            assert_eq!(row.occurred_at, entry.occurred_at);
        }
    }
    let stats = appender.stats();
    eprintln!(
        "{:?}: {REQUESTS} concurrent requests → {stats:?}",
        db.get_database_backend()
    );
    assert_eq!(stats.requests, REQUESTS as u64);
    assert_eq!(stats.rows, expected_rows);
    assert_eq!(stats.failed_batches, 0);
    assert!(
        stats.batches < REQUESTS as u64 / 2,
        "batches formed: {stats:?}"
    );
    let report = audit::verify(db).await.unwrap();
    assert!(report.is_intact(), "{report:?}");
    assert_eq!(report.checked, expected_rows + 1, "the reads and the write");

    // Shutdown appends what was queued; whatever came too late is refused and not written.
    let pending: Vec<_> = (0..5)
        .map(|n| {
            let appender = appender.clone();
            let entry = entry("flushed", n);
            tokio::spawn(async move { (entry.clone(), appender.append(entry).await) })
        })
        .collect();
    tokio::task::yield_now().await;
    appender.shutdown().await;
    for handle in pending {
        let (entry, outcome) = handle.await.unwrap();
        let rows = rows_of(db, entry.context.correlation_id.as_deref().unwrap()).await;
        let expected = if outcome.is_ok() {
            entry.records.len()
        } else {
            0
        };
        assert_eq!(rows.len(), expected, "{outcome:?}");
    }
    assert!(appender.append(entry("late", 0)).await.is_err());
    assert!(audit::verify(db).await.unwrap().is_intact());
}

async fn batch_bounds_hold(db: &DatabaseConnection) {
    let appender = AuditAppender::start_with(
        db.clone(),
        AppenderSettings {
            channel_capacity: 8,
            max_batch_requests: 4,
            max_batch_rows: 6,
        },
    );
    let outcomes = send_concurrently(db, &appender, "bounded", None).await;
    assert!(outcomes.iter().all(|(_, outcome)| outcome.is_ok()));
    let stats = appender.stats();
    eprintln!("bounded: {stats:?}");
    // At most 4 requests and 6 rows per batch (each entry has 1–3 rows).
    assert!(stats.batches >= (REQUESTS as u64).div_ceil(4), "{stats:?}");
    assert!(stats.batches >= stats.rows.div_ceil(6), "{stats:?}");
    assert!(stats.batches < REQUESTS as u64, "{stats:?}");
    appender.shutdown().await;
    assert!(audit::verify(db).await.unwrap().is_intact());
}

/// A trigger that refuses audit rows of the subject `synthetic-poison`.
async fn refuse_poison(db: &DatabaseConnection, on: bool) {
    let sql: &[&str] = match (db.get_database_backend(), on) {
        (DbBackend::Postgres, true) => &[
            "CREATE FUNCTION refuse_poison() RETURNS trigger LANGUAGE plpgsql AS $$ \
             BEGIN RAISE EXCEPTION 'synthetic audit failure'; END $$",
            "CREATE TRIGGER refuse_poison BEFORE INSERT ON audit_event FOR EACH ROW \
             WHEN (NEW.subject = 'synthetic-poison') EXECUTE FUNCTION refuse_poison()",
        ],
        (DbBackend::Postgres, false) => &[
            "DROP TRIGGER refuse_poison ON audit_event",
            "DROP FUNCTION refuse_poison()",
        ],
        (_, true) => &["CREATE TRIGGER refuse_poison BEFORE INSERT ON audit_event \
             WHEN NEW.subject = 'synthetic-poison' \
             BEGIN SELECT RAISE(ABORT, 'synthetic audit failure'); END"],
        (_, false) => &["DROP TRIGGER refuse_poison"],
    };
    for statement in sql {
        db.execute_unprepared(statement).await.unwrap();
    }
}

async fn a_failed_batch_fails_all_its_requests(db: &DatabaseConnection) {
    refuse_poison(db, true).await;
    let appender = AuditAppender::start(db.clone());
    let outcomes = send_concurrently(db, &appender, "failing", Some(REQUESTS - 1)).await;
    let mut failed = 0;
    for (entry, outcome) in &outcomes {
        let correlation_id = entry.context.correlation_id.as_deref().unwrap();
        let rows = rows_of(db, correlation_id).await;
        match outcome {
            Ok(()) => assert_eq!(rows.len(), entry.records.len(), "{correlation_id}"),
            Err(error) => {
                failed += 1;
                assert!(error.contains("audit batch failed"), "{error}");
                assert!(
                    rows.is_empty(),
                    "{correlation_id}: nothing of a failed batch"
                );
            }
        }
    }
    let poisoned = &outcomes[REQUESTS - 1].1;
    assert!(poisoned.is_err(), "the refused request fails");
    let stats = appender.stats();
    eprintln!("failing: {failed} of {REQUESTS} failed; {stats:?}");
    assert!(failed > 1, "its whole batch fails with it: {stats:?}");
    assert!(stats.failed_batches >= 1);
    // The appender carries on with the next batch.
    refuse_poison(db, false).await;
    appender.append(entry("after", 0)).await.unwrap();
    appender.shutdown().await;
    assert!(audit::verify(db).await.unwrap().is_intact());
}

async fn exercise(db: DatabaseConnection) {
    familygraph_store::db::migrate(&db).await.unwrap();
    batches_form_and_every_read_is_chained(&db).await;
    batch_bounds_hold(&db).await;
    a_failed_batch_fails_all_its_requests(&db).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_read_audits_are_group_committed() {
    common::on_sqlite(exercise).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_read_audits_are_group_committed() {
    common::on_postgres("fg_audit_gc", exercise).await;
}
