//! Synthetic census children, for tests, demonstrations and measurements: deterministic,
//! every module populated, identifiers `LA-SYN-000001`... and UPNs with valid check letters.
//! No real person is described.

use std::io::Write;
use std::num::NonZeroU32;

use chrono::{Days, NaiveDate};
use familygraph_domain::{
    AssessmentFactor, CategoryOfAbuse, ClosureReason, Disability, Ethnicity, PrimaryNeed,
    ReferralSource, Upn, UpnUnknown,
};

use super::codes::{GenderCurrent, PreProceedingsOutcome, SchemaYear};
use super::header::CensusHeader;
use super::model::{
    Assessment, CensusChild, CensusUpn, ChildCharacteristics, ChildIdentifiers,
    ChildProtectionPlan, CinDetails, CinPlanDates, PreProceedings, RecordedSex, Section47,
};
use super::writer::{CensusWriter, WriteError};

/// The synthetic council's LEA code.
pub const LEA: &str = "999";

/// A header for a synthetic file of `year`.
pub fn header(year: SchemaYear) -> CensusHeader {
    CensusHeader::for_year(year, LEA, "familygraph synthetic", "2026-01-01T09:00:00")
}

/// A stream of pseudo-random numbers from `seed` (splitmix64).
struct Dice(u64);

impl Dice {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len() as u64) as usize]
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

fn plus(date: NaiveDate, days: u64) -> NaiveDate {
    date.checked_add_days(Days::new(days)).unwrap_or(date)
}

/// Synthetic child number `n` (1-based) of a `year` file: one or two CIN episodes, the later
/// open during the year, with assessments and factors, a CIN plan, a section 47 enquiry and a
/// child protection plan with reviews; pre-proceedings from 2026. Codes are those `year`
/// allows.
pub fn child(year: SchemaYear, n: u32) -> CensusChild {
    let mut dice = Dice(u64::from(n).wrapping_mul(0xA24B_AED4_963E_E407) ^ year.year() as u64);
    let year_start = NaiveDate::from_ymd_opt(year.year() - 1, 4, 1).unwrap_or(NaiveDate::MIN);
    let birth = plus(year_start, 0).checked_sub_days(Days::new(365 + dice.below(16 * 365)));
    let upn = Upn::with_check_letter(&format!(
        "{LEA}{:04}{:02}{:03}",
        n / 1000 % 10_000,
        year.year() % 100,
        n % 1000
    ))
    .ok()
    .map(CensusUpn::from);
    let sources: Vec<ReferralSource> = ReferralSource::ALL
        .iter()
        .copied()
        .filter(|&s| year.allows_referral_source(s))
        .collect();
    let reasons: Vec<ClosureReason> = ClosureReason::ALL
        .iter()
        .copied()
        .filter(|&r| year.allows_closure_reason(r))
        .collect();
    let gender = dice.pick(GenderCurrent::ALL);
    let mut episodes = Vec::new();
    if dice.chance(30) {
        // An earlier episode, closed before the year began.
        let referral = year_start
            .checked_sub_days(Days::new(200 + dice.below(400)))
            .unwrap_or(year_start);
        let closure = plus(referral, 30 + dice.below(120));
        episodes.push(episode(
            &mut dice,
            referral,
            Some(closure),
            &sources,
            &reasons,
        ));
    }
    let referral = plus(year_start, dice.below(330));
    let closure = dice
        .chance(40)
        .then(|| plus(referral, 20 + dice.below(300)));
    episodes.push(episode(&mut dice, referral, closure, &sources, &reasons));
    let pre_proceedings = if year.has_pre_proceedings() && dice.chance(20) {
        let offered = dice.chance(80);
        vec![PreProceedings {
            letter_before_proceedings_date: plus(referral, 40 + dice.below(60)),
            fgdm_offered: offered,
            fgdm_facilitated: offered && dice.chance(60),
            outcome: dice
                .chance(50)
                .then(|| dice.pick(PreProceedingsOutcome::ALL)),
        }]
    } else {
        Vec::new()
    };
    CensusChild {
        identifiers: ChildIdentifiers {
            la_child_id: format!("LA-SYN-{n:06}"),
            upn_unknown: if upn.is_none() {
                Some(UpnUnknown::UpnNotYetObtained)
            } else {
                None
            },
            upn,
            former_upn: None,
            birth_date: birth,
            expected_birth_date: None,
            sex: if year.uses_sex() {
                RecordedSex::Sex(gender.to_sex())
            } else {
                RecordedSex::GenderCurrent(gender)
            },
            death_date: None,
        },
        characteristics: ChildCharacteristics {
            ethnicity: dice.pick(Ethnicity::ALL),
            disabilities: if dice.chance(70) {
                vec![Disability::NoDisability]
            } else {
                vec![
                    dice.pick(&Disability::ALL[1..]),
                    dice.pick(&Disability::ALL[1..]),
                ]
            },
        },
        cin_details: episodes,
        pre_proceedings,
    }
}

fn episode(
    dice: &mut Dice,
    referral: NaiveDate,
    closure: Option<NaiveDate>,
    sources: &[ReferralSource],
    reasons: &[ClosureReason],
) -> CinDetails {
    // Nothing of an episode starts after it closed (a short episode squeezes its work).
    let by_closure = |date: NaiveDate| closure.map_or(date, |closed| date.min(closed));
    let assessment_start = by_closure(plus(referral, dice.below(5)));
    let s47_start = by_closure(plus(referral, 2 + dice.below(10)));
    let cpp_start = by_closure(plus(s47_start, 15));
    let category = dice.pick(CategoryOfAbuse::ALL);
    let plan_end = closure.map(|c| c.min(plus(cpp_start, 90)));
    let review_dates = [plus(cpp_start, 90), plus(cpp_start, 270)]
        .into_iter()
        .filter(|review| plan_end.is_none_or(|end| *review <= end))
        .collect();
    CinDetails {
        referral_date: referral,
        referral_source: dice.pick(sources),
        primary_need: Some(dice.pick(PrimaryNeed::ALL)),
        closure_date: closure,
        reason_for_closure: closure.map(|_| dice.pick(reasons)),
        date_of_initial_cpc: Some(cpp_start),
        assessments: vec![Assessment {
            actual_start_date: assessment_start,
            internal_review_date: None,
            authorisation_date: Some(plus(assessment_start, 10 + dice.below(30))),
            factors: vec![
                dice.pick(AssessmentFactor::ALL),
                dice.pick(AssessmentFactor::ALL),
            ],
        }],
        cin_plan_dates: vec![CinPlanDates {
            start_date: by_closure(plus(referral, 45)),
            end_date: closure,
        }],
        section47: vec![Section47 {
            actual_start_date: s47_start,
            initial_cpc_target: Some(plus(s47_start, 15)),
            date_of_initial_cpc: Some(cpp_start),
            icpc_not_required: false,
        }],
        referral_nfa: false,
        child_protection_plans: vec![ChildProtectionPlan {
            start_date: cpp_start,
            end_date: plan_end,
            initial_category: category,
            latest_category: if dice.chance(80) {
                category
            } else {
                dice.pick(CategoryOfAbuse::ALL)
            },
            number_of_previous_cpp: NonZeroU32::new(1 + dice.below(3) as u32)
                .unwrap_or(NonZeroU32::MIN),
            review_dates,
        }],
    }
}

/// Writes a synthetic `year` file of `count` children to `out`, one child at a time.
pub fn write_file<W: Write>(out: W, year: SchemaYear, count: u32) -> Result<W, WriteError> {
    let mut writer = CensusWriter::new(out, year, &header(year))?;
    for n in 1..=count {
        writer.write_child(&child(year, n))?;
    }
    writer.finish()
}
