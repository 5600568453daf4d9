//! `report outcomes`: the outcome measures the catalogue declares (its
//! `outcomes` column, `crate::outcomes`), measured on the runs' attributes
//! over a period, before go-live against after (`metrics::compare::outcomes`).

use chrono::NaiveDateTime;
use serde::Serialize;

use super::{checked_catalogue, resolve_period, ReportError};
use crate::engine::Engine;
use crate::metrics::compare::outcomes::{outcome_row, OutcomeRow};
use crate::metrics::compare::Interval;

/// The outcomes of the workflows that declare them, over a period.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Outcomes {
    #[serde(serialize_with = "crate::model::serialize_timestamp")]
    #[schemars(with = "crate::schema::Timestamp")]
    pub from: NaiveDateTime,
    #[serde(serialize_with = "crate::model::serialize_timestamp")]
    #[schemars(with = "crate::schema::Timestamp")]
    pub to: NaiveDateTime,
    pub level: f64,
    pub seed: u64,
    pub resamples: usize,
    /// A row per workflow and declared outcome, in catalogue order.
    pub rows: Vec<OutcomeRow>,
}

/// What `report outcomes` is asked for.
#[derive(Debug, Clone, Default)]
pub struct OutcomesRequest {
    pub from: Option<String>,
    pub to: Option<String>,
    /// Only these workflows (empty: all that declare outcomes).
    pub workflows: Vec<String>,
    pub as_of: Option<String>,
    pub seed: Option<u64>,
    pub resamples: Option<usize>,
    pub interval: Option<Interval>,
}

/// Every declared outcome of the asked-for workflows over the period
/// (default: every stored run), before go-live against after.
pub fn outcomes(engine: &dyn Engine, req: &OutcomesRequest) -> Result<Outcomes, ReportError> {
    let as_of = super::parse_as_of(req.as_of.as_deref())?;
    let catalogue = checked_catalogue(engine, &req.workflows, as_of)?;
    let period =
        resolve_period(engine, req.from.as_deref(), req.to.as_deref())?.ok_or_else(|| {
            ReportError::BadRequest("no runs are stored yet: give from and to".into())
        })?;
    let spec = super::bootstrap_spec(
        Some(period.from),
        period.to,
        req.seed,
        req.resamples,
        req.interval,
    )?;
    // Every (workflow, outcome) declared, in catalogue order.
    let mut wanted = Vec::new();
    for e in &catalogue {
        let w = &e.workflow;
        if !req.workflows.is_empty() && !req.workflows.contains(&w.workflow_id) {
            continue;
        }
        let Some(text) = &w.outcomes else { continue };
        let declared = crate::outcomes::parse(text)
            .map_err(|e| ReportError::BadRequest(format!("workflow `{}`: {e}", w.workflow_id)))?;
        for o in declared {
            wanted.push((w.workflow_id.clone(), w.automated_since, o));
        }
    }
    let pairs: Vec<(String, String)> = wanted
        .iter()
        .map(|(id, _, o)| (id.clone(), o.name.clone()))
        .collect();
    let mut values: Vec<Vec<(i64, String)>> = vec![Vec::new(); pairs.len()];
    for (k, anchor, text) in engine.outcome_values(&pairs, period.from, period.to, as_of)? {
        values
            .get_mut(k)
            .ok_or_else(|| ReportError::BadRequest(format!("outcome pair {k} was not asked for")))?
            .push((anchor, text));
    }
    let rows = wanted
        .iter()
        .zip(&values)
        .map(|((id, go_live, o), v)| outcome_row(id, o, v, *go_live, spec))
        .collect();
    Ok(Outcomes {
        from: period.from,
        to: period.to,
        level: spec.level,
        seed: spec.seed,
        resamples: spec.resamples,
        rows,
    })
}

/// The rows as CSV, one per workflow and outcome.
pub fn outcomes_csv(o: &Outcomes) -> Result<Vec<u8>, ReportError> {
    let num = super::cell;
    let rows = o.rows.iter().map(|r| {
        vec![
            r.workflow_id.clone(),
            r.outcome.clone(),
            r.kind.as_str().to_string(),
            r.higher_is_better.to_string(),
            num(r.target),
            r.before_n.to_string(),
            num(r.before_mean),
            num(r.before_p50),
            num(r.before_share_at_target),
            r.after_n.to_string(),
            num(r.after_mean),
            num(r.after_p50),
            num(r.after_share_at_target),
            num(r.change),
            num(r.ci_low),
            num(r.ci_high),
            r.verdict.clone(),
            r.interval.as_str().to_string(),
            r.unreadable.to_string(),
        ]
    });
    super::csv_of(
        &[
            "workflow_id",
            "outcome",
            "kind",
            "higher_is_better",
            "target",
            "before_n",
            "before_mean",
            "before_p50",
            "before_share_at_target",
            "after_n",
            "after_mean",
            "after_p50",
            "after_share_at_target",
            "change",
            "ci_low",
            "ci_high",
            "verdict",
            "interval",
            "unreadable",
        ],
        rows,
    )
}
