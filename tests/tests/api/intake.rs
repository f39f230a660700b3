//! The intake core (`familygraph_intake`): adapter runs applied to a seeded database one child
//! per transaction — idempotent re-runs, a bad record rolling back only its own child, unknown
//! children rejected, persons linked by NHS number, look-alikes queued for review (never
//! merged silently), confirm → merge → undo restoring every row, audit rows — and the review
//! queue through GraphQL with real tokens.

use chrono::NaiveDate;
use familygraph_adapter_sdk::{
    AddressRecord, Batch, CanonicalRecord, Cursor, FamilyMembershipRecord, Located, Location,
    NhsNumberRecord, PartialDate, PersonName, PersonRecord, Rejection, SourceRef,
};
use familygraph_domain::{
    Disability, NhsNumber, NhsNumberVerificationStatus, Postcode, Principal, Role, Upn,
};
use familygraph_intake::{Intake, RunId, RunStatus, RunTrigger, identity};
use familygraph_tests::TestApp;
use sea_orm::{ConnectionTrait, Statement};
use serde_json::{Value, json};
use uuid::Uuid;

const SYSTEM: &str = "intake-core-test";

/// A synthetic NHS number in the test range (`999…`), from a serial well above the seed's.
fn nhs(serial: u32) -> NhsNumber {
    let mut serial = 970_000 + serial;
    loop {
        let nine = format!("999{serial:06}");
        let sum: u32 = nine
            .bytes()
            .zip((2..=10u32).rev())
            .map(|(b, w)| u32::from(b - b'0') * w)
            .sum();
        let check = match 11 - sum % 11 {
            11 => 0,
            10 => {
                serial += 1;
                continue;
            }
            c => c,
        };
        return NhsNumber::parse("nhs", &format!("{nine}{check}")).unwrap();
    }
}

/// A synthetic UPN (LA `999`) from a serial well above the seed's.
fn upn(serial: u32) -> Upn {
    Upn::with_check_letter(&format!("999{:09}", 870_000_000 + serial)).unwrap()
}

fn at(row: usize) -> Location {
    Location::document("people.json").at(format!("/{row}"))
}

fn person(id: &str, given: &str, family: &str, born: Option<NaiveDate>) -> PersonRecord {
    PersonRecord {
        source: SourceRef::new(SYSTEM, id),
        names: vec![PersonName {
            name_use: None,
            family: Some(family.to_owned()),
            given: vec![given.to_owned()],
        }],
        birth_date: born.map(PartialDate::from),
        ..Default::default()
    }
}

trait IntoRecord {
    fn record(self) -> CanonicalRecord;
}

impl IntoRecord for PersonRecord {
    fn record(self) -> CanonicalRecord {
        CanonicalRecord::Person(self)
    }
}

impl IntoRecord for FamilyMembershipRecord {
    fn record(self) -> CanonicalRecord {
        CanonicalRecord::FamilyMembership(self)
    }
}

fn loc<R: IntoRecord>(row: usize, record: R) -> Located<CanonicalRecord> {
    Located::new(at(row), record.record())
}

fn membership(id: &str, child: &str, family: &str) -> FamilyMembershipRecord {
    FamilyMembershipRecord {
        source: SourceRef::new(SYSTEM, id),
        person: SourceRef::new(SYSTEM, child),
        family_id: family.to_owned(),
    }
}

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn batch(records: Vec<Located<CanonicalRecord>>) -> Batch {
    Batch {
        records,
        rejected: Vec::new(),
        next_cursor: None,
        done: true,
    }
}

async fn import(app: &TestApp, records: Vec<Located<CanonicalRecord>>) -> (RunId, Intake) {
    let intake = Intake::new(app.db.clone());
    let run = intake
        .start_run("intake-core-test", RunTrigger::CommandLine, "operator-test")
        .await
        .unwrap();
    intake.apply_batch(run, batch(records)).await.unwrap();
    (run, intake)
}

fn administrator() -> Principal {
    Principal {
        subject: "reviewer-test".to_owned(),
        client_id: None,
        roles: vec![Role::Administrator],
        team: None,
        school_urn: None,
        agency: None,
    }
}

async fn scalar(app: &TestApp, sql: &str) -> i64 {
    app.count(sql).await
}

/// `sql` with `$1`, `$2`… placeholders (used once each, in order) for the app's backend.
fn statement(app: &TestApp, sql: &str, values: Vec<sea_orm::Value>) -> Statement {
    let backend = app.db.get_database_backend();
    let sql = if backend == sea_orm::DbBackend::Postgres {
        sql.to_owned()
    } else {
        let mut out = sql.to_owned();
        for n in (1..=9).rev() {
            out = out.replace(&format!("${n}"), "?");
        }
        out
    };
    Statement::from_sql_and_values(backend, sql, values)
}

/// A scalar count with bound values.
async fn count_of(app: &TestApp, sql: &str, values: Vec<sea_orm::Value>) -> i64 {
    app.db
        .query_one_raw(statement(app, sql, values))
        .await
        .unwrap()
        .unwrap()
        .try_get_by_index::<i64>(0)
        .unwrap()
}

async fn uuid_of(app: &TestApp, sql: &str, values: Vec<sea_orm::Value>) -> Option<Uuid> {
    app.db
        .query_one_raw(statement(app, sql, values))
        .await
        .unwrap()
        .map(|row| row.try_get_by_index::<Uuid>(0).unwrap())
}

/// The person a source id of [`SYSTEM`] became.
async fn imported(app: &TestApp, id: &str) -> Option<Uuid> {
    uuid_of(
        app,
        &format!(
            "SELECT entity_id FROM source_record WHERE record_kind = 'person' \
             AND source_system = '{SYSTEM}' AND source_id = '{id}'"
        ),
        Vec::new(),
    )
    .await
}

/// Row counts of every table intake writes.
async fn table_counts(app: &TestApp) -> Vec<(String, i64)> {
    let mut out = Vec::new();
    for table in [
        "person",
        "person_identifier",
        "person_disability",
        "address",
        "family",
        "family_member",
        "source_record",
        "identity_candidate",
    ] {
        out.push((
            table.to_owned(),
            scalar(app, &format!("SELECT COUNT(*) FROM {table}")).await,
        ));
    }
    out
}

/// Every (table, id) of rows naming `person`, sorted: what a merge must put back exactly.
async fn rows_of(app: &TestApp, person: Uuid) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (table, column) in [
        ("person_identifier", "person_id"),
        ("person_disability", "person_id"),
        ("address", "person_id"),
        ("family_member", "person_id"),
        ("source_record", "person_id"),
    ] {
        let rows = app
            .db
            .query_all_raw(statement(
                app,
                &format!("SELECT id FROM {table} WHERE {column} = $1"),
                vec![person.into()],
            ))
            .await
            .unwrap();
        for row in rows {
            out.push((
                table.to_owned(),
                row.try_get_by_index::<Uuid>(0).unwrap().to_string(),
            ));
        }
    }
    out.sort();
    out
}

#[tokio::test]
async fn re_applying_a_batch_changes_nothing() {
    let app = TestApp::start().await;
    let mut child = person("r-1", "Oriel", "Testbridge", Some(day(2016, 4, 2)));
    child.nhs_number = Some(NhsNumberRecord {
        number: nhs(1),
        verification: Some(NhsNumberVerificationStatus::Verified),
    });
    child.upn = Some(upn(1));
    child.disabilities = vec![Disability::Hearing];
    child.addresses = vec![AddressRecord {
        lines: vec!["1 Example Row".to_owned()],
        city: Some("Leeds".to_owned()),
        postcode: Some(Postcode::parse("postcode", "LS1 1AA").unwrap()),
        address_use: Some("home".to_owned()),
        ended: false,
    }];
    let records = vec![
        loc(0, child.clone()),
        loc(1, membership("m-1", "r-1", "fam-1")),
        loc(2, person("r-2", "Petra", "Testbridge", None)),
        loc(3, membership("m-2", "r-2", "fam-1")),
    ];

    let intake = Intake::new(app.db.clone());
    let first = intake
        .start_run("intake-core-test", RunTrigger::CommandLine, "operator-test")
        .await
        .unwrap();
    let counts = intake
        .apply_batch(first, batch(records.clone()))
        .await
        .unwrap();
    assert_eq!(
        (
            counts.read,
            counts.created,
            counts.updated,
            counts.unchanged,
            counts.rejected
        ),
        (4, 4, 0, 0, 0)
    );
    let summary = intake.finish_run(first, None).await.unwrap();
    assert_eq!(summary.status, RunStatus::Succeeded);
    let after_first = table_counts(&app).await;
    let one = imported(&app, "r-1").await.unwrap();
    // NHS number and UPN, one disability, one address.
    assert_eq!(
        count_of(
            &app,
            "SELECT COUNT(*) FROM person_identifier WHERE person_id = $1",
            vec![one.into()]
        )
        .await,
        2
    );
    assert_eq!(
        count_of(
            &app,
            "SELECT COUNT(*) FROM person_disability WHERE person_id = $1",
            vec![one.into()]
        )
        .await,
        1
    );
    assert_eq!(
        count_of(
            &app,
            "SELECT COUNT(*) FROM address WHERE person_id = $1 AND postcode = 'LS1 1AA'",
            vec![one.into()]
        )
        .await,
        1
    );
    // Both children joined one family.
    let families = scalar(
        &app,
        &format!(
            "SELECT COUNT(DISTINCT family_id) FROM family_member fm JOIN source_record s \
             ON s.entity_id = fm.id WHERE s.source_system = '{SYSTEM}'"
        ),
    )
    .await;
    assert_eq!(families, 1);

    let second = intake
        .start_run("intake-core-test", RunTrigger::CommandLine, "operator-test")
        .await
        .unwrap();
    let counts = intake.apply_batch(second, batch(records)).await.unwrap();
    assert_eq!(
        (
            counts.read,
            counts.created,
            counts.updated,
            counts.unchanged,
            counts.rejected
        ),
        (4, 0, 0, 4, 0)
    );
    assert_eq!(table_counts(&app).await, after_first);

    // A changed record updates in place.
    let mut renamed = child;
    renamed.names[0].given = vec!["Orielle".to_owned()];
    let third = intake
        .start_run("intake-core-test", RunTrigger::CommandLine, "operator-test")
        .await
        .unwrap();
    let counts = intake
        .apply_batch(third, batch(vec![loc(0, renamed)]))
        .await
        .unwrap();
    assert_eq!(
        (counts.created, counts.updated, counts.unchanged),
        (0, 1, 0)
    );
    assert_eq!(
        count_of(
            &app,
            "SELECT COUNT(*) FROM person WHERE id = $1 AND given_name = 'Orielle'",
            vec![one.into()]
        )
        .await,
        1
    );
    assert_eq!(table_counts(&app).await, after_first);
}

#[tokio::test]
async fn a_bad_record_rolls_back_only_its_own_child() {
    let app = TestApp::start().await;
    let before = table_counts(&app).await;
    let intake = Intake::new(app.db.clone());
    let run = intake
        .start_run("intake-core-test", RunTrigger::CommandLine, "operator-test")
        .await
        .unwrap();
    let counts = intake
        .apply_batch(
            run,
            Batch {
                records: vec![
                    loc(0, person("a-1", "Ada", "Rollbackshire", None)),
                    loc(1, person("b-1", "Bea", "Rollbackshire", None)),
                    loc(2, membership("ma-1", "a-1", "fam-a")),
                    // An empty family id: child b-1 is refused as a whole.
                    loc(3, membership("mb-1", "b-1", "")),
                ],
                rejected: vec![Rejection::new(
                    Location::document("people.json").at("/9/birthDate"),
                    "birthDate: \"2021-02-30\" is not a possible date",
                )],
                next_cursor: Some(Cursor::new("page-2")),
                done: false,
            },
        )
        .await
        .unwrap();
    assert_eq!((counts.read, counts.created, counts.rejected), (5, 2, 3));
    assert!(imported(&app, "a-1").await.is_some());
    assert!(imported(&app, "b-1").await.is_none());
    assert_eq!(
        scalar(
            &app,
            "SELECT COUNT(*) FROM person WHERE given_name = 'Bea' AND family_name = 'Rollbackshire'"
        )
        .await,
        0
    );
    let summary = intake.finish_run(run, None).await.unwrap();
    assert_eq!(summary.status, RunStatus::SucceededWithRejections);
    assert_eq!(summary.cursor, Some(Cursor::new("page-2")));
    let where_why: Vec<(String, String)> = summary
        .rejections
        .iter()
        .map(|r| (r.location.to_string(), r.reason.clone()))
        .collect();
    assert_eq!(where_why.len(), 3, "{where_why:?}");
    assert_eq!(where_why[0].0, "people.json#/9/birthDate");
    assert_eq!(where_why[1].0, "people.json#/1");
    assert!(where_why[1].1.contains("people.json#/3"), "{where_why:?}");
    assert_eq!(where_why[2].0, "people.json#/3");
    assert!(where_why[2].1.contains("family_id"), "{where_why:?}");
    assert_eq!(
        intake.last_cursor("intake-core-test").await.unwrap(),
        Some(Cursor::new("page-2"))
    );

    // Nothing of child b-1 was kept: only a-1's person, membership and family are new.
    let after = table_counts(&app).await;
    let grew: Vec<(String, i64)> = before
        .iter()
        .zip(&after)
        .filter(|(b, a)| a.1 != b.1)
        .map(|(b, a)| (b.0.clone(), a.1 - b.1))
        .collect();
    assert_eq!(
        grew,
        vec![
            ("person".to_owned(), 1),
            ("family".to_owned(), 1),
            ("family_member".to_owned(), 1),
            ("source_record".to_owned(), 3),
        ]
    );
}

#[tokio::test]
async fn a_record_naming_an_unknown_child_is_rejected() {
    let app = TestApp::start().await;
    let (run, intake) = import(&app, vec![loc(0, membership("m-x", "nobody", "fam-x"))]).await;
    let summary = intake.finish_run(run, None).await.unwrap();
    assert_eq!(summary.counts.rejected, 1);
    assert!(
        summary.rejections[0].reason.starts_with("unknown child"),
        "{:?}",
        summary.rejections
    );

    // Known from an earlier run, the same child is found.
    let (_, _) = import(&app, vec![loc(0, person("nobody", "Now", "Known", None))]).await;
    let (run, intake) = import(&app, vec![loc(0, membership("m-x", "nobody", "fam-x"))]).await;
    let summary = intake.finish_run(run, None).await.unwrap();
    assert_eq!((summary.counts.created, summary.counts.rejected), (1, 0));
}

/// A seeded child with an NHS number: (person id, NHS number, given, family, date of birth).
async fn seeded_child_with_nhs(app: &TestApp) -> (Uuid, String, String, String, NaiveDate) {
    let row = app
        .db
        .query_one_raw(Statement::from_string(
            app.db.get_database_backend(),
            "SELECT p.id, i.value, p.given_name, p.family_name, p.date_of_birth FROM person p \
             JOIN person_identifier i ON i.person_id = p.id AND i.kind = 'NHS_NUMBER' \
             WHERE p.is_child AND p.date_of_birth IS NOT NULL ORDER BY p.id LIMIT 1"
                .to_owned(),
        ))
        .await
        .unwrap()
        .unwrap();
    (
        row.try_get_by_index(0).unwrap(),
        row.try_get_by_index(1).unwrap(),
        row.try_get_by_index(2).unwrap(),
        row.try_get_by_index(3).unwrap(),
        row.try_get_by_index(4).unwrap(),
    )
}

#[tokio::test]
async fn an_nhs_number_links_to_the_known_person() {
    let app = TestApp::start().await;
    let (id, number, _, _, _) = seeded_child_with_nhs(&app).await;
    let persons = scalar(&app, "SELECT COUNT(*) FROM person").await;
    let mut record = person("gp-1", "Someone", "Else", None);
    record.nhs_number = Some(NhsNumberRecord {
        number: NhsNumber::parse("nhs", &number).unwrap(),
        verification: None,
    });
    record.postcode = Some(Postcode::parse("postcode", "LS2 9ZZ").unwrap());
    let (run, intake) = import(&app, vec![loc(0, record)]).await;
    let summary = intake.finish_run(run, None).await.unwrap();
    assert_eq!(summary.counts.created, 0);
    assert_eq!(summary.counts.queued_for_review, 0);
    assert_eq!(scalar(&app, "SELECT COUNT(*) FROM person").await, persons);
    assert_eq!(imported(&app, "gp-1").await, Some(id));
    // The new postcode joined the known person; the names it had were kept.
    assert_eq!(
        count_of(
            &app,
            "SELECT COUNT(*) FROM address WHERE person_id = $1 AND postcode = 'LS2 9ZZ'",
            vec![id.into()],
        )
        .await,
        1
    );
    assert_eq!(
        count_of(
            &app,
            "SELECT COUNT(*) FROM person WHERE id = $1 AND given_name = 'Someone'",
            vec![id.into()]
        )
        .await,
        0
    );
}

#[tokio::test]
async fn conflicting_identifiers_go_to_review_not_merge() {
    let app = TestApp::start().await;
    let (id, number, _, _, _) = seeded_child_with_nhs(&app).await;
    let theirs = count_of(
        &app,
        "SELECT COUNT(*) FROM person_identifier WHERE person_id = $1 AND kind = 'UPN'",
        vec![id.into()],
    )
    .await;
    assert!(theirs > 0, "the seeded child has a UPN");
    let persons = scalar(&app, "SELECT COUNT(*) FROM person").await;
    let mut record = person("c-1", "Conflict", "Case", None);
    record.nhs_number = Some(NhsNumberRecord {
        number: NhsNumber::parse("nhs", &number).unwrap(),
        verification: Some(NhsNumberVerificationStatus::Verified),
    });
    record.upn = Some(upn(60));
    let (run, intake) = import(&app, vec![loc(0, record)]).await;
    let summary = intake.finish_run(run, None).await.unwrap();
    assert_eq!(
        (summary.counts.created, summary.counts.queued_for_review),
        (1, 1)
    );
    assert_eq!(
        scalar(&app, "SELECT COUNT(*) FROM person").await,
        persons + 1
    );
    let created = imported(&app, "c-1").await.unwrap();
    assert_ne!(created, id);
    let evidence: String = app
        .db
        .query_one_raw(statement(
            &app,
            "SELECT evidence FROM identity_candidate WHERE person_id = $1 AND candidate_person_id = $2 AND status = 'PENDING'",
            vec![created.into(), id.into()],
        ))
        .await
        .unwrap()
        .unwrap()
        .try_get_by_index(0)
        .unwrap();
    let evidence = identity::Evidence::parse(&evidence);
    assert_eq!(evidence.matched, vec!["nhsNumber"]);
    assert_eq!(evidence.conflicting, vec!["upn"]);
    assert!(!evidence.matched.iter().any(|f| f.contains(&number)));
}

/// Imports a look-alike of a seeded child (same name and date of birth, no identifiers the
/// seeded one has) with rows of its own; returns (seeded id, imported id, candidate id).
async fn import_look_alike(app: &TestApp) -> (Uuid, Uuid, Uuid) {
    let (id, _, given, family, born) = seeded_child_with_nhs(app).await;
    let mut record = person("l-1", &given, &family, Some(born));
    record.upn = Some(upn(70));
    record.disabilities = vec![Disability::Vision];
    record.addresses = vec![AddressRecord {
        lines: vec!["2 Example Row".to_owned()],
        city: Some("Leeds".to_owned()),
        postcode: None,
        address_use: None,
        ended: false,
    }];
    let (run, intake) = import(
        app,
        vec![loc(0, record), loc(1, membership("lm-1", "l-1", "fam-l"))],
    )
    .await;
    let summary = intake.finish_run(run, None).await.unwrap();
    assert_eq!(
        (summary.counts.created, summary.counts.queued_for_review),
        (2, 1)
    );
    let created = imported(app, "l-1").await.unwrap();
    let candidate = uuid_of(
        app,
        "SELECT id FROM identity_candidate WHERE person_id = $1 AND candidate_person_id = $2 AND status = 'PENDING'",
        vec![created.into(), id.into()],
    )
    .await
    .expect("a pending candidate");
    (id, created, candidate)
}

#[tokio::test]
async fn a_look_alike_is_queued_then_merged_and_the_merge_undone_exactly() {
    let app = TestApp::start().await;
    let persons = scalar(&app, "SELECT COUNT(*) FROM person").await;
    let (survivor, merged, candidate) = import_look_alike(&app).await;
    // Queued, never merged silently.
    assert_eq!(
        scalar(&app, "SELECT COUNT(*) FROM person").await,
        persons + 1
    );
    let survivor_rows = rows_of(&app, survivor).await;
    let merged_rows = rows_of(&app, merged).await;
    assert!(merged_rows.len() >= 4, "{merged_rows:?}");
    let audit_before = scalar(&app, "SELECT COUNT(*) FROM audit_event").await;

    let merge = identity::confirm(&app.db, candidate, &administrator())
        .await
        .unwrap();
    assert_eq!(scalar(&app, "SELECT COUNT(*) FROM person").await, persons);
    let mut together = survivor_rows.clone();
    together.extend(merged_rows.clone());
    together.sort();
    assert_eq!(rows_of(&app, survivor).await, together);
    assert_eq!(imported(&app, "l-1").await, Some(survivor));
    assert_eq!(
        count_of(&app, "SELECT COUNT(*) FROM audit_event WHERE operation = 'confirmIdentityCandidate' AND subject = 'reviewer-test' AND record_id IN ($1, $2)", vec![survivor.into(), merged.into()]).await,
        2
    );
    // A second decision on the same candidate is refused.
    assert!(matches!(
        identity::confirm(&app.db, candidate, &administrator()).await,
        Err(familygraph_intake::IntakeError::CandidateDecided(_))
    ));
    identity::undo_merge(&app.db, merge, &administrator())
        .await
        .unwrap();
    assert_eq!(
        scalar(&app, "SELECT COUNT(*) FROM person").await,
        persons + 1
    );
    assert_eq!(rows_of(&app, survivor).await, survivor_rows);
    assert_eq!(rows_of(&app, merged).await, merged_rows);
    assert_eq!(imported(&app, "l-1").await, Some(merged));
    assert_eq!(
        count_of(
            &app,
            "SELECT COUNT(*) FROM identity_candidate WHERE id = $1 AND status = 'UNDONE'",
            vec![candidate.into()]
        )
        .await,
        1
    );
    assert!(scalar(&app, "SELECT COUNT(*) FROM audit_event").await >= audit_before + 4);
    assert!(matches!(
        identity::undo_merge(&app.db, merge, &administrator()).await,
        Err(familygraph_intake::IntakeError::MergeUndone(_))
    ));
}

#[tokio::test]
async fn imports_write_audit_rows_for_the_children_written() {
    let app = TestApp::start().await;
    let records = vec![
        loc(0, person("au-1", "Audra", "Trailwood", None)),
        loc(1, person("au-2", "Audrey", "Trailwood", None)),
    ];
    let (_, _) = import(&app, records.clone()).await;
    assert_eq!(app.count(WRITTEN).await, 2);
    for id in ["au-1", "au-2"] {
        let person = imported(&app, id).await.unwrap();
        assert_eq!(
            count_of(
                &app,
                "SELECT COUNT(*) FROM audit_event WHERE record_id = $1 AND record_type = 'Person'",
                vec![person.into()]
            )
            .await,
            1
        );
    }
    // An unchanged re-run writes nothing, so audits nothing.
    let (_, _) = import(&app, records).await;
    assert_eq!(app.count(WRITTEN).await, 2);
}

const WRITTEN: &str = "SELECT COUNT(*) FROM audit_event WHERE operation = 'adapter:intake-core-test' \
                       AND purpose = 'import' AND subject = 'operator-test' AND action = 'WRITE'";

const QUEUE: &str = "query($status: IdentityCandidateStatus) {
  identityCandidates(first: 50, status: $status) {
    totalCount
    edges { node { id status score matchedFields conflictingFields sourceSystem mergeId
                   person { id givenName } candidatePerson { id givenName } } }
  }
}";

const CONFIRM: &str = "mutation($input: ConfirmIdentityCandidateInput!) {
  confirmIdentityCandidate(input: $input) {
    candidate { id status mergeId person { id } }
    survivor { id }
    mergeId
    userErrors { field code message }
  }
}";

const UNDO: &str = "mutation($input: UndoPersonMergeInput!) {
  undoPersonMerge(input: $input) {
    candidate { id status }
    restored { id }
    userErrors { field code message }
  }
}";

const REJECT: &str = "mutation($input: RejectIdentityCandidateInput!) {
  rejectIdentityCandidate(input: $input) {
    candidate { id status }
    userErrors { field code message }
  }
}";

fn node_of<'a>(reply: &'a Value, id: &str) -> &'a Value {
    reply["identityCandidates"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["node"])
        .find(|n| n["id"] == id)
        .unwrap_or_else(|| panic!("candidate {id} listed: {reply}"))
}

#[tokio::test]
async fn the_review_queue_through_graphql() {
    let app = TestApp::start().await;
    let (_, _, candidate) = import_look_alike(&app).await;
    let admin = app.admin_token();
    let id = familygraph_graphql::global_id::encode("IdentityCandidate", candidate).0;

    // A practitioner may neither see nor decide.
    let practitioner = app.token(Role::SocialWorker, Some("sw-test"), Some("S1"));
    let reply = app
        .graphql(Some(&practitioner), QUEUE, json!({ "status": "PENDING" }))
        .await;
    assert_eq!(reply.error_codes(), vec!["FORBIDDEN"]);
    let reply = app
        .graphql(
            Some(&practitioner),
            CONFIRM,
            json!({ "input": { "candidateId": id } }),
        )
        .await;
    assert_eq!(reply.error_codes(), vec!["FORBIDDEN"]);

    let reply = app
        .graphql(Some(&admin), QUEUE, json!({ "status": "PENDING" }))
        .await;
    let listed = node_of(reply.data(), &id).clone();
    assert_eq!(listed["status"], "PENDING");
    assert_eq!(
        listed["matchedFields"],
        json!(["givenName", "familyName", "dateOfBirth"])
    );
    assert!(listed["person"]["id"].is_string());
    assert_eq!(listed["sourceSystem"], SYSTEM);
    let survivor = listed["candidatePerson"]["id"].clone();

    let reply = app
        .graphql(
            Some(&admin),
            CONFIRM,
            json!({ "input": { "candidateId": id } }),
        )
        .await;
    let confirmed = &reply.data()["confirmIdentityCandidate"];
    assert_eq!(confirmed["userErrors"], json!([]));
    assert_eq!(confirmed["candidate"]["status"], "CONFIRMED");
    assert_eq!(confirmed["candidate"]["person"], Value::Null);
    assert_eq!(confirmed["survivor"]["id"], survivor);
    let merge = confirmed["mergeId"].clone();
    assert_eq!(confirmed["candidate"]["mergeId"], merge);

    // Deciding twice is a user error, not a second merge.
    let reply = app
        .graphql(
            Some(&admin),
            CONFIRM,
            json!({ "input": { "candidateId": id } }),
        )
        .await;
    assert_eq!(
        reply.data()["confirmIdentityCandidate"]["userErrors"][0]["code"],
        "ALREADY_DECIDED"
    );

    let reply = app
        .graphql(Some(&admin), UNDO, json!({ "input": { "mergeId": merge } }))
        .await;
    let undone = &reply.data()["undoPersonMerge"];
    assert_eq!(undone["userErrors"], json!([]));
    assert_eq!(undone["candidate"]["status"], "UNDONE");
    assert_eq!(undone["restored"]["id"], listed["person"]["id"]);

    // Rejecting needs a reason, and an unknown candidate is a user error.
    let unknown = familygraph_graphql::global_id::encode("IdentityCandidate", Uuid::now_v7()).0;
    let reply = app
        .graphql(
            Some(&admin),
            REJECT,
            json!({ "input": { "candidateId": unknown, "reason": "different people" } }),
        )
        .await;
    assert_eq!(
        reply.data()["rejectIdentityCandidate"]["userErrors"][0]["code"],
        "UNKNOWN_RECORD"
    );
    let reply = app
        .graphql(
            Some(&admin),
            REJECT,
            json!({ "input": { "candidateId": id, "reason": " " } }),
        )
        .await;
    assert_eq!(
        reply.data()["rejectIdentityCandidate"]["userErrors"][0]["code"],
        "REQUIRED"
    );

    // The decisions are in the audit trail under the reviewer's subject.
    for operation in ["confirmIdentityCandidate", "undoPersonMerge"] {
        assert_eq!(
            app.count(&format!(
                "SELECT COUNT(*) FROM audit_event WHERE operation = '{operation}' \
                 AND subject = 'admin-test' AND purpose = 'identity_resolution'"
            ))
            .await,
            2,
            "{operation}"
        );
    }
}

#[tokio::test]
async fn a_second_look_alike_is_rejected_by_a_reviewer() {
    let app = TestApp::start().await;
    let (_, _, candidate) = import_look_alike(&app).await;
    identity::reject(&app.db, candidate, &administrator(), "different people")
        .await
        .unwrap();
    assert_eq!(
        count_of(
            &app,
            "SELECT COUNT(*) FROM identity_candidate WHERE id = $1 AND status = 'REJECTED'",
            vec![candidate.into()]
        )
        .await,
        1
    );
    assert!(matches!(
        identity::reject(&app.db, candidate, &administrator(), "again").await,
        Err(familygraph_intake::IntakeError::CandidateDecided(_))
    ));
}

fn page(records: Vec<Located<CanonicalRecord>>, cursor: &str, done: bool) -> Batch {
    Batch {
        records,
        rejected: Vec::new(),
        next_cursor: Some(Cursor::new(cursor)),
        done,
    }
}

#[tokio::test]
async fn a_killed_run_resumes_from_its_cursor_without_loss_or_duplicates() {
    let app = TestApp::start().await;
    let intake = Intake::new(app.db.clone());
    let first_page = vec![
        loc(0, person("k-1", "Kit", "Resumefield", None)),
        loc(1, person("k-2", "Kai", "Resumefield", None)),
    ];
    let killed = intake
        .start_run("intake-core-test", RunTrigger::Schedule, "scheduler-test")
        .await
        .unwrap();
    intake
        .apply_batch(killed, page(first_page.clone(), "after-k-2", false))
        .await
        .unwrap();
    // The process dies here: the run is never finished.
    let persons = scalar(&app, "SELECT COUNT(*) FROM person").await;
    assert_eq!(
        intake.last_cursor("intake-core-test").await.unwrap(),
        Some(Cursor::new("after-k-2"))
    );

    let resumed = intake
        .start_run("intake-core-test", RunTrigger::Schedule, "scheduler-test")
        .await
        .unwrap();
    // A source may hand the last page over again: it changes nothing.
    let again = intake
        .apply_batch(resumed, page(first_page, "after-k-2", false))
        .await
        .unwrap();
    assert_eq!((again.created, again.unchanged), (0, 2));
    let rest = intake
        .apply_batch(
            resumed,
            page(
                vec![loc(2, person("k-3", "Kim", "Resumefield", None))],
                "after-k-3",
                true,
            ),
        )
        .await
        .unwrap();
    assert_eq!(rest.created, 1);
    let summary = intake.finish_run(resumed, None).await.unwrap();
    assert_eq!(summary.status, RunStatus::Succeeded);
    assert_eq!(
        (
            summary.counts.read,
            summary.counts.created,
            summary.counts.unchanged
        ),
        (3, 1, 2)
    );
    assert_eq!(
        scalar(&app, "SELECT COUNT(*) FROM person").await,
        persons + 1
    );
    assert_eq!(
        intake.last_cursor("intake-core-test").await.unwrap(),
        Some(Cursor::new("after-k-3"))
    );
    // A finished run is closed to further batches.
    assert!(matches!(
        intake.apply_batch(resumed, Batch::default()).await,
        Err(familygraph_intake::IntakeError::RunNotOpen(_))
    ));
}
