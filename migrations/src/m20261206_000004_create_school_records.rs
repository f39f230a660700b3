//! What intake needs beyond the case-work schema: schools' attendance summaries and
//! suspensions (from a school MIS), and a referral's "no further action" flag (the CIN
//! census `ReferralNFA`, which a case system's CIN episode carries).

use sea_orm_migration::{prelude::*, schema::*};

/// Creates `attendance_summary` and `school_suspension`; adds `referral.no_further_action`.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(AttendanceSummary::Table)
                    .col(pk_uuid(AttendanceSummary::Id))
                    .col(uuid(AttendanceSummary::PersonId))
                    .col(uuid(AttendanceSummary::AgencyId))
                    .col(date_null(AttendanceSummary::PeriodStart))
                    .col(date_null(AttendanceSummary::PeriodEnd))
                    .col(integer(AttendanceSummary::SessionsPossible))
                    .col(integer(AttendanceSummary::SessionsAttended))
                    .col(integer(AttendanceSummary::SessionsAuthorisedAbsence))
                    .col(integer(AttendanceSummary::SessionsUnauthorisedAbsence))
                    .col(boolean(AttendanceSummary::PersistentlyAbsent))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_attendance_summary_person_id")
                            .from(AttendanceSummary::Table, AttendanceSummary::PersonId)
                            .to(Person::Table, Person::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_attendance_summary_agency_id")
                            .from(AttendanceSummary::Table, AttendanceSummary::AgencyId)
                            .to(Agency::Table, Agency::Id),
                    )
                    .to_owned(),
            )
            .await?;
        for (name, col) in [
            (
                "idx_attendance_summary_person_id",
                AttendanceSummary::PersonId,
            ),
            (
                "idx_attendance_summary_agency_id",
                AttendanceSummary::AgencyId,
            ),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(AttendanceSummary::Table)
                        .col(col)
                        .to_owned(),
                )
                .await?;
        }

        manager
            .create_table(
                Table::create()
                    .table(SchoolSuspension::Table)
                    .col(pk_uuid(SchoolSuspension::Id))
                    .col(uuid(SchoolSuspension::PersonId))
                    .col(uuid(SchoolSuspension::AgencyId))
                    .col(boolean(SchoolSuspension::Permanent))
                    .col(date_null(SchoolSuspension::StartedOn))
                    .col(date_null(SchoolSuspension::EndedOn))
                    .col(integer_null(SchoolSuspension::Sessions))
                    .col(text_null(SchoolSuspension::Reason))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_school_suspension_person_id")
                            .from(SchoolSuspension::Table, SchoolSuspension::PersonId)
                            .to(Person::Table, Person::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_school_suspension_agency_id")
                            .from(SchoolSuspension::Table, SchoolSuspension::AgencyId)
                            .to(Agency::Table, Agency::Id),
                    )
                    .to_owned(),
            )
            .await?;
        for (name, col) in [
            (
                "idx_school_suspension_person_id",
                SchoolSuspension::PersonId,
            ),
            (
                "idx_school_suspension_agency_id",
                SchoolSuspension::AgencyId,
            ),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(SchoolSuspension::Table)
                        .col(col)
                        .to_owned(),
                )
                .await?;
        }

        manager
            .alter_table(
                Table::alter()
                    .table(Referral::Table)
                    .add_column(boolean_null(Referral::NoFurtherAction))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Referral::Table)
                    .drop_column(Referral::NoFurtherAction)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table(SchoolSuspension::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(AttendanceSummary::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum Person {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Agency {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Referral {
    Table,
    NoFurtherAction,
}

#[derive(DeriveIden)]
enum AttendanceSummary {
    Table,
    Id,
    PersonId,
    AgencyId,
    PeriodStart,
    PeriodEnd,
    SessionsPossible,
    SessionsAttended,
    SessionsAuthorisedAbsence,
    SessionsUnauthorisedAbsence,
    PersistentlyAbsent,
}

#[derive(DeriveIden)]
enum SchoolSuspension {
    Table,
    Id,
    PersonId,
    AgencyId,
    Permanent,
    StartedOn,
    EndedOn,
    Sessions,
    Reason,
}
