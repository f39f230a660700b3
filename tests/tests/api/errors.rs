//! Bad input gets a clear, coded error; nothing internal leaks.

use familygraph_tests::TestApp;
use serde_json::json;

fn assert_no_internals(body: &serde_json::Value) {
    let text = body.to_string().to_lowercase();
    for leak in [
        "select ",
        "sqlx",
        "sea_orm",
        "panicked",
        "src/",
        "database error",
    ] {
        assert!(!text.contains(leak), "response leaks {leak:?}: {text}");
    }
}

#[tokio::test]
async fn malformed_identifiers_are_bad_user_input_naming_the_field() {
    let app = TestApp::start().await;
    let token = app.admin_token();
    let query = "query($kind: IdentifierKind!, $value: String!) {
        childByIdentifier(identifier: { kind: $kind, value: $value }) { id } }";
    let valid_upn = familygraph_domain::Upn::with_check_letter("801200001001").unwrap();
    let letter = valid_upn.as_str().chars().next().unwrap();
    let wrong_letter = if letter == 'A' { 'B' } else { 'A' };
    let wrong_upn = format!("{wrong_letter}{}", &valid_upn.as_str()[1..]);
    for (kind, value) in [
        ("NHS_NUMBER", "9434765918"), // check digit wrong (9434765919 is valid)
        ("NHS_NUMBER", "12345"),
        ("UPN", "A12345678901X2"),
        ("UPN", wrong_upn.as_str()), // wrong check letter
    ] {
        let reply = app
            .graphql(Some(&token), query, json!({ "kind": kind, "value": value }))
            .await;
        assert_eq!(
            reply.error_codes(),
            vec!["BAD_USER_INPUT"],
            "{kind} {value}: {}",
            reply.body
        );
        assert_eq!(
            reply.body["errors"][0]["extensions"]["field"],
            "identifier.value"
        );
        assert_no_internals(&reply.body);
    }
    let reply = app
        .graphql(
            Some(&token),
            "{ lsoa(code: \"X01018445\") { name } }",
            json!({}),
        )
        .await;
    assert_eq!(reply.error_codes(), vec!["BAD_USER_INPUT"]);
    assert_eq!(reply.body["errors"][0]["extensions"]["field"], "code");
}

#[tokio::test]
async fn a_reason_for_no_upn_identifies_no_child() {
    let app = TestApp::start().await;
    let token = app.admin_token();
    let code = familygraph_domain::UpnUnknown::UnderSixNotAtSchool.code();
    // The seed records this reason for many children: a lookup by it must not pick one.
    let shared_by = app
        .count(&format!(
            "SELECT count(*) FROM person_identifier WHERE kind = 'UPN_UNKNOWN' AND value = '{code}'"
        ))
        .await;
    assert!(
        shared_by > 1,
        "the seed should give {code} to several children"
    );
    let reply = app
        .graphql(
            Some(&token),
            "query($value: String!) {
                childByIdentifier(identifier: { kind: UPN_UNKNOWN, value: $value }) { id } }",
            json!({ "value": code }),
        )
        .await;
    assert_eq!(
        reply.error_codes(),
        vec!["BAD_USER_INPUT"],
        "{}",
        reply.body
    );
    assert_eq!(
        reply.body["errors"][0]["extensions"]["field"],
        "identifier.kind"
    );
    assert!(reply.body["data"]["childByIdentifier"].is_null());
    assert_no_internals(&reply.body);
}

#[tokio::test]
async fn codes_outside_their_enum_fail_validation() {
    let app = TestApp::start().await;
    let reply = app
        .graphql(
            Some(&app.admin_token()),
            "{ children(filter: { openPlan: SOMETHING_ELSE }) { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(reply.status, 400);
    assert_eq!(reply.error_codes(), vec!["GRAPHQL_VALIDATION_FAILED"]);
    assert!(
        reply
            .content_type
            .starts_with("application/graphql-response+json")
    );
}

#[tokio::test]
async fn invalid_global_ids_are_bad_input_and_unknown_ones_not_found() {
    let app = TestApp::start().await;
    let token = app.admin_token();
    let query = "query($id: ID!) { node(id: $id) { id } }";
    let reply = app
        .graphql(Some(&token), query, json!({ "id": "%%%garbage" }))
        .await;
    assert_eq!(reply.error_codes(), vec!["BAD_USER_INPUT"]);
    // A well-formed id of a person that does not exist.
    let unknown = familygraph_graphql::global_id::encode("Person", uuid::Uuid::now_v7()).0;
    let reply = app
        .graphql(Some(&token), query, json!({ "id": unknown }))
        .await;
    assert_eq!(reply.error_codes(), vec!["NOT_FOUND"]);
    assert_no_internals(&reply.body);
}

#[tokio::test]
async fn oversized_pages_are_rejected_not_capped() {
    let app = TestApp::start().await;
    let reply = app
        .graphql(
            Some(&app.admin_token()),
            "{ children(first: 101) { edges { cursor } } }",
            json!({}),
        )
        .await;
    assert_eq!(reply.error_codes(), vec!["BAD_USER_INPUT"]);
    assert_eq!(reply.body["errors"][0]["extensions"]["field"], "first");
}

#[tokio::test]
async fn http_misuse_gets_the_right_status() {
    let app = TestApp::start().await;
    let token = app.admin_token();
    // Mutations over GET: 405.
    let response = app
        .client()
        .get(app.url("/graphql"))
        .bearer_auth(&token)
        .query(&[("query", "mutation { anything }")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 405);
    // Queries over GET work.
    let response = app
        .client()
        .get(app.url("/graphql"))
        .bearer_auth(&token)
        .query(&[("query", "{ viewer { subject } }")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    // A body that is not JSON: 400 with a code.
    let response = app
        .client()
        .post(app.url("/graphql"))
        .bearer_auth(&token)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    let reply = TestApp::reply(response).await;
    assert_eq!(reply.status, 400);
    assert_eq!(reply.error_codes(), vec!["BAD_USER_INPUT"]);
    // Batches are refused.
    let response = app
        .client()
        .post(app.url("/graphql"))
        .bearer_auth(&token)
        .json(
            &json!([{ "query": "{ viewer { subject } }" }, { "query": "{ viewer { subject } }" }]),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 400);
    // A syntax error: 400, coded.
    let reply = app.graphql(Some(&token), "{ viewer { ", json!({})).await;
    assert_eq!(reply.status, 400);
    assert_eq!(reply.error_codes(), vec!["GRAPHQL_VALIDATION_FAILED"]);
}

#[tokio::test]
async fn queries_nested_too_deep_are_refused_before_running() {
    let app = TestApp::start().await;
    let mut query = String::from("givenName");
    for _ in 0..6 {
        query = format!("families {{ family {{ members {{ person {{ {query} }} }} }} }}");
    }
    let query = format!("{{ children(first: 1) {{ edges {{ node {{ {query} }} }} }} }}");
    let before = app.statements();
    let reply = app
        .graphql(Some(&app.admin_token()), &query, json!({}))
        .await;
    assert_eq!(reply.status, 400);
    assert_eq!(reply.error_codes(), vec!["QUERY_TOO_COMPLEX"]);
    // Refused before any resolver ran: only the (empty) audit flush could touch the database.
    assert!(app.statements() - before <= 1);
}
