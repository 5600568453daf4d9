//! Invariants over generated runs: rates lie in [0, 1], p50 ≤ p90, means lie
//! between the extremes, and reclaimed hours are linear in the run count.

use proptest::prelude::*;
use yardstick::ingest::{Format, Options};
use yardstick::model::Kind;
use yardstick::store::Store;

use crate::{ingest_file, ingest_text, january, row};

#[derive(Debug, Clone)]
struct Gen {
    status: usize,
    start_min: i64,
    cycle_min: u32,
    response_min: Option<u32>,
    human: Option<u16>,
}

fn arb_run() -> impl Strategy<Value = Gen> {
    (
        0usize..5,
        0i64..(30 * 24 * 60),
        0u32..5000,
        proptest::option::of(0u32..600),
        proptest::option::of(0u16..120),
    )
        .prop_map(|(status, start_min, cycle_min, response_min, human)| Gen {
            status,
            start_min,
            cycle_min,
            response_min,
            human,
        })
}

/// Renders runs as CSV, each repeated `copies` times under distinct run ids.
fn runs_csv(runs: &[Gen], copies: usize) -> String {
    let statuses = ["succeeded", "failed", "escalated", "cancelled", "running"];
    let base = chrono::NaiveDate::from_ymd_opt(2026, 1, 1)
        .unwrap()
        .and_hms_opt(0, 0, 0)
        .unwrap();
    let ts = |m: i64| {
        (base + chrono::Duration::minutes(m))
            .format("%Y-%m-%d %H:%M:%S")
            .to_string()
    };
    let mut out = String::from("source,run_id,workflow_id,trigger_at,started_at,first_response_at,finished_at,status,human_minutes\n");
    for c in 0..copies {
        for (i, g) in runs.iter().enumerate() {
            let status = statuses[g.status];
            let finished = if status == "running" {
                String::new()
            } else {
                ts(g.start_min + g.cycle_min as i64)
            };
            let response = g
                .response_min
                .map(|r| ts(g.start_min + r as i64))
                .unwrap_or_default();
            let human = g.human.map(|h| h.to_string()).unwrap_or_default();
            out.push_str(&format!(
                "p,r{c}-{i},wf-a,{t},{t},{response},{finished},{status},{human}\n",
                t = ts(g.start_min)
            ));
        }
    }
    out
}

fn store_with(runs: &[Gen], copies: usize) -> Store {
    let s = Store::open_in_memory().unwrap();
    ingest_file(&s, Kind::Workflows, "golden/workflows.csv");
    ingest_file(&s, Kind::Baselines, "golden/baselines.csv");
    let text = runs_csv(runs, copies);
    let rep = ingest_text(
        &s,
        Kind::Runs,
        Format::Csv,
        "prop",
        &text,
        Options { strict: true },
    )
    .unwrap();
    assert!(rep.stored, "{:?}", rep.rejects);
    s
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn rates_in_unit_interval_and_quantiles_ordered(runs in proptest::collection::vec(arb_run(), 1..40)) {
        let r = row(&store_with(&runs, 1), january(), "wf-a");
        prop_assert_eq!(r.runs as usize, runs.len());
        prop_assert_eq!(r.succeeded + r.failed + r.escalated + r.cancelled + r.running, r.runs);
        for rate in [r.error_rate, r.escalation_rate, r.sla_cycle_compliance, r.sla_response_compliance].into_iter().flatten() {
            prop_assert!((0.0..=1.0).contains(&rate), "rate {}", rate);
        }
        if let (Some(p50), Some(p90)) = (r.cycle_time_p50_min, r.cycle_time_p90_min) {
            prop_assert!(p50 <= p90);
            let cycles: Vec<f64> = runs.iter().filter(|g| g.status == 0 || g.status == 2).map(|g| g.cycle_min as f64).collect();
            let (lo, hi) = cycles.iter().fold((f64::MAX, f64::MIN), |(a, b), &x| (a.min(x), b.max(x)));
            let mean = r.cycle_time_mean_min.unwrap();
            prop_assert!(lo - 1e-9 <= mean && mean <= hi + 1e-9);
            prop_assert!(lo <= p50 && p90 <= hi);
        }
        if let (Some(p50), Some(p90)) = (r.response_p50_min, r.response_p90_min) {
            prop_assert!(p50 <= p90);
        }
        prop_assert!(r.leaked <= r.running);
    }

    #[test]
    fn reclaimed_hours_are_linear_in_run_count(runs in proptest::collection::vec(arb_run(), 1..20), k in 2usize..4) {
        let one = row(&store_with(&runs, 1), january(), "wf-a");
        let many = row(&store_with(&runs, k), january(), "wf-a");
        let (h1, hk) = (one.reclaimed_hours.unwrap(), many.reclaimed_hours.unwrap());
        prop_assert!((hk - k as f64 * h1).abs() <= 1e-9 * (1.0 + hk.abs()), "{} vs {} × {}", hk, k, h1);
        // Rates and quantiles do not change when every run is repeated.
        prop_assert_eq!(one.error_rate, many.error_rate);
        prop_assert_eq!(one.cycle_time_p50_min.map(|x| (x * 1e6).round()), many.cycle_time_p50_min.map(|x| (x * 1e6).round()));
    }
}
