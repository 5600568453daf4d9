//! The HTTP API in process, as the tests call it: a request goes through
//! `app(state).oneshot`, and its answer comes back whole (status, headers,
//! body), with the readers the tests share.

use axum::body::Body;
use axum::http::{header, HeaderMap, Request, StatusCode};
use http_body_util::BodyExt;
use tower::ServiceExt;
use yardstick::http::{app, AppState};

/// A whole answer of the app.
pub(crate) struct Answer {
    pub(crate) status: StatusCode,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Vec<u8>,
}

impl Answer {
    #[track_caller]
    pub(crate) fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text()))
    }

    /// The JSON answer without the member that says how fresh it is.
    #[track_caller]
    pub(crate) fn content(&self) -> serde_json::Value {
        let mut v = self.json();
        v.as_object_mut().unwrap().remove("freshness");
        v
    }

    /// The detail of the first error of the error envelope.
    #[track_caller]
    pub(crate) fn detail(&self) -> String {
        self.json()["errors"][0]["detail"]
            .as_str()
            .unwrap_or_else(|| panic!("no error detail: {}", self.text()))
            .to_string()
    }

    /// The answer, after asserting it is a 200.
    #[track_caller]
    pub(crate) fn good(self) -> Self {
        assert_eq!(self.status, StatusCode::OK, "{}", self.text());
        self
    }

    /// The answer, after asserting it is a 200 of a `Content-Type` that
    /// starts with `content_type`.
    #[track_caller]
    pub(crate) fn good_as(self, content_type: &str) -> Self {
        let r = self.good();
        assert!(
            r.content_type().starts_with(content_type),
            "{}",
            r.content_type()
        );
        r
    }

    pub(crate) fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The `Content-Type` of the answer, or the empty text without one.
    pub(crate) fn content_type(&self) -> &str {
        self.headers
            .get(header::CONTENT_TYPE)
            .map(|v| v.to_str().unwrap())
            .unwrap_or_default()
    }
}

/// A request with no body carrying `token` as its bearer.
pub(crate) fn with_token(method: &str, uri: &str, token: &str) -> Request<Body> {
    Request::builder()
        .method(method)
        .uri(uri)
        .header(axum::http::header::AUTHORIZATION, format!("Bearer {token}"))
        .body(Body::empty())
        .unwrap()
}

pub(crate) async fn send(st: &AppState, req: Request<Body>) -> Answer {
    let resp = app(st.clone()).oneshot(req).await.unwrap();
    let (status, headers) = (resp.status(), resp.headers().clone());
    let body = resp
        .into_body()
        .collect()
        .await
        .unwrap()
        .to_bytes()
        .to_vec();
    Answer {
        status,
        headers,
        body,
    }
}

pub(crate) async fn get(st: &AppState, uri: &str) -> Answer {
    send(st, Request::get(uri).body(Body::empty()).unwrap()).await
}

/// A GET that must see every write committed before it (`Cache-Control:
/// no-cache`): without it, a read after a write may get the kept answer,
/// marked stale, while the new one is computed.
pub(crate) async fn get_current(st: &AppState, uri: &str) -> Answer {
    let req = Request::get(uri)
        .header(header::CACHE_CONTROL, "no-cache")
        .body(Body::empty())
        .unwrap();
    send(st, req).await
}

/// A GET with one more header.
pub(crate) async fn get_with(st: &AppState, uri: &str, name: &str, value: &str) -> Answer {
    let req = Request::get(uri)
        .header(name, value)
        .body(Body::empty())
        .unwrap();
    send(st, req).await
}

pub(crate) async fn post(st: &AppState, uri: &str, content_type: &str, body: Vec<u8>) -> Answer {
    let req = Request::post(uri)
        .header(header::CONTENT_TYPE, content_type)
        .body(Body::from(body))
        .unwrap();
    send(st, req).await
}

/// Asserts that a GET of `uri` is refused with `status` and an error whose
/// detail holds `needle`.
pub(crate) async fn assert_refused(st: &AppState, uri: &str, status: StatusCode, needle: &str) {
    let r = get(st, uri).await;
    assert_eq!(r.status, status, "{uri}: {}", r.text());
    let detail = r.detail();
    assert!(detail.contains(needle), "{uri}: {detail}");
}
