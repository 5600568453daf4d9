//! The engine seam: what the reports ask of whatever runs the metric SQL.
//!
//! Two implementations: [`Store`], the embedded DuckDB file (the default), and
//! [`spark::SparkEngine`], Spark through Spark Connect over a lake snapshot
//! (`crate::lake`). Both run the definitions in `queries/` (Spark its
//! `*.spark.sql` variant beside each DuckDB file) and hand back the same
//! DataFrames and rows; nothing above this trait knows which one ran.

pub mod incremental;
pub mod spark;

use chrono::NaiveDateTime;
use polars::prelude::DataFrame;

use crate::model::RunSample;
use crate::store::{CatalogueEntry, Result, Store, StoreError};

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
        workflows: Option<&[String]>,
        as_of: Option<NaiveDateTime>,
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

    /// The kept per-workflow parts of answers, with the versions of the data
    /// now, where this engine keeps them (see [`incremental`]).
    fn parts(&self) -> Option<incremental::Parts<'_>> {
        None
    }

    /// The metric table of one period `[from, to)`.
    fn metric_frame(
        &self,
        from: NaiveDateTime,
        to: NaiveDateTime,
        leak_horizon_days: f64,
        workflows: Option<&[String]>,
        as_of: Option<NaiveDateTime>,
    ) -> Result<DataFrame> {
        let mut frames = self.metric_frames(&[from, to], leak_horizon_days, workflows, as_of)?;
        frames
            .pop()
            .ok_or_else(|| StoreError::Shape("one period gave no metric table".into()))
    }
}

impl Engine for Store {
    fn catalogue(&self, as_of: Option<NaiveDateTime>) -> Result<Vec<CatalogueEntry>> {
        Store::catalogue(self, as_of)
    }

    fn run_span(&self) -> Result<Option<(NaiveDateTime, NaiveDateTime)>> {
        Store::run_span(self)
    }

    fn metric_frames(
        &self,
        bounds: &[NaiveDateTime],
        leak_horizon_days: f64,
        workflows: Option<&[String]>,
        as_of: Option<NaiveDateTime>,
    ) -> Result<Vec<DataFrame>> {
        Store::metric_frames(self, bounds, leak_horizon_days, workflows, as_of)
    }

    fn compare_evidence(
        &self,
        workflow_ids: &[String],
        from: Option<NaiveDateTime>,
        to: NaiveDateTime,
        as_of: Option<NaiveDateTime>,
    ) -> Result<(DataFrame, Vec<RunSample>)> {
        Store::compare_evidence(self, workflow_ids, from, to, as_of)
    }
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
        return Err(StoreError::Shape(format!(
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
        return Err(StoreError::Shape(format!(
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
