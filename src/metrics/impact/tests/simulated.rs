//! Seeded simulations with a known truth: trends, placebos, the size of the
//! intervals under no effect, and degenerate series.

use super::*;

/// 24 pre weeks, go-live in week 24, 10 post weeks, with noise.
fn panel(treated_slope: f64, effect: f64, seed: u64) -> (Series, Vec<Series>) {
    let mut g = Lcg(seed);
    let mut make = |id: &str, go: Option<i64>, level: f64, slope: f64, eff: f64| {
        let v: Vec<f64> = (0..35)
            .map(|t| {
                let e = if t > 24 { eff } else { 0.0 };
                level + slope * t as f64 + e + g.next()
            })
            .collect();
        series(id, go, &v, 30)
    };
    let t = make("t", Some(24), 30.0, treated_slope, effect);
    let c = vec![
        make("a", None, 50.0, 0.0, 0.0),
        make("b", None, 40.0, 0.0, 0.0),
        make("c", Some(60), 45.0, 0.0, 0.0),
    ];
    (t, c)
}

#[test]
fn diverging_pre_trends_fail_and_auto_does_not_use_did() {
    let (t, c) = panel(1.0, 0.0, 7);
    let s = Settings::default();
    let r = did(&t, &c, None, &s);
    let pt = &r.checks[0];
    assert_eq!(pt.name, "pre_trends");
    assert_eq!(pt.passed, Some(false));
    assert!((pt.figure.unwrap() - 1.0).abs() < 0.05, "{pt:?}");
    assert!(pt
        .says
        .starts_with("pre-trends differ: the estimate is not safe"));
    let imp = estimate(Method::Auto, &t, &c, None, &s);
    assert_ne!(imp.method, "did");
    assert!(
        imp.why
            .contains("difference-in-differences was not used: pre_trends failed"),
        "{}",
        imp.why
    );
    // Asked for explicitly, it is computed but not safe.
    let imp = estimate(Method::Did, &t, &c, None, &s);
    assert_eq!(imp.method, "did");
    assert!(imp.estimate.is_some() && !imp.safe);
    assert_eq!(imp.verdict, "pre-trends differ: the estimate is not safe");
}

#[test]
fn parallel_trends_pass_and_auto_uses_did() {
    let (t, c) = panel(0.0, -5.0, 11);
    let imp = estimate(Method::Auto, &t, &c, None, &Settings::default());
    assert_eq!(imp.method, "did", "{}", imp.why);
    assert!(imp.safe);
    assert_eq!(imp.verdict, "lower, clearly");
    assert!((imp.estimate.unwrap() - -5.0).abs() < 0.3);
    assert!(imp.ci_low.unwrap() < -5.0 && -5.0 < imp.ci_high.unwrap());
    assert_eq!(imp.controls, vec!["a", "b", "c"]);
    assert!(
        imp.checks.iter().all(|c| c.passed == Some(true)),
        "{:?}",
        imp.checks
    );
    assert!(imp.why.starts_with("difference-in-differences against 3"));
    let d = imp.did.as_ref().unwrap();
    assert!(d.rho.is_some_and(|r| r.abs() < 0.95));
    assert_eq!(d.df, Some(31));
    assert!(imp.checks[0].says.ends_with("per week (AR(1) interval)"));
    let json = serde_json::to_value(&imp).unwrap();
    assert_eq!(json["method"], "did");
    assert!(json["its"]["checks"].is_array());
}

/// Pure noise, no effect: the fake go-lives find nothing, for both
/// estimators, and the real go-live finds nothing either.
#[test]
fn placebos_on_noise_pass() {
    let (t, c) = panel(0.0, 0.0, 0);
    let s = Settings::default();
    let i = its(&t, &s);
    let p = i.checks.iter().find(|c| c.name == "placebo").unwrap();
    assert_eq!(p.passed, Some(true), "{p:?}");
    assert_eq!(i.placebos.len(), 3);
    // 24 pre weeks, 4 a side: positions 4..=19 (16 of them); interior
    // points 4 + round(j·15/4), j = 1, 2, 3: weeks 8, 12 and 15.
    let dates: Vec<NaiveDate> = i.placebos.iter().map(|p| p.week).collect();
    assert_eq!(dates, vec![week(8), week(12), week(15)]);
    assert!(
        p.says
            .contains("at 98.3% each (Prais–Winsten AR(1) intervals)"),
        "{}",
        p.says
    );
    let d = did(&t, &c, None, &s);
    let p = d.checks.iter().find(|c| c.name == "placebo").unwrap();
    assert_eq!(p.passed, Some(true), "{p:?}");
    assert!(p.says.contains("each (AR(1) intervals)"), "{}", p.says);
    let imp = estimate(Method::Auto, &t, &c, None, &s);
    assert_eq!(imp.verdict, "no clear change");
}

#[test]
fn too_few_pre_weeks_for_placebos() {
    let mut v: Vec<f64> = (0..8).map(|t| 10.0 + (t % 3) as f64).collect();
    v.extend([99.0, 7.0, 8.0, 7.5, 8.5, 7.0]);
    let r = its(&series("w", Some(8), &v, 30), &Settings::default());
    assert!(r.effect.estimate.is_some());
    let p = r.checks.iter().find(|c| c.name == "placebo").unwrap();
    assert_eq!(p.passed, None);
    assert_eq!(
        p.says,
        "the placebo check could not be run: the pre-period has 8 weeks with values; fake go-lives need 9 (4 on each side of each, plus the fake go-live week)"
    );
    let imp = estimate(
        Method::Auto,
        &series("w", Some(8), &v, 30),
        &[],
        None,
        &Settings::default(),
    );
    assert_eq!(imp.method, "naive");
    assert!(imp.verdict.starts_with(
        "no method's checks passed: this is a before/after difference, not an effect"
    ));
    assert!(
        imp.why.contains("placebo could not be checked"),
        "{}",
        imp.why
    );
    assert!(!imp.safe);
}

/// A failing placebo: a step inside the pre-period.
#[test]
fn a_break_inside_the_pre_period_fails_the_placebo() {
    let mut g = Lcg(5);
    let v: Vec<f64> = (0..30)
        .map(|t| if (12..24).contains(&t) { 20.0 } else { 10.0 } + 0.2 * g.next())
        .collect();
    let r = its(&series("w", Some(24), &v, 30), &Settings::default());
    let p = r.checks.iter().find(|c| c.name == "placebo").unwrap();
    assert_eq!(p.passed, Some(false), "{p:?}");
    assert!(p.says.starts_with("a fake go-live on 2026-"), "{}", p.says);
    assert!(p
        .says
        .ends_with("the method finds effects where there are none; not safe"));
    let imp = estimate(
        Method::Its,
        &series("w", Some(24), &v, 30),
        &[],
        None,
        &Settings::default(),
    );
    assert_eq!(
        imp.verdict,
        "a fake go-live shows an effect: the estimate is not safe"
    );
}

/// Shifting each control by its own constant, or the treated workflow
/// by one, leaves the DiD figures and the ITS effect unchanged; also
/// with a control dropping out mid-window.
#[test]
fn shifts_leave_estimates_unchanged() {
    let (t, mut c) = panel(0.0, -2.0, 19);
    c[2].go_live_week = Some(week(30));
    let s = Settings::default();
    let base = did(&t, &c, None, &s);
    let shift = |x: &Series, k: f64| Series {
        points: x
            .points
            .iter()
            .map(|p| WeekPoint {
                value: p.value.map(|v| v + k),
                ..p.clone()
            })
            .collect(),
        ..x.clone()
    };
    let moved: Vec<Series> = c
        .iter()
        .zip([3.0, -7.5, 100.0])
        .map(|(x, k)| shift(x, k))
        .collect();
    let same = |a: &Estimate, b: &Estimate| {
        for (x, y) in [(a.estimate, b.estimate), (a.low, b.low), (a.high, b.high)] {
            assert!((x.unwrap() - y.unwrap()).abs() < 1e-9, "{a:?} {b:?}");
        }
    };
    same(&did(&t, &moved, None, &s).att, &base.att);
    same(&did(&shift(&t, 42.0), &c, None, &s).att, &base.att);
    same(&did(&t, &moved, None, &s).pre_trend, &base.pre_trend);
    let i = its(&t, &s);
    same(&its(&shift(&t, 42.0), &s).effect, &i.effect);
    // The control going live in week 30 leaves the comparison at week 26.
    let last = base.group_time.last().unwrap();
    assert_eq!(last.controls, vec!["a", "b"]);
    assert_eq!(base.group_time[0].controls, vec!["a", "b", "c"]);
}

/// Pure-noise panels for the size simulation: `pre` weeks, the go-live
/// week, `post` weeks; the treated workflow and 3 comparisons, each an
/// independent AR(1) with coefficient `rho` and uniform innovations
/// (after 50 weeks of burn-in).
fn noise_panel(pre: i64, post: i64, rho: f64, seed: u64) -> (Series, Vec<Series>) {
    let mut g = Lcg(seed);
    let mut make = |id: &str, go: Option<i64>, level: f64| {
        let mut e = 0.0;
        for _ in 0..50 {
            e = rho * e + g.next();
        }
        let v: Vec<f64> = (0..pre + 1 + post)
            .map(|_| {
                e = rho * e + g.next();
                level + e
            })
            .collect();
        series(id, go, &v, 30)
    };
    let t = make("t", Some(pre), 30.0);
    let c = vec![
        make("a", None, 50.0),
        make("b", None, 40.0),
        make("c", Some(pre + post + 30), 45.0),
    ];
    (t, c)
}

/// How often the intervals and checks claim something under no effect
/// at all, default settings; see the module's doc for the figures (2,000
/// panels a row: `SIZE_TRIALS=2000 cargo test --release -- --nocapture
/// size_under`). By default 300 panels a row, and the ITS and DiD
/// intervals must exclude 0 in at most 12% of them (nominal 5%; the
/// 2,000-panel figures are at most 8.6%, and 300 panels leave about
/// ±1.6 points of sampling noise): Newey–West's 9–24% fails this. Beside the module's
/// figures, on the same panels, the GLS point estimates that DiD, its
/// pre-trends and the before/after difference used before (the
/// Prais–Winsten coefficient, [`ar1_regression`], on the same gaps).
#[test]
fn size_under_no_effect() {
    let s = Settings::default();
    let trials: u64 = std::env::var("SIZE_TRIALS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(300);
    let pct = |k: u64| format!("{:5.1}%", 100.0 * k as f64 / trials as f64);
    let gls = |x: &[Vec<f64>], y: &[f64], t: &[i64]| {
        let reg = ar1_regression(x, y, t).unwrap();
        linear(&reg, &[0.0, 1.0], critical(s.level, reg.df).unwrap())
    };
    for (pre, post, rho) in [(24, 10, 0.0), (24, 10, 0.4), (12, 8, 0.0), (12, 8, 0.4)] {
        let mut n = [0u64; 9];
        for seed in 0..trials {
            let (t, c) = noise_panel(pre, post, rho, 1000 + seed);
            let i = its(&t, &s);
            let d = did(&t, &c, None, &s);
            let b = naive(&t, &s).estimate;
            // The same regressions by hand (every comparison counts
            // every week): the gap d_t, the post dummy, the weeks.
            let weeks: Vec<usize> = (0..(pre + 1 + post) as usize)
                .filter(|&k| k != pre as usize)
                .collect();
            let at = |x: &Series, k: usize| x.points[k].value.unwrap();
            let y: Vec<f64> = weeks.iter().map(|&k| at(&t, k)).collect();
            let z: Vec<f64> = weeks
                .iter()
                .map(|&k| at(&t, k) - c.iter().map(|x| at(x, k)).sum::<f64>() / 3.0)
                .collect();
            let tw: Vec<i64> = weeks.iter().map(|&k| k as i64).collect();
            let dummy: Vec<Vec<f64>> = tw
                .iter()
                .map(|&k| vec![1.0, if k > pre { 1.0 } else { 0.0 }])
                .collect();
            let np = pre as usize;
            let slope: Vec<Vec<f64>> = tw[..np].iter().map(|&k| vec![1.0, k as f64]).collect();
            let ols = ar1_ols(&dummy, &z, &tw).unwrap();
            assert!((ols.beta[1] - d.att.estimate.unwrap()).abs() < 1e-9);
            let flags = [
                i.effect.excludes_zero(),
                d.att.excludes_zero(),
                gls(&dummy, &z, &tw).excludes_zero(),
                i.checks[0].passed == Some(false),
                d.checks[1].passed == Some(false),
                d.checks[0].passed == Some(false),
                gls(&slope, &z[..np], &tw[..np]).excludes_zero(),
                b.excludes_zero(),
                gls(&dummy, &y, &tw).excludes_zero(),
            ];
            for (k, f) in n.iter_mut().zip(flags) {
                *k += u64::from(f);
            }
        }
        for (k, what) in [(n[0], "its"), (n[1], "did")] {
            assert!(
                k as f64 <= 0.12 * trials as f64,
                "{pre}+{post} rho {rho}: {what} intervals exclude 0 in {} of panels with no effect",
                pct(k)
            );
        }
        eprintln!(
            "{pre}+{post} rho {rho}: its {} did {} (gls {}) | placebo fails: its {} did {} | pre_trends fails {} (gls {}) | naive {} (gls {}) ({trials} panels)",
            pct(n[0]), pct(n[1]), pct(n[2]), pct(n[3]), pct(n[4]), pct(n[5]), pct(n[6]), pct(n[7]), pct(n[8])
        );
    }
}

/// Every figure finite, every null figure with its reason.
fn assert_estimate_ok(e: &Estimate, what: &str) {
    match e.estimate {
        Some(x) => {
            for v in [Some(x), e.se, e.low, e.high] {
                assert!(v.is_some_and(f64::is_finite), "{what}: {e:?}");
            }
            assert!(e.low <= e.high, "{what}: {e:?}");
        }
        None => {
            assert!(e.se.is_none() && e.low.is_none() && e.high.is_none());
            assert!(
                e.reason.as_ref().is_some_and(|r| !r.is_empty()),
                "{what}: {e:?}"
            );
        }
    }
}

fn assert_checks_ok(checks: &[Check], what: &str) {
    for c in checks {
        for v in [c.figure, c.low, c.high].into_iter().flatten() {
            assert!(v.is_finite(), "{what}: {c:?}");
        }
        assert!(!c.says.is_empty());
    }
}

fn assert_its_ok(r: &ItsResult, what: &str) {
    for e in [
        &r.intercept,
        &r.pre_slope,
        &r.level_change,
        &r.slope_change,
        &r.effect,
    ] {
        assert_estimate_ok(e, what);
    }
    for p in &r.placebos {
        assert_estimate_ok(&p.effect, what);
    }
    for w in &r.counterfactual {
        for v in [w.observed, w.fitted, w.counterfactual, w.low, w.high] {
            assert!(v.is_finite(), "{what}: {w:?}");
        }
    }
    let numbers = r
        .rho
        .into_iter()
        .chain(r.coefficients.into_iter().flatten());
    let cov = r.covariance.into_iter().flatten().flatten();
    for v in numbers.chain(cov) {
        assert!(v.is_finite(), "{what}: {r:?}");
    }
    assert_eq!(r.reason.is_some(), r.effect.estimate.is_none(), "{what}");
    assert_checks_ok(&r.checks, what);
}

fn assert_did_ok(r: &DidResult, what: &str) {
    assert_estimate_ok(&r.att, what);
    assert_estimate_ok(&r.pre_trend, what);
    for p in &r.placebos {
        assert_estimate_ok(&p.effect, what);
    }
    for w in &r.group_time {
        assert!(w.estimate.is_finite(), "{what}: {w:?}");
    }
    assert!(r.rho.is_none_or(f64::is_finite), "{what}");
    assert_eq!(r.reason.is_some(), r.att.estimate.is_none(), "{what}");
    assert_checks_ok(&r.checks, what);
}

/// Every f64 of an answer finite (serde_json would turn a NaN into a
/// null, so the values are read directly), and the answer serializable.
fn assert_impact_ok(imp: &Impact, what: &str) {
    let e = Estimate {
        estimate: imp.estimate,
        se: imp.estimate.map(|_| 0.0),
        low: imp.ci_low,
        high: imp.ci_high,
        reason: imp.reason.clone(),
    };
    assert_estimate_ok(&e, what);
    assert!(imp.level.is_finite());
    assert_checks_ok(&imp.checks, what);
    if let Some(i) = &imp.its {
        assert_its_ok(i, what);
    }
    if let Some(d) = &imp.did {
        assert_did_ok(d, what);
    }
    assert!(
        !imp.verdict.contains("NaN") && !imp.why.contains("NaN"),
        "{what}"
    );
    serde_json::to_string(imp).unwrap();
}

/// Pre weeks exactly 12 human minutes an item, post weeks exactly 3,
/// 25 items a week: each post week reclaims 25 × 9 / 60 hours.
#[test]
fn reclaimed_hours_on_an_exact_case() {
    let mut v = vec![12.0; 12];
    v.push(7.0); // the go-live week, left out
    v.extend([3.0; 8]);
    let s = Settings::default();
    let imp = reclaimed(&series("w", Some(12), &v, 25), &s);
    assert_impact_ok(&imp, "reclaimed");
    let want = 8.0 * 25.0 * 9.0 / 60.0;
    let (e, lo, hi) = (
        imp.estimate.unwrap(),
        imp.ci_low.unwrap(),
        imp.ci_high.unwrap(),
    );
    assert!((e - want).abs() < 1e-9, "{e}");
    assert!(lo <= e && e <= hi && hi - lo < 1e-6, "[{lo}, {hi}]");
    assert_eq!((imp.method.as_str(), imp.asked.as_str()), ("its", "its"));
    assert!(imp
        .why
        .contains("(counterfactual − observed human minutes per item) / 60"));
    assert!(imp.why.contains("never difference-in-differences"));
    assert!(imp.did.is_none() && imp.controls.is_empty());
    let i = imp.its.as_ref().unwrap();
    assert_eq!(i.rho, Some(0.0));
    assert_eq!(imp.checks, i.checks);
    assert_eq!((imp.weeks_before, imp.weeks_after), (12, 8));
    assert_eq!((imp.runs_before, imp.runs_after), (300, 200));
    assert!(imp.safe, "{:?}", imp.checks);
    assert_eq!(imp.verdict, "hours reclaimed, clearly");
    // The same as its_reclaimed_hours.
    let h = its_reclaimed_hours(&series("w", Some(12), &v, 25), &s);
    assert_eq!(
        (h.estimate, h.low, h.high),
        (imp.estimate, imp.ci_low, imp.ci_high)
    );

    // Minutes up: hours lost.
    let up: Vec<f64> = v.iter().map(|m| 15.0 - m).collect();
    let imp = reclaimed(&series("w", Some(12), &up, 25), &s);
    assert!((imp.estimate.unwrap() + want).abs() < 1e-9);
    assert_eq!(imp.verdict, "hours lost, clearly");
    // Noise only: no clear change.
    let mut g = Lcg(8);
    let flat: Vec<f64> = (0..21).map(|_| 10.0 + g.next()).collect();
    let imp = reclaimed(&series("w", Some(12), &flat, 25), &s);
    assert_impact_ok(&imp, "flat");
    assert_eq!(imp.verdict, "no clear change");
    // Too short: the ITS's reason.
    let imp = reclaimed(&series("w", Some(3), &v[9..], 25), &s);
    assert_impact_ok(&imp, "short");
    assert_eq!(imp.estimate, None);
    assert_eq!(
        imp.verdict,
        "too little data: the pre-period has 3 weeks with values; the interrupted time series needs 8"
    );
    assert!(!imp.safe);
    // A failing check: the figure, but not safe.
    let mut g = Lcg(5);
    let broken: Vec<f64> = (0..30)
        .map(|t| if (12..24).contains(&t) { 20.0 } else { 10.0 } + 0.2 * g.next())
        .collect();
    let imp = reclaimed(&series("w", Some(24), &broken, 25), &s);
    assert!(imp.estimate.is_some() && !imp.safe);
    assert_eq!(
        imp.verdict,
        "a fake go-live shows an effect: the estimate is not safe"
    );
}

/// Residuals all 0: `ρ` is 0 (not the criterion's `ln 0`), the
/// standard errors at the rounding floor, nothing NaN.
#[test]
fn a_perfect_fit_has_rho_zero() {
    let t: Vec<i64> = (0..6).chain(7..12).collect();
    let x: Vec<Vec<f64>> = t.iter().map(|&w| vec![1.0, w as f64]).collect();
    for y in [
        t.iter().map(|&w| 3.0 - 0.25 * w as f64).collect::<Vec<_>>(),
        vec![0.0; t.len()],
        vec![7.1; t.len()],
    ] {
        for reg in [
            ar1_regression(&x, &y, &t).unwrap(),
            ar1_ols(&x, &y, &t).unwrap(),
        ] {
            assert!(reg.exact);
            assert_eq!(reg.rho, 0.0);
            assert!(reg.s2.is_finite() && reg.s2 <= EXACT * dot(&y, &y));
            for v in reg.beta.iter().chain(reg.cov.iter().flatten()) {
                assert!(v.is_finite(), "{reg:?}");
            }
            let e = linear(&reg, &[0.0, 1.0], critical(0.95, reg.df).unwrap());
            assert_estimate_ok(&e, "slope");
            assert!(!e.excludes_zero() || y[0] == 3.0, "{e:?}");
        }
    }
}

/// Treated pre 30 exactly, post 20; comparisons 40 and 45 exactly;
/// 12 pre + 8 post weeks: both estimators give −10 with a finite
/// interval (of rounding width), no NaN anywhere.
#[test]
fn a_perfectly_clean_case() {
    let mut v = vec![30.0; 12];
    v.push(25.0);
    v.extend([20.0; 8]);
    let t = series("t", Some(12), &v, 30);
    let c = vec![
        series("a", None, &[40.0; 21], 30),
        series("b", None, &[45.0; 21], 30),
    ];
    let imp = estimate(Method::Auto, &t, &c, None, &Settings::default());
    assert_impact_ok(&imp, "clean");
    let d = imp.did.as_ref().unwrap();
    let i = imp.its.as_ref().unwrap();
    for e in [&d.att, &i.effect] {
        assert!((e.estimate.unwrap() - -10.0).abs() < 1e-9, "{e:?}");
        let (lo, hi) = (e.low.unwrap(), e.high.unwrap());
        assert!(lo.is_finite() && hi.is_finite() && hi - lo < 1e-6, "{e:?}");
    }
    assert_eq!((d.rho, i.rho), (Some(0.0), Some(0.0)));
    assert_eq!(imp.method, "did", "{}", imp.why);
    assert!(imp.safe, "{:?}", imp.checks);
    assert_eq!(imp.verdict, "lower, clearly");
    assert!((imp.estimate.unwrap() - -10.0).abs() < 1e-9);
    let n = naive(&t, &Settings::default()).estimate;
    assert!((n.estimate.unwrap() - -10.0).abs() < 1e-9);
    let json = serde_json::to_value(&imp).unwrap();
    assert!(json["did"]["att"]["low"].is_f64() && json["its"]["effect"]["high"].is_f64());
}

/// Every estimator, on exact lines, constant and all-zero series, a
/// single comparison, and two weeks: finite figures or a null with its
/// reason, never a panic.
#[test]
fn degenerate_series_give_finite_figures_or_reasons() {
    let line: Vec<f64> = (0..21).map(|t| 5.0 + 0.3 * t as f64).collect();
    let mut broken = line.clone();
    for (t, y) in broken.iter_mut().enumerate().skip(13) {
        *y -= 2.0 + 0.1 * (t - 12) as f64;
    }
    let cases: Vec<(&str, Series, Vec<Series>, Settings)> = vec![
        (
            "exact lines",
            series("t", Some(12), &broken, 30),
            vec![
                series("a", None, &line, 30),
                series("b", None, &line[1..], 30),
            ],
            Settings::default(),
        ),
        (
            "constant",
            series("t", Some(12), &[4.0; 21], 30),
            vec![
                series("a", None, &[4.0; 21], 30),
                series("b", None, &[9.0; 21], 30),
            ],
            Settings::default(),
        ),
        (
            "all zero",
            series("t", Some(12), &[0.0; 21], 30),
            vec![series("a", None, &[0.0; 21], 30)],
            Settings::default(),
        ),
        (
            "one comparison",
            series("t", Some(12), &broken, 30),
            vec![series("a", None, &[1.0; 21], 30)],
            Settings::default(),
        ),
        (
            "two weeks",
            series("t", Some(1), &[3.0, 2.0], 30),
            vec![series("a", None, &[1.0, 5.0], 30)],
            small(1, 1),
        ),
        (
            "two weeks around go-live",
            Series {
                points: vec![
                    WeekPoint {
                        week: week(0),
                        value: Some(3.0),
                        n: 30,
                    },
                    WeekPoint {
                        week: week(2),
                        value: Some(2.0),
                        n: 30,
                    },
                ],
                ..series("t", Some(1), &[], 30)
            },
            vec![series("a", None, &[1.0, 9.0, 5.0], 30)],
            small(1, 1),
        ),
        (
            "three weeks around go-live",
            series("t", Some(1), &[3.0, 9.0, 2.0], 30),
            vec![series("a", None, &[1.0, 9.0, 5.0], 30)],
            small(1, 1),
        ),
    ];
    for (what, t, c, s) in &cases {
        for m in [Method::Auto, Method::Its, Method::Did, Method::Naive] {
            assert_impact_ok(&estimate(m, t, c, None, s), what);
        }
        assert_impact_ok(&reclaimed(t, s), what);
        assert_estimate_ok(&its_reclaimed_hours(t, s), what);
        assert_its_ok(&its(t, s), what);
        assert_did_ok(&did(t, c, None, s), what);
        assert_estimate_ok(&naive(t, s).estimate, what);
    }
    // The exact lines are recovered, and a constant has no effect.
    let r = its(&cases[0].1, &cases[0].3);
    assert!((r.effect.estimate.unwrap() - -(2.0 + 0.1 * 4.5)).abs() < 1e-9);
    let d = did(&cases[1].1, &cases[1].2, None, &cases[1].3);
    assert!(d.att.estimate.unwrap().abs() < 1e-12 && !d.att.excludes_zero());
    let imp = estimate(Method::Auto, &cases[1].1, &cases[1].2, None, &cases[1].3);
    assert_eq!(imp.verdict, "no clear change");
    // Two weeks: reasons.
    let r = did(&cases[5].1, &cases[5].2, None, &cases[5].3);
    assert!(r.reason.unwrap().contains("cannot fit 2 coefficients"));
}

/// Exact data of every scale: rounding never fails a check or makes a
/// zero effect "clear" (the floor of [`EXACT`]).
#[test]
fn exact_fits_do_not_fail_checks_by_rounding() {
    let mut g = Lcg(42);
    for k in 0..60 {
        let a = (g.next() + 0.5) * 10f64.powi(k % 7 - 2);
        let b = if k % 2 == 0 { a } else { a * 0.37 };
        let (c1, c2) = (a * 1.3 + 0.1, a * 0.7 + 0.3);
        let trend = if k % 3 == 0 { 0.1 * a } else { 0.0 };
        let at = |level: f64, i: usize| level + trend * i as f64;
        let tv: Vec<f64> = (0..21)
            .map(|i| {
                at(
                    if i < 12 {
                        a
                    } else if i == 12 {
                        0.5 * (a + b)
                    } else {
                        b
                    },
                    i,
                )
            })
            .collect();
        let cv1: Vec<f64> = (0..21).map(|i| at(c1, i)).collect();
        let cv2: Vec<f64> = (0..21).map(|i| at(c2, i)).collect();
        let t = series("t", Some(12), &tv, 30);
        let c = vec![series("a", None, &cv1, 30), series("b", None, &cv2, 30)];
        let imp = estimate(Method::Auto, &t, &c, None, &Settings::default());
        assert_impact_ok(&imp, "exact");
        let i = imp.its.as_ref().unwrap();
        let d = imp.did.as_ref().unwrap();
        assert!(
            i.checks
                .iter()
                .chain(&d.checks)
                .all(|c| c.passed != Some(false)),
            "{k}: {:?} {:?}",
            i.checks,
            d.checks
        );
        assert_eq!(imp.method, "did");
        if a == b {
            assert_eq!(imp.verdict, "no clear change", "{k}");
        }
    }
}
