//! Replicas that start together and migrate at once: with `FAMILYGRAPH_TEST_POSTGRES` set,
//! four pools migrate one fresh PostgreSQL database at the same time. Under the migration
//! advisory lock they go one after the other (all but the first find nothing pending); without
//! it they would race to create the same tables and some would fail.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use sea_orm::ConnectionTrait;
use uuid::Uuid;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_migrations_on_postgres_take_turns() {
    let Ok(server) = std::env::var("FAMILYGRAPH_TEST_POSTGRES") else {
        eprintln!("FAMILYGRAPH_TEST_POSTGRES not set; skipping the PostgreSQL run");
        return;
    };
    let server = server.trim_end_matches('/').to_owned();
    let name = format!("fg_miglock_{}", Uuid::now_v7().simple());
    let admin = sea_orm::Database::connect(format!("{server}/postgres"))
        .await
        .unwrap();
    admin
        .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
        .await
        .unwrap();
    let url = format!("{server}/{name}");
    let outcome = tokio::spawn(async move {
        let mut pools = Vec::new();
        for _ in 0..4 {
            pools.push(familygraph_store::db::connect(&url).await.unwrap());
        }
        let before = familygraph_store::db::pending_migrations(&pools[0])
            .await
            .unwrap();
        assert!(
            !before.is_empty(),
            "a fresh database has pending migrations"
        );
        let runs: Vec<_> = pools
            .iter()
            .cloned()
            .map(|pool| tokio::spawn(async move { familygraph_store::db::migrate(&pool).await }))
            .collect();
        for (replica, run) in runs.into_iter().enumerate() {
            let result = run.await.unwrap();
            assert!(result.is_ok(), "replica {replica} failed: {result:?}");
        }
        assert!(
            familygraph_store::db::pending_migrations(&pools[0])
                .await
                .unwrap()
                .is_empty()
        );
        for pool in pools {
            pool.close().await.unwrap();
        }
    })
    .await;
    admin
        .execute_unprepared(&format!("DROP DATABASE \"{name}\" WITH (FORCE)"))
        .await
        .unwrap();
    admin.close().await.unwrap();
    if let Err(e) = outcome {
        std::panic::resume_unwind(e.into_panic());
    }
}
