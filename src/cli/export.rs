//! `yardstick export`: one dashboard written to files, every panel as CSV,
//! SVG or PNG, or the whole dashboard as one XLSX workbook.
//!
//! The dashboard is computed exactly as the server computes its page (the
//! same `dashboard::compute`, the same dashboards through
//! `load_dashboards`), so an exported figure is the figure on the screen.

use std::io::{self, Write};
use std::path::PathBuf;

use anyhow::Context;
use clap::ValueEnum;

use super::{load_dashboards, report::Span, Global};
use crate::store::Store;

#[derive(Debug, clap::Args)]
pub struct ExportArgs {
    /// The dashboard's name (its file name without .toml).
    #[arg(long)]
    pub dashboard: String,
    #[command(flatten)]
    pub span: Span,
    /// Only the workflows of this team.
    #[arg(long)]
    pub team: Option<String>,
    /// Only this workflow.
    #[arg(long)]
    pub workflow: Option<String>,
    /// Also the headline money in this reporting currency (ISO 4217), each
    /// run at the latest rate of `ingest fx` dated on or before its anchor;
    /// the XLSX's Method sheet then shows the conversion.
    #[arg(long, env = "YARDSTICK_CURRENCY")]
    pub currency: Option<String>,
    /// The by-segment panels' key (attributes.KEY or version), as the
    /// page's `by`.
    #[arg(long)]
    pub by: Option<String>,
    /// Only the runs of a segment (attributes.KEY=VALUE or version=V), as
    /// the page's `segment`: the panels that read runs are narrowed.
    #[arg(long)]
    pub segment: Option<String>,
    /// What to write.
    #[arg(long, value_enum)]
    pub format: ExportFormat,
    /// Folder to write to (created if missing).
    #[arg(long)]
    pub out: PathBuf,
    /// Folder of dashboard files (*.toml); default: ./dashboards when it exists, else the built-in ones.
    #[arg(long)]
    pub dashboards: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum ExportFormat {
    Csv,
    Svg,
    Png,
    Xlsx,
}

/// Runs `export` on the --db file, or through the server that holds it.
pub fn run(global: &Global, args: &ExportArgs) -> anyhow::Result<()> {
    if let Some(remote) = global.remote()? {
        return fetch_files(&remote, args);
    }
    let store = global.open_store()?;
    write_files(&store, args)
}

/// [`write_files`] through a server: the workbook
/// (`/dashboards/{name}.xlsx`) or each panel's file
/// (`/dashboards/{name}/panels/{id}.{ext}`), under the names the command
/// gives them, for the panels of the dashboard as this command finds it
/// (the server serves its own `serve --dashboards`).
fn fetch_files(remote: &super::remote::Remote, args: &ExportArgs) -> anyhow::Result<()> {
    if args.dashboards.is_some() {
        anyhow::bail!(
            "--dashboards: {} serves its own dashboards (`serve --dashboards`); leave it out",
            remote.via
        );
    }
    let all = load_dashboards(None)?;
    let d = all
        .iter()
        .find(|d| d.name == args.dashboard)
        .with_context(|| format!("no dashboard `{}`", args.dashboard))?;
    let mut q = Vec::new();
    for (k, v) in [
        ("from", &args.span.from),
        ("to", &args.span.to),
        ("team", &args.team),
        ("workflow", &args.workflow),
        ("currency", &args.currency),
        ("by", &args.by),
        ("segment", &args.segment),
    ] {
        super::remote::opt(&mut q, k, v);
    }
    let files: Vec<(String, String)> = match args.format {
        ExportFormat::Xlsx => vec![(
            format!("/dashboards/{}.xlsx", d.name),
            format!("{}.xlsx", d.name),
        )],
        f => {
            let ext = match f {
                ExportFormat::Csv => "csv",
                ExportFormat::Svg => "svg",
                _ => "png",
            };
            d.panels
                .iter()
                .map(|p| {
                    (
                        format!("/dashboards/{}/panels/{}.{ext}", d.name, p.id),
                        format!("{}-{}.{ext}", d.name, p.id),
                    )
                })
                .collect()
        }
    };
    // Every file is fetched before any is written: a failure leaves no half export.
    let mut fetched = Vec::new();
    for (route, name) in files {
        fetched.push((name, remote.get(&route, &q)?.body));
    }
    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("cannot create {}", args.out.display()))?;
    let mut o = io::stdout().lock();
    for (name, bytes) in fetched {
        let path = args.out.join(&name);
        std::fs::write(&path, bytes).with_context(|| format!("cannot write {}", path.display()))?;
        writeln!(o, "wrote {}", path.display())?;
    }
    Ok(())
}

/// Writes the export files of one dashboard into `args.out` and names them.
fn write_files(store: &Store, args: &ExportArgs) -> anyhow::Result<()> {
    use crate::dashboard::{self, chart, export, Filters};
    let all = load_dashboards(args.dashboards.as_deref())?;
    let d = all
        .iter()
        .find(|d| d.name == args.dashboard)
        .with_context(|| {
            format!(
                "no dashboard `{}`; the dashboards are: {}",
                args.dashboard,
                all.iter()
                    .map(|d| d.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        })?;
    let filters = Filters {
        from: args.span.from.clone(),
        to: args.span.to.clone(),
        team: args.team.clone(),
        workflow: args.workflow.clone(),
        currency: args.currency.clone(),
        by: args.by.clone(),
        segment: args.segment.clone(),
        ..Filters::default()
    };
    let c = dashboard::compute(store, d, filters, None)?;
    let scope = c
        .scope
        .as_ref()
        .context("no runs are stored yet: there is nothing to export")?;
    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("cannot create {}", args.out.display()))?;
    let mut written = Vec::new();
    let mut write = |name: String, bytes: &[u8]| -> anyhow::Result<()> {
        let path = args.out.join(&name);
        std::fs::write(&path, bytes).with_context(|| format!("cannot write {}", path.display()))?;
        written.push(path);
        Ok(())
    };
    if args.format == ExportFormat::Xlsx {
        write(format!("{}.xlsx", d.name), &export::xlsx(&c)?)?;
    } else {
        for (panel, t) in c.panels() {
            let name = format!("{}-{}", d.name, panel.id);
            let chart = export::chart_of(panel, t, export::caption(scope, t.n));
            let (w, h) = export::chart_size(&chart);
            match args.format {
                ExportFormat::Csv => write(format!("{name}.csv"), &export::csv(t)?)?,
                ExportFormat::Svg => {
                    write(format!("{name}.svg"), chart::svg(&chart, w, h)?.as_bytes())?
                }
                ExportFormat::Png => write(format!("{name}.png"), &chart::png(&chart, w, h)?)?,
                ExportFormat::Xlsx => unreachable!("handled above"),
            }
        }
    }
    let mut o = io::stdout().lock();
    for p in &written {
        writeln!(o, "wrote {}", p.display())?;
    }
    Ok(())
}
