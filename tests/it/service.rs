//! The service under continuous ingestion: kept answers (one computation per
//! page however many visitors, stale answers marked and refreshed), runs
//! pushed one at a time and stored in groups (group commit), a SIGKILL during
//! grouped pushes, and a bounded loopback load of pushes and reads.

use std::collections::{BTreeSet, HashMap};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use yardstick::http::AppState;
use yardstick::store::Store;

use crate::client::{get, get_current, send, Answer};
use crate::load::{timed_get, timed_post};
use crate::{golden_store, ingest_file};

async fn push(st: &AppState, run: &serde_json::Value, key: Option<&str>) -> Answer {
    let mut req =
        Request::post("/api/v1/ingest/runs").header(header::CONTENT_TYPE, "application/json");
    if let Some(k) = key {
        req = req.header("idempotency-key", k);
    }
    send(st, req.body(Body::from(run.to_string())).unwrap()).await
}

/// A finished run of golden workflow `wf-a` in January 2026.
fn run(source: &str, id: usize, status: &str) -> serde_json::Value {
    let (d, h, m) = (1 + id % 28, id / 60 % 24, id % 60);
    let mut r = serde_json::json!({
        "source": source,
        "run_id": format!("r{id}"),
        "workflow_id": "wf-a",
        "started_at": format!("2026-01-{d:02}T{h:02}:{m:02}:00Z"),
        "status": status,
        "human_minutes": (id % 5) as f64,
    });
    if status != "running" {
        r["finished_at"] = format!("2026-01-{d:02}T{h:02}:{m:02}:40Z").into();
    }
    r
}

const PAGE: &str = "/dashboards/leadership?from=2026-01-01&to=2026-02-01";
const METRICS: &str = "/api/v1/metrics?from=2026-01-01&to=2026-02-01";
const COMPARE: &str = "/api/v1/compare?from=2026-01-01&to=2026-02-01";

/// The page without the line that says how fresh it is.
fn without_freshness(page: &str) -> String {
    let Some(a) = page.find("<p class=\"freshness") else {
        return page.to_string();
    };
    let end = a + page[a..].find("</p>").expect("the line is closed") + 4;
    format!("{}{}", &page[..a], &page[end..])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_visitors_of_a_page_never_computed_cause_one_computation() {
    let st = AppState::open(golden_store());
    let visits: Vec<_> = (0..12)
        .map(|_| {
            let st = st.clone();
            tokio::spawn(async move { get(&st, PAGE).await })
        })
        .collect();
    let mut pages = BTreeSet::new();
    for v in visits {
        let a = v.await.unwrap();
        assert_eq!(a.status, StatusCode::OK, "{}", a.text());
        assert_eq!(a.headers["yardstick-stale"], "false");
        pages.insert(without_freshness(&a.text()));
    }
    assert_eq!(pages.len(), 1, "every visitor got the one result");
    assert_eq!(
        st.cache.computations(),
        1,
        "twelve visitors, one computation"
    );
    // The metric JSON likewise.
    let reads: Vec<_> = (0..12)
        .map(|_| {
            let st = st.clone();
            tokio::spawn(async move { get(&st, METRICS).await })
        })
        .collect();
    for r in reads {
        assert_eq!(r.await.unwrap().status, StatusCode::OK);
    }
    assert_eq!(st.answers.computations(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn after_a_push_the_kept_answer_is_served_marked_stale_then_the_fresh_one() {
    let store = golden_store();
    let st = AppState::open(store.clone());
    let page = get(&st, PAGE).await;
    assert!(
        page.text().contains("data-stale=\"false\""),
        "{}",
        page.text()
    );
    let before = get(&st, METRICS).await.json();
    assert_eq!(before["freshness"]["stale"], false);
    assert_eq!(before["freshness"]["runs_not_included"], 0);

    let a = push(&st, &run("hook", 1, "succeeded"), None).await;
    assert_eq!(a.status, StatusCode::ACCEPTED, "{}", a.text());

    // The next visitors get the previous answers at once, marked stale, with
    // the run they do not include counted.
    let stale_page = get(&st, PAGE).await;
    assert_eq!(stale_page.headers["yardstick-stale"], "true");
    assert_eq!(stale_page.headers["yardstick-runs-not-included"], "1");
    let text = stale_page.text();
    assert!(
        text.contains("data-stale=\"true\" data-runs-not-included=\"1\""),
        "{text}"
    );
    assert!(text.contains("1 newer run not yet included"), "{text}");
    assert_eq!(without_freshness(&text), without_freshness(&page.text()));
    let stale = get(&st, METRICS).await.json();
    assert_eq!(stale["freshness"]["stale"], true);
    assert_eq!(stale["freshness"]["runs_not_included"], 1);
    assert_eq!(stale["rows"], before["rows"]);

    // A read that must be current (Cache-Control: no-cache) holds the run,
    // and equals a computation from nothing.
    let fresh = get_current(&st, METRICS).await.json();
    assert_eq!(fresh["freshness"]["stale"], false);
    assert_eq!(fresh["freshness"]["runs_not_included"], 0);
    let wf_a = |j: &serde_json::Value| {
        j["rows"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["workflow_id"] == "wf-a")
            .unwrap()["runs"]
            .as_i64()
            .unwrap()
    };
    assert_eq!(wf_a(&fresh), wf_a(&before) + 1);
    let direct = yardstick::report::metric_table(&store, crate::january(), &[])
        .unwrap()
        .to_json()
        .unwrap();
    assert_eq!(fresh["rows"], direct["rows"]);
    let fresh_page = get_current(&st, PAGE).await;
    assert!(fresh_page.text().contains("data-stale=\"false\""));
    let d = st
        .dashboards
        .iter()
        .find(|d| d.name == "leadership")
        .unwrap();
    let filters: yardstick::dashboard::Filters =
        serde_urlencoded::from_str("from=2026-01-01&to=2026-02-01").unwrap();
    let c = yardstick::dashboard::compute(&store, d, filters, None).unwrap();
    assert_eq!(
        without_freshness(&fresh_page.text()),
        yardstick::dashboard::page::dashboard(&c, &st.dashboards)
            .replace(yardstick::dashboard::page::FRESHNESS, "")
    );
    // The stale visit started one refresh; the current reads waited for it
    // or ran one: never more than one computation per generation and key.
    assert!(st.cache.computations() <= 3, "{}", st.cache.computations());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_pushes_are_grouped_and_each_is_answered_for_itself() {
    let store = golden_store();
    let st = AppState::open(store.clone());
    let batches_before = store.batches(10_000).unwrap().len();
    const N: usize = 120;
    let posts: Vec<_> = (0..N)
        .map(|i| {
            let st = st.clone();
            tokio::spawn(async move {
                // Every tenth names no catalogued workflow: refused alone.
                let mut r = run("group", i, "succeeded");
                if i % 10 == 3 {
                    r["workflow_id"] = "no-such-workflow".into();
                }
                (i, push(&st, &r, None).await)
            })
        })
        .collect();
    let mut batch_ids = BTreeSet::new();
    for p in posts {
        let (i, a) = p.await.unwrap();
        let j = a.json();
        if i % 10 == 3 {
            assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY);
            assert_eq!(j["rejected"], 1);
            assert_eq!(j["rejects"][0]["field"], "workflow_id");
        } else {
            assert_eq!(a.status, StatusCode::ACCEPTED, "{j}");
            assert_eq!(
                (j["written"].as_u64(), j["rejected"].as_u64()),
                (Some(1), Some(0))
            );
        }
        batch_ids.insert(j["batch_id"].as_i64().unwrap());
    }
    let stored: i64 = store
        .batches(10_000)
        .unwrap()
        .iter()
        .filter(|b| batch_ids.contains(&b.batch_id))
        .map(|b| b.stored)
        .sum();
    assert_eq!(stored, (N - N / 10) as i64, "every accepted run, once");
    assert_eq!(
        store.batches(10_000).unwrap().len() - batches_before,
        batch_ids.len()
    );
    assert!(
        batch_ids.len() < N,
        "{N} concurrent posts were grouped into {} transactions",
        batch_ids.len()
    );
    let rejects = store.rejects(None, 1000).unwrap();
    assert_eq!(
        rejects
            .iter()
            .filter(|r| r.reason.contains("no-such-workflow"))
            .count(),
        N / 10
    );

    // A run posted as running, then as succeeded: a new version; the same
    // again: unchanged.
    let a = push(&st, &run("group", 1000, "running"), None).await;
    assert_eq!(a.status, StatusCode::ACCEPTED);
    let succeeded = run("group", 1000, "succeeded");
    let b = push(&st, &succeeded, None).await.json();
    assert_eq!(
        (b["written"].as_u64(), b["replaced"].as_u64()),
        (Some(1), Some(1))
    );
    let c = push(&st, &succeeded, None).await.json();
    assert_eq!(
        (c["written"].as_u64(), c["unchanged"].as_u64()),
        (Some(0), Some(1))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_idempotency_key_holds_for_concurrent_pushes() {
    let store = golden_store();
    let st = AppState::open(store.clone());
    let body = run("idem", 7, "succeeded");
    let posts: Vec<_> = (0..16)
        .map(|_| {
            let (st, body) = (st.clone(), body.clone());
            tokio::spawn(async move { push(&st, &body, Some("key-7")).await })
        })
        .collect();
    let mut replayed = 0;
    let mut answers = BTreeSet::new();
    for p in posts {
        let a = p.await.unwrap();
        assert_eq!(a.status, StatusCode::ACCEPTED, "{}", a.text());
        replayed += usize::from(a.headers.get("idempotent-replayed").is_some());
        answers.insert(a.json()["batch_id"].as_i64());
    }
    assert_eq!(replayed, 15, "one stored, fifteen answered from the first");
    assert_eq!(answers.len(), 1, "every answer is the first one");
    let runs: i64 = store
        .batches(100)
        .unwrap()
        .iter()
        .filter(|b| b.origin == "http")
        .map(|b| b.stored)
        .sum();
    assert_eq!(runs, 1);
    let other = push(&st, &run("idem", 8, "succeeded"), Some("key-7")).await;
    assert_eq!(other.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(other.text().contains("different body"), "{}", other.text());
}

/// `yardstick serve --open` on `db` as a child process, once it answers:
/// the process and its base URL.
pub(crate) fn serve(db: &std::path::Path) -> (std::process::Child, String) {
    serve_with(db, &[])
}

/// [`serve`] with more options of `serve`.
pub(crate) fn serve_with(db: &std::path::Path, more: &[&str]) -> (std::process::Child, String) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new(env!("CARGO_BIN_EXE_yardstick"))
        .arg("--db")
        .arg(db)
        .args(["serve", "--open", "--addr", &format!("127.0.0.1:{port}")])
        .args(more)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let base = format!("http://127.0.0.1:{port}");
    let agent = agent();
    let t0 = Instant::now();
    while agent.get(&format!("{base}/healthz")).call().is_err() {
        assert!(t0.elapsed().as_secs() < 60, "the server did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    (child, base)
}

/// A client that hands back 4xx and 5xx answers, with a 60 s limit.
pub(crate) fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(60)))
        .build()
        .into()
}

#[test]
fn killed_during_grouped_pushes_keeps_every_acknowledged_run_and_no_partial_group() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("pushes.duckdb");
    {
        let store = Store::open(&db).unwrap();
        ingest_file(
            &store,
            yardstick::model::Kind::Workflows,
            "golden/workflows.csv",
        );
    }
    let mut acknowledged: BTreeSet<String> = BTreeSet::new();
    let mut next = 0usize;
    for round in 0..4 {
        let (mut server, base) = serve(&db);
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let pushers: Vec<_> = (0..16)
            .map(|c| {
                let (base, stop) = (base.clone(), stop.clone());
                let start = next + c * 100_000;
                std::thread::spawn(move || {
                    let agent = agent();
                    let mut acked = Vec::new();
                    for i in start.. {
                        if stop.load(std::sync::atomic::Ordering::Relaxed) {
                            break;
                        }
                        let r = run("kill", i, "succeeded");
                        match agent
                            .post(&format!("{base}/api/v1/ingest/runs"))
                            .header("Content-Type", "application/json")
                            .send(r.to_string().as_bytes())
                        {
                            Ok(resp) if resp.status().as_u16() == 202 => {
                                acked.push(format!("r{i}"))
                            }
                            Ok(resp) => panic!("push {i}: {}", resp.status()),
                            Err(_) => break, // the server is gone
                        }
                    }
                    acked
                })
            })
            .collect();
        next += 16 * 100_000;
        std::thread::sleep(Duration::from_millis(400 + 150 * round));
        server.kill().unwrap(); // SIGKILL
        server.wait().unwrap();
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        for p in pushers {
            acknowledged.extend(p.join().unwrap());
        }
    }
    assert!(
        acknowledged.len() > 50,
        "pushes were acknowledged: {}",
        acknowledged.len()
    );
    let store = Store::open(&db).expect("the database opens without repair");
    drop(store);
    let conn = duckdb::Connection::open(&db).unwrap();
    let stored: BTreeSet<String> = conn
        .prepare("SELECT run_id FROM runs WHERE source = 'kill' AND superseded_batch IS NULL")
        .unwrap()
        .query_map([], |r| r.get::<_, String>(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let lost: Vec<&String> = acknowledged.difference(&stored).collect();
    assert!(lost.is_empty(), "acknowledged runs lost: {lost:?}");
    // Every stored group is whole: its batch row's count is its runs.
    let mut per_batch: HashMap<i64, (i64, i64)> = HashMap::new();
    let mut stmt = conn
        .prepare(
            "SELECT b.batch_id, b.stored, (SELECT count(*) FROM runs r WHERE r.batch_id = b.batch_id) \
             FROM ingest_batches b WHERE b.kind = 'runs'",
        )
        .unwrap();
    for row in stmt
        .query_map([], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, i64>(2)?,
            ))
        })
        .unwrap()
    {
        let (b, recorded, present) = row.unwrap();
        per_batch.insert(b, (recorded, present));
    }
    for (b, (recorded, present)) in &per_batch {
        assert_eq!(recorded, present, "group {b} is not whole");
    }
    let unacked = stored.len() - acknowledged.len();
    eprintln!(
        "push crash test: 4 kills, {} runs acknowledged and stored, {unacked} stored in groups \
         that committed just before a kill, {} groups whole",
        acknowledged.len(),
        per_batch.len()
    );
}

#[test]
fn a_bounded_load_of_pushes_and_reads_has_no_errors_and_keeps_every_run() {
    const PUSHERS: usize = 16;
    const PUSHES: usize = 40;
    const READERS: usize = 4;
    const READS: usize = 30;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("load.duckdb");
    {
        let store = crate::load::store_with_catalogue(&db);
        ingest_file(&store, yardstick::model::Kind::Runs, "golden/runs.csv");
    }
    let (mut server, base) = serve(&db);
    let t0 = Instant::now();
    let mut handles = Vec::new();
    for p in 0..PUSHERS {
        let base = base.clone();
        handles.push(std::thread::spawn(move || {
            let agent = agent();
            (0..PUSHES)
                .map(|i| {
                    let r = run(
                        &format!("p{p}"),
                        i,
                        if i % 7 == 0 { "failed" } else { "succeeded" },
                    );
                    let url = format!("{base}/api/v1/ingest/runs");
                    let body = r.to_string();
                    let (status, took) =
                        timed_post(&agent, &url, "application/json", body.as_bytes());
                    (status, took, true)
                })
                .collect::<Vec<_>>()
        }));
    }
    for r in 0..READERS {
        let base = base.clone();
        handles.push(std::thread::spawn(move || {
            let agent = agent();
            (0..READS)
                .map(|i| {
                    let url = match (r + i) % 3 {
                        0 => format!("{base}{METRICS}"),
                        1 => format!("{base}{PAGE}"),
                        _ => format!("{base}/dashboards/workflow?from=2026-01-01&to=2026-02-01"),
                    };
                    let (status, took) = timed_get(&agent, &url);
                    (status, took, false)
                })
                .collect::<Vec<_>>()
        }));
    }
    let results: Vec<(u16, Duration, bool)> = handles
        .into_iter()
        .flat_map(|h| h.join().unwrap())
        .collect();
    let wall = t0.elapsed();
    let errors: Vec<u16> = results
        .iter()
        .filter(|(s, ..)| !(200..300).contains(s))
        .map(|r| r.0)
        .collect();
    let pushes = results.iter().filter(|r| r.2).count();
    assert_eq!(pushes, PUSHERS * PUSHES);
    assert_eq!(results.len() - pushes, READERS * READS);
    assert!(errors.is_empty(), "errors: {errors:?}");
    let current = agent()
        .get(&format!("{base}{METRICS}"))
        .header("Cache-Control", "no-cache")
        .call()
        .unwrap()
        .into_body()
        .read_to_string()
        .unwrap();
    server.kill().unwrap();
    server.wait().unwrap();
    let mut lat: Vec<Duration> = results.iter().map(|r| r.1).collect();
    lat.sort();
    eprintln!(
        "push load test: {pushes} pushes and {} reads in {wall:?}, 0 errors, p50 {:?}, max {:?}",
        results.len() - pushes,
        lat[lat.len() / 2],
        lat[lat.len() - 1]
    );
    // Every pushed run is stored, and the server's current answer is the
    // figures of the file computed afresh.
    let store = Store::open(&db).unwrap();
    let table = yardstick::report::metric_table(&store, crate::january(), &[]).unwrap();
    let direct = table.to_json().unwrap();
    let served: serde_json::Value = serde_json::from_str(&current).unwrap();
    assert_eq!(served["rows"], direct["rows"]);
    let wf_a = table
        .rows()
        .unwrap()
        .into_iter()
        .find(|r| r.workflow_id == "wf-a")
        .unwrap();
    let golden_a = crate::row(&golden_store(), crate::january(), "wf-a");
    assert_eq!(wf_a.runs - golden_a.runs, (PUSHERS * PUSHES) as i64);
}

/// After any sequence of pushes, corrections (some moving a run to another
/// workflow), refused runs and catalogue changes, the kept answers — read
/// while stale, then as current, and put together from the per-workflow parts
/// the server keeps — equal a computation from nothing, field by field: the
/// metric table, the comparisons, the regression checks and the leadership page.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn kept_answers_equal_a_full_computation_after_random_writes() {
    use rand::{Rng, SeedableRng};
    let store = golden_store();
    let st = AppState::open(store.clone());
    let mut rng = rand::rngs::SmallRng::seed_from_u64(20_261_202);
    let catalogue = std::fs::read_to_string(crate::fixture("golden/workflows.csv")).unwrap();
    let filters: yardstick::dashboard::Filters =
        serde_urlencoded::from_str("from=2026-01-01&to=2026-02-01").unwrap();
    let d = st
        .dashboards
        .iter()
        .find(|d| d.name == "leadership")
        .unwrap()
        .clone();
    let workflows = ["wf-a", "wf-b", "wf-c"];
    let compare_req = yardstick::report::CompareRequest {
        from: Some("2026-01-01".into()),
        to: Some("2026-02-01".into()),
        ..Default::default()
    };
    let mut pushed = 0usize;
    for step in 0..32 {
        let workflow = workflows[rng.random_range(0..workflows.len())];
        match rng.random_range(0..10) {
            // A new run, or a new version of an earlier one (which may move
            // it to another workflow).
            0..=4 => {
                pushed += 1;
                let mut r = run(
                    "rand",
                    pushed,
                    if rng.random_bool(0.3) {
                        "failed"
                    } else {
                        "succeeded"
                    },
                );
                r["workflow_id"] = workflow.into();
                assert_eq!(push(&st, &r, None).await.status, StatusCode::ACCEPTED);
            }
            5 | 6 if pushed > 0 => {
                let mut r = run("rand", rng.random_range(1..=pushed), "escalated");
                r["workflow_id"] = workflow.into();
                r["human_minutes"] = rng.random_range(0..30).into();
                let a = push(&st, &r, None).await;
                assert_eq!(a.status, StatusCode::ACCEPTED, "{}", a.text());
            }
            7 => {
                let mut r = run("rand", 10_000 + step, "succeeded");
                r["finished_at"] = "2025-12-01T00:00:00Z".into();
                assert_eq!(
                    push(&st, &r, None).await.status,
                    StatusCode::UNPROCESSABLE_ENTITY
                );
            }
            // The catalogue changes: wf-a's hourly cost.
            _ => {
                let cost = rng.random_range(20..90);
                let body = catalogue.replace("intake,60,EUR", &format!("intake,{cost},EUR"));
                let req = Request::post("/api/v1/ingest/workflows")
                    .header(header::CONTENT_TYPE, "text/csv")
                    .body(Body::from(body))
                    .unwrap();
                assert_eq!(send(&st, req).await.status, StatusCode::OK);
            }
        }
        // A visitor may get the kept answer; whatever it is, the current one
        // equals a computation from nothing.
        let maybe_stale = get(&st, METRICS).await.json();
        assert!(maybe_stale["freshness"]["stale"].is_boolean());
        let current = get_current(&st, METRICS).await.json();
        assert_eq!(current["freshness"]["stale"], false, "step {step}");
        let direct = yardstick::report::metric_table(&store, crate::january(), &[])
            .unwrap()
            .to_json()
            .unwrap();
        assert_eq!(
            current["rows"], direct["rows"],
            "metric table after step {step}"
        );
        let compared = get_current(&st, COMPARE).await.json();
        let direct = yardstick::report::compare(&store, &compare_req).unwrap();
        assert_eq!(
            compared["comparisons"],
            serde_json::to_value(&direct).unwrap(),
            "comparisons after step {step}"
        );
        let alerts = get(&st, "/api/v1/alerts?at=2026-02-01").await.json();
        let direct = yardstick::report::alerts(&store, Some("2026-02-01"), "UTC").unwrap();
        assert_eq!(
            alerts,
            serde_json::to_value(&direct).unwrap(),
            "regression checks after step {step}"
        );
        if step % 4 == 3 {
            let page = get_current(&st, PAGE).await;
            let c = yardstick::dashboard::compute(&store, &d, filters.clone(), None).unwrap();
            assert_eq!(
                without_freshness(&page.text()),
                yardstick::dashboard::page::dashboard(&c, &st.dashboards)
                    .replace(yardstick::dashboard::page::FRESHNESS, ""),
                "leadership page after step {step}"
            );
        }
    }
}

/// A push to one workflow recomputes that workflow's parts of a page and
/// nothing of the others; a run moved to another workflow recomputes both;
/// a catalogue change recomputes every workflow.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_push_recomputes_only_the_workflows_it_changed() {
    let st = AppState::open(golden_store());
    let computed = || st.engine.parts().unwrap().computed();
    let page = |st: &AppState| {
        let st = st.clone();
        async move {
            let a = get_current(&st, PAGE).await;
            assert_eq!(a.status, StatusCode::OK, "{}", a.text());
            assert_eq!(get_current(&st, COMPARE).await.status, StatusCode::OK);
        }
    };
    page(&st).await;
    let first = computed();
    for w in ["wf-a", "wf-b", "wf-c", "wf-d"] {
        assert!(first.get(w).copied().unwrap_or(0) > 0, "{w}: {first:?}");
    }
    // A repeated read after nothing changed computes nothing: the page is
    // kept whole, and a new read of the comparisons takes the kept parts.
    page(&st).await;
    assert_eq!(computed(), first);

    let changed_since = |before: &HashMap<String, u64>| -> Vec<String> {
        let now = computed();
        let mut w: Vec<String> = now
            .iter()
            .filter(|(k, v)| before.get(*k) != Some(v))
            .map(|(k, _)| k.clone())
            .collect();
        w.sort();
        w
    };
    let mut r = run("one", 1, "succeeded");
    r["workflow_id"] = "wf-b".into();
    assert_eq!(push(&st, &r, None).await.status, StatusCode::ACCEPTED);
    let before = computed();
    page(&st).await;
    assert_eq!(changed_since(&before), ["wf-b"]);

    // The same run, corrected to wf-c: both workflows changed.
    r["workflow_id"] = "wf-c".into();
    r["status"] = "failed".into();
    assert_eq!(push(&st, &r, None).await.status, StatusCode::ACCEPTED);
    let before = computed();
    page(&st).await;
    assert_eq!(changed_since(&before), ["wf-b", "wf-c"]);

    // A catalogue file may change any workflow.
    let catalogue = std::fs::read_to_string(crate::fixture("golden/workflows.csv")).unwrap();
    let req = Request::post("/api/v1/ingest/workflows")
        .header(header::CONTENT_TYPE, "text/csv")
        .body(Body::from(
            catalogue.replace("intake,60,EUR", "intake,61,EUR"),
        ))
        .unwrap();
    assert_eq!(send(&st, req).await.status, StatusCode::OK);
    let before = computed();
    page(&st).await;
    assert_eq!(changed_since(&before), ["wf-a", "wf-b", "wf-c", "wf-d"]);
}

/// A keyed post's two look-ups go through the index on `idem_key`, so their
/// cost does not grow with the answers kept (a scan of a million random keys
/// took 24 ms a look-up, the index 1 ms): the plan of `find.sql` (which also
/// says whether an answer is kept) is an index scan, and it finds the one
/// answer of its route and none of another route.
#[test]
fn a_keyed_lookup_uses_the_index_not_a_scan() {
    let conn = duckdb::Connection::open_in_memory().unwrap();
    conn.execute_batch(include_str!("../../queries/schema.sql"))
        .unwrap();
    conn.execute_batch(
        "INSERT INTO idempotency_keys SELECT md5(i::VARCHAR), r, 'sha', 202, 'answer ' || i || ' ' || r, now() \
         FROM range(20000) t(i), (VALUES ('/api/v1/ingest/runs'), ('/api/v1/ingest/steps')) v(r)",
    )
    .unwrap();
    let key: String = conn
        .query_row("SELECT md5('777')", [], |r| r.get(0))
        .unwrap();
    let route = "/api/v1/ingest/steps";
    let find = include_str!("../../queries/idempotency/find.sql");
    // The plan of the query with the values written in; bound, DuckDB 2.0
    // plans it the same way (1 ms against 24 ms by scanning, measured).
    let literal = find
        .replace("$1", &format!("'{key}'"))
        .replace("$2", &format!("'{route}'"));
    let plan: String = conn
        .query_row(&format!("EXPLAIN ANALYZE {literal}"), [], |r| r.get(1))
        .unwrap();
    assert!(plan.contains("Index Scan"), "find.sql scans:\n{plan}");
    assert!(!plan.contains("Sequential Scan"), "find.sql scans:\n{plan}");
    let answer: String = conn
        .query_row(find, duckdb::params![key, route], |r| r.get(2))
        .unwrap();
    assert_eq!(answer, format!("answer 777 {route}"));
    let mut stmt = conn.prepare(find).unwrap();
    let other = stmt
        .query(duckdb::params![key, "/api/v1/ingest/baselines"])
        .unwrap()
        .next()
        .unwrap()
        .is_some();
    assert!(!other, "a key is kept per route");
}
