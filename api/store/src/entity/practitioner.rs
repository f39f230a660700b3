//! `practitioner`: A practitioner of an agency.

use sea_orm::entity::prelude::*;

/// A row of `practitioner`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Deserialize)]
#[sea_orm(table_name = "practitioner")]
pub struct Model {
    /// Primary key (UUIDv7).
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Identity-provider subject; unique.
    #[sea_orm(column_type = "Text", nullable, unique)]
    pub subject: Option<String>,
    /// Given name.
    #[sea_orm(column_type = "Text")]
    pub given_name: String,
    /// Family name.
    #[sea_orm(column_type = "Text")]
    pub family_name: String,
    /// `PractitionerRole` code.
    #[sea_orm(column_type = "Text")]
    pub role: String,
    /// The employing agency.
    pub agency_id: Uuid,
    /// Social Work England registration number, e.g. `SW123456`.
    #[sea_orm(column_type = "Text", nullable)]
    pub registration_number: Option<String>,
    /// Work email address.
    #[sea_orm(column_type = "Text", nullable)]
    pub email: Option<String>,
}

/// Foreign keys of `practitioner`.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// The employing agency.
    #[sea_orm(
        belongs_to = "super::agency::Entity",
        from = "Column::AgencyId",
        to = "super::agency::Column::Id"
    )]
    Agency,
}

impl Related<super::agency::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Agency.def()
    }
}

impl Related<super::contact::Entity> for Entity {
    fn to() -> RelationDef {
        super::contact::Relation::DecidedBy.def().rev()
    }
}

impl Related<super::involvement::Entity> for Entity {
    fn to() -> RelationDef {
        super::involvement::Relation::Practitioner.def().rev()
    }
}

impl Related<super::plan_goal::Entity> for Entity {
    fn to() -> RelationDef {
        super::plan_goal::Relation::OwnerPractitioner.def().rev()
    }
}

impl Related<super::section47_enquiry::Entity> for Entity {
    fn to() -> RelationDef {
        super::section47_enquiry::Relation::LeadPractitioner
            .def()
            .rev()
    }
}

impl Related<super::strategy_discussion::Entity> for Entity {
    fn to() -> RelationDef {
        super::strategy_discussion::Relation::ChairPractitioner
            .def()
            .rev()
    }
}

impl Related<super::strategy_participant::Entity> for Entity {
    fn to() -> RelationDef {
        super::strategy_participant::Relation::Practitioner
            .def()
            .rev()
    }
}

impl Related<super::team_membership::Entity> for Entity {
    fn to() -> RelationDef {
        super::team_membership::Relation::Practitioner.def().rev()
    }
}

impl Related<super::visit::Entity> for Entity {
    fn to() -> RelationDef {
        super::visit::Relation::Practitioner.def().rev()
    }
}

impl ActiveModelBehavior for ActiveModel {}
