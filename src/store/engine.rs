//! The store's side of the engine seam: the DuckDB file answers what the
//! reports ask ([`Engine`]), and its errors become the engine's.

use chrono::NaiveDateTime;
use polars::prelude::DataFrame;

use super::{Store, StoreError};
use crate::engine::{Engine, EngineError, PeriodQuery, Result};

impl From<StoreError> for EngineError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Shape(s) => EngineError::Shape(s),
            StoreError::Frame(e) => EngineError::Frame(e),
            other => EngineError::Failed(other.to_string()),
        }
    }
}

/// The period checks of the engine (`engine::bounds`, `engine::split_periods`)
/// failing inside the store's own queries.
impl From<EngineError> for StoreError {
    fn from(e: EngineError) -> Self {
        match e {
            EngineError::Shape(s) => StoreError::Shape(s),
            EngineError::Frame(e) => StoreError::Frame(e),
            EngineError::Failed(s) | EngineError::Unsupported(s) => StoreError::Lake(s),
        }
    }
}

/// The store answers with its own methods of the same names.
impl Engine for Store {
    crate::engine::delegate!(self =>
        catalogue, run_span, metric_frames, segment_frames, compare_evidence, segment_evidence, outcome_values, workflows, steps_frame,
        backlog_frames, reporting_money, waterfall_frame, provenance_frame,
    );

    fn period_query(
        &self,
        query: &PeriodQuery,
        from: NaiveDateTime,
        to: NaiveDateTime,
        workflows: &[String],
    ) -> Result<DataFrame> {
        Ok(self.dashboard_query(query.duckdb, from, to, workflows)?)
    }

    fn segmented_period_query(
        &self,
        query: &PeriodQuery,
        from: NaiveDateTime,
        to: NaiveDateTime,
        workflows: &[String],
        segments: &crate::segments::Segments,
    ) -> Result<DataFrame> {
        // A dashboard query's three parameters, then the segment's paths
        // and the filter's paths and values.
        let conn = self.reader()?;
        let (filter_paths, filter_values) = segments.filter_paths();
        let df = super::frame::query_frame(
            &conn,
            query.duckdb,
            duckdb::params![
                from,
                to,
                workflows.join(","),
                segments.by_paths(),
                filter_paths,
                filter_values
            ],
        )?;
        Ok(df)
    }
}
