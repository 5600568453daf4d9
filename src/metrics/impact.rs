//! The impact of an automation on one weekly metric, estimated so that the
//! claim survives a statistician. Three estimators, each with an interval
//! that allows for weeks resembling their neighbours, and the checks that say
//! whether its estimate can be trusted:
//!
//! - [`its`]: an interrupted time series on the automated workflow alone
//!   (segmented regression, Wagner, Soumerai, Zhang & Ross-Degnan 2002);
//! - [`did`]: a difference-in-differences against comparison workflows that
//!   were not yet automated, week by week (Callaway & Sant'Anna 2021);
//! - a before/after difference of weekly values, the last resort, which is
//!   never called an effect.
//!
//! [`estimate`] picks one ([`Method::Auto`]) or computes the one asked for,
//! and says in words what the figure means and whether it is safe;
//! [`reclaimed`] gives the same kind of answer for the hours reclaimed
//! against the ITS counterfactual of human minutes per item.
//!
//! # Choices, made once and used by every estimator
//!
//! - **Weeks.** Every date is taken to the Monday of its ISO week; a week
//!   whose value is `None` or not finite is skipped (if two points fall in
//!   one week, the first is kept). `t` counts weeks from the first analysed
//!   week, by calendar, so a skipped week leaves a gap in `t`.
//! - **Transition week.** The go-live week is partly manual and partly
//!   automated, so it is left out of every estimator: *pre* is the weeks
//!   before it, *post* the weeks after it (at most
//!   [`Settings::post_weeks`] of them, counted by calendar from the go-live
//!   week). Placebos leave out their fake go-live week the same way.
//! - **Weighting.** Weeks count equally (ordinary least squares, unweighted).
//!   A week's value is a mean over its items, but the week-to-week noise that
//!   matters for a trend is dominated by week effects (staffing, season,
//!   case mix), not by the sampling of items, so 1/n weights would claim a
//!   precision the weeks do not have; and volume often grows with the
//!   automation, so weighting by n would let the post weeks dominate the
//!   fitted pre-trend. The item counts enter the minimum-runs checks and the
//!   reclaimed hours.
//! - **Intervals.** Never from independent runs: runs of one week share
//!   that week's conditions and weeks resemble their neighbours, so
//!   run-level intervals are far too narrow (Bertrand, Duflo & Mullainathan
//!   2004, who found 45% false "effects" at 5% this way). Every figure is a
//!   regression on weekly values whose errors are taken to follow
//!   `e_t = ρ e_{t−1} + u_t` within each run of consecutive weeks, the
//!   innovations `u_t` independent with variance `σ²`, so that
//!   `Var(e_t) = σ²/(1 − ρ²)`; a skipped week (and the left-out transition
//!   week) ends a run, and runs are taken as independent. The errors'
//!   covariance is then `σ² Ω`, `Ω` block-diagonal by run with
//!   `Ω_ij = ρ^{|i−j|}/(1 − ρ²)` inside a run. `ρ` and `σ²` come from a
//!   **Prais–Winsten AR(1)** feasible generalized least squares fit (Prais
//!   & Winsten 1954), one of the six methods Turner et al. compared on 190
//!   published interrupted time series (2021, "Comparison of six
//!   statistical methods for interrupted time series studies", BMC Med Res
//!   Methodol 21:134), with `ρ` estimated by restricted maximum likelihood
//!   (REML), the estimator their simulation study found least biased and
//!   preferred on series of 12 points or more (Turner et al. 2021,
//!   "Evaluation of statistical methods used in the analysis of interrupted
//!   time series studies: a simulation study", BMC Med Res Methodol,
//!   doi:10.1186/s12874-021-01364-0). With `T` weeks, `k` coefficients and
//!   `R` runs:
//!   1. `ρ` minimises the restricted criterion
//!      `(T − k) ln RSS*(ρ) − R ln(1 − ρ²) + ln |X*'X*|` (minus twice the
//!      restricted log-likelihood with the variance profiled out, up to a
//!      constant) over `[−0.95, 0.95]`: the best of a grid in steps of 0.05,
//!      narrowed by golden section and finished by bisection on its exact
//!      derivative.
//!   2. The Prais–Winsten transform `P`: each run's first week times
//!      `√(1 − ρ²)`, each following week `v_t − ρ v_{t−1}`, for `y` and every
//!      column of `X` alike (`X* = P X`). It whitens the errors: a run's
//!      first row `√(1 − ρ²) e_1` has variance `(1 − ρ²) σ²/(1 − ρ²) = σ²`,
//!      every other row `e_t − ρ e_{t−1} = u_t` has `σ²`, so `P Ω P' = I`
//!      and `Ω⁻¹ = P'P`.
//!   3. `β_GLS` is OLS of `P y` on `X*` (the GLS estimate at `ρ`),
//!      `RSS* = |P y − X* β_GLS|²`, and `s² = RSS*/(T − k − 1)` (a degree of
//!      freedom for `ρ`) estimates the innovations' variance `σ²` (by 2, the
//!      transformed errors are `u_t`, not `e_t`).
//!   4. The figure, with one of two variances (next paragraphs), and the
//!      interval `estimate ± t_{(1+level)/2, T−k−1} · se`.
//!
//!   **The ITS is GLS.** The segmented regression's coefficients, its effect,
//!   counterfactual and reclaimed hours are `β_GLS` with
//!   `V = s² (X*'X*)⁻¹`: they are parameters of a model of the series, not
//!   an average a reader recomputes, and GLS is their efficient estimate
//!   under that model. `β_GLS` is the GLS estimate at the REML `ρ`, a fixed
//!   point in itself: no Cochrane–Orcutt iteration is involved. The fit
//!   equals statsmodels' `GLS(y, X, sigma=Ω(ρ)).fit()`, its `bse` times
//!   `√((T−k)/(T−k−1))` (checked in `its_matches_statsmodels`).
//!
//!   **DiD, its pre-trend and placebos, and the before/after difference are
//!   OLS with the AR(1) model-based variance.** These figures are defined as
//!   averages a reader can recompute: the DiD effect is "the average over
//!   the weeks after go-live of ATT(g, t), the treated workflow's change less
//!   the comparison workflows' change", the equally weighted mean of
//!   `group_time` (`mean(d after) − mean(d before)` in a balanced panel);
//!   the before/after difference is `mean(after weeks) − mean(before
//!   weeks)`; the pre-trend is the least-squares slope of the gap. GLS would
//!   reweight the weeks by their position in each run (for a mean, weeks
//!   inside a run in proportion to `(1 − ρ)²`, those at its ends to
//!   `1 − ρ`) and so report a different figure, one that moves with `ρ`. So
//!   the point estimate is OLS, `β = (X'X)⁻¹X'y`, exactly the definition
//!   whatever `ρ`, and its variance is what the same AR(1) model implies for
//!   it, `V = s² (X'X)⁻¹ X'ΩX (X'X)⁻¹ = s²/(1 − ρ²) · (X'X)⁻¹ X'RX (X'X)⁻¹`,
//!   `R_ij = ρ^{|i−j|}` inside a run and 0 across runs, with the `ρ` and
//!   `s²` of steps 1–3 (checked against numpy in `did_by_hand` and
//!   `ols_with_the_ar1_sandwich_matches_numpy`). It gives up a little
//!   efficiency under correlated weeks, not validity: on the simulated
//!   panels below it claims an effect as often as the GLS figure did.
//!
//!   With `ρ = 0` the two are the same fit, `s² (X'X)⁻¹`.
//!
//!   **Exact fits.** When the OLS lines pass through every week (`RSS ≤
//!   1e-20 |y|²`), `ρ` is 0 (there is no residual to estimate it from; the
//!   criterion's `ln RSS*` would be `−∞`), and `RSS*` is taken as at least
//!   `1e-20 |y|²` in `s²`: the coefficients' rounding error (about
//!   `1e-15 |y|`) then sits well inside an interval about `1e-10 |y|` wide,
//!   so that a figure measured exactly never rests on a zero-width interval
//!   around rounding noise ("clearly" nonzero, or a failed check). Every
//!   estimator gives finite figures or a null with its reason.
//!
//!   Why REML rather than the textbook moment estimate
//!   `ρ̂ = Σ e_t e_{t−1} / Σ e_t²` from the OLS residuals (pairs of
//!   consecutive weeks only): on series this short that estimate is biased
//!   towards 0 and below it (its mean is about −0.10 for 24 + 10 weeks and
//!   4 coefficients when `ρ = 0`), so its intervals are too narrow; re-estimating
//!   it from the GLS residuals until it settles (Cochrane–Orcutt) changed
//!   the rejection rates by half a point at most, and the small-sample
//!   correction `ρ̂ + (1 + 3ρ̂)/T` (Marriott & Pope 1954; Kendall 1954)
//!   removed only a fraction of the excess (table below). REML removes most
//!   of the bias in regressions with trends (Cheang & Reinsel 2000, JASA
//!   95:1173).
//!
//!
//! # Checks and the automatic choice
//!
//! - `pre_weeks`, `post_weeks`, `runs_before`, `runs_after`: the count
//!   against [`Settings`]; below it the estimator gives no figure.
//! - `pre_trends` (DiD only): the slope per week of the pre-period gap
//!   between the workflow and its comparisons, with its interval; fails
//!   when the interval excludes 0. Passing does not prove parallel trends
//!   (a short pre-period has little power), it only fails to refute them.
//! - `placebo`: the same estimator on pre-period data only, at
//!   `placebo_count` fake go-live weeks (see `placebo_weeks`); each
//!   placebo interval at the Bonferroni level `1 − (1 − level)/count`; the
//!   figure is the placebo estimate of largest size, with its interval;
//!   fails when any placebo interval excludes 0. Too few pre weeks: not
//!   checked.
//! - `residual_autocorrelation` (ITS only, informational, never passes or
//!   fails): the AR(1) correlation `ρ` of the weeks' distances from the
//!   fitted lines that the interval allows for. An ITS has no comparison,
//!   so no pre-trends check applies.
//!
//! A check that could not be run has not passed: [`Method::Auto`] uses DiD
//! only when all six of its checks passed, else the ITS when its five
//! gating checks passed, else the before/after difference.
//!
//! # The size of the intervals on short series
//!
//! How often a 95% interval excludes 0 when there is no effect at all
//! (the test `size_under_no_effect` with `SIZE_TRIALS=2000`: 2,000 pure-noise panels a
//! row, the treated workflow and 3 comparisons each independent uniform
//! noise, iid or AR(1) with `ρ = 0.4`; default settings), in %, nominal 5:
//!
//! | weeks pre + post, noise | ITS | DiD | ITS placebo | DiD placebo | pre-trends | before/after |
//! |---|---|---|---|---|---|---|
//! | 24 + 10, iid       | 5.1 | 4.8 |  6.9 | 6.2 | 6.2 | 5.2 |
//! | 24 + 10, ρ = 0.4   | 6.7 | 6.3 | 10.3 | 9.6 | 7.9 | 6.7 |
//! | 12 + 8, iid        | 5.8 | 6.5 |  8.5 | 4.7 | 5.7 | 6.5 |
//! | 12 + 8, ρ = 0.4    | 8.6 | 8.0 | 12.1 | 8.8 | 8.9 | 8.6 |
//!
//! (the placebo columns: the check failed, i.e. some placebo interval at
//! its Bonferroni level excluded 0). The GLS point estimates used before
//! for DiD, pre-trends and the before/after difference (the test refits
//! them on the same panels) gave DiD 5.0, 5.8, 6.8, 7.9; pre-trends 5.9,
//! 7.8, 6.5, 9.4; before/after 5.5, 6.7, 6.7, 8.3 (and DiD placebo 6.2,
//! 9.8, 5.5, 9.2); with 10,000 panels a row, DiD 5.4, 7.0, 6.2, 8.3 against
//! GLS 5.5, 6.9, 6.5, 8.3: keeping the definitions costs nothing in size.
//! On the same panels the Newey–West intervals used before gave ITS 12.8,
//! 20.9, 15.7, 24.1; DiD 10.1, 18.1, 9.4, 17.4; ITS placebo 28.8, 45.4,
//! 29.1, 40.1. Prais–Winsten with the moment estimate of `ρ` gave ITS 7.2,
//! 12.0, 9.4, 17.3 and DiD (GLS) 6.0, 9.6, 8.1, 13.0 (one step; iterated to convergence 7.3, 11.6, 9.7, 17.3
//! and 6.0, 9.4, 8.1, 12.9; iterated with the Marriott–Pope correction 7.2,
//! 10.1, 9.1, 15.2 and 5.8, 7.9, 7.5, 10.4). The Monte Carlo error of each
//! figure is about ±1 point (95%) at 2,000 panels, ±0.45 at 10,000; an
//! independent numpy simulation of the same regressions on single series
//! (4,000 draws a row) gave ITS 5.9, 8.1, 6.5, 9.0 and DiD (GLS) 5.2, 6.6,
//! 6.9, 7.8 for the four rows, and in a second run DiD 5.9, 6.8, 6.2, 8.6
//! by OLS with the AR(1) variance against 6.2, 6.8, 6.2, 8.8 by GLS.
//!
//! The intervals are still somewhat too narrow with correlated weeks, most
//! of all in the placebo check, whose regressions have 4 to 15 weeks a
//! side: there "clearly" means a little less than its level says. Turner
//! et al.'s simulation found every method's intervals too narrow on short
//! series (and preferred plain OLS below 12 points).
//!
//! Like the rest of `metrics`, no I/O.

use std::collections::BTreeMap;

use chrono::{Datelike, Duration, NaiveDate};
use serde::Serialize;

/// One ISO week of one workflow's metric.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct WeekPoint {
    /// The Monday of the week.
    pub week: NaiveDate,
    /// The week's mean or rate; `None` when nothing measurable happened that
    /// week (every estimator skips such weeks).
    pub value: Option<f64>,
    /// The items (runs) the value is over.
    pub n: u64,
}

/// The weekly series of one metric of one workflow.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Series {
    pub workflow_id: String,
    /// The Monday of the week containing go-live; `None` = never automated.
    pub go_live_week: Option<NaiveDate>,
    /// Sorted, consecutive weeks.
    pub points: Vec<WeekPoint>,
}

/// The estimator asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    /// Difference-in-differences when its checks pass, else the interrupted
    /// time series when its checks pass, else the before/after difference.
    Auto,
    /// The interrupted time series, whatever its checks say.
    Its,
    /// Difference-in-differences, whatever its checks say.
    Did,
    /// The before/after difference of weekly values; never an effect.
    Naive,
}

impl Method {
    /// The method's name in answers: `auto`, `its`, `did` or `naive`.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Auto => "auto",
            Method::Its => "its",
            Method::Did => "did",
            Method::Naive => "naive",
        }
    }
}

impl std::str::FromStr for Method {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "auto" => Ok(Method::Auto),
            "its" => Ok(Method::Its),
            "did" => Ok(Method::Did),
            "naive" => Ok(Method::Naive),
            other => Err(format!("method `{other}` is not auto, its, did or naive")),
        }
    }
}

/// What the estimators need to see before they give a figure.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Settings {
    /// Confidence level of every interval, e.g. 0.95.
    pub level: f64,
    /// Weeks with values needed before go-live.
    pub min_pre_weeks: usize,
    /// Weeks with values needed after go-live (the go-live week excluded).
    pub min_post_weeks: usize,
    /// Runs (Σ n) needed on each side.
    pub min_runs_per_side: u64,
    /// Anticipation horizon δ of a comparison workflow (Callaway &
    /// Sant'Anna's anticipation periods): it counts at week `t` only while
    /// `t < its go-live week − δ weeks`, since preparation, training and
    /// parallel running can move its figures before go-live. A workflow that
    /// goes live more than δ weeks after the last week analysed therefore
    /// counts throughout; with δ = 0 it drops out from its go-live week on.
    /// Negative values count as 0.
    pub control_lag_weeks: i64,
    /// Fake go-live dates tried by the placebo check.
    pub placebo_count: usize,
    /// At most this many calendar weeks after the go-live week are used;
    /// `None` = all.
    pub post_weeks: Option<usize>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            level: 0.95,
            min_pre_weeks: 8,
            min_post_weeks: 4,
            min_runs_per_side: 20,
            control_lag_weeks: 4,
            placebo_count: 3,
            post_weeks: None,
        }
    }
}

/// A figure with its standard error and interval, or why there is none.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Estimate {
    pub estimate: Option<f64>,
    /// The standard error `√(c'Vc)` under the AR(1) model (see the
    /// module's doc): for the ITS the Prais–Winsten feasible-GLS
    /// `V = s² (X*'X*)⁻¹`, for the others the OLS figure's
    /// `V = s² (X'X)⁻¹ X'ΩX (X'X)⁻¹`; `s² = RSS*/(T − k − 1)` either way.
    pub se: Option<f64>,
    pub low: Option<f64>,
    pub high: Option<f64>,
    /// Why the figure is null.
    pub reason: Option<String>,
}

impl Estimate {
    fn null(reason: impl Into<String>) -> Estimate {
        Estimate {
            estimate: None,
            se: None,
            low: None,
            high: None,
            reason: Some(reason.into()),
        }
    }

    /// `estimate ± q·se`.
    fn interval(estimate: f64, se: f64, q: f64) -> Estimate {
        Estimate {
            estimate: Some(estimate),
            se: Some(se),
            low: Some(estimate - q * se),
            high: Some(estimate + q * se),
            reason: None,
        }
    }

    /// Whether the interval lies wholly on one side of 0.
    fn excludes_zero(&self) -> bool {
        matches!((self.low, self.high), (Some(l), Some(h)) if l > 0.0 || h < 0.0)
    }
}

/// One check of an estimate.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Check {
    /// `pre_trends`, `placebo`, `pre_weeks`, `post_weeks`, `runs_before`,
    /// `runs_after` or (informational) `residual_autocorrelation`.
    pub name: String,
    pub figure: Option<f64>,
    pub low: Option<f64>,
    pub high: Option<f64>,
    /// `None` = could not be checked (or informational only).
    pub passed: Option<bool>,
    /// A sentence a finance reader understands.
    pub says: String,
}

/// One fake go-live of the placebo check.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Placebo {
    /// The fake go-live week (left out as a transition week).
    pub week: NaiveDate,
    /// The estimator's figure at that date, with its Bonferroni interval.
    pub effect: Estimate,
}

/// One post week of an interrupted time series, for charting.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct CounterfactualWeek {
    pub week: NaiveDate,
    pub n: u64,
    pub observed: f64,
    /// `b0 + b1·t + b2 + b3·(t − T0)`.
    pub fitted: f64,
    /// `b0 + b1·t`: the pre-period trend carried on.
    pub counterfactual: f64,
    /// The counterfactual's interval (of the trend line, not of a week).
    pub low: f64,
    pub high: f64,
}

/// An interrupted time series: the segmented regression
/// `y_t = b0 + b1·t + b2·D_t + b3·(t − T0)·D_t + e_t` (Wagner et al. 2002)
/// over the weeks with values, the go-live week left out, `D_t = 1` after
/// it and `T0` the go-live week's `t` (so `t − T0` is 1, 2, … in the post
/// weeks), fitted by Prais–Winsten AR(1) feasible GLS (see the module's
/// doc), so `b0..b3` are GLS estimates.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct ItsResult {
    pub workflow_id: String,
    pub go_live_week: Option<NaiveDate>,
    pub level: f64,
    /// Pre weeks with values used.
    pub weeks_before: usize,
    pub weeks_after: usize,
    /// Σ n over the weeks used.
    pub runs_before: u64,
    pub runs_after: u64,
    /// `b0`: the pre-period line at the first analysed week.
    pub intercept: Estimate,
    /// `b1`: the pre-period change per week.
    pub pre_slope: Estimate,
    /// `b2`: the jump between the two lines at the go-live week.
    pub level_change: Estimate,
    /// `b3`: the change in the change per week.
    pub slope_change: Estimate,
    /// Mean over post weeks of fitted − counterfactual,
    /// `b2 + b3·mean(t − T0)`, its variance `c'Vc`.
    pub effect: Estimate,
    pub counterfactual: Vec<CounterfactualWeek>,
    /// The weeks' AR(1) correlation `ρ` the interval allows for
    /// (Prais–Winsten, by restricted maximum likelihood), and the degrees of
    /// freedom `T − 5` (4 coefficients and `ρ`).
    pub rho: Option<f64>,
    pub df: Option<usize>,
    /// `b0..b3` and their covariance `V = s² (X*'X*)⁻¹`, for anyone
    /// re-deriving a figure.
    pub coefficients: Option<[f64; 4]>,
    pub covariance: Option<[[f64; 4]; 4]>,
    pub placebos: Vec<Placebo>,
    /// `placebo`, `pre_weeks`, `post_weeks`, `runs_before`, `runs_after`,
    /// and the informational `residual_autocorrelation`.
    pub checks: Vec<Check>,
    pub reason: Option<String>,
}

/// One post week of a difference-in-differences: ATT(g, t).
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct DidWeek {
    pub week: NaiveDate,
    pub estimate: f64,
    /// The comparison workflows used that week.
    pub controls: Vec<String>,
    /// The treated workflow's items that week.
    pub n: u64,
}

/// A difference-in-differences for one treated cohort against comparison
/// workflows not yet automated, week by week (Callaway & Sant'Anna 2021).
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct DidResult {
    pub workflow_id: String,
    /// The cohort `g`.
    pub go_live_week: Option<NaiveDate>,
    pub level: f64,
    /// Treated weeks with a value and at least one comparison value.
    pub weeks_before: usize,
    pub weeks_after: usize,
    /// The treated workflow's runs over those weeks.
    pub runs_before: u64,
    pub runs_after: u64,
    /// Comparison workflows used in at least one pre and one post week.
    pub controls: Vec<String>,
    pub group_time: Vec<DidWeek>,
    /// The equally weighted mean of the post weeks' ATT(g, t) (of
    /// `group_time`), whatever `rho`, with its AR(1) interval (see [`did`]).
    pub att: Estimate,
    /// Least-squares slope per week of the pre-period gap `d_t`, with its
    /// AR(1) interval.
    pub pre_trend: Estimate,
    /// The gap's AR(1) correlation `ρ` the ATT's interval allows for
    /// (Prais–Winsten, by restricted maximum likelihood), and the degrees of
    /// freedom `T − 3` (2 coefficients and `ρ`).
    pub rho: Option<f64>,
    pub df: Option<usize>,
    pub placebos: Vec<Placebo>,
    /// `pre_trends`, `placebo`, `pre_weeks`, `post_weeks`, `runs_before`,
    /// `runs_after`.
    pub checks: Vec<Check>,
    pub reason: Option<String>,
}

/// The answer: one figure, how it was obtained, and whether it is safe.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Impact {
    pub workflow_id: String,
    /// The method used: `its`, `did` or `naive`.
    pub method: String,
    /// The method asked for: `auto`, `its`, `did` or `naive`.
    pub asked: String,
    /// Why this method; for `auto`, which checks allowed it and which
    /// failed for the methods not chosen.
    pub why: String,
    pub estimate: Option<f64>,
    pub ci_low: Option<f64>,
    pub ci_high: Option<f64>,
    pub level: f64,
    pub verdict: String,
    /// An effect whose checks all passed; never a before/after difference.
    pub safe: bool,
    pub reason: Option<String>,
    pub weeks_before: usize,
    pub weeks_after: usize,
    pub runs_before: u64,
    pub runs_after: u64,
    pub controls: Vec<String>,
    /// The checks of the method used.
    pub checks: Vec<Check>,
    pub its: Option<ItsResult>,
    pub did: Option<DidResult>,
}

// ---------------------------------------------------------------------------
// Linear algebra and Prais–Winsten

/// A regression with AR(1) errors (see the module's doc): the
/// Prais–Winsten feasible-GLS fit ([`ar1_regression`]) or OLS with the AR(1)
/// model-based covariance ([`ar1_ols`]).
#[derive(Debug, Clone)]
struct Reg {
    /// The coefficients: GLS at `rho`, or OLS.
    beta: Vec<f64>,
    /// Their covariance: `s² (X*'X*)⁻¹` for GLS, the sandwich
    /// `s² (X'X)⁻¹ X'ΩX (X'X)⁻¹` for OLS.
    cov: Vec<Vec<f64>>,
    /// `s² = RSS*/(T − k − 1)`, the innovations' variance (of `u_t`).
    s2: f64,
    /// The errors' AR(1) coefficient, by restricted maximum likelihood.
    rho: f64,
    /// `T − k − 1`.
    df: usize,
    /// The OLS lines pass through every week (`ρ` is then 0 by convention).
    exact: bool,
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

fn mean(xs: &[f64]) -> f64 {
    xs.iter().sum::<f64>() / xs.len() as f64
}

/// `c'Vc`, never below 0 (rounding can make a zero variance slightly negative).
fn quad(c: &[f64], v: &[Vec<f64>]) -> f64 {
    let vc: Vec<f64> = v.iter().map(|row| dot(row, c)).collect();
    dot(c, &vc).max(0.0)
}

/// An OLS fit: `β`, `(X'X)⁻¹` and `ln |X'X|`.
struct Ols {
    beta: Vec<f64>,
    bread: Vec<Vec<f64>>,
    log_det: f64,
}

/// OLS of `y` on the columns `cols` by Householder QR (no normal
/// equations, so no squared condition number): `β = R⁻¹Q'y`,
/// `(X'X)⁻¹ = R⁻¹R⁻ᵀ` and `ln |X'X| = 2 Σ ln |r_ii|`. Errs when a column
/// is, to 1e-10 of its length, a combination of the others (`X'X`
/// singular).
fn ols(cols: &[Vec<f64>], y: &[f64]) -> Result<Ols, String> {
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
fn run_starts(t: &[i64]) -> Vec<bool> {
    (0..t.len())
        .map(|i| i == 0 || t[i] != t[i - 1] + 1)
        .collect()
}

/// The Prais–Winsten transform of one column, `P v`: a run's first row
/// times `√(1 − ρ²)`, every other row `v_t − ρ v_{t−1}`.
fn prais(v: &[f64], start: &[bool], rho: f64) -> Vec<f64> {
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
fn prais_slope(v: &[f64], start: &[bool], rho: f64) -> Vec<f64> {
    let first = -rho / (1.0 - rho * rho).sqrt();
    (0..v.len())
        .map(|i| if start[i] { first * v[i] } else { -v[i - 1] })
        .collect()
}

/// The GLS fit at a given `ρ`: OLS of `P y` on `P X`.
struct Gls {
    fit: Ols,
    /// `RSS* = |P(y − Xβ)|²`.
    rss: f64,
    /// `d/dρ` of the restricted criterion of [`reml_criterion`].
    slope: f64,
    criterion: f64,
}

/// The fit at `rho`, with the restricted (REML) criterion
/// `(T − k) ln RSS* − R ln(1 − ρ²) + ln |X*'X*|` (minus twice the
/// restricted log-likelihood with σ² profiled out, up to a constant; `R`
/// runs, each an independent stationary AR(1)) and its exact derivative.
fn reml_criterion(cols: &[Vec<f64>], y: &[f64], start: &[bool], rho: f64) -> Result<Gls, String> {
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
const RHO_BOUND: f64 = 0.95;

/// The restricted maximum likelihood estimate of `ρ` on
/// `[−0.95, 0.95]`: the best of a grid in steps of 0.05, narrowed by golden
/// section and finished by bisection on the criterion's exact derivative
/// (so that the figure is reproducible to about 1e-12, not just to the
/// flatness of the criterion). 0 when the OLS lines fit every week (no
/// residual to estimate it from).
fn reml_rho(cols: &[Vec<f64>], y: &[f64], start: &[bool], exact: bool) -> f64 {
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
fn columns(x: &[Vec<f64>]) -> Vec<Vec<f64>> {
    let k = x.first().map_or(0, Vec::len);
    (0..k).map(|j| x.iter().map(|r| r[j]).collect()).collect()
}

/// The residual sum of squares, relative to `|y|²`, at or below which the
/// lines count as passing through every week: `ρ` is then 0, and `RSS*` is
/// taken as at least this much in the standard errors, so that the
/// rounding error of an exact fit's coefficients (about `1e-15 |y|`) sits
/// well inside its interval.
const EXACT: f64 = 1e-20;

/// The Prais–Winsten fit at a given `rho` (see the module's doc).
fn prais_winsten_at(x: &[Vec<f64>], y: &[f64], t: &[i64], rho: f64) -> Result<Reg, String> {
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
fn ar1_regression(x: &[Vec<f64>], y: &[f64], t: &[i64]) -> Result<Reg, String> {
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
fn ar1_meat(x: &[Vec<f64>], t: &[i64], rho: f64) -> Vec<Vec<f64>> {
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
fn ar1_ols(x: &[Vec<f64>], y: &[f64], t: &[i64]) -> Result<Reg, String> {
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
fn linear(reg: &Reg, c: &[f64], q: f64) -> Estimate {
    Estimate::interval(dot(c, &reg.beta), quad(c, &reg.cov).sqrt(), q)
}

// ---------------------------------------------------------------------------
// Student's t

/// `ln Γ(x)` for `x > 0`: Lanczos' approximation (g = 7, 9 terms), about
/// 1e-15 relative.
fn ln_gamma(x: f64) -> f64 {
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
fn beta_fraction(x: f64, a: f64, b: f64) -> f64 {
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
fn inc_beta(x: f64, y: f64, a: f64, b: f64) -> f64 {
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
fn t_upper(t: f64, df: f64) -> f64 {
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
fn critical(level: f64, df: usize) -> Result<f64, String> {
    t_quantile(0.5 + level / 2.0, df as f64)
        .ok_or_else(|| format!("no t quantile for level {level} with {df} degrees of freedom"))
}

// ---------------------------------------------------------------------------
// Weeks and words

/// One analysed week.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Obs {
    week: NaiveDate,
    y: f64,
    n: u64,
}

/// The two sides of a workflow's go-live, the go-live week left out.
struct Sides {
    go_live: NaiveDate,
    pre: Vec<Obs>,
    post: Vec<Obs>,
}

/// The Monday of `d`'s ISO week.
fn monday(d: NaiveDate) -> NaiveDate {
    d - Duration::days(i64::from(d.weekday().num_days_from_monday()))
}

/// Whole weeks from Monday `a` to Monday `b`.
fn weeks_from(a: NaiveDate, b: NaiveDate) -> i64 {
    (b - a).num_days().div_euclid(7)
}

/// `week` shifted by `k` weeks.
fn add_weeks(week: NaiveDate, k: i64) -> NaiveDate {
    week + Duration::weeks(k)
}

/// The weeks of a series with a finite value, one per Monday, in order.
fn observed(series: &Series) -> Vec<Obs> {
    let mut by_week: BTreeMap<NaiveDate, Obs> = BTreeMap::new();
    for p in &series.points {
        if let Some(y) = p.value.filter(|v| v.is_finite()) {
            let week = monday(p.week);
            by_week.entry(week).or_insert(Obs { week, y, n: p.n });
        }
    }
    by_week.into_values().collect()
}

fn check_level(level: f64) -> Result<(), String> {
    if level > 0.0 && level < 1.0 {
        Ok(())
    } else {
        Err(format!("the level must lie between 0 and 1, not {level}"))
    }
}

/// The pre and post weeks of a series (see the module's doc).
fn sides(series: &Series, s: &Settings) -> Result<Sides, String> {
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

fn runs(obs: &[Obs]) -> u64 {
    obs.iter().map(|o| o.n).sum()
}

/// "1 week", "3 weeks".
fn weeks(n: usize) -> String {
    if n == 1 {
        "1 week".to_string()
    } else {
        format!("{n} weeks")
    }
}

/// What the weeks and runs lack for `who`, in words (`extra` qualifies the
/// weeks counted); `None` when they suffice. At least one week a side is
/// always needed.
fn shortfall(pre: &[Obs], post: &[Obs], s: &Settings, extra: &str, who: &str) -> Option<String> {
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
fn num(x: f64, scale: f64) -> String {
    let m = scale.abs();
    let decimals = if m > 0.0 && m.is_finite() {
        (2 - m.log10().floor() as i64).clamp(0, 6) as usize
    } else {
        2
    };
    format!("{x:.decimals$}")
}

/// "+4.10 [1.20, 7.00]".
fn ci_text(e: &Estimate) -> String {
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
fn pct(level: f64) -> String {
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
fn count_checks(
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

fn wk(n: usize) -> String {
    format!("{} of data", weeks(n))
}

fn rn(n: u64) -> String {
    if n == 1 {
        "1 run".to_string()
    } else {
        format!("{n} runs")
    }
}

/// Half the pre-weeks setting (at least 2): the weeks a placebo needs on
/// each side of its fake go-live.
fn placebo_half(s: &Settings) -> usize {
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
fn placebo_weeks(pre: &[NaiveDate], s: &Settings) -> Result<Vec<NaiveDate>, String> {
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
fn placebo_settings(s: &Settings, count: usize) -> Settings {
    let half = placebo_half(s);
    Settings {
        level: 1.0 - (1.0 - s.level) / count.max(1) as f64,
        min_pre_weeks: half,
        min_post_weeks: half,
        min_runs_per_side: 0,
        control_lag_weeks: s.control_lag_weeks,
        placebo_count: 0,
        post_weeks: None,
    }
}

/// The placebo check: `run` is the estimator on pre-period data only with a
/// fake go-live week, its intervals named `kind` ("Prais–Winsten AR(1)"). The figure is the placebo estimate of largest size,
/// with its interval; the check fails when any placebo interval excludes 0.
fn placebo_check(
    pre: &[NaiveDate],
    s: &Settings,
    kind: &str,
    run: &dyn Fn(NaiveDate, &Settings) -> Estimate,
) -> (Vec<Placebo>, Check) {
    let unchecked = |why: String| Check {
        name: "placebo".to_string(),
        figure: None,
        low: None,
        high: None,
        passed: None,
        says: format!("the placebo check could not be run: {why}"),
    };
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
fn problems(checks: &[Check]) -> Vec<String> {
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
fn headline(checks: &[Check]) -> Option<String> {
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

// ---------------------------------------------------------------------------
// Interrupted time series

/// The fitted segmented regression behind an [`ItsResult`].
struct ItsModel {
    reg: Reg,
    /// The post weeks and their `t`.
    post: Vec<(Obs, f64)>,
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
fn its_model(treated: &Series, s: &Settings) -> (ItsResult, Option<ItsModel>) {
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
fn autocorrelation_check(model: Option<&ItsModel>) -> Check {
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
fn its_checked(treated: &Series, s: &Settings) -> (ItsResult, Option<ItsModel>) {
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

fn unchecked_placebo(why: &str) -> Check {
    Check {
        name: "placebo".to_string(),
        figure: None,
        low: None,
        high: None,
        passed: None,
        says: format!("the placebo check could not be run: {why}"),
    }
}

/// `series` reduced to the weeks `pre`, with a fake go-live week.
fn pre_only(series: &Series, pre: &[Obs], fake: NaiveDate) -> Series {
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
fn reclaimed_hours(r: &ItsResult, model: Option<&ItsModel>, s: &Settings) -> Estimate {
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

// ---------------------------------------------------------------------------
// Difference-in-differences

/// A comparison workflow: its values by week and the first week it no
/// longer counts (go-live − δ).
struct Control {
    id: String,
    values: BTreeMap<NaiveDate, f64>,
    cutoff: Option<NaiveDate>,
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
fn pool(
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
struct DidData {
    /// The pre weeks used and the gap `d_t` there.
    pre: Vec<(Obs, f64)>,
    /// The treated workflow's pre weeks with values (placebo data).
    treated_pre: Vec<Obs>,
    go_live: NaiveDate,
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
fn control_mean(used: &[(&Control, f64)], week: NaiveDate) -> Option<(f64, f64, Vec<String>)> {
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
fn did_model(
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
fn pre_trend(data: &DidData, s: &Settings) -> Estimate {
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

fn pre_trends_check(e: &Estimate) -> Check {
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
fn did_placebos(
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

// ---------------------------------------------------------------------------
// Before/after difference

/// The before/after difference of weekly values, `mean(post weeks) −
/// mean(pre weeks)` exactly: the OLS coefficient of a post dummy, with its
/// AR(1) interval ([`ar1_ols`]; see the module's doc). Not an effect.
struct NaiveFit {
    estimate: Estimate,
    weeks: (usize, usize),
    runs: (u64, u64),
    checks: Vec<Check>,
}

fn naive(treated: &Series, s: &Settings) -> NaiveFit {
    let sides = match sides(treated, s) {
        Ok(x) => x,
        Err(e) => {
            return NaiveFit {
                estimate: Estimate::null(e),
                weeks: (0, 0),
                runs: (0, 0),
                checks: count_checks((0, 0), (0, 0), s, ""),
            }
        }
    };
    let w = (sides.pre.len(), sides.post.len());
    let n = (runs(&sides.pre), runs(&sides.post));
    let who = "the before/after difference";
    let estimate = match shortfall(&sides.pre, &sides.post, s, "", who) {
        Some(e) => Estimate::null(e),
        None => {
            let all: Vec<&Obs> = sides.pre.iter().chain(&sides.post).collect();
            let x: Vec<Vec<f64>> = all
                .iter()
                .map(|o| vec![1.0, if o.week > sides.go_live { 1.0 } else { 0.0 }])
                .collect();
            let y: Vec<f64> = all.iter().map(|o| o.y).collect();
            let t: Vec<i64> = all
                .iter()
                .map(|o| weeks_from(sides.pre[0].week, o.week))
                .collect();
            match ar1_ols(&x, &y, &t).and_then(|r| Ok((critical(s.level, r.df)?, r))) {
                Ok((q, reg)) => linear(&reg, &[0.0, 1.0], q),
                Err(e) => Estimate::null(e),
            }
        }
    };
    NaiveFit {
        estimate,
        weeks: w,
        runs: n,
        checks: count_checks(w, n, s, ""),
    }
}

// ---------------------------------------------------------------------------
// The answer

/// The method chosen and what it says.
struct Pick {
    method: &'static str,
    estimate: Estimate,
    weeks: (usize, usize),
    runs: (u64, u64),
    controls: Vec<String>,
    checks: Vec<Check>,
    /// What an interval below 0 and one above 0 say.
    signs: (&'static str, &'static str),
}

/// The verdicts of an interval wholly below or above 0.
const LOWER_HIGHER: (&str, &str) = ("lower, clearly", "higher, clearly");

impl Pick {
    fn its(r: &ItsResult) -> Pick {
        Pick {
            method: "its",
            estimate: r.effect.clone(),
            weeks: (r.weeks_before, r.weeks_after),
            runs: (r.runs_before, r.runs_after),
            controls: Vec::new(),
            checks: r.checks.clone(),
            signs: LOWER_HIGHER,
        }
    }

    fn did(r: &DidResult) -> Pick {
        Pick {
            method: "did",
            estimate: r.att.clone(),
            weeks: (r.weeks_before, r.weeks_after),
            runs: (r.runs_before, r.runs_after),
            controls: r.controls.clone(),
            checks: r.checks.clone(),
            signs: LOWER_HIGHER,
        }
    }

    fn naive(r: NaiveFit) -> Pick {
        Pick {
            method: "naive",
            estimate: r.estimate,
            weeks: r.weeks,
            runs: r.runs,
            controls: Vec::new(),
            checks: r.checks,
            signs: LOWER_HIGHER,
        }
    }

    /// An effect with every gating check passed.
    fn safe(&self) -> bool {
        self.method != "naive"
            && self.estimate.estimate.is_some()
            && problems(&self.checks).is_empty()
    }

    /// Why this pick could not be used, in words.
    fn objections(&self) -> String {
        match &self.estimate.reason {
            Some(r) if self.estimate.estimate.is_none() => r.clone(),
            _ => problems(&self.checks).join("; "),
        }
    }
}

/// `signs.0` ("lower, clearly") for an interval wholly below 0, `signs.1`
/// ("higher, clearly") for one wholly above, else "no clear change".
fn direction(e: &Estimate, signs: (&'static str, &'static str)) -> &'static str {
    match (e.low, e.high) {
        (Some(_), Some(h)) if h < 0.0 => signs.0,
        (Some(l), Some(_)) if l > 0.0 => signs.1,
        _ => "no clear change",
    }
}

fn verdict(pick: &Pick, auto: bool) -> String {
    if pick.estimate.estimate.is_none() {
        let reason = pick.estimate.reason.clone().unwrap_or_default();
        return format!("too little data: {reason}");
    }
    let way = direction(&pick.estimate, pick.signs);
    if pick.method == "naive" {
        let base = if auto {
            "no method's checks passed: this is a before/after difference, not an effect"
        } else {
            "this is a before/after difference, not an effect"
        };
        return format!("{base} (before/after: {way})");
    }
    match headline(&pick.checks) {
        Some(h) => format!("{h}: the estimate is not safe"),
        None => way.to_string(),
    }
}

fn impact(
    treated: &Series,
    asked: Method,
    pick: Pick,
    why: String,
    its: Option<ItsResult>,
    did: Option<DidResult>,
    s: &Settings,
) -> Impact {
    let verdict = verdict(&pick, asked == Method::Auto);
    Impact {
        workflow_id: treated.workflow_id.clone(),
        method: pick.method.to_string(),
        asked: asked.as_str().to_string(),
        why,
        estimate: pick.estimate.estimate,
        ci_low: pick.estimate.low,
        ci_high: pick.estimate.high,
        level: s.level,
        verdict,
        safe: pick.safe(),
        reason: pick.estimate.reason.clone(),
        weeks_before: pick.weeks.0,
        weeks_after: pick.weeks.1,
        runs_before: pick.runs.0,
        runs_after: pick.runs.1,
        controls: pick.controls,
        checks: pick.checks,
        its,
        did,
    }
}

/// The impact of `treated`'s automation by `method`.
///
/// [`Method::Auto`] computes both estimators and uses, in order: the
/// difference-in-differences when it has comparison workflows and its
/// `pre_trends`, `placebo`, weeks and runs checks all passed; else the
/// interrupted time series when its `placebo`, weeks and runs checks all
/// passed; else the before/after difference, whose verdict says it is not
/// causal. A check that could not be run has not passed. `why` names the
/// checks that failed for each method not chosen.
///
/// An explicit method is computed whatever its checks say, but is `safe`
/// only when they all passed, and its verdict then names the first that did
/// not ("pre-trends differ: the estimate is not safe"). The before/after
/// difference is never safe. Verdicts: "lower, clearly" / "higher, clearly"
/// when the interval excludes 0, else "no clear change"; a null estimate
/// gives "too little data: …" with the reason.
pub fn estimate(
    method: Method,
    treated: &Series,
    candidates: &[Series],
    controls: Option<&[String]>,
    s: &Settings,
) -> Impact {
    match method {
        Method::Its => {
            let r = its(treated, s);
            let why = "asked for the interrupted time series".to_string();
            impact(treated, method, Pick::its(&r), why, Some(r), None, s)
        }
        Method::Did => {
            let r = did(treated, candidates, controls, s);
            let why = "asked for difference-in-differences".to_string();
            impact(treated, method, Pick::did(&r), why, None, Some(r), s)
        }
        Method::Naive => {
            let why = "asked for the before/after difference".to_string();
            impact(
                treated,
                method,
                Pick::naive(naive(treated, s)),
                why,
                None,
                None,
                s,
            )
        }
        Method::Auto => auto(treated, candidates, controls, s),
    }
}

/// The answer row for "reclaimed hours against the counterfactual", for
/// the metric "human minutes per item" (`treated` is that series; the
/// caller decides it is): the [`its_reclaimed_hours`] of the interrupted
/// time series on it, `Σ_post n_t (counterfactual_t − observed_t) / 60`,
/// with its interval. Never difference-in-differences: a comparison
/// workflow's minutes are not this workflow's counterfactual.
///
/// `method` and `asked` are `its`; the weeks, runs and checks are the
/// ITS's, and `safe` follows the same rule as an ITS estimate (every
/// gating check passed). The verdict reads the sign as hours: "hours
/// reclaimed, clearly" when the interval lies above 0, "hours lost,
/// clearly" when below, else "no clear change"; "too little data: …" with
/// the reason when there is no figure, and the first check that did not
/// pass followed by ": the estimate is not safe" ("a fake go-live shows an
/// effect: the estimate is not safe") when a check did not pass.
pub fn reclaimed(treated: &Series, s: &Settings) -> Impact {
    let (r, model) = its_checked(treated, s);
    let pick = Pick {
        estimate: reclaimed_hours(&r, model.as_ref(), s),
        signs: ("hours lost, clearly", "hours reclaimed, clearly"),
        ..Pick::its(&r)
    };
    let why = "reclaimed hours: the sum over the post weeks of items × (counterfactual − observed human minutes per item) / 60, the counterfactual being the pre-period trend of the interrupted time series on human minutes per item carried on; never difference-in-differences, since a comparison workflow's minutes are not this workflow's counterfactual".to_string();
    impact(treated, Method::Its, pick, why, Some(r), None, s)
}

fn auto(
    treated: &Series,
    candidates: &[Series],
    controls: Option<&[String]>,
    s: &Settings,
) -> Impact {
    let d = did(treated, candidates, controls, s);
    let i = its(treated, s);
    let (pd, pi) = (Pick::did(&d), Pick::its(&i));
    let names = |p: &Pick| {
        p.checks
            .iter()
            .filter(|c| c.passed.is_some())
            .map(|c| c.name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let (pick, why) = if pd.safe() {
        let why = format!(
            "difference-in-differences against {} comparison workflow(s) ({}): its checks passed ({})",
            d.controls.len(),
            d.controls.join(", "),
            names(&pd)
        );
        (pd, why)
    } else if pi.safe() {
        let why = format!(
            "interrupted time series: its checks passed ({}); difference-in-differences was not used: {}",
            names(&pi),
            pd.objections()
        );
        (pi, why)
    } else {
        let why = format!(
            "before/after difference: difference-in-differences was not used: {}; the interrupted time series was not used: {}",
            pd.objections(),
            pi.objections()
        );
        (Pick::naive(naive(treated, s)), why)
    };
    impact(treated, Method::Auto, pick, why, Some(i), Some(d), s)
}

#[cfg(test)]
mod tests {
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
            0.8, -0.3, 0.5, -1.1, 0.2, 0.9, -0.6, 0.1, -0.4, 1.2, -0.8, 0.3, 0.6, -0.2, -0.9, 0.4,
            1.0, -0.5, 0.2, -0.7,
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
            0.8, -0.3, 0.5, -1.1, 0.2, 0.9, -0.6, 0.1, -0.4, 1.2, -0.8, 0.3, 0.6, -0.2, -0.9, 0.4,
            1.0, -0.5, 0.2, -0.7,
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
}
