//! The identities `(source, run_id)` of every stored run, as 64-bit hashes
//! held in memory, each with a lower bound of the batch that holds its
//! current version, so that a small batch of pushed runs is resolved without
//! a scan of the whole `runs` table:
//! - a run whose hash is absent is new: no stored version to compare with or
//!   to supersede (exact: an absent hash belongs to no stored run);
//! - a run whose hash is present may have a stored version, in a batch no
//!   older than the bound, so the lookup reads only the row groups of batches
//!   from the bound on (DuckDB skips the others by their min/max batch id).
//!   A webhook's update (a `running` run completed minutes later) is in the
//!   last row groups; a run first stored by a large file is looked up in that
//!   file's row groups.
//!
//! The bound is the batch that first stored the identity (or, when loaded,
//! the batch of its current version): versions only move to later batches,
//! whose ids are larger, so it stays a lower bound. A present hash may be a
//! collision; the lookup then finds nothing, which is also right. Runs are
//! never deleted (a change adds a version), so the set only grows.
//!
//! Loaded from the table in the background when a server starts (until then
//! every batch takes the general path) and kept current by every commit of
//! runs, under the writer's lock. Memory: 12 bytes per run in two sorted
//! vectors, plus a map of the runs added since the last merge.

use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::sync::{Arc, Mutex};

/// The hash of a run's identity; fixed for the life of the process (the set
/// is never written to disk).
pub(crate) fn identity_hash(source: &str, run_id: &str) -> u64 {
    let mut h = std::hash::DefaultHasher::new();
    source.hash(&mut h);
    run_id.hash(&mut h);
    h.finish()
}

/// Runs added since the last merge beyond which they are merged into the
/// sorted vectors.
const MERGE_AT: usize = 1 << 20;

/// A batch id as kept: one that does not fit is kept as 0, still a lower bound.
fn bound(batch_id: i64) -> u32 {
    u32::try_from(batch_id).unwrap_or(0)
}

enum State {
    /// Not asked for (a command-line process): nothing is kept.
    NotLoaded,
    /// Being read from the table; identities committed meanwhile wait here.
    Loading(Vec<(u64, u32)>),
    Ready {
        /// Hashes in increasing order, and the bound of each.
        hashes: Vec<u64>,
        bounds: Vec<u32>,
        added: HashMap<u64, u32>,
    },
    /// The load failed: every batch takes the general path.
    Unknown,
}

/// What is known of a batch's identities.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Known {
    /// The set is not loaded: look in the whole table.
    Nothing,
    /// No identity of the batch is stored.
    AllNew,
    /// Some may be; every stored version of them is in a batch from this id on.
    From(i64),
}

/// The set; clones share it.
#[derive(Clone)]
pub(crate) struct Identities {
    state: Arc<Mutex<State>>,
}

fn sorted(mut pairs: Vec<(u64, u32)>) -> (Vec<u64>, Vec<u32>) {
    pairs.sort_unstable();
    // Equal hashes (a collision, or one identity loaded and added): the
    // smallest bound, first after sorting, stays.
    pairs.dedup_by_key(|p| p.0);
    pairs.into_iter().unzip()
}

impl Identities {
    /// A set that is not loaded.
    pub(crate) fn new() -> Identities {
        Identities {
            state: Arc::new(Mutex::new(State::NotLoaded)),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Marks the set as loading, if it was not loaded (call it under the
    /// writer's lock, before the load's read begins); false if it already was.
    pub(crate) fn start_loading(&self) -> bool {
        let mut g = self.lock();
        if matches!(*g, State::NotLoaded | State::Unknown) {
            *g = State::Loading(Vec::new());
            true
        } else {
            false
        }
    }

    /// The load read `pairs` (hash, batch of the current version) from the
    /// table, every run committed before it began; with the identities
    /// committed meanwhile, the set is ready.
    pub(crate) fn loaded(&self, mut pairs: Vec<(u64, u32)>) {
        let mut g = self.lock();
        if let State::Loading(pending) = &mut *g {
            pairs.append(pending);
            let (hashes, bounds) = sorted(pairs);
            *g = State::Ready {
                hashes,
                bounds,
                added: HashMap::new(),
            };
        }
    }

    pub(crate) fn failed(&self) {
        *self.lock() = State::Unknown;
    }

    /// Records the identities of runs that batch `batch_id` committed. Call
    /// it under the writer's lock, right after the commit.
    pub(crate) fn add(&self, hashes: &[u64], batch_id: i64) {
        let b = bound(batch_id);
        let mut g = self.lock();
        match &mut *g {
            State::Loading(pending) => pending.extend(hashes.iter().map(|h| (*h, b))),
            State::Ready {
                hashes: sorted_hashes,
                bounds,
                added,
            } => {
                for h in hashes {
                    if sorted_hashes.binary_search(h).is_err() {
                        // The first batch of an identity stays its bound.
                        added.entry(*h).or_insert(b);
                    }
                }
                if added.len() >= MERGE_AT {
                    let mut pairs: Vec<(u64, u32)> = sorted_hashes
                        .iter()
                        .copied()
                        .zip(bounds.iter().copied())
                        .collect();
                    pairs.extend(added.drain());
                    let (h, bo) = sorted(pairs);
                    *sorted_hashes = h;
                    *bounds = bo;
                }
            }
            State::NotLoaded | State::Unknown => {}
        }
    }

    /// What is known of the identities `hashes`.
    pub(crate) fn known(&self, hashes: &[u64]) -> Known {
        let g = self.lock();
        let State::Ready {
            hashes: sorted_hashes,
            bounds,
            added,
        } = &*g
        else {
            return Known::Nothing;
        };
        let mut floor: Option<u32> = None;
        for h in hashes {
            let b = match sorted_hashes.binary_search(h) {
                Ok(i) => Some(bounds[i]),
                Err(_) => added.get(h).copied(),
            };
            if let Some(b) = b {
                floor = Some(floor.map_or(b, |f| f.min(b)));
            }
        }
        match floor {
            None => Known::AllNew,
            Some(f) => Known::From(i64::from(f)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identities_committed_while_loading_are_kept_and_bounds_are_the_first_batch() {
        let ids = Identities::new();
        let h = |i: u32| identity_hash("s", &i.to_string());
        assert_eq!(ids.known(&[h(1)]), Known::Nothing, "not loading");
        assert!(ids.start_loading());
        assert!(!ids.start_loading());
        assert_eq!(ids.known(&[h(1)]), Known::Nothing, "not loaded yet");
        ids.add(&[h(5)], 40);
        ids.loaded(vec![(h(1), 7), (h(2), 30)]);
        assert_ne!(ids.known(&[h(9)]), Known::Nothing, "loaded");
        assert_eq!(
            ids.known(&[h(5)]),
            Known::From(40),
            "committed during the load"
        );
        assert_eq!(ids.known(&[h(9), h(2)]), Known::From(30));
        assert_eq!(ids.known(&[h(2), h(1), h(9)]), Known::From(7));
        assert_eq!(ids.known(&[h(9), h(10)]), Known::AllNew);
        ids.add(&[h(9)], 50);
        ids.add(&[h(9), h(2)], 60);
        assert_eq!(ids.known(&[h(9)]), Known::From(50), "the first batch stays");
        assert_eq!(ids.known(&[h(2)]), Known::From(30));
        assert_ne!(identity_hash("ab", "c"), identity_hash("a", "bc"));
        ids.failed();
        assert_eq!(ids.known(&[h(11)]), Known::Nothing);
    }

    #[test]
    fn a_merge_keeps_every_identity_and_its_smallest_bound() {
        let (h, b) = sorted(vec![(5, 9), (1, 3), (5, 2), (3, 4)]);
        assert_eq!(h, vec![1, 3, 5]);
        assert_eq!(b, vec![3, 4, 2]);
    }
}
