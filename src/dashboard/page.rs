//! Server-rendered dashboard pages: plain HTML, charts as inline SVG, filters
//! as a plain form. No JavaScript: the page works, prints and reads the same
//! everywhere.

use super::chart::{self, ChartKind};
use super::export;
use super::source::{Cell, PanelTable};
use super::{Computed, Dashboard, Panel};
use crate::metrics::provenance::Provenance;
use crate::model::format_timestamp;

/// Inline charts are drawn at about the size they are shown in a half-width
/// panel, so their text reads at the page's size; phones get a narrower
/// drawing (chosen by CSS, no script) instead of a shrunken wide one.
const PAGE_CHART: (u32, u32) = (600, 320);
const PHONE_CHART: (u32, u32) = (360, 300);

/// Escapes text for HTML.
pub fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Prose for the page: escaped, with each `code` span (between backticks,
/// as the notes and reasons write column names and commands) set as code.
/// An unpaired backtick stays as it is.
pub fn prose(s: &str) -> String {
    let mut parts = s.split('`').collect::<Vec<_>>();
    let tail = if parts.len() % 2 == 0 {
        parts.pop().map(|t| format!("`{}", escape(t)))
    } else {
        None
    };
    let mut out = String::with_capacity(s.len() + 16);
    for (i, part) in parts.iter().enumerate() {
        if i % 2 == 1 {
            out.push_str(&format!("<code>{}</code>", escape(part)));
        } else {
            out.push_str(&escape(part));
        }
    }
    out.extend(tail);
    out
}

/// The head, the navigation and the shell around a page body.
pub fn shell(title: &str, body_attrs: &str, nav: &[Dashboard], body: &str) -> String {
    let links: String = nav
        .iter()
        .map(|d| {
            format!(
                "<a href=\"/dashboards/{n}\">{t}</a>",
                n = escape(&d.name),
                t = escape(&d.title)
            )
        })
        .collect::<Vec<_>>()
        .join(" ");
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <link rel=\"icon\" href=\"data:,\">\
         <title>{title} — Yardstick</title><style>{CSS}</style></head><body{body_attrs}>\
         <nav><a class=\"home\" href=\"/\">Yardstick</a> {links}</nav><main>{body}</main></body></html>",
        title = escape(title),
    )
}

/// `/`: the dashboards, each with its description.
pub fn index(dashboards: &[Dashboard], extra: &str) -> String {
    let cards: String = dashboards
        .iter()
        .map(|d| {
            format!(
                "<li><a class=\"dashboard-link\" href=\"/dashboards/{n}\">{t}</a><p>{desc}</p></li>",
                n = escape(&d.name),
                t = escape(&d.title),
                desc = escape(&d.description)
            )
        })
        .collect();
    let body = format!(
        "<h1>Yardstick</h1><p class=\"lead\">What each automation gives back: hours, money, errors \
         and response, before and after, with honest intervals.</p>\
         <h2>Dashboards</h2><ul class=\"cards\">{cards}</ul>{extra}"
    );
    shell("Dashboards", "", dashboards, &body)
}

fn date_value(v: Option<&str>, fallback: Option<chrono::NaiveDateTime>) -> String {
    match v {
        Some(s) => s.get(..10).unwrap_or(s).to_string(),
        None => fallback.map_or(String::new(), |t| t.date().to_string()),
    }
}

fn form(c: &Computed) -> String {
    use super::spec::Filter;
    let d = &c.dashboard;
    let f = &c.filters;
    let period = c.scope.as_ref().map(|s| s.period);
    let mut fields = String::new();
    for filter in &d.filters {
        match filter {
            Filter::From => fields.push_str(&format!(
                "<label>From <input type=\"date\" name=\"from\" value=\"{}\"></label>",
                escape(&date_value(f.from.as_deref(), period.map(|p| p.from)))
            )),
            Filter::To => fields.push_str(&format!(
                "<label>To (exclusive) <input type=\"date\" name=\"to\" value=\"{}\"></label>",
                escape(&date_value(f.to.as_deref(), period.map(|p| p.to)))
            )),
            Filter::Team => {
                let opts: String = c
                    .teams
                    .iter()
                    .map(|t| {
                        let sel = if f.team.as_deref() == Some(t) {
                            " selected"
                        } else {
                            ""
                        };
                        format!("<option{sel}>{}</option>", escape(t))
                    })
                    .collect();
                fields.push_str(&format!(
                    "<label>Team <select name=\"team\"><option value=\"\">All teams</option>{opts}</select></label>"
                ));
            }
            Filter::Workflow => {
                let opts: String = c
                    .workflow_ids
                    .iter()
                    .map(|w| {
                        let sel = if f.workflow.as_deref() == Some(w) {
                            " selected"
                        } else {
                            ""
                        };
                        format!("<option{sel}>{}</option>", escape(w))
                    })
                    .collect();
                let all = if d.one_workflow {
                    String::new()
                } else {
                    "<option value=\"\">All workflows</option>".into()
                };
                fields.push_str(&format!(
                    "<label>Workflow <select name=\"workflow\">{all}{opts}</select></label>"
                ));
            }
            Filter::Currency => fields.push_str(&format!(
                "<label>Reporting currency <input name=\"currency\" size=\"4\" maxlength=\"3\" \
                 pattern=\"[A-Za-z]{{3}}\" placeholder=\"EUR\" title=\"ISO 4217 code; rates from yardstick ingest fx\" \
                 value=\"{}\"></label>",
                escape(f.currency.as_deref().unwrap_or(""))
            )),
            Filter::Segment => fields.push_str(&format!(
                "<label>By segment <input name=\"by\" size=\"16\" placeholder=\"attributes.tier\" \
                 title=\"attributes.KEY or version: what the by-segment panels group by\" \
                 value=\"{}\"></label>\
                 <label>Only <input name=\"segment\" size=\"22\" \
                 placeholder=\"attributes.region=EU\" \
                 title=\"attributes.KEY=VALUE or version=V: only the runs that match\" \
                 value=\"{}\"></label>",
                escape(f.by.as_deref().unwrap_or("")),
                escape(f.segment.as_deref().unwrap_or(""))
            )),
            Filter::Tz => fields.push_str(&format!(
                "<label>Time zone <input name=\"tz\" size=\"14\" placeholder=\"UTC\" \
                 title=\"IANA name, e.g. Europe/Berlin: dates are its midnights, weeks its Mondays\" \
                 value=\"{}\"></label>",
                escape(f.tz.as_deref().unwrap_or(""))
            )),
        }
    }
    let has_period = d.filters.iter().any(|f| matches!(f, Filter::From))
        && d.filters.iter().any(|f| matches!(f, Filter::To));
    let presets = if has_period {
        let zone = c.scope.as_ref().map_or(chrono_tz::UTC, |s| s.tz);
        let today = chrono::Utc::now().with_timezone(&zone).date_naive();
        let links: Vec<String> = presets(today)
            .into_iter()
            .map(|(label, from, to)| {
                let picked = super::Filters {
                    from: Some(from.to_string()),
                    to: Some(to.to_string()),
                    ..f.clone()
                };
                format!(
                    "<a href=\"/dashboards/{}?{}\">{label}</a>",
                    escape(&d.name),
                    escape(&picked.query_string(false))
                )
            })
            .collect();
        format!(
            "<p class=\"presets\">Periods ({}, to today): {}</p>",
            zone.name(),
            links.join(" · ")
        )
    } else {
        String::new()
    };
    format!(
        "<form class=\"filters\" method=\"get\" action=\"/dashboards/{}\">{fields}<button>Show</button></form>{presets}",
        escape(&d.name)
    )
}

/// The period presets a page offers, as `[from, to)` dates for `today`
/// (today included): the last 7, 30 and 90 days, this and last calendar
/// quarter, the year to date and last year.
pub(crate) fn presets(
    today: chrono::NaiveDate,
) -> Vec<(&'static str, chrono::NaiveDate, chrono::NaiveDate)> {
    use chrono::{Datelike, Days, Months, NaiveDate};
    let end = today + Days::new(1);
    let quarter = NaiveDate::from_ymd_opt(today.year(), (today.month0() / 3) * 3 + 1, 1)
        .expect("a quarter starts on a real date");
    let year = NaiveDate::from_ymd_opt(today.year(), 1, 1).expect("1 January exists");
    vec![
        ("Last 7 days", end - Days::new(7), end),
        ("Last 30 days", end - Days::new(30), end),
        ("Last 90 days", end - Days::new(90), end),
        ("This quarter", quarter, end),
        ("Last quarter", quarter - Months::new(3), quarter),
        ("Year to date", year, end),
        ("Last year", year - Months::new(12), year),
    ]
}

/// Makes a plotters SVG scale with its box.
fn responsive(svg: &str, (w, h): (u32, u32)) -> String {
    let Some(start) = svg.find("<svg") else {
        return svg.to_string();
    };
    let end = svg[start..].find('>').map_or(svg.len(), |i| start + i);
    let tag = &svg[start..end];
    let mut out = String::with_capacity(svg.len() + 64);
    out.push_str(&svg[..start]);
    let mut new_tag = tag.to_string();
    if !tag.contains("viewBox") {
        new_tag.push_str(&format!(" viewBox=\"0 0 {w} {h}\""));
    }
    new_tag.push_str(" preserveAspectRatio=\"xMidYMid meet\" role=\"img\"");
    out.push_str(&new_tag);
    out.push_str(&svg[end..]);
    out
}

/// The metric field a KPI tile's row shows, for its definition: the row's
/// `metric` when it names one, else reclaimed hours or money by its unit.
fn tile_field(t: &PanelTable, r: usize) -> Option<&'static str> {
    let text = |name: &str| {
        t.cell(r, name)
            .and_then(|c| c.as_text())
            .map(str::to_string)
    };
    if let Some(m) = text("metric") {
        if let Some(s) = crate::metrics::provenance::source_of(&m) {
            return Some(s.field);
        }
    }
    match text("unit").as_deref() {
        Some("hours") => Some("reclaimed_hours"),
        Some(u) if u.len() == 3 && u.bytes().all(|b| b.is_ascii_uppercase()) => {
            Some("reclaimed_money")
        }
        _ => None,
    }
}

/// The provenance lines of a page: coverage, freshness, what was left out.
fn provenance_lines(p: Option<&Result<Provenance, String>>) -> String {
    let t = |v: Option<chrono::NaiveDateTime>| v.map_or_else(|| "–".to_string(), format_timestamp);
    match p {
        None => String::new(),
        Some(Err(why)) => format!(
            "<li>Coverage and freshness: not known ({})</li>",
            escape(why)
        ),
        Some(Ok(p)) => format!(
            "<li>Coverage: {d} of {all} days have runs; first run {f}, last run {l}</li>\
             <li>Freshness: data as of {c} (the newest batch received)</li>\
             <li>Left out: {run} running and {can} cancelled runs (counted in runs, in no rate, \
             time or reclaimed figure); {rej} rows refused by the {b} batches behind these runs \
             (<a href=\"/api/v1/rejects\">rejects</a>)</li>",
            d = p.coverage.days_with_runs,
            all = p.days_in_period,
            f = escape(&t(p.coverage.first_run)),
            l = escape(&t(p.coverage.last_run)),
            c = escape(&t(p.last_commit)),
            run = p.left_out.running,
            can = p.left_out.cancelled,
            rej = p
                .left_out
                .rejected_rows
                .map_or_else(|| "an unknown number of".to_string(), |n| n.to_string()),
            b = p.coverage.batches,
        ),
    }
}

/// A figure's provenance card: its definition, n and period, and the
/// page's coverage, freshness and what was left out.
fn card(field: Option<&str>, n: Option<f64>, period: &str, c: &Computed) -> String {
    let definition = match field.and_then(crate::metrics::provenance::source_of) {
        Some(s) => format!(
            "<li>Definition: <a href=\"{}\">{}</a> (n: {})</li>",
            escape(s.definition.as_deref().unwrap_or("/definitions")),
            escape(s.field),
            escape(s.n)
        ),
        None => "<li>Definition: see the panel's source and <a href=\"/definitions\">the metric definitions</a></li>".into(),
    };
    let n = n.map_or_else(String::new, |n| {
        format!("<li>n = {}</li>", export::format_number(n, "count"))
    });
    format!(
        "<details class=\"prov\"><summary>Where this comes from</summary><ul>{definition}{n}\
         <li>Period {p}</li>{lines}</ul></details>",
        p = escape(period),
        lines = provenance_lines(c.provenance.as_ref()),
    )
}

fn kpi_html(c: &Computed, panel: &Panel, t: &PanelTable, period: &str) -> String {
    let tiles: String = export::kpi_tiles(panel, t)
        .iter()
        .map(|k| {
            let hover = match k.n {
                Some(n) => format!(
                    "Period {period}; n = {}",
                    export::format_number(n, "count")
                ),
                None => format!("Period {period}"),
            };
            let values = k
                .values
                .iter()
                .map(|v| {
                    format!(
                        "<span class=\"kpi-value\" data-panel=\"{p}\" data-field=\"{f}\" data-row=\"{r}\" \
                         data-value=\"{dv}\" data-unit=\"{u}\" title=\"{hover}\">{s}</span>",
                        p = escape(&panel.id),
                        f = escape(&v.field),
                        r = k.row,
                        dv = v.value.map_or(String::new(), |x| x.to_string()),
                        u = escape(&v.unit),
                        s = escape(&v.shown),
                    )
                })
                .collect::<Vec<_>>()
                .join("<span class=\"arrow\"> → </span>");
            let change = k.change.as_ref().map_or(String::new(), |c| {
                format!(
                    "<div class=\"kpi-change {dir}\" data-panel=\"{p}\" data-row=\"{r}\" \
                     data-change=\"{v}\" data-direction=\"{dir}\">{arrow} {text}</div>",
                    dir = c.direction,
                    p = escape(&panel.id),
                    r = k.row,
                    v = c.value.map_or(String::new(), |x| x.to_string()),
                    arrow = match c.direction {
                        "up" => "▲",
                        "down" => "▼",
                        "unknown" => "–",
                        _ => "◆",
                    },
                    text = prose(&c.text),
                )
            });
            format!(
                "<div class=\"kpi\"><div class=\"kpi-label\">{l}</div><div class=\"kpi-values\">{values}</div>\
                 <div class=\"kpi-detail\">{d}</div>{change}{card}</div>",
                l = escape(&k.label),
                d = prose(&k.detail),
                card = card(tile_field(t, k.row), k.n, period, c),
            )
        })
        .collect();
    format!("<div class=\"kpis\">{tiles}</div>")
}

fn table_html(c: &Computed, panel: &Panel, t: &PanelTable, hover: &str) -> String {
    let f = &c.filters;
    let base = c.filters.query_string(false);
    let current = f
        .sort
        .as_deref()
        .and_then(|s| s.split_once(':'))
        .filter(|(p, _)| *p == panel.id)
        .map(|(_, col)| col.to_string())
        .or_else(|| panel.sort.clone());
    let desc = f.order.as_deref() != Some("asc");
    let heads: String = panel
        .fields
        .iter()
        .map(|name| {
            let col = &t.columns[t.index(name).expect("checked")];
            let (mark, next) = if current.as_deref() == Some(name.as_str()) {
                (
                    if desc { " ▼" } else { " ▲" },
                    if desc { "asc" } else { "desc" },
                )
            } else {
                ("", "desc")
            };
            let sep = if base.is_empty() { "" } else { "&" };
            let href = format!(
                "/dashboards/{d}?{base}{sep}sort={p}%3A{name}&order={next}#panel-{p}",
                d = c.dashboard.name,
                p = panel.id,
            );
            let class = if col.kind.is_number() {
                " class=\"num\""
            } else {
                ""
            };
            format!(
                "<th{class}><a href=\"{h}\">{l}{mark}</a></th>",
                h = escape(&href),
                l = escape(col.label)
            )
        })
        .collect();
    let rows: String = (0..t.rows.len())
        .map(|r| {
            let cells: String = panel
                .fields
                .iter()
                .map(|name| {
                    let col = &t.columns[t.index(name).expect("checked")];
                    let shown = export::format_cell(t, r, col);
                    // On a phone each row is a card of "label: value" lines.
                    let label = escape(col.label);
                    if col.kind.is_number() {
                        let n_hint = row_n(t, r).map_or(String::new(), |n| format!(", n = {n}"));
                        format!(
                            "<td class=\"num\" data-label=\"{label}\" title=\"{h}{n}\">{s}</td>",
                            h = escape(hover),
                            n = escape(&n_hint),
                            s = escape(&shown)
                        )
                    } else if shown.chars().count() > 48 {
                        format!(
                            "<td class=\"wrap\" data-label=\"{label}\">{}</td>",
                            escape(&shown)
                        )
                    } else {
                        format!("<td data-label=\"{label}\">{}</td>", escape(&shown))
                    }
                })
                .collect();
            format!("<tr>{cells}</tr>")
        })
        .collect();
    format!(
        "<div class=\"scroll\"><table><thead><tr>{heads}</tr></thead><tbody>{rows}</tbody></table></div>"
    )
}

/// The n of one table row, where the row carries one.
fn row_n(t: &PanelTable, r: usize) -> Option<String> {
    for name in [
        "runs",
        "after_n",
        "last_week_n",
        "observations",
        "cycle_time_n",
    ] {
        if let Some(x) = t.cell(r, name).and_then(Cell::as_f64) {
            return Some(format!("{} {}", x as i64, name.replace('_', " ")));
        }
    }
    None
}

/// A chart panel's drawn fields as HTML, each its label linked to its
/// definition where it has one, when none of them has a value in any row
/// (a workflow without an SLA has no SLA compliance).
fn unvalued(panel: &Panel, t: &PanelTable) -> Option<Vec<String>> {
    if matches!(panel.chart, ChartKind::Table | ChartKind::Kpi) || panel.fields.is_empty() {
        return None;
    }
    let valued =
        |f: &String| (0..t.rows.len()).any(|r| t.cell(r, f).is_some_and(|c| c.as_f64().is_some()));
    if panel.fields.iter().any(valued) {
        return None;
    }
    let defined = |f: &str| {
        crate::metrics::definitions::all()
            .iter()
            .any(|d| d.fields.iter().any(|x| x == f))
    };
    let html = |f: &String| {
        let label = escape(t.columns.iter().find(|c| c.name == *f)?.label);
        Some(if defined(f) {
            format!("“<a href=\"/definitions#{}\">{label}</a>”", escape(f))
        } else {
            format!("“{label}”")
        })
    };
    Some(panel.fields.iter().filter_map(html).collect())
}

fn panel_html(c: &Computed, panel: &Panel, t: &PanelTable) -> String {
    let scope = c.scope.as_ref().expect("panels are computed with a scope");
    let period = export::period_text(scope);
    let n = export::format_number(t.n as f64, "count");
    let caption = format!("{period} · n = {n}");
    let hover = format!("Period {period}; n = {n}");
    let empty = t.rows.is_empty() || (t.n == 0 && !t.facts);
    let body = if empty {
        match &t.empty {
            Some(why) => format!("<p class=\"empty\">{}</p>", prose(why)),
            None => "<p class=\"empty\">No data for this period. Widen the period or clear a \
                     filter; ingested runs appear here as soon as they are stored.</p>"
                .to_string(),
        }
    } else if let Some(labels) = unvalued(panel, t) {
        // Runs, but nothing to draw: say which figures are empty rather
        // than "no data" under an n that says there is some.
        format!(
            "<p class=\"empty\">No value of {} in this period, though n = {n}: a figure is \
             empty where it cannot be measured, and its definition says what it needs.</p>",
            chart::or_list(&labels)
        )
    } else {
        match panel.chart {
            ChartKind::Kpi => kpi_html(c, panel, t, &period),
            ChartKind::Table => table_html(c, panel, t, &hover),
            _ => {
                // The panel's heading and footnote say the title and period.
                let mut ch = export::chart_of(panel, t, String::new());
                ch.title.clear();
                let wide = chart::svg(&ch, PAGE_CHART.0, PAGE_CHART.1);
                let narrow = chart::svg(&ch, PHONE_CHART.0, PHONE_CHART.1);
                match (wide, narrow) {
                    (Ok(wide), Ok(narrow)) => format!(
                        "<figure class=\"chart\" title=\"{}\"><div class=\"chart-wide\">{}</div>\
                         <div class=\"chart-narrow\">{}</div></figure>",
                        escape(&hover),
                        responsive(&wide, PAGE_CHART),
                        responsive(&narrow, PHONE_CHART)
                    ),
                    (Err(e), _) | (_, Err(e)) => {
                        format!("<p class=\"empty\">{}</p>", escape(&e.to_string()))
                    }
                }
            }
        }
    };
    let q = c.filters.query_string(true);
    let q = if q.is_empty() {
        String::new()
    } else {
        format!("?{q}")
    };
    let downloads: String = ["csv", "svg", "png", "json"]
        .iter()
        .map(|ext| {
            format!(
                "<a class=\"download\" href=\"{}\">{}</a>",
                escape(&format!(
                    "/dashboards/{}/panels/{}.{ext}{q}",
                    c.dashboard.name, panel.id
                )),
                ext.to_uppercase()
            )
        })
        .collect::<Vec<_>>()
        .join(" ");
    // The reason for an empty table stands in its place, not again below.
    let shown_empty = empty.then_some(t.empty.as_ref()).flatten();
    let notes: String = t
        .notes
        .iter()
        .filter(|n| Some(*n) != shown_empty)
        .map(|n| format!("<br>{}", prose(n)))
        .collect();
    let wide = if matches!(panel.chart, ChartKind::Table | ChartKind::Kpi) {
        " wide"
    } else {
        ""
    };
    format!(
        "<section class=\"panel{wide}\" id=\"panel-{id}\" data-panel=\"{id}\" data-kind=\"{kind}\">\
         <h2>{title}</h2>{desc}{body}<p class=\"foot\">{cap}. Source: {src}.{notes}</p>\
         <p class=\"downloads\">Download: {downloads}</p></section>",
        id = escape(&panel.id),
        kind = serde_json::to_value(panel.chart)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default(),
        title = escape(&panel.title),
        desc = if panel.description.is_empty() {
            String::new()
        } else {
            format!("<p class=\"desc\">{}</p>", escape(&panel.description))
        },
        cap = escape(&caption),
        src = prose(&panel.source.describe()),
    )
}

/// Where a dashboard page says how fresh its data is: the server puts the
/// line in when it serves a kept page (the page is rendered once per
/// computation, the freshness changes with every write).
pub const FRESHNESS: &str = "<!--yardstick:freshness-->";

/// A whole dashboard page.
pub fn dashboard(c: &Computed, nav: &[Dashboard]) -> String {
    let d = &c.dashboard;
    let q = c.filters.query_string(true);
    let q = if q.is_empty() {
        String::new()
    } else {
        format!("?{q}")
    };
    let mut body = format!(
        "<header><h1>{t}</h1><p class=\"lead\">{desc}</p></header>{form}",
        t = escape(&d.title),
        desc = escape(&d.description),
        form = form(c)
    );
    let attrs;
    match &c.scope {
        None => {
            attrs = format!(" data-dashboard=\"{}\"", escape(&d.name));
            body.push_str(
                "<p class=\"empty\">No runs are stored yet, so there is nothing to show. Load a catalogue \
                 and runs: <code>yardstick ingest workflows workflows.csv</code>, then \
                 <code>yardstick ingest runs runs.csv</code> (or <code>yardstick demo</code> for a demo company).</p>",
            );
        }
        Some(s) => {
            attrs = format!(
                " data-dashboard=\"{}\" data-from=\"{}\" data-to=\"{}\"",
                escape(&d.name),
                escape(&format_timestamp(s.period.from)),
                escape(&format_timestamp(s.period.to))
            );
            let runs = c.runs;
            let list = escape(&s.workflows.join(", "));
            let in_view = match s.workflows.len() {
                1 => format!("workflow {list}"),
                k if k <= 4 => format!("{k} workflows: {list}"),
                k => format!(
                    "<details><summary>{k} workflows{}</summary>{list}</details>",
                    if s.filtered { "" } else { " (all)" }
                ),
            };
            body.push_str(&format!(
                "<div class=\"scope\">Period {} · {} runs · {in_view} · \
                 <a class=\"download\" href=\"{}\">Whole dashboard as XLSX</a> (a sheet per panel and a Method sheet)</div>{FRESHNESS}",
                escape(&export::period_text(s)),
                export::format_number(runs as f64, "count"),
                escape(&format!("/dashboards/{}.xlsx{q}", d.name)),
            ));
            if runs == 0 {
                body.push_str(
                    "<p class=\"empty\">No runs in this period. Pick another period above; \
                     the catalogue and baselines are still shown.</p>",
                );
            }
            body.push_str("<div class=\"grid\">");
            for (panel, t) in c.panels() {
                body.push_str(&panel_html(c, panel, t));
            }
            body.push_str("</div>");
        }
    }
    if let (Some(s), Some(p)) = (&c.scope, &c.provenance) {
        body.push_str(&provenance_section(&export::period_text(s), p));
    }
    let defs: String = export::DEFINITIONS
        .iter()
        .map(|(k, v)| format!("<dt>{}</dt><dd>{}</dd>", escape(k), escape(v)))
        .collect();
    body.push_str(&format!(
        "<footer><h2>How these numbers are made</h2><dl>{defs}</dl>\
         <p>Every figure on this page is also in the panel's CSV and JSON and in the XLSX, from the same \
         computation. Hover a number for its period and n.</p></footer>"
    ));
    shell(&d.title, &attrs, nav, &body)
}

const CSS: &str = "*{box-sizing:border-box}\
body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;margin:0;color:#1d2733;background:#f5f7fa;line-height:1.4}\
nav{background:#1d2733;padding:.6rem 1rem;display:flex;flex-wrap:wrap;gap:.9rem}\
nav a{color:#e8eef5;text-decoration:none}nav a.home{font-weight:700}\
main{max-width:84rem;margin:0 auto;padding:1rem}\
h1{margin:.2rem 0}h2{font-size:1.05rem;margin:0 0 .4rem}.lead{color:#4a5868;margin:.2rem 0 .8rem}\
.filters{display:flex;flex-wrap:wrap;gap:.6rem;align-items:flex-end;background:#fff;padding:.6rem;border:1px solid #dde3ea;border-radius:6px}\
.filters label{display:flex;flex-direction:column;font-size:.85rem;color:#4a5868}\
.filters input,.filters select,.filters button{font:inherit;padding:.25rem .4rem}\
.presets{font-size:.82rem;margin:.4rem 0 0}\
.scope{font-size:.9rem;color:#4a5868;margin:.6rem 0}.freshness{font-size:.8rem;color:#5b6876;margin:-.3rem 0 .6rem}.freshness.stale{color:#8a5a00}.scope details{display:inline}.scope summary{display:inline;cursor:pointer;text-decoration:underline dotted}\
.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(min(100%,34rem),1fr));gap:1rem}\
.panel{background:#fff;border:1px solid #dde3ea;border-radius:6px;padding:.8rem;min-width:0;break-inside:avoid}\
.panel.wide{grid-column:1/-1}\
.desc{color:#4a5868;margin:.1rem 0 .5rem;font-size:.9rem}\
.chart{margin:0}.chart svg{width:100%;height:auto;display:block}.chart-narrow{display:none}\
@media (max-width:40rem){.chart-wide{display:none}.chart-narrow{display:block}\
.scroll table:has(td[data-label]),.scroll table:has(td[data-label]) tbody,.scroll tr:has(td[data-label]){display:block;width:100%}\
.scroll table:has(td[data-label]) thead{display:none}\
.scroll tr:has(td[data-label]){border:1px solid #dde3ea;border-radius:4px;margin:0 0 .5rem;padding:.25rem .5rem}\
.scroll td[data-label]{display:flex;justify-content:space-between;gap:.75rem;border:none;padding:.12rem 0;\
text-align:right;white-space:normal;overflow-wrap:anywhere}\
.scroll td[data-label]::before{content:attr(data-label);font-weight:600;color:#4a5868;text-align:left;flex:0 0 45%}}\
.kpis{display:flex;flex-wrap:wrap;gap:.8rem}\
.kpi{flex:1 1 14rem;border-left:4px solid #0072b2;padding:.3rem .7rem;background:#f3f7fb}\
.provenance{background:#fff;border:1px solid #dde3ea;border-radius:6px;padding:.8rem;margin-top:.8rem;min-width:0}\
.prov{font-size:.8rem;color:#4a5868;margin-top:.2rem}.prov summary{cursor:pointer}.prov ul{margin:.2rem 0;padding-left:1.1rem}\
.kpi-label{font-size:.85rem;color:#4a5868}.kpi-values{font-size:1.5rem;font-weight:650}.kpi-value{white-space:nowrap}\
.arrow{color:#7a8794;font-weight:400}.kpi-detail{font-size:.8rem;color:#5b6876}\
.kpi-change{font-size:.8rem;color:#5b6876;margin-top:.15rem}.kpi-change.up{color:#0b6e4f}.kpi-change.down{color:#a3361b}\
.scroll{overflow-x:auto}table{border-collapse:collapse;font-size:.85rem;width:100%}\
th,td{padding:.3rem .5rem;border-bottom:1px solid #e4e9ef;text-align:left}th{vertical-align:bottom}\
td.wrap{white-space:normal;min-width:14rem}th a{color:inherit;text-decoration:none}th{background:#f3f6f9}.num{text-align:right;font-variant-numeric:tabular-nums}td.num{white-space:nowrap}\
.foot{font-size:.78rem;color:#5b6876;margin:.5rem 0 0}\
code{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.92em;background:#eef2f6;border-radius:3px;padding:0 .2em}\
.downloads{font-size:.8rem;margin:.3rem 0 0}.downloads a{margin-right:.4rem}\
.empty{padding:.8rem;background:#fff8e1;border:1px solid #f0e0a0;border-radius:4px}\
.cards{list-style:none;padding:0;display:grid;grid-template-columns:repeat(auto-fit,minmax(min(100%,18rem),1fr));gap:.8rem}\
.cards li{background:#fff;border:1px solid #dde3ea;border-radius:6px;padding:.8rem}\
.cards a{font-size:1.1rem;font-weight:650}\
footer{margin-top:1.5rem;color:#4a5868;font-size:.82rem}footer dt{font-weight:650}footer dd{margin:0 0 .4rem}\
@media print{nav,.filters,.presets,.downloads{display:none}body{background:#fff}main{max-width:none;padding:0}\
.panel{border:none;padding:.4rem 0;page-break-inside:avoid}.grid{display:block}.chart svg{max-width:42rem}.chart-wide{display:block}.chart-narrow{display:none}\
.scroll{overflow:visible}th,td{white-space:normal}}";

/// The page's provenance: the lines of every card, and the coverage of each
/// workflow with runs.
fn provenance_section(period: &str, p: &Result<Provenance, String>) -> String {
    let t = |v: Option<chrono::NaiveDateTime>| v.map_or_else(|| "–".to_string(), format_timestamp);
    let per = match p {
        Ok(p) if !p.workflows.is_empty() => {
            let rows: String =
                    p.workflows
                        .iter()
                        .map(|w| {
                            format!(
                        "<tr><td data-label=\"Workflow\">{id}</td><td class=\"num\" data-label=\"Days with runs\">{d}</td>\
                         <td data-label=\"First run\">{f}</td><td data-label=\"Last run\">{l}</td>\
                         <td class=\"num\" data-label=\"Running\">{run}</td><td class=\"num\" data-label=\"Cancelled\">{can}</td>\
                         <td class=\"num\" data-label=\"Batches\">{b}</td><td class=\"num\" data-label=\"Rows refused\">{rej}</td>\
                         <td data-label=\"Newest batch\">{n}</td></tr>",
                        id = escape(w.workflow_id.as_deref().unwrap_or("")),
                        d = w.days_with_runs,
                        f = escape(&t(w.first_run)),
                        l = escape(&t(w.last_run)),
                        run = w.running,
                        can = w.cancelled,
                        b = w.batches,
                        rej = w.rejected_rows.map_or_else(|| "–".to_string(), |n| n.to_string()),
                        n = escape(&t(w.newest_batch_at)),
                    )
                        })
                        .collect();
            format!(
                "<details><summary>Per workflow</summary><div class=\"scroll\"><table><thead><tr>\
                 <th>Workflow</th><th>Days with runs</th><th>First run</th><th>Last run</th>\
                 <th>Running</th><th>Cancelled</th><th>Batches</th><th>Rows refused</th>\
                 <th>Newest batch</th></tr></thead><tbody>{rows}</tbody></table></div></details>"
            )
        }
        _ => String::new(),
    };
    format!(
        "<section class=\"provenance\" id=\"provenance\"><h2>Where these figures come from</h2>\
         <ul><li>Period {period}</li>{lines}<li>Definitions: <a href=\"/definitions\">the metric \
         definitions</a>, as the README states them</li></ul>{per}</section>",
        period = escape(period),
        lines = provenance_lines(Some(p)),
    )
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    #[test]
    fn prose_sets_backticked_spans_as_code_and_escapes_the_rest() {
        assert_eq!(
            super::prose("no `had_error` & no <runs>, see `report impact`"),
            "no <code>had_error</code> &amp; no &lt;runs&gt;, see <code>report impact</code>"
        );
        assert_eq!(super::prose("a `<b>`"), "a <code>&lt;b&gt;</code>");
        // An unpaired backtick is left as written.
        assert_eq!(super::prose("`a` and `b"), "<code>a</code> and `b");
        assert_eq!(super::prose("plain"), "plain");
    }

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn presets_are_whole_days_and_calendar_quarters() {
        let p = super::presets(d("2026-12-03"));
        let got: Vec<(&str, String, String)> = p
            .iter()
            .map(|(l, f, t)| (*l, f.to_string(), t.to_string()))
            .collect();
        let want = [
            ("Last 7 days", "2026-11-27", "2026-12-04"),
            ("Last 30 days", "2026-11-04", "2026-12-04"),
            ("Last 90 days", "2026-09-05", "2026-12-04"),
            ("This quarter", "2026-10-01", "2026-12-04"),
            ("Last quarter", "2026-07-01", "2026-10-01"),
            ("Year to date", "2026-01-01", "2026-12-04"),
            ("Last year", "2025-01-01", "2026-01-01"),
        ];
        let want: Vec<(&str, String, String)> = want
            .iter()
            .map(|(l, f, t)| (*l, f.to_string(), t.to_string()))
            .collect();
        assert_eq!(got, want);
        // In the first quarter, last quarter is last year's fourth.
        let q1 = super::presets(d("2026-02-14"));
        assert_eq!((q1[4].1, q1[4].2), (d("2025-10-01"), d("2026-01-01")));
    }
}
