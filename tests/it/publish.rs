//! Published reports and `report diff` (issue #22): a report set frozen
//! under the SHA-256 of its content, and a later change of its headline
//! explained batch by batch, on a hand-computed case.

use axum::http::StatusCode;
use yardstick::http::AppState;
use yardstick::metrics::Period;
use yardstick::model::Kind;
use yardstick::publish::{self, Diff};
use yardstick::report::ReportError;
use yardstick::store::Store;

use crate::client::{get, send};

fn put(store: &Store, kind: Kind, csv: &str) {
    let r = crate::put_csv(store, kind, csv);
    assert!(r.stored, "{r:?}");
}

const RUNS: &str = "source,run_id,workflow_id,started_at,finished_at,status,human_minutes\n";

/// One workflow, B = 10 min, 60 EUR an hour from the beginning, automated
/// since 1 January; three runs in January that took 1, 2 and 4 minutes of
/// people's time: 9 + 8 + 6 = 23 minutes reclaimed, 23 EUR.
fn january_store() -> Store {
    let store = Store::open_in_memory().unwrap();
    fill(&store);
    store
}

/// The catalogue and January's runs of [`january_store`], into `store`.
fn fill(store: &Store) {
    put(
        store,
        Kind::Workflows,
        "workflow_id,name,owner,category,hourly_cost,currency,automated_since,baseline_minutes_per_item\n\
         wf,Intake,Ops,intake,60,EUR,2026-01-01,10\n",
    );
    put(
        store,
        Kind::Runs,
        &format!(
            "{RUNS}s,1,wf,2026-01-05T09:00:00Z,2026-01-05T10:00:00Z,succeeded,1\n\
             s,2,wf,2026-01-10T09:00:00Z,2026-01-10T10:00:00Z,succeeded,2\n\
             s,3,wf,2026-01-20T09:00:00Z,2026-01-20T10:00:00Z,succeeded,4\n"
        ),
    );
}

fn january() -> Period {
    Period::parse("2026-01-01", "2026-02-01").unwrap()
}

fn near(a: Option<f64>, b: f64) {
    let a = a.unwrap();
    assert!((a - b).abs() < 1e-9, "{a} != {b}");
}

/// Publishes January, then a correction (run 2 took 8 minutes, not 2), a
/// new rate from 15 January (valid time: 120 EUR an hour), and a late run;
/// the diff against now names each with its share:
/// - the correction: −6 min = −0.1 h, −6 EUR;
/// - the new rate: 0 h, run 3's 6 min now at 120 EUR/h, +6 EUR;
/// - the late run (25 January, no human minutes): +10 min, +20 EUR at 120.
#[test]
fn publish_then_a_correction_then_diff_names_the_correction() {
    let store = january_store();
    let p = publish::publish(&store, "jan", january(), None).unwrap();
    let frozen = p.body.clone();
    let h = publish::get(&store, "jan")
        .unwrap()
        .about()
        .headline
        .unwrap();
    assert_eq!(h.runs, 3);
    near(h.reclaimed_hours, 23.0 / 60.0);
    near(h.reclaimed_money.get("EUR").copied(), 23.0);
    // The hash is the body's.
    assert_eq!(p.sha256, yardstick::auth::digest(&p.body));

    put(
        &store,
        Kind::Runs,
        &format!("{RUNS}s,2,wf,2026-01-10T09:00:00Z,2026-01-10T10:00:00Z,succeeded,8\n"),
    );
    put(
        &store,
        Kind::Workflows,
        "workflow_id,name,owner,category,hourly_cost,currency,automated_since,baseline_minutes_per_item,effective_from\n\
         wf,Intake,Ops,intake,60,EUR,2026-01-01,10,\n\
         wf,Intake,Ops,intake,120,EUR,2026-01-01,10,2026-01-15\n",
    );
    put(
        &store,
        Kind::Runs,
        &format!("{RUNS}s,4,wf,2026-01-25T09:00:00Z,2026-01-25T10:00:00Z,succeeded,\n"),
    );

    let d: Diff = publish::diff(&store, "jan", None).unwrap();
    let causes: Vec<&str> = d.steps.iter().map(|s| s.cause.as_str()).collect();
    assert_eq!(causes, ["data", "catalogue", "data"], "{d:#?}");
    let [correction, rate, late] = &d.steps[..] else {
        unreachable!()
    };
    assert_eq!(correction.batches.len(), 1);
    assert_eq!(correction.batches[0].replaced, 1);
    assert!(
        correction
            .explanation
            .contains("1 correction of a stored run"),
        "{}",
        correction.explanation
    );
    near(correction.change.reclaimed_hours, -0.1);
    near(correction.change.reclaimed_money.get("EUR").copied(), -6.0);
    assert_eq!(correction.change.runs, 0);

    assert_eq!(rate.assumptions.len(), 1, "{:?}", rate.assumptions);
    assert!(
        rate.assumptions[0].starts_with(
            "`wf`: new terms effective from 2026-01-15T00:00:00Z (valid time): B 10 min (override), hourly_cost 120"
        ),
        "{}",
        rate.assumptions[0]
    );
    near(rate.change.reclaimed_hours, 0.0);
    near(rate.change.reclaimed_money.get("EUR").copied(), 6.0);

    assert_eq!(late.change.runs, 1);
    near(late.change.reclaimed_hours, 10.0 / 60.0);
    near(late.change.reclaimed_money.get("EUR").copied(), 20.0);

    // The whole change, and the steps add up to it.
    assert_eq!(d.change.runs, 1);
    near(d.change.reclaimed_hours, (-6.0 + 10.0) / 60.0);
    near(d.change.reclaimed_money.get("EUR").copied(), 20.0);
    let sum: f64 = d
        .steps
        .iter()
        .filter_map(|s| s.change.reclaimed_hours)
        .sum();
    near(Some(sum), d.change.reclaimed_hours.unwrap());
    near(d.b.headline.reclaimed_money.get("EUR").copied(), 43.0);

    // The published report did not move: the same stored text, still verified.
    let again = publish::get(&store, "jan").unwrap();
    assert_eq!(again.body, frozen);
    assert!(again.about().verified);
    near(again.about().headline.unwrap().reclaimed_hours, 23.0 / 60.0);

    // A second publication now, and the diff between the two gives the same steps.
    publish::publish(&store, "jan-restated", january(), None).unwrap();
    let between = publish::diff(&store, "jan", Some("jan-restated")).unwrap();
    let words: Vec<&str> = between
        .steps
        .iter()
        .map(|s| s.explanation.as_str())
        .collect();
    let to_now: Vec<&str> = d.steps.iter().map(|s| s.explanation.as_str()).collect();
    assert_eq!(words, to_now);
    // Nothing since the second: no step.
    assert!(publish::diff(&store, "jan-restated", None)
        .unwrap()
        .steps
        .is_empty());
    // The earlier one first.
    let e = publish::diff(&store, "jan-restated", Some("jan")).unwrap_err();
    assert!(
        e.to_string().contains("give the earlier report first"),
        "{e}"
    );
}

/// A terms row rewritten with the same effective_from is a correction in
/// recorded time, and the diff says so.
#[test]
fn a_rate_rewritten_is_a_recorded_time_correction() {
    let store = january_store();
    publish::publish(&store, "jan", january(), None).unwrap();
    put(
        &store,
        Kind::Workflows,
        "workflow_id,name,owner,category,hourly_cost,currency,automated_since,baseline_minutes_per_item\n\
         wf,Intake,Ops,intake,90,EUR,2026-01-01,10\n",
    );
    let d = publish::diff(&store, "jan", None).unwrap();
    assert_eq!(d.steps.len(), 1);
    assert_eq!(
        d.steps[0].assumptions,
        ["`wf`: terms effective from the beginning corrected (recorded time): hourly_cost 60 → 90"]
    );
    // 23 minutes at 90 instead of 60 EUR an hour: +11.5 EUR.
    near(d.steps[0].change.reclaimed_money.get("EUR").copied(), 11.5);
}

/// A name is published once; a bad name, an empty store and an unknown
/// report are refused with the reason.
#[test]
fn a_published_name_is_never_reused() {
    let store = january_store();
    publish::publish(&store, "jan", january(), None).unwrap();
    match publish::publish(&store, "jan", january(), None) {
        Err(ReportError::Conflict(m)) => assert!(m.contains("publish under another name"), "{m}"),
        other => panic!("{other:?}"),
    }
    match publish::publish(&store, "Jan 2026", january(), None) {
        Err(ReportError::BadRequest(m)) => assert!(m.contains("is not a report name"), "{m}"),
        other => panic!("{other:?}"),
    }
    match publish::get(&store, "feb") {
        Err(ReportError::NotFound(m)) => assert!(m.contains("no report is published as `feb`")),
        other => panic!("{other:?}"),
    }
    let empty = Store::open_in_memory().unwrap();
    match publish::publish(&empty, "jan", january(), None) {
        Err(ReportError::BadRequest(m)) => assert!(m.contains("nothing is stored yet"), "{m}"),
        other => panic!("{other:?}"),
    }
}

/// A body changed in the file after publishing no longer matches its hash:
/// reading it says so instead of serving it.
#[test]
fn a_body_changed_outside_yardstick_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("y.duckdb");
    {
        let store = Store::open(path.to_str().unwrap()).unwrap();
        fill(&store);
        publish::publish(&store, "jan", january(), None).unwrap();
    }
    {
        let conn = duckdb::Connection::open(&path).unwrap();
        conn.execute_batch(
            "UPDATE published_reports SET body = replace(body, '\"runs\":3', '\"runs\":4')",
        )
        .unwrap();
    }
    let store = Store::open(path.to_str().unwrap()).unwrap();
    let e = publish::get(&store, "jan").unwrap_err();
    assert!(e.to_string().contains("does not match its SHA-256"), "{e}");
}

/// Over HTTP: an admin publishes, a viewer reads the list, the report (marked
/// as published), its page and its diff, and may not publish.
#[tokio::test]
async fn published_reports_over_http() {
    use yardstick::auth::Role;

    let st = AppState::new(january_store());
    let admin = st.store.token_create("a", Role::Admin).unwrap();
    let viewer = st.store.token_create("v", Role::Viewer).unwrap();
    let req = crate::client::with_token;
    let uri = "/api/v1/publish?name=jan&from=2026-01-01&to=2026-02-01";
    let r = send(&st, req("POST", uri, &viewer)).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = send(&st, req("POST", uri, &admin)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let sha = r.json()["published"]["sha256"]
        .as_str()
        .unwrap()
        .to_string();
    let r = send(&st, req("POST", uri, &admin)).await;
    assert_eq!(r.status, StatusCode::CONFLICT);

    let list = send(&st, req("GET", "/api/v1/published", &viewer))
        .await
        .good()
        .json();
    assert_eq!(list["published"][0]["name"], "jan");
    assert_eq!(list["published"][0]["headline"]["runs"], 3);
    let one = send(&st, req("GET", "/api/v1/published/jan", &viewer))
        .await
        .good()
        .json();
    assert_eq!(one["published"]["sha256"], sha.as_str());
    assert_eq!(one["published"]["verified"], true);
    assert_eq!(one["report"]["metrics"]["rows"][0]["reclaimed_money"], 23.0);
    assert_eq!(one["report"]["waterfall"]["rows"][0]["workflow_id"], "wf");
    assert_eq!(one["report"]["batch_ids"], serde_json::json!([1, 2]));

    let page = send(&st, req("GET", "/published/jan?diff=now", &viewer))
        .await
        .good();
    let html = page.text();
    assert!(html.contains("<strong>Published</strong>"), "{html}");
    assert!(html.contains(&sha));
    assert!(html.contains("Nothing has changed"), "{html}");

    put(
        &st.store,
        Kind::Runs,
        &format!("{RUNS}s,2,wf,2026-01-10T09:00:00Z,2026-01-10T10:00:00Z,succeeded,8\n"),
    );
    let d = send(&st, req("GET", "/api/v1/published/jan/diff", &viewer))
        .await
        .good()
        .json();
    assert_eq!(d["steps"][0]["cause"], "data");
    assert_eq!(d["steps"][0]["batches"][0]["batch_id"], 3);
    assert_eq!(d["change"]["reclaimed_money"]["EUR"], -6.0);
    let missing = get(&st, "/api/v1/published/feb").await;
    assert_eq!(missing.status, StatusCode::UNAUTHORIZED);
    let missing = send(&st, req("GET", "/api/v1/published/feb", &viewer)).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
}
