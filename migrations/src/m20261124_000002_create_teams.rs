//! Teams and practitioners: agencies, teams, practitioners and team memberships.

use sea_orm_migration::{prelude::*, schema::*};

/// Creates `agency`, `team`, `practitioner` and `team_membership`.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Agency::Table)
                    .col(pk_uuid(Agency::Id))
                    .col(text(Agency::Kind))
                    .col(text(Agency::Name))
                    .col(text_null(Agency::Urn).unique_key())
                    .col(text_null(Agency::OdsCode).unique_key())
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Team::Table)
                    .col(pk_uuid(Team::Id))
                    .col(text_uniq(Team::Code))
                    .col(text(Team::Name))
                    .col(text(Team::Kind))
                    .col(uuid_null(Team::LocalityId))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_team_locality_id")
                            .from(Team::Table, Team::LocalityId)
                            .to(Locality::Table, Locality::Id),
                    )
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_team_locality_id",
            Team::Table,
            [Team::LocalityId],
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(Practitioner::Table)
                    .col(pk_uuid(Practitioner::Id))
                    .col(text_null(Practitioner::Subject).unique_key())
                    .col(text(Practitioner::GivenName))
                    .col(text(Practitioner::FamilyName))
                    .col(text(Practitioner::Role))
                    .col(uuid(Practitioner::AgencyId))
                    .col(text_null(Practitioner::RegistrationNumber))
                    .col(text_null(Practitioner::Email))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_practitioner_agency_id")
                            .from(Practitioner::Table, Practitioner::AgencyId)
                            .to(Agency::Table, Agency::Id),
                    )
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_practitioner_agency_id",
            Practitioner::Table,
            [Practitioner::AgencyId],
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(TeamMembership::Table)
                    .col(pk_uuid(TeamMembership::Id))
                    .col(uuid(TeamMembership::TeamId))
                    .col(uuid(TeamMembership::PractitionerId))
                    .col(boolean(TeamMembership::IsManager))
                    .col(date(TeamMembership::StartedOn))
                    .col(date_null(TeamMembership::EndedOn))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_team_membership_team_id")
                            .from(TeamMembership::Table, TeamMembership::TeamId)
                            .to(Team::Table, Team::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_team_membership_practitioner_id")
                            .from(TeamMembership::Table, TeamMembership::PractitionerId)
                            .to(Practitioner::Table, Practitioner::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_team_membership_team_id",
            TeamMembership::Table,
            [TeamMembership::TeamId],
        )
        .await?;
        index(
            manager,
            "idx_team_membership_practitioner_id",
            TeamMembership::Table,
            [TeamMembership::PractitionerId],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            TeamMembership::Table.into_iden(),
            Practitioner::Table.into_iden(),
            Team::Table.into_iden(),
            Agency::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

/// Creates a plain (non-unique) index.
async fn index<T, C, const N: usize>(
    manager: &SchemaManager<'_>,
    name: &str,
    table: T,
    cols: [C; N],
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
    manager.create_index(stmt.to_owned()).await
}

#[derive(DeriveIden)]
enum Locality {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Agency {
    Table,
    Id,
    Kind,
    Name,
    Urn,
    OdsCode,
}

#[derive(DeriveIden)]
enum Team {
    Table,
    Id,
    Code,
    Name,
    Kind,
    LocalityId,
}

#[derive(DeriveIden)]
enum Practitioner {
    Table,
    Id,
    Subject,
    GivenName,
    FamilyName,
    Role,
    AgencyId,
    RegistrationNumber,
    Email,
}

#[derive(DeriveIden)]
enum TeamMembership {
    Table,
    Id,
    TeamId,
    PractitionerId,
    IsManager,
    StartedOn,
    EndedOn,
}
