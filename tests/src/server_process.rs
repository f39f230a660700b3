//! familygraph as a separate process (for what is process-wide, like telemetry providers),
//! over a fresh copy of the seeded template, configured through its environment only.

use std::io::BufRead as _;
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use familygraph::dev_issuer::{DevIssuer, TokenRequest};
use familygraph_domain::Role;
use serde_json::Value;

use crate::TestDatabase;

/// A running `familygraph` process.
pub struct ServerProcess {
    /// Where it listens.
    pub address: SocketAddr,
    /// An administrator's token it accepts.
    pub token: String,
    child: Child,
    lines: Arc<Mutex<Vec<String>>>,
    _data_dir: tempfile::TempDir,
    _database: TestDatabase,
}

impl ServerProcess {
    /// Starts `binary` (a build of `familygraph`) with JSON logs, the development issuer and
    /// `env` on top of an environment cleared of `OTEL_*`, `FAMILYGRAPH_*`, `DATABASE_URL`
    /// and `RUST_LOG`; waits until it listens.
    pub async fn spawn(binary: &str, env: &[(&str, &str)]) -> Self {
        let database = TestDatabase::seeded().await;
        let data_dir = tempfile::tempdir().unwrap();
        let issuer = DevIssuer::load_or_create(data_dir.path()).unwrap();
        let token = issuer
            .mint(&TokenRequest {
                role: Role::Administrator,
                subject: Some("admin-telemetry".to_owned()),
                team: None,
                school_urn: None,
                agency: None,
                lifetime: chrono::Duration::minutes(10),
            })
            .unwrap();
        let mut command = Command::new(binary);
        for (key, _) in std::env::vars() {
            if key.starts_with("OTEL_")
                || key.starts_with("FAMILYGRAPH_")
                || key == "DATABASE_URL"
                || key == "RUST_LOG"
            {
                command.env_remove(key);
            }
        }
        command
            .env("DATABASE_URL", &database.url)
            .env("FAMILYGRAPH_DATA_DIR", data_dir.path())
            .env("FAMILYGRAPH_BIND", "127.0.0.1:0")
            .env("FAMILYGRAPH_FORCE_DEV_ISSUER", "1")
            .env("FAMILYGRAPH_LOG_FORMAT", "json")
            .env("RUST_LOG", "info,familygraph=debug")
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        let mut child = command.spawn().unwrap();
        let stderr = child.stderr.take().unwrap();
        let lines = Arc::new(Mutex::new(Vec::new()));
        let sink = lines.clone();
        std::thread::spawn(move || {
            for line in std::io::BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                sink.lock().unwrap().push(line);
            }
        });
        let mut address = None;
        for _ in 0..600 {
            address = lines
                .lock()
                .unwrap()
                .iter()
                .filter_map(|line| serde_json::from_str::<Value>(line).ok())
                .find(|line| line["message"] == "familygraph listening")
                .and_then(|line| line["address"].as_str()?.parse().ok());
            if address.is_some() {
                break;
            }
            if let Some(status) = child.try_wait().unwrap() {
                panic!(
                    "familygraph exited ({status}):\n{}",
                    lines.lock().unwrap().join("\n")
                );
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let Some(address) = address else {
            let _ = child.kill();
            panic!(
                "familygraph did not start listening:\n{}",
                lines.lock().unwrap().join("\n")
            );
        };
        Self {
            address,
            token,
            child,
            lines,
            _data_dir: data_dir,
            _database: database,
        }
    }

    /// A URL on the server.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.address)
    }

    /// Its log lines so far (standard error), each parsed as JSON when it is.
    pub fn log_lines(&self) -> Vec<Value> {
        self.lines
            .lock()
            .unwrap()
            .iter()
            .filter_map(|line| serde_json::from_str(line).ok())
            .collect()
    }

    /// A token for `role` from the same development issuer the process trusts.
    pub fn token_for(&self, role: Role, subject: &str, team: Option<&str>) -> String {
        DevIssuer::load_or_create(self._data_dir.path())
            .unwrap()
            .mint(&TokenRequest {
                role,
                subject: Some(subject.to_owned()),
                team: team.map(str::to_owned),
                school_urn: None,
                agency: None,
                lifetime: chrono::Duration::minutes(10),
            })
            .unwrap()
    }

    /// The process id (to signal it).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Whether the process is still running.
    pub fn is_running(&mut self) -> bool {
        self.child.try_wait().unwrap().is_none()
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
