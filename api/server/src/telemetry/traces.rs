//! The tracer provider (OTLP/HTTP batch export on its own thread), the service's resource, and
//! spans recorded after the fact (SQL statements, slow resolvers) below the current span.

use std::borrow::Cow;
use std::time::SystemTime;

use opentelemetry::trace::{
    Span as _, SpanKind, Status, TraceContextExt as _, Tracer as _, TracerProvider as _,
};
use opentelemetry::{InstrumentationScope, KeyValue};
use opentelemetry_otlp::{Protocol, WithExportConfig as _};
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::trace::{SdkTracer, SdkTracerProvider};
use tracing_opentelemetry::OpenTelemetrySpanExt as _;

use super::{DEFAULT_SERVICE_NAME, Settings, TelemetryError};

/// Instrumentation scope of every span and metric familygraph records itself.
pub const SCOPE: &str = "familygraph";

/// The resource describing this process: `OTEL_SERVICE_NAME` and `OTEL_RESOURCE_ATTRIBUTES`
/// (read by the SDK), `service.name` defaulting to `familygraph`, and `service.version`.
pub fn resource(settings: &Settings) -> Resource {
    let mut builder = Resource::builder()
        .with_attribute(KeyValue::new("service.version", env!("CARGO_PKG_VERSION")));
    if settings.default_service_name {
        builder = builder.with_service_name(DEFAULT_SERVICE_NAME);
    }
    builder.build()
}

/// The tracer provider. Spans are exported over OTLP/HTTP (protobuf) in batches when an
/// endpoint is configured; otherwise spans still get ids (for logs and propagation) and are
/// dropped. The sampler follows `OTEL_TRACES_SAMPLER` / `OTEL_TRACES_SAMPLER_ARG` (default:
/// parent-based, always on) and the batching `OTEL_BSP_*`, as the SDK reads them.
pub fn provider(
    settings: &Settings,
    resource: Resource,
) -> Result<SdkTracerProvider, TelemetryError> {
    let mut builder = SdkTracerProvider::builder().with_resource(resource);
    if settings.export_traces {
        let exporter = opentelemetry_otlp::SpanExporter::builder()
            .with_http()
            .with_protocol(Protocol::HttpBinary)
            .build()
            .map_err(|error| TelemetryError::Exporter {
                signal: "traces",
                message: error.to_string(),
            })?;
        builder = builder.with_batch_exporter(exporter);
    }
    Ok(builder.build())
}

/// familygraph's tracer from `provider`.
pub fn tracer(provider: &SdkTracerProvider) -> SdkTracer {
    provider.tracer_with_scope(
        InstrumentationScope::builder(SCOPE)
            .with_version(env!("CARGO_PKG_VERSION"))
            .build(),
    )
}

/// Renames the OpenTelemetry span behind `span` (a `tracing` span whose name is only known
/// once it has started, like an operation's after parsing). Does nothing without a provider.
pub fn rename(span: &tracing::Span, name: impl Into<Cow<'static, str>>) {
    span.context().span().update_name(name);
}

/// Whether the current span is sampled (so that a [`FinishedSpan`] below it would be kept):
/// lets callers skip building attributes for nothing.
pub fn sampled() -> bool {
    tracing::Span::current()
        .context()
        .span()
        .span_context()
        .is_sampled()
}

/// A span that has already finished, recorded below the current `tracing` span.
pub struct FinishedSpan {
    /// Span name.
    pub name: Cow<'static, str>,
    /// Span kind (`Client` for SQL, `Internal` for resolvers).
    pub kind: SpanKind,
    /// When it started.
    pub start: SystemTime,
    /// When it ended.
    pub end: SystemTime,
    /// Attributes (never values from the request).
    pub attributes: Vec<KeyValue>,
    /// Whether it failed.
    pub failed: bool,
}

impl FinishedSpan {
    /// Records the span as a child of the current span. Does nothing outside a sampled span
    /// (no orphan root spans) or when no tracer provider is installed.
    pub fn record(self) {
        let parent = tracing::Span::current().context();
        if !parent.span().span_context().is_sampled() {
            return;
        }
        let tracer = opentelemetry::global::tracer(SCOPE);
        let mut span = tracer
            .span_builder(self.name)
            .with_kind(self.kind)
            .with_start_time(self.start)
            .with_attributes(self.attributes)
            .start_with_context(&tracer, &parent);
        if self.failed {
            span.set_status(Status::error("failed"));
        }
        span.end_with_timestamp(self.end);
    }
}
