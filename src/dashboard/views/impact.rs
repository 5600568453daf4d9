//! The `impact` view: the one workflow's weekly mean cycle time beside its
//! counterfactual, what it would have been without the go-live, as `report
//! impact` estimates it (the method its checks allow), with the go-live
//! marked and the method, estimate and every check said under the chart.
//!
//! The counterfactual of an interrupted time series is the pre-period trend
//! carried on, with its interval; of a difference-in-differences, the
//! observed value less that week's effect ATT(g, t) (no interval of its
//! own). A before/after difference has none. Weeks are ISO weeks in UTC,
//! whatever the page's time zone, as `report impact` computes them. A
//! page's segment filter narrows the estimate to the segment's runs (the
//! controls' too).

use super::{Needs, Segmenting, Table, View};
use crate::dashboard::source::{col, ColKind::*, Context, Mark};
use crate::report::impact::ImpactMetric;
use crate::report::ReportError;

pub(super) const VIEW: View = View {
    name: "impact",
    columns: &[
        col("week", "Week (Monday, UTC)", Text),
        col("observed", "Mean cycle time (min)", Minutes),
        col("counterfactual", "Without the automation (min)", Minutes),
        col("counterfactual_low", "Without, 95% interval, low", Minutes),
        col(
            "counterfactual_high",
            "Without, 95% interval, high",
            Minutes,
        ),
        col("runs", "Runs with a cycle time", Count),
    ],
    needs: Needs::NOTHING,
    segmenting: Segmenting::Filtered,
    compute,
};

fn compute(cx: &mut Context<'_>, t: &mut Table) -> Result<(), ReportError> {
    // A workflow done by hand (a backlog candidate, listed with the others)
    // has no go-live to estimate an effect at: said under an empty panel,
    // not an error in place of the page.
    if let Some(note) = super::by_hand(cx, "no automation whose effect to draw") {
        t.empty_because(note);
        return Ok(());
    }
    let Some(answer) = cx.impact(ImpactMetric::CycleTimeMeanMin)? else {
        t.empty_because("The counterfactual is drawn for one workflow: choose one.".into());
        return Ok(());
    };
    let Some(row) = answer.impacts.first() else {
        return Ok(());
    };
    let i = &row.impact;
    // Per week: the counterfactual and its band, by the method used.
    let band = |week: chrono::NaiveDate| -> (Option<f64>, Option<f64>, Option<f64>) {
        match i.method.as_str() {
            "its" => i
                .its
                .as_ref()
                .and_then(|r| r.counterfactual.iter().find(|c| c.week == week))
                .map_or((None, None, None), |c| {
                    (Some(c.counterfactual), Some(c.low), Some(c.high))
                }),
            "did" => {
                let effect = i
                    .did
                    .as_ref()
                    .and_then(|r| r.group_time.iter().find(|g| g.week == week))
                    .map(|g| g.estimate);
                let observed = row
                    .weeks
                    .iter()
                    .find(|p| p.week == week)
                    .and_then(|p| p.value);
                (observed.zip(effect).map(|(o, e)| o - e), None, None)
            }
            _ => (None, None, None),
        }
    };
    for p in &row.weeks {
        let (c, lo, hi) = band(p.week);
        t.row()
            .text("week", &p.week.to_string())
            .real("observed", p.value)
            .real("counterfactual", c)
            .real("counterfactual_low", lo)
            .real("counterfactual_high", hi)
            .count("runs", p.n as i64)
            .push()?;
        t.n += p.n as i64;
    }
    t.marks.push(Mark {
        x: answer.go_live_week.to_string(),
        text: "go-live".into(),
    });
    let method = match i.method.as_str() {
        "its" => "interrupted time series (the trend before go-live carried on)",
        "did" => "difference-in-differences against the workflows not automated yet",
        _ => "before/after difference (no counterfactual: not an effect)",
    };
    let figure = match (i.estimate, i.ci_low, i.ci_high) {
        (Some(e), Some(lo), Some(hi)) => format!("{e:+.2} min a run [{lo:+.2}, {hi:+.2}]"),
        (Some(e), _, _) => format!("{e:+.2} min a run"),
        _ => "none".into(),
    };
    t.notes.push(format!(
        "Method: {method}; effect {figure}: {}. Why this method: {}.",
        i.verdict, i.why
    ));
    for c in &i.checks {
        let mark = match c.passed {
            Some(true) => "passed",
            Some(false) => "FAILED",
            None if c.name == "residual_autocorrelation" => "a figure, no pass or fail",
            None => "could not be checked",
        };
        t.notes
            .push(format!("Check {} ({mark}): {}", c.name, c.says));
    }
    Ok(())
}
