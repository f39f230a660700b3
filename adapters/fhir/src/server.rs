//! Patients from a FHIR R4 server's search.
//!
//! A run searches `Patient?_count={page_size}&_sort=_lastUpdated`, from the previous run's
//! watermark with `_lastUpdated=ge{watermark}`, and follows each Bundle's `next` link, which
//! must stay on the configured server. `ge` rather than `gt`: a Patient updated in the same
//! instant as the watermark but committed after the last read would be lost with `gt`; one
//! re-read Patient costs nothing, since applying a record twice is idempotent.
//!
//! The cursor holds the next page's URL (mid-run) or the watermark (the latest
//! `meta.lastUpdated` seen), so the same server state gives the same cursors.

use crate::document;
use chrono::{DateTime, SecondsFormat, Utc};
use familygraph_adapter_sdk::{AdapterError, Batch, HealthReport, Location};
use reqwest::Url;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Where a server run stands.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct ServerCursor {
    /// The next page's URL, mid-run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
    /// The lower bound of `_lastUpdated` for this run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub since: Option<String>,
    /// The latest `meta.lastUpdated` seen so far in this run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seen: Option<String>,
}

const ACCEPT: &str = "application/fhir+json, application/json;q=0.9";

/// Classifies a transport failure.
pub(crate) fn transport_error(target: &str, err: &reqwest::Error) -> AdapterError {
    AdapterError::transport(target, err.is_timeout(), err)
}

/// GETs `url` and parses the FHIR document it answers.
async fn get(client: &reqwest::Client, url: &Url) -> Result<Value, AdapterError> {
    let target = url.as_str();
    let response = client
        .get(url.clone())
        .headers(familygraph_adapter_sdk::propagation::headers())
        .header(reqwest::header::ACCEPT, ACCEPT)
        .send()
        .await
        .map_err(|e| transport_error(target, &e))?;
    let status = response.status();
    if !status.is_success() {
        return Err(AdapterError::Status {
            target: target.to_owned(),
            status: status.as_u16(),
        });
    }
    let body = response
        .bytes()
        .await
        .map_err(|e| transport_error(target, &e))?;
    document::parse(&body)
        .map_err(|reason| AdapterError::malformed(Location::document(target), reason))
}

fn endpoint(base: &Url, path: &str) -> Result<Url, AdapterError> {
    let joined = format!("{}/{path}", base.as_str().trim_end_matches('/'));
    Url::parse(&joined).map_err(|e| AdapterError::Config {
        reason: format!("base_url: {e}"),
    })
}

pub(crate) async fn health(
    client: &reqwest::Client,
    base: &Url,
) -> Result<HealthReport, AdapterError> {
    let url = endpoint(base, "metadata")?;
    let statement = get(client, &url).await?;
    if statement.get("resourceType").and_then(Value::as_str) != Some("CapabilityStatement") {
        return Err(AdapterError::malformed(
            Location::document(url.as_str()),
            "the server's /metadata is not a CapabilityStatement",
        ));
    }
    Ok(HealthReport {
        target: base.to_string(),
        detail: format!(
            "FHIR server answered /metadata (fhirVersion {})",
            statement
                .get("fhirVersion")
                .and_then(Value::as_str)
                .unwrap_or("not stated")
        ),
    })
}

pub(crate) async fn pull(
    system: &str,
    client: &reqwest::Client,
    base: &Url,
    page_size: u32,
    cursor: ServerCursor,
) -> Result<(Batch, ServerCursor), AdapterError> {
    let url = match &cursor.next {
        Some(next) => same_server(base, next)?,
        None => {
            let mut url = endpoint(base, "Patient")?;
            {
                let mut query = url.query_pairs_mut();
                query.append_pair("_count", &page_size.to_string());
                query.append_pair("_sort", "_lastUpdated");
                if let Some(since) = &cursor.since {
                    query.append_pair("_lastUpdated", &format!("ge{since}"));
                }
            }
            url
        }
    };
    let bundle = get(client, &url).await?;
    let location = Location::document(url.as_str());
    if bundle.get("resourceType").and_then(Value::as_str) != Some("Bundle") {
        return Err(AdapterError::malformed(
            location,
            "the search did not answer a Bundle",
        ));
    }
    let translated = document::translate(system, &location, &bundle);
    let seen = latest(cursor.seen.as_deref(), &bundle);
    let next = bundle
        .get("link")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .find(|link| link.get("relation").and_then(Value::as_str) == Some("next"))
        .and_then(|link| link.get("url").and_then(Value::as_str));
    let (done, next_cursor) = match next {
        Some(next) => {
            let next = same_server(base, next)?;
            if next == url {
                return Err(AdapterError::malformed(
                    location,
                    "the next link repeats the page it is on",
                ));
            }
            (
                false,
                ServerCursor {
                    next: Some(next.to_string()),
                    since: cursor.since.clone(),
                    seen,
                },
            )
        }
        None => (
            true,
            ServerCursor {
                next: None,
                since: seen.or(cursor.since),
                seen: None,
            },
        ),
    };
    Ok((
        Batch {
            records: translated.records,
            rejected: translated.rejected,
            next_cursor: None,
            done,
        },
        next_cursor,
    ))
}

/// `next` as a URL, provided it is on the configured server (a link elsewhere is refused: the
/// adapter never follows a partner's data off the configured origin).
fn same_server(base: &Url, next: &str) -> Result<Url, AdapterError> {
    let url = Url::parse(next).map_err(|e| AdapterError::InvalidCursor {
        reason: format!("next link is not a URL: {e}"),
    })?;
    if url.origin() != base.origin() || !url.path().starts_with(base.path().trim_end_matches('/')) {
        return Err(AdapterError::malformed(
            Location::document(base.as_str()),
            "a next link points outside the configured server",
        ));
    }
    Ok(url)
}

/// The latest `meta.lastUpdated` of the Bundle's Patients and `previous`, as a UTC instant.
fn latest(previous: Option<&str>, bundle: &Value) -> Option<String> {
    let parse = |s: &str| {
        DateTime::parse_from_rfc3339(s)
            .ok()
            .map(|d| d.with_timezone(&Utc))
    };
    let mut latest: Option<DateTime<Utc>> = previous.and_then(parse);
    for entry in bundle
        .get("entry")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let updated = entry
            .get("resource")
            .and_then(|r| r.get("meta"))
            .and_then(|m| m.get("lastUpdated"))
            .and_then(Value::as_str)
            .and_then(parse);
        if updated > latest {
            latest = updated;
        }
    }
    latest.map(|d| d.to_rfc3339_opts(SecondsFormat::AutoSi, true))
}
