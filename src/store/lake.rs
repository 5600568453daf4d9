//! Publishing the store's tables to the lake (layout and commit: `crate::lake`).

use std::collections::BTreeMap;
use std::path::Path;

use duckdb::{params, Connection};

use super::{Result, Store, StoreError};
use crate::lake::{self, LakeError, Manifest, Root};

const COPY_RUNS: &str = include_str!("../../queries/lake/copy_runs.sql");
const COPY_TABLE: &str = include_str!("../../queries/lake/copy_table.sql");
const COUNT: &str = include_str!("../../queries/lake/count.sql");
const COUNT_FILES: &str = include_str!("../../queries/lake/count_files.sql");
const VIEWS: &str = include_str!("../../queries/lake/views.sql");
const HAS_COLUMN: &str = include_str!("../../queries/lake/has_column.sql");
const VIEW_AS_IS: &str = include_str!("../../queries/lake/view_as_is.sql");
const VIEW_ADDED: &str = include_str!("../../queries/lake/view_added.sql");

/// The text columns added to a table after lakes were first written: (table,
/// column). Newest last.
const ADDED_COLUMNS: [(&str, &str); 3] = [
    ("runs", "version"),
    ("workflows", "outcomes"),
    ("baseline_observations", "outcomes"),
];

/// COPY takes no parameters: a path goes in as a quoted literal, its quotes
/// doubled (the one exception to "bound parameters only", as in files.rs).
fn literal(p: &Path) -> Result<String> {
    let s = p
        .to_str()
        .ok_or_else(|| StoreError::Shape(format!("path {} is not UTF-8", p.display())))?;
    Ok(s.replace('\'', "''"))
}

impl Store {
    /// DuckDB reading the lake's committed snapshot instead of a database
    /// file: an in-memory database whose tables are views over the Parquet
    /// files, for reports on a node that has the lake but not the file. Every
    /// query in `queries/` runs on it unchanged; it is for reading (an ingest
    /// into it fails, as its tables are views). An object store lake is read
    /// through its local mirror under `lake::object::mirror_cache()`.
    pub fn open_lake(root: impl Into<Root>) -> Result<Store> {
        Store::open_lake_cached(root, &lake::object::mirror_cache())
    }

    /// `open_lake` with the folder an object store lake is mirrored into.
    pub fn open_lake_cached(root: impl Into<Root>, cache: &Path) -> Result<Store> {
        let local = match root.into() {
            Root::Dir(dir) => dir,
            Root::Object(o) => o.mirror(cache).map_err(lake_error)?,
        };
        let (dir, manifest) = lake::current(&local).map_err(lake_error)?;
        let store = Store::open_in_memory()?;
        {
            let conn = store.lock()?;
            conn.execute_batch(&VIEWS.replace("__DIR__", &literal(&dir)?))?;
            // A snapshot written before a column was added has no such
            // column: its view gains it, empty (identifiers from this list
            // only, never from input).
            for (table, column) in ADDED_COLUMNS {
                let has: i64 = conn.query_row(
                    HAS_COLUMN,
                    duckdb::params![format!("lake_{table}"), column],
                    |r| r.get(0),
                )?;
                let view = if has == 0 { VIEW_ADDED } else { VIEW_AS_IS };
                conn.execute_batch(
                    &view
                        .replace("__TABLE__", table)
                        .replace("__COLUMN__", column),
                )?;
            }
            // The files hold what the manifest says, or the lake is not read.
            for table in lake::TABLES {
                let found: i64 =
                    conn.query_row(&COUNT.replace("__TABLE__", table), [], |r| r.get(0))?;
                let expected = manifest.rows.get(table).copied();
                if expected != Some(found as u64) {
                    return Err(StoreError::Lake(format!(
                        "lake `{}`: snapshot {}: table {table} holds {found} rows, its manifest says {}",
                        local.display(),
                        manifest.snapshot,
                        expected.map_or("nothing".to_string(), |n| n.to_string())
                    )));
                }
            }
        }
        Ok(store)
    }

    /// Writes every table the engines read into a new lake snapshot under
    /// `root` and commits it (see `crate::lake`): all tables from one
    /// consistent read of the store, each checked row for row, visible only
    /// once whole. For an object store root the snapshot is staged under the
    /// temporary directory ($TMPDIR), then uploaded and committed. Returns the
    /// snapshot's manifest.
    pub fn publish_lake(&self, root: impl Into<Root>) -> Result<Manifest> {
        match root.into() {
            Root::Dir(dir) => self.publish_to(&dir, |pending, manifest| pending.commit(manifest)),
            Root::Object(o) => {
                let stage = std::env::temp_dir().join(format!(
                    "yardstick-lake-stage-{}-{}",
                    std::process::id(),
                    chrono::Utc::now().timestamp_micros()
                ));
                let out =
                    self.publish_to(&stage, |pending, manifest| o.commit(&pending.dir, manifest));
                let _ = std::fs::remove_dir_all(&stage);
                out
            }
        }
    }

    /// Writes a snapshot under the directory `root` and hands it to `commit`.
    fn publish_to(
        &self,
        root: &Path,
        commit: impl FnOnce(lake::Pending, &Manifest) -> std::result::Result<(), LakeError>,
    ) -> Result<Manifest> {
        let pending = lake::begin(root).map_err(lake_error)?;
        let conn = self.reader()?;
        let written = write_snapshot(&conn, &pending)
            .and_then(|rows| Ok((rows, lake::files_of(&pending.dir).map_err(lake_error)?)));
        match written {
            Ok((rows, files)) => {
                let manifest = Manifest {
                    format: lake::FORMAT,
                    snapshot: pending.name.clone(),
                    published_at: chrono::Utc::now()
                        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                    rows,
                    files,
                };
                commit(pending, &manifest).map_err(lake_error)?;
                Ok(manifest)
            }
            Err(e) => {
                pending.abandon();
                Err(e)
            }
        }
    }
}

fn lake_error(e: LakeError) -> StoreError {
    StoreError::Lake(e.to_string())
}

fn write_snapshot(conn: &Connection, pending: &lake::Pending) -> Result<BTreeMap<String, u64>> {
    // One transaction: every COPY reads the same state of the store, even if
    // an ingest commits meanwhile.
    conn.execute_batch("BEGIN TRANSACTION")?;
    let out = (|| {
        let mut rows = BTreeMap::new();
        for table in lake::TABLES {
            let expected: i64 =
                conn.query_row(&COUNT.replace("__TABLE__", table), [], |r| r.get(0))?;
            let dir = pending.table_dir(table);
            if table == "runs" && expected > 0 {
                conn.execute_batch(&COPY_RUNS.replace("__TARGET__", &literal(&dir)?))?;
            } else {
                // Unpartitioned tables, and an empty runs table (a partitioned
                // COPY of no rows writes no file, and a reader then has no
                // schema): one file, with its schema even when empty.
                let file = if table == "runs" {
                    dir.join("anchor_month=0").join("part-0.parquet")
                } else {
                    dir.join("part-0.parquet")
                };
                std::fs::create_dir_all(file.parent().expect("a file in a directory"))
                    .map_err(|e| StoreError::Lake(format!("lake: {e}")))?;
                let source = if table == "runs" {
                    "(SELECT * FROM runs)".to_string()
                } else {
                    table.to_string()
                };
                conn.execute_batch(
                    &COPY_TABLE
                        .replace("__TABLE__", &source)
                        .replace("__TARGET__", &literal(&file)?),
                )?;
            }
            let glob = if table == "runs" {
                dir.join("*").join("*.parquet")
            } else {
                dir.join("*.parquet")
            };
            let arrived: i64 = conn.query_row(
                COUNT_FILES,
                params![glob.to_str().unwrap_or_default()],
                |r| r.get(0),
            )?;
            if arrived != expected {
                return Err(StoreError::Incomplete {
                    expected: expected as u64,
                    stored: arrived as u64,
                });
            }
            rows.insert(table.to_string(), expected as u64);
        }
        Ok(rows)
    })();
    let _ = conn.execute_batch("ROLLBACK");
    out
}
