//! Telemetry: OpenTelemetry traces and metrics over OTLP/HTTP, Prometheus text at `/metrics`,
//! and structured logs that carry the trace and span ids.
//!
//! What is recorded is deliberately narrow: operation names, types and costs, routes, status
//! codes, error codes and SQL with its parameters left out. Never a variable's value, an
//! argument, a query string, a token, a subject or a record's content (see
//! `docs/operations-telemetry.md`).
//!
//! [`Settings::from_env`] reads the standard `OTEL_*` variables and familygraph's own;
//! [`init`] installs the process-wide providers and the log subscriber once, at start-up.

pub mod database;
pub mod graphql;
pub mod logs;
pub mod metrics;
pub mod middleware;
pub mod prometheus;
pub mod propagation;
pub mod traces;

use std::time::Duration;

pub use logs::LogFormat;

/// Environment variable: `on` (default) serves Prometheus text at `/metrics`; `off` does not.
pub const ENV_METRICS: &str = "FAMILYGRAPH_METRICS";
/// Environment variable: `text` (default) or `json` log lines on standard error.
pub const ENV_LOG_FORMAT: &str = "FAMILYGRAPH_LOG_FORMAT";
/// Environment variable: a resolver taking at least this many milliseconds gets its own span
/// (`0`: every resolver).
pub const ENV_RESOLVER_SPAN_THRESHOLD_MS: &str = "FAMILYGRAPH_TRACE_RESOLVER_THRESHOLD_MS";
/// Default resolver-span threshold.
pub const DEFAULT_RESOLVER_SPAN_THRESHOLD: Duration = Duration::from_millis(10);
/// The service name when neither `OTEL_SERVICE_NAME` nor `OTEL_RESOURCE_ATTRIBUTES` names one.
pub const DEFAULT_SERVICE_NAME: &str = "familygraph";

/// What telemetry the process exports, read from the environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// `OTEL_SDK_DISABLED=true`: no traces, no metrics, no `/metrics` (logs still work).
    pub sdk_disabled: bool,
    /// Export traces over OTLP (`OTEL_EXPORTER_OTLP_ENDPOINT` or
    /// `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` set, and `OTEL_TRACES_EXPORTER` not `none`).
    pub export_traces: bool,
    /// Export metrics over OTLP (`OTEL_EXPORTER_OTLP_ENDPOINT` or
    /// `OTEL_EXPORTER_OTLP_METRICS_ENDPOINT` set, and `OTEL_METRICS_EXPORTER` not `none`).
    pub export_metrics: bool,
    /// Serve Prometheus text at `/metrics` ([`ENV_METRICS`]).
    pub prometheus: bool,
    /// Log line format ([`ENV_LOG_FORMAT`]).
    pub log_format: LogFormat,
    /// Resolvers at least this slow get a span ([`ENV_RESOLVER_SPAN_THRESHOLD_MS`]).
    pub resolver_span_threshold: Duration,
    /// Set when neither `OTEL_SERVICE_NAME` nor `service.name` in `OTEL_RESOURCE_ATTRIBUTES`
    /// names the service: [`DEFAULT_SERVICE_NAME`] is used.
    pub default_service_name: bool,
    /// Problems with the settings that do not stop the server (logged once logging is up).
    pub warnings: Vec<String>,
}

impl Settings {
    /// From the process environment and the configuration file ([`crate::settings::lookup`]).
    pub fn from_env() -> Result<Self, String> {
        Self::from_lookup(crate::settings::lookup)
    }

    /// From `lookup` (an environment).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, String> {
        let set = |key: &str| lookup(key).is_some_and(|v| !v.trim().is_empty());
        let is = |key: &str, value: &str| {
            lookup(key).is_some_and(|v| v.trim().eq_ignore_ascii_case(value))
        };
        let mut warnings = Vec::new();
        let sdk_disabled = is("OTEL_SDK_DISABLED", "true");
        let any_endpoint = set("OTEL_EXPORTER_OTLP_ENDPOINT");
        let export_traces = !sdk_disabled
            && (any_endpoint || set("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"))
            && !is("OTEL_TRACES_EXPORTER", "none");
        let export_metrics = !sdk_disabled
            && (any_endpoint || set("OTEL_EXPORTER_OTLP_METRICS_ENDPOINT"))
            && !is("OTEL_METRICS_EXPORTER", "none");
        for key in [
            "OTEL_EXPORTER_OTLP_PROTOCOL",
            "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL",
            "OTEL_EXPORTER_OTLP_METRICS_PROTOCOL",
        ] {
            if let Some(protocol) = lookup(key).filter(|p| p.trim() != "http/protobuf") {
                warnings.push(format!(
                    "{key}={protocol:?} is not supported; exporting OTLP over http/protobuf"
                ));
            }
        }
        let prometheus = match lookup(ENV_METRICS).as_deref().map(str::trim) {
            None | Some("") | Some("on") | Some("true") | Some("1") => !sdk_disabled,
            Some("off") | Some("false") | Some("0") => false,
            Some(other) => return Err(format!("{ENV_METRICS} must be on or off (got {other:?})")),
        };
        let log_format = LogFormat::parse(lookup(ENV_LOG_FORMAT).as_deref())?;
        let resolver_span_threshold = match lookup(ENV_RESOLVER_SPAN_THRESHOLD_MS) {
            None => DEFAULT_RESOLVER_SPAN_THRESHOLD,
            Some(value) => Duration::from_millis(value.trim().parse().map_err(|_| {
                format!("{ENV_RESOLVER_SPAN_THRESHOLD_MS} must be a whole number (got {value:?})")
            })?),
        };
        let names_service = set("OTEL_SERVICE_NAME")
            || lookup("OTEL_RESOURCE_ATTRIBUTES").is_some_and(|attributes| {
                attributes
                    .split(',')
                    .any(|pair| pair.trim().starts_with("service.name="))
            });
        Ok(Self {
            sdk_disabled,
            export_traces,
            export_metrics,
            prometheus,
            log_format,
            resolver_span_threshold,
            default_service_name: !names_service,
            warnings,
        })
    }

    /// Whether any metrics are collected (OTLP or Prometheus).
    pub fn metrics_enabled(&self) -> bool {
        self.export_metrics || self.prometheus
    }
}

/// The installed providers; [`Telemetry::shutdown`] flushes what is buffered.
#[must_use = "dropping the handle without shutdown loses buffered spans"]
pub struct Telemetry {
    tracer_provider: Option<opentelemetry_sdk::trace::SdkTracerProvider>,
    meter_provider: Option<opentelemetry_sdk::metrics::SdkMeterProvider>,
}

impl Telemetry {
    /// Flushes and stops the exporters (bounded by their timeouts; an unreachable collector
    /// costs at most `OTEL_EXPORTER_OTLP_TIMEOUT`). Call it outside the async runtime.
    pub fn shutdown(self) {
        if let Some(provider) = self.tracer_provider
            && let Err(error) = provider.shutdown()
        {
            tracing::debug!(%error, "trace exporter shutdown");
        }
        if let Some(provider) = self.meter_provider
            && let Err(error) = provider.shutdown()
        {
            tracing::debug!(%error, "metric exporter shutdown");
        }
    }
}

/// Errors setting telemetry up.
#[derive(Debug, thiserror::Error)]
pub enum TelemetryError {
    /// An exporter could not be built (a malformed endpoint, for instance).
    #[error("building the OTLP {signal} exporter: {message}")]
    Exporter {
        /// `traces` or `metrics`.
        signal: &'static str,
        /// What went wrong.
        message: String,
    },
    /// The log subscriber could not be installed (one already was).
    #[error("installing the log subscriber: {0}")]
    Subscriber(String),
}

/// Installs the process-wide tracer and meter providers and the log subscriber, once, at
/// start-up and outside the async runtime (the OTLP exporters run on their own threads, so
/// an unreachable collector never delays a request).
pub fn init(settings: &Settings) -> Result<Telemetry, TelemetryError> {
    let resource = traces::resource(settings);
    let tracer_provider = (!settings.sdk_disabled)
        .then(|| traces::provider(settings, resource.clone()))
        .transpose()?;
    let meter_provider = settings
        .metrics_enabled()
        .then(|| metrics::provider(settings, resource))
        .transpose()?;
    if let Some(provider) = &tracer_provider {
        opentelemetry::global::set_tracer_provider(provider.clone());
        opentelemetry::global::set_text_map_propagator(
            opentelemetry_sdk::propagation::TraceContextPropagator::new(),
        );
        propagation::install_for_adapters();
    }
    if let Some(provider) = &meter_provider {
        opentelemetry::global::set_meter_provider(provider.clone());
    }
    logs::install(settings.log_format, tracer_provider.as_ref())?;
    for warning in &settings.warnings {
        tracing::warn!("{warning}");
    }
    tracing::debug!(
        traces = settings.export_traces,
        metrics = settings.export_metrics,
        prometheus = settings.prometheus,
        "telemetry configured"
    );
    Ok(Telemetry {
        tracer_provider,
        meter_provider,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn env<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |key| {
            pairs
                .iter()
                .find(|(k, _)| *k == key)
                .map(|(_, v)| (*v).to_owned())
        }
    }

    #[test]
    fn nothing_is_exported_without_an_endpoint_but_metrics_are_served() {
        let settings = Settings::from_lookup(env(&[])).unwrap();
        assert!(!settings.export_traces && !settings.export_metrics);
        assert!(settings.prometheus && settings.default_service_name);
        assert_eq!(settings.log_format, LogFormat::Text);
        assert_eq!(
            settings.resolver_span_threshold,
            DEFAULT_RESOLVER_SPAN_THRESHOLD
        );
    }

    #[test]
    fn endpoints_exporters_and_the_kill_switch_are_honoured() {
        let both = Settings::from_lookup(env(&[(
            "OTEL_EXPORTER_OTLP_ENDPOINT",
            "http://collector:4318",
        )]))
        .unwrap();
        assert!(both.export_traces && both.export_metrics);
        let traces_only = Settings::from_lookup(env(&[(
            "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
            "http://collector:4318/v1/traces",
        )]))
        .unwrap();
        assert!(traces_only.export_traces && !traces_only.export_metrics);
        let metrics_only = Settings::from_lookup(env(&[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318"),
            ("OTEL_TRACES_EXPORTER", "none"),
        ]))
        .unwrap();
        assert!(!metrics_only.export_traces && metrics_only.export_metrics);
        let disabled = Settings::from_lookup(env(&[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318"),
            ("OTEL_SDK_DISABLED", "TRUE"),
        ]))
        .unwrap();
        assert!(!disabled.export_traces && !disabled.export_metrics && !disabled.prometheus);
        let grpc = Settings::from_lookup(env(&[("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc")])).unwrap();
        assert_eq!(grpc.warnings.len(), 1);
    }

    #[test]
    fn familygraph_settings_are_validated() {
        let settings = Settings::from_lookup(env(&[
            (ENV_METRICS, "off"),
            (ENV_LOG_FORMAT, "json"),
            (ENV_RESOLVER_SPAN_THRESHOLD_MS, "0"),
            (
                "OTEL_RESOURCE_ATTRIBUTES",
                "deployment.environment=test,service.name=fg",
            ),
        ]))
        .unwrap();
        assert!(!settings.prometheus && !settings.default_service_name);
        assert_eq!(settings.log_format, LogFormat::Json);
        assert_eq!(settings.resolver_span_threshold, Duration::ZERO);
        assert!(Settings::from_lookup(env(&[(ENV_METRICS, "maybe")])).is_err());
        assert!(Settings::from_lookup(env(&[(ENV_LOG_FORMAT, "xml")])).is_err());
        assert!(Settings::from_lookup(env(&[(ENV_RESOLVER_SPAN_THRESHOLD_MS, "soon")])).is_err());
    }
}
