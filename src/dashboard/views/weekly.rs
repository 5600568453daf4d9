//! The `weekly` view: runs by status, rates, quantiles, SLA compliance and
//! reclaimed hours per ISO week (Monday, UTC) of the scope.

use super::{Needs, Segmenting, Table, View};
use crate::dashboard::source::{col, ColKind::*, Context, Mark};
use crate::metrics::rates::Terminal;
use crate::metrics::MetricRow;
use crate::report::ReportError;

pub(super) const VIEW: View = View {
    name: "weekly",
    columns: &[
        col("week", "Week (Monday, page time zone)", Text),
        col("runs", "Runs", Count),
        col("succeeded", "Succeeded", Count),
        col("failed", "Failed", Count),
        col("escalated", "Escalated", Count),
        col("cancelled", "Cancelled", Count),
        col("running", "Running", Count),
        col("error_rate", "Error rate", Share),
        col("escalation_rate", "Escalation rate", Share),
        col("cycle_time_p50_min", "Cycle time p50 (min)", Minutes),
        col("cycle_time_p90_min", "Cycle time p90 (min)", Minutes),
        col("response_p50_min", "Response p50 (min)", Minutes),
        col("sla_response_compliance", "Response SLA met", Share),
        col("sla_cycle_compliance", "Cycle SLA met", Share),
        col("reclaimed_hours", "Reclaimed hours", Hours),
    ],
    needs: Needs {
        weekly: true,
        ..Needs::NOTHING
    },
    segmenting: Segmenting::Filtered,
    compute,
};

fn compute(cx: &mut Context<'_>, t: &mut Table) -> Result<(), ReportError> {
    let single = cx.scope.workflows.len() == 1;
    let tz = cx.scope.tz;
    let clipped = crate::dashboard::source::weekly_from(cx.scope.period) > cx.scope.period.from;
    let trend = cx.weekly()?;
    if let (true, Some(first)) = (clipped, trend.buckets.first()) {
        t.notes.push(format!(
            "The period has more weeks than a weekly chart holds ({}): these are its last \
             weeks, from the week of {}; the other panels cover the whole period. Choose a \
             shorter period to see its start week by week.",
            crate::report::MAX_TREND_PERIODS,
            first.start_local,
        ));
    }
    for (b, table) in trend.buckets.iter().zip(&trend.tables) {
        let rows = table.rows()?;
        let sum = |f: fn(&MetricRow) -> i64| rows.iter().map(f).sum::<i64>();
        let counts = Terminal::of(&rows);
        // Quantiles and SLA compliance do not pool: shown for one workflow only.
        let one = |g: fn(&MetricRow) -> Option<f64>| {
            if single {
                rows.first().and_then(g)
            } else {
                None
            }
        };
        let hours: Vec<f64> = rows.iter().filter_map(|r| r.reclaimed_hours).collect();
        t.row()
            .text("week", &b.start_local.to_string())
            .count("runs", sum(|r| r.runs))
            .count("succeeded", counts.succeeded)
            .count("failed", counts.failed)
            .count("escalated", counts.escalated)
            .count("cancelled", sum(|r| r.cancelled))
            .count("running", sum(|r| r.running))
            .real("error_rate", counts.error_rate())
            .real("escalation_rate", counts.escalation_rate())
            .real("cycle_time_p50_min", one(|r| r.cycle_time_p50_min))
            .real("cycle_time_p90_min", one(|r| r.cycle_time_p90_min))
            .real("response_p50_min", one(|r| r.response_p50_min))
            .real(
                "sla_response_compliance",
                one(|r| r.sla_response_compliance),
            )
            .real("sla_cycle_compliance", one(|r| r.sla_cycle_compliance))
            .real(
                "reclaimed_hours",
                (!hours.is_empty()).then(|| hours.iter().sum()),
            )
            .push()?;
        t.n += sum(|r| r.runs);
    }
    // Each go-live inside the weeks shown, at the week it falls in (in the page's zone).
    let weeks: Vec<String> = trend
        .buckets
        .iter()
        .map(|b| b.start_local.to_string())
        .collect();
    let mut live: Vec<(String, String)> = cx
        .catalogue()
        .iter()
        .filter_map(|c| {
            let at = c.workflow.automated_since?;
            let day = at.and_utc().with_timezone(&tz).date_naive();
            let monday = day.week(chrono::Weekday::Mon).first_day();
            let week = monday.to_string();
            weeks
                .contains(&week)
                .then(|| (week, c.workflow.workflow_id.clone()))
        })
        .collect();
    live.sort();
    // More than a few names would write over each other: then each line
    // has a number, and the note says whose go-live it is.
    let numbered = live.len() > 3;
    for (i, (week, id)) in live.iter().enumerate() {
        t.marks.push(Mark {
            x: week.clone(),
            text: match (single, numbered) {
                (true, _) => "go-live".into(),
                (false, true) => (i + 1).to_string(),
                (false, false) => format!("go-live: {id}"),
            },
        });
    }
    if !live.is_empty() {
        t.notes.push(format!(
            "Dashed lines: go-live ({}).",
            live.iter()
                .enumerate()
                .map(|(i, (w, id))| {
                    let n = if numbered {
                        format!("{} ", i + 1)
                    } else {
                        String::new()
                    };
                    format!("{n}{id}, week of {w}")
                })
                .collect::<Vec<_>>()
                .join("; ")
        ));
    }
    // One workflow in view: the weeks its versions were first run are marked
    // too (a version first run in its go-live week is the go-live's mark).
    if single {
        let versions: Vec<(String, String)> = cx
            .version_starts()?
            .into_iter()
            .filter_map(|(_, v, at)| {
                let day = at.and_utc().with_timezone(&tz).date_naive();
                let week = day.week(chrono::Weekday::Mon).first_day().to_string();
                weeks.contains(&week).then_some((week, v))
            })
            .collect();
        for (week, v) in &versions {
            if !live.iter().any(|(w, _)| w == week) {
                t.marks.push(Mark {
                    x: week.clone(),
                    text: format!("version {v}"),
                });
            }
        }
        if !versions.is_empty() {
            t.notes.push(format!(
                "Versions first run: {}.",
                versions
                    .iter()
                    .map(|(w, v)| format!("{v}, week of {w}"))
                    .collect::<Vec<_>>()
                    .join("; ")
            ));
        }
    }
    t.notes.push(format!(
        "ISO weeks starting Monday 00:00 {}; the first and last week may reach outside \
         the period. Error rate = failed / (succeeded + failed + escalated) over the week's runs.",
        tz.name()
    ));
    if !single {
        t.notes.push(
            "Quantiles and SLA compliance are per workflow; pick one workflow to see them.".into(),
        );
    }
    Ok(())
}
