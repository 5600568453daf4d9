//! The portfolio roll-up: the metric table grouped by team, category and
//! owner, and the leadership headline — hours and money reclaimed in the
//! period, with intervals. Money is never summed across currencies. No I/O.

use std::collections::BTreeMap;

use serde::Serialize;

use super::compare::{interval, Comparison};
use super::MetricRow;
use crate::model::Workflow;

/// One group of one dimension.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroupRow {
    /// `team`, `category` or `owner`.
    pub dimension: &'static str,
    pub key: String,
    pub workflows: usize,
    pub runs: i64,
    pub succeeded: i64,
    pub failed: i64,
    pub escalated: i64,
    pub cancelled: i64,
    pub running: i64,
    pub leaked: i64,
    /// failed / (succeeded + failed + escalated) over the group's runs.
    pub error_rate: Option<f64>,
    pub escalation_rate: Option<f64>,
    pub cycle_time_n: i64,
    /// Sum over the group's workflows that have a baseline and a go-live.
    pub reclaimed_hours: f64,
    /// Reclaimed money per currency.
    pub reclaimed_money: BTreeMap<String, f64>,
}

/// A headline total with its interval: all reclaimed hours, or the money of one currency.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Headline {
    /// `hours`, or a currency code.
    pub unit: String,
    pub value: f64,
    pub ci_low: Option<f64>,
    pub ci_high: Option<f64>,
    /// Workflows that contribute.
    pub workflows: usize,
    /// Terminal runs since go-live behind the figure.
    pub runs: i64,
}

/// The roll-up.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Portfolio {
    pub headline: Vec<Headline>,
    pub groups: Vec<GroupRow>,
    /// Workflows whose reclaimed figures are unknown (no baseline), by id.
    pub without_baseline: Vec<String>,
}

fn key_of(w: &Workflow, dimension: &str) -> String {
    match dimension {
        "team" => w.team.clone().unwrap_or_else(|| "(no team)".into()),
        "category" => w.category.clone(),
        _ => w.owner.clone(),
    }
}

/// Rolls `rows` (one period's metric table) up by team, category and owner,
/// and sums the comparisons' bootstrap replicates draw by draw into intervals
/// for the headline totals.
pub fn rollup(
    rows: &[MetricRow],
    catalogue: &[Workflow],
    comparisons: &[Comparison],
    level: f64,
) -> Portfolio {
    let find = |id: &str| catalogue.iter().find(|w| w.workflow_id == id);
    let mut groups = Vec::new();
    for dimension in ["team", "category", "owner"] {
        let mut by: BTreeMap<String, Vec<&MetricRow>> = BTreeMap::new();
        for r in rows {
            if let Some(w) = find(&r.workflow_id) {
                by.entry(key_of(w, dimension)).or_default().push(r);
            }
        }
        for (key, rs) in by {
            let sum = |f: fn(&MetricRow) -> i64| rs.iter().map(|r| f(r)).sum::<i64>();
            let (s, f, e) = (
                sum(|r| r.succeeded),
                sum(|r| r.failed),
                sum(|r| r.escalated),
            );
            let terminal = s + f + e;
            let mut money: BTreeMap<String, f64> = BTreeMap::new();
            for r in &rs {
                if let (Some(m), Some(c)) = (r.reclaimed_money, &r.currency) {
                    *money.entry(c.clone()).or_default() += m;
                }
            }
            groups.push(GroupRow {
                dimension,
                key,
                workflows: rs.len(),
                runs: sum(|r| r.runs),
                succeeded: s,
                failed: f,
                escalated: e,
                cancelled: sum(|r| r.cancelled),
                running: sum(|r| r.running),
                leaked: sum(|r| r.leaked),
                error_rate: (terminal > 0).then(|| f as f64 / terminal as f64),
                escalation_rate: (terminal > 0).then(|| e as f64 / terminal as f64),
                cycle_time_n: sum(|r| r.cycle_time_n),
                // fold from +0.0: an empty f64 sum is −0.0, which would print as such.
                reclaimed_hours: rs
                    .iter()
                    .filter_map(|r| r.reclaimed_hours)
                    .fold(0.0, |a, b| a + b),
                reclaimed_money: money,
            });
        }
    }

    // Headline: every workflow with reclaimed hours; replicates summed draw by draw.
    let mut headline = Vec::new();
    let counted: Vec<(&MetricRow, Option<&Comparison>)> = rows
        .iter()
        .filter(|r| r.reclaimed_hours.is_some())
        .map(|r| {
            (
                r,
                comparisons.iter().find(|c| c.workflow_id == r.workflow_id),
            )
        })
        .collect();
    let total = |members: &[(&MetricRow, Option<&Comparison>)],
                 unit: String,
                 scale: &dyn Fn(&MetricRow) -> Option<f64>| {
        let value = members
            .iter()
            .filter_map(|(r, _)| r.reclaimed_hours.zip(scale(r)).map(|(h, k)| h * k))
            .fold(0.0, |a, b| a + b);
        let resamples = members
            .iter()
            .filter_map(|(_, c)| c.map(|c| c.reclaimed_hours_draws.len()))
            .max()
            .unwrap_or(0);
        let mut draws = vec![0.0; resamples];
        for (r, c) in members {
            let k = scale(r).unwrap_or(0.0);
            match c.map(|c| &c.reclaimed_hours_draws) {
                Some(d) if d.len() == resamples => {
                    draws.iter_mut().zip(d).for_each(|(a, x)| *a += x * k)
                }
                // A workflow without replicates (no runs) adds its point value to every draw.
                _ => draws
                    .iter_mut()
                    .for_each(|a| *a += r.reclaimed_hours.unwrap_or(0.0) * k),
            }
        }
        let (ci_low, ci_high) = interval(draws, level);
        Headline {
            unit,
            value,
            ci_low,
            ci_high,
            workflows: members.len(),
            runs: members
                .iter()
                .map(|(r, _)| r.succeeded + r.failed + r.escalated)
                .sum(),
        }
    };
    headline.push(total(&counted, "hours".into(), &|_| Some(1.0)));
    let mut currencies: Vec<String> = counted
        .iter()
        .filter_map(|(r, _)| r.currency.clone())
        .collect();
    currencies.sort();
    currencies.dedup();
    for cur in currencies {
        let members: Vec<_> = counted
            .iter()
            .copied()
            .filter(|(r, _)| {
                r.currency.as_deref() == Some(cur.as_str()) && r.reclaimed_money.is_some()
            })
            .collect();
        let rate = |r: &MetricRow| find(&r.workflow_id).and_then(|w| w.hourly_cost);
        headline.push(total(&members, cur, &rate));
    }
    let without_baseline = rows
        .iter()
        .filter(|r| r.baseline_minutes_per_item.is_none())
        .map(|r| r.workflow_id.clone())
        .collect();
    Portfolio {
        headline,
        groups,
        without_baseline,
    }
}
