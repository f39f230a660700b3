//! Bearer-token authentication: `Authorization: Bearer …` → [`Principal`].
//!
//! Every request needs a valid token; there is no anonymous path. Tokens come from:
//! - a real OpenID provider ([`OidcConfig`]): JWT access tokens verified against its JWKS
//!   ([`jwks`]), opaque ones by RFC 7662 introspection ([`introspection`]);
//! - the development issuer ([`DevIssuer`]), in the embedded default only.
//!
//! Which claims carry roles, team, school URN and agency is configurable ([`claims`]).

pub mod claims;
pub mod config;
pub mod introspection;
pub mod jwks;

use familygraph_domain::Principal;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::{Map, Value};

use crate::dev_issuer::{AUDIENCE, DEV_ISSUER, DevIssuer};
use claims::{ClaimMapping, MappedClaims};
pub use config::{IntrospectionCredentials, OidcConfig, OidcConfigError};
use introspection::Introspector;
use jwks::ProviderCache;

/// Why a request could not be authenticated. Clients see only the code `UNAUTHENTICATED`
/// (HTTP 401) and a fixed message per variant; token internals are never echoed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    /// No `Authorization` header, or not a bearer token.
    #[error("a bearer token is required: send `Authorization: Bearer <token>`")]
    MissingToken,
    /// The token failed verification (signature, issuer, audience, expiry, algorithm), or the
    /// provider says it is not active.
    #[error("the bearer token is invalid or expired")]
    InvalidToken,
    /// The token could not be checked because the OpenID provider could not be reached.
    #[error("the bearer token could not be verified just now; try again shortly")]
    IssuerUnavailable,
}

/// Why an [`Authenticator`] could not be built.
#[derive(Debug, thiserror::Error)]
pub enum AuthSetupError {
    /// The HTTP client for the provider could not be built.
    #[error("building the HTTP client for the OpenID provider: {0}")]
    HttpClient(#[from] reqwest::Error),
}

struct Oidc {
    http: reqwest::Client,
    provider: ProviderCache,
    audience: String,
    leeway: std::time::Duration,
    mapping: ClaimMapping,
    introspector: Option<Introspector>,
}

/// Verifies bearer tokens against the configured issuers.
pub struct Authenticator {
    dev_issuer: Option<(DecodingKey, Validation)>,
    oidc: Option<Oidc>,
}

impl Authenticator {
    /// An authenticator that trusts no issuer: every request is refused.
    pub fn refusing_all() -> Self {
        Self {
            dev_issuer: None,
            oidc: None,
        }
    }

    /// An authenticator that trusts the development issuer's key.
    pub fn with_dev_issuer(issuer: &DevIssuer) -> Self {
        Self::refusing_all().and_dev_issuer(issuer)
    }

    /// An authenticator that trusts the OpenID provider of `config`. Nothing is fetched until
    /// [`Authenticator::prepare`] or the first token.
    pub fn with_oidc(config: &OidcConfig) -> Result<Self, AuthSetupError> {
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(config.http_timeout)
            .timeout(config.http_timeout)
            .user_agent(concat!("familygraph/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(Self {
            dev_issuer: None,
            oidc: Some(Oidc {
                provider: ProviderCache::new(http.clone(), config),
                http,
                audience: config.audience.clone(),
                leeway: config.effective_leeway(),
                mapping: config.claims.clone(),
                introspector: config
                    .introspection
                    .as_ref()
                    .map(|credentials| Introspector::new(credentials, config)),
            }),
        })
    }

    /// This authenticator, also trusting the development issuer's key.
    pub fn and_dev_issuer(mut self, issuer: &DevIssuer) -> Self {
        let mut validation = Validation::new(Algorithm::EdDSA);
        validation.set_issuer(&[DEV_ISSUER]);
        validation.set_audience(&[AUDIENCE]);
        validation.set_required_spec_claims(&["exp", "nbf", "iss", "aud", "sub"]);
        validation.validate_nbf = true;
        validation.leeway = 30;
        self.dev_issuer = Some((issuer.decoding_key().clone(), validation));
        self
    }

    /// Whether the development issuer is trusted.
    pub fn trusts_dev_issuer(&self) -> bool {
        self.dev_issuer.is_some()
    }

    /// Fetches the OpenID provider's discovery document and keys now, so that a misconfigured
    /// or unreachable provider shows at start-up. Does nothing without a provider.
    pub async fn prepare(&self) -> Result<(), AuthError> {
        match &self.oidc {
            Some(oidc) => oidc.provider.snapshot().await.map(|_| ()),
            None => Ok(()),
        }
    }

    /// Authenticates the value of an `Authorization` header.
    pub async fn authenticate(&self, authorization: Option<&str>) -> Result<Principal, AuthError> {
        self.authenticate_claims(authorization)
            .await
            .map(|mapped| mapped.principal)
    }

    /// Authenticates the value of an `Authorization` header, returning everything the token
    /// says about its caller (including claims not yet part of [`Principal`]).
    pub async fn authenticate_claims(
        &self,
        authorization: Option<&str>,
    ) -> Result<MappedClaims, AuthError> {
        let token = bearer_token(authorization).ok_or(AuthError::MissingToken)?;
        if is_jws(token) {
            if let Some((key, validation)) = &self.dev_issuer
                && unverified_issuer(token).as_deref() == Some(DEV_ISSUER)
            {
                let data = jsonwebtoken::decode::<Map<String, Value>>(token, key, validation)
                    .map_err(|_| AuthError::InvalidToken)?;
                return ClaimMapping::default().map(&data.claims);
            }
            let oidc = self.oidc.as_ref().ok_or(AuthError::InvalidToken)?;
            let claims = jwks::verify(&oidc.provider, token, &oidc.audience, oidc.leeway).await?;
            return oidc.mapping.map(&claims);
        }
        // Anything else is an opaque token, for the provider to introspect.
        let oidc = self.oidc.as_ref().ok_or(AuthError::InvalidToken)?;
        let introspector = oidc.introspector.as_ref().ok_or(AuthError::InvalidToken)?;
        if token.len() > MAX_OPAQUE_TOKEN_BYTES || !token.bytes().all(is_token_byte) {
            return Err(AuthError::InvalidToken);
        }
        let snapshot = oidc.provider.snapshot().await?;
        let Some(endpoint) = snapshot.metadata.introspection_endpoint.as_deref() else {
            tracing::warn!(
                "an opaque token arrived but the provider has no introspection endpoint"
            );
            return Err(AuthError::InvalidToken);
        };
        introspector
            .verify(&oidc.http, endpoint, &snapshot.metadata.issuer, token)
            .await
    }
}

/// Longest opaque token sent on for introspection.
const MAX_OPAQUE_TOKEN_BYTES: usize = 4096;

/// RFC 6750 `b64token` characters.
fn is_token_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'+' | b'/' | b'=')
}

/// Whether the token has the shape of a compact JWS (`header.payload.signature`).
fn is_jws(token: &str) -> bool {
    token.split('.').count() == 3
}

/// The `iss` a JWT claims, unverified: used only to choose which verifier checks it.
fn unverified_issuer(token: &str) -> Option<String> {
    #[derive(serde::Deserialize)]
    struct Iss {
        iss: Option<String>,
    }
    jsonwebtoken::dangerous::insecure_decode_claims::<Iss>(token)
        .ok()
        .and_then(|claims| claims.iss)
}

fn bearer_token(authorization: Option<&str>) -> Option<&str> {
    let value = authorization?.trim();
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::dev_issuer::TokenRequest;
    use familygraph_domain::Role;

    fn issuer() -> (tempfile::TempDir, DevIssuer) {
        let dir = tempfile::tempdir().unwrap();
        let issuer = DevIssuer::load_or_create(dir.path()).unwrap();
        (dir, issuer)
    }

    fn request(role: Role) -> TokenRequest {
        TokenRequest {
            role,
            subject: Some("sw-0001".into()),
            team: Some("S1".into()),
            school_urn: None,
            agency: None,
            lifetime: chrono::Duration::hours(1),
        }
    }

    #[tokio::test]
    async fn a_minted_token_authenticates_as_its_principal() {
        let (_dir, issuer) = issuer();
        let token = issuer.mint(&request(Role::SocialWorker)).unwrap();
        let principal = Authenticator::with_dev_issuer(&issuer)
            .authenticate(Some(&format!("Bearer {token}")))
            .await
            .unwrap();
        assert_eq!(principal.subject, "sw-0001");
        assert_eq!(principal.roles, vec![Role::SocialWorker]);
        assert_eq!(principal.team.as_deref(), Some("S1"));
    }

    #[tokio::test]
    async fn the_key_survives_a_restart() {
        let (dir, issuer) = issuer();
        let token = issuer.mint(&request(Role::Auditor)).unwrap();
        let reloaded = DevIssuer::load_or_create(dir.path()).unwrap();
        assert!(
            Authenticator::with_dev_issuer(&reloaded)
                .authenticate(Some(&format!("bearer {token}")))
                .await
                .is_ok()
        );
    }

    #[tokio::test]
    async fn missing_malformed_foreign_and_expired_tokens_are_refused() {
        let (_dir, issuer) = issuer();
        let (_other_dir, other) = self::issuer();
        let auth = Authenticator::with_dev_issuer(&issuer);
        assert_eq!(auth.authenticate(None).await, Err(AuthError::MissingToken));
        assert_eq!(
            auth.authenticate(Some("Basic abc")).await,
            Err(AuthError::MissingToken)
        );
        assert_eq!(
            auth.authenticate(Some("Bearer ")).await,
            Err(AuthError::MissingToken)
        );
        assert_eq!(
            auth.authenticate(Some("Bearer not.a.jwt")).await,
            Err(AuthError::InvalidToken)
        );
        let foreign = other.mint(&request(Role::Administrator)).unwrap();
        assert_eq!(
            auth.authenticate(Some(&format!("Bearer {foreign}"))).await,
            Err(AuthError::InvalidToken)
        );
        let mut expired = request(Role::Administrator);
        expired.lifetime = chrono::Duration::minutes(-10);
        let expired = issuer.mint(&expired).unwrap();
        assert_eq!(
            auth.authenticate(Some(&format!("Bearer {expired}"))).await,
            Err(AuthError::InvalidToken)
        );
    }

    #[tokio::test]
    async fn unsigned_tokens_are_refused() {
        let (_dir, issuer) = issuer();
        let token = issuer.mint(&request(Role::Administrator)).unwrap();
        let mut parts = token.split('.');
        let _header = parts.next();
        let payload = parts.next().unwrap();
        // {"alg":"none","typ":"JWT"}
        let forged = format!("eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.{payload}.");
        assert_eq!(
            Authenticator::with_dev_issuer(&issuer)
                .authenticate(Some(&format!("Bearer {forged}")))
                .await,
            Err(AuthError::InvalidToken)
        );
        assert_eq!(
            Authenticator::refusing_all()
                .authenticate(Some(&format!("Bearer {token}")))
                .await,
            Err(AuthError::InvalidToken)
        );
    }
}
