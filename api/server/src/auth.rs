//! Bearer-token authentication: `Authorization: Bearer …` → [`Principal`].
//!
//! Every request needs a valid token; there is no anonymous path.

use familygraph_domain::{Principal, Role, SchoolUrn};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};

use crate::dev_issuer::{AUDIENCE, AccessClaims, DEV_ISSUER, DevIssuer};

/// Why a request could not be authenticated. Clients see only the code `UNAUTHENTICATED` and a
/// fixed message per variant; token internals are never echoed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    /// No `Authorization` header, or not a bearer token.
    #[error("a bearer token is required: send `Authorization: Bearer <token>`")]
    MissingToken,
    /// The token failed verification (signature, issuer, audience, expiry, algorithm).
    #[error("the bearer token is invalid or expired")]
    InvalidToken,
}

/// Verifies bearer tokens against the configured issuers.
pub struct Authenticator {
    dev_issuer: Option<(DecodingKey, Validation)>,
}

impl Authenticator {
    /// An authenticator that trusts no issuer: every request is refused.
    pub fn refusing_all() -> Self {
        Self { dev_issuer: None }
    }

    /// An authenticator that trusts the development issuer's key.
    pub fn with_dev_issuer(issuer: &DevIssuer) -> Self {
        let mut validation = Validation::new(Algorithm::EdDSA);
        validation.set_issuer(&[DEV_ISSUER]);
        validation.set_audience(&[AUDIENCE]);
        validation.set_required_spec_claims(&["exp", "nbf", "iss", "aud", "sub"]);
        validation.validate_nbf = true;
        validation.leeway = 30;
        Self {
            dev_issuer: Some((issuer.decoding_key().clone(), validation)),
        }
    }

    /// Authenticates the value of an `Authorization` header.
    pub fn authenticate(&self, authorization: Option<&str>) -> Result<Principal, AuthError> {
        let token = bearer_token(authorization).ok_or(AuthError::MissingToken)?;
        let (key, validation) = self.dev_issuer.as_ref().ok_or(AuthError::InvalidToken)?;
        let data = jsonwebtoken::decode::<AccessClaims>(token, key, validation)
            .map_err(|_| AuthError::InvalidToken)?;
        principal_from_claims(data.claims)
    }
}

fn bearer_token(authorization: Option<&str>) -> Option<&str> {
    let value = authorization?.trim();
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

fn principal_from_claims(claims: AccessClaims) -> Result<Principal, AuthError> {
    let roles = claims
        .roles
        .iter()
        .filter_map(|name| Role::parse(name).ok())
        .collect();
    let school_urn = match claims.school_urn {
        Some(urn) => {
            Some(SchoolUrn::parse("school_urn", &urn).map_err(|_| AuthError::InvalidToken)?)
        }
        None => None,
    };
    Ok(Principal {
        subject: claims.sub,
        client_id: claims.client_id,
        roles,
        team: claims.team,
        school_urn,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::dev_issuer::TokenRequest;

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
            lifetime: chrono::Duration::hours(1),
        }
    }

    #[test]
    fn a_minted_token_authenticates_as_its_principal() {
        let (_dir, issuer) = issuer();
        let token = issuer.mint(&request(Role::SocialWorker)).unwrap();
        let principal = Authenticator::with_dev_issuer(&issuer)
            .authenticate(Some(&format!("Bearer {token}")))
            .unwrap();
        assert_eq!(principal.subject, "sw-0001");
        assert_eq!(principal.roles, vec![Role::SocialWorker]);
        assert_eq!(principal.team.as_deref(), Some("S1"));
    }

    #[test]
    fn the_key_survives_a_restart() {
        let (dir, issuer) = issuer();
        let token = issuer.mint(&request(Role::Auditor)).unwrap();
        let reloaded = DevIssuer::load_or_create(dir.path()).unwrap();
        assert!(
            Authenticator::with_dev_issuer(&reloaded)
                .authenticate(Some(&format!("bearer {token}")))
                .is_ok()
        );
    }

    #[test]
    fn missing_malformed_foreign_and_expired_tokens_are_refused() {
        let (_dir, issuer) = issuer();
        let (_other_dir, other) = self::issuer();
        let auth = Authenticator::with_dev_issuer(&issuer);
        assert_eq!(auth.authenticate(None), Err(AuthError::MissingToken));
        assert_eq!(
            auth.authenticate(Some("Basic abc")),
            Err(AuthError::MissingToken)
        );
        assert_eq!(
            auth.authenticate(Some("Bearer ")),
            Err(AuthError::MissingToken)
        );
        assert_eq!(
            auth.authenticate(Some("Bearer not.a.jwt")),
            Err(AuthError::InvalidToken)
        );
        let foreign = other.mint(&request(Role::Administrator)).unwrap();
        assert_eq!(
            auth.authenticate(Some(&format!("Bearer {foreign}"))),
            Err(AuthError::InvalidToken)
        );
        let mut expired = request(Role::Administrator);
        expired.lifetime = chrono::Duration::minutes(-10);
        let expired = issuer.mint(&expired).unwrap();
        assert_eq!(
            auth.authenticate(Some(&format!("Bearer {expired}"))),
            Err(AuthError::InvalidToken)
        );
    }

    #[test]
    fn unsigned_tokens_are_refused() {
        let (_dir, issuer) = issuer();
        let token = issuer.mint(&request(Role::Administrator)).unwrap();
        let mut parts = token.split('.');
        let _header = parts.next();
        let payload = parts.next().unwrap();
        // {"alg":"none","typ":"JWT"}
        let forged = format!("eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.{payload}.");
        assert_eq!(
            Authenticator::with_dev_issuer(&issuer).authenticate(Some(&format!("Bearer {forged}"))),
            Err(AuthError::InvalidToken)
        );
        assert_eq!(
            Authenticator::refusing_all().authenticate(Some(&format!("Bearer {token}"))),
            Err(AuthError::InvalidToken)
        );
    }
}
