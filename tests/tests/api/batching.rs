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
    // Loaders send a batch once the request has nothing more to add to it (see
    // `loaders::batch`), so a level stays one batch however busy the CPU is; the margin is for
    // a resolver that awaits something else mid-level, or an audit batch that commits apart
    // (measured: 10–12 statements for 10 or 100 children on PostgreSQL, 36 on SQLite; the
    // timer window this replaced gave 30 for 100). Loading per row would add a hundred.
    assert!(many < 70, "{many} statements for {many_rows} children");
    assert!(
        many <= few + 5,
        "statement count grew with rows: {few} for {few_rows} rows, {many} for {many_rows}"
    );
}

const TEAMS: &str = "query($first: Int!) { teams(first: $first) { edges { node {
    code caseloadSize
    members { practitioner { familyName } }
    caseload(first: 5) { totalCount pageInfo { hasNextPage } edges { node {
        role child { givenName plans(open: true) { kind } } practitioner { familyName } } } }
} } } }";

#[tokio::test]
async fn team_caseload_pages_are_batched_across_teams() {
    let app = TestApp::start().await;
    let token = app.admin_token();
    let run = |first: i64| {
        let token = token.clone();
        let app = &app;
        async move {
            let before = app.statements();
            let reply = app
                .graphql(Some(&token), TEAMS, json!({ "first": first }))
                .await;
            let teams = reply.data()["teams"]["edges"].as_array().unwrap().clone();
            (app.statements() - before, teams)
        }
    };
    run(1).await;
    let (one, _) = run(1).await;
    let (all, teams) = run(100).await;
    assert!(
        teams.len() >= 6,
        "front door, four locality teams, MACPT..."
    );
    println!(
        "teams query: {one} statements for 1 team, {all} for {}",
        teams.len()
    );
    assert!(
        all <= one + 6,
        "{one} statements for one team, {all} for {}",
        teams.len()
    );
    // The page agrees with the counts.
    for team in &teams {
        let caseload = &team["node"]["caseload"];
        let shown = caseload["edges"].as_array().unwrap().len() as u64;
        let total = caseload["totalCount"].as_u64().unwrap();
        assert_eq!(shown, total.min(5));
        assert_eq!(
            caseload["pageInfo"]["hasNextPage"].as_bool().unwrap(),
            total > 5
        );
    }
}
