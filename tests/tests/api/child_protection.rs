//! Child protection (MACPT) through the public API only: a child in Family Help escalates to a
//! strategy discussion, a section 47 enquiry, an initial conference and a child protection
//! plan — and keeps the same Family Help lead practitioner throughout.

use familygraph_domain::Role;
use familygraph_store::seed::STORY_FAMILY_NAME;
use familygraph_tests::{Backend, Reply, TestApp};
use serde_json::{Value, json};

const RECORD_STRATEGY: &str = "mutation($input: RecordStrategyDiscussionInput!) {
    recordStrategyDiscussion(input: $input) {
        strategyDiscussion { id heldOn decision chair { id role }
            participants { agency { id kind } practitioner { id role } } child { id } }
        userErrors { field code message } } }";

const START_S47: &str = "mutation($input: StartSection47EnquiryInput!) {
    startSection47Enquiry(input: $input) {
        enquiry { id startedOn concludedOn outcome leadPractitioner { id } }
        userErrors { field code message } } }";

const CONCLUDE_S47: &str = "mutation($input: ConcludeSection47EnquiryInput!) {
    concludeSection47Enquiry(input: $input) {
        enquiry { id concludedOn outcome } userErrors { field code message } } }";

const CONFERENCE: &str = "mutation($input: RecordInitialConferenceInput!) {
    recordInitialChildProtectionConference(input: $input) {
        conference { id heldOn cpPlanStarted } userErrors { field code message } } }";

const START_PLAN: &str = "mutation($input: StartChildProtectionPlanInput!) {
    startChildProtectionPlan(input: $input) {
        plan { id version kind isOpen initialCategory latestCategory } userErrors { field code message } } }";

const REVIEW_PLAN: &str = "mutation($input: ReviewChildProtectionPlanInput!) {
    reviewChildProtectionPlan(input: $input) {
        plan { id version initialCategory latestCategory reviews { reviewedOn outcome } }
        userErrors { field code message } } }";

const END_PLAN: &str = "mutation($input: EndChildProtectionPlanInput!) {
    endChildProtectionPlan(input: $input) {
        plan { id version endedOn isOpen } userErrors { field code message } } }";

const CHILD: &str = "query($id: ID!) { node(id: $id) { ... on Person {
    leadPractitioner { id }
    leadPractitionerChanges
    involvements { id role startedOn endedOn practitioner { id } team { code } }
    strategyDiscussions { id decision participants { agency { kind } } }
    section47Enquiries { id outcome }
    childProtectionConferences { id cpPlanStarted }
    plans(open: true) { id kind }
} } }";

fn payload<'a>(reply: &'a Reply, field: &str) -> &'a Value {
    &reply.data()[field]
}

fn user_error_codes(payload: &Value) -> Vec<String> {
    payload["userErrors"]
        .as_array()
        .unwrap_or_else(|| panic!("no userErrors in {payload}"))
        .iter()
        .map(|e| e["code"].as_str().unwrap().to_owned())
        .collect()
}

fn today() -> String {
    chrono::Utc::now().date_naive().to_string()
}

async fn count(app: &TestApp, table: &str, condition: &str) -> i64 {
    app.count(&format!("SELECT COUNT(*) FROM {table} WHERE {condition}"))
        .await
}

/// The MACPT: a lead child protection practitioner and the police, health and education
/// members, each with their agency.
struct Macpt {
    lcpp: String,
    police: (String, String),
    health: (String, String),
    education: (String, String),
}

async fn macpt(app: &TestApp) -> Macpt {
    let reply = app
        .graphql(
            Some(&app.admin_token()),
            "{ team(code: \"MACPT\") { members { practitioner { id role agency { id kind } } } } }",
            json!({}),
        )
        .await;
    let members = reply.data()["team"]["members"].as_array().unwrap().clone();
    let find = |role: &str| {
        let member = members
            .iter()
            .find(|m| m["practitioner"]["role"] == role)
            .unwrap_or_else(|| panic!("no {role} in the MACPT"));
        (
            member["practitioner"]["id"].as_str().unwrap().to_owned(),
            member["practitioner"]["agency"]["id"]
                .as_str()
                .unwrap()
                .to_owned(),
        )
    };
    Macpt {
        lcpp: find("LEAD_CHILD_PROTECTION_PRACTITIONER").0,
        police: find("POLICE_OFFICER"),
        health: find("HEALTH_PRACTITIONER"),
        education: find("EDUCATION_PRACTITIONER"),
    }
}

/// The story family's children (from the seed), youngest first: ids.
async fn story_children(app: &TestApp) -> Vec<String> {
    let reply = app
        .graphql(
            Some(&app.admin_token()),
            "query($name: String!) { children(filter: { search: $name }) { edges { node { id dateOfBirth } } } }",
            json!({ "name": STORY_FAMILY_NAME }),
        )
        .await;
    let mut children: Vec<(String, String)> = reply.data()["children"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["node"]["dateOfBirth"].as_str().unwrap().to_owned(),
                e["node"]["id"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    children.sort();
    children.reverse();
    children.into_iter().map(|(_, id)| id).collect()
}

async fn child(app: &TestApp, id: &str) -> Value {
    let reply = app
        .graphql(Some(&app.admin_token()), CHILD, json!({ "id": id }))
        .await;
    reply.data()["node"].clone()
}

fn involvements<'a>(child: &'a Value, role: &str) -> Vec<&'a Value> {
    child["involvements"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["role"] == role)
        .collect()
}

/// The Family Help team's social worker (convenes the strategy discussion) and the MACPT's
/// lead child protection practitioner.
fn tokens(app: &TestApp) -> (String, String) {
    (
        app.token(Role::SocialWorker, Some("sw-s1-01"), Some("S1")),
        app.token(
            Role::LeadChildProtectionPractitioner,
            Some("lcpp-01"),
            Some("MACPT"),
        ),
    )
}

/// Escalates `child_id` to an open child protection plan (category NEG) through the API and
/// returns the plan.
async fn escalate(app: &TestApp, child_id: &str, team: &Macpt) -> Value {
    let (social_worker, lcpp) = tokens(app);
    let reply = app
        .graphql(
            Some(&social_worker),
            RECORD_STRATEGY,
            json!({ "input": { "childId": child_id, "heldOn": today(), "chairPractitionerId": team.lcpp,
                "participants": [{ "agencyId": team.police.1, "practitionerId": team.police.0 }],
                "decision": "SECTION_47" } }),
        )
        .await;
    let recorded = payload(&reply, "recordStrategyDiscussion");
    assert_eq!(
        user_error_codes(recorded),
        Vec::<String>::new(),
        "{recorded}"
    );
    let reply = app
        .graphql(
            Some(&social_worker),
            START_S47,
            json!({ "input": { "childId": child_id, "startedOn": today(), "leadPractitionerId": team.lcpp } }),
        )
        .await;
    let enquiry = payload(&reply, "startSection47Enquiry")["enquiry"].clone();
    let reply = app
        .graphql(
            Some(&lcpp),
            CONCLUDE_S47,
            json!({ "input": { "enquiryId": enquiry["id"], "concludedOn": today(), "outcome": "CONFERENCE" } }),
        )
        .await;
    assert_eq!(
        payload(&reply, "concludeSection47Enquiry")["enquiry"]["outcome"],
        "CONFERENCE"
    );
    let reply = app
        .graphql(
            Some(&lcpp),
            CONFERENCE,
            json!({ "input": { "childId": child_id, "section47EnquiryId": enquiry["id"],
                               "heldOn": today(), "cpPlanStarted": true } }),
        )
        .await;
    let conference =
        payload(&reply, "recordInitialChildProtectionConference")["conference"].clone();
    let reply = app
        .graphql(
            Some(&lcpp),
            START_PLAN,
            json!({ "input": { "childId": child_id, "conferenceId": conference["id"],
                               "startedOn": today(), "initialCategory": "NEGLECT" } }),
        )
        .await;
    let started = payload(&reply, "startChildProtectionPlan");
    assert_eq!(user_error_codes(started), Vec::<String>::new(), "{started}");
    started["plan"].clone()
}

#[tokio::test]
async fn a_family_help_child_escalates_to_a_child_protection_plan_and_keeps_its_lead() {
    let app = TestApp::start().await;
    let team = macpt(&app).await;
    let (social_worker, lcpp) = tokens(&app);
    let children = story_children(&app).await;
    let youngest = children[0].clone();
    let before = child(&app, &youngest).await;
    let family_help_lead = before["leadPractitioner"]["id"].clone();
    assert!(
        family_help_lead.is_string(),
        "the child has a Family Help lead"
    );
    let lead_involvement = involvements(&before, "FAMILY_HELP_LEAD")[0].clone();
    assert!(involvements(&before, "LEAD_CHILD_PROTECTION_PRACTITIONER").is_empty());
    let events_at_start = count(&app, "outbox_event", "1 = 1").await;
    let writes_at_start = count(&app, "audit_event", "action = 'WRITE'").await;

    // A strategy discussion chaired by someone who is not an LCPP is refused; nothing written.
    let participants = json!([
        { "agencyId": team.police.1, "practitionerId": team.police.0 },
        { "agencyId": team.health.1, "practitionerId": team.health.0 },
        { "agencyId": team.education.1, "practitionerId": team.education.0 },
    ]);
    let events_before = count(&app, "outbox_event", "1 = 1").await;
    let refused = app
        .graphql(
            Some(&social_worker),
            RECORD_STRATEGY,
            json!({ "input": { "childId": youngest, "heldOn": today(), "chairPractitionerId": team.police.0,
                               "participants": participants, "decision": "SECTION_47" } }),
        )
        .await;
    let refused = payload(&refused, "recordStrategyDiscussion");
    assert_eq!(
        user_error_codes(refused),
        vec!["NOT_LEAD_CHILD_PROTECTION_PRACTITIONER"]
    );
    assert_eq!(
        refused["userErrors"][0]["field"],
        json!(["input", "chairPractitionerId"])
    );
    assert!(refused["strategyDiscussion"].is_null());
    assert_eq!(count(&app, "strategy_discussion", "1 = 1").await, 0);
    assert_eq!(count(&app, "strategy_participant", "1 = 1").await, 0);
    assert_eq!(count(&app, "outbox_event", "1 = 1").await, events_before);

    // No section 47 enquiry without a strategy discussion that decided on one.
    let premature = app
        .graphql(
            Some(&social_worker),
            START_S47,
            json!({ "input": { "childId": youngest, "startedOn": today(), "leadPractitionerId": team.lcpp } }),
        )
        .await;
    assert_eq!(
        user_error_codes(payload(&premature, "startSection47Enquiry")),
        vec!["ENQUIRY_REQUIRES_STRATEGY_DISCUSSION"]
    );

    // The strategy discussion: chaired by an LCPP, with police, health and education.
    let input = json!({ "input": { "idempotencyKey": "strategy-1", "childId": youngest, "heldOn": today(),
        "chairPractitionerId": team.lcpp, "participants": participants, "decision": "SECTION_47" } });
    let reply = app
        .graphql(Some(&social_worker), RECORD_STRATEGY, input.clone())
        .await;
    let recorded = payload(&reply, "recordStrategyDiscussion");
    assert_eq!(
        user_error_codes(recorded),
        Vec::<String>::new(),
        "{recorded}"
    );
    let discussion = recorded["strategyDiscussion"].clone();
    assert_eq!(discussion["decision"], "SECTION_47");
    assert_eq!(discussion["chair"]["id"], team.lcpp.as_str());
    assert_eq!(
        discussion["chair"]["role"],
        "LEAD_CHILD_PROTECTION_PRACTITIONER"
    );
    let kinds: Vec<&str> = discussion["participants"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["agency"]["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        vec!["POLICE_FORCE", "HEALTH_TRUST", "LOCAL_AUTHORITY"]
    );
    assert_eq!(
        discussion["participants"][1]["practitioner"]["role"],
        "HEALTH_PRACTITIONER"
    );
    // A retry with the same idempotency key returns the same discussion and writes nothing.
    let retry = app
        .graphql(Some(&social_worker), RECORD_STRATEGY, input)
        .await;
    assert_eq!(
        payload(&retry, "recordStrategyDiscussion")["strategyDiscussion"]["id"],
        discussion["id"]
    );
    assert_eq!(count(&app, "strategy_discussion", "1 = 1").await, 1);
    assert_eq!(count(&app, "strategy_participant", "1 = 1").await, 3);
    // The discussion is a node.
    let node = app
        .graphql(
            Some(&social_worker),
            "query($id: ID!) { node(id: $id) { ... on StrategyDiscussion { id decision child { id } } } }",
            json!({ "id": discussion["id"] }),
        )
        .await;
    assert_eq!(node.data()["node"]["child"]["id"], youngest.as_str());

    // Once a strategy discussion is held the child is in an active child protection process,
    // which the policy lets the MACPT's LCPP see before anyone in the MACPT is allocated.
    let seen = app
        .graphql(Some(&lcpp), CHILD, json!({ "id": youngest }))
        .await;
    assert_eq!(seen.error_codes(), Vec::<String>::new());

    // Section 47, led by the LCPP, who is allocated alongside the Family Help lead.
    let reply = app
        .graphql(
            Some(&social_worker),
            START_S47,
            json!({ "input": { "childId": youngest, "startedOn": today(), "leadPractitionerId": team.lcpp } }),
        )
        .await;
    let started = payload(&reply, "startSection47Enquiry");
    assert_eq!(user_error_codes(started), Vec::<String>::new(), "{started}");
    let enquiry = started["enquiry"].clone();
    assert_eq!(enquiry["leadPractitioner"]["id"], team.lcpp.as_str());
    assert!(enquiry["concludedOn"].is_null());
    let again = app
        .graphql(
            Some(&social_worker),
            START_S47,
            json!({ "input": { "childId": youngest, "startedOn": today(), "leadPractitionerId": team.lcpp } }),
        )
        .await;
    assert_eq!(
        user_error_codes(payload(&again, "startSection47Enquiry")),
        vec!["ENQUIRY_ALREADY_OPEN"]
    );

    // A child protection plan before any conference is refused, with nothing written.
    let events_before = count(&app, "outbox_event", "1 = 1").await;
    let no_conference = app
        .graphql(
            Some(&lcpp),
            START_PLAN,
            json!({ "input": { "childId": youngest, "startedOn": today(), "initialCategory": "NEGLECT" } }),
        )
        .await;
    let no_conference = payload(&no_conference, "startChildProtectionPlan");
    assert_eq!(
        user_error_codes(no_conference),
        vec!["PLAN_REQUIRES_CONFERENCE"]
    );
    assert_eq!(
        no_conference["userErrors"][0]["field"],
        json!(["input", "conferenceId"])
    );
    assert!(no_conference["plan"].is_null());
    assert_eq!(count(&app, "plan", "kind = 'CHILD_PROTECTION' AND initial_category IS NOT NULL AND ended_on IS NULL AND started_on = CURRENT_DATE").await, 0);
    assert_eq!(count(&app, "outbox_event", "1 = 1").await, events_before);

    // A conference needs the enquiry to have concluded with one.
    let early = app
        .graphql(
            Some(&lcpp),
            CONFERENCE,
            json!({ "input": { "childId": youngest, "section47EnquiryId": enquiry["id"],
                               "heldOn": today(), "cpPlanStarted": true } }),
        )
        .await;
    assert_eq!(
        user_error_codes(payload(&early, "recordInitialChildProtectionConference")),
        vec!["CONFERENCE_REQUIRES_ENQUIRY"]
    );
    let reply = app
        .graphql(
            Some(&lcpp),
            CONCLUDE_S47,
            json!({ "input": { "enquiryId": enquiry["id"], "concludedOn": "2000-01-01", "outcome": "CONFERENCE" } }),
        )
        .await;
    let mut codes = user_error_codes(payload(&reply, "concludeSection47Enquiry"));
    codes.sort();
    assert_eq!(codes, vec!["DATE_BEFORE_BIRTH", "DATE_OUT_OF_ORDER"]);
    let reply = app
        .graphql(
            Some(&lcpp),
            CONCLUDE_S47,
            json!({ "input": { "enquiryId": enquiry["id"], "concludedOn": today(), "outcome": "CONFERENCE" } }),
        )
        .await;
    let concluded = &payload(&reply, "concludeSection47Enquiry")["enquiry"];
    assert_eq!(concluded["outcome"], "CONFERENCE", "{}", reply.body);
    assert_eq!(concluded["concludedOn"], today());

    // The initial conference decides on a plan.
    let reply = app
        .graphql(
            Some(&lcpp),
            CONFERENCE,
            json!({ "input": { "idempotencyKey": "icpc-1", "childId": youngest, "section47EnquiryId": enquiry["id"],
                               "heldOn": today(), "cpPlanStarted": true } }),
        )
        .await;
    let conference = payload(&reply, "recordInitialChildProtectionConference");
    assert_eq!(user_error_codes(conference), Vec::<String>::new());
    let conference = conference["conference"].clone();
    assert_eq!(conference["cpPlanStarted"], true);

    // The child protection plan, category neglect.
    let reply = app
        .graphql(
            Some(&lcpp),
            START_PLAN,
            json!({ "input": { "idempotencyKey": "cp-plan-1", "childId": youngest, "conferenceId": conference["id"],
                               "startedOn": today(), "initialCategory": "NEGLECT" } }),
        )
        .await;
    let started = payload(&reply, "startChildProtectionPlan");
    assert_eq!(user_error_codes(started), Vec::<String>::new(), "{started}");
    let plan = started["plan"].clone();
    assert_eq!(plan["kind"], "CHILD_PROTECTION");
    assert_eq!(plan["initialCategory"], "NEGLECT");
    assert_eq!(plan["latestCategory"], "NEGLECT");
    assert_eq!(plan["version"], 1);
    let plan_sql_id = count(
        &app,
        "plan",
        "kind = 'CHILD_PROTECTION' AND initial_category = 'NEG' AND latest_category = 'NEG' AND ended_on IS NULL AND started_on = CURRENT_DATE",
    )
    .await;
    assert_eq!(plan_sql_id, 1, "stored with the CIN code NEG");
    // A second plan is refused while this one is open.
    let second = app
        .graphql(
            Some(&lcpp),
            START_PLAN,
            json!({ "input": { "childId": youngest, "conferenceId": conference["id"],
                               "startedOn": today(), "initialCategory": "PHYSICAL_ABUSE" } }),
        )
        .await;
    assert_eq!(
        user_error_codes(payload(&second, "startChildProtectionPlan")),
        vec!["PLAN_ALREADY_OPEN"]
    );

    // Families stay rooted in Family Help: the same lead, the same allocation, no hand-off;
    // the LCPP is allocated alongside, in the MACPT.
    let during = child(&app, &youngest).await;
    assert_eq!(during["leadPractitioner"]["id"], family_help_lead);
    assert_eq!(
        during["leadPractitionerChanges"],
        before["leadPractitionerChanges"]
    );
    let leads = involvements(&during, "FAMILY_HELP_LEAD");
    assert_eq!(leads.len(), 1);
    assert_eq!(leads[0]["id"], lead_involvement["id"]);
    assert!(leads[0]["endedOn"].is_null());
    let lcpps = involvements(&during, "LEAD_CHILD_PROTECTION_PRACTITIONER");
    assert_eq!(lcpps.len(), 1, "{during}");
    assert_eq!(lcpps[0]["practitioner"]["id"], team.lcpp.as_str());
    assert_eq!(lcpps[0]["team"]["code"], "MACPT");
    assert_eq!(
        during["strategyDiscussions"][0]["decision"], "SECTION_47",
        "{during}"
    );
    let open_kinds: Vec<&str> = during["plans"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["kind"].as_str().unwrap())
        .collect();
    assert!(open_kinds.contains(&"CHILD_PROTECTION"), "{open_kinds:?}");

    // A review changes the latest category (emotional abuse); the initial one stays.
    let reply = app
        .graphql(
            Some(&lcpp),
            REVIEW_PLAN,
            json!({ "input": { "planId": plan["id"], "version": 1, "reviewedOn": today(),
                               "outcome": "Plan continues; emotional harm now the main concern.",
                               "latestCategory": "EMOTIONAL_ABUSE" } }),
        )
        .await;
    let reviewed = payload(&reply, "reviewChildProtectionPlan");
    assert_eq!(
        user_error_codes(reviewed),
        Vec::<String>::new(),
        "{reviewed}"
    );
    assert_eq!(reviewed["plan"]["version"], 2);
    assert_eq!(reviewed["plan"]["initialCategory"], "NEGLECT");
    assert_eq!(reviewed["plan"]["latestCategory"], "EMOTIONAL_ABUSE");
    assert_eq!(reviewed["plan"]["reviews"].as_array().unwrap().len(), 1);
    assert_eq!(
        count(
            &app,
            "plan",
            "kind = 'CHILD_PROTECTION' AND initial_category = 'NEG' AND latest_category = 'EMO' AND started_on = CURRENT_DATE"
        )
        .await,
        1
    );

    // A stale version is a conflict, and writes nothing.
    let reviews_before = count(&app, "plan_review", "1 = 1").await;
    let stale = app
        .graphql(
            Some(&lcpp),
            REVIEW_PLAN,
            json!({ "input": { "planId": plan["id"], "version": 1, "reviewedOn": today(),
                               "outcome": "Written from an old copy", "latestCategory": "PHYSICAL_ABUSE" } }),
        )
        .await;
    assert_eq!(stale.error_codes(), vec!["CONFLICT"]);
    assert_eq!(count(&app, "plan_review", "1 = 1").await, reviews_before);
    assert_eq!(
        count(
            &app,
            "plan",
            "latest_category = 'EMO' AND version = 2 AND started_on = CURRENT_DATE"
        )
        .await,
        1
    );

    // The plan ends (step-down): the LCPP's allocation ends, the Family Help lead stays.
    let reply = app
        .graphql(
            Some(&lcpp),
            END_PLAN,
            json!({ "input": { "planId": plan["id"], "version": 2, "endedOn": today() } }),
        )
        .await;
    let ended = payload(&reply, "endChildProtectionPlan");
    assert_eq!(user_error_codes(ended), Vec::<String>::new(), "{ended}");
    assert_eq!(ended["plan"]["endedOn"], today());
    assert_eq!(ended["plan"]["isOpen"], false);
    assert_eq!(ended["plan"]["version"], 3);
    let after = child(&app, &youngest).await;
    assert_eq!(after["leadPractitioner"]["id"], family_help_lead);
    let lcpps = involvements(&after, "LEAD_CHILD_PROTECTION_PRACTITIONER");
    assert!(lcpps.is_empty(), "the LCPP allocation ended: {after}");
    assert_eq!(
        count(
            &app,
            "involvement",
            "role = 'LEAD_CHILD_PROTECTION_PRACTITIONER' AND ended_on IS NOT NULL AND change_reason = 'Child protection plan ended'"
        )
        .await,
        1
    );
    // Ending it twice is refused.
    let again = app
        .graphql(
            Some(&social_worker),
            END_PLAN,
            json!({ "input": { "planId": plan["id"], "version": 3, "endedOn": today() } }),
        )
        .await;
    assert_eq!(
        user_error_codes(payload(&again, "endChildProtectionPlan")),
        vec!["ALREADY_CLOSED"]
    );

    // Every change left an outbox event and a write audit row, in the same transactions.
    for event in [
        "StrategyDiscussionRecorded",
        "Section47EnquiryStarted",
        "LeadChildProtectionPractitionerAllocated",
        "Section47EnquiryConcluded",
        "ChildProtectionConferenceHeld",
        "ChildProtectionPlanStarted",
        "ChildProtectionPlanReviewed",
        "ChildProtectionPlanEnded",
    ] {
        assert_eq!(
            count(&app, "outbox_event", &format!("event_type = '{event}'")).await,
            1,
            "{event}"
        );
    }
    let events = count(&app, "outbox_event", "1 = 1").await - events_at_start;
    assert_eq!(events, 8);
    let writes = count(&app, "audit_event", "action = 'WRITE'").await - writes_at_start;
    assert_eq!(writes, events);
}

#[tokio::test]
async fn child_protection_is_refused_to_roles_without_it() {
    let app = TestApp::start().await;
    let team = macpt(&app).await;
    let children = story_children(&app).await;
    let family_worker = app.token(Role::FamilyHelpPractitioner, Some("fw-s1-01"), Some("S1"));
    let reply = app
        .graphql(
            Some(&family_worker),
            RECORD_STRATEGY,
            json!({ "input": { "childId": children[0], "heldOn": today(), "chairPractitionerId": team.lcpp,
                               "participants": [{ "agencyId": team.police.1 }], "decision": "SECTION_47" } }),
        )
        .await;
    assert_eq!(reply.error_codes(), vec!["FORBIDDEN"]);
    assert_eq!(count(&app, "strategy_discussion", "1 = 1").await, 0);
}

#[tokio::test]
async fn concurrent_reviews_of_one_plan_let_exactly_one_win() {
    if Backend::from_env() != Backend::Postgres {
        eprintln!("skipped: real concurrency is tested on PostgreSQL");
        return;
    }
    let app = TestApp::start().await;
    let team = macpt(&app).await;
    let children = story_children(&app).await;
    let plan = escalate(&app, &children[0], &team).await;
    let plan_id = plan["id"].as_str().unwrap().to_owned();
    let (social_worker, lcpp) = tokens(&app);
    let review = |outcome: &str, category: &str| {
        json!({ "input": { "planId": plan_id, "version": plan["version"], "reviewedOn": today(),
                           "outcome": outcome, "latestCategory": category } })
    };
    let (first, second) = tokio::join!(
        app.graphql(
            Some(&lcpp),
            REVIEW_PLAN,
            review("Review by the LCPP", "EMOTIONAL_ABUSE")
        ),
        app.graphql(
            Some(&social_worker),
            REVIEW_PLAN,
            review("Review by the social worker", "PHYSICAL_ABUSE")
        ),
    );
    let outcomes: Vec<(bool, Vec<String>)> = [&first, &second]
        .iter()
        .map(|reply| {
            let won = reply.body["data"]["reviewChildProtectionPlan"]["plan"]["version"] == 2;
            (won, reply.error_codes())
        })
        .collect();
    let winners = outcomes.iter().filter(|(won, _)| *won).count();
    assert_eq!(
        winners, 1,
        "exactly one review wins: {} / {}",
        first.body, second.body
    );
    let loser = outcomes.iter().find(|(won, _)| !won).unwrap();
    assert_eq!(loser.1, vec!["CONFLICT"]);
    // Exactly one new review, and the plan carries the winner's category: no lost update.
    let reviews = app
        .graphql(
            Some(&app.admin_token()),
            "query($id: ID!) { node(id: $id) { ... on Plan { version latestCategory reviews { outcome } } } }",
            json!({ "id": plan_id }),
        )
        .await;
    let stored = &reviews.data()["node"];
    assert_eq!(stored["version"], 2);
    let outcomes = stored["reviews"].as_array().unwrap();
    assert_eq!(outcomes.len(), 1, "{stored}");
    let expected = if outcomes[0]["outcome"] == "Review by the LCPP" {
        "EMOTIONAL_ABUSE"
    } else {
        "PHYSICAL_ABUSE"
    };
    assert_eq!(stored["latestCategory"], expected);
    assert_eq!(
        count(
            &app,
            "outbox_event",
            "event_type = 'ChildProtectionPlanReviewed'"
        )
        .await,
        1
    );
}
