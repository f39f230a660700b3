//! `agency`: A partner agency: local authority, school, GP practice, police force...

use sea_orm::entity::prelude::*;

/// A row of `agency`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Deserialize)]
#[sea_orm(table_name = "agency")]
pub struct Model {
    /// Primary key (UUIDv7).
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// `LOCAL_AUTHORITY`, `SCHOOL`, `GP_PRACTICE`, `HEALTH_TRUST`, `POLICE_FORCE`, `VCS`, `HOUSING` or `EARLY_YEARS`.
    #[sea_orm(column_type = "Text")]
    pub kind: String,
    /// Display name.
    #[sea_orm(column_type = "Text")]
    pub name: String,
    /// School unique reference number; unique.
    #[sea_orm(column_type = "Text", nullable, unique)]
    pub urn: Option<String>,
    /// NHS ODS code for health agencies; unique.
    #[sea_orm(column_type = "Text", nullable, unique)]
    pub ods_code: Option<String>,
}

/// Foreign keys of `agency`.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl Related<super::agency_link::Entity> for Entity {
    fn to() -> RelationDef {
        super::agency_link::Relation::Agency.def().rev()
    }
}

impl Related<super::partner_record::Entity> for Entity {
    fn to() -> RelationDef {
        super::partner_record::Relation::Agency.def().rev()
    }
}

impl Related<super::practitioner::Entity> for Entity {
    fn to() -> RelationDef {
        super::practitioner::Relation::Agency.def().rev()
    }
}

impl Related<super::strategy_participant::Entity> for Entity {
    fn to() -> RelationDef {
        super::strategy_participant::Relation::Agency.def().rev()
    }
}

impl ActiveModelBehavior for ActiveModel {}
