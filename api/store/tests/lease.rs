//! Job leases (`familygraph_store::lease`) with two holders racing on one database, as two
//! replicas would: on SQLite (a file) and, when `FAMILYGRAPH_TEST_POSTGRES` names a server, on
//! a fresh PostgreSQL database dropped afterwards. Each holder has its own connection pool.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use familygraph_store::lease;
use sea_orm::DatabaseConnection;

const JOB: &str = "adapter-sync:test";
const LONG: Duration = Duration::from_secs(60);

/// Two holders, each in its own task with its own pool, try to take the lease in a tight loop.
/// Whoever wins marks itself inside, checks nobody else is, does a little work, marks itself
/// out and only then releases. If the lease ever let both in, `inside` would reach 2.
async fn never_held_twice(url: &str) {
    let inside = Arc::new(AtomicUsize::new(0));
    let wins = Arc::new(AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for replica in ["replica-a", "replica-b"] {
        let db = familygraph_store::db::connect(url).await.unwrap();
        let inside = inside.clone();
        let wins = wins.clone();
        let holder = format!("{replica}:{}", lease::holder_id());
        tasks.push(tokio::spawn(async move {
            let mut mine = 0;
            for _ in 0..40 {
                if lease::acquire(&db, JOB, &holder, LONG)
                    .await
                    .unwrap()
                    .is_some()
                {
                    let before = inside.fetch_add(1, Ordering::SeqCst);
                    assert_eq!(before, 0, "{holder} got the lease while another held it");
                    mine += 1;
                    // Still ours while we hold it: renewing works, the other cannot take it.
                    assert!(
                        lease::renew(&db, JOB, &holder, LONG)
                            .await
                            .unwrap()
                            .is_some()
                    );
                    tokio::task::yield_now().await;
                    inside.fetch_sub(1, Ordering::SeqCst);
                    assert!(lease::release(&db, JOB, &holder).await.unwrap());
                }
                tokio::task::yield_now().await;
            }
            wins.fetch_add(mine, Ordering::SeqCst);
            mine
        }));
    }
    let mut per_holder = Vec::new();
    for task in tasks {
        per_holder.push(task.await.unwrap());
    }
    assert!(
        wins.load(Ordering::SeqCst) > 0,
        "nobody ever got the lease: {per_holder:?}"
    );
}

/// The holder's rights: the wrong holder cannot renew or release; an expired lease passes to
/// the other holder, after which the first can neither renew nor take it back.
async fn expiry_and_wrong_holders(db: &DatabaseConnection) {
    let a = format!("a:{}", lease::holder_id());
    let b = format!("b:{}", lease::holder_id());
    let job = "adapter-sync:expiry";

    let held = lease::acquire(db, job, &a, LONG).await.unwrap().unwrap();
    assert_eq!(held.holder, a);
    assert_eq!(lease::current(db, job).await.unwrap().unwrap().holder, a);
    assert!(lease::acquire(db, job, &b, LONG).await.unwrap().is_none());
    assert!(
        lease::renew(db, job, &b, LONG).await.unwrap().is_none(),
        "the wrong holder renewed"
    );
    assert!(
        !lease::release(db, job, &b).await.unwrap(),
        "the wrong holder released"
    );
    assert_eq!(lease::current(db, job).await.unwrap().unwrap().holder, a);
    // Acquiring again as the holder extends the lease.
    let again = lease::acquire(db, job, &a, LONG).await.unwrap().unwrap();
    assert!(again.expires_at >= held.expires_at);

    // `a` stops renewing (as a crashed replica would) with a lease that runs out at once.
    lease::release(db, job, &a).await.unwrap();
    assert!(
        lease::acquire(db, job, &a, Duration::from_millis(1))
            .await
            .unwrap()
            .is_some()
    );
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    let taken = loop {
        if let Some(lease) = lease::acquire(db, job, &b, LONG).await.unwrap() {
            break lease;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the expired lease was never taken over"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    };
    assert_eq!(taken.holder, b);
    assert!(
        lease::renew(db, job, &a, LONG).await.unwrap().is_none(),
        "the former holder renewed a lease it lost"
    );
    assert!(lease::acquire(db, job, &a, LONG).await.unwrap().is_none());
    assert!(lease::renew(db, job, &b, LONG).await.unwrap().is_some());
    assert!(lease::release(db, job, &b).await.unwrap());
    assert!(lease::current(db, job).await.unwrap().is_none());
}

/// Both checks on the database at `url`, migrated first.
async fn exercise(url: String) {
    let db = familygraph_store::db::connect(&url).await.unwrap();
    familygraph_store::db::migrate(&db).await.unwrap();
    expiry_and_wrong_holders(&db).await;
    never_held_twice(&url).await;
    db.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_leases_are_exclusive_expire_and_refuse_the_wrong_holder() {
    common::on_sqlite_url(exercise).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_leases_are_exclusive_expire_and_refuse_the_wrong_holder() {
    common::on_postgres_url("fg_lease", exercise).await;
}
