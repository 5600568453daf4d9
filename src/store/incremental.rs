//! The DuckDB store as the server reads it: the metric tables of the current
//! data kept per workflow (see `engine::parts`), so that a push to one
//! workflow redoes the metric SQL of that workflow only.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::NaiveDateTime;
use polars::prelude::{DataFrame, DataType, IdxCa, IdxSize};

use super::Store;
use crate::engine::{self, Engine, EngineError, Partials, Parts, Result, Scope};

/// The DuckDB store read with per-workflow partial results kept in
/// [`Partials`]. Clones share the parts.
#[derive(Clone)]
pub struct Incremental {
    store: Store,
    partials: Arc<Partials>,
}

impl Incremental {
    pub fn new(store: Store, partials: Arc<Partials>) -> Incremental {
        Incremental { store, partials }
    }

    pub fn store(&self) -> &Store {
        &self.store
    }
}

impl Engine for Incremental {
    engine::delegate!(Incremental::store =>
        catalogue, run_span, segment_frames, compare_evidence, segment_evidence, outcome_values, workflows, steps_frame, backlog_frames, period_query,
        segmented_period_query, reporting_money, waterfall_frame, provenance_frame,
    );

    /// The metric tables, each workflow's rows of every period kept as one
    /// part (current data only: an `as_of` table is computed whole).
    fn metric_frames(
        &self,
        bounds: &[NaiveDateTime],
        leak_horizon_days: f64,
        scope: Scope<'_>,
    ) -> Result<Vec<DataFrame>> {
        let (Some(parts), None) = (self.parts(), scope.as_of) else {
            return Ok(self.store.metric_frames(bounds, leak_horizon_days, scope)?);
        };
        let Some(b) = engine::bounds(bounds)? else {
            return Ok(Vec::new());
        };
        let mut ids: Vec<String> = match scope.workflows {
            Some(w) => w.to_vec(),
            None => self
                .store
                .catalogue(None)?
                .into_iter()
                .map(|c| c.workflow.workflow_id)
                .collect(),
        };
        // The metric SQL's order: by workflow id, byte by byte.
        ids.sort();
        ids.dedup();
        let args = format!("{} {leak_horizon_days:?}", b.list);
        let per = parts.each("metrics", &args, &ids, |missing| {
            // Every workflow at once needs no filter (a list of a thousand
            // ids costs more to test on each run than it saves).
            let all = scope.workflows.is_none() && missing.len() == ids.len();
            let now = Scope::now((!all).then_some(missing));
            let frames = self.store.metric_frames(bounds, leak_horizon_days, now)?;
            by_workflow(&frames, missing)
        })?;
        match assemble(&per, b.periods)? {
            Some(frames) => Ok(frames),
            // No workflow has rows: the store gives the empty tables.
            None => {
                Ok(self
                    .store
                    .metric_frames(bounds, leak_horizon_days, Scope::now(Some(&ids)))?)
            }
        }
    }

    fn parts(&self) -> Option<Parts<'_>> {
        Some(Parts::new(&self.partials, self.store.versions()))
    }
}

fn idx(rows: impl Iterator<Item = usize>) -> IdxCa {
    IdxCa::from_vec("idx".into(), rows.map(|r| r as IdxSize).collect())
}

/// The metric tables of consecutive periods (rows in workflow order, the
/// same workflows in each) cut into one frame per workflow of `workflows`
/// holding its row of every period in period order; a workflow without rows
/// (no longer in the catalogue) gets an empty frame.
fn by_workflow(frames: &[DataFrame], workflows: &[String]) -> Result<Vec<DataFrame>> {
    let Some(first) = frames.first() else {
        return Err(EngineError::Shape("a metric table of no periods".into()));
    };
    let h = first.height();
    let mut all = first.clone();
    for f in &frames[1..] {
        if f.height() != h {
            return Err(EngineError::Shape(
                "the periods of a metric table have different workflows".into(),
            ));
        }
        all.vstack_mut(f)?;
    }
    all.rechunk_mut();
    let ids = first.column("workflow_id")?.cast(&DataType::String)?;
    let position: HashMap<&str, usize> = ids
        .str()?
        .iter()
        .enumerate()
        .filter_map(|(i, id)| id.map(|id| (id, i)))
        .collect();
    let periods = frames.len();
    workflows
        .iter()
        .map(|w| match position.get(w.as_str()) {
            Some(&i) => Ok(all.take(&idx((0..periods).map(|p| p * h + i)))?),
            None => Ok(first.clear()),
        })
        .collect()
}

/// The per-period metric tables from per-workflow parts (each a row per
/// period, in workflow order); `None` when no workflow has rows.
fn assemble(parts: &[DataFrame], periods: usize) -> Result<Option<Vec<DataFrame>>> {
    let present: Vec<&DataFrame> = parts.iter().filter(|p| p.height() > 0).collect();
    let Some(first) = present.first() else {
        return Ok(None);
    };
    if let Some(p) = present.iter().find(|p| p.height() != periods) {
        return Err(EngineError::Shape(format!(
            "a workflow's part has {} rows for {periods} periods",
            p.height()
        )));
    }
    let mut all = (*first).clone();
    for p in &present[1..] {
        all.vstack_mut(p)?;
    }
    all.rechunk_mut();
    // Row `w * periods + p` is workflow w's row of period p.
    let k = present.len();
    (0..periods)
        .map(|p| Ok(all.take(&idx((0..k).map(|w| w * periods + p)))?))
        .collect::<Result<Vec<_>>>()
        .map(Some)
}
