//! The warehouse source against real databases: a SQLite file and a private PostgreSQL
//! database (`fgwh_<random>` on the shared server, dropped afterwards), both built by the
//! synthetic warehouse builder. The SDK's conformance kit, incremental pulls, record mapping
//! and bad rows.
//!
//! PostgreSQL is reached at `FAMILYGRAPH_TEST_POSTGRES` (default
//! `postgres://postgres@127.0.0.1:5432`); its tests are skipped only when that variable is
//! unset and nothing listens on 127.0.0.1:5432.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

use familygraph_adapter_liquidlogic::warehouse::synthetic::{self, SyntheticOptions};
use familygraph_adapter_liquidlogic::warehouse::{UrlSecret, WarehouseConfig, WarehouseSource};
use familygraph_adapter_sdk::testkit::{self, Fixture};
use familygraph_adapter_sdk::{
    AssessmentKind, CanonicalRecord, CasePlanKind, Cursor, EpisodeKind, ErrorClass, PartialDate,
    SourceAdapter, sync,
};
use familygraph_domain::Sex;
use sqlx::Connection;

const CHILDREN: u32 = 10;
const SYSTEM: &str = "county-lcs";

/// Records a synthetic warehouse of `children` children gives (see `synthetic::inserts`).
fn expected_records(children: u32) -> usize {
    let c = children as usize;
    let count = |f: &dyn Fn(u32) -> bool| (1..=children).filter(|n| f(*n)).count();
    synthetic::WORKERS as usize      // professionals
        + c + c.div_ceil(2)          // children and mothers
        + c                          // CHI relations (SIB ones are skipped)
        + c                          // contacts
        + c                          // referrals
        + count(&|n| n % 3 == 1)     // early help
        + c                          // assessments
        + count(&|n| n % 2 == 0)     // CIN plans
        + 3 * count(&|n| n % 3 == 0) // s47, conference, CP plan
        + c + count(&|n| n % 4 == 0) // involvements
}

/// Where the test databases live.
enum Server {
    Sqlite(tempfile::TempDir),
    Postgres { server: String, made: Vec<String> },
}

fn postgres_server() -> Option<String> {
    match std::env::var("FAMILYGRAPH_TEST_POSTGRES") {
        Ok(url) => Some(url.trim_end_matches('/').to_owned()),
        Err(_) => std::net::TcpStream::connect_timeout(
            &"127.0.0.1:5432".parse().unwrap(),
            std::time::Duration::from_secs(1),
        )
        .ok()
        .map(|_| "postgres://postgres@127.0.0.1:5432".to_owned()),
    }
}

impl Server {
    fn sqlite() -> Self {
        Self::Sqlite(tempfile::tempdir().unwrap())
    }

    fn postgres() -> Option<Self> {
        match postgres_server() {
            Some(server) => Some(Self::Postgres {
                server,
                made: Vec::new(),
            }),
            None => {
                eprintln!(
                    "skipping PostgreSQL: FAMILYGRAPH_TEST_POSTGRES unset and nothing on 127.0.0.1:5432"
                );
                None
            }
        }
    }

    /// A new database named after `tag`, holding the synthetic warehouse and then `extra`.
    async fn database(
        &mut self,
        tag: &str,
        options: &SyntheticOptions,
        extra: &[String],
    ) -> String {
        let url = match self {
            Self::Sqlite(dir) => format!(
                "sqlite://{}?mode=rwc",
                dir.path().join(format!("{tag}.sqlite")).display()
            ),
            Self::Postgres { server, made } => {
                let name = format!("fgwh_{}_{tag}", uuid_like());
                let mut admin = sqlx::PgConnection::connect(&format!("{server}/postgres"))
                    .await
                    .unwrap();
                sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE \"{name}\"")))
                    .execute(&mut admin)
                    .await
                    .unwrap();
                admin.close().await.unwrap();
                made.push(name.clone());
                format!("{server}/{name}")
            }
        };
        synthetic::build(&url, options).await.unwrap();
        if !extra.is_empty() {
            synthetic::execute(&url, extra).await.unwrap();
        }
        url
    }

    fn dead_url(&self) -> (String, ErrorClass) {
        match self {
            Self::Sqlite(dir) => (
                format!(
                    "sqlite://{}?mode=ro",
                    dir.path().join("missing/none.sqlite").display()
                ),
                ErrorClass::Permanent,
            ),
            // Nothing listens on port 9: connection refused until the (1 s) timeout.
            Self::Postgres { .. } => (
                "postgres://postgres@127.0.0.1:9/none".to_owned(),
                ErrorClass::Retryable,
            ),
        }
    }

    async fn drop_all(&mut self) {
        if let Self::Postgres { server, made } = self {
            let mut admin = sqlx::PgConnection::connect(&format!("{server}/postgres"))
                .await
                .unwrap();
            for name in made.drain(..) {
                sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
                    "DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"
                )))
                .execute(&mut admin)
                .await
                .unwrap();
            }
            admin.close().await.unwrap();
        }
    }
}

/// Drops the PostgreSQL databases a test made even when it panics before `drop_all`.
impl Drop for Server {
    fn drop(&mut self) {
        let Self::Postgres { server, made } = self else {
            return;
        };
        if made.is_empty() {
            return;
        }
        let (server, made) = (server.clone(), std::mem::take(made));
        let _ = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async {
                let mut again = Server::Postgres { server, made };
                again.drop_all().await;
            });
        })
        .join();
    }
}

fn uuid_like() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!("{:x}{:x}", nanos, std::process::id())
}

/// Writes `url` to a secret file and returns an adapter configuration reading it.
fn config(dir: &Path, tag: &str, url: &str, page_size: usize) -> WarehouseConfig {
    let file: PathBuf = dir.join(format!("{tag}.url"));
    std::fs::write(&file, url).unwrap();
    WarehouseConfig {
        name: SYSTEM.to_owned(),
        url: UrlSecret::File(file),
        schema: None,
        table_prefix: String::new(),
        page_size,
        connect_timeout_seconds: 1,
    }
}

struct WarehouseFixture {
    live: WarehouseConfig,
    poisoned: WarehouseConfig,
    dead: WarehouseConfig,
    dead_class: ErrorClass,
}

impl Fixture for WarehouseFixture {
    fn live(&self) -> Box<dyn SourceAdapter> {
        Box::new(WarehouseSource::new(self.live.clone()).unwrap())
    }
    fn poisoned(&self) -> Box<dyn SourceAdapter> {
        Box::new(WarehouseSource::new(self.poisoned.clone()).unwrap())
    }
    fn poisoned_location(&self) -> String {
        "FACT_CONTACTS#77777".to_owned()
    }
    fn dead(&self) -> Box<dyn SourceAdapter> {
        Box::new(WarehouseSource::new(self.dead.clone()).unwrap())
    }
    fn dead_class(&self) -> ErrorClass {
        self.dead_class
    }
}

/// A bad contact for an existing child: an unknown contact source code.
fn poison() -> Vec<String> {
    vec![format!(
        "INSERT INTO \"FACT_CONTACTS\" (\"FACT_CONTACT_ID\", \"DIM_PERSON_ID\", \"CONTACT_DTTM\", \
         \"DIM_LOOKUP_CONT_SORC_ID_CODE\", \"LAST_UPDATED_DTTM\") VALUES \
         (77777, {}, '2024-03-01 00:00:00', 'ZZ', '2024-04-01 08:01:05')",
        synthetic::child_id(4)
    )]
}

async fn conformance(mut server: Server) {
    let secrets = tempfile::tempdir().unwrap();
    let options = SyntheticOptions {
        children: CHILDREN,
        ..Default::default()
    };
    let live = server.database("live", &options, &[]).await;
    let poisoned = server.database("poisoned", &options, &poison()).await;
    let (dead, dead_class) = server.dead_url();
    // The kit builds a fresh adapter (a new connection) for most of its ~150 pulls; a TLS
    // handshake with the local server costs ~0.2 s each, so the kit connects in clear when the
    // server URL allows (the other tests keep the driver's default, TLS preferred).
    let plain = |url: String| match &server {
        Server::Postgres { .. } if !url.contains('?') => format!("{url}?sslmode=disable"),
        _ => url,
    };
    let fixture = WarehouseFixture {
        live: config(secrets.path(), "live", &plain(live), 13),
        poisoned: config(secrets.path(), "poisoned", &plain(poisoned), 13),
        dead: config(secrets.path(), "dead", &dead, 13),
        dead_class,
    };
    let started = std::time::Instant::now();
    let report = testkit::check_all(&fixture).await;
    server.drop_all().await;
    let report = report.unwrap();
    eprintln!("conformance: {report:?} in {:?}", started.elapsed());
    assert_eq!(report.records, expected_records(CHILDREN));
    assert_eq!(report.rejected, 0);
    assert!(report.batches >= 7, "{report:?}");
    assert!(
        report
            .poisoned_rejection
            .reason
            .contains("DIM_LOOKUP_CONT_SORC_ID_CODE")
    );
}

#[tokio::test]
async fn conforms_on_sqlite() {
    conformance(Server::sqlite()).await;
}

#[tokio::test]
async fn conforms_on_postgres() {
    if let Some(server) = Server::postgres() {
        conformance(server).await;
    }
}

fn keys(run: &sync::Run) -> Vec<String> {
    run.records
        .iter()
        .map(|r| r.record.record_key().to_string())
        .collect()
}

async fn incremental(mut server: Server) {
    let secrets = tempfile::tempdir().unwrap();
    let options = SyntheticOptions {
        children: CHILDREN,
        ..Default::default()
    };
    let url = server.database("delta", &options, &[]).await;
    let adapter = WarehouseSource::new(config(secrets.path(), "delta", &url, 11)).unwrap();
    let first = sync::pull_to_end(&adapter, None, 100).await.unwrap();
    assert_eq!(first.records.len(), expected_records(CHILDREN));
    let watermark = first.final_cursor().cloned().unwrap();

    // Nothing changed: nothing comes back.
    let idle = sync::pull_to_end(&adapter, Some(watermark.clone()), 100)
        .await
        .unwrap();
    assert!(idle.records.is_empty(), "{:?}", keys(&idle));

    // Change a contact, an address (its person comes back), an answer (its assessment comes
    // back), add a child with a contact; one row is edited without a later timestamp.
    let later = "'2030-01-02 03:04:05'";
    let new_child = synthetic::child_id(500);
    synthetic::execute(
        &url,
        &[
            format!(
                "UPDATE \"FACT_CONTACTS\" SET \"OUTCOME_COMMENTS\" = 'Updated', \"LAST_UPDATED_DTTM\" = {later} \
                 WHERE \"FACT_CONTACT_ID\" = {}",
                synthetic::contact_id(3)
            ),
            format!(
                "UPDATE \"DIM_PERSON_ADDRESS\" SET \"POSTCODE\" = 'ZZ1 1AA', \"LAST_UPDATED_DTTM\" = {later} \
                 WHERE \"DIM_PERSON_ID\" = {} AND \"END_DTTM\" IS NULL",
                synthetic::child_id(5)
            ),
            format!(
                "UPDATE \"FACT_FORM_ANSWERS\" SET \"ANSWER\" = '2024-12-24 00:00:00', \"LAST_UPDATED_DTTM\" = {later} \
                 WHERE \"FACT_FORM_ID\" = 45006 AND \"ANSWER_NO\" = 'FormEndDate'"
            ),
            format!(
                "INSERT INTO \"DIM_PERSON\" (\"DIM_PERSON_ID\", \"FORENAME\", \"SURNAME\", \"GENDER_MAIN_CODE\", \
                 \"BIRTH_DTTM\", \"LAST_UPDATED_DTTM\") VALUES ({new_child}, 'Iris', 'Newby', 'F', '2019-06-01 00:00:00', {later})"
            ),
            format!(
                "INSERT INTO \"FACT_CONTACTS\" (\"FACT_CONTACT_ID\", \"DIM_PERSON_ID\", \"CONTACT_DTTM\", \
                 \"LAST_UPDATED_DTTM\") VALUES (88888, {new_child}, '2029-12-31 00:00:00', {later})"
            ),
            "UPDATE \"FACT_REFERRALS\" SET \"OUTCOME_COMMENTS\" = 'unseen' WHERE \"FACT_REFERRAL_ID\" = 20001"
                .to_owned(),
        ],
    )
    .await
    .unwrap();
    let delta = sync::pull_to_end(&adapter, Some(watermark.clone()), 100)
        .await
        .unwrap();
    let mut got = keys(&delta);
    got.sort();
    let mut want = vec![
        format!("person/{SYSTEM}/{}", synthetic::child_id(5)),
        format!("person/{SYSTEM}/{new_child}"),
        format!(
            "contact/{SYSTEM}/FACT_CONTACTS/{}",
            synthetic::contact_id(3)
        ),
        format!("contact/{SYSTEM}/FACT_CONTACTS/88888"),
        format!("assessment/{SYSTEM}/FACT_SINGLE_ASSESSMENT/40006"),
    ];
    want.sort();
    assert_eq!(got, want);
    // The new child's person record comes before its contact.
    let order = keys(&delta);
    let person_at = order
        .iter()
        .position(|k| k.ends_with(&new_child.to_string()))
        .unwrap();
    let contact_at = order.iter().position(|k| k.ends_with("/88888")).unwrap();
    assert!(person_at < contact_at, "{order:?}");
    let contact = delta
        .records
        .iter()
        .find_map(|r| match &r.record {
            CanonicalRecord::Contact(c)
                if c.source.id.ends_with(&synthetic::contact_id(3).to_string()) =>
            {
                Some(c)
            }
            _ => None,
        })
        .unwrap();
    assert!(contact.outcome.as_deref().unwrap().contains("Updated"));
    let person = delta
        .records
        .iter()
        .find_map(|r| match &r.record {
            CanonicalRecord::Person(p) if p.source.id == synthetic::child_id(5).to_string() => {
                Some(p)
            }
            _ => None,
        })
        .unwrap();
    assert_eq!(person.postcode.as_ref().unwrap().as_str(), "ZZ1 1AA");
    let assessment = delta
        .records
        .iter()
        .find_map(|r| match &r.record {
            CanonicalRecord::Assessment(a) => Some(a),
            _ => None,
        })
        .unwrap();
    assert_eq!(assessment.end_date.unwrap().to_string(), "2024-12-24");

    // From the new watermark, nothing again; from the old one, the same delta.
    let after = sync::pull_to_end(&adapter, delta.final_cursor().cloned(), 100)
        .await
        .unwrap();
    assert!(after.records.is_empty(), "{:?}", keys(&after));
    let again = sync::pull_to_end(&adapter, Some(watermark), 100)
        .await
        .unwrap();
    assert_eq!(keys(&again), keys(&delta));
    assert_eq!(again.cursors, delta.cursors);
    adapter.close().await;
    server.drop_all().await;
}

/// A child added while a run is past the person phase is not half-given: neither its person
/// nor its contact comes in that run; both come, person first, in the next.
async fn changes_during_a_run(mut server: Server) {
    let secrets = tempfile::tempdir().unwrap();
    let options = SyntheticOptions {
        children: CHILDREN,
        ..Default::default()
    };
    let url = server.database("during", &options, &[]).await;
    let adapter = WarehouseSource::new(config(secrets.path(), "during", &url, 11)).unwrap();
    let mut cursor: Option<Cursor> = None;
    let mut seen = Vec::new();
    let mut inserted = false;
    let watermark = loop {
        let batch = adapter.pull(cursor.as_ref()).await.unwrap();
        seen.extend(
            batch
                .records
                .iter()
                .map(|r| r.record.record_key().to_string()),
        );
        let next = batch.next_cursor.clone().unwrap();
        if batch.done {
            break next;
        }
        if !inserted && next.as_str().contains("\"t\":\"FACT_CONTACTS\"") {
            synthetic::execute(
                &url,
                &[
                    "INSERT INTO \"DIM_PERSON\" (\"DIM_PERSON_ID\", \"LAST_UPDATED_DTTM\") \
                     VALUES (1000600, '2031-01-01 00:00:00')"
                        .to_owned(),
                    "INSERT INTO \"FACT_CONTACTS\" (\"FACT_CONTACT_ID\", \"DIM_PERSON_ID\", \
                     \"CONTACT_DTTM\", \"LAST_UPDATED_DTTM\") \
                     VALUES (66666, 1000600, '2030-12-31 00:00:00', '2031-01-01 00:00:00')"
                        .to_owned(),
                ],
            )
            .await
            .unwrap();
            inserted = true;
        }
        cursor = Some(next);
    };
    assert!(inserted);
    assert_eq!(seen.len(), expected_records(CHILDREN));
    assert!(
        !seen
            .iter()
            .any(|k| k.contains("1000600") || k.contains("66666"))
    );
    let next = sync::pull_to_end(&adapter, Some(watermark), 10)
        .await
        .unwrap();
    assert_eq!(
        keys(&next),
        vec![
            format!("person/{SYSTEM}/1000600"),
            format!("contact/{SYSTEM}/FACT_CONTACTS/66666")
        ]
    );
    adapter.close().await;
    server.drop_all().await;
}

#[tokio::test]
async fn changes_during_a_run_wait_on_sqlite() {
    changes_during_a_run(Server::sqlite()).await;
}

#[tokio::test]
async fn changes_during_a_run_wait_on_postgres() {
    if let Some(server) = Server::postgres() {
        changes_during_a_run(server).await;
    }
}

#[tokio::test]
async fn incremental_on_sqlite() {
    incremental(Server::sqlite()).await;
}

#[tokio::test]
async fn incremental_on_postgres() {
    if let Some(server) = Server::postgres() {
        incremental(server).await;
    }
}

async fn mapping(mut server: Server) {
    let secrets = tempfile::tempdir().unwrap();
    let options = SyntheticOptions {
        children: CHILDREN,
        ..Default::default()
    };
    let url = server.database("mapping", &options, &[]).await;
    let adapter = WarehouseSource::new(config(secrets.path(), "mapping", &url, 500)).unwrap();
    let health = adapter.health().await.unwrap();
    assert!(
        health.detail.contains("17 Child_Social tables"),
        "{health:?}"
    );
    let run = sync::pull_to_end(&adapter, None, 10).await.unwrap();
    assert!(run.rejected.is_empty(), "{:?}", run.rejected);
    let find = |id: &str| {
        run.records
            .iter()
            .find(|r| r.record.source().id == id)
            .unwrap_or_else(|| panic!("no record {id}"))
    };
    let child = synthetic::child_id(3).to_string();
    let located = find(&child);
    assert_eq!(located.location.to_string(), format!("DIM_PERSON#{child}"));
    let CanonicalRecord::Person(person) = &located.record else {
        panic!("not a person")
    };
    assert_eq!(person.source.system, SYSTEM);
    assert_eq!(person.names[0].family.as_deref(), Some("Mockford"));
    assert!(matches!(person.sex, Some(Sex::Male | Sex::Female)));
    assert!(matches!(person.birth_date, Some(PartialDate::Date(_))));
    assert_eq!(
        person
            .nhs_number
            .as_ref()
            .map(|n| n.number.as_str().to_owned()),
        familygraph_adapter_liquidlogic::ssd::synthetic::nhs_number(3)
    );
    assert!(person.upn.is_some());
    assert_eq!(person.case_system_id.as_ref().unwrap().as_str(), child);
    // Child 3 moved: an ended address and the open one, whose postcode is the person's.
    assert_eq!(person.addresses.len(), 2);
    assert!(person.addresses[0].ended && !person.addresses[1].ended);
    assert_eq!(person.postcode, person.addresses[1].postcode);
    let CanonicalRecord::FamilyMembership(family) = &find("FACT_PERSON_RELATION/6000003").record
    else {
        panic!()
    };
    assert_eq!(family.person.id, child);
    assert_eq!(
        family.family_id,
        format!("parent:{}", synthetic::mother_id(3))
    );
    assert!(
        run.records
            .iter()
            .all(|r| !r.record.source().id.starts_with("FACT_PERSON_RELATION/65"))
    );
    let CanonicalRecord::Contact(contact) = &find("FACT_CONTACTS/10003").record else {
        panic!()
    };
    assert_eq!(contact.person.id, child);
    assert!(contact.contact_source.is_some());
    let outcome: serde_json::Value =
        serde_json::from_str(contact.outcome.as_deref().unwrap()).unwrap();
    assert_eq!(outcome["NEW_REFERRAL_FLAG"], "Y");
    assert_eq!(outcome["NFA_FLAG"], "N");
    let CanonicalRecord::Episode(referral) = &find("FACT_REFERRALS/20003").record else {
        panic!()
    };
    assert_eq!(referral.episode_kind, EpisodeKind::ChildInNeed);
    assert_eq!(referral.closure_reason.map(|c| c.code()), Some("RC7"));
    assert_eq!(referral.no_further_action, Some(false));
    assert!(referral.primary_need.is_some());
    assert!(referral.team.is_some());
    assert_eq!(referral.worker.as_ref().unwrap().id, "DIM_WORKER/104");
    let CanonicalRecord::Episode(early_help) = &find("FACT_CAF_EPISODE/30004").record else {
        panic!()
    };
    assert_eq!(early_help.episode_kind, EpisodeKind::EarlyHelp);
    let CanonicalRecord::Assessment(assessment) = &find("FACT_SINGLE_ASSESSMENT/40003").record
    else {
        panic!()
    };
    assert_eq!(assessment.assessment_kind, AssessmentKind::ChildAndFamily);
    assert_eq!(
        assessment.episode.as_ref().unwrap().id,
        "FACT_REFERRALS/20003"
    );
    assert!(assessment.end_date.is_some());
    assert!(!assessment.factors.is_empty());
    assert!(
        !assessment.factors.iter().any(|f| f.code() == "24A"),
        "answered No"
    );
    let CanonicalRecord::Assessment(s47) = &find("FACT_S47/60003").record else {
        panic!()
    };
    assert_eq!(s47.assessment_kind, AssessmentKind::Section47Enquiry);
    let CanonicalRecord::Assessment(icpc) = &find("FACT_CP_CONFERENCE/70003").record else {
        panic!()
    };
    assert_eq!(
        icpc.assessment_kind,
        AssessmentKind::InitialChildProtectionConference
    );
    assert_eq!(icpc.child_protection_plan, Some(true));
    let CanonicalRecord::CasePlan(cp) = &find("FACT_CP_PLAN/80003").record else {
        panic!()
    };
    assert_eq!(cp.plan_kind, CasePlanKind::ChildProtection);
    assert!(cp.initial_category.is_some());
    assert_eq!(cp.review_dates.len(), 1);
    let CanonicalRecord::CasePlan(cin) = &find("FACT_CARE_PLAN_SUMMARY/50004").record else {
        panic!()
    };
    assert_eq!(cin.plan_kind, CasePlanKind::ChildInNeed);
    let CanonicalRecord::Involvement(partner) = &find("FACT_INVOLVEMENTS/95004").record else {
        panic!()
    };
    assert_eq!(partner.role.as_deref(), Some("KASCHO"));
    let CanonicalRecord::Professional(worker) = &find("DIM_WORKER/101").record else {
        panic!()
    };
    assert_eq!(worker.team.as_deref(), Some("Locality Team North"));
    assert_eq!(worker.registration_number.as_deref(), Some("SW900001"));
    // Every child's person record comes before its case records.
    for (i, r) in run.records.iter().enumerate() {
        let person = match &r.record {
            CanonicalRecord::Contact(c) => &c.person,
            CanonicalRecord::Episode(e) => &e.person,
            CanonicalRecord::Assessment(a) => &a.person,
            CanonicalRecord::CasePlan(p) => &p.person,
            CanonicalRecord::Involvement(v) => &v.person,
            CanonicalRecord::FamilyMembership(f) => &f.person,
            _ => continue,
        };
        let at = run
            .records
            .iter()
            .position(|p| p.record.kind() == "person" && p.record.source().id == person.id);
        assert!(
            at.is_some_and(|at| at < i),
            "{} before its person",
            r.record.record_key()
        );
    }
    adapter.close().await;
    server.drop_all().await;
}

#[tokio::test]
async fn maps_records_on_sqlite() {
    mapping(Server::sqlite()).await;
}

#[tokio::test]
async fn maps_records_on_postgres() {
    if let Some(server) = Server::postgres() {
        mapping(server).await;
    }
}

/// Bad rows in SQLite (where a `_DTTM` column can hold an impossible date).
#[tokio::test]
async fn bad_rows_are_rejected_with_their_location_and_the_rest_kept() {
    let mut server = Server::sqlite();
    let secrets = tempfile::tempdir().unwrap();
    let options = SyntheticOptions {
        children: CHILDREN,
        ..Default::default()
    };
    let bad_nhs = "9990000019";
    let ts = "'2024-04-01 08:00:30'";
    let url = server
        .database(
            "bad",
            &options,
            &[
                format!(
                    "INSERT INTO \"DIM_PERSON\" (\"DIM_PERSON_ID\", \"NHS_NUMBER\", \"LAST_UPDATED_DTTM\") \
                     VALUES (1000901, '{bad_nhs}', {ts})"
                ),
                format!(
                    "INSERT INTO \"FACT_CONTACTS\" (\"FACT_CONTACT_ID\", \"DIM_PERSON_ID\", \"CONTACT_DTTM\", \
                     \"LAST_UPDATED_DTTM\") VALUES (70001, 1000002, '2023-02-30 00:00:00', {ts})"
                ),
                format!(
                    "INSERT INTO \"FACT_REFERRALS\" (\"FACT_REFERRAL_ID\", \"DIM_PERSON_ID\", \"REFRL_START_DTTM\", \
                     \"DIM_LOOKUP_CATEGORY_OF_NEED_CODE\", \"LAST_UPDATED_DTTM\") VALUES (70002, 1000002, '2024-01-01', 'N42', {ts})"
                ),
                format!(
                    "INSERT INTO \"FACT_INVOLVEMENTS\" (\"FACT_INVOLVEMENTS_ID\", \"DIM_PERSON_ID\", \"DIM_WORKER_ID\", \
                     \"START_DTTM\", \"LAST_UPDATED_DTTM\") VALUES (70003, 1099999, 101, '2024-01-01', {ts})"
                ),
                format!(
                    "INSERT INTO \"FACT_S47\" (\"FACT_S47_ID\", \"DIM_PERSON_ID\", \"START_DTTM\", \"OUTCOME_NFA_FLAG\", \
                     \"LAST_UPDATED_DTTM\") VALUES (70004, 1000002, '2024-01-01', 'maybe', {ts})"
                ),
                format!(
                    "INSERT INTO \"FACT_PERSON_RELATION\" (\"FACT_PERSON_RELATION_ID\", \"DIM_PERSON_ID\", \
                     \"DIM_RELATED_PERSON_ID\", \"DIM_LOOKUP_RELTN_TYPE_CODE\", \"LAST_UPDATED_DTTM\") \
                     VALUES (70005, 1000002, 1000003, 'XYZ', {ts})"
                ),
                format!(
                    "INSERT INTO \"FACT_CP_REVIEW\" (\"FACT_CP_REVIEW_ID\", \"FACT_CP_PLAN_ID\", \"MEETING_DTTM\", \
                     \"LAST_UPDATED_DTTM\") VALUES (70006, 80003, '2024-13-01', {ts})"
                ),
            ],
        )
        .await;
    let adapter = WarehouseSource::new(config(secrets.path(), "bad", &url, 9)).unwrap();
    let run = sync::pull_to_end(&adapter, None, 100).await.unwrap();
    let rejected: Vec<(String, String)> = run
        .rejected
        .iter()
        .map(|r| (r.location.to_string(), r.reason.clone()))
        .collect();
    let reason = |location: &str| {
        rejected
            .iter()
            .find(|(l, _)| l == location)
            .map(|(_, r)| r.clone())
            .unwrap_or_else(|| panic!("no rejection at {location}: {rejected:?}"))
    };
    assert!(reason("DIM_PERSON#1000901").contains("NHS_NUMBER"));
    assert!(reason("FACT_CONTACTS#70001").contains("not a possible date"));
    assert!(reason("FACT_REFERRALS#70002").contains("DIM_LOOKUP_CATEGORY_OF_NEED_CODE"));
    assert!(reason("FACT_INVOLVEMENTS#70003").contains("orphan"));
    assert!(reason("FACT_S47#70004").contains("not a flag"));
    assert!(reason("FACT_PERSON_RELATION#70005").contains("relation code"));
    assert!(reason("FACT_CP_REVIEW#70006").contains("plan 80003 not given"));
    assert_eq!(rejected.len(), 7, "{rejected:?}");
    assert!(rejected.iter().all(|(_, r)| !r.contains(bad_nhs)));
    // Every good record is kept; the plan with the bad review is not given.
    assert_eq!(run.records.len(), expected_records(CHILDREN) - 1);
    assert!(
        !run.records
            .iter()
            .any(|r| r.record.source().id == "FACT_CP_PLAN/80003")
    );
    // A cursor from elsewhere is refused, not read as the start.
    let err = adapter
        .pull(Some(&Cursor::new("groups:3")))
        .await
        .unwrap_err();
    assert_eq!(err.class(), ErrorClass::Permanent);
    adapter.close().await;
    server.drop_all().await;
}

/// The configuration keeps the URL out of errors and debug output.
#[tokio::test]
async fn the_connection_url_is_never_shown() {
    let secrets = tempfile::tempdir().unwrap();
    let url = "postgres://reader:s3cret-pass@127.0.0.1:9/warehouse";
    let adapter = WarehouseSource::new(config(secrets.path(), "secret", url, 5)).unwrap();
    assert!(!format!("{adapter:?}").contains("s3cret"));
    let err = adapter.pull(None).await.unwrap_err();
    assert!(err.is_retryable(), "{err}");
    assert!(!err.to_string().contains("s3cret"), "{err}");
    let err = adapter.health().await.unwrap_err();
    assert!(!err.to_string().contains("s3cret"), "{err}");
}

/// Throughput of whole runs over a larger synthetic warehouse (ignored by default:
/// `cargo test -p familygraph-adapter-liquidlogic --test warehouse --release -- --ignored
/// --nocapture throughput`).
#[tokio::test]
#[ignore = "a measurement, not a check"]
async fn throughput() {
    let children: u32 = std::env::var("FGWH_CHILDREN")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5_000);
    let mut servers = vec![Server::sqlite()];
    servers.extend(Server::postgres());
    for mut server in servers {
        let secrets = tempfile::tempdir().unwrap();
        let options = SyntheticOptions {
            children,
            ..Default::default()
        };
        let built = std::time::Instant::now();
        let url = server.database("throughput", &options, &[]).await;
        let built = built.elapsed();
        let adapter =
            WarehouseSource::new(config(secrets.path(), "throughput", &url, 500)).unwrap();
        let started = std::time::Instant::now();
        let run = sync::pull_to_end(&adapter, None, 100_000).await.unwrap();
        let elapsed = started.elapsed();
        assert_eq!(run.records.len(), expected_records(children));
        let idle = std::time::Instant::now();
        let delta = sync::pull_to_end(&adapter, run.final_cursor().cloned(), 10)
            .await
            .unwrap();
        assert!(delta.records.is_empty());
        eprintln!(
            "{:?}: {children} children, built in {built:?}; {} records in {} batches in {elapsed:?} \
             ({:.0} records/s); an empty delta run in {:?}",
            adapter.dialect(),
            run.records.len(),
            run.cursors.len(),
            run.records.len() as f64 / elapsed.as_secs_f64(),
            idle.elapsed()
        );
        adapter.close().await;
        server.drop_all().await;
    }
}
