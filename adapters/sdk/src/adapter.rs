//! The traits adapters implement.

use crate::batch::{Batch, Cursor};
use crate::error::AdapterError;
use crate::record::RecordKey;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// What a successful health check found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HealthReport {
    /// What was checked, e.g. the base URL or directory.
    pub target: String,
    /// A short human summary, e.g. `FHIR R4 server answered /metadata`.
    pub detail: String,
}

/// An adapter that reads a partner system and translates it into canonical records.
///
/// Contract (checked by the conformance kit):
/// - `pull(None)` starts from the beginning; each batch's `next_cursor` continues it; a fresh
///   adapter given a saved cursor continues exactly where the saved batch ended.
/// - The same source state gives the same records (by key and content) and the same cursors.
/// - A record that cannot be translated is a [`Rejection`](crate::Rejection) in the batch;
///   every other record of the batch is still returned.
/// - A source that cannot be read is an `Err`, never an empty batch.
#[async_trait]
pub trait SourceAdapter: Send + Sync {
    /// The adapter's configured source name, e.g. `leeds-gp-fhir`.
    fn name(&self) -> &str;

    /// Checks that the source can be reached and read, without pulling records.
    async fn health(&self) -> Result<HealthReport, AdapterError>;

    /// Pulls the next batch after `cursor` (from the beginning when `None`).
    async fn pull(&self, cursor: Option<&Cursor>) -> Result<Batch, AdapterError>;
}

/// An event familygraph sends to a partner system (a notification, a status change).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutboundEvent {
    /// The event type, e.g. `child_protection_plan.started`.
    pub event_type: String,
    /// The record the event is about, in the partner's terms when known.
    pub subject: Option<RecordKey>,
    /// When it happened.
    pub occurred_at: DateTime<Utc>,
    /// The event body the partner's format needs.
    pub payload: serde_json::Value,
}

/// A partner's acknowledgement of a delivered event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Delivery {
    /// The partner's id for what it received, when it gives one.
    pub receipt: Option<String>,
    /// Whether the partner had already received this idempotency key.
    pub duplicate: bool,
}

/// An adapter that sends events to a partner system.
///
/// Delivery is at least once: the server retries retryable failures with the same
/// `idempotency_key`, and the adapter must make a repeated key harmless (pass it to the partner
/// or check before sending).
#[async_trait]
pub trait DeliveryAdapter: Send + Sync {
    /// The adapter's configured target name.
    fn name(&self) -> &str;

    /// Checks that the partner can be reached.
    async fn health(&self) -> Result<HealthReport, AdapterError>;

    /// Delivers `event`; the same `idempotency_key` is always the same event.
    async fn deliver(
        &self,
        event: &OutboundEvent,
        idempotency_key: &str,
    ) -> Result<Delivery, AdapterError>;
}

/// The server holds adapters as trait objects; both traits must stay object-safe.
#[allow(dead_code)]
fn object_safe(_: &dyn SourceAdapter, _: &dyn DeliveryAdapter) {}
