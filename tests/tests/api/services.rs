//! The services directory end to end: an Open Referral UK directory (a real HTTP server on a
//! local port, serving the ORUK samples and synthetic Family Hubs in the seeded borough) →
//! the Open Referral adapter → intake → GraphQL `services` by LSOA, locality, taxonomy term and
//! age; re-importing an unchanged directory changes nothing. A service from any adapter with
//! impossible coordinates is kept without them, with a note kept in the run (and logged).

use actix_web::{App, HttpResponse, HttpServer, web};
use familygraph_adapter_openreferral::{OpenReferralAdapter, OpenReferralConfig};
use familygraph_adapter_sdk::{
    AgeRange, Batch, CanonicalRecord, Located, Location, ServiceLocation, ServiceRecord,
    SourceAdapter, SourceRef,
};
use familygraph_domain::Role;
use familygraph_intake::{ApplyCounts, Intake, RecordedNote, RunStatus, RunSummary, RunTrigger};
use familygraph_tests::TestApp;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::net::TcpListener;
use std::sync::{Arc, Mutex};

use super::intake_run::run_batches;

/// The ORUK samples (the same files as `../shared/samples/open-referral-uk/`).
fn sample(name: &str) -> Value {
    let path = format!(
        "{}/../adapters/openreferral/tests/fixtures/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

const MONKS: &str = "fg-svc-0001";
const STAY_AND_PLAY: &str = "fg-svc-0002";
const EXAMPLETON: &str = "5b1d3c9e-0000-4000-8000-000000000001";
const COUNSELLING: &str = "ac148810-d857-441c-9679-408f346de14b";

/// A synthetic service at one location in `lsoa` with `postcode`, filed under `terms`.
fn synthetic_service(
    id: &str,
    name: &str,
    ages: (u32, u32),
    lsoa: &str,
    postcode: &str,
    terms: &[(&str, &str)],
) -> Value {
    json!({
        "id": id,
        "name": name,
        "description": format!("{name} (synthetic, for tests)"),
        "status": "active",
        "minimum_age": ages.0,
        "maximum_age": ages.1,
        "email": "hello@example.invalid",
        "organization": {"id": "fg-org-1", "name": "Synthetic Borough Council"},
        "service_at_locations": [{
            "id": format!("{id}-sal"),
            "location": {
                "id": format!("{id}-loc"),
                "name": format!("{name} building"),
                "external_identifier": lsoa,
                "external_identifier_type": "lsoa21",
                "addresses": [{"id": format!("{id}-addr"), "address_1": "1 Example Street",
                               "city": "Exampleton", "postal_code": postcode, "country": "GB"}]
            }
        }],
        "attributes": terms.iter().map(|(term_id, term_name)| json!({
            "id": format!("{id}-{term_id}"),
            "taxonomy_term": {"id": term_id, "name": term_name, "taxonomy": "familygraph-example"}
        })).collect::<Vec<_>>(),
    })
}

/// The directory: the ORUK sample service and terms, the synthetic Family Hub elsewhere
/// (an LSOA the council does not have), and two synthetic services in the seeded borough.
fn directory() -> (Vec<Value>, Vec<Value>) {
    let mut terms = sample("sample/taxonomy_term_list.json")["contents"]
        .as_array()
        .unwrap()
        .clone();
    // A narrower term listed before its parent.
    terms.push(json!({"id": "fg-term-stay-play", "name": "Stay and play",
                      "parent_id": "5b1d3c9e-0000-4000-8000-0000000000f2",
                      "taxonomy": "familygraph-example"}));
    terms.extend(
        sample("synthetic/taxonomy_terms.json")
            .as_array()
            .unwrap()
            .clone(),
    );
    let services = vec![
        sample("sample/service_full.json"),
        sample("synthetic/family_hub_service_full.json"),
        synthetic_service(
            MONKS,
            "Monks Coppenhall Family Hub",
            (0, 19),
            "E01018445",
            "CW1 4AA",
            &[("5b1d3c9e-0000-4000-8000-0000000000f1", "Family Hub")],
        ),
        synthetic_service(
            STAY_AND_PLAY,
            "Stay and Play Wilmslow",
            (0, 4),
            "E01019901",
            "SK9 1AA",
            &[
                ("5b1d3c9e-0000-4000-8000-0000000000f2", "Early years"),
                ("fg-term-stay-play", "Stay and play"),
            ],
        ),
    ];
    (services, terms)
}

/// What the test directory serves; tests change it between imports.
struct Directory {
    services: Vec<Value>,
    terms: Vec<Value>,
}

type Shared = web::Data<Mutex<Directory>>;

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
        "total_items": items.len(), "total_pages": total_pages, "page_number": page,
        "size": contents.len(), "first_page": page == 1, "last_page": page >= total_pages,
        "empty": contents.is_empty(), "contents": contents,
    })
}

async fn root() -> HttpResponse {
    HttpResponse::Ok().json(json!({"version": "3.0"}))
}

async fn list_services(state: Shared, query: web::Query<HashMap<String, String>>) -> HttpResponse {
    let directory = state.lock().unwrap();
    let listed: Vec<Value> = directory
        .services
        .iter()
        .map(|s| json!({"id": s["id"], "name": s["name"]}))
        .collect();
    HttpResponse::Ok().json(page_of(&listed, &query))
}

async fn full_service(state: Shared, id: web::Path<String>) -> HttpResponse {
    let directory = state.lock().unwrap();
    match directory.services.iter().find(|s| s["id"] == *id) {
        Some(full) => HttpResponse::Ok().json(full),
        None => HttpResponse::NotFound().finish(),
    }
}

async fn list_terms(state: Shared, query: web::Query<HashMap<String, String>>) -> HttpResponse {
    let directory = state.lock().unwrap();
    HttpResponse::Ok().json(page_of(&directory.terms, &query))
}

/// A local ORUK directory server.
struct DirectoryServer {
    base_url: String,
    state: Shared,
    handle: actix_web::dev::ServerHandle,
}

impl DirectoryServer {
    async fn start() -> Self {
        let (services, terms) = directory();
        let state: Shared = web::Data::new(Mutex::new(Directory { services, terms }));
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let address = listener.local_addr().unwrap();
        let shared = state.clone();
        let server = HttpServer::new(move || {
            App::new()
                .app_data(shared.clone())
                .route("/api/", web::get().to(root))
                .route("/api/services", web::get().to(list_services))
                .route("/api/services/{id}", web::get().to(full_service))
                .route("/api/taxonomy_terms", web::get().to(list_terms))
        })
        .workers(1)
        .listen(listener)
        .unwrap()
        .run();
        let handle = server.handle();
        tokio::spawn(server);
        Self {
            base_url: format!("http://{address}/api"),
            state,
            handle,
        }
    }
}

/// Imports the whole directory as one run; returns the run's counts and rejections.
async fn import(app: &TestApp, base_url: &str) -> (ApplyCounts, Vec<String>) {
    let mut config = OpenReferralConfig::new("cheshire-directory", base_url);
    config.per_page = 2;
    config.timeout_seconds = 10;
    let adapter = Arc::new(OpenReferralAdapter::new(config).unwrap());
    let intake = Intake::new(app.db.clone());
    let run = intake
        .start_run("openreferral", RunTrigger::CommandLine, "services-test")
        .await
        .unwrap();
    let mut cursor = None;
    for _ in 0..50 {
        let batch = adapter.pull(cursor.as_ref()).await.unwrap();
        let done = batch.done;
        cursor = batch.next_cursor.clone();
        intake.apply_batch(run, batch).await.unwrap();
        if done {
            break;
        }
    }
    let summary = intake.finish_run(run, None).await.unwrap();
    let rejections = summary
        .rejections
        .iter()
        .map(|r| format!("{}: {}", r.location, r.reason))
        .collect();
    (summary.counts, rejections)
}

/// The `sourceId`s of the services `filter` finds, sorted.
async fn found(app: &TestApp, token: &str, filter: Value) -> Vec<String> {
    let reply = app
        .graphql(
            Some(token),
            "query($filter: ServicesFilter) { services(filter: $filter, first: 100) {
               totalCount edges { node { sourceId } } } }",
            json!({ "filter": filter }),
        )
        .await;
    let connection = &reply.data()["services"];
    let mut ids: Vec<String> = connection["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["sourceId"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(connection["totalCount"], ids.len(), "{filter}");
    ids.sort();
    ids
}

fn sorted(ids: &[&str]) -> Vec<String> {
    let mut ids: Vec<String> = ids.iter().map(|s| (*s).to_owned()).collect();
    ids.sort();
    ids
}

async fn locality_id(app: &TestApp, code: &str) -> String {
    let reply = app
        .graphql(
            Some(&app.admin_token()),
            "{ localities { id code } }",
            json!({}),
        )
        .await;
    reply.data()["localities"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["code"] == code)
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn a_directory_imports_and_is_queryable_by_place_taxonomy_and_age() {
    let app = TestApp::start().await;
    let server = DirectoryServer::start().await;

    let (counts, rejections) = import(&app, &server.base_url).await;
    assert!(rejections.is_empty(), "{rejections:#?}");
    // Four terms (one sample, three synthetic) and four services.
    assert_eq!(
        (counts.read, counts.created, counts.rejected),
        (8, 8, 0),
        "{counts:?}"
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM service").await, 4);
    // The sample's term names a parent the directory never sent: kept as a code only.
    assert_eq!(
        app.count(
            "SELECT COUNT(*) FROM taxonomy_term WHERE parent_id IS NULL AND parent_code IS NOT NULL"
        )
        .await,
        1
    );

    // Services are directory data: a school's safeguarding lead reads them like anyone else.
    let school = app.school_token(Role::SchoolDsl, "100000");
    let admin = app.admin_token();
    for token in [&admin, &school] {
        assert_eq!(
            found(&app, token, json!({})).await,
            sorted(&[COUNSELLING, EXAMPLETON, MONKS, STAY_AND_PLAY])
        );
    }

    // By LSOA, by locality (through the council's LSOAs), by taxonomy term, by age.
    assert_eq!(
        found(&app, &school, json!({"lsoaCode": "E01018445"})).await,
        sorted(&[MONKS])
    );
    // A directory LSOA the council does not have is still searchable by its code.
    assert_eq!(
        found(&app, &school, json!({"lsoaCode": "E01011234"})).await,
        sorted(&[EXAMPLETON])
    );
    let south = locality_id(&app, "SOUTH").await;
    let north = locality_id(&app, "NORTH").await;
    assert_eq!(
        found(&app, &school, json!({"localityId": south})).await,
        sorted(&[MONKS])
    );
    assert_eq!(
        found(&app, &school, json!({"localityId": north})).await,
        sorted(&[STAY_AND_PLAY])
    );
    assert_eq!(
        found(&app, &school, json!({"taxonomyTerm": "early YEARS"})).await,
        sorted(&[STAY_AND_PLAY])
    );
    assert_eq!(
        found(
            &app,
            &school,
            json!({"taxonomyTerm": "5b1d3c9e-0000-4000-8000-0000000000f1"})
        )
        .await,
        sorted(&[EXAMPLETON, MONKS])
    );
    assert_eq!(
        found(&app, &school, json!({"age": 15})).await,
        sorted(&[COUNSELLING, EXAMPLETON, MONKS])
    );
    assert_eq!(
        found(&app, &school, json!({"age": 3})).await,
        sorted(&[EXAMPLETON, MONKS, STAY_AND_PLAY])
    );
    assert_eq!(
        found(&app, &school, json!({"familyHubsOnly": true})).await,
        sorted(&[EXAMPLETON, MONKS])
    );
    assert_eq!(
        found(
            &app,
            &school,
            json!({"familyHubsOnly": true, "localityId": south, "age": 19})
        )
        .await,
        sorted(&[MONKS])
    );
    assert!(
        found(&app, &school, json!({"familyHubsOnly": true, "age": 20}))
            .await
            .is_empty()
    );

    // The Family Hub in full: its council Family Hub (by name), its place, its terms.
    let reply = app
        .graphql(
            Some(&school),
            "{ services(filter: {lsoaCode: \"E01018445\"}) { edges { node {
                 id name status isFamilyHub ageRange { minimumAge maximumAge }
                 organisation { name } email
                 familyHub { name area { name } }
                 locations { name postcode lsoaCode lsoa { code area { locality { code } } } }
                 taxonomyTerms { code name vocabulary marksFamilyHub } } } } }",
            json!({}),
        )
        .await;
    let hub = &reply.data()["services"]["edges"][0]["node"];
    assert_eq!(hub["status"], "ACTIVE");
    assert_eq!(hub["isFamilyHub"], true);
    assert_eq!(hub["ageRange"], json!({"minimumAge": 0, "maximumAge": 19}));
    assert_eq!(hub["organisation"]["name"], "Synthetic Borough Council");
    assert_eq!(hub["familyHub"]["name"], "Monks Coppenhall Family Hub");
    assert_eq!(hub["familyHub"]["area"]["name"], "Crewe North");
    assert_eq!(
        hub["locations"][0],
        json!({"name": "Monks Coppenhall Family Hub building", "postcode": "CW1 4AA",
               "lsoaCode": "E01018445",
               "lsoa": {"code": "E01018445", "area": {"locality": {"code": "SOUTH"}}}})
    );
    assert_eq!(
        hub["taxonomyTerms"],
        json!([{"code": "5b1d3c9e-0000-4000-8000-0000000000f1", "name": "Family Hub",
                "vocabulary": "familygraph-example", "marksFamilyHub": true}])
    );
    // The council's Family Hub finds its directory entry.
    let reply = app
        .graphql(
            Some(&school),
            "{ familyHubs { name directoryEntries { sourceId } } }",
            json!({}),
        )
        .await;
    let hubs = reply.data()["familyHubs"].as_array().unwrap();
    for hub in hubs {
        let entries = hub["directoryEntries"].as_array().unwrap();
        if hub["name"] == "Monks Coppenhall Family Hub" {
            assert_eq!(entries, &[json!({"sourceId": MONKS})]);
        } else {
            assert!(entries.is_empty(), "{hub}");
        }
    }

    // A service is a Node.
    let reply = app
        .graphql(
            Some(&school),
            "query($id: ID!) { node(id: $id) { ... on Service { name } } }",
            json!({"id": hub["id"]}),
        )
        .await;
    assert_eq!(reply.data()["node"]["name"], "Monks Coppenhall Family Hub");

    // The ORUK sample: its US postcode and impossible latitude were left out, its UPRN kept;
    // the Exampleton hub's LSOA is not the council's, so it has a code and no LSOA.
    let reply = app
        .graphql(
            Some(&school),
            "{ services(filter: {age: 50}) { edges { node { name
                 locations { postcode latitude uprn lsoaCode lsoa { code } }
                 taxonomyTerms { parent { code } } } } } }",
            json!({}),
        )
        .await;
    let counselling = &reply.data()["services"]["edges"][0]["node"];
    assert_eq!(counselling["name"], "Community Counselling");
    assert_eq!(
        counselling["locations"][0],
        json!({"postcode": null, "latitude": null, "uprn": "10092008082", "lsoaCode": null,
               "lsoa": null})
    );
    // The narrower term found its parent though it came first.
    let reply = app
        .graphql(
            Some(&school),
            "{ services(filter: {taxonomyTerm: \"fg-term-stay-play\"}) { edges { node {
                 taxonomyTerms { code parent { code name } } } } } }",
            json!({}),
        )
        .await;
    let terms = &reply.data()["services"]["edges"][0]["node"]["taxonomyTerms"];
    assert_eq!(terms[0]["parent"], Value::Null);
    assert_eq!(
        terms[1]["parent"],
        json!({"code": "5b1d3c9e-0000-4000-8000-0000000000f2", "name": "Early years"})
    );

    // Bad filters are the client's fault, with a stable code.
    for filter in [
        json!({"lsoaCode": "E0101844"}),
        json!({"age": -1}),
        json!({"localityId": hub["id"]}),
        json!({"taxonomyTerm": " "}),
    ] {
        let reply = app
            .graphql(
                Some(&school),
                "query($filter: ServicesFilter) { services(filter: $filter) { totalCount } }",
                json!({ "filter": filter }),
            )
            .await;
        assert_eq!(reply.error_codes(), ["BAD_USER_INPUT"], "{filter}");
    }
    let reply = app
        .graphql(None, "{ services { totalCount } }", json!({}))
        .await;
    assert_eq!(reply.error_codes(), ["UNAUTHENTICATED"]);

    // Re-importing the unchanged directory changes nothing.
    let (counts, rejections) = import(&app, &server.base_url).await;
    assert!(rejections.is_empty(), "{rejections:#?}");
    assert_eq!(
        (
            counts.read,
            counts.created,
            counts.updated,
            counts.unchanged
        ),
        (8, 0, 0, 8),
        "{counts:?}"
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM service").await, 4);
    assert_eq!(app.count("SELECT COUNT(*) FROM service_location").await, 4);
    assert_eq!(app.count("SELECT COUNT(*) FROM taxonomy_term").await, 4);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM service_taxonomy_term")
            .await,
        5
    );

    // A changed service is updated in place, its location and terms replaced.
    {
        let mut directory = server.state.lock().unwrap();
        let play = directory
            .services
            .iter_mut()
            .find(|s| s["id"] == STAY_AND_PLAY)
            .unwrap();
        play["maximum_age"] = json!(5);
        play["service_at_locations"][0]["location"]["external_identifier"] = json!("E01018446");
        play["attributes"].as_array_mut().unwrap().pop();
    }
    let (counts, _) = import(&app, &server.base_url).await;
    assert_eq!(
        (counts.created, counts.updated, counts.unchanged),
        (0, 1, 7),
        "{counts:?}"
    );
    assert_eq!(
        found(&app, &school, json!({"localityId": south})).await,
        sorted(&[MONKS, STAY_AND_PLAY])
    );
    assert!(
        found(&app, &school, json!({"taxonomyTerm": "Stay and play"}))
            .await
            .is_empty()
    );
    assert_eq!(
        found(&app, &school, json!({"age": 5})).await,
        sorted(&[EXAMPLETON, MONKS, STAY_AND_PLAY])
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM service_location").await, 4);
    server.handle.stop(true).await;
}

#[tokio::test]
async fn a_page_of_services_with_everything_runs_a_bounded_number_of_statements() {
    let app = TestApp::start().await;
    let server = DirectoryServer::start().await;
    import(&app, &server.base_url).await;
    let school = app.school_token(Role::SchoolDsl, "100000");
    let document = "query($first: Int) { services(first: $first) { totalCount edges { node {
        name ageRange { minimumAge } familyHub { name area { name } }
        locations { lsoa { code area { locality { code } } } }
        taxonomyTerms { name parent { name } } } } } }";
    let mut counts = Vec::new();
    for first in [1, 4] {
        let before = app.statements();
        let reply = app
            .graphql(Some(&school), document, json!({ "first": first }))
            .await;
        assert_eq!(
            reply.data()["services"]["edges"].as_array().unwrap().len(),
            first
        );
        counts.push(app.statements() - before);
    }
    println!("services page statements (1 and 4 services): {counts:?}");
    // Count and page, locations, links, terms, parents, hubs, LSOAs, areas, localities: one
    // statement each at most, whatever the page size (a margin for split loader batches).
    for count in &counts {
        assert!(*count <= 14, "{counts:?}");
    }
    server.handle.stop(true).await;
}

/// The fields of each warning logged on this thread while installed as its default
/// subscriber (`tracing::subscriber::set_default`), with the event's target as `target`.
#[derive(Clone, Default)]
struct Warnings(Arc<Mutex<Vec<HashMap<String, String>>>>);

/// Reads an event's fields as text.
struct Fields<'a>(&'a mut HashMap<String, String>);

impl tracing::field::Visit for Fields<'_> {
    fn record_str(&mut self, field: &tracing::field::Field, value: &str) {
        self.0.insert(field.name().to_owned(), value.to_owned());
    }

    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        self.0.insert(field.name().to_owned(), format!("{value:?}"));
    }
}

impl tracing::Subscriber for Warnings {
    fn enabled(&self, metadata: &tracing::Metadata<'_>) -> bool {
        metadata.is_event() && *metadata.level() <= tracing::Level::WARN
    }

    fn new_span(&self, _: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        tracing::span::Id::from_u64(1)
    }

    fn record(&self, _: &tracing::span::Id, _: &tracing::span::Record<'_>) {}

    fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}

    fn event(&self, event: &tracing::Event<'_>) {
        let mut fields = HashMap::new();
        fields.insert("target".to_owned(), event.metadata().target().to_owned());
        event.record(&mut Fields(&mut fields));
        self.0.lock().unwrap().push(fields);
    }

    fn enter(&self, _: &tracing::span::Id) {}

    fn exit(&self, _: &tracing::span::Id) {}
}

impl Warnings {
    /// The intake's notes of coordinates left out, as `(location, reason, run id)`, sorted.
    fn coordinate_notes(&self) -> Vec<(String, String, String)> {
        let mut notes: Vec<_> = self
            .0
            .lock()
            .unwrap()
            .iter()
            .filter(|w| w["target"].starts_with("familygraph_intake"))
            .filter(|w| w.get("reason").is_some_and(|r| r.contains("coordinates")))
            .map(|w| {
                (
                    w["location"].clone(),
                    w["reason"].clone(),
                    w["run_id"].clone(),
                )
            })
            .collect();
        notes.sort();
        notes
    }
}

/// Where the coordinate test's records are said to be.
const COORDINATES_DOCUMENT: &str = "test://coordinates-directory/services.json";

/// A service (from an adapter other than Open Referral, which leaves bad coordinates out
/// itself) with one location per `(latitude, longitude)`, each named and with a UPRN.
fn service_at(id: &str, coordinates: &[(Option<f64>, Option<f64>)]) -> ServiceRecord {
    ServiceRecord {
        source: SourceRef::new("coordinates-directory", id),
        name: format!("Service {id}"),
        email: Some("hello@example.invalid".to_owned()),
        eligibility: AgeRange {
            minimum_age: Some(0),
            maximum_age: Some(19),
        },
        locations: coordinates
            .iter()
            .enumerate()
            .map(|(i, (latitude, longitude))| ServiceLocation {
                source_id: format!("{id}-loc-{i}"),
                name: Some(format!("{id} building {i}")),
                uprn: Some(format!("1000000000{i}")),
                latitude: *latitude,
                longitude: *longitude,
                ..Default::default()
            })
            .collect(),
        ..Default::default()
    }
}

/// `services` as one batch, the `i`th at `COORDINATES_DOCUMENT#/i`.
fn batch_of(services: &[ServiceRecord]) -> Batch {
    Batch {
        records: services
            .iter()
            .enumerate()
            .map(|(i, service)| {
                Located::new(
                    Location::document(COORDINATES_DOCUMENT).at(format!("/{i}")),
                    CanonicalRecord::Service(service.clone()),
                )
            })
            .collect(),
        done: true,
        ..Default::default()
    }
}

/// Runs `services` through intake in one run, capturing the warnings logged meanwhile.
async fn run_noting(app: &TestApp, services: &[ServiceRecord]) -> (RunSummary, Warnings) {
    let warnings = Warnings::default();
    let guard = tracing::subscriber::set_default(warnings.clone());
    let summary = run_batches(
        &app.db,
        "coordinates-directory",
        "coordinates-test",
        [batch_of(services)],
    )
    .await;
    drop(guard);
    (summary, warnings)
}

/// Each service's locations as `(name, uprn, latitude, longitude)`, by `sourceId`.
async fn locations_by_service(app: &TestApp) -> HashMap<String, Vec<Value>> {
    let reply = app
        .graphql(
            Some(&app.admin_token()),
            "{ services(first: 100) { edges { node { sourceId name email
                 ageRange { minimumAge maximumAge }
                 locations { name uprn latitude longitude } } } } }",
            json!({}),
        )
        .await;
    reply.data()["services"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            let node = &e["node"];
            let id = node["sourceId"].as_str().unwrap().to_owned();
            // The rest of the service is there whatever happened to its coordinates.
            assert_eq!(node["name"], format!("Service {id}"), "{node}");
            assert_eq!(node["email"], "hello@example.invalid", "{node}");
            assert_eq!(
                node["ageRange"],
                json!({"minimumAge": 0, "maximumAge": 19}),
                "{node}"
            );
            let places = node["locations"]
                .as_array()
                .unwrap()
                .iter()
                .map(|l| json!([l["name"], l["uprn"], l["latitude"], l["longitude"]]))
                .collect();
            (id, places)
        })
        .collect()
}

#[tokio::test]
async fn impossible_coordinates_are_left_out_with_a_note_and_the_service_is_kept() {
    let app = TestApp::start().await;
    let crewe = (Some(53.0996), Some(-2.4412));
    let services = vec![
        // A latitude off the globe, beside a good location of the same service.
        service_at("fg-coord-off", &[(Some(123.0), Some(-2.4412)), crewe]),
        service_at("fg-coord-nan", &[(Some(f64::NAN), Some(-2.4412))]),
        service_at("fg-coord-half", &[(Some(53.0996), None)]),
        service_at("fg-coord-inf", &[(Some(53.0996), Some(f64::INFINITY))]),
        service_at("fg-coord-good", &[crewe, (None, None)]),
    ];
    let (summary, warnings) = run_noting(&app, &services).await;
    assert!(summary.rejections.is_empty(), "{:#?}", summary.rejections);
    assert_eq!(summary.status, RunStatus::Succeeded);
    assert_eq!(
        (
            summary.counts.read,
            summary.counts.created,
            summary.counts.rejected
        ),
        (5, 5, 0),
        "{:?}",
        summary.counts
    );

    let places = locations_by_service(&app).await;
    let building = |id: &str, i: usize, latitude: Value, longitude: Value| {
        json!([
            format!("{id} building {i}"),
            format!("1000000000{i}"),
            latitude,
            longitude
        ])
    };
    let expected: HashMap<String, Vec<Value>> = [
        (
            "fg-coord-off",
            vec![
                building("fg-coord-off", 0, Value::Null, Value::Null),
                building("fg-coord-off", 1, json!(53.0996), json!(-2.4412)),
            ],
        ),
        (
            "fg-coord-nan",
            vec![building("fg-coord-nan", 0, Value::Null, Value::Null)],
        ),
        (
            "fg-coord-half",
            vec![building("fg-coord-half", 0, Value::Null, Value::Null)],
        ),
        (
            "fg-coord-inf",
            vec![building("fg-coord-inf", 0, Value::Null, Value::Null)],
        ),
        (
            "fg-coord-good",
            vec![
                building("fg-coord-good", 0, json!(53.0996), json!(-2.4412)),
                building("fg-coord-good", 1, Value::Null, Value::Null),
            ],
        ),
    ]
    .into_iter()
    .map(|(id, places)| (id.to_owned(), places))
    .collect();
    assert_eq!(places, expected);
    // Nothing impossible reached the table, whatever the backend makes of NaN.
    assert_eq!(
        app.count(
            "SELECT COUNT(*) FROM service_location WHERE latitude IS NOT NULL \
             OR longitude IS NOT NULL"
        )
        .await,
        2
    );

    // One note per location that lost its coordinates, at its record, naming no value.
    let run = summary.run_id.0.to_string();
    let reason = "locations[0]: coordinates left out: latitude must be within ±90 and \
                  longitude within ±180, both given";
    let notes = warnings.coordinate_notes();
    assert_eq!(
        notes,
        (0..4)
            .map(|i| (
                format!("{COORDINATES_DOCUMENT}#/{i}"),
                reason.to_owned(),
                run.clone()
            ))
            .collect::<Vec<_>>()
    );
    for (_, reason, _) in &notes {
        for value in ["123", "NaN", "nan", "inf", "53.0996", "2.4412"] {
            assert!(!reason.contains(value), "{reason}");
        }
    }
    // The run keeps the same notes, in source order, and they name no value either.
    let kept = |rows: &[usize]| -> Vec<RecordedNote> {
        rows.iter()
            .map(|i| RecordedNote {
                location: Location::document(COORDINATES_DOCUMENT).at(format!("/{i}")),
                reason: reason.to_owned(),
            })
            .collect()
    };
    assert_eq!(summary.notes, kept(&[0, 1, 2, 3]), "{:#?}", summary.notes);
    for note in &summary.notes {
        for value in ["123", "NaN", "nan", "inf", "53.0996", "2.4412"] {
            assert!(!note.reason.contains(value), "{}", note.reason);
        }
    }

    // Unchanged again: nothing written, no note. A good pair turned impossible: the service is
    // updated, the location loses its coordinates, with a note.
    let (summary, warnings) = run_noting(&app, &services).await;
    assert_eq!(
        (summary.counts.unchanged, summary.counts.rejected),
        (5, 0),
        "{:?}",
        summary.counts
    );
    assert!(warnings.coordinate_notes().is_empty());
    assert_eq!(summary.notes, [], "{:#?}", summary.notes);
    let mut changed = services.clone();
    changed[4].locations[0].latitude = Some(-90.5);
    let (summary, warnings) = run_noting(&app, &changed).await;
    assert_eq!(
        (
            summary.counts.updated,
            summary.counts.unchanged,
            summary.counts.rejected
        ),
        (1, 4, 0),
        "{:?}",
        summary.counts
    );
    assert_eq!(
        warnings.coordinate_notes(),
        [(
            format!("{COORDINATES_DOCUMENT}#/4"),
            reason.to_owned(),
            summary.run_id.0.to_string()
        )]
    );
    // One note in the run: at the changed service, naming neither coordinate.
    assert_eq!(summary.notes, kept(&[4]), "{:#?}", summary.notes);
    assert!(
        !summary.notes[0].reason.contains("90.5") && !summary.notes[0].reason.contains("2.4412"),
        "{}",
        summary.notes[0].reason
    );
    assert_eq!(
        locations_by_service(&app).await["fg-coord-good"],
        [
            building("fg-coord-good", 0, Value::Null, Value::Null),
            building("fg-coord-good", 1, Value::Null, Value::Null),
        ]
    );
}
