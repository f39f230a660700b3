//! The CIN census file as an adapter SDK [`SourceAdapter`]: each child becomes a canonical
//! [`PersonRecord`] keyed by its `LAchildID` and its case records; each rejected child (or header, or broken
//! document) becomes an SDK [`Rejection`].
//!
//! The cursor counts the items (children and rejections) already handed out, `items:N`; a pull
//! reads the file from its start and skips them, so a pull costs a read of the file up to the
//! batch's end (about 90 MB/s, see `docs/benchmarks-adapters.md`). File I/O is blocking.
//!
//! The child's case work follows its person record, in an order that lets each record find
//! the one it belongs to ([`case_records`]): per `CINdetails` an episode record, then its
//! assessments, section 47 enquiries, initial conferences, CIN plans and child protection
//! plans. Their source ids are natural keys under the `LAchildID` (the referral date, the
//! start dates), so next year's census names the same records again:
//!
//! | census | canonical record | source id |
//! | --- | --- | --- |
//! | `CINdetails` | [`EpisodeRecord`] (child in need; `ReferralNFA` as `no_further_action`) | `{LAchildID}/cin/{referral date}` |
//! | `Assessments` | [`AssessmentRecord`] child and family (authorisation date as `end_date`, factors) | `…/assessment/{start}` |
//! | `Section47` | [`AssessmentRecord`] section 47 (outcome `CONFERENCE` with a conference date, `CONTINUE_FAMILY_HELP` when `ICPCnotRequired`) | `…/s47/{start}` |
//! | `DateOfInitialCPC` (episode and section 47, each date once) | [`AssessmentRecord`] initial conference | `…/icpc/{date}` |
//! | `CINPlanDates` | [`CasePlanRecord`] child in need | `…/cin-plan/{start}` |
//! | `ChildProtectionPlans` | [`CasePlanRecord`] child protection (categories, review dates) | `…/cp-plan/{start}` |
//!
//! A second record with the same key in one episode gets `#2`, `#3`… appended. The canonical
//! records have no place for `FormerUPN`, `AssessmentInternalReviewDate`, `InitialCPCtarget`,
//! `NumberOfPreviousCPP` or the 2025/26 `PreProceedingsandFGDM`; those are not imported. A
//! reason for closure without a closure date is left out (with a note): an open episode has
//! none.

use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use familygraph_adapter_sdk::{
    AdapterConfig, AdapterError, AssessmentKind, AssessmentRecord, Batch, CanonicalRecord,
    CasePlanKind, CasePlanRecord, Cursor, EpisodeKind, EpisodeRecord, FieldNote, HealthReport,
    Located, Location, PartialDate, PersonRecord, Rejection as SdkRejection, SourceAdapter,
    SourceRef, async_trait,
};
use familygraph_domain::{CaseSystemId, Section47Outcome};
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
                reason: format!("UPN left out: {}", error.message()),
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

/// Makes source ids unique within one episode: the first use of a key is the key itself,
/// later ones get `#2`, `#3`…
#[derive(Default)]
struct Keys(Vec<String>);

impl Keys {
    fn unique(&mut self, key: String) -> String {
        let seen = self.0.iter().filter(|k| **k == key).count();
        self.0.push(key.clone());
        if seen == 0 {
            key
        } else {
            format!("{key}#{}", seen + 1)
        }
    }
}

/// Maps one census child's `CINdetails` to canonical case records (see the module
/// documentation), located under child number `index`, in the order they must be applied.
pub fn case_records(
    system: &str,
    document: &str,
    index: u64,
    child: &CensusChild,
) -> Vec<Located<CanonicalRecord>> {
    let child_location =
        Location::document(document).at(format!("/Message/Children/Child[{index}]"));
    let la_child_id = child.identifiers.la_child_id.trim();
    let person = SourceRef::new(system, la_child_id);
    let day = |d: NaiveDate| d.format("%Y-%m-%d").to_string();
    let mut records = Vec::new();
    let mut episode_keys = Keys::default();
    for (n, details) in child.cin_details.iter().enumerate() {
        let at = child_location.at(format!("/CINdetails[{}]", n + 1));
        let episode_id =
            episode_keys.unique(format!("{la_child_id}/cin/{}", day(details.referral_date)));
        let episode = SourceRef::new(system, episode_id.clone());
        let mut notes = Vec::new();
        let closure_reason = match (details.closure_date, details.reason_for_closure) {
            (None, Some(_)) => {
                notes.push(FieldNote {
                    location: at.at("/ReasonForClosure"),
                    reason: "a reason for closure without a closure date was left out".to_owned(),
                });
                None
            }
            (_, reason) => reason,
        };
        records.push(Located {
            location: at.clone(),
            record: CanonicalRecord::Episode(EpisodeRecord {
                source: episode.clone(),
                person: person.clone(),
                episode_kind: EpisodeKind::ChildInNeed,
                start_date: details.referral_date,
                end_date: details.closure_date,
                referral_source: Some(details.referral_source),
                primary_need: details.primary_need,
                closure_reason,
                no_further_action: Some(details.referral_nfa),
                ..Default::default()
            }),
            notes,
        });
        let mut keys = Keys::default();
        let mut push = |location: Location, record: CanonicalRecord| {
            records.push(Located {
                location,
                record,
                notes: Vec::new(),
            });
        };
        for (m, assessment) in details.assessments.iter().enumerate() {
            let id = keys.unique(format!(
                "{episode_id}/assessment/{}",
                day(assessment.actual_start_date)
            ));
            push(
                at.at(format!("/Assessments[{}]", m + 1)),
                CanonicalRecord::Assessment(AssessmentRecord {
                    source: SourceRef::new(system, id),
                    person: person.clone(),
                    assessment_kind: AssessmentKind::ChildAndFamily,
                    episode: Some(episode.clone()),
                    start_date: assessment.actual_start_date,
                    end_date: assessment.authorisation_date,
                    factors: assessment.factors.clone(),
                    ..Default::default()
                }),
            );
        }
        let mut conferences: Vec<(NaiveDate, Location)> = Vec::new();
        for (m, s47) in details.section47.iter().enumerate() {
            let s47_at = at.at(format!("/Section47[{}]", m + 1));
            let id = keys.unique(format!("{episode_id}/s47/{}", day(s47.actual_start_date)));
            let outcome = if s47.date_of_initial_cpc.is_some() {
                Some(Section47Outcome::Conference)
            } else if s47.icpc_not_required {
                Some(Section47Outcome::ContinueFamilyHelp)
            } else {
                None
            };
            if let Some(date) = s47.date_of_initial_cpc {
                conferences.push((date, s47_at.at("/DateOfInitialCPC")));
            }
            push(
                s47_at,
                CanonicalRecord::Assessment(AssessmentRecord {
                    source: SourceRef::new(system, id),
                    person: person.clone(),
                    assessment_kind: AssessmentKind::Section47Enquiry,
                    episode: Some(episode.clone()),
                    start_date: s47.actual_start_date,
                    outcome: outcome.map(|o| o.code().to_owned()),
                    ..Default::default()
                }),
            );
        }
        if let Some(date) = details.date_of_initial_cpc {
            conferences.push((date, at.at("/DateOfInitialCPC")));
        }
        conferences.sort_by_key(|(date, _)| *date);
        conferences.dedup_by_key(|(date, _)| *date);
        for (date, location) in conferences {
            let id = keys.unique(format!("{episode_id}/icpc/{}", day(date)));
            push(
                location,
                CanonicalRecord::Assessment(AssessmentRecord {
                    source: SourceRef::new(system, id),
                    person: person.clone(),
                    assessment_kind: AssessmentKind::InitialChildProtectionConference,
                    episode: Some(episode.clone()),
                    start_date: date,
                    ..Default::default()
                }),
            );
        }
        for (m, plan) in details.cin_plan_dates.iter().enumerate() {
            let id = keys.unique(format!("{episode_id}/cin-plan/{}", day(plan.start_date)));
            push(
                at.at(format!("/CINPlanDates[{}]", m + 1)),
                CanonicalRecord::CasePlan(CasePlanRecord {
                    source: SourceRef::new(system, id),
                    person: person.clone(),
                    plan_kind: CasePlanKind::ChildInNeed,
                    episode: Some(episode.clone()),
                    start_date: plan.start_date,
                    end_date: plan.end_date,
                    ..Default::default()
                }),
            );
        }
        for (m, plan) in details.child_protection_plans.iter().enumerate() {
            let id = keys.unique(format!("{episode_id}/cp-plan/{}", day(plan.start_date)));
            push(
                at.at(format!("/ChildProtectionPlans[{}]", m + 1)),
                CanonicalRecord::CasePlan(CasePlanRecord {
                    source: SourceRef::new(system, id),
                    person: person.clone(),
                    plan_kind: CasePlanKind::ChildProtection,
                    episode: Some(episode.clone()),
                    start_date: plan.start_date,
                    end_date: plan.end_date,
                    initial_category: Some(plan.initial_category),
                    latest_category: Some(plan.latest_category),
                    review_dates: plan.review_dates.clone(),
                    ..Default::default()
                }),
            );
        }
    }
    records
}

/// Maps a census rejection to an SDK rejection: located at the child's position
/// (`/Message/Children/Child[n]`, when a child's) and the line and column, with the element
/// path in the reason. Like the census rejection, it holds no value read from the file.
pub fn sdk_rejection(document: &str, rejection: &Rejection) -> SdkRejection {
    let place = match rejection.child {
        Some(index) => format!("/Message/Children/Child[{index}] {}", rejection.location),
        None => rejection.location.to_string(),
    };
    let reason = if rejection.path.is_empty() {
        rejection.reason.to_string()
    } else {
        format!("in {}: {}", rejection.path, rejection.reason)
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
            match item {
                Ok(child) => {
                    let seen = reader.children_seen();
                    let record = person_record(&self.config.name, &document, seen, &child);
                    batch.records.push(Located {
                        location: record.location,
                        record: CanonicalRecord::Person(record.record),
                        notes: record.notes,
                    });
                    batch
                        .records
                        .extend(case_records(&self.config.name, &document, seen, &child));
                }
                Err(rejection) => batch.rejected.push(sdk_rejection(&document, &rejection)),
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
