//! How a command fails, and the exit status each failure gives.
//!
//! The exit statuses are part of the command line's contract (scripts and
//! the ingest's documentation rely on them): 0 when the command did its work,
//! 1 when it failed or `ingest --strict` refused a batch, 2 when the command
//! line or its input could not be used and nothing was done. Clap itself
//! exits 2 on an argument it cannot parse. Commands return a [`CliError`]
//! and [`exit_code`] alone turns it into a status and a message, so the
//! mapping is written once.

use std::io::Write;
use std::process::ExitCode;

/// Why a command did not succeed.
#[derive(Debug)]
pub enum CliError {
    /// The command line or its input could not be used, so nothing was
    /// done (an unreadable or unknown file, a missing option that only the
    /// command can tell is missing): `error: MESSAGE`, exit 2.
    Usage(String),
    /// The input was read and `ingest --strict` refused the batch: its
    /// report, already printed, says why. Exit 1 with nothing more.
    Refused,
    /// Anything else went wrong: `error: ` and the error with its causes,
    /// exit 1.
    Failed(anyhow::Error),
}

impl From<anyhow::Error> for CliError {
    fn from(e: anyhow::Error) -> CliError {
        CliError::Failed(e)
    }
}

/// The exit status of a command's outcome, with its error message printed
/// on standard error: the one place failures become statuses.
pub fn exit_code(outcome: Result<(), CliError>) -> ExitCode {
    let (code, message) = match outcome {
        Ok(()) => return ExitCode::SUCCESS,
        Err(CliError::Usage(m)) => (2, Some(m)),
        Err(CliError::Refused) => (1, None),
        Err(CliError::Failed(e)) => (1, Some(format!("{e:#}"))),
    };
    if let Some(m) = message {
        let _ = writeln!(std::io::stderr(), "error: {m}");
    }
    ExitCode::from(code)
}
