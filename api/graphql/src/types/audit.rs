//! The audit trail as the API shows it: "who looked at this child?".

use async_graphql::{Context, ID, Object};
use chrono::{DateTime, Utc};
use familygraph_store::entity::audit_event;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use crate::context::{RequestContext, request};
use crate::error::{ApiError, ApiResult};
use crate::global_id;
use crate::pagination::{Page, PageRequest, load_page, wants_total};

/// One entry of the audit trail: someone read or wrote a record, through an operation.
#[derive(Clone)]
pub struct AuditEvent(pub(crate) audit_event::Model);

#[Object]
impl AuditEvent {
    /// When it happened.
    async fn occurred_at(&self) -> DateTime<Utc> {
        self.0.occurred_at
    }
    /// The caller's identity-provider subject (`sub`).
    async fn subject(&self) -> &str {
        &self.0.subject
    }
    /// The OAuth client the caller used, if known.
    async fn client_id(&self) -> Option<&str> {
        self.0.client_id.as_deref()
    }
    /// The caller's roles at the time (e.g. `social_worker`).
    async fn roles(&self) -> Vec<&str> {
        self.0.roles.split_whitespace().collect()
    }
    /// The GraphQL operation's name, if the client gave one.
    async fn operation(&self) -> Option<&str> {
        self.0.operation.as_deref()
    }
    /// `READ` (the record was returned to the caller) or `WRITE` (created or changed).
    async fn action(&self) -> &str {
        &self.0.action
    }
    /// The record's type (`Person`, `Family`, ...).
    async fn record_type(&self) -> &str {
        &self.0.record_type
    }
    /// The outcome (`ALLOWED`).
    async fn outcome(&self) -> &str {
        &self.0.outcome
    }
    /// Why the record was touched, when known: `break_glass` for access under a break-glass
    /// grant (flagged for review); `null` for ordinary access within the caller's scope.
    async fn purpose(&self) -> Option<&str> {
        self.0.purpose.as_deref()
    }
    /// The correlation id of the request that touched the record (shared by all its rows).
    async fn correlation_id(&self) -> Option<&str> {
        self.0.correlation_id.as_deref()
    }
}

/// The root query of the audit trail.
#[derive(Default)]
pub struct AuditQuery;

#[Object]
impl AuditQuery {
    /// Who looked at (or changed) this record: the audit trail of any record, by its global id
    /// (a `Person`, `Family`, `Plan`, `Contact`, `InformationShare`...), oldest first. Only for
    /// auditors and administrators (`FORBIDDEN` for anyone else). An id of no record, or one
    /// nobody has touched, has an empty trail; a malformed id is `BAD_USER_INPUT`.
    async fn audit_trail(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The record's global id.")] record: ID,
        #[graphql(desc = "Page size (default 20, at most 100).")] first: Option<i32>,
        #[graphql(desc = "Cursor to start after.")] after: Option<String>,
    ) -> ApiResult<Page<AuditEvent>> {
        require_reader(request(ctx)?)?;
        let (record_type, record_id) = global_id::decode("record", &record)?;
        access_log(ctx, &record_type, record_id, first, after).await
    }
}

/// The access log of one record, oldest first, for callers whose policy grants the
/// `audit_trail` class; anyone else gets `FORBIDDEN`. Behind both `Person.accessLog` and
/// `auditTrail(record:)`.
pub(crate) async fn access_log(
    ctx: &Context<'_>,
    record_type: &str,
    record_id: Uuid,
    first: Option<i32>,
    after: Option<String>,
) -> ApiResult<Page<AuditEvent>> {
    let rc = request(ctx)?;
    require_reader(rc)?;
    let page = PageRequest::new(first, after.as_deref())?;
    let select = audit_event::Entity::find()
        .filter(audit_event::Column::RecordType.eq(record_type))
        .filter(audit_event::Column::RecordId.eq(record_id));
    load_page(
        &rc.db,
        select,
        audit_event::Column::Id,
        page,
        wants_total(ctx),
        AuditEvent,
    )
    .await
}

/// `FORBIDDEN` unless the access policy grants the caller the `audit_trail` class.
fn require_reader(rc: &RequestContext) -> ApiResult<()> {
    if rc.scope.sees(familygraph_domain::FieldClass::AuditTrail) {
        Ok(())
    } else {
        Err(ApiError::Forbidden {
            operation: "read the audit trail".to_owned(),
        })
    }
}
