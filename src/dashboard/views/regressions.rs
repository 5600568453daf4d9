//! The `regressions` view: the regression checks of the last complete ISO
//! week before the period's end, and of versions first run in the weeks
//! before it, that came out clearly worse, for the workflows in view.

use super::{Needs, Segmenting, Table, View};
use crate::dashboard::source::{col, ColKind::*, Context};
use crate::report::ReportError;

pub(super) const VIEW: View = View {
    name: "regressions",
    columns: &[
        col("workflow_id", "Workflow", Text),
        col("metric", "Metric", Text),
        col("version", "Version", Text),
        col("unit", "Unit", Text),
        col("week_start", "Week", Text),
        col("last_week", "Last week", Number),
        col("last_week_n", "n last week", Count),
        col("trailing", "Trailing weeks", Number),
        col("trailing_n", "n trailing", Count),
        col("change", "Change", Number),
        col("ci_low", "99% interval, low", Number),
        col("ci_high", "99% interval, high", Number),
        col("verdict", "Verdict", Text),
    ],
    needs: Needs {
        alerts: true,
        ..Needs::NOTHING
    },
    segmenting: Segmenting::Whole,
    compute,
};

fn compute(cx: &mut Context<'_>, t: &mut Table) -> Result<(), ReportError> {
    let workflows = cx.scope.workflows.clone();
    let alerts = cx.alerts()?;
    for c in alerts
        .alerts
        .iter()
        .filter(|c| workflows.contains(&c.workflow_id))
    {
        let unit = if c.metric.ends_with("_min") {
            "min"
        } else {
            "share"
        };
        // A version's check: its runs from its first day against the weeks
        // of the version before it.
        let (version, week) = match &c.version {
            Some(v) => (
                Some(format!("{} (after {})", v.version, v.previous_version)),
                v.from.date(),
            ),
            None => (None, alerts.week_start.date()),
        };
        t.row()
            .text("workflow_id", &c.workflow_id)
            .text("metric", c.metric)
            .maybe_text("version", version.as_deref())
            .text("unit", unit)
            .text("week_start", &week.to_string())
            .real("last_week", c.last_week)
            .count("last_week_n", c.last_week_n as i64)
            .real("trailing", c.trailing)
            .count("trailing_n", c.trailing_n as i64)
            .real("change", c.change)
            .real("ci_low", c.ci_low)
            .real("ci_high", c.ci_high)
            .text("verdict", &c.verdict)
            .push()?;
        t.n += c.last_week_n as i64;
    }
    let in_view: Vec<_> = alerts
        .checks
        .iter()
        .filter(|c| workflows.contains(&c.workflow_id))
        .collect();
    let (week, weeks) = (alerts.week_start.date(), alerts.trailing_weeks);
    t.notes.push(format!(
        "The last complete ISO week before the period's end (from {week}), against the \
         {weeks} weeks before it, and a version first run in those weeks (its runs from its \
         first day, its week the day it began), against the weeks of the version before it; \
         flagged when the {:.0}% interval of the change lies wholly on the worse side. {} \
         checks, {} flagged in view.",
        alerts.level * 100.0,
        in_view.len(),
        t.len()
    ));
    // Nothing flagged is news, not missing data: say what was checked.
    if t.is_empty() {
        let thin = in_view
            .iter()
            .filter(|c| c.verdict.starts_with("too little data"))
            .count();
        t.empty_because(if in_view.is_empty() {
            format!(
                "No check was made: no automated workflow in view ran in the last complete \
                 week (from {week}) or the {weeks} weeks before it."
            )
        } else {
            let thin = match thin {
                0 => String::new(),
                k => format!(" ({k} of them had too little data to tell)"),
            };
            format!(
                "No regression: none of the {} checks in view is flagged{thin}.",
                in_view.len()
            )
        });
    }
    Ok(())
}
