//! A bounded load test on loopback: ingests and reads at the same time, a
//! fixed number of requests; no errors, and the figures equal those of the
//! same batches ingested one after another.

use std::time::{Duration, Instant};

use yardstick::http::{serve_on, AppState};
use yardstick::store::Store;

use crate::ingest_file;

const WRITERS: usize = 4;
const BATCHES_PER_WRITER: usize = 10;
const READERS: usize = 8;
const READS_PER_READER: usize = 25;

/// A GET, answered with its status and how long the answer took.
pub(crate) fn timed_get(agent: &ureq::Agent, url: &str) -> (u16, Duration) {
    let t = Instant::now();
    let resp = agent.get(url).call().unwrap();
    (resp.status().as_u16(), t.elapsed())
}

/// A POST of `body`, answered with its status and how long the answer took.
pub(crate) fn timed_post(
    agent: &ureq::Agent,
    url: &str,
    content_type: &str,
    body: &[u8],
) -> (u16, Duration) {
    let t = Instant::now();
    let resp = agent
        .post(url)
        .header("Content-Type", content_type)
        .send(body)
        .unwrap();
    (resp.status().as_u16(), t.elapsed())
}

fn batch(w: usize, b: usize) -> String {
    let mut s =
        String::from("source,run_id,workflow_id,started_at,finished_at,status,human_minutes\n");
    for r in 0..50 {
        s.push_str(&format!(
            "w{w},b{b}-r{r},wf-a,2026-01-{:02}T09:{:02}:00Z,2026-01-{:02}T10:{:02}:00Z,{},{}\n",
            1 + (b + r) % 28,
            r % 60,
            1 + (b + r) % 28,
            r % 60,
            if r % 9 == 0 { "failed" } else { "succeeded" },
            r % 5
        ));
    }
    s
}

/// A database file at `path` with the golden catalogue and time study.
pub(crate) fn store_with_catalogue(path: &std::path::Path) -> Store {
    let store = Store::open(path).unwrap();
    ingest_file(
        &store,
        yardstick::model::Kind::Workflows,
        "golden/workflows.csv",
    );
    ingest_file(
        &store,
        yardstick::model::Kind::Baselines,
        "golden/baselines.csv",
    );
    store
}

fn pct(sorted: &[Duration], q: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * q).round() as usize]
}

#[test]
fn concurrent_ingest_and_reads_without_errors_and_with_serial_figures() {
    let dir = tempfile::tempdir().unwrap();
    let store = store_with_catalogue(&dir.path().join("load.duckdb"));
    let std_listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    std_listener.set_nonblocking(true).unwrap();
    let addr = std_listener.local_addr().unwrap();
    let state = AppState::open(store.clone());
    std::thread::spawn(move || {
        let rt = tokio::runtime::Runtime::new().unwrap();
        rt.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(std_listener).unwrap();
            let _ = serve_on(state, listener).await;
        });
    });
    let base = format!("http://{addr}");
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(120)))
        .build()
        .into();
    let t0 = Instant::now();
    let mut handles = Vec::new();
    for w in 0..WRITERS {
        let (agent, base) = (agent.clone(), base.clone());
        handles.push(std::thread::spawn(move || {
            let mut out = Vec::new();
            for b in 0..BATCHES_PER_WRITER {
                let url = format!("{base}/api/v1/ingest/runs?name=w{w}-b{b}");
                out.push(timed_post(&agent, &url, "text/csv", batch(w, b).as_bytes()));
            }
            out
        }));
    }
    for r in 0..READERS {
        let (agent, base) = (agent.clone(), base.clone());
        handles.push(std::thread::spawn(move || {
            let mut out = Vec::new();
            for i in 0..READS_PER_READER {
                let url = match (r + i) % 3 {
                    0 => format!("{base}/api/v1/metrics?from=2026-01-01&to=2026-02-01"),
                    1 => format!("{base}/dashboards/finance?from=2026-01-01&to=2026-02-01"),
                    _ => format!("{base}/api/v1/trend?from=2026-01-01&to=2026-02-01"),
                };
                out.push(timed_get(&agent, &url));
            }
            out
        }));
    }
    let results: Vec<(u16, Duration)> = handles
        .into_iter()
        .flat_map(|h| h.join().unwrap())
        .collect();
    let wall = t0.elapsed();
    let errors = results.iter().filter(|(s, _)| *s >= 400).count();
    let mut lat: Vec<Duration> = results.iter().map(|(_, d)| *d).collect();
    lat.sort();
    eprintln!(
        "load test: {} requests ({} ingests, {} reads) in {wall:?}, {errors} errors, p50 {:?}, p99 {:?}",
        results.len(),
        WRITERS * BATCHES_PER_WRITER,
        READERS * READS_PER_READER,
        pct(&lat, 0.5),
        pct(&lat, 0.99)
    );
    assert_eq!(
        results.len(),
        WRITERS * BATCHES_PER_WRITER + READERS * READS_PER_READER
    );
    assert_eq!(errors, 0);

    // The same batches, one after another, into a fresh file.
    let serial = store_with_catalogue(&dir.path().join("serial.duckdb"));
    for w in 0..WRITERS {
        for b in 0..BATCHES_PER_WRITER {
            let text = batch(w, b);
            let (kind, format) = (yardstick::model::Kind::Runs, yardstick::ingest::Format::Csv);
            crate::ingest_text(&serial, kind, format, "serial", &text, Default::default()).unwrap();
        }
    }
    let period = yardstick::metrics::Period::parse("2026-01-01", "2026-02-01").unwrap();
    let a = yardstick::report::metric_table(&store, period, &[])
        .unwrap()
        .rows()
        .unwrap();
    let b = yardstick::report::metric_table(&serial, period, &[])
        .unwrap()
        .rows()
        .unwrap();
    assert_eq!(a, b, "concurrent ingests give the serial figures");
}
