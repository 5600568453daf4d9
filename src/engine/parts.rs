//! Per-workflow partial results: a push to one workflow redoes the work of
//! that workflow only.
//!
//! Every figure of a metric table, a comparison or a regression check is a
//! function of one workflow's data (its runs, catalogue row and time study)
//! and of the request (period, spec). [`Partials`] keeps each workflow's part
//! of an answer — its metric rows of a list of periods, its comparison, its
//! regression checks — labelled with the [`Version`] of that workflow's data
//! read *before* the part was computed (moved by the store: `store::changes`). An answer is put
//! together from the parts whose label is still the workflow's version, and
//! only the other workflows are computed, in one query for all of them. A
//! part's figures are those of a full computation to the bit: the metric SQL
//! sums exactly (integers and decimals) and every row of it reads only its own
//! workflow; a comparison's bootstrap draws from its own seeded stream.
//!
//! An engine that keeps parts hands them to the reports through
//! [`Engine::parts`](super::Engine::parts): the DuckDB store's
//! `store::Incremental`, the engine a server reads through, keeps the metric
//! tables of the current data (no `as_of`) per workflow itself, and the
//! reports keep comparisons and regression checks through [`Parts::each`].
//! The versions are the store's to move (`store::changes`); this module only
//! compares them.

use std::any::Any;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use super::EngineError;

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

impl<'a> Parts<'a> {
    /// The parts of `partials`, checked against `versions` (read before any
    /// of the answer's data is).
    pub fn new(partials: &'a Partials, versions: Versions) -> Parts<'a> {
        Parts { partials, versions }
    }
}

impl Parts<'_> {
    /// How many times each part was computed (see [`Partials::computed`]).
    pub fn computed(&self) -> HashMap<String, u64> {
        self.partials.computed()
    }

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
        E: From<EngineError>,
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
                return Err(EngineError::Shape(format!(
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

/// The version of one workflow's data: the pair (epoch, the last commit that
/// changed the workflow's runs). A group of pushed runs changes only its
/// workflows; any other write starts a new epoch, which changes every
/// workflow's version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Version {
    pub epoch: u64,
    pub change: u64,
}

/// The versions of every workflow at one moment.
#[derive(Debug, Clone, Default)]
pub struct Versions {
    epoch: u64,
    changed: Arc<HashMap<String, u64>>,
}

impl Versions {
    /// The versions of an epoch in which the workflows of `changed` were last
    /// changed by the commit counted beside each (the others by none).
    pub fn new(epoch: u64, changed: Arc<HashMap<String, u64>>) -> Versions {
        Versions { epoch, changed }
    }

    /// The version of `workflow_id`'s data.
    pub fn of(&self, workflow_id: &str) -> Version {
        Version {
            epoch: self.epoch,
            change: self.changed.get(workflow_id).copied().unwrap_or(0),
        }
    }
}
