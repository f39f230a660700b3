//! Prometheus text exposition (format 0.0.4) at `/metrics`, rendered from an on-demand reader
//! of the same meter provider that feeds OTLP.
//!
//! Names follow the OpenTelemetry-to-Prometheus convention: dots become underscores, a unit
//! suffix is added (`_seconds`), counters end in `_total`, histograms expose `_bucket`, `_sum`
//! and `_count`.

use std::fmt::Write as _;
use std::sync::{Arc, OnceLock, Weak};
use std::time::Duration;

use actix_web::HttpResponse;
use opentelemetry::{KeyValue, Value};
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::metrics::data::{AggregatedMetrics, Metric, MetricData, ResourceMetrics};
use opentelemetry_sdk::metrics::reader::MetricReader;
use opentelemetry_sdk::metrics::{InstrumentKind, ManualReader, Pipeline, Temporality};

/// Media type of the exposition.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

static READER: OnceLock<Arc<ManualReader>> = OnceLock::new();

/// The reader registered with the meter provider; it shares its state with the one `/metrics`
/// collects from.
#[derive(Debug, Clone)]
pub struct SharedReader(Arc<ManualReader>);

impl MetricReader for SharedReader {
    fn register_pipeline(&self, pipeline: Weak<Pipeline>) {
        self.0.register_pipeline(pipeline);
    }
    fn collect(&self, rm: &mut ResourceMetrics) -> OTelSdkResult {
        self.0.collect(rm)
    }
    fn force_flush(&self) -> OTelSdkResult {
        self.0.force_flush()
    }
    fn shutdown_with_timeout(&self, timeout: Duration) -> OTelSdkResult {
        self.0.shutdown_with_timeout(timeout)
    }
    fn temporality(&self, kind: InstrumentKind) -> Temporality {
        self.0.temporality(kind)
    }
}

/// Creates the process's Prometheus reader (cumulative) and remembers it for [`handler`].
pub fn install() -> SharedReader {
    let reader = READER
        .get_or_init(|| {
            Arc::new(
                ManualReader::builder()
                    .with_temporality(Temporality::Cumulative)
                    .build(),
            )
        })
        .clone();
    SharedReader(reader)
}

/// `GET /metrics`: the exposition, or 404 when metrics are off (`FAMILYGRAPH_METRICS=off`,
/// `OTEL_SDK_DISABLED=true`, or a server embedded without telemetry). No token is needed:
/// nothing in it identifies a person.
pub async fn handler() -> HttpResponse {
    let Some(reader) = READER.get() else {
        return HttpResponse::NotFound()
            .content_type("text/plain; charset=utf-8")
            .body("metrics are off\n");
    };
    let mut metrics = ResourceMetrics::default();
    if let Err(error) = reader.collect(&mut metrics) {
        tracing::warn!(%error, "collecting metrics");
        return HttpResponse::ServiceUnavailable()
            .content_type("text/plain; charset=utf-8")
            .body("metrics unavailable\n");
    }
    HttpResponse::Ok()
        .content_type(CONTENT_TYPE)
        .insert_header(("cache-control", "no-store"))
        .body(render(&metrics))
}

/// Renders collected metrics as Prometheus text.
pub fn render(metrics: &ResourceMetrics) -> String {
    let mut out = String::new();
    for scope in metrics.scope_metrics() {
        for metric in scope.metrics() {
            match metric.data() {
                AggregatedMetrics::F64(data) => render_metric(&mut out, metric, data),
                AggregatedMetrics::U64(data) => render_metric(&mut out, metric, data),
                AggregatedMetrics::I64(data) => render_metric(&mut out, metric, data),
            }
        }
    }
    out
}

/// A number as Prometheus writes it.
trait Sample: Copy {
    fn text(self) -> String;
}

impl Sample for f64 {
    fn text(self) -> String {
        float(self)
    }
}

impl Sample for u64 {
    fn text(self) -> String {
        self.to_string()
    }
}

impl Sample for i64 {
    fn text(self) -> String {
        self.to_string()
    }
}

fn float(value: f64) -> String {
    if value.is_nan() {
        "NaN".to_owned()
    } else if value == f64::INFINITY {
        "+Inf".to_owned()
    } else if value == f64::NEG_INFINITY {
        "-Inf".to_owned()
    } else {
        value.to_string()
    }
}

fn render_metric<T: Sample>(out: &mut String, metric: &Metric, data: &MetricData<T>) {
    let base = base_name(metric.name(), metric.unit());
    let help = metric
        .description()
        .replace('\\', "\\\\")
        .replace('\n', "\\n");
    match data {
        MetricData::Gauge(gauge) => {
            header(out, &base, &help, "gauge");
            for point in gauge.data_points() {
                line(out, &base, point.attributes(), None, point.value().text());
            }
        }
        MetricData::Sum(sum) if sum.is_monotonic() => {
            let name = format!("{base}_total");
            header(out, &name, &help, "counter");
            for point in sum.data_points() {
                line(out, &name, point.attributes(), None, point.value().text());
            }
        }
        MetricData::Sum(sum) => {
            header(out, &base, &help, "gauge");
            for point in sum.data_points() {
                line(out, &base, point.attributes(), None, point.value().text());
            }
        }
        MetricData::Histogram(histogram) => {
            header(out, &base, &help, "histogram");
            for point in histogram.data_points() {
                let mut cumulative = 0u64;
                let bounds: Vec<f64> = point.bounds().collect();
                for (index, count) in point.bucket_counts().enumerate() {
                    cumulative += count;
                    let le = bounds.get(index).copied().map_or("+Inf".to_owned(), float);
                    line(
                        out,
                        &format!("{base}_bucket"),
                        point.attributes(),
                        Some(&le),
                        cumulative.to_string(),
                    );
                }
                line(
                    out,
                    &format!("{base}_sum"),
                    point.attributes(),
                    None,
                    point.sum().text(),
                );
                line(
                    out,
                    &format!("{base}_count"),
                    point.attributes(),
                    None,
                    point.count().to_string(),
                );
            }
        }
        // Not used by familygraph's instruments; left out rather than approximated.
        MetricData::ExponentialHistogram(_) => {}
    }
}

fn header(out: &mut String, name: &str, help: &str, kind: &str) {
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} {kind}");
}

fn line<'a>(
    out: &mut String,
    name: &str,
    attributes: impl Iterator<Item = &'a KeyValue>,
    le: Option<&str>,
    value: String,
) {
    let mut labels: Vec<(String, String)> = attributes
        .map(|kv| (sanitize(kv.key.as_str()), label_value(&kv.value)))
        .collect();
    labels.sort();
    if let Some(le) = le {
        labels.push(("le".to_owned(), le.to_owned()));
    }
    out.push_str(name);
    if !labels.is_empty() {
        out.push('{');
        for (index, (key, value)) in labels.iter().enumerate() {
            if index > 0 {
                out.push(',');
            }
            let _ = write!(out, "{key}=\"{}\"", escape(value));
        }
        out.push('}');
    }
    let _ = writeln!(out, " {value}");
}

fn label_value(value: &Value) -> String {
    value.as_str().into_owned()
}

fn escape(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// A valid Prometheus name: `[a-zA-Z_:][a-zA-Z0-9_:]*`, anything else becomes `_`.
fn sanitize(name: &str) -> String {
    let mut out: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == ':' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert(0, '_');
    }
    out
}

fn base_name(name: &str, unit: &str) -> String {
    let name = sanitize(name);
    let suffix = match unit {
        "s" => "seconds",
        "ms" => "milliseconds",
        "By" => "bytes",
        _ => "",
    };
    if suffix.is_empty() || name.ends_with(suffix) {
        name
    } else {
        format!("{name}_{suffix}")
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use opentelemetry::metrics::MeterProvider as _;
    use opentelemetry_sdk::metrics::SdkMeterProvider;

    #[test]
    fn renders_counters_histograms_and_gauges_with_escaped_labels() {
        let reader = SharedReader(Arc::new(ManualReader::builder().build()));
        let provider = SdkMeterProvider::builder()
            .with_reader(reader.clone())
            .build();
        let meter = provider.meter("test");
        let counter = meter.u64_counter("familygraph.graphql.operations").build();
        counter.add(2, &[KeyValue::new("outcome", "ok\"\\\n")]);
        let histogram = meter
            .f64_histogram("http.server.request.duration")
            .with_unit("s")
            .with_boundaries(vec![0.1, 1.0])
            .build();
        histogram.record(0.05, &[KeyValue::new("http.route", "/graphql")]);
        histogram.record(0.5, &[KeyValue::new("http.route", "/graphql")]);
        let _gauge = meter
            .i64_observable_gauge("db.client.connection.count")
            .with_callback(|observer| observer.observe(3, &[KeyValue::new("state", "idle")]))
            .build();
        let mut metrics = ResourceMetrics::default();
        reader.collect(&mut metrics).unwrap();
        let text = render(&metrics);
        assert!(text.contains("# TYPE familygraph_graphql_operations_total counter\n"));
        assert!(
            text.contains("familygraph_graphql_operations_total{outcome=\"ok\\\"\\\\\\n\"} 2\n")
        );
        assert!(text.contains("# TYPE http_server_request_duration_seconds histogram\n"));
        assert!(text.contains(
            "http_server_request_duration_seconds_bucket{http_route=\"/graphql\",le=\"0.1\"} 1\n"
        ));
        assert!(text.contains(
            "http_server_request_duration_seconds_bucket{http_route=\"/graphql\",le=\"1\"} 2\n"
        ));
        assert!(text.contains(
            "http_server_request_duration_seconds_bucket{http_route=\"/graphql\",le=\"+Inf\"} 2\n"
        ));
        assert!(
            text.contains(
                "http_server_request_duration_seconds_count{http_route=\"/graphql\"} 2\n"
            )
        );
        assert!(text.contains("db_client_connection_count{state=\"idle\"} 3\n"));
    }
}
