//! Reclaimed hours from gross to net, per workflow and in total: the hours
//! the time study says the period's runs since go-live would have taken by
//! hand (gross, B each), minus the human time the succeeded and escalated
//! runs still took, minus the failed runs (their human minutes, or B for a
//! run done by hand entirely), equals net: the metric table's reclaimed
//! hours, which is shown as it is. No I/O.

use polars::prelude::DataFrame;
use serde::Serialize;

use super::{real_column, text_column, MetricRow, MetricsError};

/// One workflow's steps (or the total's).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WaterfallRow {
    /// A workflow id, or `total`.
    pub workflow_id: String,
    /// Terminal runs since go-live in the period, and of them by status.
    pub runs: i64,
    pub succeeded: i64,
    pub escalated: i64,
    pub failed: i64,
    /// Failed runs without human minutes: done by hand entirely.
    pub by_hand: i64,
    pub gross_hours: Option<f64>,
    pub human_succeeded_hours: Option<f64>,
    pub human_escalated_hours: Option<f64>,
    pub failed_hours: Option<f64>,
    /// The metric table's reclaimed hours: gross minus the three steps.
    pub net_hours: Option<f64>,
    /// The metric table's reclaimed money, in `currency` (the total has none:
    /// money is not summed across currencies).
    pub net_money: Option<f64>,
    pub currency: Option<String>,
    /// Why the steps are null (no B, no go-live).
    pub missing: Option<String>,
}

/// The CSV header of a waterfall.
pub const FIELDS: [&str; 14] = [
    "workflow_id",
    "runs",
    "succeeded",
    "escalated",
    "failed",
    "by_hand",
    "gross_hours",
    "human_succeeded_hours",
    "human_escalated_hours",
    "failed_hours",
    "net_hours",
    "net_money",
    "currency",
    "missing",
];

/// The waterfall of `rows` (one period's metric table) from `steps`, the
/// engine's `waterfall.sql` result for the same period and workflows; the
/// last row is the total over the workflows whose hours are measured.
pub fn build(rows: &[MetricRow], steps: &DataFrame) -> Result<Vec<WaterfallRow>, MetricsError> {
    let n = steps.height();
    let col = |name: &str| -> Result<Vec<Option<f64>>, MetricsError> {
        if n == 0 {
            Ok(Vec::new())
        } else {
            real_column(steps, name)
        }
    };
    let ids = if n == 0 {
        Vec::new()
    } else {
        text_column(steps, "workflow_id")?
    };
    let (runs, succeeded, escalated, failed, by_hand) = (
        col("runs")?,
        col("succeeded")?,
        col("escalated")?,
        col("failed")?,
        col("by_hand")?,
    );
    let (gross, succ, esc, fail) = (
        col("gross_hours")?,
        col("human_succeeded_hours")?,
        col("human_escalated_hours")?,
        col("failed_hours")?,
    );
    let count = |v: &[Option<f64>], i: usize| v[i].unwrap_or(0.0) as i64;
    let mut out = Vec::new();
    let mut total = WaterfallRow {
        workflow_id: "total".into(),
        runs: 0,
        succeeded: 0,
        escalated: 0,
        failed: 0,
        by_hand: 0,
        gross_hours: Some(0.0),
        human_succeeded_hours: Some(0.0),
        human_escalated_hours: Some(0.0),
        failed_hours: Some(0.0),
        net_hours: Some(0.0),
        net_money: None,
        currency: None,
        missing: None,
    };
    for r in rows {
        let i = ids
            .iter()
            .position(|id| id.as_deref() == Some(&r.workflow_id));
        let measured = r.reclaimed_hours.is_some();
        let step = |v: &[Option<f64>]| match (measured, i) {
            (false, _) => None,
            (true, Some(i)) => v[i],
            (true, None) => Some(0.0),
        };
        let row = WaterfallRow {
            workflow_id: r.workflow_id.clone(),
            runs: i.map_or(0, |i| count(&runs, i)),
            succeeded: i.map_or(0, |i| count(&succeeded, i)),
            escalated: i.map_or(0, |i| count(&escalated, i)),
            failed: i.map_or(0, |i| count(&failed, i)),
            by_hand: i.map_or(0, |i| count(&by_hand, i)),
            gross_hours: step(&gross),
            human_succeeded_hours: step(&succ),
            human_escalated_hours: step(&esc),
            failed_hours: step(&fail),
            net_hours: r.reclaimed_hours,
            net_money: r.reclaimed_money,
            currency: r.currency.clone(),
            missing: (!measured).then(|| {
                "not measurable: the workflow has no baseline B or no go-live date in force \
                 over the period"
                    .to_string()
            }),
        };
        if measured {
            total.runs += row.runs;
            total.succeeded += row.succeeded;
            total.escalated += row.escalated;
            total.failed += row.failed;
            total.by_hand += row.by_hand;
            for (t, v) in [
                (&mut total.gross_hours, row.gross_hours),
                (&mut total.human_succeeded_hours, row.human_succeeded_hours),
                (&mut total.human_escalated_hours, row.human_escalated_hours),
                (&mut total.failed_hours, row.failed_hours),
                (&mut total.net_hours, row.net_hours),
            ] {
                *t = t.zip(v).map(|(a, b)| a + b);
            }
        }
        out.push(row);
    }
    out.push(total);
    Ok(out)
}

/// The waterfall as CSV: [`FIELDS`], one row per workflow, then the total.
pub fn to_csv(rows: &[WaterfallRow]) -> Result<Vec<u8>, MetricsError> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(FIELDS)
        .map_err(|e| MetricsError::Shape(e.to_string()))?;
    let num = |v: Option<f64>| v.map(|x| x.to_string()).unwrap_or_default();
    for r in rows {
        w.write_record([
            r.workflow_id.clone(),
            r.runs.to_string(),
            r.succeeded.to_string(),
            r.escalated.to_string(),
            r.failed.to_string(),
            r.by_hand.to_string(),
            num(r.gross_hours),
            num(r.human_succeeded_hours),
            num(r.human_escalated_hours),
            num(r.failed_hours),
            num(r.net_hours),
            num(r.net_money),
            r.currency.clone().unwrap_or_default(),
            r.missing.clone().unwrap_or_default(),
        ])
        .map_err(|e| MetricsError::Shape(e.to_string()))?;
    }
    w.into_inner()
        .map_err(|e| MetricsError::Shape(e.to_string()))
}
