//! Streamed run ingest: inputs larger than a chunk, duplicates across chunk
//! boundaries, failures late in the input, Parquet input, and reads while a
//! batch is open.

use yardstick::ingest::{self, Format, IngestError, Options};
use yardstick::model::Kind;
use yardstick::store::{files, RunBatchMeta, Store};

use crate::ingest_file;

fn catalogue() -> Store {
    let s = Store::open_in_memory().unwrap();
    ingest_file(&s, Kind::Workflows, "golden/workflows.csv");
    ingest_file(&s, Kind::Baselines, "golden/baselines.csv");
    s
}

const HEADER: &str = "source,run_id,workflow_id,started_at,finished_at,status,human_minutes\n";

/// `n` runs of wf-a, r0 to r{n-1}, all alike but for their ids, `minutes` human minutes each.
fn runs_csv(n: usize, minutes: &str) -> String {
    let mut t = String::from(HEADER);
    for i in 0..n {
        t.push_str(&run_line(i, minutes));
    }
    t
}

/// Run r`i` of wf-a as a CSV line of `HEADER`, with `minutes` human minutes.
fn run_line(i: usize, minutes: impl std::fmt::Display) -> String {
    format!("n8n,r{i},wf-a,2026-01-10T00:00:00Z,2026-01-10T01:00:00Z,succeeded,{minutes}\n")
}

/// Ingests CSV text of runs, streamed, with the default options.
fn ingest_csv(s: &Store, text: &str) -> ingest::Report {
    ingest::ingest_from(
        s,
        Kind::Runs,
        Format::Csv,
        "t",
        text.as_bytes(),
        Options::default(),
    )
    .unwrap()
}

fn stored_runs(s: &Store) -> i64 {
    let all = yardstick::metrics::Period::parse("2025-01-01", "2027-01-01").unwrap();
    crate::table(s, all)
        .rows()
        .unwrap()
        .iter()
        .map(|r| r.runs)
        .sum()
}

/// Σ human minutes of wf-a's stored current runs in January: the metric
/// table does not carry the sum, so it is derived from reclaimed hours
/// (runs × B − Σ human minutes), B and the run count.
fn human_minutes(s: &Store) -> f64 {
    let jan = yardstick::metrics::Period::parse("2026-01-01", "2026-02-01").unwrap();
    let r = crate::row(s, jan, "wf-a");
    let b = r.baseline_minutes_per_item.expect("wf-a has a B");
    let reclaimed = r.reclaimed_hours.expect("wf-a is automated") * 60.0;
    (r.runs as f64 * b - reclaimed).round()
}

#[test]
fn duplicates_across_chunks_keep_the_later_row() {
    // 80,000 rows span three chunks of 32,768; rows 70,000.. repeat runs 0..10,000
    // with other minutes, so the later rows (in a later chunk) must win.
    let s = catalogue();
    let mut text = runs_csv(70_000, "2");
    for i in 0..10_000 {
        text.push_str(&run_line(i, 5));
    }
    let rep = ingest_csv(&s, &text);
    assert_eq!(
        (
            rep.rows_read,
            rep.accepted,
            rep.superseded_in_input,
            rep.written
        ),
        (80_000, 80_000, 10_000, 70_000)
    );
    assert_eq!(stored_runs(&s), 70_000);
    // The later rows won: 10,000 runs carry 5 human minutes, 60,000 carry 2.
    assert_eq!(human_minutes(&s), 10_000.0 * 5.0 + 60_000.0 * 2.0);
    // Sent again: nothing changes.
    let again = ingest_csv(&s, &text);
    assert_eq!((again.written, again.unchanged), (0, 70_000));
    assert_eq!(stored_runs(&s), 70_000);
}

#[test]
fn duplicates_in_a_batch_over_stored_runs_keep_the_later_row_and_version_the_rest() {
    // Runs are appended to the stored table and resolved in place, so the
    // later row must also win when the table already holds versions of them.
    let s = catalogue();
    let first = ingest_csv(&s, &runs_csv(70_000, "2"));
    assert_eq!((first.written, first.replaced), (70_000, 0));
    // r0..r39999 with 3 minutes, then r0..r9999 again with 5 (in the second chunk),
    // then r60000..r69999 unchanged.
    let mut text = runs_csv(40_000, "3");
    for i in (0..10_000).chain(60_000..70_000) {
        text.push_str(&run_line(i, if i < 10_000 { 5 } else { 2 }));
    }
    let rep = ingest_csv(&s, &text);
    assert_eq!(
        (
            rep.rows_read,
            rep.superseded_in_input,
            rep.written,
            rep.replaced,
            rep.unchanged
        ),
        (60_000, 10_000, 40_000, 40_000, 10_000)
    );
    assert_eq!(stored_runs(&s), 70_000);
    assert_eq!(
        human_minutes(&s),
        10_000.0 * 5.0 + 30_000.0 * 3.0 + 30_000.0 * 2.0
    );
}

#[test]
fn a_broken_byte_late_in_a_large_input_stores_nothing() {
    let s = catalogue();
    let mut bytes = runs_csv(50_000, "2").into_bytes();
    bytes.extend_from_slice(
        b"n8n,bad,wf-a,2026-01-10T00:00:00Z,2026-01-10T01:00:00Z,succeeded,\xff\n",
    );
    let err = ingest::ingest_from(
        &s,
        Kind::Runs,
        Format::Csv,
        "t",
        &bytes[..],
        Options::default(),
    )
    .unwrap_err();
    match err {
        IngestError::Unreadable(e) => {
            assert!(e.0.contains("not valid UTF-8 (line 50002"), "{e}")
        }
        other => panic!("expected an unreadable input, got {other}"),
    }
    assert_eq!(stored_runs(&s), 0);
    assert!(s.batches(10).unwrap().iter().all(|b| b.kind != "runs"));
    // And strict mode with one reject at the very end also stores nothing.
    let mut text = runs_csv(40_000, "2");
    text.push_str("n8n,late,wf-a,2026-01-10T00:00:00Z,,succeeded,1\n");
    let rep = ingest::ingest_from(
        &s,
        Kind::Runs,
        Format::Csv,
        "t",
        text.as_bytes(),
        Options { strict: true },
    )
    .unwrap();
    assert!(!rep.stored);
    assert_eq!((rep.rejected, rep.rejects[0].line), (1, 40_002));
    assert_eq!(stored_runs(&s), 0);
}

#[test]
fn ndjson_streams_and_counts_lines() {
    let s = catalogue();
    let mut text = String::new();
    for i in 0..40_000 {
        text.push_str(&format!(
            "{{\"source\":\"n8n\",\"run_id\":\"r{i}\",\"workflow_id\":\"wf-a\",\"started_at\":\"2026-01-10T00:00:00Z\",\"finished_at\":\"2026-01-10T01:00:00Z\",\"status\":\"succeeded\"}}\n"
        ));
        if i == 39_000 {
            text.push_str("{\"source\":\"n8n\"}\n\n");
        }
    }
    let rep = ingest::ingest_from(
        &s,
        Kind::Runs,
        Format::Ndjson,
        "t",
        text.as_bytes(),
        Options::default(),
    )
    .unwrap();
    assert_eq!(
        (rep.rows_read, rep.accepted, rep.rejected),
        (40_001, 40_000, 1)
    );
    assert_eq!(rep.rejects[0].line, 39_002);
    assert_eq!(stored_runs(&s), 40_000);
}

#[test]
fn parquet_runs_give_the_same_figures_as_their_csv() {
    let dir = tempfile::tempdir().unwrap();
    let csv = crate::fixture("demo/runs.csv");
    let parquet = dir.path().join("runs.parquet");
    assert_eq!(files::csv_to_parquet(&csv, &parquet).unwrap(), 12_000);
    let load = |via_parquet: bool| {
        let s = Store::open_in_memory().unwrap();
        ingest_file(&s, Kind::Workflows, "demo/workflows.csv");
        ingest_file(&s, Kind::Baselines, "demo/baselines.csv");
        let rep = if via_parquet {
            ingest::ingest_parquet(&s, &parquet, "runs.parquet", Options::default()).unwrap()
        } else {
            ingest_file(&s, Kind::Runs, "demo/runs.csv")
        };
        assert_eq!(
            (rep.accepted, rep.rejected, rep.written),
            (12_000, 0, 12_000)
        );
        let all = yardstick::metrics::Period::parse("2026-01-01", "2026-09-01").unwrap();
        // The rows; the assumptions carry each store's own catalogue version time.
        crate::table(&s, all).to_json().unwrap()["rows"].to_string()
    };
    assert_eq!(load(true), load(false));
    // A Parquet file that cannot be read is refused whole, with the reason.
    let s = catalogue();
    let err = ingest::ingest_parquet(&s, &crate::fixture("nope.parquet"), "x", Options::default())
        .unwrap_err();
    assert!(
        err.to_string().contains("cannot read the Parquet file"),
        "{err}"
    );
}

#[test]
fn a_parquet_file_without_a_required_column_is_refused_whole() {
    let dir = tempfile::tempdir().unwrap();
    // The demo runs without their `status` column.
    let full = std::fs::read_to_string(crate::fixture("demo/runs.csv")).unwrap();
    let header: Vec<&str> = full.lines().next().unwrap().split(',').collect();
    let status = header.iter().position(|h| *h == "status").unwrap();
    let cut: String = full
        .lines()
        .take(101)
        .map(|line| {
            let mut f: Vec<&str> = line.split(',').collect();
            f.remove(status);
            f.join(",") + "\n"
        })
        .collect();
    let csv = dir.path().join("no_status.csv");
    std::fs::write(&csv, cut).unwrap();
    let parquet = dir.path().join("no_status.parquet");
    assert_eq!(files::csv_to_parquet(&csv, &parquet).unwrap(), 100);
    let s = catalogue();
    let err = ingest::ingest_parquet(&s, &parquet, "no_status.parquet", Options::default())
        .unwrap_err()
        .to_string();
    assert!(err.contains("status"), "{err}");
    assert!(err.contains("missing"), "{err}");
    assert_eq!(stored_runs(&s), 0);
    assert!(s.batches(100).unwrap().iter().all(|b| b.kind != "runs"));
}

#[test]
fn reads_go_on_while_a_run_batch_is_open() {
    let dir = tempfile::tempdir().unwrap();
    let s = Store::open(dir.path().join("db.duckdb")).unwrap();
    ingest_file(&s, Kind::Workflows, "golden/workflows.csv");
    let batch = s
        .begin_runs(&RunBatchMeta {
            origin: "t",
            format: "csv",
            received_at: chrono::Utc::now().naive_utc(),
        })
        .unwrap();
    let reader = s.clone();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || tx.send(reader.workflow_ids().unwrap().len()).unwrap());
    let n = rx
        .recv_timeout(std::time::Duration::from_secs(20))
        .expect("a read must not wait for an open batch");
    assert!(n > 0);
    drop(batch); // rolls back
    assert_eq!(stored_runs(&s), 0);
}

#[test]
fn a_file_from_before_runs_were_written_once_loses_its_run_staging_and_ingests() {
    // Files written before this change kept a staging table for runs and a
    // view over it; opening one drops both, and run batches work as before.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.duckdb");
    {
        let s = Store::open(&path).unwrap();
        ingest_file(&s, Kind::Workflows, "golden/workflows.csv");
        assert_eq!(ingest_csv(&s, &runs_csv(10, "2")).written, 10);
    }
    {
        let c = duckdb::Connection::open(&path).unwrap();
        c.execute_batch(
            "CREATE TABLE stage_runs AS SELECT * EXCLUDE (batch_id, superseded_batch) FROM runs LIMIT 0;
             CREATE VIEW stage_run_changes AS SELECT * FROM stage_runs;",
        )
        .unwrap();
    }
    let s = Store::open(&path).unwrap();
    let rep = ingest_csv(&s, &runs_csv(20, "3"));
    assert_eq!((rep.written, rep.replaced), (20, 10));
    assert_eq!(stored_runs(&s), 20);
    drop(s);
    let c = duckdb::Connection::open(&path).unwrap();
    let left: i64 = c
        .query_row(
            "SELECT count(*) FROM information_schema.tables WHERE table_name IN ('stage_runs', 'stage_run_changes')",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(left, 0);
}
