//! Responses keep the shape the GraphQL specification and GraphQL over HTTP promise, so typed
//! clients (Apollo, urql, Relay, gql, generated types) read them as written: an errored field
//! is `null`, not missing; a request refused before execution has no `data`; fields come back
//! in the order asked; arguments a scalar refuses are the caller's error; GraphiQL's
//! introspection query fits the limits.

use familygraph_domain::Role;
use familygraph_tests::TestApp;
use serde_json::{Value, json};

#[tokio::test]
async fn a_withheld_field_is_null_beside_the_fields_the_caller_may_read() {
    let app = TestApp::start().await;
    let school = app.school_token(Role::SchoolDsl, "990101");
    let reply = app
        .graphql(
            Some(&school),
            "{ children(first: 1) { edges { node { id givenName plans { kind } partnerView { hasOpenPlan } } } } }",
            json!({}),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.error_codes(), vec!["FORBIDDEN"], "{}", reply.body);
    assert_eq!(
        reply.body["errors"][0]["path"],
        json!(["children", "edges", 0, "node", "plans"])
    );
    let node = &reply.body["data"]["children"]["edges"][0]["node"];
    let fields = node.as_object().expect("the child is still there");
    assert!(fields["givenName"].is_string(), "{node}");
    assert!(fields["partnerView"]["hasOpenPlan"].is_boolean(), "{node}");
    // Present, and null: not left out.
    assert_eq!(fields.get("plans"), Some(&Value::Null), "{node}");
}

#[tokio::test]
async fn an_unknown_node_is_null_and_its_siblings_still_answer() {
    let app = TestApp::start().await;
    let token = app.admin_token();
    let unknown = familygraph_graphql::global_id::encode("Person", uuid::Uuid::now_v7()).0;
    let reply = app
        .graphql(
            Some(&token),
            "query($id: ID!) { node(id: $id) { id } viewer { subject } }",
            json!({ "id": unknown }),
        )
        .await;
    assert_eq!(reply.error_codes(), vec!["NOT_FOUND"]);
    assert_eq!(reply.body["data"]["node"], Value::Null);
    assert!(reply.body["data"]["viewer"]["subject"].is_string());
}

#[tokio::test]
async fn arguments_a_scalar_refuses_are_bad_user_input_not_internal() {
    let app = TestApp::start().await;
    let token = app.admin_token();
    for query in [
        "{ children(first: -20441465543296) { totalCount } }",
        "{ handOffs(from: \"not a date\") { total } }",
    ] {
        let reply = app.graphql(Some(&token), query, json!({})).await;
        assert_eq!(reply.error_codes(), vec!["BAD_USER_INPUT"], "{query}");
        let message = reply.body["errors"][0]["message"].as_str().unwrap_or("");
        assert!(message.starts_with("Failed to parse"), "{message}");
    }
}

#[tokio::test]
async fn a_request_refused_before_execution_has_no_data_entry() {
    let app = TestApp::start().await;
    let token = app.admin_token();
    for (accept, status) in [
        ("application/graphql-response+json", 400),
        ("application/json", 200),
    ] {
        for query in ["{ viewer { ", "{ noSuchField }"] {
            let response = app
                .client()
                .post(app.url("/graphql"))
                .bearer_auth(&token)
                .header("accept", accept)
                .json(&json!({ "query": query }))
                .send()
                .await
                .unwrap();
            let reply = TestApp::reply(response).await;
            assert_eq!(reply.status, status, "{accept} {query}");
            assert!(reply.content_type.starts_with(accept), "{accept}");
            assert!(reply.body.get("data").is_none(), "{}", reply.body);
            assert_eq!(reply.error_codes(), vec!["GRAPHQL_VALIDATION_FAILED"]);
        }
    }
}

#[tokio::test]
async fn fields_come_back_in_the_order_the_document_asks() {
    let app = TestApp::start().await;
    let token = app.admin_token();
    let text = app
        .client()
        .post(app.url("/graphql"))
        .bearer_auth(&token)
        .json(&json!({ "query": "{ viewer { subject roles } localities { name code } }" }))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let at = |key: &str| {
        text.find(&format!("\"{key}\""))
            .unwrap_or_else(|| panic!("{key} in {text}"))
    };
    assert!(at("viewer") < at("localities"), "{text}");
    assert!(at("subject") < at("roles"), "{text}");
    assert!(at("name") < at("code"), "{text}");
}

/// The introspection query graphql-js builds (and GraphiQL and codegen tools send), with
/// descriptions, directive repeatability and input value deprecation: 15 levels deep.
const INTROSPECTION_QUERY: &str = r#"
query IntrospectionQuery {
  __schema {
    queryType { name } mutationType { name } subscriptionType { name }
    types { ...FullType }
    directives { name description isRepeatable locations args(includeDeprecated: true) { ...InputValue } }
  }
}
fragment FullType on __Type {
  kind name description
  fields(includeDeprecated: true) {
    name description args(includeDeprecated: true) { ...InputValue } type { ...TypeRef }
    isDeprecated deprecationReason
  }
  inputFields(includeDeprecated: true) { ...InputValue }
  interfaces { ...TypeRef }
  enumValues(includeDeprecated: true) { name description isDeprecated deprecationReason }
  possibleTypes { ...TypeRef }
}
fragment InputValue on __InputValue {
  name description type { ...TypeRef } defaultValue isDeprecated deprecationReason
}
fragment TypeRef on __Type {
  kind name
  ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name
  ofType { kind name ofType { kind name ofType { kind name ofType { kind name } } } } } } } } }
}
"#;

#[tokio::test]
async fn graphiqls_introspection_query_fits_the_limits() {
    let app = TestApp::start().await;
    let token = app.token(Role::SocialWorker, Some("sw-s1-01"), Some("S1"));
    let reply = app
        .graphql(Some(&token), INTROSPECTION_QUERY, json!({}))
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let types = reply.data()["__schema"]["types"].as_array().unwrap();
    assert!(types.iter().any(|t| t["name"] == "Person"));
}
