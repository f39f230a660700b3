//! The extract read as a merge: `ssd_person` row by row, each child-scoped table advanced to
//! the same person, so one child's rows are in memory at a time.

use std::cmp::Ordering;
use std::collections::HashMap;
use std::path::Path;

use familygraph_adapter_sdk::{
    AdapterError, CanonicalRecord, Located, Location, ProfessionalRecord, Rejection,
};

use super::child::{ChildRows, SsdGroup, map_child, table_ref};
use super::columns::{self, Table};
use super::table::{FileRejection, Row, TableReader, open_table, person_order};
use super::values::Fields;

/// The most `ssd_department` rows held in memory; a larger file is rejected whole.
pub const MAX_DEPARTMENTS: usize = 100_000;

/// Reads an SSD extract directory one group at a time: first each professional, then each
/// child (its person row with all its rows of the child-scoped tables), then, if any rows
/// were left that belong to no child, a last group of their rejections.
pub struct SsdReader {
    system: String,
    person: TableReader,
    children: Vec<TableReader>,
    factors: TableReader,
    professionals: TableReader,
    departments: HashMap<String, String>,
    /// Whole-file rejections found when opening, handed out with the first group.
    opening: Vec<Rejection>,
    last_person: Option<String>,
    department_rows: u64,
    finished: bool,
}

fn file_name_of(table: &Table) -> &'static str {
    // The file names are the table names plus `.csv`; they are few and fixed.
    match columns::ALL_TABLES
        .iter()
        .position(|t| t.name == table.name)
    {
        Some(i) => FILE_NAMES[i],
        None => "unknown.csv",
    }
}

const FILE_NAMES: [&str; 16] = [
    "ssd_person.csv",
    "ssd_family.csv",
    "ssd_address.csv",
    "ssd_linked_identifiers.csv",
    "ssd_contacts.csv",
    "ssd_early_help_episodes.csv",
    "ssd_cin_episodes.csv",
    "ssd_cin_assessments.csv",
    "ssd_assessment_factors.csv",
    "ssd_cin_plans.csv",
    "ssd_s47_enquiry.csv",
    "ssd_initial_cp_conference.csv",
    "ssd_cp_plans.csv",
    "ssd_involvements.csv",
    "ssd_professionals.csv",
    "ssd_department.csv",
];

impl SsdReader {
    /// Opens the extract in `dir` for source system `system`. `ssd_person.csv` must exist
    /// and have its required columns (else an error: nothing can be read); any other table
    /// may be absent (read as empty) or rejected whole (one rejection, located at line 1).
    pub fn open(dir: &Path, system: &str) -> Result<Self, AdapterError> {
        if !dir.is_dir() {
            let e = std::io::Error::from(std::io::ErrorKind::NotFound);
            return Err(AdapterError::io(dir.display().to_string(), &e));
        }
        let mut opening = Vec::new();
        let person_file = dir.join(columns::PERSON.file_name());
        let person = match open_table(dir, &columns::PERSON)? {
            Some(reader) => TableReader::new(&columns::PERSON, FILE_NAMES[0], Some(reader))
                .map_err(|FileRejection(r)| {
                    AdapterError::malformed(Location::document(r.location.document), r.reason)
                })?,
            None => {
                let e = std::io::Error::from(std::io::ErrorKind::NotFound);
                return Err(AdapterError::io(person_file.display().to_string(), &e));
            }
        };
        let mut open = |table: &'static Table| -> Result<TableReader, AdapterError> {
            let file = file_name_of(table);
            Ok(
                match TableReader::new(table, file, open_table(dir, table)?) {
                    Ok(reader) => reader,
                    Err(FileRejection(rejection)) => {
                        opening.push(rejection);
                        TableReader::empty(table, file)
                    }
                },
            )
        };
        let children = columns::CHILD_TABLES
            .iter()
            .map(&mut open)
            .collect::<Result<Vec<_>, _>>()?;
        let factors = open(&columns::ASSESSMENT_FACTORS)?;
        let professionals = open(&columns::PROFESSIONALS)?;
        let mut department_reader = open(&columns::DEPARTMENT)?;
        let mut departments = HashMap::new();
        while let Some(row) = department_reader.next_row() {
            if departments.len() >= MAX_DEPARTMENTS {
                opening.push(Rejection::new(
                    row.location(),
                    format!(
                        "ssd_department.csv has more than {MAX_DEPARTMENTS} rows; the rest are \
                         not read"
                    ),
                ));
                break;
            }
            let f = Fields {
                table: &columns::DEPARTMENT,
                row: &row,
            };
            match (f.text("dept_team_id"), f.text("dept_team_name")) {
                (Some(id), Some(name)) => {
                    departments.insert(id.to_owned(), name.to_owned());
                }
                _ => opening.push(Rejection::new(
                    row.location(),
                    "dept_team_id and dept_team_name are required",
                )),
            }
            if let Some(problem) = &row.problem {
                opening.push(Rejection::new(row.location(), problem.clone()));
            }
        }
        opening.append(&mut department_reader.pending);
        let department_rows = department_reader.rows_read();
        Ok(Self {
            system: system.to_owned(),
            person,
            children,
            factors,
            professionals,
            departments,
            opening,
            last_person: None,
            department_rows,
            finished: false,
        })
    }

    /// The extract directory's files, for a caller that wants to name them.
    pub fn file_names() -> &'static [&'static str] {
        &FILE_NAMES
    }

    /// Data rows read so far, over every table.
    pub fn rows_read(&self) -> u64 {
        self.person.rows_read()
            + self.department_rows
            + self.factors.rows_read()
            + self.professionals.rows_read()
            + self
                .children
                .iter()
                .map(TableReader::rows_read)
                .sum::<u64>()
    }

    fn team_name(&self, team: Option<&str>) -> Option<String> {
        team.map(|t| {
            self.departments
                .get(t)
                .cloned()
                .unwrap_or_else(|| t.to_owned())
        })
    }

    fn drain_pending(&mut self, into: &mut Vec<Rejection>) {
        into.append(&mut self.opening);
        into.append(&mut self.person.pending);
        into.append(&mut self.factors.pending);
        into.append(&mut self.professionals.pending);
        for table in &mut self.children {
            into.append(&mut table.pending);
        }
    }

    fn next_professional(&mut self) -> Option<SsdGroup> {
        let row = self.professionals.next_row()?;
        let f = Fields {
            table: &columns::PROFESSIONALS,
            row: &row,
        };
        let mut group = SsdGroup::default();
        let id = f
            .text("prof_professional_id")
            .unwrap_or_default()
            .to_owned();
        group.key = format!("professional:{id}");
        let agency = f.flag("prof_agency_worker_flag");
        match (&row.problem, id.is_empty(), agency) {
            (Some(problem), _, _) => group
                .rejected
                .push(Rejection::new(row.location(), problem.clone())),
            (None, true, _) => group.rejected.push(Rejection::new(
                row.location(),
                "prof_professional_id is blank but required",
            )),
            (None, false, Err(e)) => group.rejected.push(Rejection::new(
                row.location().at(format!(" {}", e.column)),
                format!("{}: {}", e.column, e.reason),
            )),
            (None, false, Ok(agency_worker)) => {
                let record = ProfessionalRecord {
                    source: table_ref(&self.system, &columns::PROFESSIONALS, &id),
                    name: f.string("prof_professional_name"),
                    job_title: f.string("prof_professional_job_title"),
                    team: self.team_name(f.text("prof_professional_department")),
                    registration_number: f.string("prof_social_worker_registration_no"),
                    agency_worker,
                };
                group.records.push(Located::new(
                    row.location(),
                    CanonicalRecord::Professional(record),
                ));
            }
        }
        Some(group)
    }

    /// Takes the rows of `person` from every child-scoped table, rejecting the rows before it
    /// (they name a person that `ssd_person` does not have).
    fn take_rows(&mut self, person: Option<&str>, rejected: &mut Vec<Rejection>) -> Vec<Vec<Row>> {
        let mut tables = Vec::with_capacity(self.children.len());
        for table in &mut self.children {
            let mut rows = Vec::new();
            loop {
                let spec = table.table();
                let Some(row) = table.peek() else { break };
                let Some(of) = spec.person_column.and_then(|c| row.get(spec, c)) else {
                    break;
                };
                let of = of.to_owned();
                let order = match person {
                    Some(person) => person_order(&of, person),
                    None => Ordering::Less,
                };
                match order {
                    Ordering::Greater => break,
                    Ordering::Equal => {
                        if let Some(row) = table.next_row() {
                            rows.push(row);
                        }
                    }
                    Ordering::Less => {
                        let reason = "the row's person is not in ssd_person.csv (the row is an \
                                      orphan, or the file is not sorted by person id like \
                                      ssd_person.csv)";
                        if let Some(row) = table.next_row() {
                            rejected.push(Rejection::new(row.location(), reason));
                        }
                    }
                }
            }
            tables.push(rows);
        }
        tables
    }

    /// Takes the factor rows of `assessments` (in their order), leaving the rest.
    fn take_factors(&mut self, assessment_ids: &[String]) -> Vec<Row> {
        let mut rows = Vec::new();
        for id in assessment_ids {
            while self.factors.peek().is_some_and(|row| {
                row.get(&columns::ASSESSMENT_FACTORS, "cinf_assessment_id") == Some(id.as_str())
            }) {
                if let Some(row) = self.factors.next_row() {
                    rows.push(row);
                }
            }
        }
        rows
    }

    fn next_child(&mut self) -> Option<SsdGroup> {
        loop {
            let row = self.person.next_row()?;
            let mut rejected = Vec::new();
            let Some(person_id) = self.person.person_of(&row).map(str::to_owned) else {
                continue; // a row without an id is already among the pending rejections
            };
            if self.last_person.as_deref() == Some(person_id.as_str()) {
                rejected.push(Rejection::new(
                    row.location(),
                    "the row's person id is the same as the row before's: a person appears \
                     twice in ssd_person.csv",
                ));
                self.drain_pending(&mut rejected);
                return Some(SsdGroup {
                    key: String::new(),
                    records: Vec::new(),
                    rejected,
                });
            }
            self.last_person = Some(person_id.clone());
            let tables = self.take_rows(Some(&person_id), &mut rejected);
            let assessment_index = columns::CHILD_TABLES
                .iter()
                .position(|t| t.name == columns::CIN_ASSESSMENTS.name);
            let assessment_ids: Vec<String> = assessment_index
                .and_then(|i| tables.get(i))
                .map(|rows| {
                    rows.iter()
                        .filter_map(|r| r.get(&columns::CIN_ASSESSMENTS, "cina_assessment_id"))
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default();
            let factors = self.take_factors(&assessment_ids);
            let rows = ChildRows {
                person_id,
                person: row,
                tables,
                factors,
            };
            let departments = &self.departments;
            let team = |t: Option<&str>| {
                t.map(|t| departments.get(t).cloned().unwrap_or_else(|| t.to_owned()))
            };
            let mut group = map_child(&self.system, &rows, &team);
            group.rejected.append(&mut rejected);
            self.drain_pending(&mut group.rejected);
            return Some(group);
        }
    }

    fn trailing(&mut self) -> Option<SsdGroup> {
        let mut rejected = Vec::new();
        let _ = self.take_rows(None, &mut rejected);
        while let Some(row) = self.factors.next_row() {
            rejected.push(Rejection::new(
                row.location(),
                "the assessment is not in ssd_cin_assessments.csv, or the file is not in the \
                 order of ssd_cin_assessments.csv",
            ));
        }
        self.drain_pending(&mut rejected);
        (!rejected.is_empty()).then(|| SsdGroup {
            key: String::new(),
            records: Vec::new(),
            rejected,
        })
    }
}

impl Iterator for SsdReader {
    type Item = SsdGroup;

    fn next(&mut self) -> Option<SsdGroup> {
        if self.finished {
            return None;
        }
        let group = self
            .next_professional()
            .map(|mut g| {
                self.drain_pending(&mut g.rejected);
                g
            })
            .or_else(|| self.next_child())
            .or_else(|| self.trailing());
        if group.is_none() {
            self.finished = true;
        }
        group
    }
}
