//! `yardstick pull`: run history fetched from an automation platform's own
//! API, page by page, and stored as an import of that platform's export is
//! (the stored workflow map, validation, one batch per pull).
//!
//! Each source (platform, address, and the workflows asked for) remembers
//! where its last pull stopped (`pull_state`): the newest run seen and the
//! runs that were still open. The next pull fetches only what is newer, and
//! fetches the open runs again until they have ended, and the rejected ones
//! until they are accepted (their workflow added to the map). A repeated pull
//! stores the same runs again, which the store records as unchanged: it changes no
//! figure. The state is written after the batch has committed, so a pull that
//! fails half-way is fetched again, never skipped.
//!
//! [`apis`] knows each vendor's requests, paging and authentication; the
//! sources of each are in README.md ("Pulling from a platform's API").

mod apis;

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::ingest::platform::{glance, Context, Platform};
use crate::ingest::{self, IngestError, Options, Report};
use crate::store::Store;

/// What to pull, from where.
#[derive(Debug, Clone)]
pub struct Pull {
    pub platform: Platform,
    /// The API's address: n8n's base URL, Zapier's API host, Make's zone,
    /// Orchestrator's URL, or a Power Automate / Logic Apps run list.
    pub url: String,
    pub token: String,
    /// The platform workflows to pull (Make: the scenarios, required; n8n:
    /// optional, all when empty).
    pub workflows: Vec<String>,
    /// UiPath: the folder (organization unit id) whose jobs to list.
    pub folder: Option<String>,
    /// Runs per page asked for.
    pub page_size: u32,
    pub tz: Option<chrono_tz::Tz>,
    pub strict: bool,
}

/// What a pull did.
#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
pub struct PullReport {
    pub source: String,
    /// HTTP requests made.
    pub requests: u64,
    /// Runs fetched (after removing a run fetched twice in one pull).
    pub fetched: u64,
    /// Runs that were open after the last pull and were fetched again.
    pub reread: u64,
    /// Runs still open now, or rejected: fetched again by the next pull.
    pub still_open: u64,
    /// The batch the runs went into; `None` when nothing was fetched.
    pub ingest: Option<Report>,
}

#[derive(Debug, thiserror::Error)]
pub enum PullError {
    #[error("{0}")]
    Usage(String),
    #[error("{0}")]
    Http(String),
    #[error(transparent)]
    Ingest(#[from] IngestError),
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
}

/// Where a source's last pull stopped.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub(crate) struct State {
    /// n8n: the highest execution id seen (ids grow with each execution).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) max_id: Option<u64>,
    /// The other platforms: the latest start time seen (RFC 3339, UTC).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) since: Option<String>,
    /// Runs not ended when last seen: id → start time (RFC 3339, UTC; empty
    /// for an n8n execution the list did not show).
    #[serde(default)]
    pub(crate) open: BTreeMap<String, String>,
}

/// One GET: its URL and headers.
#[derive(Debug, Clone)]
pub(crate) struct Request {
    pub(crate) url: String,
    pub(crate) headers: Vec<(&'static str, String)>,
}

/// Sends GETs and reads JSON answers; a trait so tests can count requests.
pub trait Fetch {
    /// The JSON of a 2xx answer; `Ok(None)` for 404 (a run that is gone).
    fn get(&self, url: &str, headers: &[(&'static str, String)]) -> Result<Option<Value>, String>;
}

/// [`Fetch`] over HTTPS with reqwest.
pub struct Http(reqwest::blocking::Client);

impl Http {
    pub fn new() -> Result<Http, PullError> {
        reqwest::blocking::Client::builder()
            .timeout(std::time::Duration::from_secs(60))
            .user_agent(concat!("yardstick/", env!("CARGO_PKG_VERSION")))
            .build()
            .map(Http)
            .map_err(|e| PullError::Http(format!("cannot start the HTTP client: {e}")))
    }
}

impl Fetch for Http {
    fn get(&self, url: &str, headers: &[(&'static str, String)]) -> Result<Option<Value>, String> {
        let mut rq = self.0.get(url).header("Accept", "application/json");
        for (k, v) in headers {
            rq = rq.header(*k, v);
        }
        let resp = rq
            .send()
            .map_err(|e| format!("GET {}: {}", redact(url), failure(e)))?;
        let status = resp.status();
        if status == reqwest::StatusCode::NOT_FOUND {
            return Ok(None);
        }
        let body = resp
            .text()
            .map_err(|e| format!("GET {}: reading the answer: {}", redact(url), failure(e)))?;
        if !status.is_success() {
            let text: String = body.chars().take(300).collect();
            return Err(format!("GET {} answered {status}: {text}", redact(url)));
        }
        serde_json::from_str(&body)
            .map(Some)
            .map_err(|e| format!("GET {}: the answer is not JSON: {e}", redact(url)))
    }
}

/// A URL as messages show it: without its query (which may carry a token).
fn redact(url: &str) -> &str {
    url.split('?').next().unwrap_or(url)
}

/// A request's failure as messages show it: reqwest's text without the URL
/// it names (whose query may carry a token: a Logic Apps run list's `sig`),
/// then each cause under it ("tcp connect error: Connection refused").
pub(crate) fn failure(e: reqwest::Error) -> String {
    let e = e.without_url();
    let mut text = e.to_string();
    let mut cause = std::error::Error::source(&e);
    while let Some(c) = cause {
        text.push_str(&format!(": {c}"));
        cause = c.source();
    }
    text
}

/// The name a source's state is kept under.
pub fn source_key(p: &Pull) -> String {
    let mut w = p.workflows.clone();
    w.sort();
    let folder = p
        .folder
        .as_deref()
        .map(|f| format!(" folder={f}"))
        .unwrap_or_default();
    format!(
        "{} {}{}{folder}",
        p.platform.as_str(),
        p.url.trim_end_matches('/'),
        if w.is_empty() {
            String::new()
        } else {
            format!(" workflows={}", w.join(","))
        }
    )
}

/// Pulls what is new from `p`'s source into `store`.
pub fn pull(store: &Store, p: &Pull, http: &dyn Fetch) -> Result<PullReport, PullError> {
    if p.platform == Platform::Make && p.workflows.is_empty() {
        return Err(PullError::Usage(
            "Make lists logs per scenario: name the scenarios with --workflow ID (repeatable)"
                .into(),
        ));
    }
    let source = source_key(p);
    let before: State = match store.pull_state(&source)? {
        Some(s) => serde_json::from_str(&s).map_err(|e| {
            PullError::Usage(format!("the stored state of `{source}` is unreadable: {e}"))
        })?,
        None => State::default(),
    };
    let mut got = apis::fetch(p, &before, http)?;
    // One run per id, the last fetched winning (a run re-read by id and
    // listed again is the same run).
    let mut seen = std::collections::HashSet::new();
    got.runs.reverse();
    got.runs
        .retain(|r| seen.insert(apis::run_id(p.platform, r)));
    got.runs.reverse();
    let fetched = got.runs.len() as u64;
    let starts: HashMap<String, String> = got
        .runs
        .iter()
        .map(|r| {
            let g = glance(p.platform, r, p.tz);
            (g.id.unwrap_or_default(), g.started.unwrap_or_default())
        })
        .collect();
    let report = if got.runs.is_empty() {
        None
    } else {
        let body = serde_json::to_vec(&Value::Array(std::mem::take(&mut got.runs)))
            .expect("JSON values serialize");
        let cx = Context {
            platform_workflow: None,
            tz: p.tz,
        };
        let origin = format!("pull {source}");
        let r = ingest::ingest_platform(
            store,
            &body,
            &origin,
            p.platform,
            &cx,
            Options { strict: p.strict },
        )?;
        Some(r)
    };
    // A rejected run (most often of a workflow not in the map yet) is read
    // again by the next pull, like a run not yet ended, until it is accepted.
    let rejected: Vec<&str> = report
        .iter()
        .flat_map(|r| &r.rejects)
        .filter_map(|r| r.key.as_deref())
        .collect();
    for id in &rejected {
        if let Some(start) = starts.get(*id) {
            got.state.open.insert(id.to_string(), start.clone());
        }
    }
    // A batch --strict refused stored nothing: the state stays where it was.
    if report.as_ref().is_none_or(|r| r.stored) {
        let state = serde_json::to_string(&got.state).expect("state serializes");
        store.set_pull_state(
            &source,
            p.platform.as_str(),
            &state,
            report.as_ref().and_then(|r| r.batch_id),
        )?;
    }
    Ok(PullReport {
        source,
        requests: got.requests,
        fetched,
        reread: got.reread,
        still_open: got.state.open.len() as u64,
        ingest: report,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_request_names_its_cause_and_never_the_query() {
        // Nothing listens on port 1 of the loopback: refused at once.
        let url = "http://127.0.0.1:1/runs?api-version=2016-06-01&sig=SECRET";
        let e = Http::new().unwrap().get(url, &[]).unwrap_err();
        assert!(
            e.starts_with("GET http://127.0.0.1:1/runs: error sending request"),
            "{e}"
        );
        assert!(e.contains("refused"), "{e}");
        assert!(!e.contains("SECRET") && !e.contains("sig="), "{e}");
    }
}
