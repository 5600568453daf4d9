//! A real n8n, running here: `.ci/n8n` installs the pinned n8n (2.8.4, the
//! newest whose engines accept the machine's Node.js 20) into a cache
//! outside the clone, starts it on loopback with an owner and a public-API
//! key, and runs three webhook workflows (one succeeds, one fails, one waits).
//! `yardstick pull n8n` then fetches their executions, and every figure
//! Yardstick reports (runs, failures, successes, cycle times) equals what
//! n8n's own API says of them; a second pull changes nothing.
//!
//! One execution is still running during the first pull, between two that
//! have finished: n8n's list leaves it out, and the second pull reads it by
//! id once it has ended.
//!
//! `.ci/run` installs n8n before the tests (in the background, beside the
//! build). YARDSTICK_SKIP_N8N=1 skips this test, saying so on stderr; CI
//! sets it only when the install failed, and says that loudly.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::Value;
use yardstick::metrics::Period;
use yardstick::model::Kind;
use yardstick::store::Store;

use crate::{ingest_file, ingest_text};

struct N8n {
    url: String,
    key: String,
    env: Vec<(&'static str, String)>,
    _state: tempfile::TempDir,
}

impl Drop for N8n {
    fn drop(&mut self) {
        let _ = crate::ci_script("n8n", "stop", &self.env);
    }
}

/// GET on n8n's public API, as JSON.
fn api(n: &N8n, path: &str) -> Value {
    let mut resp = ureq::get(&format!("{}/api/v1/{path}", n.url))
        .header("X-N8N-API-KEY", &n.key)
        .call()
        .unwrap_or_else(|e| panic!("GET {path}: {e}"));
    resp.body_mut().read_json().unwrap()
}

/// Every execution n8n lists, all pages.
fn executions(n: &N8n) -> Vec<Value> {
    let (mut all, mut cursor) = (Vec::new(), None::<String>);
    loop {
        let q = cursor
            .as_ref()
            .map(|c| format!("&cursor={c}"))
            .unwrap_or_default();
        let page = api(n, &format!("executions?limit=250{q}"));
        all.extend(page["data"].as_array().unwrap().iter().cloned());
        match page["nextCursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => return all,
        }
    }
}

fn call_webhook(n: &N8n, path: &str) {
    ureq::post(&format!("{}/webhook/{path}", n.url))
        .send_json(serde_json::json!({"order": 1}))
        .map(|_| ())
        .or_else(|e| match e {
            // The failing workflow answers its webhook with an error.
            ureq::Error::StatusCode(_) => Ok(()),
            e => Err(e),
        })
        .unwrap_or_else(|e| panic!("webhook {path}: {e}"));
}

fn pull(db: &Path, n: &N8n) -> (String, Duration) {
    let t = Instant::now();
    let out = Command::new(env!("CARGO_BIN_EXE_yardstick"))
        .args([
            "--db",
            db.to_str().unwrap(),
            "pull",
            "n8n",
            "--url",
            &n.url,
            "--token-env",
            "N8N_TEST_KEY",
        ])
        .env("N8N_TEST_KEY", &n.key)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        out.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    (text, t.elapsed())
}

fn at(v: &Value) -> chrono::NaiveDateTime {
    yardstick::model::parse_timestamp(v.as_str().unwrap()).unwrap()
}

#[test]
fn pull_from_a_real_n8n_equals_its_own_api() {
    if std::env::var_os("YARDSTICK_SKIP_N8N").is_some() {
        eprintln!("n8n: SKIPPED (YARDSTICK_SKIP_N8N is set): the real-n8n pull was not checked");
        return;
    }
    let state = tempfile::tempdir().unwrap();
    let env = vec![
        ("N8N_STATE", state.path().display().to_string()),
        ("N8N_PORT", crate::free_port().to_string()),
        ("N8N_RUNNERS_BROKER_PORT", crate::free_port().to_string()),
    ];
    let t = Instant::now();
    let out = crate::ci_script("n8n", "start", &env);
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    let var = |k: &str| {
        stdout
            .lines()
            .find_map(|l| l.strip_prefix(&format!("{k}=")))
            .map(str::to_string)
    };
    let mut n = N8n {
        url: var("N8N_URL").unwrap_or_default(),
        key: var("N8N_API_KEY").unwrap_or_default(),
        env,
        _state: state,
    };
    assert!(
        out.status.success() && !n.key.is_empty(),
        "n8n did not start (.ci/n8n install needs node and npm; YARDSTICK_SKIP_N8N=1 skips this test): {}",
        String::from_utf8_lossy(&out.stderr)
    );
    n.env.push(("N8N_URL", n.url.clone()));
    n.env.push(("N8N_API_KEY", n.key.clone()));
    let started = t.elapsed();
    let t = Instant::now();
    let out = crate::ci_script("n8n", "seed", &n.env);
    assert!(
        out.status.success(),
        "seed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let seeded = t.elapsed();
    // "<id>\t<name>" per workflow.
    let workflows: BTreeMap<String, String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.split_once('\t'))
        .map(|(id, name)| (id.to_string(), name.to_string()))
        .collect();
    assert_eq!(workflows.len(), 3, "{workflows:?}");

    // A store with the catalogue and each n8n workflow mapped onto one of it.
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("y.duckdb");
    let ours = |name: &str| {
        if name.contains("succeeds") {
            "wf-a"
        } else if name.contains("fails") {
            "wf-b"
        } else {
            "wf-c"
        }
    };
    {
        let store = Store::open(&db).unwrap();
        ingest_file(&store, Kind::Workflows, "golden/workflows.csv");
        let map: String = std::iter::once("platform,platform_workflow,workflow_id\n".to_string())
            .chain(
                workflows
                    .iter()
                    .map(|(id, name)| format!("n8n,{id},{}\n", ours(name))),
            )
            .collect();
        let rep = ingest_text(
            &store,
            Kind::Maps,
            yardstick::ingest::Format::Csv,
            "map",
            &map,
            Default::default(),
        )
        .unwrap();
        assert_eq!(rep.written, 3);
    }

    // One execution waits (3 s) while a later one finishes: the first pull
    // sees a gap where the running one is.
    call_webhook(&n, "yardstick-approval");
    std::thread::sleep(Duration::from_millis(300));
    call_webhook(&n, "yardstick-order-intake");
    std::thread::sleep(Duration::from_millis(700));
    let (first, first_took) = pull(&db, &n);
    assert!(first.contains("1 run(s) still open"), "{first}");
    std::thread::sleep(Duration::from_secs(4));
    let (second, _) = pull(&db, &n);
    assert!(
        second.contains("pulled 1 run(s)")
            && second.contains("(1 open or rejected run(s) read again)"),
        "{second}"
    );
    assert!(second.contains("0 run(s) still open"), "{second}");

    // n8n's own account of every execution.
    let all = executions(&n);
    assert_eq!(all.len(), 3 + 2 + 2 + 2, "seeded 7, called 2 more");
    let store = Store::open(&db).unwrap();
    let states: BTreeMap<String, String> = store.run_states("n8n").unwrap().into_iter().collect();
    let theirs: BTreeMap<String, String> = all
        .iter()
        .map(|e| {
            let s = match e["status"].as_str().unwrap() {
                "success" => "succeeded",
                "error" | "crashed" => "failed",
                other => panic!("unexpected n8n status {other}"),
            };
            (e["id"].as_str().unwrap().to_string(), s.to_string())
        })
        .collect();
    assert_eq!(states, theirs, "every execution, with its status");

    // The metric table per workflow equals the same figures computed from n8n's answers.
    let first_day = all
        .iter()
        .map(|e| at(&e["startedAt"]).date())
        .min()
        .unwrap();
    let period = Period::parse(
        &first_day.to_string(),
        &(first_day + chrono::Days::new(2)).to_string(),
    )
    .unwrap();
    let rows = crate::table(&store, period).rows().unwrap();
    for (id, name) in &workflows {
        let mine: Vec<&Value> = all
            .iter()
            .filter(|e| e["workflowId"] == id.as_str())
            .collect();
        let row = rows.iter().find(|r| r.workflow_id == ours(name)).unwrap();
        let failed = mine.iter().filter(|e| e["status"] == "error").count() as i64;
        let ok: Vec<f64> = mine
            .iter()
            .filter(|e| e["status"] == "success")
            .map(|e| {
                (at(&e["stoppedAt"]) - at(&e["startedAt"]))
                    .num_microseconds()
                    .unwrap() as f64
                    / 60e6
            })
            .collect();
        assert_eq!(
            (row.runs, row.failed, row.succeeded),
            (mine.len() as i64, failed, ok.len() as i64),
            "{name}"
        );
        assert_eq!(row.cycle_time_n, ok.len() as i64, "{name}");
        let mean = (!ok.is_empty()).then(|| ok.iter().sum::<f64>() / ok.len() as f64);
        crate::close(row.cycle_time_mean_min, mean);
    }
    // The waiting workflow's executions took their 3 s in n8n and here.
    let waits = rows.iter().find(|r| r.workflow_id == "wf-c").unwrap();
    assert!(
        waits.cycle_time_mean_min.unwrap() >= 3.0 / 60.0,
        "{waits:?}"
    );
    // The failing workflow's error is n8n's message.
    drop(store);

    // A third pull finds nothing and changes no figure.
    let store = Store::open(&db).unwrap();
    let before = serde_json::to_string(&crate::table(&store, period).rows().unwrap()).unwrap();
    drop(store);
    let (third, _) = pull(&db, &n);
    assert!(
        third.contains("pulled 0 run(s)") && third.contains("nothing new"),
        "{third}"
    );
    let store = Store::open(&db).unwrap();
    assert_eq!(
        serde_json::to_string(&crate::table(&store, period).rows().unwrap()).unwrap(),
        before
    );
    eprintln!(
        "n8n: started (owner and API key) in {:.1} s, seeded in {:.1} s, first pull in {:.2} s",
        started.as_secs_f64(),
        seeded.as_secs_f64(),
        first_took.as_secs_f64()
    );
}
