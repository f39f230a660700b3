//! Intake: adapter runs and their rejections, the map from source records to the rows they
//! became (idempotent re-runs), the identity review queue and reversible person merges.

use sea_orm_migration::{prelude::*, schema::*};

/// Creates `adapter_run`, `adapter_rejection`, `source_record`, `identity_candidate` and
/// `person_merge`, and indexes `person.date_of_birth` for identity resolution.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(AdapterRun::Table)
                    .col(pk_uuid(AdapterRun::Id))
                    .col(text(AdapterRun::Adapter))
                    .col(text(AdapterRun::Trigger))
                    .col(text(AdapterRun::StartedBy))
                    .col(text(AdapterRun::Status))
                    .col(big_integer(AdapterRun::ReadCount))
                    .col(big_integer(AdapterRun::CreatedCount))
                    .col(big_integer(AdapterRun::UpdatedCount))
                    .col(big_integer(AdapterRun::UnchangedCount))
                    .col(big_integer(AdapterRun::RejectedCount))
                    .col(big_integer(AdapterRun::QueuedForReviewCount))
                    .col(text_null(AdapterRun::Cursor))
                    .col(text_null(AdapterRun::Failure))
                    .col(timestamp_with_time_zone(AdapterRun::StartedAt))
                    .col(timestamp_with_time_zone_null(AdapterRun::FinishedAt))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_adapter_run_adapter_started_at",
            AdapterRun::Table,
            [AdapterRun::Adapter, AdapterRun::StartedAt],
            false,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(AdapterRejection::Table)
                    .col(pk_uuid(AdapterRejection::Id))
                    .col(uuid(AdapterRejection::RunId))
                    .col(big_integer(AdapterRejection::Seq))
                    .col(text(AdapterRejection::Document))
                    .col(text(AdapterRejection::Pointer))
                    .col(text(AdapterRejection::Reason))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_adapter_rejection_run_id")
                            .from(AdapterRejection::Table, AdapterRejection::RunId)
                            .to(AdapterRun::Table, AdapterRun::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "uq_adapter_rejection_run_id_seq",
            AdapterRejection::Table,
            [AdapterRejection::RunId, AdapterRejection::Seq],
            true,
        )
        .await?;

        // No foreign keys to `person`: a merge moves these rows (recorded in `person_merge`)
        // rather than letting a cascade remove them.
        manager
            .create_table(
                Table::create()
                    .table(SourceRecord::Table)
                    .col(pk_uuid(SourceRecord::Id))
                    .col(text(SourceRecord::RecordKind))
                    .col(text(SourceRecord::SourceSystem))
                    .col(text(SourceRecord::SourceId))
                    .col(text(SourceRecord::EntityType))
                    .col(uuid(SourceRecord::EntityId))
                    .col(uuid_null(SourceRecord::PersonId))
                    .col(text(SourceRecord::ContentHash))
                    .col(uuid(SourceRecord::RunId))
                    .col(timestamp_with_time_zone(SourceRecord::AppliedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_source_record_run_id")
                            .from(SourceRecord::Table, SourceRecord::RunId)
                            .to(AdapterRun::Table, AdapterRun::Id),
                    )
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "uq_source_record_kind_system_id",
            SourceRecord::Table,
            [
                SourceRecord::RecordKind,
                SourceRecord::SourceSystem,
                SourceRecord::SourceId,
            ],
            true,
        )
        .await?;
        index(
            manager,
            "idx_source_record_person_id",
            SourceRecord::Table,
            [SourceRecord::PersonId],
            false,
        )
        .await?;
        index(
            manager,
            "idx_source_record_run_id",
            SourceRecord::Table,
            [SourceRecord::RunId],
            false,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(IdentityCandidate::Table)
                    .col(pk_uuid(IdentityCandidate::Id))
                    .col(uuid(IdentityCandidate::PersonId))
                    .col(uuid(IdentityCandidate::CandidatePersonId))
                    .col(text(IdentityCandidate::Status))
                    .col(integer(IdentityCandidate::Score))
                    .col(text(IdentityCandidate::Evidence))
                    .col(uuid_null(IdentityCandidate::RunId))
                    .col(text_null(IdentityCandidate::SourceSystem))
                    .col(text_null(IdentityCandidate::SourceId))
                    .col(timestamp_with_time_zone(IdentityCandidate::CreatedAt))
                    .col(text_null(IdentityCandidate::DecidedBy))
                    .col(timestamp_with_time_zone_null(IdentityCandidate::DecidedAt))
                    .col(text_null(IdentityCandidate::DecisionReason))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_identity_candidate_run_id")
                            .from(IdentityCandidate::Table, IdentityCandidate::RunId)
                            .to(AdapterRun::Table, AdapterRun::Id),
                    )
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "uq_identity_candidate_person_id_candidate_person_id",
            IdentityCandidate::Table,
            [
                IdentityCandidate::PersonId,
                IdentityCandidate::CandidatePersonId,
            ],
            true,
        )
        .await?;
        index(
            manager,
            "idx_identity_candidate_status_created_at",
            IdentityCandidate::Table,
            [IdentityCandidate::Status, IdentityCandidate::CreatedAt],
            false,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(PersonMerge::Table)
                    .col(pk_uuid(PersonMerge::Id))
                    .col(uuid_null(PersonMerge::CandidateId))
                    .col(uuid(PersonMerge::SurvivorId))
                    .col(uuid(PersonMerge::MergedId))
                    .col(text(PersonMerge::MergedPerson))
                    .col(text(PersonMerge::Moved))
                    .col(text(PersonMerge::MergedBy))
                    .col(timestamp_with_time_zone(PersonMerge::MergedAt))
                    .col(text_null(PersonMerge::UndoneBy))
                    .col(timestamp_with_time_zone_null(PersonMerge::UndoneAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_person_merge_candidate_id")
                            .from(PersonMerge::Table, PersonMerge::CandidateId)
                            .to(IdentityCandidate::Table, IdentityCandidate::Id),
                    )
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_person_merge_candidate_id",
            PersonMerge::Table,
            [PersonMerge::CandidateId],
            false,
        )
        .await?;
        // Identity resolution looks for persons born on the same day as each new person.
        index(
            manager,
            "idx_person_date_of_birth",
            Person::Table,
            [Person::DateOfBirth],
            false,
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("idx_person_date_of_birth")
                    .table(Person::Table)
                    .to_owned(),
            )
            .await?;
        for table in [
            PersonMerge::Table.into_iden(),
            IdentityCandidate::Table.into_iden(),
            SourceRecord::Table.into_iden(),
            AdapterRejection::Table.into_iden(),
            AdapterRun::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

/// Creates an index over `cols`, unique when `unique` is set.
async fn index<T, C, const N: usize>(
    manager: &SchemaManager<'_>,
    name: &str,
    table: T,
    cols: [C; N],
    unique: bool,
) -> Result<(), DbErr>
where
    T: IntoIden,
    C: IntoIden,
{
    let mut stmt = Index::create();
    stmt.name(name).table(table);
    for col in cols {
        stmt.col(col);
    }
    if unique {
        stmt.unique();
    }
    manager.create_index(stmt.to_owned()).await
}

#[derive(DeriveIden)]
enum Person {
    Table,
    DateOfBirth,
}

#[derive(DeriveIden)]
enum AdapterRun {
    Table,
    Id,
    /// The adapter's name, e.g. `cin-census`.
    Adapter,
    /// `COMMAND_LINE`, `ADMINISTRATOR` or `SCHEDULE`.
    Trigger,
    /// Who started the run (an operator's name or a subject).
    StartedBy,
    /// `RUNNING`, `SUCCEEDED`, `SUCCEEDED_WITH_REJECTIONS` or `FAILED`.
    Status,
    ReadCount,
    CreatedCount,
    UpdatedCount,
    UnchangedCount,
    RejectedCount,
    QueuedForReviewCount,
    /// The cursor saved after the last applied batch.
    Cursor,
    /// The error that stopped the run, if any.
    Failure,
    StartedAt,
    FinishedAt,
}

#[derive(DeriveIden)]
enum AdapterRejection {
    Table,
    Id,
    RunId,
    /// Order of the rejection within its run.
    Seq,
    Document,
    Pointer,
    Reason,
}

#[derive(DeriveIden)]
enum SourceRecord {
    Table,
    Id,
    RecordKind,
    SourceSystem,
    SourceId,
    /// The familygraph table the record became, e.g. `person`.
    EntityType,
    EntityId,
    /// The child the record is about, if any.
    PersonId,
    /// SHA-256 (hex) of the record as last applied.
    ContentHash,
    /// The run that last applied the record.
    RunId,
    AppliedAt,
}

#[derive(DeriveIden)]
enum IdentityCandidate {
    Table,
    Id,
    /// The person created from the incoming record.
    PersonId,
    /// The existing person it may be.
    CandidatePersonId,
    /// `PENDING`, `CONFIRMED`, `REJECTED` or `UNDONE`.
    Status,
    /// Match score, 0–100.
    Score,
    /// JSON: which fields matched or conflicted.
    Evidence,
    RunId,
    SourceSystem,
    SourceId,
    CreatedAt,
    DecidedBy,
    DecidedAt,
    DecisionReason,
}

#[derive(DeriveIden)]
enum PersonMerge {
    Table,
    Id,
    CandidateId,
    /// The person kept.
    SurvivorId,
    /// The person merged into the survivor (its row is removed while merged).
    MergedId,
    /// JSON snapshot of the merged person's row, to restore on undo.
    MergedPerson,
    /// JSON: every row moved or removed by the merge.
    Moved,
    MergedBy,
    MergedAt,
    UndoneBy,
    UndoneAt,
}
