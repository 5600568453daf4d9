//! The `yardstick` binary: parses the command line, sets up logging, and
//! hands over to `yardstick::cli`.

use std::process::ExitCode;

use clap::Parser;
use tracing_subscriber::EnvFilter;

fn main() -> ExitCode {
    let cli = yardstick::cli::Cli::parse();
    let filter = EnvFilter::try_from_env("YARDSTICK_LOG")
        .unwrap_or_else(|_| EnvFilter::new("yardstick=info,tower_http=warn"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
    // A failure prints its message and gives the exit status the command
    // line documents (cli::exit_code).
    yardstick::cli::exit_code(yardstick::cli::run(cli))
}
