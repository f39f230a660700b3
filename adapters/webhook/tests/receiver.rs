//! The webhook adapter against a real HTTP receiver on a local port: what arrives, whether it
//! verifies, and how each kind of answer is classed.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use chrono::{TimeZone, Utc};
use familygraph_adapter_sdk::{AdapterError, DeliveryAdapter, ErrorClass, OutboundEvent};
use familygraph_adapter_webhook::{
    DEFAULT_TOLERANCE, Secret, VerifyError, WebhookAdapter, WebhookConfig, is_gone, verify,
};

/// One request as the receiver saw it.
#[derive(Clone, Debug)]
struct Received {
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

/// A receiver that answers with the queued statuses (200 once they run out) and, for status
/// 0, sleeps past the client's timeout.
#[derive(Clone, Default)]
struct Receiver {
    received: Arc<Mutex<Vec<Received>>>,
    answers: Arc<Mutex<VecDeque<u16>>>,
}

async fn hook(request: HttpRequest, body: web::Bytes, state: web::Data<Receiver>) -> HttpResponse {
    let headers = request
        .headers()
        .iter()
        .map(|(name, value)| {
            (
                name.as_str().to_owned(),
                value.to_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    state.received.lock().unwrap().push(Received {
        headers,
        body: body.to_vec(),
    });
    let answer = state.answers.lock().unwrap().pop_front().unwrap_or(200);
    match answer {
        0 => {
            tokio::time::sleep(Duration::from_secs(3)).await;
            HttpResponse::Ok().finish()
        }
        302 => HttpResponse::Found()
            .insert_header(("location", "/elsewhere"))
            .finish(),
        status => {
            HttpResponse::build(actix_web::http::StatusCode::from_u16(status).unwrap()).finish()
        }
    }
}

async fn start(receiver: Receiver) -> String {
    let data = web::Data::new(receiver);
    let server = HttpServer::new(move || {
        App::new()
            .app_data(data.clone())
            .route("/hooks", web::post().to(hook))
            .route("/elsewhere", web::post().to(hook))
    })
    .workers(1)
    .bind("127.0.0.1:0")
    .unwrap();
    let address = server.addrs()[0];
    tokio::spawn(server.run());
    format!("http://{address}/hooks")
}

fn event() -> OutboundEvent {
    OutboundEvent {
        event_type: "lead_practitioner.allocated".to_owned(),
        subject: None,
        occurred_at: Utc.with_ymd_and_hms(2026, 12, 6, 9, 30, 0).unwrap(),
        payload: serde_json::json!({
            "child": { "id": "UGVyc29uOjAx", "upn": "A123456789012" },
            "leadPractitioner": { "name": "Sam Example", "role": "family_help_lead" }
        }),
    }
}

fn adapter(url: &str, secret: &Secret, timeout_seconds: u64) -> WebhookAdapter {
    WebhookAdapter::new(&WebhookConfig {
        name: "webhook:test".to_owned(),
        url: url.to_owned(),
        secret: secret.to_text(),
        timeout_seconds,
    })
    .unwrap()
}

fn header<'a>(received: &'a Received, name: &str) -> &'a str {
    received
        .headers
        .iter()
        .find(|(key, _)| key.eq_ignore_ascii_case(name))
        .map(|(_, value)| value.as_str())
        .unwrap_or_else(|| panic!("no {name} header"))
}

#[actix_web::test]
async fn a_delivery_arrives_signed_and_verifies_with_the_secret() {
    let receiver = Receiver::default();
    let url = start(receiver.clone()).await;
    let secret = Secret::generate();
    let adapter = adapter(&url, &secret, 5);

    let delivery = adapter.deliver(&event(), "msg_0001").await.unwrap();
    assert!(!delivery.duplicate);

    let received = receiver.received.lock().unwrap().clone();
    assert_eq!(received.len(), 1);
    let one = &received[0];
    assert_eq!(header(one, "webhook-id"), "msg_0001");
    assert_eq!(header(one, "idempotency-key"), "msg_0001");
    assert_eq!(
        header(one, "familygraph-event-type"),
        "lead_practitioner.allocated"
    );
    assert_eq!(header(one, "content-type"), "application/json");
    assert!(header(one, "webhook-signature").starts_with("v1,"));
    let now = Utc::now().timestamp();
    let sent: i64 = header(one, "webhook-timestamp").parse().unwrap();
    assert!((now - sent).abs() <= 5);

    let verified = verify(
        &secret.to_text(),
        &one.headers,
        &one.body,
        DEFAULT_TOLERANCE,
    )
    .unwrap();
    assert_eq!(verified.id, "msg_0001");

    let body: serde_json::Value = serde_json::from_slice(&one.body).unwrap();
    assert_eq!(body["type"], "lead_practitioner.allocated");
    assert_eq!(body["timestamp"], "2026-12-06T09:30:00.000Z");
    assert_eq!(body["data"]["child"]["upn"], "A123456789012");

    // Another secret, or a body changed in transit, does not verify.
    assert_eq!(
        verify(
            &Secret::generate().to_text(),
            &one.headers,
            &one.body,
            DEFAULT_TOLERANCE
        ),
        Err(VerifyError::NoMatchingSignature)
    );
    let mut tampered = one.body.clone();
    tampered.push(b' ');
    assert_eq!(
        verify(
            &secret.to_text(),
            &one.headers,
            &tampered,
            DEFAULT_TOLERANCE
        ),
        Err(VerifyError::NoMatchingSignature)
    );
}

#[actix_web::test]
async fn a_retry_carries_the_same_idempotency_key() {
    let receiver = Receiver::default();
    receiver.answers.lock().unwrap().push_back(500);
    let url = start(receiver.clone()).await;
    let secret = Secret::generate();
    let adapter = adapter(&url, &secret, 5);

    let first = adapter.deliver(&event(), "msg_retry").await.unwrap_err();
    assert_eq!(first.class(), ErrorClass::Retryable);
    assert!(matches!(first, AdapterError::Status { status: 500, .. }));
    adapter.deliver(&event(), "msg_retry").await.unwrap();

    let received = receiver.received.lock().unwrap().clone();
    assert_eq!(received.len(), 2);
    for one in &received {
        assert_eq!(header(one, "webhook-id"), "msg_retry");
        assert_eq!(header(one, "idempotency-key"), "msg_retry");
        verify(
            &secret.to_text(),
            &one.headers,
            &one.body,
            DEFAULT_TOLERANCE,
        )
        .unwrap();
    }
    assert_eq!(received[0].body, received[1].body);
}

#[actix_web::test]
async fn answers_are_classed() {
    let receiver = Receiver::default();
    receiver
        .answers
        .lock()
        .unwrap()
        .extend([410, 400, 404, 429, 503, 302, 0]);
    let url = start(receiver.clone()).await;
    let adapter = adapter(&url, &Secret::generate(), 1);

    let gone = adapter.deliver(&event(), "k1").await.unwrap_err();
    assert!(is_gone(&gone));
    assert_eq!(gone.class(), ErrorClass::Permanent);
    for status in [400, 404] {
        let error = adapter.deliver(&event(), "k").await.unwrap_err();
        assert!(matches!(error, AdapterError::Status { status: s, .. } if s == status));
        assert_eq!(error.class(), ErrorClass::Permanent, "{status}");
        assert!(!is_gone(&error));
    }
    for status in [429, 503] {
        let error = adapter.deliver(&event(), "k").await.unwrap_err();
        assert!(matches!(error, AdapterError::Status { status: s, .. } if s == status));
        assert_eq!(error.class(), ErrorClass::Retryable, "{status}");
    }
    // A redirect is not followed: one request, permanent.
    let redirected = adapter.deliver(&event(), "k").await.unwrap_err();
    assert!(matches!(
        redirected,
        AdapterError::Status { status: 302, .. }
    ));
    assert_eq!(redirected.class(), ErrorClass::Permanent);
    // A receiver slower than the timeout: retryable timeout.
    let slow = adapter.deliver(&event(), "k").await.unwrap_err();
    assert!(matches!(slow, AdapterError::Timeout { .. }), "{slow:?}");
    assert!(slow.is_retryable());
    assert_eq!(receiver.received.lock().unwrap().len(), 7);

    // Nothing listening: retryable, unreachable.
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap()
    };
    let nowhere = adapter_for(&format!("http://{closed}/hooks"));
    let unreachable = nowhere.deliver(&event(), "k").await.unwrap_err();
    assert!(
        matches!(unreachable, AdapterError::Unreachable { .. }),
        "{unreachable:?}"
    );
    assert!(unreachable.is_retryable());
}

fn adapter_for(url: &str) -> WebhookAdapter {
    adapter(url, &Secret::generate(), 2)
}

#[actix_web::test]
async fn health_reaches_the_receiver_or_says_why_not() {
    let receiver = Receiver::default();
    let url = start(receiver).await;
    let report = adapter_for(&url).health().await.unwrap();
    assert!(report.detail.contains("HEAD"), "{}", report.detail);
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap()
    };
    let error = adapter_for(&format!("http://{closed}/"))
        .health()
        .await
        .unwrap_err();
    assert!(error.is_retryable());
}
