//! The Families First workflow through the public API only: front door → Family Help, with
//! the rules, concurrency and idempotency conventions.

use familygraph_domain::Role;
use familygraph_tests::{Reply, TestApp};
use serde_json::{Value, json};

const RECORD_CONTACT: &str = "mutation Record($input: RecordContactInput!) { recordContact(input: $input) {
    contact { id version source presentingConcern child { id givenName identifiers { kind value } } family { id name } }
    userErrors { field code message } } }";

const TRIAGE: &str = "mutation Triage($input: TriageContactInput!) { triageContact(input: $input) {
    contact { id version triageDecision minutesToDecision routedTeam { code } decidedBy { familyName } }
    userErrors { field code message } } }";

fn payload<'a>(reply: &'a Reply, field: &str) -> &'a Value {
    &reply.data()[field]
}

fn user_error_codes(payload: &Value) -> Vec<String> {
    payload["userErrors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["code"].as_str().unwrap().to_owned())
        .collect()
}

fn new_child(nhs: &str, lsoa: &str) -> Value {
    json!({
        "givenName": "Robin", "familyName": "Testcase", "dateOfBirth": "2018-05-04", "sex": "FEMALE",
        "identifiers": [{ "kind": "NHS_NUMBER", "value": nhs }],
        "address": { "line1": "1 Example Row", "town": "Crewe", "postcode": "CW1 0ZZ", "lsoaCode": lsoa }
    })
}

async fn count_where(app: &TestApp, table: &str, condition: &str) -> i64 {
    app.count(&format!("SELECT COUNT(*) FROM {table} WHERE {condition}"))
        .await
}

#[tokio::test]
async fn a_school_contact_is_triaged_to_family_help_and_worked_to_closure() {
    let app = TestApp::start().await;
    let front_door = app.token(Role::FrontDoorOfficer, Some("sw-ifd-01"), Some("IFD"));
    // 1. The school's contact, for a child not yet known, with a new family.
    let reply = app
        .graphql(
            Some(&front_door),
            RECORD_CONTACT,
            json!({ "input": {
                "idempotencyKey": "school-contact-1",
                "source": "SCHOOLS", "recordedBy": "Designated safeguarding lead, a primary school",
                "presentingConcern": "Attendance has fallen and the child seems withdrawn.",
                "child": new_child("999 999 9999", "E01018445"),
                "family": { "name": "The Testcase family" }
            } }),
        )
        .await;
    let recorded = payload(&reply, "recordContact");
    assert_eq!(user_error_codes(recorded), Vec::<String>::new());
    let contact = recorded["contact"].clone();
    assert_eq!(contact["source"], "SCHOOLS");
    let child_id = contact["child"]["id"].as_str().unwrap().to_owned();
    let family_id = contact["family"]["id"].as_str().unwrap().to_owned();

    // A retry with the same key creates nothing new.
    let contacts_before = count_where(&app, "contact", "1 = 1").await;
    let retry = app
        .graphql(
            Some(&front_door),
            RECORD_CONTACT,
            json!({ "input": {
                "idempotencyKey": "school-contact-1",
                "source": "SCHOOLS", "recordedBy": "Designated safeguarding lead, a primary school",
                "presentingConcern": "Attendance has fallen and the child seems withdrawn.",
                "child": new_child("999 999 9999", "E01018445"),
                "family": { "name": "The Testcase family" }
            } }),
        )
        .await;
    assert_eq!(
        payload(&retry, "recordContact")["contact"]["id"],
        contact["id"]
    );
    assert_eq!(count_where(&app, "contact", "1 = 1").await, contacts_before);

    // 2. Triage to Family Help: routed to the team covering E01018445's collaborative.
    let expected_team = app
        .count(
            "SELECT COUNT(*) FROM lsoa JOIN area ON area.id = lsoa.area_id JOIN team ON team.id = area.team_id
             WHERE lsoa.code = 'E01018445' AND team.code = 'S1'",
        )
        .await;
    let reply = app
        .graphql(
            Some(&front_door),
            TRIAGE,
            json!({ "input": { "contactId": contact["id"], "version": contact["version"],
                               "decision": "FAMILY_HELP", "reason": "Multiple needs; family consents." } }),
        )
        .await;
    let triaged = &payload(&reply, "triageContact")["contact"];
    assert_eq!(triaged["triageDecision"], "FAMILY_HELP");
    assert_eq!(triaged["version"], 2);
    assert!(triaged["minutesToDecision"].as_i64().unwrap() >= 0);
    if expected_team == 1 {
        assert_eq!(triaged["routedTeam"]["code"], "S1");
    } else {
        assert!(triaged["routedTeam"]["code"].is_string());
    }
    // Triaging again with the stale version is a conflict, and changes nothing.
    let stale = app
        .graphql(
            Some(&front_door),
            TRIAGE,
            json!({ "input": { "contactId": contact["id"], "version": contact["version"],
                               "decision": "NO_FURTHER_ACTION", "reason": "Second thoughts" } }),
        )
        .await;
    assert_eq!(stale.error_codes(), vec!["CONFLICT"]);

    // 3. Family Help: open the episode with a lead practitioner from the routed team.
    let practitioners = app
        .graphql(
            Some(&app.admin_token()),
            "{ team(code: \"S1\") { members { practitioner { id role } } } }",
            json!({}),
        )
        .await;
    let members = practitioners.data()["team"]["members"]
        .as_array()
        .unwrap()
        .clone();
    let workers: Vec<String> = members
        .iter()
        .filter(|m| {
            ["FAMILY_WORKER", "FAMILY_HELP_WORKER", "SOCIAL_WORKER"]
                .contains(&m["practitioner"]["role"].as_str().unwrap())
        })
        .map(|m| m["practitioner"]["id"].as_str().unwrap().to_owned())
        .collect();
    assert!(workers.len() >= 2);
    let worker = app.token(Role::FamilyHelpPractitioner, Some("fw-s1-01"), Some("S1"));
    let manager = app.token(Role::TeamManager, Some("tm-s1"), Some("S1"));
    let reply = app
        .graphql(
            Some(&manager),
            "mutation($input: OpenFamilyHelpEpisodeInput!) { openFamilyHelpEpisode(input: $input) {
                episode { id version level team { code } child { leadPractitioner { id } } } userErrors { code field } } }",
            json!({ "input": { "childId": child_id, "familyId": family_id, "level": "CHILD_IN_NEED",
                               "startedOn": today(), "leadPractitionerId": workers[0] } }),
        )
        .await;
    let opened = payload(&reply, "openFamilyHelpEpisode");
    assert_eq!(user_error_codes(opened), Vec::<String>::new(), "{opened}");
    let episode = opened["episode"].clone();
    assert_eq!(
        episode["child"]["leadPractitioner"]["id"],
        workers[0].as_str()
    );
    // A second open episode is refused, naming the field, and nothing is written.
    let episodes_before = count_where(&app, "family_help_episode", "1 = 1").await;
    let again = app
        .graphql(
            Some(&manager),
            "mutation($input: OpenFamilyHelpEpisodeInput!) { openFamilyHelpEpisode(input: $input) {
                episode { id } userErrors { code field } } }",
            json!({ "input": { "childId": child_id, "familyId": family_id, "level": "TARGETED_EARLY_HELP",
                               "startedOn": today() } }),
        )
        .await;
    let refused = payload(&again, "openFamilyHelpEpisode");
    assert_eq!(user_error_codes(refused), vec!["EPISODE_ALREADY_OPEN"]);
    assert!(refused["episode"].is_null());
    assert_eq!(
        count_where(&app, "family_help_episode", "1 = 1").await,
        episodes_before
    );

    // 4. Assessment with factors; a date before birth is refused.
    let assess = "mutation($input: RecordAssessmentInput!) { recordAssessment(input: $input) {
        assessment { id factors childSeen } userErrors { code field } } }";
    let early = app
        .graphql(
            Some(&worker),
            assess,
            json!({ "input": { "childId": child_id, "startedOn": "2017-01-01", "childSeen": true } }),
        )
        .await;
    assert_eq!(
        user_error_codes(payload(&early, "recordAssessment")),
        vec!["DATE_BEFORE_BIRTH"]
    );
    let assessed = app
        .graphql(
            Some(&worker),
            assess,
            json!({ "input": { "childId": child_id, "startedOn": today(), "authorisedOn": today(),
                               "childSeen": true, "factors": ["MENTAL_HEALTH_PARENT", "DOMESTIC_ABUSE_PARENT"] } }),
        )
        .await;
    let assessment = &payload(&assessed, "recordAssessment")["assessment"];
    assert_eq!(
        assessment["factors"].as_array().unwrap().len(),
        2,
        "{}",
        assessed.body
    );

    // 5. A child-in-need plan with goals; a review; a visit.
    let plan_reply = app
        .graphql(
            Some(&worker),
            "mutation($input: StartPlanInput!) { startPlan(input: $input) {
                plan { id version kind goals { description } } userErrors { code field } } }",
            json!({ "input": { "idempotencyKey": "cin-plan-1", "childId": child_id, "kind": "CHILD_IN_NEED",
                               "startedOn": today(),
                               "goals": [{ "description": "Attendance above 90% by half term", "ownerPractitionerId": workers[0] }] } }),
        )
        .await;
    let plan = payload(&plan_reply, "startPlan")["plan"].clone();
    assert_eq!(
        plan["goals"].as_array().unwrap().len(),
        1,
        "{}",
        plan_reply.body
    );
    let review = app
        .graphql(
            Some(&worker),
            "mutation($input: ReviewPlanInput!) { reviewPlan(input: $input) { plan { version reviews { outcome } } userErrors { code } } }",
            json!({ "input": { "planId": plan["id"], "version": plan["version"], "reviewedOn": today(), "outcome": "Continue" } }),
        )
        .await;
    assert_eq!(payload(&review, "reviewPlan")["plan"]["version"], 2);
    let visit = app
        .graphql(
            Some(&worker),
            "mutation($input: RecordVisitInput!) { recordVisit(input: $input) { visit { seen seenAlone } userErrors { code } } }",
            json!({ "input": { "childId": child_id, "planId": plan["id"], "visitedOn": today(), "seen": true, "seenAlone": true } }),
        )
        .await;
    assert_eq!(payload(&visit, "recordVisit")["visit"]["seenAlone"], true);

    // 6. A hand-off: the lead changes, with a reason.
    let handoff = app
        .graphql(
            Some(&manager),
            "mutation($input: AllocateLeadPractitionerInput!) { allocateLeadPractitioner(input: $input) {
                involvement { role practitioner { id } child { leadPractitionerChanges } } userErrors { code field } } }",
            json!({ "input": { "childId": child_id, "practitionerId": workers[1], "startedOn": today() } }),
        )
        .await;
    assert_eq!(
        user_error_codes(payload(&handoff, "allocateLeadPractitioner")),
        vec!["REQUIRED"],
        "a hand-off needs a reason"
    );
    let handoff = app
        .graphql(
            Some(&manager),
            "mutation($input: AllocateLeadPractitionerInput!) { allocateLeadPractitioner(input: $input) {
                involvement { role practitioner { id } child { leadPractitionerChanges } } userErrors { code field } } }",
            json!({ "input": { "childId": child_id, "practitionerId": workers[1], "startedOn": today(),
                               "changeReason": "Caseload rebalanced" } }),
        )
        .await;
    let involvement = &payload(&handoff, "allocateLeadPractitioner")["involvement"];
    assert_eq!(involvement["role"], "FAMILY_HELP_LEAD");
    assert_eq!(involvement["child"]["leadPractitionerChanges"], 1);

    // 7. Closure is refused while the plan is open; end it, then close.
    let close = "mutation($input: CloseFamilyHelpEpisodeInput!) { closeFamilyHelpEpisode(input: $input) {
        episode { endedOn closureReason child { leadPractitioner { id } } } userErrors { code field } } }";
    let refused = app
        .graphql(
            Some(&manager),
            close,
            json!({ "input": { "episodeId": episode["id"], "version": episode["version"], "endedOn": today(), "reason": "SERVICES_CEASED" } }),
        )
        .await;
    assert_eq!(
        user_error_codes(payload(&refused, "closeFamilyHelpEpisode")),
        vec!["EPISODE_HAS_OPEN_PLANS"]
    );
    let ended = app
        .graphql(
            Some(&worker),
            "mutation($input: EndPlanInput!) { endPlan(input: $input) { plan { endedOn } userErrors { code } } }",
            json!({ "input": { "planId": plan["id"], "version": 2, "endedOn": today() } }),
        )
        .await;
    assert_eq!(payload(&ended, "endPlan")["plan"]["endedOn"], today());
    let closed = app
        .graphql(
            Some(&manager),
            close,
            json!({ "input": { "episodeId": episode["id"], "version": episode["version"], "endedOn": today(), "reason": "SERVICES_CEASED" } }),
        )
        .await;
    let closed = &payload(&closed, "closeFamilyHelpEpisode")["episode"];
    assert_eq!(closed["closureReason"], "SERVICES_CEASED", "{closed}");
    assert!(closed["child"]["leadPractitioner"].is_null());

    // Every change left an outbox event and a write audit row.
    let events = count_where(&app, "outbox_event", "1 = 1").await;
    assert!(events >= 9, "{events} outbox events");
    let writes = count_where(&app, "audit_event", "action = 'WRITE'").await;
    assert_eq!(writes, events);
}

#[tokio::test]
async fn the_same_nhs_number_matches_the_same_child() {
    let app = TestApp::start().await;
    let token = app.token(Role::FrontDoorOfficer, Some("sw-ifd-01"), Some("IFD"));
    let known = app
        .graphql(
            Some(&app.admin_token()),
            "{ childByIdentifier(identifier: { kind: NHS_NUMBER, value: \"9990000018\" }) { id } }",
            json!({}),
        )
        .await;
    let known_id = known.data()["childByIdentifier"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let people_before = count_where(&app, "person", "1 = 1").await;
    let reply = app
        .graphql(
            Some(&token),
            RECORD_CONTACT,
            json!({ "input": { "source": "HEALTH_GP", "recordedBy": "A GP practice",
                               "presentingConcern": "Missed appointments",
                               "child": new_child("999 000 0018", "E01018445") } }),
        )
        .await;
    assert_eq!(
        payload(&reply, "recordContact")["contact"]["child"]["id"],
        known_id.as_str()
    );
    assert_eq!(count_where(&app, "person", "1 = 1").await, people_before);
}

#[tokio::test]
async fn bad_input_is_refused_with_nothing_written() {
    let app = TestApp::start().await;
    let token = app.token(Role::FrontDoorOfficer, Some("sw-ifd-01"), Some("IFD"));
    let before = count_where(&app, "contact", "1 = 1").await;
    let reply = app
        .graphql(
            Some(&token),
            RECORD_CONTACT,
            json!({ "input": { "source": "SCHOOLS", "recordedBy": " ", "presentingConcern": "",
                               "child": new_child("999 999 9998", "E01999999") } }),
        )
        .await;
    let mut codes = user_error_codes(payload(&reply, "recordContact"));
    codes.sort();
    assert_eq!(
        codes,
        vec!["INVALID_VALUE", "REQUIRED", "REQUIRED", "UNKNOWN_RECORD"],
        "{}",
        reply.body
    );
    assert_eq!(count_where(&app, "contact", "1 = 1").await, before);
    assert_eq!(
        count_where(&app, "person", "family_name = 'Testcase'").await,
        0
    );
}

#[tokio::test]
async fn roles_without_the_operation_are_forbidden() {
    let app = TestApp::start().await;
    let school = app.school_token(Role::SchoolDsl, "990101");
    let reply = app
        .graphql(
            Some(&school),
            TRIAGE,
            json!({ "input": { "contactId": familygraph_graphql::global_id::encode("Contact", uuid::Uuid::now_v7()).0,
                               "version": 1, "decision": "FAMILY_HELP", "reason": "x" } }),
        )
        .await;
    assert_eq!(reply.error_codes(), vec!["FORBIDDEN"]);
}

fn today() -> String {
    chrono::Utc::now().date_naive().to_string()
}
