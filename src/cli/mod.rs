//! The `yardstick` command line: argument definitions (their doc comments are
//! the help text) and one function per command.

pub mod demo;
mod error;
mod global;
pub mod ingest;
pub mod report;
pub mod serve;

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::{Parser, Subcommand, ValueEnum};

pub(crate) use demo::DEMO_WORKFLOWS;
pub use demo::{load_demo, DemoArgs};
pub use error::{exit_code, CliError};
pub use global::{EngineArg, Global};
pub use ingest::{EventLogArgs, FormatArg, IngestArgs, KindArg};
pub use report::{BaselineArg, OutFormat, PeriodArgs, ReportCommand, Span};
pub use serve::{load_dashboards, ServeArgs};

use crate::gen;
use crate::model::format_timestamp;
use crate::store::Store;

/// Yardstick measures what business automations give back: cycle time,
/// errors, escalations, response time, SLA compliance and reclaimed hours and
/// money, per workflow, from run logs and time studies.
#[derive(Debug, Parser)]
#[command(name = "yardstick", version)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Ingest a file of workflows (the catalogue), runs or baselines (time studies).
    ///
    /// Exit status: 0 when the batch was stored (also with rejected rows),
    /// 1 when --strict refused it, 2 when nothing could be read.
    Ingest(IngestArgs),
    /// Print a report.
    #[command(subcommand)]
    Report(ReportCommand),
    /// The lake: the store's tables as partitioned Parquet, for Spark.
    #[command(subcommand)]
    Lake(LakeCommand),
    /// List the workflow catalogue with its evidence counts.
    Workflows {
        /// The catalogue as it stood at this date or timestamp (its assumptions ledger).
        #[arg(long)]
        as_of: Option<String>,
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// List rejected rows with their line, field and reason.
    Rejects {
        /// Only this batch.
        #[arg(long)]
        batch: Option<i64>,
        /// At most this many rows.
        #[arg(long, default_value_t = 1000)]
        limit: u64,
        /// Print JSON instead of lines.
        #[arg(long)]
        json: bool,
    },
    /// Serve the HTTP API and the overview page.
    Serve(ServeArgs),
    /// Load the demo company into a fresh local DuckDB file and serve it.
    Demo(DemoArgs),
    /// API tokens: create (printed once, only its hash is stored), list, revoke.
    #[command(subcommand)]
    Token(TokenCommand),
    /// Export a dashboard: every panel as CSV, SVG or PNG files, or the whole
    /// dashboard as one XLSX workbook with a Method sheet.
    Export(ExportArgs),
    /// Write a generated company (workflows.csv, baselines.csv, runs.csv) to a folder.
    Generate {
        /// Folder to write to (created if missing).
        #[arg(long)]
        out: PathBuf,
        /// Number of runs.
        #[arg(long, default_value_t = gen::Spec::default().runs)]
        runs: u64,
        /// Number of workflows; the first 14 are the named demo company.
        #[arg(long, default_value_t = gen::Spec::default().workflows)]
        workflows: usize,
        /// Seed of the generator: the same seed gives the same files.
        #[arg(long, default_value_t = gen::Spec::default().seed)]
        seed: u64,
        /// Days the run logs span, from 2026-01-05.
        #[arg(long, default_value_t = gen::Spec::default().days)]
        days: i64,
        /// Formats of the run log: csv (runs.csv), ndjson (runs.ndjson),
        /// parquet (runs.parquet); several may be given, comma-separated.
        #[arg(long, value_delimiter = ',', default_value = "csv")]
        formats: Vec<GenFormat>,
        /// Also write steps.csv: three timed steps of every tenth finished run.
        #[arg(long)]
        steps: bool,
    },
    /// Measure ingest, reports, dashboards and HTTP at scale, side by side
    /// with DuckDB's own readers and a hand-written query (see benches/README.md).
    Bench(crate::bench::BenchArgs),
    /// One measured step of `bench`, run as a child process so that its peak
    /// memory is its own.
    #[command(hide = true)]
    BenchStep(crate::bench::StepArgs),
}

/// Formats `generate` writes the run log in.
#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum GenFormat {
    Csv,
    Ndjson,
    Parquet,
}

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Create a token and print it once.
    Create {
        /// viewer (dashboards, reports, exports), ingester (ingest only) or admin (everything).
        #[arg(long)]
        role: String,
        /// Who or what holds it, for the list.
        #[arg(long)]
        name: String,
    },
    /// List tokens (never their secrets).
    List,
    /// Revoke a token by its id (the 16 characters after `ys_`).
    Revoke { token_id: String },
}

#[derive(Debug, clap::Args)]
pub struct ExportArgs {
    /// The dashboard's name (its file name without .toml).
    #[arg(long)]
    pub dashboard: String,
    /// Start of the period, inclusive: a date (midnight UTC) or a timestamp (default: all runs).
    #[arg(long)]
    pub from: Option<String>,
    /// End of the period, exclusive (default: all runs).
    #[arg(long)]
    pub to: Option<String>,
    /// Only the workflows of this team.
    #[arg(long)]
    pub team: Option<String>,
    /// Only this workflow.
    #[arg(long)]
    pub workflow: Option<String>,
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

#[derive(Debug, Subcommand)]
pub enum LakeCommand {
    /// Write the --db file's tables to a new snapshot under --lake and commit
    /// it: readers see the previous snapshot until the new one is whole.
    Publish,
    /// Print the committed snapshot's manifest (name and rows per table).
    Show,
}

/// Runs the parsed command line.
pub fn run(cli: Cli) -> Result<(), CliError> {
    if let Command::Ingest(args) = &cli.command {
        return ingest::run(&cli.global, args);
    }
    Ok(run_others(cli)?)
}

/// The commands still to move to files of their own, which fail only as
/// anyhow errors (exit 1).
fn run_others(cli: Cli) -> anyhow::Result<()> {
    let g = &cli.global;
    match cli.command {
        Command::Lake(cmd) => {
            let root = g.lake_root()?;
            match cmd {
                LakeCommand::Publish => {
                    let store = g.open_file()?;
                    let manifest = store.publish_lake(root)?;
                    print_json(&serde_json::to_value(&manifest)?)?;
                }
                LakeCommand::Show => {
                    let manifest = root.current()?;
                    print_json(&serde_json::to_value(&manifest)?)?;
                }
            }
            Ok(())
        }
        Command::Bench(args) => {
            crate::bench::run(&args)?;
            Ok(())
        }
        Command::BenchStep(args) => {
            crate::bench::step(&args)?;
            Ok(())
        }
        Command::Ingest(_) => unreachable!("`run` runs ingest"),
        Command::Report(cmd) => report::run(g, cmd),
        Command::Workflows { json, as_of } => {
            let store = g.open_store()?;
            let wfs = store.workflows(crate::report::parse_as_of(as_of.as_deref())?)?;
            let mut out = io::stdout().lock();
            if json {
                serde_json::to_writer_pretty(&mut out, &serde_json::json!({ "workflows": wfs }))?;
                writeln!(out)?;
            } else {
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
            }
            Ok(())
        }
        Command::Rejects { batch, limit, json } => {
            let store = g.open_store()?;
            let rejects = store.rejects(batch, limit)?;
            let mut out = io::stdout().lock();
            if json {
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
        Command::Token(cmd) => {
            let store = g.open_store()?;
            match cmd {
                TokenCommand::Create { role, name } => {
                    let role: crate::auth::Role =
                        role.parse().map_err(|e: String| anyhow::anyhow!(e))?;
                    if name.trim().is_empty() {
                        anyhow::bail!("--name is empty: say who holds the token");
                    }
                    let token = store.token_create(name.trim(), role)?;
                    let mut o = io::stdout().lock();
                    writeln!(o, "{token}")?;
                    writeln!(
                        io::stderr(),
                        "a {} token for {}: shown this once, only its hash is stored",
                        role.as_str(),
                        name.trim()
                    )?;
                }
                TokenCommand::List => {
                    print_json(&serde_json::json!({ "tokens": store.tokens()? }))?
                }
                TokenCommand::Revoke { token_id } => {
                    if !store.token_revoke(&token_id)? {
                        anyhow::bail!("no live token `{token_id}`");
                    }
                    writeln!(io::stdout(), "revoked {token_id}")?;
                }
            }
            Ok(())
        }
        Command::Export(args) => {
            let store = g.open_store()?;
            cmd_export(&store, &args)
        }
        Command::Serve(args) => serve::run(g, args),
        Command::Demo(args) => demo::run(args),
        Command::Generate {
            out,
            runs,
            workflows,
            seed,
            days,
            formats,
            steps,
        } => {
            let spec = gen::Spec {
                seed,
                runs,
                workflows,
                days,
                ..gen::Spec::default()
            };
            let written = write_company_as(&out, spec, &formats, steps)?;
            let mut o = io::stdout().lock();
            writeln!(
                o,
                "wrote {} ({runs} runs) to {}",
                written.join(", "),
                out.display()
            )?;
            Ok(())
        }
    }
}

/// Writes the export files of one dashboard into `args.out` and names them.
fn cmd_export(store: &Store, args: &ExportArgs) -> anyhow::Result<()> {
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
        from: args.from.clone(),
        to: args.to.clone(),
        team: args.team.clone(),
        workflow: args.workflow.clone(),
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
            let chart = export::chart_of(panel, t, export::caption(&scope.period, t.n));
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

/// Prints a value as pretty JSON on standard output.
fn print_json(value: &impl serde::Serialize) -> anyhow::Result<()> {
    let mut out = io::stdout().lock();
    serde_json::to_writer_pretty(&mut out, value)?;
    writeln!(out)?;
    Ok(())
}

/// Writes the generated company's three CSV files into `dir`.
pub fn write_company(dir: &Path, spec: gen::Spec) -> anyhow::Result<()> {
    write_company_as(dir, spec, &[GenFormat::Csv], false).map(|_| ())
}

/// Writes the generated company into `dir`: the catalogue and time studies
/// as CSV, the run log in each of `formats`, and with `steps` a steps file.
/// Returns the names of the files written.
pub fn write_company_as(
    dir: &Path,
    spec: gen::Spec,
    formats: &[GenFormat],
    steps: bool,
) -> anyhow::Result<Vec<String>> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let company = gen::Company::new(spec);
    let create = |name: &str| -> anyhow::Result<io::BufWriter<std::fs::File>> {
        let p = dir.join(name);
        Ok(io::BufWriter::with_capacity(
            1 << 20,
            std::fs::File::create(&p).with_context(|| format!("cannot write {}", p.display()))?,
        ))
    };
    company.write_workflows(create("workflows.csv")?)?;
    company.write_baselines(create("baselines.csv")?)?;
    let mut written = vec!["workflows.csv".to_string(), "baselines.csv".to_string()];
    let mut steps_out = if steps {
        Some(create("steps.csv")?)
    } else {
        None
    };
    // Parquet is converted from the CSV, which is written first if not asked for.
    let csv_needed = formats.contains(&GenFormat::Csv) || formats.contains(&GenFormat::Parquet);
    if csv_needed {
        company.write_runs_as(
            create("runs.csv")?,
            gen::RunsFormat::Csv,
            steps_out.as_mut().map(|w| w as &mut dyn Write),
        )?;
        written.push("runs.csv".into());
        steps_out = None;
    }
    if formats.contains(&GenFormat::Ndjson) {
        company.write_runs_as(
            create("runs.ndjson")?,
            gen::RunsFormat::Ndjson,
            steps_out.as_mut().map(|w| w as &mut dyn Write),
        )?;
        written.push("runs.ndjson".into());
    }
    if steps {
        written.push("steps.csv".into());
    }
    if formats.contains(&GenFormat::Parquet) {
        crate::store::files::csv_to_parquet(&dir.join("runs.csv"), &dir.join("runs.parquet"))?;
        written.push("runs.parquet".into());
        if !formats.contains(&GenFormat::Csv) {
            std::fs::remove_file(dir.join("runs.csv"))?;
            written.retain(|n| n != "runs.csv");
        }
    }
    Ok(written)
}
