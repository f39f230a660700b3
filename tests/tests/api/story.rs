//! The fictional family story, explored as a practitioner would: child → family → network →
//! plans → lead practitioner.

use familygraph_store::seed::STORY_FAMILY_NAME;
use familygraph_tests::TestApp;
use serde_json::json;

#[tokio::test]
async fn the_story_family_is_explorable_from_a_child() {
    let app = TestApp::start().await;
    let reply = app
        .graphql(
            Some(&app.admin_token()),
            "query($name: String!) { children(filter: { search: $name }) { edges { node {
                givenName ageInYears
                identifiers { kind value }
                leadPractitioner { givenName role }
                contacts { source }
                families { role household family { name members { role household person { givenName isChild } }
                    network { members { displayName kind willingness } } } }
                plans(open: true) { kind goals { description } }
            } } } }",
            json!({ "name": STORY_FAMILY_NAME }),
        )
        .await;
    let children = reply.data()["children"]["edges"]
        .as_array()
        .unwrap()
        .clone();
    let mut ages: Vec<i64> = children
        .iter()
        .map(|e| e["node"]["ageInYears"].as_i64().unwrap())
        .collect();
    ages.sort();
    // Ages are relative to today; the seed fixes them at 2026-11-01, so allow a birthday since.
    assert_eq!(ages.len(), 3, "three siblings");
    for (age, expected) in ages.iter().zip([8, 11, 13]) {
        assert!((expected..=expected + 1).contains(age), "ages {ages:?}");
    }
    let eldest = children
        .iter()
        .max_by_key(|e| e["node"]["ageInYears"].as_i64().unwrap())
        .unwrap();
    let households: Vec<_> = eldest["node"]["families"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["household"].as_str().unwrap().to_owned())
        .collect();
    assert!(
        households.iter().any(|h| h.contains("Dad")),
        "the eldest lives with Dad: {households:?}"
    );
    let youngest = children
        .iter()
        .min_by_key(|e| e["node"]["ageInYears"].as_i64().unwrap())
        .unwrap();
    assert!(
        youngest["node"]["contacts"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["source"] == "SCHOOLS"),
        "referred by the 8-year-old's school: {}",
        youngest["node"]["contacts"]
    );
    for child in &children {
        let node = &child["node"];
        assert!(
            node["leadPractitioner"].is_object(),
            "every sibling has a lead practitioner"
        );
        let family = &node["families"][0]["family"];
        assert!(family["network"]["members"].as_array().unwrap().len() >= 2);
        assert!(
            node["identifiers"]
                .as_array()
                .unwrap()
                .iter()
                .any(|i| i["kind"] == "NHS_NUMBER")
        );
    }
}
