//! OpenID issuer configuration, read from the environment.

use std::fmt;
use std::time::Duration;

use oauth2::url::{Host, Url};

use super::claims::ClaimMapping;
use crate::dev_issuer::AUDIENCE;

/// Environment variable naming the OpenID issuer URL.
pub const ENV_ISSUER: &str = "FAMILYGRAPH_OIDC_ISSUER";
/// Environment variable naming the audience access tokens must carry.
pub const ENV_AUDIENCE: &str = "FAMILYGRAPH_OIDC_AUDIENCE";
/// Environment variable naming the resource server's client id for token introspection.
pub const ENV_INTROSPECTION_CLIENT_ID: &str = "FAMILYGRAPH_OIDC_INTROSPECTION_CLIENT_ID";
/// Environment variable holding the resource server's client secret for token introspection.
pub const ENV_INTROSPECTION_CLIENT_SECRET: &str = "FAMILYGRAPH_OIDC_INTROSPECTION_CLIENT_SECRET";
/// Environment variable naming the claim that carries roles.
pub const ENV_CLAIM_ROLES: &str = "FAMILYGRAPH_CLAIM_ROLES";
/// Environment variable naming the claim that carries the team code.
pub const ENV_CLAIM_TEAM: &str = "FAMILYGRAPH_CLAIM_TEAM";
/// Environment variable naming the claim that carries the school URN.
pub const ENV_CLAIM_SCHOOL_URN: &str = "FAMILYGRAPH_CLAIM_SCHOOL_URN";
/// Environment variable naming the claim that carries the agency.
pub const ENV_CLAIM_AGENCY: &str = "FAMILYGRAPH_CLAIM_AGENCY";

/// The largest clock skew tolerated on `exp` and `nbf`.
pub const MAX_LEEWAY: Duration = Duration::from_secs(60);
/// The longest an introspection answer is reused.
pub const MAX_INTROSPECTION_CACHE: Duration = Duration::from_secs(60);

/// Why the OpenID configuration is unusable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OidcConfigError {
    /// The issuer is not an absolute `https` URL (`http` is allowed only on loopback).
    #[error(
        "{ENV_ISSUER} must be an https URL (http only for localhost/127.0.0.1/[::1]), got {0:?}"
    )]
    InvalidIssuer(String),
    /// Only one of the introspection client id and secret is set.
    #[error(
        "set both {ENV_INTROSPECTION_CLIENT_ID} and {ENV_INTROSPECTION_CLIENT_SECRET}, or neither"
    )]
    IncompleteIntrospectionCredentials,
    /// A setting is present but empty.
    #[error("{0} is set but empty")]
    Empty(&'static str),
}

/// The resource server's own client credentials, used to call the introspection endpoint.
#[derive(Clone, PartialEq, Eq)]
pub struct IntrospectionCredentials {
    /// Client id.
    pub client_id: String,
    /// Client secret.
    pub client_secret: String,
}

impl fmt::Debug for IntrospectionCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IntrospectionCredentials")
            .field("client_id", &self.client_id)
            .field("client_secret", &"<redacted>")
            .finish()
    }
}

/// How to verify the bearer tokens of a real OpenID provider.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OidcConfig {
    /// The issuer URL, exactly as the provider's discovery document and tokens' `iss` give it.
    pub issuer: String,
    /// The audience (`aud`) access tokens must carry.
    pub audience: String,
    /// Client credentials for RFC 7662 introspection of opaque tokens; without them opaque
    /// tokens are refused.
    pub introspection: Option<IntrospectionCredentials>,
    /// Which claims carry roles, team, school URN and agency.
    pub claims: ClaimMapping,
    /// Clock skew tolerated on `exp` and `nbf` (at most [`MAX_LEEWAY`]).
    pub leeway: Duration,
    /// The JWKS is fetched again for an unknown `kid` at most this often.
    pub jwks_min_refresh_interval: Duration,
    /// Keys older than this are fetched again before use (so retired keys drop out).
    pub jwks_max_age: Duration,
    /// How long a positive introspection answer is reused (at most [`MAX_INTROSPECTION_CACHE`],
    /// and never past the token's `exp`).
    pub introspection_cache_ttl: Duration,
    /// Timeout of each request to the provider.
    pub http_timeout: Duration,
}

impl OidcConfig {
    /// A configuration for `issuer` and `audience` with the default claim mapping and timings:
    /// 30 s leeway, JWKS refresh at most every 30 s on an unknown `kid` and at least hourly,
    /// introspection answers reused for up to 60 s, 10 s request timeout.
    pub fn new(issuer: impl Into<String>, audience: impl Into<String>) -> Self {
        Self {
            issuer: issuer.into(),
            audience: audience.into(),
            introspection: None,
            claims: ClaimMapping::default(),
            leeway: Duration::from_secs(30),
            jwks_min_refresh_interval: Duration::from_secs(30),
            jwks_max_age: Duration::from_secs(3600),
            introspection_cache_ttl: MAX_INTROSPECTION_CACHE,
            http_timeout: Duration::from_secs(10),
        }
    }

    /// Reads the configuration from the process environment and the configuration file
    /// ([`crate::settings::lookup`]); `None` when no issuer is set.
    pub fn from_env() -> Result<Option<Self>, OidcConfigError> {
        Self::from_lookup(crate::settings::lookup)
    }

    /// Reads the configuration through `lookup` (an environment); `None` when no issuer is set.
    pub fn from_lookup(
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<Option<Self>, OidcConfigError> {
        let get = |name: &'static str| -> Result<Option<String>, OidcConfigError> {
            match lookup(name) {
                None => Ok(None),
                Some(value) if value.trim().is_empty() => Err(OidcConfigError::Empty(name)),
                Some(value) => Ok(Some(value.trim().to_owned())),
            }
        };
        let Some(issuer) = lookup(ENV_ISSUER).filter(|v| !v.trim().is_empty()) else {
            return Ok(None);
        };
        let issuer = issuer.trim().to_owned();
        validate_issuer(&issuer)?;
        let mut config = Self::new(
            issuer,
            get(ENV_AUDIENCE)?.unwrap_or_else(|| AUDIENCE.to_owned()),
        );
        config.introspection = match (
            get(ENV_INTROSPECTION_CLIENT_ID)?,
            get(ENV_INTROSPECTION_CLIENT_SECRET)?,
        ) {
            (Some(client_id), Some(client_secret)) => Some(IntrospectionCredentials {
                client_id,
                client_secret,
            }),
            (None, None) => None,
            _ => return Err(OidcConfigError::IncompleteIntrospectionCredentials),
        };
        let defaults = ClaimMapping::default();
        config.claims = ClaimMapping {
            roles: get(ENV_CLAIM_ROLES)?.unwrap_or(defaults.roles),
            team: get(ENV_CLAIM_TEAM)?.unwrap_or(defaults.team),
            school_urn: get(ENV_CLAIM_SCHOOL_URN)?.unwrap_or(defaults.school_urn),
            agency: get(ENV_CLAIM_AGENCY)?.unwrap_or(defaults.agency),
        };
        Ok(Some(config))
    }

    /// The leeway actually applied (capped at [`MAX_LEEWAY`]).
    pub(crate) fn effective_leeway(&self) -> Duration {
        self.leeway.min(MAX_LEEWAY)
    }

    /// The introspection cache lifetime actually applied (capped).
    pub(crate) fn effective_introspection_cache_ttl(&self) -> Duration {
        self.introspection_cache_ttl.min(MAX_INTROSPECTION_CACHE)
    }
}

/// Accepts `https://…`, and `http://…` only on a loopback host.
fn validate_issuer(issuer: &str) -> Result<(), OidcConfigError> {
    let invalid = || OidcConfigError::InvalidIssuer(issuer.to_owned());
    let url = Url::parse(issuer).map_err(|_| invalid())?;
    let loopback = match url.host() {
        Some(Host::Domain(domain)) => domain == "localhost",
        Some(Host::Ipv4(ip)) => ip.is_loopback(),
        Some(Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    };
    let secure = url.scheme() == "https" || (url.scheme() == "http" && loopback);
    let plain = url.query().is_none() && url.fragment().is_none() && url.username().is_empty();
    if secure && plain && url.host().is_some() {
        Ok(())
    } else {
        Err(invalid())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn lookup(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        move |name| map.get(name).cloned()
    }

    #[test]
    fn no_issuer_means_no_oidc() {
        assert_eq!(OidcConfig::from_lookup(lookup(&[])).unwrap(), None);
        assert_eq!(
            OidcConfig::from_lookup(lookup(&[(ENV_ISSUER, " ")])).unwrap(),
            None
        );
    }

    #[test]
    fn defaults_and_overrides() {
        let config = OidcConfig::from_lookup(lookup(&[(ENV_ISSUER, "https://idp.example")]))
            .unwrap()
            .unwrap();
        assert_eq!(config.audience, "familygraph");
        assert_eq!(config.claims, ClaimMapping::default());
        assert_eq!(config.introspection, None);

        let config = OidcConfig::from_lookup(lookup(&[
            (ENV_ISSUER, "https://idp.example/realms/council"),
            (ENV_AUDIENCE, "api://familygraph"),
            (ENV_INTROSPECTION_CLIENT_ID, "familygraph"),
            (ENV_INTROSPECTION_CLIENT_SECRET, "synthetic"),
            (ENV_CLAIM_ROLES, "realm_access.roles"),
            (ENV_CLAIM_TEAM, "team_code"),
            (ENV_CLAIM_SCHOOL_URN, "urn"),
            (ENV_CLAIM_AGENCY, "org"),
        ]))
        .unwrap()
        .unwrap();
        assert_eq!(config.audience, "api://familygraph");
        assert_eq!(config.claims.roles, "realm_access.roles");
        assert_eq!(config.claims.agency, "org");
        let credentials = config.introspection.unwrap();
        assert!(!format!("{credentials:?}").contains("synthetic"));
    }

    #[test]
    fn insecure_or_incomplete_settings_are_refused() {
        for issuer in [
            "http://idp.example",
            "idp.example",
            "https://idp.example/?x=1",
        ] {
            assert_eq!(
                OidcConfig::from_lookup(lookup(&[(ENV_ISSUER, issuer)])),
                Err(OidcConfigError::InvalidIssuer(issuer.to_owned())),
            );
        }
        for issuer in [
            "http://127.0.0.1:4000",
            "http://localhost:4000/oidc",
            "http://[::1]:9",
        ] {
            assert!(OidcConfig::from_lookup(lookup(&[(ENV_ISSUER, issuer)])).is_ok());
        }
        assert_eq!(
            OidcConfig::from_lookup(lookup(&[
                (ENV_ISSUER, "https://idp.example"),
                (ENV_INTROSPECTION_CLIENT_ID, "familygraph"),
            ])),
            Err(OidcConfigError::IncompleteIntrospectionCredentials)
        );
        assert_eq!(
            OidcConfig::from_lookup(lookup(&[
                (ENV_ISSUER, "https://idp.example"),
                (ENV_CLAIM_ROLES, ""),
            ])),
            Err(OidcConfigError::Empty(ENV_CLAIM_ROLES))
        );
    }

    #[test]
    fn leeway_and_cache_are_capped() {
        let mut config = OidcConfig::new("https://idp.example", "familygraph");
        config.leeway = Duration::from_secs(600);
        config.introspection_cache_ttl = Duration::from_secs(600);
        assert_eq!(config.effective_leeway(), MAX_LEEWAY);
        assert_eq!(
            config.effective_introspection_cache_ttl(),
            MAX_INTROSPECTION_CACHE
        );
    }
}
