//! Trigram indexes for the children name search on PostgreSQL.
//!
//! The `children(filter: { search })` query matches a fragment anywhere in either name
//! (`lower(given_name) LIKE '%term%'`), which no B-tree can serve: without these indexes every
//! search reads the whole `person` table. `pg_trgm`'s GIN operator class indexes the trigrams of
//! `lower(given_name)` and `lower(family_name)`, and the planner answers each `LIKE` with a
//! bitmap index scan. The indexed expressions must stay exactly those of the search condition
//! (`familygraph_store::children`), or the planner cannot use them.
//!
//! Raw SQL, because extensions and operator classes are PostgreSQL-only and sea-query has no
//! builder for them. The migration needs the `pg_trgm` extension: it is shipped with PostgreSQL
//! (Debian's server package, `postgresql-contrib` elsewhere, every major managed service) and is
//! *trusted* since PostgreSQL 13, so a role with `CREATE` on the database may create it without
//! being a superuser. When the extension is missing and cannot be created the migration fails
//! with a message saying what to do, rather than carrying on without the indexes: a silently
//! unindexed search works in testing and then scans the table on every keystroke in production.
//! The indexes are created `IF NOT EXISTS`, so an operator may build them beforehand with
//! `CREATE INDEX CONCURRENTLY` (same names and definitions) on a large table to avoid blocking
//! writes, and the migration then has nothing left to do.
//!
//! On SQLite this migration does nothing: SQLite has no index that serves `LIKE '%…%'` (its FTS5
//! trigram tokenizer needs a separate virtual table, kept in step by triggers, and a different
//! query), and the embedded deployments it serves are small enough for a scan of `person`.
//!
//! `down` drops the indexes but leaves the extension: a database administrator may have created
//! it, other schemas may use it, and dropping it needs the same privilege as creating it.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{DbBackend, Statement};

/// Creates the `pg_trgm` extension and the name trigram indexes on PostgreSQL.
#[derive(DeriveMigrationName)]
pub struct Migration;

/// The extension the indexes' operator class comes from.
const EXTENSION: &str = "pg_trgm";

const CREATE_INDEXES: &str = r#"
CREATE INDEX IF NOT EXISTS idx_person_given_name_trgm
    ON person USING gin (lower(given_name) gin_trgm_ops);
CREATE INDEX IF NOT EXISTS idx_person_family_name_trgm
    ON person USING gin (lower(family_name) gin_trgm_ops);
"#;

const DROP_INDEXES: &str = r#"
DROP INDEX IF EXISTS idx_person_given_name_trgm;
DROP INDEX IF EXISTS idx_person_family_name_trgm;
"#;

/// Whether a query of one boolean answers true.
async fn holds(manager: &SchemaManager<'_>, sql: &str) -> Result<bool, DbErr> {
    let row = manager
        .get_connection()
        .query_one_raw(Statement::from_string(DbBackend::Postgres, sql.to_owned()))
        .await?;
    match row {
        Some(row) => row.try_get_by_index::<bool>(0),
        None => Ok(false),
    }
}

/// Makes sure `pg_trgm` is installed in the database, creating it if need be, or fails saying
/// what the operator has to do.
async fn ensure_extension(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    let installed =
        format!("SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = '{EXTENSION}')");
    if holds(manager, &installed).await? {
        return Ok(());
    }
    let available =
        format!("SELECT EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = '{EXTENSION}')");
    if !holds(manager, &available).await? {
        return Err(DbErr::Migration(format!(
            "the PostgreSQL extension {EXTENSION} is not available on this server, and the \
             children name search needs its trigram indexes: install the server's contrib \
             extensions (on Debian and Ubuntu they come with the postgresql-NN package, \
             elsewhere postgresql-contrib; managed services offer {EXTENSION}, some only once \
             allow-listed), then run `familygraph migrate` again"
        )));
    }
    manager
        .get_connection()
        .execute_unprepared(&format!("CREATE EXTENSION IF NOT EXISTS {EXTENSION}"))
        .await
        .map_err(|error| {
            DbErr::Migration(format!(
                "could not create the PostgreSQL extension {EXTENSION}, which the children name \
                 search needs for its trigram indexes ({error}): the migrating role needs the \
                 CREATE privilege on the database ({EXTENSION} is a trusted extension since \
                 PostgreSQL 13; before 13 only a superuser may create it), or a superuser or the \
                 database owner can run `CREATE EXTENSION {EXTENSION};` in this database once; \
                 then run `familygraph migrate` again"
            ))
        })?;
    Ok(())
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() == DbBackend::Postgres {
            ensure_extension(manager).await?;
            manager
                .get_connection()
                .execute_unprepared(CREATE_INDEXES)
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() == DbBackend::Postgres {
            manager
                .get_connection()
                .execute_unprepared(DROP_INDEXES)
                .await?;
        }
        Ok(())
    }
}
