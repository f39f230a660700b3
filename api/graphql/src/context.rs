//! What every resolver knows about the request: who is asking, under which scope, and what it
//! has read so far (for the audit trail).

use std::collections::HashSet;
use std::sync::Mutex;

use async_graphql::Context;
use familygraph_domain::{Policy, Principal, RecordScope};
use familygraph_store::AuditedRecord;
use sea_orm::DatabaseConnection;
use uuid::Uuid;

use crate::error::ApiError;
use crate::loaders::Loaders;

/// Per-request state, inserted into every GraphQL request by the server.
pub struct RequestContext {
    /// The authenticated caller.
    pub principal: Principal,
    /// The access policy in force.
    pub policy: std::sync::Arc<Policy>,
    /// The caller's row scope and field classes under the policy, applied in SQL by every query
    /// and loader and to every classified field.
    pub scope: RecordScope,
    /// The database.
    pub db: DatabaseConnection,
    /// Batched loaders bound to this request's scope.
    pub loaders: Loaders,
    /// Batched loaders over the same children without field classes, for derived summary
    /// fields (lead practitioner, partner view) whose own class the field guard has checked.
    pub derived: Loaders,
    /// The GraphQL operation's name, for the audit trail.
    pub operation: Option<String>,
    /// The request's correlation id (a UUIDv7 unless the server sets one), written into every
    /// audit row the request causes.
    pub correlation_id: String,
    reads: Mutex<Vec<AuditedRecord>>,
}

impl RequestContext {
    /// A context for `principal` under `policy`.
    pub fn new(
        db: DatabaseConnection,
        principal: Principal,
        policy: std::sync::Arc<Policy>,
    ) -> Self {
        let scope = policy.scope_for(&principal);
        let loaders = Loaders::new(db.clone(), scope.clone());
        Self {
            derived: loaders.sibling(scope.unclassified()),
            loaders,
            principal,
            policy,
            scope,
            db,
            operation: None,
            correlation_id: Uuid::now_v7().to_string(),
            reads: Mutex::new(Vec::new()),
        }
    }

    /// Names the operation being run (for the audit trail).
    pub fn with_operation(mut self, operation: Option<String>) -> Self {
        self.operation = operation;
        self
    }

    /// Says whether the request only reads (a query, not a mutation): its loaders may then
    /// rely on what its earlier scoped loads proved visible (see [`crate::loaders`]).
    pub fn read_only(self, read_only: bool) -> Self {
        self.loaders.trust_proofs(read_only);
        self
    }

    /// Sets the request's correlation id (for the audit trail).
    pub fn with_correlation_id(mut self, correlation_id: String) -> Self {
        self.correlation_id = correlation_id;
        self
    }

    /// The actor for a workflow command.
    pub fn actor(&self) -> familygraph_store::workflow::Actor {
        familygraph_store::workflow::Actor::new(
            self.principal.clone(),
            self.scope.clone(),
            self.operation.clone(),
        )
        .with_correlation_id(Some(self.correlation_id.clone()))
    }

    /// Fails with `FORBIDDEN` unless the caller may perform `operation`.
    pub fn require(
        &self,
        operation: familygraph_domain::workflow::Operation,
        described: &str,
    ) -> Result<(), ApiError> {
        if self.policy.may(&self.principal, operation) {
            Ok(())
        } else {
            Err(ApiError::Forbidden {
                operation: described.to_owned(),
            })
        }
    }

    /// Notes that a child's or family's record was returned to the caller.
    pub fn record_read(&self, record_type: &'static str, record_id: Uuid) {
        let mut reads = match self.reads.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        };
        reads.push(AuditedRecord {
            record_type,
            record_id,
        });
    }

    /// The distinct records read during the request, in first-read order.
    pub fn reads(&self) -> Vec<AuditedRecord> {
        let reads = match self.reads.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        };
        let mut seen = HashSet::new();
        reads
            .iter()
            .filter(|r| seen.insert((*r).clone()))
            .cloned()
            .collect()
    }
}

/// The request context of a resolver.
pub fn request<'a>(ctx: &Context<'a>) -> Result<&'a RequestContext, ApiError> {
    ctx.data::<std::sync::Arc<RequestContext>>()
        .map(|arc| arc.as_ref())
        .map_err(|_| ApiError::internal(&"request context missing"))
}
