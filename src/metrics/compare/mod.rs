//! Before/after comparison of one workflow with a seeded bootstrap interval
//! for every change.
//!
//! The *before* side is the time study (`study`), the runs before go-live
//! (`pre-runs`), or both; the *after* side is the runs from go-live on, within
//! the requested period. For each metric the change is `after − before`; its
//! 95% interval is the 2.5th and 97.5th percentile of the change over
//! `resamples` bootstrap resamples of both sides, drawn from a generator
//! seeded by the seed, the workflow and the metric, so the same data always
//! gives the same interval. Like the rest of `metrics`, no I/O.

use std::borrow::Cow;

use chrono::NaiveDateTime;
use polars::prelude::{Column, DataFrame, DataType};
use serde::Serialize;

use super::{real_values, MetricsError};
use crate::model::{serialize_opt_timestamp, RunSample, Status, Term, Workflow};

mod bootstrap;
pub mod outcomes;
pub mod versions;
mod weeks;

use bootstrap::*;
pub use bootstrap::{
    difference_interval, interval, mean_difference_interval, quantile_cont, LARGE_N,
};
use weeks::*;

/// The fields of a comparison row, in order.
pub const FIELDS: [&str; 12] = [
    "workflow_id",
    "metric",
    "unit",
    "before",
    "before_n",
    "after",
    "after_n",
    "change",
    "change_pct",
    "ci_low",
    "ci_high",
    "verdict",
];

/// Fewer observations than this on either side is said in the verdict.
pub const MIN_N: usize = 20;
/// Resamples of the bootstrap unless asked otherwise.
pub const DEFAULT_RESAMPLES: usize = 2000;
/// Seed of the bootstrap unless asked otherwise.
pub const DEFAULT_SEED: u64 = 20_260_101;

/// Where the *before* side comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum BaselineChoice {
    Study,
    PreRuns,
    Both,
}

impl BaselineChoice {
    /// The before side in words, for a note under a table.
    pub fn describe(self) -> &'static str {
        match self {
            BaselineChoice::Study => "the time study",
            BaselineChoice::PreRuns => "the runs before go-live",
            BaselineChoice::Both => "the time study and the runs before go-live, pooled",
        }
    }
}

impl std::str::FromStr for BaselineChoice {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "study" => Ok(BaselineChoice::Study),
            "pre-runs" => Ok(BaselineChoice::PreRuns),
            "both" => Ok(BaselineChoice::Both),
            other => Err(format!("baseline `{other}` is not study, pre-runs or both")),
        }
    }
}

/// The statistic a metric row compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stat {
    Median,
    Mean,
}

/// One row of a comparison.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct CompareRow {
    pub workflow_id: String,
    /// A time metric's name, or an outcome's (`<name>_mean`, `<name>_rate`).
    pub metric: Cow<'static, str>,
    /// `min`, `share`, `hours`, or a currency code.
    pub unit: String,
    pub before: Option<f64>,
    pub before_n: usize,
    pub after: Option<f64>,
    pub after_n: usize,
    pub change: Option<f64>,
    pub change_pct: Option<f64>,
    pub ci_low: Option<f64>,
    pub ci_high: Option<f64>,
    pub verdict: String,
}

/// A whole comparison: its rows and everything needed to reproduce it.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Comparison {
    pub workflow_id: String,
    pub baseline: BaselineChoice,
    #[serde(serialize_with = "serialize_opt_timestamp")]
    #[schemars(with = "Option<crate::schema::Timestamp>")]
    pub automated_since: Option<NaiveDateTime>,
    /// The after side's period `[from, to)`.
    #[serde(flatten)]
    pub period: crate::metrics::Period,
    /// B, the baseline handle minutes per item used for human minutes and reclaimed hours.
    pub baseline_minutes_per_item: Option<f64>,
    pub baseline_minutes_source: String,
    pub seed: u64,
    pub resamples: usize,
    /// How the intervals' bootstrap resampled the runs.
    pub interval: Interval,
    /// Segmented (`--by attributes.KEY`, `--by version`): the segment's value of each key,
    /// null where its runs lack the attribute. The time study has no
    /// attributes: a segment's study side is the whole study.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub segment: Option<crate::segments::SegmentMap>,
    pub rows: Vec<CompareRow>,
    /// The outcome measures the workflow declares (its catalogue
    /// `outcomes`), before go-live against the after side, with the same
    /// intervals and verdicts; in the CSV after the time rows, as
    /// `<name>_mean` or `<name>_rate`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub outcomes: Vec<outcomes::OutcomeRow>,
    /// Speed and quality in one line: the verdicts of the median cycle time,
    /// the error rate and each outcome.
    pub summary: String,
    /// The bootstrap replicates of reclaimed hours, in draw order (empty without
    /// a baseline or runs). Replicates of different workflows are independent,
    /// so summing them draw by draw gives replicates of a portfolio total.
    #[serde(skip)]
    pub reclaimed_hours_draws: Vec<f64>,
    /// The same for reclaimed money, in the workflow's currency (empty
    /// without an hourly cost).
    #[serde(skip)]
    pub reclaimed_money_draws: Vec<f64>,
}

/// What a comparison is asked for.
#[derive(Debug, Clone, Copy)]
pub struct CompareSpec {
    /// `None` chooses the study when it has observations, else the pre-runs.
    pub baseline: Option<BaselineChoice>,
    pub from: Option<NaiveDateTime>,
    pub to: NaiveDateTime,
    pub seed: u64,
    pub resamples: usize,
    /// Confidence level of the intervals, e.g. 0.95.
    pub level: f64,
    /// How the bootstrap resamples the runs: whole weeks or runs one by one.
    pub interval: Interval,
}

/// How a comparison's bootstrap resamples runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Interval {
    /// Whole ISO weeks (UTC) with replacement, a time study's observations
    /// each on their own (see [`weeks`]): runs of one week share staff, load
    /// and incidents, and the interval allows for it.
    #[default]
    Weeks,
    /// Runs one by one, as if independent: narrower, and too narrow where
    /// weeks differ by more than their runs do.
    Runs,
}

impl Interval {
    const ALL: [Interval; 2] = [Interval::Weeks, Interval::Runs];

    /// The word for it on the command line, in a query string and in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Interval::Weeks => "weeks",
            Interval::Runs => "runs",
        }
    }

    /// What the bootstrap drew, in words for a note under a table.
    pub fn describe(self) -> &'static str {
        match self {
            Interval::Weeks => {
                "whole weeks resampled; a side of fewer than 5 weeks, and a time study, one \
                 by one"
            }
            Interval::Runs => "runs resampled one by one",
        }
    }
}

impl std::str::FromStr for Interval {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        Interval::ALL
            .into_iter()
            .find(|i| i.as_str() == s)
            .ok_or_else(|| format!("interval `{s}` is not weeks or runs"))
    }
}

/// The samples of one side.
#[derive(Debug, Default, Clone)]
struct Side {
    cycle: Values,
    response: Values,
    error: Values,
    escalation: Values,
    human: Values,
    /// Failed runs without recorded human minutes and no B to stand for
    /// them: the side's human minutes per item cannot be measured.
    human_unmeasured: usize,
}

/// A side's values of one metric, each with its week ([`weeks::week_of`]; a
/// time study's values each their own, [`weeks::singletons`]).
#[derive(Debug, Default, Clone)]
struct Values {
    xs: Vec<f64>,
    weeks: Vec<i64>,
}

impl Values {
    fn of_study(xs: Vec<f64>) -> Values {
        let weeks = singletons(xs.len());
        Values { xs, weeks }
    }

    fn push(&mut self, x: f64, week: i64) {
        self.xs.push(x);
        self.weeks.push(week);
    }

    fn extend(&mut self, other: Values) {
        self.xs.extend(other.xs);
        self.weeks.extend(other.weeks);
    }

    fn len(&self) -> usize {
        self.xs.len()
    }
}

impl Side {
    fn extend(&mut self, other: Side) {
        self.cycle.extend(other.cycle);
        self.response.extend(other.response);
        self.error.extend(other.error);
        self.escalation.extend(other.escalation);
        self.human.extend(other.human);
        self.human_unmeasured += other.human_unmeasured;
    }
}

/// Splits a frame ordered by `workflow_id` into one frame per workflow, in
/// order (slices share the data). A workflow without rows gets none: see
/// [`frame_of`].
pub fn split_by_workflow(df: &DataFrame) -> Result<Vec<(String, DataFrame)>, MetricsError> {
    // An empty result carries the column untyped (null): cast it to text.
    let ids = df.column("workflow_id")?.cast(&DataType::String)?;
    let ids = ids.str()?;
    let mut parts: Vec<(String, DataFrame)> = Vec::new();
    // (id, first row) of the run of equal ids being read; ids are compared
    // in place, so a million rows allocate one String per workflow, not per row.
    let mut current: Option<(&str, usize)> = None;
    for (row, id) in ids.iter().enumerate() {
        let id = id.unwrap_or("");
        match current {
            Some((open, _)) if open == id => {}
            _ => {
                if let Some((open, start)) = current {
                    parts.push((open.to_string(), df.slice(start as i64, row - start)));
                }
                current = Some((id, row));
            }
        }
    }
    if let Some((open, start)) = current {
        parts.push((
            open.to_string(),
            df.slice(start as i64, df.height() - start),
        ));
    }
    Ok(parts)
}

/// The frame of `workflow_id` among [`split_by_workflow`]'s parts, or the
/// frame's empty form (its columns, no rows).
pub fn frame_of(parts: &[(String, DataFrame)], whole: &DataFrame, workflow_id: &str) -> DataFrame {
    parts
        .iter()
        .find(|(id, _)| id == workflow_id)
        .map_or_else(|| whole.clear(), |(_, df)| df.clone())
}

/// The study's samples: handle minutes stand for human minutes per item.
fn study_side(study: &DataFrame) -> Result<Side, MetricsError> {
    if study.height() == 0 {
        return Ok(Side::default());
    }
    Ok(Side {
        cycle: Values::of_study(real_values(study, "cycle_minutes")?),
        response: Values::of_study(real_values(study, "response_minutes")?),
        error: Values::of_study(real_values(study, "had_error")?),
        escalation: Values::default(),
        human: Values::of_study(real_values(study, "handle_minutes")?),
        human_unmeasured: 0,
    })
}

/// A side from runs, with the metric definitions of DESIGN.md. `fully_manual`
/// is B, used for failed runs without recorded human minutes on the after side;
/// before go-live only recorded human minutes count. `runs` is in canonical
/// order ([`RunSample::canonical`]), so the side's values come in that order.
fn runs_side(
    runs: &RunSample,
    keep: impl Fn(i64) -> bool,
    fully_manual: Option<f64>,
    after: bool,
) -> Side {
    let mut s = Side::default();
    for i in 0..runs.len() {
        if !keep(runs.anchor_us[i]) {
            continue;
        }
        let status = runs.status[i];
        let week = week_of(runs.anchor_us[i]);
        if let Some(c) = runs.cycle_min[i] {
            s.cycle.push(c, week);
        }
        if let Some(r) = runs.response_min[i] {
            s.response.push(r, week);
        }
        if let Some((error, escalation)) = super::rates::indicators(status) {
            s.error.push(error, week);
            s.escalation.push(escalation, week);
            let h = match (runs.human_minutes[i], after) {
                (Some(h), _) => Some(h),
                (None, true) if status == Status::Failed => {
                    if fully_manual.is_none() {
                        s.human_unmeasured += 1;
                    }
                    fully_manual
                }
                (None, true) => Some(0.0),
                (None, false) => None,
            };
            if let Some(h) = h {
                s.human.push(h, week);
            }
        }
    }
    s
}

/// The human-minutes row, unless failed runs of the after side had no human
/// minutes and there is no B to stand for them: a mean without those fully
/// manual runs would flatter the automation, so the after side is not
/// measurable (null), and the verdict says why.
fn human_row(row: CompareRow, unmeasured: usize) -> CompareRow {
    if unmeasured == 0 {
        return row;
    }
    CompareRow {
        after: None,
        change: None,
        change_pct: None,
        ci_low: None,
        ci_high: None,
        verdict: format!(
            "not measurable: {unmeasured} failed run(s) without human_minutes, and no B to count \
             them as done by hand (give baseline_minutes_per_item or a time study)"
        ),
        ..row
    }
}

fn micros(t: NaiveDateTime) -> i64 {
    t.and_utc().timestamp_micros()
}

/// The after side's reclaimed hours and money as the metric table states them
/// for the same runs, so a comparison repeats the table's figures to the last digit.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Reclaimed {
    pub hours: Option<f64>,
    pub money: Option<f64>,
}

/// B, the baseline minutes per item, as the store defines it (`baselines_as_of`).
#[derive(Debug, Clone, PartialEq)]
pub struct Baseline {
    pub b: Option<f64>,
    /// `override`, `study mean` or `none`.
    pub source: String,
    /// The workflow's terms over time (each with its own B and hourly cost):
    /// a run is valued by the terms in force at its anchor. Empty: `b` and
    /// the workflow's hourly cost throughout.
    pub terms: Vec<Term>,
}

/// Compares a workflow's before and after. `study` has the columns of
/// `queries/compare/study.sql`; `runs` are its runs anchored before the
/// period's end (`queries/compare/runs.sql`), in any order;
/// `baseline` is the workflow's B and `reclaimed` the metric table's row for
/// the after side's period, so both are the same figures the table states.
pub fn compare(
    workflow: &Workflow,
    study: &DataFrame,
    runs: &RunSample,
    spec: CompareSpec,
    baseline_b: &Baseline,
    reclaimed: Reclaimed,
) -> Result<Comparison, MetricsError> {
    let go_live = workflow.automated_since.ok_or_else(|| {
        MetricsError::BadRequest(format!(
            "workflow `{}` has no automated_since, so there is no after side to compare; \
             it is a backlog candidate",
            workflow.workflow_id
        ))
    })?;
    let study_side = study_side(study)?;
    let baseline = spec.baseline.unwrap_or(if study.height() > 0 {
        BaselineChoice::Study
    } else {
        BaselineChoice::PreRuns
    });
    let b = baseline_b.b;
    let view = runs.canonical();
    let from = spec.from.map_or(go_live, |f| f.max(go_live));
    let (lo, hi, gl) = (micros(from), micros(spec.to), micros(go_live));
    let after = runs_side(&view, |a| a >= lo && a < hi, b, true);
    let before = match baseline {
        BaselineChoice::Study => study_side.clone(),
        BaselineChoice::PreRuns => runs_side(&view, |a| a < gl, b, false),
        BaselineChoice::Both => {
            let mut s = study_side.clone();
            s.extend(runs_side(&view, |a| a < gl, b, false));
            s
        }
    };

    let id = workflow.workflow_id.as_str();
    let boot = |metric: &'static str, bs: &Values, as_: &Values, stat: Stat, unit: &str| {
        metric_row(id, metric, unit, bs, as_, stat, spec, verdict_words(metric))
    };
    let mut rows = vec![
        boot(
            "cycle_time_p50_min",
            &before.cycle,
            &after.cycle,
            Stat::Median,
            "min",
        ),
        boot(
            "cycle_time_mean_min",
            &before.cycle,
            &after.cycle,
            Stat::Mean,
            "min",
        ),
        boot(
            "response_p50_min",
            &before.response,
            &after.response,
            Stat::Median,
            "min",
        ),
        boot(
            "response_mean_min",
            &before.response,
            &after.response,
            Stat::Mean,
            "min",
        ),
        boot(
            "error_rate",
            &before.error,
            &after.error,
            Stat::Mean,
            "share",
        ),
        human_row(
            boot(
                "human_minutes_per_item",
                &before.human,
                &after.human,
                Stat::Mean,
                "min",
            ),
            after.human_unmeasured,
        ),
    ];
    let dated = dated_terms(baseline_b, workflow.hourly_cost, from, spec.to)
        .then(|| after_terms(&view, lo, hi, &baseline_b.terms));
    let (reclaimed_rows, reclaimed_hours_draws, reclaimed_money_draws) = reclaimed_rows(
        workflow,
        &study_side.human.xs,
        b,
        &after.human,
        dated.as_deref(),
        spec,
        reclaimed,
    );
    rows.extend(reclaimed_rows);
    Ok(Comparison {
        workflow_id: workflow.workflow_id.clone(),
        baseline,
        automated_since: workflow.automated_since,
        period: crate::metrics::Period { from, to: spec.to },
        baseline_minutes_per_item: b,
        baseline_minutes_source: baseline_b.source.clone(),
        seed: spec.seed,
        resamples: spec.resamples,
        interval: spec.interval,
        segment: None,
        summary: summary(&rows, &[]),
        rows,
        outcomes: Vec::new(),
        reclaimed_hours_draws,
        reclaimed_money_draws,
    })
}

/// Whether runs of `[from, to)` fall under terms that value them otherwise
/// than the current B and hourly cost: then each run is valued by its own terms.
fn dated_terms(
    current: &Baseline,
    hourly_cost: Option<f64>,
    from: NaiveDateTime,
    to: NaiveDateTime,
) -> bool {
    current.terms.iter().any(|t| {
        t.overlaps(from, to)
            && (t.b != current.b || t.b_source != current.source || t.hourly_cost != hourly_cost)
    })
}

/// One terminal run of the after side valued by the terms at its anchor.
#[derive(Debug, Clone, Copy)]
struct Valued {
    /// Counted human minutes: recorded, else the terms' B for a failed run
    /// (done by hand), else 0.
    human: f64,
    /// The terms' B; `None` where it is the study mean (drawn with the study).
    b_override: Option<f64>,
    hourly_cost: Option<f64>,
    /// Its week ([`weeks::week_of`]), for the week-block bootstrap.
    week: i64,
}

/// The after side's terminal runs in `[lo, hi)` (microseconds), in canonical
/// order, each valued by its terms; runs whose terms have no B are left out
/// (the table's reclaimed hours are then null).
fn after_terms(runs: &RunSample, lo: i64, hi: i64, terms: &[Term]) -> Vec<Valued> {
    let at = |a: i64| {
        terms.iter().find(|t| {
            t.effective_from.is_none_or(|f| micros(f) <= a)
                && t.effective_to.is_none_or(|e| a < micros(e))
        })
    };
    let mut out = Vec::new();
    for i in 0..runs.len() {
        let a = runs.anchor_us[i];
        if a < lo || a >= hi || super::rates::indicators(runs.status[i]).is_none() {
            continue;
        }
        let Some(t) = at(a) else { continue };
        let Some(b) = t.b else { continue };
        let human = match runs.human_minutes[i] {
            Some(h) => h,
            None if runs.status[i] == Status::Failed => b,
            None => 0.0,
        };
        out.push(Valued {
            human,
            b_override: (t.b_source != "study mean").then_some(b),
            hourly_cost: t.hourly_cost,
            week: week_of(a),
        });
    }
    out
}

/// Plain words for a clear decrease and a clear increase of a metric.
/// Speed and quality in one line: "cycle time p50: faster, clearly; error
/// rate: no clear change; csat: no clear change; reopened: worse, clearly".
pub fn summary(rows: &[CompareRow], outcomes: &[outcomes::OutcomeRow]) -> String {
    let mut parts = Vec::new();
    for (metric, words) in [
        ("cycle_time_p50_min", "cycle time p50"),
        ("error_rate", "error rate"),
    ] {
        if let Some(r) = rows.iter().find(|r| r.metric == metric) {
            parts.push(format!("{words}: {}", r.verdict));
        }
    }
    for o in outcomes {
        parts.push(format!("{}: {}", o.outcome, o.verdict));
    }
    parts.join("; ")
}

fn verdict_words(metric: &str) -> (&'static str, &'static str) {
    match metric {
        "error_rate" => ("fewer errors, clearly", "more errors, clearly"),
        "human_minutes_per_item" => ("less manual work, clearly", "more manual work, clearly"),
        m if m.starts_with("response") => ("answers sooner, clearly", "answers later, clearly"),
        _ => ("faster, clearly", "slower, clearly"),
    }
}

fn too_little(before_n: usize, after_n: usize) -> Option<String> {
    let mut parts = Vec::new();
    if before_n < MIN_N {
        parts.push(format!("n={before_n} before"));
    }
    if after_n < MIN_N {
        parts.push(format!("n={after_n} after"));
    }
    (!parts.is_empty()).then(|| format!("too little data: {}", parts.join(", ")))
}

#[allow(clippy::too_many_arguments)]
fn metric_row(
    workflow_id: &str,
    metric: &'static str,
    unit: &str,
    before: &Values,
    after: &Values,
    stat: Stat,
    spec: CompareSpec,
    words: (&str, &str),
) -> CompareRow {
    let draws = || {
        (
            Draw::new(&after.xs, &after.weeks, stat, spec.interval),
            Draw::new(&before.xs, &before.weeks, stat, spec.interval),
        )
    };
    row_with(
        workflow_id,
        metric,
        unit,
        (before, after),
        stat,
        spec,
        words,
        draws,
    )
}

/// [`metric_row`] with the sides' resamplers `(after, before)` made by
/// `draws`, called only when both sides have values.
#[allow(clippy::too_many_arguments)]
fn row_with<'a>(
    workflow_id: &str,
    metric: &'static str,
    unit: &str,
    (before, after): (&'a Values, &'a Values),
    stat: Stat,
    spec: CompareSpec,
    words: (&str, &str),
    draws: impl FnOnce() -> (Draw<'a>, Draw<'a>),
) -> CompareRow {
    let point = |v: &Values| (!v.xs.is_empty()).then(|| statistic(&v.xs, stat));
    let (b, a) = (point(before), point(after));
    let change = b.zip(a).map(|(b, a)| a - b);
    let change_pct = b.zip(change).and_then(|(b, c)| (b != 0.0).then(|| c / b));
    let (ci_low, ci_high) = if b.is_some() && a.is_some() {
        let mut rng = rng_for(spec.seed, workflow_id, metric);
        let (mut ra, mut rb) = draws();
        let diffs = bootstrap(&mut rng, spec.resamples, |rng| {
            let a = ra.draw(rng);
            a - rb.draw(rng)
        });
        interval(diffs, spec.level)
    } else {
        (None, None)
    };
    let verdict = if b.is_none() || a.is_none() {
        format!(
            "no data {}",
            if b.is_none() && a.is_none() {
                "on either side"
            } else if b.is_none() {
                "before"
            } else {
                "after"
            }
        )
    } else if let Some(t) = too_little(before.len(), after.len()) {
        t
    } else {
        clear_or_not(ci_low, ci_high, words)
    };
    CompareRow {
        workflow_id: workflow_id.to_string(),
        metric: metric.into(),
        unit: unit.to_string(),
        before: b,
        before_n: before.len(),
        after: a,
        after_n: after.len(),
        change,
        change_pct,
        ci_low,
        ci_high,
        verdict,
    }
}

fn clear_or_not(lo: Option<f64>, hi: Option<f64>, (down, up): (&str, &str)) -> String {
    match (lo, hi) {
        (Some(_), Some(h)) if h < 0.0 => down.to_string(),
        (Some(l), Some(_)) if l > 0.0 => up.to_string(),
        _ => "no clear change".to_string(),
    }
}

/// Reclaimed hours and money of the after side: point values as in the metric
/// table, Σ (B − human minutes) / 60, with an interval that resamples the after
/// side's human minutes and, when B is the study mean, the study too. With
/// `dated` (runs under terms that value them differently), each resampled run
/// keeps its own B and hourly cost.
fn reclaimed_rows(
    workflow: &Workflow,
    study_human: &[f64],
    b: Option<f64>,
    after_human: &Values,
    dated: Option<&[Valued]>,
    spec: CompareSpec,
    table: Reclaimed,
) -> (Vec<CompareRow>, Vec<f64>, Vec<f64>) {
    let id = workflow.workflow_id.as_str();
    let n = dated.map_or(after_human.len(), <[Valued]>::len);
    let b_from_study = match dated {
        Some(runs) => runs.iter().any(|r| r.b_override.is_none()),
        None => workflow.baseline_minutes_per_item.is_none(),
    };
    let before_n = if b_from_study { study_human.len() } else { 0 };
    // Σ (B − h) / 60 over the same runs as the table; the table's own sum is shown.
    let point = b.and(table.hours);
    let (mut draws, mut money_draws) = (Vec::new(), Vec::new());
    let (lo, hi, money_interval) = match (b, dated) {
        (Some(_), Some(runs)) if n > 0 && table.hours.is_some() => {
            let hours_of = |r: &Valued| (r.b_override, r.human, 1.0);
            draws = dated_draws(spec, id, "reclaimed_hours", study_human, runs, hours_of);
            let (lo, hi) = interval(draws.clone(), spec.level);
            let money = if runs.iter().all(|r| r.hourly_cost.is_some()) {
                let money_of = |r: &Valued| (r.b_override, r.human, r.hourly_cost.unwrap_or(0.0));
                money_draws = dated_draws(spec, id, "reclaimed_money", study_human, runs, money_of);
                interval(money_draws.clone(), spec.level)
            } else {
                (None, None)
            };
            (lo, hi, Some(money))
        }
        (Some(b), None) if n > 0 => {
            let mut rng = rng_for(spec.seed, id, "reclaimed_hours");
            let mut study = Resampler::new(study_human, Stat::Mean);
            let mut after = Draw::new(
                &after_human.xs,
                &after_human.weeks,
                Stat::Mean,
                spec.interval,
            );
            let diffs = bootstrap(&mut rng, spec.resamples, |rng| {
                let bb = if b_from_study { study.draw(rng) } else { b };
                n as f64 * (bb - after.draw(rng)) / 60.0
            });
            draws.clone_from(&diffs);
            let (lo, hi) = interval(diffs, spec.level);
            (lo, hi, None)
        }
        _ => (None, None, None),
    };
    let verdict = if point.is_none() {
        "no baseline: add a time study or baseline_minutes_per_item".to_string()
    } else if n == 0 {
        "no runs after go-live in the period".to_string()
    } else if let Some(t) = too_little(if b_from_study { before_n } else { MIN_N }, n) {
        t
    } else {
        clear_or_not(lo, hi, ("costs time, clearly", "reclaims time, clearly"))
    };
    let hours = CompareRow {
        workflow_id: id.to_string(),
        metric: "reclaimed_hours".into(),
        unit: "hours".into(),
        before: None,
        before_n,
        after: point,
        after_n: n,
        change: point,
        change_pct: None,
        ci_low: lo,
        ci_high: hi,
        verdict: verdict.clone(),
    };
    let money = workflow.hourly_cost.map(|cost| {
        // One hourly cost throughout: the money interval is the hours' at that cost.
        let (ci_low, ci_high) =
            money_interval.unwrap_or((lo.map(|l| l * cost), hi.map(|h| h * cost)));
        if money_interval.is_none() && !draws.is_empty() {
            money_draws = draws.iter().map(|d| d * cost).collect();
        }
        CompareRow {
            metric: "reclaimed_money".into(),
            unit: workflow.currency.clone().unwrap_or_default(),
            after: table.money,
            change: table.money,
            ci_low,
            ci_high,
            ..hours.clone()
        }
    });
    (
        std::iter::once(hours).chain(money).collect(),
        draws,
        money_draws,
    )
}

/// Confidence level of regression checks: higher than the comparisons', because
/// every workflow is checked on four metrics every week.
pub const ALERT_LEVEL: f64 = 0.99;

/// Trailing weeks a regression check compares the last week against.
pub const TRAILING_WEEKS: i64 = 8;

/// One regression check: a workflow's last complete week against its
/// trailing weeks, for one metric where higher is worse.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct RegressionCheck {
    pub workflow_id: String,
    pub metric: &'static str,
    pub last_week: Option<f64>,
    pub last_week_n: usize,
    pub trailing: Option<f64>,
    pub trailing_n: usize,
    pub change: Option<f64>,
    pub ci_low: Option<f64>,
    pub ci_high: Option<f64>,
    /// `weeks`: the interval allows for how much weeks differ (the last
    /// week's shock, estimated from the trailing weeks, and the trailing
    /// weeks drawn as blocks); `runs`: fewer than 5 trailing weeks, runs
    /// resampled one by one.
    pub interval: Interval,
    /// True when the interval of the change lies wholly above zero.
    pub regressed: bool,
    pub verdict: String,
    /// A version check (`versions::version_checks`): the new version, whose
    /// runs from its first day are `last_week`'s side, set against the
    /// version before it (`previous_version`), whose last weeks before are
    /// `trailing`'s. Absent on a weekly check.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<VersionChange>,
}

/// The version a version check judges and the one before it.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct VersionChange {
    pub version: String,
    /// The new version's first run (its anchor).
    #[serde(serialize_with = "crate::model::serialize_timestamp")]
    #[schemars(with = "crate::schema::Timestamp")]
    pub from: NaiveDateTime,
    pub previous_version: String,
}

/// Checks error rate, escalation rate, p50 cycle time and p50 response time of
/// the runs anchored in `[week_start, week_end)` against those in the
/// `TRAILING_WEEKS` weeks before (from go-live at the earliest), with the same seeded bootstrap as
/// [`compare`]. A metric regressed when its 99% interval lies above zero and
/// both sides have at least [`MIN_N`] observations.
pub fn regression_checks(
    workflow_id: &str,
    go_live: NaiveDateTime,
    runs: &RunSample,
    week_start: NaiveDateTime,
    week_end: NaiveDateTime,
    seed: u64,
    resamples: usize,
) -> Result<Vec<RegressionCheck>, MetricsError> {
    let view = runs.canonical();
    let (ws, we) = (micros(week_start), micros(week_end));
    // The trailing weeks are the automation's own history: never before go-live.
    let ts = micros((week_start - chrono::Duration::weeks(TRAILING_WEEKS)).max(go_live));
    let last = runs_side(&view, |a| a >= ws && a < we, None, true);
    let trailing = runs_side(&view, |a| a >= ts && a < ws, None, true);
    Ok(worse_than_trailing(
        workflow_id,
        &trailing,
        &last,
        week_end,
        seed,
        resamples,
    ))
}

/// The four checks of [`regression_checks`] of side `last` against side
/// `trailing` (whole weeks of the same automation before it).
fn worse_than_trailing(
    workflow_id: &str,
    trailing: &Side,
    last: &Side,
    to: NaiveDateTime,
    seed: u64,
    resamples: usize,
) -> Vec<RegressionCheck> {
    // 52 checks a week at 95% would raise one or two false alarms every week;
    // at 99% a clean portfolio sees about one every four weeks.
    let spec = CompareSpec {
        baseline: None,
        from: None,
        to,
        seed,
        resamples,
        level: ALERT_LEVEL,
        interval: Interval::Weeks,
    };
    let worse = ("better, clearly", "worse, clearly");
    let checks = [
        ("error_rate", &trailing.error, &last.error, Stat::Mean),
        (
            "escalation_rate",
            &trailing.escalation,
            &last.escalation,
            Stat::Mean,
        ),
        (
            "cycle_time_p50_min",
            &trailing.cycle,
            &last.cycle,
            Stat::Median,
        ),
        (
            "response_p50_min",
            &trailing.response,
            &last.response,
            Stat::Median,
        ),
    ];
    checks
        .into_iter()
        .map(|(metric, before, after, stat)| {
            // The trailing weeks drawn as blocks; the last week as one week
            // of theirs, its shock included (`weeks::one_week`). With fewer
            // than MIN_WEEKS trailing weeks (a recent go-live) both sides
            // resample runs, and the check says so.
            let shocked = one_week(&after.xs, stat, &before.xs, &before.weeks);
            let interval = if shocked.is_some() {
                Interval::Weeks
            } else {
                Interval::Runs
            };
            let draws = || {
                (
                    shocked.unwrap_or_else(|| Draw::Runs(Resampler::new(&after.xs, stat))),
                    Draw::new(&before.xs, &before.weeks, stat, interval),
                )
            };
            let r = row_with(
                workflow_id,
                metric,
                "",
                (before, after),
                stat,
                spec,
                worse,
                draws,
            );
            let regressed = r.verdict == worse.1;
            RegressionCheck {
                workflow_id: workflow_id.to_string(),
                metric,
                last_week: r.after,
                last_week_n: r.after_n,
                trailing: r.before,
                trailing_n: r.before_n,
                change: r.change,
                ci_low: r.ci_low,
                ci_high: r.ci_high,
                interval,
                regressed,
                verdict: r.verdict,
                version: None,
            }
        })
        .collect()
}

impl Comparison {
    /// The time rows, then each outcome's row in the same shape (its mean
    /// as `<name>_mean` or `<name>_rate`).
    pub fn all_rows(&self) -> Vec<CompareRow> {
        let mut rows = self.rows.clone();
        rows.extend(self.outcomes.iter().map(|o| CompareRow {
            workflow_id: o.workflow_id.clone(),
            metric: o.metric().into(),
            unit: o.unit().to_string(),
            before: o.before_mean,
            before_n: o.before_n,
            after: o.after_mean,
            after_n: o.after_n,
            change: o.change,
            change_pct: o.change_pct,
            ci_low: o.ci_low,
            ci_high: o.ci_high,
            verdict: o.verdict.clone(),
        }));
        rows
    }

    /// The rows as a DataFrame in the column order of the JSON rows.
    pub fn frame(&self) -> Result<DataFrame, MetricsError> {
        let r = &self.all_rows();
        let s = |f: fn(&CompareRow) -> String| r.iter().map(f).collect::<Vec<String>>();
        let o = |f: fn(&CompareRow) -> Option<f64>| r.iter().map(f).collect::<Vec<Option<f64>>>();
        let u = |f: fn(&CompareRow) -> usize| r.iter().map(|x| f(x) as i64).collect::<Vec<i64>>();
        let mut cols = vec![
            Column::new("workflow_id".into(), s(|x| x.workflow_id.clone())),
            Column::new("metric".into(), s(|x| x.metric.to_string())),
            Column::new("unit".into(), s(|x| x.unit.clone())),
            Column::new("before".into(), o(|x| x.before)),
            Column::new("before_n".into(), u(|x| x.before_n)),
            Column::new("after".into(), o(|x| x.after)),
            Column::new("after_n".into(), u(|x| x.after_n)),
            Column::new("change".into(), o(|x| x.change)),
            Column::new("change_pct".into(), o(|x| x.change_pct)),
            Column::new("ci_low".into(), o(|x| x.ci_low)),
            Column::new("ci_high".into(), o(|x| x.ci_high)),
            Column::new("verdict".into(), s(|x| x.verdict.clone())),
        ];
        // The segment's columns after workflow_id, its values on every row.
        // (Nulls, not empty text: polars' CSV writer quotes an empty string.)
        let segment = self.segment.as_ref();
        for (i, name) in crate::segments::columns_of(segment).iter().enumerate() {
            let value = segment.and_then(|s| s.get(name).cloned().flatten());
            let values = vec![value; r.len()];
            cols.insert(1 + i, Column::new(name.as_str().into(), values));
        }
        Ok(DataFrame::new(r.len(), cols)?)
    }

    /// The rows as CSV, through polars' writer as the metric table is.
    pub fn to_csv(&self) -> Result<Vec<u8>, MetricsError> {
        use polars::prelude::{CsvWriter, SerWriter};
        let mut out = Vec::new();
        CsvWriter::new(&mut out)
            .include_header(true)
            .finish(&mut self.frame()?)?;
        Ok(out)
    }
}

#[cfg(test)]
mod tests;
