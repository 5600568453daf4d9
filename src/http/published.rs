//! Published reports over HTTP: the list, one report as stored (JSON, or a
//! page marked as published), the diff of one against a later one or now,
//! and publishing (an admin's). The reports are never recomputed here: a
//! published report is its stored text, checked against its SHA-256 (see
//! `crate::publish`). Not kept answers: publishing changes no data, so the
//! kept answers' generation would not move for it.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::Json;
use schemars::{Schema, SchemaGenerator};
use serde::Deserialize;

use super::pages::{escape, num, row_html, METRIC_HEAD};
use super::query::Fixed;
use super::{blocking, html_error, ApiError, AppState};
use crate::metrics::MetricRow;
use crate::model::format_timestamp;
use crate::publish::{self, Diff, Headline};
use crate::schema::{array, object};
use crate::store::Published;

/// The schema of [`list`]'s answer.
pub(super) fn list_schema(g: &mut SchemaGenerator) -> Schema {
    let about = g.subschema_for::<publish::About<'static>>();
    object(vec![("published", array(about))], &[])
}

/// The schema of [`one`]'s answer: what it is, and the body as stored.
pub(super) fn one_schema(g: &mut SchemaGenerator) -> Schema {
    let about = g.subschema_for::<publish::About<'static>>();
    let body = publish::body_schema(g);
    object(vec![("published", about), ("report", body)], &[])
}

/// The schema of [`create`]'s answer.
pub(super) fn created_schema(g: &mut SchemaGenerator) -> Schema {
    let about = g.subschema_for::<publish::About<'static>>();
    object(vec![("published", about)], &[])
}

/// `GET /api/v1/published`: every published report, newest first, with its headline.
pub(super) async fn list(State(st): State<AppState>) -> Result<Json<serde_json::Value>, ApiError> {
    Ok(Json(blocking(move || Ok(publish::list(&st.store)?)).await?))
}

/// `GET /api/v1/published/{name}`: the report as published.
pub(super) async fn one(
    State(st): State<AppState>,
    Path(name): Path<String>,
) -> Result<Json<serde_json::Value>, ApiError> {
    Ok(Json(
        blocking(move || Ok(publish::get(&st.store, &name)?.to_json()?)).await?,
    ))
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct DiffQuery {
    /// A later published report, or `now` (the default).
    against: Option<String>,
}

/// `GET /api/v1/published/{name}/diff?against=`: why the headline moved.
pub(super) async fn diff(
    State(st): State<AppState>,
    Path(name): Path<String>,
    Fixed(q): Fixed<DiffQuery>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let d = blocking(move || Ok(diff_of(&st, &name, q.against.as_deref())?)).await?;
    Ok(Json(serde_json::to_value(d).map_err(ApiError::internal)?))
}

fn diff_of(
    st: &AppState,
    name: &str,
    against: Option<&str>,
) -> Result<Diff, crate::report::ReportError> {
    let against = against.filter(|b| *b != "now" && !b.is_empty());
    publish::diff(&st.store, name, against)
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct PublishQuery {
    /// The name to publish under, once.
    name: String,
    /// The period's start, with `to`; neither: the whole days covering every run.
    from: Option<String>,
    /// The period's end, exclusive.
    to: Option<String>,
    /// A reporting currency (ISO 4217) for the money.
    currency: Option<String>,
}

/// `POST /api/v1/publish?name=&from=&to=&currency=`: publishes the report
/// set of the period; 201 with what was published, 409 when the name is taken.
pub(super) async fn create(
    State(st): State<AppState>,
    Fixed(q): Fixed<PublishQuery>,
) -> Result<Response, ApiError> {
    if let Some(lake) = &st.lake {
        return Err(ApiError::conflict(format!(
            "this server reports from {lake}: publish from the DuckDB file (`yardstick publish`)"
        )));
    }
    let about = blocking(move || {
        let period = crate::report::resolve_period(&st.store, q.from.as_deref(), q.to.as_deref())?
            .ok_or_else(|| ApiError::bad_request("no runs are stored yet: give from and to"))?;
        let p = publish::publish(&st.store, &q.name, period, q.currency.as_deref())?;
        serde_json::to_value(p.about()).map_err(ApiError::internal)
    })
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(serde_json::json!({ "published": about })),
    )
        .into_response())
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct PageQuery {
    /// Show the diff against a later published report or `now`.
    diff: Option<String>,
}

/// `GET /published/{name}`: the published report as a page, marked as
/// published, with its headline and metric table as stored; `?diff=now`
/// (or a later name) adds why the headline has moved since.
pub(super) async fn page(
    State(st): State<AppState>,
    Path(name): Path<String>,
    Fixed(q): Fixed<PageQuery>,
) -> Response {
    let dashboards = st.dashboards.clone();
    let result = blocking(move || {
        let p = publish::get(&st.store, &name)?;
        let d = match q.diff.as_deref() {
            Some(against) => Some(diff_of(&st, &name, Some(against))?),
            None => None,
        };
        Ok((p, d))
    })
    .await;
    match result {
        Ok((p, d)) => match render(&p, d.as_ref()) {
            Ok(body) => Html(crate::dashboard::page::shell(
                &format!("Published: {}", p.name),
                "",
                &dashboards,
                &body,
            ))
            .into_response(),
            Err(e) => html_error(&e),
        },
        Err(e) => html_error(&e),
    }
}

/// What a page shows of a published body.
#[derive(Deserialize)]
struct Shown {
    headline: Headline,
    metrics: ShownMetrics,
    software: String,
}

#[derive(Deserialize)]
struct ShownMetrics {
    rows: Vec<MetricRow>,
}

fn render(p: &Published, d: Option<&Diff>) -> Result<String, ApiError> {
    let shown: Shown = serde_json::from_str(&p.body).map_err(ApiError::internal)?;
    let name = escape(&p.name);
    let h = &shown.headline;
    let mut tiles = vec![
        tile("Runs", &h.runs.to_string()),
        tile("Reclaimed hours", &num(h.reclaimed_hours, 1)),
    ];
    for (c, m) in &h.reclaimed_money {
        tiles.push(tile(
            &format!("Reclaimed money, {}", escape(c)),
            &num(Some(*m), 0),
        ));
    }
    if let Some(r) = &h.reporting {
        tiles.push(tile(
            &format!("Money reclaimed, all in {}", escape(&r.currency)),
            &num(r.total, 0),
        ));
    }
    let rows: String = shown.metrics.rows.iter().map(row_html).collect();
    let diff = d.map(diff_html).unwrap_or_else(|| {
        format!(
            "<p><a href=\"/published/{name}?diff=now\">Why do today's figures differ?</a> \
             (restates the report batch by batch)</p>"
        )
    });
    Ok(format!(
        "<h1>Published report <code>{name}</code></h1>\
         <p class=\"published\"><strong>Published</strong> {at}: the figures below are stored as \
         published and never recomputed. Period [{from}, {to}), data as of {as_of}, method \
         {method} ({software}). SHA-256 of its content: <code>{sha}</code>.</p>\
         <section class=\"panel\"><div class=\"kpis\">{tiles}</div></section>\
         <section class=\"panel\"><h2>Per workflow</h2><div class=\"scroll\"><table>{METRIC_HEAD}\
         <tbody>{rows}</tbody></table></div>\
         <p class=\"foot\">Whole report (metric table, portfolio, waterfall, comparisons, \
         assumptions, batch ids): <a href=\"/api/v1/published/{name}\">JSON</a>.</p></section>\
         <section class=\"panel\"><h2>Since then</h2>{diff}</section>",
        at = format_timestamp(p.published_at),
        from = format_timestamp(p.from),
        to = format_timestamp(p.to),
        as_of = format_timestamp(p.as_of),
        method = p.method_version,
        software = escape(&shown.software),
        sha = escape(&p.sha256),
        tiles = tiles.concat(),
    ))
}

fn tile(label: &str, value: &str) -> String {
    format!(
        "<div class=\"kpi\"><div class=\"kpi-label\">{label}</div>\
         <div class=\"kpi-values\"><span class=\"kpi-value\">{value}</span></div></div>"
    )
}

fn diff_html(d: &Diff) -> String {
    let rows: String = d
        .steps
        .iter()
        .map(|s| {
            format!(
                "<tr><td>{cause}</td><td>{what}{assumptions}</td></tr>",
                cause = escape(&s.cause),
                what = escape(&s.explanation),
                assumptions = if s.assumptions.is_empty() {
                    String::new()
                } else {
                    format!(
                        "<ul>{}</ul>",
                        s.assumptions
                            .iter()
                            .map(|a| format!("<li>{}</li>", escape(a)))
                            .collect::<String>()
                    )
                }
            )
        })
        .collect();
    let body = if d.steps.is_empty() {
        "<p>Nothing has changed: restated now, the report gives the published figures.</p>"
            .to_string()
    } else {
        format!("<div class=\"scroll\"><table><thead><tr><th>Cause</th><th>Step and its change</th></tr></thead><tbody>{rows}</tbody></table></div>")
    };
    format!(
        "<p>From <code>{a}</code> to <code>{b}</code> (as of {at}), step by step; the steps \
         add up to the whole change. JSON: <a href=\"/api/v1/published/{a}/diff?against={b}\">diff</a>.</p>{body}",
        a = escape(&d.a.name),
        b = escape(&d.b.name),
        at = format_timestamp(d.b.as_of),
    )
}
