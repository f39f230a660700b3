//! W3C trace context (`traceparent`, `tracestate`): read from callers, written on outbound
//! calls so that a collector joins both sides into one trace.
//!
//! Adapters' HTTP clients call [`inject`] (or [`traced`]) on each request they send.

use opentelemetry::Context;
use opentelemetry::propagation::{Extractor, Injector, TextMapPropagator as _};
use opentelemetry_sdk::propagation::TraceContextPropagator;
use tracing_opentelemetry::OpenTelemetrySpanExt as _;

struct IncomingHeaders<'a>(&'a actix_web::http::header::HeaderMap);

impl Extractor for IncomingHeaders<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).and_then(|value| value.to_str().ok())
    }

    fn keys(&self) -> Vec<&str> {
        self.0.keys().map(|name| name.as_str()).collect()
    }
}

struct OutgoingHeaders<'a>(&'a mut reqwest::header::HeaderMap);

impl Injector for OutgoingHeaders<'_> {
    fn set(&mut self, key: &str, value: String) {
        if let (Ok(name), Ok(value)) = (
            reqwest::header::HeaderName::from_bytes(key.as_bytes()),
            reqwest::header::HeaderValue::from_str(&value),
        ) {
            self.0.insert(name, value);
        }
    }
}

/// The caller's trace context from a request's headers (an empty context when there is none
/// or it is malformed: the request then starts a new trace).
pub fn extract(headers: &actix_web::http::header::HeaderMap) -> Context {
    TraceContextPropagator::new().extract(&IncomingHeaders(headers))
}

/// Writes the current span's trace context (`traceparent`, and `tracestate` when there is
/// one) into `headers`. Writes nothing outside a traced span.
pub fn inject(headers: &mut reqwest::header::HeaderMap) {
    let context = tracing::Span::current().context();
    TraceContextPropagator::new().inject_context(&context, &mut OutgoingHeaders(headers));
}

/// Installs [`inject`] as the adapter SDK's header injector
/// (`familygraph_adapter_sdk::propagation`), so every adapter's outbound request carries the
/// current span's `traceparent`. Idempotent: a second call changes nothing.
pub fn install_for_adapters() {
    let _ = familygraph_adapter_sdk::propagation::install(|set| {
        let mut headers = reqwest::header::HeaderMap::new();
        inject(&mut headers);
        for (name, value) in &headers {
            if let Ok(value) = value.to_str() {
                set(name.as_str(), value.to_owned());
            }
        }
    });
}

/// `request` carrying the current span's trace context: `traced(client.get(url)).send()`.
pub fn traced(request: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
    let mut headers = reqwest::header::HeaderMap::new();
    inject(&mut headers);
    request.headers(headers)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use opentelemetry::trace::TraceContextExt as _;
    use opentelemetry_sdk::trace::SdkTracerProvider;
    use tracing_subscriber::layer::SubscriberExt as _;

    const PARENT: &str = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

    #[test]
    fn the_callers_context_is_read_and_passed_on_below_our_span() {
        let mut incoming = actix_web::http::header::HeaderMap::new();
        incoming.insert(
            actix_web::http::header::HeaderName::from_static("traceparent"),
            actix_web::http::header::HeaderValue::from_static(PARENT),
        );
        let caller = extract(&incoming);
        assert_eq!(
            caller.span().span_context().trace_id().to_string(),
            "0af7651916cd43dd8448eb211c80319c"
        );

        let provider = SdkTracerProvider::builder().build();
        let subscriber = tracing_subscriber::registry().with(
            tracing_opentelemetry::layer().with_tracer(super::super::traces::tracer(&provider)),
        );
        tracing::subscriber::with_default(subscriber, || {
            let span = tracing::info_span!("http.request");
            span.set_parent(caller).unwrap();
            let _entered = span.enter();
            let mut outgoing = reqwest::header::HeaderMap::new();
            inject(&mut outgoing);
            let traceparent = outgoing["traceparent"].to_str().unwrap();
            assert!(traceparent.starts_with("00-0af7651916cd43dd8448eb211c80319c-"));
            assert!(
                !traceparent.contains("b7ad6b7169203331"),
                "our span, not the caller's"
            );
        });

        let mut outside = reqwest::header::HeaderMap::new();
        inject(&mut outside);
        assert!(outside.is_empty());
    }

    #[test]
    fn a_malformed_traceparent_starts_a_new_trace() {
        let mut incoming = actix_web::http::header::HeaderMap::new();
        incoming.insert(
            actix_web::http::header::HeaderName::from_static("traceparent"),
            actix_web::http::header::HeaderValue::from_static("00-zz-yy-01"),
        );
        assert!(!extract(&incoming).span().span_context().is_valid());
    }
}
