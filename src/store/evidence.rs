//! The runs of a comparison, read through Arrow: a 1,000-workflow comparison
//! reads every run of the period, so the rows never become single values
//! (`frame::query_frame`) or a DataFrame, only one `RunSample` per workflow
//! (per workflow and segment, segmented by the runs' attributes).

use std::collections::HashMap;

use chrono::NaiveDateTime;
use duckdb::arrow::array::{Array, AsArray};
use duckdb::arrow::datatypes::{Float64Type, Int32Type, Int64Type};
use duckdb::params;
use polars::prelude::DataFrame;

use super::files::Text;
use super::{frame, Result, Store, StoreError, COMPARE_RUNS, COMPARE_STUDY};
use crate::engine::BySegment;
use crate::model::{RunSample, Status};
use crate::segments::Segments;

impl Store {
    /// [`Store::compare_evidence`] with the runs segmented and filtered by
    /// their attributes: the time-study observations (they have no
    /// attributes: the study is whole), and the runs of `workflow_ids`
    /// anchored in `[from, to)`, as of `as_of` (`queries/compare/runs.sql`),
    /// per workflow (in the order of `workflow_ids`) a sample per segment
    /// (one, `None`, when not segmented), ordered by the segment's text, each
    /// in the order the query returned it; a workflow without runs has none.
    pub fn segment_evidence(
        &self,
        workflow_ids: &[String],
        from: Option<NaiveDateTime>,
        to: NaiveDateTime,
        as_of: Option<NaiveDateTime>,
        segments: &Segments,
    ) -> Result<(DataFrame, Vec<BySegment>)> {
        let conn = self.reader()?;
        let study =
            frame::query_frame(&conn, COMPARE_STUDY, params![workflow_ids.join(","), as_of])?;
        let mut stmt = conn.prepare(COMPARE_RUNS)?;
        let mut samples: Vec<BySegment> = vec![Vec::new(); workflow_ids.len()];
        let shape = |what: &str| StoreError::Shape(format!("compare/runs.sql: {what}"));
        let (filter_paths, filter_values) = segments.filter_paths();
        let args = params![
            workflow_ids.join(","),
            to,
            as_of,
            from,
            segments.by_paths(),
            filter_paths,
            filter_values
        ];
        for batch in stmt.query_arrow(args)? {
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
            let segment = Text::of(batch.column(6).as_ref())?;
            // Where each (workflow, segment) of this batch is in `samples`.
            let mut seen: HashMap<(i32, Option<&str>), usize> = HashMap::new();
            for i in 0..batch.num_rows() {
                let by = samples
                    .get_mut(wf.value(i) as usize)
                    .ok_or_else(|| shape("wf is outside the list"))?;
                let seg = segment.get(i);
                let at = *seen.entry((wf.value(i), seg)).or_insert_with(|| {
                    by.iter()
                        .position(|(s, _)| s.as_deref() == seg)
                        .unwrap_or_else(|| {
                            by.push((seg.map(str::to_string), RunSample::default()));
                            by.len() - 1
                        })
                });
                let sample = &mut by[at].1;
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
        for by in &mut samples {
            by.sort_by(|a, b| a.0.cmp(&b.0));
        }
        Ok((study, samples))
    }
}

const OUTCOME_VALUES: &str = include_str!("../../queries/outcomes/values.sql");

impl Store {
    /// See [`crate::engine::Engine::outcome_values`].
    pub fn outcome_values(
        &self,
        pairs: &[(String, String)],
        from: Option<NaiveDateTime>,
        to: NaiveDateTime,
        as_of: Option<NaiveDateTime>,
        segments: &Segments,
    ) -> Result<Vec<crate::engine::OutcomeValue>> {
        if pairs.is_empty() {
            return Ok(Vec::new());
        }
        let (list, names) = crate::engine::outcome_pairs(pairs);
        let (filter_paths, filter_values) = segments.filter_paths();
        let conn = self.reader()?;
        // One outcome name at a time, its JSON paths bound (see the SQL).
        let mut out = Vec::new();
        for name in names {
            let paths: duckdb::types::Value = duckdb::types::Value::List(vec![
                format!("$.\"outcome_{name}\"").into(),
                format!("$.\"{name}\"").into(),
            ]);
            let rows: Vec<crate::engine::OutcomeValue> = super::query_rows(
                &conn,
                OUTCOME_VALUES,
                params![
                    list,
                    from,
                    to,
                    as_of,
                    segments.by_paths(),
                    filter_paths,
                    filter_values,
                    name,
                    paths
                ],
                |r| {
                    Ok(crate::engine::OutcomeValue {
                        pair: r.get::<_, i32>(0)? as usize,
                        anchor_us: r.get(1)?,
                        value: r.get(2)?,
                        segment: r.get(3)?,
                        study: r.get(4)?,
                    })
                },
            )?;
            out.extend(rows);
        }
        Ok(out)
    }
}
