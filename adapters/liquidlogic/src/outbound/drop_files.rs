//! Drop files: one JSON file per event in a directory the case system watches.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use familygraph_adapter_sdk::{
    AdapterConfig, AdapterError, Delivery, DeliveryAdapter, HealthReport, OutboundEvent,
    async_trait,
};
use serde::{Deserialize, Serialize};

use super::document::{EventDocument, file_name};

/// The subdirectory of the drop directory where the case system may move files it has
/// processed; a repeated delivery looks there too before writing again.
pub const PROCESSED_DIR: &str = "processed";

/// Configuration of a [`DropFileAdapter`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DropFileConfig {
    /// The delivery target's name, e.g. `case-system`.
    pub name: String,
    /// The directory the case system picks files up from. It must exist: an unmounted share
    /// is an error to retry, never a directory to create.
    pub directory: PathBuf,
}

impl AdapterConfig for DropFileConfig {
    const KIND: &'static str = "liquidlogic-drop-files";

    fn validate(&self) -> Result<(), AdapterError> {
        if self.name.trim().is_empty() {
            return Err(AdapterError::Config {
                reason: "drop files: name must not be empty".to_owned(),
            });
        }
        if self.directory.as_os_str().is_empty() {
            return Err(AdapterError::Config {
                reason: "drop files: directory must not be empty".to_owned(),
            });
        }
        Ok(())
    }
}

/// Delivers each event as `<directory>/<file_name(key)>` (see
/// [`file_name`](super::file_name)). The file appears complete or not at all: it is written
/// and flushed to disk as `.<name>.<random>.tmp` (the case system must ignore names starting
/// with a dot), then hard-linked to its name — which fails if the name exists, so two writers
/// can never both deliver — or, on file systems without hard links, renamed after checking
/// that the name is free. A name already present in the directory or in its
/// [`PROCESSED_DIR`] subdirectory answers `duplicate: true` without writing.
#[derive(Debug, Clone)]
pub struct DropFileAdapter {
    config: DropFileConfig,
}

impl DropFileAdapter {
    /// An adapter writing into `config.directory`.
    pub fn new(config: DropFileConfig) -> Result<Self, AdapterError> {
        config.validate()?;
        Ok(Self { config })
    }

    /// The drop directory.
    pub fn directory(&self) -> &Path {
        &self.config.directory
    }
}

#[async_trait]
impl DeliveryAdapter for DropFileAdapter {
    fn name(&self) -> &str {
        &self.config.name
    }

    async fn health(&self) -> Result<HealthReport, AdapterError> {
        let directory = self.config.directory.clone();
        blocking(move || {
            let shown = directory.display().to_string();
            let probe = directory.join(format!(".familygraph-health.{}.tmp", random_suffix()));
            std::fs::write(&probe, b"").map_err(|e| unwritable(&shown, &e))?;
            std::fs::remove_file(&probe).map_err(|e| unwritable(&shown, &e))?;
            Ok(HealthReport {
                target: shown,
                detail: "drop directory is writable".to_owned(),
            })
        })
        .await
    }

    async fn deliver(
        &self,
        event: &OutboundEvent,
        idempotency_key: &str,
    ) -> Result<Delivery, AdapterError> {
        let name = file_name(idempotency_key)?;
        let bytes = EventDocument::new(event, idempotency_key)?.to_json()?;
        let directory = self.config.directory.clone();
        blocking(move || write_once(&directory, &name, &bytes)).await
    }
}

/// Writes `bytes` as `directory/name` unless that name (or `processed/name`) exists.
fn write_once(directory: &Path, name: &str, bytes: &[u8]) -> Result<Delivery, AdapterError> {
    let shown = directory.display().to_string();
    let target = directory.join(name);
    let duplicate = Delivery {
        receipt: Some(name.to_owned()),
        duplicate: true,
    };
    if exists(&target, &shown)? || exists(&directory.join(PROCESSED_DIR).join(name), &shown)? {
        return Ok(duplicate);
    }
    let temporary = directory.join(format!(".{name}.{}.tmp", random_suffix()));
    let written = write_synced(&temporary, bytes).map_err(|e| unwritable(&shown, &e));
    if let Err(error) = written {
        let _ = std::fs::remove_file(&temporary);
        return Err(error);
    }
    let placed = match std::fs::hard_link(&temporary, &target) {
        Ok(()) => Ok(false),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(true),
        // No hard links here (some network shares): rename, having checked the name is free.
        Err(_) => match exists(&target, &shown) {
            Ok(true) => Ok(true),
            Ok(false) => std::fs::rename(&temporary, &target)
                .map(|()| false)
                .map_err(|e| unwritable(&shown, &e)),
            Err(error) => Err(error),
        },
    };
    let _ = std::fs::remove_file(&temporary);
    match placed? {
        true => Ok(duplicate),
        false => {
            sync_directory(directory);
            Ok(Delivery {
                receipt: Some(name.to_owned()),
                duplicate: false,
            })
        }
    }
}

fn write_synced(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

/// Makes the new directory entry durable where the platform allows it (best effort).
fn sync_directory(directory: &Path) {
    if let Ok(dir) = std::fs::File::open(directory) {
        let _ = dir.sync_all();
    }
}

fn exists(path: &Path, shown: &str) -> Result<bool, AdapterError> {
    match std::fs::symlink_metadata(path) {
        Ok(_) => Ok(true),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(e) if e.kind() == std::io::ErrorKind::NotADirectory => Err(unwritable(shown, &e)),
        Err(e) => Err(unwritable(shown, &e)),
    }
}

/// A drop directory that cannot be written — missing, not a directory, no permission, full —
/// is retryable: the event is fine, and the worker tries again once someone fixes the share.
fn unwritable(shown: &str, error: &std::io::Error) -> AdapterError {
    AdapterError::Io {
        target: shown.to_owned(),
        message: error.kind().to_string(),
        retryable: true,
    }
}

/// Unique within the host: process id, a per-process counter and the clock's nanoseconds.
fn random_suffix() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::time::{SystemTime, UNIX_EPOCH};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or_default();
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    format!("{}-{n}-{nanos:09}", std::process::id())
}

async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, AdapterError> + Send + 'static,
) -> Result<T, AdapterError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| AdapterError::Io {
            target: "drop files".to_owned(),
            message: format!("writer task failed: {e}"),
            retryable: true,
        })?
}
