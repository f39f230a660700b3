//! Which children, and which of their records, one year's census holds.
//!
//! The census of year `Y` covers every child who was in need at any time between 1 April
//! `Y-1` and 31 March `Y` (both included), as the council knew them on 31 March `Y`:
//!
//! - A CIN episode (`CINdetails`) qualifies when it was open on at least one day of the year:
//!   its referral date is on or before 31 March `Y`, and it has no closure date or closes on
//!   or after 1 April `Y-1`. Other episodes are dropped; a child with no qualifying episode is
//!   not in the census.
//! - Inside a qualifying episode, the records are taken as on 31 March `Y`: anything that
//!   starts later (assessments, CIN plans, section 47 enquiries, child protection plans,
//!   reviews) is dropped, and any later end or event date (closure date with its reason, plan
//!   end dates, initial conference dates, assessment review and authorisation dates) is
//!   cleared, so an episode that closed after the census date is reported open. Earlier
//!   records of the episode stay, whether or not they fall in the year. Targets
//!   (`InitialCPCtarget`) are kept as recorded.
//! - Pre-proceedings stages whose letter before proceedings is dated after 31 March `Y` are
//!   dropped; a death date after 31 March `Y` is cleared.

use chrono::NaiveDate;

use super::model::{CensusChild, CinDetails};

/// The year of one census: 1 April `year - 1` to 31 March `year`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReportingYear {
    start: NaiveDate,
    end: NaiveDate,
}

impl ReportingYear {
    /// The census year ending 31 March `year` (`None` outside chrono's calendar).
    pub fn ending(year: i32) -> Option<Self> {
        Some(Self {
            start: NaiveDate::from_ymd_opt(year - 1, 4, 1)?,
            end: NaiveDate::from_ymd_opt(year, 3, 31)?,
        })
    }

    /// 1 April of the previous year.
    pub fn start(&self) -> NaiveDate {
        self.start
    }

    /// 31 March: the census (reference) date.
    pub fn end(&self) -> NaiveDate {
        self.end
    }

    /// Whether the episode was open on at least one day of the year.
    pub fn episode_qualifies(&self, details: &CinDetails) -> bool {
        details.referral_date <= self.end && details.closure_date.is_none_or(|c| c >= self.start)
    }

    /// The child as this year's census holds them, or `None` if they were not in need
    /// during the year.
    pub fn census_view(&self, child: &CensusChild) -> Option<CensusChild> {
        let end = self.end;
        let keep = |d: Option<NaiveDate>| d.filter(|&d| d <= end);
        let cin_details: Vec<CinDetails> = child
            .cin_details
            .iter()
            .filter(|d| self.episode_qualifies(d))
            .map(|d| {
                let mut d = d.clone();
                if d.closure_date.is_some_and(|c| c > end) {
                    d.closure_date = None;
                    d.reason_for_closure = None;
                }
                d.date_of_initial_cpc = keep(d.date_of_initial_cpc);
                d.assessments.retain(|a| a.actual_start_date <= end);
                for a in &mut d.assessments {
                    a.internal_review_date = keep(a.internal_review_date);
                    a.authorisation_date = keep(a.authorisation_date);
                }
                d.cin_plan_dates.retain(|p| p.start_date <= end);
                for p in &mut d.cin_plan_dates {
                    p.end_date = keep(p.end_date);
                }
                d.section47.retain(|s| s.actual_start_date <= end);
                for s in &mut d.section47 {
                    s.date_of_initial_cpc = keep(s.date_of_initial_cpc);
                }
                d.child_protection_plans.retain(|p| p.start_date <= end);
                for p in &mut d.child_protection_plans {
                    p.end_date = keep(p.end_date);
                    p.review_dates.retain(|&r| r <= end);
                }
                d
            })
            .collect();
        if cin_details.is_empty() {
            return None;
        }
        let mut view = child.clone();
        view.cin_details = cin_details;
        view.identifiers.death_date = keep(view.identifiers.death_date);
        view.pre_proceedings
            .retain(|p| p.letter_before_proceedings_date <= end);
        Some(view)
    }

    /// Every child of `children` in this year's census, as [`ReportingYear::census_view`]
    /// gives them (lazily: one child at a time).
    pub fn children_in_need<I>(self, children: I) -> impl Iterator<Item = CensusChild>
    where
        I: IntoIterator<Item = CensusChild>,
    {
        children
            .into_iter()
            .filter_map(move |c| self.census_view(&c))
    }
}
