//! `taxonomy_term`: A term of a services directory's taxonomy.

use sea_orm::entity::prelude::*;

/// A row of `taxonomy_term`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Deserialize)]
#[sea_orm(table_name = "taxonomy_term")]
pub struct Model {
    /// Primary key (UUIDv7).
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The directory's configured name; unique with `code`.
    #[sea_orm(column_type = "Text")]
    pub source_system: String,
    /// The term's id in the directory.
    #[sea_orm(column_type = "Text")]
    pub code: String,
    /// The taxonomy (vocabulary) it belongs to, when given.
    #[sea_orm(column_type = "Text", nullable)]
    pub vocabulary: Option<String>,
    /// Name.
    #[sea_orm(column_type = "Text")]
    pub name: String,
    /// Description.
    #[sea_orm(column_type = "Text", nullable)]
    pub description: Option<String>,
    /// The parent term's id in the directory, when nested.
    #[sea_orm(column_type = "Text", nullable)]
    pub parent_code: Option<String>,
    /// The parent term, once it is known.
    #[sea_orm(nullable)]
    pub parent_id: Option<Uuid>,
    /// Whether the directory's adapter configuration names this term as marking Family Hubs.
    pub marks_family_hub: bool,
}

/// Foreign keys of `taxonomy_term`.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// The parent term.
    #[sea_orm(
        belongs_to = "Entity",
        from = "Column::ParentId",
        to = "Column::Id",
        on_delete = "SetNull"
    )]
    Parent,
}

impl ActiveModelBehavior for ActiveModel {}
