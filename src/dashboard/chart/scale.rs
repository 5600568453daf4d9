//! The numbers behind a chart, apart from drawing: which values a series
//! has, how bars stack, a value axis with "nice" ticks, how many labels fit,
//! and the geometry of an orientation. Pure: no plotters.

use super::{Chart, ChartKind, Series};

/// A rectangle in pixels, `x1`/`y1` exclusive.
#[derive(Debug, Clone, Copy)]
pub(super) struct Rect {
    pub(super) x0: i32,
    pub(super) y0: i32,
    pub(super) x1: i32,
    pub(super) y1: i32,
}

impl Rect {
    pub(super) fn w(&self) -> i32 {
        self.x1 - self.x0
    }
    pub(super) fn h(&self) -> i32 {
        self.y1 - self.y0
    }
}

/// Which way a chart with a value axis runs. Bars and their axis are drawn
/// by one code path in (category, value) coordinates, which the orientation
/// maps to pixels.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Orientation {
    /// Categories along the bottom, values growing upwards (line charts, and
    /// bars along a time axis).
    Upright,
    /// Categories down the left side, one row each, values growing rightwards.
    Sideways,
}

/// How much of a category's slot its bars take.
pub(super) struct BarSizes {
    /// A stacked bar's thickness: 70% of the slot, at most this many scaled pixels.
    pub(super) stack_max: f64,
    /// A group of side-by-side bars: this share of the slot…
    pub(super) group_share: f64,
    /// …and at most this many scaled pixels per series.
    pub(super) group_max: f64,
    /// Each bar of a group: this share of its place in the group.
    pub(super) inner_share: f64,
}

impl Orientation {
    /// The pixel at `along` on the category axis and `at` on the value axis.
    pub(super) fn point(self, along: i32, at: i32) -> (i32, i32) {
        match self {
            Orientation::Upright => (along, at),
            Orientation::Sideways => (at, along),
        }
    }

    /// Where the category axis of `plot` begins and ends.
    pub(super) fn categories(self, plot: Rect) -> (i32, i32) {
        match self {
            Orientation::Upright => (plot.x0, plot.x1),
            Orientation::Sideways => (plot.y0, plot.y1),
        }
    }

    /// The pixels of the low and the high end of the value axis of `plot`.
    pub(super) fn values(self, plot: Rect) -> (i32, i32) {
        match self {
            Orientation::Upright => (plot.y1, plot.y0),
            Orientation::Sideways => (plot.x0, plot.x1),
        }
    }

    pub(super) fn bar_sizes(self) -> BarSizes {
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

/// The value of `series` at label `i`, if it is there and finite.
pub(super) fn value(series: &Series, i: usize) -> Option<f64> {
    series
        .values
        .get(i)
        .copied()
        .flatten()
        .filter(|v| v.is_finite())
}

pub(super) fn finite_values(series: &Series, n: usize) -> impl Iterator<Item = f64> + '_ {
    (0..n).filter_map(move |i| value(series, i))
}

/// Whether the chart has anything to draw besides its header.
pub(super) fn has_data(chart: &Chart) -> bool {
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
pub(super) fn runs(series: &Series, n: usize) -> Vec<Vec<(usize, f64)>> {
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
pub(super) fn stack(series: &[Series], i: usize) -> Vec<(usize, f64, f64)> {
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
pub(super) fn stack_extent(series: &[Series], i: usize) -> (f64, f64) {
    stack(series, i)
        .iter()
        .fold((0.0, 0.0), |(lo, hi), &(_, a, b)| {
            (lo.min(a).min(b), hi.max(a).max(b))
        })
}

/// The smallest and largest of `values`, both including 0.
pub(super) fn value_range(values: impl Iterator<Item = f64>) -> (f64, f64) {
    values.fold((0.0_f64, 0.0_f64), |(lo, hi), v| (lo.min(v), hi.max(v)))
}

pub(super) fn is_share(unit: &str) -> bool {
    unit.trim().eq_ignore_ascii_case("share")
}

/// The axis description for a unit: `share` is drawn in percent.
pub(super) fn unit_description(unit: &str) -> String {
    if is_share(unit) {
        "share (%)".to_string()
    } else {
        unit.trim().to_string()
    }
}

/// Whether the labels are dates or periods (`2026-01-05`, `2026-01`,
/// `2026-W02`, `2026`), which are drawn as a time axis.
pub(super) fn is_time_axis(labels: &[String]) -> bool {
    !labels.is_empty()
        && labels.iter().all(|l| {
            let b = l.trim().as_bytes();
            b.len() >= 4 && b[..4].iter().all(u8::is_ascii_digit) && (b.len() == 4 || b[4] == b'-')
        })
}

/// Show every `step`-th of labels `spacing` pixels apart so that labels
/// `needed` pixels wide do not overlap.
pub(super) fn thin_step(needed: f64, spacing: f64) -> usize {
    if spacing <= 0.0 || !spacing.is_finite() {
        return usize::MAX;
    }
    ((needed / spacing).ceil() as usize).max(1)
}

/// A value axis from a "nice" low to a "nice" high tick.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Axis {
    pub(super) lo: f64,
    pub(super) hi: f64,
    pub(super) step: f64,
    pub(super) ticks: Vec<f64>,
    pub(super) share: bool,
}

impl Axis {
    /// An axis covering `min..max` (which include 0) with about `target` steps.
    pub(super) fn new(min: f64, max: f64, share: bool, target: usize) -> Axis {
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
    pub(super) fn to_px(&self, v: f64, at_lo: i32, at_hi: i32) -> i32 {
        let f = (v - self.lo) / (self.hi - self.lo);
        (f64::from(at_lo) + f * f64::from(at_hi - at_lo)).round() as i32
    }

    /// The label of every tick.
    pub(super) fn labels(&self) -> Vec<String> {
        self.ticks.iter().map(|&t| self.format(t)).collect()
    }

    /// A tick label: percent for shares, k and M for large values.
    pub(super) fn format(&self, v: f64) -> String {
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
pub(super) fn nice_step(raw: f64) -> f64 {
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
pub(super) fn decimals(step: f64) -> usize {
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
    fn labels_are_thinned_to_fit() {
        assert_eq!(thin_step(30.0, 40.0), 1);
        assert_eq!(thin_step(90.0, 40.0), 3);
        assert_eq!(thin_step(90.0, 0.0), usize::MAX);
    }
}
