//! Who may call what. Every route but `/healthz` and `/login` needs a token
//! (`Authorization: Bearer ys_…`, or the cookie the login form sets) whose
//! role allows it, unless the server runs open (`--open`, loopback only, as
//! `demo` does). 401 means no or a bad token, 403 a token whose role does not
//! allow the route; neither says whether the thing asked for exists.
//!
//! Each route's role is declared with the route, in [`super::app`]'s table,
//! through [`Routes`]: the router is built from the same declarations that
//! [`needs`] reads, so a route cannot be served without a role, and a role
//! cannot drift from its route. Each declaration also carries the route's
//! description ([`Op`]), from which the OpenAPI document is generated
//! (`super::openapi`), so a route cannot be served without one either.

use std::sync::LazyLock;

use axum::extract::{Request, State};
use axum::handler::Handler;
use axum::http::{header, HeaderMap, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{self, MethodRouter};
use axum::{Form, Router};

use super::openapi::Op;
use super::{blocking, ApiError, AppState};
use crate::auth::Role;

/// Whether a server checks tokens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// No tokens: for `demo` and `--open`, on a loopback address only.
    Open,
    /// Every route but `/healthz` and `/login` needs a token.
    Tokens,
}

/// The cookie the login form sets, holding the token.
pub(super) const COOKIE: &str = "yardstick_token";

/// Who may call a route: anyone, or a token whose role allows the one named
/// (an admin's allows all).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    Anyone,
    Viewer,
    Ingester,
    Admin,
}

impl Need {
    /// The role a token needs, or `None` when no token is needed.
    pub fn role(self) -> Option<Role> {
        match self {
            Need::Anyone => None,
            Need::Viewer => Some(Role::Viewer),
            Need::Ingester => Some(Role::Ingester),
            Need::Admin => Some(Role::Admin),
        }
    }
}

/// One declared route: its method, its path as the router takes it
/// (`/dashboards/{file}`), who may call it, and its description.
#[derive(Debug, Clone)]
pub struct Declared {
    pub method: Method,
    pub path: &'static str,
    pub need: Need,
    pub(crate) op: Op,
}

/// The routes being declared, each with who may call it: the only way
/// [`super::app`] adds a route, so none is served without a role, and
/// [`needs`] reads the same declarations the router is built from.
pub(super) struct Routes {
    router: Router<AppState>,
    declared: Vec<Declared>,
}

impl Routes {
    pub(super) fn new() -> Routes {
        Routes {
            router: Router::new(),
            declared: Vec::new(),
        }
    }

    /// `GET path`, for `need`, described by `op`.
    pub(super) fn get<H, T>(self, path: &'static str, need: Need, handler: H, op: Op) -> Routes
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        self.add(Method::GET, path, need, routing::get(handler), op)
    }

    /// `POST path`, for `need`, described by `op`.
    pub(super) fn post<H, T>(self, path: &'static str, need: Need, handler: H, op: Op) -> Routes
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        self.add(Method::POST, path, need, routing::post(handler), op)
    }

    fn add(
        mut self,
        method: Method,
        path: &'static str,
        need: Need,
        route: MethodRouter<AppState>,
        op: Op,
    ) -> Routes {
        // Two methods on one path make one route of both (axum merges them).
        self.router = self.router.route(path, route);
        self.declared.push(Declared {
            method,
            path,
            need,
            op,
        });
        self
    }

    pub(super) fn into_router(self) -> Router<AppState> {
        self.router
    }

    pub(super) fn declared(&self) -> &[Declared] {
        &self.declared
    }
}

/// The declared routes, read once: every route the router serves.
pub fn declared() -> &'static [Declared] {
    static DECLARED: LazyLock<Vec<Declared>> =
        LazyLock::new(|| super::routes().declared().to_vec());
    &DECLARED
}

/// The role a request needs, or `None` for the public routes: the role
/// declared with the route that `method` and `path` reach (a trailing `/`
/// aside). A path declared public needs no token whatever the method, so
/// that its 405 needs none either. A path no route declares needs an admin,
/// except a GET under `/dashboards`, which needs a viewer: one following a
/// stale link to a dashboard learns that it is not there.
pub fn needs(method: &Method, path: &str) -> Option<Role> {
    let path = path.trim_end_matches('/');
    let routes = declared();
    let reached = |r: &&Declared| specificity(r.path, path).is_some();
    if routes
        .iter()
        .filter(reached)
        .any(|r| r.need == Need::Anyone)
    {
        return None;
    }
    let route = routes
        .iter()
        .filter(|r| r.method == *method)
        .filter_map(|r| Some((specificity(r.path, path)?, r)))
        .max_by_key(|(rank, _)| *rank)
        .map(|(_, r)| r);
    match route {
        Some(r) => r.need.role(),
        None if *method == Method::GET
            && (path == "/dashboards" || path.starts_with("/dashboards/")) =>
        {
            Some(Role::Viewer)
        }
        None => Some(Role::Admin),
    }
}

/// Whether a route's `pattern` reaches `path` (both without a trailing `/`):
/// if so, its literal segments as bits, the first segment the highest, so
/// that of two routes reaching a path the one literal where the other has a
/// parameter ranks higher, as in the router (`/api/v1/ingest/eventlog`
/// before `/api/v1/ingest/{kind}`).
fn specificity(pattern: &str, path: &str) -> Option<u64> {
    let (mut p, mut s) = (pattern.trim_end_matches('/').split('/'), path.split('/'));
    let mut rank = 0u64;
    loop {
        match (p.next(), s.next()) {
            (None, None) => return Some(rank),
            (Some(p), Some(s)) if p.starts_with('{') && p.ends_with('}') && !s.is_empty() => {
                rank <<= 1;
            }
            (Some(p), Some(s)) if p == s => rank = (rank << 1) | 1,
            _ => return None,
        }
    }
}

fn token_of(headers: &HeaderMap) -> Option<String> {
    if let Some(v) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    {
        return v.strip_prefix("Bearer ").map(|t| t.trim().to_string());
    }
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|c| {
            c.trim()
                .strip_prefix(&format!("{COOKIE}="))
                .map(str::to_string)
        })
}

fn wants_html(headers: &HeaderMap, path: &str) -> bool {
    !path.starts_with("/api/")
        && headers
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|a| a.contains("text/html"))
}

/// The middleware: checks the token and role of every request.
pub async fn check(State(st): State<AppState>, req: Request, next: Next) -> Response {
    if st.access == Access::Open {
        return next.run(req).await;
    }
    let Some(need) = needs(req.method(), req.uri().path()) else {
        return next.run(req).await;
    };
    let html = wants_html(req.headers(), req.uri().path());
    let Some(token) = token_of(req.headers()) else {
        return unauthorized(
            html,
            "a token is needed: `Authorization: Bearer ys_…` (yardstick token create)",
        );
    };
    let store = st.store.clone();
    let role = match blocking(move || Ok(store.token_role(&token)?)).await {
        Ok(r) => r,
        Err(e) => return e.into_response(),
    };
    match role {
        None => unauthorized(
            html,
            "the token is not valid (unknown, revoked or mistyped)",
        ),
        Some(r) if r.allows(need) => next.run(req).await,
        Some(r) => {
            let e = ApiError::forbidden(format!(
                "{} token may not do this; it needs {}",
                r.a(),
                need.holders()
            ));
            e.into_response()
        }
    }
}

fn unauthorized(html: bool, detail: &str) -> Response {
    if html {
        return (StatusCode::UNAUTHORIZED, Html(login_page(Some(detail)))).into_response();
    }
    let mut r = ApiError::unauthorized(detail).into_response();
    r.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        header::HeaderValue::from_static("Bearer realm=\"yardstick\""),
    );
    r
}

fn login_page(problem: Option<&str>) -> String {
    let p = problem
        .map(|p| {
            format!(
                "<p class=\"empty\">{}</p>",
                crate::dashboard::page::escape(p)
            )
        })
        .unwrap_or_default();
    crate::dashboard::page::shell(
        "Sign in",
        "",
        &[],
        &format!(
            "<h1>Sign in</h1>{p}<form method=\"post\" action=\"/login\" class=\"filters\">\
             <label>API token <input type=\"password\" name=\"token\" autocomplete=\"off\" size=\"60\"></label>\
             <button>Sign in</button></form><p class=\"lead\">Ask an admin for a viewer token \
             (<code>yardstick token create --role viewer --name you</code>).</p>"
        ),
    )
}

/// `GET /login`: the form.
pub async fn login_form() -> Html<String> {
    Html(login_page(None))
}

#[derive(serde::Deserialize, schemars::JsonSchema)]
pub struct LoginForm {
    /// An API token (`ys_…`).
    token: String,
}

/// `POST /login`: checks the token and keeps it in an HTTP-only cookie.
pub async fn login(State(st): State<AppState>, Form(f): Form<LoginForm>) -> Response {
    let token = f.token.trim().to_string();
    let store = st.store.clone();
    let t = token.clone();
    match blocking(move || Ok(store.token_role(&t)?)).await {
        Ok(Some(_)) => {
            let mut r = Redirect::to("/").into_response();
            if let Ok(v) = header::HeaderValue::from_str(&format!(
                "{COOKIE}={token}; HttpOnly; SameSite=Strict; Path=/"
            )) {
                r.headers_mut().insert(header::SET_COOKIE, v);
            }
            r
        }
        Ok(None) => (
            StatusCode::UNAUTHORIZED,
            Html(login_page(Some("That token is not valid."))),
        )
            .into_response(),
        Err(e) => e.into_response(),
    }
}
