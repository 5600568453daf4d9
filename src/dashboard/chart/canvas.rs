//! The canvas a chart is drawn on: the embedded fonts, the colours, text
//! sizes and fitting, the drawing primitives over plotters' SVG and bitmap
//! backends, and the parts every kind shares (header, legend, empty state,
//! axes).

use std::sync::OnceLock;

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters::style::{register_font, FontTransform};

use super::scale::{is_share, thin_step, unit_description, Axis, Orientation, Rect};
use super::{Chart, ChartKind, NO_DATA, PALETTE};

// ---------------------------------------------------------------------------
// Fonts

/// The family every text uses. It doubles as the SVG `font-family` list, so a
/// browser without DejaVu Sans falls back to its own sans-serif face.
const FAMILY: &str = "DejaVu Sans, sans-serif";
static REGULAR: &[u8] = include_bytes!("../../../assets/fonts/DejaVuSans.ttf");
static BOLD: &[u8] = include_bytes!("../../../assets/fonts/DejaVuSans-Bold.ttf");

/// Registers the embedded fonts with plotters once; false if they did not load.
pub(super) fn fonts_registered() -> bool {
    static REGISTERED: OnceLock<bool> = OnceLock::new();
    *REGISTERED.get_or_init(|| {
        register_font(FAMILY, FontStyle::Normal, REGULAR).is_ok()
            && register_font(FAMILY, FontStyle::Bold, BOLD).is_ok()
    })
}

// ---------------------------------------------------------------------------
// Colours and sizes

pub(super) const BACKGROUND: RGBColor = RGBColor(0xFF, 0xFF, 0xFF);
pub(super) const TEXT: RGBColor = RGBColor(0x2B, 0x2B, 0x2B);
pub(super) const MUTED: RGBColor = RGBColor(0x6B, 0x6B, 0x6B);
pub(super) const GRID: RGBColor = RGBColor(0xE3, 0xE3, 0xE3);
pub(super) const AXIS: RGBColor = RGBColor(0x9A, 0x9A, 0x9A);
pub(super) const STRIPE: RGBColor = RGBColor(0xF4, 0xF6, 0xF8);
pub(super) const TILE: RGBColor = RGBColor(0xF2, 0xF4, 0xF7);

pub(super) fn colour(i: usize) -> RGBColor {
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
pub(super) struct Ink {
    pub(super) size: f64,
    weight: Weight,
    pub(super) color: RGBColor,
}

impl Ink {
    pub(super) fn regular(size: f64, color: RGBColor) -> Ink {
        Ink {
            size,
            weight: Weight::Regular,
            color,
        }
    }

    pub(super) fn bold(size: f64, color: RGBColor) -> Ink {
        Ink {
            size,
            weight: Weight::Bold,
            color,
        }
    }

    /// The same text in another colour.
    pub(super) fn coloured(self, color: RGBColor) -> Ink {
        Ink { color, ..self }
    }

    /// The vertical room one line of this text takes.
    pub(super) fn line(self) -> i32 {
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

pub(super) type Drawn<DB> = Result<(), DrawingAreaErrorKind<<DB as DrawingBackend>::ErrorType>>;

/// The drawing area with the scale and text helpers every kind uses.
pub(super) struct Painter<'a, DB: DrawingBackend> {
    pub(super) area: &'a DrawingArea<DB, Shift>,
    pub(super) w: i32,
    pub(super) h: i32,
    /// 1.0 at 640×300 and up; text and spacing grow and shrink with the
    /// canvas, and with the supersampling factor of a bitmap.
    pub(super) s: f64,
    pub(super) pad: i32,
    bitmap: bool,
    /// The width of a one-pixel line: the supersampling factor.
    pub(super) hair: u32,
}

impl<'a, DB: DrawingBackend> Painter<'a, DB> {
    /// A painter on `area`; `bitmap` is the supersampling factor of a
    /// bitmap backend, `None` for SVG.
    pub(super) fn new(area: &'a DrawingArea<DB, Shift>, bitmap: Option<u32>) -> Self {
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
    pub(super) fn px(&self, v: f64) -> i32 {
        (v * self.s).round() as i32
    }

    /// A plotters font size of `v` at this scale.
    pub(super) fn size(&self, v: f64) -> f64 {
        v * self.s
    }

    pub(super) fn width(&self, text: &str, ink: Ink) -> i32 {
        ink.font()
            .box_size(text)
            .map(|(w, _)| w as i32)
            .unwrap_or_else(|_| (text.chars().count() as f64 * ink.size * 0.55) as i32)
    }

    /// `text` split at the space that makes its wider line narrowest (a
    /// table header on two lines); one word stays whole, the second empty.
    pub(super) fn two_lines(&self, text: &str, ink: Ink) -> (String, String) {
        let words: Vec<&str> = text.split_whitespace().collect();
        (1..words.len())
            .map(|k| (words[..k].join(" "), words[k..].join(" ")))
            .min_by_key(|(a, b)| self.width(a, ink).max(self.width(b, ink)))
            .unwrap_or_else(|| (text.to_string(), String::new()))
    }

    /// `text` in lines of at most `max` pixels, broken between words (a
    /// word wider than a line is cut by [`Painter::fit`]).
    pub(super) fn wrap(&self, text: &str, ink: Ink, max: i32) -> Vec<String> {
        let mut lines: Vec<String> = Vec::new();
        for word in text.split_whitespace() {
            match lines.last_mut() {
                Some(line) if self.width(&format!("{line} {word}"), ink) <= max => {
                    line.push(' ');
                    line.push_str(word);
                }
                _ => lines.push(self.fit(word, ink, max)),
            }
        }
        lines
    }

    /// `text`, or its longest prefix with "…" that fits in `max` pixels.
    /// Control characters (a newline in a label) become spaces.
    pub(super) fn fit(&self, text: &str, ink: Ink, max: i32) -> String {
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
    pub(super) fn text(&self, text: &str, (x, y): (i32, i32), ink: Ink, h: HPos) -> Drawn<DB> {
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
    pub(super) fn text_mid(&self, text: &str, (x, y): (i32, i32), ink: Ink, h: HPos) -> Drawn<DB> {
        let top = y - (ink.size * 0.32).round() as i32;
        self.text(text, (x, top), ink, h)
    }

    /// Draws text rotated to read upwards, its top edge at `x`, centred on `y`.
    pub(super) fn text_up(&self, text: &str, (x, y): (i32, i32), ink: Ink) -> Drawn<DB> {
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

    pub(super) fn fill(&self, x0: i32, y0: i32, x1: i32, y1: i32, color: RGBColor) -> Drawn<DB> {
        self.area
            .draw(&Rectangle::new([(x0, y0), (x1, y1)], color.filled()))
    }

    pub(super) fn line(&self, points: Vec<(i32, i32)>, color: RGBColor, width: u32) -> Drawn<DB> {
        self.area
            .draw(&PathElement::new(points, color.stroke_width(width.max(1))))
    }

    // -----------------------------------------------------------------------
    // Header, legend, empty state

    /// Draws the title and caption; returns the y where the rest begins.
    /// Both lines are always reserved, so panels in a grid line up, unless
    /// both are empty: a chart inside a page whose panel already says them.
    pub(super) fn header(&self, chart: &Chart) -> Result<i32, DrawingAreaErrorKind<DB::ErrorType>> {
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

    /// Draws a legend of the series names (each with its series' index, which
    /// gives its colour) from `top`, wrapping into rows; returns the y below it.
    pub(super) fn legend(
        &self,
        names: &[(usize, &str)],
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
        for (at, &(i, name)) in names.iter().enumerate() {
            let text = self.fit(name, ink, max_text);
            let item_w = sw + gap_in + self.width(&text, ink);
            if x + item_w > right && x > self.pad {
                row += 1;
                x = self.pad;
            }
            if row >= max_rows {
                left_off = names.len() - at;
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
                let muted = ink.coloured(MUTED);
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

    /// "No data for this period"; for a chart with x categories (so runs)
    /// but no value in any series, which series are empty; the view's own
    /// reason when it gave one, in as many lines as it needs.
    pub(super) fn empty(&self, chart: &Chart, body: Rect) -> Drawn<DB> {
        let ink = Ink::regular(self.size(16.0), MUTED);
        let y = if body.h() > ink.line() {
            body.y0 + body.h() / 2
        } else {
            (self.h / 2).max(body.y0)
        };
        let plotted = matches!(
            chart.kind,
            ChartKind::Line | ChartKind::Bar | ChartKind::StackedBar
        );
        let said = if let Some(why) = &chart.empty {
            why.clone()
        } else if plotted && !chart.labels.is_empty() && !chart.series.is_empty() {
            let names: Vec<String> = chart
                .series
                .iter()
                .map(|s| format!("“{}”", s.name.trim()))
                .collect();
            format!("No value of {} in this period", super::or_list(&names))
        } else {
            NO_DATA.to_string()
        };
        let mut lines = self.wrap(&said, ink, self.w - 2 * self.pad);
        // As many lines as the body holds (one at least), the last one cut.
        let room = (body.h() / ink.line()).max(1) as usize;
        if lines.len() > room {
            let rest = lines.split_off(room - 1).join(" ");
            lines.push(self.fit(&rest, ink, self.w - 2 * self.pad));
        }
        // Centred as a block on the body's middle; more than one line never
        // above its top.
        let block = ink.line() * (lines.len() as i32 - 1);
        let top = match block {
            0 => y,
            _ => (y - block / 2).max(body.y0 + ink.line() / 2),
        };
        for (i, line) in lines.iter().enumerate() {
            self.text_mid(
                line,
                (self.w / 2, top + i as i32 * ink.line()),
                ink,
                HPos::Center,
            )?;
        }
        Ok(())
    }

    // -----------------------------------------------------------------------
    // Axes

    /// Tick and category labels.
    pub(super) fn tick_ink(&self) -> Ink {
        Ink::regular(self.size(12.0), TEXT)
    }

    /// Category labels under an upright chart, centred on `centers`, thinned
    /// so that they never overlap and kept within `bounds`.
    pub(super) fn category_labels_below(
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
    pub(super) fn value_axis(
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
            let muted = ink.coloured(MUTED);
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
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
