//! The portfolio roll-up: the metric table grouped by team, category and
//! owner, and the leadership headline — hours and money reclaimed in the
//! period, with intervals. Money is never summed across currencies. No I/O.

use std::collections::BTreeMap;

use serde::Serialize;

use super::compare::{interval, Comparison};
use super::rates::Terminal;
use super::{MetricRow, Period};
use crate::model::Workflow;
use chrono::NaiveDateTime;

/// One group of one dimension.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
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
    /// Sum over the group's workflows that have a baseline and a go-live;
    /// null when none has (then `reclaimed_hours_missing` says why).
    pub reclaimed_hours: Option<f64>,
    /// Why `reclaimed_hours` is null (null when it has a value).
    pub reclaimed_hours_missing: Option<String>,
    /// Reclaimed money per currency.
    pub reclaimed_money: BTreeMap<String, f64>,
}

/// A headline total with its interval: all reclaimed hours, or the money of one currency.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
#[schemars(rename = "PortfolioHeadline")]
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
    /// The bootstrap replicates of the total, in draw order.
    #[serde(skip)]
    pub draws: Vec<f64>,
}

/// The roll-up.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
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
            let t = Terminal::of(rs.iter().copied());
            // A sum over the workflows that have reclaimed hours, null when
            // none has: zero would claim a measurement that was not made.
            // (Folded from +0.0: an empty f64 sum is −0.0.)
            let measured: Vec<f64> = rs.iter().filter_map(|r| r.reclaimed_hours).collect();
            let reclaimed_hours =
                (!measured.is_empty()).then(|| measured.iter().fold(0.0, |a, b| a + b));
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
                succeeded: t.succeeded,
                failed: t.failed,
                escalated: t.escalated,
                cancelled: sum(|r| r.cancelled),
                running: sum(|r| r.running),
                leaked: sum(|r| r.leaked),
                error_rate: t.error_rate(),
                escalation_rate: t.escalation_rate(),
                cycle_time_n: sum(|r| r.cycle_time_n),
                reclaimed_hours,
                reclaimed_hours_missing: reclaimed_hours.is_none().then(|| {
                    "not measurable: no workflow of the group has both a baseline B and a go-live date"
                        .to_string()
                }),
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
    // A total of the table's figures (`value_of`) with the comparisons'
    // replicates of the same figure (`draws_of`) summed draw by draw.
    let total = |members: &[(&MetricRow, Option<&Comparison>)],
                 unit: String,
                 value_of: &dyn Fn(&MetricRow) -> Option<f64>,
                 draws_of: &dyn Fn(&Comparison) -> &[f64]| {
        let value = members
            .iter()
            .filter_map(|(r, _)| value_of(r))
            .fold(0.0, |a, b| a + b);
        let resamples = members
            .iter()
            .filter_map(|(_, c)| c.map(|c| draws_of(c).len()))
            .max()
            .unwrap_or(0);
        let mut draws = vec![0.0; resamples];
        for (r, c) in members {
            match c.map(draws_of) {
                Some(d) if d.len() == resamples => {
                    draws.iter_mut().zip(d).for_each(|(a, x)| *a += x)
                }
                // A workflow without replicates (no runs) adds its point value to every draw.
                _ => draws
                    .iter_mut()
                    .for_each(|a| *a += value_of(r).unwrap_or(0.0)),
            }
        }
        let (ci_low, ci_high) = interval(draws.clone(), level);
        Headline {
            unit,
            value,
            ci_low,
            ci_high,
            draws,
            workflows: members.len(),
            // The runs behind reclaimed figures: terminal runs since go-live.
            runs: members
                .iter()
                .map(|(_, c)| {
                    c.and_then(|c| c.rows.iter().find(|x| x.metric == "reclaimed_hours"))
                        .map_or(0, |x| x.after_n as i64)
                })
                .sum(),
        }
    };
    headline.push(total(
        &counted,
        "hours".into(),
        &|r| r.reclaimed_hours,
        &|c| &c.reclaimed_hours_draws,
    ));
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
        // The table's money: each run valued at the hourly cost in force at its anchor.
        headline.push(total(&members, cur, &|r| r.reclaimed_money, &|c| {
            &c.reclaimed_money_draws
        }));
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

/// The headline's money in one reporting currency: the table's money of
/// every workflow converted run by run (`fx::convert`), with an interval
/// that converts each workflow's bootstrap replicates of its money at its
/// period's effective rate (converted ÷ own-currency money).
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct ReportingHeadline {
    pub currency: String,
    /// Null when some money had no rate (`reporting.total_missing` says why).
    pub value: Option<f64>,
    pub ci_low: Option<f64>,
    pub ci_high: Option<f64>,
    /// The conversion behind it: per workflow, the rates used, what was not converted.
    pub reporting: super::fx::Reporting,
    /// Terminal runs since go-live behind the converted money.
    pub runs: i64,
    /// The bootstrap replicates of the total, in draw order.
    #[serde(skip)]
    pub draws: Vec<f64>,
}

/// The reporting-currency headline of `reporting` (one period's conversion)
/// with the replicates of `comparisons`.
pub fn reporting_headline(
    reporting: super::fx::Reporting,
    comparisons: &[Comparison],
    level: f64,
) -> ReportingHeadline {
    let resamples = comparisons
        .iter()
        .map(|c| c.reclaimed_money_draws.len())
        .max()
        .unwrap_or(0);
    let mut draws = vec![0.0; resamples];
    for r in &reporting.rows {
        let Some(converted) = r.reclaimed_money else {
            continue;
        };
        let factor = r.rate.unwrap_or(0.0);
        match comparisons
            .iter()
            .find(|c| c.workflow_id == r.workflow_id)
            .map(|c| &c.reclaimed_money_draws)
        {
            Some(d) if d.len() == resamples => {
                draws.iter_mut().zip(d).for_each(|(a, x)| *a += x * factor)
            }
            _ => draws.iter_mut().for_each(|a| *a += converted),
        }
    }
    let (ci_low, ci_high) = match reporting.total {
        Some(_) => interval(draws.clone(), level),
        None => (None, None),
    };
    let runs = reporting
        .rows
        .iter()
        .filter(|r| r.reclaimed_money.is_some())
        .filter_map(|r| comparisons.iter().find(|c| c.workflow_id == r.workflow_id))
        .filter_map(|c| c.rows.iter().find(|x| x.metric == "reclaimed_hours"))
        .map(|x| x.after_n as i64)
        .sum();
    ReportingHeadline {
        currency: reporting.currency.clone(),
        value: reporting.total,
        ci_low,
        ci_high,
        reporting,
        runs,
        draws,
    }
}

/// The money of a period and of the previous one, each in the reporting
/// currency, set side by side: null with the reason when either total is
/// (money without a rate); otherwise an interval from the replicates, now
/// minus before, draw by draw.
pub fn reporting_deviation(
    now: &ReportingHeadline,
    before: &ReportingHeadline,
    level: f64,
) -> Deviation {
    let (n, pn) = (now.runs, before.runs);
    let (change, lo, hi, verdict) = match (now.value, before.value) {
        (Some(v), Some(p)) => {
            let k = now.draws.len().max(before.draws.len());
            let draws: Vec<f64> = (0..k)
                .map(|i| {
                    now.draws.get(i).copied().unwrap_or(v)
                        - before.draws.get(i).copied().unwrap_or(p)
                })
                .collect();
            let (lo, hi) = interval(draws, level);
            (Some(v - p), lo, hi, said(lo, hi, n, pn))
        }
        _ => {
            let why = [("now", now), ("before", before)]
                .iter()
                .filter_map(|(side, h)| {
                    h.reporting
                        .total_missing
                        .as_ref()
                        .map(|m| format!("{side}: {m}"))
                })
                .collect::<Vec<_>>()
                .join("; ");
            (None, None, None, format!("not measurable: {why}"))
        }
    };
    Deviation {
        figure: "reclaimed_money_reporting".into(),
        unit: now.currency.clone(),
        value: now.value,
        previous: before.value,
        change,
        change_pct: pct(change, before.value),
        ci_low: lo,
        ci_high: hi,
        n,
        previous_n: pn,
        verdict,
    }
}

/// One headline figure of a period beside the previous period of equal length.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Deviation {
    pub figure: String,
    /// `hours`, a currency code, `share` or `runs`.
    pub unit: String,
    pub value: Option<f64>,
    pub previous: Option<f64>,
    pub change: Option<f64>,
    pub change_pct: Option<f64>,
    pub ci_low: Option<f64>,
    pub ci_high: Option<f64>,
    /// The n behind the figure now and before (terminal runs).
    pub n: i64,
    pub previous_n: i64,
    pub verdict: String,
}

/// Why the previous period cannot be set beside a period: it ends at or
/// before the first stored run, so nothing of it was ever stored and its
/// figures are unknown, not 0 (a period with no runs after the first stored
/// one is a measured 0). `None` when some run was stored before its end.
pub fn uncovered(previous: Period, first_run: Option<NaiveDateTime>) -> Option<String> {
    let iso = crate::model::format_timestamp;
    match first_run {
        Some(first) if first < previous.to => None,
        Some(first) => Some(format!(
            "the previous period ends before the first stored run ({})",
            iso(first)
        )),
        None => Some("no run is stored".into()),
    }
}

/// The deviation with its previous side unknown for the reason `why`: the
/// previous value, the change and its interval empty, the verdict saying why.
pub fn withhold(d: &mut Deviation, why: &str) {
    d.previous = None;
    d.change = None;
    d.change_pct = None;
    d.ci_low = None;
    d.ci_high = None;
    d.verdict = format!("not measurable: {why}");
}

fn pct(change: Option<f64>, previous: Option<f64>) -> Option<f64> {
    change
        .zip(previous)
        .and_then(|(c, p)| (p != 0.0).then(|| c / p))
}

fn said(lo: Option<f64>, hi: Option<f64>, n: i64, previous_n: i64) -> String {
    if n < super::compare::MIN_N as i64 || previous_n < super::compare::MIN_N as i64 {
        return format!("too little data: n={n} now, n={previous_n} before");
    }
    match (lo, hi) {
        (Some(l), _) if l > 0.0 => "up, clearly".into(),
        (_, Some(h)) if h < 0.0 => "down, clearly".into(),
        (Some(_), Some(_)) => "no clear change".into(),
        _ => "no interval".into(),
    }
}

/// The headline figures of a period against the previous period of equal
/// length: reclaimed hours and money (intervals from the bootstrap replicates,
/// now minus before, draw by draw), runs, and the portfolio's error and
/// escalation rates (intervals for a difference of two proportions,
/// normal approximation).
pub fn deviations(
    now: &Portfolio,
    before: &Portfolio,
    rows_now: &[MetricRow],
    rows_before: &[MetricRow],
    level: f64,
) -> Vec<Deviation> {
    let mut out = Vec::new();
    let mut units: Vec<&str> = now
        .headline
        .iter()
        .chain(&before.headline)
        .map(|h| h.unit.as_str())
        .collect();
    units.dedup();
    let mut seen = Vec::new();
    for unit in units {
        if seen.contains(&unit) {
            continue;
        }
        seen.push(unit);
        let a = now.headline.iter().find(|h| h.unit == unit);
        let b = before.headline.iter().find(|h| h.unit == unit);
        let (v, p) = (a.map_or(0.0, |h| h.value), b.map_or(0.0, |h| h.value));
        let (value, previous, change) = (Some(v), Some(p), Some(v - p));
        let (n, pn) = (a.map_or(0, |h| h.runs), b.map_or(0, |h| h.runs));
        let empty = Vec::new();
        let (da, db) = (
            a.map_or(&empty, |h| &h.draws),
            b.map_or(&empty, |h| &h.draws),
        );
        let k = da.len().max(db.len());
        let draws: Vec<f64> = (0..k)
            .map(|i| {
                // A side without replicates contributes its point value to every draw.
                let x = da.get(i).copied().unwrap_or(v);
                let y = db.get(i).copied().unwrap_or(p);
                x - y
            })
            .collect();
        let (lo, hi) = interval(draws, level);
        out.push(Deviation {
            figure: if unit == "hours" {
                "reclaimed_hours".into()
            } else {
                "reclaimed_money".into()
            },
            unit: unit.to_string(),
            value,
            previous,
            change,
            change_pct: pct(change, previous),
            ci_low: lo,
            ci_high: hi,
            n,
            previous_n: pn,
            verdict: said(lo, hi, n, pn),
        });
    }
    let sum = |rows: &[MetricRow], f: fn(&MetricRow) -> i64| rows.iter().map(f).sum::<i64>();
    let (runs, prev_runs) = (sum(rows_now, |r| r.runs), sum(rows_before, |r| r.runs));
    out.push(Deviation {
        figure: "runs".into(),
        unit: "runs".into(),
        value: Some(runs as f64),
        previous: Some(prev_runs as f64),
        change: Some((runs - prev_runs) as f64),
        change_pct: pct(Some((runs - prev_runs) as f64), Some(prev_runs as f64)),
        ci_low: None,
        ci_high: None,
        n: runs,
        previous_n: prev_runs,
        verdict: "a count: no interval".into(),
    });
    // 1.96 for 95%; other levels use the matching normal quantile of the two common ones.
    let z = if level >= 0.99 { 2.576 } else { 1.96 };
    let (now, before) = (Terminal::of(rows_now), Terminal::of(rows_before));
    for (figure, rate) in [
        (
            "error_rate",
            Terminal::error_rate as fn(&Terminal) -> Option<f64>,
        ),
        ("escalation_rate", Terminal::escalation_rate),
    ] {
        let (n1, n0) = (now.n(), before.n());
        let (p1, p0) = (rate(&now), rate(&before));
        let change = p1.zip(p0).map(|(a, b)| a - b);
        let se = p1
            .zip(p0)
            .map(|(a, b)| (a * (1.0 - a) / n1 as f64 + b * (1.0 - b) / n0 as f64).sqrt());
        let (lo, hi) = match (change, se) {
            (Some(c), Some(s)) => (Some(c - z * s), Some(c + z * s)),
            _ => (None, None),
        };
        out.push(Deviation {
            figure: figure.into(),
            unit: "share".into(),
            value: p1,
            previous: p0,
            change,
            change_pct: pct(change, p0),
            ci_low: lo,
            ci_high: hi,
            n: n1,
            previous_n: n0,
            verdict: said(lo, hi, n1, n0),
        });
    }
    out
}
