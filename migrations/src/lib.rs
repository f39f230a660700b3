//! Backend-neutral database migrations for familygraph.
//!
//! One [`Migrator`] builds the schema described in `docs/data-model.md` on both SQLite (the
//! embedded default) and PostgreSQL (production). Every migration uses the sea-query schema
//! builder only (no raw SQL), declares its foreign keys inside `CREATE TABLE` (SQLite cannot add
//! them later), defines its own identifiers (migrations never import live entities) and has a
//! working `down`. Migrations are never edited after they land: change the schema with a new
//! one.

pub use sea_orm_migration::prelude::*;

mod m20261124_000001_create_places;
mod m20261124_000002_create_teams;
mod m20261124_000003_create_areas;
mod m20261124_000004_create_people;
mod m20261124_000005_create_family_networks;
mod m20261124_000006_create_casework;
mod m20261124_000007_create_audit;
mod m20261124_000008_create_workflow;
mod m20261124_000009_chain_audit;
mod m20261124_000010_protect_audit;
mod m20261124_000011_create_information_share;
mod m20261124_000012_create_break_glass;
mod m20261124_000013_create_rate_limit;
mod m20261205_000001_create_job_lease;
mod m20261206_000001_create_intake;
mod m20261206_000002_create_service_directory;
mod m20261206_000003_create_outbox_delivery;
mod m20261206_000004_create_school_records;
mod m20261206_000005_create_webhooks;
mod m20261206_000006_person_name_trigram;
mod m20261206_000007_add_agency_link_year_group;
mod m20261206_000008_check_service_location_coordinates;
mod m20261206_000009_index_open_allocations;
mod m20261206_000010_create_adapter_note;
mod m20261206_000011_add_rate_limit_taken;

/// The familygraph migrator: every schema migration, oldest first.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261124_000001_create_places::Migration),
            Box::new(m20261124_000002_create_teams::Migration),
            Box::new(m20261124_000003_create_areas::Migration),
            Box::new(m20261124_000004_create_people::Migration),
            Box::new(m20261124_000005_create_family_networks::Migration),
            Box::new(m20261124_000006_create_casework::Migration),
            Box::new(m20261124_000007_create_audit::Migration),
            Box::new(m20261124_000008_create_workflow::Migration),
            Box::new(m20261124_000009_chain_audit::Migration),
            Box::new(m20261124_000010_protect_audit::Migration),
            Box::new(m20261124_000011_create_information_share::Migration),
            Box::new(m20261124_000012_create_break_glass::Migration),
            Box::new(m20261124_000013_create_rate_limit::Migration),
            Box::new(m20261205_000001_create_job_lease::Migration),
            Box::new(m20261206_000001_create_intake::Migration),
            Box::new(m20261206_000002_create_service_directory::Migration),
            Box::new(m20261206_000003_create_outbox_delivery::Migration),
            Box::new(m20261206_000004_create_school_records::Migration),
            Box::new(m20261206_000005_create_webhooks::Migration),
            Box::new(m20261206_000006_person_name_trigram::Migration),
            Box::new(m20261206_000007_add_agency_link_year_group::Migration),
            Box::new(m20261206_000008_check_service_location_coordinates::Migration),
            Box::new(m20261206_000009_index_open_allocations::Migration),
            Box::new(m20261206_000010_create_adapter_note::Migration),
            Box::new(m20261206_000011_add_rate_limit_taken::Migration),
        ]
    }
}
