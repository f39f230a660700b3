//! How many tokens the last statement took from a shared rate-limit bucket
//! (`rate_limit_bucket.taken`). The server takes the tokens of every request waiting at one time
//! in one statement, several from one bucket when several requests name it; the statement
//! returns how many it took so that the server knows which requests got one.

use sea_orm_migration::{prelude::*, schema::*};

/// Adds `rate_limit_bucket.taken` (0 for the rows already there).
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(RateLimitBucket::Table)
                    .add_column(integer(RateLimitBucket::Taken).default(0))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(RateLimitBucket::Table)
                    .drop_column(RateLimitBucket::Taken)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum RateLimitBucket {
    Table,
    Taken,
}
