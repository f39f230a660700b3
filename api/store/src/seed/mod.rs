//! Synthetic demo data: a whole borough's Families First service, deterministic from a seed.
//!
//! [`seed`] fills an empty, migrated database with:
//!
//! - **Places** (real and public): Cheshire East (`E06000049`), its localities `NORTH` and
//!   `SOUTH`, the eight collaboratives (areas of kind `COLLABORATIVE`), the 21 South LSOAs in
//!   the borough's most deprived 30% with their real IMD 2019 deciles, synthetic placeholder
//!   LSOAs (no IMD data) for the other collaboratives, and the six Family Hubs.
//! - **Teams and practitioners** (invented people): the Integrated Front Door `IFD`, Family
//!   Help locality teams `N1`, `N2`, `S1`, `S2` (each covering two collaboratives), the
//!   multi-agency child protection team `MACPT` with its statutory core, and the specialist
//!   `CWD` (children with disabilities) team; partner agencies (schools, GP practices, a
//!   health trust, the police force, VCS groups, a nursery, a housing association).
//!   A population of more than 2,000 children also gets, per further 2,000 children, a sibling
//!   of each locality team (`N1-02`, `S1-02`, ...: same locality and make-up, with its own
//!   manager `tm-s1-02`, managed also by the locality manager) sharing that team's patch, and
//!   another front-door social worker, LCPP and children-with-disabilities social worker —
//!   about 2,600 practitioners for 100,000 children. The 300-child default adds none.
//! - **People and casework** (all invented): [`SeedOptions::children`] children in families,
//!   with identifiers (NHS numbers from the `999` test range below `999 9xx xxxx`, which is
//!   left to test fixtures; UPNs with LA number `999`),
//!   addresses, relationships, family networks, agency links, contacts, Family Help episodes,
//!   lead practitioners, assessments, plans, child protection and visits. School rolls change:
//!   secondary pupils left their primary school, about 4% of pupils on roll changed school in
//!   the year before [`REFERENCE_DATE`] (the old roll ended, the new one current), and about
//!   2.5% have a move agreed ahead (on roll until the end of the spring term 2027,
//!   [`SPRING_TERM_ENDS`], with a place at another school from the summer term,
//!   [`SUMMER_TERM_STARTS`]). These two dates are fixed, so they stop being ahead of the real
//!   date once the summer term 2027 starts.
//! - **The story family** ([`STORY_FAMILY_NAME`]): three siblings aged 13, 11 and 8 on
//!   [`REFERENCE_DATE`], the eldest living with Dad and the younger two with Mum, referred by
//!   the youngest's school and supported by family worker `fw-s1-01` in team S1. Its rows,
//!   and the places, teams and practitioners, are identical whatever the seed.
//!
//! Everything is dated relative to [`REFERENCE_DATE`] (1 November 2026), never today, so the
//! same seed always gives the same rows and ids. Ids are UUIDv7-shaped, built from a fixed
//! base instant plus a counter and seeded random bits, so they also sort in insertion order.
//!
//! # Practitioner subjects
//!
//! Every practitioner has an identity-provider `subject`, so development tokens can name
//! them (`familygraph token --role family_help_practitioner --subject fw-s1-01 --team S1`):
//!
//! | subject | who |
//! |---|---|
//! | `fw-{team}-{nn}` | family worker in `n1`, `n2`, `s1`, `s2` (e.g. `fw-s1-01`) |
//! | `fhw-{team}-{nn}` | Family Help worker in a locality team or `ifd` |
//! | `sw-{team}-{nn}` | social worker in a locality team, `ifd` or `cwd` (Social Work England number `SW9xxxxx`) |
//! | `tm-{team}` | team manager (membership `is_manager`): `tm-n1` … `tm-s2`, `tm-ifd`, `tm-macpt`, `tm-cwd` |
//! | `lm-north`, `lm-south` | locality managers (manager of both teams of their locality) |
//! | `lcpp-{nn}` | lead child protection practitioners in the MACPT (`lcpp-01` … `lcpp-04`) |
//! | `police-macpt-01`, `health-macpt-01`, `education-macpt-01` | the MACPT's statutory partners |
//! | `hv-{nn}` | health visitors (trust, no team) |
//! | `dsl-{urn}` | a school's designated safeguarding lead (e.g. `dsl-990101`) |
//! | `vcs-{nn}` | VCS workers |
//!
//! In each locality team the highest-numbered family worker and social worker (e.g.
//! `fw-s1-07`, `sw-s1-06`) have left the team (membership ended); leads they held ended with
//! the change reason "Practitioner left the team".

mod casework;
mod ids;
mod names;
mod people;
mod places;
mod rows;
mod story;
mod teams;

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Utc};
use familygraph_domain::PlanKind;
use rand::Rng;
use rand::SeedableRng;
use rand::rngs::StdRng;
use sea_orm::sqlx::Executor as _;
use sea_orm::{DatabaseConnection, DbBackend, DbErr, EntityTrait, QuerySelect, TransactionTrait};

use crate::entity::person;
use crate::error::{StoreError, StoreResult};
use ids::IdGen;
pub use ids::{SEED_NHS_SERIALS, STORY_NHS_SERIALS, seed_may_issue_nhs_number};
use people::Population;
pub use people::{SPRING_TERM_ENDS, SUMMER_TERM_STARTS};
use rows::Rows;

/// The family name of the fictional story family (three siblings aged 13, 11 and 8).
pub const STORY_FAMILY_NAME: &str = "Ashworth";

/// The date the data describes: ages, open episodes and "recent" contacts are relative to
/// it, never to today.
pub const REFERENCE_DATE: NaiveDate = date(2026, 11, 1);

/// Seed of the reference data (places, teams, practitioners) and of the story family's ids,
/// fixed so they are the same whatever [`SeedOptions::seed`].
const REFERENCE_SEED: u64 = 0x0046_616d_696c_7947;
const STORY_SEED: u64 = 0x0053_746f_7279_0001;
/// Mixed into [`SeedOptions::seed`] for the population's ids, so ids and data use
/// different streams.
const ID_SALT: u64 = 0x9e37_79b9_7f4a_7c15;
/// Mixed into the reference seed for the teams and practitioners added for a large
/// population ([`teams::scale_out`]).
const STAFF_SALT: u64 = 0x5ca1_ab1e_0000_0001;

/// Timestamp of the first id: 2026-10-01T00:00:00Z. Reference data, the story and the
/// population take ids from consecutive, non-overlapping ranges after it.
const BASE_MILLIS: u64 = 1_790_812_800_000;
const STAFF_BASE_MILLIS: u64 = BASE_MILLIS + 10_000;
const STORY_BASE_MILLIS: u64 = BASE_MILLIS + 100_000;
const POPULATION_BASE_MILLIS: u64 = BASE_MILLIS + 200_000;

/// Children in the story family.
const STORY_CHILDREN: usize = 3;

/// Write generated rows once this many people are waiting.
const BATCH_PEOPLE: usize = 5_000;
/// Batches generated ahead of the writer at most.
const BATCHES_IN_FLIGHT: usize = 2;

/// What to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SeedOptions {
    /// How many children in all, including the story family's three.
    pub children: usize,
    /// The random seed: the same seed gives identical rows and ids.
    pub seed: u64,
}

impl Default for SeedOptions {
    fn default() -> Self {
        Self {
            children: 300,
            seed: 2026,
        }
    }
}

/// How many rows of each kind a seed created.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SeedReport {
    /// Children (people with `is_child`).
    pub children: usize,
    /// People: children and adults.
    pub people: usize,
    /// Families.
    pub families: usize,
    /// Plans of every kind.
    pub plans: usize,
    /// Child protection plans (open or ended).
    pub child_protection_plans: usize,
    /// Involvements (allocations of practitioners to children).
    pub involvements: usize,
    /// Front-door contacts.
    pub contacts: usize,
    /// Referrals (child in need).
    pub referrals: usize,
    /// Family Help episodes.
    pub family_help_episodes: usize,
    /// Assessments.
    pub assessments: usize,
    /// Visits.
    pub visits: usize,
    /// Family network members.
    pub network_members: usize,
    /// Practitioners.
    pub practitioners: usize,
    /// Every row written, in all tables.
    pub rows: usize,
}

impl SeedReport {
    /// Adds the rows waiting in `rows` to the counts.
    fn count(&mut self, rows: &Rows) {
        self.children += rows.person.iter().filter(|p| p.is_child).count();
        self.people += rows.person.len();
        self.families += rows.family.len();
        self.plans += rows.plan.len();
        self.child_protection_plans += rows
            .plan
            .iter()
            .filter(|p| p.kind == PlanKind::ChildProtection.code())
            .count();
        self.involvements += rows.involvement.len();
        self.contacts += rows.contact.len();
        self.referrals += rows.referral.len();
        self.family_help_episodes += rows.family_help_episode.len();
        self.assessments += rows.assessment.len();
        self.visits += rows.visit.len();
        self.network_members += rows.network_member.len();
        self.practitioners += rows.practitioner.len();
    }
}

/// Whether the database already holds people (and so must not be seeded).
pub async fn is_seeded(db: &DatabaseConnection) -> StoreResult<bool> {
    let any = person::Entity::find()
        .select_only()
        .column(person::Column::Id)
        .into_tuple::<uuid::Uuid>()
        .one(db)
        .await?;
    Ok(any.is_some())
}

/// Seeds an empty, migrated database with synthetic data (see the module documentation).
///
/// Returns `Ok(None)` without writing anything when the database already holds people.
/// Everything is written in one transaction, so a failure leaves the database as it was:
/// on PostgreSQL with `COPY … FROM STDIN`, elsewhere in multi-row `INSERT`s. The rows are
/// generated on a separate thread while earlier batches are written; how they are batched
/// and written never changes them. The places, teams and practitioners must not exist yet
/// either: a database holding them but no people fails on their unique codes.
pub async fn seed(
    db: &DatabaseConnection,
    options: &SeedOptions,
) -> StoreResult<Option<SeedReport>> {
    if is_seeded(db).await? {
        return Ok(None);
    }
    let (sender, mut batches) = tokio::sync::mpsc::channel::<Rows>(BATCHES_IN_FLIGHT);
    let options = *options;
    let generator = std::thread::Builder::new()
        .name("familygraph-seed".to_owned())
        .spawn(move || generate(&options, |rows| sender.blocking_send(rows).is_ok()))
        .map_err(|error| {
            StoreError::Database(DbErr::Custom(format!(
                "cannot start the seed generator: {error}"
            )))
        })?;

    let mut report = SeedReport::default();
    if db.get_database_backend() == DbBackend::Postgres {
        let mut txn = db
            .get_postgres_connection_pool()
            .begin()
            .await
            .map_err(rows::driver_error)?;
        txn.execute("SET LOCAL synchronous_commit = off")
            .await
            .map_err(rows::driver_error)?;
        while let Some(mut rows) = batches.recv().await {
            report.count(&rows);
            report.rows += rows.copy(&mut txn).await?;
        }
        finished(generator)?;
        txn.commit().await.map_err(rows::driver_error)?;
        // Freshly copied tables have no planner statistics and no visibility map until
        // autovacuum gets round to them; without statistics the scoped queries pick
        // sequential scans (ten times slower on the 100,000-child data set). Outside the
        // transaction: VACUUM cannot run in one.
        db.get_postgres_connection_pool()
            .execute("VACUUM (ANALYZE)")
            .await
            .map_err(rows::driver_error)?;
    } else {
        let txn = db.begin().await?;
        while let Some(mut rows) = batches.recv().await {
            report.count(&rows);
            report.rows += rows.flush(&txn).await?;
        }
        finished(generator)?;
        txn.commit().await?;
    }
    tracing::debug!(?report, "seeded synthetic data");
    Ok(Some(report))
}

/// Whether the generator thread ran to the end (it has, once its channel closed).
fn finished(generator: std::thread::JoinHandle<bool>) -> StoreResult<()> {
    match generator.join() {
        Ok(true) => Ok(()),
        Ok(false) | Err(_) => Err(StoreError::Database(DbErr::Custom(
            "the seed generator stopped before the end".to_owned(),
        ))),
    }
}

/// Generates every row, handing them to `write` in batches of about [`BATCH_PEOPLE`]
/// people. Returns `false` if `write` refused a batch (the writer failed).
fn generate(options: &SeedOptions, mut write: impl FnMut(Rows) -> bool) -> bool {
    let mut rows = Rows::default();

    // Reference data and the story: the same for every seed.
    let mut reference_rng = StdRng::seed_from_u64(REFERENCE_SEED);
    let mut reference_ids = IdGen::new(REFERENCE_SEED, BASE_MILLIS);
    let mut places = places::place_ids(&mut reference_ids, &mut rows);
    let mut staff = teams::staff(&mut reference_ids, &mut rows, &mut reference_rng, &places);
    places::areas_and_lsoas(&mut reference_ids, &mut rows, &mut places, |code| {
        staff.team_id(code)
    });
    {
        let ids = IdGen::new(STORY_SEED, STORY_BASE_MILLIS);
        let mut story_population = Population::new(STORY_SEED, ids, &places, &staff);
        story::write(&mut story_population, &mut rows);
    }
    // More teams and practitioners for a large population (none for the default seed).
    teams::scale_out(
        &mut staff,
        &mut IdGen::new(REFERENCE_SEED ^ STAFF_SALT, STAFF_BASE_MILLIS),
        &mut rows,
        &mut StdRng::seed_from_u64(REFERENCE_SEED ^ STAFF_SALT),
        &places,
        options.children,
    );
    if !write(std::mem::take(&mut rows)) {
        return false;
    }

    // The population.
    let ids = IdGen::new(options.seed ^ ID_SALT, POPULATION_BASE_MILLIS);
    let mut population = Population::new(options.seed, ids, &places, &staff);
    let target = options.children.saturating_sub(STORY_CHILDREN);
    let mut made = 0;
    while made < target {
        let size = population.family_size(target - made);
        made += population.family(&mut rows, size);
        if rows.person.len() >= BATCH_PEOPLE && !write(std::mem::take(&mut rows)) {
            return false;
        }
    }
    write(rows)
}

/// A date from constant parts (`NaiveDate::MIN` if they are invalid, which the callers'
/// literals never are).
const fn date(year: i32, month: u32, day: u32) -> NaiveDate {
    match NaiveDate::from_ymd_opt(year, month, day) {
        Some(d) => d,
        None => NaiveDate::MIN,
    }
}

/// `n` days.
fn days(n: i64) -> Duration {
    Duration::days(n)
}

/// `n` minutes.
fn minutes(n: i64) -> Duration {
    Duration::minutes(n)
}

/// Midnight UTC at the start of `day`.
fn start_of(day: NaiveDate) -> DateTime<Utc> {
    day.and_time(NaiveTime::MIN).and_utc()
}

/// A uniformly random date from `from` to `to` inclusive (`from` if the range is empty).
fn rand_date(rng: &mut StdRng, from: NaiveDate, to: NaiveDate) -> NaiveDate {
    let span = (to - from).num_days();
    if span <= 0 {
        return from;
    }
    from + days(rng.gen_range(0..=span))
}

/// Age in whole years on `on` of someone born on `dob` (-1 if not yet born).
fn age_on(dob: NaiveDate, on: NaiveDate) -> i32 {
    on.years_since(dob).map_or(-1, |y| y as i32)
}

#[cfg(test)]
#[allow(clippy::expect_used)]
mod tests {
    use std::collections::BTreeMap;

    use familygraph_domain::AgencyLinkKind;
    use uuid::Uuid;

    use super::people::{SPRING_TERM_ENDS, SUMMER_TERM_STARTS};
    use super::{REFERENCE_DATE, SeedOptions, generate};
    use crate::entity::agency_link;

    /// Every ON_ROLL link the default seed generates.
    fn school_rolls() -> Vec<agency_link::Model> {
        let mut links = Vec::new();
        assert!(generate(&SeedOptions::default(), |rows| {
            links.extend(
                rows.agency_link
                    .into_iter()
                    .filter(|l| l.kind == AgencyLinkKind::OnRoll.code()),
            );
            true
        }));
        links
    }

    #[test]
    fn school_rolls_hold_past_moves_and_agreed_moves_ahead_without_overlap() {
        let links = school_rolls();
        let on = REFERENCE_DATE;
        let current =
            |l: &agency_link::Model| l.started_on <= on && l.ended_on.is_none_or(|end| end >= on);
        let mut per_child: BTreeMap<Uuid, Vec<&agency_link::Model>> = BTreeMap::new();
        for link in &links {
            if let Some(end) = link.ended_on {
                assert!(end >= link.started_on, "a roll ends before it starts");
            }
            per_child.entry(link.person_id).or_default().push(link);
        }
        // No child is on two rolls on the same day: sorted by start, each ends before the next
        // starts.
        for rolls in per_child.values_mut() {
            rolls.sort_by_key(|l| l.started_on);
            for pair in rolls.windows(2) {
                let ended = pair[0].ended_on.expect("only the last roll is open");
                assert!(ended < pair[1].started_on, "overlapping rolls: {pair:?}");
            }
        }
        // Of each kind a few, relative to the reference date: left (ended before it), left
        // within the last year with a current roll elsewhere, leaving after it (current, with an
        // end date ahead), and starting after it (not yet on roll).
        let left = links.iter().filter(|l| l.ended_on.is_some_and(|e| e < on));
        // Moved within the school year: on a roll now that started neither on 1 September (a
        // new phase, or a move over the summer) nor ahead, after a roll that ended.
        let in_year = per_child
            .values()
            .filter(|rolls| {
                rolls.iter().any(|l| l.ended_on.is_some_and(|e| e < on))
                    && rolls.iter().any(|l| {
                        current(l)
                            && l.ended_on.is_none()
                            && l.started_on.format("%m-%d").to_string() != "09-01"
                    })
            })
            .count();
        let leaving: Vec<_> = links
            .iter()
            .filter(|l| current(l) && l.ended_on.is_some())
            .collect();
        let starting: Vec<_> = links.iter().filter(|l| l.started_on > on).collect();
        assert!(
            left.count() > in_year,
            "secondary pupils left their primaries"
        );
        assert!(
            in_year >= 3,
            "{in_year} pupils changed school in the last year"
        );
        assert!(!leaving.is_empty() && !starting.is_empty());
        assert!(leaving.iter().all(|l| l.ended_on == Some(SPRING_TERM_ENDS)));
        assert!(starting.iter().all(|l| l.started_on == SUMMER_TERM_STARTS));
        assert_eq!(
            leaving.len(),
            starting.len(),
            "each leaver has a place to go"
        );
        // A small share: most of the roll is neither.
        let on_roll = links.iter().filter(|l| current(l)).count();
        println!(
            "{on_roll} on roll, {in_year} moved in-year, {} leaving ahead, {} starting ahead",
            leaving.len(),
            starting.len()
        );
        assert!(
            (leaving.len() + in_year) * 10 < on_roll,
            "{on_roll} on roll"
        );
    }
}
