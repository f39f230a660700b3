//! Casework for the generated population: front-door contacts and triage, referrals, Family
//! Help episodes with their lead practitioners (some changed once or twice), assessments,
//! plans with goals, reviews and visits, and child protection (section 47 enquiries,
//! conferences, plans) led by a lead child protection practitioner in the MACPT while the
//! Family Help lead stays allocated.
//!
//! Timelines are decided per family (the whole-family approach) and written per child.

use chrono::{DateTime, NaiveDate, Utc};
use familygraph_domain::{
    AgencyLinkKind, AssessmentFactor, CategoryOfAbuse, ClosureReason, FamilyHelpLevel,
    InvolvementRole, LevelOfNeed, PlanKind, PrimaryNeed, ReferralSource, Section47Outcome,
    TriageDecision,
};
use rand::Rng;
use uuid::Uuid;

use super::names::{self, chance, pick, weighted};
use super::people::{Child, Family, Population};
use super::rows::Rows;
use super::{REFERENCE_DATE, age_on, days, minutes, rand_date, start_of};
use crate::entity::{
    assessment, assessment_factor, contact, cp_conference, family_help_episode, involvement, plan,
    plan_goal, plan_review, referral, section47_enquiry, visit,
};

/// A family's front-door contact and what followed, decided once for all its children.
pub(super) struct Timeline {
    pub(super) contact_at: DateTime<Utc>,
    pub(super) source: ReferralSource,
    pub(super) concern: &'static str,
    pub(super) decision: Option<TriageDecision>,
    pub(super) decided_at: Option<DateTime<Utc>>,
    pub(super) front_door_officer: Uuid,
    pub(super) episode: Option<Episode>,
}

/// A Family Help episode's shape.
pub(super) struct Episode {
    pub(super) level: FamilyHelpLevel,
    pub(super) start: NaiveDate,
    pub(super) end: Option<NaiveDate>,
    pub(super) closure: Option<ClosureReason>,
    /// Assessment started and authorised.
    pub(super) assessment: Option<(NaiveDate, Option<NaiveDate>)>,
    pub(super) s47: Option<Section47>,
}

/// A section 47 enquiry and, if it led to one, the child protection plan.
pub(super) struct Section47 {
    pub(super) start: NaiveDate,
    pub(super) concluded: Option<NaiveDate>,
    pub(super) outcome: Option<Section47Outcome>,
    pub(super) cp: Option<ChildProtection>,
}

/// A child protection plan's dates and categories.
pub(super) struct ChildProtection {
    pub(super) start: NaiveDate,
    pub(super) end: Option<NaiveDate>,
    pub(super) initial: CategoryOfAbuse,
    pub(super) latest: CategoryOfAbuse,
}

impl Timeline {
    /// Whether a child protection plan is open on the reference date.
    pub(super) fn cp_open(&self) -> bool {
        self.episode
            .as_ref()
            .and_then(|e| e.s47.as_ref())
            .and_then(|s| s.cp.as_ref())
            .is_some_and(|cp| cp.end.is_none())
    }
}

/// One lead practitioner's stint with the family.
struct Lead {
    practitioner: Uuid,
    start: NaiveDate,
    end: Option<NaiveDate>,
    reason: Option<&'static str>,
}

/// A plan as decided for the family, written once per child.
struct PlanShape {
    kind: PlanKind,
    start: NaiveDate,
    end: Option<NaiveDate>,
    categories: Option<(CategoryOfAbuse, CategoryOfAbuse)>,
}

const SOURCES: &[(ReferralSource, u32)] = &[
    (ReferralSource::IndividualFamily, 7),
    (ReferralSource::IndividualAcquaintance, 2),
    (ReferralSource::IndividualSelf, 2),
    (ReferralSource::IndividualOther, 1),
    (ReferralSource::Schools, 20),
    (ReferralSource::EducationServices, 3),
    (ReferralSource::HealthGp, 4),
    (ReferralSource::HealthVisitor, 5),
    (ReferralSource::SchoolNurse, 2),
    (ReferralSource::OtherPrimaryHealth, 2),
    (ReferralSource::AccidentAndEmergency, 3),
    (ReferralSource::OtherHealth, 2),
    (ReferralSource::Housing, 3),
    (ReferralSource::LaSocialCare, 2),
    (ReferralSource::LaOtherInternal, 2),
    (ReferralSource::LaExternal, 1),
    (ReferralSource::LaEarlyHelp, 7),
    (ReferralSource::Police, 24),
    (ReferralSource::OtherLegalAgency, 1),
    (ReferralSource::Other, 4),
    (ReferralSource::Anonymous, 2),
    (ReferralSource::Unknown, 1),
];

const PRIMARY_NEEDS: &[(PrimaryNeed, u32)] = &[
    (PrimaryNeed::NotStated, 3),
    (PrimaryNeed::AbuseOrNeglect, 15),
    (PrimaryNeed::ChildDisability, 8),
    (PrimaryNeed::ParentalDisabilityOrIllness, 10),
    (PrimaryNeed::FamilyInAcuteStress, 25),
    (PrimaryNeed::FamilyDysfunction, 20),
    (PrimaryNeed::SociallyUnacceptableBehaviour, 6),
    (PrimaryNeed::LowIncome, 6),
    (PrimaryNeed::AbsentParenting, 4),
    (PrimaryNeed::CasesOtherThanChildrenInNeed, 3),
];

const FACTORS: &[(AssessmentFactor, u32)] = &[
    (AssessmentFactor::MentalHealthParent, 20),
    (AssessmentFactor::DomesticAbuseParent, 18),
    (AssessmentFactor::AlcoholParent, 8),
    (AssessmentFactor::DrugsParent, 8),
    (AssessmentFactor::Neglect, 10),
    (AssessmentFactor::EmotionalAbuse, 10),
    (AssessmentFactor::MentalHealthChild, 8),
    (AssessmentFactor::LearningDisabilityChild, 3),
    (AssessmentFactor::PhysicalDisabilityParent, 3),
    (AssessmentFactor::YoungCarer, 2),
    (AssessmentFactor::Missing, 3),
    (AssessmentFactor::SociallyUnacceptableBehaviour, 3),
    (AssessmentFactor::SelfHarm, 3),
    (AssessmentFactor::ChildCriminalExploitation, 2),
    (AssessmentFactor::ChildSexualExploitation, 1),
    (AssessmentFactor::Gangs, 1),
    (AssessmentFactor::PhysicalAbuseAdultOnChild, 2),
    (AssessmentFactor::SexualAbuseAdultOnChild, 1),
    (AssessmentFactor::DomesticAbuseChild, 2),
    (AssessmentFactor::Other, 2),
];

const CATEGORIES: &[(CategoryOfAbuse, u32)] = &[
    (CategoryOfAbuse::Neglect, 45),
    (CategoryOfAbuse::EmotionalAbuse, 35),
    (CategoryOfAbuse::PhysicalAbuse, 8),
    (CategoryOfAbuse::SexualAbuse, 4),
    (CategoryOfAbuse::Multiple, 8),
];

/// Minutes from contact to triage decision: a few hours for most, up to a day and a half.
fn triage_delay(rng: &mut rand::rngs::StdRng) -> i64 {
    if chance(rng, 0.8) {
        rng.gen_range(45..=8 * 60)
    } else {
        rng.gen_range(8 * 60..=36 * 60)
    }
}

impl Population<'_> {
    /// Decides a family's contact and casework. `youngest_born` keeps episodes after the
    /// youngest (born) child's birth.
    pub(super) fn timeline(&mut self, youngest_born: Option<NaiveDate>) -> Timeline {
        let front_door_officer = *pick(&mut self.rng, &self.staff.front_door);
        let latest = REFERENCE_DATE - days(7);
        let floor = youngest_born.map(|d| d + days(14));
        let rng = &mut self.rng;

        if !chance(rng, 0.60) {
            // Triaged without Family Help, or still waiting for a decision.
            if chance(rng, 0.04) {
                let contact_at = start_of(REFERENCE_DATE) - minutes(rng.gen_range(60..=3_600));
                let source = weighted(rng, SOURCES);
                return Timeline {
                    contact_at,
                    source,
                    concern: names::presenting_concern(rng, source.code()),
                    decision: None,
                    decided_at: None,
                    front_door_officer,
                    episode: None,
                };
            }
            let lo = floor
                .unwrap_or(REFERENCE_DATE)
                .min(REFERENCE_DATE - days(2))
                .max(REFERENCE_DATE - days(730));
            let day = rand_date(rng, lo, REFERENCE_DATE - days(1));
            let contact_at = start_of(day) + minutes(rng.gen_range(8 * 60..18 * 60));
            let source = weighted(rng, SOURCES);
            let decision = weighted(
                rng,
                &[
                    (TriageDecision::AdviceAndSignposting, 35),
                    (TriageDecision::UniversalServices, 35),
                    (TriageDecision::NoFurtherAction, 30),
                ],
            );
            let decided_at = contact_at + minutes(triage_delay(rng));
            return Timeline {
                contact_at,
                source,
                concern: names::presenting_concern(rng, source.code()),
                decision: Some(decision),
                decided_at: Some(decided_at),
                front_door_officer,
                episode: None,
            };
        }

        // Family Help.
        let closed_floor = floor
            .unwrap_or(REFERENCE_DATE - days(1_100))
            .max(REFERENCE_DATE - days(1_100));
        let can_close = closed_floor <= REFERENCE_DATE - days(120);
        let (start, mut end) = if can_close && !chance(rng, 0.65) {
            let start = rand_date(rng, closed_floor, REFERENCE_DATE - days(120));
            let end = (start + days(rng.gen_range(60..=400))).min(REFERENCE_DATE - days(1));
            (start, Some(end))
        } else {
            let lo = floor
                .unwrap_or(REFERENCE_DATE)
                .max(REFERENCE_DATE - days(540))
                .min(latest);
            (rand_date(rng, lo, latest), None)
        };
        let level = if chance(rng, 0.45) {
            FamilyHelpLevel::ChildInNeed
        } else {
            FamilyHelpLevel::TargetedEarlyHelp
        };
        let closure = end.map(|_| match level {
            FamilyHelpLevel::TargetedEarlyHelp => weighted(
                rng,
                &[
                    (ClosureReason::ServicesCeased, 80),
                    (ClosureReason::TransferredToAnotherLa, 12),
                    (ClosureReason::ChildArrangementsOrder, 8),
                ],
            ),
            FamilyHelpLevel::ChildInNeed => weighted(
                rng,
                &[
                    (ClosureReason::ServicesCeased, 50),
                    (ClosureReason::ClosedAfterAssessmentNoFurtherAction, 18),
                    (ClosureReason::ClosedAfterAssessmentReferredToEarlyHelp, 14),
                    (ClosureReason::TransferredToAnotherLa, 8),
                    (ClosureReason::ChildArrangementsOrder, 5),
                    (ClosureReason::SpecialGuardianshipOrder, 5),
                ],
            ),
        });
        let after_assessment = matches!(
            closure,
            Some(
                ClosureReason::ClosedAfterAssessmentNoFurtherAction
                    | ClosureReason::ClosedAfterAssessmentReferredToEarlyHelp
            )
        );
        if after_assessment {
            end = Some((start + days(rng.gen_range(20..=45))).min(REFERENCE_DATE - days(1)));
        }
        let span_end = end.unwrap_or(REFERENCE_DATE - days(1));

        // Assessment: always for child in need, often for targeted early help.
        let assessment = if level == FamilyHelpLevel::ChildInNeed || chance(rng, 0.6) {
            let started = (start + days(rng.gen_range(0..=3))).min(span_end);
            let authorised = if after_assessment {
                end
            } else {
                let on = started + days(rng.gen_range(10..=45));
                (on <= span_end).then_some(on)
            };
            Some((started, authorised))
        } else {
            None
        };

        // Section 47 enquiries and child protection, for some child in need episodes.
        let mut fast_track = false;
        let s47 = if level == FamilyHelpLevel::ChildInNeed && !after_assessment {
            let roll: f64 = rng.r#gen();
            if roll < 0.42 {
                fast_track = chance(rng, 0.25);
                let span = (span_end - start).num_days().max(3);
                let s47_start = if fast_track {
                    start
                } else {
                    (start + days(rng.gen_range(3..=(span / 3).max(3)))).min(span_end)
                };
                Some(self.section47(s47_start, end, roll < 0.34))
            } else {
                None
            }
        } else {
            None
        };
        let rng = &mut self.rng;

        let contact_day = if fast_track {
            start
        } else {
            start - days(rng.gen_range(0..=10))
        };
        let contact_at = start_of(contact_day) + minutes(rng.gen_range(8 * 60..18 * 60));
        let source = if fast_track {
            weighted(
                rng,
                &[
                    (ReferralSource::Police, 50),
                    (ReferralSource::Schools, 20),
                    (ReferralSource::AccidentAndEmergency, 10),
                    (ReferralSource::HealthGp, 10),
                    (ReferralSource::IndividualFamily, 10),
                ],
            )
        } else {
            weighted(rng, SOURCES)
        };
        let (decision, delay) = if fast_track {
            (TriageDecision::StrategyDiscussion, rng.gen_range(30..=240))
        } else {
            (TriageDecision::FamilyHelp, triage_delay(rng))
        };
        Timeline {
            contact_at,
            source,
            concern: names::presenting_concern(rng, source.code()),
            decision: Some(decision),
            decided_at: Some(contact_at + minutes(delay)),
            front_door_officer,
            episode: Some(Episode {
                level,
                start,
                end,
                closure,
                assessment,
                s47,
            }),
        }
    }

    /// A section 47 enquiry starting on `start` within an episode ending `end`; with
    /// `conference` it leads to an initial conference and a child protection plan.
    fn section47(
        &mut self,
        start: NaiveDate,
        end: Option<NaiveDate>,
        conference: bool,
    ) -> Section47 {
        let rng = &mut self.rng;
        let span_end = end.unwrap_or(REFERENCE_DATE - days(1));
        if conference {
            let held = start + days(rng.gen_range(10..=15));
            if held > span_end {
                return if end.is_none() {
                    // Still under enquiry on the reference date.
                    Section47 {
                        start,
                        concluded: None,
                        outcome: None,
                        cp: None,
                    }
                } else {
                    Section47 {
                        start,
                        concluded: Some(span_end),
                        outcome: Some(Section47Outcome::ContinueFamilyHelp),
                        cp: None,
                    }
                };
            }
            let cp_end = match end {
                Some(end) => Some(rand_date(rng, (held + days(60)).min(end), end)),
                None if chance(rng, 0.25) => {
                    let on = held + days(rng.gen_range(90..=400));
                    (on <= REFERENCE_DATE - days(7)).then_some(on)
                }
                None => None,
            };
            let initial = weighted(rng, CATEGORIES);
            let latest = if chance(rng, 0.15) {
                weighted(rng, CATEGORIES)
            } else {
                initial
            };
            Section47 {
                start,
                concluded: Some(held),
                outcome: Some(Section47Outcome::Conference),
                cp: Some(ChildProtection {
                    start: held,
                    end: cp_end,
                    initial,
                    latest,
                }),
            }
        } else {
            let concluded = start + days(rng.gen_range(5..=15));
            let outcome = weighted(
                rng,
                &[
                    (Section47Outcome::NoFurtherAction, 40),
                    (Section47Outcome::ContinueFamilyHelp, 60),
                ],
            );
            if concluded > span_end {
                if end.is_none() {
                    return Section47 {
                        start,
                        concluded: None,
                        outcome: None,
                        cp: None,
                    };
                }
                return Section47 {
                    start,
                    concluded: Some(span_end),
                    outcome: Some(outcome),
                    cp: None,
                };
            }
            Section47 {
                start,
                concluded: Some(concluded),
                outcome: Some(outcome),
                cp: None,
            }
        }
    }

    /// A child's level of need on the reference date, consistent with the timeline.
    pub(super) fn level_of_need(&mut self, t: &Timeline) -> Option<LevelOfNeed> {
        let rng = &mut self.rng;
        Some(match (&t.episode, t.decision) {
            _ if t.cp_open() => LevelOfNeed::AcuteNeeds,
            (Some(e), _) if e.end.is_none() => match e.level {
                FamilyHelpLevel::ChildInNeed => LevelOfNeed::MultipleNeeds,
                FamilyHelpLevel::TargetedEarlyHelp if chance(rng, 0.55) => {
                    LevelOfNeed::MultipleNeeds
                }
                FamilyHelpLevel::TargetedEarlyHelp => LevelOfNeed::AdditionalNeeds,
            },
            (Some(_), _) if chance(rng, 0.5) => LevelOfNeed::AdditionalNeeds,
            (Some(_), _) => LevelOfNeed::Universal,
            (None, None) => return None,
            (None, Some(TriageDecision::NoFurtherAction)) => LevelOfNeed::Universal,
            (None, Some(_)) if chance(rng, 0.4) => LevelOfNeed::AdditionalNeeds,
            (None, Some(_)) => LevelOfNeed::Universal,
        })
    }

    /// The lead practitioners of a family in Family Help team `team` over an episode: one,
    /// or a chain when the lead changed once or twice.
    fn lead_chain(&mut self, team: usize, episode: &Episode) -> Vec<Lead> {
        let staff = self.staff;
        let team = &staff.family_help[team];
        let social_work = episode.level == FamilyHelpLevel::ChildInNeed;
        let pool: Vec<Uuid> = if social_work {
            team.social_workers.clone()
        } else if chance(&mut self.rng, 0.6) {
            team.family_workers.clone()
        } else {
            team.family_help_workers.clone()
        };
        let rng = &mut self.rng;
        let until = episode.end.unwrap_or(REFERENCE_DATE);
        let span = (until - episode.start).num_days();
        let mut changes = weighted(rng, &[(0usize, 67), (1, 25), (2, 8)]);
        if span < 60 {
            changes = 0;
        }
        let mut chain = Vec::new();
        let mut current = *pick(rng, &pool);
        let mut from = episode.start;
        for k in 1..=changes {
            let mut on = episode.start
                + days(span * k as i64 / (changes as i64 + 1) + rng.gen_range(-10..=10));
            let limit = until - days(7);
            let leaver = team.leavers.iter().find(|l| {
                l.social_worker == social_work && l.left_on > from + days(14) && l.left_on < limit
            });
            let reason = match leaver {
                Some(l) if chance(rng, 0.7) => {
                    current = l.id;
                    on = l.left_on;
                    names::LEFT_THE_TEAM
                }
                _ => *pick(rng, names::CHANGE_REASONS),
            };
            if on <= from || on >= until {
                continue;
            }
            chain.push(Lead {
                practitioner: current,
                start: from,
                end: Some(on),
                reason: Some(reason),
            });
            from = on;
            let mut next = *pick(rng, &pool);
            for _ in 0..3 {
                if next != current {
                    break;
                }
                next = *pick(rng, &pool);
            }
            current = next;
        }
        chain.push(Lead {
            practitioner: current,
            start: from,
            end: episode.end,
            reason: None,
        });
        chain
    }

    /// Writes the casework rows for every child of `family`.
    pub(super) fn casework(&mut self, rows: &mut Rows, family: &Family, t: &Timeline) {
        let staff = self.staff;
        let recorded_by = staff.subject_of(t.front_door_officer).map(str::to_owned);
        let lcpp = *pick(&mut self.rng, &staff.lcpps);
        let primary_need = if t.cp_open() || t.episode.as_ref().is_some_and(|e| e.s47.is_some()) {
            PrimaryNeed::AbuseOrNeglect
        } else {
            weighted(&mut self.rng, PRIMARY_NEEDS)
        };
        let family_factors = self.factors();
        let plans = t
            .episode
            .as_ref()
            .map(|e| self.plans(e))
            .unwrap_or_default();
        let mut chains: Vec<(usize, Vec<Lead>)> = Vec::new();
        let network_plan = match &t.episode {
            Some(e) if !family.network.is_empty() && chance(&mut self.rng, 0.15) => {
                let start = e.start + days(self.rng.gen_range(30..=120));
                (start < e.end.unwrap_or(REFERENCE_DATE)).then_some(PlanShape {
                    kind: PlanKind::FamilyNetwork,
                    start,
                    end: e.end,
                    categories: None,
                })
            }
            _ => None,
        };
        let key_agency = chance(&mut self.rng, 0.3);
        let vcs = if t.episode.is_some() && chance(&mut self.rng, 0.15) {
            Some(*pick(&mut self.rng, &staff.vcs))
        } else {
            None
        };

        for (index, child) in family.children.iter().enumerate() {
            let team_id = staff.family_help[child.team].id;
            let contact_id = self.ids.next();
            let routed_team_id = match t.decision {
                Some(TriageDecision::FamilyHelp) => Some(team_id),
                Some(TriageDecision::StrategyDiscussion) => Some(staff.macpt_team),
                _ => None,
            };
            rows.contact.push(contact::Model {
                id: contact_id,
                person_id: child.id,
                family_id: Some(family.id),
                received_at: t.contact_at + minutes(index as i64),
                source: t.source.code().to_owned(),
                presenting_concern: t.concern.to_owned(),
                recorded_by: recorded_by.clone(),
                triage_decision: t.decision.map(|d| d.code().to_owned()),
                triage_reason: t
                    .decision
                    .map(|d| names::triage_reason(&mut self.rng, d.code()).to_owned()),
                decided_at: t.decided_at.map(|at| at + minutes(index as i64)),
                decided_by_id: t.decided_at.map(|_| t.front_door_officer),
                routed_team_id,
                version: 1,
            });
            if t.decision.is_none() {
                // Waiting at the front door: the officer holds it.
                self.involvement(
                    rows,
                    child.id,
                    t.front_door_officer,
                    Some(staff.front_door_team),
                    InvolvementRole::CaseWorker,
                    t.contact_at.date_naive(),
                    None,
                    None,
                );
            }
            let Some(episode) = &t.episode else {
                continue;
            };
            let born = child.dob.unwrap_or(episode.start);

            if episode.level == FamilyHelpLevel::ChildInNeed {
                rows.referral.push(referral::Model {
                    id: self.ids.next(),
                    person_id: child.id,
                    contact_id: Some(contact_id),
                    referral_on: episode.start,
                    source: t.source.code().to_owned(),
                    primary_need: if child.disabled && primary_need != PrimaryNeed::AbuseOrNeglect {
                        PrimaryNeed::ChildDisability.code().to_owned()
                    } else {
                        primary_need.code().to_owned()
                    },
                    no_further_action: None,
                });
            }
            let episode_id = self.ids.next();
            rows.family_help_episode.push(family_help_episode::Model {
                id: episode_id,
                person_id: child.id,
                family_id: family.id,
                team_id: Some(team_id),
                level: episode.level.code().to_owned(),
                started_on: episode.start,
                ended_on: episode.end,
                closure_reason: episode.closure.map(|c| c.code().to_owned()),
                version: 1,
            });

            // The lead practitioner (the same for siblings in the same team).
            if !chains.iter().any(|(team, _)| *team == child.team) {
                let chain = self.lead_chain(child.team, episode);
                chains.push((child.team, chain));
            }
            let chain_index = chains
                .iter()
                .position(|(team, _)| *team == child.team)
                .unwrap_or(0);
            let leads: Vec<(Uuid, NaiveDate, Option<NaiveDate>, Option<&'static str>)> = chains
                [chain_index]
                .1
                .iter()
                .map(|l| (l.practitioner, l.start, l.end, l.reason))
                .collect();
            for (practitioner, start, end, reason) in &leads {
                if end.is_some_and(|e| e < born) {
                    continue;
                }
                self.involvement(
                    rows,
                    child.id,
                    *practitioner,
                    Some(team_id),
                    InvolvementRole::FamilyHelpLead,
                    (*start).max(born).min(end.unwrap_or(REFERENCE_DATE)),
                    *end,
                    *reason,
                );
            }
            let lead_at = |on: NaiveDate| {
                leads
                    .iter()
                    .rev()
                    .find(|(_, start, _, _)| *start <= on)
                    .or(leads.first())
                    .map(|(id, _, _, _)| *id)
            };

            // A VCS group that knows the family.
            if let Some(vcs) = vcs {
                self.agency_link(
                    rows,
                    child.id,
                    vcs,
                    AgencyLinkKind::KnownTo,
                    episode.start.max(born),
                    None,
                );
            }

            // The school as a key agency, and the disabled children's team for some.
            if let (true, Some(school)) = (key_agency, child.school) {
                let started = episode
                    .start
                    .max(child.school_since.unwrap_or(episode.start));
                if episode.end.is_none_or(|end| started <= end) {
                    self.involvement(
                        rows,
                        child.id,
                        staff.schools[school].dsl_id,
                        None,
                        InvolvementRole::KeyAgency,
                        started,
                        episode.end,
                        None,
                    );
                }
            }
            if episode.level == FamilyHelpLevel::ChildInNeed
                && child.disabled
                && chance(&mut self.rng, 0.4)
            {
                let worker = *pick(&mut self.rng, &staff.specialist_social_workers);
                self.involvement(
                    rows,
                    child.id,
                    worker,
                    Some(staff.specialist_team),
                    InvolvementRole::CaseWorker,
                    episode.start.max(born),
                    episode.end,
                    None,
                );
            }

            // Assessment and factors.
            if let Some((started, authorised)) = episode.assessment {
                let assessment_id = self.ids.next();
                let outcome = authorised.map(|_| {
                    let index = match (episode.closure, &episode.s47, episode.level) {
                        (
                            Some(
                                ClosureReason::ClosedAfterAssessmentNoFurtherAction
                                | ClosureReason::ClosedAfterAssessmentReferredToEarlyHelp,
                            ),
                            _,
                            _,
                        ) => 2,
                        (_, Some(_), _) => 3,
                        (_, _, FamilyHelpLevel::ChildInNeed) => 0,
                        _ => 1,
                    };
                    names::ASSESSMENT_OUTCOMES[index].to_owned()
                });
                rows.assessment.push(assessment::Model {
                    id: assessment_id,
                    person_id: child.id,
                    family_help_episode_id: Some(episode_id),
                    started_on: started.max(born),
                    authorised_on: authorised.map(|a| a.max(born)),
                    child_seen: chance(&mut self.rng, 0.95),
                    outcome,
                });
                if authorised.is_some() && episode.level == FamilyHelpLevel::ChildInNeed {
                    let mut codes = family_factors.clone();
                    if chance(&mut self.rng, 0.2) {
                        let extra = weighted(&mut self.rng, FACTORS);
                        if !codes.contains(&extra) && !codes.contains(&AssessmentFactor::NoFactors)
                        {
                            codes.push(extra);
                        }
                    }
                    for code in codes {
                        rows.assessment_factor.push(assessment_factor::Model {
                            id: self.ids.next(),
                            assessment_id,
                            code: code.code().to_owned(),
                        });
                    }
                }
            }

            // Section 47, conference and the lead child protection practitioner.
            if let Some(s47) = &episode.s47 {
                let s47_id = self.ids.next();
                rows.section47_enquiry.push(section47_enquiry::Model {
                    id: s47_id,
                    person_id: child.id,
                    started_on: s47.start,
                    concluded_on: s47.concluded,
                    outcome: s47.outcome.map(|o| o.code().to_owned()),
                    lead_practitioner_id: Some(lcpp),
                });
                if let Some(cp) = &s47.cp {
                    rows.cp_conference.push(cp_conference::Model {
                        id: self.ids.next(),
                        person_id: child.id,
                        section47_enquiry_id: Some(s47_id),
                        held_on: cp.start,
                        cp_plan_started: true,
                    });
                }
                let lcpp_end = match &s47.cp {
                    Some(cp) => cp.end,
                    None => s47.concluded,
                };
                self.involvement(
                    rows,
                    child.id,
                    lcpp,
                    Some(staff.macpt_team),
                    InvolvementRole::LeadChildProtectionPractitioner,
                    s47.start,
                    lcpp_end,
                    None,
                );
            }

            // Plans, each with goals, reviews and visits.
            let child_network_plan = if index == 0 {
                network_plan.as_ref()
            } else {
                None
            };
            for shape in plans.iter().chain(child_network_plan) {
                let plan_id = self.ids.next();
                let family_id = (shape.kind == PlanKind::FamilyNetwork).then_some(family.id);
                rows.plan.push(plan::Model {
                    id: plan_id,
                    person_id: child.id,
                    family_id,
                    kind: shape.kind.code().to_owned(),
                    started_on: shape.start,
                    ended_on: shape.end,
                    initial_category: shape.categories.map(|(i, _)| i.code().to_owned()),
                    latest_category: shape.categories.map(|(_, l)| l.code().to_owned()),
                    version: 1,
                });
                let owner_lead = lead_at(shape.start);
                self.goals(rows, plan_id, shape, owner_lead, &family.network);
                self.reviews(rows, plan_id, shape);
                self.visits(rows, child, plan_id, shape, &lead_at, lcpp);
            }
        }
    }

    /// The plans of an episode, in order: a Family Help plan, or child in need plans around
    /// a child protection plan.
    fn plans(&mut self, e: &Episode) -> Vec<PlanShape> {
        let rng = &mut self.rng;
        let mut plans = Vec::new();
        let until = e.end.unwrap_or(REFERENCE_DATE);
        match e.level {
            FamilyHelpLevel::TargetedEarlyHelp => {
                let start = e.start + days(rng.gen_range(7..=28));
                if start < until {
                    plans.push(PlanShape {
                        kind: PlanKind::FamilyHelp,
                        start,
                        end: e.end,
                        categories: None,
                    });
                }
            }
            FamilyHelpLevel::ChildInNeed => {
                let cp = e.s47.as_ref().and_then(|s| s.cp.as_ref());
                if let Some((_, Some(authorised))) = e.assessment {
                    let closed_after_assessment = matches!(
                        e.closure,
                        Some(
                            ClosureReason::ClosedAfterAssessmentNoFurtherAction
                                | ClosureReason::ClosedAfterAssessmentReferredToEarlyHelp
                        )
                    );
                    let start = authorised + days(rng.gen_range(0..=7));
                    let stop = cp.map(|c| c.start).or(e.end);
                    if !closed_after_assessment && start < stop.unwrap_or(REFERENCE_DATE) {
                        plans.push(PlanShape {
                            kind: PlanKind::ChildInNeed,
                            start,
                            end: stop,
                            categories: None,
                        });
                    }
                }
                if let Some(cp) = cp {
                    plans.push(PlanShape {
                        kind: PlanKind::ChildProtection,
                        start: cp.start,
                        end: cp.end,
                        categories: Some((cp.initial, cp.latest)),
                    });
                    // Stepped down to a child in need plan.
                    if let Some(cp_end) = cp.end
                        && cp_end < until
                    {
                        plans.push(PlanShape {
                            kind: PlanKind::ChildInNeed,
                            start: cp_end,
                            end: e.end,
                            categories: None,
                        });
                    }
                }
            }
        }
        plans
    }

    /// A family's assessment factors: one to four codes, or "no factors".
    fn factors(&mut self) -> Vec<AssessmentFactor> {
        let rng = &mut self.rng;
        if chance(rng, 0.1) {
            return vec![AssessmentFactor::NoFactors];
        }
        let count = weighted(rng, &[(1usize, 30), (2, 35), (3, 25), (4, 10)]);
        let mut codes = Vec::new();
        for _ in 0..count {
            let code = weighted(rng, FACTORS);
            if !codes.contains(&code) {
                codes.push(code);
            }
        }
        codes
    }

    /// Two to four goals, owned by the lead practitioner or a network member.
    fn goals(
        &mut self,
        rows: &mut Rows,
        plan_id: Uuid,
        shape: &PlanShape,
        lead: Option<Uuid>,
        network: &[Uuid],
    ) {
        let rng = &mut self.rng;
        let count = rng.gen_range(2..=4);
        let mut used: Vec<&str> = Vec::new();
        for _ in 0..count {
            let description = names::goal(rng, shape.kind.code());
            if used.contains(&description) {
                continue;
            }
            used.push(description);
            let by_network =
                !network.is_empty() && (shape.kind == PlanKind::FamilyNetwork || chance(rng, 0.3));
            let (owner_practitioner_id, owner_network_member_id) = if by_network {
                (None, Some(*pick(rng, network)))
            } else {
                (lead, None)
            };
            let achieved = chance(rng, if shape.end.is_some() { 0.7 } else { 0.25 });
            rows.plan_goal.push(plan_goal::Model {
                id: self.ids.next(),
                plan_id,
                description: description.to_owned(),
                owner_practitioner_id,
                owner_network_member_id,
                achieved,
            });
        }
    }

    /// Reviews every three months (child protection: three months, then every six).
    fn reviews(&mut self, rows: &mut Rows, plan_id: Uuid, shape: &PlanShape) {
        let until = shape.end.unwrap_or(REFERENCE_DATE);
        let mut on = shape.start + days(90);
        while on < until {
            rows.plan_review.push(plan_review::Model {
                id: self.ids.next(),
                plan_id,
                reviewed_on: on,
                outcome: names::review_outcome(&mut self.rng, shape.kind.code()).to_owned(),
            });
            on += days(if shape.kind == PlanKind::ChildProtection {
                180
            } else {
                90
            });
        }
    }

    /// Visits under a plan (at most the last eight): child protection every ten days,
    /// child in need every four weeks, others every three weeks.
    fn visits(
        &mut self,
        rows: &mut Rows,
        child: &Child,
        plan_id: Uuid,
        shape: &PlanShape,
        lead_at: &dyn Fn(NaiveDate) -> Option<Uuid>,
        lcpp: Uuid,
    ) {
        let interval = match shape.kind {
            PlanKind::ChildProtection => 10,
            PlanKind::ChildInNeed => 28,
            PlanKind::FamilyHelp => 21,
            PlanKind::FamilyNetwork => return,
        };
        let until = shape.end.unwrap_or(REFERENCE_DATE - days(1));
        let mut dates = Vec::new();
        let mut on = shape.start + days(self.rng.gen_range(1..=interval));
        while on <= until {
            dates.push(on);
            on += days(interval + self.rng.gen_range(-3..=3));
        }
        let skip = dates.len().saturating_sub(8);
        for (n, on) in dates.into_iter().skip(skip).enumerate() {
            let practitioner_id = if shape.kind == PlanKind::ChildProtection && n % 2 == 1 {
                Some(lcpp)
            } else {
                lead_at(on)
            };
            let seen = chance(&mut self.rng, 0.92);
            let old_enough = child.dob.is_some_and(|d| age_on(d, on) >= 4);
            let alone_chance = if shape.kind == PlanKind::ChildProtection {
                0.8
            } else {
                0.55
            };
            let seen_alone = seen && old_enough && chance(&mut self.rng, alone_chance);
            rows.visit.push(visit::Model {
                id: self.ids.next(),
                person_id: child.id,
                plan_id: Some(plan_id),
                practitioner_id,
                visited_on: on,
                seen,
                seen_alone,
            });
        }
    }

    /// Adds an involvement row.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn involvement(
        &mut self,
        rows: &mut Rows,
        person_id: Uuid,
        practitioner_id: Uuid,
        team_id: Option<Uuid>,
        role: InvolvementRole,
        started_on: NaiveDate,
        ended_on: Option<NaiveDate>,
        change_reason: Option<&str>,
    ) {
        rows.involvement.push(involvement::Model {
            id: self.ids.next(),
            person_id,
            practitioner_id,
            team_id,
            role: role.code().to_owned(),
            // Never after the end (a newborn's allocation can predate the birth otherwise).
            started_on: ended_on.map_or(started_on, |end| started_on.min(end)),
            ended_on,
            change_reason: change_reason.map(str::to_owned),
            version: 1,
        });
    }
}
