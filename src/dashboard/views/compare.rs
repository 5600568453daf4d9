//! The `compare` view: every automated workflow's before/after comparison,
//! metric by metric, with 95% bootstrap intervals and a verdict; the
//! outcome measures a workflow declares follow its time metrics.

use super::{Needs, Segmenting, Table, View};
use crate::dashboard::source::{col, ColKind::*, Context};
use crate::metrics::compare::BaselineChoice;
use crate::report::ReportError;

pub(super) const VIEW: View = View {
    name: "compare",
    columns: &[
        col("workflow_id", "Workflow", Text),
        col("metric", "Metric", Text),
        col("unit", "Unit", Text),
        col("before", "Before", Number),
        col("before_n", "n before", Count),
        col("after", "After", Number),
        col("after_n", "n after", Count),
        col("change", "Change", Number),
        col("change_pct", "Change %", Share),
        col("ci_low", "95% interval, low", Number),
        col("ci_high", "95% interval, high", Number),
        col("verdict", "Verdict", Text),
    ],
    needs: Needs::PORTFOLIO,
    segmenting: Segmenting::Filtered,
    compute,
};

fn compute(cx: &mut Context<'_>, t: &mut Table) -> Result<(), ReportError> {
    if let Some(note) = super::by_hand(cx, "no before and after to compare") {
        t.empty_because(note);
        return Ok(());
    }
    let (_, _, comparisons) = cx.portfolio()?;
    for c in comparisons {
        for r in &c.all_rows() {
            t.row()
                .text("workflow_id", &r.workflow_id)
                .text("metric", &r.metric)
                .text("unit", &r.unit)
                .real("before", r.before)
                .count("before_n", r.before_n as i64)
                .real("after", r.after)
                .count("after_n", r.after_n as i64)
                .real("change", r.change)
                .real("change_pct", r.change_pct)
                .real("ci_low", r.ci_low)
                .real("ci_high", r.ci_high)
                .text("verdict", &r.verdict)
                .push()?;
        }
    }
    t.n = comparisons
        .iter()
        .filter_map(|c| c.rows.iter().find(|r| r.metric == "error_rate"))
        .map(|r| r.after_n as i64)
        .sum();
    if let Some(c) = comparisons.first() {
        // Each workflow's before side: the time study where it has one, else
        // its runs before go-live.
        let mut before: Vec<(BaselineChoice, Vec<&str>)> = Vec::new();
        for w in comparisons {
            match before.iter_mut().find(|(b, _)| *b == w.baseline) {
                Some((_, ids)) => ids.push(&w.workflow_id),
                None => before.push((w.baseline, vec![&w.workflow_id])),
            }
        }
        let before = match &before[..] {
            [(b, _)] => b.describe().to_string(),
            several => several
                .iter()
                .map(|(b, ids)| format!("{} ({})", b.describe(), ids.join(", ")))
                .collect::<Vec<_>>()
                .join("; "),
        };
        t.notes.push(format!(
            "Before = {before}; after = runs since go-live in the period. Medians and means \
             with 95% bootstrap intervals ({} resamples, seed {}, {}).",
            c.resamples,
            c.seed,
            c.interval.describe()
        ));
    }
    // An outcome's before side can differ from the time metrics' (a time
    // study that recorded no outcome values): say where each came from.
    let mut sources: Vec<String> = Vec::new();
    for o in comparisons.iter().flat_map(|c| &c.outcomes) {
        let s = format!("{}: {}", o.metric(), o.before_source);
        if !sources.contains(&s) {
            sources.push(s);
        }
    }
    if !sources.is_empty() {
        t.notes
            .push(format!("Outcome rows, before = {}.", sources.join("; ")));
    }
    Ok(())
}
