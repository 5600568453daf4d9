//! An engine over a lake that follows its committed snapshot, for a server
//! that reports from the lake (`serve --engine spark|duckdb-lake`): a watcher
//! reads the lake's `CURRENT` every few seconds and, when a publish moved it,
//! opens the engine again on the new snapshot and counts a new generation,
//! so the kept answers and dashboards (`crate::keep`) know they are stale.
//! Between publishes nothing changes: a lake is written only by `lake
//! publish`, never by the server.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use super::{Engine, EngineError, Result};
use crate::lake::Root;

/// Opens the engine on the lake's committed snapshot (an engine that follows
/// `CURRENT` itself, as Spark's does, may hand back the same one each time).
pub type Open = Box<dyn Fn() -> Result<Arc<dyn Engine>> + Send + Sync>;

/// The engine on the lake's snapshot of the moment (see the module's note).
pub struct Following {
    root: Root,
    open: Open,
    state: RwLock<(String, Arc<dyn Engine>)>,
    generation: AtomicU64,
}

impl Following {
    /// Opens the engine on the committed snapshot now.
    pub fn open(root: Root, open: Open) -> Result<Arc<Following>> {
        let snapshot = snapshot_of(&root)?;
        let engine = open()?;
        Ok(Arc::new(Following {
            root,
            open,
            state: RwLock::new((snapshot, engine)),
            generation: AtomicU64::new(1),
        }))
    }

    /// The snapshot the answers come from.
    pub fn snapshot(&self) -> String {
        self.state
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .0
            .clone()
    }

    /// The generation (one more per snapshot followed) and the runs not yet
    /// included (always 0: a snapshot is whole), as `crate::keep` reads them.
    pub fn freshness(&self) -> (u64, u64) {
        (self.generation.load(Ordering::Acquire), 0)
    }

    /// Moves to the committed snapshot if a publish changed it since; true
    /// when it moved. An engine that cannot open the new snapshot leaves the
    /// old one serving, and says why.
    pub fn follow(&self) -> Result<bool> {
        let now = snapshot_of(&self.root)?;
        if now == self.snapshot() {
            return Ok(false);
        }
        let engine = (self.open)()?;
        *self.state.write().unwrap_or_else(|p| p.into_inner()) = (now, engine);
        self.generation.fetch_add(1, Ordering::AcqRel);
        Ok(true)
    }

    /// Follows the lake every `every` on a thread of its own, for as long as
    /// the process runs.
    pub fn watch(self: &Arc<Self>, every: Duration) -> std::io::Result<()> {
        let me = Arc::downgrade(self);
        std::thread::Builder::new()
            .name("yardstick-lake-watch".into())
            .spawn(move || loop {
                std::thread::sleep(every);
                let Some(me) = me.upgrade() else { return };
                match me.follow() {
                    Ok(true) => tracing::info!(snapshot = %me.snapshot(), "following the lake's new snapshot"),
                    Ok(false) => {}
                    Err(e) => tracing::warn!(error = %e, "cannot follow the lake; the last snapshot keeps serving"),
                }
            })
            .map(|_| ())
    }

    fn engine(&self) -> Arc<dyn Engine> {
        self.state
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .1
            .clone()
    }
}

fn snapshot_of(root: &Root) -> Result<String> {
    root.current()
        .map(|m| m.snapshot)
        .map_err(|e| EngineError::Failed(e.to_string()))
}

impl Engine for Following {
    super::delegate!(Following::engine =>
        catalogue, run_span, metric_frames, segment_frames, compare_evidence, segment_evidence, outcome_values, workflows, steps_frame,
        backlog_frames, period_query, segmented_period_query, reporting_money, waterfall_frame, provenance_frame,
    );
}
