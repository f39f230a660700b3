//! Who is calling: the authenticated principal, its roles, and which children's records it
//! may see.

use std::fmt;

use crate::error::DomainError;
use crate::identifiers::SchoolUrn;

/// An access role carried by a caller's token (the `roles` claim), named in snake case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
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

    /// The scope this role alone grants (see [`Principal::record_scope`]).
    fn scope(self, principal: &Principal) -> RecordScope {
        let allocated = || RecordScope::Allocated {
            subject: principal.subject.clone(),
        };
        match self {
            Role::Administrator
            | Role::Auditor
            | Role::LocalityManager
            | Role::FrontDoorOfficer => RecordScope::Everything,
            Role::TeamManager
            | Role::FamilyHelpPractitioner
            | Role::SocialWorker
            | Role::LeadChildProtectionPractitioner
            | Role::MacptPartner
            | Role::HealthVisitor => match &principal.team {
                Some(team) => RecordScope::Teams(vec![team.clone()]),
                None => allocated(),
            },
            Role::SchoolDsl | Role::SchoolMisIntegration => match &principal.school_urn {
                Some(urn) => RecordScope::SchoolRoll(urn.clone()),
                None => RecordScope::Nothing,
            },
            Role::VcsPartner => allocated(),
        }
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

    /// Which children's records the caller may see.
    ///
    /// This is the **interim** rule, until access policy is held as data:
    /// - `administrator`, `auditor`, `locality_manager`, and `front_door_officer` (the front door
    ///   must match every contact against existing records before it triages):
    ///   [`RecordScope::Everything`];
    /// - `team_manager`, `family_help_practitioner`, `social_worker`,
    ///   `lead_child_protection_practitioner`, `macpt_partner`, `health_visitor`: the caller's
    ///   team ([`RecordScope::Teams`]) when a team is set, otherwise the children they are
    ///   allocated to ([`RecordScope::Allocated`]);
    /// - `school_dsl`, `school_mis_integration`: the school's roll
    ///   ([`RecordScope::SchoolRoll`]) when a URN is set, otherwise [`RecordScope::Nothing`];
    /// - `vcs_partner`: [`RecordScope::Allocated`];
    /// - no roles: [`RecordScope::Nothing`].
    ///
    /// With several roles the broadest scope wins: Everything, then Teams, then Allocated,
    /// then SchoolRoll, then Nothing.
    pub fn record_scope(&self) -> RecordScope {
        self.roles
            .iter()
            .map(|role| role.scope(self))
            .max_by_key(RecordScope::breadth)
            .unwrap_or(RecordScope::Nothing)
    }
}

/// Which children's records a caller may see; applied in SQL by the store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RecordScope {
    /// Every child's record.
    Everything,
    /// Children with an open involvement held by one of these teams (team codes).
    Teams(Vec<String>),
    /// Children with an open involvement allocated to the practitioner with this subject.
    Allocated {
        /// The practitioner's identity-provider subject.
        subject: String,
    },
    /// Children currently on this school's roll.
    SchoolRoll(SchoolUrn),
    /// No child's record.
    Nothing,
}

impl RecordScope {
    /// Ranks scopes from narrowest (0) to broadest, to pick one when roles disagree.
    fn breadth(&self) -> u8 {
        match self {
            RecordScope::Nothing => 0,
            RecordScope::SchoolRoll(_) => 1,
            RecordScope::Allocated { .. } => 2,
            RecordScope::Teams(_) => 3,
            RecordScope::Everything => 4,
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    fn principal(roles: &[Role], team: Option<&str>, urn: Option<&str>) -> Principal {
        Principal {
            subject: "synthetic-subject-1".to_owned(),
            client_id: Some("test-client".to_owned()),
            roles: roles.to_vec(),
            team: team.map(str::to_owned),
            school_urn: urn.map(|u| SchoolUrn::parse("urn", u).unwrap()),
        }
    }

    fn allocated() -> RecordScope {
        RecordScope::Allocated {
            subject: "synthetic-subject-1".to_owned(),
        }
    }

    fn school() -> RecordScope {
        RecordScope::SchoolRoll(SchoolUrn::parse("urn", "123456").unwrap())
    }

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
        let p = principal(&[Role::SocialWorker, Role::TeamManager], Some("S1"), None);
        assert!(p.has_role(Role::SocialWorker));
        assert!(!p.has_role(Role::Auditor));
        assert!(p.has_any_role(&[Role::Auditor, Role::TeamManager]));
        assert!(!p.has_any_role(&[Role::Auditor]));
        assert!(!p.has_any_role(&[]));
    }

    #[test]
    fn no_roles_sees_nothing() {
        assert_eq!(
            principal(&[], Some("S1"), Some("123456")).record_scope(),
            RecordScope::Nothing
        );
    }

    #[test]
    fn broad_roles_see_everything() {
        for role in [
            Role::Administrator,
            Role::Auditor,
            Role::LocalityManager,
            Role::FrontDoorOfficer,
        ] {
            assert_eq!(
                principal(&[role], None, None).record_scope(),
                RecordScope::Everything
            );
            assert_eq!(
                principal(&[role], Some("S1"), None).record_scope(),
                RecordScope::Everything
            );
        }
    }

    #[test]
    fn team_roles_see_their_team_or_their_allocations() {
        for role in [
            Role::TeamManager,
            Role::FamilyHelpPractitioner,
            Role::SocialWorker,
            Role::LeadChildProtectionPractitioner,
            Role::MacptPartner,
            Role::HealthVisitor,
        ] {
            assert_eq!(
                principal(&[role], Some("S1"), None).record_scope(),
                RecordScope::Teams(vec!["S1".to_owned()]),
                "{role}"
            );
            assert_eq!(
                principal(&[role], None, None).record_scope(),
                allocated(),
                "{role}"
            );
        }
    }

    #[test]
    fn school_roles_see_their_roll_or_nothing() {
        for role in [Role::SchoolDsl, Role::SchoolMisIntegration] {
            assert_eq!(
                principal(&[role], None, Some("123456")).record_scope(),
                school(),
                "{role}"
            );
            assert_eq!(
                principal(&[role], None, None).record_scope(),
                RecordScope::Nothing,
                "{role}"
            );
            // A team does not widen a school role.
            assert_eq!(
                principal(&[role], Some("S1"), Some("123456")).record_scope(),
                school()
            );
        }
    }

    #[test]
    fn vcs_partners_see_their_allocations() {
        assert_eq!(
            principal(&[Role::VcsPartner], Some("S1"), None).record_scope(),
            allocated()
        );
    }

    #[test]
    fn the_broadest_scope_wins() {
        let cases = [
            (
                vec![Role::SocialWorker, Role::Auditor],
                Some("S1"),
                Some("123456"),
                RecordScope::Everything,
            ),
            (
                vec![Role::SchoolDsl, Role::SocialWorker],
                Some("S1"),
                Some("123456"),
                RecordScope::Teams(vec!["S1".to_owned()]),
            ),
            (
                vec![Role::VcsPartner, Role::SocialWorker],
                Some("S1"),
                None,
                RecordScope::Teams(vec!["S1".to_owned()]),
            ),
            (
                vec![Role::SchoolDsl, Role::VcsPartner],
                None,
                Some("123456"),
                allocated(),
            ),
            (
                vec![Role::SchoolDsl, Role::SocialWorker],
                None,
                Some("123456"),
                allocated(),
            ),
            (
                vec![Role::SchoolDsl, Role::SchoolMisIntegration],
                None,
                Some("123456"),
                school(),
            ),
            (
                vec![Role::SchoolDsl, Role::SchoolMisIntegration],
                None,
                None,
                RecordScope::Nothing,
            ),
            (
                vec![Role::LocalityManager, Role::SchoolDsl],
                None,
                None,
                RecordScope::Everything,
            ),
        ];
        for (roles, team, urn, expected) in cases {
            assert_eq!(
                principal(&roles, team, urn).record_scope(),
                expected,
                "{roles:?}"
            );
        }
    }

    #[test]
    fn the_order_of_roles_does_not_matter() {
        let mut roles = vec![Role::SchoolDsl, Role::VcsPartner, Role::TeamManager];
        let forward = principal(&roles, Some("N2"), Some("123456")).record_scope();
        roles.reverse();
        assert_eq!(
            principal(&roles, Some("N2"), Some("123456")).record_scope(),
            forward
        );
        assert_eq!(forward, RecordScope::Teams(vec!["N2".to_owned()]));
    }
}
