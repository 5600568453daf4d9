//! `yardstick rejects`: the rows an ingest refused, with their line, field
//! and reason, as the store keeps them (an ingest's own report lists only
//! the first thousand and points here for the rest).

use std::io::{self, Write};

use super::Global;

#[derive(Debug, clap::Args)]
pub struct RejectsArgs {
    /// Only this batch.
    #[arg(long)]
    pub batch: Option<i64>,
    /// At most this many rows.
    #[arg(long, default_value_t = 1000)]
    pub limit: u64,
    /// Print JSON instead of lines.
    #[arg(long)]
    pub json: bool,
}

/// Runs `rejects` on the --db file.
pub fn run(global: &Global, args: RejectsArgs) -> anyhow::Result<()> {
    let store = global.open_store()?;
    let rejects = store.rejects(args.batch, args.limit)?;
    let mut out = io::stdout().lock();
    if args.json {
        serde_json::to_writer_pretty(&mut out, &serde_json::json!({ "rejects": rejects }))?;
        writeln!(out)?;
    } else if rejects.is_empty() {
        writeln!(out, "no rejected rows")?;
    } else {
        for r in rejects {
            writeln!(
                out,
                "batch {} {} {} line {}{}: {}{}",
                r.batch_id,
                r.kind,
                r.origin,
                r.line,
                r.key.map(|k| format!(" ({k})")).unwrap_or_default(),
                r.field.map(|f| format!("{f}: ")).unwrap_or_default(),
                r.reason
            )?;
        }
    }
    Ok(())
}
