//! `audit_event`: An audit record: who read or wrote which record, through which operation.

use sea_orm::entity::prelude::*;

/// A row of `audit_event`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Deserialize)]
#[sea_orm(table_name = "audit_event")]
pub struct Model {
    /// Primary key (UUIDv7).
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// When it happened.
    pub occurred_at: DateTimeUtc,
    /// The caller's identity-provider subject.
    #[sea_orm(column_type = "Text")]
    pub subject: String,
    /// The OAuth client the caller used.
    #[sea_orm(column_type = "Text", nullable)]
    pub client_id: Option<String>,
    /// The caller's roles.
    #[sea_orm(column_type = "Text")]
    pub roles: String,
    /// GraphQL operation name.
    #[sea_orm(column_type = "Text", nullable)]
    pub operation: Option<String>,
    /// `READ` or `WRITE`.
    #[sea_orm(column_type = "Text")]
    pub action: String,
    /// Table (record type) of the record.
    #[sea_orm(column_type = "Text")]
    pub record_type: String,
    /// Id of the record.
    pub record_id: Uuid,
    /// Outcome (e.g. allowed or denied).
    #[sea_orm(column_type = "Text")]
    pub outcome: String,
    /// Position in the hash chain (1, 2, 3, ...); `None` only for rows written before the chain
    /// was introduced (migration `m20261124_000009_chain_audit`).
    pub sequence: Option<i64>,
    /// Hash of the previous row in the chain (hex), or the genesis value for sequence 1.
    #[sea_orm(column_type = "Text", nullable)]
    pub previous_hash: Option<String>,
    /// SHA-256 (hex) of `previous_hash` and this row's canonical encoding.
    #[sea_orm(column_type = "Text", nullable)]
    pub hash: Option<String>,
    /// Why the record was touched, when known: `break_glass` for access under a break-glass
    /// grant; `None` for ordinary access within the caller's scope and for rows written before
    /// migration `m20261124_000012_create_break_glass`.
    #[sea_orm(column_type = "Text", nullable)]
    pub purpose: Option<String>,
    /// The request's correlation id (one per HTTP request, shared by its reads and writes).
    #[sea_orm(column_type = "Text", nullable)]
    pub correlation_id: Option<String>,
}

/// Foreign keys of `audit_event`.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
