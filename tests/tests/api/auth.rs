//! No request reaches a resolver without a valid bearer token.

use familygraph_domain::Role;
use familygraph_tests::TestApp;
use serde_json::json;

const VIEWER: &str = "{ viewer { subject roles team } }";

#[tokio::test]
async fn requests_without_a_token_get_401_unauthenticated() {
    let app = TestApp::start().await;
    let reply = app.graphql(None, VIEWER, json!({})).await;
    assert_eq!(reply.status, 401);
    assert_eq!(reply.error_codes(), vec!["UNAUTHENTICATED"]);
    assert!(reply.body.get("data").is_none());

    // GET is authenticated too.
    let response = app
        .client()
        .get(app.url("/graphql"))
        .query(&[("query", VIEWER)])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 401);
    assert_eq!(response.headers()["www-authenticate"], "Bearer");
}

#[tokio::test]
async fn forged_and_malformed_tokens_are_refused() {
    let app = TestApp::start().await;
    let good = app.admin_token();
    let (header, rest) = good.split_once('.').unwrap();
    let (payload, _signature) = rest.split_once('.').unwrap();
    let wrong_signature = format!("{header}.{payload}.AAAA");
    let unsigned = format!("eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.{payload}.");
    for token in ["not-a-jwt", wrong_signature.as_str(), unsigned.as_str()] {
        let reply = app.graphql(Some(token), VIEWER, json!({})).await;
        assert_eq!(reply.status, 401, "{token}");
        assert_eq!(reply.error_codes(), vec!["UNAUTHENTICATED"]);
    }
}

#[tokio::test]
async fn a_valid_token_names_the_caller() {
    let app = TestApp::start().await;
    let token = app.token(Role::SocialWorker, Some("sw-s1-01"), Some("S1"));
    let reply = app.graphql(Some(&token), VIEWER, json!({})).await;
    assert_eq!(reply.status, 200);
    let viewer = &reply.data()["viewer"];
    assert_eq!(viewer["subject"], "sw-s1-01");
    assert_eq!(viewer["roles"], json!(["social_worker"]));
    assert_eq!(viewer["team"], "S1");
}

#[tokio::test]
async fn health_and_readiness_answer_without_exposing_data() {
    let app = TestApp::start().await;
    for path in ["/healthz", "/readyz"] {
        let response = app.client().get(app.url(path)).send().await.unwrap();
        assert_eq!(response.status().as_u16(), 200, "{path}");
    }
    let page = app.client().get(app.url("/graphiql")).send().await.unwrap();
    assert_eq!(page.status().as_u16(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("graphiql"), "GraphiQL page served");
    assert!(!html.contains("cdn"), "no CDN assets");
}
