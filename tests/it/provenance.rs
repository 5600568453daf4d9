//! Provenance cards (issue #22): where every figure comes from — its
//! definition and n, the period, coverage, freshness and what was left out —
//! in the metric table's JSON, on the dashboard pages, and the definitions
//! page they link to, on a hand-counted case.

use yardstick::dashboard::{self, spec, Filters};
use yardstick::http::AppState;
use yardstick::ingest::{Format, Options};
use yardstick::metrics::Period;
use yardstick::model::Kind;
use yardstick::report;
use yardstick::store::Store;

use crate::client::get;
use crate::ingest_text;

const RUNS: &str = "source,run_id,workflow_id,started_at,finished_at,status,human_minutes\n";

/// January: runs on the 5th (one succeeded, one still running), the 10th
/// (cancelled) and the 20th (succeeded), written by two batches, the second
/// of which refused one row; a February batch refused two rows and is not
/// behind any January run, but is the newest batch.
fn store() -> Store {
    let store = Store::open_in_memory().unwrap();
    let put = |kind: Kind, csv: &str| {
        ingest_text(&store, kind, Format::Csv, "f.csv", csv, Options::default()).unwrap()
    };
    put(
        Kind::Workflows,
        "workflow_id,name,owner,category,hourly_cost,currency,automated_since,baseline_minutes_per_item\n\
         wf,Intake,Ops,intake,60,EUR,2026-01-01,10\n\
         other,Other,Ops,intake,60,EUR,2026-01-01,10\n",
    );
    put(
        Kind::Runs,
        &format!(
            "{RUNS}s,1,wf,2026-01-05T09:00:00Z,2026-01-05T10:00:00Z,succeeded,1\n\
             s,2,wf,2026-01-05T11:00:00Z,,running,\n"
        ),
    );
    put(
        Kind::Runs,
        &format!(
            "{RUNS}s,3,wf,2026-01-10T09:00:00Z,2026-01-10T09:30:00Z,cancelled,\n\
             s,4,wf,2026-01-20T09:00:00Z,2026-01-20T10:00:00Z,succeeded,2\n\
             s,5,wf,2026-01-21T09:00:00Z,2026-01-21T10:00:00Z,perhaps,2\n"
        ),
    );
    put(
        Kind::Runs,
        &format!(
            "{RUNS}s,6,other,2026-02-03T09:00:00Z,2026-02-03T10:00:00Z,succeeded,1\n\
             s,7,other,not a time,2026-02-03T10:00:00Z,succeeded,1\n\
             s,8,other,2026-02-04T09:00:00Z,2026-02-04T10:00:00Z,maybe,1\n"
        ),
    );
    store
}

#[test]
fn the_metric_table_says_where_its_figures_come_from() {
    let store = store();
    let january = Period::parse("2026-01-01", "2026-02-01").unwrap();
    let mut table = report::metric_table(&store, january, &[]).unwrap();
    report::with_provenance(&store, &mut table, &[], None).unwrap();
    let j = table.to_json().unwrap();
    let p = &j["provenance"];
    assert_eq!(p["days_in_period"], 31);
    assert_eq!(p["coverage"]["days_with_runs"], 3);
    assert_eq!(p["coverage"]["first_run"], "2026-01-05T09:00:00Z");
    assert_eq!(p["coverage"]["last_run"], "2026-01-20T09:00:00Z");
    assert_eq!(p["coverage"]["batches"], 2);
    assert_eq!(p["left_out"]["running"], 1);
    assert_eq!(p["left_out"]["cancelled"], 1);
    // The second batch refused `finished`; the February batch's two refusals
    // are not behind any January run.
    assert_eq!(p["left_out"]["rejected_rows"], 1);
    // Freshness is the newest batch of all (the February one: batch 4).
    let newest = &store.batches(1).unwrap()[0];
    assert_eq!(newest.batch_id, 4);
    assert_eq!(
        p["last_commit"],
        yardstick::model::format_timestamp(newest.received_at)
    );
    // Per workflow: `other` has no January runs, so no coverage row.
    let per = p["workflows"].as_array().unwrap();
    assert_eq!(per.len(), 1);
    assert_eq!(per[0]["workflow_id"], "wf");
    // Each field with its definition's link and its n.
    let error_rate = p["fields"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["field"] == "error_rate")
        .unwrap();
    assert_eq!(error_rate["definition"], "/definitions#error_rate");
    assert_eq!(error_rate["n"], "succeeded + failed + escalated");
    // As of just before the second batch of runs (batch 3): one day, one
    // running run, nothing cancelled, no refusal.
    let batches = store.batches(10).unwrap();
    assert_eq!(batches[1].batch_id, 3);
    let second = batches[1].received_at;
    let mut then = report::metric_table_as_of(
        &store,
        january,
        &[],
        Some(second - chrono::Duration::microseconds(1)),
    )
    .unwrap();
    report::with_provenance(
        &store,
        &mut then,
        &[],
        Some(second - chrono::Duration::microseconds(1)),
    )
    .unwrap();
    let p = &then.to_json().unwrap()["provenance"];
    assert_eq!(p["coverage"]["days_with_runs"], 1);
    assert_eq!(p["left_out"]["cancelled"], 0);
    assert_eq!(p["left_out"]["rejected_rows"], 0, "{p}");
}

#[tokio::test]
async fn the_api_the_definitions_page_and_the_dashboards_carry_it() {
    let st = AppState::open(store());
    let j = get(&st, "/api/v1/metrics?from=2026-01-01&to=2026-02-01")
        .await
        .good()
        .json();
    assert_eq!(j["provenance"]["left_out"]["running"], 1);
    // The CSV carries exactly the fields.
    let csv = get(
        &st,
        "/api/v1/metrics?from=2026-01-01&to=2026-02-01&format=csv",
    )
    .await
    .good()
    .text();
    assert!(!csv.contains("provenance"));
    // The definitions page quotes the README, an anchor per field.
    let html = get(&st, "/definitions").await.good().text();
    assert!(
        html.contains("<code id=\"error_rate\">error_rate</code>"),
        "{html}"
    );
    assert!(html.contains("failed / (succeeded + failed + escalated)"));
    assert!(html.contains("<code id=\"cycle_time_p90_min\">"));

    // The leadership page: a card on each headline tile, and the section.
    let ds = spec::load(None).unwrap();
    let leadership = ds.iter().find(|d| d.name == "leadership").unwrap();
    let filters = Filters {
        from: Some("2026-01-01".into()),
        to: Some("2026-02-01".into()),
        ..Filters::default()
    };
    let c = dashboard::compute(&st.store, leadership, filters, None).unwrap();
    let page = c.page(&ds);
    assert!(
        page.contains("<a href=\"/definitions#reclaimed_hours\">reclaimed_hours</a>"),
        "{page}"
    );
    assert!(page.contains("Coverage: 3 of 31 days have runs"), "{page}");
    assert!(page.contains("Left out: 1 running and 1 cancelled runs"));
    assert!(page.contains("id=\"provenance\""));
}
