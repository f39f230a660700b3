//! Family networks through the public API only: members (relationship required, the network's
//! version bumped on every change), an FGDM offered, accepted and held, a family network plan
//! with actions owned by network members, and a support package.

use familygraph_domain::Role;
use familygraph_tests::{Reply, TestApp};
use serde_json::{Value, json};

const RECORD_CONTACT: &str =
    "mutation($input: RecordContactInput!) { recordContact(input: $input) {
    contact { id version child { id } family { id } } userErrors { code field } } }";

const TRIAGE: &str = "mutation($input: TriageContactInput!) { triageContact(input: $input) {
    contact { routedTeam { code } } userErrors { code } } }";

const ADD_MEMBER: &str =
    "mutation($input: AddNetworkMemberInput!) { addNetworkMember(input: $input) {
    member { id displayName kind relationshipToChild willingness phone }
    network { id version family { id } }
    userErrors { field code message } } }";

const UPDATE_MEMBER: &str =
    "mutation($input: UpdateNetworkMemberInput!) { updateNetworkMember(input: $input) {
    member { id willingness phone relationshipToChild } network { version }
    userErrors { field code } } }";

const FGDM_FIELDS: &str =
    "fgdmMeeting { id version offeredTo offeredOn stage response respondedOn heldOn facilitator childAttended }
     userErrors { field code }";

const START_PLAN: &str = "mutation($input: StartPlanInput!) { startPlan(input: $input) {
    plan { id kind family { id } goals { description ownerNetworkMember { id displayName } } }
    userErrors { field code } } }";

fn payload<'a>(reply: &'a Reply, field: &str) -> &'a Value {
    &reply.data()[field]
}

fn codes(payload: &Value) -> Vec<String> {
    payload["userErrors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["code"].as_str().unwrap().to_owned())
        .collect()
}

fn today() -> String {
    chrono::Utc::now().date_naive().to_string()
}

async fn count(app: &TestApp, table: &str) -> i64 {
    app.count(&format!("SELECT COUNT(*) FROM {table}")).await
}

/// A new child and family through the front door, triaged to Family Help: returns the child's
/// and family's ids and the code of the locality team the contact was routed to.
async fn family_in_family_help(
    app: &TestApp,
    given_name: &str,
    family: &str,
) -> (String, String, String) {
    let front_door = app.token(Role::FrontDoorOfficer, Some("sw-ifd-01"), Some("IFD"));
    let reply = app
        .graphql(
            Some(&front_door),
            RECORD_CONTACT,
            json!({ "input": {
                "source": "HEALTH_VISITOR", "recordedBy": "A health visitor",
                "presentingConcern": "Parent struggling after a bereavement; asks for help.",
                "child": { "givenName": given_name, "familyName": "Netcase", "dateOfBirth": "2019-02-03",
                           "sex": "MALE",
                           "address": { "line1": "2 Example Row", "town": "Crewe", "postcode": "CW1 0ZZ",
                                        "lsoaCode": "E01018445" } },
                "family": { "name": family }
            } }),
        )
        .await;
    let recorded = payload(&reply, "recordContact");
    assert_eq!(codes(recorded), Vec::<String>::new(), "{recorded}");
    let contact = &recorded["contact"];
    let triaged = app
        .graphql(
            Some(&front_door),
            TRIAGE,
            json!({ "input": { "contactId": contact["id"], "version": contact["version"],
                               "decision": "FAMILY_HELP", "reason": "Family asks for support." } }),
        )
        .await;
    let team = payload(&triaged, "triageContact")["contact"]["routedTeam"]["code"]
        .as_str()
        .unwrap()
        .to_owned();
    (
        contact["child"]["id"].as_str().unwrap().to_owned(),
        contact["family"]["id"].as_str().unwrap().to_owned(),
        team,
    )
}

#[tokio::test]
async fn a_family_network_is_built_meets_and_makes_a_plan() {
    let app = TestApp::start().await;
    let (child_id, family_id, team) =
        family_in_family_help(&app, "Robin", "The Netcase family").await;
    let worker = app.token(Role::SocialWorker, Some("sw-network-test"), Some(&team));

    // A member without a relationship to the child is refused, and nothing is written (not
    // even the family's network).
    let (members_before, networks_before) = (
        count(&app, "network_member").await,
        count(&app, "family_network").await,
    );
    let refused = app
        .graphql(
            Some(&worker),
            ADD_MEMBER,
            json!({ "input": { "familyId": family_id, "displayName": "Aunt Jo", "kind": "RELATIVE" } }),
        )
        .await;
    let refused = payload(&refused, "addNetworkMember");
    assert_eq!(codes(refused), vec!["REQUIRED"], "{refused}");
    assert_eq!(
        refused["userErrors"][0]["field"],
        json!(["input", "relationshipToChild"])
    );
    assert!(refused["member"].is_null());
    assert_eq!(count(&app, "network_member").await, members_before);
    assert_eq!(count(&app, "family_network").await, networks_before);

    // The first member creates the family's network.
    let add_aunt = json!({ "input": {
        "idempotencyKey": "network-aunt-jo", "familyId": family_id, "displayName": "Aunt Jo",
        "kind": "RELATIVE", "relationshipToChild": "Mum's sister", "willingness": "WILLING",
        "phone": "07700 900123" } });
    let added = app
        .graphql(Some(&worker), ADD_MEMBER, add_aunt.clone())
        .await;
    let added = payload(&added, "addNetworkMember").clone();
    assert_eq!(codes(&added), Vec::<String>::new(), "{added}");
    assert_eq!(added["member"]["relationshipToChild"], "Mum's sister");
    assert_eq!(added["network"]["family"]["id"], family_id.as_str());
    assert_eq!(added["network"]["version"], 1);
    let aunt = added["member"]["id"].as_str().unwrap().to_owned();
    let network_id = added["network"]["id"].as_str().unwrap().to_owned();
    assert_eq!(count(&app, "family_network").await, networks_before + 1);
    // A retry with the same key adds nobody.
    let retry = app.graphql(Some(&worker), ADD_MEMBER, add_aunt).await;
    assert_eq!(
        payload(&retry, "addNetworkMember")["member"]["id"],
        aunt.as_str()
    );
    assert_eq!(count(&app, "network_member").await, members_before + 1);

    // A second member joins the network by its id and version; the version moves on.
    let neighbour = app
        .graphql(
            Some(&worker),
            ADD_MEMBER,
            json!({ "input": { "familyNetworkId": network_id, "version": 1, "displayName": "Mr Okafor",
                               "kind": "CONNECTED_PERSON", "relationshipToChild": "Neighbour who does the school run" } }),
        )
        .await;
    let neighbour = payload(&neighbour, "addNetworkMember");
    assert_eq!(neighbour["member"]["willingness"], "NOT_ASKED");
    assert_eq!(neighbour["network"]["version"], 2);

    // Updating a member with the network's stale version is a conflict and changes nothing.
    let stale = app
        .graphql(
            Some(&worker),
            UPDATE_MEMBER,
            json!({ "input": { "memberId": aunt, "version": 1, "willingness": "NOT_WILLING" } }),
        )
        .await;
    assert_eq!(stale.error_codes(), vec!["CONFLICT"]);
    let updated = app
        .graphql(
            Some(&worker),
            UPDATE_MEMBER,
            json!({ "input": { "memberId": aunt, "version": 2, "willingness": "WILLING_WITH_SUPPORT", "phone": "" } }),
        )
        .await;
    let updated = payload(&updated, "updateNetworkMember");
    assert_eq!(codes(updated), Vec::<String>::new(), "{updated}");
    assert_eq!(updated["member"]["willingness"], "WILLING_WITH_SUPPORT");
    assert!(updated["member"]["phone"].is_null());
    assert_eq!(updated["member"]["relationshipToChild"], "Mum's sister");
    assert_eq!(updated["network"]["version"], 3);
    let emptied = app
        .graphql(
            Some(&worker),
            UPDATE_MEMBER,
            json!({ "input": { "memberId": aunt, "version": 3, "relationshipToChild": " " } }),
        )
        .await;
    assert_eq!(
        codes(payload(&emptied, "updateNetworkMember")),
        vec!["REQUIRED"]
    );

    // An FGDM: offered, not held before it is accepted, accepted once, then held.
    let offered = app
        .graphql(
            Some(&worker),
            &format!("mutation($input: OfferFgdmInput!) {{ offerFgdm(input: $input) {{ {FGDM_FIELDS} }} }}"),
            json!({ "input": { "familyNetworkId": network_id, "offeredTo": "Mum and Aunt Jo",
                               "offeredOn": today(), "stage": "FAMILY_HELP" } }),
        )
        .await;
    let offer = payload(&offered, "offerFgdm")["fgdmMeeting"].clone();
    assert_eq!(offer["stage"], "FAMILY_HELP", "{}", offered.body);
    assert!(offer["response"].is_null());
    let record_meeting = format!(
        "mutation($input: RecordFgdmMeetingInput!) {{ recordFgdmMeeting(input: $input) {{ {FGDM_FIELDS} }} }}"
    );
    let too_soon = app
        .graphql(
            Some(&worker),
            &record_meeting,
            json!({ "input": { "fgdmMeetingId": offer["id"], "version": 1, "heldOn": today(),
                               "facilitator": "Independent FGDM coordinator", "childAttended": true } }),
        )
        .await;
    assert_eq!(
        codes(payload(&too_soon, "recordFgdmMeeting")),
        vec!["OFFER_NOT_ACCEPTED"]
    );
    let respond = format!(
        "mutation($input: RespondToFgdmOfferInput!) {{ respondToFgdmOffer(input: $input) {{ {FGDM_FIELDS} }} }}"
    );
    let accepted = app
        .graphql(
            Some(&worker),
            &respond,
            json!({ "input": { "fgdmMeetingId": offer["id"], "version": 1, "response": "ACCEPTED",
                               "respondedOn": today() } }),
        )
        .await;
    let accepted = payload(&accepted, "respondToFgdmOffer")["fgdmMeeting"].clone();
    assert_eq!(accepted["response"], "ACCEPTED");
    assert_eq!(accepted["version"], 2);
    let stale = app
        .graphql(
            Some(&worker),
            &record_meeting,
            json!({ "input": { "fgdmMeetingId": offer["id"], "version": 1, "heldOn": today(),
                               "facilitator": "Independent FGDM coordinator", "childAttended": true } }),
        )
        .await;
    assert_eq!(stale.error_codes(), vec!["CONFLICT"]);
    let held = app
        .graphql(
            Some(&worker),
            &record_meeting,
            json!({ "input": { "fgdmMeetingId": offer["id"], "version": 2, "heldOn": today(),
                               "facilitator": "Independent FGDM coordinator", "childAttended": true } }),
        )
        .await;
    let held = payload(&held, "recordFgdmMeeting")["fgdmMeeting"].clone();
    assert_eq!(held["heldOn"], today().as_str());
    assert_eq!(held["facilitator"], "Independent FGDM coordinator");
    assert_eq!(held["childAttended"], true);

    // The family network plan: an action owned by a member of this family's network is fine;
    // a member of another family's network is refused, and no plan is written.
    let (_, other_family, other_team) =
        family_in_family_help(&app, "Sam", "The Othercase family").await;
    let other_worker = app.token(
        Role::SocialWorker,
        Some("sw-network-test"),
        Some(&other_team),
    );
    let other = app
        .graphql(
            Some(&other_worker),
            ADD_MEMBER,
            json!({ "input": { "familyId": other_family, "displayName": "Grandad Ron", "kind": "RELATIVE",
                               "relationshipToChild": "Paternal grandfather" } }),
        )
        .await;
    let stranger = payload(&other, "addNetworkMember")["member"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let plans_before = count(&app, "plan").await;
    let refused = app
        .graphql(
            Some(&worker),
            START_PLAN,
            json!({ "input": { "childId": child_id, "familyId": family_id, "kind": "FAMILY_NETWORK",
                               "startedOn": today(),
                               "goals": [{ "description": "Grandad Ron has Robin overnight on Saturdays",
                                           "ownerNetworkMemberId": stranger }] } }),
        )
        .await;
    let refused = payload(&refused, "startPlan");
    // Both families live in the same LSOA, so the same team works with them and the worker
    // can see the other network's member: it is refused for belonging elsewhere.
    assert_eq!(team, other_team);
    assert_eq!(codes(refused), vec!["NOT_IN_NETWORK"], "{refused}");
    assert_eq!(
        refused["userErrors"][0]["field"],
        json!(["input", "goals.0.ownerNetworkMemberId"])
    );
    assert_eq!(count(&app, "plan").await, plans_before);
    let plan = app
        .graphql(
            Some(&worker),
            START_PLAN,
            json!({ "input": { "idempotencyKey": "network-plan-1", "childId": child_id, "familyId": family_id,
                               "kind": "FAMILY_NETWORK", "startedOn": today(),
                               "goals": [{ "description": "Aunt Jo collects Robin from school on Fridays",
                                           "ownerNetworkMemberId": aunt }] } }),
        )
        .await;
    let plan = payload(&plan, "startPlan");
    assert_eq!(codes(plan), Vec::<String>::new(), "{plan}");
    assert_eq!(plan["plan"]["kind"], "FAMILY_NETWORK");
    assert_eq!(
        plan["plan"]["goals"][0]["ownerNetworkMember"]["displayName"],
        "Aunt Jo"
    );
    // A family network plan is made with a family.
    let no_family = app
        .graphql(
            Some(&worker),
            START_PLAN,
            json!({ "input": { "childId": child_id, "kind": "FAMILY_NETWORK", "startedOn": today() } }),
        )
        .await;
    assert_eq!(codes(payload(&no_family, "startPlan")), vec!["REQUIRED"]);

    // Support packages: financial support needs an amount.
    let support = "mutation($input: RecordSupportPackageInput!) { recordSupportPackage(input: $input) {
        supportPackage { id kind description amountPence startedOn endedOn } userErrors { field code } } }";
    let packages_before = count(&app, "support_package").await;
    let no_amount = app
        .graphql(
            Some(&worker),
            support,
            json!({ "input": { "familyNetworkId": network_id, "kind": "FINANCIAL",
                               "description": "Travel costs for Aunt Jo", "startedOn": today() } }),
        )
        .await;
    assert_eq!(
        codes(payload(&no_amount, "recordSupportPackage")),
        vec!["REQUIRED"]
    );
    assert_eq!(count(&app, "support_package").await, packages_before);
    let package = app
        .graphql(
            Some(&worker),
            support,
            json!({ "input": { "familyNetworkId": network_id, "kind": "FINANCIAL", "amountPence": 15000,
                               "description": "Travel costs so Aunt Jo can collect Robin", "startedOn": today() } }),
        )
        .await;
    let package = &payload(&package, "recordSupportPackage")["supportPackage"];
    assert_eq!(package["kind"], "FINANCIAL", "{package}");
    assert_eq!(package["amountPence"], 15000);

    // The network reads back whole.
    let read = app
        .graphql(
            Some(&worker),
            "query($id: ID!) { node(id: $id) { ... on FamilyNetwork { version
                members { displayName willingness }
                fgdmMeetings { stage response heldOn childAttended }
                supportPackages { kind amountPence } } } }",
            json!({ "id": network_id }),
        )
        .await;
    let network = &read.data()["node"];
    assert_eq!(network["version"], 3);
    assert_eq!(network["members"].as_array().unwrap().len(), 2);
    assert_eq!(network["fgdmMeetings"][0]["response"], "ACCEPTED");
    assert_eq!(network["fgdmMeetings"][0]["childAttended"], true);
    assert_eq!(network["supportPackages"][0]["amountPence"], 15000);

    // Every change left an outbox event and a write audit row, in step.
    let fgdm_events = app
        .count("SELECT COUNT(*) FROM outbox_event WHERE aggregate_type = 'FgdmMeeting'")
        .await;
    assert_eq!(fgdm_events, 3);
    let events = count(&app, "outbox_event").await;
    let writes = app
        .count("SELECT COUNT(*) FROM audit_event WHERE action = 'WRITE'")
        .await;
    assert_eq!(writes, events);
}

#[tokio::test]
async fn callers_outside_the_network_work_are_refused() {
    let app = TestApp::start().await;
    let school = app.school_token(Role::SchoolDsl, "990101");
    let reply = app
        .graphql(
            Some(&school),
            ADD_MEMBER,
            json!({ "input": { "familyId": familygraph_graphql::global_id::encode("Family", uuid::Uuid::now_v7()).0,
                               "displayName": "Someone", "kind": "FRIEND", "relationshipToChild": "Friend" } }),
        )
        .await;
    assert_eq!(reply.error_codes(), vec!["FORBIDDEN"]);
    // A family the caller cannot see is unknown.
    let worker = app.token(Role::SocialWorker, Some("sw-network-test"), Some("N1"));
    let reply = app
        .graphql(
            Some(&worker),
            ADD_MEMBER,
            json!({ "input": { "familyId": familygraph_graphql::global_id::encode("Family", uuid::Uuid::now_v7()).0,
                               "displayName": "Someone", "kind": "FRIEND", "relationshipToChild": "Friend" } }),
        )
        .await;
    assert_eq!(
        codes(payload(&reply, "addNetworkMember")),
        vec!["UNKNOWN_RECORD"]
    );
}
