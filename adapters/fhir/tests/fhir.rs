//! The health adapter against the UK Core samples, a folder of files and a real HTTP FHIR
//! server (actix-web, started per test), through the SDK's conformance kit.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use actix_web::{App, HttpResponse, HttpServer, web};
use familygraph_adapter_fhir::{FhirAdapter, FhirConfig, FhirSource, xml};
use familygraph_adapter_sdk::testkit::{self, Fixture};
use familygraph_adapter_sdk::{
    AdapterError, CanonicalRecord, ErrorClass, NameUse, PartialDate, PersonRecord, SourceAdapter,
    sync,
};
use familygraph_domain::{NhsNumberVerificationStatus, Sex};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

fn folder_adapter(path: &Path, page_size: u32) -> FhirAdapter {
    let mut config = FhirConfig::new(
        "test-fhir",
        FhirSource::Directory {
            path: path.to_owned(),
        },
    );
    config.page_size = page_size;
    FhirAdapter::new(config).unwrap()
}

fn server_adapter(base_url: &str, page_size: u32) -> FhirAdapter {
    let mut config = FhirConfig::new(
        "test-fhir",
        FhirSource::Server {
            base_url: base_url.to_owned(),
        },
    );
    config.page_size = page_size;
    config.timeout_seconds = 10;
    FhirAdapter::new(config).unwrap()
}

fn people(run: &sync::Run) -> HashMap<String, PersonRecord> {
    run.records
        .iter()
        .map(|located| match &located.record {
            CanonicalRecord::Person(p) => (p.source.id.clone(), p.clone()),
            other => panic!("not a person: {other:?}"),
        })
        .collect()
}

// ---------------------------------------------------------------------------------------
// The UK Core samples and the JSON/XML correspondence.

#[tokio::test]
async fn the_two_uk_core_samples_import() {
    let adapter = folder_adapter(&fixtures().join("patients"), 50);
    let run = sync::pull_to_end(&adapter, None, 10).await.unwrap();
    assert!(run.rejected.is_empty(), "{:?}", run.rejected);
    let people = people(&run);

    let richard = &people["UKCore-Patient-RichardSmith-Example"];
    let nhs = richard.nhs_number.as_ref().unwrap();
    assert_eq!(nhs.number.as_str(), "9912003888");
    assert_eq!(
        nhs.verification,
        Some(NhsNumberVerificationStatus::Verified)
    );
    assert!(nhs.is_verified());
    let name = richard.official_name().unwrap();
    assert_eq!(name.name_use, Some(NameUse::Official));
    assert_eq!(name.family.as_deref(), Some("SMITH"));
    assert_eq!(name.given, ["Richard"]);
    assert_eq!(
        richard.birth_date,
        Some(PartialDate::parse("d", "1970-09-11").unwrap())
    );
    assert_eq!(richard.sex, Some(Sex::Male));
    assert_eq!(richard.postcode.as_ref().unwrap().as_str(), "LS17 7DF");
    assert_eq!(richard.addresses[0].lines, ["4 Sandmoor Drive"]);
    assert_eq!(richard.addresses[0].city.as_deref(), Some("LEEDS"));

    // The baby example's NHS number fails its check digit: imported without it, with a note.
    let baby = &people["UKCore-Patient-BabyPatient-Example"];
    assert_eq!(baby.nhs_number, None);
    assert_eq!(baby.official_name().unwrap().given, ["Melanie"]);
    assert_eq!(
        baby.birth_date,
        Some(PartialDate::parse("d", "2021-02-11").unwrap())
    );
    assert_eq!(baby.sex, Some(Sex::Female));
    assert_eq!(baby.postcode.as_ref().unwrap().as_str(), "LS8 3DR");
    let notes: Vec<String> = run
        .notes()
        .map(|n| format!("{} {}", n.location, n.reason))
        .collect();
    assert_eq!(notes.len(), 1, "{notes:?}");
    assert!(
        notes[0].starts_with("UKCore-Patient-BabyPatient-Example.xml#/identifier/0/value "),
        "{notes:?}"
    );
    assert!(notes[0].contains("check digit"), "{notes:?}");
    assert!(
        !notes[0].contains("9912003890"),
        "a note never repeats the value"
    );

    // The synthetic files: a partial birth date, a trace-required number, a Bundle whose
    // non-Patient entry is skipped, and the current home postcode chosen over an old one.
    let sam = &people["synthetic-child-2"];
    assert_eq!(sam.birth_date, Some(PartialDate::Year(2016)));
    assert_eq!(
        sam.nhs_number.as_ref().unwrap().verification,
        Some(NhsNumberVerificationStatus::TraceRequired)
    );
    assert_eq!(sam.official_name().unwrap().given, ["Samuel", "Lee"]);
    let rowan = &people["synthetic-child-3"];
    assert_eq!(rowan.sex, Some(Sex::Unknown));
    assert_eq!(rowan.postcode.as_ref().unwrap().as_str(), "LS7 3BB");
    assert_eq!(people.len(), 5);
    let located: Vec<String> = run.records.iter().map(|r| r.location.to_string()).collect();
    assert!(located.contains(&"b-synthetic-bundle.json#/entry/1/resource".to_owned()));
}

#[tokio::test]
async fn json_and_xml_forms_of_a_patient_give_the_same_record() {
    let xml_run = sync::pull_to_end(&folder_adapter(&fixtures().join("patients"), 50), None, 10)
        .await
        .unwrap();
    let json_run = sync::pull_to_end(
        &folder_adapter(&fixtures().join("json-forms"), 50),
        None,
        10,
    )
    .await
    .unwrap();
    let from_xml = &people(&xml_run)["UKCore-Patient-RichardSmith-Example"];
    let from_json = &people(&json_run)["UKCore-Patient-RichardSmith-Example"];
    assert_eq!(from_xml, from_json);
}

// ---------------------------------------------------------------------------------------
// A folder source.

struct FolderFixture {
    live: PathBuf,
    poisoned: tempfile::TempDir,
}

impl FolderFixture {
    fn new() -> Self {
        let live = fixtures().join("patients");
        let poisoned = tempfile::tempdir().unwrap();
        for entry in std::fs::read_dir(&live).unwrap() {
            let entry = entry.unwrap();
            std::fs::copy(entry.path(), poisoned.path().join(entry.file_name())).unwrap();
        }
        // One bad record between the good ones: an impossible birth date.
        std::fs::write(
            poisoned.path().join("ab-impossible-birth-date.json"),
            json!({"resourceType": "Patient", "id": "synthetic-bad", "birthDate": "2021-02-30"})
                .to_string(),
        )
        .unwrap();
        Self { live, poisoned }
    }
}

impl Fixture for FolderFixture {
    fn live(&self) -> Box<dyn SourceAdapter> {
        Box::new(folder_adapter(&self.live, 2))
    }
    fn poisoned(&self) -> Box<dyn SourceAdapter> {
        Box::new(folder_adapter(self.poisoned.path(), 2))
    }
    fn poisoned_location(&self) -> String {
        "ab-impossible-birth-date.json#/birthDate".to_owned()
    }
    fn dead(&self) -> Box<dyn SourceAdapter> {
        Box::new(folder_adapter(&self.live.join("no-such-folder"), 2))
    }
    fn dead_class(&self) -> ErrorClass {
        ErrorClass::Permanent
    }
}

#[tokio::test]
async fn a_folder_source_passes_the_conformance_kit() {
    let report = testkit::check_all(&FolderFixture::new()).await.unwrap();
    assert_eq!(report.records, 5);
    assert_eq!(report.batches, 2);
    let reason = &report.poisoned_rejection.reason;
    assert!(
        reason.contains("birthDate: not a possible date"),
        "{reason}"
    );
    // The location finds the value; the reason never repeats it.
    assert!(!reason.contains("2021-02-30"), "{reason}");
}

#[tokio::test]
async fn broken_files_are_rejected_and_the_rest_kept() {
    let dir = tempfile::tempdir().unwrap();
    for name in [
        "a-synthetic-child-1.json",
        "UKCore-Patient-RichardSmith-Example.xml",
    ] {
        std::fs::copy(
            fixtures().join("patients").join(name),
            dir.path().join(name),
        )
        .unwrap();
    }
    let files = [
        (
            "c-truncated.xml",
            "<Patient xmlns=\"http://hl7.org/fhir\"><id value=\"x\"/>",
        ),
        ("d-not-json.json", "{\"resourceType\": \"Patient\", "),
        (
            "e-observation.json",
            "{\"resourceType\": \"Observation\", \"id\": \"o\"}",
        ),
        (
            "f-unknown-code.json",
            "{\"resourceType\": \"Patient\", \"id\": \"u\", \"gender\": \"mail\"}",
        ),
        ("g-no-namespace.xml", "<Patient><id value=\"x\"/></Patient>"),
        ("notes.txt", "ignored: not a FHIR file"),
    ];
    for (name, body) in files {
        std::fs::write(dir.path().join(name), body).unwrap();
    }
    let run = sync::pull_to_end(&folder_adapter(dir.path(), 3), None, 10)
        .await
        .unwrap();
    assert_eq!(run.records.len(), 2);
    let rejected: Vec<String> = run
        .rejected
        .iter()
        .map(|r| r.location.to_string())
        .collect();
    assert_eq!(
        rejected,
        [
            "c-truncated.xml",
            "d-not-json.json",
            "e-observation.json#/resourceType",
            "f-unknown-code.json#/gender",
            "g-no-namespace.xml",
        ]
    );
    assert!(run.rejected.iter().all(|r| !r.reason.is_empty()));
    // A finished folder run's cursor is a watermark: nothing new, nothing read.
    let again = sync::pull_to_end(
        &folder_adapter(dir.path(), 3),
        run.final_cursor().cloned(),
        10,
    )
    .await
    .unwrap();
    assert!(again.records.is_empty() && again.rejected.is_empty());
    // A new file named later is read on the next run.
    std::fs::copy(
        fixtures().join("patients/b-synthetic-bundle.json"),
        dir.path().join("h-new-export.json"),
    )
    .unwrap();
    let delta = sync::pull_to_end(
        &folder_adapter(dir.path(), 3),
        run.final_cursor().cloned(),
        10,
    )
    .await
    .unwrap();
    assert_eq!(delta.records.len(), 2);
}

// ---------------------------------------------------------------------------------------
// A FHIR server: a real HTTP server answering `metadata` and `Patient` searches.

#[derive(Clone, Copy, PartialEq)]
enum Mode {
    Normal,
    Fail500,
    Garbage,
    ForeignNextLink,
    RepeatingNextLink,
}

struct ServerState {
    patients: Mutex<Vec<Value>>,
    mode: Mode,
}

fn synthetic_patient(i: usize, updated: &str) -> Value {
    let numbers = [
        "9434765900",
        "9434765919",
        "9434765943",
        "9434765951",
        "9434765978",
    ];
    json!({
        "resourceType": "Patient",
        "id": format!("server-child-{i}"),
        "meta": {"lastUpdated": updated},
        "identifier": [{"system": "https://fhir.nhs.uk/Id/nhs-number", "value": numbers[i % numbers.len()]}],
        "name": [{"use": "official", "family": "Testchild", "given": [format!("Child{i}")]}],
        "gender": if i.is_multiple_of(2) { "female" } else { "male" },
        "birthDate": format!("201{i}-0{}-1{i}", i + 1),
    })
}

async fn metadata(state: web::Data<ServerState>) -> HttpResponse {
    match state.mode {
        Mode::Fail500 => HttpResponse::InternalServerError().body("upstream database down"),
        Mode::Garbage => HttpResponse::Ok()
            .content_type("text/html")
            .body("<html><body>Sign in</body>"),
        _ => HttpResponse::Ok()
            .content_type("application/fhir+json")
            .json(json!({"resourceType": "CapabilityStatement", "fhirVersion": "4.0.1", "status": "active"})),
    }
}

async fn search(
    state: web::Data<ServerState>,
    request: actix_web::HttpRequest,
    query: web::Query<HashMap<String, String>>,
) -> HttpResponse {
    match state.mode {
        Mode::Fail500 => return HttpResponse::InternalServerError().body("upstream database down"),
        Mode::Garbage => {
            return HttpResponse::Ok()
                .content_type("application/fhir+json")
                .body("{\"resourceType\": \"Bundle\", \"entry\": [");
        }
        _ => {}
    }
    let count: usize = query
        .get("_count")
        .and_then(|c| c.parse().ok())
        .unwrap_or(10);
    let offset: usize = query
        .get("_offset")
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let since = query
        .get("_lastUpdated")
        .map(|s| s.strip_prefix("ge").expect("only ge is used").to_owned());
    let mut matching: Vec<Value> = state
        .patients
        .lock()
        .unwrap()
        .iter()
        .filter(|p| {
            since
                .as_deref()
                .is_none_or(|s| p["meta"]["lastUpdated"].as_str().unwrap_or("") >= s)
        })
        .cloned()
        .collect();
    matching.sort_by_key(|p| {
        (
            p["meta"]["lastUpdated"].as_str().unwrap_or("").to_owned(),
            p["id"].as_str().unwrap_or("").to_owned(),
        )
    });
    let page: Vec<Value> = matching.iter().skip(offset).take(count).cloned().collect();
    let host = request.connection_info().host().to_owned();
    let mut links = vec![];
    if offset + count < matching.len() {
        let origin = if state.mode == Mode::ForeignNextLink {
            "http://elsewhere.invalid".to_owned()
        } else {
            format!("http://{host}")
        };
        let next_offset = if state.mode == Mode::RepeatingNextLink {
            offset
        } else {
            offset + count
        };
        let mut next = format!(
            "{origin}/fhir/Patient?_count={count}&_sort=_lastUpdated&_offset={next_offset}"
        );
        if let Some(s) = &since {
            next.push_str(&format!("&_lastUpdated=ge{s}"));
        }
        links.push(json!({"relation": "next", "url": next}));
    }
    HttpResponse::Ok().content_type("application/fhir+json").json(json!({
        "resourceType": "Bundle",
        "type": "searchset",
        "total": matching.len(),
        "link": links,
        "entry": page.into_iter().map(|p| json!({"resource": p, "search": {"mode": "match"}})).collect::<Vec<_>>(),
    }))
}

struct TestServer {
    base_url: String,
    state: web::Data<ServerState>,
    handle: actix_web::dev::ServerHandle,
}

impl TestServer {
    async fn start(mode: Mode, patients: Vec<Value>) -> Self {
        let state = web::Data::new(ServerState {
            patients: Mutex::new(patients),
            mode,
        });
        let data = state.clone();
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let address = listener.local_addr().unwrap();
        let server = HttpServer::new(move || {
            App::new()
                .app_data(data.clone())
                .route("/fhir/metadata", web::get().to(metadata))
                .route("/fhir/Patient", web::get().to(search))
        })
        .workers(1)
        .listen(listener)
        .unwrap()
        .run();
        let handle = server.handle();
        tokio::spawn(server);
        Self {
            base_url: format!("http://{address}/fhir"),
            state,
            handle,
        }
    }
}

fn five_patients() -> Vec<Value> {
    (0..5)
        .map(|i| synthetic_patient(i, &format!("2026-01-0{}T10:00:00Z", i + 1)))
        .collect()
}

struct ServerFixture {
    live: TestServer,
    poisoned: TestServer,
    dead_url: String,
}

impl ServerFixture {
    async fn start() -> Self {
        let live = TestServer::start(Mode::Normal, five_patients()).await;
        let mut poisoned_patients = five_patients();
        let mut bad = synthetic_patient(5, "2026-01-02T12:00:00Z");
        bad["gender"] = json!("mail");
        poisoned_patients.push(bad);
        let poisoned = TestServer::start(Mode::Normal, poisoned_patients).await;
        // A port that was free a moment ago: nothing listens there.
        let dead_url = {
            let listener = TcpListener::bind("127.0.0.1:0").unwrap();
            format!("http://{}/fhir", listener.local_addr().unwrap())
        };
        Self {
            live,
            poisoned,
            dead_url,
        }
    }
}

impl Fixture for ServerFixture {
    fn live(&self) -> Box<dyn SourceAdapter> {
        Box::new(server_adapter(&self.live.base_url, 2))
    }
    fn poisoned(&self) -> Box<dyn SourceAdapter> {
        Box::new(server_adapter(&self.poisoned.base_url, 2))
    }
    fn poisoned_location(&self) -> String {
        // The bad Patient sorts third by lastUpdated: the second page's first entry.
        "_offset=2#/entry/0/resource/gender".to_owned()
    }
    fn dead(&self) -> Box<dyn SourceAdapter> {
        Box::new(server_adapter(&self.dead_url, 2))
    }
    fn dead_class(&self) -> ErrorClass {
        ErrorClass::Retryable
    }
}

#[tokio::test]
async fn a_fhir_server_source_passes_the_conformance_kit() {
    let fixture = ServerFixture::start().await;
    let report = testkit::check_all(&fixture).await.unwrap();
    assert_eq!(report.records, 5);
    assert_eq!(report.batches, 3);
    fixture.live.handle.stop(true).await;
    fixture.poisoned.handle.stop(true).await;
}

#[tokio::test]
async fn a_finished_run_resumes_from_its_last_updated_watermark() {
    let server = TestServer::start(Mode::Normal, five_patients()).await;
    let adapter = server_adapter(&server.base_url, 2);
    let first = sync::pull_to_end(&adapter, None, 10).await.unwrap();
    assert_eq!(first.records.len(), 5);
    let watermark = first.final_cursor().cloned().unwrap();
    assert!(
        watermark.as_str().contains("2026-01-05T10:00:00Z"),
        "{watermark}"
    );

    server
        .state
        .patients
        .lock()
        .unwrap()
        .push(synthetic_patient(7, "2026-02-01T08:30:00Z"));
    let delta = sync::pull_to_end(&adapter, Some(watermark), 10)
        .await
        .unwrap();
    let ids: Vec<String> = people(&delta)
        .into_keys()
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    // `ge`: the Patient at the watermark is read again (harmless), the new one is read,
    // the older ones are not.
    assert_eq!(ids, ["server-child-4", "server-child-7"]);
    assert!(
        delta
            .final_cursor()
            .unwrap()
            .as_str()
            .contains("2026-02-01T08:30:00Z")
    );
    server.handle.stop(true).await;
}

#[tokio::test]
async fn a_server_answering_500_or_garbage_is_a_classified_error() {
    let failing = TestServer::start(Mode::Fail500, five_patients()).await;
    let adapter = server_adapter(&failing.base_url, 2);
    let err = adapter.pull(None).await.unwrap_err();
    assert!(
        matches!(err, AdapterError::Status { status: 500, .. }),
        "{err}"
    );
    assert!(err.is_retryable());
    assert!(adapter.health().await.unwrap_err().is_retryable());

    let garbage = TestServer::start(Mode::Garbage, five_patients()).await;
    let adapter = server_adapter(&garbage.base_url, 2);
    let err = adapter.pull(None).await.unwrap_err();
    assert!(matches!(err, AdapterError::Malformed { .. }), "{err}");
    assert!(!err.is_retryable());
    let err = adapter.health().await.unwrap_err();
    assert!(!err.is_retryable(), "{err}");

    let foreign = TestServer::start(Mode::ForeignNextLink, five_patients()).await;
    let adapter = server_adapter(&foreign.base_url, 2);
    let err = adapter.pull(None).await.unwrap_err();
    assert!(
        err.to_string().contains("outside the configured server"),
        "{err}"
    );
    assert!(!err.is_retryable());

    // A server whose next link never moves on is an error, not an endless run.
    let repeating = TestServer::start(Mode::RepeatingNextLink, five_patients()).await;
    let adapter_repeating = server_adapter(&repeating.base_url, 2);
    let first = adapter_repeating.pull(None).await.unwrap();
    let err = adapter_repeating
        .pull(first.next_cursor.as_ref())
        .await
        .unwrap_err();
    assert!(err.to_string().contains("repeats the page"), "{err}");
    repeating.handle.stop(true).await;

    // A cursor from elsewhere is refused, not guessed at.
    let err = adapter
        .pull(Some(&familygraph_adapter_sdk::Cursor::new("page=2")))
        .await
        .unwrap_err();
    assert!(matches!(err, AdapterError::InvalidCursor { .. }), "{err}");
    for server in [failing, garbage, foreign] {
        server.handle.stop(true).await;
    }
}

// ---------------------------------------------------------------------------------------
// Found by fuzzing (fuzz/fuzz_targets/fhir_patient.rs).

/// A Patient whose `extension`s nest `depth` elements deep in all.
fn nested_patient(depth: usize) -> String {
    let inner = depth - 1; // the Patient element itself is one level
    format!(
        "<Patient xmlns=\"http://hl7.org/fhir\"><id value=\"deep\"/>{}{}</Patient>",
        "<extension url=\"https://example.invalid/x\">".repeat(inner),
        "</extension>".repeat(inner)
    )
}

#[test]
fn deeply_nested_xml_is_refused_not_a_stack_overflow() {
    // 200,000 nested elements once overflowed the stack converting XML to JSON (a crash of
    // the whole process, not a rejection).
    let error = xml::to_json(&nested_patient(200_000)).unwrap_err();
    assert!(error.contains("deeper than 128"), "{error}");
    // At the limit the document converts.
    let value = xml::to_json(&nested_patient(xml::MAX_DEPTH)).unwrap();
    assert_eq!(value["id"], "deep");
    assert!(xml::to_json(&nested_patient(xml::MAX_DEPTH + 1)).is_err());
}

#[tokio::test]
async fn a_deeply_nested_file_is_rejected_and_the_rest_kept() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        fixtures().join("patients/a-synthetic-child-1.json"),
        dir.path().join("a-synthetic-child-1.json"),
    )
    .unwrap();
    std::fs::write(dir.path().join("b-deep.xml"), nested_patient(200_000)).unwrap();
    let run = sync::pull_to_end(&folder_adapter(dir.path(), 10), None, 10)
        .await
        .unwrap();
    assert_eq!(run.records.len(), 1);
    let rejected: Vec<String> = run
        .rejected
        .iter()
        .map(|r| r.location.to_string())
        .collect();
    assert_eq!(rejected, ["b-deep.xml"]);
}
