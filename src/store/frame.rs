//! The hand-over from DuckDB to polars: a query's result as a DataFrame.
//!
//! Values are read row by row through DuckDB's typed accessors and collected
//! per column; metric tables have one row per workflow, so this is never the
//! hot path. Integers become Int64, floating point and decimals Float64, text
//! String, booleans Boolean and timestamps microsecond Datetime.

use duckdb::types::{TimeUnit, ValueRef};
use duckdb::{Connection, ToSql};
use polars::prelude::{AnyValue, Column, DataFrame, PlSmallStr, Series, TimeUnit as PlTimeUnit};

use super::Result;

pub(super) fn query_frame(
    conn: &Connection,
    sql: &str,
    params: &[&dyn ToSql],
) -> Result<DataFrame> {
    let mut stmt = conn.prepare(sql)?;
    let mut rows = stmt.query(params)?;
    let names: Vec<String> = rows.as_ref().map(|s| s.column_names()).unwrap_or_default();
    let mut cols: Vec<Vec<AnyValue<'static>>> = vec![Vec::new(); names.len()];
    while let Some(row) = rows.next()? {
        for (i, col) in cols.iter_mut().enumerate() {
            col.push(any_value(row.get_ref(i)?));
        }
    }
    let columns = names
        .iter()
        .zip(cols)
        .map(|(n, vals)| {
            Series::from_any_values(PlSmallStr::from(n.as_str()), &vals, false).map(Column::from)
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(DataFrame::new_infer_height(columns)?)
}

fn any_value(v: ValueRef<'_>) -> AnyValue<'static> {
    match v {
        ValueRef::Null => AnyValue::Null,
        ValueRef::Boolean(b) => AnyValue::Boolean(b),
        ValueRef::TinyInt(x) => AnyValue::Int64(x.into()),
        ValueRef::SmallInt(x) => AnyValue::Int64(x.into()),
        ValueRef::Int(x) => AnyValue::Int64(x.into()),
        ValueRef::BigInt(x) => AnyValue::Int64(x),
        ValueRef::HugeInt(x) => AnyValue::Int64(x as i64),
        ValueRef::UTinyInt(x) => AnyValue::Int64(x.into()),
        ValueRef::USmallInt(x) => AnyValue::Int64(x.into()),
        ValueRef::UInt(x) => AnyValue::Int64(x.into()),
        ValueRef::UBigInt(x) => AnyValue::Int64(x as i64),
        ValueRef::Float(x) => AnyValue::Float64(x.into()),
        ValueRef::Double(x) => AnyValue::Float64(x),
        ValueRef::Decimal(d) => AnyValue::Float64(d.to_string().parse().unwrap_or(f64::NAN)),
        ValueRef::Text(t) => AnyValue::StringOwned(String::from_utf8_lossy(t).as_ref().into()),
        ValueRef::Timestamp(unit, t) => {
            let us = match unit {
                TimeUnit::Second => t * 1_000_000,
                TimeUnit::Millisecond => t * 1_000,
                TimeUnit::Microsecond => t,
                TimeUnit::Nanosecond => t / 1_000,
            };
            AnyValue::Datetime(us, PlTimeUnit::Microseconds, None)
        }
        other => AnyValue::StringOwned(format!("{other:?}").into()),
    }
}
