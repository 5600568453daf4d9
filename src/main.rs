//! The `yardstick` binary: parses the command line, sets up logging, and
//! hands over to `yardstick::cli`.

use std::process::ExitCode;

use clap::Parser;
use tracing_subscriber::EnvFilter;

fn main() -> ExitCode {
    let cli = yardstick::cli::Cli::parse();
    let filter = EnvFilter::try_from_env("YARDSTICK_LOG")
        .unwrap_or_else(|_| EnvFilter::new("yardstick=info,tower_http=warn"));
    // Colours only on a terminal: a log sent to a file or a collector gets
    // plain text, not escape codes; NO_COLOR (no-color.org) turns them off.
    let colour = std::io::IsTerminal::is_terminal(&std::io::stderr())
        && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(colour)
        .init();
    // A failure prints its message and gives the exit status the command
    // line documents (cli::exit_code).
    yardstick::cli::exit_code(yardstick::cli::run(cli))
}
