//! `outbox_delivery`: one outbox event's delivery to one delivery target (the case system, a
//! partner's webhook): attempts, back-off, last error, receipt. Unique per (`target`,
//! `outbox_event_id`).

use sea_orm::entity::prelude::*;

/// `status` of a delivery still to be made (or retried).
pub const STATUS_PENDING: &str = "pending";
/// `status` of a delivery the target accepted (or already had).
pub const STATUS_DELIVERED: &str = "delivered";
/// `status` of a delivery given up: a permanent error, or too many attempts (a dead letter).
pub const STATUS_FAILED_PERMANENTLY: &str = "failed_permanently";

/// A row of `outbox_delivery`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Deserialize)]
#[sea_orm(table_name = "outbox_delivery")]
pub struct Model {
    /// Primary key (UUIDv7).
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The delivery target's configured name, e.g. `case-system`.
    #[sea_orm(column_type = "Text")]
    pub target: String,
    /// The outbox event delivered.
    pub outbox_event_id: Uuid,
    /// [`STATUS_PENDING`], [`STATUS_DELIVERED`] or [`STATUS_FAILED_PERMANENTLY`].
    #[sea_orm(column_type = "Text")]
    pub status: String,
    /// Attempts made so far.
    pub attempts: i32,
    /// When the next attempt is due (pending rows).
    pub next_attempt_at: DateTimeUtc,
    /// The last attempt's error, without personal data.
    #[sea_orm(column_type = "Text", nullable)]
    pub last_error: Option<String>,
    /// The target's receipt for the delivered event.
    #[sea_orm(column_type = "Text", nullable)]
    pub receipt: Option<String>,
    /// Whether the target said it had already received the idempotency key.
    pub duplicate: bool,
    /// When it was delivered.
    #[sea_orm(nullable)]
    pub delivered_at: Option<DateTimeUtc>,
    /// When the worker took the event on.
    pub created_at: DateTimeUtc,
    /// When the row last changed.
    pub updated_at: DateTimeUtc,
}

/// Foreign keys of `outbox_delivery`.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// The outbox event.
    #[sea_orm(
        belongs_to = "super::outbox_event::Entity",
        from = "Column::OutboxEventId",
        to = "super::outbox_event::Column::Id",
        on_delete = "Cascade"
    )]
    OutboxEvent,
}

impl Related<super::outbox_event::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::OutboxEvent.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
