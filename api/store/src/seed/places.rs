//! Places: Cheshire East (a real unitary council, ONS code `E06000049`), its two localities,
//! eight collaboratives, LSOAs and six Family Hubs, as described in the council's committee
//! feedback on implementing the Families First reforms.
//!
//! The 21 South-locality LSOAs in the borough's most deprived 30% carry their real IMD 2019
//! deciles (overall and the seven domains) from that document. The Crewe ones are split
//! between Crewe North (the first ten by code) and Crewe South (the other ten): the document
//! does not say which collaborative each lies in, so that split is arbitrary. `E01018454`
//! (Nantwich) belongs to Nantwich & Rural.
//!
//! Every other LSOA here is a **synthetic placeholder, no IMD data**: a code of the right
//! shape (`E010199xx`) that gives the other collaboratives somewhere for families to live.
//! Its deciles are `NULL` and its name says "placeholder".

use super::ids::IdGen;
use super::rows::Rows;
use crate::entity::{area, family_hub, local_authority, locality, lsoa};
use chrono::NaiveDate;
use familygraph_domain::AreaKind;
use uuid::Uuid;

/// The two localities of the borough.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Loc {
    North,
    South,
}

/// A collaborative: code, name, locality, the Family Help team covering it, and the towns
/// (with postcode outward codes) its addresses use.
pub(super) struct CollaborativeDef {
    pub(super) code: &'static str,
    pub(super) name: &'static str,
    pub(super) locality: Loc,
    pub(super) team: &'static str,
    pub(super) towns: &'static [(&'static str, &'static str)],
}

/// The eight collaboratives, North then South.
pub(super) const COLLABORATIVES: [CollaborativeDef; 8] = [
    CollaborativeDef {
        code: "WILMSLOW_KNUTSFORD",
        name: "Wilmslow & Knutsford",
        locality: Loc::North,
        team: "N1",
        towns: &[("Wilmslow", "SK9"), ("Knutsford", "WA16")],
    },
    CollaborativeDef {
        code: "MACCLESFIELD_NORTH",
        name: "Macclesfield North",
        locality: Loc::North,
        team: "N1",
        towns: &[("Macclesfield", "SK10")],
    },
    CollaborativeDef {
        code: "MACCLESFIELD_SOUTH",
        name: "Macclesfield South",
        locality: Loc::North,
        team: "N2",
        towns: &[("Macclesfield", "SK11")],
    },
    CollaborativeDef {
        code: "CONGLETON_HOLMES_CHAPEL",
        name: "Congleton & Holmes Chapel",
        locality: Loc::North,
        team: "N2",
        towns: &[("Congleton", "CW12"), ("Holmes Chapel", "CW4")],
    },
    CollaborativeDef {
        code: "SANDBACH_ALSAGER_MIDDLEWICH",
        name: "Sandbach, Alsager & Middlewich",
        locality: Loc::South,
        team: "S2",
        towns: &[
            ("Sandbach", "CW11"),
            ("Alsager", "ST7"),
            ("Middlewich", "CW10"),
        ],
    },
    CollaborativeDef {
        code: "CREWE_NORTH",
        name: "Crewe North",
        locality: Loc::South,
        team: "S1",
        towns: &[("Crewe", "CW1")],
    },
    CollaborativeDef {
        code: "CREWE_SOUTH",
        name: "Crewe South",
        locality: Loc::South,
        team: "S1",
        towns: &[("Crewe", "CW2")],
    },
    CollaborativeDef {
        code: "NANTWICH_RURAL",
        name: "Nantwich & Rural",
        locality: Loc::South,
        team: "S2",
        towns: &[("Nantwich", "CW5"), ("Audlem", "CW3")],
    },
];

/// The 21 South-locality LSOAs in the borough's most deprived 30%, with their IMD 2019
/// deciles: overall, income, employment, education, health, crime, housing, living
/// environment (committee document, "South Locality - Overview and LSOA Detail").
pub(super) const DEPRIVED_SOUTH_LSOAS: [(&str, &str, [i32; 8]); 21] = [
    ("E01018445", "Crewe", [2, 2, 2, 2, 1, 3, 3, 5]),
    ("E01018446", "Crewe", [3, 4, 3, 3, 3, 1, 5, 10]),
    ("E01018454", "Nantwich", [3, 3, 4, 2, 3, 5, 9, 5]),
    ("E01018459", "Crewe", [2, 2, 2, 1, 3, 2, 6, 4]),
    ("E01018461", "Crewe", [3, 3, 2, 2, 3, 3, 8, 4]),
    ("E01018462", "Crewe", [1, 2, 2, 1, 1, 1, 9, 1]),
    ("E01018463", "Crewe", [2, 3, 3, 2, 2, 1, 8, 1]),
    ("E01018464", "Crewe", [3, 4, 6, 2, 3, 1, 9, 1]),
    ("E01018466", "Crewe", [1, 1, 2, 1, 2, 1, 9, 2]),
    ("E01018467", "Crewe", [2, 3, 3, 2, 3, 1, 9, 1]),
    ("E01018476", "Crewe", [1, 1, 1, 1, 1, 1, 5, 8]),
    ("E01018477", "Crewe", [2, 3, 2, 2, 2, 3, 6, 8]),
    ("E01018478", "Crewe", [2, 3, 3, 1, 2, 5, 8, 6]),
    ("E01018482", "Crewe", [3, 3, 3, 2, 3, 5, 2, 7]),
    ("E01018484", "Crewe", [2, 3, 3, 1, 1, 6, 6, 8]),
    ("E01018485", "Crewe", [2, 2, 2, 1, 3, 2, 8, 6]),
    ("E01018486", "Crewe", [2, 3, 3, 2, 2, 1, 6, 1]),
    ("E01018487", "Crewe", [3, 4, 5, 2, 4, 2, 8, 1]),
    ("E01018489", "Crewe", [3, 4, 5, 3, 5, 3, 6, 1]),
    ("E01018497", "Crewe", [3, 4, 5, 2, 3, 2, 10, 1]),
    ("E01018498", "Crewe", [2, 2, 2, 1, 1, 3, 5, 9]),
];

/// Synthetic placeholder LSOAs (no IMD data): how many each collaborative gets, in
/// [`COLLABORATIVES`] order. Crewe North and Crewe South have only real ones.
const PLACEHOLDERS_PER_COLLABORATIVE: [usize; 8] = [3, 3, 3, 3, 3, 0, 0, 2];

/// The six Family Hubs, their opening month (the document gives month and year; the day is
/// set to the 1st) and the collaborative each is placed in.
const FAMILY_HUBS: [(&str, i32, u32, &str); 6] = [
    ("Oakenclough Family Hub", 2023, 7, "MACCLESFIELD_NORTH"),
    ("Oaktree Family Hub", 2023, 7, "MACCLESFIELD_SOUTH"),
    ("Monks Coppenhall Family Hub", 2023, 10, "CREWE_NORTH"),
    ("Ash Grove Family Hub", 2023, 11, "CREWE_SOUTH"),
    ("Congleton Family Hub", 2023, 11, "CONGLETON_HOLMES_CHAPEL"),
    ("Crewe Lifestyle Centre Family Hub", 2025, 4, "CREWE_SOUTH"),
];

/// One LSOA as the generators need it.
#[derive(Debug, Clone)]
pub(super) struct LsoaRef {
    pub(super) code: String,
    /// Index into [`COLLABORATIVES`].
    pub(super) collaborative: usize,
    /// Relative chance that a generated household lives here.
    pub(super) weight: u32,
}

impl LsoaRef {
    /// The collaborative this LSOA lies in.
    pub(super) fn area(&self) -> &'static CollaborativeDef {
        &COLLABORATIVES[self.collaborative]
    }
}

/// The places the generators refer to.
pub(super) struct Places {
    pub(super) lsoas: Vec<LsoaRef>,
    /// Locality ids: North, South.
    pub(super) north_id: Uuid,
    pub(super) south_id: Uuid,
    /// Area ids in [`COLLABORATIVES`] order.
    pub(super) area_ids: Vec<Uuid>,
}

impl Places {
    /// The locality id of `loc`.
    pub(super) fn locality_id(&self, loc: Loc) -> Uuid {
        match loc {
            Loc::North => self.north_id,
            Loc::South => self.south_id,
        }
    }
}

/// Ids of the places, generated before teams so teams can name their locality.
pub(super) fn place_ids(ids: &mut IdGen, rows: &mut Rows) -> Places {
    let la_id = ids.next();
    rows.local_authority.push(local_authority::Model {
        id: la_id,
        code: "E06000049".to_owned(),
        name: "Cheshire East".to_owned(),
    });
    let north_id = ids.next();
    let south_id = ids.next();
    for (id, code, name) in [(north_id, "NORTH", "North"), (south_id, "SOUTH", "South")] {
        rows.locality.push(locality::Model {
            id,
            local_authority_id: la_id,
            code: code.to_owned(),
            name: name.to_owned(),
        });
    }
    let area_ids = COLLABORATIVES.iter().map(|_| ids.next()).collect();
    Places {
        lsoas: Vec::new(),
        north_id,
        south_id,
        area_ids,
    }
}

/// Generates areas (linked to their teams), LSOAs and Family Hubs. `team_id` gives the id
/// of a team by code.
pub(super) fn areas_and_lsoas(
    ids: &mut IdGen,
    rows: &mut Rows,
    places: &mut Places,
    team_id: impl Fn(&str) -> Option<Uuid>,
) {
    for (index, def) in COLLABORATIVES.iter().enumerate() {
        rows.area.push(area::Model {
            id: places.area_ids[index],
            locality_id: places.locality_id(def.locality),
            kind: AreaKind::Collaborative.code().to_owned(),
            code: def.code.to_owned(),
            name: def.name.to_owned(),
            team_id: team_id(def.team),
        });
    }

    let collaborative_index = |code: &str| {
        COLLABORATIVES
            .iter()
            .position(|c| c.code == code)
            .unwrap_or(0)
    };
    let mut crewe_seen = 0;
    let mut town_counts: Vec<(&str, usize)> = Vec::new();
    let mut next_name = |town: &'static str| {
        let n = match town_counts.iter_mut().find(|(t, _)| *t == town) {
            Some((_, n)) => {
                *n += 1;
                *n
            }
            None => {
                town_counts.push((town, 1));
                1
            }
        };
        format!("{town} {n:02}")
    };
    for (code, town, imd) in DEPRIVED_SOUTH_LSOAS {
        let collaborative = if town == "Nantwich" {
            collaborative_index("NANTWICH_RURAL")
        } else {
            crewe_seen += 1;
            if crewe_seen <= 10 {
                collaborative_index("CREWE_NORTH")
            } else {
                collaborative_index("CREWE_SOUTH")
            }
        };
        let [
            overall,
            income,
            employment,
            education,
            health,
            crime,
            housing,
            living,
        ] = imd;
        rows.lsoa.push(lsoa::Model {
            id: ids.next(),
            code: code.to_owned(),
            name: next_name(town),
            area_id: Some(places.area_ids[collaborative]),
            imd_overall: Some(overall),
            imd_income: Some(income),
            imd_employment: Some(employment),
            imd_education: Some(education),
            imd_health: Some(health),
            imd_crime: Some(crime),
            imd_housing: Some(housing),
            imd_living_environment: Some(living),
        });
        places.lsoas.push(LsoaRef {
            code: code.to_owned(),
            collaborative,
            // Decile 1 is the most deprived: weight 30, decile 3 weight 24.
            weight: (11 - overall.clamp(1, 10)) as u32 * 3,
        });
    }

    let mut placeholder = 0;
    for (collaborative, count) in PLACEHOLDERS_PER_COLLABORATIVE.iter().enumerate() {
        let def = &COLLABORATIVES[collaborative];
        for n in 0..*count {
            placeholder += 1;
            let code = format!("E010199{placeholder:02}");
            let town = def.towns[n % def.towns.len()].0;
            rows.lsoa.push(lsoa::Model {
                id: ids.next(),
                code: code.clone(),
                name: format!("{} (placeholder)", next_name(town)),
                area_id: Some(places.area_ids[collaborative]),
                imd_overall: None,
                imd_income: None,
                imd_employment: None,
                imd_education: None,
                imd_health: None,
                imd_crime: None,
                imd_housing: None,
                imd_living_environment: None,
            });
            places.lsoas.push(LsoaRef {
                code,
                collaborative,
                weight: 10,
            });
        }
    }

    for (name, year, month, collaborative) in FAMILY_HUBS {
        rows.family_hub.push(family_hub::Model {
            id: ids.next(),
            area_id: places.area_ids[collaborative_index(collaborative)],
            name: name.to_owned(),
            opened_on: NaiveDate::from_ymd_opt(year, month, 1),
        });
    }
}
