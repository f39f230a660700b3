//! Every read of a child's record is audited: who, which record, which operation.

use familygraph_domain::Role;
use familygraph_tests::TestApp;
use serde_json::json;

#[tokio::test]
async fn reading_children_writes_one_audit_row_per_record() {
    let app = TestApp::start().await;
    let before = app.count("SELECT COUNT(*) FROM audit_event").await;
    let token = app.token(Role::TeamManager, Some("tm-s1"), Some("S1"));
    let reply = app
        .graphql(
            Some(&token),
            "query CaseloadReview { children(first: 7) { edges { node { id givenName } } } }",
            json!({}),
        )
        .await;
    let returned = reply.data()["children"]["edges"].as_array().unwrap().len() as i64;
    assert!(returned > 0);
    let after = app.count("SELECT COUNT(*) FROM audit_event").await;
    assert_eq!(after - before, returned);
    let tagged = app
        .count(
            "SELECT COUNT(*) FROM audit_event WHERE subject = 'tm-s1' AND operation = 'CaseloadReview'
             AND record_type = 'Person' AND action = 'READ' AND roles = 'team_manager'",
        )
        .await;
    assert_eq!(tagged, returned);

    // Reading only reference data (places) writes nothing.
    let before = app.count("SELECT COUNT(*) FROM audit_event").await;
    app.graphql(Some(&token), "{ localities { name } }", json!({}))
        .await
        .data();
    assert_eq!(app.count("SELECT COUNT(*) FROM audit_event").await, before);
}

const ACCESS_LOG: &str = "query WhoLooked($id: ID!) {
  node(id: $id) {
    ... on Person {
      givenName
      accessLog(first: 100) {
        totalCount
        edges { node { occurredAt subject clientId roles operation action recordType outcome } }
        pageInfo { hasNextPage }
      }
    }
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

#[tokio::test]
async fn an_auditor_sees_who_looked_at_a_child() {
    let app = TestApp::start().await;
    let worker = app.token(Role::SocialWorker, Some("sw-s1-01"), Some("S1"));
    let child = s1_child(&app, &worker).await;
    app.graphql(
        Some(&worker),
        "query ChildRecord($id: ID!) { node(id: $id) { ... on Person { givenName familyName } } }",
        json!({ "id": child }),
    )
    .await
    .data();

    let auditor = app.token(Role::Auditor, Some("auditor-1"), None);
    let reply = app
        .graphql(Some(&auditor), ACCESS_LOG, json!({ "id": child }))
        .await;
    let log = &reply.data()["node"]["accessLog"];
    let entries: Vec<_> = log["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|edge| &edge["node"])
        .collect();
    assert_eq!(log["totalCount"].as_u64().unwrap() as usize, entries.len());
    let looked = entries
        .iter()
        .find(|entry| entry["subject"] == "sw-s1-01" && entry["operation"] == "ChildRecord")
        .unwrap_or_else(|| panic!("the social worker's read is in the log: {entries:?}"));
    assert_eq!(looked["action"], "READ");
    assert_eq!(looked["recordType"], "Person");
    assert_eq!(looked["outcome"], "ALLOWED");
    assert_eq!(looked["roles"], json!(["social_worker"]));
    assert!(looked["occurredAt"].as_str().is_some());
    // Both of the worker's reads (caseload and record) are there; the auditor's own read is
    // written when the request ends, so it shows the next time.
    assert_eq!(
        entries
            .iter()
            .filter(|entry| entry["subject"] == "sw-s1-01")
            .count(),
        2
    );
    assert!(entries.iter().all(|entry| entry["subject"] != "auditor-1"));

    let again = app
        .graphql(Some(&auditor), ACCESS_LOG, json!({ "id": child }))
        .await;
    let asked = again.data()["node"]["accessLog"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|edge| {
            edge["node"]["subject"] == "auditor-1" && edge["node"]["operation"] == "WhoLooked"
        })
        .count();
    assert_eq!(asked, 1, "reading the access log is itself audited");
}

#[tokio::test]
async fn only_auditors_and_administrators_may_read_the_access_log() {
    let app = TestApp::start().await;
    let worker = app.token(Role::SocialWorker, Some("sw-s1-01"), Some("S1"));
    let child = s1_child(&app, &worker).await;
    let reply = app
        .graphql(Some(&worker), ACCESS_LOG, json!({ "id": child }))
        .await;
    assert_eq!(reply.error_codes(), vec!["FORBIDDEN"]);

    let manager = app.token(Role::TeamManager, Some("tm-s1"), Some("S1"));
    let reply = app
        .graphql(Some(&manager), ACCESS_LOG, json!({ "id": child }))
        .await;
    assert_eq!(reply.error_codes(), vec!["FORBIDDEN"]);

    let reply = app
        .graphql(Some(&app.admin_token()), ACCESS_LOG, json!({ "id": child }))
        .await;
    assert!(
        reply.data()["node"]["accessLog"]["totalCount"]
            .as_u64()
            .unwrap()
            >= 1
    );
}
