//! Break-glass access: a social worker in team N1 asks for time-limited access to a South
//! child's record with a reason; a short reason writes nothing; a proper one is granted at once,
//! flagged in the audit trail and the outbox; the grant is listed for the practitioner's
//! managers and the auditors, who review it (a stale version is a `CONFLICT`); partners may not
//! break glass. All people are synthetic.
//!
//! Assertions marked `// needs scope wiring` hold because the row scope unions in
//! `familygraph_store::break_glass::granted_children` (relation `break_glass`): the grant opens
//! the child's record through the ordinary queries until it expires.

use chrono::Utc;
use familygraph_domain::{Principal, Role};
use familygraph_store::audit::{AuditAppender, AuditContext, AuditEntry};
use familygraph_store::break_glass::reached_through_grants_of;
use familygraph_store::entity::{audit_event, break_glass_grant};
use familygraph_store::{AuditAction, AuditedRecord};
use familygraph_tests::{Reply, TestApp};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};

const REQUEST: &str = "mutation BreakGlass($input: RequestBreakGlassAccessInput!) {
  requestBreakGlassAccess(input: $input) {
    grant { id requestedBy reason grantedAt expiresAt active version reviewOutcome
            practitioner { id } child { id } }
    userErrors { field code message }
  }
}";

const REVIEW: &str = "mutation ReviewGrant($input: ReviewBreakGlassGrantInput!) {
  reviewBreakGlassGrant(input: $input) {
    grant { id version reviewedBy reviewOutcome reviewNote reviewedAt }
    userErrors { field code message }
  }
}";

const LIST: &str = "query Grants($unreviewedOnly: Boolean = true) {
  breakGlassGrants(first: 10, unreviewedOnly: $unreviewedOnly) {
    totalCount
    edges { node { id requestedBy reason active version child { id } practitioner { id } } }
  }
}";

const BY_IDENTIFIER: &str = "query LookUp($value: String!) {
  childByIdentifier(identifier: { kind: CASE_SYSTEM_ID, value: $value }) { id givenName }
}";

const REASON: &str = "Out-of-hours police call: child reported missing tonight";

/// A child with an open allocation in `team`, as (global id, case-system id).
async fn child_in(app: &TestApp, team: &str) -> (String, String) {
    let reply = app
        .graphql(
            Some(&app.admin_token()),
            "query TeamChild($team: String!) {
               children(first: 1, filter: { team: $team }) {
                 edges { node { id identifiers { kind value } } } } }",
            json!({ "team": team }),
        )
        .await;
    let node = &reply.data()["children"]["edges"][0]["node"];
    let case_id = node["identifiers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["kind"] == "CASE_SYSTEM_ID")
        .expect("seeded children have a case-system id")["value"]
        .as_str()
        .unwrap()
        .to_owned();
    (node["id"].as_str().unwrap().to_owned(), case_id)
}

fn request_input(case_id: &str, reason: &str, minutes: Option<i32>) -> Value {
    json!({ "input": { "child": { "kind": "CASE_SYSTEM_ID", "value": case_id },
                       "reason": reason, "minutes": minutes } })
}

fn payload<'a>(reply: &'a Reply, field: &str) -> &'a Value {
    &reply.data()[field]
}

fn codes(errors: &Value) -> Vec<(String, String)> {
    errors
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["field"][1].as_str().unwrap_or_default().to_owned(),
                e["code"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

/// (grants, grant outbox events, break-glass audit rows of writes).
async fn written(app: &TestApp) -> (i64, i64, i64) {
    (
        app.count("SELECT COUNT(*) FROM break_glass_grant").await,
        app.count(
            "SELECT COUNT(*) FROM outbox_event
             WHERE event_type IN ('BreakGlassAccessGranted', 'BreakGlassGrantReviewed')",
        )
        .await,
        app.count(
            "SELECT COUNT(*) FROM audit_event WHERE purpose = 'break_glass' AND action = 'WRITE'",
        )
        .await,
    )
}

/// Every audit row (record ids are compared in Rust: SQLite stores UUIDs as blobs).
async fn audit_rows(app: &TestApp) -> Vec<audit_event::Model> {
    audit_event::Entity::find().all(&app.db).await.unwrap()
}

/// How many audit rows by `subject` with `action` on the record match `purpose`.
async fn audited(
    app: &TestApp,
    subject: &str,
    action: &str,
    record_type: &str,
    global_id: &str,
    purpose: Option<&str>,
) -> usize {
    let id = uuid_of(global_id);
    audit_rows(app)
        .await
        .iter()
        .filter(|row| {
            row.subject == subject
                && row.action == action
                && row.record_type == record_type
                && row.record_id == id
                && row.purpose.as_deref() == purpose
                && row.correlation_id.is_some()
        })
        .count()
}

/// The record id inside a global id.
fn uuid_of(global_id: &str) -> uuid::Uuid {
    let mut id = familygraph_graphql::global_id::encode("Person", uuid::Uuid::nil());
    id.0 = global_id.to_owned();
    familygraph_graphql::global_id::decode("id", &id).unwrap().1
}

#[tokio::test]
async fn a_social_worker_breaks_glass_and_a_manager_reviews_it() {
    let app = TestApp::start().await;
    let worker = app.token(Role::SocialWorker, Some("sw-n1-01"), Some("N1"));
    let (child, case_id) = child_in(&app, "S1").await;

    // Out of scope: the South child does not exist for an N1 social worker.
    let reply = app
        .graphql(Some(&worker), BY_IDENTIFIER, json!({ "value": case_id }))
        .await;
    assert!(reply.data()["childByIdentifier"].is_null(), "{reply:?}");
    assert_eq!(written(&app).await, (0, 0, 0));

    // A short reason and too long a grant: user errors, nothing written.
    let audit_before = app.count("SELECT COUNT(*) FROM audit_event").await;
    let reply = app
        .graphql(
            Some(&worker),
            REQUEST,
            request_input(&case_id, "  need to check  ", Some(600)),
        )
        .await;
    let refused = payload(&reply, "requestBreakGlassAccess");
    assert!(refused["grant"].is_null());
    assert_eq!(
        codes(&refused["userErrors"]),
        vec![
            ("reason".to_owned(), "INVALID_VALUE".to_owned()),
            ("minutes".to_owned(), "INVALID_VALUE".to_owned())
        ]
    );
    // An identifier of no child.
    let reply = app
        .graphql(
            Some(&worker),
            REQUEST,
            request_input("NO-SUCH-CHILD-0001", REASON, None),
        )
        .await;
    assert_eq!(
        codes(&payload(&reply, "requestBreakGlassAccess")["userErrors"]),
        vec![("child".to_owned(), "UNKNOWN_RECORD".to_owned())]
    );
    assert_eq!(written(&app).await, (0, 0, 0));
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_event").await,
        audit_before
    );

    // A proper reason: granted at once, for the default hour.
    let reply = app
        .graphql(
            Some(&worker),
            REQUEST,
            request_input(&case_id, REASON, None),
        )
        .await;
    let granted = payload(&reply, "requestBreakGlassAccess");
    assert_eq!(granted["userErrors"], json!([]), "{reply:?}");
    let grant = &granted["grant"];
    assert_eq!(grant["requestedBy"], "sw-n1-01");
    assert_eq!(grant["reason"], REASON);
    assert_eq!(grant["active"], true);
    assert_eq!(grant["version"], 1);
    assert!(grant["reviewOutcome"].is_null());
    assert!(grant["practitioner"]["id"].is_string());
    let granted_at =
        chrono::DateTime::parse_from_rfc3339(grant["grantedAt"].as_str().unwrap()).unwrap();
    let expires_at =
        chrono::DateTime::parse_from_rfc3339(grant["expiresAt"].as_str().unwrap()).unwrap();
    assert_eq!(expires_at - granted_at, chrono::Duration::minutes(60));
    let grant_id = grant["id"].as_str().unwrap().to_owned();
    // needs scope wiring: the grant opens the child's record to the requester.
    assert_eq!(grant["child"]["id"], child.as_str());
    // The grant, its outbox event, and audit rows for the grant and the child, all flagged
    // break_glass and under one correlation id.
    assert_eq!(written(&app).await, (1, 1, 2));
    let flagged = Some("break_glass");
    assert_eq!(
        audited(
            &app,
            "sw-n1-01",
            "WRITE",
            "BreakGlassGrant",
            &grant_id,
            flagged
        )
        .await,
        1
    );
    assert_eq!(
        audited(&app, "sw-n1-01", "WRITE", "Person", &child, flagged).await,
        1
    );
    let correlations: std::collections::HashSet<_> = audit_rows(&app)
        .await
        .into_iter()
        .filter(|row| row.purpose.is_some())
        .map(|row| (row.operation, row.correlation_id))
        .collect();
    // One request: one operation name, one correlation id.
    assert_eq!(correlations.len(), 1, "{correlations:?}");
    assert!(
        correlations
            .iter()
            .all(|(operation, id)| operation.as_deref() == Some("BreakGlass") && id.is_some())
    );

    // Asking again while the grant is current: the record is already open.
    let reply = app
        .graphql(
            Some(&worker),
            REQUEST,
            request_input(&case_id, REASON, Some(30)),
        )
        .await;
    assert_eq!(
        codes(&payload(&reply, "requestBreakGlassAccess")["userErrors"]),
        vec![("child".to_owned(), "INVALID_VALUE".to_owned())]
    );
    assert_eq!(written(&app).await, (1, 1, 2));

    // A read of a child in the worker's own scope is audited without a purpose, with the
    // request's correlation id.
    let (own_child, own_case_id) = child_in(&app, "N1").await;
    let reply = app
        .graphql(
            Some(&worker),
            BY_IDENTIFIER,
            json!({ "value": own_case_id }),
        )
        .await;
    assert_eq!(reply.data()["childByIdentifier"]["id"], own_child.as_str());
    assert_eq!(
        audited(&app, "sw-n1-01", "READ", "Person", &own_child, None).await,
        1
    );

    // Within the grant, the child's record opens, and the read is flagged.
    let reply = app
        .graphql(Some(&worker), BY_IDENTIFIER, json!({ "value": case_id }))
        .await;
    // needs scope wiring
    assert_eq!(reply.data()["childByIdentifier"]["id"], child.as_str());
    // needs scope wiring: the payload's `child` and this lookup, two reads, both flagged.
    assert_eq!(
        audited(&app, "sw-n1-01", "READ", "Person", &child, flagged).await,
        2
    );

    // Once expired, the grant opens nothing.
    break_glass_grant::Entity::update_many()
        .col_expr(
            break_glass_grant::Column::ExpiresAt,
            Expr::value(chrono::Utc::now() - chrono::Duration::minutes(5)),
        )
        .filter(break_glass_grant::Column::Id.eq(uuid_of(&grant_id)))
        .exec(&app.db)
        .await
        .unwrap();
    let reply = app
        .graphql(Some(&worker), BY_IDENTIFIER, json!({ "value": case_id }))
        .await;
    // needs scope wiring (to be meaningful): expiry closes the record again.
    assert!(reply.data()["childByIdentifier"].is_null(), "{reply:?}");

    // Reviewers: the worker's team manager and locality manager, and auditors; not another
    // team's manager, nor the worker.
    let manager = app.token(Role::TeamManager, Some("tm-n1"), Some("N1"));
    let listed = |reply: &Reply| reply.data()["breakGlassGrants"].clone();
    for (token, expected) in [
        (manager.clone(), 1),
        (app.token(Role::LocalityManager, Some("lm-north"), None), 1),
        (app.token(Role::Auditor, Some("auditor-test"), None), 1),
        (app.token(Role::TeamManager, Some("tm-s1"), Some("S1")), 0),
        (app.token(Role::LocalityManager, Some("lm-south"), None), 0),
    ] {
        let reply = app.graphql(Some(&token), LIST, json!({})).await;
        let grants = listed(&reply);
        assert_eq!(grants["totalCount"], expected, "{reply:?}");
        assert_eq!(grants["edges"].as_array().unwrap().len(), expected as usize);
    }
    let reply = app.graphql(Some(&manager), LIST, json!({})).await;
    let node = &listed(&reply)["edges"][0]["node"];
    assert_eq!(node["id"], grant_id.as_str());
    assert_eq!(node["requestedBy"], "sw-n1-01");
    assert_eq!(node["active"], false);
    // The N1 manager may not see the South child: the grant shows, the child does not.
    assert!(node["child"].is_null());
    let auditor = app.token(Role::Auditor, Some("auditor-test"), None);
    let reply = app.graphql(Some(&auditor), LIST, json!({})).await;
    assert_eq!(
        listed(&reply)["edges"][0]["node"]["child"]["id"],
        child.as_str()
    );
    let reply = app.graphql(Some(&worker), LIST, json!({})).await;
    assert_eq!(reply.error_codes(), vec!["FORBIDDEN"]);

    // Reviewing: a stale version is a CONFLICT; another team's manager cannot find it; an
    // INAPPROPRIATE verdict needs a note.
    let review = |version: i32, outcome: &str, note: Option<&str>| {
        json!({ "input": { "grantId": grant_id, "version": version, "outcome": outcome,
                           "note": note } })
    };
    let reply = app
        .graphql(Some(&manager), REVIEW, review(7, "APPROPRIATE", None))
        .await;
    assert_eq!(reply.error_codes(), vec!["CONFLICT"]);
    let other = app.token(Role::TeamManager, Some("tm-s1"), Some("S1"));
    let reply = app
        .graphql(Some(&other), REVIEW, review(1, "APPROPRIATE", None))
        .await;
    assert_eq!(
        codes(&payload(&reply, "reviewBreakGlassGrant")["userErrors"]),
        vec![("grantId".to_owned(), "UNKNOWN_RECORD".to_owned())]
    );
    let reply = app
        .graphql(
            Some(&manager),
            REVIEW,
            review(1, "INAPPROPRIATE", Some("  ")),
        )
        .await;
    assert_eq!(
        codes(&payload(&reply, "reviewBreakGlassGrant")["userErrors"]),
        vec![("note".to_owned(), "REQUIRED".to_owned())]
    );
    assert_eq!(written(&app).await, (1, 1, 2));

    let reply = app
        .graphql(
            Some(&manager),
            REVIEW,
            review(
                1,
                "APPROPRIATE",
                Some("Police call confirmed by the duty desk."),
            ),
        )
        .await;
    let reviewed = payload(&reply, "reviewBreakGlassGrant");
    assert_eq!(reviewed["userErrors"], json!([]), "{reply:?}");
    assert_eq!(reviewed["grant"]["version"], 2);
    assert_eq!(reviewed["grant"]["reviewedBy"], "tm-n1");
    assert_eq!(reviewed["grant"]["reviewOutcome"], "APPROPRIATE");
    assert_eq!(
        reviewed["grant"]["reviewNote"],
        "Police call confirmed by the duty desk."
    );
    assert!(reviewed["grant"]["reviewedAt"].is_string());
    assert_eq!(written(&app).await, (1, 2, 3));
    assert_eq!(
        audited(
            &app,
            "tm-n1",
            "WRITE",
            "BreakGlassGrant",
            &grant_id,
            flagged
        )
        .await,
        1
    );

    // Reviewed once: off the unreviewed list, on the full one; a second review is refused.
    let reply = app.graphql(Some(&auditor), LIST, json!({})).await;
    assert_eq!(listed(&reply)["totalCount"], 0);
    let reply = app
        .graphql(Some(&auditor), LIST, json!({ "unreviewedOnly": false }))
        .await;
    assert_eq!(listed(&reply)["totalCount"], 1);
    assert_eq!(listed(&reply)["edges"][0]["node"]["version"], 2);
    let reply = app
        .graphql(
            Some(&auditor),
            REVIEW,
            review(2, "INAPPROPRIATE", Some("late review")),
        )
        .await;
    assert_eq!(
        codes(&payload(&reply, "reviewBreakGlassGrant")["userErrors"]),
        vec![("grantId".to_owned(), "ALREADY_DECIDED".to_owned())]
    );

    // The auditor sees the flags in the trail; the chain still verifies.
    let reply = app
        .graphql(
            Some(&auditor),
            "query Trail($record: ID!) { auditTrail(record: $record, first: 10) {
               edges { node { action purpose correlationId operation } } } }",
            json!({ "record": grant_id }),
        )
        .await;
    let trail = reply.data()["auditTrail"]["edges"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(trail.len(), 2, "{trail:?}");
    for edge in &trail {
        assert_eq!(edge["node"]["purpose"], "break_glass");
        assert!(edge["node"]["correlationId"].is_string());
    }
    assert_ne!(
        trail[0]["node"]["correlationId"],
        trail[1]["node"]["correlationId"]
    );
    assert!(
        familygraph_store::audit::verify(&app.db)
            .await
            .unwrap()
            .is_intact()
    );
}

#[tokio::test]
async fn partners_may_not_break_glass_nor_list_grants() {
    let app = TestApp::start().await;
    let (_, case_id) = child_in(&app, "S1").await;
    let dsl = app.school_token(Role::SchoolDsl, "100001");
    let reply = app
        .graphql(Some(&dsl), REQUEST, request_input(&case_id, REASON, None))
        .await;
    assert_eq!(reply.error_codes(), vec!["FORBIDDEN"], "{reply:?}");
    let reply = app.graphql(Some(&dsl), LIST, json!({})).await;
    assert_eq!(reply.error_codes(), vec!["FORBIDDEN"], "{reply:?}");
    // A social worker may ask, but not review.
    let worker = app.token(Role::SocialWorker, Some("sw-n1-01"), Some("N1"));
    let reply = app
        .graphql(
            Some(&worker),
            REVIEW,
            json!({ "input": { "grantId": familygraph_graphql::global_id::encode(
                        "BreakGlassGrant", uuid::Uuid::now_v7()).0,
                    "version": 1, "outcome": "APPROPRIATE" } }),
        )
        .await;
    assert_eq!(reply.error_codes(), vec!["FORBIDDEN"]);
    assert_eq!(written(&app).await, (0, 0, 0));
}

#[tokio::test]
async fn a_child_already_in_scope_needs_no_grant() {
    let app = TestApp::start().await;
    let worker = app.token(Role::SocialWorker, Some("sw-n1-01"), Some("N1"));
    let (_, case_id) = child_in(&app, "N1").await;
    let reply = app
        .graphql(
            Some(&worker),
            REQUEST,
            request_input(&case_id, REASON, Some(15)),
        )
        .await;
    let refused = payload(&reply, "requestBreakGlassAccess");
    assert!(refused["grant"].is_null());
    assert_eq!(
        codes(&refused["userErrors"]),
        vec![("child".to_owned(), "INVALID_VALUE".to_owned())]
    );
    assert_eq!(written(&app).await, (0, 0, 0));
}

#[tokio::test]
async fn one_audit_batch_marks_each_reader_by_their_own_grants() {
    let app = TestApp::start().await;
    let holder = app.token(Role::SocialWorker, Some("sw-n1-01"), Some("N1"));
    let (child, case_id) = child_in(&app, "S1").await;
    let reply = app
        .graphql(
            Some(&holder),
            REQUEST,
            request_input(&case_id, REASON, None),
        )
        .await;
    assert_eq!(
        payload(&reply, "requestBreakGlassAccess")["userErrors"],
        json!([]),
        "{reply:?}"
    );
    let child = AuditedRecord {
        record_type: "Person",
        record_id: uuid_of(&child),
    };

    // Several readers' grants in one go: only the holder has one, and it reaches the child,
    // the child's family and that family's members.
    let reached =
        reached_through_grants_of(&app.db, &["sw-s1-01", "sw-n1-01", "nobody"], Utc::now())
            .await
            .unwrap();
    assert_eq!(reached.keys().collect::<Vec<_>>(), vec!["sw-n1-01"]);
    let through_grant = &reached["sw-n1-01"];
    assert!(through_grant.contains(&child));
    assert!(through_grant.iter().any(|r| r.record_type == "Family"));
    assert!(
        through_grant
            .iter()
            .filter(|r| r.record_type == "Person")
            .count()
            > 1,
        "the family's other members"
    );

    // The holder and a social worker whose team holds the child read it; their entries share
    // one batch, and only the holder's row is flagged.
    let appender = AuditAppender::start(app.db.clone());
    let entry = |subject: &str, team: &str| {
        AuditEntry::new(
            &Principal {
                subject: subject.to_owned(),
                client_id: None,
                roles: vec![Role::SocialWorker],
                team: Some(team.to_owned()),
                school_urn: None,
                agency: None,
            },
            Some("BatchedRead"),
            AuditAction::Read,
            vec![child.clone()],
            AuditContext::default(),
        )
    };
    let (held, allocated) = tokio::join!(
        appender.append_reads(entry("sw-n1-01", "N1")),
        appender.append_reads(entry("sw-s1-01", "S1")),
    );
    held.unwrap();
    allocated.unwrap();
    let stats = appender.stats();
    assert_eq!((stats.batches, stats.requests), (1, 2), "{stats:?}");
    let purposes: Vec<(String, Option<String>)> = audit_event::Entity::find()
        .filter(audit_event::Column::Operation.eq("BatchedRead"))
        .all(&app.db)
        .await
        .unwrap()
        .into_iter()
        .filter(|row| row.record_id == child.record_id)
        .map(|row| (row.subject, row.purpose))
        .collect();
    assert_eq!(purposes.len(), 2, "{purposes:?}");
    assert!(purposes.contains(&("sw-n1-01".to_owned(), Some("break_glass".to_owned()))));
    assert!(purposes.contains(&("sw-s1-01".to_owned(), None)));
    appender.shutdown().await;
}
