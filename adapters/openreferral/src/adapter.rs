//! The services directory adapter as a [`SourceAdapter`].
//!
//! A run reads `/taxonomy_terms` page by page, then `/services` page by page, reading each
//! listed service in full from `/services/{id}` (the listing has only one-to-one fields; the
//! locations and taxonomy attributes are in the full service), `detail_concurrency` at a time. The cursor is the phase and
//! the page number, so the same directory gives the same cursors. A finished run has no
//! cursor: the ORUK 3.0 OpenAPI defines `modified_after` but no listing takes it, so every
//! run reads the whole directory, and applying it again is idempotent.
//!
//! A listed service whose full record answers 404 or is not JSON is a rejected record; a 5xx
//! or an unreachable server fails the batch (retryable), so nothing is silently skipped.

use crate::client::OpenReferralClient;
use crate::config::OpenReferralConfig;
use crate::translate;
use familygraph_adapter_sdk::{
    AdapterConfig, AdapterError, Batch, Cursor, HealthReport, Location, Rejection, SourceAdapter,
    async_trait,
};
use futures_util::{StreamExt, stream};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::time::Duration;

/// Reads an Open Referral UK directory as service and taxonomy term records.
#[derive(Debug, Clone)]
pub struct OpenReferralAdapter {
    config: OpenReferralConfig,
    client: OpenReferralClient,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Phase {
    TaxonomyTerms,
    Services,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct CursorState {
    phase: Phase,
    page: u32,
}

impl OpenReferralAdapter {
    /// An adapter for a validated `config`.
    pub fn new(config: OpenReferralConfig) -> Result<Self, AdapterError> {
        config.validate()?;
        let client = OpenReferralClient::new(
            &config.base_url,
            Duration::from_secs(config.timeout_seconds),
        )?;
        Ok(Self { config, client })
    }

    /// The API client.
    pub fn client(&self) -> &OpenReferralClient {
        &self.client
    }

    fn encode(state: &CursorState) -> Result<Cursor, AdapterError> {
        serde_json::to_string(state)
            .map(Cursor::new)
            .map_err(|e| AdapterError::InvalidCursor {
                reason: e.to_string(),
            })
    }
}

#[async_trait]
impl SourceAdapter for OpenReferralAdapter {
    fn name(&self) -> &str {
        &self.config.name
    }

    async fn health(&self) -> Result<HealthReport, AdapterError> {
        let meta = self.client.meta().await?;
        if !meta.is_object() {
            return Err(AdapterError::malformed(
                Location::document(&self.config.base_url),
                "the API root is not a JSON object",
            ));
        }
        // The listing must answer too: an API root alone proves little.
        self.client.services(1, 1).await?;
        Ok(HealthReport {
            target: self.config.base_url.clone(),
            detail: format!(
                "ORUK API answered (HSDS version {})",
                meta.get("version")
                    .and_then(Value::as_str)
                    .unwrap_or("not stated")
            ),
        })
    }

    async fn pull(&self, cursor: Option<&Cursor>) -> Result<Batch, AdapterError> {
        let state = match cursor {
            None => CursorState {
                phase: Phase::TaxonomyTerms,
                page: 1,
            },
            Some(c) => {
                serde_json::from_str(c.as_str()).map_err(|_| AdapterError::InvalidCursor {
                    reason: "not a cursor of the Open Referral adapter".to_owned(),
                })?
            }
        };
        if state.page == 0 {
            return Err(AdapterError::InvalidCursor {
                reason: "pages start at 1".to_owned(),
            });
        }
        let per_page = self.config.per_page;
        let mut batch = Batch::default();
        let is_last = match state.phase {
            Phase::TaxonomyTerms => {
                let page = self.client.taxonomy_terms(state.page, per_page).await?;
                let document = Location::document(&page.url);
                for (i, term) in page.contents.iter().enumerate() {
                    let at = document.at(format!("/contents/{i}"));
                    match translate::taxonomy_term(&self.config, &at, term) {
                        Ok(record) => batch.records.push(record),
                        Err(rejection) => batch.rejected.push(rejection),
                    }
                }
                page.is_last
            }
            Phase::Services => {
                let page = self.client.services(state.page, per_page).await?;
                let document = Location::document(&page.url);
                // Full services are read `detail_concurrency` at a time, in listing order.
                let ids: Vec<(usize, Option<String>)> = page
                    .contents
                    .iter()
                    .enumerate()
                    .map(|(i, listed)| {
                        (
                            i,
                            listed.get("id").and_then(Value::as_str).map(str::to_owned),
                        )
                    })
                    .collect();
                let client = &self.client;
                let reads = ids.into_iter().map(|(i, id)| async move {
                    match id {
                        Some(id) => (i, Some(client.service(&id).await)),
                        None => (i, None),
                    }
                });
                let results: Vec<_> = stream::iter(reads)
                    .buffered(self.config.detail_concurrency as usize)
                    .collect()
                    .await;
                for (i, read) in results {
                    match read {
                        None => batch.rejected.push(Rejection::new(
                            document.at(format!("/contents/{i}/id")),
                            "the listed service has no id",
                        )),
                        Some(Ok((url, full))) => {
                            match translate::service(&self.config, &Location::document(url), &full)
                            {
                                Ok(record) => batch.records.push(record),
                                Err(rejection) => batch.rejected.push(rejection),
                            }
                        }
                        Some(Err(e)) if !e.is_retryable() => batch.rejected.push(Rejection::new(
                            document.at(format!("/contents/{i}")),
                            format!("the full service could not be read: {e}"),
                        )),
                        Some(Err(e)) => return Err(e),
                    }
                }
                page.is_last
            }
        };
        let next = match (state.phase, is_last) {
            (Phase::TaxonomyTerms, false) | (Phase::Services, false) => Some(CursorState {
                phase: state.phase,
                page: state.page + 1,
            }),
            (Phase::TaxonomyTerms, true) => Some(CursorState {
                phase: Phase::Services,
                page: 1,
            }),
            (Phase::Services, true) => None,
        };
        batch.done = next.is_none();
        batch.next_cursor = next.as_ref().map(Self::encode).transpose()?;
        Ok(batch)
    }
}
