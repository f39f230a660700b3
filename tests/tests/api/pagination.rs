//! Cursor connections: default and maximum page sizes, cursors, totals.

use familygraph_tests::TestApp;
use serde_json::{Value, json};

const CHILDREN: &str = "query($first: Int, $after: String) {
    children(first: $first, after: $after) {
        totalCount
        pageInfo { hasNextPage hasPreviousPage endCursor }
        edges { cursor node { id } }
    } }";

fn ids(page: &Value) -> Vec<String> {
    page["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["id"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn pages_walk_every_child_exactly_once() {
    let app = TestApp::start().await;
    let token = app.admin_token();
    let expected = app
        .count("SELECT COUNT(*) FROM person WHERE is_child = TRUE")
        .await;

    let first = app.graphql(Some(&token), CHILDREN, json!({})).await;
    let page = &first.data()["children"];
    assert_eq!(page["totalCount"].as_i64().unwrap(), expected);
    assert_eq!(ids(page).len(), 20, "default page size is 20");

    let mut seen = std::collections::HashSet::new();
    let mut after: Option<String> = None;
    loop {
        let reply = app
            .graphql(
                Some(&token),
                CHILDREN,
                json!({ "first": 100, "after": after }),
            )
            .await;
        let page = &reply.data()["children"];
        for id in ids(page) {
            assert!(seen.insert(id), "a child appeared on two pages");
        }
        if !page["pageInfo"]["hasNextPage"].as_bool().unwrap() {
            break;
        }
        after = page["pageInfo"]["endCursor"].as_str().map(str::to_owned);
    }
    assert_eq!(seen.len() as i64, expected);
}

#[tokio::test]
async fn filters_narrow_the_list_to_what_the_data_says() {
    let app = TestApp::start().await;
    let token = app.admin_token();
    let query = "query($f: ChildrenFilter) { children(filter: $f, first: 1) { totalCount } }";
    let total =
        |reply: familygraph_tests::Reply| reply.data()["children"]["totalCount"].as_i64().unwrap();

    let cp = total(
        app.graphql(
            Some(&token),
            query,
            json!({ "f": { "openPlan": "CHILD_PROTECTION" } }),
        )
        .await,
    );
    let expected_cp = app
        .count(
            "SELECT COUNT(DISTINCT p.id) FROM person p JOIN plan ON plan.person_id = p.id
             WHERE p.is_child = TRUE AND plan.kind = 'CHILD_PROTECTION' AND plan.ended_on IS NULL",
        )
        .await;
    assert_eq!(cp, expected_cp);
    assert!(
        cp > 0,
        "the demo data has children on child protection plans"
    );

    let s1 = total(
        app.graphql(Some(&token), query, json!({ "f": { "team": "S1" } }))
            .await,
    );
    let expected_s1 = app
        .count(
            "SELECT COUNT(DISTINCT i.person_id) FROM involvement i JOIN team t ON t.id = i.team_id
             JOIN person p ON p.id = i.person_id
             WHERE t.code = 'S1' AND i.ended_on IS NULL AND p.is_child = TRUE",
        )
        .await;
    assert_eq!(s1, expected_s1);

    let south = total(
        app.graphql(Some(&token), query, json!({ "f": { "locality": "SOUTH" } }))
            .await,
    );
    let north = total(
        app.graphql(Some(&token), query, json!({ "f": { "locality": "NORTH" } }))
            .await,
    );
    let all = total(app.graphql(Some(&token), query, json!({})).await);
    assert!(south > 0 && north > 0 && south + north <= all);

    let level = total(
        app.graphql(
            Some(&token),
            query,
            json!({ "f": { "levelOfNeed": "ACUTE_NEEDS" } }),
        )
        .await,
    );
    let expected_level = app
        .count("SELECT COUNT(*) FROM person WHERE is_child = TRUE AND level_of_need = 4")
        .await;
    assert_eq!(level, expected_level);
}
