//! The HTTP API: [`app`] builds every route from one table, each route
//! declared with the role it needs; handlers are thin named functions that
//! parse the request, run the blocking work off the async threads, and shape
//! the answer.

mod answers;
pub mod auth;
mod dashboards;
mod error;
mod pages;
pub mod telemetry;

use std::net::SocketAddr;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, Path, Query, RawQuery, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::{Json, Router};
use serde::Deserialize;

use crate::engine::incremental::{Incremental, Partials};
use crate::ingest::{self, Format, IngestError, Input, Options};
use crate::metrics::MetricTable;
use crate::model::Kind;
use crate::report::{self, ReportError};
use crate::store::Store;
use auth::{Need, Routes};
pub use error::ApiError;

/// Largest request body accepted by default: 256 MiB.
pub const DEFAULT_MAX_BODY_BYTES: usize = 256 * 1024 * 1024;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub max_body_bytes: usize,
    /// The dashboards served, checked at start-up.
    pub dashboards: std::sync::Arc<Vec<crate::dashboard::Dashboard>>,
    /// Computed dashboards, kept and refreshed in the background.
    pub cache: crate::dashboard::cache::Cache,
    /// Whether tokens are checked.
    pub access: auth::Access,
    /// Rendered answers of the read-only routes, kept and refreshed in the background.
    pub answers: answers::Answers,
    /// The writer that stores runs pushed one at a time in groups (group commit).
    pub group: ingest::group::GroupWriter,
    /// The store read with per-workflow partial results kept, which the
    /// dashboards and the kept answers share: a push recomputes only the
    /// workflows it changed.
    pub engine: Incremental,
}

impl AppState {
    /// A state that checks tokens, with the built-in dashboards.
    pub fn new(store: Store) -> AppState {
        AppState::with_dashboards(
            store,
            crate::dashboard::spec::load(None).expect("the built-in dashboards are valid"),
            auth::Access::Tokens,
        )
    }

    /// A state serving `dashboards` from `store`, with empty caches.
    pub fn with_dashboards(
        store: Store,
        dashboards: Vec<crate::dashboard::Dashboard>,
        access: auth::Access,
    ) -> AppState {
        let engine = Incremental::new(store.clone(), std::sync::Arc::new(Partials::new()));
        AppState {
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            dashboards: std::sync::Arc::new(dashboards),
            cache: crate::dashboard::cache::Cache::new(&engine),
            access,
            answers: answers::Answers::new(&store),
            group: ingest::group::GroupWriter::start(store.clone()),
            engine,
            store,
        }
    }

    /// A state that checks no tokens: for `demo`, `--open` on loopback, and tests.
    pub fn open(store: Store) -> AppState {
        AppState {
            access: auth::Access::Open,
            ..AppState::new(store)
        }
    }
}

/// Every route with who may call it, in one table: [`app`] serves these, and
/// [`auth::needs`] answers from the same declarations.
fn routes() -> Routes {
    use Need::{Admin, Anyone, Ingester, Viewer};
    Routes::new()
        .get("/", Viewer, pages::overview)
        .get("/healthz", Anyone, healthz)
        .get("/login", Anyone, auth::login_form)
        .post("/login", Anyone, auth::login)
        .get("/dashboards/{file}", Viewer, dashboards::page_or_workbook)
        .get(
            "/dashboards/{name}/panels/{file}",
            Viewer,
            dashboards::panel_file,
        )
        .get("/api/v1/workflows", Viewer, list_workflows)
        .get("/api/v1/metrics", Viewer, get_metrics)
        .get("/api/v1/compare", Viewer, get_compare)
        .get("/api/v1/backlog", Viewer, get_backlog)
        .get("/api/v1/steps", Viewer, get_steps)
        .get("/api/v1/trend", Viewer, get_trend)
        .get("/api/v1/alerts", Viewer, get_alerts)
        .get("/api/v1/portfolio", Viewer, get_portfolio)
        .get("/api/v1/summary", Viewer, get_summary)
        .post("/api/v1/ingest/runs", Ingester, post_runs)
        .post("/api/v1/ingest/baselines", Ingester, post_baselines)
        .post("/api/v1/ingest/steps", Ingester, post_steps)
        .post("/api/v1/ingest/eventlog", Ingester, post_eventlog)
        // The catalogue is the admin's: it sets hourly costs, SLAs and go-live.
        .post("/api/v1/ingest/workflows", Admin, post_workflows)
        .post("/api/v1/ingest/{kind}", Admin, post_named)
        .get("/api/v1/rejects", Admin, list_rejects)
        .get("/api/v1/batches", Admin, list_batches)
        .get("/metrics", Admin, telemetry::metrics)
}

/// The router: [`routes`], a JSON 404 for any other path, the token check,
/// the body limit, and request ids with their metrics.
pub fn app(state: AppState) -> Router {
    let limit = state.max_body_bytes;
    routes()
        .into_router()
        .fallback(not_found)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            auth::check,
        ))
        .layer(DefaultBodyLimit::max(limit))
        .layer(axum::middleware::from_fn(telemetry::request_id))
        .with_state(state)
}

/// Serves `app` on a bound listener until Ctrl-C or SIGTERM, finishing the
/// requests in flight.
pub async fn serve_on(state: AppState, listener: tokio::net::TcpListener) -> std::io::Result<()> {
    axum::serve(listener, app(state))
        .with_graceful_shutdown(shutdown_signal())
        .await
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
    tracing::info!("shutting down: finishing requests in flight");
}

/// Runs blocking store work on the blocking pool.
async fn blocking<T, F>(f: F) -> Result<T, ApiError>
where
    F: FnOnce() -> Result<T, ApiError> + Send + 'static,
    T: Send + 'static,
{
    tokio::task::spawn_blocking(f)
        .await
        .map_err(ApiError::internal)?
}

async fn healthz() -> Json<serde_json::Value> {
    Json(serde_json::json!({ "status": "ok" }))
}

async fn not_found() -> ApiError {
    ApiError::not_found("no such route")
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AsOfQuery {
    as_of: Option<String>,
}

async fn list_workflows(
    State(st): State<AppState>,
    query: Result<Query<AsOfQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let Query(q) = query.map_err(|e| ApiError::bad_request(e.body_text()))?;
    let as_of = report::parse_as_of(q.as_of.as_deref())?;
    let wfs = blocking(move || Ok(st.store.workflows(as_of)?)).await?;
    Ok(Json(serde_json::json!({ "workflows": wfs })))
}

/// Query parameters of the metrics endpoint; `workflow` may repeat.
struct MetricsQuery {
    as_of: Option<String>,
    from: Option<String>,
    to: Option<String>,
    workflows: Vec<String>,
    format: String,
}

fn parse_metrics_query(raw: Option<String>) -> Result<MetricsQuery, ApiError> {
    let pairs = query_pairs(raw)?;
    let mut q = MetricsQuery {
        as_of: None,
        from: None,
        to: None,
        workflows: Vec::new(),
        format: "json".into(),
    };
    let mut wf = Vec::new();
    for (k, v) in pairs {
        match k.as_str() {
            "from" => q.from = Some(v),
            "to" => q.to = Some(v),
            "workflow" => wf.push(v),
            "format" => q.format = v,
            "as_of" => q.as_of = Some(v),
            other => {
                return Err(ApiError::bad_request(format!(
                    "unknown parameter `{other}`: use from, to, workflow, format, as_of"
                )))
            }
        }
    }
    q.workflows = report::split_workflow_filter(wf.iter().map(String::as_str));
    if q.format != "json" && q.format != "csv" {
        return Err(ApiError::bad_request(format!(
            "format `{}` is not json or csv",
            q.format
        )));
    }
    Ok(q)
}

async fn get_metrics(
    State(st): State<AppState>,
    current: MustBeCurrent,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let key = format!("metrics?{}", raw.as_deref().unwrap_or(""));
    let q = parse_metrics_query(raw)?;
    let csv = q.format == "csv";
    kept(&st, key, current, move |store| {
        let period = report::resolve_period(store, q.from.as_deref(), q.to.as_deref())?
            .ok_or_else(|| {
                ApiError::bad_request("no runs are stored yet: give from and to explicitly")
            })?;
        let as_of = report::parse_as_of(q.as_of.as_deref())?;
        let table = report::metric_table_as_of(store, period, &q.workflows, as_of)?;
        metric_answer(&table, csv)
    })
    .await
}

/// Whether a read must see every write committed before it: the request
/// says `Cache-Control: no-cache` (else it may get the kept answer, marked
/// stale, while the newer one is computed).
pub(crate) struct MustBeCurrent(pub bool);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for MustBeCurrent {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _: &S,
    ) -> Result<Self, Self::Rejection> {
        Ok(MustBeCurrent(
            parts
                .headers
                .get_all(header::CACHE_CONTROL)
                .iter()
                .filter_map(|v| v.to_str().ok())
                .flat_map(|v| v.split(','))
                .any(|d| d.trim().eq_ignore_ascii_case("no-cache")),
        ))
    }
}

/// The answer of a read-only route for `key` (the route and its raw query):
/// kept, or computed by `compute` once, off the async threads (see
/// [`crate::keep`]); errors are not kept.
async fn kept<F>(
    st: &AppState,
    key: String,
    current: MustBeCurrent,
    compute: F,
) -> Result<Response, ApiError>
where
    F: FnOnce(&Incremental) -> Result<answers::Answer, ApiError> + Send + 'static,
{
    let (answers, engine) = (st.answers.clone(), st.engine.clone());
    let served = blocking(move || {
        if current.0 {
            answers.get_current(key, move || compute(&engine))
        } else {
            answers.get(key, move || compute(&engine))
        }
    })
    .await?;
    Ok(answers::respond(served))
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

async fn get_trend(
    State(st): State<AppState>,
    current: MustBeCurrent,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let key = format!("trend?{}", raw.as_deref().unwrap_or(""));
    let (mut from, mut to, mut tz, mut g, mut csv) =
        (None, None, "UTC".to_string(), "week".to_string(), false);
    let mut wf = Vec::new();
    let mut as_of: Option<String> = None;
    for (k, v) in query_pairs(raw)? {
        match k.as_str() {
            "from" => from = Some(v),
            "to" => to = Some(v),
            "tz" => tz = v,
            "granularity" => g = v,
            "as_of" => as_of = Some(v),
            "workflow" => wf.push(v),
            "format" => csv = parse_format(&v)?,
            other => {
                return Err(ApiError::bad_request(format!(
                    "unknown parameter `{other}`: use granularity, tz, from, to, workflow, format, as_of"
                )))
            }
        }
    }
    let granularity = g.parse().map_err(ApiError::bad_request)?;
    let as_of = report::parse_as_of(as_of.as_deref())?;
    let workflows = report::split_workflow_filter(wf.iter().map(String::as_str));
    kept(&st, key, current, move |store| {
        let trend = report::trend(
            store,
            granularity,
            &tz,
            from.as_deref(),
            to.as_deref(),
            &workflows,
            as_of,
        )?;
        if csv {
            Ok(answers::csv(trend.to_csv()?, None))
        } else {
            answers::json(&trend.to_json()?)
        }
    })
    .await
}

/// `format=json|csv`: whether CSV was asked for.
fn parse_format(v: &str) -> Result<bool, ApiError> {
    match v {
        "json" => Ok(false),
        "csv" => Ok(true),
        other => Err(ApiError::bad_request(format!(
            "format `{other}` is not json or csv"
        ))),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PeriodQuery {
    from: Option<String>,
    to: Option<String>,
    as_of: Option<String>,
}

async fn get_portfolio(
    State(st): State<AppState>,
    current: MustBeCurrent,
    RawQuery(raw): RawQuery,
    query: Result<Query<PeriodQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(q) = query.map_err(|e| ApiError::bad_request(e.body_text()))?;
    let as_of = report::parse_as_of(q.as_of.as_deref())?;
    let key = format!("portfolio?{}", raw.as_deref().unwrap_or(""));
    kept(&st, key, current, move |store| {
        let (period, p) = report::portfolio(store, q.from.as_deref(), q.to.as_deref(), as_of)?;
        let mut body = serde_json::to_value(p).map_err(ApiError::internal)?;
        body["from"] = crate::model::format_timestamp(period.from).into();
        body["to"] = crate::model::format_timestamp(period.to).into();
        answers::json(&body)
    })
    .await
}

async fn get_summary(
    State(st): State<AppState>,
    current: MustBeCurrent,
    RawQuery(raw): RawQuery,
    query: Result<Query<PeriodQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(q) = query.map_err(|e| ApiError::bad_request(e.body_text()))?;
    let as_of = report::parse_as_of(q.as_of.as_deref())?;
    let key = format!("summary?{}", raw.as_deref().unwrap_or(""));
    kept(&st, key, current, move |store| {
        answers::json(&report::summary(
            store,
            q.from.as_deref(),
            q.to.as_deref(),
            as_of,
        )?)
    })
    .await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AlertsQuery {
    at: Option<String>,
    tz: Option<String>,
}

async fn get_alerts(
    State(st): State<AppState>,
    query: Result<Query<AlertsQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let Query(q) = query.map_err(|e| ApiError::bad_request(e.body_text()))?;
    let tz = q.tz.unwrap_or_else(|| "UTC".into());
    let alerts = blocking(move || Ok(report::alerts(&st.engine, q.at.as_deref(), &tz)?)).await?;
    Ok(Json(
        serde_json::to_value(alerts).map_err(ApiError::internal)?,
    ))
}

async fn get_backlog(
    State(st): State<AppState>,
    query: Result<Query<AsOfQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let Query(q) = query.map_err(|e| ApiError::bad_request(e.body_text()))?;
    let as_of = report::parse_as_of(q.as_of.as_deref())?;
    let backlog = blocking(move || Ok(report::backlog(&st.store, as_of)?)).await?;
    Ok(Json(
        serde_json::to_value(backlog).map_err(ApiError::internal)?,
    ))
}

fn query_pairs(raw: Option<String>) -> Result<Vec<(String, String)>, ApiError> {
    serde_urlencoded::from_str(raw.as_deref().unwrap_or(""))
        .map_err(|e| ApiError::bad_request(format!("cannot read the query string: {e}")))
}

async fn get_compare(
    State(st): State<AppState>,
    current: MustBeCurrent,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let key = format!("compare?{}", raw.as_deref().unwrap_or(""));
    let mut req = report::CompareRequest::default();
    let mut wf = Vec::new();
    let mut csv = false;
    for (k, v) in query_pairs(raw)? {
        match k.as_str() {
            "workflow" => wf.push(v),
            "from" => req.from = Some(v),
            "to" => req.to = Some(v),
            "as_of" => req.as_of = Some(v),
            "baseline" => req.baseline = Some(v.parse().map_err(ApiError::bad_request)?),
            "seed" => {
                req.seed = Some(v.parse().map_err(|_| ApiError::bad_request(format!("seed `{v}` is not a whole number")))?)
            }
            "resamples" => {
                req.resamples = Some(v.parse().map_err(|_| ApiError::bad_request(format!("resamples `{v}` is not a whole number")))?)
            }
            "format" => csv = parse_format(&v)?,
            other => {
                return Err(ApiError::bad_request(format!(
                    "unknown parameter `{other}`: use workflow, from, to, baseline, seed, resamples, format, as_of"
                )))
            }
        }
    }
    req.workflows = report::split_workflow_filter(wf.iter().map(String::as_str));
    kept(&st, key, current, move |store| {
        let comparisons = report::compare(store, &req)?;
        if csv {
            Ok(answers::csv(report::comparisons_csv(&comparisons)?, None))
        } else {
            answers::json(&serde_json::json!({ "comparisons": comparisons }))
        }
    })
    .await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct IngestQuery {
    #[serde(default)]
    strict: bool,
    /// A name for the input (e.g. its file name), kept with the batch.
    name: Option<String>,
}

type IngestParams = Result<Query<IngestQuery>, axum::extract::rejection::QueryRejection>;
type IngestBody = Result<Bytes, BytesRejection>;

/// `POST /api/v1/ingest/runs`.
async fn post_runs(
    st: State<AppState>,
    q: IngestParams,
    h: HeaderMap,
    body: IngestBody,
) -> Result<Response, ApiError> {
    post_ingest(st, Kind::Runs, q, h, body).await
}

/// `POST /api/v1/ingest/baselines`.
async fn post_baselines(
    st: State<AppState>,
    q: IngestParams,
    h: HeaderMap,
    body: IngestBody,
) -> Result<Response, ApiError> {
    post_ingest(st, Kind::Baselines, q, h, body).await
}

/// `POST /api/v1/ingest/steps`.
async fn post_steps(
    st: State<AppState>,
    q: IngestParams,
    h: HeaderMap,
    body: IngestBody,
) -> Result<Response, ApiError> {
    post_ingest(st, Kind::Steps, q, h, body).await
}

/// `POST /api/v1/ingest/workflows`: the catalogue.
async fn post_workflows(
    st: State<AppState>,
    q: IngestParams,
    h: HeaderMap,
    body: IngestBody,
) -> Result<Response, ApiError> {
    post_ingest(st, Kind::Workflows, q, h, body).await
}

/// `POST /api/v1/ingest/{kind}` for any other name: a kind spelled in a way
/// the routes above do not match, or 404 for what is no kind.
async fn post_named(
    st: State<AppState>,
    Path(kind): Path<String>,
    q: IngestParams,
    h: HeaderMap,
    body: IngestBody,
) -> Result<Response, ApiError> {
    let kind: Kind = kind.parse().map_err(ApiError::not_found)?;
    post_ingest(st, kind, q, h, body).await
}

async fn post_ingest(
    State(st): State<AppState>,
    kind: Kind,
    query: IngestParams,
    headers: HeaderMap,
    body: IngestBody,
) -> Result<Response, ApiError> {
    let Query(q) = query.map_err(|e| ApiError::bad_request(e.body_text()))?;
    let body = body.map_err(|e| body_error(&st, e))?;
    let ct = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let format = Format::from_content_type(ct).ok_or_else(|| {
        ApiError::unsupported(format!(
            "Content-Type `{ct}` is not supported: use text/csv, application/x-ndjson or application/json"
        ))
    })?;
    let origin = q.name.unwrap_or_else(|| "http".to_string());
    let strict = q.strict;
    let route = format!("/api/v1/ingest/{}", kind.as_str());
    // One JSON object is one run pushed by a webhook: stored with the other
    // posts waiting at the same moment, in one transaction (group commit),
    // and answered 202 once that has committed.
    if kind == Kind::Runs && format == Format::Json && is_one_object(&body) {
        return post_one_run(&st, &headers, route, body, origin, strict).await;
    }
    let single = format == Format::Json && is_one_object(&body);
    let (store, bytes) = (st.store.clone(), body.clone());
    let work = blocking(move || {
        let input = Input {
            kind,
            format,
            origin: &origin,
            bytes: &bytes,
        };
        match ingest::ingest(&store, &input, Options { strict }) {
            Ok(report) => {
                let status = match (report.stored, single && report.rejected == 0) {
                    (true, true) => StatusCode::ACCEPTED,
                    (true, false) if !single => StatusCode::OK,
                    _ => StatusCode::UNPROCESSABLE_ENTITY,
                };
                Ok(Ingested::read(status, report))
            }
            // 422 with the error envelope and the (empty) report beside it.
            Err(IngestError::Unreadable(e)) => Ok(Ingested {
                status: StatusCode::UNPROCESSABLE_ENTITY,
                report: ingest::Report::unreadable(&input, &e),
                unreadable: Some(e.0),
            }),
            Err(IngestError::Store(e)) => Err(ApiError::internal(e)),
        }
    });
    once_per_key(&st, &headers, &route, &body, work).await
}

/// An ingest's answer before it is sent: its status and report, and, when
/// the input could not be read at all, why.
struct Ingested {
    status: StatusCode,
    report: ingest::Report,
    unreadable: Option<String>,
}

impl Ingested {
    fn read(status: StatusCode, report: ingest::Report) -> Ingested {
        Ingested {
            status,
            report,
            unreadable: None,
        }
    }

    /// Counts the report's rows and rejects for `/metrics`, and gives the
    /// answer's JSON: the report, with the error envelope beside it when the
    /// input could not be read.
    fn counted_body(&self) -> Result<Vec<u8>, ApiError> {
        telemetry::count_ingest(&self.report);
        match &self.unreadable {
            None => serde_json::to_vec(&self.report),
            Some(detail) => serde_json::to_value(&self.report).and_then(|mut v| {
                v["errors"] = serde_json::json!([{ "detail": detail }]);
                serde_json::to_vec(&v)
            }),
        }
        .map_err(ApiError::internal)
    }
}

/// A JSON answer of already serialized bytes.
fn json(status: StatusCode, bytes: Vec<u8>) -> Response {
    (status, [(header::CONTENT_TYPE, "application/json")], bytes).into_response()
}

/// Whether a JSON body is one object (not an array of them).
fn is_one_object(body: &[u8]) -> bool {
    body.iter()
        .find(|b| !b.is_ascii_whitespace())
        .is_some_and(|b| *b == b'{')
}

/// The Idempotency-Key of a request, checked: visible ASCII, 1 to 200 characters.
fn idempotency_key(headers: &HeaderMap) -> Result<Option<String>, ApiError> {
    let Some(v) = headers.get("idempotency-key") else {
        return Ok(None);
    };
    let key = v
        .to_str()
        .map(|k| k.trim().to_string())
        .map_err(|_| ApiError::bad_request("Idempotency-Key must be visible ASCII"))?;
    if key.is_empty() || key.len() > 200 {
        return Err(ApiError::bad_request(
            "Idempotency-Key must have 1 to 200 characters",
        ));
    }
    Ok(Some(key))
}

/// A run pushed as one JSON object, through the group-commit writer.
async fn post_one_run(
    st: &AppState,
    headers: &HeaderMap,
    route: String,
    body: Bytes,
    origin: String,
    strict: bool,
) -> Result<Response, ApiError> {
    use ingest::group::{Keyed, Outcome, Post};
    let idempotency = idempotency_key(headers)?.map(|key| Keyed {
        key,
        route,
        body_sha256: crate::auth::digest_bytes(&body),
    });
    let outcome = st
        .group
        .submit(Post {
            body: body.to_vec(),
            origin,
            strict,
            idempotency,
        })
        .await
        .map_err(ApiError::internal)?;
    let status = StatusCode::from_u16(outcome.status()).unwrap_or(StatusCode::OK);
    Ok(match outcome {
        Outcome::Stored(report) => json(status, Ingested::read(status, report).counted_body()?),
        Outcome::Unreadable(report, detail) => {
            let mut v = serde_json::to_value(&report).map_err(ApiError::internal)?;
            v["errors"] = serde_json::json!([{ "detail": detail }]);
            (status, Json(v)).into_response()
        }
        Outcome::Replayed(_, answer) => replayed(status, answer),
        Outcome::KeyReused(detail) => ApiError::unprocessable(detail).into_response(),
    })
}

/// The kept answer to a retried request with the same Idempotency-Key.
fn replayed(status: StatusCode, answer: String) -> Response {
    (
        status,
        [
            (header::CONTENT_TYPE, "application/json"),
            (
                header::HeaderName::from_static("idempotent-replayed"),
                "true",
            ),
        ],
        answer,
    )
        .into_response()
}

/// The answer to a body that could not be read: too large, or broken.
fn body_error(st: &AppState, e: BytesRejection) -> ApiError {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::too_large(format!(
            "request body is larger than the limit of {} bytes; split the file or raise --max-body-mb",
            st.max_body_bytes
        ))
    } else {
        ApiError::bad_request(e.body_text())
    }
}

/// Runs an ingest once per `Idempotency-Key`: a retry with the same key and
/// body gets the first answer (with `Idempotent-Replayed: true`) and ingests
/// nothing; the same key with another body is refused with 422. A server
/// fault is an error, not an answer, so it is not kept and a retry after one
/// runs again.
async fn once_per_key(
    st: &AppState,
    headers: &HeaderMap,
    route: &str,
    body: &[u8],
    run: impl std::future::Future<Output = Result<Ingested, ApiError>>,
) -> Result<Response, ApiError> {
    let Some(key) = idempotency_key(headers)? else {
        let answer = run.await?;
        return Ok(json(answer.status, answer.counted_body()?));
    };
    let hash = crate::auth::digest_bytes(body);
    let (store, k, r) = (st.store.clone(), key.clone(), route.to_string());
    if let Some((h, status, answer)) =
        blocking(move || Ok(store.idempotent_answer(&k, &r)?)).await?
    {
        if h != hash {
            return Err(ApiError::unprocessable(format!(
                "Idempotency-Key `{key}` was used for a different body on this route: \
                 use a new key for new data"
            )));
        }
        return Ok(replayed(
            StatusCode::from_u16(status).unwrap_or(StatusCode::OK),
            answer,
        ));
    }
    let answer = run.await?;
    let (status, bytes) = (answer.status, answer.counted_body()?);
    let text = String::from_utf8_lossy(&bytes).into_owned();
    let (store, r) = (st.store.clone(), route.to_string());
    blocking(move || {
        Ok(store.keep_answer(&crate::store::KeptAnswer {
            key: &key,
            route: &r,
            body_sha256: &hash,
            status: status.as_u16(),
            response: &text,
        })?)
    })
    .await?;
    Ok(json(status, bytes))
}

/// `POST /api/v1/ingest/eventlog?workflow=ID`: an XES (plain or gzip) or CSV
/// event log, one run per case. Parameters as the CLI's flags: `source`,
/// `format` (xes, xes.gz, csv; else from the Content-Type), the `*_column`
/// names, and repeatable `failed_activity`, `escalated_activity`,
/// `cancelled_activity`, `response_activity`, `human_resource` patterns.
async fn post_eventlog(
    State(st): State<AppState>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    use crate::ingest::eventlog::{LogFormat, LogOptions, Pattern};
    let body = body.map_err(|e| body_error(&st, e))?;
    let mut workflow = None;
    let mut source = "http".to_string();
    let mut name = "http".to_string();
    let mut strict = false;
    let mut format = None;
    let mut log = LogOptions::new("", "");
    for (k, v) in query_pairs(raw)? {
        match k.as_str() {
            "workflow" => workflow = Some(v),
            "source" => source = v,
            "name" => name = v,
            "strict" => strict = v == "true" || v == "1",
            "format" => {
                format = Some(match v.as_str() {
                    "xes" => LogFormat::Xes,
                    "xes.gz" => LogFormat::XesGz,
                    "csv" => LogFormat::Csv,
                    other => {
                        return Err(ApiError::bad_request(format!(
                            "format `{other}` is not xes, xes.gz or csv"
                        )))
                    }
                })
            }
            "case_column" => log.columns.case = v,
            "activity_column" => log.columns.activity = v,
            "timestamp_column" => log.columns.timestamp = v,
            "lifecycle_column" => log.columns.lifecycle = v,
            "resource_column" => log.columns.resource = v,
            "failed_activity" => log.failed.push(Pattern::new(&v)),
            "escalated_activity" => log.escalated.push(Pattern::new(&v)),
            "cancelled_activity" => log.cancelled.push(Pattern::new(&v)),
            "response_activity" => log.response.push(Pattern::new(&v)),
            "human_resource" => log.human.push(Pattern::new(&v)),
            other => {
                return Err(ApiError::bad_request(format!(
                    "unknown parameter `{other}`: use workflow, source, name, strict, format, \
                     case_column, activity_column, timestamp_column, lifecycle_column, resource_column, \
                     failed_activity, escalated_activity, cancelled_activity, response_activity, human_resource"
                )))
            }
        }
    }
    log.workflow_id = workflow.ok_or_else(|| {
        ApiError::bad_request("give ?workflow=ID: the catalogued workflow the cases belong to")
    })?;
    log.source = source;
    let ct = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    let format = match format {
        Some(f) => f,
        None => match ct.as_str() {
            "application/xml" | "text/xml" | "application/x-xes+xml" => LogFormat::Xes,
            "application/gzip" | "application/x-gzip" => LogFormat::XesGz,
            "text/csv" | "application/csv" => LogFormat::Csv,
            _ => {
                return Err(ApiError::unsupported(format!(
                    "Content-Type `{ct}` is not an event log: use application/xml (XES), \
                     application/gzip (XES gzipped) or text/csv, or give ?format="
                )))
            }
        },
    };
    let route = "/api/v1/ingest/eventlog";
    let (store, bytes) = (st.store.clone(), body.clone());
    let work = blocking(move || {
        match ingest::ingest_eventlog(&store, &bytes[..], &name, format, &log, Options { strict }) {
            Ok(report) => {
                let status = if report.stored {
                    StatusCode::OK
                } else {
                    StatusCode::UNPROCESSABLE_ENTITY
                };
                Ok(Ingested::read(status, report))
            }
            Err(IngestError::Unreadable(e)) => Err(ApiError::unprocessable(e.0)),
            Err(IngestError::Store(e)) => Err(ApiError::internal(e)),
        }
    });
    once_per_key(&st, &headers, route, &body, work).await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StepsQuery {
    workflow: Option<String>,
    from: Option<String>,
    to: Option<String>,
    format: Option<String>,
}

/// `GET /api/v1/steps?workflow=&from=&to=&format=json|csv`: step timings.
async fn get_steps(
    State(st): State<AppState>,
    query: Result<Query<StepsQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(q) = query.map_err(|e| ApiError::bad_request(e.body_text()))?;
    let workflow = q
        .workflow
        .ok_or_else(|| ApiError::bad_request("give ?workflow=ID"))?;
    let csv = match q.format.as_deref() {
        None | Some("json") => false,
        Some("csv") => true,
        Some(f) => {
            return Err(ApiError::bad_request(format!(
                "format `{f}` is not json or csv"
            )))
        }
    };
    let (period, table) = blocking(move || {
        Ok(report::steps(
            &st.store,
            &workflow,
            q.from.as_deref(),
            q.to.as_deref(),
        )?)
    })
    .await?;
    if csv {
        return Ok((
            [(header::CONTENT_TYPE, "text/csv; charset=utf-8")],
            table.to_csv(),
        )
            .into_response());
    }
    Ok(Json(serde_json::json!({
        "from": crate::model::format_timestamp(period.from),
        "to": crate::model::format_timestamp(period.to),
        "steps": table,
    }))
    .into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RejectsQuery {
    batch: Option<i64>,
    limit: Option<u64>,
}

async fn list_rejects(
    State(st): State<AppState>,
    query: Result<Query<RejectsQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let Query(q) = query.map_err(|e| ApiError::bad_request(e.body_text()))?;
    let limit = q.limit.unwrap_or(1000).min(100_000);
    let rejects = blocking(move || Ok(st.store.rejects(q.batch, limit)?)).await?;
    Ok(Json(serde_json::json!({ "rejects": rejects })))
}

async fn list_batches(State(st): State<AppState>) -> Result<Json<serde_json::Value>, ApiError> {
    let batches = blocking(move || Ok(st.store.batches(1000)?)).await?;
    Ok(Json(serde_json::json!({ "batches": batches })))
}

impl From<ReportError> for ApiError {
    fn from(e: ReportError) -> Self {
        match e {
            ReportError::BadRequest(m) => ApiError::bad_request(m),
            ReportError::NotFound(m) => ApiError::not_found(m),
            ReportError::Store(e) => ApiError::internal(e),
            ReportError::Metrics(e) => ApiError::internal(e),
        }
    }
}

impl From<crate::store::StoreError> for ApiError {
    fn from(e: crate::store::StoreError) -> Self {
        ApiError::internal(e)
    }
}

/// The address to print for a listener bound to `addr`.
pub fn url_for(addr: SocketAddr) -> String {
    format!("http://{addr}/")
}

/// Renders a response to HTML for handlers that fail on a page.
pub(crate) fn html_error(e: &ApiError) -> Response {
    (
        e.status(),
        Html(crate::dashboard::page::shell(
            "Error",
            "",
            &[],
            &format!(
                "<h1>That did not work</h1><p class=\"empty\">{}</p><p><a href=\"/\">Back to the dashboards</a></p>",
                pages::escape(e.detail())
            ),
        )),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use axum::body::Body;
    use axum::http::{Request, StatusCode};
    use http_body_util::BodyExt;
    use tower::ServiceExt;

    use super::*;

    /// A path the route's pattern reaches: each parameter named `x`.
    fn concrete(pattern: &str) -> String {
        pattern
            .split('/')
            .map(|s| if s.starts_with('{') { "x" } else { s })
            .collect::<Vec<_>>()
            .join("/")
    }

    /// Every route of [`app`] is declared with a role, which [`auth::needs`]
    /// answers for it; and every declared route is served, not left to the
    /// 404 fallback or a 405.
    #[tokio::test]
    async fn every_route_has_its_role_and_is_served() {
        let table = routes();
        let declared = table.declared();
        assert!(declared.len() >= 20, "{declared:?}");
        let state = AppState::open(Store::open_in_memory().unwrap());
        for d in declared {
            let path = concrete(d.path);
            assert_eq!(
                auth::needs(&d.method, &path),
                d.need.role(),
                "{} {}",
                d.method,
                d.path
            );
            let req = Request::builder()
                .method(d.method.clone())
                .uri(&path)
                .body(Body::empty())
                .unwrap();
            let resp = app(state.clone()).oneshot(req).await.unwrap();
            let status = resp.status();
            let body = resp.into_body().collect().await.unwrap().to_bytes();
            let text = String::from_utf8_lossy(&body);
            assert_ne!(
                status,
                StatusCode::METHOD_NOT_ALLOWED,
                "{} {path}",
                d.method
            );
            assert!(
                !text.contains("no such route"),
                "{} {path} fell through to the fallback",
                d.method
            );
        }
    }

    /// A path and method that no route declares needs an admin (GET under
    /// `/dashboards` aside), and a public path is public for every method.
    #[test]
    fn what_no_route_declares_is_the_admins() {
        use axum::http::Method;
        let admin = Some(crate::auth::Role::Admin);
        assert_eq!(auth::needs(&Method::GET, "/api/v1/nothing"), admin);
        assert_eq!(auth::needs(&Method::DELETE, "/api/v1/metrics"), admin);
        assert_eq!(auth::needs(&Method::PUT, "/healthz"), None);
        assert_eq!(
            auth::needs(&Method::GET, "/dashboards/a/b/c"),
            Some(crate::auth::Role::Viewer)
        );
    }
}
