//! Read audits are group-committed: the reads of concurrent requests are appended in fewer
//! transactions than there are requests, yet every request's rows are written before it
//! answers and the chain verifies; when a batch cannot be appended, every request in it is
//! answered with the masked `INTERNAL` error and no data.

use familygraph_domain::Role;
use familygraph_store::audit;
use familygraph_tests::{Backend, TestApp};
use futures_util::future::join_all;
use sea_orm::ConnectionTrait;
use serde_json::json;

/// Concurrent requests.
const REQUESTS: usize = 50;

/// Request `n`: a page of S1's caseload, under an operation name of its own.
fn document(n: usize) -> String {
    format!(
        "query GroupCommit{n} {{ children(first: 3) {{ edges {{ node {{ id givenName }} }} }} }}"
    )
}

/// Audit `INSERT`s among `sql`.
fn audit_inserts(sql: &[String]) -> usize {
    sql.iter()
        .filter(|statement| {
            let statement = statement.to_ascii_lowercase();
            statement.starts_with("insert into") && statement.contains("audit_event")
        })
        .count()
}

#[tokio::test]
async fn concurrent_reads_are_audited_in_fewer_commits_than_requests() {
    let app = TestApp::start().await;
    let token = app.token(Role::TeamManager, Some("tm-s1"), Some("S1"));
    let documents: Vec<String> = (0..REQUESTS).map(document).collect();
    let before = app.statements();
    let replies = join_all(
        documents
            .iter()
            .map(|document| app.graphql(Some(&token), document, json!({}))),
    )
    .await;
    let inserts = audit_inserts(&app.statements_since(before));
    for (n, reply) in replies.iter().enumerate() {
        let returned = reply.data()["children"]["edges"].as_array().unwrap().len() as i64;
        assert!(returned > 0);
        // Answered only once its reads were written: every row is there.
        let audited = app
            .count(&format!(
                "SELECT COUNT(*) FROM audit_event WHERE operation = 'GroupCommit{n}' \
                 AND subject = 'tm-s1' AND action = 'READ' AND correlation_id IS NOT NULL"
            ))
            .await;
        assert_eq!(audited, returned, "request {n}");
    }
    println!("{REQUESTS} concurrent audited reads: {inserts} audit INSERTs");
    assert!(inserts >= 1);
    assert!(
        inserts < REQUESTS,
        "{inserts} audit INSERTs for {REQUESTS} requests: no batch formed"
    );
    let report = audit::verify(&app.db).await.unwrap();
    assert!(report.is_intact(), "{report:?}");
}

#[tokio::test]
async fn when_a_batch_cannot_be_appended_every_request_in_it_gets_no_data() {
    let app = TestApp::start().await;
    let token = app.token(Role::TeamManager, Some("tm-s1"), Some("S1"));
    let refuse: &[&str] = match app.backend() {
        Backend::Postgres => &[
            "CREATE FUNCTION refuse_audit() RETURNS trigger LANGUAGE plpgsql AS $$ \
             BEGIN RAISE EXCEPTION 'synthetic audit failure'; END $$",
            "CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_event FOR EACH ROW \
             EXECUTE FUNCTION refuse_audit()",
        ],
        Backend::Sqlite => &["CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_event \
             BEGIN SELECT RAISE(ABORT, 'synthetic audit failure'); END"],
    };
    for sql in refuse {
        app.db.execute_unprepared(sql).await.unwrap();
    }
    let before = app.count("SELECT COUNT(*) FROM audit_event").await;
    let documents: Vec<String> = (0..10).map(document).collect();
    let replies = join_all(
        documents
            .iter()
            .map(|document| app.graphql(Some(&token), document, json!({}))),
    )
    .await;
    for reply in &replies {
        assert_eq!(reply.status, 500, "{:?}", reply.body);
        assert_eq!(reply.error_codes(), vec!["INTERNAL".to_owned()]);
        assert!(reply.body.get("data").is_none(), "{:?}", reply.body);
        let message = reply.body["errors"][0]["message"].as_str().unwrap();
        assert!(
            !message.contains("synthetic audit failure"),
            "masked: {message}"
        );
    }
    assert_eq!(app.count("SELECT COUNT(*) FROM audit_event").await, before);

    let restore: &[&str] = match app.backend() {
        Backend::Postgres => &[
            "DROP TRIGGER refuse_audit ON audit_event",
            "DROP FUNCTION refuse_audit()",
        ],
        Backend::Sqlite => &["DROP TRIGGER refuse_audit"],
    };
    for sql in restore {
        app.db.execute_unprepared(sql).await.unwrap();
    }
    app.graphql(Some(&token), &document(0), json!({}))
        .await
        .data();
    assert!(audit::verify(&app.db).await.unwrap().is_intact());
}
