//! An SSD extract directory as an adapter SDK [`SourceAdapter`].
//!
//! Each batch holds whole groups (a professional, or a child with all its records), never
//! part of one, so the server can apply one child per transaction: a child's records are
//! contiguous in the batch, its person record first. The cursor counts the groups already
//! handed out, `groups:N` (the same extract gives the same cursors).
//!
//! The source keeps its reader open between pulls: a pull from the cursor the last pull gave
//! continues where that one stopped, so reading an extract page by page reads each row once.
//! Any other cursor (a run resumed from a stored cursor in a new process, a batch pulled
//! again after a failure, a run started afresh with no cursor) opens the extract again and
//! skips to the cursor once. The reader is let go when the extract is done, so a later pull
//! sees the files as they are then. File I/O is blocking.

use std::fmt;
use std::path::PathBuf;
use std::sync::{Mutex, MutexGuard};

use familygraph_adapter_sdk::{
    AdapterConfig, AdapterError, Batch, Cursor, HealthReport, SourceAdapter, async_trait,
};
use serde::{Deserialize, Serialize};

use super::child::SsdGroup;
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
pub struct SsdExtractSource {
    config: SsdExtractConfig,
    state: Mutex<ReadState>,
}

/// What the source keeps between pulls.
#[derive(Default)]
struct ReadState {
    /// The extract being read, when a pull left it part-read.
    open: Option<OpenExtract>,
    /// Readers opened by `pull` so far.
    readers_opened: u64,
    /// Data rows read by the readers already let go.
    rows_of_closed: u64,
}

/// An extract part-read: its reader and how far the pulls have got.
struct OpenExtract {
    reader: SsdReader,
    /// Groups handed out so far: the cursor the last pull gave.
    handed_out: u64,
    /// The group after them, read ahead to know whether the extract is done.
    ahead: Option<SsdGroup>,
}

impl OpenExtract {
    /// The next group not handed out yet.
    fn next_group(&mut self) -> Option<SsdGroup> {
        self.ahead.take().or_else(|| self.reader.next())
    }

    /// Whether no group is left.
    fn at_end(&mut self) -> bool {
        if self.ahead.is_none() {
            self.ahead = self.reader.next();
        }
        self.ahead.is_none()
    }
}

impl fmt::Debug for SsdExtractSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SsdExtractSource")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl Clone for SsdExtractSource {
    /// The same configuration, reading on its own (nothing open yet).
    fn clone(&self) -> Self {
        Self {
            config: self.config.clone(),
            state: Mutex::default(),
        }
    }
}

impl SsdExtractSource {
    /// An adapter over `config.directory`.
    pub fn new(config: SsdExtractConfig) -> Result<Self, AdapterError> {
        config.validate()?;
        Ok(Self {
            config,
            state: Mutex::default(),
        })
    }

    fn open(&self) -> Result<SsdReader, AdapterError> {
        SsdReader::open(&self.config.directory, &self.config.name)
    }

    /// The source's state (held only for a moment, never while reading). A thread that
    /// panicked holding it may have left it half-changed, so after one the reader is let go
    /// (the next pull opens the extract again).
    fn state(&self) -> MutexGuard<'_, ReadState> {
        match self.state.lock() {
            Ok(state) => state,
            Err(poisoned) => {
                let mut state = poisoned.into_inner();
                state.open = None;
                self.state.clear_poison();
                state
            }
        }
    }

    /// How many times `pull` has opened the extract (once per run read straight through;
    /// once more for each pull from a cursor that is not where the last pull stopped).
    pub fn readers_opened(&self) -> u64 {
        self.state().readers_opened
    }

    /// Data rows read from the extract's files by `pull` so far, over every table and every
    /// reader it opened.
    pub fn rows_read(&self) -> u64 {
        let state = self.state();
        state.rows_of_closed + state.open.as_ref().map_or(0, |o| o.reader.rows_read())
    }

    /// The extract positioned after `skip` groups: the open one when the last pull stopped
    /// there, else a new reader that has read past them.
    fn positioned(&self, cursor: Option<&Cursor>, skip: u64) -> Result<OpenExtract, AdapterError> {
        let held = self.state().open.take();
        match held {
            Some(open) if cursor.is_some() && open.handed_out == skip => return Ok(open),
            Some(old) => self.state().rows_of_closed += old.reader.rows_read(),
            None => {}
        }
        let reader = self.open()?;
        self.state().readers_opened += 1;
        let mut open = OpenExtract {
            reader,
            handed_out: 0,
            ahead: None,
        };
        while open.handed_out < skip && open.reader.next().is_some() {
            open.handed_out += 1;
        }
        // Past the end the cursor still stands: the extract is done.
        open.handed_out = skip;
        Ok(open)
    }

    /// A pull, on the calling thread. The state is locked only to take the open reader out
    /// and to put it back, so pulls of one source from different cursors can run at once
    /// (each on its own reader).
    fn pull_now(&self, cursor: Option<&Cursor>) -> Result<Batch, AdapterError> {
        let skip = groups_of(cursor)?;
        let mut open = self.positioned(cursor, skip)?;
        let mut batch = Batch::default();
        let mut taken = 0u64;
        while taken < self.config.page_size as u64 {
            let Some(mut group) = open.next_group() else {
                break;
            };
            batch.records.append(&mut group.records);
            batch.rejected.append(&mut group.rejected);
            taken += 1;
        }
        open.handed_out = skip + taken;
        batch.done = open.at_end();
        batch.next_cursor = Some(Cursor::new(format!("groups:{}", open.handed_out)));
        let mut state = self.state();
        if batch.done {
            state.rows_of_closed += open.reader.rows_read();
        } else if let Some(other) = state.open.replace(open) {
            // Another pull put its reader back meanwhile: the latest one is kept.
            state.rows_of_closed += other.reader.rows_read();
        }
        Ok(batch)
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
        self.pull_now(cursor)
    }
}
