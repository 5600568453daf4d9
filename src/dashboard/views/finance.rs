//! The `finance` view: reclaimed hours and money per team and currency
//! (money is not converted here: the headline converts it into a reporting
//! currency when the page has one), with the hourly costs and baselines behind
//! them and the workflows left out for want of a baseline.

use std::collections::BTreeMap;

use super::{Needs, Segmenting, Table, View};
use crate::dashboard::source::{col, ColKind::*, Context};
use crate::report::ReportError;

pub(super) const VIEW: View = View {
    name: "finance",
    columns: &[
        col("team", "Team", Text),
        col("currency", "Currency", Text),
        col("workflows", "Workflows", Count),
        col("with_baseline", "With a baseline", Count),
        col("runs", "Runs", Count),
        col("reclaimed_hours", "Reclaimed hours", Hours),
        col("reclaimed_money", "Reclaimed money", Money),
        col("hourly_cost_min", "Hourly cost, lowest", Number),
        col("hourly_cost_max", "Hourly cost, highest", Number),
        col("method", "Method", Text),
    ],
    needs: Needs::PORTFOLIO,
    segmenting: Segmenting::Filtered,
    compute,
};

/// What one team and currency add up to.
#[derive(Default)]
struct Acc {
    workflows: i64,
    with_b: i64,
    runs: i64,
    hours: Option<f64>,
    money: Option<f64>,
    cost: Vec<f64>,
    sources: BTreeMap<String, usize>,
    without: Vec<String>,
}

fn compute(cx: &mut Context<'_>, t: &mut Table) -> Result<(), ReportError> {
    let rows = cx.portfolio()?.1.clone();
    let mut by: BTreeMap<(String, String), Acc> = BTreeMap::new();
    for r in &rows {
        let Some(c) = cx.entry(&r.workflow_id) else {
            continue;
        };
        let w = &c.workflow;
        let key = (
            w.team.clone().unwrap_or_else(|| "(no team)".into()),
            w.currency.clone().unwrap_or_else(|| "(no cost)".into()),
        );
        let a = by.entry(key).or_default();
        a.workflows += 1;
        a.runs += r.runs;
        if c.b.is_some() {
            a.with_b += 1;
            *a.sources.entry(c.b_source.clone()).or_default() += 1;
        } else {
            a.without.push(w.workflow_id.clone());
        }
        if let Some(h) = r.reclaimed_hours {
            *a.hours.get_or_insert(0.0) += h;
        }
        if let Some(m) = r.reclaimed_money {
            *a.money.get_or_insert(0.0) += m;
        }
        a.cost.extend(w.hourly_cost);
    }
    for ((team, currency), a) in by {
        let mut method = format!(
            "hours = Σ (B − human minutes) / 60 since go-live; money = hours × hourly cost. B: {}",
            a.sources
                .iter()
                .map(|(s, n)| format!("{s} ×{n}"))
                .collect::<Vec<_>>()
                .join(", ")
        );
        if a.with_b == 0 {
            method = "no workflow has a baseline: nothing reclaimed can be claimed".into();
        }
        if !a.without.is_empty() && a.with_b > 0 {
            method.push_str(&format!(
                "; not counted, no baseline: {}",
                a.without.join(", ")
            ));
        }
        let lo = a
            .cost
            .iter()
            .copied()
            .fold(None, |m: Option<f64>, x| Some(m.map_or(x, |m| m.min(x))));
        let hi = a
            .cost
            .iter()
            .copied()
            .fold(None, |m: Option<f64>, x| Some(m.map_or(x, |m| m.max(x))));
        t.row()
            .text("team", &team)
            .text("currency", &currency)
            .count("workflows", a.workflows)
            .count("with_baseline", a.with_b)
            .count("runs", a.runs)
            .real("reclaimed_hours", a.hours)
            .real("reclaimed_money", a.money)
            .real("hourly_cost_min", lo)
            .real("hourly_cost_max", hi)
            .text("method", &method)
            .push()?;
        t.n += a.runs;
    }
    t.notes.push(
        "Money is per currency, not converted here (a reporting currency converts the totals); a team working in two currencies has two rows."
            .into(),
    );
    Ok(())
}
