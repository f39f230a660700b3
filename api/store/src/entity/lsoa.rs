//! `lsoa`: A Lower-layer Super Output Area with its IMD 2019 deciles.

use sea_orm::entity::prelude::*;

/// A row of `lsoa`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Deserialize)]
#[sea_orm(table_name = "lsoa")]
pub struct Model {
    /// Primary key (UUIDv7).
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// ONS LSOA code, unique, e.g. `E01018445`.
    #[sea_orm(column_type = "Text", unique)]
    pub code: String,
    /// Display name.
    #[sea_orm(column_type = "Text")]
    pub name: String,
    /// The area it falls in.
    #[sea_orm(nullable)]
    pub area_id: Option<Uuid>,
    /// IMD 2019 overall decile (1 = most deprived, 10 = least).
    #[sea_orm(nullable)]
    pub imd_overall: Option<i32>,
    /// IMD 2019 income decile (1 = most deprived, 10 = least).
    #[sea_orm(nullable)]
    pub imd_income: Option<i32>,
    /// IMD 2019 employment decile (1 = most deprived, 10 = least).
    #[sea_orm(nullable)]
    pub imd_employment: Option<i32>,
    /// IMD 2019 education, skills and training decile (1 = most deprived, 10 = least).
    #[sea_orm(nullable)]
    pub imd_education: Option<i32>,
    /// IMD 2019 health and disability decile (1 = most deprived, 10 = least).
    #[sea_orm(nullable)]
    pub imd_health: Option<i32>,
    /// IMD 2019 crime decile (1 = most deprived, 10 = least).
    #[sea_orm(nullable)]
    pub imd_crime: Option<i32>,
    /// IMD 2019 barriers to housing and services decile (1 = most deprived, 10 = least).
    #[sea_orm(nullable)]
    pub imd_housing: Option<i32>,
    /// IMD 2019 living environment decile (1 = most deprived, 10 = least).
    #[sea_orm(nullable)]
    pub imd_living_environment: Option<i32>,
}

/// Foreign keys of `lsoa`.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// The area it falls in.
    #[sea_orm(
        belongs_to = "super::area::Entity",
        from = "Column::AreaId",
        to = "super::area::Column::Id"
    )]
    Area,
}

impl Related<super::area::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Area.def()
    }
}

impl Related<super::address::Entity> for Entity {
    fn to() -> RelationDef {
        super::address::Relation::Lsoa.def().rev()
    }
}

impl ActiveModelBehavior for ActiveModel {}
