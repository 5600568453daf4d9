//! The runs of a comparison, read through Arrow: a 1,000-workflow comparison
//! reads every run of the period, so the rows never become single values
//! (`frame::query_frame`) or a DataFrame, only one `RunSample` per workflow.

use chrono::NaiveDateTime;
use duckdb::arrow::array::{Array, AsArray};
use duckdb::arrow::datatypes::{Float64Type, Int32Type, Int64Type};
use duckdb::params;

use super::files::Text;
use super::{Result, Store, StoreError, COMPARE_RUNS};
use crate::model::{RunSample, Status};

impl Store {
    /// The runs of `workflow_ids` anchored in `[from, to)`, as of `as_of`
    /// (`queries/compare/runs.sql`): one sample per workflow, in the order of
    /// `workflow_ids`, each in the order the query returned it.
    pub(super) fn run_samples(
        &self,
        workflow_ids: &[String],
        from: Option<NaiveDateTime>,
        to: NaiveDateTime,
        as_of: Option<NaiveDateTime>,
    ) -> Result<Vec<RunSample>> {
        let conn = self.reader()?;
        let mut stmt = conn.prepare(COMPARE_RUNS)?;
        let mut samples = vec![RunSample::default(); workflow_ids.len()];
        let shape = |what: &str| StoreError::Shape(format!("compare/runs.sql: {what}"));
        for batch in stmt.query_arrow(params![workflow_ids.join(","), to, as_of, from])? {
            let wf = batch
                .column(0)
                .as_primitive_opt::<Int32Type>()
                .ok_or_else(|| shape("wf is not INTEGER"))?;
            let anchor = batch
                .column(1)
                .as_primitive_opt::<Int64Type>()
                .ok_or_else(|| shape("anchor_us is not BIGINT"))?;
            let status = Text::of(batch.column(2).as_ref())?;
            let real = |i: usize, name: &str| {
                batch
                    .column(i)
                    .as_primitive_opt::<Float64Type>()
                    .ok_or_else(|| shape(&format!("{name} is not DOUBLE")))
            };
            let (cycle, response, human) = (
                real(3, "cycle_min")?,
                real(4, "response_min")?,
                real(5, "human_minutes")?,
            );
            let opt = |a: &duckdb::arrow::array::Float64Array, i: usize| {
                a.is_valid(i).then(|| a.value(i))
            };
            for i in 0..batch.num_rows() {
                let sample = samples
                    .get_mut(wf.value(i) as usize)
                    .ok_or_else(|| shape("wf is outside the list"))?;
                let s = status.get(i).unwrap_or("");
                let s: Status = s
                    .parse()
                    .map_err(|_| shape(&format!("unknown status `{s}`")))?;
                sample.push(
                    anchor.value(i),
                    s,
                    opt(cycle, i),
                    opt(response, i),
                    opt(human, i),
                );
            }
        }
        Ok(samples)
    }
}
