//! Which workflow operations a role may perform (interim, until access policy is data).

use crate::principal::{Principal, Role};

/// A workflow operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operation {
    /// Record a contact at the front door.
    RecordContact,
    /// Triage a contact.
    TriageContact,
    /// Open, allocate, assess, plan, review, visit and close Family Help work.
    FamilyHelpCasework,
    /// Strategy discussions, section 47 enquiries, conferences and child protection plans.
    ChildProtection,
    /// Family network members, FGDM meetings, network plans and support packages.
    FamilyNetworkWork,
    /// Record a partner's concern or support.
    PartnerRecording,
    /// Record a decision to share information about a child with an agency, or to withhold it.
    InformationSharing,
}

impl Operation {
    /// The roles allowed to perform the operation.
    pub fn allowed_roles(self) -> &'static [Role] {
        use Role::*;
        match self {
            Operation::RecordContact => &[
                Administrator,
                FrontDoorOfficer,
                SocialWorker,
                FamilyHelpPractitioner,
                TeamManager,
            ],
            Operation::TriageContact => &[Administrator, FrontDoorOfficer, TeamManager],
            Operation::FamilyHelpCasework => &[
                Administrator,
                FamilyHelpPractitioner,
                SocialWorker,
                TeamManager,
                LocalityManager,
            ],
            Operation::ChildProtection => &[
                Administrator,
                LeadChildProtectionPractitioner,
                SocialWorker,
                TeamManager,
            ],
            Operation::FamilyNetworkWork => &[
                Administrator,
                FamilyHelpPractitioner,
                SocialWorker,
                LeadChildProtectionPractitioner,
                TeamManager,
            ],
            Operation::PartnerRecording => &[
                Administrator,
                SchoolDsl,
                SchoolMisIntegration,
                HealthVisitor,
                VcsPartner,
                MacptPartner,
            ],
            Operation::InformationSharing => &[
                Administrator,
                FrontDoorOfficer,
                FamilyHelpPractitioner,
                SocialWorker,
                LeadChildProtectionPractitioner,
                TeamManager,
                LocalityManager,
            ],
        }
    }
}

impl Principal {
    /// Whether the caller may perform `operation`.
    pub fn may(&self, operation: Operation) -> bool {
        self.has_any_role(operation.allowed_roles())
    }
}
