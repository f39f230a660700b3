//! The shared rate limit: one token bucket per caller (OAuth client id + subject), kept in the
//! database so that every replica takes from the same bucket. The server updates a bucket with
//! one atomic `INSERT … ON CONFLICT DO UPDATE … RETURNING` per request on PostgreSQL; on SQLite
//! the table exists but the server keeps its buckets in memory.
//!
//! On PostgreSQL the table is `UNLOGGED` (raw SQL: sea-query has no builder for it): buckets
//! need no durability — after a crash the table comes back empty, which means every bucket is
//! full — and skipping the write-ahead log takes the commit's flush off every request.

use sea_orm_migration::sea_orm::DbBackend;
use sea_orm_migration::{prelude::*, schema::*};

/// Creates `rate_limit_bucket`.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(RateLimitBucket::Table)
                    .col(text(RateLimitBucket::BucketKey).primary_key())
                    .col(double(RateLimitBucket::Tokens))
                    .col(timestamp_with_time_zone(RateLimitBucket::RefreshedAt))
                    .col(boolean(RateLimitBucket::Granted))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_rate_limit_bucket_refreshed_at")
                    .table(RateLimitBucket::Table)
                    .col(RateLimitBucket::RefreshedAt)
                    .to_owned(),
            )
            .await?;
        if manager.get_database_backend() == DbBackend::Postgres {
            manager
                .get_connection()
                .execute_unprepared("ALTER TABLE rate_limit_bucket SET UNLOGGED")
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(RateLimitBucket::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum RateLimitBucket {
    Table,
    /// Client id and subject, separated by U+001F.
    BucketKey,
    /// Tokens left after the last request (may be fractional).
    Tokens,
    /// When `tokens` was last computed.
    RefreshedAt,
    /// Whether the last request took a token.
    Granted,
}
