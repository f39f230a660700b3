//! Running a [`SourceAdapter`] to the end of its source.

use crate::adapter::SourceAdapter;
use crate::batch::{Cursor, FieldNote, Located, Rejection};
use crate::error::AdapterError;
use crate::record::CanonicalRecord;

/// Everything one run read: records, rejections, notes and the cursors it passed through.
#[derive(Debug, Clone, Default)]
pub struct Run {
    /// Every record, in order.
    pub records: Vec<Located<CanonicalRecord>>,
    /// Every rejection, in order.
    pub rejected: Vec<Rejection>,
    /// The `next_cursor` of each batch, in order.
    pub cursors: Vec<Option<Cursor>>,
}

impl Run {
    /// Every field note on every record.
    pub fn notes(&self) -> impl Iterator<Item = &FieldNote> {
        self.records.iter().flat_map(|r| r.notes.iter())
    }

    /// The cursor the run ended at: the watermark for the next run.
    pub fn final_cursor(&self) -> Option<&Cursor> {
        self.cursors.last().and_then(Option::as_ref)
    }
}

/// Pulls from `cursor` until the adapter says `done`, at most `max_batches` batches (an
/// adapter that never finishes is an error, not a hang). The first error ends the run.
pub async fn pull_to_end(
    adapter: &dyn SourceAdapter,
    cursor: Option<Cursor>,
    max_batches: usize,
) -> Result<Run, AdapterError> {
    let mut run = Run::default();
    let mut cursor = cursor;
    for _ in 0..max_batches {
        let batch = adapter.pull(cursor.as_ref()).await?;
        run.records.extend(batch.records);
        run.rejected.extend(batch.rejected);
        run.cursors.push(batch.next_cursor.clone());
        if batch.done {
            return Ok(run);
        }
        cursor = match batch.next_cursor {
            Some(next) => Some(next),
            None => {
                return Err(AdapterError::InvalidCursor {
                    reason: format!(
                        "{}: a batch that is not the last must give a next cursor",
                        adapter.name()
                    ),
                });
            }
        };
    }
    Err(AdapterError::InvalidCursor {
        reason: format!("{}: not done after {max_batches} batches", adapter.name()),
    })
}
