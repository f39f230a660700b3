//! JWT access tokens verified against the issuer's JWKS.
//!
//! The provider is discovered from `{issuer}/.well-known/openid-configuration`; its `jwks_uri`
//! is fetched and cached. A token whose `kid` is not in the cache makes the cache fetch the JWKS
//! again (at most once per [`OidcConfig::jwks_min_refresh_interval`]), so a provider can rotate
//! its signing key without familygraph restarting; keys older than
//! [`OidcConfig::jwks_max_age`] are fetched again before use, so retired keys drop out.
//!
//! Only asymmetric algorithms are accepted, and only with a key of the matching type (and, when
//! the JWK declares one, its exact `alg`): `alg: none`, every HMAC algorithm (so a token "signed"
//! with the public key as an HMAC secret fails), symmetric (`oct`) keys, encryption keys and
//! unknown algorithms are refused.

use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use jsonwebtoken::jwk::{AlgorithmParameters, EllipticCurve, Jwk, KeyAlgorithm, PublicKeyUse};
use jsonwebtoken::{Algorithm, DecodingKey, Header, Validation};
use serde::Deserialize;
use serde_json::{Map, Value};

use super::AuthError;
use super::config::OidcConfig;

/// The algorithms a JWT access token may be signed with.
pub const ACCEPTED_ALGORITHMS: &[Algorithm] = &[
    Algorithm::RS256,
    Algorithm::RS384,
    Algorithm::RS512,
    Algorithm::PS256,
    Algorithm::PS384,
    Algorithm::PS512,
    Algorithm::ES256,
    Algorithm::ES384,
    Algorithm::EdDSA,
];

/// Why the provider's metadata or keys could not be fetched.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    /// The request failed (connection, timeout, unreadable body).
    #[error("request to {url} failed: {source}")]
    Http {
        /// What was requested.
        url: String,
        /// The underlying error.
        source: reqwest::Error,
    },
    /// The provider answered with an error status.
    #[error("{url} answered HTTP {status}")]
    Status {
        /// What was requested.
        url: String,
        /// The status.
        status: u16,
    },
    /// The discovery document names another issuer.
    #[error("the discovery document names issuer {found:?}, not the configured {expected:?}")]
    IssuerMismatch {
        /// The configured issuer.
        expected: String,
        /// The issuer the document names.
        found: String,
    },
}

/// The parts of the provider's OpenID discovery document familygraph uses.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ProviderMetadata {
    /// The issuer identifier (the exact `iss` of its tokens).
    pub issuer: String,
    /// Where its signing keys are published.
    pub jwks_uri: String,
    /// Its RFC 7662 introspection endpoint, if it has one.
    #[serde(default)]
    pub introspection_endpoint: Option<String>,
}

async fn get_json<T: serde::de::DeserializeOwned>(
    http: &reqwest::Client,
    url: &str,
) -> Result<T, FetchError> {
    let failed = |source| FetchError::Http {
        url: url.to_owned(),
        source,
    };
    let response = http
        .get(url)
        .header(reqwest::header::ACCEPT, "application/json")
        .send()
        .await
        .map_err(failed)?;
    if !response.status().is_success() {
        return Err(FetchError::Status {
            url: url.to_owned(),
            status: response.status().as_u16(),
        });
    }
    response.json().await.map_err(failed)
}

/// Fetches `{issuer}/.well-known/openid-configuration` and checks it names `issuer`.
pub async fn discover(
    http: &reqwest::Client,
    issuer: &str,
) -> Result<ProviderMetadata, FetchError> {
    let base = issuer.trim_end_matches('/');
    let metadata: ProviderMetadata =
        get_json(http, &format!("{base}/.well-known/openid-configuration")).await?;
    if metadata.issuer.trim_end_matches('/') != base {
        return Err(FetchError::IssuerMismatch {
            expected: issuer.to_owned(),
            found: metadata.issuer,
        });
    }
    Ok(metadata)
}

struct VerificationKey {
    kid: Option<String>,
    algorithms: Vec<Algorithm>,
    key: DecodingKey,
}

/// A JWK set reduced to the keys that may verify access tokens, each with the algorithms it
/// may be used with.
#[derive(Default)]
pub struct KeySet {
    keys: Vec<VerificationKey>,
}

impl KeySet {
    /// The usable keys of a JWKS document (`{"keys": [...]}`). Keys that cannot verify an
    /// asymmetric signature (symmetric, encryption-only, unknown type or algorithm, malformed)
    /// are skipped rather than failing the whole set.
    pub fn from_jwks(document: &Value) -> Self {
        let keys = document
            .get("keys")
            .and_then(Value::as_array)
            .map(|keys| keys.iter().filter_map(usable_key).collect())
            .unwrap_or_default();
        Self { keys }
    }

    /// How many usable keys there are.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Whether there are no usable keys.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// The key for a token header: the one with its `kid` that allows its `alg`; without a
    /// `kid`, the only key that allows the `alg` (several are ambiguous, so none).
    fn find(&self, kid: Option<&str>, alg: Algorithm) -> Option<&DecodingKey> {
        let mut candidates = self.keys.iter().filter(|k| k.algorithms.contains(&alg));
        match kid {
            Some(kid) => candidates
                .find(|k| k.kid.as_deref() == Some(kid))
                .map(|k| &k.key),
            None => {
                let first = candidates.next()?;
                candidates.next().is_none().then_some(&first.key)
            }
        }
    }
}

/// The algorithms a JWK may verify, if it is a usable signature key.
fn usable_key(value: &Value) -> Option<VerificationKey> {
    let jwk: Jwk = serde_json::from_value(value.clone()).ok()?;
    match &jwk.common.public_key_use {
        None | Some(PublicKeyUse::Signature) => {}
        Some(_) => return None,
    }
    let by_type: &[Algorithm] = match &jwk.algorithm {
        AlgorithmParameters::RSA(_) => &[
            Algorithm::RS256,
            Algorithm::RS384,
            Algorithm::RS512,
            Algorithm::PS256,
            Algorithm::PS384,
            Algorithm::PS512,
        ],
        AlgorithmParameters::EllipticCurve(ec) => match ec.curve {
            EllipticCurve::P256 => &[Algorithm::ES256],
            EllipticCurve::P384 => &[Algorithm::ES384],
            _ => return None,
        },
        AlgorithmParameters::OctetKeyPair(okp) => match okp.curve {
            EllipticCurve::Ed25519 => &[Algorithm::EdDSA],
            _ => return None,
        },
        // Symmetric keys never verify access tokens; unknown key types are not understood.
        _ => return None,
    };
    let algorithms = match jwk.common.key_algorithm {
        None => by_type.to_vec(),
        Some(declared) => {
            let alg = declared_algorithm(declared)?;
            by_type.contains(&alg).then(|| vec![alg])?
        }
    };
    let key = DecodingKey::from_jwk(&jwk).ok()?;
    Some(VerificationKey {
        kid: jwk.common.key_id.clone(),
        algorithms,
        key,
    })
}

fn declared_algorithm(alg: KeyAlgorithm) -> Option<Algorithm> {
    let alg = match alg {
        KeyAlgorithm::RS256 => Algorithm::RS256,
        KeyAlgorithm::RS384 => Algorithm::RS384,
        KeyAlgorithm::RS512 => Algorithm::RS512,
        KeyAlgorithm::PS256 => Algorithm::PS256,
        KeyAlgorithm::PS384 => Algorithm::PS384,
        KeyAlgorithm::PS512 => Algorithm::PS512,
        KeyAlgorithm::ES256 => Algorithm::ES256,
        KeyAlgorithm::ES384 => Algorithm::ES384,
        KeyAlgorithm::EdDSA => Algorithm::EdDSA,
        _ => return None,
    };
    ACCEPTED_ALGORITHMS.contains(&alg).then_some(alg)
}

/// What a token must satisfy besides its signature.
#[derive(Debug, Clone)]
pub struct TokenRules {
    /// The required `iss`.
    pub issuer: String,
    /// The required `aud` (one of, when it is an array).
    pub audience: String,
    /// Clock skew tolerated on `exp` and `nbf`.
    pub leeway: Duration,
}

/// The outcome of checking a token against a key set.
#[derive(Debug)]
pub enum Checked {
    /// Valid: its claims.
    Valid(Map<String, Value>),
    /// No key in the set matches the token's `kid` and `alg` (maybe a rotated key).
    UnknownKey,
    /// Invalid.
    Invalid,
}

/// The token's header, if it is a JWS with an accepted algorithm.
pub fn accepted_header(token: &str) -> Option<Header> {
    // `alg: none` and unknown algorithms do not parse; HMAC ones are not accepted.
    let header = jsonwebtoken::decode_header(token).ok()?;
    ACCEPTED_ALGORITHMS.contains(&header.alg).then_some(header)
}

/// Checks a token's signature and claims against `keys`.
pub fn check(token: &str, keys: &KeySet, rules: &TokenRules) -> Checked {
    let Some(header) = accepted_header(token) else {
        return Checked::Invalid;
    };
    let Some(key) = keys.find(header.kid.as_deref(), header.alg) else {
        return Checked::UnknownKey;
    };
    let mut validation = Validation::new(header.alg);
    validation.algorithms = vec![header.alg];
    validation.set_issuer(&[&rules.issuer]);
    validation.set_audience(&[&rules.audience]);
    validation.set_required_spec_claims(&["exp", "iss", "aud"]);
    validation.validate_exp = true;
    validation.validate_nbf = true;
    validation.leeway = rules.leeway.as_secs();
    match jsonwebtoken::decode::<Map<String, Value>>(token, key, &validation) {
        Ok(data) => Checked::Valid(data.claims),
        Err(error) => {
            tracing::debug!(%error, "bearer token refused");
            Checked::Invalid
        }
    }
}

/// The provider's metadata and keys as last fetched.
pub struct Snapshot {
    /// The discovery document.
    pub metadata: ProviderMetadata,
    /// The usable keys.
    pub keys: KeySet,
    fetched: Instant,
}

/// The provider's discovery document and JWKS, cached and refreshed.
pub struct ProviderCache {
    http: reqwest::Client,
    issuer: String,
    min_refresh_interval: Duration,
    max_age: Duration,
    current: RwLock<Option<Arc<Snapshot>>>,
    /// When the last fetch was attempted; held while fetching, so fetches never overlap.
    last_attempt: tokio::sync::Mutex<Option<Instant>>,
}

impl ProviderCache {
    /// A cache for the provider of `config`, fetching with `http`. Nothing is fetched yet.
    pub fn new(http: reqwest::Client, config: &OidcConfig) -> Self {
        Self {
            http,
            issuer: config.issuer.clone(),
            min_refresh_interval: config.jwks_min_refresh_interval,
            max_age: config.jwks_max_age,
            current: RwLock::new(None),
            last_attempt: tokio::sync::Mutex::new(None),
        }
    }

    fn cached(&self) -> Option<Arc<Snapshot>> {
        match self.current.read() {
            Ok(guard) => guard.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    fn store(&self, snapshot: Snapshot) -> Arc<Snapshot> {
        let snapshot = Arc::new(snapshot);
        match self.current.write() {
            Ok(mut guard) => *guard = Some(snapshot.clone()),
            Err(poisoned) => *poisoned.into_inner() = Some(snapshot.clone()),
        }
        snapshot
    }

    /// The cached snapshot, fetched first if there is none or it is older than the maximum age
    /// (when fetching fails, a stale snapshot is still used).
    pub async fn snapshot(&self) -> Result<Arc<Snapshot>, AuthError> {
        match self.cached() {
            Some(snapshot) if snapshot.fetched.elapsed() < self.max_age => Ok(snapshot),
            stale => match self.refresh().await {
                Some(snapshot) => Ok(snapshot),
                None => stale.ok_or(AuthError::IssuerUnavailable),
            },
        }
    }

    /// Fetches discovery document and JWKS again, unless a fetch was attempted within the
    /// minimum refresh interval; returns the snapshot in force afterwards.
    pub async fn refresh(&self) -> Option<Arc<Snapshot>> {
        let mut last_attempt = self.last_attempt.lock().await;
        if let Some(at) = *last_attempt
            && at.elapsed() < self.min_refresh_interval
        {
            return self.cached();
        }
        *last_attempt = Some(Instant::now());
        match self.fetch().await {
            Ok(snapshot) => {
                tracing::info!(
                    issuer = %self.issuer,
                    keys = snapshot.keys.len(),
                    "fetched the OpenID provider's signing keys"
                );
                Some(self.store(snapshot))
            }
            Err(error) => {
                tracing::warn!(issuer = %self.issuer, %error, "could not fetch the OpenID provider's signing keys");
                self.cached()
            }
        }
    }

    async fn fetch(&self) -> Result<Snapshot, FetchError> {
        let metadata = discover(&self.http, &self.issuer).await?;
        let document: Value = get_json(&self.http, &metadata.jwks_uri).await?;
        Ok(Snapshot {
            keys: KeySet::from_jwks(&document),
            metadata,
            fetched: Instant::now(),
        })
    }
}

/// Verifies a JWT access token: with the cached keys, and once more after a (rate-limited)
/// refresh when its key is unknown.
pub async fn verify(
    cache: &ProviderCache,
    token: &str,
    audience: &str,
    leeway: Duration,
) -> Result<Map<String, Value>, AuthError> {
    if accepted_header(token).is_none() {
        return Err(AuthError::InvalidToken);
    }
    let snapshot = cache.snapshot().await?;
    let rules = |snapshot: &Snapshot| TokenRules {
        issuer: snapshot.metadata.issuer.clone(),
        audience: audience.to_owned(),
        leeway,
    };
    match check(token, &snapshot.keys, &rules(&snapshot)) {
        Checked::Valid(claims) => Ok(claims),
        Checked::Invalid => Err(AuthError::InvalidToken),
        Checked::UnknownKey => {
            let Some(refreshed) = cache.refresh().await else {
                return Err(AuthError::IssuerUnavailable);
            };
            match check(token, &refreshed.keys, &rules(&refreshed)) {
                Checked::Valid(claims) => Ok(claims),
                Checked::Invalid | Checked::UnknownKey => Err(AuthError::InvalidToken),
            }
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use base64::Engine as _;
    use ed25519_dalek::SigningKey;
    use ed25519_dalek::pkcs8::EncodePrivateKey;
    use jsonwebtoken::EncodingKey;
    use serde_json::json;

    const ISSUER: &str = "https://idp.example";

    fn b64(bytes: &[u8]) -> String {
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    }

    struct Signer {
        kid: &'static str,
        signing: SigningKey,
    }

    impl Signer {
        fn new(kid: &'static str) -> Self {
            Self {
                kid,
                signing: SigningKey::generate(&mut rand::rngs::OsRng),
            }
        }

        fn jwk(&self) -> Value {
            json!({
                "kty": "OKP", "crv": "Ed25519", "use": "sig", "alg": "EdDSA", "kid": self.kid,
                "x": b64(self.signing.verifying_key().as_bytes()),
            })
        }

        fn sign(&self, claims: &Value) -> String {
            let der = self.signing.to_pkcs8_der().unwrap();
            let mut header = Header::new(Algorithm::EdDSA);
            header.kid = Some(self.kid.to_owned());
            jsonwebtoken::encode(&header, claims, &EncodingKey::from_ed_der(der.as_bytes()))
                .unwrap()
        }
    }

    fn now() -> i64 {
        chrono::Utc::now().timestamp()
    }

    fn claims() -> Value {
        json!({
            "iss": ISSUER, "aud": "familygraph", "sub": "synthetic-client",
            "iat": now(), "exp": now() + 300, "roles": ["auditor"],
        })
    }

    fn rules() -> TokenRules {
        TokenRules {
            issuer: ISSUER.to_owned(),
            audience: "familygraph".to_owned(),
            leeway: Duration::from_secs(5),
        }
    }

    fn with(mut claims: Value, key: &str, value: Value) -> Value {
        claims[key] = value;
        claims
    }

    fn valid(outcome: Checked) -> bool {
        matches!(outcome, Checked::Valid(_))
    }

    #[test]
    fn a_token_signed_by_a_published_key_with_the_right_claims_is_valid() {
        let signer = Signer::new("k1");
        let keys = KeySet::from_jwks(&json!({ "keys": [signer.jwk()] }));
        assert_eq!(keys.len(), 1);
        assert!(valid(check(&signer.sign(&claims()), &keys, &rules())));
        // An array audience passes when it includes ours.
        let multi = with(claims(), "aud", json!(["other", "familygraph"]));
        assert!(valid(check(&signer.sign(&multi), &keys, &rules())));
    }

    #[test]
    fn issuer_audience_expiry_and_not_before_are_checked() {
        let signer = Signer::new("k1");
        let keys = KeySet::from_jwks(&json!({ "keys": [signer.jwk()] }));
        let cases = [
            with(claims(), "iss", json!("https://evil.example")),
            with(claims(), "aud", json!("other-api")),
            with(claims(), "exp", json!(now() - 60)),
            with(claims(), "nbf", json!(now() + 60)),
        ];
        for bad in cases {
            assert!(
                matches!(check(&signer.sign(&bad), &keys, &rules()), Checked::Invalid),
                "{bad}"
            );
        }
        let mut no_exp = claims();
        no_exp.as_object_mut().unwrap().remove("exp");
        assert!(matches!(
            check(&signer.sign(&no_exp), &keys, &rules()),
            Checked::Invalid
        ));
        // Within the leeway.
        let skewed = with(claims(), "nbf", json!(now() + 2));
        assert!(valid(check(&signer.sign(&skewed), &keys, &rules())));
    }

    #[test]
    fn an_unknown_kid_asks_for_a_refresh() {
        let published = Signer::new("k1");
        let rotated = Signer::new("k2");
        let keys = KeySet::from_jwks(&json!({ "keys": [published.jwk()] }));
        assert!(matches!(
            check(&rotated.sign(&claims()), &keys, &rules()),
            Checked::UnknownKey
        ));
    }

    #[test]
    fn a_token_signed_with_another_key_under_a_known_kid_is_invalid() {
        let published = Signer::new("k1");
        let impostor = Signer::new("k1");
        let keys = KeySet::from_jwks(&json!({ "keys": [published.jwk()] }));
        assert!(matches!(
            check(&impostor.sign(&claims()), &keys, &rules()),
            Checked::Invalid
        ));
    }

    #[test]
    fn none_hmac_and_unknown_algorithms_are_refused() {
        let signer = Signer::new("k1");
        let keys = KeySet::from_jwks(&json!({ "keys": [signer.jwk()] }));
        let payload = b64(claims().to_string().as_bytes());
        for header in [
            json!({ "alg": "none", "kid": "k1" }),
            json!({ "alg": "ES512", "kid": "k1" }),
            json!({ "alg": "Ed448", "kid": "k1" }),
        ] {
            let token = format!("{}.{payload}.", b64(header.to_string().as_bytes()));
            assert!(matches!(check(&token, &keys, &rules()), Checked::Invalid));
        }
        // HMAC keyed with the public key's published bytes.
        let public = signer.signing.verifying_key();
        let mut header = Header::new(Algorithm::HS256);
        header.kid = Some("k1".to_owned());
        let forged = jsonwebtoken::encode(
            &header,
            &claims(),
            &EncodingKey::from_secret(public.as_bytes()),
        )
        .unwrap();
        assert!(matches!(check(&forged, &keys, &rules()), Checked::Invalid));
    }

    #[test]
    fn symmetric_encryption_and_mismatched_keys_are_not_used() {
        let secret = b"synthetic-shared-secret-synthetic";
        let signer = Signer::new("k1");
        let mut enc = signer.jwk();
        enc["use"] = json!("enc");
        let mut wrong_alg = signer.jwk();
        wrong_alg["alg"] = json!("RS256");
        wrong_alg["kid"] = json!("k2");
        let keys = KeySet::from_jwks(&json!({ "keys": [
            { "kty": "oct", "k": b64(secret), "alg": "HS256", "kid": "hmac" },
            enc,
            wrong_alg,
            { "kty": "EC", "crv": "P-521", "x": "AA", "y": "AA", "kid": "p521" },
            { "kty": "AKP", "alg": "ML-DSA-44", "pub": "AA", "kid": "pq" },
            "not a key",
        ] }));
        assert!(keys.is_empty());
        let mut header = Header::new(Algorithm::HS256);
        header.kid = Some("hmac".to_owned());
        let forged =
            jsonwebtoken::encode(&header, &claims(), &EncodingKey::from_secret(secret)).unwrap();
        assert!(matches!(check(&forged, &keys, &rules()), Checked::Invalid));
    }

    #[test]
    fn without_a_kid_only_an_unambiguous_key_is_used() {
        let signer = Signer::new("k1");
        let der = signer.signing.to_pkcs8_der().unwrap();
        let token = jsonwebtoken::encode(
            &Header::new(Algorithm::EdDSA),
            &claims(),
            &EncodingKey::from_ed_der(der.as_bytes()),
        )
        .unwrap();
        let one = KeySet::from_jwks(&json!({ "keys": [signer.jwk()] }));
        assert!(valid(check(&token, &one, &rules())));
        let two = KeySet::from_jwks(&json!({ "keys": [signer.jwk(), Signer::new("k2").jwk()] }));
        assert!(matches!(check(&token, &two, &rules()), Checked::UnknownKey));
    }

    #[test]
    fn a_tampered_payload_is_invalid() {
        let signer = Signer::new("k1");
        let keys = KeySet::from_jwks(&json!({ "keys": [signer.jwk()] }));
        let token = signer.sign(&claims());
        let mut parts: Vec<&str> = token.split('.').collect();
        let elevated = b64(with(claims(), "roles", json!(["administrator"]))
            .to_string()
            .as_bytes());
        parts[1] = &elevated;
        assert!(matches!(
            check(&parts.join("."), &keys, &rules()),
            Checked::Invalid
        ));
    }
}
