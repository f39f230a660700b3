//! The synthetic demo data: deterministic, valid codes and identifiers, the story family, and
//! child protection that keeps the Family Help lead allocated. Runs on in-memory SQLite, and
//! also on PostgreSQL when `FAMILYGRAPH_TEST_POSTGRES` names a server
//! (e.g. `postgres://postgres@127.0.0.1:5432`).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use familygraph_domain::{
    AgencyKind, AgencyLinkKind, AreaKind, AssessmentFactor, CaseSystemId, CategoryOfAbuse,
    ClosureReason, Disability, Ethnicity, FamilyHelpLevel, FamilyRole, IdentifierKind,
    InvolvementRole, LevelOfNeed, LsoaCode, NetworkMemberKind, NhsNumber, OdsCode, PlanKind,
    PractitionerRole, PrimaryNeed, ReferralSource, RelationshipKind, SchoolUrn, Section47Outcome,
    SendStatus, Sex, TeamKind, TriageDecision, Upn, UpnUnknown, Willingness,
};
use familygraph_migrations::Migrator;
use familygraph_store::entity::{
    address, agency, agency_link, area, assessment_factor, contact, family, family_help_episode,
    family_member, involvement, lsoa, network_member, person, person_disability, person_identifier,
    plan, practitioner, referral, relationship, section47_enquiry, team,
};
use familygraph_store::seed::{self, REFERENCE_DATE, STORY_FAMILY_NAME, SeedOptions, SeedReport};
use sea_orm::{
    ColumnTrait, ConnectOptions, ConnectionTrait, Database, DatabaseConnection, EntityTrait,
    QueryFilter, QueryOrder,
};
use sea_orm_migration::MigratorTrait;
use uuid::Uuid;

/// A fresh, migrated in-memory SQLite database (one connection, so it stays the same
/// database).
async fn memory_db() -> DatabaseConnection {
    let mut options = ConnectOptions::new("sqlite::memory:");
    options
        .max_connections(1)
        .min_connections(1)
        .sqlx_logging(false);
    let db = Database::connect(options).await.unwrap();
    Migrator::up(&db, None).await.unwrap();
    db
}

async fn seeded(options: SeedOptions) -> (DatabaseConnection, SeedReport) {
    let db = memory_db().await;
    let report = seed::seed(&db, &options)
        .await
        .unwrap()
        .expect("empty database");
    (db, report)
}

/// Everything that identifies the generated data: ids and names of people, ids of plans,
/// involvements, contacts and families.
#[derive(Debug, PartialEq, Eq)]
struct Snapshot {
    people: Vec<(Uuid, String, String, Option<NaiveDate>, bool)>,
    plans: Vec<(Uuid, Uuid, String, NaiveDate, Option<NaiveDate>)>,
    involvements: Vec<(Uuid, Uuid, Uuid, String)>,
    contacts: Vec<(Uuid, String, Option<String>)>,
    families: Vec<(Uuid, String)>,
    identifiers: Vec<(Uuid, String, String)>,
    practitioners: Vec<(Uuid, Option<String>)>,
}

async fn snapshot(db: &DatabaseConnection) -> Snapshot {
    Snapshot {
        people: person::Entity::find()
            .order_by_asc(person::Column::Id)
            .all(db)
            .await
            .unwrap()
            .into_iter()
            .map(|p| {
                (
                    p.id,
                    p.given_name,
                    p.family_name,
                    p.date_of_birth,
                    p.is_child,
                )
            })
            .collect(),
        plans: plan::Entity::find()
            .order_by_asc(plan::Column::Id)
            .all(db)
            .await
            .unwrap()
            .into_iter()
            .map(|p| (p.id, p.person_id, p.kind, p.started_on, p.ended_on))
            .collect(),
        involvements: involvement::Entity::find()
            .order_by_asc(involvement::Column::Id)
            .all(db)
            .await
            .unwrap()
            .into_iter()
            .map(|i| (i.id, i.person_id, i.practitioner_id, i.role))
            .collect(),
        contacts: contact::Entity::find()
            .order_by_asc(contact::Column::Id)
            .all(db)
            .await
            .unwrap()
            .into_iter()
            .map(|c| (c.id, c.source, c.triage_decision))
            .collect(),
        families: family::Entity::find()
            .order_by_asc(family::Column::Id)
            .all(db)
            .await
            .unwrap()
            .into_iter()
            .map(|f| (f.id, f.name))
            .collect(),
        identifiers: person_identifier::Entity::find()
            .order_by_asc(person_identifier::Column::Id)
            .all(db)
            .await
            .unwrap()
            .into_iter()
            .map(|i| (i.id, i.kind, i.value))
            .collect(),
        practitioners: practitioner::Entity::find()
            .order_by_asc(practitioner::Column::Id)
            .all(db)
            .await
            .unwrap()
            .into_iter()
            .map(|p| (p.id, p.subject))
            .collect(),
    }
}

fn parses<T>(from_code: fn(&str) -> Option<T>, code: &str, what: &str) {
    assert!(from_code(code).is_some(), "{what}: {code:?} does not parse");
}

/// Every stored code parses back into its domain enum, and every identifier validates.
async fn check_codes_and_identifiers(db: &DatabaseConnection) {
    for p in person::Entity::find().all(db).await.unwrap() {
        parses(Sex::from_code, &p.sex, "person.sex");
        parses(SendStatus::from_code, &p.send_status, "person.send_status");
        if let Some(e) = &p.ethnicity {
            parses(Ethnicity::from_code, e, "person.ethnicity");
        }
        if let Some(level) = p.level_of_need {
            parses(
                LevelOfNeed::from_code,
                &level.to_string(),
                "person.level_of_need",
            );
        }
        assert!(p.date_of_birth.is_some() != p.expected_date_of_birth.is_some());
        if p.is_child
            && let Some(dob) = p.date_of_birth
        {
            let age = REFERENCE_DATE
                .years_since(dob)
                .expect("born before the reference date");
            assert!(age <= 17, "child aged {age}");
        }
    }
    for d in person_disability::Entity::find().all(db).await.unwrap() {
        parses(Disability::from_code, &d.code, "person_disability.code");
    }
    let mut nhs = 0;
    for i in person_identifier::Entity::find().all(db).await.unwrap() {
        let kind = IdentifierKind::from_code(&i.kind).expect("identifier kind");
        match kind {
            IdentifierKind::NhsNumber => {
                let n = NhsNumber::parse("nhs", &i.value).unwrap();
                assert_eq!(n.as_str(), i.value);
                assert!(
                    i.value.starts_with("999"),
                    "{} is outside the test range",
                    i.value
                );
                nhs += 1;
            }
            IdentifierKind::Upn | IdentifierKind::FormerUpn => {
                let upn = Upn::parse("upn", &i.value).unwrap();
                assert_eq!(upn.as_str(), i.value);
                assert_eq!(&i.value[1..4], "999", "UPNs use the unused LA number 999");
            }
            IdentifierKind::UpnUnknown => parses(UpnUnknown::from_code, &i.value, "UPN unknown"),
            IdentifierKind::CaseSystemId => {
                CaseSystemId::parse("case", &i.value).unwrap();
            }
        }
    }
    assert!(nhs > 0);
    for r in relationship::Entity::find().all(db).await.unwrap() {
        parses(RelationshipKind::from_code, &r.kind, "relationship.kind");
        assert_ne!(r.person_id, r.related_person_id);
    }
    for m in family_member::Entity::find().all(db).await.unwrap() {
        parses(FamilyRole::from_code, &m.role, "family_member.role");
    }
    for l in agency_link::Entity::find().all(db).await.unwrap() {
        parses(AgencyLinkKind::from_code, &l.kind, "agency_link.kind");
    }
    for m in network_member::Entity::find().all(db).await.unwrap() {
        parses(NetworkMemberKind::from_code, &m.kind, "network_member.kind");
        parses(
            Willingness::from_code,
            &m.willingness,
            "network_member.willingness",
        );
    }
    for i in involvement::Entity::find().all(db).await.unwrap() {
        parses(InvolvementRole::from_code, &i.role, "involvement.role");
        if let Some(end) = i.ended_on {
            assert!(end >= i.started_on, "involvement ends before it starts");
        }
    }
    for c in contact::Entity::find().all(db).await.unwrap() {
        parses(ReferralSource::from_code, &c.source, "contact.source");
        if let Some(d) = &c.triage_decision {
            parses(TriageDecision::from_code, d, "contact.triage_decision");
            assert!(c.decided_at.unwrap() > c.received_at);
        }
    }
    for r in referral::Entity::find().all(db).await.unwrap() {
        parses(ReferralSource::from_code, &r.source, "referral.source");
        parses(
            PrimaryNeed::from_code,
            &r.primary_need,
            "referral.primary_need",
        );
    }
    for e in family_help_episode::Entity::find().all(db).await.unwrap() {
        parses(FamilyHelpLevel::from_code, &e.level, "episode.level");
        if let Some(reason) = &e.closure_reason {
            parses(ClosureReason::from_code, reason, "episode.closure_reason");
        }
        assert_eq!(e.ended_on.is_some(), e.closure_reason.is_some());
    }
    for f in assessment_factor::Entity::find().all(db).await.unwrap() {
        parses(
            AssessmentFactor::from_code,
            &f.code,
            "assessment_factor.code",
        );
    }
    for p in plan::Entity::find().all(db).await.unwrap() {
        parses(PlanKind::from_code, &p.kind, "plan.kind");
        for category in [&p.initial_category, &p.latest_category]
            .into_iter()
            .flatten()
        {
            parses(CategoryOfAbuse::from_code, category, "plan category");
        }
        assert_eq!(
            p.initial_category.is_some(),
            p.kind == PlanKind::ChildProtection.code()
        );
        if let Some(end) = p.ended_on {
            assert!(end >= p.started_on, "plan ends before it starts");
        }
    }
    for s in section47_enquiry::Entity::find().all(db).await.unwrap() {
        if let Some(o) = &s.outcome {
            parses(Section47Outcome::from_code, o, "section47.outcome");
        }
    }
    for a in agency::Entity::find().all(db).await.unwrap() {
        parses(AgencyKind::from_code, &a.kind, "agency.kind");
        if let Some(urn) = &a.urn {
            SchoolUrn::parse("urn", urn).unwrap();
        }
        if let Some(ods) = &a.ods_code {
            OdsCode::parse("ods", ods).unwrap();
        }
    }
    for t in team::Entity::find().all(db).await.unwrap() {
        parses(TeamKind::from_code, &t.kind, "team.kind");
    }
    for p in practitioner::Entity::find().all(db).await.unwrap() {
        parses(PractitionerRole::from_code, &p.role, "practitioner.role");
        assert!(p.subject.is_some());
    }
    for a in area::Entity::find().all(db).await.unwrap() {
        parses(AreaKind::from_code, &a.kind, "area.kind");
    }
    let lsoas = lsoa::Entity::find().all(db).await.unwrap();
    for l in &lsoas {
        LsoaCode::parse("lsoa", &l.code).unwrap();
    }
    let with_imd = lsoas.iter().filter(|l| l.imd_overall.is_some()).count();
    assert_eq!(with_imd, 21, "the 21 South LSOAs carry IMD deciles");
    for a in address::Entity::find().all(db).await.unwrap() {
        LsoaCode::parse("lsoa", a.lsoa_code.as_deref().unwrap()).unwrap();
    }
}

/// The Ashworths: three siblings aged 13, 11 and 8 on the reference date, the eldest at
/// Dad's, all led by `fw-s1-01` in S1.
async fn check_story(db: &DatabaseConnection) {
    let family = family::Entity::find()
        .filter(family::Column::Name.eq(format!("{STORY_FAMILY_NAME} family")))
        .one(db)
        .await
        .unwrap()
        .expect("story family");
    let members = family_member::Entity::find()
        .filter(family_member::Column::FamilyId.eq(family.id))
        .all(db)
        .await
        .unwrap();
    let lead = practitioner::Entity::find()
        .filter(practitioner::Column::Subject.eq("fw-s1-01"))
        .one(db)
        .await
        .unwrap()
        .expect("fw-s1-01");
    let s1 = team::Entity::find()
        .filter(team::Column::Code.eq("S1"))
        .one(db)
        .await
        .unwrap()
        .unwrap();
    let mut ages = BTreeMap::new();
    for member in members
        .iter()
        .filter(|m| m.role == FamilyRole::Child.code())
    {
        let child = person::Entity::find_by_id(member.person_id)
            .one(db)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(child.family_name, STORY_FAMILY_NAME);
        let age = REFERENCE_DATE
            .years_since(child.date_of_birth.unwrap())
            .unwrap();
        ages.insert(age, member.household.clone());
        let leads = involvement::Entity::find()
            .filter(involvement::Column::PersonId.eq(child.id))
            .filter(involvement::Column::Role.eq(InvolvementRole::FamilyHelpLead.code()))
            .filter(involvement::Column::EndedOn.is_null())
            .all(db)
            .await
            .unwrap();
        assert_eq!(leads.len(), 1);
        assert_eq!(leads[0].practitioner_id, lead.id);
        assert_eq!(leads[0].team_id, Some(s1.id));
        let contacts = contact::Entity::find()
            .filter(contact::Column::PersonId.eq(child.id))
            .all(db)
            .await
            .unwrap();
        assert_eq!(contacts.len(), 1);
        assert_eq!(contacts[0].source, ReferralSource::Schools.code());
        for a in address::Entity::find()
            .filter(address::Column::PersonId.eq(child.id))
            .filter(address::Column::EndedOn.is_null())
            .all(db)
            .await
            .unwrap()
        {
            let code = a.lsoa_code.unwrap();
            let l = lsoa::Entity::find()
                .filter(lsoa::Column::Code.eq(code))
                .one(db)
                .await
                .unwrap()
                .unwrap();
            assert!(
                l.imd_overall.is_some(),
                "the story lives in a deprived Crewe LSOA"
            );
        }
    }
    let expected: BTreeMap<i32, String> = [
        (8, "Mum's home".to_owned()),
        (11, "Mum's home".to_owned()),
        (13, "Dad's home".to_owned()),
    ]
    .into_iter()
    .collect();
    let ages: BTreeMap<i32, String> = ages.into_iter().map(|(a, h)| (a as i32, h)).collect();
    assert_eq!(ages, expected);
    let parents = members
        .iter()
        .filter(|m| m.role == FamilyRole::Parent.code())
        .map(|m| m.household.as_str())
        .collect::<BTreeSet<_>>();
    assert_eq!(parents, BTreeSet::from(["Dad's home", "Mum's home"]));

    let network = familygraph_store::entity::family_network::Entity::find()
        .filter(familygraph_store::entity::family_network::Column::FamilyId.eq(family.id))
        .one(db)
        .await
        .unwrap()
        .expect("story network");
    let members = network_member::Entity::find()
        .filter(network_member::Column::FamilyNetworkId.eq(network.id))
        .all(db)
        .await
        .unwrap();
    let relationships: Vec<&str> = members
        .iter()
        .map(|m| m.relationship_to_child.as_str())
        .collect();
    assert!(relationships.iter().any(|r| r.contains("grandmother")));
    assert!(relationships.iter().any(|r| r.contains("grandfather")));
    assert!(
        members
            .iter()
            .any(|m| m.kind == NetworkMemberKind::Friend.code())
    );
}

/// Every child with an open child protection plan keeps an open Family Help lead, and has
/// an open lead child protection practitioner in the MACPT.
async fn check_child_protection(db: &DatabaseConnection) -> usize {
    let macpt = team::Entity::find()
        .filter(team::Column::Code.eq("MACPT"))
        .one(db)
        .await
        .unwrap()
        .unwrap();
    let open_cp = plan::Entity::find()
        .filter(plan::Column::Kind.eq(PlanKind::ChildProtection.code()))
        .filter(plan::Column::EndedOn.is_null())
        .all(db)
        .await
        .unwrap();
    let open: Vec<involvement::Model> = involvement::Entity::find()
        .filter(involvement::Column::EndedOn.is_null())
        .all(db)
        .await
        .unwrap();
    for p in &open_cp {
        let mine: Vec<&involvement::Model> =
            open.iter().filter(|i| i.person_id == p.person_id).collect();
        assert!(
            mine.iter()
                .any(|i| i.role == InvolvementRole::FamilyHelpLead.code()),
            "child {} has an open CP plan but no open Family Help lead",
            p.person_id
        );
        assert!(
            mine.iter().any(
                |i| i.role == InvolvementRole::LeadChildProtectionPractitioner.code()
                    && i.team_id == Some(macpt.id)
            ),
            "child {} has an open CP plan but no LCPP",
            p.person_id
        );
    }
    // No child has two open Family Help leads.
    let mut leads = BTreeMap::new();
    for i in open
        .iter()
        .filter(|i| i.role == InvolvementRole::FamilyHelpLead.code())
    {
        *leads.entry((i.person_id, i.team_id)).or_insert(0) += 1;
    }
    assert!(leads.values().all(|n| *n == 1));
    open_cp.len()
}

#[tokio::test]
async fn the_same_seed_gives_the_same_data_and_ids() {
    let options = SeedOptions {
        children: 120,
        seed: 7,
    };
    let (a, report_a) = seeded(options).await;
    let (b, report_b) = seeded(options).await;
    assert_eq!(report_a, report_b);
    let snap_a = snapshot(&a).await;
    assert_eq!(snap_a, snapshot(&b).await);
    assert_eq!(report_a.children, 120);
    assert_eq!(snap_a.people.iter().filter(|p| p.4).count(), 120);
    // Ids sort in insertion order within a table: the story (always first) has the lowest.
    let first = &snap_a.people[0];
    assert_eq!(first.2, STORY_FAMILY_NAME);
}

#[tokio::test]
async fn a_different_seed_gives_different_people_but_the_same_reference_data() {
    let (a, _) = seeded(SeedOptions {
        children: 60,
        seed: 1,
    })
    .await;
    let (b, _) = seeded(SeedOptions {
        children: 60,
        seed: 2,
    })
    .await;
    let (snap_a, snap_b) = (snapshot(&a).await, snapshot(&b).await);
    assert_ne!(snap_a.people, snap_b.people);
    assert_ne!(snap_a.plans, snap_b.plans);
    let story = |s: &Snapshot| {
        s.people
            .iter()
            .filter(|p| p.2 == STORY_FAMILY_NAME)
            .cloned()
            .collect::<Vec<_>>()
    };
    // Generated surnames never equal the story's, so these are the story's people only.
    assert_eq!(story(&snap_a), story(&snap_b));
    assert_eq!(snap_a.practitioners, snap_b.practitioners);
}

#[tokio::test]
async fn refuses_a_database_that_already_holds_people() {
    let (db, _) = seeded(SeedOptions {
        children: 10,
        seed: 3,
    })
    .await;
    assert!(seed::is_seeded(&db).await.unwrap());
    assert!(
        seed::seed(&db, &SeedOptions::default())
            .await
            .unwrap()
            .is_none()
    );
    assert!(!seed::is_seeded(&memory_db().await).await.unwrap());
}

#[tokio::test]
async fn the_default_seed_is_valid_on_sqlite() {
    let (db, report) = seeded(SeedOptions::default()).await;
    println!("default seed: {report:#?}");
    assert_eq!(report.children, 300);
    assert!(report.family_help_episodes > 120, "{report:?}");
    assert!(report.child_protection_plans > 0, "{report:?}");
    check_codes_and_identifiers(&db).await;
    check_story(&db).await;
    assert!(check_child_protection(&db).await > 0);
}

#[tokio::test]
async fn a_tiny_seed_still_holds_the_story() {
    let (db, report) = seeded(SeedOptions {
        children: 0,
        seed: 1,
    })
    .await;
    assert_eq!(report.children, 3);
    check_story(&db).await;
}

/// The server part of `FAMILYGRAPH_TEST_POSTGRES` (without a database name).
fn postgres_server() -> Option<String> {
    let url = std::env::var("FAMILYGRAPH_TEST_POSTGRES").ok()?;
    let url = url.trim_end_matches('/');
    let after_scheme = url.find("://").map_or(0, |i| i + 3);
    Some(match url[after_scheme..].find('/') {
        Some(slash) => url[..after_scheme + slash].to_owned(),
        None => url.to_owned(),
    })
}

/// Creates a fresh database `fg_seed_<random>`, runs `check` on it (migrated), and drops it
/// whether or not the check panicked.
async fn with_postgres<F, Fut>(check: F)
where
    F: FnOnce(DatabaseConnection) -> Fut + Send + 'static,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let Some(server) = postgres_server() else {
        eprintln!("FAMILYGRAPH_TEST_POSTGRES is not set; skipping the PostgreSQL check");
        return;
    };
    let name = format!("fg_seed_{:08x}", rand::random::<u32>());
    let admin = Database::connect(format!("{server}/postgres"))
        .await
        .unwrap();
    admin
        .execute_unprepared(&format!("CREATE DATABASE {name}"))
        .await
        .unwrap();
    let url = format!("{server}/{name}");
    let outcome = tokio::spawn(async move {
        let mut options = ConnectOptions::new(url);
        options.max_connections(4).sqlx_logging(false);
        let db = Database::connect(options).await.unwrap();
        Migrator::up(&db, None).await.unwrap();
        check(db.clone()).await;
        db.close().await.unwrap();
    })
    .await;
    admin
        .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .await
        .unwrap();
    if let Err(error) = outcome {
        std::panic::resume_unwind(error.into_panic());
    }
}

#[tokio::test]
async fn the_default_seed_is_valid_on_postgres() {
    with_postgres(|db| async move {
        let report = seed::seed(&db, &SeedOptions::default())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(report.children, 300);
        check_codes_and_identifiers(&db).await;
        check_story(&db).await;
        assert!(check_child_protection(&db).await > 0);
        // Same seed, same rows as on SQLite.
        let sqlite = seeded(SeedOptions::default()).await.0;
        assert_eq!(snapshot(&db).await, snapshot(&sqlite).await);
        assert!(
            seed::seed(&db, &SeedOptions::default())
                .await
                .unwrap()
                .is_none()
        );
    })
    .await;
}

/// Measures seeding 100,000 children into a fresh PostgreSQL database. Run with
/// `FAMILYGRAPH_TEST_POSTGRES=postgres://postgres@127.0.0.1:5432 cargo test -p
/// familygraph-store --release --test seed -- --ignored --nocapture seed_100k`.
#[tokio::test]
#[ignore = "slow: seeds 100,000 children into PostgreSQL"]
async fn seed_100k_children_into_postgres() {
    let children: usize = std::env::var("FAMILYGRAPH_SEED_CHILDREN")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(100_000);
    with_postgres(move |db| async move {
        let started = std::time::Instant::now();
        let report = seed::seed(
            &db,
            &SeedOptions {
                children,
                seed: 2026,
            },
        )
        .await
        .unwrap()
        .unwrap();
        let elapsed = started.elapsed();
        println!(
            "seeded {} children ({} rows) into PostgreSQL in {:.1}s\n{report:#?}",
            report.children,
            report.rows,
            elapsed.as_secs_f64()
        );
        assert_eq!(report.children, children);
        assert!(check_child_protection(&db).await > 0);
    })
    .await;
}
