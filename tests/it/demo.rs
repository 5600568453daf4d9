//! The demo company: the committed fixtures are exactly the generator's
//! output, they load without a single reject, and they show what the demo
//! promises (a regression, a workflow without baseline, a backlog candidate).

use yardstick::gen::{Company, Spec};
use yardstick::metrics::Period;

use crate::{fixture, row};

#[test]
fn committed_demo_fixtures_equal_the_generator_output() {
    let c = Company::new(Spec::default());
    let mut w = Vec::new();
    let mut b = Vec::new();
    let mut r = Vec::new();
    c.write_workflows(&mut w).unwrap();
    c.write_baselines(&mut b).unwrap();
    c.write_runs(&mut r).unwrap();
    for (name, bytes) in [("workflows.csv", w), ("baselines.csv", b), ("runs.csv", r)] {
        let committed = std::fs::read(fixture(&format!("demo/{name}"))).unwrap();
        assert!(
            committed == bytes,
            "fixtures/demo/{name} differs from `yardstick generate --out fixtures/demo`"
        );
    }
}

#[test]
fn demo_loads_cleanly_and_shows_its_stories() {
    let dir = tempfile::tempdir().unwrap();
    let store = yardstick::cli::load_demo(&dir.path().join("demo.duckdb")).unwrap();
    assert!(store.rejects(None, 10).unwrap().is_empty());
    let wfs = store.workflows(None).unwrap();
    assert_eq!(wfs.len(), 15);
    let mut cats: Vec<&str> = wfs.iter().map(|w| w.workflow.category.as_str()).collect();
    cats.sort();
    cats.dedup();
    assert_eq!(
        cats,
        [
            "data_sync",
            "handoff",
            "intake",
            "invoicing",
            "other",
            "reporting",
            "scheduling"
        ]
    );
    assert!(wfs.iter().all(|w| !w.workflow.owner.is_empty()));

    // invoice-matching regresses from 2026-06-15: its error rate more than doubles.
    let may = Period::parse("2026-05-01", "2026-06-01").unwrap();
    let july = Period::parse("2026-07-01", "2026-08-01").unwrap();
    let (m, j) = (
        row(&store, may, "invoice-matching"),
        row(&store, july, "invoice-matching"),
    );
    assert!(
        j.error_rate.unwrap() > 2.0 * m.error_rate.unwrap(),
        "{:?} vs {:?}",
        j.error_rate,
        m.error_rate
    );
    assert!(j.cycle_time_p50_min.unwrap() > m.cycle_time_p50_min.unwrap());

    let all = Period::parse("2026-01-01", "2026-09-01").unwrap();
    let board = row(&store, all, "board-pack");
    assert!(
        board.runs > 0
            && board.baseline_minutes_per_item.is_none()
            && board.reclaimed_hours.is_none()
    );
    let dunning = row(&store, all, "invoice-dunning");
    assert_eq!(dunning.baseline_minutes_per_item, Some(9.0));
    let vendor = row(&store, all, "vendor-onboarding");
    assert_eq!(vendor.runs, 0);
    assert!(vendor.baseline_minutes_per_item.is_some());
    let lead = row(&store, all, "lead-intake");
    assert!(lead.reclaimed_hours.unwrap() > 0.0 && lead.leaked > 0 && lead.escalated > 0);
}

#[test]
fn alerts_catch_the_june_regression_and_stay_quiet_before_it() {
    let dir = tempfile::tempdir().unwrap();
    let store = yardstick::cli::load_demo(&dir.path().join("demo.duckdb")).unwrap();
    // The week of 2026-06-15, when invoice-matching's upstream change lands.
    let a = yardstick::report::alerts(&store, Some("2026-06-22"), "UTC").unwrap();
    assert_eq!(a.week_start.to_string(), "2026-06-15 00:00:00");
    let weekly = a.checks.iter().filter(|c| c.version.is_none()).count();
    assert_eq!(weekly, 13 * 4, "four weekly checks per automated workflow");
    // And four of version 14, invoice-matching's new version of that week.
    assert_eq!(a.checks.len() - weekly, 4);
    let flagged: Vec<(&str, &str)> = a
        .alerts
        .iter()
        .map(|c| (c.workflow_id.as_str(), c.metric))
        .collect();
    assert!(
        flagged.contains(&("invoice-matching", "error_rate")),
        "{flagged:?}"
    );
    assert!(
        flagged.iter().all(|(w, _)| *w == "invoice-matching"),
        "{flagged:?}"
    );
    let e = a.alerts.iter().find(|c| c.metric == "error_rate").unwrap();
    assert!(e.last_week.unwrap() > e.trailing.unwrap() && e.ci_low.unwrap() > 0.0);
    assert!(e.last_week_n >= 20 && e.trailing_n >= 20);
    // Two weeks earlier nothing has happened yet.
    let quiet = yardstick::report::alerts(&store, Some("2026-06-08"), "UTC").unwrap();
    assert!(quiet.alerts.is_empty(), "{:?}", quiet.alerts);
    // Six weeks on, the new level is in the trailing weeks too: the week of
    // 2026-07-27 (p50 cycle time 120 min against weekly p50s of 95-114 since
    // June) is one more week like them, not a new regression.
    let later = yardstick::report::alerts(&store, None, "UTC").unwrap();
    assert_eq!(later.week_start.to_string(), "2026-07-27 00:00:00");
    let cycle = later
        .checks
        .iter()
        .find(|c| c.workflow_id == "invoice-matching" && c.metric == "cycle_time_p50_min")
        .unwrap();
    assert!(cycle.last_week.unwrap() > cycle.trailing.unwrap() + 30.0);
    assert_eq!(cycle.interval, yardstick::metrics::compare::Interval::Weeks);
    assert!(!cycle.regressed, "{cycle:?}");
    // Low-volume workflows are checked but never flagged on too little data.
    let kpi = a
        .checks
        .iter()
        .find(|c| c.workflow_id == "weekly-kpi-report")
        .unwrap();
    assert!(
        kpi.verdict.starts_with("too little data") || kpi.verdict.starts_with("no data"),
        "{}",
        kpi.verdict
    );
}

/// #23 on the demo: Customer Care's manual work speeds up through the year,
/// so support-triage's naive before/after credits its automation with part
/// of that trend. returns-handling, never automated, carries the same trend:
/// against it, difference-in-differences takes the trend out, and `auto`
/// chooses it once its checks pass.
#[test]
fn a_shared_trend_flatters_the_naive_before_after_and_impact_shows_it() {
    use yardstick::report::impact::{impact, ImpactRequest};
    let dir = tempfile::tempdir().unwrap();
    let store = yardstick::cli::load_demo(&dir.path().join("demo.duckdb")).unwrap();
    let ask = |method: &str| {
        let a = impact(
            &store,
            &ImpactRequest {
                workflow: "support-triage".into(),
                method: Some(method.into()),
                controls: vec!["returns-handling".into()],
                metrics: vec!["cycle_time_mean_min".into()],
                from: None,
                to: None,
                segments: Default::default(),
            },
        )
        .unwrap();
        a.impacts.into_iter().next().unwrap().impact
    };
    let (naive, did, auto) = (ask("naive"), ask("did"), ask("auto"));
    let (n, d) = (naive.estimate.unwrap(), did.estimate.unwrap());
    // Both say faster; the naive difference says it by more than the trend
    // explains away (the manual cycle falls ~0.15% of 420 min a day).
    assert!(d < 0.0 && n < d - 30.0, "naive {n}, DiD {d}");
    assert_eq!(did.controls, ["returns-handling"]);
    assert!(!naive.safe);
    assert_eq!(auto.method, "did", "{}", auto.why);
    assert!(auto.safe, "{:?}", auto.checks);
}

/// #25's question on the demo: `report compare --workflow support-triage --by
/// attributes.tier` gives a comparison per tier (and for the runs without
/// one), each with its own n and an interval, and the tiers' runs add up to
/// the workflow's.
#[test]
fn the_regressing_version_is_flagged_before_its_week_ends() {
    let dir = tempfile::tempdir().unwrap();
    let store = yardstick::cli::load_demo(&dir.path().join("demo.duckdb")).unwrap();
    // Version 14 of invoice-matching is first run on Monday 2026-06-15.
    let req = yardstick::report::versions::VersionsRequest {
        workflow: "invoice-matching".into(),
        ..Default::default()
    };
    let v = yardstick::report::versions::versions_of(&store, &req).unwrap();
    let names: Vec<Option<&str>> = v.versions.iter().map(|r| r.version.as_deref()).collect();
    assert_eq!(
        names,
        [Some("13"), Some("14"), None],
        "None: before go-live"
    );
    let v14 = &v.versions[1];
    assert_eq!(v14.first_run.date().to_string(), "2026-06-15");
    assert_eq!(v14.previous.as_deref(), Some("13"));
    let verdict = |m: &str| {
        v14.rows
            .iter()
            .find(|r| r.metric == m)
            .map(|r| r.verdict.clone())
            .unwrap()
    };
    assert_eq!(verdict("error_rate"), "more errors, clearly");
    assert_eq!(verdict("cycle_time_p50_min"), "slower, clearly");
    // About 7 runs a day: on the Friday (27 runs) its error rate and
    // median cycle time are flagged, three days before the weekly check can.
    let at = |d: &str| yardstick::report::alerts(&store, Some(d), "UTC").unwrap();
    let flagged = |d: &str| -> Vec<&'static str> {
        at(d)
            .alerts
            .iter()
            .filter(|c| c.version.as_ref().is_some_and(|v| v.version == "14"))
            .map(|c| c.metric)
            .collect()
    };
    assert_eq!(flagged("2026-06-19"), ["error_rate", "cycle_time_p50_min"]);
    // Its first days have fewer than 20 runs: checked, not flagged.
    let first = at("2026-06-16");
    let e = first
        .checks
        .iter()
        .find(|c| c.version.is_some() && c.metric == "error_rate")
        .unwrap();
    assert!(e.verdict.starts_with("too little data"), "{e:?}");
    assert!(flagged("2026-06-16").is_empty());
    // Before it, no version check at all.
    assert!(at("2026-06-15").checks.iter().all(|c| c.version.is_none()));
}

#[test]
fn faster_but_is_it_worse_support_triage_outcomes() {
    let dir = tempfile::tempdir().unwrap();
    let store = yardstick::cli::load_demo(&dir.path().join("demo.duckdb")).unwrap();
    let o = yardstick::report::outcomes::outcomes(&store, &Default::default()).unwrap();
    let row = |name: &str| {
        o.rows
            .iter()
            .find(|r| r.workflow_id == "support-triage" && r.outcome == name)
            .unwrap()
    };
    // About 40% of finished tickets answer the survey, the same spread of
    // scores by hand and automated: no clear change.
    let csat = row("csat");
    assert!(csat.before_n >= 20 && csat.after_n >= 20);
    assert_eq!(csat.verdict, "no clear change");
    assert!((csat.before_mean.unwrap() - 3.75).abs() < 0.2, "{csat:?}");
    // Reopened: 8% of tickets done by hand, 12% of automated ones.
    let reopened = row("reopened");
    assert!(
        (reopened.before_mean.unwrap() - 0.08).abs() < 0.02,
        "{reopened:?}"
    );
    assert!(
        (reopened.after_mean.unwrap() - 0.12).abs() < 0.02,
        "{reopened:?}"
    );
    assert_eq!(reopened.verdict, "worse, clearly");
    assert_eq!(o.rows.len(), 2, "only support-triage declares outcomes");
}

#[test]
fn compare_by_tier_on_the_demo() {
    use yardstick::report::{compare, CompareRequest};
    let dir = tempfile::tempdir().unwrap();
    let store = yardstick::cli::load_demo(&dir.path().join("demo.duckdb")).unwrap();
    let req = |by: &[&str]| CompareRequest {
        workflows: vec!["support-triage".into()],
        resamples: Some(400),
        segments: yardstick::segments::Segments::parse(
            &by.iter().map(|b| b.to_string()).collect::<Vec<_>>(),
            &[],
        )
        .unwrap(),
        ..Default::default()
    };
    let whole = compare(&store, &req(&[])).unwrap();
    let by_tier = compare(&store, &req(&["attributes.tier"])).unwrap();
    let tiers: Vec<Option<String>> = by_tier
        .iter()
        .map(|c| c.segment.as_ref().unwrap()["attributes.tier"].clone())
        .collect();
    assert_eq!(
        tiers,
        [
            Some("bronze".into()),
            Some("gold".into()),
            Some("silver".into()),
            None
        ]
    );
    let after_n = |c: &yardstick::metrics::compare::Comparison| {
        c.rows
            .iter()
            .find(|r| r.metric == "error_rate")
            .unwrap()
            .after_n
    };
    assert_eq!(
        by_tier.iter().map(after_n).sum::<usize>(),
        after_n(&whole[0])
    );
    for c in &by_tier {
        let cycle = c
            .rows
            .iter()
            .find(|r| r.metric == "cycle_time_mean_min")
            .unwrap();
        assert!(cycle.after_n >= 20, "{:?}: {}", c.segment, cycle.after_n);
        assert!(cycle.ci_low.is_some() && cycle.ci_high.is_some());
    }
}
