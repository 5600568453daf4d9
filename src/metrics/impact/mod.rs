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
    /// What an interval wholly below 0 and one wholly above say; `None`:
    /// "lower, clearly" and "higher, clearly". An outcome measure says
    /// "better" or "worse" by its declared direction.
    #[serde(skip)]
    #[schemars(skip)]
    pub signs: Option<(&'static str, &'static str)>,
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
            signs: None,
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

mod did;
mod its;
mod series;
mod stats;

use its::*;
use series::*;
use stats::*;

pub use did::did;
pub use its::{its, its_reclaimed_hours};
pub use stats::t_quantile;

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
    let pick = Pick {
        signs: s.signs.unwrap_or(pick.signs),
        ..pick
    };
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
mod tests;
