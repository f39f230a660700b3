//! The services directory adapter against a real HTTP server (actix-web, started per test)
//! serving the Open Referral UK samples split into pages, through the SDK's conformance kit.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use actix_web::{App, HttpResponse, HttpServer, web};
use familygraph_adapter_openreferral::{OpenReferralAdapter, OpenReferralConfig};
use familygraph_adapter_sdk::testkit::{self, Fixture};
use familygraph_adapter_sdk::{
    AdapterError, CanonicalRecord, ErrorClass, ServiceRecord, ServiceStatus, SourceAdapter,
    TaxonomyTermRecord, sync,
};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::net::TcpListener;
use std::path::Path;

fn fixture(name: &str) -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name);
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

const SAMPLE_SERVICE_ID: &str = "ac148810-d857-441c-9679-408f346de14b";
const HUB_ID: &str = "5b1d3c9e-0000-4000-8000-000000000001";

/// The directory the test server serves: full services, taxonomy terms, service at locations.
#[derive(Clone)]
struct Directory {
    services: Vec<Value>,
    terms: Vec<Value>,
    service_at_locations: Vec<Value>,
}

impl Directory {
    fn samples() -> Self {
        let mut terms = fixture("sample/taxonomy_term_list.json")["contents"]
            .as_array()
            .unwrap()
            .clone();
        terms.extend(
            fixture("synthetic/taxonomy_terms.json")
                .as_array()
                .unwrap()
                .clone(),
        );
        Self {
            services: vec![
                fixture("sample/service_full.json"),
                fixture("synthetic/family_hub_service_full.json"),
                fixture("synthetic/stay_and_play_service_full.json"),
            ],
            terms,
            service_at_locations: fixture("sample/service_at_location_list.json")["contents"]
                .as_array()
                .unwrap()
                .clone(),
        }
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Mode {
    Normal,
    Fail500,
    Garbage,
}

struct State {
    directory: Directory,
    mode: Mode,
    /// Services listed whose full record answers 404.
    missing_details: Vec<String>,
}

/// An ORUK page of `items` as the OpenAPI's `Page` schema describes it.
fn page_of(items: &[Value], query: &HashMap<String, String>) -> Value {
    let page: usize = query.get("page").and_then(|p| p.parse().ok()).unwrap_or(1);
    let per_page: usize = query
        .get("per_page")
        .and_then(|p| p.parse().ok())
        .unwrap_or(10);
    let total_pages = items.len().div_ceil(per_page).max(1);
    let contents: Vec<Value> = items
        .iter()
        .skip((page - 1) * per_page)
        .take(per_page)
        .cloned()
        .collect();
    json!({
        "total_items": items.len(),
        "total_pages": total_pages,
        "page_number": page,
        "size": contents.len(),
        "first_page": page == 1,
        "last_page": page >= total_pages,
        "empty": contents.is_empty(),
        "contents": contents,
    })
}

/// A service as `/services` lists it: its one-to-one fields only.
fn listed(full: &Value) -> Value {
    let mut item = full.clone();
    if let Some(object) = item.as_object_mut() {
        object.retain(|_, v| !v.is_array());
    }
    item
}

fn failure(mode: Mode) -> Option<HttpResponse> {
    match mode {
        Mode::Normal => None,
        Mode::Fail500 => Some(HttpResponse::InternalServerError().body("directory unavailable")),
        Mode::Garbage => Some(
            HttpResponse::Ok()
                .content_type("application/json")
                .body("<html><body>Maintenance</body></html>"),
        ),
    }
}

async fn root(state: web::Data<State>) -> HttpResponse {
    failure(state.mode).unwrap_or_else(|| {
        HttpResponse::Ok().json(json!({
            "version": "3.0",
            "profile": "https://ukprofile.openreferral.org/",
            "openapi_url": "https://example.invalid/openapi.json"
        }))
    })
}

async fn services(
    state: web::Data<State>,
    query: web::Query<HashMap<String, String>>,
) -> HttpResponse {
    if let Some(response) = failure(state.mode) {
        return response;
    }
    let items: Vec<Value> = state.directory.services.iter().map(listed).collect();
    HttpResponse::Ok().json(page_of(&items, &query))
}

async fn service(state: web::Data<State>, id: web::Path<String>) -> HttpResponse {
    if let Some(response) = failure(state.mode) {
        return response;
    }
    if state.missing_details.contains(&id) {
        return HttpResponse::NotFound().json(json!({"error": "not found"}));
    }
    match state.directory.services.iter().find(|s| s["id"] == *id) {
        Some(full) => HttpResponse::Ok().json(full),
        None => HttpResponse::NotFound().finish(),
    }
}

async fn terms(
    state: web::Data<State>,
    query: web::Query<HashMap<String, String>>,
) -> HttpResponse {
    failure(state.mode)
        .unwrap_or_else(|| HttpResponse::Ok().json(page_of(&state.directory.terms, &query)))
}

async fn service_at_locations(
    state: web::Data<State>,
    query: web::Query<HashMap<String, String>>,
) -> HttpResponse {
    failure(state.mode).unwrap_or_else(|| {
        HttpResponse::Ok().json(page_of(&state.directory.service_at_locations, &query))
    })
}

struct TestServer {
    base_url: String,
    handle: actix_web::dev::ServerHandle,
}

impl TestServer {
    async fn start(directory: Directory, mode: Mode, missing_details: Vec<String>) -> Self {
        let state = web::Data::new(State {
            directory,
            mode,
            missing_details,
        });
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let address = listener.local_addr().unwrap();
        let server = HttpServer::new(move || {
            App::new()
                .app_data(state.clone())
                .route("/api/", web::get().to(root))
                .route("/api/services", web::get().to(services))
                .route("/api/services/{id}", web::get().to(service))
                .route("/api/taxonomy_terms", web::get().to(terms))
                .route(
                    "/api/service_at_locations",
                    web::get().to(service_at_locations),
                )
        })
        .workers(1)
        .listen(listener)
        .unwrap()
        .run();
        let handle = server.handle();
        tokio::spawn(server);
        Self {
            base_url: format!("http://{address}/api"),
            handle,
        }
    }
}

fn adapter(base_url: &str, per_page: u32) -> OpenReferralAdapter {
    let mut config = OpenReferralConfig::new("test-directory", base_url);
    config.per_page = per_page;
    config.timeout_seconds = 10;
    OpenReferralAdapter::new(config).unwrap()
}

fn services_of(run: &sync::Run) -> HashMap<String, ServiceRecord> {
    run.records
        .iter()
        .filter_map(|r| match &r.record {
            CanonicalRecord::Service(s) => Some((s.source.id.clone(), s.clone())),
            _ => None,
        })
        .collect()
}

fn terms_of(run: &sync::Run) -> HashMap<String, TaxonomyTermRecord> {
    run.records
        .iter()
        .filter_map(|r| match &r.record {
            CanonicalRecord::TaxonomyTerm(t) => Some((t.source.id.clone(), t.clone())),
            _ => None,
        })
        .collect()
}

#[tokio::test]
async fn the_samples_import_as_services_and_family_hubs() {
    let server = TestServer::start(Directory::samples(), Mode::Normal, vec![]).await;
    let run = sync::pull_to_end(&adapter(&server.base_url, 2), None, 20)
        .await
        .unwrap();
    assert!(run.rejected.is_empty(), "{:?}", run.rejected);
    let services = services_of(&run);
    assert_eq!(services.len(), 3);

    // The ORUK sample service: a US-style example, so its postcode and its latitude of 100 are
    // left out with notes, and the service is kept.
    let sample = &services[SAMPLE_SERVICE_ID];
    assert_eq!(sample.name, "Community Counselling");
    assert_eq!(sample.status, ServiceStatus::Active);
    assert_eq!(sample.eligibility.minimum_age, Some(12));
    assert_eq!(sample.eligibility.maximum_age, Some(100));
    assert!(!sample.eligibility.includes(11) && sample.eligibility.includes(12));
    assert!(!sample.family_hub);
    assert_eq!(
        sample.organisation.as_ref().unwrap().name,
        "Example Organization Inc."
    );
    assert_eq!(
        sample.last_modified.unwrap().to_rfc3339(),
        "2023-03-15T10:30:45.123+00:00"
    );
    let place = &sample.locations[0];
    assert_eq!(place.name.as_deref(), Some("MyCity Civic Center"));
    assert_eq!(place.uprn.as_deref(), Some("10092008082"));
    assert_eq!(place.postcode, None);
    assert_eq!(place.latitude, None);
    assert_eq!(
        sample.taxonomy_terms[0].source_id,
        "3f7b145d-84af-42d7-8fae-eaca714b02b2"
    );
    let notes: Vec<String> = run.notes().map(|n| n.location.pointer.clone()).collect();
    assert_eq!(
        notes,
        [
            "/service_at_locations/0/location/addresses/0/postal_code",
            "/service_at_locations/0/location/latitude"
        ]
    );

    // The Family Hub: by its taxonomy term, with its LSOA and postcode for the locality.
    let hub = &services[HUB_ID];
    assert!(hub.family_hub);
    assert_eq!(
        hub.locations[0].lsoa.as_ref().unwrap().as_str(),
        "E01011234"
    );
    assert_eq!(
        hub.locations[0].postcode.as_ref().unwrap().as_str(),
        "LS9 8AB"
    );
    assert_eq!(hub.locations[0].latitude, Some(53.8008));
    assert!(hub.eligibility.includes(0) && hub.eligibility.includes(19));
    assert!(!hub.eligibility.includes(20));

    let play = services
        .values()
        .find(|s| s.name == "Stay and Play")
        .unwrap();
    assert_eq!(play.status, ServiceStatus::TemporarilyClosed);
    assert!(!play.family_hub);
    assert_eq!(
        play.last_modified.unwrap().to_rfc3339(),
        "2026-01-11T13:00:00+00:00"
    );

    let terms = terms_of(&run);
    assert_eq!(terms.len(), 3);
    assert!(terms["5b1d3c9e-0000-4000-8000-0000000000f1"].marks_family_hub);
    let sample_term = &terms["3f7b145d-84af-42d7-8fae-eaca714b02b2"];
    assert_eq!(
        sample_term.parent_id.as_deref(),
        Some("0bc248fa-dc27-4650-9ba4-8f1a24ef16a2")
    );
    assert!(!sample_term.marks_family_hub);
    server.handle.stop(true).await;
}

struct DirectoryFixture {
    live: TestServer,
    poisoned: TestServer,
    dead_url: String,
}

impl Fixture for DirectoryFixture {
    fn live(&self) -> Box<dyn SourceAdapter> {
        Box::new(adapter(&self.live.base_url, 2))
    }
    fn poisoned(&self) -> Box<dyn SourceAdapter> {
        Box::new(adapter(&self.poisoned.base_url, 2))
    }
    fn poisoned_location(&self) -> String {
        "/services/5b1d3c9e-0000-4000-8000-000000000099#/minimum_age".to_owned()
    }
    fn dead(&self) -> Box<dyn SourceAdapter> {
        Box::new(adapter(&self.dead_url, 2))
    }
    fn dead_class(&self) -> ErrorClass {
        ErrorClass::Retryable
    }
}

#[tokio::test]
async fn the_directory_adapter_passes_the_conformance_kit() {
    let live = TestServer::start(Directory::samples(), Mode::Normal, vec![]).await;
    let mut poisoned_directory = Directory::samples();
    // One impossible age range, listed between good services.
    let mut bad = fixture("synthetic/stay_and_play_service_full.json");
    bad["id"] = json!("5b1d3c9e-0000-4000-8000-000000000099");
    bad["minimum_age"] = json!(11);
    bad["maximum_age"] = json!(5);
    poisoned_directory.services.insert(1, bad);
    let poisoned = TestServer::start(poisoned_directory, Mode::Normal, vec![]).await;
    let dead_url = {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}/api", listener.local_addr().unwrap())
    };
    let fixture = DirectoryFixture {
        live,
        poisoned,
        dead_url,
    };
    let report = testkit::check_all(&fixture).await.unwrap();
    assert_eq!(report.records, 6);
    // Two pages of terms, two pages of services.
    assert_eq!(report.batches, 4);
    assert!(
        report
            .poisoned_rejection
            .reason
            .contains("above maximum_age")
    );
    fixture.live.handle.stop(true).await;
    fixture.poisoned.handle.stop(true).await;
}

#[tokio::test]
async fn bad_services_are_rejected_with_their_location_and_the_rest_kept() {
    let mut directory = Directory::samples();
    let mut unknown_status = fixture("synthetic/stay_and_play_service_full.json");
    unknown_status["id"] = json!("bad-status");
    unknown_status["status"] = json!("paused");
    let mut impossible_date = fixture("synthetic/stay_and_play_service_full.json");
    impossible_date["id"] = json!("bad-date");
    impossible_date["last_modified"] = json!("2026-02-30T10:00:00Z");
    let mut no_id = fixture("synthetic/stay_and_play_service_full.json");
    no_id.as_object_mut().unwrap().remove("id");
    let vanished = json!({"id": "vanished", "name": "Listed but gone"});
    directory
        .services
        .extend([unknown_status, impossible_date, no_id, vanished]);
    directory.terms.push(json!({"id": "", "name": "no id"}));
    let server = TestServer::start(directory, Mode::Normal, vec!["vanished".to_owned()]).await;
    let run = sync::pull_to_end(&adapter(&server.base_url, 3), None, 20)
        .await
        .unwrap();
    assert_eq!(services_of(&run).len(), 3);
    assert_eq!(terms_of(&run).len(), 3);
    let mut rejected: Vec<String> = run
        .rejected
        .iter()
        .map(|r| {
            let url = r
                .location
                .document
                .split("/api/")
                .nth(1)
                .unwrap_or_default();
            format!("{url}#{}", r.location.pointer)
        })
        .collect();
    rejected.sort();
    assert_eq!(
        rejected,
        [
            "services/bad-date#/last_modified",
            "services/bad-status#/status",
            "services?page=2&per_page=3#/contents/2/id",
            "services?page=3&per_page=3#/contents/0",
            "taxonomy_terms?page=2&per_page=3#/contents/0/id",
        ]
    );
    let vanished = run
        .rejected
        .iter()
        .find(|r| r.location.pointer == "/contents/0")
        .unwrap();
    assert!(vanished.reason.contains("404"), "{}", vanished.reason);
    server.handle.stop(true).await;
}

#[tokio::test]
async fn a_directory_answering_500_or_garbage_is_a_classified_error() {
    let failing = TestServer::start(Directory::samples(), Mode::Fail500, vec![]).await;
    let err = adapter(&failing.base_url, 2).pull(None).await.unwrap_err();
    assert!(
        matches!(err, AdapterError::Status { status: 500, .. }),
        "{err}"
    );
    assert!(err.is_retryable());
    assert!(
        adapter(&failing.base_url, 2)
            .health()
            .await
            .unwrap_err()
            .is_retryable()
    );

    let garbage = TestServer::start(Directory::samples(), Mode::Garbage, vec![]).await;
    let err = adapter(&garbage.base_url, 2).pull(None).await.unwrap_err();
    assert!(matches!(err, AdapterError::Malformed { .. }), "{err}");
    assert!(!err.is_retryable());
    assert!(
        !adapter(&garbage.base_url, 2)
            .health()
            .await
            .unwrap_err()
            .is_retryable()
    );

    let err = adapter(&garbage.base_url, 2)
        .pull(Some(&familygraph_adapter_sdk::Cursor::new("{\"page\": 2}")))
        .await
        .unwrap_err();
    assert!(matches!(err, AdapterError::InvalidCursor { .. }), "{err}");
    failing.handle.stop(true).await;
    garbage.handle.stop(true).await;
}

#[tokio::test]
async fn the_client_pages_service_at_locations_and_calls_only_paths_the_profile_defines() {
    let mut directory = Directory::samples();
    let mut second = directory.service_at_locations[0].clone();
    second["id"] = json!("5b1d3c9e-0000-4000-8000-0000000000b9");
    directory.service_at_locations.push(second);
    let server = TestServer::start(directory, Mode::Normal, vec![]).await;
    let client = adapter(&server.base_url, 1).client().clone();
    let first = client.service_at_locations(1, 1).await.unwrap();
    assert!(!first.is_last);
    assert_eq!(first.contents[0]["location"]["name"], "MyCity Civic Center");
    let last = client.service_at_locations(2, 1).await.unwrap();
    assert!(last.is_last);
    assert_eq!(
        last.contents[0]["id"],
        "5b1d3c9e-0000-4000-8000-0000000000b9"
    );
    assert_eq!(client.meta().await.unwrap()["version"], "3.0");

    let openapi = fixture("sample/openapi.json");
    for path in [
        "/",
        "/services",
        "/services/{id}",
        "/service_at_locations",
        "/taxonomy_terms",
    ] {
        assert!(
            openapi["paths"].get(path).is_some(),
            "{path} is not in the ORUK OpenAPI"
        );
    }
    for listing in ["/services", "/service_at_locations", "/taxonomy_terms"] {
        let parameters = openapi["paths"][listing]["get"]["parameters"].to_string();
        assert!(
            parameters.contains("#/components/parameters/page"),
            "{listing}"
        );
        assert!(
            parameters.contains("#/components/parameters/per_page"),
            "{listing}"
        );
    }
    server.handle.stop(true).await;
}
