//! The `familygraph` binary as a newcomer uses it: `schema`, `token`, and `serve` on the
//! embedded default (migrated and seeded on first start), over real HTTP, then `audit verify`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_familygraph");

fn familygraph(data_dir: &std::path::Path) -> Command {
    let mut command = Command::new(BIN);
    command
        .env("FAMILYGRAPH_DATA_DIR", data_dir)
        .env_remove("DATABASE_URL")
        .env_remove("FAMILYGRAPH_BIND")
        .env_remove("FAMILYGRAPH_FORCE_DEV_ISSUER")
        .env("RUST_LOG", "warn");
    command
}

#[test]
fn schema_graphql_is_exactly_what_the_binary_prints() {
    let output = Command::new(BIN).arg("schema").output().unwrap();
    assert!(output.status.success());
    let printed = String::from_utf8(output.stdout).unwrap();
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../schema.graphql");
    let committed = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        printed == committed,
        "schema.graphql has drifted from the code: run `cargo run -- schema > schema.graphql`"
    );
}

#[test]
fn the_development_issuer_is_refused_on_postgres_unless_forced() {
    let dir = tempfile::tempdir().unwrap();
    let output = familygraph(dir.path())
        .env("DATABASE_URL", "postgres://postgres@127.0.0.1:1/none")
        .args(["serve", "--bind", "127.0.0.1:0"])
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("development token issuer is refused"),
        "{stderr}"
    );
}

#[test]
fn unknown_roles_are_refused_by_token() {
    let dir = tempfile::tempdir().unwrap();
    let output = familygraph(dir.path())
        .args(["token", "--role", "superuser"])
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("administrator"));
}

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test]
async fn serve_seeds_the_embedded_default_and_accepts_a_cli_token() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = familygraph(dir.path())
        .args(["serve", "--bind", "127.0.0.1:0"])
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let server = Server(child);
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut banner = false;
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if line.contains("DEVELOPMENT TOKEN ISSUER IS ON") {
                banner = true;
            }
            if let Some(url) = line.split("GraphiQL at ").nth(1) {
                let _ = tx.send((banner, url.trim().to_owned()));
            }
        }
    });
    let (banner, graphiql) = rx
        .recv_timeout(Duration::from_secs(120))
        .expect("server started");
    assert!(banner, "the development issuer is announced loudly");
    let base = graphiql.trim_end_matches("/graphiql").to_owned();

    let token = familygraph(dir.path())
        .args(["token", "--role", "administrator"])
        .output()
        .unwrap();
    assert!(token.status.success());
    let token = String::from_utf8(token.stdout).unwrap().trim().to_owned();

    let client = reqwest::Client::new();
    let started = Instant::now();
    let body: serde_json::Value = loop {
        let response = client
            .post(format!("{base}/graphql"))
            .bearer_auth(&token)
            .json(&serde_json::json!({ "query": "{ children(first: 1) { totalCount } teams(first: 10) { edges { node { code } } } }" }))
            .send()
            .await;
        match response {
            Ok(response) => break response.json().await.unwrap(),
            Err(_) if started.elapsed() < Duration::from_secs(30) => {
                tokio::time::sleep(Duration::from_millis(200)).await
            }
            Err(error) => panic!("{error}"),
        }
    };
    assert_eq!(body["data"]["children"]["totalCount"], 300, "{body}");
    let page = client.get(format!("{base}/graphiql")).send().await.unwrap();
    assert_eq!(page.status().as_u16(), 200);
    assert!(dir.path().join("familygraph.sqlite").exists());

    // The read above was audited, and the chain verifies.
    let verify = || {
        familygraph(dir.path())
            .args(["audit", "verify"])
            .output()
            .unwrap()
    };
    let verified = verify();
    let stdout = String::from_utf8_lossy(&verified.stdout);
    assert!(
        verified.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&verified.stderr)
    );
    assert!(
        stdout.contains("audit chain intact: 1 rows verified"),
        "{stdout}"
    );
    drop(server);

    // Altering the row is caught, and `audit verify` fails naming its sequence.
    use sea_orm::ConnectionTrait;
    let url = format!(
        "sqlite://{}",
        dir.path().join("familygraph.sqlite").display()
    );
    let db = sea_orm::Database::connect(url).await.unwrap();
    db.execute_unprepared("UPDATE audit_event SET operation = 'Innocent' WHERE sequence = 1")
        .await
        .unwrap();
    db.close().await.unwrap();
    let broken = verify();
    assert!(!broken.status.success());
    let stderr = String::from_utf8_lossy(&broken.stderr);
    assert!(
        stderr.contains("audit chain BROKEN at sequence 1"),
        "{stderr}"
    );
}
