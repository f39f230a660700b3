//! The fictional family's journey, through the public GraphQL API only: the school's contact,
//! triage to Family Help in the right locality, lead practitioner, assessment, plan, escalation
//! to a strategy discussion, section 47, conference and child protection plan with the same
//! lead practitioner, an FGDM with the network, a network plan, step-down and closure — and the
//! measures report it.

use familygraph_domain::Role;
use familygraph_tests::TestApp;
use serde_json::{Value, json};

fn today() -> String {
    chrono::Utc::now().date_naive().to_string()
}

/// Runs a mutation and returns its payload, asserting it broke no business rule.
async fn act(app: &TestApp, token: &str, field: &str, query: &str, input: Value) -> Value {
    let reply = app
        .graphql(Some(token), query, json!({ "input": input }))
        .await;
    let payload = reply.data()[field].clone();
    assert_eq!(payload["userErrors"], json!([]), "{field}: {payload}");
    payload
}

async fn measures(app: &TestApp) -> (i64, Value) {
    let reply = app
        .graphql(
            Some(&app.admin_token()),
            "query($d: NaiveDate) { handOffs(from: $d, to: $d) { total }
               localityMeasures(from: $d, to: $d) { locality { code } contacts
                 timeliness { strategyToConferenceDays { count } contactToDecisionMinutes { count } } } }",
            json!({ "d": today() }),
        )
        .await;
    let data = reply.data();
    let south = data["localityMeasures"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["locality"]["code"] == "SOUTH")
        .unwrap()
        .clone();
    (data["handOffs"]["total"].as_i64().unwrap(), south)
}

fn id_of(value: &Value) -> String {
    value.as_str().unwrap().to_owned()
}

#[tokio::test]
async fn the_family_story_runs_end_to_end_through_the_api() {
    let app = TestApp::start().await;
    let (hand_offs_before, south_before) = measures(&app).await;
    let admin = app.admin_token();
    let front_door = app.token(Role::FrontDoorOfficer, Some("sw-ifd-01"), Some("IFD"));
    let manager = app.token(Role::TeamManager, Some("tm-s1"), Some("S1"));
    let worker = app.token(Role::FamilyHelpPractitioner, Some("fw-s1-01"), Some("S1"));
    let social_worker = app.token(Role::SocialWorker, Some("sw-s1-01"), Some("S1"));
    let lcpp = app.token(
        Role::LeadChildProtectionPractitioner,
        Some("lcpp-01"),
        Some("MACPT"),
    );

    // Who is who: S1's practitioners, the MACPT's LCPP and its police, health and education members.
    let teams = app
        .graphql(
            Some(&admin),
            "{ s1: team(code: \"S1\") { members { practitioner { id role } } }
               macpt: team(code: \"MACPT\") { members { practitioner { id role agency { id } } } } }",
            json!({}),
        )
        .await;
    let s1_workers: Vec<String> = teams.data()["s1"]["members"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| {
            ["FAMILY_WORKER", "FAMILY_HELP_WORKER"]
                .contains(&m["practitioner"]["role"].as_str().unwrap())
        })
        .map(|m| id_of(&m["practitioner"]["id"]))
        .collect();
    let macpt = teams.data()["macpt"]["members"].as_array().unwrap().clone();
    let member = |role: &str| {
        macpt
            .iter()
            .find(|m| m["practitioner"]["role"] == role)
            .map(|m| {
                (
                    id_of(&m["practitioner"]["id"]),
                    id_of(&m["practitioner"]["agency"]["id"]),
                )
            })
            .unwrap_or_else(|| panic!("no {role} in the MACPT"))
    };
    let lcpp_id = member("LEAD_CHILD_PROTECTION_PRACTITIONER").0;
    let participants: Vec<Value> = [
        "POLICE_OFFICER",
        "HEALTH_PRACTITIONER",
        "EDUCATION_PRACTITIONER",
    ]
    .iter()
    .map(|role| {
        let (practitioner, agency) = member(role);
        json!({ "agencyId": agency, "practitionerId": practitioner })
    })
    .collect();

    // 1. The 8-year-old's school contacts the front door.
    let contact = act(
        &app,
        &front_door,
        "recordContact",
        "mutation($input: RecordContactInput!) { recordContact(input: $input) {
            contact { id version child { id } family { id } } userErrors { field code message } } }",
        json!({ "source": "SCHOOLS", "recordedBy": "Designated safeguarding lead, a primary school",
                "presentingConcern": "Younger sibling arrives hungry; says Mum is unwell.",
                "child": { "givenName": "Ivy", "familyName": "Storybrook", "dateOfBirth": "2018-06-12", "sex": "FEMALE",
                           "address": { "line1": "2 Example Terrace", "town": "Crewe", "postcode": "CW2 0ZZ", "lsoaCode": "E01018445" } },
                "family": { "name": "The Storybrook family" } }),
    )
    .await["contact"]
        .clone();
    let child = id_of(&contact["child"]["id"]);
    let family = id_of(&contact["family"]["id"]);

    // 2. Triage to Family Help: routed to S1, the team covering the child's LSOA.
    let triaged = act(
        &app,
        &front_door,
        "triageContact",
        "mutation($input: TriageContactInput!) { triageContact(input: $input) {
            contact { routedTeam { code } minutesToDecision } userErrors { field code message } } }",
        json!({ "contactId": contact["id"], "version": contact["version"], "decision": "FAMILY_HELP",
                "reason": "Multiple needs; parent agrees to Family Help." }),
    )
    .await;
    assert_eq!(triaged["contact"]["routedTeam"]["code"], "S1");

    // 3. Family Help episode with a lead practitioner; assessment; child-in-need plan.
    let episode = act(
        &app,
        &manager,
        "openFamilyHelpEpisode",
        "mutation($input: OpenFamilyHelpEpisodeInput!) { openFamilyHelpEpisode(input: $input) {
            episode { id version team { code } } userErrors { field code message } } }",
        json!({ "childId": child, "familyId": family, "level": "CHILD_IN_NEED", "startedOn": today(),
                "leadPractitionerId": s1_workers[0] }),
    )
    .await["episode"]
        .clone();
    assert_eq!(episode["team"]["code"], "S1");
    act(
        &app,
        &worker,
        "recordAssessment",
        "mutation($input: RecordAssessmentInput!) { recordAssessment(input: $input) { assessment { id } userErrors { field code message } } }",
        json!({ "childId": child, "startedOn": today(), "authorisedOn": today(), "childSeen": true,
                "factors": ["MENTAL_HEALTH_PARENT", "NEGLECT"] }),
    )
    .await;
    let cin_plan = act(
        &app,
        &worker,
        "startPlan",
        "mutation($input: StartPlanInput!) { startPlan(input: $input) { plan { id version } userErrors { field code message } } }",
        json!({ "childId": child, "kind": "CHILD_IN_NEED", "startedOn": today(),
                "goals": [{ "description": "Breakfast club place", "ownerPractitionerId": s1_workers[0] }] }),
    )
    .await["plan"]
        .clone();

    // 4. Escalation: strategy discussion chaired by the LCPP, section 47, conference, CP plan.
    act(
        &app,
        &social_worker,
        "recordStrategyDiscussion",
        "mutation($input: RecordStrategyDiscussionInput!) { recordStrategyDiscussion(input: $input) { strategyDiscussion { id } userErrors { field code message } } }",
        json!({ "childId": child, "heldOn": today(), "chairPractitionerId": lcpp_id,
                "participants": participants, "decision": "SECTION_47" }),
    )
    .await;
    let enquiry = act(
        &app,
        &social_worker,
        "startSection47Enquiry",
        "mutation($input: StartSection47EnquiryInput!) { startSection47Enquiry(input: $input) { enquiry { id } userErrors { field code message } } }",
        json!({ "childId": child, "startedOn": today(), "leadPractitionerId": lcpp_id }),
    )
    .await["enquiry"]["id"]
        .clone();
    act(
        &app,
        &lcpp,
        "concludeSection47Enquiry",
        "mutation($input: ConcludeSection47EnquiryInput!) { concludeSection47Enquiry(input: $input) { enquiry { id } userErrors { field code message } } }",
        json!({ "enquiryId": enquiry, "concludedOn": today(), "outcome": "CONFERENCE" }),
    )
    .await;
    let conference = act(
        &app,
        &lcpp,
        "recordInitialChildProtectionConference",
        "mutation($input: RecordInitialConferenceInput!) { recordInitialChildProtectionConference(input: $input) { conference { id } userErrors { field code message } } }",
        json!({ "childId": child, "section47EnquiryId": enquiry, "heldOn": today(), "cpPlanStarted": true }),
    )
    .await["conference"]["id"]
        .clone();
    let cp_plan = act(
        &app,
        &lcpp,
        "startChildProtectionPlan",
        "mutation($input: StartChildProtectionPlanInput!) { startChildProtectionPlan(input: $input) {
            plan { id version initialCategory child { leadPractitioner { id } } } userErrors { field code message } } }",
        json!({ "childId": child, "conferenceId": conference, "startedOn": today(), "initialCategory": "NEGLECT" }),
    )
    .await["plan"]
        .clone();
    assert_eq!(cp_plan["initialCategory"], "NEGLECT");
    assert_eq!(
        cp_plan["child"]["leadPractitioner"]["id"],
        s1_workers[0].as_str(),
        "the family stays rooted in Family Help: same lead practitioner through child protection"
    );

    // 5. The family network: a grandparent, an FGDM offered, accepted and held, a network plan.
    let network = act(
        &app,
        &worker,
        "addNetworkMember",
        "mutation($input: AddNetworkMemberInput!) { addNetworkMember(input: $input) {
            member { id } network { id version } userErrors { field code message } } }",
        json!({ "familyId": family, "displayName": "Nan Rosemary", "kind": "RELATIVE",
                "relationshipToChild": "maternal grandmother", "willingness": "WILLING" }),
    )
    .await;
    let grandmother = id_of(&network["member"]["id"]);
    let meeting = act(
        &app,
        &worker,
        "offerFgdm",
        "mutation($input: OfferFgdmInput!) { offerFgdm(input: $input) { fgdmMeeting { id version } userErrors { field code message } } }",
        json!({ "familyNetworkId": network["network"]["id"], "offeredTo": "Mum and Nan Rosemary",
                "offeredOn": today(), "stage": "CHILD_PROTECTION" }),
    )
    .await["fgdmMeeting"]
        .clone();
    let accepted = act(
        &app,
        &worker,
        "respondToFgdmOffer",
        "mutation($input: RespondToFgdmOfferInput!) { respondToFgdmOffer(input: $input) { fgdmMeeting { id version } userErrors { field code message } } }",
        json!({ "fgdmMeetingId": meeting["id"], "version": meeting["version"], "response": "ACCEPTED", "respondedOn": today() }),
    )
    .await["fgdmMeeting"]
        .clone();
    act(
        &app,
        &worker,
        "recordFgdmMeeting",
        "mutation($input: RecordFgdmMeetingInput!) { recordFgdmMeeting(input: $input) { fgdmMeeting { id } userErrors { field code message } } }",
        json!({ "fgdmMeetingId": accepted["id"], "version": accepted["version"], "heldOn": today(),
                "facilitator": "Independent FGDM coordinator", "childAttended": true }),
    )
    .await;
    let network_plan = act(
        &app,
        &worker,
        "startPlan",
        "mutation($input: StartPlanInput!) { startPlan(input: $input) { plan { id version } userErrors { field code message } } }",
        json!({ "childId": child, "familyId": family, "kind": "FAMILY_NETWORK", "startedOn": today(),
                "goals": [{ "description": "School runs on Mondays and Wednesdays", "ownerNetworkMemberId": grandmother }] }),
    )
    .await["plan"]
        .clone();

    // 6. Step-down: the CP plan ends; a hand-off of the lead; the other plans end; closure.
    act(
        &app,
        &lcpp,
        "endChildProtectionPlan",
        "mutation($input: EndChildProtectionPlanInput!) { endChildProtectionPlan(input: $input) { plan { id } userErrors { field code message } } }",
        json!({ "planId": cp_plan["id"], "version": cp_plan["version"], "endedOn": today() }),
    )
    .await;
    act(
        &app,
        &manager,
        "allocateLeadPractitioner",
        "mutation($input: AllocateLeadPractitionerInput!) { allocateLeadPractitioner(input: $input) { involvement { id } userErrors { field code message } } }",
        json!({ "childId": child, "practitionerId": s1_workers[1], "startedOn": today(),
                "changeReason": "Lead practitioner moved to another collaborative" }),
    )
    .await;
    for plan in [&cin_plan, &network_plan] {
        act(
            &app,
            &worker,
            "endPlan",
            "mutation($input: EndPlanInput!) { endPlan(input: $input) { plan { id } userErrors { field code message } } }",
            json!({ "planId": plan["id"], "version": plan["version"], "endedOn": today() }),
        )
        .await;
    }
    let closed = act(
        &app,
        &manager,
        "closeFamilyHelpEpisode",
        "mutation($input: CloseFamilyHelpEpisodeInput!) { closeFamilyHelpEpisode(input: $input) {
            episode { closureReason } userErrors { field code message } } }",
        json!({ "episodeId": episode["id"], "version": episode["version"], "endedOn": today(), "reason": "SERVICES_CEASED" }),
    )
    .await;
    assert_eq!(closed["episode"]["closureReason"], "SERVICES_CEASED");
    // Closed: nobody in S1 holds the child any more, so the team no longer sees them; the
    // administrator does.
    let after = app
        .graphql(
            Some(&admin),
            "query($id: ID!) { node(id: $id) { ... on Person {
                leadPractitioner { id } leadPractitionerChanges plans(open: true) { id } } } }",
            json!({ "id": child }),
        )
        .await;
    let after = &after.data()["node"];
    assert_eq!(after["plans"], json!([]));
    assert!(after["leadPractitioner"].is_null());
    assert_eq!(after["leadPractitionerChanges"], 1, "one hand-off happened");
    let hidden = app
        .graphql(
            Some(&manager),
            "query($id: ID!) { node(id: $id) { id } }",
            json!({ "id": child }),
        )
        .await;
    assert_eq!(hidden.error_codes(), vec!["NOT_FOUND"]);

    // 7. The measures report it: one more hand-off, one more contact in the South, timed, and
    // one strategy discussion → conference interval.
    let (hand_offs_after, south_after) = measures(&app).await;
    assert_eq!(hand_offs_after - hand_offs_before, 1);
    let delta = |path: &[&str]| {
        let get = |v: &Value| {
            path.iter()
                .fold(v.clone(), |v, k| v[*k].clone())
                .as_i64()
                .unwrap()
        };
        get(&south_after) - get(&south_before)
    };
    assert_eq!(delta(&["contacts"]), 1);
    assert_eq!(
        delta(&["timeliness", "contactToDecisionMinutes", "count"]),
        1
    );
    assert_eq!(
        delta(&["timeliness", "strategyToConferenceDays", "count"]),
        1
    );
}
