//! Named sources: the adapters an operator configured once, so that a sync (and an
//! administrator through GraphQL) names a source rather than a path.
//!
//! The sources file (setting `adapters.sources`, `FAMILYGRAPH_ADAPTER_SOURCES`) is TOML, one
//! table per source under `sources`, keyed by the source's name; `adapter` and `args` are the
//! words `familygraph import` takes:
//!
//! ```toml
//! [sources.county-cin]
//! adapter = "cin-census"
//! args = ["/srv/familygraph/cin/cin-2024.xml"]
//!
//! [sources.county-ssd]
//! adapter = "ssd"
//! args = ["/srv/familygraph/ssd"]
//! page_size = 1000
//! ```

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

use super::registry::{self, BuildOptions, Built, RegistryError};

/// The setting naming the sources file.
pub const ENV_SOURCES: &str = "FAMILYGRAPH_ADAPTER_SOURCES";

/// One configured source.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfiguredSource {
    /// The adapter kind, e.g. `cin-census`.
    pub adapter: String,
    /// The adapter's arguments, as on the command line.
    #[serde(default)]
    pub args: Vec<String>,
    /// Records per batch.
    #[serde(default)]
    pub page_size: Option<usize>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    sources: BTreeMap<String, ConfiguredSource>,
}

/// The configured sources, by name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Sources {
    sources: BTreeMap<String, ConfiguredSource>,
}

/// Why the sources file cannot be used, or a source not found.
#[derive(Debug, thiserror::Error)]
pub enum SourcesError {
    /// The file could not be read or parsed.
    #[error("sources file {path}: {reason}")]
    File {
        /// The file.
        path: String,
        /// Why.
        reason: String,
    },
    /// No source of that name.
    #[error("no configured source named `{name}`{known}")]
    Unknown {
        /// The name asked for.
        name: String,
        /// The names there are, for the message.
        known: String,
    },
    /// The source's adapter refused its arguments.
    #[error("configured source `{name}`: {error}")]
    Build {
        /// The source.
        name: String,
        /// Why.
        error: RegistryError,
    },
}

impl Sources {
    /// Parses a sources file's text.
    pub fn parse(text: &str, path: &str) -> Result<Self, SourcesError> {
        let file: File = toml::from_str(text).map_err(|e| SourcesError::File {
            path: path.to_owned(),
            reason: e.message().to_owned(),
        })?;
        for (name, source) in &file.sources {
            if !registry::KINDS.iter().any(|(k, _)| *k == source.adapter) {
                return Err(SourcesError::File {
                    path: path.to_owned(),
                    reason: format!(
                        "source `{name}`: {}",
                        RegistryError::UnknownKind(source.adapter.clone())
                    ),
                });
            }
        }
        Ok(Self {
            sources: file.sources,
        })
    }

    /// Reads the sources file at `path`.
    pub fn load(path: &Path) -> Result<Self, SourcesError> {
        let shown = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| SourcesError::File {
            path: shown.clone(),
            reason: e.to_string(),
        })?;
        Self::parse(&text, &shown)
    }

    /// The sources the settings configure (none when `adapters.sources` is unset).
    pub fn from_settings() -> Result<Self, SourcesError> {
        match crate::settings::lookup(ENV_SOURCES) {
            Some(path) if !path.trim().is_empty() => Self::load(Path::new(path.trim())),
            _ => Ok(Self::default()),
        }
    }

    /// The names of the configured sources.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.sources.keys().map(String::as_str)
    }

    /// The source `name`.
    pub fn get(&self, name: &str) -> Result<&ConfiguredSource, SourcesError> {
        self.sources.get(name).ok_or_else(|| {
            let names: Vec<&str> = self.names().collect();
            SourcesError::Unknown {
                name: name.to_owned(),
                known: if names.is_empty() {
                    format!(" (no sources are configured: set {ENV_SOURCES} or adapters.sources)")
                } else {
                    format!(" (configured: {})", names.join(", "))
                },
            }
        })
    }

    /// Builds the adapter of source `name`.
    pub fn build(&self, name: &str) -> Result<Built, SourcesError> {
        let source = self.get(name)?;
        registry::build(
            &source.adapter,
            &source.args,
            &BuildOptions {
                source: Some(name.to_owned()),
                page_size: source.page_size,
            },
        )
        .map_err(|error| SourcesError::Build {
            name: name.to_owned(),
            error,
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn parses_named_sources_and_refuses_unknown_ones() {
        let sources = Sources::parse(
            "[sources.county-ssd]\nadapter = \"ssd\"\nargs = [\"/srv/ssd\"]\npage_size = 10\n",
            "s.toml",
        )
        .unwrap();
        assert_eq!(sources.names().collect::<Vec<_>>(), ["county-ssd"]);
        let built = sources.build("county-ssd").unwrap();
        assert_eq!(built.run_key(), "ssd:county-ssd");
        let error = sources.build("elsewhere").unwrap_err().to_string();
        assert!(error.contains("configured: county-ssd"), "{error}");
        assert!(Sources::parse("[sources.x]\nadapter = \"nope\"\n", "s.toml").is_err());
        assert!(
            Sources::parse("[sources.x]\nadapter = \"ssd\"\npath = \"/x\"\n", "s.toml").is_err()
        );
    }
}
