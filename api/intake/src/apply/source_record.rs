//! Idempotency by record key and content hash: `source_record` maps each
//! [`RecordKey`] to the familygraph row it became and the hash of what was applied.

use chrono::Utc;
use familygraph_adapter_sdk::{RecordKey, SourceRef};
use familygraph_store::entity::source_record;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait,
    QueryFilter,
};
use sha2::{Digest, Sha256};
use uuid::Uuid;

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
    Ok(find(db, key).await?.map(|row| Remembered {
        entity_type: row.entity_type,
        entity_id: row.entity_id,
        content_hash: row.content_hash,
        person_id: row.person_id,
    }))
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

/// Records (insert or update) that `key` became `entity_type`/`entity_id` with this content.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn remember<C: ConnectionTrait>(
    db: &C,
    key: &RecordKey,
    entity_type: &str,
    entity_id: Uuid,
    person_id: Option<Uuid>,
    content_hash: &str,
    run_id: Uuid,
) -> Result<(), DbErr> {
    let now = Utc::now();
    match find(db, key).await? {
        Some(row) => {
            let mut active: source_record::ActiveModel = row.into();
            active.entity_type = Set(entity_type.to_owned());
            active.entity_id = Set(entity_id);
            active.person_id = Set(person_id);
            active.content_hash = Set(content_hash.to_owned());
            active.run_id = Set(run_id);
            active.applied_at = Set(now);
            active.update(db).await?;
        }
        None => {
            source_record::ActiveModel {
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
            }
            .insert(db)
            .await?;
        }
    }
    Ok(())
}

/// The familygraph person a source's person id became (via the `person` record key), if that
/// person record was applied before.
pub(crate) async fn resolve_person<C: ConnectionTrait>(
    db: &C,
    child: &SourceRef,
) -> Result<Option<Uuid>, DbErr> {
    let key = RecordKey {
        kind: "person".to_owned(),
        source: child.clone(),
    };
    Ok(lookup(db, &key).await?.map(|r| r.entity_id))
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
