//! A synthetic Standard Safeguarding Dataset extract through the SSD adapter and intake into a
//! freshly migrated SQLite database: every professional and every child's contacts, episodes,
//! assessments, enquiries, conferences, plans and involvements are applied without a
//! rejection, and a rerun changes nothing.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use familygraph_adapter_liquidlogic::ssd::source::{SsdExtractConfig, SsdExtractSource};
use familygraph_adapter_liquidlogic::ssd::synthetic::write_extract;
use familygraph_adapter_sdk::SourceAdapter;
use familygraph_intake::{ApplyCounts, Intake, RunTrigger};
use sea_orm::{ConnectionTrait, Statement};

const CHILDREN: u32 = 12;

async fn import(intake: &Intake, source: &SsdExtractSource) -> (ApplyCounts, Vec<String>) {
    let run = intake
        .start_run("ssd", RunTrigger::CommandLine, "ssd-casework-test")
        .await
        .unwrap();
    let mut cursor = None;
    loop {
        let batch = source.pull(cursor.as_ref()).await.unwrap();
        let done = batch.done;
        cursor = batch.next_cursor.clone();
        intake.apply_batch(run, batch).await.unwrap();
        if done {
            break;
        }
    }
    let summary = intake.finish_run(run, None).await.unwrap();
    let reasons = summary
        .rejections
        .iter()
        .map(|r| format!("{}: {}", r.location, r.reason))
        .collect();
    (summary.counts, reasons)
}

async fn count(intake: &Intake, table: &str) -> i64 {
    let db = intake.db();
    let row = db
        .query_one_raw(Statement::from_string(
            db.get_database_backend(),
            format!("SELECT COUNT(*) FROM {table}"),
        ))
        .await
        .unwrap()
        .unwrap();
    row.try_get_by_index::<i64>(0).unwrap()
}

#[tokio::test]
async fn a_synthetic_extract_applies_without_rejections_and_reruns_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let extract = dir.path().join("extract");
    std::fs::create_dir(&extract).unwrap();
    write_extract(&extract, CHILDREN).unwrap();
    let db = familygraph_store::db::connect(&format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("fg.sqlite").display()
    ))
    .await
    .unwrap();
    familygraph_store::db::migrate(&db).await.unwrap();
    let intake = Intake::new(db);
    let source = SsdExtractSource::new(SsdExtractConfig {
        name: "county-ssd".to_owned(),
        directory: extract,
        page_size: 5,
    })
    .unwrap();

    let (first, reasons) = import(&intake, &source).await;
    assert_eq!(reasons, Vec::<String>::new());
    assert_eq!(first.rejected, 0, "{first:?}");
    assert!(first.created > 0, "{first:?}");

    let n = i64::from(CHILDREN);
    for (table, expected) in [
        ("contact", n),
        ("referral", n),
        ("family_help_episode", n + n / 3),
        ("assessment", n),
        ("assessment_factor", 2 * n),
        ("section47_enquiry", n),
        ("cp_conference", n),
        ("plan", 2 * n),
        ("involvement", n),
    ] {
        assert_eq!(count(&intake, table).await, expected, "{table}");
    }
    assert!(count(&intake, "practitioner").await > 0);

    let (second, reasons) = import(&intake, &source).await;
    assert_eq!(reasons, Vec::<String>::new());
    assert_eq!(
        (second.created, second.updated, second.rejected),
        (0, 0, 0),
        "{second:?}"
    );
    assert_eq!(second.unchanged, first.created, "{second:?}");
}
