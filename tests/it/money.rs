//! The money a finance reader signs (issue #22): figures that must be exact
//! and readings of the README settled, each on a hand-computed case.

use yardstick::ingest::{Format, Options};
use yardstick::metrics::Period;
use yardstick::model::Kind;
use yardstick::store::Store;

use crate::{ingest_text, row};

/// Stores a CSV of `kind`.
fn put(store: &Store, kind: Kind, csv: &str) -> yardstick::ingest::Report {
    ingest_text(
        store,
        kind,
        Format::Csv,
        kind.as_str(),
        csv,
        Options::default(),
    )
    .unwrap()
}

/// A catalogue of one automated workflow whose B has more than six decimals.
fn one_workflow(b: &str) -> Store {
    let store = Store::open_in_memory().unwrap();
    let catalogue = format!(
        "workflow_id,name,owner,category,hourly_cost,currency,automated_since,baseline_minutes_per_item\n\
         wf,Intake,Ops,intake,60,EUR,2026-01-01,{b}\n"
    );
    let r = put(&store, Kind::Workflows, &catalogue);
    assert!(r.stored);
    store
}

/// A failed run without human minutes was done by hand entirely: it reclaims
/// B − B = 0, exactly, whatever B's digits (once it reclaimed B − round₆(B),
/// as B was summed as a six-place decimal).
#[test]
fn a_run_done_by_hand_reclaims_exactly_nothing() {
    let store = one_workflow("10.1234567891");
    let runs = "source,run_id,workflow_id,started_at,finished_at,status,human_minutes\n\
                s,1,wf,2026-01-05T09:00:00Z,2026-01-05T10:00:00Z,failed,\n\
                s,2,wf,2026-01-06T09:00:00Z,2026-01-06T10:00:00Z,failed,\n";
    let r = put(&store, Kind::Runs, runs);
    assert_eq!(r.written, 2);
    let january = Period::parse("2026-01-01", "2026-02-01").unwrap();
    let wf = row(&store, january, "wf");
    assert_eq!(wf.failed, 2);
    assert_eq!(wf.reclaimed_hours, Some(0.0));
    assert_eq!(wf.reclaimed_money, Some(0.0));
    // Beside a run that reclaims, only that run's B − human minutes (human
    // minutes count to the micro-minute: README, Reproducibility).
    let more = "source,run_id,workflow_id,started_at,finished_at,status,human_minutes\n\
                s,3,wf,2026-01-07T09:00:00Z,2026-01-07T10:00:00Z,succeeded,0.123456\n";
    put(&store, Kind::Runs, more);
    let wf = row(&store, january, "wf");
    let hours = wf.reclaimed_hours.unwrap();
    assert!(
        (hours - (10.1234567891 - 0.123456) / 60.0).abs() < 1e-15,
        "{hours}"
    );
}

/// The human-minutes row of a comparison of `wf` (no B: `one_workflow("")`)
/// with pre-runs as its before side.
fn human_row(store: &Store) -> yardstick::metrics::compare::CompareRow {
    let req = yardstick::report::CompareRequest {
        workflows: vec!["wf".into()],
        to: Some("2026-02-01".into()),
        baseline: Some(yardstick::metrics::compare::BaselineChoice::PreRuns),
        ..Default::default()
    };
    let c = yardstick::report::compare(store, &req).unwrap();
    c[0].rows
        .iter()
        .find(|r| r.metric == "human_minutes_per_item")
        .unwrap()
        .clone()
}

/// Two readings of compare's human minutes per item, settled: it counts each
/// completed run (succeeded, failed, escalated; a cancelled run did no work,
/// whatever minutes it carries), and without a B a failed run without human
/// minutes cannot be counted as done by hand, so the after side is not
/// measurable (null, with the reason), never a mean without those runs.
#[test]
fn compare_counts_completed_runs_and_says_when_human_minutes_cannot_be_measured() {
    let store = one_workflow("");
    let runs = "source,run_id,workflow_id,started_at,finished_at,status,human_minutes\n\
                s,p1,wf,2025-12-01T09:00:00Z,2025-12-01T10:00:00Z,succeeded,20\n\
                s,p2,wf,2025-12-02T09:00:00Z,2025-12-02T10:00:00Z,succeeded,30\n\
                s,1,wf,2026-01-05T09:00:00Z,2026-01-05T10:00:00Z,succeeded,3\n\
                s,2,wf,2026-01-06T09:00:00Z,2026-01-06T10:00:00Z,escalated,5\n\
                s,3,wf,2026-01-07T09:00:00Z,2026-01-07T10:00:00Z,cancelled,7\n\
                s,4,wf,2026-01-08T09:00:00Z,2026-01-08T10:00:00Z,failed,10\n";
    put(&store, Kind::Runs, runs);
    let r = human_row(&store);
    // (3 + 5 + 10) / 3 = 6: the cancelled run's 7 minutes are not counted.
    assert_eq!((r.before, r.before_n), (Some(25.0), 2));
    assert_eq!((r.after, r.after_n), (Some(6.0), 3));
    assert_eq!(r.change, Some(-19.0));
    // A failed run without human minutes, and no B.
    let more = "source,run_id,workflow_id,started_at,finished_at,status,human_minutes\n\
                s,5,wf,2026-01-09T09:00:00Z,2026-01-09T10:00:00Z,failed,\n";
    put(&store, Kind::Runs, more);
    let r = human_row(&store);
    assert_eq!(
        (r.after, r.change, r.ci_low, r.ci_high),
        (None, None, None, None)
    );
    assert!(
        r.verdict
            .starts_with("not measurable: 1 failed run(s) without human_minutes"),
        "{}",
        r.verdict
    );
    assert_eq!(r.before, Some(25.0), "the before side is still measured");
}

/// A step that starts before the earlier ones have finished (work in
/// parallel) did not wait: its wait is 0, and the step table says how many
/// instances were counted so, rather than clamping in silence.
#[test]
fn overlapping_steps_wait_nothing_and_are_counted() {
    let store = one_workflow("10");
    let runs = "source,run_id,workflow_id,started_at,finished_at,status\n\
                s,1,wf,2026-01-05T09:00:00Z,2026-01-05T10:00:00Z,succeeded\n";
    put(&store, Kind::Runs, runs);
    let steps = "source,run_id,step,started_at,finished_at\n\
                 s,1,A,2026-01-05T09:00:00Z,2026-01-05T09:30:00Z\n\
                 s,1,B,2026-01-05T09:10:00Z,2026-01-05T09:40:00Z\n\
                 s,1,C,2026-01-05T09:50:00Z,2026-01-05T10:00:00Z\n";
    put(&store, Kind::Steps, steps);
    let (_, t) =
        yardstick::report::steps(&store, "wf", Some("2026-01-01"), Some("2026-02-01")).unwrap();
    let by = |s: &str| t.rows.iter().find(|r| r.step == s).unwrap().clone();
    // B starts 20 minutes before A ends: wait 0, one overlap.
    assert_eq!((by("B").wait_mean_min, by("B").overlapped), (Some(0.0), 1));
    // C waits from B's end (09:40), the latest finish before it: 10 minutes.
    assert_eq!((by("C").wait_mean_min, by("C").overlapped), (Some(10.0), 0));
    // A starts at the run's anchor: no wait, and no overlap either.
    assert_eq!((by("A").wait_mean_min, by("A").overlapped), (Some(0.0), 0));
    let csv = String::from_utf8(t.to_csv()).unwrap();
    assert!(
        csv.lines()
            .next()
            .unwrap()
            .ends_with(",bottleneck,overlapped"),
        "{csv}"
    );
}

/// Runs of `wf` (B 10) at each of `anchors`, succeeded in an hour.
fn runs_at(anchors: &[&str]) -> Store {
    let store = one_workflow("10");
    let mut csv = String::from("source,run_id,workflow_id,started_at,finished_at,status\n");
    for (i, a) in anchors.iter().enumerate() {
        let t = yardstick::model::parse_timestamp(a).unwrap();
        let end = yardstick::model::format_timestamp(t + chrono::Duration::hours(1));
        csv.push_str(&format!("s,{i},wf,{a},{end},succeeded\n"));
    }
    put(&store, Kind::Runs, &csv);
    store
}

/// "The previous period" of `report summary` is the period of equal length
/// that ends where the asked one starts: for Q2 (91 days) it begins on 31
/// December, not on 1 January.
#[test]
fn the_previous_period_is_of_equal_length_not_the_calendar_quarter() {
    let store = runs_at(&[
        "2025-12-29T12:00:00Z",
        "2025-12-31T12:00:00Z",
        "2026-02-01T12:00:00Z",
        "2026-05-01T12:00:00Z",
    ]);
    let s =
        yardstick::report::summary(&store, Some("2026-04-01"), Some("2026-07-01"), None).unwrap();
    assert_eq!(s["previous_from"], "2025-12-31T00:00:00Z");
    assert_eq!(s["previous_to"], "2026-04-01T00:00:00Z");
    let runs = s["figures"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["unit"] == "runs")
        .unwrap()
        .clone();
    // The runs of 31 December and 1 February count before; that of 29 December does not.
    assert_eq!(
        (runs["previous"].as_f64(), runs["value"].as_f64()),
        (Some(2.0), Some(1.0)),
        "{runs}"
    );
}

/// Bare dates are midnight UTC in the metric table and local midnight in a
/// trend's time zone: the same month agrees with `--tz UTC` and differs in
/// Madrid by the run of the hour between the two midnights.
#[test]
fn a_month_is_the_same_in_metrics_and_a_utc_trend_and_local_in_another_zone() {
    // 31 January 23:30 UTC is 1 February 00:30 in Madrid.
    let store = runs_at(&["2026-01-10T12:00:00Z", "2026-01-31T23:30:00Z"]);
    let jan = Period::parse("2026-01-01", "2026-02-01").unwrap();
    assert_eq!(row(&store, jan, "wf").runs, 2);
    let month = |tz: &str| -> Vec<i64> {
        let t = yardstick::report::trend(
            &store,
            yardstick::metrics::trend::Granularity::Month,
            tz,
            Some("2026-01-01"),
            Some("2026-03-01"),
            &["wf".to_string()],
            None,
        )
        .unwrap();
        t.tables.iter().map(|m| m.rows().unwrap()[0].runs).collect()
    };
    assert_eq!(month("UTC"), [2, 0]);
    assert_eq!(month("Europe/Madrid"), [1, 1]);
}
