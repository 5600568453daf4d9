//! DuckDB as a file reader and writer, apart from the Yardstick database:
//! Parquet input read row by row as text (so it goes through the same
//! validation as CSV), and CSV converted to Parquet (`yardstick generate
//! --formats parquet`). The benchmark's peers — DuckDB loading a file into a
//! plain table with its own readers, and the hand-written metric query — are
//! the harness's own, in `bench/`.

use std::path::Path;
use std::sync::Arc;

use duckdb::arrow::array::{Array, AsArray};
use duckdb::arrow::datatypes::DataType;
use duckdb::{params, Connection};

use super::{Result, StoreError};

const PARQUET_ROWS: &str = include_str!("../../queries/files/parquet_rows.sql");

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
