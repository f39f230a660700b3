//! Schools' pupil records: attendance over a period and suspensions or permanent exclusions,
//! as each school's MIS reports them (through intake). A child's record shows them as
//! `Person.attendance` / `Person.suspensions` (class `education_records`); a school sees the
//! ones it reported itself through `Person.partnerView`. Both load through the request's
//! batched loaders, under the caller's row scope (`familygraph_store::education`).

use async_graphql::{Context, Enum, Object};
use chrono::NaiveDate;
use familygraph_domain::ExclusionReason;
use familygraph_domain::calendar::{self, SchoolTerm};
use familygraph_store::Scoped;
use familygraph_store::entity::{agency, attendance_summary, school_suspension};
use sea_orm::EntityTrait;
use serde::de::DeserializeOwned;
use uuid::Uuid;

use super::agency::Agency;
use crate::context::{RequestContext, request};
use crate::error::ApiResult;

/// A pupil's attendance at one school over one period (a term, a half term, the year so far),
/// in sessions — a morning or an afternoon — as the school's MIS reports it.
#[derive(Clone)]
pub struct SchoolAttendance(pub(crate) attendance_summary::Model);

/// A pupil's suspension (a fixed period away from school) or permanent exclusion, as the
/// school's MIS reports it.
#[derive(Clone)]
pub struct SchoolSuspension(pub(crate) school_suspension::Model);

/// One DfE reason given for a suspension or permanent exclusion.
pub struct SuspensionReason(ExclusionReason);

/// Whether a pupil was suspended or permanently excluded.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
pub enum ExclusionKind {
    /// A suspension: a fixed period away from school (at most 45 school days a year).
    Suspension,
    /// A permanent exclusion: the pupil is taken off the school's roll.
    PermanentExclusion,
}

/// The DfE persistent absence threshold: absent for 10% or more of possible sessions.
const PERSISTENT_ABSENCE_PERCENT: f64 = 10.0;

/// `part` as a percentage of `whole`, to one decimal place; `None` when `whole` is zero.
fn percent(part: i32, whole: i32) -> Option<f64> {
    (whole > 0).then(|| (f64::from(part) * 1000.0 / f64::from(whole)).round() / 10.0)
}

#[Object]
impl SchoolAttendance {
    /// The school that reported it.
    async fn school(&self, ctx: &Context<'_>) -> ApiResult<Option<Agency>> {
        school(ctx, self.0.agency_id).await
    }
    /// First day of the period, when the school says.
    async fn period_start(&self) -> Option<NaiveDate> {
        self.0.period_start
    }
    /// Last day of the period, when the school says.
    async fn period_end(&self) -> Option<NaiveDate> {
        self.0.period_end
    }
    /// The academic year of the period as the DfE writes it (`2025/26`: 1 August 2025 to
    /// 31 July 2026), from its first day (or its last, when only that is known).
    async fn academic_year(&self) -> Option<String> {
        self.0
            .period_start
            .or(self.0.period_end)
            .map(calendar::academic_year)
    }
    /// The school census term the period lies within (autumn 1 August–31 December, spring
    /// 1 January–Easter Sunday, summer Easter Monday–31 July); `null` when the period spans
    /// more than one term or its dates are not known.
    async fn term(&self) -> Option<SchoolTerm> {
        calendar::term_of_period(self.0.period_start?, self.0.period_end?)
    }
    /// Sessions the pupil could have attended.
    async fn sessions_possible(&self) -> i32 {
        self.0.sessions_possible
    }
    /// Sessions attended (present, or an approved educational activity off site).
    async fn sessions_attended(&self) -> i32 {
        self.0.sessions_attended
    }
    /// Sessions missed with the school's authorisation (illness, medical appointments,
    /// religious observance, authorised leave...).
    async fn sessions_missed_authorised(&self) -> i32 {
        self.0.sessions_authorised_absence
    }
    /// Sessions missed without authorisation (unauthorised holiday, late after registers
    /// closed, no reason yet, other unauthorised).
    async fn sessions_missed_unauthorised(&self) -> i32 {
        self.0.sessions_unauthorised_absence
    }
    /// Sessions missed, authorised or not.
    async fn sessions_missed(&self) -> i32 {
        self.0
            .sessions_authorised_absence
            .saturating_add(self.0.sessions_unauthorised_absence)
    }
    /// Sessions attended as a percentage of sessions possible, to one decimal place; `null`
    /// when no session was possible.
    async fn attendance_percentage(&self) -> Option<f64> {
        percent(self.0.sessions_attended, self.0.sessions_possible)
    }
    /// Sessions missed (authorised or not) as a percentage of sessions possible, to one
    /// decimal place — the DfE's overall absence rate; `null` when no session was possible.
    async fn absence_percentage(&self) -> Option<f64> {
        percent(
            self.0
                .sessions_authorised_absence
                .saturating_add(self.0.sessions_unauthorised_absence),
            self.0.sessions_possible,
        )
    }
    /// Persistently absent over the period: absent for 10% or more of the possible sessions
    /// (the DfE threshold), worked out from the counts when the record was imported.
    async fn persistently_absent(&self) -> bool {
        self.0.persistently_absent
    }
    /// The persistent absence threshold applied, as a percentage of possible sessions (10).
    async fn persistent_absence_threshold_percent(&self) -> f64 {
        PERSISTENT_ABSENCE_PERCENT
    }
}

#[Object]
impl SchoolSuspension {
    /// The school that reported it.
    async fn school(&self, ctx: &Context<'_>) -> ApiResult<Option<Agency>> {
        school(ctx, self.0.agency_id).await
    }
    /// A suspension or a permanent exclusion.
    async fn kind(&self) -> ExclusionKind {
        if self.0.permanent {
            ExclusionKind::PermanentExclusion
        } else {
            ExclusionKind::Suspension
        }
    }
    /// First day away from school, when the school says.
    async fn started_on(&self) -> Option<NaiveDate> {
        self.0.started_on
    }
    /// Last day of a suspension, when the school says.
    async fn ended_on(&self) -> Option<NaiveDate> {
        self.0.ended_on
    }
    /// Sessions (half days) the pupil is away, when the school says.
    async fn sessions(&self) -> Option<i32> {
        self.0.sessions
    }
    /// School days the pupil is away (sessions ÷ 2), when the school gives the sessions.
    async fn days(&self) -> Option<f64> {
        self.0.sessions.map(|n| f64::from(n) / 2.0)
    }
    /// The academic year it started in (`2025/26`), when the start date is known.
    async fn academic_year(&self) -> Option<String> {
        self.0.started_on.map(calendar::academic_year)
    }
    /// The DfE reasons the school gave (up to three), with their meanings; empty when its
    /// reason names no DfE code (see `reasonAsRecorded`).
    async fn reasons(&self) -> Vec<SuspensionReason> {
        self.0
            .reason
            .as_deref()
            .map(ExclusionReason::found_in)
            .unwrap_or_default()
            .into_iter()
            .map(SuspensionReason)
            .collect()
    }
    /// The reason exactly as the school's MIS gave it (codes or text), if any.
    async fn reason_as_recorded(&self) -> Option<&str> {
        self.0.reason.as_deref()
    }
}

#[Object]
impl SuspensionReason {
    /// The reason.
    async fn reason(&self) -> ExclusionReason {
        self.0
    }
    /// The DfE code (`PP`, `VA`, `DB`...).
    async fn code(&self) -> &'static str {
        self.0.code()
    }
    /// What the code means, in the DfE's words.
    async fn meaning(&self) -> &'static str {
        self.0.label()
    }
}

/// The school (an agency, reference data) by id, batched.
async fn school(ctx: &Context<'_>, agency_id: Uuid) -> ApiResult<Option<Agency>> {
    Ok(request(ctx)?
        .loaders
        .by_id::<agency::Entity>()
        .load_one(agency_id)
        .await?
        .map(Agency))
}

/// The child's pupil records of one kind (`E`: attendance summaries or suspensions, by their
/// `person_column`) that the caller may see, in `order`, each wrapped by `wrap`. They load
/// through the request's batched loader (one statement for every child asking in the same
/// request) under the caller's row scope (`familygraph_store::education`): every school's rows
/// for a caller granted `education_records`, a school's own rows for pupils on its roll through
/// the partner view, nobody else's.
async fn pupil_records<E, K, T>(
    rc: &RequestContext,
    person_column: E::Column,
    person_id: Uuid,
    order: impl FnMut(&E::Model) -> K,
    wrap: impl FnMut(E::Model) -> T,
) -> ApiResult<Vec<T>>
where
    E: EntityTrait + Scoped,
    E::Model: DeserializeOwned + Clone + Send + Sync + 'static,
    E::Column: Send + Sync,
    K: Ord,
{
    let mut rows = rc
        .loaders
        .has_many::<E>(person_column)
        .load_one(person_id)
        .await?
        .unwrap_or_default();
    rows.sort_by_key(order);
    Ok(rows.into_iter().map(wrap).collect())
}

/// The child's attendance records the caller may see, oldest period first (see
/// [`pupil_records`]).
pub(crate) async fn attendance_of(
    rc: &RequestContext,
    person_id: Uuid,
) -> ApiResult<Vec<SchoolAttendance>> {
    pupil_records::<attendance_summary::Entity, _, _>(
        rc,
        attendance_summary::Column::PersonId,
        person_id,
        |row| (row.period_start, row.period_end, row.agency_id, row.id),
        SchoolAttendance,
    )
    .await
}

/// The child's suspensions and exclusions the caller may see, oldest first (see
/// [`pupil_records`]).
pub(crate) async fn suspensions_of(
    rc: &RequestContext,
    person_id: Uuid,
) -> ApiResult<Vec<SchoolSuspension>> {
    pupil_records::<school_suspension::Entity, _, _>(
        rc,
        school_suspension::Column::PersonId,
        person_id,
        |row| (row.started_on, row.id),
        SchoolSuspension,
    )
    .await
}
