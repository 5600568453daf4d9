//! DuckDB as a file reader and writer, apart from the Yardstick database:
//! Parquet input read row by row as text (so it goes through the same
//! validation as CSV), CSV converted to Parquet, and the benchmark's "engine
//! limit" — DuckDB loading a file into a plain table with its own readers, and
//! the hand-written metric query over such tables.

use std::path::Path;
use std::sync::Arc;

use chrono::NaiveDateTime;
use duckdb::arrow::array::{Array, AsArray};
use duckdb::arrow::datatypes::DataType;
use duckdb::{params, Connection};
use polars::prelude::DataFrame;

use super::{frame, Result, StoreError};

const PARQUET_ROWS: &str = include_str!("../../queries/files/parquet_rows.sql");
const LOAD_CSV: &str = include_str!("../../queries/bench/load_csv.sql");
const LOAD_PARQUET: &str = include_str!("../../queries/bench/load_parquet.sql");
const LOAD_CATALOGUE: &str = include_str!("../../queries/bench/load_catalogue.sql");
const HAND_METRICS: &str = include_str!("../../queries/bench/hand_metrics.sql");

fn path_text(p: &Path) -> Result<String> {
    p.to_str()
        .map(str::to_string)
        .ok_or_else(|| StoreError::Shape(format!("path is not UTF-8: {}", p.display())))
}

/// Reads every row of a Parquet file as text, in file order, handing the
/// column names and each row's values to `each`. Memory holds one Arrow batch
/// (about 2,048 rows) at a time. `each` returns false to stop early.
pub fn read_parquet_text(
    path: &Path,
    mut each: impl FnMut(&[Arc<str>], &[Option<&str>]) -> bool,
) -> Result<()> {
    let conn = Connection::open_in_memory()?;
    let mut stmt = conn.prepare(PARQUET_ROWS)?;
    // Streamed a chunk at a time: `query_arrow` would hold the whole file as text.
    let batches = stmt.stream_arrow(params![path_text(path)?])?;
    let mut names: Option<Vec<Arc<str>>> = None;
    for batch in batches {
        let batch = batch?;
        let names = names.get_or_insert_with(|| {
            batch
                .schema()
                .fields()
                .iter()
                .map(|f| Arc::from(f.name().as_str()))
                .collect()
        });
        let columns: Vec<Text<'_>> = batch
            .columns()
            .iter()
            .map(|c| Text::of(c.as_ref()))
            .collect::<Result<_>>()?;
        // Each row's values borrow from the batch: nothing is copied per value.
        let mut row: Vec<Option<&str>> = Vec::with_capacity(columns.len());
        for i in 0..batch.num_rows() {
            row.clear();
            row.extend(columns.iter().map(|c| c.get(i)));
            if !each(names, &row) {
                return Ok(());
            }
        }
    }
    Ok(())
}

/// A text column of an Arrow batch, in whichever layout DuckDB handed over.
pub(super) enum Text<'a> {
    Utf8(&'a duckdb::arrow::array::StringArray),
    Large(&'a duckdb::arrow::array::LargeStringArray),
    View(&'a duckdb::arrow::array::StringViewArray),
}

impl<'a> Text<'a> {
    pub(super) fn of(a: &'a dyn Array) -> Result<Text<'a>> {
        match a.data_type() {
            DataType::Utf8 => Ok(Text::Utf8(a.as_string::<i32>())),
            DataType::LargeUtf8 => Ok(Text::Large(a.as_string::<i64>())),
            DataType::Utf8View => Ok(Text::View(a.as_string_view())),
            other => Err(StoreError::Shape(format!(
                "a column came back as {other}, not text"
            ))),
        }
    }

    pub(super) fn get(&self, i: usize) -> Option<&'a str> {
        match self {
            Text::Utf8(a) => a.is_valid(i).then(|| a.value(i)),
            Text::Large(a) => a.is_valid(i).then(|| a.value(i)),
            Text::View(a) => a.is_valid(i).then(|| a.value(i)),
        }
    }
}

/// Writes a CSV file as Parquet with DuckDB's readers and writer (types as
/// DuckDB's CSV sniffer infers them). Returns the rows written.
pub fn csv_to_parquet(csv: &Path, parquet: &Path) -> Result<u64> {
    let conn = Connection::open_in_memory()?;
    // COPY takes no parameters: the target is a quoted literal, the one
    // exception to "bound parameters only", made safe by doubling quotes.
    let target = path_text(parquet)?.replace('\'', "''");
    let sql = format!(
        "COPY (SELECT * FROM read_csv($1::VARCHAR)) TO '{target}' (FORMAT parquet, COMPRESSION zstd)"
    );
    Ok(conn.execute(&sql, params![path_text(csv)?])? as u64)
}

/// The format DuckDB loads a file from, for [`load_plain`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlainFormat {
    Csv,
    Parquet,
}

/// DuckDB's own reader loading a run file into the plain table `bench_runs`
/// of the database file `db`, in one statement: the engine limit an ingest is
/// measured against. Returns the rows loaded.
pub fn load_plain(db: &Path, file: &Path, format: PlainFormat) -> Result<u64> {
    let conn = Connection::open(db)?;
    let sql = match format {
        PlainFormat::Csv => LOAD_CSV,
        PlainFormat::Parquet => LOAD_PARQUET,
    };
    Ok(conn.execute(sql, params![path_text(file)?])? as u64)
}

/// Loads the catalogue and time studies beside `bench_runs`, as plain tables.
pub fn load_plain_catalogue(db: &Path, workflows: &Path, baselines: &Path) -> Result<()> {
    let conn = Connection::open(db)?;
    let mut stmts = LOAD_CATALOGUE.split(';').map(str::trim).filter(|s| {
        s.lines()
            .any(|l| !l.trim().is_empty() && !l.trim_start().starts_with("--"))
    });
    let (Some(w), Some(b)) = (stmts.next(), stmts.next()) else {
        return Err(StoreError::Shape(
            "load_catalogue.sql needs two statements".into(),
        ));
    };
    conn.execute(w, params![path_text(workflows)?])?;
    conn.execute(b, params![path_text(baselines)?])?;
    Ok(())
}

/// An open database of plain tables, for timing the hand-written metric query.
pub struct PlainDb {
    conn: Connection,
}

impl PlainDb {
    pub fn open(db: &Path) -> Result<PlainDb> {
        Ok(PlainDb {
            conn: Connection::open(db)?,
        })
    }

    /// The hand-written metric table of `[from, to)` over the plain tables.
    pub fn hand_metrics(
        &self,
        from: NaiveDateTime,
        to: NaiveDateTime,
        leak_horizon_days: f64,
    ) -> Result<DataFrame> {
        frame::query_frame(
            &self.conn,
            HAND_METRICS,
            params![from, to, leak_horizon_days],
        )
    }
}
