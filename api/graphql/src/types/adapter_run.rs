//! Adapter runs for administrators: every import and sync with its counts, rejected records
//! and notes of values left out of applied records (`adapterRuns`, `adapterRun`), and
//! `startAdapterRun`, which starts a run of a source the server's operator configured (never a
//! path the client names) in the background.
//!
//! The schema only reads runs; starting one is the server's: it puts an
//! [`AdapterRunLauncher`] into the schema's data ([`Launcher`]). Without one,
//! `startAdapterRun` answers `BAD_USER_INPUT` (no sources on this server).

use std::sync::Arc;

use async_graphql::{Context, Enum, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};
use familygraph_domain::workflow::Operation;
use familygraph_store::entity::{adapter_note, adapter_rejection, adapter_run};
use sea_orm::{
    ColumnTrait, Condition, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};
use uuid::Uuid;

use super::stored;
use crate::context::request;
use crate::error::{ApiError, ApiResult};
use crate::global_id;
use crate::mutation::UserError;
use crate::pagination::{Page, PageRequest, load_page, page_of, wants_total};
use familygraph_domain::workflow::{UserError as DomainUserError, UserErrorCode};

/// Global id type name of a run.
pub const RECORD_TYPE: &str = "AdapterRun";

/// A page of one run's records (rejections or notes) from `select`, which picks and orders
/// them; administrators only.
async fn run_records<E, N>(
    ctx: &Context<'_>,
    select: sea_orm::Select<E>,
    id_column: E::Column,
    first: Option<i32>,
    after: Option<String>,
    node: impl FnMut(E::Model) -> N,
) -> ApiResult<Page<N>>
where
    E: EntityTrait,
    E::Model: Sync,
    N: async_graphql::OutputType,
{
    let rc = request(ctx)?;
    rc.require(Operation::RunAdapters, DESCRIBED)?;
    let page = PageRequest::new(first, after.as_deref())?;
    load_page(&rc.db, select, id_column, page, wants_total(ctx), node).await
}

const DESCRIBED: &str = "see or start adapter runs (administrators only)";

/// Why a run could not be started.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LaunchError {
    /// No configured source of that name.
    UnknownSource(String),
    /// The source's lease is held: a run of it is already going on.
    Busy(String),
    /// The source could not be opened or the run not recorded.
    Failed(String),
}

/// Starts configured sources' runs in the background (implemented by the server).
#[async_trait::async_trait]
pub trait AdapterRunLauncher: Send + Sync {
    /// Starts a run of the configured source `source`, recorded as started by `started_by`,
    /// holding the source's lease; returns the run's id once it is recorded.
    async fn start(&self, source: &str, started_by: &str) -> Result<Uuid, LaunchError>;
}

/// The launcher as the schema's data holds it.
#[derive(Clone)]
pub struct Launcher(pub Arc<dyn AdapterRunLauncher>);

/// Where a run is.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum AdapterRunStatus {
    /// Still applying batches.
    Running,
    /// Finished; every record applied.
    Succeeded,
    /// Finished; some records rejected (the others applied).
    SucceededWithRejections,
    /// Stopped by an error before the end of the source (a sync resumes from its cursor).
    Failed,
}

impl AdapterRunStatus {
    fn parse(code: &str) -> Option<Self> {
        Some(match code {
            "RUNNING" => Self::Running,
            "SUCCEEDED" => Self::Succeeded,
            "SUCCEEDED_WITH_REJECTIONS" => Self::SucceededWithRejections,
            "FAILED" => Self::Failed,
            _ => return None,
        })
    }
}

/// What started a run.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum AdapterRunTrigger {
    /// `familygraph import` or `familygraph sync`.
    CommandLine,
    /// An administrator through `startAdapterRun`.
    Administrator,
    /// A scheduled sync.
    Schedule,
}

impl AdapterRunTrigger {
    fn parse(code: &str) -> Option<Self> {
        Some(match code {
            "COMMAND_LINE" => Self::CommandLine,
            "ADMINISTRATOR" => Self::Administrator,
            "SCHEDULE" => Self::Schedule,
            _ => return None,
        })
    }
}

/// One import or sync of an adapter's source.
#[derive(Clone)]
pub struct AdapterRun(pub(crate) adapter_run::Model);

#[Object]
impl AdapterRun {
    /// Global id.
    async fn id(&self) -> ID {
        global_id::encode(RECORD_TYPE, self.0.id)
    }
    /// The adapter, e.g. `cin-census`.
    async fn adapter(&self) -> &str {
        self.0
            .adapter
            .split_once(':')
            .map_or(self.0.adapter.as_str(), |(kind, _)| kind)
    }
    /// The source's name (the system its records are keyed under).
    async fn source(&self) -> &str {
        self.0
            .adapter
            .split_once(':')
            .map_or(self.0.adapter.as_str(), |(_, source)| source)
    }
    /// Where the run is.
    async fn status(&self) -> ApiResult<AdapterRunStatus> {
        stored(
            "adapter_run.status",
            &self.0.status,
            AdapterRunStatus::parse,
        )
    }
    /// What started it.
    async fn trigger(&self) -> ApiResult<AdapterRunTrigger> {
        stored(
            "adapter_run.trigger",
            &self.0.trigger,
            AdapterRunTrigger::parse,
        )
    }
    /// Who started it: an identity-provider subject, or `command-line:<user>`.
    async fn started_by(&self) -> &str {
        &self.0.started_by
    }
    /// When it started.
    async fn started_at(&self) -> DateTime<Utc> {
        self.0.started_at
    }
    /// When it finished (`null` while running).
    async fn finished_at(&self) -> Option<DateTime<Utc>> {
        self.0.finished_at
    }
    /// What it did with the records it read.
    async fn counts(&self) -> AdapterRunCounts {
        AdapterRunCounts {
            read: self.0.read_count,
            created: self.0.created_count,
            updated: self.0.updated_count,
            unchanged: self.0.unchanged_count,
            rejected: self.0.rejected_count,
            queued_for_review: self.0.queued_for_review_count,
        }
    }
    /// The error that stopped it early, if any.
    async fn failure(&self) -> Option<&str> {
        self.0.failure.as_deref()
    }
    /// The records it rejected, in source order: where each was and why.
    async fn rejections(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size (default 20, at most 100).")] first: Option<i32>,
        #[graphql(desc = "Cursor to start after.")] after: Option<String>,
    ) -> ApiResult<Page<AdapterRejection>> {
        let select = adapter_rejection::Entity::find()
            .filter(adapter_rejection::Column::RunId.eq(self.0.id))
            .order_by_asc(adapter_rejection::Column::Seq);
        run_records(
            ctx,
            select,
            adapter_rejection::Column::Id,
            first,
            after,
            AdapterRejection,
        )
        .await
    }
    /// The values it left out of records it otherwise applied, in source order: where each
    /// was and why (never the value). Left out by the adapter (an optional identifier that
    /// failed validation) or by the intake (a location's impossible coordinates).
    async fn notes(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size (default 20, at most 100).")] first: Option<i32>,
        #[graphql(desc = "Cursor to start after.")] after: Option<String>,
    ) -> ApiResult<Page<AdapterNote>> {
        let select = adapter_note::Entity::find()
            .filter(adapter_note::Column::RunId.eq(self.0.id))
            .order_by_asc(adapter_note::Column::Seq);
        run_records(
            ctx,
            select,
            adapter_note::Column::Id,
            first,
            after,
            AdapterNote,
        )
        .await
    }
}

/// What a run did with the records it read.
#[derive(SimpleObject, Clone, Copy)]
pub struct AdapterRunCounts {
    /// Records read, good or rejected.
    pub read: i64,
    /// Records that created a record in familygraph.
    pub created: i64,
    /// Records that changed one.
    pub updated: i64,
    /// Records already applied with the same content.
    pub unchanged: i64,
    /// Records rejected.
    pub rejected: i64,
    /// Persons sent to the identity review queue.
    pub queued_for_review: i64,
}

/// A record a run rejected.
#[derive(Clone)]
pub struct AdapterRejection(pub(crate) adapter_rejection::Model);

#[Object]
impl AdapterRejection {
    /// The document (file or URL) the record was in.
    async fn document(&self) -> &str {
        &self.0.document
    }
    /// Where in the document (an XML path, a JSON pointer, a row); empty for the whole
    /// document.
    async fn pointer(&self) -> &str {
        &self.0.pointer
    }
    /// Why it was rejected.
    async fn reason(&self) -> &str {
        &self.0.reason
    }
}

/// A value a run left out of a record it otherwise applied.
#[derive(Clone)]
pub struct AdapterNote(pub(crate) adapter_note::Model);

#[Object]
impl AdapterNote {
    /// The document (file or URL) the record was in.
    async fn document(&self) -> &str {
        &self.0.document
    }
    /// Where in the document (an XML path, a JSON pointer, a row); empty for the whole
    /// document.
    async fn pointer(&self) -> &str {
        &self.0.pointer
    }
    /// Why the value was left out (never the value itself).
    async fn reason(&self) -> &str {
        &self.0.reason
    }
}

/// The root query of adapter runs.
#[derive(Default)]
pub struct AdapterRunQuery;

#[Object]
impl AdapterRunQuery {
    /// Adapter runs, newest first. Administrators only (`FORBIDDEN` otherwise).
    async fn adapter_runs(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size (default 20, at most 100).")] first: Option<i32>,
        #[graphql(desc = "Cursor to start after.")] after: Option<String>,
        #[graphql(desc = "Only runs of this adapter (e.g. `cin-census`) or source.")]
        adapter: Option<String>,
    ) -> ApiResult<Page<AdapterRun>> {
        let rc = request(ctx)?;
        rc.require(Operation::RunAdapters, DESCRIBED)?;
        let page = PageRequest::new(first, after.as_deref())?;
        let mut select = adapter_run::Entity::find();
        if let Some(adapter) = adapter {
            select = select.filter(
                Condition::any()
                    .add(adapter_run::Column::Adapter.eq(adapter.clone()))
                    .add(adapter_run::Column::Adapter.starts_with(format!("{adapter}:")))
                    .add(adapter_run::Column::Adapter.ends_with(format!(":{adapter}"))),
            );
        }
        let total_count = if wants_total(ctx) {
            select.clone().count(&rc.db).await?
        } else {
            0
        };
        // Newest first: ids are UUIDv7.
        let mut keyed = select.order_by_desc(adapter_run::Column::Id);
        if let Some(after) = page.after {
            keyed = keyed.filter(adapter_run::Column::Id.lt(after));
        }
        let rows = keyed.limit(page.first + 1).all(&rc.db).await?;
        Ok(page_of(rows, page, total_count, |row| row.id, AdapterRun))
    }

    /// One adapter run by id (`null` when there is none). Administrators only.
    async fn adapter_run(&self, ctx: &Context<'_>, id: ID) -> ApiResult<Option<AdapterRun>> {
        let rc = request(ctx)?;
        rc.require(Operation::RunAdapters, DESCRIBED)?;
        let id = global_id::decode_as("id", RECORD_TYPE, &id)?;
        Ok(adapter_run::Entity::find_by_id(id)
            .one(&rc.db)
            .await?
            .map(AdapterRun))
    }
}

/// Input of `startAdapterRun`.
#[derive(InputObject)]
pub struct StartAdapterRunInput {
    /// The name of a source configured on the server (its `adapters.sources` file).
    pub source: String,
}

/// Result of `startAdapterRun`.
#[derive(SimpleObject)]
pub struct StartAdapterRunPayload {
    /// The run, as just started (poll `adapterRun` until it has finished).
    pub run: Option<AdapterRun>,
    /// Why no run was started (`UNKNOWN_RECORD` on `input.source`: no such configured source).
    pub user_errors: Vec<UserError>,
}

/// The mutation starting adapter runs.
#[derive(Default)]
pub struct AdapterRunMutation;

#[Object]
impl AdapterRunMutation {
    /// Starts a run of a configured source in the background, holding the source's lease (as
    /// `familygraph sync` does, so never two at once: `CONFLICT` while one is going on).
    /// Administrators only. An unknown source is a user error (`UNKNOWN_RECORD`).
    async fn start_adapter_run(
        &self,
        ctx: &Context<'_>,
        input: StartAdapterRunInput,
    ) -> ApiResult<StartAdapterRunPayload> {
        let rc = request(ctx)?;
        rc.require(Operation::RunAdapters, DESCRIBED)?;
        let unknown = |message: String| StartAdapterRunPayload {
            run: None,
            user_errors: vec![UserError::from(DomainUserError::new(
                "source",
                UserErrorCode::UnknownRecord,
                message,
            ))],
        };
        let Some(Launcher(launcher)) = ctx.data_opt::<Launcher>() else {
            return Ok(unknown(
                "this server has no adapter sources configured".to_owned(),
            ));
        };
        let id = match launcher.start(&input.source, &rc.principal.subject).await {
            Ok(id) => id,
            Err(LaunchError::UnknownSource(message)) => return Ok(unknown(message)),
            Err(LaunchError::Busy(what)) => return Err(ApiError::Conflict { what }),
            Err(LaunchError::Failed(message)) => return Err(ApiError::internal(&message)),
        };
        let run = adapter_run::Entity::find_by_id(id)
            .one(&rc.db)
            .await?
            .map(AdapterRun);
        Ok(StartAdapterRunPayload {
            run,
            user_errors: Vec::new(),
        })
    }
}
