//! Reclaimed hours from gross to net, per workflow and in total: the hours
//! the time study says the period's runs since go-live would have taken by
//! hand (gross, B each), minus the human time the succeeded and escalated
//! runs still took, minus the failed runs (their human minutes, or B for a
//! run done by hand entirely), equals net: the metric table's reclaimed
//! hours, which is shown as it is. Then the costs of keeping the automation:
//! the people's maintenance hours (per month, pro rata over the days since
//! go-live in the period) and, in money, the platform's charge per run. No I/O.

use polars::prelude::DataFrame;
use serde::Serialize;

use super::{real_column, text_column, MetricRow, MetricsError, Period};
use crate::model::CatalogueEntry;

/// Days in an average month (365.25 / 12): maintenance hours per month are
/// counted pro rata by days.
pub const DAYS_PER_MONTH: f64 = 30.4375;

/// One workflow's steps (or the total's).
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
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
    /// Every run since go-live, whatever its status: what the platform charges for.
    pub executions: i64,
    /// Σ cost_per_run over them (money, in `currency`); null when no terms
    /// in force state a cost per run.
    pub run_cost: Option<f64>,
    /// maintenance_hours_per_month pro rata over the days since go-live in
    /// the period; null when no terms in force state it.
    pub maintenance_hours: Option<f64>,
    /// `net_hours` minus the maintenance hours.
    pub net_hours_after_maintenance: Option<f64>,
    /// `net_money` minus the run cost and the maintenance hours at the
    /// hourly cost of their terms.
    pub net_money_after_costs: Option<f64>,
    /// Why the steps are null (no B, no go-live).
    pub missing: Option<String>,
}

/// The CSV header of a waterfall.
pub const FIELDS: [&str; 19] = [
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
    "maintenance_hours",
    "net_hours_after_maintenance",
    "executions",
    "net_money",
    "run_cost",
    "net_money_after_costs",
    "currency",
    "missing",
];

/// The maintenance hours and their money of one workflow over `period`:
/// each terms row's hours per month, pro rata over the days it is in force
/// since go-live within the period. `None` when no such row states hours.
fn maintenance(entry: &CatalogueEntry, period: Period) -> Option<(f64, Option<f64>)> {
    let go_live = entry.workflow.automated_since?;
    let from = period.from.max(go_live);
    if from >= period.to {
        return None;
    }
    let mut stated = false;
    let (mut hours, mut money) = (0.0, Some(0.0));
    for t in entry.terms.iter().filter(|t| t.overlaps(from, period.to)) {
        let Some(per_month) = t.maintenance_hours_per_month else {
            continue;
        };
        stated = true;
        let start = t.effective_from.map_or(from, |f| f.max(from));
        let end = t.effective_to.map_or(period.to, |e| e.min(period.to));
        let days = (end - start).num_microseconds().unwrap_or(0) as f64 / 86_400_000_000.0;
        let h = per_month * days / DAYS_PER_MONTH;
        hours += h;
        money = money.zip(t.hourly_cost).map(|(m, c)| m + h * c);
    }
    stated.then_some((hours, money))
}

/// The waterfall of `rows` (the metric table of `period`) from `steps`, the
/// engine's `waterfall.sql` result for the same period and workflows, with
/// the maintenance the `catalogue`'s terms state; the last row is the total
/// over the workflows whose hours are measured.
pub fn build(
    rows: &[MetricRow],
    steps: &DataFrame,
    catalogue: &[CatalogueEntry],
    period: Period,
) -> Result<Vec<WaterfallRow>, MetricsError> {
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
    let (runs, succeeded, escalated, failed, by_hand, executions) = (
        col("runs")?,
        col("succeeded")?,
        col("escalated")?,
        col("failed")?,
        col("by_hand")?,
        col("executions")?,
    );
    let (gross, succ, esc, fail, run_cost) = (
        col("gross_hours")?,
        col("human_succeeded_hours")?,
        col("human_escalated_hours")?,
        col("failed_hours")?,
        col("run_cost")?,
    );
    let count = |v: &[Option<f64>], i: usize| v[i].unwrap_or(0.0) as i64;
    let mut out = Vec::new();
    let zero = Some(0.0);
    let mut total = WaterfallRow {
        workflow_id: "total".into(),
        runs: 0,
        succeeded: 0,
        escalated: 0,
        failed: 0,
        by_hand: 0,
        gross_hours: zero,
        human_succeeded_hours: zero,
        human_escalated_hours: zero,
        failed_hours: zero,
        net_hours: zero,
        net_money: None,
        currency: None,
        executions: 0,
        run_cost: None,
        maintenance_hours: None,
        net_hours_after_maintenance: zero,
        net_money_after_costs: None,
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
        let entry = catalogue
            .iter()
            .find(|c| c.workflow.workflow_id == r.workflow_id);
        let upkeep = entry.and_then(|e| maintenance(e, period));
        let cost = i.and_then(|i| run_cost[i]);
        let maintenance_hours = upkeep.map(|(h, _)| h);
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
            executions: i.map_or(0, |i| count(&executions, i)),
            run_cost: cost,
            maintenance_hours,
            net_hours_after_maintenance: r
                .reclaimed_hours
                .map(|h| h - maintenance_hours.unwrap_or(0.0)),
            // Null when the maintenance hours have no hourly cost to value them.
            net_money_after_costs: r.reclaimed_money.and_then(|m| {
                let upkeep_money = match upkeep {
                    None => Some(0.0),
                    Some((_, money)) => money,
                };
                upkeep_money.map(|u| m - cost.unwrap_or(0.0) - u)
            }),
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
            total.executions += row.executions;
            for (t, v) in [
                (&mut total.gross_hours, row.gross_hours),
                (&mut total.human_succeeded_hours, row.human_succeeded_hours),
                (&mut total.human_escalated_hours, row.human_escalated_hours),
                (&mut total.failed_hours, row.failed_hours),
                (&mut total.net_hours, row.net_hours),
                (
                    &mut total.net_hours_after_maintenance,
                    row.net_hours_after_maintenance,
                ),
            ] {
                *t = t.zip(v).map(|(a, b)| a + b);
            }
            if let Some(h) = row.maintenance_hours {
                total.maintenance_hours = Some(total.maintenance_hours.unwrap_or(0.0) + h);
            }
        }
        out.push(row);
    }
    out.push(total);
    Ok(out)
}

/// The waterfall as CSV: [`FIELDS`], one row per workflow, then the total.
pub fn to_csv(rows: &[WaterfallRow]) -> Result<Vec<u8>, MetricsError> {
    let shape = |e: csv::Error| MetricsError::Shape(format!("waterfall CSV: {e}"));
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(FIELDS).map_err(shape)?;
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
            num(r.maintenance_hours),
            num(r.net_hours_after_maintenance),
            r.executions.to_string(),
            num(r.net_money),
            num(r.run_cost),
            num(r.net_money_after_costs),
            r.currency.clone().unwrap_or_default(),
            r.missing.clone().unwrap_or_default(),
        ])
        .map_err(shape)?;
    }
    w.into_inner()
        .map_err(|e| MetricsError::Shape(format!("waterfall CSV: {e}")))
}
