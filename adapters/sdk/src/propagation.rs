//! Trace context on adapters' outbound requests.
//!
//! Adapters depend on neither the server nor OpenTelemetry, yet every request they send should
//! carry the W3C trace context (`traceparent`, `tracestate`) of the work that caused it, so that
//! a collector joins the partner's side to familygraph's trace. The server installs a **header
//! injector** once at start-up ([`install`]): a function that writes the current span's trace
//! context as header name/value pairs. Adapters ask for those headers on every request
//! ([`trace_headers`], or with the `http` feature [`headers`] as a `reqwest` header map):
//!
//! ```ignore
//! let response = client
//!     .get(url)
//!     .headers(familygraph_adapter_sdk::propagation::headers())
//!     .send()
//!     .await?;
//! ```
//!
//! Without an injector installed (an adapter used on its own, a test) or outside a traced span,
//! nothing is written.

use std::sync::OnceLock;

/// A header injector: called with a setter, it sets each trace-context header of the current
/// span (`set("traceparent", "00-…-…-01")`).
pub type HeaderInjector = dyn Fn(&mut dyn FnMut(&str, String)) + Send + Sync;

static INJECTOR: OnceLock<Box<HeaderInjector>> = OnceLock::new();

/// An injector was already installed; the first stays.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("a trace header injector is already installed")]
pub struct AlreadyInstalled;

/// Installs the process's header injector (once; later calls are refused).
pub fn install(
    injector: impl Fn(&mut dyn FnMut(&str, String)) + Send + Sync + 'static,
) -> Result<(), AlreadyInstalled> {
    INJECTOR
        .set(Box::new(injector))
        .map_err(|_| AlreadyInstalled)
}

/// Whether an injector is installed.
pub fn installed() -> bool {
    INJECTOR.get().is_some()
}

/// The current span's trace-context headers (none without an injector or a traced span).
pub fn trace_headers() -> Vec<(String, String)> {
    let mut headers = Vec::new();
    if let Some(injector) = INJECTOR.get() {
        injector(&mut |name, value| headers.push((name.to_owned(), value)));
    }
    headers
}

/// [`trace_headers`] as a `reqwest` header map, for `RequestBuilder::headers` (names or values
/// that are not valid headers are left out).
#[cfg(feature = "http")]
pub fn headers() -> reqwest::header::HeaderMap {
    let mut map = reqwest::header::HeaderMap::new();
    for (name, value) in trace_headers() {
        if let (Ok(name), Ok(value)) = (
            reqwest::header::HeaderName::from_bytes(name.as_bytes()),
            reqwest::header::HeaderValue::from_str(&value),
        ) {
            map.insert(name, value);
        }
    }
    map
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn nothing_until_installed_then_the_injectors_headers_once() {
        assert!(trace_headers().is_empty());
        install(|set| {
            set(
                "traceparent",
                "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01".to_owned(),
            )
        })
        .unwrap();
        assert_eq!(install(|_| {}), Err(AlreadyInstalled));
        assert_eq!(
            trace_headers(),
            vec![(
                "traceparent".to_owned(),
                "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01".to_owned()
            )]
        );
        #[cfg(feature = "http")]
        assert_eq!(headers().len(), 1);
    }
}
