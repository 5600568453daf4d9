//! Chart rendering: every chart kind as SVG and PNG.
//!
//! Series are counted in the SVG by colour: series `i` is drawn in
//! `PALETTE[i]`, and nothing but series (and their legend swatches) uses
//! those colours. Set `YARDSTICK_CHART_SAMPLES=/some/dir` to also write the
//! sample charts there to look at.

use std::collections::BTreeMap;
use std::io::Cursor;

use yardstick::dashboard::chart::*;

const W: u32 = 640;
const H: u32 = 360;

const KINDS: [ChartKind; 5] = [
    ChartKind::Kpi,
    ChartKind::Line,
    ChartKind::Bar,
    ChartKind::StackedBar,
    ChartKind::Table,
];

// ---------------------------------------------------------------------------
// Sample charts

fn weeks(n: usize) -> Vec<String> {
    (0..n)
        .map(|i| {
            let day = chrono::NaiveDate::from_ymd_opt(2026, 1, 5).unwrap()
                + chrono::Duration::weeks(i as i64);
            day.format("%Y-%m-%d").to_string()
        })
        .collect()
}

fn series(name: &str, values: &[Option<f64>]) -> Series {
    Series {
        name: name.to_string(),
        values: values.to_vec(),
    }
}

fn all(values: &[f64]) -> Vec<Option<f64>> {
    values.iter().copied().map(Some).collect()
}

fn base(kind: ChartKind, title: &str) -> Chart {
    Chart {
        kind,
        title: title.to_string(),
        caption: "2026-01-01 to 2026-04-01 · n = 1,284 runs".to_string(),
        unit: "hours".to_string(),
        labels: Vec::new(),
        series: Vec::new(),
        rows: Vec::new(),
        tiles: Vec::new(),
        marks: Vec::new(),
        empty: None,
    }
}

fn line() -> Chart {
    Chart {
        labels: weeks(12),
        series: vec![
            series(
                "invoice-matching",
                &all(&[
                    12.0, 14.5, 13.0, 18.0, 21.5, 20.0, 24.0, 26.5, 25.0, 28.0, 31.0, 30.5,
                ]),
            ),
            series(
                "supplier-onboarding",
                &all(&[
                    4.0, 6.0, 5.5, 7.0, 9.0, 8.5, 10.0, 12.0, 11.0, 13.5, 14.0, 15.0,
                ]),
            ),
            series(
                "expense-review",
                &all(&[
                    8.0, 7.5, 9.0, 9.5, 10.0, 11.0, 10.5, 12.5, 13.0, 12.0, 14.5, 16.0,
                ]),
            ),
        ],
        ..base(ChartKind::Line, "Reclaimed hours per week")
    }
}

fn line_share() -> Chart {
    Chart {
        unit: "share".to_string(),
        labels: weeks(8),
        series: vec![series(
            "error rate",
            &[
                Some(0.42),
                Some(0.38),
                Some(0.31),
                None,
                Some(0.22),
                Some(0.18),
                Some(0.15),
                Some(0.12),
            ],
        )],
        ..base(ChartKind::Line, "Error rate after automation")
    }
}

fn workflows() -> Vec<String> {
    [
        "Invoice matching",
        "Supplier onboarding",
        "Expense report review, approval routing and reimbursement to employees",
        "Payroll checks",
    ]
    .map(String::from)
    .to_vec()
}

fn bar() -> Chart {
    Chart {
        labels: workflows(),
        series: vec![
            series("before", &all(&[32.0, 18.5, 44.0, 9.0])),
            series("after", &all(&[11.0, 7.5, 19.0, 4.5])),
        ],
        unit: "min".to_string(),
        ..base(ChartKind::Bar, "Cycle time per workflow")
    }
}

fn bar_by_month() -> Chart {
    Chart {
        labels: ["2026-01", "2026-02", "2026-03", "2026-04"]
            .map(String::from)
            .to_vec(),
        series: vec![
            series("manual", &all(&[120.0, 95.0, 80.0, 60.0])),
            series("automated", &all(&[40.0, 75.0, 110.0, 150.0])),
        ],
        unit: "runs".to_string(),
        ..base(ChartKind::Bar, "Runs per month")
    }
}

fn stacked() -> Chart {
    Chart {
        labels: ["2026-01", "2026-02", "2026-03", "2026-04"]
            .map(String::from)
            .to_vec(),
        series: vec![
            series("invoice-matching", &all(&[310.0, 420.0, 515.0, 600.0])),
            series("supplier-onboarding", &all(&[120.0, 180.0, 150.0, 260.0])),
            series("expense-review", &all(&[90.0, 140.0, 210.0, 230.0])),
        ],
        unit: "EUR".to_string(),
        ..base(ChartKind::StackedBar, "Money reclaimed per month")
    }
}

fn table(rows: usize) -> Chart {
    Chart {
        labels: ["workflow", "runs", "reclaimed hours", "error rate"]
            .map(String::from)
            .to_vec(),
        rows: (1..=rows)
            .map(|i| {
                vec![
                    format!("wf-{i:02}"),
                    format!("{}", i * 37),
                    format!("{:.1}", i as f64 * 1.5),
                    format!("{}%", i % 9),
                ]
            })
            .collect(),
        ..base(ChartKind::Table, "Workflows ranked by reclaimed hours")
    }
}

fn kpi() -> Chart {
    let tile = |label: &str, value: &str, detail: &str| Tile {
        label: label.to_string(),
        value: value.to_string(),
        detail: detail.to_string(),
    };
    Chart {
        tiles: vec![
            tile(
                "Reclaimed hours",
                "1,284 h",
                "95% CI 1,190–1,372 · n = 4,210",
            ),
            tile("Money reclaimed", "€48,200", "at €37.50 per hour"),
            tile("Error rate", "2.4%", "was 7.9% · n = 4,210"),
        ],
        ..base(ChartKind::Kpi, "Q1 at a glance")
    }
}

fn sample(kind: ChartKind) -> Chart {
    match kind {
        ChartKind::Kpi => kpi(),
        ChartKind::Line => line(),
        ChartKind::Bar => bar(),
        ChartKind::StackedBar => stacked(),
        ChartKind::Table => table(30),
    }
}

/// Forty workflows: more rows than fit a label each.
fn many_bars() -> Chart {
    Chart {
        labels: (1..=40).map(|i| format!("workflow number {i}")).collect(),
        series: vec![series(
            "reclaimed",
            &(1..=40)
                .map(|i| Some(f64::from(i) * 3.5))
                .collect::<Vec<_>>(),
        )],
        ..base(ChartKind::Bar, "Reclaimed hours per workflow")
    }
}

/// A change per workflow, some negative.
fn negative_bar() -> Chart {
    Chart {
        labels: workflows(),
        series: vec![series("change", &all(&[-12.5, 4.0, -30.0, 8.5]))],
        unit: "min".to_string(),
        ..base(ChartKind::Bar, "Change in cycle time")
    }
}

/// Ten series: the legend wraps and the palette repeats.
fn many_series() -> Chart {
    Chart {
        labels: weeks(6),
        series: (0..10)
            .map(|j| {
                series(
                    &format!("workflow-{j}"),
                    &(0..6)
                        .map(|i| Some(f64::from(i * (j + 1))))
                        .collect::<Vec<_>>(),
                )
            })
            .collect(),
        ..base(ChartKind::Line, "Ten workflows")
    }
}

/// A year of weeks with a single isolated point after a gap.
fn long_line() -> Chart {
    let mut values: Vec<Option<f64>> = (0..52).map(|i| Some(100.0 + f64::from(i) * 25.0)).collect();
    values[20] = None;
    values[22] = None;
    Chart {
        labels: weeks(52),
        series: vec![series("reclaimed", &values)],
        unit: "EUR".to_string(),
        ..base(ChartKind::Line, "Money reclaimed per week")
    }
}

/// The chart of `kind` with nothing in it.
fn empty(kind: ChartKind) -> Chart {
    base(kind, "Nothing yet")
}

// ---------------------------------------------------------------------------
// Reading the output back

fn hex((r, g, b): (u8, u8, u8)) -> String {
    format!("#{r:02X}{g:02X}{b:02X}")
}

#[track_caller]
fn parse(svg: &str) -> roxmltree::Document<'_> {
    roxmltree::Document::parse(svg).unwrap_or_else(|e| panic!("invalid SVG: {e}\n{svg}"))
}

/// The text of every `<text>` element, trimmed.
fn texts(doc: &roxmltree::Document) -> Vec<String> {
    doc.descendants()
        .filter(|n| n.has_tag_name("text"))
        .map(|n| n.text().unwrap_or("").trim().to_string())
        .collect()
}

#[track_caller]
fn svg_texts(chart: &Chart) -> Vec<String> {
    svg_texts_at(chart, W, H)
}

#[track_caller]
fn svg_texts_at(chart: &Chart, width: u32, height: u32) -> Vec<String> {
    let svg = svg(chart, width, height).unwrap();
    texts(&parse(&svg))
}

/// How many elements named `tag` have attribute `attr` of each palette colour.
fn palette_counts(doc: &roxmltree::Document, tag: &str, attr: &str) -> BTreeMap<usize, usize> {
    let mut counts = BTreeMap::new();
    for node in doc.descendants().filter(|n| n.has_tag_name(tag)) {
        let Some(value) = node.attribute(attr) else {
            continue;
        };
        if let Some(i) = PALETTE
            .iter()
            .position(|&c| hex(c).eq_ignore_ascii_case(value))
        {
            *counts.entry(i).or_insert(0) += 1;
        }
    }
    counts
}

struct Image {
    width: u32,
    height: u32,
    rgb: Vec<u8>,
}

impl Image {
    /// Pixels in rows `rows` darker than the grey of the captions.
    fn dark_pixels(&self, rows: std::ops::Range<u32>) -> usize {
        let w = self.width as usize;
        rows.flat_map(|y| (0..w).map(move |x| (y as usize * w + x) * 3))
            .filter(|&i| self.rgb[i..i + 3].iter().all(|&c| c < 100))
            .count()
    }

    /// Pixels in rows `rows` that are not white.
    fn inked_pixels(&self, rows: std::ops::Range<u32>) -> usize {
        let w = self.width as usize;
        rows.flat_map(|y| (0..w).map(move |x| (y as usize * w + x) * 3))
            .filter(|&i| self.rgb[i..i + 3] != [255, 255, 255])
            .count()
    }
}

#[track_caller]
fn decode(bytes: &[u8]) -> Image {
    let decoder = png::Decoder::new(Cursor::new(bytes));
    let mut reader = decoder.read_info().expect("a PNG header");
    let mut rgb = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut rgb).expect("PNG image data");
    assert_eq!(info.color_type, png::ColorType::Rgb);
    assert_eq!(info.bit_depth, png::BitDepth::Eight);
    rgb.truncate(info.buffer_size());
    Image {
        width: info.width,
        height: info.height,
        rgb,
    }
}

// ---------------------------------------------------------------------------
// SVG

#[test]
fn every_kind_is_valid_svg_with_its_title_and_caption() {
    for kind in KINDS {
        let chart = sample(kind);
        let svg = svg(&chart, W, H).unwrap();
        let doc = parse(&svg);
        let root = doc.root_element();
        assert_eq!(root.tag_name().name(), "svg", "{kind:?}");
        assert_eq!(root.attribute("width"), Some("640"), "{kind:?}");
        assert_eq!(root.attribute("height"), Some("360"), "{kind:?}");
        let texts = texts(&doc);
        assert!(texts.contains(&chart.title), "{kind:?}: {texts:?}");
        assert!(texts.contains(&chart.caption), "{kind:?}: {texts:?}");
        assert!(!svg.contains(NO_DATA), "{kind:?}");
    }
}

#[test]
fn line_chart_draws_one_polyline_per_series_with_a_legend() {
    let chart = line();
    let svg = svg(&chart, W, H).unwrap();
    let doc = parse(&svg);
    let lines = palette_counts(&doc, "polyline", "stroke");
    assert_eq!(lines, BTreeMap::from([(0, 1), (1, 1), (2, 1)]));
    let texts = texts(&doc);
    for s in &chart.series {
        assert_eq!(
            texts.iter().filter(|t| **t == s.name).count(),
            1,
            "{}",
            s.name
        );
    }
    assert!(texts.contains(&"2026-01-05".to_string()), "{texts:?}");
    assert!(texts.contains(&"hours".to_string()), "{texts:?}");
    // Twelve weekly labels do not fit side by side at 640 px: every other
    // one is shown.
    for (i, label) in chart.labels.iter().enumerate() {
        assert_eq!(texts.contains(label), i % 2 == 0, "{label} in {texts:?}");
    }
    // Six do.
    let mut short = line();
    short.labels.truncate(6);
    let texts = svg_texts(&short);
    for label in &short.labels {
        assert!(texts.contains(label), "{label} missing from {texts:?}");
    }
}

#[test]
fn line_chart_with_one_series_has_no_legend() {
    let mut chart = line();
    chart.series.truncate(1);
    let doc_text = svg(&chart, W, H).unwrap();
    let doc = parse(&doc_text);
    assert_eq!(
        palette_counts(&doc, "polyline", "stroke"),
        BTreeMap::from([(0, 1)])
    );
    assert!(!texts(&doc).contains(&chart.series[0].name));
}

/// A series with no value (a counterfactual's interval where the method has
/// none) is not drawn and not named in the legend; the next keeps its colour.
#[test]
fn a_series_without_values_is_left_out_of_the_legend() {
    let mut chart = line();
    let n = chart.labels.len();
    chart.series[1].values = vec![None; n];
    let drawn = svg(&chart, W, H).unwrap();
    let doc = parse(&drawn);
    assert_eq!(
        palette_counts(&doc, "polyline", "stroke"),
        BTreeMap::from([(0, 1), (2, 1)])
    );
    let texts = texts(&doc);
    assert!(!texts.contains(&chart.series[1].name), "{texts:?}");
    assert!(texts.contains(&chart.series[0].name), "{texts:?}");
    assert!(texts.contains(&chart.series[2].name), "{texts:?}");
}

#[test]
fn line_series_beyond_the_palette_are_dashed() {
    let chart = many_series();
    let svg = svg(&chart, W, H).unwrap();
    let counts = palette_counts(&parse(&svg), "polyline", "stroke");
    // Series 0 and 8 share a colour; series 8 is drawn as many dashes.
    assert!(counts[&0] > 5, "{counts:?}");
    assert!(counts[&1] > 5, "{counts:?}");
    for i in 2..PALETTE.len() {
        assert_eq!(counts[&i], 1, "{counts:?}");
    }
    let texts = svg_texts(&chart);
    assert!(texts.contains(&"workflow-9".to_string()), "{texts:?}");
}

#[test]
fn line_gaps_break_the_line() {
    let mut chart = line();
    chart.labels = weeks(5);
    let gapped = [Some(1.0), Some(2.0), None, Some(4.0), Some(5.0)];
    let not_finite = [Some(1.0), Some(2.0), Some(f64::NAN), Some(4.0), Some(5.0)];
    let infinite = [
        Some(1.0),
        Some(2.0),
        Some(f64::INFINITY),
        Some(4.0),
        Some(5.0),
    ];
    let whole = [Some(1.0), Some(2.0), Some(3.0), Some(4.0), Some(5.0)];
    for (values, segments) in [(&gapped, 2), (&not_finite, 2), (&infinite, 2), (&whole, 1)] {
        chart.series = vec![series("a", values)];
        let svg = svg(&chart, W, H).unwrap();
        let doc = parse(&svg);
        assert_eq!(
            palette_counts(&doc, "polyline", "stroke"),
            BTreeMap::from([(0, segments)]),
            "{values:?}"
        );
        // The polylines hold the points either side of the gap, no more.
        let points: usize = doc
            .descendants()
            .filter(|n| n.has_tag_name("polyline"))
            .filter(|n| n.attribute("stroke") == Some(hex(PALETTE[0]).as_str()))
            .map(|n| n.attribute("points").unwrap().split_whitespace().count())
            .sum();
        assert_eq!(points, if segments == 2 { 4 } else { 5 });
    }
}

#[test]
fn share_unit_is_drawn_in_percent() {
    let mut shares = vec![line_share()];
    for mut chart in [bar(), stacked()] {
        // Turn the hours into shares between 0 and 1.
        chart.unit = "share".to_string();
        for s in &mut chart.series {
            for v in s.values.iter_mut().flatten() {
                *v /= 1000.0;
            }
        }
        shares.push(chart);
    }
    for chart in shares {
        let texts = svg_texts(&chart);
        let percents: Vec<&String> = texts
            .iter()
            .filter(|t| t.ends_with('%') && t[..t.len() - 1].parse::<f64>().is_ok())
            .collect();
        assert!(percents.len() >= 3, "{:?}: {texts:?}", chart.kind);
        assert!(texts.contains(&"0%".to_string()), "{texts:?}");
        assert!(texts.contains(&"share (%)".to_string()), "{texts:?}");
    }
    let texts = svg_texts(&line_share());
    assert!(texts.contains(&"40%".to_string()), "{texts:?}");
    assert!(texts.contains(&"50%".to_string()), "{texts:?}");
}

#[test]
fn bar_chart_draws_one_colour_per_series() {
    for chart in [bar(), bar_by_month()] {
        let svg = svg(&chart, W, H).unwrap();
        let doc = parse(&svg);
        // Four bars per series, plus the legend swatch.
        assert_eq!(
            palette_counts(&doc, "rect", "fill"),
            BTreeMap::from([(0, 5), (1, 5)]),
            "{}",
            chart.title
        );
        let texts = texts(&doc);
        assert!(texts.contains(&"before".to_string()) || texts.contains(&"manual".to_string()));
        assert!(texts.contains(&chart.unit), "{texts:?}");
    }
}

#[test]
fn bar_chart_labels_are_shown_and_long_ones_truncated() {
    let chart = bar();
    let texts = svg_texts(&chart);
    for label in &chart.labels[..2] {
        assert!(texts.contains(label), "{label} missing from {texts:?}");
    }
    let long = &chart.labels[2];
    assert!(
        !texts.contains(long),
        "{long} should be truncated: {texts:?}"
    );
    let stem: String = long.chars().take(10).collect();
    assert!(
        texts
            .iter()
            .any(|t| t.starts_with(&stem) && t.ends_with('…')),
        "{texts:?}"
    );

    let months = svg_texts(&bar_by_month());
    for label in ["2026-01", "2026-02", "2026-03", "2026-04"] {
        assert!(months.contains(&label.to_string()), "{months:?}");
    }
}

#[test]
fn bar_chart_with_one_series_has_no_legend() {
    let mut chart = bar();
    chart.series.truncate(1);
    let svg = svg(&chart, W, H).unwrap();
    let doc = parse(&svg);
    assert_eq!(
        palette_counts(&doc, "rect", "fill"),
        BTreeMap::from([(0, 4)])
    );
    assert!(!texts(&doc).contains(&"before".to_string()));
}

#[test]
fn stacked_bar_stacks_every_series_and_always_has_a_legend() {
    let chart = stacked();
    let svg = svg(&chart, W, H).unwrap();
    let doc = parse(&svg);
    assert_eq!(
        palette_counts(&doc, "rect", "fill"),
        BTreeMap::from([(0, 5), (1, 5), (2, 5)])
    );
    let texts = texts(&doc);
    for s in &chart.series {
        assert!(texts.contains(&s.name), "{}", s.name);
    }

    // In each month the segments sit on top of each other, in series order.
    let rects: Vec<(usize, i64, i64, i64)> = doc
        .descendants()
        .filter(|n| n.has_tag_name("rect"))
        .filter_map(|n| {
            let fill = n.attribute("fill")?;
            let i = PALETTE.iter().position(|&c| hex(c) == fill)?;
            let num = |a| n.attribute(a).unwrap().parse::<i64>().unwrap();
            Some((i, num("x"), num("y"), num("height")))
        })
        .collect();
    let first_month_x = rects
        .iter()
        .filter(|r| r.0 == 0)
        .map(|r| r.1)
        .max()
        .unwrap();
    let column: Vec<_> = rects.iter().filter(|r| r.1 == first_month_x).collect();
    assert_eq!(column.len(), 3, "{rects:?}");
    assert!(
        column[0].2 > column[1].2 && column[1].2 > column[2].2,
        "{column:?}"
    );
    assert_eq!(column[1].2 + column[1].3, column[0].2, "{column:?}");

    let mut one = stacked();
    one.series.truncate(1);
    assert!(svg_texts(&one).contains(&one.series[0].name));
}

#[test]
fn table_draws_header_rows_and_points_to_the_csv() {
    let chart = table(30);
    let text = svg(&chart, W, 600).unwrap();
    let doc = parse(&text);
    let texts = texts(&doc);
    for header in &chart.labels {
        assert!(texts.contains(header), "{header}");
    }
    let shown = texts.iter().filter(|t| t.starts_with("wf-")).count();
    assert_eq!(shown, 20, "{texts:?}");
    assert!(texts.contains(&"wf-20".to_string()));
    assert!(!texts.contains(&"wf-21".to_string()));
    assert!(
        texts.contains(&"… 10 more rows — see the CSV".to_string()),
        "{texts:?}"
    );
    // The first column is left-aligned, the others right-aligned.
    let anchor = |text: &str| {
        doc.descendants()
            .find(|n| n.has_tag_name("text") && n.text().map(str::trim) == Some(text))
            .and_then(|n| n.attribute("text-anchor"))
            .map(str::to_string)
    };
    assert_eq!(anchor("wf-03").as_deref(), Some("start"));
    assert_eq!(anchor("111").as_deref(), Some("end"));
    assert_eq!(anchor("reclaimed hours").as_deref(), Some("end"));

    // A short table shows every row and no pointer.
    let texts = svg_texts(&table(5));
    assert_eq!(texts.iter().filter(|t| t.starts_with("wf-")).count(), 5);
    assert!(!texts.iter().any(|t| t.contains("more rows")));

    // A low panel shows what fits, and still says how many are left out.
    let texts = svg_texts_at(&table(30), W, 220);
    let shown = texts.iter().filter(|t| t.starts_with("wf-")).count();
    assert!((1..20).contains(&shown), "{shown}");
    let note = format!("… {} more rows — see the CSV", 30 - shown);
    assert!(texts.contains(&note), "{texts:?}");
}

#[test]
fn kpi_draws_every_tile() {
    let chart = kpi();
    let texts = svg_texts(&chart);
    for tile in &chart.tiles {
        for text in [&tile.label, &tile.value, &tile.detail] {
            assert_eq!(
                texts.iter().filter(|t| *t == text).count(),
                1,
                "{text} in {texts:?}"
            );
        }
    }

    // Many tiles wrap into rows and are all still drawn.
    let mut many = kpi();
    many.tiles = (1..=8)
        .map(|i| Tile {
            label: format!("metric {i}"),
            value: format!("{i}.0 h"),
            detail: format!("n = {i}"),
        })
        .collect();
    let texts = svg_texts(&many);
    for i in 1..=8 {
        assert!(texts.contains(&format!("{i}.0 h")), "{texts:?}");
    }
}

#[test]
fn long_line_axes_thin_their_labels() {
    let mut chart = line();
    chart.labels = weeks(60);
    chart.series = vec![series(
        "a",
        &(0..60).map(|i| Some(f64::from(i))).collect::<Vec<_>>(),
    )];
    let svg = svg(&chart, W, H).unwrap();
    let doc = parse(&svg);
    let xs: Vec<f64> = doc
        .descendants()
        .filter(|n| n.has_tag_name("text"))
        .filter(|n| {
            chart
                .labels
                .iter()
                .any(|l| Some(l.as_str()) == n.text().map(str::trim))
        })
        .map(|n| n.attribute("x").unwrap().parse().unwrap())
        .collect();
    assert!(xs.len() >= 4 && xs.len() < 20, "{xs:?}");
    assert!(
        xs.windows(2).all(|p| p[1] - p[0] >= 60.0),
        "labels overlap: {xs:?}"
    );
    assert!(texts(&doc).contains(&chart.labels[0]));
}

// ---------------------------------------------------------------------------
// PNG

#[test]
fn every_kind_is_a_png_of_the_requested_size() {
    for kind in KINDS {
        for (w, h) in [(W, H), (300, 200), (1200, 500)] {
            let image = decode(&png(&sample(kind), w, h).unwrap());
            assert_eq!((image.width, image.height), (w, h), "{kind:?}");
            assert_eq!(image.rgb.len(), (w * h * 3) as usize);
        }
    }
}

#[test]
fn png_text_is_really_drawn() {
    // The title band holds the title's glyphs, and nothing else: a chart
    // without a title leaves it white. Without a registered font the band
    // would be white either way.
    for kind in KINDS {
        let chart = sample(kind);
        let with = decode(&png(&chart, W, H).unwrap());
        let without = decode(
            &png(
                &Chart {
                    title: String::new(),
                    ..chart.clone()
                },
                W,
                H,
            )
            .unwrap(),
        );
        let band = 0..32;
        let dark = with.dark_pixels(band.clone());
        assert!(dark > 150, "{kind:?}: only {dark} dark pixels in the title");
        assert_eq!(without.inked_pixels(band), 0, "{kind:?}");
        // The rest of the picture did not move.
        assert_eq!(
            with.rgb[(32 * W * 3) as usize..],
            without.rgb[(32 * W * 3) as usize..]
        );
    }
}

#[test]
fn png_body_text_is_drawn() {
    // Tables and tiles are nothing but text: with their text blanked the
    // body has no dark pixels at all, with it there are glyphs.
    let blank_table = Chart {
        labels: vec![String::new(); 4],
        rows: vec![vec![String::new(); 4]; 5],
        ..table(5)
    };
    let blank_kpi = Chart {
        tiles: kpi()
            .tiles
            .iter()
            .map(|_| Tile {
                label: String::new(),
                value: String::new(),
                detail: String::new(),
            })
            .collect(),
        ..kpi()
    };
    for (chart, blank) in [(table(5), blank_table), (kpi(), blank_kpi)] {
        let body = 80..H;
        let dark = decode(&png(&chart, W, H).unwrap()).dark_pixels(body.clone());
        assert!(dark > 150, "{:?}: {dark}", chart.kind);
        let none = decode(&png(&blank, W, H).unwrap()).dark_pixels(body);
        assert_eq!(none, 0, "{:?}", chart.kind);
    }
}

// ---------------------------------------------------------------------------
// Empty state

#[test]
fn empty_charts_say_so() {
    let mut cases: Vec<Chart> = KINDS.iter().map(|&k| empty(k)).collect();
    for kind in [ChartKind::Line, ChartKind::Bar, ChartKind::StackedBar] {
        // Labels but no series, and series with nothing but gaps.
        cases.push(Chart {
            labels: weeks(4),
            ..empty(kind)
        });
        cases.push(Chart {
            labels: weeks(3),
            series: vec![
                series("a", &[None, None, None]),
                series("b", &[Some(f64::NAN), None, Some(f64::INFINITY)]),
            ],
            ..empty(kind)
        });
        // Values but no labels to put them against.
        cases.push(Chart {
            series: vec![series("a", &[Some(1.0)])],
            ..empty(kind)
        });
    }
    for chart in &cases {
        let svg = svg(chart, W, H).unwrap();
        let doc = parse(&svg);
        let texts = texts(&doc);
        // Weeks whose series have nothing but gaps name the empty series
        // (the runs are there; these figures are not); else no data.
        let said = if !chart.labels.is_empty() && !chart.series.is_empty() {
            "No value of “a” or “b” in this period".to_string()
        } else {
            NO_DATA.to_string()
        };
        assert!(texts.contains(&said), "{chart:?}: {texts:?}");
        assert!(texts.contains(&chart.title));
        assert!(palette_counts(&doc, "polyline", "stroke").is_empty());
        assert!(palette_counts(&doc, "rect", "fill").is_empty());

        let image = decode(&png(chart, W, H).unwrap());
        assert_eq!((image.width, image.height), (W, H));
        // The message is drawn in the middle, below the header.
        assert!(image.inked_pixels(H / 3..H * 2 / 3) > 200, "{chart:?}");
    }
}

/// A view that knows why its table is empty has that drawn instead of "no
/// data", broken into lines that fit, every word kept, in every kind.
#[test]
fn an_empty_chart_draws_its_views_reason_in_lines() {
    let why = "Nothing to rank: no workflow done by hand (without a go-live, \
               automated_since) has time-study observations (yardstick ingest baselines).";
    for kind in KINDS {
        let chart = Chart {
            empty: Some(why.into()),
            ..empty(kind)
        };
        let texts = texts(&parse(&svg(&chart, 400, 300).unwrap()));
        let lines: Vec<&String> = texts
            .iter()
            .filter(|t| **t != chart.title && **t != chart.caption)
            .filter(|t| why.split_whitespace().any(|w| t.contains(w)))
            .collect();
        assert!(
            lines.len() >= 2,
            "{kind:?}: one line cannot hold it: {texts:?}"
        );
        let joined = lines
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join(" ");
        assert_eq!(joined, why, "{kind:?}");
        assert!(!texts.contains(&NO_DATA.to_string()), "{kind:?}");
        let image = decode(&png(&chart, 400, 300).unwrap());
        assert!(image.inked_pixels(100..200) > 200, "{kind:?}");
    }
}

#[test]
fn bad_sizes_are_errors_naming_the_chart() {
    let err = svg(&line(), 0, 100).unwrap_err();
    assert_eq!(err.title, "Reclaimed hours per week");
    assert!(png(&line(), 100, 0).is_err());
}

// ---------------------------------------------------------------------------
// Samples

#[test]
fn samples_render_in_both_formats() {
    let dir = std::env::var_os("YARDSTICK_CHART_SAMPLES").map(std::path::PathBuf::from);
    if let Some(dir) = &dir {
        std::fs::create_dir_all(dir).unwrap();
    }
    let samples = [
        ("kpi", kpi(), W, 200),
        ("line", line(), W, H),
        ("line_share", line_share(), W, H),
        ("bar", bar(), W, H),
        ("bar_by_month", bar_by_month(), W, H),
        ("stacked_bar", stacked(), W, H),
        ("table", table(30), W, 600),
        ("empty", empty(ChartKind::Line), W, H),
        ("small_line", line(), 320, 200),
        ("wide_stacked_bar", stacked(), 1600, 500),
        ("many_bars", many_bars(), W, H),
        ("negative_bar", negative_bar(), W, H),
        ("many_series", many_series(), W, H),
        ("long_line", long_line(), W, H),
    ];
    for (name, chart, w, h) in samples {
        let svg = svg(&chart, w, h).unwrap();
        parse(&svg);
        let png = png(&chart, w, h).unwrap();
        let image = decode(&png);
        assert_eq!((image.width, image.height), (w, h));
        if let Some(dir) = &dir {
            std::fs::write(dir.join(format!("{name}.svg")), svg).unwrap();
            std::fs::write(dir.join(format!("{name}.png")), png).unwrap();
        }
    }
}
