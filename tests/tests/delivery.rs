//! Outbound delivery to the case system, end to end: a contact or a partner's support recorded
//! through GraphQL on a real server reaches the case system's drop directory (or staging
//! table) exactly once — through retries with back-off, a repeated delivery, two replicas and a
//! server's shutdown. Runs on the backend `FAMILYGRAPH_TEST_BACKEND` names.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use familygraph::delivery::backoff::Backoff;
use familygraph::delivery::worker::WorkerSettings;
use familygraph::delivery::{
    Deliveries, DeliverySettings, DeliveryTarget, StaticTargets, TargetSource, case_system,
};
use familygraph_adapter_liquidlogic::outbound::{DropFileAdapter, DropFileConfig, EventDocument};
use familygraph_adapter_sdk::{
    AdapterError, Delivery, DeliveryAdapter, HealthReport, OutboundEvent, async_trait,
};
use familygraph_domain::Role;
use familygraph_tests::{Backend, TestApp, postgres_server};
use sea_orm::{ConnectionTrait, DatabaseConnection, Statement};
use serde_json::{Value, json};

const RECORD_CONTACT: &str =
    "mutation Record($input: RecordContactInput!) { recordContact(input: $input) {
    contact { id child { id } } userErrors { field code message } } }";

const RECORD_SUPPORT: &str =
    "mutation($input: RecordPartnerSupportInput!) { recordPartnerSupport(input: $input) {
    partnerRecord { id } userErrors { field code message } } }";

/// Fast workers: 50 ms polls, back-off from 100 ms to 800 ms, a 3 s lease.
fn fast() -> WorkerSettings {
    WorkerSettings {
        poll: Duration::from_millis(50),
        batch: 100,
        backoff: Backoff {
            initial: Duration::from_millis(100),
            max: Duration::from_millis(800),
        },
        max_attempts: 0,
        lease: Duration::from_secs(3),
        attempt_timeout: Duration::from_secs(5),
        refresh: Duration::from_secs(60),
    }
}

/// The case system's drop-file target, through the settings the server reads.
fn drop_file_settings(directory: &Path) -> DeliverySettings {
    let directory = directory.display().to_string();
    let mut settings = DeliverySettings::from_lookup(|key| match key {
        "FAMILYGRAPH_DELIVERY_CASE_SYSTEM" => Some("drop_files".to_owned()),
        "FAMILYGRAPH_DELIVERY_DROP_DIRECTORY" => Some(directory.clone()),
        _ => None,
    })
    .unwrap();
    settings.worker = fast();
    settings
}

fn drop_file_adapter(directory: &Path) -> Arc<dyn DeliveryAdapter> {
    Arc::new(
        DropFileAdapter::new(DropFileConfig {
            name: "case-system".into(),
            directory: directory.to_path_buf(),
        })
        .unwrap(),
    )
}

/// The case system's target with `adapter` in place of the configured one.
fn target_with(directory: &Path, adapter: Arc<dyn DeliveryAdapter>) -> DeliveryTarget {
    let mut target = case_system::target(&drop_file_settings(directory))
        .unwrap()
        .unwrap();
    target.adapter = adapter;
    target
}

fn start(db: &DatabaseConnection, target: DeliveryTarget) -> Deliveries {
    let source: Arc<dyn TargetSource> = Arc::new(StaticTargets(vec![target]));
    Deliveries::start(db.clone(), vec![source], fast())
}

/// The event files in `directory`, parsed, by name.
fn files(directory: &Path) -> Vec<(String, EventDocument)> {
    let Ok(entries) = std::fs::read_dir(directory) else {
        return Vec::new();
    };
    let mut files: Vec<(String, EventDocument)> = entries
        .map(|e| e.unwrap())
        .filter(|e| e.file_type().unwrap().is_file())
        // Temporary files (being written) start with a dot; the case system ignores them.
        .filter(|e| !e.file_name().to_string_lossy().starts_with('.'))
        .map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            let document = serde_json::from_slice(&std::fs::read(e.path()).unwrap()).unwrap();
            (name, document)
        })
        .collect();
    files.sort_by(|a, b| a.0.cmp(&b.0));
    files
}

async fn wait_until<F, Fut>(what: &str, timeout: Duration, mut done: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let started = Instant::now();
    while !done().await {
        assert!(started.elapsed() < timeout, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn count(app: &TestApp, sql: &str) -> i64 {
    app.count(sql).await
}

async fn record_contact(app: &TestApp, n: usize) -> String {
    let token = app.token(Role::FrontDoorOfficer, Some("sw-ifd-01"), Some("IFD"));
    let reply = app
        .graphql(
            Some(&token),
            RECORD_CONTACT,
            json!({ "input": {
                "source": "SCHOOLS", "recordedBy": "Designated safeguarding lead, a primary school",
                "presentingConcern": format!("Synthetic concern number {n}: attendance has fallen."),
                "child": { "givenName": "Robin", "familyName": format!("Outbound{n}"),
                           "dateOfBirth": "2018-05-04", "sex": "FEMALE",
                           "address": { "line1": "1 Example Row", "town": "Crewe",
                                        "postcode": "CW1 0ZZ", "lsoaCode": "E01018445" } }
            } }),
        )
        .await;
    let payload = &reply.data()["recordContact"];
    assert_eq!(payload["userErrors"], json!([]), "{payload}");
    uuid_of(&payload["contact"]["id"])
}

/// The record id inside a GraphQL global id.
fn uuid_of(id: &Value) -> String {
    let id = async_graphql::ID(id.as_str().unwrap().to_owned());
    familygraph_graphql::global_id::decode("id", &id)
        .unwrap()
        .1
        .to_string()
}

fn global_id(type_name: &str, id: &str) -> String {
    familygraph_graphql::global_id::encode(type_name, id.parse().unwrap()).0
}

/// A delivery row's (status, attempts, duplicate, last_error).
async fn ledger(db: &DatabaseConnection) -> Vec<(String, i32, bool, Option<String>)> {
    let rows = db
        .query_all_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT status, attempts, duplicate, last_error FROM outbox_delivery ORDER BY outbox_event_id",
        ))
        .await
        .unwrap();
    rows.iter()
        .map(|r| {
            (
                r.try_get_by_index(0).unwrap(),
                r.try_get_by_index(1).unwrap(),
                r.try_get_by_index(2).unwrap(),
                r.try_get_by_index(3).unwrap(),
            )
        })
        .collect()
}

async fn delivered(app: &TestApp) -> i64 {
    count(
        app,
        "SELECT COUNT(*) FROM outbox_delivery WHERE status = 'delivered'",
    )
    .await
}

/// A child a VCS group knows, the group's id, and the seed's worker subject for it.
async fn vcs_child(app: &TestApp) -> (String, String, &'static str) {
    let row = app
        .db
        .query_one_raw(Statement::from_string(
            app.db.get_database_backend(),
            "SELECT agency_link.person_id, agency.id, agency.name FROM agency_link
             JOIN agency ON agency.id = agency_link.agency_id
             WHERE agency_link.kind = 'KNOWN_TO' AND agency_link.ended_on IS NULL AND agency.kind = 'VCS'
             ORDER BY agency.name, agency_link.person_id LIMIT 1",
        ))
        .await
        .unwrap()
        .expect("a child known to a VCS group in the seed");
    let child: uuid::Uuid = row.try_get_by_index(0).unwrap();
    let agency: uuid::Uuid = row.try_get_by_index(1).unwrap();
    let name: String = row.try_get_by_index(2).unwrap();
    let subject = if name.starts_with("Lanternlight") {
        "vcs-01"
    } else {
        "vcs-02"
    };
    (child.to_string(), agency.to_string(), subject)
}

#[tokio::test]
async fn contacts_and_partner_support_reach_the_drop_directory_once_each() {
    let app = TestApp::start().await;
    let dir = tempfile::tempdir().unwrap();

    // A contact about a child already known to the case system: its case-system id travels.
    let token = app.token(Role::FrontDoorOfficer, Some("sw-ifd-01"), Some("IFD"));
    let visible = app
        .graphql(
            Some(&token),
            "{ children(first: 50) { edges { node { id identifiers { kind value } } } } }",
            json!({}),
        )
        .await;
    let (known_child, case_id) = visible.data()["children"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .find_map(|edge| {
            let node = &edge["node"];
            node["identifiers"]
                .as_array()?
                .iter()
                .find(|i| i["kind"] == "CASE_SYSTEM_ID")
                .map(|i| {
                    (
                        uuid_of(&node["id"]),
                        i["value"].as_str().unwrap().to_owned(),
                    )
                })
        })
        .expect("a child with a case-system id the front door can see");
    let reply = app
        .graphql(
            Some(&token),
            RECORD_CONTACT,
            json!({ "input": {
                "source": "POLICE", "recordedBy": "A synthetic police officer",
                "presentingConcern": "Synthetic: police attended a domestic incident.",
                "child": { "id": global_id("Person", &known_child) } } }),
        )
        .await;
    let recorded = &reply.data()["recordContact"];
    assert_eq!(recorded["userErrors"], json!([]), "{recorded}");
    let contact_id = uuid_of(&recorded["contact"]["id"]);
    // A new child's contact.
    let new_contact = record_contact(&app, 1).await;
    // Support a VCS group gave.
    let (child, agency, subject) = vcs_child(&app).await;
    let vcs = app.token(Role::VcsPartner, Some(subject), None);
    let today = chrono::Utc::now().date_naive().to_string();
    let reply = app
        .graphql(
            Some(&vcs),
            RECORD_SUPPORT,
            json!({ "input": { "agencyId": global_id("Agency", &agency), "childId": global_id("Person", &child),
                               "description": "Synthetic: weekly food parcel.",
                               "occurredOn": today, "lawfulBasis": "CONSENT" } }),
        )
        .await;
    let support = &reply.data()["recordPartnerSupport"];
    assert_eq!(support["userErrors"], json!([]), "{support}");
    let support_id = uuid_of(&support["partnerRecord"]["id"]);

    // The worker starts after the writes: SQLite has one writer at a time, and the store's
    // deferred transactions fail rather than wait when another connection writes between
    // their first read and first write.
    let deliveries =
        Deliveries::start_configured(app.db.clone(), &drop_file_settings(dir.path()), Vec::new())
            .unwrap()
            .unwrap();

    wait_until("three files", Duration::from_secs(20), || async {
        files(dir.path()).len() >= 3
    })
    .await;
    let written = files(dir.path());
    assert_eq!(
        written.len(),
        3,
        "{:?}",
        written.iter().map(|f| &f.0).collect::<Vec<_>>()
    );
    let find = |id: &str| {
        written
            .iter()
            .find(|(_, d)| d.subject.as_ref().is_some_and(|s| s.source.id == id))
            .unwrap_or_else(|| panic!("no file for {id}"))
            .clone()
    };
    let (name, known_doc) = find(&contact_id);
    assert_eq!(known_doc.schema, "familygraph.case-system-event/1");
    assert_eq!(known_doc.event_type, "ContactRecorded");
    assert!(known_doc.idempotency_key.starts_with("case-system:"));
    assert_eq!(
        name,
        familygraph_adapter_liquidlogic::outbound::file_name(&known_doc.idempotency_key).unwrap()
    );
    let payload = &known_doc.payload;
    assert_eq!(payload["child"]["caseSystemId"], case_id.as_str());
    assert_eq!(payload["child"]["familygraphId"], known_child.as_str());
    // The CIN census referral source code.
    assert!(payload["contact"]["source"].is_string());
    assert_eq!(
        payload["contact"]["presentingConcern"],
        "Synthetic: police attended a domestic incident."
    );
    assert_eq!(
        known_doc.idempotency_key,
        format!("case-system:{}", payload["eventId"].as_str().unwrap())
    );
    let (_, new_doc) = find(&new_contact);
    assert_eq!(new_doc.payload["child"]["caseSystemId"], Value::Null);
    assert_eq!(new_doc.payload["child"]["familyName"], "Outbound1");
    assert_eq!(new_doc.payload["child"]["newToFamilygraph"], true);
    let (_, support_doc) = find(&support_id);
    assert_eq!(support_doc.event_type, "PartnerSupportRecorded");
    assert_eq!(support_doc.subject.as_ref().unwrap().kind, "partner_record");
    assert_eq!(support_doc.payload["partnerRecord"]["kind"], "SUPPORT");
    assert_eq!(
        support_doc.payload["partnerRecord"]["lawfulBasis"],
        "CONSENT"
    );
    assert_eq!(
        support_doc.payload["child"]["familygraphId"],
        child.as_str()
    );
    assert!(support_doc.payload["agency"]["name"].is_string());

    wait_until(
        "three deliveries recorded",
        Duration::from_secs(10),
        || async { delivered(&app).await == 3 },
    )
    .await;
    for (status, attempts, duplicate, error) in ledger(&app.db).await {
        assert_eq!(
            (status.as_str(), attempts, duplicate, error),
            ("delivered", 1, false, None)
        );
    }

    // A crash between writing the file and recording it: the worker delivers again, the
    // case system's side answers "duplicate", and there is still one file per event.
    app.db
        .execute_unprepared("UPDATE outbox_delivery SET status = 'pending', delivered_at = NULL")
        .await
        .unwrap();
    wait_until("redeliveries recorded", Duration::from_secs(10), || async {
        count(
            &app,
            "SELECT COUNT(*) FROM outbox_delivery WHERE duplicate AND status = 'delivered'",
        )
        .await
            == 3
    })
    .await;
    assert_eq!(files(dir.path()).len(), 3);
    for (_, attempts, _, _) in ledger(&app.db).await {
        assert_eq!(attempts, 2);
    }

    deliveries.stop(Duration::from_secs(10)).await;
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        3,
        "no temporary file left behind"
    );
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM job_lease WHERE name = 'delivery:case-system'"
        )
        .await,
        0,
        "the lease is released on stop"
    );
}

/// Fails its first `failures` calls (retryable), then delivers through `inner`; remembers
/// when each call came.
struct Flaky {
    inner: Arc<dyn DeliveryAdapter>,
    failures: usize,
    permanent: bool,
    calls: Mutex<Vec<Instant>>,
}

#[async_trait]
impl DeliveryAdapter for Flaky {
    fn name(&self) -> &str {
        "case-system"
    }

    async fn health(&self) -> Result<HealthReport, AdapterError> {
        self.inner.health().await
    }

    async fn deliver(&self, event: &OutboundEvent, key: &str) -> Result<Delivery, AdapterError> {
        let n = {
            let mut calls = self.calls.lock().unwrap();
            calls.push(Instant::now());
            calls.len()
        };
        if self.permanent {
            return Err(AdapterError::Refused {
                target: "case system".into(),
                reason: "the case system refuses this event type".into(),
            });
        }
        if n <= self.failures {
            return Err(AdapterError::Status {
                target: "case system".into(),
                status: 503,
            });
        }
        self.inner.deliver(event, key).await
    }
}

#[tokio::test]
async fn an_unwritable_directory_is_retried_with_back_off_until_it_works() {
    let app = TestApp::start().await;
    let base = tempfile::tempdir().unwrap();
    let share = base.path().join("share");
    record_contact(&app, 2).await;
    let deliveries =
        Deliveries::start_configured(app.db.clone(), &drop_file_settings(&share), Vec::new())
            .unwrap()
            .unwrap();
    wait_until("three failed attempts", Duration::from_secs(20), || async {
        count(
            &app,
            "SELECT COUNT(*) FROM outbox_delivery WHERE attempts >= 3",
        )
        .await
            == 1
    })
    .await;
    let rows = ledger(&app.db).await;
    let (status, _, _, error) = &rows[0];
    assert_eq!(status, "pending");
    let error = error.as_deref().unwrap();
    assert!(error.contains("share"), "{error}");
    assert!(
        !error.contains("Synthetic concern"),
        "no personal data in errors: {error}"
    );
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM outbox_delivery WHERE next_attempt_at > updated_at"
        )
        .await,
        1,
        "the next attempt waits"
    );
    // Someone mounts the share: the next retry delivers.
    std::fs::create_dir(&share).unwrap();
    wait_until("the delivery", Duration::from_secs(20), || async {
        delivered(&app).await == 1
    })
    .await;
    assert_eq!(files(&share).len(), 1);
    let (_, attempts, duplicate, error) = ledger(&app.db).await.remove(0);
    assert!(attempts >= 4, "{attempts}");
    assert!(!duplicate);
    assert_eq!(error, None);
    deliveries.stop(Duration::from_secs(10)).await;
}

#[tokio::test]
async fn retries_back_off_exponentially_and_permanent_errors_are_dead_letters() {
    let app = TestApp::start().await;
    let dir = tempfile::tempdir().unwrap();
    let flaky = Arc::new(Flaky {
        inner: drop_file_adapter(dir.path()),
        failures: 4,
        permanent: false,
        calls: Mutex::new(Vec::new()),
    });
    record_contact(&app, 3).await;
    let deliveries = start(&app.db, target_with(dir.path(), flaky.clone()));
    wait_until("the delivery", Duration::from_secs(20), || async {
        delivered(&app).await == 1
    })
    .await;
    deliveries.stop(Duration::from_secs(10)).await;
    let calls = flaky.calls.lock().unwrap().clone();
    assert_eq!(calls.len(), 5);
    let backoff = fast().backoff;
    for (i, pair) in calls.windows(2).enumerate() {
        let gap = pair[1] - pair[0];
        let ceiling = backoff.ceiling(u32::try_from(i + 1).unwrap());
        assert!(
            gap >= ceiling / 2,
            "gap {i} was {gap:?}, ceiling {ceiling:?}"
        );
        assert!(
            gap <= ceiling + Duration::from_millis(500),
            "gap {i} was {gap:?}"
        );
    }
    assert_eq!(files(dir.path()).len(), 1);
    assert_eq!(ledger(&app.db).await[0].1, 5, "every attempt counted");

    // A permanent refusal: one attempt, then a dead letter that stays.
    let dir = tempfile::tempdir().unwrap();
    let refusing = Arc::new(Flaky {
        inner: drop_file_adapter(dir.path()),
        failures: 0,
        permanent: true,
        calls: Mutex::new(Vec::new()),
    });
    let mut target = target_with(dir.path(), refusing.clone());
    target.name = "refusing-system".into();
    let deliveries = start(&app.db, target);
    wait_until("the dead letter", Duration::from_secs(20), || async {
        count(&app, "SELECT COUNT(*) FROM outbox_delivery WHERE target = 'refusing-system' AND status = 'failed_permanently'").await == 1
    })
    .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    deliveries.stop(Duration::from_secs(10)).await;
    assert_eq!(
        refusing.calls.lock().unwrap().len(),
        1,
        "no retry after a permanent error"
    );
    assert!(files(dir.path()).is_empty());
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM outbox_delivery WHERE target = 'refusing-system' AND attempts = 1 AND last_error LIKE '%refuses this event type%'").await,
        1
    );

    // Too many retryable failures: a dead letter too, when a limit is set.
    let always = Arc::new(Flaky {
        inner: drop_file_adapter(dir.path()),
        failures: usize::MAX,
        permanent: false,
        calls: Mutex::new(Vec::new()),
    });
    let mut target = target_with(dir.path(), always.clone());
    target.name = "flaky-system".into();
    let source: Arc<dyn TargetSource> = Arc::new(StaticTargets(vec![target]));
    let deliveries = Deliveries::start(
        app.db.clone(),
        vec![source],
        WorkerSettings {
            max_attempts: 3,
            ..fast()
        },
    );
    wait_until("giving up", Duration::from_secs(20), || async {
        count(&app, "SELECT COUNT(*) FROM outbox_delivery WHERE target = 'flaky-system' AND status = 'failed_permanently' AND attempts = 3").await == 1
    })
    .await;
    deliveries.stop(Duration::from_secs(10)).await;
    assert_eq!(always.calls.lock().unwrap().len(), 3);
}

/// Counts deliveries, passing them to `inner`.
struct Counting {
    inner: Arc<dyn DeliveryAdapter>,
    calls: AtomicUsize,
    duplicates: AtomicUsize,
}

#[async_trait]
impl DeliveryAdapter for Counting {
    fn name(&self) -> &str {
        "case-system"
    }

    async fn health(&self) -> Result<HealthReport, AdapterError> {
        self.inner.health().await
    }

    async fn deliver(&self, event: &OutboundEvent, key: &str) -> Result<Delivery, AdapterError> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        let delivery = self.inner.deliver(event, key).await?;
        if delivery.duplicate {
            self.duplicates.fetch_add(1, Ordering::SeqCst);
        }
        Ok(delivery)
    }
}

#[tokio::test]
async fn two_replicas_deliver_each_event_once() {
    let app = TestApp::start().await;
    let other = app.replica(familygraph::http::Hardening::default()).await;
    let dir = tempfile::tempdir().unwrap();
    let counting = || {
        Arc::new(Counting {
            inner: drop_file_adapter(dir.path()),
            calls: AtomicUsize::new(0),
            duplicates: AtomicUsize::new(0),
        })
    };
    let (first, second) = (counting(), counting());
    // Contacts recorded on both replicas; then both replicas' workers start at once and race
    // for the lease and the events. (Recording while a worker writes would make SQLite's
    // deferred transactions fail with SQLITE_BUSY: one writer at a time.)
    for n in 0..6 {
        let replica = if n % 2 == 0 { &app } else { &other };
        record_contact(replica, 10 + n).await;
    }
    let first_workers = start(&app.db, target_with(dir.path(), first.clone()));
    let second_workers = start(&other.db, target_with(dir.path(), second.clone()));
    wait_until("six deliveries", Duration::from_secs(30), || async {
        delivered(&app).await == 6
    })
    .await;
    assert_eq!(files(dir.path()).len(), 6);
    let calls = |c: &Counting| c.calls.load(Ordering::SeqCst);
    assert_eq!(
        calls(&first) + calls(&second),
        6,
        "one attempt per event across replicas"
    );
    assert!(
        calls(&first) == 0 || calls(&second) == 0,
        "only the lease holder delivers"
    );
    assert_eq!(
        first.duplicates.load(Ordering::SeqCst) + second.duplicates.load(Ordering::SeqCst),
        0
    );

    // The holder stops, and a crashed replica's lease (2 s left) stands in the way: the
    // standby delivers nothing until it runs out, then takes over.
    let (holder, standby, standby_workers) = if calls(&first) > 0 {
        (first_workers, second.clone(), second_workers)
    } else {
        (second_workers, first.clone(), first_workers)
    };
    holder.stop(Duration::from_secs(10)).await;
    let crashed = familygraph_store::lease::acquire(
        &app.db,
        "delivery:case-system",
        "crashed-replica",
        Duration::from_secs(2),
    )
    .await
    .unwrap();
    let blocked_at = Instant::now();
    record_contact(&app, 20).await;
    record_contact(&other, 21).await;
    wait_until("eight deliveries", Duration::from_secs(30), || async {
        delivered(&app).await == 8
    })
    .await;
    if crashed.is_some() {
        assert!(
            blocked_at.elapsed() >= Duration::from_millis(1500),
            "the standby waited for the crashed replica's lease"
        );
    }
    assert_eq!(files(dir.path()).len(), 8);
    assert_eq!(calls(&standby), 2);
    standby_workers.stop(Duration::from_secs(10)).await;
}

#[tokio::test]
async fn a_staging_table_receives_each_contact_once() {
    let app = TestApp::start().await;
    let dir = tempfile::tempdir().unwrap();
    let (url, drop_db) = match app.backend() {
        Backend::Sqlite => (
            format!(
                "sqlite://{}?mode=rwc",
                dir.path().join("case-system.sqlite").display()
            ),
            None,
        ),
        Backend::Postgres => {
            let name = format!("fgout_{}", uuid::Uuid::new_v4().simple());
            let admin = sea_orm::Database::connect(format!("{}/postgres", postgres_server()))
                .await
                .unwrap();
            admin
                .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
                .await
                .unwrap();
            (format!("{}/{name}", postgres_server()), Some((admin, name)))
        }
    };
    let mut settings = DeliverySettings::from_lookup(|key| match key {
        "FAMILYGRAPH_DELIVERY_CASE_SYSTEM" => Some("staging_table".to_owned()),
        "FAMILYGRAPH_DELIVERY_STAGING_URL" => Some(url.clone()),
        "FAMILYGRAPH_DELIVERY_STAGING_CREATE_TABLE" => Some("true".to_owned()),
        _ => None,
    })
    .unwrap();
    settings.worker = fast();
    let contact = record_contact(&app, 30).await;
    let deliveries = Deliveries::start_configured(app.db.clone(), &settings, Vec::new())
        .unwrap()
        .unwrap();
    wait_until("the delivery", Duration::from_secs(20), || async {
        delivered(&app).await == 1
    })
    .await;
    app.db
        .execute_unprepared("UPDATE outbox_delivery SET status = 'pending'")
        .await
        .unwrap();
    wait_until("the redelivery", Duration::from_secs(20), || async {
        count(
            &app,
            "SELECT COUNT(*) FROM outbox_delivery WHERE duplicate AND status = 'delivered'",
        )
        .await
            == 1
    })
    .await;
    deliveries.stop(Duration::from_secs(10)).await;
    let case_system = familygraph_store::db::connect(&url).await.unwrap();
    let rows = case_system
        .query_all_raw(Statement::from_string(
            case_system.get_database_backend(),
            "SELECT IDEMPOTENCY_KEY, EVENT_TYPE, SUBJECT_ID, PAYLOAD, STATUS FROM FG_INBOUND_EVENTS",
        ))
        .await
        .unwrap();
    assert_eq!(rows.len(), 1, "one row however often it is delivered");
    let key: String = rows[0].try_get_by_index(0).unwrap();
    let event_type: String = rows[0].try_get_by_index(1).unwrap();
    let subject: String = rows[0].try_get_by_index(2).unwrap();
    let payload: String = rows[0].try_get_by_index(3).unwrap();
    let status: String = rows[0].try_get_by_index(4).unwrap();
    assert!(key.starts_with("case-system:"));
    assert_eq!(event_type, "ContactRecorded");
    assert_eq!(subject, contact);
    assert_eq!(status, "NEW");
    let document: EventDocument = serde_json::from_str(&payload).unwrap();
    assert_eq!(document.idempotency_key, key);
    assert_eq!(
        document.payload["contact"]["familygraphId"],
        contact.as_str()
    );
    drop(case_system);
    if let Some((admin, name)) = drop_db {
        admin
            .execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
            .await
            .unwrap();
    }
}

#[tokio::test]
async fn the_server_starts_delivery_from_its_settings_and_stops_it_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let directory = dir.path().display().to_string();
    let mut server = familygraph_tests::server_process::ServerProcess::spawn(
        env!("CARGO_BIN_EXE_familygraph-under-test"),
        &[
            ("FAMILYGRAPH_DELIVERY_CASE_SYSTEM", "drop_files"),
            ("FAMILYGRAPH_DELIVERY_DROP_DIRECTORY", directory.as_str()),
            ("FAMILYGRAPH_DELIVERY_POLL_MS", "100"),
        ],
    )
    .await;
    let token = server.token_for(Role::FrontDoorOfficer, "sw-ifd-01", Some("IFD"));
    let reply: Value = reqwest::Client::new()
        .post(server.url("/graphql"))
        .bearer_auth(token)
        .json(&json!({ "query": RECORD_CONTACT, "variables": { "input": {
            "source": "SCHOOLS", "recordedBy": "A synthetic teacher",
            "presentingConcern": "Synthetic concern for the process test.",
            "child": { "givenName": "Robin", "familyName": "Processcase", "dateOfBirth": "2019-02-03",
                       "sex": "MALE" } } } }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        reply["data"]["recordContact"]["userErrors"],
        json!([]),
        "{reply}"
    );
    wait_until("the file", Duration::from_secs(20), || async {
        files(dir.path()).len() == 1
    })
    .await;
    let status = std::process::Command::new("kill")
        .args(["-TERM", &server.pid().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    wait_until("the process to exit", Duration::from_secs(20), || {
        let running = server.is_running();
        async move { !running }
    })
    .await;
    let messages: Vec<String> = server
        .log_lines()
        .iter()
        .filter_map(|l| l["message"].as_str().map(str::to_owned))
        .collect();
    for expected in [
        "delivery worker started",
        "event delivered",
        "delivery worker stopped",
        "familygraph stopped",
    ] {
        assert!(
            messages.iter().any(|m| m == expected),
            "no {expected:?} in {messages:?}"
        );
    }
}
