//! The automation backlog: workflows observed by hand and not yet automated,
//! ranked by the manual hours they take each week, with what automating them
//! would reclaim a year under stated assumptions. No I/O.

use polars::prelude::DataFrame;
use serde::Serialize;

use super::{real_column, real_values, text_column, MetricsError};

/// Working weeks in a year for the projection.
pub const WEEKS_PER_YEAR: f64 = 52.0;
/// Residual human share assumed when no automated workflow shows one yet.
pub const DEFAULT_RESIDUAL_SHARE: f64 = 0.2;

/// One backlog candidate.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct BacklogRow {
    pub rank: usize,
    pub workflow_id: String,
    pub name: String,
    pub owner: String,
    pub team: Option<String>,
    pub category: String,
    pub observations: i64,
    pub study_weeks: f64,
    /// Observations per week over the study's span: the observed frequency.
    pub items_per_week: f64,
    pub mean_handle_minutes: f64,
    pub error_share: Option<f64>,
    pub weekly_manual_hours: f64,
    pub projected_reclaimed_hours_per_year: f64,
    pub projected_reclaimed_money_per_year: Option<f64>,
    pub currency: Option<String>,
}

/// The assumptions behind every projection, printed next to the numbers.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct BacklogAssumptions {
    pub weeks_per_year: f64,
    /// Share of the manual handle time people still spend once automated.
    pub residual_share: f64,
    pub residual_source: String,
    pub frequency: &'static str,
}

/// The ranked backlog and its assumptions.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Backlog {
    pub assumptions: BacklogAssumptions,
    pub rows: Vec<BacklogRow>,
}

/// Ranks the candidates of `queries/backlog/candidates.sql`, projecting with
/// the median residual share of `queries/backlog/residual.sql`.
pub fn backlog(candidates: &DataFrame, residuals: &DataFrame) -> Result<Backlog, MetricsError> {
    let mut shares: Vec<f64> = if residuals.height() == 0 {
        Vec::new()
    } else {
        real_values(residuals, "residual_share")?
    };
    shares.sort_by(f64::total_cmp);
    let (residual_share, residual_source) = if shares.is_empty() {
        (
            DEFAULT_RESIDUAL_SHARE,
            "default: no automated workflow with a baseline has runs yet".to_string(),
        )
    } else {
        let m = super::compare::quantile_cont(&shares, 0.5).clamp(0.0, 1.0);
        (
            m,
            format!(
                "median over {} automated workflows of human minutes per run after go-live ÷ B",
                shares.len()
            ),
        )
    };
    let assumptions = BacklogAssumptions {
        weeks_per_year: WEEKS_PER_YEAR,
        residual_share,
        residual_source,
        frequency: "observations per week over the time study's span (at least one week)",
    };
    if candidates.height() == 0 {
        return Ok(Backlog {
            assumptions,
            rows: Vec::new(),
        });
    }
    let ids = text_column(candidates, "workflow_id")?;
    let names = text_column(candidates, "name")?;
    let owners = text_column(candidates, "owner")?;
    let teams = text_column(candidates, "team")?;
    let cats = text_column(candidates, "category")?;
    let costs = real_column(candidates, "hourly_cost")?;
    let curs = text_column(candidates, "currency")?;
    let obs = real_column(candidates, "observations")?;
    let handle = real_column(candidates, "mean_handle_minutes")?;
    let err = real_column(candidates, "error_share")?;
    let weeks = real_column(candidates, "study_weeks")?;
    let mut rows: Vec<BacklogRow> = (0..candidates.height())
        .map(|i| {
            let n = obs[i].unwrap_or(0.0);
            let w = weeks[i].unwrap_or(1.0);
            let per_week = n / w;
            let h = handle[i].unwrap_or(0.0);
            let weekly = per_week * h / 60.0;
            let yearly = weekly * WEEKS_PER_YEAR * (1.0 - residual_share);
            BacklogRow {
                rank: 0,
                workflow_id: ids[i].clone().unwrap_or_default(),
                name: names[i].clone().unwrap_or_default(),
                owner: owners[i].clone().unwrap_or_default(),
                team: teams[i].clone(),
                category: cats[i].clone().unwrap_or_default(),
                observations: n as i64,
                study_weeks: w,
                items_per_week: per_week,
                mean_handle_minutes: h,
                error_share: err[i],
                weekly_manual_hours: weekly,
                projected_reclaimed_hours_per_year: yearly,
                projected_reclaimed_money_per_year: costs[i].map(|c| yearly * c),
                currency: curs[i].clone(),
            }
        })
        .collect();
    rows.sort_by(|a, b| {
        b.weekly_manual_hours
            .total_cmp(&a.weekly_manual_hours)
            .then(a.workflow_id.cmp(&b.workflow_id))
    });
    for (i, r) in rows.iter_mut().enumerate() {
        r.rank = i + 1;
    }
    Ok(Backlog { assumptions, rows })
}
