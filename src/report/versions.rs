//! `report versions`: each version of a workflow's automation against the
//! one before it, and the version checks of `report alerts` (a new version
//! against its predecessor from its first day). The runs come from the
//! engine segmented by their `version` (`Engine::segment_evidence`); the
//! statistics are the analytics core's (`metrics::compare::versions`).

use chrono::NaiveDateTime;
use serde::Serialize;

use super::{checked_catalogue, resolve_period, ReportError};
use crate::engine::{Engine, EngineError};
use crate::metrics::compare::versions::{self, VersionRow};
use crate::metrics::compare::{self, CompareSpec, Interval, RegressionCheck};
use crate::model::RunSample;
use crate::segments::Segments;

/// The versions of one workflow over a period.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Versions {
    pub workflow_id: String,
    /// The period whose runs were read, `[from, to)`.
    #[serde(serialize_with = "crate::model::serialize_timestamp")]
    #[schemars(with = "crate::schema::Timestamp")]
    pub from: NaiveDateTime,
    #[serde(serialize_with = "crate::model::serialize_timestamp")]
    #[schemars(with = "crate::schema::Timestamp")]
    pub to: NaiveDateTime,
    pub level: f64,
    pub seed: u64,
    pub resamples: usize,
    /// In the order of their first run; the runs that name no version last.
    pub versions: Vec<VersionRow>,
}

/// What `report versions` is asked for.
#[derive(Debug, Clone, Default)]
pub struct VersionsRequest {
    pub workflow: String,
    pub from: Option<String>,
    pub to: Option<String>,
    pub as_of: Option<String>,
    pub seed: Option<u64>,
    pub resamples: Option<usize>,
}

/// Every version of the workflow's runs in the period (default: every stored
/// run), each against the version before it, with 95% intervals.
pub fn versions_of(engine: &dyn Engine, req: &VersionsRequest) -> Result<Versions, ReportError> {
    let as_of = super::parse_as_of(req.as_of.as_deref())?;
    checked_catalogue(engine, std::slice::from_ref(&req.workflow), as_of)?;
    let period = resolve_period(engine, req.from.as_deref(), req.to.as_deref())?
        .ok_or_else(|| ReportError::BadRequest("no runs are stored yet: nothing to list".into()))?;
    let resamples = req.resamples.unwrap_or(compare::DEFAULT_RESAMPLES);
    if !(100..=100_000).contains(&resamples) {
        return Err(ReportError::BadRequest(format!(
            "resamples: {resamples} is outside 100 to 100000"
        )));
    }
    let spec = CompareSpec {
        baseline: None,
        from: Some(period.from),
        to: period.to,
        seed: req.seed.unwrap_or(compare::DEFAULT_SEED),
        resamples,
        level: 0.95,
        interval: Interval::Weeks,
    };
    let ids = [req.workflow.clone()];
    let by = by_version(engine, &ids, Some(period.from), period.to, as_of)?;
    let rows = versions::versions(&req.workflow, &by[0], spec);
    Ok(Versions {
        workflow_id: req.workflow.clone(),
        from: period.from,
        to: period.to,
        level: spec.level,
        seed: spec.seed,
        resamples: spec.resamples,
        versions: rows,
    })
}

/// One version's runs: its name (`None`: runs naming none) and sample.
type Version = (Option<String>, RunSample);

/// The workflows' runs anchored in `[from, to)` by version, a list per
/// workflow in the order of `ids`.
fn by_version(
    engine: &dyn Engine,
    ids: &[String],
    from: Option<NaiveDateTime>,
    to: NaiveDateTime,
    as_of: Option<NaiveDateTime>,
) -> Result<Vec<Vec<Version>>, ReportError> {
    let segments = Segments::version_only();
    let (_, samples) = engine.segment_evidence(ids, from, to, as_of, &segments)?;
    samples
        .into_iter()
        .map(|by| {
            by.into_iter()
                .map(|(segment, sample)| {
                    let version = match segment {
                        Some(s) => segments
                            .values_of(&s)
                            .map_err(|e| {
                                ReportError::Metrics(crate::metrics::MetricsError::Shape(e))
                            })?
                            .pop()
                            .flatten(),
                        None => None,
                    };
                    Ok((version, sample))
                })
                .collect()
        })
        .collect()
}

/// The version checks of `report alerts` at `at`: for each automated
/// workflow (id, go-live), its newest version against its predecessor when
/// it began within the trailing weeks (`versions::version_checks`). An
/// engine that cannot segment runs gives none, and the reason.
pub fn version_checks(
    engine: &dyn Engine,
    automated: &[(String, NaiveDateTime)],
    at: NaiveDateTime,
) -> Result<(Vec<RegressionCheck>, Option<String>), ReportError> {
    // A version new in the trailing weeks, and its predecessor's weeks before it.
    let from = at - chrono::Duration::weeks(2 * compare::TRAILING_WEEKS);
    let ids: Vec<String> = automated.iter().map(|(id, _)| id.clone()).collect();
    let mut checks = Vec::new();
    for (chunk, lives) in ids
        .chunks(super::COMPARE_CHUNK)
        .zip(automated.chunks(super::COMPARE_CHUNK))
    {
        let by = match by_version(engine, chunk, Some(from), at, None) {
            Ok(by) => by,
            Err(ReportError::Engine(EngineError::Unsupported(why))) => {
                return Ok((Vec::new(), Some(format!("version checks not made: {why}"))))
            }
            Err(e) => return Err(e),
        };
        for ((id, go_live), by) in lives.iter().zip(by) {
            checks.extend(versions::version_checks(
                id,
                *go_live,
                &by,
                at,
                compare::DEFAULT_SEED,
                compare::DEFAULT_RESAMPLES,
            ));
        }
    }
    Ok((checks, None))
}

/// The versions as CSV: a row per version and metric, the version's columns
/// before the comparison's.
pub fn versions_csv(v: &Versions) -> Result<Vec<u8>, ReportError> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let csv_err = |e: csv::Error| ReportError::BadRequest(format!("CSV: {e}"));
    w.write_record([
        "workflow_id",
        "version",
        "first_run",
        "last_run",
        "runs",
        "previous",
        "interval",
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
    ])
    .map_err(csv_err)?;
    let num = |x: Option<f64>| x.map(|x| x.to_string()).unwrap_or_default();
    for r in &v.versions {
        for m in &r.rows {
            w.write_record([
                r.workflow_id.clone(),
                r.version.clone().unwrap_or_default(),
                crate::model::format_timestamp(r.first_run),
                crate::model::format_timestamp(r.last_run),
                r.runs.to_string(),
                r.previous.clone().unwrap_or_default(),
                r.interval.as_str().to_string(),
                m.metric.to_string(),
                m.unit.clone(),
                num(m.before),
                m.before_n.to_string(),
                num(m.after),
                m.after_n.to_string(),
                num(m.change),
                num(m.change_pct),
                num(m.ci_low),
                num(m.ci_high),
                m.verdict.clone(),
            ])
            .map_err(csv_err)?;
        }
    }
    w.into_inner()
        .map_err(|e| ReportError::BadRequest(format!("CSV: {e}")))
}
