//! Batching: a nested query issues a number of SQL statements bounded by its depth, not by the
//! number of rows it returns.

use familygraph_tests::TestApp;
use serde_json::json;

/// Twelve relations deep from the children list, touching most loaders.
const DEEP: &str = "query($first: Int!) { children(first: $first) { edges { node {
    identifiers { kind value }
    disabilities
    currentAddress { postcode lsoa { code deprivation { overall } area { name locality { name } } } }
    leadPractitioner { familyName agency { name } teams { team { code } } }
    involvements { role practitioner { familyName } team { code } }
    families { role family { name
        members { role person { givenName relationships { kind relatedPerson { givenName } } } }
        network { members { displayName kind } } } }
    plans { kind goals { description ownerPractitioner { familyName } ownerNetworkMember { displayName } }
            reviews { reviewedOn } visits { seen } }
    assessments { factors }
    contacts { source routedTeam { code } }
    familyHelpEpisodes { level team { code } }
    agencyLinks { kind agency { name } }
} } } }";

async fn statements_for(app: &TestApp, first: i64) -> (usize, usize) {
    let token = app.admin_token();
    let before = app.statements();
    let reply = app
        .graphql(Some(&token), DEEP, json!({ "first": first }))
        .await;
    let rows = reply.data()["children"]["edges"].as_array().unwrap().len();
    (app.statements() - before, rows)
}

#[tokio::test]
async fn a_deep_query_costs_the_same_statements_for_ten_rows_as_for_a_hundred() {
    let app = TestApp::start().await;
    // Warm up (connection set-up statements are not the query's).
    statements_for(&app, 1).await;
    let (few, few_rows) = statements_for(&app, 10).await;
    let (many, many_rows) = statements_for(&app, 100).await;
    assert_eq!(few_rows, 10);
    assert_eq!(many_rows, 100);
    println!("deep query: {few} statements for {few_rows} children, {many} for {many_rows}");
    // One statement per relation level (+ the page, + the audit insert); a per-row query would
    // push the hundred-row count far past this.
    assert!(many < 60, "{many} statements for {many_rows} children");
    assert!(
        many <= few + 10,
        "statement count grew with rows: {few} for {few_rows} rows, {many} for {many_rows}"
    );
}
