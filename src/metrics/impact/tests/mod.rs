//! Hand-computed cases, statsmodels and numpy agreement, refusals.

use super::*;

fn monday0() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 1, 5).unwrap()
}

fn week(k: i64) -> NaiveDate {
    add_weeks(monday0(), k)
}

/// A series of consecutive weeks from [`monday0`], `n` runs a week.
fn series(id: &str, go_live: Option<i64>, values: &[f64], n: u64) -> Series {
    Series {
        workflow_id: id.to_string(),
        go_live_week: go_live.map(week),
        points: values
            .iter()
            .enumerate()
            .map(|(i, &v)| WeekPoint {
                week: week(i as i64),
                value: Some(v),
                n,
            })
            .collect(),
    }
}

/// Uniform noise in [−½, ½) from a fixed linear congruential generator.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> f64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 11) as f64 / (1u64 << 53) as f64 - 0.5
    }
}

fn close(a: f64, b: f64, rel: f64) -> bool {
    (a - b).abs() <= rel * b.abs().max(1e-300)
}

fn small(min_pre: usize, min_post: usize) -> Settings {
    Settings {
        min_pre_weeks: min_pre,
        min_post_weeks: min_post,
        min_runs_per_side: 1,
        ..Settings::default()
    }
}

/// The Prais–Winsten pieces: the runs, the transform, the restricted
/// criterion's derivative, and the REML `ρ` (a minimum, at the bound
/// when the weeks alternate, 0 on exact lines).
#[test]
fn prais_winsten_pieces() {
    let t = [0, 1, 2, 4, 5, 9];
    let start = run_starts(&t);
    assert_eq!(start, vec![true, false, false, true, false, true]);
    let a = 0.75f64.sqrt();
    let got = prais(&[1.0, 2.0, 4.0, 8.0, 16.0, 32.0], &start, 0.5);
    for (g, w) in got.iter().zip([a, 1.5, 3.0, 8.0 * a, 12.0, 32.0 * a]) {
        assert!((g - w).abs() < 1e-12, "{got:?}");
    }

    let t: Vec<i64> = (0..6).chain(7..15).collect();
    let start = run_starts(&t);
    let mut g = Lcg(3);
    let y: Vec<f64> = t.iter().map(|&w| 0.3 * w as f64 + g.next()).collect();
    let cols = vec![vec![1.0; t.len()], t.iter().map(|&w| w as f64).collect()];
    let crit = |r: f64| reml_criterion(&cols, &y, &start, r).unwrap();
    for r in [-0.6, -0.1, 0.3, 0.8] {
        let h = 1e-6;
        let numeric = (crit(r + h).criterion - crit(r - h).criterion) / (2.0 * h);
        let exact = crit(r).slope;
        assert!((exact - numeric).abs() < 1e-5 * (1.0 + exact.abs()), "{r}");
    }
    let rho = reml_rho(&cols, &y, &start, false);
    assert!(rho.abs() < RHO_BOUND && crit(rho).slope.abs() < 1e-8);
    for d in [-0.01, 0.01] {
        assert!(crit(rho + d).criterion > crit(rho).criterion);
    }
    assert_eq!(reml_rho(&cols, &y, &start, true), 0.0);
    let alternating: Vec<f64> = t
        .iter()
        .map(|&w| if w % 2 == 0 { 1.0 } else { -1.0 })
        .collect();
    assert_eq!(reml_rho(&cols, &alternating, &start, false), -RHO_BOUND);
}

#[test]
fn t_quantiles_match_tables() {
    for (p, df, want) in [
        (0.975, 10.0, 2.228_138_851_986),
        (0.975, 30.0, 2.042_272_456_301),
        (0.975, 5.0, 2.570_581_835_636),
        (0.975, 1.0, 12.706_204_736_174_707),
        (0.995, 4.0, 4.604_094_871_415_897),
        (0.9, 2.0, 1.885_618_083_164_126_7),
    ] {
        let got = t_quantile(p, df).unwrap();
        assert!((got - want).abs() < 1e-9, "t_{p},{df} = {got}, not {want}");
        let low = t_quantile(1.0 - p, df).unwrap();
        assert!((low + want).abs() < 1e-9);
    }
    assert_eq!(t_quantile(0.5, 7.0), Some(0.0));
    assert_eq!(t_quantile(1.0, 7.0), None);
    assert_eq!(t_quantile(0.9, 0.0), None);
}

/// 12 pre + 8 post weeks on exact lines: the go-live week (a wild 999)
/// is left out, the coefficients are exact and every standard error at
/// the rounding floor ([`EXACT`]), a few 1e-9 here, its interval around
/// the exact figure.
#[test]
fn its_recovers_an_exact_break() {
    let mut v: Vec<f64> = (0..21)
        .map(|t| {
            let t = t as f64;
            let after = if t > 12.0 {
                -3.0 - 0.2 * (t - 12.0)
            } else {
                0.0
            };
            10.0 + 0.5 * t + after
        })
        .collect();
    v[12] = 999.0;
    let r = its(&series("w", Some(12), &v, 30), &Settings::default());
    assert_eq!(r.reason, None);
    assert_eq!((r.weeks_before, r.weeks_after), (12, 8));
    assert_eq!((r.runs_before, r.runs_after), (360, 240));
    for (e, want) in [
        (&r.intercept, 10.0),
        (&r.pre_slope, 0.5),
        (&r.level_change, -3.0),
        (&r.slope_change, -0.2),
        (&r.effect, -3.0 - 0.2 * 4.5),
    ] {
        assert!((e.estimate.unwrap() - want).abs() < 1e-9, "{e:?}");
        assert!(e.se.unwrap() < 1e-8, "{e:?}");
        assert!(e.low.unwrap() < want && want < e.high.unwrap(), "{e:?}");
    }
    assert_eq!(r.rho, Some(0.0));
    let ac = r.checks.last().unwrap();
    assert_eq!(ac.figure, None);
    assert!(ac.says.contains("pass through every week"));
    let first = &r.counterfactual[0];
    assert_eq!(first.week, week(13));
    assert!((first.counterfactual - 16.5).abs() < 1e-9);
    assert!((first.fitted - (16.5 - 3.2)).abs() < 1e-9);
    // Reclaimed hours: 30 items a week, (cf − observed) = 3 + 0.2·k minutes.
    let h = its_reclaimed_hours(&series("w", Some(12), &v, 30), &Settings::default());
    let want: f64 = (1..=8).map(|k| 30.0 * (3.0 + 0.2 * k as f64) / 60.0).sum();
    assert!((h.estimate.unwrap() - want).abs() < 1e-9);
    assert!(h.se.unwrap() < 1e-7, "{h:?}");
}

/// The noisy ITS series (and, below, the DiD gaps of [`did_by_hand`])
/// against an independent computation: the restricted criterion in its
/// full-matrix form, minimised in 50-digit arithmetic, then statsmodels
/// 0.15.0's GLS with the AR(1) covariance (Cholesky whitening, not the
/// Prais–Winsten recursion), its `bse` rescaled from `T − k` to
/// `T − k − 1` degrees of freedom; the Prais–Winsten transform by hand
/// followed by `sm.OLS` agrees with it to 1e-10:
///
/// ```python
/// import numpy as np, statsmodels.api as sm, mpmath as mp
/// from scipy import stats, optimize
/// mp.mp.dps = 50
///
/// def sigma(t, rho, lib=np):  # AR(1) within runs of consecutive weeks
///     T = len(t); run = [0] * T
///     for i in range(1, T):
///         run[i] = run[i - 1] + (t[i] != t[i - 1] + 1)
///     S = [[rho ** abs(int(t[i] - t[j])) / (1 - rho ** 2) if run[i] == run[j] else 0 * rho
///           for j in range(T)] for i in range(T)]
///     return np.array(S, dtype=float) if lib is np else mp.matrix(S)
///
/// def crit_mp(rho, t, X, y):  # ln|Σ| + ln|X'Σ⁻¹X| + (T−k) ln(y'Πy)
///     S = sigma(t, rho, mp); Si = S ** -1
///     Xm, ym = mp.matrix(X.tolist()), mp.matrix(y.tolist())
///     A = Xm.T * Si * Xm
///     Pi = Si - Si * Xm * A ** -1 * Xm.T * Si
///     T, k = X.shape
///     return mp.log(mp.det(S)) + mp.log(mp.det(A)) + (T - k) * mp.log((ym.T * Pi * ym)[0])
///
/// def reml(t, X, y):
///     f = lambda r: float(crit_mp(mp.mpf(r), t, X, y))
///     grid = np.linspace(-0.95, 0.95, 39)
///     i = int(np.argmin([f(r) for r in grid]))
///     r0 = optimize.minimize_scalar(f, bounds=(grid[max(i - 1, 0)], grid[min(i + 1, 38)]),
///                                   method="bounded").x
///     return mp.findroot(lambda r: mp.diff(lambda s: crit_mp(s, t, X, y), r), mp.mpf(r0))
///
/// def pw_by_hand(A, t, rho):
///     out = A.copy()
///     for i in range(len(A)):
///         first = i == 0 or t[i] != t[i - 1] + 1
///         out[i] = A[i] * np.sqrt(1 - rho ** 2) if first else A[i] - rho * A[i - 1]
///     return out
///
/// def fit(name, t, X, y, contrasts):
///     T, k = X.shape
///     rho = float(reml(t, X, y))
///     g = sm.GLS(y, X, sigma=sigma(t, rho)).fit()
///     o = sm.OLS(pw_by_hand(y, t, rho), pw_by_hand(X, t, rho)).fit()
///     assert np.allclose(g.params, o.params, rtol=1e-12) and np.allclose(g.bse, o.bse, rtol=1e-10)
///     scale = np.sqrt((T - k) / (T - k - 1))
///     q = stats.t.ppf(0.975, T - k - 1)
///     print(name, rho, T - k - 1, g.params, g.bse * scale)
///     print([(b - q * s * scale, b + q * s * scale) for b, s in zip(g.params, g.bse)])
///     for cname, (c, shift) in contrasts.items():
///         e = float(c @ g.params) - shift
///         s = float(np.sqrt(c @ g.cov_params() @ c)) * scale
///         print(cname, e, s, e - q * s, e + q * s)
///
/// noise = [0.8, -0.3, 0.5, -1.1, 0.2, 0.9, -0.6, 0.1, -0.4, 1.2, -0.8, 0.3,
///          0.6, -0.2, -0.9, 0.4, 1.0, -0.5, 0.2, -0.7]
/// t = np.array(list(range(0, 12)) + list(range(13, 21)))
/// tf = t.astype(float)
/// d = (tf > 12).astype(float)
/// y = 10 + 0.5 * tf + d * (-3 - 0.2 * (tf - 12)) + np.array(noise)
/// X = np.column_stack([np.ones_like(tf), tf, d, (tf - 12) * d])
/// shift = (30 * y[tf > 12]).sum() / 60   # reclaimed hours, 30 items a week
/// fit("its", t, X, y, {"effect": (np.array([0, 0, 1, 4.5]), 0.0),
///                      "cf13": (np.array([1, 13, 0, 0]), 0.0),
///                      "reclaimed": (np.array([240, 30 * tf[tf > 12].sum(), 0, 0]) / 60, shift)})
/// keep = t != 5                          # week 5 missing: three runs
/// fit("its_gap", t[keep], X[keep], y[keep], {})
/// t = np.array([0, 1, 2, 3, 5, 6, 7])    # did_by_hand's gaps
/// z = np.array([-2.5, -2.0, -1.5, 0.0, -6.0, -7.0, -5.0])
/// fit("did", t, np.column_stack([np.ones(7), (t > 4).astype(float)]), z, {})
/// ```
#[test]
fn its_matches_statsmodels() {
    let noise = [
        0.8, -0.3, 0.5, -1.1, 0.2, 0.9, -0.6, 0.1, -0.4, 1.2, -0.8, 0.3, 0.6, -0.2, -0.9, 0.4, 1.0,
        -0.5, 0.2, -0.7,
    ];
    let ts: Vec<i64> = (0..12).chain(13..21).collect();
    let mut v = vec![0.0; 21];
    v[12] = -50.0; // the transition week, left out
    for (&t, e) in ts.iter().zip(noise) {
        let tf = t as f64;
        let after = if t > 12 {
            -3.0 - 0.2 * (tf - 12.0)
        } else {
            0.0
        };
        v[t as usize] = 10.0 + 0.5 * tf + after + e;
    }
    let r = its(&series("w", Some(12), &v, 30), &Settings::default());
    assert_eq!(r.df, Some(15));
    assert!(close(r.rho.unwrap(), -0.3272835515367275, 1e-8));
    let ac = r.checks.last().unwrap();
    assert_eq!(ac.name, "residual_autocorrelation");
    assert_eq!(ac.figure, r.rho);
    assert!(ac.says.contains("correlated -0.33"), "{}", ac.says);
    assert!(ac.says.contains("Prais–Winsten AR(1)"), "{}", ac.says);
    let params = [
        10.086491619971245,
        0.4926291313975357,
        -2.8410343351707854,
        -0.22974986306446427,
    ];
    let bse = [
        0.29330063398823625,
        0.045692699076044646,
        0.547615528079512,
        0.0983889805218656,
    ];
    let ci = [
        (9.461336116944624, 10.711647122997865),
        (0.3952374487165008, 0.5900208140785707),
        (-4.008249203637338, -1.6738194667042328),
        (-0.43946101088588435, -0.02003871524304418),
    ];
    let est = [&r.intercept, &r.pre_slope, &r.level_change, &r.slope_change];
    let cov = r.covariance.unwrap();
    for i in 0..4 {
        let e = est[i];
        assert!(close(e.estimate.unwrap(), params[i], 1e-8), "b{i}");
        assert!(close(e.se.unwrap(), bse[i], 1e-8), "se b{i}");
        assert!(close(cov[i][i].sqrt(), bse[i], 1e-8), "cov b{i}");
        assert!(close(e.low.unwrap(), ci[i].0, 1e-8), "low b{i}");
        assert!(close(e.high.unwrap(), ci[i].1, 1e-8), "high b{i}");
    }
    let eff = &r.effect;
    assert!(close(eff.estimate.unwrap(), -3.8749087189608744, 1e-8));
    assert!(close(eff.se.unwrap(), 0.557269495931432, 1e-8));
    assert!(close(eff.low.unwrap(), -5.06270053281825, 1e-8));
    assert!(close(eff.high.unwrap(), -2.6871169051034984, 1e-8));
    let h = its_reclaimed_hours(&series("w", Some(12), &v, 30), &Settings::default());
    assert!(close(h.estimate.unwrap(), 15.509489152122335, 1e-8));
    assert!(close(h.se.unwrap(), 2.0995053754878525, 1e-8));
    assert!(close(h.low.unwrap(), 11.034499373638445, 1e-8));
    assert!(close(h.high.unwrap(), 19.984478930606222, 1e-8));
    let cf = &r.counterfactual[0];
    assert!(close(cf.counterfactual, 16.49067032813921, 1e-8));
    assert!(close(cf.low, 15.692276290582567, 1e-8));
    assert!(close(cf.high, 17.28906436569585, 1e-8));

    // Week 5 missing: the runs 0–4, 6–11 and 13–20.
    let mut gap = series("w", Some(12), &v, 30);
    gap.points[5].value = None;
    let r = its(&gap, &Settings::default());
    assert_eq!(r.df, Some(14));
    assert!(close(r.rho.unwrap(), -0.32877261211622105, 1e-8));
    let params = [
        9.993000964219313,
        0.49635984133909156,
        -2.792760304005287,
        -0.23337899593832212,
    ];
    let bse = [
        0.2972924973285073,
        0.045020012542423486,
        0.5399845152283713,
        0.0967829254462143,
    ];
    let est = [&r.intercept, &r.pre_slope, &r.level_change, &r.slope_change];
    for i in 0..4 {
        assert!(close(est[i].estimate.unwrap(), params[i], 1e-8), "gap b{i}");
        assert!(close(est[i].se.unwrap(), bse[i], 1e-8), "gap se b{i}");
    }
    assert!(close(
        r.slope_change.low.unwrap(),
        -0.4409577260531038,
        1e-8
    ));
    assert!(close(
        r.slope_change.high.unwrap(),
        -0.02580026582354042,
        1e-8
    ));
}

#[test]
fn a_short_pre_period_leaves_the_its_null_with_its_reason() {
    let v = [10.0, 11.0, 10.5, 99.0, 8.0, 8.2, 7.9, 8.1, 8.3];
    let r = its(&series("w", Some(3), &v, 40), &Settings::default());
    let want = "the pre-period has 3 weeks with values; the interrupted time series needs 8";
    assert_eq!(r.reason.as_deref(), Some(want));
    assert_eq!(r.effect.estimate, None);
    assert_eq!(r.effect.reason.as_deref(), Some(want));
    let pre = r.checks.iter().find(|c| c.name == "pre_weeks").unwrap();
    assert_eq!((pre.figure, pre.passed), (Some(3.0), Some(false)));
    let imp = estimate(
        Method::Its,
        &series("w", Some(3), &v, 40),
        &[],
        None,
        &Settings::default(),
    );
    assert_eq!(imp.verdict, format!("too little data: {want}"));
    assert!(!imp.safe);
}

#[test]
fn degenerate_input_gives_reasons_not_panics() {
    let s = small(2, 1);
    // One post week: the slope change cannot be told from the level change.
    let r = its(
        &series("w", Some(4), &[1.0, 2.0, 3.0, 4.0, 0.0, 5.0], 5),
        &s,
    );
    assert!(r.reason.unwrap().contains("X'X is singular"));
    // Nothing at all, and no go-live.
    let empty = Series {
        workflow_id: "e".into(),
        go_live_week: Some(week(3)),
        points: vec![],
    };
    assert!(its(&empty, &s).reason.is_some());
    assert!(did(&empty, &[], None, &s).reason.is_some());
    let never = series("n", None, &[1.0; 10], 5);
    let imp = estimate(Method::Auto, &never, &[], None, &s);
    assert_eq!(imp.method, "naive");
    assert_eq!(
        imp.verdict,
        "too little data: `n` has no go-live week: there is no before and after"
    );
    let bad = Settings { level: 1.5, ..s };
    assert!(its(&series("w", Some(4), &[1.0; 10], 5), &bad)
        .reason
        .unwrap()
        .contains("level"));
}

/// 1 treated + 2 controls, 4 pre + 3 post weeks (week 4 is go-live).
fn hand_case() -> (Series, Vec<Series>) {
    let t = series(
        "t",
        Some(4),
        &[10.0, 12.0, 11.0, 13.0, 50.0, 8.0, 7.0, 9.0],
        10,
    );
    let c1 = series(
        "c1",
        None,
        &[20.0, 21.0, 19.0, 20.0, 20.0, 22.0, 20.0, 21.0],
        10,
    );
    let c2 = series("c2", None, &[5.0, 7.0, 6.0, 6.0, 6.0, 6.0, 8.0, 7.0], 10);
    (t, vec![c1, c2])
}

/// Base: treated 11.5, controls (20 + 6)/2 = 13. Post control means 14,
/// 14, 14 (+1 each); treated 8, 7, 9 (−3.5, −4.5, −2.5). ATT = −4.5,
/// −5.5, −3.5; their mean −4.5. Gaps d: pre −2.5, −2, −1.5, 0 (mean
/// −1.5), post −6, −7, −5 (mean −6): −6 − (−1.5) = −4.5, the aggregate,
/// exactly, whatever `ρ`. The gaps rise steadily before go-live, so the
/// REML `ρ` is 0.90, and the interval is the AR(1) sandwich at that `ρ`:
/// the figures from the script below, which takes `ρ` from the
/// full-matrix restricted criterion in 50-digit arithmetic (`reml` and
/// `sigma` of the script of [`its_matches_statsmodels`]), `σ²` from
/// statsmodels' GLS at that `ρ` (its scale times `(T − k)/(T − k − 1)`,
/// the Prais–Winsten `RSS*/(T − k − 1)`), and then in
/// numpy `V = σ²/(1 − ρ²) (X'X)⁻¹ X'RX (X'X)⁻¹` with `R_ij = ρ^{|i−j|}`
/// inside a run of weeks and 0 across the left-out go-live week:
///
/// ```python
/// def corr(t, rho):
///     T = len(t); run = [0] * T
///     for i in range(1, T):
///         run[i] = run[i - 1] + (t[i] != t[i - 1] + 1)
///     return np.array([[rho ** abs(int(t[i] - t[j])) if run[i] == run[j] else 0.0
///                       for j in range(T)] for i in range(T)])
///
/// def fit(name, t, X, y, c):
///     T, k = X.shape
///     rho = float(reml(t, X, y))
///     g = sm.GLS(y, X, sigma=sigma(t, rho)).fit()
///     s2 = g.scale * (T - k) / (T - k - 1)
///     beta = np.linalg.lstsq(X, y, rcond=None)[0]
///     bread = np.linalg.inv(X.T @ X)
///     V = s2 / (1 - rho ** 2) * bread @ X.T @ corr(t, rho) @ X @ bread
///     e = float(c @ beta); se = float(np.sqrt(c @ V @ c))
///     q = stats.t.ppf(0.975, T - k - 1)
///     print(name, rho, s2, beta, e, se, e - q * se, e + q * se)
///
/// t = np.array([0, 1, 2, 3, 5, 6, 7])
/// z = np.array([-2.5, -2.0, -1.5, 0.0, -6.0, -7.0, -5.0])
/// fit("did", t, np.column_stack([np.ones(7), (t > 4).astype(float)]), z, np.array([0.0, 1.0]))
/// ```
#[test]
fn did_by_hand() {
    let (t, c) = hand_case();
    let r = did(&t, &c, None, &small(4, 3));
    assert_eq!(r.reason, None);
    let att: Vec<f64> = r.group_time.iter().map(|w| w.estimate).collect();
    assert_eq!(att, vec![-4.5, -5.5, -3.5]);
    assert_eq!(r.group_time[0].week, week(5));
    assert_eq!(r.group_time[0].controls, vec!["c1", "c2"]);
    assert_eq!(r.controls, vec!["c1", "c2"]);
    assert_eq!(
        (r.weeks_before, r.weeks_after, r.runs_before, r.runs_after),
        (4, 3, 40, 30)
    );
    // The identity, from the gaps themselves, at ρ = 0.90.
    let gap = |k: usize| {
        t.points[k].value.unwrap()
            - (c[0].points[k].value.unwrap() + c[1].points[k].value.unwrap()) / 2.0
    };
    let pre = (0..4).map(gap).sum::<f64>() / 4.0;
    let post = (5..8).map(gap).sum::<f64>() / 3.0;
    let estimate = r.att.estimate.unwrap();
    assert!((estimate - (post - pre)).abs() < 1e-12);
    assert!((estimate - mean(&att)).abs() < 1e-12);
    // numpy: OLS β and the AR(1) sandwich at the REML ρ.
    assert!(close(r.rho.unwrap(), 0.8983561662274729, 1e-8));
    assert_eq!(r.df, Some(4));
    assert!(close(estimate, -4.499999999999999, 1e-12));
    assert!(close(r.att.se.unwrap(), 4.1325570332582044, 1e-8));
    assert!(close(r.att.low.unwrap(), -15.973817746940455, 1e-8));
    assert!(close(r.att.high.unwrap(), 6.973817746940457, 1e-8));
    // The same regression by hand: the intercept is mean(d pre), and at
    // ρ = 0 the sandwich is the plain OLS covariance.
    let t_of: Vec<i64> = vec![0, 1, 2, 3, 5, 6, 7];
    let x: Vec<Vec<f64>> = t_of
        .iter()
        .map(|&w| vec![1.0, if w > 4 { 1.0 } else { 0.0 }])
        .collect();
    let z: Vec<f64> = t_of.iter().map(|&w| gap(w as usize)).collect();
    let fit = ar1_ols(&x, &z, &t_of).unwrap();
    assert!(close(fit.s2, 1.8397053199826559, 1e-8));
    assert!((fit.beta[0] - pre).abs() < 1e-12);
    let plain = prais_winsten_at(&x, &z, &t_of, 0.0).unwrap();
    let meat = ar1_meat(&x, &t_of, 0.0);
    let bread = ols(&columns(&x), &z).unwrap().bread;
    for i in 0..2 {
        for j in 0..2 {
            let xtx: f64 = x.iter().map(|r| r[i] * r[j]).sum();
            assert!((meat[i][j] - xtx).abs() < 1e-12);
            assert!((plain.cov[i][j] - plain.s2 * bread[i][j]).abs() < 1e-12);
        }
    }
    // The interval is centred on the aggregate.
    let (lo, hi) = (r.att.low.unwrap(), r.att.high.unwrap());
    assert!(((lo + hi) / 2.0 - estimate).abs() < 1e-12 && lo < hi);
}

/// The before/after difference and a slope, on the noise of
/// [`its_matches_statsmodels`] with week 5 missing (three runs), against
/// the numpy sandwich of [`did_by_hand`] (its `fit`):
///
/// ```python
/// t = np.array(list(range(0, 12)) + list(range(13, 21))); tf = t.astype(float)
/// d = (tf > 12).astype(float); keep = t != 5
/// y = 10 - 3 * d + np.array(noise)
/// fit("naive_gap", t[keep], np.column_stack([np.ones(keep.sum()), d[keep]]), y[keep], np.array([0.0, 1.0]))
/// y = 10 + 0.5 * tf + d * (-3 - 0.2 * (tf - 12)) + np.array(noise)
/// pre = keep & (t < 12)
/// fit("slope_gap", t[pre], np.column_stack([np.ones(pre.sum()), tf[pre]]), y[pre], np.array([0.0, 1.0]))
/// ```
#[test]
fn ols_with_the_ar1_sandwich_matches_numpy() {
    let noise = [
        0.8, -0.3, 0.5, -1.1, 0.2, 0.9, -0.6, 0.1, -0.4, 1.2, -0.8, 0.3, 0.6, -0.2, -0.9, 0.4, 1.0,
        -0.5, 0.2, -0.7,
    ];
    let ts: Vec<i64> = (0..12).chain(13..21).collect();
    let mut v = vec![0.0; 21];
    v[12] = -50.0; // the transition week, left out
    for (&t, e) in ts.iter().zip(noise) {
        v[t as usize] = 10.0 + if t > 12 { -3.0 } else { 0.0 } + e;
    }
    let mut w = series("w", Some(12), &v, 30);
    w.points[5].value = None;
    let n = naive(&w, &Settings::default()).estimate;
    let pre: Vec<f64> = (0..12).filter(|&k| k != 5).map(|k| v[k]).collect();
    let post: Vec<f64> = (13..21).map(|k| v[k]).collect();
    let e = n.estimate.unwrap();
    assert!((e - (mean(&post) - mean(&pre))).abs() < 1e-12);
    assert!(close(e, -3.0034090909090922, 1e-12));
    assert!(close(n.se.unwrap(), 0.2162805630978969, 1e-8));
    assert!(close(n.low.unwrap(), -3.461903402738881, 1e-8));
    assert!(close(n.high.unwrap(), -2.5449147790793036, 1e-8));
    let t: Vec<i64> = (0..12).filter(|&k| k != 5).collect();
    let x: Vec<Vec<f64>> = t.iter().map(|&k| vec![1.0, k as f64]).collect();
    let y: Vec<f64> = t
        .iter()
        .map(|&k| 10.0 + 0.5 * k as f64 + noise[k as usize])
        .collect();
    let fit = ar1_ols(&x, &y, &t).unwrap();
    assert!(close(fit.rho, -0.5631461325712973, 1e-8));
    assert!(close(fit.s2, 0.34899606486155527, 1e-8));
    assert_eq!(fit.df, 8);
    assert!(close(fit.beta[0], 10.039299363057326, 1e-12));
    assert!(close(fit.beta[1], 0.49127388535031785, 1e-12));
    let q = critical(0.95, fit.df).unwrap();
    let slope = linear(&fit, &[0.0, 1.0], q);
    assert!(close(slope.se.unwrap(), 0.03777607465073831, 1e-8));
    assert!(close(slope.low.unwrap(), 0.404162100993934, 1e-8));
    assert!(close(slope.high.unwrap(), 0.5783856697067017, 1e-8));
}

/// c2 goes live in week 6 (a post week). With δ = 0 it counts in week 5
/// only: week 5 ATT (8 − 11.5) − (14 − 13) = −4.5; weeks 6 and 7 use c1
/// alone, (7 − 11.5) − (20 − 20) = −4.5 and (9 − 11.5) − (21 − 20) = −3.5;
/// aggregate −12.5/3. With δ = 2 it stops counting at week 4, so it has
/// no post week and is not used: (8 − 11.5) − (22 − 20) = −5.5, −4.5,
/// −3.5; aggregate −4.5.
#[test]
fn a_control_going_live_drops_out() {
    let (t, mut c) = hand_case();
    c[1].go_live_week = Some(week(6));
    let s = Settings {
        control_lag_weeks: 0,
        ..small(4, 3)
    };
    let r = did(&t, &c, None, &s);
    let att: Vec<f64> = r.group_time.iter().map(|w| w.estimate).collect();
    assert_eq!(att, vec![-4.5, -4.5, -3.5]);
    assert_eq!(r.group_time[0].controls, vec!["c1", "c2"]);
    assert_eq!(r.group_time[1].controls, vec!["c1"]);
    assert!((mean(&att) - -12.5 / 3.0).abs() < 1e-12);
    // Unbalanced, and still the mean of ATT(g, t).
    assert!((r.att.estimate.unwrap() - mean(&att)).abs() < 1e-12);
    let (lo, hi) = (r.att.low.unwrap(), r.att.high.unwrap());
    assert!(((lo + hi) / 2.0 - r.att.estimate.unwrap()).abs() < 1e-12);

    let s = Settings {
        control_lag_weeks: 2,
        ..s
    };
    let r = did(&t, &c, None, &s);
    assert_eq!(r.controls, vec!["c1"]);
    let att: Vec<f64> = r.group_time.iter().map(|w| w.estimate).collect();
    assert_eq!(att, vec![-5.5, -4.5, -3.5]);
    assert!((mean(&att) - -4.5).abs() < 1e-12);
    assert!((r.att.estimate.unwrap() - -4.5).abs() < 1e-12);
}

#[test]
fn named_controls_are_checked() {
    let (t, c) = hand_case();
    let named = vec!["c1".to_string(), "zz".to_string()];
    let r = did(&t, &c, Some(&named), &small(4, 3));
    assert_eq!(
        r.reason.as_deref(),
        Some("comparison workflow `zz` has no series")
    );
    assert_eq!(r.att.estimate, None);
    let imp = estimate(Method::Did, &t, &c, Some(&named), &small(4, 3));
    assert_eq!(
        imp.verdict,
        "too little data: comparison workflow `zz` has no series"
    );
    // Named c1 alone works: the ATT against c1 only.
    let r = did(&t, &c, Some(&["c1".to_string()]), &small(4, 3));
    assert_eq!(r.controls, vec!["c1"]);
    let att: Vec<f64> = r.group_time.iter().map(|w| w.estimate).collect();
    assert_eq!(att, vec![-5.5, -4.5, -3.5]);
    // One already live by the treated workflow's go-live is refused.
    let mut early = c.clone();
    early[0].go_live_week = Some(week(2));
    let r = did(&t, &early, Some(&["c1".to_string()]), &small(4, 3));
    assert!(r.reason.unwrap().contains("cannot be a comparison"));
    // Without names, it is simply not a candidate.
    let r = did(&t, &early, None, &small(4, 3));
    assert_eq!(r.controls, vec!["c2"]);
    // No candidate at all.
    let r = did(&t, &[], None, &small(4, 3));
    assert!(r
        .reason
        .unwrap()
        .starts_with("no comparison workflow is available"));
}

mod simulated;
