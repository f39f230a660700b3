//! `person`: A person: a child or an adult known to the service.

use sea_orm::entity::prelude::*;

/// A row of `person`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Deserialize)]
#[sea_orm(table_name = "person")]
pub struct Model {
    /// Primary key (UUIDv7).
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Given name.
    #[sea_orm(column_type = "Text")]
    pub given_name: String,
    /// Family name.
    #[sea_orm(column_type = "Text")]
    pub family_name: String,
    /// Date of birth.
    #[sea_orm(nullable)]
    pub date_of_birth: Option<Date>,
    /// Expected date of birth of an unborn child.
    #[sea_orm(nullable)]
    pub expected_date_of_birth: Option<Date>,
    /// `M`, `F` or `U`.
    #[sea_orm(column_type = "Text")]
    pub sex: String,
    /// DfE ethnicity code.
    #[sea_orm(column_type = "Text", nullable)]
    pub ethnicity: Option<String>,
    /// `NONE`, `SEN_SUPPORT` or `EHCP`.
    #[sea_orm(column_type = "Text")]
    pub send_status: String,
    /// Level of need, 1–4.
    #[sea_orm(nullable)]
    pub level_of_need: Option<i32>,
    /// Whether the person is a child (rather than an adult).
    pub is_child: bool,
    /// When the record was created.
    pub created_at: DateTimeUtc,
    /// Optimistic-concurrency version.
    pub version: i32,
}

/// Foreign keys of `person`.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl Related<super::address::Entity> for Entity {
    fn to() -> RelationDef {
        super::address::Relation::Person.def().rev()
    }
}

impl Related<super::agency_link::Entity> for Entity {
    fn to() -> RelationDef {
        super::agency_link::Relation::Person.def().rev()
    }
}

impl Related<super::assessment::Entity> for Entity {
    fn to() -> RelationDef {
        super::assessment::Relation::Person.def().rev()
    }
}

impl Related<super::contact::Entity> for Entity {
    fn to() -> RelationDef {
        super::contact::Relation::Person.def().rev()
    }
}

impl Related<super::cp_conference::Entity> for Entity {
    fn to() -> RelationDef {
        super::cp_conference::Relation::Person.def().rev()
    }
}

impl Related<super::family_help_episode::Entity> for Entity {
    fn to() -> RelationDef {
        super::family_help_episode::Relation::Person.def().rev()
    }
}

impl Related<super::family_member::Entity> for Entity {
    fn to() -> RelationDef {
        super::family_member::Relation::Person.def().rev()
    }
}

impl Related<super::involvement::Entity> for Entity {
    fn to() -> RelationDef {
        super::involvement::Relation::Person.def().rev()
    }
}

impl Related<super::network_member::Entity> for Entity {
    fn to() -> RelationDef {
        super::network_member::Relation::Person.def().rev()
    }
}

impl Related<super::partner_record::Entity> for Entity {
    fn to() -> RelationDef {
        super::partner_record::Relation::Person.def().rev()
    }
}

impl Related<super::person_disability::Entity> for Entity {
    fn to() -> RelationDef {
        super::person_disability::Relation::Person.def().rev()
    }
}

impl Related<super::person_identifier::Entity> for Entity {
    fn to() -> RelationDef {
        super::person_identifier::Relation::Person.def().rev()
    }
}

impl Related<super::plan::Entity> for Entity {
    fn to() -> RelationDef {
        super::plan::Relation::Person.def().rev()
    }
}

impl Related<super::referral::Entity> for Entity {
    fn to() -> RelationDef {
        super::referral::Relation::Person.def().rev()
    }
}

impl Related<super::section47_enquiry::Entity> for Entity {
    fn to() -> RelationDef {
        super::section47_enquiry::Relation::Person.def().rev()
    }
}

impl Related<super::strategy_discussion::Entity> for Entity {
    fn to() -> RelationDef {
        super::strategy_discussion::Relation::Person.def().rev()
    }
}

impl Related<super::visit::Entity> for Entity {
    fn to() -> RelationDef {
        super::visit::Relation::Person.def().rev()
    }
}

impl ActiveModelBehavior for ActiveModel {}
