//! Running records through intake as `familygraph import` does, for the tests that import:
//! one command-line run started, its batches applied in order, the run finished.

use familygraph_adapter_sdk::{Batch, SourceAdapter};
use familygraph_intake::{Intake, RunSummary, RunTrigger};
use sea_orm::DatabaseConnection;

/// Applies `batches`, in order, in one new command-line run of `system` started by `operator`,
/// then finishes the run: its summary (counts of every batch together, every rejection).
pub(super) async fn run_batches(
    db: &DatabaseConnection,
    system: &str,
    operator: &str,
    batches: impl IntoIterator<Item = Batch>,
) -> RunSummary {
    let intake = Intake::new(db.clone());
    let run = intake
        .start_run(system, RunTrigger::CommandLine, operator)
        .await
        .unwrap();
    for batch in batches {
        intake.apply_batch(run, batch).await.unwrap();
    }
    intake.finish_run(run, None).await.unwrap()
}

/// Pulls `adapter` from the start to its last batch (failing after `max_batches`) and applies
/// its batches, as they came, in one run: see [`run_batches`].
pub(super) async fn import_from(
    db: &DatabaseConnection,
    system: &str,
    operator: &str,
    adapter: &dyn SourceAdapter,
    max_batches: usize,
) -> RunSummary {
    let mut batches = Vec::new();
    let mut cursor = None;
    loop {
        assert!(
            batches.len() < max_batches,
            "{}: not done after {max_batches} batches",
            adapter.name()
        );
        let batch = adapter.pull(cursor.as_ref()).await.unwrap();
        let done = batch.done;
        cursor = batch.next_cursor.clone();
        batches.push(batch);
        if done {
            break;
        }
    }
    run_batches(db, system, operator, batches).await
}

/// A run's rejections as `location: reason` lines.
pub(super) fn rejection_lines(summary: &RunSummary) -> Vec<String> {
    summary
        .rejections
        .iter()
        .map(|r| format!("{}: {}", r.location, r.reason))
        .collect()
}
