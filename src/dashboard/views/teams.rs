//! The `teams` view: the portfolio roll-up by team: workflows, runs, pooled
//! rates and reclaimed hours.

use super::{Needs, Segmenting, Table, View};
use crate::dashboard::source::{col, ColKind::*, Context};
use crate::report::ReportError;

pub(super) const VIEW: View = View {
    name: "teams",
    columns: &[
        col("team", "Team", Text),
        col("workflows", "Workflows", Count),
        col("runs", "Runs", Count),
        col("error_rate", "Error rate", Share),
        col("escalation_rate", "Escalation rate", Share),
        col("reclaimed_hours", "Reclaimed hours", Hours),
    ],
    needs: Needs::PORTFOLIO,
    segmenting: Segmenting::Filtered,
    compute,
};

fn compute(cx: &mut Context<'_>, t: &mut Table) -> Result<(), ReportError> {
    let (p, _, _) = cx.portfolio()?;
    for g in p.groups.iter().filter(|g| g.dimension == "team") {
        t.row()
            .text("team", &g.key)
            .count("workflows", g.workflows as i64)
            .count("runs", g.runs)
            .real("error_rate", g.error_rate)
            .real("escalation_rate", g.escalation_rate)
            .real("reclaimed_hours", g.reclaimed_hours)
            .push()?;
        t.n += g.runs;
    }
    t.notes.push(
        "Reclaimed hours per team: the sum over its workflows with a baseline and a go-live; empty when none has one."
            .into(),
    );
    Ok(())
}
