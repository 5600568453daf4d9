//! `yardstick demo`: the committed demo company, loaded into a fresh DuckDB
//! file and served in open mode on a loopback address.
//!
//! The company's three CSV files are built into the binary, so the demo
//! works from any folder, and they go through the ordinary ingest path with
//! --strict, so a fixture that no longer validates fails loudly.
//! [`load_demo`] is also how the tests and the benchmark's service section
//! get the demo's database.

use std::io;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use anyhow::Context;

use super::serve::{load_dashboards, serve};
use crate::http::{auth::Access, AppState};
use crate::ingest::{Format, Input, Options};
use crate::model::Kind;
use crate::store::Store;

#[derive(Debug, clap::Args)]
pub struct DemoArgs {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub addr: SocketAddr,
    /// The demo's database file; it is replaced on every start.
    #[arg(long, default_value = "yardstick-demo.duckdb")]
    pub file: PathBuf,
    /// Folder of dashboard files (*.toml); default: ./dashboards when it exists, else the built-in ones.
    #[arg(long)]
    pub dashboards: Option<PathBuf>,
}

/// Runs `demo` until Ctrl-C.
pub fn run(args: DemoArgs) -> anyhow::Result<()> {
    let DemoArgs {
        addr,
        file,
        dashboards,
    } = args;
    if !addr.ip().is_loopback() {
        anyhow::bail!(
            "demo serves without tokens, so only on a loopback address (127.0.0.1 or ::1), not {addr}"
        );
    }
    let dashboards = load_dashboards(dashboards.as_deref())?;
    let store = load_demo(&file)?;
    let state = AppState::with_dashboards(store, dashboards, Access::Open);
    serve(
        state,
        addr,
        &file,
        None,
        &format!(
            "demo company loaded into {}; open mode: no tokens needed, loopback only",
            file.display()
        ),
    )
}

/// The committed demo company, built into the binary so `demo` works anywhere.
const DEMO_WORKFLOWS: &[u8] = include_bytes!("../../fixtures/demo/workflows.csv");
const DEMO_BASELINES: &[u8] = include_bytes!("../../fixtures/demo/baselines.csv");
const DEMO_RUNS: &[u8] = include_bytes!("../../fixtures/demo/runs.csv");
/// The demo company's stated exchange rates into EUR: illustrative, not
/// market quotes (written by hand, not by the generator).
const DEMO_FX: &[u8] = include_bytes!("../../fixtures/demo/fx.csv");

/// Replaces `file` with a database holding the demo company, through the ordinary ingest path.
pub fn load_demo(file: &Path) -> anyhow::Result<Store> {
    for p in [
        file.to_path_buf(),
        PathBuf::from(format!("{}.wal", file.display())),
    ] {
        match std::fs::remove_file(&p) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(e).with_context(|| format!("cannot replace {}", p.display())),
        }
    }
    let store = Store::open_limited(file, None)?;
    for (kind, origin, bytes) in [
        (
            Kind::Workflows,
            "fixtures/demo/workflows.csv",
            DEMO_WORKFLOWS,
        ),
        (
            Kind::Baselines,
            "fixtures/demo/baselines.csv",
            DEMO_BASELINES,
        ),
        (Kind::Runs, "fixtures/demo/runs.csv", DEMO_RUNS),
        (Kind::Fx, "fixtures/demo/fx.csv", DEMO_FX),
    ] {
        let input = Input {
            kind,
            format: Format::Csv,
            origin,
            bytes,
        };
        let r = crate::ingest::ingest(&store, &input, Options { strict: true })
            .with_context(|| format!("loading {origin}"))?;
        anyhow::ensure!(
            r.stored,
            "the demo fixture {origin} has rejected rows: {:?}",
            r.rejects
        );
    }
    Ok(store)
}
