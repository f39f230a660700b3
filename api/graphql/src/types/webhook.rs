//! Signed webhooks: a partner system's machine client subscribes to event types at a URL
//! (`createWebhookSubscription`, which shows the signing secret once), lists and deletes its
//! subscriptions and reads their delivery log. Callers who reach every child (administrators)
//! see and delete every client's subscriptions; a client never sees another's — to it they do
//! not exist (`NOT_FOUND`). All behind the `manage_webhooks` operation. `docs/webhooks.md` is
//! the partners' guide.

use async_graphql::{Context, Enum, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};
use familygraph_adapter_webhook::{Secret, url_problem};
use familygraph_domain::workflow::{Operation, UserError as DomainUserError, UserErrorCode};
use familygraph_store::entity::{outbox_delivery, webhook_delivery, webhook_subscription};
use familygraph_store::webhooks::{self, NewSubscription};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};

use crate::context::{RequestContext, request};
use crate::error::{ApiError, ApiResult};
use crate::global_id;
use crate::mutation::UserError;
use crate::pagination::{Page, PageRequest, load_page, wants_total};

/// Global id type name of a subscription.
pub const RECORD_TYPE: &str = "WebhookSubscription";
/// Global id type name of a delivery.
pub const DELIVERY_TYPE: &str = "WebhookDelivery";
/// The delivery worker's target for webhooks (`outbox_delivery.target`), whose ledger says
/// when a pending event is retried.
const WEBHOOKS_TARGET: &str = "webhooks";
/// Most event types one subscription may name.
const MAX_EVENT_TYPES: usize = 20;

const DESCRIBED: &str = "manage webhook subscriptions (machine clients and administrators only)";

/// The client whose subscriptions the caller sees: `None` for every client's (callers who
/// reach every child), `Some(None)` when the caller has no client and so owns none.
fn owner(rc: &RequestContext) -> Option<Option<&str>> {
    if rc.scope.is_everything() {
        None
    } else {
        Some(rc.principal.client_id.as_deref())
    }
}

/// The subscription `id` if the caller may see it.
async fn visible(
    rc: &RequestContext,
    field: &str,
    id: &ID,
) -> ApiResult<webhook_subscription::Model> {
    let id = global_id::decode_as(field, RECORD_TYPE, id)?;
    let found = match owner(rc) {
        None => webhooks::find(&rc.db, id, None).await?,
        Some(Some(client)) => webhooks::find(&rc.db, id, Some(client)).await?,
        Some(None) => None,
    };
    found.ok_or_else(|| ApiError::not_found("webhook subscription"))
}

/// A partner system's subscription to signed webhooks. Its secret is shown only once, by
/// `createWebhookSubscription`.
#[derive(Clone)]
pub struct WebhookSubscription(pub(crate) webhook_subscription::Model);

#[Object]
impl WebhookSubscription {
    /// Global id.
    async fn id(&self) -> ID {
        global_id::encode(RECORD_TYPE, self.0.id)
    }
    /// The OAuth client that subscribed and owns the subscription.
    async fn client_id(&self) -> &str {
        &self.0.client_id
    }
    /// Where events are POSTed.
    async fn url(&self) -> &str {
        &self.0.url
    }
    /// The event types subscribed to, e.g. `lead_practitioner.allocated`.
    async fn event_types(&self) -> Vec<String> {
        webhooks::event_types(&self.0)
            .into_iter()
            .map(str::to_owned)
            .collect()
    }
    /// Whether events are being delivered.
    async fn active(&self) -> bool {
        self.0.active
    }
    /// Why it stopped: `gone` (the receiver answered 410 Gone) or `deleted`.
    async fn inactive_reason(&self) -> Option<&str> {
        self.0.inactive_reason.as_deref()
    }
    /// Subject of who created it.
    async fn created_by(&self) -> &str {
        &self.0.created_by
    }
    /// When it was created; events that happened before are not delivered.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// The delivery log, oldest first: one entry per event the subscriber may be told of
    /// (events about children outside its scope have none).
    async fn deliveries(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size (default 20, at most 100).")] first: Option<i32>,
        #[graphql(desc = "Cursor to start after.")] after: Option<String>,
    ) -> ApiResult<Page<WebhookDelivery>> {
        deliveries_of(ctx, &self.0, first, after).await
    }
}

async fn deliveries_of(
    ctx: &Context<'_>,
    subscription: &webhook_subscription::Model,
    first: Option<i32>,
    after: Option<String>,
) -> ApiResult<Page<WebhookDelivery>> {
    let rc = request(ctx)?;
    rc.require(Operation::ManageWebhooks, DESCRIBED)?;
    let page = PageRequest::new(first, after.as_deref())?;
    let select = webhook_delivery::Entity::find()
        .filter(webhook_delivery::Column::SubscriptionId.eq(subscription.id))
        .order_by_asc(webhook_delivery::Column::Id);
    load_page(
        &rc.db,
        select,
        webhook_delivery::Column::Id,
        page,
        wants_total(ctx),
        WebhookDelivery,
    )
    .await
}

/// Where a webhook delivery is.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum WebhookDeliveryStatus {
    /// Not delivered yet: the next attempt is due at `nextAttemptAt`.
    Pending,
    /// The receiver answered 2xx.
    Delivered,
    /// Given up: a permanent error (4xx other than 408 and 429, 410 Gone, a redirect), or the
    /// attempt limit.
    Failed,
    /// Not sent: by the time of the attempt the subscription had stopped or the child had left
    /// the subscriber's scope.
    Withdrawn,
    /// Given up, then set aside by an administrator (`discardDelivery`): never attempted
    /// again.
    Discarded,
}

/// One event's delivery to a subscription: its idempotency key, attempts and outcome. No
/// payload is kept.
#[derive(Clone)]
pub struct WebhookDelivery(pub(crate) webhook_delivery::Model);

#[Object]
impl WebhookDelivery {
    /// Global id.
    async fn id(&self) -> ID {
        global_id::encode(DELIVERY_TYPE, self.0.id)
    }
    /// The event type, e.g. `lead_practitioner.allocated`.
    async fn event_type(&self) -> &str {
        &self.0.event_type
    }
    /// The id of the domain event delivered (the body's `data.eventId`).
    async fn event_id(&self) -> String {
        self.0.outbox_event_id.to_string()
    }
    /// The `webhook-id` and `Idempotency-Key` every attempt carries.
    async fn idempotency_key(&self) -> &str {
        &self.0.idempotency_key
    }
    /// Where the delivery is.
    async fn status(&self) -> ApiResult<WebhookDeliveryStatus> {
        Ok(match self.0.status.as_str() {
            webhook_delivery::STATUS_PENDING => WebhookDeliveryStatus::Pending,
            webhook_delivery::STATUS_DELIVERED => WebhookDeliveryStatus::Delivered,
            webhook_delivery::STATUS_FAILED => WebhookDeliveryStatus::Failed,
            webhook_delivery::STATUS_WITHDRAWN => WebhookDeliveryStatus::Withdrawn,
            super::dead_letter::STATUS_DISCARDED => WebhookDeliveryStatus::Discarded,
            other => {
                return Err(ApiError::internal(&format!(
                    "webhook_delivery.status {other:?} is not a known status"
                )));
            }
        })
    }
    /// Attempts made so far.
    async fn attempts(&self) -> i32 {
        self.0.attempts
    }
    /// The HTTP status of the receiver's last answer, if it answered.
    async fn response_status(&self) -> Option<i32> {
        self.0.response_status
    }
    /// The last failed attempt's error, or why the delivery was withdrawn.
    async fn last_error(&self) -> Option<&str> {
        self.0.last_error.as_deref()
    }
    /// When the last attempt was made.
    async fn last_attempt_at(&self) -> Option<DateTime<Utc>> {
        self.0.last_attempt_at
    }
    /// When the next attempt is due (pending deliveries): the delivery worker retries the
    /// event with exponential back-off.
    async fn next_attempt_at(&self, ctx: &Context<'_>) -> ApiResult<Option<DateTime<Utc>>> {
        if self.0.status != webhook_delivery::STATUS_PENDING {
            return Ok(None);
        }
        let rc = request(ctx)?;
        Ok(outbox_delivery::Entity::find()
            .filter(outbox_delivery::Column::Target.eq(WEBHOOKS_TARGET))
            .filter(outbox_delivery::Column::OutboxEventId.eq(self.0.outbox_event_id))
            .filter(outbox_delivery::Column::Status.eq(outbox_delivery::STATUS_PENDING))
            .one(&rc.db)
            .await?
            .map(|row| row.next_attempt_at))
    }
    /// When the receiver accepted it.
    async fn delivered_at(&self) -> Option<DateTime<Utc>> {
        self.0.delivered_at
    }
    /// When the event was found to be for the subscriber.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

/// Webhook queries.
#[derive(Default)]
pub struct WebhookQuery;

#[Object]
impl WebhookQuery {
    /// The caller's client's webhook subscriptions (every client's for administrators), oldest
    /// first; deleted ones are not listed. For machine clients with `manage_webhooks`
    /// (`FORBIDDEN` for others).
    async fn webhook_subscriptions(
        &self,
        ctx: &Context<'_>,
    ) -> ApiResult<Vec<WebhookSubscription>> {
        let rc = request(ctx)?;
        rc.require(Operation::ManageWebhooks, DESCRIBED)?;
        let rows = match owner(rc) {
            None => webhooks::list(&rc.db, None).await?,
            Some(Some(client)) => webhooks::list(&rc.db, Some(client)).await?,
            Some(None) => Vec::new(),
        };
        Ok(rows.into_iter().map(WebhookSubscription).collect())
    }

    /// The delivery log of one of the caller's subscriptions (`NOT_FOUND` for another
    /// client's), oldest first.
    async fn webhook_deliveries(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The subscription.")] subscription_id: ID,
        #[graphql(desc = "Page size (default 20, at most 100).")] first: Option<i32>,
        #[graphql(desc = "Cursor to start after.")] after: Option<String>,
    ) -> ApiResult<Page<WebhookDelivery>> {
        let rc = request(ctx)?;
        rc.require(Operation::ManageWebhooks, DESCRIBED)?;
        let subscription = visible(rc, "subscriptionId", &subscription_id).await?;
        deliveries_of(ctx, &subscription, first, after).await
    }
}

/// A new webhook subscription.
#[derive(InputObject)]
pub struct CreateWebhookSubscriptionInput {
    /// Where to POST events: `https://…` (plain `http://` only to a loopback address, for
    /// development). No user name or password in the URL.
    pub url: String,
    /// The event types to receive, e.g. `["lead_practitioner.allocated"]` (`docs/webhooks.md`
    /// lists them).
    pub event_types: Vec<String>,
}

/// The result of `createWebhookSubscription`.
#[derive(SimpleObject)]
pub struct CreateWebhookSubscriptionPayload {
    /// The subscription, when it was created.
    pub subscription: Option<WebhookSubscription>,
    /// The signing secret (`whsec_…`), shown this once: keep it to verify deliveries.
    pub secret: Option<String>,
    /// Business rules broken (nothing was written).
    pub user_errors: Vec<UserError>,
}

/// The result of `deleteWebhookSubscription`.
#[derive(SimpleObject)]
pub struct DeleteWebhookSubscriptionPayload {
    /// The subscription as it is now (inactive, reason `deleted`).
    pub subscription: WebhookSubscription,
}

fn user_error(field: &str, code: UserErrorCode, message: impl Into<String>) -> UserError {
    UserError::from(DomainUserError {
        field: vec!["input".to_owned(), field.to_owned()],
        code,
        message: message.into(),
    })
}

/// Webhook mutations.
#[derive(Default)]
pub struct WebhookMutation;

#[Object]
impl WebhookMutation {
    /// Subscribes the caller's machine client (the OAuth client its token names) to event
    /// types at a URL. Each event is delivered only when the caller could see it: the child in
    /// its row scope and the event's class among its classes, under the access policy in force
    /// at delivery; the payload carries only fields its classes allow. Returns the signing
    /// secret, once. For machine clients with `manage_webhooks` (`FORBIDDEN` for others).
    async fn create_webhook_subscription(
        &self,
        ctx: &Context<'_>,
        input: CreateWebhookSubscriptionInput,
    ) -> ApiResult<CreateWebhookSubscriptionPayload> {
        let rc = request(ctx)?;
        rc.require(Operation::ManageWebhooks, DESCRIBED)?;
        let mut errors = Vec::new();
        if let Some(problem) = url_problem(input.url.trim()) {
            errors.push(user_error(
                "url",
                UserErrorCode::InvalidValue,
                format!("the URL {problem}"),
            ));
        }
        let mut event_types: Vec<String> = Vec::new();
        if input.event_types.is_empty() {
            errors.push(user_error(
                "eventTypes",
                UserErrorCode::Required,
                "name at least one event type",
            ));
        }
        if input.event_types.len() > MAX_EVENT_TYPES {
            errors.push(user_error(
                "eventTypes",
                UserErrorCode::InvalidValue,
                format!("name at most {MAX_EVENT_TYPES} event types"),
            ));
        }
        for name in &input.event_types {
            match webhooks::event_kind(name.trim()) {
                None => {
                    let known: Vec<&str> = webhooks::EVENT_KINDS.iter().map(|k| k.name).collect();
                    errors.push(user_error(
                        "eventTypes",
                        UserErrorCode::InvalidValue,
                        format!("{name:?} is not an event type ({})", known.join(", ")),
                    ));
                }
                Some(kind) if !rc.scope.sees(kind.class) => errors.push(user_error(
                    "eventTypes",
                    UserErrorCode::InvalidValue,
                    format!(
                        "{} needs the {} class, which your access policy does not give you",
                        kind.name,
                        kind.class.as_str()
                    ),
                )),
                Some(kind) => {
                    if !event_types.iter().any(|t| t == kind.name) {
                        event_types.push(kind.name.to_owned());
                    }
                }
            }
        }
        let client = rc.principal.client_id.clone().filter(|c| !c.is_empty());
        if client.is_none() {
            errors.push(UserError::from(DomainUserError {
                field: vec!["input".to_owned()],
                code: UserErrorCode::InvalidValue,
                message: "only a machine client (a token naming its OAuth client) can subscribe"
                    .to_owned(),
            }));
        }
        let Some(client) = client.filter(|_| errors.is_empty()) else {
            return Ok(CreateWebhookSubscriptionPayload {
                subscription: None,
                secret: None,
                user_errors: errors,
            });
        };
        let secret = Secret::generate().to_text();
        let created = webhooks::create(
            &rc.db,
            &rc.principal,
            &client,
            NewSubscription {
                url: input.url.trim().to_owned(),
                event_types,
                secret: secret.clone(),
            },
            Utc::now(),
        )
        .await?;
        Ok(CreateWebhookSubscriptionPayload {
            subscription: Some(WebhookSubscription(created)),
            secret: Some(secret),
            user_errors: Vec::new(),
        })
    }

    /// Deletes one of the caller's subscriptions (administrators: anyone's; `NOT_FOUND` for
    /// another client's): no further deliveries, its secret erased; the delivery log stays.
    async fn delete_webhook_subscription(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The subscription.")] id: ID,
    ) -> ApiResult<DeleteWebhookSubscriptionPayload> {
        let rc = request(ctx)?;
        rc.require(Operation::ManageWebhooks, DESCRIBED)?;
        let found = visible(rc, "id", &id).await?;
        let deleted = webhooks::delete(&rc.db, found.id, None, &rc.principal.subject, Utc::now())
            .await?
            .ok_or_else(|| ApiError::not_found("webhook subscription"))?;
        Ok(DeleteWebhookSubscriptionPayload {
            subscription: WebhookSubscription(deleted),
        })
    }
}
