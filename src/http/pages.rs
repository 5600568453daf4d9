//! The HTML front page at `/`: the dashboards, then the metric table of a
//! period, rendered on the server from the same metric table as the JSON and
//! CSV API.

use axum::extract::{Query, State};
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;

use super::{blocking, html_error, ApiError, AppState};
use crate::metrics::{MetricRow, MetricTable};
use crate::model::format_timestamp;
use crate::report;

#[derive(Deserialize, schemars::JsonSchema)]
pub(super) struct OverviewQuery {
    /// The metric table's period start (a date); with `to`, or neither: every run.
    from: Option<String>,
    /// The period's end, exclusive.
    to: Option<String>,
}

pub(super) async fn overview(
    State(st): State<AppState>,
    Query(q): Query<OverviewQuery>,
) -> Response {
    let from = q.from.filter(|s| !s.is_empty());
    let to = q.to.filter(|s| !s.is_empty());
    let st_dashboards = st.dashboards.clone();
    let result = blocking(move || {
        let period = report::resolve_period(st.engine.as_ref(), from.as_deref(), to.as_deref())?;
        match period {
            Some(p) => Ok(Some(report::metric_table(st.engine.as_ref(), p, &[])?)),
            None => Ok(None),
        }
    })
    .await;
    match result {
        Ok(table) => Html(crate::dashboard::page::index(
            &st_dashboards,
            &render(table.as_ref()),
        ))
        .into_response(),
        Err(e) => html_error(&e),
    }
}

pub(crate) use crate::dashboard::page::escape;

pub(super) fn num(v: Option<f64>, digits: usize) -> String {
    v.map_or_else(|| "–".to_string(), |x| format!("{x:.digits$}"))
}

fn pct(v: Option<f64>) -> String {
    v.map_or_else(|| "–".to_string(), |x| format!("{:.1}%", x * 100.0))
}

/// The head of the metric table's HTML, whose cells [`row_html`] fills.
pub(super) const METRIC_HEAD: &str = "<thead><tr><th>Workflow</th><th>Runs</th><th>Error rate</th>\
     <th>Escalation rate</th><th>Leaked</th><th>Cycle p50 (min)</th><th>Cycle p90 (min)</th>\
     <th>Response p50 (min)</th><th>Response SLA</th><th>Cycle SLA</th>\
     <th>Baseline (min/item)</th><th>Reclaimed hours</th><th>Reclaimed money</th></tr></thead>";

/// One metric row as the cells of [`METRIC_HEAD`].
pub(super) fn row_html(r: &MetricRow) -> String {
    let terminal = crate::metrics::rates::Terminal::of([r]).n();
    format!(
        "<tr><td>{id}</td><td>{runs}</td><td title=\"of {terminal} terminal runs\">{err}</td>\
         <td title=\"of {terminal} terminal runs\">{esc}</td><td>{leaked}</td>\
         <td title=\"n = {ctn}\">{p50}</td><td title=\"n = {ctn}\">{p90}</td>\
         <td title=\"n = {rn}\">{rp50}</td><td>{slar}</td><td>{slac}</td>\
         <td>{b}</td><td>{hours}</td><td>{money} {cur}</td></tr>",
        id = escape(&r.workflow_id),
        runs = r.runs,
        err = pct(r.error_rate),
        esc = pct(r.escalation_rate),
        leaked = r.leaked,
        ctn = r.cycle_time_n,
        p50 = num(r.cycle_time_p50_min, 1),
        p90 = num(r.cycle_time_p90_min, 1),
        rn = r.response_n,
        rp50 = num(r.response_p50_min, 1),
        slar = pct(r.sla_response_compliance),
        slac = pct(r.sla_cycle_compliance),
        b = num(r.baseline_minutes_per_item, 1),
        hours = num(r.reclaimed_hours, 1),
        money = num(r.reclaimed_money, 0),
        cur = escape(r.currency.as_deref().unwrap_or("")),
    )
}

fn render(table: Option<&MetricTable>) -> String {
    let body = match table {
        None => "<p class=\"empty\">No runs are stored yet. Ingest a catalogue and runs: \
                 <code>yardstick ingest workflows workflows.csv</code>, then \
                 <code>yardstick ingest runs runs.csv</code>.</p>"
            .to_string(),
        Some(t) => match t.rows() {
            Err(e) => format!("<p>{}</p>", escape(ApiError::internal(e).detail())),
            Ok(rows) => {
                let from = t.period.from.format("%Y-%m-%d").to_string();
                let to = t.period.to.format("%Y-%m-%d").to_string();
                let q = format!(
                    "from={}&amp;to={}",
                    escape(&format_timestamp(t.period.from)),
                    escape(&format_timestamp(t.period.to))
                );
                let trs: String = rows.iter().map(row_html).collect();
                format!(
                    "<form method=\"get\"><label>From <input type=\"date\" name=\"from\" value=\"{from}\"></label> \
                     <label>To (exclusive) <input type=\"date\" name=\"to\" value=\"{to}\"></label> \
                     <button>Show</button></form>\
                     <p>Period [{pf}, {pt}), {n} workflows. \
                     Download: <a href=\"/api/v1/metrics?{q}&amp;format=csv\">CSV</a> · \
                     <a href=\"/api/v1/metrics?{q}\">JSON</a>. \
                     For the same period: <a href=\"/api/v1/summary?{q}\">summary against the previous period</a> · \
                     <a href=\"/api/v1/compare?{q}&amp;format=csv\">before/after with intervals (CSV)</a> · \
                     <a href=\"/api/v1/portfolio?{q}\">portfolio</a> · \
                     <a href=\"/api/v1/trend?{q}&amp;granularity=week&amp;format=csv\">weekly trend (CSV)</a>. \
                     Also: <a href=\"/api/v1/alerts\">regression alerts</a> · \
                     <a href=\"/api/v1/backlog\">what to automate next</a>.</p>\
                     <div class=\"scroll\"><table>{METRIC_HEAD}<tbody>{trs}</tbody></table></div>",
                    pf = escape(&format_timestamp(t.period.from)),
                    pt = escape(&format_timestamp(t.period.to)),
                    n = rows.len(),
                )
            }
        },
    };
    format!(
        "<h2>All workflows</h2><section class=\"panel\">{body}<p class=\"foot\">Definitions: error rate = failed / (succeeded + failed + escalated); \
         cycle time = finished_at − coalesce(trigger_at, started_at) over succeeded and escalated runs, \
         p50/p90 by linear interpolation; reclaimed hours = Σ (baseline minutes − human minutes) / 60 \
         over terminal runs since go-live. Hover a figure for its n. \
         API: <a href=\"/api/v1/workflows\">/api/v1/workflows</a>, \
         <a href=\"/api/v1/rejects\">/api/v1/rejects</a>; every route, its parameters, answers and roles: \
         <a href=\"/api/v1/openapi.json\">the OpenAPI document</a>.</p></section>"
    )
}

/// `GET /definitions`: the README's metric definitions, each row with an
/// anchor per field (`/definitions#error_rate`), the target of every
/// provenance card's link.
pub(super) async fn definitions(State(st): State<AppState>) -> Response {
    let rows: String = crate::metrics::definitions::all()
        .iter()
        .map(|d| {
            let names: String = d
                .fields
                .iter()
                .map(|f| format!("<code id=\"{f}\">{f}</code> ", f = escape(f)))
                .collect();
            format!(
                "<tr><td>{names}</td><td>{}</td></tr>",
                inline_markdown(&d.text)
            )
        })
        .collect();
    let body = format!(
        "<h1>Metric definitions</h1><section class=\"panel\"><p>As the README states them \
         (section “Metric definitions”); every figure's provenance card links here.</p>\
         <div class=\"scroll\"><table><thead><tr><th>Field</th><th>Definition</th></tr></thead>\
         <tbody>{rows}</tbody></table></div></section>"
    );
    Html(crate::dashboard::page::shell(
        "Metric definitions",
        "",
        &st.dashboards,
        &body,
    ))
    .into_response()
}

/// The README's inline Markdown as HTML: `code`, **bold**, and a link's
/// text (links point into the README).
fn inline_markdown(text: &str) -> String {
    let escaped = escape(text);
    let mut out = String::new();
    let mut code = false;
    let mut bold = false;
    let mut rest = escaped.as_str();
    while let Some(c) = rest.chars().next() {
        if rest.starts_with("**") {
            out.push_str(if bold { "</strong>" } else { "<strong>" });
            bold = !bold;
            rest = &rest[2..];
        } else if c == '`' {
            out.push_str(if code { "</code>" } else { "<code>" });
            code = !code;
            rest = &rest[1..];
        } else if c == '[' && !code {
            // [text](target) → text
            match (rest.find("]("), rest.find(')')) {
                (Some(m), Some(e)) if m < e => {
                    out.push_str(&rest[1..m]);
                    rest = &rest[e + 1..];
                }
                _ => {
                    out.push(c);
                    rest = &rest[1..];
                }
            }
        } else {
            out.push(c);
            rest = &rest[c.len_utf8()..];
        }
    }
    out
}
