//! The health adapter's configuration.

use familygraph_adapter_sdk::{AdapterConfig, AdapterError};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// Configuration of one FHIR source.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FhirConfig {
    /// The source's name, used as the source system of every record (e.g. `leeds-gp-fhir`).
    pub name: String,
    /// Where the Patients come from.
    pub source: FhirSource,
    /// Files (directory) or Patients (server `_count`) per batch.
    #[serde(default = "default_page_size")]
    pub page_size: u32,
    /// Seconds to wait for a server's answer.
    #[serde(default = "default_timeout")]
    pub timeout_seconds: u64,
}

fn default_page_size() -> u32 {
    50
}

fn default_timeout() -> u64 {
    30
}

/// Where Patients are read from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum FhirSource {
    /// A drop folder of `.json` and `.xml` files, each a Patient or a Bundle of Patients, read
    /// in file-name order.
    Directory {
        /// The folder.
        path: PathBuf,
    },
    /// A FHIR R4 server's `Patient` search.
    Server {
        /// The server's base URL, e.g. `https://fhir.example.nhs.uk/R4`.
        base_url: String,
    },
}

impl FhirConfig {
    /// A configuration for `source` with default page size and timeout.
    pub fn new(name: impl Into<String>, source: FhirSource) -> Self {
        Self {
            name: name.into(),
            source,
            page_size: default_page_size(),
            timeout_seconds: default_timeout(),
        }
    }
}

impl AdapterConfig for FhirConfig {
    const KIND: &'static str = "fhir";

    fn validate(&self) -> Result<(), AdapterError> {
        let bad = |reason: &str| {
            Err(AdapterError::Config {
                reason: format!("fhir adapter {:?}: {reason}", self.name),
            })
        };
        if self.name.trim().is_empty() {
            return bad("name must not be empty");
        }
        if !(1..=1000).contains(&self.page_size) {
            return bad("page_size must be from 1 to 1000");
        }
        if self.timeout_seconds == 0 {
            return bad("timeout_seconds must be positive");
        }
        if let FhirSource::Server { base_url } = &self.source {
            match reqwest::Url::parse(base_url) {
                Ok(url) if matches!(url.scheme(), "http" | "https") => {}
                _ => return bad("base_url must be an absolute http or https URL"),
            }
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
    fn reads_a_server_config_and_rejects_unknown_keys() {
        let config = FhirConfig::from_value(json!({
            "name": "gp",
            "source": {"kind": "server", "base_url": "https://fhir.example.invalid/R4"},
            "page_size": 10
        }))
        .unwrap();
        assert_eq!(config.page_size, 10);
        assert_eq!(config.timeout_seconds, 30);
        for bad in [
            json!({"name": "gp", "source": {"kind": "directory", "path": "/x"}, "pagesize": 1}),
            json!({"name": "gp", "source": {"kind": "server", "base_url": "/relative"}}),
            json!({"name": "gp", "source": {"kind": "directory", "path": "/x", "extra": 1}}),
            json!({"name": "", "source": {"kind": "directory", "path": "/x"}}),
            json!({"name": "gp", "source": {"kind": "directory", "path": "/x"}, "page_size": 0}),
        ] {
            let err = FhirConfig::from_value(bad.clone()).unwrap_err();
            assert!(!err.is_retryable(), "{bad}");
        }
    }
}
