//! Telemetry against a real OTLP/HTTP receiver and a real Prometheus parser: familygraph runs
//! as a separate process (its tracer and meter providers are process-wide), configured only
//! through the standard `OTEL_*` variables.

use std::collections::HashMap;
use std::time::Duration;

use familygraph_tests::otlp::{OtlpReceiver, attribute, value_text};
use familygraph_tests::server_process::ServerProcess;
use opentelemetry_proto::tonic::trace::v1::Span;
use opentelemetry_proto::tonic::trace::v1::span::SpanKind;
use serde_json::{Value, json};

const BINARY: &str = env!("CARGO_BIN_EXE_familygraph-under-test");

/// A synthetic name sent as a variable: it must appear in no span, metric or log.
const SYNTHETIC_NAME: &str = "Quillon Zephyrbrook";

const PROBE: &str = "query TelemetryProbe($search: String!) {
  children(filter: { search: $search }, first: 5) { totalCount nodes { id } }
}";

/// An anonymous query that reads records (so it appends audit rows) and a relation of each
/// (one DataLoader batch of two keys).
async fn read_children(server: &ServerProcess) {
    let response = reqwest::Client::new()
        .post(server.url("/graphql"))
        .bearer_auth(&server.token)
        .json(&json!({ "query": "{ children(first: 2) { nodes { id identifiers { __typename } } } }" }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(
        body["data"]["children"]["nodes"].as_array().unwrap().len(),
        2,
        "{body}"
    );
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

async fn probe(server: &ServerProcess, traceparent: Option<&str>) -> Value {
    let mut request = reqwest::Client::new()
        .post(server.url("/graphql"))
        .bearer_auth(&server.token)
        .json(&json!({
            "query": PROBE,
            "operationName": "TelemetryProbe",
            "variables": { "search": SYNTHETIC_NAME },
        }));
    if let Some(traceparent) = traceparent {
        request = request.header("traceparent", traceparent);
    }
    let response = request.send().await.unwrap();
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert!(body.get("errors").is_none(), "{body}");
    assert!(body["data"]["children"]["totalCount"].is_number(), "{body}");
    body
}

/// Waits (bounded) until `ready` holds; on time-out, fails with `diagnose()`.
async fn eventually(what: &str, mut ready: impl FnMut() -> bool, diagnose: impl Fn() -> String) {
    for _ in 0..300 {
        if ready() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("timed out waiting for {what}:\n{}", diagnose());
}

fn diagnosis(receiver: &OtlpReceiver, server: &ServerProcess) -> String {
    let spans: Vec<String> = receiver
        .spans()
        .iter()
        .map(|s| {
            format!(
                "{} {} parent={} {}",
                hex(&s.trace_id),
                hex(&s.span_id),
                hex(&s.parent_span_id),
                s.name
            )
        })
        .collect();
    let metrics: Vec<String> = receiver.metrics().into_iter().map(|m| m.name).collect();
    let logs: Vec<String> = server.log_lines().iter().map(|l| l.to_string()).collect();
    format!(
        "spans:\n{}\nmetrics: {metrics:?}\nrefused: {}\nlogs:\n{}",
        spans.join("\n"),
        receiver.refused(),
        logs.join("\n")
    )
}

fn is_descendant(span: &Span, ancestor: &[u8], by_id: &HashMap<Vec<u8>, &Span>) -> bool {
    let mut parent = span.parent_span_id.clone();
    for _ in 0..64 {
        if parent == ancestor {
            return true;
        }
        match by_id.get(&parent) {
            Some(next) => parent = next.parent_span_id.clone(),
            None => return false,
        }
    }
    false
}

fn every_text(span: &Span) -> Vec<String> {
    let mut texts = vec![span.name.clone()];
    let pairs = span
        .attributes
        .iter()
        .chain(span.events.iter().flat_map(|e| &e.attributes))
        .chain(span.links.iter().flat_map(|l| &l.attributes));
    for kv in pairs {
        texts.push(kv.key.clone());
        texts.push(value_text(&kv.value));
    }
    texts.extend(span.events.iter().map(|e| e.name.clone()));
    if let Some(status) = &span.status {
        texts.push(status.message.clone());
    }
    texts
}

#[tokio::test]
async fn spans_join_the_callers_trace_and_never_carry_variable_values() {
    let receiver = OtlpReceiver::start().await;
    let endpoint = receiver.endpoint();
    let server = ServerProcess::spawn(
        BINARY,
        &[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint.as_str()),
            ("OTEL_SERVICE_NAME", "familygraph-telemetry-test"),
            ("OTEL_RESOURCE_ATTRIBUTES", "deployment.environment=test"),
            ("OTEL_BSP_SCHEDULE_DELAY", "100"),
            ("OTEL_METRIC_EXPORT_INTERVAL", "300"),
            ("FAMILYGRAPH_TRACE_RESOLVER_THRESHOLD_MS", "0"),
        ],
    )
    .await;
    let trace_id = uuid::Uuid::new_v4().simple().to_string();
    let caller_span = &uuid::Uuid::new_v4().simple().to_string()[..16];
    probe(&server, Some(&format!("00-{trace_id}-{caller_span}-01"))).await;
    // A request that reads records, so that audit rows are appended.
    read_children(&server).await;

    // The request's spans arrive: HTTP, GraphQL operation and at least one SQL statement.
    let ours = |spans: &[Span]| -> Vec<Span> {
        spans
            .iter()
            .filter(|s| hex(&s.trace_id) == trace_id)
            .cloned()
            .collect()
    };
    eventually(
        "the request's spans",
        || {
            let spans = ours(&receiver.spans());
            spans.iter().any(|s| s.name == "POST /graphql")
                && spans.iter().any(|s| s.name == "query TelemetryProbe")
                && spans.iter().any(|s| s.kind == SpanKind::Client as i32)
        },
        || diagnosis(&receiver, &server),
    )
    .await;
    let spans = ours(&receiver.spans());
    let by_id: HashMap<Vec<u8>, &Span> = spans.iter().map(|s| (s.span_id.clone(), s)).collect();

    let http: Vec<&Span> = spans
        .iter()
        .filter(|s| hex(&s.parent_span_id) == caller_span)
        .collect();
    assert_eq!(http.len(), 1, "one span is the caller's child: {http:?}");
    let http = http[0];
    assert_eq!(http.name, "POST /graphql");
    assert_eq!(http.kind, SpanKind::Server as i32);
    assert_eq!(
        attribute(&http.attributes, "http.route").as_deref(),
        Some("/graphql")
    );
    assert_eq!(
        attribute(&http.attributes, "http.response.status_code").as_deref(),
        Some("200")
    );

    let operation = spans
        .iter()
        .find(|s| s.name == "query TelemetryProbe")
        .unwrap();
    assert_eq!(
        operation.parent_span_id, http.span_id,
        "operation below HTTP"
    );
    assert_eq!(
        attribute(&operation.attributes, "graphql.operation.name").as_deref(),
        Some("TelemetryProbe")
    );
    assert_eq!(
        attribute(&operation.attributes, "graphql.operation.type").as_deref(),
        Some("query")
    );
    for key in ["graphql.document.complexity", "graphql.document.depth"] {
        let value: i64 = attribute(&operation.attributes, key)
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("{key} on {operation:?}"));
        assert!(value > 0, "{key} = {value}");
    }

    let sql: Vec<&Span> = spans
        .iter()
        .filter(|s| s.kind == SpanKind::Client as i32)
        .filter(|s| is_descendant(s, &operation.span_id, &by_id))
        .collect();
    assert!(!sql.is_empty(), "a SQL span below the operation");
    for statement in &sql {
        assert!(attribute(&statement.attributes, "db.system.name").is_some());
        assert!(attribute(&statement.attributes, "db.query.text").is_some());
    }
    assert!(
        spans
            .iter()
            .any(|s| s.name == "resolve Query.children" && s.parent_span_id == operation.span_id),
        "a resolver span below the operation"
    );

    // The resource names the service as configured.
    let resources = receiver.trace_resources();
    assert!(resources.iter().all(|attributes| {
        attribute(attributes, "service.name").as_deref() == Some("familygraph-telemetry-test")
            && attribute(attributes, "deployment.environment").as_deref() == Some("test")
    }));

    // Metrics arrive over OTLP too, labelled by the document's operation name.
    eventually(
        "the operation metrics",
        || {
            receiver.metrics().iter().any(|metric| {
            use opentelemetry_proto::tonic::metrics::v1::metric::Data;
            metric.name == "familygraph.graphql.operations"
                && matches!(&metric.data, Some(Data::Sum(sum)) if sum.data_points.iter().any(|p| {
                    attribute(&p.attributes, "graphql.operation.name").as_deref()
                        == Some("TelemetryProbe")
                        && attribute(&p.attributes, "outcome").as_deref() == Some("ok")
                }))
        })
        },
        || diagnosis(&receiver, &server),
    )
    .await;
    let names: Vec<String> = receiver.metrics().into_iter().map(|m| m.name).collect();
    for expected in [
        "http.server.request.duration",
        "familygraph.graphql.operation.duration",
        "db.client.operation.duration",
        "db.client.connection.count",
        "familygraph.audit.appends",
        "familygraph.dataloader.batch_size",
    ] {
        assert!(
            names.iter().any(|n| n == expected),
            "{expected} in {names:?}"
        );
    }

    // No span anywhere, no export body at all, and no log line carries the variable's value.
    for span in receiver.spans() {
        for text in every_text(&span) {
            assert!(!text.contains(SYNTHETIC_NAME), "{text:?} in {span:?}");
            assert!(!text.contains("Zephyrbrook"), "{text:?} in {span:?}");
        }
    }
    for body in receiver.bodies() {
        assert!(
            !body
                .windows(b"Zephyrbrook".len())
                .any(|w| w == b"Zephyrbrook"),
            "an export carries the variable's value"
        );
    }
    assert_eq!(receiver.refused(), 0);

    // JSON logs written inside the request carry its trace id.
    let logs = server.log_lines();
    assert!(
        logs.iter()
            .any(|line| line["trace_id"] == trace_id.as_str() && line["span_id"].is_string()),
        "a log line with the trace id"
    );
    assert!(
        logs.iter()
            .all(|line| !line.to_string().contains("Zephyrbrook"))
    );
}

fn scrape(text: &str) -> prometheus_parse::Scrape {
    prometheus_parse::Scrape::parse(text.lines().map(|l| Ok(l.to_owned()))).unwrap()
}

fn sample(scrape: &prometheus_parse::Scrape, metric: &str, labels: &[(&str, &str)]) -> f64 {
    scrape
        .samples
        .iter()
        .filter(|s| s.metric == metric)
        .filter(|s| labels.iter().all(|(k, v)| s.labels.get(k) == Some(*v)))
        .map(|s| match &s.value {
            prometheus_parse::Value::Counter(v)
            | prometheus_parse::Value::Gauge(v)
            | prometheus_parse::Value::Untyped(v) => *v,
            prometheus_parse::Value::Histogram(buckets) => {
                buckets.last().map(|b| b.count).unwrap_or(0.0)
            }
            prometheus_parse::Value::Summary(_) => 0.0,
        })
        .sum()
}

/// The exposition format, line by line: every sample belongs to a family declared by `# TYPE`
/// just before it, names and labels are well formed, values are numbers, and every
/// histogram's buckets are cumulative up to `+Inf`, which equals `_count`.
fn check_exposition(text: &str) {
    assert!(text.ends_with('\n'));
    let mut family: Option<(String, String)> = None;
    let mut buckets: HashMap<String, Vec<(String, f64)>> = HashMap::new();
    let mut counts: HashMap<String, f64> = HashMap::new();
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("# TYPE ") {
            let (name, kind) = rest.split_once(' ').unwrap();
            assert!(["counter", "gauge", "histogram"].contains(&kind), "{line}");
            family = Some((name.to_owned(), kind.to_owned()));
            continue;
        }
        if line.starts_with("# HELP ") {
            continue;
        }
        let (series, value) = line.rsplit_once(' ').unwrap();
        let value: f64 = match value {
            "+Inf" => f64::INFINITY,
            v => v.parse().unwrap_or_else(|_| panic!("value in {line}")),
        };
        let (name, labels) = match series.split_once('{') {
            Some((name, labels)) => (name, labels.strip_suffix('}').unwrap()),
            None => (series, ""),
        };
        assert!(
            name.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
                && !name.starts_with(|c: char| c.is_ascii_digit()),
            "{name}"
        );
        let (family_name, kind) = family.clone().expect("a sample before any # TYPE");
        let suffix = name
            .strip_prefix(family_name.as_str())
            .unwrap_or_else(|| panic!("{name} outside its family {family_name}"));
        match kind.as_str() {
            "histogram" => assert!(["_bucket", "_sum", "_count"].contains(&suffix), "{line}"),
            _ => assert_eq!(suffix, "", "{line}"),
        }
        if kind == "counter" {
            assert!(name.ends_with("_total"), "{line}");
        }
        let mut other_labels = Vec::new();
        let mut le = None;
        if !labels.is_empty() {
            for pair in labels.split("\",") {
                let (key, value) = pair.split_once("=\"").unwrap_or_else(|| panic!("{line}"));
                assert!(
                    key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'),
                    "{line}"
                );
                let value = value.trim_end_matches('"');
                if key == "le" {
                    le = Some(value.to_owned());
                } else {
                    other_labels.push(format!("{key}={value}"));
                }
            }
        }
        let key = format!("{family_name}{{{}}}", other_labels.join(","));
        match suffix {
            "_bucket" => buckets
                .entry(key)
                .or_default()
                .push((le.expect("le on a bucket"), value)),
            "_count" => {
                counts.insert(key, value);
            }
            _ => {}
        }
    }
    for (series, series_buckets) in &buckets {
        let mut previous = 0.0;
        for (_, count) in series_buckets {
            assert!(*count >= previous, "{series} buckets are cumulative");
            previous = *count;
        }
        assert_eq!(series_buckets.last().unwrap().0, "+Inf", "{series}");
        assert_eq!(
            Some(&previous),
            counts.get(series),
            "{series}: +Inf = _count"
        );
    }
}

#[tokio::test]
async fn metrics_parse_as_prometheus_text_and_move_after_a_request() {
    let server = ServerProcess::spawn(BINARY, &[]).await;
    let client = reqwest::Client::new();
    let get = || async {
        let response = client.get(server.url("/metrics")).send().await.unwrap();
        assert_eq!(response.status(), 200, "no token needed");
        let content_type = response.headers()["content-type"]
            .to_str()
            .unwrap()
            .to_owned();
        assert!(
            content_type.starts_with("text/plain; version=0.0.4"),
            "{content_type}"
        );
        response.text().await.unwrap()
    };
    let before = get().await;
    check_exposition(&before);
    let before = scrape(&before);
    let operation = [
        ("graphql_operation_name", "TelemetryProbe"),
        ("outcome", "ok"),
    ];
    assert_eq!(
        sample(&before, "familygraph_graphql_operations_total", &operation),
        0.0
    );

    probe(&server, None).await;
    // An anonymous operation and a refused one: grouped, and counted by error code.
    read_children(&server).await;
    let refused = client
        .post(server.url("/graphql"))
        .json(&json!({ "query": "{ viewer { roles } }" }))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 401);

    let after_text = get().await;
    check_exposition(&after_text);
    assert!(!after_text.contains("Zephyrbrook"));
    let after = scrape(&after_text);
    assert_eq!(
        sample(&after, "familygraph_graphql_operations_total", &operation),
        1.0
    );
    assert_eq!(
        sample(
            &after,
            "familygraph_graphql_operations_total",
            &[
                ("graphql_operation_name", "anonymous"),
                ("graphql_operation_type", "query")
            ]
        ),
        1.0
    );
    assert_eq!(
        sample(
            &after,
            "familygraph_graphql_errors_total",
            &[("error_code", "UNAUTHENTICATED")]
        ),
        1.0
    );
    let graphql_requests = |scrape: &prometheus_parse::Scrape| {
        sample(
            scrape,
            "http_server_request_duration_seconds",
            &[("http_route", "/graphql"), ("http_request_method", "POST")],
        )
    };
    assert_eq!(graphql_requests(&after) - graphql_requests(&before), 3.0);
    assert!(sample(&after, "db_client_operation_duration_seconds", &[]) > 0.0);
    assert!(sample(&after, "familygraph_audit_appends_total", &[]) > 0.0);
    // The two children's identifiers were loaded in one batch of two keys: more keys than
    // batches.
    let has_many = |series: &str| -> f64 {
        let prefix = format!(
            "familygraph_dataloader_batch_size_{series}{{familygraph_loader=\"has_many\"}} "
        );
        after_text
            .lines()
            .find_map(|line| line.strip_prefix(prefix.as_str()))
            .and_then(|value| value.parse().ok())
            .unwrap_or_else(|| panic!("{prefix} in {after_text}"))
    };
    assert!(has_many("sum") > has_many("count"), "batched");
    assert!(
        after_text.contains("db_client_connection_count{db_client_connection_state=\"idle\"}"),
        "{after_text}"
    );
}

#[tokio::test]
async fn an_unreachable_collector_neither_fails_nor_blocks_requests() {
    // A port nobody listens on.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let endpoint = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let mut server = ServerProcess::spawn(
        BINARY,
        &[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint.as_str()),
            ("OTEL_BSP_SCHEDULE_DELAY", "50"),
            ("OTEL_METRIC_EXPORT_INTERVAL", "100"),
            ("FAMILYGRAPH_METRICS", "off"),
        ],
    )
    .await;
    for _ in 0..25 {
        let trace_id = uuid::Uuid::new_v4().simple().to_string();
        probe(&server, Some(&format!("00-{trace_id}-00f067aa0ba902b7-01"))).await;
    }
    let client = reqwest::Client::new();
    let health = client.get(server.url("/healthz")).send().await.unwrap();
    assert_eq!(health.status(), 200);
    let metrics = client.get(server.url("/metrics")).send().await.unwrap();
    assert_eq!(metrics.status(), 404, "FAMILYGRAPH_METRICS=off");
    assert!(server.is_running());
}
