//! Warehouse rows to canonical records: each row one record, or a rejection naming the row
//! (`TABLE#ID`) and the column at fault.

use std::collections::HashMap;

use chrono::NaiveDate;
use familygraph_adapter_sdk::{
    AddressRecord, AssessmentKind, AssessmentRecord, CanonicalRecord, CasePlanKind, CasePlanRecord,
    ContactRecord, EpisodeKind, EpisodeRecord, FamilyMembershipRecord, FieldNote,
    InvolvementRecord, Location, NhsNumberRecord, PartialDate, PersonName, PersonRecord,
    ProfessionalRecord, Rejection, SourceRef,
};
use familygraph_domain::{
    AssessmentFactor, CaseSystemId, CategoryOfAbuse, ClosureReason, CodeEnum, Ethnicity, NhsNumber,
    Postcode, PrimaryNeed, ReferralSource, Sex, Upn, UpnUnknown,
};

use super::tables::{self, Table};

/// One row as read: every column as text (null as `None`), in the order of the table's
/// column list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Row {
    /// The table name (without schema or prefix), for locations.
    pub table: &'static str,
    /// The columns, in order.
    pub columns: &'static [&'static str],
    /// The values, in column order.
    pub values: Vec<Option<String>>,
    /// For child-scoped tables: whether the row's child is in `DIM_PERSON`.
    pub person_known: Option<bool>,
}

/// Why a value could not be used: the column and the reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FieldError {
    pub column: &'static str,
    pub reason: String,
}

fn error(column: &'static str, reason: impl Into<String>) -> FieldError {
    FieldError {
        column,
        reason: reason.into(),
    }
}

impl Row {
    /// The row's id (its first column).
    pub fn id(&self) -> &str {
        self.values
            .first()
            .and_then(|v| v.as_deref())
            .unwrap_or_default()
    }

    /// Where the row is: `TABLE#ID`.
    pub fn location(&self) -> Location {
        Location {
            document: self.table.to_owned(),
            pointer: self.id().to_owned(),
        }
    }

    /// The trimmed value of `column`; `None` when null or blank.
    pub fn text(&self, column: &'static str) -> Option<&str> {
        let index = self.columns.iter().position(|c| *c == column)?;
        self.values
            .get(index)
            .and_then(|v| v.as_deref())
            .map(str::trim)
            .filter(|v| !v.is_empty())
    }

    fn string(&self, column: &'static str) -> Option<String> {
        self.text(column).map(str::to_owned)
    }

    fn required(&self, column: &'static str) -> Result<&str, FieldError> {
        self.text(column)
            .ok_or_else(|| error(column, "is empty but required"))
    }

    /// A reference to another row: `None` when null, blank or Liquid Logic's `-1` ("none").
    fn reference(&self, column: &'static str) -> Option<&str> {
        self.text(column).filter(|v| *v != "-1")
    }

    /// A date from a `_DTTM` value (`YYYY-MM-DD`, a time after it ignored).
    fn date(&self, column: &'static str) -> Result<Option<NaiveDate>, FieldError> {
        self.text(column)
            .map(|raw| parse_date(raw).map_err(|reason| error(column, reason)))
            .transpose()
    }

    fn required_date(&self, column: &'static str) -> Result<NaiveDate, FieldError> {
        self.date(column)?
            .ok_or_else(|| error(column, "is empty but required"))
    }

    /// A Liquid Logic flag: `Y`/`N` (also `1`/`0`, `true`/`false`).
    fn flag(&self, column: &'static str) -> Result<Option<bool>, FieldError> {
        let Some(raw) = self.text(column) else {
            return Ok(None);
        };
        parse_flag(raw)
            .map(Some)
            .ok_or_else(|| error(column, "is not a flag (Y or N)"))
    }

    fn code<C: CodeEnum>(&self, column: &'static str) -> Result<Option<C>, FieldError> {
        self.text(column)
            .map(|raw| C::parse(column, raw).map_err(|e| error(column, e.message())))
            .transpose()
    }

    /// The set `OUTCOME_*_FLAG` columns (and `OUTCOME_COMMENTS`) as a JSON object keyed by
    /// the flag's name without `OUTCOME_`, e.g. `{"NFA_FLAG":"Y","COMMENTS":"…"}`; `None`
    /// when none is set. A value that is not a flag rejects the row.
    fn outcome(&self) -> Result<Option<String>, FieldError> {
        let mut map = serde_json::Map::new();
        for column in self.columns {
            let Some(name) = column.strip_prefix("OUTCOME_") else {
                continue;
            };
            let Some(raw) = self.text(column) else {
                continue;
            };
            if *column == "OUTCOME_COMMENTS" {
                map.insert(name.to_owned(), raw.into());
            } else {
                let set = parse_flag(raw).ok_or_else(|| error(column, "is not a flag (Y or N)"))?;
                map.insert(name.to_owned(), if set { "Y" } else { "N" }.into());
            }
        }
        Ok((!map.is_empty()).then(|| serde_json::Value::Object(map).to_string()))
    }
}

fn parse_flag(raw: &str) -> Option<bool> {
    match raw.to_ascii_lowercase().as_str() {
        "y" | "yes" | "1" | "true" | "t" => Some(true),
        "n" | "no" | "0" | "false" | "f" => Some(false),
        _ => None,
    }
}

/// Parses the date part of a warehouse timestamp (`YYYY-MM-DD`, then optionally a time).
pub(crate) fn parse_date(raw: &str) -> Result<NaiveDate, String> {
    let raw = raw.trim();
    let date_part = raw.split([' ', 'T']).next().unwrap_or(raw);
    NaiveDate::parse_from_str(date_part, "%Y-%m-%d").map_err(|_| {
        let shaped = date_part.len() == 10
            && date_part.bytes().enumerate().all(|(i, b)| {
                if i == 4 || i == 7 {
                    b == b'-'
                } else {
                    b.is_ascii_digit()
                }
            });
        if shaped {
            "is not a possible date".to_owned()
        } else {
            "is not a date (YYYY-MM-DD)".to_owned()
        }
    })
}

/// What one row became.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Outcome {
    /// A record, with values left out of it.
    Record(Box<CanonicalRecord>, Vec<FieldNote>),
    /// Nothing: a row the source does not map (a plan of another type, a relation that is not
    /// parent and child). Not an error.
    Skipped,
    /// The row (or one of its companion rows) is bad.
    Rejected(Vec<Rejection>),
}

/// Maps rows of one source system. `departments` names teams by `DIM_DEPARTMENT_ID`.
pub(crate) struct Mapper<'a> {
    pub system: &'a str,
    pub departments: &'a HashMap<String, String>,
}

/// The id of a table's record: `TABLE/ID`, so ids of different tables never collide. A person
/// is its `DIM_PERSON_ID` alone.
pub(crate) fn record_id(table: &str, id: &str) -> String {
    format!("{table}/{id}")
}

/// Relation codes read from `FACT_PERSON_RELATION.DIM_LOOKUP_RELTN_TYPE_CODE`: `CHI` (the
/// person's child is the related person) and `PAR` (the person's parent is the related
/// person) become family memberships; the others are known and skipped.
pub const RELATION_CODES: [&str; 8] = ["CHI", "PAR", "SIB", "HSB", "GPA", "GCH", "STP", "OTH"];

impl Mapper<'_> {
    fn person_ref(&self, id: &str) -> SourceRef {
        SourceRef::new(self.system, id)
    }

    fn worker_ref(&self, id: Option<&str>) -> Option<SourceRef> {
        id.map(|id| SourceRef::new(self.system, record_id(tables::WORKER.name, id)))
    }

    fn episode_ref(&self, id: Option<&str>) -> Option<SourceRef> {
        id.map(|id| SourceRef::new(self.system, record_id(tables::REFERRALS.name, id)))
    }

    fn team(&self, id: Option<&str>) -> Option<String> {
        id.map(|id| {
            self.departments
                .get(id)
                .cloned()
                .unwrap_or_else(|| format!("department {id}"))
        })
    }

    fn own_ref(&self, row: &Row) -> SourceRef {
        SourceRef::new(self.system, record_id(row.table, row.id()))
    }

    /// Maps a row of `table` with its companion rows.
    pub fn map(&self, table: &Table, row: &Row, companions: &[Row]) -> Outcome {
        if let Some(column) = table.person
            && row.text(column) == Some("-1")
        {
            return Outcome::Rejected(vec![Rejection::new(
                row.location(),
                format!("{column}: names no child (-1)"),
            )]);
        }
        if row.person_known == Some(false) {
            return Outcome::Rejected(vec![Rejection::new(
                row.location(),
                format!(
                    "{}: the child is not in {} (orphan row)",
                    table.person.unwrap_or("DIM_PERSON_ID"),
                    tables::PERSON.name
                ),
            )]);
        }
        let mapped = match table.name {
            "DIM_WORKER" => self.worker(row).map(|r| Some((r, Vec::new()))),
            "DIM_PERSON" => return self.person(row, companions),
            "FACT_PERSON_RELATION" => self.relation(row).map(|r| r.map(|r| (r, Vec::new()))),
            "FACT_CONTACTS" => self.contact(row).map(|r| Some((r, Vec::new()))),
            "FACT_REFERRALS" => self.referral(row).map(|r| Some((r, Vec::new()))),
            "FACT_CAF_EPISODE" => self.early_help(row).map(|r| Some((r, Vec::new()))),
            "FACT_SINGLE_ASSESSMENT" => return self.assessment(row, companions),
            "FACT_CARE_PLAN_SUMMARY" => self.cin_plan(row).map(|r| r.map(|r| (r, Vec::new()))),
            "FACT_S47" => self.s47(row).map(|r| Some((r, Vec::new()))),
            "FACT_CP_CONFERENCE" => self.conference(row).map(|r| Some((r, Vec::new()))),
            "FACT_CP_PLAN" => return self.cp_plan(row, companions),
            "FACT_INVOLVEMENTS" => self.involvement(row).map(|r| Some((r, Vec::new()))),
            _ => Ok(None),
        };
        match mapped {
            Ok(Some((record, notes))) => Outcome::Record(Box::new(record), notes),
            Ok(None) => Outcome::Skipped,
            Err(e) => Outcome::Rejected(vec![reject(row, &e)]),
        }
    }

    fn worker(&self, row: &Row) -> Result<CanonicalRecord, FieldError> {
        let name = [row.text("FORENAME"), row.text("SURNAME")]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" ");
        Ok(CanonicalRecord::Professional(ProfessionalRecord {
            source: self.own_ref(row),
            name: (!name.is_empty()).then_some(name),
            job_title: row.string("JOB_TITLE"),
            team: self.team(row.reference("DIM_DEPARTMENT_ID")),
            registration_number: row.string("WORKER_ID_CODE"),
            agency_worker: row.flag("AGENCY_WORKER_FLAG")?,
        }))
    }

    fn person(&self, row: &Row, addresses: &[Row]) -> Outcome {
        let mut rejected = Vec::new();
        let mut notes = Vec::new();
        let record = match self.person_fields(row, &mut notes) {
            Ok(record) => Some(record),
            Err(e) => {
                rejected.push(reject(row, &e));
                None
            }
        };
        let mut mapped_addresses = Vec::new();
        let mut current_postcode = None;
        for address in addresses {
            match address_fields(address, &mut notes) {
                Ok((record, ended)) => {
                    if !ended && record.postcode.is_some() {
                        current_postcode = record.postcode.clone();
                    }
                    mapped_addresses.push(record);
                }
                Err(e) => rejected.push(Rejection::new(
                    address.location(),
                    format!("{}: {} (person {} not given)", e.column, e.reason, row.id()),
                )),
            }
        }
        match record {
            Some(mut record) if rejected.is_empty() => {
                record.addresses = mapped_addresses;
                record.postcode = current_postcode;
                Outcome::Record(Box::new(CanonicalRecord::Person(record)), notes)
            }
            _ => Outcome::Rejected(rejected),
        }
    }

    fn person_fields(
        &self,
        row: &Row,
        notes: &mut Vec<FieldNote>,
    ) -> Result<PersonRecord, FieldError> {
        let id = row.required("DIM_PERSON_ID")?;
        let nhs_number = match row.text("NHS_NUMBER") {
            None => None,
            Some(raw) => Some(NhsNumberRecord {
                number: NhsNumber::parse("NHS_NUMBER", raw)
                    .map_err(|e| error("NHS_NUMBER", e.message()))?,
                verification: None,
            }),
        };
        let upn = match row.text("UPN") {
            None => None,
            Some(raw) => match Upn::parse("UPN", raw) {
                Ok(upn) => Some(upn),
                Err(e) => {
                    notes.push(note(row, "UPN", format!("UPN left out: {}", e.message())));
                    None
                }
            },
        };
        let case_system_id = match CaseSystemId::parse("DIM_PERSON_ID", id) {
            Ok(id) => Some(id),
            Err(e) => {
                notes.push(note(
                    row,
                    "DIM_PERSON_ID",
                    format!("not usable as a case system id: {}", e.message()),
                ));
                None
            }
        };
        let names = if row.text("FORENAME").is_some() || row.text("SURNAME").is_some() {
            vec![PersonName {
                name_use: None,
                family: row.string("SURNAME"),
                given: row
                    .text("FORENAME")
                    .map(|g| g.split_whitespace().map(str::to_owned).collect())
                    .unwrap_or_default(),
            }]
        } else {
            Vec::new()
        };
        // Liquid Logic marks an estimated date of birth (an unborn child's expected date) by
        // DOB_ESTIMATED = 'Y'.
        let birth = row.date("BIRTH_DTTM")?;
        let estimated = row.flag("DOB_ESTIMATED")?.unwrap_or(false);
        Ok(PersonRecord {
            source: self.person_ref(id),
            names,
            birth_date: if estimated {
                None
            } else {
                birth.map(PartialDate::Date)
            },
            expected_birth_date: if estimated { birth } else { None },
            death_date: row.date("DEATH_DTTM")?,
            sex: row.code::<Sex>("GENDER_MAIN_CODE")?,
            ethnicity: row.code::<Ethnicity>("ETHNICITY_MAIN_CODE")?,
            nhs_number,
            upn,
            upn_unknown: row.code::<UpnUnknown>("NO_UPN_CODE")?,
            case_system_id,
            ..Default::default()
        })
    }

    fn relation(&self, row: &Row) -> Result<Option<CanonicalRecord>, FieldError> {
        let person = row.required("DIM_PERSON_ID")?;
        let related = row.required("DIM_RELATED_PERSON_ID")?;
        let code = row
            .required("DIM_LOOKUP_RELTN_TYPE_CODE")?
            .to_ascii_uppercase();
        row.date("START_DTTM")?;
        row.date("END_DTTM")?;
        let (child, parent) = match code.as_str() {
            "CHI" => (related, person),
            "PAR" => (person, related),
            other if RELATION_CODES.contains(&other) => return Ok(None),
            _ => {
                return Err(error(
                    "DIM_LOOKUP_RELTN_TYPE_CODE",
                    format!(
                        "is not a known relation code ({})",
                        RELATION_CODES.join(", ")
                    ),
                ));
            }
        };
        Ok(Some(CanonicalRecord::FamilyMembership(
            FamilyMembershipRecord {
                source: self.own_ref(row),
                person: self.person_ref(child),
                family_id: format!("parent:{parent}"),
            },
        )))
    }

    fn contact(&self, row: &Row) -> Result<CanonicalRecord, FieldError> {
        Ok(CanonicalRecord::Contact(ContactRecord {
            source: self.own_ref(row),
            person: self.person_ref(row.required("DIM_PERSON_ID")?),
            date: row.required_date("CONTACT_DTTM")?,
            contact_source: row.code::<ReferralSource>("DIM_LOOKUP_CONT_SORC_ID_CODE")?,
            outcome: row.outcome()?,
        }))
    }

    fn referral(&self, row: &Row) -> Result<CanonicalRecord, FieldError> {
        Ok(CanonicalRecord::Episode(EpisodeRecord {
            source: self.own_ref(row),
            person: self.person_ref(row.required("DIM_PERSON_ID")?),
            episode_kind: EpisodeKind::ChildInNeed,
            start_date: row.required_date("REFRL_START_DTTM")?,
            end_date: row.date("REFRL_END_DTTM")?,
            referral_source: row.code::<ReferralSource>("DIM_LOOKUP_CONT_SORC_ID_CODE")?,
            primary_need: row.code::<PrimaryNeed>("DIM_LOOKUP_CATEGORY_OF_NEED_CODE")?,
            closure_reason: row.code::<ClosureReason>("DIM_LOOKUP_REFRL_ENDRSN_ID_CODE")?,
            no_further_action: row.flag("OUTCOME_NFA_FLAG")?,
            outcome: row.outcome()?,
            team: self.team(row.reference("DIM_DEPARTMENT_ID")),
            worker: self.worker_ref(row.reference("DIM_WORKER_ID")),
            ..Default::default()
        }))
    }

    fn early_help(&self, row: &Row) -> Result<CanonicalRecord, FieldError> {
        Ok(CanonicalRecord::Episode(EpisodeRecord {
            source: self.own_ref(row),
            person: self.person_ref(row.required("DIM_PERSON_ID")?),
            episode_kind: EpisodeKind::EarlyHelp,
            start_date: row.required_date("EPISODE_START_DTTM")?,
            end_date: row.date("EPISODE_END_DTTM")?,
            start_reason: row.string("START_REASON"),
            end_reason: row.string("DIM_LOOKUP_CAF_EP_ENDRSN_ID_CODE"),
            team: row.string("DIM_LOOKUP_ORIGINATING_ORGANISATION_CODE"),
            worker: self.worker_ref(row.reference("DIM_WORKER_ID")),
            ..Default::default()
        }))
    }

    fn assessment(&self, row: &Row, answers: &[Row]) -> Outcome {
        let mut rejected = Vec::new();
        let mut factors = Vec::new();
        let mut end_date = None;
        for answer in answers {
            let Some(question) = answer.text("ANSWER_NO") else {
                continue;
            };
            if question.eq_ignore_ascii_case("FormEndDate") {
                match answer.date("ANSWER") {
                    Ok(date) => end_date = date,
                    Err(e) => rejected.push(Rejection::new(
                        answer.location(),
                        format!(
                            "ANSWER (FormEndDate): {} (assessment {} not given)",
                            e.reason,
                            row.id()
                        ),
                    )),
                }
            } else if let Some(factor) = AssessmentFactor::from_code(&question.to_ascii_uppercase())
                && answer
                    .text("ANSWER")
                    .is_some_and(|a| parse_flag(a) == Some(true))
                && !factors.contains(&factor)
            {
                factors.push(factor);
            }
        }
        let record = (|| -> Result<CanonicalRecord, FieldError> {
            Ok(CanonicalRecord::Assessment(AssessmentRecord {
                source: self.own_ref(row),
                person: self.person_ref(row.required("DIM_PERSON_ID")?),
                assessment_kind: AssessmentKind::ChildAndFamily,
                episode: self.episode_ref(row.reference("FACT_REFERRAL_ID")),
                start_date: row.required_date("START_DTTM")?,
                end_date,
                factors,
                no_further_action: row.flag("OUTCOME_NFA_FLAG")?,
                outcome: row.outcome()?,
                team: self.team(row.reference("COMPLETED_BY_DEPT_ID")),
                worker: self.worker_ref(row.reference("COMPLETED_BY_USER_ID")),
                ..Default::default()
            }))
        })();
        match record {
            Ok(record) if rejected.is_empty() => Outcome::Record(Box::new(record), Vec::new()),
            Ok(_) => Outcome::Rejected(rejected),
            Err(e) => {
                rejected.insert(0, reject(row, &e));
                Outcome::Rejected(rejected)
            }
        }
    }

    fn cin_plan(&self, row: &Row) -> Result<Option<CanonicalRecord>, FieldError> {
        // Only family plans (child in need plans) that are not deleted.
        let plan_type = row.text("DIM_LOOKUP_PLAN_TYPE_CODE");
        let status = row.text("DIM_LOOKUP_PLAN_STATUS_ID_CODE");
        if !plan_type.is_some_and(|t| t.eq_ignore_ascii_case("FP")) || status == Some("z") {
            return Ok(None);
        }
        Ok(Some(CanonicalRecord::CasePlan(CasePlanRecord {
            source: self.own_ref(row),
            person: self.person_ref(row.required("DIM_PERSON_ID")?),
            plan_kind: CasePlanKind::ChildInNeed,
            episode: self.episode_ref(row.reference("FACT_REFERRAL_ID")),
            start_date: row.required_date("START_DTTM")?,
            end_date: row.date("END_DTTM")?,
            team: self.team(row.reference("DIM_PLAN_COORD_DEPT_ID")),
            worker: self.worker_ref(row.reference("DIM_PLAN_COORD_ID")),
            ..Default::default()
        })))
    }

    fn s47(&self, row: &Row) -> Result<CanonicalRecord, FieldError> {
        Ok(CanonicalRecord::Assessment(AssessmentRecord {
            source: self.own_ref(row),
            person: self.person_ref(row.required("DIM_PERSON_ID")?),
            assessment_kind: AssessmentKind::Section47Enquiry,
            episode: self.episode_ref(row.reference("FACT_REFERRAL_ID")),
            start_date: row.required_date("START_DTTM")?,
            end_date: row.date("END_DTTM")?,
            no_further_action: row.flag("OUTCOME_NFA_FLAG")?,
            outcome: row.outcome()?,
            team: self.team(row.reference("COMPLETED_BY_DEPT_ID")),
            worker: self.worker_ref(row.reference("COMPLETED_BY_USER_ID")),
            ..Default::default()
        }))
    }

    fn conference(&self, row: &Row) -> Result<CanonicalRecord, FieldError> {
        row.flag("TRANSFER_IN_FLAG")?;
        row.date("DUE_DTTM")?;
        Ok(CanonicalRecord::Assessment(AssessmentRecord {
            source: self.own_ref(row),
            person: self.person_ref(row.required("DIM_PERSON_ID")?),
            assessment_kind: AssessmentKind::InitialChildProtectionConference,
            episode: self.episode_ref(row.reference("FACT_REFERRAL_ID")),
            start_date: row.required_date("MEETING_DTTM")?,
            child_protection_plan: row.flag("OUTCOME_CP_FLAG")?,
            no_further_action: row.flag("OUTCOME_NFA_FLAG")?,
            outcome: row.outcome()?,
            team: self.team(row.reference("ORGANISED_BY_DEPT_ID")),
            worker: self.worker_ref(row.reference("ORGANISED_BY_USER_ID")),
            ..Default::default()
        }))
    }

    fn cp_plan(&self, row: &Row, reviews: &[Row]) -> Outcome {
        let mut rejected = Vec::new();
        let mut review_dates = Vec::new();
        for review in reviews {
            let checked = review.flag("OUTCOME_CONTINUE_CP_FLAG").and_then(|_| {
                review.date("DUE_DTTM")?;
                review.date("MEETING_DTTM")
            });
            match checked {
                Ok(Some(date)) => review_dates.push(date),
                Ok(None) => {}
                Err(e) => rejected.push(Rejection::new(
                    review.location(),
                    format!("{}: {} (plan {} not given)", e.column, e.reason, row.id()),
                )),
            }
        }
        review_dates.sort_unstable();
        review_dates.dedup();
        let record = (|| -> Result<CanonicalRecord, FieldError> {
            row.flag("IS_OLA")?;
            Ok(CanonicalRecord::CasePlan(CasePlanRecord {
                source: self.own_ref(row),
                person: self.person_ref(row.required("DIM_PERSON_ID")?),
                plan_kind: CasePlanKind::ChildProtection,
                episode: self.episode_ref(row.reference("FACT_REFERRAL_ID")),
                start_date: row.required_date("START_DTTM")?,
                end_date: row.date("END_DTTM")?,
                initial_category: row.code::<CategoryOfAbuse>("INIT_CATEGORY_CODE")?,
                latest_category: row.code::<CategoryOfAbuse>("CP_CATEGORY_CODE")?,
                review_dates,
                ..Default::default()
            }))
        })();
        match record {
            Ok(record) if rejected.is_empty() => Outcome::Record(Box::new(record), Vec::new()),
            Ok(_) => Outcome::Rejected(rejected),
            Err(e) => {
                rejected.insert(0, reject(row, &e));
                Outcome::Rejected(rejected)
            }
        }
    }

    fn involvement(&self, row: &Row) -> Result<CanonicalRecord, FieldError> {
        let worker = row
            .reference("DIM_WORKER_ID")
            .ok_or_else(|| error("DIM_WORKER_ID", "names no worker"))?;
        Ok(CanonicalRecord::Involvement(InvolvementRecord {
            source: self.own_ref(row),
            person: self.person_ref(row.required("DIM_PERSON_ID")?),
            professional: SourceRef::new(self.system, record_id(tables::WORKER.name, worker)),
            role: row.string("DIM_LOOKUP_INVOLVEMENT_TYPE_CODE"),
            team: self.team(row.reference("DIM_DEPARTMENT_ID")),
            start_date: row.required_date("START_DTTM")?,
            end_date: row.date("END_DTTM")?,
            episode: self.episode_ref(row.reference("FACT_REFERRAL_ID")),
        }))
    }
}

fn reject(row: &Row, e: &FieldError) -> Rejection {
    Rejection::new(row.location(), format!("{}: {}", e.column, e.reason))
}

fn note(row: &Row, column: &str, reason: String) -> FieldNote {
    FieldNote {
        location: row.location().at(format!(" {column}")),
        reason,
    }
}

/// An address row: the record and whether it has ended. An invalid postcode is left out with
/// a note.
fn address_fields(
    row: &Row,
    notes: &mut Vec<FieldNote>,
) -> Result<(AddressRecord, bool), FieldError> {
    row.date("START_DTTM")?;
    let ended = row.date("END_DTTM")?.is_some();
    let postcode = match row.text("POSTCODE") {
        None => None,
        Some(raw) => match Postcode::parse("POSTCODE", raw) {
            Ok(p) => Some(p),
            Err(e) => {
                notes.push(note(
                    row,
                    "POSTCODE",
                    format!("postcode left out: {}", e.message()),
                ));
                None
            }
        },
    };
    let line = [row.text("HOUSE_NO"), row.text("STREET")]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
    Ok((
        AddressRecord {
            lines: if line.is_empty() {
                Vec::new()
            } else {
                vec![line]
            },
            city: row.string("TOWN"),
            postcode,
            address_use: row.string("ADDSS_TYPE_CODE"),
            ended,
        },
        ended,
    ))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert_eq!(
            parse_date("2024-02-29 10:00:00").unwrap().to_string(),
            "2024-02-29"
        );
        assert!(
            parse_date("2023-02-30")
                .unwrap_err()
                .contains("not a possible")
        );
        assert!(parse_date("yesterday").unwrap_err().contains("not a date"));
    }
}
