//! Signed webhooks for partner systems that want to be told rather than ask.
//!
//! [`WebhookAdapter`] is a [`DeliveryAdapter`](familygraph_adapter_sdk::DeliveryAdapter): it
//! POSTs each event as JSON to a subscriber's URL, signed the
//! [Standard Webhooks](https://www.standardwebhooks.com/) way — headers `webhook-id` (the
//! delivery's idempotency key, the same on every retry), `webhook-timestamp` (this attempt, Unix
//! seconds) and `webhook-signature` (`v1,` + base64 HMAC-SHA256 with the subscription's secret
//! over `{webhook-id}.{webhook-timestamp}.{body}`), plus `Idempotency-Key` (the same value as
//! `webhook-id`) and `familygraph-event-type`.
//!
//! [`verify`] is what a partner's receiver runs (in Rust; any Standard Webhooks library does
//! the same in other languages): it checks the headers, the timestamp's freshness and the
//! signature over the raw body. `docs/webhooks.md` is the partners' guide.
//!
//! Like every adapter, this crate never touches the database or GraphQL: the server decides who
//! receives which event (subscriptions, the subscriber's access policy, the payload's fields)
//! and keeps the delivery log; the adapter only signs and sends.

mod adapter;
mod signing;

pub use adapter::{WebhookAdapter, WebhookConfig, is_gone, url_problem};
pub use signing::{
    DEFAULT_TOLERANCE, HEADER_EVENT_TYPE, HEADER_ID, HEADER_IDEMPOTENCY_KEY, HEADER_SIGNATURE,
    HEADER_TIMESTAMP, HeaderSource, SECRET_BYTES, SECRET_PREFIX, Secret, SecretError, Verified,
    VerifyError, verify, verify_at,
};
