//! The one integration-test binary: modules per area, sharing the helpers below.

mod backlog;
mod browser;
mod charts;
mod cli;
mod client;
mod compare;
mod crash;
mod dashboards;
mod demo;
mod eventlog;
mod fuzz;
mod golden;
mod http;
mod http_edges;
mod impact;
mod ingest;
mod lake;
mod lake_server;
mod load;
mod money;
mod n8n;
mod notify;
mod object_lake;
mod openapi;
mod outcomes;
mod platforms;
mod portfolio;
mod props;
mod provenance;
mod publish;
mod pull;
mod segments;
mod service;
mod spark;
mod stream;
mod tidy;
mod trend;
mod versions;

use std::path::PathBuf;

use yardstick::ingest::{Format, IngestError, Input, Options, Report};
use yardstick::metrics::{MetricRow, MetricTable, Period};
use yardstick::model::Kind;
use yardstick::store::Store;

/// A loopback port nobody listens on right now.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Runs one of the services the tests start themselves, `.ci/NAME ACTION`
/// (`spark-cluster`, `object-store`, `n8n`), with `env`.
pub fn ci_script(name: &str, action: &str, env: &[(&'static str, String)]) -> std::process::Output {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join(".ci")
        .join(name);
    std::process::Command::new("bash")
        .arg(&path)
        .arg(action)
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", path.display()))
}

/// The path of a file under `fixtures/`.
pub fn fixture(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(rel)
}

/// The names of the entries of a directory.
#[track_caller]
pub fn dir_names(dir: &std::path::Path) -> std::collections::BTreeSet<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .collect()
}

/// Ingests a fixture file, with the format taken from its extension.
#[track_caller]
pub fn ingest_file(store: &Store, kind: Kind, rel: &str) -> Report {
    let bytes = std::fs::read(fixture(rel)).expect("fixture exists");
    let format = Format::from_path(rel).expect("fixture has a known extension");
    let input = Input {
        kind,
        format,
        origin: rel,
        bytes: &bytes,
    };
    yardstick::ingest::ingest(store, &input, Options::default()).expect("fixture ingests")
}

/// Ingests `text`, read as `format`, under the name `origin`.
pub fn ingest_text(
    store: &Store,
    kind: Kind,
    format: Format,
    origin: &str,
    text: &str,
    options: Options,
) -> Result<Report, IngestError> {
    let input = Input {
        kind,
        format,
        origin,
        bytes: text.as_bytes(),
    };
    yardstick::ingest::ingest(store, &input, options)
}

/// `bytes` gzip-compressed, as `gzip` writes a `.gz` file.
pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    std::io::Write::write_all(&mut enc, bytes).unwrap();
    enc.finish().unwrap()
}

/// Ingests the CSV `csv` as `kind` (named after the kind), default options;
/// panics if it cannot be read at all.
#[track_caller]
pub fn put_csv(store: &Store, kind: Kind, csv: &str) -> Report {
    let options = Options::default();
    ingest_text(store, kind, Format::Csv, kind.as_str(), csv, options).unwrap()
}

/// An in-memory store holding the catalogue `workflows` (CSV) and the runs
/// `rows` under the CSV header `header`.
pub fn store_of<S: AsRef<str>>(workflows: &str, header: &str, rows: &[S]) -> Store {
    let store = Store::open_in_memory().unwrap();
    let csv = Format::Csv;
    let runs: Vec<&str> = rows.iter().map(AsRef::as_ref).collect();
    let text = format!("{header}\n{}\n", runs.join("\n"));
    ingest_text(
        &store,
        Kind::Workflows,
        csv,
        "w.csv",
        workflows,
        Options::default(),
    )
    .unwrap();
    ingest_text(&store, Kind::Runs, csv, "r.csv", &text, Options::default()).unwrap();
    store
}

/// An in-memory store holding the golden catalogue, time study and first run batch.
pub fn golden_store() -> Store {
    let store = Store::open_in_memory().unwrap();
    ingest_file(&store, Kind::Workflows, "golden/workflows.csv");
    ingest_file(&store, Kind::Baselines, "golden/baselines.csv");
    ingest_file(&store, Kind::Runs, "golden/runs.csv");
    store
}

/// The golden period, January 2026.
pub fn january() -> Period {
    Period::parse("2026-01-01", "2026-02-01").unwrap()
}

#[track_caller]
pub fn table(store: &Store, period: Period) -> MetricTable {
    yardstick::report::metric_table(store, period, &[]).unwrap()
}

#[track_caller]
pub fn row(store: &Store, period: Period, workflow: &str) -> MetricRow {
    table(store, period)
        .rows()
        .unwrap()
        .into_iter()
        .find(|r| r.workflow_id == workflow)
        .unwrap_or_else(|| panic!("no row for {workflow}"))
}

/// The element of the JSON list `v[list]` whose `key` is `value`.
#[track_caller]
pub fn item<'a>(
    v: &'a serde_json::Value,
    list: &str,
    key: &str,
    value: &str,
) -> &'a serde_json::Value {
    v[list]
        .as_array()
        .and_then(|items| items.iter().find(|x| x[key] == value))
        .unwrap_or_else(|| panic!("no {list} with {key} {value} in {v}"))
}

/// The figure called `name` of a `report summary` answer.
#[track_caller]
pub fn summary_figure<'a>(summary: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    item(summary, "figures", "figure", name)
}

/// Asserts two optional floats are equal to 1e-9 relative.
#[track_caller]
pub fn close(actual: Option<f64>, expected: Option<f64>) {
    match (actual, expected) {
        (None, None) => {}
        (Some(a), Some(e)) => assert!(
            (a - e).abs() <= 1e-9 * e.abs().max(1.0),
            "expected {e}, got {a}"
        ),
        _ => panic!("expected {expected:?}, got {actual:?}"),
    }
}
