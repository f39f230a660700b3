//! Row scope: a caller sees only the records their scope reaches, enforced in SQL; an id out of
//! scope answers exactly as an unknown id.

use familygraph_domain::Role;
use familygraph_tests::TestApp;
use serde_json::{Value, json};

const TOTAL: &str = "{ children(first: 1) { totalCount } }";

fn total(reply: &familygraph_tests::Reply) -> i64 {
    reply.data()["children"]["totalCount"].as_i64().unwrap()
}

async fn a_child_outside(app: &TestApp, team: &str) -> String {
    let reply = app
        .graphql(
            Some(&app.admin_token()),
            "query($t: String!) { children(filter: { team: $t }, first: 1) { edges { node { id } } } }",
            json!({ "t": team }),
        )
        .await;
    reply.data()["children"]["edges"][0]["node"]["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn a_team_practitioner_sees_only_their_teams_children_and_families() {
    let app = TestApp::start().await;
    let token = app.token(Role::SocialWorker, Some("sw-s1-01"), Some("S1"));
    let reply = app.graphql(Some(&token), TOTAL, json!({})).await;
    let expected = app
        .count(
            "SELECT COUNT(*) FROM person p WHERE p.is_child = TRUE AND (
                p.id IN (SELECT i.person_id FROM involvement i JOIN team t ON t.id = i.team_id
                         WHERE t.code = 'S1' AND i.ended_on IS NULL)
                OR p.id IN (SELECT c.person_id FROM contact c JOIN team t ON t.id = c.routed_team_id
                            WHERE t.code = 'S1' AND NOT EXISTS
                              (SELECT 1 FROM involvement i WHERE i.person_id = c.person_id)))",
        )
        .await;
    assert!(expected > 0);
    assert_eq!(total(&reply), expected);

    // Every child they can list is allocated in S1, or new and routed to S1.
    let reply = app
        .graphql(
            Some(&token),
            "{ children(first: 100) { edges { node {
                involvements(current: false) { endedOn team { code } }
                contacts { routedTeam { code } } } } } }",
            json!({}),
        )
        .await;
    for edge in reply.data()["children"]["edges"].as_array().unwrap() {
        let involvements = edge["node"]["involvements"].as_array().unwrap();
        let allocated = involvements
            .iter()
            .any(|i| i["team"]["code"] == "S1" && i["endedOn"].is_null());
        let routed_new = involvements.is_empty()
            && edge["node"]["contacts"]
                .as_array()
                .unwrap()
                .iter()
                .any(|c| c["routedTeam"]["code"] == "S1");
        assert!(allocated || routed_new, "child outside S1 leaked: {edge}");
    }
}

#[tokio::test]
async fn an_id_out_of_scope_answers_exactly_like_an_unknown_one() {
    let app = TestApp::start().await;
    let outside = a_child_outside(&app, "N1").await;
    let token = app.token(Role::SocialWorker, Some("sw-s1-01"), Some("S1"));
    let query = "query($id: ID!) { node(id: $id) { id } }";
    let hidden = app
        .graphql(Some(&token), query, json!({ "id": outside }))
        .await;
    let unknown_id = {
        let admin = app
            .graphql(Some(&app.admin_token()), query, json!({ "id": outside }))
            .await;
        assert_eq!(
            admin.data()["node"]["id"],
            outside.as_str(),
            "the administrator can see it"
        );
        familygraph_graphql::global_id::encode("Person", uuid::Uuid::now_v7()).0
    };
    let unknown = app
        .graphql(Some(&token), query, json!({ "id": unknown_id }))
        .await;
    assert_eq!(hidden.error_codes(), vec!["NOT_FOUND"]);
    assert_eq!(hidden.status, 200);
    let strip = |v: &Value| {
        let mut v = v.clone();
        v["errors"][0]["locations"] = Value::Null;
        v
    };
    assert_eq!(unknown.error_codes(), vec!["NOT_FOUND"]);
    assert_eq!(strip(&hidden.body), strip(&unknown.body));
    let nodes = app
        .graphql(
            Some(&token),
            "query($ids: [ID!]!) { nodes(ids: $ids) { id } }",
            json!({ "ids": [outside] }),
        )
        .await;
    assert_eq!(nodes.data()["nodes"], json!([null]));
}

#[tokio::test]
async fn a_school_sees_only_children_on_its_roll_and_no_families() {
    let app = TestApp::start().await;
    app.keep_agreed_school_moves_ahead().await;
    let rolls = app.school_rolls_three_ways().await;
    assert!(rolls.len() > 1, "the seed has pupils in several schools");
    // Not vacuous: the seed has pupils who left a school (secondary pupils their primary, and
    // in-year moves), so counting every link is wrong somewhere; and pupils with a move agreed
    // (on roll until a leaving date ahead, with a place elsewhere from a later date), so counting
    // the links with no end date is wrong somewhere. The seed dates those moves at Easter 2027;
    // `keep_agreed_school_moves_ahead` keeps them ahead of today whatever the real date.
    assert!(
        rolls.values().any(|(rule, _, any)| rule != any),
        "no school's roll tells the rule from counting every link: {rolls:?}"
    );
    assert!(
        rolls.values().any(|(rule, open, _)| rule != open),
        "no school's roll tells the rule from counting the links with no end date: {rolls:?}"
    );
    for (urn, (on_roll, _, _)) in &rolls {
        let token = app.school_token(Role::SchoolDsl, urn);
        let reply = app.graphql(Some(&token), TOTAL, json!({})).await;
        assert_eq!(total(&reply), *on_roll, "school {urn}'s roll today");
    }
    let (urn, _) = rolls.iter().next().unwrap();
    let families = app
        .graphql(
            Some(&app.school_token(Role::SchoolDsl, urn)),
            "{ families(first: 1) { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(families.data()["families"]["totalCount"], 0);
}

#[tokio::test]
async fn a_caller_without_roles_sees_nothing() {
    let app = TestApp::start().await;
    // A VCS partner with no allocations reaches no child.
    let token = app.token(Role::VcsPartner, Some("vcs-nobody"), None);
    let reply = app.graphql(Some(&token), TOTAL, json!({})).await;
    assert_eq!(total(&reply), 0);
    let plans = app
        .graphql(
            Some(&token),
            "{ plans(first: 1) { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(plans.data()["plans"]["totalCount"], 0);
}
