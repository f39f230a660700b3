//! The school MIS adapter: one school's management information system, through a
//! Wonde-style REST API, to canonical person, enrolment, attendance and suspension records.
//!
//! - [`SchoolMisClient`]: the API, authenticated with a bearer token or the OAuth 2.0
//!   client-credentials grant, paged by `meta.pagination`.
//! - [`translate`]: students, exclusions and session marks to canonical records.
//! - [`codes`]: the DfE attendance codes and how each session counts.
//! - [`SchoolMisAdapter`]: the [`SourceAdapter`](familygraph_adapter_sdk::SourceAdapter) —
//!   students, then exclusions, page by page, then the attendance period's marks — with
//!   `updated_after` deltas.
//! - [`SchoolMisConfig`]: its configuration.
//!
//! # Wire format
//!
//! Every request is a `GET` with `Authorization: Bearer <token>` and
//! `Accept: application/json`, under `{base_url}/v1.0/schools/{school_id}/`:
//!
//! - `students?include=contacts,education_details&updated_after=YYYY-MM-DD HH:MM:SS&per_page=N&page=K`
//!   (`updated_after` only on a delta run; it means strictly after):
//!
//!   ```json
//!   { "data": [ {
//!       "id": "A1329183376", "upi": "…", "forename": "Ada", "surname": "Example",
//!       "legal_forename": "Ada", "legal_surname": "Example", "gender": "F",
//!       "date_of_birth": { "date": "2014-05-02 00:00:00.000000", "timezone_type": 3,
//!                          "timezone": "Europe/London" },
//!       "education_details": { "data": { "upn": "…", "admission_date": {…},
//!                                        "leaving_date": null, "current_nc_year": "6" } },
//!       "contacts": { "data": [ … ] },
//!       "updated_at": { "date": "2026-01-05 09:30:00.000000", … } } ],
//!     "meta": { "pagination": { "next": "…&page=2" , "previous": null, "more": true,
//!                               "current_page": 1, "per_page": 50 } } }
//!   ```
//!
//!   A page is the last when `next` is null and `more` is not true (or `data` is empty).
//!   Dates are either that object form or a plain `YYYY-MM-DD…` string.
//! - `exclusions?updated_after=&per_page=&page=` — `{ "id", "student" (student id),
//!   "type": "suspension" | "permanent", "start_date", "end_date", "sessions", "reason",
//!   "updated_at" }`, paged the same way.
//! - `attendance?start_date=YYYY-MM-DD&end_date=YYYY-MM-DD&per_page=&page=` — session marks
//!   `{ "id", "student", "date", "session": "AM" | "PM", "code": "/" }` (the code may also
//!   be given as `"attendance_code": { "data": { "code": "/" } }`), paged the same way.
//!
//! Errors: a 401 is retried once with a new client-credentials token, then is a permanent
//! error; a 429 with a `Retry-After` of at most `max_retry_after_seconds` is waited out once,
//! otherwise it, and every 5xx, is a retryable error; a page that is not JSON, or has no
//! `data` array, is a permanent error for that page.
//!
//! # Mapping
//!
//! - A student → a [`PersonRecord`](familygraph_adapter_sdk::PersonRecord) (legal name as
//!   official, forename/surname as usual, birth date, sex, UPN) and an
//!   [`EnrolmentRecord`](familygraph_adapter_sdk::EnrolmentRecord) at the configured URN
//!   (admission and leaving dates, year group; on roll when there is no leaving date or it is
//!   still to come, [`EnrolmentRecord::on_roll`](familygraph_adapter_sdk::EnrolmentRecord::on_roll)).
//!   A UPN that fails its check letter is left out with a field note; the person is kept.
//! - Session marks in the attendance period → one
//!   [`AttendanceSummary`](familygraph_adapter_sdk::AttendanceSummary) per pupil: possible
//!   sessions, attended, authorised and unauthorised absence, and `persistently_absent` when
//!   absence is 10% or more of possible sessions (the DfE's definition).
//! - An exclusion → a [`SuspensionRecord`](familygraph_adapter_sdk::SuspensionRecord)
//!   (`permanent` for a permanent exclusion).
//!
//! Contacts are requested (`include=contacts`) but not yet mapped: the SDK has no
//! relationship record for them.

mod adapter;
mod auth;
mod client;
pub mod codes;
mod config;
pub mod translate;

pub use adapter::SchoolMisAdapter;
pub use client::{Page, SchoolMisClient};
pub use config::{AttendancePeriod, AuthConfig, SchoolMisConfig, Secret};
