//! Reports: the one code path from a request (period, workflows) to a metric
//! table, shared by the CLI, the JSON and CSV API and the HTML overview.

use crate::metrics::{MetricTable, MetricsError, Period, DEFAULT_LEAK_HORIZON_DAYS};
use crate::model::check_slug;
use crate::store::{Store, StoreError};

/// Why a report could not be made.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    NotFound(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Metrics(MetricsError),
}

impl From<MetricsError> for ReportError {
    fn from(e: MetricsError) -> Self {
        match e {
            MetricsError::BadRequest(m) => ReportError::BadRequest(m),
            other => ReportError::Metrics(other),
        }
    }
}

/// The period of a request: both bounds given, or neither (then the whole days
/// that cover every stored run; `None` when there are no runs).
pub fn resolve_period(
    store: &Store,
    from: Option<&str>,
    to: Option<&str>,
) -> Result<Option<Period>, ReportError> {
    match (from, to) {
        (Some(f), Some(t)) => Ok(Some(Period::parse(f, t)?)),
        (None, None) => Ok(store.run_span()?.map(|(a, b)| Period::covering(a, b))),
        _ => Err(ReportError::BadRequest(
            "give both from and to (dates mean midnight UTC), or neither for all runs".into(),
        )),
    }
}

/// Splits workflow filters given as repeated values and/or comma-separated lists.
pub fn split_workflow_filter<'a>(values: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let mut out: Vec<String> = values
        .into_iter()
        .flat_map(|v| v.split(','))
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect();
    out.sort();
    out.dedup();
    out
}

/// The metric table for a period and an optional list of workflows
/// (empty means every catalogued workflow).
pub fn metric_table(
    store: &Store,
    period: Period,
    workflows: &[String],
) -> Result<MetricTable, ReportError> {
    if !workflows.is_empty() {
        let known = store.workflow_ids()?;
        for w in workflows {
            check_slug(w).map_err(|e| ReportError::BadRequest(format!("workflow: {e}")))?;
            if !known.contains(w) {
                return Err(ReportError::NotFound(format!(
                    "workflow `{w}` is not in the catalogue"
                )));
            }
        }
    }
    let filter = (!workflows.is_empty()).then_some(workflows);
    let df = store.metric_frame(period.from, period.to, DEFAULT_LEAK_HORIZON_DAYS, filter)?;
    Ok(MetricTable::from_frame(period, df)?)
}
