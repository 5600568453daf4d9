//! Outcome measures (#25): a catalogue declares them, ingest checks the
//! declaration (a bad one is rejected with its reason), runs carry values
//! under `outcome_<name>` or `<name>`, and `report outcomes` gives each
//! one's n, mean, median and share at target before and after go-live, by
//! hand.

use yardstick::ingest::{Format, Options};
use yardstick::model::Kind;
use yardstick::report::outcomes::{outcomes, outcomes_csv, OutcomesRequest};
use yardstick::store::Store;

use crate::ingest_text;

const WORKFLOWS: &str = "\
workflow_id,name,owner,team,category,automated_since,outcomes
care,Care triage,Ana,Care,intake,2026-02-01,csat:scale:target=4;reopened:rate
quiet,No outcomes,Ben,Ops,intake,2026-02-01,
";

const HEADER: &str =
    "source,run_id,workflow_id,started_at,finished_at,status,outcome_csat,reopened,tier";

/// Before go-live (January): CSAT 3, 4, 5, 2 and one unreadable; reopened
/// 1 of 4. After (February): CSAT 5, 5, 4; reopened 0 of 3; one run with
/// neither. Tier gold: b1, b2, a1; silver: b3, b4, b5, a2, a3; a4 none.
const RUNS: [&str; 9] = [
    "s,b1,care,2026-01-05T10:00:00Z,2026-01-05T10:10:00Z,succeeded,3,0,gold",
    "s,b2,care,2026-01-06T10:00:00Z,2026-01-06T10:10:00Z,succeeded,4,1,gold",
    "s,b3,care,2026-01-07T10:00:00Z,2026-01-07T10:10:00Z,succeeded,5,0,silver",
    "s,b4,care,2026-01-08T10:00:00Z,2026-01-08T10:10:00Z,escalated,2,0,silver",
    "s,b5,care,2026-01-09T10:00:00Z,2026-01-09T10:10:00Z,succeeded,good,,silver",
    "s,a1,care,2026-02-02T10:00:00Z,2026-02-02T10:10:00Z,succeeded,5,0,gold",
    "s,a2,care,2026-02-03T10:00:00Z,2026-02-03T10:10:00Z,succeeded,5,no,silver",
    "s,a3,care,2026-02-04T10:00:00Z,2026-02-04T10:10:00Z,succeeded,4,false,silver",
    "s,a4,care,2026-02-05T10:00:00Z,2026-02-05T10:10:00Z,succeeded,,,",
];

pub(crate) fn store() -> Store {
    crate::store_of(WORKFLOWS, HEADER, &RUNS)
}

pub(crate) fn req() -> OutcomesRequest {
    OutcomesRequest {
        from: Some("2026-01-01".into()),
        to: Some("2026-03-01".into()),
        resamples: Some(200),
        ..OutcomesRequest::default()
    }
}

#[test]
fn outcomes_before_and_after_by_hand() {
    let store = store();
    let o = outcomes(&store, &req()).unwrap();
    let names: Vec<(&str, &str)> = o
        .rows
        .iter()
        .map(|r| (r.workflow_id.as_str(), r.outcome.as_str()))
        .collect();
    assert_eq!(
        names,
        [("care", "csat"), ("care", "reopened")],
        "quiet declares none"
    );
    let csat = &o.rows[0];
    assert_eq!((csat.before_n, csat.after_n, csat.unreadable), (4, 3, 1));
    assert_eq!(csat.before_mean, Some(3.5));
    assert!((csat.after_mean.unwrap() - 14.0 / 3.0).abs() < 1e-12);
    assert_eq!((csat.before_p50, csat.after_p50), (Some(3.5), Some(5.0)));
    assert_eq!(
        (csat.before_share_at_target, csat.after_share_at_target),
        (Some(0.5), Some(1.0))
    );
    assert_eq!(csat.verdict, "too little data: n=4 before, n=3 after");
    let reopened = &o.rows[1];
    assert!(!reopened.higher_is_better);
    assert_eq!((reopened.before_n, reopened.after_n), (4, 3));
    assert_eq!(
        (reopened.before_mean, reopened.after_mean),
        (Some(0.25), Some(0.0))
    );
    assert_eq!((reopened.before_p50, reopened.target), (None, None));
    let csv = String::from_utf8(outcomes_csv(&o).unwrap()).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 3);
    assert!(
        lines[1].starts_with("care,csat,scale,true,4,runs before go-live,4,3.5,3.5,0.5,3,"),
        "{}",
        lines[1]
    );
    // One workflow asked for: its rows only; a workflow without outcomes: none.
    let only = OutcomesRequest {
        workflows: vec!["quiet".into()],
        ..req()
    };
    assert!(outcomes(&store, &only).unwrap().rows.is_empty());
}

#[test]
fn a_bad_declaration_is_rejected_and_a_changed_one_is_a_new_version() {
    let store = store();
    let bad = "workflow_id,name,owner,category,outcomes\ncare,Care triage,Ana,intake,csat:score\n";
    let r = ingest_text(
        &store,
        Kind::Workflows,
        Format::Csv,
        "bad.csv",
        bad,
        Options::default(),
    )
    .unwrap();
    assert_eq!(r.rejects.len(), 1);
    let reject = format!("{:?}", r.rejects[0]);
    assert!(
        reject.contains("outcomes") && reject.contains("scale or rate, not `score`"),
        "{reject}"
    );
    // The same workflow with one outcome fewer: a new catalogue version.
    let changed = "workflow_id,name,owner,team,category,automated_since,outcomes\n\
                   care,Care triage,Ana,Care,intake,2026-02-01,csat:scale:target=4\n";
    let r = ingest_text(
        &store,
        Kind::Workflows,
        Format::Csv,
        "w2.csv",
        changed,
        Options::default(),
    )
    .unwrap();
    assert_eq!(r.replaced, 1, "{r:?}");
    let o = outcomes(&store, &req()).unwrap();
    assert_eq!(o.rows.len(), 1);
}

/// The comparison of a workflow that declares outcomes carries them, by
/// hand, after its time rows (JSON and CSV), and says speed and quality in
/// one line; a workflow that declares none has no outcome rows.
#[test]
fn a_comparison_carries_the_outcomes_beside_the_time_metrics() {
    use yardstick::report::{compare, comparisons_csv, CompareRequest};
    let store = store();
    let req = CompareRequest {
        workflows: vec!["care".into(), "quiet".into()],
        to: Some("2026-03-01".into()),
        baseline: Some(yardstick::metrics::compare::BaselineChoice::PreRuns),
        resamples: Some(200),
        ..CompareRequest::default()
    };
    let cs = compare(&store, &req).unwrap();
    let care = &cs[0];
    let names: Vec<&str> = care.outcomes.iter().map(|o| o.outcome.as_str()).collect();
    assert_eq!(names, ["csat", "reopened"]);
    let csat = &care.outcomes[0];
    assert_eq!((csat.before_n, csat.after_n), (4, 3));
    assert_eq!(csat.before_mean, Some(3.5));
    assert!((csat.after_mean.unwrap() - 14.0 / 3.0).abs() < 1e-12);
    assert_eq!(
        (care.outcomes[1].before_mean, care.outcomes[1].after_mean),
        (Some(0.25), Some(0.0))
    );
    assert_eq!(
        care.summary,
        "cycle time p50: too little data: n=5 before, n=4 after; \
         error rate: too little data: n=5 before, n=4 after; \
         csat: too little data: n=4 before, n=3 after; \
         reopened: too little data: n=4 before, n=3 after"
    );
    assert!(cs[1].outcomes.is_empty());
    assert!(!cs[1].summary.contains("csat"));
    let csv = String::from_utf8(comparisons_csv(&cs[..1]).unwrap()).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    let n = lines.len();
    assert!(
        lines[n - 2].starts_with("care,csat_mean,scale,3.5,4,4.66666666666666"),
        "{csv}"
    );
    assert!(
        lines[n - 1].starts_with("care,reopened_rate,share,0.25,4,0.0,3,-0.25,-1.0,"),
        "{csv}"
    );
}

/// Outcomes by tier, by hand: gold CSAT 3, 4 before and 5 after; silver 5,
/// 2 (and one unreadable) before and 5, 4 after; a4, with no tier, has no
/// outcome value and so no row. Filtered to silver: the silver rows; the
/// comparison by tier carries each tier's rows.
#[test]
fn outcomes_by_segment_by_hand() {
    use yardstick::segments::Segments;
    let store = store();
    let by = |by: &[&str], filter: &[&str]| OutcomesRequest {
        segments: Segments::parse(
            &by.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
            &filter.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
        )
        .unwrap(),
        ..req()
    };
    let o = outcomes(&store, &by(&["attributes.tier"], &[])).unwrap();
    // (outcome, tier, before n and mean, after n and mean)
    type Row = (
        String,
        Option<String>,
        usize,
        Option<f64>,
        usize,
        Option<f64>,
    );
    let got: Vec<Row> = o
        .rows
        .iter()
        .map(|r| {
            let tier = r.segment.as_ref().unwrap()["attributes.tier"].clone();
            (
                r.outcome.clone(),
                tier,
                r.before_n,
                r.before_mean,
                r.after_n,
                r.after_mean,
            )
        })
        .collect();
    let s = |x: &str| Some(x.to_string());
    assert_eq!(
        got,
        [
            ("csat".into(), s("gold"), 2, Some(3.5), 1, Some(5.0)),
            ("csat".into(), s("silver"), 2, Some(3.5), 2, Some(4.5)),
            ("reopened".into(), s("gold"), 2, Some(0.5), 1, Some(0.0)),
            ("reopened".into(), s("silver"), 2, Some(0.0), 2, Some(0.0)),
        ]
    );
    assert_eq!(o.rows[1].unreadable, 1, "b5's `good`");
    let csv = String::from_utf8(outcomes_csv(&o).unwrap()).unwrap();
    assert!(
        csv.starts_with("workflow_id,attributes.tier,outcome,"),
        "{csv}"
    );
    assert!(
        csv.contains("\ncare,silver,csat,scale,true,4,runs before go-live,2,3.5,"),
        "{csv}"
    );
    // By a key none of these runs carries: refused by name, not one empty
    // segment holding every value.
    let e = outcomes(&store, &by(&["attributes.teir"], &[])).unwrap_err();
    assert!(
        e.to_string()
            .starts_with("by `attributes.teir`: no run of the period carries it"),
        "{e}"
    );
    // Filtered: the silver rows, without a segment column.
    let silver = outcomes(&store, &by(&[], &["attributes.tier=silver"])).unwrap();
    let means: Vec<_> = silver
        .rows
        .iter()
        .map(|r| (r.before_mean, r.after_mean, r.segment.is_none()))
        .collect();
    assert_eq!(
        means,
        [(Some(3.5), Some(4.5), true), (Some(0.0), Some(0.0), true)]
    );
    // The comparison by tier: each tier's comparison has its own outcomes.
    let cs = yardstick::report::compare(
        &store,
        &yardstick::report::CompareRequest {
            workflows: vec!["care".into()],
            to: Some("2026-03-01".into()),
            resamples: Some(200),
            segments: by(&["attributes.tier"], &[]).segments,
            ..Default::default()
        },
    )
    .unwrap();
    let per_tier: Vec<(Option<String>, Vec<Option<f64>>)> = cs
        .iter()
        .map(|c| {
            (
                c.segment.as_ref().unwrap()["attributes.tier"].clone(),
                c.outcomes.iter().map(|o| o.after_mean).collect(),
            )
        })
        .collect();
    assert_eq!(
        per_tier,
        [
            (s("gold"), vec![Some(5.0), Some(0.0)]),
            (s("silver"), vec![Some(4.5), Some(0.0)]),
            (None, vec![None, None]),
        ]
    );
}

/// The built-in dashboard `name`.
fn board(name: &str) -> yardstick::dashboard::spec::Dashboard {
    yardstick::dashboard::spec::load(None)
        .unwrap()
        .into_iter()
        .find(|d| d.name == name)
        .unwrap()
}

/// The workflow page's by-segment panel on this fixture, by hand: gold has
/// b1, b2, a1 (3 runs), silver b3, b4, b5, a2, a3 (5), a4 no tier (1);
/// each says too little data, and its quality is its outcomes' means in the
/// period's runs since go-live against those before.
#[test]
fn the_by_segment_panel_by_hand() {
    use yardstick::dashboard::{self, Filters};
    let store = store();
    let board = board("workflow");
    let f = Filters {
        from: Some("2026-01-01".into()),
        to: Some("2026-03-01".into()),
        workflow: Some("care".into()),
        ..Filters::default()
    };
    let c = dashboard::compute(&store, &board, f, Some("by-segment")).unwrap();
    let t = &c.tables[0].1;
    let text = |r: usize, col: &str| t.cell(r, col).and_then(|c| c.as_text()).unwrap_or("");
    let runs = |r: usize| t.cell(r, "runs").and_then(|c| c.as_f64()).unwrap();
    let got: Vec<(&str, f64, &str)> = (0..t.rows.len())
        .map(|r| (text(r, "segment"), runs(r), text(r, "note")))
        .collect();
    assert_eq!(
        got,
        [
            ("gold", 3.0, "too little data: n=3"),
            ("silver", 5.0, "too little data: n=5"),
            ("(missing)", 1.0, "too little data: n=1"),
        ]
    );
    assert_eq!(
        text(1, "quality"),
        "csat 4.50 (n 2) against 3.50 (n 2): too little data: n=2 before, n=2 after; \
         reopened 0.0% (n 2) against 0.0% (n 2): too little data: n=2 before, n=2 after"
    );
    assert_eq!(text(2, "quality"), "", "a4 carries no outcome");
    // The page's own `by` replaces the panel's.
    let by_version = Filters {
        by: Some("version".into()),
        ..c.filters.clone()
    };
    let v = dashboard::compute(&store, &board, by_version, Some("by-segment")).unwrap();
    let t = &v.tables[0].1;
    assert_eq!(t.rows.len(), 1, "no run names a version");
    assert_eq!(
        t.cell(0, "segment").and_then(|c| c.as_text()),
        Some("(missing)")
    );
}

/// A page filtered to a segment shows what the same page shows of a file
/// holding only that segment's runs: the leadership page's workflows table
/// and headline, filtered to silver, equal the page of the silver runs.
#[test]
fn a_page_filtered_to_a_segment_equals_the_page_of_its_runs() {
    use yardstick::dashboard::{self, Filters};
    let board = board("leadership");
    let period = Filters {
        from: Some("2026-01-01".into()),
        to: Some("2026-03-01".into()),
        ..Filters::default()
    };
    let silver_runs: Vec<&str> = RUNS
        .iter()
        .copied()
        .filter(|r| r.ends_with(",silver"))
        .collect();
    let only = crate::store_of(WORKFLOWS, HEADER, &silver_runs);
    let filtered = Filters {
        segment: Some("attributes.tier=silver".into()),
        ..period.clone()
    };
    let a = dashboard::compute(&store(), &board, filtered, None).unwrap();
    let b = dashboard::compute(&only, &board, period, None).unwrap();
    for id in ["by-workflow", "headline", "quality"] {
        let table = |c: &dashboard::Computed| {
            let (_, t) = c.panels().find(|(p, _)| p.id == id).unwrap();
            (t.rows.clone(), t.n)
        };
        assert_eq!(table(&a), table(&b), "{id}");
    }
}

const STUDY: &str = "\
study,workflow_id,observed_at,handle_minutes,outcome_csat,outcome_reopened
q4,care,2025-12-01T10:00:00Z,10,2,1
q4,care,2025-12-02T10:00:00Z,12,3,0
q4,care,2025-12-03T10:00:00Z,11,,yes
";

pub(crate) fn with_study(store: &Store) {
    let r = ingest_text(
        store,
        Kind::Baselines,
        Format::Csv,
        "study.csv",
        STUDY,
        Options::default(),
    )
    .unwrap();
    assert_eq!((r.accepted, r.rejects.len()), (3, 0), "{r:?}");
}

/// A time study that recorded outcomes (`outcome_<name>` columns) is the
/// manual process's quality baseline: CSAT 2 and 3 (one observer recorded
/// none), reopened 2 of 3. `report outcomes` and a comparison against the
/// study set the after side against it; a comparison against the runs
/// before go-live keeps them.
#[test]
fn a_time_study_records_the_manual_quality_baseline() {
    use yardstick::metrics::compare::BaselineChoice;
    use yardstick::report::{compare, CompareRequest};
    let store = store();
    with_study(&store);
    let o = outcomes(&store, &req()).unwrap();
    let before: Vec<(&str, &str, usize, Option<f64>)> = o
        .rows
        .iter()
        .map(|r| {
            (
                r.outcome.as_str(),
                r.before_source.as_str(),
                r.before_n,
                r.before_mean,
            )
        })
        .collect();
    assert_eq!(
        before,
        [
            ("csat", "time study", 2, Some(2.5)),
            ("reopened", "time study", 3, Some(2.0 / 3.0)),
        ]
    );
    assert_eq!(
        o.rows[0].after_mean,
        Some(14.0 / 3.0),
        "the runs since go-live"
    );
    let csv = String::from_utf8(outcomes_csv(&o).unwrap()).unwrap();
    assert!(
        csv.contains("\ncare,csat,scale,true,4,time study,2,2.5,2.5,0,3,"),
        "{csv}"
    );
    let cmp = |baseline| {
        let req = CompareRequest {
            workflows: vec!["care".into()],
            to: Some("2026-03-01".into()),
            baseline,
            resamples: Some(200),
            ..CompareRequest::default()
        };
        compare(&store, &req).unwrap().remove(0)
    };
    let study = cmp(None);
    assert_eq!(study.baseline, BaselineChoice::Study);
    assert_eq!(
        (
            study.outcomes[0].before_source.as_str(),
            study.outcomes[0].before_mean
        ),
        ("time study", Some(2.5))
    );
    let runs = cmp(Some(BaselineChoice::PreRuns));
    assert_eq!(
        (
            runs.outcomes[0].before_source.as_str(),
            runs.outcomes[0].before_mean
        ),
        ("runs before go-live", Some(3.5))
    );
    let both = cmp(Some(BaselineChoice::Both));
    assert_eq!(both.outcomes[0].before_n, 2 + 4);
}

/// A file written before time studies recorded outcomes gains the column:
/// its observations have none, and a new study's are kept.
#[test]
fn an_older_file_takes_a_study_with_outcomes() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.duckdb");
    {
        let s = Store::open(&path).unwrap();
        ingest_text(
            &s,
            Kind::Workflows,
            Format::Csv,
            "w.csv",
            WORKFLOWS,
            Options::default(),
        )
        .unwrap();
        let text = format!("{HEADER}\n{}\n", RUNS.join("\n"));
        ingest_text(
            &s,
            Kind::Runs,
            Format::Csv,
            "r.csv",
            &text,
            Options::default(),
        )
        .unwrap();
    }
    {
        let conn = duckdb::Connection::open(&path).unwrap();
        conn.execute_batch(
            "ALTER TABLE baseline_observations DROP COLUMN outcomes;
             ALTER TABLE stage_baselines DROP COLUMN outcomes;",
        )
        .unwrap();
    }
    let store = Store::open(&path).unwrap();
    with_study(&store);
    let o = outcomes(&store, &req()).unwrap();
    assert_eq!(
        (o.rows[0].before_source.as_str(), o.rows[0].before_mean),
        ("time study", Some(2.5))
    );
}

/// The metric table carries each declared outcome over the row's runs, by
/// hand: care's CSAT 3, 4, 5, 2, 5, 5, 4 (b5's `good` unreadable): n 7,
/// mean 4, p50 4, 5 of 7 at 4 or more; reopened 1 of 7. In CSV four columns
/// per outcome, empty on quiet's row; by tier, each tier's own.
#[test]
fn the_metric_table_reports_each_outcome_by_hand() {
    use yardstick::metrics::Period;
    use yardstick::report::metric_table_by;
    use yardstick::segments::Segments;
    let store = store();
    let period = Period::parse("2026-01-01", "2026-03-01").unwrap();
    let t = metric_table_by(&store, period, &[], None, &Segments::default()).unwrap();
    let rows = t.rows().unwrap();
    let care = rows.iter().find(|r| r.workflow_id == "care").unwrap();
    let csat = &care.outcomes[0];
    assert_eq!(
        (csat.outcome.as_str(), csat.n, csat.unreadable),
        ("csat", 7, 1)
    );
    assert_eq!((csat.mean, csat.p50), (Some(4.0), Some(4.0)));
    assert_eq!(csat.share_at_target, Some(5.0 / 7.0));
    let reopened = &care.outcomes[1];
    assert_eq!(
        (reopened.n, reopened.mean, reopened.p50),
        (7, Some(1.0 / 7.0), None)
    );
    assert!(rows
        .iter()
        .find(|r| r.workflow_id == "quiet")
        .unwrap()
        .outcomes
        .is_empty());
    let json = t.to_json().unwrap();
    let care_json = json["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["workflow_id"] == "care")
        .unwrap();
    assert_eq!(care_json["outcomes"][0]["mean"], 4.0);
    let csv = String::from_utf8(t.to_csv().unwrap()).unwrap();
    let mut rd = csv::Reader::from_reader(csv.as_bytes());
    let header: Vec<String> = rd.headers().unwrap().iter().map(String::from).collect();
    let at = |name: &str| header.iter().position(|h| h == name).unwrap();
    let recs: Vec<csv::StringRecord> = rd.records().map(Result::unwrap).collect();
    let care_csv = recs.iter().find(|r| &r[0] == "care").unwrap();
    let quiet_csv = recs.iter().find(|r| &r[0] == "quiet").unwrap();
    assert_eq!(&care_csv[at("outcome_csat_n")], "7");
    assert_eq!(&care_csv[at("outcome_csat_mean")], "4.0");
    assert_eq!(&care_csv[at("outcome_reopened_p50")], "");
    assert_eq!(&quiet_csv[at("outcome_csat_mean")], "");
    // By tier: gold 3, 4, 5; silver 5, 2, 5, 4.
    let by = Segments::parse(&["attributes.tier".into()], &[]).unwrap();
    let t = metric_table_by(&store, period, &["care".into()], None, &by).unwrap();
    let got: Vec<(Option<String>, usize, Option<f64>)> = t
        .rows()
        .unwrap()
        .into_iter()
        .map(|r| {
            let tier = r.segment.as_ref().unwrap()["attributes.tier"].clone();
            let csat = r
                .outcomes
                .first()
                .map(|o| (o.n, o.mean))
                .unwrap_or((0, None));
            (tier, csat.0, csat.1)
        })
        .collect();
    assert_eq!(
        got,
        [
            (Some("gold".into()), 3, Some(4.0)),
            (Some("silver".into()), 4, Some(4.0)),
            (None, 0, None),
        ]
    );
}

/// By the workflow's team: each row labelled, its figures unchanged;
/// where on a team whose workflows declare none: no rows.
#[test]
fn outcomes_by_and_where_on_the_team() {
    let store = store();
    let plain = outcomes(&store, &req()).unwrap();
    let seg = |by: &[&str], filter: &[&str]| {
        let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        yardstick::segments::Segments::parse(&s(by), &s(filter)).unwrap()
    };
    let by = outcomes(
        &store,
        &OutcomesRequest {
            segments: seg(&["team"], &["team=Care"]),
            ..req()
        },
    )
    .unwrap();
    assert_eq!(by.rows.len(), plain.rows.len());
    for (a, b) in by.rows.iter().zip(&plain.rows) {
        assert_eq!(a.segment.as_ref().unwrap()["team"].as_deref(), Some("Care"));
        assert_eq!(
            (a.before_mean, a.after_mean, a.after_n),
            (b.before_mean, b.after_mean, b.after_n)
        );
    }
    let csv = String::from_utf8(outcomes_csv(&by).unwrap()).unwrap();
    assert!(csv.starts_with("workflow_id,team,outcome,"), "{csv}");
    let ops = outcomes(
        &store,
        &OutcomesRequest {
            segments: seg(&[], &["team=Ops"]),
            ..req()
        },
    )
    .unwrap();
    assert!(ops.rows.is_empty());
}
