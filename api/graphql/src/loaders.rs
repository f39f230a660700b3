//! Batched, scoped loading: every relation in the schema resolves through a batching loader
//! ([`batch`]), so a nested query issues a number of SQL statements bounded by its depth, not
//! by its rows.
//!
//! Loaders live for one request and carry that request's [`RecordScope`]; each adds the scope's
//! condition to its SQL, so a loader can never return a record the caller may not see.
//!
//! **The scope is resolved once per request where that is sound.** A row a loader returns under
//! the scope shows that the person, family, network or plan it names is within the scope's
//! reach ([`Scoped::proves`]): the root load of a child proves the child, its family
//! memberships prove its families, a family's members prove their people. A later load keyed
//! by such proven values — the child's identifiers, plans, involvements and visits; the
//! family's members and network; a plan's goals — then carries only the policy's static checks
//! ([`Scoped::condition_when_reached`]) instead of the whole scope, whose correlated probes
//! cost more to plan than to run. Any key not proven in the batch sends the whole batch with the
//! full scope, as before. Proofs are trusted only while the request writes nothing (a query or
//! a subscription event): a write could change what the caller reaches.
//!
//! On PostgreSQL the keys are bound as one array (`col = ANY($1)`), so a loader's statement
//! text does not depend on its batch size and each connection's prepared statement is reused.

use std::any::{Any, TypeId};
use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use async_graphql::dataloader::Loader;
use familygraph_domain::RecordScope;
use familygraph_store::entity::involvement;
use familygraph_store::{Reached, Scoped};
use sea_orm::sea_query::extension::postgres::PgFunc;
use sea_orm::sea_query::{
    Asterisk, Expr, ExprTrait, Func, Order, Query, ValueType, WindowStatement,
};
use sea_orm::{
    ColumnTrait, Condition, DatabaseConnection, DbBackend, DbErr, EntityTrait, Iterable,
    ModelTrait, PrimaryKeyToColumn, QueryFilter, QuerySelect, Value,
};

use crate::pagination::PageRequest;
use serde::de::DeserializeOwned;
use uuid::Uuid;

mod batch;
mod fused;

pub use batch::Batcher;

pub use fused::Relation;
use fused::{Fused, PartKey, Parts, RelationPart};

/// Loader errors are shared between every resolver waiting on the batch.
pub type LoadError = Arc<DbErr>;

fn uuid_of(value: Value) -> Option<Uuid> {
    <Option<Uuid> as ValueType>::try_from(value).ok().flatten()
}

fn string_of(value: Value) -> Option<String> {
    <Option<String> as ValueType>::try_from(value)
        .ok()
        .flatten()
}

fn primary_column<E: EntityTrait>() -> Result<E::Column, DbErr> {
    E::PrimaryKey::iter()
        .next()
        .map(|key| key.into_column())
        .ok_or_else(|| DbErr::Custom("entity without a primary key".to_owned()))
}

/// `column` holds one of `keys`: `column = ANY($1)` with one array bound on PostgreSQL (the same
/// statement text for any number of keys), `column IN ($1, …)` on SQLite.
fn key_in<C, K>(backend: DbBackend, column: C, keys: &[K]) -> Condition
where
    C: ColumnTrait,
    K: Clone + Into<Value>,
    Vec<K>: Into<Value>,
{
    match backend {
        DbBackend::Postgres => Condition::all().add(
            Expr::col((column.entity_name(), column)).eq(PgFunc::any(Expr::val(keys.to_vec()))),
        ),
        _ => Condition::all().add(column.is_in(keys.iter().cloned())),
    }
}

/// What the request's scoped rows have shown to be within its scope's reach (see the module
/// documentation). Shared by a request's loaders and its derived loaders, whose reach is the
/// same.
#[derive(Default)]
pub struct Proofs {
    trusted: AtomicBool,
    known: Mutex<HashSet<(Reached, Uuid)>>,
}

impl Proofs {
    fn known(&self) -> std::sync::MutexGuard<'_, HashSet<(Reached, Uuid)>> {
        match self.known.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        }
    }

    /// Trusts proofs from now on (`true`: the request writes nothing), or stops trusting and
    /// forgets them (`false`).
    pub fn trust(&self, trusted: bool) {
        self.trusted.store(trusted, Ordering::SeqCst);
        if !trusted {
            self.known().clear();
        }
    }

    /// Whether every key is known to be within the reach as `kind`.
    fn cover(&self, kind: Reached, keys: &[Uuid]) -> bool {
        if !self.trusted.load(Ordering::SeqCst) || keys.is_empty() {
            return false;
        }
        let known = self.known();
        keys.iter().all(|key| known.contains(&(kind, *key)))
    }

    /// Notes what rows of `E` returned under the request's scope prove.
    fn note<E: Scoped>(&self, rows: &[E::Model]) {
        if !self.trusted.load(Ordering::SeqCst) || rows.is_empty() {
            return;
        }
        let proves = E::proves();
        if proves.is_empty() {
            return;
        }
        let mut known = self.known();
        for row in rows {
            for (column, kind) in &proves {
                if let Some(id) = uuid_of(row.get(*column)) {
                    known.insert((*kind, id));
                }
            }
        }
    }
}

/// How a loader of `E` keyed by one column limits its rows: the full scope (built on first
/// use: a request whose keys are all proven never needs it), and — when the key column is the
/// entity's reach key — the condition that remains for proven keys.
struct Scoping {
    scope: RecordScope,
    full_of: fn(&RecordScope) -> Condition,
    full: OnceLock<Condition>,
    when_reached: Option<(Reached, Condition)>,
    proofs: Arc<Proofs>,
}

impl Scoping {
    fn new<E: Scoped>(scope: &RecordScope, key: &str, proofs: Arc<Proofs>) -> Self {
        let when_reached = E::reach_key()
            .filter(|(column, _)| sea_orm::IdenStatic::as_str(column) == key)
            .map(|(_, kind)| (kind, E::condition_when_reached(scope)));
        Self {
            scope: scope.clone(),
            full_of: E::scope_condition,
            full: OnceLock::new(),
            when_reached,
            proofs,
        }
    }

    /// The whole scope's condition.
    fn full(&self) -> &Condition {
        self.full.get_or_init(|| (self.full_of)(&self.scope))
    }

    /// The condition for a batch of `keys`.
    fn for_uuids(&self, keys: &[Uuid]) -> Condition {
        match &self.when_reached {
            Some((kind, reached)) if self.proofs.cover(*kind, keys) => reached.clone(),
            _ => self.full().clone(),
        }
    }
}

/// Loads records of `E` by a unique text column (e.g. an LSOA by its code).
pub struct ByText<E: EntityTrait> {
    db: DatabaseConnection,
    scoping: Scoping,
    column: E::Column,
}

impl<E> Loader<String> for ByText<E>
where
    E: EntityTrait + Scoped,
    E::Model: Clone + Send + Sync + 'static,
    E::Column: Send + Sync,
{
    type Value = E::Model;
    type Error = LoadError;

    async fn load(&self, keys: &[String]) -> Result<HashMap<String, E::Model>, LoadError> {
        record_batch("by_text", keys.len());
        let rows = E::find()
            .filter(key_in(self.db.get_database_backend(), self.column, keys))
            .filter(self.scoping.full().clone())
            .all(&self.db)
            .await?;
        self.scoping.proofs.note::<E>(&rows);
        Ok(rows
            .into_iter()
            .filter_map(|row| string_of(row.get(self.column)).map(|key| (key, row)))
            .collect())
    }
}

/// `familygraph.dataloader.batch_size`: keys per batch, by loader. A no-op until the server
/// installs a meter provider.
fn record_batch(loader: &'static str, keys: usize) {
    static BATCH_SIZE: std::sync::OnceLock<opentelemetry::metrics::Histogram<u64>> =
        std::sync::OnceLock::new();
    BATCH_SIZE
        .get_or_init(|| {
            opentelemetry::global::meter("familygraph")
                .u64_histogram("familygraph.dataloader.batch_size")
                .with_description("Keys per batch a loader sends to the database, by loader.")
                .with_boundaries(vec![
                    1.0, 2.0, 5.0, 10.0, 25.0, 50.0, 100.0, 250.0, 500.0, 1000.0,
                ])
                .build()
        })
        .record(
            keys as u64,
            &[opentelemetry::KeyValue::new("familygraph.loader", loader)],
        );
}

type Registry = HashMap<(TypeId, String), Arc<dyn Any + Send + Sync>>;

/// A relation of a request: the entity, its key column, and whether it holds many rows per key.
type RelationKey = (TypeId, &'static str, bool);

/// The request's loaders, created on first use: one relation per (entity, key column) in the
/// request's fused loader (see [`fused`]), so that all resolvers of one relation share a batch
/// and all relations of one level share a batch (one statement on PostgreSQL); by-text and
/// caseload loaders on their own.
pub struct Loaders {
    db: DatabaseConnection,
    scope: RecordScope,
    /// Tells this set's relations apart from its sibling's in the fused statement.
    label: &'static str,
    registry: Mutex<Registry>,
    /// Each relation's part number in the fused loader.
    relations: Mutex<HashMap<RelationKey, usize>>,
    parts: Parts,
    fused: Arc<Batcher<PartKey, Fused>>,
    proofs: Arc<Proofs>,
}

fn locked<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    match mutex.lock() {
        Ok(guard) => guard,
        Err(poisoned) => poisoned.into_inner(),
    }
}

impl Loaders {
    /// Loaders for one request, under the caller's scope. They trust no proofs until
    /// [`Loaders::trust_proofs`] says the request writes nothing.
    pub fn new(db: DatabaseConnection, scope: RecordScope) -> Self {
        let parts = Parts::default();
        Self {
            fused: Fused::loader(db.clone(), Arc::clone(&parts)),
            db,
            scope,
            label: "",
            registry: Mutex::new(HashMap::new()),
            relations: Mutex::new(HashMap::new()),
            parts,
            proofs: Arc::new(Proofs::default()),
        }
    }

    /// Loaders for the same request under `scope`, which must reach the same children (the
    /// caller's scope without field classes, for derived fields): they share these loaders'
    /// proofs, and their relations join the same fused statements.
    pub fn sibling(&self, scope: RecordScope) -> Self {
        Self {
            db: self.db.clone(),
            scope,
            label: "derived:",
            registry: Mutex::new(HashMap::new()),
            relations: Mutex::new(HashMap::new()),
            parts: Arc::clone(&self.parts),
            fused: Arc::clone(&self.fused),
            proofs: Arc::clone(&self.proofs),
        }
    }

    /// Runs the relation loads (see [`fused`]) on `generic`: PostgreSQL connections whose
    /// sessions plan prepared statements generically. A load's statement text is fixed for a
    /// set of relations (keys bound as one array) and its best plan hardly depends on the
    /// parameters — index probes from the keys, and the scope's correlated probes on each row —
    /// so one generic plan serves every execution, where PostgreSQL's default made a custom
    /// plan at each (1–3 ms, more than running the statement). Measured on the 100,000-child
    /// data set in `docs/benchmarks.md`. So do lookups by a unique key
    /// ([`Loaders::unique_lookups`]). Other statements (lists, searches, aggregates, whose best
    /// plan depends on the caller and the terms) stay on the regular connections.
    pub fn plan_loads_on(&self, generic: DatabaseConnection) {
        self.fused.loader().plan_loads_on(generic);
    }

    /// Where a lookup by a unique key runs (`childByIdentifier`, say): on the connections of
    /// [`Loaders::plan_loads_on`] when the request has them. Such a statement finds at most
    /// one row by a unique index whatever its values, then checks the scope on that row, so
    /// its generic plan is its best plan, and a custom plan (the whole scope planned afresh,
    /// 2–6 ms on the benchmark data set) costs far more than running it (under 0.1 ms).
    pub fn unique_lookups(&self) -> &DatabaseConnection {
        self.fused.loader().planned_generically()
    }

    /// Whether loads may rely on what earlier loads of the request proved within its reach:
    /// only while the request writes nothing (`false` also forgets every proof).
    pub fn trust_proofs(&self, trusted: bool) {
        self.proofs.trust(trusted);
    }

    /// Notes a row of `E` the caller's request loaded itself *under this request's scope*
    /// (`E::scope_condition` of the same scope, or a condition with the same rows such as
    /// `scope::listed_persons`, in its statement): what it proves within the
    /// reach (see [`Scoped::proves`]) spares later loads the full scope.
    pub fn loaded_under_scope<E: Scoped>(&self, row: &E::Model)
    where
        E::Model: Clone,
    {
        self.proofs.note::<E>(std::slice::from_ref(row));
    }

    /// The loader of type `L` for `relation`, made by `make` on first use.
    fn get_or_create<K, L>(&self, relation: &str, make: impl FnOnce() -> L) -> Arc<Batcher<K, L>>
    where
        K: batch::BatchKey,
        L: Loader<K, Error = LoadError>,
    {
        let key = (TypeId::of::<L>(), relation.to_owned());
        let mut registry = locked(&self.registry);
        if let Some(existing) = registry.get(&key)
            && let Ok(loader) = Arc::clone(existing).downcast::<Batcher<K, L>>()
        {
            return loader;
        }
        let loader = Arc::new(Batcher::new(make()));
        registry.insert(key, loader.clone());
        loader
    }

    fn scoping<E: Scoped>(&self, key: &str) -> Scoping {
        Scoping::new::<E>(&self.scope, key, Arc::clone(&self.proofs))
    }

    /// The fused loader's relation of `E` by `column` (`many`: every row per key), registered
    /// on first use.
    fn relation<E, V>(&self, column: E::Column, many: bool) -> Relation<V>
    where
        E: EntityTrait + Scoped,
        E::Model: DeserializeOwned + Send + Sync + 'static,
        E::Column: Send + Sync,
        V: Clone + Send + Sync + 'static,
    {
        let name = column_name(&column);
        let mut relations = locked(&self.relations);
        let part = relations
            .entry((TypeId::of::<E>(), name, many))
            .or_insert_with(|| {
                let part = RelationPart::<E>::new(
                    format!(
                        "{}{}.{name}.{}",
                        self.label,
                        E::default().table_name(),
                        if many { "many" } else { "one" }
                    ),
                    self.scoping::<E>(name),
                    column,
                    many,
                );
                let mut parts = match self.parts.write() {
                    Ok(parts) => parts,
                    Err(poisoned) => poisoned.into_inner(),
                };
                parts.push(Arc::new(part));
                parts.len() - 1
            });
        Relation::new(Arc::clone(&self.fused), *part)
    }

    /// The records of `E` by primary key.
    pub fn by_id<E>(&self) -> Relation<E::Model>
    where
        E: EntityTrait + Scoped,
        E::Model: DeserializeOwned + Clone + Send + Sync + 'static,
        E::Column: Send + Sync,
    {
        match primary_column::<E>() {
            Ok(column) => self.relation::<E, E::Model>(column, false),
            // Every entity has a primary key; without one the relation finds nothing.
            Err(_) => Relation::new(Arc::clone(&self.fused), usize::MAX),
        }
    }

    /// The records of `E` grouped by `column`, in primary-key order.
    pub fn has_many<E>(&self, column: E::Column) -> Relation<Vec<E::Model>>
    where
        E: EntityTrait + Scoped,
        E::Model: DeserializeOwned + Clone + Send + Sync + 'static,
        E::Column: Send + Sync,
    {
        self.relation::<E, Vec<E::Model>>(column, true)
    }

    /// The loader of `E` by the unique text `column`.
    pub fn by_text<E>(&self, column: E::Column) -> Arc<Batcher<String, ByText<E>>>
    where
        E: EntityTrait + Scoped,
        E::Model: Clone + Send + Sync + 'static,
        E::Column: Send + Sync,
    {
        self.get_or_create(column_name(&column), || ByText {
            db: self.db.clone(),
            scoping: self.scoping::<E>(column_name(&column)),
            column,
        })
    }
}

fn column_name<C: ColumnTrait>(column: &C) -> &'static str {
    // Column names are static identifiers; leak-free because `IdenStatic::as_str` is `'static`.
    sea_orm::IdenStatic::as_str(column)
}

/// How the caller reaches the teams of a caseload batch: by their team codes
/// ([`familygraph_store::scope::reaches_team_caseload`]: every open involvement of the team is
/// within the reach, and only the static checks remain), or otherwise (the whole scope).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CaseloadReach {
    /// The scope reaches the team's caseload by the team's code.
    ByTeam,
    /// Each allocation is checked against the whole scope.
    PerChild,
}

impl CaseloadReach {
    /// How `scope` reaches the caseload of the team with `team_code`.
    pub fn of(scope: &RecordScope, team_code: &str) -> Self {
        if familygraph_store::scope::reaches_team_caseload(scope, team_code) {
            Self::ByTeam
        } else {
            Self::PerChild
        }
    }

    fn condition(self, scope: &RecordScope) -> Condition {
        match self {
            Self::ByTeam => involvement::Entity::condition_when_reached(scope),
            Self::PerChild => involvement::Entity::scope_condition(scope),
        }
    }
}

/// A team's caseload as far as the caller may see: its open allocations, and the distinct
/// children they are for.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CaseloadCounts {
    /// Open allocations held in the team.
    pub allocations: u64,
    /// Distinct children of those allocations.
    pub children: u64,
}

/// Counts each team's caseload within the caller's scope, both counts in one grouped statement
/// for every team in the batch (a caseload page with its `totalCount` and the team's
/// `caseloadSize` ask for both, and the scope's condition costs more to plan than to run).
pub struct CaseloadCount {
    db: DatabaseConnection,
    scope: RecordScope,
    reach: CaseloadReach,
}

impl Loader<Uuid> for CaseloadCount {
    type Value = CaseloadCounts;
    type Error = LoadError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, CaseloadCounts>, LoadError> {
        record_batch("caseload_count", keys.len());
        let rows: Vec<(Uuid, i64, i64)> = involvement::Entity::find()
            .select_only()
            .column(involvement::Column::TeamId)
            .expr_as(
                Func::count(Expr::col(involvement::Column::PersonId)),
                "allocations",
            )
            .expr_as(
                Func::count_distinct(Expr::col(involvement::Column::PersonId)),
                "children",
            )
            .filter(key_in(
                self.db.get_database_backend(),
                involvement::Column::TeamId,
                keys,
            ))
            .filter(involvement::Column::EndedOn.is_null())
            .filter(self.reach.condition(&self.scope))
            .group_by(involvement::Column::TeamId)
            .into_tuple()
            .all(&self.db)
            .await?;
        let count = |n: i64| <u64 as TryFrom<i64>>::try_from(n).unwrap_or_default();
        Ok(rows
            .into_iter()
            .map(|(team, allocations, children)| {
                (
                    team,
                    CaseloadCounts {
                        allocations: count(allocations),
                        children: count(children),
                    },
                )
            })
            .collect())
    }
}

/// One page of each team's open allocations, for every team in the batch in one statement:
/// `ROW_NUMBER() OVER (PARTITION BY team_id ORDER BY id)` keeps the first `first + 1` rows after
/// the cursor per team (the extra row tells whether there is a next page).
pub struct CaseloadPage {
    db: DatabaseConnection,
    scope: RecordScope,
    reach: CaseloadReach,
    page: PageRequest,
    proofs: Arc<Proofs>,
}

impl Loader<Uuid> for CaseloadPage {
    type Value = Vec<involvement::Model>;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[Uuid],
    ) -> Result<HashMap<Uuid, Vec<involvement::Model>>, LoadError> {
        record_batch("caseload_page", keys.len());
        let mut window = WindowStatement::partition_by(involvement::Column::TeamId);
        window.order_by(involvement::Column::Id, Order::Asc);
        let mut ranked = Query::select();
        ranked
            .column(Asterisk)
            .expr_window_as(Func::cust("ROW_NUMBER"), window, "page_rank")
            .from(involvement::Entity)
            .cond_where(key_in(
                self.db.get_database_backend(),
                involvement::Column::TeamId,
                keys,
            ))
            .and_where(involvement::Column::EndedOn.is_null())
            .cond_where(self.reach.condition(&self.scope));
        if let Some(after) = self.page.after {
            ranked.and_where(involvement::Column::Id.gt(after));
        }
        let limit = <i64 as TryFrom<u64>>::try_from(self.page.first + 1).unwrap_or(i64::MAX);
        let outer = Query::select()
            .column(Asterisk)
            .from_subquery(ranked.to_owned(), "ranked")
            .and_where(Expr::col("page_rank").lte(limit))
            .order_by("team_id", Order::Asc)
            .order_by("id", Order::Asc)
            .to_owned();
        let statement = self.db.get_database_backend().build(&outer);
        let rows = involvement::Entity::find()
            .from_raw_sql(statement)
            .all(&self.db)
            .await?;
        self.proofs.note::<involvement::Entity>(&rows);
        let mut grouped: HashMap<Uuid, Vec<involvement::Model>> = HashMap::new();
        for row in rows {
            if let Some(team) = row.team_id {
                grouped.entry(team).or_default().push(row);
            }
        }
        Ok(grouped)
    }
}

impl Loaders {
    /// Each team's caseload counts, for teams the caller reaches as `reach`.
    pub fn caseload_count(&self, reach: CaseloadReach) -> Arc<Batcher<Uuid, CaseloadCount>> {
        self.get_or_create(&format!("caseload_count:{reach:?}"), || CaseloadCount {
            db: self.db.clone(),
            scope: self.scope.clone(),
            reach,
        })
    }

    /// Pages of each team's open allocations, for teams the caller reaches as `reach`; one
    /// loader per page request.
    pub fn caseload_page(
        &self,
        reach: CaseloadReach,
        page: PageRequest,
    ) -> Arc<Batcher<Uuid, CaseloadPage>> {
        let key = format!("caseload_page:{reach:?}:{}:{:?}", page.first, page.after);
        self.get_or_create(&key, || CaseloadPage {
            db: self.db.clone(),
            scope: self.scope.clone(),
            reach,
            page,
            proofs: Arc::clone(&self.proofs),
        })
    }
}
