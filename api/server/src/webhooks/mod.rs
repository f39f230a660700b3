//! Signed webhooks, delivered through the generic delivery worker ([`crate::delivery`]).
//!
//! # One target that fans out
//!
//! Webhooks are **one** delivery target, [`TARGET`] (`webhooks`), present while at least one
//! subscription is active ([`WebhookTargets`], a [`TargetSource`]). The worker takes on every
//! outbox event of a webhook event type ([`familygraph_store::webhooks::EVENT_KINDS`]) in its
//! ledger (`outbox_delivery`), holds the lease `delivery:webhooks` so one replica delivers,
//! and hands each event to [`FanOut`], a server-side [`DeliveryAdapter`] that:
//!
//! 1. finds the subscriptions the event is for — active, subscribed to its type, created before
//!    it happened — and, for each, decides whether the subscriber may be told of it at all: the
//!    child in the subscribing client's row scope and the event's class among its classes,
//!    under the access policy in force, with the principal its token gave at subscription
//!    time. Only then does the event enter that subscription's delivery log
//!    (`webhook_delivery`, with its idempotency key); an event outside the scope gets no row;
//! 2. POSTs to every pending subscriber of the event at once, through
//!    `familygraph-adapter-webhook` (Standard Webhooks signatures with each subscription's
//!    secret), the body carrying only the fields the subscriber's classes allow, rebuilt at
//!    each attempt (the child's scope is checked again: one who has left it is `withdrawn`);
//! 3. records each attempt in the log (attempts, HTTP status, error); a 410 Gone deactivates
//!    the subscription; a permanent error fails that delivery only;
//! 4. answers the worker: delivered when no subscriber is left pending, otherwise a retryable
//!    error, so that the worker retries the event with its back-off — and the retry POSTs only
//!    to the subscribers still pending, with the same idempotency keys.
//!
//! Why one fanning target rather than one per subscription: the generic worker takes on an
//! event for a target before building it, so per-subscription targets would put an event
//! outside a subscriber's scope into its ledger; the fan-out decides scope first and keeps a
//! per-subscriber log with its own idempotency key and HTTP status. A subscriber that keeps
//! failing only holds back retries of the events it has not received; its delivery attempts are
//! bounded by the worker's attempt limit and back-off.

use std::sync::Arc;

use async_trait::async_trait;
use chrono::Utc;
use familygraph_adapter_sdk::{
    AdapterError, Delivery, DeliveryAdapter, HealthReport, OutboundEvent,
};
use familygraph_adapter_webhook::{WebhookAdapter, WebhookConfig, is_gone};
use familygraph_domain::Policy;
use familygraph_store::StoreError;
use familygraph_store::entity::{outbox_event, webhook_delivery, webhook_subscription};
use familygraph_store::webhooks::{self, Attempt, EventKind, LeadPractitionerFacts};
use sea_orm::{DatabaseConnection, EntityTrait};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::delivery::{DeliveryTarget, EventFilter, TargetSource};
use crate::telemetry::metrics;

/// The delivery target's name: its lease is `delivery:webhooks`.
pub const TARGET: &str = "webhooks";
/// How long one webhook POST may take before it counts as a (retryable) timeout. Subscribers
/// are sent to at once, so an attempt at an event takes about this long at most.
pub const POST_TIMEOUT_SECONDS: u64 = 10;

/// The webhooks target, while any subscription is active.
pub struct WebhookTargets {
    policy: Arc<Policy>,
    max_attempts: u32,
}

impl WebhookTargets {
    /// Webhooks filtered under `policy` (the server's access policy); a subscriber's delivery
    /// fails after `max_attempts` retryable failures (`0`: never) — the delivery worker's own
    /// limit (`FAMILYGRAPH_DELIVERY_MAX_ATTEMPTS`), applied per subscriber.
    pub fn new(policy: Arc<Policy>, max_attempts: u32) -> Self {
        Self {
            policy,
            max_attempts,
        }
    }
}

#[async_trait]
impl TargetSource for WebhookTargets {
    async fn targets(&self, db: &DatabaseConnection) -> Result<Vec<DeliveryTarget>, String> {
        let active = webhooks::active(db).await.map_err(|e| e.to_string())?;
        let Some(since) = active.iter().map(|s| s.created_at).min() else {
            return Ok(Vec::new());
        };
        let fan_out = FanOut {
            db: db.clone(),
            policy: self.policy.clone(),
            max_attempts: self.max_attempts,
        };
        let mut target = DeliveryTarget::new(
            TARGET,
            EventFilter::only(webhooks::EVENT_KINDS.iter().map(|k| k.outbox_type)),
            Arc::new(fan_out),
        );
        // Nothing before the oldest active subscription can be for anyone.
        target.since = Some(since);
        Ok(vec![target])
    }
}

/// Delivers one outbox event to every subscriber that may be told of it (see the module
/// documentation).
pub struct FanOut {
    db: DatabaseConnection,
    policy: Arc<Policy>,
    max_attempts: u32,
}

/// Why an attempt at an event did not reach every subscriber.
enum FanOutError {
    /// The database failed: retry the event later.
    Store(StoreError),
    /// Some subscribers answered with retryable failures: retry the event (for them) later.
    Retry(String),
}

impl From<StoreError> for FanOutError {
    fn from(error: StoreError) -> Self {
        Self::Store(error)
    }
}

impl From<sea_orm::DbErr> for FanOutError {
    fn from(error: sea_orm::DbErr) -> Self {
        Self::Store(error.into())
    }
}

/// A store failure while fanning out: retry the event later.
fn store_failure(error: &StoreError) -> AdapterError {
    AdapterError::Unreachable {
        target: TARGET.to_owned(),
        message: format!("reading the webhook subscriptions: {error}"),
    }
}

impl FanOut {
    /// What `subscription` may be told of `event` about `child` now: `None` when nothing.
    async fn facts_for(
        &self,
        subscription: &webhook_subscription::Model,
        kind: &EventKind,
        event: &outbox_event::Model,
        child: Uuid,
    ) -> Result<Option<LeadPractitionerFacts>, StoreError> {
        let principal = webhooks::principal_of(subscription);
        let scope = self.policy.scope_for(&principal);
        if !scope.sees(kind.class) {
            return Ok(None);
        }
        webhooks::lead_practitioner_facts(&self.db, &scope, child, event.aggregate_id).await
    }

    /// One attempt at one pending delivery.
    async fn attempt(
        &self,
        row: &webhook_delivery::Model,
        kind: &EventKind,
        event: &outbox_event::Model,
        child: Uuid,
    ) -> Result<Attempt, StoreError> {
        let subscription = webhook_subscription::Entity::find_by_id(row.subscription_id)
            .one(&self.db)
            .await?
            .filter(|s| s.active && s.deleted_at.is_none());
        let Some(subscription) = subscription else {
            return Ok(Attempt::Withdrawn {
                reason: "the subscription is no longer active".to_owned(),
            });
        };
        let facts = match self.facts_for(&subscription, kind, event, child).await {
            Ok(Some(facts)) => facts,
            Ok(None) => {
                return Ok(Attempt::Withdrawn {
                    reason: "the child is no longer in the subscriber's scope".to_owned(),
                });
            }
            // The event's records are gone or inconsistent: it can never be built.
            Err(StoreError::Corrupt(reason)) => {
                return Ok(Attempt::Failed {
                    status: None,
                    error: reason,
                });
            }
            Err(error) => return Err(error),
        };
        let adapter = match WebhookAdapter::new(&WebhookConfig {
            name: webhooks::target_name(subscription.id),
            url: subscription.url.clone(),
            secret: subscription.secret.clone(),
            timeout_seconds: POST_TIMEOUT_SECONDS,
        }) {
            Ok(adapter) => adapter,
            Err(error) => {
                return Ok(Attempt::Failed {
                    status: None,
                    error: error.to_string(),
                });
            }
        };
        let outbound = OutboundEvent {
            event_type: kind.name.to_owned(),
            subject: None,
            occurred_at: event.occurred_at,
            payload: lead_practitioner_data(event.id, &facts),
        };
        Ok(match adapter.post(&outbound, &row.idempotency_key).await {
            Ok(status) => Attempt::Delivered { status },
            Err(error) => {
                let status = match &error {
                    AdapterError::Status { status, .. } => Some(*status),
                    _ => None,
                };
                if is_gone(&error) {
                    tracing::warn!(subscription = %subscription.id, "webhook receiver answered 410 Gone; subscription deactivated");
                    webhooks::deactivate(&self.db, subscription.id, "gone").await?;
                }
                let attempts = u32::try_from(row.attempts + 1).unwrap_or(u32::MAX);
                if error.is_retryable() && self.max_attempts > 0 && attempts >= self.max_attempts {
                    Attempt::Failed {
                        status,
                        error: format!("gave up after {attempts} attempts: {error}"),
                    }
                } else if error.is_retryable() {
                    Attempt::Retry {
                        status,
                        error: error.to_string(),
                    }
                } else {
                    Attempt::Failed {
                        status,
                        error: error.to_string(),
                    }
                }
            }
        })
    }

    async fn fan_out(&self, event: &OutboundEvent) -> Result<Delivery, FanOutError> {
        let nothing = |why: &str| Delivery {
            receipt: Some(why.to_owned()),
            duplicate: false,
        };
        let Some(event_id) = event
            .payload
            .get("eventId")
            .and_then(Value::as_str)
            .and_then(|id| Uuid::parse_str(id).ok())
        else {
            return Ok(nothing("no event id"));
        };
        let Some(row) = outbox_event::Entity::find_by_id(event_id)
            .one(&self.db)
            .await?
        else {
            return Ok(nothing("no such event"));
        };
        let Some(kind) = webhooks::event_kind_of_outbox(&row.event_type) else {
            return Ok(nothing("not a webhook event type"));
        };
        let Some(child) = webhooks::child_of(&event.payload) else {
            return Ok(nothing("the event names no child"));
        };
        // 1. Take the event on for every subscriber that may be told of it.
        let now = Utc::now();
        for subscription in webhooks::subscribers(&self.db, kind, row.occurred_at).await? {
            match self.facts_for(&subscription, kind, &row, child).await {
                Ok(Some(_)) => {
                    webhooks::take_on(&self.db, subscription.id, row.id, kind, now).await?;
                }
                Ok(None) => {}
                Err(StoreError::Corrupt(reason)) => {
                    tracing::warn!(event_id = %row.id, %reason, "webhook event cannot be built; not delivered");
                }
                Err(error) => return Err(error.into()),
            }
        }
        // 2. Send to every pending subscriber at once; 3. record each attempt.
        let pending = webhooks::pending_for_event(&self.db, row.id).await?;
        let attempts = futures_util::future::join_all(
            pending
                .iter()
                .map(|delivery| self.attempt(delivery, kind, &row, child)),
        )
        .await;
        let mut retrying = 0usize;
        let mut delivered = 0usize;
        let mut last_error = None;
        for (delivery, attempt) in pending.iter().zip(attempts) {
            let attempt = attempt?;
            match &attempt {
                Attempt::Delivered { .. } => {
                    delivered += 1;
                    metrics::record_delivery_attempt("webhook", "succeeded");
                    let latency = (Utc::now() - row.occurred_at).as_seconds_f64();
                    metrics::record_delivery_latency("webhook", latency);
                }
                Attempt::Retry { error, .. } => {
                    retrying += 1;
                    last_error = Some(error.clone());
                    metrics::record_delivery_attempt("webhook", "failed");
                }
                Attempt::Failed { error, .. } => {
                    metrics::record_delivery_attempt("webhook", "dead_lettered");
                    tracing::warn!(
                        subscription = %delivery.subscription_id,
                        event_id = %row.id,
                        %error,
                        "webhook delivery failed permanently"
                    );
                }
                Attempt::Withdrawn { .. } => {}
            }
            webhooks::record_attempt(&self.db, delivery, &attempt, Utc::now()).await?;
        }
        if retrying > 0 {
            return Err(FanOutError::Retry(format!(
                "{retrying} webhook subscriber(s) to retry: {}",
                last_error.unwrap_or_default()
            )));
        }
        Ok(Delivery {
            receipt: Some(format!("{delivered} subscriber(s) delivered")),
            duplicate: false,
        })
    }
}

#[async_trait]
impl DeliveryAdapter for FanOut {
    fn name(&self) -> &str {
        TARGET
    }

    async fn health(&self) -> Result<HealthReport, AdapterError> {
        let active = webhooks::active(&self.db)
            .await
            .map_err(|e| store_failure(&e))?;
        Ok(HealthReport {
            target: TARGET.to_owned(),
            detail: format!("{} active webhook subscription(s)", active.len()),
        })
    }

    /// Fans `event` out (see the module documentation). A subscriber to retry is a
    /// retryable error; so is a database failure.
    async fn deliver(
        &self,
        event: &OutboundEvent,
        _idempotency_key: &str,
    ) -> Result<Delivery, AdapterError> {
        match self.fan_out(event).await {
            Ok(delivery) => Ok(delivery),
            Err(FanOutError::Retry(message)) => Err(AdapterError::Unreachable {
                target: TARGET.to_owned(),
                message,
            }),
            Err(FanOutError::Store(error)) => Err(store_failure(&error)),
        }
    }
}

/// The body's `data` for a lead practitioner event: the child by global id (and UPN, when the
/// subscriber's classes include identifiers), the lead practitioner's name, job role, work email
/// and team — the partner view, nothing else.
fn lead_practitioner_data(event_id: Uuid, facts: &LeadPractitionerFacts) -> Value {
    json!({
        "eventId": event_id.to_string(),
        "child": {
            "id": familygraph_graphql::global_id::encode("Person", facts.child_id).0,
            "upn": facts.upn,
        },
        "leadPractitioner": {
            "name": facts.practitioner_name,
            "role": facts.practitioner_role,
            "email": facts.practitioner_email,
            "teamName": facts.team_name,
        },
    })
}
