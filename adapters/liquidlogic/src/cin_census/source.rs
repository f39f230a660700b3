//! The CIN census file as an adapter SDK [`SourceAdapter`]: each child becomes a canonical
//! [`PersonRecord`] keyed by its `LAchildID`; each rejected child (or header, or broken
//! document) becomes an SDK [`Rejection`].
//!
//! The cursor counts the items (children and rejections) already handed out, `items:N`; a pull
//! reads the file from its start and skips them, so a pull costs a read of the file up to the
//! batch's end (about 90 MB/s, see `docs/benchmarks-adapters.md`). File I/O is blocking.
//!
//! The CIN episodes, assessments, plans and pre-proceedings of a child have no canonical
//! record kind yet; only the person is mapped.

use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};

use familygraph_adapter_sdk::{
    AdapterConfig, AdapterError, Batch, CanonicalRecord, Cursor, FieldNote, HealthReport, Located,
    Location, PartialDate, PersonRecord, Rejection as SdkRejection, SourceAdapter, SourceRef,
    async_trait,
};
use familygraph_domain::CaseSystemId;
use serde::{Deserialize, Serialize};

use super::model::CensusChild;
use super::reader::{CensusReader, Rejection, RejectionReason};

/// The configuration of a [`CinCensusFileSource`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CinCensusFileConfig {
    /// The source system's name, e.g. `county-lcs-cin-census`: the `system` of every record.
    pub name: String,
    /// The census file.
    pub path: PathBuf,
    /// Children (and rejections) per batch.
    pub page_size: usize,
}

impl AdapterConfig for CinCensusFileConfig {
    const KIND: &'static str = "cin_census_file";

    fn validate(&self) -> Result<(), AdapterError> {
        let problem = if self.name.trim().is_empty() {
            Some("name must not be empty")
        } else if self.page_size == 0 {
            Some("page_size must be at least 1")
        } else if self.path.as_os_str().is_empty() {
            Some("path must not be empty")
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

/// A CIN census XML file read through the adapter SDK.
#[derive(Debug, Clone)]
pub struct CinCensusFileSource {
    config: CinCensusFileConfig,
}

impl CinCensusFileSource {
    /// An adapter over `config.path`.
    pub fn new(config: CinCensusFileConfig) -> Result<Self, AdapterError> {
        config.validate()?;
        Ok(Self { config })
    }

    fn document(&self) -> String {
        self.config.path.display().to_string()
    }

    fn open(&self) -> Result<CensusReader<BufReader<File>>, AdapterError> {
        let file =
            File::open(&self.config.path).map_err(|e| AdapterError::io(self.document(), &e))?;
        CensusReader::new(BufReader::new(file)).map_err(|rejection| match rejection.reason {
            RejectionReason::Io { message } => AdapterError::Io {
                target: self.document(),
                message,
                retryable: true,
            },
            reason => AdapterError::malformed(
                Location::document(self.document()).at(rejection.location.to_string()),
                reason.to_string(),
            ),
        })
    }
}

/// The number of items a cursor has handed out.
fn items_of(cursor: Option<&Cursor>) -> Result<u64, AdapterError> {
    match cursor {
        None => Ok(0),
        Some(cursor) => cursor
            .as_str()
            .strip_prefix("items:")
            .and_then(|n| n.parse().ok())
            .ok_or_else(|| AdapterError::InvalidCursor {
                reason: format!("cin_census_file adapter: {cursor} is not one of its cursors"),
            }),
    }
}

/// Maps one census child to a canonical person record located at child number `index`.
pub fn person_record(
    system: &str,
    document: &str,
    index: u64,
    child: &CensusChild,
) -> Located<PersonRecord> {
    let location = Location::document(document).at(format!("/Message/Children/Child[{index}]"));
    let ids = &child.identifiers;
    let mut notes = Vec::new();
    let upn = ids.upn.as_ref().and_then(|upn| match upn.to_upn() {
        Ok(upn) => Some(upn),
        Err(error) => {
            notes.push(FieldNote {
                location: location.at("/ChildIdentifiers/UPN"),
                reason: format!("UPN {} left out: {}", upn.as_str(), error.message()),
            });
            None
        }
    });
    let case_system_id = match CaseSystemId::parse("LAchildID", &ids.la_child_id) {
        Ok(id) => Some(id),
        Err(error) => {
            notes.push(FieldNote {
                location: location.at("/ChildIdentifiers/LAchildID"),
                reason: format!(
                    "LAchildID is not usable as a case system id: {}",
                    error.message()
                ),
            });
            None
        }
    };
    let record = PersonRecord {
        source: SourceRef::new(system, ids.la_child_id.clone()),
        birth_date: ids.birth_date.map(PartialDate::Date),
        expected_birth_date: ids.expected_birth_date,
        death_date: ids.death_date,
        sex: Some(ids.sex.as_sex()),
        ethnicity: Some(child.characteristics.ethnicity),
        disabilities: child.characteristics.disabilities.clone(),
        upn,
        upn_unknown: ids.upn_unknown,
        case_system_id,
        ..Default::default()
    };
    Located {
        location,
        record,
        notes,
    }
}

/// Maps a census rejection (of child number `index`, when a child's) to an SDK rejection.
pub fn sdk_rejection(document: &str, index: Option<u64>, rejection: &Rejection) -> SdkRejection {
    let place = match index {
        Some(index) => format!("/Message/Children/Child[{index}] {}", rejection.location),
        None => rejection.location.to_string(),
    };
    let reason = match &rejection.la_child_id {
        Some(id) => format!("child {id}: {}", rejection.reason),
        None => rejection.reason.to_string(),
    };
    SdkRejection::new(Location::document(document).at(place), reason)
}

#[async_trait]
impl SourceAdapter for CinCensusFileSource {
    fn name(&self) -> &str {
        &self.config.name
    }

    async fn health(&self) -> Result<HealthReport, AdapterError> {
        let reader = self.open()?;
        let year = reader
            .year()
            .map_or_else(|| "unknown".to_owned(), |y| y.to_string());
        Ok(HealthReport {
            target: self.document(),
            detail: format!("CIN census file, collection year {year}, header read"),
        })
    }

    async fn pull(&self, cursor: Option<&Cursor>) -> Result<Batch, AdapterError> {
        let skip = items_of(cursor)?;
        let mut reader = self.open()?;
        let document = self.document();
        let mut batch = Batch::default();
        let mut items = 0u64;
        let mut taken = 0usize;
        let mut done = true;
        while let Some(item) = reader.next() {
            items += 1;
            if items <= skip {
                continue;
            }
            let seen = reader.children_seen();
            match item {
                Ok(child) => {
                    let record = person_record(&self.config.name, &document, seen, &child);
                    batch.records.push(Located {
                        location: record.location,
                        record: CanonicalRecord::Person(record.record),
                        notes: record.notes,
                    });
                }
                Err(rejection) => {
                    let index = rejection.la_child_id.is_some().then_some(seen);
                    batch
                        .rejected
                        .push(sdk_rejection(&document, index, &rejection));
                }
            }
            taken += 1;
            if taken == self.config.page_size {
                done = false;
                break;
            }
        }
        if !done {
            // A page that ends exactly at the end of the file is the last one.
            done = reader.next().is_none();
        }
        batch.next_cursor = Some(Cursor::new(format!("items:{}", skip + taken as u64)));
        batch.done = done;
        Ok(batch)
    }
}

impl CinCensusFileSource {
    /// The file this adapter reads.
    pub fn path(&self) -> &Path {
        &self.config.path
    }
}
