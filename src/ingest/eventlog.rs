//! Process-mining event logs — XES (IEEE 1849; plain or gzip) and its CSV
//! form — turned into runs and steps.
//!
//! Each case becomes one run: `run_id` = the case id, `trigger_at` =
//! `started_at` = its earliest event, `finished_at` = its latest event, status
//! `succeeded` unless an activity pattern maps it otherwise. Start/complete
//! lifecycle pairs are matched first-in-first-out per activity within the case
//! into steps; `human_minutes` is the sum of the steps of human resources.
//!
//! XES is read as a stream, one trace at a time: memory holds the case being
//! read, never the file. A CSV log may interleave its cases, so its events are
//! grouped by case until the end of the file. No entity of a DTD is expanded.

use std::borrow::Cow;
use std::collections::{HashMap, VecDeque};
use std::io::{BufReader, Read};

use chrono::NaiveDateTime;
use quick_xml::events::{BytesStart, Event};

use super::read::ReadError;
use crate::model::{parse_timestamp, Problem, Reject, Run, Status, Step};

/// The longest text of one attribute value.
const MAX_VALUE: usize = 64 * 1024;
/// The most events one case may have.
const MAX_EVENTS_PER_CASE: usize = 1_000_000;

/// An event log's container format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum LogFormat {
    Xes,
    XesGz,
    Csv,
}

impl LogFormat {
    /// From a file name: `.xes`, `.xes.gz`, `.csv`.
    pub fn from_path(p: &str) -> Option<LogFormat> {
        let l = p.to_ascii_lowercase();
        if l.ends_with(".xes.gz") {
            Some(LogFormat::XesGz)
        } else if l.ends_with(".xes") {
            Some(LogFormat::Xes)
        } else if l.ends_with(".csv") {
            Some(LogFormat::Csv)
        } else {
            None
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            LogFormat::Xes => "xes",
            LogFormat::XesGz => "xes.gz",
            LogFormat::Csv => "csv",
        }
    }
}

/// A case-insensitive pattern with `*` (any text) and `?` (one character).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pattern(Vec<char>);

impl Pattern {
    pub fn new(p: &str) -> Pattern {
        Pattern(p.to_lowercase().chars().collect())
    }

    pub fn matches(&self, text: &str) -> bool {
        let t: Vec<char> = text.to_lowercase().chars().collect();
        let p = &self.0;
        let (mut i, mut j, mut star, mut mark) = (0usize, 0usize, None::<usize>, 0usize);
        while i < t.len() {
            if j < p.len() && (p[j] == '?' || p[j] == t[i]) {
                i += 1;
                j += 1;
            } else if j < p.len() && p[j] == '*' {
                star = Some(j);
                mark = i;
                j += 1;
            } else if let Some(s) = star {
                j = s + 1;
                mark += 1;
                i = mark;
            } else {
                return false;
            }
        }
        while j < p.len() && p[j] == '*' {
            j += 1;
        }
        j == p.len()
    }
}

fn any(patterns: &[Pattern], text: &str) -> bool {
    patterns.iter().any(|p| p.matches(text))
}

/// The columns of a CSV event log; XES attribute names by default.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Columns {
    pub case: String,
    pub activity: String,
    pub timestamp: String,
    pub lifecycle: String,
    pub resource: String,
}

impl Default for Columns {
    fn default() -> Self {
        Columns {
            case: "case:concept:name".into(),
            activity: "concept:name".into(),
            timestamp: "time:timestamp".into(),
            lifecycle: "lifecycle:transition".into(),
            resource: "org:resource".into(),
        }
    }
}

/// How to turn a log into runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogOptions {
    pub workflow_id: String,
    pub source: String,
    pub columns: Columns,
    pub failed: Vec<Pattern>,
    pub escalated: Vec<Pattern>,
    pub cancelled: Vec<Pattern>,
    pub response: Vec<Pattern>,
    /// Resources whose steps count as human effort; empty means all.
    pub human: Vec<Pattern>,
}

impl LogOptions {
    pub fn new(workflow_id: &str, source: &str) -> LogOptions {
        LogOptions {
            workflow_id: workflow_id.into(),
            source: source.into(),
            columns: Columns::default(),
            failed: Vec::new(),
            escalated: Vec::new(),
            cancelled: Vec::new(),
            response: Vec::new(),
            human: Vec::new(),
        }
    }
}

/// One event as read.
#[derive(Debug, Clone, Default)]
struct RawEvent {
    line: u64,
    activity: Option<String>,
    timestamp: Option<String>,
    lifecycle: Option<String>,
    resource: Option<String>,
}

/// A case being read: its attributes and events.
#[derive(Debug, Default)]
struct Case {
    id: Option<String>,
    line: u64,
    attributes: serde_json::Map<String, serde_json::Value>,
    events: Vec<RawEvent>,
}

/// What a log gave.
#[derive(Debug, Default)]
pub struct Parsed {
    pub events_read: u64,
    pub events_accepted: u64,
    pub runs: Vec<Run>,
    pub steps: Vec<Step>,
    pub rejects: Vec<Reject>,
    pub warnings: Vec<String>,
}

/// Reads a whole log from `input`.
pub fn parse(input: impl Read, format: LogFormat, opts: &LogOptions) -> Result<Parsed, ReadError> {
    let mut out = Parsed::default();
    match format {
        LogFormat::Xes => parse_xes(BufReader::new(LineCounter::new(input)), opts, &mut out)?,
        LogFormat::XesGz => parse_xes(
            BufReader::new(LineCounter::new(flate2::read::MultiGzDecoder::new(input))),
            opts,
            &mut out,
        )?,
        LogFormat::Csv => parse_csv(input, opts, &mut out)?,
    }
    Ok(out)
}

/// Counts the lines of what passes through, so a byte offset can be named by
/// its line. Keeps the newline offsets of the last 256 KiB only.
struct LineCounter<R> {
    inner: R,
    offset: u64,
    /// (offset of a newline) for recent bytes; lines before them are counted.
    recent: VecDeque<u64>,
    forgotten_lines: u64,
}

impl<R: Read> LineCounter<R> {
    fn new(inner: R) -> Self {
        LineCounter {
            inner,
            offset: 0,
            recent: VecDeque::new(),
            forgotten_lines: 0,
        }
    }
}

impl<R: Read> Read for LineCounter<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        for i in memchr::memchr_iter(b'\n', &buf[..n]) {
            self.recent.push_back(self.offset + i as u64);
        }
        self.offset += n as u64;
        while self
            .recent
            .front()
            .is_some_and(|&o| o + 256 * 1024 < self.offset)
        {
            self.recent.pop_front();
            self.forgotten_lines += 1;
        }
        Ok(n)
    }
}

impl<R> LineCounter<R> {
    /// The 1-based line of a byte offset still in the window.
    fn line_of(&self, offset: u64) -> u64 {
        let before = self.recent.partition_point(|&o| o < offset) as u64;
        self.forgotten_lines + before + 1
    }
}

/// An XES attribute element's `key` and `value`, either possibly missing.
type KeyValue<'a> = (Option<Cow<'a, str>>, Option<Cow<'a, str>>);

/// The `key` and `value` of an XES attribute element, in one pass over its
/// attributes that stops when both are found, borrowed unless normalisation
/// changes them.
fn key_value<'a>(e: &'a BytesStart<'_>) -> Result<KeyValue<'a>, String> {
    let (mut key, mut value) = (None, None);
    for a in e.attributes() {
        let a = a.map_err(|err| err.to_string())?;
        let slot = match a.key.as_ref() {
            "key" if key.is_none() => &mut key,
            "value" if value.is_none() => &mut value,
            _ => continue,
        };
        // Borrowed unless normalisation changes something (a reference, a tab or a line break).
        let v = a
            .normalized_value(quick_xml::XmlVersion::Implicit1_0)
            .map_err(|err| err.to_string())?;
        if v.len() > MAX_VALUE {
            return Err(format!(
                "an attribute value is longer than {MAX_VALUE} bytes"
            ));
        }
        *slot = Some(v);
        if key.is_some() && value.is_some() {
            break;
        }
    }
    Ok((key, value))
}

fn parse_xes<R: Read>(
    input: BufReader<LineCounter<R>>,
    opts: &LogOptions,
    out: &mut Parsed,
) -> Result<(), ReadError> {
    let mut reader = quick_xml::Reader::from_reader(input);
    reader.config_mut().expand_empty_elements = false;
    let mut buf = Vec::new();
    // Where we are: log, trace, event; and how deep inside a nested attribute.
    let mut in_log = false;
    let mut case: Option<Case> = None;
    let mut event: Option<RawEvent> = None;
    let mut nested = 0usize;
    let mut saw_log = false;
    let mut orphan_events = 0u64;
    loop {
        let pos = reader.buffer_position();
        let ev = reader.read_event_into(&mut buf).map_err(|e| {
            let line = reader.get_ref().get_ref().line_of(reader.error_position());
            ReadError(format!("line {line}: not well-formed XES: {e}"))
        })?;
        let line = || reader.get_ref().get_ref().line_of(pos);
        match ev {
            Event::Eof => break,
            Event::DocType(_) => {
                return Err(ReadError(format!(
                    "line {}: a DOCTYPE is not allowed in XES (entities are never expanded)",
                    line()
                )))
            }
            Event::Start(ref e) | Event::Empty(ref e) => {
                let is_empty = matches!(ev, Event::Empty(_));
                let name = e.local_name();
                let name = name.as_ref();
                if nested > 0 {
                    if !is_empty {
                        nested += 1;
                    }
                } else if name == "log" {
                    in_log = true;
                    saw_log = true;
                } else if name == "trace" && in_log && case.is_none() {
                    case = Some(Case {
                        line: line(),
                        ..Case::default()
                    });
                    if is_empty {
                        let c = case.take().expect("just set");
                        finish_case(c, opts, out);
                    }
                } else if name == "event" && event.is_none() {
                    if case.is_none() {
                        orphan_events += 1;
                    }
                    event = Some(RawEvent {
                        line: line(),
                        ..RawEvent::default()
                    });
                    if is_empty {
                        push_event(&mut case, event.take().expect("just set"), out);
                    }
                } else if matches!(
                    name,
                    "string" | "date" | "int" | "float" | "boolean" | "id" | "list" | "container"
                ) {
                    let (key, value) =
                        key_value(e).map_err(|m| ReadError(format!("line {}: {m}", line())))?;
                    if let (Some(k), Some(v)) = (key, value) {
                        if let Some(ev) = event.as_mut() {
                            let v = || Some(v.into_owned());
                            match &*k {
                                "concept:name" => ev.activity = v(),
                                "time:timestamp" => ev.timestamp = v(),
                                "lifecycle:transition" => ev.lifecycle = v(),
                                "org:resource" => ev.resource = v(),
                                _ => {}
                            }
                        } else if let Some(c) = case.as_mut() {
                            if k == "concept:name" {
                                c.id = Some(v.into_owned());
                            } else {
                                c.attributes.insert(
                                    k.into_owned(),
                                    serde_json::Value::String(v.into_owned()),
                                );
                            }
                        }
                    }
                    if !is_empty {
                        nested += 1;
                    }
                } else if !is_empty && (case.is_some() || event.is_some()) {
                    // An element XES does not define, inside a trace: skip its content.
                    nested += 1;
                }
            }
            Event::End(ref e) => {
                if nested > 0 {
                    nested -= 1;
                    continue;
                }
                match e.local_name().as_ref() {
                    "event" => {
                        if let Some(ev) = event.take() {
                            push_event(&mut case, ev, out);
                        }
                    }
                    "trace" => {
                        if let Some(c) = case.take() {
                            finish_case(c, opts, out);
                        }
                    }
                    "log" => in_log = false,
                    _ => {}
                }
            }
            _ => {}
        }
        buf.clear();
    }
    if !saw_log {
        return Err(ReadError(
            "not an XES log: no <log> element (is this the right file?)".into(),
        ));
    }
    if case.is_some() || event.is_some() || in_log {
        return Err(ReadError(
            "the XES file ends before its closing </log>: it is truncated, so nothing was stored"
                .into(),
        ));
    }
    if orphan_events > 0 {
        out.warnings.push(format!(
            "{orphan_events} event(s) outside any trace were skipped: XES events belong to traces"
        ));
    }
    Ok(())
}

fn push_event(case: &mut Option<Case>, ev: RawEvent, out: &mut Parsed) {
    match case.as_mut() {
        Some(c) => add_event(c, ev, out),
        None => {
            out.events_read += 1;
            super::PROGRESS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        }
    }
}

fn add_event(c: &mut Case, ev: RawEvent, out: &mut Parsed) {
    out.events_read += 1;
    super::PROGRESS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    if c.events.len() < MAX_EVENTS_PER_CASE {
        c.events.push(ev);
    } else {
        out.rejects.push(Reject {
            line: ev.line,
            key: c.id.clone(),
            raw: String::new(),
            problems: vec![Problem {
                field: None,
                reason: format!("the case has more than {MAX_EVENTS_PER_CASE} events"),
            }],
        });
    }
}

/// A timestamp of an event log: RFC 3339 (XES), or `YYYY-MM-DD HH:MM:SS[.f][+hh:mm]`
/// as CSV exports of process-mining tools write it; without an offset, UTC.
fn event_time(s: &str) -> Result<NaiveDateTime, String> {
    parse_timestamp(s).or_else(|e| {
        chrono::DateTime::parse_from_str(s.trim(), "%Y-%m-%d %H:%M:%S%.f%:z")
            .map(|d| d.naive_utc())
            .map_err(|_| e)
    })
}

fn parse_csv(input: impl Read, opts: &LogOptions, out: &mut Parsed) -> Result<(), ReadError> {
    let mut rd = csv::ReaderBuilder::new().flexible(false).from_reader(input);
    let headers = rd
        .headers()
        .map_err(|e| ReadError(format!("line 1: cannot read the header: {e}")))?
        .clone();
    let col = |name: &str| headers.iter().position(|h| h.trim() == name);
    let c = &opts.columns;
    let need = |name: &str, flag: &str| {
        col(name).ok_or_else(|| {
            ReadError(format!(
                "line 1: no column `{name}`; the columns are: {}; name yours with {flag}",
                headers.iter().collect::<Vec<_>>().join(", ")
            ))
        })
    };
    let case_i = need(&c.case, "--case-column")?;
    let act_i = need(&c.activity, "--activity-column")?;
    let ts_i = need(&c.timestamp, "--timestamp-column")?;
    let life_i = col(&c.lifecycle);
    let res_i = col(&c.resource);
    let case_attr: Vec<(usize, String)> = headers
        .iter()
        .enumerate()
        .filter(|(i, h)| *i != case_i && h.starts_with("case:"))
        .map(|(i, h)| (i, h.trim_start_matches("case:").to_string()))
        .collect();
    let mut order: Vec<String> = Vec::new();
    let mut cases: HashMap<String, Case> = HashMap::new();
    let mut rec = csv::StringRecord::new();
    loop {
        let more = rd.read_record(&mut rec).map_err(|e| {
            ReadError(format!(
                "line {}: {e}",
                e.position().map_or(0, |p| p.line())
            ))
        })?;
        if !more {
            break;
        }
        let line = rec.position().map_or(0, |p| p.line());
        let get = |i: usize| {
            rec.get(i)
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
        };
        let Some(id) = get(case_i) else {
            out.events_read += 1;
            super::PROGRESS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            out.rejects.push(Reject {
                line,
                key: None,
                raw: rec.iter().collect::<Vec<_>>().join(","),
                problems: vec![Problem {
                    field: Some(c.case.clone()),
                    reason: "the case id is empty".into(),
                }],
            });
            continue;
        };
        let case = cases.entry(id.clone()).or_insert_with(|| {
            order.push(id.clone());
            Case {
                id: Some(id.clone()),
                line,
                ..Case::default()
            }
        });
        for (i, name) in &case_attr {
            if let Some(v) = get(*i) {
                case.attributes
                    .entry(name.clone())
                    .or_insert(serde_json::Value::String(v));
            }
        }
        let ev = RawEvent {
            line,
            activity: get(act_i),
            timestamp: get(ts_i),
            lifecycle: life_i.and_then(get),
            resource: res_i.and_then(get),
        };
        add_event(case, ev, out);
    }
    for id in order {
        if let Some(c) = cases.remove(&id) {
            finish_case(c, opts, out);
        }
    }
    Ok(())
}

/// Turns a complete case into a run and its steps, rejecting events without a
/// readable timestamp (and the case, when no event has one).
fn finish_case(c: Case, opts: &LogOptions, out: &mut Parsed) {
    let reject = |line: u64, key: Option<String>, field: &str, reason: String| Reject {
        line,
        key,
        raw: String::new(),
        problems: vec![Problem {
            field: Some(field.to_string()),
            reason,
        }],
    };
    let Some(id) = c.id.clone().filter(|s| !s.trim().is_empty()) else {
        out.rejects.push(reject(
            c.line,
            None,
            "concept:name",
            format!(
                "the trace has no case id (a `concept:name` attribute); its {} event(s) are not imported",
                c.events.len()
            ),
        ));
        return;
    };
    let mut events: Vec<(NaiveDateTime, RawEvent)> = Vec::with_capacity(c.events.len());
    for ev in c.events {
        match ev.timestamp.as_deref().map(event_time) {
            Some(Ok(t)) => events.push((t, ev)),
            Some(Err(e)) => {
                out.rejects
                    .push(reject(ev.line, Some(id.clone()), "time:timestamp", e))
            }
            None => out.rejects.push(reject(
                ev.line,
                Some(id.clone()),
                "time:timestamp",
                "the event has no timestamp, so it cannot be placed in time".into(),
            )),
        }
    }
    if events.is_empty() {
        out.rejects.push(reject(
            c.line,
            Some(id),
            "time:timestamp",
            "no event of the case has a timestamp: the case cannot become a run".into(),
        ));
        return;
    }
    out.events_accepted += events.len() as u64;
    // Events may be out of order in the file; a stable sort keeps ties in file order.
    events.sort_by_key(|(t, _)| *t);
    let first = events.first().expect("not empty").0;
    let last = events.last().expect("not empty").0;
    fn activity(e: &RawEvent) -> &str {
        e.activity.as_deref().unwrap_or("")
    }
    let hit = |p: &[Pattern]| events.iter().any(|(_, e)| any(p, activity(e)));
    let status = if hit(&opts.failed) {
        Status::Failed
    } else if hit(&opts.escalated) {
        Status::Escalated
    } else if hit(&opts.cancelled) {
        Status::Cancelled
    } else {
        Status::Succeeded
    };
    let error_kind = match status {
        Status::Failed => events
            .iter()
            .find(|(_, e)| any(&opts.failed, activity(e)))
            .map(|(_, e)| activity(e).to_string()),
        _ => None,
    };
    let first_response_at = events
        .iter()
        .find(|(_, e)| any(&opts.response, activity(e)))
        .map(|(t, _)| *t);
    // Start/complete pairs, first in first out per activity. A complete
    // without a start is an instant of the case's interval view.
    let mut open: HashMap<&str, VecDeque<(NaiveDateTime, Option<&String>)>> = HashMap::new();
    let mut steps = Vec::new();
    let mut intervals: Vec<(NaiveDateTime, NaiveDateTime)> = Vec::new();
    for (t, e) in &events {
        let life = e.lifecycle.as_deref().unwrap_or("complete");
        if life.eq_ignore_ascii_case("start") {
            open.entry(activity(e))
                .or_default()
                .push_back((*t, e.resource.as_ref()));
        } else if life.eq_ignore_ascii_case("complete") {
            let pair = open.get_mut(activity(e)).and_then(VecDeque::pop_front);
            intervals.push((pair.as_ref().map_or(*t, |p| p.0), *t));
            if let Some((s, res)) = pair {
                steps.push(Step {
                    source: opts.source.clone(),
                    run_id: id.clone(),
                    seq: 0,
                    step: activity(e).to_string(),
                    started_at: s,
                    finished_at: *t,
                    actor: None,
                    resource: e.resource.as_ref().or(res).cloned(),
                });
            }
        }
    }
    // Steps in order of their start (ties: their completion), numbered from 1;
    // a step is human work when its resource is one of the human ones.
    steps.sort_by_key(|s| (s.started_at, s.finished_at));
    for (i, s) in steps.iter_mut().enumerate() {
        s.seq = i as i64 + 1;
        let human =
            opts.human.is_empty() || s.resource.as_deref().is_some_and(|r| any(&opts.human, r));
        s.actor = Some(if human { "human" } else { "system" }.to_string());
    }
    let human_minutes = (!steps.is_empty()).then(|| {
        steps
            .iter()
            .filter(|s| s.actor.as_deref() == Some("human"))
            .map(|s| minutes(s.finished_at - s.started_at))
            .sum::<f64>()
    });
    let mut attributes = c.attributes;
    attributes.insert("events".into(), serde_json::Value::from(events.len()));
    // The interval view of every case, as pm4py has it: a case without start
    // events has no measured work, and the time between its events is wait.
    let (work, wait) = work_and_wait(&steps, &mut intervals);
    attributes.insert("work_minutes".into(), serde_json::Value::from(work));
    attributes.insert("wait_minutes".into(), serde_json::Value::from(wait));
    out.runs.push(Run {
        source: opts.source.clone(),
        run_id: id,
        workflow_id: opts.workflow_id.clone(),
        trigger_at: Some(first),
        started_at: first,
        first_response_at,
        finished_at: Some(last),
        status,
        error_kind,
        human_minutes,
        attributes: Some(serde_json::Value::Object(attributes).to_string()),
        // An event log names no automation version.
        version: None,
    });
    out.steps.extend(steps);
}

fn minutes(d: chrono::TimeDelta) -> f64 {
    d.num_microseconds().unwrap_or(0) as f64 / 60e6
}

/// Work and wait of a case in minutes, from its interval view (the steps and
/// the instants of completes without a start; schedule events are not work):
/// work = Σ step durations; wait = the time between the first interval's
/// start and the last one's end during which no interval is open (pm4py's
/// lead time minus cycle time of the interval log).
fn work_and_wait(steps: &[Step], intervals: &mut [(NaiveDateTime, NaiveDateTime)]) -> (f64, f64) {
    let work: f64 = steps
        .iter()
        .map(|s| minutes(s.finished_at - s.started_at))
        .sum();
    intervals.sort();
    let mut wait = 0.0;
    let mut reach: Option<NaiveDateTime> = None;
    for (s, e) in intervals.iter() {
        if let Some(r) = reach {
            if *s > r {
                wait += minutes(*s - r);
            }
        }
        reach = Some(reach.map_or(*e, |r| r.max(*e)));
    }
    (work, wait)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_match_like_globs_ignoring_case() {
        assert!(Pattern::new("A_DECLINED*").matches("a_declined"));
        assert!(Pattern::new("*cancel*").matches("A_CANCELLED"));
        assert!(Pattern::new("W_?ompleteren*").matches("W_Completeren aanvraag"));
        assert!(!Pattern::new("A_APPROVED").matches("A_APPROVED_X"));
        assert!(Pattern::new("*").matches(""));
    }

    #[test]
    fn line_counter_names_lines_of_offsets() {
        let mut lc = LineCounter::new(&b"a\nbb\nccc\n"[..]);
        let mut buf = Vec::new();
        lc.read_to_end(&mut buf).unwrap();
        assert_eq!(lc.line_of(0), 1);
        assert_eq!(lc.line_of(2), 2);
        assert_eq!(lc.line_of(5), 3);
    }
}
