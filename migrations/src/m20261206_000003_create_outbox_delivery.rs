//! Outbound delivery: one row of `outbox_delivery` per (delivery target, outbox event) the
//! server's delivery worker has taken on — the case system's drop directory or staging table,
//! a partner's webhook. It records every attempt: how many, when the next is due (exponential
//! back-off), the last error (never personal data), the partner's receipt and when it was
//! delivered. `status` is `pending`, `delivered` or `failed_permanently` (the dead letters an
//! operator looks at). The unique (`target`, `outbox_event_id`) pair is what makes the worker
//! take each event on once per target.

use sea_orm_migration::{prelude::*, schema::*};

/// Creates `outbox_delivery`.
#[derive(DeriveMigrationName)]
pub struct Migration;

const TARGET_EVENT_INDEX: &str = "idx_outbox_delivery_target_outbox_event_id";
const DUE_INDEX: &str = "idx_outbox_delivery_target_status_next_attempt_at";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(OutboxDelivery::Table)
                    .col(pk_uuid(OutboxDelivery::Id))
                    .col(text(OutboxDelivery::Target))
                    .col(uuid(OutboxDelivery::OutboxEventId))
                    .col(text(OutboxDelivery::Status))
                    .col(integer(OutboxDelivery::Attempts).default(0))
                    .col(timestamp_with_time_zone(OutboxDelivery::NextAttemptAt))
                    .col(text_null(OutboxDelivery::LastError))
                    .col(text_null(OutboxDelivery::Receipt))
                    .col(boolean(OutboxDelivery::Duplicate).default(false))
                    .col(timestamp_with_time_zone_null(OutboxDelivery::DeliveredAt))
                    .col(timestamp_with_time_zone(OutboxDelivery::CreatedAt))
                    .col(timestamp_with_time_zone(OutboxDelivery::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_outbox_delivery_outbox_event_id")
                            .from(OutboxDelivery::Table, OutboxDelivery::OutboxEventId)
                            .to(OutboxEvent::Table, OutboxEvent::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name(TARGET_EVENT_INDEX)
                    .table(OutboxDelivery::Table)
                    .col(OutboxDelivery::Target)
                    .col(OutboxDelivery::OutboxEventId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name(DUE_INDEX)
                    .table(OutboxDelivery::Table)
                    .col(OutboxDelivery::Target)
                    .col(OutboxDelivery::Status)
                    .col(OutboxDelivery::NextAttemptAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(OutboxDelivery::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum OutboxDelivery {
    Table,
    /// Primary key (UUIDv7).
    Id,
    /// The delivery target's configured name, e.g. `case-system`.
    Target,
    /// The outbox event delivered.
    OutboxEventId,
    /// `pending`, `delivered` or `failed_permanently`.
    Status,
    /// Attempts made so far.
    Attempts,
    /// When the next attempt is due (pending rows).
    NextAttemptAt,
    /// The last attempt's error, without personal data.
    LastError,
    /// The partner's receipt for the delivered event.
    Receipt,
    /// Whether the partner said it had already received the idempotency key.
    Duplicate,
    /// When it was delivered.
    DeliveredAt,
    /// When the worker took the event on.
    CreatedAt,
    /// When the row last changed.
    UpdatedAt,
}

#[derive(DeriveIden)]
enum OutboxEvent {
    Table,
    Id,
}
