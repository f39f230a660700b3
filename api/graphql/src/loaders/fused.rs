//! One batching loader for every relation of a request: the loads of all relations that wait at the
//! same time (one level of a nested query) run as **one statement** on PostgreSQL.
//!
//! Each relation is a [`Part`] (an entity, the column its keys match, and the scope its rows
//! carry). A batch groups its keys by part; on PostgreSQL the parts' selects — each with its
//! own scope condition and its keys bound as one array — are joined with `UNION ALL`, each row
//! travelling as its JSON text beside the part's number:
//!
//! ```sql
//! SELECT 0 AS fg_part, row_to_json(fg_row)::text AS fg_json
//!   FROM (SELECT … FROM person_identifier WHERE person_id = ANY($1) AND …) AS fg_row
//! UNION ALL
//! SELECT 1, row_to_json(fg_row)::text FROM (SELECT … FROM visit WHERE person_id = ANY($2) …) AS fg_row
//! ```
//!
//! so a child profile costs one round trip, one parse-bind-execute and one snapshot per level
//! instead of one per relation. The parts are rendered in a fixed order (by name), so the same
//! set of relations always gives the same statement text and each connection's prepared
//! statement is reused. On SQLite (in-process: a statement costs no round trip) the batch is the
//! same but each relation runs its own statement.
//!
//! Rows come back in no particular order from the union; each relation's rows are sorted by
//! primary key (UUIDv7: creation order) before they are handed out, on both backends.

use std::any::Any;
use std::collections::{BTreeMap, HashMap};
use std::marker::PhantomData;
use std::sync::{Arc, OnceLock, RwLock};

use async_graphql::dataloader::Loader;
use futures_util::future::{BoxFuture, try_join_all};
use sea_orm::sea_query::{Alias, Expr, Query, SelectStatement, UnionType};
use sea_orm::{
    ConnectionTrait, DatabaseConnection, DbBackend, DbErr, EntityTrait, ModelTrait, QueryFilter,
    QueryTrait,
};
use serde::de::DeserializeOwned;
use uuid::Uuid;

use super::batch::Batcher;
use super::{LoadError, Scoping, key_in, primary_column, record_batch, uuid_of};
use familygraph_store::Scoped;

/// A key of the request's fused loader: one key of one relation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct PartKey {
    part: usize,
    key: Uuid,
}

/// What a relation loaded for one key: an `E::Model` (by primary key) or a `Vec<E::Model>`
/// (has many), behind a type-erased pointer the typed [`Relation`] handle downcasts.
pub type Loaded = Arc<dyn Any + Send + Sync>;

/// One relation the fused loader serves.
pub trait Part: Send + Sync {
    /// Orders the parts of one statement, so that the same relations render the same text.
    fn name(&self) -> &str;
    /// The loader kind in the batch-size metric: `by_id` or `has_many`.
    fn kind(&self) -> &'static str;
    /// This relation's rows for `keys`, scope included, without ordering.
    fn select(&self, backend: DbBackend, keys: &[Uuid]) -> SelectStatement;
    /// The rows of one statement's branch, as JSON texts, grouped by key.
    fn decode_rows(&self, rows: &[String]) -> Result<HashMap<Uuid, Loaded>, DbErr>;
    /// Runs this relation's statement on its own.
    fn load_alone<'a>(
        &'a self,
        db: &'a DatabaseConnection,
        keys: &'a [Uuid],
    ) -> BoxFuture<'a, Result<HashMap<Uuid, Loaded>, DbErr>>;
}

/// Records of `E` whose `column` holds one of the keys: the primary key (one row per key) or a
/// foreign key (`many`: every row per key).
pub struct RelationPart<E: EntityTrait> {
    name: String,
    scoping: Scoping,
    column: E::Column,
    many: bool,
}

impl<E> RelationPart<E>
where
    E: EntityTrait + Scoped,
    E::Model: DeserializeOwned + Send + Sync + 'static,
    E::Column: Send + Sync,
{
    /// The relation of `E` by `column`; `name` must tell apart every relation of the request
    /// whose statements differ (entity, column and scope).
    pub fn new(name: String, scoping: Scoping, column: E::Column, many: bool) -> Self {
        Self {
            name,
            scoping,
            column,
            many,
        }
    }

    /// Notes the proofs the rows carry and groups them by key, in primary-key order.
    fn group(&self, mut rows: Vec<E::Model>) -> Result<HashMap<Uuid, Loaded>, DbErr> {
        self.scoping.proofs.note::<E>(&rows);
        let primary = primary_column::<E>()?;
        rows.sort_by_cached_key(|row| uuid_of(row.get(primary)));
        if !self.many {
            return Ok(rows
                .into_iter()
                .filter_map(|row| uuid_of(row.get(primary)).map(|id| (id, Arc::new(row) as Loaded)))
                .collect());
        }
        let mut grouped: HashMap<Uuid, Vec<E::Model>> = HashMap::new();
        for row in rows {
            if let Some(key) = uuid_of(row.get(self.column)) {
                grouped.entry(key).or_default().push(row);
            }
        }
        Ok(grouped
            .into_iter()
            .map(|(key, rows)| (key, Arc::new(rows) as Loaded))
            .collect())
    }
}

impl<E> Part for RelationPart<E>
where
    E: EntityTrait + Scoped,
    E::Model: DeserializeOwned + Send + Sync + 'static,
    E::Column: Send + Sync,
{
    fn name(&self) -> &str {
        &self.name
    }

    fn kind(&self) -> &'static str {
        if self.many { "has_many" } else { "by_id" }
    }

    fn select(&self, backend: DbBackend, keys: &[Uuid]) -> SelectStatement {
        E::find()
            .filter(key_in(backend, self.column, keys))
            .filter(self.scoping.for_uuids(keys))
            .into_query()
    }

    fn decode_rows(&self, rows: &[String]) -> Result<HashMap<Uuid, Loaded>, DbErr> {
        let models = rows
            .iter()
            .map(|text| {
                // The error names where the row failed, never what it held (a child's record
                // must not reach the logs).
                serde_json::from_str::<E::Model>(text).map_err(|error| {
                    DbErr::Type(format!(
                        "{}: a row did not decode ({:?} error at column {})",
                        self.name,
                        error.classify(),
                        error.column()
                    ))
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        self.group(models)
    }

    fn load_alone<'a>(
        &'a self,
        db: &'a DatabaseConnection,
        keys: &'a [Uuid],
    ) -> BoxFuture<'a, Result<HashMap<Uuid, Loaded>, DbErr>> {
        Box::pin(async move {
            let rows = E::find()
                .filter(key_in(db.get_database_backend(), self.column, keys))
                .filter(self.scoping.for_uuids(keys))
                .all(db)
                .await?;
            self.group(rows)
        })
    }
}

/// The parts of one request (shared by its loaders and its derived loaders), by number.
pub type Parts = Arc<RwLock<Vec<Arc<dyn Part>>>>;

/// One batch's relations: (part number, part, keys).
type Groups = [(usize, Arc<dyn Part>, Vec<Uuid>)];

/// The fused loader of one request.
pub struct Fused {
    db: DatabaseConnection,
    /// Connections whose sessions plan prepared statements generically
    /// (`plan_cache_mode = force_generic_plan`): see [`super::Loaders::plan_loads_on`].
    generic: OnceLock<DatabaseConnection>,
    parts: Parts,
}

impl Fused {
    /// The request's fused loader: keys of every relation that wait together share a batch
    /// (see [`super::batch`]).
    pub fn loader(db: DatabaseConnection, parts: Parts) -> Arc<Batcher<PartKey, Fused>> {
        Arc::new(Batcher::new(Fused {
            db,
            generic: OnceLock::new(),
            parts,
        }))
    }

    fn part(&self, index: usize) -> Result<Arc<dyn Part>, DbErr> {
        let parts = match self.parts.read() {
            Ok(parts) => parts,
            Err(poisoned) => poisoned.into_inner(),
        };
        parts
            .get(index)
            .cloned()
            .ok_or_else(|| DbErr::Custom("a load named an unknown relation".to_owned()))
    }

    /// Runs the loads on `generic` from now on.
    pub fn plan_loads_on(&self, generic: DatabaseConnection) {
        // Set once, when the request starts; a second call changes nothing.
        let _ = self.generic.set(generic);
    }

    /// The generic-plan connections when the request has them, else the regular ones.
    pub fn planned_generically(&self) -> &DatabaseConnection {
        self.generic.get().unwrap_or(&self.db)
    }

    /// The parts' rows in one `UNION ALL` statement (PostgreSQL), on the generic-plan
    /// connections when the request has them.
    async fn load_postgres(
        &self,
        groups: &Groups,
    ) -> Result<Vec<(usize, HashMap<Uuid, Loaded>)>, DbErr> {
        let backend = self.db.get_database_backend();
        let branches = groups
            .iter()
            .map(|(index, part, keys)| (*index, Arc::clone(part), part.select(backend, keys)))
            .collect();
        Self::load_union(self.planned_generically(), branches).await
    }

    /// The branches' rows in one `UNION ALL` statement on `db`.
    async fn load_union(
        db: &DatabaseConnection,
        branches: Vec<(usize, Arc<dyn Part>, SelectStatement)>,
    ) -> Result<Vec<(usize, HashMap<Uuid, Loaded>)>, DbErr> {
        let mut union: Option<SelectStatement> = None;
        for (position, (_, _, select)) in branches.iter().enumerate() {
            let branch = Query::select()
                .expr_as(Expr::cust(position.to_string()), Alias::new("fg_part"))
                .expr_as(
                    Expr::cust("row_to_json(\"fg_row\")::text"),
                    Alias::new("fg_json"),
                )
                .from_subquery(select.clone(), Alias::new("fg_row"))
                .to_owned();
            match union.as_mut() {
                None => union = Some(branch),
                Some(statement) => {
                    statement.union(UnionType::All, branch);
                }
            }
        }
        let Some(union) = union else {
            return Ok(Vec::new());
        };
        let mut texts: Vec<Vec<String>> = vec![Vec::new(); branches.len()];
        for row in db.query_all(&union).await? {
            let position: i32 = row.try_get("", "fg_part")?;
            let text: String = row.try_get("", "fg_json")?;
            if let Some(rows) = usize::try_from(position)
                .ok()
                .and_then(|position| texts.get_mut(position))
            {
                rows.push(text);
            }
        }
        branches
            .iter()
            .zip(texts)
            .map(|((index, part, _), rows)| Ok((*index, part.decode_rows(&rows)?)))
            .collect()
    }
}

impl Loader<PartKey> for Fused {
    type Value = Loaded;
    type Error = LoadError;

    async fn load(&self, keys: &[PartKey]) -> Result<HashMap<PartKey, Loaded>, LoadError> {
        let mut by_part: BTreeMap<usize, Vec<Uuid>> = BTreeMap::new();
        for key in keys {
            by_part.entry(key.part).or_default().push(key.key);
        }
        let mut groups = Vec::with_capacity(by_part.len());
        for (index, mut keys) in by_part {
            keys.sort_unstable();
            keys.dedup();
            let part = self.part(index)?;
            record_batch(part.kind(), keys.len());
            groups.push((index, part, keys));
        }
        groups.sort_by(|a, b| a.1.name().cmp(b.1.name()));
        let loaded = if self.db.get_database_backend() == DbBackend::Postgres {
            self.load_postgres(&groups).await?
        } else {
            let db = &self.db;
            try_join_all(groups.iter().map(|(index, part, keys)| async move {
                Ok::<_, DbErr>((*index, part.load_alone(db, keys).await?))
            }))
            .await?
        };
        Ok(loaded
            .into_iter()
            .flat_map(|(part, rows)| {
                rows.into_iter()
                    .map(move |(key, value)| (PartKey { part, key }, value))
            })
            .collect())
    }
}

/// A typed handle on one relation of the fused loader: what [`super::Loaders::by_id`] and
/// [`super::Loaders::has_many`] give out. `V` is `E::Model` or `Vec<E::Model>`.
pub struct Relation<V> {
    loader: Arc<Batcher<PartKey, Fused>>,
    part: usize,
    value: PhantomData<fn() -> V>,
}

impl<V: Clone + Send + Sync + 'static> Relation<V> {
    pub(super) fn new(loader: Arc<Batcher<PartKey, Fused>>, part: usize) -> Self {
        Self {
            loader,
            part,
            value: PhantomData,
        }
    }

    fn typed(loaded: &Loaded) -> Result<V, LoadError> {
        loaded
            .downcast_ref::<V>()
            .cloned()
            .ok_or_else(|| Arc::new(DbErr::Custom("a relation loaded another type".to_owned())))
    }

    /// What the relation holds for `key` (`None`: nothing visible).
    pub async fn load_one(&self, key: Uuid) -> Result<Option<V>, LoadError> {
        let loaded = self
            .loader
            .load_one(PartKey {
                part: self.part,
                key,
            })
            .await?;
        loaded.as_ref().map(Self::typed).transpose()
    }

    /// What the relation holds for each of `keys` that has anything visible. (The keys are
    /// collected before the future is made, so that it holds no borrowed iterator.)
    pub fn load_many(
        &self,
        keys: impl IntoIterator<Item = Uuid>,
    ) -> impl Future<Output = Result<HashMap<Uuid, V>, LoadError>> + Send + '_ {
        let part = self.part;
        let keys: Vec<PartKey> = keys.into_iter().map(|key| PartKey { part, key }).collect();
        async move {
            let loaded = self.loader.load_many(keys).await?;
            loaded
                .iter()
                .map(|(key, value)| Ok((key.key, Self::typed(value)?)))
                .collect()
        }
    }
}
