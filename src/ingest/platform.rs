//! Run history exported by automation platforms — n8n, Zapier, Power
//! Automate, UiPath Orchestrator — turned into run records and validated as
//! any run file is. Each platform's workflow is mapped explicitly onto a
//! catalogued `workflow_id` by a workflow map (`platform_workflow,workflow_id`);
//! a run of an unmapped workflow is rejected with how to map it.
//!
//! Field mappings and status choices are documented in README.md
//! ("Automation-platform exports") and tested on fixtures in
//! `fixtures/platforms/`.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::Arc;

use serde_json::Value;

use super::read::{walk_json_array, RawRecord, ReadError};

/// The platforms whose exports Yardstick reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Platform {
    N8n,
    Zapier,
    PowerAutomate,
    Uipath,
}

impl std::str::FromStr for Platform {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "n8n" => Ok(Platform::N8n),
            "zapier" => Ok(Platform::Zapier),
            "power-automate" => Ok(Platform::PowerAutomate),
            "uipath" => Ok(Platform::Uipath),
            o => Err(format!(
                "unknown platform `{o}`: n8n, zapier, power-automate or uipath"
            )),
        }
    }
}

impl Platform {
    pub fn as_str(self) -> &'static str {
        match self {
            Platform::N8n => "n8n",
            Platform::Zapier => "zapier",
            Platform::PowerAutomate => "power-automate",
            Platform::Uipath => "uipath",
        }
    }

    /// The platform's field names for: run id, workflow, created/triggered,
    /// started, finished, status, error. A name is looked up case-insensitively
    /// and with spaces and underscores ignored, so CSV headers such as
    /// `Start time` and JSON keys such as `startTime` both match.
    fn fields(self) -> PlatformFields {
        match self {
            Platform::N8n => PlatformFields {
                id: &["id"],
                workflow: &["workflowId"],
                trigger: &[],
                started: &["startedAt"],
                finished: &["stoppedAt"],
                status: &["status"],
                error: &["data.resultData.error.message", "error"],
                list_keys: &["data"],
            },
            Platform::Zapier => PlatformFields {
                id: &["id", "zap run id"],
                workflow: &["zap_id", "zap id"],
                trigger: &[],
                started: &["start_time", "start time"],
                finished: &["end_time", "end time"],
                status: &["status"],
                error: &["error", "error message"],
                list_keys: &["data", "results"],
            },
            Platform::PowerAutomate => PlatformFields {
                id: &["name", "run id", "runid"],
                workflow: &["workflow id", "flow id", "workflow name", "flow name"],
                trigger: &[],
                started: &["properties.startTime", "start time", "starttime"],
                finished: &["properties.endTime", "end time", "endtime"],
                status: &["properties.status", "status"],
                error: &["properties.error.message", "error message", "error code"],
                list_keys: &["value"],
            },
            Platform::Uipath => PlatformFields {
                id: &["Key", "Id"],
                workflow: &["ReleaseName", "Process", "ProcessName"],
                trigger: &["CreationTime", "Created", "creation time"],
                started: &["StartTime", "Started", "start time"],
                finished: &["EndTime", "Ended", "end time"],
                status: &["State"],
                error: &["Info"],
                list_keys: &["value"],
            },
        }
    }

    /// The platform's status in ours, or `None` for one we do not know.
    /// The choices are explained in README.md.
    pub fn status(self, s: &str) -> Option<&'static str> {
        let s = s.trim().to_ascii_lowercase();
        Some(match self {
            Platform::N8n => match s.as_str() {
                "success" => "succeeded",
                "error" | "crashed" | "failed" => "failed",
                "canceled" | "cancelled" => "cancelled",
                "running" | "new" | "waiting" => "running",
                _ => return None,
            },
            Platform::Zapier => match s.as_str() {
                "success" | "successful" => "succeeded",
                "error" | "errored" | "stopped" => "failed",
                "filtered" | "halted" | "skipped" => "cancelled",
                "waiting" | "delayed" | "scheduled" | "playing" | "holding" | "held"
                | "running" | "pending" => "running",
                _ => return None,
            },
            Platform::PowerAutomate => match s.as_str() {
                "succeeded" | "success" => "succeeded",
                "failed" | "faulted" | "timedout" | "timed out" | "aborted" => "failed",
                "cancelled" | "canceled" | "skipped" | "ignored" => "cancelled",
                "running" | "waiting" | "suspended" | "paused" => "running",
                _ => return None,
            },
            Platform::Uipath => match s.as_str() {
                "successful" => "succeeded",
                "faulted" => "failed",
                "stopped" => "cancelled",
                "pending" | "running" | "stopping" | "terminating" | "suspended" | "resumed" => {
                    "running"
                }
                _ => return None,
            },
        })
    }
}

struct PlatformFields {
    id: &'static [&'static str],
    workflow: &'static [&'static str],
    trigger: &'static [&'static str],
    started: &'static [&'static str],
    finished: &'static [&'static str],
    status: &'static [&'static str],
    error: &'static [&'static str],
    /// Keys of a wrapping object whose value is the list of runs.
    list_keys: &'static [&'static str],
}

fn norm(k: &str) -> String {
    k.chars()
        .filter(|c| !matches!(c, ' ' | '_' | '-'))
        .flat_map(char::to_lowercase)
        .collect()
}

/// A flat view of one exported run: normalised key → text value, with nested
/// JSON objects flattened to dotted keys.
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

/// Turns one exported run into a run record of Yardstick's fields; the
/// platform's other fields go to `attributes`.
fn to_record(
    platform: Platform,
    line: u64,
    raw: String,
    flat: Flat,
    map: &HashMap<String, String>,
    map_name: &str,
) -> RawRecord<'static> {
    let f = platform.fields();
    let mut fields: Vec<(Arc<str>, Option<Cow<'static, str>>)> = Vec::new();
    let mut put = |k: &str, v: Option<String>| fields.push((Arc::from(k), v.map(Cow::Owned)));
    let mut broken = None;
    put("source", Some(platform.as_str().to_string()));
    put("run_id", pick(&flat, f.id).map(str::to_string));
    match pick(&flat, f.workflow) {
        Some(w) => match map.get(w.trim()) {
            Some(ours) => put("workflow_id", Some(ours.clone())),
            None => {
                broken = Some(format!(
                    "{} workflow `{}` is not in the workflow map {map_name}: add a line `{},<workflow_id>` \
                     naming the catalogued workflow its runs belong to",
                    platform.as_str(),
                    w.trim(),
                    w.trim()
                ))
            }
        },
        None => {
            broken = Some(format!(
                "the run names no {} workflow (one of: {})",
                platform.as_str(),
                f.workflow.join(", ")
            ))
        }
    }
    put("trigger_at", pick(&flat, f.trigger).map(str::to_string));
    put("started_at", pick(&flat, f.started).map(str::to_string));
    put("finished_at", pick(&flat, f.finished).map(str::to_string));
    let status_text = pick(&flat, f.status).map(str::to_string);
    let status = match (&status_text, platform) {
        (Some(s), p) => Some(
            p.status(s)
                .map_or_else(|| format!("{} status `{s}`", p.as_str()), str::to_string),
        ),
        // Old n8n versions have no status: `finished` says whether it succeeded.
        (None, Platform::N8n) => match pick(&flat, &["finished"]) {
            Some("true") => Some("succeeded".into()),
            Some("false") if pick(&flat, f.finished).is_some() => Some("failed".into()),
            Some("false") => Some("running".into()),
            _ => None,
        },
        (None, _) => None,
    };
    let error = pick(&flat, f.error).map(|e| e.chars().take(200).collect::<String>());
    let failed = status.as_deref() == Some("failed");
    put("status", status);
    put("error_kind", if failed { error } else { None });
    // Everything else the platform said, under its own names.
    let used: Vec<String> = [f.id, f.workflow, f.trigger, f.started, f.finished, f.status]
        .iter()
        .flat_map(|ns| ns.iter().map(|n| norm(n)))
        .collect();
    let mut attrs = serde_json::Map::new();
    attrs.insert("platform".into(), Value::String(platform.as_str().into()));
    if let Some(s) = &status_text {
        attrs.insert("platform_status".into(), Value::String(s.clone()));
    }
    for (k, orig, v) in &flat {
        if !used.contains(k) && orig != "data.resultData.runData" && v.len() <= 1024 {
            attrs.insert(orig.clone(), Value::String(v.clone()));
        }
    }
    put("attributes", Some(Value::Object(attrs).to_string()));
    RawRecord {
        line,
        raw: raw.into(),
        fields,
        broken,
    }
}

/// Reads a workflow map: CSV `platform_workflow,workflow_id` with a header.
pub fn read_map(text: &str, name: &str) -> Result<HashMap<String, String>, ReadError> {
    let mut rd = csv::ReaderBuilder::new().from_reader(text.as_bytes());
    let mut out = HashMap::new();
    for (i, rec) in rd.records().enumerate() {
        let rec = rec.map_err(|e| ReadError(format!("{name}: line {}: {e}", i + 2)))?;
        let (Some(p), Some(w)) = (rec.get(0), rec.get(1)) else {
            return Err(ReadError(format!(
                "{name}: line {}: expected `platform_workflow,workflow_id`",
                i + 2
            )));
        };
        crate::model::check_slug(w.trim())
            .map_err(|e| ReadError(format!("{name}: line {}: workflow_id: {e}", i + 2)))?;
        out.insert(p.trim().to_string(), w.trim().to_string());
    }
    if out.is_empty() {
        return Err(ReadError(format!(
            "{name}: the workflow map is empty; write `platform_workflow,workflow_id` then one line per workflow"
        )));
    }
    Ok(out)
}

/// Reads a platform export (JSON: the API's list response, a bare array, or
/// NDJSON; or CSV with a header) into run records, handing each to `each`.
pub fn read(
    platform: Platform,
    bytes: &[u8],
    map: &HashMap<String, String>,
    map_name: &str,
    each: &mut impl FnMut(RawRecord<'_>),
) -> Result<(), ReadError> {
    let text = std::str::from_utf8(bytes).map_err(|e| {
        ReadError(format!(
            "the export is not valid UTF-8 (byte {})",
            e.valid_up_to()
        ))
    })?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let first = text.trim_start().chars().next();
    let mut emit = |line: u64, raw: String, v: Value| {
        let mut flat = Flat::new();
        flatten("", &v, &mut flat);
        each(to_record(platform, line, raw, flat, map, map_name));
    };
    match first {
        Some('[') => {
            let start = text.find('[').expect("found");
            walk_json_array(text, start, true, &mut emit)
        }
        Some('{') => {
            // The API's list response wraps the runs: find its list at the top level.
            match top_level_list(text, platform.fields().list_keys) {
                Some(start) => walk_json_array(text, start, false, &mut emit),
                None => {
                    // NDJSON: one run per line.
                    for (i, l) in text.lines().enumerate() {
                        if l.trim().is_empty() {
                            continue;
                        }
                        match serde_json::from_str::<Value>(l) {
                            Ok(v) => emit(i as u64 + 1, l.to_string(), v),
                            Err(e) => {
                                return Err(ReadError(format!(
                                    "line {}: not a JSON object and no list of runs ({}) at the top level: {e}",
                                    i + 1,
                                    platform.fields().list_keys.join(", ")
                                )))
                            }
                        }
                    }
                    Ok(())
                }
            }
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
                let flat: Flat = headers
                    .iter()
                    .zip(rec.iter())
                    .filter(|(_, v)| !v.trim().is_empty())
                    .map(|(h, v)| (norm(h), h.trim().to_string(), v.trim().to_string()))
                    .collect();
                let raw = rec.iter().collect::<Vec<_>>().join(",");
                each(to_record(platform, line, raw, flat, map, map_name));
            }
            Ok(())
        }
        None => Err(ReadError("the export is empty".into())),
    }
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
