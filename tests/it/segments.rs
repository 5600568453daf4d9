//! Segments and filters on runs' attributes (#25): `--by attributes.KEY`
//! and `--where attributes.KEY=VALUE` on the metric table and compare,
//! against hand-computed figures, against the same report on a pre-filtered
//! file, and the segment columns equal in CSV and JSON.

use axum::http::StatusCode;
use yardstick::http::AppState;
use yardstick::metrics::{MetricRow, Period};
use yardstick::report::{self, CompareRequest};
use yardstick::segments::Segments;
use yardstick::store::Store;

use crate::client::{assert_refused, get};
use crate::close;

const WORKFLOWS: &str = "\
workflow_id,name,owner,team,category,hourly_cost,currency,sla_response_minutes,sla_cycle_minutes,automated_since,baseline_minutes_per_item
seg-w,Segmented,Ana,Ops,intake,60,EUR,,30,2026-01-01,10
other-w,Quiet,Ben,Ops,intake,60,EUR,,,2026-01-01,10
";

/// The header of the runs below; `tier` is an attribute, missing on m1.
const HEADER: &str =
    "source,run_id,workflow_id,trigger_at,started_at,first_response_at,finished_at,status,error_kind,human_minutes,tier";

/// Two runs before go-live (the pre-runs) and six in January: gold 3 (one
/// failed and done by hand), silver 2, one without a tier.
const RUNS: [&str; 8] = [
    "s,p1,seg-w,,2025-12-10T10:00:00Z,,2025-12-10T10:50:00Z,succeeded,,50,gold",
    "s,p2,seg-w,,2025-12-11T10:00:00Z,,2025-12-11T11:10:00Z,succeeded,,70,silver",
    "s,g1,seg-w,,2026-01-05T10:00:00Z,,2026-01-05T10:10:00Z,succeeded,,2,gold",
    "s,g2,seg-w,,2026-01-06T10:00:00Z,,2026-01-06T10:20:00Z,succeeded,,0,gold",
    "s,g3,seg-w,,2026-01-07T10:00:00Z,,2026-01-07T10:05:00Z,failed,,,gold",
    "s,s1,seg-w,,2026-01-08T10:00:00Z,,2026-01-08T10:30:00Z,succeeded,,4,silver",
    "s,s2,seg-w,,2026-01-09T10:00:00Z,,2026-01-09T11:00:00Z,escalated,,10,silver",
    "s,m1,seg-w,,2026-01-10T10:00:00Z,,2026-01-10T10:40:00Z,succeeded,,1,",
];

fn store_with(runs: &[&str]) -> Store {
    crate::store_of(WORKFLOWS, HEADER, runs)
}

fn january() -> Period {
    Period::parse("2026-01-01", "2026-02-01").unwrap()
}

fn segments(by: &[&str], filter: &[&str]) -> Segments {
    let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
    Segments::parse(&s(by), &s(filter)).unwrap()
}

fn rows(store: &Store, seg: &Segments) -> Vec<MetricRow> {
    report::metric_table_by(store, january(), &[], None, seg)
        .unwrap()
        .rows()
        .unwrap()
}

fn tier(r: &MetricRow) -> Option<String> {
    r.segment.as_ref().unwrap()["attributes.tier"].clone()
}

#[test]
fn the_metric_table_by_an_attribute_by_hand() {
    let store = store_with(&RUNS);
    let rows = rows(&store, &segments(&["attributes.tier"], &[]));
    // other-w has no runs, so no segment and no row; seg-w's segments in
    // the order of their text, the missing tier last.
    let tiers: Vec<(String, Option<String>)> = rows
        .iter()
        .map(|r| (r.workflow_id.clone(), tier(r)))
        .collect();
    assert_eq!(
        tiers,
        [
            ("seg-w".into(), Some("gold".into())),
            ("seg-w".into(), Some("silver".into())),
            ("seg-w".into(), None),
        ]
    );
    let (gold, silver, missing) = (&rows[0], &rows[1], &rows[2]);
    // Gold: g1 (10 min, 2 human), g2 (20 min, 0 human), g3 failed by hand.
    assert_eq!((gold.runs, gold.succeeded, gold.failed), (3, 2, 1));
    close(gold.error_rate, Some(1.0 / 3.0));
    assert_eq!(gold.cycle_time_n, 2);
    close(gold.cycle_time_mean_min, Some(15.0));
    close(gold.cycle_time_p50_min, Some(15.0));
    close(gold.cycle_time_p90_min, Some(19.0));
    close(gold.sla_cycle_compliance, Some(1.0));
    // Reclaimed: g1 and g2 (g3 was done by hand): 2 × 10 − (2 + 0) = 18 min.
    close(gold.reclaimed_hours, Some(0.3));
    close(gold.reclaimed_money, Some(18.0));
    // Silver: s1 (30 min, 4 human), s2 escalated (60 min, 10 human).
    assert_eq!((silver.runs, silver.succeeded, silver.escalated), (2, 1, 1));
    close(silver.escalation_rate, Some(0.5));
    close(silver.cycle_time_p50_min, Some(45.0));
    close(silver.cycle_time_p90_min, Some(57.0));
    close(silver.sla_cycle_compliance, Some(0.5));
    close(silver.reclaimed_hours, Some(0.1));
    // No tier: m1 (40 min, 1 human), a segment of its own.
    assert_eq!(missing.runs, 1);
    close(missing.cycle_time_mean_min, Some(40.0));
    close(missing.sla_cycle_compliance, Some(0.0));
    close(missing.reclaimed_hours, Some(0.15));
    // The segments add up to the workflow's row.
    let whole = rows_plain(&store);
    let w = whole.iter().find(|r| r.workflow_id == "seg-w").unwrap();
    assert_eq!(w.runs, rows.iter().map(|r| r.runs).sum::<i64>());
    close(
        w.reclaimed_hours,
        Some(rows.iter().map(|r| r.reclaimed_hours.unwrap()).sum()),
    );
    assert!(w.segment.is_none());
}

fn rows_plain(store: &Store) -> Vec<MetricRow> {
    rows(store, &Segments::default())
}

#[test]
fn a_filter_equals_the_report_on_a_pre_filtered_file() {
    let all = store_with(&RUNS);
    let gold: Vec<&str> = RUNS
        .iter()
        .copied()
        .filter(|r| r.ends_with(",gold"))
        .collect();
    let only = store_with(&gold);
    let filter = segments(&[], &["attributes.tier=gold"]);
    assert_eq!(rows(&all, &filter), rows_plain(&only));
    // Compare too, to the byte (the same workflow, data and seed).
    let req = |segments| CompareRequest {
        workflows: vec!["seg-w".into()],
        to: Some("2026-02-01".into()),
        resamples: Some(200),
        segments,
        ..Default::default()
    };
    let json =
        |s: &Store, seg| serde_json::to_string(&report::compare(s, &req(seg)).unwrap()).unwrap();
    assert_eq!(json(&all, filter.clone()), json(&only, Segments::default()));
    // A filter and a segment together: the gold rows of the segmented table.
    let both = rows(
        &all,
        &segments(&["attributes.tier"], &["attributes.tier=gold"]),
    );
    assert_eq!(both.len(), 1);
    assert_eq!(tier(&both[0]), Some("gold".into()));
    assert_eq!(both[0].runs, 3);
    // A value no run has matches nothing: every workflow keeps its row and
    // its comparison, with nothing in them.
    let none = rows(&all, &segments(&[], &["attributes.tier=platinum"]));
    assert_eq!(none.len(), 2);
    assert!(none.iter().all(|r| r.runs == 0), "{none:?}");
    let cmp = report::compare(&all, &req(segments(&[], &["attributes.tier=platinum"]))).unwrap();
    assert_eq!(cmp.len(), 1);
    let cycle = cmp[0]
        .rows
        .iter()
        .find(|r| r.metric == "cycle_time_mean_min")
        .unwrap();
    assert_eq!(
        (cycle.after_n, cycle.verdict.as_str()),
        (0, "no data on either side")
    );
    // A key no stored run carries (misspelt) is refused by name, not
    // answered as the zeros above; a key carried only outside the period
    // still answers zeros (the pre-runs carry `tier`, February has no run).
    let region = segments(&[], &["attributes.region=EU"]);
    let refused = "where `attributes.region=EU`: no stored run carries `attributes.region`, \
                   so no run can match; check its spelling";
    let err = report::metric_table_by(&all, january(), &[], None, &region).unwrap_err();
    assert!(err.to_string().contains(refused), "{err}");
    let err = report::compare(&all, &req(region.clone())).unwrap_err();
    assert!(err.to_string().contains(refused), "{err}");
    let february = Period::parse("2026-02-01", "2026-03-01").unwrap();
    let gold = segments(&[], &["attributes.tier=gold"]);
    let empty = report::metric_table_by(&all, february, &[], None, &gold).unwrap();
    assert!(empty.rows().unwrap().iter().all(|r| r.runs == 0));
    // Found runs never pay for the check, and a key carried by some runs
    // only (m1 has no tier) is no misspelling.
    let silver = rows(&all, &segments(&[], &["attributes.tier=silver"]));
    assert_eq!(silver.iter().map(|r| r.runs).sum::<i64>(), 2);
}

#[test]
fn compare_by_segment_has_a_row_set_per_segment_with_its_own_n() {
    let store = store_with(&RUNS);
    let req = CompareRequest {
        workflows: vec!["seg-w".into()],
        to: Some("2026-02-01".into()),
        resamples: Some(200),
        segments: segments(&["attributes.tier"], &[]),
        ..Default::default()
    };
    let cmp = report::compare(&store, &req).unwrap();
    let seg: Vec<Option<String>> = cmp
        .iter()
        .map(|c| c.segment.as_ref().unwrap()["attributes.tier"].clone())
        .collect();
    assert_eq!(seg, [Some("gold".into()), Some("silver".into()), None]);
    let cycle = |i: usize| {
        cmp[i]
            .rows
            .iter()
            .find(|r| r.metric == "cycle_time_mean_min")
            .unwrap()
            .clone()
    };
    // Gold: before p1 (50 min), after g1 and g2 (mean 15).
    let g = cycle(0);
    assert_eq!((g.before_n, g.after_n), (1, 2));
    close(g.before, Some(50.0));
    close(g.after, Some(15.0));
    // Below 20 on either side: said, as everywhere.
    assert_eq!(g.verdict, "too little data: n=1 before, n=2 after");
    // The missing tier has no run before go-live.
    let m = cycle(2);
    assert_eq!((m.before_n, m.after_n), (0, 1));
    assert_eq!(m.verdict, "no data before");
    // Reclaimed hours per segment come from the segmented metric table.
    let hours = |i: usize| {
        cmp[i]
            .rows
            .iter()
            .find(|r| r.metric == "reclaimed_hours")
            .unwrap()
            .after
    };
    close(hours(0), Some(0.3));
    close(hours(1), Some(0.1));
    close(hours(2), Some(0.15));
    // CSV: the segment column after workflow_id, equal to the JSON.
    let csv = String::from_utf8(report::comparisons_csv(&cmp).unwrap()).unwrap();
    let mut lines = csv.lines();
    assert!(lines
        .next()
        .unwrap()
        .starts_with("workflow_id,attributes.tier,metric,"));
    let tiers: std::collections::BTreeSet<String> = lines
        .map(|l| l.split(',').nth(1).unwrap().to_string())
        .collect();
    assert_eq!(
        tiers,
        ["", "gold", "silver"]
            .map(String::from)
            .into_iter()
            .collect()
    );
}

#[test]
fn the_segment_columns_are_equal_in_csv_and_json() {
    let store = store_with(&RUNS);
    let table = report::metric_table_by(
        &store,
        january(),
        &[],
        None,
        &segments(&["attributes.tier"], &[]),
    )
    .unwrap();
    let csv = String::from_utf8(table.to_csv().unwrap()).unwrap();
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    assert_eq!(&header[..3], ["workflow_id", "attributes.tier", "runs"]);
    let json = table.to_json().unwrap();
    let from_json: Vec<(String, String, i64)> = json["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["workflow_id"].as_str().unwrap().to_string(),
                r["segment"]["attributes.tier"]
                    .as_str()
                    .unwrap_or("")
                    .to_string(),
                r["runs"].as_i64().unwrap(),
            )
        })
        .collect();
    let from_csv: Vec<(String, String, i64)> = lines
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            (f[0].to_string(), f[1].to_string(), f[2].parse().unwrap())
        })
        .collect();
    assert_eq!(from_csv, from_json);
    assert_eq!(from_csv.len(), 3);
}

#[tokio::test]
async fn by_and_where_over_http() {
    let st = AppState::open(store_with(&RUNS));
    let csv = get(
        &st,
        "/api/v1/metrics?from=2026-01-01&to=2026-02-01&by=attributes.tier&format=csv",
    )
    .await
    .good()
    .text();
    let table = report::metric_table_by(
        &store_with(&RUNS),
        january(),
        &[],
        None,
        &segments(&["attributes.tier"], &[]),
    )
    .unwrap();
    assert_eq!(csv, String::from_utf8(table.to_csv().unwrap()).unwrap());
    // JSON: no provenance of whole workflows under a segmented table, the reason instead.
    let j = get(
        &st,
        "/api/v1/metrics?from=2026-01-01&to=2026-02-01&by=attributes.tier",
    )
    .await
    .good()
    .json();
    assert!(j.get("provenance").is_none(), "{j}");
    assert_eq!(
        j["provenance_missing"],
        "provenance is of whole workflows, not of a table by attributes.tier"
    );
    let j = get(
        &st,
        "/api/v1/compare?workflow=seg-w&to=2026-02-01&resamples=200&where=attributes.tier%3Dsilver",
    )
    .await
    .good()
    .json();
    let c = &j["comparisons"][0];
    let n = c["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["metric"] == "cycle_time_mean_min")
        .unwrap()["after_n"]
        .clone();
    assert_eq!(n, 2);
    for (uri, needle) in [
        (
            "/api/v1/metrics?by=tier",
            "`tier` is neither attributes.KEY",
        ),
        (
            "/api/v1/metrics?by=attributes.tier&currency=EUR",
            "reporting currency is not available with by or where",
        ),
        ("/api/v1/compare?where=attributes.tier", "no `=`"),
    ] {
        assert_refused(&st, uri, StatusCode::BAD_REQUEST, needle).await;
    }
    // A key no run carries (misspelt, or no run names a version) would put
    // every run in one empty segment: every report refuses it by name.
    let no_run = "no run of the period carries it, so every run would be in one empty segment";
    for (uri, key) in [
        (
            "/api/v1/metrics?from=2026-01-01&to=2026-02-01&by=attributes.teir",
            "attributes.teir",
        ),
        (
            "/api/v1/metrics?from=2026-01-01&to=2026-02-01&by=version",
            "version",
        ),
        (
            "/api/v1/trend?from=2026-01-01&to=2026-03-01&by=attributes.teir",
            "attributes.teir",
        ),
        (
            "/api/v1/compare?workflow=seg-w&to=2026-02-01&by=attributes.teir",
            "attributes.teir",
        ),
        (
            "/api/v1/impact?workflow=seg-w&by=attributes.teir",
            "attributes.teir",
        ),
    ] {
        let needle = format!("by `{key}`: {no_run}");
        assert_refused(&st, uri, StatusCode::BAD_REQUEST, &needle).await;
    }
    // Filtered on a key no stored run carries: refused by name, not zeros.
    for uri in [
        "/api/v1/metrics?from=2026-01-01&to=2026-02-01&where=attributes.teir%3Dgold",
        "/api/v1/trend?from=2026-01-01&to=2026-03-01&where=attributes.teir%3Dgold",
        "/api/v1/compare?workflow=seg-w&to=2026-02-01&where=attributes.teir%3Dgold",
        "/api/v1/impact?workflow=seg-w&where=attributes.teir%3Dgold",
        "/api/v1/outcomes?workflow=seg-w&where=attributes.teir%3Dgold",
    ] {
        let needle = "where `attributes.teir=gold`: no stored run carries `attributes.teir`";
        assert_refused(&st, uri, StatusCode::BAD_REQUEST, needle).await;
    }
    // One key carried and one not: the one not is named.
    assert_refused(
        &st,
        "/api/v1/metrics?from=2026-01-01&to=2026-02-01&by=attributes.tier&by=attributes.teir",
        StatusCode::BAD_REQUEST,
        "by `attributes.teir`: no run",
    )
    .await;
}

#[test]
fn the_trend_by_an_attribute_by_hand_and_filtered_as_a_prefiltered_file() {
    use yardstick::metrics::trend::Granularity;
    let store = store_with(&RUNS);
    let trend = |s: &Store, seg: &Segments| {
        report::trend_from(
            s,
            Granularity::Week,
            "UTC",
            Some("2026-01-05"),
            Some("2026-01-19"),
            &["seg-w".to_string()],
            report::Catalogue::Read(None),
            seg,
        )
        .unwrap()
    };
    let t = trend(&store, &segments(&["attributes.tier"], &[]));
    // Every week holds every segment of the span, its own n (0 when none ran).
    let weeks: Vec<Vec<(Option<String>, i64)>> = t
        .tables
        .iter()
        .map(|table| {
            table
                .rows()
                .unwrap()
                .iter()
                .map(|r| (tier(r), r.runs))
                .collect()
        })
        .collect();
    let g = |s: &str| Some(s.to_string());
    assert_eq!(
        weeks,
        [
            vec![(g("gold"), 3), (g("silver"), 2), (None, 1)],
            vec![(g("gold"), 0), (g("silver"), 0), (None, 0)],
        ]
    );
    let csv = String::from_utf8(t.to_csv().unwrap()).unwrap();
    assert!(
        csv.starts_with("period_start,period_end,workflow_id,attributes.tier,runs,"),
        "{csv}"
    );
    let json = t.to_json().unwrap();
    assert_eq!(json["rows"][1]["segment"]["attributes.tier"], "silver");
    // Filtered: the plain trend of a file holding the gold runs only.
    let gold = trend(&store, &segments(&[], &["attributes.tier=gold"]));
    let only: Vec<&str> = RUNS
        .iter()
        .copied()
        .filter(|r| r.ends_with(",gold"))
        .collect();
    let plain = trend(&store_with(&only), &Segments::default());
    assert_eq!(gold.to_csv().unwrap(), plain.to_csv().unwrap());
}

/// Two teams: seg-w (Ops) and other-w (Sales, one January run).
const TEAMS: &str = "\
workflow_id,name,owner,team,category,hourly_cost,currency,sla_response_minutes,sla_cycle_minutes,automated_since,baseline_minutes_per_item
seg-w,Segmented,Ana,Ops,intake,60,EUR,,30,2026-01-01,10
other-w,Quiet,Ben,Sales,reporting,60,EUR,,,2026-01-01,10
";

fn teams() -> Store {
    let mut runs = RUNS.to_vec();
    runs.push("s,o1,other-w,,2026-01-12T10:00:00Z,,2026-01-12T10:30:00Z,succeeded,,5,gold");
    crate::store_of(TEAMS, HEADER, &runs)
}

fn segment_of(r: &MetricRow, key: &str) -> Option<String> {
    r.segment.as_ref().unwrap()[key].clone()
}

/// `--by team` (and category, owner) labels each workflow's rows with its
/// own value, the runs whole: the same figures as the plain table; with an
/// attribute, after the runs' segment columns. `--where team=…` is the
/// report of that team's workflows.
#[test]
fn by_and_where_on_the_workflows_team() {
    let store = teams();
    let plain =
        report::metric_table_by(&store, january(), &[], None, &Segments::default()).unwrap();
    let by_team = report::metric_table_by(
        &store,
        january(),
        &[],
        None,
        &segments(&["team", "owner"], &[]),
    )
    .unwrap();
    let rows = by_team.rows().unwrap();
    let labels: Vec<(String, Option<String>, Option<String>, i64)> = rows
        .iter()
        .map(|r| {
            (
                r.workflow_id.clone(),
                segment_of(r, "team"),
                segment_of(r, "owner"),
                r.runs,
            )
        })
        .collect();
    assert_eq!(
        labels,
        [
            (
                "other-w".into(),
                Some("Sales".into()),
                Some("Ben".into()),
                1
            ),
            ("seg-w".into(), Some("Ops".into()), Some("Ana".into()), 6),
        ]
    );
    // The figures are the plain table's.
    let strip = |mut v: serde_json::Value| {
        for r in v["rows"].as_array_mut().unwrap() {
            r.as_object_mut().unwrap().remove("segment");
        }
        v
    };
    assert_eq!(
        strip(by_team.to_json().unwrap()),
        strip(plain.to_json().unwrap())
    );
    // CSV: the columns after workflow_id, as the JSON says.
    let csv = String::from_utf8(by_team.to_csv().unwrap()).unwrap();
    let mut lines = csv.lines();
    assert!(
        lines
            .next()
            .unwrap()
            .starts_with("workflow_id,team,owner,runs,"),
        "{csv}"
    );
    assert!(lines.next().unwrap().starts_with("other-w,Sales,Ben,1,"));
    // With an attribute: the tier's rows, each with its workflow's team.
    let both = rows_of(&store, &segments(&["attributes.tier", "team"], &[]));
    let cells: Vec<(String, Option<String>, Option<String>)> = both
        .iter()
        .map(|r| {
            (
                r.workflow_id.clone(),
                segment_of(r, "attributes.tier"),
                segment_of(r, "team"),
            )
        })
        .collect();
    assert_eq!(
        cells,
        [
            ("other-w".into(), Some("gold".into()), Some("Sales".into())),
            ("seg-w".into(), Some("gold".into()), Some("Ops".into())),
            ("seg-w".into(), Some("silver".into()), Some("Ops".into())),
            ("seg-w".into(), None, Some("Ops".into())),
        ]
    );
    // Where team=Ops: the table of seg-w, asked for by name.
    let ops = report::metric_table_by(&store, january(), &[], None, &segments(&[], &["team=Ops"]))
        .unwrap();
    let seg_w = report::metric_table_by(
        &store,
        january(),
        &["seg-w".into()],
        None,
        &Segments::default(),
    )
    .unwrap();
    assert_eq!(
        ops.to_json().unwrap()["rows"],
        seg_w.to_json().unwrap()["rows"]
    );
    assert_eq!(ops.to_csv().unwrap(), seg_w.to_csv().unwrap());
    // Its provenance is of the workflows kept.
    let mut asked = seg_w.clone();
    report::with_provenance(&store, &mut asked, &["seg-w".into()], None).unwrap();
    let mut kept = ops.clone();
    report::with_provenance(&store, &mut kept, &[], None).unwrap();
    assert_eq!(
        kept.to_json().unwrap()["provenance"],
        asked.to_json().unwrap()["provenance"]
    );
    // A value no workflow has is refused with those there are; and a
    // team whose workflows were not asked for.
    let e = report::metric_table_by(
        &store,
        january(),
        &[],
        None,
        &segments(&[], &["team=Finance"]),
    )
    .unwrap_err()
    .to_string();
    assert!(
        e.contains("team = Finance") && e.contains("Ops, Sales"),
        "{e}"
    );
    let e = report::metric_table_by(
        &store,
        january(),
        &["other-w".into()],
        None,
        &segments(&[], &["team=Ops"]),
    )
    .unwrap_err()
    .to_string();
    assert!(
        e.contains("none of the workflows asked for has team = Ops"),
        "{e}"
    );
}

fn rows_of(store: &Store, seg: &Segments) -> Vec<MetricRow> {
    report::metric_table_by(store, january(), &[], None, seg)
        .unwrap()
        .rows()
        .unwrap()
}

#[test]
fn compare_and_trend_by_and_where_on_the_team() {
    use yardstick::metrics::trend::Granularity;
    let store = teams();
    let req = |seg: Segments| CompareRequest {
        to: Some("2026-02-01".into()),
        resamples: Some(200),
        segments: seg,
        ..Default::default()
    };
    let by = report::compare(&store, &req(segments(&["team"], &[]))).unwrap();
    let plain = report::compare(&store, &req(Segments::default())).unwrap();
    let teams: Vec<(&str, Option<&str>)> = by
        .iter()
        .map(|c| {
            (
                c.workflow_id.as_str(),
                c.segment.as_ref().unwrap()["team"].as_deref(),
            )
        })
        .collect();
    assert_eq!(teams, [("other-w", Some("Sales")), ("seg-w", Some("Ops"))]);
    // The same comparisons, labelled.
    for (a, b) in by.iter().zip(&plain) {
        assert_eq!(a.rows, b.rows);
    }
    let csv = String::from_utf8(report::comparisons_csv(&by).unwrap()).unwrap();
    assert!(
        csv.lines().nth(1).unwrap().starts_with("other-w,Sales,"),
        "{csv}"
    );
    // Where team=Sales: other-w's comparison alone.
    let sales = report::compare(&store, &req(segments(&[], &["team=Sales"]))).unwrap();
    assert_eq!(sales.len(), 1);
    assert_eq!(sales[0].rows, plain[0].rows);
    assert!(sales[0].segment.is_none());
    // The trend: every period's rows carry the team.
    let t = report::trend_from(
        &store,
        Granularity::Month,
        "UTC",
        Some("2026-01-01"),
        Some("2026-02-01"),
        &[],
        report::Catalogue::Read(None),
        &segments(&["team"], &["team=Ops"]),
    )
    .unwrap();
    let rows = t.tables[0].rows().unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(
        (rows[0].workflow_id.as_str(), segment_of(&rows[0], "team")),
        ("seg-w", Some("Ops".into()))
    );
    assert_eq!(rows[0].runs, 6);
}

#[tokio::test]
async fn the_team_over_http_and_refused_where_it_is_not_a_segment() {
    let store = teams();
    let want =
        report::metric_table_by(&store, january(), &[], None, &segments(&["team"], &[])).unwrap();
    let st = AppState::open(store);
    let csv = get(
        &st,
        "/api/v1/metrics?from=2026-01-01&to=2026-02-01&by=team&format=csv",
    )
    .await
    .good()
    .text();
    assert_eq!(csv, String::from_utf8(want.to_csv().unwrap()).unwrap());
    for (uri, needle) in [
        (
            "/api/v1/metrics?where=team%3DFinance",
            "no catalogued workflow has team = Finance",
        ),
        (
            "/api/v1/metrics?by=team&currency=EUR",
            "reporting currency is not available with by or where",
        ),
        ("/api/v1/metrics?by=team&by=team", "given twice"),
    ] {
        assert_refused(&st, uri, StatusCode::BAD_REQUEST, needle).await;
    }
    // A page says why on the page.
    for (uri, needle) in [
        (
            "/dashboards/leadership?segment=team%3DOps",
            "cannot take team: it is one value per workflow",
        ),
        ("/dashboards/leadership?by=owner", "cannot take owner"),
    ] {
        let r = get(&st, uri).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{uri}");
        assert!(r.text().contains(needle), "{uri}: {}", r.text());
    }
}
