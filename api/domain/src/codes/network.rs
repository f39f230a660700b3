//! Project code lists about family networks: Family Group Decision Making (FGDM) meetings and
//! family network support packages. Stored codes are the SCREAMING_SNAKE names.

use crate::code_enum::code_enum;

code_enum! {
    /// The stage of the child's journey at which an FGDM meeting was offered. From the
    /// Children's Wellbeing and Schools Act 2026 the council must offer one before it applies
    /// for a care order (pre-proceedings).
    pub enum FgdmStage {
        FamilyHelp = "FAMILY_HELP" => "Family Help",
        ChildProtection = "CHILD_PROTECTION" => "Child protection",
        PreProceedings = "PRE_PROCEEDINGS" => "Pre-proceedings",
    }
}

code_enum! {
    /// The family's answer to an FGDM offer (FGDM is voluntary).
    pub enum FgdmResponse {
        Accepted = "ACCEPTED" => "Accepted",
        Declined = "DECLINED" => "Declined",
    }
}

code_enum! {
    /// What a family network support package gives, so a child can stay within the network.
    pub enum SupportPackageKind {
        Practical = "PRACTICAL" => "Practical support",
        Financial = "FINANCIAL" => "Financial support",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::code_enum::testing::check_code_list;

    #[test]
    fn network_code_lists() {
        check_code_list::<FgdmStage>(3);
        check_code_list::<FgdmResponse>(2);
        check_code_list::<SupportPackageKind>(2);
        assert_eq!(FgdmStage::PreProceedings.code(), "PRE_PROCEEDINGS");
    }
}
