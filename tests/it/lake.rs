//! The lake (Parquet snapshots of the store): its layout, its commit, and
//! DuckDB reading it giving the same reports as the file. Spark over the same
//! lake is tested in spark.rs.

use std::collections::BTreeSet;

use serde_json::Value;
use yardstick::engine::Engine;
use yardstick::lake;
use yardstick::metrics::trend::Granularity;
use yardstick::model::Kind;
use yardstick::report;
use yardstick::store::Store;

use crate::{dir_names, golden_store, ingest_file};

fn months(root: &std::path::Path) -> BTreeSet<String> {
    let (dir, _) = lake::current(root).unwrap();
    dir_names(&dir.join("runs"))
}

#[test]
fn a_publish_writes_every_version_partitioned_by_month_and_replaces_the_last() {
    let store = golden_store();
    ingest_file(&store, Kind::Runs, "golden/runs_batch2.ndjson");
    let root = tempfile::tempdir().unwrap();
    assert!(
        matches!(lake::current(root.path()), Err(lake::LakeError::Empty(_))),
        "an empty root has no snapshot"
    );
    let first = store.publish_lake(root.path()).unwrap();
    // The golden runs are anchored in January 2026.
    let m = months(root.path());
    assert!(m.contains("anchor_month=202601"), "{m:?}");
    assert!(m.iter().all(|d| d.starts_with("anchor_month=")), "{m:?}");
    let lake_store = Store::open_lake(root.path()).unwrap();
    for t in lake::TABLES {
        assert!(first.rows.contains_key(t), "{t} in {first:?}");
        assert!(
            first.files.keys().any(|f| f.starts_with(&format!("{t}/"))),
            "a file of {t} in {first:?}"
        );
    }
    // The manifest lists every file with its size.
    let (dir, _) = lake::current(root.path()).unwrap();
    assert_eq!(lake::files_of(&dir).unwrap(), first.files);
    // Sending the latest file again changes nothing, so a second publish
    // holds the same rows: re-ingest replaces, never duplicates.
    let again = ingest_file(&store, Kind::Runs, "golden/runs_batch2.ndjson");
    assert_eq!(again.written, 0, "{again:?}");
    let second = store.publish_lake(root.path()).unwrap();
    assert_ne!(first.snapshot, second.snapshot);
    assert_eq!(first.rows["runs"], second.rows["runs"]);
    assert_eq!(
        second.rows["ingest_batches"],
        first.rows["ingest_batches"] + 1,
        "the batch that stored nothing is still recorded"
    );
    assert_eq!(lake::current(root.path()).unwrap().1, second);
    // The snapshot just replaced is kept for readers still on it; a third
    // publish removes the first.
    let third = store.publish_lake(root.path()).unwrap();
    assert_eq!(
        dir_names(&root.path().join("snapshots")),
        BTreeSet::from([second.snapshot.clone(), third.snapshot.clone()])
    );
    // A store opened on the lake reads the snapshot of its opening, kept
    // through one later publish (the first is gone now); open afresh.
    drop(lake_store);
    let fresh = Store::open_lake(root.path()).unwrap();
    assert_eq!(fresh.run_span().unwrap(), store.run_span().unwrap());
}

#[test]
fn an_unfinished_snapshot_is_never_visible() {
    let store = golden_store();
    let root = tempfile::tempdir().unwrap();
    let committed = store.publish_lake(root.path()).unwrap();
    // A publish that stops before its commit (a crash, a full disk) leaves
    // files behind but CURRENT names the committed snapshot.
    let pending = lake::begin(root.path()).unwrap();
    std::fs::create_dir_all(pending.table_dir("runs").join("anchor_month=202601")).unwrap();
    std::fs::write(
        pending
            .table_dir("runs")
            .join("anchor_month=202601/part-0.parquet"),
        b"not parquet",
    )
    .unwrap();
    drop(pending);
    assert_eq!(lake::current(root.path()).unwrap().1, committed);
    let lake_store = Store::open_lake(root.path()).unwrap();
    assert_eq!(lake_store.run_span().unwrap(), store.run_span().unwrap());
    // The next publish removes the leftovers.
    let next = store.publish_lake(root.path()).unwrap();
    assert_eq!(
        dir_names(&root.path().join("snapshots")),
        BTreeSet::from([committed.snapshot, next.snapshot.clone()])
    );
    // A manifest of a newer format, or of another snapshot, is refused.
    let manifest_file = root
        .path()
        .join("snapshots")
        .join(&next.snapshot)
        .join("MANIFEST.json");
    let text = std::fs::read_to_string(&manifest_file).unwrap();
    std::fs::write(
        &manifest_file,
        text.replace("\"format\": 2", "\"format\": 9"),
    )
    .unwrap();
    let e = lake::current(root.path()).unwrap_err().to_string();
    assert!(e.contains("format 9") && e.contains("newer"), "{e}");
    std::fs::write(&manifest_file, text.replace(&next.snapshot, "someone-else")).unwrap();
    let e = lake::current(root.path()).unwrap_err().to_string();
    assert!(e.contains("describes snapshot `someone-else`"), "{e}");
    // A CURRENT that names no snapshot is an error that says so.
    std::fs::write(root.path().join("CURRENT"), "../elsewhere\n").unwrap();
    let e = lake::current(root.path()).unwrap_err().to_string();
    assert!(e.contains("not a snapshot name"), "{e}");
}

#[test]
fn a_lake_whose_files_lost_rows_is_not_read() {
    let store = golden_store();
    let root = tempfile::tempdir().unwrap();
    let manifest = store.publish_lake(root.path()).unwrap();
    // Another writer's hand, or a copy cut short: one table's file holds no
    // rows now (a valid Parquet file, the empty workflows table's schema).
    let (dir, _) = lake::current(root.path()).unwrap();
    let empty = Store::open_in_memory().unwrap();
    let other = tempfile::tempdir().unwrap();
    let empty_manifest = empty.publish_lake(other.path()).unwrap();
    let (other_dir, _) = lake::current(other.path()).unwrap();
    let file = manifest
        .files
        .keys()
        .find(|f| f.starts_with("workflows/"))
        .unwrap();
    let empty_file = empty_manifest
        .files
        .keys()
        .find(|f| f.starts_with("workflows/"))
        .unwrap();
    std::fs::copy(other_dir.join(empty_file), dir.join(file)).unwrap();
    let e = Store::open_lake(root.path()).err().unwrap().to_string();
    assert!(
        e.contains("table workflows holds 0 rows, its manifest says 4"),
        "{e}"
    );
}

#[test]
fn duckdb_on_the_lake_gives_the_files_reports() {
    let store = golden_store();
    ingest_file(&store, Kind::Runs, "golden/runs_batch2.ndjson");
    let root = tempfile::tempdir().unwrap();
    store.publish_lake(root.path()).unwrap();
    let on_lake = Store::open_lake(root.path()).unwrap();
    // Both are DuckDB running the same SQL on the same rows: equal to the bit.
    assert_eq!(reports(&store, &store), reports(&store, &on_lake));
}

#[test]
fn a_snapshot_written_before_versions_and_outcomes_is_still_read() {
    let store = golden_store();
    let root = tempfile::tempdir().unwrap();
    let manifest = store.publish_lake(root.path()).unwrap();
    let (dir, _) = lake::current(root.path()).unwrap();
    // As an earlier Yardstick wrote them: runs without `version`, the
    // catalogue and the time studies without `outcomes` (the same rows, so
    // the manifest holds).
    let conn = duckdb::Connection::open_in_memory().unwrap();
    for (file, column) in manifest.files.keys().filter_map(|f| {
        if f.starts_with("runs/") {
            Some((f, "version"))
        } else if f.starts_with("workflows/") || f.starts_with("baseline_observations/") {
            Some((f, "outcomes"))
        } else {
            None
        }
    }) {
        let path = dir.join(file);
        let old = path.with_extension("old.parquet");
        std::fs::rename(&path, &old).unwrap();
        conn.execute_batch(&format!(
            "COPY (SELECT * EXCLUDE ({column}) FROM read_parquet('{}')) TO '{}' (FORMAT parquet)",
            old.display(),
            path.display()
        ))
        .unwrap();
        std::fs::remove_file(&old).unwrap();
    }
    let on_lake = Store::open_lake(root.path()).unwrap();
    assert_eq!(reports(&store, &store), reports(&store, &on_lake));
}

/// The reports the lake engines serve (metrics, trend, compare) over the
/// store's whole span, as JSON, from `e`.
pub(crate) fn reports(store: &Store, e: &dyn Engine) -> Vec<Value> {
    let period = report::resolve_period(store, None, None).unwrap().unwrap();
    vec![
        report::metric_table(e, period, &[])
            .unwrap()
            .to_json()
            .unwrap(),
        report::trend(e, Granularity::Week, "Europe/Berlin", None, None, &[], None)
            .unwrap()
            .to_json()
            .unwrap(),
        serde_json::to_value(
            report::compare(
                e,
                &report::CompareRequest {
                    as_of: None,
                    workflows: Vec::new(),
                    from: None,
                    to: None,
                    baseline: None,
                    seed: Some(3),
                    resamples: Some(200),
                    interval: None,
                    segments: Default::default(),
                },
            )
            .unwrap(),
        )
        .unwrap(),
    ]
}
