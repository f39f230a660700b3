//! Workflow: the transactional outbox, idempotency records for mutations, strategy discussions
//! (with the agencies taking part), Family Group Decision Making meetings, family network
//! support packages and what partner agencies record; plus a `version` column on `contact`,
//! `family_help_episode` and `involvement` for optimistic concurrency.

use sea_orm_migration::{prelude::*, schema::*};

/// Creates `outbox_event`, `idempotency_record`, `strategy_discussion`,
/// `strategy_participant`, `fgdm_meeting`, `support_package` and `partner_record`, and adds
/// `version` to `contact`, `family_help_episode` and `involvement`.
#[derive(DeriveMigrationName)]
pub struct Migration;

/// The version of a row that has never been updated (`version` columns default to it, so
/// existing rows get it when the column is added).
const FIRST_VERSION: i32 = 1;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // outbox_event
        manager
            .create_table(
                Table::create()
                    .table(OutboxEvent::Table)
                    .col(pk_uuid(OutboxEvent::Id))
                    .col(timestamp_with_time_zone(OutboxEvent::OccurredAt))
                    .col(text(OutboxEvent::EventType))
                    .col(text(OutboxEvent::AggregateType))
                    .col(uuid(OutboxEvent::AggregateId))
                    .col(text(OutboxEvent::Payload))
                    .col(text(OutboxEvent::Subject))
                    .col(timestamp_with_time_zone_null(OutboxEvent::DeliveredAt))
                    .col(integer(OutboxEvent::Attempts).default(0))
                    .to_owned(),
            )
            .await?;
        // The relay's query: undelivered events, oldest first.
        index(
            manager,
            "idx_outbox_event_delivered_at_occurred_at",
            OutboxEvent::Table,
            [OutboxEvent::DeliveredAt, OutboxEvent::OccurredAt],
            false,
        )
        .await?;

        // idempotency_record
        manager
            .create_table(
                Table::create()
                    .table(IdempotencyRecord::Table)
                    .col(pk_uuid(IdempotencyRecord::Id))
                    .col(text(IdempotencyRecord::Subject))
                    .col(text(IdempotencyRecord::IdempotencyKey))
                    .col(text(IdempotencyRecord::Operation))
                    .col(text(IdempotencyRecord::RecordType))
                    .col(uuid(IdempotencyRecord::RecordId))
                    .col(timestamp_with_time_zone(IdempotencyRecord::CreatedAt))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "uq_idempotency_record_subject_idempotency_key",
            IdempotencyRecord::Table,
            [
                IdempotencyRecord::Subject,
                IdempotencyRecord::IdempotencyKey,
            ],
            true,
        )
        .await?;

        // strategy_discussion
        manager
            .create_table(
                Table::create()
                    .table(StrategyDiscussion::Table)
                    .col(pk_uuid(StrategyDiscussion::Id))
                    .col(uuid(StrategyDiscussion::PersonId))
                    .col(date(StrategyDiscussion::HeldOn))
                    .col(uuid(StrategyDiscussion::ChairPractitionerId))
                    .col(text_null(StrategyDiscussion::Decision))
                    .col(timestamp_with_time_zone(StrategyDiscussion::CreatedAt))
                    .foreign_key(
                        fk(
                            "fk_strategy_discussion_person_id",
                            StrategyDiscussion::Table,
                            StrategyDiscussion::PersonId,
                            Person::Table,
                            Person::Id,
                        )
                        .on_delete(ForeignKeyAction::Restrict),
                    )
                    .foreign_key(&mut fk(
                        "fk_strategy_discussion_chair_practitioner_id",
                        StrategyDiscussion::Table,
                        StrategyDiscussion::ChairPractitionerId,
                        Practitioner::Table,
                        Practitioner::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_strategy_discussion_person_id",
            StrategyDiscussion::Table,
            [StrategyDiscussion::PersonId],
            false,
        )
        .await?;
        index(
            manager,
            "idx_strategy_discussion_chair_practitioner_id",
            StrategyDiscussion::Table,
            [StrategyDiscussion::ChairPractitionerId],
            false,
        )
        .await?;

        // strategy_participant
        manager
            .create_table(
                Table::create()
                    .table(StrategyParticipant::Table)
                    .col(pk_uuid(StrategyParticipant::Id))
                    .col(uuid(StrategyParticipant::StrategyDiscussionId))
                    .col(uuid(StrategyParticipant::AgencyId))
                    .col(uuid_null(StrategyParticipant::PractitionerId))
                    .foreign_key(
                        fk(
                            "fk_strategy_participant_strategy_discussion_id",
                            StrategyParticipant::Table,
                            StrategyParticipant::StrategyDiscussionId,
                            StrategyDiscussion::Table,
                            StrategyDiscussion::Id,
                        )
                        .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(&mut fk(
                        "fk_strategy_participant_agency_id",
                        StrategyParticipant::Table,
                        StrategyParticipant::AgencyId,
                        Agency::Table,
                        Agency::Id,
                    ))
                    .foreign_key(&mut fk(
                        "fk_strategy_participant_practitioner_id",
                        StrategyParticipant::Table,
                        StrategyParticipant::PractitionerId,
                        Practitioner::Table,
                        Practitioner::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_strategy_participant_strategy_discussion_id",
            StrategyParticipant::Table,
            [StrategyParticipant::StrategyDiscussionId],
            false,
        )
        .await?;
        index(
            manager,
            "idx_strategy_participant_agency_id",
            StrategyParticipant::Table,
            [StrategyParticipant::AgencyId],
            false,
        )
        .await?;
        index(
            manager,
            "idx_strategy_participant_practitioner_id",
            StrategyParticipant::Table,
            [StrategyParticipant::PractitionerId],
            false,
        )
        .await?;

        // fgdm_meeting
        manager
            .create_table(
                Table::create()
                    .table(FgdmMeeting::Table)
                    .col(pk_uuid(FgdmMeeting::Id))
                    .col(uuid(FgdmMeeting::FamilyNetworkId))
                    .col(date(FgdmMeeting::OfferedOn))
                    .col(text(FgdmMeeting::OfferedTo))
                    .col(text(FgdmMeeting::Stage))
                    .col(text_null(FgdmMeeting::Response))
                    .col(date_null(FgdmMeeting::RespondedOn))
                    .col(date_null(FgdmMeeting::HeldOn))
                    .col(text_null(FgdmMeeting::Facilitator))
                    .col(boolean_null(FgdmMeeting::ChildAttended))
                    .col(integer(FgdmMeeting::Version).default(FIRST_VERSION))
                    .foreign_key(
                        fk(
                            "fk_fgdm_meeting_family_network_id",
                            FgdmMeeting::Table,
                            FgdmMeeting::FamilyNetworkId,
                            FamilyNetwork::Table,
                            FamilyNetwork::Id,
                        )
                        .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_fgdm_meeting_family_network_id",
            FgdmMeeting::Table,
            [FgdmMeeting::FamilyNetworkId],
            false,
        )
        .await?;

        // support_package
        manager
            .create_table(
                Table::create()
                    .table(SupportPackage::Table)
                    .col(pk_uuid(SupportPackage::Id))
                    .col(uuid(SupportPackage::FamilyNetworkId))
                    .col(text(SupportPackage::Kind))
                    .col(text(SupportPackage::Description))
                    .col(integer_null(SupportPackage::AmountPence))
                    .col(date(SupportPackage::StartedOn))
                    .col(date_null(SupportPackage::EndedOn))
                    .foreign_key(
                        fk(
                            "fk_support_package_family_network_id",
                            SupportPackage::Table,
                            SupportPackage::FamilyNetworkId,
                            FamilyNetwork::Table,
                            FamilyNetwork::Id,
                        )
                        .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_support_package_family_network_id",
            SupportPackage::Table,
            [SupportPackage::FamilyNetworkId],
            false,
        )
        .await?;

        // partner_record
        manager
            .create_table(
                Table::create()
                    .table(PartnerRecord::Table)
                    .col(pk_uuid(PartnerRecord::Id))
                    .col(uuid(PartnerRecord::AgencyId))
                    .col(uuid_null(PartnerRecord::PersonId))
                    .col(uuid_null(PartnerRecord::FamilyId))
                    .col(text(PartnerRecord::Kind))
                    .col(text(PartnerRecord::Description))
                    .col(date(PartnerRecord::OccurredOn))
                    .col(text(PartnerRecord::LawfulBasis))
                    .col(text(PartnerRecord::RecordedBy))
                    .col(uuid_null(PartnerRecord::ContactId))
                    .col(timestamp_with_time_zone(PartnerRecord::CreatedAt))
                    .foreign_key(&mut fk(
                        "fk_partner_record_agency_id",
                        PartnerRecord::Table,
                        PartnerRecord::AgencyId,
                        Agency::Table,
                        Agency::Id,
                    ))
                    .foreign_key(&mut fk(
                        "fk_partner_record_person_id",
                        PartnerRecord::Table,
                        PartnerRecord::PersonId,
                        Person::Table,
                        Person::Id,
                    ))
                    .foreign_key(&mut fk(
                        "fk_partner_record_family_id",
                        PartnerRecord::Table,
                        PartnerRecord::FamilyId,
                        Family::Table,
                        Family::Id,
                    ))
                    .foreign_key(
                        fk(
                            "fk_partner_record_contact_id",
                            PartnerRecord::Table,
                            PartnerRecord::ContactId,
                            Contact::Table,
                            Contact::Id,
                        )
                        .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_partner_record_agency_id",
            PartnerRecord::Table,
            [PartnerRecord::AgencyId],
            false,
        )
        .await?;
        index(
            manager,
            "idx_partner_record_person_id",
            PartnerRecord::Table,
            [PartnerRecord::PersonId],
            false,
        )
        .await?;
        index(
            manager,
            "idx_partner_record_family_id",
            PartnerRecord::Table,
            [PartnerRecord::FamilyId],
            false,
        )
        .await?;
        index(
            manager,
            "idx_partner_record_contact_id",
            PartnerRecord::Table,
            [PartnerRecord::ContactId],
            false,
        )
        .await?;

        // `version` on existing tables: NOT NULL, so it needs a default for the rows already
        // there. One column per statement (SQLite allows one change per ALTER TABLE).
        for table in versioned_tables() {
            manager
                .alter_table(
                    Table::alter()
                        .table(table)
                        .add_column(integer(Versioned::Version).default(FIRST_VERSION))
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in versioned_tables() {
            manager
                .alter_table(
                    Table::alter()
                        .table(table)
                        .drop_column(Versioned::Version)
                        .to_owned(),
                )
                .await?;
        }
        // Children before parents.
        for table in [
            PartnerRecord::Table.into_iden(),
            SupportPackage::Table.into_iden(),
            FgdmMeeting::Table.into_iden(),
            StrategyParticipant::Table.into_iden(),
            StrategyDiscussion::Table.into_iden(),
            IdempotencyRecord::Table.into_iden(),
            OutboxEvent::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

/// The existing tables that gain a `version` column.
fn versioned_tables() -> [DynIden; 3] {
    [
        Contact::Table.into_iden(),
        FamilyHelpEpisode::Table.into_iden(),
        Involvement::Table.into_iden(),
    ]
}

/// A named foreign key `from_table.from_col → to_table.to_col`.
fn fk<FT, FC, TT, TC>(
    name: &str,
    from_table: FT,
    from_col: FC,
    to_table: TT,
    to_col: TC,
) -> ForeignKeyCreateStatement
where
    FT: IntoIden,
    FC: IntoIden,
    TT: IntoIden,
    TC: IntoIden,
{
    ForeignKey::create()
        .name(name)
        .from(from_table, from_col)
        .to(to_table, to_col)
        .to_owned()
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
enum Agency {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Practitioner {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Person {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Family {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum FamilyNetwork {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Contact {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum FamilyHelpEpisode {
    Table,
}

#[derive(DeriveIden)]
enum Involvement {
    Table,
}

/// The column this migration adds to each of [`versioned_tables`].
#[derive(DeriveIden)]
enum Versioned {
    Version,
}

#[derive(DeriveIden)]
enum OutboxEvent {
    Table,
    Id,
    OccurredAt,
    EventType,
    AggregateType,
    AggregateId,
    Payload,
    Subject,
    DeliveredAt,
    Attempts,
}

#[derive(DeriveIden)]
enum IdempotencyRecord {
    Table,
    Id,
    Subject,
    IdempotencyKey,
    Operation,
    RecordType,
    RecordId,
    CreatedAt,
}

#[derive(DeriveIden)]
enum StrategyDiscussion {
    Table,
    Id,
    PersonId,
    HeldOn,
    ChairPractitionerId,
    Decision,
    CreatedAt,
}

#[derive(DeriveIden)]
enum StrategyParticipant {
    Table,
    Id,
    StrategyDiscussionId,
    AgencyId,
    PractitionerId,
}

#[derive(DeriveIden)]
enum FgdmMeeting {
    Table,
    Id,
    FamilyNetworkId,
    OfferedOn,
    OfferedTo,
    Stage,
    Response,
    RespondedOn,
    HeldOn,
    Facilitator,
    ChildAttended,
    Version,
}

#[derive(DeriveIden)]
enum SupportPackage {
    Table,
    Id,
    FamilyNetworkId,
    Kind,
    Description,
    AmountPence,
    StartedOn,
    EndedOn,
}

#[derive(DeriveIden)]
enum PartnerRecord {
    Table,
    Id,
    AgencyId,
    PersonId,
    FamilyId,
    Kind,
    Description,
    OccurredOn,
    LawfulBasis,
    RecordedBy,
    ContactId,
    CreatedAt,
}
