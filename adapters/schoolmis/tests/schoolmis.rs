//! The school MIS adapter against a real HTTP server (actix-web, started per test) that speaks
//! the Wonde-style wire format — paging by `meta.pagination.next`, `updated_after` deltas, an
//! OAuth 2.0 token endpoint for the client-credentials grant, 401, 429 with `Retry-After`, 500
//! and garbage — and through the SDK's conformance kit.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use chrono::NaiveDate;
use familygraph_adapter_schoolmis::{
    AttendancePeriod, AuthConfig, SchoolMisAdapter, SchoolMisConfig, Secret,
};
use familygraph_adapter_sdk::testkit::{self, Fixture};
use familygraph_adapter_sdk::{
    AdapterError, AttendanceSummary, CanonicalRecord, EnrolmentRecord, ErrorClass, NameUse,
    PersonRecord, SourceAdapter, SuspensionRecord, sync,
};
use familygraph_domain::Upn;
use serde_json::{Value, json};
use std::collections::{HashMap, HashSet};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};

const SCHOOL_ID: &str = "A1930499544";
const URN: &str = "142857";
const CLIENT_ID: &str = "schoolmis-client";
const CLIENT_SECRET: &str = "synthetic-client-secret";
/// `Basic base64(CLIENT_ID:CLIENT_SECRET)`.
const BASIC: &str = "Basic c2Nob29sbWlzLWNsaWVudDpzeW50aGV0aWMtY2xpZW50LXNlY3JldA==";
const BEARER: &str = "synthetic-bearer-token";

fn upn(serial: u32) -> String {
    Upn::with_check_letter(&format!("8261234250{serial:02}"))
        .unwrap()
        .to_string()
}

fn wonde_date(day: &str) -> Value {
    json!({"date": format!("{day} 00:00:00.000000"), "timezone_type": 3, "timezone": "Europe/London"})
}

fn student(id: &str, forename: &str, upn: &str, updated: &str) -> Value {
    json!({
        "id": id,
        "upi": format!("upi-{id}"),
        "forename": forename,
        "surname": "Example",
        "legal_forename": forename,
        "legal_surname": "Example",
        "gender": "F",
        "date_of_birth": wonde_date("2014-05-02"),
        "education_details": {"data": {
            "upn": upn,
            "admission_date": wonde_date("2021-09-01"),
            "leaving_date": null,
            "current_nc_year": "6"
        }},
        "contacts": {"data": [{"id": "C1", "forename": "Parent", "surname": "Example"}]},
        "updated_at": {"date": format!("{updated}.000000"), "timezone_type": 3, "timezone": "Europe/London"}
    })
}

/// Session marks for `student`, one per session from 1 September 2025, in `codes` order.
fn marks(student: &str, codes: &[&str]) -> Vec<Value> {
    let first = NaiveDate::from_ymd_opt(2025, 9, 1).unwrap();
    codes
        .iter()
        .enumerate()
        .map(|(i, code)| {
            let day = first + chrono::Days::new((i / 2) as u64);
            json!({
                "id": format!("{student}-{i}"),
                "student": student,
                "date": wonde_date(&day.to_string()),
                "session": if i % 2 == 0 { "AM" } else { "PM" },
                "code": code,
            })
        })
        .collect()
}

/// The school the server serves.
#[derive(Clone)]
struct School {
    students: Vec<Value>,
    exclusions: Vec<Value>,
    marks: Vec<Value>,
}

impl School {
    fn synthetic() -> Self {
        let mut leaver = student("S4", "Dana", &upn(4), "2026-01-02 09:00:00");
        leaver["education_details"]["data"]["leaving_date"] = wonde_date("2025-07-18");
        let mut bad_upn = student("S3", "Cleo", &upn(3), "2026-01-02 08:00:00");
        // The right digits with the wrong check letter.
        let wrong = upn(3).replacen(
            &upn(3)[..1],
            if upn(3).starts_with('A') { "B" } else { "A" },
            1,
        );
        bad_upn["education_details"]["data"]["upn"] = json!(wrong);
        bad_upn["legal_forename"] = json!("Cleopatra");
        // A: 20 possible sessions, 2 absent: exactly 10%, persistently absent.
        let mut a = vec!["/"; 9];
        a.extend(["\\"; 9]);
        a.extend(["I", "O"]);
        // B: 21 possible sessions, 2 absent: 9.5%, not persistently absent. `#` and `X` are
        // not possible sessions; `L` and `B` are attendance.
        let mut b = vec!["/"; 17];
        b.extend(["L", "B", "M", "G", "#", "X"]);
        let mut all_marks = marks("S1", &a);
        all_marks.extend(marks("S2", &b));
        // After the period: not counted.
        let mut late = marks("S2", &["O"]);
        late[0]["date"] = wonde_date("2025-11-03");
        late[0]["id"] = json!("S2-late");
        all_marks.extend(late);
        Self {
            students: vec![
                student("S1", "Ada", &upn(1), "2026-01-01 09:00:00"),
                student("S2", "Bea", &upn(2), "2026-01-01 10:00:00"),
                bad_upn,
                leaver,
                student("S5", "Eve", &upn(5), "2026-01-03 09:00:00"),
            ],
            exclusions: vec![
                json!({"id": "X1", "student": "S2", "type": "suspension",
                       "start_date": wonde_date("2025-10-06"), "end_date": wonde_date("2025-10-07"),
                       "sessions": 4, "reason": "PP", "updated_at": {"date": "2025-10-06 12:00:00.000000"}}),
                json!({"id": "X2", "student": "S4", "type": "permanent",
                       "start_date": wonde_date("2025-06-02"), "end_date": null,
                       "updated_at": {"date": "2025-06-02 12:00:00.000000"}}),
            ],
            marks: all_marks,
        }
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Auth {
    Bearer,
    ClientCredentials,
}

#[derive(Clone, Copy, PartialEq)]
enum Mode {
    Normal,
    Fail500,
    /// The second page of students is not JSON.
    GarbagePage2,
    /// The first API request answers 429 with `Retry-After: 1`.
    ThrottleOnce,
    /// Every API request answers 429 with `Retry-After: 120`.
    Throttle,
    /// The API refuses every token.
    RefuseTokens,
}

struct State {
    school: School,
    auth: Auth,
    mode: Mode,
    issued: u32,
    valid_tokens: HashSet<String>,
    api_requests: u32,
    base_url: String,
}

type Shared = Arc<Mutex<State>>;

fn page_of(
    state: &State,
    listing: &str,
    items: &[Value],
    query: &HashMap<String, String>,
) -> Value {
    let page: usize = query.get("page").and_then(|p| p.parse().ok()).unwrap_or(1);
    let per_page: usize = query
        .get("per_page")
        .and_then(|p| p.parse().ok())
        .unwrap_or(50);
    let data: Vec<Value> = items
        .iter()
        .skip((page - 1) * per_page)
        .take(per_page)
        .cloned()
        .collect();
    let more = page * per_page < items.len();
    let link = |page: usize| {
        format!(
            "{}/v1.0/schools/{SCHOOL_ID}/{listing}?per_page={per_page}&page={page}",
            state.base_url
        )
    };
    json!({
        "data": data,
        "meta": {"pagination": {
            "next": if more { json!(link(page + 1)) } else { json!(null) },
            "previous": if page > 1 { json!(link(page - 1)) } else { json!(null) },
            "more": more,
            "current_page": page,
            "per_page": per_page,
        }}
    })
}

fn updated(item: &Value) -> String {
    item["updated_at"]["date"].as_str().unwrap()[..19].to_owned()
}

async fn token(
    state: web::Data<Shared>,
    req: HttpRequest,
    form: web::Form<HashMap<String, String>>,
) -> HttpResponse {
    let mut state = state.lock().unwrap();
    let basic = req
        .headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok());
    if form.get("grant_type").map(String::as_str) != Some("client_credentials") {
        return HttpResponse::BadRequest().json(json!({"error": "unsupported_grant_type"}));
    }
    if basic != Some(BASIC) {
        return HttpResponse::Unauthorized().json(json!({"error": "invalid_client"}));
    }
    state.issued += 1;
    let token = format!("synthetic-access-token-{}", state.issued);
    state.valid_tokens.insert(token.clone());
    HttpResponse::Ok()
        .json(json!({"access_token": token, "token_type": "Bearer", "expires_in": 3600}))
}

async fn listing(
    state: web::Data<Shared>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
    query: web::Query<HashMap<String, String>>,
) -> HttpResponse {
    let mut state = state.lock().unwrap();
    let (school, listing) = path.into_inner();
    state.api_requests += 1;
    let presented = req
        .headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default()
        .to_owned();
    let authorised = match state.auth {
        Auth::Bearer => presented == BEARER,
        Auth::ClientCredentials => state.valid_tokens.contains(&presented),
    };
    if !authorised || state.mode == Mode::RefuseTokens {
        return HttpResponse::Unauthorized().json(json!({"error": "invalid_token"}));
    }
    match state.mode {
        Mode::Fail500 => return HttpResponse::InternalServerError().body("MIS unavailable"),
        Mode::Throttle => {
            return HttpResponse::TooManyRequests()
                .insert_header(("Retry-After", "120"))
                .finish();
        }
        Mode::ThrottleOnce if state.api_requests == 1 => {
            return HttpResponse::TooManyRequests()
                .insert_header(("Retry-After", "1"))
                .finish();
        }
        Mode::GarbagePage2
            if listing == "students" && query.get("page").map(String::as_str) == Some("2") =>
        {
            return HttpResponse::Ok()
                .content_type("application/json")
                .body("{\"data\": [ {\"id\": \"S3\", ");
        }
        _ => {}
    }
    if school != SCHOOL_ID {
        return HttpResponse::NotFound().json(json!({"error": "school not found"}));
    }
    let since = query.get("updated_after").cloned();
    let changed = |items: &[Value]| -> Vec<Value> {
        items
            .iter()
            .filter(|i| since.as_ref().is_none_or(|s| updated(i) > *s))
            .cloned()
            .collect()
    };
    let items = match listing.as_str() {
        "students" => {
            if query.get("include").map(String::as_str) != Some("contacts,education_details") {
                return HttpResponse::BadRequest().json(json!({"error": "include"}));
            }
            changed(&state.school.students)
        }
        "exclusions" => changed(&state.school.exclusions),
        "attendance" => {
            let (Some(start), Some(end)) = (query.get("start_date"), query.get("end_date")) else {
                return HttpResponse::BadRequest()
                    .json(json!({"error": "start_date and end_date"}));
            };
            // The server filters loosely (by month), as some do: the adapter checks the period.
            let (start, end) = (&start[..7], &end[..7]);
            state
                .school
                .marks
                .iter()
                .filter(|m| {
                    let month = &m["date"]["date"].as_str().unwrap()[..7];
                    month >= start && month <= end
                })
                .cloned()
                .collect()
        }
        _ => return HttpResponse::NotFound().finish(),
    };
    HttpResponse::Ok().json(page_of(&state, &listing, &items, &query))
}

struct TestServer {
    base_url: String,
    state: Shared,
    handle: actix_web::dev::ServerHandle,
}

impl TestServer {
    async fn start(school: School, auth: Auth, mode: Mode) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let base_url = format!("http://{}", listener.local_addr().unwrap());
        let state: Shared = Arc::new(Mutex::new(State {
            school,
            auth,
            mode,
            issued: 0,
            valid_tokens: HashSet::new(),
            api_requests: 0,
            base_url: base_url.clone(),
        }));
        let data = web::Data::new(state.clone());
        let server = HttpServer::new(move || {
            App::new()
                .app_data(data.clone())
                .route("/oauth/token", web::post().to(token))
                .route("/v1.0/schools/{school}/{listing}", web::get().to(listing))
        })
        .workers(1)
        .listen(listener)
        .unwrap()
        .run();
        let handle = server.handle();
        tokio::spawn(server);
        Self {
            base_url,
            state,
            handle,
        }
    }

    fn set<T>(&self, change: impl FnOnce(&mut State) -> T) -> T {
        change(&mut self.state.lock().unwrap())
    }
}

fn secret_file(value: &str) -> tempfile::NamedTempFile {
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), value).unwrap();
    file
}

fn config(
    base_url: &str,
    auth: Auth,
    secret: &tempfile::NamedTempFile,
    per_page: u32,
) -> SchoolMisConfig {
    let auth = match auth {
        Auth::Bearer => AuthConfig::Bearer {
            token: Secret::File(secret.path().to_owned()),
        },
        Auth::ClientCredentials => AuthConfig::ClientCredentials {
            token_url: format!("{base_url}/oauth/token"),
            client_id: CLIENT_ID.to_owned(),
            client_secret: Secret::File(secret.path().to_owned()),
            scopes: vec![],
        },
    };
    SchoolMisConfig {
        name: "test-school-mis".to_owned(),
        base_url: base_url.to_owned(),
        school_id: SCHOOL_ID.to_owned(),
        urn: URN.to_owned(),
        auth,
        per_page,
        timeout_seconds: 10,
        max_retry_after_seconds: 5,
        attendance_period: AttendancePeriod {
            start: NaiveDate::from_ymd_opt(2025, 9, 1).unwrap(),
            end: NaiveDate::from_ymd_opt(2025, 10, 31).unwrap(),
        },
    }
}

/// An adapter over `server` with the secret its auth needs.
fn adapter(
    server: &TestServer,
    auth: Auth,
    per_page: u32,
) -> (SchoolMisAdapter, tempfile::NamedTempFile) {
    let secret = secret_file(match auth {
        Auth::Bearer => BEARER,
        Auth::ClientCredentials => CLIENT_SECRET,
    });
    let adapter = SchoolMisAdapter::new(config(&server.base_url, auth, &secret, per_page)).unwrap();
    (adapter, secret)
}

fn people(run: &sync::Run) -> HashMap<String, PersonRecord> {
    run.records
        .iter()
        .filter_map(|r| match &r.record {
            CanonicalRecord::Person(p) => Some((p.source.id.clone(), p.clone())),
            _ => None,
        })
        .collect()
}

fn enrolments(run: &sync::Run) -> HashMap<String, EnrolmentRecord> {
    run.records
        .iter()
        .filter_map(|r| match &r.record {
            CanonicalRecord::Enrolment(e) => Some((e.person_source_id.clone(), e.clone())),
            _ => None,
        })
        .collect()
}

fn attendance(run: &sync::Run) -> HashMap<String, AttendanceSummary> {
    run.records
        .iter()
        .filter_map(|r| match &r.record {
            CanonicalRecord::Attendance(a) => Some((a.person_source_id.clone(), a.clone())),
            _ => None,
        })
        .collect()
}

fn suspensions(run: &sync::Run) -> HashMap<String, SuspensionRecord> {
    run.records
        .iter()
        .filter_map(|r| match &r.record {
            CanonicalRecord::Suspension(s) => Some((s.source.id.clone(), s.clone())),
            _ => None,
        })
        .collect()
}

#[tokio::test]
async fn students_attendance_and_exclusions_map_to_canonical_records() {
    let server =
        TestServer::start(School::synthetic(), Auth::ClientCredentials, Mode::Normal).await;
    let (adapter, _secret) = adapter(&server, Auth::ClientCredentials, 2);
    let run = sync::pull_to_end(&adapter, None, 20).await.unwrap();
    assert!(run.rejected.is_empty(), "{:?}", run.rejected);
    // Three pages of students, one of exclusions, the attendance period.
    assert_eq!(run.cursors.len(), 5);

    let people = people(&run);
    assert_eq!(people.len(), 5);
    let ada = &people["S1"];
    assert_eq!(ada.upn.as_ref().unwrap().as_str(), upn(1));
    assert_eq!(ada.birth_date.unwrap().to_string(), "2014-05-02");
    assert_eq!(ada.names.len(), 1);
    assert_eq!(ada.official_name().unwrap().given, ["Ada"]);
    assert_eq!(ada.sex, Some(familygraph_domain::Sex::Female));

    // A UPN failing its check letter: the person is kept without it, with a note.
    let cleo = &people["S3"];
    assert_eq!(cleo.upn, None);
    assert_eq!(cleo.names[0].name_use, Some(NameUse::Official));
    assert_eq!(cleo.names[0].given, ["Cleopatra"]);
    assert_eq!(cleo.names[1].name_use, Some(NameUse::Usual));
    let notes: Vec<_> = run.notes().collect();
    assert_eq!(notes.len(), 1);
    assert!(
        notes[0]
            .location
            .pointer
            .ends_with("/data/0/education_details/data/upn")
    );
    assert!(notes[0].location.document.contains("page=2"));
    assert!(notes[0].reason.contains("check letter"));
    assert!(!notes[0].reason.contains(&upn(3)[1..]));

    let enrolments = enrolments(&run);
    assert_eq!(enrolments.len(), 5);
    let today = NaiveDate::from_ymd_opt(2026, 1, 5).unwrap();
    let ada_enrolment = &enrolments["S1"];
    assert_eq!(ada_enrolment.school_urn.as_ref().unwrap().as_str(), URN);
    assert_eq!(ada_enrolment.year_group.as_deref(), Some("6"));
    assert_eq!(
        ada_enrolment.start_date,
        NaiveDate::from_ymd_opt(2021, 9, 1)
    );
    assert!(ada_enrolment.on_roll(today));
    assert_eq!(enrolments["S3"].upn, None);
    let leaver = &enrolments["S4"];
    assert_eq!(leaver.end_date, NaiveDate::from_ymd_opt(2025, 7, 18));
    assert!(!leaver.on_roll(today));
    assert!(leaver.on_roll(NaiveDate::from_ymd_opt(2025, 7, 18).unwrap()));

    let attendance = attendance(&run);
    assert_eq!(attendance.len(), 2);
    // Exactly 10% absent: persistently absent.
    let a = &attendance["S1"];
    assert_eq!(
        (
            a.sessions_possible,
            a.sessions_attended,
            a.sessions_authorised_absence,
            a.sessions_unauthorised_absence
        ),
        (20, 18, 1, 1)
    );
    assert!(a.persistently_absent);
    assert_eq!(a.source.id, "S1/2025-09-01/2025-10-31");
    assert_eq!(a.school_urn.as_ref().unwrap().as_str(), URN);
    // Just under 10%: not. `#` and `X` are not possible sessions; the November mark is
    // outside the period.
    let b = &attendance["S2"];
    assert_eq!(
        (
            b.sessions_possible,
            b.sessions_attended,
            b.sessions_authorised_absence,
            b.sessions_unauthorised_absence
        ),
        (21, 19, 1, 1)
    );
    assert!(!b.persistently_absent);

    let suspensions = suspensions(&run);
    let x1 = &suspensions["X1"];
    assert!(!x1.permanent);
    assert_eq!(x1.person_source_id, "S2");
    assert_eq!(x1.sessions, Some(4));
    assert_eq!(x1.end_date, NaiveDate::from_ymd_opt(2025, 10, 7));
    assert_eq!(x1.reason.as_deref(), Some("PP"));
    assert!(suspensions["X2"].permanent);
    assert_eq!(suspensions["X2"].end_date, None);
    server.handle.stop(true).await;
}

#[tokio::test]
async fn updated_after_deltas_return_only_changed_students() {
    let server = TestServer::start(School::synthetic(), Auth::Bearer, Mode::Normal).await;
    let (adapter, _secret) = adapter(&server, Auth::Bearer, 2);
    let full = sync::pull_to_end(&adapter, None, 20).await.unwrap();
    assert_eq!(people(&full).len(), 5);
    let watermark = full.final_cursor().cloned();
    assert!(
        watermark
            .as_ref()
            .unwrap()
            .as_str()
            .contains("2026-01-03 09:00:00")
    );

    // Nothing changed: a delta run reads no students or exclusions, and recomputes attendance.
    let nothing = sync::pull_to_end(&adapter, watermark.clone(), 20)
        .await
        .unwrap();
    assert!(people(&nothing).is_empty());
    assert!(suspensions(&nothing).is_empty());
    assert_eq!(attendance(&nothing).len(), 2);
    assert_eq!(nothing.final_cursor(), watermark.as_ref());

    server.set(|s| {
        s.school.students[1]["surname"] = json!("Changed");
        s.school.students[1]["legal_surname"] = json!("Changed");
        s.school.students[1]["updated_at"]["date"] = json!("2026-01-10 08:00:00.000000");
        s.school
            .exclusions
            .push(json!({"id": "X3", "student": "S5", "type": "suspension",
            "start_date": "2026-01-09", "end_date": "2026-01-09", "sessions": 2,
            "updated_at": {"date": "2026-01-09 16:00:00.000000"}}));
    });
    let delta = sync::pull_to_end(&adapter, watermark, 20).await.unwrap();
    let changed = people(&delta);
    assert_eq!(changed.keys().collect::<Vec<_>>(), ["S2"]);
    assert_eq!(changed["S2"].names[0].family.as_deref(), Some("Changed"));
    assert_eq!(suspensions(&delta).keys().collect::<Vec<_>>(), ["X3"]);
    assert!(
        delta
            .final_cursor()
            .unwrap()
            .as_str()
            .contains("2026-01-10 08:00:00")
    );
    let after = sync::pull_to_end(&adapter, delta.final_cursor().cloned(), 20)
        .await
        .unwrap();
    assert!(people(&after).is_empty());
    server.handle.stop(true).await;
}

#[tokio::test]
async fn client_credentials_tokens_are_refreshed_once_when_refused() {
    let server =
        TestServer::start(School::synthetic(), Auth::ClientCredentials, Mode::Normal).await;
    let (adapter, _secret) = adapter(&server, Auth::ClientCredentials, 10);
    adapter.health().await.unwrap();
    adapter.pull(None).await.unwrap();
    assert_eq!(server.set(|s| s.issued), 1, "the token is reused");

    // The token expires: the API answers 401 and the adapter gets a new one.
    server.set(|s| s.valid_tokens.clear());
    let batch = adapter.pull(None).await.unwrap();
    assert_eq!(batch.records.len(), 10);
    assert_eq!(server.set(|s| s.issued), 2);

    // An API that refuses every token: one refresh, then a permanent error.
    server.set(|s| s.mode = Mode::RefuseTokens);
    let err = adapter.pull(None).await.unwrap_err();
    assert!(
        matches!(err, AdapterError::Status { status: 401, .. }),
        "{err}"
    );
    assert_eq!(err.class(), ErrorClass::Permanent);
    assert_eq!(server.set(|s| s.issued), 3);

    // A wrong client secret: the token endpoint refuses it, permanently.
    let wrong = secret_file("not-the-secret");
    let refused = SchoolMisAdapter::new(config(
        &server.base_url,
        Auth::ClientCredentials,
        &wrong,
        10,
    ))
    .unwrap();
    let err = refused.pull(None).await.unwrap_err();
    assert!(err.to_string().contains("/oauth/token"), "{err}");
    assert_eq!(err.class(), ErrorClass::Permanent);
    server.handle.stop(true).await;
}

#[tokio::test]
async fn a_wrong_bearer_token_is_a_permanent_error() {
    let server = TestServer::start(School::synthetic(), Auth::Bearer, Mode::Normal).await;
    let wrong = secret_file("not-the-token");
    let adapter =
        SchoolMisAdapter::new(config(&server.base_url, Auth::Bearer, &wrong, 10)).unwrap();
    let err = adapter.pull(None).await.unwrap_err();
    assert!(
        matches!(err, AdapterError::Status { status: 401, .. }),
        "{err}"
    );
    assert!(!err.is_retryable());
    assert_eq!(
        server.set(|s| s.api_requests),
        1,
        "a bearer token is not retried"
    );
    // A missing secret file is a configuration error that does not show any secret.
    let missing = config(&server.base_url, Auth::Bearer, &wrong, 10);
    drop(wrong);
    let err = SchoolMisAdapter::new(missing)
        .unwrap()
        .pull(None)
        .await
        .unwrap_err();
    assert!(matches!(err, AdapterError::Config { .. }), "{err}");
    server.handle.stop(true).await;
}

#[tokio::test]
async fn throttling_500_and_garbage_are_classified() {
    // 429 with a short Retry-After: waited out once, then the page is read.
    let once = TestServer::start(School::synthetic(), Auth::Bearer, Mode::ThrottleOnce).await;
    let (adapter_o, _s1) = adapter(&once, Auth::Bearer, 2);
    let batch = adapter_o.pull(None).await.unwrap();
    assert_eq!(batch.records.len(), 4);
    assert_eq!(once.set(|s| s.api_requests), 2);

    // 429 with a long Retry-After: a retryable error for the server to retry later.
    let throttled = TestServer::start(School::synthetic(), Auth::Bearer, Mode::Throttle).await;
    let (adapter_t, _s2) = adapter(&throttled, Auth::Bearer, 2);
    let err = adapter_t.pull(None).await.unwrap_err();
    assert!(
        matches!(err, AdapterError::Status { status: 429, .. }),
        "{err}"
    );
    assert!(err.is_retryable());
    assert_eq!(throttled.set(|s| s.api_requests), 1);

    let failing = TestServer::start(School::synthetic(), Auth::Bearer, Mode::Fail500).await;
    let (adapter_f, _s3) = adapter(&failing, Auth::Bearer, 2);
    let err = adapter_f.pull(None).await.unwrap_err();
    assert!(
        matches!(err, AdapterError::Status { status: 500, .. }),
        "{err}"
    );
    assert!(err.is_retryable());
    assert!(adapter_f.health().await.unwrap_err().is_retryable());

    // Garbage on page 2: page 1 is read, page 2 fails permanently; the cursor is unchanged,
    // so the run resumes there once the source is fixed.
    let garbage = TestServer::start(School::synthetic(), Auth::Bearer, Mode::GarbagePage2).await;
    let (adapter_g, _s4) = adapter(&garbage, Auth::Bearer, 2);
    let first = adapter_g.pull(None).await.unwrap();
    assert_eq!(first.records.len(), 4);
    let err = adapter_g
        .pull(first.next_cursor.as_ref())
        .await
        .unwrap_err();
    assert!(matches!(err, AdapterError::Malformed { .. }), "{err}");
    assert!(!err.is_retryable());
    assert!(err.to_string().contains("page=2"), "{err}");
    garbage.set(|s| s.mode = Mode::Normal);
    let resumed = sync::pull_to_end(&adapter_g, first.next_cursor.clone(), 20)
        .await
        .unwrap();
    assert_eq!(people(&resumed).len(), 3);

    let err = adapter_g
        .pull(Some(&familygraph_adapter_sdk::Cursor::new("{\"page\": 2}")))
        .await
        .unwrap_err();
    assert!(matches!(err, AdapterError::InvalidCursor { .. }), "{err}");
    for server in [once, throttled, failing, garbage] {
        server.handle.stop(true).await;
    }
}

#[tokio::test]
async fn bad_records_are_rejected_with_their_location_and_the_rest_kept() {
    let mut school = School::synthetic();
    let mut no_id = student("", "Nobody", &upn(6), "2026-01-01 09:00:00");
    no_id.as_object_mut().unwrap().remove("id");
    let mut left_before_joining = student("S7", "Gail", &upn(7), "2026-01-01 09:00:00");
    left_before_joining["education_details"]["data"]["leaving_date"] = wonde_date("2020-01-01");
    school.students.extend([no_id, left_before_joining]);
    school
        .exclusions
        .push(json!({"id": "X9", "student": "S1", "type": "detention",
        "start_date": "2025-10-01"}));
    let mut bad_marks = marks("S5", &["H", "/"]);
    bad_marks[1]["session"] = json!("EVENING");
    let mut twice = marks("S1", &["/"]);
    twice[0]["id"] = json!("S1-again");
    school.marks.extend(bad_marks);
    school.marks.extend(twice);
    let server = TestServer::start(school, Auth::Bearer, Mode::Normal).await;
    let (adapter, _secret) = adapter(&server, Auth::Bearer, 3);
    let run = sync::pull_to_end(&adapter, None, 20).await.unwrap();
    assert_eq!(people(&run).len(), 5);
    assert_eq!(suspensions(&run).len(), 2);
    // S1's summary is unchanged by the duplicate mark; S5 has no good marks.
    assert_eq!(attendance(&run)["S1"].sessions_possible, 20);
    assert_eq!(attendance(&run).len(), 2);
    let mut rejected: Vec<String> = run
        .rejected
        .iter()
        .map(|r| {
            let listing = r.location.document.split(SCHOOL_ID).nth(1).unwrap();
            let listing = listing.split('?').next().unwrap();
            let page = r.location.document.split("page=").last().unwrap();
            format!("{listing}?page={page}#{}", r.location.pointer)
        })
        .collect();
    rejected.sort();
    assert_eq!(
        rejected,
        [
            // An unknown code (H, withdrawn in 2024), a session that is neither AM nor PM, a
            // session marked twice.
            "/attendance?page=15#/data/1/code",
            "/attendance?page=15#/data/2/session",
            "/attendance?page=16#/data/0",
            "/exclusions?page=1#/data/2/type",
            "/students?page=2#/data/2/id",
            "/students?page=3#/data/0/education_details/data/leaving_date",
        ]
    );
    for r in &run.rejected {
        assert!(!r.reason.trim().is_empty());
    }
    server.handle.stop(true).await;
}

struct MisFixture {
    live: TestServer,
    poisoned: TestServer,
    dead_url: String,
    secret: tempfile::NamedTempFile,
}

impl MisFixture {
    fn adapter(&self, base_url: &str) -> Box<dyn SourceAdapter> {
        Box::new(
            SchoolMisAdapter::new(config(base_url, Auth::ClientCredentials, &self.secret, 2))
                .unwrap(),
        )
    }
}

impl Fixture for MisFixture {
    fn live(&self) -> Box<dyn SourceAdapter> {
        self.adapter(&self.live.base_url)
    }
    fn poisoned(&self) -> Box<dyn SourceAdapter> {
        self.adapter(&self.poisoned.base_url)
    }
    fn poisoned_location(&self) -> String {
        "page=1#/data/1/date_of_birth".to_owned()
    }
    fn dead(&self) -> Box<dyn SourceAdapter> {
        self.adapter(&self.dead_url)
    }
    fn dead_class(&self) -> ErrorClass {
        ErrorClass::Retryable
    }
}

#[tokio::test]
async fn the_school_mis_adapter_passes_the_conformance_kit() {
    let live = TestServer::start(School::synthetic(), Auth::ClientCredentials, Mode::Normal).await;
    let mut poisoned_school = School::synthetic();
    let mut bad = student("S9", "Ivy", &upn(9), "2026-01-01 09:30:00");
    bad["date_of_birth"] = wonde_date("2014-02-30");
    poisoned_school.students.insert(1, bad);
    let poisoned = TestServer::start(poisoned_school, Auth::ClientCredentials, Mode::Normal).await;
    let dead_url = {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}", listener.local_addr().unwrap())
    };
    let fixture = MisFixture {
        live,
        poisoned,
        dead_url,
        secret: secret_file(CLIENT_SECRET),
    };
    let report = testkit::check_all(&fixture).await.unwrap();
    // 5 people, 5 enrolments, 2 suspensions, 2 attendance summaries.
    assert_eq!(report.records, 14);
    assert_eq!(report.batches, 5);
    assert!(report.poisoned_rejection.reason.contains("date_of_birth"));
    fixture.live.handle.stop(true).await;
    fixture.poisoned.handle.stop(true).await;
}
