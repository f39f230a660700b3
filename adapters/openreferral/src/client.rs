//! The Open Referral UK 3.0 API.

use familygraph_adapter_sdk::{AdapterError, Location};
use reqwest::Url;
use serde_json::Value;
use std::time::Duration;

/// A client for one ORUK API.
#[derive(Debug, Clone)]
pub struct OpenReferralClient {
    http: reqwest::Client,
    base: Url,
}

/// One page of a paginated ORUK listing.
#[derive(Debug, Clone, PartialEq)]
pub struct Page {
    /// The URL the page came from (for locating its items).
    pub url: String,
    /// The items (`contents`).
    pub contents: Vec<Value>,
    /// Whether this is the last page: `last_page`, else `page_number >= total_pages`, else an
    /// empty `contents`.
    pub is_last: bool,
}

impl OpenReferralClient {
    /// A client for the API at `base_url`, giving up on an answer after `timeout`.
    pub fn new(base_url: &str, timeout: Duration) -> Result<Self, AdapterError> {
        let base = Url::parse(base_url).map_err(|e| AdapterError::Config {
            reason: format!("base_url: {e}"),
        })?;
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .build()
            .map_err(|e| AdapterError::Config {
                reason: format!("HTTP client: {e}"),
            })?;
        Ok(Self { http, base })
    }

    fn url(&self, path: &str, query: &[(&str, String)]) -> Result<Url, AdapterError> {
        let mut url = Url::parse(&format!(
            "{}/{path}",
            self.base.as_str().trim_end_matches('/')
        ))
        .map_err(|e| AdapterError::Config {
            reason: format!("base_url: {e}"),
        })?;
        if !query.is_empty() {
            let mut pairs = url.query_pairs_mut();
            for (key, value) in query {
                pairs.append_pair(key, value);
            }
        }
        Ok(url)
    }

    /// GETs `url` as JSON.
    async fn get(&self, url: &Url) -> Result<Value, AdapterError> {
        let target = url.as_str();
        let transport = |e: reqwest::Error| AdapterError::transport(target, e.is_timeout(), e);
        let response = self
            .http
            .get(url.clone())
            .headers(familygraph_adapter_sdk::propagation::headers())
            .header(reqwest::header::ACCEPT, "application/json")
            .send()
            .await
            .map_err(transport)?;
        let status = response.status();
        if !status.is_success() {
            return Err(AdapterError::Status {
                target: target.to_owned(),
                status: status.as_u16(),
            });
        }
        let body = response.bytes().await.map_err(transport)?;
        serde_json::from_slice(&body).map_err(|e| {
            AdapterError::malformed(Location::document(target), format!("not valid JSON: {e}"))
        })
    }

    async fn page(&self, path: &str, page: u32, per_page: u32) -> Result<Page, AdapterError> {
        let url = self.url(
            path,
            &[
                ("page", page.to_string()),
                ("per_page", per_page.to_string()),
            ],
        )?;
        let body = self.get(&url).await?;
        let location = Location::document(url.as_str());
        let Some(contents) = body.get("contents").and_then(Value::as_array) else {
            return Err(AdapterError::malformed(
                location,
                "not an ORUK page: no contents array",
            ));
        };
        let number = |key: &str| body.get(key).and_then(Value::as_u64);
        let is_last = match body.get("last_page").and_then(Value::as_bool) {
            Some(last) => last,
            None => match (number("page_number"), number("total_pages")) {
                (_, Some(total)) => u64::from(page) >= total,
                _ => contents.is_empty(),
            },
        } || contents.is_empty();
        Ok(Page {
            url: url.to_string(),
            contents: contents.clone(),
            is_last,
        })
    }

    /// `GET /` — the API's description of itself (HSDS version, profile).
    pub async fn meta(&self) -> Result<Value, AdapterError> {
        let url = self.url("", &[])?;
        self.get(&url).await
    }

    /// `GET /services?page=&per_page=` — services with their one-to-one fields.
    pub async fn services(&self, page: u32, per_page: u32) -> Result<Page, AdapterError> {
        self.page("services", page, per_page).await
    }

    /// `GET /services/{id}` — one service fully nested (locations, taxonomy attributes), with
    /// the URL it came from.
    pub async fn service(&self, id: &str) -> Result<(String, Value), AdapterError> {
        let mut url = self.url("services", &[])?;
        url.path_segments_mut()
            .map_err(|()| AdapterError::Config {
                reason: "base_url cannot have paths".to_owned(),
            })?
            .push(id);
        let body = self.get(&url).await?;
        Ok((url.to_string(), body))
    }

    /// `GET /service_at_locations?page=&per_page=` — where each service is delivered.
    pub async fn service_at_locations(
        &self,
        page: u32,
        per_page: u32,
    ) -> Result<Page, AdapterError> {
        self.page("service_at_locations", page, per_page).await
    }

    /// `GET /taxonomy_terms?page=&per_page=` — the directory's vocabulary.
    pub async fn taxonomy_terms(&self, page: u32, per_page: u32) -> Result<Page, AdapterError> {
        self.page("taxonomy_terms", page, per_page).await
    }
}
