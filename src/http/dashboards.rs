//! Dashboard routes: the page, and every panel as CSV, SVG, PNG or JSON, and
//! the whole dashboard as XLSX. Thin: parse, compute off the async threads
//! through `dashboard::compute`, shape the answer.

use axum::extract::{Path, RawQuery, State};
use axum::http::header;
use axum::response::{Html, IntoResponse, Response};

use super::{blocking, html_error, ApiError, AppState};
use crate::dashboard::{chart, export, Filters};

fn filters(raw: Option<String>) -> Result<Filters, ApiError> {
    serde_urlencoded::from_str::<Filters>(raw.as_deref().unwrap_or(""))
        .map(Filters::normalised)
        .map_err(|e| {
            ApiError::bad_request(format!(
                "{e}: the filters are from, to, team, workflow, sort (panel:column) and order (asc, desc)"
            ))
        })
}

fn find(st: &AppState, name: &str) -> Result<usize, ApiError> {
    st.dashboards
        .iter()
        .position(|d| d.name == name)
        .ok_or_else(|| {
            ApiError::not_found(format!(
                "no dashboard `{name}`; the dashboards are: {}",
                st.dashboards
                    .iter()
                    .map(|d| d.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
        })
}

/// `GET /dashboards/{name}` (the page) and `GET /dashboards/{name}.xlsx`.
pub(super) async fn page_or_workbook(
    State(st): State<AppState>,
    current: super::MustBeCurrent,
    Path(file): Path<String>,
    RawQuery(raw): RawQuery,
) -> Response {
    let (name, xlsx) = match file.strip_suffix(".xlsx") {
        Some(n) => (n.to_string(), true),
        None => (file, false),
    };
    let answer = async {
        let f = filters(raw)?;
        let i = find(&st, &name)?;
        blocking(move || {
            let d = &st.dashboards[i];
            let served = st.cache.compute_at(d, f, None, current.0)?;
            let c = &served.value;
            let mut r = if xlsx {
                let bytes = export::xlsx(c).map_err(ApiError::internal)?;
                attachment(
                    bytes,
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    &format!("{}.xlsx", d.name),
                )
            } else {
                // The kept page has a place for the line that says how fresh it is.
                let line = format!(
                    "<p class=\"freshness{}\" data-stale=\"{}\" data-runs-not-included=\"{}\">{}</p>",
                    if served.stale() { " stale" } else { "" },
                    served.stale(),
                    served.runs_pending,
                    crate::dashboard::page::escape(&served.freshness_text())
                );
                let page = c.page(&st.dashboards);
                Html(page.replacen(crate::dashboard::page::FRESHNESS, &line, 1)).into_response()
            };
            super::answers::freshness_headers(&served, &mut r);
            Ok(r)
        })
        .await
    }
    .await;
    match answer {
        Ok(r) => r,
        Err(e) if !xlsx => html_error(&e),
        Err(e) => e.into_response(),
    }
}

fn attachment(bytes: Vec<u8>, content_type: &'static str, filename: &str) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type.to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{filename}\""),
            ),
        ],
        bytes,
    )
        .into_response()
}

/// `GET /dashboards/{name}/panels/{id}.{csv,svg,png,json}`.
pub(super) async fn panel_file(
    State(st): State<AppState>,
    current: super::MustBeCurrent,
    Path((name, file)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let f = filters(raw)?;
    let i = find(&st, &name)?;
    let (id, ext) = file.rsplit_once('.').ok_or_else(|| {
        ApiError::not_found("a panel file is {id}.csv, {id}.svg, {id}.png or {id}.json")
    })?;
    let (id, ext) = (id.to_string(), ext.to_string());
    if !["csv", "svg", "png", "json"].contains(&ext.as_str()) {
        return Err(ApiError::not_found(format!(
            "panels are served as csv, svg, png or json, not `{ext}`"
        )));
    }
    blocking(move || {
        let d = &st.dashboards[i];
        let served = st.cache.compute_at(d, f, Some(&id), current.0)?;
        let c = &served.value;
        let Some((panel, t)) = c.panels().next() else {
            return Err(ApiError::bad_request(
                "no runs are stored yet: there is nothing to export",
            ));
        };
        let file = format!("{}-{}.{ext}", d.name, panel.id);
        let scope = c.scope.as_ref().expect("computed panels have a scope");
        let chart = export::chart_of(panel, t, export::caption(scope, t.n));
        let (w, h) = export::chart_size(&chart);
        let mut r = match ext.as_str() {
            "csv" => attachment(
                export::csv(t).map_err(ApiError::internal)?,
                "text/csv; charset=utf-8",
                &file,
            ),
            "json" => {
                let mut body = serde_json::json!({ "freshness": served.freshness_json() });
                if let (Some(o), serde_json::Value::Object(panel)) =
                    (body.as_object_mut(), export::json(c, panel, t))
                {
                    o.extend(panel);
                }
                axum::Json(body).into_response()
            }
            "svg" => (
                [(header::CONTENT_TYPE, "image/svg+xml")],
                chart::svg(&chart, w, h).map_err(ApiError::internal)?,
            )
                .into_response(),
            _ => (
                [(header::CONTENT_TYPE, "image/png")],
                chart::png(&chart, w, h).map_err(ApiError::internal)?,
            )
                .into_response(),
        };
        super::answers::freshness_headers(&served, &mut r);
        Ok(r)
    })
    .await
}
