//! Agencies, teams, practitioners and team memberships.
//!
//! The council, the police force (Cheshire Constabulary) and the places are real and public;
//! every school, GP practice, trust, VCS group, nursery and person is invented. School URNs
//! (`9901xx`) and ODS codes (`Z999xx`, `R9X`) are shaped like real ones but chosen outside
//! the ranges in use.

use chrono::NaiveDate;
use familygraph_domain::{AgencyKind, PractitionerRole, TeamKind};
use rand::rngs::StdRng;
use uuid::Uuid;

use super::date;
use super::ids::IdGen;
use super::names::{self, pick};
use super::places::{Loc, Places};
use super::rows::Rows;
use crate::entity::{agency, practitioner, team, team_membership};

/// When the locality teams were formed (the collaboratives were set up in 2023).
const TEAMS_FORMED: NaiveDate = date(2023, 9, 1);

/// A school with its designated safeguarding lead.
pub(super) struct School {
    pub(super) agency_id: Uuid,
    pub(super) urn: &'static str,
    pub(super) locality: Loc,
    pub(super) secondary: bool,
    pub(super) dsl_id: Uuid,
}

/// A practitioner who left a team, and when.
#[derive(Clone, Copy)]
pub(super) struct Leaver {
    pub(super) id: Uuid,
    pub(super) social_worker: bool,
    pub(super) left_on: NaiveDate,
}

/// A Family Help locality team and its current practitioners.
pub(super) struct FamilyHelpTeam {
    pub(super) code: String,
    pub(super) id: Uuid,
    pub(super) family_workers: Vec<Uuid>,
    pub(super) family_help_workers: Vec<Uuid>,
    pub(super) social_workers: Vec<Uuid>,
    pub(super) leavers: Vec<Leaver>,
}

/// Everyone and everything the casework generators allocate.
pub(super) struct Staff {
    pub(super) family_help: Vec<FamilyHelpTeam>,
    /// For each of the [`FAMILY_HELP_TEAMS`] (by index), the teams sharing its patch: itself
    /// first, then the teams [`scale_out`] added (indexes into `family_help`).
    pub(super) patch_teams: Vec<Vec<usize>>,
    /// The council (the agency employing the council's practitioners).
    pub(super) council: Uuid,
    pub(super) front_door_team: Uuid,
    pub(super) front_door: Vec<Uuid>,
    pub(super) macpt_team: Uuid,
    pub(super) lcpps: Vec<Uuid>,
    pub(super) specialist_team: Uuid,
    pub(super) specialist_social_workers: Vec<Uuid>,
    pub(super) schools: Vec<School>,
    /// GP practices and the locality each serves.
    pub(super) gps: Vec<(Uuid, Loc)>,
    pub(super) early_years: Uuid,
    pub(super) vcs: Vec<Uuid>,
    /// Every practitioner's subject and id, for look-ups by subject.
    pub(super) subjects: Vec<(String, Uuid)>,
}

impl Staff {
    /// The Family Help team with this code.
    pub(super) fn team(&self, code: &str) -> Option<&FamilyHelpTeam> {
        self.family_help.iter().find(|t| t.code == code)
    }

    /// The id of the practitioner with this subject.
    pub(super) fn by_subject(&self, subject: &str) -> Option<Uuid> {
        self.subjects
            .iter()
            .find(|(s, _)| s == subject)
            .map(|(_, id)| *id)
    }

    /// The subject of the practitioner with this id.
    pub(super) fn subject_of(&self, id: Uuid) -> Option<&str> {
        self.subjects
            .iter()
            .find(|(_, i)| *i == id)
            .map(|(s, _)| s.as_str())
    }

    /// The id of the team with this code (any kind).
    pub(super) fn team_id(&self, code: &str) -> Option<Uuid> {
        match code {
            "IFD" => Some(self.front_door_team),
            "MACPT" => Some(self.macpt_team),
            "CWD" => Some(self.specialist_team),
            other => self.team(other).map(|t| t.id),
        }
    }
}

/// Fictional schools: name, URN, locality, secondary.
const SCHOOLS: [(&str, &str, Loc, bool); 12] = [
    ("Larkspur Primary School", "990101", Loc::South, false),
    (
        "Foxglove Community Primary School",
        "990102",
        Loc::South,
        false,
    ),
    ("Brindley Green Primary School", "990103", Loc::South, false),
    ("Tinkersfield Primary Academy", "990104", Loc::South, false),
    (
        "Signal Box Lane Primary School",
        "990105",
        Loc::South,
        false,
    ),
    ("Kestrelfield High School", "990106", Loc::South, true),
    ("Saltway Academy", "990107", Loc::South, true),
    ("Hollowmere Primary School", "990108", Loc::North, false),
    ("Copperbeech Primary School", "990109", Loc::North, false),
    ("Thistledown CE Primary School", "990110", Loc::North, false),
    ("Amberley Fields High School", "990111", Loc::North, true),
    ("Silkweaver Academy", "990112", Loc::North, true),
];

/// Fictional GP practices: name, ODS-like code, locality.
const GP_PRACTICES: [(&str, &str, Loc); 3] = [
    ("Weaverbank Medical Centre", "Z99901", Loc::South),
    ("Kestrel Street Practice", "Z99902", Loc::South),
    ("Lamplight Lane Surgery", "Z99903", Loc::North),
];

/// Family Help team code, name, locality, and how many family workers, Family Help workers
/// and social workers it has now.
const FAMILY_HELP_TEAMS: [(&str, &str, Loc, [usize; 3]); 4] = [
    ("N1", "Family Help North 1", Loc::North, [3, 3, 3]),
    ("N2", "Family Help North 2", Loc::North, [3, 3, 3]),
    ("S1", "Family Help South 1", Loc::South, [6, 4, 5]),
    ("S2", "Family Help South 2", Loc::South, [4, 3, 3]),
];

/// Builds practitioners and memberships with invented names.
struct StaffBuilder<'a> {
    ids: &'a mut IdGen,
    rows: &'a mut Rows,
    rng: &'a mut StdRng,
    subjects: Vec<(String, Uuid)>,
    registrations: u32,
}

impl StaffBuilder<'_> {
    /// Adds a practitioner with `subject` and `role` in `agency_id`; social-work roles get a
    /// Social Work England number.
    fn practitioner(&mut self, subject: &str, role: PractitionerRole, agency_id: Uuid) -> Uuid {
        let id = self.ids.next();
        let given = if self.subjects.len().is_multiple_of(2) {
            *pick(self.rng, names::WOMEN)
        } else {
            *pick(self.rng, names::MEN)
        };
        let registered = matches!(
            role,
            PractitionerRole::SocialWorker
                | PractitionerRole::LeadChildProtectionPractitioner
                | PractitionerRole::TeamManager
                | PractitionerRole::LocalityManager
        );
        let registration_number = registered.then(|| {
            self.registrations += 1;
            format!("SW{:06}", 900_000 + self.registrations)
        });
        self.rows.practitioner.push(practitioner::Model {
            id,
            subject: Some(subject.to_owned()),
            given_name: given.to_owned(),
            family_name: names::surname(self.rng),
            role: role.code().to_owned(),
            agency_id,
            registration_number,
            email: Some(format!("{subject}@familygraph.example")),
        });
        self.subjects.push((subject.to_owned(), id));
        id
    }

    /// Adds a membership of `team_id`.
    fn member(
        &mut self,
        team_id: Uuid,
        practitioner_id: Uuid,
        is_manager: bool,
        ended_on: Option<NaiveDate>,
    ) {
        self.rows.team_membership.push(team_membership::Model {
            id: self.ids.next(),
            team_id,
            practitioner_id,
            is_manager,
            started_on: TEAMS_FORMED,
            ended_on,
        });
    }

    /// Adds `count` practitioners `{prefix}-{team}-{nn}` (numbered from `from`) to a team.
    fn members(
        &mut self,
        prefix: &str,
        team_code: &str,
        range: std::ops::Range<usize>,
        role: PractitionerRole,
        agency_id: Uuid,
        team_id: Uuid,
    ) -> Vec<Uuid> {
        let team_code = team_code.to_ascii_lowercase();
        range
            .map(|n| {
                let id =
                    self.practitioner(&format!("{prefix}-{team_code}-{n:02}"), role, agency_id);
                self.member(team_id, id, false, None);
                id
            })
            .collect()
    }
}

/// Adds an agency row and returns its id.
fn agency(
    ids: &mut IdGen,
    rows: &mut Rows,
    kind: AgencyKind,
    name: &str,
    urn: Option<&str>,
    ods_code: Option<&str>,
) -> Uuid {
    let id = ids.next();
    rows.agency.push(agency::Model {
        id,
        kind: kind.code().to_owned(),
        name: name.to_owned(),
        urn: urn.map(str::to_owned),
        ods_code: ods_code.map(str::to_owned),
    });
    id
}

/// Adds a team row and returns its id.
fn team(
    ids: &mut IdGen,
    rows: &mut Rows,
    code: &str,
    name: &str,
    kind: TeamKind,
    locality_id: Option<Uuid>,
) -> Uuid {
    let id = ids.next();
    rows.team.push(team::Model {
        id,
        code: code.to_owned(),
        name: name.to_owned(),
        kind: kind.code().to_owned(),
        locality_id,
    });
    id
}

/// Generates agencies, teams, practitioners and memberships.
pub(super) fn staff(ids: &mut IdGen, rows: &mut Rows, rng: &mut StdRng, places: &Places) -> Staff {
    use AgencyKind as A;
    use PractitionerRole as R;

    let council = agency(
        ids,
        rows,
        A::LocalAuthority,
        "Cheshire East Council",
        None,
        None,
    );
    let police = agency(
        ids,
        rows,
        A::PoliceForce,
        "Cheshire Constabulary",
        None,
        None,
    );
    let trust = agency(
        ids,
        rows,
        A::HealthTrust,
        "Weaver Valley Community Health NHS Trust",
        None,
        Some("R9X"),
    );
    let gps: Vec<(Uuid, Loc)> = GP_PRACTICES
        .iter()
        .map(|(name, ods, loc)| {
            (
                agency(ids, rows, A::GpPractice, name, None, Some(ods)),
                *loc,
            )
        })
        .collect();
    let school_agencies: Vec<Uuid> = SCHOOLS
        .iter()
        .map(|(name, urn, _, _)| agency(ids, rows, A::School, name, Some(urn), None))
        .collect();
    let vcs = vec![
        agency(ids, rows, A::Vcs, "Lanternlight Family Support", None, None),
        agency(ids, rows, A::Vcs, "Hollybush Community Pantry", None, None),
    ];
    let early_years = agency(
        ids,
        rows,
        A::EarlyYears,
        "Puddleduck Lane Nursery",
        None,
        None,
    );
    agency(
        ids,
        rows,
        A::Housing,
        "Weaver Homes Housing Association",
        None,
        None,
    );

    let front_door_team = team(
        ids,
        rows,
        "IFD",
        "Integrated Front Door",
        TeamKind::FrontDoor,
        None,
    );
    let family_help_ids: Vec<Uuid> = FAMILY_HELP_TEAMS
        .iter()
        .map(|(code, name, loc, _)| {
            team(
                ids,
                rows,
                code,
                name,
                TeamKind::FamilyHelp,
                Some(places.locality_id(*loc)),
            )
        })
        .collect();
    let macpt_team = team(
        ids,
        rows,
        "MACPT",
        "Multi-Agency Child Protection Team",
        TeamKind::Macpt,
        None,
    );
    let specialist_team = team(
        ids,
        rows,
        "CWD",
        "Children with Disabilities Team",
        TeamKind::Specialist,
        None,
    );

    let mut b = StaffBuilder {
        ids,
        rows,
        rng,
        subjects: Vec::new(),
        registrations: 0,
    };

    // Locality managers manage every team of their locality.
    for (subject, loc) in [("lm-north", Loc::North), ("lm-south", Loc::South)] {
        let id = b.practitioner(subject, R::LocalityManager, council);
        for (index, (_, _, team_loc, _)) in FAMILY_HELP_TEAMS.iter().enumerate() {
            if *team_loc == loc {
                b.member(family_help_ids[index], id, true, None);
            }
        }
    }

    let mut family_help = Vec::new();
    for (index, (code, _, _, [fw, fhw, sw])) in FAMILY_HELP_TEAMS.iter().enumerate() {
        let team_id = family_help_ids[index];
        let manager = b.practitioner(
            &format!("tm-{}", code.to_ascii_lowercase()),
            R::TeamManager,
            council,
        );
        b.member(team_id, manager, true, None);
        let family_workers = b.members("fw", code, 1..fw + 1, R::FamilyWorker, council, team_id);
        let family_help_workers = b.members(
            "fhw",
            code,
            1..fhw + 1,
            R::FamilyHelpWorker,
            council,
            team_id,
        );
        let social_workers = b.members("sw", code, 1..sw + 1, R::SocialWorker, council, team_id);
        // Two practitioners who have left: a family worker and a social worker, numbered
        // after the current ones.
        let lower = code.to_ascii_lowercase();
        let fw_left = date(2025, 3 + index as u32, 28);
        let sw_left = date(2026, 1 + 2 * index as u32, 28);
        let fw_leaver = b.practitioner(
            &format!("fw-{lower}-{:02}", fw + 1),
            R::FamilyWorker,
            council,
        );
        b.member(team_id, fw_leaver, false, Some(fw_left));
        let sw_leaver = b.practitioner(
            &format!("sw-{lower}-{:02}", sw + 1),
            R::SocialWorker,
            council,
        );
        b.member(team_id, sw_leaver, false, Some(sw_left));
        family_help.push(FamilyHelpTeam {
            code: (*code).to_owned(),
            id: team_id,
            family_workers,
            family_help_workers,
            social_workers,
            leavers: vec![
                Leaver {
                    id: fw_leaver,
                    social_worker: false,
                    left_on: fw_left,
                },
                Leaver {
                    id: sw_leaver,
                    social_worker: true,
                    left_on: sw_left,
                },
            ],
        });
    }

    let manager = b.practitioner("tm-ifd", R::TeamManager, council);
    b.member(front_door_team, manager, true, None);
    let mut front_door = b.members("sw", "ifd", 1..4, R::SocialWorker, council, front_door_team);
    front_door.extend(b.members(
        "fhw",
        "ifd",
        1..3,
        R::FamilyHelpWorker,
        council,
        front_door_team,
    ));

    // The MACPT: a manager, lead child protection practitioners, and the statutory core of
    // police, health and education.
    let manager = b.practitioner("tm-macpt", R::TeamManager, council);
    b.member(macpt_team, manager, true, None);
    let mut lcpps = Vec::new();
    for n in 1..=4 {
        let id = b.practitioner(
            &format!("lcpp-{n:02}"),
            R::LeadChildProtectionPractitioner,
            council,
        );
        b.member(macpt_team, id, false, None);
        lcpps.push(id);
    }
    for (subject, role, agency_id) in [
        ("police-macpt-01", R::PoliceOfficer, police),
        ("health-macpt-01", R::HealthPractitioner, trust),
        ("education-macpt-01", R::EducationPractitioner, council),
    ] {
        let id = b.practitioner(subject, role, agency_id);
        b.member(macpt_team, id, false, None);
    }

    let manager = b.practitioner("tm-cwd", R::TeamManager, council);
    b.member(specialist_team, manager, true, None);
    let specialist_social_workers =
        b.members("sw", "cwd", 1..3, R::SocialWorker, council, specialist_team);

    // Partners outside the teams: health visitors, school DSLs, VCS workers.
    for n in 1..=2 {
        b.practitioner(&format!("hv-{n:02}"), R::HealthVisitor, trust);
    }
    let schools: Vec<School> = SCHOOLS
        .iter()
        .zip(&school_agencies)
        .map(|((_, urn, loc, secondary), agency_id)| School {
            agency_id: *agency_id,
            urn,
            locality: *loc,
            secondary: *secondary,
            dsl_id: b.practitioner(&format!("dsl-{urn}"), R::SchoolDsl, *agency_id),
        })
        .collect();
    for (n, agency_id) in vcs.iter().enumerate() {
        b.practitioner(&format!("vcs-{:02}", n + 1), R::VcsWorker, *agency_id);
    }

    Staff {
        patch_teams: (0..family_help.len()).map(|i| vec![i]).collect(),
        family_help,
        council,
        front_door_team,
        front_door,
        macpt_team,
        lcpps,
        specialist_team,
        specialist_social_workers,
        schools,
        gps,
        early_years,
        vcs,
        subjects: b.subjects,
    }
}

/// Children per set of Family Help teams: a population of more children than this gets
/// another set of four locality teams (and more front-door, MACPT and specialist staff) per
/// this many children, so caseloads stay realistic at scale (about 2,600 practitioners for
/// 100,000 children). The default 300-child seed adds nothing.
pub(super) const CHILDREN_PER_TEAM_SET: usize = 2_000;

/// Adds teams and practitioners for a population of `children` (nothing at or below
/// [`CHILDREN_PER_TEAM_SET`]): for each further set, a sibling of each Family Help locality
/// team (`S1-02`, `S1-03`, ...) in the same locality with the same make-up and a manager
/// (`tm-s1-02`), managed also by the locality manager; and another front-door social worker,
/// lead child protection practitioner and children-with-disabilities social worker.
///
/// Uses its own ids and generator, so the reference data before it is unchanged.
pub(super) fn scale_out(
    staff: &mut Staff,
    ids: &mut IdGen,
    rows: &mut Rows,
    rng: &mut StdRng,
    places: &Places,
    children: usize,
) {
    use PractitionerRole as R;

    let sets = children.div_ceil(CHILDREN_PER_TEAM_SET).max(1);
    if sets <= 1 {
        return;
    }
    let council = staff.council;
    let managers: Vec<(Loc, Option<Uuid>)> = [("lm-north", Loc::North), ("lm-south", Loc::South)]
        .iter()
        .map(|(subject, loc)| (*loc, staff.by_subject(subject)))
        .collect();
    let mut b = StaffBuilder {
        ids,
        rows,
        rng,
        subjects: std::mem::take(&mut staff.subjects),
        registrations: 10_000,
    };
    for set in 2..=sets {
        for (index, (code, name, loc, [fw, fhw, sw])) in FAMILY_HELP_TEAMS.iter().enumerate() {
            let code = format!("{code}-{set:02}");
            let team_id = team(
                b.ids,
                b.rows,
                &code,
                &format!("{name} ({set})"),
                TeamKind::FamilyHelp,
                Some(places.locality_id(*loc)),
            );
            for (manager_loc, manager) in &managers {
                if let (true, Some(manager)) = (manager_loc == loc, manager) {
                    b.member(team_id, *manager, true, None);
                }
            }
            let manager = b.practitioner(
                &format!("tm-{}", code.to_ascii_lowercase()),
                R::TeamManager,
                council,
            );
            b.member(team_id, manager, true, None);
            let family_workers =
                b.members("fw", &code, 1..fw + 1, R::FamilyWorker, council, team_id);
            let family_help_workers = b.members(
                "fhw",
                &code,
                1..fhw + 1,
                R::FamilyHelpWorker,
                council,
                team_id,
            );
            let social_workers =
                b.members("sw", &code, 1..sw + 1, R::SocialWorker, council, team_id);
            staff.patch_teams[index].push(staff.family_help.len());
            staff.family_help.push(FamilyHelpTeam {
                code,
                id: team_id,
                family_workers,
                family_help_workers,
                social_workers,
                leavers: Vec::new(),
            });
        }
        // Numbered after the reference staff: sw-ifd-01..03, lcpp-01..04, sw-cwd-01..02.
        let n = set - 1;
        staff.front_door.extend(b.members(
            "sw",
            "ifd",
            3 + n..4 + n,
            R::SocialWorker,
            council,
            staff.front_door_team,
        ));
        let lcpp = b.practitioner(
            &format!("lcpp-{:02}", 4 + n),
            R::LeadChildProtectionPractitioner,
            council,
        );
        b.member(staff.macpt_team, lcpp, false, None);
        staff.lcpps.push(lcpp);
        staff.specialist_social_workers.extend(b.members(
            "sw",
            "cwd",
            2 + n..3 + n,
            R::SocialWorker,
            council,
            staff.specialist_team,
        ));
    }
    staff.subjects = b.subjects;
}
