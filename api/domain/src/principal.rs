//! Who is calling: the authenticated principal and its roles. What they may see and do is the
//! access policy's business ([`crate::policy`]).

use std::fmt;

use crate::error::DomainError;
use crate::identifiers::SchoolUrn;

/// An access role carried by a caller's token (the `roles` claim), named in snake case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "graphql", derive(async_graphql::Enum))]
pub enum Role {
    /// `front_door_officer` — triages contacts at the integrated front door.
    FrontDoorOfficer,
    /// `family_help_practitioner` — a family worker or Family Help worker.
    FamilyHelpPractitioner,
    /// `social_worker` — a social worker in a Family Help team.
    SocialWorker,
    /// `lead_child_protection_practitioner` — an LCPP in a multi-agency child protection team.
    LeadChildProtectionPractitioner,
    /// `team_manager` — manages a team.
    TeamManager,
    /// `locality_manager` — manages a locality's teams.
    LocalityManager,
    /// `macpt_partner` — a police, health or education member of a MACPT.
    MacptPartner,
    /// `school_dsl` — a school's designated safeguarding lead.
    SchoolDsl,
    /// `school_mis_integration` — a school management information system integration.
    SchoolMisIntegration,
    /// `health_visitor` — a health visitor.
    HealthVisitor,
    /// `vcs_partner` — a voluntary and community sector partner.
    VcsPartner,
    /// `auditor` — reads records and the audit trail for assurance.
    Auditor,
    /// `administrator` — administers the service.
    Administrator,
}

impl Role {
    /// Every role.
    pub const ALL: &'static [Role] = &[
        Role::FrontDoorOfficer,
        Role::FamilyHelpPractitioner,
        Role::SocialWorker,
        Role::LeadChildProtectionPractitioner,
        Role::TeamManager,
        Role::LocalityManager,
        Role::MacptPartner,
        Role::SchoolDsl,
        Role::SchoolMisIntegration,
        Role::HealthVisitor,
        Role::VcsPartner,
        Role::Auditor,
        Role::Administrator,
    ];

    /// The role's name in tokens, e.g. `front_door_officer`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Role::FrontDoorOfficer => "front_door_officer",
            Role::FamilyHelpPractitioner => "family_help_practitioner",
            Role::SocialWorker => "social_worker",
            Role::LeadChildProtectionPractitioner => "lead_child_protection_practitioner",
            Role::TeamManager => "team_manager",
            Role::LocalityManager => "locality_manager",
            Role::MacptPartner => "macpt_partner",
            Role::SchoolDsl => "school_dsl",
            Role::SchoolMisIntegration => "school_mis_integration",
            Role::HealthVisitor => "health_visitor",
            Role::VcsPartner => "vcs_partner",
            Role::Auditor => "auditor",
            Role::Administrator => "administrator",
        }
    }

    /// The role with this exact name. The error (field `role`) lists the known roles.
    pub fn parse(name: &str) -> Result<Role, DomainError> {
        Role::ALL
            .iter()
            .copied()
            .find(|r| r.as_str() == name)
            .ok_or_else(|| {
                let known: Vec<&str> = Role::ALL.iter().map(|r| r.as_str()).collect();
                DomainError::invalid(
                    "role",
                    format!("{name:?} is not a known role ({})", known.join(", ")),
                )
            })
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Role {
    type Err = DomainError;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        Role::parse(name)
    }
}

/// The authenticated caller: a person (or, for integrations, a client) with roles.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// The identity provider's subject (`sub` claim).
    pub subject: String,
    /// The OAuth client the call came through, if known (`client_id` / `azp` claim).
    pub client_id: Option<String>,
    /// The caller's roles. Unknown role names in a token are dropped before this point.
    pub roles: Vec<Role>,
    /// The code of the caller's team (e.g. `S1`, `IFD`, `MACPT`), if any.
    pub team: Option<String>,
    /// The school a school role acts for, if any.
    pub school_urn: Option<SchoolUrn>,
    /// The agency a partner acts for, by ODS code or URN (`agency` claim), if any.
    pub agency: Option<String>,
}

impl Principal {
    /// Whether the caller has role `r`.
    pub fn has_role(&self, r: Role) -> bool {
        self.roles.contains(&r)
    }

    /// Whether the caller has at least one of `roles`.
    pub fn has_any_role(&self, roles: &[Role]) -> bool {
        roles.iter().any(|r| self.has_role(*r))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn role_names_round_trip() {
        assert_eq!(Role::ALL.len(), 13);
        let names: HashSet<&str> = Role::ALL.iter().map(|r| r.as_str()).collect();
        assert_eq!(names.len(), Role::ALL.len());
        for &role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()).unwrap(), role);
            assert_eq!(role.to_string(), role.as_str());
            assert_eq!(role.as_str().parse::<Role>().unwrap(), role);
        }
        assert_eq!(Role::parse("school_dsl").unwrap(), Role::SchoolDsl);
        let err = Role::parse("superuser").unwrap_err();
        assert_eq!(err.field(), "role");
        assert!(
            err.to_string()
                .contains("\"superuser\" is not a known role"),
            "{err}"
        );
        assert!(Role::parse("SCHOOL_DSL").is_err());
    }

    #[test]
    fn has_role() {
        let p = Principal {
            subject: "synthetic-subject-1".to_owned(),
            client_id: Some("test-client".to_owned()),
            roles: vec![Role::SocialWorker, Role::TeamManager],
            team: Some("S1".to_owned()),
            school_urn: None,
            agency: None,
        };
        assert!(p.has_role(Role::SocialWorker));
        assert!(!p.has_role(Role::Auditor));
        assert!(p.has_any_role(&[Role::Auditor, Role::TeamManager]));
        assert!(!p.has_any_role(&[Role::Auditor]));
        assert!(!p.has_any_role(&[]));
    }
}
