//! The warehouse source's configuration.

use std::path::PathBuf;

use familygraph_adapter_sdk::{AdapterConfig, AdapterError};
use serde::{Deserialize, Serialize};

use super::db::{Dialect, plain_identifier};

/// Where the connection URL is kept: never in the configuration itself (it may hold a
/// password). The URL is read when the adapter is built and never logged or shown in errors.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum UrlSecret {
    /// In this environment variable.
    Env(String),
    /// In this file (surrounding whitespace ignored), e.g. a mounted secret.
    File(PathBuf),
}

impl UrlSecret {
    /// Reads the URL. A missing or empty value is a configuration error that never shows it.
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
                reason: format!("warehouse adapter: no connection URL in {place}"),
            }),
        }
    }
}

/// The configuration of a [`WarehouseSource`](super::WarehouseSource).
///
/// ```toml
/// [adapters.warehouse]
/// name = "county-lcs"
/// url = { file = "/run/secrets/lcs-warehouse-url" }   # postgres://… or sqlite:…
/// schema = "Child_Social"
/// page_size = 500
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WarehouseConfig {
    /// The source system's name, e.g. `county-lcs`: the `system` of every record.
    pub name: String,
    /// Where the connection URL is (`postgres://…`, `postgresql://…` or `sqlite:…`).
    pub url: UrlSecret,
    /// The schema holding the tables (PostgreSQL schema, or SQLite attached database), e.g.
    /// `Child_Social`; the connection's default when absent.
    #[serde(default)]
    pub schema: Option<String>,
    /// A prefix put before every table name, e.g. `LL_` for `LL_DIM_PERSON`.
    #[serde(default)]
    pub table_prefix: String,
    /// Rows per batch (each row one record or one rejection), at least 1.
    #[serde(default = "default_page_size")]
    pub page_size: usize,
    /// Seconds to wait for a connection before the pull fails (retryably).
    #[serde(default = "default_timeout")]
    pub connect_timeout_seconds: u64,
}

fn default_page_size() -> usize {
    500
}

fn default_timeout() -> u64 {
    30
}

impl AdapterConfig for WarehouseConfig {
    const KIND: &'static str = "warehouse";

    /// As the SDK's, except that a `url` that is not `{env = …}` or `{file = …}` (a URL
    /// written into the configuration) is refused without echoing it.
    fn from_value(value: serde_json::Value) -> Result<Self, AdapterError> {
        let url_shape_ok = match value.get("url") {
            None => true,
            Some(serde_json::Value::Object(map)) => map.values().all(|v| v.is_string()),
            Some(_) => false,
        };
        if !url_shape_ok {
            return Err(AdapterError::Config {
                reason: format!(
                    "{} adapter: url must be {{ env = \"NAME\" }} or {{ file = \"PATH\" }}, \
                     never the connection URL itself",
                    Self::KIND
                ),
            });
        }
        let config: Self = serde_json::from_value(value).map_err(|e| AdapterError::Config {
            reason: format!("{} adapter: {e}", Self::KIND),
        })?;
        config.validate()?;
        Ok(config)
    }

    fn validate(&self) -> Result<(), AdapterError> {
        let problem = if self.name.trim().is_empty() {
            Some("name must not be empty".to_owned())
        } else if self.page_size == 0 {
            Some("page_size must be at least 1".to_owned())
        } else if self.page_size > 100_000 {
            Some("page_size must be at most 100000".to_owned())
        } else if self.connect_timeout_seconds == 0 {
            Some("connect_timeout_seconds must be at least 1".to_owned())
        } else if matches!(&self.url, UrlSecret::Env(name) if !plain_identifier(name)) {
            Some("url: an environment variable name must be letters, digits and _ only".to_owned())
        } else if self.schema.as_deref().is_some_and(|s| !plain_identifier(s)) {
            Some("schema must be letters, digits and _ only".to_owned())
        } else if !self.table_prefix.is_empty() && !plain_identifier(&self.table_prefix) {
            Some("table_prefix must be letters, digits and _ only".to_owned())
        } else {
            None
        };
        match problem {
            Some(reason) => Err(AdapterError::Config {
                reason: format!("{} adapter: {reason}", Self::KIND),
            }),
            None => Ok(()),
        }
    }
}

impl WarehouseConfig {
    /// Reads the connection URL and checks its scheme.
    pub(crate) fn read_url(&self) -> Result<(String, Dialect), AdapterError> {
        let url = self.url.read()?;
        match Dialect::of_url(&url) {
            Some(dialect) => Ok((url, dialect)),
            None => Err(AdapterError::Config {
                reason: format!(
                    "warehouse adapter {}: the connection URL must start with postgres://, \
                     postgresql:// or sqlite:",
                    self.name
                ),
            }),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn parses_defaults_and_refuses_unknown_or_unsafe_settings() {
        let config = WarehouseConfig::from_value(json!({
            "name": "county-lcs",
            "url": {"env": "LCS_WAREHOUSE_URL"},
            "schema": "Child_Social",
        }))
        .unwrap();
        assert_eq!(config.page_size, 500);
        assert_eq!(config.table_prefix, "");
        let unknown = WarehouseConfig::from_value(json!({
            "name": "x", "url": {"env": "U"}, "page_sise": 3
        }))
        .unwrap_err();
        assert!(unknown.to_string().contains("page_sise"), "{unknown}");
        let injected = WarehouseConfig::from_value(json!({
            "name": "x", "url": {"env": "U"}, "schema": "a\"; DROP TABLE x; --"
        }))
        .unwrap_err();
        assert!(injected.to_string().contains("schema"), "{injected}");
        let inline = WarehouseConfig::from_value(json!({
            "name": "x", "url": "postgres://user:secret@db/warehouse"
        }))
        .unwrap_err();
        assert!(!inline.to_string().contains("secret@"), "{inline}");
    }

    #[test]
    fn a_missing_url_never_shows_a_value() {
        let dir = std::env::temp_dir().join("fgwh-config-test-missing-url");
        let secret = UrlSecret::File(dir.join("nowhere"));
        let err = secret.read().unwrap_err();
        assert!(err.to_string().contains("no connection URL"), "{err}");
    }
}
