//! Run history exported by automation platforms — n8n, Zapier, Power
//! Automate, UiPath Orchestrator, Make — turned into run records and
//! validated as any run file is. Each platform's workflow is mapped onto a
//! catalogued `workflow_id` by the stored workflow map (the `maps` input
//! kind); a run of an unmapped workflow is rejected with the line to add.
//!
//! This module knows the shapes a vendor's history arrives in (its API's
//! list response and paging wrappers, arrays of pages, one execution a
//! webhook posts, NDJSON, CSV) and the time zone of naive timestamps;
//! [`vendors`] knows each vendor's fields and statuses. Field mappings and
//! status choices are documented in README.md ("Automation-platform
//! exports") and tested on the vendors' own example responses in
//! `fixtures/platforms/<vendor>/`.

mod vendors;

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::Arc;

use chrono::{NaiveDateTime, TimeZone};
use serde_json::Value;

use super::read::{walk_json_array, RawRecord, ReadError};

/// The platforms whose run history Yardstick reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Platform {
    N8n,
    Zapier,
    PowerAutomate,
    Uipath,
    Make,
}

impl std::str::FromStr for Platform {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "n8n" => Ok(Platform::N8n),
            "zapier" => Ok(Platform::Zapier),
            "power-automate" => Ok(Platform::PowerAutomate),
            "uipath" => Ok(Platform::Uipath),
            "make" => Ok(Platform::Make),
            o => Err(format!(
                "unknown platform `{o}`: n8n, zapier, power-automate, uipath or make"
            )),
        }
    }
}

impl Platform {
    pub const ALL: [Platform; 5] = [
        Platform::N8n,
        Platform::Zapier,
        Platform::PowerAutomate,
        Platform::Uipath,
        Platform::Make,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Platform::N8n => "n8n",
            Platform::Zapier => "zapier",
            Platform::PowerAutomate => "power-automate",
            Platform::Uipath => "uipath",
            Platform::Make => "make",
        }
    }

    /// Keys of a wrapping object whose value is the list of runs: n8n's and
    /// Zapier's `data`, OData's and Logic Apps' `value`, Make's `scenarioLogs`.
    fn list_keys(self) -> &'static [&'static str] {
        match self {
            Platform::N8n | Platform::Zapier => &["data", "results"],
            Platform::PowerAutomate | Platform::Uipath => &["value"],
            Platform::Make => &["scenarioLogs"],
        }
    }

    /// A vendor status in ours, or `None` for one the vendor does not document.
    pub fn status(self, s: &str) -> Option<&'static str> {
        vendors::status(self, s)
    }
}

/// How to read an export beyond what its records say.
#[derive(Debug, Clone, Default)]
pub struct Context {
    /// The platform workflow of every run whose record names none: Make
    /// lists logs per scenario, and its logs do not repeat the scenario.
    pub platform_workflow: Option<String>,
    /// The time zone of timestamps written without an offset (default UTC).
    pub tz: Option<chrono_tz::Tz>,
}

/// A workflow map as the `maps` input kind reads it (CSV `platform,
/// platform_workflow,workflow_id`): a map of `platform` written without the
/// platform column (`platform_workflow,workflow_id`, the form a map of one
/// platform's workflows is usually written in) gets it, line for line, so
/// that every reject still names its line. A map with the column is returned
/// as it is: each of its lines names its own platform.
pub fn map_csv(text: &str, name: &str, platform: Platform) -> Result<String, ReadError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut rd = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(text.as_bytes());
    let headers = super::csv_header(&mut rd, name)?;
    let has = |h: &str| headers.iter().any(|x| x.trim().eq_ignore_ascii_case(h));
    if has("platform") {
        return Ok(text.to_string());
    }
    if !(has("platform_workflow") && has("workflow_id")) {
        return Err(ReadError(format!(
            "{name}: line 1: a workflow map's header is `platform_workflow,workflow_id` \
             (or `platform,platform_workflow,workflow_id`)"
        )));
    }
    super::csv_with_column(text, name, "platform", platform.as_str())
}

fn norm(k: &str) -> String {
    k.chars()
        .filter(|c| !matches!(c, ' ' | '_' | '-'))
        .flat_map(char::to_lowercase)
        .collect()
}

/// A flat view of one exported run: normalised key → text value, with nested
/// JSON objects flattened to dotted keys (arrays kept as their JSON text).
type Flat = Vec<(String, String, String)>; // (normalised key, original key, value)

fn flatten(prefix: &str, v: &Value, out: &mut Flat) {
    match v {
        Value::Object(m) => {
            for (k, v) in m {
                let key = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                flatten(&key, v, out);
            }
        }
        Value::Null => {}
        Value::String(s) => out.push((norm(prefix), prefix.to_string(), s.clone())),
        other => out.push((norm(prefix), prefix.to_string(), other.to_string())),
    }
}

fn pick<'a>(flat: &'a Flat, names: &[&str]) -> Option<&'a str> {
    names.iter().find_map(|n| {
        let n = norm(n);
        flat.iter()
            .find(|(k, _, v)| *k == n && !v.trim().is_empty())
            .map(|(_, _, v)| v.as_str())
    })
}

/// A vendor timestamp as RFC 3339 in UTC: one with an offset is converted,
/// one without is read in `tz` (UTC when none is given). Text that is no
/// timestamp is passed on for validation to reject with its reason.
fn instant(s: &str, tz: Option<chrono_tz::Tz>) -> String {
    let t = s.trim();
    let aware = chrono::DateTime::parse_from_rfc3339(t)
        .or_else(|_| chrono::DateTime::parse_from_str(t, "%Y-%m-%d %H:%M:%S%.f%#z"));
    if let Ok(dt) = aware {
        return utc_text(dt.naive_utc());
    }
    match (crate::model::parse_timestamp(t), tz) {
        (Ok(naive), Some(tz)) => match tz.from_local_datetime(&naive) {
            chrono::LocalResult::Single(dt) => utc_text(dt.naive_utc()),
            // A clock set back: the first of the two moments.
            chrono::LocalResult::Ambiguous(first, _) => utc_text(first.naive_utc()),
            // A clock set forward: this local time never happened.
            chrono::LocalResult::None => format!("{t} (no such local time in {tz})"),
        },
        (Ok(naive), _) => utc_text(naive),
        (Err(_), _) => t.to_string(),
    }
}

fn utc_text(t: NaiveDateTime) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.fZ").to_string()
}

/// What a puller needs to know of one vendor run: its id, its start (RFC
/// 3339 in UTC, naive timestamps read in `tz`) and whether it has not ended.
#[derive(Debug, Clone, PartialEq)]
pub struct Glance {
    pub id: Option<String>,
    pub started: Option<String>,
    pub open: bool,
}

/// A glance at one run of `platform`, read as an import reads it.
pub fn glance(platform: Platform, value: &Value, tz: Option<chrono_tz::Tz>) -> Glance {
    let mut flat = Flat::new();
    flatten("", value, &mut flat);
    let said = vendors::said(platform, &flat, value);
    let status = said.status.as_deref().and_then(|s| platform.status(s));
    Glance {
        id: said.id,
        started: said.started.map(|s| instant(&s, tz)),
        // A status we do not know is kept open: the next pull reads it again.
        open: status.is_none_or(|s| s == "running"),
    }
}

/// Turns one exported run into a run record of Yardstick's fields; the
/// platform's other fields go to `attributes`.
fn to_record(
    platform: Platform,
    line: u64,
    raw: String,
    value: &Value,
    map: &HashMap<String, String>,
    cx: &Context,
) -> RawRecord<'static> {
    let mut flat = Flat::new();
    flatten("", value, &mut flat);
    let said = vendors::said(platform, &flat, value);
    let mut fields: Vec<(Arc<str>, Option<Cow<'static, str>>)> = Vec::new();
    let mut put = |k: &str, v: Option<String>| fields.push((Arc::from(k), v.map(Cow::Owned)));
    let mut broken = None;
    put("source", Some(platform.as_str().to_string()));
    put("run_id", said.id.clone());
    let workflow = said
        .workflow
        .clone()
        .or_else(|| cx.platform_workflow.clone());
    match &workflow {
        Some(w) => match map.get(w.trim()) {
            Some(ours) => put("workflow_id", Some(ours.clone())),
            None => {
                broken = Some(format!(
                    "{p} workflow `{w}` is not in the workflow map: add the line \
                     `{p},{w},<workflow_id>` naming the catalogued workflow its runs belong to \
                     (`yardstick ingest maps FILE`, or POST /api/v1/ingest/maps)",
                    p = platform.as_str(),
                    w = w.trim(),
                ))
            }
        },
        None => {
            broken = Some(match platform {
                Platform::Make => "a Make scenario log does not name its scenario: \
                     give it (--platform-workflow, or platform_workflow= over HTTP)"
                    .to_string(),
                Platform::Uipath => "the job names no process (ReleaseName, or Release.Name \
                     with $expand=Release): request them, or give the process with \
                     --platform-workflow"
                    .to_string(),
                _ => format!("the run names no {} workflow", platform.as_str()),
            })
        }
    }
    let at = |s: &Option<String>| s.as_deref().map(|s| instant(s, cx.tz));
    let started = at(&said.started);
    let finished = at(&said.finished).or_else(|| {
        let ms = said.duration_ms?;
        let start = crate::model::parse_timestamp(started.as_deref()?).ok()?;
        let end = start + chrono::Duration::microseconds((ms * 1000.0).round() as i64);
        Some(utc_text(end))
    });
    put("trigger_at", at(&said.trigger));
    put("started_at", started);
    let status = said.status.as_ref().map(|s| {
        platform.status(s).map_or_else(
            || format!("{} status `{s}`", platform.as_str()),
            str::to_string,
        )
    });
    let failed = status.as_deref() == Some("failed");
    // A run that has not ended has no end, whatever the vendor computed.
    let open = status.as_deref() == Some("running");
    put("finished_at", if open { None } else { finished });
    put("status", status);
    put(
        "error_kind",
        if failed {
            said.error
                .as_ref()
                .map(|e| e.chars().take(200).collect::<String>())
        } else {
            None
        },
    );
    // Everything else the platform said, under its own names.
    let mut attrs = serde_json::Map::new();
    attrs.insert("platform".into(), Value::String(platform.as_str().into()));
    if let Some(s) = &said.status {
        attrs.insert("platform_status".into(), Value::String(s.clone()));
    }
    if let Some(w) = &workflow {
        attrs.insert("platform_workflow".into(), Value::String(w.clone()));
    }
    // A used key leaves out itself and everything nested under it.
    let used = |k: &str| {
        said.used.iter().any(|u| {
            k.strip_prefix(u.as_str())
                .is_some_and(|rest| rest.is_empty() || rest.starts_with('.'))
        })
    };
    for (k, orig, v) in &flat {
        if !used(k) && v.len() <= 1024 {
            attrs.insert(orig.clone(), Value::String(v.clone()));
        }
    }
    put("attributes", Some(Value::Object(attrs).to_string()));
    put("version", said.version);
    RawRecord {
        line,
        raw: raw.into(),
        fields,
        broken,
    }
}

/// Reads a platform's run history (JSON: its API's list response, an array
/// of runs or of response pages, one run, or NDJSON; or CSV with a header)
/// into run records, handing each to `each`.
pub fn read(
    platform: Platform,
    bytes: &[u8],
    map: &HashMap<String, String>,
    cx: &Context,
    each: &mut impl FnMut(RawRecord<'_>),
) -> Result<(), ReadError> {
    crate::ingest::read::not_gzip(bytes)?;
    let text = std::str::from_utf8(bytes).map_err(|e| {
        ReadError(format!(
            "the export is not valid UTF-8 (byte {})",
            e.valid_up_to()
        ))
    })?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let first = text.trim_start().chars().next();
    let lists = platform.list_keys();
    let mut emit = |line: u64, raw: String, v: Value| {
        // An array of response pages (Zapier documents its list response as
        // one): each page's runs, at the page's line.
        match page_runs(&v, lists) {
            Some(runs) => {
                for r in runs {
                    each(to_record(platform, line, r.to_string(), r, map, cx));
                }
            }
            None => each(to_record(platform, line, raw, &v, map, cx)),
        }
    };
    match first {
        Some('[') => {
            let start = text.find('[').expect("found");
            walk_json_array(text, start, true, &mut emit)
        }
        Some('{') => {
            // The API's list response wraps the runs: find its list at the top level.
            if let Some(start) = top_level_list(text, lists) {
                return walk_json_array(text, start, false, &mut emit);
            }
            // One run (a webhook's post, an execution fetched by id, Make's
            // `{"scenarioLog": …}`), however it is laid out.
            if let Ok(v) = serde_json::from_str::<Value>(text) {
                let one = v.get("scenarioLog").cloned().unwrap_or(v);
                emit(1, text.trim().to_string(), one);
                return Ok(());
            }
            // NDJSON: one run per line.
            for (i, l) in text.lines().enumerate() {
                if l.trim().is_empty() {
                    continue;
                }
                match serde_json::from_str::<Value>(l) {
                    Ok(v) => emit(i as u64 + 1, l.to_string(), v),
                    Err(e) => {
                        return Err(ReadError(format!(
                            "line {}: not a JSON object, and no list of runs ({}) at the top level: {e}",
                            i + 1,
                            lists.join(", ")
                        )))
                    }
                }
            }
            Ok(())
        }
        Some(_) => {
            let mut rd = csv::ReaderBuilder::new()
                .flexible(true)
                .from_reader(text.as_bytes());
            let headers = rd
                .headers()
                .map_err(|e| ReadError(format!("line 1: {e}")))?
                .clone();
            for rec in rd.records() {
                let rec = rec.map_err(|e| {
                    ReadError(format!(
                        "line {}: {e}",
                        e.position().map_or(0, |p| p.line())
                    ))
                })?;
                let line = rec.position().map_or(0, |p| p.line());
                let row: serde_json::Map<String, Value> = headers
                    .iter()
                    .zip(rec.iter())
                    .filter(|(_, v)| !v.trim().is_empty())
                    .map(|(h, v)| (h.trim().to_string(), Value::String(v.trim().to_string())))
                    .collect();
                let raw = rec.iter().collect::<Vec<_>>().join(",");
                each(to_record(platform, line, raw, &Value::Object(row), map, cx));
            }
            Ok(())
        }
        None => Err(ReadError("the export is empty".into())),
    }
}

/// The runs of a response page (an object whose list key holds an array
/// and which has paging beside it), or `None` for a run.
fn page_runs<'a>(v: &'a Value, lists: &[&str]) -> Option<&'a Vec<Value>> {
    let o = v.as_object()?;
    let paging = [
        "links",
        "meta",
        "nextCursor",
        "nextLink",
        "@odata.nextLink",
        "pg",
    ];
    if !paging.iter().any(|k| o.contains_key(*k)) {
        return None;
    }
    lists.iter().find_map(|k| o.get(*k)?.as_array())
}

/// The byte offset of the `[` that opens the value of one of `keys` in the
/// top-level JSON object of `text`, if any.
fn top_level_list(text: &str, keys: &[&str]) -> Option<usize> {
    let b = text.as_bytes();
    let (mut depth, mut i) = (0i32, 0usize);
    let mut last_key: Option<(usize, usize)> = None;
    while i < b.len() {
        match b[i] {
            b'"' => {
                let start = i + 1;
                i += 1;
                while i < b.len() && b[i] != b'"' {
                    if b[i] == b'\\' {
                        i += 1;
                    }
                    i += 1;
                }
                if depth == 1 {
                    last_key = Some((start, i));
                }
            }
            b'{' | b'[' => {
                if depth == 1 && b[i] == b'[' {
                    if let Some((s, e)) = last_key {
                        if keys.contains(&&text[s..e]) {
                            return Some(i);
                        }
                    }
                }
                depth += 1;
            }
            b'}' | b']' => depth -= 1,
            b',' if depth == 1 => last_key = None,
            _ => {}
        }
        i += 1;
    }
    None
}
