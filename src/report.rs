//! Reports: the one code path from a request (period, workflows) to a metric
//! table, shared by the CLI, the JSON and CSV API and the HTML overview.

pub mod impact;
pub mod outcomes;
pub mod versions;

/// A CSV of `header` and `rows`, each row its cells as text.
fn csv_of(
    header: &[&str],
    rows: impl IntoIterator<Item = Vec<String>>,
) -> Result<Vec<u8>, ReportError> {
    let err = |e: csv::Error| ReportError::BadRequest(format!("CSV: {e}"));
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(header).map_err(err)?;
    for r in rows {
        w.write_record(&r).map_err(err)?;
    }
    w.into_inner()
        .map_err(|e| ReportError::BadRequest(format!("CSV: {e}")))
}

/// The bootstrap of a comparison over `[from, to)` at 95%: the seed and
/// resamples asked for (100 to 100,000) or the defaults, whole weeks unless
/// `interval` says otherwise; no baseline chosen.
fn bootstrap_spec(
    from: Option<chrono::NaiveDateTime>,
    to: chrono::NaiveDateTime,
    seed: Option<u64>,
    resamples: Option<usize>,
    interval: Option<compare::Interval>,
) -> Result<CompareSpec, ReportError> {
    let resamples = resamples.unwrap_or(compare::DEFAULT_RESAMPLES);
    if !(100..=100_000).contains(&resamples) {
        return Err(ReportError::BadRequest(format!(
            "resamples {resamples} is outside 100..=100000"
        )));
    }
    Ok(CompareSpec {
        baseline: None,
        from,
        to,
        seed: seed.unwrap_or(compare::DEFAULT_SEED),
        resamples,
        level: 0.95,
        interval: interval.unwrap_or_default(),
    })
}

/// A CSV cell of an optional number: empty when there is none.
fn cell(x: Option<f64>) -> String {
    x.map(|x| x.to_string()).unwrap_or_default()
}

use std::borrow::Cow;
use std::collections::HashMap;

use schemars::{json_schema, Schema, SchemaGenerator};

use crate::engine::{Engine, EngineError};
use crate::metrics::compare::{self, BaselineChoice, CompareSpec, Comparison};
use crate::metrics::{MetricTable, MetricsError, Period, DEFAULT_LEAK_HORIZON_DAYS};
use crate::model::{check_slug, parse_timestamp_or_date, RunSample};
use crate::schema;
use crate::segments::Segments;
use crate::store::{CatalogueEntry, StoreError};

/// Why a report could not be made.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    NotFound(String),
    /// The request clashes with what is stored (a published name is taken).
    #[error("{0}")]
    Conflict(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Engine(#[from] EngineError),
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
    store: &dyn Engine,
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

/// Where a report takes the workflow catalogue from.
#[derive(Debug, Clone, Copy)]
pub enum Catalogue<'a> {
    /// Read it from the engine as it was at this moment (`None`: now).
    Read(Option<chrono::NaiveDateTime>),
    /// The current catalogue, already read by the caller: a dashboard page
    /// reads it once for all its panels.
    Current(&'a [CatalogueEntry]),
}

impl<'a> Catalogue<'a> {
    /// The moment of the catalogue, which is also the moment the report is made as of.
    fn as_of(self) -> Option<chrono::NaiveDateTime> {
        match self {
            Catalogue::Read(as_of) => as_of,
            Catalogue::Current(_) => None,
        }
    }

    /// The catalogue, read now if it was not given.
    fn get(self, store: &dyn Engine) -> Result<Cow<'a, [CatalogueEntry]>, ReportError> {
        match self {
            Catalogue::Read(as_of) => Ok(Cow::Owned(store.catalogue(as_of)?)),
            Catalogue::Current(c) => Ok(Cow::Borrowed(c)),
        }
    }

    /// The catalogue, after checking that every asked-for workflow is in it.
    fn checked(
        self,
        store: &dyn Engine,
        workflows: &[String],
    ) -> Result<Cow<'a, [CatalogueEntry]>, ReportError> {
        let catalogue = self.get(store)?;
        check_workflows(&catalogue, workflows)?;
        Ok(catalogue)
    }
}

/// The metric table for a period and an optional list of workflows
/// (empty means every catalogued workflow), with the current catalogue.
pub fn metric_table(
    store: &dyn Engine,
    period: Period,
    workflows: &[String],
) -> Result<MetricTable, ReportError> {
    metric_table_as_of(store, period, workflows, None)
}

/// [`metric_table`] with the catalogue from `catalogue`.
pub fn metric_table_from(
    store: &dyn Engine,
    period: Period,
    workflows: &[String],
    catalogue: Catalogue<'_>,
) -> Result<MetricTable, ReportError> {
    let as_of = catalogue.as_of();
    let catalogue = catalogue.checked(store, workflows)?;
    table_with_assumptions(store, period, workflows, as_of, &catalogue)
}

/// [`metric_table_from`] of the runs that match `segments` (segmented by
/// them too, when they say so).
pub fn segment_table_from(
    store: &dyn Engine,
    period: Period,
    workflows: &[String],
    catalogue: Catalogue<'_>,
    segments: &Segments,
) -> Result<MetricTable, ReportError> {
    let as_of = catalogue.as_of();
    let catalogue = catalogue.checked(store, workflows)?;
    segment_table(store, period, workflows, as_of, &catalogue, segments)
}

/// Parses an `--as-of` value: a date (midnight UTC) or a timestamp.
pub fn parse_as_of(v: Option<&str>) -> Result<Option<chrono::NaiveDateTime>, ReportError> {
    v.map(|s| {
        parse_timestamp_or_date(s).map_err(|e| ReportError::BadRequest(format!("as_of: {e}")))
    })
    .transpose()
}

/// The metric table as it would have been reported at `as_of`: the catalogue
/// version of that moment (hourly cost, baseline override, SLAs, go-live), and
/// only the runs and observations of batches received by then.
pub fn metric_table_as_of(
    store: &dyn Engine,
    period: Period,
    workflows: &[String],
    as_of: Option<chrono::NaiveDateTime>,
) -> Result<MetricTable, ReportError> {
    metric_table_from(store, period, workflows, Catalogue::Read(as_of))
}

/// [`metric_table_as_of`] segmented and filtered by the runs' attributes
/// (`--by attributes.KEY`, `--where attributes.KEY=VALUE`): a row per
/// workflow and segment, each with its own n. Not segmented nor filtered,
/// the plain table.
pub fn metric_table_by(
    store: &dyn Engine,
    period: Period,
    workflows: &[String],
    as_of: Option<chrono::NaiveDateTime>,
    segments: &Segments,
) -> Result<MetricTable, ReportError> {
    let catalogue = Catalogue::Read(as_of).checked(store, workflows)?;
    let workflows = &kept_workflows(segments, &catalogue, workflows)?;
    let mut table = segment_table(store, period, workflows, as_of, &catalogue, segments)?;
    outcomes::into_table(store, &mut table, &catalogue, workflows, as_of, segments)?;
    label_table(&mut table, segments, &catalogue)?;
    // Where on the workflows' fields, the runs whole: the provenance of
    // the workflows kept (a caller's would be of those it asked for).
    if !segments.workflows.filter.is_empty() && table.provenance.is_none() {
        table.provenance = Some(provenance(store, period, workflows, as_of)?);
    }
    Ok(table)
}

/// The workflows a report reads under the segments' filter on the
/// workflows' fields (`where team=…`): those of `workflows` (empty: every
/// catalogued one) whose fields match, the filter's values checked;
/// `workflows` itself without such a filter.
fn kept_workflows(
    segments: &Segments,
    catalogue: &[CatalogueEntry],
    workflows: &[String],
) -> Result<Vec<String>, ReportError> {
    let of = &segments.workflows;
    if of.filter.is_empty() {
        return Ok(workflows.to_vec());
    }
    of.check(catalogue.iter().map(|c| &c.workflow))
        .map_err(ReportError::BadRequest)?;
    let kept: Vec<String> = catalogue
        .iter()
        .map(|c| &c.workflow)
        .filter(|w| workflows.is_empty() || workflows.contains(&w.workflow_id))
        .filter(|w| of.keeps(w))
        .map(|w| w.workflow_id.clone())
        .collect();
    if kept.is_empty() {
        return Err(ReportError::BadRequest(format!(
            "where: none of the workflows asked for has {}",
            segments.describe_filter()
        )));
    }
    Ok(kept)
}

/// The catalogue entry of `id`.
fn entry_of<'c>(catalogue: &'c [CatalogueEntry], id: &str) -> Option<&'c crate::model::Workflow> {
    catalogue
        .iter()
        .map(|c| &c.workflow)
        .find(|w| w.workflow_id == id)
}

/// Gives each row of `table` the columns of its workflow's fields that the
/// segments are by (`--by team`), after the runs' segment columns.
fn label_table(
    table: &mut MetricTable,
    segments: &Segments,
    catalogue: &[CatalogueEntry],
) -> Result<(), ReportError> {
    let of = &segments.workflows;
    table.add_workflow_columns(of.columns(), |id| match entry_of(catalogue, id) {
        Some(w) => of.values(w),
        None => vec![None; of.by.len()],
    })?;
    Ok(())
}

/// [`metric_table_by`] with the catalogue of the same `as_of` already read.
fn segment_table(
    store: &dyn Engine,
    period: Period,
    workflows: &[String],
    as_of: Option<chrono::NaiveDateTime>,
    catalogue: &[CatalogueEntry],
    segments: &Segments,
) -> Result<MetricTable, ReportError> {
    if segments.is_empty() {
        return table_with_assumptions(store, period, workflows, as_of, catalogue);
    }
    let filter = (!workflows.is_empty()).then_some(workflows);
    let mut frames = store.segment_frames(
        &[period.from, period.to],
        DEFAULT_LEAK_HORIZON_DAYS,
        filter,
        as_of,
        segments,
    )?;
    let df = frames
        .pop()
        .ok_or_else(|| EngineError::Shape("one period gave no metric table".into()))?;
    let mut table = MetricTable::from_segment_frame(period, df, segments)?;
    table.assumptions = assumptions_of(workflows, catalogue, period);
    table.provenance = Some(Err(format!(
        "provenance is of whole workflows, not of a table {}",
        segments.describe()
    )));
    Ok(table)
}

/// Refuses what a segmented or filtered report does not do yet.
pub fn segments_without(segments: &Segments, currency: Option<&str>) -> Result<(), ReportError> {
    if !(segments.is_empty() && segments.workflows.is_empty()) && currency.is_some() {
        return Err(ReportError::BadRequest(
            "a reporting currency is not available with by or where yet: leave one out".into(),
        ));
    }
    Ok(())
}

/// The catalogue as of `as_of`, after checking that every asked-for workflow is in it.
fn checked_catalogue(
    store: &dyn Engine,
    workflows: &[String],
    as_of: Option<chrono::NaiveDateTime>,
) -> Result<Vec<CatalogueEntry>, ReportError> {
    Ok(Catalogue::Read(as_of)
        .checked(store, workflows)?
        .into_owned())
}

/// Checks that every workflow of `workflows` is a slug in `catalogue`.
fn check_workflows(catalogue: &[CatalogueEntry], workflows: &[String]) -> Result<(), ReportError> {
    for w in workflows {
        check_slug(w).map_err(|e| ReportError::BadRequest(format!("workflow: {e}")))?;
        if !catalogue.iter().any(|c| &c.workflow.workflow_id == w) {
            return Err(ReportError::NotFound(format!(
                "workflow `{w}` is not in the catalogue"
            )));
        }
    }
    Ok(())
}

/// The metric table of `workflows` (empty: all), its assumptions taken from
/// `catalogue`, the catalogue of the same `as_of`, already fetched by the caller.
fn table_with_assumptions(
    store: &dyn Engine,
    period: Period,
    workflows: &[String],
    as_of: Option<chrono::NaiveDateTime>,
    catalogue: &[CatalogueEntry],
) -> Result<MetricTable, ReportError> {
    let filter = (!workflows.is_empty()).then_some(workflows);
    let df = store.metric_frame(
        period.from,
        period.to,
        DEFAULT_LEAK_HORIZON_DAYS,
        filter,
        as_of,
    )?;
    let mut table = MetricTable::from_frame(period, df)?;
    table.assumptions = assumptions_of(workflows, catalogue, period);
    Ok(table)
}

/// Adds the money of `table` in the reporting currency `currency` (ISO 4217):
/// each run converted at the latest exchange rate (`ingest fx`) dated on or
/// before its anchor's date, as recorded at `as_of`.
pub fn in_currency(
    store: &dyn Engine,
    table: &mut MetricTable,
    workflows: &[String],
    as_of: Option<chrono::NaiveDateTime>,
    currency: &str,
) -> Result<(), ReportError> {
    let currency = check_currency(currency)?;
    let filter = (!workflows.is_empty()).then_some(workflows);
    let groups = store.reporting_money(
        &[table.period.from, table.period.to],
        filter,
        as_of,
        &currency,
    )?;
    let rows = table.rows()?;
    table.reporting = Some(crate::metrics::fx::convert(&currency, &rows, &groups)?);
    Ok(())
}

/// Adds to `table` where its figures come from (coverage, freshness, what
/// was left out, each field's definition and n), as recorded at `as_of`; an
/// engine that cannot say leaves the reason instead.
pub fn with_provenance(
    store: &dyn Engine,
    table: &mut MetricTable,
    workflows: &[String],
    as_of: Option<chrono::NaiveDateTime>,
) -> Result<(), ReportError> {
    // A segmented or filtered table already says why it has none.
    if table.provenance.is_none() {
        table.provenance = Some(provenance(store, table.period, workflows, as_of)?);
    }
    Ok(())
}

/// Where the figures of `period` over `workflows` (empty: all) come from,
/// as recorded at `as_of`; `Err` with the reason when the engine cannot say.
pub fn provenance(
    store: &dyn Engine,
    period: Period,
    workflows: &[String],
    as_of: Option<chrono::NaiveDateTime>,
) -> Result<Result<crate::metrics::provenance::Provenance, String>, ReportError> {
    let filter = (!workflows.is_empty()).then_some(workflows);
    match store.provenance_frame(period.from, period.to, filter, as_of) {
        Ok(df) => Ok(Ok(crate::metrics::provenance::Provenance::build(
            period, &df,
        )?)),
        Err(EngineError::Unsupported(why)) => Ok(Err(why)),
        Err(e) => Err(e.into()),
    }
}

/// Reclaimed hours of `period` from gross to net per workflow of
/// `workflows` (empty: all), with the total; net is the metric table's
/// reclaimed hours of the same period.
pub fn waterfall(
    store: &dyn Engine,
    period: Period,
    workflows: &[String],
    as_of: Option<chrono::NaiveDateTime>,
) -> Result<Vec<crate::metrics::waterfall::WaterfallRow>, ReportError> {
    waterfall_from(store, period, workflows, Catalogue::Read(as_of))
}

/// [`waterfall`] with the catalogue from `catalogue`, as of its moment.
pub fn waterfall_from(
    store: &dyn Engine,
    period: Period,
    workflows: &[String],
    catalogue: Catalogue<'_>,
) -> Result<Vec<crate::metrics::waterfall::WaterfallRow>, ReportError> {
    let as_of = catalogue.as_of();
    let catalogue = catalogue.checked(store, workflows)?;
    let rows = table_with_assumptions(store, period, workflows, as_of, &catalogue)?.rows()?;
    let filter = (!workflows.is_empty()).then_some(workflows);
    let steps = store.waterfall_frame(period.from, period.to, filter, as_of)?;
    Ok(crate::metrics::waterfall::build(
        &rows, &steps, &catalogue, period,
    )?)
}

/// The JSON body of a waterfall (`report waterfall`, `GET /api/v1/waterfall`).
pub fn waterfall_json(
    period: Period,
    rows: &[crate::metrics::waterfall::WaterfallRow],
) -> serde_json::Value {
    serde_json::json!({
        "from": crate::model::format_timestamp(period.from),
        "to": crate::model::format_timestamp(period.to),
        "rows": rows,
    })
}

/// The JSON Schema of [`waterfall_json`]'s body.
pub fn waterfall_json_schema(g: &mut SchemaGenerator) -> Schema {
    let (from, to) = (schema::timestamp(g), schema::timestamp(g));
    let rows = schema::array(g.subschema_for::<crate::metrics::waterfall::WaterfallRow>());
    schema::object(vec![("from", from), ("to", to), ("rows", rows)], &[])
}

/// The JSON body of a portfolio (`report portfolio`, `GET /api/v1/portfolio`):
/// the roll-up, its headline in the reporting currency when one was asked
/// for, and the period.
pub fn portfolio_json(
    period: Period,
    portfolio: &crate::metrics::portfolio::Portfolio,
    reporting: Option<&crate::metrics::portfolio::ReportingHeadline>,
) -> Result<serde_json::Value, ReportError> {
    let shape = |e: serde_json::Error| ReportError::Metrics(MetricsError::Shape(e.to_string()));
    let mut body = serde_json::to_value(portfolio).map_err(shape)?;
    if let Some(r) = reporting {
        body["reporting_headline"] = serde_json::to_value(r).map_err(shape)?;
    }
    body["from"] = crate::model::format_timestamp(period.from).into();
    body["to"] = crate::model::format_timestamp(period.to).into();
    Ok(body)
}

/// The JSON Schema of [`portfolio_json`]'s body: the portfolio with its
/// reporting headline (when a currency was asked for) and the period.
pub fn portfolio_json_schema(g: &mut SchemaGenerator) -> Schema {
    let reporting = g.subschema_for::<crate::metrics::portfolio::ReportingHeadline>();
    let (from, to) = (schema::timestamp(g), schema::timestamp(g));
    schema::extended::<crate::metrics::portfolio::Portfolio>(
        g,
        vec![
            ("reporting_headline", reporting),
            ("from", from),
            ("to", to),
        ],
        &["reporting_headline"],
    )
}

/// A reporting currency as asked for: an ISO 4217 code.
pub fn check_currency(c: &str) -> Result<String, ReportError> {
    let c = c.trim();
    if c.len() == 3 && c.bytes().all(|b| b.is_ascii_uppercase()) {
        Ok(c.to_string())
    } else {
        Err(ReportError::BadRequest(format!(
            "currency: `{c}` is not an ISO 4217 code such as EUR or USD"
        )))
    }
}

/// What the rows of `workflows` (empty: all) assume, from the catalogue.
fn assumptions_of(
    workflows: &[String],
    catalogue: &[CatalogueEntry],
    period: Period,
) -> Vec<crate::metrics::Assumption> {
    catalogue
        .iter()
        .filter(|c| workflows.is_empty() || workflows.contains(&c.workflow.workflow_id))
        .map(|c| crate::metrics::Assumption {
            workflow_id: c.workflow.workflow_id.clone(),
            baseline_source: c.b_source.clone(),
            baseline_observations: c.baseline_observations,
            hourly_cost: c.workflow.hourly_cost,
            currency: c.workflow.currency.clone(),
            automated_since: c.workflow.automated_since,
            sla_response_minutes: c.workflow.sla_response_minutes,
            sla_cycle_minutes: c.workflow.sla_cycle_minutes,
            catalogue_version: c.recorded_at,
            terms: c
                .terms
                .iter()
                .filter(|t| t.overlaps(period.from, period.to))
                .cloned()
                .collect(),
        })
        .collect()
}

/// What a comparison request asks for; every field has a default.
#[derive(Debug, Clone, Default)]
pub struct CompareRequest {
    /// Workflows to compare; empty means every automated workflow.
    pub workflows: Vec<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    pub baseline: Option<BaselineChoice>,
    pub seed: Option<u64>,
    pub resamples: Option<usize>,
    /// Whole weeks (the default) or runs one by one.
    pub interval: Option<compare::Interval>,
    /// Report as at this moment: the catalogue version and batches known then.
    pub as_of: Option<String>,
    /// By and where on the runs' attributes: a comparison per workflow and
    /// segment, of the runs that match.
    pub segments: Segments,
}

/// Before/after comparisons, one per workflow (and segment), in workflow
/// order (then segment).
pub fn compare(store: &dyn Engine, req: &CompareRequest) -> Result<Vec<Comparison>, ReportError> {
    compare_with(store, req, None, true)
}

/// [`compare`], with the current catalogue when the caller has read it
/// (`req.as_of` is then `None`); without `outcomes`, the comparisons carry
/// no outcome rows (nothing of them is read).
fn compare_with(
    store: &dyn Engine,
    req: &CompareRequest,
    current: Option<&[CatalogueEntry]>,
    outcomes: bool,
) -> Result<Vec<Comparison>, ReportError> {
    let parse = |what: &str, v: &Option<String>| {
        v.as_deref()
            .map(|s| {
                parse_timestamp_or_date(s)
                    .map_err(|e| ReportError::BadRequest(format!("{what}: {e}")))
            })
            .transpose()
    };
    let from = parse("from", &req.from)?;
    let to = match parse("to", &req.to)? {
        Some(t) => t,
        None => match store.run_span()? {
            Some((a, b)) => Period::covering(a, b).to,
            None => {
                return Err(ReportError::BadRequest(
                    "no runs are stored yet: nothing to compare".into(),
                ))
            }
        },
    };
    if let Some(f) = from {
        Period::new(f, to)?;
    }
    let spec = CompareSpec {
        baseline: req.baseline,
        ..bootstrap_spec(from, to, req.seed, req.resamples, req.interval)?
    };
    let as_of = parse_as_of(req.as_of.as_deref())?;
    let catalogue = match current {
        Some(c) if as_of.is_none() => Catalogue::Current(c),
        _ => Catalogue::Read(as_of),
    }
    .get(store)?;
    let mut chosen = Vec::new();
    if req.workflows.is_empty() {
        chosen.extend(
            catalogue
                .iter()
                .filter(|w| w.workflow.automated_since.is_some()),
        );
    } else {
        for id in &req.workflows {
            let w = catalogue
                .iter()
                .find(|w| &w.workflow.workflow_id == id)
                .ok_or_else(|| {
                    ReportError::NotFound(format!("workflow `{id}` is not in the catalogue"))
                })?;
            chosen.push(w);
        }
    }
    let segments = &req.segments;
    // Where on the workflows' fields (`where team=…`) keeps some of them.
    if !segments.workflows.filter.is_empty() {
        segments
            .workflows
            .check(catalogue.iter().map(|c| &c.workflow))
            .map_err(ReportError::BadRequest)?;
        let asked = chosen.len();
        chosen.retain(|w| segments.workflows.keeps(&w.workflow));
        if asked > 0 && chosen.is_empty() {
            return Err(ReportError::BadRequest(format!(
                "where: none of the workflows asked for has {}",
                segments.describe_filter()
            )));
        }
    }
    // By the workflows' fields (`--by team`): each comparison labelled.
    let label = |mut out: Vec<Comparison>| {
        for c in &mut out {
            if let Some(w) = entry_of(&catalogue, &c.workflow_id) {
                segments.workflows.label(w, &mut c.segment);
            }
        }
        out
    };
    let reclaimed = after_side_reclaimed(store, &chosen, &catalogue, (from, to), as_of, segments)?;
    let none = compare::Reclaimed {
        hours: None,
        money: None,
    };
    let by_id: HashMap<&str, &CatalogueEntry> = chosen
        .iter()
        .map(|w| (w.workflow.workflow_id.as_str(), *w))
        .collect();
    // One workflow's (or segment's) comparison.
    let one = |id: &str,
               study: &polars::prelude::DataFrame,
               runs: &RunSample,
               seg: Vec<Option<String>>| {
        let w = by_id[id];
        let baseline = compare::Baseline {
            b: w.b,
            source: w.b_source.clone(),
            terms: w.terms.clone(),
        };
        let key = (id.to_string(), seg);
        let mut c = compare::compare(
            &w.workflow,
            study,
            runs,
            spec,
            &baseline,
            reclaimed.get(&key).copied().unwrap_or(none),
        )?;
        if !segments.by.is_empty() {
            c.segment = Some(segments.columns().into_iter().zip(key.1).collect());
        }
        Ok::<_, ReportError>(c)
    };
    let ids: Vec<String> = chosen
        .iter()
        .map(|w| w.workflow.workflow_id.clone())
        .collect();
    if !segments.is_empty() {
        // Segmented answers are computed whole, never kept by part.
        let mut out = Vec::new();
        for chunk in ids.chunks(COMPARE_CHUNK) {
            let (study, by) = store.segment_evidence(chunk, None, to, as_of, segments)?;
            let study_parts = compare::split_by_workflow(&study)?;
            let mut items = Vec::new();
            for (id, samples) in chunk.iter().zip(by) {
                // Filtered only, a workflow without a matching run still has
                // its comparison ("no data after"), as without a filter.
                if samples.is_empty() && segments.by.is_empty() {
                    items.push((id, Vec::new(), RunSample::default()));
                }
                for (seg, runs) in samples {
                    items.push((id, segment_values(segments, seg.as_deref())?, runs));
                }
            }
            out.extend(on_all_cores(&items, |(id, seg, runs)| {
                let study = compare::frame_of(&study_parts, &study, id);
                one(id, &study, runs, seg.clone())
            })?);
        }
        if outcomes {
            outcomes::attach(store, &mut out, &catalogue, as_of, segments, spec)?;
        }
        return Ok(label(out));
    }
    let compute = |ids: &[String]| {
        over_evidence(store, ids, None, to, as_of, |id, study, runs| {
            one(id, study, runs, Vec::new())
        })
    };
    let mut out = match (store.parts(), as_of) {
        // Each workflow's comparison is kept; only those whose data changed
        // are computed again.
        (Some(parts), None) => {
            let args = format!(
                "{:?} {:?} {} {} {} {} {:?}",
                spec.baseline,
                spec.from,
                spec.to,
                spec.seed,
                spec.resamples,
                spec.level,
                spec.interval
            );
            parts.each("compare", &args, &ids, compute)
        }
        _ => compute(&ids),
    }?;
    // Outcomes are read afresh: a changed declaration changes them while
    // the kept comparisons stand.
    if outcomes {
        outcomes::attach(store, &mut out, &catalogue, as_of, segments, spec)?;
    }
    Ok(label(out))
}

/// Workflows whose comparison evidence is fetched by one query.
const COMPARE_CHUNK: usize = 256;

/// `f(id, its time study, its runs)` of every workflow of `ids`, with the
/// runs anchored in `[from, to)` as of `as_of`, in the order of `ids`. The
/// evidence of COMPARE_CHUNK workflows comes in one query (a query per
/// workflow cost more than the bootstrap at 1,000 workflows), which also
/// bounds memory at any number of runs; within a chunk one workflow's result
/// does not depend on another's (each has its own seeded stream), so they
/// run on all cores.
fn over_evidence<R: Send>(
    store: &dyn Engine,
    ids: &[String],
    from: Option<chrono::NaiveDateTime>,
    to: chrono::NaiveDateTime,
    as_of: Option<chrono::NaiveDateTime>,
    f: impl Fn(&str, &polars::prelude::DataFrame, &RunSample) -> Result<R, ReportError> + Sync,
) -> Result<Vec<R>, ReportError> {
    let mut out = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(COMPARE_CHUNK) {
        let (study, samples) = store.compare_evidence(chunk, from, to, as_of)?;
        let study_parts = compare::split_by_workflow(&study)?;
        let items: Vec<(&String, RunSample)> = chunk.iter().zip(samples).collect();
        out.extend(on_all_cores(&items, |(id, runs)| {
            f(id, &compare::frame_of(&study_parts, &study, id), runs)
        })?);
    }
    Ok(out)
}

/// `f` of every item, on up to 8 threads, in the items' order.
fn on_all_cores<T: Sync, R: Send>(
    items: &[T],
    f: impl Fn(&T) -> Result<R, ReportError> + Sync,
) -> Result<Vec<R>, ReportError> {
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .clamp(1, 8);
    let mut results: Vec<Option<Result<R, ReportError>>> = Vec::new();
    results.resize_with(items.len(), || None);
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                let f = &f;
                scope.spawn(move || {
                    (t..items.len())
                        .step_by(threads)
                        .map(|i| (i, f(&items[i])))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        for h in handles {
            for (i, r) in h.join().expect("a comparison thread panicked") {
                results[i] = Some(r);
            }
        }
    });
    results
        .into_iter()
        .map(|r| r.expect("every item was computed"))
        .collect()
}

/// The metric table's reclaimed hours and money for each workflow's after
/// side, `[max(from, go-live), to)`, so compare and the table agree to the
/// digit. Runs anchored before go-live reclaim nothing (DESIGN's definition),
/// so one table over `[from, to)` — or, without `from`, from the earliest
/// go-live — holds every workflow's after-side figures: one query for all.
/// A workflow without a go-live, or whose after side is empty, has none.
fn after_side_reclaimed(
    store: &dyn Engine,
    chosen: &[&CatalogueEntry],
    catalogue: &[CatalogueEntry],
    (from, to): (Option<chrono::NaiveDateTime>, chrono::NaiveDateTime),
    as_of: Option<chrono::NaiveDateTime>,
    segments: &Segments,
) -> Result<HashMap<SegmentKey, compare::Reclaimed>, ReportError> {
    let starts: Vec<(&str, chrono::NaiveDateTime)> = chosen
        .iter()
        .filter_map(|e| {
            let go_live = e.workflow.automated_since?;
            let start = from.map_or(go_live, |f| f.max(go_live));
            (start < to).then_some((e.workflow.workflow_id.as_str(), start))
        })
        .collect();
    let Some(earliest) = starts.iter().map(|(_, s)| *s).min() else {
        return Ok(HashMap::new());
    };
    let ids: Vec<String> = starts.iter().map(|(id, _)| id.to_string()).collect();
    let table = segment_table(
        store,
        Period::new(from.unwrap_or(earliest), to)?,
        &ids,
        as_of,
        catalogue,
        segments,
    )?;
    Ok(table
        .rows()?
        .into_iter()
        .map(|r| {
            let reclaimed = compare::Reclaimed {
                hours: r.reclaimed_hours,
                money: r.reclaimed_money,
            };
            let seg = segments.key_of(r.segment.as_ref());
            ((r.workflow_id, seg), reclaimed)
        })
        .collect())
}

/// A workflow and its segment's values (none when not segmented).
type SegmentKey = (String, Vec<Option<String>>);

/// A segment's values as the SQL gives them (see [`Segments::values_of`]);
/// none when not segmented.
fn segment_values(
    segments: &Segments,
    seg: Option<&str>,
) -> Result<Vec<Option<String>>, ReportError> {
    match seg {
        Some(s) if !segments.by.is_empty() => segments
            .values_of(s)
            .map_err(|e| ReportError::Engine(EngineError::Shape(e))),
        _ => Ok(Vec::new()),
    }
}

/// Several comparisons as one CSV: the header once, then every row.
pub fn comparisons_csv(comparisons: &[Comparison]) -> Result<Vec<u8>, ReportError> {
    if comparisons.is_empty() {
        return Ok(format!("{}\n", compare::FIELDS.join(",")).into_bytes());
    }
    let mut out = Vec::new();
    for (i, c) in comparisons.iter().enumerate() {
        let csv = c.to_csv()?;
        let body = if i == 0 { &csv[..] } else { skip_header(&csv) };
        out.extend_from_slice(body);
    }
    Ok(out)
}

fn skip_header(csv: &[u8]) -> &[u8] {
    match csv.iter().position(|b| *b == b'\n') {
        Some(i) => &csv[i + 1..],
        None => &[],
    }
}

/// The ranked automation backlog.
pub fn backlog(
    store: &dyn Engine,
    as_of: Option<chrono::NaiveDateTime>,
) -> Result<crate::metrics::backlog::Backlog, ReportError> {
    let (candidates, residuals) = store.backlog_frames(as_of)?;
    Ok(crate::metrics::backlog::backlog(&candidates, &residuals)?)
}

/// The most periods one trend answers.
pub const MAX_TREND_PERIODS: usize = 400;

/// A trend: the metric table of every period, in period then workflow order.
#[derive(Debug, Clone)]
pub struct Trend {
    pub granularity: crate::metrics::trend::Granularity,
    pub tz: chrono_tz::Tz,
    pub buckets: Vec<crate::metrics::trend::Bucket>,
    pub tables: Vec<MetricTable>,
}

/// The metric table per ISO week or calendar month in `tz`, over `[from, to)`
/// widened to whole periods; periods without runs are present with zero runs.
pub fn trend(
    store: &dyn Engine,
    granularity: crate::metrics::trend::Granularity,
    tz: &str,
    from: Option<&str>,
    to: Option<&str>,
    workflows: &[String],
    as_of: Option<chrono::NaiveDateTime>,
) -> Result<Trend, ReportError> {
    trend_from(
        store,
        granularity,
        tz,
        from,
        to,
        workflows,
        Catalogue::Read(as_of),
        &Segments::default(),
    )
}

/// [`trend`] segmented and filtered (`--by`, `--where`): a row per period,
/// workflow and segment, every period holding every segment of the span.
#[allow(clippy::too_many_arguments)]
pub fn trend_by(
    store: &dyn Engine,
    granularity: crate::metrics::trend::Granularity,
    tz: &str,
    from: Option<&str>,
    to: Option<&str>,
    workflows: &[String],
    as_of: Option<chrono::NaiveDateTime>,
    segments: &Segments,
) -> Result<Trend, ReportError> {
    trend_from(
        store,
        granularity,
        tz,
        from,
        to,
        workflows,
        Catalogue::Read(as_of),
        segments,
    )
}

/// [`trend`] with the catalogue from `catalogue`, as of its moment.
#[allow(clippy::too_many_arguments)]
pub fn trend_from(
    store: &dyn Engine,
    granularity: crate::metrics::trend::Granularity,
    tz: &str,
    from: Option<&str>,
    to: Option<&str>,
    workflows: &[String],
    catalogue: Catalogue<'_>,
    segments: &Segments,
) -> Result<Trend, ReportError> {
    use crate::metrics::trend;
    let as_of = catalogue.as_of();
    let tz = trend::parse_tz(tz)?;
    // In a trend, a bare date is local midnight in the reporting time zone.
    let (from, to) = (local_bound(tz, from), local_bound(tz, to));
    let period = resolve_period(store, from.as_deref(), to.as_deref())?.ok_or_else(|| {
        ReportError::BadRequest("no runs are stored yet: give from and to".into())
    })?;
    let buckets = trend::buckets(granularity, tz, period.from, period.to, MAX_TREND_PERIODS)?;
    // Validate the workflows and read the catalogue once, not once per period.
    let catalogue = catalogue.checked(store, workflows)?;
    let workflows: &[String] = &kept_workflows(segments, &catalogue, workflows)?;
    // Every period in one query: the bounds are consecutive.
    let mut bounds: Vec<chrono::NaiveDateTime> = buckets.iter().map(|b| b.start).collect();
    bounds.extend(buckets.last().map(|b| b.end));
    let filter = (!workflows.is_empty()).then_some(workflows);
    let frames = if segments.is_empty() {
        store.metric_frames(&bounds, DEFAULT_LEAK_HORIZON_DAYS, filter, as_of)?
    } else {
        store.segment_frames(&bounds, DEFAULT_LEAK_HORIZON_DAYS, filter, as_of, segments)?
    };
    let tables = buckets
        .iter()
        .zip(frames)
        .map(|(b, df)| {
            let period = Period::new(b.start, b.end)?;
            let mut t = if segments.is_empty() {
                MetricTable::from_frame(period, df)?
            } else {
                MetricTable::from_segment_frame(period, df, segments)?
            };
            t.assumptions = assumptions_of(workflows, &catalogue, period);
            label_table(&mut t, segments, &catalogue)?;
            Ok(t)
        })
        .collect::<Result<Vec<_>, ReportError>>()?;
    Ok(Trend {
        granularity,
        tz,
        buckets,
        tables,
    })
}

impl Trend {
    /// `{"granularity", "tz", "rows": [{"period_start", "period_end", "period_start_utc",
    /// "period_end_utc", ...metric fields}]}`.
    pub fn to_json(&self) -> Result<serde_json::Value, ReportError> {
        let mut rows = Vec::new();
        for (b, t) in self.buckets.iter().zip(&self.tables) {
            for r in t.rows()? {
                let mut m = serde_json::Map::new();
                m.insert("period_start".into(), b.start_local.to_string().into());
                m.insert("period_end".into(), b.end_local.to_string().into());
                m.insert(
                    "period_start_utc".into(),
                    crate::model::format_timestamp(b.start).into(),
                );
                m.insert(
                    "period_end_utc".into(),
                    crate::model::format_timestamp(b.end).into(),
                );
                if let serde_json::Value::Object(fields) =
                    serde_json::to_value(&r).expect("rows serialise")
                {
                    m.extend(fields);
                }
                rows.push(serde_json::Value::Object(m));
            }
        }
        Ok(serde_json::json!({
            "granularity": self.granularity,
            "tz": self.tz.name(),
            "rows": rows,
        }))
    }

    /// The JSON Schema of [`Trend::to_json`]'s body: each row a metric row
    /// with its period, local and UTC.
    pub fn json_schema(g: &mut SchemaGenerator) -> Schema {
        let local = || json_schema!({ "type": "string", "description": "in the trend's time zone, `YYYY-MM-DD HH:MM:SS`" });
        let (start, end) = (schema::timestamp(g), schema::timestamp(g));
        let row = schema::extended::<crate::metrics::MetricRow>(
            g,
            vec![
                ("period_start", local()),
                ("period_end", local()),
                ("period_start_utc", start),
                ("period_end_utc", end),
            ],
            &[],
        );
        let granularity = g.subschema_for::<crate::metrics::trend::Granularity>();
        schema::object(
            vec![
                ("granularity", granularity),
                ("tz", json_schema!({ "type": "string" })),
                ("rows", schema::array(row)),
            ],
            &[],
        )
    }

    /// The same rows as CSV, through polars: two period columns, then the metric fields.
    pub fn to_csv(&self) -> Result<Vec<u8>, ReportError> {
        use polars::prelude::{Column, CsvWriter, DataFrame, SerWriter};
        let mut all: Option<DataFrame> = None;
        for (b, t) in self.buckets.iter().zip(&self.tables) {
            let h = t.frame().height();
            let mut cols = vec![
                Column::new("period_start".into(), vec![b.start_local.to_string(); h]),
                Column::new("period_end".into(), vec![b.end_local.to_string(); h]),
            ];
            cols.extend(t.frame().columns().iter().cloned());
            let df = DataFrame::new(h, cols).map_err(MetricsError::from)?;
            all = Some(match all {
                None => df,
                Some(mut a) => {
                    a.vstack_mut(&df).map_err(MetricsError::from)?;
                    a
                }
            });
        }
        let mut out = Vec::new();
        if let Some(mut df) = all {
            CsvWriter::new(&mut out)
                .include_header(true)
                .finish(&mut df)
                .map_err(MetricsError::from)?;
        }
        Ok(out)
    }
}

/// Regression alerts: every automated workflow's last complete week against
/// its trailing weeks.
#[derive(Debug, Clone, serde::Serialize, schemars::JsonSchema)]
pub struct Alerts {
    pub tz: String,
    #[serde(serialize_with = "crate::model::serialize_timestamp")]
    #[schemars(with = "crate::schema::Timestamp")]
    pub week_start: chrono::NaiveDateTime,
    #[serde(serialize_with = "crate::model::serialize_timestamp")]
    #[schemars(with = "crate::schema::Timestamp")]
    pub week_end: chrono::NaiveDateTime,
    pub trailing_weeks: i64,
    /// Confidence level of the intervals.
    pub level: f64,
    /// The checks whose interval shows the last week (or a new version)
    /// clearly worse.
    pub alerts: Vec<compare::RegressionCheck>,
    /// Every check made, regressed or not, with its evidence: the weekly
    /// checks, then the version checks (with `version`: a version first run
    /// in the trailing weeks before `at`, its runs up to `at` against its
    /// predecessor's weeks before it).
    pub checks: Vec<compare::RegressionCheck>,
    /// The moment the version checks look back from.
    #[serde(serialize_with = "crate::model::serialize_timestamp")]
    #[schemars(with = "crate::schema::Timestamp")]
    pub at: chrono::NaiveDateTime,
    /// Why no version checks were made, when none could be.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version_note: Option<String>,
}

/// The last complete ISO week (in `tz`) before `at` (default: the end of the
/// day of the last stored run), checked against the eight weeks before it.
pub fn alerts(store: &dyn Engine, at: Option<&str>, tz: &str) -> Result<Alerts, ReportError> {
    alerts_from(store, at, tz, None)
}

/// [`alerts`], with the current catalogue when the caller has read it.
pub fn alerts_from(
    store: &dyn Engine,
    at: Option<&str>,
    tz: &str,
    current: Option<&[CatalogueEntry]>,
) -> Result<Alerts, ReportError> {
    use crate::metrics::trend;
    let zone = trend::parse_tz(tz)?;
    let at = match at {
        Some(s) => {
            parse_timestamp_or_date(s).map_err(|e| ReportError::BadRequest(format!("at: {e}")))?
        }
        None => match store.run_span()? {
            Some((a, b)) => Period::covering(a, b).to,
            None => {
                return Err(ReportError::BadRequest(
                    "no runs are stored yet: nothing to check".into(),
                ))
            }
        },
    };
    // The week holding `at` is incomplete unless `at` is its very start.
    let week = trend::buckets(
        trend::Granularity::Week,
        zone,
        at - chrono::Duration::weeks(1),
        at,
        4,
    )?;
    let last = week
        .iter()
        .rev()
        .find(|b| b.end <= at)
        .copied()
        .ok_or_else(|| ReportError::BadRequest("no complete week before `at`".into()))?;
    let catalogue = current.map_or(Catalogue::Read(None), Catalogue::Current);
    let automated: HashMap<String, chrono::NaiveDateTime> = catalogue
        .get(store)?
        .iter()
        .filter_map(|w| Some((w.workflow.workflow_id.clone(), w.workflow.automated_since?)))
        .collect();
    let mut ids: Vec<String> = automated.keys().cloned().collect();
    ids.sort();
    // A check reads the last week and the trailing weeks before it only.
    let trailing_from = last.start - chrono::Duration::weeks(compare::TRAILING_WEEKS);
    let compute = |ids: &[String]| {
        over_evidence(
            store,
            ids,
            Some(trailing_from),
            last.end,
            None,
            |id, _, runs| {
                Ok(compare::regression_checks(
                    id,
                    automated[id],
                    runs,
                    last.start,
                    last.end,
                    compare::DEFAULT_SEED,
                    compare::DEFAULT_RESAMPLES,
                )?)
            },
        )
    };
    let per_workflow = match store.parts() {
        Some(parts) => {
            let args = format!("{} {}", last.start, last.end);
            parts.each("regression_checks", &args, &ids, compute)?
        }
        None => compute(&ids)?,
    };
    let mut checks: Vec<compare::RegressionCheck> = per_workflow.into_iter().flatten().collect();
    let lives: Vec<(String, chrono::NaiveDateTime)> =
        ids.iter().map(|id| (id.clone(), automated[id])).collect();
    let (by_version, version_note) = versions::version_checks(store, &lives, at)?;
    checks.extend(by_version);
    Ok(Alerts {
        tz: zone.name().to_string(),
        week_start: last.start,
        week_end: last.end,
        trailing_weeks: compare::TRAILING_WEEKS,
        level: compare::ALERT_LEVEL,
        alerts: checks.iter().filter(|c| c.regressed).cloned().collect(),
        checks,
        at,
        version_note,
    })
}

/// The portfolio roll-up of a period: groups by team, category and owner, and
/// the headline hours and money (per currency) with 95% intervals.
pub fn portfolio(
    store: &dyn Engine,
    from: Option<&str>,
    to: Option<&str>,
    as_of: Option<chrono::NaiveDateTime>,
) -> Result<(Period, crate::metrics::portfolio::Portfolio), ReportError> {
    let period = resolve_period(store, from, to)?.ok_or_else(|| {
        ReportError::BadRequest("no runs are stored yet: give from and to".into())
    })?;
    let (portfolio, _) = portfolio_of(store, period, as_of)?;
    Ok((period, portfolio))
}

/// [`portfolio`], and with a reporting `currency` its headline money in
/// that currency beside it.
pub fn portfolio_with(
    store: &dyn Engine,
    from: Option<&str>,
    to: Option<&str>,
    as_of: Option<chrono::NaiveDateTime>,
    currency: Option<&str>,
) -> Result<
    (
        Period,
        crate::metrics::portfolio::Portfolio,
        Option<crate::metrics::portfolio::ReportingHeadline>,
    ),
    ReportError,
> {
    let Some(currency) = currency else {
        let (period, p) = portfolio(store, from, to, as_of)?;
        return Ok((period, p, None));
    };
    let currency = check_currency(currency)?;
    let period = resolve_period(store, from, to)?.ok_or_else(|| {
        ReportError::BadRequest("no runs are stored yet: give from and to".into())
    })?;
    let (portfolio, rows, comparisons) = portfolio_in(store, period, &[], as_of)?;
    let groups = store.reporting_money(&[period.from, period.to], None, as_of, &currency)?;
    let reporting = crate::metrics::fx::convert(&currency, &rows, &groups)?;
    let headline = crate::metrics::portfolio::reporting_headline(reporting, &comparisons, 0.95);
    Ok((period, portfolio, Some(headline)))
}

/// The roll-up of one period and the metric rows it was made from.
fn portfolio_of(
    store: &dyn Engine,
    period: Period,
    as_of: Option<chrono::NaiveDateTime>,
) -> Result<
    (
        crate::metrics::portfolio::Portfolio,
        Vec<crate::metrics::MetricRow>,
    ),
    ReportError,
> {
    let (portfolio, rows, _) = portfolio_in(store, period, &[], as_of)?;
    Ok((portfolio, rows))
}

/// The roll-up of one period over `workflows` (empty: every catalogued
/// workflow), with the metric rows and the comparisons it was made from.
pub fn portfolio_in(
    store: &dyn Engine,
    period: Period,
    workflows: &[String],
    as_of: Option<chrono::NaiveDateTime>,
) -> Result<PortfolioParts, ReportError> {
    portfolio_from(
        store,
        period,
        workflows,
        Catalogue::Read(as_of),
        &Segments::default(),
        false,
    )
}

/// A roll-up with the metric rows and the comparisons it was made from.
pub type PortfolioParts = (
    crate::metrics::portfolio::Portfolio,
    Vec<crate::metrics::MetricRow>,
    Vec<Comparison>,
);

/// [`portfolio_in`] with the catalogue from `catalogue`, as of its moment;
/// with `outcomes`, the comparisons carry their outcome rows (the roll-up
/// does not read them: a page's quality panel does, for its own period).
pub fn portfolio_from(
    store: &dyn Engine,
    period: Period,
    workflows: &[String],
    catalogue: Catalogue<'_>,
    filter: &Segments,
    outcomes: bool,
) -> Result<PortfolioParts, ReportError> {
    let as_of = catalogue.as_of();
    let full = catalogue.checked(store, workflows)?;
    // Only the runs of a segment (`filter`'s where; never segmented by).
    let filter = filter.filter_only();
    let catalogue: Vec<CatalogueEntry> = full
        .iter()
        .filter(|c| workflows.is_empty() || workflows.contains(&c.workflow.workflow_id))
        .cloned()
        .collect();
    let rows = segment_table(store, period, workflows, as_of, &catalogue, &filter)?.rows()?;
    let automated: Vec<String> = catalogue
        .iter()
        .filter(|c| c.workflow.automated_since.is_some())
        .map(|c| c.workflow.workflow_id.clone())
        .collect();
    let comparisons: Vec<Comparison> = if automated.is_empty() {
        Vec::new()
    } else {
        let req = CompareRequest {
            workflows: automated,
            from: Some(crate::model::format_timestamp(period.from)),
            to: Some(crate::model::format_timestamp(period.to)),
            as_of: as_of.map(crate::model::format_timestamp),
            segments: filter,
            ..Default::default()
        };
        compare_with(store, &req, as_of.is_none().then_some(&*full), outcomes)?
            .into_iter()
            .filter(|c| c.automated_since.is_some_and(|g| g < period.to))
            .collect()
    };
    let workflows: Vec<crate::model::Workflow> =
        catalogue.into_iter().map(|c| c.workflow).collect();
    let portfolio = crate::metrics::portfolio::rollup(&rows, &workflows, &comparisons, 0.95);
    Ok((portfolio, rows, comparisons))
}

/// The headline figures of `[from, to)` against the previous period of equal
/// length, `[from − (to − from), from)`, with intervals for every change;
/// with a reporting `currency`, also all the money in it, period against
/// period, with the conversion of each side (rates used, what had none).
pub fn summary(
    store: &dyn Engine,
    from: Option<&str>,
    to: Option<&str>,
    as_of: Option<chrono::NaiveDateTime>,
    currency: Option<&str>,
) -> Result<serde_json::Value, ReportError> {
    let currency = currency.map(check_currency).transpose()?;
    let period = resolve_period(store, from, to)?.ok_or_else(|| {
        ReportError::BadRequest("no runs are stored yet: give from and to".into())
    })?;
    let prev = period.previous();
    let iso = crate::model::format_timestamp;
    let (now, rows_now, cmp_now) = portfolio_in(store, period, &[], as_of)?;
    let (before, rows_before, cmp_before) = portfolio_in(store, prev, &[], as_of)?;
    let mut figures =
        crate::metrics::portfolio::deviations(&now, &before, &rows_now, &rows_before, 0.95);
    let mut answer = serde_json::json!({
        "from": iso(period.from),
        "to": iso(period.to),
        "previous_from": iso(prev.from),
        "previous_to": iso(prev.to),
        "level": 0.95,
    });
    if let Some(currency) = currency {
        let headline = |p: Period, rows: &[crate::metrics::MetricRow], cmp: &[Comparison]| {
            let groups = store.reporting_money(&[p.from, p.to], None, as_of, &currency)?;
            let reporting = crate::metrics::fx::convert(&currency, rows, &groups)?;
            Ok::<_, ReportError>(crate::metrics::portfolio::reporting_headline(
                reporting, cmp, 0.95,
            ))
        };
        let (a, b) = (
            headline(period, &rows_now, &cmp_now)?,
            headline(prev, &rows_before, &cmp_before)?,
        );
        // After the per-currency money, before the runs.
        let at = figures
            .iter()
            .position(|f| f.figure == "runs")
            .unwrap_or(figures.len());
        figures.insert(
            at,
            crate::metrics::portfolio::reporting_deviation(&a, &b, 0.95),
        );
        answer["reporting"] = serde_json::json!({
            "currency": currency,
            "now": a.reporting,
            "previous": b.reporting,
        });
    }
    answer["figures"] = serde_json::to_value(figures)
        .map_err(|e| ReportError::Metrics(MetricsError::Shape(e.to_string())))?;
    Ok(answer)
}

/// A period bound as given, with a bare date read as local midnight in `tz`
/// (the rule of `report trend` and of a dashboard's time zone).
pub fn local_bound(tz: chrono_tz::Tz, bound: Option<&str>) -> Option<String> {
    bound.map(
        |s| match chrono::NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d") {
            Ok(d) => {
                crate::model::format_timestamp(crate::metrics::trend::local_midnight_utc(tz, d))
            }
            Err(_) => s.to_string(),
        },
    )
}

/// The JSON Schema of [`summary`]'s answer.
pub fn summary_schema(g: &mut SchemaGenerator) -> Schema {
    let mut ts = || schema::timestamp(g);
    let (from, to, previous_from, previous_to) = (ts(), ts(), ts(), ts());
    let reporting = schema::object(
        vec![
            ("currency", json_schema!({ "type": "string" })),
            ("now", g.subschema_for::<crate::metrics::fx::Reporting>()),
            (
                "previous",
                g.subschema_for::<crate::metrics::fx::Reporting>(),
            ),
        ],
        &[],
    );
    let figures = schema::array(g.subschema_for::<crate::metrics::portfolio::Deviation>());
    schema::object(
        vec![
            ("from", from),
            ("to", to),
            ("previous_from", previous_from),
            ("previous_to", previous_to),
            ("level", json_schema!({ "type": "number" })),
            ("reporting", reporting),
            ("figures", figures),
        ],
        &["reporting"],
    )
}

/// The step timings of one workflow in a period (both bounds, or neither for
/// every stored run).
pub fn steps(
    store: &dyn Engine,
    workflow: &str,
    from: Option<&str>,
    to: Option<&str>,
) -> Result<(Period, crate::metrics::steps::StepTable), ReportError> {
    checked_catalogue(store, &[workflow.to_string()], None)?;
    let period = resolve_period(store, from, to)?.ok_or_else(|| {
        ReportError::BadRequest("no runs are stored yet: give from and to".into())
    })?;
    let df = store.steps_frame(workflow, period.from, period.to)?;
    Ok((period, crate::metrics::steps::steps(workflow, &df)?))
}
