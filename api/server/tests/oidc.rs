//! Token verification against a real OpenID provider: the certified `oidc-provider` npm package
//! in `tests/oidc-provider/`, started per test on a free port. Tokens are obtained over real
//! HTTP with the client-credentials grant (the `oauth2` crate), exactly as a school MIS
//! integration or a partner app would.
//!
//! Needs Node.js; `tests/oidc-provider/node_modules` is installed with `npm ci` if missing
//! (`.ci/run` does it before the tests).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, SystemTime};

use base64::Engine as _;
use familygraph::auth::{AuthError, Authenticator, IntrospectionCredentials, OidcConfig};
use familygraph::http::{self, AppState};
use familygraph_domain::Role;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use oauth2::basic::BasicClient;
use oauth2::{ClientId, ClientSecret, TokenResponse, TokenUrl};
use serde_json::{Value, json};

const SECRET: &str = "synthetic-test-secret-not-for-production";
const OTHER_RESOURCE: &str = "urn:example:other-api";

fn provider_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/oidc-provider")
}

static NPM: Mutex<()> = Mutex::new(());

/// Runs `npm ci` unless `node_modules` is installed from the current lock file.
fn ensure_installed() {
    let _guard = NPM.lock().unwrap_or_else(|e| e.into_inner());
    let dir = provider_dir();
    let modified = |path: PathBuf| {
        std::fs::metadata(path)
            .and_then(|m| m.modified())
            .unwrap_or(SystemTime::UNIX_EPOCH)
    };
    let installed = modified(dir.join("node_modules/.package-lock.json"));
    if installed > SystemTime::UNIX_EPOCH && installed >= modified(dir.join("package-lock.json")) {
        return;
    }
    let status = Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
        .current_dir(&dir)
        .status()
        .expect("npm is needed for the OpenID provider tests");
    assert!(status.success(), "npm ci in {} failed", dir.display());
}

/// A running provider; killed on drop.
struct Provider {
    child: Child,
    _stdin: ChildStdin,
    issuer: String,
    http: reqwest::Client,
    log_dir: tempfile::TempDir,
}

impl Provider {
    /// Starts a provider; a start that stalls (a starved CPU) is retried, up to three times.
    fn start() -> Self {
        ensure_installed();
        let mut failures = Vec::new();
        for _ in 0..3 {
            match Self::try_start() {
                Ok(provider) => return provider,
                Err(failure) => failures.push(failure),
            }
        }
        panic!("the OpenID provider did not start: {failures:#?}");
    }

    fn try_start() -> Result<Self, String> {
        let log_dir = tempfile::tempdir().unwrap();
        let log_path = log_dir.path().join("provider.log");
        let log = std::fs::File::create(&log_path).unwrap();
        let mut child = Command::new("node")
            .args(["server.mjs", "0", "--exit-with-stdin"])
            .current_dir(provider_dir())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(log)
            .spawn()
            .expect("node is needed for the OpenID provider tests");
        let stdin = child.stdin.take().unwrap();
        let stdout = child.stdout.take().unwrap();
        let mut rest = std::fs::OpenOptions::new()
            .append(true)
            .open(&log_path)
            .unwrap();
        let (sender, receiver) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            let mut line = String::new();
            let _ = reader.read_line(&mut line);
            let _ = sender.send(line);
            // Keep draining: the provider logs to stdout and must never hit a closed pipe.
            let _ = std::io::copy(&mut reader, &mut rest);
        });
        let line = receiver
            .recv_timeout(Duration::from_secs(60))
            .unwrap_or_default();
        let Some(issuer) = serde_json::from_str::<Value>(&line)
            .ok()
            .and_then(|v| v["issuer"].as_str().map(str::to_owned))
        else {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!(
                "{line:?}\n{}",
                std::fs::read_to_string(&log_path).unwrap_or_default()
            ));
        };
        Ok(Self {
            child,
            _stdin: stdin,
            issuer,
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            log_dir,
        })
    }

    /// An access token for `client` by the client-credentials grant, for `resource` if given
    /// (else the provider's default: familygraph).
    async fn token_for(&self, client: &str, resource: Option<&str>) -> String {
        let oauth = BasicClient::new(ClientId::new(client.to_owned()))
            .set_client_secret(ClientSecret::new(SECRET.to_owned()))
            .set_token_uri(TokenUrl::new(format!("{}/token", self.issuer)).unwrap());
        let mut request = oauth.exchange_client_credentials();
        if let Some(resource) = resource {
            request = request.add_extra_param("resource", resource);
        }
        let response = request.request_async(&self.http).await.unwrap();
        response.access_token().secret().clone()
    }

    async fn token(&self, client: &str) -> String {
        self.token_for(client, None).await
    }

    /// Rotates the signing key; returns the new key's `kid`.
    async fn rotate(&self) -> String {
        let reply: Value = self
            .http
            .post(format!("{}/admin/rotate", self.issuer))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        reply["kid"].as_str().unwrap().to_owned()
    }

    async fn revoke(&self, client: &str, token: &str) {
        let response = self
            .http
            .post(format!("{}/token/revocation", self.issuer))
            .basic_auth(client, Some(SECRET))
            .form(&[("token", token), ("token_type_hint", "access_token")])
            .send()
            .await
            .unwrap();
        assert!(response.status().is_success(), "{}", response.status());
    }

    async fn jwks(&self) -> Value {
        self.http
            .get(format!("{}/jwks", self.issuer))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    fn config(&self) -> OidcConfig {
        OidcConfig::new(&self.issuer, "familygraph")
    }

    fn authenticator(&self) -> Authenticator {
        Authenticator::with_oidc(&self.config()).unwrap()
    }
}

impl Drop for Provider {
    fn drop(&mut self) {
        if std::thread::panicking() {
            let log = std::fs::read_to_string(self.log_dir.path().join("provider.log"));
            eprintln!("OpenID provider log:\n{}", log.unwrap_or_default());
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn bearer(token: &str) -> String {
    format!("Bearer {token}")
}

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

fn unb64(text: &str) -> Vec<u8> {
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(text)
        .unwrap()
}

/// (header, payload) of a JWT, decoded.
fn parts(token: &str) -> (Value, Value) {
    let mut parts = token.split('.');
    let header = serde_json::from_slice(&unb64(parts.next().unwrap())).unwrap();
    let payload = serde_json::from_slice(&unb64(parts.next().unwrap())).unwrap();
    (header, payload)
}

#[tokio::test]
async fn client_credentials_tokens_authenticate_with_their_mapped_claims() {
    let provider = Provider::start();
    let auth = provider.authenticator();
    auth.prepare().await.unwrap();

    // A school MIS integration: a machine client acting for one school.
    let token = provider.token("school-mis-100001").await;
    let (header, payload) = parts(&token);
    assert_eq!(header["typ"], "at+jwt");
    assert_eq!(payload["aud"], "familygraph");
    let mapped = auth
        .authenticate_claims(Some(&bearer(&token)))
        .await
        .unwrap();
    assert_eq!(mapped.principal.subject, "school-mis-100001");
    assert_eq!(
        mapped.principal.client_id.as_deref(),
        Some("school-mis-100001")
    );
    assert_eq!(mapped.principal.roles, vec![Role::SchoolMisIntegration]);
    assert_eq!(
        mapped.principal.school_urn.as_ref().map(|u| u.as_str()),
        Some("100001")
    );
    assert_eq!(mapped.principal.team, None);
    assert_eq!(mapped.principal.agency.as_deref(), Some("school"));

    // Roles as one space-separated string.
    let token = provider.token("practitioner-app").await;
    let principal = auth.authenticate(Some(&bearer(&token))).await.unwrap();
    assert_eq!(principal.roles, vec![Role::SocialWorker, Role::TeamManager]);
    assert_eq!(principal.team.as_deref(), Some("S1"));

    // Another claim mapping reads other claims.
    let mut config = provider.config();
    config.claims.roles = "no_such_claim".to_owned();
    config.claims.team = "agency".to_owned();
    let remapped = Authenticator::with_oidc(&config).unwrap();
    let principal = remapped.authenticate(Some(&bearer(&token))).await.unwrap();
    assert!(principal.roles.is_empty());
    assert_eq!(principal.team.as_deref(), Some("council"));
}

#[tokio::test]
async fn forged_foreign_and_expired_tokens_are_refused() {
    let provider = Provider::start();
    let mut config = provider.config();
    config.leeway = Duration::ZERO;
    let auth = Authenticator::with_oidc(&config).unwrap();
    let refused = |result: Result<_, AuthError>| result.map(|_: familygraph_domain::Principal| ());

    let good = provider.token("practitioner-app").await;
    assert!(auth.authenticate(Some(&bearer(&good))).await.is_ok());
    let (header, payload) = parts(&good);
    let segments: Vec<&str> = good.split('.').collect();

    // Issued by the same provider, but for another API.
    let foreign = provider
        .token_for("practitioner-app", Some(OTHER_RESOURCE))
        .await;
    assert_eq!(parts(&foreign).1["aud"], "other-api");
    assert_eq!(
        refused(auth.authenticate(Some(&bearer(&foreign))).await),
        Err(AuthError::InvalidToken)
    );

    // Tampered: elevated roles under the original signature.
    let mut elevated = payload.clone();
    elevated["roles"] = json!(["administrator"]);
    let tampered = format!(
        "{}.{}.{}",
        segments[0],
        b64(elevated.to_string().as_bytes()),
        segments[2]
    );
    // Truncated signature.
    let truncated = format!("{}.{}.{}", segments[0], segments[1], &segments[2][..20]);

    // alg: none, with and without the key's kid.
    let none_header = json!({ "alg": "none", "typ": "at+jwt", "kid": header["kid"] });
    let unsigned = format!(
        "{}.{}.",
        b64(none_header.to_string().as_bytes()),
        b64(elevated.to_string().as_bytes())
    );
    let none_lower = format!(
        "{}.{}.",
        b64(br#"{"alg":"None"}"#),
        b64(elevated.to_string().as_bytes())
    );

    // HS256 "signed" with the provider's public key as the HMAC secret, in the forms an
    // attacker can read from the JWKS: the JWK as published, and the raw modulus.
    let jwks = provider.jwks().await;
    let jwk = jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["kid"] == header["kid"])
        .unwrap()
        .clone();
    assert_eq!(jwk["kty"], "RSA");
    let mut hs_header = Header::new(Algorithm::HS256);
    hs_header.kid = header["kid"].as_str().map(str::to_owned);
    let secrets = [
        jwk.to_string().into_bytes(),
        unb64(jwk["n"].as_str().unwrap()),
    ];
    let mut confused = Vec::new();
    for secret in &secrets {
        confused.push(
            jsonwebtoken::encode(&hs_header, &elevated, &EncodingKey::from_secret(secret)).unwrap(),
        );
    }

    // Signed by another (real) provider: an unknown kid and another issuer.
    let other = Provider::start();
    let other_token = other.token("practitioner-app").await;

    for token in [tampered, truncated, unsigned, none_lower, other_token]
        .into_iter()
        .chain(confused)
    {
        assert_eq!(
            refused(auth.authenticate(Some(&bearer(&token))).await),
            Err(AuthError::InvalidToken),
            "{token}"
        );
    }

    // Expired: the provider issues this client 1-second tokens.
    let short = provider.token("short-lived-app").await;
    let (_, short_payload) = parts(&short);
    let exp = short_payload["exp"].as_i64().unwrap();
    while chrono::Utc::now().timestamp() <= exp {
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    assert_eq!(
        refused(auth.authenticate(Some(&bearer(&short))).await),
        Err(AuthError::InvalidToken)
    );
}

#[tokio::test]
async fn a_rotated_signing_key_is_picked_up_without_a_restart() {
    let provider = Provider::start();
    let interval = Duration::from_secs(3);
    let mut config = provider.config();
    config.jwks_min_refresh_interval = interval;
    let auth = Authenticator::with_oidc(&config).unwrap();

    let before = provider.token("school-mis-100001").await;
    // The verifier fetches the keys between these two instants.
    let fetching = std::time::Instant::now();
    assert!(auth.authenticate(Some(&bearer(&before))).await.is_ok());
    let fetched = std::time::Instant::now();
    let (old_header, _) = parts(&before);
    assert_eq!(old_header["alg"], "RS256");

    let kid = provider.rotate().await;
    let after = provider.token("school-mis-100001").await;
    let (new_header, _) = parts(&after);
    assert_eq!(new_header["kid"], kid.as_str());
    assert_eq!(new_header["alg"], "ES256");
    assert_ne!(new_header["kid"], old_header["kid"]);

    // The keys were fetched moments ago: an unknown kid does not make the verifier fetch them
    // again at once (a flood of made-up kids cannot hammer the provider)...
    let refused = auth.authenticate(Some(&bearer(&after))).await;
    if fetching.elapsed() < interval {
        assert_eq!(refused, Err(AuthError::InvalidToken));
    }
    // ...but once the interval has passed it does, and the new key verifies.
    tokio::time::sleep(interval.saturating_sub(fetched.elapsed()) + Duration::from_millis(100))
        .await;
    let principal = auth.authenticate(Some(&bearer(&after))).await.unwrap();
    assert_eq!(principal.roles, vec![Role::SchoolMisIntegration]);
    // Tokens signed with the previous key stay valid while it is published.
    assert!(auth.authenticate(Some(&bearer(&before))).await.is_ok());

    // And again, to an RSA-PSS key.
    provider.rotate().await;
    let third = provider.token("practitioner-app").await;
    assert_eq!(parts(&third).0["alg"], "PS256");
    tokio::time::sleep(interval + Duration::from_millis(100)).await;
    assert!(auth.authenticate(Some(&bearer(&third))).await.is_ok());
}

#[tokio::test]
async fn opaque_tokens_are_introspected_and_revocation_is_honoured() {
    let provider = Provider::start();
    let mut config = provider.config();
    config.introspection = Some(IntrospectionCredentials {
        client_id: "familygraph-introspection".to_owned(),
        client_secret: SECRET.to_owned(),
    });
    config.introspection_cache_ttl = Duration::from_secs(1);
    let auth = Authenticator::with_oidc(&config).unwrap();

    let token = provider.token("opaque-app").await;
    assert_eq!(token.split('.').count(), 1, "an opaque token: {token}");
    let mapped = auth
        .authenticate_claims(Some(&bearer(&token)))
        .await
        .unwrap();
    assert_eq!(mapped.principal.subject, "opaque-app");
    assert_eq!(mapped.principal.client_id.as_deref(), Some("opaque-app"));
    assert_eq!(mapped.principal.roles, vec![Role::HealthVisitor]);
    assert_eq!(mapped.principal.team.as_deref(), Some("N1"));
    assert_eq!(mapped.principal.agency.as_deref(), Some("nhs"));

    // Revoked before first use: refused.
    let revoked = provider.token("opaque-app").await;
    provider.revoke("opaque-app", &revoked).await;
    assert_eq!(
        auth.authenticate(Some(&bearer(&revoked))).await,
        Err(AuthError::InvalidToken)
    );
    // Revoked after use: refused once the cached answer has lapsed (here 1 s; at most 60 s).
    provider.revoke("opaque-app", &token).await;
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert_eq!(
        auth.authenticate(Some(&bearer(&token))).await,
        Err(AuthError::InvalidToken)
    );

    // Active, but for another API.
    let foreign = provider.token_for("opaque-app", Some(OTHER_RESOURCE)).await;
    assert_eq!(
        auth.authenticate(Some(&bearer(&foreign))).await,
        Err(AuthError::InvalidToken)
    );
    // Made up.
    assert_eq!(
        auth.authenticate(Some("Bearer made-up-opaque-token")).await,
        Err(AuthError::InvalidToken)
    );

    // Without introspection credentials opaque tokens are refused outright; with wrong ones the
    // provider refuses familygraph, and so the token cannot be verified.
    let fresh = provider.token("opaque-app").await;
    assert_eq!(
        provider
            .authenticator()
            .authenticate(Some(&bearer(&fresh)))
            .await,
        Err(AuthError::InvalidToken)
    );
    let mut wrong = config.clone();
    wrong.introspection = Some(IntrospectionCredentials {
        client_id: "familygraph-introspection".to_owned(),
        client_secret: "wrong-synthetic-secret".to_owned(),
    });
    assert_eq!(
        Authenticator::with_oidc(&wrong)
            .unwrap()
            .authenticate(Some(&bearer(&fresh)))
            .await,
        Err(AuthError::IssuerUnavailable)
    );
    assert!(auth.authenticate(Some(&bearer(&fresh))).await.is_ok());
}

#[tokio::test]
async fn an_unreachable_provider_refuses_every_token() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let issuer = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let auth = Authenticator::with_oidc(&OidcConfig::new(issuer, "familygraph")).unwrap();
    assert_eq!(auth.prepare().await, Err(AuthError::IssuerUnavailable));
    let token = format!(
        "{}.{}.c2ln",
        b64(br#"{"alg":"RS256","kid":"k"}"#),
        b64(br#"{"sub":"x"}"#)
    );
    assert_eq!(
        auth.authenticate(Some(&bearer(&token))).await,
        Err(AuthError::IssuerUnavailable)
    );
}

#[tokio::test]
async fn the_api_accepts_provider_tokens_over_http() {
    let provider = Provider::start();
    let dir = tempfile::tempdir().unwrap();
    let url = format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("fg.sqlite").display()
    );
    let db = familygraph_store::db::connect(&url).await.unwrap();
    familygraph_store::db::migrate(&db).await.unwrap();
    let state = AppState {
        schema: familygraph_graphql::build_schema(),
        db,
        authenticator: provider.authenticator(),
        policy: std::sync::Arc::new(familygraph_domain::Policy::builtin().unwrap()),
        generic_plans: None,
    };
    let (server, address) = http::start(state, "127.0.0.1:0").unwrap();
    let handle = server.handle();
    tokio::spawn(server);

    let client = reqwest::Client::new();
    let ask = |token: Option<String>| {
        let mut request = client
            .post(format!("http://{address}/graphql"))
            .json(&json!({ "query": "{ viewer { subject roles team } }" }));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        async move {
            let response = request.send().await.unwrap();
            let status = response.status().as_u16();
            (status, response.json::<Value>().await.unwrap())
        }
    };

    let token = provider.token("practitioner-app").await;
    let (status, body) = ask(Some(token.clone())).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body["data"]["viewer"],
        json!({ "subject": "practitioner-app", "roles": ["social_worker", "team_manager"], "team": "S1" })
    );

    let foreign = provider
        .token_for("practitioner-app", Some(OTHER_RESOURCE))
        .await;
    for token in [None, Some(foreign), Some(format!("{token}x"))] {
        let (status, body) = ask(token).await;
        assert_eq!(status, 401, "{body}");
        assert_eq!(body["errors"][0]["extensions"]["code"], "UNAUTHENTICATED");
        assert!(body.get("data").is_none());
    }
    handle.stop(false).await;
}
