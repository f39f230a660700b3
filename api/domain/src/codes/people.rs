//! Project code lists about people, families and networks. Stored codes are the
//! SCREAMING_SNAKE names (except [`LevelOfNeed`], stored as `1`–`4`).

use crate::code_enum::code_enum;

code_enum! {
    /// A child's level of need on the county continuum of need, stored as `1`–`4`.
    pub enum LevelOfNeed {
        Universal = "1" => "Universal: needs met by universal services",
        AdditionalNeeds = "2" => "Early help or additional needs",
        MultipleNeeds = "3" => "Multiple needs, including children in need (section 17)",
        AcuteNeeds = "4" => "Acute needs: children in crisis or at risk of significant harm",
    }
}

code_enum! {
    /// Special educational needs and disabilities (SEND) provision for a child.
    pub enum SendStatus {
        None = "NONE" => "No SEN provision",
        SenSupport = "SEN_SUPPORT" => "SEN support",
        Ehcp = "EHCP" => "Education, health and care plan",
    }
}

code_enum! {
    /// A person's role in a family (case group).
    pub enum FamilyRole {
        Child = "CHILD" => "Child",
        Parent = "PARENT" => "Parent",
        Carer = "CARER" => "Carer",
        Sibling = "SIBLING" => "Sibling",
        OtherAdult = "OTHER_ADULT" => "Other adult",
    }
}

code_enum! {
    /// What the *related* person is to the person in a relationship.
    pub enum RelationshipKind {
        Mother = "MOTHER" => "Mother",
        Father = "FATHER" => "Father",
        StepParent = "STEP_PARENT" => "Step-parent",
        Sibling = "SIBLING" => "Sibling",
        HalfSibling = "HALF_SIBLING" => "Half-sibling",
        Grandparent = "GRANDPARENT" => "Grandparent",
        AuntUncle = "AUNT_UNCLE" => "Aunt or uncle",
        Carer = "CARER" => "Carer",
        Other = "OTHER" => "Other",
    }
}

code_enum! {
    /// How a member of a family network is connected to the child.
    pub enum NetworkMemberKind {
        Parent = "PARENT" => "Parent",
        Relative = "RELATIVE" => "Relative",
        Friend = "FRIEND" => "Friend",
        ConnectedPerson = "CONNECTED_PERSON" => "Connected person",
    }
}

code_enum! {
    /// Whether a family network member is willing to support the child.
    pub enum Willingness {
        Willing = "WILLING" => "Willing",
        WillingWithSupport = "WILLING_WITH_SUPPORT" => "Willing with support",
        NotWilling = "NOT_WILLING" => "Not willing",
        NotAsked = "NOT_ASKED" => "Not asked",
    }
}

code_enum! {
    /// How a person is linked to a partner agency.
    pub enum AgencyLinkKind {
        OnRoll = "ON_ROLL" => "On the school roll",
        RegisteredPatient = "REGISTERED_PATIENT" => "Registered patient",
        KnownTo = "KNOWN_TO" => "Known to the agency",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::code_enum::testing::check_code_list;

    #[test]
    fn people_code_lists() {
        check_code_list::<LevelOfNeed>(4);
        check_code_list::<SendStatus>(3);
        check_code_list::<FamilyRole>(5);
        check_code_list::<RelationshipKind>(9);
        check_code_list::<NetworkMemberKind>(4);
        check_code_list::<Willingness>(4);
        check_code_list::<AgencyLinkKind>(3);
    }

    #[test]
    fn level_of_need_is_stored_as_a_number() {
        assert_eq!(LevelOfNeed::Universal.code(), "1");
        assert_eq!(LevelOfNeed::AcuteNeeds.code(), "4");
        assert_eq!(LevelOfNeed::from_code("5"), None);
        assert_eq!(SendStatus::SenSupport.code(), "SEN_SUPPORT");
    }
}
