//! The process: read the command line, set telemetry up, run the command on a Tokio runtime,
//! then flush telemetry. `main` is this, and so is any binary that must behave exactly like
//! `familygraph` (the telemetry tests run one as a separate process).

use crate::telemetry;

/// Runs `familygraph` with the process's arguments and environment.
pub fn main() -> anyhow::Result<()> {
    let cli = crate::settings::parse_command_line()?;
    let settings = telemetry::Settings::from_env().map_err(anyhow::Error::msg)?;
    let telemetry = telemetry::init(&settings)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let result = runtime.block_on(crate::run::run(cli));
    // The exporters' shutdown blocks: outside the runtime.
    drop(runtime);
    telemetry.shutdown();
    // A command that ends with a documented exit code (`import`, `sync`): say why, exit so.
    if let Err(error) = &result
        && let Some(exit) = error.downcast_ref::<crate::adapters::report::Exit>()
    {
        if !exit.message.is_empty() {
            eprintln!("{}", exit.message);
        }
        std::process::exit(exit.code);
    }
    result
}
