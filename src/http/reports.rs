//! The report routes under `/api/v1`: the metric table, the trend, compare,
//! the portfolio, the summary against the previous period, the regression
//! alerts, the automation backlog and step timings. Each reads its query,
//! computes off the async threads, and shapes the answer; metrics, trend,
//! compare, portfolio and summary are kept answers ([`kept`]), so a dashboard
//! polling them is served from memory.

use axum::extract::{RawQuery, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::Json;
use schemars::{Schema, SchemaGenerator};
use serde::Deserialize;

use super::query::{Fixed, Format, Report, ReportQuery, ReportRoute};
use super::{answers, blocking, kept, ApiError, AppState, MustBeCurrent};
use crate::metrics::MetricTable;
use crate::report;

/// `GET /api/v1/metrics`: the metric table of a period, as JSON or CSV.
pub(super) struct Metrics;

impl ReportRoute for Metrics {
    const NAME: &'static str = "metrics";
    const KEYS: &'static [&'static str] = &[
        "from", "to", "workflow", "format", "as_of", "currency", "by", "where",
    ];
}

pub(super) async fn metrics(
    State(st): State<AppState>,
    current: MustBeCurrent,
    Report(q, _): Report<Metrics>,
) -> Result<Response, ApiError> {
    let csv = q.csv();
    let segments = q.segments()?;
    report::segments_without(&segments, q.currency.as_deref())?;
    kept(&st, q.key.clone(), current, move |store| {
        let (period, as_of) = period_of(store, &q)?;
        let mut table = report::metric_table_by(store, period, &q.workflows, as_of, &segments)?;
        if let Some(c) = &q.currency {
            report::in_currency(store, &mut table, &q.workflows, as_of, c)?;
        }
        if !csv {
            report::with_provenance(store, &mut table, &q.workflows, as_of)?;
        }
        metric_answer(&table, csv)
    })
    .await
}

/// A report query's period (without from and to, the whole days covering
/// every run) and as-of moment.
fn period_of(
    store: &dyn crate::engine::Engine,
    q: &super::query::ReportQuery,
) -> Result<(crate::metrics::Period, Option<chrono::NaiveDateTime>), ApiError> {
    let period =
        report::resolve_period(store, q.from.as_deref(), q.to.as_deref())?.ok_or_else(|| {
            ApiError::bad_request("no runs are stored yet: give from and to explicitly")
        })?;
    Ok((period, report::parse_as_of(q.as_of.as_deref())?))
}

fn metric_answer(table: &MetricTable, csv: bool) -> Result<answers::Answer, ApiError> {
    if csv {
        let body = table.to_csv().map_err(ApiError::internal)?;
        let name = format!(
            "attachment; filename=\"metrics_{}_{}.csv\"",
            table.period.from.format("%Y%m%d"),
            table.period.to.format("%Y%m%d")
        );
        Ok(answers::csv(body, Some(name)))
    } else {
        answers::json(&table.to_json().map_err(ApiError::internal)?)
    }
}

/// `GET /api/v1/waterfall`: reclaimed hours from gross to net.
pub(super) struct Waterfall;

impl ReportRoute for Waterfall {
    const NAME: &'static str = "waterfall";
    const KEYS: &'static [&'static str] = &["from", "to", "workflow", "format", "as_of"];
}

pub(super) async fn waterfall(
    State(st): State<AppState>,
    current: MustBeCurrent,
    Report(q, _): Report<Waterfall>,
) -> Result<Response, ApiError> {
    let csv = q.csv();
    kept(&st, q.key.clone(), current, move |store| {
        let (period, as_of) = period_of(store, &q)?;
        let rows = report::waterfall(store, period, &q.workflows, as_of)?;
        if csv {
            let body = crate::metrics::waterfall::to_csv(&rows).map_err(ApiError::internal)?;
            Ok(answers::csv(body, None))
        } else {
            answers::json(&report::waterfall_json(period, &rows))
        }
    })
    .await
}

/// `GET /api/v1/trend`: the metric table per week or month.
pub(super) struct Trend;

impl ReportRoute for Trend {
    const NAME: &'static str = "trend";
    const KEYS: &'static [&'static str] = &[
        "granularity",
        "tz",
        "from",
        "to",
        "workflow",
        "format",
        "as_of",
        "by",
        "where",
    ];
}

pub(super) async fn trend(
    State(st): State<AppState>,
    current: MustBeCurrent,
    Report(q, _): Report<Trend>,
) -> Result<Response, ApiError> {
    let granularity = q
        .granularity
        .as_deref()
        .unwrap_or("week")
        .parse()
        .map_err(ApiError::bad_request)?;
    let as_of = report::parse_as_of(q.as_of.as_deref())?;
    let csv = q.csv();
    let segments = q.segments()?;
    kept(&st, q.key.clone(), current, move |store| {
        let trend = report::trend_from(
            store,
            granularity,
            q.tz.as_deref().unwrap_or("UTC"),
            q.from.as_deref(),
            q.to.as_deref(),
            &q.workflows,
            report::Catalogue::Read(as_of),
            &segments,
        )?;
        if csv {
            Ok(answers::csv(trend.to_csv()?, None))
        } else {
            answers::json(&trend.to_json()?)
        }
    })
    .await
}

/// `GET /api/v1/compare`: before/after with bootstrap intervals.
pub(super) struct Compare;

impl ReportRoute for Compare {
    const NAME: &'static str = "compare";
    const KEYS: &'static [&'static str] = &[
        "workflow",
        "from",
        "to",
        "baseline",
        "seed",
        "resamples",
        "interval",
        "format",
        "as_of",
        "by",
        "where",
    ];
}

pub(super) async fn compare(
    State(st): State<AppState>,
    current: MustBeCurrent,
    Report(q, _): Report<Compare>,
) -> Result<Response, ApiError> {
    let (csv, key, req) = compare_request(q)?;
    kept(&st, key, current, move |store| {
        let comparisons = report::compare(store, &req)?;
        if csv {
            Ok(answers::csv(report::comparisons_csv(&comparisons)?, None))
        } else {
            answers::json(&report::comparisons_json(&comparisons))
        }
    })
    .await
}

/// Compare's and outcomes' request from their query (outcomes takes no
/// `baseline`, so it stays unset), with whether CSV was asked for and the
/// key of the kept answer.
fn compare_request(q: ReportQuery) -> Result<(bool, String, report::CompareRequest), ApiError> {
    let (csv, key, segments) = (q.csv(), q.key.clone(), q.segments()?);
    let req = report::CompareRequest {
        workflows: q.workflows,
        from: q.from,
        to: q.to,
        baseline: q.baseline,
        seed: q.seed,
        resamples: q.resamples,
        interval: q.interval,
        as_of: q.as_of,
        segments,
    };
    Ok((csv, key, req))
}

/// `GET /api/v1/outcomes`: the declared outcome measures before and after.
pub(super) struct Outcomes;

impl ReportRoute for Outcomes {
    const NAME: &'static str = "outcomes";
    const KEYS: &'static [&'static str] = &[
        "workflow",
        "from",
        "to",
        "seed",
        "resamples",
        "interval",
        "format",
        "as_of",
        "by",
        "where",
    ];
}

pub(super) async fn outcomes(
    State(st): State<AppState>,
    current: MustBeCurrent,
    Report(q, _): Report<Outcomes>,
) -> Result<Response, ApiError> {
    let (csv, key, req) = compare_request(q)?;
    kept(&st, key, current, move |store| {
        let o = report::outcomes::outcomes(store, &req)?;
        if csv {
            Ok(answers::csv(report::outcomes::outcomes_csv(&o)?, None))
        } else {
            answers::json(&o)
        }
    })
    .await
}

/// `GET /api/v1/impact`: a go-live's effect against a counterfactual.
pub(super) struct Impact;

impl ReportRoute for Impact {
    const NAME: &'static str = "impact";
    const KEYS: &'static [&'static str] = &[
        "workflow", "method", "controls", "metric", "from", "to", "format", "by", "where",
    ];
}

pub(super) async fn impact(
    State(st): State<AppState>,
    current: MustBeCurrent,
    Report(q, _): Report<Impact>,
) -> Result<Response, ApiError> {
    let csv = q.csv();
    let key = q.key.clone();
    let workflow = match &q.workflows[..] {
        [one] => one.clone(),
        _ => return Err(ApiError::bad_request("give one workflow: workflow=ID")),
    };
    let segments = q.segments()?;
    let req = report::impact::ImpactRequest {
        workflow,
        method: q.method,
        controls: q.controls,
        metrics: q.metrics,
        from: q.from,
        to: q.to,
        segments,
    };
    kept(&st, key, current, move |store| {
        let answer = report::impact::impact(store, &req)?;
        if csv {
            Ok(answers::csv(report::impact::impact_csv(&answer)?, None))
        } else {
            answers::json(&answer)
        }
    })
    .await
}

/// The schema of [`impact`]'s JSON answer.
pub(super) fn impact_schema(g: &mut SchemaGenerator) -> Schema {
    g.subschema_for::<report::impact::ImpactAnswer>()
}

/// The query of the portfolio and the summary: a period, a moment, and a
/// reporting currency (ISO 4217) for the headline money.
#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct PortfolioQuery {
    /// The period's start, a date (midnight UTC) or an RFC 3339 timestamp;
    /// with `to`, or neither: the whole days covering every run.
    from: Option<String>,
    /// The period's end, exclusive (as `from`).
    to: Option<String>,
    /// Report as the data stood at this moment (date or timestamp).
    as_of: Option<String>,
    /// A reporting currency (ISO 4217): all the money in it too.
    currency: Option<String>,
}

/// `GET /api/v1/portfolio`: every automation's return over a period.
pub(super) async fn portfolio(
    State(st): State<AppState>,
    current: MustBeCurrent,
    RawQuery(raw): RawQuery,
    Fixed(q): Fixed<PortfolioQuery>,
) -> Result<Response, ApiError> {
    let as_of = report::parse_as_of(q.as_of.as_deref())?;
    let key = format!("portfolio?{}", raw.as_deref().unwrap_or(""));
    kept(&st, key, current, move |store| {
        let (from, to) = (q.from.as_deref(), q.to.as_deref());
        let (period, p, reporting) =
            report::portfolio_with(store, from, to, as_of, q.currency.as_deref())?;
        answers::json(&report::portfolio_json(period, &p, reporting.as_ref())?)
    })
    .await
}

/// `GET /api/v1/summary`: a period against the one before it.
pub(super) async fn summary(
    State(st): State<AppState>,
    current: MustBeCurrent,
    RawQuery(raw): RawQuery,
    Fixed(q): Fixed<PortfolioQuery>,
) -> Result<Response, ApiError> {
    let as_of = report::parse_as_of(q.as_of.as_deref())?;
    let key = format!("summary?{}", raw.as_deref().unwrap_or(""));
    kept(&st, key, current, move |store| {
        answers::json(&report::summary(
            store,
            q.from.as_deref(),
            q.to.as_deref(),
            as_of,
            q.currency.as_deref(),
        )?)
    })
    .await
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct AlertsQuery {
    /// The moment whose last complete week is checked (default now).
    at: Option<String>,
    /// The IANA time zone the weeks are in (default UTC).
    tz: Option<String>,
}

/// `GET /api/v1/alerts`: the regression checks at a moment.
pub(super) async fn alerts(
    State(st): State<AppState>,
    Fixed(q): Fixed<AlertsQuery>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let tz = q.tz.unwrap_or_else(|| "UTC".into());
    let alerts =
        blocking(move || Ok(report::alerts(st.engine.as_ref(), q.at.as_deref(), &tz)?)).await?;
    Ok(Json(
        serde_json::to_value(alerts).map_err(ApiError::internal)?,
    ))
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct AsOfQuery {
    /// As the data stood at this moment (date or timestamp).
    pub(super) as_of: Option<String>,
}

/// `GET /api/v1/backlog`: what to automate next.
pub(super) async fn backlog(
    State(st): State<AppState>,
    Fixed(q): Fixed<AsOfQuery>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let as_of = report::parse_as_of(q.as_of.as_deref())?;
    let backlog = blocking(move || Ok(report::backlog(st.engine.as_ref(), as_of)?)).await?;
    Ok(Json(
        serde_json::to_value(backlog).map_err(ApiError::internal)?,
    ))
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct VersionsQuery {
    /// The workflow whose versions are listed (required).
    workflow: Option<String>,
    /// The period's start, with `to`; neither: every stored run.
    from: Option<String>,
    /// The period's end, exclusive.
    to: Option<String>,
    /// Report as it stood at this moment.
    as_of: Option<String>,
    /// Seed of the bootstrap.
    seed: Option<u64>,
    /// Bootstrap resamples (100 to 100000; default 2000).
    resamples: Option<usize>,
    /// The answer's format: JSON (the default) or CSV.
    #[schemars(with = "Option<Format>")]
    format: Option<String>,
}

/// `GET /api/v1/versions?workflow=&from=&to=&format=json|csv`: each version
/// of a workflow's automation against the one before it.
pub(super) async fn versions(
    State(st): State<AppState>,
    Fixed(q): Fixed<VersionsQuery>,
) -> Result<Response, ApiError> {
    let (workflow, csv) = workflow_and_format(q.workflow, q.format.as_deref())?;
    let req = report::versions::VersionsRequest {
        workflow,
        from: q.from,
        to: q.to,
        as_of: q.as_of,
        seed: q.seed,
        resamples: q.resamples,
    };
    let v = blocking(move || Ok(report::versions::versions_of(st.engine.as_ref(), &req)?)).await?;
    if csv {
        return Ok(csv_response(report::versions::versions_csv(&v)?));
    }
    Ok(Json(serde_json::to_value(v).map_err(ApiError::internal)?).into_response())
}

/// The workflow and format of a route about one workflow (versions, steps):
/// the workflow required, and whether CSV was asked for (JSON otherwise).
fn workflow_and_format(
    workflow: Option<String>,
    format: Option<&str>,
) -> Result<(String, bool), ApiError> {
    let workflow = workflow.ok_or_else(|| ApiError::bad_request("give ?workflow=ID"))?;
    let format: Option<Format> = format
        .map(str::parse)
        .transpose()
        .map_err(ApiError::bad_request)?;
    Ok((workflow, format == Some(Format::Csv)))
}

/// A CSV answer computed for this request (not kept).
fn csv_response(body: impl Into<axum::body::Body>) -> Response {
    let body: axum::body::Body = body.into();
    ([(header::CONTENT_TYPE, "text/csv; charset=utf-8")], body).into_response()
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct StepsQuery {
    /// The workflow whose steps are timed (required).
    workflow: Option<String>,
    /// The period's start, with `to`; neither: every stored run.
    from: Option<String>,
    /// The period's end, exclusive.
    to: Option<String>,
    /// The answer's format: JSON (the default) or CSV.
    #[schemars(with = "Option<Format>")]
    format: Option<String>,
}

/// `GET /api/v1/steps?workflow=&from=&to=&format=json|csv`: step timings.
pub(super) async fn steps(
    State(st): State<AppState>,
    Fixed(q): Fixed<StepsQuery>,
) -> Result<Response, ApiError> {
    let (workflow, csv) = workflow_and_format(q.workflow, q.format.as_deref())?;
    let (period, table) = blocking(move || {
        Ok(report::steps(
            st.engine.as_ref(),
            &workflow,
            q.from.as_deref(),
            q.to.as_deref(),
        )?)
    })
    .await?;
    if csv {
        return Ok(csv_response(table.to_csv()));
    }
    Ok(Json(report::steps_json(period, &table)).into_response())
}
