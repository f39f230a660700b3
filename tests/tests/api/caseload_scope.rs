//! Team caseloads under a restricted row scope: a caller whose scope reaches a team by its code
//! sees the team's whole caseload (only the static checks apply); for any other team each
//! allocation is checked against the caller's whole scope, so the caseload holds exactly the
//! allocations whose child the caller may read, and the counts agree with what is shown.
//!
//! The shortcut is checked for what it keeps and that it is taken: under a policy that
//! withholds the involvement record's class from a role reaching the team by code, that role's
//! caseload is empty (the static checks still apply); and the statements of a caseload reached
//! by code carry none of the row scope's probes, while another team's do.

use std::collections::{BTreeMap, BTreeSet};

use familygraph::auth::Authenticator;
use familygraph::dev_issuer::{DevIssuer, TokenRequest};
use familygraph::http::{self, AppState};
use familygraph_domain::policy::BUILTIN_POLICY;
use familygraph_domain::{FieldClass, Policy, Relation, Role};
use familygraph_graphql::global_id;
use familygraph_store::entity::{agency, involvement, team};
use familygraph_tests::TestApp;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter, Set};
use serde_json::{Value, json};
use uuid::Uuid;

/// The team the callers in these tests belong to (and reach by code).
const OWN: &str = "S1";
/// A team no caller here reaches by code (the multi-agency child protection team): it holds
/// allocations for some of S1's children, and for children S1's callers may not read (both
/// asserted, not assumed).
const OTHER: &str = "MACPT";

const CASELOAD: &str = "query($code: String!, $first: Int!, $after: String) {
    team(code: $code) {
        code caseloadSize
        caseload(first: $first, after: $after) {
            totalCount pageInfo { hasNextPage endCursor }
            edges { cursor node { id child { id } } }
        }
    }
}";

/// A caseload as one caller saw it, every page walked.
#[derive(Debug)]
struct Seen {
    /// Involvement global id → child global id, in page order (no duplicates: asserted).
    rows: BTreeMap<String, String>,
    /// `caseload.totalCount` (the same on every page: asserted).
    total_count: u64,
    /// `caseloadSize` (the same on every page: asserted).
    size: u64,
    /// How many pages it took.
    pages: usize,
}

impl Seen {
    fn children(&self) -> BTreeSet<&str> {
        self.rows.values().map(String::as_str).collect()
    }
}

/// Walks `team(code).caseload(first: page_size, after)` to its end as `token`.
async fn walk(app: &TestApp, token: &str, code: &str, page_size: i64) -> Seen {
    let mut after: Option<String> = None;
    let mut rows = BTreeMap::new();
    let mut counts: Option<(u64, u64)> = None;
    let mut pages = 0;
    loop {
        let reply = app
            .graphql(
                Some(token),
                CASELOAD,
                json!({ "code": code, "first": page_size, "after": after }),
            )
            .await;
        let team = &reply.data()["team"];
        assert_eq!(team["code"], code, "team {code} resolves: {}", reply.body);
        let caseload = &team["caseload"];
        let page_counts = (
            caseload["totalCount"].as_u64().unwrap(),
            team["caseloadSize"].as_u64().unwrap(),
        );
        if let Some(earlier) = counts {
            assert_eq!(
                earlier, page_counts,
                "counts changed between pages of {code}"
            );
        }
        counts = Some(page_counts);
        let edges = caseload["edges"].as_array().unwrap();
        assert!(edges.len() as i64 <= page_size);
        for edge in edges {
            let id = edge["node"]["id"].as_str().unwrap().to_owned();
            let child = edge["node"]["child"]["id"]
                .as_str()
                .unwrap_or_else(|| panic!("allocation {id} in {code} has no readable child"))
                .to_owned();
            assert!(
                rows.insert(id.clone(), child).is_none(),
                "allocation {id} appeared twice in {code}'s caseload"
            );
        }
        pages += 1;
        assert!(pages <= 1000, "paging {code} does not end");
        let page_info = &caseload["pageInfo"];
        if !page_info["hasNextPage"].as_bool().unwrap() {
            break;
        }
        assert_eq!(
            edges.len() as i64,
            page_size,
            "a short page claims a next page"
        );
        after = Some(page_info["endCursor"].as_str().unwrap().to_owned());
    }
    let (total_count, size) = counts.unwrap();
    Seen {
        rows,
        total_count,
        size,
        pages,
    }
}

/// The team's open involvements in the database: involvement global id → child global id.
async fn open_involvements(app: &TestApp, code: &str) -> BTreeMap<String, String> {
    let team = team::Entity::find()
        .filter(team::Column::Code.eq(code))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap_or_else(|| panic!("seeded team {code}"));
    involvement::Entity::find()
        .filter(involvement::Column::TeamId.eq(team.id))
        .filter(involvement::Column::EndedOn.is_null())
        .all(&app.db)
        .await
        .unwrap()
        .into_iter()
        .map(|row| {
            (
                global_id::encode("Involvement", row.id).0,
                global_id::encode("Person", row.person_id).0,
            )
        })
        .collect()
}

/// Which of `children` (Person global ids) the caller with `token` may read, looked up with
/// `nodes(ids:)`: an unreachable id answers `null` with a `NOT_FOUND` error.
async fn readable(app: &TestApp, token: &str, children: &BTreeSet<String>) -> BTreeSet<String> {
    let ids: Vec<&String> = children.iter().collect();
    let mut readable = BTreeSet::new();
    for chunk in ids.chunks(100) {
        let reply = app
            .graphql(
                Some(token),
                "query($ids: [ID!]!) { nodes(ids: $ids) { id } }",
                json!({ "ids": chunk }),
            )
            .await;
        for code in reply.error_codes() {
            assert_eq!(code, "NOT_FOUND", "{}", reply.body);
        }
        let nodes = reply.body["data"]["nodes"].as_array().unwrap();
        assert_eq!(nodes.len(), chunk.len());
        for (asked, node) in chunk.iter().zip(nodes) {
            match node {
                Value::Null => {}
                found => {
                    assert_eq!(found["id"], asked.as_str());
                    readable.insert((*asked).clone());
                }
            }
        }
    }
    readable
}

/// The caller's caseload of a team it does not reach by code is exactly the team's open
/// allocations whose child it may read, and its counts are those of the rows it sees. Returns
/// (shown, held back) allocation counts.
async fn assert_caseload_is_what_the_caller_may_read(
    app: &TestApp,
    token: &str,
    code: &str,
) -> (usize, usize) {
    let open = open_involvements(app, code).await;
    assert!(
        !open.is_empty(),
        "{code} holds open allocations in the seed"
    );
    let children: BTreeSet<String> = open.values().cloned().collect();
    let may_read = readable(app, token, &children).await;
    let expected: BTreeMap<String, String> = open
        .iter()
        .filter(|(_, child)| may_read.contains(*child))
        .map(|(id, child)| (id.clone(), child.clone()))
        .collect();
    let held_back = open.len() - expected.len();

    let seen = walk(app, token, code, 7).await;
    for (id, child) in &seen.rows {
        assert_eq!(
            open.get(id),
            Some(child),
            "{id} is not an open allocation of {code} for that child"
        );
        assert!(
            may_read.contains(child),
            "{code}'s caseload shows {id}, whose child {child} the caller may not read"
        );
    }
    assert_eq!(
        seen.rows, expected,
        "{code}'s caseload is exactly the allocations whose child the caller may read"
    );
    assert_eq!(
        seen.total_count,
        seen.rows.len() as u64,
        "totalCount of {code}"
    );
    assert_eq!(
        seen.size,
        seen.children().len() as u64,
        "caseloadSize of {code}"
    );
    (seen.rows.len(), held_back)
}

#[tokio::test]
async fn a_caller_reaching_a_team_by_code_sees_its_whole_caseload() {
    let app = TestApp::start().await;
    // One child of the team gets a second open allocation (another of the team's practitioners
    // co-allocated), so the allocation count and the child count differ.
    let held = team::Entity::find()
        .filter(team::Column::Code.eq(OWN))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    let rows = involvement::Entity::find()
        .filter(involvement::Column::TeamId.eq(held.id))
        .filter(involvement::Column::EndedOn.is_null())
        .all(&app.db)
        .await
        .unwrap();
    let first = rows
        .first()
        .expect("an open allocation in the team")
        .clone();
    let colleague = rows
        .iter()
        .map(|row| row.practitioner_id)
        .find(|id| *id != first.practitioner_id)
        .expect("two practitioners holding the team's cases");
    involvement::ActiveModel {
        id: Set(Uuid::now_v7()),
        practitioner_id: Set(colleague),
        ..first.into_active_model()
    }
    .insert(&app.db)
    .await
    .unwrap();

    let open = app
        .count(&format!(
            "SELECT COUNT(*) FROM involvement i JOIN team t ON t.id = i.team_id
             WHERE t.code = '{OWN}' AND i.ended_on IS NULL"
        ))
        .await;
    let children = app
        .count(&format!(
            "SELECT COUNT(DISTINCT i.person_id) FROM involvement i JOIN team t ON t.id = i.team_id
             WHERE t.code = '{OWN}' AND i.ended_on IS NULL"
        ))
        .await;
    // Several pages of seven, and the two counts tell allocations from children.
    assert!(open > 7, "{OWN} holds {open} open allocations");
    assert_eq!(open, children + 1, "one child has two open allocations");
    let expected = open_involvements(&app, OWN).await;
    assert_eq!(expected.len() as i64, open);

    let lower = OWN.to_ascii_lowercase();
    let callers = [
        app.token(Role::TeamManager, Some(&format!("tm-{lower}")), Some(OWN)),
        app.token(
            Role::SocialWorker,
            Some(&format!("sw-{lower}-01")),
            Some(OWN),
        ),
        app.token(
            Role::FamilyHelpPractitioner,
            Some(&format!("fhw-{lower}-01")),
            Some(OWN),
        ),
    ];
    for token in &callers {
        for page_size in [7, 100] {
            let seen = walk(&app, token, OWN, page_size).await;
            assert_eq!(seen.total_count as i64, open, "totalCount");
            assert_eq!(seen.size as i64, children, "caseloadSize");
            assert_eq!(
                seen.rows, expected,
                "every open allocation of {OWN} exactly once, each with its child"
            );
            if page_size == 7 {
                assert!(seen.pages > 1, "the walk crossed pages");
            }
        }
    }
}

#[tokio::test]
async fn another_teams_caseload_holds_only_children_the_caller_may_read() {
    let app = TestApp::start().await;
    let lower = OWN.to_ascii_lowercase();
    let manager = app.token(Role::TeamManager, Some(&format!("tm-{lower}")), Some(OWN));
    let worker = app.token(
        Role::SocialWorker,
        Some(&format!("sw-{lower}-01")),
        Some(OWN),
    );
    for token in [&manager, &worker] {
        let (shown, held_back) =
            assert_caseload_is_what_the_caller_may_read(&app, token, OTHER).await;
        println!("{OTHER} as an {OWN} caller: {shown} shown, {held_back} held back");
        // Not vacuous: the shortcut taken for every team would show the held-back rows, and a
        // caseload emptied for every team not reached by code would show none.
        assert!(
            held_back > 0,
            "the seed has allocations in {OTHER} whose child {OWN}'s callers may not read"
        );
        assert!(
            shown > 0,
            "the seed has allocations in {OTHER} for children {OWN} holds"
        );
    }

    // Both teams in one request: the batch for the team reached by code and the batch checked
    // per child do not mix.
    let both = app
        .graphql(
            Some(&manager),
            "query($own: String!, $other: String!) {
                own: team(code: $own) { caseloadSize caseload(first: 100) { totalCount } }
                other: team(code: $other) { caseloadSize caseload(first: 100) { totalCount } }
            }",
            json!({ "own": OWN, "other": OTHER }),
        )
        .await;
    let data = both.data();
    for (alias, code) in [("own", OWN), ("other", OTHER)] {
        let alone = walk(&app, &manager, code, 100).await;
        assert_eq!(
            data[alias]["caseload"]["totalCount"].as_u64().unwrap(),
            alone.total_count,
            "{code}'s totalCount alongside the other team"
        );
        assert_eq!(
            data[alias]["caseloadSize"].as_u64().unwrap(),
            alone.size,
            "{code}'s caseloadSize alongside the other team"
        );
    }
    let other_open = open_involvements(&app, OTHER).await.len() as u64;
    assert!(
        data["other"]["caseload"]["totalCount"].as_u64().unwrap() < other_open,
        "{OTHER}'s caseload asked alongside {OWN}'s is still checked per child"
    );
}

#[tokio::test]
async fn a_caller_without_team_reach_does_not_see_the_teams_caseload() {
    let app = TestApp::start().await;
    let open = open_involvements(&app, OWN).await;
    assert!(!open.is_empty());

    // The front door reads case detail but reaches children through its queue, not by team
    // (its token names its own team, IFD, which its role does not use for reach).
    let front_door = app.token(Role::FrontDoorOfficer, Some("sw-ifd-01"), Some("IFD"));
    let (shown, held_back) =
        assert_caseload_is_what_the_caller_may_read(&app, &front_door, OWN).await;
    println!("{OWN} as the front door: {shown} shown, {held_back} held back");
    assert!(
        held_back > 0,
        "the seed has allocations in {OWN} outside the front door's queue"
    );

    // A MACPT partner reaches only children in an active child protection process.
    let partner = app.token(Role::MacptPartner, Some("macpt-police-test"), None);
    let (shown, held_back) = assert_caseload_is_what_the_caller_may_read(&app, &partner, OWN).await;
    println!("{OWN} as a MACPT partner: {shown} shown, {held_back} held back");
    assert!(
        held_back > 0,
        "the seed has allocations in {OWN} with no active child protection process"
    );

    // A school MIS integration may look a team up but reads no allocations at all.
    let school = agency::Entity::find()
        .filter(agency::Column::Kind.eq("SCHOOL"))
        .filter(agency::Column::Urn.is_not_null())
        .one(&app.db)
        .await
        .unwrap()
        .expect("a seeded school with a URN");
    let mis = app.school_token(Role::SchoolMisIntegration, school.urn.as_deref().unwrap());
    let seen = walk(&app, &mis, OWN, 100).await;
    assert!(seen.rows.is_empty(), "a school saw allocations: {seen:?}");
    assert_eq!((seen.total_count, seen.size), (0, 0));
}

/// The built-in policy with the team manager's classes cut to identity and case summary (as a
/// council might for a business-support role that sees who the team works with but not the
/// casework): the role still reaches the team's children by the team's code, but the
/// involvement record's class (`case_detail`) is withheld.
fn policy_without_case_detail_for_team_managers() -> Policy {
    let section = "[roles.team_manager]\n";
    let start = BUILTIN_POLICY
        .find(section)
        .expect("the team manager's section")
        + section.len();
    let classes = start
        + BUILTIN_POLICY[start..]
            .find("classes = [")
            .expect("the team manager's classes");
    let end = classes
        + BUILTIN_POLICY[classes..]
            .find(']')
            .expect("end of the classes")
        + 1;
    let text = format!(
        "{}classes = [\"identity\", \"case_summary\"]{}",
        &BUILTIN_POLICY[..classes],
        &BUILTIN_POLICY[end..]
    );
    let policy = Policy::parse(&text).unwrap();
    let manager = policy.role(Role::TeamManager);
    assert!(manager.relations.contains(&Relation::Team));
    assert!(!manager.classes.contains(&FieldClass::CaseDetail));
    let worker = policy.role(Role::SocialWorker);
    assert!(worker.classes.contains(&FieldClass::CaseDetail));
    policy
}

/// A second server over `app`'s database under `policy`, trusting its own development issuer.
struct ServerUnderPolicy {
    address: std::net::SocketAddr,
    issuer: DevIssuer,
    _keys: tempfile::TempDir,
    server: actix_web::dev::ServerHandle,
}

impl ServerUnderPolicy {
    fn start(app: &TestApp, policy: Policy) -> Self {
        let keys = tempfile::tempdir().unwrap();
        let issuer = DevIssuer::load_or_create(keys.path()).unwrap();
        let state = AppState {
            schema: familygraph_graphql::build_schema(),
            db: app.db.clone(),
            authenticator: Authenticator::with_dev_issuer(&issuer),
            policy: std::sync::Arc::new(policy),
            generic_plans: None,
        };
        let (server, address) = http::start(state, "127.0.0.1:0").unwrap();
        let handle = server.handle();
        tokio::spawn(server);
        Self {
            address,
            issuer,
            _keys: keys,
            server: handle,
        }
    }

    fn token(&self, role: Role, subject: &str, team: &str) -> String {
        self.issuer
            .mint(&TokenRequest {
                role,
                subject: Some(subject.to_owned()),
                team: Some(team.to_owned()),
                school_urn: None,
                agency: None,
                lifetime: chrono::Duration::minutes(10),
            })
            .unwrap()
    }

    async fn graphql(&self, app: &TestApp, token: &str, query: &str, variables: Value) -> Value {
        let response = app
            .client()
            .post(format!("http://{}/graphql", self.address))
            .bearer_auth(token)
            .json(&json!({ "query": query, "variables": variables }))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 200);
        response.json().await.unwrap()
    }
}

impl Drop for ServerUnderPolicy {
    fn drop(&mut self) {
        drop(self.server.stop(false));
    }
}

const OWN_CASELOAD: &str = "query($code: String!) {
    team(code: $code) {
        code caseloadSize
        caseload(first: 100) { totalCount edges { cursor } }
    }
}";

#[tokio::test]
async fn a_team_reached_by_code_keeps_the_static_checks_of_its_caseload() {
    let app = TestApp::start().await;
    let open = open_involvements(&app, OWN).await;
    let children: BTreeSet<String> = open.values().cloned().collect();
    assert!(open.len() > 1, "{OWN} holds open allocations in the seed");
    let under = ServerUnderPolicy::start(&app, policy_without_case_detail_for_team_managers());
    let lower = OWN.to_ascii_lowercase();

    // A social worker, whose classes the narrowed policy leaves as they were, sees the whole
    // caseload on this server: the server and the team are as in the other tests.
    let worker = under.token(Role::SocialWorker, &format!("sw-{lower}-01"), OWN);
    let body = under
        .graphql(&app, &worker, OWN_CASELOAD, json!({ "code": OWN }))
        .await;
    assert!(body.get("errors").is_none(), "{body}");
    let team = &body["data"]["team"];
    assert_eq!(team["caseload"]["totalCount"], open.len(), "{body}");
    assert_eq!(
        team["caseload"]["edges"].as_array().unwrap().len(),
        open.len()
    );
    assert_eq!(team["caseloadSize"], children.len(), "{body}");

    // The narrowed team manager still reaches the team's children by the team's code: it
    // reads every one of them (a person's record needs only `identity`)...
    let manager = under.token(Role::TeamManager, &format!("tm-{lower}"), OWN);
    let ids: Vec<&String> = children.iter().collect();
    for chunk in ids.chunks(100) {
        let body = under
            .graphql(
                &app,
                &manager,
                "query($ids: [ID!]!) { nodes(ids: $ids) { id } }",
                json!({ "ids": chunk }),
            )
            .await;
        let nodes = body["data"]["nodes"].as_array().unwrap();
        assert_eq!(nodes.len(), chunk.len());
        for (asked, node) in chunk.iter().zip(nodes) {
            assert_eq!(node["id"], asked.as_str(), "{OWN}'s child {asked}: {body}");
        }
    }
    // ...but no involvement: the caseload it reaches by code is empty, and both counts are 0.
    let body = under
        .graphql(&app, &manager, OWN_CASELOAD, json!({ "code": OWN }))
        .await;
    let team = &body["data"]["team"];
    assert_eq!(team["code"], OWN, "{body}");
    assert_eq!(
        team["caseload"]["edges"],
        json!([]),
        "allocations shown to a role without the involvement's class: {body}"
    );
    assert_eq!(team["caseload"]["totalCount"], 0, "{body}");
    assert_eq!(team["caseloadSize"], 0, "{body}");
}

/// The SQL of the caseload statements (count and page) the server ran for `query` as `token`.
async fn caseload_statements(app: &TestApp, token: &str, code: &str) -> Vec<String> {
    let from = app.statements();
    let reply = app
        .graphql(Some(token), OWN_CASELOAD, json!({ "code": code }))
        .await;
    assert!(
        reply.data()["team"]["caseload"]["totalCount"]
            .as_u64()
            .unwrap()
            > 0,
        "{code}'s caseload is not empty: {}",
        reply.body
    );
    let statements: Vec<String> = app
        .statements_since(from)
        .into_iter()
        .filter(|sql| sql.contains("involvement") && sql.contains("team_id"))
        .filter(|sql| sql.contains("page_rank") || sql.to_ascii_uppercase().contains("COUNT("))
        .collect();
    assert_eq!(
        statements.len(),
        2,
        "one count and one page statement for {code}: {statements:#?}"
    );
    statements
}

#[tokio::test]
async fn the_caseload_of_a_team_reached_by_code_runs_without_the_row_scope() {
    let app = TestApp::start().await;
    let lower = OWN.to_ascii_lowercase();
    let manager = app.token(Role::TeamManager, Some(&format!("tm-{lower}")), Some(OWN));
    // The row scope is a set of correlated probes (`EXISTS (SELECT 1 FROM (...) AS reach ...)`):
    // the statements of a caseload reached by code carry none, a team checked per child's do.
    let probes = |sql: &String| sql.to_ascii_uppercase().contains("EXISTS");
    for sql in caseload_statements(&app, &manager, OWN).await {
        assert!(
            !probes(&sql),
            "{OWN}'s caseload, reached by code, ran the row scope: {sql}"
        );
    }
    for sql in caseload_statements(&app, &manager, OTHER).await {
        assert!(
            probes(&sql),
            "{OTHER}'s caseload, not reached by code, ran without the row scope: {sql}"
        );
    }
}
