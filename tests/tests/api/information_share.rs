//! Information-sharing decisions (the 2026 Act's duty to share unless sharing would be more
//! detrimental to the child): a SHARE and a WITHHOLD are recorded with lawful basis and reason,
//! shown on the child, written to the outbox and the audit trail; a missing reason is a
//! `REQUIRED` user error and writes nothing; `auditTrail(record:)` is for auditors and
//! administrators only. All people are synthetic.

use familygraph_domain::Role;
use familygraph_tests::TestApp;
use sea_orm::{ConnectionTrait, Statement};
use serde_json::{Value, json};

const RECORD: &str = "mutation RecordShare($input: RecordInformationShareDecisionInput!) {
  recordInformationShareDecision(input: $input) {
    informationShare { id decision lawfulBasis reason decidedOn decidedBy
                       agency { id } child { id } }
    userErrors { field code message }
  }
}";

const TRAIL: &str = "query WhoTouched($record: ID!) {
  auditTrail(record: $record, first: 100) {
    totalCount
    edges { node { subject operation action recordType } }
  }
}";

/// A child in team S1's caseload, by global id.
async fn s1_child(app: &TestApp, token: &str) -> String {
    let reply = app
        .graphql(
            Some(token),
            "query S1Caseload { children(first: 1) { edges { node { id } } } }",
            json!({}),
        )
        .await;
    reply.data()["children"]["edges"][0]["node"]["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// Some agency (a partner to share with), by global id.
async fn an_agency(app: &TestApp) -> String {
    let row = app
        .db
        .query_one_raw(Statement::from_string(
            app.db.get_database_backend(),
            "SELECT id FROM agency WHERE kind <> 'LOCAL_AUTHORITY' ORDER BY name LIMIT 1",
        ))
        .await
        .unwrap()
        .unwrap();
    let id = row.try_get_by_index::<uuid::Uuid>(0).unwrap();
    familygraph_graphql::global_id::encode("Agency", id).0
}

fn payload(reply: &familygraph_tests::Reply) -> &Value {
    &reply.data()["recordInformationShareDecision"]
}

async fn counts(app: &TestApp) -> (i64, i64) {
    (
        app.count("SELECT COUNT(*) FROM information_share").await,
        app.count(
            "SELECT COUNT(*) FROM outbox_event
             WHERE event_type IN ('InformationShared', 'InformationWithheld')",
        )
        .await,
    )
}

#[tokio::test]
async fn share_and_withhold_decisions_are_recorded_shown_and_audited() {
    let app = TestApp::start().await;
    let worker = app.token(Role::SocialWorker, Some("sw-s1-01"), Some("S1"));
    let child = s1_child(&app, &worker).await;
    let agency = an_agency(&app).await;
    assert_eq!(counts(&app).await, (0, 0));

    // A decision to share.
    let reply = app
        .graphql(
            Some(&worker),
            RECORD,
            json!({ "input": { "childId": child, "agencyId": agency, "decision": "SHARE",
                               "lawfulBasis": "SAFEGUARDING", "decidedOn": "2026-11-20",
                               "reason": "The school needs to know about the CP plan" } }),
        )
        .await;
    let shared = &payload(&reply)["informationShare"];
    assert_eq!(payload(&reply)["userErrors"], json!([]), "{reply:?}");
    assert_eq!(shared["decision"], "SHARE");
    assert_eq!(shared["lawfulBasis"], "SAFEGUARDING");
    assert_eq!(shared["decidedOn"], "2026-11-20");
    assert_eq!(shared["decidedBy"], "sw-s1-01");
    assert_eq!(shared["agency"]["id"], agency.as_str());
    assert_eq!(shared["child"]["id"], child.as_str());
    let share_id = shared["id"].as_str().unwrap().to_owned();
    assert_eq!(counts(&app).await, (1, 1));

    // A withholding without a reason: REQUIRED, nothing written.
    let audit_before = app.count("SELECT COUNT(*) FROM audit_event").await;
    let reply = app
        .graphql(
            Some(&worker),
            RECORD,
            json!({ "input": { "childId": child, "agencyId": agency, "decision": "WITHHOLD",
                               "lawfulBasis": "PUBLIC_TASK", "reason": "   " } }),
        )
        .await;
    assert!(payload(&reply)["informationShare"].is_null());
    let errors = payload(&reply)["userErrors"].as_array().unwrap();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0]["code"], "REQUIRED");
    assert_eq!(errors[0]["field"], json!(["input", "reason"]));
    assert_eq!(counts(&app).await, (1, 1));
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_event").await,
        audit_before
    );

    // A withholding that does not say why sharing would do more harm is refused too.
    let reply = app
        .graphql(
            Some(&worker),
            RECORD,
            json!({ "input": { "childId": child, "agencyId": agency, "decision": "WITHHOLD",
                               "lawfulBasis": "PUBLIC_TASK", "reason": "risk" } }),
        )
        .await;
    assert_eq!(payload(&reply)["userErrors"][0]["code"], "INVALID_VALUE");
    assert_eq!(counts(&app).await, (1, 1));

    // A withholding with its reason.
    let reply = app
        .graphql(
            Some(&worker),
            RECORD,
            json!({ "input": { "childId": child, "agencyId": agency, "decision": "WITHHOLD",
                               "lawfulBasis": "PUBLIC_TASK",
                               "reason": "Sharing the address would alert the alleged abuser" } }),
        )
        .await;
    assert_eq!(payload(&reply)["userErrors"], json!([]), "{reply:?}");
    let withheld = &payload(&reply)["informationShare"];
    assert_eq!(withheld["decision"], "WITHHOLD");
    let withhold_id = withheld["id"].as_str().unwrap().to_owned();
    assert_eq!(counts(&app).await, (2, 2));

    // Both on the child.
    let reply = app
        .graphql(
            Some(&worker),
            "query($id: ID!) { node(id: $id) { ... on Person {
               informationShares { id decision lawfulBasis reason } } } }",
            json!({ "id": child }),
        )
        .await;
    let shares = reply.data()["node"]["informationShares"]
        .as_array()
        .unwrap();
    let mut decisions: Vec<_> = shares
        .iter()
        .map(|s| s["decision"].as_str().unwrap())
        .collect();
    decisions.sort_unstable();
    assert_eq!(decisions, ["SHARE", "WITHHOLD"]);

    // And in the audit trail: of each decision, and of the child.
    let auditor = app.token(Role::Auditor, Some("auditor-1"), None);
    for (record, record_type) in [
        (&share_id, "InformationShare"),
        (&withhold_id, "InformationShare"),
    ] {
        let reply = app
            .graphql(Some(&auditor), TRAIL, json!({ "record": record }))
            .await;
        let trail = &reply.data()["auditTrail"];
        assert_eq!(trail["totalCount"], 1, "{reply:?}");
        let entry = &trail["edges"][0]["node"];
        assert_eq!(entry["subject"], "sw-s1-01");
        assert_eq!(entry["operation"], "RecordShare");
        assert_eq!(entry["action"], "WRITE");
        assert_eq!(entry["recordType"], record_type);
    }
    let reply = app
        .graphql(Some(&auditor), TRAIL, json!({ "record": child }))
        .await;
    let edges = reply.data()["auditTrail"]["edges"].as_array().unwrap();
    let writes = edges
        .iter()
        .filter(|e| e["node"]["action"] == "WRITE" && e["node"]["operation"] == "RecordShare")
        .count();
    assert_eq!(writes, 2, "{edges:?}");
    assert!(
        edges
            .iter()
            .any(|e| e["node"]["action"] == "READ" && e["node"]["subject"] == "sw-s1-01")
    );
}

#[tokio::test]
async fn only_casework_roles_record_decisions_and_only_auditors_read_the_trail() {
    let app = TestApp::start().await;
    let worker = app.token(Role::SocialWorker, Some("sw-s1-01"), Some("S1"));
    let child = s1_child(&app, &worker).await;
    let agency = an_agency(&app).await;
    let input = json!({ "input": { "childId": child, "agencyId": agency, "decision": "SHARE",
                                   "lawfulBasis": "CONSENT", "reason": "The family agreed" } });

    let auditor = app.token(Role::Auditor, Some("auditor-1"), None);
    let reply = app.graphql(Some(&auditor), RECORD, input.clone()).await;
    assert_eq!(reply.error_codes(), vec!["FORBIDDEN"]);
    assert_eq!(counts(&app).await, (0, 0));

    for token in [
        worker.clone(),
        app.token(Role::TeamManager, Some("tm-s1"), Some("S1")),
    ] {
        let reply = app
            .graphql(Some(&token), TRAIL, json!({ "record": child }))
            .await;
        assert_eq!(reply.error_codes(), vec!["FORBIDDEN"]);
    }
    let reply = app
        .graphql(Some(&app.admin_token()), TRAIL, json!({ "record": child }))
        .await;
    assert!(reply.data()["auditTrail"]["totalCount"].as_u64().unwrap() >= 1);
    let reply = app
        .graphql(Some(&auditor), TRAIL, json!({ "record": "not-an-id" }))
        .await;
    assert_eq!(reply.error_codes(), vec!["BAD_USER_INPUT"]);

    // A child outside the caller's scope is an unknown record.
    let other = app.token(Role::SocialWorker, Some("sw-n1-01"), Some("N1"));
    let reply = app.graphql(Some(&other), RECORD, input).await;
    let errors = payload(&reply)["userErrors"].as_array().unwrap();
    assert_eq!(errors[0]["code"], "UNKNOWN_RECORD", "{reply:?}");
    assert_eq!(counts(&app).await, (0, 0));
}
