//! Batched, scoped loading: every relation in the schema resolves through a DataLoader, so a
//! nested query issues a number of SQL statements bounded by its depth, not by its rows.
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
use std::marker::PhantomData;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use async_graphql::dataloader::{DataLoader, Loader};
use familygraph_domain::RecordScope;
use familygraph_store::entity::involvement;
use familygraph_store::{Reached, Scoped};
use sea_orm::sea_query::extension::postgres::PgFunc;
use sea_orm::sea_query::{
    Asterisk, Expr, ExprTrait, Func, Order, PostgresQueryBuilder, Query, ValueType, WindowStatement,
};
use sea_orm::{
    ColumnTrait, Condition, DatabaseConnection, DbBackend, DbErr, EntityTrait, Iterable,
    ModelTrait, PrimaryKeyToColumn, QueryFilter, QueryOrder, QuerySelect, Value,
};

use crate::pagination::PageRequest;
use uuid::Uuid;

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

/// How a loader of `E` keyed by one column limits its rows: the full scope, and — when the key
/// column is the entity's reach key — the condition that remains for proven keys.
struct Scoping {
    full: Condition,
    when_reached: Option<(Reached, Condition)>,
    proofs: Arc<Proofs>,
}

impl Scoping {
    fn new<E: Scoped>(scope: &RecordScope, key: &str, proofs: Arc<Proofs>) -> Self {
        let when_reached = E::reach_key()
            .filter(|(column, _)| sea_orm::IdenStatic::as_str(column) == key)
            .map(|(_, kind)| (kind, E::condition_when_reached(scope)));
        Self {
            full: E::scope_condition(scope),
            when_reached,
            proofs,
        }
    }

    /// The condition for a batch of `keys`.
    fn for_uuids(&self, keys: &[Uuid]) -> Condition {
        match &self.when_reached {
            Some((kind, reached)) if self.proofs.cover(*kind, keys) => reached.clone(),
            _ => self.full.clone(),
        }
    }

    /// A key telling apart loaders whose statements differ (rendered conditions).
    fn identity(&self) -> String {
        let render = |condition: &Condition| {
            Query::select()
                .expr(Expr::val(1))
                .cond_where(condition.clone())
                .to_string(PostgresQueryBuilder)
        };
        match &self.when_reached {
            Some((_, reached)) => format!("{}\n{}", render(&self.full), render(reached)),
            None => render(&self.full),
        }
    }
}

/// Loads records of `E` by primary key.
pub struct ById<E> {
    db: DatabaseConnection,
    scoping: Scoping,
    entity: PhantomData<fn() -> E>,
}

impl<E> Loader<Uuid> for ById<E>
where
    E: EntityTrait + Scoped,
    E::Model: Clone + Send + Sync + 'static,
{
    type Value = E::Model;
    type Error = LoadError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, E::Model>, LoadError> {
        record_batch("by_id", keys.len());
        let key = primary_column::<E>()?;
        let rows = E::find()
            .filter(key_in(self.db.get_database_backend(), key, keys))
            .filter(self.scoping.for_uuids(keys))
            .all(&self.db)
            .await?;
        self.scoping.proofs.note::<E>(&rows);
        Ok(rows
            .into_iter()
            .filter_map(|row| uuid_of(row.get(key)).map(|id| (id, row)))
            .collect())
    }
}

/// Loads every record of `E` whose `column` holds one of the keys (a has-many relation), in
/// primary-key order (UUIDv7: creation order).
pub struct HasMany<E: EntityTrait> {
    db: DatabaseConnection,
    scoping: Scoping,
    column: E::Column,
}

impl<E> Loader<Uuid> for HasMany<E>
where
    E: EntityTrait + Scoped,
    E::Model: Clone + Send + Sync + 'static,
    E::Column: Send + Sync,
{
    type Value = Vec<E::Model>;
    type Error = LoadError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Vec<E::Model>>, LoadError> {
        record_batch("has_many", keys.len());
        let rows = E::find()
            .filter(key_in(self.db.get_database_backend(), self.column, keys))
            .filter(self.scoping.for_uuids(keys))
            .order_by_asc(primary_column::<E>()?)
            .all(&self.db)
            .await?;
        self.scoping.proofs.note::<E>(&rows);
        let mut grouped: HashMap<Uuid, Vec<E::Model>> = HashMap::new();
        for row in rows {
            if let Some(key) = uuid_of(row.get(self.column)) {
                grouped.entry(key).or_default().push(row);
            }
        }
        Ok(grouped)
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
            .filter(self.scoping.full.clone())
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
                .with_description("Keys per DataLoader batch, by loader.")
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

/// Loaders by (loader type, relation, rendered scope condition), shared by a request's loaders
/// and its derived loaders: where both would run the same statement, they share one batch.
type Shared = HashMap<(TypeId, String, String), Arc<dyn Any + Send + Sync>>;

/// The request's loaders, created on first use: one per (entity, relation column), so that all
/// resolvers of one relation share a batch.
pub struct Loaders {
    db: DatabaseConnection,
    scope: RecordScope,
    registry: Mutex<Registry>,
    shared: Arc<Mutex<Shared>>,
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
        Self {
            db,
            scope,
            registry: Mutex::new(HashMap::new()),
            shared: Arc::new(Mutex::new(HashMap::new())),
            proofs: Arc::new(Proofs::default()),
        }
    }

    /// Loaders for the same request under `scope`, which must reach the same children (the
    /// caller's scope without field classes, for derived fields): they share these loaders'
    /// proofs, and a batch wherever the two would run the same statement.
    pub fn sibling(&self, scope: RecordScope) -> Self {
        Self {
            db: self.db.clone(),
            scope,
            registry: Mutex::new(HashMap::new()),
            shared: Arc::clone(&self.shared),
            proofs: Arc::clone(&self.proofs),
        }
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

    /// The loader of type `L` for `relation`; `make` builds it with the rendered condition its
    /// statements carry.
    fn get_or_create<L>(
        &self,
        relation: &str,
        make: impl FnOnce() -> (L, String),
    ) -> Arc<DataLoader<L>>
    where
        L: Send + Sync + 'static,
    {
        let key = (TypeId::of::<L>(), relation.to_owned());
        let mut registry = locked(&self.registry);
        if let Some(existing) = registry.get(&key)
            && let Ok(loader) = Arc::clone(existing).downcast::<DataLoader<L>>()
        {
            return loader;
        }
        let (made, identity) = make();
        let shared_key = (key.0, key.1.clone(), identity);
        let mut shared = locked(&self.shared);
        if let Some(existing) = shared.get(&shared_key)
            && let Ok(loader) = Arc::clone(existing).downcast::<DataLoader<L>>()
        {
            registry.insert(key, loader.clone());
            return loader;
        }
        // The batch runs in its own task, inside the span of the resolver that started it.
        let loader = Arc::new(DataLoader::new(made, |batch| {
            tokio::spawn(tracing::Instrument::in_current_span(batch))
        }));
        shared.insert(shared_key, loader.clone());
        registry.insert(key, loader.clone());
        loader
    }

    fn scoping<E: Scoped>(&self, key: &str) -> Scoping {
        Scoping::new::<E>(&self.scope, key, Arc::clone(&self.proofs))
    }

    /// The loader of `E` by primary key.
    pub fn by_id<E>(&self) -> Arc<DataLoader<ById<E>>>
    where
        E: EntityTrait + Scoped,
        E::Model: Clone + Send + Sync + 'static,
    {
        self.get_or_create("id", || {
            let key = primary_column::<E>()
                .map(|column| sea_orm::IdenStatic::as_str(&column))
                .unwrap_or_default();
            let scoping = self.scoping::<E>(key);
            let identity = scoping.identity();
            let loader = ById {
                db: self.db.clone(),
                scoping,
                entity: PhantomData,
            };
            (loader, identity)
        })
    }

    /// The loader of `E` grouped by `column`.
    pub fn has_many<E>(&self, column: E::Column) -> Arc<DataLoader<HasMany<E>>>
    where
        E: EntityTrait + Scoped,
        E::Model: Clone + Send + Sync + 'static,
        E::Column: Send + Sync,
    {
        self.get_or_create(column_name(&column), || {
            let scoping = self.scoping::<E>(column_name(&column));
            let identity = scoping.identity();
            let loader = HasMany {
                db: self.db.clone(),
                scoping,
                column,
            };
            (loader, identity)
        })
    }

    /// The loader of `E` by the unique text `column`.
    pub fn by_text<E>(&self, column: E::Column) -> Arc<DataLoader<ByText<E>>>
    where
        E: EntityTrait + Scoped,
        E::Model: Clone + Send + Sync + 'static,
        E::Column: Send + Sync,
    {
        self.get_or_create(column_name(&column), || {
            let scoping = self.scoping::<E>(column_name(&column));
            let identity = scoping.identity();
            let loader = ByText {
                db: self.db.clone(),
                scoping,
                column,
            };
            (loader, identity)
        })
    }
}

fn column_name<C: ColumnTrait>(column: &C) -> &'static str {
    // Column names are static identifiers; leak-free because `IdenStatic::as_str` is `'static`.
    sea_orm::IdenStatic::as_str(column)
}

/// Counts each team's caseload within the caller's scope: open allocations, or the distinct
/// children they are for. One grouped statement for every team in the batch.
pub struct CaseloadCount {
    db: DatabaseConnection,
    scope: RecordScope,
    distinct_children: bool,
}

impl Loader<Uuid> for CaseloadCount {
    type Value = u64;
    type Error = LoadError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, u64>, LoadError> {
        record_batch("caseload_count", keys.len());
        let counted = Expr::col(involvement::Column::PersonId);
        let count = if self.distinct_children {
            Func::count_distinct(counted)
        } else {
            Func::count(counted)
        };
        let rows: Vec<(Uuid, i64)> = involvement::Entity::find()
            .select_only()
            .column(involvement::Column::TeamId)
            .expr_as(count, "caseload")
            .filter(key_in(
                self.db.get_database_backend(),
                involvement::Column::TeamId,
                keys,
            ))
            .filter(involvement::Column::EndedOn.is_null())
            .filter(involvement::Entity::scope_condition(&self.scope))
            .group_by(involvement::Column::TeamId)
            .into_tuple()
            .all(&self.db)
            .await?;
        Ok(rows
            .into_iter()
            .map(|(team, count)| {
                (
                    team,
                    <u64 as TryFrom<i64>>::try_from(count).unwrap_or_default(),
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
            .cond_where(involvement::Entity::scope_condition(&self.scope));
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
    /// Counts of each team's open allocations (`distinct_children`: of the children they are for).
    pub fn caseload_count(&self, distinct_children: bool) -> Arc<DataLoader<CaseloadCount>> {
        self.get_or_create(&format!("caseload_count:{distinct_children}"), || {
            let loader = CaseloadCount {
                db: self.db.clone(),
                scope: self.scope.clone(),
                distinct_children,
            };
            (loader, format!("{:?}", self.scope))
        })
    }

    /// Pages of each team's open allocations; one loader per page request.
    pub fn caseload_page(&self, page: PageRequest) -> Arc<DataLoader<CaseloadPage>> {
        let key = format!("caseload_page:{}:{:?}", page.first, page.after);
        self.get_or_create(&key, || {
            let loader = CaseloadPage {
                db: self.db.clone(),
                scope: self.scope.clone(),
                page,
                proofs: Arc::clone(&self.proofs),
            };
            (loader, format!("{:?}", self.scope))
        })
    }
}
