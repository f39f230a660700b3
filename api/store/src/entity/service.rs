//! `service`: A service from a services directory (Open Referral UK), Family Hubs included.

use sea_orm::entity::prelude::*;

/// A row of `service`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Deserialize)]
#[sea_orm(table_name = "service")]
pub struct Model {
    /// Primary key (UUIDv7).
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The directory's configured name (the adapter's source system); unique with `source_id`.
    #[sea_orm(column_type = "Text")]
    pub source_system: String,
    /// The service's id in the directory.
    #[sea_orm(column_type = "Text")]
    pub source_id: String,
    /// Name.
    #[sea_orm(column_type = "Text")]
    pub name: String,
    /// Description.
    #[sea_orm(column_type = "Text", nullable)]
    pub description: Option<String>,
    /// `active`, `inactive`, `defunct` or `temporarily_closed`.
    #[sea_orm(column_type = "Text")]
    pub status: String,
    /// The providing organisation's id in the directory.
    #[sea_orm(column_type = "Text", nullable)]
    pub organisation_source_id: Option<String>,
    /// The providing organisation's name.
    #[sea_orm(column_type = "Text", nullable)]
    pub organisation_name: Option<String>,
    /// Web page.
    #[sea_orm(column_type = "Text", nullable)]
    pub url: Option<String>,
    /// Contact email.
    #[sea_orm(column_type = "Text", nullable)]
    pub email: Option<String>,
    /// Youngest eligible age in years.
    #[sea_orm(nullable)]
    pub minimum_age: Option<i32>,
    /// Oldest eligible age in years.
    #[sea_orm(nullable)]
    pub maximum_age: Option<i32>,
    /// Whether the directory marks it as a Family Hub.
    pub is_family_hub: bool,
    /// The council's Family Hub of the same name, when there is one.
    #[sea_orm(nullable)]
    pub family_hub_id: Option<Uuid>,
    /// When the directory last changed it.
    #[sea_orm(nullable)]
    pub last_modified: Option<DateTimeUtc>,
    /// When familygraph last wrote it.
    pub updated_at: DateTimeUtc,
    /// The adapter run that last wrote it.
    #[sea_orm(nullable)]
    pub last_run_id: Option<Uuid>,
}

/// Foreign keys of `service`.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// The council's Family Hub it is the directory entry of.
    #[sea_orm(
        belongs_to = "super::family_hub::Entity",
        from = "Column::FamilyHubId",
        to = "super::family_hub::Column::Id"
    )]
    FamilyHub,
}

impl Related<super::family_hub::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::FamilyHub.def()
    }
}

impl Related<super::service_location::Entity> for Entity {
    fn to() -> RelationDef {
        super::service_location::Relation::Service.def().rev()
    }
}

impl Related<super::service_taxonomy_term::Entity> for Entity {
    fn to() -> RelationDef {
        super::service_taxonomy_term::Relation::Service.def().rev()
    }
}

impl ActiveModelBehavior for ActiveModel {}
