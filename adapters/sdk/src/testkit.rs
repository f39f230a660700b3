//! The conformance kit every adapter must pass (feature `testkit`).
//!
//! An adapter's tests implement [`Fixture`] — fresh adapters over a fixed good source, over
//! the same source with one bad record added, and over a source that cannot be reached — and
//! call [`check_all`]:
//!
//! ```text
//! #[tokio::test]
//! async fn conforms() {
//!     let fixture = MyFixture::start().await;
//!     familygraph_adapter_sdk::testkit::check_all(&fixture).await.unwrap();
//! }
//! ```
//!
//! The checks:
//! - **idempotent**: two whole runs give the same records (key and content) and rejections;
//!   record keys are unique in a run and name the adapter as their source system.
//! - **resumable**: interrupted after any batch, a *fresh* adapter given the saved cursor
//!   reaches the same set of records as an uninterrupted run.
//! - **stable cursors**: two runs pass through the same cursors, and the same cursor pulled
//!   twice gives the same next cursor.
//! - **bad record isolation**: the poisoned source gives every good record plus exactly one
//!   more rejection, located where the fixture says, with a reason.
//! - **health**: the live source is healthy; the dead one fails health *and* pull with the
//!   error class the fixture expects (an unreachable source is never an empty one).
//!
//! Delivery adapters call [`check_delivery`] with a live and a dead target: health, a repeated
//! idempotency key answered as a duplicate, error classes, no payload in errors.

use crate::adapter::SourceAdapter;
use crate::batch::{Batch, Cursor, Located, Rejection};
use crate::error::ErrorClass;
use crate::record::{CanonicalRecord, RecordKey};
use std::collections::{BTreeMap, BTreeSet};

/// Fresh adapters over the fixed sources an adapter's tests provide.
pub trait Fixture: Sync {
    /// A fresh adapter over the fixed, good source. It must take at least two batches to read
    /// it (configure a small page size), so that resumption is exercised.
    fn live(&self) -> Box<dyn SourceAdapter>;

    /// A fresh adapter over the same source with exactly one bad record added.
    fn poisoned(&self) -> Box<dyn SourceAdapter>;

    /// Text the bad record's rejection location (`document#pointer`) must contain.
    fn poisoned_location(&self) -> String;

    /// A fresh adapter whose source cannot be reached or read.
    fn dead(&self) -> Box<dyn SourceAdapter>;

    /// The class of error the dead source must give.
    fn dead_class(&self) -> ErrorClass;

    /// The most batches a whole run may take.
    fn max_batches(&self) -> usize {
        1000
    }
}

/// A failed conformance check.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("conformance check `{check}` failed: {detail}")]
pub struct Failure {
    /// The check, e.g. `resumable`.
    pub check: &'static str,
    /// What went wrong.
    pub detail: String,
}

fn fail<T>(check: &'static str, detail: impl Into<String>) -> Result<T, Failure> {
    Err(Failure {
        check,
        detail: detail.into(),
    })
}

/// What the checks saw, for the test to assert more on.
#[derive(Debug, Clone)]
pub struct Report {
    /// Batches in a whole run of the live source.
    pub batches: usize,
    /// Records in a whole run of the live source.
    pub records: usize,
    /// Rejections in a whole run of the live source.
    pub rejected: usize,
    /// The rejection the poisoned source added.
    pub poisoned_rejection: Rejection,
}

/// One whole run, batch by batch.
struct BatchedRun {
    batches: Vec<Batch>,
}

impl BatchedRun {
    fn records(&self) -> impl Iterator<Item = &Located<CanonicalRecord>> {
        self.batches.iter().flat_map(|b| b.records.iter())
    }

    fn rejected(&self) -> BTreeSet<Rejection> {
        self.batches
            .iter()
            .flat_map(|b| b.rejected.iter().cloned())
            .collect()
    }

    fn cursors(&self) -> Vec<Option<Cursor>> {
        self.batches.iter().map(|b| b.next_cursor.clone()).collect()
    }
}

async fn run_from(
    check: &'static str,
    adapter: &dyn SourceAdapter,
    cursor: Option<Cursor>,
    max_batches: usize,
) -> Result<BatchedRun, Failure> {
    let mut run = BatchedRun {
        batches: Vec::new(),
    };
    let mut cursor = cursor;
    for _ in 0..max_batches {
        let batch = match adapter.pull(cursor.as_ref()).await {
            Ok(batch) => batch,
            Err(e) => return fail(check, format!("pull from {cursor:?} failed: {e}")),
        };
        let done = batch.done;
        let next = batch.next_cursor.clone();
        run.batches.push(batch);
        if done {
            return Ok(run);
        }
        cursor = match next {
            Some(next) => Some(next),
            None => return fail(check, "a batch that is not the last gave no next cursor"),
        };
    }
    fail(check, format!("not done after {max_batches} batches"))
}

/// Records by key, as JSON (record, location and notes), failing on a duplicate key.
fn by_key<'a>(
    check: &'static str,
    records: impl Iterator<Item = &'a Located<CanonicalRecord>>,
) -> Result<BTreeMap<RecordKey, serde_json::Value>, Failure> {
    let mut map = BTreeMap::new();
    for located in records {
        let key = located.record.record_key();
        let json = match serde_json::to_value(located) {
            Ok(json) => json,
            Err(e) => return fail(check, format!("{key}: does not serialise: {e}")),
        };
        if map.insert(key.clone(), json).is_some() {
            return fail(check, format!("record key {key} appears twice in one run"));
        }
    }
    Ok(map)
}

fn compare(
    check: &'static str,
    what: &str,
    expected: &BTreeMap<RecordKey, serde_json::Value>,
    actual: &BTreeMap<RecordKey, serde_json::Value>,
) -> Result<(), Failure> {
    let missing: Vec<String> = expected
        .keys()
        .filter(|k| !actual.contains_key(*k))
        .map(ToString::to_string)
        .collect();
    let extra: Vec<String> = actual
        .keys()
        .filter(|k| !expected.contains_key(*k))
        .map(ToString::to_string)
        .collect();
    if !missing.is_empty() || !extra.is_empty() {
        return fail(
            check,
            format!("{what}: missing records {missing:?}, unexpected records {extra:?}"),
        );
    }
    for (key, json) in expected {
        if actual.get(key) != Some(json) {
            return fail(check, format!("{what}: record {key} differs"));
        }
    }
    Ok(())
}

/// Two whole runs give the same records and rejections; keys are unique and name the adapter.
pub async fn check_idempotent(fixture: &dyn Fixture) -> Result<(), Failure> {
    const CHECK: &str = "idempotent";
    let first_adapter = fixture.live();
    let first = run_from(CHECK, first_adapter.as_ref(), None, fixture.max_batches()).await?;
    let second = run_from(CHECK, fixture.live().as_ref(), None, fixture.max_batches()).await?;
    let a = by_key(CHECK, first.records())?;
    let b = by_key(CHECK, second.records())?;
    if a.is_empty() {
        return fail(CHECK, "the live source gave no records");
    }
    for key in a.keys() {
        if key.source.id.is_empty() || key.source.system != first_adapter.name() {
            return fail(
                CHECK,
                format!(
                    "record key {key} must have an id and the adapter's name `{}` as system",
                    first_adapter.name()
                ),
            );
        }
    }
    compare(CHECK, "second run", &a, &b)?;
    if first.rejected() != second.rejected() {
        return fail(CHECK, "the two runs rejected different records");
    }
    Ok(())
}

/// Interrupted after any batch, a fresh adapter resumes from the saved cursor to the same set.
pub async fn check_resumable(fixture: &dyn Fixture) -> Result<(), Failure> {
    const CHECK: &str = "resumable";
    let whole = run_from(CHECK, fixture.live().as_ref(), None, fixture.max_batches()).await?;
    if whole.batches.len() < 2 {
        return fail(
            CHECK,
            "the live source was read in one batch; give the fixture a smaller page size so \
             that resuming is tested",
        );
    }
    let expected = by_key(CHECK, whole.records())?;
    for interrupted_after in 0..whole.batches.len() - 1 {
        let interrupted = fixture.live();
        let mut seen: Vec<Located<CanonicalRecord>> = Vec::new();
        let mut cursor = None;
        for _ in 0..=interrupted_after {
            let batch = match interrupted.pull(cursor.as_ref()).await {
                Ok(batch) => batch,
                Err(e) => return fail(CHECK, format!("pull failed: {e}")),
            };
            seen.extend(batch.records);
            cursor = batch.next_cursor;
        }
        drop(interrupted);
        let Some(saved) = cursor else {
            return fail(CHECK, "a batch that is not the last gave no next cursor");
        };
        let resumed = run_from(
            CHECK,
            fixture.live().as_ref(),
            Some(saved),
            fixture.max_batches(),
        )
        .await?;
        seen.extend(resumed.records().cloned());
        let actual = by_key(CHECK, seen.iter())?;
        compare(
            CHECK,
            &format!("resumed after batch {}", interrupted_after + 1),
            &expected,
            &actual,
        )?;
    }
    Ok(())
}

/// Two runs pass through the same cursors; a cursor pulled twice gives the same next cursor.
pub async fn check_stable_cursors(fixture: &dyn Fixture) -> Result<(), Failure> {
    const CHECK: &str = "stable cursors";
    let first = run_from(CHECK, fixture.live().as_ref(), None, fixture.max_batches()).await?;
    let second = run_from(CHECK, fixture.live().as_ref(), None, fixture.max_batches()).await?;
    if first.cursors() != second.cursors() {
        return fail(
            CHECK,
            format!(
                "two runs over the same source passed through different cursors: {:?} then {:?}",
                first.cursors(),
                second.cursors()
            ),
        );
    }
    for cursor in first.cursors().into_iter().flatten() {
        let mut nexts = Vec::new();
        for _ in 0..2 {
            match fixture.live().pull(Some(&cursor)).await {
                Ok(batch) => nexts.push((batch.next_cursor, batch.done)),
                Err(e) => return fail(CHECK, format!("pull from {cursor} failed: {e}")),
            }
        }
        if nexts[0] != nexts[1] {
            return fail(CHECK, format!("pulling from {cursor} twice gave {nexts:?}"));
        }
    }
    Ok(())
}

/// The poisoned source gives every good record and exactly one more, located, rejection.
pub async fn check_isolation(fixture: &dyn Fixture) -> Result<Rejection, Failure> {
    const CHECK: &str = "bad record isolation";
    let good = run_from(CHECK, fixture.live().as_ref(), None, fixture.max_batches()).await?;
    let poisoned = run_from(
        CHECK,
        fixture.poisoned().as_ref(),
        None,
        fixture.max_batches(),
    )
    .await?;
    let expected = by_key(CHECK, good.records())?;
    let actual = by_key(CHECK, poisoned.records())?;
    let expected_keys: BTreeSet<&RecordKey> = expected.keys().collect();
    let actual_keys: BTreeSet<&RecordKey> = actual.keys().collect();
    if expected_keys != actual_keys {
        return fail(
            CHECK,
            format!(
                "the poisoned source lost or added good records: {} good, {} from the poisoned \
                 source",
                expected.len(),
                actual.len()
            ),
        );
    }
    let good_rejected = good.rejected();
    let added: Vec<Rejection> = poisoned
        .rejected()
        .into_iter()
        .filter(|r| !good_rejected.contains(r))
        .collect();
    let [rejection] = added.as_slice() else {
        return fail(
            CHECK,
            format!("expected exactly one new rejection, got {added:?}"),
        );
    };
    let wanted = fixture.poisoned_location();
    if !rejection.location.to_string().contains(&wanted) {
        return fail(
            CHECK,
            format!(
                "the rejection is at {}, expected a location containing {wanted:?}",
                rejection.location
            ),
        );
    }
    if rejection.reason.trim().is_empty() {
        return fail(CHECK, "the rejection gives no reason");
    }
    Ok(rejection.clone())
}

/// The live source is healthy; the dead one fails health and pull with the expected class.
pub async fn check_health(fixture: &dyn Fixture) -> Result<(), Failure> {
    const CHECK: &str = "health";
    if let Err(e) = fixture.live().health().await {
        return fail(CHECK, format!("the live source is unhealthy: {e}"));
    }
    let dead = fixture.dead();
    match dead.health().await {
        Ok(report) => {
            return fail(
                CHECK,
                format!("the dead source reported healthy: {report:?}"),
            );
        }
        Err(e) if e.class() != fixture.dead_class() => {
            return fail(
                CHECK,
                format!(
                    "the dead source's health error is {:?}, expected {:?}: {e}",
                    e.class(),
                    fixture.dead_class()
                ),
            );
        }
        Err(_) => {}
    }
    match dead.pull(None).await {
        Ok(batch) => fail(
            CHECK,
            format!(
                "pulling from the dead source succeeded with {} records; an unreachable source \
                 must be an error, never an empty batch",
                batch.records.len()
            ),
        ),
        Err(e) if e.class() != fixture.dead_class() => fail(
            CHECK,
            format!(
                "the dead source's pull error is {:?}, expected {:?}: {e}",
                e.class(),
                fixture.dead_class()
            ),
        ),
        Err(_) => Ok(()),
    }
}

/// Runs every check, stopping at the first failure.
pub async fn check_all(fixture: &dyn Fixture) -> Result<Report, Failure> {
    check_idempotent(fixture).await?;
    check_resumable(fixture).await?;
    check_stable_cursors(fixture).await?;
    let poisoned_rejection = check_isolation(fixture).await?;
    check_health(fixture).await?;
    let run = run_from(
        "report",
        fixture.live().as_ref(),
        None,
        fixture.max_batches(),
    )
    .await?;
    Ok(Report {
        batches: run.batches.len(),
        records: run.records().count(),
        rejected: run.rejected().len(),
        poisoned_rejection,
    })
}

/// Delivery adapters' conformance: `live` delivers to a working target, `dead` to one that
/// cannot be written, failing with `dead_class`. Checks that the live target is healthy and
/// the dead one is not; that a key delivered twice is `duplicate: false` then
/// `duplicate: true` with the same receipt; that another key is another delivery; and that the
/// dead target's errors have the expected class and never echo the event's payload. Counting
/// what arrived at the target (one file, one row per key) is the caller's to assert; the keys
/// used are returned for that.
pub async fn check_delivery(
    live: &dyn crate::adapter::DeliveryAdapter,
    dead: &dyn crate::adapter::DeliveryAdapter,
    dead_class: ErrorClass,
) -> Result<Vec<String>, Failure> {
    const CHECK: &str = "delivery";
    let nonce = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    let marker = format!("conformance-payload-{nonce}");
    let event = crate::adapter::OutboundEvent {
        event_type: "ConformanceChecked".to_owned(),
        subject: None,
        occurred_at: chrono::Utc::now(),
        payload: serde_json::json!({ "marker": marker }),
    };
    let first_key = format!("conformance:{nonce}:1");
    let second_key = format!("conformance:{nonce}:2");
    if let Err(e) = live.health().await {
        return fail(CHECK, format!("the live target is unhealthy: {e}"));
    }
    match dead.health().await {
        Ok(report) => return fail(CHECK, format!("the dead target is healthy: {report:?}")),
        Err(e) if e.to_string().contains(&marker) => {
            return fail(CHECK, "a health error echoes the payload");
        }
        Err(_) => {}
    }
    let first = live
        .deliver(&event, &first_key)
        .await
        .or_else(|e| fail(CHECK, format!("first delivery failed: {e}")))?;
    if first.duplicate {
        return fail(CHECK, "a new key was answered as a duplicate");
    }
    let again = live
        .deliver(&event, &first_key)
        .await
        .or_else(|e| fail(CHECK, format!("repeated delivery failed: {e}")))?;
    if !again.duplicate {
        return fail(CHECK, "a repeated key was not answered as a duplicate");
    }
    if first.receipt.is_some() && again.receipt != first.receipt {
        return fail(
            CHECK,
            format!(
                "a repeated key got another receipt: {:?} then {:?}",
                first.receipt, again.receipt
            ),
        );
    }
    let other = live
        .deliver(&event, &second_key)
        .await
        .or_else(|e| fail(CHECK, format!("second key's delivery failed: {e}")))?;
    if other.duplicate {
        return fail(CHECK, "another key was answered as a duplicate");
    }
    match dead
        .deliver(&event, &format!("conformance:{nonce}:3"))
        .await
    {
        Ok(delivery) => fail(
            CHECK,
            format!("the dead target accepted a delivery: {delivery:?}"),
        ),
        Err(e) if e.to_string().contains(&marker) => {
            fail(CHECK, "a delivery error echoes the payload")
        }
        Err(e) if e.class() != dead_class => fail(
            CHECK,
            format!(
                "the dead target's error is {:?}, expected {dead_class:?}: {e}",
                e.class()
            ),
        ),
        Err(_) => Ok(vec![first_key, second_key]),
    }
}
