//! Charts drawn with plotters, as SVG text and PNG bytes, from a [`Chart`]
//! already picked out of a panel's table. Pure: no I/O, no store.
//!
//! Text is drawn with DejaVu Sans embedded in the binary and registered with
//! plotters, so PNG text is readable on a machine without system fonts.

/// The kinds of chart a dashboard panel can ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChartKind {
    Kpi,
    Line,
    Bar,
    StackedBar,
    Table,
}

/// One named series of values aligned with [`Chart::labels`]; `None` is a gap.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    pub name: String,
    pub values: Vec<Option<f64>>,
}

/// One KPI tile: a label, the value as formatted text, and a detail line
/// (interval, n, period).
#[derive(Debug, Clone, PartialEq)]
pub struct Tile {
    pub label: String,
    pub value: String,
    pub detail: String,
}

/// Everything a chart draws.
#[derive(Debug, Clone, PartialEq)]
pub struct Chart {
    pub kind: ChartKind,
    pub title: String,
    /// One line under the title: the period and n.
    pub caption: String,
    /// The unit of the values: `hours`, `min`, `share` (0..1, drawn as %),
    /// `runs`, or a currency code.
    pub unit: String,
    /// Line, bar, stacked bar: the x categories in order. Table: the column headers.
    pub labels: Vec<String>,
    /// Line, bar, stacked bar: one series per y field.
    pub series: Vec<Series>,
    /// Table: the rows as formatted cell text, one entry per header.
    pub rows: Vec<Vec<String>>,
    /// KPI: the tiles.
    pub tiles: Vec<Tile>,
}

/// Why a chart could not be drawn.
#[derive(Debug, thiserror::Error)]
#[error("chart `{title}`: {reason}")]
pub struct ChartError {
    pub title: String,
    pub reason: String,
}

/// The chart as an SVG document of `width` × `height` pixels.
pub fn svg(chart: &Chart, width: u32, height: u32) -> Result<String, ChartError> {
    let _ = (chart, width, height);
    unimplemented!("helper A fills this in")
}

/// The chart as a PNG image of `width` × `height` pixels.
pub fn png(chart: &Chart, width: u32, height: u32) -> Result<Vec<u8>, ChartError> {
    let _ = (chart, width, height);
    unimplemented!("helper A fills this in")
}
