//! One child's rows mapped to canonical records: all of them, or none.

use familygraph_adapter_sdk::{
    AddressRecord, AssessmentKind, AssessmentRecord, CanonicalRecord, CasePlanKind, CasePlanRecord,
    ContactRecord, EpisodeKind, EpisodeRecord, FamilyMembershipRecord, FieldNote,
    InvolvementRecord, Located, NhsNumberRecord, PartialDate, PersonName, PersonRecord, Rejection,
    SourceRef,
};
use familygraph_domain::{
    AssessmentFactor, CaseSystemId, CategoryOfAbuse, ClosureReason, Ethnicity, NhsNumber, Postcode,
    PrimaryNeed, ReferralSource, Sex, Upn, UpnUnknown,
};

use super::columns::{self, Table};
use super::table::Row;
use super::values::{FieldError, Fields};

/// The rows of one child: the person row and its rows of each child-scoped table (in the order
/// of [`columns::CHILD_TABLES`]), and the factor rows of its assessments.
#[derive(Debug, Clone)]
pub(crate) struct ChildRows {
    pub person_id: String,
    pub person: Row,
    pub tables: Vec<Vec<Row>>,
    pub factors: Vec<Row>,
}

/// What one child (or one professional) became: its records, or the rejections of its bad
/// rows (then no record of it is given), plus rows rejected on their own while it was read.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SsdGroup {
    /// The child's person id (or `professional:<id>`, or empty for trailing rejections).
    pub key: String,
    /// The group's records, the person first; empty when the child was rejected.
    pub records: Vec<Located<CanonicalRecord>>,
    /// Rejected rows, each with file and line.
    pub rejected: Vec<Rejection>,
}

/// A table-scoped source id, `<table>/<id>`, so ids of different tables never collide.
pub(crate) fn table_ref(system: &str, table: &Table, id: &str) -> SourceRef {
    SourceRef::new(system, format!("{}/{id}", table.name))
}

struct Mapper<'s> {
    system: &'s str,
    person: SourceRef,
    records: Vec<Located<CanonicalRecord>>,
    errors: Vec<Rejection>,
}

impl Mapper<'_> {
    fn fail(&mut self, row: &Row, error: FieldError) {
        self.errors.push(Rejection::new(
            row.location().at(format!(" {}", error.column)),
            format!("{}: {}", error.column, error.reason),
        ));
    }

    fn push(&mut self, row: &Row, record: CanonicalRecord, notes: Vec<FieldNote>) {
        self.records.push(Located {
            location: row.location(),
            record,
            notes,
        });
    }

    fn worker(&self, id: Option<&str>) -> Option<SourceRef> {
        id.map(|id| table_ref(self.system, &columns::PROFESSIONALS, id))
    }

    fn episode(&self, id: Option<&str>) -> Option<SourceRef> {
        id.map(|id| table_ref(self.system, &columns::CIN_EPISODES, id))
    }
}

/// Maps one child's rows. `departments` resolves team ids to names.
pub(crate) fn map_child(
    system: &str,
    rows: &ChildRows,
    team_name: &dyn Fn(Option<&str>) -> Option<String>,
) -> SsdGroup {
    let mut m = Mapper {
        system,
        person: SourceRef::new(system, rows.person_id.clone()),
        records: Vec::new(),
        errors: Vec::new(),
    };
    let all_rows =
        std::iter::once(&rows.person).chain(rows.tables.iter().flatten().chain(&rows.factors));
    for row in all_rows {
        if let Some(problem) = &row.problem {
            m.errors
                .push(Rejection::new(row.location(), problem.clone()));
        }
    }
    let mut person = match person(&mut m, &rows.person) {
        Ok(p) => Some(p),
        Err(e) => {
            m.fail(&rows.person, e);
            None
        }
    };
    let mut person_notes = Vec::new();
    for (table, table_rows) in columns::CHILD_TABLES.iter().zip(&rows.tables) {
        for row in table_rows {
            let f = Fields { table, row };
            let outcome = match table.name {
                "ssd_family" => family(&mut m, &f),
                "ssd_address" => match person.as_mut() {
                    Some(p) => address(p, &mut person_notes, &f),
                    None => Ok(()),
                },
                "ssd_linked_identifiers" => match person.as_mut() {
                    Some(p) => linked_identifier(p, &mut person_notes, &f),
                    None => Ok(()),
                },
                "ssd_contacts" => contact(&mut m, &f),
                "ssd_early_help_episodes" => early_help(&mut m, &f, team_name),
                "ssd_cin_episodes" => cin_episode(&mut m, &f, team_name),
                "ssd_cin_assessments" => assessment(&mut m, &f, &rows.factors, team_name),
                "ssd_cin_plans" => cin_plan(&mut m, &f, team_name),
                "ssd_s47_enquiry" => s47(&mut m, &f, team_name),
                "ssd_initial_cp_conference" => conference(&mut m, &f, team_name),
                "ssd_cp_plans" => cp_plan(&mut m, &f),
                "ssd_involvements" => involvement(&mut m, &f, team_name),
                _ => Ok(()),
            };
            if let Err(e) = outcome {
                m.fail(row, e);
            }
        }
    }
    if !m.errors.is_empty() {
        let count = m.errors.len();
        let mut rejected = m.errors;
        for r in &mut rejected {
            r.reason.push_str(&format!(
                " (none of the child's records is given: {count} row(s) rejected)"
            ));
        }
        return SsdGroup {
            key: rows.person_id.clone(),
            records: Vec::new(),
            rejected,
        };
    }
    let Some((record, mut notes)) = person else {
        return SsdGroup::default();
    };
    notes.append(&mut person_notes);
    let mut records = vec![Located {
        location: rows.person.location(),
        record: CanonicalRecord::Person(record),
        notes,
    }];
    records.append(&mut m.records);
    SsdGroup {
        key: rows.person_id.clone(),
        records,
        rejected: Vec::new(),
    }
}

fn note(row: &Row, column: &str, reason: String) -> FieldNote {
    FieldNote {
        location: row.location().at(format!(" {column}")),
        reason,
    }
}

fn person(m: &mut Mapper<'_>, row: &Row) -> Result<(PersonRecord, Vec<FieldNote>), FieldError> {
    let f = Fields {
        table: &columns::PERSON,
        row,
    };
    let mut notes = Vec::new();
    let id = f.required("pers_person_id")?;
    let case_system_id = match CaseSystemId::parse("pers_person_id", id) {
        Ok(id) => Some(id),
        Err(e) => {
            notes.push(note(
                row,
                "pers_person_id",
                format!("not usable as a case system id: {}", e.message()),
            ));
            None
        }
    };
    let upn = match f.text("pers_upn") {
        Some(raw) => match Upn::parse("pers_upn", raw) {
            Ok(upn) => Some(upn),
            Err(e) => {
                notes.push(note(
                    row,
                    "pers_upn",
                    format!("UPN left out: {}", e.message()),
                ));
                None
            }
        },
        None => None,
    };
    let nhs_number = match f.text("pers_common_child_id") {
        Some(raw) => match NhsNumber::parse("pers_common_child_id", raw) {
            Ok(number) => Some(NhsNumberRecord {
                number,
                verification: None,
            }),
            Err(e) => {
                notes.push(note(
                    row,
                    "pers_common_child_id",
                    format!("NHS number left out: {}", e.message()),
                ));
                None
            }
        },
        None => None,
    };
    let names = if f.text("pers_forename").is_some() || f.text("pers_surname").is_some() {
        vec![PersonName {
            name_use: None,
            family: f.string("pers_surname"),
            given: f
                .text("pers_forename")
                .map(|g| g.split_whitespace().map(str::to_owned).collect())
                .unwrap_or_default(),
        }]
    } else {
        Vec::new()
    };
    let record = PersonRecord {
        source: m.person.clone(),
        names,
        birth_date: f.date("pers_dob")?.map(PartialDate::Date),
        expected_birth_date: f.date("pers_expected_dob")?,
        death_date: f.date("pers_death_date")?,
        sex: f.code::<Sex>("pers_sex")?,
        ethnicity: f.code::<Ethnicity>("pers_ethnicity")?,
        nhs_number,
        upn,
        upn_unknown: f.code::<UpnUnknown>("pers_upn_unknown")?,
        case_system_id,
        ..Default::default()
    };
    f.flag("pers_send_flag")?;
    f.flag("pers_is_mother")?;
    Ok((record, notes))
}

fn family(m: &mut Mapper<'_>, f: &Fields<'_>) -> Result<(), FieldError> {
    let record = FamilyMembershipRecord {
        source: table_ref(m.system, f.table, f.required("fami_table_id")?),
        person: m.person.clone(),
        family_id: f.required("fami_family_id")?.to_owned(),
    };
    m.push(f.row, CanonicalRecord::FamilyMembership(record), Vec::new());
    Ok(())
}

fn address(
    person: &mut (PersonRecord, Vec<FieldNote>),
    notes: &mut Vec<FieldNote>,
    f: &Fields<'_>,
) -> Result<(), FieldError> {
    let end = f.date("addr_address_end_date")?;
    f.date("addr_address_start_date")?;
    let postcode = match f.text("addr_address_postcode") {
        Some(raw) => match Postcode::parse("addr_address_postcode", raw) {
            Ok(p) => Some(p),
            Err(e) => {
                notes.push(note(
                    f.row,
                    "addr_address_postcode",
                    format!("postcode left out: {}", e.message()),
                ));
                None
            }
        },
        None => None,
    };
    let lines = match f.text("addr_address_json") {
        Some(raw) => match serde_json::from_str::<serde_json::Value>(raw) {
            Ok(serde_json::Value::Object(map)) => map
                .iter()
                .filter(|(k, _)| !k.to_ascii_lowercase().contains("postcode"))
                .filter_map(|(_, v)| v.as_str().map(str::trim).map(str::to_owned))
                .filter(|v| !v.is_empty())
                .collect(),
            _ => vec![raw.to_owned()],
        },
        None => Vec::new(),
    };
    if end.is_none() && person.0.postcode.is_none() {
        person.0.postcode = postcode.clone();
    }
    person.0.addresses.push(AddressRecord {
        lines,
        city: None,
        postcode,
        address_use: f.string("addr_address_type"),
        ended: end.is_some(),
    });
    Ok(())
}

fn linked_identifier(
    person: &mut (PersonRecord, Vec<FieldNote>),
    notes: &mut Vec<FieldNote>,
    f: &Fields<'_>,
) -> Result<(), FieldError> {
    let kind = f.required("link_identifier_type")?.to_ascii_lowercase();
    let value = f.required("link_identifier_value")?;
    f.date("link_valid_from_date")?;
    if f.date("link_valid_to_date")?.is_some() {
        return Ok(()); // no longer valid
    }
    if kind.contains("nhs") {
        if person.0.nhs_number.is_none() {
            match NhsNumber::parse("link_identifier_value", value) {
                Ok(number) => {
                    person.0.nhs_number = Some(NhsNumberRecord {
                        number,
                        verification: None,
                    });
                }
                Err(e) => notes.push(note(
                    f.row,
                    "link_identifier_value",
                    format!("NHS number left out: {}", e.message()),
                )),
            }
        }
    } else if kind.contains("upn") || kind.contains("unique pupil") {
        if person.0.upn.is_none() && !kind.contains("former") {
            match Upn::parse("link_identifier_value", value) {
                Ok(upn) => person.0.upn = Some(upn),
                Err(e) => notes.push(note(
                    f.row,
                    "link_identifier_value",
                    format!("UPN left out: {}", e.message()),
                )),
            }
        }
    } else {
        notes.push(note(
            f.row,
            "link_identifier_type",
            "an identifier of a type with no canonical field was left out".to_owned(),
        ));
    }
    Ok(())
}

fn contact(m: &mut Mapper<'_>, f: &Fields<'_>) -> Result<(), FieldError> {
    let record = ContactRecord {
        source: table_ref(m.system, f.table, f.required("cont_contact_id")?),
        person: m.person.clone(),
        date: f.required_date("cont_contact_date")?,
        contact_source: f.code::<ReferralSource>("cont_contact_source_code")?,
        outcome: f.string("cont_contact_outcome_json"),
    };
    m.push(f.row, CanonicalRecord::Contact(record), Vec::new());
    Ok(())
}

type TeamName<'t> = &'t dyn Fn(Option<&str>) -> Option<String>;

fn early_help(m: &mut Mapper<'_>, f: &Fields<'_>, team: TeamName<'_>) -> Result<(), FieldError> {
    let record = EpisodeRecord {
        source: table_ref(m.system, f.table, f.required("earl_episode_id")?),
        person: m.person.clone(),
        episode_kind: EpisodeKind::EarlyHelp,
        start_date: f.required_date("earl_episode_start_date")?,
        end_date: f.date("earl_episode_end_date")?,
        start_reason: f.string("earl_episode_reason"),
        end_reason: f.string("earl_episode_end_reason"),
        team: team(f.text("earl_episode_organisation")),
        worker: m.worker(f.text("earl_episode_worker_id")),
        ..Default::default()
    };
    m.push(f.row, CanonicalRecord::Episode(record), Vec::new());
    Ok(())
}

fn cin_episode(m: &mut Mapper<'_>, f: &Fields<'_>, team: TeamName<'_>) -> Result<(), FieldError> {
    let record = EpisodeRecord {
        source: table_ref(m.system, f.table, f.required("cine_referral_id")?),
        person: m.person.clone(),
        episode_kind: EpisodeKind::ChildInNeed,
        start_date: f.required_date("cine_referral_date")?,
        end_date: f.date("cine_close_date")?,
        referral_source: f.code::<ReferralSource>("cine_referral_source_code")?,
        primary_need: f.code::<PrimaryNeed>("cine_cin_primary_need_code")?,
        closure_reason: f.code::<ClosureReason>("cine_close_reason")?,
        no_further_action: f.flag("cine_referral_nfa")?,
        outcome: f.string("cine_referral_outcome_json"),
        team: team(f.text("cine_referral_team")),
        worker: m.worker(f.text("cine_referral_worker_id")),
        ..Default::default()
    };
    m.push(f.row, CanonicalRecord::Episode(record), Vec::new());
    Ok(())
}

fn assessment(
    m: &mut Mapper<'_>,
    f: &Fields<'_>,
    factor_rows: &[Row],
    team: TeamName<'_>,
) -> Result<(), FieldError> {
    let id = f.required("cina_assessment_id")?;
    let mut factors: Vec<AssessmentFactor> = Vec::new();
    for row in factor_rows {
        let ff = Fields {
            table: &columns::ASSESSMENT_FACTORS,
            row,
        };
        if ff.text("cinf_assessment_id") == Some(id) {
            match ff.codes::<AssessmentFactor>("cinf_assessment_factors_json") {
                Ok(codes) => {
                    for code in codes {
                        if !factors.contains(&code) {
                            factors.push(code);
                        }
                    }
                }
                Err(e) => m.fail(row, e),
            }
        }
    }
    f.flag("cina_assessment_child_seen")?;
    let record = AssessmentRecord {
        source: table_ref(m.system, f.table, id),
        person: m.person.clone(),
        assessment_kind: AssessmentKind::ChildAndFamily,
        episode: m.episode(f.text("cina_referral_id")),
        start_date: f.required_date("cina_assessment_start_date")?,
        end_date: f.date("cina_assessment_auth_date")?,
        factors,
        no_further_action: f.flag("cina_assessment_outcome_nfa")?,
        outcome: f.string("cina_assessment_outcome_json"),
        team: team(f.text("cina_assessment_team")),
        worker: m.worker(f.text("cina_assessment_worker_id")),
        ..Default::default()
    };
    m.push(f.row, CanonicalRecord::Assessment(record), Vec::new());
    Ok(())
}

fn cin_plan(m: &mut Mapper<'_>, f: &Fields<'_>, team: TeamName<'_>) -> Result<(), FieldError> {
    let record = CasePlanRecord {
        source: table_ref(m.system, f.table, f.required("cinp_cin_plan_id")?),
        person: m.person.clone(),
        plan_kind: CasePlanKind::ChildInNeed,
        episode: m.episode(f.text("cinp_referral_id")),
        start_date: f.required_date("cinp_cin_plan_start_date")?,
        end_date: f.date("cinp_cin_plan_end_date")?,
        team: team(f.text("cinp_cin_plan_team")),
        worker: m.worker(f.text("cinp_cin_plan_worker_id")),
        ..Default::default()
    };
    m.push(f.row, CanonicalRecord::CasePlan(record), Vec::new());
    Ok(())
}

fn s47(m: &mut Mapper<'_>, f: &Fields<'_>, team: TeamName<'_>) -> Result<(), FieldError> {
    let record = AssessmentRecord {
        source: table_ref(m.system, f.table, f.required("s47e_s47_enquiry_id")?),
        person: m.person.clone(),
        assessment_kind: AssessmentKind::Section47Enquiry,
        episode: m.episode(f.text("s47e_referral_id")),
        start_date: f.required_date("s47e_s47_start_date")?,
        end_date: f.date("s47e_s47_end_date")?,
        no_further_action: f.flag("s47e_s47_nfa")?,
        outcome: f.string("s47e_s47_outcome_json"),
        team: team(f.text("s47e_s47_completed_by_team")),
        worker: m.worker(f.text("s47e_s47_completed_by_worker_id")),
        ..Default::default()
    };
    m.push(f.row, CanonicalRecord::Assessment(record), Vec::new());
    Ok(())
}

fn conference(m: &mut Mapper<'_>, f: &Fields<'_>, team: TeamName<'_>) -> Result<(), FieldError> {
    f.date("icpc_icpc_target_date")?;
    f.flag("icpc_icpc_transfer_in")?;
    let record = AssessmentRecord {
        source: table_ref(m.system, f.table, f.required("icpc_icpc_id")?),
        person: m.person.clone(),
        assessment_kind: AssessmentKind::InitialChildProtectionConference,
        episode: m.episode(f.text("icpc_referral_id")),
        start_date: f.required_date("icpc_icpc_date")?,
        child_protection_plan: f.flag("icpc_icpc_outcome_cp_flag")?,
        outcome: f.string("icpc_icpc_outcome_json"),
        team: team(f.text("icpc_icpc_team")),
        worker: m.worker(f.text("icpc_icpc_worker_id")),
        ..Default::default()
    };
    m.push(f.row, CanonicalRecord::Assessment(record), Vec::new());
    Ok(())
}

fn cp_plan(m: &mut Mapper<'_>, f: &Fields<'_>) -> Result<(), FieldError> {
    f.flag("cppl_cp_plan_ola")?;
    let record = CasePlanRecord {
        source: table_ref(m.system, f.table, f.required("cppl_cp_plan_id")?),
        person: m.person.clone(),
        plan_kind: CasePlanKind::ChildProtection,
        episode: m.episode(f.text("cppl_referral_id")),
        start_date: f.required_date("cppl_cp_plan_start_date")?,
        end_date: f.date("cppl_cp_plan_end_date")?,
        initial_category: f.code::<CategoryOfAbuse>("cppl_cp_plan_initial_category")?,
        latest_category: f.code::<CategoryOfAbuse>("cppl_cp_plan_latest_category")?,
        ..Default::default()
    };
    m.push(f.row, CanonicalRecord::CasePlan(record), Vec::new());
    Ok(())
}

fn involvement(m: &mut Mapper<'_>, f: &Fields<'_>, team: TeamName<'_>) -> Result<(), FieldError> {
    let record = InvolvementRecord {
        source: table_ref(m.system, f.table, f.required("invo_involvements_id")?),
        person: m.person.clone(),
        professional: table_ref(
            m.system,
            &columns::PROFESSIONALS,
            f.required("invo_professional_id")?,
        ),
        role: f.string("invo_professional_role_id"),
        team: team(f.text("invo_professional_team")),
        start_date: f.required_date("invo_involvement_start_date")?,
        end_date: f.date("invo_involvement_end_date")?,
        episode: m.episode(f.text("invo_referral_id")),
    };
    m.push(f.row, CanonicalRecord::Involvement(record), Vec::new());
    Ok(())
}
