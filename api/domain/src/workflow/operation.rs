//! The operations a role may be granted (see the access policy, `policy/familygraph-policy.toml`).

use std::fmt;

/// An operation on children's records that the access policy grants to roles.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
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
    /// Ask for time-limited access to a child's record outside one's scope, with a reason.
    BreakGlass,
    /// Review break-glass grants (managers and auditors).
    ReviewBreakGlass,
    /// See adapter runs and start runs of configured sources (administrators).
    RunAdapters,
    /// Review the identity queue: confirm or reject candidate matches between persons and undo
    /// merges (administrators).
    ResolveIdentity,
    /// Subscribe the caller's machine client to signed webhooks, list and delete its
    /// subscriptions and read their delivery log (administrators: every client's).
    ManageWebhooks,
}

impl Operation {
    /// Every operation.
    pub const ALL: &'static [Operation] = &[
        Operation::RecordContact,
        Operation::TriageContact,
        Operation::FamilyHelpCasework,
        Operation::ChildProtection,
        Operation::FamilyNetworkWork,
        Operation::PartnerRecording,
        Operation::InformationSharing,
        Operation::BreakGlass,
        Operation::ReviewBreakGlass,
        Operation::RunAdapters,
        Operation::ResolveIdentity,
        Operation::ManageWebhooks,
    ];

    /// The operation's name in the policy file, e.g. `triage_contact`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Operation::RecordContact => "record_contact",
            Operation::TriageContact => "triage_contact",
            Operation::FamilyHelpCasework => "family_help_casework",
            Operation::ChildProtection => "child_protection",
            Operation::FamilyNetworkWork => "family_network_work",
            Operation::PartnerRecording => "partner_recording",
            Operation::InformationSharing => "information_sharing",
            Operation::BreakGlass => "break_glass",
            Operation::ReviewBreakGlass => "review_break_glass",
            Operation::RunAdapters => "run_adapters",
            Operation::ResolveIdentity => "resolve_identity",
            Operation::ManageWebhooks => "manage_webhooks",
        }
    }

    /// The operation with this policy-file name.
    pub fn parse(name: &str) -> Option<Operation> {
        Operation::ALL.iter().copied().find(|o| o.as_str() == name)
    }

    /// Every name, comma-separated (for error messages).
    pub fn known() -> String {
        Operation::ALL
            .iter()
            .map(|o| o.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

impl fmt::Display for Operation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
