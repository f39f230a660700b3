//! A pupil's National Curriculum year group on their school enrolment (`agency_link` of kind
//! `ON_ROLL`), as the school MIS gives it.

use sea_orm_migration::{prelude::*, schema::*};

/// Adds the nullable `agency_link.year_group`.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(AgencyLink::Table)
                    .add_column(text_null(AgencyLink::YearGroup))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(AgencyLink::Table)
                    .drop_column(AgencyLink::YearGroup)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum AgencyLink {
    Table,
    YearGroup,
}
