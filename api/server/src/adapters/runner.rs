//! Running an adapter to the end of its source through the intake, for the command line and
//! for administrators' GraphQL runs alike: one `adapter_run`, one span per run and per batch,
//! the `familygraph.adapter.runs` metric, and for syncs the lease `sync:<kind>:<source>`,
//! renewed while the run goes on, so that two processes or replicas never run one job at once.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use familygraph_adapter_sdk::{AdapterError, Batch, Cursor};
use familygraph_intake::{
    ApplyCounts, Intake, IntakeError, RunId, RunStatus, RunSummary, RunTrigger,
};
use sea_orm::DatabaseConnection;
use tracing::Instrument as _;

use super::registry::Built;

/// How long a sync lease lasts unless renewed.
pub const LEASE_TTL: Duration = Duration::from_secs(60);
/// How often a running sync renews its lease.
pub const LEASE_RENEW_EVERY: Duration = Duration::from_secs(20);
/// Attempts at a pull that fails with a retryable error before the run fails.
pub const PULL_ATTEMPTS: u32 = 3;

/// Import (from the start of the source) or sync (from the last run's cursor, under a lease).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// From the start of the source, to its end.
    Import,
    /// From the cursor the last run of this source saved, under the source's lease.
    Sync,
}

/// Told of the running totals after each batch.
pub trait Progress: Send + Sync {
    /// The totals so far.
    fn update(&self, totals: &ApplyCounts);
}

/// Progress nobody watches.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoProgress;

impl Progress for NoProgress {
    fn update(&self, _totals: &ApplyCounts) {}
}

/// Why a run could not start or finish.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// Another process holds the source's lease.
    #[error(
        "{name} is already running (lease held by {holder} until {expires_at}); not starting a second run"
    )]
    LeaseHeld {
        /// The lease.
        name: String,
        /// Its holder.
        holder: String,
        /// When it runs out unless renewed.
        expires_at: String,
    },
    /// The lease table could not be used.
    #[error("taking the lease: {0}")]
    Lease(#[from] familygraph_store::StoreError),
    /// The intake failed (the database, not the data).
    #[error(transparent)]
    Intake(#[from] IntakeError),
}

/// A finished run.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// What the intake recorded.
    pub summary: RunSummary,
    /// The source's name.
    pub source: String,
    /// The adapter kind.
    pub kind: &'static str,
    /// How long it took.
    pub elapsed: Duration,
    /// The error that stopped it early, if any.
    pub failure: Option<String>,
}

struct LeaseGuard {
    db: DatabaseConnection,
    name: String,
    holder: String,
    lost: Arc<AtomicBool>,
    renewer: tokio::task::JoinHandle<()>,
}

impl LeaseGuard {
    async fn take(db: &DatabaseConnection, name: String) -> Result<Self, RunError> {
        let holder = familygraph_store::lease::holder_id();
        if familygraph_store::lease::acquire(db, &name, &holder, LEASE_TTL)
            .await?
            .is_none()
        {
            let current = familygraph_store::lease::current(db, &name).await?;
            return Err(RunError::LeaseHeld {
                name,
                holder: current
                    .as_ref()
                    .map_or_else(|| "another process".to_owned(), |l| l.holder.clone()),
                expires_at: current
                    .map_or_else(|| "soon".to_owned(), |l| l.expires_at.to_rfc3339()),
            });
        }
        let lost = Arc::new(AtomicBool::new(false));
        let renewer = {
            let (db, name, holder, lost) = (db.clone(), name.clone(), holder.clone(), lost.clone());
            tokio::spawn(async move {
                loop {
                    tokio::time::sleep(LEASE_RENEW_EVERY).await;
                    match familygraph_store::lease::renew(&db, &name, &holder, LEASE_TTL).await {
                        Ok(Some(_)) => {}
                        Ok(None) => {
                            tracing::error!(lease = %name, "lease lost: the run stops after this batch");
                            lost.store(true, Ordering::SeqCst);
                            return;
                        }
                        // A failed renewal is tried again; the lease lasts three periods.
                        Err(error) => {
                            tracing::warn!(lease = %name, %error, "renewing the lease failed")
                        }
                    }
                }
            })
        };
        Ok(Self {
            db: db.clone(),
            name,
            holder,
            lost,
            renewer,
        })
    }

    fn lost(&self) -> bool {
        self.lost.load(Ordering::SeqCst)
    }

    async fn release(self) {
        self.renewer.abort();
        if let Err(error) =
            familygraph_store::lease::release(&self.db, &self.name, &self.holder).await
        {
            tracing::warn!(lease = %self.name, %error, "releasing the lease failed; it runs out by itself");
        }
    }
}

/// A run that has started (its `adapter_run` row exists, its lease is held) and is ready to
/// be driven.
pub struct Started {
    built: Built,
    intake: Intake,
    run: RunId,
    mode: Mode,
    lease: Option<LeaseGuard>,
    started: Instant,
}

impl Started {
    /// The run's id.
    pub fn run_id(&self) -> RunId {
        self.run
    }
}

/// Starts a run of `built`: takes the lease when `mode` is a sync or `hold_lease` says so,
/// then opens the run. Refused with [`RunError::LeaseHeld`] while another holder runs it.
pub async fn start(
    db: &DatabaseConnection,
    built: Built,
    mode: Mode,
    trigger: RunTrigger,
    started_by: &str,
    hold_lease: bool,
) -> Result<Started, RunError> {
    let lease = if mode == Mode::Sync || hold_lease {
        Some(LeaseGuard::take(db, built.lease_name()).await?)
    } else {
        None
    };
    let intake = Intake::new(db.clone());
    let run = match intake
        .start_run(&built.run_key(), trigger, started_by)
        .await
    {
        Ok(run) => run,
        Err(error) => {
            if let Some(lease) = lease {
                lease.release().await;
            }
            return Err(error.into());
        }
    };
    Ok(Started {
        built,
        intake,
        run,
        mode,
        lease,
        started: Instant::now(),
    })
}

/// Pulls the next batch, retrying a retryable failure with back-off.
async fn pull(built: &Built, cursor: Option<&Cursor>) -> Result<Batch, AdapterError> {
    let mut attempt = 1;
    loop {
        match built.adapter.pull(cursor).await {
            Ok(batch) => return Ok(batch),
            Err(error) if error.is_retryable() && attempt < PULL_ATTEMPTS => {
                let wait = Duration::from_secs(1 << (attempt - 1));
                tracing::warn!(%error, attempt, wait_s = wait.as_secs(), "pull failed; retrying");
                tokio::time::sleep(wait).await;
                attempt += 1;
            }
            Err(error) => return Err(error),
        }
    }
}

/// Drives a started run to the end of its source (or its first failure), then closes it and
/// gives up the lease. An adapter's failure ends the run `FAILED` (resumable by a sync from
/// its last saved cursor) and is reported in the outcome; a database failure is an error.
pub async fn drive(started: Started, progress: &dyn Progress) -> Result<Outcome, RunError> {
    let span = tracing::info_span!(
        "adapter.run",
        familygraph.adapter = started.built.kind,
        familygraph.adapter.source = %started.built.source,
        familygraph.adapter.run_id = %started.run.0,
        sync = started.mode == Mode::Sync,
    );
    let Started {
        built,
        intake,
        run,
        mode,
        lease,
        started,
    } = started;
    let result = async {
        let mut failure = None;
        let cursor_result = match mode {
            Mode::Sync => intake.last_cursor(&built.run_key()).await,
            Mode::Import => Ok(None),
        };
        let mut cursor = match cursor_result {
            Ok(cursor) => cursor,
            Err(error) => {
                failure = Some(format!("reading the last cursor: {error}"));
                None
            }
        };
        let mut totals = ApplyCounts::default();
        let mut number = 0u64;
        while failure.is_none() {
            number += 1;
            let batch_span = tracing::info_span!(
                "adapter.batch",
                batch = number,
                records = tracing::field::Empty,
                rejected = tracing::field::Empty
            );
            let step = async {
                let batch = pull(&built, cursor.as_ref())
                    .await
                    .map_err(|e| e.to_string())?;
                tracing::Span::current().record("records", batch.records.len());
                tracing::Span::current().record("rejected", batch.rejected.len());
                let done = batch.done;
                let next = batch.next_cursor.clone();
                let counts = intake
                    .apply_batch(run, batch)
                    .await
                    .map_err(|e| format!("applying batch {number}: {e}"))?;
                Ok::<_, String>((counts, done, next))
            }
            .instrument(batch_span)
            .await;
            match step {
                Ok((counts, done, next)) => {
                    totals.add(counts);
                    progress.update(&totals);
                    if done {
                        break;
                    }
                    match next {
                        Some(next) => cursor = Some(next),
                        None => {
                            failure = Some(format!(
                                "{}: a batch that is not the last gave no cursor",
                                built.source
                            ))
                        }
                    }
                    if lease.as_ref().is_some_and(LeaseGuard::lost) {
                        failure = Some(
                            "the run's lease was lost (another process may hold it now)".to_owned(),
                        );
                    }
                }
                Err(error) => failure = Some(error),
            }
        }
        if let Some(error) = &failure {
            tracing::error!(%error, "adapter run failed");
        }
        let summary = intake.finish_run(run, failure.clone()).await?;
        Ok::<_, RunError>((summary, failure))
    }
    .instrument(span)
    .await;
    if let Some(lease) = lease {
        lease.release().await;
    }
    let outcome = match &result {
        Ok((summary, None)) if summary.status != RunStatus::Failed => "success",
        _ => "failure",
    };
    crate::telemetry::metrics::record_adapter_run(built.kind, outcome);
    let (summary, failure) = result?;
    Ok(Outcome {
        summary,
        source: built.source.clone(),
        kind: built.kind,
        elapsed: started.elapsed(),
        failure,
    })
}
