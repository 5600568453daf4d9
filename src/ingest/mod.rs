//! Ingestion: parse → validate → normalise → store, for workflows, runs and
//! baseline observations, from CSV, NDJSON and JSON.
//!
//! [`prepare`] is pure: bytes and the catalogue in, a validated batch out.
//! [`ingest`] adds the one store call that writes the batch in a single
//! transaction, so an input is stored whole or not at all.

pub mod eventlog;
pub mod group;
pub mod platform;
pub mod read;
pub mod validate;

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};

use chrono::{NaiveDateTime, Utc};
use serde::Serialize;

use crate::model::{Kind, Reject, Rows};
use crate::store::{NewBatch, RunBatchMeta, RunChunk, Store, StoreError};
pub use read::{Format, ReadError};

/// Rows (or events) read by ingests in this process so far: a command-line
/// progress line reads it while an import runs.
pub static PROGRESS: AtomicU64 = AtomicU64::new(0);

/// How many reject problems an ingest report lists; the rest are in the store.
pub const REPORT_REJECT_LIMIT: usize = 1000;

/// One input to ingest.
#[derive(Debug, Clone, Copy)]
pub struct Input<'a> {
    pub kind: Kind,
    pub format: Format,
    /// Where the input came from: a file name, `stdin` or `http`.
    pub origin: &'a str,
    pub bytes: &'a [u8],
}

#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    /// Store nothing if any row is rejected.
    pub strict: bool,
}

/// Why an ingest stored nothing.
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    /// The input as a whole could not be read.
    #[error("{0}")]
    Unreadable(#[from] ReadError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A validated batch, ready to store.
#[derive(Debug, Clone)]
pub struct Prepared {
    pub rows_read: u64,
    pub accepted: u64,
    /// Valid rows superseded by a later row with the same identity in the same input.
    pub superseded_in_input: u64,
    pub rows: Rows,
    pub rejects: Vec<Reject>,
    pub warnings: Vec<String>,
}

/// One reject problem as reported to the user.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize, schemars::JsonSchema)]
#[schemars(rename = "IngestReject")]
pub struct RejectLine {
    pub line: u64,
    pub key: Option<String>,
    pub field: Option<String>,
    pub reason: String,
}

/// The answer to an ingest, for the CLI and HTTP alike (read back by a
/// command that ingests through a server).
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize, schemars::JsonSchema)]
#[schemars(rename = "IngestReport")]
pub struct Report {
    pub kind: Kind,
    pub origin: String,
    /// `csv`, `ndjson`, `json`, or for event logs `xes`, `xes.gz`, `csv`.
    pub format: String,
    /// False when `strict` refused the batch.
    pub stored: bool,
    pub batch_id: Option<i64>,
    pub rows_read: u64,
    pub accepted: u64,
    pub rejected: u64,
    pub superseded_in_input: u64,
    /// Distinct rows written.
    pub written: u64,
    /// Written rows that replaced a stored version of the same identity
    /// (for the catalogue: new versions of a workflow whose assumptions changed).
    pub replaced: u64,
    /// Catalogue rows identical to the current version, so not recorded again.
    pub unchanged: u64,
    pub warnings: Vec<String>,
    /// Every reject problem, up to [`REPORT_REJECT_LIMIT`].
    pub rejects: Vec<RejectLine>,
    pub rejects_truncated: bool,
    /// Why nothing could be read, when that is the case.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl Report {
    /// The report of an input that could not be read at all: nothing stored.
    pub fn unreadable(input: &Input<'_>, error: &ReadError) -> Report {
        Report::unreadable_from(input.kind, input.format, input.origin, error)
    }

    /// [`Report::unreadable`] from the input's parts.
    pub fn unreadable_from(kind: Kind, format: Format, origin: &str, error: &ReadError) -> Report {
        Report {
            kind,
            origin: origin.to_string(),
            format: format.as_str().to_string(),
            stored: false,
            batch_id: None,
            rows_read: 0,
            accepted: 0,
            rejected: 0,
            superseded_in_input: 0,
            written: 0,
            replaced: 0,
            unchanged: 0,
            warnings: Vec::new(),
            rejects: Vec::new(),
            rejects_truncated: false,
            error: Some(error.0.clone()),
        }
    }
}

/// Reads and validates an input against the catalogue `known`.
pub fn prepare(input: &Input<'_>, known: &HashSet<String>) -> Result<Prepared, ReadError> {
    let mut tally = Tally::default();
    let (warnings, rows, superseded) = match input.kind {
        Kind::Workflows => {
            // One row per workflow and effective_from.
            let mut rows = validate::CatalogueRows::default();
            let (w, d) = read_deduped(input, &mut tally, |rec| {
                rows.row(rec).map(|w| {
                    let from = w.effective_from.map(|t| t.to_string()).unwrap_or_default();
                    (format!("{}\u{1f}{from}", w.workflow_id), w)
                })
            })?;
            (w, Rows::Workflows(d.rows), d.superseded)
        }
        Kind::Runs => {
            let (w, d) = read_deduped(input, &mut tally, |rec| {
                validate::run(rec, known).map(|r| (format!("{}\u{1f}{}", r.source, r.run_id), r))
            })?;
            (w, Rows::Runs(d.rows), d.superseded)
        }
        Kind::Baselines => {
            let (w, d) = read_deduped(input, &mut tally, |rec| {
                validate::baseline(rec, known).map(|o| {
                    let key = format!(
                        "{}\u{1f}{}\u{1f}{}\u{1f}{}",
                        o.study,
                        o.workflow_id,
                        o.observed_at,
                        o.performer.as_deref().unwrap_or("")
                    );
                    (key, o)
                })
            })?;
            (w, Rows::Baselines(d.rows), d.superseded)
        }
        Kind::Maps => {
            let (w, d) = read_deduped(input, &mut tally, |rec| {
                validate::mapping(rec, known)
                    .map(|m| (format!("{}\u{1f}{}", m.platform, m.platform_workflow), m))
            })?;
            (w, Rows::Maps(d.rows), d.superseded)
        }
        Kind::Fx => {
            let (w, d) = read_deduped(input, &mut tally, |rec| {
                validate::fx(rec)
                    .map(|f| (format!("{}\u{1f}{}\u{1f}{}", f.date, f.currency, f.to), f))
            })?;
            (w, Rows::Fx(d.rows), d.superseded)
        }
        Kind::Steps => {
            // `known` holds the stored runs as `source\u{1f}run_id`.
            let (w, d) = read_deduped(input, &mut tally, |rec| {
                let s = validate::step(rec)?;
                let run = format!("{}\u{1f}{}", s.source, s.run_id);
                if !known.contains(&run) {
                    return Err(Reject {
                        line: rec.line,
                        key: Some(s.run_id.clone()),
                        raw: rec.raw.to_string(),
                        problems: vec![crate::model::Problem {
                            field: Some("run_id".into()),
                            reason: format!(
                                "no stored run `{}` from source `{}`: ingest the runs before their steps",
                                s.run_id, s.source
                            ),
                        }],
                    });
                }
                Ok((format!("{run}\u{1f}{}\u{1f}{}", s.step, s.started_at), s))
            })?;
            // Number each run's steps by start time.
            let mut steps = d.rows;
            steps.sort_by(|a, b| {
                (&a.source, &a.run_id, a.started_at, a.finished_at).cmp(&(
                    &b.source,
                    &b.run_id,
                    b.started_at,
                    b.finished_at,
                ))
            });
            let mut prev: Option<(String, String)> = None;
            let mut seq = 0;
            for s in &mut steps {
                let k = (s.source.clone(), s.run_id.clone());
                seq = if prev.as_ref() == Some(&k) {
                    seq + 1
                } else {
                    1
                };
                prev = Some(k);
                s.seq = seq;
            }
            (w, Rows::Steps(steps), d.superseded)
        }
    };
    Ok(Prepared {
        rows_read: tally.rows_read,
        accepted: tally.accepted,
        superseded_in_input: superseded,
        rows,
        rejects: tally.rejects,
        warnings,
    })
}

/// What [`prepare`] counts of an input as it reads it.
#[derive(Default)]
struct Tally {
    rows_read: u64,
    accepted: u64,
    rejects: Vec<Reject>,
}

/// Reads every record of `input`, turns each into a row and its identity (or
/// a reject) with `row`, and keeps the last row of each identity. Returns the
/// reader's warnings and the rows.
fn read_deduped<T>(
    input: &Input<'_>,
    tally: &mut Tally,
    mut row: impl FnMut(&read::RawRecord<'_>) -> Result<(String, T), Reject>,
) -> Result<(Vec<String>, Dedup<T>), ReadError> {
    let mut d = Dedup::default();
    let warnings = read::read(input.kind, input.format, input.bytes, |rec| {
        tally.rows_read += 1;
        PROGRESS.fetch_add(1, Ordering::Relaxed);
        match row(&rec) {
            Ok((key, r)) => {
                d.push(key, r);
                tally.accepted += 1;
            }
            Err(r) => tally.rejects.push(r),
        }
    })?;
    Ok((warnings, d))
}

/// Reads, validates and stores one input. Rejected rows are stored with their
/// reasons beside the accepted ones, in the same transaction.
pub fn ingest(store: &Store, input: &Input<'_>, opts: Options) -> Result<Report, IngestError> {
    ingest_from(
        store,
        input.kind,
        input.format,
        input.origin,
        input.bytes,
        opts,
    )
}

/// Rows the reading thread validates before handing them to the writer.
const CHUNK_ROWS: usize = 32 * 1024;

/// Reads, validates and stores one input read from a stream. Runs are
/// streamed: a reading thread parses and validates chunks of rows while the
/// store appends the previous chunk inside the batch's open transaction, so
/// memory holds a few chunks whatever the input's size, and the input is still
/// stored whole or not at all. The other kinds are small and read whole.
pub fn ingest_from(
    store: &Store,
    kind: Kind,
    format: Format,
    origin: &str,
    mut reader: impl std::io::Read + Send,
    opts: Options,
) -> Result<Report, IngestError> {
    if kind != Kind::Runs {
        let mut bytes = Vec::new();
        reader
            .read_to_end(&mut bytes)
            .map_err(|e| ReadError(format!("cannot read the input: {e}")))?;
        let input = Input {
            kind,
            format,
            origin,
            bytes: &bytes,
        };
        let known = match kind {
            Kind::Workflows | Kind::Fx => HashSet::new(),
            Kind::Steps => store.run_keys()?,
            _ => store.workflow_ids()?,
        };
        let p = prepare(&input, &known)?;
        return store_prepared(store, p, kind, origin, format.as_str(), None, opts);
    }
    stream_runs(store, format.as_str(), origin, opts, move |each| {
        read::read_from(Kind::Runs, format, reader, each)
    })
}

/// Reads, validates and stores a Parquet file of runs. Its columns are the run
/// fields, as in a CSV file (timestamps may be Parquet timestamps or text); each
/// row is read as text and validated exactly as a CSV row is. A reject's line
/// is the row's number in the file, from 1.
pub fn ingest_parquet(
    store: &Store,
    path: &std::path::Path,
    origin: &str,
    opts: Options,
) -> Result<Report, IngestError> {
    stream_runs(store, "parquet", origin, opts, move |each| {
        let mut line = 0u64;
        let mut checked = false;
        let mut problem: Option<String> = None;
        let mut unknown: Vec<String> = Vec::new();
        crate::store::files::read_parquet_text(path, |names, values| {
            if !checked {
                checked = true;
                if let Err(e) = read::check_columns(Kind::Runs, names, "the file") {
                    problem = Some(e.0);
                    return false;
                }
                unknown = names
                    .iter()
                    .filter(|n| !Kind::Runs.fields().contains(&&***n))
                    .map(|n| read::unknown_field_warning(Kind::Runs, n))
                    .collect();
            }
            line += 1;
            let mut raw = String::with_capacity(values.iter().flatten().map(|v| v.len() + 1).sum());
            for (i, v) in values.iter().enumerate() {
                if i > 0 {
                    raw.push(',');
                }
                raw.push_str(v.unwrap_or(""));
            }
            let fields = names
                .iter()
                .cloned()
                .zip(
                    values
                        .iter()
                        .map(|v| v.filter(|s| !s.trim().is_empty()).map(Cow::Borrowed)),
                )
                .collect();
            each(read::RawRecord {
                line,
                raw: raw.into(),
                fields,
                broken: None,
            });
            true
        })
        .map_err(|e| ReadError(format!("cannot read the Parquet file: {e}")))?;
        match problem {
            Some(p) => Err(ReadError(p)),
            None => Ok(unknown),
        }
    })
}

/// The streamed run pipeline: `read` hands raw records to its argument on a
/// reading thread, which validates them and passes chunks to this thread,
/// which appends them inside the batch's open transaction.
fn stream_runs(
    store: &Store,
    format: &str,
    origin: &str,
    opts: Options,
    read: impl FnOnce(&mut dyn FnMut(read::RawRecord<'_>)) -> Result<Vec<String>, ReadError> + Send,
) -> Result<Report, IngestError> {
    let known = store.workflow_ids()?;
    let (tx, rx) = std::sync::mpsc::sync_channel::<(RunChunk, Vec<Reject>)>(2);
    std::thread::scope(|scope| {
        let known = &known;
        let reading = scope.spawn(move || -> Result<(Vec<String>, u64, u64), IngestError> {
            let (mut rows_read, mut accepted) = (0u64, 0u64);
            let mut runs = Vec::with_capacity(CHUNK_ROWS);
            let mut rejects = Vec::new();
            // Set when the writer has gone (it failed): the rest is only read through.
            let mut writer_gone = false;
            let mut failed: Option<StoreError> = None;
            let mut hand_over = |runs: &mut Vec<crate::model::Run>, rejects: &mut Vec<Reject>| {
                if writer_gone || failed.is_some() {
                    runs.clear();
                    rejects.clear();
                    return;
                }
                match RunChunk::new(runs) {
                    Ok(chunk) => {
                        runs.clear();
                        if tx.send((chunk, std::mem::take(rejects))).is_err() {
                            writer_gone = true;
                        }
                    }
                    Err(e) => failed = Some(e),
                }
            };
            let warnings = read(&mut |rec| {
                rows_read += 1;
                PROGRESS.fetch_add(1, Ordering::Relaxed);
                match validate::run(&rec, known) {
                    Ok(r) => {
                        accepted += 1;
                        runs.push(r);
                    }
                    Err(r) => rejects.push(r),
                }
                if runs.len() + rejects.len() >= CHUNK_ROWS {
                    hand_over(&mut runs, &mut rejects);
                }
            })?;
            hand_over(&mut runs, &mut rejects);
            if let Some(e) = failed {
                return Err(e.into());
            }
            Ok((warnings, rows_read, accepted))
        });

        let mut batch = store.begin_runs(&RunBatchMeta {
            origin,
            format,
            received_at: now(),
        })?;
        let (mut lines, mut truncated, mut rejected) = (Vec::new(), false, 0u64);
        for (chunk, rejects) in rx {
            batch.append(chunk)?;
            if !rejects.is_empty() {
                batch.reject(&rejects)?;
                rejected += rejects.len() as u64;
                let (more, cut) = reject_lines(&rejects);
                let room = REPORT_REJECT_LIMIT - lines.len();
                truncated |= cut || more.len() > room;
                lines.extend(more.into_iter().take(room));
            }
        }
        let (mut warnings, rows_read, accepted) = reading
            .join()
            .map_err(|_| ReadError("the reading thread panicked".into()))??;
        let refuse = opts.strict && rejected > 0;
        let written = if refuse {
            drop(batch); // rolls back
            warnings.push(strict_refusal(rejected));
            None
        } else {
            Some(batch.commit(rows_read, accepted)?)
        };
        Ok(Report {
            kind: Kind::Runs,
            origin: origin.to_string(),
            format: format.to_string(),
            stored: written.is_some(),
            batch_id: written.map(|w| w.written.batch_id),
            rows_read,
            accepted,
            rejected,
            superseded_in_input: written.map_or(0, |w| w.duplicates),
            written: written.map_or(0, |w| w.written.stored),
            replaced: written.map_or(0, |w| w.written.replaced),
            unchanged: written.map_or(0, |w| w.written.unchanged),
            warnings,
            rejects: lines,
            rejects_truncated: truncated,
            error: None,
        })
    })
}

/// The warning of an input that `strict` refused for its `rejected` rejects.
pub(crate) fn strict_refusal(rejected: impl std::fmt::Display) -> String {
    format!(
        "strict mode: {rejected} rejected row(s), event(s) or case(s), so nothing from this input was stored"
    )
}

/// Stores a prepared batch (unless `strict` refuses it) and reports.
fn store_prepared(
    store: &Store,
    p: Prepared,
    kind: Kind,
    origin: &str,
    format: &str,
    steps: Option<&[crate::model::Step]>,
    opts: Options,
) -> Result<Report, IngestError> {
    let refuse = opts.strict && !p.rejects.is_empty();
    let written = if refuse {
        None
    } else {
        Some(store.write_batch(&NewBatch {
            kind,
            origin,
            format,
            received_at: now(),
            rows_read: p.rows_read,
            accepted: p.accepted,
            rows: &p.rows,
            rejects: &p.rejects,
            steps,
        })?)
    };
    let (lines, truncated) = reject_lines(&p.rejects);
    let mut warnings = p.warnings;
    if refuse {
        warnings.push(strict_refusal(p.rejects.len()));
    }
    Ok(Report {
        kind,
        origin: origin.to_string(),
        format: format.to_string(),
        stored: written.is_some(),
        batch_id: written.map(|w| w.batch_id),
        rows_read: p.rows_read,
        accepted: p.accepted,
        rejected: p.rejects.len() as u64,
        superseded_in_input: p.superseded_in_input,
        written: written.map_or(0, |w| w.stored),
        replaced: written.map_or(0, |w| w.replaced),
        unchanged: written.map_or(0, |w| w.unchanged),
        warnings,
        rejects: lines,
        rejects_truncated: truncated,
        error: None,
    })
}

/// The header of a CSV reader, or the input's error naming line 1.
pub fn csv_header(rd: &mut csv::Reader<&[u8]>, name: &str) -> Result<csv::StringRecord, ReadError> {
    Ok(rd
        .headers()
        .map_err(|e| ReadError(format!("{name}: line 1: {e}")))?
        .clone())
}

/// A CSV text with `column` added, `value` on every row, unless its header
/// has that column already (then the text as it is): how `--platform` fills a
/// map written without a platform, and `--to` a rate file without `to`.
pub fn csv_with_column(
    text: &str,
    name: &str,
    column: &str,
    value: &str,
) -> Result<String, ReadError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut rd = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(text.as_bytes());
    let headers = csv_header(&mut rd, name)?;
    if headers
        .iter()
        .any(|x| x.trim().eq_ignore_ascii_case(column))
    {
        return Ok(text.to_string());
    }
    let mut w = csv::WriterBuilder::new()
        .flexible(true)
        .from_writer(Vec::new());
    let row = |w: &mut csv::Writer<Vec<u8>>, first: &str, rest: &csv::StringRecord| {
        w.write_record(std::iter::once(first).chain(rest.iter()))
            .map_err(|e| ReadError(format!("{name}: {e}")))
    };
    row(&mut w, column, &headers)?;
    for rec in rd.records() {
        let rec = rec.map_err(|e| {
            ReadError(format!(
                "{name}: line {}: {e}",
                e.position().map_or(0, |p| p.line())
            ))
        })?;
        row(&mut w, value, &rec)?;
    }
    let bytes = w
        .into_inner()
        .map_err(|e| ReadError(format!("{name}: {e}")))?;
    Ok(String::from_utf8(bytes).expect("written from text"))
}

/// Stores a rate file (`fx`) whose rates are into `to` where a row names
/// none (`csv_with_column`): `ingest fx FILE --to CODE` and
/// `POST /api/v1/ingest/fx?to=CODE`.
pub fn ingest_fx_to(
    store: &Store,
    bytes: &[u8],
    origin: &str,
    to: &str,
    opts: Options,
) -> Result<Report, IngestError> {
    ingest_csv_as(store, bytes, origin, Kind::Fx, opts, |text| {
        csv_with_column(text, origin, "to", to)
    })
}

/// Stores a CSV input of `kind` after `complete` has filled in a column the
/// command line or the query gave (`--platform`, `--to`).
fn ingest_csv_as(
    store: &Store,
    bytes: &[u8],
    origin: &str,
    kind: Kind,
    opts: Options,
    complete: impl FnOnce(&str) -> Result<String, ReadError>,
) -> Result<Report, IngestError> {
    read::not_gzip(bytes)?;
    let text = std::str::from_utf8(bytes)
        .map_err(|e| ReadError(format!("{origin}: not UTF-8 (byte {})", e.valid_up_to())))?;
    let csv = complete(text)?;
    let input = Input {
        kind,
        format: Format::Csv,
        origin,
        bytes: csv.as_bytes(),
    };
    ingest(store, &input, opts)
}

/// Stores a workflow map of `platform` (`map_csv`: a map without a
/// `platform` column gets `platform` on every line), as the `maps` kind.
/// The one path of `ingest maps --platform`, `--workflow-map` and
/// `POST /api/v1/ingest/maps?platform=`.
pub fn ingest_map(
    store: &Store,
    bytes: &[u8],
    origin: &str,
    platform: platform::Platform,
    opts: Options,
) -> Result<Report, IngestError> {
    ingest_csv_as(store, bytes, origin, Kind::Maps, opts, |text| {
        platform::map_csv(text, origin, platform)
    })
}

/// Reads an automation platform's run export, maps its workflows through
/// the stored workflow map of `platform` and stores its runs as a run file's.
/// With no line of `platform` in the map nothing is read: the error says how
/// to add them.
pub fn ingest_platform(
    store: &Store,
    bytes: &[u8],
    origin: &str,
    platform: platform::Platform,
    cx: &platform::Context,
    opts: Options,
) -> Result<Report, IngestError> {
    let known = store.workflow_ids()?;
    let map = store.platform_map(platform.as_str())?;
    if map.is_empty() {
        return Err(ReadError(format!(
            "no {p} workflow is mapped onto a catalogued workflow yet: ingest a workflow map first \
             (`yardstick ingest maps map.csv --platform {p}`, a CSV `platform_workflow,workflow_id`, \
             or POST /api/v1/ingest/maps)",
            p = platform.as_str()
        ))
        .into());
    }
    let (mut rows_read, mut accepted) = (0u64, 0u64);
    let mut rejects = Vec::new();
    let mut d = Dedup::default();
    platform::read(platform, bytes, &map, cx, &mut |rec| {
        rows_read += 1;
        PROGRESS.fetch_add(1, Ordering::Relaxed);
        match validate::run(&rec, &known) {
            Ok(r) => {
                accepted += 1;
                d.push(format!("{}\u{1f}{}", r.source, r.run_id), r);
            }
            Err(r) => rejects.push(r),
        }
    })?;
    let p = Prepared {
        rows_read,
        accepted,
        superseded_in_input: d.superseded,
        rows: Rows::Runs(d.rows),
        rejects,
        warnings: Vec::new(),
    };
    store_prepared(store, p, Kind::Runs, origin, platform.as_str(), None, opts)
}

/// Reads an event log and stores its cases as runs of one workflow, with
/// their steps, in one batch. Events without a timestamp are rejected with
/// their line; the workflow must be in the catalogue.
pub fn ingest_eventlog(
    store: &Store,
    input: impl std::io::Read,
    origin: &str,
    format: eventlog::LogFormat,
    log: &eventlog::LogOptions,
    opts: Options,
) -> Result<Report, IngestError> {
    crate::model::check_slug(&log.workflow_id)
        .map_err(|e| ReadError(format!("--workflow: {e}")))?;
    if !store.workflow_ids()?.contains(&log.workflow_id) {
        return Err(ReadError(format!(
            "workflow `{}` is not in the catalogue: ingest a workflows file with it first",
            log.workflow_id
        ))
        .into());
    }
    if log.source.trim().is_empty() {
        return Err(ReadError("the source name is empty".into()).into());
    }
    let t = std::time::Instant::now();
    let parsed = eventlog::parse(input, format, log)?;
    tracing::debug!(ms = t.elapsed().as_millis() as u64, "event log parsed");
    let mut d = Dedup::default();
    let mut runs_steps: HashMap<String, Vec<crate::model::Step>> = HashMap::new();
    for s in parsed.steps {
        runs_steps.entry(s.run_id.clone()).or_default().push(s);
    }
    let mut warnings = parsed.warnings;
    let cases = parsed.runs.len();
    for r in parsed.runs {
        d.push(r.run_id.clone(), r);
    }
    if d.superseded > 0 {
        warnings.push(format!(
            "{} case id(s) appeared in more than one trace; the later trace of each was kept",
            d.superseded
        ));
    }
    // The steps of the kept runs (a repeated case keeps its last trace's steps).
    let steps: Vec<crate::model::Step> = d
        .rows
        .iter()
        .flat_map(|r| runs_steps.remove(&r.run_id).unwrap_or_default())
        .collect();
    warnings.insert(
        0,
        format!(
            // The accepted events: a rejected one belongs to no run.
            "{} events in {cases} cases became {} runs with {} steps",
            parsed.events_accepted,
            d.rows.len(),
            steps.len()
        ),
    );
    let p = Prepared {
        rows_read: parsed.events_read,
        accepted: parsed.events_accepted,
        superseded_in_input: d.superseded,
        rows: Rows::Runs(d.rows),
        rejects: parsed.rejects,
        warnings,
    };
    store_prepared(
        store,
        p,
        Kind::Runs,
        origin,
        format.as_str(),
        Some(&steps),
        opts,
    )
}

/// Every reject problem as a report line, up to [`REPORT_REJECT_LIMIT`], and
/// whether some were left out.
fn reject_lines(rejects: &[Reject]) -> (Vec<RejectLine>, bool) {
    let mut lines: Vec<RejectLine> = rejects
        .iter()
        .flat_map(|r| {
            r.problems.iter().map(|pr| RejectLine {
                line: r.line,
                key: r.key.clone(),
                field: pr.field.clone(),
                reason: pr.reason.clone(),
            })
        })
        .collect();
    let truncated = lines.len() > REPORT_REJECT_LIMIT;
    lines.truncate(REPORT_REJECT_LIMIT);
    (lines, truncated)
}

fn now() -> NaiveDateTime {
    Utc::now().naive_utc()
}

/// Keeps the last row of each identity, in order of first appearance.
struct Dedup<T> {
    index: HashMap<String, usize>,
    rows: Vec<T>,
    superseded: u64,
}

impl<T> Default for Dedup<T> {
    fn default() -> Self {
        Dedup {
            index: HashMap::new(),
            rows: Vec::new(),
            superseded: 0,
        }
    }
}

impl<T> Dedup<T> {
    fn push(&mut self, key: String, row: T) {
        match self.index.get(&key) {
            Some(&i) => {
                self.rows[i] = row;
                self.superseded += 1;
            }
            None => {
                self.index.insert(key, self.rows.len());
                self.rows.push(row);
            }
        }
    }
}
