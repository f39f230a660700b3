//! One span per HTTP request (`otel.kind = server`), the child of the caller's span when the
//! request carries a W3C `traceparent`, and the request-duration histogram.
//!
//! Recorded: method, route pattern, status code. Never the URL's query string (a GET request's
//! variables travel there), the raw path, headers, or the client's address.

use std::time::Instant;

use actix_web::Error;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use opentelemetry::KeyValue;
use tracing::Instrument as _;
use tracing::field::Empty;
use tracing_opentelemetry::OpenTelemetrySpanExt as _;

/// Wrap an `App` with `actix_web::middleware::from_fn(telemetry::middleware::trace_request)`.
pub async fn trace_request(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let method = known_method(req.method());
    // The route pattern, from the application's resource map (routing has not run yet).
    let pattern = req.match_pattern();
    let span = tracing::info_span!(
        "http.request",
        otel.name = format!("{method} {}", pattern.as_deref().unwrap_or("unmatched")),
        otel.kind = "server",
        otel.status_code = Empty,
        http.request.method = method,
        http.route = Empty,
        http.response.status_code = Empty,
    );
    let _ = span.set_parent(super::propagation::extract(req.headers()));
    let started = Instant::now();
    let result = next.call(req).instrument(span.clone()).await;
    let elapsed = started.elapsed();
    let (status, route) = match &result {
        Ok(response) => (
            response.status(),
            response.request().match_pattern().unwrap_or_default(),
        ),
        Err(error) => (error.as_response_error().status_code(), String::new()),
    };
    let route = if route.is_empty() {
        "unmatched".to_owned()
    } else {
        route
    };
    if pattern.as_deref() != Some(route.as_str()) {
        super::traces::rename(&span, format!("{method} {route}"));
    }
    span.record("http.route", route.as_str());
    span.record("http.response.status_code", status.as_u16());
    if status.is_server_error() {
        span.record("otel.status_code", "ERROR");
    }
    span.in_scope(|| {
        tracing::debug!(
            http.route = %route,
            status = status.as_u16(),
            elapsed_ms = elapsed.as_secs_f64() * 1000.0,
            "request handled"
        );
    });
    super::metrics::instruments().http_duration.record(
        elapsed.as_secs_f64(),
        &[
            KeyValue::new("http.request.method", method),
            KeyValue::new("http.route", route),
            KeyValue::new("http.response.status_code", i64::from(status.as_u16())),
        ],
    );
    result
}

/// The method, or `_OTHER` for one outside the standard set (bounded labels).
fn known_method(method: &actix_web::http::Method) -> &'static str {
    match method.as_str() {
        "GET" => "GET",
        "POST" => "POST",
        "OPTIONS" => "OPTIONS",
        "HEAD" => "HEAD",
        "PUT" => "PUT",
        "DELETE" => "DELETE",
        "PATCH" => "PATCH",
        _ => "_OTHER",
    }
}
