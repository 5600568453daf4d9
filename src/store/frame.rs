//! The hand-over from DuckDB to polars: a query's result as a DataFrame.
//!
//! Values are read row by row through DuckDB's typed accessors and collected
//! per column; metric tables have one row per workflow, so this is never the
//! hot path. Integers become Int64, floating point and decimals Float64, text
//! String, booleans Boolean and timestamps microsecond Datetime — by the
//! column's declared type, so that a column whose values are all NULL has the
//! same type as when it has values (frames of the same query stack).

use duckdb::arrow::datatypes::DataType as ArrowType;
use duckdb::types::{TimeUnit, ValueRef};
use duckdb::{Connection, ToSql};
use polars::prelude::{
    AnyValue, Column, DataFrame, DataType, PlSmallStr, Series, TimeUnit as PlTimeUnit,
};

use super::Result;

/// Runs one query on a DuckDB connection and hands its result over as a
/// DataFrame, by the rules above. The store's own queries all come through
/// here; it is public for the benchmark harness (`bench/`), whose
/// hand-written peer of the metric query runs on a plain DuckDB file of its
/// own and must pay the same hand-over as the metric table it is timed
/// against. `sql` comes from a query file and binds its values as `params`.
pub fn query_frame(conn: &Connection, sql: &str, params: &[&dyn ToSql]) -> Result<DataFrame> {
    let mut stmt = conn.prepare(sql)?;
    let mut rows = stmt.query(params)?;
    let names: Vec<String> = rows.as_ref().map(|s| s.column_names()).unwrap_or_default();
    let types: Vec<Option<DataType>> = match rows.as_ref() {
        Some(s) => (0..names.len()).map(|i| dtype(&s.column_type(i))).collect(),
        None => vec![None; names.len()],
    };
    let mut cols: Vec<Vec<AnyValue<'static>>> = vec![Vec::new(); names.len()];
    while let Some(row) = rows.next()? {
        for (i, col) in cols.iter_mut().enumerate() {
            col.push(any_value(row.get_ref(i)?));
        }
    }
    let columns = names
        .iter()
        .zip(cols)
        .zip(types)
        .map(|((n, vals), t)| {
            let name = PlSmallStr::from(n.as_str());
            match t {
                Some(t) => Series::from_any_values_and_dtype(name, &vals, &t, false),
                None => Series::from_any_values(name, &vals, false),
            }
            .map(Column::from)
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(DataFrame::new_infer_height(columns)?)
}

/// The polars type a declared column type becomes (see [`any_value`]); `None`
/// for the rest, whose type is inferred from the values.
fn dtype(t: &ArrowType) -> Option<DataType> {
    use ArrowType as A;
    Some(match t {
        A::Boolean => DataType::Boolean,
        A::Int8 | A::Int16 | A::Int32 | A::Int64 | A::UInt8 | A::UInt16 | A::UInt32 | A::UInt64 => {
            DataType::Int64
        }
        A::Float16 | A::Float32 | A::Float64 | A::Decimal128(..) | A::Decimal256(..) => {
            DataType::Float64
        }
        A::Utf8 | A::LargeUtf8 | A::Utf8View => DataType::String,
        A::Timestamp(..) => DataType::Datetime(PlTimeUnit::Microseconds, None),
        _ => return None,
    })
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A column of NULLs keeps its declared type: the per-workflow parts of a
    /// metric table (one workflow with no response times, another with some)
    /// must stack.
    #[test]
    fn a_column_of_nulls_has_its_declared_type() {
        let conn = Connection::open_in_memory().unwrap();
        let sql = include_str!("../../queries/tests/typed_columns.sql");
        let f = query_frame(&conn, sql, &[&false]).unwrap();
        let types: Vec<DataType> = f.dtypes();
        assert_eq!(
            types,
            vec![
                DataType::Float64,
                DataType::Int64,
                DataType::String,
                DataType::Float64,
                DataType::Datetime(PlTimeUnit::Microseconds, None),
                DataType::Boolean,
            ]
        );
        let mut g = query_frame(&conn, sql, &[&true]).unwrap();
        g.vstack_mut(&f).unwrap();
        assert_eq!(g.height(), 2);
        assert_eq!(g.column("d").unwrap().f64().unwrap().get(0), Some(1.25));
    }
}
