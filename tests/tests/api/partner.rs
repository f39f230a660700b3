//! Partner recording through the public API only: a school's concern becomes a front-door
//! contact with source `SCHOOLS` and keeps its lawful basis and agency; a school cannot record
//! about a child off its roll; a VCS group records the support it gave; a partner's link to a
//! child counts from its start date to its end date inclusive, by the UK date.

use chrono::{Duration, NaiveDate};
use familygraph_domain::{Role, calendar};
use familygraph_graphql::global_id;
use familygraph_store::entity::agency_link;
use familygraph_tests::{Reply, TestApp};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};
use uuid::Uuid;

const RECORD_FIELDS: &str = "partnerRecord { id kind description occurredOn lawfulBasis recordedBy
        agency { id kind name urn } child { id } }
    userErrors { field code message }";

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

fn concern_mutation() -> String {
    format!(
        "mutation($input: RecordPartnerConcernInput!) {{ recordPartnerConcern(input: $input) {{ {RECORD_FIELDS} }} }}"
    )
}

fn support_mutation() -> String {
    format!(
        "mutation($input: RecordPartnerSupportInput!) {{ recordPartnerSupport(input: $input) {{ {RECORD_FIELDS} }} }}"
    )
}

/// The first child a school's own token can see (a child on its roll).
async fn child_on_roll(app: &TestApp, urn: &str) -> Option<String> {
    let token = app.school_token(Role::SchoolDsl, urn);
    let reply = app
        .graphql(
            Some(&token),
            "{ children(first: 1) { edges { node { id } } } }",
            json!({}),
        )
        .await;
    reply.data()["children"]["edges"][0]["node"]["id"]
        .as_str()
        .map(str::to_owned)
}

#[tokio::test]
async fn a_school_concern_reaches_the_front_door_with_its_lawful_basis() {
    let app = TestApp::start().await;
    let urn = "990101";
    let school = app.school_token(Role::SchoolDsl, urn);
    let child = child_on_roll(&app, urn)
        .await
        .expect("the seeded primary school has children on roll");
    let contacts_before = count(&app, "contact").await;
    let reply = app
        .graphql(
            Some(&school),
            &concern_mutation(),
            json!({ "input": {
                "idempotencyKey": "school-concern-1", "childId": child,
                "description": "Arrives hungry most mornings; says there is no food at home.",
                "occurredOn": today(), "lawfulBasis": "SAFEGUARDING" } }),
        )
        .await;
    let recorded = payload(&reply, "recordPartnerConcern");
    assert_eq!(codes(recorded), Vec::<String>::new(), "{recorded}");
    let record = recorded["partnerRecord"].clone();
    assert_eq!(record["kind"], "CONCERN");
    assert_eq!(record["lawfulBasis"], "SAFEGUARDING");
    assert_eq!(record["agency"]["urn"], urn);
    assert_eq!(record["agency"]["kind"], "SCHOOL");
    assert_eq!(record["recordedBy"], format!("school-{urn}"));
    assert_eq!(record["child"]["id"], child.as_str());
    assert_eq!(count(&app, "contact").await, contacts_before + 1);
    // The contact it became is case detail: the school may not read it back…
    const OWN_RECORDS: &str = "query($id: ID!) { node(id: $id) { ... on Person {
        partnerRecords { id contact { id source } } } } }";
    let own_view = app
        .graphql(Some(&school), OWN_RECORDS, json!({ "id": child }))
        .await;
    let refusals = own_view.error_codes();
    assert!(
        !refusals.is_empty() && refusals.iter().all(|c| c == "FORBIDDEN"),
        "{}",
        own_view.body
    );
    let own_records = own_view.body["data"]["node"]["partnerRecords"]
        .as_array()
        .unwrap()
        .clone();
    assert!(
        own_records.iter().all(|r| r["contact"].is_null()),
        "{own_records:?}"
    );
    assert!(
        own_records.iter().any(|r| r["id"] == record["id"]),
        "{own_records:?}"
    );
    // …but the front door's contact carries the school as its source.
    let admin = app.admin_token();
    let linked = app
        .graphql(Some(&admin), OWN_RECORDS, json!({ "id": child }))
        .await;
    let record_contact = linked.data()["node"]["partnerRecords"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == record["id"])
        .unwrap()["contact"]
        .clone();
    assert_eq!(record_contact["source"], "SCHOOLS");

    // A retry with the same key records nothing more.
    let retry = app
        .graphql(
            Some(&school),
            &concern_mutation(),
            json!({ "input": {
                "idempotencyKey": "school-concern-1", "childId": child,
                "description": "Arrives hungry most mornings; says there is no food at home.",
                "occurredOn": today(), "lawfulBasis": "SAFEGUARDING" } }),
        )
        .await;
    assert_eq!(
        payload(&retry, "recordPartnerConcern")["partnerRecord"]["id"],
        record["id"]
    );
    assert_eq!(count(&app, "contact").await, contacts_before + 1);

    // The front door sees the contact, untriaged, with the school as its source.
    let front_door = app.token(Role::FrontDoorOfficer, Some("sw-ifd-01"), Some("IFD"));
    let seen = app
        .graphql(
            Some(&front_door),
            "query($id: ID!) { node(id: $id) { ... on Contact { source presentingConcern recordedBy
                triageDecision child { id partnerRecords { kind lawfulBasis agency { urn } contact { id } } } } } }",
            json!({ "id": record_contact["id"] }),
        )
        .await;
    let contact = &seen.data()["node"];
    assert_eq!(contact["source"], "SCHOOLS");
    assert!(contact["triageDecision"].is_null());
    assert!(
        contact["presentingConcern"]
            .as_str()
            .unwrap()
            .starts_with("Arrives hungry")
    );
    assert!(contact["recordedBy"].as_str().unwrap().contains("Larkspur"));
    let records = contact["child"]["partnerRecords"].as_array().unwrap();
    assert!(
        records.iter().any(|r| r["lawfulBasis"] == "SAFEGUARDING"
            && r["agency"]["urn"] == urn
            && r["contact"]["id"] == record_contact["id"]),
        "{records:?}"
    );

    // The record and its contact each wrote an outbox event and an audit row.
    let events = app
        .count(
            "SELECT COUNT(*) FROM outbox_event WHERE event_type IN ('PartnerConcernRecorded', 'ContactRecorded')",
        )
        .await;
    assert_eq!(events, 2);
    assert_eq!(
        count(&app, "outbox_event").await,
        app.count("SELECT COUNT(*) FROM audit_event WHERE action = 'WRITE'")
            .await
    );
}

#[tokio::test]
async fn a_school_cannot_record_about_a_child_off_its_roll() {
    let app = TestApp::start().await;
    let mut elsewhere = None;
    for urn in ["990110", "990109", "990108", "990107", "990106"] {
        if let Some(child) = child_on_roll(&app, urn).await {
            elsewhere = Some(child);
            break;
        }
    }
    let child = elsewhere.expect("another school has children on roll");
    let school = app.school_token(Role::SchoolDsl, "990101");
    let (records_before, contacts_before) = (
        count(&app, "partner_record").await,
        count(&app, "contact").await,
    );
    for mutation in [concern_mutation(), support_mutation()] {
        let reply = app
            .graphql(
                Some(&school),
                &mutation,
                json!({ "input": { "childId": child, "description": "Seemed upset at drop-off.",
                                   "occurredOn": today(), "lawfulBasis": "PUBLIC_TASK" } }),
            )
            .await;
        let field = if mutation.contains("Concern") {
            "recordPartnerConcern"
        } else {
            "recordPartnerSupport"
        };
        let refused = payload(&reply, field);
        assert_eq!(codes(refused), vec!["UNKNOWN_RECORD"], "{refused}");
        assert_eq!(
            refused["userErrors"][0]["field"],
            json!(["input", "childId"])
        );
        assert!(refused["partnerRecord"].is_null());
    }
    assert_eq!(count(&app, "partner_record").await, records_before);
    assert_eq!(count(&app, "contact").await, contacts_before);

    // Roles that are not partners may not record as one.
    let worker = app.token(Role::FamilyHelpPractitioner, Some("fw-s1-01"), Some("S1"));
    let reply = app
        .graphql(
            Some(&worker),
            &support_mutation(),
            json!({ "input": { "childId": child, "description": "x", "occurredOn": today(),
                               "lawfulBasis": "CONSENT" } }),
        )
        .await;
    assert_eq!(reply.error_codes(), vec!["FORBIDDEN"]);
}

/// A child a VCS group knows (an open `KNOWN_TO` link), with the group's id and name.
async fn child_known_to_a_vcs_group(app: &TestApp) -> (String, String, String) {
    let admin = app.admin_token();
    let mut after: Option<String> = None;
    loop {
        let reply = app
            .graphql(
                Some(&admin),
                "query($after: String) { children(first: 100, after: $after) {
                    pageInfo { hasNextPage endCursor }
                    edges { node { id agencyLinks { kind endedOn agency { id kind name } } } } } }",
                json!({ "after": after }),
            )
            .await;
        let page = &reply.data()["children"];
        for edge in page["edges"].as_array().unwrap() {
            for link in edge["node"]["agencyLinks"].as_array().unwrap() {
                if link["kind"] == "KNOWN_TO"
                    && link["endedOn"].is_null()
                    && link["agency"]["kind"] == "VCS"
                {
                    return (
                        edge["node"]["id"].as_str().unwrap().to_owned(),
                        link["agency"]["id"].as_str().unwrap().to_owned(),
                        link["agency"]["name"].as_str().unwrap().to_owned(),
                    );
                }
            }
        }
        assert!(
            page["pageInfo"]["hasNextPage"].as_bool().unwrap(),
            "no child known to a VCS group in the seed"
        );
        after = page["pageInfo"]["endCursor"].as_str().map(str::to_owned);
    }
}

#[tokio::test]
async fn a_vcs_group_records_the_support_it_gave() {
    let app = TestApp::start().await;
    let (child, agency, name) = child_known_to_a_vcs_group(&app).await;
    // The seed's VCS workers: vcs-01 works for Lanternlight, vcs-02 for Hollybush.
    let (subject, other_subject) = if name.starts_with("Lanternlight") {
        ("vcs-01", "vcs-02")
    } else {
        ("vcs-02", "vcs-01")
    };
    let contacts_before = count(&app, "contact").await;
    let vcs = app.token(Role::VcsPartner, Some(subject), None);
    let reply = app
        .graphql(
            Some(&vcs),
            &support_mutation(),
            json!({ "input": { "agencyId": agency, "childId": child,
                               "description": "Weekly food parcel and a place at the holiday club.",
                               "occurredOn": today(), "lawfulBasis": "CONSENT" } }),
        )
        .await;
    let recorded = payload(&reply, "recordPartnerSupport");
    assert_eq!(codes(recorded), Vec::<String>::new(), "{recorded}");
    let record = &recorded["partnerRecord"];
    assert_eq!(record["kind"], "SUPPORT");
    assert_eq!(record["lawfulBasis"], "CONSENT");
    assert_eq!(record["agency"]["name"], name.as_str());
    assert_eq!(
        count(&app, "contact").await,
        contacts_before,
        "support is no front-door contact"
    );
    // Nor does the VCS group read the child's record by recording about them.
    assert!(record["child"].is_null());

    // A VCS worker records only for their own group.
    let other = app.token(Role::VcsPartner, Some(other_subject), None);
    let reply = app
        .graphql(
            Some(&other),
            &support_mutation(),
            json!({ "input": { "agencyId": agency, "childId": child, "description": "Food parcel",
                               "occurredOn": today(), "lawfulBasis": "CONSENT" } }),
        )
        .await;
    let refused = payload(&reply, "recordPartnerSupport");
    assert!(
        codes(refused).contains(&"INVALID_VALUE".to_owned()),
        "{refused}"
    );

    // A practitioner reads the support back, with its source and lawful basis.
    let read = app
        .graphql(
            Some(&app.admin_token()),
            "query($id: ID!) { node(id: $id) { ... on Person { partnerRecords { kind lawfulBasis agency { name } } } } }",
            json!({ "id": child }),
        )
        .await;
    let records = read.data()["node"]["partnerRecords"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(records.len(), 1, "{records:?}");
    assert_eq!(records[0]["agency"]["name"], name.as_str());
}

/// Sets the dates of every `kind` link between the person and the agency (global ids).
async fn set_link_dates(
    app: &TestApp,
    (person, agency): (&str, &str),
    kind: &str,
    (started_on, ended_on): (NaiveDate, Option<NaiveDate>),
) {
    let uuid = |id: &str| global_id::decode("id", &id.into()).unwrap().1;
    let links = agency_link::Entity::find()
        .filter(agency_link::Column::PersonId.eq(uuid(person)))
        .filter(agency_link::Column::AgencyId.eq(uuid(agency)))
        .filter(agency_link::Column::Kind.eq(kind))
        .all(&app.db)
        .await
        .unwrap();
    assert!(!links.is_empty(), "no {kind} link of {person} to {agency}");
    for link in links {
        let mut active: agency_link::ActiveModel = link.into();
        active.started_on = Set(started_on);
        active.ended_on = Set(ended_on);
        active.update(&app.db).await.unwrap();
    }
}

/// The agency (global id) of the school with this URN.
async fn school_agency(app: &TestApp, urn: &str) -> String {
    let id: Uuid = familygraph_store::entity::agency::Entity::find()
        .filter(familygraph_store::entity::agency::Column::Urn.eq(urn))
        .one(&app.db)
        .await
        .unwrap()
        .expect("the seeded school")
        .id;
    global_id::encode("Agency", id).0
}

/// Whether `token` may record support about `child` (else the child is unknown to it).
async fn may_record_support(app: &TestApp, token: &str, agency: Option<&str>, child: &str) -> bool {
    let reply = app
        .graphql(
            Some(token),
            &support_mutation(),
            json!({ "input": { "agencyId": agency, "childId": child,
                               "description": "Came to the after-school club.",
                               "occurredOn": today(), "lawfulBasis": "CONSENT" } }),
        )
        .await;
    let payload = payload(&reply, "recordPartnerSupport");
    match codes(payload).as_slice() {
        [] => true,
        [code] if code == "UNKNOWN_RECORD" => {
            assert_eq!(
                payload["userErrors"][0]["field"],
                json!(["input", "childId"])
            );
            false
        }
        other => panic!("unexpected errors {other:?}: {payload}"),
    }
}

#[tokio::test]
async fn a_partners_link_counts_from_its_start_date_to_its_end_date_inclusive() {
    let app = TestApp::start().await;
    // A VCS group records through its agency link (it reaches no child in its scope)…
    let (vcs_child, vcs_agency, name) = child_known_to_a_vcs_group(&app).await;
    let subject = if name.starts_with("Lanternlight") {
        "vcs-01"
    } else {
        "vcs-02"
    };
    let vcs = app.token(Role::VcsPartner, Some(subject), None);
    // …a school through its row scope, the children on its roll.
    let urn = "990101";
    let pupil = child_on_roll(&app, urn)
        .await
        .expect("the seeded primary school has children on roll");
    let school_id = school_agency(&app, urn).await;
    let school = app.school_token(Role::SchoolDsl, urn);

    let today = calendar::uk_today();
    let long_ago = today - Duration::days(400);
    for (dates, current) in [
        ((today + Duration::days(1), None), false),
        ((today + Duration::days(30), None), false),
        ((today, None), true),
        ((long_ago, None), true),
        ((long_ago, Some(today + Duration::days(30))), true),
        ((long_ago, Some(today)), true),
        ((long_ago, Some(today - Duration::days(1))), false),
        ((long_ago, Some(today - Duration::days(200))), false),
    ] {
        set_link_dates(&app, (&vcs_child, &vcs_agency), "KNOWN_TO", dates).await;
        assert_eq!(
            may_record_support(&app, &vcs, Some(&vcs_agency), &vcs_child).await,
            current,
            "VCS group, link {dates:?} on {today}"
        );
        set_link_dates(&app, (&pupil, &school_id), "ON_ROLL", dates).await;
        assert_eq!(
            may_record_support(&app, &school, None, &pupil).await,
            current,
            "school, enrolment {dates:?} on {today}"
        );
        // The school's reading of the pupil follows the same rule.
        let read = app
            .graphql(
                Some(&school),
                "query($id: ID!) { node(id: $id) { id } }",
                json!({ "id": pupil }),
            )
            .await;
        assert_eq!(
            read.body["data"]["node"].is_null(),
            !current,
            "school reading, enrolment {dates:?} on {today}: {}",
            read.body
        );
    }
}
