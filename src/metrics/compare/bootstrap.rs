//! The seeded bootstrap behind every interval of [`super`]: the resamplers,
//! the generator and the percentile interval.

use super::*;

/// Bootstrap replicates of Σ (B − h) × k / 60 over the after side's runs,
/// each run with its own B (its terms' override, else the study mean drawn
/// with the study) and weight k (1 for hours, the hourly cost for money):
/// a replicate is n × (B* · mean*(s) + mean*(c)) / 60, with s = k where B is
/// the study mean (else 0) and c = (override · k − h · k), the means over one
/// resample of the runs ([`PairResampler`]).
pub(super) fn dated_draws(
    spec: CompareSpec,
    id: &str,
    metric: &str,
    study_human: &[f64],
    runs: &[Valued],
    of: impl Fn(&Valued) -> (Option<f64>, f64, f64),
) -> Vec<f64> {
    let (s, c): (Vec<f64>, Vec<f64>) = runs
        .iter()
        .map(|r| {
            let (b, h, k) = of(r);
            match b {
                Some(b) => (0.0, (b - h) * k),
                None => (k, -h * k),
            }
        })
        .unzip();
    let n = runs.len() as f64;
    let mut rng = rng_for(spec.seed, id, metric);
    let mut study = Resampler::new(study_human, Stat::Mean);
    let uses_study = s.iter().any(|&x| x != 0.0);
    let keys: Vec<i64> = runs.iter().map(|r| r.week).collect();
    let blocks = match spec.interval {
        Interval::Runs => None,
        Interval::Weeks => PairBlocks::new(&s, &c, &keys),
    };
    let mut pairs = blocks.map_or_else(|| Pairs::Runs(PairResampler::new(&s, &c)), Pairs::Weeks);
    bootstrap(&mut rng, spec.resamples, |rng| {
        let bb = if uses_study { study.draw(rng) } else { 0.0 };
        let (ms, mc) = match &mut pairs {
            Pairs::Runs(p) => p.draw(rng),
            Pairs::Weeks(p) => p.draw(rng),
        };
        n * (bb * ms + mc) / 60.0
    })
}

/// The pairs' resampler under either interval method.
enum Pairs<'a> {
    Runs(PairResampler<'a>),
    Weeks(PairBlocks),
}

/// Draws the means of one resample of pairs `(s_i, c_i)` drawn together: up
/// to [`LARGE_N`] pairs by `n` uniform draws, past it from the bivariate
/// normal law of the two means (the sample's means and covariance / n), as
/// [`Resampler`] does for one mean.
pub(super) enum PairResampler<'a> {
    Exact(&'a [f64], &'a [f64]),
    Normal {
        means: (f64, f64),
        /// The Cholesky factor of the covariance of the two means.
        l11: f64,
        l21: f64,
        l22: f64,
    },
}

impl<'a> PairResampler<'a> {
    pub(super) fn new(s: &'a [f64], c: &'a [f64]) -> PairResampler<'a> {
        let n = s.len();
        if n <= LARGE_N {
            return PairResampler::Exact(s, c);
        }
        let (ms, mc) = (mean(s), mean(c));
        let nf = n as f64;
        let (mut vss, mut vcc, mut vsc) = (0.0, 0.0, 0.0);
        for (x, y) in s.iter().zip(c) {
            vss += (x - ms) * (x - ms);
            vcc += (y - mc) * (y - mc);
            vsc += (x - ms) * (y - mc);
        }
        let (vss, vcc, vsc) = (vss / nf / nf, vcc / nf / nf, vsc / nf / nf);
        let l11 = vss.sqrt();
        let l21 = if l11 > 0.0 { vsc / l11 } else { 0.0 };
        let l22 = (vcc - l21 * l21).max(0.0).sqrt();
        PairResampler::Normal {
            means: (ms, mc),
            l11,
            l21,
            l22,
        }
    }

    pub(super) fn draw(&mut self, rng: &mut SplitMix) -> (f64, f64) {
        match self {
            PairResampler::Exact(s, c) => {
                let n = s.len();
                let (mut a, mut b) = (0.0, 0.0);
                for _ in 0..n {
                    let i = rng.below(n);
                    a += s[i];
                    b += c[i];
                }
                (a / n as f64, b / n as f64)
            }
            PairResampler::Normal {
                means,
                l11,
                l21,
                l22,
            } => {
                let (z1, z2) = (rng.normal(), rng.normal());
                (means.0 + *l11 * z1, means.1 + *l21 * z1 + *l22 * z2)
            }
        }
    }
}

pub(super) fn mean(xs: &[f64]) -> f64 {
    xs.iter().sum::<f64>() / xs.len() as f64
}

pub(super) fn statistic(xs: &[f64], stat: Stat) -> f64 {
    match stat {
        Stat::Mean => mean(xs),
        Stat::Median => median_in_place(&mut xs.to_vec()),
    }
}

/// The median with linear interpolation (`quantile_cont(x, 0.5)`), by selection
/// rather than a full sort; reorders `v`.
pub(super) fn median_in_place(v: &mut [f64]) -> f64 {
    let n = v.len();
    let (_, hi, _) = v.select_nth_unstable_by(n / 2, f64::total_cmp);
    let hi = *hi;
    if n % 2 == 1 {
        return hi;
    }
    // The lower middle is the largest value left of the upper middle.
    let lo = v[..n / 2].iter().copied().fold(f64::NEG_INFINITY, f64::max);
    lo + 0.5 * (hi - lo)
}

/// Past this many observations a side, a resample's statistic is drawn from
/// its large-sample law instead of from `n` drawn values, so that an interval
/// costs the same at a million runs as at a thousand (see [`Resampler`]).
pub const LARGE_N: usize = 1000;

/// Draws the statistic of one bootstrap resample of a sample at a time.
///
/// Up to [`LARGE_N`] observations a resample is built: `n` uniform draws with
/// replacement, except that the mean of 0/1 values (a rate) is drawn as its
/// count of ones, Binomial(n, p) / n, which is the same law. Past it, the statistic of a resample is drawn from the law it
/// has for large `n`, which is what the `n` draws would approach:
/// - a mean: normal with the sample's mean and its variance / `n` (the exact
///   mean and variance of a resample's mean); for 0/1 values (a rate) with
///   `n·p·(1−p)` below 25, the exact binomial count / `n` instead, where the
///   normal law is poor;
/// - a median: the sample's quantile at `0.5 + Z / (2√n)`, Z standard normal
///   (the resample median's rank is asymptotically normal around the middle
///   with standard deviation √n / 2).
///
/// The coverage simulation in `tests/it/compare.rs` holds both paths to the
/// interval's 95%.
pub(super) enum Resampler<'a> {
    Mean(&'a [f64]),
    Median(MedianCounts),
    MeanNormal {
        mean: f64,
        sd: f64,
    },
    Share {
        n: usize,
        p: f64,
    },
    MedianNormal {
        sorted: Vec<f64>,
        half_over_root_n: f64,
    },
}

impl<'a> Resampler<'a> {
    pub(super) fn new(xs: &'a [f64], stat: Stat) -> Resampler<'a> {
        let n = xs.len();
        // A resample of 0/1 values (a rate) has Binomial(n, p) ones, p the
        // sample's share: drawing that count is the same law as drawing n
        // values, at a cost of about min(n·p, n·(1−p)) steps instead of n.
        let binary = stat == Stat::Mean && n > 0 && xs.iter().all(|&x| x == 0.0 || x == 1.0);
        if n <= LARGE_N {
            if binary {
                return Resampler::Share { n, p: mean(xs) };
            }
            return match stat {
                Stat::Mean => Resampler::Mean(xs),
                Stat::Median => Resampler::Median(MedianCounts::new(xs)),
            };
        }
        match stat {
            Stat::Mean => {
                let m = mean(xs);
                if binary && n as f64 * m * (1.0 - m) < 25.0 {
                    return Resampler::Share { n, p: m };
                }
                let var = xs.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / n as f64;
                Resampler::MeanNormal {
                    mean: m,
                    sd: (var / n as f64).sqrt(),
                }
            }
            Stat::Median => {
                let mut sorted = xs.to_vec();
                sorted.sort_by(f64::total_cmp);
                Resampler::MedianNormal {
                    sorted,
                    half_over_root_n: 0.5 / (n as f64).sqrt(),
                }
            }
        }
    }

    /// The statistic of one resample.
    pub(super) fn draw(&mut self, rng: &mut SplitMix) -> f64 {
        match self {
            Resampler::Mean(xs) => {
                let n = xs.len();
                (0..n).map(|_| xs[rng.below(n)]).sum::<f64>() / n as f64
            }
            Resampler::Median(m) => m.draw(rng),
            Resampler::MeanNormal { mean, sd } => *mean + *sd * rng.normal(),
            Resampler::Share { n, p } => rng.binomial(*n, *p) as f64 / *n as f64,
            Resampler::MedianNormal {
                sorted,
                half_over_root_n,
            } => {
                let q = (0.5 + *half_over_root_n * rng.normal()).clamp(0.0, 1.0);
                quantile_cont(sorted, q)
            }
        }
    }
}

/// The median of resamples by counting: a resample is how often each value is
/// drawn, and its middle order statistics are read off the counts in value
/// order. The draws and the values drawn are those of building the resample
/// and selecting its middle, so every figure is identical; it only skips
/// moving the values (a third of a 1,000-workflow comparison's time).
pub(super) struct MedianCounts {
    /// The sample in increasing order.
    pub(super) sorted: Vec<f64>,
    /// For each sample position, its value's position in `sorted`.
    pub(super) rank: Vec<u32>,
    pub(super) counts: Vec<u32>,
}

impl MedianCounts {
    pub(super) fn new(xs: &[f64]) -> MedianCounts {
        let mut order: Vec<u32> = (0..xs.len() as u32).collect();
        order.sort_unstable_by(|&a, &b| xs[a as usize].total_cmp(&xs[b as usize]));
        let mut rank = vec![0u32; xs.len()];
        for (pos, &i) in order.iter().enumerate() {
            rank[i as usize] = pos as u32;
        }
        MedianCounts {
            sorted: order.iter().map(|&i| xs[i as usize]).collect(),
            rank,
            counts: vec![0; xs.len()],
        }
    }

    /// `median_in_place` of one resample (`quantile_cont(x, 0.5)`).
    pub(super) fn draw(&mut self, rng: &mut SplitMix) -> f64 {
        let n = self.rank.len();
        self.counts.fill(0);
        for _ in 0..n {
            self.counts[self.rank[rng.below(n)] as usize] += 1;
        }
        // The order statistic k (0-based) is the first value whose running
        // count passes k; an even n needs k = n/2 − 1 as well as n/2.
        let (upper, even) = (n / 2, n.is_multiple_of(2));
        let mut lower = None;
        let mut seen = 0usize;
        for (value, &c) in self.sorted.iter().zip(&self.counts) {
            seen += c as usize;
            if even && lower.is_none() && seen > upper - 1 {
                lower = Some(*value);
            }
            if seen > upper {
                // `lower` is only set for an even n.
                return match lower {
                    Some(lo) => lo + 0.5 * (value - lo),
                    None => *value,
                };
            }
        }
        unreachable!("the counts add up to n")
    }
}

/// The q-quantile of sorted values by linear interpolation between order
/// statistics, as DuckDB's `quantile_cont`.
pub fn quantile_cont(sorted: &[f64], q: f64) -> f64 {
    let pos = q * (sorted.len() - 1) as f64;
    let (lo, hi) = (pos.floor() as usize, pos.ceil() as usize);
    sorted[lo] + (pos - lo as f64) * (sorted[hi] - sorted[lo])
}

pub(super) fn bootstrap(
    rng: &mut SplitMix,
    resamples: usize,
    mut draw: impl FnMut(&mut SplitMix) -> f64,
) -> Vec<f64> {
    (0..resamples).map(|_| draw(rng)).collect()
}

/// The percentile interval of bootstrap draws at confidence `level`.
pub fn interval(mut draws: Vec<f64>, level: f64) -> (Option<f64>, Option<f64>) {
    if draws.is_empty() {
        return (None, None);
    }
    draws.sort_by(f64::total_cmp);
    let tail = (1.0 - level) / 2.0;
    (
        Some(quantile_cont(&draws, tail)),
        Some(quantile_cont(&draws, 1.0 - tail)),
    )
}

/// A generator seeded by the seed, the workflow and the metric (FNV-1a, stable
/// across platforms and releases), so each interval is reproducible alone.
pub(super) fn rng_for(seed: u64, workflow_id: &str, metric: &str) -> SplitMix {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325 ^ seed;
    for b in workflow_id.bytes().chain([0u8]).chain(metric.bytes()) {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    SplitMix::seed_from_u64(h)
}

/// SplitMix64 (Steele, Lea and Flood, 2014): a small, fast generator whose
/// output is fixed by its definition here, so intervals never change with a
/// dependency upgrade. Statistical quality is ample for resampling indices.
pub(super) struct SplitMix(u64);

impl SplitMix {
    pub(super) fn seed_from_u64(seed: u64) -> SplitMix {
        SplitMix(seed)
    }

    #[inline]
    pub(super) fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A uniform index below `n` by multiply-shift (Lemire); the bias is below 2⁻⁴⁰ for any n here.
    #[inline]
    pub(super) fn below(&mut self, n: usize) -> usize {
        ((u128::from(self.next_u64()) * n as u128) >> 64) as usize
    }

    /// A uniform value in [0, 1), from the top 53 bits.
    pub(super) fn uniform(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// A standard normal value (Box–Muller, one of the pair).
    pub(super) fn normal(&mut self) -> f64 {
        let u1 = 1.0 - self.uniform();
        let u2 = self.uniform();
        (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
    }

    /// A Binomial(n, p) count by inversion, for small `n·p` (or `n·(1−p)`):
    /// expected steps about min(n·p, n·(1−p)).
    pub(super) fn binomial(&mut self, n: usize, p: f64) -> usize {
        if p > 0.5 {
            return n - self.binomial(n, 1.0 - p);
        }
        if p <= 0.0 {
            return 0;
        }
        let u = self.uniform();
        let ratio = p / (1.0 - p);
        let mut prob = (1.0 - p).powi(n as i32);
        let (mut cdf, mut k) = (prob, 0usize);
        while u >= cdf && k < n {
            prob *= (n - k) as f64 / (k + 1) as f64 * ratio;
            k += 1;
            cdf += prob;
        }
        k
    }
}

/// The bootstrap interval for a difference of means, exposed for the
/// coverage test: `after − before`, seeded.
pub fn mean_difference_interval(
    before: &[f64],
    after: &[f64],
    resamples: usize,
    seed: u64,
) -> (f64, f64) {
    difference_interval(before, after, false, resamples, seed)
}

/// The bootstrap interval of `after − before` for means, or medians with
/// `median`, at 95%, seeded: what [`compare`] computes for one metric,
/// exposed for the coverage simulation.
pub fn difference_interval(
    before: &[f64],
    after: &[f64],
    median: bool,
    resamples: usize,
    seed: u64,
) -> (f64, f64) {
    let stat = if median { Stat::Median } else { Stat::Mean };
    let mut rng = SplitMix::seed_from_u64(seed);
    let (mut ra, mut rb) = (Resampler::new(after, stat), Resampler::new(before, stat));
    let draws = bootstrap(&mut rng, resamples, |rng| {
        let a = ra.draw(rng);
        a - rb.draw(rng)
    });
    match interval(draws, 0.95) {
        (Some(l), Some(h)) => (l, h),
        _ => (f64::NAN, f64::NAN),
    }
}
