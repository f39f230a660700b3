//! PostgreSQL stopped under a serving replica, on a private PostgreSQL this test starts itself
//! (initdb in a temporary directory, a free port, `pg_ctl start` / `stop`), so that no other
//! test's database goes down. While the database is away `/readyz` answers 503 and requests
//! fail with a masked `INTERNAL` error carrying a correlation id; a mutation caught in flight
//! leaves no rows behind; when the database is back the same process answers again, without a
//! restart. Skipped, saying so, only when PostgreSQL's server binaries are not installed.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use serde_json::{Value, json};
use support::{Server, WAIT};

const CHILDREN: &str = "{ children(first: 3) { totalCount edges { node { id givenName } } } }";

/// A PostgreSQL cluster of our own.
struct PrivatePostgres {
    bin: PathBuf,
    data: PathBuf,
    port: u16,
    as_postgres_user: bool,
    _dir: tempfile::TempDir,
}

impl PrivatePostgres {
    /// The directory of `initdb` and `pg_ctl`, if PostgreSQL's server binaries are installed.
    fn binaries() -> Option<PathBuf> {
        let mut candidates: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
            .ok()?
            .filter_map(|entry| entry.ok().map(|e| e.path().join("bin")))
            .filter(|bin| bin.join("initdb").is_file() && bin.join("pg_ctl").is_file())
            .collect();
        candidates.sort();
        candidates.pop()
    }

    fn start_new(bin: PathBuf) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        // initdb and postgres refuse to run as root: run them as the `postgres` user then.
        let as_postgres_user = output("id", &["-u"]).trim() == "0";
        if as_postgres_user {
            let uid: u32 = output("id", &["-u", "postgres"]).trim().parse().unwrap();
            let gid: u32 = output("id", &["-g", "postgres"]).trim().parse().unwrap();
            std::os::unix::fs::chown(dir.path(), Some(uid), Some(gid)).unwrap();
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let cluster = Self {
            bin,
            data,
            port,
            as_postgres_user,
            _dir: dir,
        };
        let data = cluster.data.display().to_string();
        cluster.run(
            "initdb",
            &[
                "-D",
                &data,
                "-A",
                "trust",
                "-U",
                "postgres",
                "--no-sync",
                "-E",
                "UTF8",
            ],
        );
        cluster.start();
        cluster
    }

    fn run(&self, tool: &str, args: &[&str]) {
        let tool = self.bin.join(tool).display().to_string();
        let mut command = if self.as_postgres_user {
            let mut command = Command::new("runuser");
            command.args(["-u", "postgres", "--", &tool]);
            command
        } else {
            Command::new(&tool)
        };
        let result = command.args(args).output().unwrap();
        assert!(
            result.status.success(),
            "{tool} {args:?}: {}{}",
            String::from_utf8_lossy(&result.stdout),
            String::from_utf8_lossy(&result.stderr)
        );
    }

    fn start(&self) {
        let data = self.data.display().to_string();
        let log = self.data.parent().unwrap().join("postgres.log");
        let options = format!(
            "-p {} -c listen_addresses=127.0.0.1 -k {} -c fsync=off",
            self.port,
            self.data.parent().unwrap().display()
        );
        self.run(
            "pg_ctl",
            &[
                "-D",
                &data,
                "-l",
                &log.display().to_string(),
                "-o",
                &options,
                "-w",
                "start",
            ],
        );
    }

    fn stop(&self) {
        let data = self.data.display().to_string();
        self.run("pg_ctl", &["-D", &data, "-m", "fast", "-w", "stop"]);
    }

    fn url(&self, database: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{database}", self.port)
    }
}

impl Drop for PrivatePostgres {
    fn drop(&mut self) {
        let data = self.data.display().to_string();
        let tool = self.bin.join("pg_ctl").display().to_string();
        let args = ["-D", data.as_str(), "-m", "immediate", "stop"];
        let _ = if self.as_postgres_user {
            Command::new("runuser")
                .args(["-u", "postgres", "--", &tool])
                .args(args)
                .output()
        } else {
            Command::new(&tool).args(args).output()
        };
    }
}

fn output(program: &str, args: &[&str]) -> String {
    String::from_utf8(Command::new(program).args(args).output().unwrap().stdout).unwrap()
}

/// The error of a failed request: masked `INTERNAL` with a correlation id, no driver text.
fn assert_masked_internal(body: &Value) {
    let error = &body["errors"][0];
    assert_eq!(error["extensions"]["code"], "INTERNAL", "{body}");
    let message = error["message"].as_str().unwrap_or_default();
    assert!(message.contains("correlation id"), "{body}");
    let lowered = body.to_string().to_ascii_lowercase();
    for leak in [
        "sqlx",
        "postgres",
        "connection",
        "refused",
        "terminat",
        "pool",
        "tcp",
    ] {
        assert!(!lowered.contains(leak), "{leak:?} leaked: {body}");
    }
}

async fn readyz_until(client: &reqwest::Client, base: &str, want: u16) -> String {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    loop {
        let (status, reason) = support::readyz(client, base).await;
        if status == want {
            return reason;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "/readyz stayed {status} ({reason})"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_server_fails_fast_while_postgres_is_down_and_recovers_by_itself() {
    let Some(bin) = PrivatePostgres::binaries() else {
        eprintln!(
            "SKIPPED: PostgreSQL's server binaries (initdb, pg_ctl under /usr/lib/postgresql) \
             are not installed; the database fault test needs a private PostgreSQL"
        );
        return;
    };
    let postgres = PrivatePostgres::start_new(bin);
    let admin = sea_orm::Database::connect(postgres.url("postgres"))
        .await
        .unwrap();
    sea_orm::ConnectionTrait::execute_unprepared(&admin, "CREATE DATABASE familygraph")
        .await
        .unwrap();
    admin.close().await.unwrap();
    let url = postgres.url("familygraph");

    let data_dir = tempfile::tempdir().unwrap();
    support::seed(data_dir.path(), &url);
    let admin_token = support::token(data_dir.path(), &["--role", "administrator"]);
    let officer = support::token(
        data_dir.path(),
        &[
            "--role",
            "front_door_officer",
            "--subject",
            "sw-ifd-01",
            "--team",
            "IFD",
        ],
    );
    let mut server = Server::spawn(
        data_dir.path(),
        &url,
        &[
            ("FAMILYGRAPH_DB_ACQUIRE_TIMEOUT", "1"),
            ("FAMILYGRAPH_DB_CONNECT_TIMEOUT", "1"),
        ],
    )
    .await;
    let base = server.url("");
    let client = reqwest::Client::builder().timeout(WAIT).build().unwrap();

    assert_eq!(
        support::readyz(&client, &base).await,
        (200, "ready".to_owned())
    );
    let (status, before) =
        support::graphql(&client, &base, &admin_token, CHILDREN, json!({})).await;
    assert_eq!(status, 200, "{before}");
    assert!(
        before["data"]["children"]["totalCount"].as_i64().unwrap() > 0,
        "{before}"
    );

    // A mutation caught in flight when the database stops.
    let db = familygraph_store::db::connect(&url).await.unwrap();
    let lock = support::hold_audit_chain(&db).await;
    let in_flight = {
        let (client, base, officer) = (client.clone(), base.clone(), officer.clone());
        tokio::spawn(async move {
            support::graphql(
                &client,
                &base,
                &officer,
                support::RECORD_CONTACT,
                support::contact_input("Faultline"),
            )
            .await
        })
    };
    support::wait_until_blocked(&db).await;
    postgres.stop();
    drop(lock);
    drop(db);

    let (_, failed) = in_flight.await.unwrap();
    assert_masked_internal(&failed);

    // While it is down: not ready, and requests fail with a masked error.
    assert_eq!(
        readyz_until(&client, &base, 503).await,
        "database unavailable"
    );
    let started = std::time::Instant::now();
    let (_, body) = support::graphql(&client, &base, &admin_token, CHILDREN, json!({})).await;
    // A figure for docs/operations.md, not an assertion.
    eprintln!(
        "a query failed after {:?} with the database down",
        started.elapsed()
    );
    assert_masked_internal(&body);
    let correlation = body["errors"][0]["extensions"]["correlationId"].as_str();
    let message = body["errors"][0]["message"].as_str().unwrap_or_default();
    assert!(
        correlation.is_some_and(|id| message.contains(id)) || message.contains("correlation id"),
        "{body}"
    );
    assert!(
        server.child.try_wait().unwrap().is_none(),
        "the server exited"
    );

    // The database comes back: the same process recovers by itself.
    postgres.start();
    let started = std::time::Instant::now();
    assert_eq!(readyz_until(&client, &base, 200).await, "ready");
    eprintln!(
        "/readyz was 200 again {:?} after PostgreSQL started",
        started.elapsed()
    );
    let (status, after) = support::graphql(&client, &base, &admin_token, CHILDREN, json!({})).await;
    assert_eq!(status, 200, "{after}");
    assert_eq!(after["data"], before["data"]);
    assert!(
        server.child.try_wait().unwrap().is_none(),
        "the server restarted"
    );

    // Nothing of the interrupted mutation was committed, and the audit chain is whole.
    let db = familygraph_store::db::connect(&url).await.unwrap();
    for (table, sql) in [
        (
            "person",
            "SELECT COUNT(*) FROM person WHERE family_name = 'Faultline'",
        ),
        (
            "family",
            "SELECT COUNT(*) FROM family WHERE name = 'The Faultline family'",
        ),
        (
            "outbox_event",
            "SELECT COUNT(*) FROM outbox_event WHERE payload LIKE '%Faultline%'",
        ),
    ] {
        assert_eq!(
            support::count(&db, sql).await,
            0,
            "partial write in {table}"
        );
    }
    db.close().await.unwrap();
    let verify = support::familygraph(data_dir.path(), &url)
        .args(["audit", "verify"])
        .output()
        .unwrap();
    assert!(
        verify.status.success(),
        "{}",
        String::from_utf8_lossy(&verify.stderr)
    );

    // And it still takes writes.
    let (status, body) = support::graphql(
        &client,
        &base,
        &officer,
        support::RECORD_CONTACT,
        support::contact_input("Recoverly"),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert!(
        body["data"]["recordContact"]["contact"]["id"].is_string(),
        "{body}"
    );
    server.terminate();
    assert!(server.wait().await.success());
}
