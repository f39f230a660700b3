//! The conformance kit fails adapters that break each rule: a small in-memory adapter with
//! one flaw at a time must fail exactly the check about that flaw, and pass without flaws.
#![allow(clippy::unwrap_used, missing_docs)]

use familygraph_adapter_sdk::testkit::{self, Fixture};
use familygraph_adapter_sdk::{
    AdapterError, Batch, CanonicalRecord, Cursor, ErrorClass, HealthReport, Located, Location,
    PersonName, PersonRecord, Rejection, SourceAdapter, SourceRef, async_trait,
};
use std::sync::atomic::{AtomicUsize, Ordering};

#[derive(Clone, Copy, PartialEq, Debug)]
enum Flaw {
    None,
    /// Cursors carry the time they were issued.
    UnstableCursor,
    /// A saved cursor is ignored by a fresh adapter: it starts over.
    IgnoresCursor,
    /// A source that cannot be read looks empty.
    DeadLooksEmpty,
    /// One bad row makes the whole page fail.
    BadRowDropsPage,
    /// Records carry the time they were read.
    NonDeterministic,
}

/// Rows of `id,given` served two per batch; a row `bad` cannot be translated.
struct Shelf {
    rows: Vec<&'static str>,
    flaw: Flaw,
    dead: bool,
    pulls: AtomicUsize,
}

static CLOCK: AtomicUsize = AtomicUsize::new(0);

#[async_trait]
impl SourceAdapter for Shelf {
    fn name(&self) -> &str {
        "shelf"
    }

    async fn health(&self) -> Result<HealthReport, AdapterError> {
        if self.dead {
            return Err(AdapterError::Unreachable {
                target: "shelf".into(),
                message: "gone".into(),
            });
        }
        Ok(HealthReport {
            target: "shelf".into(),
            detail: "ok".into(),
        })
    }

    async fn pull(&self, cursor: Option<&Cursor>) -> Result<Batch, AdapterError> {
        let pulls = self.pulls.fetch_add(1, Ordering::SeqCst);
        if self.dead {
            if self.flaw == Flaw::DeadLooksEmpty {
                return Ok(Batch {
                    done: true,
                    ..Default::default()
                });
            }
            return Err(AdapterError::Unreachable {
                target: "shelf".into(),
                message: "gone".into(),
            });
        }
        let start = match (cursor, self.flaw) {
            (Some(_), Flaw::IgnoresCursor) if pulls == 0 => 0,
            (Some(c), _) => c.as_str().split(':').next().unwrap().parse().unwrap(),
            (None, _) => 0,
        };
        let end = (start + 2).min(self.rows.len());
        let mut batch = Batch::default();
        for (i, row) in self.rows[start..end].iter().enumerate() {
            let location = Location::document("shelf.csv").at(format!("/row/{}", start + i));
            if *row == "bad" {
                if self.flaw == Flaw::BadRowDropsPage {
                    batch.records.clear();
                }
                batch
                    .rejected
                    .push(Rejection::new(location, "the row is bad"));
                continue;
            }
            let given = if self.flaw == Flaw::NonDeterministic {
                format!("{row}-{}", CLOCK.fetch_add(1, Ordering::SeqCst))
            } else {
                (*row).to_owned()
            };
            batch.records.push(Located::new(
                location,
                CanonicalRecord::Person(PersonRecord {
                    source: SourceRef::new("shelf", *row),
                    names: vec![PersonName {
                        given: vec![given],
                        ..Default::default()
                    }],
                    ..Default::default()
                }),
            ));
        }
        batch.done = end >= self.rows.len();
        if !batch.done {
            let suffix = if self.flaw == Flaw::UnstableCursor {
                format!(":{}", CLOCK.fetch_add(1, Ordering::SeqCst))
            } else {
                String::new()
            };
            batch.next_cursor = Some(Cursor::new(format!("{end}{suffix}")));
        }
        Ok(batch)
    }
}

struct ShelfFixture(Flaw);

impl ShelfFixture {
    fn shelf(&self, rows: Vec<&'static str>, dead: bool) -> Box<dyn SourceAdapter> {
        Box::new(Shelf {
            rows,
            flaw: self.0,
            dead,
            pulls: AtomicUsize::new(0),
        })
    }
}

impl Fixture for ShelfFixture {
    fn live(&self) -> Box<dyn SourceAdapter> {
        self.shelf(vec!["a", "b", "c", "d", "e"], false)
    }
    fn poisoned(&self) -> Box<dyn SourceAdapter> {
        self.shelf(vec!["a", "b", "c", "bad", "d", "e"], false)
    }
    fn poisoned_location(&self) -> String {
        "shelf.csv#/row/3".to_owned()
    }
    fn dead(&self) -> Box<dyn SourceAdapter> {
        self.shelf(vec![], true)
    }
    fn dead_class(&self) -> ErrorClass {
        ErrorClass::Retryable
    }
}

#[tokio::test]
async fn a_sound_adapter_passes() {
    let report = testkit::check_all(&ShelfFixture(Flaw::None)).await.unwrap();
    assert_eq!((report.records, report.batches), (5, 3));
    assert_eq!(
        report.poisoned_rejection.location.to_string(),
        "shelf.csv#/row/3"
    );
}

#[tokio::test]
async fn each_flaw_fails_its_check() {
    for (flaw, check) in [
        (Flaw::NonDeterministic, "idempotent"),
        (Flaw::IgnoresCursor, "resumable"),
        (Flaw::UnstableCursor, "stable cursors"),
        (Flaw::BadRowDropsPage, "bad record isolation"),
        (Flaw::DeadLooksEmpty, "health"),
    ] {
        let failure = testkit::check_all(&ShelfFixture(flaw)).await.unwrap_err();
        assert_eq!(failure.check, check, "{flaw:?}: {failure}");
    }
}
