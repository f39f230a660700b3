//! Applying canonical records, one child per transaction.
//!
//! Each record kind has its own module with one function of this shape:
//!
//! ```text
//! pub(crate) async fn apply_contact(cx: &ChildContext<'_>, located: &Located<ContactRecord>)
//!     -> Result<Applied, RecordRejected>
//! ```
//!
//! `cx.txn` is the child's transaction; [`ChildContext::person_id`] the child's familygraph id
//! (already resolved by [`crate::identity`]). Bookkeeping of `source_record` (idempotency by
//! record key and content hash) is shared: see `source_record`.
//!
//! [`apply_records`] groups a batch's records by the child they are about (a `Person` record
//! by its own source, every other child record by the `SourceRef` of the child it names),
//! applies the records that are about no child (professionals, services, taxonomy terms) first,
//! each in its own transaction, then each child's records in one transaction: the person
//! first, then the rest in source order. A [`RecordRejected`] from any of them rolls the whole
//! child back and reports every record of that child rejected.
//!
//! Notes: a record an adapter translated may carry [`FieldNote`]s (values it left out of an
//! otherwise good record, and why); the intake may leave a value out too (a service
//! location's impossible coordinates, see `services`). Every note of a record that was applied
//! (created, updated or unchanged) is passed on in [`Outcome::notes`], the adapter's first and
//! then the intake's, record by record in source order, for the run to keep. A rejected record's
//! notes are not kept: nothing of it was applied, and its rejection says where to look.

pub(crate) mod casework;
pub(crate) mod family_membership;
pub(crate) mod person;
pub(crate) mod school;
pub(crate) mod services;
pub(crate) mod source_record;

use std::collections::BTreeMap;
use std::sync::Mutex;

use familygraph_adapter_sdk::{
    CanonicalRecord, FieldNote, Located, Location, RecordKey, SourceRef,
};
use familygraph_domain::Principal;
use familygraph_store::audit::{self, AuditAction, AuditContext, AuditedRecord};
use familygraph_store::entity::person as person_row;
use sea_orm::{ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbErr};
use uuid::Uuid;

use self::source_record::{Ledger, key, person_key};
use crate::run::{ApplyCounts, RecordedNote, RecordedRejection};
use crate::{IntakeError, IntakeResult};

/// What applying one record did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Applied {
    /// A new row.
    Created(Uuid),
    /// An existing row changed.
    Updated(Uuid),
    /// Already applied with the same content.
    Unchanged(Uuid),
}

impl Applied {
    /// The row the record became.
    pub fn id(self) -> Uuid {
        match self {
            Self::Created(id) | Self::Updated(id) | Self::Unchanged(id) => id,
        }
    }

    fn count(self, counts: &mut ApplyCounts) {
        match self {
            Self::Created(_) => counts.created += 1,
            Self::Updated(_) => counts.updated += 1,
            Self::Unchanged(_) => counts.unchanged += 1,
        }
    }
}

/// A record the data cannot take (an unknown code, a reference to nothing): the child's
/// transaction is rolled back and every record of that child is reported rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct RecordRejected(pub String);

impl RecordRejected {
    /// A rejection because the database refused the record (a constraint the data breaks).
    /// If the database itself is failing, the run stops instead: see [`apply_records`].
    pub fn database(err: &DbErr) -> Self {
        Self(format!("the database refused the record: {err}"))
    }
}

/// What a record-applying function gets: the child's transaction and who the child is.
pub struct ChildContext<'a> {
    /// The child's transaction.
    pub txn: &'a DatabaseTransaction,
    /// The child's familygraph person id.
    pub person_id: Uuid,
    /// The run applying the records.
    pub run_id: Uuid,
    /// What the child's transaction knows of `source_record` (every read and write of it goes
    /// through here).
    pub(crate) ledger: &'a Ledger,
    /// The child's `person` row once read (no record but the person record changes it).
    pub(crate) child_row: &'a Mutex<Option<person_row::Model>>,
}

/// Who a record is about.
enum Subject {
    /// A child (or adult) by the source's person reference.
    Child(SourceRef),
    /// Nobody in particular: applied on its own.
    Standalone,
}

/// The person a record names, if it is a person's record.
fn subject(record: &CanonicalRecord) -> Subject {
    match record {
        CanonicalRecord::Person(r) => Subject::Child(r.source.clone()),
        CanonicalRecord::Contact(r) => Subject::Child(r.person.clone()),
        CanonicalRecord::Episode(r) => Subject::Child(r.person.clone()),
        CanonicalRecord::Assessment(r) => Subject::Child(r.person.clone()),
        CanonicalRecord::CasePlan(r) => Subject::Child(r.person.clone()),
        CanonicalRecord::Involvement(r) => Subject::Child(r.person.clone()),
        CanonicalRecord::FamilyMembership(r) => Subject::Child(r.person.clone()),
        CanonicalRecord::Enrolment(r) => Subject::Child(SourceRef::new(
            r.source.system.clone(),
            r.person_source_id.clone(),
        )),
        CanonicalRecord::Attendance(r) => Subject::Child(SourceRef::new(
            r.source.system.clone(),
            r.person_source_id.clone(),
        )),
        CanonicalRecord::Suspension(r) => Subject::Child(SourceRef::new(
            r.source.system.clone(),
            r.person_source_id.clone(),
        )),
        _ => Subject::Standalone,
    }
}

/// `located` with its record narrowed to one kind.
fn narrow<T: Clone>(located: &Located<CanonicalRecord>, record: &T) -> Located<T> {
    Located {
        location: located.location.clone(),
        record: record.clone(),
        notes: located.notes.clone(),
    }
}

/// The reason given for a record kind this server cannot apply yet.
fn unsupported(record: &CanonicalRecord) -> RecordRejected {
    RecordRejected(format!(
        "{} records are not supported yet by this server",
        record.kind()
    ))
}

/// A record applied, with every value left out of it: the adapter's notes, then the intake's.
struct Kept {
    /// What applying it did.
    applied: Applied,
    /// The values left out of it, and why.
    notes: Vec<FieldNote>,
}

impl Kept {
    /// `applied`, with the record's own notes (the adapter's) and `intake_notes` after them.
    fn with_notes<T>(applied: Applied, located: &Located<T>, intake_notes: Vec<FieldNote>) -> Self {
        let mut notes = located.notes.clone();
        notes.extend(intake_notes);
        Self { applied, notes }
    }
}

/// Applies a record that is about no child, in its own transaction.
async fn dispatch_standalone(
    txn: &DatabaseTransaction,
    run_id: Uuid,
    located: &Located<CanonicalRecord>,
) -> Result<Kept, RecordRejected> {
    let (applied, intake_notes) = match &located.record {
        CanonicalRecord::Professional(r) => (
            casework::apply_professional(txn, run_id, &narrow(located, r)).await?,
            Vec::new(),
        ),
        CanonicalRecord::Service(r) => {
            services::apply_service(txn, run_id, &narrow(located, r)).await?
        }
        CanonicalRecord::TaxonomyTerm(r) => (
            services::apply_taxonomy_term(txn, run_id, &narrow(located, r)).await?,
            Vec::new(),
        ),
        // A record kind added to the SDK after this server was built.
        other => return Err(unsupported(other)),
    };
    Ok(Kept::with_notes(applied, located, intake_notes))
}

/// Applies one record of a child (not the child's person record) in the child's transaction.
async fn dispatch_child(
    cx: &ChildContext<'_>,
    located: &Located<CanonicalRecord>,
) -> Result<Kept, RecordRejected> {
    let applied = dispatch_child_record(cx, located).await?;
    Ok(Kept::with_notes(applied, located, Vec::new()))
}

/// The record-applying function of a child's record, by kind.
async fn dispatch_child_record(
    cx: &ChildContext<'_>,
    located: &Located<CanonicalRecord>,
) -> Result<Applied, RecordRejected> {
    match &located.record {
        CanonicalRecord::FamilyMembership(r) => {
            family_membership::apply_family_membership(cx, &narrow(located, r)).await
        }
        CanonicalRecord::Contact(r) => casework::apply_contact(cx, &narrow(located, r)).await,
        CanonicalRecord::Episode(r) => casework::apply_episode(cx, &narrow(located, r)).await,
        CanonicalRecord::Assessment(r) => casework::apply_assessment(cx, &narrow(located, r)).await,
        CanonicalRecord::CasePlan(r) => casework::apply_case_plan(cx, &narrow(located, r)).await,
        CanonicalRecord::Involvement(r) => {
            casework::apply_involvement(cx, &narrow(located, r)).await
        }
        CanonicalRecord::Enrolment(r) => school::apply_enrolment(cx, &narrow(located, r)).await,
        CanonicalRecord::Attendance(r) => school::apply_attendance(cx, &narrow(located, r)).await,
        CanonicalRecord::Suspension(r) => school::apply_suspension(cx, &narrow(located, r)).await,
        // A child record kind added to the SDK after this server was built (the person
        // record itself is applied before dispatch).
        other => Err(unsupported(other)),
    }
}

/// The `source_record` keys a child's record is (its own) or names (the episode, worker,
/// professional or family it refers to), for [`Ledger::preload`].
fn keys_of(record: &CanonicalRecord) -> Vec<RecordKey> {
    let mut keys = Vec::new();
    match record {
        CanonicalRecord::Person(r) => keys.push(key("person", &r.source)),
        CanonicalRecord::FamilyMembership(r) => {
            keys.push(key("family_membership", &r.source));
            keys.push(key(
                "family",
                &SourceRef::new(r.source.system.clone(), r.family_id.clone()),
            ));
        }
        CanonicalRecord::Contact(r) => keys.push(key("contact", &r.source)),
        CanonicalRecord::Episode(r) => {
            keys.push(key("episode", &r.source));
            keys.extend(r.worker.iter().map(|w| key("professional", w)));
        }
        CanonicalRecord::Assessment(r) => {
            keys.push(key("assessment", &r.source));
            keys.extend(r.episode.iter().map(|e| key("episode", e)));
            keys.extend(r.worker.iter().map(|w| key("professional", w)));
        }
        CanonicalRecord::CasePlan(r) => {
            keys.push(key("case_plan", &r.source));
            keys.extend(r.episode.iter().map(|e| key("episode", e)));
            keys.extend(r.worker.iter().map(|w| key("professional", w)));
        }
        CanonicalRecord::Involvement(r) => {
            keys.push(key("involvement", &r.source));
            keys.push(key("professional", &r.professional));
            keys.extend(r.episode.iter().map(|e| key("episode", e)));
        }
        CanonicalRecord::Enrolment(r) => keys.push(key("enrolment", &r.source)),
        CanonicalRecord::Attendance(r) => keys.push(key("attendance", &r.source)),
        CanonicalRecord::Suspension(r) => keys.push(key("suspension", &r.source)),
        _ => {}
    }
    keys
}

/// The outcome of applying some records.
#[derive(Debug, Default)]
pub(crate) struct Outcome {
    /// What was done.
    pub counts: ApplyCounts,
    /// Records rejected while applying, in the order found.
    pub rejections: Vec<RecordedRejection>,
    /// Values left out of the records applied (the adapters' notes and the intake's own), in
    /// the order found.
    pub notes: Vec<RecordedNote>,
}

impl Outcome {
    fn reject(&mut self, location: &Location, reason: String) {
        self.counts.rejected += 1;
        self.rejections.push(RecordedRejection {
            location: location.clone(),
            reason,
        });
    }

    fn note(&mut self, notes: Vec<FieldNote>) {
        self.notes.extend(notes.into_iter().map(RecordedNote::from));
    }
}

/// Whether the database answers: a rejection caused by a failing database must stop the run
/// (resumable from its cursor) rather than be counted against the data.
async fn database_answers(db: &DatabaseConnection) -> Result<(), DbErr> {
    db.execute_unprepared("SELECT 1").await.map(|_| ())
}

/// Applies records: standalone ones first, each in its own transaction; then each child's in
/// one transaction. `read` is not counted here (the caller counts what the source gave).
pub(crate) async fn apply_records(
    db: &DatabaseConnection,
    run_id: Uuid,
    actor: &Principal,
    operation: &str,
    records: &[Located<CanonicalRecord>],
) -> IntakeResult<Outcome> {
    let mut outcome = Outcome::default();
    let mut children: BTreeMap<SourceRef, Vec<&Located<CanonicalRecord>>> = BTreeMap::new();
    let mut order: Vec<SourceRef> = Vec::new();
    let mut standalone = Vec::new();
    for located in records {
        match subject(&located.record) {
            Subject::Child(child) => {
                let group = children.entry(child.clone()).or_default();
                if group.is_empty() {
                    order.push(child);
                }
                group.push(located);
            }
            Subject::Standalone => standalone.push(located),
        }
    }

    for located in standalone {
        let txn = begin_record_transaction(db).await?;
        match dispatch_standalone(&txn, run_id, located).await {
            Ok(kept) => {
                txn.commit().await?;
                kept.applied.count(&mut outcome.counts);
                outcome.note(kept.notes);
            }
            Err(rejected) => {
                txn.rollback().await?;
                database_answers(db).await?;
                outcome.reject(&located.location, rejected.0);
            }
        }
    }

    for child in order {
        let Some(group) = children.get(&child) else {
            continue;
        };
        apply_child(db, run_id, actor, operation, &child, group, &mut outcome).await?;
    }
    Ok(outcome)
}

/// Opens the transaction one child's records (or one standalone record) are applied in.
///
/// On PostgreSQL its commit does not wait for the WAL flush (`synchronous_commit` off for this
/// transaction only): a flush per child is what bounds an import's throughput, and nothing is
/// lost by not waiting. PostgreSQL writes the WAL in order, and the batch's closing
/// transaction (counts, rejections and the cursor, [`crate::Intake::apply_batch`]) commits
/// with the flush. So once the run's cursor has moved past a batch, every child of it is
/// durable too. A crash before then loses at most the batch's last children, with the cursor
/// still before them, and the rerun applies them again (it is idempotent by source record).
/// Every other transaction, including every GraphQL write, keeps the default.
async fn begin_record_transaction(
    db: &DatabaseConnection,
) -> Result<DatabaseTransaction, sea_orm::DbErr> {
    let txn = familygraph_store::db::begin_write(db).await?;
    if txn.get_database_backend() == sea_orm::DbBackend::Postgres {
        txn.execute_unprepared("SET LOCAL synchronous_commit TO OFF")
            .await?;
    }
    Ok(txn)
}

/// Applies one child's records in one transaction: all or nothing.
async fn apply_child(
    db: &DatabaseConnection,
    run_id: Uuid,
    actor: &Principal,
    operation: &str,
    child: &SourceRef,
    group: &[&Located<CanonicalRecord>],
    outcome: &mut Outcome,
) -> IntakeResult<()> {
    let txn = begin_record_transaction(db).await?;
    match apply_child_in(&txn, run_id, child, group).await {
        Ok(Ok(done)) => {
            if done.wrote {
                audit::append_with(
                    &txn,
                    actor,
                    Some(operation),
                    AuditAction::Write,
                    &[AuditedRecord {
                        record_type: "Person",
                        record_id: done.person_id,
                    }],
                    &AuditContext::with_purpose("import", None),
                )
                .await?;
            }
            txn.commit().await?;
            outcome.counts.created += done.counts.created;
            outcome.counts.updated += done.counts.updated;
            outcome.counts.unchanged += done.counts.unchanged;
            outcome.counts.queued_for_review += done.counts.queued_for_review;
            outcome.note(done.notes);
        }
        Ok(Err((failed, rejected))) => {
            txn.rollback().await?;
            database_answers(db).await?;
            for (index, located) in group.iter().enumerate() {
                let reason = if index == failed {
                    rejected.0.clone()
                } else {
                    format!(
                        "not applied: record {} of the same child was rejected ({})",
                        group[failed].location, rejected.0
                    )
                };
                outcome.reject(&located.location, reason);
            }
        }
        Err(err) => {
            // A database failure, not the data's fault: the run stops and may resume.
            let _ = txn.rollback().await;
            return Err(err);
        }
    }
    Ok(())
}

/// What a child's transaction did.
struct ChildDone {
    person_id: Uuid,
    counts: ApplyCounts,
    wrote: bool,
    /// The values left out of the child's records, record by record in source order.
    notes: Vec<FieldNote>,
}

/// The child's records in `txn`: `Ok(Err((index, why)))` when record `index` was rejected.
async fn apply_child_in(
    txn: &DatabaseTransaction,
    run_id: Uuid,
    child: &SourceRef,
    group: &[&Located<CanonicalRecord>],
) -> IntakeResult<Result<ChildDone, (usize, RecordRejected)>> {
    let mut counts = ApplyCounts::default();
    let mut person_id = None;
    // Each record's notes, by its place in `group` (source order), once it is applied.
    let mut notes: Vec<Vec<FieldNote>> = vec![Vec::new(); group.len()];
    // Every key the child's records are or name, read in one statement.
    let ledger = Ledger::deferring();
    let child_row = Mutex::new(None);
    let mut keys = vec![person_key(child)];
    for located in group {
        keys.extend(keys_of(&located.record));
    }
    ledger.preload(txn, &keys).await?;
    // The person's own records first, so the others can name the child.
    let mut ordered: Vec<usize> = (0..group.len())
        .filter(|&i| matches!(group[i].record, CanonicalRecord::Person(_)))
        .collect();
    ordered.extend(
        (0..group.len()).filter(|&i| !matches!(group[i].record, CanonicalRecord::Person(_))),
    );
    for index in ordered {
        let located = group[index];
        let result = match &located.record {
            CanonicalRecord::Person(record) => {
                match person::apply_person(txn, &ledger, run_id, &narrow(located, record)).await {
                    Ok(done) => {
                        person_id = Some(done.applied.id());
                        counts.queued_for_review += done.queued;
                        Ok(Kept::with_notes(done.applied, located, Vec::new()))
                    }
                    Err(rejected) => Err(rejected),
                }
            }
            _ => {
                let id = match person_id {
                    Some(id) => id,
                    None => match ledger.resolve_person(txn, child).await? {
                        Some(id) => {
                            person_id = Some(id);
                            id
                        }
                        None => {
                            return Ok(Err((
                                index,
                                RecordRejected(format!(
                                    "unknown child ({} identifier): no person record for it in \
                                     this batch or an earlier run",
                                    child.system
                                )),
                            )));
                        }
                    },
                };
                let cx = ChildContext {
                    txn,
                    person_id: id,
                    run_id,
                    ledger: &ledger,
                    child_row: &child_row,
                };
                dispatch_child(&cx, located).await
            }
        };
        match result {
            Ok(kept) => {
                kept.applied.count(&mut counts);
                notes[index] = kept.notes;
            }
            Err(rejected) => return Ok(Err((index, rejected))),
        }
    }
    let Some(person_id) = person_id else {
        return Err(IntakeError::Database(DbErr::Custom(
            "a child group without records".to_owned(),
        )));
    };
    if let Err(err) = ledger.flush(txn).await {
        return Ok(Err((0, RecordRejected::database(&err))));
    }
    let wrote = counts.created + counts.updated > 0;
    Ok(Ok(ChildDone {
        person_id,
        counts,
        wrote,
        notes: notes.into_iter().flatten().collect(),
    }))
}
