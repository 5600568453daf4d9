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
use std::collections::HashMap;
use std::str::FromStr;

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime};
use serde::Serialize;

use super::ReportError;
use crate::engine::{Engine, PeriodQuery};
use crate::metrics::impact::{self, Impact, Method, Series, Settings, WeekPoint};
use crate::metrics::rates::Terminal;
use crate::metrics::{real_column, text_column};
use crate::store::CatalogueEntry;

/// The weekly series of every workflow in a window, in each engine's dialect.
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
}

/// One metric's estimate.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct ImpactRow {
    pub metric: ImpactMetric,
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
    pub impacts: Vec<ImpactRow>,
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

/// Estimates the go-live effect of `req.workflow` on each asked-for metric.
pub fn impact(engine: &dyn Engine, req: &ImpactRequest) -> Result<ImpactAnswer, ReportError> {
    impact_with(engine, req, None)
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
    let asked: Vec<ImpactMetric> = req
        .metrics
        .iter()
        .map(|m| m.parse().map_err(ReportError::BadRequest))
        .collect::<Result<_, _>>()?;
    // In the order of ALL, whatever the order asked.
    let metrics: Vec<ImpactMetric> = ImpactMetric::ALL
        .into_iter()
        .filter(|m| asked.is_empty() || asked.contains(m))
        .collect();
    let catalogue = match current {
        Some(c) => Cow::Borrowed(c),
        None => Cow::Owned(engine.catalogue(None)?),
    };
    super::check_workflows(&catalogue, std::slice::from_ref(&req.workflow))?;
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
    let ids: Vec<String> = catalogue
        .iter()
        .map(|c| c.workflow.workflow_id.clone())
        .collect();
    let df = engine.period_query(
        &WEEKLY,
        first.and_hms_opt(0, 0, 0).expect("midnight"),
        to.and_hms_opt(0, 0, 0).expect("midnight"),
        &ids,
    )?;
    let weeks = weekly(&df)?;
    let n_weeks = ((to - first).num_days() / 7) as usize;
    let settings = Settings::default();
    let series_of = |id: &str, go_live: Option<NaiveDateTime>, metric: &'static str| Series {
        workflow_id: id.to_string(),
        go_live_week: go_live.map(|g| monday(g.date())),
        points: (0..n_weeks)
            .map(|i| {
                let week = first + Duration::days(7 * i as i64);
                let (value, n) = weeks
                    .get(&(id.to_string(), week))
                    .and_then(|w| w.values.get(metric).copied())
                    .unwrap_or((None, 0));
                WeekPoint { week, value, n }
            })
            .collect(),
    };
    let controls = (!req.controls.is_empty()).then_some(&req.controls[..]);
    let mut impacts = Vec::new();
    for metric in metrics {
        let column = match metric {
            ImpactMetric::ReclaimedHours => ImpactMetric::HumanMinutesPerItem.as_str(),
            m => m.as_str(),
        };
        let treated = series_of(&req.workflow, Some(go_live), column);
        let candidates: Vec<Series> = catalogue
            .iter()
            .filter(|c| c.workflow.workflow_id != req.workflow)
            .map(|c| series_of(&c.workflow.workflow_id, c.workflow.automated_since, column))
            .collect();
        let impact = match metric {
            ImpactMetric::ReclaimedHours => impact::reclaimed(&treated, &settings),
            _ => impact::estimate(method, &treated, &candidates, controls, &settings),
        };
        impacts.push(ImpactRow {
            metric,
            impact,
            weeks: treated.points,
        });
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
        impacts,
    })
}

/// The query's rows as (workflow, week) → each metric's weekly value and n.
fn weekly(
    df: &polars::prelude::DataFrame,
) -> Result<HashMap<(String, NaiveDate), Week>, ReportError> {
    let ids = text_column(df, "workflow_id")?;
    let weeks = text_column(df, "week")?;
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
        out.insert((id.clone(), week), w);
    }
    Ok(out)
}

/// The CSV of an answer: one row per metric, each check as columns of its
/// own (`CHECK`, `CHECK_low`, `CHECK_high`, `CHECK_passed`), in the order
/// the checks first appear.
pub fn impact_csv(a: &ImpactAnswer) -> Result<Vec<u8>, ReportError> {
    let mut checks: Vec<String> = Vec::new();
    for r in &a.impacts {
        for c in &r.impact.checks {
            if !checks.contains(&c.name) {
                checks.push(c.name.clone());
            }
        }
    }
    let mut header: Vec<String> = [
        "workflow_id",
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
    .map(|s| s.to_string())
    .collect();
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
    for r in &a.impacts {
        let i = &r.impact;
        let mut row = vec![
            a.workflow_id.clone(),
            r.metric.as_str().to_string(),
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
        ];
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
