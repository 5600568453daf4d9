//! `yardstick ingest`: one file of workflows, runs, baselines, steps or an
//! event log, read, validated and stored as one batch, and its report.
//!
//! Four readers sit behind the one command: the text formats (CSV, NDJSON,
//! JSON, streamed from a file or standard input), Parquet (runs, through
//! DuckDB's reader), an automation platform's run export, and a
//! process-mining event log. Each only reads and stores, and returns the
//! batch's report; [`run`] stops the progress line and then prints it, so no
//! reader has to know about the line. Input that cannot be used at all is a
//! usage failure (exit 2, nothing stored), and the words for it are written
//! once, in [`cannot_read`] and [`ingest_error`].

use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::ValueEnum;

use super::remote::{opt, Query, Remote};
use super::{print_json, CliError, Global};
use crate::ingest::{self, Format, IngestError, Options};
use crate::model::Kind;
use crate::store::Store;

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
    /// power-automate, uipath, make), mapped through the stored workflow map;
    /// maps: the platform of a map written without a `platform` column.
    #[arg(long)]
    pub platform: Option<String>,
    /// runs with --platform: a workflow map (CSV `platform_workflow,workflow_id`)
    /// stored first, as `ingest maps` would, all or nothing.
    #[arg(long)]
    pub workflow_map: Option<PathBuf>,
    /// runs with --platform: the platform workflow of runs that name none
    /// (Make's scenario logs, listed per scenario).
    #[arg(long)]
    pub platform_workflow: Option<String>,
    /// runs with --platform: the time zone of timestamps written without an
    /// offset (an IANA name such as Europe/Berlin; default UTC).
    #[arg(long, value_parser = |s: &str| crate::metrics::trend::parse_tz(s).map_err(|e| e.to_string()))]
    pub tz: Option<chrono_tz::Tz>,
    /// fx (CSV): the currency the rates are into, for a file without a `to`
    /// column (ISO 4217, such as EUR).
    #[arg(long)]
    pub to: Option<String>,
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
    /// A process-mining event log (.xes, or CSV with XES column names; either may end .gz): one run per case.
    Eventlog,
    /// The platform workflow map: CSV `platform,platform_workflow,workflow_id`
    /// (or without `platform`, given by --platform).
    Maps,
    /// Exchange rates into a reporting currency: date, currency, rate, to
    /// (one unit of currency is rate units of to, from date on).
    Fx,
}

impl KindArg {
    fn kind(self) -> Option<Kind> {
        match self {
            KindArg::Workflows => Some(Kind::Workflows),
            KindArg::Runs => Some(Kind::Runs),
            KindArg::Baselines => Some(Kind::Baselines),
            KindArg::Steps => Some(Kind::Steps),
            KindArg::Maps => Some(Kind::Maps),
            KindArg::Fx => Some(Kind::Fx),
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

/// Runs `ingest`: exit 0 when the batch was stored (also with rejected
/// rows), 1 when --strict refused it, 2 when nothing could be read.
pub fn run(global: &Global, args: &IngestArgs) -> Result<(), CliError> {
    if let Some(remote) = global.remote()? {
        return through(&remote, args);
    }
    let store = global.open_store()?;
    let progress = ProgressLine::start();
    let read = read(&store, args);
    // The report, or the error, prints on a cleared line.
    drop(progress);
    let (report, origin) = read?;
    print_report(&report, &origin, args.json)?;
    if report.stored {
        Ok(())
    } else {
        Err(CliError::Refused)
    }
}

/// Reads and stores the file with the reader its kind, --platform and
/// format call for. Returns the batch's report and the name the report gives
/// the input (`stdin` for text read from standard input).
fn read(store: &Store, args: &IngestArgs) -> Result<(ingest::Report, String), CliError> {
    let Some(kind) = args.kind.kind() else {
        return read_eventlog(store, args);
    };
    if let (Some(p), KindArg::Maps) = (&args.platform, args.kind) {
        let map = read_map(store, p, &args.file, args.strict)?;
        return Ok((map, args.file.clone()));
    }
    if let Some(p) = &args.platform {
        return read_platform(store, args, p);
    }
    match (&args.to, args.kind) {
        (Some(to), KindArg::Fx) => {
            let csv = match args.format {
                Some(f) => matches!(f, FormatArg::Csv),
                None => text_format(args).map_or(true, |f| f == Format::Csv),
            };
            if !csv {
                return Err(CliError::Usage(
                    "--to completes a CSV rate file; in NDJSON or JSON give each rate its `to`"
                        .into(),
                ));
            }
            let bytes = read_bytes(&args.file)?;
            let opts = Options {
                strict: args.strict,
            };
            let report = ingest::ingest_fx_to(store, &bytes, &args.file, to, opts)
                .map_err(|e| ingest_error(&args.file, e))?;
            return Ok((report, args.file.clone()));
        }
        (Some(_), _) => {
            return Err(CliError::Usage(
                "--to names the currency of a rate file: `ingest fx FILE --to EUR`".into(),
            ))
        }
        (None, _) => {}
    }
    let parquet = matches!(args.format, Some(FormatArg::Parquet))
        || (args.format.is_none() && args.file.to_ascii_lowercase().ends_with(".parquet"));
    if parquet {
        read_parquet(store, args, kind)
    } else {
        read_text(store, args, kind)
    }
}

/// CSV, NDJSON or JSON from a file or standard input, streamed, never read whole.
fn read_text(
    store: &Store,
    args: &IngestArgs,
    kind: Kind,
) -> Result<(ingest::Report, String), CliError> {
    let format = text_format(args)?;
    let origin = origin_of(args);
    let opts = Options {
        strict: args.strict,
    };
    let result = if args.file == "-" {
        ingest::ingest_from(store, kind, format, &origin, io::stdin(), opts)
    } else {
        ingest::ingest_from(store, kind, format, &origin, open_file(&args.file)?, opts)
    };
    // With --json an unreadable input still gets its report, saying why.
    if let (Err(IngestError::Unreadable(e)), true) = (&result, args.json) {
        print_json(&ingest::Report::unreadable_from(kind, format, &origin, e))?;
    }
    let report = result.map_err(|e| ingest_error(&origin, e))?;
    Ok((report, origin))
}

/// An event log's format as it is read: --format csv, else the file's
/// extension without `.gz` (`log.xes.gz` and `log.csv.gz` are decompressed
/// by [`open_file`] and read as the XES or CSV they hold).
fn log_format(args: &IngestArgs) -> Result<crate::ingest::eventlog::LogFormat, CliError> {
    use crate::ingest::eventlog::LogFormat;
    match (args.format, args.file.as_str()) {
        (Some(FormatArg::Csv), _) => Ok(LogFormat::Csv),
        (Some(f), _) => Err(CliError::Usage(format!(
            "an event log is .xes or CSV (either may end .gz), not --format {}",
            f.to_possible_value()
                .map_or(String::new(), |v| v.get_name().to_string())
        ))),
        (None, path) => {
            let lower = path.to_ascii_lowercase();
            match LogFormat::from_path(lower.strip_suffix(".gz").unwrap_or(&lower)) {
                Some(f) => Ok(f),
                None => Err(CliError::Usage(format!(
                    "{path}: unknown event-log format; name the file .xes or .csv (either may \
                     end .gz), or pass --format csv"
                ))),
            }
        }
    }
}

/// The text format of the input: --format, else the file's extension
/// (standard input needs --format).
fn text_format(args: &IngestArgs) -> Result<Format, CliError> {
    match (args.format, args.file.as_str()) {
        (Some(f), _) => Ok(Format::from(f)),
        (None, "-") => Err(CliError::Usage(
            "reading standard input needs --format csv|ndjson|json".into(),
        )),
        (None, path) => {
            // `runs.csv.gz`: the format of what it holds.
            let lower = path.to_ascii_lowercase();
            Format::from_path(lower.strip_suffix(".gz").unwrap_or(&lower)).ok_or_else(|| {
                let parquet = match args.kind {
                    KindArg::Runs => ", .parquet",
                    _ => "",
                };
                CliError::Usage(format!(
                    "{path}: unknown format; name the file .csv, .ndjson, .jsonl, .json{parquet}, \
                     or pass --format (a text file ending .gz is read decompressed)"
                ))
            })
        }
    }
}

/// Whether `path` names a gzip-compressed file (`runs.csv.gz`), read
/// through a decoder; standard input is read as it comes.
fn gzipped(path: &str) -> bool {
    path != "-" && path.to_ascii_lowercase().ends_with(".gz")
}

/// A file to read, decompressed when its name ends in `.gz`.
fn open_file(path: &str) -> Result<Box<dyn Read + Send>, CliError> {
    let f = std::fs::File::open(path).map_err(|e| cannot_read(path, e))?;
    Ok(if gzipped(path) {
        Box::new(flate2::read::MultiGzDecoder::new(io::BufReader::new(f)))
    } else {
        Box::new(f)
    })
}

/// The name a report gives the input: the file, or `stdin`.
fn origin_of(args: &IngestArgs) -> String {
    if args.file == "-" {
        "stdin".to_string()
    } else {
        args.file.clone()
    }
}

/// Runs from a Parquet file, through DuckDB's reader.
fn read_parquet(
    store: &Store,
    args: &IngestArgs,
    kind: Kind,
) -> Result<(ingest::Report, String), CliError> {
    if kind != Kind::Runs || args.file == "-" {
        return Err(CliError::Usage(
            "Parquet is read for runs, from a file (not standard input)".into(),
        ));
    }
    let opts = Options {
        strict: args.strict,
    };
    let report = ingest::ingest_parquet(store, Path::new(&args.file), &args.file, opts)
        .map_err(|e| ingest_error(&args.file, e))?;
    Ok((report, args.file.clone()))
}

/// `ingest runs FILE --platform P --workflow-map MAP`: a platform's run export.
fn read_platform(
    store: &Store,
    args: &IngestArgs,
    platform: &str,
) -> Result<(ingest::Report, String), CliError> {
    if args.kind != KindArg::Runs {
        return Err(CliError::Usage(format!(
            "--platform reads run exports: use `ingest runs FILE --platform {platform}`"
        )));
    }
    let p: crate::ingest::platform::Platform = platform
        .parse()
        .map_err(|e| CliError::Usage(format!("--platform: {e}")))?;
    if let Some(map_path) = &args.workflow_map {
        let name = map_path.display().to_string();
        let map = read_map(store, platform, &name, true)?;
        let mut err = io::stderr().lock();
        if !map.stored {
            print_report(&map, &name, false).map_err(CliError::Failed)?;
            return Err(CliError::Usage(format!(
                "{name}: the workflow map has rejected lines, so neither it nor {} was stored",
                args.file
            )));
        }
        let _ = writeln!(
            err,
            "{name}: workflow map stored as batch {} ({} line(s) new or changed, {} unchanged)",
            map.batch_id.unwrap_or_default(),
            map.written,
            map.unchanged
        );
    }
    let bytes = read_bytes(&args.file)?;
    let opts = Options {
        strict: args.strict,
    };
    let cx = crate::ingest::platform::Context {
        platform_workflow: args.platform_workflow.clone(),
        tz: args.tz,
    };
    let report = ingest::ingest_platform(store, &bytes, &args.file, p, &cx, opts)
        .map_err(|e| ingest_error(&args.file, e))?;
    Ok((report, args.file.clone()))
}

/// Stores a workflow map of `platform` from `path` (`ingest maps FILE
/// --platform P`, or `--workflow-map` before a platform's runs): a map without
/// a `platform` column gets `platform` on every line.
fn read_map(
    store: &Store,
    platform: &str,
    path: &str,
    strict: bool,
) -> Result<ingest::Report, CliError> {
    let p: crate::ingest::platform::Platform = platform
        .parse()
        .map_err(|e| CliError::Usage(format!("--platform: {e}")))?;
    let bytes = read_bytes(path)?;
    ingest::ingest_map(store, &bytes, path, p, Options { strict })
        .map_err(|e| ingest_error(path, e))
}

/// A whole file (decompressed when its name ends in `.gz`), or standard
/// input for `-`.
fn read_bytes(path: &str) -> Result<Vec<u8>, CliError> {
    let mut b = Vec::new();
    if path == "-" {
        io::stdin()
            .read_to_end(&mut b)
            .map_err(|e| cannot_read("stdin", e))?;
    } else {
        open_file(path)?
            .read_to_end(&mut b)
            .map_err(|e| cannot_read(path, e))?;
    }
    Ok(b)
}

/// `ingest eventlog FILE --workflow ID`: an XES or CSV event log, one run per case.
fn read_eventlog(store: &Store, args: &IngestArgs) -> Result<(ingest::Report, String), CliError> {
    let format = log_format(args)?;
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
        open_file(&args.file)?
    };
    let opts = Options {
        strict: args.strict,
    };
    let report = ingest::ingest_eventlog(store, input, &origin, format, &log, opts)
        .map_err(|e| ingest_error(&origin, e))?;
    Ok((report, origin))
}

/// Runs `ingest` through a server: the file (or standard input) is read
/// here and posted whole to the route of its kind, with the options as the
/// route's query; the server's report is printed as the command prints its
/// own, with the same exit status. A Parquet file is posted as it is, and
/// the server reads it with DuckDB's reader as the command would.
fn through(remote: &Remote, args: &IngestArgs) -> Result<(), CliError> {
    let origin = origin_of(args);
    let mut q: Query = vec![("name", origin.clone())];
    if args.strict {
        q.push(("strict", "true".into()));
    }
    let kind = args.kind.kind();
    let path = format!("/api/v1/ingest/{}", kind.map_or("eventlog", |k| k.as_str()));
    let content_type = match (kind, &args.platform) {
        (None, _) => {
            use crate::ingest::eventlog::LogFormat;
            // The eventlog route's names of the formats; a `.xes.gz` or
            // `.csv.gz` file is posted as the text it holds (`read_bytes`
            // decompresses it).
            let format = match log_format(args)? {
                LogFormat::Xes | LogFormat::XesGz => "xes",
                LogFormat::Csv => "csv",
            };
            eventlog_query(&mut q, args, format)?;
            "application/octet-stream"
        }
        (Some(_), Some(p)) => {
            q.push(("platform", p.clone()));
            opt(&mut q, "platform_workflow", &args.platform_workflow);
            opt(&mut q, "tz", &args.tz.map(|t| t.name().to_string()));
            if let (Some(map), Some(Kind::Runs)) = (&args.workflow_map, kind) {
                post_map_first(remote, map, p)?;
            }
            "application/json"
        }
        (Some(k), None) => {
            let parquet = matches!(args.format, Some(FormatArg::Parquet))
                || (args.format.is_none() && args.file.to_ascii_lowercase().ends_with(".parquet"));
            if parquet {
                if k != Kind::Runs || args.file == "-" {
                    return Err(CliError::Usage(
                        "Parquet is read for runs, from a file (not standard input)".into(),
                    ));
                }
                "application/vnd.apache.parquet"
            } else {
                if let Some(to) = &args.to {
                    if k != Kind::Fx {
                        return Err(CliError::Usage(
                            "--to names the currency of a rate file: `ingest fx FILE --to EUR`"
                                .into(),
                        ));
                    }
                    q.push(("to", to.clone()));
                }
                let format = text_format(args)?;
                if args.to.is_some() && format != Format::Csv {
                    return Err(CliError::Usage(
                        "--to completes a CSV rate file; in NDJSON or JSON give each rate its `to`"
                            .into(),
                    ));
                }
                match format {
                    Format::Csv => "text/csv",
                    Format::Ndjson => "application/x-ndjson",
                    Format::Json => "application/json",
                }
            }
        }
    };
    let body = read_bytes(&args.file)?;
    let answer = remote.post(&path, &q, Some((content_type, body)))?;
    let report = remote_report(remote, &answer, &origin, args.json)?;
    print_report(&report, &origin, args.json)?;
    if report.stored {
        Ok(())
    } else {
        Err(CliError::Refused)
    }
}

/// The event-log options as the eventlog route's query (the same names
/// and defaults as the flags).
fn eventlog_query(q: &mut Query, args: &IngestArgs, format: &str) -> Result<(), CliError> {
    let log = &args.log;
    let Some(workflow) = &log.workflow else {
        return Err(CliError::Failed(anyhow::anyhow!(
            "an event log needs --workflow ID: the catalogued workflow its cases belong to"
        )));
    };
    let default_source = Path::new(&args.file)
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("stdin")
        .to_string();
    q.push(("workflow", workflow.clone()));
    q.push(("source", log.source.clone().unwrap_or(default_source)));
    q.push(("format", format.into()));
    for (k, v) in [
        ("case_column", &log.case_column),
        ("activity_column", &log.activity_column),
        ("timestamp_column", &log.timestamp_column),
        ("lifecycle_column", &log.lifecycle_column),
        ("resource_column", &log.resource_column),
    ] {
        q.push((k, v.clone()));
    }
    for (k, v) in [
        ("failed_activity", &log.failed_activity),
        ("escalated_activity", &log.escalated_activity),
        ("cancelled_activity", &log.cancelled_activity),
        ("response_activity", &log.response_activity),
        ("human_resource", &log.human_resource),
    ] {
        q.extend(v.iter().map(|p| (k, p.clone())));
    }
    Ok(())
}

/// `--workflow-map` through a server: the map is stored first, all or
/// nothing, as the command does on the file.
fn post_map_first(remote: &Remote, map: &Path, platform: &str) -> Result<(), CliError> {
    let name = map.display().to_string();
    let q: Query = vec![
        ("name", name.clone()),
        ("strict", "true".into()),
        ("platform", platform.to_string()),
    ];
    let bytes = read_bytes(&name)?;
    let answer = remote.post("/api/v1/ingest/maps", &q, Some(("text/csv", bytes)))?;
    let report = remote_report(remote, &answer, &name, false)?;
    if !report.stored {
        print_report(&report, &name, false).map_err(CliError::Failed)?;
        return Err(CliError::Usage(format!(
            "{name}: the workflow map has rejected lines, so neither it nor the runs were stored"
        )));
    }
    let _ = writeln!(
        io::stderr(),
        "{name}: workflow map stored as batch {} ({} line(s) new or changed, {} unchanged)",
        report.batch_id.unwrap_or_default(),
        report.written,
        report.unchanged
    );
    Ok(())
}

/// The batch's report in a server's answer to an ingest: input it could
/// not read is a usage failure (exit 2, nothing stored), as on the file;
/// an answer without a report is the server's refusal.
fn remote_report(
    remote: &Remote,
    answer: &super::remote::Answer,
    origin: &str,
    json: bool,
) -> Result<ingest::Report, CliError> {
    let value = answer.json().ok();
    let report = value
        .filter(|v| v.get("rows_read").is_some())
        .and_then(|v| serde_json::from_value::<ingest::Report>(v).ok());
    match (report, answer.detail()) {
        (Some(r), Some(detail)) => {
            if json {
                print_json(&r)?;
            }
            Err(CliError::Usage(format!(
                "{origin}: {detail}; nothing was stored"
            )))
        }
        (Some(r), None) => Ok(r),
        (None, _) if matches!(answer.status, 400 | 413 | 415) => Err(CliError::Usage(format!(
            "{origin}: {}",
            remote.failure(answer)
        ))),
        (None, _) => Err(CliError::Failed(remote.failure(answer))),
    }
}

/// A file that could not be opened or read: nothing was stored, exit 2.
fn cannot_read(path: &str, e: io::Error) -> CliError {
    CliError::Usage(format!("{path}: cannot read the file: {e}"))
}

/// An import that did not finish: input that could not be read as a whole
/// stored nothing (exit 2); the store failing is an ordinary failure (exit 1).
fn ingest_error(origin: &str, e: IngestError) -> CliError {
    match e {
        IngestError::Unreadable(e) => CliError::Usage(format!("{origin}: {e}; nothing was stored")),
        IngestError::Store(e) => CliError::Failed(e.into()),
    }
}

/// Prints a batch's report: JSON with --json, else a summary line and the
/// rejects on standard output and the warnings on standard error.
fn print_report(report: &ingest::Report, origin: &str, json: bool) -> anyhow::Result<()> {
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
    Ok(())
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
