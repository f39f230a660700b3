//! Hostile input: documents built to exhaust the server are refused with the right code and
//! status before anything is fetched, and the server stays healthy afterwards.

use familygraph::http::Hardening;
use familygraph_domain::Role;
use familygraph_graphql::{Introspection, Limits};
use familygraph_tests::{Backend, Reply, TestApp};
use sea_orm::ConnectionTrait;
use serde_json::json;

/// Sends `query` as the administrator and asserts it was refused with `code` (400, under
/// `application/graphql-response+json`) without the server running a single statement.
async fn refused(app: &TestApp, query: &str, code: &str) -> Reply {
    let token = app.admin_token();
    let before = app.statements();
    let reply = app.graphql(Some(&token), query, json!({})).await;
    assert_eq!(reply.status, 400, "{}", reply.body);
    assert_eq!(reply.error_codes(), vec![code.to_owned()], "{}", reply.body);
    assert!(
        reply
            .content_type
            .starts_with("application/graphql-response+json")
    );
    assert!(reply.body.get("data").is_none_or(|d| d.is_null()));
    assert_eq!(
        app.statements(),
        before,
        "a refused request fetched something"
    );
    reply
}

fn aliases(n: usize) -> String {
    let fields: String = (0..n)
        .map(|i| format!("a{i}: viewer {{ subject }} "))
        .collect();
    format!("{{ {fields} }}")
}

fn duplicated_fields(n: usize) -> String {
    let fields = "givenName ".repeat(n);
    format!("{{ children(first: 50) {{ edges {{ node {{ {fields} }} }} }} }}")
}

fn nested(levels: usize) -> String {
    // children > edges > node, then `families > family > members > person` repeated.
    let mut query = String::from("givenName");
    for _ in 0..levels.saturating_sub(3).div_ceil(4) {
        query = format!("families {{ family {{ members {{ person {{ {query} }} }} }} }}");
    }
    format!("{{ children(first: 1) {{ edges {{ node {{ {query} }} }} }} }}")
}

const HUGE_PAGE: &str = "{ children(first: 1000000) { edges { node { id givenName } } } }";

fn directives(n: usize) -> String {
    let directives = "@include(if: true) ".repeat(n);
    format!("{{ viewer {{ subject {directives} }} }}")
}

fn tokens(n: usize) -> String {
    format!("{{ viewer {{ {} }} }}", "subject ".repeat(n))
}

fn root_fields(n: usize) -> String {
    let fields: String = (0..n).map(|i| format!("field{i} ")).collect();
    format!("{{ {fields} }}")
}

#[tokio::test]
async fn hostile_documents_are_refused_before_anything_is_fetched() {
    let app = TestApp::start().await;
    app.graphql(
        Some(&app.admin_token()),
        "{ viewer { subject } }",
        json!({}),
    )
    .await
    .data();

    refused(&app, &aliases(101), "QUERY_TOO_COMPLEX").await;
    refused(&app, &duplicated_fields(500), "QUERY_TOO_COMPLEX").await;
    refused(&app, &nested(30), "QUERY_TOO_COMPLEX").await;
    refused(&app, HUGE_PAGE, "QUERY_TOO_COMPLEX").await;
    refused(&app, &directives(50), "QUERY_TOO_COMPLEX").await;
    refused(&app, &tokens(1_001), "QUERY_TOO_COMPLEX").await;
    refused(&app, &root_fields(21), "QUERY_TOO_COMPLEX").await;
    // The limits' messages say which limit.
    let reply = refused(&app, &aliases(16), "QUERY_TOO_COMPLEX").await;
    assert!(
        reply.body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("aliases")
    );

    // Just under each limit still runs.
    let token = app.admin_token();
    let ten_directives = format!(
        "{{ viewer {{ {} }} }}",
        "subject @include(if: true) ".repeat(10)
    );
    for query in [aliases(15), ten_directives, tokens(990)] {
        let reply = app.graphql(Some(&token), &query, json!({})).await;
        assert_eq!(reply.status, 200, "{query}: {}", reply.body);
        reply.data();
    }

    // A batch of ten operations: refused as a whole, nothing runs.
    let before = app.statements();
    let batch: Vec<_> = (0..10)
        .map(|_| json!({ "query": "{ children(first: 100) { totalCount } }" }))
        .collect();
    let response = app
        .client()
        .post(app.url("/graphql"))
        .bearer_auth(&token)
        .json(&batch)
        .send()
        .await
        .unwrap();
    let reply = TestApp::reply(response).await;
    assert_eq!(reply.status, 400);
    assert_eq!(reply.error_codes(), vec!["BAD_USER_INPUT"]);
    assert_eq!(app.statements(), before);

    // The same limits hold over GET.
    let response = app
        .client()
        .get(app.url("/graphql"))
        .bearer_auth(&token)
        .query(&[("query", aliases(101))])
        .send()
        .await
        .unwrap();
    let reply = TestApp::reply(response).await;
    assert_eq!(reply.status, 400);
    assert_eq!(reply.error_codes(), vec!["QUERY_TOO_COMPLEX"]);

    // Still healthy, and an ordinary query still works.
    let health = app.client().get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(health.status().as_u16(), 200);
    let reply = app
        .graphql(
            Some(&token),
            "{ children(first: 5) { totalCount edges { node { givenName } } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        reply.data()["children"]["edges"].as_array().unwrap().len(),
        5
    );
}

fn with_introspection(introspection: Introspection) -> Hardening {
    Hardening {
        limits: Limits {
            introspection,
            ..Limits::default()
        },
        ..Hardening::default()
    }
}

const SCHEMA_PROBE: &str = "{ __schema { types { name } } }";
const TYPE_PROBE: &str = "{ __type(name: \"Child\") { fields { name } } }";
const MISSPELT: &str = "{ childre { totalCount } }";

#[tokio::test]
async fn introspection_probes_are_refused_while_it_is_off_and_nothing_is_suggested() {
    let app = TestApp::start_with(with_introspection(Introspection::Off)).await;
    refused(&app, SCHEMA_PROBE, "FORBIDDEN").await;
    refused(&app, TYPE_PROBE, "FORBIDDEN").await;
    refused(
        &app,
        "query { viewer { subject } ...F } fragment F on Query { __schema { queryType { name } } }",
        "FORBIDDEN",
    )
    .await;
    let reply = app
        .graphql(Some(&app.admin_token()), MISSPELT, json!({}))
        .await;
    assert_eq!(reply.error_codes(), vec!["GRAPHQL_VALIDATION_FAILED"]);
    let message = reply.body["errors"][0]["message"].as_str().unwrap();
    assert!(!message.contains("Did you mean"), "{message}");
    assert!(!message.contains("children"), "{message}");
    // No GraphiQL either.
    let page = app.client().get(app.url("/graphiql")).send().await.unwrap();
    assert_eq!(page.status().as_u16(), 404);
    // __typename is not introspection.
    app.graphql(Some(&app.admin_token()), "{ __typename }", json!({}))
        .await
        .data();
}

#[tokio::test]
async fn introspection_follows_the_configured_policy() {
    // Default: any authenticated caller; suggestions are on.
    let app = TestApp::start().await;
    let worker = app.token(Role::SocialWorker, Some("sw-s1-01"), Some("S1"));
    let reply = app.graphql(Some(&worker), SCHEMA_PROBE, json!({})).await;
    assert!(reply.data()["__schema"]["types"].as_array().unwrap().len() > 10);
    let reply = app.graphql(Some(&worker), MISSPELT, json!({})).await;
    assert!(
        reply.body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("Did you mean")
    );
    // Without a token: nothing, as ever.
    let reply = app.graphql(None, SCHEMA_PROBE, json!({})).await;
    assert_eq!(reply.status, 401);
    let page = app.client().get(app.url("/graphiql")).send().await.unwrap();
    assert_eq!(page.status().as_u16(), 200);

    // Developers: administrators only.
    let app = TestApp::start_with(with_introspection(Introspection::Developers)).await;
    let worker = app.token(Role::SocialWorker, Some("sw-s1-01"), Some("S1"));
    let before = app.statements();
    let reply = app.graphql(Some(&worker), TYPE_PROBE, json!({})).await;
    assert_eq!(reply.error_codes(), vec!["FORBIDDEN"]);
    assert_eq!(app.statements(), before);
    app.graphql(Some(&app.admin_token()), TYPE_PROBE, json!({}))
        .await
        .data();
}

async fn preflight(app: &TestApp, origin: &str) -> reqwest::Response {
    app.client()
        .request(reqwest::Method::OPTIONS, app.url("/graphql"))
        .header("origin", origin)
        .header("access-control-request-method", "POST")
        .header(
            "access-control-request-headers",
            "authorization, content-type",
        )
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn cross_origin_requests_only_from_the_allow_list() {
    // Default: no origin is allowed.
    let app = TestApp::start().await;
    let response = preflight(&app, "https://evil.example").await;
    assert_eq!(response.status().as_u16(), 400);
    assert!(
        response
            .headers()
            .get("access-control-allow-origin")
            .is_none()
    );

    let app = TestApp::start_with(Hardening {
        cors_origins: vec!["https://case-ui.example.org".to_owned()],
        ..Hardening::default()
    })
    .await;
    let response = preflight(&app, "https://evil.example").await;
    assert_eq!(response.status().as_u16(), 400);
    assert!(
        response
            .headers()
            .get("access-control-allow-origin")
            .is_none()
    );
    let response = preflight(&app, "https://case-ui.example.org").await;
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(
        response.headers()["access-control-allow-origin"],
        "https://case-ui.example.org"
    );
    // A simple request from a disallowed origin runs (same as without CORS) but carries no
    // allow-origin header, so a browser will not hand the answer to the page.
    let response = app
        .client()
        .post(app.url("/graphql"))
        .header("origin", "https://evil.example")
        .bearer_auth(app.admin_token())
        .json(&json!({ "query": "{ viewer { subject } }" }))
        .send()
        .await
        .unwrap();
    assert!(
        response
            .headers()
            .get("access-control-allow-origin")
            .is_none()
    );
}

#[tokio::test]
async fn a_burst_over_the_rate_limit_is_refused_per_client() {
    let app = TestApp::start_with(Hardening {
        rate_limit_per_minute: 5,
        ..Hardening::default()
    })
    .await;
    let token = app.admin_token();
    for _ in 0..5 {
        app.graphql(Some(&token), "{ viewer { subject } }", json!({}))
            .await
            .data();
    }
    let before = app.statements();
    let response = app
        .client()
        .post(app.url("/graphql"))
        .bearer_auth(&token)
        .json(&json!({ "query": "{ children(first: 5) { totalCount } }" }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 429);
    let retry_after: u64 = response.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry_after), "{retry_after}");
    let reply = TestApp::reply(response).await;
    assert_eq!(reply.error_codes(), vec!["RATE_LIMITED"]);
    assert_eq!(app.statements(), before);

    // Another client has its own bucket; the service is healthy.
    let other = app.token(Role::SocialWorker, Some("sw-s1-01"), Some("S1"));
    app.graphql(Some(&other), "{ viewer { subject } }", json!({}))
        .await
        .data();
    let health = app.client().get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(health.status().as_u16(), 200);
}

#[tokio::test]
async fn operations_beyond_the_bound_wait_their_turn() {
    let app = TestApp::start_with(Hardening {
        max_concurrent_operations: 1,
        ..Hardening::default()
    })
    .await;
    let token = app.admin_token();
    // Hold the audit chain, so that a read of a child cannot answer: it keeps the only permit.
    let chain = familygraph_store::db::begin_write(&app.db).await.unwrap();
    let postgres = app.backend() == Backend::Postgres;
    if postgres {
        chain
            .execute_unprepared(&format!(
                "SELECT pg_advisory_xact_lock({})",
                familygraph_store::audit::CHAIN_LOCK
            ))
            .await
            .unwrap();
    }
    let read = app.graphql(
        Some(&token),
        "{ children(first: 1) { edges { node { givenName } } } }",
        json!({}),
    );
    tokio::pin!(read);
    // Until the read waits for the chain (PostgreSQL shows the lock it waits for; SQLite's
    // writer waits in its busy timeout, 5 s, so a second is given there).
    let until =
        std::time::Instant::now() + std::time::Duration::from_secs(if postgres { 10 } else { 1 });
    while std::time::Instant::now() < until {
        assert!(
            tokio::time::timeout(std::time::Duration::from_millis(50), &mut read)
                .await
                .is_err(),
            "the read answered while the audit chain was held"
        );
        if postgres
            && app
                .count("SELECT COUNT(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")
                .await
                > 0
        {
            break;
        }
    }
    // An operation that audits nothing still waits for the permit.
    let viewer = app.graphql(Some(&token), "{ viewer { subject } }", json!({}));
    tokio::pin!(viewer);
    assert!(
        tokio::time::timeout(std::time::Duration::from_millis(500), &mut viewer)
            .await
            .is_err(),
        "a second operation ran while the first held the only permit"
    );
    chain.rollback().await.unwrap();
    let (read, viewer) = tokio::join!(read, viewer);
    assert_eq!(read.status, 200, "{}", read.body);
    assert_eq!(viewer.status, 200, "{}", viewer.body);
    assert!(read.data()["children"]["edges"][0]["node"]["givenName"].is_string());
    assert_eq!(viewer.data()["viewer"]["subject"], "admin-test");
}
