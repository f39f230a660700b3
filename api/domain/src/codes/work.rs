//! Project code lists about work with a family: triage, episodes, plans and section 47
//! enquiries. Stored codes are the SCREAMING_SNAKE names.

use crate::code_enum::code_enum;

code_enum! {
    /// The front door's triage decision on a contact.
    pub enum TriageDecision {
        AdviceAndSignposting = "ADVICE_AND_SIGNPOSTING" => "Advice and signposting",
        UniversalServices = "UNIVERSAL_SERVICES" => "Universal or community services",
        FamilyHelp = "FAMILY_HELP" => "Family Help",
        StrategyDiscussion = "STRATEGY_DISCUSSION" => "Strategy discussion (child protection)",
        NoFurtherAction = "NO_FURTHER_ACTION" => "No further action",
    }
}

code_enum! {
    /// The level of a Family Help episode: targeted early help or child in need (section 17).
    pub enum FamilyHelpLevel {
        TargetedEarlyHelp = "TARGETED_EARLY_HELP" => "Targeted early help",
        ChildInNeed = "CHILD_IN_NEED" => "Child in need (section 17)",
    }
}

code_enum! {
    /// The kind of a plan.
    pub enum PlanKind {
        FamilyHelp = "FAMILY_HELP" => "Family Help plan",
        ChildInNeed = "CHILD_IN_NEED" => "Child in need plan",
        ChildProtection = "CHILD_PROTECTION" => "Child protection plan",
        FamilyNetwork = "FAMILY_NETWORK" => "Family network plan",
    }
}

code_enum! {
    /// The outcome of a section 47 enquiry.
    pub enum Section47Outcome {
        Conference = "CONFERENCE" => "Initial child protection conference",
        NoFurtherAction = "NO_FURTHER_ACTION" => "No further action",
        ContinueFamilyHelp = "CONTINUE_FAMILY_HELP" => "Continue with Family Help",
    }
}

code_enum! {
    /// What a child protection strategy discussion decided.
    pub enum StrategyDecision {
        Section47 = "SECTION_47" => "Start a section 47 enquiry",
        NoFurtherAction = "NO_FURTHER_ACTION" => "No further action",
        ContinueFamilyHelp = "CONTINUE_FAMILY_HELP" => "Continue with Family Help",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::code_enum::testing::check_code_list;

    #[test]
    fn work_code_lists() {
        check_code_list::<TriageDecision>(5);
        check_code_list::<FamilyHelpLevel>(2);
        check_code_list::<PlanKind>(4);
        check_code_list::<Section47Outcome>(3);
        check_code_list::<StrategyDecision>(3);
        assert_eq!(StrategyDecision::Section47.code(), "SECTION_47");
        assert_eq!(PlanKind::ChildProtection.code(), "CHILD_PROTECTION");
    }
}
