//! `familygraph import`, `familygraph sync` and `familygraph export`.

use std::io::IsTerminal as _;

use anyhow::Context as _;
use familygraph_intake::{ApplyCounts, RunTrigger};

use super::registry::{self, BuildOptions, Built, RegistryError};
use super::report::{self, EXIT_BUSY, EXIT_FAILURE, EXIT_OK, EXIT_USAGE, Exit};
use super::runner::{self, Mode, Progress, RunError};
use super::sources::{Sources, SourcesError};
use crate::cli::{AdapterRunArgs, CommonArgs, ExportCommand};
use crate::config::DatabaseTarget;
use crate::lifecycle::{MigrateMode, ServeSettings};

/// Connects as the server does (same settings, same pool), migrating per `FAMILYGRAPH_MIGRATE`
/// (`check` refuses to run against a database with pending migrations).
pub async fn connect(common: &CommonArgs) -> anyhow::Result<sea_orm::DatabaseConnection> {
    let settings = ServeSettings::from_lookup(crate::settings::lookup)
        .map_err(anyhow::Error::msg)
        .context("reading the server settings")?;
    let target = DatabaseTarget::resolve(common.database_url.as_deref(), &common.data_dir);
    if target.is_embedded() {
        std::fs::create_dir_all(&common.data_dir)
            .with_context(|| format!("creating data directory {}", common.data_dir.display()))?;
    }
    let mut db = familygraph_store::db::connect_with(&target.url(), &settings.pool)
        .await
        .with_context(|| format!("connecting to {}", target.redacted()))?;
    crate::telemetry::database::instrument(&mut db);
    match settings.migrate {
        MigrateMode::Auto => familygraph_store::db::migrate(&db)
            .await
            .context("migrating")?,
        MigrateMode::Check => {
            let pending = familygraph_store::db::pending_migrations(&db)
                .await
                .context("reading which migrations are applied")?;
            if !pending.is_empty() {
                anyhow::bail!(
                    "{} migrations are pending and FAMILYGRAPH_MIGRATE=check: run `familygraph migrate` first",
                    pending.len()
                );
            }
        }
        MigrateMode::Off => {}
    }
    Ok(db)
}

/// Who the command line's runs are started by.
fn operator() -> String {
    let user = std::env::var("USER")
        .or_else(|_| std::env::var("USERNAME"))
        .unwrap_or_else(|_| "operator".to_owned());
    format!("command-line:{user}")
}

/// The adapter a command line names: its arguments, or with none and `--source NAME`, the
/// configured source of that name (which must be of that adapter).
fn build(args: &AdapterRunArgs) -> Result<Built, Exit> {
    let usage = |e: RegistryError| match e {
        RegistryError::Adapter(_) | RegistryError::File { .. } => {
            Exit::new(EXIT_FAILURE, e.to_string())
        }
        _ => Exit::new(EXIT_USAGE, e.to_string()),
    };
    if args.args.is_empty()
        && let Some(name) = &args.source
    {
        let sources =
            Sources::from_settings().map_err(|e| Exit::new(EXIT_FAILURE, e.to_string()))?;
        let configured = sources
            .get(name)
            .map_err(|e| Exit::new(EXIT_USAGE, e.to_string()))?;
        if configured.adapter != args.adapter {
            return Err(Exit::new(
                EXIT_USAGE,
                format!(
                    "configured source `{name}` is a `{}` source, not `{}`",
                    configured.adapter, args.adapter
                ),
            ));
        }
        return sources.build(name).map_err(|e| match e {
            SourcesError::Build { error, .. } => usage(error),
            other => Exit::new(EXIT_FAILURE, other.to_string()),
        });
    }
    registry::build(
        &args.adapter,
        &args.args,
        &BuildOptions {
            source: args.source.clone(),
            page_size: args.page_size,
        },
    )
    .map_err(usage)
}

/// A progress line on standard error while the run goes on (hidden unless it is a terminal).
struct Bar(indicatif::ProgressBar);

impl Bar {
    fn new(quiet: bool) -> Self {
        let bar = if quiet || !std::io::stderr().is_terminal() {
            indicatif::ProgressBar::hidden()
        } else {
            let bar = indicatif::ProgressBar::new_spinner();
            bar.enable_steady_tick(std::time::Duration::from_millis(200));
            bar
        };
        if let Ok(style) =
            indicatif::ProgressStyle::with_template("{spinner} {elapsed_precise} {msg}")
        {
            bar.set_style(style);
        }
        bar.set_message("starting");
        Self(bar)
    }
}

impl Progress for Bar {
    fn update(&self, c: &ApplyCounts) {
        self.0.set_message(format!(
            "read {} · created {} · updated {} · unchanged {} · rejected {} · review {}",
            c.read, c.created, c.updated, c.unchanged, c.rejected, c.queued_for_review
        ));
    }
}

/// `familygraph import …` (`mode` import) or `familygraph sync …` (`mode` sync).
pub async fn run_adapter(
    common: &CommonArgs,
    args: &AdapterRunArgs,
    mode: Mode,
) -> anyhow::Result<()> {
    let command = match mode {
        Mode::Import => "import",
        Mode::Sync => "sync",
    };
    let built = build(args)?;
    let db = connect(common).await?;
    let started = match runner::start(
        &db,
        built,
        mode,
        RunTrigger::CommandLine,
        &operator(),
        false,
    )
    .await
    {
        Ok(started) => started,
        Err(error @ RunError::LeaseHeld { .. }) => {
            return Err(Exit::new(EXIT_BUSY, format!("familygraph {command}: {error}")).into());
        }
        Err(error) => return Err(anyhow::Error::new(error).context("starting the run")),
    };
    let bar = Bar::new(args.json);
    let outcome = runner::drive(started, &bar).await;
    bar.0.finish_and_clear();
    let outcome = outcome.context("running the adapter")?;
    if args.json {
        println!("{}", report::json(&outcome));
    } else {
        print!("{}", report::human(command, &outcome));
    }
    match report::exit_code(&outcome) {
        EXIT_OK => Ok(()),
        code => Err(Exit::new(code, "").into()),
    }
}

/// `familygraph export …`.
pub async fn export(common: &CommonArgs, command: &ExportCommand) -> anyhow::Result<()> {
    match command {
        ExportCommand::CinCensus { year, output } => {
            let db = connect(common).await?;
            let directory = output
                .parent()
                .filter(|p| !p.as_os_str().is_empty())
                .unwrap_or(std::path::Path::new("."));
            // Written beside the output and renamed when complete: never a half file.
            let partial = tempfile::NamedTempFile::new_in(directory)
                .with_context(|| format!("creating a file in {}", directory.display()))?;
            let mut writer = std::io::BufWriter::new(partial.reopen()?);
            let summary = familygraph_intake::export::export_cin_census(&db, *year, &mut writer)
                .await
                .with_context(|| format!("exporting the {year} CIN census"))?;
            std::io::Write::flush(&mut writer)
                .with_context(|| format!("writing {}", output.display()))?;
            drop(writer);
            partial
                .persist(output)
                .with_context(|| format!("writing {}", output.display()))?;
            println!(
                "CIN census {year} (schema {}): {} children written of {} read, {} episodes, \
                 {} plans left out, {} children refused → {}",
                summary.schema_year,
                summary.children_written,
                summary.children_read,
                summary.episodes_written,
                summary.plans_left_out,
                summary.refused.len(),
                output.display()
            );
            for refused in &summary.refused {
                println!("  refused person {}: {}", refused.person_id, refused.reason);
            }
            Ok(())
        }
    }
}
