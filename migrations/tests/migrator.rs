//! Runs every migration up and back down on SQLite (in memory) and on a freshly created
//! PostgreSQL database, dropped afterwards, on the server `FAMILYGRAPH_TEST_POSTGRES` names (or
//! at `postgres://postgres@127.0.0.1:5432` when `FAMILYGRAPH_TEST_BACKEND=postgres`; see
//! `common`).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use familygraph_migrations::Migrator;
use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{DatabaseConnection, DbBackend, Statement};

/// Every table in `docs/data-model.md`.
const TABLES: &[&str] = &[
    "local_authority",
    "locality",
    "area",
    "lsoa",
    "family_hub",
    "agency",
    "team",
    "practitioner",
    "team_membership",
    "person",
    "person_identifier",
    "person_disability",
    "address",
    "relationship",
    "family",
    "family_member",
    "agency_link",
    "family_network",
    "network_member",
    "involvement",
    "contact",
    "referral",
    "family_help_episode",
    "assessment",
    "assessment_factor",
    "plan",
    "plan_goal",
    "plan_review",
    "section47_enquiry",
    "cp_conference",
    "visit",
    "audit_event",
    "outbox_event",
    "idempotency_record",
    "strategy_discussion",
    "strategy_participant",
    "fgdm_meeting",
    "support_package",
    "partner_record",
    "information_share",
];

/// A sample of the indexes the data model asks for, as (table, index).
const INDEXES: &[(&str, &str)] = &[
    ("locality", "idx_locality_local_authority_id"),
    ("person", "idx_person_family_name_given_name"),
    ("person_identifier", "uq_person_identifier_kind_value"),
    (
        "person_identifier",
        "uq_person_identifier_person_id_kind_value",
    ),
    ("person_disability", "uq_person_disability_person_id_code"),
    ("address", "idx_address_person_id_ended_on"),
    ("address", "idx_address_lsoa_code"),
    ("involvement", "idx_involvement_person_id_ended_on"),
    ("involvement", "idx_involvement_practitioner_id"),
    ("plan", "idx_plan_person_id_kind_ended_on"),
    (
        "assessment_factor",
        "uq_assessment_factor_assessment_id_code",
    ),
    ("visit", "idx_visit_practitioner_id"),
    ("audit_event", "idx_audit_event_record_type_record_id"),
    ("audit_event", "uq_audit_event_sequence"),
    ("outbox_event", "idx_outbox_event_delivered_at_occurred_at"),
    (
        "idempotency_record",
        "uq_idempotency_record_subject_idempotency_key",
    ),
    ("strategy_participant", "idx_strategy_participant_agency_id"),
    ("partner_record", "idx_partner_record_contact_id"),
    ("information_share", "idx_information_share_person_id"),
];

/// The PostgreSQL trigger `m20261124_000010_protect_audit` creates (none on SQLite).
const APPEND_ONLY_TRIGGER: &str = "audit_event_append_only";

/// How many append-only triggers `audit_event` has on PostgreSQL (always 0 on SQLite).
async fn append_only_triggers(db: &DatabaseConnection) -> Result<i64, DbErr> {
    if db.get_database_backend() != DbBackend::Postgres {
        return Ok(0);
    }
    let row = db
        .query_one_raw(Statement::from_string(
            DbBackend::Postgres,
            format!("SELECT COUNT(*) FROM pg_trigger WHERE tgname = '{APPEND_ONLY_TRIGGER}'"),
        ))
        .await?
        .ok_or_else(|| DbErr::Custom("no count".to_owned()))?;
    row.try_get_by_index::<i64>(0)
}

/// Columns `m20261124_000009_chain_audit` adds to `audit_event`.
const CHAIN_COLUMNS: &[&str] = &["sequence", "previous_hash", "hash"];

/// Columns `m20261124_000012_create_break_glass` adds to `audit_event`.
const BREAK_GLASS_AUDIT_COLUMNS: &[&str] = &["purpose", "correlation_id"];

/// Tables created by `m20261124_000008_create_workflow`.
const WORKFLOW_TABLES: &[&str] = &[
    "outbox_event",
    "idempotency_record",
    "strategy_discussion",
    "strategy_participant",
    "fgdm_meeting",
    "support_package",
    "partner_record",
];

/// Existing tables to which `m20261124_000008_create_workflow` adds a `version` column.
const VERSIONED: &[&str] = &["contact", "family_help_episode", "involvement"];

async fn tables_present(db: &DatabaseConnection) -> Result<Vec<&'static str>, DbErr> {
    let manager = SchemaManager::new(db);
    let mut present = Vec::new();
    for table in TABLES {
        if manager.has_table(table).await? {
            present.push(*table);
        }
    }
    Ok(present)
}

/// Up, check, down, check, and once more (a clean `down` lets `up` run again).
async fn round_trip(db: &DatabaseConnection) -> Result<(), String> {
    let e = |e: DbErr| e.to_string();
    for round in 0..2 {
        Migrator::up(db, None).await.map_err(e)?;
        let pending = Migrator::get_pending_migrations(db).await.map_err(e)?;
        if !pending.is_empty() {
            return Err(format!(
                "round {round}: {} migrations pending",
                pending.len()
            ));
        }
        let present = tables_present(db).await.map_err(e)?;
        if present.len() != TABLES.len() {
            let missing: Vec<_> = TABLES.iter().filter(|t| !present.contains(t)).collect();
            return Err(format!(
                "round {round}: tables missing after up: {missing:?}"
            ));
        }
        let manager = SchemaManager::new(db);
        for (table, index) in INDEXES {
            if !manager.has_index(table, index).await.map_err(e)? {
                return Err(format!("round {round}: index {index} on {table} missing"));
            }
        }

        for table in VERSIONED {
            if !manager.has_column(table, "version").await.map_err(e)? {
                return Err(format!("round {round}: {table}.version missing after up"));
            }
        }

        for column in CHAIN_COLUMNS {
            if !manager.has_column("audit_event", column).await.map_err(e)? {
                return Err(format!(
                    "round {round}: audit_event.{column} missing after up"
                ));
            }
        }

        let expected = i64::from(db.get_database_backend() == DbBackend::Postgres);
        if append_only_triggers(db).await.map_err(e)? != expected {
            return Err(format!(
                "round {round}: append-only trigger missing after up"
            ));
        }

        // Undo the migrations after `m20261205_000001_create_job_lease` (intake and adapters).
        for table in ["attendance_summary", "school_suspension"] {
            if !manager.has_table(table).await.map_err(e)? {
                return Err(format!("round {round}: {table} missing after up"));
            }
        }
        let later = Migrator::migrations()
            .iter()
            .map(|m| m.name().to_owned())
            .skip_while(|name| name != "m20261205_000001_create_job_lease")
            .skip(1)
            .count();
        if later > 0 {
            Migrator::down(db, Some(later as u32)).await.map_err(e)?;
        }
        for table in ["attendance_summary", "school_suspension"] {
            if manager.has_table(table).await.map_err(e)? {
                return Err(format!("round {round}: {table} left after down"));
            }
        }
        if manager
            .has_column("referral", "no_further_action")
            .await
            .map_err(e)?
        {
            return Err(format!(
                "round {round}: referral.no_further_action left after down"
            ));
        }

        // Undo `m20261205_000001_create_job_lease`: `job_lease` goes.
        if !manager.has_table("job_lease").await.map_err(e)? {
            return Err(format!("round {round}: job_lease missing after up"));
        }
        Migrator::down(db, Some(1)).await.map_err(e)?;
        if manager.has_table("job_lease").await.map_err(e)? {
            return Err(format!("round {round}: job_lease left after one step down"));
        }

        // Undo `m20261124_000013_create_rate_limit`: `rate_limit_bucket` goes.
        if !manager.has_table("rate_limit_bucket").await.map_err(e)? {
            return Err(format!("round {round}: rate_limit_bucket missing after up"));
        }
        Migrator::down(db, Some(1)).await.map_err(e)?;
        if manager.has_table("rate_limit_bucket").await.map_err(e)? {
            return Err(format!(
                "round {round}: rate_limit_bucket left after one step down"
            ));
        }

        // Undo `m20261124_000012_create_break_glass`: `break_glass_grant` and the audit
        // trail's `purpose` and `correlation_id` go, the rest stay.
        if !manager
            .has_index(
                "break_glass_grant",
                "idx_break_glass_grant_subject_expires_at",
            )
            .await
            .map_err(e)?
        {
            return Err(format!(
                "round {round}: break_glass_grant index missing after up"
            ));
        }
        for column in BREAK_GLASS_AUDIT_COLUMNS {
            if !manager.has_column("audit_event", column).await.map_err(e)? {
                return Err(format!(
                    "round {round}: audit_event.{column} missing after up"
                ));
            }
        }
        Migrator::down(db, Some(1)).await.map_err(e)?;
        if manager.has_table("break_glass_grant").await.map_err(e)?
            || tables_present(db).await.map_err(e)?.len() != TABLES.len()
        {
            return Err(format!(
                "round {round}: wrong tables after undoing break glass"
            ));
        }
        for column in BREAK_GLASS_AUDIT_COLUMNS {
            if manager.has_column("audit_event", column).await.map_err(e)? {
                return Err(format!(
                    "round {round}: audit_event.{column} left after one step down"
                ));
            }
        }

        // Then `m20261124_000011_create_information_share`: `information_share` goes, the rest
        // stay.
        Migrator::down(db, Some(1)).await.map_err(e)?;
        let present = tables_present(db).await.map_err(e)?;
        if present.len() != TABLES.len() - 1 || present.contains(&"information_share") {
            return Err(format!("round {round}: wrong tables after one step down"));
        }
        // Then `m20261124_000010_protect_audit`: the trigger goes.
        Migrator::down(db, Some(1)).await.map_err(e)?;
        if append_only_triggers(db).await.map_err(e)? != 0 {
            return Err(format!(
                "round {round}: append-only trigger left after down"
            ));
        }

        // Then `m20261124_000009_chain_audit`: the chain columns and index go, the rest stay.
        Migrator::down(db, Some(1)).await.map_err(e)?;
        for column in CHAIN_COLUMNS {
            if manager.has_column("audit_event", column).await.map_err(e)? {
                return Err(format!(
                    "round {round}: audit_event.{column} left after one step down"
                ));
            }
        }
        if manager
            .has_index("audit_event", "uq_audit_event_sequence")
            .await
            .map_err(e)?
            || tables_present(db).await.map_err(e)?.len() != TABLES.len() - 1
        {
            return Err(format!("round {round}: wrong schema after one step down"));
        }

        // Then `m20261124_000008_create_workflow`: its tables and columns go, the rest stay.
        Migrator::down(db, Some(1)).await.map_err(e)?;
        let present = tables_present(db).await.map_err(e)?;
        if present.len() != TABLES.len() - 1 - WORKFLOW_TABLES.len()
            || present.iter().any(|t| WORKFLOW_TABLES.contains(t))
        {
            return Err(format!(
                "round {round}: wrong tables after one step down: {present:?}"
            ));
        }
        for table in VERSIONED {
            if manager.has_column(table, "version").await.map_err(e)? {
                return Err(format!(
                    "round {round}: {table}.version left after one step down"
                ));
            }
        }

        Migrator::down(db, None).await.map_err(e)?;
        let present = tables_present(db).await.map_err(e)?;
        if !present.is_empty() {
            return Err(format!(
                "round {round}: tables left after down: {present:?}"
            ));
        }
        let applied = Migrator::get_applied_migrations(db).await.map_err(e)?;
        if !applied.is_empty() {
            return Err(format!("round {round}: {} still applied", applied.len()));
        }
    }
    Ok(())
}

#[tokio::test]
async fn sqlite_up_and_down() {
    common::on_sqlite(|db| async move { round_trip(&db).await.unwrap() }).await;
}

#[tokio::test]
async fn postgres_up_and_down() {
    common::on_postgres("fg_mig", |db| async move { round_trip(&db).await.unwrap() }).await;
}
