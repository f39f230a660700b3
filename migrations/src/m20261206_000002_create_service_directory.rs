//! The services directory: services (and Family Hubs) read from a directory such as Open
//! Referral UK, where they are delivered, and the directory's taxonomy.
//!
//! - `service`: one row per directory service, unique by `(source_system, source_id)`. A
//!   service the directory marks as a Family Hub has `is_family_hub`; when the council's own
//!   `family_hub` row of the same name exists, `family_hub_id` links the two (the council's row
//!   stays the council's reference data: the directory never creates or renames one).
//! - `service_location`: where a service is delivered. `lsoa_code` is kept as the directory
//!   gives it (any LSOA in England and Wales); `lsoa_id` links to `lsoa` when the council knows
//!   that LSOA, which is how a service reaches an area and a locality.
//! - `taxonomy_term`: the directory's vocabulary, unique by `(source_system, code)` where
//!   `code` is the term's id in the directory; `parent_code` as the directory gives it,
//!   `parent_id` once the parent is known.
//! - `service_taxonomy_term`: which terms a service is filed under, in the directory's order.

use sea_orm_migration::{prelude::*, schema::*};

/// Creates `service`, `service_location`, `taxonomy_term` and `service_taxonomy_term`.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Service::Table)
                    .col(pk_uuid(Service::Id))
                    .col(text(Service::SourceSystem))
                    .col(text(Service::SourceId))
                    .col(text(Service::Name))
                    .col(text_null(Service::Description))
                    .col(text(Service::Status))
                    .col(text_null(Service::OrganisationSourceId))
                    .col(text_null(Service::OrganisationName))
                    .col(text_null(Service::Url))
                    .col(text_null(Service::Email))
                    .col(integer_null(Service::MinimumAge))
                    .col(integer_null(Service::MaximumAge))
                    .col(boolean(Service::IsFamilyHub))
                    .col(uuid_null(Service::FamilyHubId))
                    .col(timestamp_with_time_zone_null(Service::LastModified))
                    .col(timestamp_with_time_zone(Service::UpdatedAt))
                    .col(uuid_null(Service::LastRunId))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_service_family_hub_id")
                            .from(Service::Table, Service::FamilyHubId)
                            .to(FamilyHub::Table, FamilyHub::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uq_service_source")
                    .table(Service::Table)
                    .col(Service::SourceSystem)
                    .col(Service::SourceId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_service_family_hub_id",
            Service::Table,
            [Service::FamilyHubId],
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(ServiceLocation::Table)
                    .col(pk_uuid(ServiceLocation::Id))
                    .col(uuid(ServiceLocation::ServiceId))
                    .col(integer(ServiceLocation::Position))
                    .col(text(ServiceLocation::SourceId))
                    .col(text_null(ServiceLocation::Name))
                    .col(text_null(ServiceLocation::Postcode))
                    .col(text_null(ServiceLocation::LsoaCode))
                    .col(uuid_null(ServiceLocation::LsoaId))
                    .col(text_null(ServiceLocation::Uprn))
                    .col(double_null(ServiceLocation::Latitude))
                    .col(double_null(ServiceLocation::Longitude))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_service_location_service_id")
                            .from(ServiceLocation::Table, ServiceLocation::ServiceId)
                            .to(Service::Table, Service::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_service_location_lsoa_id")
                            .from(ServiceLocation::Table, ServiceLocation::LsoaId)
                            .to(Lsoa::Table, Lsoa::Id),
                    )
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_service_location_service_id",
            ServiceLocation::Table,
            [ServiceLocation::ServiceId],
        )
        .await?;
        index(
            manager,
            "idx_service_location_lsoa_id",
            ServiceLocation::Table,
            [ServiceLocation::LsoaId],
        )
        .await?;
        index(
            manager,
            "idx_service_location_lsoa_code",
            ServiceLocation::Table,
            [ServiceLocation::LsoaCode],
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(TaxonomyTerm::Table)
                    .col(pk_uuid(TaxonomyTerm::Id))
                    .col(text(TaxonomyTerm::SourceSystem))
                    .col(text(TaxonomyTerm::Code))
                    .col(text_null(TaxonomyTerm::Vocabulary))
                    .col(text(TaxonomyTerm::Name))
                    .col(text_null(TaxonomyTerm::Description))
                    .col(text_null(TaxonomyTerm::ParentCode))
                    .col(uuid_null(TaxonomyTerm::ParentId))
                    .col(boolean(TaxonomyTerm::MarksFamilyHub))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_taxonomy_term_parent_id")
                            .from(TaxonomyTerm::Table, TaxonomyTerm::ParentId)
                            .to(TaxonomyTerm::Table, TaxonomyTerm::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uq_taxonomy_term_source")
                    .table(TaxonomyTerm::Table)
                    .col(TaxonomyTerm::SourceSystem)
                    .col(TaxonomyTerm::Code)
                    .unique()
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_taxonomy_term_parent_id",
            TaxonomyTerm::Table,
            [TaxonomyTerm::ParentId],
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(ServiceTaxonomyTerm::Table)
                    .col(pk_uuid(ServiceTaxonomyTerm::Id))
                    .col(uuid(ServiceTaxonomyTerm::ServiceId))
                    .col(uuid(ServiceTaxonomyTerm::TaxonomyTermId))
                    .col(integer(ServiceTaxonomyTerm::Position))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_service_taxonomy_term_service_id")
                            .from(ServiceTaxonomyTerm::Table, ServiceTaxonomyTerm::ServiceId)
                            .to(Service::Table, Service::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_service_taxonomy_term_taxonomy_term_id")
                            .from(
                                ServiceTaxonomyTerm::Table,
                                ServiceTaxonomyTerm::TaxonomyTermId,
                            )
                            .to(TaxonomyTerm::Table, TaxonomyTerm::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uq_service_taxonomy_term")
                    .table(ServiceTaxonomyTerm::Table)
                    .col(ServiceTaxonomyTerm::ServiceId)
                    .col(ServiceTaxonomyTerm::TaxonomyTermId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_service_taxonomy_term_taxonomy_term_id",
            ServiceTaxonomyTerm::Table,
            [ServiceTaxonomyTerm::TaxonomyTermId],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            ServiceTaxonomyTerm::Table.into_iden(),
            TaxonomyTerm::Table.into_iden(),
            ServiceLocation::Table.into_iden(),
            Service::Table.into_iden(),
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
enum FamilyHub {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Lsoa {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Service {
    Table,
    Id,
    /// The directory's configured name (the adapter's source system).
    SourceSystem,
    /// The service's id in the directory.
    SourceId,
    Name,
    Description,
    /// `active`, `inactive`, `defunct` or `temporarily_closed`.
    Status,
    OrganisationSourceId,
    OrganisationName,
    Url,
    Email,
    MinimumAge,
    MaximumAge,
    IsFamilyHub,
    FamilyHubId,
    LastModified,
    UpdatedAt,
    LastRunId,
}

#[derive(DeriveIden)]
enum ServiceLocation {
    Table,
    Id,
    ServiceId,
    Position,
    SourceId,
    Name,
    Postcode,
    LsoaCode,
    LsoaId,
    Uprn,
    Latitude,
    Longitude,
}

#[derive(DeriveIden)]
enum TaxonomyTerm {
    Table,
    Id,
    SourceSystem,
    Code,
    Vocabulary,
    Name,
    Description,
    ParentCode,
    ParentId,
    MarksFamilyHub,
}

#[derive(DeriveIden)]
enum ServiceTaxonomyTerm {
    Table,
    Id,
    ServiceId,
    TaxonomyTermId,
    Position,
}
