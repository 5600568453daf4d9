//! Difference-in-differences against not-yet-treated comparison workflows.

use super::*;

/// A comparison workflow: its values by week and the first week it no
/// longer counts (go-live − δ).
pub(super) struct Control {
    pub(super) id: String,
    pub(super) values: BTreeMap<NaiveDate, f64>,
    pub(super) cutoff: Option<NaiveDate>,
}

impl Control {
    fn new(series: &Series, s: &Settings) -> Control {
        let lag = s.control_lag_weeks.max(0);
        Control {
            id: series.workflow_id.clone(),
            values: observed(series).iter().map(|o| (o.week, o.y)).collect(),
            cutoff: series.go_live_week.map(|g| add_weeks(monday(g), -lag)),
        }
    }

    /// The value at `week` while not yet treated (Callaway & Sant'Anna).
    fn at(&self, week: NaiveDate) -> Option<f64> {
        if self.cutoff.is_some_and(|c| week >= c) {
            return None;
        }
        self.values.get(&week).copied()
    }
}

/// The comparison pool: the named workflows (each must have a series and
/// go live after `go_live`), or every candidate never automated or
/// automated after `go_live`.
pub(super) fn pool(
    treated: &Series,
    candidates: &[Series],
    controls: Option<&[String]>,
    go_live: NaiveDate,
    s: &Settings,
) -> Result<Vec<Control>, String> {
    let later = |c: &Series| c.go_live_week.is_none_or(|g| monday(g) > go_live);
    let Some(named) = controls else {
        let mut seen = Vec::new();
        return Ok(candidates
            .iter()
            .filter(|c| c.workflow_id != treated.workflow_id && later(c))
            .filter(|c| {
                let fresh = !seen.contains(&c.workflow_id);
                seen.push(c.workflow_id.clone());
                fresh
            })
            .map(|c| Control::new(c, s))
            .collect());
    };
    let mut out: Vec<Control> = Vec::new();
    let mut errors = Vec::new();
    for id in named {
        if out.iter().any(|c| &c.id == id) {
            continue;
        }
        match candidates.iter().find(|c| &c.workflow_id == id) {
            _ if id == &treated.workflow_id => errors.push(format!(
                "`{id}` is the workflow being measured; it cannot be its own comparison"
            )),
            None => errors.push(format!("comparison workflow `{id}` has no series")),
            Some(c) if !later(c) => errors.push(format!(
                "comparison workflow `{id}` went live in the week of {}, not after this workflow's go-live week ({go_live}): it cannot be a comparison",
                c.go_live_week.map(monday).unwrap_or(go_live)
            )),
            Some(c) => out.push(Control::new(c, s)),
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors.join("; "))
    }
}

/// What [`did_model`] leaves for the checks.
pub(super) struct DidData {
    /// The pre weeks used and the gap `d_t` there.
    pub(super) pre: Vec<(Obs, f64)>,
    /// The treated workflow's pre weeks with values (placebo data).
    pub(super) treated_pre: Vec<Obs>,
    pub(super) go_live: NaiveDate,
}

impl DidResult {
    fn blank(treated: &Series, s: &Settings) -> DidResult {
        DidResult {
            workflow_id: treated.workflow_id.clone(),
            go_live_week: treated.go_live_week.map(monday),
            level: s.level,
            weeks_before: 0,
            weeks_after: 0,
            runs_before: 0,
            runs_after: 0,
            controls: Vec::new(),
            group_time: Vec::new(),
            att: Estimate::null("not estimated"),
            pre_trend: Estimate::null("not estimated"),
            rho: None,
            df: None,
            placebos: Vec::new(),
            checks: Vec::new(),
            reason: None,
        }
    }

    fn null(mut self, reason: String) -> DidResult {
        self.att = Estimate::null(reason.clone());
        self.pre_trend = Estimate::null(reason.clone());
        self.reason = Some(reason);
        self
    }
}

/// The mean of the values of `used` controls at `week`, their mean base,
/// and their ids; `None` when none has a value.
pub(super) fn control_mean(
    used: &[(&Control, f64)],
    week: NaiveDate,
) -> Option<(f64, f64, Vec<String>)> {
    let here: Vec<(f64, f64, &str)> = used
        .iter()
        .filter_map(|(c, base)| c.at(week).map(|v| (v, *base, c.id.as_str())))
        .collect();
    if here.is_empty() {
        return None;
    }
    let k = here.len() as f64;
    Some((
        here.iter().map(|h| h.0).sum::<f64>() / k,
        here.iter().map(|h| h.1).sum::<f64>() / k,
        here.iter().map(|h| h.2.to_string()).collect(),
    ))
}

/// The difference-in-differences without checks (see [`did`]).
pub(super) fn did_model(
    treated: &Series,
    candidates: &[Series],
    controls: Option<&[String]>,
    s: &Settings,
) -> (DidResult, Option<DidData>) {
    let r = DidResult::blank(treated, s);
    let sides = match sides(treated, s) {
        Ok(x) => x,
        Err(e) => return (r.null(e), None),
    };
    let pool = match pool(treated, candidates, controls, sides.go_live, s) {
        Ok(p) => p,
        Err(e) => return (r.null(e), None),
    };
    let reports = |c: &Control, obs: &[Obs]| obs.iter().any(|o| c.at(o.week).is_some());
    let chosen: Vec<&Control> = pool
        .iter()
        .filter(|c| reports(c, &sides.pre) && reports(c, &sides.post))
        .collect();
    if chosen.is_empty() {
        let e = "no comparison workflow is available: none that was never automated, or automated later, has values both before and after this workflow's go-live while not yet automated".to_string();
        return (r.null(e), None);
    }
    let any = |o: &&Obs| chosen.iter().any(|c| c.at(o.week).is_some());
    let pre: Vec<Obs> = sides.pre.iter().filter(any).copied().collect();
    let post: Vec<Obs> = sides.post.iter().filter(any).copied().collect();
    let mut r = DidResult {
        weeks_before: pre.len(),
        weeks_after: post.len(),
        runs_before: runs(&pre),
        runs_after: runs(&post),
        controls: chosen.iter().map(|c| c.id.clone()).collect(),
        ..r
    };
    let extra = " and a comparison workflow";
    if let Some(e) = shortfall(&pre, &post, s, extra, "difference-in-differences") {
        return (r.null(e), None);
    }
    // Universal base: each workflow's mean over the pre weeks it reports.
    let used: Vec<(&Control, f64)> = chosen
        .iter()
        .map(|c| {
            let v: Vec<f64> = pre.iter().filter_map(|o| c.at(o.week)).collect();
            (*c, mean(&v))
        })
        .collect();
    let base_treated = mean(&pre.iter().map(|o| o.y).collect::<Vec<_>>());
    let mut gaps = Vec::new();
    let mut level_sum = 0.0;
    for o in &pre {
        let (m, _, _) = control_mean(&used, o.week).unwrap_or((f64::NAN, 0.0, Vec::new()));
        gaps.push((*o, o.y - m));
        level_sum += m;
    }
    let control_level = level_sum / pre.len() as f64;
    let mut z: Vec<f64> = gaps.iter().map(|g| g.1).collect();
    for o in &post {
        let (m, base, ids) = control_mean(&used, o.week).unwrap_or((f64::NAN, 0.0, Vec::new()));
        r.group_time.push(DidWeek {
            week: o.week,
            estimate: (o.y - base_treated) - (m - base),
            controls: ids,
            n: o.n,
        });
        z.push(o.y - m + base - control_level);
    }
    let x: Vec<Vec<f64>> = (0..z.len())
        .map(|i| vec![1.0, if i < pre.len() { 0.0 } else { 1.0 }])
        .collect();
    let origin = pre[0].week;
    let t: Vec<i64> = pre
        .iter()
        .chain(&post)
        .map(|o| weeks_from(origin, o.week))
        .collect();
    let fitted = ar1_ols(&x, &z, &t).and_then(|reg| Ok((critical(s.level, reg.df)?, reg)));
    match fitted {
        Ok((q, reg)) => {
            r.att = linear(&reg, &[0.0, 1.0], q);
            r.rho = Some(reg.rho);
            r.df = Some(reg.df);
        }
        Err(e) => {
            return (
                r.null(format!("the gap regression cannot be fitted ({e})")),
                None,
            )
        }
    }
    let data = DidData {
        pre: gaps,
        treated_pre: sides.pre,
        go_live: sides.go_live,
    };
    (r, Some(data))
}

/// The least-squares slope per week of the pre-period gap `d_t` on `t`,
/// with its AR(1) interval ([`ar1_ols`]).
pub(super) fn pre_trend(data: &DidData, s: &Settings) -> Estimate {
    if data.pre.len() < 3 {
        return Estimate::null(format!(
            "a pre-trend needs at least 3 weeks before go-live; there are {}",
            data.pre.len()
        ));
    }
    let origin = data.pre[0].0.week;
    let t: Vec<i64> = data
        .pre
        .iter()
        .map(|(o, _)| weeks_from(origin, o.week))
        .collect();
    let x: Vec<Vec<f64>> = t.iter().map(|&w| vec![1.0, w as f64]).collect();
    let y: Vec<f64> = data.pre.iter().map(|g| g.1).collect();
    match ar1_ols(&x, &y, &t).and_then(|reg| Ok((critical(s.level, reg.df)?, reg))) {
        Ok((q, reg)) => linear(&reg, &[0.0, 1.0], q),
        Err(e) => Estimate::null(format!("the pre-period gap cannot be fitted ({e})")),
    }
}

pub(super) fn pre_trends_check(e: &Estimate) -> Check {
    let (passed, says) = match e.estimate {
        None => (
            None,
            format!(
                "pre-trends could not be checked: {}",
                e.reason.clone().unwrap_or_default()
            ),
        ),
        Some(_) if e.excludes_zero() => (
            Some(false),
            format!(
                "pre-trends differ: the estimate is not safe; before go-live the gap to the comparison workflows moved by {} per week (AR(1) interval)",
                ci_text(e)
            ),
        ),
        Some(_) => (
            Some(true),
            format!(
                "before go-live the gap to the comparison workflows held steady: {} per week (AR(1) interval)",
                ci_text(e)
            ),
        ),
    };
    Check {
        name: "pre_trends".to_string(),
        figure: e.estimate,
        low: e.low,
        high: e.high,
        passed,
        says,
    }
}

/// Difference-in-differences for the treated workflow's cohort `g` (its
/// go-live week) with staggered go-lives, after Callaway & Sant'Anna (2021).
///
/// - **Comparisons**: `controls` when given (a named workflow without a
///   series, the treated workflow itself, or one live by `g` makes the
///   result null with the reason), else every candidate never automated or
///   automated after `g`. At week `t` a comparison counts only while not yet
///   treated: `t < its go-live − control_lag_weeks` ([`Settings`]). Those
///   that count in at least one pre and one post week are used; weeks where
///   none counts are left out.
/// - **Base**: a universal base, each workflow's mean over the pre weeks
///   (rather than the single week g − 1, too noisy for weekly data).
/// - **ATT(g, t)** `= (Y_t − Ȳ_base) − (C̄_t − C̄_base)`, `C̄` the equally
///   weighted mean of the comparisons reporting at `t`, at `t` and at their
///   own bases: a comparison missing at `t` is left out of both. Equal
///   weights, so a large workflow does not become the whole comparison.
/// - **Aggregate** (`att`): with the gap `d_t = Y_t − C̄_t` and, after
///   go-live, `d*_t = d_t + C̄_base,t − mean_pre(C̄)` (a composition
///   adjustment that is 0 in a balanced panel), ATT(g, t) `= d*_t −
///   mean_pre(d)`. The aggregate is the estimand a reader is told: the
///   equally weighted mean of ATT(g, t) over the post weeks (of
///   `group_time`), `mean_post(d*) − mean_pre(d)`, computed as the OLS
///   coefficient of a post dummy in the regression of `d` (pre) and `d*`
///   (post) on it. Weeks count equally, never by volume (so a busy week does
///   not dominate), and not by their position in a run of weeks: a GLS fit
///   would weight the weeks at the ends of each run more than those inside
///   when `ρ > 0`, and so report a figure other than that mean.
/// - **Interval**: not from independent runs (Bertrand, Duflo &
///   Mullainathan 2004): the standard error of that OLS coefficient under
///   the gap's AR(1) model, `s² (X'X)⁻¹ X'ΩX (X'X)⁻¹` with `ρ` and `s²` from
///   the Prais–Winsten REML fit of the same regression (see the module's
///   doc), t with T − 3 degrees of freedom (2 coefficients and `ρ`). The
///   pre-trend slope and the placebos are fitted the same way.
/// - **Checks**: `pre_trends` (slope of pre-period `d_t` on `t`; fails when
///   its interval excludes 0), `placebo` (this estimator at fake go-lives in
///   the pre-period, pre-period data only), weeks and runs.
pub fn did(
    treated: &Series,
    candidates: &[Series],
    controls: Option<&[String]>,
    s: &Settings,
) -> DidResult {
    let (mut r, data) = did_model(treated, candidates, controls, s);
    let (placebos, placebo) = match &data {
        Some(d) => {
            r.pre_trend = pre_trend(d, s);
            did_placebos(d, treated, candidates, &r.controls, s)
        }
        None => {
            let why = r.reason.clone().unwrap_or_default();
            (Vec::new(), unchecked_placebo(&why))
        }
    };
    r.placebos = placebos;
    r.checks = vec![pre_trends_check(&r.pre_trend), placebo];
    r.checks.extend(count_checks(
        (r.weeks_before, r.weeks_after),
        (r.runs_before, r.runs_after),
        s,
        " with a comparison workflow",
    ));
    r
}

/// The DiD placebo: the treated workflow's and the used comparisons'
/// pre-period weeks only, with fake go-lives among the pre weeks used.
pub(super) fn did_placebos(
    d: &DidData,
    treated: &Series,
    candidates: &[Series],
    used: &[String],
    s: &Settings,
) -> (Vec<Placebo>, Check) {
    let truncated: Vec<Series> = candidates
        .iter()
        .filter(|c| used.contains(&c.workflow_id))
        .map(|c| Series {
            points: c
                .points
                .iter()
                .filter(|p| monday(p.week) < d.go_live)
                .cloned()
                .collect(),
            ..c.clone()
        })
        .collect();
    let dates: Vec<NaiveDate> = d.pre.iter().map(|(o, _)| o.week).collect();
    let run = |fake: NaiveDate, ps: &Settings| {
        let series = pre_only(treated, &d.treated_pre, fake);
        did_model(&series, &truncated, Some(used), ps).0.att
    };
    placebo_check(&dates, s, "AR(1)", &run)
}
