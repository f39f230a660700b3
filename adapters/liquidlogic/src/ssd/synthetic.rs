//! Synthetic SSD extracts, for tests, demonstrations and measurements: deterministic, every
//! table populated, person ids `1000001`..., NHS numbers in the `999` test range with valid
//! check digits, UPNs with valid check letters. No real person is described.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use chrono::{Days, NaiveDate};

use super::columns::{self, Table};

/// Synthetic forenames.
const FORENAMES: [&str; 8] = ["Ada", "Bryn", "Cleo", "Dara", "Eli", "Fen", "Gus", "Hana"];
/// Synthetic surnames.
const SURNAMES: [&str; 6] = [
    "Testwell",
    "Sampleton",
    "Mockford",
    "Fakeby",
    "Dummer",
    "Synth",
];
/// Professionals in every extract.
pub const PROFESSIONALS: u32 = 40;
/// Departments in every extract.
pub const DEPARTMENTS: u32 = 4;

/// The person id of synthetic child `n` (1-based).
pub fn person_id(n: u32) -> String {
    (1_000_000 + u64::from(n)).to_string()
}

/// The synthetic NHS number of child `n`, when the check digit allows one: `999 9xx xxxx`,
/// the part of the NHS test range that familygraph's demo seed leaves to test files, so an
/// extract's child never matches a seeded person by accident (distinct for `n` up to 100,000).
pub fn nhs_number(n: u32) -> Option<String> {
    let nine = format!("9999{:05}", n % 100_000);
    let sum: u32 = nine
        .bytes()
        .zip((2..=10).rev())
        .map(|(b, w)| u32::from(b - b'0') * w)
        .sum();
    let check = 11 - sum % 11;
    match check {
        11 => Some(format!("{nine}0")),
        10 => None,
        c => Some(format!("{nine}{c}")),
    }
}

/// The synthetic UPN of child `n`.
pub fn upn(n: u32) -> Option<String> {
    familygraph_domain::Upn::with_check_letter(&format!("999{:09}", n))
        .ok()
        .map(|u| u.as_str().to_owned())
}

fn day(base: NaiveDate, days: u64) -> String {
    base.checked_add_days(Days::new(days))
        .unwrap_or(base)
        .format("%Y-%m-%d")
        .to_string()
}

/// What a generated extract holds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ExtractSize {
    /// Children (rows of `ssd_person`).
    pub children: u32,
    /// Data rows over all files.
    pub rows: u64,
    /// Bytes over all files.
    pub bytes: u64,
}

struct Writers {
    files: Vec<(&'static Table, csv::Writer<BufWriter<File>>)>,
    rows: u64,
}

impl Writers {
    fn row(&mut self, table: &Table, values: &[&str]) -> std::io::Result<()> {
        if let Some((_, w)) = self.files.iter_mut().find(|(t, _)| t.name == table.name) {
            w.write_record(values)?;
            self.rows += 1;
        }
        Ok(())
    }
}

/// Writes a synthetic extract of `children` children (every table, sorted by person id) into
/// `dir`. Child `n` has a family, an address, a linked identifier, a contact, a CIN episode
/// (closed for even `n`), an assessment with factors `1B` and `3A`, a CIN plan, a section 47
/// enquiry, an initial conference, a child protection plan and an involvement; every third
/// child also an early help episode.
pub fn write_extract(dir: &Path, children: u32) -> std::io::Result<ExtractSize> {
    let mut writers = Writers {
        files: Vec::new(),
        rows: 0,
    };
    for table in columns::ALL_TABLES.iter() {
        let file = File::create(dir.join(table.file_name()))?;
        let mut w = csv::Writer::from_writer(BufWriter::with_capacity(64 * 1024, file));
        w.write_record(table.columns)?;
        writers.files.push((table, w));
    }
    let base = NaiveDate::from_ymd_opt(2024, 4, 1).unwrap_or_default();
    let birth_base = NaiveDate::from_ymd_opt(2010, 1, 1).unwrap_or_default();
    for d in 1..=DEPARTMENTS {
        writers.row(
            &columns::DEPARTMENT,
            &[
                &format!("T{d}"),
                &format!("Synthetic Team {d}"),
                "D1",
                "Synthetic Directorate",
            ],
        )?;
    }
    for p in 1..=PROFESSIONALS {
        writers.row(
            &columns::PROFESSIONALS,
            &[
                &p.to_string(),
                &format!("S{p:04}"),
                &format!("Worker {p} Synthetic"),
                &format!("SW{p:06}"),
                if p % 10 == 0 { "Y" } else { "N" },
                "Social Worker",
                "12",
                &format!("T{}", p % DEPARTMENTS + 1),
                "1.0",
            ],
        )?;
    }
    let ethnicities = ["WBRI", "MWBC", "AIND", "BAFR", "CHNE", "OOTH"];
    let sources = ["1A", "2A", "3A", "5D", "6", "8"];
    let needs = ["N1", "N2", "N4", "N5", "N8"];
    for n in 1..=children {
        let id = person_id(n);
        let i = u64::from(n);
        let ns = n.to_string();
        let worker = (n % PROFESSIONALS + 1).to_string();
        let team = format!("T{}", n % DEPARTMENTS + 1);
        let referral = day(base, i % 300);
        let nhs = nhs_number(n).unwrap_or_default();
        let upn = upn(n).unwrap_or_default();
        writers.row(
            &columns::PERSON,
            &[
                &id,
                &format!("L{n}"),
                &upn,
                FORENAMES[n as usize % FORENAMES.len()],
                SURNAMES[n as usize % SURNAMES.len()],
                if n % 2 == 0 { "F" } else { "M" },
                "",
                ethnicities[n as usize % ethnicities.len()],
                &day(birth_base, i % 4000),
                &nhs,
                "",
                "N",
                "",
                "",
                "N",
                "British",
            ],
        )?;
        writers.row(
            &columns::FAMILY,
            &[&ns, &format!("F{}", n.div_ceil(2)), &id],
        )?;
        writers.row(
            &columns::ADDRESS,
            &[
                &ns,
                &id,
                "Home",
                &day(birth_base, i % 4000),
                "",
                &format!("LS{} {}AB", n % 20 + 1, n % 10),
                &format!(
                    "{{\"line1\":\"{} Synthetic Street\",\"town\":\"Testham\"}}",
                    n % 200 + 1
                ),
            ],
        )?;
        writers.row(
            &columns::LINKED_IDENTIFIERS,
            &[&ns, &id, "Former Unique Pupil Number", &upn, "", ""],
        )?;
        writers.row(
            &columns::CONTACTS,
            &[
                &ns,
                &id,
                &referral,
                sources[n as usize % sources.len()],
                "synthetic",
                "{\"outcome\":\"referral\"}",
            ],
        )?;
        if n % 3 == 0 {
            writers.row(
                &columns::EARLY_HELP_EPISODES,
                &[
                    &ns,
                    &id,
                    &day(base, i % 300 + 1),
                    "",
                    "Family support",
                    "",
                    &team,
                    &worker,
                ],
            )?;
        }
        let closed = n % 2 == 0;
        writers.row(
            &columns::CIN_EPISODES,
            &[
                &ns,
                &id,
                &referral,
                needs[n as usize % needs.len()],
                sources[n as usize % sources.len()],
                "synthetic",
                "{\"outcome\":\"assessment\"}",
                "N",
                if closed { "RC7" } else { "" },
                &if closed {
                    day(base, i % 300 + 200)
                } else {
                    String::new()
                },
                &team,
                &worker,
            ],
        )?;
        writers.row(
            &columns::CIN_ASSESSMENTS,
            &[
                &ns,
                &id,
                &ns,
                &day(base, i % 300 + 2),
                "Y",
                &day(base, i % 300 + 30),
                "{\"outcome\":\"plan\"}",
                "N",
                &team,
                &worker,
            ],
        )?;
        writers.row(&columns::ASSESSMENT_FACTORS, &[&ns, &ns, "[\"1B\",\"3A\"]"])?;
        writers.row(
            &columns::CIN_PLANS,
            &[&ns, &ns, &id, &day(base, i % 300 + 31), "", &team, &worker],
        )?;
        writers.row(
            &columns::S47_ENQUIRY,
            &[
                &ns,
                &ns,
                &id,
                &day(base, i % 300 + 40),
                &day(base, i % 300 + 50),
                "N",
                "{\"outcome\":\"icpc\"}",
                &team,
                &worker,
            ],
        )?;
        writers.row(
            &columns::INITIAL_CP_CONFERENCE,
            &[
                &ns,
                &ns,
                &ns,
                &id,
                &ns,
                &ns,
                "N",
                &day(base, i % 300 + 55),
                &day(base, i % 300 + 60),
                "Y",
                "{\"outcome\":\"cp plan\"}",
                &team,
                &worker,
            ],
        )?;
        writers.row(
            &columns::CP_PLANS,
            &[
                &ns,
                &ns,
                &ns,
                &id,
                &day(base, i % 300 + 60),
                "",
                "N",
                "NEG",
                if n % 5 == 0 { "EMO" } else { "NEG" },
            ],
        )?;
        writers.row(
            &columns::INVOLVEMENTS,
            &[
                &ns,
                &worker,
                "SW",
                &team,
                &id,
                &day(base, i % 300 + 1),
                "",
                "",
                &ns,
            ],
        )?;
    }
    let rows = writers.rows;
    for (_, w) in writers.files {
        let mut inner = w.into_inner().map_err(|e| e.into_error())?;
        inner.flush()?;
    }
    let mut bytes = 0;
    for table in columns::ALL_TABLES.iter() {
        bytes += std::fs::metadata(dir.join(table.file_name()))?.len();
    }
    Ok(ExtractSize {
        children,
        rows,
        bytes,
    })
}
