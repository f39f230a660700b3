//! familygraph intake: applies the canonical records that adapters produce to familygraph's
//! store.
//!
//! Adapters translate; this crate decides what a record means for familygraph's data:
//!
//! - **Runs** ([`run`]): every import or sync is an `adapter_run` with counts (read, created,
//!   updated, unchanged, rejected, queued for review), its rejections (location + reason), its
//!   notes (values left out of applied records: location + reason, never the value) and, for
//!   syncs, the cursor to resume from.
//! - **Per child** ([`apply`]): records are grouped by the child they are about and each child's
//!   records are applied in one transaction — all or nothing for that child, never for the
//!   batch. Re-applying a record is idempotent: `source_record` maps each
//!   [`RecordKey`](familygraph_adapter_sdk::RecordKey) to the familygraph row it became and the
//!   hash of what was applied, so an unchanged record is counted `unchanged` and writes nothing.
//! - **Identity** ([`identity`]): a person is linked to an existing person by a valid NHS number
//!   or UPN; otherwise candidate matches (name, date of birth, postcode) go to a review queue
//!   with their evidence. Nothing is ever merged silently; a confirmed merge is audited and can
//!   be undone.

pub mod apply;
mod error;
pub mod export;
pub mod identity;
pub mod run;

pub use error::{IntakeError, IntakeResult};
pub use run::{
    ApplyCounts, Intake, RecordedNote, RecordedRejection, RunId, RunStatus, RunSummary, RunTrigger,
};
