//! Subscriptions over `graphql-transport-ws`, with a real WebSocket client: the front-door
//! queue, a child's plan changes authorised per event, and connections refused without a token.

use std::time::Duration;

use familygraph_domain::Role;
use familygraph_tests::TestApp;
use familygraph_tests::server_process::ServerProcess;
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// Longest wait for anything the server should send.
const WAIT: Duration = Duration::from_secs(10);
/// How long silence must last to count as "nothing delivered".
const QUIET: Duration = Duration::from_millis(1500);

const RECORD_CONTACT: &str =
    "mutation Record($input: RecordContactInput!) { recordContact(input: $input) {
    contact { id version } userErrors { field code message } } }";

const TRIAGE: &str = "mutation Triage($input: TriageContactInput!) { triageContact(input: $input) {
    contact { id version triageDecision } userErrors { field code message } } }";

/// What the server sent next.
#[derive(Debug)]
enum Frame {
    /// A protocol message.
    Json(Value),
    /// The server closed the connection (with its close code, if any).
    Closed(Option<u16>, String),
    /// Nothing arrived in time.
    Silent,
}

/// A `graphql-transport-ws` client.
struct Client {
    socket: WebSocketStream<MaybeTlsStream<TcpStream>>,
}

impl Client {
    async fn connect(app: &TestApp) -> Self {
        Self::connect_to(app.address).await
    }

    async fn connect_to(address: std::net::SocketAddr) -> Self {
        let mut request = format!("ws://{address}/graphql")
            .into_client_request()
            .unwrap();
        request.headers_mut().insert(
            "Sec-WebSocket-Protocol",
            "graphql-transport-ws".parse().unwrap(),
        );
        let (socket, response) =
            tokio::time::timeout(WAIT, tokio_tungstenite::connect_async(request))
                .await
                .expect("the WebSocket handshake timed out")
                .unwrap();
        assert_eq!(
            response
                .headers()
                .get("sec-websocket-protocol")
                .and_then(|v| v.to_str().ok()),
            Some("graphql-transport-ws")
        );
        Self { socket }
    }

    async fn send(&mut self, message: Value) {
        tokio::time::timeout(WAIT, self.socket.send(Message::text(message.to_string())))
            .await
            .expect("sending timed out")
            .unwrap();
    }

    /// The next protocol message, waiting at most `wait` (pings are answered by the library).
    async fn frame(&mut self, wait: Duration) -> Frame {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            let next = tokio::time::timeout_at(deadline, self.socket.next()).await;
            match next {
                Err(_) => return Frame::Silent,
                Ok(None) | Ok(Some(Err(_))) => return Frame::Closed(None, String::new()),
                Ok(Some(Ok(Message::Text(text)))) => {
                    return Frame::Json(serde_json::from_str(text.as_str()).unwrap());
                }
                Ok(Some(Ok(Message::Close(frame)))) => {
                    return match frame {
                        Some(frame) => {
                            Frame::Closed(Some(frame.code.into()), frame.reason.to_string())
                        }
                        None => Frame::Closed(None, String::new()),
                    };
                }
                Ok(Some(Ok(_))) => continue,
            }
        }
    }

    /// Sends `connection_init` with `payload` and expects `connection_ack`.
    async fn init(&mut self, token: &str) {
        self.send(json!({ "type": "connection_init", "payload": { "Authorization": format!("Bearer {token}") } }))
            .await;
        match self.frame(WAIT).await {
            Frame::Json(message) if message["type"] == "connection_ack" => {}
            other => panic!("expected connection_ack, got {other:?}"),
        }
    }

    /// Starts a subscription, then waits until the server has surely set it up.
    async fn subscribe(&mut self, id: &str, query: &str, variables: Value) {
        self.send(json!({ "id": id, "type": "subscribe", "payload": { "query": query, "variables": variables } }))
            .await;
        self.send(json!({ "type": "ping" })).await;
        loop {
            match self.frame(WAIT).await {
                Frame::Json(message) if message["type"] == "pong" => break,
                Frame::Json(message) if message["type"] == "ping" => {
                    self.send(json!({ "type": "pong" })).await
                }
                Frame::Json(message) => panic!("unexpected message before pong: {message}"),
                other => panic!("expected pong, got {other:?}"),
            }
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
    }

    /// The next `next` message's payload for subscription `id`, or `None` after `wait`.
    async fn next(&mut self, id: &str, wait: Duration) -> Option<Value> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            match self.frame(left).await {
                Frame::Silent => return None,
                Frame::Json(message) if message["type"] == "next" && message["id"] == id => {
                    return Some(message["payload"].clone());
                }
                Frame::Json(message) if message["type"] == "ping" => {
                    self.send(json!({ "type": "pong" })).await
                }
                Frame::Json(message) => panic!("unexpected message: {message}"),
                Frame::Closed(code, reason) => panic!("the server closed ({code:?}) {reason}"),
            }
        }
    }

    async fn close(mut self) {
        let _ = tokio::time::timeout(WAIT, self.socket.close(None)).await;
    }
}

fn today() -> String {
    chrono::Utc::now().date_naive().to_string()
}

#[tokio::test]
async fn the_front_door_queue_delivers_new_and_triaged_contacts() {
    let app = TestApp::start().await;
    let watcher = app.token(Role::FrontDoorOfficer, Some("sw-ifd-watch"), Some("IFD"));
    let officer = app.token(Role::FrontDoorOfficer, Some("sw-ifd-01"), Some("IFD"));

    let mut client = Client::connect(&app).await;
    client.init(&watcher).await;
    client
        .subscribe(
            "queue",
            "subscription Queue { frontDoorQueue { id version source triageDecision child { id givenName } } }",
            json!({}),
        )
        .await;

    let recorded = app
        .graphql(
            Some(&officer),
            RECORD_CONTACT,
            json!({ "input": {
                "source": "SCHOOLS", "recordedBy": "Designated safeguarding lead, a primary school",
                "presentingConcern": "Attendance has fallen.",
                "child": {
                    "givenName": "Robin", "familyName": "Subscriber", "dateOfBirth": "2018-05-04", "sex": "FEMALE",
                    "address": { "line1": "1 Example Row", "town": "Crewe", "postcode": "CW1 0ZZ", "lsoaCode": "E01018445" }
                },
                "family": { "name": "The Subscriber family" }
            } }),
        )
        .await;
    let contact = recorded.data()["recordContact"]["contact"].clone();
    assert!(contact["id"].is_string(), "{}", recorded.body);

    let first = client
        .next("queue", WAIT)
        .await
        .expect("the new contact was delivered");
    let delivered = &first["data"]["frontDoorQueue"];
    assert_eq!(delivered["id"], contact["id"], "{first}");
    assert_eq!(delivered["source"], "SCHOOLS");
    assert!(delivered["triageDecision"].is_null());
    assert_eq!(delivered["child"]["givenName"], "Robin");

    let triaged = app
        .graphql(
            Some(&officer),
            TRIAGE,
            json!({ "input": { "contactId": contact["id"], "version": contact["version"],
                               "decision": "FAMILY_HELP", "reason": "Multiple needs; family consents." } }),
        )
        .await;
    assert_eq!(
        triaged.data()["triageContact"]["contact"]["triageDecision"],
        "FAMILY_HELP"
    );
    let second = client
        .next("queue", WAIT)
        .await
        .expect("the triage was delivered");
    let delivered = &second["data"]["frontDoorQueue"];
    assert_eq!(delivered["id"], contact["id"], "{second}");
    assert_eq!(delivered["triageDecision"], "FAMILY_HELP");
    assert_eq!(delivered["version"], 2);

    // Each delivered event's read of the child was audited for the subscriber.
    let reads = app
        .count(
            "SELECT COUNT(*) FROM audit_event WHERE subject = 'sw-ifd-watch'
             AND action = 'READ' AND record_type = 'Person' AND operation = 'Queue'",
        )
        .await;
    assert_eq!(reads, 2);
    client.close().await;

    // Someone who may not triage is refused.
    let worker = app.token(Role::FamilyHelpPractitioner, Some("fw-s1-01"), Some("S1"));
    let mut refused = Client::connect(&app).await;
    refused.init(&worker).await;
    refused
        .send(json!({ "id": "q", "type": "subscribe", "payload": { "query": "subscription { frontDoorQueue { id } }" } }))
        .await;
    let reply = refused.next("q", WAIT).await.expect("an error");
    assert_eq!(
        reply["errors"][0]["extensions"]["code"], "FORBIDDEN",
        "{reply}"
    );
    refused.close().await;
}

#[tokio::test]
async fn a_connection_without_a_valid_token_is_refused() {
    let app = TestApp::start().await;
    for payload in [
        json!({}),
        json!({ "Authorization": "Bearer not-a-token" }),
        json!({ "authorization": "Basic YWRtaW46YWRtaW4=" }),
    ] {
        let mut client = Client::connect(&app).await;
        client
            .send(json!({ "type": "connection_init", "payload": payload }))
            .await;
        match client.frame(WAIT).await {
            Frame::Closed(code, reason) => {
                assert!(
                    matches!(code, Some(1002) | Some(4403) | None),
                    "{code:?} {reason}"
                );
            }
            other => panic!("expected the connection to close for {payload}, got {other:?}"),
        }
    }

    // Subscribing without connection_init runs nothing either.
    let mut client = Client::connect(&app).await;
    client
        .send(json!({ "id": "1", "type": "subscribe", "payload": { "query": "subscription { frontDoorQueue { id } }" } }))
        .await;
    assert!(matches!(client.frame(WAIT).await, Frame::Closed(..)));

    // The lowercase key is accepted.
    let mut client = Client::connect(&app).await;
    client
        .send(json!({ "type": "connection_init", "payload": { "authorization": format!("Bearer {}", app.admin_token()) } }))
        .await;
    match client.frame(WAIT).await {
        Frame::Json(message) => assert_eq!(message["type"], "connection_ack"),
        other => panic!("expected connection_ack, got {other:?}"),
    }
    client.close().await;

    // A plain GET query still works on the same path.
    let response = app
        .client()
        .get(app.url("/graphql?query=%7B__typename%7D"))
        .bearer_auth(app.admin_token())
        .send()
        .await
        .unwrap();
    let reply = TestApp::reply(response).await;
    assert_eq!(reply.data()["__typename"], "Query");
}

#[tokio::test]
async fn plan_changes_reach_only_subscribers_who_may_see_the_child() {
    let app = TestApp::start().await;
    let admin = app.admin_token();
    let caseload = app
        .graphql(
            Some(&admin),
            "{ team(code: \"S1\") { caseload(first: 1) { edges { node { child { id } } } } } }",
            json!({}),
        )
        .await;
    let child_id = caseload.data()["team"]["caseload"]["edges"][0]["node"]["child"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let outsider = app.token(Role::FamilyHelpPractitioner, Some("fw-n1-01"), Some("N1"));
    let hidden = app
        .graphql(
            Some(&outsider),
            "query($id: ID!) { node(id: $id) { id } }",
            json!({ "id": child_id }),
        )
        .await;
    assert_eq!(
        hidden.error_codes(),
        vec!["NOT_FOUND"],
        "the child is outside N1's scope"
    );

    let query = "subscription Plans($childId: ID!) { childPlanChanges(childId: $childId) {
        id version kind reviews { outcome } } }";
    let mut outside = Client::connect(&app).await;
    outside.init(&outsider).await;
    outside
        .subscribe("plans", query, json!({ "childId": child_id }))
        .await;
    let mut inside = Client::connect(&app).await;
    inside.init(&admin).await;
    inside
        .subscribe("plans", query, json!({ "childId": child_id }))
        .await;
    // The locality manager reaches the child but not sensitive detail: the plan's category is
    // withheld from its events as it would be from a query.
    let locality_manager = app.token(Role::LocalityManager, Some("lm-south"), Some("S1"));
    let mut manager_view = Client::connect(&app).await;
    manager_view.init(&locality_manager).await;
    manager_view
        .subscribe(
            "plans",
            "subscription Plans($childId: ID!) { childPlanChanges(childId: $childId) {
                id kind initialCategory } }",
            json!({ "childId": child_id }),
        )
        .await;

    let manager = app.token(Role::TeamManager, Some("tm-s1"), Some("S1"));
    let started = app
        .graphql(
            Some(&manager),
            "mutation($input: StartPlanInput!) { startPlan(input: $input) {
                plan { id version } userErrors { code field message } } }",
            json!({ "input": { "childId": child_id, "kind": "CHILD_IN_NEED", "startedOn": today(),
                               "goals": [{ "description": "Attendance above 90% by half term" }] } }),
        )
        .await;
    let plan = started.data()["startPlan"]["plan"].clone();
    assert!(plan["id"].is_string(), "{}", started.body);
    let reviewed = app
        .graphql(
            Some(&manager),
            "mutation($input: ReviewPlanInput!) { reviewPlan(input: $input) { plan { version } userErrors { code } } }",
            json!({ "input": { "planId": plan["id"], "version": plan["version"], "reviewedOn": today(), "outcome": "Continue" } }),
        )
        .await;
    assert_eq!(
        reviewed.data()["reviewPlan"]["plan"]["version"],
        2,
        "{}",
        reviewed.body
    );

    let first = inside.next("plans", WAIT).await.expect("the plan start");
    assert_eq!(
        first["data"]["childPlanChanges"]["id"], plan["id"],
        "{first}"
    );
    assert_eq!(first["data"]["childPlanChanges"]["kind"], "CHILD_IN_NEED");
    let second = inside.next("plans", WAIT).await.expect("the plan review");
    assert_eq!(second["data"]["childPlanChanges"]["version"], 2, "{second}");
    assert_eq!(
        second["data"]["childPlanChanges"]["reviews"][0]["outcome"],
        "Continue"
    );

    let withheld = manager_view
        .next("plans", WAIT)
        .await
        .expect("the plan start reaches the locality manager");
    assert_eq!(
        withheld["data"]["childPlanChanges"]["id"], plan["id"],
        "{withheld}"
    );
    assert!(
        withheld["data"]["childPlanChanges"]["initialCategory"].is_null(),
        "{withheld}"
    );
    let codes: Vec<&str> = withheld["errors"]
        .as_array()
        .map(|errors| {
            errors
                .iter()
                .filter_map(|e| e["extensions"]["code"].as_str())
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(codes, vec!["FORBIDDEN"], "{withheld}");

    assert_eq!(
        outside.next("plans", QUIET).await,
        None,
        "nothing reaches a subscriber outside the child's scope"
    );
    manager_view.close().await;
    inside.close().await;
    outside.close().await;
}

/// Replicas are stateless: a mutation served by one reaches a subscriber connected to another,
/// because each replica tails the shared outbox table. On PostgreSQL this is the production
/// shape (two servers, one database); on SQLite the two servers share one file.
#[tokio::test]
async fn a_mutation_on_one_replica_reaches_a_subscriber_on_another() {
    let first = TestApp::start().await;
    let second = first.replica(familygraph::http::Hardening::default()).await;
    let watcher = second.token(Role::FrontDoorOfficer, Some("sw-ifd-watch"), Some("IFD"));
    let officer = first.token(Role::FrontDoorOfficer, Some("sw-ifd-01"), Some("IFD"));

    let mut client = Client::connect(&second).await;
    client.init(&watcher).await;
    client
        .subscribe(
            "queue",
            "subscription Queue { frontDoorQueue { id source child { givenName } } }",
            json!({}),
        )
        .await;

    let recorded = first
        .graphql(
            Some(&officer),
            RECORD_CONTACT,
            json!({ "input": {
                "source": "HEALTH_VISITOR", "recordedBy": "Health visitor, a community team",
                "presentingConcern": "Missed developmental review.",
                "child": {
                    "givenName": "Rowan", "familyName": "Replicated", "dateOfBirth": "2022-02-02", "sex": "MALE",
                    "address": { "line1": "2 Example Row", "town": "Crewe", "postcode": "CW1 0ZZ", "lsoaCode": "E01018445" }
                },
                "family": { "name": "The Replicated family" }
            } }),
        )
        .await;
    let contact = recorded.data()["recordContact"]["contact"].clone();
    assert!(contact["id"].is_string(), "{}", recorded.body);

    let delivered = client
        .next("queue", WAIT)
        .await
        .expect("the other replica delivered the contact");
    assert_eq!(
        delivered["data"]["frontDoorQueue"]["id"], contact["id"],
        "{delivered}"
    );
    assert_eq!(
        delivered["data"]["frontDoorQueue"]["child"]["givenName"],
        "Rowan"
    );
    // Delivered once, not once per replica.
    assert!(client.next("queue", QUIET).await.is_none());
    client.close().await;
}

/// The server's subscription gauges from `/metrics`: (open connections, feed listeners).
async fn subscription_gauges(server: &ServerProcess) -> (f64, f64) {
    let text = reqwest::get(server.url("/metrics"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let scrape = prometheus_parse::Scrape::parse(text.lines().map(|l| Ok(l.to_owned()))).unwrap();
    let gauge = |name: &str| {
        scrape
            .samples
            .iter()
            .filter(|s| s.metric == name)
            .map(|s| match s.value {
                prometheus_parse::Value::Gauge(v) | prometheus_parse::Value::Untyped(v) => v,
                _ => panic!("{name} is not a gauge"),
            })
            .sum::<f64>()
    };
    (
        gauge("familygraph_subscriptions_connections"),
        gauge("familygraph_subscriptions_listeners"),
    )
}

/// Waits until the gauges read `expected`, failing with what they read after `wait`.
async fn gauges_reach(server: &ServerProcess, expected: (f64, f64), wait: Duration) {
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        let now = subscription_gauges(server).await;
        if now == expected {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "subscription gauges stayed at {now:?}, expected {expected:?}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test]
async fn subscribers_that_vanish_leave_nothing_behind() {
    // A separate process: the gauges are process-wide.
    let server = ServerProcess::spawn(env!("CARGO_BIN_EXE_familygraph-under-test"), &[]).await;
    let watcher = server.token_for(Role::FrontDoorOfficer, "sw-ifd-leak", Some("IFD"));
    let baseline = subscription_gauges(&server).await;
    assert_eq!(baseline, (0.0, 0.0), "nobody has subscribed yet");

    let mut clients = Vec::new();
    for _ in 0..6 {
        let mut client = Client::connect_to(server.address).await;
        client.init(&watcher).await;
        client
            .subscribe(
                "queue",
                "subscription Queue { frontDoorQueue { id } }",
                json!({}),
            )
            .await;
        clients.push(client);
    }
    gauges_reach(&server, (6.0, 6.0), WAIT).await;

    // Three vanish abruptly: the TCP connection is dropped with no close frame and no
    // `complete` for their subscription.
    let silent = clients.split_off(3);
    drop(clients);
    gauges_reach(&server, (3.0, 3.0), WAIT).await;

    // Three fall silent: the socket stays open but nothing answers the server's pings, as
    // when a phone loses its network; the heartbeat must notice.
    let held: Vec<_> = silent.into_iter().map(|client| client.socket).collect();
    gauges_reach(
        &server,
        (0.0, 0.0),
        familygraph::subscription_socket::CLIENT_TIMEOUT
            + familygraph::subscription_socket::HEARTBEAT * 2,
    )
    .await;
    drop(held);

    // And the server still serves subscriptions afterwards.
    let mut client = Client::connect_to(server.address).await;
    client.init(&watcher).await;
    client
        .subscribe(
            "queue",
            "subscription Queue { frontDoorQueue { id } }",
            json!({}),
        )
        .await;
    gauges_reach(&server, (1.0, 1.0), WAIT).await;
    client.close().await;
    gauges_reach(&server, (0.0, 0.0), WAIT).await;
}
