//! The HTTP API: [`app`] builds every route from one table, each route
//! declared with the role it needs; the handlers live in a module per area
//! and are thin: read the request, run the blocking work off the async
//! threads, shape the answer. This module holds what they share: the
//! [`AppState`], the kept answers' [`kept`], [`MustBeCurrent`], [`blocking`].
//!
//! - `reports`: metrics, trend, compare, outcomes, portfolio, summary, alerts, versions, backlog, steps, impact.
//! - `ingest`: the uploads and webhook pushes, once per Idempotency-Key.
//! - `jobs`: a platform pull and a lake publish done on the file for a client.
//! - `stored`: the catalogue, the batches and their rejects.
//! - `published`: published reports, their pages and diffs, publishing.
//! - `dashboards` and `pages`: the HTML pages and the panel files.
//! - `query`: the typed query strings; `auth`: the roles and the token check;
//!   `telemetry`: request ids and `/metrics`; `answers`: the kept answers;
//!   `error`: the one error envelope.

mod answers;
pub mod auth;
mod dashboards;
mod error;
mod ingest;
mod jobs;
mod openapi;
mod pages;
mod published;
mod query;
mod reports;
mod stored;
pub mod telemetry;
mod tokens;

use std::net::SocketAddr;

use axum::extract::DefaultBodyLimit;
use axum::http::header;
use axum::response::{Html, IntoResponse, Response};
use axum::{Json, Router};

use std::sync::Arc;

use crate::engine::follow::Following;
use crate::engine::{Engine, Partials};
use crate::store::Incremental;
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
    pub group: crate::ingest::group::GroupWriter,
    /// What the reports and dashboards are computed through: the store read
    /// with per-workflow partial results kept, which the dashboards and the
    /// kept answers share (a push recomputes only the workflows it changed),
    /// or a lake ([`AppState::from_lake`]).
    pub engine: Arc<dyn Engine>,
    /// When the reports come from a lake: which (the engine and the lake),
    /// said by every refused ingest. `None`: the --db file.
    pub lake: Option<String>,
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
            group: crate::ingest::group::GroupWriter::start(store.clone()),
            engine: Arc::new(engine),
            lake: None,
            store,
        }
    }

    /// This state with its reports and dashboards computed through a lake
    /// engine that follows the committed snapshot (`what` names the engine
    /// and the lake). The --db file keeps the tokens, batches and rejects;
    /// ingest is refused, as the lake is written only by `lake publish`.
    pub fn from_lake(self, lake: Arc<Following>, what: String) -> AppState {
        let now = {
            let lake = lake.clone();
            Arc::new(move || lake.freshness())
        };
        let engine: Arc<dyn Engine> = lake;
        AppState {
            cache: crate::dashboard::cache::Cache::over(engine.clone(), now.clone()),
            answers: answers::Answers::over(now),
            engine,
            lake: Some(what),
            ..self
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

/// Every route with who may call it and what it is, in one table: [`app`]
/// serves these, [`auth::needs`] answers from the same declarations, and the
/// OpenAPI document (`openapi`) is generated from them.
fn routes() -> Routes {
    use openapi::{of, Op};
    use Need::{Admin, Anyone, Ingester, Viewer};
    const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
    Routes::new()
        .get(
            "/",
            Viewer,
            pages::overview,
            Op::new("The front page")
                .describe("The dashboards, then the metric table of a period, with links to its CSV and JSON.")
                .query::<pages::OverviewQuery>()
                .page("the page")
                .page_fails(&[400, 500]),
        )
        .get(
            "/healthz",
            Anyone,
            healthz,
            Op::new("Liveness").ok("the server is up", healthz_schema),
        )
        .get(
            "/login",
            Anyone,
            auth::login_form,
            Op::new("The sign-in form").page("the form"),
        )
        .post(
            "/login",
            Anyone,
            auth::login,
            Op::new("Sign in with a token")
                .body(
                    "the token, as the form sends it",
                    &[("application/x-www-form-urlencoded", Some(of::<auth::LoginForm>))],
                )
                .empty(303, "signed in: the token is kept in an HTTP-only cookie; to `/`")
                .answers(401, "the token is not valid: the form again, saying so", "text/html", None)
                .fails(&[500]),
        )
        .get(
            "/dashboards/{file}",
            Viewer,
            dashboards::page_or_workbook,
            Op::new("A dashboard's page, or its workbook")
                .path(
                    "file",
                    "a dashboard's name (its page), or NAME.xlsx (every panel and the Method sheet)",
                )
                .query::<crate::dashboard::Filters>()
                .page("the page, or the workbook for NAME.xlsx")
                .answers(200, "", XLSX, None)
                .kept()
                .page_fails(&[400, 404])
                .fails(&[400, 404]),
        )
        .get(
            "/dashboards/{name}/panels/{file}",
            Viewer,
            dashboards::panel_file,
            Op::new("One panel of a dashboard as a file")
                .path("name", "the dashboard's name")
                .path("file", "the panel's id and a type: ID.csv, ID.svg, ID.png or ID.json")
                .query::<crate::dashboard::Filters>()
                .ok("the panel's table (ID.json)", crate::dashboard::export::json_schema)
                .answers(200, "", "text/csv", None)
                .answers(200, "", "image/svg+xml", None)
                .answers(200, "", "image/png", None)
                .kept()
                .fails(&[400, 404]),
        )
        .get(
            "/api/v1/workflows",
            Viewer,
            stored::workflows,
            Op::new("The workflow catalogue")
                .query::<reports::AsOfQuery>()
                .ok(
                    "every workflow with its run and observation counts and when its version was recorded",
                    stored::workflows_schema,
                )
                .fails(&[400]),
        )
        .get(
            "/api/v1/metrics",
            Viewer,
            reports::metrics,
            Op::new("The metric table of a period")
                .describe("Same body as `report metrics`; CSV with `format=csv`.")
                .query_keys::<query::ReportQuery>(<reports::Metrics as query::ReportRoute>::KEYS)
                .ok("the metric table", of::<crate::metrics::MetricTableJson<'static>>)
                .csv()
                .kept()
                .fails(&[400, 404, 409]),
        )
        .get(
            "/api/v1/compare",
            Viewer,
            reports::compare,
            Op::new("Before/after comparisons with bootstrap intervals")
                .query_keys::<query::ReportQuery>(<reports::Compare as query::ReportRoute>::KEYS)
                .ok("one comparison per workflow", crate::report::comparisons_json_schema)
                .csv()
                .kept()
                .fails(&[400, 404, 409]),
        )
        .get(
            "/api/v1/outcomes",
            Viewer,
            reports::outcomes,
            Op::new("The declared outcome measures before and after go-live")
                .query_keys::<query::ReportQuery>(<reports::Outcomes as query::ReportRoute>::KEYS)
                .ok(
                    "a row per workflow and declared outcome",
                    of::<crate::report::outcomes::Outcomes>,
                )
                .csv()
                .kept()
                .fails(&[400, 404, 409]),
        )
        .get(
            "/api/v1/impact",
            Viewer,
            reports::impact,
            Op::new("A go-live's effect against a counterfactual, with its checks")
                .describe("Interrupted time series on the workflow's weekly series, or difference-in-differences against the workflows not automated yet (`method=auto` picks what the checks allow and says why); one row per metric.")
                .query_keys::<query::ReportQuery>(<reports::Impact as query::ReportRoute>::KEYS)
                .requires("workflow")
                .ok("one estimate per metric, with its checks", reports::impact_schema)
                .csv()
                .kept()
                .fails(&[400, 404, 409]),
        )
        .get(
            "/api/v1/backlog",
            Viewer,
            reports::backlog,
            Op::new("What to automate next")
                .query::<reports::AsOfQuery>()
                .ok("the backlog with its assumptions", of::<crate::metrics::backlog::Backlog>)
                .fails(&[400, 409]),
        )
        .get(
            "/api/v1/versions",
            Viewer,
            reports::versions,
            Op::new("Each version of a workflow's automation against the one before it")
                .query::<reports::VersionsQuery>()
                .requires("workflow")
                .ok(
                    "the versions in the order of their first run",
                    of::<crate::report::versions::Versions>,
                )
                .csv()
                .fails(&[400, 404, 409]),
        )
        .get(
            "/api/v1/steps",
            Viewer,
            reports::steps,
            Op::new("Step timings of a workflow and its bottleneck")
                .query::<reports::StepsQuery>()
                .requires("workflow")
                .ok("the step table", crate::report::steps_json_schema)
                .csv()
                .fails(&[400, 404, 409]),
        )
        .get(
            "/api/v1/trend",
            Viewer,
            reports::trend,
            Op::new("The metric table per week or month in a time zone")
                .query_keys::<query::ReportQuery>(<reports::Trend as query::ReportRoute>::KEYS)
                .ok("a metric row per workflow and period", crate::report::Trend::json_schema)
                .csv()
                .kept()
                .fails(&[400, 404, 409]),
        )
        .get(
            "/api/v1/alerts",
            Viewer,
            reports::alerts,
            Op::new("Regression checks of the last complete week")
                .query::<reports::AlertsQuery>()
                .ok("the checks, and the alerts among them", of::<crate::report::Alerts>)
                .fails(&[400, 409]),
        )
        .get(
            "/api/v1/portfolio",
            Viewer,
            reports::portfolio,
            Op::new("Every automation's return over a period, by team, category and owner")
                .query::<reports::PortfolioQuery>()
                .ok("the portfolio", crate::report::portfolio_json_schema)
                .kept()
                .fails(&[400, 409]),
        )
        .get(
            "/api/v1/waterfall",
            Viewer,
            reports::waterfall,
            Op::new("Reclaimed hours from gross to net")
                .query_keys::<query::ReportQuery>(<reports::Waterfall as query::ReportRoute>::KEYS)
                .ok("a row per workflow and the total", crate::report::waterfall_json_schema)
                .csv()
                .kept()
                .fails(&[400, 404, 409]),
        )
        .get(
            "/api/v1/summary",
            Viewer,
            reports::summary,
            Op::new("Headline figures against the previous period of equal length")
                .query::<reports::PortfolioQuery>()
                .ok("the figures with their changes and intervals", crate::report::summary_schema)
                .kept()
                .fails(&[400, 409]),
        )
        .get(
            "/definitions",
            Viewer,
            pages::definitions,
            Op::new("The metric definitions, an anchor per field").page("the page"),
        )
        .get(
            "/published/{name}",
            Viewer,
            published::page,
            Op::new("A published report as a page")
                .path("name", "the name it was published under")
                .query::<published::PageQuery>()
                .page("the page, marked as published")
                .page_fails(&[400, 404]),
        )
        .get(
            "/api/v1/published",
            Viewer,
            published::list,
            Op::new("The published reports, newest first, with their headlines")
                .ok("the list", published::list_schema),
        )
        .get(
            "/api/v1/published/{name}",
            Viewer,
            published::one,
            Op::new("One published report, whole, its hash checked")
                .path("name", "the name it was published under")
                .ok("what it is, and its body as stored", published::one_schema)
                .fails(&[400, 404]),
        )
        .get(
            "/api/v1/published/{name}/diff",
            Viewer,
            published::diff,
            Op::new("Why the headline moved since a report was published, step by step")
                .path("name", "the name it was published under")
                .query::<published::DiffQuery>()
                .ok("the steps, which add up to the whole change", of::<crate::publish::Diff>)
                .fails(&[400, 404]),
        )
        // Publishing freezes figures under a name for good: the admin's.
        .post(
            "/api/v1/publish",
            Admin,
            published::create,
            Op::new("Publish the report set of a period under a name")
                .query::<published::PublishQuery>()
                .json(201, "published", published::created_schema)
                .fails(&[400, 409]),
        )
        .post(
            "/api/v1/ingest/runs",
            Ingester,
            ingest::runs,
            ingest::runs_op("Runs: a file, a platform's run history, or one webhook run"),
        )
        // A pull stores runs as an upload does: the ingester's.
        .post(
            "/api/v1/pull",
            Ingester,
            jobs::pull,
            Op::new("Pull a platform's run history into the file")
                .describe("What `yardstick pull` does on the file: from where the last pull of the same source stopped. The platform's key is used for this pull only and never stored.")
                .body("the platform, its address and key, and the pull's options", &[("application/json", Some(of::<jobs::PullBody>))])
                .ok("the pull's report: what was fetched and the batch it went into", jobs::pulled_schema)
                .json(422, "--strict refused the batch: the report says why", jobs::pulled_schema)
                .fails(&[400, 409, 502]),
        )
        .post(
            "/api/v1/ingest/baselines",
            Ingester,
            ingest::baselines,
            ingest::op("Time-study observations"),
        )
        .post(
            "/api/v1/ingest/steps",
            Ingester,
            ingest::steps,
            ingest::op("Step timings of stored runs"),
        )
        .post(
            "/api/v1/ingest/eventlog",
            Ingester,
            ingest::eventlog,
            ingest::eventlog_op(),
        )
        // The catalogue is the admin's: it sets hourly costs, SLAs and go-live.
        .post(
            "/api/v1/ingest/workflows",
            Admin,
            ingest::workflows,
            ingest::op("The workflow catalogue"),
        )
        .post(
            "/api/v1/ingest/maps",
            Admin,
            ingest::maps,
            ingest::op("The platform workflow map"),
        )
        // Exchange rates value money in a reporting currency: the admin's too.
        .post(
            "/api/v1/ingest/fx",
            Admin,
            ingest::fx,
            ingest::op("Exchange rates into a reporting currency"),
        )
        .post(
            "/api/v1/ingest/{kind}",
            Admin,
            ingest::named,
            Op::new("Any other input kind: refused")
                .describe("The kinds have routes of their own above; any other name is 404, naming them.")
                .path("kind", "a name that is not one of the kinds")
                .fails(&[400, 404, 409]),
        )
        // The lake is what Spark and the lake engine read: the admin's.
        .post(
            "/api/v1/lake/publish",
            Admin,
            jobs::lake_publish,
            Op::new("Publish the file's tables to a lake and commit the snapshot")
                .describe("What `yardstick lake publish` does on the file: readers see the previous snapshot until the new one is whole.")
                .query::<jobs::LakeQuery>()
                .json(201, "the committed snapshot's manifest", jobs::manifest_schema)
                .fails(&[400, 409]),
        )
        .get(
            "/api/v1/rejects",
            Admin,
            stored::rejects,
            Op::new("Stored rejects, newest batch first")
                .query::<stored::RejectsQuery>()
                .ok("the rejected rows with their reasons and raw text", stored::rejects_schema)
                .fails(&[400]),
        )
        .get(
            "/api/v1/batches",
            Admin,
            stored::batches,
            Op::new("The newest 1,000 ingest batches with their counts")
                .ok("the batches", stored::batches_schema),
        )
        .get(
            "/api/v1/maps",
            Admin,
            stored::maps,
            Op::new("The platform workflow map in force")
                .ok("each line with the batch that recorded it", stored::maps_schema),
        )
        .get(
            "/api/v1/tokens",
            Admin,
            tokens::list,
            Op::new("The API tokens: role, holder and dates, never their secrets")
                .ok("the tokens", tokens::list_schema),
        )
        .post(
            "/api/v1/tokens",
            Admin,
            tokens::create,
            Op::new("Create a token")
                .query::<tokens::CreateQuery>()
                .json(201, "the new token, in this answer only", tokens::created_schema)
                .fails(&[400]),
        )
        .post(
            "/api/v1/tokens/{id}/revoke",
            Admin,
            tokens::revoke,
            Op::new("Revoke a token, from the next request on")
                .path("id", "the token's id (`token_id` in the list)")
                .ok("revoked", tokens::revoked_schema)
                .fails(&[404]),
        )
        .get(
            "/metrics",
            Admin,
            telemetry::metrics,
            Op::new("Prometheus metrics").answers(200, "Prometheus text", "text/plain", None),
        )
        // A description of the routes reveals no data; it is a viewer's like
        // the rest of the API, so every route but /healthz and /login still
        // needs a token.
        .get(
            "/api/v1/openapi.json",
            Viewer,
            openapi::serve,
            Op::new("This document: the OpenAPI 3.1 description of every route")
                .ok("the document", openapi::document_schema),
        )
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
            ingest::refused_on_lake,
        ))
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

/// The schema of [`healthz`]'s answer.
fn healthz_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    crate::schema::object(
        vec![("status", schemars::json_schema!({ "const": "ok" }))],
        &[],
    )
}

async fn healthz() -> Json<serde_json::Value> {
    Json(serde_json::json!({ "status": "ok" }))
}

async fn not_found() -> ApiError {
    ApiError::not_found("no such route")
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
    F: FnOnce(&dyn Engine) -> Result<answers::Answer, ApiError> + Send + 'static,
{
    let (answers, engine) = (st.answers.clone(), st.engine.clone());
    let served = blocking(move || {
        if current.0 {
            answers.get_current(key, move || compute(engine.as_ref()))
        } else {
            answers.get(key, move || compute(engine.as_ref()))
        }
    })
    .await?;
    Ok(answers::respond(served))
}

/// The address to print for a listener bound to `addr`.
pub fn url_for(addr: SocketAddr) -> String {
    format!("http://{addr}/")
}

/// A path a route's pattern reaches, each parameter named `x` (for checking
/// every declared route: the OpenAPI tests, and any tool listing routes).
pub fn example_path(pattern: &str) -> String {
    pattern
        .split('/')
        .map(|s| if s.starts_with('{') { "x" } else { s })
        .collect::<Vec<_>>()
        .join("/")
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
            let path = example_path(d.path);
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
