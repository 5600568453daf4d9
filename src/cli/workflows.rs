//! `yardstick workflows`: the workflow catalogue with its evidence counts,
//! as it stands or as it stood at a moment (the assumptions ledger).
//!
//! The table is for reading at a terminal, one workflow a line; --json is
//! for scripts.

use std::io::{self, Write};

use super::Global;
use crate::model::format_timestamp;

#[derive(Debug, clap::Args)]
pub struct WorkflowsArgs {
    /// The catalogue as it stood at this date or timestamp (its assumptions ledger).
    #[arg(long)]
    pub as_of: Option<String>,
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
}

/// Runs `workflows` on the --db file.
pub fn run(global: &Global, args: WorkflowsArgs) -> anyhow::Result<()> {
    let store = global.open_store()?;
    let wfs = store.workflows(crate::report::parse_as_of(args.as_of.as_deref())?)?;
    let mut out = io::stdout().lock();
    if args.json {
        serde_json::to_writer_pretty(&mut out, &serde_json::json!({ "workflows": wfs }))?;
        writeln!(out)?;
        return Ok(());
    }
    for w in wfs {
        writeln!(
            out,
            "{:<28} {:<10} {:<18} go-live {:<20} runs {:>8}  observations {:>4}",
            w.workflow.workflow_id,
            w.workflow.category,
            w.workflow.owner,
            w.workflow
                .automated_since
                .map(format_timestamp)
                .unwrap_or_else(|| "—".into()),
            w.runs,
            w.baseline_observations
        )?;
    }
    Ok(())
}
