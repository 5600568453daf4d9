//! Computed dashboards, kept and refreshed in the background
//! ([`crate::keep`]): a page and its downloads are computed once per
//! (dashboard, filters) and served from memory; after a write the kept page is
//! still served, marked stale, while one recompute runs, and every concurrent
//! visitor of a page that was never computed waits for its one computation.

use std::sync::Arc;

use super::{compute_in, Computed, Dashboard, Filters};
use crate::engine::Engine;
use crate::keep::{Keeper, Now, Served};
use crate::report::ReportError;
use crate::store::Incremental;

/// How many computed dashboards are kept; beyond it the least recently
/// requested goes.
const CAPACITY: usize = 64;

/// (dashboard, panel or the whole page, filters as a query string).
type Key = (String, Option<String>, String);

/// The cache of one store; clones share it.
#[derive(Clone)]
pub struct Cache {
    keeper: Keeper<Key, Computed>,
    /// The engine the pages are computed through: the store with the
    /// per-workflow parts shared with the kept answers, or a lake.
    engine: Arc<dyn Engine>,
}

impl Cache {
    /// The cache of pages computed from the DuckDB file through `engine`.
    pub fn new(engine: &Incremental) -> Cache {
        let s = engine.store().clone();
        Cache::over(Arc::new(engine.clone()), Arc::new(move || s.freshness()))
    }

    /// The cache of pages computed through `engine`, whose data stands
    /// where `now` says.
    pub fn over(engine: Arc<dyn Engine>, now: Now) -> Cache {
        Cache {
            keeper: Keeper::new(CAPACITY, now),
            engine,
        }
    }

    /// How many dashboard computations were started (fresh and in the background).
    pub fn computations(&self) -> u64 {
        self.keeper.computations()
    }

    /// The dashboard computed for `filters` (every panel, or only `only`):
    /// the kept computation, fresh or marked stale (a stale one starts its
    /// recompute in the background), or computed now if there is none. A
    /// single panel is taken from the kept whole page when that is current.
    /// Blocking.
    pub fn compute(
        &self,
        dashboard: &Dashboard,
        filters: Filters,
        only: Option<&str>,
    ) -> Result<Served<Computed>, ReportError> {
        self.compute_at(dashboard, filters, only, false)
    }

    /// [`Cache::compute`], holding every write committed before the call when
    /// `current` (a stale kept page is not served; the request waits for the
    /// one recompute).
    pub fn compute_at(
        &self,
        dashboard: &Dashboard,
        filters: Filters,
        only: Option<&str>,
        current: bool,
    ) -> Result<Served<Computed>, ReportError> {
        let filters = filters.normalised();
        let q = filters.query_string(true);
        let key: Key = (dashboard.name.clone(), only.map(str::to_string), q.clone());
        let whole: Key = (dashboard.name.clone(), None, q);
        let (engine, d, keeper) = (self.engine.clone(), dashboard.clone(), self.keeper.clone());
        let only = only.map(str::to_string);
        let work = move || {
            // One panel of a page already computed from the same data is
            // narrowed from it, not computed again.
            if let Some(id) = only.as_deref() {
                if let Some(page) = keeper.peek(&whole).filter(|p| !p.stale()) {
                    return page.value.only(id).ok_or_else(|| {
                        ReportError::NotFound(format!("dashboard `{}` has no panel `{id}`", d.name))
                    });
                }
            }
            compute_in(engine.as_ref(), &d, filters, only.as_deref())
        };
        if current {
            self.keeper.get_current(key, work)
        } else {
            self.keeper.get(key, work)
        }
    }

    /// Computes the default page (no filters) of each dashboard in the
    /// background, one after another, so that the first visitor after a
    /// start finds them ready.
    pub fn warm(&self, dashboards: Arc<Vec<Dashboard>>) {
        let me = self.clone();
        let spawned = std::thread::Builder::new()
            .name("yardstick-warm".into())
            .spawn(move || {
                for d in dashboards.iter() {
                    let t = std::time::Instant::now();
                    match me.compute(d, Filters::default(), None) {
                        Ok(_) => tracing::info!(
                            dashboard = %d.name,
                            ms = t.elapsed().as_millis() as u64,
                            "dashboard computed at start"
                        ),
                        Err(e) => tracing::warn!(dashboard = %d.name, error = %e, "cannot compute at start"),
                    }
                }
            });
        if let Err(e) = spawned {
            tracing::warn!(error = %e, "cannot start computing the dashboards");
        }
    }
}
