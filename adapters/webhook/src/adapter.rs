//! The delivery adapter: one subscriber's URL and secret; each event one signed POST.

use std::time::Duration;

use async_trait::async_trait;
use chrono::{SecondsFormat, Utc};
use familygraph_adapter_sdk::{
    AdapterConfig, AdapterError, Delivery, DeliveryAdapter, HealthReport, OutboundEvent,
};
use reqwest::header::{CONTENT_TYPE, HeaderValue, USER_AGENT};
use serde::{Deserialize, Serialize};

use crate::signing::{
    HEADER_EVENT_TYPE, HEADER_ID, HEADER_IDEMPOTENCY_KEY, HEADER_SIGNATURE, HEADER_TIMESTAMP,
    Secret,
};

/// A webhook target's configuration.
#[derive(Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct WebhookConfig {
    /// The target's name (logs, errors, metrics), e.g. `webhook:<subscription id>`.
    pub name: String,
    /// Where events are POSTed: `https://…`, or `http://` to a loopback address (development
    /// and tests only). No user name or password in the URL.
    pub url: String,
    /// The signing secret, `whsec_<base64>`.
    pub secret: String,
    /// How long one POST may take, connection included, before it counts as a (retryable)
    /// timeout. Default 10.
    #[serde(default = "default_timeout")]
    pub timeout_seconds: u64,
}

impl std::fmt::Debug for WebhookConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookConfig")
            .field("name", &self.name)
            .field("url", &self.url)
            .field("secret", &"redacted")
            .field("timeout_seconds", &self.timeout_seconds)
            .finish()
    }
}

fn default_timeout() -> u64 {
    10
}

/// Why a subscriber URL is not acceptable: `None` when it is. HTTPS always; plain HTTP only
/// to a loopback host (`localhost`, `127.0.0.0/8`, `::1`); never credentials in the URL.
pub fn url_problem(url: &str) -> Option<String> {
    let parsed = match reqwest::Url::parse(url) {
        Ok(parsed) => parsed,
        Err(e) => return Some(format!("not an absolute URL: {e}")),
    };
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Some("must not carry a user name or password".to_owned());
    }
    let loopback = match parsed.host() {
        Some(url::Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => return Some("has no host".to_owned()),
    };
    match parsed.scheme() {
        "https" => None,
        "http" if loopback => None,
        "http" => Some("must use https (plain http only to a loopback address)".to_owned()),
        other => Some(format!("scheme {other:?} is not https")),
    }
}

impl AdapterConfig for WebhookConfig {
    const KIND: &'static str = "webhook";

    fn validate(&self) -> Result<(), AdapterError> {
        let bad = |reason: String| {
            Err(AdapterError::Config {
                reason: format!("webhook adapter: {reason}"),
            })
        };
        if self.name.trim().is_empty() {
            return bad("name must not be empty".to_owned());
        }
        if let Some(problem) = url_problem(&self.url) {
            return bad(format!("url {problem}"));
        }
        if let Err(e) = Secret::parse(&self.secret) {
            return bad(e.to_string());
        }
        if self.timeout_seconds == 0 {
            return bad("timeout_seconds must be positive".to_owned());
        }
        Ok(())
    }
}

/// POSTs events to one subscriber, signed with its secret.
///
/// Each delivery is `POST <url>` with a JSON body `{"type", "timestamp", "data"}` (the event
/// type, when it happened in RFC 3339, and the event's payload) and the headers
/// `webhook-id` (= the idempotency key), `webhook-timestamp`, `webhook-signature`,
/// `Idempotency-Key` (= `webhook-id`) and `familygraph-event-type`. Redirects are not followed.
///
/// Outcomes: 2xx delivered; 410 Gone permanent ([`is_gone`]: the subscriber has withdrawn, so
/// the server deactivates the subscription); other 4xx permanent except 408 and 429; 5xx,
/// timeouts and connection failures retryable ([`AdapterError::transport`]). Redirects (3xx)
/// are permanent: a subscriber that moved must update its subscription.
pub struct WebhookAdapter {
    name: String,
    url: reqwest::Url,
    secret: Secret,
    http: reqwest::Client,
}

impl std::fmt::Debug for WebhookAdapter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookAdapter")
            .field("name", &self.name)
            .field("url", &self.url.as_str())
            .finish_non_exhaustive()
    }
}

/// Whether a delivery failed because the subscriber answered 410 Gone.
pub fn is_gone(error: &AdapterError) -> bool {
    matches!(error, AdapterError::Status { status: 410, .. })
}

impl WebhookAdapter {
    /// An adapter for a validated configuration.
    pub fn new(config: &WebhookConfig) -> Result<Self, AdapterError> {
        config.validate()?;
        let url = reqwest::Url::parse(&config.url).map_err(|e| AdapterError::Config {
            reason: format!("webhook adapter: url: {e}"),
        })?;
        let secret = Secret::parse(&config.secret).map_err(|e| AdapterError::Config {
            reason: format!("webhook adapter: {e}"),
        })?;
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(config.timeout_seconds))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| AdapterError::Config {
                reason: format!("webhook adapter: HTTP client: {e}"),
            })?;
        Ok(Self {
            name: config.name.clone(),
            url,
            secret,
            http,
        })
    }

    /// The body sent for `event`: `{"type", "timestamp", "data"}`, as the Standard Webhooks
    /// specification recommends.
    pub fn body(event: &OutboundEvent) -> Result<Vec<u8>, AdapterError> {
        serde_json::to_vec(&serde_json::json!({
            "type": event.event_type,
            "timestamp": event.occurred_at.to_rfc3339_opts(SecondsFormat::Millis, true),
            "data": event.payload,
        }))
        .map_err(|e| AdapterError::Config {
            reason: format!("webhook adapter: event is not serialisable: {e}"),
        })
    }

    /// POSTs `event` signed, with `idempotency_key` as its `webhook-id`: the receiver's 2xx
    /// status, or the error (see the type's documentation for how answers are classed).
    pub async fn post(
        &self,
        event: &OutboundEvent,
        idempotency_key: &str,
    ) -> Result<u16, AdapterError> {
        let target = self.url.as_str();
        let body = Self::body(event)?;
        let timestamp = Utc::now().timestamp();
        let signature = self.secret.sign(idempotency_key, timestamp, &body);
        let id = self.header(idempotency_key)?;
        let response = self
            .http
            .post(self.url.clone())
            .headers(familygraph_adapter_sdk::propagation::headers())
            .header(CONTENT_TYPE, "application/json")
            .header(USER_AGENT, "familygraph-webhooks/1")
            .header(HEADER_ID, id.clone())
            .header(HEADER_IDEMPOTENCY_KEY, id)
            .header(HEADER_TIMESTAMP, timestamp.to_string())
            .header(HEADER_SIGNATURE, self.header(&signature)?)
            .header(HEADER_EVENT_TYPE, self.header(&event.event_type)?)
            .body(body)
            .send()
            .await
            .map_err(|e| AdapterError::transport(target, e.is_timeout(), e))?;
        let status = response.status();
        if status.is_success() {
            Ok(status.as_u16())
        } else {
            Err(AdapterError::Status {
                target: target.to_owned(),
                status: status.as_u16(),
            })
        }
    }

    fn header(&self, value: &str) -> Result<HeaderValue, AdapterError> {
        HeaderValue::from_str(value).map_err(|_| AdapterError::Refused {
            target: self.name.clone(),
            reason: format!("{value:?} is not a valid header value"),
        })
    }
}

#[async_trait]
impl DeliveryAdapter for WebhookAdapter {
    fn name(&self) -> &str {
        &self.name
    }

    /// Checks that the subscriber's server answers at all (a `HEAD` of the URL; any HTTP
    /// status counts, since receivers need only accept `POST`).
    async fn health(&self) -> Result<HealthReport, AdapterError> {
        let target = self.url.as_str();
        let response = self
            .http
            .head(self.url.clone())
            .headers(familygraph_adapter_sdk::propagation::headers())
            .send()
            .await
            .map_err(|e| AdapterError::transport(target, e.is_timeout(), e))?;
        Ok(HealthReport {
            target: target.to_owned(),
            detail: format!("webhook receiver answered HEAD with {}", response.status()),
        })
    }

    async fn deliver(
        &self,
        event: &OutboundEvent,
        idempotency_key: &str,
    ) -> Result<Delivery, AdapterError> {
        self.post(event, idempotency_key).await?;
        Ok(Delivery {
            receipt: None,
            duplicate: false,
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn config(url: &str) -> WebhookConfig {
        WebhookConfig {
            name: "webhook:test".to_owned(),
            url: url.to_owned(),
            secret: Secret::generate().to_text(),
            timeout_seconds: 5,
        }
    }

    #[test]
    fn urls() {
        assert_eq!(url_problem("https://mis.example.invalid/hooks"), None);
        assert_eq!(url_problem("http://127.0.0.1:8080/hooks"), None);
        assert_eq!(url_problem("http://localhost/hooks"), None);
        assert_eq!(url_problem("http://[::1]:9/hooks"), None);
        assert!(url_problem("http://mis.example.invalid/hooks").is_some());
        assert!(url_problem("ftp://mis.example.invalid/hooks").is_some());
        assert!(url_problem("https://user:pw@mis.example.invalid/").is_some());
        assert!(url_problem("/hooks").is_some());
    }

    #[test]
    fn configuration_is_validated_and_its_secret_hidden() {
        assert!(
            config("https://mis.example.invalid/hooks")
                .validate()
                .is_ok()
        );
        assert!(
            config("http://mis.example.invalid/hooks")
                .validate()
                .is_err()
        );
        let mut bad = config("https://mis.example.invalid/hooks");
        bad.secret = "whsec_nope".to_owned();
        assert!(bad.validate().is_err());
        let unknown = WebhookConfig::from_value(serde_json::json!({
            "name": "w", "url": "https://mis.example.invalid/", "secret": Secret::generate().to_text(),
            "retries": 3
        }));
        assert!(matches!(unknown, Err(AdapterError::Config { .. })));
        let shown = format!("{:?}", config("https://mis.example.invalid/hooks"));
        assert!(!shown.contains("whsec_"), "{shown}");
    }

    #[test]
    fn gone_is_permanent_and_recognised() {
        let gone = AdapterError::Status {
            target: "u".into(),
            status: 410,
        };
        assert!(is_gone(&gone));
        assert!(!gone.is_retryable());
        assert!(!is_gone(&AdapterError::Status {
            target: "u".into(),
            status: 404
        }));
    }
}
