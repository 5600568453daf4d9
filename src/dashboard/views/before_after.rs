//! The `before_after` view: the error rate, response, cycle time and human
//! minutes per item before and after automation, pooled over the automated
//! workflows in view (`metrics::pooled`).

use super::{Needs, Segmenting, Table, View};
use crate::dashboard::source::{col, ColKind::*, Context};
use crate::metrics::pooled;
use crate::report::ReportError;

pub(super) const VIEW: View = View {
    name: "before_after",
    columns: &[
        col("metric", "Metric", Text),
        col("unit", "Unit", Text),
        col("before", "Before", Number),
        col("after", "After", Number),
        col("change", "Change", Number),
        col("before_n", "n before", Count),
        col("after_n", "n after", Count),
        col("workflows", "Workflows", Count),
        col("missing", "Why empty", Text),
    ],
    needs: Needs::PORTFOLIO,
    segmenting: Segmenting::Filtered,
    compute,
};

/// The metrics shown, with their units and the time study's field that
/// gives their before side.
const METRICS: [(&str, &str, &str); 4] = [
    ("error_rate", "share", "had_error"),
    ("response_mean_min", "min", "response_minutes"),
    ("cycle_time_mean_min", "min", "cycle_minutes"),
    ("human_minutes_per_item", "min", "handle_minutes"),
];

/// Why a metric has no pooled sides: no workflow in view has both.
fn missing(comparisons: &[crate::metrics::compare::Comparison], metric: &str, study: &str) -> String {
    let rows = || comparisons.iter().filter_map(|c| c.rows.iter().find(|r| r.metric == metric));
    if !rows().any(|r| r.after.is_some()) {
        "no run since go-live in the period has it".into()
    } else if !rows().any(|r| r.before.is_some()) {
        format!(
            "no before side: the time study records no `{study}`, and no runs before go-live \
             have it"
        )
    } else {
        "no workflow in view has both sides".into()
    }
}

fn compute(cx: &mut Context<'_>, t: &mut Table) -> Result<(), ReportError> {
    let (_, _, comparisons) = cx.portfolio()?;
    for (metric, unit, study) in METRICS {
        let p = pooled::before_after(comparisons, metric);
        let why = (p.workflows == 0).then(|| missing(comparisons, metric, study));
        t.row()
            .text("metric", metric)
            .text("unit", unit)
            .real("before", p.before)
            .real("after", p.after)
            .real("change", p.change())
            .count("before_n", p.before_n as i64)
            .count("after_n", p.after_n as i64)
            .count("workflows", p.workflows as i64)
            .maybe_text("missing", why.as_deref())
            .push()?;
        // n is the most runs after go-live behind any row: a time study
        // without `had_error` leaves the error rate without a before side,
        // and the human minutes still have both.
        t.n = t.n.max(p.after_n as i64);
    }
    t.notes.push(
        "Pooled over the automated workflows in view that have both sides: each side's \
         mean weighted by its n (for the error rate, failed over terminal items). \
         Before = the time study (else the runs before go-live); after = runs since go-live \
         in the period. Per-workflow figures with intervals: the workflow dashboard."
            .into(),
    );
    Ok(())
}
