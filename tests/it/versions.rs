//! Versions of an automation (#25): runs carry `version`, a changed version
//! is a changed run, a file written before keeps its runs and gains the
//! column, `report versions` against figures computed by hand, `--by
//! version` and `--where version=` equal to the same report on a
//! pre-filtered file, and a new version's regression flagged on its first
//! day's data and not before.

use yardstick::ingest::{Format, Options};
use yardstick::metrics::compare::Interval;
use yardstick::metrics::Period;
use yardstick::model::Kind;
use yardstick::report::versions::{versions_csv, versions_of, VersionsRequest};
use yardstick::report::{self};
use yardstick::segments::Segments;
use yardstick::store::Store;

use crate::ingest_text;

const WORKFLOWS: &str = "\
workflow_id,name,owner,team,category,hourly_cost,currency,sla_response_minutes,sla_cycle_minutes,automated_since,baseline_minutes_per_item
ver-w,Versioned,Ana,Ops,intake,60,EUR,,,2026-01-05,10
";

const HEADER: &str =
    "source,run_id,workflow_id,trigger_at,started_at,first_response_at,finished_at,status,error_kind,human_minutes,version";

/// Version 1 from 2026-01-05: 4 runs (1 failed); version 2 from 2026-01-12:
/// 3 runs (2 failed); one run naming no version.
const RUNS: [&str; 8] = [
    "s,a1,ver-w,,2026-01-05T10:00:00Z,,2026-01-05T10:10:00Z,succeeded,,,1",
    "s,a2,ver-w,,2026-01-06T10:00:00Z,,2026-01-06T10:20:00Z,succeeded,,,1",
    "s,a3,ver-w,,2026-01-07T10:00:00Z,,2026-01-07T10:30:00Z,failed,,,1",
    "s,a4,ver-w,,2026-01-08T10:00:00Z,,2026-01-08T10:40:00Z,succeeded,,,1",
    "s,b1,ver-w,,2026-01-12T10:00:00Z,,2026-01-12T11:00:00Z,failed,,,2",
    "s,b2,ver-w,,2026-01-13T10:00:00Z,,2026-01-13T11:30:00Z,succeeded,,,2",
    "s,b3,ver-w,,2026-01-14T10:00:00Z,,2026-01-14T10:05:00Z,failed,,,2",
    "s,n1,ver-w,,2026-01-15T10:00:00Z,,2026-01-15T10:15:00Z,succeeded,,,",
];

fn store_with(runs: &[String]) -> Store {
    crate::store_of(WORKFLOWS, HEADER, runs)
}

fn owned(runs: &[&str]) -> Vec<String> {
    runs.iter().map(|s| s.to_string()).collect()
}

fn req() -> VersionsRequest {
    VersionsRequest {
        workflow: "ver-w".into(),
        from: Some("2026-01-01".into()),
        to: Some("2026-02-01".into()),
        resamples: Some(200),
        ..VersionsRequest::default()
    }
}

#[test]
fn each_version_by_hand() {
    let store = store_with(&owned(&RUNS));
    let v = versions_of(&store, &req()).unwrap();
    let names: Vec<Option<&str>> = v.versions.iter().map(|r| r.version.as_deref()).collect();
    assert_eq!(names, [Some("1"), Some("2"), None]);
    let (one, two, none) = (&v.versions[0], &v.versions[1], &v.versions[2]);
    assert_eq!((one.runs, two.runs, none.runs), (4, 3, 1));
    assert_eq!(one.first_run.to_string(), "2026-01-05 10:00:00");
    assert_eq!(one.last_run.to_string(), "2026-01-08 10:00:00");
    assert_eq!(two.first_run.to_string(), "2026-01-12 10:00:00");
    assert_eq!(
        (one.previous.as_deref(), two.previous.as_deref()),
        (None, Some("1"))
    );
    assert_eq!(two.interval, Interval::Runs, "two weeks: runs one by one");
    let row = |r: &yardstick::metrics::compare::versions::VersionRow, m: &str| {
        r.rows.iter().find(|x| x.metric == m).unwrap().clone()
    };
    // Error rate: 1 of 4, then 2 of 3.
    let e = row(two, "error_rate");
    assert_eq!((e.before, e.before_n), (Some(0.25), 4));
    assert_eq!(e.after_n, 3);
    assert!((e.after.unwrap() - 2.0 / 3.0).abs() < 1e-12);
    assert!((e.change.unwrap() - (2.0 / 3.0 - 0.25)).abs() < 1e-12);
    assert_eq!(e.verdict, "too little data: n=4 before, n=3 after");
    // Median cycle time of the succeeded runs: 10, 20, 40 → 20; then 90.
    let c = row(two, "cycle_time_p50_min");
    assert_eq!((c.before, c.after), (Some(20.0), Some(90.0)));
    let m = row(one, "cycle_time_mean_min");
    assert!((m.after.unwrap() - 70.0 / 3.0).abs() < 1e-9);
    assert_eq!(row(one, "error_rate").verdict, "no data before");
    // CSV: a row per version and metric, the version first.
    let csv = String::from_utf8(versions_csv(&v).unwrap()).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 1 + 3 * 5);
    assert!(lines[0]
        .starts_with("workflow_id,version,first_run,last_run,runs,previous,interval,metric"));
    assert!(
        lines[6].starts_with(
            "ver-w,2,2026-01-12T10:00:00Z,2026-01-14T10:00:00Z,3,1,runs,error_rate,share,0.25,4,"
        ),
        "{}",
        lines[6]
    );
    assert!(
        lines[11].starts_with("ver-w,,2026-01-15T10:00:00Z,"),
        "{}",
        lines[11]
    );
}

#[test]
fn a_changed_version_is_a_changed_run() {
    let store = store_with(&owned(&RUNS));
    // a4 sent again under version 2: the stored run is superseded.
    let text = format!(
        "{HEADER}\ns,a4,ver-w,,2026-01-08T10:00:00Z,,2026-01-08T10:40:00Z,succeeded,,,2\n\
         s,a1,ver-w,,2026-01-05T10:00:00Z,,2026-01-05T10:10:00Z,succeeded,,,1\n"
    );
    let out = ingest_text(
        &store,
        Kind::Runs,
        Format::Csv,
        "again.csv",
        &text,
        Options::default(),
    )
    .unwrap();
    assert_eq!(out.unchanged, 1, "a1 is the same run: {out:?}");
    let v = versions_of(&store, &req()).unwrap();
    let runs: Vec<(Option<&str>, usize)> = v
        .versions
        .iter()
        .map(|r| (r.version.as_deref(), r.runs))
        .collect();
    assert_eq!(runs, [(Some("1"), 3), (Some("2"), 4), (None, 1)]);
}

#[test]
fn by_and_where_version_equal_a_prefiltered_file() {
    let store = store_with(&owned(&RUNS));
    let period = Period::parse("2026-01-01", "2026-02-01").unwrap();
    let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
    let by = Segments::parse(&s(&["version"]), &[]).unwrap();
    let table = report::metric_table_by(&store, period, &[], None, &by).unwrap();
    let rows = table.rows().unwrap();
    let seg: Vec<(Option<String>, i64, i64)> = rows
        .iter()
        .map(|r| {
            (
                r.segment.as_ref().unwrap()["version"].clone(),
                r.runs,
                r.failed,
            )
        })
        .collect();
    assert_eq!(
        seg,
        [
            (Some("1".into()), 4, 1),
            (Some("2".into()), 3, 2),
            (None, 1, 0)
        ]
    );
    let csv = String::from_utf8(table.to_csv().unwrap()).unwrap();
    assert!(csv.starts_with("workflow_id,version,runs,"), "{csv}");
    // --where version=2 is the plain table of a file holding version 2's runs.
    let only = Segments::parse(&[], &s(&["version=2"])).unwrap();
    let filtered = report::metric_table_by(&store, period, &[], None, &only).unwrap();
    let two: Vec<String> = RUNS
        .iter()
        .filter(|r| r.ends_with(",2"))
        .map(|r| r.to_string())
        .collect();
    let plain = report::metric_table(&store_with(&two), period, &[]).unwrap();
    assert_eq!(
        filtered.to_csv().unwrap(),
        plain.to_csv().unwrap(),
        "filtered = pre-filtered"
    );
}

#[test]
fn a_file_written_before_versions_keeps_its_runs_and_gains_the_column() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.duckdb");
    {
        let store = Store::open(&path).unwrap();
        let csv = Format::Csv;
        ingest_text(
            &store,
            Kind::Workflows,
            csv,
            "w.csv",
            WORKFLOWS,
            Options::default(),
        )
        .unwrap();
        let text = format!("{HEADER}\n{}\n", RUNS.join("\n"));
        ingest_text(&store, Kind::Runs, csv, "r.csv", &text, Options::default()).unwrap();
        drop(store);
    }
    // As an earlier Yardstick wrote it: no version column.
    {
        let conn = duckdb::Connection::open(&path).unwrap();
        conn.execute_batch("ALTER TABLE runs DROP COLUMN version")
            .unwrap();
    }
    let store = Store::open(&path).unwrap();
    let v = versions_of(&store, &req()).unwrap();
    assert_eq!(v.versions.len(), 1, "every stored run names no version now");
    assert_eq!(
        (v.versions[0].version.as_deref(), v.versions[0].runs),
        (None, 8)
    );
    // New runs carry theirs.
    let text =
        format!("{HEADER}\ns,c1,ver-w,,2026-01-20T10:00:00Z,,2026-01-20T10:10:00Z,succeeded,,,3\n");
    ingest_text(
        &store,
        Kind::Runs,
        Format::Csv,
        "new.csv",
        &text,
        Options::default(),
    )
    .unwrap();
    let v = versions_of(&store, &req()).unwrap();
    let names: Vec<Option<&str>> = v.versions.iter().map(|r| r.version.as_deref()).collect();
    assert_eq!(names, [Some("3"), None]);
}

/// 20 runs a day of `version` from `from` for `days` days, run `k` (from
/// `start_k`) failed when `fail_every` divides it.
fn daily(from: &str, days: i64, version: &str, fail_every: i64, start_k: i64) -> Vec<String> {
    let start = yardstick::model::parse_timestamp_or_date(from).unwrap();
    let mut out = Vec::new();
    for d in 0..days {
        for i in 0..20 {
            let k = start_k + d * 20 + i;
            let a = start + chrono::Duration::days(d) + chrono::Duration::minutes(10 * i);
            let f = a + chrono::Duration::minutes(30 + (k % 7));
            let status = if k % fail_every == 0 {
                "failed"
            } else {
                "succeeded"
            };
            let ts = |t: chrono::NaiveDateTime| t.format("%Y-%m-%dT%H:%M:%SZ").to_string();
            out.push(format!(
                "s,r{k},ver-w,,{},,{},{status},,,{version}",
                ts(a),
                ts(f)
            ));
        }
    }
    out
}

#[test]
fn a_regressing_version_is_flagged_on_its_first_day_and_not_before() {
    let mut runs = daily("2026-01-05T08:00:00Z", 56, "7", 20, 0);
    // Version 7 from go-live (1 failure in 20); version 8 from 2026-03-02
    // 08:00 (1 in 2).
    runs.extend(daily("2026-03-02T08:00:00Z", 1, "8", 2, 100_000));
    let store = store_with(&runs);
    let alerts = |at: &str| report::alerts(&store, Some(at), "UTC").unwrap();
    // The day before version 8: nothing new, no version check.
    let before = alerts("2026-03-02T07:00:00Z");
    assert!(before.checks.iter().all(|c| c.version.is_none()));
    assert!(before.alerts.is_empty(), "{:?}", before.alerts);
    // Its first day: 20 runs, 10 failed, against version 7's 8 weeks (1 in 20).
    let day1 = alerts("2026-03-03");
    let e = day1
        .alerts
        .iter()
        .find(|c| c.metric == "error_rate")
        .unwrap_or_else(|| panic!("version 8's error rate is flagged: {:#?}", day1.checks));
    let v = e.version.as_ref().unwrap();
    assert_eq!(
        (v.version.as_str(), v.previous_version.as_str()),
        ("8", "7")
    );
    assert_eq!(v.from.to_string(), "2026-03-02 08:00:00");
    assert_eq!(e.last_week_n, 20);
    assert!((e.last_week.unwrap() - 0.5).abs() < 1e-12);
    assert_eq!(e.trailing_n, 8 * 7 * 20);
    assert!((e.trailing.unwrap() - 0.05).abs() < 1e-12);
    assert!(e.regressed && e.verdict == "worse, clearly", "{e:?}");
    // The weekly checks have not seen it: the week of 2026-03-02 is not complete.
    assert_eq!(day1.week_start.to_string(), "2026-02-23 00:00:00");
    assert!(
        day1.alerts.iter().all(|c| c.version.is_some()),
        "{:?}",
        day1.alerts
    );
    // The message a webhook posts says which version did it.
    let text = yardstick::notify::message(&day1, e, None)["text"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        text.contains("version 8 (from 2026-03-02): error rate 5.0% → 50.0%, clearly worse"),
        "{text}"
    );
}
