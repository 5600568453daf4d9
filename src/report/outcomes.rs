//! `report outcomes`: the outcome measures the catalogue declares (its
//! `outcomes` column, `crate::outcomes`), measured on the runs' attributes
//! (and the time studies' recorded values) over a period, before go-live
//! against after (`metrics::compare::outcomes`); and the outcomes of the
//! comparisons (`attach`), the metric table (`into_table`) and the
//! by-segment panel (`against_go_live`).

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDateTime;
use serde::Serialize;

use super::{checked_catalogue, resolve_period, segment_values, ReportError};
use crate::engine::Engine;
use crate::metrics::compare::outcomes::{outcome_row, OutcomeRow, Recorded};
use crate::metrics::compare::{BaselineChoice, CompareSpec, Comparison};
use crate::model::CatalogueEntry;
use crate::outcomes::Outcome;
use crate::segments::{self, Segments};

/// The outcomes of the workflows that declare them, over a period.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Outcomes {
    #[serde(flatten)]
    pub period: crate::metrics::Period,
    pub level: f64,
    pub seed: u64,
    pub resamples: usize,
    /// A row per workflow and declared outcome, in catalogue order.
    pub rows: Vec<OutcomeRow>,
}

/// What `report outcomes` is asked for: a comparison's request (the
/// outcomes are the outcome rows of the comparisons, alone). Its workflows
/// empty: all that declare outcomes; its `segments`: a row per workflow,
/// outcome and segment, of the runs that match. Its `baseline` does not
/// apply: an outcome's before is what a time study recorded, else the runs
/// before go-live.
pub type OutcomesRequest = super::CompareRequest;

/// Every declared outcome of the asked-for workflows over the period
/// (default: every stored run): before (the values a time study recorded,
/// else the runs before go-live) against after.
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
    let workflows = super::kept_workflows(&req.segments, &catalogue, &req.workflows)?;
    let wanted = declared(&catalogue, &workflows)?;
    let mut rows = rows_of(
        engine,
        &wanted,
        Some(period.from),
        period.to,
        as_of,
        &req.segments,
        spec,
    )?;
    super::carried_by(&req.segments, rows.iter().map(|r| r.segment.as_ref()))?;
    if rows.iter().all(|r| r.after_n == 0) {
        super::filter_carried(engine, &req.segments, as_of)?;
    }
    let labelled = rows
        .iter_mut()
        .map(|r| (r.workflow_id.as_str(), &mut r.segment));
    super::label_rows(&req.segments, &catalogue, labelled);
    Ok(Outcomes {
        period,
        level: spec.level,
        seed: spec.seed,
        resamples: spec.resamples,
        rows,
    })
}

/// The outcomes the workflows of `catalogue` declare, before (the values a
/// time study recorded, else the runs before go-live) against the runs of
/// `period` since go-live, by `segments`, with the default bootstrap.
pub fn against_go_live(
    engine: &dyn Engine,
    catalogue: &[CatalogueEntry],
    period: crate::metrics::Period,
    segments: &Segments,
) -> Result<Vec<OutcomeRow>, ReportError> {
    let wanted = declared(catalogue, &[])?;
    let spec = super::bootstrap_spec(Some(period.from), period.to, None, None, None)?;
    rows_of(engine, &wanted, None, period.to, None, segments, spec)
}

/// The rows of the wanted outcomes, from the values of the runs anchored in
/// `[from, to)` (`from` `None`: from the first run), split as `spec` says
/// (see [`outcome_row`]): a row per wanted outcome and segment of its
/// workflow, segments in the comparisons' order.
pub(crate) fn rows_of(
    engine: &dyn Engine,
    wanted: &[Wanted],
    from: Option<NaiveDateTime>,
    to: NaiveDateTime,
    as_of: Option<NaiveDateTime>,
    segments: &Segments,
    spec: CompareSpec,
) -> Result<Vec<OutcomeRow>, ReportError> {
    let values = values_of(engine, wanted, from, to, as_of, segments)?;
    // Each workflow's rows hold every segment any of its outcomes has.
    let mut seen: BTreeMap<&str, BTreeSet<&Vec<Option<String>>>> = BTreeMap::new();
    for (w, v) in wanted.iter().zip(&values) {
        let s = seen.entry(&w.workflow_id).or_default();
        s.extend(v.runs.keys());
        if segments.by.is_empty() {
            s.insert(&NO_SEGMENT);
        }
    }
    let mut rows = Vec::new();
    for (w, v) in wanted.iter().zip(&values) {
        // In the comparisons' order: by the segment's JSON text, so a
        // missing value (null) comes after the named ones.
        let mut order: Vec<_> = seen[w.workflow_id.as_str()].iter().collect();
        order.sort_by_cached_key(|s| serde_json::to_string(s).unwrap_or_default());
        for seg in order {
            rows.push(row(w, v, seg, segments, spec, None));
        }
    }
    Ok(rows)
}

/// The key of the values of runs when not segmented.
static NO_SEGMENT: Vec<Option<String>> = Vec::new();

/// A declared outcome of a workflow, to measure.
#[derive(Clone)]
pub(crate) struct Wanted {
    pub workflow_id: String,
    pub go_live: Option<NaiveDateTime>,
    pub outcome: Outcome,
}

/// Every outcome the catalogue's workflows of `ids` (all when empty)
/// declare, in catalogue then declaration order.
pub(crate) fn declared(
    catalogue: &[CatalogueEntry],
    ids: &[String],
) -> Result<Vec<Wanted>, ReportError> {
    let mut wanted = Vec::new();
    for e in catalogue {
        let w = &e.workflow;
        if !ids.is_empty() && !ids.contains(&w.workflow_id) {
            continue;
        }
        let Some(text) = &w.outcomes else { continue };
        let parsed = crate::outcomes::parse(text)
            .map_err(|e| ReportError::BadRequest(format!("workflow `{}`: {e}", w.workflow_id)))?;
        wanted.extend(parsed.into_iter().map(|outcome| Wanted {
            workflow_id: w.workflow_id.clone(),
            go_live: w.automated_since,
            outcome,
        }));
    }
    Ok(wanted)
}

/// The values of one wanted outcome: of the runs, by segment (one list,
/// under no values, when not segmented), and of its workflow's time
/// studies; each (anchor or observation time in microseconds, the text).
#[derive(Default)]
pub(crate) struct Values {
    pub runs: BTreeMap<Vec<Option<String>>, Vec<(i64, String)>>,
    pub study: Vec<(i64, String)>,
}

/// The values of each wanted outcome of the runs anchored in `[from, to)`
/// (and its time studies'), in the order of `wanted`.
pub(crate) fn values_of(
    engine: &dyn Engine,
    wanted: &[Wanted],
    from: Option<NaiveDateTime>,
    to: NaiveDateTime,
    as_of: Option<NaiveDateTime>,
    segments: &Segments,
) -> Result<Vec<Values>, ReportError> {
    let mut values: Vec<Values> = (0..wanted.len()).map(|_| Values::default()).collect();
    if wanted.is_empty() {
        return Ok(values);
    }
    let pairs: Vec<(String, String)> = wanted
        .iter()
        .map(|w| (w.workflow_id.clone(), w.outcome.name.clone()))
        .collect();
    for v in engine.outcome_values(&pairs, from, to, as_of, segments)? {
        let of = values.get_mut(v.pair).ok_or_else(|| {
            ReportError::BadRequest(format!("outcome pair {} was not asked for", v.pair))
        })?;
        if v.study {
            of.study.push((v.anchor_us, v.value));
        } else {
            let seg = segment_values(segments, v.segment.as_deref())?;
            of.runs.entry(seg).or_default().push((v.anchor_us, v.value));
        }
    }
    Ok(values)
}

/// The row of one wanted outcome in one segment (the study is whole: the
/// same in every segment).
fn row(
    w: &Wanted,
    values: &Values,
    seg: &Vec<Option<String>>,
    segments: &Segments,
    spec: CompareSpec,
    baseline: Option<BaselineChoice>,
) -> OutcomeRow {
    let recorded = Recorded {
        runs: values.runs.get(seg).map_or(&[][..], Vec::as_slice),
        study: &values.study,
    };
    let mut r = outcome_row(
        &w.workflow_id,
        &w.outcome,
        recorded,
        w.go_live,
        spec,
        baseline,
    );
    if !segments.by.is_empty() {
        r.segment = Some(segments.columns().into_iter().zip(seg.clone()).collect());
    }
    r
}

/// Gives each row of `table` the figures of the outcomes its workflow
/// declares, over the row's runs (the table's period and segment).
pub(crate) fn into_table(
    engine: &dyn Engine,
    table: &mut crate::metrics::MetricTable,
    catalogue: &[CatalogueEntry],
    workflows: &[String],
    as_of: Option<NaiveDateTime>,
    segments: &Segments,
) -> Result<(), ReportError> {
    let wanted = declared(catalogue, workflows)?;
    if wanted.is_empty() {
        return Ok(());
    }
    let period = table.period;
    let values = values_of(
        engine,
        &wanted,
        Some(period.from),
        period.to,
        as_of,
        segments,
    )?;
    let mut rows: Vec<crate::metrics::RowOutcomes> = Vec::new();
    for r in table.rows()? {
        let seg = segments.key_of(r.segment.as_ref());
        let stats: Vec<_> = wanted
            .iter()
            .zip(&values)
            .filter(|(w, _)| w.workflow_id == r.workflow_id)
            .map(|(w, v)| {
                let runs = v.runs.get(&seg).map_or(&[][..], Vec::as_slice);
                crate::metrics::compare::outcomes::outcome_stat(&w.outcome, runs)
            })
            .collect();
        if !stats.is_empty() {
            rows.push((r.workflow_id, seg, stats));
        }
    }
    table.outcomes = rows;
    Ok(())
}

/// Sets each comparison's outcome rows — the outcomes its workflow
/// declares, in its segment, its before side against its after side — and
/// its summary. `spec` is the comparisons' own, and so is the baseline: a
/// comparison against the time study sets each outcome against the values
/// the study recorded, or the runs before go-live when it recorded none of
/// it (its `before_source` says which).
pub(crate) fn attach(
    engine: &dyn Engine,
    comparisons: &mut [Comparison],
    catalogue: &[CatalogueEntry],
    as_of: Option<NaiveDateTime>,
    segments: &Segments,
    spec: CompareSpec,
) -> Result<(), ReportError> {
    let ids: Vec<String> = comparisons.iter().map(|c| c.workflow_id.clone()).collect();
    let wanted = if ids.is_empty() {
        Vec::new()
    } else {
        declared(catalogue, &ids)?
    };
    let values = values_of(engine, &wanted, None, spec.to, as_of, segments)?;
    for c in comparisons.iter_mut() {
        let seg = segments.key_of(c.segment.as_ref());
        c.outcomes = wanted
            .iter()
            .zip(&values)
            .filter(|(w, _)| w.workflow_id == c.workflow_id)
            .map(|(w, v)| row(w, v, &seg, segments, spec, Some(c.baseline)))
            .collect();
        c.summary = crate::metrics::compare::summary(&c.rows, &c.outcomes);
    }
    Ok(())
}

/// The rows as CSV, one per workflow and outcome.
pub fn outcomes_csv(o: &Outcomes) -> Result<Vec<u8>, ReportError> {
    let num = super::cell;
    // The segment's columns after workflow_id, as in the other reports.
    let columns = segments::columns_of(o.rows.first().and_then(|r| r.segment.as_ref()));
    let rows = o.rows.iter().map(|r| {
        let mut cells = vec![r.workflow_id.clone()];
        cells.extend(segments::cells(&columns, r.segment.as_ref()));
        cells.extend([
            r.outcome.clone(),
            r.kind.as_str().to_string(),
            r.higher_is_better.to_string(),
            num(r.target),
            r.before_source.clone(),
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
        ]);
        cells
    });
    let mut header = vec!["workflow_id"];
    header.extend(columns.iter().map(String::as_str));
    header.extend([
        "outcome",
        "kind",
        "higher_is_better",
        "target",
        "before_source",
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
    ]);
    super::csv_of(&header, rows)
}
