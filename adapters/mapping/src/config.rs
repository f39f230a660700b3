//! The mapping adapter's configuration.

use familygraph_adapter_sdk::{AdapterConfig, AdapterError};
use serde::{Deserialize, Serialize};

/// One partner's file and its mapping.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MappingConfig {
    /// The partner's name, used as the source system of every record (e.g. `little-acorns`).
    pub name: String,
    /// The CSV or JSON file to read.
    pub source: String,
    /// The TOML mapping file.
    pub mapping: String,
    /// Rows per batch.
    #[serde(default = "default_batch_size")]
    pub batch_size: usize,
}

fn default_batch_size() -> usize {
    500
}

impl MappingConfig {
    /// A configuration for `source` mapped by `mapping`, with defaults.
    pub fn new(
        name: impl Into<String>,
        source: impl Into<String>,
        mapping: impl Into<String>,
    ) -> Self {
        Self {
            name: name.into(),
            source: source.into(),
            mapping: mapping.into(),
            batch_size: default_batch_size(),
        }
    }
}

impl AdapterConfig for MappingConfig {
    const KIND: &'static str = "mapping";

    fn validate(&self) -> Result<(), AdapterError> {
        let bad = |reason: &str| {
            Err(AdapterError::Config {
                reason: format!("mapping adapter {:?}: {reason}", self.name),
            })
        };
        if self.name.trim().is_empty() {
            return bad("name must not be empty");
        }
        if self.source.trim().is_empty() || self.mapping.trim().is_empty() {
            return bad("source and mapping must name files");
        }
        if !(1..=100_000).contains(&self.batch_size) {
            return bad("batch_size must be from 1 to 100000");
        }
        Ok(())
    }
}
