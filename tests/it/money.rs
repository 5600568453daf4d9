//! The money a finance reader signs (issue #22): figures that must be exact
//! and readings of the README settled, each on a hand-computed case.

use yardstick::ingest::Options;
use yardstick::metrics::Period;
use yardstick::model::Kind;
use yardstick::store::Store;

use crate::{close, row};

/// Stores a CSV of `kind`.
fn put(store: &Store, kind: Kind, csv: &str) -> yardstick::ingest::Report {
    crate::put_csv(store, kind, csv)
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
    let s = yardstick::report::summary(&store, Some("2026-04-01"), Some("2026-07-01"), None, None)
        .unwrap();
    assert_eq!(s["previous_from"], "2025-12-31T00:00:00Z");
    assert_eq!(s["previous_to"], "2026-04-01T00:00:00Z");
    let runs = crate::summary_figure(&s, "runs");
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

/// Two workflows whose later terms start on 1 March 2026: wf-a's hourly cost
/// 60 → 90 EUR and cycle SLA 60 → 5 minutes, wf-b's B 20 → 40 minutes.
const DATED: &str = "workflow_id,name,owner,category,hourly_cost,currency,automated_since,baseline_minutes_per_item,sla_cycle_minutes,effective_from\n\
    wf-a,Invoices,Ana,invoicing,60,EUR,2026-01-01,30,60,\n\
    wf-a,Invoices,Ana,invoicing,90,EUR,2026-01-01,30,5,2026-03-01\n\
    wf-b,Intake,Bo,intake,50,USD,2026-01-01,20,,\n\
    wf-b,Intake,Bo,intake,50,USD,2026-01-01,40,,2026-03-01\n";

/// The same catalogue before anyone dated a change: the first terms throughout.
const UNDATED: &str = "workflow_id,name,owner,category,hourly_cost,currency,automated_since,baseline_minutes_per_item,sla_cycle_minutes\n\
    wf-a,Invoices,Ana,invoicing,60,EUR,2026-01-01,30,60\n\
    wf-b,Intake,Bo,intake,50,USD,2026-01-01,20,\n";

/// Each 10 minutes long: wf-a's reclaim 20, 20 (February) and 30, 30 minutes
/// (March); wf-b's 5 human minutes each, so 20 − 5 in February and 40 − 5 in March.
const DATED_RUNS: &str = "source,run_id,workflow_id,started_at,finished_at,status,human_minutes\n\
    t,1,wf-a,2026-02-02T10:00:00Z,2026-02-02T10:10:00Z,succeeded,10\n\
    t,2,wf-a,2026-02-03T10:00:00Z,2026-02-03T10:10:00Z,succeeded,10\n\
    t,3,wf-a,2026-03-02T10:00:00Z,2026-03-02T10:10:00Z,succeeded,0\n\
    t,4,wf-a,2026-03-03T10:00:00Z,2026-03-03T10:10:00Z,succeeded,\n\
    t,5,wf-b,2026-02-02T10:00:00Z,2026-02-02T10:10:00Z,succeeded,5\n\
    t,6,wf-b,2026-03-02T10:00:00Z,2026-03-02T10:10:00Z,succeeded,5\n";

/// Money for each run uses the terms in force at its anchor (valid time),
/// and `--as-of` still answers "as recorded then" (recorded time).
#[test]
fn each_run_is_valued_by_the_terms_in_force_at_its_anchor() {
    let store = Store::open_in_memory().unwrap();
    put(&store, Kind::Workflows, UNDATED);
    put(&store, Kind::Runs, DATED_RUNS);
    let recorded_undated = store.batches(10).unwrap()[0].received_at;
    std::thread::sleep(std::time::Duration::from_millis(5));
    let r = put(&store, Kind::Workflows, DATED);
    assert_eq!((r.rejected, r.written, r.replaced), (0, 4, 2), "{r:?}");
    // The same file again records nothing.
    let again = put(&store, Kind::Workflows, DATED);
    assert_eq!((again.written, again.replaced), (0, 0), "{again:?}");

    let quarter = Period::parse("2026-01-01", "2026-04-01").unwrap();
    let a = row(&store, quarter, "wf-a");
    // 20 + 20 + 30 + 30 minutes; 40 at 60 EUR/h and 60 at 90 EUR/h.
    assert_eq!(a.reclaimed_hours, Some(100.0 / 60.0));
    assert_eq!(a.reclaimed_money, Some(130.0));
    // February's runs met the 60-minute SLA, March's missed the 5-minute one.
    assert_eq!(a.sla_cycle_compliance, Some(0.5));
    assert_eq!(a.baseline_minutes_per_item, Some(30.0));
    let b = row(&store, quarter, "wf-b");
    // (20 − 5) + (40 − 5) minutes at 50 USD/h; B shown is the one in force at the period's end.
    assert_eq!(b.reclaimed_hours, Some(50.0 / 60.0));
    assert!((b.reclaimed_money.unwrap() - 50.0 / 60.0 * 50.0).abs() < 1e-12);
    assert_eq!(b.baseline_minutes_per_item, Some(40.0));
    let february = Period::parse("2026-02-01", "2026-03-01").unwrap();
    assert_eq!(row(&store, february, "wf-a").reclaimed_money, Some(40.0));
    assert_eq!(
        row(&store, february, "wf-b").baseline_minutes_per_item,
        Some(20.0)
    );

    // The assumptions name the terms rows in force in the period.
    let table = yardstick::report::metric_table(&store, quarter, &[]).unwrap();
    let json = table.to_json().unwrap();
    let terms = &json["assumptions"][0]["terms"];
    assert_eq!(terms.as_array().unwrap().len(), 2, "{terms}");
    assert_eq!(terms[0]["hourly_cost"], 60.0);
    assert_eq!(terms[0]["effective_to"], "2026-03-01T00:00:00Z");
    assert_eq!(terms[1]["effective_from"], "2026-03-01T00:00:00Z");
    assert_eq!(terms[1]["hourly_cost"], 90.0);
    let feb = yardstick::report::metric_table(&store, february, &[]).unwrap();
    assert_eq!(feb.assumptions[0].terms.len(), 1);

    // As recorded before the dated catalogue: the first terms for every run.
    let then = yardstick::report::metric_table_as_of(&store, quarter, &[], Some(recorded_undated))
        .unwrap()
        .rows()
        .unwrap();
    assert_eq!(then[0].reclaimed_money, Some(100.0));
    assert_eq!(then[1].reclaimed_hours, Some(30.0 / 60.0));

    // Compare repeats the table's money, and its interval resamples runs
    // with their own rates: per run 20, 20, 45, 45 EUR, so a resample of
    // four lies in [80, 180].
    let req = yardstick::report::CompareRequest {
        workflows: vec!["wf-a".into()],
        from: Some("2026-01-01".into()),
        to: Some("2026-04-01".into()),
        ..Default::default()
    };
    let c = yardstick::report::compare(&store, &req).unwrap();
    let money = c[0]
        .rows
        .iter()
        .find(|r| r.metric == "reclaimed_money")
        .unwrap();
    assert_eq!((money.after, money.unit.as_str()), (Some(130.0), "EUR"));
    let (lo, hi) = (money.ci_low.unwrap(), money.ci_high.unwrap());
    assert!(
        (80.0..130.0).contains(&lo) && hi > 130.0 && hi <= 180.0,
        "{lo} {hi}"
    );

    // The leadership headline sums the table's money per currency.
    let (_, p) =
        yardstick::report::portfolio(&store, Some("2026-01-01"), Some("2026-04-01"), None).unwrap();
    let eur = p.headline.iter().find(|h| h.unit == "EUR").unwrap();
    assert_eq!(eur.value, 130.0);
    assert!(eur.ci_low.unwrap() >= 80.0 && eur.ci_high.unwrap() <= 180.0);

    // A file gives each workflow it names whole: wf-a alone, undated, is one
    // terms row again (a new version); wf-b keeps its two.
    let r = put(
        &store,
        Kind::Workflows,
        "workflow_id,name,owner,category,hourly_cost,currency,automated_since,baseline_minutes_per_item,sla_cycle_minutes\n\
         wf-a,Invoices,Ana,invoicing,72,EUR,2026-01-01,30,60\n",
    );
    assert_eq!((r.written, r.replaced), (1, 1), "{r:?}");
    assert_eq!(row(&store, quarter, "wf-a").reclaimed_money, Some(120.0));
    assert_eq!(
        row(&store, quarter, "wf-b").reclaimed_hours,
        Some(50.0 / 60.0)
    );
}

/// A workflow's rows may differ only in effective_from and the terms it
/// dates: another name or currency on a later row is rejected, naming the
/// first row; a second row with the same effective_from supersedes the first.
#[test]
fn a_workflows_rows_differ_only_in_their_terms() {
    let store = Store::open_in_memory().unwrap();
    let r = put(
        &store,
        Kind::Workflows,
        "workflow_id,name,owner,category,hourly_cost,currency,effective_from\n\
         wf,Intake,Ops,intake,60,EUR,\n\
         wf,Intake,Ops,intake,70,USD,2026-03-01\n\
         wf,Intake v2,Ops,intake,70,EUR,2026-04-01\n\
         wf,Intake,Ops,intake,75,EUR,2026-05-01\n\
         wf,Intake,Ops,intake,80,EUR,2026-05-01\n\
         wf,Intake,Ops,intake,80,EUR,someday\n",
    );
    assert_eq!(
        (r.rejected, r.superseded_in_input, r.written),
        (3, 1, 2),
        "{r:?}"
    );
    let problems: Vec<(u64, String, String)> = r
        .rejects
        .iter()
        .map(|l| {
            (
                l.line,
                l.field.clone().unwrap_or_default(),
                l.reason.clone(),
            )
        })
        .collect();
    assert_eq!(problems[0].0, 3);
    assert_eq!(problems[0].1, "currency");
    assert!(
        problems[0]
            .2
            .starts_with("differs from line 2, the first row of workflow `wf`"),
        "{problems:?}"
    );
    assert_eq!((problems[1].0, problems[1].1.as_str()), (4, "name"));
    assert_eq!(
        (problems[2].0, problems[2].1.as_str()),
        (7, "effective_from")
    );
    let terms = &store.catalogue(None).unwrap()[0].terms;
    let costs: Vec<Option<f64>> = terms.iter().map(|t| t.hourly_cost).collect();
    assert_eq!(costs, [Some(60.0), Some(80.0)]);
}

/// A workflow whose rows are all dated has no terms before the first: a
/// period that begins earlier has no reclaimed figures (null, not a sum
/// that leaves its first runs out); one inside the dated span has them.
#[test]
fn a_period_before_the_first_dated_terms_is_not_measurable() {
    let store = Store::open_in_memory().unwrap();
    put(
        &store,
        Kind::Workflows,
        "workflow_id,name,owner,category,hourly_cost,currency,automated_since,baseline_minutes_per_item,effective_from\n\
         wf,Intake,Ops,intake,60,EUR,2026-01-01,30,2026-02-15\n",
    );
    put(
        &store,
        Kind::Runs,
        DATED_RUNS
            .replace("wf-a", "wf")
            .lines()
            .filter(|l| !l.contains("wf-b"))
            .collect::<Vec<_>>()
            .join("\n")
            .as_str(),
    );
    let quarter = Period::parse("2026-01-01", "2026-04-01").unwrap();
    let q = row(&store, quarter, "wf");
    assert_eq!(q.runs, 4);
    assert_eq!((q.reclaimed_hours, q.reclaimed_money), (None, None));
    let march = Period::parse("2026-03-01", "2026-04-01").unwrap();
    let m = row(&store, march, "wf");
    assert_eq!(m.reclaimed_hours, Some(1.0));
    assert_eq!(m.reclaimed_money, Some(60.0));
}

/// The dated catalogue and runs above with rates into EUR: one USD is 0.9
/// EUR from 1 January, 0.8 from 1 March.
fn with_rates() -> Store {
    let store = Store::open_in_memory().unwrap();
    put(&store, Kind::Workflows, DATED);
    put(&store, Kind::Runs, DATED_RUNS);
    let r = put(
        &store,
        Kind::Fx,
        "date,currency,rate,to\n2026-01-01,USD,0.9,EUR\n2026-03-01,USD,0.8,EUR\n",
    );
    assert_eq!((r.rejected, r.written), (0, 2), "{r:?}");
    store
}

/// Each run's money is converted at the latest rate dated on or before its
/// anchor's date; the answer names the rates, keeps the own-currency money,
/// and money without a rate is null and listed, never dropped.
#[test]
fn a_reporting_currency_converts_each_run_at_the_rate_of_its_day() {
    let store = with_rates();
    let quarter = Period::parse("2026-01-01", "2026-04-01").unwrap();
    let mut t = yardstick::report::metric_table(&store, quarter, &[]).unwrap();
    yardstick::report::in_currency(&store, &mut t, &[], None, "EUR").unwrap();
    let r = t.reporting.clone().unwrap();
    // wf-a is in EUR: 130. wf-b: 15 min at 50 USD/h = 12.5 USD in February
    // at 0.9, 35 min = 29.1667 USD in March at 0.8.
    let b = 12.5 * 0.9 + 35.0 / 60.0 * 50.0 * 0.8;
    assert_eq!(r.rows[0].reclaimed_money, Some(130.0));
    assert!((r.rows[1].reclaimed_money.unwrap() - b).abs() < 1e-12);
    assert!((r.rows[1].native_money.unwrap() - 50.0 / 60.0 * 50.0).abs() < 1e-12);
    assert!((r.total.unwrap() - (130.0 + b)).abs() < 1e-12);
    assert_eq!(r.total_missing, None);
    let rates: Vec<(String, String, f64, i64)> = r
        .rates
        .iter()
        .map(|x| (x.currency.clone(), x.date.to_string(), x.rate, x.runs))
        .collect();
    assert_eq!(
        rates,
        [
            ("USD".into(), "2026-01-01".into(), 0.9, 1),
            ("USD".into(), "2026-03-01".into(), 0.8, 1)
        ]
    );
    // The CSV gains the reporting columns.
    let csv = String::from_utf8(t.to_csv().unwrap()).unwrap();
    assert!(
        csv.lines()
            .next()
            .unwrap()
            .ends_with(",currency,reporting_currency,reclaimed_money_reporting"),
        "{csv}"
    );
    assert!(
        csv.lines().nth(1).unwrap().ends_with(",EUR,EUR,130.0"),
        "{csv}"
    );

    // No rate into GBP: nothing converted, every run listed, the total null with its reason.
    let mut g = yardstick::report::metric_table(&store, quarter, &[]).unwrap();
    yardstick::report::in_currency(&store, &mut g, &[], None, "GBP").unwrap();
    let r = g.reporting.unwrap();
    assert_eq!(r.total, None);
    assert!(r
        .total_missing
        .unwrap()
        .starts_with("not converted: 6 run(s) valued in EUR, USD have no rate into GBP"));
    assert!(r.rows.iter().all(|x| x.reclaimed_money.is_none()));
    let listed: Vec<(&str, i64)> = r
        .unconverted
        .iter()
        .map(|u| (u.workflow_id.as_str(), u.runs))
        .collect();
    assert_eq!(listed, [("wf-a", 4), ("wf-b", 2)]);

    // A rate dated after a run's day is not used for it: from 1 March only,
    // February's USD run has no rate.
    let late = Store::open_in_memory().unwrap();
    put(&late, Kind::Workflows, DATED);
    put(&late, Kind::Runs, DATED_RUNS);
    put(
        &late,
        Kind::Fx,
        "date,currency,rate,to\n2026-03-01,USD,0.8,EUR\n",
    );
    let mut l = yardstick::report::metric_table(&late, quarter, &[]).unwrap();
    yardstick::report::in_currency(&late, &mut l, &[], None, "EUR").unwrap();
    let r = l.reporting.unwrap();
    assert_eq!(r.rows[1].reclaimed_money, None);
    assert_eq!(
        (
            r.unconverted[0].runs,
            r.unconverted[0].first_day.to_string()
        ),
        (1, "2026-02-02".into())
    );
    assert_eq!(r.total, None);

    // The leadership headline in EUR: the same total, with an interval.
    let (_, _, h) = yardstick::report::portfolio_with(
        &store,
        Some("2026-01-01"),
        Some("2026-04-01"),
        None,
        Some("EUR"),
    )
    .unwrap();
    let h = h.unwrap();
    assert!((h.value.unwrap() - (130.0 + b)).abs() < 1e-12);
    let (lo, hi) = (h.ci_low.unwrap(), h.ci_high.unwrap());
    assert!(lo < h.value.unwrap() && h.value.unwrap() < hi, "{lo} {hi}");
    // A code in lower case is the code (as Stripe writes it); a name is not.
    let (_, _, lower) = yardstick::report::portfolio_with(
        &store,
        Some("2026-01-01"),
        Some("2026-04-01"),
        None,
        Some("eur"),
    )
    .unwrap();
    assert_eq!(lower.unwrap().value, h.value);
    let err =
        yardstick::report::portfolio_with(&store, None, None, None, Some("euro")).unwrap_err();
    assert!(err.to_string().contains("not an ISO 4217 code"), "{err}");
}

/// `report summary --currency`: all the money of a period and of the one
/// before it in the reporting currency, each run at its own day's rate,
/// with both sides' conversions beside the figure.
#[test]
fn the_summary_sets_reporting_currency_totals_side_by_side() {
    let store = with_rates();
    // March against the 31 days before it (29 January to 1 March).
    let s = yardstick::report::summary(
        &store,
        Some("2026-03-01"),
        Some("2026-04-01"),
        None,
        Some("EUR"),
    )
    .unwrap();
    let figures = s["figures"].as_array().unwrap();
    let names: Vec<&str> = figures
        .iter()
        .map(|f| f["figure"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "reclaimed_hours",
            "reclaimed_money",
            "reclaimed_money",
            "reclaimed_money_reporting",
            "runs",
            "error_rate",
            "escalation_rate"
        ]
    );
    let f = &figures[3];
    // March: wf-a 60 min at 90 EUR/h = 90; wf-b 35 min at 50 USD/h at 0.8 = 23.33.
    // Before: wf-a 40 min at 60 EUR/h = 40; wf-b 15 min at 50 USD/h at 0.9 = 11.25.
    let (now, before) = (90.0 + 35.0 / 60.0 * 50.0 * 0.8, 40.0 + 12.5 * 0.9);
    assert_eq!(f["unit"], "EUR");
    assert!((f["value"].as_f64().unwrap() - now).abs() < 1e-9, "{f}");
    assert!(
        (f["previous"].as_f64().unwrap() - before).abs() < 1e-9,
        "{f}"
    );
    assert!((f["change"].as_f64().unwrap() - (now - before)).abs() < 1e-9);
    assert_eq!(
        (f["n"].as_i64(), f["previous_n"].as_i64()),
        (Some(3), Some(3))
    );
    assert_eq!(f["verdict"], "too little data: n=3 now, n=3 before");
    // Each side names the rates it used.
    let rate = |side: &str| s["reporting"][side]["rates"][0]["rate"].as_f64();
    assert_eq!((rate("now"), rate("previous")), (Some(0.8), Some(0.9)));
    assert_eq!(s["reporting"]["currency"], "EUR");

    // Without any rate into GBP: null with the reason of each side, never 0.
    let g = yardstick::report::summary(
        &store,
        Some("2026-03-01"),
        Some("2026-04-01"),
        None,
        Some("GBP"),
    )
    .unwrap();
    let f = &g["figures"][3];
    assert_eq!((f["value"].is_null(), f["change"].is_null()), (true, true));
    let v = f["verdict"].as_str().unwrap();
    assert!(
        v.starts_with("not measurable: now: not converted: 3 run(s)") && v.contains("; before: "),
        "{v}"
    );
    // Without a currency the answer is as before.
    let plain =
        yardstick::report::summary(&store, Some("2026-03-01"), Some("2026-04-01"), None, None)
            .unwrap();
    assert!(plain.get("reporting").is_none());
    assert_eq!(plain["figures"].as_array().unwrap().len(), 6);
}

/// Each headline tile's change: against the previous period of equal length
/// exactly as `report summary` gives it (interval and verdict), and against
/// the previous calendar month as point values.
#[test]
fn headline_tiles_change_against_the_previous_period_and_the_calendar_month() {
    let store = with_rates();
    // One more run of wf-a on 30 January: 30 − 10 = 20 minutes at 60 EUR/h.
    put(
        &store,
        Kind::Runs,
        "source,run_id,workflow_id,started_at,finished_at,status,human_minutes\n\
         t,7,wf-a,2026-01-30T10:00:00Z,2026-01-30T10:10:00Z,succeeded,10\n",
    );
    let (c, page) = headline_of(&store, "2026-03-01", "2026-04-01", Some("EUR"));
    let t = &c.tables[0].1;
    let cell = |r: usize, name: &str| t.cell(r, name).and_then(|c| c.as_f64());
    let text = |r: usize, name: &str| t.cell(r, name).and_then(|c| c.as_text()).unwrap_or("");
    // March: wf-a 60 min (90 EUR), wf-b 35 min (29.17 USD; 23.33 EUR at 0.8).
    // The 31 days before (29 Jan – 1 Mar): wf-a 20 + 20 + 20 min (60 EUR),
    // wf-b 15 min (12.5 USD; 11.25 EUR at 0.9). February alone: wf-a 40 min
    // (40 EUR), wf-b 15 min.
    let rows: Vec<(&str, f64, f64, f64)> = vec![
        ("hours", 95.0 / 60.0, 75.0 / 60.0, 55.0 / 60.0),
        ("EUR", 90.0, 60.0, 40.0),
        ("USD", 35.0 / 60.0 * 50.0, 12.5, 12.5),
        (
            "EUR",
            90.0 + 35.0 / 60.0 * 50.0 * 0.8,
            60.0 + 11.25,
            40.0 + 11.25,
        ),
    ];
    assert_eq!(t.rows.len(), rows.len());
    for (r, (unit, now, before, february)) in rows.into_iter().enumerate() {
        assert_eq!(text(r, "unit"), unit, "row {r}");
        close(cell(r, "value"), Some(now));
        close(cell(r, "previous"), Some(before));
        close(cell(r, "change"), Some(now - before));
        close(cell(r, "previous_calendar"), Some(february));
        close(cell(r, "change_calendar"), Some(now - february));
        assert_eq!(text(r, "change_against"), "the previous 31 days");
        assert_eq!(text(r, "calendar_against"), "the previous month");
    }
    assert_eq!(
        text(0, "change_verdict"),
        "too little data: n=3 now, n=4 before"
    );
    // The same change, interval and verdict as `report summary`.
    let s = yardstick::report::summary(
        &store,
        Some("2026-03-01"),
        Some("2026-04-01"),
        None,
        Some("EUR"),
    )
    .unwrap();
    for (r, figure) in [(0, "reclaimed_hours"), (3, "reclaimed_money_reporting")] {
        let d = crate::summary_figure(&s, figure);
        assert_eq!(cell(r, "change"), d["change"].as_f64(), "{figure}");
        assert_eq!(cell(r, "change_low"), d["ci_low"].as_f64(), "{figure}");
        assert_eq!(cell(r, "change_high"), d["ci_high"].as_f64(), "{figure}");
        assert_eq!(text(r, "change_verdict"), d["verdict"].as_str().unwrap());
    }
    // The tile says it in words; a period that is not a calendar one has no
    // calendar change.
    assert!(
        page.contains("+0.3 h against the previous 31 days (95% interval ")
            && page.contains("; +0.7 h against the previous month"),
        "{page}"
    );
    let (c, _) = headline_of(&store, "2026-03-02", "2026-04-01", None);
    let t = &c.tables[0].1;
    assert_eq!(
        t.cell(0, "previous_calendar").and_then(|c| c.as_f64()),
        None
    );
    assert!(t.cell(0, "change").and_then(|c| c.as_f64()).is_some());
}

/// The leadership page's headline panel alone over `[from, to)`, and the
/// page.
fn headline_of(
    store: &Store,
    from: &str,
    to: &str,
    currency: Option<&str>,
) -> (yardstick::dashboard::Computed, String) {
    use yardstick::dashboard::{self, spec, Filters};
    let boards = spec::load(None).unwrap();
    let leadership = boards.iter().find(|d| d.name == "leadership").unwrap();
    let f = Filters {
        from: Some(from.into()),
        to: Some(to.into()),
        currency: currency.map(str::to_string),
        ..Filters::default()
    };
    let c = dashboard::compute(store, leadership, f, Some("headline")).unwrap();
    let page = c.page(&boards).to_string();
    (c, page)
}

/// Before the first stored run nothing was stored: February's tiles (the
/// first run is on 2 February) have no change against the 28 days before
/// nor against January, and say why instead of showing the whole figure as a
/// rise from 0.
#[test]
fn headline_tiles_before_the_first_stored_run_say_the_change_is_unknown() {
    let (c, page) = headline_of(&with_rates(), "2026-02-01", "2026-03-01", None);
    let t = &c.tables[0].1;
    let why = "not measurable: the previous period ends before the first stored run \
               (2026-02-02T10:00:00Z)";
    assert_eq!(t.rows.len(), 3, "hours, EUR and USD");
    for r in 0..t.rows.len() {
        let num = |name: &str| t.cell(r, name).and_then(|c| c.as_f64());
        // wf-a's 2 and 3 February and wf-b's 2 February are measured.
        assert!(num("value").is_some_and(|v| v > 0.0), "row {r}");
        for name in ["previous", "change", "change_low", "change_high"] {
            assert_eq!(num(name), None, "row {r}: {name}");
        }
        assert_eq!(num("previous_calendar"), None, "row {r}");
        assert_eq!(
            t.cell(r, "change_verdict").and_then(|c| c.as_text()),
            Some(why)
        );
    }
    assert!(
        page.contains(&format!("No change against the previous 28 days ({why})")),
        "{page}"
    );
    assert!(
        !page.contains("h against the previous 28 days"),
        "no figure against it: {page}"
    );
}

/// Currency codes written in lower case, as Stripe writes them ("Three-letter
/// ISO currency code, in lowercase"), are the same codes: stored in
/// capitals, so a lower-case catalogue and rate file convert as capitals do,
/// and a reporting currency asked for as `eur` is EUR.
#[test]
fn a_lower_case_currency_code_is_the_code_in_capitals() {
    let store = Store::open_in_memory().unwrap();
    let r = put(
        &store,
        Kind::Workflows,
        "workflow_id,name,owner,category,hourly_cost,currency,automated_since,baseline_minutes_per_item\n\
         wf,Intake,Ops,intake,60,usd,2026-01-01,10\n",
    );
    assert_eq!((r.written, r.rejected), (1, 0), "{r:?}");
    let r = put(
        &store,
        Kind::Runs,
        "source,run_id,workflow_id,started_at,finished_at,status,human_minutes\n\
         s,1,wf,2026-01-05T09:00:00Z,2026-01-05T10:00:00Z,succeeded,4\n",
    );
    assert_eq!(r.written, 1);
    let r = put(
        &store,
        Kind::Fx,
        "date,currency,rate,to\n2026-01-01,usd,0.5,eur\n",
    );
    assert_eq!((r.written, r.rejected), (1, 0), "{r:?}");
    let january = Period::parse("2026-01-01", "2026-02-01").unwrap();
    let mut t = yardstick::report::metric_table(&store, january, &[]).unwrap();
    // (10 − 4) min = 0.1 h at 60 USD/h: 6 USD, at 0.5: 3 EUR.
    let wf = &t.rows().unwrap()[0];
    assert_eq!(wf.currency.as_deref(), Some("USD"));
    close(wf.reclaimed_money, Some(6.0));
    yardstick::report::in_currency(&store, &mut t, &[], None, "eur").unwrap();
    let reporting = t.reporting.unwrap();
    assert_eq!(reporting.currency, "EUR");
    close(reporting.rows[0].reclaimed_money, Some(3.0));
}

/// An exchange-rate file: the currency it is into is named (a `to` column, or
/// given when ingesting); a currency into itself is 1; a later batch replaces
/// the rate of the same day and pair.
#[test]
fn exchange_rates_are_checked_and_replaced_by_day() {
    let store = Store::open_in_memory().unwrap();
    let r = put(&store, Kind::Fx, "date,currency,rate\n2026-01-01,USD,0.9\n");
    assert_eq!(r.rejected, 1);
    assert!(
        r.rejects[0]
            .reason
            .contains("the currency the rate is into"),
        "{r:?}"
    );
    let r = put(
        &store,
        Kind::Fx,
        "date,currency,rate,to\n2026-01-01,EUR,2,EUR\n2026-01-32,USD,0.9,EUR\n2026-01-01,USD,-1,EUR\n2026-01-01,US$,0.9,EUR\n",
    );
    let fields: Vec<(u64, String)> = r
        .rejects
        .iter()
        .map(|l| (l.line, l.field.clone().unwrap_or_default()))
        .collect();
    assert_eq!(
        fields,
        [
            (2, "rate".into()),
            (3, "date".into()),
            (4, "rate".into()),
            (5, "currency".into())
        ]
    );
    assert_eq!(r.rejects[2].reason, "`-1` is not a positive number");
    // A rate written with a decimal comma, as many locales' spreadsheets do.
    let r = put(
        &store,
        Kind::Fx,
        "date,currency,rate,to\n2026-01-01,USD,\"0,92\",EUR\n",
    );
    assert!(
        r.rejects[0]
            .reason
            .starts_with("`0,92` is not a number: write it with a decimal point"),
        "{r:?}"
    );
    // `--to` for a file without the column.
    let r = yardstick::ingest::ingest_fx_to(
        &store,
        b"date,currency,rate\n2026-01-01,USD,0.9\n",
        "rates.csv",
        "EUR",
        Options::default(),
    )
    .unwrap();
    assert_eq!((r.written, r.rejected), (1, 0));
    let again = put(
        &store,
        Kind::Fx,
        "date,currency,rate,to\n2026-01-01,USD,0.95,EUR\n",
    );
    assert_eq!((again.written, again.replaced), (1, 1), "{again:?}");
    put(&store, Kind::Workflows, DATED);
    put(&store, Kind::Runs, DATED_RUNS);
    let feb = Period::parse("2026-02-01", "2026-03-01").unwrap();
    let mut t = yardstick::report::metric_table(&store, feb, &[]).unwrap();
    yardstick::report::in_currency(&store, &mut t, &[], None, "EUR").unwrap();
    assert_eq!(
        t.reporting.unwrap().rows[1].reclaimed_money,
        Some(12.5 * 0.95)
    );
}

/// `currency=` on the API: the metric JSON carries `reporting`, the portfolio
/// its `reporting_headline`; a bad code is a 400 naming it.
#[tokio::test]
async fn the_api_takes_a_reporting_currency() {
    use crate::client::get;
    let st = yardstick::http::AppState::open(with_rates());
    let m = get(
        &st,
        "/api/v1/metrics?from=2026-01-01&to=2026-04-01&currency=EUR",
    )
    .await
    .good();
    let total = m.json()["reporting"]["total"].as_f64().unwrap();
    assert!((total - (130.0 + 12.5 * 0.9 + 35.0 / 60.0 * 50.0 * 0.8)).abs() < 1e-12);
    let p = get(
        &st,
        "/api/v1/portfolio?from=2026-01-01&to=2026-04-01&currency=EUR",
    )
    .await
    .good();
    assert_eq!(
        p.json()["reporting_headline"]["value"].as_f64(),
        Some(total)
    );
    // The summary of the quarter against the 90 days before it, which end
    // before the first stored run: nothing was stored for them, so their
    // money is unknown (null, with the reason), not 0 EUR.
    let s = get(
        &st,
        "/api/v1/summary?from=2026-01-01&to=2026-04-01&currency=EUR",
    )
    .await
    .good();
    let f = &s.json()["figures"][3];
    assert_eq!(f["figure"], "reclaimed_money_reporting");
    assert_eq!(
        (
            f["value"].as_f64(),
            f["previous"].as_f64(),
            f["change"].as_f64()
        ),
        (Some(total), None, None)
    );
    assert_eq!(
        f["verdict"],
        "not measurable: the previous period ends before the first stored run \
         (2026-02-02T10:00:00Z)"
    );
    let bad = get(
        &st,
        "/api/v1/metrics?from=2026-01-01&to=2026-04-01&currency=euro",
    )
    .await;
    assert_eq!(bad.status.as_u16(), 400);
    assert!(
        bad.detail().contains("`euro` is not an ISO 4217 code"),
        "{}",
        bad.detail()
    );
    // Rates over HTTP: `to=` completes a CSV body, and only a CSV body.
    let rates = b"date,currency,rate\n2026-01-01,GBP,1.17\n".to_vec();
    let r = crate::client::post(&st, "/api/v1/ingest/fx?to=EUR", "text/csv", rates.clone())
        .await
        .good();
    assert_eq!(r.json()["written"], 1);
    let json =
        crate::client::post(&st, "/api/v1/ingest/fx?to=EUR", "application/json", rates).await;
    assert_eq!(json.status.as_u16(), 415);
    assert!(
        json.detail().contains("to= completes a CSV body"),
        "{}",
        json.detail()
    );
}

/// The demo company's pages with a reporting currency: the leadership
/// headline adds one EUR total equal to the portfolio's, and the XLSX's
/// Method sheet lists each workflow's own money, its effective rate and the
/// rates used, so the total can be redone by hand.
#[test]
fn the_leadership_page_shows_one_total_in_the_reporting_currency() {
    use calamine::{Reader, Xlsx};
    use yardstick::dashboard::{self, spec, Filters};
    let dir = tempfile::tempdir().unwrap();
    let store = yardstick::cli::load_demo(&dir.path().join("demo.duckdb")).unwrap();
    let boards = spec::load(None).unwrap();
    let leadership = boards.iter().find(|d| d.name == "leadership").unwrap();
    let f = Filters {
        from: Some("2026-03-01".into()),
        to: Some("2026-06-01".into()),
        currency: Some("EUR".into()),
        ..Filters::default()
    };
    let c = dashboard::compute(&store, leadership, f, Some("headline")).unwrap();
    let t = &c.tables[0].1;
    let csv = String::from_utf8(dashboard::export::csv(t).unwrap()).unwrap();
    let all = csv
        .lines()
        .find(|l| l.starts_with("\"Money reclaimed, all in EUR\""))
        .unwrap_or_else(|| panic!("{csv}"));
    let value: f64 = all.split(',').nth(3).unwrap().parse().unwrap();
    let (_, p, h) = yardstick::report::portfolio_with(
        &store,
        Some("2026-03-01"),
        Some("2026-06-01"),
        None,
        Some("EUR"),
    )
    .unwrap();
    assert_eq!(Some(value), h.as_ref().unwrap().value);
    let eur = p.headline.iter().find(|x| x.unit == "EUR").unwrap().value;
    let usd = p.headline.iter().find(|x| x.unit == "USD").unwrap().value;
    // The demo's rates of the period lie between 0.89 and 0.91 EUR per USD.
    assert!(
        value > eur + 0.89 * usd - 1e-6 && value < eur + 0.91 * usd + 1e-6,
        "{value} {eur} {usd}"
    );
    // The Method sheet of the finance export carries the conversion.
    let finance = boards.iter().find(|d| d.name == "finance").unwrap();
    let f = Filters {
        from: Some("2026-03-01".into()),
        to: Some("2026-06-01".into()),
        currency: Some("EUR".into()),
        ..Filters::default()
    };
    let c = dashboard::compute(&store, finance, f, None).unwrap();
    let rep = c.reporting.clone().unwrap();
    let redone: f64 = rep
        .rows
        .iter()
        .filter_map(|r| r.native_money.zip(r.rate).map(|(m, x)| m * x))
        .sum();
    assert!(
        (redone - rep.total.unwrap()).abs() < 1e-6 * redone,
        "{redone} {:?}",
        rep.total
    );
    assert!(rep.unconverted.is_empty(), "{:?}", rep.unconverted);
    let bytes = dashboard::export::xlsx(&c).unwrap();
    let mut wb: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes)).unwrap();
    let method: Vec<String> = wb
        .worksheet_range("Method")
        .unwrap()
        .rows()
        .flat_map(|r| r.iter().map(|c| c.to_string()))
        .collect();
    for needle in [
        "Reclaimed money in EUR",
        "effective rate",
        "1 USD in EUR",
        "2026-03-01",
    ] {
        assert!(
            method.iter().any(|t| t.contains(needle)),
            "Method lacks {needle}"
        );
    }
}

/// Gross to net: B for every terminal run since go-live, minus human time on
/// succeeded and escalated runs, minus failed runs (their human minutes, or
/// B when done by hand) is the metric table's reclaimed hours; a workflow
/// without B says why instead of showing zeros.
#[test]
fn the_waterfall_goes_from_gross_to_the_tables_net() {
    let store = Store::open_in_memory().unwrap();
    put(&store, Kind::Workflows, DATED);
    put(&store, Kind::Runs, DATED_RUNS);
    put(
        &store,
        Kind::Runs,
        "source,run_id,workflow_id,started_at,finished_at,status,human_minutes\n\
         t,8,wf-a,2026-03-04T10:00:00Z,2026-03-04T10:10:00Z,failed,\n\
         t,9,wf-a,2026-03-05T10:00:00Z,2026-03-05T10:10:00Z,escalated,12\n\
         t,10,wf-a,2026-03-06T10:00:00Z,2026-03-06T10:10:00Z,failed,7\n",
    );
    put(
        &store,
        Kind::Workflows,
        "workflow_id,name,owner,category\nwf-c,Unmeasured,Cy,other\n",
    );
    let quarter = Period::parse("2026-01-01", "2026-04-01").unwrap();
    let rows = yardstick::report::waterfall(&store, quarter, &[], None).unwrap();
    let a = &rows[0];
    assert_eq!(
        (a.runs, a.succeeded, a.escalated, a.failed, a.by_hand),
        (7, 4, 1, 2, 1)
    );
    // 7 runs × 30 min; 10 + 10 + 0 + 0 on succeeded runs; 12 escalated; 30 (by hand) + 7 failed.
    assert_eq!(a.gross_hours, Some(3.5));
    assert_eq!(a.human_succeeded_hours, Some(20.0 / 60.0));
    assert_eq!(a.human_escalated_hours, Some(0.2));
    assert_eq!(a.failed_hours, Some(37.0 / 60.0));
    let table = row(&store, quarter, "wf-a");
    assert_eq!(a.net_hours, table.reclaimed_hours);
    assert_eq!(a.net_money, table.reclaimed_money);
    let steps = a.gross_hours.unwrap()
        - a.human_succeeded_hours.unwrap()
        - a.human_escalated_hours.unwrap()
        - a.failed_hours.unwrap();
    assert!(
        (steps - a.net_hours.unwrap()).abs() < 1e-12,
        "{steps} {:?}",
        a.net_hours
    );
    assert!((a.net_hours.unwrap() - 141.0 / 60.0).abs() < 1e-12);
    // wf-b's B changes on 1 March: gross 20 + 40 minutes.
    assert_eq!(rows[1].gross_hours, Some(1.0));
    // wf-c has no B and no go-live: null steps with the reason, and out of the total.
    let c = &rows[2];
    assert_eq!((c.gross_hours, c.net_hours), (None, None));
    assert!(c.missing.as_deref().unwrap().starts_with("not measurable"));
    let total = rows.last().unwrap();
    assert_eq!(total.workflow_id, "total");
    assert_eq!(total.runs, 9);
    assert!((total.net_hours.unwrap() - (141.0 + 50.0) / 60.0).abs() < 1e-12);
    // No run cost or maintenance stated: net after costs is net.
    assert_eq!((a.run_cost, a.maintenance_hours), (None, None));
    assert_eq!(a.net_hours_after_maintenance, a.net_hours);
    assert_eq!(a.net_money_after_costs, a.net_money);
    let csv = String::from_utf8(yardstick::metrics::waterfall::to_csv(&rows).unwrap()).unwrap();
    assert_eq!(csv.lines().count(), 5);
    assert!(csv.lines().nth(3).unwrap().ends_with(",not measurable: the workflow has no baseline B or no go-live date in force over the period"), "{csv}");

    // The finance page's panel shows the total's steps, signed: gross 3.5 +
    // 1 h, net 191 min.
    {
        use yardstick::dashboard::{self, spec, Filters};
        let ds = spec::load(None).unwrap();
        let finance = ds.iter().find(|d| d.name == "finance").unwrap();
        let filters = Filters {
            from: Some("2026-01-01".into()),
            to: Some("2026-04-01".into()),
            ..Filters::default()
        };
        let c = dashboard::compute(&store, finance, filters, Some("waterfall")).unwrap();
        let (_, t) = c.panels().next().unwrap();
        let hours = |r: usize| t.cell(r, "hours").and_then(|c| c.as_f64());
        let step = |r: usize| {
            t.cell(r, "step")
                .and_then(|c| c.as_text())
                .unwrap()
                .to_string()
        };
        assert!(step(0).starts_with("Gross"));
        assert_eq!(hours(0), Some(4.5));
        assert!(step(4).starts_with("= Net"));
        assert!((hours(4).unwrap() - 191.0 / 60.0).abs() < 1e-12);
        let summed: f64 = (0..4).filter_map(hours).sum();
        assert!((summed - hours(4).unwrap()).abs() < 1e-12);
        // No maintenance stated: that step is empty, not 0.
        assert_eq!(hours(5), None);
        assert_eq!(t.cell(4, "runs").and_then(|c| c.as_f64()), Some(9.0));
    }

    // The platform charges 0.50 EUR a run, 0.60 from March; from March the
    // automation takes 3 hours of upkeep a month.
    put(
        &store,
        Kind::Workflows,
        "workflow_id,name,owner,category,hourly_cost,currency,automated_since,baseline_minutes_per_item,sla_cycle_minutes,cost_per_run,maintenance_hours_per_month,effective_from\n\
         wf-a,Invoices,Ana,invoicing,60,EUR,2026-01-01,30,60,0.5,,\n\
         wf-a,Invoices,Ana,invoicing,90,EUR,2026-01-01,30,5,0.6,3,2026-03-01\n",
    );
    let rows = yardstick::report::waterfall(&store, quarter, &["wf-a".to_string()], None).unwrap();
    let a = &rows[0];
    // 2 February runs at 0.50 and 5 March runs at 0.60.
    assert_eq!(a.executions, 7);
    assert!(
        (a.run_cost.unwrap() - 4.0).abs() < 1e-12,
        "{:?}",
        a.run_cost
    );
    // 31 March days of 3 h a month (30.4375 days), valued at March's 90 EUR/h.
    let upkeep = 3.0 * 31.0 / 30.4375;
    assert!((a.maintenance_hours.unwrap() - upkeep).abs() < 1e-12);
    assert!((a.net_hours_after_maintenance.unwrap() - (141.0 / 60.0 - upkeep)).abs() < 1e-12);
    let money = a.net_money.unwrap() - 4.0 - upkeep * 90.0;
    assert!(
        (a.net_money_after_costs.unwrap() - money).abs() < 1e-9,
        "{:?} {money}",
        a.net_money_after_costs
    );
    assert!(
        money < 0.0,
        "the upkeep costs more than the quarter reclaimed: it stands, negative"
    );
}
