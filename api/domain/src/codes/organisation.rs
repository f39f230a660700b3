//! Project code lists about places, agencies, teams and practitioners. Stored codes are the
//! SCREAMING_SNAKE names.

use crate::code_enum::code_enum;

code_enum! {
    /// The kind of an area within a locality.
    pub enum AreaKind {
        Collaborative = "COLLABORATIVE" => "Collaborative",
        Patch = "PATCH" => "Patch",
    }
}

code_enum! {
    /// The kind of a partner agency.
    pub enum AgencyKind {
        LocalAuthority = "LOCAL_AUTHORITY" => "Local authority",
        School = "SCHOOL" => "School",
        GpPractice = "GP_PRACTICE" => "GP practice",
        HealthTrust = "HEALTH_TRUST" => "Health trust",
        PoliceForce = "POLICE_FORCE" => "Police force",
        Vcs = "VCS" => "Voluntary and community sector organisation",
        Housing = "HOUSING" => "Housing provider",
        EarlyYears = "EARLY_YEARS" => "Early years provider",
    }
}

code_enum! {
    /// The kind of a team.
    pub enum TeamKind {
        FrontDoor = "FRONT_DOOR" => "Integrated front door",
        FamilyHelp = "FAMILY_HELP" => "Family Help locality team",
        Macpt = "MACPT" => "Multi-agency child protection team",
        Specialist = "SPECIALIST" => "Specialist unit",
    }
}

code_enum! {
    /// A practitioner's job role, across agencies.
    pub enum PractitionerRole {
        FamilyAdvisor = "FAMILY_ADVISOR" => "Family advisor",
        FamilyHelpAssistant = "FAMILY_HELP_ASSISTANT" => "Family Help assistant",
        FamilyHelpWorker = "FAMILY_HELP_WORKER" => "Family Help worker",
        FamilyWorker = "FAMILY_WORKER" => "Family worker",
        SocialWorker = "SOCIAL_WORKER" => "Social worker",
        LeadChildProtectionPractitioner = "LEAD_CHILD_PROTECTION_PRACTITIONER" => "Lead child protection practitioner",
        TeamManager = "TEAM_MANAGER" => "Team manager",
        LocalityManager = "LOCALITY_MANAGER" => "Locality manager",
        PoliceOfficer = "POLICE_OFFICER" => "Police officer",
        HealthPractitioner = "HEALTH_PRACTITIONER" => "Health practitioner",
        HealthVisitor = "HEALTH_VISITOR" => "Health visitor",
        EducationPractitioner = "EDUCATION_PRACTITIONER" => "Education practitioner",
        SchoolDsl = "SCHOOL_DSL" => "School designated safeguarding lead",
        VcsWorker = "VCS_WORKER" => "Voluntary and community sector worker",
    }
}

code_enum! {
    /// The role in which a practitioner is allocated to a child (an involvement).
    pub enum InvolvementRole {
        FamilyHelpLead = "FAMILY_HELP_LEAD" => "Family Help lead practitioner",
        LeadChildProtectionPractitioner = "LEAD_CHILD_PROTECTION_PRACTITIONER" => "Lead child protection practitioner",
        CaseWorker = "CASE_WORKER" => "Case worker",
        KeyAgency = "KEY_AGENCY" => "Key agency",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::code_enum::testing::check_code_list;

    #[test]
    fn organisation_code_lists() {
        check_code_list::<AreaKind>(2);
        check_code_list::<AgencyKind>(8);
        check_code_list::<TeamKind>(4);
        check_code_list::<PractitionerRole>(14);
        check_code_list::<InvolvementRole>(4);
        assert_eq!(TeamKind::Macpt.code(), "MACPT");
        assert_eq!(PractitionerRole::SchoolDsl.code(), "SCHOOL_DSL");
    }
}
