//! Adapter notes: a value left out of an otherwise good record during a run, and why. The
//! record itself was applied; the note says where the value was (document + pointer) and why it
//! was left out, never the value. Kept beside the run's rejections, in the same shape: one row
//! per note, ordered within its run by `seq`, removed with its run.

use sea_orm_migration::{prelude::*, schema::*};

/// Creates `adapter_note`.
#[derive(DeriveMigrationName)]
pub struct Migration;

/// The unique index of a note's place in its run.
const RUN_SEQ_INDEX: &str = "uq_adapter_note_run_id_seq";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(AdapterNote::Table)
                    .col(pk_uuid(AdapterNote::Id))
                    .col(uuid(AdapterNote::RunId))
                    .col(big_integer(AdapterNote::Seq))
                    .col(text(AdapterNote::Document))
                    .col(text(AdapterNote::Pointer))
                    .col(text(AdapterNote::Reason))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_adapter_note_run_id")
                            .from(AdapterNote::Table, AdapterNote::RunId)
                            .to(AdapterRun::Table, AdapterRun::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name(RUN_SEQ_INDEX)
                    .table(AdapterNote::Table)
                    .col(AdapterNote::RunId)
                    .col(AdapterNote::Seq)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(AdapterNote::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum AdapterRun {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum AdapterNote {
    Table,
    Id,
    RunId,
    /// Order of the note within its run.
    Seq,
    /// The document (file or URL) the record was in.
    Document,
    /// The place in the document, empty for the whole document.
    Pointer,
    /// Why the value was left out (never the value).
    Reason,
}
