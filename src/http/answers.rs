//! Rendered answers of read-only API routes, kept and refreshed in the
//! background ([`crate::keep`]): a repeated request (a dashboard polling the
//! metric table) is served from memory; after a write the kept answer is still
//! served, marked stale, while one recompute runs.
//!
//! Every answer says how fresh it is: the headers `Yardstick-As-Of`,
//! `Yardstick-Generation`, `Yardstick-Stale` and `Yardstick-Runs-Not-Included`,
//! and a JSON object answer also carries the same as its first member,
//! `freshness`.

use std::sync::Arc;

use axum::body::Bytes;
use axum::http::{header, HeaderName, HeaderValue};
use axum::response::{IntoResponse, Response};

use crate::keep::{Keeper, Now, Served};
use crate::store::Store;

/// How many answers are kept; beyond it the least recently requested goes.
const CAPACITY: usize = 256;

/// A rendered answer: its headers and body.
#[derive(Clone)]
pub(super) struct Answer {
    pub content_type: &'static str,
    pub disposition: Option<String>,
    pub body: Bytes,
}

/// The kept answers, keyed by route and raw query; clones share them.
#[derive(Clone)]
pub struct Answers {
    keeper: Keeper<String, Answer>,
}

impl Answers {
    /// The answers computed from the DuckDB file.
    pub fn new(store: &Store) -> Answers {
        let s = store.clone();
        Answers::over(Arc::new(move || s.freshness()))
    }

    /// The answers computed from data that stands where `now` says.
    pub fn over(now: Now) -> Answers {
        Answers {
            keeper: Keeper::new(CAPACITY, now),
        }
    }

    /// How many answers were computed (fresh and in the background).
    pub fn computations(&self) -> u64 {
        self.keeper.computations()
    }

    /// The answer of `key`, kept or computed once (see [`Keeper::get`]). Blocking.
    pub(super) fn get<E, F>(&self, key: String, compute: F) -> Result<Served<Answer>, E>
    where
        F: FnOnce() -> Result<Answer, E> + Send + 'static,
        E: std::fmt::Display,
    {
        self.keeper.get(key, compute)
    }

    /// The answer of `key` holding every write committed before the call
    /// (see [`Keeper::get_current`]). Blocking.
    pub(super) fn get_current<E, F>(&self, key: String, compute: F) -> Result<Served<Answer>, E>
    where
        F: FnOnce() -> Result<Answer, E> + Send + 'static,
        E: std::fmt::Display,
    {
        self.keeper.get_current(key, compute)
    }
}

/// The freshness headers of a served answer.
pub(super) fn freshness_headers<V>(served: &Served<V>, r: &mut Response) {
    let h = r.headers_mut();
    let mut put = |name: &'static str, v: String| {
        if let Ok(v) = HeaderValue::from_str(&v) {
            h.insert(HeaderName::from_static(name), v);
        }
    };
    put(
        "yardstick-as-of",
        crate::model::format_timestamp(served.stamp.as_of),
    );
    put("yardstick-generation", served.stamp.generation.to_string());
    put("yardstick-stale", served.stale().to_string());
    put(
        "yardstick-runs-not-included",
        served.runs_pending.to_string(),
    );
}

/// A served answer as a response: a JSON object gets `freshness` as its first
/// member (spliced into the kept bytes, which are not parsed again); every
/// answer gets the freshness headers.
pub(super) fn respond(served: Served<Answer>) -> Response {
    let a = &*served.value;
    let body = if a.content_type == "application/json" && a.body.first() == Some(&b'{') {
        let fresh = serde_json::json!({ "freshness": served.freshness_json() }).to_string();
        // `{"freshness":{…}}` without its closing brace, then `,` and the
        // kept object's members (or its closing brace if it has none).
        let rest = &a.body[1..];
        let empty = rest.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'}');
        let mut out = Vec::with_capacity(fresh.len() + a.body.len() + 1);
        out.extend_from_slice(&fresh.as_bytes()[..fresh.len() - 1]);
        if !empty {
            out.push(b',');
        }
        out.extend_from_slice(rest);
        Bytes::from(out)
    } else {
        a.body.clone()
    };
    let mut r = ([(header::CONTENT_TYPE, a.content_type)], body).into_response();
    if let Some(d) = &a.disposition {
        if let Ok(v) = d.parse() {
            r.headers_mut().insert(header::CONTENT_DISPOSITION, v);
        }
    }
    freshness_headers(&served, &mut r);
    r
}

/// A JSON answer to keep.
pub(super) fn json(v: &impl serde::Serialize) -> Result<Answer, super::ApiError> {
    Ok(Answer {
        content_type: "application/json",
        disposition: None,
        body: serde_json::to_vec(v)
            .map_err(super::ApiError::internal)?
            .into(),
    })
}

/// A CSV answer to keep.
pub(super) fn csv(body: impl Into<Bytes>, disposition: Option<String>) -> Answer {
    Answer {
        content_type: "text/csv; charset=utf-8",
        disposition,
        body: body.into(),
    }
}
