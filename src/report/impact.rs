//! `report impact`: the effect of a workflow's go-live on its compare
//! metrics that are means or rates, estimated against a counterfactual
//! (`crate::metrics::impact`: interrupted time series on its own weekly
//! series, difference-in-differences against the workflows not automated
//! yet), with the checks that say when a claim is not safe.
//!
//! The weekly series come from one query per engine
//! (`queries/impact/weekly{,.spark}.sql`) over the runs of every catalogued
//! workflow in the window; this module turns its rows into one series per
//! workflow and metric, in consecutive ISO weeks (UTC), a week without a
//! measurable value kept as a gap.

use std::borrow::Cow;
use std::collections::{BTreeSet, HashMap};
use std::str::FromStr;

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime};
use serde::Serialize;

use super::ReportError;
use crate::engine::{Engine, PeriodQuery};
use crate::metrics::impact::{self, Impact, Method, Series, Settings, WeekPoint};
use crate::metrics::rates::Terminal;
use crate::metrics::{real_column, text_column};
use crate::segments::Segments;
use crate::store::CatalogueEntry;

/// The weekly series of every workflow in a window (by segment), in each
/// engine's dialect.
pub const WEEKLY: PeriodQuery = PeriodQuery {
    name: "impact_weekly",
    duckdb: include_str!("../../queries/impact/weekly.sql"),
    spark: include_str!("../../queries/impact/weekly.spark.sql"),
};

/// A metric whose effect `report impact` estimates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ImpactMetric {
    /// Mean cycle time of succeeded and escalated runs, minutes.
    CycleTimeMeanMin,
    /// Mean time to the first response, minutes.
    ResponseMeanMin,
    /// Failed over terminal runs.
    ErrorRate,
    /// Escalated over terminal runs.
    EscalationRate,
    /// Mean human minutes recorded on terminal runs.
    HumanMinutesPerItem,
    /// Hours reclaimed against the counterfactual: Σ over the weeks after
    /// go-live of the terminal runs × (counterfactual − observed human
    /// minutes per item) / 60.
    ReclaimedHours,
}

impl ImpactMetric {
    /// Every metric, in the order of the answer.
    pub const ALL: [ImpactMetric; 6] = [
        ImpactMetric::CycleTimeMeanMin,
        ImpactMetric::ResponseMeanMin,
        ImpactMetric::ErrorRate,
        ImpactMetric::EscalationRate,
        ImpactMetric::HumanMinutesPerItem,
        ImpactMetric::ReclaimedHours,
    ];

    /// The metric's name, as `--metric` and the answer spell it.
    pub fn as_str(self) -> &'static str {
        match self {
            ImpactMetric::CycleTimeMeanMin => "cycle_time_mean_min",
            ImpactMetric::ResponseMeanMin => "response_mean_min",
            ImpactMetric::ErrorRate => "error_rate",
            ImpactMetric::EscalationRate => "escalation_rate",
            ImpactMetric::HumanMinutesPerItem => "human_minutes_per_item",
            ImpactMetric::ReclaimedHours => "reclaimed_hours",
        }
    }
}

impl FromStr for ImpactMetric {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        ImpactMetric::ALL
            .into_iter()
            .find(|m| m.as_str() == s.trim())
            .ok_or_else(|| {
                let names: Vec<&str> = ImpactMetric::ALL.iter().map(|m| m.as_str()).collect();
                format!("metric `{s}` is not one of {}", names.join(", "))
            })
    }
}

/// What `report impact` (and `GET /api/v1/impact`) asks for.
#[derive(Debug, Clone, Default)]
pub struct ImpactRequest {
    /// The automated workflow whose go-live is estimated.
    pub workflow: String,
    /// auto (the default), its, did or naive.
    pub method: Option<String>,
    /// Comparison workflows (empty: every workflow not automated in the
    /// window, or automated later).
    pub controls: Vec<String>,
    /// Metrics (empty: all).
    pub metrics: Vec<String>,
    /// The window of weeks, both or neither (default: every run).
    pub from: Option<String>,
    pub to: Option<String>,
    /// By and where on the runs' attributes and version: an estimate per
    /// metric and segment of the workflow's runs, the controls' series
    /// from the same segment of theirs.
    pub segments: Segments,
}

/// One metric's estimate.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct ImpactRow {
    pub metric: ImpactMetric,
    /// Segmented (`--by`): the segment's value of each key, null where its
    /// runs lack the attribute.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub segment: Option<crate::segments::SegmentMap>,
    #[serde(flatten)]
    pub impact: Impact,
    /// The workflow's weekly series the estimate was made on (human minutes
    /// per item for reclaimed hours), a week without a value kept as null.
    pub weeks: Vec<WeekPoint>,
}

/// The answer of `report impact`.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct ImpactAnswer {
    pub workflow_id: String,
    /// The go-live in the catalogue.
    #[serde(serialize_with = "crate::model::serialize_timestamp")]
    #[schemars(with = "crate::schema::Timestamp")]
    pub go_live: NaiveDateTime,
    /// The Monday of the go-live's ISO week (UTC): the first week after.
    pub go_live_week: NaiveDate,
    /// The window the weekly series cover, [from, to), whole ISO weeks.
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// The settings of the checks (weeks and runs each side needs).
    pub settings: SettingsShown,
    /// Segmented or filtered: which runs, and how the controls were chosen.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub segments: Option<String>,
    /// A row per metric (segmented: per segment, then metric).
    pub impacts: Vec<ImpactRow>,
    /// A row per outcome measure the workflow declares (its catalogue
    /// `outcomes`; segmented: per segment, then outcome), when no metric is
    /// asked or the outcome is asked by name.
    pub outcomes: Vec<ImpactOutcomeRow>,
}

/// One declared outcome's estimate, on its weekly mean (a scale) or rate
/// (the share of runs with 1), as the time metrics are estimated; its
/// verdict says better or worse by the declared direction.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct ImpactOutcomeRow {
    pub outcome: String,
    pub kind: crate::outcomes::Kind,
    pub higher_is_better: bool,
    /// Segmented (`--by`): the segment's value of each key, null where its
    /// runs lack the attribute.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub segment: Option<crate::segments::SegmentMap>,
    #[serde(flatten)]
    pub impact: Impact,
    /// The workflow's weekly series of the outcome, a week without a
    /// readable value kept as null.
    pub weeks: Vec<WeekPoint>,
    /// Values that were not a number (a scale) or 0/1 (a rate), left out.
    pub unreadable: usize,
}

/// [`Settings`] as the answer shows them.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct SettingsShown {
    pub level: f64,
    pub min_pre_weeks: usize,
    pub min_post_weeks: usize,
    pub min_runs_per_side: u64,
    pub placebo_count: usize,
}

/// The Monday of `t`'s ISO week.
fn monday(d: NaiveDate) -> NaiveDate {
    d - Duration::days(i64::from(d.weekday().num_days_from_monday()))
}

/// The weekly values of one workflow: per week, each metric's value and n.
#[derive(Debug, Default, Clone)]
struct Week {
    values: HashMap<&'static str, (Option<f64>, u64)>,
}

/// A workflow, its segment's values (none when not segmented) and a week.
type WeekKey = (String, Vec<Option<String>>, NaiveDate);

/// Estimates the go-live effect of `req.workflow` on each asked-for metric.
pub fn impact(engine: &dyn Engine, req: &ImpactRequest) -> Result<ImpactAnswer, ReportError> {
    let answer = impact_with(engine, req, None)?;
    super::carried_by(
        &req.segments,
        answer.impacts.iter().map(|r| r.segment.as_ref()),
    )?;
    if answer.impacts.iter().all(|r| r.impact.runs_after == 0) {
        super::filter_carried(engine, &req.segments, None)?;
    }
    Ok(answer)
}

/// [`impact`] with the current catalogue when the caller has read it (a
/// dashboard page reads it once for all its panels).
pub fn impact_with(
    engine: &dyn Engine,
    req: &ImpactRequest,
    current: Option<&[CatalogueEntry]>,
) -> Result<ImpactAnswer, ReportError> {
    let method = match &req.method {
        Some(m) => m.trim().parse().map_err(ReportError::BadRequest)?,
        None => Method::Auto,
    };
    let catalogue = match current {
        Some(c) => Cow::Borrowed(c),
        None => Cow::Owned(engine.catalogue(None)?),
    };
    super::check_workflows(&catalogue, std::slice::from_ref(&req.workflow))?;
    // Every outcome measure of the catalogue: the workflow's own, and
    // those of the same name and kind elsewhere (their series the
    // controls').
    let declared = super::outcomes::declared(&catalogue, &[])?;
    let own: Vec<&crate::outcomes::Outcome> = declared
        .iter()
        .filter(|w| w.workflow_id == req.workflow)
        .map(|w| &w.outcome)
        .collect();
    // A metric's name or one of the workflow's outcomes; in the order of
    // ALL (then of the declaration), whatever the order asked.
    let mut asked: Vec<ImpactMetric> = Vec::new();
    let mut asked_outcomes: Vec<&str> = Vec::new();
    for m in &req.metrics {
        match m.parse::<ImpactMetric>() {
            Ok(m) => asked.push(m),
            Err(_) if own.iter().any(|o| o.name == m.trim()) => asked_outcomes.push(m.trim()),
            Err(e) => {
                let names: Vec<&str> = own.iter().map(|o| o.name.as_str()).collect();
                return Err(ReportError::BadRequest(if names.is_empty() {
                    e
                } else {
                    format!(
                        "{e}, nor an outcome `{}` declares ({})",
                        req.workflow,
                        names.join(", ")
                    )
                }));
            }
        }
    }
    let everything = req.metrics.is_empty();
    let metrics: Vec<ImpactMetric> = ImpactMetric::ALL
        .into_iter()
        .filter(|m| everything || asked.contains(m))
        .collect();
    let outcomes_wanted: Vec<&crate::outcomes::Outcome> = own
        .into_iter()
        .filter(|o| everything || asked_outcomes.contains(&o.name.as_str()))
        .collect();
    super::check_workflows(&catalogue, &req.controls)?;
    if req.controls.contains(&req.workflow) {
        return Err(ReportError::BadRequest(format!(
            "controls: `{}` is the workflow estimated, not a comparison",
            req.workflow
        )));
    }
    let entry = catalogue
        .iter()
        .find(|c| c.workflow.workflow_id == req.workflow)
        .expect("checked above");
    let ids: Vec<String> = catalogue
        .iter()
        .map(|c| c.workflow.workflow_id.clone())
        .collect();
    // Where on the workflows' fields (`where team=…`): the workflow must
    // have them, and so must its comparisons.
    let fields = &req.segments.workflows;
    let kept: BTreeSet<String> = super::kept_workflows(&req.segments, &catalogue, &ids)?
        .into_iter()
        .collect();
    if !kept.contains(&req.workflow) {
        return Err(ReportError::BadRequest(format!(
            "where: workflow `{}` does not have {}",
            req.workflow,
            req.segments.describe_filter()
        )));
    }
    let Some(go_live) = entry.workflow.automated_since else {
        return Err(ReportError::BadRequest(format!(
            "workflow `{}` has no go-live (automated_since) in the catalogue: there is no before and after to estimate",
            req.workflow
        )));
    };
    let Some(period) = super::resolve_period(engine, req.from.as_deref(), req.to.as_deref())?
    else {
        return Err(ReportError::BadRequest(
            "no runs are stored yet: nothing to estimate".into(),
        ));
    };
    // Whole ISO weeks: from the Monday of the first day to the Monday after the last.
    let first = monday(period.from.date());
    let last = monday((period.to - Duration::microseconds(1)).date());
    let to = last + Duration::days(7);
    let segments = &req.segments;
    let df = engine.segmented_period_query(
        &WEEKLY,
        first.and_hms_opt(0, 0, 0).expect("midnight"),
        to.and_hms_opt(0, 0, 0).expect("midnight"),
        &ids,
        segments,
    )?;
    let weeks = weekly(&df, segments)?;
    let n_weeks = ((to - first).num_days() / 7) as usize;
    let settings = Settings::default();
    let series_of = |id: &str,
                     seg: &[Option<String>],
                     go_live: Option<NaiveDateTime>,
                     metric: &'static str| Series {
        workflow_id: id.to_string(),
        go_live_week: go_live.map(|g| monday(g.date())),
        points: (0..n_weeks)
            .map(|i| {
                let week = first + Duration::days(7 * i as i64);
                let (value, n) = weeks
                    .get(&(id.to_string(), seg.to_vec(), week))
                    .and_then(|w| w.values.get(metric).copied())
                    .unwrap_or((None, 0));
                WeekPoint { week, value, n }
            })
            .collect(),
    };
    // The workflow's segments, in the comparisons' order (by the segment's
    // JSON text, so a missing value, null, comes after the named ones);
    // not segmented, its one series.
    let mut keys: Vec<Vec<Option<String>>> = if segments.by.is_empty() {
        vec![Vec::new()]
    } else {
        weeks
            .keys()
            .filter(|(id, _, _)| *id == req.workflow)
            .map(|(_, seg, _)| seg.clone())
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect()
    };
    keys.sort_by_cached_key(|s| serde_json::to_string(s).unwrap_or_default());
    let controls = (!req.controls.is_empty()).then_some(&req.controls[..]);
    // The segment's values, and the workflow's fields it is by.
    let segment_of = |seg: &Vec<Option<String>>| {
        let mut s = (!segments.by.is_empty())
            .then(|| segments.columns().into_iter().zip(seg.clone()).collect());
        fields.label(&entry.workflow, &mut s);
        s
    };
    let mut impacts = Vec::new();
    for seg in &keys {
        for &metric in &metrics {
            let column = match metric {
                ImpactMetric::ReclaimedHours => ImpactMetric::HumanMinutesPerItem.as_str(),
                m => m.as_str(),
            };
            let treated = series_of(&req.workflow, seg, Some(go_live), column);
            // Difference in differences against the same segment of the
            // other workflows.
            let candidates: Vec<Series> = catalogue
                .iter()
                .filter(|c| {
                    c.workflow.workflow_id != req.workflow && kept.contains(&c.workflow.workflow_id)
                })
                .map(|c| {
                    let w = &c.workflow;
                    series_of(&w.workflow_id, seg, w.automated_since, column)
                })
                .collect();
            let impact = match metric {
                ImpactMetric::ReclaimedHours => impact::reclaimed(&treated, &settings),
                _ => impact::estimate(method, &treated, &candidates, controls, &settings),
            };
            impacts.push(ImpactRow {
                metric,
                segment: segment_of(seg),
                impact,
                weeks: treated.points,
            });
        }
    }
    // The outcomes, each on its weekly series from the runs' values.
    let mut outcomes = Vec::new();
    if !outcomes_wanted.is_empty() {
        let wanted: Vec<super::outcomes::Wanted> = declared
            .iter()
            .filter(|w| {
                outcomes_wanted
                    .iter()
                    .any(|o| o.name == w.outcome.name && o.kind == w.outcome.kind)
            })
            .cloned()
            .collect();
        let values = super::outcomes::values_of(
            engine,
            &wanted,
            Some(first.and_hms_opt(0, 0, 0).expect("midnight")),
            to.and_hms_opt(0, 0, 0).expect("midnight"),
            None,
            segments,
        )?;
        for seg in &keys {
            for o in &outcomes_wanted {
                let mut treated = None;
                let mut candidates = Vec::new();
                for (w, v) in wanted.iter().zip(&values) {
                    if w.outcome.name != o.name || !kept.contains(&w.workflow_id) {
                        continue;
                    }
                    let runs = v.runs.get(seg).map_or(&[][..], Vec::as_slice);
                    let (s, unreadable) =
                        outcome_series(&w.workflow_id, w.go_live, o, runs, first, n_weeks);
                    if w.workflow_id == req.workflow {
                        treated = Some((s, unreadable));
                    } else {
                        candidates.push(s);
                    }
                }
                let (treated, unreadable) = treated.expect("the workflow declares it");
                let settings = Settings {
                    signs: Some(if o.higher_is_better {
                        ("worse, clearly", "better, clearly")
                    } else {
                        ("better, clearly", "worse, clearly")
                    }),
                    ..settings
                };
                let impact = impact::estimate(method, &treated, &candidates, controls, &settings);
                outcomes.push(ImpactOutcomeRow {
                    outcome: o.name.clone(),
                    kind: o.kind,
                    higher_is_better: o.higher_is_better,
                    segment: segment_of(seg),
                    impact,
                    weeks: treated.points,
                    unreadable,
                });
            }
        }
    }
    Ok(ImpactAnswer {
        workflow_id: req.workflow.clone(),
        go_live,
        go_live_week: monday(go_live.date()),
        from: first,
        to,
        settings: SettingsShown {
            level: settings.level,
            min_pre_weeks: settings.min_pre_weeks,
            min_post_weeks: settings.min_post_weeks,
            min_runs_per_side: settings.min_runs_per_side,
            placebo_count: settings.placebo_count,
        },
        segments: (!segments.is_empty() || !fields.is_empty()).then(|| {
            let mut said = Vec::new();
            if !segments.is_empty() {
                let runs = Segments {
                    workflows: Default::default(),
                    ..segments.clone()
                };
                said.push(format!(
                    "The workflow's runs {}: an estimate per metric{}; difference in \
                     differences against the other workflows' runs of the same segment. \
                     Segments are the values in the data, null where a run lacks the \
                     attribute.",
                    runs.describe(),
                    if segments.by.is_empty() {
                        ""
                    } else {
                        " and segment"
                    },
                ));
            }
            if !fields.filter.is_empty() {
                let only = Segments {
                    workflows: fields.clone(),
                    ..Segments::default()
                };
                said.push(format!(
                    "The comparisons are only the workflows with {}.",
                    only.describe_filter()
                ));
            }
            if !fields.by.is_empty() {
                said.push(format!(
                    "Each row says the workflow's {}.",
                    fields.columns().join(", ")
                ));
            }
            said.join(" ")
        }),
        impacts,
        outcomes,
    })
}

/// A workflow's weekly series of an outcome from its runs' values (anchor
/// in microseconds, text): each week's mean of the readable values, and
/// how many were not readable.
fn outcome_series(
    workflow_id: &str,
    go_live: Option<NaiveDateTime>,
    outcome: &crate::outcomes::Outcome,
    runs: &[(i64, String)],
    first: NaiveDate,
    n_weeks: usize,
) -> (Series, usize) {
    let mut sums = vec![(0.0_f64, 0_u64); n_weeks];
    let mut unreadable = 0;
    for (anchor_us, text) in runs {
        let (Some(x), Some(t)) = (outcome.value(text), crate::model::from_micros(*anchor_us))
        else {
            unreadable += 1;
            continue;
        };
        let day = t.date();
        let i = (monday(day) - first).num_days() / 7;
        if let Some(s) = usize::try_from(i).ok().and_then(|i| sums.get_mut(i)) {
            s.0 += x;
            s.1 += 1;
        }
    }
    let points = sums
        .into_iter()
        .enumerate()
        .map(|(i, (sum, n))| WeekPoint {
            week: first + Duration::days(7 * i as i64),
            value: (n > 0).then(|| sum / n as f64),
            n,
        })
        .collect();
    let series = Series {
        workflow_id: workflow_id.to_string(),
        go_live_week: go_live.map(|g| monday(g.date())),
        points,
    };
    (series, unreadable)
}

/// The query's rows as (workflow, segment, week) → each metric's weekly
/// value and n.
fn weekly(
    df: &polars::prelude::DataFrame,
    segments: &Segments,
) -> Result<HashMap<WeekKey, Week>, ReportError> {
    let ids = text_column(df, "workflow_id")?;
    let weeks = text_column(df, "week")?;
    let segs = text_column(df, "segment")?;
    let real = |n: &str| real_column(df, n);
    let count = |n: &str| -> Result<Vec<u64>, ReportError> {
        Ok(real(n)?
            .into_iter()
            .map(|v| v.unwrap_or(0.0) as u64)
            .collect())
    };
    let (terminal, failed, escalated) = (count("terminal")?, count("failed")?, count("escalated")?);
    let (cycle_n, cycle) = (count("cycle_n")?, real("cycle_mean_min")?);
    let (response_n, response) = (count("response_n")?, real("response_mean_min")?);
    let (human_n, human) = (count("human_n")?, real("human_mean_min")?);
    let mut out = HashMap::new();
    for i in 0..df.height() {
        let (Some(id), Some(week)) = (&ids[i], &weeks[i]) else {
            continue;
        };
        let week = NaiveDate::parse_from_str(week, "%Y-%m-%d").map_err(|e| {
            ReportError::BadRequest(format!("the weekly query's week `{week}`: {e}"))
        })?;
        let t = Terminal {
            succeeded: (terminal[i] - failed[i] - escalated[i]) as i64,
            failed: failed[i] as i64,
            escalated: escalated[i] as i64,
        };
        let mut w = Week::default();
        w.values
            .insert("cycle_time_mean_min", (cycle[i], cycle_n[i]));
        w.values
            .insert("response_mean_min", (response[i], response_n[i]));
        w.values.insert("error_rate", (t.error_rate(), terminal[i]));
        w.values
            .insert("escalation_rate", (t.escalation_rate(), terminal[i]));
        w.values
            .insert("human_minutes_per_item", (human[i], human_n[i]));
        let seg = super::segment_values(segments, segs[i].as_deref())?;
        out.insert((id.clone(), seg, week), w);
    }
    Ok(out)
}

/// The CSV of an answer: one row per metric (and segment, its columns
/// after workflow_id, as in the other reports), each check as columns of
/// its own (`CHECK`, `CHECK_low`, `CHECK_high`, `CHECK_passed`), in the
/// order the checks first appear.
pub fn impact_csv(a: &ImpactAnswer) -> Result<Vec<u8>, ReportError> {
    type Segment = Option<crate::segments::SegmentMap>;
    // The metrics' rows, then the outcomes' (`<name>_mean`, `<name>_rate`).
    let rows: Vec<(&Segment, String, &Impact)> = a
        .impacts
        .iter()
        .map(|r| (&r.segment, r.metric.as_str().to_string(), &r.impact))
        .chain(
            a.outcomes
                .iter()
                .map(|o| (&o.segment, o.kind.metric(&o.outcome), &o.impact)),
        )
        .collect();
    let segment_columns = crate::segments::columns_of(rows.first().and_then(|r| r.0.as_ref()));
    let mut checks: Vec<String> = Vec::new();
    for (_, _, i) in &rows {
        for c in &i.checks {
            if !checks.contains(&c.name) {
                checks.push(c.name.clone());
            }
        }
    }
    let mut header: Vec<String> = vec!["workflow_id".to_string()];
    header.extend(segment_columns.iter().cloned());
    header.extend(
        [
            "metric",
            "method",
            "asked",
            "estimate",
            "ci_low",
            "ci_high",
            "level",
            "verdict",
            "safe",
            "reason",
            "weeks_before",
            "weeks_after",
            "runs_before",
            "runs_after",
            "controls",
            "why",
        ]
        .iter()
        .map(|s| s.to_string()),
    );
    for c in &checks {
        header.extend([
            c.clone(),
            format!("{c}_low"),
            format!("{c}_high"),
            format!("{c}_passed"),
        ]);
    }
    let mut w = csv::Writer::from_writer(Vec::new());
    let csv_err = |e: csv::Error| ReportError::BadRequest(format!("writing the CSV: {e}"));
    w.write_record(&header).map_err(csv_err)?;
    let real = |v: Option<f64>| v.map(|x| x.to_string()).unwrap_or_default();
    for (segment, metric, i) in rows {
        let mut row = vec![a.workflow_id.clone()];
        row.extend(crate::segments::cells(&segment_columns, segment.as_ref()));
        row.extend([
            metric,
            i.method.clone(),
            i.asked.clone(),
            real(i.estimate),
            real(i.ci_low),
            real(i.ci_high),
            i.level.to_string(),
            i.verdict.clone(),
            i.safe.to_string(),
            i.reason.clone().unwrap_or_default(),
            i.weeks_before.to_string(),
            i.weeks_after.to_string(),
            i.runs_before.to_string(),
            i.runs_after.to_string(),
            i.controls.join(";"),
            i.why.clone(),
        ]);
        for name in &checks {
            match i.checks.iter().find(|c| &c.name == name) {
                Some(c) => row.extend([
                    real(c.figure),
                    real(c.low),
                    real(c.high),
                    c.passed.map(|p| p.to_string()).unwrap_or_default(),
                ]),
                None => row.extend([String::new(), String::new(), String::new(), String::new()]),
            }
        }
        w.write_record(&row).map_err(csv_err)?;
    }
    w.into_inner()
        .map_err(|e| ReportError::BadRequest(format!("writing the CSV: {e}")))
}
