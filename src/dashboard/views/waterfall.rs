//! The `waterfall` view: the scope's reclaimed hours from gross to net, one
//! row per step of `report waterfall`'s total (signed: what a step takes
//! away is negative), each with the runs it counts.

use super::{Needs, Segmenting, Table, View};
use crate::dashboard::source::{col, ColKind::*, Context};
use crate::report::ReportError;

pub(super) const VIEW: View = View {
    name: "waterfall",
    columns: &[
        col("step", "Step", Text),
        col("hours", "Hours", Number),
        col("runs", "Runs", Count),
    ],
    needs: Needs::NOTHING,
    segmenting: Segmenting::Whole,
    compute,
};

fn compute(cx: &mut Context<'_>, t: &mut Table) -> Result<(), ReportError> {
    let rows = cx.waterfall()?;
    // The total is the last row.
    let Some(total) = rows.last() else {
        return Ok(());
    };
    // Terminal runs since go-live of the measurable workflows.
    t.n = total.runs;
    let minus = |x: Option<f64>| x.map(|v| -v);
    let steps = [
        (
            "Gross: B for every terminal run since go-live",
            total.gross_hours,
            total.runs,
        ),
        (
            "− human time on succeeded runs",
            minus(total.human_succeeded_hours),
            total.succeeded,
        ),
        (
            "− human time on escalations",
            minus(total.human_escalated_hours),
            total.escalated,
        ),
        (
            "− failed runs (their human time, or B if done by hand)",
            minus(total.failed_hours),
            total.failed,
        ),
        ("= Net: reclaimed hours", total.net_hours, total.runs),
        (
            "− maintenance (pro rata by days since go-live)",
            minus(total.maintenance_hours),
            total.runs,
        ),
        (
            "= Net after maintenance",
            total.net_hours_after_maintenance,
            total.runs,
        ),
    ];
    for (step, hours, runs) in steps {
        t.row()
            .text("step", step)
            .real("hours", hours)
            .count("runs", runs)
            .push()?;
    }
    Ok(())
}
