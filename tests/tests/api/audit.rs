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
