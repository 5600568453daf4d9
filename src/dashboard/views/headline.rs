//! The `headline` view: hours and money reclaimed in the scope (money per
//! currency), with their 95% bootstrap intervals, and each figure's change
//! against the previous period of equal length (with its interval and
//! verdict, exactly as `report summary` gives it) and, where the period is
//! a calendar month, quarter or year, against the previous one of those.

use super::{Needs, Row, Segmenting, Table, View};
use crate::dashboard::source::{col, ColKind::*, Context};
use crate::metrics::portfolio::{deviations, reporting_deviation, withhold, Deviation};
use crate::model::format_timestamp;
use crate::report::ReportError;

pub(super) const VIEW: View = View {
    name: "headline",
    columns: &[
        col("figure", "Figure", Text),
        col("unit", "Unit", Text),
        col("value", "Value", Number),
        col("ci_low", "95% interval, low", Number),
        col("ci_high", "95% interval, high", Number),
        col("workflows", "Workflows", Count),
        col("runs", "Terminal runs since go-live", Count),
        col("previous", "Previous period", Number),
        col("change", "Change", Number),
        col("change_low", "Change, 95% interval, low", Number),
        col("change_high", "Change, 95% interval, high", Number),
        col("change_verdict", "Change, verdict", Text),
        col("change_against", "Change against", Text),
        col("previous_calendar", "Previous calendar period", Number),
        col(
            "change_calendar",
            "Change against the calendar period",
            Number,
        ),
        col("calendar_against", "Calendar change against", Text),
    ],
    needs: Needs {
        portfolio: true,
        previous: true,
        ..Needs::NOTHING
    },
    segmenting: Segmenting::Filtered,
    compute,
};

/// A figure's change against the previous period of equal length, and the
/// calendar one's point value.
struct Against<'a> {
    deviation: Option<Deviation>,
    calendar: Option<f64>,
    /// "the previous 91 days", "the previous quarter".
    against: &'a str,
    calendar_against: Option<&'a str>,
}

impl Against<'_> {
    fn cells<'r>(&self, value: Option<f64>, row: Row<'r>) -> Row<'r> {
        let d = self.deviation.as_ref();
        row.real("previous", d.and_then(|d| d.previous))
            .real("change", d.and_then(|d| d.change))
            .real("change_low", d.and_then(|d| d.ci_low))
            .real("change_high", d.and_then(|d| d.ci_high))
            .maybe_text("change_verdict", d.map(|d| d.verdict.as_str()))
            .maybe_text("change_against", d.map(|_| self.against))
            .real("previous_calendar", self.calendar)
            .maybe_text("calendar_against", self.calendar.and(self.calendar_against))
            .real(
                "change_calendar",
                value.zip(self.calendar).map(|(v, c)| v - c),
            )
    }
}

fn compute(cx: &mut Context<'_>, t: &mut Table) -> Result<(), ReportError> {
    let calendar = cx.previous_calendar()?;
    let gap = cx.previous_gap()?;
    let previous_period = cx.scope.period.previous();
    let ((p, rows, _), (before, rows_before, _)) = cx.with_previous()?;
    let mut changes = deviations(p, before, rows, rows_before, 0.95);
    let unknown = |d: &mut Deviation| {
        if let Some(why) = &gap {
            withhold(d, why);
        }
    };
    changes.iter_mut().for_each(unknown);
    let against = format!(
        "the previous {} days",
        (previous_period.to - previous_period.from).num_days()
    );
    let calendar_against = calendar
        .as_ref()
        .map(|c| format!("the previous {}", c.name));
    for h in &p.headline {
        let figure = if h.unit == "hours" {
            "Hours reclaimed".to_string()
        } else {
            format!("Money reclaimed ({})", h.unit)
        };
        let against = Against {
            against: &against,
            calendar_against: calendar_against.as_deref(),
            deviation: changes
                .iter()
                .find(|d| d.unit == h.unit && d.figure.starts_with("reclaimed_"))
                .cloned(),
            calendar: calendar.as_ref().map(|c| {
                c.portfolio
                    .headline
                    .iter()
                    .find(|x| x.unit == h.unit)
                    .map_or(0.0, |x| x.value)
            }),
        };
        let row = t
            .row()
            .text("figure", &figure)
            .text("unit", &h.unit)
            .real("value", Some(h.value))
            .real("ci_low", h.ci_low)
            .real("ci_high", h.ci_high)
            .count("workflows", h.workflows as i64)
            .count("runs", h.runs);
        against.cells(Some(h.value), row).push()?;
    }
    t.n = p.headline.first().map_or(0, |h| h.runs);
    let before = previous_period;
    let (days, since, until) = (
        (before.to - before.from).num_days(),
        format_timestamp(before.from),
        format_timestamp(before.to),
    );
    t.notes.push(match &gap {
        Some(why) => format!(
            "Change: none against the previous {days} days, [{since}, {until}), as `report \
             summary` says: {why}, so its figures are unknown, not 0."
        ),
        None => format!(
            "Change: against the previous {days} days, [{since}, {until}), as `report summary` \
             gives it; its 95% interval is the bootstrap's, now − before draw by draw."
        ),
    });
    if let Some(c) = &calendar {
        t.notes.push(format!(
            "Calendar: against the previous {} [{}, {}), point values (no interval).",
            c.name,
            format_timestamp(c.period.from),
            format_timestamp(c.period.to),
        ));
    }
    let runs = t.n;
    if !p.without_baseline.is_empty() {
        t.notes.push(format!(
            "Not counted, no baseline: {}.",
            p.without_baseline.join(", ")
        ));
    }
    // The headline sums the comparisons' draws, which are drawn by weeks.
    t.notes.push(format!(
        "Reclaimed hours = Σ (B − human minutes) / 60 over terminal runs since go-live; \
         money = the same per run × the hourly cost in force at its anchor, per currency, \
         never summed across currencies unless a reporting currency is chosen. \
         Interval: 95% week-block bootstrap ({}; runs of one ISO week are not taken as \
         independent), summed draw by draw over workflows; \
         the automation's effect against a counterfactual is `report impact`'s.",
        crate::metrics::compare::Interval::Weeks.describe()
    ));
    let previous = cx.previous_reporting()?.cloned();
    if let Some(h) = cx.reporting()? {
        let r = &h.reporting;
        let against = Against {
            against: &against,
            calendar_against: calendar_against.as_deref(),
            deviation: previous.map(|b| {
                let mut d = reporting_deviation(h, &b, 0.95);
                unknown(&mut d);
                d
            }),
            calendar: calendar
                .as_ref()
                .and_then(|c| c.reporting.as_ref())
                .and_then(|r| r.total),
        };
        let row = t
            .row()
            .text("figure", &format!("Money reclaimed, all in {}", h.currency))
            .text("unit", &h.currency)
            .real("value", h.value)
            .real("ci_low", h.ci_low)
            .real("ci_high", h.ci_high)
            .count("workflows", r.workflows as i64)
            .count("runs", runs);
        against.cells(h.value, row).push()?;
        let rates: Vec<String> = r
            .rates
            .iter()
            .map(|x| {
                format!(
                    "1 {} = {} {} from {} ({} runs)",
                    x.currency, x.rate, h.currency, x.date, x.runs
                )
            })
            .collect();
        t.notes.push(format!(
            "All in {}: each run's money converted at the latest rate dated on or before its \
             anchor's day{}.",
            h.currency,
            if rates.is_empty() {
                String::new()
            } else {
                format!(": {}", rates.join("; "))
            }
        ));
        if let Some(why) = &r.total_missing {
            t.notes.push(format!("All in {}: {why}.", h.currency));
        }
    }
    Ok(())
}
