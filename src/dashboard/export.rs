//! A panel's table as CSV (through polars), JSON, a chart, and a whole
//! dashboard as an XLSX workbook with a Method sheet. Every output reads the
//! same [`PanelTable`], so the numbers agree everywhere.

use polars::prelude::{Column, CsvWriter, DataFrame, SerWriter};
use rust_xlsxwriter::{Format, Workbook, XlsxError};

use super::chart::{Chart, ChartKind, Series, Tile};
use super::source::{Cell, ColKind, ColumnMeta, PanelTable};
use super::{Computed, Panel};
use crate::model::format_timestamp;

/// Chart sizes of the exports and the page, in pixels.
pub const CHART_WIDTH: u32 = 960;
pub const CHART_HEIGHT: u32 = 420;

/// The size a chart is drawn at: wide enough for a table's columns and a
/// KPI's tiles, tall enough for a table's rows (up to 20), else the default.
pub fn chart_size(chart: &Chart) -> (u32, u32) {
    match chart.kind {
        ChartKind::Table => {
            let cols = chart.labels.len() as u32;
            let rows = chart.rows.len().min(21) as u32;
            (
                (130 * cols).clamp(CHART_WIDTH, 1800),
                110 + 30 * rows.max(1),
            )
        }
        ChartKind::Kpi => {
            let tiles = chart.tiles.len().max(1) as u32;
            ((400 * tiles).clamp(CHART_WIDTH, 1640), 260)
        }
        _ => (CHART_WIDTH, CHART_HEIGHT),
    }
}

/// The unit a number of `column` in `row` is shown in: the column's own, or,
/// for generic numbers, the row's `unit` column (`share`, `min`, `hours`, a currency).
pub fn unit_of(t: &PanelTable, row: usize, column: &ColumnMeta) -> String {
    match column.kind {
        ColKind::Money => t
            .cell(row, "currency")
            .and_then(Cell::as_text)
            .unwrap_or("")
            .to_string(),
        ColKind::Number => t
            .cell(row, "unit")
            .and_then(Cell::as_text)
            .unwrap_or("")
            .to_string(),
        k => k.unit().to_string(),
    }
}

fn grouped(x: f64, digits: usize) -> String {
    let s = format!("{:.*}", digits, x.abs());
    let (int, frac) = s.split_once('.').map_or((s.as_str(), ""), |(a, b)| (a, b));
    let mut out = String::new();
    for (i, ch) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(ch);
    }
    if !frac.is_empty() {
        out.push('.');
        out.push_str(frac);
    }
    if x < 0.0 && s.chars().any(|c| c.is_ascii_digit() && c != '0') {
        out.insert(0, '−');
    }
    out
}

/// A number as shown on the page and in charts: shares as percentages,
/// minutes and hours to one decimal, money to whole units with its currency,
/// counts grouped by thousands. The minus sign is U+2212.
pub fn format_number(x: f64, unit: &str) -> String {
    match unit {
        "share" => format!("{}%", grouped(x * 100.0, 1)),
        "min" => format!("{} min", grouped(x, 1)),
        "hours" => format!("{} h", grouped(x, 1)),
        "count" => grouped(x, 0),
        // An outcome's scale (a CSAT of 1–5): two decimals, no unit word.
        "scale" => grouped(x, 2),
        "" => {
            if x.fract() == 0.0 && x.abs() < 1e15 {
                grouped(x, 0)
            } else {
                grouped(x, 2)
            }
        }
        currency => format!("{} {currency}", grouped(x, 0)),
    }
}

/// Columns that hold a difference of two values rather than a value.
const DIFFERENCES: [&str; 3] = ["change", "ci_low", "ci_high"];

/// A cell as shown: `–` for a missing value, a moment at midnight UTC
/// (a go-live given as a date) as its date; the CSV, JSON and workbook
/// keep the timestamp.
pub fn format_cell(t: &PanelTable, row: usize, column: &ColumnMeta) -> String {
    let Some(i) = t.index(column.name) else {
        return String::new();
    };
    match &t.rows[row][i] {
        Cell::Text(Some(v)) if column.name == "metric" => metric_label(v),
        Cell::Text(Some(v)) => midnight_date(v).unwrap_or(v).to_string(),
        Cell::Text(None) => "–".into(),
        c => c.as_f64().map_or_else(
            || "–".into(),
            |x| {
                let unit = unit_of(t, row, column);
                // A change of a share, and its interval, is in percentage points.
                if unit == "share" && DIFFERENCES.contains(&column.name) {
                    format!("{} pp", grouped(x * 100.0, 1))
                } else {
                    format_number(x, &unit)
                }
            },
        ),
    }
}

/// The date of a timestamp at midnight UTC as Yardstick writes it
/// (`2026-03-30T00:00:00Z` → `2026-03-30`).
fn midnight_date(v: &str) -> Option<&str> {
    v.strip_suffix("T00:00:00Z")
        .filter(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").is_ok())
}

/// Plain words for metric and field names shown as KPI labels.
pub fn metric_label(name: &str) -> String {
    match name {
        "error_rate" => "Error rate".into(),
        "escalation_rate" => "Escalation rate".into(),
        "response_mean_min" => "Mean time to first response".into(),
        "response_p50_min" => "Median time to first response".into(),
        "cycle_time_mean_min" => "Mean cycle time".into(),
        "cycle_time_p50_min" => "Median cycle time".into(),
        "human_minutes_per_item" => "Hands-on minutes per item".into(),
        "cycle_time_p90_min" => "Cycle time p90".into(),
        "response_p90_min" => "Time to first response p90".into(),
        "reclaimed_hours" => "Reclaimed hours".into(),
        "reclaimed_money" => "Reclaimed money".into(),
        other => {
            let s = other.replace('_', " ");
            let mut c = s.chars();
            c.next()
                .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
                .unwrap_or_default()
        }
    }
}

fn column<'a>(t: &'a PanelTable, name: &str) -> &'a ColumnMeta {
    &t.columns[t
        .index(name)
        .expect("checked when the dashboard was loaded")]
}

/// A scope's period as people read it, in the page's time zone: dates when
/// the bounds are its midnights.
pub fn period_text(scope: &super::source::Scope) -> String {
    let (p, tz) = (scope.period, scope.tz);
    let show = |t: chrono::NaiveDateTime| {
        let local = t.and_utc().with_timezone(&tz).naive_local();
        if local.time() == chrono::NaiveTime::MIN {
            local.date().to_string()
        } else if tz == chrono_tz::UTC {
            format_timestamp(t)
        } else {
            local.format("%Y-%m-%d %H:%M").to_string()
        }
    };
    format!(
        "{} to {} (exclusive), {}",
        show(p.from),
        show(p.to),
        tz.name()
    )
}

/// The period and n line under a chart's title.
pub fn caption(scope: &super::source::Scope, n: i64) -> String {
    format!("{} · n = {}", period_text(scope), grouped(n as f64, 0))
}

/// Picks the chart of `panel` out of its table.
pub fn chart_of(panel: &Panel, t: &PanelTable, caption: String) -> Chart {
    let mut chart = Chart {
        kind: panel.chart,
        title: panel.title.clone(),
        caption,
        unit: String::new(),
        labels: Vec::new(),
        series: Vec::new(),
        rows: Vec::new(),
        tiles: Vec::new(),
        marks: Vec::new(),
        // The view's reason, as plain text (no backticks in an image).
        empty: t.empty.as_ref().map(|why| why.replace('`', "")),
    };
    match panel.chart {
        ChartKind::Kpi => {
            chart.tiles = kpi_tiles(panel, t)
                .into_iter()
                .map(|k| Tile {
                    label: k.label,
                    value: k
                        .values
                        .iter()
                        .map(|v| v.shown.clone())
                        .collect::<Vec<_>>()
                        .join(" → "),
                    detail: k.detail,
                })
                .collect();
        }
        ChartKind::Table => {
            chart.labels = panel
                .fields
                .iter()
                .map(|f| column(t, f).label.to_string())
                .collect();
            chart.rows = (0..t.rows.len())
                .map(|r| {
                    panel
                        .fields
                        .iter()
                        .map(|f| format_cell(t, r, column(t, f)))
                        .collect()
                })
                .collect();
        }
        ChartKind::Line | ChartKind::Bar | ChartKind::StackedBar => {
            let x = column(t, panel.x.as_deref().expect("checked at load"));
            chart.labels = (0..t.rows.len()).map(|r| format_cell(t, r, x)).collect();
            chart.marks = t
                .marks
                .iter()
                .filter_map(|m| {
                    let at = (0..t.rows.len()).find(|&r| {
                        t.cell(r, x.name).and_then(Cell::as_text) == Some(m.x.as_str())
                    })?;
                    Some((at, m.text.clone()))
                })
                .collect();
            let first = column(t, &panel.fields[0]);
            chart.unit = match first.kind {
                ColKind::Money => t
                    .cell(0, "currency")
                    .and_then(Cell::as_text)
                    .unwrap_or("money")
                    .to_string(),
                k => k.unit().to_string(),
            };
            chart.series = panel
                .fields
                .iter()
                .map(|f| {
                    let c = column(t, f);
                    let i = t.index(f).expect("checked at load");
                    Series {
                        name: c.label.to_string(),
                        values: t.rows.iter().map(|r| r[i].as_f64()).collect(),
                    }
                })
                .collect();
        }
    }
    chart
}

/// One value of a KPI tile.
#[derive(Debug, Clone, PartialEq)]
pub struct KpiValue {
    pub field: String,
    pub value: Option<f64>,
    pub unit: String,
    pub shown: String,
}

/// One KPI tile, per row of the panel's table.
#[derive(Debug, Clone, PartialEq)]
pub struct Kpi {
    pub row: usize,
    /// The n of the tile, from the panel's `n` column.
    pub n: Option<f64>,
    pub label: String,
    pub values: Vec<KpiValue>,
    pub detail: String,
    /// The change against the previous period, in words, when the panel
    /// names a `change` column and the row has one.
    pub change: Option<KpiChange>,
}

/// A tile's change against the previous period.
#[derive(Debug, Clone, PartialEq)]
pub struct KpiChange {
    /// Empty when the change cannot be measured (its verdict says why).
    pub value: Option<f64>,
    /// `up`, `down`, `unclear` (the interval straddles 0, or none) or
    /// `unknown` (no change: the verdict says why).
    pub direction: &'static str,
    pub text: String,
}

/// The KPI tiles of a panel: one per row; the label from the `label` column,
/// the values of `fields` (two fields read as before → after), and a detail
/// line with the interval and n.
pub fn kpi_tiles(panel: &Panel, t: &PanelTable) -> Vec<Kpi> {
    (0..t.rows.len())
        .map(|r| {
            let label = panel
                .label
                .as_deref()
                .and_then(|l| t.cell(r, l))
                .and_then(Cell::as_text)
                .map_or_else(|| panel.title.clone(), metric_label);
            let values = panel
                .fields
                .iter()
                .map(|f| {
                    let c = column(t, f);
                    let unit = unit_of(t, r, c);
                    let value = t.cell(r, f).and_then(Cell::as_f64);
                    KpiValue {
                        field: f.clone(),
                        shown: value.map_or_else(|| "–".into(), |x| format_number(x, &unit)),
                        value,
                        unit,
                    }
                })
                .collect::<Vec<_>>();
            let unit = values.first().map(|v| v.unit.clone()).unwrap_or_default();
            let mut detail = Vec::new();
            let lo = panel
                .low
                .as_deref()
                .and_then(|f| t.cell(r, f))
                .and_then(Cell::as_f64);
            let hi = panel
                .high
                .as_deref()
                .and_then(|f| t.cell(r, f))
                .and_then(Cell::as_f64);
            if let (Some(lo), Some(hi)) = (lo, hi) {
                detail.push(format!(
                    "95% interval {} to {}",
                    format_number(lo, &unit),
                    format_number(hi, &unit)
                ));
            }
            if values.len() == 2 {
                detail.push("before → after".into());
            }
            let n = panel
                .n
                .as_deref()
                .and_then(|f| t.cell(r, f))
                .and_then(Cell::as_f64);
            if let Some(n) = n {
                detail.push(format!("n = {}", grouped(n, 0)));
            }
            // A tile with no value says why, where its view does.
            let why = t.cell(r, "missing").and_then(Cell::as_text);
            if let (true, Some(why)) = (values.iter().all(|v| v.value.is_none()), why) {
                detail.push(why.to_string());
            }
            let change = panel
                .change
                .as_deref()
                .and_then(|c| change_of(t, r, c, &unit));
            Kpi {
                row: r,
                n,
                label,
                values,
                detail: detail.join(" · "),
                change,
            }
        })
        .collect()
}

/// The change of row `r` in column `c` (with its `_low`, `_high`,
/// `_verdict`, `_against` and `_calendar` companions) in words:
/// "+12.5 hours against the previous 91 days (95% interval +3.1 to +20.0:
/// up, clearly); +11.0 against the previous quarter". Without a change but
/// with a verdict, the verdict says why: "No change against the previous 91
/// days (not measurable: …)".
fn change_of(t: &PanelTable, r: usize, c: &str, unit: &str) -> Option<KpiChange> {
    let num = |name: &str| t.cell(r, name).and_then(Cell::as_f64);
    let text = |name: &str| t.cell(r, name).and_then(Cell::as_text).map(str::to_string);
    let against = text(&format!("{c}_against")).unwrap_or_else(|| "the previous period".into());
    let Some(value) = num(c) else {
        let why = text(&format!("{c}_verdict"))?;
        return Some(KpiChange {
            value: None,
            direction: "unknown",
            text: format!("No change against {against} ({why})"),
        });
    };
    let signed = |x: f64| {
        let s = format_number(x.abs(), unit);
        if x > 0.0 {
            format!("+{s}")
        } else if x < 0.0 {
            format!("−{s}")
        } else {
            s
        }
    };
    let (lo, hi) = (num(&format!("{c}_low")), num(&format!("{c}_high")));
    let mut words = format!("{} against {against}", signed(value));
    let verdict = text(&format!("{c}_verdict"));
    match (lo, hi, &verdict) {
        (Some(lo), Some(hi), Some(v)) => words.push_str(&format!(
            " (95% interval {} to {}: {v})",
            signed(lo),
            signed(hi)
        )),
        (_, _, Some(v)) => words.push_str(&format!(" ({v})")),
        _ => {}
    }
    if let (Some(cal), Some(against)) = (num(&format!("{c}_calendar")), text("calendar_against")) {
        words.push_str(&format!("; {} against {against}", signed(cal)));
    }
    // The arrow says what the verdict says: an interval on one side of 0
    // whose verdict is not a clear change ("too little data: n=0 before")
    // is drawn unclear, not as a rise.
    let clear = verdict.as_deref().is_none_or(|v| v.contains("clearly"));
    let direction = match (lo, hi) {
        (Some(lo), _) if clear && lo > 0.0 => "up",
        (_, Some(hi)) if clear && hi < 0.0 => "down",
        _ => "unclear",
    };
    Some(KpiChange {
        value: Some(value),
        direction,
        text: words,
    })
}

/// A panel table as a polars DataFrame with the declared column types.
pub fn frame(t: &PanelTable) -> Result<DataFrame, polars::prelude::PolarsError> {
    let columns: Vec<Column> = t
        .columns
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let name = c.name.into();
            match c.kind {
                ColKind::Text => Column::new(
                    name,
                    t.rows
                        .iter()
                        .map(|r| r[i].as_text().map(str::to_string))
                        .collect::<Vec<_>>(),
                ),
                ColKind::Count => Column::new(
                    name,
                    t.rows
                        .iter()
                        .map(|r| match &r[i] {
                            Cell::Int(v) => *v,
                            other => other.as_f64().map(|x| x as i64),
                        })
                        .collect::<Vec<_>>(),
                ),
                _ => Column::new(
                    name,
                    t.rows.iter().map(|r| r[i].as_f64()).collect::<Vec<_>>(),
                ),
            }
        })
        .collect();
    DataFrame::new(t.rows.len(), columns)
}

/// The panel's table as CSV: every column of its source, full precision.
pub fn csv(t: &PanelTable) -> Result<Vec<u8>, polars::prelude::PolarsError> {
    let mut df = frame(t)?;
    let mut out = Vec::new();
    CsvWriter::new(&mut out)
        .include_header(true)
        .finish(&mut df)?;
    Ok(out)
}

/// The panel's table as JSON.
pub fn json(c: &Computed, panel: &Panel, t: &PanelTable) -> serde_json::Value {
    let scope = c.scope.as_ref();
    serde_json::json!({
        "dashboard": c.dashboard.name,
        "panel": panel.id,
        "title": panel.title,
        "source": panel.source.describe(),
        "from": scope.map(|s| format_timestamp(s.period.from)),
        "to": scope.map(|s| format_timestamp(s.period.to)),
        "workflows": scope.map(|s| s.workflows.clone()),
        "n": t.n,
        "notes": t.notes,
        "columns": t.columns.iter().map(|c| serde_json::json!({
            "name": c.name, "label": c.label, "unit": c.kind.unit(),
        })).collect::<Vec<_>>(),
        "rows": t.rows_json(),
    })
}

/// The JSON Schema of [`json`]'s body.
pub fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    use crate::schema::{array, object};
    use schemars::json_schema;
    let text = || json_schema!({ "type": "string" });
    let maybe_time = || json_schema!({ "type": ["string", "null"], "format": "date-time" });
    let column = object(
        vec![("name", text()), ("label", text()), ("unit", text())],
        &[],
    );
    let cell = json_schema!({ "type": ["string", "number", "null"] });
    object(
        vec![
            ("dashboard", text()),
            ("panel", text()),
            ("title", text()),
            ("source", text()),
            ("from", maybe_time()),
            ("to", maybe_time()),
            (
                "workflows",
                json_schema!({ "type": ["array", "null"], "items": { "type": "string" } }),
            ),
            ("n", json_schema!({ "type": "integer" })),
            ("notes", array(text())),
            ("columns", array(column)),
            (
                "rows",
                array(json_schema!({ "type": "object", "additionalProperties": cell })),
            ),
        ],
        &[],
    )
}

/// An Excel sheet name: at most 31 characters, none of `[]:*?/\`, unique.
fn sheet_name(id: &str, taken: &[String]) -> String {
    let clean: String = id
        .chars()
        .filter(|c| !"[]:*?/\\".contains(*c))
        .take(28)
        .collect();
    let mut name = clean.clone();
    let mut k = 2;
    while taken.iter().any(|t| t.eq_ignore_ascii_case(&name)) || name.eq_ignore_ascii_case("Method")
    {
        name = format!("{clean}-{k}");
        k += 1;
    }
    name
}

/// The whole dashboard as an XLSX workbook: a sheet per panel holding every
/// column of its table (numbers as numbers, shares as fractions formatted as
/// percentages), and a Method sheet with the period, filters, definitions,
/// baselines, assumptions and n.
pub fn xlsx(c: &Computed) -> Result<Vec<u8>, XlsxError> {
    let mut wb = Workbook::new();
    let bold = Format::new().set_bold();
    let pct = Format::new().set_num_format("0.0%");
    let dec = Format::new().set_num_format("#,##0.00");
    let int = Format::new().set_num_format("#,##0");
    let wrap = Format::new().set_text_wrap();
    let mut taken: Vec<String> = Vec::new();
    for (panel, t) in c.panels() {
        let name = sheet_name(&panel.id, &taken);
        taken.push(name.clone());
        let ws = wb.add_worksheet();
        ws.set_name(&name)?;
        for (j, col) in t.columns.iter().enumerate() {
            let j = j as u16;
            ws.write_string_with_format(0, j, col.name, &bold)?;
            ws.set_column_width(j, (col.name.len() as f64 + 2.0).max(12.0))?;
            for (r, row) in t.rows.iter().enumerate() {
                let r = r as u32 + 1;
                match &row[j as usize] {
                    Cell::Text(Some(s)) => {
                        ws.write_string(r, j, s)?;
                    }
                    Cell::Int(Some(x)) => {
                        ws.write_number_with_format(r, j, *x as f64, &int)?;
                    }
                    cell => {
                        if let Some(x) = cell.as_f64() {
                            let f = if col.kind == ColKind::Share
                                || (col.kind == ColKind::Number
                                    && unit_of(t, r as usize - 1, col) == "share")
                            {
                                &pct
                            } else {
                                &dec
                            };
                            ws.write_number_with_format(r, j, x, f)?;
                        }
                    }
                }
            }
        }
    }
    let ws = wb.add_worksheet();
    ws.set_name("Method")?;
    ws.set_column_width(0, 34)?;
    ws.set_column_width(1, 110)?;
    let mut r = 0u32;
    let mut line =
        |ws: &mut rust_xlsxwriter::Worksheet, k: &str, v: &str| -> Result<(), XlsxError> {
            ws.write_string_with_format(r, 0, k, &bold)?;
            ws.write_string_with_format(r, 1, v, &wrap)?;
            r += 1;
            Ok(())
        };
    let d = &c.dashboard;
    line(ws, "Dashboard", &format!("{} ({})", d.title, d.name))?;
    line(ws, "About", &d.description)?;
    if let Some(s) = &c.scope {
        line(
            ws,
            "Period",
            &format!(
                "[{}, {}) UTC ({}): runs whose trigger (else start) lies in it",
                format_timestamp(s.period.from),
                format_timestamp(s.period.to),
                period_text(s)
            ),
        )?;
        line(ws, "Workflows in view", &s.workflows.join(", "))?;
    } else {
        line(ws, "Period", "no runs are stored yet")?;
    }
    line(
        ws,
        "Filters",
        &c.filters.query_string(true).replace('&', ", "),
    )?;
    for (k, v) in DEFINITIONS {
        line(ws, k, v)?;
    }
    r += 1;
    ws.write_string_with_format(r, 0, "Panel", &bold)?;
    ws.write_string_with_format(r, 1, "Source, n and notes", &bold)?;
    r += 1;
    for (panel, t) in c.panels() {
        let mut v = format!("{}: {}; n = {}", panel.title, panel.source.describe(), t.n);
        for n in &t.notes {
            v.push_str("; ");
            v.push_str(n);
        }
        ws.write_string(r, 0, &panel.id)?;
        ws.write_string_with_format(r, 1, &v, &wrap)?;
        r += 1;
    }
    r += 1;
    let heads = [
        "workflow_id",
        "in force from",
        "in force until",
        "baseline B (min/item)",
        "B from",
        "study observations",
        "hourly cost",
        "currency",
        "automated since",
        "catalogue version",
    ];
    ws.write_string_with_format(r, 0, "Baselines and assumptions per workflow", &bold)?;
    r += 1;
    ws.write_string(
        r,
        0,
        "One row per terms row of the catalogue: a run is valued by the row in force at its \
         anchor (money = Σ (B − counted human minutes) / 60 × that row's hourly cost).",
    )?;
    r += 1;
    for (j, h) in heads.iter().enumerate() {
        ws.write_string_with_format(r, j as u16, *h, &bold)?;
    }
    r += 1;
    for e in &c.catalogue {
        let w = &e.workflow;
        let current = [crate::model::Term {
            effective_from: w.effective_from,
            effective_to: None,
            b: e.b,
            b_source: e.b_source.clone(),
            hourly_cost: w.hourly_cost,
            currency: w.currency.clone(),
            sla_response_minutes: w.sla_response_minutes,
            sla_cycle_minutes: w.sla_cycle_minutes,
            cost_per_run: w.cost_per_run,
            maintenance_hours_per_month: w.maintenance_hours_per_month,
        }];
        let terms = if e.terms.is_empty() {
            &current[..]
        } else {
            &e.terms[..]
        };
        for t in terms {
            let at = |t: Option<chrono::NaiveDateTime>, open: &str| {
                t.map(format_timestamp).unwrap_or_else(|| open.to_string())
            };
            ws.write_string(r, 0, &w.workflow_id)?;
            ws.write_string(r, 1, at(t.effective_from, "the beginning"))?;
            ws.write_string(r, 2, at(t.effective_to, "now"))?;
            if let Some(b) = t.b {
                ws.write_number(r, 3, b)?;
            }
            ws.write_string(r, 4, &t.b_source)?;
            ws.write_number(r, 5, e.baseline_observations as f64)?;
            if let Some(h) = t.hourly_cost {
                ws.write_number(r, 6, h)?;
            }
            ws.write_string(r, 7, t.currency.as_deref().unwrap_or(""))?;
            ws.write_string(
                r,
                8,
                w.automated_since.map(format_timestamp).unwrap_or_default(),
            )?;
            ws.write_string(r, 9, format_timestamp(e.recorded_at))?;
            r += 1;
        }
    }
    if let Some(rep) = &c.reporting {
        r += 1;
        ws.write_string_with_format(r, 0, format!("Reclaimed money in {}", rep.currency), &bold)?;
        r += 1;
        ws.write_string(
            r,
            0,
            "Each run's money (in its workflow's currency, at the terms in force at its anchor) \
             × the latest rate dated on or before its anchor's day; the effective rate is \
             converted ÷ own money. Totals with money that had no rate are left empty.",
        )?;
        r += 1;
        let heads = [
            "workflow_id",
            "money",
            "currency",
            "effective rate",
            "converted",
        ];
        for (j, h) in heads.iter().enumerate() {
            ws.write_string_with_format(r, j as u16, *h, &bold)?;
        }
        r += 1;
        for row in rep.rows.iter().filter(|x| x.native_money.is_some()) {
            ws.write_string(r, 0, &row.workflow_id)?;
            if let Some(m) = row.native_money {
                ws.write_number(r, 1, m)?;
            }
            ws.write_string(r, 2, row.native_currency.as_deref().unwrap_or(""))?;
            if let Some(x) = row.rate {
                ws.write_number(r, 3, x)?;
            }
            if let Some(v) = row.reclaimed_money {
                ws.write_number(r, 4, v)?;
            }
            r += 1;
        }
        ws.write_string_with_format(r, 0, "total", &bold)?;
        ws.write_string(r, 2, &rep.currency)?;
        match rep.total {
            Some(v) => ws.write_number(r, 4, v)?,
            None => ws.write_string(r, 4, rep.total_missing.as_deref().unwrap_or(""))?,
        };
        r += 2;
        let heads = ["rate of", "date", "rate", "runs"];
        for (j, h) in heads.iter().enumerate() {
            ws.write_string_with_format(r, j as u16, *h, &bold)?;
        }
        r += 1;
        for x in &rep.rates {
            ws.write_string(r, 0, format!("1 {} in {}", x.currency, rep.currency))?;
            ws.write_string(r, 1, x.date.to_string())?;
            ws.write_number(r, 2, x.rate)?;
            ws.write_number(r, 3, x.runs as f64)?;
            r += 1;
        }
        for u in &rep.unconverted {
            ws.write_string(
                r,
                0,
                format!(
                    "not converted: {} {:.2} {} of {} runs, {} to {} (no rate)",
                    u.workflow_id, u.money, u.currency, u.runs, u.first_day, u.last_day
                ),
            )?;
            r += 1;
        }
    }
    wb.save_to_buffer()
}

/// The definitions printed on the Method sheet and under every page.
pub const DEFINITIONS: [(&str, &str); 7] = [
    (
        "Error rate",
        "failed / (succeeded + failed + escalated) runs; cancelled and running runs are not in the denominator",
    ),
    (
        "Escalation rate",
        "escalated / (succeeded + failed + escalated) runs",
    ),
    (
        "Cycle time",
        "finished_at − coalesce(trigger_at, started_at) of succeeded and escalated runs; p50 and p90 by linear interpolation",
    ),
    (
        "Time to response",
        "first_response_at − coalesce(trigger_at, started_at), where a first response is recorded",
    ),
    (
        "SLA compliance",
        "share of runs with a measured time within the workflow's SLA minutes",
    ),
    (
        "Reclaimed hours",
        "Σ (B − human minutes) / 60 over terminal runs since go-live; a failed run without human minutes counts as fully manual (reclaims 0). B = the catalogue's override, else the mean handle minutes of the time study",
    ),
    (
        "Reclaimed money",
        "reclaimed hours × the workflow's hourly cost, per currency, never converted; intervals are 95% bootstrap intervals (seeded, reproducible)",
    ),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_moment_at_midnight_is_shown_as_its_date() {
        assert_eq!(midnight_date("2026-03-30T00:00:00Z"), Some("2026-03-30"));
        assert_eq!(midnight_date("2026-03-30T09:00:00Z"), None);
        assert_eq!(midnight_date("someday T00:00:00Z"), None);
        assert_eq!(midnight_date("2026-02-30T00:00:00Z"), None);
    }

    #[test]
    fn numbers_are_formatted_for_people() {
        assert_eq!(format_number(1234567.891, "hours"), "1,234,567.9 h");
        assert_eq!(format_number(0.04123, "share"), "4.1%");
        assert_eq!(format_number(3.6958, "scale"), "3.70");
        assert_eq!(format_number(-12.34, "min"), "−12.3 min");
        assert_eq!(format_number(-0.01, "min"), "0.0 min");
        assert_eq!(format_number(98765.4, "EUR"), "98,765 EUR");
        assert_eq!(format_number(1000.0, "count"), "1,000");
        assert_eq!(format_number(999.0, "count"), "999");
        assert_eq!(format_number(12.5, ""), "12.50");
    }

    /// A headline-like table of one row: a change, its interval and verdict.
    fn change_table(change: f64, low: f64, high: f64, verdict: &str) -> PanelTable {
        let mut t = unknown_change(verdict);
        t.rows[0][..3].clone_from_slice(&[
            Cell::Real(Some(change)),
            Cell::Real(Some(low)),
            Cell::Real(Some(high)),
        ]);
        t
    }

    /// [`change_table`] without a change: only its verdict.
    fn unknown_change(verdict: &str) -> PanelTable {
        use super::super::source::{col, ColKind::*};
        const COLUMNS: &[ColumnMeta] = &[
            col("change", "Change", Number),
            col("change_low", "Low", Number),
            col("change_high", "High", Number),
            col("change_verdict", "Verdict", Text),
        ];
        PanelTable {
            columns: COLUMNS,
            rows: vec![vec![
                Cell::Real(None),
                Cell::Real(None),
                Cell::Real(None),
                Cell::Text(Some(verdict.into())),
            ]],
            n: 1,
            facts: false,
            notes: Vec::new(),
            empty: None,
            marks: Vec::new(),
        }
    }

    #[test]
    fn a_change_arrow_follows_its_verdict() {
        let direction = |t: &PanelTable| change_of(t, 0, "change", "hours").unwrap().direction;
        assert_eq!(direction(&change_table(5.0, 2.0, 8.0, "up, clearly")), "up");
        assert_eq!(
            direction(&change_table(-5.0, -8.0, -2.0, "down, clearly")),
            "down"
        );
        assert_eq!(
            direction(&change_table(1.0, -2.0, 4.0, "no clear change")),
            "unclear"
        );
        // The interval lies above 0, but against a previous period without
        // enough runs the verdict is no change at all: no rising arrow.
        let thin = change_table(
            1753.8,
            1644.5,
            1873.5,
            "too little data: n=9227 now, n=0 before",
        );
        let c = change_of(&thin, 0, "change", "hours").unwrap();
        assert_eq!(c.direction, "unclear");
        let says = ": too little data: n=9227 now, n=0 before)";
        assert!(c.text.ends_with(says), "{}", c.text);
    }

    /// A change that cannot be measured is shown as none, with its reason,
    /// never as a 0 or left out of the tile.
    #[test]
    fn an_unknown_change_says_why() {
        let why = "not measurable: the previous period ends before the first stored run \
                   (2026-02-03T09:00:00Z)";
        let c = change_of(&unknown_change(why), 0, "change", "hours").unwrap();
        assert_eq!((c.value, c.direction), (None, "unknown"));
        assert_eq!(
            c.text,
            format!("No change against the previous period ({why})")
        );
        // Neither a change nor a verdict: no change line at all.
        let mut none = unknown_change("x");
        none.rows[0][3] = Cell::Text(None);
        assert_eq!(change_of(&none, 0, "change", "hours"), None);
    }

    #[test]
    fn sheet_names_are_valid_and_unique() {
        let taken = vec!["by-team".to_string()];
        assert_eq!(sheet_name("by-team", &taken), "by-team-2");
        assert_eq!(sheet_name("method", &[]), "method-2");
        assert!(sheet_name(&"x".repeat(40), &[]).len() <= 31);
    }
}
