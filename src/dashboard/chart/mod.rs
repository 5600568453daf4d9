//! Charts drawn with plotters, as SVG text and PNG bytes, from a [`Chart`]
//! already picked out of a panel's table. Pure: no I/O, no store.
//!
//! Text is drawn with DejaVu Sans embedded in the binary and registered with
//! plotters, so PNG text is readable on a machine without system fonts.
//!
//! The layout is computed here rather than by plotters' `ChartBuilder`, so
//! that every kind shares one header (title, caption, legend), one value axis
//! with "nice" ticks, and thinned or truncated category labels; plotters
//! draws the primitives (rectangles, paths, circles, text) on its SVG and
//! bitmap backends.
//!
//! Orientation of bar charts: when the labels are dates (`2026-01-05`,
//! `2026-01`, `2026-W02`, `2026`) they form a time axis and the bars stand
//! upright along it, with thinned labels; any other categories are drawn as
//! horizontal bars, one readable row per label, truncated with "…". Both
//! are one code path (`bar_chart`, `Painter::value_axis`) laid out in
//! (category, value) coordinates that an `Orientation` maps to pixels.
//!
//! `scale` holds the numbers (the values of a series, stacks, the value
//! axis's ticks, label thinning, an orientation's geometry) and draws
//! nothing; `canvas` holds the `Painter` (fonts, colours, text fitting,
//! primitives) and the parts every kind shares (header, legend, empty state,
//! axes); this file draws each kind.

mod canvas;
mod scale;

use plotters::coord::Shift;
use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::text_anchor::HPos;

use canvas::{
    colour, fonts_registered, Drawn, Ink, Painter, AXIS, BACKGROUND, MUTED, STRIPE, TEXT, TILE,
};
use scale::{
    finite_values, has_data, is_time_axis, runs, stack, stack_extent, thin_step, value,
    value_range, Orientation, Rect,
};

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
    /// Line, upright bars: moments marked on the x axis (a go-live), each
    /// at the index of its label, drawn as a dashed line with its text.
    pub marks: Vec<(usize, String)>,
    /// Why there is nothing to draw, when the table's view said
    /// ([`crate::dashboard::PanelTable::empty`]): drawn in place of "No data
    /// for this period".
    pub empty: Option<String>,
}

/// Why a chart could not be drawn.
#[derive(Debug, thiserror::Error)]
#[error("chart `{title}`: {reason}")]
pub struct ChartError {
    pub title: String,
    pub reason: String,
}

/// The series colours, in order (RGB): the Okabe–Ito colour-blind-safe
/// palette, with yellow and black last. Series `i` is drawn in
/// `PALETTE[i % PALETTE.len()]`; in a line chart the series after the
/// eighth are dashed.
pub const PALETTE: [(u8, u8, u8); 8] = [
    (0x00, 0x72, 0xB2), // blue
    (0xE6, 0x9F, 0x00), // orange
    (0x00, 0x9E, 0x73), // bluish green
    (0xD5, 0x5E, 0x00), // vermillion
    (0x56, 0xB4, 0xE9), // sky blue
    (0xCC, 0x79, 0xA7), // reddish purple
    (0xF0, 0xE4, 0x42), // yellow
    (0x00, 0x00, 0x00), // black
];

/// The message drawn instead of axes when a chart has nothing to show.
pub const NO_DATA: &str = "No data for this period";

/// A table draws at most this many rows, then a line pointing to the CSV.
pub const MAX_TABLE_ROWS: usize = 20;

/// A, A or B, A, B or C.
pub fn or_list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

/// The largest width or height accepted, in pixels.
pub const MAX_SIDE: u32 = 8192;

/// The chart as an SVG document of `width` × `height` pixels.
pub fn svg(chart: &Chart, width: u32, height: u32) -> Result<String, ChartError> {
    check(chart, width, height)?;
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, (width, height)).into_drawing_area();
        render(&root, chart, None).map_err(|e| failure(chart, e))?;
        root.present().map_err(|e| failure(chart, e))?;
    }
    Ok(out)
}

/// The chart as a PNG image of `width` × `height` pixels.
///
/// The picture is drawn at twice the size and scaled down, which smooths
/// the lines and places glyphs to half a pixel (plotters' bitmap text
/// rounds every glyph to whole pixels).
pub fn png(chart: &Chart, width: u32, height: u32) -> Result<Vec<u8>, ChartError> {
    check(chart, width, height)?;
    let factor = if u64::from(width) * u64::from(height) <= SUPERSAMPLE_MAX_PIXELS {
        2
    } else {
        1
    };
    let (big_w, big_h) = (width * factor, height * factor);
    let mut big = vec![0u8; big_w as usize * big_h as usize * 3];
    {
        let root = BitMapBackend::with_buffer(&mut big, (big_w, big_h)).into_drawing_area();
        render(&root, chart, Some(factor)).map_err(|e| failure(chart, e))?;
        root.present().map_err(|e| failure(chart, e))?;
    }
    let rgb = downsample(&big, width, height, factor);
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, width, height);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header().map_err(|e| failure(chart, e))?;
    writer
        .write_image_data(&rgb)
        .map_err(|e| failure(chart, e))?;
    writer.finish().map_err(|e| failure(chart, e))?;
    Ok(out)
}

/// Canvases up to this many pixels are drawn at twice the size for PNG.
/// Larger ones are drawn as they are, to keep memory in bounds.
const SUPERSAMPLE_MAX_PIXELS: u64 = 2048 * 2048;

/// Averages each `factor` × `factor` block of an RGB image of
/// `width * factor` × `height * factor` pixels into one pixel.
fn downsample(big: &[u8], width: u32, height: u32, factor: u32) -> Vec<u8> {
    if factor == 1 {
        return big.to_vec();
    }
    let (w, h, f) = (width as usize, height as usize, factor as usize);
    let big_stride = w * f * 3;
    let area = (f * f) as u32;
    let mut out = vec![0u8; w * h * 3];
    for y in 0..h {
        for x in 0..w {
            for c in 0..3 {
                let mut sum = 0u32;
                for dy in 0..f {
                    let row = (y * f + dy) * big_stride;
                    for dx in 0..f {
                        sum += u32::from(big[row + (x * f + dx) * 3 + c]);
                    }
                }
                out[(y * w + x) * 3 + c] = ((sum + area / 2) / area) as u8;
            }
        }
    }
    out
}

fn failure(chart: &Chart, reason: impl std::fmt::Display) -> ChartError {
    ChartError {
        title: chart.title.clone(),
        reason: reason.to_string(),
    }
}

fn check(chart: &Chart, width: u32, height: u32) -> Result<(), ChartError> {
    if width == 0 || height == 0 || width > MAX_SIDE || height > MAX_SIDE {
        return Err(failure(
            chart,
            format!("size {width}×{height} is outside 1×1 to {MAX_SIDE}×{MAX_SIDE}"),
        ));
    }
    if !fonts_registered() {
        return Err(failure(chart, "the embedded DejaVu Sans font did not load"));
    }
    Ok(())
}

impl<DB: DrawingBackend> Painter<'_, DB> {
    // -----------------------------------------------------------------------
    // The kinds

    fn line_chart(&self, chart: &Chart, body: Rect) -> Drawn<DB> {
        let n = chart.labels.len();
        let (min, max) = value_range(chart.series.iter().flat_map(|s| finite_values(s, n)));
        let last_w = chart
            .labels
            .last()
            .map_or(0, |l| self.width(l, self.tick_ink()).min(self.px(150.0)));
        let inset = self.px(10.0);
        let right_margin = (last_w / 2 - inset).clamp(self.px(8.0), body.w() / 5);
        let Some((plot, axis)) = self.value_axis(
            body,
            (min, max),
            &chart.unit,
            Orientation::Upright,
            right_margin,
        )?
        else {
            return Ok(());
        };
        let span = f64::from(plot.w() - 2 * inset);
        let x_of = |i: usize| -> i32 {
            if n == 1 {
                (plot.x0 + plot.x1) / 2
            } else {
                plot.x0 + inset + (span * i as f64 / (n - 1) as f64).round() as i32
            }
        };
        let centers: Vec<i32> = (0..n).map(x_of).collect();
        self.category_labels_below(
            &chart.labels,
            &centers,
            plot.y1 + self.px(7.0),
            (body.x0, self.w - self.pad / 2),
        )?;

        self.marks(chart, &centers, plot)?;
        let stroke = (2.0 * self.s).round().max(1.0) as u32;
        let markers = n <= 24;
        let radius = (2.5 * self.s).round().max(2.0) as u32;
        for (j, series) in chart.series.iter().enumerate() {
            let c = colour(j);
            for run in runs(series, n) {
                let points: Vec<(i32, i32)> = run
                    .iter()
                    .map(|&(i, v)| (centers[i], axis.to_px(v, plot.y1, plot.y0)))
                    .collect();
                if points.len() >= 2 && j >= PALETTE.len() {
                    // The palette has come round again: dashes tell the
                    // series apart from the one of the same colour.
                    self.area.draw(&DashedPathElement::new(
                        points.clone(),
                        self.px(7.0),
                        self.px(4.0),
                        c.stroke_width(stroke),
                    ))?;
                } else if points.len() >= 2 {
                    self.line(points.clone(), c, stroke)?;
                }
                if markers || points.len() == 1 {
                    for p in points {
                        self.area.draw(&Circle::new(p, radius, c.filled()))?;
                    }
                }
            }
        }
        Ok(())
    }

    /// Bars, stacked or side by side in each category: upright along a time
    /// axis, with thinned labels below; sideways otherwise, one row per
    /// category with its label on the left.
    fn bar_chart(&self, chart: &Chart, body: Rect, stacked: bool) -> Drawn<DB> {
        let n = chart.labels.len();
        let range = if stacked {
            value_range((0..n).flat_map(|i| {
                let (neg, pos) = stack_extent(&chart.series, i);
                [neg, pos]
            }))
        } else {
            value_range(chart.series.iter().flat_map(|s| finite_values(s, n)))
        };
        let o = if is_time_axis(&chart.labels) {
            Orientation::Upright
        } else {
            Orientation::Sideways
        };
        let ink = self.tick_ink();
        // Sideways, the labels are fitted first: the widest sets the plot's left edge.
        let (side_labels, margin) = match o {
            Orientation::Upright => (Vec::new(), self.px(8.0)),
            Orientation::Sideways => {
                let max_label = (f64::from(body.w()) * 0.38) as i32;
                let texts: Vec<String> = chart
                    .labels
                    .iter()
                    .map(|l| self.fit(l, ink, max_label))
                    .collect();
                let label_w = texts.iter().map(|t| self.width(t, ink)).max();
                (texts, label_w.unwrap_or(0) + self.px(10.0))
            }
        };
        let Some((plot, axis)) = self.value_axis(body, range, &chart.unit, o, margin)? else {
            return Ok(());
        };
        let (start, end) = o.categories(plot);
        let slot = f64::from(end - start) / n as f64;
        let centers: Vec<i32> = (0..n)
            .map(|i| start + (slot * (i as f64 + 0.5)).round() as i32)
            .collect();
        let side_step = thin_step(f64::from(ink.line()) * 1.15, slot);
        if o == Orientation::Upright {
            let bounds = (body.x0, self.w - self.pad / 2);
            let y = plot.y1 + self.px(7.0);
            self.category_labels_below(&chart.labels, &centers, y, bounds)?;
        }
        let (lo, hi) = o.values(plot);
        let at = |v: f64| axis.to_px(v, lo, hi);
        // One bar: `along` on the category axis, from value pixel `from` to `to`.
        let bar = |(a, b): (i32, i32), (from, to): (i32, i32), j: usize| {
            let (p, q) = (o.point(a, from), o.point(b, to));
            self.fill(p.0, p.1, q.0, q.1, colour(j))
        };
        let sizes = o.bar_sizes();
        let k = chart.series.len().max(1) as f64;
        for (i, &center) in centers.iter().enumerate() {
            if let Some(text) = side_labels.get(i).filter(|_| i % side_step == 0) {
                let at = (plot.x0 - self.px(8.0), center);
                self.text_mid(text, at, ink, HPos::Right)?;
            }
            if stacked {
                let thick = (slot * 0.7)
                    .min(f64::from(self.px(sizes.stack_max)))
                    .max(1.0);
                let a = center - (thick / 2.0).round() as i32;
                let b = a + (thick.round() as i32).max(1);
                for (j, from, to) in stack(&chart.series, i) {
                    bar((a, b), (at(from), at(to)), j)?;
                }
            } else {
                let group = (slot * sizes.group_share).min(k * f64::from(self.px(sizes.group_max)));
                let each = group / k;
                let inner = (each * sizes.inner_share).max(1.0);
                for (j, series) in chart.series.iter().enumerate() {
                    let Some(v) = value(series, i) else { continue };
                    if v == 0.0 {
                        continue;
                    }
                    let first =
                        f64::from(center) - group / 2.0 + each * j as f64 + (each - inner) / 2.0;
                    let a = first.round() as i32;
                    let b = (first + inner).round().max(f64::from(a + 1)) as i32;
                    bar((a, b), (at(0.0), at(v)), j)?;
                }
            }
        }
        if o == Orientation::Upright {
            // A mark stands at the start of its category (the week it begins).
            let starts: Vec<i32> = centers
                .iter()
                .map(|c| c - (slot / 2.0).round() as i32)
                .collect();
            self.marks(chart, &starts, plot)?;
        }
        Ok(())
    }

    /// The chart's marks (a go-live): a dashed grey line across the plot at
    /// `xs[at]`, its text at the top, beside it, staggered over three lines
    /// so that marks in neighbouring weeks do not write over each other.
    fn marks(&self, chart: &Chart, xs: &[i32], plot: Rect) -> Drawn<DB> {
        let grey = RGBColor(0x5b, 0x68, 0x76);
        let ink = Ink::regular(self.size(11.0), grey);
        let stroke = self.s.round().max(1.0) as u32;
        for (k, (at, text)) in chart.marks.iter().enumerate() {
            let Some(&x) = xs.get(*at) else { continue };
            self.area.draw(&DashedPathElement::new(
                vec![(x, plot.y0), (x, plot.y1)],
                self.px(4.0),
                self.px(3.0),
                grey.stroke_width(stroke),
            ))?;
            let y = plot.y0 + self.px(2.0) + (k % 3) as i32 * ink.line();
            let room = plot.x1 - x - self.px(4.0);
            if self.width(text, ink) <= room {
                self.text(text, (x + self.px(4.0), y), ink, HPos::Left)?;
            } else {
                self.text(text, (x - self.px(4.0), y), ink, HPos::Right)?;
            }
        }
        Ok(())
    }

    fn table(&self, chart: &Chart, body: Rect) -> Drawn<DB> {
        let columns = chart
            .rows
            .iter()
            .map(Vec::len)
            .chain([chart.labels.len()])
            .max()
            .unwrap_or(0);
        if columns == 0 {
            return self.empty(chart, body);
        }
        let ink = Ink::regular(self.size(12.5), TEXT);
        let header_ink = Ink::bold(ink.size, TEXT);
        let row_h = ink.line() + self.px(9.0);
        let cell_pad = self.px(8.0);
        let cell = |row: &[String], c: usize| row.get(c).map_or("", |s| s.trim()).to_string();
        // How many rows fit under a header of `lines` lines (none without
        // labels), and so how many are shown and how many left out.
        let rows_under = |lines: i32| {
            let header_h = if chart.labels.is_empty() {
                0
            } else {
                row_h + (lines - 1) * ink.line() + self.px(2.0)
            };
            let fit = ((body.h() - header_h) / row_h).max(0) as usize;
            let total = chart.rows.len();
            if total <= fit.min(MAX_TABLE_ROWS) {
                (fit, total, 0)
            } else {
                let shown = fit.saturating_sub(1).min(MAX_TABLE_ROWS);
                (fit, shown, total - shown)
            }
        };

        // Column widths: each column's widest cell and its header, the
        // first column taking what is left over. When space is short the
        // headers wrap onto two lines, then give way (the cells keep every
        // character), then the widest texts do, figures last; the first
        // column (what names the row) keeps its own width up to 30% of the
        // table ([`fit_columns`]).
        let avail = body.w();
        let measure = |shown: usize, wrap: bool| -> (Vec<i32>, Vec<i32>) {
            (0..columns)
                .map(|c| {
                    let label = cell(&chart.labels, c);
                    let header = if wrap {
                        let (a, b) = self.two_lines(&label, header_ink);
                        self.width(&a, header_ink).max(self.width(&b, header_ink))
                    } else {
                        self.width(&label, header_ink)
                    };
                    let cells = chart.rows[..shown]
                        .iter()
                        .map(|r| self.width(&cell(r, c), ink))
                        .max()
                        .unwrap_or(0);
                    (cells + 2 * cell_pad, header.max(cells) + 2 * cell_pad)
                })
                .unzip()
        };
        let (mut fit, mut shown, mut more) = rows_under(1);
        let (mut cells, mut headers) = measure(shown, false);
        let wrap = headers.iter().sum::<i32>() > avail;
        if wrap {
            (fit, shown, more) = rows_under(2);
            (cells, headers) = measure(shown, true);
        }
        let first = headers[0].min((f64::from(avail) * 0.3) as i32);
        let figures: Vec<bool> = (0..columns)
            .map(|c| {
                let kinds: Vec<Option<bool>> = chart.rows[..shown]
                    .iter()
                    .map(|r| figure(&cell(r, c)))
                    .collect();
                kinds.contains(&Some(true)) && !kinds.contains(&Some(false))
            })
            .collect();
        let min_text = self.width("Abcd…", ink) + 2 * cell_pad;
        let widths = fit_columns(&cells, &headers, &figures, avail, (first, min_text));
        let mut xs = vec![body.x0];
        for w in &widths {
            xs.push(xs[xs.len() - 1] + w);
        }
        let right = xs[columns];
        // Figures line up on the right, texts (and the row's name) on the
        // left, as on the page.
        let anchor = |c: usize| {
            if c > 0 && figures[c] {
                (xs[c + 1] - cell_pad, HPos::Right)
            } else {
                (xs[c] + cell_pad, HPos::Left)
            }
        };

        let draw_row = |row: &[String], y: i32, ink: Ink| -> Drawn<DB> {
            let mid = y + row_h / 2;
            for (c, w) in widths.iter().enumerate() {
                let text = self.fit(&cell(row, c), ink, w - 2 * cell_pad);
                let (x, at) = anchor(c);
                self.text_mid(&text, (x, mid), ink, at)?;
            }
            Ok(())
        };

        let mut y = body.y0;
        if !chart.labels.is_empty() {
            // Wrapped, a header too wide for its column takes two lines
            // (each cut if still too wide); the others stay one, centred.
            let h = row_h + if wrap { ink.line() } else { 0 };
            for (c, w) in widths.iter().enumerate() {
                let room = w - 2 * cell_pad;
                let label = cell(&chart.labels, c);
                let lines = match self.two_lines(&label, header_ink) {
                    (a, b) if wrap && !b.is_empty() && self.width(&label, header_ink) > room => {
                        vec![a, b]
                    }
                    _ => vec![label],
                };
                let (x, at) = anchor(c);
                let n = lines.len() as i32;
                for (i, line) in (0i32..).zip(&lines) {
                    let mid = y + h / 2 + (2 * i - (n - 1)) * ink.line() / 2;
                    let text = self.fit(line, header_ink, room);
                    self.text_mid(&text, (x, mid), header_ink, at)?;
                }
            }
            y += h;
            self.line(vec![(body.x0, y), (right, y)], AXIS, self.hair)?;
            y += self.px(2.0);
        }
        for (r, row) in chart.rows[..shown].iter().enumerate() {
            if r % 2 == 1 {
                self.fill(body.x0, y, right, y + row_h, STRIPE)?;
            }
            draw_row(row, y, ink)?;
            y += row_h;
        }
        if more > 0 && fit > 0 {
            let muted = ink.coloured(MUTED);
            let note = format!("… {more} more rows — see the CSV");
            let note = self.fit(&note, muted, body.w() - 2 * cell_pad);
            let at = (body.x0 + cell_pad, y + row_h / 2);
            self.text_mid(&note, at, muted, HPos::Left)?;
        }
        Ok(())
    }

    fn kpi(&self, chart: &Chart, body: Rect) -> Drawn<DB> {
        let n = chart.tiles.len();
        let gap = self.px(12.0);
        let min_w = self.px(170.0);
        let min_h = self.px(78.0);
        let max_h = self.px(120.0);
        let mut cols = (((body.w() + gap) / (min_w + gap)).max(1) as usize).min(n);
        let mut rows = n.div_ceil(cols);
        let rows_fit = ((body.h() + gap) / (min_h + gap)).max(1) as usize;
        if rows > rows_fit {
            rows = rows_fit;
            cols = n.div_ceil(rows);
        }
        let tile_w = (body.w() - gap * (cols as i32 - 1)) / cols as i32;
        let tile_h = ((body.h() - gap * (rows as i32 - 1)) / rows as i32).min(max_h);
        if tile_w < self.px(20.0) || tile_h < self.px(20.0) {
            return Ok(());
        }
        let inner_pad = self.px(12.0).min(tile_h / 8);
        let accent = self.px(4.0).max(2);
        let label_ink = Ink::regular(self.size(13.0), TEXT);
        let detail_ink = Ink::regular(self.size(12.0), MUTED);
        for (i, tile) in chart.tiles.iter().enumerate() {
            let (row, col) = (i / cols, i % cols);
            let x = body.x0 + col as i32 * (tile_w + gap);
            let y = body.y0 + row as i32 * (tile_h + gap);
            self.fill(x, y, x + tile_w, y + tile_h, TILE)?;
            self.fill(x, y, x + accent, y + tile_h, colour(0))?;
            let tx = x + accent + inner_pad;
            let text_w = tile_w - accent - 2 * inner_pad;

            let label = self.fit(tile.label.trim(), label_ink, text_w);
            self.text(&label, (tx, y + inner_pad), label_ink, HPos::Left)?;
            let detail_top = y + tile_h - inner_pad - detail_ink.line();
            let detail = self.fit(tile.detail.trim(), detail_ink, text_w);
            self.text(&detail, (tx, detail_top), detail_ink, HPos::Left)?;

            // The value: as large as the room between label and detail allows.
            let room_top = y + inner_pad + label_ink.line();
            let room = detail_top - room_top;
            let mut value_ink = Ink::bold(
                (f64::from(room) / 0.95)
                    .min(self.size(30.0))
                    .max(self.size(11.0)),
                TEXT,
            );
            while value_ink.size > self.size(14.0)
                && self.width(tile.value.trim(), value_ink) > text_w
            {
                value_ink.size *= 0.92;
            }
            let value = self.fit(tile.value.trim(), value_ink, text_w);
            self.text_mid(&value, (tx, room_top + room / 2), value_ink, HPos::Left)?;
        }
        Ok(())
    }
}

fn render<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    chart: &Chart,
    bitmap: Option<u32>,
) -> Drawn<DB> {
    let p = Painter::new(area, bitmap);
    area.fill(&BACKGROUND)?;
    let top = p.header(chart)?;
    let body_at = |top: i32| Rect {
        x0: p.pad,
        y0: top,
        x1: p.w - p.pad,
        y1: p.h - p.pad,
    };
    if !has_data(chart) {
        return p.empty(chart, body_at(top));
    }
    // A series with no value to draw (the interval of a method that has
    // none) is left out of the legend; the others keep their colours.
    let n = chart.labels.len();
    let names: Vec<(usize, &str)> = chart
        .series
        .iter()
        .enumerate()
        .filter(|(_, s)| finite_values(s, n).next().is_some())
        .map(|(i, s)| (i, s.name.trim()))
        .collect();
    let top = match chart.kind {
        ChartKind::Line if names.len() >= 2 => p.legend(&names, true, top)?,
        ChartKind::Bar if names.len() >= 2 => p.legend(&names, false, top)?,
        ChartKind::StackedBar => p.legend(&names, false, top)?,
        _ => top,
    };
    let body = body_at(top);
    if body.w() < p.px(20.0) || body.h() < p.px(16.0) {
        return Ok(());
    }
    match chart.kind {
        ChartKind::Line => p.line_chart(chart, body),
        ChartKind::Bar => p.bar_chart(chart, body, false),
        ChartKind::StackedBar => p.bar_chart(chart, body, true),
        ChartKind::Table => p.table(chart, body),
        ChartKind::Kpi => p.kpi(chart, body),
    }
}

/// A table's column widths in `avail` from each column's width with its
/// header (`whole`) and without (`cells`). All whole when they fit, the
/// first column taking what is left over. Else one width for all above
/// floors ([`capped`]: the narrow columns whole, the widest cut to it),
/// the floors the cells when they fit (the headers give way first), else
/// the first column `first`, a column of figures (`figures`: numbers,
/// dates) its cells and a text `min_text` (texts give way before figures);
/// when not even those fit, the first column `first` and no floor for the
/// rest. (Shrinking every column by one ratio once cut "1,204" runs to
/// "1…" beside a sentence that kept most of its room.)
fn fit_columns(
    cells: &[i32],
    whole: &[i32],
    figures: &[bool],
    avail: i32,
    (first, min_text): (i32, i32),
) -> Vec<i32> {
    let sum = |w: &[i32]| w.iter().sum::<i32>();
    if sum(whole) <= avail {
        let mut widths = whole.to_vec();
        widths[0] = avail - sum(&whole[1..]);
        return widths;
    }
    if sum(cells) <= avail {
        return capped(cells, whole, avail);
    }
    let mut floors: Vec<i32> = (0..whole.len())
        .map(|c| match c {
            0 => first.min(whole[0]),
            _ if figures[c] => cells[c],
            _ => whole[c].min(min_text),
        })
        .collect();
    let mut desires = whole.to_vec();
    desires[0] = floors[0];
    if sum(&floors) > avail {
        floors[1..].fill(0);
    }
    capped(&floors, &desires, avail)
}

/// Each column's width between its floor and its desire: the largest one
/// width `cap` for which the widths `min(desire, max(floor, cap))` fit in
/// `avail` (the floors must fit).
fn capped(floors: &[i32], desires: &[i32], avail: i32) -> Vec<i32> {
    let at = |cap: i32| -> Vec<i32> {
        floors
            .iter()
            .zip(desires)
            .map(|(&f, &d)| d.min(f.max(cap)))
            .collect()
    };
    let (mut lo, mut hi) = (0, desires.iter().copied().max().unwrap_or(0));
    while lo < hi {
        let mid = lo + (hi - lo + 1) / 2;
        if at(mid).iter().sum::<i32>() <= avail {
            lo = mid;
        } else {
            hi = mid - 1;
        }
    }
    at(lo)
}

/// Whether a table cell is a figure (a number, an amount, a date: cut, it
/// would read as another figure), a text, or neither (empty, `–`).
fn figure(cell: &str) -> Option<bool> {
    let s = cell.trim_start_matches(['-', '+', '−', '€', '$', '£', '¥']);
    match s.chars().next() {
        None => None,
        Some('–') if cell == "–" => None,
        Some(c) => Some(c.is_ascii_digit()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_table_too_wide_cuts_its_widest_columns_to_one_width() {
        let none = [0; 4];
        // 40, 60 and 100 whole (200), the widest cut to the 200 left.
        assert_eq!(
            capped(&none, &[100, 40, 300, 60], 400),
            vec![100, 40, 200, 60]
        );
        // In 250: 40 and 60 whole; 150 left for the two widest, 75 each.
        assert_eq!(
            capped(&none, &[100, 40, 300, 60], 250),
            vec![75, 40, 75, 60]
        );
        // Room for all: nothing is cut.
        assert_eq!(capped(&[0, 0], &[10, 20], 30), vec![10, 20]);
        // A floor stands above the one width: 60 kept, the others 30.
        assert_eq!(capped(&[0, 60, 0], &[100, 100, 100], 120), vec![30, 60, 30]);
    }

    #[test]
    fn a_table_too_wide_cuts_headers_before_cells() {
        let (cells, whole) = ([100, 50, 60], [120, 90, 60]);
        // Room for all: the first column takes what is left over.
        let fit = |c, w, a, f| fit_columns(c, w, &[false; 3], a, (f, 20));
        assert_eq!(fit(&cells, &whole, 300, 90), vec![150, 90, 60]);
        // 250 < 270: the cells (210) whole and one width, 90, above them:
        // the second header whole, the first cut to 100.
        assert_eq!(fit(&cells, &whole, 250, 90), vec![100, 90, 60]);
        // 180 < 210: the first column at its 90, the other two cut to 45.
        assert_eq!(fit(&cells, &whole, 180, 90), vec![90, 45, 45]);
        // A narrow column keeps its header when a sentence is what is cut:
        // 250 < 320, the first at 75, `60` whole, the sentence the 115 left.
        let (cells, whole) = ([100, 20, 200], [100, 60, 210]);
        assert_eq!(fit(&cells, &whole, 250, 75), vec![75, 60, 115]);
        // A column of figures keeps its cells whole and the text gives way:
        // 300 − 75 − 150 leaves the text 75 (cut by one ratio, the figures
        // would have had 112 of their 150).
        let (cells, whole) = ([100, 150, 200], [100, 150, 200]);
        let figures = [false, true, false];
        let wide = fit_columns(&cells, &whole, &figures, 300, (75, 20));
        assert_eq!(wide, vec![75, 150, 75]);
        // Too little left for the text (75 < 80): one width for all again.
        assert_eq!(
            fit_columns(&cells, &whole, &figures, 300, (75, 80)),
            vec![75, 112, 112]
        );
        assert_eq!(figure("12,893 EUR"), Some(true));
        assert_eq!(figure("-3.5%"), Some(true));
        assert_eq!(figure("2026-03-30T00:00:00Z"), Some(true));
        assert_eq!(figure("–"), None);
        assert_eq!(figure("study mean"), Some(false));
    }

    #[test]
    fn downsampling_averages_blocks() {
        // A 4×2 image of two 2×2 blocks: black and white, then a grey mix.
        let mut big = vec![0u8; 4 * 2 * 3];
        for (i, px) in big.chunks_mut(3).enumerate() {
            let v = match i {
                0 | 1 | 4 | 5 => 0,
                2 | 7 => 255,
                _ => 100,
            };
            px.fill(v);
        }
        assert_eq!(downsample(&big, 2, 1, 2), vec![0, 0, 0, 178, 178, 178]);
        assert_eq!(downsample(&big, 4, 2, 1), big);
    }

    #[test]
    fn tiny_and_odd_sizes_draw_without_panicking() {
        let chart = |kind| Chart {
            kind,
            title: "T".into(),
            caption: "c".into(),
            unit: "hours".into(),
            labels: vec!["a".into(), "b".into()],
            marks: vec![(1, "go-live".into())],
            empty: None,
            series: vec![Series {
                name: "s".into(),
                values: vec![Some(1.0), Some(2.0)],
            }],
            rows: vec![vec!["a".into(), "1".into()]],
            tiles: vec![Tile {
                label: "l".into(),
                value: "1".into(),
                detail: "d".into(),
            }],
        };
        for kind in [
            ChartKind::Kpi,
            ChartKind::Line,
            ChartKind::Bar,
            ChartKind::StackedBar,
            ChartKind::Table,
        ] {
            for (w, h) in [(1, 1), (20, 20), (90, 60), (2000, 80), (80, 900)] {
                svg(&chart(kind), w, h).unwrap();
                png(&chart(kind), w, h).unwrap();
            }
        }
        assert!(svg(&chart(ChartKind::Line), 0, 10).is_err());
    }

    #[test]
    fn a_chart_with_weeks_but_no_values_names_its_empty_series() {
        let series = |name: &str| Series {
            name: name.into(),
            values: vec![None, None],
        };
        let mut chart = Chart {
            kind: ChartKind::Line,
            title: "SLA".into(),
            caption: String::new(),
            unit: "share".into(),
            labels: vec!["2026-03-02".into(), "2026-03-09".into()],
            series: vec![series("Response SLA met"), series("Cycle SLA met")],
            rows: Vec::new(),
            tiles: Vec::new(),
            marks: Vec::new(),
            empty: None,
        };
        let said = "No value of “Response SLA met” or “Cycle SLA met” in this period";
        assert!(svg(&chart, 900, 300).unwrap().contains(said));
        // No weeks at all: no data.
        chart.labels.clear();
        let doc = svg(&chart, 900, 300).unwrap();
        assert!(doc.contains(NO_DATA) && !doc.contains("No value of"));
    }

    #[test]
    fn a_table_puts_texts_on_the_left_and_figures_on_the_right() {
        let chart = Chart {
            kind: ChartKind::Table,
            title: "T".into(),
            caption: String::new(),
            unit: String::new(),
            labels: vec!["Workflow".into(), "Team".into(), "Runs".into()],
            series: Vec::new(),
            rows: vec![
                vec!["wf-a".into(), "Delivery".into(), "448".into()],
                vec!["wf-b".into(), "–".into(), "1,859".into()],
            ],
            tiles: Vec::new(),
            marks: Vec::new(),
            empty: None,
        };
        let doc = svg(&chart, 600, 200).unwrap();
        // plotters writes each text's anchor in its tag and the text on the
        // next line.
        let anchor = |text: &str| {
            let at = doc.find(&format!(">\n{text}\n</text>")).unwrap();
            let tag = &doc[doc[..at].rfind("<text").unwrap()..at];
            tag.split("text-anchor=\"")
                .nth(1)
                .unwrap()
                .split('"')
                .next()
                .unwrap()
                .to_string()
        };
        let got: Vec<String> = ["wf-a", "Delivery", "448", "Team", "Runs"]
            .into_iter()
            .map(anchor)
            .collect();
        assert_eq!(got, ["start", "start", "end", "start", "end"]);
    }
}
