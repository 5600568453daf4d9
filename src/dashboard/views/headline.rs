//! The `headline` view: hours and money reclaimed in the scope (money per
//! currency), with their 95% bootstrap intervals.

use super::{Needs, Table, View};
use crate::dashboard::source::{col, ColKind::*, Context};
use crate::report::ReportError;

pub(super) const VIEW: View = View {
    name: "headline",
    columns: &[
        col("figure", "Figure", Text),
        col("unit", "Unit", Text),
        col("value", "Value", Number),
        col("ci_low", "95% interval, low", Number),
        col("ci_high", "95% interval, high", Number),
        col("workflows", "Workflows", Count),
        col("runs", "Terminal runs since go-live", Count),
    ],
    needs: Needs::PORTFOLIO,
    compute,
};

fn compute(cx: &mut Context<'_>, t: &mut Table) -> Result<(), ReportError> {
    let (p, _, _) = cx.portfolio()?;
    for h in &p.headline {
        let figure = if h.unit == "hours" {
            "Hours reclaimed".to_string()
        } else {
            format!("Money reclaimed ({})", h.unit)
        };
        t.row()
            .text("figure", &figure)
            .text("unit", &h.unit)
            .real("value", Some(h.value))
            .real("ci_low", h.ci_low)
            .real("ci_high", h.ci_high)
            .count("workflows", h.workflows as i64)
            .count("runs", h.runs)
            .push()?;
    }
    t.n = p.headline.first().map_or(0, |h| h.runs);
    let runs = t.n;
    if !p.without_baseline.is_empty() {
        t.notes.push(format!(
            "Not counted, no baseline: {}.",
            p.without_baseline.join(", ")
        ));
    }
    t.notes.push(
        "Reclaimed hours = Σ (B − human minutes) / 60 over terminal runs since go-live; \
         money = the same per run × the hourly cost in force at its anchor, per currency, \
         never summed across currencies unless a reporting currency is chosen. \
         Interval: 95% bootstrap, summed draw by draw over workflows."
            .into(),
    );
    if let Some(h) = cx.reporting()? {
        let r = &h.reporting;
        t.row()
            .text("figure", &format!("Money reclaimed, all in {}", h.currency))
            .text("unit", &h.currency)
            .real("value", h.value)
            .real("ci_low", h.ci_low)
            .real("ci_high", h.ci_high)
            .count("workflows", r.workflows as i64)
            .count("runs", runs)
            .push()?;
        let rates: Vec<String> = r
            .rates
            .iter()
            .map(|x| {
                format!(
                    "1 {} = {} {} from {} ({} runs)",
                    x.currency, x.rate, h.currency, x.date, x.runs
                )
            })
            .collect();
        t.notes.push(format!(
            "All in {}: each run's money converted at the latest rate dated on or before its \
             anchor's day{}.",
            h.currency,
            if rates.is_empty() {
                String::new()
            } else {
                format!(": {}", rates.join("; "))
            }
        ));
        if let Some(why) = &r.total_missing {
            t.notes.push(format!("All in {}: {why}.", h.currency));
        }
    }
    Ok(())
}
