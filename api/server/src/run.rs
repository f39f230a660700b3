//! What each command does.

use anyhow::{Context as _, bail};
use familygraph_domain::{Role, SchoolUrn};
use familygraph_store::seed::{self, SeedOptions};

use crate::auth::{Authenticator, OidcConfig};
use crate::cli::{
    AuditCommand, Cli, Command, CommonArgs, ConfigCommand, PolicyCommand, SeedArgs, ServeArgs,
    TokenArgs,
};
use crate::config::DatabaseTarget;
use crate::dev_issuer::{DevIssuer, TokenRequest};
use crate::http::{self, AppState};
use crate::lifecycle::{Lifecycle, MigrateMode, ServeSettings};
use std::sync::Arc;

/// Runs the command line.
pub async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        None => serve(&cli.common, &ServeArgs::from_env()).await,
        Some(Command::Serve(args)) => serve(&cli.common, &args).await,
        Some(Command::Migrate) => migrate(&cli.common).await,
        Some(Command::Seed(args)) => seed_database(&cli.common, &args).await,
        Some(Command::Schema) => {
            print!("{}", familygraph_graphql::sdl());
            Ok(())
        }
        Some(Command::Token(args)) => token(&cli.common, &args),
        Some(Command::Audit(AuditCommand::Verify)) => verify_audit(&cli.common).await,
        Some(Command::Policy(PolicyCommand::Check { file })) => {
            let policy = crate::policy::load(file.as_deref())?;
            println!(
                "policy valid: {} roles, {} record types",
                familygraph_domain::Role::ALL.len(),
                policy.types().len()
            );
            Ok(())
        }
        Some(Command::Policy(PolicyCommand::Matrix { file })) => {
            let policy = crate::policy::load(file.as_deref())?;
            print!("{}", familygraph_domain::policy::render_matrix(&policy));
            Ok(())
        }
        Some(Command::Config(ConfigCommand::Example)) => {
            print!("{}", crate::settings::example());
            Ok(())
        }
        Some(Command::Config(ConfigCommand::Check)) => check_config(&cli.common),
        Some(Command::Import(args)) => {
            crate::adapters::command::run_adapter(
                &cli.common,
                &args,
                crate::adapters::runner::Mode::Import,
            )
            .await
        }
        Some(Command::Sync(args)) => {
            crate::adapters::command::run_adapter(
                &cli.common,
                &args,
                crate::adapters::runner::Mode::Sync,
            )
            .await
        }
        Some(Command::Export(command)) => {
            crate::adapters::command::export(&cli.common, &command).await
        }
        Some(Command::Delivery(command)) => {
            crate::delivery::command::run(&cli.common, &command).await
        }
    }
}

/// `config check`: the file was already loaded (and refused if invalid) before any command
/// ran; list the settings it gives, never their values.
fn check_config(common: &CommonArgs) -> anyhow::Result<()> {
    let Some(path) = &common.config else {
        bail!("no configuration file: pass --config PATH or set FAMILYGRAPH_CONFIG");
    };
    let values = crate::settings::FileValues::load(path)?;
    let keys: Vec<String> = crate::settings::SETTINGS
        .iter()
        .filter(|setting| values.get(setting.env).is_some())
        .map(|setting| {
            let overridden = if std::env::var_os(setting.env).is_some() {
                " (overridden by the environment)"
            } else {
                ""
            };
            format!("  {} ({}){overridden}", setting.path(), setting.env)
        })
        .collect();
    println!(
        "{}: valid, {} settings{}",
        path.display(),
        keys.len(),
        if keys.is_empty() { "" } else { ":" }
    );
    for key in keys {
        println!("{key}");
    }
    Ok(())
}

impl ServeArgs {
    /// Serve options when no subcommand was given (environment, then the configuration file,
    /// else defaults).
    pub fn from_env() -> Self {
        Self {
            bind: crate::settings::lookup("FAMILYGRAPH_BIND")
                .unwrap_or_else(|| "127.0.0.1:8080".to_owned()),
            force_dev_issuer: crate::settings::lookup("FAMILYGRAPH_FORCE_DEV_ISSUER")
                .is_some_and(|v| crate::settings::is_true(&v)),
        }
    }
}

async fn connect(
    common: &CommonArgs,
) -> anyhow::Result<(DatabaseTarget, sea_orm::DatabaseConnection)> {
    connect_pooled(common, &familygraph_store::db::PoolSettings::default()).await
}

async fn connect_pooled(
    common: &CommonArgs,
    pool: &familygraph_store::db::PoolSettings,
) -> anyhow::Result<(DatabaseTarget, sea_orm::DatabaseConnection)> {
    let target = DatabaseTarget::resolve(common.database_url.as_deref(), &common.data_dir);
    if target.is_embedded() {
        std::fs::create_dir_all(&common.data_dir)
            .with_context(|| format!("creating data directory {}", common.data_dir.display()))?;
    }
    let db = familygraph_store::db::connect_with(&target.url(), pool)
        .await
        .with_context(|| format!("connecting to {}", target.redacted()))?;
    Ok((target, db))
}

async fn migrate(common: &CommonArgs) -> anyhow::Result<()> {
    let (target, db) = connect(common).await?;
    familygraph_store::db::migrate(&db)
        .await
        .context("migrating")?;
    tracing::info!(database = %target.redacted(), "migrations applied");
    Ok(())
}

async fn seed_database(common: &CommonArgs, args: &SeedArgs) -> anyhow::Result<()> {
    let (target, db) = connect(common).await?;
    familygraph_store::db::migrate(&db)
        .await
        .context("migrating")?;
    let started = std::time::Instant::now();
    let options = SeedOptions {
        children: args.children,
        seed: args.seed,
    };
    match seed::seed(&db, &options).await.context("seeding")? {
        Some(report) => {
            tracing::info!(database = %target.redacted(), elapsed_ms = started.elapsed().as_millis() as u64, ?report, "seeded");
            println!(
                "seeded {} children in {:.1}s",
                report.children,
                started.elapsed().as_secs_f64()
            );
        }
        None => bail!("the database already holds people; seed only an empty database"),
    }
    Ok(())
}

async fn verify_audit(common: &CommonArgs) -> anyhow::Result<()> {
    let (target, db) = connect(common).await?;
    let started = std::time::Instant::now();
    let report = familygraph_store::audit::verify(&db)
        .await
        .context("reading the audit trail")?;
    let elapsed = started.elapsed().as_secs_f64();
    if report.unchained > 0 {
        println!(
            "{} audit rows predate the hash chain and are not covered by it",
            report.unchained
        );
    }
    match report.broken {
        None => {
            println!(
                "audit chain intact: {} rows verified (head sequence {}) in {elapsed:.1}s",
                report.checked,
                report.head.unwrap_or(0)
            );
            Ok(())
        }
        Some(broken) => {
            tracing::error!(database = %target.redacted(), sequence = broken.sequence, fault = ?broken.fault, "audit chain broken");
            let row = broken
                .id
                .map(|id| format!(" (row {id})"))
                .unwrap_or_default();
            bail!(
                "audit chain BROKEN at sequence {}{row}: {}; {} rows before it verified",
                broken.sequence,
                broken.fault,
                report.checked
            )
        }
    }
}

fn token(common: &CommonArgs, args: &TokenArgs) -> anyhow::Result<()> {
    let role = Role::parse(&args.role).map_err(|error| {
        let known = Role::ALL
            .iter()
            .map(|r| r.as_str())
            .collect::<Vec<_>>()
            .join(", ");
        anyhow::anyhow!("{error}; roles: {known}")
    })?;
    let school_urn = args
        .school_urn
        .as_deref()
        .map(|urn| SchoolUrn::parse("school-urn", urn))
        .transpose()?;
    let issuer = DevIssuer::load_or_create(&common.data_dir)?;
    let token = issuer.mint(&TokenRequest {
        role,
        subject: args.subject.clone(),
        team: args.team.clone(),
        school_urn,
        agency: args.agency.clone(),
        lifetime: chrono::Duration::minutes(args.lifetime_minutes),
    })?;
    println!("{token}");
    Ok(())
}

/// Which token issuers a server trusts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IssuerPlan {
    /// Trust the configured OpenID provider.
    pub oidc: bool,
    /// Trust the development issuer.
    pub dev_issuer: bool,
}

impl IssuerPlan {
    /// Decides which issuers to trust. With an OpenID issuer configured, the development issuer
    /// stays on only in the embedded default (never with a `DATABASE_URL`, forced or not).
    /// Without one, the development issuer is on unless the database is PostgreSQL and it was
    /// not forced, which is refused.
    pub fn decide(
        target: &DatabaseTarget,
        oidc_configured: bool,
        force_dev_issuer: bool,
    ) -> anyhow::Result<Self> {
        if oidc_configured {
            return Ok(Self {
                oidc: true,
                dev_issuer: target.is_embedded(),
            });
        }
        if target.is_postgres() && !force_dev_issuer {
            bail!(
                "DATABASE_URL points at PostgreSQL, where the development token issuer is refused. \
                 Configure a real OpenID issuer ({}), or pass --force-dev-issuer \
                 (FAMILYGRAPH_FORCE_DEV_ISSUER=1) for a non-production test deployment.",
                crate::auth::config::ENV_ISSUER
            );
        }
        Ok(Self {
            oidc: false,
            dev_issuer: true,
        })
    }
}

async fn serve(common: &CommonArgs, args: &ServeArgs) -> anyhow::Result<()> {
    let target = DatabaseTarget::resolve(common.database_url.as_deref(), &common.data_dir);
    let hardening = http::Hardening::from_env()
        .map_err(anyhow::Error::msg)
        .context("reading the GraphQL limits")?;
    let oidc = OidcConfig::from_env().context("reading the OpenID provider configuration")?;
    let plan = IssuerPlan::decide(&target, oidc.is_some(), args.force_dev_issuer)?;
    if oidc.is_some() && args.force_dev_issuer && !plan.dev_issuer {
        tracing::warn!("--force-dev-issuer is ignored: an OpenID issuer is configured");
    }
    let settings = ServeSettings::from_lookup(crate::settings::lookup)
        .map_err(anyhow::Error::msg)
        .context("reading the server settings")?;
    let (target, mut db) = connect_pooled(common, &settings.pool).await?;
    let generic_plans = familygraph_store::db::connect_generic_plans(&target.url(), &settings.pool)
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
                tracing::warn!(
                    pending = pending.len(),
                    "migrations are pending; /readyz fails until the migration job applies them"
                );
            }
        }
        MigrateMode::Off => {}
    }
    if target.is_embedded()
        && settings.migrate == MigrateMode::Auto
        && !seed::is_seeded(&db).await?
    {
        let started = std::time::Instant::now();
        if let Some(report) = seed::seed(&db, &SeedOptions::default()).await? {
            tracing::info!(
                children = report.children,
                elapsed_ms = started.elapsed().as_millis() as u64,
                "seeded synthetic demo data"
            );
        }
    }
    let mut authenticator = match &oidc {
        Some(config) => {
            let authenticator = Authenticator::with_oidc(config)?;
            match authenticator.prepare().await {
                Ok(()) => {
                    tracing::info!(issuer = %config.issuer, audience = %config.audience, "trusting the OpenID provider")
                }
                Err(error) => {
                    tracing::warn!(issuer = %config.issuer, %error, "the OpenID provider is not reachable yet; tokens are refused until it is")
                }
            }
            authenticator
        }
        None => Authenticator::refusing_all(),
    };
    if plan.dev_issuer {
        let issuer = DevIssuer::load_or_create(&common.data_dir)?;
        announce_dev_issuer(common);
        authenticator = authenticator.and_dev_issuer(&issuer);
    }
    let policy = std::sync::Arc::new(crate::policy::load(None)?);
    let delivery = crate::delivery::DeliverySettings::from_lookup(crate::settings::lookup)
        .map_err(anyhow::Error::msg)
        .context("reading the delivery settings")?;
    // Partners' signed webhooks: one delivery target fanning out to the active subscriptions.
    let webhook_targets: std::sync::Arc<dyn crate::delivery::TargetSource> = std::sync::Arc::new(
        crate::webhooks::WebhookTargets::new(policy.clone(), delivery.worker.max_attempts),
    );
    let deliveries =
        crate::delivery::Deliveries::start_configured(db.clone(), &delivery, vec![webhook_targets])
            .map_err(anyhow::Error::msg)
            .context("starting outbound delivery")?;
    let sources = crate::adapters::sources::Sources::from_settings()
        .context("reading the adapter sources")?;
    let launcher = crate::adapters::launcher::ServerLauncher::new(db.clone(), sources);
    let graphql_telemetry = crate::telemetry::graphql::GraphqlTelemetry::from_env()?;
    let state = AppState {
        schema: familygraph_graphql::schema_builder_timed(
            &hardening.limits,
            Some(graphql_telemetry.slow_resolvers()),
        )
        .extension(graphql_telemetry)
        .data(launcher.into_data())
        .finish(),
        db,
        authenticator,
        policy,
        generic_plans,
    };
    tracing::info!(limits = ?hardening, "request limits");
    let lifecycle = Arc::new(Lifecycle::new(settings.migrate == MigrateMode::Check));
    let (server, address) = http::start_serving(
        state,
        &args.bind,
        &hardening,
        lifecycle.clone(),
        settings.shutdown_timeout,
    )
    .with_context(|| format!("binding {}", args.bind))?;
    tracing::info!(%address, database = %target.redacted(), "familygraph listening");
    eprintln!("familygraph: GraphiQL at http://{address}/graphiql");
    let handle = server.handle();
    let mut serving = tokio::spawn(server);
    let signal = tokio::select! {
        finished = &mut serving => {
            // The server stopped by itself (it does not watch signals): report why.
            lifecycle.flush_audit(settings.shutdown_timeout).await;
            finished.context("serving")?.context("serving")?;
            return Ok(());
        }
        signal = shutdown_signal() => signal?,
    };
    tracing::info!(
        %signal,
        delay_s = settings.shutdown_delay.as_secs(),
        timeout_s = settings.shutdown_timeout.as_secs(),
        "shutting down: draining"
    );
    lifecycle.begin_draining();
    if !settings.shutdown_delay.is_zero() {
        tokio::time::sleep(settings.shutdown_delay).await;
    }
    let delivery_stopped = deliveries.map(|d| d.stop(settings.shutdown_timeout));
    handle.stop(true).await;
    if let Some(stopped) = delivery_stopped {
        stopped.await;
    }
    let served = serving.await;
    lifecycle.flush_audit(settings.shutdown_timeout).await;
    served.context("serving")?.context("serving")?;
    tracing::info!("familygraph stopped");
    Ok(())
}

/// Waits for SIGTERM or SIGINT (Ctrl-C); names the one that came.
async fn shutdown_signal() -> anyhow::Result<&'static str> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut terminate = signal(SignalKind::terminate()).context("watching SIGTERM")?;
        let mut interrupt = signal(SignalKind::interrupt()).context("watching SIGINT")?;
        tokio::select! {
            _ = terminate.recv() => Ok("SIGTERM"),
            _ = interrupt.recv() => Ok("SIGINT"),
        }
    }
    #[cfg(not(unix))]
    {
        tokio::signal::ctrl_c().await.context("watching Ctrl-C")?;
        Ok("Ctrl-C")
    }
}

fn announce_dev_issuer(common: &CommonArgs) {
    let banner = format!(
        "\n*** DEVELOPMENT TOKEN ISSUER IS ON ***\n\
         Tokens signed by the key in {} are accepted. Mint one with:\n  \
         familygraph token --role administrator\n\
         Never expose this server to real data.\n",
        common.data_dir.display()
    );
    tracing::warn!("development token issuer is on");
    eprintln!("{banner}");
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use std::path::Path;

    fn embedded() -> DatabaseTarget {
        DatabaseTarget::resolve(None, Path::new("d"))
    }

    fn postgres() -> DatabaseTarget {
        DatabaseTarget::resolve(Some("postgres://fg@db/fg"), Path::new("d"))
    }

    fn sqlite_url() -> DatabaseTarget {
        DatabaseTarget::resolve(Some("sqlite:///tmp/fg.sqlite"), Path::new("d"))
    }

    fn plan(oidc: bool, dev_issuer: bool) -> IssuerPlan {
        IssuerPlan { oidc, dev_issuer }
    }

    #[test]
    fn without_an_issuer_the_dev_issuer_is_on_except_on_unforced_postgres() {
        let decide = IssuerPlan::decide;
        assert_eq!(
            decide(&embedded(), false, false).unwrap(),
            plan(false, true)
        );
        assert_eq!(
            decide(&sqlite_url(), false, false).unwrap(),
            plan(false, true)
        );
        assert!(decide(&postgres(), false, false).is_err());
        assert_eq!(decide(&postgres(), false, true).unwrap(), plan(false, true));
    }

    #[test]
    fn with_an_issuer_the_dev_issuer_stays_only_in_the_embedded_default() {
        let decide = IssuerPlan::decide;
        assert_eq!(decide(&embedded(), true, false).unwrap(), plan(true, true));
        assert_eq!(
            decide(&sqlite_url(), true, false).unwrap(),
            plan(true, false)
        );
        assert_eq!(decide(&postgres(), true, false).unwrap(), plan(true, false));
        assert_eq!(decide(&postgres(), true, true).unwrap(), plan(true, false));
    }
}
