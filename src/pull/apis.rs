//! Each platform's run-history API as `pull` uses it: the requests, the
//! paging, the authentication, and how far back to ask. Sources (read
//! 2026-12-03) are cited in README.md ("Pulling from a platform's API") and
//! in `fixtures/platforms/<vendor>/SOURCES.md`.

use serde_json::Value;

use super::{Fetch, Pull, PullError, Request, State};
use crate::ingest::platform::{glance, Platform};

/// What one pull fetched, and where the next one starts.
pub(super) struct Got {
    pub(super) runs: Vec<Value>,
    pub(super) state: State,
    pub(super) requests: u64,
    pub(super) reread: u64,
}

/// How far before the last run seen a time-filtered pull asks again: runs
/// whose start was recorded late, and clocks that disagree by a little.
const OVERLAP: chrono::TimeDelta = chrono::TimeDelta::minutes(10);

/// Pages one list may take before the pull stops and says so.
const MAX_PAGES: u64 = 100_000;

/// At most this many missing n8n ids are remembered to be read again.
const MAX_GAPS: u64 = 1_000;

pub(super) fn run_id(platform: Platform, v: &Value) -> String {
    glance(platform, v, None).id.unwrap_or_default()
}

pub(super) fn fetch(p: &Pull, before: &State, http: &dyn Fetch) -> Result<Got, PullError> {
    let mut pager = Pager { http, requests: 0 };
    match p.platform {
        Platform::N8n => n8n(p, before, &mut pager),
        _ => by_time(p, before, &mut pager),
    }
}

struct Pager<'a> {
    http: &'a dyn Fetch,
    requests: u64,
}

impl Pager<'_> {
    fn get(&mut self, rq: &Request) -> Result<Option<Value>, PullError> {
        self.requests += 1;
        if self.requests > MAX_PAGES {
            return Err(PullError::Http(format!(
                "more than {MAX_PAGES} requests in one pull; stopped at {}",
                rq.url.split('?').next().unwrap_or("")
            )));
        }
        self.http.get(&rq.url, &rq.headers).map_err(PullError::Http)
    }
}

fn base(url: &str) -> &str {
    url.trim_end_matches('/')
}

/// The scheme and host (with port) of `url`: `https://api.zapier.com`.
fn origin(url: &str) -> &str {
    let after_scheme = url.find("://").map_or(0, |i| i + 3);
    let end = url[after_scheme..]
        .find(['/', '?', '#'])
        .map_or(url.len(), |i| after_scheme + i);
    &url[..end]
}

/// A next-page link the API gave, followed only on the API's own origin:
/// the token goes with every request, and must not go anywhere else.
fn same_origin(p: &Pull, next: &str) -> Result<String, PullError> {
    if origin(next).eq_ignore_ascii_case(origin(&p.url)) {
        Ok(next.to_string())
    } else {
        Err(PullError::Http(format!(
            "the API's next page is at {}, not at {}: not followed, so the token is not sent there",
            origin(next),
            origin(&p.url)
        )))
    }
}

fn with_query(url: &str, pairs: &[(&str, String)]) -> String {
    let mut u = url.to_string();
    for (k, v) in pairs {
        u.push(if u.contains('?') { '&' } else { '?' });
        u.push_str(k);
        u.push('=');
        u.push_str(&urlencode(v));
    }
    u
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// n8n's public API (`GET /api/v1/executions`, newest first, paged by
/// `nextCursor`; `GET /api/v1/executions/{id}`), key in `X-N8N-API-KEY`.
/// Execution ids grow, so a pull lists down to the highest id seen before.
/// The list leaves out executions running at the moment it is asked, so
/// every id missing between the ones listed is remembered and read by id
/// next time (404: deleted, forgotten), as are executions not yet ended.
fn n8n(p: &Pull, before: &State, pager: &mut Pager<'_>) -> Result<Got, PullError> {
    let api = format!("{}/api/v1", base(&p.url));
    let headers = vec![("X-N8N-API-KEY", p.token.clone())];
    let mut runs = Vec::new();
    let mut reread = 0;
    for id in before.open.keys() {
        let rq = Request {
            url: with_query(
                &format!("{api}/executions/{id}"),
                &[("includeData", "true".into())],
            ),
            headers: headers.clone(),
        };
        if let Some(v) = pager.get(&rq)? {
            runs.push(v);
            reread += 1;
        }
    }
    let filters: Vec<Option<&String>> = if p.workflows.is_empty() {
        vec![None]
    } else {
        p.workflows.iter().map(Some).collect()
    };
    let mut listed = Vec::new();
    for wf in filters {
        let mut cursor: Option<String> = None;
        loop {
            let mut q = vec![
                ("includeData", "true".to_string()),
                ("limit", p.page_size.min(250).to_string()),
            ];
            if let Some(w) = wf {
                q.push(("workflowId", w.clone()));
            }
            if let Some(c) = &cursor {
                q.push(("cursor", c.clone()));
            }
            let rq = Request {
                url: with_query(&format!("{api}/executions"), &q),
                headers: headers.clone(),
            };
            let page = pager.get(&rq)?.ok_or_else(|| {
                PullError::Http(format!(
                    "{api}/executions answered 404: is this n8n's address?"
                ))
            })?;
            let data = page
                .get("data")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            let mut reached = false;
            for v in data {
                let id = numeric_id(&v);
                if before.max_id.is_some_and(|m| id.is_some_and(|i| i <= m)) {
                    reached = true;
                    continue;
                }
                listed.push(v);
            }
            cursor = page
                .get("nextCursor")
                .and_then(Value::as_str)
                .map(str::to_string);
            if reached || cursor.is_none() {
                break;
            }
        }
    }
    let ids: std::collections::BTreeSet<u64> =
        listed.iter().chain(&runs).filter_map(numeric_id).collect();
    let max_id = ids.iter().next_back().copied().max(before.max_id);
    runs.extend(listed);
    let mut state = State {
        max_id,
        since: None,
        open: Default::default(),
    };
    for v in &runs {
        let g = glance(Platform::N8n, v, p.tz);
        if g.open {
            if let Some(id) = g.id {
                state.open.insert(id, g.started.unwrap_or_default());
            }
        }
    }
    // Ids between those listed that the list did not show: running then.
    if p.workflows.is_empty() {
        if let (Some(lo), Some(hi)) = (before.max_id.or(ids.iter().next().copied()), max_id) {
            let mut gaps = 0;
            for id in (lo + 1..hi).rev() {
                if gaps >= MAX_GAPS {
                    break;
                }
                if !ids.contains(&id) {
                    state.open.entry(id.to_string()).or_default();
                    gaps += 1;
                }
            }
        }
    }
    Ok(Got {
        runs,
        state,
        requests: pager.requests,
        reread,
    })
}

fn numeric_id(v: &Value) -> Option<u64> {
    match v.get("id")? {
        Value::String(s) => s.parse().ok(),
        Value::Number(n) => n.as_u64(),
        _ => None,
    }
}

/// The platforms whose lists filter by time: each pull asks from the start
/// of the oldest run still open, or else of the newest run seen, less
/// [`OVERLAP`]; the first pull asks for everything the API will give.
fn by_time(p: &Pull, before: &State, pager: &mut Pager<'_>) -> Result<Got, PullError> {
    let from = before
        .open
        .values()
        .chain(before.since.iter())
        .filter_map(|s| crate::model::parse_timestamp(s).ok())
        .min()
        .map(|t| t - OVERLAP);
    let mut runs = Vec::new();
    match p.platform {
        Platform::Zapier => zapier(p, from, pager, &mut runs)?,
        Platform::Make => make(p, from, pager, &mut runs)?,
        Platform::Uipath => uipath(p, from, pager, &mut runs)?,
        Platform::PowerAutomate => power_automate(p, from, pager, &mut runs)?,
        Platform::N8n => unreachable!("n8n pulls by id"),
    }
    let reread = runs
        .iter()
        .filter(|v| {
            glance(p.platform, v, p.tz)
                .id
                .is_some_and(|id| before.open.contains_key(&id))
        })
        .count() as u64;
    let mut state = State {
        max_id: None,
        since: before.since.clone(),
        open: Default::default(),
    };
    for v in &runs {
        let g = glance(p.platform, v, p.tz);
        if let Some(s) = &g.started {
            if state.since.as_ref().is_none_or(|old| later(s, old)) {
                state.since = Some(s.clone());
            }
        }
        if g.open {
            if let Some(id) = g.id {
                state.open.insert(id, g.started.unwrap_or_default());
            }
        }
    }
    Ok(Got {
        runs,
        state,
        requests: pager.requests,
        reread,
    })
}

fn later(a: &str, b: &str) -> bool {
    match (
        crate::model::parse_timestamp(a),
        crate::model::parse_timestamp(b),
    ) {
        (Ok(a), Ok(b)) => a > b,
        (Ok(_), Err(_)) => true,
        _ => false,
    }
}

fn iso(t: chrono::NaiveDateTime) -> String {
    t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

fn bearer(p: &Pull) -> Vec<(&'static str, String)> {
    vec![("Authorization", format!("Bearer {}", p.token))]
}

/// Zapier, `GET /v2/zap-runs` (OAuth bearer, scope zap:runs): an array of
/// pages `{links, meta, data}` (or one page), `from_date` on or after, paged
/// by `offset`/`limit` with `links.next` until it is null.
fn zapier(
    p: &Pull,
    from: Option<chrono::NaiveDateTime>,
    pager: &mut Pager<'_>,
    runs: &mut Vec<Value>,
) -> Result<(), PullError> {
    let mut q = vec![
        ("limit", p.page_size.to_string()),
        ("offset", "0".to_string()),
    ];
    if let Some(f) = from {
        q.push(("from_date", iso(f)));
    }
    let mut next = Some(with_query(&format!("{}/v2/zap-runs", base(&p.url)), &q));
    while let Some(url) = next.take() {
        let body = pager
            .get(&Request {
                url,
                headers: bearer(p),
            })?
            .ok_or_else(|| PullError::Http("/v2/zap-runs answered 404".into()))?;
        let pages = match body {
            Value::Array(pages) => pages,
            page => vec![page],
        };
        for page in pages {
            let data = page
                .get("data")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            let empty = data.is_empty();
            runs.extend(data);
            next = page
                .pointer("/links/next")
                .and_then(Value::as_str)
                .filter(|_| !empty)
                .map(|n| same_origin(p, n))
                .transpose()?;
        }
    }
    Ok(())
}

/// Make, `GET /api/v2/scenarios/{id}/logs` per scenario (`Authorization:
/// Token …`): `scenarioLogs`, `from` in epoch milliseconds, paged by
/// `pg[offset]`/`pg[limit]` until a page is short. A log does not name its
/// scenario, so the pull adds `scenarioId` from the request.
fn make(
    p: &Pull,
    from: Option<chrono::NaiveDateTime>,
    pager: &mut Pager<'_>,
    runs: &mut Vec<Value>,
) -> Result<(), PullError> {
    let headers = vec![("Authorization", format!("Token {}", p.token))];
    for scenario in &p.workflows {
        let mut offset = 0u64;
        loop {
            let mut q = vec![
                ("pg[limit]", p.page_size.to_string()),
                ("pg[offset]", offset.to_string()),
            ];
            if let Some(f) = from {
                q.push(("from", f.and_utc().timestamp_millis().to_string()));
            }
            let url = with_query(
                &format!(
                    "{}/api/v2/scenarios/{}/logs",
                    base(&p.url),
                    urlencode(scenario)
                ),
                &q,
            );
            let page = pager
                .get(&Request {
                    url,
                    headers: headers.clone(),
                })?
                .ok_or_else(|| PullError::Http(format!("Make has no scenario {scenario} (404)")))?;
            let logs = page
                .get("scenarioLogs")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            let n = logs.len() as u64;
            for mut log in logs {
                if let Value::Object(o) = &mut log {
                    o.entry("scenarioId")
                        .or_insert_with(|| Value::String(scenario.clone()));
                }
                runs.push(log);
            }
            if n < u64::from(p.page_size) {
                break;
            }
            offset += n;
        }
    }
    Ok(())
}

/// UiPath Orchestrator, `GET /odata/Jobs` (bearer token; the folder in
/// `X-UIPATH-OrganizationUnitId`): `$filter=CreationTime ge …`, a stable
/// `$orderby=Id`, paged by `$top`/`$skip` until a page is short.
fn uipath(
    p: &Pull,
    from: Option<chrono::NaiveDateTime>,
    pager: &mut Pager<'_>,
    runs: &mut Vec<Value>,
) -> Result<(), PullError> {
    let mut headers = bearer(p);
    if let Some(f) = &p.folder {
        headers.push(("X-UIPATH-OrganizationUnitId", f.clone()));
    }
    let top = p.page_size.min(1000);
    let mut skip = 0u64;
    loop {
        let mut q = vec![
            ("$top", top.to_string()),
            ("$skip", skip.to_string()),
            ("$orderby", "Id asc".to_string()),
        ];
        if let Some(f) = from {
            q.push(("$filter", format!("CreationTime ge {}", iso(f))));
        }
        let url = with_query(&format!("{}/odata/Jobs", base(&p.url)), &q);
        let page = pager
            .get(&Request {
                url,
                headers: headers.clone(),
            })?
            .ok_or_else(|| PullError::Http("/odata/Jobs answered 404".into()))?;
        let jobs = page
            .get("value")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let n = jobs.len() as u64;
        runs.extend(jobs);
        if n < u64::from(top) {
            break;
        }
        skip += n;
    }
    Ok(())
}

/// Power Automate: a run list of the management API (the Logic Apps
/// WorkflowRuns shape; `$filter=StartTime ge …`, `$top`, paged by
/// `nextLink`) or of Dataverse's `flowruns` table (an address with
/// `/api/data/`; `$filter=starttime ge …`, `Prefer: odata.maxpagesize`,
/// paged by `@odata.nextLink`). The URL given is the run list itself.
fn power_automate(
    p: &Pull,
    from: Option<chrono::NaiveDateTime>,
    pager: &mut Pager<'_>,
    runs: &mut Vec<Value>,
) -> Result<(), PullError> {
    let dataverse = p.url.contains("/api/data/");
    let mut headers = bearer(p);
    let mut q = Vec::new();
    if dataverse {
        headers.push((
            "Prefer",
            format!("odata.maxpagesize={}", p.page_size.min(5000)),
        ));
        if let Some(f) = from {
            q.push(("$filter", format!("starttime ge {}", iso(f))));
        }
    } else {
        q.push(("$top", p.page_size.to_string()));
        if let Some(f) = from {
            q.push(("$filter", format!("StartTime ge {}", iso(f))));
        }
    }
    let mut next = Some(with_query(&p.url, &q));
    while let Some(url) = next.take() {
        let page = pager
            .get(&Request {
                url,
                headers: headers.clone(),
            })?
            .ok_or_else(|| PullError::Http("the run list answered 404".into()))?;
        let value = page
            .get("value")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let empty = value.is_empty();
        runs.extend(value);
        next = ["nextLink", "@odata.nextLink"]
            .iter()
            .find_map(|k| page.get(*k).and_then(Value::as_str))
            .filter(|_| !empty)
            .map(|n| same_origin(p, n))
            .transpose()?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn an_origin_is_the_scheme_and_the_host() {
        assert_eq!(
            super::origin("https://api.zapier.com/v2/zap-runs?offset=10"),
            "https://api.zapier.com"
        );
        assert_eq!(
            super::origin("http://127.0.0.1:5678"),
            "http://127.0.0.1:5678"
        );
        assert_eq!(
            super::origin("https://evil.example/x"),
            "https://evil.example"
        );
        assert_eq!(
            super::origin("https://org.crm.dynamics.com?x=1"),
            "https://org.crm.dynamics.com"
        );
    }
}
