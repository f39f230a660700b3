//! Measures: what locality managers watch — demand by locality and deprivation, caseloads,
//! hand-offs and timeliness — computed in SQL within the caller's scope.
//!
//! Measures return counts and durations only, never a child's record, so they are not audited
//! per child; every figure counts only what the caller's scope reaches.

use async_graphql::{Context, Object, SimpleObject};
use chrono::NaiveDate;
use familygraph_domain::{PlanKind, TriageDecision};
use familygraph_store::measures::{self as store, Period};

use crate::context::request;
use crate::error::{ApiError, ApiResult};
use crate::types::place::Locality;
use crate::types::team::Practitioner;

/// Measures queries.
#[derive(Default)]
pub struct MeasuresQuery;

fn period(from: Option<NaiveDate>, to: Option<NaiveDate>) -> ApiResult<Period> {
    if let (Some(from), Some(to)) = (from, to)
        && to < from
    {
        return Err(ApiError::bad_input(
            "to",
            format!("the period ends ({to}) before it starts ({from})"),
        ));
    }
    Ok(Period { from, to })
}

#[Object]
impl MeasuresQuery {
    /// Demand per locality — contacts, triage decisions, open Family Help episodes and open
    /// plans — each broken down by IMD 2019 overall decile, with timeliness. Children are placed
    /// by their current address. Every locality is listed (zero figures included), by code; a
    /// last entry with no `locality` gathers children with no current address in a known
    /// locality, when there are any. Only what the caller's scope reaches is counted.
    async fn locality_measures(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "First day (UTC) of the period for contacts, triage decisions and timeliness; omitted: no lower bound."
        )]
        from: Option<NaiveDate>,
        #[graphql(desc = "Last day (UTC, inclusive) of the period; omitted: no upper bound.")]
        to: Option<NaiveDate>,
    ) -> ApiResult<Vec<LocalityMeasures>> {
        let period = period(from, to)?;
        let with_timeliness = ctx.look_ahead().field("timeliness").exists();
        let rc = request(ctx)?;
        let groups = store::locality_measures(&rc.db, &rc.scope, period, with_timeliness).await?;
        Ok(groups.into_iter().map(LocalityMeasures::from).collect())
    }

    /// Open caseload per practitioner, within the caller's scope, largest first. With
    /// `teamCode`: every current member of that team, zero caseloads included (`NOT_FOUND` for
    /// an unknown team); without: every practitioner with an open involvement in scope.
    async fn practitioner_caseloads(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Team code (e.g. `S1`): only that team's current members.")]
        team_code: Option<String>,
    ) -> ApiResult<Vec<PractitionerCaseload>> {
        let rc = request(ctx)?;
        let caseloads = store::caseloads(&rc.db, &rc.scope, team_code.as_deref())
            .await?
            .ok_or_else(|| {
                ApiError::not_found(format!("team {}", team_code.unwrap_or_default()))
            })?;
        Ok(caseloads
            .into_iter()
            .map(|c| PractitionerCaseload {
                practitioner: Practitioner(c.practitioner),
                open_involvements: c.open_involvements,
                children: c.children,
            })
            .collect())
    }

    /// Hand-offs: changes of Family Help lead practitioner (a lead's allocation ending for a
    /// reason other than the episode closing), for the children the caller may see. A child's
    /// own count is `Person.leadPractitionerChanges`.
    async fn hand_offs(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "First day (UTC) on which the previous lead's allocation ended; omitted: no lower bound."
        )]
        from: Option<NaiveDate>,
        #[graphql(desc = "Last day (UTC, inclusive); omitted: no upper bound.")] to: Option<
            NaiveDate,
        >,
    ) -> ApiResult<HandOffMeasures> {
        let period = period(from, to)?;
        let rc = request(ctx)?;
        let hand_offs = store::hand_offs(&rc.db, &rc.scope, period).await?;
        Ok(HandOffMeasures {
            total: hand_offs.per_locality.iter().map(|l| l.hand_offs).sum(),
            children: hand_offs.per_locality.iter().map(|l| l.children).sum(),
            per_locality: hand_offs
                .per_locality
                .into_iter()
                .map(|l| LocalityHandOffs {
                    locality: l.locality.map(Locality),
                    hand_offs: l.hand_offs,
                    children: l.children,
                })
                .collect(),
            per_child: hand_offs
                .per_child
                .into_iter()
                .map(|(hand_offs, children)| HandOffsPerChild {
                    hand_offs,
                    children,
                })
                .collect(),
        })
    }
}

/// How many contacts had one triage decision.
#[derive(SimpleObject)]
pub struct TriageDecisionCount {
    /// The decision.
    pub decision: TriageDecision,
    /// Contacts (received in the period) with that decision.
    pub count: u64,
}

/// How many plans of one kind are open.
#[derive(SimpleObject)]
pub struct PlanKindCount {
    /// The kind of plan.
    pub kind: PlanKind,
    /// Plans of that kind open now.
    pub count: u64,
}

fn decisions(demand: &store::Demand) -> Vec<TriageDecisionCount> {
    demand
        .triage_decisions
        .iter()
        .map(|(decision, count)| TriageDecisionCount {
            decision: *decision,
            count: *count,
        })
        .collect()
}

fn plans(demand: &store::Demand) -> Vec<PlanKindCount> {
    demand
        .open_plans
        .iter()
        .map(|(kind, count)| PlanKindCount {
            kind: *kind,
            count: *count,
        })
        .collect()
}

/// Demand and timeliness in one locality, for children whose current address is in it.
#[derive(SimpleObject)]
pub struct LocalityMeasures {
    /// The locality; null for children with no current address in a known locality.
    pub locality: Option<Locality>,
    /// Contacts received in the period.
    pub contacts: u64,
    /// Those contacts by triage decision: every decision, zero included.
    pub triage_decisions: Vec<TriageDecisionCount>,
    /// Those contacts not yet triaged.
    pub awaiting_triage: u64,
    /// Family Help episodes open now.
    pub open_family_help_episodes: u64,
    /// Plans open now, by kind: every kind, zero included.
    pub open_plans: Vec<PlanKindCount>,
    /// How quickly the work moved, for work starting in the period.
    pub timeliness: Timeliness,
    /// The same demand figures by IMD 2019 overall decile of the child's current LSOA (1 = most
    /// deprived); only deciles with a non-zero figure, most deprived first, unknown (null) last.
    pub by_deprivation_decile: Vec<DeprivationDecileMeasures>,
}

impl From<store::LocalityMeasures> for LocalityMeasures {
    fn from(group: store::LocalityMeasures) -> Self {
        Self {
            locality: group.locality.map(Locality),
            contacts: group.demand.contacts,
            triage_decisions: decisions(&group.demand),
            awaiting_triage: group.demand.awaiting_triage,
            open_family_help_episodes: group.demand.open_family_help_episodes,
            open_plans: plans(&group.demand),
            timeliness: group.timeliness.unwrap_or_default().into(),
            by_deprivation_decile: group
                .by_decile
                .iter()
                .map(|(decile, demand)| DeprivationDecileMeasures {
                    decile: *decile,
                    contacts: demand.contacts,
                    triage_decisions: decisions(demand),
                    awaiting_triage: demand.awaiting_triage,
                    open_family_help_episodes: demand.open_family_help_episodes,
                    open_plans: plans(demand),
                })
                .collect(),
        }
    }
}

/// Demand within a locality among children living in LSOAs of one IMD 2019 overall decile.
#[derive(SimpleObject)]
pub struct DeprivationDecileMeasures {
    /// IMD 2019 overall decile (1 = most deprived 10%, 10 = least); null when the child's LSOA
    /// is unknown or has no decile.
    pub decile: Option<i32>,
    /// Contacts received in the period.
    pub contacts: u64,
    /// Those contacts by triage decision: every decision, zero included.
    pub triage_decisions: Vec<TriageDecisionCount>,
    /// Those contacts not yet triaged.
    pub awaiting_triage: u64,
    /// Family Help episodes open now.
    pub open_family_help_episodes: u64,
    /// Plans open now, by kind: every kind, zero included.
    pub open_plans: Vec<PlanKindCount>,
}

/// Elapsed time between two events, over the pairs where the second has happened.
#[derive(SimpleObject)]
pub struct DurationSummary {
    /// How many pairs were timed.
    pub count: u64,
    /// Median (to two decimal places); null when nothing was timed.
    pub median: Option<f64>,
    /// Mean (to two decimal places); null when nothing was timed.
    pub mean: Option<f64>,
}

fn two_places(value: Option<f64>) -> Option<f64> {
    value.map(|v| (v * 100.0).round() / 100.0)
}

impl From<store::Durations> for DurationSummary {
    fn from(durations: store::Durations) -> Self {
        Self {
            count: durations.count,
            median: two_places(durations.median),
            mean: two_places(durations.mean),
        }
    }
}

/// Timeliness in a locality, each measure over work that started in the period.
#[derive(SimpleObject)]
pub struct Timeliness {
    /// Contact received → triage decision, in minutes (contacts received in the period).
    pub contact_to_decision_minutes: DurationSummary,
    /// Referral → authorisation of the child's first assessment started on or after the
    /// referral date, in days (referrals made in the period).
    pub referral_to_assessment_days: DurationSummary,
    /// Strategy discussion → the child's first initial child protection conference held on or
    /// after it, in days (strategy discussions held in the period).
    pub strategy_to_conference_days: DurationSummary,
}

impl From<store::Timeliness> for Timeliness {
    fn from(timeliness: store::Timeliness) -> Self {
        Self {
            contact_to_decision_minutes: timeliness.contact_to_decision_minutes.into(),
            referral_to_assessment_days: timeliness.referral_to_assessment_days.into(),
            strategy_to_conference_days: timeliness.strategy_to_conference_days.into(),
        }
    }
}

/// One practitioner's open caseload, as far as the caller may see.
#[derive(SimpleObject)]
pub struct PractitionerCaseload {
    /// The practitioner.
    pub practitioner: Practitioner,
    /// Open involvements (allocations in any role).
    pub open_involvements: u64,
    /// Distinct children those involvements are for.
    pub children: u64,
}

/// Hand-offs (changes of Family Help lead practitioner) across the caller's scope.
#[derive(SimpleObject)]
pub struct HandOffMeasures {
    /// All hand-offs.
    pub total: u64,
    /// Children with at least one hand-off.
    pub children: u64,
    /// Per locality of the child's current address: every locality, by code; a last entry with
    /// no `locality` for children with no current address in a known locality, when any.
    pub per_locality: Vec<LocalityHandOffs>,
    /// How hand-offs fall on children: how many children had exactly 1, 2, … hand-offs.
    pub per_child: Vec<HandOffsPerChild>,
}

/// Hand-offs among children living in one locality.
#[derive(SimpleObject)]
pub struct LocalityHandOffs {
    /// The locality; null for children with no current address in a known locality.
    pub locality: Option<Locality>,
    /// Hand-offs.
    pub hand_offs: u64,
    /// Children with at least one hand-off.
    pub children: u64,
}

/// How many children had a given number of hand-offs.
#[derive(SimpleObject)]
pub struct HandOffsPerChild {
    /// Hand-offs per child (at least 1).
    pub hand_offs: u64,
    /// Children who had exactly that many.
    pub children: u64,
}
