//! A service location's coordinates must be possible: latitude within -90..=90 and longitude
//! within -180..=180 (WGS84 degrees), each or both may be unknown (`NULL`).
//!
//! The columns are `double precision`, which on PostgreSQL also holds `NaN`, `Infinity` and
//! `-Infinity`. No place has such coordinates, GraphQL's `Float` cannot carry them, and rows
//! read as JSON text (`row_to_json`, as the fused loaders read rows) give them as the strings
//! `"NaN"` and `"Infinity"`, which do not decode as numbers. The range checks exclude them too:
//! PostgreSQL sorts `NaN` above every number, so `'NaN'::float8 BETWEEN -90 AND 90` is false
//! (`NaN >= -90` holds, `NaN <= 90` does not), and an infinity is outside every finite range. A
//! `NULL` passes a `CHECK`, as it should.
//!
//! **Existing rows are not changed.** When a row already breaks the rule the migration fails,
//! naming the table and how many rows, and says how to clear the coordinates; it never nulls or
//! deletes them itself. The coordinates come from a services directory (the Open Referral UK
//! adapter already leaves impossible ones out, with a note), so such a row was written by
//! something else, and an operator should see it rather than have data vanish during an
//! upgrade. Clearing them loses nothing that cannot be had again: the next pull of the
//! directory writes the service's locations afresh.
//!
//! - PostgreSQL: the `CHECK` constraints `ck_service_location_latitude` and
//!   `ck_service_location_longitude`. The table is locked (`ACCESS EXCLUSIVE`, which adding the
//!   constraints takes anyway) before the rows are counted, so that no row can slip in between
//!   the count and the constraints; the table is a directory's locations, small, and the
//!   migration runs in a transaction.
//! - SQLite: it cannot add a `CHECK` to an existing table without rebuilding it (create a copy
//!   with the constraint, copy the rows, drop, rename, recreate the indexes: every column and
//!   foreign key written out again here). Two triggers refuse the same values instead
//!   (`BEFORE INSERT`, and `BEFORE UPDATE OF latitude, longitude`), with `RAISE(ABORT)`, which
//!   fails the statement as a `CHECK` would. SQLite has no `NaN` to store (binding one stores
//!   `NULL`), but it does store infinities, which the triggers refuse. This migration runs in a
//!   transaction on SQLite too, so a refusal leaves nothing half done.
//!
//! Raw SQL, because sea-query has no builder for adding a constraint to an existing table, nor
//! for triggers. `down` drops the constraints (or the triggers) and leaves the rows as they are.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{DbBackend, Statement};

/// Adds the coordinate range checks to `service_location`.
#[derive(DeriveMigrationName)]
pub struct Migration;

/// How many rows break the rule: a `NULL` is not counted (`NOT (NULL BETWEEN …)` is `NULL`),
/// a `NaN` is (`NaN BETWEEN -90 AND 90` is false, so its negation is true).
const COUNT_IMPOSSIBLE: &str = "SELECT COUNT(*) FROM service_location \
     WHERE NOT (latitude BETWEEN -90 AND 90) OR NOT (longitude BETWEEN -180 AND 180)";

const POSTGRES_LOCK: &str = "LOCK TABLE service_location IN ACCESS EXCLUSIVE MODE";

const POSTGRES_UP: &str = "ALTER TABLE service_location \
     ADD CONSTRAINT ck_service_location_latitude CHECK (latitude BETWEEN -90 AND 90), \
     ADD CONSTRAINT ck_service_location_longitude CHECK (longitude BETWEEN -180 AND 180)";

const POSTGRES_DOWN: &str = "ALTER TABLE service_location \
     DROP CONSTRAINT IF EXISTS ck_service_location_latitude, \
     DROP CONSTRAINT IF EXISTS ck_service_location_longitude";

/// The triggers standing in for the `CHECK`s on SQLite.
const SQLITE_UP: &str = r#"
CREATE TRIGGER service_location_coordinates_insert
BEFORE INSERT ON service_location
WHEN NOT (NEW.latitude BETWEEN -90 AND 90) OR NOT (NEW.longitude BETWEEN -180 AND 180)
BEGIN
    SELECT RAISE(ABORT, 'CHECK constraint failed: service_location coordinates (latitude within -90 and 90, longitude within -180 and 180)');
END;
CREATE TRIGGER service_location_coordinates_update
BEFORE UPDATE OF latitude, longitude ON service_location
WHEN NOT (NEW.latitude BETWEEN -90 AND 90) OR NOT (NEW.longitude BETWEEN -180 AND 180)
BEGIN
    SELECT RAISE(ABORT, 'CHECK constraint failed: service_location coordinates (latitude within -90 and 90, longitude within -180 and 180)');
END;
"#;

const SQLITE_DOWN: &str = r#"
DROP TRIGGER IF EXISTS service_location_coordinates_insert;
DROP TRIGGER IF EXISTS service_location_coordinates_update;
"#;

/// Fails, naming the table and the count, when rows already break the rule.
async fn refuse_impossible_rows(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    let backend = manager.get_database_backend();
    let row = manager
        .get_connection()
        .query_one_raw(Statement::from_string(backend, COUNT_IMPOSSIBLE.to_owned()))
        .await?;
    let count = match row {
        Some(row) => row.try_get_by_index::<i64>(0)?,
        None => 0,
    };
    if count == 0 {
        return Ok(());
    }
    Err(DbErr::Migration(format!(
        "service_location has {count} row(s) with impossible coordinates (a latitude outside \
         -90..90 or a longitude outside -180..180, or not a number); this migration adds a \
         check refusing them and changes no data itself. Correct those rows, or clear their \
         coordinates (the next pull of the services directory writes the locations afresh): \
         UPDATE service_location SET latitude = NULL, longitude = NULL WHERE NOT (latitude \
         BETWEEN -90 AND 90) OR NOT (longitude BETWEEN -180 AND 180); then run `familygraph \
         migrate` again"
    )))
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        match manager.get_database_backend() {
            DbBackend::Postgres => {
                db.execute_unprepared(POSTGRES_LOCK).await?;
                refuse_impossible_rows(manager).await?;
                db.execute_unprepared(POSTGRES_UP).await?;
            }
            DbBackend::Sqlite => {
                refuse_impossible_rows(manager).await?;
                db.execute_unprepared(SQLITE_UP).await?;
            }
            _ => {}
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        match manager.get_database_backend() {
            DbBackend::Postgres => {
                db.execute_unprepared(POSTGRES_DOWN).await?;
            }
            DbBackend::Sqlite => {
                db.execute_unprepared(SQLITE_DOWN).await?;
            }
            _ => {}
        }
        Ok(())
    }

    /// In a transaction on every backend (PostgreSQL's default; on SQLite so that the count and
    /// the triggers are one unit).
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}
