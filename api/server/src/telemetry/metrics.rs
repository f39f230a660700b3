//! The meter provider (OTLP/HTTP periodic export and the Prometheus reader) and the server's
//! instruments.
//!
//! Labels are bounded and hold no personal data: routes are patterns, operation names come
//! from the parsed document and are capped ([`OperationNames`]), errors are labelled by their
//! `extensions.code` alone.

use std::collections::HashSet;
use std::sync::{Mutex, OnceLock};

use opentelemetry::KeyValue;
use opentelemetry::metrics::{Counter, Histogram, Meter};
use opentelemetry_otlp::{Protocol, WithExportConfig as _};
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::metrics::SdkMeterProvider;

use super::traces::SCOPE;
use super::{Settings, TelemetryError};

/// Bucket boundaries (seconds) of every duration histogram.
pub const DURATION_BOUNDARIES: [f64; 14] = [
    0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0,
];

/// Distinct operation names kept as labels; later names are counted as `other`.
pub const MAX_OPERATION_NAMES: usize = 200;

/// The meter provider: a periodic OTLP/HTTP reader when an endpoint is configured
/// (`OTEL_METRIC_EXPORT_INTERVAL`, default 60 s) and the Prometheus reader behind `/metrics`
/// when it is on.
pub fn provider(
    settings: &Settings,
    resource: Resource,
) -> Result<SdkMeterProvider, TelemetryError> {
    let mut builder = SdkMeterProvider::builder().with_resource(resource);
    if settings.export_metrics {
        let exporter = opentelemetry_otlp::MetricExporter::builder()
            .with_http()
            .with_protocol(Protocol::HttpBinary)
            .build()
            .map_err(|error| TelemetryError::Exporter {
                signal: "metrics",
                message: error.to_string(),
            })?;
        builder = builder.with_periodic_exporter(exporter);
    }
    if settings.prometheus {
        builder = builder.with_reader(super::prometheus::install());
    }
    Ok(builder.build())
}

/// familygraph's meter (a no-op until [`super::init`] installed a provider).
pub fn meter() -> Meter {
    opentelemetry::global::meter(SCOPE)
}

/// The server's instruments.
pub struct Instruments {
    /// `http.server.request.duration` (s): method, route, status code.
    pub http_duration: Histogram<f64>,
    /// `familygraph.graphql.operations`: operation name, type, outcome.
    pub operations: Counter<u64>,
    /// `familygraph.graphql.operation.duration` (s): operation name, type, outcome.
    pub operation_duration: Histogram<f64>,
    /// `familygraph.graphql.errors`: `extensions.code`.
    pub errors: Counter<u64>,
    /// `db.client.operation.duration` (s): database system, statement kind, outcome.
    pub sql_duration: Histogram<f64>,
    /// `familygraph.adapter.runs`: adapter, outcome.
    pub adapter_runs: Counter<u64>,
}

/// The instruments, created on first use (after [`super::init`]).
pub fn instruments() -> &'static Instruments {
    static INSTRUMENTS: OnceLock<Instruments> = OnceLock::new();
    INSTRUMENTS.get_or_init(|| {
        let meter = meter();
        let seconds = |name: &'static str, description: &'static str| {
            meter
                .f64_histogram(name)
                .with_unit("s")
                .with_description(description)
                .with_boundaries(DURATION_BOUNDARIES.to_vec())
                .build()
        };
        Instruments {
            http_duration: seconds(
                "http.server.request.duration",
                "HTTP requests by method, route and status code.",
            ),
            operations: meter
                .u64_counter("familygraph.graphql.operations")
                .with_description("GraphQL operations executed, by name, type and outcome.")
                .build(),
            operation_duration: seconds(
                "familygraph.graphql.operation.duration",
                "GraphQL operation latency, by name, type and outcome.",
            ),
            errors: meter
                .u64_counter("familygraph.graphql.errors")
                .with_description("GraphQL errors returned, by extensions.code.")
                .build(),
            sql_duration: seconds(
                "db.client.operation.duration",
                "SQL statements, by database system, statement kind and outcome.",
            ),
            adapter_runs: meter
                .u64_counter("familygraph.adapter.runs")
                .with_description("Adapter (case-system import) runs, by adapter and outcome.")
                .build(),
        }
    })
}

/// Counts the errors of a response by their `extensions.code` (`NONE` for an error without
/// one, which [`crate::http`] never sends).
pub fn record_errors(errors: &[async_graphql::ServerError]) {
    for error in errors {
        let code = error
            .extensions
            .as_ref()
            .and_then(|extensions| extensions.get("code"))
            .and_then(|code| match code {
                async_graphql::Value::String(code) => Some(code.as_str()),
                async_graphql::Value::Enum(code) => Some(code.as_str()),
                _ => None,
            })
            .unwrap_or("NONE");
        record_error_code(code);
    }
}

/// Counts one error with `code` (codes are the fixed set in `docs/error-codes.md`).
pub fn record_error_code(code: &str) {
    let code = if code.len() <= 64 && code.bytes().all(|b| b.is_ascii_uppercase() || b == b'_') {
        code.to_owned()
    } else {
        "OTHER".to_owned()
    };
    instruments()
        .errors
        .add(1, &[KeyValue::new("error.code", code)]);
}

/// Counts one adapter run: `adapter` is the adapter's fixed name (e.g. `liquidlogic`),
/// `outcome` `success` or `failure`.
pub fn record_adapter_run(adapter: &'static str, outcome: &'static str) {
    instruments().adapter_runs.add(
        1,
        &[
            KeyValue::new("familygraph.adapter", adapter),
            KeyValue::new("outcome", outcome),
        ],
    );
}

/// Observes subscriptions: `familygraph.subscriptions.connections` (WebSocket connections open
/// in this process) and `familygraph.subscriptions.listeners` (subscriptions listening to this
/// server's outbox feed). Both fall back to their baseline when clients go away, however they go.
pub fn observe_subscriptions(listeners: familygraph_graphql::FeedListeners) {
    let meter = meter();
    let _connections = meter
        .i64_observable_up_down_counter("familygraph.subscriptions.connections")
        .with_description("Subscription (WebSocket) connections open.")
        .with_callback(|observer| {
            observer.observe(crate::subscription_socket::open_connections(), &[]);
        })
        .build();
    let _listeners = meter
        .i64_observable_up_down_counter("familygraph.subscriptions.listeners")
        .with_description("Subscriptions listening to the outbox feed.")
        .with_callback(move |observer| {
            observer.observe(i64::try_from(listeners.count()).unwrap_or(i64::MAX), &[]);
        })
        .build();
}

/// Bucket boundaries (seconds) of the delivery latency histogram: from a second to a day, since
/// a delivery that waits on retries takes minutes or hours.
pub const DELIVERY_LATENCY_BOUNDARIES: [f64; 12] = [
    0.1, 0.5, 1.0, 5.0, 15.0, 60.0, 300.0, 900.0, 3600.0, 10_800.0, 43_200.0, 86_400.0,
];

/// The outbound delivery instruments.
pub struct DeliveryInstruments {
    /// `familygraph.delivery.attempts`: target kind, outcome.
    pub attempts: Counter<u64>,
    /// `familygraph.delivery.latency` (s): target kind.
    pub latency: Histogram<f64>,
    /// `familygraph.delivery.backlog`: target kind, state.
    pub backlog: opentelemetry::metrics::Gauge<u64>,
}

/// The delivery instruments, created on first use (after [`super::init`]).
pub fn delivery_instruments() -> &'static DeliveryInstruments {
    static INSTRUMENTS: OnceLock<DeliveryInstruments> = OnceLock::new();
    INSTRUMENTS.get_or_init(|| {
        let meter = meter();
        DeliveryInstruments {
            attempts: meter
                .u64_counter("familygraph.delivery.attempts")
                .with_description(
                    "Outbound delivery attempts, by target kind and outcome (succeeded, failed, dead_lettered).",
                )
                .build(),
            latency: meter
                .f64_histogram("familygraph.delivery.latency")
                .with_unit("s")
                .with_description("Time from an outbox event to its delivery, by target kind.")
                .with_boundaries(DELIVERY_LATENCY_BOUNDARIES.to_vec())
                .build(),
            backlog: meter
                .u64_gauge("familygraph.delivery.backlog")
                .with_description(
                    "Deliveries pending or dead-lettered, by target kind and state, as the delivering replica last counted them.",
                )
                .build(),
        }
    })
}

/// Counts one delivery attempt: `target_kind` `case_system` or `webhook`, `outcome`
/// `succeeded`, `failed` (to be retried) or `dead_lettered` (given up).
pub fn record_delivery_attempt(target_kind: &'static str, outcome: &'static str) {
    delivery_instruments().attempts.add(
        1,
        &[
            KeyValue::new("familygraph.delivery.target_kind", target_kind),
            KeyValue::new("outcome", outcome),
        ],
    );
}

/// Records one delivery's latency: from when its event occurred to when it was delivered.
pub fn record_delivery_latency(target_kind: &'static str, seconds: f64) {
    delivery_instruments().latency.record(
        seconds.max(0.0),
        &[KeyValue::new(
            "familygraph.delivery.target_kind",
            target_kind,
        )],
    );
}

/// Sets the backlog of `target_kind`: `pending` deliveries and `dead_letter`s.
pub fn record_delivery_backlog(target_kind: &'static str, pending: u64, dead_letters: u64) {
    let backlog = &delivery_instruments().backlog;
    for (state, value) in [("pending", pending), ("dead_letter", dead_letters)] {
        backlog.record(
            value,
            &[
                KeyValue::new("familygraph.delivery.target_kind", target_kind),
                KeyValue::new("familygraph.delivery.state", state),
            ],
        );
    }
}

/// Operation names seen so far, capped at [`MAX_OPERATION_NAMES`] so that clients inventing
/// names cannot grow the number of time series without bound.
pub struct OperationNames {
    seen: Mutex<HashSet<String>>,
    capacity: usize,
}

impl Default for OperationNames {
    fn default() -> Self {
        Self::with_capacity(MAX_OPERATION_NAMES)
    }
}

impl OperationNames {
    /// A registry keeping up to `capacity` names.
    pub fn with_capacity(capacity: usize) -> Self {
        Self {
            seen: Mutex::new(HashSet::new()),
            capacity,
        }
    }

    /// The label for an operation: its name as the document defines it, `anonymous` for an
    /// unnamed operation, `other` once the registry is full.
    pub fn label(&self, name: Option<&str>) -> String {
        let Some(name) = name else {
            return "anonymous".to_owned();
        };
        let mut seen = match self.seen.lock() {
            Ok(seen) => seen,
            Err(poisoned) => poisoned.into_inner(),
        };
        if seen.contains(name) {
            return name.to_owned();
        }
        if seen.len() < self.capacity {
            seen.insert(name.to_owned());
            return name.to_owned();
        }
        "other".to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operation_names_are_capped() {
        let names = OperationNames::with_capacity(2);
        assert_eq!(names.label(None), "anonymous");
        assert_eq!(names.label(Some("A")), "A");
        assert_eq!(names.label(Some("B")), "B");
        assert_eq!(names.label(Some("C")), "other");
        assert_eq!(names.label(Some("A")), "A");
    }
}
