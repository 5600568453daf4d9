//! The engine seam: what the reports ask of whatever runs the metric SQL.
//!
//! Implementations: the embedded DuckDB file (`store::Store`, the default; the
//! server reads it as `store::Incremental`, which keeps per-workflow parts),
//! and [`spark::SparkEngine`], Spark through Spark Connect over a lake
//! snapshot (`crate::lake`). Both run the definitions in `queries/` (Spark its
//! `*.spark.sql` variant beside each DuckDB file) and hand back the same
//! DataFrames and rows; nothing above this trait knows which one ran.
//!
//! The seam is one-way: this module owns the trait, its error, the period
//! bounds both engines bind, the kept parts ([`parts`]) and [`delegate`],
//! which writes the methods of an implementation that only hands calls on;
//! the store implements it (`store/engine.rs`) and this module imports
//! nothing of the store.

pub mod follow;
pub mod parts;
pub mod spark;

use chrono::NaiveDateTime;
use polars::prelude::DataFrame;

use crate::model::{CatalogueEntry, RunSample, WorkflowSummary};

pub use parts::{Partials, Parts, Version, Versions};

/// Why an engine could not answer.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// The engine itself failed (DuckDB, Spark through Spark Connect, the
    /// lake it reads); the text says which and why, as the engine gave it.
    #[error("{0}")]
    Failed(String),
    #[error("unexpected query result: {0}")]
    Shape(String),
    /// This engine cannot answer that (yet); the text says why and what to use.
    #[error("{0}")]
    Unsupported(String),
    #[error("dataframe error: {0}")]
    Frame(#[from] polars::error::PolarsError),
}

pub type Result<T, E = EngineError> = std::result::Result<T, E>;

/// What an engine without segments answers to one.
/// [`Engine::segmented_period_query`] of an engine that cannot segment:
/// the query unsegmented, or the refusal.
pub fn unsegmented(
    engine: &dyn Engine,
    query: &PeriodQuery,
    from: NaiveDateTime,
    to: NaiveDateTime,
    workflows: &[String],
    segments: &crate::segments::Segments,
) -> Result<DataFrame> {
    if !segments.is_empty() {
        return Err(no_segments());
    }
    engine.period_query(query, from, to, workflows)
}

fn no_segments() -> EngineError {
    EngineError::Unsupported(
        "segments and filters on attributes (by, where) are computed by DuckDB (the file or the \
         lake); this engine cannot yet"
            .into(),
    )
}

/// One workflow's runs by segment: the segment as the SQL gives it (the JSON
/// text of its values, see `segment_of` in `queries/schema.sql`; `None`
/// when not segmented) and its sample.
pub type BySegment = Vec<(Option<String>, RunSample)>;

/// One run's value of an outcome.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutcomeValue {
    /// The (workflow, outcome) pair's position in the request.
    pub pair: usize,
    /// The run's anchor in microseconds.
    pub anchor_us: i64,
    /// The value's text, as the run's attributes hold it.
    pub value: String,
    /// Segmented: the run's segment as the SQL gives it (see
    /// [`crate::segments::Segments::values_of`]); `None` when not segmented.
    pub segment: Option<String>,
    /// A time study's recorded value (its observation time as the anchor),
    /// not a run's: the whole study, in every segment.
    pub study: bool,
}

/// The (workflow, outcome name) pairs as both engines' `outcomes/values`
/// query binds them: the JSON list of `[workflow_id, name]` (a pair's
/// position is its `k`), and the names, sorted and distinct (one query
/// each).
pub(crate) fn outcome_pairs(pairs: &[(String, String)]) -> (String, Vec<&str>) {
    let list: Vec<[&str; 2]> = pairs
        .iter()
        .map(|(w, n)| [w.as_str(), n.as_str()])
        .collect();
    let list = serde_json::to_string(&list).expect("strings serialise");
    let mut names: Vec<&str> = pairs.iter().map(|(_, n)| n.as_str()).collect();
    names.sort_unstable();
    names.dedup();
    (list, names)
}

/// Whose runs a query reads, and as the data stood when: the current runs
/// of `workflows` (`None`: every workflow) as of `as_of` (`None`: now).
#[derive(Debug, Clone, Copy, Default)]
pub struct Scope<'a> {
    pub workflows: Option<&'a [String]>,
    pub as_of: Option<NaiveDateTime>,
}

impl<'a> Scope<'a> {
    /// The reports' reading of a list of workflows: empty is every workflow.
    pub fn of(workflows: &'a [String], as_of: Option<NaiveDateTime>) -> Self {
        let workflows = (!workflows.is_empty()).then_some(workflows);
        Scope { workflows, as_of }
    }

    /// `workflows` (`None`: every workflow) as the data stands now.
    pub fn now(workflows: Option<&'a [String]>) -> Self {
        Scope {
            workflows,
            as_of: None,
        }
    }

    /// The workflows as both engines bind them: comma-separated, `None` for
    /// every workflow.
    pub fn list(&self) -> Option<String> {
        self.workflows.map(|w| w.join(","))
    }
}

/// The tables a report needs, from one engine.
pub trait Engine: Send + Sync {
    /// The catalogue as of a moment (`None`: now) with each workflow's B.
    fn catalogue(&self, as_of: Option<NaiveDateTime>) -> Result<Vec<CatalogueEntry>>;

    /// The earliest and latest anchor of the current runs, if there are runs.
    fn run_span(&self) -> Result<Option<(NaiveDateTime, NaiveDateTime)>>;

    /// The metric tables of the consecutive periods `[bounds[i], bounds[i+1])`,
    /// one DataFrame per period whose columns are the fields of `report
    /// metrics`, in order.
    fn metric_frames(
        &self,
        bounds: &[NaiveDateTime],
        leak_horizon_days: f64,
        scope: Scope<'_>,
    ) -> Result<Vec<DataFrame>>;

    /// The evidence of some workflows' comparisons: their time-study
    /// observations, ordered by workflow and then in a fixed order, and their
    /// runs anchored in `[from, to)` (`from` `None`: every run before `to`),
    /// one sample per workflow in the order of `workflow_ids` (each in any
    /// order: see `RunSample::canonical`).
    fn compare_evidence(
        &self,
        workflow_ids: &[String],
        from: Option<NaiveDateTime>,
        to: NaiveDateTime,
        as_of: Option<NaiveDateTime>,
    ) -> Result<(DataFrame, Vec<RunSample>)>;

    /// The catalogue as of a moment (`None`: now) with the size of each
    /// workflow's evidence (current runs, time-study observations).
    fn workflows(&self, as_of: Option<NaiveDateTime>) -> Result<Vec<WorkflowSummary>>;

    /// Per step of one workflow's runs anchored in `[from, to)`: n, work,
    /// wait and their shares of cycle time (`queries/steps/report.sql`).
    fn steps_frame(
        &self,
        workflow_id: &str,
        from: NaiveDateTime,
        to: NaiveDateTime,
    ) -> Result<DataFrame>;

    /// The backlog's evidence as of a moment: the candidates (observed, not
    /// automated) and the residual human share of each automated workflow
    /// (`queries/backlog/`).
    fn backlog_frames(&self, as_of: Option<NaiveDateTime>) -> Result<(DataFrame, DataFrame)>;

    /// A dashboard's own query over the current runs of some workflows
    /// anchored in `[from, to)`, in this engine's dialect.
    fn period_query(
        &self,
        query: &PeriodQuery,
        from: NaiveDateTime,
        to: NaiveDateTime,
        workflows: &[String],
    ) -> Result<DataFrame>;

    /// A [`PeriodQuery`] segmented and filtered by the runs' attributes
    /// (`segments`): its DuckDB text binds three more parameters, `$4` the
    /// segment's paths, `$5` and `$6` the filter's paths and values (each
    /// NULL when not segmented or filtered; see `segment_of` and
    /// `attributes_match` in `queries/schema.sql`), and returns a column
    /// `segment` (the JSON text of the segment's values, null when not
    /// segmented). An engine that cannot segment answers the unsegmented
    /// query (its text returns `segment` null; see [`unsegmented`]) and
    /// refuses a segment. No default: the DuckDB text binds six
    /// parameters, so a wrapper handing on `period_query` alone would
    /// fail at run time.
    fn segmented_period_query(
        &self,
        query: &PeriodQuery,
        from: NaiveDateTime,
        to: NaiveDateTime,
        workflows: &[String],
        segments: &crate::segments::Segments,
    ) -> Result<DataFrame>;

    /// Reclaimed money in the reporting currency `currency`, per period of
    /// `[bounds[i], bounds[i+1])`, workflow and exchange rate used
    /// (`queries/metrics/reporting_money.sql`): columns period_start,
    /// workflow_id, currency, rate_date, rate (null: no rate), runs, money
    /// (in `currency` of the row, before conversion).
    fn reporting_money(
        &self,
        bounds: &[NaiveDateTime],
        scope: Scope<'_>,
        currency: &str,
    ) -> Result<DataFrame>;

    /// Reclaimed hours from gross to net per workflow for `[from, to)`
    /// (`queries/metrics/waterfall.sql`): columns workflow_id, runs,
    /// succeeded, escalated, failed, by_hand, gross_hours,
    /// human_succeeded_hours, human_escalated_hours, failed_hours.
    fn waterfall_frame(
        &self,
        from: NaiveDateTime,
        to: NaiveDateTime,
        scope: Scope<'_>,
    ) -> Result<DataFrame>;

    /// Where the metric table of `[from, to)` comes from
    /// (`queries/metrics/provenance.sql`): per workflow with runs, and a
    /// last row for all (workflow_id null), the days with runs, the first
    /// and last anchor, the batches behind the runs, the rows they rejected,
    /// the newest one's receipt, and (last row) the newest batch of all.
    fn provenance_frame(
        &self,
        from: NaiveDateTime,
        to: NaiveDateTime,
        scope: Scope<'_>,
    ) -> Result<DataFrame>;

    /// The kept per-workflow parts of answers, with the versions of the data
    /// now, where this engine keeps them (see [`parts`]).
    fn parts(&self) -> Option<Parts<'_>> {
        None
    }

    /// [`Engine::metric_frames`] segmented and filtered by the runs'
    /// attributes (`segments`): a row per period, workflow and segment, the
    /// last column `segment` (the JSON text of the segment's values, see
    /// `segment_of` in `queries/schema.sql`; null for a workflow without
    /// runs). An engine that cannot says so.
    fn segment_frames(
        &self,
        _bounds: &[NaiveDateTime],
        _leak_horizon_days: f64,
        _scope: Scope<'_>,
        _segments: &crate::segments::Segments,
    ) -> Result<Vec<DataFrame>> {
        Err(no_segments())
    }

    /// [`Engine::compare_evidence`] segmented and filtered by the runs'
    /// attributes: per workflow (in the order of `workflow_ids`) a sample
    /// per segment, ordered by the segment's text.
    fn segment_evidence(
        &self,
        _workflow_ids: &[String],
        _from: Option<NaiveDateTime>,
        _to: NaiveDateTime,
        _as_of: Option<NaiveDateTime>,
        _segments: &crate::segments::Segments,
    ) -> Result<(DataFrame, Vec<BySegment>)> {
        Err(no_segments())
    }

    /// The outcome values of runs (`queries/outcomes/values.sql`): for each
    /// (workflow, outcome name) of `pairs`, the current runs as of `as_of`
    /// anchored in `[from, to)` (from the first run when `from` is `None`)
    /// that carry it and match the segments' filter, with their segment;
    /// and the values the workflow's time studies recorded.
    fn outcome_values(
        &self,
        _pairs: &[(String, String)],
        _from: Option<NaiveDateTime>,
        _to: NaiveDateTime,
        _as_of: Option<NaiveDateTime>,
        _segments: &crate::segments::Segments,
    ) -> Result<Vec<OutcomeValue>> {
        Err(EngineError::Unsupported(
            "outcomes are measured by DuckDB (the file or the lake); this engine cannot yet".into(),
        ))
    }

    /// The metric table of one period `[from, to)`.
    fn metric_frame(
        &self,
        from: NaiveDateTime,
        to: NaiveDateTime,
        leak_horizon_days: f64,
        scope: Scope<'_>,
    ) -> Result<DataFrame> {
        let mut frames = self.metric_frames(&[from, to], leak_horizon_days, scope)?;
        frames
            .pop()
            .ok_or_else(|| EngineError::Shape("one period gave no metric table".into()))
    }
}

/// Implements methods of [`Engine`] by handing each call on, unchanged, to
/// what `via(self)` gives (another engine, or a store whose methods of the
/// same names fail with errors that convert into [`EngineError`]); `self`
/// instead of a path hands each call to the implementing type's own inherent
/// methods. An implementation names the methods it hands on and writes the
/// others (and [`Engine::parts`], which only a borrowed `via` can hand on).
/// Each call handed on ends in `?`, which turns a store's error into the
/// engine's (for an engine it changes nothing, hence the allowed lint):
///
/// ```ignore
/// impl Engine for Following {
///     yardstick::engine::delegate!(Following::engine => catalogue, run_span);
///     // ...the rest written out
/// }
/// ```
#[doc(hidden)]
#[macro_export]
macro_rules! __engine_delegate {
    (self => $($method:ident),+ $(,)?) => {
        $( $crate::__engine_delegate!(@one ::std::convert::identity, $method); )+
    };
    ($via:path => $($method:ident),+ $(,)?) => {
        $( $crate::__engine_delegate!(@one $via, $method); )+
    };
    // Each method's parameters and answer, once (the trait's own signature,
    // with full paths but for the prelude's `Option`, `Vec` and `String`);
    // `@fn` writes the method from them.
    (@one $v:path, catalogue) => { $crate::__engine_delegate!(@fn $v, catalogue(
        as_of: Option<::chrono::NaiveDateTime>,
        ) -> Vec<$crate::model::CatalogueEntry>); };
    (@one $v:path, workflows) => { $crate::__engine_delegate!(@fn $v, workflows(
        as_of: Option<::chrono::NaiveDateTime>,
        ) -> Vec<$crate::model::WorkflowSummary>); };
    (@one $v:path, run_span) => { $crate::__engine_delegate!(@fn $v, run_span(
        ) -> Option<(::chrono::NaiveDateTime, ::chrono::NaiveDateTime)>); };
    (@one $v:path, metric_frames) => { $crate::__engine_delegate!(@fn $v, metric_frames(
        bounds: &[::chrono::NaiveDateTime], leak_horizon_days: f64,
        scope: $crate::engine::Scope<'_>,
        ) -> Vec<::polars::prelude::DataFrame>); };
    (@one $v:path, segment_frames) => { $crate::__engine_delegate!(@fn $v, segment_frames(
        bounds: &[::chrono::NaiveDateTime], leak_horizon_days: f64,
        scope: $crate::engine::Scope<'_>, segments: &$crate::segments::Segments,
        ) -> Vec<::polars::prelude::DataFrame>); };
    (@one $v:path, compare_evidence) => { $crate::__engine_delegate!(@fn $v, compare_evidence(
        workflow_ids: &[String], from: Option<::chrono::NaiveDateTime>,
        to: ::chrono::NaiveDateTime, as_of: Option<::chrono::NaiveDateTime>,
        ) -> (::polars::prelude::DataFrame, Vec<$crate::model::RunSample>)); };
    (@one $v:path, segment_evidence) => { $crate::__engine_delegate!(@fn $v, segment_evidence(
        workflow_ids: &[String], from: Option<::chrono::NaiveDateTime>,
        to: ::chrono::NaiveDateTime, as_of: Option<::chrono::NaiveDateTime>,
        segments: &$crate::segments::Segments,
        ) -> (::polars::prelude::DataFrame, Vec<$crate::engine::BySegment>)); };
    (@one $v:path, outcome_values) => { $crate::__engine_delegate!(@fn $v, outcome_values(
        pairs: &[(String, String)], from: Option<::chrono::NaiveDateTime>,
        to: ::chrono::NaiveDateTime, as_of: Option<::chrono::NaiveDateTime>,
        segments: &$crate::segments::Segments,
        ) -> Vec<$crate::engine::OutcomeValue>); };
    (@one $v:path, waterfall_frame) => { $crate::__engine_delegate!(@fn $v, waterfall_frame(
        from: ::chrono::NaiveDateTime, to: ::chrono::NaiveDateTime,
        scope: $crate::engine::Scope<'_>,
        ) -> ::polars::prelude::DataFrame); };
    (@one $v:path, provenance_frame) => { $crate::__engine_delegate!(@fn $v, provenance_frame(
        from: ::chrono::NaiveDateTime, to: ::chrono::NaiveDateTime,
        scope: $crate::engine::Scope<'_>,
        ) -> ::polars::prelude::DataFrame); };
    (@one $v:path, reporting_money) => { $crate::__engine_delegate!(@fn $v, reporting_money(
        bounds: &[::chrono::NaiveDateTime], scope: $crate::engine::Scope<'_>, currency: &str,
        ) -> ::polars::prelude::DataFrame); };
    (@one $v:path, steps_frame) => { $crate::__engine_delegate!(@fn $v, steps_frame(
        workflow_id: &str, from: ::chrono::NaiveDateTime, to: ::chrono::NaiveDateTime,
        ) -> ::polars::prelude::DataFrame); };
    (@one $v:path, backlog_frames) => { $crate::__engine_delegate!(@fn $v, backlog_frames(
        as_of: Option<::chrono::NaiveDateTime>,
        ) -> (::polars::prelude::DataFrame, ::polars::prelude::DataFrame)); };
    (@one $v:path, period_query) => { $crate::__engine_delegate!(@fn $v, period_query(
        query: &$crate::engine::PeriodQuery, from: ::chrono::NaiveDateTime,
        to: ::chrono::NaiveDateTime, workflows: &[String],
        ) -> ::polars::prelude::DataFrame); };
    (@one $v:path, segmented_period_query) => { $crate::__engine_delegate!(@fn $v,
        segmented_period_query(query: &$crate::engine::PeriodQuery, from: ::chrono::NaiveDateTime,
        to: ::chrono::NaiveDateTime, workflows: &[String], segments: &$crate::segments::Segments,
        ) -> ::polars::prelude::DataFrame); };
    (@one $via:path, parts) => {
        fn parts(&self) -> ::std::option::Option<$crate::engine::Parts<'_>> {
            #[allow(unused_imports)]
            use $crate::engine::Engine as _;
            $via(self).parts()
        }
    };
    (@fn $via:path, $name:ident($($arg:ident: $ty:ty),* $(,)?) -> $answer:ty) => {
        #[allow(clippy::needless_question_mark)]
        fn $name(&self, $($arg: $ty),*) -> $crate::engine::Result<$answer> {
            #[allow(unused_imports)]
            use $crate::engine::Engine as _;
            Ok($via(self).$name($($arg),*)?)
        }
    };
}

/// Writes the [`Engine`] methods that only hand a call on (see
/// [`__engine_delegate`](crate::__engine_delegate) for the forms).
pub use crate::__engine_delegate as delegate;

/// A query over the current runs of a period and some workflows (a
/// dashboard's `query` panel), written once per engine: the DuckDB text binds
/// `$1` from, `$2` to and `$3` the workflow ids comma-separated; the Spark
/// text binds `:from`, `:to` and `:workflows` the same way.
#[derive(Debug, Clone, Copy)]
pub struct PeriodQuery {
    pub name: &'static str,
    pub duckdb: &'static str,
    pub spark: &'static str,
}

/// A checked list of period bounds, as both engines bind it.
pub(crate) struct Bounds {
    pub from: NaiveDateTime,
    pub to: NaiveDateTime,
    pub periods: usize,
    /// The metric SQL's last parameter: the bounds as comma-separated timestamps.
    pub list: String,
}

/// Checks a list of period bounds (`None`: the list is empty, so there are
/// no periods to compute).
pub(crate) fn bounds(bounds: &[NaiveDateTime]) -> Result<Option<Bounds>> {
    let (Some(&from), Some(&to)) = (bounds.first(), bounds.last()) else {
        return Ok(None);
    };
    let periods = bounds.len() - 1;
    if periods == 0 || bounds.windows(2).any(|w| w[0] >= w[1]) {
        return Err(EngineError::Shape(format!(
            "period bounds must increase and be at least two, got {bounds:?}"
        )));
    }
    let list = bounds
        .iter()
        .map(|t| t.format("%Y-%m-%d %H:%M:%S%.6f").to_string())
        .collect::<Vec<_>>()
        .join(",");
    Ok(Some(Bounds {
        from,
        to,
        periods,
        list,
    }))
}

/// Splits the metric SQL's result (rows ordered by period, then workflow; the
/// first column the period's start) into one frame per period.
pub(crate) fn split_periods(mut df: DataFrame, periods: usize) -> Result<Vec<DataFrame>> {
    if !df.height().is_multiple_of(periods) {
        return Err(EngineError::Shape(format!(
            "{} metric rows do not split into {periods} periods",
            df.height()
        )));
    }
    let _ = df.drop_in_place("period_start")?;
    let per = df.height() / periods;
    Ok((0..periods)
        .map(|i| df.slice((i * per) as i64, per))
        .collect())
}
