//! `familygraph` itself (the same entry point as the server binary), built with the tests so
//! that they can run it as a separate process: its telemetry providers are process-wide.

fn main() -> std::process::ExitCode {
    match familygraph::entry::main() {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("Error: {error:?}");
            std::process::ExitCode::FAILURE
        }
    }
}
