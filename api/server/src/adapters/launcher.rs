//! Starts configured sources' runs for administrators (`startAdapterRun`): in the background
//! of the serving process, under the same lease as `familygraph sync`.

use std::sync::Arc;

use familygraph_graphql::types::adapter_run::{AdapterRunLauncher, LaunchError, Launcher};
use familygraph_intake::RunTrigger;
use sea_orm::DatabaseConnection;
use uuid::Uuid;

use super::runner::{self, Mode, NoProgress, RunError};
use super::sources::{Sources, SourcesError};

/// Runs configured sources on the server's database.
pub struct ServerLauncher {
    db: DatabaseConnection,
    sources: Sources,
}

impl ServerLauncher {
    /// A launcher of `sources` on `db`.
    pub fn new(db: DatabaseConnection, sources: Sources) -> Self {
        Self { db, sources }
    }

    /// As the schema's data holds it.
    pub fn into_data(self) -> Launcher {
        Launcher(Arc::new(self))
    }
}

#[async_trait::async_trait]
impl AdapterRunLauncher for ServerLauncher {
    async fn start(&self, source: &str, started_by: &str) -> Result<Uuid, LaunchError> {
        let built = self.sources.build(source).map_err(|error| match error {
            SourcesError::Unknown { .. } => LaunchError::UnknownSource(error.to_string()),
            other => LaunchError::Failed(other.to_string()),
        })?;
        // A configured source is synced: it resumes from its last cursor, under its lease.
        let started = runner::start(
            &self.db,
            built,
            Mode::Sync,
            RunTrigger::Administrator,
            started_by,
            true,
        )
        .await
        .map_err(|error| match error {
            RunError::LeaseHeld { .. } => LaunchError::Busy(error.to_string()),
            other => LaunchError::Failed(other.to_string()),
        })?;
        let id = started.run_id().0;
        tokio::spawn(async move {
            match runner::drive(started, &NoProgress).await {
                Ok(outcome) => tracing::info!(
                    run_id = %id,
                    status = super::report::status_name(outcome.summary.status),
                    read = outcome.summary.counts.read,
                    rejected = outcome.summary.counts.rejected,
                    "adapter run finished"
                ),
                Err(error) => tracing::error!(run_id = %id, %error, "adapter run failed"),
            }
        });
        Ok(id)
    }
}
