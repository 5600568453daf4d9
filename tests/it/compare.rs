//! Before/after comparisons: every point field against hand-computed values on
//! the golden fixture, reproducible intervals, and the interval's coverage on
//! simulated data with a known true difference.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use yardstick::metrics::compare::{mean_difference_interval, BaselineChoice, CompareRow};
use yardstick::report::{self, CompareRequest};

use crate::{close, golden_store};

fn golden_compare(baseline: Option<BaselineChoice>) -> Vec<CompareRow> {
    let s = golden_store();
    let req = CompareRequest {
        workflows: vec!["wf-a".into()],
        to: Some("2026-02-01".into()),
        baseline,
        ..Default::default()
    };
    let mut c = report::compare(&s, &req).unwrap();
    assert_eq!(c.len(), 1);
    c.remove(0).rows
}

#[track_caller]
fn check(
    rows: &[CompareRow],
    metric: &str,
    before: Option<f64>,
    bn: usize,
    after: Option<f64>,
    an: usize,
) -> CompareRow {
    let r = rows
        .iter()
        .find(|r| r.metric == metric)
        .unwrap_or_else(|| panic!("no {metric}"));
    close(r.before, before);
    close(r.after, after);
    assert_eq!((r.before_n, r.after_n), (bn, an), "{metric}");
    let change = before.zip(after).map(|(b, a)| a - b);
    close(r.change, change);
    close(
        r.change_pct,
        before
            .zip(change)
            .and_then(|(b, c)| (b != 0.0).then(|| c / b)),
    );
    if r.before.is_some() && r.after.is_some() {
        let (lo, hi) = (r.ci_low.unwrap(), r.ci_high.unwrap());
        assert!(lo <= hi, "{metric}: interval [{lo}, {hi}]");
    }
    r.clone()
}

#[test]
fn every_point_field_by_hand_against_the_time_study() {
    let rows = golden_compare(None);
    // Before, the study of wf-a: handle 10, 20, 30; response 4, 8, 12; cycle 50, 70, 90;
    // errors false, true, no. After, runs from go-live (2026-01-01) to 2026-02-01:
    // cycle 15, 30, 60, 120; response 3, 5, 20; terminal runs a1, a2, a3, a4, a5, a10.
    let r = check(&rows, "cycle_time_p50_min", Some(70.0), 3, Some(45.0), 4);
    assert_eq!(r.verdict, "too little data: n=3 before, n=4 after");
    check(&rows, "cycle_time_mean_min", Some(70.0), 3, Some(56.25), 4);
    check(&rows, "response_p50_min", Some(8.0), 3, Some(5.0), 3);
    // Response mean after (3 + 5 + 20) / 3; change 28/3 − 8 = 4/3, +1/6 relative.
    let r = check(
        &rows,
        "response_mean_min",
        Some(8.0),
        3,
        Some(28.0 / 3.0),
        3,
    );
    close(r.change_pct, Some(1.0 / 6.0));
    // Error rate: 1 of 3 observations before, 2 failed of 6 terminal runs after.
    let r = check(&rows, "error_rate", Some(1.0 / 3.0), 3, Some(2.0 / 6.0), 6);
    assert_eq!(r.unit, "share");
    // Human minutes per item: handle mean 20 before; after a1 2, a2 0 (none recorded),
    // a3 15, a4 20 (failed without human minutes: fully manual, B = 20), a5 25, a10 0.
    let r = check(
        &rows,
        "human_minutes_per_item",
        Some(20.0),
        3,
        Some(62.0 / 6.0),
        6,
    );
    close(r.change_pct, Some((62.0 / 6.0 - 20.0) / 20.0));
    // Reclaimed: the metric table's 58 minutes over the same six runs; 58 EUR at 60/h.
    let h = rows.iter().find(|r| r.metric == "reclaimed_hours").unwrap();
    close(h.after, Some(58.0 / 60.0));
    close(h.change, Some(58.0 / 60.0));
    assert_eq!((h.before, h.before_n, h.after_n), (None, 3, 6));
    assert!(h.ci_low.unwrap() <= h.ci_high.unwrap());
    let m = rows.iter().find(|r| r.metric == "reclaimed_money").unwrap();
    close(m.after, Some(58.0));
    assert_eq!(m.unit, "EUR");
    close(m.ci_low, h.ci_low.map(|l| l * 60.0));
    assert_eq!(rows.len(), 8);
}

#[test]
fn pre_runs_and_both_baselines() {
    // The only run of wf-a before go-live is a11: triggered 2025-12-31T23:59:59Z,
    // finished 2026-01-01T00:20:00Z, succeeded, human 0 → cycle 20 min 1 s.
    let rows = golden_compare(Some(BaselineChoice::PreRuns));
    check(
        &rows,
        "cycle_time_p50_min",
        Some(20.0 + 1.0 / 60.0),
        1,
        Some(45.0),
        4,
    );
    check(&rows, "error_rate", Some(0.0), 1, Some(2.0 / 6.0), 6);
    check(
        &rows,
        "human_minutes_per_item",
        Some(0.0),
        1,
        Some(62.0 / 6.0),
        6,
    );
    let r = check(&rows, "response_p50_min", None, 0, Some(5.0), 3);
    assert_eq!(r.verdict, "no data before");
    assert_eq!((r.ci_low, r.ci_high), (None, None));
    // Both: the study's three cycles and a11's: 20.0167, 50, 70, 90 → median 60.
    let rows = golden_compare(Some(BaselineChoice::Both));
    check(&rows, "cycle_time_p50_min", Some(60.0), 4, Some(45.0), 4);
}

#[test]
fn same_data_and_seed_give_byte_identical_output() {
    let s = golden_store();
    let req = CompareRequest {
        to: Some("2026-02-01".into()),
        seed: Some(42),
        ..Default::default()
    };
    let a = serde_json::to_vec(&report::compare(&s, &req).unwrap()).unwrap();
    let b = serde_json::to_vec(&report::compare(&s, &req).unwrap()).unwrap();
    assert_eq!(a, b);
    let csv1 = report::comparisons_csv(&report::compare(&s, &req).unwrap()).unwrap();
    let csv2 = report::comparisons_csv(&report::compare(&s, &req).unwrap()).unwrap();
    assert_eq!(csv1, csv2);
    let other = CompareRequest {
        seed: Some(43),
        ..req
    };
    assert_ne!(
        a,
        serde_json::to_vec(&report::compare(&s, &other).unwrap()).unwrap()
    );
}

#[test]
fn unautomated_workflow_is_refused_with_a_reason() {
    let s = golden_store();
    let req = CompareRequest {
        workflows: vec!["wf-d".into()],
        ..Default::default()
    };
    let err = report::compare(&s, &req).unwrap_err().to_string();
    assert!(
        err.contains("no automated_since") && err.contains("backlog"),
        "{err}"
    );
    // Without a filter, only automated workflows are compared.
    let all = report::compare(&s, &CompareRequest::default()).unwrap();
    let ids: Vec<&str> = all.iter().map(|c| c.workflow_id.as_str()).collect();
    assert_eq!(ids, ["wf-a", "wf-b", "wf-c"]);
}

fn normal(rng: &mut ChaCha8Rng, mean: f64, sd: f64) -> f64 {
    let (u1, u2): (f64, f64) = (1.0 - rng.random::<f64>(), rng.random());
    mean + sd * (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

/// The coverage of the large-sample draws (more than `LARGE_N` a side): the
/// same 95% contract as the resampled intervals, for a mean of normal values,
/// a median of skewed (exponential) ones and a rare rate (binomial counts).
#[test]
fn large_sample_intervals_cover_the_true_difference_about_95_percent_of_the_time() {
    use yardstick::metrics::compare::{difference_interval, LARGE_N};
    let n = 3 * LARGE_N;
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let trials = 300;
    let exp = |rng: &mut ChaCha8Rng, scale: f64| -scale * (1.0 - rng.random::<f64>()).ln();
    let (mut mean_cov, mut median_cov, mut rate_cov) = (0, 0, 0);
    for t in 0..trials {
        let before: Vec<f64> = (0..n).map(|_| normal(&mut rng, 30.0, 10.0)).collect();
        let after: Vec<f64> = (0..n).map(|_| normal(&mut rng, 25.0, 10.0)).collect();
        let (lo, hi) = difference_interval(&before, &after, false, 2000, t);
        mean_cov += usize::from(lo <= -5.0 && -5.0 <= hi);
        // Exponential cycle times: the medians are scale · ln 2.
        let before: Vec<f64> = (0..n).map(|_| exp(&mut rng, 30.0)).collect();
        let after: Vec<f64> = (0..n).map(|_| exp(&mut rng, 20.0)).collect();
        let truth = (20.0 - 30.0) * std::f64::consts::LN_2;
        let (lo, hi) = difference_interval(&before, &after, true, 2000, t);
        median_cov += usize::from(lo <= truth && truth <= hi);
        // A rare failure: 0.3% before, 0.6% after (n·p below 25: exact counts).
        let before: Vec<f64> = (0..n).map(|_| f64::from(rng.random_bool(0.003))).collect();
        let after: Vec<f64> = (0..n).map(|_| f64::from(rng.random_bool(0.006))).collect();
        let (lo, hi) = difference_interval(&before, &after, false, 2000, t);
        rate_cov += usize::from(lo <= 0.003 && 0.003 <= hi);
    }
    let share = |c: usize| c as f64 / trials as f64;
    eprintln!(
        "large-sample coverage at n = {n}: mean {}, median {}, rare rate {}",
        share(mean_cov),
        share(median_cov),
        share(rate_cov)
    );
    for (what, c) in [
        ("mean", mean_cov),
        ("median", median_cov),
        ("rate", rate_cov),
    ] {
        assert!(
            (0.90..=0.99).contains(&share(c)),
            "{what}: coverage {}",
            share(c)
        );
    }
}

#[test]
fn interval_covers_the_true_difference_about_95_percent_of_the_time() {
    // 200 trials: 40 observations before ~ N(30, 10), 40 after ~ N(25, 10); the true
    // change of the mean is −5. A percentile bootstrap at n = 40 runs a little narrow,
    // so coverage lands near 0.93–0.95; the contract is 0.90–0.99.
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    let trials = 200;
    let mut covered = 0;
    for t in 0..trials {
        let before: Vec<f64> = (0..40).map(|_| normal(&mut rng, 30.0, 10.0)).collect();
        let after: Vec<f64> = (0..40).map(|_| normal(&mut rng, 25.0, 10.0)).collect();
        let (lo, hi) = mean_difference_interval(&before, &after, 2000, t);
        if lo <= -5.0 && -5.0 <= hi {
            covered += 1;
        }
    }
    let share = covered as f64 / trials as f64;
    assert!((0.90..=0.99).contains(&share), "coverage {share}");

    // A large true difference (−20 with sd 10) is told apart from no change.
    let before: Vec<f64> = (0..40).map(|_| normal(&mut rng, 30.0, 10.0)).collect();
    let after: Vec<f64> = (0..40).map(|_| normal(&mut rng, 10.0, 10.0)).collect();
    let (lo, hi) = mean_difference_interval(&before, &after, 2000, 7);
    assert!(hi < 0.0 && lo < hi, "[{lo}, {hi}]");
}

/// Compare fetches every workflow's evidence and reclaimed figures in a few
/// queries; each workflow's figures must still be its own metric table's over
/// its after side, `[max(from, go-live), to)`, to the digit — with and without
/// `from`, for go-lives before and after it.
#[test]
fn reclaimed_figures_equal_each_workflows_own_after_side_table() {
    let dir = tempfile::tempdir().unwrap();
    let store = yardstick::cli::load_demo(&dir.path().join("demo.duckdb")).unwrap();
    let to = yardstick::model::parse_timestamp_or_date("2026-08-01").unwrap();
    let catalogue = store.workflows(None).unwrap();
    let mut checked = 0;
    for from in [None, Some("2026-03-20")] {
        let req = CompareRequest {
            from: from.map(Into::into),
            to: Some("2026-08-01".into()),
            ..Default::default()
        };
        let comparisons = report::compare(&store, &req).unwrap();
        assert_eq!(comparisons.len(), 13, "every automated demo workflow");
        for c in comparisons {
            let w = catalogue
                .iter()
                .find(|w| w.workflow.workflow_id == c.workflow_id)
                .unwrap();
            let go_live = w.workflow.automated_since.unwrap();
            let start = from
                .map(|f| yardstick::model::parse_timestamp_or_date(f).unwrap())
                .map_or(go_live, |f| f.max(go_live));
            let own = report::metric_table(
                &store,
                yardstick::metrics::Period::new(start, to).unwrap(),
                std::slice::from_ref(&c.workflow_id),
            )
            .unwrap()
            .rows()
            .unwrap()
            .remove(0);
            let hours = c
                .rows
                .iter()
                .find(|r| r.metric == "reclaimed_hours")
                .unwrap();
            assert_eq!(
                hours.after, own.reclaimed_hours,
                "{} from {from:?}",
                c.workflow_id
            );
            if let Some(money) = c.rows.iter().find(|r| r.metric == "reclaimed_money") {
                assert_eq!(money.after, own.reclaimed_money, "{}", c.workflow_id);
            }
            checked += usize::from(own.reclaimed_hours.is_some_and(|h| h != 0.0));
        }
    }
    assert!(
        checked >= 20,
        "only {checked} non-zero reclaimed figures were checked"
    );
}
