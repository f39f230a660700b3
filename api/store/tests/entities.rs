//! Entity ↔ migration agreement: migrate a fresh database, then insert and read back one row of
//! every entity. Runs on in-memory SQLite always, and on a freshly created PostgreSQL database
//! (dropped afterwards) when `FAMILYGRAPH_TEST_POSTGRES` names a server, e.g.
//! `postgres://postgres@127.0.0.1:5432`. All people here are synthetic.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use familygraph_migrations::{Migrator, MigratorTrait};
use familygraph_store::entity::*;
use sea_orm::{
    ActiveModelTrait, ConnectionTrait, Database, DatabaseConnection, EntityTrait, IntoActiveModel,
    NotSet, Set,
};
use uuid::Uuid;

/// Inserts `$model` (every column set), checks what comes back, then finds it by id.
macro_rules! roundtrip {
    ($db:expr, $module:ident, $model:expr) => {{
        let model: $module::Model = $model;
        let inserted = model
            .clone()
            .into_active_model()
            .reset_all()
            .insert($db)
            .await
            .unwrap_or_else(|e| panic!("insert into {}: {e}", stringify!($module)));
        assert_eq!(inserted, model, "insert returned {}", stringify!($module));
        let found = $module::Entity::find_by_id(model.id)
            .one($db)
            .await
            .unwrap_or_else(|e| panic!("select from {}: {e}", stringify!($module)))
            .unwrap_or_else(|| panic!("{} row not found", stringify!($module)));
        assert_eq!(found, model, "read back {}", stringify!($module));
        model
    }};
}

fn id() -> Uuid {
    Uuid::now_v7()
}

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

/// An instant with sub-second (microsecond) precision, which both backends must keep.
fn at(h: u32, min: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 5, h, min, 7).unwrap() + chrono::Duration::microseconds(123_456)
}

async fn exercise(db: DatabaseConnection) {
    let db = &db;
    Migrator::up(db, None).await.unwrap();

    // Places, teams and practitioners.
    let la = roundtrip!(
        db,
        local_authority,
        local_authority::Model {
            id: id(),
            code: "E06999999".into(),
            name: "Exampleshire Council".into(),
        }
    );
    let locality = roundtrip!(
        db,
        locality,
        locality::Model {
            id: id(),
            local_authority_id: la.id,
            code: "SOUTH".into(),
            name: "South".into(),
        }
    );
    let agency = roundtrip!(
        db,
        agency,
        agency::Model {
            id: id(),
            kind: "SCHOOL".into(),
            name: "Example Primary School".into(),
            urn: Some("999001".into()),
            ods_code: None,
        }
    );
    let team = roundtrip!(
        db,
        team,
        team::Model {
            id: id(),
            code: "S1".into(),
            name: "South Family Help 1".into(),
            kind: "FAMILY_HELP".into(),
            locality_id: Some(locality.id),
        }
    );
    let practitioner = roundtrip!(
        db,
        practitioner,
        practitioner::Model {
            id: id(),
            subject: Some("synthetic-subject-1".into()),
            given_name: "Sam".into(),
            family_name: "Sample".into(),
            role: "SOCIAL_WORKER".into(),
            agency_id: agency.id,
            registration_number: Some("SW999999".into()),
            email: Some("sam.sample@example.invalid".into()),
        }
    );
    roundtrip!(
        db,
        team_membership,
        team_membership::Model {
            id: id(),
            team_id: team.id,
            practitioner_id: practitioner.id,
            is_manager: true,
            started_on: day(2025, 4, 1),
            ended_on: None,
        }
    );
    let area = roundtrip!(
        db,
        area,
        area::Model {
            id: id(),
            locality_id: locality.id,
            kind: "PATCH".into(),
            code: "SOUTH-P1".into(),
            name: "South patch 1".into(),
            team_id: Some(team.id),
        }
    );
    let lsoa = roundtrip!(
        db,
        lsoa,
        lsoa::Model {
            id: id(),
            code: "E01999999".into(),
            name: "Exampleton 001A".into(),
            area_id: Some(area.id),
            imd_overall: Some(1),
            imd_income: Some(2),
            imd_employment: Some(3),
            imd_education: Some(4),
            imd_health: Some(5),
            imd_crime: Some(6),
            imd_housing: Some(7),
            imd_living_environment: None,
        }
    );
    let hub = roundtrip!(
        db,
        family_hub,
        family_hub::Model {
            id: id(),
            area_id: area.id,
            name: "Exampleton Family Hub".into(),
            opened_on: Some(day(2024, 9, 2)),
        }
    );

    // The services directory.
    let service = roundtrip!(
        db,
        service,
        service::Model {
            id: id(),
            source_system: "exampleton-directory".into(),
            source_id: "svc-1".into(),
            name: "Exampleton Family Hub".into(),
            description: Some("Synthetic".into()),
            status: "temporarily_closed".into(),
            organisation_source_id: Some("org-1".into()),
            organisation_name: Some("Exampleton Council".into()),
            url: Some("https://directory.example.invalid/svc-1".into()),
            email: Some("hub@example.invalid".into()),
            minimum_age: Some(0),
            maximum_age: Some(19),
            is_family_hub: true,
            family_hub_id: Some(hub.id),
            last_modified: Some(at(9, 15)),
            updated_at: at(9, 16),
            last_run_id: Some(id()),
        }
    );
    roundtrip!(
        db,
        service_location,
        service_location::Model {
            id: id(),
            service_id: service.id,
            position: 0,
            source_id: "loc-1".into(),
            name: Some("Exampleton Children's Centre".into()),
            postcode: Some("CW1 4AA".into()),
            lsoa_code: Some(lsoa.code.clone()),
            lsoa_id: Some(lsoa.id),
            uprn: Some("10092008082".into()),
            latitude: Some(53.0987),
            longitude: Some(-2.4419),
        }
    );
    let parent_term = roundtrip!(
        db,
        taxonomy_term,
        taxonomy_term::Model {
            id: id(),
            source_system: "exampleton-directory".into(),
            code: "term-1".into(),
            vocabulary: Some("familygraph-example".into()),
            name: "Early years".into(),
            description: None,
            parent_code: None,
            parent_id: None,
            marks_family_hub: false,
        }
    );
    let term = roundtrip!(
        db,
        taxonomy_term,
        taxonomy_term::Model {
            id: id(),
            source_system: "exampleton-directory".into(),
            code: "term-2".into(),
            vocabulary: Some("familygraph-example".into()),
            name: "Family Hub".into(),
            description: Some("Synthetic".into()),
            parent_code: Some("term-1".into()),
            parent_id: Some(parent_term.id),
            marks_family_hub: true,
        }
    );
    roundtrip!(
        db,
        service_taxonomy_term,
        service_taxonomy_term::Model {
            id: id(),
            service_id: service.id,
            taxonomy_term_id: term.id,
            position: 0,
        }
    );

    // People.
    let child = roundtrip!(
        db,
        person,
        person::Model {
            id: id(),
            given_name: "Alex".into(),
            family_name: "Example".into(),
            date_of_birth: Some(day(2016, 3, 14)),
            expected_date_of_birth: None,
            sex: "U".into(),
            ethnicity: Some("WBRI".into()),
            send_status: "SEN_SUPPORT".into(),
            level_of_need: Some(3),
            is_child: true,
            created_at: at(9, 0),
            version: 1,
        }
    );
    let parent = roundtrip!(
        db,
        person,
        person::Model {
            id: id(),
            given_name: "Jo".into(),
            family_name: "Example".into(),
            date_of_birth: None,
            expected_date_of_birth: None,
            sex: "F".into(),
            ethnicity: None,
            send_status: "NONE".into(),
            level_of_need: None,
            is_child: false,
            created_at: at(9, 1),
            version: 0,
        }
    );
    roundtrip!(
        db,
        person_identifier,
        person_identifier::Model {
            id: id(),
            person_id: child.id,
            kind: "NHS_NUMBER".into(),
            value: "9990000018".into(),
        }
    );
    roundtrip!(
        db,
        person_disability,
        person_disability::Model {
            id: id(),
            person_id: child.id,
            code: "VIS".into(),
        }
    );
    roundtrip!(
        db,
        address,
        address::Model {
            id: id(),
            person_id: child.id,
            line1: "1 Example Street".into(),
            town: "Exampleton".into(),
            postcode: "ZZ99 9ZZ".into(),
            lsoa_code: Some(lsoa.code.clone()),
            started_on: day(2020, 1, 1),
            ended_on: None,
        }
    );
    roundtrip!(
        db,
        relationship,
        relationship::Model {
            id: id(),
            person_id: child.id,
            related_person_id: parent.id,
            kind: "MOTHER".into(),
            parental_responsibility: true,
            started_on: Some(day(2016, 3, 14)),
            ended_on: None,
        }
    );
    let family = roundtrip!(
        db,
        family,
        family::Model {
            id: id(),
            name: "Example family".into(),
            created_at: at(9, 2),
            version: 1,
        }
    );
    roundtrip!(
        db,
        family_member,
        family_member::Model {
            id: id(),
            family_id: family.id,
            person_id: child.id,
            role: "CHILD".into(),
            household: "Mum's home".into(),
            started_on: day(2016, 3, 14),
            ended_on: None,
        }
    );
    roundtrip!(
        db,
        agency_link,
        agency_link::Model {
            id: id(),
            person_id: child.id,
            agency_id: agency.id,
            kind: "ON_ROLL".into(),
            started_on: day(2020, 9, 1),
            ended_on: Some(day(2027, 7, 20)),
            year_group: Some("6".into()),
        }
    );

    // Family networks.
    let network = roundtrip!(
        db,
        family_network,
        family_network::Model {
            id: id(),
            family_id: family.id,
            created_at: at(9, 3),
            version: 1,
        }
    );
    let member = roundtrip!(
        db,
        network_member,
        network_member::Model {
            id: id(),
            family_network_id: network.id,
            person_id: None,
            display_name: "Aunt Pat".into(),
            kind: "RELATIVE".into(),
            relationship_to_child: "Maternal aunt".into(),
            willingness: "WILLING_WITH_SUPPORT".into(),
            phone: Some("07700 900999".into()),
        }
    );

    // Work with the family.
    roundtrip!(
        db,
        involvement,
        involvement::Model {
            id: id(),
            person_id: child.id,
            practitioner_id: practitioner.id,
            team_id: Some(team.id),
            role: "FAMILY_HELP_LEAD".into(),
            started_on: day(2026, 1, 6),
            ended_on: None,
            change_reason: None,
            version: 1,
        }
    );
    let contact = roundtrip!(
        db,
        contact,
        contact::Model {
            id: id(),
            person_id: child.id,
            family_id: Some(family.id),
            received_at: at(10, 15),
            source: "1A".into(),
            presenting_concern: "Synthetic concern for testing.".into(),
            recorded_by: Some("Front door duty worker".into()),
            triage_decision: Some("FAMILY_HELP".into()),
            triage_reason: Some("Needs support.".into()),
            decided_at: Some(at(11, 45)),
            decided_by_id: Some(practitioner.id),
            routed_team_id: Some(team.id),
            version: 1,
        }
    );
    roundtrip!(
        db,
        referral,
        referral::Model {
            id: id(),
            person_id: child.id,
            contact_id: Some(contact.id),
            referral_on: day(2026, 1, 5),
            source: "1A".into(),
            primary_need: "N4".into(),
            no_further_action: Some(false),
        }
    );
    let episode = roundtrip!(
        db,
        family_help_episode,
        family_help_episode::Model {
            id: id(),
            person_id: child.id,
            family_id: family.id,
            team_id: Some(team.id),
            level: "CHILD_IN_NEED".into(),
            started_on: day(2026, 1, 6),
            ended_on: None,
            closure_reason: None,
            version: 3,
        }
    );
    let assessment = roundtrip!(
        db,
        assessment,
        assessment::Model {
            id: id(),
            person_id: child.id,
            family_help_episode_id: Some(episode.id),
            started_on: day(2026, 1, 6),
            authorised_on: Some(day(2026, 2, 10)),
            child_seen: true,
            outcome: Some("PLAN".into()),
        }
    );
    roundtrip!(
        db,
        assessment_factor,
        assessment_factor::Model {
            id: id(),
            assessment_id: assessment.id,
            code: "2A".into(),
        }
    );
    let plan = roundtrip!(
        db,
        plan,
        plan::Model {
            id: id(),
            person_id: child.id,
            family_id: Some(family.id),
            kind: "CHILD_PROTECTION".into(),
            started_on: day(2026, 2, 12),
            ended_on: None,
            initial_category: Some("NEG".into()),
            latest_category: Some("NEG".into()),
            version: 2,
        }
    );
    roundtrip!(
        db,
        plan_goal,
        plan_goal::Model {
            id: id(),
            plan_id: plan.id,
            description: "Alex attends school every day.".into(),
            owner_practitioner_id: Some(practitioner.id),
            owner_network_member_id: Some(member.id),
            achieved: false,
        }
    );
    roundtrip!(
        db,
        plan_review,
        plan_review::Model {
            id: id(),
            plan_id: plan.id,
            reviewed_on: day(2026, 5, 12),
            outcome: "CONTINUE".into(),
        }
    );
    let s47 = roundtrip!(
        db,
        section47_enquiry,
        section47_enquiry::Model {
            id: id(),
            person_id: child.id,
            started_on: day(2026, 1, 20),
            concluded_on: Some(day(2026, 1, 30)),
            outcome: Some("CONFERENCE".into()),
            lead_practitioner_id: Some(practitioner.id),
        }
    );
    roundtrip!(
        db,
        cp_conference,
        cp_conference::Model {
            id: id(),
            person_id: child.id,
            section47_enquiry_id: Some(s47.id),
            held_on: day(2026, 2, 12),
            cp_plan_started: true,
        }
    );
    roundtrip!(
        db,
        visit,
        visit::Model {
            id: id(),
            person_id: child.id,
            plan_id: Some(plan.id),
            practitioner_id: Some(practitioner.id),
            visited_on: day(2026, 2, 20),
            seen: true,
            seen_alone: false,
        }
    );

    // Audit.
    roundtrip!(
        db,
        audit_event,
        audit_event::Model {
            id: id(),
            occurred_at: at(12, 0),
            subject: "synthetic-subject-1".into(),
            client_id: Some("familygraph-tests".into()),
            roles: "SOCIAL_WORKER".into(),
            operation: Some("ChildSummary".into()),
            action: "READ".into(),
            record_type: "person".into(),
            record_id: child.id,
            outcome: "ALLOWED".into(),
            sequence: Some(1),
            previous_hash: Some("0".repeat(64)),
            hash: Some("f".repeat(64)),
            purpose: Some("break_glass".into()),
            correlation_id: Some("synthetic-correlation-1".into()),
        }
    );
    roundtrip!(
        db,
        break_glass_grant,
        break_glass_grant::Model {
            id: id(),
            person_id: child.id,
            subject: "synthetic-subject-1".into(),
            client_id: Some("familygraph-tests".into()),
            roles: "social_worker".into(),
            reason: "Synthetic out-of-hours call about the child".into(),
            granted_at: at(12, 0),
            expires_at: at(13, 0),
            reviewed_at: Some(at(14, 0)),
            reviewed_by: Some("synthetic-manager-1".into()),
            review_outcome: Some("APPROPRIATE".into()),
            review_note: Some("Justified by the police call.".into()),
            version: 2,
        }
    );

    // Webhooks.
    let webhook_event = roundtrip!(
        db,
        outbox_event,
        outbox_event::Model {
            id: id(),
            occurred_at: at(12, 5),
            event_type: "LeadPractitionerAllocated".into(),
            aggregate_type: "Involvement".into(),
            aggregate_id: id(),
            payload: r#"{"childId":"synthetic"}"#.into(),
            subject: "synthetic-subject-1".into(),
            delivered_at: None,
            attempts: 0,
        }
    );
    let subscription = roundtrip!(
        db,
        webhook_subscription,
        webhook_subscription::Model {
            id: id(),
            client_id: "synthetic-school-mis".into(),
            subject: "synthetic-school-mis-subject".into(),
            roles: "school_mis_integration".into(),
            team: Some("S1".into()),
            school_urn: Some("100000".into()),
            agency: Some("X00000".into()),
            url: "https://mis.example.invalid/hooks".into(),
            event_types: "lead_practitioner.allocated".into(),
            secret: "whsec_c3ludGhldGljLXNlY3JldC0xMjM0NTY3OA==".into(),
            active: false,
            inactive_reason: Some("gone".into()),
            created_by: "synthetic-school-mis-subject".into(),
            created_at: at(12, 0),
            deleted_at: Some(at(13, 0)),
            deleted_by: Some("synthetic-admin".into()),
        }
    );
    roundtrip!(
        db,
        webhook_delivery,
        webhook_delivery::Model {
            id: id(),
            subscription_id: subscription.id,
            outbox_event_id: webhook_event.id,
            event_type: "lead_practitioner.allocated".into(),
            idempotency_key: "msg_synthetic_1".into(),
            status: webhook_delivery::STATUS_DELIVERED.into(),
            attempts: 2,
            response_status: Some(200),
            last_error: Some("HTTP status 500".into()),
            last_attempt_at: Some(at(12, 7)),
            delivered_at: Some(at(12, 7)),
            created_at: at(12, 5),
        }
    );

    // Workflow.
    let outbox = roundtrip!(
        db,
        outbox_event,
        outbox_event::Model {
            id: id(),
            occurred_at: at(12, 5),
            event_type: "ContactRecorded".into(),
            aggregate_type: "contact".into(),
            aggregate_id: contact.id,
            payload: r#"{"contactId":"synthetic"}"#.into(),
            subject: "synthetic-subject-1".into(),
            delivered_at: Some(at(12, 6)),
            attempts: 1,
        }
    );
    roundtrip!(
        db,
        outbox_delivery,
        outbox_delivery::Model {
            id: id(),
            target: "case-system".into(),
            outbox_event_id: outbox.id,
            status: outbox_delivery::STATUS_DELIVERED.into(),
            attempts: 2,
            next_attempt_at: at(12, 6),
            last_error: Some("case-system: timed out".into()),
            receipt: Some("case-system_3Asynthetic.json".into()),
            duplicate: true,
            delivered_at: Some(at(12, 7)),
            created_at: at(12, 5),
            updated_at: at(12, 7),
        }
    );
    let idempotency = roundtrip!(
        db,
        idempotency_record,
        idempotency_record::Model {
            id: id(),
            subject: "synthetic-subject-1".into(),
            idempotency_key: "synthetic-key-1".into(),
            operation: "RecordContact".into(),
            record_type: "contact".into(),
            record_id: contact.id,
            created_at: at(12, 5),
        }
    );
    let discussion = roundtrip!(
        db,
        strategy_discussion,
        strategy_discussion::Model {
            id: id(),
            person_id: child.id,
            held_on: day(2026, 1, 19),
            chair_practitioner_id: practitioner.id,
            decision: Some("SECTION_47".into()),
            created_at: at(13, 0),
        }
    );
    roundtrip!(
        db,
        strategy_participant,
        strategy_participant::Model {
            id: id(),
            strategy_discussion_id: discussion.id,
            agency_id: agency.id,
            practitioner_id: Some(practitioner.id),
        }
    );
    roundtrip!(
        db,
        fgdm_meeting,
        fgdm_meeting::Model {
            id: id(),
            family_network_id: network.id,
            offered_on: day(2026, 1, 12),
            offered_to: "Jo Example".into(),
            stage: "FAMILY_HELP".into(),
            response: Some("ACCEPTED".into()),
            responded_on: Some(day(2026, 1, 14)),
            held_on: Some(day(2026, 2, 3)),
            facilitator: Some("Independent FGDM coordinator".into()),
            child_attended: Some(true),
            version: 2,
        }
    );
    roundtrip!(
        db,
        support_package,
        support_package::Model {
            id: id(),
            family_network_id: network.id,
            kind: "FINANCIAL".into(),
            description: "Travel costs for Aunt Pat's weekly visits.".into(),
            amount_pence: Some(12_500),
            started_on: day(2026, 2, 4),
            ended_on: None,
        }
    );
    roundtrip!(
        db,
        partner_record,
        partner_record::Model {
            id: id(),
            agency_id: agency.id,
            person_id: Some(child.id),
            family_id: Some(family.id),
            kind: "CONCERN".into(),
            description: "Synthetic concern recorded by the school.".into(),
            occurred_on: day(2026, 1, 4),
            lawful_basis: "PUBLIC_TASK".into(),
            recorded_by: "dsl-999001".into(),
            contact_id: Some(contact.id),
            created_at: at(9, 30),
        }
    );

    // Intake.
    let run = roundtrip!(
        db,
        adapter_run,
        adapter_run::Model {
            id: id(),
            adapter: "cin-census".into(),
            trigger: "COMMAND_LINE".into(),
            started_by: "operator-synthetic".into(),
            status: "SUCCEEDED_WITH_REJECTIONS".into(),
            read_count: 10,
            created_count: 5,
            updated_count: 1,
            unchanged_count: 2,
            rejected_count: 2,
            queued_for_review_count: 1,
            cursor: Some("page-2".into()),
            failure: Some("synthetic failure".into()),
            started_at: at(14, 0),
            finished_at: Some(at(14, 5)),
        }
    );
    roundtrip!(
        db,
        adapter_rejection,
        adapter_rejection::Model {
            id: id(),
            run_id: run.id,
            seq: 0,
            document: "cin.xml".into(),
            pointer: "/Message/Children/Child[3]".into(),
            reason: "PersonBirthDate: not a possible date".into(),
        }
    );
    roundtrip!(
        db,
        adapter_note,
        adapter_note::Model {
            id: id(),
            run_id: run.id,
            seq: 0,
            document: "cin.xml".into(),
            pointer: "/Message/Children/Child[1]/UPN".into(),
            reason: "UPN: fails its check letter".into(),
        }
    );
    roundtrip!(
        db,
        source_record,
        source_record::Model {
            id: id(),
            record_kind: "person".into(),
            source_system: "cin".into(),
            source_id: "child-1".into(),
            entity_type: "person".into(),
            entity_id: child.id,
            person_id: Some(child.id),
            content_hash: "ab".repeat(32),
            run_id: run.id,
            applied_at: at(14, 1),
        }
    );
    let candidate = roundtrip!(
        db,
        identity_candidate,
        identity_candidate::Model {
            id: id(),
            person_id: parent.id,
            candidate_person_id: child.id,
            status: "CONFIRMED".into(),
            score: 70,
            evidence: r#"{"matched":["givenName"],"conflicting":[]}"#.into(),
            run_id: Some(run.id),
            source_system: Some("cin".into()),
            source_id: Some("child-2".into()),
            created_at: at(14, 2),
            decided_by: Some("reviewer-synthetic".into()),
            decided_at: Some(at(14, 3)),
            decision_reason: Some("same child".into()),
        }
    );
    roundtrip!(
        db,
        person_merge,
        person_merge::Model {
            id: id(),
            candidate_id: Some(candidate.id),
            survivor_id: child.id,
            merged_id: parent.id,
            merged_person: "{}".into(),
            moved: r#"{"moved":[],"removed":[]}"#.into(),
            merged_by: "reviewer-synthetic".into(),
            merged_at: at(14, 3),
            undone_by: Some("reviewer-synthetic".into()),
            undone_at: Some(at(14, 4)),
        }
    );

    constraints_hold(db, &child, &parent).await;
    workflow_constraints_hold(db, &child, &idempotency).await;
}

/// The workflow tables' constraints and defaults: one record per (subject, idempotency key);
/// `partner_record.contact_id` is cleared when its contact goes; `version` defaults to 1.
async fn workflow_constraints_hold(
    db: &DatabaseConnection,
    child: &person::Model,
    idempotency: &idempotency_record::Model,
) {
    // The same key from the same caller is refused; from another caller it is fine.
    let again = |subject: &str| idempotency_record::Model {
        id: id(),
        subject: subject.into(),
        ..idempotency.clone()
    };
    assert!(
        again(&idempotency.subject)
            .into_active_model()
            .reset_all()
            .insert(db)
            .await
            .is_err()
    );
    again("synthetic-subject-2")
        .into_active_model()
        .reset_all()
        .insert(db)
        .await
        .unwrap();

    // `version` is filled in by the database when not written.
    let contact = contact::ActiveModel {
        id: Set(id()),
        person_id: Set(child.id),
        family_id: Set(None),
        received_at: Set(at(14, 0)),
        source: Set("1B".into()),
        presenting_concern: Set("Second synthetic concern.".into()),
        recorded_by: Set(None),
        triage_decision: Set(None),
        triage_reason: Set(None),
        decided_at: Set(None),
        decided_by_id: Set(None),
        routed_team_id: Set(None),
        version: NotSet,
    }
    .insert(db)
    .await
    .unwrap();
    assert_eq!(contact.version, 1);

    // Deleting a contact clears the partner records that led to it.
    let record = partner_record::Model {
        id: id(),
        agency_id: Uuid::now_v7(),
        person_id: None,
        family_id: None,
        kind: "SUPPORT".into(),
        description: "Synthetic support.".into(),
        occurred_on: day(2026, 1, 4),
        lawful_basis: "PUBLIC_TASK".into(),
        recorded_by: "dsl-999001".into(),
        contact_id: Some(contact.id),
        created_at: at(14, 1),
    };
    // An unknown agency is refused...
    assert!(
        record
            .clone()
            .into_active_model()
            .reset_all()
            .insert(db)
            .await
            .is_err()
    );
    // ...a known one is not.
    let agency = agency::Entity::find().one(db).await.unwrap().unwrap();
    let record = partner_record::Model {
        agency_id: agency.id,
        ..record
    }
    .into_active_model()
    .reset_all()
    .insert(db)
    .await
    .unwrap();
    contact::Entity::delete_by_id(contact.id)
        .exec(db)
        .await
        .unwrap();
    let record = partner_record::Entity::find_by_id(record.id)
        .one(db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(record.contact_id, None);
}

/// The unique and foreign-key constraints the data model promises are enforced.
async fn constraints_hold(db: &DatabaseConnection, child: &person::Model, parent: &person::Model) {
    let ident = |person_id: Uuid, kind: &str, value: &str| person_identifier::Model {
        id: id(),
        person_id,
        kind: kind.into(),
        value: value.into(),
    };
    let insert = |m: person_identifier::Model| async move {
        m.into_active_model().reset_all().insert(db).await
    };
    // An NHS number belongs to one person only.
    assert!(
        insert(ident(parent.id, "NHS_NUMBER", "9990000018"))
            .await
            .is_err()
    );
    // UPN_UNKNOWN reason codes are shared between people, but not repeated for one person.
    insert(ident(child.id, "UPN_UNKNOWN", "UN2")).await.unwrap();
    insert(ident(parent.id, "UPN_UNKNOWN", "UN2"))
        .await
        .unwrap();
    assert!(
        insert(ident(parent.id, "UPN_UNKNOWN", "UN2"))
            .await
            .is_err()
    );

    // Foreign keys are enforced (SQLite included).
    let orphan = address::Model {
        id: id(),
        person_id: child.id,
        line1: "2 Example Street".into(),
        town: "Exampleton".into(),
        postcode: "ZZ99 9ZZ".into(),
        lsoa_code: Some("E01000000".into()),
        started_on: day(2020, 1, 1),
        ended_on: None,
    };
    assert!(
        orphan
            .into_active_model()
            .reset_all()
            .insert(db)
            .await
            .is_err()
    );
    let unknown_person = family_member::Model {
        id: id(),
        family_id: Uuid::now_v7(),
        person_id: Uuid::now_v7(),
        role: "CHILD".into(),
        household: "Nowhere".into(),
        started_on: day(2020, 1, 1),
        ended_on: None,
    };
    assert!(
        unknown_person
            .into_active_model()
            .reset_all()
            .insert(db)
            .await
            .is_err()
    );
}

/// Runs [`exercise`] on its own task so that a failure still lets the caller clean up.
async fn run(db: DatabaseConnection) -> Result<(), tokio::task::JoinError> {
    tokio::spawn(exercise(db)).await
}

#[tokio::test]
async fn sqlite_entities_match_migrations() {
    let db = Database::connect("sqlite::memory:").await.unwrap();
    if let Err(e) = run(db).await {
        std::panic::resume_unwind(e.into_panic());
    }
}

#[tokio::test]
async fn postgres_entities_match_migrations() {
    let Ok(server) = std::env::var("FAMILYGRAPH_TEST_POSTGRES") else {
        eprintln!("FAMILYGRAPH_TEST_POSTGRES not set; skipping the PostgreSQL run");
        return;
    };
    let server = server.trim_end_matches('/');
    let name = format!("fg_store_{}", Uuid::now_v7().simple());
    let admin = Database::connect(format!("{server}/postgres"))
        .await
        .unwrap();
    admin
        .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
        .await
        .unwrap();

    let db = Database::connect(format!("{server}/{name}")).await.unwrap();
    let outcome = run(db.clone()).await;
    db.close().await.unwrap();
    admin
        .execute_unprepared(&format!("DROP DATABASE \"{name}\" WITH (FORCE)"))
        .await
        .unwrap();
    admin.close().await.unwrap();
    if let Err(e) = outcome {
        std::panic::resume_unwind(e.into_panic());
    }
}
