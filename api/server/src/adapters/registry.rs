//! Adapters by name: builds the [`SourceAdapter`] for `familygraph import <adapter> ARGS…`, a
//! sync, or a configured source (whose `adapter` and `args` are the same words).
//!
//! Adding an adapter: one arm in [`build`] (and one line in [`KINDS`]) that turns its
//! arguments into its crate's configuration and adapter.

use std::path::{Path, PathBuf};

use familygraph_adapter_fhir::{FhirAdapter, FhirConfig, FhirSource};
use familygraph_adapter_liquidlogic::cin_census::source::{
    CinCensusFileConfig, CinCensusFileSource,
};
use familygraph_adapter_liquidlogic::ssd::source::{SsdExtractConfig, SsdExtractSource};
use familygraph_adapter_liquidlogic::warehouse::{WarehouseConfig, WarehouseSource};
use familygraph_adapter_mapping::{MappingAdapter, MappingConfig};
use familygraph_adapter_openreferral::{OpenReferralAdapter, OpenReferralConfig};
use familygraph_adapter_schoolmis::{SchoolMisAdapter, SchoolMisConfig};
use familygraph_adapter_sdk::{AdapterConfig as _, AdapterError, SourceAdapter};

use super::chain::Chain;

/// Every adapter kind and the arguments it takes, for help and error messages.
pub const KINDS: &[(&str, &str)] = &[
    ("cin-census", "FILE…  DfE CIN census XML files"),
    (
        "ssd",
        "DIR  a Standard Safeguarding Dataset extract (ssd_*.csv)",
    ),
    (
        "fhir",
        "URL | DIR | FILE…  a FHIR R4 server, or Patient/Bundle JSON or XML files",
    ),
    ("openreferral", "URL  an Open Referral UK 3.0 API"),
    (
        "schoolmis",
        "CONFIG  a TOML or JSON file: one school's settings, or [[schools]] of them",
    ),
    (
        "warehouse",
        "CONFIG  a TOML or JSON file: a Liquid Logic Child_Social warehouse (its URL in an env var or file)",
    ),
    (
        "mapping",
        "MAPPING DATA  a partner's CSV or JSON file (DATA) read through a TOML mapping file",
    ),
];

/// Records (or groups, or files) per batch unless `--page-size` says otherwise.
pub const DEFAULT_PAGE_SIZE: usize = 500;

/// How to build an adapter besides its arguments.
#[derive(Debug, Clone, Default)]
pub struct BuildOptions {
    /// The source's name (the `system` of every record it gives); default: the adapter kind.
    pub source: Option<String>,
    /// Records per batch; default [`DEFAULT_PAGE_SIZE`].
    pub page_size: Option<usize>,
}

/// An adapter ready to pull.
pub struct Built {
    /// The adapter kind (fixed names, e.g. `cin-census`: the metric's label).
    pub kind: &'static str,
    /// The source's name.
    pub source: String,
    /// The adapter.
    pub adapter: Box<dyn SourceAdapter>,
    /// Files the adapter reads from that must live as long as it does.
    _scratch: Option<tempfile::TempDir>,
}

impl std::fmt::Debug for Built {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Built")
            .field("kind", &self.kind)
            .field("source", &self.source)
            .finish_non_exhaustive()
    }
}

impl Built {
    /// The run's key: `<kind>:<source>` (runs and cursors are kept per key).
    pub fn run_key(&self) -> String {
        format!("{}:{}", self.kind, self.source)
    }

    /// The sync lease's name: `sync:<kind>:<source>`.
    pub fn lease_name(&self) -> String {
        format!("sync:{}", self.run_key())
    }
}

/// Why an adapter could not be built.
#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    /// No such adapter.
    #[error("unknown adapter `{0}`; adapters: {known}", known = known())]
    UnknownKind(String),
    /// Wrong arguments for the adapter.
    #[error("{kind}: {reason} (usage: {kind} {usage})")]
    Usage {
        /// The adapter.
        kind: &'static str,
        /// What is wrong.
        reason: String,
        /// What it takes.
        usage: &'static str,
    },
    /// The adapter refused its configuration.
    #[error(transparent)]
    Adapter(#[from] AdapterError),
    /// A file the arguments name could not be read or prepared.
    #[error("{path}: {reason}")]
    File {
        /// The file.
        path: String,
        /// What went wrong.
        reason: String,
    },
}

fn known() -> String {
    KINDS.iter().map(|(k, _)| *k).collect::<Vec<_>>().join(", ")
}

fn usage(kind: &'static str, reason: impl Into<String>) -> RegistryError {
    let usage = KINDS
        .iter()
        .find(|(k, _)| *k == kind)
        .map_or("", |(_, u)| *u);
    RegistryError::Usage {
        kind,
        reason: reason.into(),
        usage,
    }
}

fn is_url(arg: &str) -> bool {
    arg.starts_with("http://") || arg.starts_with("https://")
}

/// Builds the adapter `kind` from its command-line words `args`.
pub fn build(kind: &str, args: &[String], options: &BuildOptions) -> Result<Built, RegistryError> {
    let page_size = options.page_size.unwrap_or(DEFAULT_PAGE_SIZE).max(1);
    let named = |kind: &'static str| options.source.clone().unwrap_or_else(|| kind.to_owned());
    let built = |kind, source, adapter: Box<dyn SourceAdapter>, scratch| Built {
        kind,
        source,
        adapter,
        _scratch: scratch,
    };
    match kind {
        "cin-census" => {
            const KIND: &str = "cin-census";
            if args.is_empty() {
                return Err(usage(KIND, "name at least one file"));
            }
            let source = named(KIND);
            let mut parts: Vec<Box<dyn SourceAdapter>> = Vec::new();
            for file in args {
                parts.push(Box::new(CinCensusFileSource::new(CinCensusFileConfig {
                    name: source.clone(),
                    path: PathBuf::from(file),
                    page_size,
                })?));
            }
            let adapter: Box<dyn SourceAdapter> = if parts.len() == 1 {
                parts.remove(0)
            } else {
                Box::new(Chain::new(source.clone(), parts))
            };
            Ok(built(KIND, source, adapter, None))
        }
        "ssd" => {
            const KIND: &str = "ssd";
            let [directory] = args else {
                return Err(usage(KIND, "name one extract directory"));
            };
            let source = named(KIND);
            let adapter = SsdExtractSource::new(SsdExtractConfig {
                name: source.clone(),
                directory: PathBuf::from(directory),
                page_size,
            })?;
            Ok(built(KIND, source, Box::new(adapter), None))
        }
        "fhir" => {
            const KIND: &str = "fhir";
            let source = named(KIND);
            let page = u32::try_from(page_size.min(1000)).unwrap_or(1000);
            let (fhir_source, scratch) = match args {
                [] => return Err(usage(KIND, "name a URL, a directory or files")),
                [url] if is_url(url) => (
                    FhirSource::Server {
                        base_url: url.clone(),
                    },
                    None,
                ),
                [dir] if Path::new(dir).is_dir() => (
                    FhirSource::Directory {
                        path: PathBuf::from(dir),
                    },
                    None,
                ),
                files => {
                    let scratch = link_files(files)?;
                    (
                        FhirSource::Directory {
                            path: scratch.path().to_path_buf(),
                        },
                        Some(scratch),
                    )
                }
            };
            let mut config = FhirConfig::new(source.clone(), fhir_source);
            config.page_size = page;
            let adapter = FhirAdapter::new(config)?;
            Ok(built(KIND, source, Box::new(adapter), scratch))
        }
        "openreferral" => {
            const KIND: &str = "openreferral";
            let [url] = args else {
                return Err(usage(KIND, "name the API's base URL"));
            };
            if !is_url(url) {
                return Err(usage(
                    KIND,
                    "the adapter reads an ORUK API over HTTP only; a directory of files is not \
                     supported: serve it, or pass the API's base URL",
                ));
            }
            let source = named(KIND);
            let mut config = OpenReferralConfig::new(source.clone(), url.clone());
            config.per_page = u32::try_from(page_size.min(1000)).unwrap_or(1000);
            let adapter = OpenReferralAdapter::new(config)?;
            Ok(built(KIND, source, Box::new(adapter), None))
        }
        "schoolmis" => {
            const KIND: &str = "schoolmis";
            let [file] = args else {
                return Err(usage(KIND, "name one configuration file"));
            };
            let source = named(KIND);
            let configs = school_configs(Path::new(file))?;
            let mut parts: Vec<Box<dyn SourceAdapter>> = Vec::new();
            for config in configs {
                parts.push(Box::new(SchoolMisAdapter::new(config)?));
            }
            let adapter: Box<dyn SourceAdapter> = if parts.len() == 1 {
                parts.remove(0)
            } else {
                Box::new(Chain::new(source.clone(), parts))
            };
            Ok(built(KIND, source, adapter, None))
        }
        "warehouse" => {
            const KIND: &str = "warehouse";
            let [file] = args else {
                return Err(usage(KIND, "name one configuration file"));
            };
            let config = warehouse_config(Path::new(file), options)?;
            let source = config.name.clone();
            let adapter = WarehouseSource::new(config)?;
            Ok(built(KIND, source, Box::new(adapter), None))
        }
        "mapping" => {
            const KIND: &str = "mapping";
            let [mapping, data] = args else {
                return Err(usage(KIND, "name the mapping file, then the data file"));
            };
            let source = named(KIND);
            let mut config = MappingConfig::new(source.clone(), data.clone(), mapping.clone());
            config.batch_size = page_size.min(100_000);
            let adapter = MappingAdapter::new(config)?;
            Ok(built(KIND, source, Box::new(adapter), None))
        }
        // Further adapters add an arm here.
        other => Err(RegistryError::UnknownKind(other.to_owned())),
    }
}

/// FHIR reads a directory: the files named on the command line are linked into a scratch one.
fn link_files(files: &[String]) -> Result<tempfile::TempDir, RegistryError> {
    let scratch = tempfile::tempdir().map_err(|e| RegistryError::File {
        path: "scratch directory".to_owned(),
        reason: e.to_string(),
    })?;
    for (index, file) in files.iter().enumerate() {
        let path = Path::new(file);
        let absolute = std::fs::canonicalize(path).map_err(|e| RegistryError::File {
            path: file.clone(),
            reason: e.to_string(),
        })?;
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        // Keep the command line's order (the adapter reads in file-name order).
        let link = scratch.path().join(format!("{index:06}-{name}"));
        link_or_copy(&absolute, &link).map_err(|e| RegistryError::File {
            path: file.clone(),
            reason: e.to_string(),
        })?;
    }
    Ok(scratch)
}

#[cfg(unix)]
fn link_or_copy(from: &Path, to: &Path) -> std::io::Result<()> {
    std::os::unix::fs::symlink(from, to)
}

#[cfg(not(unix))]
fn link_or_copy(from: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::copy(from, to).map(|_| ())
}

/// A warehouse configuration file (TOML, or JSON when it ends `.json`); `--source` and
/// `--page-size` override its `name` and `page_size`. The connection URL stays in the
/// environment variable or file the configuration names.
pub fn warehouse_config(
    path: &Path,
    options: &BuildOptions,
) -> Result<WarehouseConfig, RegistryError> {
    let shown = path.display().to_string();
    let file_error = |reason: String| RegistryError::File {
        path: shown.clone(),
        reason,
    };
    let text = std::fs::read_to_string(path).map_err(|e| file_error(e.to_string()))?;
    let mut value: serde_json::Value = if path.extension().is_some_and(|e| e == "json") {
        serde_json::from_str(&text).map_err(|e| file_error(e.to_string()))?
    } else {
        let table: toml::Table =
            toml::from_str(&text).map_err(|e| file_error(e.message().to_owned()))?;
        serde_json::to_value(table).map_err(|e| file_error(e.to_string()))?
    };
    if let Some(map) = value.as_object_mut() {
        if let Some(source) = &options.source {
            map.insert("name".to_owned(), source.clone().into());
        }
        if let Some(page_size) = options.page_size {
            map.insert("page_size".to_owned(), page_size.max(1).into());
        }
    }
    Ok(WarehouseConfig::from_value(value)?)
}

/// The schools in a school MIS configuration file: a TOML (or, ending `.json`, JSON) file
/// holding one school's settings, or a `schools` list of them. Dates are written as text.
pub fn school_configs(path: &Path) -> Result<Vec<SchoolMisConfig>, RegistryError> {
    let shown = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| RegistryError::File {
        path: shown.clone(),
        reason: e.to_string(),
    })?;
    let value: serde_json::Value = if path.extension().is_some_and(|e| e == "json") {
        serde_json::from_str(&text).map_err(|e| RegistryError::File {
            path: shown.clone(),
            reason: e.to_string(),
        })?
    } else {
        let table: toml::Table = toml::from_str(&text).map_err(|e| RegistryError::File {
            path: shown.clone(),
            reason: e.message().to_owned(),
        })?;
        serde_json::to_value(table).map_err(|e| RegistryError::File {
            path: shown.clone(),
            reason: e.to_string(),
        })?
    };
    let entries = match value.get("schools") {
        Some(serde_json::Value::Array(list)) => list.clone(),
        Some(_) => {
            return Err(RegistryError::File {
                path: shown,
                reason: "`schools` must be a list of tables".to_owned(),
            });
        }
        None => vec![value],
    };
    if entries.is_empty() {
        return Err(RegistryError::File {
            path: shown,
            reason: "no school configured".to_owned(),
        });
    }
    entries
        .into_iter()
        .map(|entry| SchoolMisConfig::from_value(entry).map_err(RegistryError::from))
        .collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn words(args: &[&str]) -> Vec<String> {
        args.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn builds_by_name_and_refuses_bad_arguments() {
        let built = build("cin-census", &words(&["a.xml"]), &BuildOptions::default()).unwrap();
        assert_eq!(built.run_key(), "cin-census:cin-census");
        assert_eq!(built.lease_name(), "sync:cin-census:cin-census");
        let options = BuildOptions {
            source: Some("county".to_owned()),
            page_size: Some(10),
        };
        let built = build("ssd", &words(&["/tmp/x"]), &options).unwrap();
        assert_eq!(built.adapter.name(), "county");
        assert!(matches!(
            build("ssd", &[], &options),
            Err(RegistryError::Usage { .. })
        ));
        assert!(matches!(
            build("nope", &[], &options),
            Err(RegistryError::UnknownKind(_))
        ));
        assert!(build("openreferral", &words(&["/some/dir"]), &options).is_err());
        assert!(
            build(
                "openreferral",
                &words(&["https://dir.example.invalid/api"]),
                &options
            )
            .is_ok()
        );
        assert!(
            build(
                "fhir",
                &words(&["https://fhir.example.invalid/R4"]),
                &options
            )
            .is_ok()
        );
    }

    #[test]
    fn mapping_takes_a_mapping_file_and_a_data_file() {
        let examples = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../adapters/mapping/examples"
        );
        let options = BuildOptions {
            source: Some("little-acorns".to_owned()),
            page_size: Some(2),
        };
        let built = build(
            "mapping",
            &words(&[
                &format!("{examples}/little-acorns.mapping.toml"),
                &format!("{examples}/little-acorns.csv"),
            ]),
            &options,
        )
        .unwrap();
        assert_eq!(built.run_key(), "mapping:little-acorns");
        assert!(matches!(
            build("mapping", &words(&["only-one.toml"]), &options),
            Err(RegistryError::Usage { .. })
        ));
        assert!(matches!(
            build(
                "mapping",
                &words(&["/no/such.toml", "/no/such.csv"]),
                &options
            ),
            Err(RegistryError::Adapter(_))
        ));
    }

    #[test]
    fn warehouse_files_name_the_url_never_hold_it() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("warehouse.toml");
        std::fs::write(
            &file,
            "name = \"county-lcs\"\nurl = { env = \"LCS_WAREHOUSE_URL\" }\nschema = \"Child_Social\"\n",
        )
        .unwrap();
        let options = BuildOptions {
            source: None,
            page_size: Some(50),
        };
        let config = warehouse_config(&file, &options).unwrap();
        assert_eq!((config.name.as_str(), config.page_size), ("county-lcs", 50));
        std::fs::write(&file, "name = \"x\"\nurl = \"postgres://u:pw@db/w\"\n").unwrap();
        let err = warehouse_config(&file, &options).unwrap_err().to_string();
        assert!(!err.contains("pw@"), "{err}");
        assert!(matches!(
            build("warehouse", &[], &options),
            Err(RegistryError::Usage { .. })
        ));
    }

    #[test]
    fn school_files_hold_one_school_or_a_list() {
        let dir = tempfile::tempdir().unwrap();
        let one = dir.path().join("one.toml");
        let school = "name = \"st-example-mis\"\nbase_url = \"https://mis.example.invalid\"\n\
                      school_id = \"A1\"\nurn = \"100000\"\n\
                      auth = { type = \"bearer\", token = { env = \"MIS_TOKEN\" } }\n\
                      attendance_period = { start = \"2025-09-01\", end = \"2025-12-19\" }\n";
        std::fs::write(&one, school).unwrap();
        assert_eq!(school_configs(&one).unwrap().len(), 1);
        let list = dir.path().join("list.toml");
        std::fs::write(
            &list,
            format!("[[schools]]\n{school}\n[[schools]]\n{school}"),
        )
        .unwrap();
        assert_eq!(school_configs(&list).unwrap().len(), 2);
        std::fs::write(&list, "[[schools]]\nname = \"x\"\n").unwrap();
        assert!(school_configs(&list).is_err());
    }
}
