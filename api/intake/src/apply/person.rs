//! `PersonRecord` → `person`, `person_identifier` (NHS number, UPN, UPN-unknown reason, the
//! case system's id), `address` and `person_disability`, through identity resolution.

use chrono::{Datelike, NaiveDate, Utc};
use familygraph_adapter_sdk::{Located, PersonRecord};
use familygraph_domain::IdentifierKind;
use familygraph_domain::calendar::uk_today;
use familygraph_store::entity::{address, person, person_disability, person_identifier};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, DatabaseTransaction, DbErr,
    EntityTrait, QueryFilter, QueryOrder,
};
use uuid::Uuid;

use super::source_record::{Ledger, content_hash};
use super::{Applied, RecordRejected};
use crate::identity::{self, Incoming, Resolution};

/// What applying a person record did.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PersonApplied {
    /// The person row.
    pub applied: Applied,
    /// Candidates sent to the review queue.
    pub queued: u64,
}

/// The identifiers a record carries, as stored (`kind`, canonical value).
pub(crate) fn identifiers(record: &PersonRecord) -> Vec<(IdentifierKind, String)> {
    let mut out = Vec::new();
    if let Some(nhs) = &record.nhs_number {
        out.push((IdentifierKind::NhsNumber, nhs.number.as_str().to_owned()));
    }
    if let Some(upn) = &record.upn {
        out.push((IdentifierKind::Upn, upn.as_str().to_owned()));
    }
    if let Some(reason) = &record.upn_unknown {
        out.push((IdentifierKind::UpnUnknown, reason.code().to_owned()));
    }
    if let Some(id) = &record.case_system_id {
        out.push((IdentifierKind::CaseSystemId, id.as_str().to_owned()));
    }
    out
}

/// Given and family name of the record's official (or first) name.
pub(crate) fn names(record: &PersonRecord) -> (Option<String>, Option<String>) {
    match record.official_name() {
        Some(name) => {
            let given = name.given.join(" ");
            let given = (!given.trim().is_empty()).then(|| given.trim().to_owned());
            let family = name
                .family
                .as_ref()
                .map(|f| f.trim().to_owned())
                .filter(|f| !f.is_empty());
            (given, family)
        }
        None => (None, None),
    }
}

/// The current postcode the record gives: its `postcode`, else its first current address's.
pub(crate) fn postcode(record: &PersonRecord) -> Option<String> {
    record
        .postcode
        .as_ref()
        .map(|p| p.as_str().to_owned())
        .or_else(|| {
            record
                .addresses
                .iter()
                .filter(|a| !a.ended)
                .find_map(|a| a.postcode.as_ref().map(|p| p.as_str().to_owned()))
        })
}

fn db(err: DbErr) -> RecordRejected {
    RecordRejected::database(&err)
}

/// Applies a person record: unchanged, updated (same source, new content), linked to an
/// existing person by NHS number or UPN, or created (and possibly queued for review).
pub(crate) async fn apply_person(
    txn: &DatabaseTransaction,
    ledger: &Ledger,
    run_id: Uuid,
    located: &Located<PersonRecord>,
) -> Result<PersonApplied, RecordRejected> {
    let record = &located.record;
    if record.source.id.trim().is_empty() {
        return Err(RecordRejected("person: empty source id".to_owned()));
    }
    let key = familygraph_adapter_sdk::RecordKey {
        kind: "person".to_owned(),
        source: record.source.clone(),
    };
    let hash = content_hash(record);
    if let Some(known) = ledger.lookup(txn, &key).await.map_err(db)? {
        let exists = person::Entity::find_by_id(known.entity_id)
            .one(txn)
            .await
            .map_err(db)?;
        if let Some(row) = exists {
            if known.content_hash == hash {
                return Ok(PersonApplied {
                    applied: Applied::Unchanged(row.id),
                    queued: 0,
                });
            }
            let id = row.id;
            write_person(txn, row, record, true).await.map_err(db)?;
            let queued = write_details(txn, id, record, run_id).await?;
            ledger
                .remember(txn, &key, "person", id, Some(id), &hash, run_id)
                .await
                .map_err(db)?;
            return Ok(PersonApplied {
                applied: Applied::Updated(id),
                queued,
            });
        }
    }

    let (given, family) = names(record);
    let incoming = Incoming {
        identifiers: identifiers(record),
        nhs_verified: record
            .nhs_number
            .as_ref()
            .map(|n| n.verification.is_none() || n.is_verified()),
        given_name: given.clone(),
        family_name: family.clone(),
        date_of_birth: record.birth_date.and_then(|d| d.full()),
        postcode: postcode(record),
    };
    let resolution = identity::resolve(txn, &incoming).await.map_err(db)?;
    match resolution {
        Resolution::Linked(id) => {
            let row = person::Entity::find_by_id(id)
                .one(txn)
                .await
                .map_err(db)?
                .ok_or_else(|| RecordRejected("linked person vanished".to_owned()))?;
            let changed = write_person(txn, row, record, false).await.map_err(db)?;
            let queued = write_details(txn, id, record, run_id).await?;
            ledger
                .remember(txn, &key, "person", id, Some(id), &hash, run_id)
                .await
                .map_err(db)?;
            Ok(PersonApplied {
                applied: if changed {
                    Applied::Updated(id)
                } else {
                    Applied::Unchanged(id)
                },
                queued,
            })
        }
        Resolution::New(candidates) => {
            let id = Uuid::now_v7();
            person::ActiveModel {
                id: Set(id),
                given_name: Set(given.unwrap_or_default()),
                family_name: Set(family.unwrap_or_default()),
                date_of_birth: Set(record.birth_date.and_then(|d| d.full())),
                expected_date_of_birth: Set(record.expected_birth_date),
                sex: Set(record.sex.map_or("U", |s| s.code()).to_owned()),
                ethnicity: Set(record.ethnicity.map(|e| e.code().to_owned())),
                send_status: Set("NONE".to_owned()),
                level_of_need: Set(None),
                is_child: Set(is_child(record)),
                created_at: Set(Utc::now()),
                version: Set(1),
            }
            .insert(txn)
            .await
            .map_err(db)?;
            // The resolver's evidence first: `write_details` queues an identifier held by
            // someone else only when the pair is not queued already.
            let mut candidates = candidates;
            for similar in identity::similar(txn, &incoming, id).await.map_err(db)? {
                if !candidates.iter().any(|c| c.person_id == similar.person_id) {
                    candidates.push(similar);
                }
            }
            let mut queued = identity::queue(txn, id, &candidates, Some(run_id), &record.source)
                .await
                .map_err(db)?;
            queued += write_details(txn, id, record, run_id).await?;
            ledger
                .remember(txn, &key, "person", id, Some(id), &hash, run_id)
                .await
                .map_err(db)?;
            Ok(PersonApplied {
                applied: Applied::Created(id),
                queued,
            })
        }
    }
}

/// Whether the person is a child: under 18 today, unborn, or of unknown age (records reach
/// familygraph because a child is involved).
fn is_child(record: &PersonRecord) -> bool {
    match record.birth_date {
        Some(born) => {
            let today = uk_today();
            let age = today.year() - born.year();
            age < 18 || (age == 18 && born.full().is_some_and(|d| birthday_ahead(d, today)))
        }
        None => true,
    }
}

fn birthday_ahead(born: NaiveDate, today: NaiveDate) -> bool {
    (today.month(), today.day()) < (born.month(), born.day())
}

/// Writes the record's own fields to the person: every field the record gives when
/// `overwrite` (the same source sent new content), else only fields still unknown (a record
/// from another source linked by identifier). Returns whether anything changed.
async fn write_person(
    txn: &DatabaseTransaction,
    row: person::Model,
    record: &PersonRecord,
    overwrite: bool,
) -> Result<bool, DbErr> {
    let (given, family) = names(record);
    let mut next = row.clone();
    if let Some(given) = given
        && (overwrite || next.given_name.is_empty())
    {
        next.given_name = given;
    }
    if let Some(family) = family
        && (overwrite || next.family_name.is_empty())
    {
        next.family_name = family;
    }
    if let Some(date) = record.birth_date.and_then(|d| d.full())
        && (overwrite || next.date_of_birth.is_none())
    {
        next.date_of_birth = Some(date);
    }
    if let Some(date) = record.expected_birth_date
        && (overwrite || next.expected_date_of_birth.is_none())
    {
        next.expected_date_of_birth = Some(date);
    }
    if let Some(sex) = record.sex
        && (overwrite || next.sex == "U")
    {
        next.sex = sex.code().to_owned();
    }
    if let Some(ethnicity) = record.ethnicity
        && (overwrite || next.ethnicity.is_none())
    {
        next.ethnicity = Some(ethnicity.code().to_owned());
    }
    if next == row {
        return Ok(false);
    }
    let version = row.version;
    let mut active: person::ActiveModel = row.into();
    active.given_name = Set(next.given_name);
    active.family_name = Set(next.family_name);
    active.date_of_birth = Set(next.date_of_birth);
    active.expected_date_of_birth = Set(next.expected_date_of_birth);
    active.sex = Set(next.sex);
    active.ethnicity = Set(next.ethnicity);
    active.version = Set(version + 1);
    active.update(txn).await?;
    Ok(true)
}

/// Adds the record's identifiers, disabilities and addresses the person lacks. An identifier
/// that already belongs to another person is not moved: the pair goes to the review queue
/// (returns how many candidates were queued).
async fn write_details(
    txn: &DatabaseTransaction,
    person_id: Uuid,
    record: &PersonRecord,
    run_id: Uuid,
) -> Result<u64, RecordRejected> {
    let mut conflicts = Vec::new();
    let wanted = identifiers(record);
    // Who holds each identifier already, in one statement (an unknown-UPN reason is only ever
    // compared with the person's own).
    let mut any = Condition::any();
    for (kind, value) in &wanted {
        let mut one = Condition::all()
            .add(person_identifier::Column::Kind.eq(kind.code()))
            .add(person_identifier::Column::Value.eq(value.as_str()));
        if *kind == IdentifierKind::UpnUnknown {
            one = one.add(person_identifier::Column::PersonId.eq(person_id));
        }
        any = any.add(one);
    }
    let held = if wanted.is_empty() {
        Vec::new()
    } else {
        person_identifier::Entity::find()
            .filter(any)
            .order_by_asc(person_identifier::Column::Id)
            .all(txn)
            .await
            .map_err(db)?
    };
    let mut new_identifiers = Vec::new();
    for (kind, value) in wanted {
        let holders: Vec<&person_identifier::Model> = held
            .iter()
            .filter(|h| h.kind == kind.code() && h.value == value)
            .collect();
        if holders.iter().any(|h| h.person_id == person_id) {
            continue;
        }
        if let Some(other) = holders.first() {
            conflicts.push(identity::Candidate::shared_identifier(
                other.person_id,
                kind,
            ));
            continue;
        }
        new_identifiers.push(person_identifier::ActiveModel {
            id: Set(Uuid::now_v7()),
            person_id: Set(person_id),
            kind: Set(kind.code().to_owned()),
            value: Set(value),
        });
    }
    if !new_identifiers.is_empty() {
        person_identifier::Entity::insert_many(new_identifiers)
            .exec(txn)
            .await
            .map_err(db)?;
    }

    for disability in &record.disabilities {
        let code = disability.code();
        let known = person_disability::Entity::find()
            .filter(person_disability::Column::PersonId.eq(person_id))
            .filter(person_disability::Column::Code.eq(code))
            .one(txn)
            .await
            .map_err(db)?;
        if known.is_none() {
            person_disability::ActiveModel {
                id: Set(Uuid::now_v7()),
                person_id: Set(person_id),
                code: Set(code.to_owned()),
            }
            .insert(txn)
            .await
            .map_err(db)?;
        }
    }

    let today = uk_today();
    let mut addresses: Vec<(String, String, String, bool)> = record
        .addresses
        .iter()
        .filter_map(|a| {
            a.postcode.as_ref().map(|p| {
                (
                    a.lines.first().cloned().unwrap_or_default(),
                    a.city.clone().unwrap_or_default(),
                    p.as_str().to_owned(),
                    a.ended,
                )
            })
        })
        .collect();
    if let Some(postcode) = &record.postcode
        && !addresses.iter().any(|a| a.2 == postcode.as_str())
    {
        addresses.push((
            String::new(),
            String::new(),
            postcode.as_str().to_owned(),
            false,
        ));
    }
    for (line1, town, postcode, ended) in addresses {
        let known = address::Entity::find()
            .filter(address::Column::PersonId.eq(person_id))
            .filter(address::Column::Postcode.eq(postcode.as_str()))
            .filter(address::Column::Line1.eq(line1.as_str()))
            .one(txn)
            .await
            .map_err(db)?;
        match known {
            Some(row) => {
                if ended && row.ended_on.is_none() {
                    let mut active: address::ActiveModel = row.into();
                    active.ended_on = Set(Some(today));
                    active.update(txn).await.map_err(db)?;
                }
            }
            None => {
                address::ActiveModel {
                    id: Set(Uuid::now_v7()),
                    person_id: Set(person_id),
                    line1: Set(line1),
                    town: Set(town),
                    postcode: Set(postcode),
                    lsoa_code: Set(None),
                    started_on: Set(today),
                    ended_on: Set(ended.then_some(today)),
                }
                .insert(txn)
                .await
                .map_err(db)?;
            }
        }
    }

    if conflicts.is_empty() {
        return Ok(0);
    }
    identity::queue(txn, person_id, &conflicts, Some(run_id), &record.source)
        .await
        .map_err(db)
}
