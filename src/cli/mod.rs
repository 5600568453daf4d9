//! The `yardstick` command line: argument definitions (their doc comments are
//! the help text) and one function per command.

use std::io::{self, Read, Write};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand, ValueEnum};

use crate::engine::spark::SparkEngine;
use crate::engine::Engine;
use crate::gen;
use crate::http::{self, AppState};
use crate::ingest::{self, Format, IngestError, Input, Options};
use crate::metrics::compare::BaselineChoice;
use crate::model::{format_timestamp, Kind};
use crate::report;
use crate::store::Store;

/// Yardstick measures what business automations give back: cycle time,
/// errors, escalations, response time, SLA compliance and reclaimed hours and
/// money, per workflow, from run logs and time studies.
#[derive(Debug, Parser)]
#[command(name = "yardstick", version)]
pub struct Cli {
    /// The DuckDB database file.
    #[arg(
        long,
        global = true,
        env = "YARDSTICK_DB",
        default_value = "yardstick.duckdb"
    )]
    pub db: PathBuf,
    /// DuckDB's memory limit, e.g. 1GB or 512MB (default: 80% of the
    /// machine's memory). Past it DuckDB spills to a temporary file instead of
    /// growing: set it to bound the memory of a large ingest.
    #[arg(long, global = true, env = "YARDSTICK_MEMORY_LIMIT", value_parser = memory_size)]
    pub memory_limit: Option<String>,
    /// The engine that runs the metric queries of `report metrics`, `compare`,
    /// `trend`, `summary`, `portfolio` and `alerts`: duckdb (the --db file),
    /// duckdb-lake (DuckDB reading the lake at --lake) or spark (Spark Connect
    /// at --spark-url, reading the lake at --lake).
    #[arg(
        long,
        global = true,
        env = "YARDSTICK_ENGINE",
        value_enum,
        default_value = "duckdb"
    )]
    pub engine: EngineArg,
    /// The Spark Connect server of --engine spark.
    #[arg(
        long,
        global = true,
        env = "YARDSTICK_SPARK_URL",
        default_value = "sc://127.0.0.1:15002"
    )]
    pub spark_url: String,
    /// The lake's root: a directory, or s3://BUCKET/PREFIX on S3 or an
    /// S3-compatible store (credentials and endpoint from the AWS_*
    /// variables). `lake publish` writes it; --engine spark and duckdb-lake
    /// read it.
    #[arg(long, global = true, env = "YARDSTICK_LAKE")]
    pub lake: Option<String>,
    /// The lake's root as the Spark cluster names it, when that differs from
    /// --lake: another mount point of a shared directory, or s3:// on a
    /// cluster whose S3 connector is not s3a (default: --lake, with s3:// read
    /// as s3a://).
    #[arg(long, global = true, env = "YARDSTICK_SPARK_LAKE")]
    pub spark_lake: Option<String>,
    #[command(subcommand)]
    pub command: Command,
}

/// Which engine runs the metric queries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum EngineArg {
    /// The embedded DuckDB file (--db).
    Duckdb,
    /// DuckDB reading the lake (--lake) instead of the file: one node reads
    /// what the cluster reads.
    DuckdbLake,
    /// Apache Spark through Spark Connect, over the lake (--lake).
    Spark,
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
    Demo {
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1:8080")]
        addr: SocketAddr,
        /// The demo's database file; it is replaced on every start.
        #[arg(long, default_value = "yardstick-demo.duckdb")]
        file: PathBuf,
        /// Folder of dashboard files (*.toml); default: ./dashboards when it exists, else the built-in ones.
        #[arg(long)]
        dashboards: Option<PathBuf>,
    },
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

#[derive(Debug, clap::Args)]
pub struct IngestArgs {
    /// What the file holds.
    #[arg(value_enum)]
    pub kind: KindArg,
    /// The file to read, or `-` for standard input.
    pub file: String,
    /// The format; by default taken from the extension (.csv, .ndjson/.jsonl, .json,
    /// and for runs .parquet).
    #[arg(long, value_enum)]
    pub format: Option<FormatArg>,
    /// Store nothing and exit 1 if any row is rejected.
    #[arg(long)]
    pub strict: bool,
    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub log: EventLogArgs,
    /// runs: the file is an automation platform's run export (n8n, zapier,
    /// power-automate, uipath); needs --workflow-map.
    #[arg(long)]
    pub platform: Option<String>,
    /// runs with --platform: CSV `platform_workflow,workflow_id` mapping each
    /// platform workflow onto a catalogued workflow.
    #[arg(long)]
    pub workflow_map: Option<PathBuf>,
}

/// How an event log (`ingest eventlog`) becomes runs; ignored for other kinds.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct EventLogArgs {
    /// eventlog: the catalogued workflow whose runs the cases are.
    #[arg(long)]
    pub workflow: Option<String>,
    /// eventlog: the source name of the runs (default: the file name).
    #[arg(long)]
    pub source: Option<String>,
    /// eventlog (CSV): the case id column.
    #[arg(long, default_value = "case:concept:name")]
    pub case_column: String,
    /// eventlog (CSV): the activity column.
    #[arg(long, default_value = "concept:name")]
    pub activity_column: String,
    /// eventlog (CSV): the timestamp column.
    #[arg(long, default_value = "time:timestamp")]
    pub timestamp_column: String,
    /// eventlog (CSV): the lifecycle column (start/complete).
    #[arg(long, default_value = "lifecycle:transition")]
    pub lifecycle_column: String,
    /// eventlog (CSV): the resource column.
    #[arg(long, default_value = "org:resource")]
    pub resource_column: String,
    /// eventlog: a case with an activity matching this pattern (`*`, `?`; repeatable) failed.
    #[arg(long)]
    pub failed_activity: Vec<String>,
    /// eventlog: a case with a matching activity was escalated.
    #[arg(long)]
    pub escalated_activity: Vec<String>,
    /// eventlog: a case with a matching activity was cancelled.
    #[arg(long)]
    pub cancelled_activity: Vec<String>,
    /// eventlog: the first matching event is the case's first response.
    #[arg(long)]
    pub response_activity: Vec<String>,
    /// eventlog: resources whose steps count as human effort (default: all).
    #[arg(long)]
    pub human_resource: Vec<String>,
}

impl EventLogArgs {
    /// The options of an event-log import.
    pub fn options(
        &self,
        default_source: &str,
    ) -> anyhow::Result<crate::ingest::eventlog::LogOptions> {
        use crate::ingest::eventlog::{Columns, LogOptions, Pattern};
        let workflow = self.workflow.as_deref().context(
            "an event log needs --workflow ID: the catalogued workflow its cases belong to",
        )?;
        let pats = |v: &[String]| v.iter().map(|p| Pattern::new(p)).collect::<Vec<_>>();
        Ok(LogOptions {
            workflow_id: workflow.to_string(),
            source: self
                .source
                .clone()
                .unwrap_or_else(|| default_source.to_string()),
            columns: Columns {
                case: self.case_column.clone(),
                activity: self.activity_column.clone(),
                timestamp: self.timestamp_column.clone(),
                lifecycle: self.lifecycle_column.clone(),
                resource: self.resource_column.clone(),
            },
            failed: pats(&self.failed_activity),
            escalated: pats(&self.escalated_activity),
            cancelled: pats(&self.cancelled_activity),
            response: pats(&self.response_activity),
            human: pats(&self.human_resource),
        })
    }
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum KindArg {
    Workflows,
    Runs,
    Baselines,
    /// Timed steps of stored runs: source, run_id, step, started_at, finished_at, actor.
    Steps,
    /// A process-mining event log (.xes, .xes.gz, or CSV with XES column names): one run per case.
    Eventlog,
}

impl KindArg {
    fn kind(self) -> Option<Kind> {
        match self {
            KindArg::Workflows => Some(Kind::Workflows),
            KindArg::Runs => Some(Kind::Runs),
            KindArg::Baselines => Some(Kind::Baselines),
            KindArg::Steps => Some(Kind::Steps),
            KindArg::Eventlog => None,
        }
    }
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum FormatArg {
    Csv,
    Ndjson,
    Json,
    /// Runs only, from a file: read through DuckDB's Parquet reader.
    Parquet,
}

impl From<FormatArg> for Format {
    fn from(f: FormatArg) -> Format {
        match f {
            FormatArg::Csv => Format::Csv,
            FormatArg::Ndjson => Format::Ndjson,
            FormatArg::Json => Format::Json,
            // Parquet never reaches the text readers: `ingest` sends it to `ingest_parquet`.
            FormatArg::Parquet => Format::Csv,
        }
    }
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum OutFormat {
    Json,
    Csv,
}

/// A reporting period and the moment to report as of.
#[derive(Debug, clap::Args)]
pub struct PeriodArgs {
    /// Start of the period, inclusive: a date (midnight UTC) or a timestamp (default: all runs).
    #[arg(long)]
    pub from: Option<String>,
    /// End of the period, exclusive.
    #[arg(long)]
    pub to: Option<String>,
    /// Report as it stood at this moment: the catalogue version and the batches received by then.
    #[arg(long)]
    pub as_of: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum ReportCommand {
    /// The per-workflow metric table for a period [from, to).
    Metrics {
        #[command(flatten)]
        period: PeriodArgs,
        /// Only these workflows (repeat, or separate with commas).
        #[arg(long = "workflow")]
        workflows: Vec<String>,
        /// Output format.
        #[arg(long, value_enum, default_value = "json")]
        format: OutFormat,
    },
    /// Step timings of one workflow: per step n, work, the wait before it, and
    /// their shares of cycle time; the bottleneck is the step with the largest wait share.
    Steps {
        /// The workflow.
        #[arg(long)]
        workflow: String,
        /// Start of the period, inclusive (default: all runs).
        #[arg(long)]
        from: Option<String>,
        /// End of the period, exclusive (default: all runs).
        #[arg(long)]
        to: Option<String>,
        /// Output format.
        #[arg(long, value_enum, default_value = "json")]
        format: OutFormat,
    },
    /// What to automate next: observed, not automated workflows ranked by weekly manual hours.
    Backlog {
        /// Report as it stood at this moment: the catalogue version and the batches received by then.
        #[arg(long)]
        as_of: Option<String>,
    },
    /// Headline figures against the previous period of equal length, with intervals.
    Summary(PeriodArgs),
    /// The portfolio: totals by team, category and owner, and the headline with intervals.
    Portfolio(PeriodArgs),
    /// Regressions: each automated workflow's last complete week against its trailing 8 weeks.
    Alerts {
        /// The moment to look back from; by default the end of the last run's day.
        #[arg(long)]
        at: Option<String>,
        /// Time zone whose Monday midnight starts a week.
        #[arg(long, default_value = "UTC", env = "YARDSTICK_TZ")]
        tz: String,
    },
    /// The metric table per ISO week (Monday start) or calendar month, in a time zone.
    Trend {
        /// week or month.
        #[arg(long, default_value = "week")]
        granularity: String,
        /// Reporting time zone (IANA name): periods start at its local midnight, and bare
        /// --from/--to dates mean local midnight too.
        #[arg(long, default_value = "UTC", env = "YARDSTICK_TZ")]
        tz: String,
        /// The span, widened to whole periods; bare dates are local midnight in --tz.
        #[command(flatten)]
        period: PeriodArgs,
        /// Only these workflows (repeat, or separate with commas).
        #[arg(long = "workflow")]
        workflows: Vec<String>,
        /// Output format.
        #[arg(long, value_enum, default_value = "json")]
        format: OutFormat,
    },
    /// Before/after comparison with 95% bootstrap intervals, per workflow.
    ///
    /// The before side is the time study, the runs before go-live, or both;
    /// the after side is the runs from go-live (or --from) until --to.
    Compare {
        /// Workflows to compare (repeat, or separate with commas); all automated ones by default.
        #[arg(long = "workflow")]
        workflows: Vec<String>,
        /// Start of the after side (never before go-live).
        #[arg(long)]
        from: Option<String>,
        /// End of the after side, exclusive; by default the day after the last run.
        #[arg(long)]
        to: Option<String>,
        /// The before side: study, pre-runs or both (default: study when it has observations).
        #[arg(long, value_enum)]
        baseline: Option<BaselineArg>,
        /// Seed of the bootstrap; the same data and seed give the same intervals.
        #[arg(long)]
        seed: Option<u64>,
        /// Bootstrap resamples (100 to 100,000).
        #[arg(long)]
        resamples: Option<usize>,
        /// Report as it stood at this moment: the catalogue version and the batches received by then.
        #[arg(long)]
        as_of: Option<String>,
        /// Output format.
        #[arg(long, value_enum, default_value = "json")]
        format: OutFormat,
    },
}

#[derive(Debug, Subcommand)]
pub enum LakeCommand {
    /// Write the --db file's tables to a new snapshot under --lake and commit
    /// it: readers see the previous snapshot until the new one is whole.
    Publish,
    /// Print the committed snapshot's manifest (name and rows per table).
    Show,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum BaselineArg {
    Study,
    PreRuns,
    Both,
}

impl From<BaselineArg> for BaselineChoice {
    fn from(b: BaselineArg) -> BaselineChoice {
        match b {
            BaselineArg::Study => BaselineChoice::Study,
            BaselineArg::PreRuns => BaselineChoice::PreRuns,
            BaselineArg::Both => BaselineChoice::Both,
        }
    }
}

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
}

/// The dashboards to serve or export: those of `dir`, else of ./dashboards
/// when it exists, else the built-in ones. A broken file is an error naming
/// its file, line and problem.
pub fn load_dashboards(dir: Option<&Path>) -> anyhow::Result<Vec<crate::dashboard::Dashboard>> {
    let local = Path::new("dashboards");
    let dir = dir.or_else(|| local.is_dir().then_some(local));
    crate::dashboard::spec::load(dir).map_err(|e| anyhow::anyhow!("dashboard file {e}"))
}

/// Runs the parsed command line.
pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    // The database every command but `demo` (which writes its own file) opens.
    let open_store = || -> anyhow::Result<Store> {
        if cli.engine != EngineArg::Duckdb {
            anyhow::bail!(
                "--engine spark and duckdb-lake run `report metrics`, `compare`, `trend`, `summary`, `portfolio` \
                 and `alerts`; this command reads the --db file: leave --engine out"
            );
        }
        open(&cli.db, cli.memory_limit.as_deref())
    };
    // The engine of the reports that need only metric tables and evidence.
    let lake_root = || -> anyhow::Result<crate::lake::Root> {
        let text = cli.lake.as_deref().context(
            "give the lake's root with --lake DIR or --lake s3://BUCKET/PREFIX (or YARDSTICK_LAKE)",
        )?;
        Ok(crate::lake::Root::parse(text)?)
    };
    let open_engine = || -> anyhow::Result<Box<dyn Engine>> {
        Ok(match cli.engine {
            EngineArg::Duckdb => Box::new(open(&cli.db, cli.memory_limit.as_deref())?),
            EngineArg::DuckdbLake => Box::new(Store::open_lake(lake_root()?)?),
            EngineArg::Spark => Box::new(SparkEngine::connect_with(
                &cli.spark_url,
                lake_root()?,
                cli.spark_lake.as_deref(),
            )?),
        })
    };
    match cli.command {
        Command::Lake(cmd) => {
            let root = lake_root()?;
            match cmd {
                LakeCommand::Publish => {
                    let store = open(&cli.db, cli.memory_limit.as_deref())?;
                    let manifest = store.publish_lake(root)?;
                    print_json(&serde_json::to_value(&manifest)?)?;
                }
                LakeCommand::Show => {
                    let manifest = root.current()?;
                    print_json(&serde_json::to_value(&manifest)?)?;
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Bench(args) => {
            crate::bench::run(&args)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::BenchStep(args) => {
            crate::bench::step(&args)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Ingest(args) => {
            let store = open_store()?;
            cmd_ingest(&store, &args)
        }
        Command::Report(ReportCommand::Metrics {
            period: PeriodArgs { from, to, as_of },
            workflows,
            format,
        }) => {
            let store = open_engine()?;
            let store = store.as_ref();
            let period = report::resolve_period(store, from.as_deref(), to.as_deref())?.context(
                "no runs are stored yet, so there is no default period: give --from and --to",
            )?;
            let wf = report::split_workflow_filter(workflows.iter().map(String::as_str));
            let as_of = report::parse_as_of(as_of.as_deref())?;
            let table = report::metric_table_as_of(store, period, &wf, as_of)?;
            match format {
                OutFormat::Json => print_json(&table.to_json()?)?,
                OutFormat::Csv => io::stdout().lock().write_all(&table.to_csv()?)?,
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Report(ReportCommand::Compare {
            workflows,
            from,
            to,
            baseline,
            seed,
            resamples,
            format,
            as_of,
        }) => {
            let store = open_engine()?;
            let store = store.as_ref();
            let req = report::CompareRequest {
                as_of,
                workflows: report::split_workflow_filter(workflows.iter().map(String::as_str)),
                from,
                to,
                baseline: baseline.map(Into::into),
                seed,
                resamples,
            };
            let comparisons = report::compare(store, &req)?;
            match format {
                OutFormat::Json => print_json(&serde_json::json!({ "comparisons": comparisons }))?,
                OutFormat::Csv => io::stdout()
                    .lock()
                    .write_all(&report::comparisons_csv(&comparisons)?)?,
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Report(ReportCommand::Trend {
            granularity,
            tz,
            period: PeriodArgs { from, to, as_of },
            workflows,
            format,
        }) => {
            let store = open_engine()?;
            let store = store.as_ref();
            let g = granularity
                .parse()
                .map_err(|e: String| anyhow::anyhow!(e))?;
            let wf = report::split_workflow_filter(workflows.iter().map(String::as_str));
            let trend = report::trend(
                store,
                g,
                &tz,
                from.as_deref(),
                to.as_deref(),
                &wf,
                report::parse_as_of(as_of.as_deref())?,
            )?;
            match format {
                OutFormat::Json => print_json(&trend.to_json()?)?,
                OutFormat::Csv => io::stdout().lock().write_all(&trend.to_csv()?)?,
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Report(ReportCommand::Alerts { at, tz }) => {
            let store = open_engine()?;
            let store = store.as_ref();
            print_json(&report::alerts(store, at.as_deref(), &tz)?)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Report(ReportCommand::Portfolio(PeriodArgs { from, to, as_of })) => {
            let store = open_engine()?;
            let store = store.as_ref();
            let (period, p) = report::portfolio(
                store,
                from.as_deref(),
                to.as_deref(),
                report::parse_as_of(as_of.as_deref())?,
            )?;
            let mut body = serde_json::to_value(p)?;
            body["from"] = format_timestamp(period.from).into();
            body["to"] = format_timestamp(period.to).into();
            print_json(&body)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Report(ReportCommand::Summary(PeriodArgs { from, to, as_of })) => {
            let store = open_engine()?;
            let store = store.as_ref();
            print_json(&report::summary(
                store,
                from.as_deref(),
                to.as_deref(),
                report::parse_as_of(as_of.as_deref())?,
            )?)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Report(ReportCommand::Steps {
            workflow,
            from,
            to,
            format,
        }) => {
            let store = open_store()?;
            let (period, table) = report::steps(&store, &workflow, from.as_deref(), to.as_deref())?;
            match format {
                OutFormat::Json => print_json(&serde_json::json!({
                    "from": crate::model::format_timestamp(period.from),
                    "to": crate::model::format_timestamp(period.to),
                    "steps": table,
                }))?,
                OutFormat::Csv => io::stdout().lock().write_all(&table.to_csv())?,
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Report(ReportCommand::Backlog { as_of }) => {
            let store = open_store()?;
            print_json(&report::backlog(
                &store,
                report::parse_as_of(as_of.as_deref())?,
            )?)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Workflows { json, as_of } => {
            let store = open_store()?;
            let wfs = store.workflows(report::parse_as_of(as_of.as_deref())?)?;
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
            Ok(ExitCode::SUCCESS)
        }
        Command::Rejects { batch, limit, json } => {
            let store = open_store()?;
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
            Ok(ExitCode::SUCCESS)
        }
        Command::Token(cmd) => {
            let store = open_store()?;
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
            Ok(ExitCode::SUCCESS)
        }
        Command::Export(args) => {
            let store = open_store()?;
            cmd_export(&store, &args)
        }
        Command::Serve(args) => {
            let store = open_store()?;
            let mut state = AppState::with_dashboards(
                store,
                load_dashboards(args.dashboards.as_deref())?,
                if args.open {
                    crate::http::auth::Access::Open
                } else {
                    crate::http::auth::Access::Tokens
                },
            );
            state.max_body_bytes = args.max_body_mb * 1024 * 1024;
            if args.open && !args.addr.ip().is_loopback() {
                anyhow::bail!(
                    "--open serves without tokens, so only on a loopback address (127.0.0.1 or ::1), not {}",
                    args.addr
                );
            }
            let mode = if args.open {
                "open mode: no tokens needed, loopback only"
            } else {
                "tokens required (yardstick token create --role viewer|ingester|admin --name NAME)"
            };
            serve(
                state,
                args.addr,
                &format!("serving {}; {mode}", cli.db.display()),
            )?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Demo {
            addr,
            file,
            dashboards,
        } => {
            if !addr.ip().is_loopback() {
                anyhow::bail!(
                    "demo serves without tokens, so only on a loopback address (127.0.0.1 or ::1), not {addr}"
                );
            }
            let dashboards = load_dashboards(dashboards.as_deref())?;
            let store = load_demo(&file)?;
            let state =
                AppState::with_dashboards(store, dashboards, crate::http::auth::Access::Open);
            serve(
                state,
                addr,
                &format!(
                    "demo company loaded into {}; open mode: no tokens needed, loopback only",
                    file.display()
                ),
            )?;
            Ok(ExitCode::SUCCESS)
        }
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
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// Writes the export files of one dashboard into `args.out` and names them.
fn cmd_export(store: &Store, args: &ExportArgs) -> anyhow::Result<ExitCode> {
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
    Ok(ExitCode::SUCCESS)
}

/// Prints a value as pretty JSON on standard output.
fn print_json(value: &impl serde::Serialize) -> anyhow::Result<()> {
    let mut out = io::stdout().lock();
    serde_json::to_writer_pretty(&mut out, value)?;
    writeln!(out)?;
    Ok(())
}

/// A memory size as DuckDB reads it: a number and a unit (KB, MB, GB, TB,
/// or KiB, MiB, GiB, TiB), e.g. `512MB`.
fn memory_size(v: &str) -> Result<String, String> {
    let t = v.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (number, unit) = t.split_at(split);
    let units = ["KB", "MB", "GB", "TB", "KIB", "MIB", "GIB", "TIB"];
    match number.parse::<f64>() {
        Ok(n) if n > 0.0 && units.contains(&unit.trim().to_ascii_uppercase().as_str()) => {
            Ok(t.to_string())
        }
        _ => Err(format!(
            "`{v}` is not a memory size: give a number and a unit, e.g. 512MB or 2GB"
        )),
    }
}

fn open(path: &Path, memory_limit: Option<&str>) -> anyhow::Result<Store> {
    Ok(Store::open_limited(path, memory_limit)?)
}

/// A progress line on standard error (rows read, rows/s, elapsed) for an
/// import that takes longer than two seconds; silent when standard error is
/// not a terminal. Stops, and clears its line, when dropped.
struct ProgressLine {
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl ProgressLine {
    fn start() -> ProgressLine {
        use std::io::IsTerminal;
        use std::sync::atomic::{AtomicBool, Ordering};
        let stop = std::sync::Arc::new(AtomicBool::new(false));
        if !io::stderr().is_terminal() {
            return ProgressLine { stop, thread: None };
        }
        let flag = stop.clone();
        let thread = std::thread::spawn(move || {
            let t0 = std::time::Instant::now();
            let base = ingest::PROGRESS.load(Ordering::Relaxed);
            let mut shown = false;
            while !flag.load(Ordering::Relaxed) {
                std::thread::sleep(std::time::Duration::from_millis(250));
                let secs = t0.elapsed().as_secs_f64();
                if secs < 2.0 {
                    continue;
                }
                let n = ingest::PROGRESS.load(Ordering::Relaxed) - base;
                let _ = write!(
                    io::stderr(),
                    "\r  read {n} rows, {:.0} rows/s, {secs:.0} s elapsed ",
                    n as f64 / secs
                );
                shown = true;
            }
            if shown {
                let _ = write!(io::stderr(), "\r{:60}\r", "");
            }
        });
        ProgressLine {
            stop,
            thread: Some(thread),
        }
    }
}

impl Drop for ProgressLine {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// The progress line of the running import, stopped before its report prints.
static PROGRESS_LINE: std::sync::Mutex<Option<ProgressLine>> = std::sync::Mutex::new(None);

fn stop_progress() {
    if let Ok(mut p) = PROGRESS_LINE.lock() {
        p.take();
    }
}

fn cmd_ingest(store: &Store, args: &IngestArgs) -> anyhow::Result<ExitCode> {
    if let Ok(mut p) = PROGRESS_LINE.lock() {
        *p = Some(ProgressLine::start());
    }
    let code = cmd_ingest_kind(store, args);
    stop_progress();
    code
}

fn cmd_ingest_kind(store: &Store, args: &IngestArgs) -> anyhow::Result<ExitCode> {
    let Some(kind) = args.kind.kind() else {
        return cmd_ingest_eventlog(store, args);
    };
    if let Some(p) = &args.platform {
        return cmd_ingest_platform(store, args, p);
    }
    // Not locked: the progress line writes to standard error meanwhile.
    let mut err = io::stderr();
    let parquet = matches!(args.format, Some(FormatArg::Parquet))
        || (args.format.is_none() && args.file.to_ascii_lowercase().ends_with(".parquet"));
    if parquet {
        if kind != Kind::Runs || args.file == "-" {
            writeln!(
                err,
                "error: Parquet is read for runs, from a file (not standard input)"
            )?;
            return Ok(ExitCode::from(2));
        }
        let opts = Options {
            strict: args.strict,
        };
        let report = match ingest::ingest_parquet(store, Path::new(&args.file), &args.file, opts) {
            Ok(r) => r,
            Err(IngestError::Unreadable(e)) => {
                writeln!(err, "error: {}: {e}; nothing was stored", args.file)?;
                return Ok(ExitCode::from(2));
            }
            Err(IngestError::Store(e)) => return Err(e.into()),
        };
        return print_report(&report, &args.file, args.json);
    }
    let format = match (args.format, args.file.as_str()) {
        (Some(f), _) => Format::from(f),
        (None, "-") => {
            writeln!(
                err,
                "error: reading standard input needs --format csv|ndjson|json"
            )?;
            return Ok(ExitCode::from(2));
        }
        (None, path) => match Format::from_path(path) {
            Some(f) => f,
            None => {
                writeln!(
                    err,
                    "error: {path}: unknown format; name the file .csv, .ndjson, .jsonl or .json, or pass --format"
                )?;
                return Ok(ExitCode::from(2));
            }
        },
    };
    let origin = if args.file == "-" {
        "stdin".to_string()
    } else {
        args.file.clone()
    };
    let opts = Options {
        strict: args.strict,
    };
    // Files and standard input are streamed, never read whole.
    let result = if args.file == "-" {
        ingest::ingest_from(store, kind, format, &origin, io::stdin(), opts)
    } else {
        match std::fs::File::open(&args.file) {
            Ok(f) => ingest::ingest_from(store, kind, format, &origin, f, opts),
            Err(e) => {
                writeln!(err, "error: {}: cannot read the file: {e}", args.file)?;
                return Ok(ExitCode::from(2));
            }
        }
    };
    let report = match result {
        Ok(r) => r,
        Err(IngestError::Unreadable(e)) => {
            if args.json {
                print_json(&ingest::Report::unreadable_from(kind, format, &origin, &e))?;
            }
            writeln!(err, "error: {origin}: {e}; nothing was stored")?;
            return Ok(ExitCode::from(2));
        }
        Err(IngestError::Store(e)) => return Err(e.into()),
    };
    print_report(&report, &origin, args.json)
}

fn print_report(report: &ingest::Report, origin: &str, json: bool) -> anyhow::Result<ExitCode> {
    stop_progress();
    let mut err = io::stderr().lock();
    let kind = report.kind;
    let mut out = io::stdout().lock();
    if json {
        serde_json::to_writer_pretty(&mut out, report)?;
        writeln!(out)?;
    } else {
        for w in &report.warnings {
            writeln!(err, "warning: {origin}: {w}")?;
        }
        writeln!(
            out,
            "{origin}: {kind}: read {}, accepted {}, rejected {}; stored {} ({} replaced an earlier version, \
             {} superseded by a later row in the same input, {} unchanged){}",
            report.rows_read,
            report.accepted,
            report.rejected,
            report.written,
            report.replaced,
            report.superseded_in_input,
            report.unchanged,
            report.batch_id.map(|b| format!(" as batch {b}")).unwrap_or_default(),
        )?;
        for r in &report.rejects {
            writeln!(
                out,
                "  rejected line {}{}: {}{}",
                r.line,
                r.key
                    .as_ref()
                    .map(|k| format!(" ({k})"))
                    .unwrap_or_default(),
                r.field
                    .as_ref()
                    .map(|f| format!("{f}: "))
                    .unwrap_or_default(),
                r.reason
            )?;
        }
        if report.rejects_truncated {
            writeln!(
                out,
                "  … more rejects: yardstick rejects --batch {}",
                report.batch_id.unwrap_or(0)
            )?;
        }
    }
    Ok(if report.stored {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// `ingest runs FILE --platform P --workflow-map MAP`: a platform's run export.
fn cmd_ingest_platform(
    store: &Store,
    args: &IngestArgs,
    platform: &str,
) -> anyhow::Result<ExitCode> {
    let mut err = io::stderr().lock();
    if args.kind != KindArg::Runs {
        writeln!(
            err,
            "error: --platform reads run exports: use `ingest runs FILE --platform {platform}`"
        )?;
        return Ok(ExitCode::from(2));
    }
    let p: crate::ingest::platform::Platform = match platform.parse() {
        Ok(p) => p,
        Err(e) => {
            writeln!(err, "error: --platform: {e}")?;
            return Ok(ExitCode::from(2));
        }
    };
    let Some(map_path) = &args.workflow_map else {
        writeln!(
            err,
            "error: --platform needs --workflow-map FILE: a CSV `platform_workflow,workflow_id` \
             naming the catalogued workflow of each {platform} workflow"
        )?;
        return Ok(ExitCode::from(2));
    };
    let map_name = map_path.display().to_string();
    let map = match std::fs::read_to_string(map_path)
        .map_err(|e| format!("{map_name}: cannot read the file: {e}"))
        .and_then(|t| crate::ingest::platform::read_map(&t, &map_name).map_err(|e| e.0))
    {
        Ok(m) => m,
        Err(e) => {
            writeln!(err, "error: {e}")?;
            return Ok(ExitCode::from(2));
        }
    };
    let bytes = match std::fs::read(&args.file) {
        Ok(b) => b,
        Err(e) => {
            writeln!(err, "error: {}: cannot read the file: {e}", args.file)?;
            return Ok(ExitCode::from(2));
        }
    };
    drop(err);
    let report = match ingest::ingest_platform(
        store,
        &bytes,
        &args.file,
        p,
        &map,
        &map_name,
        Options {
            strict: args.strict,
        },
    ) {
        Ok(r) => r,
        Err(IngestError::Unreadable(e)) => {
            writeln!(
                io::stderr(),
                "error: {}: {e}; nothing was stored",
                args.file
            )?;
            return Ok(ExitCode::from(2));
        }
        Err(IngestError::Store(e)) => return Err(e.into()),
    };
    print_report(&report, &args.file, args.json)
}

/// `ingest eventlog FILE --workflow ID`: an XES or CSV event log, one run per case.
fn cmd_ingest_eventlog(store: &Store, args: &IngestArgs) -> anyhow::Result<ExitCode> {
    use crate::ingest::eventlog::LogFormat;
    let mut err = io::stderr().lock();
    let format = match (args.format, args.file.as_str()) {
        (Some(FormatArg::Csv), _) => LogFormat::Csv,
        (Some(f), _) => {
            writeln!(
                err,
                "error: an event log is .xes, .xes.gz or CSV, not {f:?}"
            )?;
            return Ok(ExitCode::from(2));
        }
        (None, path) => match LogFormat::from_path(path) {
            Some(f) => f,
            None => {
                writeln!(
                    err,
                    "error: {path}: unknown event-log format; name the file .xes, .xes.gz or .csv, or pass --format csv"
                )?;
                return Ok(ExitCode::from(2));
            }
        },
    };
    let default_source = Path::new(&args.file)
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("stdin")
        .to_string();
    let log = args.log.options(&default_source)?;
    let origin = args.file.clone();
    let input: Box<dyn Read> = if args.file == "-" {
        Box::new(io::stdin().lock())
    } else {
        match std::fs::File::open(&args.file) {
            Ok(f) => Box::new(f),
            Err(e) => {
                writeln!(err, "error: {}: cannot read the file: {e}", args.file)?;
                return Ok(ExitCode::from(2));
            }
        }
    };
    drop(err);
    let report = match ingest::ingest_eventlog(
        store,
        input,
        &origin,
        format,
        &log,
        Options {
            strict: args.strict,
        },
    ) {
        Ok(r) => r,
        Err(IngestError::Unreadable(e)) => {
            writeln!(io::stderr(), "error: {origin}: {e}; nothing was stored")?;
            return Ok(ExitCode::from(2));
        }
        Err(IngestError::Store(e)) => return Err(e.into()),
    };
    print_report(&report, &origin, args.json)
}

fn serve(state: AppState, addr: SocketAddr, what: &str) -> anyhow::Result<()> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    rt.block_on(async {
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .with_context(|| format!("cannot listen on {addr}"))?;
        let local = listener.local_addr()?;
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

/// The committed demo company, built into the binary so `demo` works anywhere.
pub(crate) const DEMO_WORKFLOWS: &[u8] = include_bytes!("../../fixtures/demo/workflows.csv");
const DEMO_BASELINES: &[u8] = include_bytes!("../../fixtures/demo/baselines.csv");
const DEMO_RUNS: &[u8] = include_bytes!("../../fixtures/demo/runs.csv");

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
    let store = open(file, None)?;
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
    ] {
        let input = Input {
            kind,
            format: Format::Csv,
            origin,
            bytes,
        };
        let r = ingest::ingest(&store, &input, Options { strict: true })
            .with_context(|| format!("loading {origin}"))?;
        anyhow::ensure!(
            r.stored,
            "the demo fixture {origin} has rejected rows: {:?}",
            r.rejects
        );
    }
    Ok(store)
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
