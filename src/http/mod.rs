//! The HTTP API: [`app`] builds every route from one table, each route
//! declared with the role it needs; handlers are thin named functions that
//! parse the request, run the blocking work off the async threads, and shape
//! the answer.

mod answers;
pub mod auth;
mod dashboards;
mod error;
mod pages;
mod query;
pub mod telemetry;

use std::net::SocketAddr;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, Path, RawQuery, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::{Json, Router};
use serde::Deserialize;

use crate::engine::incremental::{Incremental, Partials};
use crate::ingest::eventlog::{LogFormat, LogOptions, Pattern};
use crate::ingest::{self, Format, IngestError, Input, Options};
use crate::metrics::MetricTable;
use crate::model::Kind;
use crate::report::{self, ReportError};
use crate::store::Store;
use auth::{Need, Routes};
pub use error::ApiError;
use query::{Fixed, Format as AnswerFormat, Report, ReportRoute};

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

/// `GET /api/v1/workflows`: the catalogue, as it was at `as_of` if given.
async fn list_workflows(
    State(st): State<AppState>,
    Fixed(q): Fixed<AsOfQuery>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let as_of = report::parse_as_of(q.as_of.as_deref())?;
    let wfs = blocking(move || Ok(st.store.workflows(as_of)?)).await?;
    Ok(Json(serde_json::json!({ "workflows": wfs })))
}

/// `GET /api/v1/metrics`: the metric table of a period, as JSON or CSV.
struct Metrics;

impl ReportRoute for Metrics {
    const NAME: &'static str = "metrics";
    const KEYS: &'static [&'static str] = &["from", "to", "workflow", "format", "as_of"];
}

async fn get_metrics(
    State(st): State<AppState>,
    current: MustBeCurrent,
    Report(q, _): Report<Metrics>,
) -> Result<Response, ApiError> {
    let csv = q.csv();
    kept(&st, q.key.clone(), current, move |store| {
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

/// `GET /api/v1/trend`: the metric table per week or month.
struct Trend;

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
    ];
}

async fn get_trend(
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
    kept(&st, q.key.clone(), current, move |store| {
        let trend = report::trend(
            store,
            granularity,
            q.tz.as_deref().unwrap_or("UTC"),
            q.from.as_deref(),
            q.to.as_deref(),
            &q.workflows,
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

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PeriodQuery {
    from: Option<String>,
    to: Option<String>,
    as_of: Option<String>,
}

/// `GET /api/v1/portfolio`: every automation's return over a period.
async fn get_portfolio(
    State(st): State<AppState>,
    current: MustBeCurrent,
    RawQuery(raw): RawQuery,
    Fixed(q): Fixed<PeriodQuery>,
) -> Result<Response, ApiError> {
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

/// `GET /api/v1/summary`: a period against the one before it.
async fn get_summary(
    State(st): State<AppState>,
    current: MustBeCurrent,
    RawQuery(raw): RawQuery,
    Fixed(q): Fixed<PeriodQuery>,
) -> Result<Response, ApiError> {
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

/// `GET /api/v1/alerts`: the regression checks at a moment.
async fn get_alerts(
    State(st): State<AppState>,
    Fixed(q): Fixed<AlertsQuery>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let tz = q.tz.unwrap_or_else(|| "UTC".into());
    let alerts = blocking(move || Ok(report::alerts(&st.engine, q.at.as_deref(), &tz)?)).await?;
    Ok(Json(
        serde_json::to_value(alerts).map_err(ApiError::internal)?,
    ))
}

/// `GET /api/v1/backlog`: what to automate next.
async fn get_backlog(
    State(st): State<AppState>,
    Fixed(q): Fixed<AsOfQuery>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let as_of = report::parse_as_of(q.as_of.as_deref())?;
    let backlog = blocking(move || Ok(report::backlog(&st.store, as_of)?)).await?;
    Ok(Json(
        serde_json::to_value(backlog).map_err(ApiError::internal)?,
    ))
}

/// `GET /api/v1/compare`: before/after with bootstrap intervals.
struct Compare;

impl ReportRoute for Compare {
    const NAME: &'static str = "compare";
    const KEYS: &'static [&'static str] = &[
        "workflow",
        "from",
        "to",
        "baseline",
        "seed",
        "resamples",
        "format",
        "as_of",
    ];
}

async fn get_compare(
    State(st): State<AppState>,
    current: MustBeCurrent,
    Report(q, _): Report<Compare>,
) -> Result<Response, ApiError> {
    let csv = q.csv();
    let key = q.key.clone();
    let req = report::CompareRequest {
        workflows: q.workflows,
        from: q.from,
        to: q.to,
        baseline: q.baseline,
        seed: q.seed,
        resamples: q.resamples,
        as_of: q.as_of,
    };
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

type IngestParams = Result<Fixed<IngestQuery>, ApiError>;
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
    let Fixed(q) = query?;
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

/// The query of an event-log upload: the CLI's flags, the patterns repeatable.
#[derive(Default, Deserialize)]
#[serde(default)]
struct EventlogQuery {
    workflow: Option<String>,
    source: Option<String>,
    name: Option<String>,
    strict: Option<String>,
    #[serde(deserialize_with = "log_format")]
    format: Option<LogFormat>,
    case_column: Option<String>,
    activity_column: Option<String>,
    timestamp_column: Option<String>,
    lifecycle_column: Option<String>,
    resource_column: Option<String>,
    failed_activity: Vec<String>,
    escalated_activity: Vec<String>,
    cancelled_activity: Vec<String>,
    response_activity: Vec<String>,
    human_resource: Vec<String>,
}

/// The keys of [`EventlogQuery`], in the order a refusal lists them.
const EVENTLOG_KEYS: &[&str] = &[
    "workflow",
    "source",
    "name",
    "strict",
    "format",
    "case_column",
    "activity_column",
    "timestamp_column",
    "lifecycle_column",
    "resource_column",
    "failed_activity",
    "escalated_activity",
    "cancelled_activity",
    "response_activity",
    "human_resource",
];

fn log_format<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<LogFormat>, D::Error> {
    query::each(d, |v| match v {
        "xes" => Ok(LogFormat::Xes),
        "xes.gz" => Ok(LogFormat::XesGz),
        "csv" => Ok(LogFormat::Csv),
        other => Err(format!("format `{other}` is not xes, xes.gz or csv")),
    })
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
    body: IngestBody,
) -> Result<Response, ApiError> {
    let body = body.map_err(|e| body_error(&st, e))?;
    let q: EventlogQuery = query::read(raw.as_deref(), EVENTLOG_KEYS)?;
    let mut log = LogOptions::new("", "");
    let columns = [
        (q.case_column, &mut log.columns.case),
        (q.activity_column, &mut log.columns.activity),
        (q.timestamp_column, &mut log.columns.timestamp),
        (q.lifecycle_column, &mut log.columns.lifecycle),
        (q.resource_column, &mut log.columns.resource),
    ];
    for (given, column) in columns {
        if let Some(name) = given {
            *column = name;
        }
    }
    let patterns = [
        (&q.failed_activity, &mut log.failed),
        (&q.escalated_activity, &mut log.escalated),
        (&q.cancelled_activity, &mut log.cancelled),
        (&q.response_activity, &mut log.response),
        (&q.human_resource, &mut log.human),
    ];
    for (given, into) in patterns {
        into.extend(given.iter().map(|p| Pattern::new(p)));
    }
    let strict = q.strict.is_some_and(|v| v == "true" || v == "1");
    let name = q.name.unwrap_or_else(|| "http".to_string());
    log.workflow_id = q.workflow.ok_or_else(|| {
        ApiError::bad_request("give ?workflow=ID: the catalogued workflow the cases belong to")
    })?;
    log.source = q.source.unwrap_or_else(|| "http".to_string());
    let ct = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    let format = match q.format {
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
    Fixed(q): Fixed<StepsQuery>,
) -> Result<Response, ApiError> {
    let workflow = q
        .workflow
        .ok_or_else(|| ApiError::bad_request("give ?workflow=ID"))?;
    let format: Option<AnswerFormat> = q
        .format
        .as_deref()
        .map(str::parse)
        .transpose()
        .map_err(ApiError::bad_request)?;
    let (period, table) = blocking(move || {
        Ok(report::steps(
            &st.store,
            &workflow,
            q.from.as_deref(),
            q.to.as_deref(),
        )?)
    })
    .await?;
    if format == Some(AnswerFormat::Csv) {
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

/// `GET /api/v1/rejects?batch=&limit=`: rejected rows, 1,000 unless told
/// (100,000 at most).
async fn list_rejects(
    State(st): State<AppState>,
    Fixed(q): Fixed<RejectsQuery>,
) -> Result<Json<serde_json::Value>, ApiError> {
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
