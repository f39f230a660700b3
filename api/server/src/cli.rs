//! The `familygraph` command line.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::config::DEFAULT_DATA_DIR;

/// familygraph: a GraphQL API over children, families, networks, plans, teams and localities.
#[derive(Debug, Parser)]
#[command(name = "familygraph", version, about)]
pub struct Cli {
    /// Settings every command shares.
    #[command(flatten)]
    pub common: CommonArgs,
    /// What to do (default: serve).
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Settings every command shares.
#[derive(Debug, Clone, Args)]
pub struct CommonArgs {
    /// Directory for the embedded SQLite file and the development signing key.
    #[arg(long, env = "FAMILYGRAPH_DATA_DIR", default_value = DEFAULT_DATA_DIR, global = true)]
    pub data_dir: PathBuf,
    /// Database URL (`postgres://…` or `sqlite://…`); default: the SQLite file in the data dir.
    #[arg(long, env = "DATABASE_URL", global = true, hide_env_values = true)]
    pub database_url: Option<String>,
    /// Configuration file (TOML; `familygraph config example` prints every key). Flags and
    /// environment variables win over it.
    #[arg(long, env = "FAMILYGRAPH_CONFIG", global = true)]
    pub config: Option<PathBuf>,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the API (the default). The embedded default is migrated and seeded on first start.
    Serve(ServeArgs),
    /// Apply pending database migrations.
    Migrate,
    /// Load deterministic synthetic demo data into an empty database.
    Seed(SeedArgs),
    /// Print the GraphQL schema (SDL).
    Schema,
    /// Print a development bearer token the embedded server accepts.
    Token(TokenArgs),
    /// Work with the tamper-evident audit trail.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Check or print the access policy.
    #[command(subcommand)]
    Policy(PolicyCommand),
    /// Work with the configuration file.
    #[command(subcommand)]
    Config(ConfigCommand),
    /// Import from an adapter to the end of its source, from the start (exit codes: 0 all
    /// applied, 1 failed, 2 bad command line, 3 some records rejected).
    Import(AdapterRunArgs),
    /// Sync from where the source's last run stopped, holding the lease
    /// `sync:<adapter>:<source>` (exit codes as `import`, and 4 when another process holds
    /// the lease).
    Sync(AdapterRunArgs),
    /// Export familygraph's data in a partner's format.
    #[command(subcommand)]
    Export(ExportCommand),
    /// See and act on outbound deliveries that gave up (dead letters); exit codes: 0 done,
    /// 1 failed (no such dead letter, database), 2 bad command line.
    #[command(subcommand)]
    Delivery(DeliveryCommand),
}

/// `delivery` subcommands (the same actions as `deadLetters`, `retryDelivery` and
/// `discardDelivery` in GraphQL, audited as the operator `command-line:<user>`).
#[derive(Debug, Subcommand)]
pub enum DeliveryCommand {
    /// List dead-lettered deliveries (case system and webhooks), newest first.
    DeadLetters {
        /// Print JSON (an array) instead of a table.
        #[arg(long)]
        json: bool,
        /// Also list discarded deliveries.
        #[arg(long)]
        include_discarded: bool,
        /// At most this many.
        #[arg(long, default_value_t = 100)]
        limit: u64,
    },
    /// Put a dead letter back in the queue (due now, attempts reset to 0).
    Retry {
        /// The dead letter's id, as `dead-letters` lists it (or the ledger row's UUID).
        id: String,
    },
    /// Discard a dead letter: kept in its ledger as discarded, never attempted again.
    Discard {
        /// The dead letter's id, as `dead-letters` lists it (or the ledger row's UUID).
        id: String,
    },
}

/// `import` and `sync` arguments.
#[derive(Debug, Clone, Args)]
pub struct AdapterRunArgs {
    /// The adapter: `cin-census FILE…`, `ssd DIR`, `fhir URL|DIR|FILE…`, `openreferral URL`,
    /// `schoolmis CONFIG`.
    pub adapter: String,
    /// The adapter's arguments. None with `--source NAME`: the configured source NAME
    /// (`adapters.sources`).
    pub args: Vec<String>,
    /// The source's name: the system every record is keyed under, and the lease's and
    /// cursor's name (default: the adapter's name). Keep it the same between runs of one
    /// source, or records are not recognised again.
    #[arg(long)]
    pub source: Option<String>,
    /// Records per batch (default 500; each batch is applied, and its cursor saved, before
    /// the next is read).
    #[arg(long)]
    pub page_size: Option<usize>,
    /// Print the summary as JSON (and no progress line).
    #[arg(long)]
    pub json: bool,
}

/// `export` subcommands.
#[derive(Debug, Subcommand)]
pub enum ExportCommand {
    /// The DfE children in need census of one reporting year (1 April to 31 March ending in
    /// YEAR), as XML valid against that year's XSD.
    CinCensus {
        /// The collection year, e.g. 2024 for 2023-24.
        #[arg(long)]
        year: i32,
        /// The file to write (written whole or not at all).
        #[arg(long)]
        output: PathBuf,
    },
}

/// `config` subcommands.
#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Print an example configuration file documenting every setting (as
    /// `deploy/config.example.toml` holds it).
    Example,
    /// Check the configuration file (`--config` / `FAMILYGRAPH_CONFIG`) and list the settings
    /// it gives (names only, never values).
    Check,
}

/// `policy` subcommands. Without FILE they use the policy the server would load
/// (`FAMILYGRAPH_POLICY`, else the built-in `policy/familygraph-policy.toml`).
#[derive(Debug, Subcommand)]
pub enum PolicyCommand {
    /// Check a policy file against the format and the GraphQL schema; exits non-zero with
    /// every problem listed.
    Check {
        /// The policy file.
        file: Option<std::path::PathBuf>,
    },
    /// Print the policy as a Markdown matrix (role × relation, class, operation).
    Matrix {
        /// The policy file.
        file: Option<std::path::PathBuf>,
    },
}

/// `audit` subcommands.
#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Recompute the audit hash chain and name the first altered or missing row; exits
    /// non-zero when the chain is broken.
    Verify,
}

/// `serve` options.
#[derive(Debug, Clone, Args, Default)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "FAMILYGRAPH_BIND", default_value = "127.0.0.1:8080")]
    pub bind: String,
    /// Trust the development issuer even on PostgreSQL (never do this in production).
    #[arg(
        long,
        env = "FAMILYGRAPH_FORCE_DEV_ISSUER",
        value_parser = clap::builder::BoolishValueParser::new(),
        num_args = 0..=1,
        default_value = "false",
        default_missing_value = "true"
    )]
    pub force_dev_issuer: bool,
}

/// `seed` options.
#[derive(Debug, Clone, Args)]
pub struct SeedArgs {
    /// How many children to generate.
    #[arg(long, default_value_t = 300)]
    pub children: usize,
    /// Random seed (same seed, same data).
    #[arg(long, default_value_t = 2026)]
    pub seed: u64,
}

/// `token` options.
#[derive(Debug, Clone, Args)]
pub struct TokenArgs {
    /// Role, e.g. administrator, social_worker, team_manager, school_dsl.
    #[arg(long)]
    pub role: String,
    /// Subject (for practitioners: their subject, e.g. `fw-s1-01`).
    #[arg(long)]
    pub subject: Option<String>,
    /// Team code (e.g. `S1`).
    #[arg(long)]
    pub team: Option<String>,
    /// School URN, for school roles.
    #[arg(long)]
    pub school_urn: Option<String>,
    /// Agency the token acts for (ODS code or URN), for partner roles (health visitor, VCS).
    #[arg(long)]
    pub agency: Option<String>,
    /// Lifetime in minutes.
    #[arg(long, default_value_t = 480)]
    pub lifetime_minutes: i64,
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use clap::Parser;

    fn force(args: &[&str]) -> bool {
        match Cli::try_parse_from(args).unwrap().command {
            Some(Command::Serve(serve)) => serve.force_dev_issuer,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn force_dev_issuer_accepts_the_usual_spellings() {
        assert!(!force(&["familygraph", "serve"]));
        assert!(force(&["familygraph", "serve", "--force-dev-issuer"]));
        assert!(force(&["familygraph", "serve", "--force-dev-issuer=1"]));
        assert!(force(&["familygraph", "serve", "--force-dev-issuer=yes"]));
        assert!(!force(&["familygraph", "serve", "--force-dev-issuer=0"]));
        assert!(Cli::try_parse_from(["familygraph", "serve", "--force-dev-issuer=maybe"]).is_err());
    }
}
