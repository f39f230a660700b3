//! A span per GraphQL operation (`graphql.operation`: name, type, complexity, depth), a span
//! per resolver slower than the threshold, and the operation counter and latency histogram.
//!
//! Variables are never read: the hooks that receive them pass them on untouched. Operation
//! names come from the parsed document, never from the request's `operationName` alone.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextExecute, NextParseQuery, NextPrepareRequest,
    NextRequest, NextValidation,
};
use async_graphql::parser::types::{DocumentOperations, ExecutableDocument, OperationType};
use async_graphql::{
    Request, Response, ServerError, ServerResult, ValidationResult, Value, Variables,
};
use opentelemetry::KeyValue;
use opentelemetry::trace::SpanKind;
use tracing::Instrument as _;
use tracing::field::Empty;

use familygraph_graphql::field_errors::FieldTimer;

use super::metrics::{OperationNames, instruments};
use super::traces::FinishedSpan;

/// The schema extension (register it last, after the schema's own). Resolver spans come from
/// [`GraphqlTelemetry::slow_resolvers`], which the schema's null-on-error extension calls for
/// each field (`familygraph_graphql::schema_builder_timed`).
pub struct GraphqlTelemetry {
    resolver_threshold: Duration,
    names: Arc<OperationNames>,
}

/// Records a span for each resolver slower than the threshold, in the sampled trace it ran in.
struct SlowResolvers {
    threshold: Duration,
}

impl FieldTimer for SlowResolvers {
    fn resolved(&self, parent_type: &str, field: &str, elapsed: Duration, failed: bool) {
        // The wall-clock times are read only for the few fields slow enough to record (every
        // field of every response passes here).
        if elapsed < self.threshold || !super::traces::sampled() {
            return;
        }
        let end = SystemTime::now();
        FinishedSpan {
            name: format!("resolve {parent_type}.{field}").into(),
            kind: SpanKind::Internal,
            start: end.checked_sub(elapsed).unwrap_or(end),
            end,
            attributes: vec![
                KeyValue::new("graphql.field.parent_type", parent_type.to_owned()),
                KeyValue::new("graphql.field.name", field.to_owned()),
            ],
            failed,
        }
        .record();
    }
}

impl GraphqlTelemetry {
    /// Resolvers taking at least `resolver_threshold` get a span.
    pub fn new(resolver_threshold: Duration) -> Self {
        Self {
            resolver_threshold,
            names: Arc::new(OperationNames::default()),
        }
    }

    /// What times each field, for `familygraph_graphql::schema_builder_timed`.
    pub fn slow_resolvers(&self) -> Arc<dyn FieldTimer> {
        Arc::new(SlowResolvers {
            threshold: self.resolver_threshold,
        })
    }
}

impl GraphqlTelemetry {
    /// With the threshold from the environment (`FAMILYGRAPH_TRACE_RESOLVER_THRESHOLD_MS`).
    pub fn from_env() -> anyhow::Result<Self> {
        let settings = super::Settings::from_env().map_err(anyhow::Error::msg)?;
        Ok(Self::new(settings.resolver_span_threshold))
    }
}

impl ExtensionFactory for GraphqlTelemetry {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(OperationTelemetry {
            names: self.names.clone(),
            state: Mutex::new(OperationState::default()),
        })
    }
}

#[derive(Default)]
struct OperationState {
    requested: Option<String>,
    name: Option<String>,
    kind: Option<&'static str>,
    parsed: bool,
    span: Option<tracing::Span>,
}

struct OperationTelemetry {
    names: Arc<OperationNames>,
    state: Mutex<OperationState>,
}

impl OperationTelemetry {
    fn state(&self) -> std::sync::MutexGuard<'_, OperationState> {
        match self.state.lock() {
            Ok(state) => state,
            Err(poisoned) => poisoned.into_inner(),
        }
    }

    fn span(&self) -> Option<tracing::Span> {
        self.state().span.clone()
    }
}

fn kind_name(kind: OperationType) -> &'static str {
    match kind {
        OperationType::Query => "query",
        OperationType::Mutation => "mutation",
        OperationType::Subscription => "subscription",
    }
}

/// The operation that runs (the one the request names, or the document's only one): its name
/// as the document spells it (`None` for an anonymous operation) and its type.
fn selected(
    document: &ExecutableDocument,
    requested: Option<&str>,
) -> Option<(Option<String>, &'static str)> {
    match &document.operations {
        DocumentOperations::Single(operation) => Some((None, kind_name(operation.node.ty))),
        DocumentOperations::Multiple(operations) => {
            let (name, operation) = match requested {
                Some(requested) => operations.get_key_value(requested)?,
                None if operations.len() == 1 => operations.iter().next()?,
                None => return None,
            };
            Some((Some(name.to_string()), kind_name(operation.node.ty)))
        }
    }
}

fn outcome(response: &Response) -> &'static str {
    if response.errors.is_empty() {
        "ok"
    } else if matches!(response.data, Value::Null) {
        "error"
    } else {
        "partial"
    }
}

#[async_trait::async_trait]
impl Extension for OperationTelemetry {
    async fn request(&self, ctx: &ExtensionContext<'_>, next: NextRequest<'_>) -> Response {
        let span = tracing::info_span!(
            "graphql.operation",
            otel.name = "graphql",
            otel.status_code = Empty,
            graphql.operation.name = Empty,
            graphql.operation.type = Empty,
            graphql.document.complexity = Empty,
            graphql.document.depth = Empty,
            graphql.outcome = Empty,
        );
        self.state().span = Some(span.clone());
        let started = Instant::now();
        let response = next.run(ctx).instrument(span.clone()).await;
        let elapsed = started.elapsed();
        let (name, kind, parsed) = {
            let state = self.state();
            (state.name.clone(), state.kind, state.parsed)
        };
        let label = if parsed {
            self.names.label(name.as_deref())
        } else {
            "unknown".to_owned()
        };
        let outcome = outcome(&response);
        span.record("graphql.outcome", outcome);
        if outcome == "error" {
            span.record("otel.status_code", "ERROR");
        }
        let attributes = [
            KeyValue::new("graphql.operation.name", label),
            KeyValue::new("graphql.operation.type", kind.unwrap_or("unknown")),
            KeyValue::new("outcome", outcome),
        ];
        let instruments = instruments();
        instruments.operations.add(1, &attributes);
        instruments
            .operation_duration
            .record(elapsed.as_secs_f64(), &attributes);
        response
    }

    async fn prepare_request(
        &self,
        ctx: &ExtensionContext<'_>,
        request: Request,
        next: NextPrepareRequest<'_>,
    ) -> ServerResult<Request> {
        self.state().requested = request.operation_name.clone();
        next.run(ctx, request).await
    }

    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        let document = next.run(ctx, query, variables).await?;
        let requested = self.state().requested.clone();
        if let Some((name, kind)) = selected(&document, requested.as_deref()) {
            let span = {
                let mut state = self.state();
                state.name = name.clone();
                state.kind = Some(kind);
                state.parsed = true;
                state.span.clone()
            };
            if let Some(span) = span {
                span.record("graphql.operation.type", kind);
                match &name {
                    Some(name) => {
                        span.record("graphql.operation.name", name.as_str());
                        super::traces::rename(&span, format!("{kind} {name}"));
                    }
                    None => super::traces::rename(&span, kind),
                }
            }
        }
        Ok(document)
    }

    async fn validation(
        &self,
        ctx: &ExtensionContext<'_>,
        next: NextValidation<'_>,
    ) -> Result<ValidationResult, Vec<ServerError>> {
        let result = next.run(ctx).await;
        if let (Ok(validation), Some(span)) = (&result, self.span()) {
            span.record("graphql.document.complexity", validation.complexity as u64);
            span.record("graphql.document.depth", validation.depth as u64);
        }
        result
    }

    async fn execute(
        &self,
        ctx: &ExtensionContext<'_>,
        operation_name: Option<&str>,
        next: NextExecute<'_>,
    ) -> Response {
        next.run(ctx, operation_name).await
    }
}
