//! Tamper-evident audit: hash-chains `audit_event`.
//!
//! Adds `sequence` (the row's position in the chain, unique), `previous_hash` (the hash of the
//! row before it, or the genesis value for the first) and `hash` (SHA-256 of `previous_hash`
//! and the row's canonical encoding, hex). All three are nullable: rows written before this
//! migration are not backfilled and stay outside the chain, which starts at the first row
//! appended after it (sequence 1). `familygraph audit verify` counts such unchained rows
//! separately. One `ALTER TABLE` per column, and the unique index apart from the column, as
//! SQLite requires.

use sea_orm_migration::{prelude::*, schema::*};

/// Adds the hash-chain columns to `audit_event`.
#[derive(DeriveMigrationName)]
pub struct Migration;

const SEQUENCE_INDEX: &str = "uq_audit_event_sequence";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [
            big_integer_null(AuditEvent::Sequence),
            text_null(AuditEvent::PreviousHash),
            text_null(AuditEvent::Hash),
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
        manager
            .create_index(
                Index::create()
                    .name(SEQUENCE_INDEX)
                    .table(AuditEvent::Table)
                    .col(AuditEvent::Sequence)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name(SEQUENCE_INDEX)
                    .table(AuditEvent::Table)
                    .to_owned(),
            )
            .await?;
        for column in [
            AuditEvent::Hash,
            AuditEvent::PreviousHash,
            AuditEvent::Sequence,
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(AuditEvent::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum AuditEvent {
    Table,
    Sequence,
    PreviousHash,
    Hash,
}
