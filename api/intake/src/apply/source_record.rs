//! Idempotency by record key and content hash: `source_record` maps each
//! [`RecordKey`] to the familygraph row it became and the hash of what was applied.

use chrono::Utc;
use familygraph_adapter_sdk::{RecordKey, SourceRef};
use familygraph_store::entity::source_record;
use std::collections::HashMap;
use std::sync::Mutex;

use sea_orm::sea_query::{Expr, SelectStatement, UnionType};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseTransaction, DbErr, EntityTrait,
    PrimaryKeyTrait, QueryFilter, QueryTrait,
};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::{Applied, ChildContext, RecordRejected};

/// What `source_record` remembers of an applied record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Remembered {
    /// The familygraph table the record became.
    pub entity_type: String,
    /// The familygraph row it became.
    pub entity_id: Uuid,
    /// SHA-256 (hex) of the record as last applied.
    pub content_hash: String,
    /// The person the record is about, if any.
    pub person_id: Option<Uuid>,
}

/// SHA-256 (lower-case hex) of the record's JSON serialisation. Records are plain data with
/// deterministic field order, so the same content always hashes the same.
pub(crate) fn content_hash<T: serde::Serialize>(record: &T) -> String {
    let bytes = serde_json::to_vec(record).unwrap_or_default();
    let digest = Sha256::digest(&bytes);
    let mut out = String::with_capacity(64);
    for byte in digest {
        out.push_str(&format!("{byte:02x}"));
    }
    out
}

/// The `source_record` row of `key`, if the record was applied before.
pub(crate) async fn lookup<C: ConnectionTrait>(
    db: &C,
    key: &RecordKey,
) -> Result<Option<Remembered>, DbErr> {
    Ok(find(db, key).await?.map(remembered))
}

fn remembered(row: source_record::Model) -> Remembered {
    Remembered {
        entity_type: row.entity_type,
        entity_id: row.entity_id,
        content_hash: row.content_hash,
        person_id: row.person_id,
    }
}

async fn find<C: ConnectionTrait>(
    db: &C,
    key: &RecordKey,
) -> Result<Option<source_record::Model>, DbErr> {
    source_record::Entity::find()
        .filter(source_record::Column::RecordKind.eq(key.kind.as_str()))
        .filter(source_record::Column::SourceSystem.eq(key.source.system.as_str()))
        .filter(source_record::Column::SourceId.eq(key.source.id.as_str()))
        .one(db)
        .await
}

/// The record key of a record of `kind` from `source`.
pub(crate) fn key(kind: &str, source: &SourceRef) -> RecordKey {
    RecordKey {
        kind: kind.to_owned(),
        source: source.clone(),
    }
}

/// What `source_record` knows of a record about to be applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Prior {
    /// Never applied (or its row is gone): insert.
    New,
    /// Applied with the same content: nothing to do.
    Same(Uuid),
    /// Applied with other content: update this row.
    Changed(Uuid),
}

/// Looks `key` up: new, the same content, or changed. A key remembered as another table (a
/// record that changed kind, say a section 47 enquiry now sent as a conference) is rejected:
/// familygraph does not turn one row into another.
pub(crate) async fn prior(
    txn: &DatabaseTransaction,
    ledger: &Ledger,
    key: &RecordKey,
    hash: &str,
    entity_type: &str,
) -> Result<Prior, RecordRejected> {
    let Some(seen) = ledger
        .lookup(txn, key)
        .await
        .map_err(|e| RecordRejected::database(&e))?
    else {
        return Ok(Prior::New);
    };
    if seen.entity_type != entity_type {
        return Err(RecordRejected(format!(
            "{key} was applied before as a {} and is now a {entity_type}; a record cannot change kind",
            seen.entity_type
        )));
    }
    Ok(if seen.content_hash == hash {
        Prior::Same(seen.entity_id)
    } else {
        Prior::Changed(seen.entity_id)
    })
}

/// Where applying a record starts from: see [`begin_record`].
pub(crate) enum Step {
    /// Applied before with the same content: nothing to do, this is the answer.
    Unchanged(Applied),
    /// New or changed: to be applied.
    Proceed(Begun),
}

/// A record to be applied (new, or changed since it was last applied): its key, its content
/// hash, the table it becomes and what `source_record` knew of it.
pub(crate) struct Begun {
    /// The record's key.
    pub key: RecordKey,
    /// The hash of the record's content.
    pub hash: String,
    /// The familygraph table the record becomes.
    pub entity_type: &'static str,
    /// What `source_record` knew of the record.
    pub prior: Prior,
}

impl Begun {
    /// The row the record became when it was applied before with other content: the row to
    /// update.
    pub(crate) fn changed(&self) -> Option<Uuid> {
        match self.prior {
            Prior::Changed(id) => Some(id),
            Prior::New | Prior::Same(_) => None,
        }
    }

    /// The row of `E` the record became when it was applied before with other content, if it
    /// is still there: the row to update.
    pub(crate) async fn changed_row<E>(
        &self,
        txn: &DatabaseTransaction,
    ) -> Result<Option<E::Model>, RecordRejected>
    where
        E: EntityTrait,
        E::PrimaryKey: PrimaryKeyTrait<ValueType = Uuid>,
    {
        match self.changed() {
            Some(id) => E::find_by_id(id)
                .one(txn)
                .await
                .map_err(|e| RecordRejected::database(&e)),
            None => Ok(None),
        }
    }

    /// Remembers that the record became row `id` (about `person_id`) and returns what was
    /// done: `updated` an existing row, or created one.
    pub(crate) async fn done_in(
        &self,
        txn: &DatabaseTransaction,
        ledger: &Ledger,
        run_id: Uuid,
        id: Uuid,
        person_id: Option<Uuid>,
        updated: bool,
    ) -> Result<Applied, RecordRejected> {
        ledger
            .remember(
                txn,
                &self.key,
                self.entity_type,
                id,
                person_id,
                &self.hash,
                run_id,
            )
            .await
            .map_err(|e| RecordRejected::database(&e))?;
        Ok(if updated {
            Applied::Updated(id)
        } else {
            Applied::Created(id)
        })
    }

    /// [`Begun::done_in`] the child's transaction: row `id`, about the child.
    pub(crate) async fn done(
        &self,
        cx: &ChildContext<'_>,
        id: Uuid,
        updated: bool,
    ) -> Result<Applied, RecordRejected> {
        self.done_in(
            cx.txn,
            cx.ledger,
            cx.run_id,
            id,
            Some(cx.person_id),
            updated,
        )
        .await
    }
}

/// The first steps of applying `record`, a record of `kind` from `source` that becomes a row
/// of `entity_type`: its key and content hash, and what `source_record` knows of it
/// ([`prior`]). Applied before with the same content, the record is [`Step::Unchanged`];
/// otherwise the caller goes on with the [`Begun`] record.
pub(crate) async fn begin_record_in<T: serde::Serialize>(
    txn: &DatabaseTransaction,
    ledger: &Ledger,
    kind: &str,
    source: &SourceRef,
    record: &T,
    entity_type: &'static str,
) -> Result<Step, RecordRejected> {
    let key = key(kind, source);
    let hash = content_hash(record);
    Ok(match prior(txn, ledger, &key, &hash, entity_type).await? {
        Prior::Same(id) => Step::Unchanged(Applied::Unchanged(id)),
        prior => Step::Proceed(Begun {
            key,
            hash,
            entity_type,
            prior,
        }),
    })
}

/// [`begin_record_in`] the child's transaction.
pub(crate) async fn begin_record<T: serde::Serialize>(
    cx: &ChildContext<'_>,
    kind: &str,
    source: &SourceRef,
    record: &T,
    entity_type: &'static str,
) -> Result<Step, RecordRejected> {
    begin_record_in(cx.txn, cx.ledger, kind, source, record, entity_type).await
}

/// How many keys one preloading `SELECT` asks for (each key is three bound values).
const PRELOAD_CHUNK: usize = 100;

/// What one transaction knows of `source_record`, so that each key is read at most once and
/// new rows are written together.
///
/// A key is *known* once it was preloaded, looked up or remembered through the ledger. A
/// remembered key that was known absent is inserted at once by a write-through ledger
/// ([`Ledger::default`]), or kept until [`Ledger::flush`] by a deferring one
/// ([`Ledger::deferring`], a child's transaction: one multi-row insert per child). Every read
/// of `source_record` in the transaction must go through the ledger, and a deferring ledger
/// must be flushed before the transaction commits.
#[derive(Debug, Default)]
pub(crate) struct Ledger {
    defer: bool,
    state: Mutex<LedgerState>,
}

#[derive(Debug, Default)]
struct LedgerState {
    /// Keys whose row (or absence) is known: the row as the transaction sees it.
    known: HashMap<RecordKey, Option<Remembered>>,
    /// Rows remembered but not inserted yet (deferring ledger), in order.
    pending: Vec<source_record::ActiveModel>,
    /// Index in `pending` of each pending key.
    pending_index: HashMap<RecordKey, usize>,
}

impl Ledger {
    /// A ledger that keeps new rows until [`Ledger::flush`].
    pub(crate) fn deferring() -> Self {
        Self {
            defer: true,
            state: Mutex::default(),
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, LedgerState> {
        // A poisoned lock only means another record's code panicked; the map is still whole.
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Reads the rows of `keys` not known yet, in as few statements as the keys allow.
    pub(crate) async fn preload<C: ConnectionTrait>(
        &self,
        db: &C,
        keys: &[RecordKey],
    ) -> Result<(), DbErr> {
        let missing: Vec<&RecordKey> = {
            let state = self.state();
            let mut seen = std::collections::HashSet::new();
            keys.iter()
                .filter(|k| !state.known.contains_key(*k) && seen.insert(*k))
                .collect()
        };
        for chunk in missing.chunks(PRELOAD_CHUNK) {
            // One `SELECT` per key on the unique key's index, joined by `UNION ALL`: not one
            // `OR` of the keys, whose plan a server may cache as a sequential scan while the
            // table is small and keep as it grows.
            let mut query: Option<SelectStatement> = None;
            for key in chunk {
                let one = source_record::Entity::find()
                    .filter(source_record::Column::RecordKind.eq(key.kind.as_str()))
                    .filter(source_record::Column::SourceSystem.eq(key.source.system.as_str()))
                    .filter(source_record::Column::SourceId.eq(key.source.id.as_str()))
                    .into_query();
                match &mut query {
                    None => query = Some(one),
                    Some(query) => {
                        query.union(UnionType::All, one);
                    }
                }
            }
            let Some(query) = query else {
                continue;
            };
            let rows = source_record::Entity::find()
                .from_raw_sql(db.get_database_backend().build(&query))
                .all(db)
                .await?;
            let mut state = self.state();
            for key in chunk {
                state.known.insert((*key).clone(), None);
            }
            for row in rows {
                let key = RecordKey {
                    kind: row.record_kind.clone(),
                    source: SourceRef::new(row.source_system.clone(), row.source_id.clone()),
                };
                state.known.insert(key, Some(remembered(row)));
            }
        }
        Ok(())
    }

    /// The `source_record` row of `key` as this transaction sees it.
    pub(crate) async fn lookup<C: ConnectionTrait>(
        &self,
        db: &C,
        key: &RecordKey,
    ) -> Result<Option<Remembered>, DbErr> {
        if let Some(known) = self.state().known.get(key) {
            return Ok(known.clone());
        }
        let found = lookup(db, key).await?;
        self.state().known.insert(key.clone(), found.clone());
        Ok(found)
    }

    /// Records (insert or update) that `key` became `entity_type`/`entity_id` with this
    /// content.
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn remember<C: ConnectionTrait>(
        &self,
        db: &C,
        key: &RecordKey,
        entity_type: &str,
        entity_id: Uuid,
        person_id: Option<Uuid>,
        content_hash: &str,
        run_id: Uuid,
    ) -> Result<(), DbErr> {
        let now = Utc::now();
        let next = Remembered {
            entity_type: entity_type.to_owned(),
            entity_id,
            content_hash: content_hash.to_owned(),
            person_id,
        };
        let known = self.state().known.get(key).cloned();
        let exists = match known {
            Some(row) => row.is_some(),
            None => find(db, key).await?.is_some(),
        };
        {
            let mut state = self.state();
            state.known.insert(key.clone(), Some(next));
            if let Some(&index) = state.pending_index.get(key) {
                // Remembered twice before the flush: the pending row takes the new content.
                let row = &mut state.pending[index];
                row.entity_type = Set(entity_type.to_owned());
                row.entity_id = Set(entity_id);
                row.person_id = Set(person_id);
                row.content_hash = Set(content_hash.to_owned());
                row.run_id = Set(run_id);
                row.applied_at = Set(now);
                return Ok(());
            }
        }
        if exists {
            source_record::Entity::update_many()
                .col_expr(source_record::Column::EntityType, Expr::value(entity_type))
                .col_expr(source_record::Column::EntityId, Expr::value(entity_id))
                .col_expr(source_record::Column::PersonId, Expr::value(person_id))
                .col_expr(
                    source_record::Column::ContentHash,
                    Expr::value(content_hash),
                )
                .col_expr(source_record::Column::RunId, Expr::value(run_id))
                .col_expr(source_record::Column::AppliedAt, Expr::value(now))
                .filter(source_record::Column::RecordKind.eq(key.kind.as_str()))
                .filter(source_record::Column::SourceSystem.eq(key.source.system.as_str()))
                .filter(source_record::Column::SourceId.eq(key.source.id.as_str()))
                .exec(db)
                .await?;
            return Ok(());
        }
        let row = source_record::ActiveModel {
            id: Set(Uuid::now_v7()),
            record_kind: Set(key.kind.clone()),
            source_system: Set(key.source.system.clone()),
            source_id: Set(key.source.id.clone()),
            entity_type: Set(entity_type.to_owned()),
            entity_id: Set(entity_id),
            person_id: Set(person_id),
            content_hash: Set(content_hash.to_owned()),
            run_id: Set(run_id),
            applied_at: Set(now),
        };
        if self.defer {
            let mut state = self.state();
            let index = state.pending.len();
            state.pending.push(row);
            state.pending_index.insert(key.clone(), index);
        } else {
            source_record::Entity::insert(row).exec(db).await?;
        }
        Ok(())
    }

    /// Inserts the rows remembered since the last flush, a few hundred per statement.
    pub(crate) async fn flush<C: ConnectionTrait>(&self, db: &C) -> Result<(), DbErr> {
        let pending = {
            let mut state = self.state();
            state.pending_index.clear();
            std::mem::take(&mut state.pending)
        };
        for chunk in pending.chunks(PRELOAD_CHUNK) {
            source_record::Entity::insert_many(chunk.to_vec())
                .exec(db)
                .await?;
        }
        Ok(())
    }

    /// The familygraph person a source's person id became (via the `person` record key), if
    /// that person record was applied before.
    pub(crate) async fn resolve_person<C: ConnectionTrait>(
        &self,
        db: &C,
        child: &SourceRef,
    ) -> Result<Option<Uuid>, DbErr> {
        Ok(self
            .lookup(db, &person_key(child))
            .await?
            .map(|r| r.entity_id))
    }
}

/// The record key of the `person` record of `child`.
pub(crate) fn person_key(child: &SourceRef) -> RecordKey {
    key("person", child)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use familygraph_adapter_sdk::{PersonName, PersonRecord};

    #[test]
    fn the_same_content_hashes_the_same_and_any_change_differs() {
        let record = PersonRecord {
            source: SourceRef::new("gp", "p-1"),
            names: vec![PersonName {
                name_use: None,
                family: Some("Hashwell".to_owned()),
                given: vec!["Ada".to_owned()],
            }],
            ..Default::default()
        };
        let hash = content_hash(&record);
        assert_eq!(hash.len(), 64);
        assert!(
            hash.bytes()
                .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
        );
        assert_eq!(content_hash(&record.clone()), hash);
        let mut changed = record;
        changed.names[0].given = vec!["Ida".to_owned()];
        assert_ne!(content_hash(&changed), hash);
    }
}
