//! Log lines on standard error: `text` for people, `json` (one object a line) for collectors.
//! JSON lines carry `trace_id` and `span_id` of the span they were written in, so a log line
//! leads to its trace.

use std::fmt;

use opentelemetry_sdk::trace::SdkTracerProvider;
use serde_json::{Map, Value};
use tracing::field::{Field, Visit};
use tracing::{Event, Subscriber};
use tracing_subscriber::EnvFilter;
use tracing_subscriber::filter::filter_fn;
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields};
use tracing_subscriber::layer::{Layer as _, SubscriberExt as _};
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::util::SubscriberInitExt as _;

use super::TelemetryError;

/// The log filter when `RUST_LOG` is unset.
pub const DEFAULT_FILTER: &str =
    "info,sqlx=warn,sea_orm=warn,opentelemetry=warn,opentelemetry_sdk=warn,opentelemetry_otlp=warn";

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LogFormat {
    /// Human-readable lines (the default).
    #[default]
    Text,
    /// One JSON object a line, with trace and span ids.
    Json,
}

impl LogFormat {
    /// `text` (or unset) or `json`.
    pub fn parse(value: Option<&str>) -> Result<Self, String> {
        match value.map(str::trim) {
            None | Some("") | Some("text") => Ok(Self::Text),
            Some("json") => Ok(Self::Json),
            Some(other) => Err(format!(
                "{} must be text or json (got {other:?})",
                super::ENV_LOG_FORMAT
            )),
        }
    }
}

/// Installs the global subscriber: lines in `format` filtered by `RUST_LOG` (else
/// [`DEFAULT_FILTER`]) and, when a tracer provider is installed, the OpenTelemetry layer.
///
/// The OpenTelemetry layer has its own filter: familygraph's spans whatever `RUST_LOG` says (so
/// a quiet log does not silence traces), nobody else's (no spans from the exporter's own HTTP
/// client), and no events at all — log events are not copied into spans, since an error's text
/// could hold a value.
pub fn install(
    format: LogFormat,
    tracer_provider: Option<&SdkTracerProvider>,
) -> Result<(), TelemetryError> {
    let log_filter =
        || EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(DEFAULT_FILTER));
    let otel = tracer_provider.map(|provider| {
        tracing_opentelemetry::layer()
            .with_tracer(super::traces::tracer(provider))
            .with_tracked_inactivity(false)
            .with_filter(filter_fn(|metadata| {
                metadata.is_span() && metadata.target().starts_with("familygraph")
            }))
    });
    let lines = tracing_subscriber::fmt::layer().with_writer(std::io::stderr);
    let registry = tracing_subscriber::registry().with(otel);
    let result = match format {
        LogFormat::Text => registry.with(lines.with_filter(log_filter())).try_init(),
        LogFormat::Json => registry
            .with(lines.event_format(JsonLines).with_filter(log_filter()))
            .try_init(),
    };
    result.map_err(|error| TelemetryError::Subscriber(error.to_string()))
}

/// One JSON object a line: `timestamp`, `level`, `target`, `message`, the event's fields,
/// `span` (the innermost span's name) and, inside a traced span, `trace_id` and `span_id`.
pub struct JsonLines;

impl<S, N> FormatEvent<S, N> for JsonLines
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
{
    fn format_event(
        &self,
        ctx: &FmtContext<'_, S, N>,
        mut writer: Writer<'_>,
        event: &Event<'_>,
    ) -> fmt::Result {
        let metadata = event.metadata();
        let mut line = Map::new();
        line.insert(
            "timestamp".into(),
            Value::String(chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true)),
        );
        line.insert("level".into(), Value::String(metadata.level().to_string()));
        line.insert("target".into(), Value::String(metadata.target().to_owned()));
        let mut fields = Fields(Map::new());
        event.record(&mut fields);
        if let Some(message) = fields.0.remove("message") {
            line.insert("message".into(), message);
        }
        if let Some(span) = ctx.lookup_current() {
            line.insert("span".into(), Value::String(span.name().to_owned()));
            let extensions = span.extensions();
            if let Some(otel) = extensions.get::<tracing_opentelemetry::OtelData>() {
                if let Some(trace_id) = otel.trace_id() {
                    line.insert("trace_id".into(), Value::String(trace_id.to_string()));
                }
                if let Some(span_id) = otel.span_id() {
                    line.insert("span_id".into(), Value::String(span_id.to_string()));
                }
            }
        }
        for (key, value) in fields.0 {
            line.entry(key).or_insert(value);
        }
        writeln!(writer, "{}", Value::Object(line))
    }
}

struct Fields(Map<String, Value>);

impl Visit for Fields {
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.0
            .insert(field.name().to_owned(), Value::String(format!("{value:?}")));
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0
            .insert(field.name().to_owned(), Value::String(value.to_owned()));
    }
    fn record_i64(&mut self, field: &Field, value: i64) {
        self.0.insert(field.name().to_owned(), Value::from(value));
    }
    fn record_u64(&mut self, field: &Field, value: u64) {
        self.0.insert(field.name().to_owned(), Value::from(value));
    }
    fn record_f64(&mut self, field: &Field, value: f64) {
        self.0.insert(field.name().to_owned(), Value::from(value));
    }
    fn record_bool(&mut self, field: &Field, value: bool) {
        self.0.insert(field.name().to_owned(), Value::from(value));
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};
    use tracing_opentelemetry::OpenTelemetrySpanExt as _;

    #[derive(Clone, Default)]
    struct Buffer(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Buffer {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn json_lines_carry_trace_and_span_ids() {
        let provider = SdkTracerProvider::builder().build();
        let buffer = Buffer::default();
        let writer = buffer.clone();
        let subscriber = tracing_subscriber::registry()
            .with(
                tracing_opentelemetry::layer().with_tracer(super::super::traces::tracer(&provider)),
            )
            .with(
                tracing_subscriber::fmt::layer()
                    .with_writer(move || writer.clone())
                    .event_format(JsonLines),
            );
        let (trace_id, span_id) = tracing::subscriber::with_default(subscriber, || {
            use opentelemetry::trace::TraceContextExt as _;
            let span = tracing::info_span!("http.request");
            let _entered = span.enter();
            tracing::info!(status = 200u64, "request handled");
            let context = span.context();
            let span_context = context.span().span_context().clone();
            (
                span_context.trace_id().to_string(),
                span_context.span_id().to_string(),
            )
        });
        let text = String::from_utf8(buffer.0.lock().unwrap().clone()).unwrap();
        let line: Value = serde_json::from_str(text.trim()).unwrap();
        assert_eq!(line["message"], "request handled");
        assert_eq!(line["level"], "INFO");
        assert_eq!(line["status"], 200);
        assert_eq!(line["span"], "http.request");
        assert_eq!(line["trace_id"], trace_id.as_str());
        assert_eq!(line["span_id"], span_id.as_str());
    }

    #[test]
    fn formats_parse() {
        assert_eq!(LogFormat::parse(None).unwrap(), LogFormat::Text);
        assert_eq!(LogFormat::parse(Some("json")).unwrap(), LogFormat::Json);
        assert!(LogFormat::parse(Some("yaml")).is_err());
    }
}
