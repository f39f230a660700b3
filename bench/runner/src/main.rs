//! `familygraph-bench`: the load generator behind `bench/compare.sh`.
//!
//! `load` sends one GraphQL document (or W4's record-then-triage pair) to a GraphQL endpoint,
//! either from a fixed number of clients each sending as fast as it gets answers (closed loop),
//! or at a fixed arrival rate spread over the same clients, wrk2-style (open loop: each
//! request's latency counts from when it was due, so a stalled server cannot hide its queue).
//! `floor` fetches W1's data with hand-written SQL over one PostgreSQL connection, timed the
//! same way. Both print one summary line and append it as JSON to `--out`.

mod floor;
mod load;
mod rss;
mod stats;

use std::path::PathBuf;
use std::time::Duration;

use clap::{Parser, Subcommand};

/// Command line.
#[derive(Debug, Parser)]
#[command(name = "familygraph-bench", about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
enum Command {
    /// Send a GraphQL document to a server at fixed concurrency or a fixed arrival rate.
    Load(load::LoadArgs),
    /// Fetch W1's data with hand-written SQL over one connection (the raw-SQL floor).
    Floor(floor::FloorArgs),
}

/// How long a run lasts, and what it is called in the results.
#[derive(Debug, Clone, clap::Args)]
struct RunArgs {
    /// Name of the run in the results (e.g. `familygraph W1 c10`).
    #[arg(long)]
    label: String,
    /// Seconds of measured load.
    #[arg(long, default_value_t = 20.0)]
    duration: f64,
    /// Seconds of unmeasured load first.
    #[arg(long, default_value_t = 3.0)]
    warmup: f64,
    /// File to append the summary to, as one JSON line.
    #[arg(long)]
    out: Option<PathBuf>,
}

impl RunArgs {
    fn duration(&self) -> Duration {
        Duration::from_secs_f64(self.duration)
    }
    fn warmup(&self) -> Duration {
        Duration::from_secs_f64(self.warmup)
    }
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let summary = match cli.command {
        Command::Load(args) => runtime.block_on(load::run(args))?,
        Command::Floor(args) => runtime.block_on(floor::run(args))?,
    };
    println!("{}", summary.line());
    if let Some(path) = &summary.out {
        summary.append_to(path)?;
    }
    Ok(())
}
