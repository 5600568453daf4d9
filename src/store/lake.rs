//! Publishing the store's tables to the lake (layout and commit: `crate::lake`).

use std::collections::BTreeMap;
use std::path::Path;

use duckdb::{params, Connection};

use super::{Result, Store, StoreError};
use crate::lake::{self, Manifest};

const COPY_RUNS: &str = include_str!("../../queries/lake/copy_runs.sql");
const COPY_TABLE: &str = include_str!("../../queries/lake/copy_table.sql");
const COUNT: &str = include_str!("../../queries/lake/count.sql");
const COUNT_FILES: &str = include_str!("../../queries/lake/count_files.sql");
const VIEWS: &str = include_str!("../../queries/lake/views.sql");

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
    /// into it fails, as its tables are views).
    pub fn open_lake(root: &Path) -> Result<Store> {
        let (dir, _) = lake::current(root).map_err(|e| StoreError::Engine(e.to_string()))?;
        let store = Store::open_in_memory()?;
        {
            let conn = store.lock()?;
            conn.execute_batch(&VIEWS.replace("__DIR__", &literal(&dir)?))?;
        }
        Ok(store)
    }

    /// Writes every table the engines read into a new lake snapshot under
    /// `root` and commits it (see `crate::lake`): all tables from one
    /// consistent read of the store, each checked row for row, visible only
    /// once whole. Returns the snapshot's manifest.
    pub fn publish_lake(&self, root: &Path) -> Result<Manifest> {
        let pending = lake::begin(root).map_err(|e| StoreError::Engine(e.to_string()))?;
        let conn = self.reader()?;
        match write_snapshot(&conn, &pending) {
            Ok(rows) => {
                let manifest = Manifest {
                    format: 1,
                    snapshot: pending.name.clone(),
                    published_at: chrono::Utc::now()
                        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                    rows,
                };
                pending
                    .commit(&manifest)
                    .map_err(|e| StoreError::Engine(e.to_string()))?;
                Ok(manifest)
            }
            Err(e) => {
                pending.abandon();
                Err(e)
            }
        }
    }
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
                    .map_err(|e| StoreError::Engine(format!("lake: {e}")))?;
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
