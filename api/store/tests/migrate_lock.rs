//! Replicas that start together and migrate at once: with `FAMILYGRAPH_TEST_POSTGRES` set,
//! four pools migrate one fresh PostgreSQL database at the same time. Under the migration
//! advisory lock they go one after the other (all but the first find nothing pending); without
//! it they would race to create the same tables and some would fail.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_migrations_on_postgres_take_turns() {
    common::on_postgres_url("fg_miglock", |url| async move {
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
}
