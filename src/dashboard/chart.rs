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
//! horizontal bars, one readable row per label, truncated with "…".

use std::sync::OnceLock;

use plotters::coord::Shift;
use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters::style::{register_font, FontTransform};

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

// ---------------------------------------------------------------------------
// Fonts

/// The family every text uses. It doubles as the SVG `font-family` list, so a
/// browser without DejaVu Sans falls back to its own sans-serif face.
const FAMILY: &str = "DejaVu Sans, sans-serif";
static REGULAR: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");
static BOLD: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans-Bold.ttf");

/// Registers the embedded fonts with plotters once; false if they did not load.
fn fonts_registered() -> bool {
    static REGISTERED: OnceLock<bool> = OnceLock::new();
    *REGISTERED.get_or_init(|| {
        register_font(FAMILY, FontStyle::Normal, REGULAR).is_ok()
            && register_font(FAMILY, FontStyle::Bold, BOLD).is_ok()
    })
}

// ---------------------------------------------------------------------------
// Colours and sizes

const BACKGROUND: RGBColor = RGBColor(0xFF, 0xFF, 0xFF);
const TEXT: RGBColor = RGBColor(0x2B, 0x2B, 0x2B);
const MUTED: RGBColor = RGBColor(0x6B, 0x6B, 0x6B);
const GRID: RGBColor = RGBColor(0xE3, 0xE3, 0xE3);
const AXIS: RGBColor = RGBColor(0x9A, 0x9A, 0x9A);
const STRIPE: RGBColor = RGBColor(0xF4, 0xF6, 0xF8);
const TILE: RGBColor = RGBColor(0xF2, 0xF4, 0xF7);

fn colour(i: usize) -> RGBColor {
    let (r, g, b) = PALETTE[i % PALETTE.len()];
    RGBColor(r, g, b)
}

/// The bitmap backend draws ab_glyph text about an eighth of the font size
/// higher than an SVG viewer places the same `<text>`; this moves it back.
const BITMAP_TEXT_SHIFT: f64 = 0.13;

/// The vertical room one line of text of plotters size `size` takes.
fn line_height(size: f64) -> i32 {
    (size * 0.95).ceil() as i32
}

#[derive(Clone, Copy, PartialEq)]
enum Weight {
    Regular,
    Bold,
}

/// How a piece of text is drawn: its plotters size, weight and colour.
#[derive(Clone, Copy)]
struct Ink {
    size: f64,
    weight: Weight,
    color: RGBColor,
}

impl Ink {
    fn regular(size: f64, color: RGBColor) -> Ink {
        Ink {
            size,
            weight: Weight::Regular,
            color,
        }
    }

    fn bold(size: f64, color: RGBColor) -> Ink {
        Ink {
            size,
            weight: Weight::Bold,
            color,
        }
    }

    /// The vertical room one line of this text takes.
    fn line(self) -> i32 {
        line_height(self.size)
    }

    fn font(self) -> FontDesc<'static> {
        let style = match self.weight {
            Weight::Regular => FontStyle::Normal,
            Weight::Bold => FontStyle::Bold,
        };
        FontDesc::new(FontFamily::Name(FAMILY), self.size, style)
    }
}

/// A rectangle in pixels, `x1`/`y1` exclusive.
#[derive(Debug, Clone, Copy)]
struct Rect {
    x0: i32,
    y0: i32,
    x1: i32,
    y1: i32,
}

impl Rect {
    fn w(&self) -> i32 {
        self.x1 - self.x0
    }
    fn h(&self) -> i32 {
        self.y1 - self.y0
    }
}

/// Which way a chart with a value axis runs. Bars and their axis are drawn
/// by one code path in (category, value) coordinates, which the orientation
/// maps to pixels.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Orientation {
    /// Categories along the bottom, values growing upwards (line charts, and
    /// bars along a time axis).
    Upright,
    /// Categories down the left side, one row each, values growing rightwards.
    Sideways,
}

/// How much of a category's slot its bars take.
struct BarSizes {
    /// A stacked bar's thickness: 70% of the slot, at most this many scaled pixels.
    stack_max: f64,
    /// A group of side-by-side bars: this share of the slot…
    group_share: f64,
    /// …and at most this many scaled pixels per series.
    group_max: f64,
    /// Each bar of a group: this share of its place in the group.
    inner_share: f64,
}

impl Orientation {
    /// The pixel at `along` on the category axis and `at` on the value axis.
    fn point(self, along: i32, at: i32) -> (i32, i32) {
        match self {
            Orientation::Upright => (along, at),
            Orientation::Sideways => (at, along),
        }
    }

    /// Where the category axis of `plot` begins and ends.
    fn categories(self, plot: Rect) -> (i32, i32) {
        match self {
            Orientation::Upright => (plot.x0, plot.x1),
            Orientation::Sideways => (plot.y0, plot.y1),
        }
    }

    /// The pixels of the low and the high end of the value axis of `plot`.
    fn values(self, plot: Rect) -> (i32, i32) {
        match self {
            Orientation::Upright => (plot.y1, plot.y0),
            Orientation::Sideways => (plot.x0, plot.x1),
        }
    }

    fn bar_sizes(self) -> BarSizes {
        match self {
            Orientation::Upright => BarSizes {
                stack_max: 56.0,
                group_share: 0.8,
                group_max: 40.0,
                inner_share: 0.9,
            },
            Orientation::Sideways => BarSizes {
                stack_max: 30.0,
                group_share: 0.75,
                group_max: 24.0,
                inner_share: 0.88,
            },
        }
    }
}

type Drawn<DB> = Result<(), DrawingAreaErrorKind<<DB as DrawingBackend>::ErrorType>>;

/// The drawing area with the scale and text helpers every kind uses.
struct Painter<'a, DB: DrawingBackend> {
    area: &'a DrawingArea<DB, Shift>,
    w: i32,
    h: i32,
    /// 1.0 at 640×300 and up; text and spacing grow and shrink with the
    /// canvas, and with the supersampling factor of a bitmap.
    s: f64,
    pad: i32,
    bitmap: bool,
    /// The width of a one-pixel line: the supersampling factor.
    hair: u32,
}

impl<'a, DB: DrawingBackend> Painter<'a, DB> {
    /// A painter on `area`; `bitmap` is the supersampling factor of a
    /// bitmap backend, `None` for SVG.
    fn new(area: &'a DrawingArea<DB, Shift>, bitmap: Option<u32>) -> Self {
        let (w, h) = area.dim_in_pixel();
        let factor = bitmap.unwrap_or(1).max(1);
        let (logical_w, logical_h) = (f64::from(w / factor), f64::from(h / factor));
        // Text shrinks only a little on small canvases: it has to stay readable.
        let s = (logical_w / 640.0).min(logical_h / 300.0).clamp(0.85, 1.6) * f64::from(factor);
        Painter {
            area,
            w: w as i32,
            h: h as i32,
            s,
            pad: (12.0 * s).round() as i32,
            bitmap: bitmap.is_some(),
            hair: factor,
        }
    }

    /// `v` scaled pixels, rounded.
    fn px(&self, v: f64) -> i32 {
        (v * self.s).round() as i32
    }

    /// A plotters font size of `v` at this scale.
    fn size(&self, v: f64) -> f64 {
        v * self.s
    }

    fn width(&self, text: &str, ink: Ink) -> i32 {
        ink.font()
            .box_size(text)
            .map(|(w, _)| w as i32)
            .unwrap_or_else(|_| (text.chars().count() as f64 * ink.size * 0.55) as i32)
    }

    /// `text`, or its longest prefix with "…" that fits in `max` pixels.
    /// Control characters (a newline in a label) become spaces.
    fn fit(&self, text: &str, ink: Ink, max: i32) -> String {
        let text: String = text
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect();
        if self.width(&text, ink) <= max {
            return text;
        }
        let chars: Vec<char> = text.chars().collect();
        // The longest prefix that fits, by bisection on the prefix length.
        let (mut lo, mut hi) = (0usize, chars.len());
        while lo < hi {
            let mid = (lo + hi).div_ceil(2);
            let candidate: String = chars[..mid].iter().collect::<String>() + "…";
            if self.width(&candidate, ink) <= max {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        if lo == 0 {
            return if self.width("…", ink) <= max {
                "…".to_string()
            } else {
                String::new()
            };
        }
        chars[..lo]
            .iter()
            .collect::<String>()
            .trim_end()
            .to_string()
            + "…"
    }

    /// How far the bitmap backend's text must move down (see [`BITMAP_TEXT_SHIFT`]).
    fn text_shift(&self, ink: Ink) -> i32 {
        if self.bitmap {
            (ink.size * BITMAP_TEXT_SHIFT).round() as i32
        } else {
            0
        }
    }

    /// Draws one line of text whose top is at `y`, anchored horizontally at `x`.
    fn text(&self, text: &str, (x, y): (i32, i32), ink: Ink, h: HPos) -> Drawn<DB> {
        if text.is_empty() {
            return Ok(());
        }
        let style = TextStyle::from(ink.font())
            .color(&ink.color)
            .pos(Pos::new(h, VPos::Top));
        self.area
            .draw_text(text, &style, (x, y + self.text_shift(ink)))
    }

    /// Draws one line of text centred vertically on `y`.
    fn text_mid(&self, text: &str, (x, y): (i32, i32), ink: Ink, h: HPos) -> Drawn<DB> {
        let top = y - (ink.size * 0.32).round() as i32;
        self.text(text, (x, top), ink, h)
    }

    /// Draws text rotated to read upwards, its top edge at `x`, centred on `y`.
    fn text_up(&self, text: &str, (x, y): (i32, i32), ink: Ink) -> Drawn<DB> {
        if text.is_empty() {
            return Ok(());
        }
        let style = TextStyle::from(ink.font())
            .transform(FontTransform::Rotate270)
            .color(&ink.color)
            .pos(Pos::new(HPos::Center, VPos::Top));
        self.area
            .draw_text(text, &style, (x + self.text_shift(ink), y))
    }

    fn fill(&self, x0: i32, y0: i32, x1: i32, y1: i32, color: RGBColor) -> Drawn<DB> {
        self.area
            .draw(&Rectangle::new([(x0, y0), (x1, y1)], color.filled()))
    }

    fn line(&self, points: Vec<(i32, i32)>, color: RGBColor, width: u32) -> Drawn<DB> {
        self.area
            .draw(&PathElement::new(points, color.stroke_width(width.max(1))))
    }

    // -----------------------------------------------------------------------
    // Header, legend, empty state

    /// Draws the title and caption; returns the y where the rest begins.
    /// Both lines are always reserved, so panels in a grid line up, unless
    /// both are empty: a chart inside a page whose panel already says them.
    fn header(&self, chart: &Chart) -> Result<i32, DrawingAreaErrorKind<DB::ErrorType>> {
        let title_ink = Ink::bold(self.size(20.0), TEXT);
        let caption_ink = Ink::regular(self.size(13.5), MUTED);
        let max = self.w - 2 * self.pad;
        let mut y = self.pad;
        if chart.title.trim().is_empty() && chart.caption.trim().is_empty() {
            return Ok(y);
        }
        let title = self.fit(chart.title.trim(), title_ink, max);
        self.text(&title, (self.pad, y), title_ink, HPos::Left)?;
        y += title_ink.line() + self.px(4.0);
        let caption = self.fit(chart.caption.trim(), caption_ink, max);
        self.text(&caption, (self.pad, y), caption_ink, HPos::Left)?;
        y += caption_ink.line() + self.px(10.0);
        Ok(y)
    }

    /// Draws a legend of the series names from `top`, wrapping into rows;
    /// returns the y below it.
    fn legend(
        &self,
        names: &[&str],
        line_swatch: bool,
        top: i32,
    ) -> Result<i32, DrawingAreaErrorKind<DB::ErrorType>> {
        if names.is_empty() {
            return Ok(top);
        }
        let ink = Ink::regular(self.size(12.5), TEXT);
        let row_h = ink.line() + self.px(6.0);
        let (sw, sh) = if line_swatch {
            (self.px(16.0), self.px(3.0).max(2))
        } else {
            (self.px(11.0), self.px(11.0))
        };
        let gap_in = self.px(6.0);
        let gap_out = self.px(16.0);
        let right = self.w - self.pad;
        let max_rows = ((f64::from(self.h) * 0.22) as i32 / row_h).max(1);
        let max_text = (right - self.pad - sw - gap_in).max(0);

        // (x, row, series index, text)
        let mut items: Vec<(i32, i32, usize, String)> = Vec::new();
        let (mut x, mut row) = (self.pad, 0);
        let mut left_off = 0;
        for (i, name) in names.iter().enumerate() {
            let text = self.fit(name, ink, max_text);
            let item_w = sw + gap_in + self.width(&text, ink);
            if x + item_w > right && x > self.pad {
                row += 1;
                x = self.pad;
            }
            if row >= max_rows {
                left_off = names.len() - i;
                break;
            }
            items.push((x, row, i, text));
            x += item_w + gap_out;
        }
        if left_off > 0 {
            let row = max_rows - 1;
            loop {
                let more = format!("+{left_off} more");
                let end = items
                    .iter()
                    .rev()
                    .find(|item| item.1 == row)
                    .map(|(x, _, _, t)| x + sw + gap_in + self.width(t, ink))
                    .map_or(self.pad, |e| e + gap_out);
                let last_in_row = items.last().is_some_and(|item| item.1 == row);
                if end + self.width(&more, ink) <= right || !last_in_row {
                    items.push((end, row, usize::MAX, more));
                    break;
                }
                items.pop();
                left_off += 1;
            }
        }

        let rows = items.iter().map(|item| item.1).max().unwrap_or(0) + 1;
        for (x, row, i, text) in &items {
            let mid = top + row * row_h + ink.line() / 2;
            if *i == usize::MAX {
                let muted = Ink {
                    color: MUTED,
                    ..ink
                };
                self.text_mid(text, (*x, mid), muted, HPos::Left)?;
                continue;
            }
            let y0 = mid - sh / 2;
            if line_swatch && *i >= PALETTE.len() {
                let dash = sw * 3 / 8;
                self.fill(*x, y0, *x + dash, y0 + sh, colour(*i))?;
                self.fill(*x + sw - dash, y0, *x + sw, y0 + sh, colour(*i))?;
            } else {
                self.fill(*x, y0, *x + sw, y0 + sh, colour(*i))?;
            }
            self.text_mid(text, (*x + sw + gap_in, mid), ink, HPos::Left)?;
        }
        Ok(top + rows * row_h + self.px(4.0))
    }

    fn empty(&self, body: Rect) -> Drawn<DB> {
        let ink = Ink::regular(self.size(16.0), MUTED);
        let y = if body.h() > ink.line() {
            body.y0 + body.h() / 2
        } else {
            (self.h / 2).max(body.y0)
        };
        let text = self.fit(NO_DATA, ink, self.w - 2 * self.pad);
        self.text_mid(&text, (self.w / 2, y), ink, HPos::Center)
    }

    // -----------------------------------------------------------------------
    // Axes

    /// Tick and category labels.
    fn tick_ink(&self) -> Ink {
        Ink::regular(self.size(12.0), TEXT)
    }

    /// Category labels under an upright chart, centred on `centers`, thinned
    /// so that they never overlap and kept within `bounds`.
    fn category_labels_below(
        &self,
        labels: &[String],
        centers: &[i32],
        y: i32,
        bounds: (i32, i32),
    ) -> Drawn<DB> {
        let ink = self.tick_ink();
        let max_w = self.px(150.0).min((bounds.1 - bounds.0).max(0));
        let texts: Vec<String> = labels.iter().map(|l| self.fit(l, ink, max_w)).collect();
        let widths: Vec<i32> = texts.iter().map(|t| self.width(t, ink)).collect();
        let widest = widths.iter().copied().max().unwrap_or(0);
        let spacing = if centers.len() > 1 {
            f64::from(centers[centers.len() - 1] - centers[0]) / (centers.len() - 1) as f64
        } else {
            f64::from(bounds.1 - bounds.0)
        };
        let step = thin_step(f64::from(widest + self.px(12.0)), spacing);
        for i in (0..texts.len()).step_by(step) {
            let half = widths[i] / 2;
            let x = centers[i]
                .max(bounds.0 + half)
                .min(bounds.1 - (widths[i] - half));
            self.line(
                vec![
                    (centers[i], y - self.px(6.0)),
                    (centers[i], y - self.px(2.0)),
                ],
                AXIS,
                self.hair,
            )?;
            self.text(&texts[i], (x, y), ink, HPos::Center)?;
        }
        Ok(())
    }

    /// Lays out and draws the value axis of a chart in `body`: the grid, the
    /// tick labels and the unit description. Upright, the ticks run up the
    /// left side and `margin` pixels are kept clear on the right; sideways,
    /// they run along the bottom and `margin` pixels are kept clear on the
    /// left for the category labels. Returns the plot rectangle and the
    /// axis, or `None` when the body is too small for a plot.
    fn value_axis(
        &self,
        body: Rect,
        (min, max): (f64, f64),
        unit: &str,
        o: Orientation,
        margin: i32,
    ) -> Result<Option<(Rect, Axis)>, DrawingAreaErrorKind<DB::ErrorType>> {
        let ink = self.tick_ink();
        let widest = |labels: &[String]| labels.iter().map(|t| self.width(t, ink)).max();
        let desc = unit_description(unit);
        let label_band = ink.line() + self.px(8.0);
        let (plot, axis, tick_labels) = match o {
            Orientation::Upright => {
                let y0 = body.y0 + ink.line() / 2;
                let y1 = body.y1 - label_band;
                if y1 - y0 < self.px(24.0) {
                    return Ok(None);
                }
                let target = ((y1 - y0) / self.px(48.0)).clamp(2, 6) as usize;
                let axis = Axis::new(min, max, is_share(unit), target);
                let tick_labels = axis.labels();
                let desc_band = if desc.is_empty() {
                    0
                } else {
                    ink.line() + self.px(6.0)
                };
                let plot = Rect {
                    x0: body.x0 + desc_band + widest(&tick_labels).unwrap_or(0) + self.px(8.0),
                    y0,
                    x1: body.x1 - margin,
                    y1,
                };
                if plot.w() < self.px(30.0) {
                    return Ok(None);
                }
                (plot, axis, tick_labels)
            }
            Orientation::Sideways => {
                let desc_band = if desc.is_empty() {
                    0
                } else {
                    ink.line() + self.px(4.0)
                };
                let mut plot = Rect {
                    x0: body.x0 + margin,
                    y0: body.y0,
                    x1: body.x1 - self.px(16.0),
                    y1: body.y1 - label_band - desc_band,
                };
                if plot.w() < self.px(30.0) || plot.h() < self.px(16.0) {
                    return Ok(None);
                }
                // As many ticks as fit side by side without their labels touching.
                let mut target = ((plot.w()) / self.px(80.0)).clamp(2, 6) as usize;
                loop {
                    let axis = Axis::new(min, max, is_share(unit), target);
                    let tick_labels = axis.labels();
                    let widest = widest(&tick_labels).unwrap_or(0);
                    let spacing = plot.w() / (tick_labels.len().max(2) as i32 - 1);
                    if widest + self.px(10.0) <= spacing || target <= 2 {
                        // Leave room for half the last label at the right.
                        plot.x1 = plot.x1.min(body.x1 - widest / 2);
                        break (plot, axis, tick_labels);
                    }
                    target -= 1;
                }
            }
        };
        let (along_0, along_1) = o.categories(plot);
        let (lo, hi) = o.values(plot);
        for (t, label) in axis.ticks.iter().zip(&tick_labels) {
            let at = axis.to_px(*t, lo, hi);
            let color = if *t == 0.0 { AXIS } else { GRID };
            self.line(
                vec![o.point(along_0, at), o.point(along_1, at)],
                color,
                self.hair,
            )?;
            match o {
                Orientation::Upright => {
                    self.text_mid(label, (plot.x0 - self.px(6.0), at), ink, HPos::Right)?
                }
                Orientation::Sideways => {
                    self.text(label, (at, plot.y1 + self.px(5.0)), ink, HPos::Center)?
                }
            }
        }
        if !desc.is_empty() {
            let muted = Ink {
                color: MUTED,
                ..ink
            };
            match o {
                Orientation::Upright => {
                    let desc = self.fit(&desc, ink, plot.h());
                    self.text_up(&desc, (body.x0, (plot.y0 + plot.y1) / 2), muted)?;
                }
                Orientation::Sideways => {
                    let desc = self.fit(&desc, ink, plot.w());
                    let at = ((plot.x0 + plot.x1) / 2, plot.y1 + label_band);
                    self.text(&desc, at, muted, HPos::Center)?;
                }
            }
        }
        Ok(Some((plot, axis)))
    }

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
            return self.empty(body);
        }
        let ink = Ink::regular(self.size(12.5), TEXT);
        let header_ink = Ink::bold(ink.size, TEXT);
        let row_h = ink.line() + self.px(9.0);
        let cell_pad = self.px(8.0);
        let header_h = if chart.labels.is_empty() {
            0
        } else {
            row_h + self.px(2.0)
        };
        let fit = ((body.h() - header_h) / row_h).max(0) as usize;
        let total = chart.rows.len();
        let (shown, more) = if total <= fit.min(MAX_TABLE_ROWS) {
            (total, 0)
        } else {
            let shown = fit.saturating_sub(1).min(MAX_TABLE_ROWS);
            (shown, total - shown)
        };
        let cell = |row: &[String], c: usize| row.get(c).map_or("", |s| s.trim()).to_string();

        // Column widths: the widest cell of each column, the first column
        // taking what is left over, and giving way first when space is short.
        let mut widths: Vec<i32> = (0..columns)
            .map(|c| {
                let header = self.width(&cell(&chart.labels, c), header_ink);
                let cells = chart.rows[..shown]
                    .iter()
                    .map(|r| self.width(&cell(r, c), ink))
                    .max()
                    .unwrap_or(0);
                header.max(cells) + 2 * cell_pad
            })
            .collect();
        let avail = body.w();
        let others: i32 = widths[1..].iter().sum();
        let first_min = widths[0].min((f64::from(avail) * 0.3) as i32);
        widths[0] = (avail - others).max(first_min);
        let total_w: i32 = widths.iter().sum();
        if total_w > avail {
            let ratio = f64::from(avail) / f64::from(total_w);
            for w in &mut widths {
                *w = (f64::from(*w) * ratio).floor() as i32;
            }
        }
        let mut xs = vec![body.x0];
        for w in &widths {
            xs.push(xs[xs.len() - 1] + w);
        }
        let right = xs[columns];

        let draw_row = |row: &[String], y: i32, ink: Ink| -> Drawn<DB> {
            let mid = y + row_h / 2;
            for c in 0..columns {
                let text = self.fit(&cell(row, c), ink, widths[c] - 2 * cell_pad);
                if c == 0 {
                    self.text_mid(&text, (xs[c] + cell_pad, mid), ink, HPos::Left)?;
                } else {
                    self.text_mid(&text, (xs[c + 1] - cell_pad, mid), ink, HPos::Right)?;
                }
            }
            Ok(())
        };

        let mut y = body.y0;
        if !chart.labels.is_empty() {
            draw_row(&chart.labels, y, header_ink)?;
            y += row_h;
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
            let muted = Ink {
                color: MUTED,
                ..ink
            };
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
        return p.empty(body_at(top));
    }
    let names: Vec<&str> = chart.series.iter().map(|s| s.name.trim()).collect();
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

// ---------------------------------------------------------------------------
// Data helpers

/// The value of `series` at label `i`, if it is there and finite.
fn value(series: &Series, i: usize) -> Option<f64> {
    series
        .values
        .get(i)
        .copied()
        .flatten()
        .filter(|v| v.is_finite())
}

fn finite_values(series: &Series, n: usize) -> impl Iterator<Item = f64> + '_ {
    (0..n).filter_map(move |i| value(series, i))
}

/// Whether the chart has anything to draw besides its header.
fn has_data(chart: &Chart) -> bool {
    match chart.kind {
        ChartKind::Kpi => !chart.tiles.is_empty(),
        ChartKind::Table => !chart.rows.is_empty(),
        ChartKind::Line | ChartKind::Bar | ChartKind::StackedBar => {
            let n = chart.labels.len();
            chart
                .series
                .iter()
                .any(|s| finite_values(s, n).next().is_some())
        }
    }
}

/// The runs of consecutive present values of a series: one path each.
fn runs(series: &Series, n: usize) -> Vec<Vec<(usize, f64)>> {
    let mut runs = Vec::new();
    let mut current = Vec::new();
    for i in 0..n {
        match value(series, i) {
            Some(v) => current.push((i, v)),
            None if !current.is_empty() => runs.push(std::mem::take(&mut current)),
            None => {}
        }
    }
    if !current.is_empty() {
        runs.push(current);
    }
    runs
}

/// The segments of the stacked bar at label `i`: (series, from, to), positive
/// values stacked upwards from 0 and negative ones downwards, in series order.
fn stack(series: &[Series], i: usize) -> Vec<(usize, f64, f64)> {
    let (mut up, mut down) = (0.0, 0.0);
    let mut segments = Vec::new();
    for (j, s) in series.iter().enumerate() {
        match value(s, i) {
            Some(v) if v > 0.0 => {
                segments.push((j, up, up + v));
                up += v;
            }
            Some(v) if v < 0.0 => {
                segments.push((j, down, down + v));
                down += v;
            }
            _ => {}
        }
    }
    segments
}

/// The lowest and highest ends of the stacked bar at label `i`.
fn stack_extent(series: &[Series], i: usize) -> (f64, f64) {
    stack(series, i)
        .iter()
        .fold((0.0, 0.0), |(lo, hi), &(_, a, b)| {
            (lo.min(a).min(b), hi.max(a).max(b))
        })
}

/// The smallest and largest of `values`, both including 0.
fn value_range(values: impl Iterator<Item = f64>) -> (f64, f64) {
    values.fold((0.0_f64, 0.0_f64), |(lo, hi), v| (lo.min(v), hi.max(v)))
}

fn is_share(unit: &str) -> bool {
    unit.trim().eq_ignore_ascii_case("share")
}

/// The axis description for a unit: `share` is drawn in percent.
fn unit_description(unit: &str) -> String {
    if is_share(unit) {
        "share (%)".to_string()
    } else {
        unit.trim().to_string()
    }
}

/// Whether the labels are dates or periods (`2026-01-05`, `2026-01`,
/// `2026-W02`, `2026`), which are drawn as a time axis.
fn is_time_axis(labels: &[String]) -> bool {
    !labels.is_empty()
        && labels.iter().all(|l| {
            let b = l.trim().as_bytes();
            b.len() >= 4 && b[..4].iter().all(u8::is_ascii_digit) && (b.len() == 4 || b[4] == b'-')
        })
}

/// Show every `step`-th of labels `spacing` pixels apart so that labels
/// `needed` pixels wide do not overlap.
fn thin_step(needed: f64, spacing: f64) -> usize {
    if spacing <= 0.0 || !spacing.is_finite() {
        return usize::MAX;
    }
    ((needed / spacing).ceil() as usize).max(1)
}

/// A value axis from a "nice" low to a "nice" high tick.
#[derive(Debug, Clone, PartialEq)]
struct Axis {
    lo: f64,
    hi: f64,
    step: f64,
    ticks: Vec<f64>,
    share: bool,
}

impl Axis {
    /// An axis covering `min..max` (which include 0) with about `target` steps.
    fn new(min: f64, max: f64, share: bool, target: usize) -> Axis {
        let (mut lo, mut hi) = (min.min(0.0), max.max(0.0));
        if hi - lo <= f64::EPSILON * hi.abs().max(1.0) {
            if lo < 0.0 {
                hi = 0.0;
                lo = if lo == 0.0 { -1.0 } else { lo };
            } else {
                hi = if share || hi == 0.0 { 1.0 } else { hi };
            }
        }
        let step = nice_step((hi - lo) / target.max(1) as f64);
        let lo_k = (lo / step + 1e-9).floor();
        let hi_k = (hi / step - 1e-9).ceil();
        let ticks = (lo_k as i64..=hi_k as i64)
            .map(|k| {
                let t = k as f64 * step;
                if t.abs() < step * 1e-9 {
                    0.0
                } else {
                    t
                }
            })
            .collect();
        Axis {
            lo: lo_k * step,
            hi: hi_k * step,
            step,
            ticks,
            share,
        }
    }

    /// The pixel of `v` on an axis running from pixel `at_lo` to `at_hi`.
    fn to_px(&self, v: f64, at_lo: i32, at_hi: i32) -> i32 {
        let f = (v - self.lo) / (self.hi - self.lo);
        (f64::from(at_lo) + f * f64::from(at_hi - at_lo)).round() as i32
    }

    /// The label of every tick.
    fn labels(&self) -> Vec<String> {
        self.ticks.iter().map(|&t| self.format(t)).collect()
    }

    /// A tick label: percent for shares, k and M for large values.
    fn format(&self, v: f64) -> String {
        if self.share {
            let d = decimals(self.step * 100.0);
            return format!("{:.*}%", d, v * 100.0);
        }
        let reach = self.lo.abs().max(self.hi.abs());
        let (div, suffix) = if reach >= 1e6 {
            (1e6, "M")
        } else if reach >= 1e4 {
            (1e3, "k")
        } else {
            (1.0, "")
        };
        format!("{:.*}{suffix}", decimals(self.step / div), v / div)
    }
}

/// 1, 2 or 5 times a power of ten, the nearest such to `raw`.
fn nice_step(raw: f64) -> f64 {
    if !(raw.is_finite() && raw > 0.0) {
        return 1.0;
    }
    let magnitude = 10f64.powf(raw.log10().floor());
    let norm = raw / magnitude;
    let m = if norm < 1.5 {
        1.0
    } else if norm < 3.0 {
        2.0
    } else if norm < 7.0 {
        5.0
    } else {
        10.0
    };
    m * magnitude
}

/// The decimals needed to tell ticks `step` apart.
fn decimals(step: f64) -> usize {
    if step >= 1.0 - 1e-9 {
        0
    } else {
        (-step.log10() - 1e-9).ceil().max(0.0) as usize
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn axis_starts_at_zero_and_ends_on_a_nice_tick() {
        let axis = Axis::new(0.0, 87.0, false, 5);
        assert_eq!(axis.lo, 0.0);
        assert_eq!(axis.hi, 100.0);
        assert_eq!(axis.ticks, vec![0.0, 20.0, 40.0, 60.0, 80.0, 100.0]);
        assert_eq!(axis.format(40.0), "40");
    }

    #[test]
    fn axis_reaches_below_zero_for_negative_values() {
        let axis = Axis::new(-3.2, 7.0, false, 5);
        assert_eq!(axis.lo, -4.0);
        assert_eq!(axis.hi, 8.0);
        assert!(axis.ticks.contains(&0.0));
        assert_eq!(axis.format(-4.0), "-4");
    }

    #[test]
    fn share_ticks_are_percent() {
        let axis = Axis::new(0.0, 0.43, true, 5);
        assert_eq!(axis.hi, 0.5);
        let labels: Vec<String> = axis.ticks.iter().map(|&t| axis.format(t)).collect();
        assert_eq!(labels, ["0%", "10%", "20%", "30%", "40%", "50%"]);
        let all_zero = Axis::new(0.0, 0.0, true, 4);
        assert_eq!(all_zero.hi, 1.0);
    }

    #[test]
    fn large_and_small_values_are_compact() {
        let axis = Axis::new(0.0, 48_000.0, false, 4);
        assert_eq!(axis.format(20_000.0), "20k");
        let axis = Axis::new(0.0, 2_400_000.0, false, 4);
        assert_eq!(axis.format(500_000.0), "0.5M");
        let axis = Axis::new(0.0, 0.9, false, 4);
        assert_eq!(axis.format(0.2), "0.2");
    }

    #[test]
    fn runs_break_at_gaps_and_non_finite_values() {
        let series = Series {
            name: "x".into(),
            values: vec![
                Some(1.0),
                Some(2.0),
                None,
                Some(f64::NAN),
                Some(3.0),
                Some(f64::INFINITY),
            ],
        };
        let runs = runs(&series, 6);
        assert_eq!(runs, vec![vec![(0, 1.0), (1, 2.0)], vec![(4, 3.0)]]);
    }

    #[test]
    fn stacks_split_positive_and_negative() {
        let s = |v: f64| Series {
            name: String::new(),
            values: vec![Some(v)],
        };
        let series = [s(2.0), s(-1.0), s(3.0)];
        assert_eq!(
            stack(&series, 0),
            vec![(0, 0.0, 2.0), (1, 0.0, -1.0), (2, 2.0, 5.0)]
        );
        assert_eq!(stack_extent(&series, 0), (-1.0, 5.0));
    }

    #[test]
    fn time_axis_is_recognised() {
        let labels = |l: &[&str]| l.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert!(is_time_axis(&labels(&["2026-01-05", "2026-01-12"])));
        assert!(is_time_axis(&labels(&["2026-01", "2026-W02", "2027"])));
        assert!(!is_time_axis(&labels(&["invoice-matching", "2026-01"])));
        assert!(!is_time_axis(&labels(&["20261"])));
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
    fn labels_are_thinned_to_fit() {
        assert_eq!(thin_step(30.0, 40.0), 1);
        assert_eq!(thin_step(90.0, 40.0), 3);
        assert_eq!(thin_step(90.0, 0.0), usize::MAX);
    }

    #[test]
    fn long_text_is_truncated_with_an_ellipsis() {
        assert!(fonts_registered());
        let mut out = String::new();
        let root = SVGBackend::with_string(&mut out, (200, 100)).into_drawing_area();
        let p = Painter::new(&root, None);
        let long = "A very long workflow name that will not fit";
        let ink = Ink::regular(12.0, TEXT);
        let fitted = p.fit(long, ink, 80);
        assert!(fitted.ends_with('…'), "{fitted}");
        assert!(p.width(&fitted, ink) <= 80);
        assert_eq!(p.fit("short", ink, 80), "short");
        assert_eq!(p.fit(long, ink, 0), "");
    }

    #[test]
    fn tiny_and_odd_sizes_draw_without_panicking() {
        let chart = |kind| Chart {
            kind,
            title: "T".into(),
            caption: "c".into(),
            unit: "hours".into(),
            labels: vec!["a".into(), "b".into()],
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
}
