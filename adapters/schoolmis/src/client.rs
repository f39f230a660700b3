//! The MIS REST API: authenticated, paginated GETs with the API's error classes.

use crate::auth::Credentials;
use crate::config::SchoolMisConfig;
use chrono::NaiveDate;
use familygraph_adapter_sdk::{AdapterError, Location};
use reqwest::{StatusCode, Url};
use serde_json::Value;
use std::time::Duration;

/// A client for one school in a Wonde-style MIS API.
#[derive(Debug)]
pub struct SchoolMisClient {
    http: reqwest::Client,
    base: Url,
    school_id: String,
    credentials: Credentials,
    max_retry_after: Duration,
}

/// One page of a listing.
#[derive(Debug, Clone, PartialEq)]
pub struct Page {
    /// The URL the page came from (for locating its items).
    pub url: String,
    /// The items (`data`).
    pub data: Vec<Value>,
    /// Whether this is the last page: `meta.pagination.next` is null and `more` is not true.
    pub is_last: bool,
}

impl SchoolMisClient {
    /// A client for the school in `config`.
    pub fn new(config: &SchoolMisConfig) -> Result<Self, AdapterError> {
        let base = Url::parse(&config.base_url).map_err(|e| AdapterError::Config {
            reason: format!("base_url: {e}"),
        })?;
        let timeout = Duration::from_secs(config.timeout_seconds);
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .build()
            .map_err(|e| AdapterError::Config {
                reason: format!("HTTP client: {e}"),
            })?;
        Ok(Self {
            http,
            base,
            school_id: config.school_id.clone(),
            credentials: Credentials::new(&config.auth, timeout)?,
            max_retry_after: Duration::from_secs(config.max_retry_after_seconds),
        })
    }

    /// `{base}/v1.0/schools/{school_id}/{listing}?{query}`.
    fn url(&self, listing: &str, query: &[(&str, String)]) -> Result<Url, AdapterError> {
        let mut url = self.base.clone();
        url.path_segments_mut()
            .map_err(|()| AdapterError::Config {
                reason: "base_url cannot have paths".to_owned(),
            })?
            .pop_if_empty()
            .extend(["v1.0", "schools", self.school_id.as_str(), listing]);
        if !query.is_empty() {
            let mut pairs = url.query_pairs_mut();
            for (key, value) in query {
                pairs.append_pair(key, value);
            }
        }
        Ok(url)
    }

    /// GETs `url` as JSON with the access token. A 401 is retried once with a new token (for
    /// client credentials); a 429 whose `Retry-After` is within the configured limit is waited
    /// out once. Any other failure is returned, classed by the SDK (5xx and 429 retryable).
    async fn get(&self, url: &Url) -> Result<Value, AdapterError> {
        let target = url.as_str();
        let transport = |e: reqwest::Error| AdapterError::transport(target, e.is_timeout(), e);
        let mut token = self.credentials.token().await?;
        let mut refreshed = false;
        let mut waited = false;
        loop {
            let response = self
                .http
                .get(url.clone())
                .headers(familygraph_adapter_sdk::propagation::headers())
                .bearer_auth(&token)
                .header(reqwest::header::ACCEPT, "application/json")
                .send()
                .await
                .map_err(transport)?;
            let status = response.status();
            if status == StatusCode::UNAUTHORIZED && !refreshed && self.credentials.refreshable() {
                refreshed = true;
                token = self.credentials.refresh(&token).await?;
                continue;
            }
            if status == StatusCode::TOO_MANY_REQUESTS && !waited {
                let retry_after = response
                    .headers()
                    .get(reqwest::header::RETRY_AFTER)
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.trim().parse::<u64>().ok())
                    .map(Duration::from_secs);
                if let Some(wait) = retry_after.filter(|w| *w <= self.max_retry_after) {
                    waited = true;
                    tokio::time::sleep(wait).await;
                    continue;
                }
            }
            if !status.is_success() {
                return Err(AdapterError::Status {
                    target: target.to_owned(),
                    status: status.as_u16(),
                });
            }
            let body = response.bytes().await.map_err(transport)?;
            return serde_json::from_slice(&body).map_err(|e| {
                AdapterError::malformed(Location::document(target), format!("not valid JSON: {e}"))
            });
        }
    }

    async fn page(&self, listing: &str, query: &[(&str, String)]) -> Result<Page, AdapterError> {
        let url = self.url(listing, query)?;
        let body = self.get(&url).await?;
        let location = Location::document(url.as_str());
        let Some(data) = body.get("data").and_then(Value::as_array) else {
            return Err(AdapterError::malformed(
                location,
                "not a listing page: no data array",
            ));
        };
        let pagination = body.pointer("/meta/pagination");
        let next = pagination
            .and_then(|p| p.get("next"))
            .is_some_and(|n| !n.is_null());
        let more = pagination
            .and_then(|p| p.get("more"))
            .and_then(Value::as_bool)
            .unwrap_or(false);
        Ok(Page {
            url: url.to_string(),
            data: data.clone(),
            is_last: (!next && !more) || data.is_empty(),
        })
    }

    /// `GET students?include=contacts,education_details&updated_after=&per_page=&page=`.
    pub async fn students(
        &self,
        updated_after: Option<&str>,
        page: u32,
        per_page: u32,
    ) -> Result<Page, AdapterError> {
        let mut query = vec![("include", "contacts,education_details".to_owned())];
        if let Some(since) = updated_after {
            query.push(("updated_after", since.to_owned()));
        }
        query.push(("per_page", per_page.to_string()));
        query.push(("page", page.to_string()));
        self.page("students", &query).await
    }

    /// `GET exclusions?updated_after=&per_page=&page=`.
    pub async fn exclusions(
        &self,
        updated_after: Option<&str>,
        page: u32,
        per_page: u32,
    ) -> Result<Page, AdapterError> {
        let mut query = Vec::new();
        if let Some(since) = updated_after {
            query.push(("updated_after", since.to_owned()));
        }
        query.push(("per_page", per_page.to_string()));
        query.push(("page", page.to_string()));
        self.page("exclusions", &query).await
    }

    /// `GET attendance?start_date=&end_date=&per_page=&page=` — session marks in the period.
    pub async fn attendance(
        &self,
        start: NaiveDate,
        end: NaiveDate,
        page: u32,
        per_page: u32,
    ) -> Result<Page, AdapterError> {
        self.page(
            "attendance",
            &[
                ("start_date", start.to_string()),
                ("end_date", end.to_string()),
                ("per_page", per_page.to_string()),
                ("page", page.to_string()),
            ],
        )
        .await
    }
}
