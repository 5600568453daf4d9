//! `yardstick serve`: the HTTP API and the dashboards over the --db file, or
//! with `--engine duckdb-lake|spark` their reports from the lake.
//!
//! What the server is given is decided here, from the command line: the
//! dashboards, tokens or open access (open only on a loopback address) and
//! the largest request body; `crate::http` does the serving. [`serve`] runs
//! a server on its own tokio runtime until Ctrl-C, for `serve` and for
//! `demo`, and [`load_dashboards`] finds the dashboards for them and for
//! `export`, so all three draw the same ones.

use std::io::{self, Write};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use anyhow::Context;

use super::Global;
use crate::http::{self, auth::Access, AppState};
use crate::store::Store;

#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub addr: SocketAddr,
    /// Largest request body in MiB.
    #[arg(long, default_value_t = http::DEFAULT_MAX_BODY_BYTES / (1024 * 1024))]
    pub max_body_mb: usize,
    /// Folder of dashboard files (*.toml); default: ./dashboards when it exists, else the built-in ones.
    #[arg(long)]
    pub dashboards: Option<PathBuf>,
    /// Serve without tokens (only on a loopback address).
    #[arg(long)]
    pub open: bool,
    /// Post each new regression of `report alerts` once to this URL, as JSON
    /// a Slack or Teams incoming webhook accepts (`text`, and the evidence
    /// under `yardstick`), within seconds of the write that reveals it.
    #[arg(long, env = "YARDSTICK_ALERT_WEBHOOK")]
    pub alert_webhook: Option<String>,
    /// How often, in seconds, the server looks for a write since its last
    /// look (and then checks for regressions).
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub alert_check_secs: u64,
}

/// Runs `serve` until Ctrl-C.
pub fn run(global: &Global, args: ServeArgs) -> anyhow::Result<()> {
    let mut state = state(global.open_file()?, &args)?;
    let mut what = format!("serving {}", global.db.display());
    if let Some((lake, source)) = global.follow_lake()? {
        lake.watch(LAKE_WATCH)
            .context("cannot start watching the lake")?;
        what = format!(
            "serving reports and dashboards from {source} (snapshot {}; tokens, batches and rejects from {}; ingest refused)",
            lake.snapshot(),
            global.db.display()
        );
        state = state.from_lake(lake, source);
    }
    let mode = if args.open {
        "open mode: no tokens needed, loopback only"
    } else {
        "tokens required (yardstick token create --role viewer|ingester|admin --name NAME)"
    };
    let hook = args
        .alert_webhook
        .as_ref()
        .map(|url| crate::notify::Webhook {
            url: url.clone(),
            every: std::time::Duration::from_secs(args.alert_check_secs),
            page_base: None,
        });
    if let Some(h) = &hook {
        if !(h.url.starts_with("http://") || h.url.starts_with("https://")) {
            anyhow::bail!("--alert-webhook is not an http:// or https:// URL");
        }
        what.push_str(&format!("; regressions posted to {}", h.shown()));
    }
    serve(
        state,
        args.addr,
        &global.db,
        hook,
        &format!("{what}; {mode}"),
    )
}

/// How often a server on a lake looks for a newer committed snapshot.
const LAKE_WATCH: std::time::Duration = std::time::Duration::from_secs(5);

/// The server's state: the store, the dashboards, the access mode and the
/// body limit. Refuses open access anywhere but on a loopback address.
fn state(store: Store, args: &ServeArgs) -> anyhow::Result<AppState> {
    let access = if args.open {
        Access::Open
    } else {
        Access::Tokens
    };
    let mut state =
        AppState::with_dashboards(store, load_dashboards(args.dashboards.as_deref())?, access);
    state.max_body_bytes = args.max_body_mb * 1024 * 1024;
    if args.open && !args.addr.ip().is_loopback() {
        anyhow::bail!(
            "--open serves without tokens, so only on a loopback address (127.0.0.1 or ::1), not {}",
            args.addr
        );
    }
    Ok(state)
}

/// The dashboards to serve or export: those of `dir`, else of ./dashboards
/// when it exists, else the built-in ones. A broken file is an error naming
/// its file, line and problem.
pub fn load_dashboards(dir: Option<&Path>) -> anyhow::Result<Vec<crate::dashboard::Dashboard>> {
    let local = Path::new("dashboards");
    let dir = dir.or_else(|| local.is_dir().then_some(local));
    crate::dashboard::spec::load(dir).map_err(|e| anyhow::anyhow!("dashboard file {e}"))
}

/// Serves `state` on `addr` until Ctrl-C, after printing `what` and the
/// address to open. While it serves, its address is recorded beside `db`
/// (see `remote`), so commands on the file run through it.
pub(super) fn serve(
    state: AppState,
    addr: SocketAddr,
    db: &Path,
    hook: Option<crate::notify::Webhook>,
    what: &str,
) -> anyhow::Result<()> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    rt.block_on(async {
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .with_context(|| format!("cannot listen on {addr}"))?;
        let local = listener.local_addr()?;
        // A client reaches a server listening on every interface through loopback.
        let mut reach = local;
        if reach.ip().is_unspecified() {
            reach.set_ip(if reach.is_ipv4() {
                std::net::Ipv4Addr::LOCALHOST.into()
            } else {
                std::net::Ipv6Addr::LOCALHOST.into()
            });
        }
        let open = state.access == crate::http::auth::Access::Open;
        let _recorded = super::remote::Recorded::write(db, &format!("http://{reach}"), open)?;
        if let Some(mut hook) = hook {
            hook.page_base = Some(format!("http://{reach}"));
            tokio::spawn(crate::notify::watch(
                state.engine.clone(),
                state.store.clone(),
                hook,
            ));
        }
        // The dashboards' default pages are computed in the background, so a
        // start serves at once and the first visitor finds them ready.
        state.cache.warm(state.dashboards.clone());
        let mut out = io::stdout().lock();
        writeln!(out, "{what}; open {}  (Ctrl-C stops)", http::url_for(local))?;
        drop(out);
        http::serve_on(state, listener).await?;
        Ok(())
    })
}
