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
    "source,run_id,workflow_id,started_at,finished_at,status,outcome_csat,reopened";

/// Before go-live (January): CSAT 3, 4, 5, 2 and one unreadable; reopened
/// 1 of 4. After (February): CSAT 5, 5, 4; reopened 0 of 3; one run with
/// neither.
const RUNS: [&str; 9] = [
    "s,b1,care,2026-01-05T10:00:00Z,2026-01-05T10:10:00Z,succeeded,3,0",
    "s,b2,care,2026-01-06T10:00:00Z,2026-01-06T10:10:00Z,succeeded,4,1",
    "s,b3,care,2026-01-07T10:00:00Z,2026-01-07T10:10:00Z,succeeded,5,0",
    "s,b4,care,2026-01-08T10:00:00Z,2026-01-08T10:10:00Z,escalated,2,0",
    "s,b5,care,2026-01-09T10:00:00Z,2026-01-09T10:10:00Z,succeeded,good,",
    "s,a1,care,2026-02-02T10:00:00Z,2026-02-02T10:10:00Z,succeeded,5,0",
    "s,a2,care,2026-02-03T10:00:00Z,2026-02-03T10:10:00Z,succeeded,5,no",
    "s,a3,care,2026-02-04T10:00:00Z,2026-02-04T10:10:00Z,succeeded,4,false",
    "s,a4,care,2026-02-05T10:00:00Z,2026-02-05T10:10:00Z,succeeded,,",
];

fn store() -> Store {
    crate::store_of(WORKFLOWS, HEADER, &RUNS)
}

fn req() -> OutcomesRequest {
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
        lines[1].starts_with("care,csat,scale,true,4,4,3.5,3.5,0.5,3,"),
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
