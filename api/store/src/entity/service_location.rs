//! `service_location`: A place a directory service is delivered.

use sea_orm::entity::prelude::*;

/// A row of `service_location`.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel, serde::Deserialize)]
#[sea_orm(table_name = "service_location")]
pub struct Model {
    /// Primary key (UUIDv7).
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The service.
    pub service_id: Uuid,
    /// Order among the service's locations, from 0.
    pub position: i32,
    /// The location's id in the directory (empty when it gives none).
    #[sea_orm(column_type = "Text")]
    pub source_id: String,
    /// Name.
    #[sea_orm(column_type = "Text", nullable)]
    pub name: Option<String>,
    /// Postcode, normalised.
    #[sea_orm(column_type = "Text", nullable)]
    pub postcode: Option<String>,
    /// LSOA code as the directory gives it.
    #[sea_orm(column_type = "Text", nullable)]
    pub lsoa_code: Option<String>,
    /// The council's LSOA of that code, when it has one.
    #[sea_orm(nullable)]
    pub lsoa_id: Option<Uuid>,
    /// Unique Property Reference Number.
    #[sea_orm(column_type = "Text", nullable)]
    pub uprn: Option<String>,
    /// WGS84 latitude.
    #[sea_orm(column_type = "Double", nullable)]
    pub latitude: Option<f64>,
    /// WGS84 longitude.
    #[sea_orm(column_type = "Double", nullable)]
    pub longitude: Option<f64>,
}

/// Foreign keys of `service_location`.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// The service.
    #[sea_orm(
        belongs_to = "super::service::Entity",
        from = "Column::ServiceId",
        to = "super::service::Column::Id",
        on_delete = "Cascade"
    )]
    Service,
    /// The LSOA.
    #[sea_orm(
        belongs_to = "super::lsoa::Entity",
        from = "Column::LsoaId",
        to = "super::lsoa::Column::Id"
    )]
    Lsoa,
}

impl Related<super::service::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Service.def()
    }
}

impl Related<super::lsoa::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Lsoa.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
