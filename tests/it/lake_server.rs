//! A server that reports from the lake (`serve --engine duckdb-lake|spark`):
//! every read route answers as a server on the DuckDB file does, every ingest
//! route is refused (409, naming the lake), and a later publish is followed.
//! DuckDB on the lake here; spark.rs runs [`answers`] against Spark.

use std::sync::Arc;

use axum::http::StatusCode;
use serde_json::Value;
use yardstick::engine::follow::Following;
use yardstick::http::AppState;
use yardstick::lake::Root;
use yardstick::model::Kind;
use yardstick::store::Store;

use crate::client::{get, get_current, post};
use crate::{golden_store, ingest_file};

/// The JSON answer of a read route held current, without its freshness
/// (which differs by server).
async fn read(st: &AppState, uri: &str) -> Value {
    get_current(st, uri).await.good().content()
}

/// The answers of the read routes (every report, the workflow list, and a
/// panel of each built-in dashboard) from the server on the file and from the
/// one on the lake, named, for the caller to compare: exactly for DuckDB on
/// the lake, to 1e-9 for Spark.
pub(crate) async fn answers(file: &AppState, lake: &AppState) -> Vec<(String, Value, Value)> {
    let mut uris: Vec<String> = [
        "/api/v1/workflows",
        "/api/v1/metrics",
        "/api/v1/metrics?from=2026-01-01&to=2026-02-01&workflow=wf-b",
        "/api/v1/trend?granularity=week",
        "/api/v1/compare?resamples=100&seed=5",
        "/api/v1/portfolio",
        "/api/v1/summary?from=2026-01-01&to=2026-02-01",
        "/api/v1/alerts?at=2026-02-01",
        "/api/v1/backlog",
        "/dashboards/leadership/panels/headline.json",
        "/dashboards/finance/panels/totals.json",
        "/dashboards/workflow/panels/error-kinds.json",
    ]
    .iter()
    .map(|u| u.to_string())
    .collect();
    for id in file.store.workflow_ids().unwrap() {
        uris.push(format!("/api/v1/steps?workflow={id}"));
    }
    let mut out = Vec::new();
    for uri in uris {
        let (a, b) = (read(file, &uri).await, read(lake, &uri).await);
        out.push((uri, bare(a), bare(b)));
    }
    out
}

/// An answer without its provenance, which differs by what each engine
/// keeps (a lake keeps no refused rows, Spark no provenance yet): the
/// callers check it apart.
fn bare(mut v: Value) -> Value {
    if let Some(o) = v.as_object_mut() {
        o.remove("provenance");
        o.remove("provenance_missing");
    }
    v
}

const NDJSON: &str = "application/x-ndjson";

/// Serves the lake at `root` as `serve --engine duckdb-lake` does.
fn on_lake(store: &Store, root: &std::path::Path) -> (AppState, Arc<Following>) {
    let r = Root::Dir(root.to_path_buf());
    let open_root = r.clone();
    let lake = Following::open(
        r,
        Box::new(move || Ok(Arc::new(Store::open_lake(open_root.clone())?))),
    )
    .unwrap();
    let st = AppState::open(store.clone()).from_lake(lake.clone(), "the test lake".into());
    (st, lake)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_on_the_lake_answers_as_the_file_does_refuses_ingest_and_follows_publishes() {
    let store = golden_store();
    ingest_file(&store, Kind::Runs, "golden/runs_batch2.ndjson");
    let root = tempfile::tempdir().unwrap();
    store.publish_lake(root.path()).unwrap();
    let file = AppState::open(store.clone());
    let (lake_st, lake) = on_lake(&store, root.path());
    let all = answers(&file, &lake_st).await;
    assert!(all.len() >= 15, "{}", all.len());
    for (uri, a, b) in &all {
        assert_eq!(a, b, "{uri}");
    }
    // The provenance agrees but for the refused rows, which the lake does not keep.
    let (mut a, mut b) = (
        read(&file, "/api/v1/metrics").await["provenance"].take(),
        read(&lake_st, "/api/v1/metrics").await["provenance"].take(),
    );
    assert_eq!(a["left_out"]["rejected_rows"], 9);
    assert_eq!(b["left_out"]["rejected_rows"], Value::Null);
    assert!(b["left_out"]["rejected_rows_missing"]
        .as_str()
        .unwrap()
        .contains("the lake keeps no refused rows"));
    for v in [&mut a, &mut b] {
        v["left_out"]
            .as_object_mut()
            .unwrap()
            .remove("rejected_rows");
        v["left_out"]
            .as_object_mut()
            .unwrap()
            .remove("rejected_rows_missing");
        v["coverage"]["rejected_rows"] = Value::Null;
        for w in v["workflows"].as_array_mut().unwrap() {
            w["rejected_rows"] = Value::Null;
        }
    }
    assert_eq!(a, b);
    // Every dashboard page renders from the lake.
    for name in ["leadership", "finance", "workflow"] {
        get(&lake_st, &format!("/dashboards/{name}"))
            .await
            .good_as("text/html");
    }

    // Ingest is refused with the reason, and nothing is written.
    let runs_before = store.batches(100).unwrap().len();
    let late = r#"{"source": "s9", "run_id": "z1", "workflow_id": "wf-a", "started_at": "2026-01-20T09:00:00Z", "finished_at": "2026-01-20T09:30:00Z", "status": "succeeded"}"#;
    for route in ["runs", "workflows", "baselines", "steps", "eventlog"] {
        let uri = format!("/api/v1/ingest/{route}");
        let r = post(&lake_st, &uri, NDJSON, late.into()).await;
        assert_eq!(r.status, StatusCode::CONFLICT, "{route}");
        let detail = r.detail();
        assert!(
            detail.contains("the test lake") && detail.contains("yardstick lake publish"),
            "{detail}"
        );
    }
    assert_eq!(store.batches(100).unwrap().len(), runs_before);

    // A run ingested into the file shows on the lake's server once published
    // and followed, and not before.
    let uri = "/api/v1/metrics?from=2026-01-01&to=2026-02-01";
    let before = read(&lake_st, uri).await;
    let generation = lake.freshness().0;
    post(&file, "/api/v1/ingest/runs", NDJSON, late.into())
        .await
        .good();
    assert!(!lake.follow().unwrap(), "nothing was published yet");
    assert_eq!(read(&lake_st, uri).await, before);
    store.publish_lake(root.path()).unwrap();
    assert!(lake.follow().unwrap());
    assert_eq!(lake.freshness().0, generation + 1);
    let after = read(&lake_st, uri).await;
    assert_ne!(after, before, "the new run shows after the publish");
    assert_eq!(bare(after), bare(read(&file, uri).await));
}
