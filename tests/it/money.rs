//! The money a finance reader signs (issue #22): figures that must be exact
//! and readings of the README settled, each on a hand-computed case.

use yardstick::ingest::{Format, Options};
use yardstick::metrics::Period;
use yardstick::model::Kind;
use yardstick::store::Store;

use crate::{ingest_text, row};

/// A catalogue of one automated workflow whose B has more than six decimals.
fn one_workflow(b: &str) -> Store {
    let store = Store::open_in_memory().unwrap();
    let catalogue = format!(
        "workflow_id,name,owner,category,hourly_cost,currency,automated_since,baseline_minutes_per_item\n\
         wf,Intake,Ops,intake,60,EUR,2026-01-01,{b}\n"
    );
    let r = ingest_text(
        &store,
        Kind::Workflows,
        Format::Csv,
        "catalogue",
        &catalogue,
        Options::default(),
    )
    .unwrap();
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
    let r = ingest_text(
        &store,
        Kind::Runs,
        Format::Csv,
        "runs",
        runs,
        Options::default(),
    )
    .unwrap();
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
    ingest_text(
        &store,
        Kind::Runs,
        Format::Csv,
        "more",
        more,
        Options::default(),
    )
    .unwrap();
    let wf = row(&store, january, "wf");
    let hours = wf.reclaimed_hours.unwrap();
    assert!(
        (hours - (10.1234567891 - 0.123456) / 60.0).abs() < 1e-15,
        "{hours}"
    );
}
