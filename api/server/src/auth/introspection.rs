//! Opaque access tokens, verified by RFC 7662 token introspection (the `oauth2` crate) with the
//! resource server's own client credentials.
//!
//! A token is accepted only when the provider says it is `active`, it is a bearer token, its
//! `aud` includes familygraph's audience, its `iss` (when given) is the issuer, and it has not
//! expired. Positive answers are reused for a short while (at most 60 s, never past the token's
//! `exp`), keyed by the token's SHA-256, so a revoked token stops working within that time;
//! negative answers are not cached.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use chrono::Utc;
use oauth2::basic::{
    BasicErrorResponse, BasicRevocationErrorResponse, BasicTokenResponse, BasicTokenType,
};
use oauth2::{
    AccessToken, ClientId, ClientSecret, EndpointNotSet, EndpointSet, ExtraTokenFields,
    IntrospectionUrl, RequestTokenError, StandardRevocableToken,
    StandardTokenIntrospectionResponse, TokenIntrospectionResponse,
};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use super::AuthError;
use super::claims::{ClaimMapping, MappedClaims};
use super::config::{IntrospectionCredentials, OidcConfig};

/// Entries beyond which the cache is pruned (and, if still full, emptied).
const MAX_CACHED: usize = 10_000;

/// Every member of an introspection response besides the standard ones (roles, team…).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ExtraClaims {
    /// The members, by name.
    #[serde(flatten)]
    pub claims: Map<String, Value>,
}

impl ExtraTokenFields for ExtraClaims {}

/// An introspection response.
pub type Introspection = StandardTokenIntrospectionResponse<ExtraClaims, BasicTokenType>;

type IntrospectionClient = oauth2::Client<
    BasicErrorResponse,
    BasicTokenResponse,
    Introspection,
    StandardRevocableToken,
    BasicRevocationErrorResponse,
    EndpointNotSet,
    EndpointNotSet,
    EndpointSet,
>;

/// What an acceptable introspection answer says.
struct Accepted {
    claims: Map<String, Value>,
    exp: Option<chrono::DateTime<Utc>>,
}

struct Cached {
    claims: MappedClaims,
    until: Instant,
}

/// Introspects opaque tokens and caches positive answers.
pub struct Introspector {
    client_id: ClientId,
    client_secret: ClientSecret,
    audience: String,
    leeway: Duration,
    cache_ttl: Duration,
    mapping: ClaimMapping,
    cache: Mutex<HashMap<[u8; 32], Cached>>,
}

impl Introspector {
    /// An introspector with `credentials`, checking tokens as `config` says.
    pub fn new(credentials: &IntrospectionCredentials, config: &OidcConfig) -> Self {
        Self {
            client_id: ClientId::new(credentials.client_id.clone()),
            client_secret: ClientSecret::new(credentials.client_secret.clone()),
            audience: config.audience.clone(),
            leeway: config.effective_leeway(),
            cache_ttl: config.effective_introspection_cache_ttl(),
            mapping: config.claims.clone(),
            cache: Mutex::new(HashMap::new()),
        }
    }

    /// Verifies `token` at `endpoint` of the provider `issuer`.
    pub async fn verify(
        &self,
        http: &reqwest::Client,
        endpoint: &str,
        issuer: &str,
        token: &str,
    ) -> Result<MappedClaims, AuthError> {
        let key: [u8; 32] = Sha256::digest(token.as_bytes()).into();
        if let Some(claims) = self.cached(&key) {
            return Ok(claims);
        }
        let url = IntrospectionUrl::new(endpoint.to_owned()).map_err(|error| {
            tracing::error!(%error, endpoint, "the provider's introspection endpoint is not a URL");
            AuthError::IssuerUnavailable
        })?;
        let client: IntrospectionClient = oauth2::Client::new(self.client_id.clone())
            .set_client_secret(self.client_secret.clone())
            .set_introspection_url(url);
        let access_token = AccessToken::new(token.to_owned());
        let response = client
            .introspect(&access_token)
            .set_token_type_hint("access_token")
            .request_async(http)
            .await
            .map_err(|error| {
                match &error {
                    RequestTokenError::ServerResponse(response) => tracing::error!(
                        error = %response,
                        "the provider refused familygraph's introspection request (check the introspection client id and secret)"
                    ),
                    other => tracing::warn!(error = %other, "token introspection failed"),
                }
                AuthError::IssuerUnavailable
            })?;
        let accepted = self.accept(&response, issuer)?;
        let mapped = self.mapping.map(&accepted.claims)?;
        self.remember(key, &mapped, accepted.exp);
        Ok(mapped)
    }

    /// The claims of an active, well-addressed, unexpired bearer token, and its expiry.
    fn accept(&self, response: &Introspection, issuer: &str) -> Result<Accepted, AuthError> {
        let now = Utc::now();
        let leeway = chrono::Duration::from_std(self.leeway).unwrap_or_default();
        let bearer = match response.token_type() {
            None | Some(BasicTokenType::Bearer) => true,
            Some(BasicTokenType::Extension(kind)) => kind.eq_ignore_ascii_case("bearer"),
            Some(_) => false,
        };
        let audience_ok = response
            .aud()
            .is_some_and(|aud| aud.iter().any(|a| a == &self.audience));
        let issuer_ok = response
            .iss()
            .is_none_or(|iss| iss.trim_end_matches('/') == issuer.trim_end_matches('/'));
        let unexpired = response.exp().is_none_or(|exp| exp > now);
        let started = response.nbf().is_none_or(|nbf| nbf <= now + leeway);
        if !(response.active() && bearer && audience_ok && issuer_ok && unexpired && started) {
            return Err(AuthError::InvalidToken);
        }
        let mut claims = response.extra_fields().claims.clone();
        if let Some(sub) = response.sub() {
            claims.insert("sub".to_owned(), Value::String(sub.to_owned()));
        }
        if let Some(client_id) = response.client_id() {
            claims.insert(
                "client_id".to_owned(),
                Value::String(client_id.as_str().to_owned()),
            );
        }
        Ok(Accepted {
            claims,
            exp: response.exp(),
        })
    }

    fn cached(&self, key: &[u8; 32]) -> Option<MappedClaims> {
        let cache = self.cache.lock().ok()?;
        let entry = cache.get(key)?;
        (entry.until > Instant::now()).then(|| entry.claims.clone())
    }

    fn remember(&self, key: [u8; 32], claims: &MappedClaims, exp: Option<chrono::DateTime<Utc>>) {
        let mut ttl = self.cache_ttl;
        if let Some(exp) = exp {
            let left = (exp - Utc::now()).to_std().unwrap_or_default();
            ttl = ttl.min(left);
        }
        if ttl.is_zero() {
            return;
        }
        let Ok(mut cache) = self.cache.lock() else {
            return;
        };
        let now = Instant::now();
        if cache.len() >= MAX_CACHED {
            cache.retain(|_, entry| entry.until > now);
            if cache.len() >= MAX_CACHED {
                cache.clear();
            }
        }
        cache.insert(
            key,
            Cached {
                claims: claims.clone(),
                until: now + ttl,
            },
        );
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use serde_json::json;

    fn introspector() -> Introspector {
        let config = OidcConfig::new("http://127.0.0.1:4000", "familygraph");
        Introspector::new(
            &IntrospectionCredentials {
                client_id: "familygraph-introspection".to_owned(),
                client_secret: "synthetic".to_owned(),
            },
            &config,
        )
    }

    fn response(value: Value) -> Introspection {
        serde_json::from_value(value).unwrap()
    }

    fn active() -> Value {
        json!({
            "active": true, "client_id": "opaque-app", "aud": "familygraph",
            "iss": "http://127.0.0.1:4000", "exp": Utc::now().timestamp() + 300,
            "token_type": "Bearer", "roles": ["health_visitor"], "team": "N1",
        })
    }

    fn with(key: &str, value: Value) -> Value {
        let mut body = active();
        body[key] = value;
        body
    }

    #[test]
    fn an_active_bearer_token_for_us_is_accepted_with_its_claims() {
        let introspector = introspector();
        let accepted = introspector
            .accept(&response(active()), "http://127.0.0.1:4000/")
            .unwrap();
        let mapped = introspector.mapping.map(&accepted.claims).unwrap();
        assert_eq!(mapped.principal.subject, "opaque-app");
        assert_eq!(mapped.principal.team.as_deref(), Some("N1"));
        assert_eq!(
            mapped.principal.roles,
            vec![familygraph_domain::Role::HealthVisitor]
        );
    }

    #[test]
    fn inactive_foreign_expired_and_non_bearer_tokens_are_refused() {
        let introspector = introspector();
        let mut no_audience = active();
        no_audience.as_object_mut().unwrap().remove("aud");
        for body in [
            json!({ "active": false }),
            with("active", json!(false)),
            with("aud", json!(["other-api"])),
            no_audience,
            with("iss", json!("https://evil.example")),
            with("exp", json!(Utc::now().timestamp() - 5)),
            with("nbf", json!(Utc::now().timestamp() + 600)),
            with("token_type", json!("DPoP")),
        ] {
            assert_eq!(
                introspector
                    .accept(&response(body.clone()), "http://127.0.0.1:4000")
                    .map(|_| ()),
                Err(AuthError::InvalidToken),
                "{body}"
            );
        }
    }

    #[test]
    fn positive_answers_are_cached_briefly_and_never_past_exp() {
        let introspector = introspector();
        let claims = introspector
            .mapping
            .map(active().as_object().unwrap())
            .unwrap();
        introspector.remember([1; 32], &claims, None);
        assert_eq!(introspector.cached(&[1; 32]), Some(claims.clone()));
        introspector.remember(
            [2; 32],
            &claims,
            Some(Utc::now() - chrono::Duration::seconds(1)),
        );
        assert_eq!(introspector.cached(&[2; 32]), None);
        assert_eq!(introspector.cached(&[3; 32]), None);
    }
}
