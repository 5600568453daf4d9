//! Reclaimed money in one reporting currency: the metric table's money of
//! each workflow, each run converted at the latest exchange rate dated on or
//! before its anchor's date (`queries/metrics/reporting_money.sql` groups the
//! runs by the rate they take). Money without a rate is never dropped or
//! guessed: the workflow's converted figure is null, and its runs are listed.
//! No I/O.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use polars::prelude::{DataFrame, DataType};
use serde::Serialize;

use super::{real_column, text_column, MetricRow, MetricsError};

/// One rate a figure used: `currency` → the reporting currency from `date`.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct RateUsed {
    pub currency: String,
    pub date: NaiveDate,
    pub rate: f64,
    /// Reclaiming runs converted at it.
    pub runs: i64,
}

/// Money that had no rate: `runs` runs in `currency` anchored from
/// `first_day` to `last_day`, with no rate into the reporting currency dated
/// on or before them.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Unconverted {
    pub workflow_id: String,
    pub currency: String,
    pub runs: i64,
    pub money: f64,
    pub first_day: NaiveDate,
    pub last_day: NaiveDate,
}

/// One workflow's reclaimed money in the reporting currency.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct ReportingRow {
    pub workflow_id: String,
    /// Null when the table's money is null (no B, no hourly cost, no
    /// go-live) or some of it had no rate (then `unconverted` lists it).
    pub reclaimed_money: Option<f64>,
    /// The table's money in the workflow's own currency, beside it.
    pub native_money: Option<f64>,
    pub native_currency: Option<String>,
    /// The effective rate: converted ÷ own-currency money (when that is 0,
    /// the rate of its last runs); null when not converted.
    pub rate: Option<f64>,
}

/// The reporting-currency figures of one period.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Reporting {
    pub currency: String,
    pub rows: Vec<ReportingRow>,
    /// Σ of the rows' converted money; null when any row's money could not
    /// be converted (a total that left money out would read as all of it).
    pub total: Option<f64>,
    /// Why `total` is null (null when it has a value).
    pub total_missing: Option<String>,
    /// Workflows in the total.
    pub workflows: usize,
    pub rates: Vec<RateUsed>,
    pub unconverted: Vec<Unconverted>,
}

/// A column of midnight timestamps of the engine's frame as dates.
fn date_column(df: &DataFrame, name: &str) -> Result<Vec<Option<NaiveDate>>, MetricsError> {
    let c = df.column(name)?.cast(&DataType::String)?;
    Ok(c.str()?
        .iter()
        .map(|v| v.and_then(|s| NaiveDate::parse_from_str(&s[..s.len().min(10)], "%Y-%m-%d").ok()))
        .collect())
}

/// Converts `rows` (one period's metric table) with `groups`, the rows of
/// `reporting_money.sql` for the same period, in the query's order.
pub fn convert(
    currency: &str,
    rows: &[MetricRow],
    groups: &DataFrame,
) -> Result<Reporting, MetricsError> {
    let n = groups.height();
    let (ids, curs) = if n == 0 {
        (Vec::new(), Vec::new())
    } else {
        (
            text_column(groups, "workflow_id")?,
            text_column(groups, "currency")?,
        )
    };
    let (rate_dates, rates, runs, money, first, last) = if n == 0 {
        Default::default()
    } else {
        (
            date_column(groups, "rate_date")?,
            real_column(groups, "rate")?,
            real_column(groups, "runs")?,
            real_column(groups, "money")?,
            date_column(groups, "first_day")?,
            date_column(groups, "last_day")?,
        )
    };
    // Only money the table states is converted: a workflow whose money is
    // null (no B, no hourly cost) has nothing to convert or to list.
    let measured: std::collections::HashSet<&str> = rows
        .iter()
        .filter(|r| r.reclaimed_money.is_some())
        .map(|r| r.workflow_id.as_str())
        .collect();
    // Per workflow: the converted sum (in the query's order) and whether all had a rate.
    let mut converted: BTreeMap<&str, (f64, bool, f64)> = BTreeMap::new();
    let mut used: BTreeMap<(String, NaiveDate), RateUsed> = BTreeMap::new();
    let mut unconverted = Vec::new();
    for i in 0..n {
        let (Some(id), Some(cur)) = (ids[i].as_deref(), curs[i].as_deref()) else {
            continue;
        };
        if !measured.contains(id) {
            continue;
        }
        let m = money[i].unwrap_or(0.0);
        let r = runs[i].unwrap_or(0.0) as i64;
        let entry = converted.entry(id).or_insert((0.0, true, 1.0));
        match rates[i] {
            Some(rate) => {
                entry.0 += m * rate;
                entry.2 = rate;
                if let Some(d) = rate_dates[i] {
                    used.entry((cur.to_string(), d))
                        .or_insert(RateUsed {
                            currency: cur.to_string(),
                            date: d,
                            rate,
                            runs: 0,
                        })
                        .runs += r;
                }
            }
            None => {
                entry.1 = false;
                if let (Some(f), Some(l)) = (first[i], last[i]) {
                    unconverted.push(Unconverted {
                        workflow_id: id.to_string(),
                        currency: cur.to_string(),
                        runs: r,
                        money: m,
                        first_day: f,
                        last_day: l,
                    });
                }
            }
        }
    }
    let out: Vec<ReportingRow> = rows
        .iter()
        .map(|r| {
            let (value, rate) = match (r.reclaimed_money, converted.get(r.workflow_id.as_str())) {
                (None, _) | (Some(_), Some((_, false, _))) => (None, None),
                (Some(native), Some((v, true, last))) => (
                    Some(*v),
                    Some(if native != 0.0 { v / native } else { *last }),
                ),
                // Money, but no reclaiming run: nothing to convert.
                (Some(_), None) => (Some(0.0), None),
            };
            ReportingRow {
                workflow_id: r.workflow_id.clone(),
                reclaimed_money: value,
                native_money: r.reclaimed_money,
                native_currency: r.currency.clone(),
                rate,
            }
        })
        .collect();
    let measured: Vec<&ReportingRow> = out.iter().filter(|r| r.native_money.is_some()).collect();
    let total = measured
        .iter()
        .try_fold(0.0, |a, r| r.reclaimed_money.map(|v| a + v));
    let total_missing = total.is_none().then(|| {
        let runs: i64 = unconverted.iter().map(|u| u.runs).sum();
        let mut curs: Vec<&str> = unconverted.iter().map(|u| u.currency.as_str()).collect();
        curs.sort_unstable();
        curs.dedup();
        format!(
            "not converted: {runs} run(s) valued in {} have no rate into {currency} dated on or \
             before their anchor (see `unconverted`; add rates with `yardstick ingest fx`)",
            curs.join(", ")
        )
    });
    Ok(Reporting {
        currency: currency.to_string(),
        workflows: measured.len(),
        rows: out,
        total,
        total_missing,
        rates: used.into_values().collect(),
        unconverted,
    })
}
