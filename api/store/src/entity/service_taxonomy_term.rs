//! `service_taxonomy_term`: A taxonomy term a directory service is filed under.

use sea_orm::entity::prelude::*;

/// A row of `service_taxonomy_term`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Deserialize)]
#[sea_orm(table_name = "service_taxonomy_term")]
pub struct Model {
    /// Primary key (UUIDv7).
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The service; unique with `taxonomy_term_id`.
    pub service_id: Uuid,
    /// The term.
    pub taxonomy_term_id: Uuid,
    /// Order among the service's terms, from 0.
    pub position: i32,
}

/// Foreign keys of `service_taxonomy_term`.
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
    /// The term.
    #[sea_orm(
        belongs_to = "super::taxonomy_term::Entity",
        from = "Column::TaxonomyTermId",
        to = "super::taxonomy_term::Column::Id",
        on_delete = "Cascade"
    )]
    TaxonomyTerm,
}

impl Related<super::service::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Service.def()
    }
}

impl Related<super::taxonomy_term::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::TaxonomyTerm.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
