//! The Spark engine against the DuckDB engine: the same reports from a real
//! multi-process Spark cluster (through Spark Connect, over a lake snapshot
//! published from the store) must equal the DuckDB file's, every field, to
//! 1e-9 relative, on the golden fixtures and on the shared real event logs.
//!
//! The test starts its own cluster with `.ci/spark-cluster` (a master, two
//! workers and a Spark Connect server on loopback, on free ports, with its
//! state in a temporary folder; pyspark is installed into a virtual
//! environment on first use) and stops it at the end. It needs Java 17 and
//! python3; without them it fails and says so, unless `YARDSTICK_SKIP_SPARK=1`
//! is set (local runs only; CI never sets it). With `YARDSTICK_SPARK_URL` set
//! it uses that server instead. The lake directory must be readable by the
//! cluster at the same path, which a loopback cluster's is. A cluster the
//! test starts also reads a lake on S3 (moto's server, see object_lake.rs)
//! through `s3a://`; with an external cluster that part is left out.

use std::path::Path;
use std::sync::Arc;

use serde_json::Value;
use yardstick::dashboard::{self, Filters};
use yardstick::engine::follow::Following;
use yardstick::engine::spark::SparkEngine;
use yardstick::engine::Engine;
use yardstick::http::AppState;
use yardstick::ingest::eventlog::{LogFormat, LogOptions};
use yardstick::ingest::{self, Options};
use yardstick::metrics::compare::BaselineChoice;
use yardstick::metrics::trend::Granularity;
use yardstick::metrics::Period;
use yardstick::model::{parse_timestamp_or_date, Kind};
use yardstick::report::{self, CompareRequest};
use yardstick::store::Store;

use crate::{golden_store, ingest_file};

/// A Spark Connect server for the test: started here (and stopped when
/// dropped), or the one `YARDSTICK_SPARK_URL` names.
struct Cluster {
    url: String,
    started: Option<(tempfile::TempDir, Vec<(&'static str, String)>)>,
}

impl Drop for Cluster {
    fn drop(&mut self) {
        if let Some((_, env)) = &self.started {
            let _ = crate::ci_script("spark-cluster", "stop", env);
        }
    }
}

/// The cluster; with `s3`, one that reads `s3a://` from that endpoint.
fn cluster(s3: Option<&str>) -> Option<Cluster> {
    if let Ok(url) = std::env::var("YARDSTICK_SPARK_URL") {
        if !url.is_empty() {
            return Some(Cluster { url, started: None });
        }
    }
    if std::env::var_os("YARDSTICK_SKIP_SPARK").is_some() {
        return None;
    }
    let state = tempfile::tempdir().unwrap();
    let mut env = vec![
        ("SPARK_STATE", state.path().display().to_string()),
        ("MASTER_PORT", crate::free_port().to_string()),
        ("CONNECT_PORT", crate::free_port().to_string()),
        ("WORKERS", "2".to_string()),
    ];
    if let Some(endpoint) = s3 {
        env.push(("S3_ENDPOINT", endpoint.to_string()));
        env.push(("AWS_ACCESS_KEY_ID", crate::object_lake::KEY.to_string()));
        env.push(("AWS_SECRET_ACCESS_KEY", crate::object_lake::KEY.to_string()));
    }
    let started = std::time::Instant::now();
    let out = crate::ci_script("spark-cluster", "start", &env);
    let cluster = Cluster {
        url: String::from_utf8_lossy(&out.stdout)
            .lines()
            .last()
            .unwrap_or_default()
            .to_string(),
        started: Some((state, env)),
    };
    assert!(
        out.status.success() && cluster.url.starts_with("sc://"),
        "the Spark cluster did not start (it needs Java 17 and python3; \
         YARDSTICK_SKIP_SPARK=1 skips this test): {}",
        String::from_utf8_lossy(&out.stderr)
    );
    eprintln!(
        "spark: a master, two workers and Spark Connect at {} up in {:.1} s",
        cluster.url,
        started.elapsed().as_secs_f64()
    );
    Some(cluster)
}

/// Every number of `a` within 1e-9 relative of `b`'s, everything else equal;
/// `path` names the place of a difference.
fn assert_close(a: &Value, b: &Value, path: &str) {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => {
            let (x, y) = (x.as_f64().unwrap(), y.as_f64().unwrap());
            let scale = x.abs().max(y.abs());
            assert!(
                x == y || (x - y).abs() <= 1e-9 * scale,
                "{path}: duckdb {x}, spark {y}"
            );
        }
        (Value::Array(x), Value::Array(y)) => {
            assert_eq!(x.len(), y.len(), "{path}: lengths differ");
            for (i, (p, q)) in x.iter().zip(y).enumerate() {
                assert_close(p, q, &format!("{path}[{i}]"));
            }
        }
        (Value::Object(x), Value::Object(y)) => {
            let kx: Vec<_> = x.keys().collect();
            let ky: Vec<_> = y.keys().collect();
            assert_eq!(kx, ky, "{path}: fields differ");
            for (k, p) in x {
                assert_close(p, &y[k], &format!("{path}.{k}"));
            }
        }
        _ => assert_eq!(a, b, "{path}"),
    }
}

/// Every report the Spark engine serves, from both engines, for `cases`
/// periods and the catalogue's automated workflows; returns how many fields
/// were compared.
fn same_reports(
    store: &Store,
    spark: &SparkEngine,
    what: &str,
    periods: &[(Option<&str>, Option<&str>)],
    as_of: &[Option<chrono::NaiveDateTime>],
) -> usize {
    let mut fields = 0;
    // One figure from each engine (0: the store, 1: Spark), held equal.
    let mut same = |name: String, f: &dyn Fn(usize, &dyn Engine) -> Value| {
        let (a, b) = (f(0, store), f(1, spark));
        fields += count_leaves(&a);
        assert_close(&a, &b, &name);
    };
    assert_eq!(
        store.run_span().unwrap(),
        Engine::run_span(spark).unwrap(),
        "{what}: run span"
    );
    for &t in as_of {
        same(format!("{what} catalogue as of {t:?}"), &|_, e| {
            serde_json::to_value(e.catalogue(t).unwrap()).unwrap()
        });
        same(format!("{what} workflow list as of {t:?}"), &|_, e| {
            serde_json::to_value(e.workflows(t).unwrap()).unwrap()
        });
        same(format!("{what} backlog as of {t:?}"), &|_, e| {
            serde_json::to_value(report::backlog(e, t).unwrap()).unwrap()
        });
        for &(from, to) in periods {
            same(
                format!("{what} metrics {from:?}..{to:?} as of {t:?}"),
                &|_, e| {
                    let period = report::resolve_period(e, from, to).unwrap().unwrap();
                    report::metric_table_as_of(e, period, &[], t)
                        .unwrap()
                        .to_json()
                        .unwrap()
                },
            );
            if t.is_none() {
                for id in store.workflow_ids().unwrap() {
                    same(format!("{what} steps of {id} {from:?}..{to:?}"), &|_, e| {
                        let (p, table) = report::steps(e, &id, from, to).unwrap();
                        serde_json::json!({"period": p, "steps": table})
                    });
                }
                for d in dashboard::spec::load(None).unwrap() {
                    let filters = Filters {
                        from: from.map(str::to_string),
                        to: to.map(str::to_string),
                        ..Filters::default()
                    };
                    // The versions and by-segment panels are DuckDB's alone
                    // (runs by version or attribute are not read by Spark
                    // yet): Spark's say so, and the other panels are equal.
                    same(
                        format!("{what} dashboard {} {from:?}..{to:?}", d.name),
                        &|i, e| {
                            let c = dashboard::compute_in(e, &d, filters.clone(), None).unwrap();
                            c.panels()
                                .filter(|(panel, table)| {
                                    let note = match panel.id.as_str() {
                                        "versions" => "Versions are not listed",
                                        "by-segment" => "Segments are not shown",
                                        _ => return true,
                                    };
                                    if i == 1 {
                                        assert!(
                                            table.rows.is_empty()
                                                && table.notes.iter().any(|n| n.starts_with(note)),
                                            "{:?}",
                                            table.notes
                                        );
                                    }
                                    false
                                })
                                .map(|(panel, table)| dashboard::export::json(&c, panel, table))
                                .collect()
                        },
                    );
                }
            }
            for (g, tz) in [
                (Granularity::Week, "UTC"),
                (Granularity::Month, "America/New_York"),
            ] {
                same(
                    format!("{what} trend {g:?} {tz} {from:?}..{to:?} as of {t:?}"),
                    &|_, e| {
                        report::trend(e, g, tz, from, to, &[], t)
                            .unwrap()
                            .to_json()
                            .unwrap()
                    },
                );
            }
            for baseline in [None, Some(BaselineChoice::Both)] {
                let req = CompareRequest {
                    as_of: t.map(yardstick::model::format_timestamp),
                    workflows: Vec::new(),
                    from: None,
                    to: to.map(str::to_string),
                    baseline,
                    seed: Some(7),
                    resamples: Some(400),
                    interval: None,
                    segments: Default::default(),
                };
                same(
                    format!("{what} compare {baseline:?} ..{to:?} as of {t:?}"),
                    &|_, e| serde_json::to_value(report::compare(e, &req).unwrap()).unwrap(),
                );
            }
        }
    }
    fields
}

fn count_leaves(v: &Value) -> usize {
    match v {
        Value::Array(a) => a.iter().map(count_leaves).sum(),
        Value::Object(o) => o.values().map(count_leaves).sum(),
        _ => 1,
    }
}

/// Publishes the store to the lake; the publish itself checks that every
/// table's rows arrived.
fn publish(store: &Store, dir: &Path) {
    let manifest = store.publish_lake(dir).unwrap();
    assert!(manifest.rows["runs"] > 0, "{manifest:?}");
}

/// One test, one cluster: the golden fixtures, then the shared logs, then
/// the golden fixtures again from a lake on S3 (moto's server; the cluster
/// reads it through `s3a://`).
#[test]
fn spark_equals_duckdb_on_the_golden_fixtures_and_the_shared_logs() {
    let external = std::env::var("YARDSTICK_SPARK_URL").is_ok_and(|u| !u.is_empty());
    if !external && std::env::var_os("YARDSTICK_SKIP_SPARK").is_some() {
        return;
    }
    let moto = if external {
        None
    } else {
        crate::object_lake::moto()
    };
    let Some(cluster) = cluster(moto.as_ref().map(|m| m.endpoint.as_str())) else {
        return;
    };
    let t = std::time::Instant::now();
    outcomes(&cluster.url);
    eprintln!(
        "spark: declared outcomes equal in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    let t = std::time::Instant::now();
    golden(&cluster.url);
    eprintln!(
        "spark: golden fixtures equal in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    match &moto {
        Some(moto) => {
            let t = std::time::Instant::now();
            golden_on_s3(&cluster.url, moto);
            eprintln!(
                "spark: golden fixtures from S3 equal in {:.1} s",
                t.elapsed().as_secs_f64()
            );
        }
        None => eprintln!(
            "spark: the S3 lake is not checked (an external cluster, or YARDSTICK_SKIP_S3)"
        ),
    }
    let t = std::time::Instant::now();
    shared_logs(&cluster.url);
    eprintln!(
        "spark: shared logs equal in {:.1} s",
        t.elapsed().as_secs_f64()
    );
}

/// A catalogue that declares outcomes (a scale with a target, a rate), runs
/// that carry them (as `outcome_<name>` and as `<name>`, one unreadable),
/// and a time study that recorded them (tests/it/outcomes.rs): `report
/// outcomes`, the metric table's outcome columns, the comparisons' outcome
/// rows and the Quality panel the same from both engines.
fn outcomes(url: &str) {
    let store = crate::outcomes::store();
    crate::outcomes::with_study(&store);
    let lake = tempfile::tempdir().unwrap();
    publish(&store, lake.path());
    let spark = SparkEngine::connect(url, lake.path()).unwrap();
    let req = crate::outcomes::req();
    let (a, b) = (
        report::outcomes::outcomes(&store, &req).unwrap(),
        report::outcomes::outcomes(&spark, &req).unwrap(),
    );
    // Not vacuous: both outcomes of `care`, each with runs on both sides.
    assert_eq!(a.rows.len(), 2, "{a:?}");
    assert!(a.rows.iter().all(|r| r.before_n > 0 && r.after_n > 0));
    assert_close(
        &serde_json::to_value(&a).unwrap(),
        &serde_json::to_value(&b).unwrap(),
        "outcomes report",
    );
    let fields = same_reports(
        &store,
        &spark,
        "outcomes",
        &[(Some("2026-01-01"), Some("2026-03-01"))],
        &[None],
    );
    eprintln!("spark: outcomes: {fields} fields equal");
}

fn golden(url: &str) {
    let store = golden_store();
    let before_second = store.batches(10).unwrap()[0].received_at;
    std::thread::sleep(std::time::Duration::from_millis(20));
    ingest_file(&store, Kind::Runs, "golden/runs_batch2.ndjson");
    // A later catalogue version dates new terms in mid-January (wf-a's hourly
    // cost and cycle SLA, wf-b's B), so both engines value each run by the
    // terms at its anchor, and as of `before_second` by the old ones.
    let dated = "workflow_id,name,owner,team,category,hourly_cost,currency,sla_response_minutes,sla_cycle_minutes,automated_since,baseline_minutes_per_item,effective_from\n\
                 wf-a,Lead intake,Ana Lopez,Sales Ops,intake,60,EUR,10,60,2026-01-01,,\n\
                 wf-a,Lead intake,Ana Lopez,Sales Ops,intake,80,EUR,10,30,2026-01-01,,2026-01-15T12:00:00Z\n\
                 wf-b,Invoice matching,Ben Okafor,Finance,invoicing,50,USD,,120,2026-01-10T00:00:00Z,12,\n\
                 wf-b,Invoice matching,Ben Okafor,Finance,invoicing,50,USD,,120,2026-01-10T00:00:00Z,20,2026-01-15\n";
    let r = crate::ingest_text(
        &store,
        Kind::Workflows,
        ingest::Format::Csv,
        "dated",
        dated,
        Options::default(),
    )
    .unwrap();
    assert_eq!((r.written, r.replaced), (4, 2), "{r:?}");
    let lake = tempfile::tempdir().unwrap();
    publish(&store, lake.path());
    let spark = SparkEngine::connect(url, lake.path()).unwrap();
    let fields = same_reports(
        &store,
        &spark,
        "golden",
        &[
            (None, None),
            (Some("2026-01-01"), Some("2026-02-01")),
            (Some("2026-01-10T06:30:00Z"), Some("2026-01-20")),
        ],
        &[None, Some(before_second)],
    );
    assert!(fields > 1000, "only {fields} fields compared");
    // The server on the lake through Spark (`serve --engine spark`) answers
    // every read route as the server on the file does.
    let (cluster_url, root) = (
        url.to_string(),
        yardstick::lake::Root::Dir(lake.path().into()),
    );
    let open_root = root.clone();
    let following = Following::open(
        root,
        Box::new(move || {
            Ok(Arc::new(SparkEngine::connect(
                &cluster_url,
                open_root.clone(),
            )?))
        }),
    )
    .unwrap();
    let on_spark = AppState::open(store.clone()).from_lake(following, "spark".into());
    let file = AppState::open(store.clone());
    let served = tokio::runtime::Runtime::new()
        .unwrap()
        .block_on(crate::lake_server::answers(&file, &on_spark));
    for (uri, a, b) in &served {
        assert_close(a, b, &format!("served {uri}"));
    }
    // One workflow, through the filter.
    let period = report::resolve_period(&store, None, None).unwrap().unwrap();
    // The waterfall, each run at the terms of its anchor, as of now and before
    // the dated catalogue.
    for as_of in [None, Some(before_second)] {
        assert_close(
            &serde_json::to_value(report::waterfall(&store, period, &[], as_of).unwrap()).unwrap(),
            &serde_json::to_value(report::waterfall(&spark, period, &[], as_of).unwrap()).unwrap(),
            "golden waterfall",
        );
    }
    let wf = vec!["wf-b".to_string()];
    assert_close(
        &report::metric_table(&store, period, &wf)
            .unwrap()
            .to_json()
            .unwrap(),
        &report::metric_table(&spark, period, &wf)
            .unwrap()
            .to_json()
            .unwrap(),
        "golden metrics wf-b",
    );
    // The cluster may name the lake otherwise than this machine does
    // (--spark-lake): here as a file:// URL of the same directory.
    let named = format!("file://{}", lake.path().display());
    let renamed = SparkEngine::connect_with(url, lake.path(), Some(named.as_str())).unwrap();
    assert_close(
        &report::metric_table(&store, period, &[])
            .unwrap()
            .to_json()
            .unwrap(),
        &report::metric_table(&renamed, period, &[])
            .unwrap()
            .to_json()
            .unwrap(),
        "golden metrics, the lake named by a file:// URL",
    );
    // A cluster root that names nothing there is an error that says where.
    let e = SparkEngine::connect_with(url, lake.path(), Some("file:///no/such/lake"))
        .err()
        .unwrap()
        .to_string();
    assert!(e.contains("file:///no/such/lake/snapshots/"), "{e}");
    // A publish after a change moves the engine to the new snapshot.
    let late = r#"{"source": "s9", "run_id": "z1", "workflow_id": "wf-a", "started_at": "2026-02-10T09:00:00Z", "finished_at": "2026-02-10T09:30:00Z", "status": "succeeded"}"#;
    let input = ingest::Input {
        kind: Kind::Runs,
        format: ingest::Format::Ndjson,
        origin: "inline",
        bytes: late.as_bytes(),
    };
    assert_eq!(
        ingest::ingest(&store, &input, Options::default())
            .unwrap()
            .written,
        1
    );
    let p = Period::new(
        parse_timestamp_or_date("2026-01-01").unwrap(),
        parse_timestamp_or_date("2026-03-01").unwrap(),
    )
    .unwrap();
    let stale = report::metric_table(&spark, p, &[])
        .unwrap()
        .to_json()
        .unwrap();
    publish(&store, lake.path());
    let fresh = report::metric_table(&spark, p, &[])
        .unwrap()
        .to_json()
        .unwrap();
    assert_ne!(stale, fresh, "the new run shows after the publish");
    assert_close(
        &report::metric_table(&store, p, &[])
            .unwrap()
            .to_json()
            .unwrap(),
        &fresh,
        "golden metrics after a second publish",
    );
}

/// The golden store published to an S3 bucket and read by Spark there.
fn golden_on_s3(url: &str, moto: &crate::object_lake::Moto) {
    let store = golden_store();
    ingest_file(&store, Kind::Runs, "golden/runs_batch2.ndjson");
    let root = moto.root("spark-lake", "golden");
    assert!(root.to_string().starts_with("s3://spark-lake/golden"));
    let manifest = store.publish_lake(&root).unwrap();
    assert!(manifest.rows["runs"] > 0, "{manifest:?}");
    let spark = SparkEngine::connect(url, &root).unwrap();
    let fields = same_reports(
        &store,
        &spark,
        "golden on S3",
        &[
            (None, None),
            (Some("2026-01-10T06:30:00Z"), Some("2026-01-20")),
        ],
        &[None],
    );
    assert!(fields > 300, "only {fields} fields compared");
}

fn shared_logs(url: &str) {
    let Some(dir) = crate::eventlog::shared_logs() else {
        return;
    };
    let store = Store::open_in_memory().unwrap();
    // The logs' catalogue, with go-live dates inside each log's span, SLAs and
    // costs, so that compare, reclaimed hours and SLA compliance have values.
    let catalogue = "workflow_id,name,owner,team,category,hourly_cost,currency,\
sla_response_minutes,sla_cycle_minutes,automated_since,baseline_minutes_per_item
running-example,Running example,PM,Research,other,55,EUR,60,20000,2011-01-05,45
helpdesk,Helpdesk tickets,Service Desk,Support,intake,40,EUR,30,50000,2012-01-01,25
receipt,Building-permit receipt,Municipality,Permits,intake,48.5,EUR,,3000,2011-06-01,12.5
bpic2012,Loan applications,Loans Office,Lending,other,70,EUR,10,20000,2012-01-01,35
";
    let input = ingest::Input {
        kind: Kind::Workflows,
        format: ingest::Format::Csv,
        origin: "inline",
        bytes: catalogue.as_bytes(),
    };
    assert!(
        ingest::ingest(&store, &input, Options::default())
            .unwrap()
            .stored
    );
    let mut logs = Vec::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let Some(format) = LogFormat::from_path(&name) else {
            continue;
        };
        let log = name.split('.').next().unwrap().to_string();
        if !store.workflow_ids().unwrap().contains(&log) {
            continue;
        }
        let f = std::fs::File::open(&path).unwrap();
        let rep = ingest::ingest_eventlog(
            &store,
            f,
            &name,
            format,
            &LogOptions::new(&log, &log),
            Options::default(),
        )
        .unwrap();
        assert!(rep.stored, "{name}: {rep:?}");
        logs.push(log);
    }
    assert!(logs.len() >= 4, "found only {logs:?} in {}", dir.display());
    let lake = tempfile::tempdir().unwrap();
    publish(&store, lake.path());
    let spark = SparkEngine::connect(url, lake.path()).unwrap();
    let fields = same_reports(
        &store,
        &spark,
        "event logs",
        &[(None, None), (Some("2011-10-01"), Some("2012-03-01"))],
        &[None],
    );
    assert!(fields > 1000, "only {fields} fields compared");
}
