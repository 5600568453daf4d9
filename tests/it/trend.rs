//! Trends: whole periods in a reporting time zone, empty periods present, and
//! the same numbers as the metric table of each period.

use yardstick::ingest::{Format, Options};
use yardstick::metrics::trend::Granularity;
use yardstick::model::Kind;
use yardstick::report;

use crate::{golden_store, ingest_text};

#[test]
fn weeks_in_madrid_put_a_sunday_night_run_in_its_own_week() {
    let s = golden_store();
    // Sunday 2026-01-11 23:30 in Madrid (22:30 UTC) and Monday 00:30 in Madrid (Sunday 23:30 UTC).
    let text = "source,run_id,workflow_id,trigger_at,started_at,finished_at,status\n\
                tz,sun,wf-c,2026-01-11T23:30:00+01:00,2026-01-11T23:30:00+01:00,2026-01-11T23:40:00+01:00,succeeded\n\
                tz,mon,wf-c,2026-01-12T00:30:00+01:00,2026-01-12T00:30:00+01:00,2026-01-12T00:50:00+01:00,succeeded\n";
    let rep = ingest_text(
        &s,
        Kind::Runs,
        Format::Csv,
        "tz",
        text,
        Options { strict: true },
    );
    assert!(rep.unwrap().stored);
    let wf = ["wf-c".to_string()];
    let runs_per_week = |tz: &str| -> Vec<(String, i64)> {
        let t = report::trend(
            &s,
            Granularity::Week,
            tz,
            Some("2026-01-05"),
            Some("2026-01-19"),
            &wf,
            None,
        )
        .unwrap();
        let j = t.to_json().unwrap();
        j["rows"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                (
                    r["period_start"].as_str().unwrap().to_string(),
                    r["runs"].as_i64().unwrap(),
                )
            })
            .collect()
    };
    // Madrid: week of 01-05 holds the Sunday run; the Monday 00:30 run opens week 01-12,
    // which also holds c1 (2026-01-12T10:00Z).
    assert_eq!(
        runs_per_week("Europe/Madrid"),
        [("2026-01-05".into(), 1), ("2026-01-12".into(), 2)]
    );
    // UTC: both new runs fall on Sunday 01-11, in the week of 01-05.
    assert_eq!(
        runs_per_week("UTC"),
        [("2026-01-05".into(), 2), ("2026-01-12".into(), 1)]
    );
}

#[test]
fn empty_periods_are_zero_rows_and_figures_equal_the_metric_table() {
    let s = golden_store();
    let t = report::trend(
        &s,
        Granularity::Month,
        "UTC",
        Some("2025-12-01"),
        Some("2026-03-01"),
        &[],
        None,
    )
    .unwrap();
    let j = t.to_json().unwrap();
    assert_eq!(j["granularity"], "month");
    let rows = j["rows"].as_array().unwrap();
    // Three months × four catalogued workflows; in February only a9 (anchored exactly at
    // 2026-02-01T00:00Z, wf-a) ran, and the three idle workflows are present with zero runs.
    assert_eq!(rows.len(), 12);
    let feb: Vec<(&str, i64)> = rows
        .iter()
        .filter(|r| r["period_start"] == "2026-02-01")
        .map(|r| {
            (
                r["workflow_id"].as_str().unwrap(),
                r["runs"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(feb, [("wf-a", 1), ("wf-b", 0), ("wf-c", 0), ("wf-d", 0)]);
    // January's rows are the golden metric table's rows.
    let jan_a = rows
        .iter()
        .find(|r| r["period_start"] == "2026-01-01" && r["workflow_id"] == "wf-a")
        .unwrap();
    let table = crate::row(&s, crate::january(), "wf-a");
    assert_eq!(jan_a["runs"], table.runs);
    assert_eq!(
        jan_a["cycle_time_p90_min"].as_f64(),
        table.cycle_time_p90_min
    );
    assert_eq!(jan_a["reclaimed_hours"].as_f64(), table.reclaimed_hours);
    assert_eq!(jan_a["period_end_utc"], "2026-02-01T00:00:00Z");
    // December holds a11 (anchored 2025-12-31T23:59:59Z), before wf-a's go-live.
    let dec_a = rows
        .iter()
        .find(|r| r["period_start"] == "2025-12-01" && r["workflow_id"] == "wf-a")
        .unwrap();
    assert_eq!(
        (dec_a["runs"].as_i64(), dec_a["reclaimed_hours"].as_f64()),
        (Some(1), Some(0.0))
    );
    let csv = String::from_utf8(t.to_csv().unwrap()).unwrap();
    assert!(csv.starts_with("period_start,period_end,workflow_id,runs,"));
    assert_eq!(csv.lines().count(), 13);
    assert!(report::trend(&s, Granularity::Week, "Nowhere/City", None, None, &[], None).is_err());
}
