//! Signed webhooks end to end: a school's MIS client subscribes; a lead practitioner allocated
//! to a child on its roll reaches a real local HTTP receiver once, signed with the secret the
//! subscription showed, with the same idempotency key on a forced retry; a child off its roll
//! sends nothing and leaves no delivery row; the delivery log shows the attempts; another
//! client can neither list, read nor delete the subscription; a 410 Gone stops it.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use familygraph::delivery::backoff::Backoff;
use familygraph::delivery::worker::WorkerSettings;
use familygraph::delivery::{Deliveries, TargetSource};
use familygraph::webhooks::WebhookTargets;
use familygraph_adapter_webhook::{DEFAULT_TOLERANCE, verify};
use familygraph_domain::{Policy, Role};
use familygraph_graphql::global_id;
use familygraph_store::entity::{
    agency, agency_link, involvement, outbox_delivery, practitioner, webhook_delivery,
    webhook_subscription,
};
use familygraph_tests::TestApp;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};
use uuid::Uuid;

/// One request as the receiver saw it.
#[derive(Clone, Debug)]
struct Received {
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    answered: u16,
}

impl Received {
    fn header(&self, name: &str) -> &str {
        self.headers
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
            .unwrap_or_default()
    }

    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap()
    }
}

/// A real HTTP receiver answering the queued statuses, then 200.
#[derive(Clone, Default)]
struct Receiver {
    received: Arc<Mutex<Vec<Received>>>,
    answers: Arc<Mutex<VecDeque<u16>>>,
}

impl Receiver {
    fn received(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }
}

async fn hook(request: HttpRequest, body: web::Bytes, state: web::Data<Receiver>) -> HttpResponse {
    let answered = state.answers.lock().unwrap().pop_front().unwrap_or(200);
    let headers = request
        .headers()
        .iter()
        .map(|(name, value)| {
            (
                name.as_str().to_owned(),
                value.to_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    state.received.lock().unwrap().push(Received {
        headers,
        body: body.to_vec(),
        answered,
    });
    HttpResponse::build(actix_web::http::StatusCode::from_u16(answered).unwrap()).finish()
}

async fn start_receiver(receiver: Receiver) -> String {
    let data = web::Data::new(receiver);
    let server = HttpServer::new(move || {
        App::new()
            .app_data(data.clone())
            .route("/hooks", web::post().to(hook))
    })
    .workers(1)
    .disable_signals()
    .bind("127.0.0.1:0")
    .unwrap();
    let address = server.addrs()[0];
    tokio::spawn(server.run());
    format!("http://{address}/hooks")
}

/// The delivery workers, fast, over the app's database, with the webhook targets only.
fn start_deliveries(app: &TestApp) -> Deliveries {
    start_deliveries_retrying_after(app, Duration::from_millis(200))
}

/// [`start_deliveries`], the first retry after about `initial`.
fn start_deliveries_retrying_after(app: &TestApp, initial: Duration) -> Deliveries {
    let policy = Arc::new(Policy::builtin().unwrap());
    let targets: Arc<dyn TargetSource> = Arc::new(WebhookTargets::new(policy, 5));
    Deliveries::start(
        app.db.clone(),
        vec![targets],
        WorkerSettings {
            poll: Duration::from_millis(100),
            batch: 100,
            backoff: Backoff {
                initial,
                max: initial * 2,
            },
            max_attempts: 0,
            lease: Duration::from_secs(30),
            attempt_timeout: Duration::from_secs(10),
            refresh: Duration::from_millis(200),
        },
    )
}

/// A school (URN) with a child on its roll who has no lead practitioner, and a child on
/// another school's roll (so off this one's) who has none either.
async fn school_and_children(app: &TestApp) -> (String, Uuid, Uuid) {
    // On roll today, by the agency-link rule (`scope::agency_link_current`): UK date.
    let today = familygraph_domain::calendar::uk_today();
    let links = agency_link::Entity::find()
        .filter(agency_link::Column::Kind.eq("ON_ROLL"))
        .filter(agency_link::Column::StartedOn.lte(today))
        .filter(
            sea_orm::Condition::any()
                .add(agency_link::Column::EndedOn.is_null())
                .add(agency_link::Column::EndedOn.gte(today)),
        )
        .all(&app.db)
        .await
        .unwrap();
    let schools: BTreeMap<Uuid, String> = agency::Entity::find()
        .all(&app.db)
        .await
        .unwrap()
        .into_iter()
        .filter_map(|a| a.urn.map(|urn| (a.id, urn)))
        .collect();
    let led: BTreeSet<Uuid> = involvement::Entity::find()
        .filter(involvement::Column::Role.eq("FAMILY_HELP_LEAD"))
        .filter(involvement::Column::EndedOn.is_null())
        .all(&app.db)
        .await
        .unwrap()
        .into_iter()
        .map(|i| i.person_id)
        .collect();
    let mut rolls: BTreeMap<String, BTreeSet<Uuid>> = BTreeMap::new();
    for link in &links {
        if let Some(urn) = schools.get(&link.agency_id) {
            rolls.entry(urn.clone()).or_default().insert(link.person_id);
        }
    }
    for (urn, roll) in &rolls {
        let Some(on) = roll.iter().find(|c| !led.contains(c)) else {
            continue;
        };
        let off = rolls
            .iter()
            .filter(|(other, _)| *other != urn)
            .flat_map(|(_, children)| children.iter())
            .find(|c| !roll.contains(c) && !led.contains(c) && *c != on);
        if let Some(off) = off {
            return (urn.clone(), *on, *off);
        }
    }
    panic!("the seed has a school with an unled child on roll and another unled child");
}

async fn allocate(app: &TestApp, child: Uuid, practitioner: Uuid) {
    let reply = app
        .graphql(
            Some(&app.admin_token()),
            "mutation($input: AllocateLeadPractitionerInput!) { allocateLeadPractitioner(input: $input) {
                involvement { id } userErrors { code field message } } }",
            json!({ "input": {
                "childId": global_id::encode("Person", child).0,
                "practitionerId": global_id::encode("Practitioner", practitioner).0,
                "startedOn": chrono::Utc::now().date_naive().to_string() } }),
        )
        .await;
    let errors = &reply.data()["allocateLeadPractitioner"]["userErrors"];
    assert_eq!(errors, &json!([]), "{}", reply.body);
}

async fn wait_for(what: &str, mut done: impl FnMut() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn ledger(app: &TestApp, subscription: Uuid) -> Vec<webhook_delivery::Model> {
    webhook_delivery::Entity::find()
        .filter(webhook_delivery::Column::SubscriptionId.eq(subscription))
        .all(&app.db)
        .await
        .unwrap()
}

const CREATE: &str = "mutation($input: CreateWebhookSubscriptionInput!) {
    createWebhookSubscription(input: $input) {
        subscription { id clientId url eventTypes active createdBy }
        secret
        userErrors { field code message } } }";

const LIST: &str = "{ webhookSubscriptions { id clientId active inactiveReason } }";

const DELIVERIES: &str = "query($id: ID!) { webhookDeliveries(subscriptionId: $id) {
    totalCount edges { node { eventType eventId idempotencyKey status attempts responseStatus
        lastError lastAttemptAt nextAttemptAt deliveredAt } } } }";

const DELETE: &str = "mutation($id: ID!) { deleteWebhookSubscription(id: $id) { subscription { id active inactiveReason } } }";

#[tokio::test]
async fn a_school_is_told_of_a_lead_practitioner_for_a_child_on_its_roll_only() {
    let app = TestApp::start().await;
    let (urn, on_roll, off_roll) = school_and_children(&app).await;
    let lead = practitioner::Entity::find()
        .one(&app.db)
        .await
        .unwrap()
        .expect("the seed has practitioners");
    let receiver = Receiver::default();
    // The first attempt is refused with a 500, forcing a retry.
    receiver.answers.lock().unwrap().push_back(500);
    let url = start_receiver(receiver.clone()).await;
    let deliveries = start_deliveries(&app);

    let mis = app.client_token(
        "school-mis-webhooks",
        Role::SchoolMisIntegration,
        "school-mis-webhooks",
        Some(&urn),
    );
    let created = app
        .graphql(
            Some(&mis),
            CREATE,
            json!({ "input": { "url": url, "eventTypes": ["lead_practitioner.allocated"] } }),
        )
        .await;
    let created = created.data()["createWebhookSubscription"].clone();
    assert_eq!(created["userErrors"], json!([]), "{created}");
    let secret = created["secret"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("whsec_"), "{secret}");
    let subscription = created["subscription"].clone();
    assert_eq!(subscription["clientId"], "school-mis-webhooks");
    assert_eq!(subscription["active"], true);
    assert_eq!(
        subscription["eventTypes"],
        json!(["lead_practitioner.allocated"])
    );
    let subscription_id = subscription["id"].as_str().unwrap().to_owned();
    let subscription_uuid = webhook_subscription::Entity::find()
        .filter(webhook_subscription::Column::ClientId.eq("school-mis-webhooks"))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
        .id;
    assert_eq!(
        global_id::encode("WebhookSubscription", subscription_uuid).0,
        subscription_id
    );
    // The secret is shown once: never in a listing.
    let listed = app.graphql(Some(&mis), LIST, json!({})).await;
    assert!(!listed.body.to_string().contains(&secret));

    // Let the worker pick the new subscription up, then allocate: off the roll first.
    tokio::time::sleep(Duration::from_millis(600)).await;
    allocate(&app, off_roll, lead.id).await;
    allocate(&app, on_roll, lead.id).await;

    wait_for("a delivery and its retry", || {
        receiver.received().len() >= 2
    })
    .await;
    // Give the worker time to send anything else it (wrongly) might.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let received = receiver.received();
    assert_eq!(
        received.iter().map(|r| r.answered).collect::<Vec<_>>(),
        vec![500, 200],
        "exactly one delivery, retried once: {received:?}"
    );
    let first = &received[0];
    let second = &received[1];
    for one in &received {
        let verified = verify(&secret, &one.headers, &one.body, DEFAULT_TOLERANCE).unwrap();
        assert_eq!(verified.id, one.header("webhook-id"));
        assert_eq!(one.header("idempotency-key"), one.header("webhook-id"));
        assert_eq!(
            one.header("familygraph-event-type"),
            "lead_practitioner.allocated"
        );
    }
    assert_eq!(first.header("webhook-id"), second.header("webhook-id"));
    assert!(first.header("webhook-id").starts_with("msg_"));
    assert_eq!(first.body, second.body);
    // Someone else's secret does not verify it.
    assert!(
        verify(
            "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
            &first.headers,
            &first.body,
            DEFAULT_TOLERANCE
        )
        .is_err()
    );

    // The body: the child on roll by global id (and UPN, which identity allows), the lead's
    // name, role and team — nothing else about the child.
    let body = second.json();
    assert_eq!(body["type"], "lead_practitioner.allocated");
    let data = &body["data"];
    assert_eq!(data["child"]["id"], global_id::encode("Person", on_roll).0);
    assert_eq!(
        data["child"]
            .as_object()
            .unwrap()
            .keys()
            .collect::<Vec<_>>(),
        vec!["id", "upn"]
    );
    assert_eq!(
        data["leadPractitioner"]["name"],
        format!("{} {}", lead.given_name, lead.family_name)
    );
    assert_eq!(data["leadPractitioner"]["role"], lead.role.as_str());
    let text = String::from_utf8(second.body.clone()).unwrap();
    assert!(!text.contains(&off_roll.to_string()));
    assert!(!text.contains(&global_id::encode("Person", off_roll).0));
    assert!(!text.contains(&on_roll.to_string()), "no raw database ids");

    // The delivery log: one row (none for the child off the roll), two attempts, delivered —
    // though the delivery worker did take both events on and fan them out.
    let fanned = outbox_delivery::Entity::find()
        .filter(outbox_delivery::Column::Target.eq("webhooks"))
        .all(&app.db)
        .await
        .unwrap();
    assert_eq!(fanned.len(), 2, "{fanned:?}");
    assert!(
        fanned.iter().all(|row| row.status == "delivered"),
        "{fanned:?}"
    );
    let rows = ledger(&app, subscription_uuid).await;
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0].status, "delivered");
    assert_eq!(rows[0].attempts, 2);
    assert_eq!(rows[0].response_status, Some(200));
    assert_eq!(rows[0].idempotency_key, first.header("webhook-id"));
    let log = app
        .graphql(Some(&mis), DELIVERIES, json!({ "id": subscription_id }))
        .await;
    let log = log.data()["webhookDeliveries"].clone();
    assert_eq!(log["totalCount"], 1, "{log}");
    let entry = &log["edges"][0]["node"];
    assert_eq!(entry["status"], "DELIVERED");
    assert_eq!(entry["eventType"], "lead_practitioner.allocated");
    assert_eq!(entry["attempts"], 2);
    assert_eq!(entry["responseStatus"], 200);
    assert!(entry["nextAttemptAt"].is_null());
    assert_eq!(entry["idempotencyKey"], first.header("webhook-id"));
    assert!(entry["deliveredAt"].is_string());
    assert_eq!(data["eventId"], entry["eventId"]);

    // Another school's client sees none of it, and cannot delete it.
    let other = app.client_token(
        "another-school-mis",
        Role::SchoolMisIntegration,
        "another-school-mis",
        Some("990199"),
    );
    let theirs = app.graphql(Some(&other), LIST, json!({})).await;
    assert_eq!(theirs.data()["webhookSubscriptions"], json!([]));
    let peek = app
        .graphql(Some(&other), DELIVERIES, json!({ "id": subscription_id }))
        .await;
    assert_eq!(peek.error_codes(), vec!["NOT_FOUND"], "{}", peek.body);
    let stolen = app
        .graphql(Some(&other), DELETE, json!({ "id": subscription_id }))
        .await;
    assert_eq!(stolen.error_codes(), vec!["NOT_FOUND"], "{}", stolen.body);
    // A person without `manage_webhooks` may not even ask.
    let dsl = app.school_token(Role::SchoolDsl, &urn);
    let refused = app.graphql(Some(&dsl), LIST, json!({})).await;
    assert_eq!(refused.error_codes(), vec!["FORBIDDEN"], "{}", refused.body);
    // An administrator sees every client's.
    let all = app.graphql(Some(&app.admin_token()), LIST, json!({})).await;
    assert!(
        all.data()["webhookSubscriptions"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["id"] == subscription_id.as_str())
    );

    // The owner deletes it: inactive, and no longer listed.
    let deleted = app
        .graphql(Some(&mis), DELETE, json!({ "id": subscription_id }))
        .await;
    let deleted = &deleted.data()["deleteWebhookSubscription"]["subscription"];
    assert_eq!(deleted["active"], false);
    assert_eq!(deleted["inactiveReason"], "deleted");
    let listed = app.graphql(Some(&mis), LIST, json!({})).await;
    assert_eq!(listed.data()["webhookSubscriptions"], json!([]));

    deliveries.stop(Duration::from_secs(5)).await;
}

#[tokio::test]
async fn a_gone_receiver_stops_its_subscription_and_bad_input_is_refused() {
    let app = TestApp::start().await;
    let (urn, on_roll, _) = school_and_children(&app).await;
    let lead = practitioner::Entity::find()
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    let receiver = Receiver::default();
    receiver.answers.lock().unwrap().push_back(410);
    let url = start_receiver(receiver.clone()).await;
    let deliveries = start_deliveries(&app);
    let mis = app.client_token(
        "school-mis-gone",
        Role::SchoolMisIntegration,
        "school-mis-gone",
        Some(&urn),
    );

    // Bad input: a plain-http URL off the loopback, an unknown event type.
    let bad = app
        .graphql(
            Some(&mis),
            CREATE,
            json!({ "input": { "url": "http://mis.example.invalid/hooks",
                               "eventTypes": ["child.born"] } }),
        )
        .await;
    let bad = &bad.data()["createWebhookSubscription"];
    assert!(bad["subscription"].is_null() && bad["secret"].is_null());
    let codes: Vec<&str> = bad["userErrors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, vec!["INVALID_VALUE", "INVALID_VALUE"], "{bad}");

    let created = app
        .graphql(
            Some(&mis),
            CREATE,
            json!({ "input": { "url": url, "eventTypes": ["lead_practitioner.allocated", "lead_practitioner.changed"] } }),
        )
        .await;
    let id = created.data()["createWebhookSubscription"]["subscription"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    tokio::time::sleep(Duration::from_millis(600)).await;
    allocate(&app, on_roll, lead.id).await;
    wait_for("the 410", || !receiver.received().is_empty()).await;
    tokio::time::sleep(Duration::from_millis(1000)).await;
    assert_eq!(receiver.received().len(), 1, "a 410 is not retried");
    let listed = app.graphql(Some(&mis), LIST, json!({})).await;
    let listed = listed.data()["webhookSubscriptions"].clone();
    assert_eq!(listed[0]["id"], id.as_str());
    assert_eq!(listed[0]["active"], false, "{listed}");
    assert_eq!(listed[0]["inactiveReason"], "gone");
    let log = app
        .graphql(Some(&mis), DELIVERIES, json!({ "id": id }))
        .await;
    let entry = log.data()["webhookDeliveries"]["edges"][0]["node"].clone();
    assert_eq!(entry["status"], "FAILED", "{entry}");
    assert_eq!(entry["attempts"], 1);
    assert_eq!(entry["responseStatus"], 410);

    deliveries.stop(Duration::from_secs(5)).await;
}

#[tokio::test]
async fn a_child_who_leaves_the_roll_before_a_retry_is_not_sent() {
    let app = TestApp::start().await;
    let (urn, on_roll, _) = school_and_children(&app).await;
    let lead = practitioner::Entity::find()
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    let receiver = Receiver::default();
    receiver.answers.lock().unwrap().push_back(503);
    let url = start_receiver(receiver.clone()).await;
    // The retry comes 2 to 4 seconds after the first attempt.
    let deliveries = start_deliveries_retrying_after(&app, Duration::from_secs(4));
    let mis = app.client_token(
        "school-mis-leaver",
        Role::SchoolMisIntegration,
        "school-mis-leaver",
        Some(&urn),
    );
    let created = app
        .graphql(
            Some(&mis),
            CREATE,
            json!({ "input": { "url": url, "eventTypes": ["lead_practitioner.allocated"] } }),
        )
        .await;
    let id = created.data()["createWebhookSubscription"]["subscription"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    tokio::time::sleep(Duration::from_millis(600)).await;
    allocate(&app, on_roll, lead.id).await;
    wait_for("the first attempt", || !receiver.received().is_empty()).await;
    // The child leaves the school's roll before the retry (left yesterday: a pupil is on roll
    // through the day they leave).
    agency_link::Entity::update_many()
        .col_expr(
            agency_link::Column::EndedOn,
            sea_orm::sea_query::Expr::value(
                familygraph_domain::calendar::uk_today() - chrono::Days::new(1),
            ),
        )
        .filter(agency_link::Column::PersonId.eq(on_roll))
        .filter(agency_link::Column::Kind.eq("ON_ROLL"))
        .exec(&app.db)
        .await
        .unwrap();
    let log = || async {
        let reply = app
            .graphql(Some(&mis), DELIVERIES, json!({ "id": id }))
            .await;
        reply.data()["webhookDeliveries"]["edges"][0]["node"].clone()
    };
    let start = Instant::now();
    let entry = loop {
        let entry = log().await;
        if entry["status"] != "PENDING" {
            break entry;
        }
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "still pending: {entry}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(entry["status"], "WITHDRAWN", "{entry}");
    assert_eq!(entry["attempts"], 1);
    assert_eq!(entry["responseStatus"], 503);
    assert_eq!(
        receiver.received().len(),
        1,
        "nothing sent after the child left"
    );

    deliveries.stop(Duration::from_secs(5)).await;
}
