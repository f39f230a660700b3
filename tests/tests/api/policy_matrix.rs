//! The access policy, cell by cell, against the running API: every role × relation × field
//! class × operation, with the expectations generated from `policy/familygraph-policy.toml` (the
//! same file the server loads), so a change to the policy changes what this test demands.
//!
//! For each role, a fresh database gets one synthetic child per relation (allocated to the
//! caller, held by the caller's team, by another team in the caller's locality, in the front
//! door's queue, on the caller's school roll, known to the caller's agency, in an active child
//! protection process, under a break-glass grant, and unrelated). The caller then:
//! - reads each child by `node(id:)`, probing one field of every class: a child outside every
//!   relation the role holds answers exactly like an unknown id; inside, each field answers or
//!   is `FORBIDDEN` as the role's classes say, and partner records appear by source;
//! - attempts every operation on each child: `FORBIDDEN` unless the role holds the operation,
//!   then "no such child" exactly when the child is outside the role's relations.
//!
//! `docs/policy-matrix.md` (checked against the policy by a unit test) is the readable form.

use std::collections::BTreeSet;

use chrono::{Duration, NaiveDate, Utc};
use familygraph_domain::workflow::Operation;
use familygraph_domain::{FieldClass, Policy, Relation, Role};
use familygraph_graphql::global_id;
use familygraph_store::entity::{
    agency, agency_link, break_glass_grant, contact, family, family_member, involvement,
    partner_record, person, practitioner, section47_enquiry, team,
};
use familygraph_tests::{Reply, TestApp};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};
use uuid::Uuid;

const SUBJECT: &str = "matrix-caller";
const TEAM: &str = "S1";
const OTHER_TEAM_SAME_LOCALITY: &str = "S2";
const TEAM_ELSEWHERE: &str = "N1";
const SCHOOL_URN: &str = "990177";
const OTHER_SCHOOL_URN: &str = "990178";
const AGENCY_ODS: &str = "Z99977";

/// One probe child: the relations it stands in to the caller.
struct Fixture {
    label: &'static str,
    relations: BTreeSet<Relation>,
    person_id: Uuid,
    family_id: Uuid,
    contact_id: Uuid,
}

/// The sources of the partner records every fixture child carries.
const SOURCES: &[(&str, &str)] = &[
    ("own school", "SCHOOL"),
    ("other school", "SCHOOL"),
    ("police", "POLICE_FORCE"),
    ("health", "GP_PRACTICE"),
    ("own group", "VCS"),
];

struct World {
    fixtures: Vec<Fixture>,
    /// The partner-record sources: agency id, name, kind.
    agencies: Vec<(Uuid, &'static str, &'static str)>,
}

async fn team_id(app: &TestApp, code: &str) -> Uuid {
    team::Entity::find()
        .filter(team::Column::Code.eq(code))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap_or_else(|| panic!("seeded team {code}"))
        .id
}

async fn new_agency(
    app: &TestApp,
    kind: &str,
    name: &str,
    urn: Option<&str>,
    ods: Option<&str>,
) -> Uuid {
    let id = Uuid::now_v7();
    agency::ActiveModel {
        id: Set(id),
        kind: Set(kind.to_owned()),
        name: Set(name.to_owned()),
        urn: Set(urn.map(str::to_owned)),
        ods_code: Set(ods.map(str::to_owned)),
    }
    .insert(&app.db)
    .await
    .unwrap();
    id
}

async fn new_practitioner(app: &TestApp, subject: &str, council: Uuid) -> Uuid {
    let id = Uuid::now_v7();
    practitioner::ActiveModel {
        id: Set(id),
        subject: Set(Some(subject.to_owned())),
        given_name: Set("Matrix".to_owned()),
        family_name: Set(format!("Practitioner {subject}")),
        role: Set("FAMILY_HELP_WORKER".to_owned()),
        agency_id: Set(council),
        registration_number: Set(None),
        email: Set(Some(format!("{subject}@council.invalid"))),
    }
    .insert(&app.db)
    .await
    .unwrap();
    id
}

fn days_ago(days: i64) -> NaiveDate {
    (Utc::now() - Duration::days(days)).date_naive()
}

/// A child with a family (and a parent), a contact decided long ago (outside the front door's
/// recent view), an open Family Help plan, and partner records from every source.
async fn new_child(
    app: &TestApp,
    label: &str,
    agencies: &[(Uuid, &str, &str)],
) -> (Uuid, Uuid, Uuid) {
    let person_id = Uuid::now_v7();
    person::ActiveModel {
        id: Set(person_id),
        given_name: Set(format!("Probe {label}")),
        family_name: Set("Matrixson".to_owned()),
        date_of_birth: Set(Some(days_ago(9 * 365))),
        expected_date_of_birth: Set(None),
        sex: Set("U".to_owned()),
        ethnicity: Set(None),
        send_status: Set("NONE".to_owned()),
        level_of_need: Set(Some(2)),
        is_child: Set(true),
        created_at: Set(Utc::now()),
        version: Set(1),
    }
    .insert(&app.db)
    .await
    .unwrap();
    let family_id = Uuid::now_v7();
    family::ActiveModel {
        id: Set(family_id),
        name: Set(format!("Matrixson ({label})")),
        created_at: Set(Utc::now()),
        version: Set(1),
    }
    .insert(&app.db)
    .await
    .unwrap();
    family_member::ActiveModel {
        id: Set(Uuid::now_v7()),
        family_id: Set(family_id),
        person_id: Set(person_id),
        role: Set("CHILD".to_owned()),
        household: Set("Home".to_owned()),
        started_on: Set(days_ago(9 * 365)),
        ended_on: Set(None),
    }
    .insert(&app.db)
    .await
    .unwrap();
    let contact_id = Uuid::now_v7();
    contact::ActiveModel {
        id: Set(contact_id),
        person_id: Set(person_id),
        family_id: Set(Some(family_id)),
        received_at: Set(Utc::now() - Duration::days(60)),
        source: Set("1A".to_owned()),
        presenting_concern: Set("Probe contact, long since decided.".to_owned()),
        recorded_by: Set(Some("Matrix front door".to_owned())),
        triage_decision: Set(Some("NO_FURTHER_ACTION".to_owned())),
        triage_reason: Set(Some("Probe".to_owned())),
        decided_at: Set(Some(Utc::now() - Duration::days(59))),
        decided_by_id: Set(None),
        routed_team_id: Set(None),
        version: Set(2),
    }
    .insert(&app.db)
    .await
    .unwrap();
    familygraph_store::entity::plan::ActiveModel {
        id: Set(Uuid::now_v7()),
        person_id: Set(person_id),
        family_id: Set(Some(family_id)),
        kind: Set("FAMILY_HELP".to_owned()),
        started_on: Set(days_ago(30)),
        ended_on: Set(None),
        initial_category: Set(None),
        latest_category: Set(None),
        version: Set(1),
    }
    .insert(&app.db)
    .await
    .unwrap();
    for (agency_id, name, _) in agencies {
        partner_record::ActiveModel {
            id: Set(Uuid::now_v7()),
            agency_id: Set(*agency_id),
            person_id: Set(Some(person_id)),
            family_id: Set(None),
            kind: Set("SUPPORT".to_owned()),
            description: Set(format!("Support from the {name}")),
            occurred_on: Set(days_ago(10)),
            lawful_basis: Set("CONSENT".to_owned()),
            recorded_by: Set(format!("{name} worker")),
            contact_id: Set(None),
            created_at: Set(Utc::now()),
        }
        .insert(&app.db)
        .await
        .unwrap();
    }
    (person_id, family_id, contact_id)
}

async fn involve(app: &TestApp, person_id: Uuid, practitioner_id: Uuid, team_id: Uuid) {
    involvement::ActiveModel {
        id: Set(Uuid::now_v7()),
        person_id: Set(person_id),
        practitioner_id: Set(practitioner_id),
        team_id: Set(Some(team_id)),
        role: Set("FAMILY_HELP_LEAD".to_owned()),
        started_on: Set(days_ago(20)),
        ended_on: Set(None),
        change_reason: Set(None),
        version: Set(1),
    }
    .insert(&app.db)
    .await
    .unwrap();
}

async fn link(app: &TestApp, person_id: Uuid, agency_id: Uuid, kind: &str) {
    agency_link::ActiveModel {
        id: Set(Uuid::now_v7()),
        person_id: Set(person_id),
        agency_id: Set(agency_id),
        kind: Set(kind.to_owned()),
        started_on: Set(days_ago(100)),
        ended_on: Set(None),
        year_group: Set(None),
    }
    .insert(&app.db)
    .await
    .unwrap();
}

/// One child per relation, plus an unrelated one, in the app's database.
async fn build_world(app: &TestApp) -> World {
    let council = new_agency(app, "LOCAL_AUTHORITY", "Matrix council", None, None).await;
    let own_school = new_agency(app, "SCHOOL", "Matrix own school", Some(SCHOOL_URN), None).await;
    let other_school = new_agency(
        app,
        "SCHOOL",
        "Matrix other school",
        Some(OTHER_SCHOOL_URN),
        None,
    )
    .await;
    let police = new_agency(app, "POLICE_FORCE", "Matrix police", None, Some("Z99978")).await;
    let health = new_agency(app, "GP_PRACTICE", "Matrix health", None, Some("Z99979")).await;
    let own_group = new_agency(app, "VCS", "Matrix own group", None, Some(AGENCY_ODS)).await;
    let agencies = vec![
        (own_school, SOURCES[0].0, SOURCES[0].1),
        (other_school, SOURCES[1].0, SOURCES[1].1),
        (police, SOURCES[2].0, SOURCES[2].1),
        (health, SOURCES[3].0, SOURCES[3].1),
        (own_group, SOURCES[4].0, SOURCES[4].1),
    ];
    let caller = new_practitioner(app, SUBJECT, council).await;
    let colleague = new_practitioner(app, "matrix-colleague", council).await;
    let home_team = team_id(app, TEAM).await;
    let neighbour_team = team_id(app, OTHER_TEAM_SAME_LOCALITY).await;
    let far_team = team_id(app, TEAM_ELSEWHERE).await;

    let mut fixtures = Vec::new();
    let cases: &[(&'static str, &[Relation])] = &[
        ("allocated", &[Relation::Allocated]),
        ("team", &[Relation::Team, Relation::Locality]),
        ("locality", &[Relation::Locality]),
        ("front door queue", &[Relation::FrontDoorQueue]),
        ("on roll", &[Relation::OnRoll]),
        ("working with", &[Relation::WorkingWith]),
        (
            "active child protection",
            &[Relation::ActiveChildProtection],
        ),
        ("break glass", &[Relation::BreakGlass]),
        ("unrelated", &[]),
    ];
    for (label, relations) in cases {
        let (person_id, family_id, contact_id) = new_child(app, label, &agencies).await;
        match *label {
            // Allocated to the caller, in a team of another locality.
            "allocated" => involve(app, person_id, caller, far_team).await,
            "team" => involve(app, person_id, colleague, home_team).await,
            "locality" => involve(app, person_id, colleague, neighbour_team).await,
            "front door queue" => {
                contact::ActiveModel {
                    id: Set(Uuid::now_v7()),
                    person_id: Set(person_id),
                    family_id: Set(Some(family_id)),
                    received_at: Set(Utc::now() - Duration::hours(2)),
                    source: Set("1A".to_owned()),
                    presenting_concern: Set("Probe contact awaiting triage.".to_owned()),
                    recorded_by: Set(Some("Matrix front door".to_owned())),
                    triage_decision: Set(None),
                    triage_reason: Set(None),
                    decided_at: Set(None),
                    decided_by_id: Set(None),
                    routed_team_id: Set(None),
                    version: Set(1),
                }
                .insert(&app.db)
                .await
                .unwrap();
            }
            "on roll" => link(app, person_id, own_school, "ON_ROLL").await,
            "working with" => link(app, person_id, own_group, "KNOWN_TO").await,
            "active child protection" => {
                section47_enquiry::ActiveModel {
                    id: Set(Uuid::now_v7()),
                    person_id: Set(person_id),
                    started_on: Set(days_ago(3)),
                    concluded_on: Set(None),
                    outcome: Set(None),
                    lead_practitioner_id: Set(None),
                }
                .insert(&app.db)
                .await
                .unwrap();
            }
            "break glass" => {
                break_glass_grant::ActiveModel {
                    id: Set(Uuid::now_v7()),
                    person_id: Set(person_id),
                    subject: Set(SUBJECT.to_owned()),
                    client_id: Set(None),
                    roles: Set("social_worker".to_owned()),
                    reason: Set("Probe grant for the policy matrix test.".to_owned()),
                    granted_at: Set(Utc::now() - Duration::minutes(5)),
                    expires_at: Set(Utc::now() + Duration::hours(1)),
                    reviewed_at: Set(None),
                    reviewed_by: Set(None),
                    review_outcome: Set(None),
                    review_note: Set(None),
                    version: Set(1),
                }
                .insert(&app.db)
                .await
                .unwrap();
            }
            _ => {}
        }
        fixtures.push(Fixture {
            label,
            relations: relations.iter().copied().collect(),
            person_id,
            family_id,
            contact_id,
        });
    }
    World { fixtures, agencies }
}

/// The caller's token: schools name their URN, everyone else the group's ODS code as agency.
fn token(app: &TestApp, role: Role) -> String {
    if is_school(role) {
        app.token_for(role, SUBJECT, Some(TEAM), Some(SCHOOL_URN), None)
    } else {
        app.token_for(role, SUBJECT, Some(TEAM), None, Some(AGENCY_ODS))
    }
}

fn is_school(role: Role) -> bool {
    matches!(role, Role::SchoolDsl | Role::SchoolMisIntegration)
}

fn person_id(id: Uuid) -> String {
    global_id::encode("Person", id).0
}

/// A field of each class, on a Person.
const CLASS_PROBES: &[(FieldClass, &str, &str)] = &[
    (FieldClass::Identity, "givenName", "givenName"),
    (FieldClass::CaseSummary, "plans", "plans { id kind }"),
    (FieldClass::CaseDetail, "contacts", "contacts { id }"),
    (
        FieldClass::SensitiveDetail,
        "strategyDiscussions",
        "strategyDiscussions { id }",
    ),
    (
        FieldClass::PartnerView,
        "partnerView",
        "partnerView { leadPractitionerAllocated hasOpenPlan }",
    ),
    (
        FieldClass::PartnerRecordsOwn,
        "partnerRecords",
        "partnerRecords { agency { name } }",
    ),
    (
        FieldClass::EducationRecords,
        "attendance",
        "attendance { sessionsPossible }",
    ),
    (
        FieldClass::AuditTrail,
        "accessLog",
        "accessLog(first: 1) { totalCount }",
    ),
];

fn read_query() -> String {
    let fields: Vec<&str> = CLASS_PROBES.iter().map(|(_, _, f)| *f).collect();
    format!(
        "query Probe($id: ID!) {{ node(id: $id) {{ ... on Person {{ id {} }} }} }}",
        fields.join(" ")
    )
}

/// The errors of a reply at `node.<field>`.
fn forbidden_fields(reply: &Reply) -> BTreeSet<String> {
    reply.body["errors"]
        .as_array()
        .map(|errors| {
            errors
                .iter()
                .filter(|e| e["extensions"]["code"] == "FORBIDDEN")
                .filter_map(|e| e["path"].as_array()?.get(1)?.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

fn reaches(policy: &Policy, role: Role, fixture: &Fixture) -> bool {
    let grant = policy.role(role);
    grant.relations.contains(&Relation::AllChildren)
        || fixture
            .relations
            .iter()
            .any(|r| grant.relations.contains(r))
}

/// Which partner-record sources the role sees.
fn expected_sources(policy: &Policy, role: Role, world: &World) -> BTreeSet<String> {
    let classes = &policy.role(role).classes;
    let own = |name: &str| {
        if is_school(role) {
            name == "own school"
        } else {
            name == "own group"
        }
    };
    world
        .agencies
        .iter()
        .filter(|(_, name, kind)| {
            let by_source = match *kind {
                "SCHOOL" => classes.contains(&FieldClass::PartnerRecordsEducation),
                "POLICE_FORCE" => classes.contains(&FieldClass::PartnerRecordsPolice),
                "GP_PRACTICE" => classes.contains(&FieldClass::PartnerRecordsHealth),
                _ => classes.contains(&FieldClass::PartnerRecordsCommunity),
            };
            by_source || (classes.contains(&FieldClass::PartnerRecordsOwn) && own(name))
        })
        .map(|(_, name, _)| format!("Matrix {name}"))
        .collect()
}

async fn check_reads(app: &TestApp, policy: &Policy, role: Role, world: &World) -> usize {
    let token = token(app, role);
    let query = read_query();
    let unknown = app
        .graphql(
            Some(&token),
            &query,
            json!({ "id": person_id(Uuid::now_v7()) }),
        )
        .await;
    assert_eq!(
        unknown.error_codes(),
        vec!["NOT_FOUND"],
        "{role}: unknown id: {}",
        unknown.body
    );
    let mut cells = 0;
    for fixture in &world.fixtures {
        let reply = app
            .graphql(
                Some(&token),
                &query,
                json!({ "id": person_id(fixture.person_id) }),
            )
            .await;
        let at = format!("{role} reading the {} child", fixture.label);
        if !reaches(policy, role, fixture) {
            assert_eq!(
                reply.body, unknown.body,
                "{at}: must look exactly like an unknown id"
            );
            cells += CLASS_PROBES.len();
            continue;
        }
        let node = &reply.body["data"]["node"];
        assert_eq!(
            node["id"],
            person_id(fixture.person_id).as_str(),
            "{at}: {}",
            reply.body
        );
        let forbidden = forbidden_fields(&reply);
        for (class, field, _) in CLASS_PROBES {
            let granted = policy.role(role).classes.contains(class);
            assert_eq!(
                !forbidden.contains(*field),
                granted,
                "{at}: field {field} ({class}) — {}",
                reply.body
            );
            if granted {
                assert!(!node[*field].is_null(), "{at}: {field} granted but null");
            } else {
                assert!(node[*field].is_null(), "{at}: {field} withheld but present");
            }
            cells += 1;
        }
        if policy
            .role(role)
            .classes
            .contains(&FieldClass::PartnerRecordsOwn)
        {
            let seen: BTreeSet<String> = node["partnerRecords"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r["agency"]["name"].as_str().unwrap().to_owned())
                .collect();
            assert_eq!(
                seen,
                expected_sources(policy, role, world),
                "{at}: partner records by source"
            );
        }
        // The open plan shows through the partner view whatever the plan's own class.
        if policy.role(role).classes.contains(&FieldClass::PartnerView) {
            assert_eq!(node["partnerView"]["hasOpenPlan"], true, "{at}");
        }
    }
    cells
}

/// A mutation that attempts `operation` on the fixture's child with input the rules reject
/// after the child is looked up (nothing is written): the field naming the child, and the
/// document with its variables.
fn operation_probe(operation: Operation, fixture: &Fixture) -> (&'static str, &'static str, Value) {
    let child = person_id(fixture.person_id);
    let tomorrow = (Utc::now() + Duration::days(2)).date_naive().to_string();
    let errors = "userErrors { field code }";
    match operation {
        Operation::RecordContact => (
            "recordContact",
            "child.id",
            json!({ "doc": format!("mutation($input: RecordContactInput!) {{ recordContact(input: $input) {{ {errors} }} }}"),
                    "input": { "receivedAt": (Utc::now() + Duration::days(2)).to_rfc3339(), "source": "INDIVIDUAL_FAMILY",
                               "recordedBy": "", "presentingConcern": "", "child": { "id": child } } }),
        ),
        Operation::TriageContact => (
            "triageContact",
            "contactId",
            json!({ "doc": format!("mutation($input: TriageContactInput!) {{ triageContact(input: $input) {{ {errors} }} }}"),
                    "input": { "contactId": global_id::encode("Contact", fixture.contact_id).0, "version": 1,
                               "decision": "NO_FURTHER_ACTION", "reason": "" } }),
        ),
        Operation::FamilyHelpCasework => (
            "openFamilyHelpEpisode",
            "childId",
            json!({ "doc": format!("mutation($input: OpenFamilyHelpEpisodeInput!) {{ openFamilyHelpEpisode(input: $input) {{ {errors} }} }}"),
                    "input": { "childId": child, "familyId": global_id::encode("Family", fixture.family_id).0,
                               "level": "TARGETED_EARLY_HELP", "startedOn": tomorrow } }),
        ),
        Operation::ChildProtection => (
            "startSection47Enquiry",
            "childId",
            json!({ "doc": format!("mutation($input: StartSection47EnquiryInput!) {{ startSection47Enquiry(input: $input) {{ {errors} }} }}"),
                    "input": { "childId": child, "startedOn": tomorrow,
                               "leadPractitionerId": global_id::encode("Practitioner", Uuid::now_v7()).0 } }),
        ),
        Operation::FamilyNetworkWork => (
            "addNetworkMember",
            "familyId",
            json!({ "doc": format!("mutation($input: AddNetworkMemberInput!) {{ addNetworkMember(input: $input) {{ {errors} }} }}"),
                    "input": { "familyId": global_id::encode("Family", fixture.family_id).0,
                               "displayName": "", "kind": "RELATIVE" } }),
        ),
        Operation::PartnerRecording => (
            "recordPartnerConcern",
            "childId",
            json!({ "doc": format!("mutation($input: RecordPartnerConcernInput!) {{ recordPartnerConcern(input: $input) {{ {errors} }} }}"),
                    "input": { "childId": child, "description": "", "occurredOn": tomorrow,
                               "lawfulBasis": "SAFEGUARDING" } }),
        ),
        Operation::InformationSharing => (
            "recordInformationShareDecision",
            "childId",
            json!({ "doc": format!("mutation($input: RecordInformationShareDecisionInput!) {{ recordInformationShareDecision(input: $input) {{ {errors} }} }}"),
                    "input": { "childId": child, "agencyId": global_id::encode("Agency", Uuid::now_v7()).0,
                               "decision": "WITHHOLD", "lawfulBasis": "SAFEGUARDING", "reason": "" } }),
        ),
        Operation::BreakGlass => (
            "requestBreakGlassAccess",
            "",
            json!({ "doc": format!("mutation($input: RequestBreakGlassAccessInput!) {{ requestBreakGlassAccess(input: $input) {{ {errors} }} }}"),
                    "input": { "child": { "kind": "NHS_NUMBER", "value": "9990000018" }, "reason": "too short" } }),
        ),
        Operation::ReviewBreakGlass => (
            "reviewBreakGlassGrant",
            "",
            json!({ "doc": format!("mutation($input: ReviewBreakGlassGrantInput!) {{ reviewBreakGlassGrant(input: $input) {{ {errors} }} }}"),
                    "input": { "grantId": global_id::encode("BreakGlassGrant", Uuid::now_v7()).0, "version": 1,
                               "outcome": "APPROPRIATE" } }),
        ),
        Operation::RunAdapters => (
            "startAdapterRun",
            "",
            json!({ "doc": format!("mutation($input: StartAdapterRunInput!) {{ startAdapterRun(input: $input) {{ {errors} }} }}"),
                    "input": { "source": "no-such-source" } }),
        ),
        Operation::ResolveIdentity => (
            "rejectIdentityCandidate",
            "",
            json!({ "doc": format!("mutation($input: RejectIdentityCandidateInput!) {{ rejectIdentityCandidate(input: $input) {{ {errors} }} }}"),
                    "input": { "candidateId": global_id::encode("IdentityCandidate", Uuid::now_v7()).0,
                               "reason": "different people" } }),
        ),
        Operation::ManageWebhooks => (
            "createWebhookSubscription",
            "",
            json!({ "doc": format!("mutation($input: CreateWebhookSubscriptionInput!) {{ createWebhookSubscription(input: $input) {{ {errors} }} }}"),
                    "input": { "url": "ftp://mis.example.invalid/hooks", "eventTypes": [] } }),
        ),
    }
}

async fn check_operations(app: &TestApp, policy: &Policy, role: Role, world: &World) -> usize {
    let token = token(app, role);
    let mut cells = 0;
    for operation in Operation::ALL {
        for fixture in &world.fixtures {
            let (name, child_field, probe) = operation_probe(*operation, fixture);
            let reply = app
                .graphql(
                    Some(&token),
                    probe["doc"].as_str().unwrap(),
                    json!({ "input": probe["input"] }),
                )
                .await;
            let at = format!(
                "{role} attempting {operation} on the {} child",
                fixture.label
            );
            let granted = policy.role(role).operations.contains(operation);
            if !granted {
                assert_eq!(
                    reply.error_codes(),
                    vec!["FORBIDDEN"],
                    "{at}: {}",
                    reply.body
                );
                cells += 1;
                continue;
            }
            assert_eq!(
                reply.error_codes(),
                Vec::<String>::new(),
                "{at}: {}",
                reply.body
            );
            let user_errors = reply.body["data"][name]["userErrors"]
                .as_array()
                .unwrap()
                .clone();
            assert!(
                !user_errors.is_empty(),
                "{at}: the probe must be refused by a rule"
            );
            if !child_field.is_empty() {
                let unknown_child = user_errors.iter().any(|e| {
                    e["code"] == "UNKNOWN_RECORD"
                        && e["field"]
                            .as_array()
                            .unwrap()
                            .iter()
                            .any(|f| f == child_field)
                });
                assert_eq!(
                    unknown_child,
                    !reaches(policy, role, fixture),
                    "{at}: the child must be unknown exactly when out of scope — {user_errors:?}"
                );
            }
            cells += 1;
        }
    }
    cells
}

#[tokio::test]
async fn policy_matrix() {
    let policy = Policy::builtin().unwrap();
    let mut cells = 0;
    for role in Role::ALL {
        // A fresh database per role: no role's probes can affect another's.
        let app = TestApp::start().await;
        let world = build_world(&app).await;
        let events_before = app.count("SELECT COUNT(*) FROM outbox_event").await;
        cells += check_reads(&app, &policy, *role, &world).await;
        cells += check_operations(&app, &policy, *role, &world).await;
        // The probes were all refused: nothing was written.
        assert_eq!(
            app.count("SELECT COUNT(*) FROM outbox_event").await,
            events_before,
            "{role}: a probe wrote something"
        );
        assert_eq!(
            world.fixtures.len(),
            Relation::ALL.len(),
            "one child per relation but all_children, plus an unrelated one"
        );
    }
    let expected =
        Role::ALL.len() * Relation::ALL.len() * (CLASS_PROBES.len() + Operation::ALL.len());
    assert_eq!(cells, expected, "every cell was checked");
    println!("policy matrix: {cells} cells checked");
}
