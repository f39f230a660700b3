//! Family networks: one network per family and the people in it.

use sea_orm_migration::{prelude::*, schema::*};

/// Creates `family_network` and `network_member`.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(FamilyNetwork::Table)
                    .col(pk_uuid(FamilyNetwork::Id))
                    // Unique, so also the index for the foreign key.
                    .col(uuid_uniq(FamilyNetwork::FamilyId))
                    .col(timestamp_with_time_zone(FamilyNetwork::CreatedAt))
                    .col(integer(FamilyNetwork::Version))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_family_network_family_id")
                            .from(FamilyNetwork::Table, FamilyNetwork::FamilyId)
                            .to(Family::Table, Family::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(NetworkMember::Table)
                    .col(pk_uuid(NetworkMember::Id))
                    .col(uuid(NetworkMember::FamilyNetworkId))
                    .col(uuid_null(NetworkMember::PersonId))
                    .col(text(NetworkMember::DisplayName))
                    .col(text(NetworkMember::Kind))
                    .col(text(NetworkMember::RelationshipToChild))
                    .col(text(NetworkMember::Willingness))
                    .col(text_null(NetworkMember::Phone))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_network_member_family_network_id")
                            .from(NetworkMember::Table, NetworkMember::FamilyNetworkId)
                            .to(FamilyNetwork::Table, FamilyNetwork::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_network_member_person_id")
                            .from(NetworkMember::Table, NetworkMember::PersonId)
                            .to(Person::Table, Person::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_network_member_family_network_id",
            NetworkMember::Table,
            [NetworkMember::FamilyNetworkId],
        )
        .await?;
        index(
            manager,
            "idx_network_member_person_id",
            NetworkMember::Table,
            [NetworkMember::PersonId],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(NetworkMember::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(FamilyNetwork::Table).to_owned())
            .await
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
    FamilyId,
    CreatedAt,
    Version,
}

#[derive(DeriveIden)]
enum NetworkMember {
    Table,
    Id,
    FamilyNetworkId,
    PersonId,
    DisplayName,
    Kind,
    RelationshipToChild,
    Willingness,
    Phone,
}
