//! `report impact` end to end: a company of three workflows whose weekly
//! means are known by construction (one automated on 2026-03-02, two never),
//! the estimates against hand computations of their definitions, the CSV
//! equal to the JSON, and the HTTP route equal to the library.

use std::fmt::Write as _;

use yardstick::http::AppState;
use yardstick::report::impact::{impact, impact_csv, ImpactRequest};
use yardstick::store::Store;

use yardstick::ingest::Format;
use yardstick::model::Kind;

use crate::client::get_current;
use crate::ingest_text;

const PRE: usize = 12;
const POST: usize = 8;
const PER_WEEK: usize = 25;

/// A deterministic wobble of a workflow's weekly mean, in tenths of a minute
/// (6-second steps, so every mean is exact in microseconds).
fn noise(seed: usize, w: usize) -> f64 {
    ((w * seed) % 11) as f64 / 10.0 - 0.5
}

/// The weekly mean cycle time of each workflow by construction.
fn cycle(wf: &str, w: usize) -> f64 {
    match wf {
        "wf-t" if w < PRE => 30.0 + noise(37, w),
        "wf-t" => 20.0 + noise(37, w),
        "wf-c1" => 40.0 + noise(53, w),
        _ => 45.0 + noise(29, w),
    }
}

/// Failed runs of a week (of 25): the treated workflow fails less after.
fn failed(wf: &str, w: usize) -> usize {
    match wf {
        "wf-t" if w < PRE => 5 + w % 3,
        "wf-t" => 2 + w % 2,
        "wf-c1" => 3 + w % 2,
        _ => 4 + (w * 7) % 3,
    }
}

/// Human minutes of every run: 12 before the go-live, 3 after; the controls 10.
fn human(wf: &str, w: usize) -> f64 {
    match wf {
        "wf-t" if w < PRE => 12.0,
        "wf-t" => 3.0,
        _ => 10.0,
    }
}

fn company() -> Store {
    company_where(false, |_| true)
}

/// The weekly CSAT of each workflow by construction: the treated one's
/// rises by a point at the go-live.
fn csat(wf: &str, w: usize) -> f64 {
    match wf {
        "wf-t" if w < PRE => 3.0 + noise(41, w),
        "wf-t" => 4.0 + noise(41, w),
        "wf-c1" => 3.5 + noise(19, w),
        _ => 3.2 + noise(23, w),
    }
}

/// Reopened runs of a week (of 25): the treated workflow's fall.
fn reopened(wf: &str, w: usize) -> usize {
    match wf {
        "wf-t" if w < PRE => 6 + w % 2,
        "wf-t" => 2 + w % 3,
        "wf-c1" => 4 + w % 2,
        _ => 5,
    }
}

/// The tier of the k-th run of a week: gold for the first ten (every
/// failed run is among them), silver for the next fourteen, the last run
/// without one.
fn tier(k: usize) -> Option<&'static str> {
    match k {
        0..=9 => Some("gold"),
        10..=23 => Some("silver"),
        _ => None,
    }
}

/// The company, its runs with a `tier` column (an attribute) when `tiers`,
/// and only the k-th runs of each week that `keep`.
fn company_where(tiers: bool, keep: impl Fn(usize) -> bool) -> Store {
    company_of(tiers, false, keep)
}

/// [`company_where`], and when `outcomes` every workflow declaring a CSAT
/// and a reopen rate, each run carrying them (`outcome_csat`,
/// `outcome_reopened`): the week's CSAT on every run (the treated
/// workflow's last run of a week says "n/a", unreadable), 1 on the week's
/// first `reopened` runs.
fn company_of(tiers: bool, outcomes: bool, keep: impl Fn(usize) -> bool) -> Store {
    let store = Store::open_in_memory().unwrap();
    let declared = if outcomes {
        "csat:scale;reopened:rate"
    } else {
        ""
    };
    let workflows = format!(
        "workflow_id,name,owner,team,category,hourly_cost,currency,automated_since,baseline_minutes_per_item,outcomes\n\
        wf-t,Treated,Ann,Ops,intake,50,EUR,2026-03-02,12,{declared}\n\
        wf-c1,Control one,Bo,Ops,intake,50,EUR,,10,{declared}\n\
        wf-c2,Control two,Cy,Ops,intake,50,EUR,,10,{declared}\n"
    );
    let workflows = workflows.as_str();
    let r = ingest_text(
        &store,
        Kind::Workflows,
        Format::Csv,
        "wf",
        workflows,
        Default::default(),
    )
    .unwrap();
    assert_eq!(r.rejected, 0, "{:?}", r.rejects);
    let monday0 = chrono::NaiveDate::from_ymd_opt(2025, 12, 8).unwrap();
    let mut csv =
        String::from("source,run_id,workflow_id,started_at,finished_at,status,human_minutes");
    csv.push_str(if tiers { ",tier" } else { "" });
    csv.push_str(if outcomes {
        ",outcome_csat,outcome_reopened\n"
    } else {
        "\n"
    });
    for wf in ["wf-t", "wf-c1", "wf-c2"] {
        for w in 0..PRE + POST {
            let monday = monday0 + chrono::Duration::weeks(w as i64);
            for k in (0..PER_WEEK).filter(|k| keep(*k)) {
                let start = monday.and_hms_opt(8 + (k / 5) as u32, 0, 0).unwrap()
                    + chrono::Duration::days((k % 5) as i64);
                let status = if k < failed(wf, w) {
                    "failed"
                } else {
                    "succeeded"
                };
                let end = start + chrono::Duration::seconds((cycle(wf, w) * 60.0).round() as i64);
                write!(
                    csv,
                    "t,{wf}-{w}-{k},{wf},{}Z,{}Z,{status},{}",
                    start.format("%Y-%m-%dT%H:%M:%S"),
                    end.format("%Y-%m-%dT%H:%M:%S"),
                    human(wf, w)
                )
                .unwrap();
                if tiers {
                    write!(csv, ",{}", tier(k).unwrap_or_default()).unwrap();
                }
                if outcomes {
                    let score = if wf == "wf-t" && k == PER_WEEK - 1 {
                        "n/a".to_string()
                    } else {
                        csat(wf, w).to_string()
                    };
                    let reopen = u8::from(k < reopened(wf, w));
                    write!(csv, ",{score},{reopen}").unwrap();
                }
                csv.push('\n');
            }
        }
    }
    let r = ingest_text(
        &store,
        Kind::Runs,
        Format::Csv,
        "runs",
        &csv,
        Default::default(),
    )
    .unwrap();
    assert_eq!(r.rejected, 0, "{:?}", r.rejects);
    store
}

fn request(method: &str) -> ImpactRequest {
    ImpactRequest {
        workflow: "wf-t".into(),
        method: Some(method.into()),
        from: Some("2025-12-08".into()),
        to: Some("2026-04-27".into()),
        ..Default::default()
    }
}

/// The weeks after go-live that the estimates use: the go-live week (week
/// PRE) is a transition week, left out.
const AFTER: std::ops::Range<usize> = PRE + 1..PRE + POST;

/// The difference-in-differences by its definition: the treated weekly mean
/// less the controls' mean, averaged after the go-live less averaged before.
fn did_by_hand(f: impl Fn(&str, usize) -> f64) -> f64 {
    let d = |w: usize| f("wf-t", w) - (f("wf-c1", w) + f("wf-c2", w)) / 2.0;
    let pre: f64 = (0..PRE).map(d).sum::<f64>() / PRE as f64;
    let post: f64 = AFTER.map(d).sum::<f64>() / AFTER.len() as f64;
    post - pre
}

fn row<'a>(v: &'a serde_json::Value, metric: &str) -> &'a serde_json::Value {
    crate::item(v, "impacts", "metric", metric)
}

#[track_caller]
fn near(v: &serde_json::Value, want: f64, tol: f64) {
    let got = v.as_f64().unwrap_or_else(|| panic!("not a number: {v}"));
    assert!((got - want).abs() <= tol, "{got} vs {want}");
}

#[test]
fn difference_in_differences_equals_its_definition_on_known_weekly_means() {
    let store = company();
    let a = serde_json::to_value(impact(&store, &request("did")).unwrap()).unwrap();
    assert_eq!(a["go_live_week"], "2026-03-02");
    let c = row(&a, "cycle_time_mean_min");
    assert_eq!(c["method"], "did");
    near(&c["estimate"], did_by_hand(cycle), 1e-9);
    assert_eq!(c["controls"], serde_json::json!(["wf-c1", "wf-c2"]));
    assert_eq!(
        (c["weeks_before"].as_u64(), c["weeks_after"].as_u64()),
        (Some(PRE as u64), Some(AFTER.len() as u64))
    );
    // Runs each side: the treated workflow's succeeded runs (cycle times).
    let succeeded = |range: std::ops::Range<usize>| -> u64 {
        range.map(|w| (PER_WEEK - failed("wf-t", w)) as u64).sum()
    };
    assert_eq!(c["runs_before"].as_u64(), Some(succeeded(0..PRE)));
    assert_eq!(c["runs_after"].as_u64(), Some(succeeded(AFTER)));
    let lo = c["ci_low"].as_f64().unwrap();
    let hi = c["ci_high"].as_f64().unwrap();
    assert!(
        lo < c["estimate"].as_f64().unwrap() && c["estimate"].as_f64().unwrap() < hi,
        "{c}"
    );
    // The error rate: failed over the week's 25 terminal runs.
    let rate = |wf: &str, w: usize| failed(wf, w) as f64 / PER_WEEK as f64;
    near(&row(&a, "error_rate")["estimate"], did_by_hand(rate), 1e-12);
    // Every check is named with its figure.
    let checks: Vec<&str> = c["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["name"].as_str().unwrap())
        .collect();
    for name in ["pre_trends", "placebo", "pre_weeks", "post_weeks"] {
        assert!(checks.contains(&name), "{checks:?}");
    }
}

#[test]
fn reclaimed_hours_against_the_counterfactual_are_the_runs_times_the_minutes_saved() {
    let store = company();
    let a = serde_json::to_value(impact(&store, &request("auto")).unwrap()).unwrap();
    let r = row(&a, "reclaimed_hours");
    // 12 human minutes a run before, exactly, so the counterfactual is 12:
    // 7 weeks after the go-live week × 25 runs × (12 − 3) minutes / 60.
    near(
        &r["estimate"],
        (AFTER.len() * PER_WEEK) as f64 * 9.0 / 60.0,
        1e-9,
    );
    let h = row(&a, "human_minutes_per_item");
    assert_eq!(h["method"], "did", "{h}");
    near(&h["estimate"], -9.0, 1e-9);
}

#[test]
fn too_few_weeks_before_is_said_not_estimated() {
    let store = company();
    let mut req = request("its");
    req.from = Some("2026-02-09".into()); // three weeks before the go-live
    req.metrics = vec!["cycle_time_mean_min".into()];
    let a = serde_json::to_value(impact(&store, &req).unwrap()).unwrap();
    let c = row(&a, "cycle_time_mean_min");
    assert!(c["estimate"].is_null(), "{c}");
    assert_eq!(c["safe"], false);
    let reason = c["reason"].as_str().unwrap();
    assert!(
        reason.contains("3 weeks") && reason.contains('8'),
        "{reason}"
    );
    // A workflow without a go-live, an unknown metric and an unknown control are refused.
    let mut bad = request("auto");
    bad.workflow = "wf-c1".into();
    assert!(impact(&store, &bad)
        .unwrap_err()
        .to_string()
        .contains("no go-live"));
    let mut bad = request("auto");
    bad.metrics = vec!["speed".into()];
    assert!(impact(&store, &bad)
        .unwrap_err()
        .to_string()
        .contains("metric `speed`"));
    let mut bad = request("auto");
    bad.controls = vec!["wf-zz".into()];
    assert!(impact(&store, &bad)
        .unwrap_err()
        .to_string()
        .contains("wf-zz"));
}

#[tokio::test]
async fn the_route_and_the_csv_say_what_the_library_says() {
    let store = company();
    let want = serde_json::to_value(impact(&store, &request("auto")).unwrap()).unwrap();
    let csv =
        String::from_utf8(impact_csv(&impact(&store, &request("auto")).unwrap()).unwrap()).unwrap();
    let st = AppState::open(store);
    let got = get_current(
        &st,
        "/api/v1/impact?workflow=wf-t&from=2025-12-08&to=2026-04-27",
    )
    .await
    .good();
    assert_eq!(got.content(), want);
    let text = get_current(
        &st,
        "/api/v1/impact?workflow=wf-t&from=2025-12-08&to=2026-04-27&format=csv",
    )
    .await
    .good()
    .text();
    assert_eq!(text, csv);
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_string)
        .collect();
    assert_eq!(
        &header[..5],
        &["workflow_id", "metric", "method", "asked", "estimate"]
    );
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    let impacts = want["impacts"].as_array().unwrap();
    assert_eq!(rows.len(), impacts.len());
    let at = |name: &str| header.iter().position(|h| h == name).unwrap();
    for (cells, r) in rows.iter().zip(impacts) {
        assert_eq!(cells[1], r["metric"]);
        assert_eq!(cells[2], r["method"]);
        assert_eq!(cells[at("verdict")], r["verdict"]);
        match r["estimate"].as_f64() {
            Some(x) => assert_eq!(cells[4].parse::<f64>().unwrap(), x),
            None => assert_eq!(&cells[4], ""),
        }
        for k in r["checks"].as_array().unwrap() {
            let name = k["name"].as_str().unwrap();
            match k["figure"].as_f64() {
                Some(x) => assert_eq!(cells[at(name)].parse::<f64>().unwrap(), x, "{name}"),
                None => assert_eq!(&cells[at(name)], "", "{name}"),
            }
        }
    }
    let refused = get_current(&st, "/api/v1/impact?from=2025-12-08&to=2026-04-27").await;
    assert_eq!(refused.status, axum::http::StatusCode::BAD_REQUEST);
}

fn by_tier(mut req: ImpactRequest) -> ImpactRequest {
    req.segments = yardstick::segments::Segments::parse(&["attributes.tier".into()], &[]).unwrap();
    req
}

fn rows_of<'a>(v: &'a serde_json::Value, metric: &str) -> Vec<&'a serde_json::Value> {
    v["impacts"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["metric"] == metric)
        .collect()
}

#[test]
fn by_segment_each_segment_is_estimated_against_the_same_segment_of_the_controls() {
    let store = company_where(true, |_| true);
    let mut req = by_tier(request("did"));
    req.metrics = vec!["cycle_time_mean_min".into(), "error_rate".into()];
    let a = serde_json::to_value(impact(&store, &req).unwrap()).unwrap();
    assert!(a["segments"]
        .as_str()
        .unwrap()
        .contains("by attributes.tier"));
    // Gold, silver, then the runs without a tier; a row per metric each.
    let cycles = rows_of(&a, "cycle_time_mean_min");
    let tiers: Vec<&serde_json::Value> = cycles
        .iter()
        .map(|r| &r["segment"]["attributes.tier"])
        .collect();
    assert_eq!(
        tiers,
        [
            &serde_json::json!("gold"),
            &serde_json::json!("silver"),
            &serde_json::Value::Null
        ]
    );
    // Every run of a workflow's week has the same cycle time, so each
    // segment's weekly mean is the workflow's: the same difference in
    // differences, over the segment's own runs (gold: its ten less the
    // failed; silver: fourteen a week; the last run alone: one a week).
    near(&cycles[0]["estimate"], did_by_hand(cycle), 1e-9);
    near(&cycles[1]["estimate"], did_by_hand(cycle), 1e-9);
    let gold_before: u64 = (0..PRE).map(|w| (10 - failed("wf-t", w)) as u64).sum();
    assert_eq!(cycles[0]["runs_before"].as_u64(), Some(gold_before));
    assert_eq!(cycles[1]["runs_before"].as_u64(), Some(14 * PRE as u64));
    assert_eq!(cycles[0]["controls"], serde_json::json!(["wf-c1", "wf-c2"]));
    // Under 20 runs a side: said, not estimated.
    assert_eq!(cycles[2]["runs_before"].as_u64(), Some(PRE as u64));
    assert!(cycles[2]["estimate"].is_null(), "{}", cycles[2]);
    assert_eq!(cycles[2]["safe"], false);
    // The error rate: every failed run is gold, of ten gold runs a week;
    // silver never fails.
    let errors = rows_of(&a, "error_rate");
    let gold = |wf: &str, w: usize| failed(wf, w) as f64 / 10.0;
    near(&errors[0]["estimate"], did_by_hand(gold), 1e-12);
    near(&errors[1]["estimate"], 0.0, 1e-12);
    // The CSV: the tier's column after workflow_id, empty for the missing.
    let csv = String::from_utf8(impact_csv(&impact(&store, &req).unwrap()).unwrap()).unwrap();
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    assert_eq!(
        &reader.headers().unwrap().iter().take(3).collect::<Vec<_>>(),
        &["workflow_id", "attributes.tier", "metric"]
    );
    let cells: Vec<(String, String)> = reader
        .records()
        .map(|r| {
            let r = r.unwrap();
            (r[1].to_string(), r[2].to_string())
        })
        .collect();
    assert_eq!(cells[0], ("gold".into(), "cycle_time_mean_min".into()));
    assert_eq!(cells[5], (String::new(), "error_rate".into()));
}

#[tokio::test]
async fn filtered_to_a_segment_is_the_estimate_of_a_file_holding_only_it() {
    let store = company_where(true, |_| true);
    let only_gold = company_where(true, |k| tier(k) == Some("gold"));
    let mut req = request("auto");
    req.segments =
        yardstick::segments::Segments::parse(&[], &["attributes.tier=gold".into()]).unwrap();
    let mut got = serde_json::to_value(impact(&store, &req).unwrap()).unwrap();
    let want = serde_json::to_value(impact(&only_gold, &request("auto")).unwrap()).unwrap();
    assert!(got["segments"]
        .as_str()
        .unwrap()
        .contains("only attributes.tier = gold"));
    got.as_object_mut().unwrap().remove("segments");
    assert_eq!(got, want);
    // The route takes by and where as the other reports do.
    let st = AppState::open(store);
    let routed = get_current(
        &st,
        "/api/v1/impact?workflow=wf-t&from=2025-12-08&to=2026-04-27&where=attributes.tier%3Dgold",
    )
    .await
    .good();
    let mut routed = routed.content();
    routed.as_object_mut().unwrap().remove("segments");
    assert_eq!(routed, want);
    let bad = get_current(&st, "/api/v1/impact?workflow=wf-t&by=tier").await;
    assert_eq!(bad.status, axum::http::StatusCode::BAD_REQUEST);
}

fn outcome_rows<'a>(v: &'a serde_json::Value, outcome: &str) -> Vec<&'a serde_json::Value> {
    v["outcomes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["outcome"] == outcome)
        .collect()
}

#[test]
fn outcomes_are_estimated_like_the_time_metrics_and_judged_by_their_direction() {
    let store = company_of(false, true, |_| true);
    let a = serde_json::to_value(impact(&store, &request("did")).unwrap()).unwrap();
    let names: Vec<&str> = a["outcomes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["outcome"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["csat", "reopened"]);
    // The weekly mean CSAT, treated less the controls, after less before.
    let c = outcome_rows(&a, "csat")[0];
    assert_eq!(
        (c["kind"].as_str(), c["higher_is_better"].as_bool()),
        (Some("scale"), Some(true))
    );
    assert_eq!(c["method"], "did");
    near(&c["estimate"], did_by_hand(csat), 1e-9);
    assert_eq!(c["controls"], serde_json::json!(["wf-c1", "wf-c2"]));
    // 24 readable values a week; the "n/a" of each week counted apart.
    assert_eq!(c["runs_before"].as_u64(), Some(24 * PRE as u64));
    assert_eq!(c["unreadable"].as_u64(), Some((PRE + POST) as u64));
    // The reopen rate: the week's reopened runs of 25; lower is better.
    let r = outcome_rows(&a, "reopened")[0];
    let rate = |wf: &str, w: usize| reopened(wf, w) as f64 / PER_WEEK as f64;
    near(&r["estimate"], did_by_hand(rate), 1e-12);
    assert_eq!(r["higher_is_better"], false);
    // By the declared direction: a CSAT clearly up and a reopen rate
    // clearly down are both better.
    let auto = serde_json::to_value(impact(&store, &request("auto")).unwrap()).unwrap();
    for name in ["csat", "reopened"] {
        let o = outcome_rows(&auto, name)[0];
        assert_eq!(o["safe"], true, "{o}");
        assert_eq!(o["verdict"], "better, clearly", "{o}");
    }
    // Asked by name, only that outcome; a name neither a metric nor
    // declared is refused with the declared ones.
    let mut one = request("auto");
    one.metrics = vec!["reopened".into()];
    let one = serde_json::to_value(impact(&store, &one).unwrap()).unwrap();
    assert_eq!(one["impacts"].as_array().unwrap().len(), 0);
    assert_eq!(one["outcomes"].as_array().unwrap().len(), 1);
    let mut bad = request("auto");
    bad.metrics = vec!["nps".into()];
    let e = impact(&store, &bad).unwrap_err().to_string();
    assert!(
        e.contains("metric `nps`") && e.contains("(csat, reopened)"),
        "{e}"
    );
    // The CSV: the outcomes' rows after the metrics', as `<name>_mean` and
    // `<name>_rate`, with the same estimate.
    let csv =
        String::from_utf8(impact_csv(&impact(&store, &request("did")).unwrap()).unwrap()).unwrap();
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    let n = a["impacts"].as_array().unwrap().len();
    assert_eq!(rows.len(), n + 2);
    assert_eq!(&rows[n][1], "csat_mean");
    assert_eq!(&rows[n + 1][1], "reopened_rate");
    assert_eq!(
        rows[n][4].parse::<f64>().unwrap(),
        c["estimate"].as_f64().unwrap()
    );
    // By tier, an outcome row per tier and outcome.
    let tiered = company_of(true, true, |_| true);
    let a = serde_json::to_value(impact(&tiered, &by_tier(request("did"))).unwrap()).unwrap();
    let tiers: Vec<&serde_json::Value> = outcome_rows(&a, "csat")
        .iter()
        .map(|o| &o["segment"]["attributes.tier"])
        .collect();
    assert_eq!(
        tiers,
        [
            &serde_json::json!("gold"),
            &serde_json::json!("silver"),
            &serde_json::Value::Null
        ]
    );
    // Silver: every CSAT of the week, the treated workflow's too (its "n/a"
    // is the last run, no tier).
    near(
        &outcome_rows(&a, "csat")[1]["estimate"],
        did_by_hand(csat),
        1e-9,
    );
}

/// Where on the team: the comparisons are the team's workflows only (wf-c2
/// moved to Sales), the estimate DiD against wf-c1 alone; by team, each row
/// says the workflow's.
#[test]
fn where_team_takes_the_comparisons_from_that_team() {
    let store = company();
    let moved = "workflow_id,name,owner,team,category,hourly_cost,currency,automated_since,baseline_minutes_per_item\n\
        wf-c2,Control two,Cy,Sales,intake,50,EUR,,10\n";
    let r = ingest_text(
        &store,
        Kind::Workflows,
        Format::Csv,
        "moved",
        moved,
        Default::default(),
    )
    .unwrap();
    assert_eq!(r.rejected, 0, "{:?}", r.rejects);
    let mut req = request("did");
    req.metrics = vec!["cycle_time_mean_min".into()];
    req.segments =
        yardstick::segments::Segments::parse(&["team".into()], &["team=Ops".into()]).unwrap();
    let a = serde_json::to_value(impact(&store, &req).unwrap()).unwrap();
    let c = row(&a, "cycle_time_mean_min");
    assert_eq!(c["controls"], serde_json::json!(["wf-c1"]));
    let d = |w: usize| cycle("wf-t", w) - cycle("wf-c1", w);
    let pre: f64 = (0..PRE).map(d).sum::<f64>() / PRE as f64;
    let post: f64 = AFTER.map(d).sum::<f64>() / AFTER.len() as f64;
    near(&c["estimate"], post - pre, 1e-9);
    assert_eq!(c["segment"], serde_json::json!({"team": "Ops"}));
    assert!(a["segments"]
        .as_str()
        .unwrap()
        .contains("only the workflows with team = Ops"));
    // The workflow itself must be of the team.
    req.segments = yardstick::segments::Segments::parse(&[], &["team=Sales".into()]).unwrap();
    let e = impact(&store, &req).unwrap_err().to_string();
    assert!(e.contains("`wf-t` does not have team = Sales"), "{e}");
}
