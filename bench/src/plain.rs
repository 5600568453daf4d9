//! The peers Yardstick is measured against, on DuckDB itself: its own readers
//! loading a run file into a plain table (the engine limit of an ingest), the
//! catalogue and time studies beside it, and one hand-written metric query
//! over those plain tables (`queries/hand_metrics.sql`, beside this crate),
//! which the harness checks against `report::metric_table` before timing
//! either.
//!
//! This is DuckDB without Yardstick's store: no versions, no as-of, no
//! batches. Only the hand-over of a result to polars is the store's
//! (`yardstick::store::query_frame`), so that both sides of the comparison
//! pay the same conversion.

use std::path::Path;

use anyhow::{bail, Context};
use chrono::NaiveDateTime;
use duckdb::{params, Connection};
use polars::prelude::DataFrame;

const LOAD_CSV: &str = include_str!("../queries/load_csv.sql");
const LOAD_PARQUET: &str = include_str!("../queries/load_parquet.sql");
const LOAD_CATALOGUE: &str = include_str!("../queries/load_catalogue.sql");
const HAND_METRICS: &str = include_str!("../queries/hand_metrics.sql");

fn path_text(p: &Path) -> anyhow::Result<&str> {
    p.to_str()
        .with_context(|| format!("path is not UTF-8: {}", p.display()))
}

/// The format DuckDB loads a file from, for [`load`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PlainFormat {
    Csv,
    Parquet,
}

/// DuckDB's own reader loading a run file into the plain table `bench_runs`
/// of the database file `db`, in one statement: the engine limit an ingest
/// is measured against. Returns the rows loaded.
pub(crate) fn load(db: &Path, file: &Path, format: PlainFormat) -> anyhow::Result<u64> {
    let conn = Connection::open(db)?;
    let sql = match format {
        PlainFormat::Csv => LOAD_CSV,
        PlainFormat::Parquet => LOAD_PARQUET,
    };
    Ok(conn.execute(sql, params![path_text(file)?])? as u64)
}

/// Loads the catalogue and time studies beside `bench_runs`, as plain tables.
pub(crate) fn load_catalogue(db: &Path, workflows: &Path, baselines: &Path) -> anyhow::Result<()> {
    let conn = Connection::open(db)?;
    let mut stmts = LOAD_CATALOGUE.split(';').map(str::trim).filter(|s| {
        s.lines()
            .any(|l| !l.trim().is_empty() && !l.trim_start().starts_with("--"))
    });
    let (Some(w), Some(b)) = (stmts.next(), stmts.next()) else {
        bail!("load_catalogue.sql needs two statements");
    };
    conn.execute(w, params![path_text(workflows)?])?;
    conn.execute(b, params![path_text(baselines)?])?;
    Ok(())
}

/// An open database of plain tables, for timing the hand-written metric query.
pub(crate) struct PlainDb {
    conn: Connection,
}

impl PlainDb {
    pub(crate) fn open(db: &Path) -> anyhow::Result<PlainDb> {
        Ok(PlainDb {
            conn: Connection::open(db)?,
        })
    }

    /// The hand-written metric table of `[from, to)` over the plain tables.
    pub(crate) fn hand_metrics(
        &self,
        from: NaiveDateTime,
        to: NaiveDateTime,
        leak_horizon_days: f64,
    ) -> anyhow::Result<DataFrame> {
        Ok(yardstick::store::query_frame(
            &self.conn,
            HAND_METRICS,
            params![from, to, leak_horizon_days],
        )?)
    }
}
