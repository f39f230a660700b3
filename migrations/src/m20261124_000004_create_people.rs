//! People: persons and their identifiers, disabilities, addresses and relationships; families
//! and their members; links between a person and a partner agency.

use sea_orm_migration::{prelude::*, schema::*};

/// Creates `person`, `person_identifier`, `person_disability`, `address`, `relationship`,
/// `family`, `family_member` and `agency_link`.
#[derive(DeriveMigrationName)]
pub struct Migration;

/// `person_identifier.kind` whose values are reason codes rather than identifiers, so they are
/// only unique per person.
const UPN_UNKNOWN: &str = "UPN_UNKNOWN";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Person::Table)
                    .col(pk_uuid(Person::Id))
                    .col(text(Person::GivenName))
                    .col(text(Person::FamilyName))
                    .col(date_null(Person::DateOfBirth))
                    .col(date_null(Person::ExpectedDateOfBirth))
                    .col(text(Person::Sex))
                    .col(text_null(Person::Ethnicity))
                    .col(text(Person::SendStatus))
                    .col(integer_null(Person::LevelOfNeed))
                    .col(boolean(Person::IsChild))
                    .col(timestamp_with_time_zone(Person::CreatedAt))
                    .col(integer(Person::Version))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_person_family_name_given_name",
            Person::Table,
            [Person::FamilyName, Person::GivenName],
            false,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(PersonIdentifier::Table)
                    .col(pk_uuid(PersonIdentifier::Id))
                    .col(uuid(PersonIdentifier::PersonId))
                    .col(text(PersonIdentifier::Kind))
                    .col(text(PersonIdentifier::Value))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_person_identifier_person_id")
                            .from(PersonIdentifier::Table, PersonIdentifier::PersonId)
                            .to(Person::Table, Person::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        // Also the index for the person_id foreign key.
        index(
            manager,
            "uq_person_identifier_person_id_kind_value",
            PersonIdentifier::Table,
            [
                PersonIdentifier::PersonId,
                PersonIdentifier::Kind,
                PersonIdentifier::Value,
            ],
            true,
        )
        .await?;
        // A real identifier (case system id, NHS number, UPN...) belongs to one person only;
        // `UPN_UNKNOWN` reason codes are shared by many people.
        manager
            .create_index(
                Index::create()
                    .name("uq_person_identifier_kind_value")
                    .table(PersonIdentifier::Table)
                    .col(PersonIdentifier::Kind)
                    .col(PersonIdentifier::Value)
                    .unique()
                    .and_where(Expr::col(PersonIdentifier::Kind).ne(UPN_UNKNOWN))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(PersonDisability::Table)
                    .col(pk_uuid(PersonDisability::Id))
                    .col(uuid(PersonDisability::PersonId))
                    .col(text(PersonDisability::Code))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_person_disability_person_id")
                            .from(PersonDisability::Table, PersonDisability::PersonId)
                            .to(Person::Table, Person::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "uq_person_disability_person_id_code",
            PersonDisability::Table,
            [PersonDisability::PersonId, PersonDisability::Code],
            true,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(Address::Table)
                    .col(pk_uuid(Address::Id))
                    .col(uuid(Address::PersonId))
                    .col(text(Address::Line1))
                    .col(text(Address::Town))
                    .col(text(Address::Postcode))
                    .col(text_null(Address::LsoaCode))
                    .col(date(Address::StartedOn))
                    .col(date_null(Address::EndedOn))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_address_person_id")
                            .from(Address::Table, Address::PersonId)
                            .to(Person::Table, Person::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_address_lsoa_code")
                            .from(Address::Table, Address::LsoaCode)
                            .to(Lsoa::Table, Lsoa::Code),
                    )
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_address_person_id_ended_on",
            Address::Table,
            [Address::PersonId, Address::EndedOn],
            false,
        )
        .await?;
        index(
            manager,
            "idx_address_lsoa_code",
            Address::Table,
            [Address::LsoaCode],
            false,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(Relationship::Table)
                    .col(pk_uuid(Relationship::Id))
                    .col(uuid(Relationship::PersonId))
                    .col(uuid(Relationship::RelatedPersonId))
                    .col(text(Relationship::Kind))
                    .col(boolean(Relationship::ParentalResponsibility))
                    .col(date_null(Relationship::StartedOn))
                    .col(date_null(Relationship::EndedOn))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_relationship_person_id")
                            .from(Relationship::Table, Relationship::PersonId)
                            .to(Person::Table, Person::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_relationship_related_person_id")
                            .from(Relationship::Table, Relationship::RelatedPersonId)
                            .to(Person::Table, Person::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_relationship_person_id",
            Relationship::Table,
            [Relationship::PersonId],
            false,
        )
        .await?;
        index(
            manager,
            "idx_relationship_related_person_id",
            Relationship::Table,
            [Relationship::RelatedPersonId],
            false,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(Family::Table)
                    .col(pk_uuid(Family::Id))
                    .col(text(Family::Name))
                    .col(timestamp_with_time_zone(Family::CreatedAt))
                    .col(integer(Family::Version))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(FamilyMember::Table)
                    .col(pk_uuid(FamilyMember::Id))
                    .col(uuid(FamilyMember::FamilyId))
                    .col(uuid(FamilyMember::PersonId))
                    .col(text(FamilyMember::Role))
                    .col(text(FamilyMember::Household))
                    .col(date(FamilyMember::StartedOn))
                    .col(date_null(FamilyMember::EndedOn))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_family_member_family_id")
                            .from(FamilyMember::Table, FamilyMember::FamilyId)
                            .to(Family::Table, Family::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_family_member_person_id")
                            .from(FamilyMember::Table, FamilyMember::PersonId)
                            .to(Person::Table, Person::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_family_member_family_id",
            FamilyMember::Table,
            [FamilyMember::FamilyId],
            false,
        )
        .await?;
        index(
            manager,
            "idx_family_member_person_id",
            FamilyMember::Table,
            [FamilyMember::PersonId],
            false,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(AgencyLink::Table)
                    .col(pk_uuid(AgencyLink::Id))
                    .col(uuid(AgencyLink::PersonId))
                    .col(uuid(AgencyLink::AgencyId))
                    .col(text(AgencyLink::Kind))
                    .col(date(AgencyLink::StartedOn))
                    .col(date_null(AgencyLink::EndedOn))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_agency_link_person_id")
                            .from(AgencyLink::Table, AgencyLink::PersonId)
                            .to(Person::Table, Person::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_agency_link_agency_id")
                            .from(AgencyLink::Table, AgencyLink::AgencyId)
                            .to(Agency::Table, Agency::Id),
                    )
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_agency_link_person_id",
            AgencyLink::Table,
            [AgencyLink::PersonId],
            false,
        )
        .await?;
        index(
            manager,
            "idx_agency_link_agency_id",
            AgencyLink::Table,
            [AgencyLink::AgencyId],
            false,
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            AgencyLink::Table.into_iden(),
            FamilyMember::Table.into_iden(),
            Family::Table.into_iden(),
            Relationship::Table.into_iden(),
            Address::Table.into_iden(),
            PersonDisability::Table.into_iden(),
            PersonIdentifier::Table.into_iden(),
            Person::Table.into_iden(),
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
enum Agency {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Lsoa {
    Table,
    Code,
}

#[derive(DeriveIden)]
enum Person {
    Table,
    Id,
    GivenName,
    FamilyName,
    DateOfBirth,
    ExpectedDateOfBirth,
    Sex,
    Ethnicity,
    SendStatus,
    LevelOfNeed,
    IsChild,
    CreatedAt,
    Version,
}

#[derive(DeriveIden)]
enum PersonIdentifier {
    Table,
    Id,
    PersonId,
    Kind,
    Value,
}

#[derive(DeriveIden)]
enum PersonDisability {
    Table,
    Id,
    PersonId,
    Code,
}

#[derive(DeriveIden)]
enum Address {
    Table,
    Id,
    PersonId,
    #[sea_orm(iden = "line1")]
    Line1,
    Town,
    Postcode,
    LsoaCode,
    StartedOn,
    EndedOn,
}

#[derive(DeriveIden)]
enum Relationship {
    Table,
    Id,
    PersonId,
    RelatedPersonId,
    Kind,
    ParentalResponsibility,
    StartedOn,
    EndedOn,
}

#[derive(DeriveIden)]
enum Family {
    Table,
    Id,
    Name,
    CreatedAt,
    Version,
}

#[derive(DeriveIden)]
enum FamilyMember {
    Table,
    Id,
    FamilyId,
    PersonId,
    Role,
    Household,
    StartedOn,
    EndedOn,
}

#[derive(DeriveIden)]
enum AgencyLink {
    Table,
    Id,
    PersonId,
    AgencyId,
    Kind,
    StartedOn,
    EndedOn,
}
