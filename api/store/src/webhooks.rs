//! Webhook subscriptions: partner systems' machine clients asking to be told of events, and
//! what each subscriber may be told.
//!
//! A subscription belongs to the OAuth client that made it and keeps what that client's token
//! said (subject, roles, team, school, agency): [`principal_of`] rebuilds the client's
//! [`Principal`], so every event is filtered by the client's row scope and field classes under
//! the access policy in force when the event is delivered — exactly what the client would see
//! if it asked through GraphQL.
//!
//! The webhook event types and the outbox events they come from are [`EVENT_KINDS`].

use chrono::{DateTime, Utc};
use familygraph_domain::{FieldClass, IdentifierKind, Principal, RecordScope, Role, SchoolUrn};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter,
    QueryOrder, Set,
};
use uuid::Uuid;

use crate::entity::{
    involvement, person, person_identifier, practitioner, team, webhook_delivery,
    webhook_subscription,
};
use crate::error::{StoreError, StoreResult};
use crate::scope::Scoped;

/// One webhook event type: its name, the outbox event it comes from, and the field class a
/// subscriber needs to be told of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EventKind {
    /// The webhook event type, e.g. `lead_practitioner.allocated`.
    pub name: &'static str,
    /// The outbox event type it comes from, e.g. `LeadPractitionerAllocated`.
    pub outbox_type: &'static str,
    /// The class the subscriber must have (besides `identity`, to see the child at all).
    pub class: FieldClass,
    /// What it means, for the documentation.
    pub description: &'static str,
}

/// Every webhook event type.
pub const EVENT_KINDS: &[EventKind] = &[
    EventKind {
        name: "lead_practitioner.allocated",
        outbox_type: "LeadPractitionerAllocated",
        class: FieldClass::PartnerView,
        description: "A Family Help lead practitioner was allocated to a child who had none.",
    },
    EventKind {
        name: "lead_practitioner.changed",
        outbox_type: "LeadPractitionerChanged",
        class: FieldClass::PartnerView,
        description: "A child's Family Help lead practitioner changed to another practitioner.",
    },
];

/// The delivery worker's target name for subscription `id` (`outbox_delivery.target`, the
/// lease `delivery:webhook:<id>` and the idempotency keys' prefix).
pub fn target_name(id: Uuid) -> String {
    format!("webhook:{id}")
}

/// The event kind named `name`.
pub fn event_kind(name: &str) -> Option<&'static EventKind> {
    EVENT_KINDS.iter().find(|kind| kind.name == name)
}

/// The event kind an outbox event of `outbox_type` becomes.
pub fn event_kind_of_outbox(outbox_type: &str) -> Option<&'static EventKind> {
    EVENT_KINDS
        .iter()
        .find(|kind| kind.outbox_type == outbox_type)
}

/// The event types of a subscription.
pub fn event_types(subscription: &webhook_subscription::Model) -> Vec<&str> {
    subscription
        .event_types
        .split(',')
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .collect()
}

/// The principal a subscription acts as: its client's token, as it was at subscription time.
/// Unknown role names (a role removed since) are dropped, as they would be from a token.
pub fn principal_of(subscription: &webhook_subscription::Model) -> Principal {
    Principal {
        subject: subscription.subject.clone(),
        client_id: Some(subscription.client_id.clone()),
        roles: subscription
            .roles
            .split(',')
            .filter_map(|name| Role::parse(name.trim()).ok())
            .collect(),
        team: subscription.team.clone(),
        school_urn: subscription
            .school_urn
            .as_deref()
            .and_then(|urn| SchoolUrn::parse("school_urn", urn).ok()),
        agency: subscription.agency.clone(),
    }
}

/// A new subscription.
#[derive(Debug, Clone)]
pub struct NewSubscription {
    /// Where events go (already checked by the caller).
    pub url: String,
    /// Event types (already checked against [`EVENT_KINDS`]).
    pub event_types: Vec<String>,
    /// The signing secret's text, `whsec_…`.
    pub secret: String,
}

/// Records a subscription for `principal`'s client. The caller has checked that it has one.
pub async fn create<C: ConnectionTrait>(
    db: &C,
    principal: &Principal,
    client_id: &str,
    input: NewSubscription,
    now: DateTime<Utc>,
) -> StoreResult<webhook_subscription::Model> {
    let model = webhook_subscription::Model {
        id: Uuid::now_v7(),
        client_id: client_id.to_owned(),
        subject: principal.subject.clone(),
        roles: principal
            .roles
            .iter()
            .map(|r| r.as_str())
            .collect::<Vec<_>>()
            .join(","),
        team: principal.team.clone(),
        school_urn: principal.school_urn.as_ref().map(|u| u.as_str().to_owned()),
        agency: principal.agency.clone(),
        url: input.url,
        event_types: input.event_types.join(","),
        secret: input.secret,
        active: true,
        inactive_reason: None,
        created_by: principal.subject.clone(),
        created_at: now,
        deleted_at: None,
        deleted_by: None,
    };
    Ok(model
        .clone()
        .into_active_model()
        .reset_all()
        .insert(db)
        .await?)
}

/// The subscriptions not deleted, oldest first: `client`'s only, or every client's (`None`).
pub async fn list<C: ConnectionTrait>(
    db: &C,
    client: Option<&str>,
) -> StoreResult<Vec<webhook_subscription::Model>> {
    let mut select = webhook_subscription::Entity::find()
        .filter(webhook_subscription::Column::DeletedAt.is_null())
        .order_by_asc(webhook_subscription::Column::Id);
    if let Some(client) = client {
        select = select.filter(webhook_subscription::Column::ClientId.eq(client));
    }
    Ok(select.all(db).await?)
}

/// The subscription `id` if it is not deleted and (unless `client` is `None`) belongs to
/// `client`.
pub async fn find<C: ConnectionTrait>(
    db: &C,
    id: Uuid,
    client: Option<&str>,
) -> StoreResult<Option<webhook_subscription::Model>> {
    let found = webhook_subscription::Entity::find_by_id(id)
        .filter(webhook_subscription::Column::DeletedAt.is_null())
        .one(db)
        .await?;
    Ok(found.filter(|s| client.is_none_or(|c| s.client_id == c)))
}

/// The active subscriptions, for the delivery worker.
pub async fn active<C: ConnectionTrait>(db: &C) -> StoreResult<Vec<webhook_subscription::Model>> {
    Ok(webhook_subscription::Entity::find()
        .filter(webhook_subscription::Column::Active.eq(true))
        .filter(webhook_subscription::Column::DeletedAt.is_null())
        .order_by_asc(webhook_subscription::Column::Id)
        .all(db)
        .await?)
}

/// Deletes subscription `id` (see [`find`] for `client`): it stops at once, its secret is
/// erased, and its row stays for the delivery log. `None` if there was no such subscription.
pub async fn delete<C: ConnectionTrait>(
    db: &C,
    id: Uuid,
    client: Option<&str>,
    by: &str,
    now: DateTime<Utc>,
) -> StoreResult<Option<webhook_subscription::Model>> {
    let Some(found) = find(db, id, client).await? else {
        return Ok(None);
    };
    let mut row = found.into_active_model();
    row.active = Set(false);
    row.inactive_reason = Set(Some("deleted".to_owned()));
    row.secret = Set(String::new());
    row.deleted_at = Set(Some(now));
    row.deleted_by = Set(Some(by.to_owned()));
    Ok(Some(row.update(db).await?))
}

/// Stops subscription `id` because its receiver answered 410 Gone.
pub async fn deactivate<C: ConnectionTrait>(db: &C, id: Uuid, reason: &str) -> StoreResult<()> {
    webhook_subscription::Entity::update_many()
        .col_expr(
            webhook_subscription::Column::Active,
            sea_orm::sea_query::Expr::value(false),
        )
        .col_expr(
            webhook_subscription::Column::InactiveReason,
            sea_orm::sea_query::Expr::value(reason.to_owned()),
        )
        .filter(webhook_subscription::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

/// What a subscriber may be told about a lead practitioner event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeadPractitionerFacts {
    /// The child's id.
    pub child_id: Uuid,
    /// The child's current UPN, when the subscriber sees identifiers and one is recorded.
    pub upn: Option<String>,
    /// The practitioner's name.
    pub practitioner_name: String,
    /// The practitioner's job role code, e.g. `SOCIAL_WORKER`.
    pub practitioner_role: String,
    /// The practitioner's work email, if recorded.
    pub practitioner_email: Option<String>,
    /// The team the allocation names, if any.
    pub team_name: Option<String>,
}

/// The child an outbox payload names (`childId`), if well formed.
pub fn child_of(payload: &serde_json::Value) -> Option<Uuid> {
    payload
        .get("childId")
        .and_then(serde_json::Value::as_str)
        .and_then(|text| Uuid::parse_str(text).ok())
}

/// Whether the caller with `scope` sees the child `child_id` at all (the row scope in SQL,
/// the same condition every query applies).
pub async fn child_in_scope<C: ConnectionTrait>(
    db: &C,
    scope: &RecordScope,
    child_id: Uuid,
) -> StoreResult<bool> {
    Ok(person::Entity::find_by_id(child_id)
        .filter(person::Entity::scope_condition(scope))
        .one(db)
        .await?
        .is_some())
}

/// What a subscriber with `scope` may be told about the lead practitioner event for
/// `involvement_id` on `child_id`: `None` when it may be told nothing (the child is outside its
/// scope, or it lacks the partner view). The UPN only with the `identity` class.
pub async fn lead_practitioner_facts<C: ConnectionTrait>(
    db: &C,
    scope: &RecordScope,
    child_id: Uuid,
    involvement_id: Uuid,
) -> StoreResult<Option<LeadPractitionerFacts>> {
    if !scope.sees(FieldClass::PartnerView) || !child_in_scope(db, scope, child_id).await? {
        return Ok(None);
    }
    let Some(allocation) = involvement::Entity::find_by_id(involvement_id)
        .one(db)
        .await?
    else {
        return Err(StoreError::Corrupt(format!(
            "outbox event names involvement {involvement_id}, which does not exist"
        )));
    };
    let Some(lead) = practitioner::Entity::find_by_id(allocation.practitioner_id)
        .one(db)
        .await?
    else {
        return Err(StoreError::Corrupt(format!(
            "involvement {involvement_id} names a practitioner that does not exist"
        )));
    };
    let team_name = match allocation.team_id {
        Some(team_id) => team::Entity::find_by_id(team_id)
            .one(db)
            .await?
            .map(|t| t.name),
        None => None,
    };
    let upn = if scope.sees(FieldClass::Identity) && !scope.hides("PersonIdentifier") {
        person_identifier::Entity::find()
            .filter(person_identifier::Column::PersonId.eq(child_id))
            .filter(person_identifier::Column::Kind.eq(IdentifierKind::Upn.code()))
            .order_by_asc(person_identifier::Column::Id)
            .one(db)
            .await?
            .map(|row| row.value)
    } else {
        None
    };
    Ok(Some(LeadPractitionerFacts {
        child_id,
        upn,
        practitioner_name: format!("{} {}", lead.given_name, lead.family_name),
        practitioner_role: lead.role,
        practitioner_email: lead.email,
        team_name,
    }))
}

/// The idempotency key (`webhook-id`) of subscription `subscription_id`'s delivery of outbox
/// event `event_id`: the same on every attempt, on every replica.
pub fn idempotency_key(subscription_id: Uuid, event_id: Uuid) -> String {
    format!("msg_{}_{}", event_id.simple(), subscription_id.simple())
}

/// The active subscriptions to `kind` that existed when an event at `occurred_at` happened
/// (a new subscription is not sent the history).
pub async fn subscribers<C: ConnectionTrait>(
    db: &C,
    kind: &EventKind,
    occurred_at: DateTime<Utc>,
) -> StoreResult<Vec<webhook_subscription::Model>> {
    Ok(active(db)
        .await?
        .into_iter()
        .filter(|s| s.created_at <= occurred_at && event_types(s).contains(&kind.name))
        .collect())
}

/// Puts outbox event `event_id` in subscription `subscription_id`'s delivery log as pending,
/// unless it is there already (one row per subscription and event).
pub async fn take_on<C: ConnectionTrait>(
    db: &C,
    subscription_id: Uuid,
    event_id: Uuid,
    kind: &EventKind,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    let row = webhook_delivery::ActiveModel {
        id: Set(Uuid::now_v7()),
        subscription_id: Set(subscription_id),
        outbox_event_id: Set(event_id),
        event_type: Set(kind.name.to_owned()),
        idempotency_key: Set(idempotency_key(subscription_id, event_id)),
        status: Set(webhook_delivery::STATUS_PENDING.to_owned()),
        attempts: Set(0),
        response_status: Set(None),
        last_error: Set(None),
        last_attempt_at: Set(None),
        delivered_at: Set(None),
        created_at: Set(now),
    };
    webhook_delivery::Entity::insert(row)
        .on_conflict(
            sea_orm::sea_query::OnConflict::columns([
                webhook_delivery::Column::SubscriptionId,
                webhook_delivery::Column::OutboxEventId,
            ])
            .do_nothing()
            .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
    Ok(())
}

/// The pending deliveries of outbox event `event_id`, in subscription order.
pub async fn pending_for_event<C: ConnectionTrait>(
    db: &C,
    event_id: Uuid,
) -> StoreResult<Vec<webhook_delivery::Model>> {
    Ok(webhook_delivery::Entity::find()
        .filter(webhook_delivery::Column::OutboxEventId.eq(event_id))
        .filter(webhook_delivery::Column::Status.eq(webhook_delivery::STATUS_PENDING))
        .order_by_asc(webhook_delivery::Column::SubscriptionId)
        .all(db)
        .await?)
}

/// How one attempt at a delivery ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Attempt {
    /// The receiver answered 2xx (`status`).
    Delivered {
        /// The HTTP status.
        status: u16,
    },
    /// A retryable failure: the delivery stays pending.
    Retry {
        /// The HTTP status, when there was an answer.
        status: Option<u16>,
        /// What went wrong (no personal data).
        error: String,
    },
    /// A permanent failure.
    Failed {
        /// The HTTP status, when there was an answer.
        status: Option<u16>,
        /// What went wrong (no personal data).
        error: String,
    },
    /// Not attempted: the subscription stopped or the child left the subscriber's scope.
    Withdrawn {
        /// Why (no personal data).
        reason: String,
    },
}

/// Records `attempt` on delivery `row` (only if it is still pending).
pub async fn record_attempt<C: ConnectionTrait>(
    db: &C,
    row: &webhook_delivery::Model,
    attempt: &Attempt,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    let mut update = row.clone().into_active_model();
    let status = |code: Option<u16>| code.map(i32::from);
    match attempt {
        Attempt::Delivered { status: code } => {
            update.status = Set(webhook_delivery::STATUS_DELIVERED.to_owned());
            update.attempts = Set(row.attempts + 1);
            update.response_status = Set(Some(i32::from(*code)));
            update.last_attempt_at = Set(Some(now));
            update.delivered_at = Set(Some(now));
        }
        Attempt::Retry {
            status: code,
            error,
        } => {
            update.attempts = Set(row.attempts + 1);
            update.response_status = Set(status(*code));
            update.last_error = Set(Some(cut(error)));
            update.last_attempt_at = Set(Some(now));
        }
        Attempt::Failed {
            status: code,
            error,
        } => {
            update.status = Set(webhook_delivery::STATUS_FAILED.to_owned());
            update.attempts = Set(row.attempts + 1);
            update.response_status = Set(status(*code));
            update.last_error = Set(Some(cut(error)));
            update.last_attempt_at = Set(Some(now));
        }
        Attempt::Withdrawn { reason } => {
            update.status = Set(webhook_delivery::STATUS_WITHDRAWN.to_owned());
            update.last_error = Set(Some(cut(reason)));
        }
    }
    webhook_delivery::Entity::update_many()
        .set(update)
        .filter(webhook_delivery::Column::Id.eq(row.id))
        .filter(webhook_delivery::Column::Status.eq(webhook_delivery::STATUS_PENDING))
        .filter(webhook_delivery::Column::Attempts.eq(row.attempts))
        .exec(db)
        .await?;
    Ok(())
}

/// `text` cut to 500 characters.
fn cut(text: &str) -> String {
    match text.char_indices().nth(500) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text.to_owned(),
    }
}
