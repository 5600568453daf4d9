//! The `service` section: the server as users run it, a child process on a
//! copy of the benchmark's database, under continuous ingestion.
//!
//! 1. a fresh start: time to answer `/healthz`, then the leadership page of
//!    the whole year computed from nothing, compare over every workflow, and
//!    the page again after one pushed run (its recompute redoes the parts of
//!    one workflow);
//! 2. one client posting single runs one after another, here and on the demo
//!    company, for the cost of one post against the table's size;
//! 3. `clients` connections pushing single runs (one in twenty is posted as
//!    `running` and completed five posts later, an update) while `readers`
//!    read the leadership page, a workflow page and the metric JSON, for
//!    `seconds`: pushes per second, latencies, errors, how far behind the
//!    last commit the answers were;
//! 4. `soak_runs` more runs pushed in batches of 1,000 by four clients
//!    while two read the pages: the server's RSS sampled every second from
//!    `/proc` (at the soak's first quarter and its end: memory must not grow
//!    with the runs pushed);
//! 5. every acknowledged run present afterwards, and the server's peak RSS.

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};

use super::child::{Runner, Running};
use super::{measure, s, Ratio, Results};

/// What the section is given.
pub(super) struct ServiceArgs<'a> {
    /// Starts the `yardstick` binary, measured.
    pub run: &'a Runner,
    pub dir: &'a Path,
    /// The database with the benchmark's runs (copied, never changed).
    pub db: &'a Path,
    pub workflows_csv: &'a Path,
    pub clients: usize,
    pub readers: usize,
    pub seconds: u64,
    pub soak_runs: u64,
}

struct Server {
    child: Running,
    /// The server's own pid.
    pid: u32,
    addr: std::net::SocketAddr,
}

impl Server {
    /// Starts `yardstick serve` on `db` (measured, reporting to `NAME.json`)
    /// and waits until it accepts a connection.
    fn start(run: &Runner, db: &Path, name: &str) -> anyhow::Result<(Server, Duration)> {
        let port = std::net::TcpListener::bind("127.0.0.1:0")?
            .local_addr()?
            .port();
        let addr: std::net::SocketAddr = format!("127.0.0.1:{port}").parse()?;
        let t = Instant::now();
        let mut child = run.spawn_yardstick(
            name,
            &[
                "--db",
                s(db),
                "serve",
                "--open",
                "--addr",
                &addr.to_string(),
            ],
        )?;
        loop {
            if std::net::TcpStream::connect(addr).is_ok() {
                break;
            }
            if child.ended()? {
                bail!("the server for {} exited before it answered", db.display());
            }
            if t.elapsed() > Duration::from_secs(120) {
                bail!("the server on {addr} did not start");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let started = t.elapsed();
        let pid = child.pid()?;
        Ok((Server { child, pid, addr }, started))
    }

    /// Stops the server with SIGTERM (it finishes what is in flight) and
    /// returns its peak RSS in MiB, as `wait4` gave it.
    fn stop(self) -> anyhow::Result<f64> {
        self.child.stop()
    }
}

/// One answer: status, freshness headers and body length.
pub(super) struct Reply {
    pub status: u16,
    pub length: usize,
    stale: bool,
    as_of: Option<chrono::NaiveDateTime>,
}

/// One keep-alive HTTP/1.1 request (`extra`: more header lines, each
/// ending in CRLF).
pub(super) async fn call(
    stream: &mut tokio::net::TcpStream,
    buf: &mut Vec<u8>,
    method: &str,
    path: &str,
    body: &[u8],
    extra: &str,
) -> anyhow::Result<Reply> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let head = if body.is_empty() {
        format!("{method} {path} HTTP/1.1\r\nHost: bench\r\n{extra}\r\n")
    } else {
        format!(
            "{method} {path} HTTP/1.1\r\nHost: bench\r\nContent-Type: application/json\r\nContent-Length: {}\r\n{extra}\r\n",
            body.len()
        )
    };
    stream.write_all(head.as_bytes()).await?;
    if !body.is_empty() {
        stream.write_all(body).await?;
    }
    buf.clear();
    let mut chunk = [0u8; 65536];
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            bail!("connection closed");
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = std::str::from_utf8(&buf[..head_end])?.to_string();
    let status: u16 = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .context("no status")?;
    let header = |name: &str| {
        head.lines().find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case(name).then(|| v.trim().to_string())
        })
    };
    let length: usize = header("content-length")
        .and_then(|v| v.parse().ok())
        .context("a response without content-length")?;
    while buf.len() < head_end + length {
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            bail!("connection closed mid-body");
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    Ok(Reply {
        status,
        length,
        stale: header("yardstick-stale").as_deref() == Some("true"),
        as_of: header("yardstick-as-of").and_then(|v| yardstick::model::parse_timestamp(&v).ok()),
    })
}

/// One POST of runs on a keep-alive connection: its latency in ms when
/// answered `ok`; `None` otherwise, with the connection opened again.
async fn post_runs(
    addr: std::net::SocketAddr,
    stream: &mut tokio::net::TcpStream,
    buf: &mut Vec<u8>,
    body: &[u8],
    ok: u16,
) -> anyhow::Result<Option<f64>> {
    let t = Instant::now();
    match call(stream, buf, "POST", "/api/v1/ingest/runs", body, "").await {
        Ok(r) if r.status == ok => Ok(Some(t.elapsed().as_secs_f64() * 1e3)),
        Ok(_) | Err(_) => {
            *stream = connect(addr).await?;
            Ok(None)
        }
    }
}

async fn connect(addr: std::net::SocketAddr) -> anyhow::Result<tokio::net::TcpStream> {
    let s = tokio::net::TcpStream::connect(addr).await?;
    s.set_nodelay(true)?;
    Ok(s)
}

fn pct(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    sorted[((sorted.len() as f64 - 1.0) * q).round() as usize]
}

/// A pushed run: `running` or finished, at a time inside the data's year.
fn run_json(id: &str, workflow: &str, k: u64, running: bool) -> Vec<u8> {
    let minute = k % (60 * 24 * 20);
    let started = chrono::NaiveDate::from_ymd_opt(2026, 12, 1)
        .expect("a date")
        .and_hms_opt(0, 0, 0)
        .expect("a time")
        + chrono::Duration::minutes(minute as i64);
    let fmt = |t: chrono::NaiveDateTime| t.format("%Y-%m-%dT%H:%M:%SZ").to_string();
    let mut v = serde_json::json!({
        "source": "bench-push",
        "run_id": id,
        "workflow_id": workflow,
        "started_at": fmt(started),
        "status": if running { "running" } else { "succeeded" },
        "human_minutes": (k % 3) as f64,
    });
    if !running {
        v["finished_at"] = fmt(started + chrono::Duration::seconds(40)).into();
    }
    v.to_string().into_bytes()
}

/// `n` single posts, one after another, on a server: their latencies in ms.
async fn sequential_posts(
    addr: std::net::SocketAddr,
    workflows: &[String],
    prefix: &str,
    n: u64,
) -> anyhow::Result<Vec<f64>> {
    let mut stream = connect(addr).await?;
    let mut buf = Vec::new();
    let mut lat = Vec::new();
    for k in 0..n {
        let wf = &workflows[k as usize % workflows.len()];
        let body = run_json(&format!("{prefix}-{k}"), wf, k, false);
        let t = Instant::now();
        let r = call(
            &mut stream,
            &mut buf,
            "POST",
            "/api/v1/ingest/runs",
            &body,
            "",
        )
        .await?;
        if r.status != 202 {
            bail!("a post answered {}", r.status);
        }
        lat.push(t.elapsed().as_secs_f64() * 1e3);
    }
    lat.sort_by(f64::total_cmp);
    Ok(lat)
}

fn catalogue_ids(workflows_csv: &Path) -> anyhow::Result<Vec<String>> {
    let text = std::fs::read_to_string(workflows_csv)?;
    let ids: Vec<String> = text
        .lines()
        .skip(1)
        .filter_map(|l| l.split(',').next())
        .map(str::to_string)
        .collect();
    if ids.is_empty() {
        bail!("{} names no workflow", workflows_csv.display());
    }
    Ok(ids)
}

pub(super) fn service(r: &mut Results, a: &ServiceArgs<'_>) -> anyhow::Result<()> {
    let say = super::eprintln_bench;
    let workflows = catalogue_ids(a.workflows_csv)?;
    let db = a.dir.join("service.duckdb");
    let _ = std::fs::remove_file(&db);
    let _ = std::fs::remove_file(db.with_extension("duckdb.wal"));
    std::fs::copy(a.db, &db).context("copying the benchmark's database")?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;

    // 1. A fresh start.
    say("service: fresh start");
    let (server, started) = Server::start(a.run, &db, "service")?;
    let addr = server.addr;
    let first_page = rt.block_on(async {
        let mut st = connect(addr).await?;
        let mut buf = Vec::new();
        let t = Instant::now();
        let page = call(&mut st, &mut buf, "GET", "/dashboards/leadership", b"", "").await?;
        let page_s = t.elapsed().as_secs_f64();
        if page.status != 200 {
            bail!("the leadership page answered {}", page.status);
        }
        let t = Instant::now();
        let c = call(
            &mut st,
            &mut buf,
            "GET",
            "/api/v1/compare",
            b"",
            "Cache-Control: no-cache\r\n",
        )
        .await?;
        let compare_s = t.elapsed().as_secs_f64();
        if c.status != 200 {
            bail!("compare answered {}", c.status);
        }
        // One run of one workflow, then the page holding it.
        let body = run_json("one-push", &workflows[0], 0, false);
        let p = call(&mut st, &mut buf, "POST", "/api/v1/ingest/runs", &body, "").await?;
        if p.status != 202 {
            bail!("the push answered {}", p.status);
        }
        let t = Instant::now();
        let again = call(
            &mut st,
            &mut buf,
            "GET",
            "/dashboards/leadership",
            b"",
            "Cache-Control: no-cache\r\n",
        )
        .await?;
        let again_s = t.elapsed().as_secs_f64();
        if again.status != 200 {
            bail!("the leadership page answered {}", again.status);
        }
        anyhow::Ok((page_s, compare_s, again_s))
    })?;
    let (page_s, compare_s, again_s) = first_page;
    r.measures.push(measure(
        "service",
        "start: the server answers",
        &[started.as_secs_f64()],
        None,
        &[],
        "process start to the first accepted connection; run identities and the dashboards load in the background",
    ));
    r.measures.push(measure(
        "service",
        "leadership page from nothing (whole year)",
        &[page_s],
        None,
        &[],
        "the first visitor after a start; it waits for the one computation",
    ));
    r.measures.push(measure(
        "service",
        "leadership page after one pushed run",
        &[again_s],
        None,
        &[],
        "Cache-Control: no-cache after one run of one workflow: the parts of that workflow are computed, the rest kept",
    ));
    r.measures.push(measure(
        "service",
        "compare over every workflow (HTTP, computed)",
        &[compare_s],
        None,
        &[],
        "GET /api/v1/compare with Cache-Control: no-cache, whole year",
    ));
    r.ratios.push(target(
        "leadership page from nothing (s)",
        page_s,
        10.0,
        "< 10 s",
    ));
    r.ratios.push(target(
        "compare over every workflow (s)",
        compare_s,
        3.0,
        "< 3 s",
    ));

    // 2. One post after another: here, and on the demo company.
    say("service: sequential posts");
    let here = rt.block_on(sequential_posts(addr, &workflows, "seq", 300))?;
    let demo_db = a.dir.join("service-demo.duckdb");
    yardstick::cli::load_demo(&demo_db)?;
    let demo_ids = catalogue_ids(&demo_workflows(a.dir)?)?;
    let (demo_server, _) = Server::start(a.run, &demo_db, "service-demo")?;
    let demo = rt.block_on(sequential_posts(demo_server.addr, &demo_ids, "seq", 300))?;
    demo_server.stop()?;
    for (name, lat, note) in [
        (
            format!("single post, one client, {} runs stored", r.runs),
            &here,
            "300 posts one after another; each answered 202 after its commit",
        ),
        (
            "single post, one client, the demo company (12,000 runs)".to_string(),
            &demo,
            "the same 300 posts on the demo",
        ),
    ] {
        let wall = lat.iter().sum::<f64>() / 1e3;
        r.measures.push(latencies(name, wall, lat, &[], note));
    }
    let ratio = pct(&here, 0.5) / pct(&demo, 0.5);
    r.ratios.push(Ratio {
        name: format!("post latency p50, {} runs against the demo", r.runs),
        ours: pct(&here, 0.5),
        peer: pct(&demo, 0.5),
        ratio,
        target: "within 2x".into(),
        met: ratio <= 2.0,
    });

    // 3. Pushes and reads together.
    say(&format!(
        "service: {} clients pushing, {} reading, {} s",
        a.clients, a.readers, a.seconds
    ));
    let stop = Arc::new(AtomicBool::new(false));
    let (pushes, reads, wall) = rt.block_on(async {
        let mut pushers = Vec::new();
        for c in 0..a.clients {
            let (stop, workflows) = (stop.clone(), workflows.clone());
            pushers.push(tokio::spawn(async move {
                pusher(addr, c, &workflows, &stop).await
            }));
        }
        let mut readers = Vec::new();
        for c in 0..a.readers {
            let stop = stop.clone();
            readers.push(tokio::spawn(async move { reader(addr, c, &stop).await }));
        }
        let t = Instant::now();
        tokio::time::sleep(Duration::from_secs(a.seconds)).await;
        stop.store(true, Ordering::Relaxed);
        let mut pushes = Pushed::default();
        for p in pushers {
            pushes.merge(p.await??);
        }
        let wall = t.elapsed().as_secs_f64();
        let mut reads = Read::default();
        for rd in readers {
            reads.merge(rd.await??);
        }
        anyhow::Ok((pushes, reads, wall))
    })?;

    // 4. A long day of pushes, in batches.
    let soak = if a.soak_runs > 0 {
        say(&format!(
            "service: {} runs pushed in batches of {SOAK_BATCH}, 2 reading",
            a.soak_runs
        ));
        Some(rt.block_on(soak(addr, server.pid, &workflows, a.soak_runs))?)
    } else {
        None
    };
    let peak_rss = server.stop()?;

    // 5. Every acknowledged run is stored.
    let store = yardstick::store::Store::open(&db)?;
    let stored = store.stored_run_ids("bench-push")?;
    let missing = pushes
        .acked
        .iter()
        .filter(|id| !stored.contains(*id))
        .count();
    let soak_missing = soak.as_ref().map_or(0, |s| {
        s.acked
            .iter()
            .flat_map(|&(c, k)| (0..SOAK_BATCH).map(move |i| soak_id(c, k, i)))
            .filter(|id| !stored.contains(id))
            .count()
    });
    drop(store);
    let mut lat = pushes.latency_ms.clone();
    lat.sort_by(f64::total_cmp);
    let rate = pushes.latency_ms.len() as f64 / wall;
    r.measures.push(latencies(
        format!("pushes: {} clients posting single runs", a.clients),
        wall,
        &lat,
        &[peak_rss],
        &format!(
            "{} errors; {} of {} acknowledged runs missing afterwards; one in twenty posted running, then completed",
            pushes.errors,
            missing,
            pushes.acked.len()
        ),
    ));
    r.ratios.push(Ratio {
        name: "pushed runs per second".into(),
        ours: rate,
        peer: 1000.0,
        ratio: rate / 1000.0,
        target: ">= 1,000/s, p99 < 100 ms, 0 errors, none missing".into(),
        met: rate >= 1000.0 && pct(&lat, 0.99) < 100.0 && pushes.errors == 0 && missing == 0,
    });
    for (name, v) in [
        ("leadership page", &reads.page_ms),
        ("workflow page", &reads.workflow_ms),
        ("metric JSON, one quarter", &reads.metrics_ms),
    ] {
        let mut v = v.clone();
        v.sort_by(f64::total_cmp);
        r.measures.push(latencies(
            format!("reads during the pushes: {name}"),
            wall,
            &v,
            &[],
            &format!("{} readers in rotation", a.readers),
        ));
    }
    let mut all: Vec<f64> = [&reads.page_ms, &reads.workflow_ms, &reads.metrics_ms]
        .into_iter()
        .flatten()
        .copied()
        .collect();
    all.sort_by(f64::total_cmp);
    r.ratios.push(target(
        "reads during the pushes, p99 (ms)",
        pct(&all, 0.99),
        100.0,
        "< 100 ms",
    ));
    let mut lag = reads.lag_s.clone();
    lag.sort_by(f64::total_cmp);
    let worst = lag.last().copied().unwrap_or(0.0);
    r.ratios.push(target(
        "how far an answer was behind the last commit, worst (s)",
        worst,
        10.0,
        "< 10 s",
    ));
    r.checks.push(format!(
        "service: {} reads, {} read errors, {} stale answers; behind the last commit p50 {:.1} s, p99 {:.1} s, worst {:.1} s",
        all.len(),
        reads.errors,
        reads.stale,
        pct(&lag, 0.5),
        pct(&lag, 0.99),
        worst
    ));
    r.checks.push(format!(
        "service: server peak RSS {peak_rss:.0} MiB after {} pushed runs",
        pushes.latency_ms.len() + here.len()
    ));
    if let Some(s) = &soak {
        let runs = s.acked.len() as u64 * SOAK_BATCH;
        let mut lat = s.latency_ms.clone();
        lat.sort_by(f64::total_cmp);
        let mut m = latencies(
            format!("soak: {} runs pushed in batches of {SOAK_BATCH}, 4 clients", runs),
            s.wall_s,
            &lat,
            &[s.rss_mib.iter().copied().fold(0.0, f64::max)],
            &format!(
                "{} errors; {soak_missing} of {runs} acknowledged runs missing afterwards; 2 readers meanwhile; RSS sampled each second",
                s.errors
            ),
        );
        // The rate is of runs, not of posts.
        m.items = Some(runs);
        m.per_s = Some(runs as f64 / s.wall_s);
        r.measures.push(m);
        let at = |q: f64| {
            s.rss_mib
                .get(((s.rss_mib.len() as f64 - 1.0) * q).round() as usize)
                .copied()
                .unwrap_or(f64::NAN)
        };
        r.checks.push(format!(
            "service: soak: server RSS {:.0} MiB before, {:.0} MiB a quarter in, {:.0} MiB at the end of {} pushed runs (peak {:.0} MiB); {} reads, {} read errors",
            s.rss_mib.first().copied().unwrap_or(f64::NAN),
            at(0.25),
            s.rss_mib.last().copied().unwrap_or(f64::NAN),
            runs,
            s.rss_mib.iter().copied().fold(0.0, f64::max),
            s.reads,
            s.read_errors,
        ));
    }

    let _ = std::fs::remove_file(&db);
    let _ = std::fs::remove_file(&demo_db);
    Ok(())
}

/// Runs per post in the soak.
const SOAK_BATCH: u64 = 1_000;

fn soak_id(client: usize, batch: u64, i: u64) -> String {
    format!("soak-{client}-{batch}-{i}")
}

/// What the soak measured.
struct Soak {
    /// (client, batch) of every acknowledged post.
    acked: Vec<(usize, u64)>,
    latency_ms: Vec<f64>,
    errors: usize,
    wall_s: f64,
    /// The server's RSS each second, in MiB, from before the first post.
    rss_mib: Vec<f64>,
    reads: usize,
    read_errors: usize,
}

/// The resident memory of process `pid`, in MiB (Linux `/proc`).
fn rss_mib(pid: u32) -> Option<f64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let kb: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))?
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    Some(kb / 1024.0)
}

/// `runs` runs pushed as JSON arrays of SOAK_BATCH by four clients while two
/// read the pages, sampling the server's RSS each second.
async fn soak(
    addr: std::net::SocketAddr,
    pid: u32,
    workflows: &[String],
    runs: u64,
) -> anyhow::Result<Soak> {
    const CLIENTS: usize = 4;
    let batches = runs.div_ceil(SOAK_BATCH);
    let next = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let mut rss = vec![rss_mib(pid).unwrap_or(f64::NAN)];
    let t = Instant::now();
    let mut pushers = Vec::new();
    for c in 0..CLIENTS {
        let (next, workflows) = (next.clone(), workflows.to_vec());
        pushers.push(tokio::spawn(async move {
            let mut stream = connect(addr).await?;
            let mut buf = Vec::new();
            let (mut acked, mut lat, mut errors) = (Vec::new(), Vec::new(), 0usize);
            loop {
                let k = next.fetch_add(1, Ordering::Relaxed);
                if k >= batches {
                    break;
                }
                let mut body = b"[".to_vec();
                for i in 0..SOAK_BATCH {
                    if i > 0 {
                        body.push(b',');
                    }
                    let wf = &workflows[((k * SOAK_BATCH + i) as usize * 7919) % workflows.len()];
                    body.extend(run_json(&soak_id(c, k, i), wf, k * SOAK_BATCH + i, false));
                }
                body.push(b']');
                // A batch is answered 200 with its ingest report, after its
                // commit.
                match post_runs(addr, &mut stream, &mut buf, &body, 200).await? {
                    Some(ms) => {
                        lat.push(ms);
                        acked.push((c, k));
                    }
                    None => errors += 1,
                }
            }
            anyhow::Ok((acked, lat, errors))
        }));
    }
    let mut readers = Vec::new();
    for c in 0..2 {
        let stop = stop.clone();
        readers.push(tokio::spawn(async move { reader(addr, c, &stop).await }));
    }
    let sampler = {
        let stop = stop.clone();
        tokio::spawn(async move {
            let mut v = Vec::new();
            while !stop.load(Ordering::Relaxed) {
                tokio::time::sleep(Duration::from_secs(1)).await;
                if let Some(m) = rss_mib(pid) {
                    v.push(m);
                }
            }
            v
        })
    };
    let mut out = Soak {
        acked: Vec::new(),
        latency_ms: Vec::new(),
        errors: 0,
        wall_s: 0.0,
        rss_mib: Vec::new(),
        reads: 0,
        read_errors: 0,
    };
    for p in pushers {
        let (acked, lat, errors) = p.await??;
        out.acked.extend(acked);
        out.latency_ms.extend(lat);
        out.errors += errors;
    }
    out.wall_s = t.elapsed().as_secs_f64();
    stop.store(true, Ordering::Relaxed);
    for rd in readers {
        let r = rd.await??;
        out.reads += r.page_ms.len() + r.workflow_ms.len() + r.metrics_ms.len();
        out.read_errors += r.errors;
    }
    rss.extend(sampler.await?);
    out.rss_mib = rss;
    Ok(out)
}

/// A measure of `sorted` request latencies (ms) over `wall` seconds.
fn latencies(name: String, wall: f64, sorted: &[f64], rss: &[f64], note: &str) -> super::Measure {
    let mut m = measure(
        "service",
        name,
        &[wall],
        Some(sorted.len() as u64),
        rss,
        note,
    );
    m.p50_ms = Some(pct(sorted, 0.5));
    m.p99_ms = Some(pct(sorted, 0.99));
    m
}

fn target(name: &str, ours: f64, limit: f64, text: &str) -> Ratio {
    Ratio {
        name: name.into(),
        ours,
        peer: limit,
        ratio: ours / limit,
        target: text.into(),
        met: ours < limit,
    }
}

/// The demo company's catalogue (`yardstick::cli::load_demo` loads the same
/// committed file), written where the section can read it.
fn demo_workflows(dir: &Path) -> anyhow::Result<std::path::PathBuf> {
    const DEMO_WORKFLOWS: &[u8] = include_bytes!("../../fixtures/demo/workflows.csv");
    let p = dir.join("service-demo-workflows.csv");
    std::fs::write(&p, DEMO_WORKFLOWS)?;
    Ok(p)
}

#[derive(Default)]
struct Pushed {
    latency_ms: Vec<f64>,
    errors: usize,
    acked: Vec<String>,
}

impl Pushed {
    fn merge(&mut self, o: Pushed) {
        self.latency_ms.extend(o.latency_ms);
        self.errors += o.errors;
        self.acked.extend(o.acked);
    }
}

async fn pusher(
    addr: std::net::SocketAddr,
    c: usize,
    workflows: &[String],
    stop: &AtomicBool,
) -> anyhow::Result<Pushed> {
    let mut stream = connect(addr).await?;
    let mut buf = Vec::new();
    let mut out = Pushed::default();
    let mut open: Vec<(String, String, u64)> = Vec::new();
    let mut k = 0u64;
    while !stop.load(Ordering::Relaxed) {
        k += 1;
        // Every twentieth run is posted running and completed five posts later.
        let (id, wf, n, running) = if let Some(i) = open.iter().position(|o| o.2 + 5 <= k) {
            let (id, wf, n) = open.remove(i);
            (id, wf, n, false)
        } else {
            let wf = workflows[(c * 7919 + k as usize) % workflows.len()].clone();
            let id = format!("c{c}-{k}");
            let running = k.is_multiple_of(20);
            if running {
                open.push((id.clone(), wf.clone(), k));
            }
            (id, wf, k, running)
        };
        let body = run_json(&id, &wf, n, running);
        match post_runs(addr, &mut stream, &mut buf, &body, 202).await? {
            Some(ms) => {
                out.latency_ms.push(ms);
                if !running {
                    out.acked.push(id);
                }
            }
            None => out.errors += 1,
        }
    }
    Ok(out)
}

#[derive(Default)]
struct Read {
    page_ms: Vec<f64>,
    workflow_ms: Vec<f64>,
    metrics_ms: Vec<f64>,
    lag_s: Vec<f64>,
    stale: usize,
    errors: usize,
}

impl Read {
    fn merge(&mut self, o: Read) {
        self.page_ms.extend(o.page_ms);
        self.workflow_ms.extend(o.workflow_ms);
        self.metrics_ms.extend(o.metrics_ms);
        self.lag_s.extend(o.lag_s);
        self.stale += o.stale;
        self.errors += o.errors;
    }
}

async fn reader(addr: std::net::SocketAddr, c: usize, stop: &AtomicBool) -> anyhow::Result<Read> {
    let mut stream = connect(addr).await?;
    let mut buf = Vec::new();
    let mut out = Read::default();
    let mut i = c;
    while !stop.load(Ordering::Relaxed) {
        i += 1;
        let path = match i % 3 {
            0 => "/dashboards/leadership",
            1 => "/dashboards/workflow",
            _ => "/api/v1/metrics?from=2026-10-01&to=2027-01-01",
        };
        let t = Instant::now();
        match call(&mut stream, &mut buf, "GET", path, b"", "").await {
            Ok(r) if r.status == 200 => {
                let ms = t.elapsed().as_secs_f64() * 1e3;
                match i % 3 {
                    0 => out.page_ms.push(ms),
                    1 => out.workflow_ms.push(ms),
                    _ => out.metrics_ms.push(ms),
                }
                // A stale answer is behind the last commit by at least the
                // age of its data.
                let lag = match (r.stale, r.as_of) {
                    (true, Some(at)) => (chrono::Utc::now().naive_utc() - at).as_seconds_f64(),
                    _ => 0.0,
                };
                out.stale += usize::from(r.stale);
                out.lag_s.push(lag.max(0.0));
            }
            Ok(_) | Err(_) => {
                out.errors += 1;
                stream = connect(addr).await?;
            }
        }
    }
    Ok(out)
}
