//! Linear algebra, Prais–Winsten GLS with REML's ρ, and Student's t: the
//! regression machinery of [`super`].

use super::*;

/// A regression with AR(1) errors (see the module's doc): the
/// Prais–Winsten feasible-GLS fit ([`ar1_regression`]) or OLS with the AR(1)
/// model-based covariance ([`ar1_ols`]).
#[derive(Debug, Clone)]
pub(super) struct Reg {
    /// The coefficients: GLS at `rho`, or OLS.
    pub(super) beta: Vec<f64>,
    /// Their covariance: `s² (X*'X*)⁻¹` for GLS, the sandwich
    /// `s² (X'X)⁻¹ X'ΩX (X'X)⁻¹` for OLS.
    pub(super) cov: Vec<Vec<f64>>,
    /// `s² = RSS*/(T − k − 1)`, the innovations' variance (of `u_t`).
    pub(super) s2: f64,
    /// The errors' AR(1) coefficient, by restricted maximum likelihood.
    pub(super) rho: f64,
    /// `T − k − 1`.
    pub(super) df: usize,
    /// The OLS lines pass through every week (`ρ` is then 0 by convention).
    pub(super) exact: bool,
}

pub(super) fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

pub(super) fn mean(xs: &[f64]) -> f64 {
    xs.iter().sum::<f64>() / xs.len() as f64
}

/// `c'Vc`, never below 0 (rounding can make a zero variance slightly negative).
pub(super) fn quad(c: &[f64], v: &[Vec<f64>]) -> f64 {
    let vc: Vec<f64> = v.iter().map(|row| dot(row, c)).collect();
    dot(c, &vc).max(0.0)
}

/// An OLS fit: `β`, `(X'X)⁻¹` and `ln |X'X|`.
pub(super) struct Ols {
    pub(super) beta: Vec<f64>,
    pub(super) bread: Vec<Vec<f64>>,
    pub(super) log_det: f64,
}

/// OLS of `y` on the columns `cols` by Householder QR (no normal
/// equations, so no squared condition number): `β = R⁻¹Q'y`,
/// `(X'X)⁻¹ = R⁻¹R⁻ᵀ` and `ln |X'X| = 2 Σ ln |r_ii|`. Errs when a column
/// is, to 1e-10 of its length, a combination of the others (`X'X`
/// singular).
pub(super) fn ols(cols: &[Vec<f64>], y: &[f64]) -> Result<Ols, String> {
    let k = cols.len();
    let mut a = cols.to_vec();
    let lengths: Vec<f64> = a.iter().map(|c| dot(c, c).sqrt()).collect();
    let mut qty = y.to_vec();
    for j in 0..k {
        let norm = dot(&a[j][j..], &a[j][j..]).sqrt();
        // Written so that a NaN norm counts as singular too.
        let independent = norm > 1e-10 * lengths[j];
        if !independent {
            return Err("X'X is singular".to_string());
        }
        let alpha = if a[j][j] > 0.0 { -norm } else { norm };
        let mut v = a[j][j..].to_vec();
        v[0] -= alpha;
        let vv = dot(&v, &v);
        for col in a.iter_mut().skip(j) {
            let f = 2.0 * dot(&v, &col[j..]) / vv;
            col[j..].iter_mut().zip(&v).for_each(|(c, vi)| *c -= f * vi);
        }
        let f = 2.0 * dot(&v, &qty[j..]) / vv;
        qty[j..].iter_mut().zip(&v).for_each(|(c, vi)| *c -= f * vi);
    }
    let r = |i: usize, j: usize| a[j][i];
    let mut beta = vec![0.0; k];
    let mut r_inv = vec![vec![0.0; k]; k];
    for i in (0..k).rev() {
        beta[i] = (qty[i] - (i + 1..k).map(|j| r(i, j) * beta[j]).sum::<f64>()) / r(i, i);
        let mut row = vec![0.0; k];
        row[i] = 1.0 / r(i, i);
        for (j, cell) in row.iter_mut().enumerate().skip(i + 1) {
            *cell = -(i + 1..=j).map(|m| r(i, m) * r_inv[m][j]).sum::<f64>() / r(i, i);
        }
        r_inv[i] = row;
    }
    let bread = (0..k)
        .map(|i| (0..k).map(|j| dot(&r_inv[i], &r_inv[j])).collect())
        .collect();
    let log_det = 2.0 * (0..k).map(|i| r(i, i).abs().ln()).sum::<f64>();
    Ok(Ols {
        beta,
        bread,
        log_det,
    })
}

/// Which rows start a run of consecutive weeks: the first, and each whose
/// week `t` does not follow the previous row's.
pub(super) fn run_starts(t: &[i64]) -> Vec<bool> {
    (0..t.len())
        .map(|i| i == 0 || t[i] != t[i - 1] + 1)
        .collect()
}

/// The Prais–Winsten transform of one column, `P v`: a run's first row
/// times `√(1 − ρ²)`, every other row `v_t − ρ v_{t−1}`.
pub(super) fn prais(v: &[f64], start: &[bool], rho: f64) -> Vec<f64> {
    let first = (1.0 - rho * rho).sqrt();
    (0..v.len())
        .map(|i| {
            if start[i] {
                first * v[i]
            } else {
                v[i] - rho * v[i - 1]
            }
        })
        .collect()
}

/// The derivative in `ρ` of [`prais`]: `−ρ/√(1 − ρ²) v_t` on a run's first
/// row, `−v_{t−1}` on the others.
pub(super) fn prais_slope(v: &[f64], start: &[bool], rho: f64) -> Vec<f64> {
    let first = -rho / (1.0 - rho * rho).sqrt();
    (0..v.len())
        .map(|i| if start[i] { first * v[i] } else { -v[i - 1] })
        .collect()
}

/// The GLS fit at a given `ρ`: OLS of `P y` on `P X`.
pub(super) struct Gls {
    pub(super) fit: Ols,
    /// `RSS* = |P(y − Xβ)|²`.
    pub(super) rss: f64,
    /// `d/dρ` of the restricted criterion of [`reml_criterion`].
    pub(super) slope: f64,
    pub(super) criterion: f64,
}

/// The fit at `rho`, with the restricted (REML) criterion
/// `(T − k) ln RSS* − R ln(1 − ρ²) + ln |X*'X*|` (minus twice the
/// restricted log-likelihood with σ² profiled out, up to a constant; `R`
/// runs, each an independent stationary AR(1)) and its exact derivative.
pub(super) fn reml_criterion(
    cols: &[Vec<f64>],
    y: &[f64],
    start: &[bool],
    rho: f64,
) -> Result<Gls, String> {
    let (n, k) = (y.len(), cols.len());
    let xs: Vec<Vec<f64>> = cols.iter().map(|c| prais(c, start, rho)).collect();
    let fit = ols(&xs, &prais(y, start, rho))?;
    let u: Vec<f64> = (0..n)
        .map(|i| {
            y[i] - cols
                .iter()
                .zip(&fit.beta)
                .map(|(c, b)| c[i] * b)
                .sum::<f64>()
        })
        .collect();
    let us = prais(&u, start, rho);
    let rss = dot(&us, &us);
    let runs = start.iter().filter(|s| **s).count() as f64;
    let free = (n - k) as f64;
    let one_minus = 1.0 - rho * rho;
    let criterion = free * rss.ln() - runs * one_minus.ln() + fit.log_det;
    // d RSS*/dρ = 2 (P u)'(P' u) at the optimal β (envelope theorem);
    // d ln |X*'X*|/dρ = 2 tr((X*'X*)⁻¹ X*' P'X).
    let drss = 2.0 * dot(&us, &prais_slope(&u, start, rho));
    let gs: Vec<Vec<f64>> = cols.iter().map(|c| prais_slope(c, start, rho)).collect();
    let mut dlog_det = 0.0;
    for (j, g) in gs.iter().enumerate() {
        for (l, x) in xs.iter().enumerate() {
            dlog_det += 2.0 * fit.bread[j][l] * dot(x, g);
        }
    }
    let slope = free * drss / rss + 2.0 * runs * rho / one_minus + dlog_det;
    Ok(Gls {
        fit,
        rss,
        slope,
        criterion,
    })
}

/// The largest `|ρ|` allowed.
pub(super) const RHO_BOUND: f64 = 0.95;

/// The restricted maximum likelihood estimate of `ρ` on
/// `[−0.95, 0.95]`: the best of a grid in steps of 0.05, narrowed by golden
/// section and finished by bisection on the criterion's exact derivative
/// (so that the figure is reproducible to about 1e-12, not just to the
/// flatness of the criterion). 0 when the OLS lines fit every week (no
/// residual to estimate it from).
pub(super) fn reml_rho(cols: &[Vec<f64>], y: &[f64], start: &[bool], exact: bool) -> f64 {
    if exact {
        return 0.0;
    }
    let at = |r: f64| reml_criterion(cols, y, start, r).ok();
    let f = |r: f64| {
        at(r)
            .map(|g| g.criterion)
            .filter(|c| c.is_finite())
            .unwrap_or(f64::INFINITY)
    };
    let slope = |r: f64| at(r).map_or(f64::NAN, |g| g.slope);
    let grid: Vec<f64> = (0..=38).map(|i| -RHO_BOUND + 0.05 * i as f64).collect();
    let values: Vec<f64> = grid.iter().map(|&r| f(r)).collect();
    let best = (0..grid.len())
        .min_by(|&a, &b| values[a].total_cmp(&values[b]))
        .unwrap_or(19);
    let (mut lo, mut hi) = (
        grid[best.saturating_sub(1)],
        grid[(best + 1).min(grid.len() - 1)],
    );
    let g = (5f64.sqrt() - 1.0) / 2.0;
    let (mut c, mut d) = (hi - g * (hi - lo), lo + g * (hi - lo));
    let (mut fc, mut fd) = (f(c), f(d));
    while hi - lo > 1e-7 {
        if fc < fd {
            hi = d;
            (d, fd) = (c, fc);
            c = hi - g * (hi - lo);
            fc = f(c);
        } else {
            lo = c;
            (c, fc) = (d, fd);
            d = lo + g * (hi - lo);
            fd = f(d);
        }
    }
    if slope(lo) < 0.0 && slope(hi) > 0.0 {
        for _ in 0..200 {
            let mid = 0.5 * (lo + hi);
            if mid <= lo || mid >= hi {
                break;
            }
            if slope(mid) < 0.0 {
                lo = mid;
            } else {
                hi = mid;
            }
        }
    } else if lo <= -RHO_BOUND + 1e-6 && slope(-RHO_BOUND) >= 0.0 {
        return -RHO_BOUND;
    } else if hi >= RHO_BOUND - 1e-6 && slope(RHO_BOUND) <= 0.0 {
        return RHO_BOUND;
    }
    (0.5 * (lo + hi)).clamp(-RHO_BOUND, RHO_BOUND)
}

/// The rows `x` (in week order, the row of week `t[i]`) as columns.
pub(super) fn columns(x: &[Vec<f64>]) -> Vec<Vec<f64>> {
    let k = x.first().map_or(0, Vec::len);
    (0..k).map(|j| x.iter().map(|r| r[j]).collect()).collect()
}

/// The residual sum of squares, relative to `|y|²`, at or below which the
/// lines count as passing through every week: `ρ` is then 0, and `RSS*` is
/// taken as at least this much in the standard errors, so that the
/// rounding error of an exact fit's coefficients (about `1e-15 |y|`) sits
/// well inside its interval.
pub(super) const EXACT: f64 = 1e-20;

/// The Prais–Winsten fit at a given `rho` (see the module's doc).
pub(super) fn prais_winsten_at(
    x: &[Vec<f64>],
    y: &[f64],
    t: &[i64],
    rho: f64,
) -> Result<Reg, String> {
    let (n, k) = (x.len(), x.first().map_or(0, Vec::len));
    if n < k + 2 {
        return Err(format!(
            "{} cannot fit {k} coefficients and the weeks' correlation and leave a degree of freedom",
            weeks(n)
        ));
    }
    let g = reml_criterion(&columns(x), y, &run_starts(t), rho)?;
    let df = n - k - 1;
    // An exact fit leaves residuals of rounding size, or exactly 0, while
    // its coefficients carry rounding error: a floor keeps that from
    // becoming a zero-width interval that "clearly" excludes 0.
    let s2 = g.rss.max(EXACT * dot(y, y)) / df as f64;
    let cov = g
        .fit
        .bread
        .iter()
        .map(|row| row.iter().map(|v| v * s2).collect())
        .collect();
    Ok(Reg {
        beta: g.fit.beta,
        cov,
        s2,
        rho,
        df,
        exact: false,
    })
}

/// Prais–Winsten AR(1) feasible GLS of `y` on the rows `x`, the row of week
/// `t[i]` (see the module's doc): `ρ` by restricted maximum likelihood,
/// then OLS on the transformed weeks.
pub(super) fn ar1_regression(x: &[Vec<f64>], y: &[f64], t: &[i64]) -> Result<Reg, String> {
    let cols = columns(x);
    // Singularity first: it is the more useful reason.
    let plain = ols(&cols, y)?;
    let rss: f64 = x
        .iter()
        .zip(y)
        .map(|(r, yi)| (yi - dot(r, &plain.beta)).powi(2))
        .sum();
    let exact = rss <= EXACT * dot(y, y);
    // Too few weeks: the reason, from the fit at ρ = 0.
    let too_few = x.len() < cols.len() + 2;
    let rho = if too_few {
        0.0
    } else {
        reml_rho(&cols, y, &run_starts(t), exact)
    };
    Ok(Reg {
        exact,
        ..prais_winsten_at(x, y, t, rho)?
    })
}

/// `X'ΩX` for the rows `x`, `Ω` block-diagonal by run with
/// `Ω_ij = ρ^{|i−j|}/(1 − ρ²)` inside a run: with the running sums
/// `S_j = ρ S_{j−1} + x_j` (restarted at each run's first row),
/// `Σ_{i,j} ρ^{|i−j|} x_i x_j' = Σ_j (S_j x_j' + x_j S_j' − x_j x_j')`.
pub(super) fn ar1_meat(x: &[Vec<f64>], t: &[i64], rho: f64) -> Vec<Vec<f64>> {
    let k = x.first().map_or(0, Vec::len);
    let start = run_starts(t);
    let scale = 1.0 / (1.0 - rho * rho);
    let mut meat = vec![vec![0.0; k]; k];
    let mut sum = vec![0.0; k];
    for (row, first) in x.iter().zip(start) {
        for (s, xi) in sum.iter_mut().zip(row) {
            *s = if first { 0.0 } else { rho * *s } + xi;
        }
        for (a, cell_row) in meat.iter_mut().enumerate() {
            for (b, cell) in cell_row.iter_mut().enumerate() {
                *cell += scale * (sum[a] * row[b] + row[a] * sum[b] - row[a] * row[b]);
            }
        }
    }
    meat
}

/// OLS of `y` on the rows `x`, the row of week `t[i]`, with the AR(1)
/// model-based covariance (see the module's doc): `β = (X'X)⁻¹X'y`, and
/// `V = s² (X'X)⁻¹ X'ΩX (X'X)⁻¹`, `Ω` the errors' correlation `ρ^{|i−j|}`
/// within a run of consecutive weeks (0 across runs) over `1 − ρ²`, with
/// `ρ` and the innovations' variance `s²` from the Prais–Winsten REML fit
/// of [`ar1_regression`] (so that `Var(e_t) = s²/(1 − ρ²)`). With `ρ = 0`
/// it is that fit.
pub(super) fn ar1_ols(x: &[Vec<f64>], y: &[f64], t: &[i64]) -> Result<Reg, String> {
    let gls = ar1_regression(x, y, t)?;
    let plain = ols(&columns(x), y)?;
    let meat = ar1_meat(x, t, gls.rho);
    let k = plain.beta.len();
    let half: Vec<Vec<f64>> = (0..k)
        .map(|i| {
            (0..k)
                .map(|j| (0..k).map(|m| plain.bread[i][m] * meat[m][j]).sum())
                .collect()
        })
        .collect();
    let cov = (0..k)
        .map(|i| {
            (0..k)
                .map(|j| gls.s2 * (0..k).map(|m| half[i][m] * plain.bread[m][j]).sum::<f64>())
                .collect()
        })
        .collect();
    Ok(Reg {
        beta: plain.beta,
        cov,
        ..gls
    })
}

/// `c'β` with its interval `± q·√(c'Vc)`.
pub(super) fn linear(reg: &Reg, c: &[f64], q: f64) -> Estimate {
    Estimate::interval(dot(c, &reg.beta), quad(c, &reg.cov).sqrt(), q)
}

// ---------------------------------------------------------------------------
// Student's t

/// `ln Γ(x)` for `x > 0`: Lanczos' approximation (g = 7, 9 terms), about
/// 1e-15 relative.
pub(super) fn ln_gamma(x: f64) -> f64 {
    const C: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    if x < 0.5 {
        let pi = std::f64::consts::PI;
        return (pi / (pi * x).sin()).ln() - ln_gamma(1.0 - x);
    }
    let x = x - 1.0;
    let sum = C[1..]
        .iter()
        .enumerate()
        .fold(C[0], |acc, (i, c)| acc + c / (x + i as f64 + 1.0));
    let t = x + 7.5;
    0.5 * (2.0 * std::f64::consts::PI).ln() + (x + 0.5) * t.ln() - t + sum.ln()
}

/// The continued fraction of the incomplete beta function (modified Lentz).
pub(super) fn beta_fraction(x: f64, a: f64, b: f64) -> f64 {
    const TINY: f64 = 1e-300;
    let mut c = 1.0;
    let mut d = 1.0 - (a + b) * x / (a + 1.0);
    d = 1.0 / if d.abs() < TINY { TINY } else { d };
    let mut h = d;
    for m in 1..10_000 {
        let m = m as f64;
        for num in [
            m * (b - m) * x / ((a + 2.0 * m - 1.0) * (a + 2.0 * m)),
            -(a + m) * (a + b + m) * x / ((a + 2.0 * m) * (a + 2.0 * m + 1.0)),
        ] {
            d = 1.0 + num * d;
            d = 1.0 / if d.abs() < TINY { TINY } else { d };
            c = 1.0 + num / c;
            c = if c.abs() < TINY { TINY } else { c };
            h *= d * c;
        }
        if (d * c - 1.0).abs() < 1e-16 {
            break;
        }
    }
    h
}

/// The regularized incomplete beta `I_x(a, b)`, given `x` and `y = 1 − x`
/// separately so that neither loses digits.
pub(super) fn inc_beta(x: f64, y: f64, a: f64, b: f64) -> f64 {
    if x <= 0.0 {
        return 0.0;
    }
    if y <= 0.0 {
        return 1.0;
    }
    let front = (ln_gamma(a + b) - ln_gamma(a) - ln_gamma(b) + a * x.ln() + b * y.ln()).exp();
    if x < (a + 1.0) / (a + b + 2.0) {
        front * beta_fraction(x, a, b) / a
    } else {
        1.0 - front * beta_fraction(y, b, a) / b
    }
}

/// The upper tail `P(T > t)` of Student's t with `df` degrees of freedom,
/// `t ≥ 0`: `½ I_{df/(df+t²)}(df/2, ½)`.
pub(super) fn t_upper(t: f64, df: f64) -> f64 {
    let (x, y) = (df / (df + t * t), t * t / (df + t * t));
    0.5 * inc_beta(x, y, df / 2.0, 0.5)
}

/// The `p` quantile of Student's t with `df` degrees of freedom, by
/// bisection on the exact tail (regularized incomplete beta), to the last
/// bit or so; `None` for `p` outside (0, 1) or `df ≤ 0`.
pub fn t_quantile(p: f64, df: f64) -> Option<f64> {
    if !(p > 0.0 && p < 1.0 && df > 0.0 && df.is_finite()) {
        return None;
    }
    if p == 0.5 {
        return Some(0.0);
    }
    if p < 0.5 {
        return t_quantile(1.0 - p, df).map(|q| -q);
    }
    let tail = 1.0 - p;
    let mut hi = 1.0;
    while t_upper(hi, df) > tail {
        hi *= 2.0;
        if hi > 1e150 {
            return None;
        }
    }
    let mut lo = 0.0;
    for _ in 0..400 {
        let mid = 0.5 * (lo + hi);
        if mid <= lo || mid >= hi {
            break;
        }
        if t_upper(mid, df) > tail {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    Some(0.5 * (lo + hi))
}

/// The two-sided critical value for `level` with `df` degrees of freedom.
pub(super) fn critical(level: f64, df: usize) -> Result<f64, String> {
    t_quantile(0.5 + level / 2.0, df as f64)
        .ok_or_else(|| format!("no t quantile for level {level} with {df} degrees of freedom"))
}
