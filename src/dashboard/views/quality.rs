//! The `quality` view: quality beside speed. For each workflow in view that
//! declares outcome measures (its catalogue `outcomes`), each outcome before
//! go-live against the period, beside the median cycle time's own change —
//! "faster, clearly; CSAT no clear change" as a table. The rows are the
//! comparisons' own (`Comparison::outcomes`).

use super::{Needs, Segmenting, Table, View};
use crate::dashboard::source::{col, ColKind::*, Context};
use crate::report::ReportError;

pub(super) const VIEW: View = View {
    name: "quality",
    columns: &[
        col("workflow_id", "Workflow", Text),
        col("cycle_time_p50_before", "Cycle time p50 before", Minutes),
        col("cycle_time_p50_after", "Cycle time p50 after", Minutes),
        col("speed_verdict", "Speed", Text),
        col("outcome", "Outcome", Text),
        col("unit", "Unit", Text),
        col("before_source", "Before: from", Text),
        col("before", "Before", Number),
        col("before_n", "n before", Count),
        col("after", "After", Number),
        col("after_n", "n after", Count),
        col("change", "Change", Number),
        col("ci_low", "95% interval, low", Number),
        col("ci_high", "95% interval, high", Number),
        col("share_at_target_after", "At or above target, after", Share),
        col("verdict", "Quality", Text),
    ],
    needs: Needs::PORTFOLIO,
    segmenting: Segmenting::Filtered,
    compute,
};

fn compute(cx: &mut Context<'_>, t: &mut Table) -> Result<(), ReportError> {
    let (_, _, comparisons) = cx.portfolio()?;
    for c in comparisons {
        let speed = c.rows.iter().find(|r| r.metric == "cycle_time_p50_min");
        for o in &c.outcomes {
            t.row()
                .text("workflow_id", &c.workflow_id)
                .real("cycle_time_p50_before", speed.and_then(|r| r.before))
                .real("cycle_time_p50_after", speed.and_then(|r| r.after))
                .maybe_text("speed_verdict", speed.map(|r| r.verdict.as_str()))
                .text("outcome", &o.outcome)
                .text("unit", o.unit())
                .text("before_source", &o.before_source)
                .real("before", o.before_mean)
                .count("before_n", o.before_n as i64)
                .real("after", o.after_mean)
                .count("after_n", o.after_n as i64)
                .real("change", o.change)
                .real("ci_low", o.ci_low)
                .real("ci_high", o.ci_high)
                .real("share_at_target_after", o.after_share_at_target)
                .text("verdict", &o.verdict)
                .push()?;
            t.n += o.after_n as i64;
        }
    }
    if t.is_empty() {
        t.empty_because(
            "No workflow in view declares outcome measures (the catalogue's `outcomes` column, \
             e.g. `csat:scale:target=4;reopened:rate`)."
                .into(),
        );
    } else {
        t.notes.push(
            "Each outcome's mean: before = the values the time study recorded, else the runs \
             before go-live (`before_source` says which), after = the runs of the period; a rate is the share of runs where it happened. Changes with 95% bootstrap \
             intervals over whole weeks; fewer than 20 values on a side says too little data. \
             Speed is the median cycle time's comparison on the same runs."
                .into(),
        );
    }
    Ok(())
}
