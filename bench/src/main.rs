//! `yardstick-bench`: Yardstick's benchmark harness, a crate beside the
//! product. It generates a company of N runs (10 million by default) over
//! many workflows, then measures, each as the median of several runs with
//! min and max:
//!
//! 1. ingest from CSV and Parquet (and NDJSON), beside DuckDB's own reader
//!    loading the same file into a plain table — the engine limit;
//! 2. the full metric table for a quarter, beside one hand-written DuckDB
//!    query computing the same fields on the plain tables (the two are
//!    checked to agree; `plain.rs`, its SQL in `bench/queries/`);
//! 3. compare, a weekly trend over a year and the leadership dashboard;
//! 4. HTTP under a bounded loopback load, and (`service.rs`) the server as a
//!    child process under continuous ingestion, pushes and reads together;
//! 5. importing the largest shared event log;
//! 6. peak memory while ingesting a multi-gigabyte CSV file;
//! 7. only with `--only spark`: the lake publish and the metric table on
//!    DuckDB (file and lake) and on Spark with one and two workers (`spark.rs`).
//!
//! Generation, ingests and the server run the `yardstick` binary as child
//! processes, found beside this executable (`cargo build --bins` puts it
//! there) or named by `--yardstick` / `YARDSTICK_BIN`; DuckDB's own loads run
//! as a child of this binary (`step`). Each child's wall time and peak RSS
//! are read from outside it, by `wait4` (`child.rs`). The reports and the
//! HTTP load run in this process, on the library. Every path comes from an
//! argument or the environment. Results are printed as a table and written
//! as JSON (and Markdown with `--markdown`). Numbers come only from here,
//! never from timed tests.

mod child;
mod plain;
mod render;
mod service;
mod spark;

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{bail, Context};
use chrono::NaiveDate;
use clap::Parser;
use serde::Serialize;
use tracing_subscriber::EnvFilter;
use yardstick::metrics::Period;
use yardstick::store::Store;

use child::Runner;
use plain::PlainFormat;
use render::{render_markdown, render_text, LONG_S};

/// Measures Yardstick at scale — ingest, reports, dashboards, HTTP and the
/// server under load — side by side with DuckDB's own readers and a
/// hand-written query (see benches/README.md). Run from the repository's
/// root after `cargo build --bins`.
#[derive(Debug, Parser)]
#[command(
    name = "yardstick-bench",
    version,
    args_conflicts_with_subcommands = true
)]
struct Cli {
    #[command(flatten)]
    args: BenchArgs,
    #[command(subcommand)]
    step: Option<Step>,
}

/// The harness's own child processes; not for people.
#[derive(Debug, clap::Subcommand)]
enum Step {
    /// One measured step of the harness, run as a child process so that its
    /// peak memory is its own.
    #[command(hide = true)]
    Step(StepArgs),
    /// Runs a program and reports its pid, wall time and peak RSS (`child.rs`).
    #[command(hide = true)]
    Measure(child::MeasureArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // The in-process loopback load would print a line per request; the
    // harness keeps the request log at warn unless YARDSTICK_LOG says otherwise.
    let filter = EnvFilter::try_from_env("YARDSTICK_LOG")
        .unwrap_or_else(|_| EnvFilter::new("yardstick=info,yardstick::http=warn,tower_http=warn"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
    let done = match &cli.step {
        Some(Step::Measure(args)) => child::measure(args),
        Some(Step::Step(args)) => step(args).map(|()| ExitCode::SUCCESS),
        None => run(&cli.args).map(|()| ExitCode::SUCCESS),
    };
    done.unwrap_or_else(|e| {
        let mut err = std::io::stderr().lock();
        let _ = writeln!(err, "error: {e:#}");
        ExitCode::FAILURE
    })
}

#[derive(Debug, clap::Args)]
struct BenchArgs {
    /// The `yardstick` binary to measure; default: the one beside this
    /// executable (`cargo build --bins` puts it there).
    #[arg(long, env = child::YARDSTICK_BIN_ENV)]
    yardstick: Option<PathBuf>,
    /// Runs in the generated company.
    #[arg(long, default_value_t = 10_000_000)]
    runs: u64,
    /// Workflows in the generated company.
    #[arg(long, default_value_t = 1000)]
    workflows: usize,
    /// Timed repetitions of each measurement: the median, min and max are reported.
    #[arg(long, default_value_t = 3)]
    repeat: usize,
    /// Work folder for generated files and databases. Data of the same size
    /// and seed already there is reused.
    #[arg(long, default_value = "bench-work")]
    dir: PathBuf,
    /// Size in GB of the large CSV file whose ingest must stay in bounded
    /// memory (0 skips it).
    #[arg(long, default_value_t = 5.0)]
    big_gb: f64,
    /// DuckDB's memory limit for the large file's ingest (`yardstick
    /// --memory-limit`): without one DuckDB keeps what it wrote cached up to
    /// 80% of the machine's memory.
    #[arg(long, default_value = "512MB")]
    big_memory_limit: String,
    /// HTTP load: concurrent clients.
    #[arg(long, default_value_t = 200)]
    clients: usize,
    /// HTTP load: requests per endpoint.
    #[arg(long, default_value_t = 10_000)]
    requests: usize,
    /// The event log to import; default: bpic2012.xes.gz from the shared logs.
    #[arg(long)]
    eventlog: Option<PathBuf>,
    /// Only these sections, comma-separated: ingest, metrics, reports, http,
    /// service, eventlog, big, spark (spark runs only when named: it needs Java and
    /// starts a loopback cluster with .ci/spark-cluster).
    #[arg(long, value_delimiter = ',')]
    only: Vec<String>,
    /// The spark section: the cluster sizes to measure (workers of one core
    /// each), comma-separated; 0 measures DuckDB (file and lake) only.
    #[arg(long, value_delimiter = ',', default_value = "1,2")]
    spark_workers: Vec<usize>,
    /// The service section: connections pushing single runs.
    #[arg(long, default_value_t = 64)]
    service_clients: usize,
    /// The service section: connections reading pages and the metric JSON meanwhile.
    #[arg(long, default_value_t = 8)]
    service_readers: usize,
    /// The service section: how long the pushes last, in seconds.
    #[arg(long, default_value_t = 60)]
    service_seconds: u64,
    /// The service section: runs pushed afterwards in batches of 1,000 while
    /// the pages are read, for the server's memory over a long day (0: none).
    #[arg(long, default_value_t = 1_000_000)]
    service_soak_runs: u64,
    /// Where to write the results as JSON.
    #[arg(long, default_value = "bench-work/results.json")]
    json: PathBuf,
    /// Also write the results as Markdown (e.g. benches/RESULTS.md).
    #[arg(long)]
    markdown: Option<PathBuf>,
}

#[derive(Debug, clap::Args)]
struct StepArgs {
    /// What to do: load a CSV or Parquet file with DuckDB's own reader.
    #[arg(value_enum)]
    step: StepKind,
    #[arg(long)]
    file: PathBuf,
    /// The database file to load into (created).
    #[arg(long)]
    into: PathBuf,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum StepKind {
    DuckdbCsv,
    DuckdbParquet,
}

/// Runs one child step of the harness.
fn step(args: &StepArgs) -> anyhow::Result<()> {
    let format = match args.step {
        StepKind::DuckdbCsv => PlainFormat::Csv,
        StepKind::DuckdbParquet => PlainFormat::Parquet,
    };
    let n = plain::load(&args.into, &args.file, format)?;
    let mut out = std::io::stdout().lock();
    writeln!(out, "{n}")?;
    Ok(())
}

/// The version a binary prints for `--version` ("yardstick 0.1.0" gives
/// "0.1.0").
fn binary_version(exe: &Path) -> String {
    match std::process::Command::new(exe).arg("--version").output() {
        Ok(out) if out.status.success() => {
            let text = String::from_utf8_lossy(&out.stdout);
            let text = text.trim();
            text.rsplit(' ').next().unwrap_or(text).to_string()
        }
        Ok(out) => format!("unknown ({})", out.status),
        Err(e) => format!("unknown ({e})"),
    }
}

/// One measured quantity.
#[derive(Debug, Clone, Serialize)]
pub struct Measure {
    pub section: &'static str,
    pub name: String,
    /// Seconds per repetition.
    pub median_s: f64,
    pub min_s: f64,
    pub max_s: f64,
    pub repeats: usize,
    /// Rows (or events, or requests) per repetition, when a rate makes sense.
    pub items: Option<u64>,
    /// items / median.
    pub per_s: Option<f64>,
    /// Largest peak RSS over the repetitions, in MiB.
    pub peak_rss_mib: Option<f64>,
    /// Latency percentiles of single requests (HTTP), in milliseconds.
    pub p50_ms: Option<f64>,
    pub p99_ms: Option<f64>,
    pub note: String,
}

/// A target of issue #6: our figure against the peer's.
#[derive(Debug, Clone, Serialize)]
pub struct Ratio {
    pub name: String,
    pub ours: f64,
    pub peer: f64,
    pub ratio: f64,
    pub target: String,
    pub met: bool,
}

#[derive(Debug, Default, Serialize)]
pub struct Results {
    pub machine: Machine,
    pub runs: u64,
    pub workflows: usize,
    pub repeat: usize,
    pub measures: Vec<Measure>,
    pub ratios: Vec<Ratio>,
    pub checks: Vec<String>,
}

#[derive(Debug, Default, Serialize)]
pub struct Machine {
    pub cpu: String,
    pub cores: usize,
    pub memory_gib: f64,
    pub os: String,
    pub yardstick: String,
    pub duckdb: String,
}

impl Machine {
    /// The machine, and the versions of the binary and the engine measured,
    /// each read from the thing itself: `yardstick --version`, and DuckDB's
    /// `pragma_version()` through the library (built from the same lock file
    /// as the binary).
    fn read(yardstick: &Path) -> Machine {
        let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
        let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
        let mem_kib = meminfo
            .lines()
            .find_map(|l| l.strip_prefix("MemTotal:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
            .unwrap_or(0.0);
        Machine {
            cpu: cpuinfo
                .lines()
                .find_map(|l| l.strip_prefix("model name"))
                .map(|v| v.trim_start_matches([' ', '\t', ':']).to_string())
                .unwrap_or_else(|| "unknown".into()),
            cores: std::thread::available_parallelism().map_or(1, |n| n.get()),
            memory_gib: mem_kib / 1024.0 / 1024.0,
            os: std::fs::read_to_string("/proc/sys/kernel/osrelease")
                .map(|s| format!("Linux {}", s.trim()))
                .unwrap_or_else(|_| std::env::consts::OS.into()),
            yardstick: binary_version(yardstick),
            duckdb: Store::open_in_memory()
                .and_then(|s| s.engine_version())
                .map(|v| format!("{v}, bundled"))
                .unwrap_or_else(|e| format!("unknown ({e})")),
        }
    }
}

fn stats(samples: &[f64]) -> (f64, f64, f64) {
    let mut s = samples.to_vec();
    s.sort_by(f64::total_cmp);
    let median = if s.is_empty() {
        f64::NAN
    } else if s.len() % 2 == 1 {
        s[s.len() / 2]
    } else {
        (s[s.len() / 2 - 1] + s[s.len() / 2]) / 2.0
    };
    (
        median,
        s.first().copied().unwrap_or(f64::NAN),
        s.last().copied().unwrap_or(f64::NAN),
    )
}

fn measure(
    section: &'static str,
    name: impl Into<String>,
    samples: &[f64],
    items: Option<u64>,
    rss: &[f64],
    note: impl Into<String>,
) -> Measure {
    let (median_s, min_s, max_s) = stats(samples);
    Measure {
        section,
        name: name.into(),
        median_s,
        min_s,
        max_s,
        repeats: samples.len(),
        items,
        per_s: items.map(|n| n as f64 / median_s),
        peak_rss_mib: rss.iter().copied().reduce(f64::max),
        p50_ms: None,
        p99_ms: None,
        note: note.into(),
    }
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap_or("")
}

/// Runs the harness.
fn run(args: &BenchArgs) -> anyhow::Result<()> {
    let want = |section: &str| args.only.is_empty() || args.only.iter().any(|o| o == section);
    let yardstick = child::locate_yardstick(args.yardstick.as_deref())?;
    std::fs::create_dir_all(&args.dir)
        .with_context(|| format!("cannot create {}", args.dir.display()))?;
    let dir = args.dir.canonicalize()?;
    let run = Runner::new(yardstick, &dir)?;
    let mut r = Results {
        machine: Machine::read(&run.yardstick),
        runs: args.runs,
        workflows: args.workflows,
        repeat: args.repeat,
        ..Default::default()
    };
    let say = |m: &str| {
        let mut e = std::io::stderr().lock();
        let _ = writeln!(e, "bench: {m}");
    };

    // The data: a year of runs, so that a weekly trend over a year is possible.
    let data = dir.join(format!("data-{}-{}", args.runs, args.workflows));
    // `--only spark` needs the CSV only (it is ingested once); everything
    // else needs every format.
    let spark_only = args.only.iter().all(|o| o == "spark") && !args.only.is_empty();
    let formats = if spark_only {
        "csv"
    } else {
        "csv,ndjson,parquet"
    };
    let have = |f: &str| data.join(f).exists();
    if !have("runs.csv") || (!spark_only && (!have("runs.parquet") || !have("runs.ndjson"))) {
        say(&format!(
            "generating {} runs over {} workflows",
            args.runs, args.workflows
        ));
        let c = run.yardstick(&[
            "generate",
            "--out",
            s(&data),
            "--runs",
            &args.runs.to_string(),
            "--workflows",
            &args.workflows.to_string(),
            "--days",
            "364",
            "--formats",
            formats,
            "--steps",
        ])?;
        r.measures.push(measure(
            "generate",
            if spark_only {
                "generate CSV + steps"
            } else {
                "generate CSV + NDJSON + steps, convert to Parquet"
            },
            &[c.wall.as_secs_f64()],
            Some(args.runs),
            &[c.peak_rss_mib],
            format!(
                "{:.1} s per million runs, all formats",
                c.wall.as_secs_f64() / (args.runs as f64 / 1e6)
            ),
        ));
    }
    let runs_csv = data.join("runs.csv");
    let csv_bytes = std::fs::metadata(&runs_csv)?.len();

    // A template database with the catalogue and time studies.
    let template = dir.join("template.duckdb");
    if !template.exists() {
        let tmp = dir.join("template.tmp.duckdb");
        let _ = std::fs::remove_file(&tmp);
        for (kind, file) in [
            ("workflows", "workflows.csv"),
            ("baselines", "baselines.csv"),
        ] {
            run.yardstick(&["--db", s(&tmp), "ingest", kind, s(&data.join(file))])?;
        }
        std::fs::rename(&tmp, &template)?;
    }
    let ours_db = dir.join("ours.duckdb");
    let plain_db = dir.join("plain.duckdb");
    let fresh = |db: &Path| -> anyhow::Result<()> {
        let _ = std::fs::remove_file(db);
        let _ = std::fs::remove_file(db.with_extension("duckdb.wal"));
        Ok(())
    };

    // The spark section keeps a database per data size (the other sections
    // re-create ours.duckdb from the CSV they time).
    let spark_db = dir.join(format!("spark-{}-{}.duckdb", args.runs, args.workflows));
    if spark_only {
        if !spark_db.exists() {
            say("ingest CSV once, for the spark section");
            let tmp = dir.join("spark.tmp.duckdb");
            let _ = std::fs::remove_file(&tmp);
            std::fs::copy(&template, &tmp)?;
            run.yardstick(&["--db", s(&tmp), "ingest", "runs", s(&runs_csv), "--json"])?;
            std::fs::rename(&tmp, &spark_db)?;
        }
    } else if want("ingest") || !ours_db.exists() || !plain_db.exists() {
        // NDJSON has no DuckDB peer here (its JSON reader is an extension not
        // bundled), so it is measured once, for ours only.
        for (label, file, peer) in [
            ("NDJSON", "runs.ndjson", None),
            ("Parquet", "runs.parquet", Some("duckdb-parquet")),
            ("CSV", "runs.csv", Some("duckdb-csv")),
        ] {
            let file = data.join(file);
            let repeats = if peer.is_none() { 1 } else { args.repeat };
            let (mut ours, mut ours_rss, mut theirs, mut theirs_rss) =
                (Vec::new(), Vec::new(), Vec::new(), Vec::new());
            for i in 0..repeats {
                say(&format!("ingest {label} {}/{repeats}", i + 1));
                fresh(&ours_db)?;
                std::fs::copy(&template, &ours_db)?;
                let c =
                    run.yardstick(&["--db", s(&ours_db), "ingest", "runs", s(&file), "--json"])?;
                let report: serde_json::Value = serde_json::from_str(&c.stdout)
                    .with_context(|| format!("ingest report: {}", c.stdout))?;
                let stored = report["written"].as_u64().unwrap_or(0);
                if stored != args.runs {
                    bail!("ingest of {label} stored {stored} runs, not {}", args.runs);
                }
                ours.push(c.wall.as_secs_f64());
                ours_rss.push(c.peak_rss_mib);
                if let Some(step) = peer {
                    fresh(&plain_db)?;
                    let c =
                        run.harness(&["step", step, "--file", s(&file), "--into", s(&plain_db)])?;
                    if c.stdout.trim() != args.runs.to_string() {
                        bail!("DuckDB loaded {} rows, not {}", c.stdout.trim(), args.runs);
                    }
                    theirs.push(c.wall.as_secs_f64());
                    theirs_rss.push(c.peak_rss_mib);
                }
            }
            let size = std::fs::metadata(&file)?.len() as f64 / 1e6;
            r.measures.push(measure(
                "ingest",
                format!("yardstick ingest runs ({label}, {size:.0} MB)"),
                &ours,
                Some(args.runs),
                &ours_rss,
                "validate, dedupe, version, store; one transaction; process start to exit",
            ));
            if peer.is_some() {
                r.measures.push(measure(
                    "ingest",
                    format!(
                        "DuckDB CREATE TABLE AS read_{} ({label})",
                        label.to_lowercase()
                    ),
                    &theirs,
                    Some(args.runs),
                    &theirs_rss,
                    "DuckDB's own reader into a plain table, same binary and engine",
                ));
                let (o, t) = (stats(&ours).0, stats(&theirs).0);
                let ratio = t / o;
                r.ratios.push(Ratio {
                    name: format!("ingest {label}: our rows/s ÷ DuckDB's"),
                    ours: args.runs as f64 / o,
                    peer: args.runs as f64 / t,
                    ratio,
                    target: "≥ 0.5".into(),
                    met: ratio >= 0.5,
                });
            }
        }
        plain::load_catalogue(
            &plain_db,
            &data.join("workflows.csv"),
            &data.join("baselines.csv"),
        )?;
    }

    let quarter = Period::new(day(2026, 4, 1), day(2026, 7, 1))?;
    if want("metrics") {
        say("metric table vs hand-written SQL");
        let store = Store::open(&ours_db)?;
        let plain = plain::PlainDb::open(&plain_db)?;
        let horizon = yardstick::metrics::DEFAULT_LEAK_HORIZON_DAYS;
        // One untimed pass each, then the timed ones.
        let ours_table = yardstick::report::metric_table(&store, quarter, &[])?;
        let hand = plain.hand_metrics(quarter.from, quarter.to, horizon)?;
        let diff = compare_tables(ours_table.frame(), &hand)?;
        r.checks.push(format!(
            "metric table = hand-written SQL on {} workflows × {} fields: largest relative difference {diff:.1e}",
            hand.height(),
            hand.width() - 1
        ));
        if diff > 1e-9 {
            bail!("the metric table and the hand-written SQL differ by {diff:e}");
        }
        let repeats = args.repeat.max(5);
        let (mut ours, mut theirs) = (Vec::new(), Vec::new());
        for _ in 0..repeats {
            let t = Instant::now();
            yardstick::report::metric_table(&store, quarter, &[])?;
            ours.push(t.elapsed().as_secs_f64());
            let t = Instant::now();
            plain.hand_metrics(quarter.from, quarter.to, horizon)?;
            theirs.push(t.elapsed().as_secs_f64());
        }
        r.measures.push(measure(
            "metrics",
            "metric table, all workflows, one quarter (report::metric_table)",
            &ours,
            None,
            &[],
            "versioned runs, as-of macros, DataFrame checks",
        ));
        r.measures.push(measure(
            "metrics",
            "same fields, one hand-written DuckDB query on plain tables",
            &theirs,
            None,
            &[],
            "no versions, no as-of",
        ));
        // The same table by one run attribute (#25): each run's attributes
        // read as JSON, a row per workflow and region.
        let by_region = yardstick::segments::Segments::parse(&["attributes.region".into()], &[])
            .map_err(anyhow::Error::msg)?;
        let mut segmented = Vec::new();
        for _ in 0..repeats {
            let t = Instant::now();
            yardstick::report::metric_table_by(&store, quarter, &[], None, &by_region)?;
            segmented.push(t.elapsed().as_secs_f64());
        }
        r.measures.push(measure(
            "metrics",
            "metric table by attributes.region, one quarter (report::metric_table_by)",
            &segmented,
            None,
            &[],
            "the attribute read from each run's JSON attributes",
        ));
        let (o, t) = (stats(&ours).0, stats(&theirs).0);
        r.ratios.push(Ratio {
            name: "metric table: our latency ÷ hand-written SQL's".into(),
            ours: o,
            peer: t,
            ratio: o / t,
            target: "≤ 1.5".into(),
            met: o / t <= 1.5,
        });
    }

    // Spark is measured only when asked for (`--only spark`): it needs Java
    // and starts JVMs.
    if args.only.iter().any(|o| o == "spark") {
        spark::run(
            &mut r,
            &dir,
            if spark_only { &spark_db } else { &ours_db },
            args.repeat,
            quarter,
            &args.spark_workers,
        )?;
    }

    if want("reports") {
        say("compare, trend, dashboard");
        let store = Store::open(&ours_db)?;
        let repeats = args.repeat;
        // A report that takes minutes is timed once: repeating it would not
        // change its figure's meaning and would triple the harness's run time.
        let time = |f: &mut dyn FnMut() -> anyhow::Result<()>| -> anyhow::Result<Vec<f64>> {
            let mut v = Vec::new();
            for _ in 0..repeats {
                let t = Instant::now();
                f()?;
                v.push(t.elapsed().as_secs_f64());
                if v[v.len() - 1] > LONG_S {
                    break;
                }
            }
            Ok(v)
        };
        let v = time(&mut || {
            yardstick::report::compare(
                &store,
                &yardstick::report::CompareRequest {
                    workflows: Vec::new(),
                    from: Some("2026-04-01".into()),
                    to: Some("2026-07-01".into()),
                    baseline: None,
                    seed: None,
                    resamples: None,
                    interval: None,
                    as_of: None,
                    segments: Default::default(),
                },
            )?;
            Ok(())
        })?;
        r.measures.push(measure(
            "reports",
            "compare, every automated workflow, 2,000 bootstrap resamples",
            &v,
            None,
            &[],
            "",
        ));
        let v = time(&mut || {
            yardstick::report::trend(
                &store,
                yardstick::metrics::trend::Granularity::Week,
                "UTC",
                Some("2026-01-05"),
                Some("2027-01-04"),
                &[],
                None,
            )?;
            Ok(())
        })?;
        r.measures.push(measure(
            "reports",
            "trend, weekly over a year, all workflows",
            &v,
            None,
            &[],
            "52 periods in one query",
        ));
        let dashboards = yardstick::dashboard::spec::load(None)?;
        for (name, note) in [
            ("leadership", "every panel of the page"),
            (
                "workflow",
                "the busiest automated workflow, with its counterfactual",
            ),
        ] {
            let page = dashboards
                .iter()
                .find(|d| d.name == name)
                .with_context(|| format!("no {name} dashboard"))?;
            let v = time(&mut || {
                yardstick::dashboard::compute(
                    &store,
                    page,
                    yardstick::dashboard::Filters {
                        from: Some("2026-04-01".into()),
                        to: Some("2026-07-01".into()),
                        ..Default::default()
                    },
                    None,
                )?;
                Ok(())
            })?;
            r.measures.push(measure(
                "reports",
                format!("{name} dashboard, computed (no cache)"),
                &v,
                None,
                &[],
                note,
            ));
        }
        let busiest = store
            .workflows(None)?
            .into_iter()
            .filter(|w| w.workflow.automated_since.is_some())
            .max_by_key(|w| w.runs)
            .context("no automated workflow")?
            .workflow
            .workflow_id;
        let v = time(&mut || {
            let req = yardstick::report::impact::ImpactRequest {
                workflow: busiest.clone(),
                ..Default::default()
            };
            yardstick::report::impact::impact(&store, &req)?;
            Ok(())
        })?;
        r.measures.push(measure(
            "reports",
            "impact, one workflow, every metric",
            &v,
            None,
            &[],
            "weekly series of every workflow, then ITS and DiD per metric",
        ));
    }

    if want("http") {
        say("HTTP load");
        let store = Store::open(&ours_db)?;
        http_load(&mut r, store, args.clients, args.requests)?;
    }

    if want("service") {
        say("service: the server under continuous ingestion");
        service::service(
            &mut r,
            &service::ServiceArgs {
                run: &run,
                dir: &dir,
                db: &ours_db,
                workflows_csv: &data.join("workflows.csv"),
                clients: args.service_clients,
                readers: args.service_readers,
                seconds: args.service_seconds,
                soak_runs: args.service_soak_runs,
            },
        )?;
    }

    if want("eventlog") {
        // The shared logs: YARDSTICK_EVENTLOGS, else ../shared beside the
        // folder the harness runs in (the checkout), as the tests look for them.
        let log = args.eventlog.clone().or_else(|| {
            let dir = std::env::var_os("YARDSTICK_EVENTLOGS")
                .map_or_else(|| PathBuf::from("../shared/data/eventlogs"), PathBuf::from);
            Some(dir.join("bpic2012.xes.gz")).filter(|p| p.exists())
        });
        match log {
            None => r
                .checks
                .push("event log: no log given and the shared logs are absent; skipped".into()),
            Some(log) => eventlog(&mut r, &run, &dir, &log, args.repeat)?,
        }
    }

    if want("big") && args.big_gb > 0.0 {
        let per_row = csv_bytes as f64 / args.runs as f64;
        let big_runs = (args.big_gb * 1e9 / per_row).ceil() as u64;
        let big = dir.join("big");
        say(&format!(
            "large file: generating {big_runs} runs (~{:.1} GB)",
            args.big_gb
        ));
        run.yardstick(&[
            "generate",
            "--out",
            s(&big),
            "--runs",
            &big_runs.to_string(),
            "--workflows",
            &args.workflows.to_string(),
            "--days",
            "364",
        ])?;
        let file = big.join("runs.csv");
        let size = std::fs::metadata(&file)?.len();
        let db = dir.join("big.duckdb");
        fresh(&db)?;
        std::fs::copy(&template, &db)?;
        say("large file: ingest");
        let c = run.yardstick(&[
            "--db",
            s(&db),
            "--memory-limit",
            &args.big_memory_limit,
            "ingest",
            "runs",
            s(&file),
            "--json",
        ])?;
        let report: serde_json::Value = serde_json::from_str(&c.stdout)?;
        let stored = report["written"].as_u64().unwrap_or(0);
        r.measures.push(measure(
            "big",
            format!(
                "ingest of a {:.2} GB CSV ({big_runs} runs)",
                size as f64 / 1e9
            ),
            &[c.wall.as_secs_f64()],
            Some(stored),
            &[c.peak_rss_mib],
            format!(
                "streamed in chunks inside one transaction; --memory-limit {}",
                args.big_memory_limit
            ),
        ));
        r.ratios.push(Ratio {
            name: format!(
                "peak RSS ingesting {:.1} GB of CSV (MiB)",
                size as f64 / 1e9
            ),
            ours: c.peak_rss_mib,
            peer: 1024.0,
            ratio: c.peak_rss_mib / 1024.0,
            target: "< 1 GiB".into(),
            met: c.peak_rss_mib < 1024.0,
        });
        if stored != big_runs {
            bail!("the large ingest stored {stored} runs, not {big_runs}");
        }
        let _ = std::fs::remove_dir_all(&big);
        fresh(&db)?;
    }

    let text = render_text(&r);
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())?;
    if let Some(parent) = args.json.parent() {
        std::fs::create_dir_all(parent)?;
    }
    std::fs::write(&args.json, serde_json::to_vec_pretty(&r)?)?;
    if let Some(md) = &args.markdown {
        std::fs::write(md, render_markdown(&r))?;
    }
    Ok(())
}

fn day(y: i32, m: u32, d: u32) -> chrono::NaiveDateTime {
    NaiveDate::from_ymd_opt(y, m, d)
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .expect("valid date")
}

/// The largest relative difference between two metric tables, matched by
/// workflow and column name (nulls must match nulls).
fn compare_tables(
    ours: &polars::prelude::DataFrame,
    hand: &polars::prelude::DataFrame,
) -> anyhow::Result<f64> {
    use polars::prelude::*;
    if ours.height() != hand.height() {
        bail!("{} rows against {}", ours.height(), hand.height());
    }
    let ids_o = ours.column("workflow_id")?.str()?.clone();
    let ids_h = hand.column("workflow_id")?.str()?.clone();
    if !ids_o.iter().eq(ids_h.iter()) {
        bail!("the workflows differ or are in another order");
    }
    let mut worst = 0.0f64;
    for col in hand.columns() {
        let name = col.name().as_str();
        if name == "workflow_id" {
            continue;
        }
        let o =
            anyhow::Context::with_context(ours.column(name), || format!("ours lacks `{name}`"))?;
        if name == "currency" {
            if !o.str()?.iter().eq(col.str()?.iter()) {
                bail!("currency differs");
            }
            continue;
        }
        let o = o.cast(&DataType::Float64)?;
        let h = col.cast(&DataType::Float64)?;
        for (i, (a, b)) in o.f64()?.iter().zip(h.f64()?.iter()).enumerate() {
            match (a, b) {
                (None, None) => {}
                (Some(a), Some(b)) => {
                    let d = (a - b).abs() / a.abs().max(b.abs()).max(1e-300);
                    if a != b && d > worst {
                        worst = d;
                        eprintln!(
                            "bench: largest difference so far: `{name}` of {}: {a:?} here, {b:?} by hand",
                            ids_o.get(i).unwrap_or("?")
                        );
                    }
                }
                _ => bail!(
                    "`{name}` of {} is {a:?} here and {b:?} in the hand-written SQL",
                    ids_o.get(i).unwrap_or("?")
                ),
            }
        }
    }
    Ok(worst)
}

fn eventlog(
    r: &mut Results,
    run: &Runner,
    dir: &Path,
    log: &Path,
    repeat: usize,
) -> anyhow::Result<()> {
    let catalogue = dir.join("eventlog-workflows.csv");
    std::fs::write(
        &catalogue,
        "workflow_id,name,owner,category\nloan-applications,Loan applications,Credit,intake\n",
    )?;
    let (mut walls, mut rss) = (Vec::new(), Vec::new());
    let mut events = 0u64;
    for i in 0..repeat {
        eprintln_bench(&format!("event log {}/{repeat}", i + 1));
        let db = dir.join("eventlog.duckdb");
        let _ = std::fs::remove_file(&db);
        run.yardstick(&["--db", s(&db), "ingest", "workflows", s(&catalogue)])?;
        let c = run.yardstick(&[
            "--db",
            s(&db),
            "ingest",
            "eventlog",
            s(log),
            "--workflow",
            "loan-applications",
            "--json",
        ])?;
        let report: serde_json::Value = serde_json::from_str(&c.stdout)?;
        events = report["rows_read"].as_u64().unwrap_or(0);
        walls.push(c.wall.as_secs_f64());
        rss.push(c.peak_rss_mib);
        let _ = std::fs::remove_file(&db);
    }
    let name = log.file_name().and_then(|n| n.to_str()).unwrap_or("log");
    r.measures.push(measure(
        "eventlog",
        format!("ingest eventlog {name}: parse, cases → runs and steps, store"),
        &walls,
        Some(events),
        &rss,
        "process start to exit, DuckDB open and commit included",
    ));
    // pm4py's figures from the shared logs' README (same machine kind): its
    // default XES reader took 25–49 s to load bpic2012.xes.gz; case durations
    // add to that. The lower bound is the fair peer.
    if name == "bpic2012.xes.gz" {
        let ours = stats(&walls).0;
        r.ratios.push(Ratio {
            name: "event-log import: pm4py's default load (25 s, its best) ÷ ours".into(),
            ours,
            peer: 25.0,
            ratio: 25.0 / ours,
            target: "≥ 50".into(),
            met: 25.0 / ours >= 50.0,
        });
    }
    Ok(())
}

fn eprintln_bench(m: &str) {
    let mut e = std::io::stderr().lock();
    let _ = writeln!(e, "bench: {m}");
}

/// A bounded loopback load: `clients` concurrent keep-alive connections share
/// `requests` requests per endpoint.
fn http_load(r: &mut Results, store: Store, clients: usize, requests: usize) -> anyhow::Result<()> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    rt.block_on(async move {
        let state = yardstick::http::AppState::open(store);
        let app = yardstick::http::app(state);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let server = tokio::spawn(async move { axum::serve(listener, app).await });
        let endpoints = [
            (
                "metrics JSON, one quarter, all workflows",
                "/api/v1/metrics?from=2026-04-01&to=2026-07-01",
            ),
            (
                "dashboard JSON (leadership headline panel)",
                "/dashboards/leadership/panels/headline.json?from=2026-04-01&to=2026-07-01",
            ),
            (
                "dashboard page (leadership HTML)",
                "/dashboards/leadership?from=2026-04-01&to=2026-07-01",
            ),
        ];
        for (name, path) in endpoints {
            // The first request computes; the load measures what users then see.
            let t = Instant::now();
            let (status, bytes) = get_once(addr, path).await?;
            let first = t.elapsed().as_secs_f64();
            if status != 200 {
                bail!("{path} answered {status}");
            }
            let per_client = requests.div_ceil(clients);
            let started = Instant::now();
            let mut tasks = Vec::new();
            for _ in 0..clients {
                let path = path.to_string();
                tasks.push(tokio::spawn(async move { client(addr, &path, per_client).await }));
            }
            let mut lat = Vec::new();
            let mut errors = 0usize;
            for t in tasks {
                match t.await? {
                    Ok(v) => lat.extend(v),
                    Err(_) => errors += 1,
                }
            }
            let wall = started.elapsed().as_secs_f64();
            lat.sort_by(f64::total_cmp);
            let pct = |q: f64| lat[((lat.len() as f64 - 1.0) * q).round() as usize] * 1e3;
            let n = lat.len() as u64;
            let mut m = measure(
                "http",
                name,
                &[wall],
                Some(n),
                &[],
                format!(
                    "{clients} clients, {n} requests, {errors} failed clients; first request {:.0} ms; {} bytes each",
                    first * 1e3,
                    bytes
                ),
            );
            m.p50_ms = Some(pct(0.5));
            m.p99_ms = Some(pct(0.99));
            if name.starts_with("dashboard JSON") {
                r.ratios.push(Ratio {
                    name: format!("dashboard JSON p99 at {clients} concurrent clients (ms)"),
                    ours: pct(0.99),
                    peer: 50.0,
                    ratio: pct(0.99) / 50.0,
                    target: "< 50 ms".into(),
                    met: pct(0.99) < 50.0 && errors == 0,
                });
            }
            r.measures.push(m);
        }
        server.abort();
        Ok(())
    })
}

async fn get_once(addr: std::net::SocketAddr, path: &str) -> anyhow::Result<(u16, usize)> {
    let mut stream = tokio::net::TcpStream::connect(addr).await?;
    let mut buf = Vec::new();
    let (status, body) = request(&mut stream, &mut buf, path).await?;
    Ok((status, body))
}

async fn client(addr: std::net::SocketAddr, path: &str, n: usize) -> anyhow::Result<Vec<f64>> {
    let mut stream = tokio::net::TcpStream::connect(addr).await?;
    stream.set_nodelay(true)?;
    let mut buf = Vec::with_capacity(1 << 16);
    let mut lat = Vec::with_capacity(n);
    for _ in 0..n {
        let t = Instant::now();
        let (status, _) = request(&mut stream, &mut buf, path).await?;
        if status != 200 {
            bail!("status {status}");
        }
        lat.push(t.elapsed().as_secs_f64());
    }
    Ok(lat)
}

/// One keep-alive HTTP/1.1 GET; returns the status and the body's length.
async fn request(
    stream: &mut tokio::net::TcpStream,
    buf: &mut Vec<u8>,
    path: &str,
) -> anyhow::Result<(u16, usize)> {
    let r = service::call(stream, buf, "GET", path, b"", "").await?;
    Ok((r.status, r.length))
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_well_formed() {
        super::Cli::command().debug_assert();
    }
}
