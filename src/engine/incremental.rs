//! Per-workflow partial results: a push to one workflow redoes the work of
//! that workflow only.
//!
//! Every figure of a metric table, a comparison or a regression check is a
//! function of one workflow's data (its runs, catalogue row and time study)
//! and of the request (period, spec). [`Partials`] keeps each workflow's part
//! of an answer — its metric rows of a list of periods, its comparison, its
//! regression checks — labelled with the [`Version`] of that workflow's data
//! read *before* the part was computed (`store::changes`). An answer is put
//! together from the parts whose label is still the workflow's version, and
//! only the other workflows are computed, in one query for all of them. A
//! part's figures are those of a full computation to the bit: the metric SQL
//! sums exactly (integers and decimals) and every row of it reads only its own
//! workflow; a comparison's bootstrap draws from its own seeded stream.
//!
//! [`Incremental`] is the engine a server reads through: the DuckDB store,
//! with the metric tables of the current data (no `as_of`) kept per workflow,
//! and [`Engine::parts`] for the reports that keep comparisons and checks.

use std::any::Any;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use chrono::NaiveDateTime;
use polars::prelude::{DataFrame, DataType, IdxCa, IdxSize};

use super::Engine;
use crate::model::RunSample;
use crate::store::{CatalogueEntry, Result, Store, StoreError, Version, Versions};

/// Parts kept at most; past it they are all dropped (a long-running server
/// asked for ever new periods does not grow without bound). A 1,000-workflow
/// leadership page keeps about 3,000.
const CAPACITY: usize = 100_000;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Key {
    what: &'static str,
    /// The request the part answers (period bounds, spec), as text.
    args: String,
    workflow: String,
}

struct Part {
    version: Version,
    value: Arc<dyn Any + Send + Sync>,
}

/// The kept parts of one server's answers.
#[derive(Default)]
pub struct Partials {
    parts: Mutex<HashMap<Key, Part>>,
    /// Parts computed (not taken from the kept ones), per workflow.
    computed: Mutex<HashMap<String, u64>>,
}

impl Partials {
    pub fn new() -> Partials {
        Partials::default()
    }

    /// How many parts of each workflow were computed so far (not taken from
    /// the kept ones).
    pub fn computed(&self) -> HashMap<String, u64> {
        self.computed
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Key, Part>> {
        self.parts.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// The kept parts, with the versions of the data read before anything of
/// the answer is: what a report keeps and reuses through.
pub struct Parts<'a> {
    partials: &'a Partials,
    versions: Versions,
}

impl Parts<'_> {
    /// The part `what` of each of `workflows` for the request `args`: a kept
    /// one where its data has not changed since, the others from one call of
    /// `compute` (given the workflows to compute, in order; it returns one
    /// part each), which are kept.
    pub fn each<T, E>(
        &self,
        what: &'static str,
        args: &str,
        workflows: &[String],
        compute: impl FnOnce(&[String]) -> std::result::Result<Vec<T>, E>,
    ) -> std::result::Result<Vec<T>, E>
    where
        T: Clone + Send + Sync + 'static,
        E: From<StoreError>,
    {
        let key = |w: &str| Key {
            what,
            args: args.to_string(),
            workflow: w.to_string(),
        };
        let mut out: Vec<Option<T>> = {
            let parts = self.partials.lock();
            workflows
                .iter()
                .map(|w| {
                    parts
                        .get(&key(w))
                        .filter(|p| p.version == self.versions.of(w))
                        .and_then(|p| p.value.downcast_ref::<T>().cloned())
                })
                .collect()
        };
        let missing: Vec<String> = workflows
            .iter()
            .zip(&out)
            .filter(|(_, o)| o.is_none())
            .map(|(w, _)| w.clone())
            .collect();
        if !missing.is_empty() {
            let fresh = compute(&missing)?;
            if fresh.len() != missing.len() {
                return Err(StoreError::Shape(format!(
                    "{what}: {} parts computed for {} workflows",
                    fresh.len(),
                    missing.len()
                ))
                .into());
            }
            {
                let mut counts = self
                    .partials
                    .computed
                    .lock()
                    .unwrap_or_else(|p| p.into_inner());
                for w in &missing {
                    *counts.entry(w.clone()).or_default() += 1;
                }
            }
            let mut parts = self.partials.lock();
            if parts.len() + missing.len() > CAPACITY {
                parts.clear();
            }
            let mut fresh = fresh.into_iter();
            for (slot, w) in out.iter_mut().zip(workflows) {
                if slot.is_none() {
                    let v = fresh.next().expect("one part per missing workflow");
                    parts.insert(
                        key(w),
                        Part {
                            version: self.versions.of(w),
                            value: Arc::new(v.clone()),
                        },
                    );
                    *slot = Some(v);
                }
            }
        }
        Ok(out
            .into_iter()
            .map(|o| o.expect("every part is kept or computed"))
            .collect())
    }
}

/// The DuckDB store read with per-workflow partial results kept in
/// [`Partials`] (or none: [`Incremental::full`] computes everything, as the
/// store itself does). Clones share the parts.
#[derive(Clone)]
pub struct Incremental {
    store: Store,
    partials: Option<Arc<Partials>>,
}

impl Incremental {
    pub fn new(store: Store, partials: Arc<Partials>) -> Incremental {
        Incremental {
            store,
            partials: Some(partials),
        }
    }

    /// The store with nothing kept.
    pub fn full(store: Store) -> Incremental {
        Incremental {
            store,
            partials: None,
        }
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    pub fn partials(&self) -> Option<&Partials> {
        self.partials.as_deref()
    }
}

impl Engine for Incremental {
    fn catalogue(&self, as_of: Option<NaiveDateTime>) -> Result<Vec<CatalogueEntry>> {
        self.store.catalogue(as_of)
    }

    fn run_span(&self) -> Result<Option<(NaiveDateTime, NaiveDateTime)>> {
        self.store.run_span()
    }

    /// The metric tables, each workflow's rows of every period kept as one
    /// part (current data only: an `as_of` table is computed whole).
    fn metric_frames(
        &self,
        bounds: &[NaiveDateTime],
        leak_horizon_days: f64,
        workflows: Option<&[String]>,
        as_of: Option<NaiveDateTime>,
    ) -> Result<Vec<DataFrame>> {
        let (Some(parts), None) = (self.parts(), as_of) else {
            return self
                .store
                .metric_frames(bounds, leak_horizon_days, workflows, as_of);
        };
        let Some(b) = super::bounds(bounds)? else {
            return Ok(Vec::new());
        };
        let mut ids: Vec<String> = match workflows {
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
            let all = workflows.is_none() && missing.len() == ids.len();
            let frames = self.store.metric_frames(
                bounds,
                leak_horizon_days,
                (!all).then_some(missing),
                None,
            )?;
            by_workflow(&frames, missing)
        })?;
        match assemble(&per, b.periods)? {
            Some(frames) => Ok(frames),
            // No workflow has rows: the store gives the empty tables.
            None => self
                .store
                .metric_frames(bounds, leak_horizon_days, Some(&ids), None),
        }
    }

    fn compare_evidence(
        &self,
        workflow_ids: &[String],
        from: Option<NaiveDateTime>,
        to: NaiveDateTime,
        as_of: Option<NaiveDateTime>,
    ) -> Result<(DataFrame, Vec<RunSample>)> {
        self.store.compare_evidence(workflow_ids, from, to, as_of)
    }

    fn parts(&self) -> Option<Parts<'_>> {
        self.partials.as_deref().map(|partials| Parts {
            partials,
            versions: self.store.versions(),
        })
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
        return Err(StoreError::Shape("a metric table of no periods".into()));
    };
    let h = first.height();
    let mut all = first.clone();
    for f in &frames[1..] {
        if f.height() != h {
            return Err(StoreError::Shape(
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
        return Err(StoreError::Shape(format!(
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
