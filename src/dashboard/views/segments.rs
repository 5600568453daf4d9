//! The `segments` view, the "by segment" panel kind: the period's metric
//! table a row per workflow and segment of the runs (the panel's TOML `by`,
//! or the page's `by`), each with its own n, and beside it the quality —
//! each declared outcome of the segment against its runs before go-live.
//! "Did it help every kind of customer, or only the easy ones?"

use super::{Needs, Segmenting, Table, View};
use crate::dashboard::source::{col, ColKind::*, Context};
use crate::engine::EngineError;
use crate::metrics::compare::MIN_N;
use crate::report::ReportError;
use crate::segments::Segments;

pub(super) const VIEW: View = View {
    name: "segments",
    columns: &[
        col("workflow_id", "Workflow", Text),
        col("segment", "Segment", Text),
        col("runs", "Runs", Count),
        col("error_rate", "Error rate", Share),
        col("cycle_time_p50_min", "Cycle time p50 (min)", Number),
        col("response_p50_min", "Response p50 (min)", Number),
        col("reclaimed_hours", "Reclaimed hours", Number),
        col(
            "quality",
            "Quality (outcomes, after against before go-live)",
            Text,
        ),
        col("note", "Note", Text),
    ],
    needs: Needs::NOTHING,
    segmenting: Segmenting::BySegment,
    compute,
};

fn compute(cx: &mut Context<'_>, t: &mut Table) -> Result<(), ReportError> {
    let by = if cx.scope.segments.by.is_empty() {
        cx.panel_by.clone()
    } else {
        cx.scope.segments.by.clone()
    };
    let segments = Segments {
        by,
        ..cx.scope.segments.filter_only()
    };
    let table = match cx.segment_table(&segments) {
        Ok(t) => t,
        // An engine that cannot segment runs (Spark) says so.
        Err(ReportError::Engine(EngineError::Unsupported(why))) => {
            t.empty_because(format!("Segments are not shown: {why}."));
            return Ok(());
        }
        Err(e) => return Err(e),
    };
    let outcomes = cx.segment_outcomes(&segments)?;
    for r in table.rows()? {
        // Joined on the values, not their text: "(missing)" is only shown.
        let key = segments.key_of(r.segment.as_ref());
        let segment = key
            .iter()
            .map(|v| v.as_deref().unwrap_or("(missing)"))
            .collect::<Vec<_>>()
            .join(" / ");
        let quality: Vec<String> = outcomes
            .iter()
            .filter(|o| {
                o.workflow_id == r.workflow_id && segments.key_of(o.segment.as_ref()) == key
            })
            .map(describe)
            .collect();
        let note = (r.runs < MIN_N as i64).then(|| format!("too little data: n={}", r.runs));
        t.row()
            .text("workflow_id", &r.workflow_id)
            .text("segment", &segment)
            .count("runs", r.runs)
            .real("error_rate", r.error_rate)
            .real("cycle_time_p50_min", r.cycle_time_p50_min)
            .real("response_p50_min", r.response_p50_min)
            .real("reclaimed_hours", r.reclaimed_hours)
            .maybe_text(
                "quality",
                (!quality.is_empty()).then(|| quality.join("; ")).as_deref(),
            )
            .maybe_text("note", note.as_deref())
            .push()?;
        t.n += r.runs;
    }
    t.notes.push(format!(
        "The period's runs {}, a row per workflow and segment with its own n; (missing): runs \
         without the attribute. Fewer than {MIN_N} runs in a segment says too little data. \
         Quality: each outcome the workflow declares, its mean in the segment's runs of the \
         period against the values its time study recorded, else its runs before go-live, \
         with the verdict of a 95% bootstrap interval.",
        segments.describe()
    ));
    Ok(())
}

/// "csat 3.70 (n 217) against 3.79 (n 96): no clear change"; a rate in %.
fn describe(o: &crate::metrics::compare::outcomes::OutcomeRow) -> String {
    let v = |x: Option<f64>| match (x, o.kind) {
        (None, _) => "–".to_string(),
        (Some(x), crate::outcomes::Kind::Rate) => format!("{:.1}%", x * 100.0),
        (Some(x), crate::outcomes::Kind::Scale) => format!("{x:.2}"),
    };
    format!(
        "{} {} (n {}) against {} (n {}): {}",
        o.outcome,
        v(o.after_mean),
        o.after_n,
        v(o.before_mean),
        o.before_n,
        o.verdict
    )
}
