//! What each command does.

use anyhow::{Context as _, bail};
use familygraph_domain::{Role, SchoolUrn};
use familygraph_store::seed::{self, SeedOptions};

use crate::auth::Authenticator;
use crate::cli::{Cli, Command, CommonArgs, SeedArgs, ServeArgs, TokenArgs};
use crate::config::DatabaseTarget;
use crate::dev_issuer::{DevIssuer, TokenRequest};
use crate::http::{self, AppState};

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
    }
}

impl ServeArgs {
    /// Serve options when no subcommand was given (environment, else defaults).
    pub fn from_env() -> Self {
        Self {
            bind: std::env::var("FAMILYGRAPH_BIND").unwrap_or_else(|_| "127.0.0.1:8080".to_owned()),
            force_dev_issuer: std::env::var("FAMILYGRAPH_FORCE_DEV_ISSUER")
                .is_ok_and(|v| matches!(v.as_str(), "1" | "true" | "yes")),
        }
    }
}

async fn connect(
    common: &CommonArgs,
) -> anyhow::Result<(DatabaseTarget, sea_orm::DatabaseConnection)> {
    let target = DatabaseTarget::resolve(common.database_url.as_deref(), &common.data_dir);
    if target.is_embedded() {
        std::fs::create_dir_all(&common.data_dir)
            .with_context(|| format!("creating data directory {}", common.data_dir.display()))?;
    }
    let db = familygraph_store::db::connect(&target.url())
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
        lifetime: chrono::Duration::minutes(args.lifetime_minutes),
    })?;
    println!("{token}");
    Ok(())
}

async fn serve(common: &CommonArgs, args: &ServeArgs) -> anyhow::Result<()> {
    let target = DatabaseTarget::resolve(common.database_url.as_deref(), &common.data_dir);
    if target.is_postgres() && !args.force_dev_issuer {
        bail!(
            "DATABASE_URL points at PostgreSQL, where the development token issuer is refused. \
             Configure a real OpenID issuer, or pass --force-dev-issuer (FAMILYGRAPH_FORCE_DEV_ISSUER=1) \
             for a non-production test deployment."
        );
    }
    let (target, db) = connect(common).await?;
    familygraph_store::db::migrate(&db)
        .await
        .context("migrating")?;
    if target.is_embedded() && !seed::is_seeded(&db).await? {
        let started = std::time::Instant::now();
        if let Some(report) = seed::seed(&db, &SeedOptions::default()).await? {
            tracing::info!(
                children = report.children,
                elapsed_ms = started.elapsed().as_millis() as u64,
                "seeded synthetic demo data"
            );
        }
    }
    let issuer = DevIssuer::load_or_create(&common.data_dir)?;
    announce_dev_issuer(common);
    let state = AppState {
        schema: familygraph_graphql::build_schema(),
        db,
        authenticator: Authenticator::with_dev_issuer(&issuer),
    };
    let (server, address) =
        http::start(state, &args.bind).with_context(|| format!("binding {}", args.bind))?;
    tracing::info!(%address, database = %target.redacted(), "familygraph listening");
    eprintln!("familygraph: GraphiQL at http://{address}/graphiql");
    server.await.context("serving")?;
    Ok(())
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
