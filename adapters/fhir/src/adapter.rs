//! The health adapter as a [`SourceAdapter`].

use crate::config::{FhirConfig, FhirSource};
use crate::directory;
use crate::server::{self, ServerCursor};
use familygraph_adapter_sdk::{
    AdapterConfig, AdapterError, Batch, Cursor, HealthReport, SourceAdapter, async_trait,
};
use reqwest::Url;
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// Reads FHIR UK Core Patients from a folder or a FHIR server as person records.
#[derive(Debug, Clone)]
pub struct FhirAdapter {
    config: FhirConfig,
    client: reqwest::Client,
    base_url: Option<Url>,
}

/// The cursor's contents; opaque to everyone else.
#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "source", rename_all = "snake_case", deny_unknown_fields)]
enum CursorState {
    Directory { after: String },
    Server(ServerCursor),
}

impl FhirAdapter {
    /// An adapter for a validated `config`.
    pub fn new(config: FhirConfig) -> Result<Self, AdapterError> {
        config.validate()?;
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(config.timeout_seconds))
            .build()
            .map_err(|e| AdapterError::Config {
                reason: format!("HTTP client: {e}"),
            })?;
        let base_url = match &config.source {
            FhirSource::Server { base_url } => {
                Some(Url::parse(base_url).map_err(|e| AdapterError::Config {
                    reason: format!("base_url: {e}"),
                })?)
            }
            FhirSource::Directory { .. } => None,
        };
        Ok(Self {
            config,
            client,
            base_url,
        })
    }

    /// The configuration.
    pub fn config(&self) -> &FhirConfig {
        &self.config
    }

    fn decode(cursor: Option<&Cursor>) -> Result<Option<CursorState>, AdapterError> {
        cursor
            .map(|c| {
                serde_json::from_str(c.as_str()).map_err(|_| AdapterError::InvalidCursor {
                    reason: "not a cursor of the FHIR adapter".to_owned(),
                })
            })
            .transpose()
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
impl SourceAdapter for FhirAdapter {
    fn name(&self) -> &str {
        &self.config.name
    }

    async fn health(&self) -> Result<HealthReport, AdapterError> {
        match (&self.config.source, &self.base_url) {
            (FhirSource::Server { .. }, Some(base)) => server::health(&self.client, base).await,
            (FhirSource::Directory { path }, _) => directory::health(path).await,
            (FhirSource::Server { .. }, None) => Err(AdapterError::Config {
                reason: "base_url missing".to_owned(),
            }),
        }
    }

    async fn pull(&self, cursor: Option<&Cursor>) -> Result<Batch, AdapterError> {
        let state = Self::decode(cursor)?;
        match (&self.config.source, &self.base_url, state) {
            (FhirSource::Directory { path }, _, state) => {
                let after = match state {
                    None => None,
                    Some(CursorState::Directory { after }) => Some(after),
                    Some(CursorState::Server(_)) => {
                        return Err(AdapterError::InvalidCursor {
                            reason: "a server cursor given to a folder source".to_owned(),
                        });
                    }
                };
                let (mut batch, last) = directory::pull(
                    &self.config.name,
                    path,
                    after.as_deref(),
                    self.config.page_size as usize,
                )
                .await?;
                batch.next_cursor = last
                    .map(|after| Self::encode(&CursorState::Directory { after }))
                    .transpose()?;
                Ok(batch)
            }
            (FhirSource::Server { .. }, Some(base), state) => {
                let server_cursor = match state {
                    None => ServerCursor::default(),
                    Some(CursorState::Server(c)) => c,
                    Some(CursorState::Directory { .. }) => {
                        return Err(AdapterError::InvalidCursor {
                            reason: "a folder cursor given to a server source".to_owned(),
                        });
                    }
                };
                let (mut batch, next) = server::pull(
                    &self.config.name,
                    &self.client,
                    base,
                    self.config.page_size,
                    server_cursor,
                )
                .await?;
                batch.next_cursor = Some(Self::encode(&CursorState::Server(next))?);
                Ok(batch)
            }
            (FhirSource::Server { .. }, None, _) => Err(AdapterError::Config {
                reason: "base_url missing".to_owned(),
            }),
        }
    }
}
