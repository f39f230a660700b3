//! Places, part 2: areas (collaboratives and patches), LSOAs and family hubs.

use sea_orm_migration::{prelude::*, schema::*};

/// Creates `area`, `lsoa` and `family_hub`.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Area::Table)
                    .col(pk_uuid(Area::Id))
                    .col(uuid(Area::LocalityId))
                    .col(text(Area::Kind))
                    .col(text_uniq(Area::Code))
                    .col(text(Area::Name))
                    .col(uuid_null(Area::TeamId))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_area_locality_id")
                            .from(Area::Table, Area::LocalityId)
                            .to(Locality::Table, Locality::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_area_team_id")
                            .from(Area::Table, Area::TeamId)
                            .to(Team::Table, Team::Id),
                    )
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_area_locality_id",
            Area::Table,
            [Area::LocalityId],
        )
        .await?;
        index(manager, "idx_area_team_id", Area::Table, [Area::TeamId]).await?;

        manager
            .create_table(
                Table::create()
                    .table(Lsoa::Table)
                    .col(pk_uuid(Lsoa::Id))
                    .col(text_uniq(Lsoa::Code))
                    .col(text(Lsoa::Name))
                    .col(uuid_null(Lsoa::AreaId))
                    .col(integer_null(Lsoa::ImdOverall))
                    .col(integer_null(Lsoa::ImdIncome))
                    .col(integer_null(Lsoa::ImdEmployment))
                    .col(integer_null(Lsoa::ImdEducation))
                    .col(integer_null(Lsoa::ImdHealth))
                    .col(integer_null(Lsoa::ImdCrime))
                    .col(integer_null(Lsoa::ImdHousing))
                    .col(integer_null(Lsoa::ImdLivingEnvironment))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_lsoa_area_id")
                            .from(Lsoa::Table, Lsoa::AreaId)
                            .to(Area::Table, Area::Id),
                    )
                    .to_owned(),
            )
            .await?;
        index(manager, "idx_lsoa_area_id", Lsoa::Table, [Lsoa::AreaId]).await?;

        manager
            .create_table(
                Table::create()
                    .table(FamilyHub::Table)
                    .col(pk_uuid(FamilyHub::Id))
                    .col(uuid(FamilyHub::AreaId))
                    .col(text(FamilyHub::Name))
                    .col(date_null(FamilyHub::OpenedOn))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_family_hub_area_id")
                            .from(FamilyHub::Table, FamilyHub::AreaId)
                            .to(Area::Table, Area::Id),
                    )
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_family_hub_area_id",
            FamilyHub::Table,
            [FamilyHub::AreaId],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            FamilyHub::Table.into_iden(),
            Lsoa::Table.into_iden(),
            Area::Table.into_iden(),
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
enum Team {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Area {
    Table,
    Id,
    LocalityId,
    Kind,
    Code,
    Name,
    TeamId,
}

#[derive(DeriveIden)]
enum Lsoa {
    Table,
    Id,
    Code,
    Name,
    AreaId,
    ImdOverall,
    ImdIncome,
    ImdEmployment,
    ImdEducation,
    ImdHealth,
    ImdCrime,
    ImdHousing,
    ImdLivingEnvironment,
}

#[derive(DeriveIden)]
enum FamilyHub {
    Table,
    Id,
    AreaId,
    Name,
    OpenedOn,
}
