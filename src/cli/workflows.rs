//! `yardstick workflows`: the workflow catalogue with its evidence counts,
//! as it stands or as it stood at a moment (the assumptions ledger).
//!
//! The table is for reading at a terminal, one workflow a line; --json is
//! for scripts.

use std::io::{self, Write};

use super::Global;

#[derive(Debug, clap::Args)]
pub struct WorkflowsArgs {
    /// The catalogue as it stood at this date or timestamp (its assumptions ledger).
    #[arg(long)]
    pub as_of: Option<String>,
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
}

/// Runs `workflows` on the --db file, or through the server that holds it
/// (`GET /api/v1/workflows`): the table is drawn from the same JSON either way.
pub fn run(global: &Global, args: WorkflowsArgs) -> anyhow::Result<()> {
    let listed = match global.remote()? {
        Some(remote) => {
            let mut q = Vec::new();
            super::remote::opt(&mut q, "as_of", &args.as_of);
            remote.get("/api/v1/workflows", &q)?.json()?
        }
        None => {
            let store = global.open_store()?;
            let wfs = store.workflows(crate::report::parse_as_of(args.as_of.as_deref())?)?;
            serde_json::json!({ "workflows": wfs })
        }
    };
    let mut out = io::stdout().lock();
    if args.json {
        serde_json::to_writer_pretty(&mut out, &listed)?;
        writeln!(out)?;
        return Ok(());
    }
    let empty = Vec::new();
    for w in listed["workflows"].as_array().unwrap_or(&empty) {
        let text = |k: &str| w[k].as_str().unwrap_or("—").to_string();
        writeln!(
            out,
            "{:<28} {:<10} {:<18} go-live {:<20} runs {:>8}  observations {:>4}",
            text("workflow_id"),
            text("category"),
            text("owner"),
            text("automated_since"),
            w["runs"].as_i64().unwrap_or(0),
            w["baseline_observations"].as_i64().unwrap_or(0)
        )?;
    }
    Ok(())
}
