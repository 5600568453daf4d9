//! The `yardstick` binary: parses the command line, sets up logging, and
//! hands over to `yardstick::cli`.

use std::process::ExitCode;

use clap::Parser;
use tracing_subscriber::EnvFilter;

fn main() -> ExitCode {
    let cli = yardstick::cli::Cli::parse();
    // The benchmark's loopback load would print a line per request; it keeps
    // the request log at warn unless YARDSTICK_LOG says otherwise.
    let default = match cli.command {
        yardstick::cli::Command::Bench(_) => "yardstick=info,yardstick::http=warn,tower_http=warn",
        _ => "yardstick=info,tower_http=warn",
    };
    let filter =
        EnvFilter::try_from_env("YARDSTICK_LOG").unwrap_or_else(|_| EnvFilter::new(default));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
    // A failure prints its message and gives the exit status the command
    // line documents (cli::exit_code).
    let code = yardstick::cli::exit_code(yardstick::cli::run(cli));
    // For the benchmark harness, which runs this binary as a child process.
    yardstick::bench::report_peak_rss();
    code
}
