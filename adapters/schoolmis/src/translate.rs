//! The MIS wire format to canonical records: students to person and enrolment records,
//! exclusions to suspension records, session marks to attendance summaries.

use crate::codes::{self, SessionClass};
use crate::config::AttendancePeriod;
use chrono::{NaiveDate, NaiveDateTime};
use familygraph_adapter_sdk::{
    AttendanceSummary, CanonicalRecord, EnrolmentRecord, FieldNote, Located, Location, NameUse,
    PartialDate, PersonName, PersonRecord, Rejection, SourceRef, SuspensionRecord,
};
use familygraph_domain::{SchoolUrn, Sex, Upn};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// What every record from one school shares.
#[derive(Debug, Clone)]
pub struct School {
    /// The source system (the adapter's name).
    pub system: String,
    /// The school's URN.
    pub urn: SchoolUrn,
    /// The attendance period.
    pub period: AttendancePeriod,
}

/// A date as the API gives it: `{"date": "2014-05-02 00:00:00.000000", "timezone_type": 3,
/// "timezone": "Europe/London"}`, or a plain `"2014-05-02"` string. `null` or absent is
/// `None`.
pub fn api_date(value: Option<&Value>) -> Result<Option<NaiveDate>, &'static str> {
    let raw = match value {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::String(s)) => s.as_str(),
        Some(object @ Value::Object(_)) => match object.get("date") {
            Some(Value::String(s)) => s.as_str(),
            Some(Value::Null) | None => return Ok(None),
            Some(_) => return Err("date is not a string"),
        },
        Some(_) => return Err("not a date object or string"),
    };
    let day = raw.trim().get(..10).ok_or("not a YYYY-MM-DD date")?;
    NaiveDate::parse_from_str(day, "%Y-%m-%d")
        .map(Some)
        .map_err(|_| "not a possible YYYY-MM-DD date")
}

/// An `updated_at` as the `updated_after` parameter takes it (`YYYY-MM-DD HH:MM:SS`), when
/// it is one.
pub fn updated_at(item: &Value) -> Option<String> {
    let raw = match item.get("updated_at")? {
        Value::String(s) => s.as_str(),
        object => object.get("date")?.as_str()?,
    };
    let seconds = raw.trim().get(..19)?;
    NaiveDateTime::parse_from_str(seconds, "%Y-%m-%d %H:%M:%S")
        .ok()
        .map(|t| t.format("%Y-%m-%d %H:%M:%S").to_string())
}

fn text<'a>(item: &'a Value, key: &str) -> Option<&'a str> {
    item.get(key)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

fn id(item: &Value, key: &str) -> Option<String> {
    match item.get(key) {
        Some(Value::String(s)) if !s.trim().is_empty() => Some(s.trim().to_owned()),
        Some(Value::Number(n)) => Some(n.to_string()),
        _ => None,
    }
}

fn name(name_use: NameUse, given: Option<&str>, family: Option<&str>) -> Option<PersonName> {
    (given.is_some() || family.is_some()).then(|| PersonName {
        name_use: Some(name_use),
        family: family.map(str::to_owned),
        given: given
            .map(|g| g.split_whitespace().map(str::to_owned).collect())
            .unwrap_or_default(),
    })
}

/// A student, found at `at`, to a person record and an enrolment at the school. A student
/// without an id or with an impossible date is rejected; a UPN that fails its check letter or
/// an unknown gender is left out with a note.
pub fn student(
    school: &School,
    at: &Location,
    item: &Value,
) -> Result<Vec<Located<CanonicalRecord>>, Rejection> {
    let reject = |pointer: &str, reason: &str| Rejection::new(at.at(pointer), reason);
    if !item.is_object() {
        return Err(reject("", "a student must be a JSON object"));
    }
    let student_id = id(item, "id").ok_or_else(|| reject("/id", "the student has no id"))?;
    let birth = api_date(item.get("date_of_birth"))
        .map_err(|e| reject("/date_of_birth", &format!("date_of_birth: {e}")))?;
    let details = item.pointer("/education_details/data");
    let date_of = |key: &str| {
        api_date(details.and_then(|d| d.get(key))).map_err(|e| {
            reject(
                &format!("/education_details/data/{key}"),
                &format!("{key}: {e}"),
            )
        })
    };
    let admission = date_of("admission_date")?;
    let leaving = date_of("leaving_date")?;
    if let (Some(start), Some(end)) = (admission, leaving)
        && end < start
    {
        return Err(reject(
            "/education_details/data/leaving_date",
            "leaving_date is before admission_date",
        ));
    }

    let mut notes = Vec::new();
    let upn = match details.and_then(|d| text(d, "upn")) {
        None => None,
        Some(raw) => match Upn::parse("upn", raw) {
            Ok(upn) => Some(upn),
            Err(e) => {
                notes.push(FieldNote {
                    location: at.at("/education_details/data/upn"),
                    reason: format!("UPN left out: {}", e.message()),
                });
                None
            }
        },
    };
    let sex = match text(item, "gender").map(str::to_ascii_uppercase).as_deref() {
        None => None,
        Some("M" | "MALE") => Some(Sex::Male),
        Some("F" | "FEMALE") => Some(Sex::Female),
        Some("U" | "UNKNOWN" | "NOT KNOWN") => Some(Sex::Unknown),
        Some(_) => {
            notes.push(FieldNote {
                location: at.at("/gender"),
                reason: "gender left out: not M, F or U".to_owned(),
            });
            None
        }
    };
    let official = name(
        NameUse::Official,
        text(item, "legal_forename"),
        text(item, "legal_surname"),
    );
    let usual = name(
        NameUse::Usual,
        text(item, "forename"),
        text(item, "surname"),
    );
    let names: Vec<PersonName> = match (official, usual) {
        (Some(o), Some(u)) if o.given == u.given && o.family == u.family => vec![o],
        (o, u) => o.into_iter().chain(u).collect(),
    };

    let source = SourceRef::new(&school.system, &student_id);
    let person = PersonRecord {
        source: source.clone(),
        names,
        birth_date: birth.map(PartialDate::Date),
        sex,
        upn: upn.clone(),
        ..Default::default()
    };
    let enrolment = EnrolmentRecord {
        source,
        person_source_id: student_id,
        upn,
        school_urn: Some(school.urn.clone()),
        start_date: admission,
        end_date: leaving,
        year_group: details.and_then(|d| match d.get("current_nc_year") {
            Some(Value::String(s)) if !s.trim().is_empty() => Some(s.trim().to_owned()),
            Some(Value::Number(n)) => Some(n.to_string()),
            _ => None,
        }),
    };
    Ok(vec![
        Located {
            location: at.clone(),
            record: CanonicalRecord::Person(person),
            notes,
        },
        Located::new(at.clone(), CanonicalRecord::Enrolment(enrolment)),
    ])
}

/// An exclusion, found at `at`, to a suspension record.
pub fn exclusion(
    school: &School,
    at: &Location,
    item: &Value,
) -> Result<Located<CanonicalRecord>, Rejection> {
    let reject = |pointer: &str, reason: &str| Rejection::new(at.at(pointer), reason);
    if !item.is_object() {
        return Err(reject("", "an exclusion must be a JSON object"));
    }
    let exclusion_id = id(item, "id").ok_or_else(|| reject("/id", "the exclusion has no id"))?;
    let student_id =
        id(item, "student").ok_or_else(|| reject("/student", "the exclusion names no student"))?;
    let permanent = match text(item, "type").map(str::to_ascii_lowercase).as_deref() {
        Some("suspension" | "fixed" | "fixed_term" | "fixed-term") => false,
        Some("permanent" | "permanent_exclusion") => true,
        _ => return Err(reject("/type", "type must be suspension or permanent")),
    };
    let start = api_date(item.get("start_date"))
        .map_err(|e| reject("/start_date", &format!("start_date: {e}")))?
        .ok_or_else(|| reject("/start_date", "the exclusion has no start_date"))?;
    let end = api_date(item.get("end_date"))
        .map_err(|e| reject("/end_date", &format!("end_date: {e}")))?;
    if end.is_some_and(|end| end < start) {
        return Err(reject("/end_date", "end_date is before start_date"));
    }
    let sessions = match item.get("sessions") {
        None | Some(Value::Null) => None,
        Some(v) => Some(
            v.as_u64()
                .and_then(|n| u32::try_from(n).ok())
                .ok_or_else(|| reject("/sessions", "sessions must be a whole number"))?,
        ),
    };
    Ok(Located::new(
        at.clone(),
        CanonicalRecord::Suspension(SuspensionRecord {
            source: SourceRef::new(&school.system, exclusion_id),
            person_source_id: student_id,
            upn: None,
            school_urn: Some(school.urn.clone()),
            permanent,
            start_date: Some(start),
            end_date: end,
            sessions,
            reason: text(item, "reason").map(str::to_owned),
        }),
    ))
}

#[derive(Debug, Default)]
struct Tally {
    marks: BTreeSet<(NaiveDate, bool)>,
    possible: u32,
    attended: u32,
    authorised: u32,
    unauthorised: u32,
}

/// Session marks counted per student over the attendance period.
#[derive(Debug, Default)]
pub struct AttendanceTally {
    students: BTreeMap<String, Tally>,
}

impl AttendanceTally {
    /// Counts one session mark found at `at`: `{"student", "date", "session": "AM"|"PM",
    /// "code"}`. A mark outside the period is not counted; a mark without a student, with an
    /// impossible date or session, an unknown code, or marking a session already marked is
    /// rejected.
    pub fn add(
        &mut self,
        period: &AttendancePeriod,
        at: &Location,
        mark: &Value,
    ) -> Result<(), Rejection> {
        let reject = |pointer: &str, reason: &str| Rejection::new(at.at(pointer), reason);
        let student =
            id(mark, "student").ok_or_else(|| reject("/student", "the mark names no student"))?;
        let date = api_date(mark.get("date"))
            .map_err(|e| reject("/date", &format!("date: {e}")))?
            .ok_or_else(|| reject("/date", "the mark has no date"))?;
        let afternoon = match text(mark, "session")
            .map(str::to_ascii_uppercase)
            .as_deref()
        {
            Some("AM") => false,
            Some("PM") => true,
            _ => return Err(reject("/session", "session must be AM or PM")),
        };
        let code = match mark.get("code") {
            Some(Value::String(s)) => Some(s.as_str()),
            _ => mark
                .pointer("/attendance_code/data/code")
                .and_then(Value::as_str),
        };
        let class = code
            .and_then(codes::classify)
            .ok_or_else(|| reject("/code", "not a DfE attendance code"))?;
        if date < period.start || date > period.end {
            return Ok(());
        }
        let tally = self.students.entry(student).or_default();
        if !tally.marks.insert((date, afternoon)) {
            return Err(reject("", "the session is already marked"));
        }
        if class.is_possible() {
            tally.possible += 1;
        }
        match class {
            SessionClass::Present => tally.attended += 1,
            SessionClass::AuthorisedAbsence => tally.authorised += 1,
            SessionClass::UnauthorisedAbsence => tally.unauthorised += 1,
            SessionClass::NotPossible => {}
        }
        Ok(())
    }

    /// One summary per student with marks, in student id order, located at `at`.
    pub fn summaries(&self, school: &School, at: &Location) -> Vec<Located<CanonicalRecord>> {
        let period = school.period;
        self.students
            .iter()
            .map(|(student, t)| {
                Located::new(
                    at.clone(),
                    CanonicalRecord::Attendance(AttendanceSummary {
                        source: SourceRef::new(
                            &school.system,
                            format!("{student}/{}/{}", period.start, period.end),
                        ),
                        person_source_id: student.clone(),
                        upn: None,
                        school_urn: Some(school.urn.clone()),
                        period_start: Some(period.start),
                        period_end: Some(period.end),
                        sessions_possible: t.possible,
                        sessions_attended: t.attended,
                        sessions_authorised_absence: t.authorised,
                        sessions_unauthorised_absence: t.unauthorised,
                        persistently_absent: AttendanceSummary::is_persistent_absence(
                            t.possible,
                            t.authorised,
                            t.unauthorised,
                        ),
                    }),
                )
            })
            .collect()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn api_dates() {
        let d = |v: Value| api_date(Some(&v));
        assert_eq!(
            d(
                json!({"date": "2014-05-02 00:00:00.000000", "timezone_type": 3, "timezone": "Europe/London"})
            ),
            Ok(NaiveDate::from_ymd_opt(2014, 5, 2))
        );
        assert_eq!(
            d(json!("2014-05-02")),
            Ok(NaiveDate::from_ymd_opt(2014, 5, 2))
        );
        assert_eq!(d(json!(null)), Ok(None));
        assert!(d(json!({"date": "2014-02-30 00:00:00.000000"})).is_err());
        assert!(d(json!(20140502)).is_err());
        assert_eq!(
            updated_at(&json!({"updated_at": {"date": "2026-01-05 10:11:12.000000"}})).as_deref(),
            Some("2026-01-05 10:11:12")
        );
    }

    #[test]
    fn persistent_absence_is_ten_percent_or_more() {
        assert!(AttendanceSummary::is_persistent_absence(100, 6, 4));
        assert!(!AttendanceSummary::is_persistent_absence(100, 5, 4));
        assert!(AttendanceSummary::is_persistent_absence(10, 0, 1));
        assert!(!AttendanceSummary::is_persistent_absence(11, 1, 0));
        assert!(!AttendanceSummary::is_persistent_absence(0, 0, 0));
    }
}
