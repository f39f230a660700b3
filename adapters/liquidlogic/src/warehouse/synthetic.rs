//! Synthetic warehouses, for tests and demonstrations: the `Child_Social` tables the source
//! reads (DDL for PostgreSQL and SQLite) filled with synthetic rows, deterministic from a
//! seed. Person ids `1000001`… (children) and `2000001`… (mothers); NHS numbers in the `999`
//! test range and UPNs with valid check letters (as the synthetic SSD extract). No real person
//! is described.

use chrono::{Days, NaiveDate, NaiveDateTime, TimeDelta};
use familygraph_domain::{
    AssessmentFactor, CategoryOfAbuse, ClosureReason, CodeEnum, Ethnicity, PrimaryNeed,
    ReferralSource,
};

use super::db::{self, Dialect, LazyPool, quote};
use super::tables::{self, Companion, MODIFIED, PHASES, Table};
use crate::ssd::synthetic as ssd;

/// Departments in every synthetic warehouse (`DIM_DEPARTMENT_ID` 1–4).
pub const DEPARTMENTS: u32 = 4;
/// Workers in every synthetic warehouse (`DIM_WORKER_ID` 101–112).
pub const WORKERS: u32 = 12;
/// The first `LAST_UPDATED_DTTM` of synthetic rows; later rows are later.
pub const FIRST_MODIFIED: &str = "2024-04-01 08:00:00";

/// What to build.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntheticOptions {
    /// Children (each with a mother for every two children, and case records).
    pub children: u32,
    /// The seed: the same seed gives the same rows.
    pub seed: u64,
    /// The schema to create the tables in (PostgreSQL), `None` for the default.
    pub schema: Option<String>,
    /// A prefix before every table name.
    pub table_prefix: String,
}

impl Default for SyntheticOptions {
    fn default() -> Self {
        Self {
            children: 20,
            seed: 2026,
            schema: None,
            table_prefix: String::new(),
        }
    }
}

/// What a build wrote.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SyntheticSummary {
    /// Rows of `DIM_PERSON` (children and mothers).
    pub persons: u32,
    /// Rows over all tables.
    pub rows: u64,
}

/// The id of synthetic child `n` (1-based).
pub fn child_id(n: u32) -> i64 {
    1_000_000 + i64::from(n)
}

/// The id of the mother of synthetic child `n` (children `2k-1` and `2k` share mother `k`).
pub fn mother_id(n: u32) -> i64 {
    2_000_000 + i64::from(n.div_ceil(2))
}

/// Contact id of child `n`; the other tables use the same `n` after their own base:
/// referrals 20000, early help 30000, assessments 40000 (forms 45000), CIN plans 50000,
/// section 47s 60000, conferences 70000, CP plans 80000 (reviews 85000), involvements 90000
/// (partner involvements 95000), case notes 99000.
pub fn contact_id(n: u32) -> i64 {
    10_000 + i64::from(n)
}

fn column_type(dialect: Dialect, column: &str) -> &'static str {
    if column.ends_with("_DTTM") {
        dialect.timestamp_type()
    } else if column.ends_with("_ID") && column != "STAFF_ID" && column != "LEGACY_ID" {
        dialect.id_type()
    } else {
        "TEXT"
    }
}

fn qualified(options: &SyntheticOptions, name: &str) -> String {
    let table = quote(&format!("{}{name}", options.table_prefix));
    match &options.schema {
        Some(schema) => format!("{}.{table}", quote(schema)),
        None => table,
    }
}

fn create(
    dialect: Dialect,
    options: &SyntheticOptions,
    name: &str,
    id: &str,
    columns: impl Iterator<Item = &'static str>,
    index: &[&str],
) -> Vec<String> {
    let columns: Vec<String> = columns
        .map(|c| {
            let key = if c == id { " PRIMARY KEY" } else { "" };
            format!("{} {}{key}", quote(c), column_type(dialect, c))
        })
        .collect();
    let table = qualified(options, name);
    let mut statements = vec![format!("CREATE TABLE {table} ({})", columns.join(", "))];
    let index_name = |suffix: &str| quote(&format!("{}{name}_{suffix}", options.table_prefix));
    statements.push(format!(
        "CREATE INDEX {} ON {table} ({}, {})",
        index_name("modified"),
        quote(MODIFIED),
        quote(id)
    ));
    for column in index {
        statements.push(format!(
            "CREATE INDEX {} ON {table} ({})",
            index_name(&column.to_ascii_lowercase()),
            quote(column)
        ));
    }
    statements
}

/// The DDL of every table the source reads (and `FACT_CASENOTES`), with an index on each
/// table's (`LAST_UPDATED_DTTM`, id) and on the columns joined on.
pub fn ddl(dialect: Dialect, options: &SyntheticOptions) -> Vec<String> {
    let mut statements = Vec::new();
    if let (Dialect::Postgres, Some(schema)) = (dialect, &options.schema) {
        statements.push(format!("CREATE SCHEMA IF NOT EXISTS {}", quote(schema)));
    }
    let table =
        |t: &Table, index: &[&str]| create(dialect, options, t.name, t.id, t.all_columns(), index);
    let companion = |c: &Companion| {
        create(
            dialect,
            options,
            c.name,
            c.id,
            c.columns.iter().copied().chain(std::iter::once(MODIFIED)),
            &[c.parent],
        )
    };
    statements.extend(table(&tables::DEPARTMENT, &[]));
    for t in PHASES {
        statements.extend(table(&t, t.person.as_slice()));
        if let Some(c) = t.companion {
            statements.extend(companion(&c));
        }
    }
    statements.extend(table(&tables::CASENOTES, &["DIM_PERSON_ID"]));
    statements
}

/// A tiny deterministic generator (SplitMix64).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        // n is small; the modulo bias is irrelevant for synthetic data.
        (self.next() % n.max(1) as u64) as usize
    }

    fn pick<C: CodeEnum>(&mut self) -> &'static str {
        let all = C::all();
        all[self.below(all.len())].code()
    }
}

/// Rows of one table, as SQL literals.
struct Rows {
    name: &'static str,
    columns: Vec<&'static str>,
    rows: Vec<Vec<Option<String>>>,
}

impl Rows {
    fn of(table: &Table) -> Self {
        Self {
            name: table.name,
            columns: table.all_columns().collect(),
            rows: Vec::new(),
        }
    }

    fn of_companion(c: &Companion) -> Self {
        Self {
            name: c.name,
            columns: c
                .columns
                .iter()
                .copied()
                .chain(std::iter::once(MODIFIED))
                .collect(),
            rows: Vec::new(),
        }
    }

    /// Adds a row from `(column, value)` pairs; columns not given are null.
    fn add(&mut self, values: &[(&str, Option<String>)]) {
        let row = self
            .columns
            .iter()
            .map(|c| {
                values
                    .iter()
                    .find(|(name, _)| name == c)
                    .and_then(|(_, v)| v.clone())
            })
            .collect();
        self.rows.push(row);
    }

    fn inserts(&self, options: &SyntheticOptions, out: &mut Vec<String>) {
        let columns: Vec<String> = self.columns.iter().map(|c| quote(c)).collect();
        for chunk in self.rows.chunks(200) {
            let values: Vec<String> = chunk
                .iter()
                .map(|row| {
                    let literals: Vec<String> = row
                        .iter()
                        .map(|v| v.as_deref().map_or_else(|| "NULL".to_owned(), literal))
                        .collect();
                    format!("({})", literals.join(", "))
                })
                .collect();
            out.push(format!(
                "INSERT INTO {} ({}) VALUES {}",
                qualified(options, self.name),
                columns.join(", "),
                values.join(", ")
            ));
        }
    }
}

/// A SQL string literal.
pub fn literal(value: &str) -> String {
    format!("'{}'", value.replace('\'', "''"))
}

fn s(value: impl ToString) -> Option<String> {
    Some(value.to_string())
}

fn stamp(t: NaiveDateTime) -> Option<String> {
    Some(t.format("%Y-%m-%d %H:%M:%S").to_string())
}

fn day(d: NaiveDate) -> Option<String> {
    stamp(d.and_hms_opt(0, 0, 0).unwrap_or_default())
}

/// The `INSERT` statements of a synthetic warehouse (valid on PostgreSQL and SQLite).
pub fn inserts(options: &SyntheticOptions) -> (Vec<String>, SyntheticSummary) {
    let mut rng = Rng(options.seed);
    let first =
        NaiveDateTime::parse_from_str(FIRST_MODIFIED, "%Y-%m-%d %H:%M:%S").unwrap_or_default();
    // Three children share each modification minute, so ties on the watermark are resolved by
    // id; each table's rows are a second later than the table before.
    let modified = |n: u32, table: i64| {
        stamp(first + TimeDelta::minutes(i64::from(n / 3)) + TimeDelta::seconds(table))
    };
    let base = NaiveDate::from_ymd_opt(2024, 1, 8).unwrap_or_default();
    let plus = |d: NaiveDate, days: u64| d.checked_add_days(Days::new(days)).unwrap_or(d);

    let mut department = Rows::of(&tables::DEPARTMENT);
    let names = [
        "Front Door Team",
        "Locality Team North",
        "Locality Team South",
        "Early Help Hub",
    ];
    for d in 1..=DEPARTMENTS {
        department.add(&[
            ("DIM_DEPARTMENT_ID", s(d)),
            ("NAME", s(names[(d as usize - 1) % names.len()])),
            ("DEPT_TYPE_DESCRIPTION", s("Children's Social Care")),
            (MODIFIED, modified(0, 0)),
        ]);
    }
    let mut worker = Rows::of(&tables::WORKER);
    let titles = [
        "Social Worker",
        "Senior Practitioner",
        "Family Support Worker",
        "Independent Reviewing Officer",
    ];
    for w in 1..=WORKERS {
        worker.add(&[
            ("DIM_WORKER_ID", s(100 + w)),
            ("STAFF_ID", s(format!("SYN{w:03}"))),
            ("FORENAME", s(FORENAMES[rng.below(FORENAMES.len())])),
            ("SURNAME", s(format!("Worker{w}"))),
            ("WORKER_ID_CODE", s(format!("SW{:06}", 900_000 + w))),
            ("JOB_TITLE", s(titles[w as usize % titles.len()])),
            ("DIM_DEPARTMENT_ID", s(w % DEPARTMENTS + 1)),
            ("AGENCY_WORKER_FLAG", s(if w % 5 == 0 { "Y" } else { "N" })),
            (MODIFIED, modified(0, 1)),
        ]);
    }
    let mut person = Rows::of(&tables::PERSON);
    let mut address = Rows::of_companion(&tables::PERSON_ADDRESS);
    let mut relation = Rows::of(&tables::PERSON_RELATION);
    let mut contact = Rows::of(&tables::CONTACTS);
    let mut referral = Rows::of(&tables::REFERRALS);
    let mut caf = Rows::of(&tables::CAF_EPISODE);
    let mut assessment = Rows::of(&tables::SINGLE_ASSESSMENT);
    let mut answers = Rows::of_companion(&tables::FORM_ANSWERS);
    let mut cin_plan = Rows::of(&tables::CARE_PLAN_SUMMARY);
    let mut s47 = Rows::of(&tables::S47);
    let mut conference = Rows::of(&tables::CP_CONFERENCE);
    let mut cp_plan = Rows::of(&tables::CP_PLAN);
    let mut review = Rows::of_companion(&tables::CP_REVIEW);
    let mut involvement = Rows::of(&tables::INVOLVEMENTS);
    let mut casenote = Rows::of(&tables::CASENOTES);

    let mothers = options.children.div_ceil(2);
    for k in 1..=mothers {
        let id = 2_000_000 + i64::from(k);
        person.add(&[
            ("DIM_PERSON_ID", s(id)),
            ("LEGACY_ID", s(format!("L{id}"))),
            ("FORENAME", s(FORENAMES[rng.below(FORENAMES.len())])),
            ("SURNAME", s(SURNAMES[k as usize % SURNAMES.len()])),
            ("GENDER_MAIN_CODE", s("F")),
            ("ETHNICITY_MAIN_CODE", s(rng.pick::<Ethnicity>())),
            (
                "BIRTH_DTTM",
                day(plus(
                    NaiveDate::from_ymd_opt(1984, 1, 1).unwrap_or_default(),
                    rng.below(4000) as u64,
                )),
            ),
            ("DOB_ESTIMATED", s("N")),
            (MODIFIED, modified(0, 2)),
        ]);
        address.add(&[
            ("DIM_PERSON_ADDRESS_ID", s(5_500_000 + i64::from(k))),
            ("DIM_PERSON_ID", s(id)),
            ("ADDSS_TYPE_CODE", s("HOME")),
            ("START_DTTM", day(plus(base, 0))),
            ("HOUSE_NO", s(k)),
            ("STREET", s("Synthetic Street")),
            ("TOWN", s("Testtown")),
            ("POSTCODE", s(postcode(k))),
            (MODIFIED, modified(0, 2)),
        ]);
    }
    for n in 1..=options.children {
        let id = child_id(n);
        let idn = i64::from(n);
        let worker_id = 100 + n % WORKERS + 1;
        let dept = n % DEPARTMENTS + 1;
        let unborn = n % 25 == 0;
        let birth = if unborn {
            plus(base, 300 + rng.below(90) as u64)
        } else {
            plus(
                NaiveDate::from_ymd_opt(2008, 1, 1).unwrap_or_default(),
                rng.below(5800) as u64,
            )
        };
        let upn = if unborn { None } else { ssd::upn(n) };
        person.add(&[
            ("DIM_PERSON_ID", s(id)),
            ("LEGACY_ID", s(format!("L{id}"))),
            ("FORENAME", s(FORENAMES[rng.below(FORENAMES.len())])),
            (
                "SURNAME",
                s(SURNAMES[n.div_ceil(2) as usize % SURNAMES.len()]),
            ),
            (
                "GENDER_MAIN_CODE",
                s(if unborn {
                    "U"
                } else if rng.below(2) == 0 {
                    "F"
                } else {
                    "M"
                }),
            ),
            ("ETHNICITY_MAIN_CODE", s(rng.pick::<Ethnicity>())),
            ("BIRTH_DTTM", day(birth)),
            ("DOB_ESTIMATED", s(if unborn { "Y" } else { "N" })),
            ("NHS_NUMBER", if unborn { None } else { ssd::nhs_number(n) }),
            ("NO_UPN_CODE", if upn.is_none() { s("UN1") } else { None }),
            ("UPN", upn),
            (MODIFIED, modified(n, 3)),
        ]);
        let start = plus(base, rng.below(200) as u64);
        if n % 3 == 0 {
            address.add(&[
                ("DIM_PERSON_ADDRESS_ID", s(5_000_000 + idn * 2)),
                ("DIM_PERSON_ID", s(id)),
                ("ADDSS_TYPE_CODE", s("HOME")),
                ("START_DTTM", day(plus(base, 0))),
                ("END_DTTM", day(plus(start, 10))),
                ("HOUSE_NO", s(n + 100)),
                ("STREET", s("Former Synthetic Road")),
                ("TOWN", s("Testtown")),
                ("POSTCODE", s(postcode(n + 7))),
                (MODIFIED, modified(n, 3)),
            ]);
        }
        address.add(&[
            ("DIM_PERSON_ADDRESS_ID", s(5_000_000 + idn * 2 + 1)),
            ("DIM_PERSON_ID", s(id)),
            ("ADDSS_TYPE_CODE", s("HOME")),
            ("START_DTTM", day(plus(start, 10))),
            ("HOUSE_NO", s(n.div_ceil(2))),
            ("STREET", s("Synthetic Street")),
            ("TOWN", s("Testtown")),
            ("POSTCODE", s(postcode(n.div_ceil(2)))),
            (MODIFIED, modified(n, 3)),
        ]);
        relation.add(&[
            ("FACT_PERSON_RELATION_ID", s(6_000_000 + idn)),
            ("DIM_PERSON_ID", s(mother_id(n))),
            ("DIM_RELATED_PERSON_ID", s(id)),
            ("DIM_LOOKUP_RELTN_TYPE_CODE", s("CHI")),
            ("START_DTTM", day(birth)),
            (MODIFIED, modified(n, 4)),
        ]);
        if n % 2 == 1 && n < options.children {
            relation.add(&[
                ("FACT_PERSON_RELATION_ID", s(6_500_000 + idn)),
                ("DIM_PERSON_ID", s(id)),
                ("DIM_RELATED_PERSON_ID", s(child_id(n + 1))),
                ("DIM_LOOKUP_RELTN_TYPE_CODE", s("SIB")),
                (MODIFIED, modified(n, 4)),
            ]);
        }
        let source = rng.pick::<ReferralSource>();
        contact.add(&[
            ("FACT_CONTACT_ID", s(contact_id(n))),
            ("DIM_PERSON_ID", s(id)),
            ("CONTACT_DTTM", day(start)),
            ("DIM_LOOKUP_CONT_SORC_ID_CODE", s(source)),
            ("OUTCOME_NEW_REFERRAL_FLAG", s("Y")),
            ("OUTCOME_NFA_FLAG", s("N")),
            (
                "OUTCOME_COMMENTS",
                if n % 5 == 0 {
                    s("Synthetic contact note")
                } else {
                    None
                },
            ),
            (MODIFIED, modified(n, 5)),
        ]);
        let referral_start = plus(start, 1);
        let closed = n % 3 == 0;
        referral.add(&[
            ("FACT_REFERRAL_ID", s(20_000 + idn)),
            ("DIM_PERSON_ID", s(id)),
            ("REFRL_START_DTTM", day(referral_start)),
            (
                "REFRL_END_DTTM",
                if closed {
                    day(plus(referral_start, 120))
                } else {
                    None
                },
            ),
            (
                "DIM_LOOKUP_CATEGORY_OF_NEED_CODE",
                s(rng.pick::<PrimaryNeed>()),
            ),
            ("DIM_LOOKUP_CONT_SORC_ID_CODE", s(source)),
            (
                "DIM_LOOKUP_REFRL_ENDRSN_ID_CODE",
                if closed {
                    s(ClosureReason::ServicesCeased.code())
                } else {
                    None
                },
            ),
            ("OUTCOME_NFA_FLAG", s("N")),
            ("OUTCOME_SINGLE_ASSESSMENT_FLAG", s("Y")),
            (
                "OUTCOME_CP_CONFERENCE_FLAG",
                s(if n % 3 == 0 { "Y" } else { "N" }),
            ),
            ("DIM_DEPARTMENT_ID", s(dept)),
            ("DIM_WORKER_ID", s(worker_id)),
            (MODIFIED, modified(n, 6)),
        ]);
        if n % 3 == 1 {
            caf.add(&[
                ("FACT_CAF_EPISODE_ID", s(30_000 + idn)),
                ("DIM_PERSON_ID", s(id)),
                ("EPISODE_START_DTTM", day(plus(base, rng.below(100) as u64))),
                (
                    "EPISODE_END_DTTM",
                    if n % 2 == 0 {
                        day(plus(base, 200))
                    } else {
                        None
                    },
                ),
                ("START_REASON", s("Synthetic early help request")),
                (
                    "DIM_LOOKUP_CAF_EP_ENDRSN_ID_CODE",
                    if n % 2 == 0 { s("OUTCOMES_MET") } else { None },
                ),
                ("DIM_LOOKUP_ORIGINATING_ORGANISATION_CODE", s("EHH")),
                ("DIM_WORKER_ID", s(worker_id)),
                (MODIFIED, modified(n, 7)),
            ]);
        }
        let assessment_start = plus(referral_start, 2);
        let form = 45_000 + idn;
        assessment.add(&[
            ("FACT_SINGLE_ASSESSMENT_ID", s(40_000 + idn)),
            ("DIM_PERSON_ID", s(id)),
            ("FACT_REFERRAL_ID", s(20_000 + idn)),
            ("FACT_FORM_ID", s(form)),
            ("START_DTTM", day(assessment_start)),
            ("OUTCOME_NFA_FLAG", s("N")),
            ("OUTCOME_PROV_OF_SERVICES_FLAG", s("Y")),
            ("COMPLETED_BY_DEPT_ID", s(dept)),
            ("COMPLETED_BY_USER_ID", s(worker_id)),
            (MODIFIED, modified(n, 8)),
        ]);
        let factors = AssessmentFactor::all();
        let (first_factor, second_factor) = (
            factors[rng.below(factors.len())].code(),
            factors[rng.below(factors.len())].code(),
        );
        for (j, (question, answer)) in [
            ("FormEndDate".to_owned(), day(plus(assessment_start, 30))),
            (first_factor.to_owned(), s("Yes")),
            (second_factor.to_owned(), s("Yes")),
            ("seenYN".to_owned(), s("Yes")),
            ("24A".to_owned(), s("No")),
        ]
        .into_iter()
        .enumerate()
        {
            answers.add(&[
                ("FACT_FORM_ANSWER_ID", s(4_600_000 + idn * 10 + j as i64)),
                ("FACT_FORM_ID", s(form)),
                ("ANSWER_NO", s(question)),
                ("ANSWER", answer),
                (MODIFIED, modified(n, 8)),
            ]);
        }
        if n % 2 == 0 {
            cin_plan.add(&[
                ("FACT_CARE_PLAN_SUMMARY_ID", s(50_000 + idn)),
                ("DIM_PERSON_ID", s(id)),
                ("FACT_REFERRAL_ID", s(20_000 + idn)),
                ("START_DTTM", day(plus(assessment_start, 31))),
                ("DIM_LOOKUP_PLAN_TYPE_CODE", s("FP")),
                ("DIM_LOOKUP_PLAN_STATUS_ID_CODE", s("A")),
                ("DIM_PLAN_COORD_DEPT_ID", s(dept)),
                ("DIM_PLAN_COORD_ID", s(worker_id)),
                (MODIFIED, modified(n, 9)),
            ]);
        }
        if n % 3 == 0 {
            let s47_start = plus(referral_start, 3);
            s47.add(&[
                ("FACT_S47_ID", s(60_000 + idn)),
                ("DIM_PERSON_ID", s(id)),
                ("FACT_REFERRAL_ID", s(20_000 + idn)),
                ("START_DTTM", day(s47_start)),
                ("END_DTTM", day(plus(s47_start, 10))),
                ("OUTCOME_NFA_FLAG", s("N")),
                ("OUTCOME_CP_CONFERENCE_FLAG", s("Y")),
                ("COMPLETED_BY_DEPT_ID", s(dept)),
                ("COMPLETED_BY_USER_ID", s(worker_id)),
                (MODIFIED, modified(n, 10)),
            ]);
            let meeting = plus(s47_start, 14);
            conference.add(&[
                ("FACT_CP_CONFERENCE_ID", s(70_000 + idn)),
                ("DIM_PERSON_ID", s(id)),
                ("FACT_REFERRAL_ID", s(20_000 + idn)),
                ("FACT_S47_ID", s(60_000 + idn)),
                ("TRANSFER_IN_FLAG", s("N")),
                ("DUE_DTTM", day(meeting)),
                ("MEETING_DTTM", day(meeting)),
                ("OUTCOME_CP_FLAG", s("Y")),
                ("ORGANISED_BY_DEPT_ID", s(dept)),
                ("ORGANISED_BY_USER_ID", s(worker_id)),
                (MODIFIED, modified(n, 11)),
            ]);
            let category = rng.pick::<CategoryOfAbuse>();
            cp_plan.add(&[
                ("FACT_CP_PLAN_ID", s(80_000 + idn)),
                ("DIM_PERSON_ID", s(id)),
                ("FACT_REFERRAL_ID", s(20_000 + idn)),
                ("FACT_INITIAL_CP_CONFERENCE_ID", s(70_000 + idn)),
                ("START_DTTM", day(meeting)),
                ("IS_OLA", s("N")),
                ("INIT_CATEGORY_CODE", s(category)),
                ("CP_CATEGORY_CODE", s(category)),
                (MODIFIED, modified(n, 12)),
            ]);
            review.add(&[
                ("FACT_CP_REVIEW_ID", s(85_000 + idn)),
                ("FACT_CP_PLAN_ID", s(80_000 + idn)),
                ("DIM_PERSON_ID", s(id)),
                ("DUE_DTTM", day(plus(meeting, 90))),
                ("MEETING_DTTM", day(plus(meeting, 90))),
                ("OUTCOME_CONTINUE_CP_FLAG", s("Y")),
                (MODIFIED, modified(n, 12)),
            ]);
        }
        involvement.add(&[
            ("FACT_INVOLVEMENTS_ID", s(90_000 + idn)),
            ("DIM_PERSON_ID", s(id)),
            ("DIM_WORKER_ID", s(worker_id)),
            ("DIM_LOOKUP_INVOLVEMENT_TYPE_CODE", s("CW")),
            ("DIM_DEPARTMENT_ID", s(dept)),
            ("START_DTTM", day(referral_start)),
            ("FACT_REFERRAL_ID", s(20_000 + idn)),
            (MODIFIED, modified(n, 13)),
        ]);
        if n % 4 == 0 {
            involvement.add(&[
                ("FACT_INVOLVEMENTS_ID", s(95_000 + idn)),
                ("DIM_PERSON_ID", s(id)),
                ("DIM_WORKER_ID", s(100 + (n + 5) % WORKERS + 1)),
                ("DIM_LOOKUP_INVOLVEMENT_TYPE_CODE", s("KASCHO")),
                ("START_DTTM", day(referral_start)),
                (MODIFIED, modified(n, 13)),
            ]);
        }
        casenote.add(&[
            ("FACT_CASENOTE_ID", s(99_000 + idn)),
            ("DIM_PERSON_ID", s(id)),
            ("EVENT_DTTM", day(plus(referral_start, 5))),
            ("DIM_LOOKUP_CASNT_TYPE_ID_CODE", s("STVC")),
            ("SEEN_FLAG", s("Y")),
            ("SEEN_ALONE_FLAG", s("N")),
            ("DIM_WORKER_ID", s(worker_id)),
            (MODIFIED, modified(n, 14)),
        ]);
    }
    let all = [
        department,
        worker,
        person,
        address,
        relation,
        contact,
        referral,
        caf,
        assessment,
        answers,
        cin_plan,
        s47,
        conference,
        cp_plan,
        review,
        involvement,
        casenote,
    ];
    let mut statements = Vec::new();
    let mut rows = 0u64;
    for table in &all {
        rows += table.rows.len() as u64;
        table.inserts(options, &mut statements);
    }
    let summary = SyntheticSummary {
        persons: options.children + mothers,
        rows,
    };
    (statements, summary)
}

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

/// A well-formed synthetic postcode in the `ZZ` area, which no real address uses.
fn postcode(k: u32) -> String {
    let letters = b"ABDEFGHJLNPQRSTUWXYZ";
    let a = letters[(k as usize) % letters.len()] as char;
    let b = letters[(k as usize / letters.len()) % letters.len()] as char;
    format!("ZZ{} {}{a}{b}", k % 99 + 1, k % 10)
}

/// Creates the tables of `options` in the database at `url` and fills them, in one
/// transaction. The database must not have them yet.
pub async fn build(url: &str, options: &SyntheticOptions) -> Result<SyntheticSummary, sqlx::Error> {
    let dialect = Dialect::of_url(url)
        .ok_or_else(|| sqlx::Error::Configuration("not a postgres or sqlite URL".into()))?;
    let pool = open(url)?;
    let mut statements = ddl(dialect, options);
    let (rows, summary) = inserts(options);
    statements.extend(rows);
    // Statistics, as a live warehouse has them: without them PostgreSQL plans the freshly
    // loaded tables as if they were empty.
    statements.push("ANALYZE".to_owned());
    let result = pool.get().execute_all(&statements).await;
    pool.close().await;
    result.map(|()| summary)
}

/// Runs `statements` against the database at `url`, in one transaction (for tests: updating
/// rows, adding bad ones).
pub async fn execute(url: &str, statements: &[String]) -> Result<(), sqlx::Error> {
    let pool = open(url)?;
    let result = pool.get().execute_all(statements).await;
    pool.close().await;
    result
}

fn open(url: &str) -> Result<LazyPool, sqlx::Error> {
    db::pool(
        url,
        std::time::Duration::from_secs(30),
        "synthetic warehouse",
    )
    .map_err(|e| sqlx::Error::Configuration(e.to_string().into()))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_rows_and_postcodes_are_valid() {
        let options = SyntheticOptions::default();
        assert_eq!(inserts(&options), inserts(&options));
        let other = SyntheticOptions {
            seed: 7,
            ..SyntheticOptions::default()
        };
        assert_ne!(inserts(&options).0, inserts(&other).0);
        for k in 0..500 {
            familygraph_domain::Postcode::parse("p", &postcode(k)).unwrap();
        }
        assert_eq!(
            ddl(Dialect::Sqlite, &options).len(),
            ddl(Dialect::Postgres, &options).len()
        );
    }
}
