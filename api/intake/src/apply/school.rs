//! Records from a school MIS: enrolments, attendance summaries and suspensions.
//!
//! | record | rows |
//! |---|---|
//! | `Enrolment` | `agency_link` of kind `ON_ROLL` to the school's agency (found by URN, created as a `SCHOOL` agency when familygraph has none): until its `ended_on` has passed (UK date), the school's machine client sees the pupil (`Reaching::OnRoll`) |
//! | `Attendance` | `attendance_summary` of the pupil at the school, the persistent absence flag worked out again from the counts (DfE 10% threshold) |
//! | `Suspension` | `school_suspension` of the pupil at the school |

use chrono::NaiveDate;
use familygraph_adapter_sdk::{AttendanceSummary, EnrolmentRecord, Located, SuspensionRecord};
use familygraph_domain::calendar::uk_today;
use familygraph_domain::workflow::rules::check_ends_after;
use familygraph_domain::{AgencyKind, AgencyLinkKind, SchoolUrn};
use familygraph_store::entity::{agency, agency_link, attendance_summary, school_suspension};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, EntityTrait, QueryFilter,
};
use uuid::Uuid;

use super::casework::{child, db_err};
use super::source_record::{Step, begin_record};
use super::{Applied, ChildContext, RecordRejected};

/// The school's agency, by URN; created (kind `SCHOOL`, named after its URN until someone
/// names it) when familygraph does not know the school yet.
async fn school(cx: &ChildContext<'_>, urn: Option<&SchoolUrn>) -> Result<Uuid, RecordRejected> {
    let Some(urn) = urn else {
        return Err(RecordRejected(
            "school_urn: the record names no school".to_owned(),
        ));
    };
    if let Some(found) = agency::Entity::find()
        .filter(agency::Column::Urn.eq(urn.as_str()))
        .one(cx.txn)
        .await
        .map_err(db_err)?
    {
        if found.kind != AgencyKind::School.code() {
            return Err(RecordRejected(format!(
                "school_urn: URN {} belongs to an agency that is not a school",
                urn.as_str()
            )));
        }
        return Ok(found.id);
    }
    let id = Uuid::now_v7();
    agency::ActiveModel {
        id: Set(id),
        kind: Set(AgencyKind::School.code().to_owned()),
        name: Set(format!("School URN {}", urn.as_str())),
        urn: Set(Some(urn.as_str().to_owned())),
        ods_code: Set(None),
    }
    .insert(cx.txn)
    .await
    .map_err(db_err)?;
    Ok(id)
}

/// `end` not before `start`, when both are known.
fn check_period(
    start: Option<NaiveDate>,
    end: (&str, Option<NaiveDate>),
) -> Result<(), RecordRejected> {
    if let (Some(start), Some(ended)) = (start, end.1)
        && let Some(error) = check_ends_after(end.0, ended, start).into_iter().next()
    {
        return Err(RecordRejected(format!(
            "{}: {}",
            error.field.last().map_or("", String::as_str),
            error.message
        )));
    }
    Ok(())
}

/// A session count as stored.
fn sessions(field: &str, n: u32) -> Result<i32, RecordRejected> {
    i32::try_from(n).map_err(|_| {
        RecordRejected(format!(
            "{field}: {n} sessions is more than a pupil can have"
        ))
    })
}

/// Applies an enrolment: the pupil on the school's roll from its start date (today when the
/// MIS does not say, by the UK date) until its end date. A pupil already on that school's roll
/// (an `ON_ROLL` link not from this record, without a leaving date or with one not passed yet)
/// keeps that one link, updated.
pub(crate) async fn apply_enrolment(
    cx: &ChildContext<'_>,
    located: &Located<EnrolmentRecord>,
) -> Result<Applied, RecordRejected> {
    let rec = &located.record;
    let begun = match begin_record(cx, "enrolment", &rec.source, rec, "agency_link").await? {
        Step::Proceed(begun) => begun,
        Step::Unchanged(applied) => return Ok(applied),
    };
    check_period(rec.start_date, ("end_date", rec.end_date))?;
    let agency_id = school(cx, rec.school_urn.as_ref()).await?;
    let today = uk_today();
    let started_on = rec.start_date.unwrap_or(today);
    let existing = match begun.changed() {
        Some(id) => agency_link::Entity::find_by_id(id)
            .one(cx.txn)
            .await
            .map_err(db_err)?,
        // The pupil already on this school's roll in familygraph (no leaving date, or one not
        // passed yet by the UK date): that link is the enrolment.
        None => agency_link::Entity::find()
            .filter(agency_link::Column::PersonId.eq(cx.person_id))
            .filter(agency_link::Column::AgencyId.eq(agency_id))
            .filter(agency_link::Column::Kind.eq(AgencyLinkKind::OnRoll.code()))
            .filter(
                Condition::any()
                    .add(agency_link::Column::EndedOn.is_null())
                    .add(agency_link::Column::EndedOn.gte(today)),
            )
            .one(cx.txn)
            .await
            .map_err(db_err)?,
    };
    let updated = existing.is_some();
    // A year group that is not a census code refuses the record; the rejection does not
    // repeat the value.
    let year_group = rec
        .year_group
        .as_deref()
        .filter(|y| !y.trim().is_empty())
        .map(|y| familygraph_domain::YearGroup::parse("year_group", y))
        .transpose()
        .map_err(|e| RecordRejected(e.to_string()))?
        .map(|y| y.code().to_owned());
    let id = match existing {
        Some(row) => {
            let id = row.id;
            let mut active: agency_link::ActiveModel = row.into();
            active.person_id = Set(cx.person_id);
            active.agency_id = Set(agency_id);
            active.kind = Set(AgencyLinkKind::OnRoll.code().to_owned());
            active.started_on = Set(started_on);
            active.ended_on = Set(rec.end_date);
            active.year_group = Set(year_group);
            active.update(cx.txn).await.map_err(db_err)?;
            id
        }
        None => {
            let id = Uuid::now_v7();
            agency_link::ActiveModel {
                id: Set(id),
                person_id: Set(cx.person_id),
                agency_id: Set(agency_id),
                kind: Set(AgencyLinkKind::OnRoll.code().to_owned()),
                started_on: Set(started_on),
                ended_on: Set(rec.end_date),
                year_group: Set(year_group),
            }
            .insert(cx.txn)
            .await
            .map_err(db_err)?;
            id
        }
    };
    begun.done(cx, id, updated).await
}

/// Applies an attendance summary. The persistent absence flag is worked out again from the
/// counts (absent for 10% or more of the possible sessions), whatever the record says.
pub(crate) async fn apply_attendance(
    cx: &ChildContext<'_>,
    located: &Located<AttendanceSummary>,
) -> Result<Applied, RecordRejected> {
    let rec = &located.record;
    let begun = match begin_record(cx, "attendance", &rec.source, rec, "attendance_summary").await?
    {
        Step::Proceed(begun) => begun,
        Step::Unchanged(applied) => return Ok(applied),
    };
    check_period(rec.period_start, ("period_end", rec.period_end))?;
    let counted = u64::from(rec.sessions_attended)
        + u64::from(rec.sessions_authorised_absence)
        + u64::from(rec.sessions_unauthorised_absence);
    if counted > u64::from(rec.sessions_possible) {
        return Err(RecordRejected(format!(
            "sessions_possible: {} sessions attended or missed, but only {} possible",
            counted, rec.sessions_possible
        )));
    }
    let possible = sessions("sessions_possible", rec.sessions_possible)?;
    let attended = sessions("sessions_attended", rec.sessions_attended)?;
    let authorised = sessions(
        "sessions_authorised_absence",
        rec.sessions_authorised_absence,
    )?;
    let unauthorised = sessions(
        "sessions_unauthorised_absence",
        rec.sessions_unauthorised_absence,
    )?;
    let persistent = AttendanceSummary::is_persistent_absence(
        rec.sessions_possible,
        rec.sessions_authorised_absence,
        rec.sessions_unauthorised_absence,
    );
    child(cx).await?;
    let agency_id = school(cx, rec.school_urn.as_ref()).await?;
    let existing = begun
        .changed_row::<attendance_summary::Entity>(cx.txn)
        .await?;
    let updated = existing.is_some();
    let mut active = match existing {
        Some(row) => row.into(),
        None => attendance_summary::ActiveModel {
            id: Set(Uuid::now_v7()),
            ..Default::default()
        },
    };
    active.person_id = Set(cx.person_id);
    active.agency_id = Set(agency_id);
    active.period_start = Set(rec.period_start);
    active.period_end = Set(rec.period_end);
    active.sessions_possible = Set(possible);
    active.sessions_attended = Set(attended);
    active.sessions_authorised_absence = Set(authorised);
    active.sessions_unauthorised_absence = Set(unauthorised);
    active.persistently_absent = Set(persistent);
    let saved = if updated {
        active.update(cx.txn).await
    } else {
        active.insert(cx.txn).await
    }
    .map_err(db_err)?;
    begun.done(cx, saved.id, updated).await
}

/// Applies a suspension or permanent exclusion.
pub(crate) async fn apply_suspension(
    cx: &ChildContext<'_>,
    located: &Located<SuspensionRecord>,
) -> Result<Applied, RecordRejected> {
    let rec = &located.record;
    let begun = match begin_record(cx, "suspension", &rec.source, rec, "school_suspension").await? {
        Step::Proceed(begun) => begun,
        Step::Unchanged(applied) => return Ok(applied),
    };
    check_period(rec.start_date, ("end_date", rec.end_date))?;
    let today = uk_today();
    if rec
        .start_date
        .is_some_and(|start| start > today + chrono::Duration::days(366))
    {
        return Err(RecordRejected(
            "start_date: more than a year in the future".to_owned(),
        ));
    }
    let away = rec.sessions.map(|n| sessions("sessions", n)).transpose()?;
    child(cx).await?;
    let agency_id = school(cx, rec.school_urn.as_ref()).await?;
    let reason = rec
        .reason
        .as_deref()
        .map(str::trim)
        .filter(|r| !r.is_empty())
        .map(str::to_owned);
    let existing = begun
        .changed_row::<school_suspension::Entity>(cx.txn)
        .await?;
    let updated = existing.is_some();
    let mut active = match existing {
        Some(row) => row.into(),
        None => school_suspension::ActiveModel {
            id: Set(Uuid::now_v7()),
            ..Default::default()
        },
    };
    active.person_id = Set(cx.person_id);
    active.agency_id = Set(agency_id);
    active.permanent = Set(rec.permanent);
    active.started_on = Set(rec.start_date);
    active.ended_on = Set(rec.end_date);
    active.sessions = Set(away);
    active.reason = Set(reason);
    let saved = if updated {
        active.update(cx.txn).await
    } else {
        active.insert(cx.txn).await
    }
    .map_err(db_err)?;
    begun.done(cx, saved.id, updated).await
}
