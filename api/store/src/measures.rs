//! Measures over the caller's scope, computed in SQL.
//!
//! Every figure is an aggregate (`COUNT`, `AVG`, a median from `ROW_NUMBER`) over rows the
//! caller's [`RecordScope`] reaches: the scope's condition goes into each statement's `WHERE`, so
//! a record outside it is never counted, and no child's record leaves the database.
//!
//! **Where a child is.** Measures "per locality" and "per deprivation decile" place each child
//! by their *current* address (`address.ended_on IS NULL`; the latest started if there are
//! several): its LSOA's area's locality, and the LSOA's IMD 2019 overall decile. A child with no
//! current address, or one whose LSOA is unknown or outside every area, falls in the group with
//! no locality (or no decile).
//!
//! **Durations** are computed in SQL per row, with the one expression that differs between the
//! backends (date arithmetic): SQLite `julianday(end) - julianday(start)`, PostgreSQL
//! `end - start`. Medians are computed in SQL too, portably, from
//! `ROW_NUMBER()`/`COUNT(*) OVER (PARTITION BY locality)`.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Days, NaiveDate, Utc};
use familygraph_domain::{InvolvementRole, PlanKind, RecordScope, TriageDecision};
use sea_orm::sea_query::{
    CommonTableExpression, Expr, ExprTrait, Func, IntoTableRef, JoinType, Order, Query,
    SelectStatement, UnionType, WindowStatement, WithClause,
};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseBackend, DatabaseConnection, DbErr, EntityTrait,
    QueryFilter, QueryOrder, QueryResult,
};
use uuid::Uuid;

use crate::entity::{
    address, area, assessment, contact, cp_conference, family_help_episode, involvement, locality,
    lsoa, person, plan, practitioner, referral, strategy_discussion, team, team_membership,
};
use crate::error::{StoreError, StoreResult};
use crate::scope::{aggregated_over, persons_as_set};

/// The change reason the store writes on a Family Help lead's involvement when the episode
/// closes: the end of the work, not a hand-off.
pub const EPISODE_CLOSED: &str = "Family Help episode closed";

/// A span of days, both ends inclusive (UTC days); either end may be open.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Period {
    /// First day, if bounded.
    pub from: Option<NaiveDate>,
    /// Last day, if bounded.
    pub to: Option<NaiveDate>,
}

impl Period {
    /// Restricts a date column to the period.
    fn on_dates(self, query: &mut SelectStatement, column: Expr) {
        if let Some(from) = self.from {
            query.and_where(column.clone().gte(from));
        }
        if let Some(to) = self.to {
            query.and_where(column.lt(next_day(to)));
        }
    }

    /// Restricts an instant column to the period: from the start of `from` to the end of `to`.
    fn on_instants(self, query: &mut SelectStatement, column: Expr) {
        if let Some(from) = self.from {
            query.and_where(column.clone().gte(midnight(from)));
        }
        if let Some(to) = self.to {
            query.and_where(column.lt(midnight(next_day(to))));
        }
    }
}

fn next_day(day: NaiveDate) -> NaiveDate {
    day.checked_add_days(Days::new(1)).unwrap_or(NaiveDate::MAX)
}

fn midnight(day: NaiveDate) -> DateTime<Utc> {
    day.and_time(chrono::NaiveTime::MIN).and_utc()
}

/// Demand in one group of children (a locality, or a decile within one).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Demand {
    /// Contacts received (in the period).
    pub contacts: u64,
    /// Those contacts by triage decision, every decision listed (zero included), in code-list
    /// order.
    pub triage_decisions: Vec<(TriageDecision, u64)>,
    /// Those contacts not yet triaged.
    pub awaiting_triage: u64,
    /// Family Help episodes open now.
    pub open_family_help_episodes: u64,
    /// Plans open now, by kind, every kind listed (zero included), in code-list order.
    pub open_plans: Vec<(PlanKind, u64)>,
}

impl Default for Demand {
    fn default() -> Self {
        Self {
            contacts: 0,
            triage_decisions: TriageDecision::ALL.iter().map(|d| (*d, 0)).collect(),
            awaiting_triage: 0,
            open_family_help_episodes: 0,
            open_plans: PlanKind::ALL.iter().map(|k| (*k, 0)).collect(),
        }
    }
}

impl Demand {
    fn is_empty(&self) -> bool {
        *self == Self::default()
    }

    /// Adds another group's figures (every figure here is a count, so groups add up).
    fn add(&mut self, other: &Demand) {
        self.contacts += other.contacts;
        self.awaiting_triage += other.awaiting_triage;
        self.open_family_help_episodes += other.open_family_help_episodes;
        for ((_, mine), (_, theirs)) in self
            .triage_decisions
            .iter_mut()
            .zip(&other.triage_decisions)
        {
            *mine += theirs;
        }
        for ((_, mine), (_, theirs)) in self.open_plans.iter_mut().zip(&other.open_plans) {
            *mine += theirs;
        }
    }
}

/// A summary of elapsed times between two events.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Durations {
    /// How many pairs of events were timed (pairs whose second event has not happened are not).
    pub count: u64,
    /// Median elapsed time; `None` when nothing was timed.
    pub median: Option<f64>,
    /// Mean elapsed time; `None` when nothing was timed.
    pub mean: Option<f64>,
}

/// Timeliness in one locality.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Timeliness {
    /// Contact received → triage decision, in minutes, for contacts received in the period.
    pub contact_to_decision_minutes: Durations,
    /// Referral → authorisation of the child's first assessment authorised on or after it
    /// (started on or after the referral date), in days, for referrals in the period.
    pub referral_to_assessment_days: Durations,
    /// Strategy discussion → the child's first initial child protection conference held on or
    /// after it, in days, for strategy discussions held in the period.
    pub strategy_to_conference_days: Durations,
}

/// The measures of one locality.
#[derive(Debug, Clone)]
pub struct LocalityMeasures {
    /// The locality; `None` for children with no current address in a known locality.
    pub locality: Option<locality::Model>,
    /// Demand across the locality.
    pub demand: Demand,
    /// Demand by IMD 2019 overall decile of the child's current LSOA (`None`: unknown), only
    /// deciles with a non-zero figure, most deprived first, unknown last.
    pub by_decile: Vec<(Option<i32>, Demand)>,
    /// Timeliness, when asked for.
    pub timeliness: Option<Timeliness>,
}

/// Hand-offs in one locality.
#[derive(Debug, Clone)]
pub struct LocalityHandOffs {
    /// The locality; `None` for children with no current address in a known locality.
    pub locality: Option<locality::Model>,
    /// Changes of Family Help lead practitioner.
    pub hand_offs: u64,
    /// Children who had at least one.
    pub children: u64,
}

/// Hand-offs across the scope.
#[derive(Debug, Clone)]
pub struct HandOffs {
    /// Per locality (every locality listed; the group with no locality only when non-zero).
    pub per_locality: Vec<LocalityHandOffs>,
    /// How many children had exactly `n` hand-offs, as `(n, children)`, for `n ≥ 1`, ascending.
    pub per_child: Vec<(u64, u64)>,
}

/// One practitioner's caseload.
#[derive(Debug, Clone)]
pub struct Caseload {
    /// The practitioner.
    pub practitioner: practitioner::Model,
    /// Open involvements (allocations in any role).
    pub open_involvements: u64,
    /// Distinct children those are for.
    pub children: u64,
}

// ---------------------------------------------------------------------------------------------
// Building blocks

const PLACE: &str = "place";

/// `SELECT person_id, locality_id, decile` of everyone's current address (one row per person).
fn current_places() -> SelectStatement {
    let mut window = WindowStatement::partition_by((address::Entity, address::Column::PersonId));
    window
        .order_by((address::Entity, address::Column::StartedOn), Order::Desc)
        .order_by((address::Entity, address::Column::Id), Order::Desc);
    let ranked = Query::select()
        .expr_as(
            Expr::col((address::Entity, address::Column::PersonId)),
            "person_id",
        )
        .expr_as(
            Expr::col((area::Entity, area::Column::LocalityId)),
            "locality_id",
        )
        .expr_as(
            Expr::col((lsoa::Entity, lsoa::Column::ImdOverall)),
            "decile",
        )
        .expr_window_as(Func::cust("ROW_NUMBER"), window, "address_rank")
        .from(address::Entity)
        .join(
            JoinType::LeftJoin,
            lsoa::Entity,
            Expr::col((lsoa::Entity, lsoa::Column::Code))
                .equals((address::Entity, address::Column::LsoaCode)),
        )
        .join(
            JoinType::LeftJoin,
            area::Entity,
            Expr::col((area::Entity, area::Column::Id))
                .equals((lsoa::Entity, lsoa::Column::AreaId)),
        )
        .and_where(Expr::col((address::Entity, address::Column::EndedOn)).is_null())
        .to_owned();
    Query::select()
        .columns(["person_id", "locality_id", "decile"])
        .from_subquery(ranked, "ranked_address")
        .and_where(Expr::col("address_rank").eq(1))
        .to_owned()
}

/// `query LEFT JOIN (current places) AS place ON place.person_id = <person>`.
fn join_place<C: ColumnTrait>(query: &mut SelectStatement, person: C) {
    query.join_subquery(
        JoinType::LeftJoin,
        current_places(),
        PLACE,
        Expr::col((PLACE, "person_id")).equals(person.as_column_ref()),
    );
}

fn place_col(name: &'static str) -> Expr {
    Expr::col((PLACE, name))
}

fn count_of(row: &QueryResult, column: &str) -> Result<u64, DbErr> {
    let count: i64 = row.try_get("", column)?;
    Ok(u64::try_from(count).unwrap_or_default())
}

fn corrupt(what: &str, code: &str) -> StoreError {
    StoreError::Corrupt(format!("{what} {code:?} is not a known code"))
}

/// How durations are measured.
#[derive(Debug, Clone, Copy)]
enum Unit {
    /// Between two instants, in minutes.
    Minutes,
    /// Between two dates, in days.
    Days,
}

/// `finished - started` as a floating-point number of `unit`s: the one backend-specific
/// expression of the measures.
fn elapsed(
    backend: DatabaseBackend,
    unit: Unit,
    started: Expr,
    finished: Expr,
) -> StoreResult<Expr> {
    let sql = match (backend, unit) {
        // SQLite numbers its placeholders by position: `?` is `finished`, then `started`.
        (DatabaseBackend::Sqlite, Unit::Minutes) => "((julianday(?) - julianday(?)) * 1440.0)",
        (DatabaseBackend::Sqlite, Unit::Days) => "(julianday(?) - julianday(?))",
        (DatabaseBackend::Postgres, Unit::Minutes) => {
            "(CAST(EXTRACT(EPOCH FROM ($1 - $2)) AS DOUBLE PRECISION) / 60.0)"
        }
        (DatabaseBackend::Postgres, Unit::Days) => "CAST(($1 - $2) AS DOUBLE PRECISION)",
        (other, _) => {
            return Err(StoreError::Database(DbErr::Custom(format!(
                "measures do not support {other:?}"
            ))));
        }
    };
    Ok(Expr::cust_with_exprs(sql, [finished, started]))
}

/// The figures' common shape: every branch of [`locality_measures`]' one statement selects
/// `measure, locality_id, decile, code, n, timed_count, mean, median` (null where a figure has
/// no such column, cast so that both backends type the union alike).
fn null_of(sql_type: &str) -> Expr {
    Expr::cust(format!("CAST(NULL AS {sql_type})"))
}

/// Median, mean and count of `finished - started` per locality, as a branch named `measure`,
/// from a statement selecting `locality_id`, `started` and `finished` (null while the second
/// event has not happened).
fn durations_by_locality(
    backend: DatabaseBackend,
    measure: &'static str,
    pairs: SelectStatement,
    unit: Unit,
) -> StoreResult<SelectStatement> {
    let elapsed = elapsed(
        backend,
        unit,
        Expr::col(("pairs", "started")),
        Expr::col(("pairs", "finished")),
    )?;
    let timed = Query::select()
        .column(("pairs", "locality_id"))
        .expr_as(elapsed, "elapsed")
        .from_subquery(pairs, "pairs")
        .and_where(Expr::col(("pairs", "finished")).is_not_null())
        .to_owned();
    let mut by_rank = WindowStatement::partition_by("locality_id");
    by_rank.order_by("elapsed", Order::Asc);
    let ranked = Query::select()
        .columns(["locality_id", "elapsed"])
        .expr_window_as(Func::cust("ROW_NUMBER"), by_rank, "position")
        .expr_window_as(
            Expr::col("elapsed").count(),
            WindowStatement::partition_by("locality_id"),
            "timed",
        )
        .from_subquery(timed, "timed_pairs")
        .to_owned();
    // The middle row (odd count) or the mean of the two middle rows (even count).
    let middle = Expr::col("position")
        .eq(Expr::col("timed").add(1).div(2))
        .or(Expr::col("position").eq(Expr::col("timed").add(2).div(2)));
    Ok(Query::select()
        .expr_as(Expr::val(measure), "measure")
        .column("locality_id")
        .expr_as(null_of("INTEGER"), "decile")
        .expr_as(null_of("TEXT"), "code")
        .expr_as(null_of("BIGINT"), "n")
        .expr_as(Expr::col("elapsed").count(), "timed_count")
        .expr_as(Func::avg(Expr::col("elapsed")), "mean")
        .expr_as(
            Func::avg(Expr::case(middle, Expr::col("elapsed")).finally(Expr::null())),
            "median",
        )
        .from_subquery(ranked, "ranked_pairs")
        .group_by_col("locality_id")
        .to_owned())
}

async fn localities(db: &DatabaseConnection) -> StoreResult<Vec<locality::Model>> {
    Ok(locality::Entity::find()
        .order_by_asc(locality::Column::Code)
        .all(db)
        .await?)
}

// ---------------------------------------------------------------------------------------------
// The people in scope, once per request

/// The common table expression of [`locality_measures`]' statement: everyone the scope reaches,
/// with their current place.
const REACHED: &str = "reached_place";

/// `reached_place (person_id, locality_id, decile)`: everyone the scope reaches — the scope's
/// set built once, not once per figure — each with their current place (null when unknown).
/// Every figure joins it, so a record outside the scope is never counted. Referenced by several
/// branches, both backends materialise it once per statement.
fn reached_places(scope: &RecordScope) -> CommonTableExpression {
    let mut query = Query::select();
    query
        .expr_as(Expr::col((person::Entity, person::Column::Id)), "person_id")
        .expr_as(place_col("locality_id"), "locality_id")
        .expr_as(place_col("decile"), "decile")
        .from(person::Entity);
    join_place(&mut query, person::Column::Id);
    query.cond_where(persons_as_set(scope, person::Column::Id));
    CommonTableExpression::new()
        .query(query)
        .table_name(REACHED)
        .to_owned()
}

/// `SELECT … FROM table JOIN reached_place ON reached_place.person_id = <person>`: the rows of
/// `table` held for people in scope.
fn from_reached<T: IntoTableRef, C: ColumnTrait>(table: T, person: C) -> SelectStatement {
    let mut query = Query::select();
    query.from(table).join(
        JoinType::InnerJoin,
        REACHED,
        Expr::col((REACHED, "person_id")).equals(person.as_column_ref()),
    );
    query
}

fn reached_col(name: &'static str) -> Expr {
    Expr::col((REACHED, name))
}

// ---------------------------------------------------------------------------------------------
// Demand by locality and decile

type PlaceKey = (Option<Uuid>, Option<i32>);

/// Names of the branches (the `measure` column).
const CONTACTS: &str = "contacts";
const OPEN_EPISODES: &str = "open_episodes";
const OPEN_PLANS: &str = "open_plans";
const CONTACT_TO_DECISION: &str = "contact_to_decision";
const REFERRAL_TO_ASSESSMENT: &str = "referral_to_assessment";
const STRATEGY_TO_CONFERENCE: &str = "strategy_to_conference";

/// A demand branch named `measure`: `COUNT(counted)` per place (and per `code`, when given).
fn demand_branch(
    query: &mut SelectStatement,
    measure: &'static str,
    code: Option<Expr>,
    counted: Expr,
) {
    query
        .expr_as(Expr::val(measure), "measure")
        .expr_as(reached_col("locality_id"), "locality_id")
        .expr_as(reached_col("decile"), "decile")
        .expr_as(code.clone().unwrap_or_else(|| null_of("TEXT")), "code")
        .expr_as(counted.count(), "n")
        .expr_as(null_of("BIGINT"), "timed_count")
        .expr_as(null_of("DOUBLE PRECISION"), "mean")
        .expr_as(null_of("DOUBLE PRECISION"), "median")
        .add_group_by([reached_col("locality_id"), reached_col("decile")]);
    if let Some(code) = code {
        query.add_group_by([code]);
    }
}

/// Contacts received in the period, by place and triage decision.
fn contacts_by_place(period: Period) -> SelectStatement {
    let mut query = from_reached(contact::Entity, contact::Column::PersonId);
    demand_branch(
        &mut query,
        CONTACTS,
        Some(Expr::col((
            contact::Entity,
            contact::Column::TriageDecision,
        ))),
        Expr::col((contact::Entity, contact::Column::Id)),
    );
    period.on_instants(
        &mut query,
        Expr::col((contact::Entity, contact::Column::ReceivedAt)),
    );
    query
}

/// Family Help episodes open now, by place.
fn open_episodes_by_place() -> SelectStatement {
    let mut query = from_reached(
        family_help_episode::Entity,
        family_help_episode::Column::PersonId,
    );
    demand_branch(
        &mut query,
        OPEN_EPISODES,
        None,
        Expr::col((family_help_episode::Entity, family_help_episode::Column::Id)),
    );
    query.and_where(
        Expr::col((
            family_help_episode::Entity,
            family_help_episode::Column::EndedOn,
        ))
        .is_null(),
    );
    query
}

/// Plans open now, by place and kind.
fn open_plans_by_place() -> SelectStatement {
    let mut query = from_reached(plan::Entity, plan::Column::PersonId);
    demand_branch(
        &mut query,
        OPEN_PLANS,
        Some(Expr::col((plan::Entity, plan::Column::Kind))),
        Expr::col((plan::Entity, plan::Column::Id)),
    );
    query.and_where(Expr::col((plan::Entity, plan::Column::EndedOn)).is_null());
    query
}

/// Adds one demand row of the statement to `demand`.
fn add_demand(
    row: &QueryResult,
    measure: &str,
    demand: &mut BTreeMap<PlaceKey, Demand>,
) -> StoreResult<()> {
    let place: PlaceKey = (row.try_get("", "locality_id")?, row.try_get("", "decile")?);
    let n = count_of(row, "n")?;
    let code: Option<String> = row.try_get("", "code")?;
    let entry = demand.entry(place).or_default();
    match measure {
        CONTACTS => {
            entry.contacts += n;
            match code {
                None => entry.awaiting_triage += n,
                Some(code) => {
                    let decision = TriageDecision::from_code(&code)
                        .ok_or_else(|| corrupt("triage decision", &code))?;
                    if let Some(slot) = entry
                        .triage_decisions
                        .iter_mut()
                        .find(|(d, _)| *d == decision)
                    {
                        slot.1 += n;
                    }
                }
            }
        }
        OPEN_EPISODES => entry.open_family_help_episodes += n,
        _ => {
            let code = code.unwrap_or_default();
            let kind = PlanKind::from_code(&code).ok_or_else(|| corrupt("plan kind", &code))?;
            if let Some(slot) = entry.open_plans.iter_mut().find(|(k, _)| *k == kind) {
                slot.1 += n;
            }
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Timeliness by locality

fn pairs_from<T: IntoTableRef, C: ColumnTrait>(table: T, person: C) -> SelectStatement {
    let mut query = from_reached(table, person);
    query.expr_as(reached_col("locality_id"), "locality_id");
    query
}

/// The three timeliness branches (those whose record type the scope does not hide).
fn timeliness_by_locality(
    backend: DatabaseBackend,
    scope: &RecordScope,
    period: Period,
) -> StoreResult<Vec<SelectStatement>> {
    let mut branches = Vec::new();
    // Contact → decision.
    if !scope.hides("Contact") {
        let received = Expr::col((contact::Entity, contact::Column::ReceivedAt));
        let mut contacts = pairs_from(contact::Entity, contact::Column::PersonId);
        contacts.expr_as(received.clone(), "started").expr_as(
            Expr::col((contact::Entity, contact::Column::DecidedAt)),
            "finished",
        );
        period.on_instants(&mut contacts, received);
        branches.push(durations_by_locality(
            backend,
            CONTACT_TO_DECISION,
            contacts,
            Unit::Minutes,
        )?);
    }

    // Referral → the first assessment started on or after it to be authorised.
    if !scope.hides("Referral") {
        let referral_on = Expr::col((referral::Entity, referral::Column::ReferralOn));
        let authorised = Query::select()
            .expr(Func::min(Expr::col((
                assessment::Entity,
                assessment::Column::AuthorisedOn,
            ))))
            .from(assessment::Entity)
            .and_where(
                Expr::col((assessment::Entity, assessment::Column::PersonId))
                    .equals((referral::Entity, referral::Column::PersonId)),
            )
            .and_where(
                Expr::col((assessment::Entity, assessment::Column::StartedOn))
                    .gte(referral_on.clone()),
            )
            .and_where(
                Expr::col((assessment::Entity, assessment::Column::AuthorisedOn)).is_not_null(),
            )
            .to_owned();
        let mut referrals = pairs_from(referral::Entity, referral::Column::PersonId);
        referrals.expr_as(referral_on.clone(), "started").expr_as(
            Expr::SubQuery(None, Box::new(authorised.into())),
            "finished",
        );
        period.on_dates(&mut referrals, referral_on);
        branches.push(durations_by_locality(
            backend,
            REFERRAL_TO_ASSESSMENT,
            referrals,
            Unit::Days,
        )?);
    }

    // Strategy discussion → the first initial conference held on or after it (counted over
    // the scope's people even where the discussion record itself is withheld: only the
    // elapsed days leave the database).
    let held_on = Expr::col((
        strategy_discussion::Entity,
        strategy_discussion::Column::HeldOn,
    ));
    let conference = Query::select()
        .expr(Func::min(Expr::col((
            cp_conference::Entity,
            cp_conference::Column::HeldOn,
        ))))
        .from(cp_conference::Entity)
        .and_where(
            Expr::col((cp_conference::Entity, cp_conference::Column::PersonId)).equals((
                strategy_discussion::Entity,
                strategy_discussion::Column::PersonId,
            )),
        )
        .and_where(
            Expr::col((cp_conference::Entity, cp_conference::Column::HeldOn)).gte(held_on.clone()),
        )
        .to_owned();
    let mut strategies = pairs_from(
        strategy_discussion::Entity,
        strategy_discussion::Column::PersonId,
    );
    strategies.expr_as(held_on.clone(), "started").expr_as(
        Expr::SubQuery(None, Box::new(conference.into())),
        "finished",
    );
    period.on_dates(&mut strategies, held_on);
    branches.push(durations_by_locality(
        backend,
        STRATEGY_TO_CONFERENCE,
        strategies,
        Unit::Days,
    )?);
    Ok(branches)
}

/// Demand per locality (every locality, and the group with no locality when it has a figure),
/// each broken down by IMD 2019 overall decile; with timeliness when `with_timeliness`.
/// Contacts, their triage decisions and the timeliness figures cover the `period`; open
/// episodes and plans are as of now.
///
/// Every figure comes from one statement: the people in scope, with their current places, are
/// a common table expression built once, and each figure is a `UNION ALL` branch joining it
/// (two statements in all, with the list of localities).
pub async fn locality_measures(
    db: &DatabaseConnection,
    scope: &RecordScope,
    period: Period,
    with_timeliness: bool,
) -> StoreResult<Vec<LocalityMeasures>> {
    let backend = db.get_database_backend();
    let mut branches = Vec::new();
    if !scope.hides("Contact") {
        branches.push(contacts_by_place(period));
    }
    if !scope.hides("FamilyHelpEpisode") {
        branches.push(open_episodes_by_place());
    }
    if !scope.hides("Plan") {
        branches.push(open_plans_by_place());
    }
    if with_timeliness {
        branches.extend(timeliness_by_locality(backend, scope, period)?);
    }
    let mut demand: BTreeMap<PlaceKey, Demand> = BTreeMap::new();
    let mut timeliness: Option<HashMap<Option<Uuid>, Timeliness>> =
        with_timeliness.then(HashMap::new);
    let mut branches = branches.into_iter();
    if let Some(mut statement) = branches.next() {
        for branch in branches {
            statement.union(UnionType::All, branch);
        }
        let statement = statement.with(WithClause::new().cte(reached_places(scope)).to_owned());
        for row in db.query_all(&statement).await? {
            let measure: String = row.try_get("", "measure")?;
            let durations = || -> Result<Durations, DbErr> {
                Ok(Durations {
                    count: count_of(&row, "timed_count")?,
                    median: row.try_get("", "median")?,
                    mean: row.try_get("", "mean")?,
                })
            };
            let locality = || row.try_get::<Option<Uuid>>("", "locality_id");
            match (measure.as_str(), timeliness.as_mut()) {
                (CONTACT_TO_DECISION, Some(t)) => {
                    t.entry(locality()?)
                        .or_default()
                        .contact_to_decision_minutes = durations()?;
                }
                (REFERRAL_TO_ASSESSMENT, Some(t)) => {
                    t.entry(locality()?)
                        .or_default()
                        .referral_to_assessment_days = durations()?;
                }
                (STRATEGY_TO_CONFERENCE, Some(t)) => {
                    t.entry(locality()?)
                        .or_default()
                        .strategy_to_conference_days = durations()?;
                }
                (CONTACTS | OPEN_EPISODES | OPEN_PLANS, _) => {
                    add_demand(&row, &measure, &mut demand)?;
                }
                (other, _) => {
                    return Err(StoreError::Corrupt(format!("unknown measure {other:?}")));
                }
            }
        }
    }
    let mut groups: Vec<LocalityMeasures> = localities(db)
        .await?
        .into_iter()
        .map(|locality| LocalityMeasures {
            locality: Some(locality),
            demand: Demand::default(),
            by_decile: Vec::new(),
            timeliness: None,
        })
        .collect();
    groups.push(LocalityMeasures {
        locality: None,
        demand: Demand::default(),
        by_decile: Vec::new(),
        timeliness: None,
    });
    // BTreeMap order puts `None` first: move unknown deciles last.
    let (known, unknown): (Vec<_>, Vec<_>) = demand
        .into_iter()
        .partition(|((_, decile), _)| decile.is_some());
    for ((locality_id, decile), figures) in known.into_iter().chain(unknown) {
        if figures.is_empty() {
            continue;
        }
        let group = groups
            .iter_mut()
            .find(|g| g.locality.as_ref().map(|l| l.id) == locality_id);
        // A locality id with no locality row cannot happen (foreign key); count it as unknown.
        let group = match group {
            Some(group) => group,
            None => groups
                .iter_mut()
                .find(|g| g.locality.is_none())
                .ok_or_else(|| StoreError::Corrupt("no unknown-locality group".to_owned()))?,
        };
        group.demand.add(&figures);
        match group.by_decile.iter_mut().find(|(d, _)| *d == decile) {
            Some((_, existing)) => existing.add(&figures),
            None => group.by_decile.push((decile, figures)),
        }
    }
    for group in &mut groups {
        if let Some(timeliness) = timeliness.as_mut() {
            group.timeliness = Some(
                timeliness
                    .remove(&group.locality.as_ref().map(|l| l.id))
                    .unwrap_or_default(),
            );
        }
    }
    if let Some(unknown) = groups.last() {
        let timed = unknown.timeliness.is_some_and(|t| {
            t.contact_to_decision_minutes.count
                + t.referral_to_assessment_days.count
                + t.strategy_to_conference_days.count
                > 0
        });
        if unknown.demand.is_empty() && !timed {
            groups.pop();
        }
    }
    Ok(groups)
}

// ---------------------------------------------------------------------------------------------
// Hand-offs

/// `involvement` rows that are hand-offs: Family Help lead allocations that ended with a change
/// reason other than the episode closing.
fn hand_off_rows(scope: &RecordScope, period: Period) -> SelectStatement {
    let mut query = Query::select();
    query
        .from(involvement::Entity)
        .and_where(
            Expr::col((involvement::Entity, involvement::Column::Role))
                .eq(InvolvementRole::FamilyHelpLead.code()),
        )
        .and_where(Expr::col((involvement::Entity, involvement::Column::EndedOn)).is_not_null())
        .and_where(
            Expr::col((involvement::Entity, involvement::Column::ChangeReason)).is_not_null(),
        )
        .and_where(
            Expr::col((involvement::Entity, involvement::Column::ChangeReason)).ne(EPISODE_CLOSED),
        )
        .cond_where(aggregated_over(
            scope,
            "Involvement",
            involvement::Column::PersonId,
        ));
    period.on_dates(
        &mut query,
        Expr::col((involvement::Entity, involvement::Column::EndedOn)),
    );
    query
}

/// Hand-offs (changes of Family Help lead practitioner) whose previous lead's allocation ended
/// in the period, per locality and as a distribution over children.
pub async fn hand_offs(
    db: &DatabaseConnection,
    scope: &RecordScope,
    period: Period,
) -> StoreResult<HandOffs> {
    let person = Expr::col((involvement::Entity, involvement::Column::PersonId));
    let mut per_locality = hand_off_rows(scope, period);
    join_place(&mut per_locality, involvement::Column::PersonId);
    per_locality
        .expr_as(place_col("locality_id"), "locality_id")
        .expr_as(
            Expr::col((involvement::Entity, involvement::Column::Id)).count(),
            "hand_offs",
        )
        .expr_as(Func::count_distinct(person.clone()), "children")
        .add_group_by([place_col("locality_id")]);
    let mut counts: HashMap<Option<Uuid>, (u64, u64)> = HashMap::new();
    for row in db.query_all(&per_locality).await? {
        counts.insert(
            row.try_get("", "locality_id")?,
            (count_of(&row, "hand_offs")?, count_of(&row, "children")?),
        );
    }

    let mut per_child = hand_off_rows(scope, period);
    per_child
        .expr_as(person.clone(), "person_id")
        .expr_as(
            Expr::col((involvement::Entity, involvement::Column::Id)).count(),
            "hand_offs",
        )
        .add_group_by([person]);
    let distribution = Query::select()
        .column("hand_offs")
        .expr_as(Expr::col("person_id").count(), "children")
        .from_subquery(per_child, "per_child")
        .group_by_col("hand_offs")
        .order_by("hand_offs", Order::Asc)
        .to_owned();
    let mut per_child = Vec::new();
    for row in db.query_all(&distribution).await? {
        per_child.push((count_of(&row, "hand_offs")?, count_of(&row, "children")?));
    }

    let mut groups: Vec<LocalityHandOffs> = localities(db)
        .await?
        .into_iter()
        .map(|locality| {
            let (hand_offs, children) = counts.remove(&Some(locality.id)).unwrap_or_default();
            LocalityHandOffs {
                locality: Some(locality),
                hand_offs,
                children,
            }
        })
        .collect();
    // Whatever is left has no (known) locality.
    let (hand_offs, children) = counts
        .into_values()
        .fold((0, 0), |(h, c), (h2, c2)| (h + h2, c + c2));
    if hand_offs > 0 {
        groups.push(LocalityHandOffs {
            locality: None,
            hand_offs,
            children,
        });
    }
    Ok(HandOffs {
        per_locality: groups,
        per_child,
    })
}

// ---------------------------------------------------------------------------------------------
// Caseloads

/// Caseload per practitioner within the scope: open involvements and the distinct children they
/// are for. With `team_code`, every current member of that team (zero caseloads included), or
/// `None` when there is no such team; without, every practitioner with an open involvement in
/// scope. Largest caseload first.
pub async fn caseloads(
    db: &DatabaseConnection,
    scope: &RecordScope,
    team_code: Option<&str>,
) -> StoreResult<Option<Vec<Caseload>>> {
    let involvement_id = Expr::col((involvement::Entity, involvement::Column::Id));
    let person = Expr::col((involvement::Entity, involvement::Column::PersonId));
    let practitioner_id = Expr::col((practitioner::Entity, practitioner::Column::Id));
    let open_in_scope = sea_orm::Condition::all()
        .add(Expr::col((involvement::Entity, involvement::Column::EndedOn)).is_null())
        .add(aggregated_over(
            scope,
            "Involvement",
            involvement::Column::PersonId,
        ));
    let mut query = Query::select();
    query
        .expr_as(practitioner_id.clone(), "practitioner_id")
        .expr_as(involvement_id.count(), "open_involvements")
        .expr_as(Func::count_distinct(person), "children");
    match team_code {
        Some(code) => {
            let Some(team) = team::Entity::find()
                .filter(team::Column::Code.eq(code))
                .one(db)
                .await?
            else {
                return Ok(None);
            };
            query
                .from(team_membership::Entity)
                .join(
                    JoinType::InnerJoin,
                    practitioner::Entity,
                    practitioner_id.clone().equals((
                        team_membership::Entity,
                        team_membership::Column::PractitionerId,
                    )),
                )
                .join(
                    JoinType::LeftJoin,
                    involvement::Entity,
                    open_in_scope.add(
                        Expr::col((involvement::Entity, involvement::Column::PractitionerId))
                            .equals((practitioner::Entity, practitioner::Column::Id)),
                    ),
                )
                .and_where(
                    Expr::col((team_membership::Entity, team_membership::Column::TeamId))
                        .eq(team.id),
                )
                .and_where(
                    Expr::col((team_membership::Entity, team_membership::Column::EndedOn))
                        .is_null(),
                );
        }
        None => {
            query
                .from(involvement::Entity)
                .join(
                    JoinType::InnerJoin,
                    practitioner::Entity,
                    practitioner_id
                        .clone()
                        .equals((involvement::Entity, involvement::Column::PractitionerId)),
                )
                .cond_where(open_in_scope);
        }
    }
    let family_name = Expr::col((practitioner::Entity, practitioner::Column::FamilyName));
    let given_name = Expr::col((practitioner::Entity, practitioner::Column::GivenName));
    query
        .add_group_by([practitioner_id, family_name.clone(), given_name.clone()])
        .order_by("children", Order::Desc)
        .order_by("open_involvements", Order::Desc)
        .order_by_expr(family_name, Order::Asc)
        .order_by_expr(given_name, Order::Asc);
    let rows = db.query_all(&query).await?;
    let mut counted = Vec::with_capacity(rows.len());
    for row in &rows {
        let id: Uuid = row.try_get("", "practitioner_id")?;
        counted.push((
            id,
            count_of(row, "open_involvements")?,
            count_of(row, "children")?,
        ));
    }
    let mut practitioners: HashMap<Uuid, practitioner::Model> = practitioner::Entity::find()
        .filter(practitioner::Column::Id.is_in(counted.iter().map(|(id, _, _)| *id)))
        .all(db)
        .await?
        .into_iter()
        .map(|p| (p.id, p))
        .collect();
    let mut out = Vec::with_capacity(counted.len());
    for (id, open_involvements, children) in counted {
        let practitioner = practitioners
            .remove(&id)
            .ok_or_else(|| StoreError::Corrupt(format!("practitioner {id} vanished")))?;
        out.push(Caseload {
            practitioner,
            open_involvements,
            children,
        });
    }
    Ok(Some(out))
}
