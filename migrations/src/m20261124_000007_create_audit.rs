//! Audit: one row per read or write of a record, by whom, through which operation.

use sea_orm_migration::{prelude::*, schema::*};

/// Creates `audit_event`.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(AuditEvent::Table)
                    .col(pk_uuid(AuditEvent::Id))
                    .col(timestamp_with_time_zone(AuditEvent::OccurredAt))
                    .col(text(AuditEvent::Subject))
                    .col(text_null(AuditEvent::ClientId))
                    .col(text(AuditEvent::Roles))
                    .col(text_null(AuditEvent::Operation))
                    .col(text(AuditEvent::Action))
                    .col(text(AuditEvent::RecordType))
                    .col(uuid(AuditEvent::RecordId))
                    .col(text(AuditEvent::Outcome))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_audit_event_record_type_record_id")
                    .table(AuditEvent::Table)
                    .col(AuditEvent::RecordType)
                    .col(AuditEvent::RecordId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(AuditEvent::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum AuditEvent {
    Table,
    Id,
    OccurredAt,
    Subject,
    ClientId,
    Roles,
    Operation,
    Action,
    RecordType,
    RecordId,
    Outcome,
}
