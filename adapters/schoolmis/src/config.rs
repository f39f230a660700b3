//! The school MIS adapter's configuration.

use chrono::NaiveDate;
use familygraph_adapter_sdk::{AdapterConfig, AdapterError};
use familygraph_domain::SchoolUrn;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// Configuration of one school's MIS API.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SchoolMisConfig {
    /// The source's name, used as the source system of every record, e.g. `st-example-mis`.
    pub name: String,
    /// The API's base URL, without the `/v1.0` prefix, e.g. `https://api.mis.example`.
    pub base_url: String,
    /// The school's id in the API (the `{school_id}` of every path).
    pub school_id: String,
    /// The school's URN, given to every enrolment, attendance summary and suspension.
    pub urn: String,
    /// How to authenticate.
    pub auth: AuthConfig,
    /// Items per page (`per_page`), 1 to 1000.
    #[serde(default = "default_per_page")]
    pub per_page: u32,
    /// Seconds to wait for an answer.
    #[serde(default = "default_timeout")]
    pub timeout_seconds: u64,
    /// The longest `Retry-After` (seconds) the client waits out itself, once, after a 429;
    /// a longer one is returned as a retryable error for the server's own retry.
    #[serde(default = "default_max_retry_after")]
    pub max_retry_after_seconds: u64,
    /// The period attendance is summarised over.
    pub attendance_period: AttendancePeriod,
}

/// The days attendance is summarised over, both included.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AttendancePeriod {
    /// First day.
    pub start: NaiveDate,
    /// Last day.
    pub end: NaiveDate,
}

/// How the adapter authenticates to the API.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum AuthConfig {
    /// A long-lived bearer token.
    Bearer {
        /// Where the token is.
        token: Secret,
    },
    /// The OAuth 2.0 client-credentials grant: a token from `token_url`, refreshed once when
    /// the API answers 401.
    ClientCredentials {
        /// The token endpoint.
        token_url: String,
        /// The client id.
        client_id: String,
        /// Where the client secret is.
        client_secret: Secret,
        /// Scopes to ask for, if the provider needs them.
        #[serde(default)]
        scopes: Vec<String>,
    },
}

/// Where a secret is kept: never in the configuration itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Secret {
    /// In this environment variable.
    Env(String),
    /// In this file (surrounding whitespace ignored).
    File(PathBuf),
}

impl Secret {
    /// Reads the secret. A missing or empty secret is a configuration error that never shows
    /// the value.
    pub fn read(&self) -> Result<String, AdapterError> {
        let (value, place) = match self {
            Self::Env(name) => (
                std::env::var(name).ok(),
                format!("environment variable {name}"),
            ),
            Self::File(path) => (
                std::fs::read_to_string(path).ok(),
                format!("file {}", path.display()),
            ),
        };
        match value.map(|v| v.trim().to_owned()) {
            Some(v) if !v.is_empty() => Ok(v),
            _ => Err(AdapterError::Config {
                reason: format!("schoolmis adapter: no secret in {place}"),
            }),
        }
    }
}

fn default_per_page() -> u32 {
    100
}

fn default_timeout() -> u64 {
    30
}

fn default_max_retry_after() -> u64 {
    30
}

impl SchoolMisConfig {
    /// The school's URN, validated.
    pub fn school_urn(&self) -> Result<SchoolUrn, AdapterError> {
        SchoolUrn::parse("urn", &self.urn).map_err(|e| AdapterError::Config {
            reason: format!("schoolmis adapter {:?}: {e}", self.name),
        })
    }
}

fn http_url(value: &str) -> bool {
    matches!(reqwest::Url::parse(value), Ok(url) if matches!(url.scheme(), "http" | "https"))
}

impl AdapterConfig for SchoolMisConfig {
    const KIND: &'static str = "schoolmis";

    fn validate(&self) -> Result<(), AdapterError> {
        let bad = |reason: &str| {
            Err(AdapterError::Config {
                reason: format!("schoolmis adapter {:?}: {reason}", self.name),
            })
        };
        if self.name.trim().is_empty() {
            return bad("name must not be empty");
        }
        if !http_url(&self.base_url) {
            return bad("base_url must be an absolute http or https URL");
        }
        if self.school_id.trim().is_empty() || self.school_id.contains('/') {
            return bad("school_id must be a non-empty path segment");
        }
        self.school_urn()?;
        if let AuthConfig::ClientCredentials {
            token_url,
            client_id,
            ..
        } = &self.auth
        {
            if !http_url(token_url) {
                return bad("auth.token_url must be an absolute http or https URL");
            }
            if client_id.trim().is_empty() {
                return bad("auth.client_id must not be empty");
            }
        }
        if !(1..=1000).contains(&self.per_page) {
            return bad("per_page must be from 1 to 1000");
        }
        if self.timeout_seconds == 0 {
            return bad("timeout_seconds must be positive");
        }
        if self.attendance_period.end < self.attendance_period.start {
            return bad("attendance_period.end must not be before attendance_period.start");
        }
        Ok(())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use serde_json::json;

    fn base() -> serde_json::Value {
        json!({
            "name": "mis",
            "base_url": "https://mis.example.invalid",
            "school_id": "A1930499544",
            "urn": "100000",
            "auth": {"type": "bearer", "token": {"env": "SCHOOLMIS_TOKEN"}},
            "attendance_period": {"start": "2025-09-01", "end": "2025-12-19"}
        })
    }

    #[test]
    fn defaults_unknown_keys_and_checks() {
        let config = SchoolMisConfig::from_value(base()).unwrap();
        assert_eq!(config.per_page, 100);
        let mut cc = base();
        cc["auth"] = json!({
            "type": "client_credentials",
            "token_url": "https://id.example.invalid/token",
            "client_id": "familygraph",
            "client_secret": {"file": "/run/secrets/mis"}
        });
        assert!(SchoolMisConfig::from_value(cc).is_ok());
        let mut bad_values = Vec::new();
        for (key, value) in [
            ("perpage", json!(5)),
            ("per_page", json!(0)),
            ("urn", json!("12")),
            ("base_url", json!("ftp://mis.example.invalid")),
            (
                "attendance_period",
                json!({"start": "2025-09-01", "end": "2025-08-01"}),
            ),
            (
                "auth",
                json!({"type": "bearer", "token": {"env": "X"}, "extra": 1}),
            ),
            ("auth", json!({"type": "bearer", "token": "inline-secret"})),
        ] {
            let mut bad = base();
            bad[key] = value;
            bad_values.push(bad);
        }
        for bad in bad_values {
            assert!(SchoolMisConfig::from_value(bad.clone()).is_err(), "{bad}");
        }
    }
}
