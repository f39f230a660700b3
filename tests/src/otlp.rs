//! A real OTLP/HTTP receiver for the telemetry tests: accepts `POST /v1/traces` and
//! `POST /v1/metrics` with `application/x-protobuf` bodies, decodes them with the
//! `opentelemetry-proto` types and keeps them (and the raw bodies) for assertions.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use actix_web::{HttpRequest, HttpResponse, web};
use opentelemetry_proto::tonic::collector::metrics::v1::{
    ExportMetricsServiceRequest, ExportMetricsServiceResponse,
};
use opentelemetry_proto::tonic::collector::trace::v1::{
    ExportTraceServiceRequest, ExportTraceServiceResponse,
};
use opentelemetry_proto::tonic::common::v1::{AnyValue, KeyValue, any_value};
use opentelemetry_proto::tonic::metrics::v1::Metric;
use opentelemetry_proto::tonic::trace::v1::Span;
use prost::Message as _;

#[derive(Default)]
struct Received {
    traces: Vec<ExportTraceServiceRequest>,
    metrics: Vec<ExportMetricsServiceRequest>,
    bodies: Vec<Vec<u8>>,
    refused: usize,
}

/// The running receiver.
pub struct OtlpReceiver {
    /// Where it listens.
    pub address: SocketAddr,
    received: Arc<Mutex<Received>>,
    server: actix_web::dev::ServerHandle,
}

fn is_protobuf(req: &HttpRequest) -> bool {
    req.headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-protobuf"))
}

fn protobuf(body: Vec<u8>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/x-protobuf")
        .body(body)
}

async fn traces(
    received: web::Data<Mutex<Received>>,
    req: HttpRequest,
    body: web::Bytes,
) -> HttpResponse {
    let decoded = ExportTraceServiceRequest::decode(body.as_ref());
    let mut received = received.lock().unwrap();
    match decoded {
        Ok(request) if is_protobuf(&req) => {
            received.traces.push(request);
            received.bodies.push(body.to_vec());
            protobuf(ExportTraceServiceResponse::default().encode_to_vec())
        }
        _ => {
            received.refused += 1;
            HttpResponse::BadRequest().finish()
        }
    }
}

async fn metrics(
    received: web::Data<Mutex<Received>>,
    req: HttpRequest,
    body: web::Bytes,
) -> HttpResponse {
    let decoded = ExportMetricsServiceRequest::decode(body.as_ref());
    let mut received = received.lock().unwrap();
    match decoded {
        Ok(request) if is_protobuf(&req) => {
            received.metrics.push(request);
            received.bodies.push(body.to_vec());
            protobuf(ExportMetricsServiceResponse::default().encode_to_vec())
        }
        _ => {
            received.refused += 1;
            HttpResponse::BadRequest().finish()
        }
    }
}

impl OtlpReceiver {
    /// Starts a receiver on a free loopback port.
    pub async fn start() -> Self {
        let received = web::Data::new(Mutex::new(Received::default()));
        let shared = received.clone().into_inner();
        let server = actix_web::HttpServer::new(move || {
            actix_web::App::new()
                .app_data(received.clone())
                .app_data(web::PayloadConfig::new(16 * 1024 * 1024))
                .route("/v1/traces", web::post().to(traces))
                .route("/v1/metrics", web::post().to(metrics))
        })
        .workers(1)
        .bind("127.0.0.1:0")
        .unwrap();
        let address = server.addrs()[0];
        let server = server.run();
        let handle = server.handle();
        tokio::spawn(server);
        Self {
            address,
            received: shared,
            server: handle,
        }
    }

    /// The base URL to give as `OTEL_EXPORTER_OTLP_ENDPOINT`.
    pub fn endpoint(&self) -> String {
        format!("http://{}", self.address)
    }

    /// Every span received so far.
    pub fn spans(&self) -> Vec<Span> {
        let received = self.received.lock().unwrap();
        received
            .traces
            .iter()
            .flat_map(|request| &request.resource_spans)
            .flat_map(|resource| &resource.scope_spans)
            .flat_map(|scope| scope.spans.clone())
            .collect()
    }

    /// The resource attributes of every trace export received.
    pub fn trace_resources(&self) -> Vec<Vec<KeyValue>> {
        let received = self.received.lock().unwrap();
        received
            .traces
            .iter()
            .flat_map(|request| &request.resource_spans)
            .filter_map(|resource| resource.resource.as_ref())
            .map(|resource| resource.attributes.clone())
            .collect()
    }

    /// Every metric received so far (one entry per metric per export).
    pub fn metrics(&self) -> Vec<Metric> {
        let received = self.received.lock().unwrap();
        received
            .metrics
            .iter()
            .flat_map(|request| &request.resource_metrics)
            .flat_map(|resource| &resource.scope_metrics)
            .flat_map(|scope| scope.metrics.clone())
            .collect()
    }

    /// The raw bodies of every accepted export.
    pub fn bodies(&self) -> Vec<Vec<u8>> {
        self.received.lock().unwrap().bodies.clone()
    }

    /// Exports refused (not protobuf, or not decodable).
    pub fn refused(&self) -> usize {
        self.received.lock().unwrap().refused
    }
}

impl Drop for OtlpReceiver {
    fn drop(&mut self) {
        drop(self.server.stop(false));
    }
}

/// An attribute's value as text (arrays and maps flattened; bytes as lossy UTF-8).
pub fn value_text(value: &Option<AnyValue>) -> String {
    let Some(value) = value.as_ref().and_then(|v| v.value.as_ref()) else {
        return String::new();
    };
    match value {
        any_value::Value::StringValue(s) => s.clone(),
        any_value::Value::BoolValue(b) => b.to_string(),
        any_value::Value::IntValue(i) => i.to_string(),
        any_value::Value::DoubleValue(d) => d.to_string(),
        any_value::Value::BytesValue(b) => String::from_utf8_lossy(b).into_owned(),
        any_value::Value::ArrayValue(array) => array
            .values
            .iter()
            .map(|v| value_text(&Some(v.clone())))
            .collect::<Vec<_>>()
            .join(","),
        any_value::Value::KvlistValue(list) => list
            .values
            .iter()
            .map(|kv| format!("{}={}", kv.key, value_text(&kv.value)))
            .collect::<Vec<_>>()
            .join(","),
    }
}

/// The value of attribute `key`, as text.
pub fn attribute(attributes: &[KeyValue], key: &str) -> Option<String> {
    attributes
        .iter()
        .find(|kv| kv.key == key)
        .map(|kv| value_text(&kv.value))
}
