//! Claim mapping: which claims of a verified token (or an introspection response) carry the
//! caller's roles, team, school URN and agency.
//!
//! Identity providers name these differently (`roles`, `groups`, a namespaced
//! `https://council.example/roles`, Keycloak's `realm_access.roles`), so each is configurable.
//! A name is looked up as a top-level claim first; if there is none and the name contains dots,
//! it is read as a path into nested objects.

use familygraph_domain::{Principal, Role, SchoolUrn};
use serde_json::{Map, Value};

use super::AuthError;

/// Default claim carrying the roles.
pub const DEFAULT_ROLES_CLAIM: &str = "roles";
/// Default claim carrying the team code.
pub const DEFAULT_TEAM_CLAIM: &str = "team";
/// Default claim carrying the school URN.
pub const DEFAULT_SCHOOL_URN_CLAIM: &str = "school_urn";
/// Default claim carrying the agency.
pub const DEFAULT_AGENCY_CLAIM: &str = "agency";

/// Which claims carry what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimMapping {
    /// The roles: an array of role names, or one space-separated string.
    pub roles: String,
    /// The caller's team code (e.g. `S1`).
    pub team: String,
    /// The school URN a school user or integration acts for.
    pub school_urn: String,
    /// The caller's agency (council, police, health, school, voluntary sector…).
    pub agency: String,
}

impl Default for ClaimMapping {
    fn default() -> Self {
        Self {
            roles: DEFAULT_ROLES_CLAIM.to_owned(),
            team: DEFAULT_TEAM_CLAIM.to_owned(),
            school_urn: DEFAULT_SCHOOL_URN_CLAIM.to_owned(),
            agency: DEFAULT_AGENCY_CLAIM.to_owned(),
        }
    }
}

/// What a verified token says about its caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MappedClaims {
    /// The principal the request runs as (its agency, if the token names one, included).
    pub principal: Principal,
}

impl ClaimMapping {
    /// Maps verified claims to a principal.
    ///
    /// The subject is `sub`, or for a machine client without one, `client_id`. The client is
    /// `client_id`, else `azp`. Unknown role names are dropped; a school URN that is not a valid
    /// URN makes the whole token invalid (it would otherwise silently widen or narrow a scope).
    pub fn map(&self, claims: &Map<String, Value>) -> Result<MappedClaims, AuthError> {
        let client_id = string_claim(claims, "client_id").or_else(|| string_claim(claims, "azp"));
        let subject = string_claim(claims, "sub")
            .or_else(|| client_id.clone())
            .ok_or(AuthError::InvalidToken)?;
        let roles = match lookup(claims, &self.roles) {
            Some(Value::Array(items)) => items
                .iter()
                .filter_map(Value::as_str)
                .filter_map(|name| Role::parse(name).ok())
                .collect(),
            Some(Value::String(names)) => names
                .split_whitespace()
                .filter_map(|name| Role::parse(name).ok())
                .collect(),
            _ => Vec::new(),
        };
        let mut unique: Vec<Role> = Vec::with_capacity(roles.len());
        for role in roles {
            if !unique.contains(&role) {
                unique.push(role);
            }
        }
        let school_urn = match lookup_string(claims, &self.school_urn) {
            Some(urn) => {
                Some(SchoolUrn::parse("school_urn", &urn).map_err(|_| AuthError::InvalidToken)?)
            }
            None => None,
        };
        Ok(MappedClaims {
            principal: Principal {
                subject,
                client_id,
                roles: unique,
                team: lookup_string(claims, &self.team),
                school_urn,
                agency: lookup_string(claims, &self.agency),
            },
        })
    }
}

fn string_claim(claims: &Map<String, Value>, name: &str) -> Option<String> {
    claims
        .get(name)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

/// The claim `name`: top-level first, then as a dotted path into nested objects.
fn lookup<'a>(claims: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    if let Some(value) = claims.get(name) {
        return Some(value);
    }
    if !name.contains('.') {
        return None;
    }
    let mut parts = name.split('.');
    let mut value = claims.get(parts.next()?)?;
    for part in parts {
        value = value.as_object()?.get(part)?;
    }
    Some(value)
}

/// A string (or number) claim, trimmed; empty counts as absent.
fn lookup_string(claims: &Map<String, Value>, name: &str) -> Option<String> {
    let text = match lookup(claims, name)? {
        Value::String(s) => s.trim().to_owned(),
        Value::Number(n) => n.to_string(),
        _ => return None,
    };
    (!text.is_empty()).then_some(text)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use serde_json::json;

    fn claims(value: Value) -> Map<String, Value> {
        value.as_object().unwrap().clone()
    }

    #[test]
    fn roles_may_be_an_array_or_a_space_separated_string() {
        let mapping = ClaimMapping::default();
        let array = mapping
            .map(&claims(
                json!({ "sub": "s", "roles": ["social_worker", "team_manager"] }),
            ))
            .unwrap();
        let string = mapping
            .map(&claims(
                json!({ "sub": "s", "roles": "social_worker  team_manager" }),
            ))
            .unwrap();
        assert_eq!(
            array.principal.roles,
            vec![Role::SocialWorker, Role::TeamManager]
        );
        assert_eq!(array.principal.roles, string.principal.roles);
    }

    #[test]
    fn unknown_and_duplicate_roles_are_dropped() {
        let mapped = ClaimMapping::default()
            .map(&claims(
                json!({ "sub": "s", "roles": ["superuser", "auditor", "auditor", 7] }),
            ))
            .unwrap();
        assert_eq!(mapped.principal.roles, vec![Role::Auditor]);
    }

    #[test]
    fn a_machine_client_without_sub_is_its_client() {
        let mapped = ClaimMapping::default()
            .map(&claims(json!({
                "client_id": "school-mis-100001",
                "roles": ["school_mis_integration"],
                "school_urn": "100001",
                "agency": "school",
            })))
            .unwrap();
        assert_eq!(mapped.principal.subject, "school-mis-100001");
        assert_eq!(
            mapped.principal.client_id.as_deref(),
            Some("school-mis-100001")
        );
        assert_eq!(
            mapped.principal.school_urn.as_ref().map(SchoolUrn::as_str),
            Some("100001")
        );
        assert_eq!(mapped.principal.agency.as_deref(), Some("school"));
    }

    #[test]
    fn claims_are_configurable_and_may_be_nested_or_namespaced() {
        let mapping = ClaimMapping {
            roles: "realm_access.roles".to_owned(),
            team: "https://council.example/team".to_owned(),
            school_urn: "org.urn".to_owned(),
            agency: "org.kind".to_owned(),
        };
        let mapped = mapping
            .map(&claims(json!({
                "sub": "u-1",
                "azp": "case-ui",
                "realm_access": { "roles": ["front_door_officer"] },
                "https://council.example/team": "IFD",
                "org": { "urn": 100002, "kind": "council" },
                "roles": ["administrator"],
            })))
            .unwrap();
        assert_eq!(mapped.principal.roles, vec![Role::FrontDoorOfficer]);
        assert_eq!(mapped.principal.team.as_deref(), Some("IFD"));
        assert_eq!(mapped.principal.client_id.as_deref(), Some("case-ui"));
        assert_eq!(
            mapped.principal.school_urn.as_ref().map(SchoolUrn::as_str),
            Some("100002")
        );
        assert_eq!(mapped.principal.agency.as_deref(), Some("council"));
    }

    #[test]
    fn no_subject_or_a_bad_urn_invalidates_the_token() {
        let mapping = ClaimMapping::default();
        assert_eq!(
            mapping.map(&claims(json!({ "roles": ["auditor"] }))),
            Err(AuthError::InvalidToken)
        );
        assert_eq!(
            mapping.map(&claims(json!({ "sub": "s", "school_urn": "not-a-urn" }))),
            Err(AuthError::InvalidToken)
        );
    }
}
