//! Job leases: a named lease that at most one replica holds at a time, so that a background job
//! (an adapter's sync, say) runs on only one of several replicas sharing the database. A holder
//! takes the lease for a while, renews it before it runs out, and releases it when done; a
//! holder that dies simply stops renewing, and once `expires_at` passes another may take over.
//! Every change is one atomic statement (see `familygraph_store::lease`).

use sea_orm_migration::{prelude::*, schema::*};

/// Creates `job_lease`.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(JobLease::Table)
                    .col(text(JobLease::Name).primary_key())
                    .col(text(JobLease::Holder))
                    .col(timestamp_with_time_zone(JobLease::ExpiresAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(JobLease::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum JobLease {
    Table,
    /// The job's name, e.g. `adapter-sync:mosaic`.
    Name,
    /// Who holds the lease (a replica's holder id).
    Holder,
    /// When the lease runs out unless renewed.
    ExpiresAt,
}
