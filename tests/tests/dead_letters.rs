//! Dead letters: administrators list outbound deliveries that gave up (case system and
//! webhooks), retry or discard them — through GraphQL and through `familygraph delivery` —
//! every action audited, no error text or payload shown. Runs on the backend
//! `FAMILYGRAPH_TEST_BACKEND` names.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::Command;

use chrono::Utc;
use familygraph_domain::Role;
use familygraph_store::entity::{
    outbox_delivery, outbox_event, webhook_delivery, webhook_subscription,
};
use familygraph_tests::{TestApp, TestDatabase};
use sea_orm::{ActiveValue::Set, DatabaseConnection, EntityTrait};
use serde_json::{Value, json};
use uuid::Uuid;

const DEAD_LETTERS: &str =
    "query($first: Int, $after: String, $kind: DeliveryKind, $all: Boolean) {
  deadLetters(first: $first, after: $after, kind: $kind, includeDiscarded: $all) {
    totalCount pageInfo { hasNextPage endCursor }
    edges { node { id kind status target subscriptionId eventId eventKind attempts errorClass
                   errorCode firstAttemptAt lastAttemptAt } } } }";

const RETRY: &str = "mutation($id: ID!) { retryDelivery(input: { id: $id }) {
  deadLetter { id status attempts } } }";

const DISCARD: &str = "mutation($id: ID!) { discardDelivery(input: { id: $id }) {
  deadLetter { id status attempts } } }";

/// The error text stored with the case-system dead letter; it must never be shown.
const SECRET_ERROR: &str = "case-system: rejected: refuses this event type (Synthetic Example)";

/// The rows of one dead letter per ledger.
struct Seeded {
    event: Uuid,
    outbox: Uuid,
    webhook: Uuid,
    fan_out: Uuid,
}

/// One outbox event, dead-lettered for the case system (a permanent refusal) and for one
/// webhook subscriber (HTTP 400), and delivered by the webhooks fan-out target.
async fn seed(db: &DatabaseConnection) -> Seeded {
    let now = Utc::now();
    let event = Uuid::now_v7();
    outbox_event::Entity::insert(outbox_event::ActiveModel {
        id: Set(event),
        occurred_at: Set(now),
        event_type: Set("ContactRecorded".into()),
        aggregate_type: Set("Contact".into()),
        aggregate_id: Set(Uuid::now_v7()),
        payload: Set("{}".into()),
        subject: Set("sw-ifd-01".into()),
        delivered_at: Set(None),
        attempts: Set(0),
    })
    .exec_without_returning(db)
    .await
    .unwrap();
    let row = |target: &str, status: &str, error: Option<&str>| outbox_delivery::ActiveModel {
        id: Set(Uuid::now_v7()),
        target: Set(target.into()),
        outbox_event_id: Set(event),
        status: Set(status.into()),
        attempts: Set(1),
        next_attempt_at: Set(now),
        last_error: Set(error.map(str::to_owned)),
        receipt: Set(None),
        duplicate: Set(false),
        delivered_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    };
    let outbox = row("case-system", "failed_permanently", Some(SECRET_ERROR));
    let outbox_id = *outbox.id.as_ref();
    let fan_out = row("webhooks", "delivered", None);
    let fan_out_id = *fan_out.id.as_ref();
    outbox_delivery::Entity::insert_many([outbox, fan_out])
        .exec_without_returning(db)
        .await
        .unwrap();
    let subscription = Uuid::now_v7();
    webhook_subscription::Entity::insert(webhook_subscription::ActiveModel {
        id: Set(subscription),
        client_id: Set("mis-example".into()),
        subject: Set("mis-example".into()),
        roles: Set("school_mis_integration".into()),
        team: Set(None),
        school_urn: Set(Some("100000".into())),
        agency: Set(None),
        url: Set("http://127.0.0.1:9/hooks".into()),
        event_types: Set("lead_practitioner.allocated".into()),
        secret: Set("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw".into()),
        active: Set(true),
        inactive_reason: Set(None),
        created_by: Set("mis-example".into()),
        created_at: Set(now),
        deleted_at: Set(None),
        deleted_by: Set(None),
    })
    .exec_without_returning(db)
    .await
    .unwrap();
    let webhook = Uuid::now_v7();
    webhook_delivery::Entity::insert(webhook_delivery::ActiveModel {
        id: Set(webhook),
        subscription_id: Set(subscription),
        outbox_event_id: Set(event),
        event_type: Set("lead_practitioner.allocated".into()),
        idempotency_key: Set(format!("msg_{}_{}", subscription.simple(), event.simple())),
        status: Set("failed".into()),
        attempts: Set(2),
        response_status: Set(Some(400)),
        last_error: Set(Some("webhook: HTTP status 400".into())),
        last_attempt_at: Set(Some(now)),
        delivered_at: Set(None),
        created_at: Set(now),
    })
    .exec_without_returning(db)
    .await
    .unwrap();
    Seeded {
        event,
        outbox: outbox_id,
        webhook,
        fan_out: fan_out_id,
    }
}

fn gid(type_name: &str, id: Uuid) -> String {
    familygraph_graphql::global_id::encode(type_name, id).0
}

async fn status_of(db: &DatabaseConnection, seeded: &Seeded) -> (String, i32, String, i32, String) {
    let outbox = outbox_delivery::Entity::find_by_id(seeded.outbox)
        .one(db)
        .await
        .unwrap()
        .unwrap();
    let webhook = webhook_delivery::Entity::find_by_id(seeded.webhook)
        .one(db)
        .await
        .unwrap()
        .unwrap();
    let fan_out = outbox_delivery::Entity::find_by_id(seeded.fan_out)
        .one(db)
        .await
        .unwrap()
        .unwrap();
    (
        outbox.status,
        outbox.attempts,
        webhook.status,
        webhook.attempts,
        fan_out.status,
    )
}

async fn audited(
    app_db: &DatabaseConnection,
    operation: &str,
    record: Uuid,
) -> Vec<(String, Option<String>)> {
    use sea_orm::{ColumnTrait, QueryFilter};
    familygraph_store::entity::audit_event::Entity::find()
        .filter(familygraph_store::entity::audit_event::Column::Operation.eq(operation))
        .filter(familygraph_store::entity::audit_event::Column::RecordId.eq(record))
        .all(app_db)
        .await
        .unwrap()
        .into_iter()
        .map(|row| (row.subject, row.purpose))
        .collect()
}

#[tokio::test]
async fn administrators_list_retry_and_discard_dead_letters() {
    let app = TestApp::start().await;
    let seeded = seed(&app.db).await;
    let admin = app.admin_token();

    // Both ledgers' dead letters, newest first, with classes, never the error text.
    let reply = app.graphql(Some(&admin), DEAD_LETTERS, json!({})).await;
    let text = reply.body.to_string();
    assert!(!text.contains("refuses this event type"), "{text}");
    let edges = reply.data()["deadLetters"]["edges"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(edges.len(), 2, "{text}");
    assert_eq!(reply.data()["deadLetters"]["totalCount"], 2, "{text}");
    let webhook = &edges[0]["node"];
    let outbox = &edges[1]["node"];
    assert_eq!(outbox["id"], json!(gid("OutboxDelivery", seeded.outbox)));
    assert_eq!(outbox["kind"], "CASE_SYSTEM");
    assert_eq!(outbox["status"], "DEAD_LETTERED");
    assert_eq!(outbox["target"], "case-system");
    assert_eq!(outbox["eventId"], json!(seeded.event.to_string()));
    assert_eq!(outbox["eventKind"], "ContactRecorded");
    assert_eq!(outbox["attempts"], 1);
    assert_eq!(outbox["errorClass"], "REFUSED");
    assert_eq!(outbox["errorCode"], Value::Null);
    assert!(outbox["firstAttemptAt"].is_string() && outbox["lastAttemptAt"].is_string());
    assert_eq!(webhook["id"], json!(gid("WebhookDelivery", seeded.webhook)));
    assert_eq!(webhook["kind"], "WEBHOOK");
    assert_eq!(webhook["errorClass"], "HTTP_STATUS");
    assert_eq!(webhook["errorCode"], 400);
    assert_eq!(webhook["attempts"], 2);
    assert_eq!(webhook["eventKind"], "lead_practitioner.allocated");
    assert!(webhook["subscriptionId"].is_string());

    // Relay pages; a kind filter.
    let first = app
        .graphql(Some(&admin), DEAD_LETTERS, json!({ "first": 1 }))
        .await;
    let page = &first.data()["deadLetters"];
    assert_eq!(page["pageInfo"]["hasNextPage"], true);
    assert_eq!(page["totalCount"], 2, "every page counts every dead letter");
    let after = page["pageInfo"]["endCursor"].clone();
    let second = app
        .graphql(
            Some(&admin),
            DEAD_LETTERS,
            json!({ "first": 1, "after": after }),
        )
        .await;
    let page = &second.data()["deadLetters"];
    assert_eq!(page["edges"][0]["node"]["id"], outbox["id"]);
    assert_eq!(page["pageInfo"]["hasNextPage"], false);
    let only = app
        .graphql(Some(&admin), DEAD_LETTERS, json!({ "kind": "CASE_SYSTEM" }))
        .await;
    assert_eq!(
        only.data()["deadLetters"]["edges"]
            .as_array()
            .unwrap()
            .len(),
        1
    );

    // Not for practitioners.
    let worker = app.token(Role::SocialWorker, Some("sw-s1-01"), Some("S1"));
    let refused = app.graphql(Some(&worker), DEAD_LETTERS, json!({})).await;
    assert_eq!(refused.error_codes(), vec!["FORBIDDEN"]);
    let refused = app
        .graphql(Some(&worker), RETRY, json!({ "id": outbox["id"] }))
        .await;
    assert_eq!(refused.error_codes(), vec!["FORBIDDEN"]);
    assert_eq!(status_of(&app.db, &seeded).await.0, "failed_permanently");

    // Retry: back to pending, attempts reset, audited; a second retry is a conflict.
    let reply = app
        .graphql(Some(&admin), RETRY, json!({ "id": outbox["id"] }))
        .await;
    assert_eq!(
        reply.data()["retryDelivery"]["deadLetter"]["attempts"],
        0,
        "{}",
        reply.body
    );
    let (status, attempts, ..) = status_of(&app.db, &seeded).await;
    assert_eq!((status.as_str(), attempts), ("pending", 0));
    let rows = audited(&app.db, "retryDelivery", seeded.outbox).await;
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].1.as_deref(), Some("delivery_administration"));
    let again = app
        .graphql(Some(&admin), RETRY, json!({ "id": outbox["id"] }))
        .await;
    assert_eq!(again.error_codes(), vec!["CONFLICT"]);

    // Discard: kept as discarded, listed only when asked, not retried, audited.
    let reply = app
        .graphql(Some(&admin), DISCARD, json!({ "id": webhook["id"] }))
        .await;
    assert_eq!(
        reply.data()["discardDelivery"]["deadLetter"]["status"],
        "DISCARDED",
        "{}",
        reply.body
    );
    assert_eq!(status_of(&app.db, &seeded).await.2, "discarded");
    assert_eq!(
        audited(&app.db, "discardDelivery", seeded.webhook)
            .await
            .len(),
        1
    );
    let listed = app.graphql(Some(&admin), DEAD_LETTERS, json!({})).await;
    assert_eq!(listed.data()["deadLetters"]["edges"], json!([]));
    let all = app
        .graphql(Some(&admin), DEAD_LETTERS, json!({ "all": true }))
        .await;
    assert_eq!(
        all.data()["deadLetters"]["edges"][0]["node"]["status"],
        "DISCARDED"
    );
    let again = app
        .graphql(Some(&admin), RETRY, json!({ "id": webhook["id"] }))
        .await;
    assert_eq!(again.error_codes(), vec!["CONFLICT"]);

    // Ids that are not deliveries.
    let wrong = app
        .graphql(
            Some(&admin),
            RETRY,
            json!({ "id": gid("Person", seeded.event) }),
        )
        .await;
    assert_eq!(wrong.error_codes(), vec!["BAD_USER_INPUT"]);
    let missing = app
        .graphql(
            Some(&admin),
            DISCARD,
            json!({ "id": gid("OutboxDelivery", Uuid::now_v7()) }),
        )
        .await;
    assert_eq!(missing.error_codes(), vec!["NOT_FOUND"]);
}

/// Runs `familygraph delivery ARGS…` against `database`: (exit code, stdout, stderr).
fn cli(database: &TestDatabase, args: &[&str]) -> (i32, String, String) {
    let data_dir = tempfile::tempdir().unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_familygraph-under-test"))
        .arg("delivery")
        .args(args)
        .env("DATABASE_URL", &database.url)
        .env("FAMILYGRAPH_DATA_DIR", data_dir.path())
        .env("USER", "ops-example")
        .env("RUST_LOG", "warn")
        .output()
        .unwrap();
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[tokio::test]
async fn the_command_line_lists_retries_and_discards_with_exit_codes() {
    let database = TestDatabase::seeded().await;
    let db = database.connect().await;
    let seeded = seed(&db).await;

    let (code, out, err) = cli(&database, &["dead-letters", "--json"]);
    assert_eq!(code, 0, "{err}");
    let listed: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(listed.as_array().unwrap().len(), 2, "{out}");
    assert!(!out.contains("refuses this event type"));
    assert_eq!(listed[1]["errorClass"], "REFUSED");
    assert_eq!(listed[0]["errorCode"], 400);
    let (code, table, _) = cli(&database, &["dead-letters"]);
    assert_eq!(code, 0);
    assert!(
        table.contains("case-system") && table.contains("HTTP_STATUS 400"),
        "{table}"
    );

    // A webhook retry queues the subscriber's delivery and the fan-out target's event again.
    let webhook = gid("WebhookDelivery", seeded.webhook);
    let (code, _, err) = cli(&database, &["retry", &webhook]);
    assert_eq!(code, 0, "{err}");
    let (_, _, webhook_status, webhook_attempts, fan_out) = status_of(&db, &seeded).await;
    assert_eq!(
        (webhook_status.as_str(), webhook_attempts, fan_out.as_str()),
        ("pending", 0, "pending")
    );
    let rows = audited(&db, "retryDelivery", seeded.webhook).await;
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].0, "command-line:ops-example");

    // A bare row id works too; a second discard fails (1); a malformed id is usage (2).
    let bare = seeded.outbox.to_string();
    let (code, _, err) = cli(&database, &["discard", &bare]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(status_of(&db, &seeded).await.0, "discarded");
    assert_eq!(
        audited(&db, "discardDelivery", seeded.outbox).await.len(),
        1
    );
    let (code, _, err) = cli(&database, &["discard", &bare]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("discarded, not dead-lettered"), "{err}");
    let (code, _, _) = cli(&database, &["retry", "not-an-id"]);
    assert_eq!(code, 2);
    let (code, _, _) = cli(&database, &["retry", &Uuid::now_v7().to_string()]);
    assert_eq!(code, 1);
    let (code, out, _) = cli(&database, &["dead-letters", "--json"]);
    assert_eq!(code, 0);
    assert_eq!(out.trim(), "[]");
}
