//! The audit trail: one append-only row per child or family record read or written, in a
//! tamper-evident hash chain.
//!
//! Every row appended gets the next `sequence` (1, 2, 3, ...), the `hash` of the row before it
//! as `previous_hash` ([`GENESIS_HASH`] for the first), and its own `hash`:
//! SHA-256 over `previous_hash` (as hex text) followed by the row's canonical encoding (see
//! [`canonical_encoding`]), written as lowercase hex. Changing, inserting or deleting a row
//! breaks the chain at that row, which [`verify`] finds. (Removing rows from the very end
//! leaves a shorter, valid chain: compare the head sequence with one recorded elsewhere to
//! detect truncation.)
//!
//! Appends are serialised so the chain never forks: on PostgreSQL by a transaction-scoped
//! advisory lock ([`CHAIN_LOCK`]), on SQLite by starting the transaction `IMMEDIATE` (the
//! database's single write lock). Given a transaction (a workflow command's), [`append`] works in
//! a savepoint of it, so the lock is held until that transaction ends.
//!
//! Reads are appended in groups: an [`AuditAppender`] (one per serving process) collects the
//! [`AuditEntry`]s of concurrent requests and appends them in one transaction — one lock, one
//! head read, one multi-row `INSERT`, one commit — and each request waits for its group's
//! commit before it answers ("audited before answered"); if the group cannot be appended, every
//! request in it fails. Writes append inside their own transaction, atomically with the write.
//!
//! Rows written before the chain was introduced (migration `m20261124_000009_chain_audit`)
//! have no sequence and are reported as unchained; the chain starts after them.
//!
//! Since migration `m20261124_000012_create_break_glass` a row may also carry its `purpose`
//! (`break_glass` for access under a break-glass grant) and the request's `correlation_id`
//! ([`AuditContext`], [`append_with`]). The hash covers them when they are set; rows without
//! them hash exactly as before, so the rows written earlier still verify.

use std::collections::HashMap;

use chrono::{DateTime, DurationRound, SecondsFormat, TimeDelta, Utc};
use familygraph_domain::Principal;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, SqliteTransactionMode, TransactionOptions,
    TransactionSession, TransactionTrait,
};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::entity::audit_event;
use crate::error::StoreResult;

mod group_commit;

pub use group_commit::{AppenderSettings, AppenderStats, AuditAppender};

/// `previous_hash` of the first row in the chain.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The PostgreSQL advisory lock key that serialises appends (`"fgaudit"` in ASCII).
pub const CHAIN_LOCK: i64 = 0x0066_6761_7564_6974;

/// Rows per `INSERT` (15 columns each: well under SQLite's and PostgreSQL's parameter limits).
const INSERT_CHUNK: usize = 500;

/// Rows per page read by [`verify`].
const VERIFY_PAGE: u64 = 1_000;

/// What was done to a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuditAction {
    /// The record was returned to the caller.
    Read,
    /// The record was created or changed.
    Write,
}

impl AuditAction {
    fn code(self) -> &'static str {
        match self {
            Self::Read => "READ",
            Self::Write => "WRITE",
        }
    }
}

/// One record that a request touched.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct AuditedRecord {
    /// The record's type, as the API names it (`Person`, `Family`, ...).
    pub record_type: &'static str,
    /// The record's id.
    pub record_id: Uuid,
}

/// Why, and in which request, records were touched: written into each row and covered by its
/// hash.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditContext {
    /// The purpose of every row, unless [`AuditContext::record_purposes`] names another for
    /// the row's record (`None`: ordinary access within the caller's scope).
    pub purpose: Option<String>,
    /// Purposes of particular records, e.g. `break_glass` for the records a request reached
    /// through a break-glass grant.
    pub record_purposes: HashMap<AuditedRecord, String>,
    /// The request's correlation id.
    pub correlation_id: Option<String>,
}

impl AuditContext {
    /// A context with one purpose for every row.
    pub fn with_purpose(purpose: &str, correlation_id: Option<String>) -> Self {
        Self {
            purpose: Some(purpose.to_owned()),
            record_purposes: HashMap::new(),
            correlation_id,
        }
    }

    /// The purpose recorded for `record`.
    pub fn purpose_of(&self, record: &AuditedRecord) -> Option<&str> {
        self.record_purposes
            .get(record)
            .or(self.purpose.as_ref())
            .map(String::as_str)
    }
}

/// Appends one chained audit row per record, in one statement per 500 rows, with no purpose
/// and no correlation id (see [`append_with`]).
///
/// `db` is a connection (a transaction is opened and committed here) or a transaction (the
/// rows are written in a savepoint of it and commit with it). Either way the chain head is read
/// and extended under the chain lock, so concurrent appends never fork the chain.
pub async fn append<C>(
    db: &C,
    principal: &Principal,
    operation: Option<&str>,
    action: AuditAction,
    records: &[AuditedRecord],
) -> StoreResult<()>
where
    C: ConnectionTrait + TransactionTrait,
{
    append_with(
        db,
        principal,
        operation,
        action,
        records,
        &AuditContext::default(),
    )
    .await
}

/// [`append`], with each row's purpose and the request's correlation id taken from `context`.
pub async fn append_with<C>(
    db: &C,
    principal: &Principal,
    operation: Option<&str>,
    action: AuditAction,
    records: &[AuditedRecord],
    context: &AuditContext,
) -> StoreResult<()>
where
    C: ConnectionTrait + TransactionTrait,
{
    if records.is_empty() {
        return Ok(());
    }
    let entry = AuditEntry::new(
        principal,
        operation,
        action,
        records.to_vec(),
        context.clone(),
    );
    append_entries(db, std::slice::from_ref(&entry)).await
}

/// The audit rows of one request, waiting to be appended: who, which operation, what was done
/// to which records, why, and when (the time the entry was made, which every row keeps).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    /// The caller's subject.
    pub subject: String,
    /// The caller's OAuth client.
    pub client_id: Option<String>,
    /// The caller's roles as the trail writes them (space-separated).
    pub roles: String,
    /// The GraphQL operation's name.
    pub operation: Option<String>,
    /// What was done to the records.
    pub action: AuditAction,
    /// The records, one row each.
    pub records: Vec<AuditedRecord>,
    /// Purposes and correlation id.
    pub context: AuditContext,
    /// When the records were touched (microseconds: both backends keep no finer).
    pub occurred_at: DateTime<Utc>,
}

impl AuditEntry {
    /// An entry for `principal`'s request, timed now.
    pub fn new(
        principal: &Principal,
        operation: Option<&str>,
        action: AuditAction,
        records: Vec<AuditedRecord>,
        context: AuditContext,
    ) -> Self {
        // Both backends keep microseconds; hash exactly what is stored.
        let occurred_at = Utc::now()
            .duration_trunc(TimeDelta::microseconds(1))
            .unwrap_or_else(|_| Utc::now());
        Self {
            subject: principal.subject.clone(),
            client_id: principal.client_id.clone(),
            roles: principal
                .roles
                .iter()
                .map(|role| role.as_str())
                .collect::<Vec<_>>()
                .join(" "),
            operation: operation.map(str::to_owned),
            action,
            records,
            context,
            occurred_at,
        }
    }
}

/// Appends the rows of every entry, in order, in one transaction: the chain lock, one read of
/// the chain head, one `INSERT` per 500 rows, one commit. This is how the group-commit
/// [`AuditAppender`] writes a batch of requests; [`append_with`] is the one-entry case.
///
/// `db` is a connection (a transaction is opened and committed here) or a transaction (the
/// rows are written in a savepoint of it and commit with it).
pub async fn append_entries<C>(db: &C, entries: &[AuditEntry]) -> StoreResult<()>
where
    C: ConnectionTrait + TransactionTrait,
{
    let total: usize = entries.iter().map(|entry| entry.records.len()).sum();
    if total == 0 {
        return Ok(());
    }
    let txn = db
        .begin_with_options(TransactionOptions {
            sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
            ..Default::default()
        })
        .await?;
    // The lock and the head read stay two statements: under READ COMMITTED a statement's
    // snapshot is taken when it starts, before a lock it takes is granted, so a head read in
    // the same statement as the lock could miss the rows of the appender it waited for and
    // fork the chain.
    if txn.get_database_backend() == DbBackend::Postgres {
        txn.execute_unprepared(&format!("SELECT pg_advisory_xact_lock({CHAIN_LOCK})"))
            .await?;
    }
    let head: Option<(i64, Option<String>)> = audit_event::Entity::find()
        .select_only()
        .column(audit_event::Column::Sequence)
        .column(audit_event::Column::Hash)
        .filter(audit_event::Column::Sequence.is_not_null())
        .order_by_desc(audit_event::Column::Sequence)
        .limit(1)
        .into_tuple()
        .one(&txn)
        .await?;
    let (mut sequence, mut previous_hash) = match head {
        Some((sequence, hash)) => (sequence, hash.unwrap_or_default()),
        None => (0, GENESIS_HASH.to_owned()),
    };

    let mut rows = Vec::with_capacity(total);
    for entry in entries {
        for record in &entry.records {
            sequence += 1;
            let mut row = audit_event::Model {
                id: Uuid::now_v7(),
                occurred_at: entry.occurred_at,
                subject: entry.subject.clone(),
                client_id: entry.client_id.clone(),
                roles: entry.roles.clone(),
                operation: entry.operation.clone(),
                action: entry.action.code().to_owned(),
                record_type: record.record_type.to_owned(),
                record_id: record.record_id,
                outcome: "ALLOWED".to_owned(),
                sequence: Some(sequence),
                previous_hash: Some(previous_hash.clone()),
                hash: None,
                purpose: entry.context.purpose_of(record).map(str::to_owned),
                correlation_id: entry.context.correlation_id.clone(),
            };
            let hash = chain_hash(&previous_hash, &row);
            row.hash = Some(hash.clone());
            previous_hash = hash;
            rows.push(active(row));
        }
    }
    let mut rows = rows.into_iter();
    loop {
        let chunk: Vec<_> = rows.by_ref().take(INSERT_CHUNK).collect();
        if chunk.is_empty() {
            break;
        }
        audit_event::Entity::insert_many(chunk).exec(&txn).await?;
    }
    txn.commit().await?;
    for action in [AuditAction::Read, AuditAction::Write] {
        let appended: usize = entries
            .iter()
            .filter(|entry| entry.action == action)
            .map(|entry| entry.records.len())
            .sum();
        if appended > 0 {
            appended_counter().add(
                appended as u64,
                &[opentelemetry::KeyValue::new(
                    "familygraph.audit.action",
                    action.code(),
                )],
            );
        }
    }
    Ok(())
}

/// `familygraph.audit.appends`: audit rows appended (committed, or part of the caller's
/// transaction), by action. A no-op until the server installs a meter provider.
fn appended_counter() -> &'static opentelemetry::metrics::Counter<u64> {
    static COUNTER: std::sync::OnceLock<opentelemetry::metrics::Counter<u64>> =
        std::sync::OnceLock::new();
    COUNTER.get_or_init(|| {
        opentelemetry::global::meter("familygraph")
            .u64_counter("familygraph.audit.appends")
            .with_description("Audit rows appended, by action.")
            .build()
    })
}

fn active(row: audit_event::Model) -> audit_event::ActiveModel {
    audit_event::ActiveModel {
        id: Set(row.id),
        occurred_at: Set(row.occurred_at),
        subject: Set(row.subject),
        client_id: Set(row.client_id),
        roles: Set(row.roles),
        operation: Set(row.operation),
        action: Set(row.action),
        record_type: Set(row.record_type),
        record_id: Set(row.record_id),
        outcome: Set(row.outcome),
        sequence: Set(row.sequence),
        previous_hash: Set(row.previous_hash),
        hash: Set(row.hash),
        purpose: Set(row.purpose),
        correlation_id: Set(row.correlation_id),
    }
}

/// RFC 3339 in UTC with microseconds: `2026-12-06T18:18:35.123456Z` (for the years 0–9999
/// that the trail can hold, exactly `%Y-%m-%dT%H:%M:%S%.6fZ`).
fn timestamp(at: &DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Micros, true)
}

/// The canonical encoding of a row that its hash covers: a compact JSON array of a version tag
/// and every field except the hashes, in a fixed order — `sequence`, `id`, `occurred_at`
/// (RFC 3339, UTC, microseconds), `subject`, `client_id`, `roles`, `operation`, `action`,
/// `record_type`, `record_id`, `outcome` (absent values as `null`).
///
/// A row with a `purpose` or a `correlation_id` is tagged `familygraph-audit-v2` and has both
/// appended (either may be `null`); a row with neither is tagged `familygraph-audit-v1` and
/// encodes exactly as rows did before the two fields existed, so their hashes still verify.
/// Setting, clearing or changing either field changes the encoding.
///
/// Written straight from the fields, without building a JSON value first: every read of a
/// child's record hashes one row.
pub fn canonical_encoding(row: &audit_event::Model) -> String {
    // Strings, numbers and nulls always serialize.
    serde_json::to_string(&Encoding(row)).unwrap_or_default()
}

/// A row as its canonical encoding's JSON array ([`canonical_encoding`]).
struct Encoding<'a>(&'a audit_event::Model);

impl serde::Serialize for Encoding<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeSeq;
        let row = self.0;
        let v2 = row.purpose.is_some() || row.correlation_id.is_some();
        let mut fields = serializer.serialize_seq(Some(if v2 { 14 } else { 12 }))?;
        fields.serialize_element(if v2 {
            "familygraph-audit-v2"
        } else {
            "familygraph-audit-v1"
        })?;
        fields.serialize_element(&row.sequence)?;
        fields.serialize_element(&row.id.to_string())?;
        fields.serialize_element(&timestamp(&row.occurred_at))?;
        fields.serialize_element(&row.subject)?;
        fields.serialize_element(&row.client_id)?;
        fields.serialize_element(&row.roles)?;
        fields.serialize_element(&row.operation)?;
        fields.serialize_element(&row.action)?;
        fields.serialize_element(&row.record_type)?;
        fields.serialize_element(&row.record_id.to_string())?;
        fields.serialize_element(&row.outcome)?;
        if v2 {
            fields.serialize_element(&row.purpose)?;
            fields.serialize_element(&row.correlation_id)?;
        }
        fields.end()
    }
}

/// SHA-256 (lowercase hex) of `previous_hash` followed by the row's canonical encoding.
pub fn chain_hash(previous_hash: &str, row: &audit_event::Model) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut hasher = Sha256::new();
    hasher.update(previous_hash.as_bytes());
    hasher.update(canonical_encoding(row).as_bytes());
    let digest = hasher.finalize();
    let mut hex = String::with_capacity(digest.len() * 2);
    for byte in digest {
        hex.push(char::from(HEX[usize::from(byte >> 4)]));
        hex.push(char::from(HEX[usize::from(byte & 0x0f)]));
    }
    hex
}

/// Why the chain is broken at a row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChainFault {
    /// No row has this sequence (a row was deleted or renumbered).
    Missing,
    /// The row's `previous_hash` is not the previous row's hash.
    PreviousHashMismatch,
    /// The row's stored hash does not match its contents (the row was altered).
    HashMismatch,
}

impl std::fmt::Display for ChainFault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Missing => "the row is missing",
            Self::PreviousHashMismatch => "its previous_hash does not match the row before it",
            Self::HashMismatch => "its hash does not match its contents (the row was altered)",
        })
    }
}

/// The first place the chain is broken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainBreak {
    /// The first sequence number at which the chain does not hold.
    pub sequence: i64,
    /// The id of the row found there (none when the row is missing).
    pub id: Option<Uuid>,
    /// What is wrong.
    pub fault: ChainFault,
}

/// The outcome of [`verify`].
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ChainReport {
    /// Chained rows checked (up to the first break).
    pub checked: u64,
    /// The last sequence checked (the chain's head, when intact).
    pub head: Option<i64>,
    /// Rows written before the chain was introduced (no sequence), not covered by it.
    pub unchained: u64,
    /// The first break, if any.
    pub broken: Option<ChainBreak>,
}

impl ChainReport {
    /// Whether every chained row verified.
    pub fn is_intact(&self) -> bool {
        self.broken.is_none()
    }
}

/// Recomputes the chain in sequence order, a page at a time (memory stays bounded however long
/// the trail), and reports the first broken sequence, if any.
pub async fn verify<C: ConnectionTrait>(db: &C) -> StoreResult<ChainReport> {
    let unchained = audit_event::Entity::find()
        .filter(audit_event::Column::Sequence.is_null())
        .count(db)
        .await?;
    let mut report = ChainReport {
        unchained,
        ..ChainReport::default()
    };
    let mut expected: i64 = 1;
    let mut previous_hash = GENESIS_HASH.to_owned();
    loop {
        let page = audit_event::Entity::find()
            .filter(audit_event::Column::Sequence.gte(expected))
            .order_by_asc(audit_event::Column::Sequence)
            .limit(VERIFY_PAGE)
            .all(db)
            .await?;
        let last_page = (page.len() as u64) < VERIFY_PAGE;
        for row in page {
            let sequence = row.sequence.unwrap_or_default();
            let fault = if sequence != expected {
                Some(ChainBreak {
                    sequence: expected,
                    id: None,
                    fault: ChainFault::Missing,
                })
            } else if row.previous_hash.as_deref() != Some(previous_hash.as_str()) {
                Some(ChainBreak {
                    sequence,
                    id: Some(row.id),
                    fault: ChainFault::PreviousHashMismatch,
                })
            } else {
                let hash = chain_hash(&previous_hash, &row);
                if row.hash.as_deref() == Some(hash.as_str()) {
                    previous_hash = hash;
                    None
                } else {
                    Some(ChainBreak {
                        sequence,
                        id: Some(row.id),
                        fault: ChainFault::HashMismatch,
                    })
                }
            };
            if let Some(fault) = fault {
                report.broken = Some(fault);
                return Ok(report);
            }
            report.checked += 1;
            report.head = Some(sequence);
            expected += 1;
        }
        if last_page {
            return Ok(report);
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    /// The encoding as it was first written (a JSON value, chrono's format string, a `format!`
    /// per byte): every hash already in a trail was computed this way.
    fn reference_hash(previous_hash: &str, row: &audit_event::Model) -> String {
        let mut encoding = serde_json::json!([
            if row.purpose.is_none() && row.correlation_id.is_none() {
                "familygraph-audit-v1"
            } else {
                "familygraph-audit-v2"
            },
            row.sequence,
            row.id.to_string(),
            row.occurred_at.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string(),
            row.subject,
            row.client_id,
            row.roles,
            row.operation,
            row.action,
            row.record_type,
            row.record_id.to_string(),
            row.outcome,
        ]);
        if (row.purpose.is_some() || row.correlation_id.is_some())
            && let serde_json::Value::Array(values) = &mut encoding
        {
            values.push(row.purpose.clone().into());
            values.push(row.correlation_id.clone().into());
        }
        let mut hasher = Sha256::new();
        hasher.update(previous_hash.as_bytes());
        hasher.update(encoding.to_string().as_bytes());
        hasher
            .finalize()
            .iter()
            .map(|byte| format!("{byte:02x}"))
            .collect()
    }

    fn row(n: i64) -> audit_event::Model {
        let at =
            DateTime::from_timestamp(1_700_000_000 + n * 86_399, (n as u32 % 1000) * 1_001_000)
                .unwrap();
        audit_event::Model {
            id: Uuid::now_v7(),
            occurred_at: at,
            subject: format!("synthetic \"reader\" \u{1f}{n} é"),
            client_id: (n % 2 == 0).then(|| "familygraph-tests".to_owned()),
            roles: "social_worker team_manager".to_owned(),
            operation: (n % 3 != 0).then(|| format!("Read{n}\n")),
            action: "READ".to_owned(),
            record_type: "Person".to_owned(),
            record_id: Uuid::now_v7(),
            outcome: "OK".to_owned(),
            sequence: (n % 5 != 0).then_some(n),
            previous_hash: None,
            hash: None,
            purpose: (n % 4 == 1).then(|| "break_glass".to_owned()),
            correlation_id: (n % 4 >= 2).then(|| Uuid::now_v7().to_string()),
        }
    }

    #[test]
    fn the_hash_is_the_one_every_stored_row_was_given() {
        let mut previous = GENESIS_HASH.to_owned();
        for n in 0..64 {
            let row = row(n);
            let hash = chain_hash(&previous, &row);
            assert_eq!(hash, reference_hash(&previous, &row), "row {n}: {row:?}");
            assert_eq!(hash.len(), 64);
            previous = hash;
        }
    }
}
