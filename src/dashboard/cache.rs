//! Computed dashboards kept until the next write to the store: a page and
//! its downloads are computed once per (dashboard, filters) and reused until
//! an ingest commits, which bumps the store's generation.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use super::{compute, Computed, Dashboard, Filters};
use crate::report::ReportError;
use crate::store::Store;

/// How many computed dashboards are kept; beyond it the cache starts afresh.
const CAPACITY: usize = 64;

type Key = (String, Option<String>, String);
type Entries = HashMap<Key, (u64, Arc<Computed>)>;

/// The cache; clones share it.
#[derive(Clone, Default)]
pub struct Cache {
    inner: Arc<Mutex<Entries>>,
}

impl Cache {
    fn get(&self, key: &Key, generation: u64) -> Option<Arc<Computed>> {
        let map = self.inner.lock().ok()?;
        map.get(key)
            .filter(|(g, _)| *g == generation)
            .map(|(_, c)| c.clone())
    }

    fn put(&self, key: Key, generation: u64, c: Arc<Computed>) {
        if let Ok(mut map) = self.inner.lock() {
            map.retain(|_, (g, _)| *g == generation);
            if map.len() >= CAPACITY {
                map.clear();
            }
            map.insert(key, (generation, c));
        }
    }

    /// The dashboard computed for `filters` (every panel, or only `only`),
    /// from the cache when nothing was written since. A single panel is taken
    /// from a cached whole page when there is one.
    pub fn compute(
        &self,
        store: &Store,
        dashboard: &Dashboard,
        filters: Filters,
        only: Option<&str>,
    ) -> Result<Arc<Computed>, ReportError> {
        let filters = filters.normalised();
        let q = filters.query_string(true);
        let generation = store.generation();
        let key: Key = (dashboard.name.clone(), only.map(str::to_string), q.clone());
        if let Some(c) = self.get(&key, generation) {
            return Ok(c);
        }
        // One panel of a page already computed is narrowed from it once, and
        // kept: a polled panel then costs a lookup, not a copy of the page.
        let whole: Key = (dashboard.name.clone(), None, q);
        if let (Some(id), Some(c)) = (only, self.get(&whole, generation)) {
            let one = Arc::new(c.only(id).ok_or_else(|| {
                ReportError::NotFound(format!(
                    "dashboard `{}` has no panel `{id}`",
                    dashboard.name
                ))
            })?);
            self.put(key, generation, one.clone());
            return Ok(one);
        }
        let c = Arc::new(compute(store, dashboard, filters, only)?);
        self.put(key, generation, c.clone());
        Ok(c)
    }
}
