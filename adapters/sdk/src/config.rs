//! Typed adapter configuration.

use crate::error::AdapterError;
use serde::Serialize;
use serde::de::DeserializeOwned;

/// An adapter's configuration: a serde struct with `#[serde(deny_unknown_fields)]`, so a
/// misspelt key is an error rather than a silently ignored setting.
///
/// The server reads each configured adapter's table (TOML or JSON) and calls
/// [`AdapterConfig::from_value`]; the adapter then validates what serde cannot
/// ([`AdapterConfig::validate`]: URLs, ranges, names).
pub trait AdapterConfig: DeserializeOwned + Serialize + Sized {
    /// The adapter kind this configuration is for, e.g. `fhir` or `openreferral`.
    const KIND: &'static str;

    /// Checks what the types cannot, e.g. that a URL is absolute or a page size is positive.
    fn validate(&self) -> Result<(), AdapterError>;

    /// Deserialises and validates a configuration.
    fn from_value(value: serde_json::Value) -> Result<Self, AdapterError> {
        let config: Self = serde_json::from_value(value).map_err(|e| AdapterError::Config {
            reason: format!("{} adapter: {e}", Self::KIND),
        })?;
        config.validate()?;
        Ok(config)
    }
}
