//! Rendered answers of read-only API routes, kept until the store's next
//! write: a repeated request (a dashboard polling the metric table) is served
//! from memory, and any committed ingest bumps the store's generation, which
//! makes every kept answer stale at once.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::http::header;
use axum::response::{IntoResponse, Response};

/// How many answers are kept; beyond it the cache starts afresh.
const CAPACITY: usize = 256;

/// A rendered answer: its headers and body.
#[derive(Clone)]
pub(super) struct Answer {
    pub content_type: &'static str,
    pub disposition: Option<String>,
    pub body: Bytes,
}

impl IntoResponse for Answer {
    fn into_response(self) -> Response {
        let mut r = ([(header::CONTENT_TYPE, self.content_type)], self.body).into_response();
        if let Some(d) = self.disposition {
            if let Ok(v) = d.parse() {
                r.headers_mut().insert(header::CONTENT_DISPOSITION, v);
            }
        }
        r
    }
}

/// The kept answers, keyed by route and raw query; clones share them.
#[derive(Clone, Default)]
pub struct Answers {
    inner: Arc<Mutex<HashMap<String, (u64, Answer)>>>,
}

impl Answers {
    pub(super) fn get(&self, key: &str, generation: u64) -> Option<Answer> {
        let map = self.inner.lock().ok()?;
        map.get(key)
            .filter(|(g, _)| *g == generation)
            .map(|(_, a)| a.clone())
    }

    pub(super) fn put(&self, key: String, generation: u64, answer: Answer) {
        if let Ok(mut map) = self.inner.lock() {
            map.retain(|_, (g, _)| *g == generation);
            if map.len() >= CAPACITY {
                map.clear();
            }
            map.insert(key, (generation, answer));
        }
    }
}
