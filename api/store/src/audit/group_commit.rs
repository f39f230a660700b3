//! Group commit of read audits: one appender task per process, fed by a bounded channel,
//! appends the [`AuditEntry`]s of concurrent requests in one transaction.
//!
//! A request hands its entry to [`AuditAppender::append`] and waits. The task takes the first
//! entry waiting, then every other one already queued (up to
//! [`AppenderSettings::max_batch_requests`] entries and [`AppenderSettings::max_batch_rows`]
//! rows), and appends them with [`super::append_entries`]: the chain lock, one head read, one
//! multi-row `INSERT` per 500 rows, one commit. Only then does each request of the batch learn
//! the outcome, so a response still leaves only once its reads are durable; if the batch fails,
//! every request in it gets the error. Nothing waits on a timer: a request arriving at an idle
//! appender is written at once, alone, and the batches grow only while a commit is in flight —
//! which is exactly when requests would otherwise queue for the chain lock.
//!
//! Entries given with [`AuditAppender::append_reads`] first have the records their reader's
//! break-glass grants reach marked `break_glass`; the grants of every such reader in a batch
//! are read together, before the chain lock is taken.
//!
//! Memory is bounded: at most [`AppenderSettings::channel_capacity`] entries wait in the channel
//! (a request finding it full waits for room) and one batch is held at a time. Across
//! processes the chain lock (PostgreSQL advisory lock, SQLite `BEGIN IMMEDIATE`) is still taken
//! per batch, so replicas' batches and writes' own appends interleave into one linear chain.
//!
//! [`AuditAppender::shutdown`] stops taking entries and returns once every entry already
//! queued has been appended.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use sea_orm::{DatabaseConnection, DbErr};
use tokio::sync::{mpsc, oneshot, watch};

use super::AuditEntry;
use crate::error::{StoreError, StoreResult};

/// Bounds of an [`AuditAppender`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AppenderSettings {
    /// Entries (requests) that may wait in the channel; a request finding it full waits.
    pub channel_capacity: usize,
    /// Most entries appended in one transaction.
    pub max_batch_requests: usize,
    /// Most rows appended in one transaction (an entry larger than this is appended alone).
    pub max_batch_rows: usize,
}

impl Default for AppenderSettings {
    /// 1,024 waiting entries; batches of up to 256 entries and 2,000 rows (four `INSERT`s).
    fn default() -> Self {
        Self {
            channel_capacity: 1_024,
            max_batch_requests: 256,
            max_batch_rows: 2_000,
        }
    }
}

/// What an [`AuditAppender`] has done since it started.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AppenderStats {
    /// Transactions committed (one per batch).
    pub batches: u64,
    /// Entries (requests) appended in them.
    pub requests: u64,
    /// Rows appended in them.
    pub rows: u64,
    /// Batches that failed (every request in them got the error).
    pub failed_batches: u64,
}

#[derive(Default)]
struct Counters {
    batches: AtomicU64,
    requests: AtomicU64,
    rows: AtomicU64,
    failed_batches: AtomicU64,
}

/// One request's entry and where to send the outcome of its batch.
struct Job {
    entry: AuditEntry,
    /// Whether the records its subject's break-glass grants reach are still to be marked.
    through_grants: bool,
    reply: oneshot::Sender<Result<(), String>>,
}

/// The process's read-audit appender. Cloning it is cheap (the clones share one task); the task
/// ends when every clone is dropped or [`AuditAppender::shutdown`] is called, after appending
/// what was queued.
#[derive(Clone)]
pub struct AuditAppender {
    inner: Arc<Inner>,
}

struct Inner {
    sender: mpsc::Sender<Job>,
    stop: watch::Sender<bool>,
    task: std::sync::Mutex<Option<tokio::task::JoinHandle<()>>>,
    counters: Arc<Counters>,
}

impl std::fmt::Debug for AuditAppender {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuditAppender")
            .field("stats", &self.stats())
            .finish_non_exhaustive()
    }
}

impl AuditAppender {
    /// Starts the appender task on the current Tokio runtime, with the default bounds.
    ///
    /// # Panics
    ///
    /// Outside a Tokio runtime.
    pub fn start(db: DatabaseConnection) -> Self {
        Self::start_with(db, AppenderSettings::default())
    }

    /// [`AuditAppender::start`] with explicit bounds (each at least 1).
    ///
    /// # Panics
    ///
    /// Outside a Tokio runtime.
    pub fn start_with(db: DatabaseConnection, settings: AppenderSettings) -> Self {
        let settings = AppenderSettings {
            channel_capacity: settings.channel_capacity.max(1),
            max_batch_requests: settings.max_batch_requests.max(1),
            max_batch_rows: settings.max_batch_rows.max(1),
        };
        let (sender, receiver) = mpsc::channel(settings.channel_capacity);
        let (stop, stopping) = watch::channel(false);
        let counters = Arc::new(Counters::default());
        let task = tokio::spawn(run(db, receiver, stopping, settings, counters.clone()));
        Self {
            inner: Arc::new(Inner {
                sender,
                stop,
                task: std::sync::Mutex::new(Some(task)),
                counters,
            }),
        }
    }

    /// Appends `entry` in the next batch and returns once that batch has committed — or with
    /// the batch's error, in which case none of its rows were written. An entry without records
    /// returns at once.
    pub async fn append(&self, entry: AuditEntry) -> StoreResult<()> {
        self.send(entry, false).await
    }

    /// [`AuditAppender::append`] for a request's reads whose reader may hold break-glass
    /// grants: before the batch is appended, the records the reader's current grants reach get
    /// purpose `break_glass` ([`crate::break_glass::audit_reads`]). The grants of every such
    /// reader in the batch are read together, in one statement (two when someone holds one),
    /// current at the earliest of their entries' times; if they cannot be read, the batch
    /// fails.
    pub async fn append_reads(&self, entry: AuditEntry) -> StoreResult<()> {
        self.send(entry, true).await
    }

    async fn send(&self, entry: AuditEntry, through_grants: bool) -> StoreResult<()> {
        if entry.records.is_empty() {
            return Ok(());
        }
        let (reply, outcome) = oneshot::channel();
        self.inner
            .sender
            .send(Job {
                entry,
                through_grants,
                reply,
            })
            .await
            .map_err(|_| stopped())?;
        match outcome.await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(message)) => Err(StoreError::Database(DbErr::Custom(format!(
                "audit batch failed: {message}"
            )))),
            Err(_) => Err(stopped()),
        }
    }

    /// What the appender has done so far.
    pub fn stats(&self) -> AppenderStats {
        let counters = &self.inner.counters;
        AppenderStats {
            batches: counters.batches.load(Ordering::Relaxed),
            requests: counters.requests.load(Ordering::Relaxed),
            rows: counters.rows.load(Ordering::Relaxed),
            failed_batches: counters.failed_batches.load(Ordering::Relaxed),
        }
    }

    /// Stops taking entries (later [`AuditAppender::append`]s fail) and returns once every
    /// entry already queued has been appended (or its batch has failed). Calling it again
    /// returns at once.
    pub async fn shutdown(&self) {
        self.inner.stop.send_replace(true);
        let task = self.inner.task.lock().ok().and_then(|mut task| task.take());
        if let Some(task) = task
            && let Err(error) = task.await
        {
            tracing::error!(%error, "the audit appender task ended abnormally");
        }
    }
}

fn stopped() -> StoreError {
    StoreError::Database(DbErr::Custom("the audit appender has stopped".to_owned()))
}

/// The appender task: batch, append, answer; until stopped (then drain) or every sender is
/// gone.
async fn run(
    db: DatabaseConnection,
    mut receiver: mpsc::Receiver<Job>,
    mut stopping: watch::Receiver<bool>,
    settings: AppenderSettings,
    counters: Arc<Counters>,
) {
    let mut closed = false;
    let mut carried: Option<Job> = None;
    loop {
        let first = match carried.take() {
            Some(job) => job,
            None if closed => match receiver.recv().await {
                Some(job) => job,
                None => break,
            },
            None => tokio::select! {
                job = receiver.recv() => match job {
                    Some(job) => job,
                    None => break,
                },
                _ = stopping.wait_for(|stop| *stop) => {
                    // Refuse new entries; those already queued are still received, then None.
                    receiver.close();
                    closed = true;
                    continue;
                }
            },
        };
        let mut rows = first.entry.records.len();
        let mut batch = vec![first];
        while batch.len() < settings.max_batch_requests && rows < settings.max_batch_rows {
            let Ok(job) = receiver.try_recv() else {
                break;
            };
            let more = job.entry.records.len();
            if rows + more > settings.max_batch_rows {
                carried = Some(job);
                break;
            }
            rows += more;
            batch.push(job);
        }
        commit(&db, batch, rows, &counters).await;
    }
}

/// Appends one batch and tells each of its requests the outcome.
async fn commit(db: &DatabaseConnection, mut batch: Vec<Job>, rows: usize, counters: &Counters) {
    let marked = mark_through_grants(db, &mut batch).await;
    let (entries, replies): (Vec<AuditEntry>, Vec<_>) =
        batch.into_iter().map(|job| (job.entry, job.reply)).unzip();
    let outcome = match marked {
        Ok(()) => super::append_entries(db, &entries).await,
        Err(error) => Err(error),
    }
    .map_err(|error| error.to_string());
    match &outcome {
        Ok(()) => {
            counters.batches.fetch_add(1, Ordering::Relaxed);
            counters
                .requests
                .fetch_add(entries.len() as u64, Ordering::Relaxed);
            counters.rows.fetch_add(rows as u64, Ordering::Relaxed);
        }
        Err(error) => {
            counters.failed_batches.fetch_add(1, Ordering::Relaxed);
            tracing::error!(
                requests = entries.len(),
                rows,
                %error,
                "audit batch failed; its requests are answered with an error"
            );
        }
    }
    batch_metrics(entries.len(), outcome.is_ok());
    for reply in replies {
        // A request that went away (client disconnected) no longer waits: nothing to tell.
        let _ = reply.send(outcome.clone());
    }
}

/// Marks what the break-glass grants of the batch's readers reach ([`AuditAppender::append_reads`]),
/// reading every such reader's grants at once.
async fn mark_through_grants(db: &DatabaseConnection, batch: &mut [Job]) -> StoreResult<()> {
    let readers: BTreeSet<&str> = batch
        .iter()
        .filter(|job| job.through_grants)
        .map(|job| job.entry.subject.as_str())
        .collect();
    let Some(since) = batch
        .iter()
        .filter(|job| job.through_grants)
        .map(|job| job.entry.occurred_at)
        .min()
    else {
        return Ok(());
    };
    let readers: Vec<&str> = readers.into_iter().collect();
    let reached = crate::break_glass::reached_through_grants_of(db, &readers, since).await?;
    for job in batch.iter_mut().filter(|job| job.through_grants) {
        if let Some(reached) = reached.get(&job.entry.subject) {
            let entry = &mut job.entry;
            crate::break_glass::mark_break_glass(&mut entry.context, &entry.records, reached);
        }
    }
    Ok(())
}

/// `familygraph.audit.batch_size`: requests per read-audit batch, by outcome (`ok`, `error`).
/// A no-op until the server installs a meter provider.
fn batch_metrics(requests: usize, ok: bool) {
    static SIZE: std::sync::OnceLock<opentelemetry::metrics::Histogram<u64>> =
        std::sync::OnceLock::new();
    SIZE.get_or_init(|| {
        opentelemetry::global::meter("familygraph")
            .u64_histogram("familygraph.audit.batch_size")
            .with_description("Requests whose read audits were appended in one transaction.")
            .with_boundaries(vec![1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0, 256.0])
            .build()
    })
    .record(
        requests as u64,
        &[opentelemetry::KeyValue::new(
            "outcome",
            if ok { "ok" } else { "error" },
        )],
    );
}
