//! The `workflows` view: one row per workflow in view with its runs, rates,
//! medians, SLA compliance and what it reclaimed.

use super::{Needs, Segmenting, Table, View};
use crate::dashboard::source::{col, ColKind::*, Context};
use crate::report::ReportError;

pub(super) const VIEW: View = View {
    name: "workflows",
    columns: &[
        col("workflow_id", "Workflow", Text),
        col("name", "Name", Text),
        col("team", "Team", Text),
        col("owner", "Owner", Text),
        col("runs", "Runs", Count),
        col("error_rate", "Error rate", Share),
        col("escalation_rate", "Escalation rate", Share),
        col("cycle_time_n", "Cycle time n", Count),
        col("cycle_time_p50_min", "Cycle p50 (min)", Minutes),
        col("response_n", "Response n", Count),
        col("response_p50_min", "Response p50 (min)", Minutes),
        col("sla_response_compliance", "Response SLA met", Share),
        col("sla_cycle_compliance", "Cycle SLA met", Share),
        col("reclaimed_hours", "Reclaimed hours", Hours),
        col("reclaimed_money", "Reclaimed money", Money),
        col("currency", "Currency", Text),
    ],
    needs: Needs::PORTFOLIO,
    segmenting: Segmenting::Filtered,
    compute,
};

fn compute(cx: &mut Context<'_>, t: &mut Table) -> Result<(), ReportError> {
    let rows = cx.portfolio()?.1.clone();
    for r in &rows {
        let w = cx.entry(&r.workflow_id).map(|c| &c.workflow);
        t.row()
            .text("workflow_id", &r.workflow_id)
            .maybe_text("name", w.map(|w| w.name.as_str()))
            .maybe_text("team", w.and_then(|w| w.team.as_deref()))
            .maybe_text("owner", w.map(|w| w.owner.as_str()))
            .count("runs", r.runs)
            .real("error_rate", r.error_rate)
            .real("escalation_rate", r.escalation_rate)
            .count("cycle_time_n", r.cycle_time_n)
            .real("cycle_time_p50_min", r.cycle_time_p50_min)
            .count("response_n", r.response_n)
            .real("response_p50_min", r.response_p50_min)
            .real("sla_response_compliance", r.sla_response_compliance)
            .real("sla_cycle_compliance", r.sla_cycle_compliance)
            .real("reclaimed_hours", r.reclaimed_hours)
            .real("reclaimed_money", r.reclaimed_money)
            .maybe_text("currency", r.currency.as_deref())
            .push()?;
        t.n += r.runs;
    }
    Ok(())
}
