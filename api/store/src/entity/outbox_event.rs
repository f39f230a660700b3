//! `outbox_event`: A domain event waiting to be (or already) delivered to subscribers (transactional outbox).

use sea_orm::entity::prelude::*;

/// A row of `outbox_event`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Deserialize)]
#[sea_orm(table_name = "outbox_event")]
pub struct Model {
    /// Primary key (UUIDv7).
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// When it happened.
    pub occurred_at: DateTimeUtc,
    /// Event type, e.g. `ContactRecorded`.
    #[sea_orm(column_type = "Text")]
    pub event_type: String,
    /// Type (table) of the record the event is about.
    #[sea_orm(column_type = "Text")]
    pub aggregate_type: String,
    /// Id of the record the event is about.
    pub aggregate_id: Uuid,
    /// The event as JSON.
    #[sea_orm(column_type = "Text")]
    pub payload: String,
    /// Identity-provider subject of who caused it.
    #[sea_orm(column_type = "Text")]
    pub subject: String,
    /// When it was delivered; `None` while pending.
    #[sea_orm(nullable)]
    pub delivered_at: Option<DateTimeUtc>,
    /// Delivery attempts so far.
    pub attempts: i32,
}

/// Foreign keys of `outbox_event`.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
