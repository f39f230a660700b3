//! The services directory adapter's configuration.

use familygraph_adapter_sdk::{AdapterConfig, AdapterError};
use serde::{Deserialize, Serialize};

/// Configuration of one Open Referral UK directory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OpenReferralConfig {
    /// The directory's name, used as the source system of every record.
    pub name: String,
    /// The API's base URL, e.g. `https://directory.example.gov.uk/api/v3`.
    pub base_url: String,
    /// Items per page (`per_page`).
    #[serde(default = "default_per_page")]
    pub per_page: u32,
    /// Seconds to wait for an answer.
    #[serde(default = "default_timeout")]
    pub timeout_seconds: u64,
    /// Full services (`/services/{id}`) read at the same time, 1 to 16.
    #[serde(default = "default_detail_concurrency")]
    pub detail_concurrency: u32,
    /// Taxonomy terms that mark a service as a Family Hub, matched (ignoring case) against a
    /// term's id, `name` or `term`.
    #[serde(default = "default_family_hub_terms")]
    pub family_hub_terms: Vec<String>,
}

fn default_per_page() -> u32 {
    50
}

fn default_timeout() -> u64 {
    30
}

fn default_detail_concurrency() -> u32 {
    4
}

fn default_family_hub_terms() -> Vec<String> {
    vec!["Family Hub".to_owned()]
}

impl OpenReferralConfig {
    /// A configuration for the directory at `base_url` with defaults.
    pub fn new(name: impl Into<String>, base_url: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            base_url: base_url.into(),
            per_page: default_per_page(),
            timeout_seconds: default_timeout(),
            detail_concurrency: default_detail_concurrency(),
            family_hub_terms: default_family_hub_terms(),
        }
    }

    /// Whether a term with this id, name and term marks a Family Hub.
    pub fn marks_family_hub(&self, labels: &[&str]) -> bool {
        self.family_hub_terms.iter().any(|wanted| {
            labels
                .iter()
                .any(|label| label.trim().eq_ignore_ascii_case(wanted.trim()))
        })
    }
}

impl AdapterConfig for OpenReferralConfig {
    const KIND: &'static str = "openreferral";

    fn validate(&self) -> Result<(), AdapterError> {
        let bad = |reason: &str| {
            Err(AdapterError::Config {
                reason: format!("openreferral adapter {:?}: {reason}", self.name),
            })
        };
        if self.name.trim().is_empty() {
            return bad("name must not be empty");
        }
        match reqwest::Url::parse(&self.base_url) {
            Ok(url) if matches!(url.scheme(), "http" | "https") => {}
            _ => return bad("base_url must be an absolute http or https URL"),
        }
        if !(1..=1000).contains(&self.per_page) {
            return bad("per_page must be from 1 to 1000");
        }
        if !(1..=16).contains(&self.detail_concurrency) {
            return bad("detail_concurrency must be from 1 to 16");
        }
        if self.timeout_seconds == 0 {
            return bad("timeout_seconds must be positive");
        }
        Ok(())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn defaults_and_unknown_keys() {
        let config = OpenReferralConfig::from_value(
            json!({"name": "dir", "base_url": "https://directory.example.invalid/api"}),
        )
        .unwrap();
        assert_eq!(config.per_page, 50);
        assert!(config.marks_family_hub(&["x", "family hub "]));
        assert!(!config.marks_family_hub(&["Family Hubs"]));
        for bad in [
            json!({"name": "dir", "base_url": "https://d.example.invalid", "perpage": 5}),
            json!({"name": "dir", "base_url": "ftp://d.example.invalid"}),
            json!({"name": "dir", "base_url": "https://d.example.invalid", "per_page": 0}),
            json!({"name": "dir", "base_url": "https://d.example.invalid", "detail_concurrency": 0}),
        ] {
            assert!(
                OpenReferralConfig::from_value(bad.clone()).is_err(),
                "{bad}"
            );
        }
    }
}
