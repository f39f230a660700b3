//! Identity resolution: linking an incoming person to a familygraph person by NHS number or
//! UPN, otherwise queueing candidate matches for review.
//!
//! - An incoming person whose NHS number (valid, and not marked unverified by its source) or
//!   UPN is already held by exactly one person, with no conflicting identifier, **is** that
//!   person: the record is linked to it.
//! - Otherwise a new person is created. If it shares an identifier with someone but another
//!   identifier conflicts (same NHS number, different UPN), or an existing person has the same
//!   name and date of birth (and postcode, when both are known), the pair goes to the review
//!   queue (`identity_candidate`, `PENDING`) with its evidence. Nothing is merged silently.
//! - A reviewer [`confirm`]s a candidate (the newer person is merged into the existing one and
//!   every moved row is recorded in `person_merge`), [`reject`]s it, or later undoes a merge
//!   ([`undo_merge`]), which puts every moved row back. All three are audited.

use std::collections::BTreeSet;

use chrono::{NaiveDate, Utc};
use familygraph_adapter_sdk::SourceRef;
use familygraph_domain::{IdentifierKind, Principal};
use familygraph_store::audit::{self, AuditAction, AuditContext, AuditedRecord};
use familygraph_store::entity::{
    address, identity_candidate, person, person_disability, person_identifier, person_merge,
    source_record,
};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection,
    DbBackend, DbErr, EntityTrait, QueryFilter, Statement, TransactionTrait,
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{IntakeError, IntakeResult};

/// Candidate status: waiting for review.
pub const PENDING: &str = "PENDING";
/// Candidate status: confirmed, the two persons merged.
pub const CONFIRMED: &str = "CONFIRMED";
/// Candidate status: rejected, they are different people.
pub const REJECTED: &str = "REJECTED";
/// Candidate status: confirmed, then the merge was undone.
pub const UNDONE: &str = "UNDONE";

/// Why two persons may be the same: the fields that matched and those that conflict, by
/// name (`nhsNumber`, `upn`, `caseSystemId`, `givenName`, `familyName`, `dateOfBirth`,
/// `postcode`). Never holds the values themselves.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evidence {
    /// Fields with the same value in both persons.
    pub matched: Vec<String>,
    /// Fields with different values in both persons.
    pub conflicting: Vec<String>,
}

impl Evidence {
    /// The evidence stored in `identity_candidate.evidence` (JSON); empty when unreadable.
    pub fn parse(json: &str) -> Self {
        serde_json::from_str(json).unwrap_or_default()
    }
}

/// A possible match found while applying a record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Candidate {
    /// The existing person.
    pub person_id: Uuid,
    /// 0–100.
    pub score: i32,
    /// Why.
    pub evidence: Evidence,
}

impl Candidate {
    /// An identifier of `kind` the incoming person carries is held by `person_id`.
    pub(crate) fn shared_identifier(person_id: Uuid, kind: IdentifierKind) -> Self {
        Self {
            person_id,
            score: 95,
            evidence: Evidence {
                matched: vec![field_of(kind).to_owned()],
                conflicting: Vec::new(),
            },
        }
    }
}

fn field_of(kind: IdentifierKind) -> &'static str {
    match kind {
        IdentifierKind::NhsNumber => "nhsNumber",
        IdentifierKind::Upn => "upn",
        IdentifierKind::FormerUpn => "formerUpn",
        IdentifierKind::UpnUnknown => "upnUnknown",
        IdentifierKind::CaseSystemId => "caseSystemId",
    }
}

/// What identity resolution knows of an incoming person.
#[derive(Debug, Clone)]
pub(crate) struct Incoming {
    /// Identifiers carried, as stored.
    pub identifiers: Vec<(IdentifierKind, String)>,
    /// Whether the NHS number may link without review (`None`: no NHS number).
    pub nhs_verified: Option<bool>,
    /// Given name.
    pub given_name: Option<String>,
    /// Family name.
    pub family_name: Option<String>,
    /// Full date of birth.
    pub date_of_birth: Option<NaiveDate>,
    /// Current postcode.
    pub postcode: Option<String>,
}

/// The outcome of resolving an incoming person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Resolution {
    /// The incoming person is this existing person.
    Linked(Uuid),
    /// A new person; these candidates go to review.
    New(Vec<Candidate>),
}

/// Linking identifiers: NHS number and UPN.
const LINKING: [IdentifierKind; 2] = [IdentifierKind::NhsNumber, IdentifierKind::Upn];

async fn holder<C: ConnectionTrait>(
    db: &C,
    kind: IdentifierKind,
    value: &str,
) -> Result<Option<Uuid>, DbErr> {
    Ok(person_identifier::Entity::find()
        .filter(person_identifier::Column::Kind.eq(kind.code()))
        .filter(person_identifier::Column::Value.eq(value))
        .one(db)
        .await?
        .map(|row| row.person_id))
}

/// Resolves an incoming person against the persons already known.
pub(crate) async fn resolve<C: ConnectionTrait>(
    db: &C,
    incoming: &Incoming,
) -> Result<Resolution, DbErr> {
    let mut holders: Vec<(IdentifierKind, Uuid)> = Vec::new();
    for (kind, value) in &incoming.identifiers {
        if LINKING.contains(kind)
            && let Some(person_id) = holder(db, *kind, value).await?
        {
            holders.push((*kind, person_id));
        }
    }
    let distinct: BTreeSet<Uuid> = holders.iter().map(|(_, id)| *id).collect();
    if distinct.is_empty() {
        return Ok(Resolution::New(Vec::new()));
    }
    let mut candidates = Vec::new();
    for person_id in &distinct {
        let held = person_identifier::Entity::find()
            .filter(person_identifier::Column::PersonId.eq(*person_id))
            .all(db)
            .await?;
        let mut evidence = Evidence::default();
        for (kind, value) in &incoming.identifiers {
            if !LINKING.contains(kind) && *kind != IdentifierKind::CaseSystemId {
                continue;
            }
            let theirs: Vec<&str> = held
                .iter()
                .filter(|h| h.kind == kind.code())
                .map(|h| h.value.as_str())
                .collect();
            if theirs.contains(&value.as_str()) {
                evidence.matched.push(field_of(*kind).to_owned());
            } else if LINKING.contains(kind) && !theirs.is_empty() {
                evidence.conflicting.push(field_of(*kind).to_owned());
            } else if LINKING.contains(kind) && distinct.len() > 1 {
                // The identifier is held by another of the matched persons.
                evidence.conflicting.push(field_of(*kind).to_owned());
            }
        }
        candidates.push(Candidate {
            person_id: *person_id,
            score: if evidence.conflicting.is_empty() {
                95
            } else {
                60
            },
            evidence,
        });
    }
    let unverified_nhs_only = incoming.nhs_verified == Some(false)
        && holders
            .iter()
            .all(|(kind, _)| *kind == IdentifierKind::NhsNumber);
    if let [only] = candidates.as_slice()
        && only.evidence.conflicting.is_empty()
        && !unverified_nhs_only
    {
        return Ok(Resolution::Linked(only.person_id));
    }
    Ok(Resolution::New(candidates))
}

fn same_name(a: &str, b: &str) -> bool {
    let norm = |s: &str| {
        s.split_whitespace()
            .map(str::to_lowercase)
            .collect::<Vec<_>>()
            .join(" ")
    };
    !a.trim().is_empty() && norm(a) == norm(b)
}

/// Existing persons (other than `exclude`) with the same name and date of birth, and the same
/// postcode when both have one.
pub(crate) async fn similar<C: ConnectionTrait>(
    db: &C,
    incoming: &Incoming,
    exclude: Uuid,
) -> Result<Vec<Candidate>, DbErr> {
    let (Some(dob), Some(given), Some(family)) = (
        incoming.date_of_birth,
        incoming.given_name.as_deref(),
        incoming.family_name.as_deref(),
    ) else {
        return Ok(Vec::new());
    };
    let same_birth = person::Entity::find()
        .filter(person::Column::DateOfBirth.eq(dob))
        .filter(person::Column::Id.ne(exclude))
        .all(db)
        .await?;
    let mut out = Vec::new();
    for other in same_birth {
        if !same_name(&other.family_name, family) || !same_name(&other.given_name, given) {
            continue;
        }
        let mut evidence = Evidence {
            matched: vec![
                "givenName".to_owned(),
                "familyName".to_owned(),
                "dateOfBirth".to_owned(),
            ],
            conflicting: Vec::new(),
        };
        let mut score = 70;
        if let Some(postcode) = &incoming.postcode {
            let theirs = address::Entity::find()
                .filter(address::Column::PersonId.eq(other.id))
                .all(db)
                .await?;
            if !theirs.is_empty() {
                if theirs.iter().any(|a| &a.postcode == postcode) {
                    evidence.matched.push("postcode".to_owned());
                    score = 90;
                } else {
                    continue;
                }
            }
        }
        let held = person_identifier::Entity::find()
            .filter(person_identifier::Column::PersonId.eq(other.id))
            .all(db)
            .await?;
        for (kind, value) in &incoming.identifiers {
            if LINKING.contains(kind)
                && held
                    .iter()
                    .any(|h| h.kind == kind.code() && &h.value != value)
            {
                evidence.conflicting.push(field_of(*kind).to_owned());
                score -= 30;
            }
        }
        out.push(Candidate {
            person_id: other.id,
            score,
            evidence,
        });
    }
    Ok(out)
}

/// Queues `person_id` against each candidate (once per pair, either way round); returns how
/// many were queued.
pub(crate) async fn queue<C: ConnectionTrait>(
    db: &C,
    person_id: Uuid,
    candidates: &[Candidate],
    run_id: Option<Uuid>,
    source: &SourceRef,
) -> Result<u64, DbErr> {
    let mut queued = 0;
    for candidate in candidates {
        if candidate.person_id == person_id {
            continue;
        }
        let known = identity_candidate::Entity::find()
            .filter(
                identity_candidate::Column::PersonId
                    .eq(person_id)
                    .and(identity_candidate::Column::CandidatePersonId.eq(candidate.person_id))
                    .or(identity_candidate::Column::PersonId
                        .eq(candidate.person_id)
                        .and(identity_candidate::Column::CandidatePersonId.eq(person_id))),
            )
            .one(db)
            .await?;
        if known.is_some() {
            continue;
        }
        identity_candidate::ActiveModel {
            id: Set(Uuid::now_v7()),
            person_id: Set(person_id),
            candidate_person_id: Set(candidate.person_id),
            status: Set(PENDING.to_owned()),
            score: Set(candidate.score.clamp(0, 100)),
            evidence: Set(serde_json::to_string(&candidate.evidence).unwrap_or_default()),
            run_id: Set(run_id),
            source_system: Set(Some(source.system.clone())),
            source_id: Set(Some(source.id.clone())),
            created_at: Set(Utc::now()),
            decided_by: Set(None),
            decided_at: Set(None),
            decision_reason: Set(None),
        }
        .insert(db)
        .await?;
        queued += 1;
    }
    Ok(queued)
}

/// A row a merge moved from the merged person to the survivor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct MovedRow {
    table: String,
    column: String,
    id: Uuid,
}

/// A row a merge removed because the survivor already had its equal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "table", rename_all = "snake_case")]
enum RemovedRow {
    PersonDisability {
        id: Uuid,
        code: String,
    },
    PersonIdentifier {
        id: Uuid,
        kind: String,
        value: String,
    },
}

/// Everything a merge changed, as kept in `person_merge.moved`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
struct MergeRecord {
    moved: Vec<MovedRow>,
    removed: Vec<RemovedRow>,
}

/// The merged person's row, as kept in `person_merge.merged_person`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct PersonSnapshot {
    id: Uuid,
    given_name: String,
    family_name: String,
    date_of_birth: Option<NaiveDate>,
    expected_date_of_birth: Option<NaiveDate>,
    sex: String,
    ethnicity: Option<String>,
    send_status: String,
    level_of_need: Option<i32>,
    is_child: bool,
    created_at: chrono::DateTime<Utc>,
    version: i32,
}

impl From<person::Model> for PersonSnapshot {
    fn from(m: person::Model) -> Self {
        Self {
            id: m.id,
            given_name: m.given_name,
            family_name: m.family_name,
            date_of_birth: m.date_of_birth,
            expected_date_of_birth: m.expected_date_of_birth,
            sex: m.sex,
            ethnicity: m.ethnicity,
            send_status: m.send_status,
            level_of_need: m.level_of_need,
            is_child: m.is_child,
            created_at: m.created_at,
            version: m.version,
        }
    }
}

/// Every (table, column) with a foreign key to `person`, read from the database's catalogue
/// so that tables added by later migrations are covered too.
async fn person_references<C: ConnectionTrait>(db: &C) -> Result<Vec<(String, String)>, DbErr> {
    let backend = db.get_database_backend();
    let sql = match backend {
        DbBackend::Sqlite => {
            "SELECT m.name AS tbl, p.\"from\" AS col FROM sqlite_master m \
             JOIN pragma_foreign_key_list(m.name) p \
             WHERE m.type = 'table' AND p.\"table\" = 'person' ORDER BY 1, 2"
        }
        _ => {
            "SELECT cl.relname::text AS tbl, a.attname::text AS col FROM pg_constraint c \
             JOIN pg_class cl ON cl.oid = c.conrelid \
             JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = ANY(c.conkey) \
             WHERE c.contype = 'f' AND c.confrelid = 'person'::regclass ORDER BY 1, 2"
        }
    };
    let rows = db
        .query_all_raw(Statement::from_string(backend, sql))
        .await?;
    let mut out = Vec::new();
    for row in rows {
        out.push((
            row.try_get::<String>("", "tbl")?,
            row.try_get::<String>("", "col")?,
        ));
    }
    Ok(out)
}

async fn ids_where<C: ConnectionTrait>(
    db: &C,
    table: &str,
    column: &str,
    value: Uuid,
) -> Result<Vec<Uuid>, DbErr> {
    let stmt = Query::select()
        .column(Alias::new("id"))
        .from(Alias::new(table))
        .and_where(Expr::col(Alias::new(column)).eq(value))
        .to_owned();
    let rows = db.query_all(&stmt).await?;
    rows.iter()
        .map(|row| row.try_get::<Uuid>("", "id"))
        .collect()
}

async fn set_column<C: ConnectionTrait>(
    db: &C,
    table: &str,
    column: &str,
    id: Uuid,
    value: Uuid,
) -> Result<(), DbErr> {
    let stmt = Query::update()
        .table(Alias::new(table))
        .value(Alias::new(column), value)
        .and_where(Expr::col(Alias::new("id")).eq(id))
        .to_owned();
    db.execute(&stmt).await.map(|_| ())
}

async fn audit_pair<C>(
    db: &C,
    actor: &Principal,
    operation: &str,
    ids: [Uuid; 2],
) -> IntakeResult<()>
where
    C: ConnectionTrait + TransactionTrait,
{
    let records = ids.map(|record_id| AuditedRecord {
        record_type: "Person",
        record_id,
    });
    audit::append_with(
        db,
        actor,
        Some(operation),
        AuditAction::Write,
        &records,
        &AuditContext::with_purpose("identity_resolution", None),
    )
    .await?;
    Ok(())
}

async fn pending(
    txn: &sea_orm::DatabaseTransaction,
    candidate: Uuid,
) -> IntakeResult<identity_candidate::Model> {
    let row = identity_candidate::Entity::find_by_id(candidate)
        .one(txn)
        .await?
        .ok_or(IntakeError::CandidateNotFound(candidate))?;
    if row.status != PENDING {
        return Err(IntakeError::CandidateDecided(candidate));
    }
    Ok(row)
}

/// Confirms a candidate: the two persons are one. The newer (incoming) person is merged into
/// the existing one: every row that referred to it now refers to the survivor, a duplicate
/// identifier or disability is removed, and the merged person's row is removed, all recorded
/// in `person_merge` so that [`undo_merge`] can put them back. Returns the merge's id.
pub async fn confirm(
    db: &DatabaseConnection,
    candidate: Uuid,
    actor: &Principal,
) -> IntakeResult<Uuid> {
    let txn = familygraph_store::db::begin_write(db).await?;
    let row = pending(&txn, candidate).await?;
    let survivor_id = row.candidate_person_id;
    let merged_id = row.person_id;
    let survivor = person::Entity::find_by_id(survivor_id).one(&txn).await?;
    let merged = person::Entity::find_by_id(merged_id).one(&txn).await?;
    let (Some(_), Some(merged)) = (survivor, merged) else {
        return Err(IntakeError::PersonGone(candidate));
    };

    let mut record = MergeRecord::default();
    // Duplicates the survivor already has.
    let survivor_codes: BTreeSet<String> = person_disability::Entity::find()
        .filter(person_disability::Column::PersonId.eq(survivor_id))
        .all(&txn)
        .await?
        .into_iter()
        .map(|d| d.code)
        .collect();
    for d in person_disability::Entity::find()
        .filter(person_disability::Column::PersonId.eq(merged_id))
        .all(&txn)
        .await?
    {
        if survivor_codes.contains(&d.code) {
            person_disability::Entity::delete_by_id(d.id)
                .exec(&txn)
                .await?;
            record.removed.push(RemovedRow::PersonDisability {
                id: d.id,
                code: d.code,
            });
        }
    }
    let survivor_ids: BTreeSet<(String, String)> = person_identifier::Entity::find()
        .filter(person_identifier::Column::PersonId.eq(survivor_id))
        .all(&txn)
        .await?
        .into_iter()
        .map(|i| (i.kind, i.value))
        .collect();
    for i in person_identifier::Entity::find()
        .filter(person_identifier::Column::PersonId.eq(merged_id))
        .all(&txn)
        .await?
    {
        if survivor_ids.contains(&(i.kind.clone(), i.value.clone())) {
            person_identifier::Entity::delete_by_id(i.id)
                .exec(&txn)
                .await?;
            record.removed.push(RemovedRow::PersonIdentifier {
                id: i.id,
                kind: i.kind,
                value: i.value,
            });
        }
    }

    let mut references = person_references(&txn).await?;
    references.push(("source_record".to_owned(), "person_id".to_owned()));
    for (table, column) in &references {
        for id in ids_where(&txn, table, column, merged_id).await? {
            set_column(&txn, table, column, id, survivor_id).await?;
            record.moved.push(MovedRow {
                table: table.clone(),
                column: column.clone(),
                id,
            });
        }
    }
    // The merged person's own source records now name the survivor.
    for sr in source_record::Entity::find()
        .filter(source_record::Column::EntityType.eq("person"))
        .filter(source_record::Column::EntityId.eq(merged_id))
        .all(&txn)
        .await?
    {
        set_column(&txn, "source_record", "entity_id", sr.id, survivor_id).await?;
        record.moved.push(MovedRow {
            table: "source_record".to_owned(),
            column: "entity_id".to_owned(),
            id: sr.id,
        });
    }

    person::Entity::delete_by_id(merged_id).exec(&txn).await?;
    let now = Utc::now();
    let merge_id = Uuid::now_v7();
    person_merge::ActiveModel {
        id: Set(merge_id),
        candidate_id: Set(Some(candidate)),
        survivor_id: Set(survivor_id),
        merged_id: Set(merged_id),
        merged_person: Set(serde_json::to_string(&PersonSnapshot::from(merged))
            .map_err(|e| IntakeError::Corrupt(e.to_string()))?),
        moved: Set(serde_json::to_string(&record)
            .map_err(|e| IntakeError::Corrupt(e.to_string()))?),
        merged_by: Set(actor.subject.clone()),
        merged_at: Set(now),
        undone_by: Set(None),
        undone_at: Set(None),
    }
    .insert(&txn)
    .await?;
    let mut decided: identity_candidate::ActiveModel = row.into();
    decided.status = Set(CONFIRMED.to_owned());
    decided.decided_by = Set(Some(actor.subject.clone()));
    decided.decided_at = Set(Some(now));
    decided.update(&txn).await?;
    audit_pair(
        &txn,
        actor,
        "confirmIdentityCandidate",
        [survivor_id, merged_id],
    )
    .await?;
    txn.commit().await?;
    Ok(merge_id)
}

/// Rejects a candidate: the two persons are different people. Nothing else changes.
pub async fn reject(
    db: &DatabaseConnection,
    candidate: Uuid,
    actor: &Principal,
    reason: &str,
) -> IntakeResult<()> {
    let txn = familygraph_store::db::begin_write(db).await?;
    let row = pending(&txn, candidate).await?;
    let ids = [row.candidate_person_id, row.person_id];
    let mut decided: identity_candidate::ActiveModel = row.into();
    decided.status = Set(REJECTED.to_owned());
    decided.decided_by = Set(Some(actor.subject.clone()));
    decided.decided_at = Set(Some(Utc::now()));
    decided.decision_reason = Set(Some(reason.to_owned()));
    decided.update(&txn).await?;
    audit_pair(&txn, actor, "rejectIdentityCandidate", ids).await?;
    txn.commit().await?;
    Ok(())
}

/// Undoes a merge: the merged person's row comes back and every row the merge moved or
/// removed is put back as it was. Rows added to the survivor after the merge stay with it.
/// The candidate becomes `UNDONE`.
pub async fn undo_merge(
    db: &DatabaseConnection,
    merge: Uuid,
    actor: &Principal,
) -> IntakeResult<()> {
    let txn = familygraph_store::db::begin_write(db).await?;
    let row = person_merge::Entity::find_by_id(merge)
        .one(&txn)
        .await?
        .ok_or(IntakeError::MergeNotFound(merge))?;
    if row.undone_at.is_some() {
        return Err(IntakeError::MergeUndone(merge));
    }
    let snapshot: PersonSnapshot = serde_json::from_str(&row.merged_person)
        .map_err(|e| IntakeError::Corrupt(e.to_string()))?;
    let record: MergeRecord =
        serde_json::from_str(&row.moved).map_err(|e| IntakeError::Corrupt(e.to_string()))?;
    person::ActiveModel {
        id: Set(snapshot.id),
        given_name: Set(snapshot.given_name),
        family_name: Set(snapshot.family_name),
        date_of_birth: Set(snapshot.date_of_birth),
        expected_date_of_birth: Set(snapshot.expected_date_of_birth),
        sex: Set(snapshot.sex),
        ethnicity: Set(snapshot.ethnicity),
        send_status: Set(snapshot.send_status),
        level_of_need: Set(snapshot.level_of_need),
        is_child: Set(snapshot.is_child),
        created_at: Set(snapshot.created_at),
        version: Set(snapshot.version),
    }
    .insert(&txn)
    .await?;
    for moved in &record.moved {
        set_column(&txn, &moved.table, &moved.column, moved.id, row.merged_id).await?;
    }
    for removed in &record.removed {
        match removed {
            RemovedRow::PersonDisability { id, code } => {
                person_disability::ActiveModel {
                    id: Set(*id),
                    person_id: Set(row.merged_id),
                    code: Set(code.clone()),
                }
                .insert(&txn)
                .await?;
            }
            RemovedRow::PersonIdentifier { id, kind, value } => {
                person_identifier::ActiveModel {
                    id: Set(*id),
                    person_id: Set(row.merged_id),
                    kind: Set(kind.clone()),
                    value: Set(value.clone()),
                }
                .insert(&txn)
                .await?;
            }
        }
    }
    let now = Utc::now();
    let ids = [row.survivor_id, row.merged_id];
    let candidate = row.candidate_id;
    let mut undone: person_merge::ActiveModel = row.into();
    undone.undone_by = Set(Some(actor.subject.clone()));
    undone.undone_at = Set(Some(now));
    undone.update(&txn).await?;
    if let Some(candidate) = candidate
        && let Some(c) = identity_candidate::Entity::find_by_id(candidate)
            .one(&txn)
            .await?
    {
        let mut c: identity_candidate::ActiveModel = c.into();
        c.status = Set(UNDONE.to_owned());
        c.decided_by = Set(Some(actor.subject.clone()));
        c.decided_at = Set(Some(now));
        c.update(&txn).await?;
    }
    audit_pair(&txn, actor, "undoPersonMerge", ids).await?;
    txn.commit().await?;
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn names_match_ignoring_case_and_spacing_but_never_when_empty() {
        assert!(same_name("Ada  Mae", "ada mae"));
        assert!(!same_name("Ada", "Ida"));
        assert!(!same_name("", ""));
    }

    #[test]
    fn evidence_round_trips_and_unreadable_evidence_is_empty() {
        let evidence = Evidence {
            matched: vec!["nhsNumber".to_owned()],
            conflicting: vec!["upn".to_owned()],
        };
        let json = serde_json::to_string(&evidence).unwrap();
        assert_eq!(Evidence::parse(&json), evidence);
        assert_eq!(Evidence::parse("not json"), Evidence::default());
    }
}
