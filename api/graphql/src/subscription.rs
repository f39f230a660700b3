//! Subscriptions, served over WebSocket (`graphql-transport-ws`): the front-door queue and the
//! changes to a child's plans.
//!
//! Events come from the [`EventFeed`](crate::events::EventFeed), which tails the shared outbox,
//! so a change made through any replica reaches every subscriber. Each event is authorised on
//! its own, with the same rules as a query: the record is loaded through a fresh
//! [`RequestContext`] for the subscriber's principal, whose loaders apply the subscriber's scope
//! in SQL; an event about a record the subscriber may not see is skipped, exactly as if it had
//! not happened. The fields selected under each delivered record are resolved through that same
//! per-event context, and the child and family records they read are written to the audit trail
//! before the event is sent ([`PerEventContext`]).

use std::sync::{Arc, Mutex};

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextExecute, NextPrepareRequest,
};
use async_graphql::futures_util::stream::{self, BoxStream, Stream};
use async_graphql::{Context, Data, ID, Request, Response, ServerError, ServerResult};
use familygraph_domain::Principal;
use familygraph_domain::workflow::Operation;
use familygraph_store::audit;
use familygraph_store::entity::{contact, plan};
use sea_orm::DatabaseConnection;
use tokio::sync::broadcast::{self, error::RecvError};

use crate::context::RequestContext;
use crate::error::{ApiError, ApiResult};
use crate::events::{DomainEvent, EventFeed};
use crate::global_id;
use crate::types::casework::Contact;
use crate::types::plan::Plan;

/// Front-door events that put a contact in the queue or change its place in it.
pub const FRONT_DOOR_EVENTS: [&str; 3] = ["ContactRecorded", "ContactTriaged", "ContactRetriaged"];

/// What every subscription needs from the server: the database and the process's event feed.
/// The server adds it to each WebSocket connection's data.
#[derive(Clone)]
pub struct SubscriptionSources {
    /// The database.
    pub db: DatabaseConnection,
    /// The process's event feed.
    pub events: EventFeed,
    /// The access policy in force.
    pub policy: Arc<familygraph_domain::Policy>,
}

/// The authenticated caller of a WebSocket connection, established by `connection_init`.
#[derive(Clone, Debug)]
pub struct Subscriber {
    /// Who subscribed.
    pub principal: Principal,
}

/// The subscription root.
#[derive(Default)]
pub struct Subscription;

/// Every subscription, over WebSocket (`graphql-transport-ws`) at `/graphql`: authenticate with
/// `{"Authorization": "Bearer <token>"}` as the `connection_init` payload. Each event is
/// authorised and audited like a query.
#[async_graphql::Subscription]
impl Subscription {
    /// The Integrated Front Door's queue: every contact recorded, triaged or re-triaged from now
    /// on (events `ContactRecorded`, `ContactTriaged`, `ContactRetriaged`), as it stands after
    /// the change. Only for callers who may triage contacts (`FORBIDDEN` otherwise); contacts
    /// outside the caller's scope are never delivered.
    async fn front_door_queue(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<BoxStream<'static, async_graphql::Result<Contact>>> {
        let feed = Feed::new(ctx)?;
        if !feed.policy.may(&feed.principal, Operation::TriageContact) {
            return Err(ApiError::Forbidden {
                operation: "watch the front-door queue".to_owned(),
            }
            .into());
        }
        Ok(Box::pin(feed.stream(|event, rc| async move {
            if event.aggregate_type != "Contact"
                || !FRONT_DOOR_EVENTS.contains(&event.event_type.as_str())
            {
                return Ok(None);
            }
            let id = event
                .payload_uuid("contactId")
                .unwrap_or(event.aggregate_id);
            let model = rc.loaders.by_id::<contact::Entity>().load_one(id).await?;
            Ok(model.map(Contact))
        })))
    }

    /// Changes to the plans of one child (`childId`: a `Person` id): every plan started,
    /// reviewed, changed or ended from now on, as it stands after the change. Each change is
    /// delivered only if the caller may see the plan at that moment; for a child outside the
    /// caller's scope nothing is delivered (and nothing reveals whether the child exists).
    async fn child_plan_changes(
        &self,
        ctx: &Context<'_>,
        child_id: ID,
    ) -> async_graphql::Result<BoxStream<'static, async_graphql::Result<Plan>>> {
        let child = global_id::decode_as("childId", "Person", &child_id)?;
        let feed = Feed::new(ctx)?;
        Ok(Box::pin(feed.stream(move |event, rc| async move {
            if event.aggregate_type != "Plan" {
                return Ok(None);
            }
            // Most plan events name the child; skip others' plans without touching the database.
            if event.payload_uuid("childId").is_some_and(|id| id != child) {
                return Ok(None);
            }
            let id = event.payload_uuid("planId").unwrap_or(event.aggregate_id);
            let model = rc.loaders.by_id::<plan::Entity>().load_one(id).await?;
            Ok(model.filter(|plan| plan.person_id == child).map(Plan))
        })))
    }
}

/// The per-event context waiting for the next event's execution (see [`PerEventContext`]).
#[derive(Default)]
struct EventSlot(Mutex<Option<Arc<RequestContext>>>);

impl EventSlot {
    fn put(&self, rc: Arc<RequestContext>) {
        *self
            .0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = Some(rc);
    }

    fn take(&self) -> Option<Arc<RequestContext>> {
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .take()
    }
}

/// One subscription's source of events, bound to its subscriber.
struct Feed {
    principal: Principal,
    policy: Arc<familygraph_domain::Policy>,
    db: DatabaseConnection,
    operation: Option<String>,
    receiver: broadcast::Receiver<Arc<DomainEvent>>,
    slot: Arc<EventSlot>,
}

impl Feed {
    fn new(ctx: &Context<'_>) -> ApiResult<Self> {
        let missing = |what: &str| ApiError::internal(&format!("subscription {what} missing"));
        let subscriber = ctx
            .data_opt::<Subscriber>()
            .ok_or_else(|| missing("subscriber"))?;
        let sources = ctx
            .data_opt::<SubscriptionSources>()
            .ok_or_else(|| missing("sources"))?;
        let slot = ctx
            .data_opt::<Arc<EventSlot>>()
            .ok_or_else(|| missing("event slot"))?;
        Ok(Self {
            policy: sources.policy.clone(),
            principal: subscriber.principal.clone(),
            db: sources.db.clone(),
            operation: ctx.query_env.operation_name.clone(),
            receiver: sources.events.subscribe(),
            slot: slot.clone(),
        })
    }

    /// The records `select` yields for the events that follow, each loaded through a fresh
    /// per-event context (handed to [`PerEventContext`] to resolve and audit the event with).
    fn stream<T, F, Fut>(
        self,
        select: F,
    ) -> impl Stream<Item = async_graphql::Result<T>> + use<T, F, Fut>
    where
        T: Send + 'static,
        F: Fn(Arc<DomainEvent>, Arc<RequestContext>) -> Fut + Send + Sync + 'static,
        Fut: std::future::Future<Output = ApiResult<Option<T>>> + Send,
    {
        stream::unfold((self, select), |(mut feed, select)| async move {
            loop {
                let event = match feed.receiver.recv().await {
                    Ok(event) => event,
                    Err(RecvError::Lagged(missed)) => {
                        tracing::warn!(missed, "a subscriber fell behind; events were skipped");
                        continue;
                    }
                    Err(RecvError::Closed) => return None,
                };
                let rc = Arc::new(
                    RequestContext::new(
                        feed.db.clone(),
                        feed.principal.clone(),
                        feed.policy.clone(),
                    )
                    .with_operation(feed.operation.clone()),
                );
                let item = match select(event, rc.clone()).await {
                    Ok(None) => continue,
                    Ok(Some(record)) => Ok(record),
                    Err(error) => Err(async_graphql::Error::from(error)),
                };
                feed.slot.put(rc);
                return Some((item, (feed, select)));
            }
        })
    }
}

/// Runs every execution of a subscription event — and any query or mutation sent over a
/// WebSocket — with its own [`RequestContext`], and writes the child and family records it read
/// to the audit trail before the result leaves; if they cannot be written, the result is
/// withheld. Requests over HTTP bring their own context and pass through untouched.
pub struct PerEventContext;

impl ExtensionFactory for PerEventContext {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(PerEventContextExtension {
            slot: Arc::new(EventSlot::default()),
        })
    }
}

struct PerEventContextExtension {
    slot: Arc<EventSlot>,
}

#[async_graphql::async_trait::async_trait]
impl Extension for PerEventContextExtension {
    async fn prepare_request(
        &self,
        ctx: &ExtensionContext<'_>,
        request: Request,
        next: NextPrepareRequest<'_>,
    ) -> ServerResult<Request> {
        next.run(ctx, request.data(self.slot.clone())).await
    }

    async fn execute(
        &self,
        ctx: &ExtensionContext<'_>,
        operation_name: Option<&str>,
        next: NextExecute<'_>,
    ) -> Response {
        let rc = match self.slot.take() {
            Some(rc) => rc,
            None => {
                if ctx.data_opt::<Arc<RequestContext>>().is_some() {
                    return next.run(ctx, operation_name).await;
                }
                let (Some(subscriber), Some(sources)) = (
                    ctx.data_opt::<Subscriber>(),
                    ctx.data_opt::<SubscriptionSources>(),
                ) else {
                    return next.run(ctx, operation_name).await;
                };
                Arc::new(
                    RequestContext::new(
                        sources.db.clone(),
                        subscriber.principal.clone(),
                        sources.policy.clone(),
                    )
                    .with_operation(operation_name.map(str::to_owned)),
                )
            }
        };
        let mut data = Data::default();
        data.insert(rc.clone());
        let response = next.run_with_data(ctx, operation_name, data).await;
        let reads = rc.reads();
        // Through the server's group-commit appender when it has one (it joins the next batch);
        // reads reached through a break-glass grant are marked, as over HTTP.
        let appended = familygraph_store::break_glass::audit_reads(
            &rc.db,
            ctx.data_opt::<audit::AuditAppender>(),
            &rc.principal,
            &rc.scope,
            rc.operation.as_deref(),
            &reads,
            Some(rc.correlation_id.clone()),
        )
        .await;
        match appended {
            Ok(()) => response,
            Err(error) => {
                let masked = ApiError::internal(&format!("audit write failed: {error}"));
                let mut server_error = ServerError::new(masked.message(), None);
                let mut extensions = async_graphql::ErrorExtensionValues::default();
                extensions.set("code", masked.code().as_str());
                server_error.extensions = Some(extensions);
                Response::from_errors(vec![server_error])
            }
        }
    }
}
