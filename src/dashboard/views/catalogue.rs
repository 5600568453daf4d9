//! The `catalogue` view: the workflows in view as catalogued, with the
//! baseline each uses and where it comes from.

use super::{Needs, Segmenting, Table, View};
use crate::dashboard::source::{col, ColKind::*, Context};
use crate::report::ReportError;

pub(super) const VIEW: View = View {
    name: "catalogue",
    columns: &[
        col("workflow_id", "Workflow", Text),
        col("name", "Name", Text),
        col("owner", "Owner", Text),
        col("team", "Team", Text),
        col("category", "Category", Text),
        col("automated_since", "Automated since", Text),
        col(
            "baseline_minutes_per_item",
            "Baseline B (min/item)",
            Minutes,
        ),
        col("baseline_source", "B from", Text),
        col("baseline_observations", "Study observations", Count),
        col("hourly_cost", "Hourly cost", Number),
        col("currency", "Currency", Text),
        col("sla_response_minutes", "Response SLA (min)", Minutes),
        col("sla_cycle_minutes", "Cycle SLA (min)", Minutes),
    ],
    needs: Needs::NOTHING,
    segmenting: Segmenting::Whole,
    compute,
};

fn compute(cx: &mut Context<'_>, t: &mut Table) -> Result<(), ReportError> {
    // Owner and terms are shown also for a workflow without a time study.
    t.facts = true;
    for c in cx.catalogue() {
        let w = &c.workflow;
        let since = w.automated_since.map(crate::model::format_timestamp);
        t.row()
            .text("workflow_id", &w.workflow_id)
            .text("name", &w.name)
            .text("owner", &w.owner)
            .maybe_text("team", w.team.as_deref())
            .text("category", &w.category)
            .maybe_text("automated_since", since.as_deref())
            .real("baseline_minutes_per_item", c.b)
            .text("baseline_source", &c.b_source)
            .count("baseline_observations", c.baseline_observations)
            .real("hourly_cost", w.hourly_cost)
            .maybe_text("currency", w.currency.as_deref())
            .real("sla_response_minutes", w.sla_response_minutes)
            .real("sla_cycle_minutes", w.sla_cycle_minutes)
            .push()?;
        t.n += c.baseline_observations;
    }
    Ok(())
}
