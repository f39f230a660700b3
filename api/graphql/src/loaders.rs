//! Batched, scoped loading: every relation in the schema resolves through a DataLoader, so a
//! nested query issues a number of SQL statements bounded by its depth, not by its rows.
//!
//! Loaders live for one request and carry that request's [`RecordScope`]; each adds the scope's
//! condition to its SQL, so a loader can never return a record the caller may not see.

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::marker::PhantomData;
use std::sync::{Arc, Mutex};

use async_graphql::dataloader::{DataLoader, Loader};
use familygraph_domain::RecordScope;
use familygraph_store::Scoped;
use familygraph_store::entity::involvement;
use sea_orm::sea_query::{
    Asterisk, Expr, ExprTrait, Func, Order, Query, ValueType, WindowStatement,
};
use sea_orm::{
    ColumnTrait, Condition, DatabaseConnection, DbErr, EntityTrait, Iterable, ModelTrait,
    PrimaryKeyToColumn, QueryFilter, QueryOrder, QuerySelect, Value,
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

/// Loads records of `E` by primary key.
pub struct ById<E> {
    db: DatabaseConnection,
    scope: Condition,
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
            .filter(key.is_in(keys.iter().copied()))
            .filter(self.scope.clone())
            .all(&self.db)
            .await?;
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
    scope: Condition,
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
            .filter(self.column.is_in(keys.iter().copied()))
            .filter(self.scope.clone())
            .order_by_asc(primary_column::<E>()?)
            .all(&self.db)
            .await?;
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
    scope: Condition,
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
            .filter(self.column.is_in(keys.iter().cloned()))
            .filter(self.scope.clone())
            .all(&self.db)
            .await?;
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

/// The request's loaders, created on first use: one per (entity, relation column), so that all
/// resolvers of one relation share a batch.
pub struct Loaders {
    db: DatabaseConnection,
    scope: RecordScope,
    registry: Mutex<Registry>,
}

impl Loaders {
    /// Loaders for one request, under the caller's scope.
    pub fn new(db: DatabaseConnection, scope: RecordScope) -> Self {
        Self {
            db,
            scope,
            registry: Mutex::new(HashMap::new()),
        }
    }

    fn get_or_create<L>(&self, relation: &str, make: impl FnOnce() -> L) -> Arc<DataLoader<L>>
    where
        L: Send + Sync + 'static,
    {
        let key = (TypeId::of::<L>(), relation.to_owned());
        let mut registry = match self.registry.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        };
        if let Some(existing) = registry.get(&key)
            && let Ok(loader) = Arc::clone(existing).downcast::<DataLoader<L>>()
        {
            return loader;
        }
        // The batch runs in its own task, inside the span of the resolver that started it.
        let loader = Arc::new(DataLoader::new(make(), |batch| {
            tokio::spawn(tracing::Instrument::in_current_span(batch))
        }));
        registry.insert(key, loader.clone());
        loader
    }

    /// The loader of `E` by primary key.
    pub fn by_id<E>(&self) -> Arc<DataLoader<ById<E>>>
    where
        E: EntityTrait + Scoped,
        E::Model: Clone + Send + Sync + 'static,
    {
        self.get_or_create("id", || ById {
            db: self.db.clone(),
            scope: E::scope_condition(&self.scope),
            entity: PhantomData,
        })
    }

    /// The loader of `E` grouped by `column`.
    pub fn has_many<E>(&self, column: E::Column) -> Arc<DataLoader<HasMany<E>>>
    where
        E: EntityTrait + Scoped,
        E::Model: Clone + Send + Sync + 'static,
        E::Column: Send + Sync,
    {
        self.get_or_create(column_name(&column), || HasMany {
            db: self.db.clone(),
            scope: E::scope_condition(&self.scope),
            column,
        })
    }

    /// The loader of `E` by the unique text `column`.
    pub fn by_text<E>(&self, column: E::Column) -> Arc<DataLoader<ByText<E>>>
    where
        E: EntityTrait + Scoped,
        E::Model: Clone + Send + Sync + 'static,
        E::Column: Send + Sync,
    {
        self.get_or_create(column_name(&column), || ByText {
            db: self.db.clone(),
            scope: E::scope_condition(&self.scope),
            column,
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
            .filter(involvement::Column::TeamId.is_in(keys.iter().copied()))
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
            .and_where(involvement::Column::TeamId.is_in(keys.iter().copied()))
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
            CaseloadCount {
                db: self.db.clone(),
                scope: self.scope.clone(),
                distinct_children,
            }
        })
    }

    /// Pages of each team's open allocations; one loader per page request.
    pub fn caseload_page(&self, page: PageRequest) -> Arc<DataLoader<CaseloadPage>> {
        let key = format!("caseload_page:{}:{:?}", page.first, page.after);
        self.get_or_create(&key, || CaseloadPage {
            db: self.db.clone(),
            scope: self.scope.clone(),
            page,
        })
    }
}
