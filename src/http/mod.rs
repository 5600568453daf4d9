//! The HTTP API: [`app`] builds every route from one table, each route
//! declared with the role it needs; the handlers live in a module per area
//! and are thin: read the request, run the blocking work off the async
//! threads, shape the answer. This module holds what they share: the
//! [`AppState`], the kept answers' [`kept`], [`MustBeCurrent`], [`blocking`].
//!
//! - `reports`: metrics, trend, compare, portfolio, summary, alerts, backlog, steps.
//! - `ingest`: the uploads and webhook pushes, once per Idempotency-Key.
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
        .get("/api/v1/workflows", Viewer, stored::workflows)
        .get("/api/v1/metrics", Viewer, reports::metrics)
        .get("/api/v1/compare", Viewer, reports::compare)
        .get("/api/v1/backlog", Viewer, reports::backlog)
        .get("/api/v1/steps", Viewer, reports::steps)
        .get("/api/v1/trend", Viewer, reports::trend)
        .get("/api/v1/alerts", Viewer, reports::alerts)
        .get("/api/v1/portfolio", Viewer, reports::portfolio)
        .get("/api/v1/waterfall", Viewer, reports::waterfall)
        .get("/api/v1/summary", Viewer, reports::summary)
        .get("/definitions", Viewer, pages::definitions)
        .get("/published/{name}", Viewer, published::page)
        .get("/api/v1/published", Viewer, published::list)
        .get("/api/v1/published/{name}", Viewer, published::one)
        .get("/api/v1/published/{name}/diff", Viewer, published::diff)
        // Publishing freezes figures under a name for good: the admin's.
        .post("/api/v1/publish", Admin, published::create)
        .post("/api/v1/ingest/runs", Ingester, ingest::runs)
        .post("/api/v1/ingest/baselines", Ingester, ingest::baselines)
        .post("/api/v1/ingest/steps", Ingester, ingest::steps)
        .post("/api/v1/ingest/eventlog", Ingester, ingest::eventlog)
        // The catalogue is the admin's: it sets hourly costs, SLAs and go-live.
        .post("/api/v1/ingest/workflows", Admin, ingest::workflows)
        .post("/api/v1/ingest/maps", Admin, ingest::maps)
        // Exchange rates value money in a reporting currency: the admin's too.
        .post("/api/v1/ingest/fx", Admin, ingest::fx)
        .post("/api/v1/ingest/{kind}", Admin, ingest::named)
        .get("/api/v1/rejects", Admin, stored::rejects)
        .get("/api/v1/batches", Admin, stored::batches)
        .get("/api/v1/maps", Admin, stored::maps)
        .get("/api/v1/tokens", Admin, tokens::list)
        .post("/api/v1/tokens", Admin, tokens::create)
        .post("/api/v1/tokens/{id}/revoke", Admin, tokens::revoke)
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
