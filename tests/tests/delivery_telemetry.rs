//! Outbound delivery's telemetry, in a process of its own (the meter and tracer providers are
//! process-wide): delivery metrics on `/metrics`, and the active span's `traceparent` on every
//! adapter's outbound HTTP request (webhook, Open Referral UK, FHIR, school MIS), received by a
//! local server. Runs on the backend `FAMILYGRAPH_TEST_BACKEND` names.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use familygraph::delivery::backoff::Backoff;
use familygraph::delivery::worker::WorkerSettings;
use familygraph::delivery::{
    Deliveries, DeliverySettings, DeliveryTarget, StaticTargets, TargetSource, case_system,
};
use familygraph::telemetry;
use familygraph_adapter_sdk::{
    AdapterError, Delivery, DeliveryAdapter, HealthReport, OutboundEvent, SourceAdapter,
    async_trait,
};
use familygraph_domain::Role;
use familygraph_tests::TestApp;
use serde_json::json;
use tracing::Instrument as _;

/// Sets the process's telemetry up once, as `familygraph` does (no OTLP endpoint: spans are
/// made and sampled, metrics go to `/metrics`).
fn telemetry() {
    static ONCE: OnceLock<()> = OnceLock::new();
    ONCE.get_or_init(|| {
        let settings = telemetry::Settings::from_lookup(|_| None).unwrap();
        std::mem::forget(telemetry::init(&settings).unwrap());
    });
}

/// A local HTTP server answering 200 `{}` to anything, recording each request's
/// `traceparent` (or `None`).
async fn capture_server() -> (String, Arc<Mutex<Vec<Option<String>>>>) {
    let seen: Arc<Mutex<Vec<Option<String>>>> = Arc::default();
    let data = web::Data::new(seen.clone());
    let server = HttpServer::new(move || {
        App::new().app_data(data.clone()).default_service(web::to(
            |request: HttpRequest, seen: web::Data<Arc<Mutex<Vec<Option<String>>>>>| async move {
                let traceparent = request
                    .headers()
                    .get("traceparent")
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_owned);
                seen.lock().unwrap().push(traceparent);
                HttpResponse::Ok()
                    .content_type("application/json")
                    .body(r#"{"resourceType":"CapabilityStatement","data":[],"meta":{}}"#)
            },
        ))
    })
    .workers(1)
    .bind("127.0.0.1:0")
    .unwrap();
    let address = server.addrs()[0];
    tokio::spawn(server.run());
    (format!("http://{address}"), seen)
}

/// Calls each adapter once against `base`.
async fn call_every_adapter(base: &str, secret: &Path) {
    let webhook = familygraph_adapter_webhook::WebhookAdapter::new(
        &familygraph_adapter_webhook::WebhookConfig {
            name: "webhook:example".into(),
            url: format!("{base}/hooks"),
            secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw".into(),
            timeout_seconds: 5,
        },
    )
    .unwrap();
    let event = OutboundEvent {
        event_type: "lead_practitioner.allocated".into(),
        subject: None,
        occurred_at: chrono::Utc::now(),
        payload: json!({ "eventId": "019af1c2-d3e4-7c3b-8a9e-0f1a2b3c4d5e" }),
    };
    webhook.post(&event, "msg_example").await.unwrap();

    let directory =
        familygraph_adapter_openreferral::OpenReferralClient::new(base, Duration::from_secs(5))
            .unwrap();
    let _ = directory.meta().await;

    let fhir =
        familygraph_adapter_fhir::FhirAdapter::new(familygraph_adapter_fhir::FhirConfig::new(
            "gp-example",
            familygraph_adapter_fhir::FhirSource::Server {
                base_url: base.to_owned(),
            },
        ))
        .unwrap();
    let _ = fhir.health().await;

    let school = familygraph_adapter_schoolmis::SchoolMisClient::new(
        &familygraph_adapter_schoolmis::SchoolMisConfig {
            name: "school-example".into(),
            base_url: base.to_owned(),
            school_id: "A1930499544".into(),
            urn: "100000".into(),
            auth: familygraph_adapter_schoolmis::AuthConfig::Bearer {
                token: familygraph_adapter_schoolmis::Secret::File(secret.to_owned()),
            },
            per_page: 10,
            timeout_seconds: 5,
            max_retry_after_seconds: 1,
            attendance_period: familygraph_adapter_schoolmis::AttendancePeriod {
                start: chrono::NaiveDate::from_ymd_opt(2025, 9, 1).unwrap(),
                end: chrono::NaiveDate::from_ymd_opt(2025, 10, 31).unwrap(),
            },
        },
    )
    .unwrap();
    let _ = school.students(None, 1, 10).await;
}

#[tokio::test]
async fn every_adapter_request_carries_the_active_spans_traceparent() {
    telemetry();
    let (base, seen) = capture_server().await;
    let secret = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(secret.path(), "synthetic-token").unwrap();

    // The server traces its own spans (target `familygraph…`), as the delivery worker's.
    let span = tracing::info_span!(target: "familygraph::delivery::worker", "adapter work");
    let expected = {
        let _entered = span.enter();
        let mut headers = reqwest::header::HeaderMap::new();
        telemetry::propagation::inject(&mut headers);
        headers["traceparent"].to_str().unwrap().to_owned()
    };
    assert!(
        expected.starts_with("00-") && expected.len() == 55,
        "{expected}"
    );
    call_every_adapter(&base, secret.path())
        .instrument(span.clone())
        .await;
    let traced = seen.lock().unwrap().clone();
    assert_eq!(traced.len(), 4, "one request per adapter: {traced:?}");
    for (i, traceparent) in traced.iter().enumerate() {
        assert_eq!(
            traceparent.as_deref(),
            Some(expected.as_str()),
            "request {i}"
        );
    }

    // Outside a traced span nothing is sent.
    seen.lock().unwrap().clear();
    call_every_adapter(&base, secret.path()).await;
    let untraced = seen.lock().unwrap().clone();
    assert_eq!(untraced, vec![None; 4]);
}

const RECORD_CONTACT: &str =
    "mutation Record($input: RecordContactInput!) { recordContact(input: $input) {
    contact { id } userErrors { field code message } } }";

/// Refuses every event, permanently.
struct Refusing;

#[async_trait]
impl DeliveryAdapter for Refusing {
    fn name(&self) -> &str {
        "refusing-system"
    }
    async fn health(&self) -> Result<HealthReport, AdapterError> {
        Ok(HealthReport {
            target: "refusing-system".into(),
            detail: "refuses everything".into(),
        })
    }
    async fn deliver(&self, _: &OutboundEvent, _: &str) -> Result<Delivery, AdapterError> {
        Err(AdapterError::Refused {
            target: "refusing-system".into(),
            reason: "refuses this event type".into(),
        })
    }
}

/// The value of the Prometheus sample `name{labels}` (labels as rendered), if present.
fn sample(text: &str, series: &str) -> Option<f64> {
    text.lines().find_map(|line| {
        line.strip_prefix(series)
            .and_then(|rest| rest.trim().parse().ok())
    })
}

#[tokio::test]
async fn deliveries_are_counted_timed_and_their_backlog_gauged() {
    telemetry();
    let app = TestApp::start().await;
    let token = app.token(Role::FrontDoorOfficer, Some("sw-ifd-01"), Some("IFD"));
    let reply = app
        .graphql(
            Some(&token),
            RECORD_CONTACT,
            json!({ "input": {
                "source": "SCHOOLS", "recordedBy": "Designated safeguarding lead, a primary school",
                "presentingConcern": "Synthetic concern: attendance has fallen.",
                "child": { "givenName": "Robin", "familyName": "Metrics", "dateOfBirth": "2018-05-04",
                           "sex": "FEMALE",
                           "address": { "line1": "1 Example Row", "town": "Crewe",
                                        "postcode": "CW1 0ZZ", "lsoaCode": "E01018445" } }
            } }),
        )
        .await;
    assert_eq!(reply.data()["recordContact"]["userErrors"], json!([]));

    let dir = tempfile::tempdir().unwrap();
    let directory = dir.path().display().to_string();
    let settings = DeliverySettings::from_lookup(|key| match key {
        "FAMILYGRAPH_DELIVERY_CASE_SYSTEM" => Some("drop_files".to_owned()),
        "FAMILYGRAPH_DELIVERY_DROP_DIRECTORY" => Some(directory.clone()),
        _ => None,
    })
    .unwrap();
    let delivering = case_system::target(&settings).unwrap().unwrap();
    let mut refusing: DeliveryTarget = case_system::target(&settings).unwrap().unwrap();
    refusing.name = "refusing-system".into();
    refusing.adapter = Arc::new(Refusing);
    let source: Arc<dyn TargetSource> = Arc::new(StaticTargets(vec![delivering, refusing]));
    let deliveries = Deliveries::start(
        app.db.clone(),
        vec![source],
        WorkerSettings {
            poll: Duration::from_millis(50),
            backoff: Backoff {
                initial: Duration::from_millis(100),
                max: Duration::from_millis(800),
            },
            lease: Duration::from_secs(3),
            ..WorkerSettings::default()
        },
    );

    let series = |outcome: &str| {
        format!(
            "familygraph_delivery_attempts_total{{familygraph_delivery_target_kind=\"case_system\",outcome=\"{outcome}\"}}"
        )
    };
    let backlog = "familygraph_delivery_backlog{familygraph_delivery_state=\"dead_letter\",familygraph_delivery_target_kind=\"case_system\"}";
    let latency = "familygraph_delivery_latency_seconds_count{familygraph_delivery_target_kind=\"case_system\"}";
    let started = std::time::Instant::now();
    let text = loop {
        let text = app
            .client()
            .get(app.url("/metrics"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let done = sample(&text, &series("succeeded")).is_some_and(|n| n >= 1.0)
            && sample(&text, &series("dead_lettered")).is_some_and(|n| n >= 1.0)
            && sample(&text, backlog).is_some_and(|n| n >= 1.0);
        if done || started.elapsed() > Duration::from_secs(30) {
            break text;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    deliveries.stop(Duration::from_secs(10)).await;
    let delivery_lines: Vec<&str> = text
        .lines()
        .filter(|l| l.contains("familygraph_delivery"))
        .collect();
    assert!(
        sample(&text, &series("succeeded")).is_some_and(|n| n >= 1.0),
        "{delivery_lines:#?}"
    );
    assert!(
        sample(&text, &series("dead_lettered")).is_some_and(|n| n >= 1.0),
        "{delivery_lines:#?}"
    );
    assert!(
        sample(&text, latency).is_some_and(|n| n >= 1.0),
        "{delivery_lines:#?}"
    );
    assert!(
        sample(&text, backlog).is_some_and(|n| n >= 1.0),
        "{delivery_lines:#?}"
    );
    // No payload, no personal data in the labels.
    assert!(!text.contains("Metrics\"") && !text.contains("Robin"));
}
