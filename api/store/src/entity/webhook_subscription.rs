//! `webhook_subscription`: a partner system's machine client asking to be told of some event
//! types at a URL, with what its token said about it (for filtering by its access policy) and
//! the secret its deliveries are signed with.

use sea_orm::entity::prelude::*;

/// A row of `webhook_subscription`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Deserialize)]
#[sea_orm(table_name = "webhook_subscription")]
pub struct Model {
    /// Primary key (UUIDv7).
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The OAuth client that subscribed (and owns the subscription).
    #[sea_orm(column_type = "Text")]
    pub client_id: String,
    /// The subscribing token's subject.
    #[sea_orm(column_type = "Text")]
    pub subject: String,
    /// The subscribing token's roles, comma-separated role names.
    #[sea_orm(column_type = "Text")]
    pub roles: String,
    /// The subscribing token's team code, if any.
    #[sea_orm(column_type = "Text", nullable)]
    pub team: Option<String>,
    /// The school the subscribing client acts for, if any.
    #[sea_orm(column_type = "Text", nullable)]
    pub school_urn: Option<String>,
    /// The agency the subscribing client acts for, if any.
    #[sea_orm(column_type = "Text", nullable)]
    pub agency: Option<String>,
    /// Where events are POSTed.
    #[sea_orm(column_type = "Text")]
    pub url: String,
    /// The event types subscribed to, comma-separated (e.g. `lead_practitioner.allocated`).
    #[sea_orm(column_type = "Text")]
    pub event_types: String,
    /// The signing secret, `whsec_<base64>`; empty once deleted.
    #[sea_orm(column_type = "Text")]
    pub secret: String,
    /// Whether events are delivered.
    pub active: bool,
    /// Why it stopped, e.g. `gone` (the receiver answered 410) or `deleted`.
    #[sea_orm(column_type = "Text", nullable)]
    pub inactive_reason: Option<String>,
    /// Subject of who created it.
    #[sea_orm(column_type = "Text")]
    pub created_by: String,
    /// When it was created.
    pub created_at: DateTimeUtc,
    /// When it was deleted, if it was.
    #[sea_orm(nullable)]
    pub deleted_at: Option<DateTimeUtc>,
    /// Subject of who deleted it.
    #[sea_orm(column_type = "Text", nullable)]
    pub deleted_by: Option<String>,
}

/// Foreign keys of `webhook_subscription`.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
