//! Append-only audit on PostgreSQL: a trigger refuses every `UPDATE` and `DELETE` of
//! `audit_event`, whoever runs it (inserts still work).
//!
//! Raw SQL, because triggers are backend-specific and sea-query has no builder for them. On
//! SQLite this migration does nothing: an embedded SQLite file offers no such protection (anyone
//! who can write the file can change it), and the hash chain (`familygraph audit verify`) is
//! what detects an altered or deleted row there. A superuser can still disable the trigger
//! (`ALTER TABLE audit_event DISABLE TRIGGER ...`); the chain detects what is done then, too.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

/// Makes `audit_event` append-only on PostgreSQL.
#[derive(DeriveMigrationName)]
pub struct Migration;

const UP: &str = r#"
CREATE OR REPLACE FUNCTION audit_event_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_event is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$;
CREATE TRIGGER audit_event_append_only
    BEFORE UPDATE OR DELETE ON audit_event
    FOR EACH ROW EXECUTE FUNCTION audit_event_append_only();
"#;

const DOWN: &str = r#"
DROP TRIGGER IF EXISTS audit_event_append_only ON audit_event;
DROP FUNCTION IF EXISTS audit_event_append_only();
"#;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() == DbBackend::Postgres {
            manager.get_connection().execute_unprepared(UP).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() == DbBackend::Postgres {
            manager.get_connection().execute_unprepared(DOWN).await?;
        }
        Ok(())
    }
}
