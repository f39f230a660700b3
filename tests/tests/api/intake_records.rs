//! Case-work and school records applied by intake (`familygraph_intake::Intake::apply_batch`)
//! to a seeded database, then read back through the API: each kind created, re-applied
//! unchanged, changed and updated; each reason a record is refused; a child's imported case
//! work visible to the social workers of the team that holds it (and to no other team); an
//! enrolment putting a pupil in the school's scope and a leaving date taking them out.

use chrono::NaiveDate;
use familygraph_adapter_sdk::{
    AssessmentKind, AssessmentRecord, AttendanceSummary, Batch, CanonicalRecord, CasePlanKind,
    CasePlanRecord, ContactRecord, EnrolmentRecord, EpisodeKind, EpisodeRecord, InvolvementRecord,
    Located, Location, PartialDate, PersonName, PersonRecord, ProfessionalRecord, SourceRef,
    SuspensionRecord,
};
use familygraph_domain::calendar::uk_today;
use familygraph_domain::{
    AssessmentFactor, CategoryOfAbuse, ClosureReason, PrimaryNeed, ReferralSource, Role, SchoolUrn,
};
use familygraph_intake::{ApplyCounts, RunSummary};
use familygraph_store::entity::{
    agency, agency_link, assessment, attendance_summary, contact, cp_conference,
    family_help_episode, involvement, plan, referral, school_suspension, section47_enquiry,
    source_record,
};
use familygraph_tests::TestApp;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    Statement,
};
use serde_json::{Value, json};
use uuid::Uuid;

use super::intake_run::run_batches;

const SYSTEM: &str = "intake-records-test";

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn src(id: &str) -> SourceRef {
    SourceRef::new(SYSTEM, id)
}

fn person(id: &str, family: &str) -> CanonicalRecord {
    CanonicalRecord::Person(PersonRecord {
        source: src(id),
        names: vec![PersonName {
            name_use: None,
            family: Some(family.to_owned()),
            given: vec!["Quillon".to_owned()],
        }],
        birth_date: Some(PartialDate::Date(day(2015, 3, 1))),
        ..Default::default()
    })
}

/// Applies `records` in one batch of a new run and finishes the run.
async fn apply(app: &TestApp, records: &[CanonicalRecord]) -> (ApplyCounts, RunSummary) {
    let batch = Batch {
        records: records
            .iter()
            .enumerate()
            .map(|(i, r)| {
                Located::new(
                    Location::document("test.csv").at(format!("/{i}")),
                    r.clone(),
                )
            })
            .collect(),
        done: true,
        ..Default::default()
    };
    let summary = run_batches(&app.db, SYSTEM, "intake-records-test", [batch]).await;
    (summary.counts, summary)
}

/// What a run did: (created, updated, unchanged, rejected).
fn tally(counts: &ApplyCounts) -> (u64, u64, u64, u64) {
    (
        counts.created,
        counts.updated,
        counts.unchanged,
        counts.rejected,
    )
}

async fn text(app: &TestApp, sql: &str) -> Option<String> {
    let backend = app.db.get_database_backend();
    let row = app
        .db
        .query_one_raw(Statement::from_string(backend, sql.to_owned()))
        .await
        .unwrap()?;
    row.try_get_by_index::<Option<String>>(0).unwrap()
}

/// The familygraph id a record of this test's system became.
async fn became(app: &TestApp, kind: &str, id: &str) -> Uuid {
    source_record::Entity::find()
        .filter(source_record::Column::RecordKind.eq(kind))
        .filter(source_record::Column::SourceSystem.eq(SYSTEM))
        .filter(source_record::Column::SourceId.eq(id))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap_or_else(|| panic!("{kind} {id} was not applied"))
        .entity_id
}

/// Rows of `entity` about `person`.
macro_rules! rows_of {
    ($app:expr, $entity:ident, $person:expr) => {
        $entity::Entity::find()
            .filter($entity::Column::PersonId.eq($person))
            .all(&$app.db)
            .await
            .unwrap()
    };
}

fn global(type_name: &str, id: Uuid) -> String {
    familygraph_graphql::global_id::encode(type_name, id).0
}

/// A Family Help team of the seed: (code, name).
async fn a_team(app: &TestApp) -> (String, String) {
    let code = text(
        app,
        "SELECT code FROM team WHERE kind = 'FAMILY_HELP' ORDER BY code LIMIT 1",
    )
    .await
    .unwrap();
    let name = text(app, &format!("SELECT name FROM team WHERE code = '{code}'"))
        .await
        .unwrap();
    (code, name)
}

/// One child's case work, every kind: (records, the professional's source id).
fn case_work(team: &str) -> Vec<CanonicalRecord> {
    let child = src("child-1");
    let cin = src("cin-1");
    vec![
        CanonicalRecord::Professional(ProfessionalRecord {
            source: src("prof-1"),
            name: Some("Worker Synthetic".to_owned()),
            job_title: Some("Social Worker".to_owned()),
            team: Some(team.to_owned()),
            registration_number: Some("SW000001".to_owned()),
            agency_worker: Some(false),
        }),
        person("child-1", "Intakeworthy"),
        CanonicalRecord::Contact(ContactRecord {
            source: src("contact-1"),
            person: child.clone(),
            date: day(2024, 4, 1),
            contact_source: Some(ReferralSource::Schools),
            outcome: Some("{\"outcome\":\"referral\"}".to_owned()),
        }),
        CanonicalRecord::Episode(EpisodeRecord {
            source: cin.clone(),
            person: child.clone(),
            episode_kind: EpisodeKind::ChildInNeed,
            start_date: day(2024, 4, 1),
            referral_source: Some(ReferralSource::Schools),
            primary_need: Some(PrimaryNeed::AbuseOrNeglect),
            no_further_action: Some(false),
            team: Some(team.to_owned()),
            ..Default::default()
        }),
        CanonicalRecord::Episode(EpisodeRecord {
            source: src("eh-1"),
            person: child.clone(),
            episode_kind: EpisodeKind::EarlyHelp,
            start_date: day(2023, 9, 1),
            end_date: Some(day(2024, 3, 1)),
            closure_reason: Some(ClosureReason::ServicesCeased),
            ..Default::default()
        }),
        CanonicalRecord::Assessment(AssessmentRecord {
            source: src("assessment-1"),
            person: child.clone(),
            assessment_kind: AssessmentKind::ChildAndFamily,
            episode: Some(cin.clone()),
            start_date: day(2024, 4, 2),
            end_date: Some(day(2024, 4, 30)),
            factors: vec![
                AssessmentFactor::AlcoholParent,
                AssessmentFactor::DomesticAbuseChild,
            ],
            outcome: Some("plan".to_owned()),
            ..Default::default()
        }),
        CanonicalRecord::Assessment(AssessmentRecord {
            source: src("s47-1"),
            person: child.clone(),
            assessment_kind: AssessmentKind::Section47Enquiry,
            episode: Some(cin.clone()),
            start_date: day(2024, 5, 10),
            end_date: Some(day(2024, 5, 20)),
            outcome: Some("{\"outcome\":\"icpc\"}".to_owned()),
            worker: Some(src("prof-1")),
            ..Default::default()
        }),
        CanonicalRecord::Assessment(AssessmentRecord {
            source: src("icpc-1"),
            person: child.clone(),
            assessment_kind: AssessmentKind::InitialChildProtectionConference,
            episode: Some(cin.clone()),
            start_date: day(2024, 5, 25),
            child_protection_plan: Some(true),
            ..Default::default()
        }),
        CanonicalRecord::CasePlan(CasePlanRecord {
            source: src("cin-plan-1"),
            person: child.clone(),
            plan_kind: CasePlanKind::ChildInNeed,
            episode: Some(cin.clone()),
            start_date: day(2024, 5, 1),
            end_date: Some(day(2024, 5, 25)),
            ..Default::default()
        }),
        CanonicalRecord::CasePlan(CasePlanRecord {
            source: src("cp-plan-1"),
            person: child.clone(),
            plan_kind: CasePlanKind::ChildProtection,
            episode: Some(cin),
            start_date: day(2024, 5, 25),
            initial_category: Some(CategoryOfAbuse::Neglect),
            latest_category: Some(CategoryOfAbuse::EmotionalAbuse),
            review_dates: vec![day(2024, 8, 25)],
            ..Default::default()
        }),
        CanonicalRecord::Involvement(InvolvementRecord {
            source: src("involvement-1"),
            person: child,
            professional: src("prof-1"),
            role: Some("SW".to_owned()),
            start_date: day(2024, 4, 1),
            ..Default::default()
        }),
    ]
}

const CHILD_QUERY: &str = "query($id: ID!) { node(id: $id) { ... on Person { id familyName
    contacts { source triageDecision receivedAt }
    referrals { referralOn source primaryNeed }
    familyHelpEpisodes { level startedOn endedOn closureReason team { name } }
    assessments { startedOn authorisedOn outcome factors }
    section47Enquiries { startedOn concludedOn outcome leadPractitioner { familyName } }
    childProtectionConferences { heldOn cpPlanStarted }
    plans { kind startedOn endedOn initialCategory latestCategory reviews { reviewedOn } }
    involvements(current: false) { role startedOn endedOn team { name }
        practitioner { givenName familyName role } } } } }";

fn sorted(values: &Value, field: &str) -> Vec<String> {
    let mut out: Vec<String> = values
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v[field].to_string())
        .collect();
    out.sort();
    out
}

#[tokio::test]
async fn case_work_is_created_then_unchanged_then_updated_and_readable_by_the_holding_team() {
    let app = TestApp::start().await;
    let (team_code, team_name) = a_team(&app).await;
    let mut records = case_work(&team_name);

    let (counts, summary) = apply(&app, &records).await;
    assert_eq!(summary.rejections, vec![], "{summary:?}");
    assert_eq!(tally(&counts), (11, 0, 0, 0), "{counts:?}");

    // The same records again: nothing written.
    let (counts, _) = apply(&app, &records).await;
    assert_eq!(tally(&counts), (0, 0, 11, 0), "{counts:?}");

    // The child's case work through the API, for a social worker of the team holding it.
    let child = became(&app, "person", "child-1").await;
    let social_worker = app.token(Role::SocialWorker, Some("sw-intake"), Some(&team_code));
    let reply = app
        .graphql(
            Some(&social_worker),
            CHILD_QUERY,
            json!({ "id": global("Person", child) }),
        )
        .await;
    let node = &reply.data()["node"];
    assert_eq!(node["familyName"], "Intakeworthy", "{node}");
    assert_eq!(node["contacts"][0]["source"], "SCHOOLS");
    assert_eq!(node["contacts"][0]["triageDecision"], "FAMILY_HELP");
    assert_eq!(node["referrals"].as_array().unwrap().len(), 1);
    assert_eq!(node["referrals"][0]["referralOn"], "2024-04-01");
    assert_eq!(node["referrals"][0]["primaryNeed"], "ABUSE_OR_NEGLECT");
    assert_eq!(
        sorted(&node["familyHelpEpisodes"], "level"),
        vec!["\"CHILD_IN_NEED\"", "\"TARGETED_EARLY_HELP\""]
    );
    let cin = node["familyHelpEpisodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["level"] == "CHILD_IN_NEED")
        .unwrap();
    assert_eq!(cin["team"]["name"], team_name.as_str());
    assert_eq!(
        node["assessments"][0]["factors"],
        json!(["ALCOHOL_PARENT", "DOMESTIC_ABUSE_CHILD"])
    );
    assert_eq!(node["assessments"][0]["authorisedOn"], "2024-04-30");
    assert_eq!(node["section47Enquiries"][0]["outcome"], "CONFERENCE");
    assert_eq!(
        node["section47Enquiries"][0]["leadPractitioner"]["familyName"],
        "Synthetic"
    );
    assert_eq!(node["childProtectionConferences"][0]["cpPlanStarted"], true);
    assert_eq!(
        sorted(&node["plans"], "kind"),
        vec!["\"CHILD_IN_NEED\"", "\"CHILD_PROTECTION\""]
    );
    let cp = node["plans"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["kind"] == "CHILD_PROTECTION")
        .unwrap();
    assert_eq!(cp["initialCategory"], "NEGLECT");
    assert_eq!(cp["latestCategory"], "EMOTIONAL_ABUSE");
    assert_eq!(cp["reviews"], json!([{ "reviewedOn": "2024-08-25" }]));
    let involvement = &node["involvements"][0];
    assert_eq!(involvement["role"], "CASE_WORKER");
    assert_eq!(involvement["team"]["name"], team_name.as_str());
    assert_eq!(involvement["practitioner"]["givenName"], "Worker");
    assert_eq!(involvement["practitioner"]["role"], "SOCIAL_WORKER");

    // The conference is linked to the enquiry before it; the referral shares the episode's id.
    let s47 = became(&app, "assessment", "s47-1").await;
    let icpc = became(&app, "assessment", "icpc-1").await;
    let conference = cp_conference::Entity::find_by_id(icpc)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(conference.section47_enquiry_id, Some(s47));
    let episode = became(&app, "episode", "cin-1").await;
    let referral = referral::Entity::find_by_id(episode)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(referral.no_further_action, Some(false));

    // A social worker of another team does not see the child.
    let other_team = text(
        &app,
        &format!("SELECT code FROM team WHERE kind = 'FAMILY_HELP' AND code <> '{team_code}' ORDER BY code LIMIT 1"),
    )
    .await
    .unwrap();
    let outsider = app.token(Role::SocialWorker, Some("sw-other"), Some(&other_team));
    let reply = app
        .graphql(
            Some(&outsider),
            CHILD_QUERY,
            json!({ "id": global("Person", child) }),
        )
        .await;
    assert!(reply.body["data"]["node"].is_null(), "{:?}", reply.body);

    // Changed records update their rows.
    for record in &mut records {
        match record {
            CanonicalRecord::Assessment(a) if a.source.id == "assessment-1" => {
                a.factors = vec![
                    AssessmentFactor::AlcoholParent,
                    AssessmentFactor::MentalHealthParent,
                ];
            }
            CanonicalRecord::CasePlan(p) if p.source.id == "cp-plan-1" => {
                p.end_date = Some(day(2024, 11, 30));
                p.review_dates = vec![day(2024, 8, 25), day(2024, 11, 25)];
            }
            CanonicalRecord::Involvement(i) => i.end_date = Some(day(2024, 12, 1)),
            CanonicalRecord::Episode(e) if e.source.id == "cin-1" => {
                e.end_date = Some(day(2024, 12, 1));
                e.closure_reason = Some(ClosureReason::ServicesCeased);
                e.primary_need = Some(PrimaryNeed::FamilyDysfunction);
            }
            CanonicalRecord::Professional(p) => p.job_title = Some("Team Manager".to_owned()),
            _ => {}
        }
    }
    let (counts, summary) = apply(&app, &records).await;
    assert_eq!(summary.rejections, vec![], "{summary:?}");
    assert_eq!(tally(&counts), (0, 5, 6, 0), "{counts:?}");
    let admin = app.admin_token();
    let reply = app
        .graphql(
            Some(&admin),
            CHILD_QUERY,
            json!({ "id": global("Person", child) }),
        )
        .await;
    let node = &reply.data()["node"];
    assert_eq!(
        node["assessments"][0]["factors"],
        json!(["ALCOHOL_PARENT", "MENTAL_HEALTH_PARENT"])
    );
    assert_eq!(node["referrals"][0]["primaryNeed"], "FAMILY_DYSFUNCTION");
    assert_eq!(node["involvements"][0]["endedOn"], "2024-12-01");
    assert_eq!(
        node["involvements"][0]["practitioner"]["role"],
        "TEAM_MANAGER"
    );
    let cp = node["plans"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["kind"] == "CHILD_PROTECTION")
        .unwrap();
    assert_eq!(cp["endedOn"], "2024-11-30");
    assert_eq!(
        sorted(&cp["reviews"], "reviewedOn"),
        vec!["\"2024-08-25\"", "\"2024-11-25\""]
    );
    let cin = node["familyHelpEpisodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["level"] == "CHILD_IN_NEED")
        .unwrap();
    assert_eq!(cin["closureReason"], "SERVICES_CEASED");
    // Still one of each row: updates, not copies.
    assert_eq!(rows_of!(app, contact, child).len(), 1);
    assert_eq!(rows_of!(app, referral, child).len(), 1);
    assert_eq!(rows_of!(app, family_help_episode, child).len(), 2);
    assert_eq!(rows_of!(app, assessment, child).len(), 1);
    assert_eq!(rows_of!(app, section47_enquiry, child).len(), 1);
    assert_eq!(rows_of!(app, cp_conference, child).len(), 1);
    assert_eq!(rows_of!(app, plan, child).len(), 2);
    assert_eq!(rows_of!(app, involvement, child).len(), 1);
}

/// A child whose records include one bad record: its person and that record.
fn bad_child(n: usize, bad: CanonicalRecord) -> Vec<CanonicalRecord> {
    vec![
        person(&format!("bad-{n}"), &format!("Rejectworthy{n}")),
        bad,
    ]
}

#[tokio::test]
async fn each_bad_record_is_rejected_with_its_reason_and_only_its_child_rolled_back() {
    let app = TestApp::start().await;
    let child = |n: usize| src(&format!("bad-{n}"));
    let tomorrow = chrono::Utc::now().date_naive() + chrono::Duration::days(1);
    let cases: Vec<(CanonicalRecord, &str)> = vec![
        (
            CanonicalRecord::Episode(EpisodeRecord {
                source: src("bad-episode"),
                person: child(0),
                start_date: day(2024, 5, 1),
                end_date: Some(day(2024, 4, 1)),
                ..Default::default()
            }),
            "end_date: 2024-04-01 is before the start date 2024-05-01",
        ),
        (
            CanonicalRecord::Involvement(InvolvementRecord {
                source: src("bad-involvement"),
                person: child(1),
                professional: src("nobody"),
                start_date: day(2024, 5, 1),
                ..Default::default()
            }),
            "unknown professional intake-records-test/nobody",
        ),
        (
            CanonicalRecord::Involvement(InvolvementRecord {
                source: src("bad-role"),
                person: child(2),
                professional: src("prof-ok"),
                role: Some("ZZTOP".to_owned()),
                start_date: day(2024, 5, 1),
                ..Default::default()
            }),
            "role: \"ZZTOP\" is not an involvement role",
        ),
        (
            CanonicalRecord::CasePlan(CasePlanRecord {
                source: src("bad-plan"),
                person: child(3),
                plan_kind: CasePlanKind::ChildInNeed,
                start_date: day(2024, 5, 1),
                initial_category: Some(CategoryOfAbuse::Neglect),
                ..Default::default()
            }),
            "a child in need plan has no category of abuse",
        ),
        (
            CanonicalRecord::Assessment(AssessmentRecord {
                source: src("bad-assessment"),
                person: child(4),
                episode: Some(src("no-such-episode")),
                start_date: day(2024, 5, 1),
                ..Default::default()
            }),
            "unknown episode intake-records-test/no-such-episode",
        ),
        (
            CanonicalRecord::Contact(ContactRecord {
                source: src("bad-contact"),
                person: child(5),
                date: tomorrow,
                ..Default::default()
            }),
            "is in the future",
        ),
        (
            CanonicalRecord::Contact(ContactRecord {
                source: src("bad-old-contact"),
                person: child(6),
                date: day(2010, 1, 1),
                ..Default::default()
            }),
            "days before the child's date of birth",
        ),
        (
            CanonicalRecord::Enrolment(EnrolmentRecord {
                source: src("bad-enrolment"),
                person_source_id: "bad-7".to_owned(),
                start_date: Some(day(2024, 9, 1)),
                ..Default::default()
            }),
            "school_urn: the record names no school",
        ),
        (
            CanonicalRecord::Attendance(AttendanceSummary {
                source: src("bad-attendance"),
                person_source_id: "bad-8".to_owned(),
                school_urn: Some(SchoolUrn::parse("urn", "990778").unwrap()),
                sessions_possible: 10,
                sessions_attended: 9,
                sessions_unauthorised_absence: 2,
                ..Default::default()
            }),
            "11 sessions attended or missed, but only 10 possible",
        ),
        (
            CanonicalRecord::Suspension(SuspensionRecord {
                source: src("bad-suspension"),
                person_source_id: "bad-9".to_owned(),
                school_urn: Some(SchoolUrn::parse("urn", "990778").unwrap()),
                start_date: Some(day(2024, 10, 10)),
                end_date: Some(day(2024, 10, 9)),
                ..Default::default()
            }),
            "end_date: 2024-10-09 is before the start date 2024-10-10",
        ),
        (
            CanonicalRecord::CasePlan(CasePlanRecord {
                source: src("bad-review"),
                person: child(10),
                plan_kind: CasePlanKind::ChildProtection,
                start_date: day(2024, 5, 1),
                initial_category: Some(CategoryOfAbuse::Neglect),
                review_dates: vec![day(2024, 4, 1)],
                ..Default::default()
            }),
            "review_dates: 2024-04-01 is before the start date 2024-05-01",
        ),
        (
            CanonicalRecord::Contact(ContactRecord {
                source: src("bad-outcome"),
                person: child(11),
                date: day(2024, 6, 1),
                outcome: Some("Transferred to another authority".to_owned()),
                ..Default::default()
            }),
            "outcome: \"Transferred to another authority\" names no triage decision",
        ),
    ];
    let mut records = vec![CanonicalRecord::Professional(ProfessionalRecord {
        source: src("prof-ok"),
        name: Some("Able Synthetic".to_owned()),
        ..Default::default()
    })];
    for (n, (bad, _)) in cases.iter().enumerate() {
        records.extend(bad_child(n, bad.clone()));
    }
    // A good child in the same batch.
    records.push(person("good", "Acceptworthy"));
    records.push(CanonicalRecord::Contact(ContactRecord {
        source: src("good-contact"),
        person: src("good"),
        date: day(2024, 6, 1),
        ..Default::default()
    }));

    let (counts, summary) = apply(&app, &records).await;
    assert_eq!(
        counts.created, 3,
        "the professional, the good child and its contact"
    );
    assert_eq!(counts.rejected, 2 * cases.len() as u64, "{summary:?}");
    for (n, (_, reason)) in cases.iter().enumerate() {
        // Record 2n+1 is the child's person, 2n+2 the bad record.
        let bad = summary
            .rejections
            .iter()
            .find(|r| r.location.pointer == format!("/{}", 2 * n + 2))
            .unwrap_or_else(|| panic!("case {n} not rejected: {summary:?}"));
        assert!(
            bad.reason.contains(reason),
            "case {n}: {:?} does not say {reason:?}",
            bad.reason
        );
        let person = summary
            .rejections
            .iter()
            .find(|r| r.location.pointer == format!("/{}", 2 * n + 1))
            .unwrap();
        assert!(person.reason.starts_with("not applied"), "{person:?}");
        assert_eq!(
            app.count(&format!(
                "SELECT COUNT(*) FROM person WHERE family_name = 'Rejectworthy{n}'"
            ))
            .await,
            0,
            "case {n}'s child was rolled back"
        );
    }
    assert_eq!(
        app.count("SELECT COUNT(*) FROM person WHERE family_name = 'Acceptworthy'")
            .await,
        1
    );
    // An imported contact whose source gave no code is from an unknown source.
    assert_eq!(
        text(
            &app,
            "SELECT c.source FROM contact c JOIN person p ON p.id = c.person_id \
             WHERE p.family_name = 'Acceptworthy'"
        )
        .await
        .as_deref(),
        Some("10")
    );
}

const ROLL_QUERY: &str = "{ children(first: 100) { edges { node { id familyName } } } }";

async fn on_roll(app: &TestApp, token: &str) -> Vec<String> {
    let reply = app.graphql(Some(token), ROLL_QUERY, json!({})).await;
    reply.data()["children"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["familyName"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn an_enrolment_puts_the_pupil_in_the_schools_scope_with_attendance_and_suspensions() {
    let app = TestApp::start().await;
    let urn = "990777";
    let school_urn = SchoolUrn::parse("urn", urn).unwrap();
    let mis = app.school_token(Role::SchoolMisIntegration, urn);
    assert_eq!(on_roll(&app, &mis).await, Vec::<String>::new());

    let mut enrolment = EnrolmentRecord {
        source: src("pupil-1"),
        person_source_id: "pupil-1".to_owned(),
        school_urn: Some(school_urn.clone()),
        start_date: Some(day(2024, 9, 4)),
        year_group: Some("5".to_owned()),
        ..Default::default()
    };
    let attendance = AttendanceSummary {
        source: src("pupil-1/2024-09-04/2024-12-20"),
        person_source_id: "pupil-1".to_owned(),
        school_urn: Some(school_urn.clone()),
        period_start: Some(day(2024, 9, 4)),
        period_end: Some(day(2024, 12, 20)),
        sessions_possible: 100,
        sessions_attended: 88,
        sessions_authorised_absence: 5,
        sessions_unauthorised_absence: 7,
        // The adapter's flag is not trusted: 12 of 100 sessions missed is persistent absence.
        persistently_absent: false,
        ..Default::default()
    };
    let suspension = SuspensionRecord {
        source: src("exclusion-1"),
        person_source_id: "pupil-1".to_owned(),
        school_urn: Some(school_urn),
        permanent: false,
        start_date: Some(day(2024, 11, 4)),
        end_date: Some(day(2024, 11, 6)),
        sessions: Some(6),
        reason: Some("PA".to_owned()),
        upn: None,
    };
    let records = |enrolment: &EnrolmentRecord| {
        vec![
            person("pupil-1", "Rollworthy"),
            CanonicalRecord::Enrolment(enrolment.clone()),
            CanonicalRecord::Attendance(attendance.clone()),
            CanonicalRecord::Suspension(suspension.clone()),
        ]
    };

    let (counts, summary) = apply(&app, &records(&enrolment)).await;
    assert_eq!(summary.rejections, vec![], "{summary:?}");
    assert_eq!((counts.created, counts.rejected), (4, 0), "{counts:?}");
    assert_eq!(on_roll(&app, &mis).await, vec!["Rollworthy".to_owned()]);
    let dsl = app.school_token(Role::SchoolDsl, urn);
    assert_eq!(on_roll(&app, &dsl).await, vec!["Rollworthy".to_owned()]);
    // Another school does not see the pupil.
    let other = app.school_token(Role::SchoolMisIntegration, "990101");
    assert!(
        !on_roll(&app, &other)
            .await
            .contains(&"Rollworthy".to_owned())
    );

    let pupil = became(&app, "person", "pupil-1").await;
    let links = rows_of!(app, agency_link, pupil);
    assert_eq!(links.len(), 1);
    assert_eq!(
        (
            links[0].kind.as_str(),
            links[0].started_on,
            links[0].ended_on
        ),
        ("ON_ROLL", day(2024, 9, 4), None)
    );
    let school = agency::Entity::find_by_id(links[0].agency_id)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (school.kind.as_str(), school.urn.as_deref()),
        ("SCHOOL", Some(urn))
    );
    let summaries = rows_of!(app, attendance_summary, pupil);
    assert_eq!(summaries.len(), 1);
    assert_eq!(
        (
            summaries[0].sessions_possible,
            summaries[0].sessions_unauthorised_absence,
            summaries[0].persistently_absent,
            summaries[0].agency_id
        ),
        (100, 7, true, school.id)
    );
    let suspensions = rows_of!(app, school_suspension, pupil);
    assert_eq!(suspensions.len(), 1);
    assert_eq!(
        (
            suspensions[0].sessions,
            suspensions[0].reason.as_deref(),
            suspensions[0].ended_on,
            suspensions[0].permanent
        ),
        (Some(6), Some("PA"), Some(day(2024, 11, 6)), false)
    );

    // Again: unchanged.
    let (counts, _) = apply(&app, &records(&enrolment)).await;
    assert_eq!(
        (counts.created, counts.updated, counts.unchanged),
        (0, 0, 4)
    );

    // The pupil leaves: the link ends and the school no longer sees them.
    enrolment.end_date = Some(day(2025, 7, 18));
    let (counts, _) = apply(&app, &records(&enrolment)).await;
    assert_eq!(
        (counts.created, counts.updated, counts.unchanged),
        (0, 1, 3)
    );
    assert_eq!(on_roll(&app, &mis).await, Vec::<String>::new());
    let reply = app
        .graphql(
            Some(&mis),
            "query($id: ID!) { node(id: $id) { id } }",
            json!({ "id": global("Person", pupil) }),
        )
        .await;
    assert!(reply.body["data"]["node"].is_null(), "{:?}", reply.body);
    let links = rows_of!(app, agency_link, pupil);
    assert_eq!(links.len(), 1);
    assert_eq!(links[0].ended_on, Some(day(2025, 7, 18)));
}

/// A pupil's link to a school is on roll until its leaving date has passed (UK date): an
/// enrolment the MIS sends again under another key joins a link whose leaving date is still
/// ahead, and starts a new one once the old link's leaving date is past.
#[tokio::test]
async fn an_enrolment_joins_the_link_of_a_pupil_whose_leaving_date_is_still_ahead() {
    let app = TestApp::start().await;
    let today = uk_today();
    let leaving = today + chrono::Duration::days(60);
    let enrolment = |id: &str, started: NaiveDate, ended: Option<NaiveDate>| {
        CanonicalRecord::Enrolment(EnrolmentRecord {
            source: src(id),
            person_source_id: "leaver".to_owned(),
            school_urn: Some(SchoolUrn::parse("urn", "990779").unwrap()),
            start_date: Some(started),
            end_date: ended,
            ..Default::default()
        })
    };
    let (counts, summary) = apply(
        &app,
        &[
            person("leaver", "Leaveworthy"),
            enrolment("enrol-first", day(2024, 9, 4), Some(leaving)),
        ],
    )
    .await;
    assert_eq!(tally(&counts), (2, 0, 0, 0), "{summary:?}");
    let pupil = became(&app, "person", "leaver").await;
    let link = became(&app, "enrolment", "enrol-first").await;

    // Still on roll: the same enrolment under a new key is that link.
    let (counts, summary) = apply(
        &app,
        &[enrolment("enrol-again", day(2024, 9, 4), Some(leaving))],
    )
    .await;
    assert_eq!(tally(&counts), (0, 1, 0, 0), "{summary:?}");
    assert_eq!(became(&app, "enrolment", "enrol-again").await, link);
    assert_eq!(rows_of!(app, agency_link, pupil).len(), 1);

    // Once the leaving date has passed, a new enrolment is a new link.
    let mut ended: agency_link::ActiveModel = agency_link::Entity::find_by_id(link)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
        .into();
    ended.ended_on = Set(Some(today - chrono::Duration::days(1)));
    ended.update(&app.db).await.unwrap();
    let (counts, summary) = apply(&app, &[enrolment("enrol-back", today, None)]).await;
    assert_eq!(tally(&counts), (1, 0, 0, 0), "{summary:?}");
    assert_ne!(became(&app, "enrolment", "enrol-back").await, link);
    assert_eq!(rows_of!(app, agency_link, pupil).len(), 2);
}

#[tokio::test]
async fn records_about_people_familygraph_knows_link_to_them_without_copies() {
    let app = TestApp::start().await;
    // A practitioner who signs in to familygraph, sent by the case system with another title.
    let number = text(
        &app,
        "SELECT registration_number FROM practitioner WHERE subject IS NOT NULL \
         AND registration_number IS NOT NULL ORDER BY registration_number LIMIT 1",
    )
    .await
    .unwrap();
    let family_before = text(
        &app,
        &format!("SELECT family_name FROM practitioner WHERE registration_number = '{number}'"),
    )
    .await;
    let role_before = text(
        &app,
        &format!("SELECT role FROM practitioner WHERE registration_number = '{number}'"),
    )
    .await;
    // A pupil already on a school's roll, sent by the school's MIS with their UPN: on roll
    // today by the agency-link rule (`scope::agency_link_current`: started on or before today
    // and not ended before today, UK date), not merely a link with no end date (which would
    // include a place agreed ahead and miss a pupil leaving at a date ahead).
    let today = uk_today();
    let upn = text(
        &app,
        &format!(
            "SELECT i.value FROM person_identifier i \
             JOIN agency_link l ON l.person_id = i.person_id AND l.kind = 'ON_ROLL' \
              AND l.started_on <= '{today}' AND (l.ended_on IS NULL OR l.ended_on >= '{today}') \
             JOIN agency a ON a.id = l.agency_id AND a.urn = '990101' \
             WHERE i.kind = 'UPN' ORDER BY i.value LIMIT 1"
        ),
    )
    .await
    .unwrap();
    let links_before = app
        .count("SELECT COUNT(*) FROM agency_link WHERE kind = 'ON_ROLL'")
        .await;
    let practitioners_before = app.count("SELECT COUNT(*) FROM practitioner").await;

    let records = vec![
        CanonicalRecord::Professional(ProfessionalRecord {
            source: src("known-worker"),
            name: Some("Renamed Bysource".to_owned()),
            job_title: Some("Family worker".to_owned()),
            registration_number: Some(number.clone()),
            ..Default::default()
        }),
        CanonicalRecord::Person(PersonRecord {
            source: src("known-pupil"),
            upn: Some(familygraph_domain::Upn::parse("upn", &upn).unwrap()),
            ..Default::default()
        }),
        CanonicalRecord::Enrolment(EnrolmentRecord {
            source: src("known-pupil"),
            person_source_id: "known-pupil".to_owned(),
            school_urn: Some(SchoolUrn::parse("urn", "990101").unwrap()),
            start_date: Some(day(2021, 9, 1)),
            ..Default::default()
        }),
    ];
    let (counts, summary) = apply(&app, &records).await;
    assert_eq!(summary.rejections, vec![], "{summary:?}");
    assert_eq!(counts.rejected, 0, "{counts:?}");
    // No copy of either, and the signed-in practitioner is not overwritten.
    assert_eq!(
        app.count("SELECT COUNT(*) FROM practitioner").await,
        practitioners_before
    );
    assert_eq!(
        text(
            &app,
            &format!("SELECT family_name FROM practitioner WHERE registration_number = '{number}'")
        )
        .await,
        family_before
    );
    assert_eq!(
        text(
            &app,
            &format!("SELECT role FROM practitioner WHERE registration_number = '{number}'")
        )
        .await,
        role_before
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM agency_link WHERE kind = 'ON_ROLL'")
            .await,
        links_before
    );
    let pupil = became(&app, "person", "known-pupil").await;
    let links = rows_of!(app, agency_link, pupil);
    let on_roll: Vec<_> = links.iter().filter(|l| l.kind == "ON_ROLL").collect();
    assert_eq!(on_roll.len(), 1, "{links:?}");
    assert_eq!(on_roll[0].started_on, day(2021, 9, 1));
    assert_eq!(
        became(&app, "enrolment", "known-pupil").await,
        on_roll[0].id
    );
}

/// An imported contact is triaged when its outcome names a decision (a Liquid Logic flag set
/// read by the flags that are set), and waits in the front door queue, undecided, only while
/// the source has not decided it either.
#[tokio::test]
async fn imported_contacts_are_triaged_by_their_outcome_or_left_open() {
    let app = TestApp::start().await;
    let contact = |id: &str, outcome: Option<&str>| {
        CanonicalRecord::Contact(ContactRecord {
            source: src(id),
            person: src("outcomes"),
            date: day(2024, 6, 1),
            outcome: outcome.map(str::to_owned),
            ..Default::default()
        })
    };
    let records = vec![
        person("outcomes", "Outcomeworthy"),
        contact(
            "flags",
            Some("{\"NEW_REFERRAL_FLAG\":\"Y\",\"NFA_FLAG\":\"N\"}"),
        ),
        contact("pending", Some("Pending")),
        contact("blank", None),
    ];
    let (counts, summary) = apply(&app, &records).await;
    assert_eq!(counts.created, 4, "{summary:?}");
    let triage = |id: &'static str| {
        let app = &app;
        async move {
            let row = contact::Entity::find_by_id(became(app, "contact", id).await)
                .one(&app.db)
                .await
                .unwrap()
                .unwrap();
            (row.triage_decision, row.decided_at.is_some())
        }
    };
    assert_eq!(
        triage("flags").await,
        (Some("FAMILY_HELP".to_owned()), true)
    );
    assert_eq!(triage("pending").await, (None, false));
    assert_eq!(triage("blank").await, (None, false));
}

/// A school MIS enrolment's National Curriculum year group is stored on the pupil's `ON_ROLL`
/// link and read through GraphQL as `yearGroup`; a changed enrolment changes it; a year group
/// that is not a census code refuses the record without repeating the value.
#[tokio::test]
async fn an_enrolments_year_group_is_read_through_the_api_and_updated() {
    let app = TestApp::start().await;
    let urn = "990782";
    let enrolment = |year_group: &str| {
        CanonicalRecord::Enrolment(EnrolmentRecord {
            source: src("year-pupil"),
            person_source_id: "year-pupil".to_owned(),
            school_urn: Some(SchoolUrn::parse("urn", urn).unwrap()),
            start_date: Some(day(2024, 9, 4)),
            year_group: Some(year_group.to_owned()),
            ..Default::default()
        })
    };
    let admin = app.admin_token();
    let year_group = |pupil: Uuid| {
        let admin = admin.clone();
        let app = &app;
        async move {
            let reply = app
                .graphql(
                    Some(&admin),
                    "query($id: ID!) { node(id: $id) { ... on Person { \
                     agencyLinks { kind yearGroup agency { urn } } } } }",
                    json!({ "id": familygraph_graphql::global_id::encode("Person", pupil) }),
                )
                .await;
            let links = reply.data()["node"]["agencyLinks"]
                .as_array()
                .unwrap()
                .clone();
            assert_eq!(links.len(), 1, "{links:?}");
            assert_eq!(links[0]["kind"], "ON_ROLL");
            assert_eq!(links[0]["agency"]["urn"], urn);
            links[0]["yearGroup"].clone()
        }
    };

    let (counts, summary) =
        apply(&app, &[person("year-pupil", "Yearworthy"), enrolment("6")]).await;
    assert_eq!(tally(&counts), (2, 0, 0, 0), "{summary:?}");
    let pupil = became(&app, "person", "year-pupil").await;
    assert_eq!(year_group(pupil).await, json!("6"));

    // The pupil moves up a year: the same link, updated.
    let (counts, summary) = apply(&app, &[enrolment("7")]).await;
    assert_eq!(tally(&counts), (0, 1, 0, 0), "{summary:?}");
    assert_eq!(year_group(pupil).await, json!("7"));
    // Letter case and spaces as the MIS gives them: stored as the census code.
    let (counts, summary) = apply(&app, &[enrolment(" r ")]).await;
    assert_eq!(tally(&counts), (0, 1, 0, 0), "{summary:?}");
    assert_eq!(year_group(pupil).await, json!("R"));

    // Not a census code: the record is refused, the rejection names the field and not the
    // value, and the stored year group is kept.
    let (counts, summary) = apply(&app, &[enrolment("Yr 15b")]).await;
    assert_eq!(tally(&counts), (0, 0, 0, 1), "{summary:?}");
    assert_eq!(summary.rejections.len(), 1, "{summary:?}");
    let reason = &summary.rejections[0].reason;
    assert!(reason.starts_with("year_group: "), "{reason}");
    assert!(!reason.contains("15b"), "{reason}");
    assert_eq!(year_group(pupil).await, json!("R"));
}
