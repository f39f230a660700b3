//! The DfE children in need (CIN) census, exported from familygraph's store.
//!
//! # Which children
//!
//! The census of year `Y` ([`ExportScope::ReportingYear`]) holds every child who was in need
//! at any time between 1 April `Y-1` and 31 March `Y`: a child with a child in need episode
//! (a `family_help_episode` at level `CHILD_IN_NEED`) open on at least one day of the year, or
//! a referral in the year that opened no episode. Each child is then trimmed to the census
//! date by the liquidlogic crate's [`ReportingYear::census_view`] (the DfE rule: episodes that
//! did not overlap the year are dropped, anything after 31 March is dropped or cleared).
//! [`ExportScope::Everything`] writes every child in need episode familygraph holds, untrimmed
//! (for a full extract, and for round trips of files whose dates lie outside 2022–2026).
//!
//! # How familygraph's rows become `CINdetails`
//!
//! | census | familygraph |
//! | --- | --- |
//! | `LAchildID` | the `CASE_SYSTEM_ID` identifier, else the person id (32 hex digits) |
//! | `UPN`, `FormerUPN`, `UPNunknown` | identifiers `UPN`, `FORMER_UPN`, `UPN_UNKNOWN` |
//! | `PersonBirthDate`, `ExpectedPersonBirthDate`, `Sex`/`GenderCurrent` | `person` |
//! | `Ethnicity` | `person.ethnicity`, `NOBT` when not recorded |
//! | `Disabilities` | `person_disability` (in code order) |
//! | `CINdetails` | one per child in need episode, with its referral (the one with the episode's id, else of the same day; `ReferralNFA` from it) (`CINreferralDate`, `ReferralSource`, `PrimaryNeedCode`); closure date and reason from the episode. A referral with no episode is a referral with no further action (`ReferralNFA` true, closed on the referral date) |
//! | `DateOfInitialCPC` (episode) | the latest initial child protection conference held during the episode |
//! | `Assessments` | assessments of the episode (by `family_help_episode_id`, else by date), factors from `assessment_factor` (in code order); `AssessmentAuthorisationDate` is `authorised_on` |
//! | `CINPlanDates` | `CHILD_IN_NEED` plans starting during the episode |
//! | `Section47` | section 47 enquiries starting during the episode; `DateOfInitialCPC` from the conference that followed it; `ICPCnotRequired` when the enquiry concluded with another outcome and no conference followed |
//! | `ChildProtectionPlans` | `CHILD_PROTECTION` plans starting during the episode (records that fall in no episode go to the nearest one), reviews from `plan_review`; `NumberOfPreviousCPP` is the number of the child's earlier child protection plans (at least 1: the XSDs' `xs:positiveInteger`) |
//!
//! Not held by familygraph and so never written: `PersonDeathDate`,
//! `AssessmentInternalReviewDate`, `InitialCPCtarget`, and the 2025/26
//! `PreProceedingsandFGDM`. For the last, familygraph holds Family Group Decision Making
//! meetings (`fgdm_meeting`: offered, response, held, at stage `PRE_PROCEEDINGS` among
//! others), but of a family network, not of a child, and not the pre-proceedings stage
//! itself: no letter before proceedings date (required by the element), no pre-proceedings
//! outcome (`A`/`B`/`C`), and so no stage a meeting could be counted against. A child
//! protection plan with no category of abuse cannot be
//! written (the category is required) and is left out, counted in
//! [`ExportSummary::plans_left_out`].
//!
//! # Streaming
//!
//! Children are read a page at a time ([`CinCensusExport::page_size`], keyset on the person
//! id) with one query per table per page, and each child is written as soon as it is built,
//! so memory is bounded by one page whatever the size of the store.

use std::collections::HashMap;
use std::io::Write;
use std::num::NonZeroU32;

use chrono::NaiveDate;
use familygraph_adapter_liquidlogic::cin_census::{
    Assessment, CensusChild, CensusHeader, CensusUpn, CensusWriter, ChildCharacteristics,
    ChildIdentifiers, ChildProtectionPlan, CinDetails, CinPlanDates, CollectionDetails,
    RecordedSex, ReportingYear, SchemaYear, Section47, Source, WriteError,
};
use familygraph_domain::{
    AssessmentFactor, CategoryOfAbuse, ClosureReason, Disability, Ethnicity, PrimaryNeed,
    ReferralSource, Sex, UpnUnknown,
};
use familygraph_store::entity::{
    assessment, assessment_factor, cp_conference, family_help_episode, person, person_disability,
    person_identifier, plan, plan_review, referral, section47_enquiry,
};
use sea_orm::sea_query::Query;
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The level of a child in need episode in `family_help_episode.level`.
const CHILD_IN_NEED: &str = "CHILD_IN_NEED";
/// The kind of a child protection plan in `plan.kind`.
const CHILD_PROTECTION: &str = "CHILD_PROTECTION";
/// The outcome of a section 47 enquiry that led to a conference.
const CONFERENCE: &str = "CONFERENCE";

/// Which children in need an export holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ExportScope {
    /// The census of the year ending 31 March of this year (2022 is 2021/22).
    ReportingYear(i32),
    /// Every child in need episode familygraph holds, untrimmed.
    Everything,
}

/// What to export and how to write it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CinCensusExport {
    /// Which children.
    pub scope: ExportScope,
    /// The XSD shape of the file (`GenderCurrent` to 2024, `Sex` from 2025).
    pub schema: SchemaYear,
    /// The council's three-digit LEA code for the header's `Source`; no `Source` without one.
    pub lea: Option<String>,
    /// The header's `DateTime` (`xs:dateTime`), written with the `Source`.
    pub generated_at: Option<String>,
    /// Children read per page.
    pub page_size: u64,
}

impl CinCensusExport {
    /// Children read per page unless set otherwise.
    pub const DEFAULT_PAGE_SIZE: u64 = 500;

    /// The census of `year` in that year's shape, e.g. 2024 for 2023/24.
    pub fn for_year(year: i32) -> Result<Self, ExportError> {
        let schema = SchemaYear::from_year(year).ok_or(ExportError::UnsupportedYear(year))?;
        Ok(Self {
            scope: ExportScope::ReportingYear(year),
            schema,
            lea: None,
            generated_at: None,
            page_size: Self::DEFAULT_PAGE_SIZE,
        })
    }

    /// Every child in need episode familygraph holds, in `schema`'s shape.
    pub fn everything(schema: SchemaYear) -> Self {
        Self {
            scope: ExportScope::Everything,
            schema,
            lea: None,
            generated_at: None,
            page_size: Self::DEFAULT_PAGE_SIZE,
        }
    }

    fn header(&self) -> CensusHeader {
        let (year, reference_date) = match self.scope {
            // The header names the collection only when the file is that collection.
            ExportScope::ReportingYear(year) => (
                (year == self.schema.year()).then_some(year),
                ReportingYear::ending(year).map(|y| y.end()),
            ),
            ExportScope::Everything => (None, None),
        };
        CensusHeader {
            collection_details: Some(CollectionDetails {
                collection: Some("CIN".to_owned()),
                year,
                reference_date,
            }),
            sources: self
                .lea
                .iter()
                .map(|lea| Source {
                    source_level: Some("L".to_owned()),
                    lea: lea.clone(),
                    software_code: Some("familygraph".to_owned()),
                    release: Some(env!("CARGO_PKG_VERSION").to_owned()),
                    serial_no: Some("001".to_owned()),
                    date_time: self.generated_at.clone(),
                })
                .collect(),
        }
    }
}

/// A child the year's XSD could not take (e.g. referral source `5D` in a 2022 file).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefusedChild {
    /// The child's familygraph person id (never the `LAchildID`: refusals are printed and
    /// logged, and an identifier of the child's has no place there).
    pub person_id: Uuid,
    /// Why.
    pub reason: String,
}

/// What an export wrote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportSummary {
    /// The file's XSD year.
    pub schema_year: i32,
    /// Children read from the store (candidates before the census rule).
    pub children_read: u64,
    /// Children written.
    pub children_written: u64,
    /// `CINdetails` written.
    pub episodes_written: u64,
    /// Child protection plans left out for want of a category of abuse.
    pub plans_left_out: u64,
    /// Children left out because the year's XSD cannot take them.
    pub refused: Vec<RefusedChild>,
}

/// Why an export failed.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// No CIN census shape or reporting year for this year.
    #[error("there is no CIN census shape for {0} (2022 to 2026 are supported)")]
    UnsupportedYear(i32),
    /// No child was in need during the year: the XSDs need at least one child.
    #[error("no child was in need in that period, and a CIN census file needs at least one")]
    NoChildren,
    /// The store failed.
    #[error("reading familygraph's store failed: {0}")]
    Database(#[from] DbErr),
    /// The header could not be written, or the output failed.
    #[error(transparent)]
    Write(WriteError),
}

impl From<WriteError> for ExportError {
    fn from(error: WriteError) -> Self {
        match error {
            WriteError::NoChildren => Self::NoChildren,
            other => Self::Write(other),
        }
    }
}

/// Writes the CIN census of `year` (e.g. 2024 for 2023/24) to `out` in that year's shape.
/// Wrap a file in a [`std::io::BufWriter`].
pub async fn export_cin_census<C, W>(
    db: &C,
    year: i32,
    out: W,
) -> Result<ExportSummary, ExportError>
where
    C: ConnectionTrait,
    W: Write,
{
    export_cin_census_with(db, &CinCensusExport::for_year(year)?, out).await
}

/// Writes the children in need `options` selects to `out`.
pub async fn export_cin_census_with<C, W>(
    db: &C,
    options: &CinCensusExport,
    out: W,
) -> Result<ExportSummary, ExportError>
where
    C: ConnectionTrait,
    W: Write,
{
    let window = match options.scope {
        ExportScope::ReportingYear(year) => {
            Some(ReportingYear::ending(year).ok_or(ExportError::UnsupportedYear(year))?)
        }
        ExportScope::Everything => None,
    };
    let mut writer = CensusWriter::new(out, options.schema, &options.header())?;
    let mut summary = ExportSummary {
        schema_year: options.schema.year(),
        children_read: 0,
        children_written: 0,
        episodes_written: 0,
        plans_left_out: 0,
        refused: Vec::new(),
    };
    let page_size = options.page_size.max(1);
    let mut after: Option<Uuid> = None;
    loop {
        let ids = page_of_children(db, window.as_ref(), after, page_size).await?;
        let Some(&last) = ids.last() else {
            break;
        };
        after = Some(last);
        let rows = PageRows::load(db, &ids).await?;
        for id in &ids {
            let Some(built) = rows.child(*id) else {
                continue;
            };
            summary.children_read += 1;
            summary.plans_left_out += built.plans_left_out;
            let view = match &window {
                Some(window) => window.census_view(&built.child),
                None => Some(built.child),
            };
            let Some(view) = view else {
                continue;
            };
            match writer.write_child(&view) {
                Ok(()) => {
                    summary.children_written += 1;
                    summary.episodes_written += view.cin_details.len() as u64;
                }
                Err(WriteError::Child { problem, .. }) => summary.refused.push(RefusedChild {
                    person_id: *id,
                    reason: problem,
                }),
                Err(other) => return Err(other.into()),
            }
        }
        if (ids.len() as u64) < page_size {
            break;
        }
    }
    writer.finish()?;
    Ok(summary)
}

/// The next `limit` person ids after `after` with a child in need episode (or a referral)
/// in the window, in id order.
async fn page_of_children<C: ConnectionTrait>(
    db: &C,
    window: Option<&ReportingYear>,
    after: Option<Uuid>,
    limit: u64,
) -> Result<Vec<Uuid>, DbErr> {
    let mut episodes = Query::select();
    episodes
        .column(family_help_episode::Column::PersonId)
        .from(family_help_episode::Entity)
        .and_where(family_help_episode::Column::Level.eq(CHILD_IN_NEED));
    let mut referrals = Query::select();
    referrals
        .column(referral::Column::PersonId)
        .from(referral::Entity);
    if let Some(window) = window {
        episodes
            .and_where(family_help_episode::Column::StartedOn.lte(window.end()))
            .cond_where(
                Condition::any()
                    .add(family_help_episode::Column::EndedOn.is_null())
                    .add(family_help_episode::Column::EndedOn.gte(window.start())),
            );
        referrals
            .and_where(referral::Column::ReferralOn.lte(window.end()))
            .and_where(referral::Column::ReferralOn.gte(window.start()));
    }
    let mut query = person::Entity::find()
        .select_only()
        .column(person::Column::Id)
        .filter(
            Condition::any()
                .add(person::Column::Id.in_subquery(episodes))
                .add(person::Column::Id.in_subquery(referrals)),
        );
    if let Some(after) = after {
        query = query.filter(person::Column::Id.gt(after));
    }
    query
        .order_by_asc(person::Column::Id)
        .limit(limit)
        .into_tuple::<Uuid>()
        .all(db)
        .await
}

/// Groups rows by a key, keeping their order.
fn group<T, K: std::hash::Hash + Eq>(rows: Vec<T>, key: impl Fn(&T) -> K) -> HashMap<K, Vec<T>> {
    let mut map: HashMap<K, Vec<T>> = HashMap::new();
    for row in rows {
        map.entry(key(&row)).or_default().push(row);
    }
    map
}

/// Every row one page of children needs, grouped by child (or by parent row).
struct PageRows {
    persons: HashMap<Uuid, person::Model>,
    identifiers: HashMap<Uuid, Vec<person_identifier::Model>>,
    disabilities: HashMap<Uuid, Vec<person_disability::Model>>,
    referrals: HashMap<Uuid, Vec<referral::Model>>,
    episodes: HashMap<Uuid, Vec<family_help_episode::Model>>,
    assessments: HashMap<Uuid, Vec<assessment::Model>>,
    factors: HashMap<Uuid, Vec<assessment_factor::Model>>,
    enquiries: HashMap<Uuid, Vec<section47_enquiry::Model>>,
    conferences: HashMap<Uuid, Vec<cp_conference::Model>>,
    plans: HashMap<Uuid, Vec<plan::Model>>,
    reviews: HashMap<Uuid, Vec<plan_review::Model>>,
}

impl PageRows {
    async fn load<C: ConnectionTrait>(db: &C, ids: &[Uuid]) -> Result<Self, DbErr> {
        let ids = || ids.iter().copied();
        let persons = person::Entity::find()
            .filter(person::Column::Id.is_in(ids()))
            .all(db)
            .await?;
        let identifiers = person_identifier::Entity::find()
            .filter(person_identifier::Column::PersonId.is_in(ids()))
            .order_by_asc(person_identifier::Column::Id)
            .all(db)
            .await?;
        let disabilities = person_disability::Entity::find()
            .filter(person_disability::Column::PersonId.is_in(ids()))
            .order_by_asc(person_disability::Column::Id)
            .all(db)
            .await?;
        let referrals = referral::Entity::find()
            .filter(referral::Column::PersonId.is_in(ids()))
            .order_by_asc(referral::Column::ReferralOn)
            .order_by_asc(referral::Column::Id)
            .all(db)
            .await?;
        let episodes = family_help_episode::Entity::find()
            .filter(family_help_episode::Column::PersonId.is_in(ids()))
            .filter(family_help_episode::Column::Level.eq(CHILD_IN_NEED))
            .order_by_asc(family_help_episode::Column::StartedOn)
            .order_by_asc(family_help_episode::Column::Id)
            .all(db)
            .await?;
        let assessments = assessment::Entity::find()
            .filter(assessment::Column::PersonId.is_in(ids()))
            .order_by_asc(assessment::Column::StartedOn)
            .order_by_asc(assessment::Column::Id)
            .all(db)
            .await?;
        let factors = if assessments.is_empty() {
            Vec::new()
        } else {
            assessment_factor::Entity::find()
                .filter(
                    assessment_factor::Column::AssessmentId.is_in(assessments.iter().map(|a| a.id)),
                )
                .order_by_asc(assessment_factor::Column::Id)
                .all(db)
                .await?
        };
        let enquiries = section47_enquiry::Entity::find()
            .filter(section47_enquiry::Column::PersonId.is_in(ids()))
            .order_by_asc(section47_enquiry::Column::StartedOn)
            .order_by_asc(section47_enquiry::Column::Id)
            .all(db)
            .await?;
        let conferences = cp_conference::Entity::find()
            .filter(cp_conference::Column::PersonId.is_in(ids()))
            .order_by_asc(cp_conference::Column::HeldOn)
            .order_by_asc(cp_conference::Column::Id)
            .all(db)
            .await?;
        let plans = plan::Entity::find()
            .filter(plan::Column::PersonId.is_in(ids()))
            .filter(plan::Column::Kind.is_in([CHILD_IN_NEED, CHILD_PROTECTION]))
            .order_by_asc(plan::Column::StartedOn)
            .order_by_asc(plan::Column::Id)
            .all(db)
            .await?;
        let reviews = if plans.is_empty() {
            Vec::new()
        } else {
            plan_review::Entity::find()
                .filter(plan_review::Column::PlanId.is_in(plans.iter().map(|p| p.id)))
                .order_by_asc(plan_review::Column::ReviewedOn)
                .order_by_asc(plan_review::Column::Id)
                .all(db)
                .await?
        };
        Ok(Self {
            persons: persons.into_iter().map(|p| (p.id, p)).collect(),
            identifiers: group(identifiers, |r| r.person_id),
            disabilities: group(disabilities, |r| r.person_id),
            referrals: group(referrals, |r| r.person_id),
            episodes: group(episodes, |r| r.person_id),
            assessments: group(assessments, |r| r.person_id),
            factors: group(factors, |r| r.assessment_id),
            enquiries: group(enquiries, |r| r.person_id),
            conferences: group(conferences, |r| r.person_id),
            plans: group(plans, |r| r.person_id),
            reviews: group(reviews, |r| r.plan_id),
        })
    }

    fn of<T>(map: &HashMap<Uuid, Vec<T>>, id: Uuid) -> &[T] {
        map.get(&id).map_or(&[], Vec::as_slice)
    }

    /// The child with id `id` as a census child (untrimmed), if the person exists.
    fn child(&self, id: Uuid) -> Option<Built> {
        let person = self.persons.get(&id)?;
        let mut plans_left_out = 0;
        let identifiers = self.identifiers_of(person);
        let characteristics = ChildCharacteristics {
            ethnicity: person
                .ethnicity
                .as_deref()
                .and_then(Ethnicity::from_code)
                .unwrap_or(Ethnicity::NotObtained),
            disabilities: dedup_sorted(
                Self::of(&self.disabilities, id)
                    .iter()
                    .filter_map(|d| Disability::from_code(&d.code)),
                |d| d.code(),
            ),
        };

        // Episodes: the child in need episodes, each with the referral of its first day;
        // referrals that opened no episode stand alone.
        let referrals = Self::of(&self.referrals, id);
        let mut used_referral = vec![false; referrals.len()];
        let mut spans: Vec<Span> = Vec::new();
        for episode in Self::of(&self.episodes, id) {
            // The referral that opened it: the one with the episode's id (intake), else the
            // first unused one of the same day.
            let referral = referrals
                .iter()
                .enumerate()
                .find(|(_, r)| r.id == episode.id)
                .or_else(|| {
                    referrals
                        .iter()
                        .enumerate()
                        .find(|(i, r)| !used_referral[*i] && r.referral_on == episode.started_on)
                });
            if let Some((i, _)) = referral {
                used_referral[i] = true;
            }
            spans.push(Span {
                episode_id: Some(episode.id),
                start: episode.started_on,
                end: episode.ended_on,
                referral: referral.map(|(_, r)| r),
                closure_reason: episode
                    .closure_reason
                    .as_deref()
                    .and_then(ClosureReason::from_code),
                nfa: referral
                    .and_then(|(_, r)| r.no_further_action)
                    .unwrap_or(false),
            });
        }
        for (i, referral) in referrals.iter().enumerate() {
            if !used_referral[i] {
                spans.push(Span {
                    episode_id: None,
                    start: referral.referral_on,
                    end: Some(referral.referral_on),
                    referral: Some(referral),
                    closure_reason: None,
                    nfa: referral.no_further_action.unwrap_or(true),
                });
            }
        }
        spans.sort_by_key(|s| s.start);

        let mut details: Vec<CinDetails> = spans
            .iter()
            .map(|span| CinDetails {
                referral_date: span.start,
                referral_source: span
                    .referral
                    .and_then(|r| ReferralSource::from_code(&r.source))
                    .unwrap_or(ReferralSource::Unknown),
                primary_need: span
                    .referral
                    .and_then(|r| PrimaryNeed::from_code(&r.primary_need)),
                closure_date: span.end,
                reason_for_closure: span.closure_reason,
                date_of_initial_cpc: None,
                assessments: Vec::new(),
                cin_plan_dates: Vec::new(),
                section47: Vec::new(),
                referral_nfa: span.nfa,
                child_protection_plans: Vec::new(),
            })
            .collect();

        for a in Self::of(&self.assessments, id) {
            let by_link = a
                .family_help_episode_id
                .map(|e| spans.iter().position(|s| s.episode_id == Some(e)));
            let index = match by_link {
                // Linked to an episode that is not a child in need one: not census work.
                Some(None) => continue,
                Some(Some(index)) => Some(index),
                None => span_of(&spans, a.started_on),
            };
            let Some(index) = index else { continue };
            details[index].assessments.push(Assessment {
                actual_start_date: a.started_on,
                internal_review_date: None,
                authorisation_date: a.authorised_on,
                factors: dedup_sorted(
                    Self::of(&self.factors, a.id)
                        .iter()
                        .filter_map(|f| AssessmentFactor::from_code(&f.code)),
                    |f| f.code(),
                ),
            });
        }

        let conferences = Self::of(&self.conferences, id);
        for conference in conferences {
            if let Some(index) = span_of(&spans, conference.held_on) {
                let latest = &mut details[index].date_of_initial_cpc;
                if latest.is_none_or(|d| conference.held_on > d) {
                    *latest = Some(conference.held_on);
                }
            }
        }
        for enquiry in Self::of(&self.enquiries, id) {
            let Some(index) = span_of(&spans, enquiry.started_on) else {
                continue;
            };
            let conference = conferences
                .iter()
                .filter(|c| c.section47_enquiry_id == Some(enquiry.id))
                .map(|c| c.held_on)
                .min();
            let icpc_not_required =
                conference.is_none() && enquiry.outcome.as_deref().is_some_and(|o| o != CONFERENCE);
            details[index].section47.push(Section47 {
                actual_start_date: enquiry.started_on,
                initial_cpc_target: None,
                date_of_initial_cpc: conference,
                icpc_not_required,
            });
        }

        let mut earlier_cp_plans = 0u32;
        for p in Self::of(&self.plans, id) {
            let index = span_of(&spans, p.started_on);
            if p.kind == CHILD_PROTECTION {
                let previous = earlier_cp_plans;
                earlier_cp_plans += 1;
                let Some(index) = index else { continue };
                let initial = p
                    .initial_category
                    .as_deref()
                    .and_then(CategoryOfAbuse::from_code);
                let latest = p
                    .latest_category
                    .as_deref()
                    .and_then(CategoryOfAbuse::from_code);
                let (Some(initial), Some(latest)) = (initial.or(latest), latest.or(initial)) else {
                    plans_left_out += 1;
                    continue;
                };
                details[index]
                    .child_protection_plans
                    .push(ChildProtectionPlan {
                        start_date: p.started_on,
                        end_date: p.ended_on,
                        initial_category: initial,
                        latest_category: latest,
                        number_of_previous_cpp: NonZeroU32::new(previous)
                            .unwrap_or(NonZeroU32::MIN),
                        review_dates: Self::of(&self.reviews, p.id)
                            .iter()
                            .map(|r| r.reviewed_on)
                            .collect(),
                    });
            } else if let Some(index) = index {
                details[index].cin_plan_dates.push(CinPlanDates {
                    start_date: p.started_on,
                    end_date: p.ended_on,
                });
            }
        }

        Some(Built {
            child: CensusChild {
                identifiers,
                characteristics,
                cin_details: details,
                pre_proceedings: Vec::new(),
            },
            plans_left_out,
        })
    }

    fn identifiers_of(&self, person: &person::Model) -> ChildIdentifiers {
        let identifiers = Self::of(&self.identifiers, person.id);
        let value = |kind: &str| {
            identifiers
                .iter()
                .find(|i| i.kind == kind)
                .map(|i| i.value.as_str())
        };
        ChildIdentifiers {
            la_child_id: value("CASE_SYSTEM_ID")
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map_or_else(|| person.id.simple().to_string(), str::to_owned),
            upn: value("UPN").and_then(CensusUpn::parse),
            former_upn: value("FORMER_UPN").and_then(CensusUpn::parse),
            upn_unknown: value("UPN_UNKNOWN").and_then(UpnUnknown::from_code),
            birth_date: person.date_of_birth,
            expected_birth_date: person.expected_date_of_birth,
            sex: RecordedSex::Sex(Sex::from_code(&person.sex).unwrap_or(Sex::Unknown)),
            death_date: None,
        }
    }
}

/// A child built from the store, and what of it could not be written.
struct Built {
    child: CensusChild,
    plans_left_out: u64,
}

/// One child in need episode (or lone referral) of a child.
struct Span<'a> {
    episode_id: Option<Uuid>,
    start: NaiveDate,
    end: Option<NaiveDate>,
    referral: Option<&'a referral::Model>,
    closure_reason: Option<ClosureReason>,
    nfa: bool,
}

/// The episode a record dated `on` (and linked to no episode) belongs to: the
/// latest-starting one open that day, else the nearest in time (work recorded just before
/// the referral, or just after the closure, of the child's only episode).
fn span_of(spans: &[Span<'_>], on: NaiveDate) -> Option<usize> {
    let open = spans
        .iter()
        .enumerate()
        .rev()
        .find(|(_, s)| s.start <= on && s.end.is_none_or(|end| on <= end))
        .map(|(i, _)| i);
    open.or_else(|| {
        spans
            .iter()
            .enumerate()
            .min_by_key(|(_, s)| {
                if on < s.start {
                    (s.start - on).num_days()
                } else {
                    s.end.map_or(0, |end| (on - end).num_days())
                }
            })
            .map(|(i, _)| i)
    })
}

/// Codes each once, in the order of their code (as intake stores them), so that a file
/// exported, imported and exported again is the same file.
fn dedup_sorted<T: PartialEq>(
    codes: impl Iterator<Item = T>,
    code: impl Fn(&T) -> &'static str,
) -> Vec<T> {
    let mut out: Vec<T> = Vec::new();
    for c in codes {
        if !out.contains(&c) {
            out.push(c);
        }
    }
    out.sort_by_key(|c| code(c));
    out
}
