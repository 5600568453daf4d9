//! The `versions` view: each version of the one workflow in view (its runs'
//! `version`) in the period, with its error rate and median cycle time
//! against the version before it (`report versions`).

use super::{Needs, Segmenting, Table, View};
use crate::dashboard::source::{col, ColKind::*, Context};
use crate::metrics::compare::CompareRow;
use crate::report::ReportError;

pub(super) const VIEW: View = View {
    name: "versions",
    columns: &[
        col("workflow_id", "Workflow", Text),
        col("version", "Version", Text),
        col("previous", "After version", Text),
        col("first_run", "First run", Text),
        col("last_run", "Last run", Text),
        col("runs", "Runs", Count),
        col("error_rate", "Error rate", Share),
        col("error_rate_change", "Error rate change", Share),
        col("error_rate_verdict", "Error rate verdict", Text),
        col("cycle_time_p50_min", "Cycle time p50 (min)", Number),
        col(
            "cycle_time_p50_change",
            "Cycle time p50 change (min)",
            Number,
        ),
        col("cycle_time_p50_verdict", "Cycle time p50 verdict", Text),
    ],
    needs: Needs::NOTHING,
    segmenting: Segmenting::Whole,
    compute,
};

fn compute(cx: &mut Context<'_>, t: &mut Table) -> Result<(), ReportError> {
    let [workflow] = &cx.scope.workflows[..] else {
        t.empty_because("Versions are listed for one workflow: pick one.".into());
        return Ok(());
    };
    let v = match cx.versions(&workflow.clone()) {
        Ok(v) => v,
        // An engine that cannot read runs by version (Spark) says so.
        Err(ReportError::Engine(crate::engine::EngineError::Unsupported(why))) => {
            t.empty_because(format!("Versions are not listed: {why}."));
            return Ok(());
        }
        Err(e) => return Err(e),
    };
    let find = |rows: &[CompareRow], m: &str| rows.iter().find(|r| r.metric == m).cloned();
    for r in &v.versions {
        let (e, c) = (
            find(&r.rows, "error_rate"),
            find(&r.rows, "cycle_time_p50_min"),
        );
        let day = |d: chrono::NaiveDateTime| crate::model::format_timestamp(d)[..10].to_string();
        t.row()
            .text("workflow_id", &r.workflow_id)
            .text("version", r.version.as_deref().unwrap_or("(none)"))
            .maybe_text("previous", r.previous.as_deref())
            .text("first_run", &day(r.first_run))
            .text("last_run", &day(r.last_run))
            .count("runs", r.runs as i64)
            .real("error_rate", e.as_ref().and_then(|x| x.after))
            .real("error_rate_change", e.as_ref().and_then(|x| x.change))
            .maybe_text("error_rate_verdict", e.as_ref().map(|x| x.verdict.as_str()))
            .real("cycle_time_p50_min", c.as_ref().and_then(|x| x.after))
            .real("cycle_time_p50_change", c.as_ref().and_then(|x| x.change))
            .maybe_text(
                "cycle_time_p50_verdict",
                c.as_ref().map(|x| x.verdict.as_str()),
            )
            .push()?;
        t.n += r.runs as i64;
    }
    t.notes.push(format!(
        "Each version (the runs' `version`) against the version first run before it: \
         changes with {:.0}% bootstrap intervals ({} resamples, seed {}); fewer than 20 on a \
         side says too little data. (none): runs naming no version (work done by hand before \
         go-live). `report versions --workflow {workflow}` has every metric.",
        v.level * 100.0,
        v.resamples,
        v.seed
    ));
    Ok(())
}
