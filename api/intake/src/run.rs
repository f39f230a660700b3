//! Adapter runs: one import or sync, its counts, rejections, notes and resume cursor.
//!
//! Public API used by the server's CLI and GraphQL (`familygraph import|sync`, admin runs):
//!
//! ```text
//! let intake = Intake::new(db.clone());
//! let run = intake.start_run("cin-census", RunTrigger::CommandLine, "operator").await?;
//! loop {
//!     let batch = adapter.pull(cursor.as_ref()).await?;
//!     let counts = intake.apply_batch(run, batch).await?;   // commits per child, saves cursor
//!     ...
//! }
//! let summary = intake.finish_run(run, None).await?;        // or Some(error text) on failure
//! ```

use chrono::Utc;
use familygraph_adapter_sdk::{Batch, Cursor, FieldNote, Location};
use familygraph_domain::Principal;
use familygraph_store::entity::{adapter_note, adapter_rejection, adapter_run};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder,
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{IntakeError, IntakeResult};

/// Id of one adapter run (an `adapter_run` row).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct RunId(pub Uuid);

/// What started a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum RunTrigger {
    /// `familygraph import …` or `familygraph sync …` on the command line.
    CommandLine,
    /// An administrator through GraphQL.
    Administrator,
    /// A scheduled sync job (held under a lease).
    Schedule,
}

impl RunTrigger {
    /// The code stored in `adapter_run.trigger`.
    pub fn code(self) -> &'static str {
        match self {
            Self::CommandLine => "COMMAND_LINE",
            Self::Administrator => "ADMINISTRATOR",
            Self::Schedule => "SCHEDULE",
        }
    }

    /// The trigger stored as `code`.
    pub fn from_code(code: &str) -> Option<Self> {
        [Self::CommandLine, Self::Administrator, Self::Schedule]
            .into_iter()
            .find(|t| t.code() == code)
    }
}

/// Where a run is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum RunStatus {
    /// Still applying batches.
    Running,
    /// Finished; every record was applied or reported rejected.
    Succeeded,
    /// Finished with at least one rejected record.
    SucceededWithRejections,
    /// Stopped by an error before the source was exhausted (resumable from its cursor).
    Failed,
}

impl RunStatus {
    /// The code stored in `adapter_run.status`.
    pub fn code(self) -> &'static str {
        match self {
            Self::Running => "RUNNING",
            Self::Succeeded => "SUCCEEDED",
            Self::SucceededWithRejections => "SUCCEEDED_WITH_REJECTIONS",
            Self::Failed => "FAILED",
        }
    }

    /// The status stored as `code`.
    pub fn from_code(code: &str) -> Option<Self> {
        [
            Self::Running,
            Self::Succeeded,
            Self::SucceededWithRejections,
            Self::Failed,
        ]
        .into_iter()
        .find(|s| s.code() == code)
    }
}

/// Counts of what a run (or one batch) did with the records it read.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApplyCounts {
    /// Records read from the source, good or rejected.
    pub read: u64,
    /// Records that created a familygraph row.
    pub created: u64,
    /// Records that changed an existing row.
    pub updated: u64,
    /// Records already applied with the same content.
    pub unchanged: u64,
    /// Records rejected, by the adapter or when applying.
    pub rejected: u64,
    /// Persons sent to the identity review queue.
    pub queued_for_review: u64,
}

impl ApplyCounts {
    /// Adds another batch's counts.
    pub fn add(&mut self, other: ApplyCounts) {
        self.read += other.read;
        self.created += other.created;
        self.updated += other.updated;
        self.unchanged += other.unchanged;
        self.rejected += other.rejected;
        self.queued_for_review += other.queued_for_review;
    }
}

/// A rejected record as a run keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordedRejection {
    /// Where the record was in the source.
    pub location: Location,
    /// Why it was rejected.
    pub reason: String,
}

/// A value left out of an otherwise good (applied) record, as a run keeps it: an adapter's
/// [`FieldNote`] or one the intake made itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordedNote {
    /// Where the value was in the source.
    pub location: Location,
    /// Why it was left out. Never contains the value itself.
    pub reason: String,
}

impl From<FieldNote> for RecordedNote {
    fn from(note: FieldNote) -> Self {
        Self {
            location: note.location,
            reason: note.reason,
        }
    }
}

/// A finished (or running) run as reported to an operator.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunSummary {
    /// The run.
    pub run_id: RunId,
    /// The adapter's name.
    pub adapter: String,
    /// Where the run is.
    pub status: RunStatus,
    /// What it did.
    pub counts: ApplyCounts,
    /// Every rejected record, in source order.
    pub rejections: Vec<RecordedRejection>,
    /// Every value left out of an applied record, in source order.
    pub notes: Vec<RecordedNote>,
    /// The cursor to resume from, for syncs.
    pub cursor: Option<Cursor>,
}

/// Applies adapters' batches to the store.
#[derive(Debug, Clone)]
pub struct Intake {
    db: DatabaseConnection,
}

fn count(value: i64) -> u64 {
    u64::try_from(value).unwrap_or(0)
}

fn stored(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

/// The counts kept in a run row.
fn counts_of(row: &adapter_run::Model) -> ApplyCounts {
    ApplyCounts {
        read: count(row.read_count),
        created: count(row.created_count),
        updated: count(row.updated_count),
        unchanged: count(row.unchanged_count),
        rejected: count(row.rejected_count),
        queued_for_review: count(row.queued_for_review_count),
    }
}

/// The principal audit rows name for a run: whoever started it, acting with no role.
fn actor(row: &adapter_run::Model) -> Principal {
    Principal {
        subject: row.started_by.clone(),
        client_id: None,
        roles: Vec::new(),
        team: None,
        school_urn: None,
        agency: None,
    }
}

impl Intake {
    /// An intake over this database.
    pub fn new(db: DatabaseConnection) -> Self {
        Self { db }
    }

    /// The database this intake writes to.
    pub fn db(&self) -> &DatabaseConnection {
        &self.db
    }

    /// Opens a run.
    pub async fn start_run(
        &self,
        adapter: &str,
        trigger: RunTrigger,
        started_by: &str,
    ) -> IntakeResult<RunId> {
        let id = Uuid::now_v7();
        adapter_run::ActiveModel {
            id: Set(id),
            adapter: Set(adapter.to_owned()),
            trigger: Set(trigger.code().to_owned()),
            started_by: Set(started_by.to_owned()),
            status: Set(RunStatus::Running.code().to_owned()),
            read_count: Set(0),
            created_count: Set(0),
            updated_count: Set(0),
            unchanged_count: Set(0),
            rejected_count: Set(0),
            queued_for_review_count: Set(0),
            cursor: Set(None),
            failure: Set(None),
            started_at: Set(Utc::now()),
            finished_at: Set(None),
        }
        .insert(&self.db)
        .await?;
        Ok(RunId(id))
    }

    async fn open_run(&self, run: RunId) -> IntakeResult<adapter_run::Model> {
        let row = adapter_run::Entity::find_by_id(run.0)
            .one(&self.db)
            .await?
            .ok_or(IntakeError::RunNotOpen(run.0))?;
        if row.status != RunStatus::Running.code() {
            return Err(IntakeError::RunNotOpen(run.0));
        }
        Ok(row)
    }

    /// Applies one batch: its rejections are recorded, its records applied one child per
    /// transaction, the notes of the applied records (values left out of them) recorded, and
    /// its cursor saved once the batch is applied. A database failure stops
    /// the batch with an error (the children already committed stay; re-applying them later
    /// is idempotent); rejected records are counted, not errors.
    pub async fn apply_batch(&self, run: RunId, batch: Batch) -> IntakeResult<ApplyCounts> {
        let row = self.open_run(run).await?;
        let operation = format!("adapter:{}", row.adapter);
        let outcome =
            crate::apply::apply_records(&self.db, run.0, &actor(&row), &operation, &batch.records)
                .await?;

        let mut counts = outcome.counts;
        counts.read = (batch.records.len() + batch.rejected.len()) as u64;
        counts.rejected += batch.rejected.len() as u64;
        let rejections: Vec<RecordedRejection> = batch
            .rejected
            .into_iter()
            .map(|r| RecordedRejection {
                location: r.location,
                reason: r.reason,
            })
            .chain(outcome.rejections)
            .collect();
        let notes = outcome.notes;

        let txn = familygraph_store::db::begin_write(&self.db).await?;
        let mut seq = adapter_rejection::Entity::find()
            .filter(adapter_rejection::Column::RunId.eq(run.0))
            .count(&txn)
            .await? as i64;
        let rows: Vec<adapter_rejection::ActiveModel> = rejections
            .into_iter()
            .map(|r| {
                let row = adapter_rejection::ActiveModel {
                    id: Set(Uuid::now_v7()),
                    run_id: Set(run.0),
                    seq: Set(seq),
                    document: Set(r.location.document),
                    pointer: Set(r.location.pointer),
                    reason: Set(r.reason),
                };
                seq += 1;
                row
            })
            .collect();
        for chunk in rows.chunks(500) {
            adapter_rejection::Entity::insert_many(chunk.to_vec())
                .exec(&txn)
                .await?;
        }
        let mut seq = adapter_note::Entity::find()
            .filter(adapter_note::Column::RunId.eq(run.0))
            .count(&txn)
            .await? as i64;
        let rows: Vec<adapter_note::ActiveModel> = notes
            .into_iter()
            .map(|n| {
                let row = adapter_note::ActiveModel {
                    id: Set(Uuid::now_v7()),
                    run_id: Set(run.0),
                    seq: Set(seq),
                    document: Set(n.location.document),
                    pointer: Set(n.location.pointer),
                    reason: Set(n.reason),
                };
                seq += 1;
                row
            })
            .collect();
        for chunk in rows.chunks(500) {
            adapter_note::Entity::insert_many(chunk.to_vec())
                .exec(&txn)
                .await?;
        }
        let mut total = counts_of(&row);
        total.add(counts);
        let mut active: adapter_run::ActiveModel = row.into();
        active.read_count = Set(stored(total.read));
        active.created_count = Set(stored(total.created));
        active.updated_count = Set(stored(total.updated));
        active.unchanged_count = Set(stored(total.unchanged));
        active.rejected_count = Set(stored(total.rejected));
        active.queued_for_review_count = Set(stored(total.queued_for_review));
        active.cursor = Set(batch.next_cursor.map(|c| c.as_str().to_owned()));
        active.update(&txn).await?;
        txn.commit().await?;
        Ok(counts)
    }

    /// Closes a run: `failure` is the error that stopped it early, if any.
    pub async fn finish_run(
        &self,
        run: RunId,
        failure: Option<String>,
    ) -> IntakeResult<RunSummary> {
        let row = self.open_run(run).await?;
        let status = match (&failure, row.rejected_count) {
            (Some(_), _) => RunStatus::Failed,
            (None, 0) => RunStatus::Succeeded,
            (None, _) => RunStatus::SucceededWithRejections,
        };
        let mut active: adapter_run::ActiveModel = row.into();
        active.status = Set(status.code().to_owned());
        active.failure = Set(failure);
        active.finished_at = Set(Some(Utc::now()));
        active.update(&self.db).await?;
        self.summary(run).await
    }

    /// A run as it stands (running or finished), with every rejection and every note in order.
    pub async fn summary(&self, run: RunId) -> IntakeResult<RunSummary> {
        let row = adapter_run::Entity::find_by_id(run.0)
            .one(&self.db)
            .await?
            .ok_or(IntakeError::RunNotOpen(run.0))?;
        let rejections = adapter_rejection::Entity::find()
            .filter(adapter_rejection::Column::RunId.eq(run.0))
            .order_by_asc(adapter_rejection::Column::Seq)
            .all(&self.db)
            .await?
            .into_iter()
            .map(|r| RecordedRejection {
                location: Location {
                    document: r.document,
                    pointer: r.pointer,
                },
                reason: r.reason,
            })
            .collect();
        let notes = adapter_note::Entity::find()
            .filter(adapter_note::Column::RunId.eq(run.0))
            .order_by_asc(adapter_note::Column::Seq)
            .all(&self.db)
            .await?
            .into_iter()
            .map(|n| RecordedNote {
                location: Location {
                    document: n.document,
                    pointer: n.pointer,
                },
                reason: n.reason,
            })
            .collect();
        Ok(RunSummary {
            run_id: run,
            adapter: row.adapter.clone(),
            status: RunStatus::from_code(&row.status).unwrap_or(RunStatus::Failed),
            counts: counts_of(&row),
            rejections,
            notes,
            cursor: row.cursor.clone().map(Cursor::new),
        })
    }

    /// The cursor the last run of this adapter saved (to resume a sync): the newest run that
    /// saved one, unless a newer run finished without one (its source starts over each time).
    /// A run that failed or is still running before saving any cursor does not count.
    pub async fn last_cursor(&self, adapter: &str) -> IntakeResult<Option<Cursor>> {
        let runs = adapter_run::Entity::find()
            .filter(adapter_run::Column::Adapter.eq(adapter))
            .order_by_desc(adapter_run::Column::StartedAt)
            .order_by_desc(adapter_run::Column::Id)
            .all(&self.db)
            .await?;
        for run in runs {
            if let Some(cursor) = run.cursor {
                return Ok(Some(Cursor::new(cursor)));
            }
            if run.status == RunStatus::Succeeded.code()
                || run.status == RunStatus::SucceededWithRejections.code()
            {
                return Ok(None);
            }
        }
        Ok(None)
    }
}
