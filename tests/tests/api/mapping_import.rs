//! A small partner's file through the generic mapping adapter → intake → GraphQL: the
//! example nursery register (`adapters/mapping/examples/`) becomes children, key workers,
//! their involvements and contacts; importing it again changes nothing.

use familygraph_adapter_mapping::{MappingAdapter, MappingConfig};
use familygraph_intake::ApplyCounts;
use familygraph_tests::TestApp;
use serde_json::json;

use super::intake_run::{import_from, rejection_lines};

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
    let summary = import_from(&app.db, "mapping", "mapping-test", &adapter, 20).await;
    (summary.counts, rejection_lines(&summary))
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
