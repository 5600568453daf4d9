//! The store's side of the engine seam: the DuckDB file answers what the
//! reports ask ([`Engine`]), and its errors become the engine's.

use chrono::NaiveDateTime;
use polars::prelude::DataFrame;

use super::{Store, StoreError};
use crate::engine::{Engine, EngineError, PeriodQuery, Result};
use crate::model::{CatalogueEntry, RunSample, WorkflowSummary};

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
            EngineError::Failed(s) => StoreError::Lake(s),
        }
    }
}

impl Engine for Store {
    fn catalogue(&self, as_of: Option<NaiveDateTime>) -> Result<Vec<CatalogueEntry>> {
        Ok(Store::catalogue(self, as_of)?)
    }

    fn run_span(&self) -> Result<Option<(NaiveDateTime, NaiveDateTime)>> {
        Ok(Store::run_span(self)?)
    }

    fn metric_frames(
        &self,
        bounds: &[NaiveDateTime],
        leak_horizon_days: f64,
        workflows: Option<&[String]>,
        as_of: Option<NaiveDateTime>,
    ) -> Result<Vec<DataFrame>> {
        Ok(Store::metric_frames(
            self,
            bounds,
            leak_horizon_days,
            workflows,
            as_of,
        )?)
    }

    fn compare_evidence(
        &self,
        workflow_ids: &[String],
        from: Option<NaiveDateTime>,
        to: NaiveDateTime,
        as_of: Option<NaiveDateTime>,
    ) -> Result<(DataFrame, Vec<RunSample>)> {
        Ok(Store::compare_evidence(
            self,
            workflow_ids,
            from,
            to,
            as_of,
        )?)
    }

    fn workflows(&self, as_of: Option<NaiveDateTime>) -> Result<Vec<WorkflowSummary>> {
        Ok(Store::workflows(self, as_of)?)
    }

    fn steps_frame(
        &self,
        workflow_id: &str,
        from: NaiveDateTime,
        to: NaiveDateTime,
    ) -> Result<DataFrame> {
        Ok(Store::steps_frame(self, workflow_id, from, to)?)
    }

    fn backlog_frames(&self, as_of: Option<NaiveDateTime>) -> Result<(DataFrame, DataFrame)> {
        Ok(Store::backlog_frames(self, as_of)?)
    }

    fn period_query(
        &self,
        query: &PeriodQuery,
        from: NaiveDateTime,
        to: NaiveDateTime,
        workflows: &[String],
    ) -> Result<DataFrame> {
        Ok(self.dashboard_query(query.duckdb, from, to, workflows)?)
    }
}
