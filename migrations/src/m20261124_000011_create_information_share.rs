//! Information-sharing decisions: the 2026 Act's duty to share information about a child with
//! other agencies unless sharing would be more detrimental to the child than not sharing. Each
//! decision, to share or to withhold, is recorded with its lawful basis and reason.

use sea_orm_migration::{prelude::*, schema::*};

/// Creates `information_share`.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(InformationShare::Table)
                    .col(pk_uuid(InformationShare::Id))
                    .col(uuid(InformationShare::PersonId))
                    .col(uuid(InformationShare::AgencyId))
                    .col(text(InformationShare::Decision))
                    .col(text(InformationShare::LawfulBasis))
                    .col(text(InformationShare::Reason))
                    .col(date(InformationShare::DecidedOn))
                    .col(text(InformationShare::DecidedBy))
                    .col(timestamp_with_time_zone(InformationShare::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_information_share_person_id")
                            .from(InformationShare::Table, InformationShare::PersonId)
                            .to(Person::Table, Person::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_information_share_agency_id")
                            .from(InformationShare::Table, InformationShare::AgencyId)
                            .to(Agency::Table, Agency::Id),
                    )
                    .to_owned(),
            )
            .await?;
        for (name, column) in [
            (
                "idx_information_share_person_id",
                InformationShare::PersonId,
            ),
            (
                "idx_information_share_agency_id",
                InformationShare::AgencyId,
            ),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(InformationShare::Table)
                        .col(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(InformationShare::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum InformationShare {
    Table,
    Id,
    PersonId,
    AgencyId,
    Decision,
    LawfulBasis,
    Reason,
    DecidedOn,
    DecidedBy,
    CreatedAt,
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
