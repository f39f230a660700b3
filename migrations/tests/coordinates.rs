//! `m20261206_000008_check_service_location_coordinates`: impossible coordinates already stored
//! stop the migration (naming the table and the count, changing nothing); once applied, a
//! latitude outside -90..=90, a longitude outside -180..=180, an infinity and (on PostgreSQL)
//! `NaN` are refused on insert and update, while possible coordinates, the bounds themselves
//! and `NULL` pass; `down` lifts the refusal.
//!
//! Runs on SQLite (in memory) always, and on a freshly created PostgreSQL database (dropped
//! afterwards) on the server `FAMILYGRAPH_TEST_POSTGRES` names, or at
//! `postgres://postgres@127.0.0.1:5432` when `FAMILYGRAPH_TEST_BACKEND=postgres`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use familygraph_migrations::Migrator;
use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{DatabaseConnection, DbBackend, Statement, Value};

/// The migration under test.
const MIGRATION: &str = "m20261206_000008_check_service_location_coordinates";

/// The service every location belongs to.
const SERVICE_ID: &str = "00000000-0000-4000-8000-000000000001";

/// How many migrations come before [`MIGRATION`].
fn migrations_before() -> u32 {
    let names: Vec<String> = Migrator::migrations()
        .iter()
        .map(|m| m.name().to_owned())
        .collect();
    let position = names
        .iter()
        .position(|name| name == MIGRATION)
        .expect("the migration is registered");
    <u32 as TryFrom<usize>>::try_from(position).unwrap()
}

async fn exec(db: &DatabaseConnection, sql: &str) -> Result<(), DbErr> {
    db.execute_unprepared(sql).await.map(|_| ())
}

/// Inserts location `n` with latitude and longitude given as SQL expressions.
async fn insert(
    db: &DatabaseConnection,
    n: u32,
    latitude: &str,
    longitude: &str,
) -> Result<(), DbErr> {
    exec(
        db,
        &format!(
            "INSERT INTO service_location (id, service_id, position, source_id, latitude, longitude) \
             VALUES ('00000000-0000-4000-8000-1{n:011}', '{SERVICE_ID}', {n}, 'loc-{n}', \
             {latitude}, {longitude})"
        ),
    )
    .await
}

/// Inserts location `n` with latitude and longitude bound as parameters (as the intake writes).
async fn insert_bound(
    db: &DatabaseConnection,
    n: u32,
    latitude: f64,
    longitude: f64,
) -> Result<(), DbErr> {
    let backend = db.get_database_backend();
    let sql = match backend {
        DbBackend::Postgres => {
            "INSERT INTO service_location (id, service_id, position, source_id, latitude, longitude) \
             VALUES ($1::uuid, $2::uuid, $3, $4, $5, $6)"
        }
        _ => {
            "INSERT INTO service_location (id, service_id, position, source_id, latitude, longitude) \
             VALUES (?, ?, ?, ?, ?, ?)"
        }
    };
    let values: Vec<Value> = vec![
        format!("00000000-0000-4000-8000-1{n:011}").into(),
        SERVICE_ID.into(),
        <i32 as TryFrom<u32>>::try_from(n).unwrap().into(),
        format!("loc-{n}").into(),
        latitude.into(),
        longitude.into(),
    ];
    db.execute_raw(Statement::from_sql_and_values(backend, sql, values))
        .await
        .map(|_| ())
}

/// The one integer a query answers.
async fn count(db: &DatabaseConnection, sql: &str) -> i64 {
    db.query_one_raw(Statement::from_string(
        db.get_database_backend(),
        sql.to_owned(),
    ))
    .await
    .unwrap()
    .expect("a row")
    .try_get_by_index::<i64>(0)
    .unwrap()
}

/// Asserts that `outcome` is the coordinate rule's refusal (not some other failure).
fn assert_refused(backend: DbBackend, what: &str, outcome: Result<(), DbErr>) {
    let error = match outcome {
        Ok(()) => panic!("{what}: accepted, should have been refused"),
        Err(error) => error.to_string(),
    };
    let expected = match backend {
        DbBackend::Postgres => "ck_service_location_",
        _ => "CHECK constraint failed: service_location coordinates",
    };
    assert!(
        error.contains(expected),
        "{what}: refused for another reason: {error}"
    );
}

async fn exercise(db: &DatabaseConnection) {
    let backend = db.get_database_backend();
    let postgres = backend == DbBackend::Postgres;

    Migrator::up(db, Some(migrations_before())).await.unwrap();
    exec(
        db,
        &format!(
            "INSERT INTO service (id, source_system, source_id, name, status, is_family_hub, \
             updated_at) VALUES ('{SERVICE_ID}', 'test', 'svc-1', 'A service', 'active', false, \
             '2026-12-06T00:00:00Z')"
        ),
    )
    .await
    .unwrap();

    // Impossible coordinates already stored: the migration fails, saying where and how many,
    // and changes nothing.
    insert(db, 1, "100", "-1.5").await.unwrap();
    insert(db, 2, "53.8", "-1.5").await.unwrap();
    let mut impossible = 1;
    if postgres {
        insert(db, 3, "'NaN'::float8", "-1.5").await.unwrap();
        impossible += 1;
    }
    let error = Migrator::up(db, None)
        .await
        .expect_err("impossible rows stop it")
        .to_string();
    assert!(
        error.contains(&format!(
            "service_location has {impossible} row(s) with impossible coordinates"
        )),
        "the refusal names the table and the count: {error}"
    );
    assert!(
        error.contains("UPDATE service_location SET latitude = NULL"),
        "{error}"
    );
    let pending = Migrator::get_pending_migrations(db).await.unwrap();
    assert_eq!(
        pending.first().map(|m| m.name().to_owned()).as_deref(),
        Some(MIGRATION)
    );
    assert_eq!(
        count(
            db,
            "SELECT COUNT(*) FROM service_location WHERE latitude = 100"
        )
        .await,
        1,
        "the impossible row is left as it was"
    );

    // Cleared as the message says, the migration applies.
    exec(
        db,
        "UPDATE service_location SET latitude = NULL, longitude = NULL WHERE NOT (latitude \
         BETWEEN -90 AND 90) OR NOT (longitude BETWEEN -180 AND 180)",
    )
    .await
    .unwrap();
    Migrator::up(db, None).await.unwrap();
    assert!(
        Migrator::get_pending_migrations(db)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        count(
            db,
            "SELECT COUNT(*) FROM service_location WHERE latitude IS NULL"
        )
        .await,
        impossible,
        "only the impossible rows were cleared"
    );

    // Possible coordinates, the bounds themselves and unknown ones pass.
    insert(db, 10, "53.8008", "-1.5491").await.unwrap();
    insert(db, 11, "90", "180").await.unwrap();
    insert(db, 12, "-90", "-180").await.unwrap();
    insert(db, 13, "NULL", "NULL").await.unwrap();
    insert(db, 14, "51.5", "NULL").await.unwrap();
    insert_bound(db, 15, 52.4862, -1.8904).await.unwrap();

    // Out of range, infinite or not a number: refused.
    assert_refused(backend, "latitude 90.5", insert(db, 20, "90.5", "0").await);
    assert_refused(backend, "latitude -91", insert(db, 21, "-91", "0").await);
    assert_refused(
        backend,
        "longitude 180.01",
        insert(db, 22, "0", "180.01").await,
    );
    assert_refused(backend, "longitude -200", insert(db, 23, "0", "-200").await);
    assert_refused(
        backend,
        "latitude 100, longitude unknown",
        insert(db, 24, "100", "NULL").await,
    );
    assert_refused(
        backend,
        "bound latitude 91",
        insert_bound(db, 25, 91.0, 0.0).await,
    );
    assert_refused(
        backend,
        "bound longitude -infinity",
        insert_bound(db, 26, 0.0, f64::NEG_INFINITY).await,
    );
    if postgres {
        assert_refused(
            backend,
            "latitude NaN",
            insert(db, 30, "'NaN'::float8", "0").await,
        );
        assert_refused(
            backend,
            "longitude NaN",
            insert(db, 31, "0", "'NaN'::float8").await,
        );
        assert_refused(
            backend,
            "latitude Infinity",
            insert(db, 32, "'Infinity'::float8", "0").await,
        );
        assert_refused(
            backend,
            "longitude -Infinity",
            insert(db, 33, "0", "'-Infinity'::float8").await,
        );
        assert_refused(
            backend,
            "bound latitude NaN",
            insert_bound(db, 34, f64::NAN, 0.0).await,
        );
    } else {
        // SQLite has no NaN: a bound one is stored as NULL (nothing to refuse); an infinity is
        // stored, so it is refused.
        insert_bound(db, 34, f64::NAN, 0.0).await.unwrap();
        assert_eq!(
            count(
                db,
                "SELECT COUNT(*) FROM service_location WHERE source_id = 'loc-34' AND latitude IS NULL"
            )
            .await,
            1
        );
        assert_refused(
            backend,
            "latitude infinity",
            insert(db, 32, "9e999", "0").await,
        );
        assert_refused(
            backend,
            "longitude -infinity",
            insert(db, 33, "0", "-9e999").await,
        );
    }

    // Updates are held to the same rule; other columns may still change.
    assert_refused(
        backend,
        "update to latitude 91",
        exec(
            db,
            "UPDATE service_location SET latitude = 91 WHERE source_id = 'loc-10'",
        )
        .await,
    );
    if postgres {
        assert_refused(
            backend,
            "update to longitude NaN",
            exec(
                db,
                "UPDATE service_location SET longitude = 'NaN'::float8 WHERE source_id = 'loc-10'",
            )
            .await,
        );
    }
    exec(
        db,
        "UPDATE service_location SET latitude = 53.9 WHERE source_id = 'loc-10'",
    )
    .await
    .unwrap();
    exec(
        db,
        "UPDATE service_location SET name = 'Hub' WHERE source_id = 'loc-10'",
    )
    .await
    .unwrap();
    assert_eq!(
        count(
            db,
            "SELECT COUNT(*) FROM service_location WHERE latitude > 90 OR latitude < -90"
        )
        .await,
        0
    );

    // Down lifts the refusal and keeps the rows (the migrations after this one go first).
    let before = count(db, "SELECT COUNT(*) FROM service_location").await;
    let all = <u32 as TryFrom<usize>>::try_from(Migrator::migrations().len()).unwrap();
    let steps = all - migrations_before();
    Migrator::down(db, Some(steps)).await.unwrap();
    assert_eq!(
        count(db, "SELECT COUNT(*) FROM service_location").await,
        before
    );
    insert(db, 40, "100", "0").await.unwrap();
    if postgres {
        insert(db, 41, "'NaN'::float8", "0").await.unwrap();
    }
}

#[tokio::test]
async fn sqlite_refuses_impossible_coordinates() {
    common::on_sqlite(|db| async move { exercise(&db).await }).await;
}

#[tokio::test]
async fn postgres_refuses_impossible_coordinates() {
    common::on_postgres("fg_mig_coord", |db| async move { exercise(&db).await }).await;
}
