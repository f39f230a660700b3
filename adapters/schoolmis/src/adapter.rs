//! The school MIS adapter as a [`SourceAdapter`].
//!
//! A run reads `students` page by page (each page one batch), then `exclusions` page by page,
//! then every page of session marks in the attendance period in one batch (a pupil's marks
//! may span pages, and a summary needs them all). The cursor is the phase, the page, the
//! `updated_after` the run was asked for and the latest `updated_at` seen so far, so the same
//! source state gives the same cursors. The finished run's cursor starts the next run at
//! page 1 with `updated_after` set to the latest `updated_at` seen: a delta run reads only
//! students and exclusions changed since, and recomputes the attendance summaries.
//!
//! A student, exclusion or mark that cannot be translated is a rejected record; a 5xx, a 429
//! not waited out or an unreachable server fails the batch (retryable), a 401 after one token
//! refresh or a page that is not JSON fails it permanently, so nothing is silently skipped.

use crate::client::SchoolMisClient;
use crate::config::SchoolMisConfig;
use crate::translate::{self, AttendanceTally, School};
use familygraph_adapter_sdk::{
    AdapterConfig, AdapterError, Batch, Cursor, HealthReport, Location, SourceAdapter, async_trait,
};
use serde::{Deserialize, Serialize};

/// Pages of session marks one run reads at most (a guard against a server whose `next`
/// never ends).
const MAX_ATTENDANCE_PAGES: u32 = 100_000;

/// Reads one school's MIS as person, enrolment, attendance and suspension records.
#[derive(Debug)]
pub struct SchoolMisAdapter {
    config: SchoolMisConfig,
    school: School,
    client: SchoolMisClient,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Phase {
    Students,
    Exclusions,
    Attendance,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct CursorState {
    phase: Phase,
    page: u32,
    /// The `updated_after` of this run (none for a full run).
    updated_after: Option<String>,
    /// The latest `updated_at` seen in this run so far.
    watermark: Option<String>,
}

impl SchoolMisAdapter {
    /// An adapter for a validated `config`.
    pub fn new(config: SchoolMisConfig) -> Result<Self, AdapterError> {
        config.validate()?;
        let client = SchoolMisClient::new(&config)?;
        let school = School {
            system: config.name.clone(),
            urn: config.school_urn()?,
            period: config.attendance_period,
        };
        Ok(Self {
            config,
            school,
            client,
        })
    }

    /// The API client.
    pub fn client(&self) -> &SchoolMisClient {
        &self.client
    }

    fn encode(state: &CursorState) -> Result<Cursor, AdapterError> {
        serde_json::to_string(state)
            .map(Cursor::new)
            .map_err(|e| AdapterError::InvalidCursor {
                reason: e.to_string(),
            })
    }

    fn decode(cursor: Option<&Cursor>) -> Result<CursorState, AdapterError> {
        let state = match cursor {
            None => CursorState {
                phase: Phase::Students,
                page: 1,
                updated_after: None,
                watermark: None,
            },
            Some(c) => serde_json::from_str::<CursorState>(c.as_str()).map_err(|_| {
                AdapterError::InvalidCursor {
                    reason: "not a cursor of the school MIS adapter".to_owned(),
                }
            })?,
        };
        if state.page == 0 {
            return Err(AdapterError::InvalidCursor {
                reason: "pages start at 1".to_owned(),
            });
        }
        Ok(state)
    }

    /// Reads every page of session marks and summarises them.
    async fn attendance(&self, batch: &mut Batch) -> Result<(), AdapterError> {
        let period = self.config.attendance_period;
        let mut tally = AttendanceTally::default();
        let mut first_page = None;
        for page_number in 1..=MAX_ATTENDANCE_PAGES {
            let page = self
                .client
                .attendance(period.start, period.end, page_number, self.config.per_page)
                .await?;
            let document = Location::document(&page.url);
            for (i, mark) in page.data.iter().enumerate() {
                if let Err(rejection) = tally.add(&period, &document.at(format!("/data/{i}")), mark)
                {
                    batch.rejected.push(rejection);
                }
            }
            let first = first_page.get_or_insert_with(|| document.clone());
            if page.is_last {
                batch
                    .records
                    .extend(tally.summaries(&self.school, &first.clone()));
                return Ok(());
            }
        }
        Err(AdapterError::malformed(
            Location::document(&self.config.base_url),
            format!("attendance did not end after {MAX_ATTENDANCE_PAGES} pages"),
        ))
    }
}

fn later(a: Option<String>, b: Option<String>) -> Option<String> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, b) => a.or(b),
    }
}

#[async_trait]
impl SourceAdapter for SchoolMisAdapter {
    fn name(&self) -> &str {
        &self.config.name
    }

    async fn health(&self) -> Result<HealthReport, AdapterError> {
        let page = self.client.students(None, 1, 1).await?;
        Ok(HealthReport {
            target: page.url,
            detail: "MIS API answered the students listing".to_owned(),
        })
    }

    async fn pull(&self, cursor: Option<&Cursor>) -> Result<Batch, AdapterError> {
        let state = Self::decode(cursor)?;
        let since = state.updated_after.as_deref();
        let per_page = self.config.per_page;
        let mut batch = Batch::default();
        let mut watermark = state.watermark.clone();
        let is_last = match state.phase {
            Phase::Students | Phase::Exclusions => {
                let page = if state.phase == Phase::Students {
                    self.client.students(since, state.page, per_page).await?
                } else {
                    self.client.exclusions(since, state.page, per_page).await?
                };
                let document = Location::document(&page.url);
                for (i, item) in page.data.iter().enumerate() {
                    let at = document.at(format!("/data/{i}"));
                    watermark = later(watermark, translate::updated_at(item));
                    let translated = if state.phase == Phase::Students {
                        translate::student(&self.school, &at, item)
                    } else {
                        translate::exclusion(&self.school, &at, item).map(|r| vec![r])
                    };
                    match translated {
                        Ok(records) => batch.records.extend(records),
                        Err(rejection) => batch.rejected.push(rejection),
                    }
                }
                page.is_last
            }
            Phase::Attendance => {
                self.attendance(&mut batch).await?;
                true
            }
        };
        let next = match (state.phase, is_last) {
            (phase @ (Phase::Students | Phase::Exclusions), false) => CursorState {
                phase,
                page: state.page + 1,
                updated_after: state.updated_after.clone(),
                watermark,
            },
            (Phase::Students, true) => CursorState {
                phase: Phase::Exclusions,
                page: 1,
                updated_after: state.updated_after.clone(),
                watermark,
            },
            (Phase::Exclusions, true) => CursorState {
                phase: Phase::Attendance,
                page: 1,
                updated_after: state.updated_after.clone(),
                watermark,
            },
            (Phase::Attendance, _) => {
                batch.done = true;
                // The next run reads what changed after the latest change this run saw.
                CursorState {
                    phase: Phase::Students,
                    page: 1,
                    updated_after: later(state.updated_after.clone(), watermark),
                    watermark: None,
                }
            }
        };
        batch.next_cursor = Some(Self::encode(&next)?);
        Ok(batch)
    }
}
