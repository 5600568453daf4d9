//! Reports: the one code path from a request (period, workflows) to a metric
//! table, shared by the CLI, the JSON and CSV API and the HTML overview.

mod comparisons;
pub mod impact;
mod keys;
pub mod outcomes;
mod trends;
pub mod versions;

pub use comparisons::{
    compare, comparisons_csv, comparisons_json, comparisons_json_schema, CompareRequest,
};
use comparisons::{compare_with, over_evidence, COMPARE_CHUNK};
use keys::{carried, carried_by, filter_carried};
pub use trends::{trend, trend_from, Trend, MAX_TREND_PERIODS};

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

use crate::engine::{Engine, EngineError, Scope};
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
    carried(store, std::slice::from_ref(&table), segments, as_of)?;
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

use crate::segments::SegmentMap;

/// Gives each row (its workflow and segment) its workflow's fields that
/// the segments are by (`--by team`): the rows of comparisons, outcomes.
fn label_rows<'a>(
    segments: &Segments,
    catalogue: &[CatalogueEntry],
    rows: impl IntoIterator<Item = (&'a str, &'a mut Option<SegmentMap>)>,
) {
    if segments.workflows.by.is_empty() {
        return;
    }
    for (id, segment) in rows {
        if let Some(w) = entry_of(catalogue, id) {
            segments.workflows.label(w, segment);
        }
    }
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
    let scope = Scope::of(workflows, as_of);
    let bounds = [period.from, period.to];
    let mut frames = store.segment_frames(&bounds, DEFAULT_LEAK_HORIZON_DAYS, scope, segments)?;
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
            return Err(not_in_catalogue(w, catalogue));
        }
    }
    Ok(())
}

/// The refusal of a workflow id the catalogue does not have, naming the
/// catalogued ids it was likely meant to be: a typo away (at most two
/// letters) or sharing a word (`invoice-intake`: `invoice-matching`,
/// `lead-intake`), five at the most.
pub(crate) fn not_in_catalogue(w: &str, catalogue: &[CatalogueEntry]) -> ReportError {
    let ids: Vec<&str> = catalogue
        .iter()
        .map(|c| c.workflow.workflow_id.as_str())
        .collect();
    unknown_workflow(w, &ids)
}

/// [`not_in_catalogue`] of the catalogue's ids.
fn unknown_workflow(w: &str, ids: &[&str]) -> ReportError {
    let words = |s: &str| -> Vec<String> {
        s.split(['-', '_', '.'])
            .filter(|t| t.len() > 2)
            .map(str::to_owned)
            .collect()
    };
    let asked = words(w);
    let mut near: Vec<&str> = ids
        .iter()
        .copied()
        .filter(|id| edits(w, id) <= 2 || words(id).iter().any(|t| asked.contains(t)))
        .collect();
    near.sort_by_key(|id| (edits(w, id), *id));
    near.dedup();
    near.truncate(5);
    let hint = match &near[..] {
        [] => String::new(),
        [one] => format!("; did you mean `{one}`?"),
        [init @ .., last] => {
            let init: Vec<String> = init.iter().map(|i| format!("`{i}`")).collect();
            format!("; did you mean {} or `{last}`?", init.join(", "))
        }
    };
    ReportError::NotFound(format!("workflow `{w}` is not in the catalogue{hint}"))
}

/// The number of single-letter insertions, deletions and substitutions
/// that turn `a` into `b` (Levenshtein).
fn edits(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substituted = diagonal + usize::from(ca != *cb);
            diagonal = row[j + 1];
            row[j + 1] = substituted.min(row[j] + 1).min(diagonal + 1);
        }
    }
    row[b.len()]
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
    let scope = Scope::of(workflows, as_of);
    let df = store.metric_frame(period.from, period.to, DEFAULT_LEAK_HORIZON_DAYS, scope)?;
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
    let rows = table.rows()?;
    let scope = Scope::of(workflows, as_of);
    table.reporting = Some(converted(store, table.period, scope, &currency, &rows)?);
    Ok(())
}

/// The money of `rows` (one period's metric rows) in the reporting
/// `currency`, each run at the rate of its anchor's day
/// (`Engine::reporting_money`, then `fx::convert`). Rows without money
/// (none, or a period never stored) have nothing to convert: nothing is read.
pub fn converted(
    store: &dyn Engine,
    period: Period,
    scope: Scope<'_>,
    currency: &str,
    rows: &[crate::metrics::MetricRow],
) -> Result<crate::metrics::fx::Reporting, ReportError> {
    let groups = if rows.iter().any(|r| r.reclaimed_money.is_some()) {
        store.reporting_money(&[period.from, period.to], scope, currency)?
    } else {
        polars::prelude::DataFrame::empty()
    };
    Ok(crate::metrics::fx::convert(currency, rows, &groups)?)
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
    match store.provenance_frame(period.from, period.to, Scope::of(workflows, as_of)) {
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
    let steps = store.waterfall_frame(period.from, period.to, Scope::of(workflows, as_of))?;
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

/// A reporting currency as asked for: an ISO 4217 code, in capitals.
pub fn check_currency(c: &str) -> Result<String, ReportError> {
    crate::model::currency_code(c).ok_or_else(|| {
        ReportError::BadRequest(format!(
            "currency: `{}` is not an ISO 4217 code such as EUR or USD",
            c.trim()
        ))
    })
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

/// The ranked automation backlog.
pub fn backlog(
    store: &dyn Engine,
    as_of: Option<chrono::NaiveDateTime>,
) -> Result<crate::metrics::backlog::Backlog, ReportError> {
    let (candidates, residuals) = store.backlog_frames(as_of)?;
    Ok(crate::metrics::backlog::backlog(&candidates, &residuals)?)
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
    let reporting = converted(store, period, Scope::of(&[], as_of), &currency, &rows)?;
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

/// Where the stored runs of a page begin (`queries/dashboards/first_run.sql`).
const FIRST_RUN: crate::engine::PeriodQuery = crate::engine::PeriodQuery {
    name: "first_run",
    duckdb: include_str!("../queries/dashboards/first_run.sql"),
    spark: include_str!("../queries/dashboards/first_run.spark.sql"),
};

/// The earliest anchor of the current runs of `workflows` that match the
/// filter of `segments` (its `by` is not read), before `to`: where the data
/// a page shows begins. `None` when there is no such run.
pub fn first_run_in(
    engine: &dyn Engine,
    workflows: &[String],
    segments: &Segments,
    to: chrono::NaiveDateTime,
) -> Result<Option<chrono::NaiveDateTime>, ReportError> {
    let epoch = chrono::DateTime::UNIX_EPOCH.naive_utc();
    if to <= epoch || workflows.is_empty() {
        return Ok(None);
    }
    let filter = segments.filter_only();
    let df = engine.segmented_period_query(&FIRST_RUN, epoch, to, workflows, &filter)?;
    // Microseconds fit a double exactly until the year 2255.
    let first = crate::metrics::real_column(&df, "first_run_us")?;
    Ok(first
        .into_iter()
        .flatten()
        .filter_map(|us| crate::model::from_micros(us as i64))
        .min())
}

/// The roll-up of no runs: the stand-in for a period not computed.
pub fn nothing_rolled_up() -> PortfolioParts {
    let nothing = crate::metrics::portfolio::rollup(&[], &[], &[], 0.95);
    (nothing, Vec::new(), Vec::new())
}

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
    // A previous period before anything was stored is unknown: not computed.
    let gap = crate::metrics::portfolio::uncovered(prev, store.run_span()?.map(|(first, _)| first));
    let (before, rows_before, cmp_before) = match gap {
        None => portfolio_in(store, prev, &[], as_of)?,
        Some(_) => nothing_rolled_up(),
    };
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
            let reporting = converted(store, p, Scope::of(&[], as_of), &currency, rows)?;
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
    if let Some(why) = &gap {
        figures
            .iter_mut()
            .for_each(|f| crate::metrics::portfolio::withhold(f, why));
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

/// The JSON body of the step timings (`report steps`, `GET /api/v1/steps`).
pub fn steps_json(period: Period, table: &crate::metrics::steps::StepTable) -> serde_json::Value {
    serde_json::json!({
        "from": crate::model::format_timestamp(period.from),
        "to": crate::model::format_timestamp(period.to),
        "steps": table,
    })
}

/// The JSON Schema of [`steps_json`]'s body.
pub fn steps_json_schema(g: &mut SchemaGenerator) -> Schema {
    let (from, to) = (schema::timestamp(g), schema::timestamp(g));
    let steps = g.subschema_for::<crate::metrics::steps::StepTable>();
    schema::object(vec![("from", from), ("to", to), ("steps", steps)], &[])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unknown_workflow_names_the_ids_it_was_likely_meant_to_be() {
        let ids = [
            "board-pack",
            "invoice-dunning",
            "invoice-matching",
            "lead-intake",
            "returns-handling",
        ];
        let said = |w: &str| unknown_workflow(w, &ids).to_string();
        // Sharing a word, nearest first (6, 7 and 7 edits), then by name.
        assert_eq!(
            said("invoice-intake"),
            "workflow `invoice-intake` is not in the catalogue; did you mean `invoice-dunning`, \
             `invoice-matching` or `lead-intake`?"
        );
        // A typo away.
        assert_eq!(
            said("bord-pak"),
            "workflow `bord-pak` is not in the catalogue; did you mean `board-pack`?"
        );
        // Nothing alike: no guess.
        assert_eq!(
            said("payroll"),
            "workflow `payroll` is not in the catalogue"
        );
        assert_eq!(edits("kitten", "sitting"), 3);
        assert_eq!(edits("", "abc"), 3);
        assert_eq!(edits("same", "same"), 0);
    }
}
