//! Records from a school management information system.

use super::SourceRef;
use chrono::NaiveDate;
use familygraph_domain::{SchoolUrn, Upn};
use serde::{Deserialize, Serialize};

/// A pupil's enrolment at a school.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct EnrolmentRecord {
    /// Where the record comes from (the MIS's enrolment or student id).
    pub source: SourceRef,
    /// The pupil, as the person record's source id in the same system.
    pub person_source_id: String,
    /// The pupil's UPN, when known.
    pub upn: Option<Upn>,
    /// The school.
    pub school_urn: Option<SchoolUrn>,
    /// First day on roll.
    pub start_date: Option<NaiveDate>,
    /// Last day on roll, when the pupil has left.
    pub end_date: Option<NaiveDate>,
    /// National curriculum year group as the MIS gives it (`R`, `1`...`13`).
    pub year_group: Option<String>,
}

impl EnrolmentRecord {
    /// Whether the pupil is on roll on `day`: no leaving date, or a leaving date on or after
    /// `day` (and, when the admission date is known, admitted by then). The record itself
    /// holds dates only, so the answer is the applier's, for its own today.
    pub fn on_roll(&self, day: NaiveDate) -> bool {
        self.start_date.is_none_or(|start| start <= day)
            && self.end_date.is_none_or(|end| end >= day)
    }
}

/// A pupil's attendance over a period, in sessions (a morning or an afternoon).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AttendanceSummary {
    /// Where the record comes from (pupil id and period, as the adapter composes it).
    pub source: SourceRef,
    /// The pupil, as the person record's source id in the same system.
    pub person_source_id: String,
    /// The pupil's UPN, when known.
    pub upn: Option<Upn>,
    /// The school.
    pub school_urn: Option<SchoolUrn>,
    /// First day of the period.
    pub period_start: Option<NaiveDate>,
    /// Last day of the period.
    pub period_end: Option<NaiveDate>,
    /// Sessions the pupil could have attended.
    pub sessions_possible: u32,
    /// Sessions attended (present or approved educational activity).
    pub sessions_attended: u32,
    /// Sessions missed with authorisation.
    pub sessions_authorised_absence: u32,
    /// Sessions missed without authorisation.
    pub sessions_unauthorised_absence: u32,
    /// Whether the pupil is persistently absent over the period: absent (authorised or not)
    /// for 10% or more of the possible sessions, the DfE's definition. `false` when no
    /// session was possible.
    #[serde(default)]
    pub persistently_absent: bool,
}

impl AttendanceSummary {
    /// Whether `authorised + unauthorised` absent sessions are 10% or more of `possible`
    /// (the DfE's persistent absence threshold), in whole numbers: `10 × absent ≥ possible`.
    pub fn is_persistent_absence(possible: u32, authorised: u32, unauthorised: u32) -> bool {
        let absent = u64::from(authorised) + u64::from(unauthorised);
        possible > 0 && 10 * absent >= u64::from(possible)
    }
}

/// A pupil's suspension (a fixed period away from school) or permanent exclusion.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SuspensionRecord {
    /// Where the record comes from (the MIS's exclusion id).
    pub source: SourceRef,
    /// The pupil, as the person record's source id in the same system.
    pub person_source_id: String,
    /// The pupil's UPN, when known.
    pub upn: Option<Upn>,
    /// The school.
    pub school_urn: Option<SchoolUrn>,
    /// Whether this is a permanent exclusion rather than a suspension.
    pub permanent: bool,
    /// First day of the suspension or exclusion.
    pub start_date: Option<NaiveDate>,
    /// Last day of a suspension, when the source gives it.
    pub end_date: Option<NaiveDate>,
    /// Sessions the pupil is away, when the source gives them.
    pub sessions: Option<u32>,
    /// The reason as the source gives it (a DfE exclusion reason code or text), verbatim.
    pub reason: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 1, d).unwrap_or_default()
    }

    #[test]
    fn on_roll_from_admission_to_leaving_day() {
        let enrolment = EnrolmentRecord {
            start_date: Some(day(5)),
            end_date: Some(day(20)),
            ..Default::default()
        };
        assert!(!enrolment.on_roll(day(4)));
        assert!(enrolment.on_roll(day(5)) && enrolment.on_roll(day(20)));
        assert!(!enrolment.on_roll(day(21)));
        assert!(EnrolmentRecord::default().on_roll(day(1)));
    }

    #[test]
    fn persistent_absence_starts_at_ten_percent() {
        assert!(AttendanceSummary::is_persistent_absence(20, 1, 1));
        assert!(!AttendanceSummary::is_persistent_absence(21, 1, 1));
        assert!(!AttendanceSummary::is_persistent_absence(0, 0, 0));
        assert!(AttendanceSummary::is_persistent_absence(
            u32::MAX,
            u32::MAX / 10,
            1
        ));
    }
}
