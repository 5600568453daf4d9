//! `yardstick pull PLATFORM --url … --token-env VAR`: run history fetched
//! from an automation platform's API into the --db file, from where the last
//! pull of the same source stopped (src/pull). Beside a server that holds
//! the file, the server pulls (`POST /api/v1/pull`, an ingester's) and the
//! command prints its report as it would its own.

use std::io::{self, Write};

use super::remote::Remote;
use super::{CliError, Global};
use crate::ingest::platform::Platform;
use crate::pull::{self, Pull, PullError, PullReport};

#[derive(Debug, clap::Args)]
pub struct PullArgs {
    /// n8n, zapier, power-automate, uipath or make.
    #[arg(value_parser = |s: &str| s.parse::<Platform>())]
    pub platform: Platform,
    /// The API's address: n8n's base URL (http://host:5678), Zapier's API
    /// (https://api.zapier.com), Make's zone (https://eu1.make.com),
    /// Orchestrator's URL, or the Power Automate / Logic Apps run list itself.
    #[arg(long)]
    pub url: String,
    /// The environment variable that holds the API key or token (never given
    /// on the command line, where other users of the machine could read it).
    #[arg(long)]
    pub token_env: String,
    /// A platform workflow to pull (repeatable): Make's scenario ids
    /// (required), n8n's workflow ids (default: every workflow).
    #[arg(long = "workflow")]
    pub workflows: Vec<String>,
    /// UiPath: the folder (organization unit id) whose jobs to list.
    #[arg(long)]
    pub folder: Option<String>,
    /// Runs per page asked of the API.
    #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u32).range(1..=5000))]
    pub page_size: u32,
    /// The time zone of timestamps without an offset (an IANA name; default UTC).
    #[arg(long, value_parser = |s: &str| crate::metrics::trend::parse_tz(s).map_err(|e| e.to_string()))]
    pub tz: Option<chrono_tz::Tz>,
    /// Store nothing if any run is rejected (the pull is then repeated whole).
    #[arg(long)]
    pub strict: bool,
    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
}

/// Runs `pull`: exit 0 when what was fetched was stored, 1 when --strict
/// refused it or the API failed, 2 for a usage error (no token, no map).
pub fn run(global: &Global, args: PullArgs) -> Result<(), CliError> {
    let token = std::env::var(&args.token_env).map_err(|_| {
        CliError::Usage(format!(
            "--token-env {}: the environment variable is not set (it holds the {} API key)",
            args.token_env,
            args.platform.as_str()
        ))
    })?;
    let p = Pull {
        platform: args.platform,
        url: args.url.clone(),
        token,
        workflows: args.workflows.clone(),
        folder: args.folder.clone(),
        page_size: args.page_size,
        tz: args.tz,
        strict: args.strict,
    };
    let report = match global.remote()? {
        Some(remote) => through(&remote, &p)?,
        None => {
            let store = global.open_store()?;
            let http = pull::Http::new().map_err(|e| CliError::Failed(e.into()))?;
            pull::pull(&store, &p, &http).map_err(|e| match e {
                PullError::Usage(m) => CliError::Usage(m),
                PullError::Ingest(crate::ingest::IngestError::Unreadable(m)) => {
                    CliError::Usage(m.0)
                }
                e => CliError::Failed(e.into()),
            })?
        }
    };
    print(&report, args.json)
}

/// The pull done by the server: its report, or its refusal with the exit
/// status the command gives on the file (2 for a pull that cannot be done).
fn through(remote: &Remote, p: &Pull) -> Result<PullReport, CliError> {
    let body = serde_json::json!({
        "platform": p.platform.as_str(),
        "url": p.url,
        "token": p.token,
        "workflows": p.workflows,
        "folder": p.folder,
        "page_size": p.page_size,
        "tz": p.tz.map(|t| t.name().to_string()),
        "strict": p.strict,
    });
    let bytes = serde_json::to_vec(&body).map_err(|e| CliError::Failed(e.into()))?;
    let a = remote.post("/api/v1/pull", &vec![], Some(("application/json", bytes)))?;
    match a.status {
        200 | 422 => serde_json::from_slice(&a.body).map_err(|e| {
            CliError::Failed(anyhow::anyhow!(
                "the server's pull report is unreadable: {e}"
            ))
        }),
        400 => Err(CliError::Usage(remote.failure(&a).to_string())),
        _ => Err(CliError::Failed(remote.failure(&a))),
    }
}

/// Prints the report as text or JSON; the exit status: 1 when --strict
/// refused the batch.
fn print(report: &PullReport, json: bool) -> Result<(), CliError> {
    let mut out = io::stdout().lock();
    if json {
        serde_json::to_writer_pretty(&mut out, report).map_err(|e| CliError::Failed(e.into()))?;
        writeln!(out).map_err(|e| CliError::Failed(e.into()))?;
    } else {
        let stored = match &report.ingest {
            Some(r) => format!(
                "batch {}: {} new or changed, {} unchanged, {} rejected",
                r.batch_id.map_or("none".into(), |b| b.to_string()),
                r.written,
                r.unchanged,
                r.rejected
            ),
            None => "nothing new".into(),
        };
        writeln!(
            out,
            "pulled {} run(s) in {} request(s) from {} ({} open or rejected run(s) read again); {stored}; {} run(s) still open or rejected, read again next pull",
            report.fetched, report.requests, report.source, report.reread, report.still_open
        )
        .map_err(|e| CliError::Failed(e.into()))?;
        if let Some(r) = &report.ingest {
            for rej in r.rejects.iter().take(20) {
                writeln!(
                    out,
                    "  rejected: {}{}",
                    rej.key
                        .as_deref()
                        .map(|k| format!("{k}: "))
                        .unwrap_or_default(),
                    rej.reason
                )
                .map_err(|e| CliError::Failed(e.into()))?;
            }
        }
    }
    match &report.ingest {
        Some(r) if !r.stored => Err(CliError::Refused),
        _ => Ok(()),
    }
}
