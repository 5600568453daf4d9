//! The `spark` section of `yardstick-bench`: the lake publish, and the full
//! metric table (every workflow, the whole year of runs, and one quarter) on
//! DuckDB reading the file, DuckDB reading the lake, and Spark through Spark
//! Connect on a loopback standalone cluster of one and of two workers (one
//! core each), started and stopped with `.ci/spark-cluster`. Every engine's
//! table is checked against the file's before it is timed.

use std::path::Path;
use std::process::Command;
use std::time::Instant;

use anyhow::{bail, Context};

use super::{compare_tables, measure, stats, Results};
use yardstick::engine::spark::SparkEngine;
use yardstick::engine::{Engine, Scope};
use yardstick::metrics::{Period, DEFAULT_LEAK_HORIZON_DAYS};
use yardstick::store::Store;

/// The cluster script, relative to the project's root (the harness's working
/// directory); `YARDSTICK_SPARK_CLUSTER` overrides it.
fn cluster_script() -> String {
    std::env::var("YARDSTICK_SPARK_CLUSTER").unwrap_or_else(|_| ".ci/spark-cluster".into())
}

fn cluster(action: &str, workers: usize) -> anyhow::Result<String> {
    let script = cluster_script();
    let out = Command::new("bash")
        .arg(&script)
        .arg(action)
        .env("WORKERS", workers.to_string())
        // A metric table over millions of runs keeps every value of four
        // percentiles per group: give the executors room.
        .env("WORKER_MEMORY", "5g")
        .env("EXECUTOR_MEMORY", "4g")
        .output()
        .with_context(|| format!("cannot run {script}"))?;
    if !out.status.success() {
        bail!(
            "{script} {action} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Ok(String::from_utf8_lossy(&out.stdout)
        .lines()
        .last()
        .unwrap_or_default()
        .to_string())
}

/// Stops the cluster when dropped, so a failed measurement leaves no JVMs.
struct Running(usize);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = cluster("stop", self.0);
    }
}

pub(crate) fn run(
    r: &mut Results,
    dir: &Path,
    ours_db: &Path,
    repeat: usize,
    quarter: Period,
    cluster_sizes: &[usize],
) -> anyhow::Result<()> {
    let say = |m: &str| eprintln!("bench: {m}");
    let store = Store::open(ours_db)?;
    let Some((a, b)) = store.run_span()? else {
        bail!("the benchmark database holds no runs");
    };
    let year = Period::covering(a, b);
    let lake = dir.join("lake");
    say("publishing the lake");
    let t = Instant::now();
    let manifest = store.publish_lake(lake.as_path())?;
    let publish_s = t.elapsed().as_secs_f64();
    let runs = manifest.rows.get("runs").copied().unwrap_or(0);
    r.measures.push(measure(
        "spark",
        "lake publish: every table to a new Parquet snapshot, checked and committed",
        &[publish_s],
        Some(runs),
        &[],
        "runs partitioned by anchor month, zstd",
    ));
    let periods = [("the whole year", year), ("one quarter", quarter)];
    let reference: Vec<_> = periods
        .iter()
        .map(|(_, p)| store.metric_frame(p.from, p.to, DEFAULT_LEAK_HORIZON_DAYS, Scope::default()))
        .collect::<Result<_, _>>()?;
    let time = |e: &dyn Engine, p: Period| -> anyhow::Result<Vec<f64>> {
        let mut v = Vec::new();
        for _ in 0..repeat {
            let t = Instant::now();
            e.metric_frame(p.from, p.to, DEFAULT_LEAK_HORIZON_DAYS, Scope::default())?;
            v.push(t.elapsed().as_secs_f64());
        }
        Ok(v)
    };
    let mut year_s = Vec::new();
    let on_lake = Store::open_lake(lake.as_path())?;
    let engines: [(&str, &dyn Engine); 2] =
        [("DuckDB, the file", &store), ("DuckDB, the lake", &on_lake)];
    for (name, engine) in engines {
        for (i, (what, p)) in periods.iter().enumerate() {
            say(&format!("{name}: {what}"));
            let diff = compare_tables(
                &engine.metric_frame(p.from, p.to, DEFAULT_LEAK_HORIZON_DAYS, Scope::default())?,
                &reference[i],
            )?;
            if diff > 1e-9 {
                bail!("{name} differs from the file by {diff:e} ({what})");
            }
            let v = time(engine, *p)?;
            if i == 0 {
                year_s.push((name.to_string(), 2usize, stats(&v).0));
            }
            r.measures.push(measure(
                "spark",
                format!("metric table, all workflows, {what}: {name}"),
                &v,
                None,
                &[],
                "2 threads",
            ));
        }
    }
    for &workers in cluster_sizes.iter().filter(|&&w| w > 0) {
        say(&format!("starting a Spark cluster of {workers} worker(s)"));
        let t = Instant::now();
        let url = cluster("start", workers)?;
        let _running = Running(workers);
        let started = t.elapsed().as_secs_f64();
        let spark = SparkEngine::connect(&url, lake.as_path())?;
        for (i, (what, p)) in periods.iter().enumerate() {
            say(&format!("Spark, {workers} worker(s): {what}"));
            // The first query also warms the JVMs up; it is the check, untimed.
            let diff = compare_tables(
                &spark.metric_frame(p.from, p.to, DEFAULT_LEAK_HORIZON_DAYS, Scope::default())?,
                &reference[i],
            )?;
            r.checks.push(format!(
                "Spark on {workers} worker(s) = DuckDB on the file, {what}: largest relative difference {diff:.1e}"
            ));
            if diff > 1e-9 {
                bail!("Spark differs from the file by {diff:e} ({what})");
            }
            let v = time(&spark, *p)?;
            if i == 0 {
                year_s.push((format!("Spark, {workers} worker(s)"), workers, stats(&v).0));
            }
            r.measures.push(measure(
                "spark",
                format!(
                    "metric table, all workflows, {what}: Spark, {workers} worker(s) of 1 core"
                ),
                &v,
                None,
                &[],
                format!("cluster up in {started:.0} s; Spark Connect on loopback"),
            ));
        }
    }
    // Throughput per core over the whole year, the basis of the crossover
    // estimate in the README.
    let duck = year_s[0].2;
    for (name, cores, secs) in &year_s {
        let per_core = runs as f64 / secs / *cores as f64;
        r.checks.push(format!(
            "{name}: {runs} run versions in {secs:.2} s = {per_core:.0} runs/s per core ({:.1}× DuckDB on the file's time)",
            secs / duck
        ));
    }
    Ok(())
}
