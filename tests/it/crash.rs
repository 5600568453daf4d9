//! Durability: a real child process is killed (SIGKILL) at random moments
//! while it ingests, many times; after every kill the database must open
//! without repair and hold exactly the acknowledged batches — and of the
//! interrupted one, all of it or none of it.

use std::collections::BTreeMap;
use std::process::{Command, Stdio};
use std::time::Instant;

use rand::{Rng, SeedableRng};

use crate::fixture;

const ROWS: usize = 15_000;

fn batch_file(dir: &std::path::Path, i: usize) -> std::path::PathBuf {
    sized_batch_file(dir, i, ROWS)
}

fn sized_batch_file(dir: &std::path::Path, i: usize, rows: usize) -> std::path::PathBuf {
    let p = dir.join(format!("batch{i}.csv"));
    let mut s =
        String::from("source,run_id,workflow_id,started_at,finished_at,status,human_minutes\n");
    for r in 0..rows {
        s.push_str(&format!(
            "b{i},r{r},wf-a,2026-01-{:02}T{:02}:{:02}:00Z,2026-01-{:02}T{:02}:{:02}:30Z,succeeded,{}\n",
            1 + r % 28,
            r % 24,
            r % 60,
            1 + r % 28,
            r % 24,
            r % 60,
            r % 7
        ));
    }
    std::fs::write(&p, s).unwrap();
    p
}

/// Current runs per source, read by a fresh process-level connection.
fn stored(db: &std::path::Path) -> BTreeMap<String, i64> {
    let store = yardstick::store::Store::open(db).expect("the database opens without repair");
    drop(store);
    let conn = duckdb::Connection::open(db).unwrap();
    let mut stmt = conn
        .prepare("SELECT source, count(*) FROM runs WHERE superseded_batch IS NULL GROUP BY source")
        .unwrap();
    let rows = stmt
        .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))
        .unwrap();
    rows.map(Result::unwrap).collect()
}

fn ingest_cmd(db: &std::path::Path, kind: &str, file: &std::path::Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_yardstick"));
    c.arg("--db").arg(db).args(["ingest", kind]).arg(file);
    c.stdout(Stdio::piped()).stderr(Stdio::null());
    c
}

#[test]
fn killed_mid_ingest_keeps_exactly_the_acknowledged_batches() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("crash.duckdb");
    let wf = ingest_cmd(&db, "workflows", &fixture("golden/workflows.csv"))
        .output()
        .unwrap();
    assert!(wf.status.success());
    // How long one whole batch takes here, to kill inside that window.
    let first = batch_file(dir.path(), 0);
    let t0 = Instant::now();
    let out = ingest_cmd(&db, "runs", &first).output().unwrap();
    let full = t0.elapsed();
    assert!(out.status.success());
    let mut acknowledged: BTreeMap<String, i64> = BTreeMap::from([("b0".to_string(), ROWS as i64)]);
    let mut rng = rand::rngs::SmallRng::seed_from_u64(20_261_122);
    let (mut kills, mut all_or_nothing) = (0, 0);
    for i in 1..=12 {
        let file = batch_file(dir.path(), i);
        let mut child = ingest_cmd(&db, "runs", &file).spawn().unwrap();
        // Anywhere from the start to a little past the expected end.
        let at = full.mul_f64(rng.random_range(0.0..1.2));
        std::thread::sleep(at);
        let killed = match child.try_wait().unwrap() {
            Some(_) => false,
            None => {
                child.kill().unwrap();
                kills += 1;
                true
            }
        };
        let status = child.wait().unwrap();
        let mut stdout = String::new();
        if let Some(mut o) = child.stdout.take() {
            use std::io::Read;
            let _ = o.read_to_string(&mut stdout);
        }
        // Acknowledged: the process said it stored the batch and exited 0.
        let acked = !killed && status.success() && stdout.contains(&format!("stored {ROWS}"));
        if acked {
            acknowledged.insert(format!("b{i}"), ROWS as i64);
        }
        let now = stored(&db);
        for (source, n) in &acknowledged {
            assert_eq!(
                now.get(source),
                Some(n),
                "acknowledged batch {source} after kill {i}"
            );
        }
        let this = now.get(&format!("b{i}")).copied().unwrap_or(0);
        assert!(
            this == 0 || this == ROWS as i64,
            "batch b{i} is partly stored: {this} of {ROWS} rows"
        );
        if killed {
            all_or_nothing += 1;
            if this == ROWS as i64 {
                // Committed before the kill, not yet acknowledged: whole, never partial.
                acknowledged.insert(format!("b{i}"), ROWS as i64);
            }
        }
        let unknown: Vec<&String> = now
            .keys()
            .filter(|s| !acknowledged.contains_key(*s))
            .collect();
        assert!(
            unknown.is_empty(),
            "rows of batches never acknowledged nor whole: {unknown:?}"
        );
    }
    eprintln!(
        "crash test: {kills} kills, {all_or_nothing} interrupted batches all-or-nothing, \
         {} batches checked, 0 rows lost (one batch takes {full:?})",
        acknowledged.len()
    );
    assert!(
        kills >= 5,
        "the random points must really interrupt ingests: {kills} kills"
    );
}

#[test]
fn sigterm_finishes_the_ingest_in_flight_then_stops() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("term.duckdb");
    assert!(
        ingest_cmd(&db, "workflows", &fixture("golden/workflows.csv"))
            .output()
            .unwrap()
            .status
            .success()
    );
    let (mut server, base) = crate::service::serve(&db);
    let agent = crate::service::agent();
    // Large enough that the ingest is still running when the signal comes.
    const BIG: usize = 250_000;
    let body = std::fs::read(sized_batch_file(dir.path(), 1, BIG)).unwrap();
    let poster = {
        let (agent, base) = (agent.clone(), base.clone());
        std::thread::spawn(move || {
            let r = agent
                .post(&format!("{base}/api/v1/ingest/runs"))
                .header("Content-Type", "text/csv")
                .send(&body[..])
                .unwrap();
            let status = r.status().as_u16();
            let answered = Instant::now();
            (status, r.into_body().read_to_string().unwrap(), answered)
        })
    };
    // Let the request arrive, then ask the server to stop.
    std::thread::sleep(std::time::Duration::from_millis(150));
    let signalled = Instant::now();
    let term = Command::new("kill")
        .args(["-TERM", &server.id().to_string()])
        .status()
        .unwrap();
    assert!(term.success());
    let (status, answer, answered) = poster.join().unwrap();
    assert_eq!(status, 200, "{answer}");
    assert!(
        answered > signalled,
        "the ingest must still be in flight when SIGTERM arrives, or this test shows nothing"
    );
    assert!(answer.contains(&format!("\"written\":{BIG}")), "{answer}");
    let exit = server.wait().unwrap();
    assert!(exit.success(), "the server stops cleanly: {exit:?}");
    assert_eq!(stored(&db).get("b1"), Some(&(BIG as i64)));
}
