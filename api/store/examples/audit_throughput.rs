//! Audited reads per second: `CLIENTS` concurrent clients each append the read audit of one
//! request (3 records) after another for `SECONDS`, first each in a transaction of its own
//! (`audit::append_with`, as every read was audited before group commit), then through one
//! [`AuditAppender`] (group commit). Prints both rates and the batches formed.
//!
//! ```text
//! cargo run --release -p familygraph-store --example audit_throughput -- postgres://postgres@127.0.0.1:5432 50 10
//! cargo run --release -p familygraph-store --example audit_throughput -- sqlite 50 10
//! ```
//!
//! With a PostgreSQL server URL a scratch database is created and dropped; `sqlite` uses a
//! temporary file. All principals are synthetic.

#![allow(clippy::unwrap_used, clippy::expect_used)]

// The scratch databases of the store's integration tests.
#[path = "../tests/common/mod.rs"]
mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use familygraph_domain::{Principal, Role};
use familygraph_store::audit::{self, AuditAppender, AuditContext, AuditEntry};
use familygraph_store::{AuditAction, AuditedRecord};
use sea_orm::DatabaseConnection;
use uuid::Uuid;

fn principal() -> Principal {
    Principal {
        subject: "synthetic-bench-reader".into(),
        client_id: Some("familygraph-bench".into()),
        roles: vec![Role::Administrator],
        team: None,
        school_urn: None,
        agency: None,
    }
}

fn records() -> Vec<AuditedRecord> {
    (0..3)
        .map(|_| AuditedRecord {
            record_type: "Person",
            record_id: Uuid::now_v7(),
        })
        .collect()
}

/// Requests audited per second by `clients` clients for `seconds`, each request through
/// `grouped` (an appender) or alone.
async fn measure(
    db: &DatabaseConnection,
    grouped: Option<AuditAppender>,
    clients: usize,
    seconds: u64,
) -> f64 {
    let done = Arc::new(AtomicU64::new(0));
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let started = Instant::now();
    let mut handles = Vec::new();
    for n in 0..clients {
        let (db, grouped, done) = (db.clone(), grouped.clone(), done.clone());
        handles.push(tokio::spawn(async move {
            let who = principal();
            while Instant::now() < deadline {
                let context = AuditContext {
                    correlation_id: Some(format!("synthetic-bench-{n}")),
                    ..AuditContext::default()
                };
                match &grouped {
                    Some(appender) => appender
                        .append(AuditEntry::new(
                            &who,
                            Some("Bench"),
                            AuditAction::Read,
                            records(),
                            context,
                        ))
                        .await
                        .unwrap(),
                    None => audit::append_with(
                        &db,
                        &who,
                        Some("Bench"),
                        AuditAction::Read,
                        &records(),
                        &context,
                    )
                    .await
                    .unwrap(),
                }
                done.fetch_add(1, Ordering::Relaxed);
            }
        }));
    }
    for handle in handles {
        handle.await.unwrap();
    }
    done.load(Ordering::Relaxed) as f64 / started.elapsed().as_secs_f64()
}

async fn bench(db: DatabaseConnection, clients: usize, seconds: u64) {
    familygraph_store::db::migrate(&db).await.unwrap();
    let alone = measure(&db, None, clients, seconds).await;
    let appender = AuditAppender::start(db.clone());
    let grouped = measure(&db, Some(appender.clone()), clients, seconds).await;
    appender.shutdown().await;
    let stats = appender.stats();
    let report = audit::verify(&db).await.unwrap();
    println!(
        "{:?}, {clients} clients, {seconds} s each: one transaction per request {alone:.0} req/s; \
         group commit {grouped:.0} req/s ({:.1}×); {} batches, {:.1} requests per batch; chain intact: {}",
        db.get_database_backend(),
        grouped / alone,
        stats.batches,
        stats.requests as f64 / stats.batches.max(1) as f64,
        report.is_intact()
    );
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let target = args.get(1).cloned().unwrap_or_else(|| "sqlite".into());
    let clients = args.get(2).and_then(|v| v.parse().ok()).unwrap_or(50);
    let seconds = args.get(3).and_then(|v| v.parse().ok()).unwrap_or(10);
    if target == "sqlite" {
        common::on_sqlite(move |db| bench(db, clients, seconds)).await;
    } else {
        common::on_postgres_server(&target, "fg_audit_bench", move |db| {
            bench(db, clients, seconds)
        })
        .await;
    }
}
