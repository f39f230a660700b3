//! A child's membership of a family grouping in the source system → `family` and
//! `family_member`.
//!
//! The family itself is keyed by (`family`, source system, the source's family id) in
//! `source_record`, so every child naming the same family joins the same `family` row.

use chrono::Utc;
use familygraph_adapter_sdk::{FamilyMembershipRecord, Located, RecordKey, SourceRef};
use familygraph_domain::calendar::uk_today;
use familygraph_store::entity::{family, family_member};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, EntityTrait};
use uuid::Uuid;

use super::source_record::content_hash;
use super::{Applied, ChildContext, RecordRejected};

/// Applies a family membership: finds or creates the family, then the child's membership.
pub(crate) async fn apply_family_membership(
    cx: &ChildContext<'_>,
    located: &Located<FamilyMembershipRecord>,
) -> Result<Applied, RecordRejected> {
    let record = &located.record;
    if record.family_id.trim().is_empty() {
        return Err(RecordRejected("family_id: empty family id".to_owned()));
    }
    let db = |e: sea_orm::DbErr| RecordRejected::database(&e);
    let key = RecordKey {
        kind: "family_membership".to_owned(),
        source: record.source.clone(),
    };
    let hash = content_hash(record);
    let remembered = cx.ledger.lookup(cx.txn, &key).await.map_err(db)?;
    if let Some(r) = &remembered
        && r.content_hash == hash
        && r.person_id == Some(cx.person_id)
        && family_member::Entity::find_by_id(r.entity_id)
            .one(cx.txn)
            .await
            .map_err(db)?
            .is_some()
    {
        return Ok(Applied::Unchanged(r.entity_id));
    }

    let family_key = RecordKey {
        kind: "family".to_owned(),
        source: SourceRef::new(record.source.system.clone(), record.family_id.clone()),
    };
    let family_id = match cx.ledger.lookup(cx.txn, &family_key).await.map_err(db)? {
        Some(f)
            if family::Entity::find_by_id(f.entity_id)
                .one(cx.txn)
                .await
                .map_err(db)?
                .is_some() =>
        {
            f.entity_id
        }
        _ => {
            let id = Uuid::now_v7();
            family::ActiveModel {
                id: Set(id),
                name: Set(format!(
                    "Family {} ({})",
                    record.family_id, record.source.system
                )),
                created_at: Set(Utc::now()),
                version: Set(1),
            }
            .insert(cx.txn)
            .await
            .map_err(db)?;
            let family_hash = content_hash(&family_key);
            cx.ledger
                .remember(
                    cx.txn,
                    &family_key,
                    "family",
                    id,
                    None,
                    &family_hash,
                    cx.run_id,
                )
                .await
                .map_err(db)?;
            id
        }
    };

    let existing = match &remembered {
        Some(r) => family_member::Entity::find_by_id(r.entity_id)
            .one(cx.txn)
            .await
            .map_err(db)?,
        None => None,
    };
    let applied = match existing {
        Some(row) => {
            let id = row.id;
            let mut active: family_member::ActiveModel = row.into();
            active.family_id = Set(family_id);
            active.person_id = Set(cx.person_id);
            active.update(cx.txn).await.map_err(db)?;
            Applied::Updated(id)
        }
        None => {
            let id = Uuid::now_v7();
            family_member::ActiveModel {
                id: Set(id),
                family_id: Set(family_id),
                person_id: Set(cx.person_id),
                role: Set("CHILD".to_owned()),
                household: Set(String::new()),
                started_on: Set(uk_today()),
                ended_on: Set(None),
            }
            .insert(cx.txn)
            .await
            .map_err(db)?;
            Applied::Created(id)
        }
    };
    cx.ledger
        .remember(
            cx.txn,
            &key,
            "family_member",
            applied.id(),
            Some(cx.person_id),
            &hash,
            cx.run_id,
        )
        .await
        .map_err(db)?;
    Ok(applied)
}
