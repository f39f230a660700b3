//! The SSD extract source reads an extract page by page in linear work: one reader for a run
//! read straight through (each row read once), and one more, skipping to the cursor once,
//! for a run resumed from a stored cursor in a fresh source.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

use familygraph_adapter_liquidlogic::ssd::source::{SsdExtractConfig, SsdExtractSource};
use familygraph_adapter_liquidlogic::ssd::synthetic;
use familygraph_adapter_sdk::{Cursor, SourceAdapter, sync};

const SYSTEM: &str = "county-ssd";
const CHILDREN: u32 = 60;

fn source(dir: &Path, page_size: usize) -> SsdExtractSource {
    SsdExtractSource::new(SsdExtractConfig {
        name: SYSTEM.to_owned(),
        directory: dir.to_owned(),
        page_size,
    })
    .unwrap()
}

fn keys(run: &sync::Run) -> Vec<String> {
    run.records
        .iter()
        .map(|r| r.record.record_key().to_string())
        .collect()
}

#[tokio::test]
async fn many_pages_read_every_row_once_with_one_reader() {
    let dir = tempfile::tempdir().unwrap();
    let size = synthetic::write_extract(dir.path(), CHILDREN).unwrap();
    let groups = u64::from(synthetic::PROFESSIONALS + CHILDREN);

    // Two groups a page: 50 pages.
    let paged = source(dir.path(), 2);
    let run = sync::pull_to_end(&paged, None, 1000).await.unwrap();
    assert_eq!(run.cursors.len() as u64, groups / 2);
    assert_eq!(paged.readers_opened(), 1);
    assert_eq!(
        paged.rows_read(),
        size.rows,
        "each row is read exactly once"
    );

    // The same records as one page holding everything.
    let whole = source(dir.path(), 10_000);
    let all = sync::pull_to_end(&whole, None, 10).await.unwrap();
    assert_eq!(keys(&run), keys(&all));
    assert_eq!(run.rejected, all.rejected);
    assert_eq!(whole.rows_read(), size.rows);
}

#[tokio::test]
async fn a_fresh_source_resumes_from_a_stored_cursor_skipping_to_it_once() {
    let dir = tempfile::tempdir().unwrap();
    let size = synthetic::write_extract(dir.path(), CHILDREN).unwrap();
    let whole = sync::pull_to_end(&source(dir.path(), 10_000), None, 10)
        .await
        .unwrap();

    // A first process reads 10 pages of 3 groups, then stops.
    let first = source(dir.path(), 3);
    let mut cursor: Option<Cursor> = None;
    let mut records = Vec::new();
    for _ in 0..10 {
        let batch = first.pull(cursor.as_ref()).await.unwrap();
        assert!(!batch.done);
        records.extend(batch.records);
        cursor = batch.next_cursor;
    }
    assert_eq!(cursor.as_ref().map(Cursor::as_str), Some("groups:30"));
    assert_eq!(first.readers_opened(), 1);

    // A second process starts from the stored cursor: one reader, which skips the 30 groups
    // once and reads on; no row is read twice.
    let second = source(dir.path(), 3);
    let rest = sync::pull_to_end(&second, cursor.clone(), 1000)
        .await
        .unwrap();
    records.extend(rest.records);
    assert_eq!(second.readers_opened(), 1);
    assert_eq!(second.rows_read(), size.rows);
    let resumed: Vec<String> = records
        .iter()
        .map(|r| r.record.record_key().to_string())
        .collect();
    assert_eq!(resumed, keys(&whole));

    // The first source carries on from its cursor; that batch pulled again (a retry after
    // the server failed to apply it) is the same batch, from the extract opened again, and
    // the pull after it carries on from there.
    let again = first.pull(cursor.as_ref()).await.unwrap();
    let again_too = first.pull(cursor.as_ref()).await.unwrap();
    assert_eq!(again.records, again_too.records);
    assert_eq!(again.next_cursor, again_too.next_cursor);
    let after = first.pull(again.next_cursor.as_ref()).await.unwrap();
    assert_eq!(
        after.next_cursor.as_ref().map(Cursor::as_str),
        Some("groups:36")
    );
    assert_eq!(first.readers_opened(), 2);
}

#[tokio::test]
async fn a_cursor_past_the_end_is_done_and_a_new_run_reads_the_files_afresh() {
    let dir = tempfile::tempdir().unwrap();
    synthetic::write_extract(dir.path(), 4).unwrap();
    let source = source(dir.path(), 5);
    let past = source
        .pull(Some(&Cursor::new("groups:9999")))
        .await
        .unwrap();
    assert!(past.done && past.records.is_empty());
    assert_eq!(
        past.next_cursor.as_ref().map(Cursor::as_str),
        Some("groups:9999")
    );

    let first = sync::pull_to_end(&source, None, 100).await.unwrap();
    // The extract is replaced by a bigger one: a new run (no cursor) sees it.
    synthetic::write_extract(dir.path(), 6).unwrap();
    let second = sync::pull_to_end(&source, None, 100).await.unwrap();
    assert!(second.records.len() > first.records.len());
}
