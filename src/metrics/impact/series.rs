//! A series' weeks on each side of its go-live, the words the answers use,
//! and the checks shared by the methods (weeks, runs, placebo go-lives).

use super::*;

/// One analysed week.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Obs {
    pub(super) week: NaiveDate,
    pub(super) y: f64,
    pub(super) n: u64,
}

/// The two sides of a workflow's go-live, the go-live week left out.
pub(super) struct Sides {
    pub(super) go_live: NaiveDate,
    pub(super) pre: Vec<Obs>,
    pub(super) post: Vec<Obs>,
}

/// The Monday of `d`'s ISO week.
pub(super) fn monday(d: NaiveDate) -> NaiveDate {
    d - Duration::days(i64::from(d.weekday().num_days_from_monday()))
}

/// Whole weeks from Monday `a` to Monday `b`.
pub(super) fn weeks_from(a: NaiveDate, b: NaiveDate) -> i64 {
    (b - a).num_days().div_euclid(7)
}

/// `week` shifted by `k` weeks.
pub(super) fn add_weeks(week: NaiveDate, k: i64) -> NaiveDate {
    week + Duration::weeks(k)
}

/// The weeks of a series with a finite value, one per Monday, in order.
pub(super) fn observed(series: &Series) -> Vec<Obs> {
    let mut by_week: BTreeMap<NaiveDate, Obs> = BTreeMap::new();
    for p in &series.points {
        if let Some(y) = p.value.filter(|v| v.is_finite()) {
            let week = monday(p.week);
            by_week.entry(week).or_insert(Obs { week, y, n: p.n });
        }
    }
    by_week.into_values().collect()
}

pub(super) fn check_level(level: f64) -> Result<(), String> {
    if level > 0.0 && level < 1.0 {
        Ok(())
    } else {
        Err(format!("the level must lie between 0 and 1, not {level}"))
    }
}

/// The pre and post weeks of a series (see the module's doc).
pub(super) fn sides(series: &Series, s: &Settings) -> Result<Sides, String> {
    check_level(s.level)?;
    let go_live = series.go_live_week.map(monday).ok_or_else(|| {
        format!(
            "`{}` has no go-live week: there is no before and after",
            series.workflow_id
        )
    })?;
    let obs = observed(series);
    let in_cap = |o: &Obs| {
        s.post_weeks
            .is_none_or(|cap| weeks_from(go_live, o.week) <= cap as i64)
    };
    Ok(Sides {
        go_live,
        pre: obs.iter().filter(|o| o.week < go_live).copied().collect(),
        post: obs
            .iter()
            .filter(|o| o.week > go_live && in_cap(o))
            .copied()
            .collect(),
    })
}

pub(super) fn runs(obs: &[Obs]) -> u64 {
    obs.iter().map(|o| o.n).sum()
}

/// "1 week", "3 weeks".
pub(super) fn weeks(n: usize) -> String {
    if n == 1 {
        "1 week".to_string()
    } else {
        format!("{n} weeks")
    }
}

/// What the weeks and runs lack for `who`, in words (`extra` qualifies the
/// weeks counted); `None` when they suffice. At least one week a side is
/// always needed.
pub(super) fn shortfall(
    pre: &[Obs],
    post: &[Obs],
    s: &Settings,
    extra: &str,
    who: &str,
) -> Option<String> {
    let mut parts = Vec::new();
    for (side, obs, need) in [
        ("pre", pre, s.min_pre_weeks.max(1)),
        ("post", post, s.min_post_weeks.max(1)),
    ] {
        if obs.len() < need {
            parts.push(format!(
                "the {side}-period has {} with values{extra}; {who} needs {need}",
                weeks(obs.len())
            ));
        }
    }
    for (side, obs) in [("pre", pre), ("post", post)] {
        if runs(obs) < s.min_runs_per_side {
            parts.push(format!(
                "the {side}-period has {} runs; {who} needs {}",
                runs(obs),
                s.min_runs_per_side
            ));
        }
    }
    (!parts.is_empty()).then(|| parts.join("; "))
}

/// A number to three significant figures, with the decimals fitted to
/// `scale` so that a figure and its interval align.
pub(super) fn num(x: f64, scale: f64) -> String {
    let m = scale.abs();
    let decimals = if m > 0.0 && m.is_finite() {
        (2 - m.log10().floor() as i64).clamp(0, 6) as usize
    } else {
        2
    };
    format!("{x:.decimals$}")
}

/// "+4.10 [1.20, 7.00]".
pub(super) fn ci_text(e: &Estimate) -> String {
    match (e.estimate, e.low, e.high) {
        (Some(x), Some(l), Some(h)) => {
            let scale = x.abs().max(l.abs()).max(h.abs());
            let sign = if x >= 0.0 { "+" } else { "" };
            format!(
                "{sign}{} [{}, {}]",
                num(x, scale),
                num(l, scale),
                num(h, scale)
            )
        }
        _ => "unmeasurable".to_string(),
    }
}

/// A level as a percentage: "95%", "98.3%".
pub(super) fn pct(level: f64) -> String {
    let p = level * 100.0;
    if (p - p.round()).abs() < 1e-9 {
        format!("{}%", p.round())
    } else {
        format!("{p:.1}%")
    }
}

// ---------------------------------------------------------------------------
// Checks

/// The weeks and runs checks; `extra` qualifies the weeks counted.
pub(super) fn count_checks(
    (weeks_before, weeks_after): (usize, usize),
    (runs_before, runs_after): (u64, u64),
    s: &Settings,
    extra: &str,
) -> Vec<Check> {
    let one = |name: &str, have: u64, need: u64, what: String, side: &str| {
        let passed = have >= need;
        let only = if passed { "" } else { "only " };
        Check {
            name: name.to_string(),
            figure: Some(have as f64),
            low: None,
            high: None,
            passed: Some(passed),
            says: format!("{only}{what} {side} go-live{extra} ({need} needed)"),
        }
    };
    let (pre, post) = (s.min_pre_weeks as u64, s.min_post_weeks as u64);
    let need = s.min_runs_per_side;
    vec![
        one(
            "pre_weeks",
            weeks_before as u64,
            pre,
            wk(weeks_before),
            "before",
        ),
        one(
            "post_weeks",
            weeks_after as u64,
            post,
            wk(weeks_after),
            "after",
        ),
        one("runs_before", runs_before, need, rn(runs_before), "before"),
        one("runs_after", runs_after, need, rn(runs_after), "after"),
    ]
}

pub(super) fn wk(n: usize) -> String {
    format!("{} of data", weeks(n))
}

pub(super) fn rn(n: u64) -> String {
    if n == 1 {
        "1 run".to_string()
    } else {
        format!("{n} runs")
    }
}

/// Half the pre-weeks setting (at least 2): the weeks a placebo needs on
/// each side of its fake go-live.
pub(super) fn placebo_half(s: &Settings) -> usize {
    s.min_pre_weeks.div_ceil(2).max(2)
}

/// The fake go-live weeks: `placebo_count` of the pre weeks with values,
/// at evenly spaced interior points of the positions that leave at least
/// [`placebo_half`] weeks with values on each side of the fake go-live week
/// (itself left out): with `m` such positions, the `j`-th fake date sits
/// `round(j·(m−1)/(count+1))` positions past the first, `j = 1..count`.
/// Interior points keep the extremes (a 4-week fake pre-period carrying a
/// slope 20 weeks on) out: an interval resting on so few weeks is the least
/// reliable (with the Newey–West intervals used before, the check failed on
/// pure noise there). Fewer positions than
/// `placebo_count` give fewer placebos.
pub(super) fn placebo_weeks(pre: &[NaiveDate], s: &Settings) -> Result<Vec<NaiveDate>, String> {
    let half = placebo_half(s);
    let need = 2 * half + 1;
    if s.placebo_count == 0 {
        return Err("no placebo was asked for (placebo_count is 0)".to_string());
    }
    if pre.len() < need {
        return Err(format!(
            "the pre-period has {} with values; fake go-lives need {need} ({half} on each side of each, plus the fake go-live week)",
            weeks(pre.len())
        ));
    }
    let positions = pre.len() - 2 * half;
    let count = s.placebo_count.min(positions);
    let step = (positions - 1) as f64 / (count + 1) as f64;
    let mut ks: Vec<usize> = (1..=count)
        .map(|j| half + (j as f64 * step).round() as usize)
        .collect();
    ks.dedup();
    Ok(ks.into_iter().map(|k| pre[k]).collect())
}

/// The settings of a placebo run: half the pre weeks on each side, no runs
/// minimum, no nested placebos, and the Bonferroni level
/// `1 − (1 − level)/count`, so that the check's nominal false-alarm rate is
/// `1 − level` however many fake dates it tries (in practice higher: see
/// the module's doc on the size of the intervals).
pub(super) fn placebo_settings(s: &Settings, count: usize) -> Settings {
    let half = placebo_half(s);
    Settings {
        level: 1.0 - (1.0 - s.level) / count.max(1) as f64,
        min_pre_weeks: half,
        min_post_weeks: half,
        min_runs_per_side: 0,
        control_lag_weeks: s.control_lag_weeks,
        placebo_count: 0,
        post_weeks: None,
        signs: s.signs,
    }
}

/// The placebo check: `run` is the estimator on pre-period data only with a
/// fake go-live week, its intervals named `kind` ("Prais–Winsten AR(1)"). The figure is the placebo estimate of largest size,
/// with its interval; the check fails when any placebo interval excludes 0.
pub(super) fn placebo_check(
    pre: &[NaiveDate],
    s: &Settings,
    kind: &str,
    run: &dyn Fn(NaiveDate, &Settings) -> Estimate,
) -> (Vec<Placebo>, Check) {
    let unchecked = |why: String| unchecked_placebo(&why);
    let dates = match placebo_weeks(pre, s) {
        Ok(d) => d,
        Err(why) => return (Vec::new(), unchecked(why)),
    };
    let ps = placebo_settings(s, dates.len());
    let placebos: Vec<Placebo> = dates
        .iter()
        .map(|&week| Placebo {
            week,
            effect: run(week, &ps),
        })
        .collect();
    let measured: Vec<&Placebo> = placebos
        .iter()
        .filter(|p| p.effect.estimate.is_some())
        .collect();
    let Some(largest) = measured.iter().max_by(|a, b| {
        let size = |p: &Placebo| p.effect.estimate.map_or(0.0, f64::abs);
        size(a).total_cmp(&size(b))
    }) else {
        let why = placebos
            .first()
            .and_then(|p| p.effect.reason.clone())
            .unwrap_or_default();
        return (placebos, unchecked(why));
    };
    let failing = measured.iter().find(|p| p.effect.excludes_zero());
    let says = match failing {
        Some(p) => format!(
            "a fake go-live on {} shows an effect of {} ({kind} interval at {}): {}",
            p.week,
            ci_text(&p.effect),
            pct(ps.level),
            "the method finds effects where there are none; not safe"
        ),
        None => {
            let fakes = match measured.len() {
                1 => "1 fake go-live".to_string(),
                k => format!("{k} fake go-lives"),
            };
            let dates: Vec<String> = measured.iter().map(|p| p.week.to_string()).collect();
            format!(
                "{fakes} inside the pre-period ({}) show no effect at {} each ({kind} intervals): the largest is {}",
                dates.join(", "),
                pct(ps.level),
                ci_text(&largest.effect)
            )
        }
    };
    let check = Check {
        name: "placebo".to_string(),
        figure: largest.effect.estimate,
        low: largest.effect.low,
        high: largest.effect.high,
        passed: Some(failing.is_none()),
        says,
    };
    (placebos, check)
}

/// The gating checks that did not pass, in words.
pub(super) fn problems(checks: &[Check]) -> Vec<String> {
    checks
        .iter()
        .filter(|c| c.name != "residual_autocorrelation" && c.passed != Some(true))
        .map(|c| {
            let how = if c.passed == Some(false) {
                "failed"
            } else {
                "could not be checked"
            };
            format!("{} {how} ({})", c.name, c.says)
        })
        .collect()
}

/// A short headline for the first gating check that did not pass.
pub(super) fn headline(checks: &[Check]) -> Option<String> {
    let c = checks
        .iter()
        .find(|c| c.name != "residual_autocorrelation" && c.passed != Some(true))?;
    Some(match (c.name.as_str(), c.passed) {
        ("pre_trends", Some(false)) => "pre-trends differ".to_string(),
        ("pre_trends", _) => "pre-trends could not be checked".to_string(),
        ("placebo", Some(false)) => "a fake go-live shows an effect".to_string(),
        ("placebo", _) => "the placebo check could not be run".to_string(),
        (name, _) => format!("the {name} check failed"),
    })
}

/// The placebo check that could not be run, and why.
pub(super) fn unchecked_placebo(why: &str) -> Check {
    Check {
        name: "placebo".to_string(),
        figure: None,
        low: None,
        high: None,
        passed: None,
        says: format!("the placebo check could not be run: {why}"),
    }
}
