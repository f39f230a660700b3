//! Shared by the tests that run the real `familygraph` binary against PostgreSQL: a child
//! server process, a `graphql-transport-ws` client, and a way to hold a mutation in flight.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead as _, BufReader};
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::{SinkExt as _, StreamExt as _};
use sea_orm::{ConnectionTrait, DatabaseConnection, DatabaseTransaction, TransactionTrait};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest as _;

/// The binary under test.
pub const BIN: &str = env!("CARGO_BIN_EXE_familygraph");

/// Longest wait for anything that should happen.
pub const WAIT: Duration = Duration::from_secs(30);

/// A command for the binary with an environment cleared of familygraph's settings.
pub fn familygraph(data_dir: &Path, database_url: &str) -> Command {
    let mut command = Command::new(BIN);
    for (key, _) in std::env::vars() {
        if key.starts_with("FAMILYGRAPH_")
            || key.starts_with("DATABASE_URL")
            || key.starts_with("OTEL_")
        {
            command.env_remove(key);
        }
    }
    command
        .env("DATABASE_URL", database_url)
        .env("FAMILYGRAPH_DATA_DIR", data_dir)
        .env("FAMILYGRAPH_FORCE_DEV_ISSUER", "1")
        .env("RUST_LOG", "info,sqlx=warn,sea_orm=warn")
        .env("RUST_BACKTRACE", "0")
        .stdin(Stdio::null());
    command
}

/// Migrates and seeds `database_url` with a few synthetic children.
pub fn seed(data_dir: &Path, database_url: &str) {
    let output = familygraph(data_dir, database_url)
        .args(["seed", "--children", "20"])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "seeding failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// A development token from the binary.
pub fn token(data_dir: &Path, args: &[&str]) -> String {
    let output = Command::new(BIN)
        .env("FAMILYGRAPH_DATA_DIR", data_dir)
        .env("RUST_LOG", "warn")
        .arg("token")
        .args(args)
        .output()
        .unwrap();
    assert!(output.status.success());
    String::from_utf8(output.stdout).unwrap().trim().to_owned()
}

/// A running `familygraph serve`.
pub struct Server {
    /// Where it listens.
    pub address: SocketAddr,
    /// The process.
    pub child: Child,
    lines: Arc<Mutex<Vec<String>>>,
}

impl Server {
    /// Starts `familygraph serve` on a free port with `env` added; waits until it listens.
    pub async fn spawn(data_dir: &Path, database_url: &str, env: &[(&str, &str)]) -> Self {
        let mut child = familygraph(data_dir, database_url)
            .args(["serve", "--bind", "127.0.0.1:0"])
            .envs(env.iter().copied())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stderr = child.stderr.take().unwrap();
        let lines = Arc::new(Mutex::new(Vec::new()));
        let sink = lines.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                sink.lock().unwrap().push(line);
            }
        });
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            let found = lines.lock().unwrap().iter().find_map(|line| {
                line.strip_prefix("familygraph: GraphiQL at http://")
                    .and_then(|rest| rest.strip_suffix("/graphiql"))
                    .and_then(|address| address.parse().ok())
            });
            if let Some(address) = found {
                return Self {
                    address,
                    child,
                    lines,
                };
            }
            if let Some(status) = child.try_wait().unwrap() {
                panic!(
                    "familygraph exited ({status}):\n{}",
                    lines.lock().unwrap().join("\n")
                );
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "familygraph did not start listening:\n{}",
                lines.lock().unwrap().join("\n")
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// A URL on the server.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.address)
    }

    /// Its standard error so far.
    pub fn log(&self) -> String {
        self.lines.lock().unwrap().join("\n")
    }

    /// Sends it SIGTERM.
    pub fn terminate(&self) {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
    }

    /// Waits for it to exit.
    pub async fn wait(&mut self) -> std::process::ExitStatus {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "familygraph did not exit:\n{}",
                self.log()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// POSTs a GraphQL request; the status and the parsed body.
pub async fn graphql(
    client: &reqwest::Client,
    server: &str,
    token: &str,
    query: &str,
    variables: Value,
) -> (u16, Value) {
    let response = client
        .post(format!("{server}/graphql"))
        .bearer_auth(token)
        .json(&json!({ "query": query, "variables": variables }))
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let text = response.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

/// `/readyz`: status code and `status`.
pub async fn readyz(client: &reqwest::Client, server: &str) -> (u16, String) {
    let response = client.get(format!("{server}/readyz")).send().await.unwrap();
    let status = response.status().as_u16();
    let body: Value = response.json().await.unwrap_or(Value::Null);
    (status, body["status"].as_str().unwrap_or("").to_owned())
}

/// Records a contact for a new synthetic child of `family_name`.
pub const RECORD_CONTACT: &str = "mutation Record($input: RecordContactInput!) {
    recordContact(input: $input) { contact { id version } userErrors { field code message } } }";

/// Variables for [`RECORD_CONTACT`].
pub fn contact_input(family_name: &str) -> Value {
    json!({ "input": {
        "source": "SCHOOLS", "recordedBy": "Designated safeguarding lead, a primary school",
        "presentingConcern": "Attendance has fallen.",
        "child": {
            "givenName": "Robin", "familyName": family_name, "dateOfBirth": "2018-05-04", "sex": "FEMALE",
            "address": { "line1": "1 Example Row", "town": "Crewe", "postcode": "CW1 0ZZ", "lsoaCode": "E01018445" }
        },
        "family": { "name": format!("The {family_name} family") }
    } })
}

/// Holds the audit chain's advisory lock in a transaction of `db`: every mutation then waits
/// inside its own transaction, after writing its rows and before appending its audit row,
/// until the returned transaction ends.
pub async fn hold_audit_chain(db: &DatabaseConnection) -> DatabaseTransaction {
    let txn = db.begin().await.unwrap();
    txn.execute_unprepared(&format!(
        "SELECT pg_advisory_xact_lock({})",
        familygraph_store::audit::CHAIN_LOCK
    ))
    .await
    .unwrap();
    txn
}

/// Waits until some session of `db`'s database waits for an advisory lock.
pub async fn wait_until_blocked(db: &DatabaseConnection) {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let row = db
            .query_one_raw(sea_orm::Statement::from_string(
                db.get_database_backend(),
                "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database() \
                 AND wait_event_type = 'Lock' AND wait_event = 'advisory'",
            ))
            .await
            .unwrap()
            .unwrap();
        if row.try_get_by_index::<i64>(0).unwrap() > 0 {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the mutation never reached the audit lock"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// A scalar from `db`.
pub async fn count(db: &DatabaseConnection, sql: &str) -> i64 {
    db.query_one_raw(sea_orm::Statement::from_string(
        db.get_database_backend(),
        sql.to_owned(),
    ))
    .await
    .unwrap()
    .unwrap()
    .try_get_by_index::<i64>(0)
    .unwrap()
}

/// A `graphql-transport-ws` client.
pub struct Subscriber {
    socket: tokio_tungstenite::WebSocketStream<
        tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>,
    >,
}

/// What a subscriber got next.
#[derive(Debug, PartialEq)]
pub enum Frame {
    /// A protocol message.
    Json(Value),
    /// A close frame with its code (or the connection ended without one: `None`).
    Closed(Option<u16>),
}

impl Subscriber {
    /// Connects, initialises with `token` and subscribes to `query` as `id`.
    pub async fn subscribe(address: SocketAddr, token: &str, id: &str, query: &str) -> Self {
        let mut request = format!("ws://{address}/graphql")
            .into_client_request()
            .unwrap();
        request.headers_mut().insert(
            "Sec-WebSocket-Protocol",
            "graphql-transport-ws".parse().unwrap(),
        );
        let (socket, _) = tokio::time::timeout(WAIT, tokio_tungstenite::connect_async(request))
            .await
            .unwrap()
            .unwrap();
        let mut subscriber = Self { socket };
        subscriber
            .send(json!({ "type": "connection_init", "payload": { "Authorization": format!("Bearer {token}") } }))
            .await;
        match subscriber.next().await {
            Frame::Json(message) if message["type"] == "connection_ack" => {}
            other => panic!("expected connection_ack, got {other:?}"),
        }
        subscriber
            .send(json!({ "id": id, "type": "subscribe", "payload": { "query": query } }))
            .await;
        // The subscription is set up once a later ping is answered.
        subscriber.send(json!({ "type": "ping" })).await;
        match subscriber.next().await {
            Frame::Json(message) if message["type"] == "pong" => {}
            other => panic!("expected pong, got {other:?}"),
        }
        subscriber
    }

    async fn send(&mut self, message: Value) {
        self.socket
            .send(Message::text(message.to_string()))
            .await
            .unwrap();
    }

    /// The next protocol message or close, waiting at most [`WAIT`].
    pub async fn next(&mut self) -> Frame {
        loop {
            let next = tokio::time::timeout(WAIT, self.socket.next())
                .await
                .expect("nothing arrived from the server");
            match next {
                None | Some(Err(_)) => return Frame::Closed(None),
                Some(Ok(Message::Text(text))) => {
                    return Frame::Json(serde_json::from_str(text.as_str()).unwrap());
                }
                Some(Ok(Message::Close(frame))) => {
                    return Frame::Closed(frame.map(|f| u16::from(f.code)));
                }
                Some(Ok(_)) => continue,
            }
        }
    }
}
