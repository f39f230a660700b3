//! Signed webhooks: `webhook_subscription` (a partner system's machine client asking to be told
//! of some event types at a URL) and `webhook_delivery` (the delivery log: one row per
//! subscription and outbox event the subscriber may see, with its idempotency key and
//! attempts; an event about a child outside the subscriber's scope gets no row).
//!
//! A subscription keeps what the subscribing client's token said about it — subject, client,
//! roles, team, school URN, agency — so that each event can be filtered by that client's row
//! scope and field classes under the access policy in force when the event is delivered. It
//! keeps the signing secret too (the server must sign with it); `docs/webhooks.md` explains the
//! trade-off. A deleted subscription keeps its row (the delivery log refers to it) with its
//! secret erased.
//!
//! No payload is stored: each attempt rebuilds the body from the outbox event and the current
//! records, so personal data is not copied into the log.

use sea_orm_migration::{prelude::*, schema::*};

/// Creates `webhook_subscription` and `webhook_delivery`.
#[derive(DeriveMigrationName)]
pub struct Migration;

const SUBSCRIPTION_CLIENT_INDEX: &str = "idx_webhook_subscription_client_id";
const DELIVERY_SUBSCRIPTION_EVENT_INDEX: &str =
    "idx_webhook_delivery_subscription_id_outbox_event_id";
const DELIVERY_KEY_INDEX: &str = "idx_webhook_delivery_idempotency_key";
const DELIVERY_EVENT_STATUS_INDEX: &str = "idx_webhook_delivery_outbox_event_id_status";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(WebhookSubscription::Table)
                    .col(pk_uuid(WebhookSubscription::Id))
                    .col(text(WebhookSubscription::ClientId))
                    .col(text(WebhookSubscription::Subject))
                    .col(text(WebhookSubscription::Roles))
                    .col(text_null(WebhookSubscription::Team))
                    .col(text_null(WebhookSubscription::SchoolUrn))
                    .col(text_null(WebhookSubscription::Agency))
                    .col(text(WebhookSubscription::Url))
                    .col(text(WebhookSubscription::EventTypes))
                    .col(text(WebhookSubscription::Secret))
                    .col(boolean(WebhookSubscription::Active).default(true))
                    .col(text_null(WebhookSubscription::InactiveReason))
                    .col(text(WebhookSubscription::CreatedBy))
                    .col(timestamp_with_time_zone(WebhookSubscription::CreatedAt))
                    .col(timestamp_with_time_zone_null(
                        WebhookSubscription::DeletedAt,
                    ))
                    .col(text_null(WebhookSubscription::DeletedBy))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name(SUBSCRIPTION_CLIENT_INDEX)
                    .table(WebhookSubscription::Table)
                    .col(WebhookSubscription::ClientId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(WebhookDelivery::Table)
                    .col(pk_uuid(WebhookDelivery::Id))
                    .col(uuid(WebhookDelivery::SubscriptionId))
                    .col(uuid(WebhookDelivery::OutboxEventId))
                    .col(text(WebhookDelivery::EventType))
                    .col(text(WebhookDelivery::IdempotencyKey))
                    .col(text(WebhookDelivery::Status))
                    .col(integer(WebhookDelivery::Attempts).default(0))
                    .col(integer_null(WebhookDelivery::ResponseStatus))
                    .col(text_null(WebhookDelivery::LastError))
                    .col(timestamp_with_time_zone_null(
                        WebhookDelivery::LastAttemptAt,
                    ))
                    .col(timestamp_with_time_zone_null(WebhookDelivery::DeliveredAt))
                    .col(timestamp_with_time_zone(WebhookDelivery::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_webhook_delivery_subscription_id")
                            .from(WebhookDelivery::Table, WebhookDelivery::SubscriptionId)
                            .to(WebhookSubscription::Table, WebhookSubscription::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_webhook_delivery_outbox_event_id")
                            .from(WebhookDelivery::Table, WebhookDelivery::OutboxEventId)
                            .to(OutboxEvent::Table, OutboxEvent::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name(DELIVERY_SUBSCRIPTION_EVENT_INDEX)
                    .table(WebhookDelivery::Table)
                    .col(WebhookDelivery::SubscriptionId)
                    .col(WebhookDelivery::OutboxEventId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name(DELIVERY_KEY_INDEX)
                    .table(WebhookDelivery::Table)
                    .col(WebhookDelivery::IdempotencyKey)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name(DELIVERY_EVENT_STATUS_INDEX)
                    .table(WebhookDelivery::Table)
                    .col(WebhookDelivery::OutboxEventId)
                    .col(WebhookDelivery::Status)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(WebhookDelivery::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(WebhookSubscription::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum WebhookSubscription {
    Table,
    Id,
    ClientId,
    Subject,
    Roles,
    Team,
    SchoolUrn,
    Agency,
    Url,
    EventTypes,
    Secret,
    Active,
    InactiveReason,
    CreatedBy,
    CreatedAt,
    DeletedAt,
    DeletedBy,
}

#[derive(DeriveIden)]
enum WebhookDelivery {
    Table,
    Id,
    SubscriptionId,
    OutboxEventId,
    EventType,
    IdempotencyKey,
    Status,
    Attempts,
    ResponseStatus,
    LastError,
    LastAttemptAt,
    DeliveredAt,
    CreatedAt,
}

#[derive(DeriveIden)]
enum OutboxEvent {
    Table,
    Id,
}
