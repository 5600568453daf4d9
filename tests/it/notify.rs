//! `serve --alert-webhook`: a regression is posted once, within seconds of
//! the ingest that reveals it, to a receiver on loopback, and never again
//! (not after another write, not after a restart).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A webhook receiver on loopback: every body posted to it, in order.
fn receiver() -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    let bodies = Arc::new(Mutex::new(Vec::new()));
    let got = bodies.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut length = 0usize;
            let mut line = String::new();
            loop {
                line.clear();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                    break;
                }
                let lower = line.to_ascii_lowercase();
                if let Some(v) = lower.strip_prefix("content-length:") {
                    length = v.trim().parse().unwrap_or(0);
                }
            }
            let mut body = vec![0u8; length];
            reader.read_exact(&mut body).unwrap();
            got.lock().unwrap().push(String::from_utf8(body).unwrap());
            let _ = stream
                .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok");
        }
    });
    (url, bodies)
}

/// Runs of `wf-r`, 30 a week from Monday 5 January 2026 (one every 5 hours, the last on Sunday), 10 minutes each:
/// `weeks` weeks all succeeded, then (with `bad_week`) one week with 15 of
/// its 30 failed.
fn runs(weeks: i64, bad_week: bool) -> String {
    let start = chrono::NaiveDate::from_ymd_opt(2026, 1, 5)
        .unwrap()
        .and_hms_opt(9, 0, 0)
        .unwrap();
    let mut csv = "source,run_id,workflow_id,started_at,finished_at,status\n".to_string();
    let mut row = |w: i64, i: i64, status: &str| {
        let at = start + chrono::Duration::weeks(w) + chrono::Duration::hours(i * 5);
        let end = at + chrono::Duration::minutes(10);
        csv.push_str(&format!(
            "t,{w}-{i},wf-r,{}Z,{}Z,{status}\n",
            at.format("%Y-%m-%dT%H:%M:%S"),
            end.format("%Y-%m-%dT%H:%M:%S")
        ));
    };
    for w in 0..weeks {
        for i in 0..30 {
            row(w, i, "succeeded");
        }
    }
    if bad_week {
        for i in 0..30 {
            row(weeks, i, if i % 2 == 0 { "failed" } else { "succeeded" });
        }
    }
    csv
}

fn serve(db: &std::path::Path, hook: &str) -> (std::process::Child, String) {
    crate::service::serve_with(db, &["--alert-webhook", hook, "--alert-check-secs", "1"])
}

fn stop(mut child: std::process::Child) {
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    child.wait().unwrap();
}

fn post_runs(base: &str, csv: String) {
    let r = crate::service::agent()
        .post(&format!("{base}/api/v1/ingest/runs"))
        .header("Content-Type", "text/csv")
        .send(csv)
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
}

/// Waits until `bodies` holds `n` posts (at most 30 s; with `n` = what
/// is already there, 4 s: four looks of a server checking every second),
/// then 2 s more for any that should not come.
fn settle(bodies: &Mutex<Vec<String>>, n: usize) -> Vec<String> {
    let t0 = Instant::now();
    let have = bodies.lock().unwrap().len();
    let limit = Duration::from_secs(if n > have { 30 } else { 4 });
    while bodies.lock().unwrap().len() < n && t0.elapsed() < limit {
        std::thread::sleep(Duration::from_millis(100));
    }
    std::thread::sleep(Duration::from_secs(2));
    bodies.lock().unwrap().clone()
}

#[test]
fn a_regression_is_posted_once_to_the_webhook() {
    let (hook, bodies) = receiver();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("alerts.duckdb");
    {
        let store = yardstick::store::Store::open(&db).unwrap();
        let put = |kind, text: &str| {
            let r = crate::ingest_text(
                &store,
                kind,
                yardstick::ingest::Format::Csv,
                "t.csv",
                text,
                yardstick::ingest::Options::default(),
            )
            .unwrap();
            assert_eq!(r.rejected, 0, "{r:?}");
        };
        put(
            yardstick::model::Kind::Workflows,
            "workflow_id,name,owner,category,hourly_cost,currency,automated_since,baseline_minutes_per_item\n\
             wf-r,Refunds,Ria,other,50,EUR,2026-01-05,20\n",
        );
        put(yardstick::model::Kind::Runs, &runs(8, false));
    }
    let (server, base) = serve(&db, &hook);
    // Eight quiet weeks: nothing to say.
    assert!(settle(&bodies, 0).is_empty());

    // The ninth week fails half its runs: posted within seconds of the ingest.
    post_runs(&base, runs(8, true));
    let got = settle(&bodies, 1);
    assert_eq!(got.len(), 1, "{got:?}");
    let m: serde_json::Value = serde_json::from_str(&got[0]).unwrap();
    let text = m["text"].as_str().unwrap();
    assert!(
        text.starts_with(
            "Yardstick: wf-r — error rate clearly worse in the week of 2026-03-02: 50.0% (n = 30) \
             against 0.0% over the 8 weeks before (n = 240); change +50.0 pp, 99% interval "
        ),
        "{text}"
    );
    assert!(
        text.ends_with(&format!(" {base}/dashboards/workflow?workflow=wf-r")),
        "{text}"
    );
    let e = &m["yardstick"];
    assert_eq!(
        (
            e["workflow_id"].as_str(),
            e["metric"].as_str(),
            e["week_start"].as_str()
        ),
        (
            Some("wf-r"),
            Some("error_rate"),
            Some("2026-03-02T00:00:00Z")
        )
    );
    assert_eq!(
        (e["last_week"].as_f64(), e["trailing"].as_f64()),
        (Some(0.5), Some(0.0))
    );
    assert_eq!(
        (e["last_week_n"].as_u64(), e["trailing_n"].as_u64()),
        (Some(30), Some(240))
    );
    assert!(e["ci_low"].as_f64().unwrap() > 0.0);

    // Another write looks again, and finds nothing new.
    let mut again = runs(8, true);
    again = again.replace("t,8-0,wf-r", "u,8-0,wf-r");
    post_runs(&base, again);
    assert_eq!(settle(&bodies, 1).len(), 1);
    stop(server);
    // Nor after a restart: what was delivered is recorded in the file.
    let (server, _) = serve(&db, &hook);
    assert_eq!(settle(&bodies, 1).len(), 1);
    stop(server);
}
