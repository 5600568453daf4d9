//! Who may call what. Every route but `/healthz` and `/login` needs a token
//! (`Authorization: Bearer ys_…`, or the cookie the login form sets) whose
//! role allows it, unless the server runs open (`--open`, loopback only, as
//! `demo` does). 401 means no or a bad token, 403 a token whose role does not
//! allow the route; neither says whether the thing asked for exists.

use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::Form;

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

const COOKIE: &str = "yardstick_token";

/// The role a request needs, or `None` for the public routes.
pub fn needs(method: &Method, path: &str) -> Option<Role> {
    const VIEW: [&str; 9] = [
        "/api/v1/workflows",
        "/api/v1/metrics",
        "/api/v1/compare",
        "/api/v1/trend",
        "/api/v1/alerts",
        "/api/v1/portfolio",
        "/api/v1/summary",
        "/api/v1/backlog",
        "/api/v1/steps",
    ];
    const INGEST: [&str; 4] = [
        "/api/v1/ingest/runs",
        "/api/v1/ingest/baselines",
        "/api/v1/ingest/steps",
        "/api/v1/ingest/eventlog",
    ];
    let path = path.trim_end_matches('/');
    match (method.clone(), path) {
        (_, "/healthz") | (_, "/login") => None,
        (Method::GET, "") | (Method::GET, "/dashboards") => Some(Role::Viewer),
        (Method::GET, p) if p.starts_with("/dashboards/") => Some(Role::Viewer),
        (Method::GET, p) if VIEW.contains(&p) => Some(Role::Viewer),
        (Method::POST, p) if INGEST.contains(&p) => Some(Role::Ingester),
        // The catalogue, rejects, batches, and anything not named above.
        _ => Some(Role::Admin),
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
                "a `{}` token may not do this; it needs a `{}` token",
                r.as_str(),
                need.as_str()
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

#[derive(serde::Deserialize)]
pub struct LoginForm {
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
