//! The `backlog` view: the manual workflows of the scope ranked by the hours
//! automating them would reclaim, projected from their time studies.

use super::{Needs, Segmenting, Table, View};
use crate::dashboard::source::{col, ColKind::*, Context};
use crate::report::ReportError;

pub(super) const VIEW: View = View {
    name: "backlog",
    columns: &[
        col("rank", "Rank", Count),
        col("workflow_id", "Workflow", Text),
        col("name", "Name", Text),
        col("team", "Team", Text),
        col("owner", "Owner", Text),
        col("observations", "Observations", Count),
        col("items_per_week", "Items per week", Number),
        col("mean_handle_minutes", "Mean handle (min)", Minutes),
        col("weekly_manual_hours", "Manual hours per week", Hours),
        col(
            "projected_reclaimed_hours_per_year",
            "Projected hours per year",
            Hours,
        ),
        col(
            "projected_reclaimed_money_per_year",
            "Projected money per year",
            Money,
        ),
        col("currency", "Currency", Text),
    ],
    needs: Needs::NOTHING,
    segmenting: Segmenting::Whole,
    compute,
};

fn compute(cx: &mut Context<'_>, t: &mut Table) -> Result<(), ReportError> {
    let b = cx.backlog()?;
    for r in b
        .rows
        .iter()
        .filter(|r| cx.scope.workflows.contains(&r.workflow_id))
    {
        t.row()
            .count("rank", r.rank as i64)
            .text("workflow_id", &r.workflow_id)
            .text("name", &r.name)
            .maybe_text("team", r.team.as_deref())
            .text("owner", &r.owner)
            .count("observations", r.observations)
            .real("items_per_week", Some(r.items_per_week))
            .real("mean_handle_minutes", Some(r.mean_handle_minutes))
            .real("weekly_manual_hours", Some(r.weekly_manual_hours))
            .real(
                "projected_reclaimed_hours_per_year",
                Some(r.projected_reclaimed_hours_per_year),
            )
            .real(
                "projected_reclaimed_money_per_year",
                r.projected_reclaimed_money_per_year,
            )
            .maybe_text("currency", r.currency.as_deref())
            .push()?;
        t.n += r.observations;
    }
    if t.is_empty() {
        t.empty_because(if b.rows.is_empty() {
            "Nothing to rank: no workflow done by hand (without a go-live, \
             `automated_since`) has time-study observations (`yardstick ingest baselines`)."
                .to_string()
        } else {
            format!(
                "Nothing to rank in view: the {} workflow(s) done by hand with a time study \
                 are outside the page's filter.",
                b.rows.len()
            )
        });
    }
    let a = &b.assumptions;
    t.notes.push(format!(
        "Projection: observed items per week × mean handle minutes × (1 − residual share {:.1}%, {}) \
         × {} weeks per year. n = time-study observations.",
        a.residual_share * 100.0,
        a.residual_source,
        a.weeks_per_year
    ));
    Ok(())
}
