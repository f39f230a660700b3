//! A small partner's file through the generic mapping adapter → intake → GraphQL: the
//! example nursery register (`adapters/mapping/examples/`) becomes children, key workers,
//! their involvements and contacts; importing it again changes nothing.

use familygraph_adapter_mapping::{MappingAdapter, MappingConfig};
use familygraph_adapter_sdk::SourceAdapter;
use familygraph_intake::{ApplyCounts, Intake, RunTrigger};
use familygraph_tests::TestApp;
use serde_json::json;

fn example(name: &str) -> String {
    format!(
        "{}/../adapters/mapping/examples/{name}",
        env!("CARGO_MANIFEST_DIR")
    )
}

async fn import(app: &TestApp) -> (ApplyCounts, Vec<String>) {
    let mut config = MappingConfig::new(
        "little-acorns",
        example("little-acorns.csv"),
        example("little-acorns.mapping.toml"),
    );
    config.batch_size = 2;
    let adapter = MappingAdapter::new(config).unwrap();
    let intake = Intake::new(app.db.clone());
    let run = intake
        .start_run("mapping", RunTrigger::CommandLine, "mapping-test")
        .await
        .unwrap();
    let mut cursor = None;
    for _ in 0..20 {
        let batch = adapter.pull(cursor.as_ref()).await.unwrap();
        let done = batch.done;
        cursor = batch.next_cursor.clone();
        intake.apply_batch(run, batch).await.unwrap();
        if done {
            break;
        }
    }
    let summary = intake.finish_run(run, None).await.unwrap();
    let rejections = summary
        .rejections
        .iter()
        .map(|r| format!("{}: {}", r.location, r.reason))
        .collect();
    (summary.counts, rejections)
}

#[tokio::test]
async fn the_example_partner_file_imports_and_reimports_unchanged() {
    let app = TestApp::start().await;
    let (counts, rejections) = import(&app).await;
    assert!(rejections.is_empty(), "{rejections:#?}");
    assert_eq!((counts.read, counts.rejected), (13, 0), "{counts:?}");
    // Every record is new: none of the example's children is in the seeded data.
    assert_eq!(counts.created, 13, "{counts:?}");

    // Poppy (NHS number 999 987 6501) is a child familygraph now knows.
    let reply = app
        .graphql(
            Some(&app.admin_token()),
            "query($identifier: IdentifierInput!) { childByIdentifier(identifier: $identifier) {
               givenName familyName dateOfBirth sex } }",
            json!({"identifier": {"kind": "NHS_NUMBER", "value": "9999876501"}}),
        )
        .await;
    assert_eq!(
        reply.data()["childByIdentifier"],
        json!({"givenName": "Poppy", "familyName": "Example", "dateOfBirth": "2022-03-14",
               "sex": "FEMALE"})
    );

    let (again, rejections) = import(&app).await;
    assert!(rejections.is_empty(), "{rejections:#?}");
    assert_eq!(
        (again.created, again.updated, again.unchanged),
        (0, 0, 13),
        "{again:?}"
    );
}
