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

/// Runs `rejects` on the --db file, or through the server that holds it
/// (`GET /api/v1/rejects`, an admin's): the lines are drawn from the same
/// JSON either way.
pub fn run(global: &Global, args: RejectsArgs) -> anyhow::Result<()> {
    let listed = match global.remote()? {
        Some(remote) => {
            let mut q = vec![("limit", args.limit.to_string())];
            super::remote::opt(&mut q, "batch", &args.batch.map(|b| b.to_string()));
            remote.get("/api/v1/rejects", &q)?.json()?
        }
        None => {
            let store = global.open_store()?;
            serde_json::json!({ "rejects": store.rejects(args.batch, args.limit)? })
        }
    };
    let mut out = io::stdout().lock();
    let empty = Vec::new();
    let rejects = listed["rejects"].as_array().unwrap_or(&empty);
    if args.json {
        serde_json::to_writer_pretty(&mut out, &listed)?;
        writeln!(out)?;
    } else if rejects.is_empty() {
        writeln!(out, "no rejected rows")?;
    } else {
        for r in rejects {
            let text = |k: &str| r[k].as_str().map(str::to_string);
            writeln!(
                out,
                "batch {} {} {} line {}{}: {}{}",
                r["batch_id"],
                text("kind").unwrap_or_default(),
                text("origin").unwrap_or_default(),
                r["line"],
                text("key").map(|k| format!(" ({k})")).unwrap_or_default(),
                text("field").map(|f| format!("{f}: ")).unwrap_or_default(),
                text("reason").unwrap_or_default()
            )?;
        }
    }
    Ok(())
}
