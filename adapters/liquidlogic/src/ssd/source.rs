//! An SSD extract directory as an adapter SDK [`SourceAdapter`].
//!
//! Each batch holds whole groups (a professional, or a child with all its records), never
//! part of one, so the server can apply one child per transaction: a child's records are
//! contiguous in the batch, its person record first. The cursor counts the groups already
//! handed out, `groups:N`; a pull reads the extract from its start and skips them (the same
//! extract gives the same cursors). File I/O is blocking.

use std::path::PathBuf;

use familygraph_adapter_sdk::{
    AdapterConfig, AdapterError, Batch, Cursor, HealthReport, SourceAdapter, async_trait,
};
use serde::{Deserialize, Serialize};

use super::reader::SsdReader;

/// The configuration of an [`SsdExtractSource`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SsdExtractConfig {
    /// The source system's name, e.g. `county-ssd`: the `system` of every record.
    pub name: String,
    /// The directory holding the extract's `ssd_*.csv` files.
    pub directory: PathBuf,
    /// Groups (children or professionals) per batch.
    pub page_size: usize,
}

impl AdapterConfig for SsdExtractConfig {
    const KIND: &'static str = "ssd_extract";

    fn validate(&self) -> Result<(), AdapterError> {
        let problem = if self.name.trim().is_empty() {
            Some("name must not be empty")
        } else if self.page_size == 0 {
            Some("page_size must be at least 1")
        } else if self.directory.as_os_str().is_empty() {
            Some("directory must not be empty")
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

/// An SSD extract directory read through the adapter SDK.
#[derive(Debug, Clone)]
pub struct SsdExtractSource {
    config: SsdExtractConfig,
}

impl SsdExtractSource {
    /// An adapter over `config.directory`.
    pub fn new(config: SsdExtractConfig) -> Result<Self, AdapterError> {
        config.validate()?;
        Ok(Self { config })
    }

    fn open(&self) -> Result<SsdReader, AdapterError> {
        SsdReader::open(&self.config.directory, &self.config.name)
    }
}

/// The number of groups a cursor has handed out.
fn groups_of(cursor: Option<&Cursor>) -> Result<u64, AdapterError> {
    match cursor {
        None => Ok(0),
        Some(cursor) => cursor
            .as_str()
            .strip_prefix("groups:")
            .and_then(|n| n.parse().ok())
            .ok_or_else(|| AdapterError::InvalidCursor {
                reason: format!("ssd_extract adapter: {cursor} is not one of its cursors"),
            }),
    }
}

#[async_trait]
impl SourceAdapter for SsdExtractSource {
    fn name(&self) -> &str {
        &self.config.name
    }

    async fn health(&self) -> Result<HealthReport, AdapterError> {
        self.open()?;
        Ok(HealthReport {
            target: self.config.directory.display().to_string(),
            detail: "SSD extract, ssd_person.csv header read".to_owned(),
        })
    }

    async fn pull(&self, cursor: Option<&Cursor>) -> Result<Batch, AdapterError> {
        let skip = groups_of(cursor)?;
        let mut reader = self.open()?;
        let mut batch = Batch::default();
        let mut groups = 0u64;
        let mut taken = 0usize;
        let mut done = true;
        while let Some(mut group) = reader.next() {
            groups += 1;
            if groups <= skip {
                continue;
            }
            batch.records.append(&mut group.records);
            batch.rejected.append(&mut group.rejected);
            taken += 1;
            if taken == self.config.page_size {
                done = reader.next().is_none();
                break;
            }
        }
        batch.next_cursor = Some(Cursor::new(format!("groups:{}", skip + taken as u64)));
        batch.done = done;
        Ok(batch)
    }
}
