//! The development issuer: a signing key kept in the data directory so that `familygraph token`
//! can mint bearer tokens that the embedded server accepts.
//!
//! It exists only for the embedded default. The server refuses it on PostgreSQL unless forced,
//! and announces it loudly at start-up.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::{Duration, Utc};
use ed25519_dalek::SigningKey;
use ed25519_dalek::pkcs8::{DecodePrivateKey, EncodePrivateKey};
use familygraph_domain::{Role, SchoolUrn};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header};
use serde::{Deserialize, Serialize};

/// The `iss` claim of development tokens.
pub const DEV_ISSUER: &str = "urn:familygraph:dev-issuer";
/// The `aud` claim every familygraph access token must carry.
pub const AUDIENCE: &str = "familygraph";
/// File name of the development signing key inside the data directory.
pub const KEY_FILE: &str = "dev-issuer-ed25519.pem";

/// Failures of the development issuer.
#[derive(Debug, thiserror::Error)]
pub enum DevIssuerError {
    /// The key file could not be read or written.
    #[error("development signing key at {path}: {source}")]
    Io {
        /// The key file.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The key file exists but does not hold an Ed25519 PKCS#8 key.
    #[error("development signing key at {0} is not an Ed25519 PKCS#8 PEM key")]
    BadKey(PathBuf),
    /// Signing failed.
    #[error("could not sign a development token: {0}")]
    Sign(#[from] jsonwebtoken::errors::Error),
}

/// The claims of a familygraph access token, as the development issuer mints them.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct AccessClaims {
    /// Issuer.
    pub iss: String,
    /// Audience.
    pub aud: String,
    /// Subject: the practitioner's identity-provider subject, or a machine client's id.
    pub sub: String,
    /// Expiry (seconds since the epoch).
    pub exp: i64,
    /// Not before (seconds since the epoch).
    pub nbf: i64,
    /// Issued at (seconds since the epoch).
    pub iat: i64,
    /// Roles (snake_case names of [`Role`]).
    #[serde(default)]
    pub roles: Vec<String>,
    /// The caller's team code, if any (e.g. `S1`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub team: Option<String>,
    /// The school URN a school user or integration acts for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub school_urn: Option<String>,
    /// The OAuth client the token was issued to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    /// The agency a partner acts for (ODS code or URN).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agency: Option<String>,
}

/// What a development token is for.
#[derive(Debug, Clone)]
pub struct TokenRequest {
    /// The role the token carries.
    pub role: Role,
    /// Subject; defaults to a name derived from the role.
    pub subject: Option<String>,
    /// Team code.
    pub team: Option<String>,
    /// School URN, for school roles.
    pub school_urn: Option<SchoolUrn>,
    /// Agency (ODS code or URN), for partner roles.
    pub agency: Option<String>,
    /// Lifetime.
    pub lifetime: Duration,
}

/// The development issuer's key pair.
pub struct DevIssuer {
    encoding: EncodingKey,
    decoding: DecodingKey,
}

impl DevIssuer {
    /// Loads the key from `data_dir`, generating and saving one (mode 0600) if there is none.
    pub fn load_or_create(data_dir: &Path) -> Result<Self, DevIssuerError> {
        let path = data_dir.join(KEY_FILE);
        let io = |source| DevIssuerError::Io {
            path: path.clone(),
            source,
        };
        let signing = if path.exists() {
            let pem = fs::read_to_string(&path).map_err(io)?;
            SigningKey::from_pkcs8_pem(&pem).map_err(|_| DevIssuerError::BadKey(path.clone()))?
        } else {
            fs::create_dir_all(data_dir).map_err(io)?;
            let signing = SigningKey::generate(&mut rand::rngs::OsRng);
            let pem = signing
                .to_pkcs8_pem(Default::default())
                .map_err(|_| DevIssuerError::BadKey(path.clone()))?;
            write_private(&path, pem.as_bytes()).map_err(io)?;
            signing
        };
        Self::from_signing_key(&signing, &path)
    }

    fn from_signing_key(signing: &SigningKey, path: &Path) -> Result<Self, DevIssuerError> {
        let der = signing
            .to_pkcs8_der()
            .map_err(|_| DevIssuerError::BadKey(path.to_path_buf()))?;
        let public = base64_url(signing.verifying_key().as_bytes());
        let decoding = DecodingKey::from_ed_components(&public)?;
        Ok(Self {
            encoding: EncodingKey::from_ed_der(der.as_bytes()),
            decoding,
        })
    }

    /// Mints a signed access token.
    pub fn mint(&self, request: &TokenRequest) -> Result<String, DevIssuerError> {
        let now = Utc::now();
        let claims = AccessClaims {
            iss: DEV_ISSUER.to_owned(),
            aud: AUDIENCE.to_owned(),
            sub: request
                .subject
                .clone()
                .unwrap_or_else(|| format!("dev-{}", request.role.as_str().replace('_', "-"))),
            exp: (now + request.lifetime).timestamp(),
            nbf: now.timestamp() - 5,
            iat: now.timestamp(),
            roles: vec![request.role.as_str().to_owned()],
            team: request.team.clone(),
            school_urn: request
                .school_urn
                .as_ref()
                .map(|urn| urn.as_str().to_owned()),
            client_id: Some("familygraph-cli".to_owned()),
            agency: request.agency.clone(),
        };
        let mut header = Header::new(Algorithm::EdDSA);
        header.kid = Some("dev".to_owned());
        Ok(jsonwebtoken::encode(&header, &claims, &self.encoding)?)
    }

    /// The key that verifies this issuer's tokens.
    pub fn decoding_key(&self) -> &DecodingKey {
        &self.decoding
    }
}

fn base64_url(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

fn write_private(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    file.write_all(contents)?;
    file.sync_all()
}
