//! The fictional family story, always present and the same whatever the seed.
//!
//! The Ashworths (invented) live in Crewe: three siblings aged 13, 11 and 8 on the reference
//! date. Tyler (13) lives with Dad at "Dad's home"; Evie (11) and Alfie (8) live with Mum at
//! "Mum's home"; the parents separated in early 2024 and co-parent. Alfie's primary school
//! contacted the front door (source `2A`, schools) in September 2026; the front door routed
//! the family to Family Help team S1, where family worker `fw-s1-01` is the lead
//! practitioner for all three. The family network has both grandmothers, a grandfather and a
//! family friend.

use chrono::NaiveDate;
use familygraph_domain::{
    AgencyLinkKind, Disability, Ethnicity, FamilyHelpLevel, FamilyRole, IdentifierKind,
    InvolvementRole, LevelOfNeed, NetworkMemberKind, PlanKind, ReferralSource, RelationshipKind,
    SendStatus, Sex, TriageDecision, Willingness,
};
use uuid::Uuid;

use super::ids;
use super::people::Population;
use super::rows::Rows;
use super::{STORY_FAMILY_NAME, date, minutes, start_of};
use crate::entity::{
    address, agency_link, assessment, contact, family, family_help_episode, family_member,
    family_network, network_member, person, person_disability, plan, plan_goal, plan_review,
    relationship, visit,
};

/// A network member: person, name, kind, relationship to the child, willingness, phone.
type StoryMember = (
    Option<Uuid>,
    &'static str,
    NetworkMemberKind,
    &'static str,
    Willingness,
    &'static str,
);

/// A goal: description, owning practitioner, owning network member.
type StoryGoal = (&'static str, Option<Uuid>, Option<Uuid>);

/// The primary school that made the contact.
const PRIMARY_URN: &str = "990101";
/// The secondary school the two eldest attend.
const SECONDARY_URN: &str = "990106";

/// A story person: given name, date of birth, sex, household, level of need, SEND.
struct StoryPerson {
    given: &'static str,
    dob: NaiveDate,
    sex: Sex,
    household: usize,
    level: Option<LevelOfNeed>,
    send: SendStatus,
}

/// The two homes: label, first line, postcode, LSOA (both in Crewe, covered by team S1),
/// since.
const HOMES: [(&str, &str, &str, &str, NaiveDate); 2] = [
    (
        "Mum's home",
        "8 Lamplight Close",
        "CW2 6HT",
        "E01018478",
        date(2019, 6, 1),
    ),
    (
        "Dad's home",
        "27 Turntable Way",
        "CW1 3QX",
        "E01018462",
        date(2024, 2, 1),
    ),
];

/// Writes the story family into `rows`, using `p` (seeded with a fixed value) for ids.
pub(super) fn write(p: &mut Population<'_>, rows: &mut Rows) {
    let staff = p.staff;
    let surname = STORY_FAMILY_NAME;
    let received_at = start_of(date(2026, 9, 15)) + minutes(9 * 60 + 40);
    let decided_at = start_of(date(2026, 9, 15)) + minutes(14 * 60 + 10);
    let episode_start = date(2026, 9, 22);
    let plan_start = date(2026, 10, 8);

    let children = [
        StoryPerson {
            given: "Tyler",
            dob: date(2013, 3, 14),
            sex: Sex::Male,
            household: 1,
            level: Some(LevelOfNeed::AdditionalNeeds),
            send: SendStatus::None,
        },
        StoryPerson {
            given: "Evie",
            dob: date(2015, 6, 22),
            sex: Sex::Female,
            household: 0,
            level: Some(LevelOfNeed::AdditionalNeeds),
            send: SendStatus::None,
        },
        StoryPerson {
            given: "Alfie",
            dob: date(2018, 2, 9),
            sex: Sex::Male,
            household: 0,
            level: Some(LevelOfNeed::MultipleNeeds),
            send: SendStatus::SenSupport,
        },
    ];
    let parents = [
        StoryPerson {
            given: "Rebecca",
            dob: date(1987, 11, 19),
            sex: Sex::Female,
            household: 0,
            level: None,
            send: SendStatus::None,
        },
        StoryPerson {
            given: "Gareth",
            dob: date(1984, 5, 2),
            sex: Sex::Male,
            household: 1,
            level: None,
            send: SendStatus::None,
        },
    ];

    let family_id = p.ids.next();
    rows.family.push(family::Model {
        id: family_id,
        name: format!("{surname} family"),
        created_at: received_at,
        version: 1,
    });

    // People, with fixed identifiers from the start of the synthetic ranges.
    let mut nhs_serial = 0;
    let mut next_nhs = || {
        loop {
            nhs_serial += 1;
            if let Some(n) = ids::nhs_number(nhs_serial) {
                return n;
            }
        }
    };
    let mut case_id = 900_000;
    let mut person_ids = Vec::new();
    for (n, who) in children.iter().chain(parents.iter()).enumerate() {
        let is_child = n < children.len();
        let id = p.ids.next();
        rows.person.push(person::Model {
            id,
            given_name: who.given.to_owned(),
            family_name: surname.to_owned(),
            date_of_birth: Some(who.dob),
            expected_date_of_birth: None,
            sex: who.sex.code().to_owned(),
            ethnicity: Some(Ethnicity::WhiteBritish.code().to_owned()),
            send_status: who.send.code().to_owned(),
            level_of_need: who.level.and_then(|l| l.code().parse().ok()),
            is_child,
            created_at: received_at,
            version: 1,
        });
        case_id += 1;
        p.identifier(rows, id, IdentifierKind::CaseSystemId, case_id.to_string());
        p.identifier(rows, id, IdentifierKind::NhsNumber, next_nhs());
        if is_child {
            if let Some(upn) = ids::upn(n as u32 + 1) {
                p.identifier(rows, id, IdentifierKind::Upn, upn);
            }
            rows.person_disability.push(person_disability::Model {
                id: p.ids.next(),
                person_id: id,
                code: Disability::NoDisability.code().to_owned(),
            });
        }
        let role = if is_child {
            FamilyRole::Child
        } else {
            FamilyRole::Parent
        };
        rows.family_member.push(family_member::Model {
            id: p.ids.next(),
            family_id,
            person_id: id,
            role: role.code().to_owned(),
            household: HOMES[who.household].0.to_owned(),
            started_on: if is_child { who.dob } else { date(2013, 3, 14) },
            ended_on: None,
        });
        // Addresses: everyone lived at Mum's home until Dad and Tyler moved out.
        let (_, mum_line, mum_postcode, mum_lsoa, mum_since) = HOMES[0];
        let (_, dad_line, dad_postcode, dad_lsoa, dad_since) = HOMES[1];
        if who.household == 1 {
            rows.address.push(address::Model {
                id: p.ids.next(),
                person_id: id,
                line1: mum_line.to_owned(),
                town: "Crewe".to_owned(),
                postcode: mum_postcode.to_owned(),
                lsoa_code: Some(mum_lsoa.to_owned()),
                started_on: mum_since,
                ended_on: Some(date(2024, 1, 31)),
            });
        }
        let (line, postcode, lsoa, since) = if who.household == 1 {
            (dad_line, dad_postcode, dad_lsoa, dad_since)
        } else {
            (mum_line, mum_postcode, mum_lsoa, mum_since)
        };
        rows.address.push(address::Model {
            id: p.ids.next(),
            person_id: id,
            line1: line.to_owned(),
            town: "Crewe".to_owned(),
            postcode: postcode.to_owned(),
            lsoa_code: Some(lsoa.to_owned()),
            started_on: since.max(who.dob),
            ended_on: None,
        });
        person_ids.push(id);
    }
    let (mum, dad) = (person_ids[3], person_ids[4]);
    let child_ids = [person_ids[0], person_ids[1], person_ids[2]];

    // Relationships.
    for (i, child) in children.iter().enumerate() {
        for (related, kind) in [
            (mum, RelationshipKind::Mother),
            (dad, RelationshipKind::Father),
        ] {
            rows.relationship.push(relationship::Model {
                id: p.ids.next(),
                person_id: child_ids[i],
                related_person_id: related,
                kind: kind.code().to_owned(),
                parental_responsibility: true,
                started_on: Some(child.dob),
                ended_on: None,
            });
        }
        for (j, sibling) in children.iter().enumerate() {
            if i != j {
                rows.relationship.push(relationship::Model {
                    id: p.ids.next(),
                    person_id: child_ids[i],
                    related_person_id: child_ids[j],
                    kind: RelationshipKind::Sibling.code().to_owned(),
                    parental_responsibility: false,
                    started_on: Some(child.dob.max(sibling.dob)),
                    ended_on: None,
                });
            }
        }
    }

    // Agency links: the GP, the schools (now and before).
    let school = |urn: &str| staff.schools.iter().find(|s| s.urn == urn);
    let primary = school(PRIMARY_URN);
    let secondary = school(SECONDARY_URN);
    let gp = staff.gps.first().map(|(id, _)| *id);
    let mut link = |rows: &mut Rows,
                    person_id: Uuid,
                    agency: Option<Uuid>,
                    kind: AgencyLinkKind,
                    from: NaiveDate,
                    to: Option<NaiveDate>| {
        if let Some(agency_id) = agency {
            rows.agency_link.push(agency_link::Model {
                id: p.ids.next(),
                person_id,
                agency_id,
                kind: kind.code().to_owned(),
                started_on: from,
                ended_on: to,
                year_group: None,
            });
        }
    };
    let primary_id = primary.map(|s| s.agency_id);
    let secondary_id = secondary.map(|s| s.agency_id);
    for (i, child) in children.iter().enumerate() {
        link(
            rows,
            child_ids[i],
            gp,
            AgencyLinkKind::RegisteredPatient,
            child.dob + chrono::Duration::days(21),
            None,
        );
    }
    link(
        rows,
        child_ids[0],
        primary_id,
        AgencyLinkKind::OnRoll,
        date(2017, 9, 1),
        Some(date(2024, 7, 19)),
    );
    link(
        rows,
        child_ids[0],
        secondary_id,
        AgencyLinkKind::OnRoll,
        date(2024, 9, 1),
        None,
    );
    link(
        rows,
        child_ids[1],
        primary_id,
        AgencyLinkKind::OnRoll,
        date(2019, 9, 1),
        Some(date(2026, 7, 17)),
    );
    link(
        rows,
        child_ids[1],
        secondary_id,
        AgencyLinkKind::OnRoll,
        date(2026, 9, 1),
        None,
    );
    link(
        rows,
        child_ids[2],
        primary_id,
        AgencyLinkKind::OnRoll,
        date(2022, 9, 1),
        None,
    );

    // The family network.
    let network_id = p.ids.next();
    rows.family_network.push(family_network::Model {
        id: network_id,
        family_id,
        created_at: start_of(date(2026, 9, 29)) + minutes(11 * 60),
        version: 1,
    });
    let members: [StoryMember; 6] = [
        (
            Some(mum),
            "Rebecca Ashworth",
            NetworkMemberKind::Parent,
            "Mother",
            Willingness::Willing,
            "07700 900101",
        ),
        (
            Some(dad),
            "Gareth Ashworth",
            NetworkMemberKind::Parent,
            "Father",
            Willingness::Willing,
            "07700 900102",
        ),
        (
            None,
            "Pat Hollins",
            NetworkMemberKind::Relative,
            "Maternal grandmother",
            Willingness::Willing,
            "07700 900103",
        ),
        (
            None,
            "Ray Hollins",
            NetworkMemberKind::Relative,
            "Maternal grandfather",
            Willingness::WillingWithSupport,
            "07700 900104",
        ),
        (
            None,
            "Jean Ashworth",
            NetworkMemberKind::Relative,
            "Paternal grandmother",
            Willingness::Willing,
            "07700 900105",
        ),
        (
            None,
            "Lorraine Peck",
            NetworkMemberKind::Friend,
            "Family friend (Mum's neighbour)",
            Willingness::Willing,
            "07700 900106",
        ),
    ];
    let mut member_ids = Vec::new();
    for (person_id, name, kind, relationship_to_child, willingness, phone) in members {
        let id = p.ids.next();
        rows.network_member.push(network_member::Model {
            id,
            family_network_id: network_id,
            person_id,
            display_name: name.to_owned(),
            kind: kind.code().to_owned(),
            relationship_to_child: relationship_to_child.to_owned(),
            willingness: willingness.code().to_owned(),
            phone: Some(phone.to_owned()),
        });
        member_ids.push(id);
    }
    let (mum_member, dad_member, pat, lorraine) =
        (member_ids[0], member_ids[1], member_ids[2], member_ids[5]);

    // The contact from Alfie's school, triaged to Family Help in S1 the same afternoon.
    let s1 = staff.team("S1").map(|t| t.id);
    let lead = staff.by_subject("fw-s1-01");
    let front_door = staff.by_subject("sw-ifd-01");
    let concerns = [
        "Sibling of Alfie Ashworth: Larkspur Primary's contact about Alfie covers the whole family. Tyler lives with Dad.",
        "Sibling of Alfie Ashworth: Larkspur Primary's contact about Alfie covers the whole family. Evie has just started at Kestrelfield High.",
        "Larkspur Primary: Alfie (8) arrives hungry and tired most days this term; attendance down to 86%. He told his teacher Mum is \"sad all the time\". Parents separated; his brother lives with Dad.",
    ];
    for (i, child_id) in child_ids.iter().enumerate() {
        rows.contact.push(contact::Model {
            id: p.ids.next(),
            person_id: *child_id,
            family_id: Some(family_id),
            received_at: received_at + minutes(i as i64),
            source: ReferralSource::Schools.code().to_owned(),
            presenting_concern: concerns[i].to_owned(),
            recorded_by: Some(format!("dsl-{PRIMARY_URN}")),
            triage_decision: Some(TriageDecision::FamilyHelp.code().to_owned()),
            triage_reason: Some(
                "Whole-family support needed; both parents agree to Family Help.".to_owned(),
            ),
            decided_at: Some(decided_at + minutes(i as i64)),
            decided_by_id: front_door,
            routed_team_id: s1,
            version: 1,
        });
    }

    // Family Help: episode, lead practitioner, assessment, plan, visits.
    let goals: [&[StoryGoal]; 3] = [
        &[
            (
                "Tyler and Mum have a tea together at Mum's home every Wednesday.",
                None,
                Some(dad_member),
            ),
            (
                "Tyler knows who to talk to at Kestrelfield High when things at home feel hard.",
                lead,
                None,
            ),
        ],
        &[
            (
                "Evie settles in at Kestrelfield High and joins an after-school club.",
                lead,
                None,
            ),
            (
                "Evie is not the one who gets Alfie ready for school in the mornings.",
                None,
                Some(mum_member),
            ),
        ],
        &[
            (
                "Alfie has breakfast and arrives at school on time every day.",
                None,
                Some(mum_member),
            ),
            (
                "Mum sees her GP about her low mood and is referred to talking therapies.",
                lead,
                None,
            ),
            (
                "Grandma Pat does the school run on Tuesdays and Thursdays.",
                None,
                Some(pat),
            ),
        ],
    ];
    let visits: [&[NaiveDate]; 3] = [
        &[date(2026, 9, 30), date(2026, 10, 21)],
        &[date(2026, 9, 29), date(2026, 10, 13), date(2026, 10, 27)],
        &[date(2026, 9, 29), date(2026, 10, 13), date(2026, 10, 27)],
    ];
    for (i, child_id) in child_ids.iter().enumerate() {
        let episode_id = p.ids.next();
        rows.family_help_episode.push(family_help_episode::Model {
            id: episode_id,
            person_id: *child_id,
            family_id,
            team_id: s1,
            level: FamilyHelpLevel::TargetedEarlyHelp.code().to_owned(),
            started_on: episode_start,
            ended_on: None,
            closure_reason: None,
            version: 1,
        });
        if let Some(lead) = lead {
            p.involvement(
                rows,
                *child_id,
                lead,
                s1,
                InvolvementRole::FamilyHelpLead,
                episode_start,
                None,
                None,
            );
        }
        if i == 2
            && let Some(dsl) = primary.map(|s| s.dsl_id)
        {
            p.involvement(
                rows,
                *child_id,
                dsl,
                None,
                InvolvementRole::KeyAgency,
                episode_start,
                None,
                None,
            );
        }
        rows.assessment.push(assessment::Model {
            id: p.ids.next(),
            person_id: *child_id,
            family_help_episode_id: Some(episode_id),
            started_on: date(2026, 9, 24),
            authorised_on: Some(plan_start),
            child_seen: true,
            outcome: Some("Needs met through Family Help; targeted early help plan.".to_owned()),
        });
        let plan_id = p.ids.next();
        rows.plan.push(plan::Model {
            id: plan_id,
            person_id: *child_id,
            family_id: None,
            kind: PlanKind::FamilyHelp.code().to_owned(),
            started_on: plan_start,
            ended_on: None,
            initial_category: None,
            latest_category: None,
            version: 1,
        });
        for (description, practitioner, member) in goals[i] {
            rows.plan_goal.push(plan_goal::Model {
                id: p.ids.next(),
                plan_id,
                description: (*description).to_owned(),
                owner_practitioner_id: *practitioner,
                owner_network_member_id: *member,
                achieved: false,
            });
        }
        rows.plan_review.push(plan_review::Model {
            id: p.ids.next(),
            plan_id,
            reviewed_on: date(2026, 10, 29),
            outcome: "Early review: attendance up to 93%; plan continues.".to_owned(),
        });
        for (n, on) in visits[i].iter().enumerate() {
            rows.visit.push(visit::Model {
                id: p.ids.next(),
                person_id: *child_id,
                // Visits before the plan was agreed belong to no plan.
                plan_id: (*on >= plan_start).then_some(plan_id),
                practitioner_id: lead,
                visited_on: *on,
                seen: true,
                seen_alone: n > 0,
            });
        }
    }

    // A family network plan, made at a family group decision-making meeting.
    let plan_id = p.ids.next();
    rows.plan.push(plan::Model {
        id: plan_id,
        person_id: child_ids[2],
        family_id: Some(family_id),
        kind: PlanKind::FamilyNetwork.code().to_owned(),
        started_on: date(2026, 10, 20),
        ended_on: None,
        initial_category: None,
        latest_category: None,
        version: 1,
    });
    for (description, member) in [
        (
            "Grandma Pat and Grandad Ray have Evie and Alfie for tea every Thursday.",
            pat,
        ),
        (
            "Lorraine is the children's safe adult to call if Mum is unwell.",
            lorraine,
        ),
        (
            "Mum and Dad use the co-parenting app to agree the weekend arrangements.",
            dad_member,
        ),
    ] {
        rows.plan_goal.push(plan_goal::Model {
            id: p.ids.next(),
            plan_id,
            description: description.to_owned(),
            owner_practitioner_id: None,
            owner_network_member_id: Some(member),
            achieved: false,
        });
    }
}
