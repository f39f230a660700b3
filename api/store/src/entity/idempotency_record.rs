//! `idempotency_record`: The record a mutation created, by the caller's idempotency key; unique per (`subject`, `idempotency_key`).

use sea_orm::entity::prelude::*;

/// A row of `idempotency_record`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Deserialize)]
#[sea_orm(table_name = "idempotency_record")]
pub struct Model {
    /// Primary key (UUIDv7).
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The caller's identity-provider subject.
    #[sea_orm(column_type = "Text")]
    pub subject: String,
    /// The caller's idempotency key.
    #[sea_orm(column_type = "Text")]
    pub idempotency_key: String,
    /// GraphQL operation (mutation) name.
    #[sea_orm(column_type = "Text")]
    pub operation: String,
    /// Type (table) of the record created.
    #[sea_orm(column_type = "Text")]
    pub record_type: String,
    /// Id of the record created.
    pub record_id: Uuid,
    /// When the record was created.
    pub created_at: DateTimeUtc,
}

/// Foreign keys of `idempotency_record`.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
