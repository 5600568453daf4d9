//! Interrupted time series: the segmented regression on one workflow's weeks.

use super::*;

/// The fitted segmented regression behind an [`ItsResult`].
pub(super) struct ItsModel {
    pub(super) reg: Reg,
    /// The post weeks and their `t`.
    pub(super) post: Vec<(Obs, f64)>,
}

impl ItsResult {
    fn blank(treated: &Series, s: &Settings) -> ItsResult {
        let none = Estimate::null("not estimated");
        ItsResult {
            workflow_id: treated.workflow_id.clone(),
            go_live_week: treated.go_live_week.map(monday),
            level: s.level,
            weeks_before: 0,
            weeks_after: 0,
            runs_before: 0,
            runs_after: 0,
            intercept: none.clone(),
            pre_slope: none.clone(),
            level_change: none.clone(),
            slope_change: none.clone(),
            effect: none,
            counterfactual: Vec::new(),
            rho: None,
            df: None,
            coefficients: None,
            covariance: None,
            placebos: Vec::new(),
            checks: Vec::new(),
            reason: None,
        }
    }

    /// Every estimate null with `reason`.
    fn null(mut self, reason: String) -> ItsResult {
        let e = Estimate::null(reason.clone());
        self.intercept = e.clone();
        self.pre_slope = e.clone();
        self.level_change = e.clone();
        self.slope_change = e.clone();
        self.effect = e;
        self.reason = Some(reason);
        self
    }
}

/// The segmented regression on `treated` (see [`ItsResult`]), without checks.
pub(super) fn its_model(treated: &Series, s: &Settings) -> (ItsResult, Option<ItsModel>) {
    let r = ItsResult::blank(treated, s);
    let sides = match sides(treated, s) {
        Ok(x) => x,
        Err(e) => return (r.null(e), None),
    };
    let mut r = ItsResult {
        weeks_before: sides.pre.len(),
        weeks_after: sides.post.len(),
        runs_before: runs(&sides.pre),
        runs_after: runs(&sides.post),
        ..r
    };
    let who = "the interrupted time series";
    if let Some(e) = shortfall(&sides.pre, &sides.post, s, "", who) {
        return (r.null(e), None);
    }
    let origin = sides.pre[0].week;
    let t_of = |w: NaiveDate| weeks_from(origin, w) as f64;
    let t0 = t_of(sides.go_live);
    let mut x = Vec::new();
    let mut y = Vec::new();
    let mut t = Vec::new();
    for o in &sides.pre {
        x.push(vec![1.0, t_of(o.week), 0.0, 0.0]);
        y.push(o.y);
        t.push(weeks_from(origin, o.week));
    }
    for o in &sides.post {
        x.push(vec![1.0, t_of(o.week), 1.0, t_of(o.week) - t0]);
        y.push(o.y);
        t.push(weeks_from(origin, o.week));
    }
    let fitted = ar1_regression(&x, &y, &t).and_then(|reg| Ok((critical(s.level, reg.df)?, reg)));
    let (q, reg) = match fitted {
        Ok(x) => x,
        Err(e) => {
            let e = format!(
                "the weeks do not separate the level and trend before and after go-live ({e})"
            );
            return (r.null(e), None);
        }
    };
    let post: Vec<(Obs, f64)> = sides.post.iter().map(|o| (*o, t_of(o.week))).collect();
    let mean_since = post.iter().map(|(_, t)| t - t0).sum::<f64>() / post.len() as f64;
    r.intercept = linear(&reg, &[1.0, 0.0, 0.0, 0.0], q);
    r.pre_slope = linear(&reg, &[0.0, 1.0, 0.0, 0.0], q);
    r.level_change = linear(&reg, &[0.0, 0.0, 1.0, 0.0], q);
    r.slope_change = linear(&reg, &[0.0, 0.0, 0.0, 1.0], q);
    r.effect = linear(&reg, &[0.0, 0.0, 1.0, mean_since], q);
    r.counterfactual = post
        .iter()
        .map(|(o, t)| {
            let cf = linear(&reg, &[1.0, *t, 0.0, 0.0], q);
            let fit = dot(&reg.beta, &[1.0, *t, 1.0, t - t0]);
            CounterfactualWeek {
                week: o.week,
                n: o.n,
                observed: o.y,
                fitted: fit,
                counterfactual: cf.estimate.unwrap_or(f64::NAN),
                low: cf.low.unwrap_or(f64::NAN),
                high: cf.high.unwrap_or(f64::NAN),
            }
        })
        .collect();
    r.rho = Some(reg.rho);
    r.df = Some(reg.df);
    r.coefficients = Some([reg.beta[0], reg.beta[1], reg.beta[2], reg.beta[3]]);
    r.covariance = Some(std::array::from_fn(|i| {
        std::array::from_fn(|j| reg.cov[i][j])
    }));
    (r, Some(ItsModel { reg, post }))
}

/// The informational residual-autocorrelation check of an ITS: no pass or
/// fail (the Prais–Winsten interval already allows for the correlation),
/// but a reader sees how much the weeks resemble their neighbours. The
/// figure is the fit's `ρ`.
pub(super) fn autocorrelation_check(model: Option<&ItsModel>) -> Check {
    let rho = model.filter(|m| !m.reg.exact).map(|m| m.reg.rho);
    let says = match (rho, model) {
        (Some(r), Some(_)) => format!(
            "for the reader, not a test: each week's distance from the fitted lines is estimated to be correlated {r:.2} with the week before's; the interval allows for that (Prais–Winsten AR(1), the correlation by restricted maximum likelihood)"
        ),
        (None, Some(_)) => "for the reader, not a test: the fitted lines pass through every week; there is no residual correlation to report".to_string(),
        _ => "for the reader, not a test: there is no fit to take residuals from".to_string(),
    };
    Check {
        name: "residual_autocorrelation".to_string(),
        figure: rho,
        low: None,
        high: None,
        passed: None,
        says,
    }
}

/// The interrupted time series of `treated` with its checks: `placebo`
/// (the same regression at fake go-lives inside the pre-period, on
/// pre-period data only), the weeks and runs checks, and the informational
/// `residual_autocorrelation` (a pre-trends check needs a comparison and
/// does not apply).
///
/// Weeks and runs below the settings, a missing go-live or a singular
/// design leave every estimate null with the reason, e.g. "the pre-period
/// has 3 weeks with values; the interrupted time series needs 8".
pub fn its(treated: &Series, s: &Settings) -> ItsResult {
    its_checked(treated, s).0
}

/// [`its`] with the fit behind it.
pub(super) fn its_checked(treated: &Series, s: &Settings) -> (ItsResult, Option<ItsModel>) {
    let (mut r, model) = its_model(treated, s);
    let pre = sides(treated, s).map(|x| x.pre).unwrap_or_default();
    let dates: Vec<NaiveDate> = pre.iter().map(|o| o.week).collect();
    let run = |fake: NaiveDate, ps: &Settings| {
        let series = pre_only(treated, &pre, fake);
        its_model(&series, ps).0.effect
    };
    let (placebos, placebo) = if r.effect.estimate.is_some() {
        placebo_check(&dates, s, "Prais–Winsten AR(1)", &run)
    } else {
        let why = r.reason.clone().unwrap_or_default();
        (Vec::new(), unchecked_placebo(&why))
    };
    r.placebos = placebos;
    r.checks = vec![placebo];
    r.checks.extend(count_checks(
        (r.weeks_before, r.weeks_after),
        (r.runs_before, r.runs_after),
        s,
        "",
    ));
    r.checks.push(autocorrelation_check(model.as_ref()));
    (r, model)
}

/// `series` reduced to the weeks `pre`, with a fake go-live week.
pub(super) fn pre_only(series: &Series, pre: &[Obs], fake: NaiveDate) -> Series {
    Series {
        workflow_id: series.workflow_id.clone(),
        go_live_week: Some(fake),
        points: pre
            .iter()
            .map(|o| WeekPoint {
                week: o.week,
                value: Some(o.y),
                n: o.n,
            })
            .collect(),
    }
}

/// Reclaimed hours against the counterfactual, for the metric "human
/// minutes per item": `Σ_post n_t (counterfactual_t − observed_t) / 60`.
/// The observed minutes and items are data, so this is the linear
/// combination `a'β − Σ n_t y_t / 60` with `a = (Σ n_t, Σ n_t t, 0, 0)/60`,
/// and its variance `a'Va` is exact from the ITS covariance: the interval
/// carries the uncertainty of the counterfactual trend, conditional on what
/// was observed after go-live (it is not a prediction interval for the
/// weeks' noise). Meaningless for other metrics; the caller decides.
pub fn its_reclaimed_hours(treated: &Series, s: &Settings) -> Estimate {
    let (r, model) = its_model(treated, s);
    reclaimed_hours(&r, model.as_ref(), s)
}

/// [`its_reclaimed_hours`] from a fitted ITS.
pub(super) fn reclaimed_hours(r: &ItsResult, model: Option<&ItsModel>, s: &Settings) -> Estimate {
    let Some(m) = model else {
        return Estimate::null(r.reason.clone().unwrap_or_default());
    };
    let items: f64 = m.post.iter().map(|(o, _)| o.n as f64).sum();
    let item_weeks: f64 = m.post.iter().map(|(o, t)| o.n as f64 * t).sum();
    let observed: f64 = m.post.iter().map(|(o, _)| o.n as f64 * o.y).sum();
    let a = [items / 60.0, item_weeks / 60.0, 0.0, 0.0];
    match critical(s.level, m.reg.df) {
        Ok(q) => {
            let e = linear(&m.reg, &a, q);
            let shift = observed / 60.0;
            Estimate {
                estimate: e.estimate.map(|x| x - shift),
                low: e.low.map(|x| x - shift),
                high: e.high.map(|x| x - shift),
                ..e
            }
        }
        Err(e) => Estimate::null(e),
    }
}
