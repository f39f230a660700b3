//! Notes of values left out of otherwise good records: an adapter's `FieldNote`s on the records
//! it translated reach the run (`RunSummary.notes`) and administrators' GraphQL
//! (`AdapterRun.notes`) in source order, across batches; a rejected record's notes are not kept
//! (nothing of it was applied); and only administrators read them.

use familygraph_adapter_sdk::{
    Batch, CanonicalRecord, FamilyMembershipRecord, FieldNote, Located, Location, PersonName,
    PersonRecord, ServiceRecord, SourceRef,
};
use familygraph_domain::Role;
use familygraph_intake::{RecordedNote, RunStatus};
use familygraph_tests::TestApp;
use serde_json::{Value, json};

use super::intake_run::run_batches;

const SYSTEM: &str = "intake-notes-test";
const DOCUMENT: &str = "test://intake-notes/records.json";

/// The record at row `row` of the test document.
fn at(row: usize) -> Location {
    Location::document(DOCUMENT).at(format!("/{row}"))
}

/// `record` at row `row`, carrying one note at `field` of it.
fn noted(
    row: usize,
    record: CanonicalRecord,
    field: &str,
    reason: &str,
) -> Located<CanonicalRecord> {
    Located {
        location: at(row),
        record,
        notes: vec![FieldNote {
            location: at(row).at(field),
            reason: reason.to_owned(),
        }],
    }
}

/// A synthetic child known only by the test's source id.
fn child(id: &str, given: &str) -> CanonicalRecord {
    CanonicalRecord::Person(PersonRecord {
        source: SourceRef::new(SYSTEM, id),
        names: vec![PersonName {
            name_use: None,
            family: Some("Notesworth".to_owned()),
            given: vec![given.to_owned()],
        }],
        ..Default::default()
    })
}

/// `child`'s membership of the family `family`.
fn membership(id: &str, child: &str, family: &str) -> CanonicalRecord {
    CanonicalRecord::FamilyMembership(FamilyMembershipRecord {
        source: SourceRef::new(SYSTEM, id),
        person: SourceRef::new(SYSTEM, child),
        family_id: family.to_owned(),
    })
}

fn batch(records: Vec<Located<CanonicalRecord>>) -> Batch {
    Batch {
        records,
        done: true,
        ..Default::default()
    }
}

fn note(row: usize, field: &str, reason: &str) -> RecordedNote {
    RecordedNote {
        location: at(row).at(field),
        reason: reason.to_owned(),
    }
}

const RUN: &str = "query($id: ID!) { adapterRun(id: $id) { status \
    notes(first: 100) { totalCount edges { node { document pointer reason } } } \
    rejections(first: 100) { totalCount } } }";

#[tokio::test]
async fn an_adapters_notes_reach_the_run_and_graphql_in_source_order() {
    let app = TestApp::start().await;
    let service = CanonicalRecord::Service(ServiceRecord {
        source: SourceRef::new(SYSTEM, "svc-1"),
        name: "Notesworth Family Hub".to_owned(),
        ..Default::default()
    });
    let first = batch(vec![
        // A standalone record (applied on its own) with a note.
        noted(0, service, "/email", "email: not an email address"),
        // A child and its membership, each with a note, applied together.
        noted(
            1,
            child("notes-child-1", "Ada"),
            "/identifier/0",
            "identifier[0]: NHS number fails its check digit",
        ),
        noted(
            2,
            membership("notes-membership-1", "notes-child-1", "notes-family-1"),
            "/role",
            "role: not a family role code",
        ),
        // A record about a child nobody sent: rejected, so its note is not kept.
        noted(
            3,
            membership("notes-membership-2", "notes-nobody", "notes-family-1"),
            "/role",
            "role: dropped with the record",
        ),
    ]);
    // A second batch of the same run: its notes follow the first batch's.
    let second = batch(vec![noted(
        4,
        child("notes-child-2", "Bea"),
        "/birthDate",
        "birthDate: not a possible date",
    )]);
    let summary = run_batches(&app.db, SYSTEM, "notes-test", [first, second]).await;

    assert_eq!(summary.status, RunStatus::SucceededWithRejections);
    assert_eq!(
        (
            summary.counts.read,
            summary.counts.created,
            summary.counts.rejected
        ),
        (5, 4, 1),
        "{:?}",
        summary.counts
    );
    assert_eq!(summary.rejections.len(), 1, "{:?}", summary.rejections);
    assert_eq!(summary.rejections[0].location, at(3));
    let expected = vec![
        note(0, "/email", "email: not an email address"),
        note(
            1,
            "/identifier/0",
            "identifier[0]: NHS number fails its check digit",
        ),
        note(2, "/role", "role: not a family role code"),
        note(4, "/birthDate", "birthDate: not a possible date"),
    ];
    assert_eq!(summary.notes, expected, "{:#?}", summary.notes);

    // Administrators read the same notes, in the same order, through GraphQL.
    let id = familygraph_graphql::global_id::encode("AdapterRun", summary.run_id.0);
    let reply = app
        .graphql(Some(&app.admin_token()), RUN, json!({ "id": id }))
        .await;
    assert_eq!(reply.error_codes(), Vec::<String>::new(), "{}", reply.body);
    let run = &reply.data()["adapterRun"];
    assert_eq!(run["status"], "SUCCEEDED_WITH_REJECTIONS", "{run}");
    assert_eq!(run["rejections"]["totalCount"], 1, "{run}");
    assert_eq!(run["notes"]["totalCount"], 4, "{run}");
    let nodes: Vec<Value> = run["notes"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"].clone())
        .collect();
    let expected: Vec<Value> = expected
        .iter()
        .map(|n| {
            json!({
                "document": n.location.document,
                "pointer": n.location.pointer,
                "reason": n.reason,
            })
        })
        .collect();
    assert_eq!(nodes, expected);

    // Nobody else reads a run or its notes.
    let worker = app.token(Role::SocialWorker, Some("notes-worker"), Some("S1"));
    let reply = app.graphql(Some(&worker), RUN, json!({ "id": id })).await;
    assert_eq!(reply.error_codes(), ["FORBIDDEN"], "{}", reply.body);
    assert!(reply.body["data"]["adapterRun"].is_null(), "{}", reply.body);
}
