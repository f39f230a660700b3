//! Break-glass access: a practitioner may ask for time-limited access to a child outside their
//! scope, with a reason. Each grant is a row of `break_glass_grant`, listed for managers and
//! auditors to review. The audit trail gains the `purpose` of each access (`break_glass` for
//! reads and writes made under a grant) and the request's `correlation_id`.
//!
//! The audit columns are nullable and not backfilled: rows written before stay as they were,
//! and their hashes still verify (the chain's canonical encoding covers the new fields only
//! when they are set). One `ALTER TABLE` per column, as SQLite requires; adding a column is not
//! an `UPDATE`, so PostgreSQL's append-only trigger on `audit_event` does not object.

use sea_orm_migration::{prelude::*, schema::*};

/// Creates `break_glass_grant` and adds `purpose` and `correlation_id` to `audit_event`.
#[derive(DeriveMigrationName)]
pub struct Migration;

const SUBJECT_EXPIRES_INDEX: &str = "idx_break_glass_grant_subject_expires_at";
const PERSON_INDEX: &str = "idx_break_glass_grant_person_id";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(BreakGlassGrant::Table)
                    .col(pk_uuid(BreakGlassGrant::Id))
                    .col(uuid(BreakGlassGrant::PersonId))
                    .col(text(BreakGlassGrant::Subject))
                    .col(text_null(BreakGlassGrant::ClientId))
                    .col(text(BreakGlassGrant::Roles))
                    .col(text(BreakGlassGrant::Reason))
                    .col(timestamp_with_time_zone(BreakGlassGrant::GrantedAt))
                    .col(timestamp_with_time_zone(BreakGlassGrant::ExpiresAt))
                    .col(timestamp_with_time_zone_null(BreakGlassGrant::ReviewedAt))
                    .col(text_null(BreakGlassGrant::ReviewedBy))
                    .col(text_null(BreakGlassGrant::ReviewOutcome))
                    .col(text_null(BreakGlassGrant::ReviewNote))
                    .col(integer(BreakGlassGrant::Version).default(1))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_break_glass_grant_person_id")
                            .from(BreakGlassGrant::Table, BreakGlassGrant::PersonId)
                            .to(Person::Table, Person::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name(SUBJECT_EXPIRES_INDEX)
                    .table(BreakGlassGrant::Table)
                    .col(BreakGlassGrant::Subject)
                    .col(BreakGlassGrant::ExpiresAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name(PERSON_INDEX)
                    .table(BreakGlassGrant::Table)
                    .col(BreakGlassGrant::PersonId)
                    .to_owned(),
            )
            .await?;
        for column in [
            text_null(AuditEvent::Purpose),
            text_null(AuditEvent::CorrelationId),
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(AuditEvent::Table)
                        .add_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [AuditEvent::CorrelationId, AuditEvent::Purpose] {
            manager
                .alter_table(
                    Table::alter()
                        .table(AuditEvent::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .drop_table(Table::drop().table(BreakGlassGrant::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum BreakGlassGrant {
    Table,
    Id,
    PersonId,
    Subject,
    ClientId,
    Roles,
    Reason,
    GrantedAt,
    ExpiresAt,
    ReviewedAt,
    ReviewedBy,
    ReviewOutcome,
    ReviewNote,
    Version,
}

#[derive(DeriveIden)]
enum Person {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum AuditEvent {
    Table,
    Purpose,
    CorrelationId,
}
