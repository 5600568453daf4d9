//! Request ids and the Prometheus metrics at `GET /metrics`: requests by
//! method and status, a latency histogram, ingested and rejected rows by kind,
//! rejects by field, and the database's size on disk.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Instant;

use axum::extract::{Request, State};
use axum::http::{header, HeaderValue};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tracing::Instrument;

use super::AppState;

/// Upper bounds of the latency buckets, in seconds.
const BUCKETS: [f64; 12] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0,
];

#[derive(Default)]
struct Counters {
    requests: BTreeMap<(String, u16), u64>,
    latency_buckets: [u64; BUCKETS.len()],
    latency_count: u64,
    latency_sum: f64,
    rows: BTreeMap<(String, &'static str), u64>,
    rejects: BTreeMap<String, u64>,
}

static COUNTERS: Mutex<Option<Counters>> = Mutex::new(None);
static NEXT_REQUEST: AtomicU64 = AtomicU64::new(1);

fn with<T>(f: impl FnOnce(&mut Counters) -> T) -> Option<T> {
    let mut g = COUNTERS.lock().ok()?;
    Some(f(g.get_or_insert_with(Counters::default)))
}

/// Gives every request an id (the client's `x-request-id` if it sent a sane
/// one), logs the request inside a span that carries it, answers it in the
/// `x-request-id` header, and counts the request and its latency.
pub async fn request_id(req: Request, next: Next) -> Response {
    let id = req
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.is_empty() && v.len() <= 64 && v.bytes().all(|b| b.is_ascii_graphic()))
        .map(str::to_string)
        .unwrap_or_else(|| format!("r{:08}", NEXT_REQUEST.fetch_add(1, Ordering::Relaxed)));
    let method = req.method().to_string();
    let path = req.uri().path().to_string();
    let span = tracing::info_span!("request", request_id = %id, %method, %path);
    let t0 = Instant::now();
    let mut resp = next.run(req).instrument(span.clone()).await;
    let secs = t0.elapsed().as_secs_f64();
    let status = resp.status().as_u16();
    span.in_scope(|| tracing::info!(status, ms = secs * 1000.0, "answered"));
    with(|c| {
        *c.requests.entry((method, status)).or_default() += 1;
        for (i, b) in BUCKETS.iter().enumerate() {
            if secs <= *b {
                c.latency_buckets[i] += 1;
            }
        }
        c.latency_count += 1;
        c.latency_sum += secs;
    });
    if let Ok(v) = HeaderValue::from_str(&id) {
        resp.headers_mut().insert("x-request-id", v);
    }
    resp
}

/// Counts an ingest report's rows and rejects (by field), from the report
/// itself: its kind, its accepted and rejected rows, and the field of each
/// reject problem it lists (`(row)` for a problem of the whole row).
pub fn count_ingest(report: &crate::ingest::Report) {
    with(|c| c.count_ingest(report));
}

impl Counters {
    fn count_ingest(&mut self, report: &crate::ingest::Report) {
        let kind = report.kind.as_str().to_string();
        *self.rows.entry((kind.clone(), "accepted")).or_default() += report.accepted;
        *self.rows.entry((kind, "rejected")).or_default() += report.rejected;
        for r in &report.rejects {
            let field = r.field.as_deref().unwrap_or("(row)").to_string();
            *self.rejects.entry(field).or_default() += 1;
        }
    }
}

fn label(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// One metric family: its `# HELP` and `# TYPE` lines, then one line per
/// sample, the family's name followed by the sample (a suffix, labels and the
/// value, as in `{field="status"} 2`).
fn family(
    out: &mut String,
    name: &str,
    kind: &str,
    help: &str,
    samples: impl IntoIterator<Item = String>,
) {
    out.push_str(&format!("# HELP {name} {help}\n# TYPE {name} {kind}\n"));
    for sample in samples {
        out.push_str(&format!("{name}{sample}\n"));
    }
}

/// `GET /metrics`: Prometheus text format, version 0.0.4.
pub async fn metrics(State(st): State<AppState>) -> Response {
    let db_bytes: u64 = [
        st.store.path().to_string(),
        format!("{}.wal", st.store.path()),
    ]
    .iter()
    .filter_map(|p| std::fs::metadata(p).ok())
    .map(|m| m.len())
    .sum();
    let mut out = String::new();
    with(|c| {
        family(
            &mut out,
            "yardstick_http_requests_total",
            "counter",
            "HTTP requests answered.",
            c.requests
                .iter()
                .map(|((m, s), n)| format!("{{method=\"{}\",status=\"{s}\"}} {n}", label(m))),
        );
        let buckets = BUCKETS
            .iter()
            .zip(c.latency_buckets)
            .map(|(b, n)| format!("_bucket{{le=\"{b}\"}} {n}"));
        family(
            &mut out,
            "yardstick_http_request_duration_seconds",
            "histogram",
            "Time to answer a request.",
            buckets.chain([
                format!("_bucket{{le=\"+Inf\"}} {}", c.latency_count),
                format!("_sum {}", c.latency_sum),
                format!("_count {}", c.latency_count),
            ]),
        );
        family(
            &mut out,
            "yardstick_ingest_rows_total",
            "counter",
            "Rows read by HTTP ingests, by kind and outcome.",
            c.rows
                .iter()
                .map(|((k, o), n)| format!("{{kind=\"{}\",outcome=\"{o}\"}} {n}", label(k))),
        );
        family(
            &mut out,
            "yardstick_rejects_total",
            "counter",
            "Reject problems of HTTP ingests, by field.",
            c.rejects
                .iter()
                .map(|(f, n)| format!("{{field=\"{}\"}} {n}", label(f))),
        );
    });
    family(
        &mut out,
        "yardstick_db_bytes",
        "gauge",
        "Size of the database file and its write-ahead log.",
        [format!(" {db_bytes}")],
    );
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        out,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::{Format, ReadError, RejectLine, Report};
    use crate::model::Kind;

    #[test]
    fn an_ingest_is_counted_from_its_report() {
        let mut c = Counters::default();
        let mut r = Report::unreadable_from(Kind::Runs, Format::Csv, "t", &ReadError("x".into()));
        // A report that read nothing still names its kind, with zero rows.
        c.count_ingest(&r);
        assert_eq!(c.rows.get(&("runs".to_string(), "accepted")), Some(&0));
        assert_eq!(c.rows.get(&("runs".to_string(), "rejected")), Some(&0));
        r.accepted = 3;
        r.rejected = 2;
        let problem = |field: Option<&str>| RejectLine {
            line: 2,
            key: None,
            field: field.map(str::to_string),
            reason: "bad".into(),
        };
        r.rejects = vec![
            problem(Some("status")),
            problem(None),
            problem(Some("status")),
        ];
        c.count_ingest(&r);
        assert_eq!(c.rows[&("runs".to_string(), "accepted")], 3);
        assert_eq!(c.rows[&("runs".to_string(), "rejected")], 2);
        assert_eq!(c.rejects["status"], 2);
        assert_eq!(c.rejects["(row)"], 1);
    }
}
