//! `report versions`: each version of a workflow's automation against the
//! one before it, and the version checks of `report alerts` (a new version
//! against its predecessor from its first day). The runs come from the
//! engine segmented by their `version` (`Engine::segment_evidence`); the
//! statistics are the analytics core's (`metrics::compare::versions`).

use chrono::NaiveDateTime;
use serde::Serialize;

use super::{checked_catalogue, resolve_period, ReportError};
use crate::engine::{Engine, EngineError, PeriodQuery};
use crate::metrics::compare::versions::{self, VersionRow};
use crate::metrics::compare::{self, RegressionCheck};
use crate::model::RunSample;
use crate::segments::Segments;

/// The versions of one workflow over a period.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Versions {
    pub workflow_id: String,
    /// The period whose runs were read, `[from, to)`.
    #[serde(flatten)]
    pub period: crate::metrics::Period,
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
    versions_over(
        engine,
        &req.workflow,
        period,
        as_of,
        req.seed,
        req.resamples,
    )
}

/// [`versions_of`] of a workflow already known to be catalogued (a
/// dashboard's, whose page read the catalogue) over `period`.
pub fn versions_over(
    engine: &dyn Engine,
    workflow: &str,
    period: crate::metrics::Period,
    as_of: Option<NaiveDateTime>,
    seed: Option<u64>,
    resamples: Option<usize>,
) -> Result<Versions, ReportError> {
    // Whole weeks where both versions span enough of them (versions::versions).
    let spec = super::bootstrap_spec(Some(period.from), period.to, seed, resamples, None)?;
    let ids = [workflow.to_string()];
    let by = by_version(engine, &ids, Some(period.from), period.to, as_of)?;
    let rows = versions::versions(workflow, &by[0], spec);
    Ok(Versions {
        workflow_id: workflow.to_string(),
        period,
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
    let (_, samples) = engine
        .segment_evidence(ids, from, to, as_of, &segments)
        .map_err(|e| match e {
            // Say what was asked, not only what the engine lacks.
            EngineError::Unsupported(why) => {
                EngineError::Unsupported(format!("the runs by version: {why}"))
            }
            e => e,
        })?;
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

/// The versions of the workflows in view first run in the period (not a
/// panel of its own: charts mark them, and alerts check them).
const VERSION_STARTS: PeriodQuery = PeriodQuery {
    name: "version_starts",
    duckdb: include_str!("../../queries/dashboards/version_starts.sql"),
    spark: include_str!("../../queries/dashboards/version_starts.spark.sql"),
};

/// The versions of `workflows` first run in `[from, to)`: (workflow,
/// version, first run), in the order of their first run.
pub fn version_starts(
    engine: &dyn Engine,
    from: NaiveDateTime,
    to: NaiveDateTime,
    workflows: &[String],
) -> Result<Vec<(String, String, NaiveDateTime)>, ReportError> {
    let df = engine.period_query(&VERSION_STARTS, from, to, workflows)?;
    let workflow = crate::metrics::text_column(&df, "workflow_id")?;
    let version = crate::metrics::text_column(&df, "version")?;
    // Microseconds fit a double exactly until the year 2255.
    let first = crate::metrics::real_column(&df, "first_run_us")?;
    Ok(workflow
        .into_iter()
        .zip(version)
        .zip(first)
        .filter_map(|((w, v), us)| {
            let at = crate::model::from_micros(us? as i64)?;
            Some((w?, v?, at))
        })
        .collect())
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
    // Only the workflows with a version first run in the trailing weeks (a
    // cheap read of the version column) have their runs read: the new
    // version's, and its predecessor's weeks before it.
    let trailing = chrono::Duration::weeks(compare::TRAILING_WEEKS);
    let all: Vec<String> = automated.iter().map(|(id, _)| id.clone()).collect();
    let new = version_starts(engine, at - trailing, at, &all)?;
    let automated: Vec<&(String, NaiveDateTime)> = automated
        .iter()
        .filter(|(id, _)| new.iter().any(|(w, _, _)| w == id))
        .collect();
    let from = at - trailing * 2;
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
        for (&(id, go_live), by) in lives.iter().zip(by) {
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
    let num = super::cell;
    let rows = v.versions.iter().flat_map(|r| {
        r.rows.iter().map(move |m| {
            vec![
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
            ]
        })
    });
    // The version's columns, then a comparison row's after its workflow_id.
    let mut header = vec![
        "workflow_id",
        "version",
        "first_run",
        "last_run",
        "runs",
        "previous",
        "interval",
    ];
    header.extend(&compare::FIELDS[1..]);
    super::csv_of(&header, rows)
}
