//! The week-block bootstrap: runs of the same ISO week share staff, load and
//! incidents, so a resample draws whole weeks (clusters) with replacement
//! rather than runs one by one (Bertrand, Duflo and Mullainathan 2004;
//! Cameron and Miller 2015, section 2.4). A side's weeks are its clusters;
//! a time study's observations have no week and are each their own cluster.
//!
//! - A mean (and a rate, the mean of 0/1 values) of one resample is the
//!   ratio Σ sums / Σ counts over the K weeks drawn. Past [`LARGE_N`]
//!   clusters (only a large time study reaches it) it is drawn from the
//!   ratio's normal law with the cluster variance
//!   K/(K−1) · Σ (S_w − m·n_w)² / n².
//! - A median is drawn as the sample's quantile at 0.5 + Z·sd, where sd is the
//!   standard error of the empirical distribution function at the median
//!   under cluster sampling (Woodruff 1952): K/(K−1) · Σ d_w² / n² with
//!   d_w = Σ over week w of (1[x ≤ median] − F̂(median)). With one value per
//!   cluster this is 0.25/n, the independent runs' law.
//!
//! A side of fewer than [`MIN_WEEKS`] weeks is resampled by runs instead.
//! The coverage simulation (`compare/tests.rs`,
//! `week_shocks_need_the_week_block_interval`) sets it beside the
//! independent-runs interval.

use super::*;

/// The ISO week (UTC, Monday 00:00) of an anchor in microseconds since the
/// epoch, as a number: 1970-01-01 was a Thursday, its Monday 3 days before.
pub(super) fn week_of(anchor_us: i64) -> i64 {
    const DAY: i64 = 86_400_000_000;
    (anchor_us + 3 * DAY).div_euclid(7 * DAY)
}

/// Keys for values that have no week (a time study's): each its own
/// cluster, below every run's week.
pub(super) fn singletons(n: usize) -> Vec<i64> {
    (0..n as i64).map(|i| i64::MIN + i).collect()
}

/// Fewer weeks than this on a side and its weeks cannot say how much weeks
/// differ (with one week, drawing weeks would give the side no variance at
/// all): such a side is resampled by runs, as `Interval::Runs` does.
pub(super) const MIN_WEEKS: usize = 5;

/// The small-sample correction of a cluster variance, K/(K−1), as the factor
/// √(K/(K−1)) a draw's distance from the sample's statistic is scaled by.
fn small_k(k: usize) -> f64 {
    if k > 1 {
        (k as f64 / (k as f64 - 1.0)).sqrt()
    } else {
        0.0
    }
}

/// The clusters of `keys` as (first index, len) ranges of the indices sorted
/// by key, with the sorted indices.
pub(super) fn groups(keys: &[i64]) -> (Vec<usize>, Vec<(usize, usize)>) {
    let mut order: Vec<usize> = (0..keys.len()).collect();
    order.sort_by_key(|&i| (keys[i], i));
    let mut ranges = Vec::new();
    let mut start = 0;
    for j in 1..=order.len() {
        if j == order.len() || keys[order[j]] != keys[order[start]] {
            ranges.push((start, j - start));
            start = j;
        }
    }
    (order, ranges)
}

/// Draws the statistic of one week-block resample of a side.
pub(super) enum Blocks {
    /// K weeks drawn; the draw's distance from the sample mean `mean` is
    /// scaled by √(K/(K−1)), the small-sample correction of the cluster
    /// variance.
    Mean {
        sums: Vec<f64>,
        counts: Vec<f64>,
        mean: f64,
        scale: f64,
    },
    MeanNormal {
        mean: f64,
        sd: f64,
    },
    Median {
        sorted: Vec<f64>,
        sd: f64,
    },
}

impl Blocks {
    /// `xs[i]` in week `keys[i]`; `None` below [`MIN_WEEKS`] weeks.
    pub(super) fn new(xs: &[f64], keys: &[i64], stat: Stat) -> Option<Blocks> {
        debug_assert_eq!(xs.len(), keys.len());
        let (order, ranges) = groups(keys);
        (ranges.len() >= MIN_WEEKS).then(|| Blocks::grouped(xs, &order, &ranges, stat))
    }

    fn grouped(xs: &[f64], order: &[usize], ranges: &[(usize, usize)], stat: Stat) -> Blocks {
        let n = xs.len() as f64;
        let scale = small_k(ranges.len());
        let inflate = scale * scale;
        match stat {
            Stat::Mean => {
                let (mut sums, mut counts) = (Vec::new(), Vec::new());
                for &(s, len) in ranges {
                    sums.push(order[s..s + len].iter().map(|&i| xs[i]).sum::<f64>());
                    counts.push(len as f64);
                }
                let m = sums.iter().sum::<f64>() / n;
                if ranges.len() <= LARGE_N {
                    return Blocks::Mean {
                        sums,
                        counts,
                        mean: m,
                        scale,
                    };
                }
                let v: f64 = sums
                    .iter()
                    .zip(&counts)
                    .map(|(s, c)| (s - m * c).powi(2))
                    .sum();
                Blocks::MeanNormal {
                    mean: m,
                    sd: (inflate * v).sqrt() / n,
                }
            }
            Stat::Median => {
                let mut sorted = xs.to_vec();
                sorted.sort_by(f64::total_cmp);
                let med = quantile_cont(&sorted, 0.5);
                let below = sorted.partition_point(|&x| x <= med) as f64 / n;
                let v: f64 = ranges
                    .iter()
                    .map(|&(s, len)| {
                        let d: f64 = order[s..s + len]
                            .iter()
                            .map(|&i| f64::from(u8::from(xs[i] <= med)) - below)
                            .sum();
                        d * d
                    })
                    .sum();
                Blocks::Median {
                    sorted,
                    sd: (inflate * v).sqrt() / n,
                }
            }
        }
    }

    pub(super) fn draw(&mut self, rng: &mut SplitMix) -> f64 {
        match self {
            Blocks::Mean {
                sums,
                counts,
                mean,
                scale,
            } => {
                let k = sums.len();
                let (mut s, mut c) = (0.0, 0.0);
                for _ in 0..k {
                    let w = rng.below(k);
                    s += sums[w];
                    c += counts[w];
                }
                *mean + *scale * (s / c - *mean)
            }
            Blocks::MeanNormal { mean, sd } => *mean + *sd * rng.normal(),
            Blocks::Median { sorted, sd } => {
                let q = (0.5 + *sd * rng.normal()).clamp(0.0, 1.0);
                quantile_cont(sorted, q)
            }
        }
    }
}

/// The means of pairs `(s_i, c_i)` over one week-block resample: K weeks
/// drawn with replacement, each bringing its runs' sums (see [`dated_draws`]),
/// each mean's distance from the sample's scaled by √(K/(K−1)) as
/// [`Blocks::Mean`]'s is.
pub(super) struct PairBlocks {
    s: Vec<f64>,
    c: Vec<f64>,
    n: Vec<f64>,
    means: (f64, f64),
    scale: f64,
}

impl PairBlocks {
    /// `None` below [`MIN_WEEKS`] weeks.
    pub(super) fn new(s: &[f64], c: &[f64], keys: &[i64]) -> Option<PairBlocks> {
        let (order, ranges) = groups(keys);
        if ranges.len() < MIN_WEEKS {
            return None;
        }
        let sum =
            |v: &[f64], (a, len): (usize, usize)| order[a..a + len].iter().map(|&i| v[i]).sum();
        let n = s.len() as f64;
        Some(PairBlocks {
            s: ranges.iter().map(|&r| sum(s, r)).collect(),
            c: ranges.iter().map(|&r| sum(c, r)).collect(),
            n: ranges.iter().map(|&(_, len)| len as f64).collect(),
            means: (s.iter().sum::<f64>() / n, c.iter().sum::<f64>() / n),
            scale: small_k(ranges.len()),
        })
    }

    pub(super) fn draw(&mut self, rng: &mut SplitMix) -> (f64, f64) {
        let k = self.n.len();
        let (mut a, mut b, mut m) = (0.0, 0.0, 0.0);
        for _ in 0..k {
            let w = rng.below(k);
            a += self.s[w];
            b += self.c[w];
            m += self.n[w];
        }
        let (ms, mc) = self.means;
        (
            ms + self.scale * (a / m - ms),
            mc + self.scale * (b / m - mc),
        )
    }
}

/// One side's resampler under either interval method.
pub(super) enum Draw<'a> {
    Runs(Resampler<'a>),
    Weeks(Blocks),
    /// A single week's mean: its runs resampled, plus a week's shock drawn
    /// from N(0, sd²) (see [`one_week`]).
    Shocked(Resampler<'a>, f64),
}

impl<'a> Draw<'a> {
    pub(super) fn new(xs: &'a [f64], keys: &[i64], stat: Stat, how: Interval) -> Draw<'a> {
        let blocks = match how {
            Interval::Runs => None,
            Interval::Weeks => Blocks::new(xs, keys, stat),
        };
        blocks.map_or_else(|| Draw::Runs(Resampler::new(xs, stat)), Draw::Weeks)
    }

    pub(super) fn draw(&mut self, rng: &mut SplitMix) -> f64 {
        match self {
            Draw::Runs(r) => r.draw(rng),
            Draw::Weeks(b) => b.draw(rng),
            Draw::Shocked(r, sd) => r.draw(rng) + *sd * rng.normal(),
        }
    }
}

/// The variance between weeks of values `xs` in weeks `keys`: the one-way
/// random-effects (ANOVA) estimate σ_b² = max(0, (MSB − MSW) / n₀) with
/// n₀ = (N − Σ n_w² / N) / (K − 1) for unequal weeks (Searle, Casella and
/// McCulloch 1992, section 3.6). `None` below [`MIN_WEEKS`] weeks or when no
/// week has a second value.
pub(super) fn between_weeks(xs: &[f64], keys: &[i64]) -> Option<f64> {
    let (order, ranges) = groups(keys);
    let (n, k) = (xs.len() as f64, ranges.len() as f64);
    if ranges.len() < MIN_WEEKS || n <= k {
        return None;
    }
    let grand = xs.iter().sum::<f64>() / n;
    let (mut ssb, mut ssw, mut squares) = (0.0, 0.0, 0.0);
    for &(s, len) in &ranges {
        let week = || order[s..s + len].iter().map(|&i| xs[i]);
        let m = week().sum::<f64>() / len as f64;
        ssb += len as f64 * (m - grand).powi(2);
        ssw += week().map(|x| (x - m).powi(2)).sum::<f64>();
        squares += (len * len) as f64;
    }
    let (msb, msw) = (ssb / (k - 1.0), ssw / (n - k));
    let n0 = (n - squares / n) / (k - 1.0);
    Some(((msb - msw) / n0).max(0.0))
}

/// The statistic of a single week `xs`, drawn as one week of the process
/// that made the reference weeks (`reference` in weeks `keys`): a week's own
/// noise at its own n, and the shock every week has, of the variance the
/// reference weeks show between them ([`between_weeks`]). A mean (a rate)
/// is its runs resampled plus N(0, σ_b²); a median is Woodruff's, the
/// quantile of `xs` at 0.5 + Z·sd with sd² the share's independent variance
/// plus σ_b² of the share of each reference week at or below the reference
/// median. `None` when the reference has too few weeks to say how weeks
/// differ.
pub(super) fn one_week<'a>(
    xs: &'a [f64],
    stat: Stat,
    reference: &[f64],
    keys: &[i64],
) -> Option<Draw<'a>> {
    if xs.is_empty() || reference.is_empty() {
        return None;
    }
    match stat {
        Stat::Mean => {
            let vb = between_weeks(reference, keys)?;
            Some(Draw::Shocked(Resampler::new(xs, Stat::Mean), vb.sqrt()))
        }
        Stat::Median => {
            let med = statistic(reference, Stat::Median);
            let below: Vec<f64> = reference
                .iter()
                .map(|&x| f64::from(u8::from(x <= med)))
                .collect();
            let vb = between_weeks(&below, keys)?;
            let (order, ranges) = groups(&singletons(xs.len()));
            match Blocks::grouped(xs, &order, &ranges, Stat::Median) {
                Blocks::Median { sorted, sd } => Some(Draw::Weeks(Blocks::Median {
                    sorted,
                    sd: (sd * sd + vb).sqrt(),
                })),
                _ => unreachable!("a median's blocks"),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weeks_are_iso_mondays() {
        let us = |d: &str| {
            chrono::NaiveDateTime::parse_from_str(d, "%Y-%m-%d %H:%M")
                .unwrap()
                .and_utc()
                .timestamp_micros()
        };
        // Monday 2026-01-05 00:00 starts a week; the Sunday before ends one.
        assert_eq!(
            week_of(us("2026-01-05 00:00")),
            week_of(us("2026-01-11 23:59"))
        );
        assert_eq!(
            week_of(us("2026-01-05 00:00")),
            week_of(us("2026-01-04 23:59")) + 1
        );
        assert_eq!(week_of(us("1970-01-05 00:00")), 1);
        assert_eq!(week_of(us("1969-12-29 00:00")), 0);
    }

    #[test]
    fn between_weeks_is_the_anova_estimate() {
        // Five weeks of two values, m − 1 and m + 1 for week means m = 1..5:
        // grand mean 3, MSB = 2·10/4 = 5, MSW = 10/5 = 2, n₀ = (10 − 20/10)/4
        // = 2, so σ_b² = (5 − 2)/2 = 1.5.
        let (mut xs, mut keys) = (Vec::new(), Vec::new());
        for w in 1..=5 {
            xs.extend([w as f64 - 1.0, w as f64 + 1.0]);
            keys.extend([w, w]);
        }
        assert_eq!(between_weeks(&xs, &keys), Some(1.5));
        // Weeks that differ less than their runs do: 0, not negative.
        let flat: Vec<f64> = (0..10)
            .map(|i| if i % 2 == 0 { 0.0 } else { 10.0 })
            .collect();
        assert_eq!(between_weeks(&flat, &keys), Some(0.0));
        // Four weeks are too few; one value a week leaves no within-week part.
        assert_eq!(between_weeks(&xs[..8], &keys[..8]), None);
        assert_eq!(
            between_weeks(&[1.0, 2.0, 3.0, 4.0, 5.0], &[1, 2, 3, 4, 5]),
            None
        );
    }

    #[test]
    fn one_value_a_week_is_the_independent_law() {
        // Singleton clusters: the median's sd is √(K/(K−1) · n · ¼) / n.
        let xs: Vec<f64> = (0..101).map(f64::from).collect();
        let Some(Blocks::Median { sd, .. }) = Blocks::new(&xs, &singletons(101), Stat::Median)
        else {
            panic!("median")
        };
        // 50 of 101 values lie above the median 50: F̂ = 51/101.
        let f = 51.0 / 101.0;
        let v: f64 = 51.0 * (1.0 - f) * (1.0 - f) + 50.0 * f * f;
        assert!((sd - (101.0 / 100.0 * v).sqrt() / 101.0).abs() < 1e-15);
        // A mean drawn by weeks: two weeks (sums 3 and 30, 2 and 3 runs).
        // Two weeks are too few for `new`; `grouped` is what it calls.
        assert!(Blocks::new(&[1.0, 2.0], &[7, 8], Stat::Mean).is_none());
        let (xs, keys) = ([1.0, 2.0, 10.0, 10.0, 10.0], [7, 7, 8, 8, 8]);
        let (order, ranges) = groups(&keys);
        let mut b = Blocks::grouped(&xs, &order, &ranges, Stat::Mean);
        let Blocks::Mean { sums, counts, .. } = &b else {
            panic!("mean")
        };
        assert_eq!(
            (sums.clone(), counts.clone()),
            (vec![3.0, 30.0], vec![2.0, 3.0])
        );
        let mut rng = SplitMix::seed_from_u64(1);
        let m = 33.0 / 5.0;
        for _ in 0..50 {
            let d = b.draw(&mut rng);
            // Only three resamples exist: both weeks once (33/5), week 7 twice
            // (1.5), week 8 twice (10), each scaled away from 33/5 by √2.
            let ok = [m, 1.5, 10.0]
                .iter()
                .any(|v| (m + 2f64.sqrt() * (v - m) - d).abs() < 1e-12);
            assert!(ok, "{d}");
        }
    }
}
