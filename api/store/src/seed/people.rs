//! The generated population: families of one to four children with one or two parents or
//! carers (some co-parenting across two households), their identifiers, addresses,
//! relationships, agency links and family networks. Casework is in `casework.rs`.

use chrono::{DateTime, NaiveDate, Utc};
use familygraph_domain::{
    AgencyLinkKind, Disability, Ethnicity, FamilyRole, IdentifierKind, LevelOfNeed,
    NetworkMemberKind, RelationshipKind, SendStatus, Sex, UpnUnknown, Willingness,
};
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use uuid::Uuid;

use super::ids::{IdGen, Serials};
use super::names::{self, chance, pick, weighted};
use super::places::{Loc, Places};
use super::rows::Rows;
use super::teams::Staff;
use super::{REFERENCE_DATE, age_on, date, days, rand_date};
use crate::entity::{
    address, agency_link, family, family_member, family_network, network_member, person,
    person_disability, person_identifier, relationship,
};

/// The first day of the 2026/27 school year: ages on 31 August 2026 set school years.
const SCHOOL_YEAR_AGE_DATE: NaiveDate = date(2026, 8, 31);

/// The last day of the 2026/27 spring term (26 March 2027): pupils with a school move agreed
/// ahead of [`REFERENCE_DATE`] leave then — their current ON_ROLL link ends on this date.
///
/// Fixed, not relative to today: on a real date after it, these moves are no longer ahead.
/// Tests that need them ahead move them on in their own database (see the test harness's
/// `TestApp::keep_agreed_school_moves_ahead`).
pub const SPRING_TERM_ENDS: NaiveDate = date(2027, 3, 26);
/// The first day of the 2026/27 summer term (12 April 2027): a place agreed at another school
/// starts then — the ON_ROLL link at the new school starts on this date, with no end.
///
/// Fixed, not relative to today, like [`SPRING_TERM_ENDS`].
pub const SUMMER_TERM_STARTS: NaiveDate = date(2027, 4, 12);
/// The last day of the 2025/26 summer term: a pupil who changed school over the summer
/// holidays left then...
const SUMMER_TERM_2026_ENDS: NaiveDate = date(2026, 7, 20);
/// ... and joined the new school on the first day of the 2026/27 school year.
const SCHOOL_YEAR_2026_STARTS: NaiveDate = date(2026, 9, 1);

/// Per thousand pupils on roll: those who changed school in the year before the reference
/// date (in-year admissions, managed moves, moving house) ...
const MOVED_PER_MILLE: u32 = 40;
/// ... and those whose move is agreed but ahead: on roll until the end of the spring term, with
/// a place at another school from the summer term.
const MOVING_PER_MILLE: u32 = 25;
/// Mixed into a pupil's id to seed the draws for [`school_move`].
const SCHOOL_MOVE_SALT: u64 = 0x5c40_01ed_0000_0001;

/// A pupil's change of school around the reference date.
enum SchoolMove {
    /// On the roll of `from` from the start of their school phase until `left`, then of their
    /// current school from `joined` (both before the reference date).
    Moved {
        from: Uuid,
        left: NaiveDate,
        joined: NaiveDate,
    },
    /// On their current school's roll until [`SPRING_TERM_ENDS`], then on `to`'s from
    /// [`SUMMER_TERM_STARTS`] (both after the reference date).
    Moving { to: Uuid },
}

/// Whether, and how, the pupil `child` on roll since `since` changes school to or from one of
/// `others` (the other schools of their phase near home). Drawn from the child's own id, not
/// the population's generator, so the population's other draws (people, casework) are those it
/// made before school moves were added; the extra links take ids, so later ids differ.
fn school_move(child: Uuid, since: NaiveDate, others: &[Uuid]) -> Option<SchoolMove> {
    if others.is_empty() {
        return None;
    }
    let mut rng = StdRng::seed_from_u64(child.as_u64_pair().1 ^ SCHOOL_MOVE_SALT);
    let draw = rng.gen_range(0..1000);
    let other = *pick(&mut rng, others);
    if draw < MOVED_PER_MILLE {
        // Joined the current school four weeks to a year after starting the phase, and at
        // least a week before the reference date; left the other a few days before.
        let earliest = (since + days(28)).max(REFERENCE_DATE - days(365));
        let joined = rand_date(&mut rng, earliest, REFERENCE_DATE - days(7));
        let (left, joined) = if joined > SUMMER_TERM_2026_ENDS && joined < SCHOOL_YEAR_2026_STARTS {
            (SUMMER_TERM_2026_ENDS, SCHOOL_YEAR_2026_STARTS)
        } else {
            (joined - days(rng.gen_range(1..=10)), joined)
        };
        Some(SchoolMove::Moved {
            from: other,
            left,
            joined,
        })
    } else if draw < MOVED_PER_MILLE + MOVING_PER_MILLE {
        Some(SchoolMove::Moving { to: other })
    } else {
        None
    }
}

/// The population generator's state: the seeded generator, ids, identifier serials and the
/// reference data it allocates from.
pub(super) struct Population<'a> {
    pub(super) rng: StdRng,
    pub(super) ids: IdGen,
    pub(super) serials: Serials,
    pub(super) places: &'a Places,
    pub(super) staff: &'a Staff,
    lsoa_weights: Vec<(usize, u32)>,
    /// Families generated so far (shares a patch's families out among its teams).
    families: usize,
}

/// A household of a generated family.
pub(super) struct Household {
    pub(super) label: &'static str,
    /// Index into `places.lsoas`.
    pub(super) lsoa: usize,
    pub(super) line1: String,
    pub(super) town: &'static str,
    pub(super) postcode: String,
    pub(super) since: NaiveDate,
    /// Where the household lived before, if it moved: (lsoa index, line 1, town, postcode,
    /// started on).
    pub(super) previous: Option<(usize, String, &'static str, String, NaiveDate)>,
}

/// A generated child.
pub(super) struct Child {
    pub(super) id: Uuid,
    pub(super) dob: Option<NaiveDate>,
    pub(super) household: usize,
    pub(super) disabled: bool,
    /// Index of the school the child is on the roll of, into `staff.schools`.
    pub(super) school: Option<usize>,
    pub(super) school_since: Option<NaiveDate>,
    /// Index of the Family Help team covering the child's home, into `staff.family_help`.
    pub(super) team: usize,
}

/// A generated adult in the family.
struct Adult {
    id: Uuid,
    role: FamilyRole,
    household: usize,
    /// What the adult is to each child, and whether they hold parental responsibility.
    relationship: Option<(RelationshipKind, bool)>,
    /// How the adult appears in the family network, if they do.
    network: Option<(&'static str, NetworkMemberKind)>,
    display_name: String,
    since: NaiveDate,
}

/// The shape of a family's households.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Shape {
    Couple,
    SingleMum,
    SingleDad,
    CoParenting,
    Kinship,
}

/// A family as generated, handed to the casework generator.
pub(super) struct Family {
    pub(super) id: Uuid,
    pub(super) children: Vec<Child>,
    pub(super) network: Vec<Uuid>,
}

const ETHNICITIES: &[(Ethnicity, u32)] = &[
    (Ethnicity::WhiteBritish, 156),
    (Ethnicity::WhiteOther, 10),
    (Ethnicity::WhiteIrish, 2),
    (Ethnicity::TravellerOfIrishHeritage, 2),
    (Ethnicity::GypsyRoma, 2),
    (Ethnicity::WhiteAndBlackCaribbean, 4),
    (Ethnicity::WhiteAndBlackAfrican, 2),
    (Ethnicity::WhiteAndAsian, 4),
    (Ethnicity::MixedOther, 4),
    (Ethnicity::Indian, 2),
    (Ethnicity::Pakistani, 2),
    (Ethnicity::Bangladeshi, 1),
    (Ethnicity::AsianOther, 2),
    (Ethnicity::BlackCaribbean, 1),
    (Ethnicity::BlackAfrican, 2),
    (Ethnicity::BlackOther, 1),
    (Ethnicity::Chinese, 1),
    (Ethnicity::OtherEthnicGroup, 1),
    (Ethnicity::Refused, 1),
    (Ethnicity::NotObtained, 4),
];

const DISABILITIES: &[(Disability, u32)] = &[
    (Disability::Autism, 30),
    (Disability::Learning, 20),
    (Disability::Communication, 15),
    (Disability::Behaviour, 12),
    (Disability::Mobility, 6),
    (Disability::Hearing, 4),
    (Disability::Vision, 4),
    (Disability::PersonalCare, 3),
    (Disability::HandFunction, 2),
    (Disability::Incontinence, 2),
    (Disability::Consciousness, 1),
    (Disability::Other, 5),
];

/// Network candidates: relationship to the child, kind, and the names to draw from.
const NETWORK_CANDIDATES: &[(&str, NetworkMemberKind, &[&str], bool)] = &[
    (
        "Maternal grandmother",
        NetworkMemberKind::Relative,
        names::OLDER_WOMEN,
        false,
    ),
    (
        "Maternal grandfather",
        NetworkMemberKind::Relative,
        names::OLDER_MEN,
        false,
    ),
    (
        "Paternal grandmother",
        NetworkMemberKind::Relative,
        names::OLDER_WOMEN,
        true,
    ),
    (
        "Paternal grandfather",
        NetworkMemberKind::Relative,
        names::OLDER_MEN,
        true,
    ),
    (
        "Aunt (mother's sister)",
        NetworkMemberKind::Relative,
        names::WOMEN,
        false,
    ),
    (
        "Uncle (father's brother)",
        NetworkMemberKind::Relative,
        names::MEN,
        true,
    ),
    ("Cousin", NetworkMemberKind::Relative, names::WOMEN, true),
    (
        "Family friend",
        NetworkMemberKind::Friend,
        names::WOMEN,
        false,
    ),
    (
        "Mum's friend from work",
        NetworkMemberKind::Friend,
        names::WOMEN,
        false,
    ),
    ("Godparent", NetworkMemberKind::Friend, names::MEN, false),
    (
        "Neighbour",
        NetworkMemberKind::ConnectedPerson,
        names::OLDER_WOMEN,
        false,
    ),
    (
        "Football coach",
        NetworkMemberKind::ConnectedPerson,
        names::MEN,
        false,
    ),
    (
        "Church youth leader",
        NetworkMemberKind::ConnectedPerson,
        names::WOMEN,
        false,
    ),
];

const WILLINGNESS: &[(Willingness, u32)] = &[
    (Willingness::Willing, 45),
    (Willingness::WillingWithSupport, 25),
    (Willingness::NotWilling, 10),
    (Willingness::NotAsked, 20),
];

impl<'a> Population<'a> {
    /// A generator seeded with `seed`, allocating from `places` and `staff`.
    pub(super) fn new(seed: u64, ids: IdGen, places: &'a Places, staff: &'a Staff) -> Self {
        use rand::SeedableRng;
        Self {
            rng: StdRng::seed_from_u64(seed),
            ids,
            serials: Serials::new(),
            places,
            staff,
            lsoa_weights: places
                .lsoas
                .iter()
                .enumerate()
                .map(|(i, l)| (i, l.weight))
                .collect(),
            families: 0,
        }
    }

    /// How many children the next family has (1–4, at most `remaining`).
    pub(super) fn family_size(&mut self, remaining: usize) -> usize {
        let n = weighted(&mut self.rng, &[(1, 35), (2, 35), (3, 20), (4, 10)]);
        n.min(remaining).max(1)
    }

    /// The locality of an LSOA (by index).
    pub(super) fn locality_of(&self, lsoa: usize) -> Loc {
        self.places.lsoas[lsoa].area().locality
    }

    /// The Family Help team (index into `staff.family_help`) covering an LSOA: the area's
    /// team, or when the patch has several teams (a large population), the current family's
    /// turn among them.
    pub(super) fn team_of(&self, lsoa: usize) -> usize {
        let code = self.places.lsoas[lsoa].area().team;
        let patch = self
            .staff
            .family_help
            .iter()
            .position(|t| t.code == code)
            .unwrap_or(0);
        match self.staff.patch_teams.get(patch) {
            Some(teams) if !teams.is_empty() => teams[self.families % teams.len()],
            _ => patch,
        }
    }

    /// A household in a weighted-random LSOA (or `near`'s collaborative, if given).
    fn household(&mut self, label: &'static str, near: Option<usize>) -> Household {
        let lsoa = match near {
            Some(other) if chance(&mut self.rng, 0.7) => {
                let collaborative = self.places.lsoas[other].collaborative;
                let same: Vec<(usize, u32)> = self
                    .lsoa_weights
                    .iter()
                    .copied()
                    .filter(|(i, _)| self.places.lsoas[*i].collaborative == collaborative)
                    .collect();
                weighted(&mut self.rng, &same)
            }
            _ => weighted(&mut self.rng, &self.lsoa_weights),
        };
        let (town, outward) = *pick(&mut self.rng, self.places.lsoas[lsoa].area().towns);
        let since = rand_date(
            &mut self.rng,
            REFERENCE_DATE - days(8 * 365),
            REFERENCE_DATE - days(60),
        );
        let previous = if chance(&mut self.rng, 0.2) {
            let prev_lsoa = weighted(&mut self.rng, &self.lsoa_weights);
            let (prev_town, prev_outward) =
                *pick(&mut self.rng, self.places.lsoas[prev_lsoa].area().towns);
            let started = since - days(self.rng.gen_range(400..=2000));
            Some((
                prev_lsoa,
                names::street_line(&mut self.rng),
                prev_town,
                names::postcode(&mut self.rng, prev_outward),
                started,
            ))
        } else {
            None
        };
        Household {
            label,
            lsoa,
            line1: names::street_line(&mut self.rng),
            town,
            postcode: names::postcode(&mut self.rng, outward),
            since,
            previous,
        }
    }

    /// Generates one family of `size` children with everything about them, into `rows`.
    /// Returns the number of children created.
    pub(super) fn family(&mut self, rows: &mut Rows, size: usize) -> usize {
        self.families += 1;
        let surname = names::surname(&mut self.rng);
        let ethnicity = weighted(&mut self.rng, ETHNICITIES);
        let shape = weighted(
            &mut self.rng,
            &[
                (Shape::Couple, 42),
                (Shape::SingleMum, 36),
                (Shape::SingleDad, 5),
                (Shape::CoParenting, 13),
                (Shape::Kinship, 4),
            ],
        );

        // Households.
        let mut households = Vec::new();
        match shape {
            Shape::Couple => households.push(self.household("Family home", None)),
            Shape::SingleMum => households.push(self.household("Mum's home", None)),
            Shape::SingleDad => households.push(self.household("Dad's home", None)),
            Shape::CoParenting => {
                let mum = self.household("Mum's home", None);
                let near = Some(mum.lsoa);
                households.push(mum);
                households.push(self.household("Dad's home", near));
            }
            Shape::Kinship => {
                let nan = self.household("Nan's home", None);
                let near = Some(nan.lsoa);
                households.push(nan);
                households.push(self.household("Mum's home", near));
            }
        }

        // Children's ages: the eldest first, then gaps of one to four years; sometimes an
        // unborn baby is the youngest.
        let unborn_youngest = chance(&mut self.rng, 0.03);
        let born = if unborn_youngest { size - 1 } else { size };
        let mut births: Vec<Option<NaiveDate>> = Vec::new();
        if born > 0 {
            let eldest_age = self.rng.gen_range((born as i64 - 1)..=17);
            let mut age_days = eldest_age * 365 + self.rng.gen_range(0..365);
            for n in 0..born {
                if n > 0 {
                    // A gap of ten months to four years, shrunk to fit the siblings still
                    // to come (the youngest at least three weeks old).
                    let left = (born - n) as i64;
                    let budget = ((age_days - 21) / left).max(0);
                    let gap = if budget <= 300 {
                        budget
                    } else {
                        self.rng.gen_range(300..=budget.min(4 * 365))
                    };
                    age_days = (age_days - gap).max(21);
                }
                births.push(Some(REFERENCE_DATE - days(age_days)));
            }
        }
        if unborn_youngest {
            births.push(None);
        }
        let youngest_born = births.iter().flatten().max().copied();
        let timeline = self.timeline(youngest_born);
        let created_at = timeline.contact_at;

        let family_id = self.ids.next();
        rows.family.push(family::Model {
            id: family_id,
            name: format!("{surname} family"),
            created_at,
            version: 1,
        });

        // Children.
        let mut children = Vec::new();
        for dob in &births {
            let household = match shape {
                Shape::CoParenting if chance(&mut self.rng, 0.35) => 1,
                _ => 0,
            };
            let level = self.level_of_need(&timeline);
            let child = self.child(
                rows,
                &surname,
                ethnicity,
                *dob,
                (household, &households),
                level,
                created_at,
            );
            rows.family_member.push(family_member::Model {
                id: self.ids.next(),
                family_id,
                person_id: child.id,
                role: FamilyRole::Child.code().to_owned(),
                household: households[household].label.to_owned(),
                started_on: dob.unwrap_or(created_at.date_naive()),
                ended_on: None,
            });
            children.push(child);
        }

        // Adults.
        let eldest_dob = children
            .iter()
            .filter_map(|c| c.dob)
            .min()
            .unwrap_or(REFERENCE_DATE);
        let adults = self.adults(rows, shape, &surname, ethnicity, eldest_dob, created_at);
        for adult in &adults {
            rows.family_member.push(family_member::Model {
                id: self.ids.next(),
                family_id,
                person_id: adult.id,
                role: adult.role.code().to_owned(),
                household: households[adult.household].label.to_owned(),
                started_on: adult.since,
                ended_on: None,
            });
        }

        // Addresses: everyone lives at their household's address.
        let residents: Vec<(Uuid, usize, Option<NaiveDate>)> = children
            .iter()
            .map(|c| (c.id, c.household, c.dob))
            .chain(adults.iter().map(|a| (a.id, a.household, None)))
            .collect();
        for (person_id, household, dob) in residents {
            self.addresses(
                rows,
                person_id,
                &households[household],
                dob,
                created_at.date_naive(),
            );
        }

        // Relationships: each child to each parent or carer, and between siblings.
        let half_sibling_eldest =
            shape == Shape::SingleMum && children.len() > 1 && chance(&mut self.rng, 0.2);
        for child in &children {
            for adult in &adults {
                if let Some((kind, pr)) = adult.relationship {
                    let started_on = match kind {
                        RelationshipKind::StepParent => Some(adult.since),
                        _ => child.dob,
                    };
                    rows.relationship.push(relationship::Model {
                        id: self.ids.next(),
                        person_id: child.id,
                        related_person_id: adult.id,
                        kind: kind.code().to_owned(),
                        parental_responsibility: pr,
                        started_on,
                        ended_on: None,
                    });
                }
            }
        }
        for (i, a) in children.iter().enumerate() {
            for (j, b) in children.iter().enumerate() {
                if i == j {
                    continue;
                }
                let kind = if half_sibling_eldest && (i == 0 || j == 0) {
                    RelationshipKind::HalfSibling
                } else {
                    RelationshipKind::Sibling
                };
                rows.relationship.push(relationship::Model {
                    id: self.ids.next(),
                    person_id: a.id,
                    related_person_id: b.id,
                    kind: kind.code().to_owned(),
                    parental_responsibility: false,
                    started_on: a.dob.max(b.dob),
                    ended_on: None,
                });
            }
        }

        // The family network: parents and two to five relatives, friends and connected
        // people, for most families that get Family Help and some others.
        let wants_network = if timeline.episode.is_some() {
            0.8
        } else {
            0.25
        };
        let network = if chance(&mut self.rng, wants_network) {
            self.network(rows, family_id, &surname, &adults, created_at)
        } else {
            Vec::new()
        };

        let family = Family {
            id: family_id,
            children,
            network,
        };
        self.casework(rows, &family, &timeline);
        family.children.len()
    }

    /// One child: the person row, identifiers, disabilities and agency links.
    #[allow(clippy::too_many_arguments)]
    fn child(
        &mut self,
        rows: &mut Rows,
        surname: &str,
        ethnicity: Ethnicity,
        dob: Option<NaiveDate>,
        (household, households): (usize, &[Household]),
        level: Option<LevelOfNeed>,
        created_at: DateTime<Utc>,
    ) -> Child {
        let rng = &mut self.rng;
        let id = self.ids.next();
        let sex = match dob {
            None if chance(rng, 0.7) => Sex::Unknown,
            _ => weighted(
                rng,
                &[(Sex::Male, 49), (Sex::Female, 49), (Sex::Unknown, 2)],
            ),
        };
        let given = match (dob, sex) {
            (None, _) => "Baby",
            (_, Sex::Male) => *pick(rng, names::BOYS),
            (_, Sex::Female) => *pick(rng, names::GIRLS),
            (_, Sex::Unknown) => *pick(rng, names::NEUTRAL),
        };
        let expected = match dob {
            None => Some(REFERENCE_DATE + days(rng.gen_range(14..=150))),
            Some(_) => None,
        };
        let school_age = dob.map(|d| age_on(d, SCHOOL_YEAR_AGE_DATE));

        // Disabilities and SEND.
        let disabled = dob.is_some() && chance(rng, 0.09);
        let mut disability_codes = Vec::new();
        if disabled {
            let first = weighted(rng, DISABILITIES);
            disability_codes.push(first);
            if chance(rng, 0.35) {
                let second = weighted(rng, DISABILITIES);
                if second != first {
                    disability_codes.push(second);
                }
            }
        } else if dob.is_some() && chance(rng, 0.4) {
            disability_codes.push(Disability::NoDisability);
        }
        let send = match school_age {
            Some(age) if age >= 2 => {
                if disabled {
                    weighted(
                        rng,
                        &[
                            (SendStatus::Ehcp, 40),
                            (SendStatus::SenSupport, 40),
                            (SendStatus::None, 20),
                        ],
                    )
                } else if age >= 4 {
                    weighted(
                        rng,
                        &[
                            (SendStatus::Ehcp, 25),
                            (SendStatus::SenSupport, 120),
                            (SendStatus::None, 855),
                        ],
                    )
                } else {
                    SendStatus::None
                }
            }
            _ => SendStatus::None,
        };
        for code in disability_codes {
            rows.person_disability.push(person_disability::Model {
                id: self.ids.next(),
                person_id: id,
                code: code.code().to_owned(),
            });
        }

        rows.person.push(person::Model {
            id,
            given_name: given.to_owned(),
            family_name: surname.to_owned(),
            date_of_birth: dob,
            expected_date_of_birth: expected,
            sex: sex.code().to_owned(),
            ethnicity: Some(ethnicity.code().to_owned()),
            send_status: send.code().to_owned(),
            level_of_need: level.and_then(|l| l.code().parse().ok()),
            is_child: true,
            created_at,
            version: 1,
        });

        // Identifiers.
        let case_id = self.serials.case_system_id();
        self.identifier(rows, id, IdentifierKind::CaseSystemId, case_id);
        if dob.is_some()
            && chance(&mut self.rng, 0.93)
            && let Some(nhs) = self.serials.nhs_number(&mut self.rng)
        {
            self.identifier(rows, id, IdentifierKind::NhsNumber, nhs);
        }
        let mut on_roll = false;
        match school_age {
            Some(age) if age >= 4 => {
                let roll = self.rng.gen_range(0..1000);
                if roll < 12 {
                    // Educated outside school: no UPN.
                    self.identifier(
                        rows,
                        id,
                        IdentifierKind::UpnUnknown,
                        UpnUnknown::EducatedOutsideSchool.code().to_owned(),
                    );
                } else if roll < 20 {
                    self.identifier(
                        rows,
                        id,
                        IdentifierKind::UpnUnknown,
                        UpnUnknown::UpnNotYetObtained.code().to_owned(),
                    );
                    on_roll = age < 16;
                } else {
                    if let Some(upn) = self.serials.upn(&mut self.rng) {
                        self.identifier(rows, id, IdentifierKind::Upn, upn);
                    }
                    if age >= 8
                        && chance(&mut self.rng, 0.03)
                        && let Some(former) = self.serials.temporary_upn()
                    {
                        self.identifier(rows, id, IdentifierKind::FormerUpn, former);
                    }
                    on_roll = age < 16 || chance(&mut self.rng, 0.7);
                }
            }
            Some(_) if chance(&mut self.rng, 0.15) => {
                self.identifier(
                    rows,
                    id,
                    IdentifierKind::UpnUnknown,
                    UpnUnknown::UnderSixNotAtSchool.code().to_owned(),
                );
            }
            _ => {}
        }

        // Agency links: a GP for every born child, a school for those on roll, the nursery
        // for some toddlers.
        let home = &households[household];
        let loc = self.locality_of(home.lsoa);
        if let Some(dob) = dob {
            let gps: Vec<Uuid> = self
                .staff
                .gps
                .iter()
                .filter(|(_, l)| *l == loc)
                .map(|(id, _)| *id)
                .collect();
            let gp = *pick(&mut self.rng, &gps);
            let registered = (dob + days(self.rng.gen_range(14..=60))).min(REFERENCE_DATE);
            self.agency_link(
                rows,
                id,
                gp,
                AgencyLinkKind::RegisteredPatient,
                registered,
                None,
            );
        }
        let mut school = None;
        let mut school_since = None;
        if let (true, Some(age)) = (on_roll, school_age) {
            let secondary = age >= 11;
            let candidates: Vec<usize> = self
                .staff
                .schools
                .iter()
                .enumerate()
                .filter(|(_, s)| s.locality == loc && s.secondary == secondary)
                .map(|(i, _)| i)
                .collect();
            let index = *pick(&mut self.rng, &candidates);
            let entered = if secondary { age - 11 } else { age - 4 };
            let since = date(2026 - entered, 9, 1);
            let current = self.staff.schools[index].agency_id;
            let others: Vec<Uuid> = candidates
                .iter()
                .filter(|&&i| i != index)
                .map(|&i| self.staff.schools[i].agency_id)
                .collect();
            match school_move(id, since, &others) {
                None => {
                    self.agency_link(rows, id, current, AgencyLinkKind::OnRoll, since, None);
                    school_since = Some(since);
                }
                Some(SchoolMove::Moved { from, left, joined }) => {
                    self.agency_link(rows, id, from, AgencyLinkKind::OnRoll, since, Some(left));
                    self.agency_link(rows, id, current, AgencyLinkKind::OnRoll, joined, None);
                    school_since = Some(joined);
                }
                Some(SchoolMove::Moving { to }) => {
                    self.agency_link(
                        rows,
                        id,
                        current,
                        AgencyLinkKind::OnRoll,
                        since,
                        Some(SPRING_TERM_ENDS),
                    );
                    self.agency_link(
                        rows,
                        id,
                        to,
                        AgencyLinkKind::OnRoll,
                        SUMMER_TERM_STARTS,
                        None,
                    );
                    school_since = Some(since);
                }
            }
            if secondary {
                // The primary school they left.
                let primaries: Vec<usize> = self
                    .staff
                    .schools
                    .iter()
                    .enumerate()
                    .filter(|(_, s)| s.locality == loc && !s.secondary)
                    .map(|(i, _)| i)
                    .collect();
                let primary = *pick(&mut self.rng, &primaries);
                let left = date(2026 - entered, 7, 20);
                let joined = date(2026 - entered - 7, 9, 1);
                self.agency_link(
                    rows,
                    id,
                    self.staff.schools[primary].agency_id,
                    AgencyLinkKind::OnRoll,
                    joined,
                    Some(left),
                );
            }
            school = Some(index);
        }
        if matches!(school_age, Some(2 | 3)) && chance(&mut self.rng, 0.5) {
            let since = REFERENCE_DATE - days(self.rng.gen_range(30..=500));
            self.agency_link(
                rows,
                id,
                self.staff.early_years,
                AgencyLinkKind::KnownTo,
                since,
                None,
            );
        }

        Child {
            id,
            dob,
            household,
            disabled,
            school,
            school_since,
            team: self.team_of(home.lsoa),
        }
    }

    /// The parents and carers of a family of `shape`.
    fn adults(
        &mut self,
        rows: &mut Rows,
        shape: Shape,
        surname: &str,
        ethnicity: Ethnicity,
        eldest_dob: NaiveDate,
        created_at: DateTime<Utc>,
    ) -> Vec<Adult> {
        let mut adults = Vec::new();
        // Every adult is at least 18 on the reference date.
        let adult_by = REFERENCE_DATE - days(18 * 365 + 5);
        let mum_age = self.rng.gen_range(18..=38);
        let mum_dob = (eldest_dob - days(mum_age * 365 + self.rng.gen_range(0..365))).min(adult_by);
        let dad_dob = (mum_dob - days(self.rng.gen_range(-700..=2500))).min(adult_by);
        let mixed = matches!(
            ethnicity,
            Ethnicity::WhiteAndBlackCaribbean
                | Ethnicity::WhiteAndBlackAfrican
                | Ethnicity::WhiteAndAsian
                | Ethnicity::MixedOther
        );
        let (mum_ethnicity, dad_ethnicity) = match ethnicity {
            Ethnicity::WhiteAndBlackCaribbean => {
                (Ethnicity::WhiteBritish, Ethnicity::BlackCaribbean)
            }
            Ethnicity::WhiteAndBlackAfrican => (Ethnicity::WhiteBritish, Ethnicity::BlackAfrican),
            Ethnicity::WhiteAndAsian => (Ethnicity::WhiteBritish, Ethnicity::Pakistani),
            e if mixed => (Ethnicity::WhiteBritish, e),
            e => (e, e),
        };
        let (mum_home, dad_home) = match shape {
            Shape::Couple => (Some(0), Some(0)),
            Shape::SingleMum => (Some(0), None),
            Shape::SingleDad => (None, Some(0)),
            Shape::CoParenting => (Some(0), Some(1)),
            Shape::Kinship => (Some(1), None),
        };
        if let Some(household) = mum_home {
            let given = *pick(&mut self.rng, names::WOMEN);
            let id = self.adult(
                rows,
                given,
                surname,
                Sex::Female,
                mum_dob,
                Some(mum_ethnicity),
                created_at,
            );
            adults.push(Adult {
                id,
                role: FamilyRole::Parent,
                household,
                relationship: Some((RelationshipKind::Mother, true)),
                network: Some(("Mother", NetworkMemberKind::Parent)),
                display_name: format!("{given} {surname}"),
                since: eldest_dob,
            });
        }
        if let Some(household) = dad_home {
            let given = *pick(&mut self.rng, names::MEN);
            let id = self.adult(
                rows,
                given,
                surname,
                Sex::Male,
                dad_dob,
                Some(dad_ethnicity),
                created_at,
            );
            let pr = chance(&mut self.rng, 0.88);
            adults.push(Adult {
                id,
                role: FamilyRole::Parent,
                household,
                relationship: Some((RelationshipKind::Father, pr)),
                network: Some(("Father", NetworkMemberKind::Parent)),
                display_name: format!("{given} {surname}"),
                since: eldest_dob,
            });
        }
        if shape == Shape::SingleMum && chance(&mut self.rng, 0.15) {
            let given = *pick(&mut self.rng, names::MEN);
            let partner_surname = names::surname(&mut self.rng);
            let dob = (mum_dob - days(self.rng.gen_range(-1500..=3000))).min(adult_by);
            let id = self.adult(
                rows,
                given,
                &partner_surname,
                Sex::Male,
                dob,
                None,
                created_at,
            );
            let since = rand_date(
                &mut self.rng,
                REFERENCE_DATE - days(5 * 365),
                REFERENCE_DATE - days(90),
            );
            adults.push(Adult {
                id,
                role: FamilyRole::OtherAdult,
                household: 0,
                relationship: Some((RelationshipKind::StepParent, false)),
                network: None,
                display_name: format!("{given} {partner_surname}"),
                since,
            });
        }
        if shape == Shape::Kinship {
            let given = *pick(&mut self.rng, names::OLDER_WOMEN);
            let dob = mum_dob - days(self.rng.gen_range(18 * 365..=30 * 365));
            let id = self.adult(
                rows,
                given,
                surname,
                Sex::Female,
                dob,
                Some(mum_ethnicity),
                created_at,
            );
            let since = rand_date(
                &mut self.rng,
                REFERENCE_DATE - days(6 * 365),
                REFERENCE_DATE - days(120),
            )
            .max(eldest_dob);
            adults.push(Adult {
                id,
                role: FamilyRole::Carer,
                household: 0,
                relationship: Some((RelationshipKind::Grandparent, true)),
                network: Some((
                    "Maternal grandmother (kinship carer)",
                    NetworkMemberKind::Relative,
                )),
                display_name: format!("{given} {surname}"),
                since,
            });
        }
        if eldest_dob < REFERENCE_DATE - days(10 * 365) && chance(&mut self.rng, 0.05) {
            // An adult sibling still living at home.
            let sex = weighted(&mut self.rng, &[(Sex::Male, 1), (Sex::Female, 1)]);
            let given = if sex == Sex::Male {
                *pick(&mut self.rng, names::MEN)
            } else {
                *pick(&mut self.rng, names::WOMEN)
            };
            let dob = (eldest_dob - days(self.rng.gen_range(2 * 365..=5 * 365)))
                .min(REFERENCE_DATE - days(18 * 365 + 30));
            let id = self.adult(rows, given, surname, sex, dob, Some(ethnicity), created_at);
            adults.push(Adult {
                id,
                role: FamilyRole::Sibling,
                household: 0,
                relationship: Some((RelationshipKind::Sibling, false)),
                network: Some(("Adult sibling", NetworkMemberKind::Relative)),
                display_name: format!("{given} {surname}"),
                since: dob,
            });
        }
        adults
    }

    /// An adult's person row and identifiers.
    #[allow(clippy::too_many_arguments)]
    fn adult(
        &mut self,
        rows: &mut Rows,
        given: &str,
        surname: &str,
        sex: Sex,
        dob: NaiveDate,
        ethnicity: Option<Ethnicity>,
        created_at: DateTime<Utc>,
    ) -> Uuid {
        let id = self.ids.next();
        let ethnicity = ethnicity.filter(|_| chance(&mut self.rng, 0.8));
        rows.person.push(person::Model {
            id,
            given_name: given.to_owned(),
            family_name: surname.to_owned(),
            date_of_birth: Some(dob),
            expected_date_of_birth: None,
            sex: sex.code().to_owned(),
            ethnicity: ethnicity.map(|e| e.code().to_owned()),
            send_status: SendStatus::None.code().to_owned(),
            level_of_need: None,
            is_child: false,
            created_at,
            version: 1,
        });
        let case_id = self.serials.case_system_id();
        self.identifier(rows, id, IdentifierKind::CaseSystemId, case_id);
        if chance(&mut self.rng, 0.5)
            && let Some(nhs) = self.serials.nhs_number(&mut self.rng)
        {
            self.identifier(rows, id, IdentifierKind::NhsNumber, nhs);
        }
        id
    }

    /// Current (and, if the household moved, previous) address rows for one person.
    fn addresses(
        &mut self,
        rows: &mut Rows,
        person_id: Uuid,
        home: &Household,
        dob: Option<NaiveDate>,
        fallback: NaiveDate,
    ) {
        let born = dob.unwrap_or(fallback);
        let started_on = home.since.max(born).min(REFERENCE_DATE);
        if let Some((lsoa, line1, town, postcode, prev_started)) = &home.previous
            && born < home.since
        {
            rows.address.push(address::Model {
                id: self.ids.next(),
                person_id,
                line1: line1.clone(),
                town: (*town).to_owned(),
                postcode: postcode.clone(),
                lsoa_code: Some(self.places.lsoas[*lsoa].code.clone()),
                started_on: (*prev_started).max(born),
                ended_on: Some(home.since - days(1)),
            });
        }
        rows.address.push(address::Model {
            id: self.ids.next(),
            person_id,
            line1: home.line1.clone(),
            town: home.town.to_owned(),
            postcode: home.postcode.clone(),
            lsoa_code: Some(self.places.lsoas[home.lsoa].code.clone()),
            started_on,
            ended_on: None,
        });
    }

    /// A family network: the parents and carers, and two to five others.
    fn network(
        &mut self,
        rows: &mut Rows,
        family_id: Uuid,
        surname: &str,
        adults: &[Adult],
        created_at: DateTime<Utc>,
    ) -> Vec<Uuid> {
        let network_id = self.ids.next();
        rows.family_network.push(family_network::Model {
            id: network_id,
            family_id,
            created_at: created_at + chrono::Duration::days(self.rng.gen_range(1..=30)),
            version: 1,
        });
        let mut members = Vec::new();
        let has_kinship_carer = adults.iter().any(|a| a.role == FamilyRole::Carer);
        for adult in adults {
            if let Some((relationship, kind)) = adult.network {
                let id = self.ids.next();
                rows.network_member.push(network_member::Model {
                    id,
                    family_network_id: network_id,
                    person_id: Some(adult.id),
                    display_name: adult.display_name.clone(),
                    kind: kind.code().to_owned(),
                    relationship_to_child: relationship.to_owned(),
                    willingness: Willingness::Willing.code().to_owned(),
                    phone: Some(names::drama_phone(&mut self.rng)),
                });
                members.push(id);
            }
        }
        let mut candidates: Vec<usize> = (0..NETWORK_CANDIDATES.len())
            .filter(|i| !(has_kinship_carer && *i == 0))
            .collect();
        candidates.shuffle(&mut self.rng);
        let count = self.rng.gen_range(2..=5);
        let maternal_surname = names::surname(&mut self.rng);
        for index in candidates.into_iter().take(count) {
            let (relationship, kind, given_names, paternal) = NETWORK_CANDIDATES[index];
            let given = *pick(&mut self.rng, given_names);
            let family_name = match (kind, paternal) {
                (NetworkMemberKind::Relative, true) => surname.to_owned(),
                (NetworkMemberKind::Relative, false) => maternal_surname.clone(),
                _ => names::surname(&mut self.rng),
            };
            let id = self.ids.next();
            let phone = chance(&mut self.rng, 0.8).then(|| names::drama_phone(&mut self.rng));
            rows.network_member.push(network_member::Model {
                id,
                family_network_id: network_id,
                person_id: None,
                display_name: format!("{given} {family_name}"),
                kind: kind.code().to_owned(),
                relationship_to_child: relationship.to_owned(),
                willingness: weighted(&mut self.rng, WILLINGNESS).code().to_owned(),
                phone,
            });
            members.push(id);
        }
        members
    }

    /// Adds a person identifier row.
    pub(super) fn identifier(
        &mut self,
        rows: &mut Rows,
        person_id: Uuid,
        kind: IdentifierKind,
        value: String,
    ) {
        rows.person_identifier.push(person_identifier::Model {
            id: self.ids.next(),
            person_id,
            kind: kind.code().to_owned(),
            value,
        });
    }

    /// Adds an agency link row.
    pub(super) fn agency_link(
        &mut self,
        rows: &mut Rows,
        person_id: Uuid,
        agency_id: Uuid,
        kind: AgencyLinkKind,
        started_on: NaiveDate,
        ended_on: Option<NaiveDate>,
    ) {
        rows.agency_link.push(agency_link::Model {
            id: self.ids.next(),
            person_id,
            agency_id,
            kind: kind.code().to_owned(),
            started_on,
            ended_on,
            year_group: None,
        });
    }
}
