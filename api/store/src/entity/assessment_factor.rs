//! `assessment_factor`: A factor identified at assessment; unique per (`assessment_id`, `code`).

use sea_orm::entity::prelude::*;

/// A row of `assessment_factor`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Deserialize)]
#[sea_orm(table_name = "assessment_factor")]
pub struct Model {
    /// Primary key (UUIDv7).
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The assessment.
    pub assessment_id: Uuid,
    /// Assessment factor code.
    #[sea_orm(column_type = "Text")]
    pub code: String,
}

/// Foreign keys of `assessment_factor`.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// The assessment.
    #[sea_orm(
        belongs_to = "super::assessment::Entity",
        from = "Column::AssessmentId",
        to = "super::assessment::Column::Id",
        on_delete = "Cascade"
    )]
    Assessment,
}

impl Related<super::assessment::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Assessment.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
