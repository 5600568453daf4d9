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

use chrono::NaiveDateTime;
use polars::prelude::{Column, DataFrame, DataType};
use serde::Serialize;

use super::{real_values, MetricsError};
use crate::model::{serialize_opt_timestamp, RunSample, Status, Term, Workflow};

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
    pub metric: &'static str,
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
    #[serde(serialize_with = "crate::model::serialize_timestamp")]
    #[schemars(with = "crate::schema::Timestamp")]
    pub from: NaiveDateTime,
    #[serde(serialize_with = "crate::model::serialize_timestamp")]
    #[schemars(with = "crate::schema::Timestamp")]
    pub to: NaiveDateTime,
    /// B, the baseline handle minutes per item used for human minutes and reclaimed hours.
    pub baseline_minutes_per_item: Option<f64>,
    pub baseline_minutes_source: String,
    pub seed: u64,
    pub resamples: usize,
    pub rows: Vec<CompareRow>,
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
}

/// The samples of one side.
#[derive(Debug, Default, Clone)]
struct Side {
    cycle: Vec<f64>,
    response: Vec<f64>,
    error: Vec<f64>,
    escalation: Vec<f64>,
    human: Vec<f64>,
    /// Failed runs without recorded human minutes and no B to stand for
    /// them: the side's human minutes per item cannot be measured.
    human_unmeasured: usize,
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
        cycle: real_values(study, "cycle_minutes")?,
        response: real_values(study, "response_minutes")?,
        error: real_values(study, "had_error")?,
        escalation: Vec::new(),
        human: real_values(study, "handle_minutes")?,
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
        if let Some(c) = runs.cycle_min[i] {
            s.cycle.push(c);
        }
        if let Some(r) = runs.response_min[i] {
            s.response.push(r);
        }
        if let Some((error, escalation)) = super::rates::indicators(status) {
            s.error.push(error);
            s.escalation.push(escalation);
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
                s.human.push(h);
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
    let boot = |metric: &'static str, bs: &[f64], as_: &[f64], stat: Stat, unit: &str| {
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
        &study_side.human,
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
        from,
        to: spec.to,
        baseline_minutes_per_item: b,
        baseline_minutes_source: baseline_b.source.clone(),
        seed: spec.seed,
        resamples: spec.resamples,
        rows,
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
        });
    }
    out
}

/// Plain words for a clear decrease and a clear increase of a metric.
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
    before: &[f64],
    after: &[f64],
    stat: Stat,
    spec: CompareSpec,
    words: (&str, &str),
) -> CompareRow {
    let point = |xs: &[f64]| (!xs.is_empty()).then(|| statistic(xs, stat));
    let (b, a) = (point(before), point(after));
    let change = b.zip(a).map(|(b, a)| a - b);
    let change_pct = b.zip(change).and_then(|(b, c)| (b != 0.0).then(|| c / b));
    let (ci_low, ci_high) = if b.is_some() && a.is_some() {
        let mut rng = rng_for(spec.seed, workflow_id, metric);
        let (mut ra, mut rb) = (Resampler::new(after, stat), Resampler::new(before, stat));
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
        metric,
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
    after_human: &[f64],
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
            let mut after = Resampler::new(after_human, Stat::Mean);
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
        metric: "reclaimed_hours",
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
            metric: "reclaimed_money",
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

/// Bootstrap replicates of Σ (B − h) × k / 60 over the after side's runs,
/// each run with its own B (its terms' override, else the study mean drawn
/// with the study) and weight k (1 for hours, the hourly cost for money):
/// a replicate is n × (B* · mean*(s) + mean*(c)) / 60, with s = k where B is
/// the study mean (else 0) and c = (override · k − h · k), the means over one
/// resample of the runs ([`PairResampler`]).
fn dated_draws(
    spec: CompareSpec,
    id: &str,
    metric: &str,
    study_human: &[f64],
    runs: &[Valued],
    of: impl Fn(&Valued) -> (Option<f64>, f64, f64),
) -> Vec<f64> {
    let (s, c): (Vec<f64>, Vec<f64>) = runs
        .iter()
        .map(|r| {
            let (b, h, k) = of(r);
            match b {
                Some(b) => (0.0, (b - h) * k),
                None => (k, -h * k),
            }
        })
        .unzip();
    let n = runs.len() as f64;
    let mut rng = rng_for(spec.seed, id, metric);
    let mut study = Resampler::new(study_human, Stat::Mean);
    let uses_study = s.iter().any(|&x| x != 0.0);
    let mut pairs = PairResampler::new(&s, &c);
    bootstrap(&mut rng, spec.resamples, |rng| {
        let bb = if uses_study { study.draw(rng) } else { 0.0 };
        let (ms, mc) = pairs.draw(rng);
        n * (bb * ms + mc) / 60.0
    })
}

/// Draws the means of one resample of pairs `(s_i, c_i)` drawn together: up
/// to [`LARGE_N`] pairs by `n` uniform draws, past it from the bivariate
/// normal law of the two means (the sample's means and covariance / n), as
/// [`Resampler`] does for one mean.
enum PairResampler<'a> {
    Exact(&'a [f64], &'a [f64]),
    Normal {
        means: (f64, f64),
        /// The Cholesky factor of the covariance of the two means.
        l11: f64,
        l21: f64,
        l22: f64,
    },
}

impl<'a> PairResampler<'a> {
    fn new(s: &'a [f64], c: &'a [f64]) -> PairResampler<'a> {
        let n = s.len();
        if n <= LARGE_N {
            return PairResampler::Exact(s, c);
        }
        let (ms, mc) = (mean(s), mean(c));
        let nf = n as f64;
        let (mut vss, mut vcc, mut vsc) = (0.0, 0.0, 0.0);
        for (x, y) in s.iter().zip(c) {
            vss += (x - ms) * (x - ms);
            vcc += (y - mc) * (y - mc);
            vsc += (x - ms) * (y - mc);
        }
        let (vss, vcc, vsc) = (vss / nf / nf, vcc / nf / nf, vsc / nf / nf);
        let l11 = vss.sqrt();
        let l21 = if l11 > 0.0 { vsc / l11 } else { 0.0 };
        let l22 = (vcc - l21 * l21).max(0.0).sqrt();
        PairResampler::Normal {
            means: (ms, mc),
            l11,
            l21,
            l22,
        }
    }

    fn draw(&mut self, rng: &mut SplitMix) -> (f64, f64) {
        match self {
            PairResampler::Exact(s, c) => {
                let n = s.len();
                let (mut a, mut b) = (0.0, 0.0);
                for _ in 0..n {
                    let i = rng.below(n);
                    a += s[i];
                    b += c[i];
                }
                (a / n as f64, b / n as f64)
            }
            PairResampler::Normal {
                means,
                l11,
                l21,
                l22,
            } => {
                let (z1, z2) = (rng.normal(), rng.normal());
                (means.0 + *l11 * z1, means.1 + *l21 * z1 + *l22 * z2)
            }
        }
    }
}

fn mean(xs: &[f64]) -> f64 {
    xs.iter().sum::<f64>() / xs.len() as f64
}

fn statistic(xs: &[f64], stat: Stat) -> f64 {
    match stat {
        Stat::Mean => mean(xs),
        Stat::Median => median_in_place(&mut xs.to_vec()),
    }
}

/// The median with linear interpolation (`quantile_cont(x, 0.5)`), by selection
/// rather than a full sort; reorders `v`.
fn median_in_place(v: &mut [f64]) -> f64 {
    let n = v.len();
    let (_, hi, _) = v.select_nth_unstable_by(n / 2, f64::total_cmp);
    let hi = *hi;
    if n % 2 == 1 {
        return hi;
    }
    // The lower middle is the largest value left of the upper middle.
    let lo = v[..n / 2].iter().copied().fold(f64::NEG_INFINITY, f64::max);
    lo + 0.5 * (hi - lo)
}

/// Past this many observations a side, a resample's statistic is drawn from
/// its large-sample law instead of from `n` drawn values, so that an interval
/// costs the same at a million runs as at a thousand (see [`Resampler`]).
pub const LARGE_N: usize = 1000;

/// Draws the statistic of one bootstrap resample of a sample at a time.
///
/// Up to [`LARGE_N`] observations a resample is built: `n` uniform draws with
/// replacement, except that the mean of 0/1 values (a rate) is drawn as its
/// count of ones, Binomial(n, p) / n, which is the same law. Past it, the statistic of a resample is drawn from the law it
/// has for large `n`, which is what the `n` draws would approach:
/// - a mean: normal with the sample's mean and its variance / `n` (the exact
///   mean and variance of a resample's mean); for 0/1 values (a rate) with
///   `n·p·(1−p)` below 25, the exact binomial count / `n` instead, where the
///   normal law is poor;
/// - a median: the sample's quantile at `0.5 + Z / (2√n)`, Z standard normal
///   (the resample median's rank is asymptotically normal around the middle
///   with standard deviation √n / 2).
///
/// The coverage simulation in `tests/it/compare.rs` holds both paths to the
/// interval's 95%.
enum Resampler<'a> {
    Mean(&'a [f64]),
    Median(MedianCounts),
    MeanNormal {
        mean: f64,
        sd: f64,
    },
    Share {
        n: usize,
        p: f64,
    },
    MedianNormal {
        sorted: Vec<f64>,
        half_over_root_n: f64,
    },
}

impl<'a> Resampler<'a> {
    fn new(xs: &'a [f64], stat: Stat) -> Resampler<'a> {
        let n = xs.len();
        // A resample of 0/1 values (a rate) has Binomial(n, p) ones, p the
        // sample's share: drawing that count is the same law as drawing n
        // values, at a cost of about min(n·p, n·(1−p)) steps instead of n.
        let binary = stat == Stat::Mean && n > 0 && xs.iter().all(|&x| x == 0.0 || x == 1.0);
        if n <= LARGE_N {
            if binary {
                return Resampler::Share { n, p: mean(xs) };
            }
            return match stat {
                Stat::Mean => Resampler::Mean(xs),
                Stat::Median => Resampler::Median(MedianCounts::new(xs)),
            };
        }
        match stat {
            Stat::Mean => {
                let m = mean(xs);
                if binary && n as f64 * m * (1.0 - m) < 25.0 {
                    return Resampler::Share { n, p: m };
                }
                let var = xs.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / n as f64;
                Resampler::MeanNormal {
                    mean: m,
                    sd: (var / n as f64).sqrt(),
                }
            }
            Stat::Median => {
                let mut sorted = xs.to_vec();
                sorted.sort_by(f64::total_cmp);
                Resampler::MedianNormal {
                    sorted,
                    half_over_root_n: 0.5 / (n as f64).sqrt(),
                }
            }
        }
    }

    /// The statistic of one resample.
    fn draw(&mut self, rng: &mut SplitMix) -> f64 {
        match self {
            Resampler::Mean(xs) => {
                let n = xs.len();
                (0..n).map(|_| xs[rng.below(n)]).sum::<f64>() / n as f64
            }
            Resampler::Median(m) => m.draw(rng),
            Resampler::MeanNormal { mean, sd } => *mean + *sd * rng.normal(),
            Resampler::Share { n, p } => rng.binomial(*n, *p) as f64 / *n as f64,
            Resampler::MedianNormal {
                sorted,
                half_over_root_n,
            } => {
                let q = (0.5 + *half_over_root_n * rng.normal()).clamp(0.0, 1.0);
                quantile_cont(sorted, q)
            }
        }
    }
}

/// The median of resamples by counting: a resample is how often each value is
/// drawn, and its middle order statistics are read off the counts in value
/// order. The draws and the values drawn are those of building the resample
/// and selecting its middle, so every figure is identical; it only skips
/// moving the values (a third of a 1,000-workflow comparison's time).
struct MedianCounts {
    /// The sample in increasing order.
    sorted: Vec<f64>,
    /// For each sample position, its value's position in `sorted`.
    rank: Vec<u32>,
    counts: Vec<u32>,
}

impl MedianCounts {
    fn new(xs: &[f64]) -> MedianCounts {
        let mut order: Vec<u32> = (0..xs.len() as u32).collect();
        order.sort_unstable_by(|&a, &b| xs[a as usize].total_cmp(&xs[b as usize]));
        let mut rank = vec![0u32; xs.len()];
        for (pos, &i) in order.iter().enumerate() {
            rank[i as usize] = pos as u32;
        }
        MedianCounts {
            sorted: order.iter().map(|&i| xs[i as usize]).collect(),
            rank,
            counts: vec![0; xs.len()],
        }
    }

    /// `median_in_place` of one resample (`quantile_cont(x, 0.5)`).
    fn draw(&mut self, rng: &mut SplitMix) -> f64 {
        let n = self.rank.len();
        self.counts.fill(0);
        for _ in 0..n {
            self.counts[self.rank[rng.below(n)] as usize] += 1;
        }
        // The order statistic k (0-based) is the first value whose running
        // count passes k; an even n needs k = n/2 − 1 as well as n/2.
        let (upper, even) = (n / 2, n.is_multiple_of(2));
        let mut lower = None;
        let mut seen = 0usize;
        for (value, &c) in self.sorted.iter().zip(&self.counts) {
            seen += c as usize;
            if even && lower.is_none() && seen > upper - 1 {
                lower = Some(*value);
            }
            if seen > upper {
                // `lower` is only set for an even n.
                return match lower {
                    Some(lo) => lo + 0.5 * (value - lo),
                    None => *value,
                };
            }
        }
        unreachable!("the counts add up to n")
    }
}

/// The q-quantile of sorted values by linear interpolation between order
/// statistics, as DuckDB's `quantile_cont`.
pub fn quantile_cont(sorted: &[f64], q: f64) -> f64 {
    let pos = q * (sorted.len() - 1) as f64;
    let (lo, hi) = (pos.floor() as usize, pos.ceil() as usize);
    sorted[lo] + (pos - lo as f64) * (sorted[hi] - sorted[lo])
}

fn bootstrap(
    rng: &mut SplitMix,
    resamples: usize,
    mut draw: impl FnMut(&mut SplitMix) -> f64,
) -> Vec<f64> {
    (0..resamples).map(|_| draw(rng)).collect()
}

/// The percentile interval of bootstrap draws at confidence `level`.
pub fn interval(mut draws: Vec<f64>, level: f64) -> (Option<f64>, Option<f64>) {
    if draws.is_empty() {
        return (None, None);
    }
    draws.sort_by(f64::total_cmp);
    let tail = (1.0 - level) / 2.0;
    (
        Some(quantile_cont(&draws, tail)),
        Some(quantile_cont(&draws, 1.0 - tail)),
    )
}

/// A generator seeded by the seed, the workflow and the metric (FNV-1a, stable
/// across platforms and releases), so each interval is reproducible alone.
fn rng_for(seed: u64, workflow_id: &str, metric: &str) -> SplitMix {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325 ^ seed;
    for b in workflow_id.bytes().chain([0u8]).chain(metric.bytes()) {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    SplitMix::seed_from_u64(h)
}

/// SplitMix64 (Steele, Lea and Flood, 2014): a small, fast generator whose
/// output is fixed by its definition here, so intervals never change with a
/// dependency upgrade. Statistical quality is ample for resampling indices.
struct SplitMix(u64);

impl SplitMix {
    fn seed_from_u64(seed: u64) -> SplitMix {
        SplitMix(seed)
    }

    #[inline]
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A uniform index below `n` by multiply-shift (Lemire); the bias is below 2⁻⁴⁰ for any n here.
    #[inline]
    fn below(&mut self, n: usize) -> usize {
        ((u128::from(self.next_u64()) * n as u128) >> 64) as usize
    }

    /// A uniform value in [0, 1), from the top 53 bits.
    fn uniform(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// A standard normal value (Box–Muller, one of the pair).
    fn normal(&mut self) -> f64 {
        let u1 = 1.0 - self.uniform();
        let u2 = self.uniform();
        (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
    }

    /// A Binomial(n, p) count by inversion, for small `n·p` (or `n·(1−p)`):
    /// expected steps about min(n·p, n·(1−p)).
    fn binomial(&mut self, n: usize, p: f64) -> usize {
        if p > 0.5 {
            return n - self.binomial(n, 1.0 - p);
        }
        if p <= 0.0 {
            return 0;
        }
        let u = self.uniform();
        let ratio = p / (1.0 - p);
        let mut prob = (1.0 - p).powi(n as i32);
        let (mut cdf, mut k) = (prob, 0usize);
        while u >= cdf && k < n {
            prob *= (n - k) as f64 / (k + 1) as f64 * ratio;
            k += 1;
            cdf += prob;
        }
        k
    }
}

/// The bootstrap interval for a difference of means, exposed for the
/// coverage test: `after − before`, seeded.
pub fn mean_difference_interval(
    before: &[f64],
    after: &[f64],
    resamples: usize,
    seed: u64,
) -> (f64, f64) {
    difference_interval(before, after, false, resamples, seed)
}

/// The bootstrap interval of `after − before` for means, or medians with
/// `median`, at 95%, seeded: what [`compare`] computes for one metric,
/// exposed for the coverage simulation.
pub fn difference_interval(
    before: &[f64],
    after: &[f64],
    median: bool,
    resamples: usize,
    seed: u64,
) -> (f64, f64) {
    let stat = if median { Stat::Median } else { Stat::Mean };
    let mut rng = SplitMix::seed_from_u64(seed);
    let (mut ra, mut rb) = (Resampler::new(after, stat), Resampler::new(before, stat));
    let draws = bootstrap(&mut rng, resamples, |rng| {
        let a = ra.draw(rng);
        a - rb.draw(rng)
    });
    match interval(draws, 0.95) {
        (Some(l), Some(h)) => (l, h),
        _ => (f64::NAN, f64::NAN),
    }
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
    /// True when the interval of the change lies wholly above zero.
    pub regressed: bool,
    pub verdict: String,
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
    // 52 checks a week at 95% would raise one or two false alarms every week;
    // at 99% a clean portfolio sees about one every four weeks.
    let spec = CompareSpec {
        baseline: None,
        from: None,
        to: week_end,
        seed,
        resamples,
        level: ALERT_LEVEL,
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
    Ok(checks
        .into_iter()
        .map(|(metric, before, after, stat)| {
            let r = metric_row(workflow_id, metric, "", before, after, stat, spec, worse);
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
                regressed,
                verdict: r.verdict,
            }
        })
        .collect())
}

impl Comparison {
    /// The rows as a DataFrame in the column order of the JSON rows.
    pub fn frame(&self) -> Result<DataFrame, MetricsError> {
        let r = &self.rows;
        let s = |f: fn(&CompareRow) -> String| r.iter().map(f).collect::<Vec<String>>();
        let o = |f: fn(&CompareRow) -> Option<f64>| r.iter().map(f).collect::<Vec<Option<f64>>>();
        let u = |f: fn(&CompareRow) -> usize| r.iter().map(|x| f(x) as i64).collect::<Vec<i64>>();
        let cols = vec![
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
mod tests {
    use super::*;

    #[test]
    fn quantiles_interpolate_like_duckdb() {
        let v = [15.0, 30.0, 60.0, 120.0];
        assert_eq!(quantile_cont(&v, 0.5), 45.0);
        assert!((quantile_cont(&v, 0.9) - 102.0).abs() < 1e-9);
        assert_eq!(quantile_cont(&[7.0], 0.9), 7.0);
        assert_eq!(median_in_place(&mut [60.0, 15.0, 120.0, 30.0]), 45.0);
        assert_eq!(median_in_place(&mut [3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median_in_place(&mut [5.0]), 5.0);
    }

    /// The counted median of a resample equals building the resample and
    /// selecting its middle, bit for bit, and leaves the stream in the same
    /// place: odd and even sizes, ties, one value.
    #[test]
    fn counted_medians_equal_materialised_ones() {
        for n in [1usize, 2, 3, 4, 7, 10, 101, 1000] {
            let mut gen = SplitMix::seed_from_u64(n as u64);
            // Ties on purpose: values from a small set.
            let xs: Vec<f64> = (0..n).map(|_| (gen.below(13) as f64) * 1.5 - 4.0).collect();
            let mut counted = MedianCounts::new(&xs);
            let (mut a, mut b) = (SplitMix::seed_from_u64(99), SplitMix::seed_from_u64(99));
            for _ in 0..200 {
                let mut resample: Vec<f64> = (0..n).map(|_| xs[a.below(n)]).collect();
                let expected = median_in_place(&mut resample);
                assert_eq!(counted.draw(&mut b).to_bits(), expected.to_bits(), "n={n}");
            }
            assert_eq!(
                a.next_u64(),
                b.next_u64(),
                "n={n}: the streams stay in step"
            );
        }
    }

    #[test]
    fn frames_split_by_workflow_in_order() {
        let df = polars::df!(
            "workflow_id" => ["a", "a", "b", "c", "c", "c"],
            "x" => [1.0, 2.0, 3.0, 4.0, 5.0, 6.0],
        )
        .unwrap();
        let parts = split_by_workflow(&df).unwrap();
        let got: Vec<(&str, Vec<Option<f64>>)> = parts
            .iter()
            .map(|(id, f)| (id.as_str(), crate::metrics::real_column(f, "x").unwrap()))
            .collect();
        assert_eq!(
            got,
            vec![
                ("a", vec![Some(1.0), Some(2.0)]),
                ("b", vec![Some(3.0)]),
                ("c", vec![Some(4.0), Some(5.0), Some(6.0)]),
            ]
        );
        assert_eq!(frame_of(&parts, &df, "b").height(), 1);
        let none = frame_of(&parts, &df, "zzz");
        assert_eq!((none.height(), none.width()), (0, 2));
        assert!(split_by_workflow(&df.clear()).unwrap().is_empty());
    }

    /// The resampled mean of 0/1 values drawn as a binomial count has the law
    /// of n values drawn with replacement: its mean p and variance p(1−p)/n.
    #[test]
    fn a_resampled_rate_has_the_law_of_drawn_values() {
        for (n, ones) in [(40usize, 3usize), (190, 95), (1000, 1), (7, 7), (12, 0)] {
            let xs: Vec<f64> = (0..n).map(|i| if i < ones { 1.0 } else { 0.0 }).collect();
            let mut r = Resampler::new(&xs, Stat::Mean);
            assert!(matches!(r, Resampler::Share { .. }), "n={n}");
            let mut rng = SplitMix::seed_from_u64(n as u64);
            let draws: Vec<f64> = (0..40_000).map(|_| r.draw(&mut rng)).collect();
            let p = ones as f64 / n as f64;
            let m = mean(&draws);
            let var = draws.iter().map(|d| (d - m) * (d - m)).sum::<f64>() / draws.len() as f64;
            let want = p * (1.0 - p) / n as f64;
            assert!(
                (m - p).abs() <= 4.0 * (want / 4e4).sqrt() + 1e-12,
                "n={n}: mean {m} for {p}"
            );
            assert!(
                (var - want).abs() <= 0.05 * want + 1e-12,
                "n={n}: variance {var} for {want}"
            );
        }
    }

    #[test]
    fn verdicts() {
        let w = verdict_words("cycle_time_p50_min");
        assert_eq!(clear_or_not(Some(-3.0), Some(-1.0), w), "faster, clearly");
        assert_eq!(clear_or_not(Some(-3.0), Some(1.0), w), "no clear change");
        assert_eq!(clear_or_not(Some(0.5), Some(1.0), w), "slower, clearly");
        assert_eq!(too_little(7, 30).unwrap(), "too little data: n=7 before");
        assert_eq!(too_little(25, 3).unwrap(), "too little data: n=3 after");
        assert!(too_little(20, 20).is_none());
    }
}
