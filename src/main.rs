//! The `yardstick` binary: parses the command line, sets up logging, and
//! hands over to `yardstick::cli`.

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;
use tracing_subscriber::EnvFilter;

fn main() -> ExitCode {
    let filter = EnvFilter::try_from_env("YARDSTICK_LOG")
        .unwrap_or_else(|_| EnvFilter::new("yardstick=info,tower_http=warn"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
    let cli = yardstick::cli::Cli::parse();
    let code = match yardstick::cli::run(cli) {
        Ok(code) => code,
        Err(e) => {
            let _ = writeln!(std::io::stderr(), "error: {e:#}");
            ExitCode::FAILURE
        }
    };
    // For the benchmark harness, which runs this binary as a child process.
    yardstick::bench::report_peak_rss();
    code
}
