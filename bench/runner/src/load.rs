//! HTTP load: one GraphQL operation sent by a fixed set of clients, closed- or open-loop.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use anyhow::{Context, bail};
use serde_json::{Value, json};
use tokio::time::Instant;

use crate::stats::{Samples, Summary};
use crate::{RunArgs, rss};

/// `load` options.
#[derive(Debug, Clone, clap::Args)]
pub struct LoadArgs {
    /// The GraphQL endpoint.
    #[arg(long, default_value = "http://127.0.0.1:8080/graphql")]
    url: String,
    /// Bearer token sent with every request (none: no `Authorization` header).
    #[arg(long, env = "FAMILYGRAPH_BENCH_TOKEN", hide_env_values = true)]
    token: Option<String>,
    /// The GraphQL document.
    #[arg(long)]
    document: PathBuf,
    /// Variables, one JSON object per line, used in turn; `{{n}}` in a line becomes the
    /// request's sequence number. Default: `{}`.
    #[arg(long)]
    variables: Option<PathBuf>,
    /// After each operation, triage the contact it recorded with this document (W4: the
    /// first document is `w4_record_contact.graphql`); the pair is one operation.
    #[arg(long)]
    then_triage: Option<PathBuf>,
    /// Clients (connections) sending at once.
    #[arg(long, default_value_t = 10)]
    concurrency: usize,
    /// Fixed arrival rate in operations per second, spread evenly over the clients; latency
    /// counts from when each operation was due. Without it each client sends its next
    /// operation as soon as the last is answered.
    #[arg(long)]
    rate: Option<f64>,
    /// The server's process id, to report its peak RSS over the run.
    #[arg(long)]
    server_pid: Option<u32>,
    /// Run length and label.
    #[command(flatten)]
    run: RunArgs,
}

/// What every client shares.
struct Workload {
    client: reqwest::Client,
    url: String,
    authorization: Option<String>,
    document: String,
    variables: Vec<String>,
    triage: Option<String>,
    next: AtomicUsize,
}

impl Workload {
    /// Sends one operation; `Err` describes a failure.
    async fn operation(&self) -> Result<(), String> {
        let n = self.next.fetch_add(1, Ordering::Relaxed);
        let line = &self.variables[n % self.variables.len()];
        let variables = if line.contains("{{n}}") {
            line.replace("{{n}}", &n.to_string())
        } else {
            line.clone()
        };
        let body = format!(
            "{{\"query\":{},\"variables\":{variables}}}",
            json!(self.document)
        );
        let reply = self.post(body).await?;
        if let Some(triage) = &self.triage {
            let data: Value = serde_json::from_slice(&reply).map_err(|e| e.to_string())?;
            let contact = &data["data"]["recordContact"]["contact"];
            let body = json!({
                "query": triage,
                "variables": { "input": {
                    "contactId": contact["id"],
                    "version": contact["version"],
                    "decision": "NO_FURTHER_ACTION",
                    "reason": "Needs met by universal services.",
                } },
            });
            self.post(body.to_string()).await?;
        }
        Ok(())
    }

    /// Posts `body`, failing on a transport error, a non-200 status or GraphQL errors.
    async fn post(&self, body: String) -> Result<Vec<u8>, String> {
        let mut request = self
            .client
            .post(&self.url)
            .header("content-type", "application/json")
            .body(body);
        if let Some(authorization) = &self.authorization {
            request = request.header("authorization", authorization);
        }
        let response = request.send().await.map_err(|e| e.to_string())?;
        let status = response.status();
        let bytes = response.bytes().await.map_err(|e| e.to_string())?;
        if !status.is_success() {
            return Err(format!("HTTP {status}: {}", excerpt(&bytes)));
        }
        if contains(&bytes, b"\"errors\"") {
            return Err(excerpt(&bytes));
        }
        Ok(bytes.to_vec())
    }
}

/// Whether `haystack` contains `needle`.
fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// The start of a reply, for an error message.
fn excerpt(bytes: &[u8]) -> String {
    String::from_utf8_lossy(&bytes[..bytes.len().min(300)]).into_owned()
}

/// Runs the load and summarises it.
pub async fn run(args: LoadArgs) -> anyhow::Result<Summary> {
    if args.concurrency == 0 {
        bail!("--concurrency must be at least 1");
    }
    let document = std::fs::read_to_string(&args.document)
        .with_context(|| format!("reading {}", args.document.display()))?;
    let variables = match &args.variables {
        None => vec!["{}".to_owned()],
        Some(path) => std::fs::read_to_string(path)
            .with_context(|| format!("reading {}", path.display()))?
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_owned)
            .collect(),
    };
    if variables.is_empty() {
        bail!("no variables in {:?}", args.variables);
    }
    let triage = match &args.then_triage {
        None => None,
        Some(path) => Some(std::fs::read_to_string(path)?),
    };
    let workload = Arc::new(Workload {
        client: reqwest::Client::builder()
            .pool_max_idle_per_host(args.concurrency)
            .tcp_nodelay(true)
            .timeout(Duration::from_secs(60))
            .build()?,
        url: args.url.clone(),
        authorization: args.token.as_ref().map(|t| format!("Bearer {t}")),
        document,
        variables,
        triage,
        next: AtomicUsize::new(0),
    });
    // One operation first: a document or token that fails at all fails the run loudly.
    workload
        .operation()
        .await
        .map_err(|e| anyhow::anyhow!("the first operation failed: {e}"))?;

    let start = Instant::now();
    let measure_from = start + args.run.warmup();
    let end = measure_from + args.run.duration();
    // Each client sends every `interval` (open loop), offset so the clients interleave.
    let interval = args
        .rate
        .map(|rate| Duration::from_secs_f64(args.concurrency as f64 / rate));
    let mut clients = Vec::new();
    let mut reset = false;
    for k in 0..args.concurrency {
        let workload = workload.clone();
        let offset = interval
            .map(|i| i.mul_f64(k as f64 / args.concurrency as f64))
            .unwrap_or_default();
        clients.push(tokio::spawn(async move {
            let mut samples = Samples::default();
            let mut i: u32 = 0;
            loop {
                let due = match interval {
                    Some(interval) => start + offset + interval * i,
                    None => Instant::now(),
                };
                if due >= end {
                    break;
                }
                tokio::time::sleep_until(due).await;
                let result = workload.operation().await;
                let took = Instant::now() - due;
                if due >= measure_from {
                    match result {
                        Ok(()) => samples.latencies.push(took),
                        Err(e) => samples.error(e),
                    }
                }
                i += 1;
            }
            samples
        }));
    }
    if let Some(pid) = args.server_pid {
        tokio::time::sleep_until(measure_from).await;
        rss::reset_peak(pid);
        reset = true;
    }
    let mut samples = Samples::default();
    for client in clients {
        samples.merge(client.await?);
    }
    let mut summary = Summary::new(
        args.run.label.clone(),
        if args.rate.is_some() {
            "open"
        } else {
            "closed"
        },
        args.concurrency,
        args.rate,
        args.run.duration,
        samples,
    );
    if reset {
        summary.peak_rss_mib = args
            .server_pid
            .and_then(rss::peak_kib)
            .map(|kib| kib as f64 / 1024.0);
    }
    summary.out = args.run.out.clone();
    Ok(summary)
}
