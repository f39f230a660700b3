//! Team caseloads under a restricted row scope: a caller whose scope reaches a team by its code
//! sees the team's whole caseload (only the static checks apply); for any other team each
//! allocation is checked against the caller's whole scope, so the caseload holds exactly the
//! allocations whose child the caller may read, and the counts agree with what is shown.

use std::collections::{BTreeMap, BTreeSet};

use familygraph_domain::Role;
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
