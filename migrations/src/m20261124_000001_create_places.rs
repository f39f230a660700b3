//! Places, part 1: local authorities and their localities.
//!
//! Areas, LSOAs and family hubs follow in `m20261124_000003_create_areas`, after teams exist,
//! because an area names the Family Help team that covers it.

use sea_orm_migration::{prelude::*, schema::*};

/// Creates `local_authority` and `locality`.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(LocalAuthority::Table)
                    .col(pk_uuid(LocalAuthority::Id))
                    .col(text_uniq(LocalAuthority::Code))
                    .col(text(LocalAuthority::Name))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Locality::Table)
                    .col(pk_uuid(Locality::Id))
                    .col(uuid(Locality::LocalAuthorityId))
                    .col(text_uniq(Locality::Code))
                    .col(text(Locality::Name))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_locality_local_authority_id")
                            .from(Locality::Table, Locality::LocalAuthorityId)
                            .to(LocalAuthority::Table, LocalAuthority::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_locality_local_authority_id")
                    .table(Locality::Table)
                    .col(Locality::LocalAuthorityId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Locality::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(LocalAuthority::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum LocalAuthority {
    Table,
    Id,
    Code,
    Name,
}

#[derive(DeriveIden)]
enum Locality {
    Table,
    Id,
    LocalAuthorityId,
    Code,
    Name,
}
