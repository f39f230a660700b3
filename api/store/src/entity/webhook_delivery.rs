//! `webhook_delivery`: the webhook delivery log — one row per (subscription, outbox event) the
//! subscriber may see, with its idempotency key, attempts and outcome. No payload: each attempt
//! rebuilds the body from the outbox event and the current records.

use sea_orm::entity::prelude::*;

/// `status` of a delivery still to be made (or retried).
pub const STATUS_PENDING: &str = "pending";
/// `status` of a delivery the receiver accepted (2xx).
pub const STATUS_DELIVERED: &str = "delivered";
/// `status` of a delivery given up: a permanent error (4xx other than 408 and 429, 410 Gone, a
/// redirect), or the delivery worker's attempt limit.
pub const STATUS_FAILED: &str = "failed";
/// `status` of a delivery not made because, by the time of an attempt, the subscription was no
/// longer active or the child had left the subscriber's scope.
pub const STATUS_WITHDRAWN: &str = "withdrawn";

/// A row of `webhook_delivery`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Deserialize)]
#[sea_orm(table_name = "webhook_delivery")]
pub struct Model {
    /// Primary key (UUIDv7).
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The subscription.
    pub subscription_id: Uuid,
    /// The outbox event delivered.
    pub outbox_event_id: Uuid,
    /// The webhook event type, e.g. `lead_practitioner.allocated`.
    #[sea_orm(column_type = "Text")]
    pub event_type: String,
    /// The `webhook-id` / `Idempotency-Key` every attempt carries.
    #[sea_orm(column_type = "Text")]
    pub idempotency_key: String,
    /// [`STATUS_PENDING`], [`STATUS_DELIVERED`], [`STATUS_FAILED`] or [`STATUS_WITHDRAWN`].
    #[sea_orm(column_type = "Text")]
    pub status: String,
    /// Attempts made so far.
    pub attempts: i32,
    /// The HTTP status of the last answer, if there was one.
    #[sea_orm(nullable)]
    pub response_status: Option<i32>,
    /// The last failed attempt's error, without personal data.
    #[sea_orm(column_type = "Text", nullable)]
    pub last_error: Option<String>,
    /// When the last attempt was made.
    #[sea_orm(nullable)]
    pub last_attempt_at: Option<DateTimeUtc>,
    /// When the receiver accepted it.
    #[sea_orm(nullable)]
    pub delivered_at: Option<DateTimeUtc>,
    /// When the row was created (the event was found to be for the subscriber).
    pub created_at: DateTimeUtc,
}

/// Foreign keys of `webhook_delivery`.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// The subscription.
    #[sea_orm(
        belongs_to = "super::webhook_subscription::Entity",
        from = "Column::SubscriptionId",
        to = "super::webhook_subscription::Column::Id"
    )]
    Subscription,
    /// The outbox event.
    #[sea_orm(
        belongs_to = "super::outbox_event::Entity",
        from = "Column::OutboxEventId",
        to = "super::outbox_event::Column::Id",
        on_delete = "Cascade"
    )]
    OutboxEvent,
}

impl Related<super::webhook_subscription::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Subscription.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
