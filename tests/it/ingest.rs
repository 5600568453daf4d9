//! Ingestion: every rejection reason with its line, identity and idempotency,
//! strict mode, and the three formats.

use yardstick::ingest::{self, Format, IngestError, Input, Options};
use yardstick::model::Kind;
use yardstick::store::Store;

use crate::{golden_store, ingest_file, january, table};

fn catalogue() -> Store {
    let s = Store::open_in_memory().unwrap();
    ingest_file(&s, Kind::Workflows, "golden/workflows.csv");
    s
}

fn ingest_text(
    s: &Store,
    kind: Kind,
    format: Format,
    text: &str,
    strict: bool,
) -> Result<ingest::Report, IngestError> {
    crate::ingest_text(s, kind, format, "test", text, Options { strict })
}

#[test]
fn every_rejection_reason_is_kept_with_line_field_and_reason() {
    let s = catalogue();
    let rep = ingest_file(&s, Kind::Baselines, "golden/baselines.csv");
    assert_eq!(
        (rep.rows_read, rep.accepted, rep.rejected, rep.written),
        (7, 6, 1, 6)
    );
    let rep = ingest_file(&s, Kind::Runs, "golden/runs.csv");
    // 27 data rows (lines 2–28); lines 20–28 are bad; a1 appears twice (line 13 wins).
    assert_eq!((rep.rows_read, rep.accepted, rep.rejected), (27, 18, 9));
    assert_eq!(
        (rep.superseded_in_input, rep.written, rep.replaced),
        (1, 17, 0)
    );
    assert!(rep.stored);
    let got: Vec<(u64, Option<&str>, Option<&str>, &str)> = rep
        .rejects
        .iter()
        .map(|r| {
            (
                r.line,
                r.key.as_deref(),
                r.field.as_deref(),
                r.reason.as_str(),
            )
        })
        .collect();
    let expect_prefix = [
        (20, None, Some("run_id"), "missing required field"),
        (
            21,
            Some("x2"),
            Some("started_at"),
            "`yesterday` is not a timestamp",
        ),
        (
            22,
            Some("x3"),
            Some("human_minutes"),
            "`ten` is not a number",
        ),
        (
            23,
            Some("x4"),
            Some("status"),
            "status `done` is not one of",
        ),
        (
            24,
            Some("x5"),
            Some("workflow_id"),
            "unknown workflow `wf-zzz`",
        ),
        (
            25,
            Some("x6"),
            Some("finished_at"),
            "finished_at 2026-01-12T09:30:00Z is before the run began at 2026-01-12T10:00:00Z \
             (trigger_at, else started_at)",
        ),
        (
            26,
            Some("x7"),
            Some("first_response_at"),
            "first_response_at 2026-01-12T09:59:00Z is before the run began at 2026-01-12T10:00:00Z",
        ),
        (27, Some("x8"), Some("human_minutes"), "`-3` is negative"),
        (
            28,
            Some("x9"),
            Some("finished_at"),
            "status succeeded needs finished_at",
        ),
    ];
    assert_eq!(got.len(), expect_prefix.len(), "{got:#?}");
    for (g, e) in got.iter().zip(expect_prefix) {
        assert_eq!((g.0, g.1, g.2), (e.0, e.1, e.2));
        assert!(
            g.3.starts_with(e.3),
            "line {}: `{}` should start with `{}`",
            g.0,
            g.3,
            e.3
        );
    }
    // Stored with the batch, the raw row included, and listed newest first.
    let stored = s.rejects(rep.batch_id, 100).unwrap();
    assert_eq!(stored.len(), 9);
    assert_eq!(stored[0].line, 20);
    assert_eq!(
        stored[0].raw,
        "s9,,wf-c,,2026-01-12T10:00:00Z,,2026-01-12T10:30:00Z,succeeded,,5,EU"
    );
    assert_eq!(stored[0].origin, "golden/runs.csv");
    let all = s.rejects(None, 100).unwrap();
    assert_eq!(
        all.len(),
        11,
        "nine run problems, one baseline and one catalogue problem"
    );
}

#[test]
fn every_problem_of_a_row_is_reported() {
    let s = catalogue();
    let text =
        "source,run_id,workflow_id,started_at,status,human_minutes\ns,r1,nope,never,done,-1\n";
    let rep = ingest_text(&s, Kind::Runs, Format::Csv, text, false).unwrap();
    let fields: Vec<&str> = rep
        .rejects
        .iter()
        .filter_map(|r| r.field.as_deref())
        .collect();
    assert_eq!(
        fields,
        ["workflow_id", "started_at", "status", "human_minutes"]
    );
    assert_eq!(rep.rejected, 1);
}

/// The words a spreadsheet or a platform writes instead of ours are refused
/// with the one to write, as is a workflow id in capitals.
#[test]
fn a_near_miss_is_refused_with_what_to_write() {
    let s = catalogue();
    let text = "source,run_id,workflow_id,started_at,finished_at,status\n\
                s,r1,WF-A,2026-01-05T10:00:00Z,2026-01-05T10:05:00Z,succeeded\n\
                s,r2,wf-a,2026-01-05T10:00:00Z,2026-01-05T10:05:00Z,success\n";
    let rep = ingest_text(&s, Kind::Runs, Format::Csv, text, false).unwrap();
    let reasons: Vec<&str> = rep.rejects.iter().map(|r| r.reason.as_str()).collect();
    assert_eq!(
        reasons,
        [
            "unknown workflow `WF-A`: the catalogue has `wf-a` (workflow ids are lower case)",
            "status `success` is not one of succeeded, failed, escalated, cancelled, running \
             (write `succeeded` for `success`)"
        ]
    );
}

#[test]
fn reingesting_the_same_files_changes_no_figure() {
    let s = golden_store();
    ingest_file(&s, Kind::Runs, "golden/runs_batch2.ndjson");
    let before = table(&s, january()).to_json().unwrap();
    // The catalogue is a ledger: an identical re-ingest records no new version.
    let wf = ingest_file(&s, Kind::Workflows, "golden/workflows.csv");
    assert_eq!((wf.written, wf.replaced, wf.unchanged), (0, 0, 4));
    let b = ingest_file(&s, Kind::Baselines, "golden/baselines.csv");
    assert_eq!((b.written, b.replaced), (6, 6));
    // Re-sending runs.csv after batch 2 brings back its older version of b4, as a later
    // batch must: one new version; the other 16 runs are identical and record nothing.
    let r = ingest_file(&s, Kind::Runs, "golden/runs.csv");
    assert_eq!((r.written, r.replaced, r.unchanged), (1, 1, 16));
    // Sending batch 2 again restores the same figures as before.
    let r = ingest_file(&s, Kind::Runs, "golden/runs_batch2.ndjson");
    assert_eq!((r.written, r.replaced, r.unchanged), (1, 1, 0));
    let after = table(&s, january()).to_json().unwrap();
    assert_eq!(before, after);
    // And sending it a third time changes nothing at all.
    let r = ingest_file(&s, Kind::Runs, "golden/runs_batch2.ndjson");
    assert_eq!((r.written, r.replaced, r.unchanged), (0, 0, 1));
}

#[test]
fn strict_mode_stores_nothing_when_a_row_is_rejected() {
    let s = catalogue();
    let text = "source,run_id,workflow_id,started_at,finished_at,status\n\
                s,r1,wf-a,2026-01-02T00:00:00Z,2026-01-02T00:10:00Z,succeeded\n\
                s,r2,wf-a,2026-01-02T00:00:00Z,,succeeded\n";
    let rep = ingest_text(&s, Kind::Runs, Format::Csv, text, true).unwrap();
    assert!(!rep.stored);
    assert_eq!((rep.batch_id, rep.written, rep.rejected), (None, 0, 1));
    assert_eq!(s.batches(10).unwrap().len(), 1, "only the catalogue batch");
    assert_eq!(crate::row(&s, january(), "wf-a").runs, 0);
    // Without --strict the good row is stored and the bad one kept aside.
    let rep = ingest_text(&s, Kind::Runs, Format::Csv, text, false).unwrap();
    assert!(rep.stored);
    assert_eq!(crate::row(&s, january(), "wf-a").runs, 1);
}

#[test]
fn unreadable_input_stores_nothing() {
    let s = catalogue();
    for (format, text, needle) in [
        (
            Format::Csv,
            "source,run_id\ns,r1\n",
            "missing required columns",
        ),
        (
            Format::Json,
            "\"a string\"",
            "an object or an array of objects",
        ),
        (Format::Json, "{\"source\": \"s\"", "invalid JSON object"),
        (Format::Json, "[{\"source\": \"s\"},", "not closed"),
        (Format::Csv, "", "empty"),
    ] {
        match ingest_text(&s, Kind::Runs, format, text, false) {
            Err(IngestError::Unreadable(e)) => assert!(e.0.contains(needle), "{e}"),
            other => panic!("expected unreadable for {text:?}, got {other:?}"),
        }
    }
    assert_eq!(s.batches(10).unwrap().len(), 1);
}

#[test]
fn json_and_ndjson_runs_keep_attributes_and_extra_fields() {
    let s = catalogue();
    let json = r#"[
      {"source": "api", "run_id": "j1", "workflow_id": "wf-a", "started_at": "2026-01-02T00:00:00Z",
       "finished_at": "2026-01-02T00:06:00Z", "status": "succeeded", "human_minutes": 1.5,
       "attributes": {"region": "EU"}, "channel": "web"},
      {"source": "api", "run_id": "j2", "workflow_id": "wf-a", "started_at": 12, "status": "running"}
    ]"#;
    let rep = ingest_text(&s, Kind::Runs, Format::Json, json, false).unwrap();
    assert_eq!((rep.accepted, rep.rejected), (1, 1));
    assert_eq!(rep.rejects[0].line, 5);
    assert_eq!(rep.rejects[0].field.as_deref(), Some("started_at"));
    assert!(rep
        .warnings
        .iter()
        .any(|w| w.contains("`channel`") && w.contains("attributes")));
    let nd = "{\"source\":\"api\",\"run_id\":\"j3\",\"workflow_id\":\"wf-a\",\"started_at\":\"2026-01-03T00:00:00Z\",\"status\":\"running\"}\n{broken\n";
    let rep = ingest_text(&s, Kind::Runs, Format::Ndjson, nd, false).unwrap();
    assert_eq!((rep.accepted, rep.rejected), (1, 1));
    assert_eq!(rep.rejects[0].line, 2);
    let r = crate::row(&s, january(), "wf-a");
    assert_eq!((r.runs, r.succeeded, r.running), (2, 1, 1));
    close_cycle(r.cycle_time_p50_min);
}

fn close_cycle(v: Option<f64>) {
    crate::close(v, Some(6.0));
}

#[test]
fn unknown_catalogue_columns_are_ignored_with_a_warning() {
    let s = Store::open_in_memory().unwrap();
    let rep = ingest_file(&s, Kind::Workflows, "golden/workflows.csv");
    assert_eq!(
        rep.warnings,
        ["column `cost_center` is not a workflow field; ignored"]
    );
    assert_eq!(rep.rejects[0].line, 6);
    assert_eq!(rep.rejects[0].field.as_deref(), Some("category"));
}

#[test]
fn a_batch_larger_than_a_duckdb_row_group_is_stored_whole() {
    // DuckDB writes row groups of 122,880 rows. A batch of that size once vanished
    // silently from a TEMP staging table of a database file (the merge saw an empty
    // table), so staging tables are ordinary tables now. Every run must arrive, and
    // still be there after the file is reopened.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.duckdb");
    let company = yardstick::gen::Company::new(yardstick::gen::Spec {
        runs: 130_000,
        ..Default::default()
    });
    let (mut wf, mut runs) = (Vec::new(), Vec::new());
    company.write_workflows(&mut wf).unwrap();
    company.write_runs(&mut runs).unwrap();
    let s = Store::open(&path).unwrap();
    let input = |kind, bytes: &'static [u8]| Input {
        kind,
        format: Format::Csv,
        origin: "gen",
        bytes,
    };
    let wf: &'static [u8] = wf.leak();
    let runs: &'static [u8] = runs.leak();
    ingest::ingest(&s, &input(Kind::Workflows, wf), Options::default()).unwrap();
    drop(s);
    let s = Store::open(&path).unwrap();
    let rep = ingest::ingest(&s, &input(Kind::Runs, runs), Options { strict: true }).unwrap();
    assert_eq!((rep.accepted, rep.written), (130_000, 130_000));
    let all = yardstick::metrics::Period::parse("2025-01-01", "2027-01-01").unwrap();
    let total = |s: &Store| {
        crate::table(s, all)
            .rows()
            .unwrap()
            .iter()
            .map(|r| r.runs)
            .sum::<i64>()
    };
    assert_eq!(total(&s), 130_000);
    // Two row groups are aggregated by two threads in either order; every sum in the
    // metric SQL is exact, so the table is the same to the last bit each time.
    let json = |s: &Store| crate::table(s, all).to_json().unwrap().to_string();
    let first = json(&s);
    for _ in 0..3 {
        assert_eq!(json(&s), first);
    }
    drop(s);
    assert_eq!(total(&Store::open(&path).unwrap()), 130_000);
}

#[test]
fn windows_line_endings_quotes_and_a_byte_order_mark_are_read() {
    let s = catalogue();
    let text = "\u{feff}source,run_id,workflow_id,started_at,finished_at,status,error_kind\r\n\
                s,r1,wf-a,2026-01-02 09:00,2026-01-02 09:30,failed,\"timeout, then retry\"\r\n\
                \r\n\
                s,r2,wf-a,2026-01-02T10:00:00Z,,bogus,\r\n";
    let rep = ingest_text(&s, Kind::Runs, Format::Csv, text, false).unwrap();
    assert_eq!((rep.accepted, rep.rejected), (1, 1));
    assert_eq!(rep.rejects[0].line, 4);
    assert_eq!(rep.rejects[0].field.as_deref(), Some("status"));
    let r = crate::row(&s, january(), "wf-a");
    assert_eq!((r.runs, r.failed), (1, 1));
    let raw = &s.rejects(rep.batch_id, 10).unwrap()[0].raw;
    assert_eq!(raw, "s,r2,wf-a,2026-01-02T10:00:00Z,,bogus,");
}

#[test]
fn hostile_shapes_are_refused_with_a_reason() {
    let s = catalogue();
    let wide = format!(
        "source,run_id,workflow_id,started_at,status,{}\n",
        (0..2000)
            .map(|i| format!("c{i}"))
            .collect::<Vec<_>>()
            .join(",")
    );
    let e = ingest_text(&s, Kind::Runs, Format::Csv, &wide, false).unwrap_err();
    assert!(e.to_string().contains("at most 1000"), "{e}");
    let deep = format!("[{}{}]", "[".repeat(5000), "]".repeat(5000));
    let e = ingest_text(&s, Kind::Runs, Format::Json, &deep, false).unwrap_err();
    assert!(e.to_string().contains("invalid JSON"), "{e}");
    let mut obj = serde_json::Map::new();
    for i in 0..1500 {
        obj.insert(format!("k{i}"), serde_json::Value::from(i));
    }
    let rep = ingest_text(
        &s,
        Kind::Runs,
        Format::Json,
        &serde_json::Value::Object(obj).to_string(),
        false,
    )
    .unwrap();
    assert_eq!(rep.written, 0);
    assert!(rep.rejects[0].reason.contains("at most 1000"));
    assert!(s.workflows(None).unwrap().iter().all(|w| w.runs == 0));
    // Many fields just under the field limit make a row over the row limit.
    let big = "x".repeat(60 * 1024);
    let header = (0..20)
        .map(|i| format!("c{i}"))
        .collect::<Vec<_>>()
        .join(",");
    let values = vec![big; 20].join(",");
    let text = format!(
        "source,run_id,workflow_id,started_at,status,{header}\ns,r1,wf-a,2026-01-05T09:00:00Z,running,{values}\n"
    );
    let rep = ingest_text(&s, Kind::Runs, Format::Csv, &text, false).unwrap();
    assert_eq!((rep.written, rep.rejected), (0, 1));
    assert!(rep.rejects[0]
        .reason
        .contains("the row is longer than 1048576 bytes"));
}

/// A decimal in a JSON run is stored as the f64 nearest to it, as from CSV.
/// serde_json's default parser gets some decimals one unit in the last place
/// off; the two here are its maintainers' own examples (serde-rs/json#378,
/// 98.88339545701953 read as …52; serde-rs/json#1336, 1.5777777777770001),
/// and its `float_roundtrip` feature reads them right.
#[test]
fn json_decimals_are_stored_as_written() {
    let s = catalogue();
    let written = ["98.88339545701953", "1.5777777777770001"];
    let json = format!(
        r#"[
      {{"source": "api", "run_id": "f1", "workflow_id": "wf-a", "started_at": "2026-01-02T00:00:00Z",
       "finished_at": "2026-01-02T00:06:00Z", "status": "succeeded", "human_minutes": {}}},
      {{"source": "api", "run_id": "f2", "workflow_id": "wf-a", "started_at": "2026-01-03T00:00:00Z",
       "finished_at": "2026-01-03T00:06:00Z", "status": "succeeded", "human_minutes": {}}}
    ]"#,
        written[0], written[1]
    );
    let rep = ingest_text(&s, Kind::Runs, Format::Json, &json, true).unwrap();
    assert_eq!((rep.accepted, rep.rejected), (2, 0));
    let (_, samples) = s
        .compare_evidence(&["wf-a".to_string()], None, january().to, None)
        .unwrap();
    // In anchor order: f1 (2 January), then f2.
    let stored: Vec<f64> = samples[0]
        .canonical()
        .human_minutes
        .iter()
        .map(|h| h.unwrap())
        .collect();
    let expected: Vec<f64> = written.iter().map(|w| w.parse().unwrap()).collect();
    assert_eq!(
        stored.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
        expected.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
        "stored {stored:?}, written {written:?}"
    );
}
