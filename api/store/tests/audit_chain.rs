//! The audit hash chain: concurrent appends form one unbroken chain, and `verify` names the
//! first altered or deleted row. Runs on a file-backed SQLite database always, and on a freshly
//! created PostgreSQL database (dropped afterwards) when `FAMILYGRAPH_TEST_POSTGRES` names a
//! server, e.g. `postgres://postgres@127.0.0.1:5432`. All principals here are synthetic.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::{Duration, Instant};

use familygraph_domain::{Principal, Role};
use familygraph_store::audit::{self, AuditContext, ChainFault, GENESIS_HASH};
use familygraph_store::entity::audit_event;
use familygraph_store::{AuditAction, AuditedRecord};
use sea_orm::{
    ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait, IntoActiveModel, QueryOrder,
    TransactionTrait,
};
use uuid::Uuid;

const TASKS: usize = 8;
const APPENDS_PER_TASK: usize = 25;
/// Every third append carries three records (a batch), the rest one.
const ROWS: i64 =
    (TASKS * APPENDS_PER_TASK) as i64 + 2 * (TASKS * APPENDS_PER_TASK).div_ceil(3) as i64;

fn principal(task: usize) -> Principal {
    Principal {
        subject: format!("synthetic-auditor-{task}"),
        client_id: Some("familygraph-tests".into()),
        roles: vec![Role::SocialWorker],
        team: None,
        school_urn: None,
        agency: None,
    }
}

fn records(n: usize) -> Vec<AuditedRecord> {
    (0..n)
        .map(|_| AuditedRecord {
            record_type: "Person",
            record_id: Uuid::now_v7(),
        })
        .collect()
}

/// The PostgreSQL trigger that makes `audit_event` append-only (migration
/// `m20261124_000010_protect_audit`).
const APPEND_ONLY_TRIGGER: &str = "audit_event_append_only";

/// Runs raw SQL (the tamperer's way in) and returns how many rows it touched. On PostgreSQL,
/// where `audit_event` is append-only, the statement is first shown to be refused as is, then
/// run with the trigger disabled inside its own transaction — as a superuser could — so that
/// the chain still has to catch it.
async fn exec(db: &DatabaseConnection, sql: &str) -> u64 {
    if db.get_database_backend() != DbBackend::Postgres {
        return db.execute_unprepared(sql).await.unwrap().rows_affected();
    }
    let refused = db
        .execute_unprepared(sql)
        .await
        .expect_err("the database refuses to change audit rows");
    assert!(refused.to_string().contains("append-only"), "{refused}");
    let txn = db.begin().await.unwrap();
    txn.execute_unprepared(&format!(
        "ALTER TABLE audit_event DISABLE TRIGGER {APPEND_ONLY_TRIGGER}"
    ))
    .await
    .unwrap();
    let touched = txn.execute_unprepared(sql).await.unwrap().rows_affected();
    txn.execute_unprepared(&format!(
        "ALTER TABLE audit_event ENABLE TRIGGER {APPEND_ONLY_TRIGGER}"
    ))
    .await
    .unwrap();
    txn.commit().await.unwrap();
    touched
}

/// On PostgreSQL the application's connection can append audit rows but neither change nor
/// delete them; nothing is touched by the attempts.
async fn append_only_on_postgres(db: &DatabaseConnection) {
    if db.get_database_backend() != DbBackend::Postgres {
        // SQLite has no such protection: the hash chain is what detects changes there.
        return;
    }
    let first = audit_event::Entity::find_by_id(
        audit_event::Entity::find()
            .order_by_asc(audit_event::Column::Sequence)
            .one(db)
            .await
            .unwrap()
            .unwrap()
            .id,
    )
    .one(db)
    .await
    .unwrap()
    .unwrap();
    for sql in [
        format!(
            "UPDATE audit_event SET subject = 'someone-else' WHERE id = '{}'",
            first.id
        ),
        format!("DELETE FROM audit_event WHERE id = '{}'", first.id),
        "DELETE FROM audit_event".to_owned(),
    ] {
        let refused = db
            .execute_unprepared(&sql)
            .await
            .expect_err("audit rows cannot be changed or deleted");
        assert!(
            refused.to_string().contains("append-only"),
            "{sql}: {refused}"
        );
    }
    let unchanged = audit_event::Entity::find_by_id(first.id)
        .one(db)
        .await
        .unwrap();
    assert_eq!(unchanged.as_ref(), Some(&first));
    // Appending still works.
    audit::append(
        db,
        &principal(0),
        Some("AfterRefusal"),
        AuditAction::Read,
        &records(1),
    )
    .await
    .unwrap();
    assert!(audit::verify(db).await.unwrap().is_intact());
}

/// The row at `sequence`.
async fn row_at(db: &DatabaseConnection, sequence: i64) -> audit_event::Model {
    use sea_orm::{ColumnTrait, QueryFilter};
    audit_event::Entity::find()
        .filter(audit_event::Column::Sequence.eq(sequence))
        .one(db)
        .await
        .unwrap()
        .unwrap()
}

/// A row's purpose and correlation id join the chain: rows with them verify next to rows
/// without them (whose encoding is the one from before the two fields existed), and setting,
/// clearing or changing either is detected at that row.
async fn purpose_and_correlation_id_are_chained(db: &DatabaseConnection) {
    let flagged = AuditContext::with_purpose("break_glass", Some("synthetic-correlation-1".into()));
    audit::append_with(
        db,
        &principal(7),
        Some("BreakGlassRead"),
        AuditAction::Read,
        &records(2),
        &flagged,
    )
    .await
    .unwrap();
    let only_correlated = AuditContext {
        correlation_id: Some("synthetic-correlation-2".into()),
        ..AuditContext::default()
    };
    audit::append_with(
        db,
        &principal(7),
        Some("OrdinaryRead"),
        AuditAction::Read,
        &records(1),
        &only_correlated,
    )
    .await
    .unwrap();
    let report = audit::verify(db).await.unwrap();
    assert!(report.is_intact(), "{report:?}");
    let head = report.head.unwrap();
    let (first, plain) = (head - 2, head);
    let row = row_at(db, first).await;
    assert_eq!(row.purpose.as_deref(), Some("break_glass"));
    assert_eq!(
        row.correlation_id.as_deref(),
        Some("synthetic-correlation-1")
    );
    let ordinary = row_at(db, plain).await;
    assert_eq!(ordinary.purpose, None);
    assert_eq!(
        ordinary.correlation_id.as_deref(),
        Some("synthetic-correlation-2")
    );
    // A row without either field encodes exactly as before they existed.
    let old = row_at(db, 1).await;
    assert_eq!(
        (old.purpose.as_ref(), old.correlation_id.as_ref()),
        (None, None)
    );
    let encoding: serde_json::Value =
        serde_json::from_str(&audit::canonical_encoding(&old)).unwrap();
    assert_eq!(encoding[0], "familygraph-audit-v1");
    assert_eq!(encoding.as_array().unwrap().len(), 12);

    for (sequence, tamper, restore) in [
        // Hiding that a read was break-glass.
        (
            first,
            "purpose = NULL".to_owned(),
            "purpose = 'break_glass'".to_owned(),
        ),
        (
            first,
            "purpose = 'casework'".to_owned(),
            "purpose = 'break_glass'".to_owned(),
        ),
        // Pinning another request's reads on a row.
        (
            plain,
            "correlation_id = 'synthetic-correlation-9'".to_owned(),
            "correlation_id = 'synthetic-correlation-2'".to_owned(),
        ),
        (
            plain,
            "correlation_id = NULL".to_owned(),
            "correlation_id = 'synthetic-correlation-2'".to_owned(),
        ),
        // Adding a purpose to a row written without one (or before the field existed).
        (
            1,
            "purpose = 'break_glass'".to_owned(),
            "purpose = NULL".to_owned(),
        ),
    ] {
        exec(
            db,
            &format!("UPDATE audit_event SET {tamper} WHERE sequence = {sequence}"),
        )
        .await;
        let broken = audit::verify(db).await.unwrap().broken.expect(&tamper);
        assert_eq!(
            (broken.sequence, broken.fault),
            (sequence, ChainFault::HashMismatch),
            "{tamper}"
        );
        exec(
            db,
            &format!("UPDATE audit_event SET {restore} WHERE sequence = {sequence}"),
        )
        .await;
        assert!(audit::verify(db).await.unwrap().is_intact(), "{restore}");
    }
}

async fn exercise(db: DatabaseConnection) {
    familygraph_store::db::migrate(&db).await.unwrap();
    let backend = db.get_database_backend();

    // An empty chain is intact.
    let report = audit::verify(&db).await.unwrap();
    assert!(report.is_intact());
    assert_eq!((report.checked, report.head), (0, None));

    // Concurrent appenders: 8 tasks × 25 appends, some of several records.
    let started = Instant::now();
    let mut handles = Vec::new();
    for task in 0..TASKS {
        let db = db.clone();
        handles.push(tokio::spawn(async move {
            let who = principal(task);
            let mut slowest = Duration::ZERO;
            for i in 0..APPENDS_PER_TASK {
                let n = if (task * APPENDS_PER_TASK + i).is_multiple_of(3) {
                    3
                } else {
                    1
                };
                let t = Instant::now();
                audit::append(
                    &db,
                    &who,
                    Some("ConcurrentReads"),
                    AuditAction::Read,
                    &records(n),
                )
                .await
                .unwrap_or_else(|e| panic!("task {task} append {i}: {e}"));
                slowest = slowest.max(t.elapsed());
            }
            slowest
        }));
    }
    let mut slowest = Duration::ZERO;
    for handle in handles {
        slowest = slowest.max(handle.await.unwrap());
    }
    let appends = (TASKS * APPENDS_PER_TASK) as u32;
    eprintln!(
        "{backend:?}: {appends} concurrent appends in {:?} ({:?} per append on average, slowest {slowest:?})",
        started.elapsed(),
        started.elapsed() / appends
    );

    // Appends inside a caller's transaction join the same chain.
    let txn = db.begin().await.unwrap();
    audit::append(
        &txn,
        &principal(99),
        Some("RecordVisit"),
        AuditAction::Write,
        &records(1),
    )
    .await
    .unwrap();
    txn.commit().await.unwrap();
    let total = ROWS + 1;

    // Sequential timing: one-record and 50-record batches.
    let t = Instant::now();
    for _ in 0..20 {
        audit::append(&db, &principal(100), None, AuditAction::Read, &records(1))
            .await
            .unwrap();
    }
    let single = t.elapsed() / 20;
    let t = Instant::now();
    for _ in 0..20 {
        audit::append(&db, &principal(100), None, AuditAction::Read, &records(50))
            .await
            .unwrap();
    }
    let batch = t.elapsed() / 20;
    eprintln!("{backend:?}: append of 1 record {single:?}, of 50 records {batch:?}");
    let total = total + 20 + 1_000;

    // One chain: contiguous sequences 1..=total, each linked to the one before.
    let rows = audit_event::Entity::find()
        .order_by_asc(audit_event::Column::Sequence)
        .all(&db)
        .await
        .unwrap();
    assert_eq!(rows.len() as i64, total);
    let mut previous = GENESIS_HASH.to_owned();
    for (i, row) in rows.iter().enumerate() {
        assert_eq!(row.sequence, Some(i as i64 + 1));
        assert_eq!(row.previous_hash.as_deref(), Some(previous.as_str()));
        assert_eq!(row.hash.as_deref().map(str::len), Some(64));
        previous = row.hash.clone().unwrap();
    }

    let report = audit::verify(&db).await.unwrap();
    assert!(report.is_intact(), "{report:?}");
    assert_eq!(report.checked as i64, total);
    assert_eq!(report.head, Some(total));
    assert_eq!(report.unchained, 0);

    append_only_on_postgres(&db).await;
    purpose_and_correlation_id_are_chained(&db).await;

    // Tamper with one row's subject: verify names exactly that sequence.
    let victim = 137;
    let changed = exec(
        &db,
        &format!("UPDATE audit_event SET subject = 'someone-else' WHERE sequence = {victim}"),
    )
    .await;
    assert_eq!(changed, 1);
    let report = audit::verify(&db).await.unwrap();
    let broken = report.broken.expect("tampering is detected");
    assert_eq!(broken.sequence, victim);
    assert_eq!(broken.fault, ChainFault::HashMismatch);
    assert_eq!(report.checked, victim as u64 - 1);
    exec(
        &db,
        &format!(
            "UPDATE audit_event SET subject = '{}' WHERE sequence = {victim}",
            rows[victim as usize - 1].subject
        ),
    )
    .await;
    assert!(audit::verify(&db).await.unwrap().is_intact());

    // Recomputing the altered row's own hash only moves the break to the next row.
    let forged = {
        let mut row = rows[victim as usize - 1].clone();
        row.subject = "someone-else".into();
        audit::chain_hash(row.previous_hash.as_deref().unwrap(), &row)
    };
    exec(
        &db,
        &format!(
            "UPDATE audit_event SET subject = 'someone-else', hash = '{forged}' WHERE sequence = {victim}"
        ),
    )
    .await;
    let broken = audit::verify(&db).await.unwrap().broken.unwrap();
    assert_eq!(
        (broken.sequence, broken.fault),
        (victim + 1, ChainFault::PreviousHashMismatch)
    );
    let original = &rows[victim as usize - 1];
    exec(
        &db,
        &format!(
            "UPDATE audit_event SET subject = '{}', hash = '{}' WHERE sequence = {victim}",
            original.subject,
            original.hash.as_deref().unwrap()
        ),
    )
    .await;
    assert!(audit::verify(&db).await.unwrap().is_intact());

    // Deleting a row (past the first verify page, too) is detected at its sequence.
    let deleted = 1_042;
    assert!(deleted < total);
    assert_eq!(
        exec(
            &db,
            &format!("DELETE FROM audit_event WHERE sequence = {deleted}")
        )
        .await,
        1
    );
    let report = audit::verify(&db).await.unwrap();
    let broken = report.broken.expect("deletion is detected");
    assert_eq!(
        (broken.sequence, broken.fault, broken.id),
        (deleted, ChainFault::Missing, None)
    );

    // Rows from before the chain (no sequence) are counted apart, not verified.
    let legacy = audit_event::Model {
        id: Uuid::now_v7(),
        occurred_at: chrono::Utc::now(),
        subject: "synthetic-legacy".into(),
        client_id: None,
        roles: "auditor".into(),
        operation: None,
        action: "READ".into(),
        record_type: "Person".into(),
        record_id: Uuid::now_v7(),
        outcome: "ALLOWED".into(),
        sequence: None,
        previous_hash: None,
        hash: None,
        purpose: None,
        correlation_id: None,
    };
    audit_event::Entity::insert(legacy.into_active_model())
        .exec(&db)
        .await
        .unwrap();
    assert_eq!(audit::verify(&db).await.unwrap().unchained, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_chain_holds_under_concurrency_and_detects_tampering() {
    common::on_sqlite(exercise).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_chain_holds_under_concurrency_and_detects_tampering() {
    common::on_postgres("fg_audit", exercise).await;
}
