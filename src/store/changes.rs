//! Which workflows each commit changed, so that a result kept per workflow
//! (`engine::parts`) knows whether the data it was computed from still
//! holds.
//!
//! A [`Version`] of a workflow's data is the pair (epoch, the last commit
//! that changed the workflow's runs). A group of pushed runs changes only its
//! workflows; any other write — a file of runs, the catalogue, a time study,
//! steps — starts a new epoch, which changes every workflow's version. The
//! versions move after the commit, under the writer's lock, so a reader that
//! reads the versions before it reads the data never labels a result with a
//! version newer than its data: at worst it computes again.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use crate::engine::Versions;

/// The versions as they move, shared by a store's clones.
#[derive(Clone, Default)]
pub(super) struct Changes(Arc<Mutex<State>>);

#[derive(Default)]
struct State {
    epoch: u64,
    /// Commits counted within the epoch.
    commits: u64,
    /// Copied on write: readers hold snapshots.
    changed: Arc<HashMap<String, u64>>,
}

impl Changes {
    pub(super) fn now(&self) -> Versions {
        let s = self.0.lock().unwrap_or_else(|p| p.into_inner());
        Versions::new(s.epoch, s.changed.clone())
    }

    /// A commit that changed the runs of `workflows` and nothing else.
    pub(super) fn workflows(&self, workflows: &[String]) {
        let mut s = self.0.lock().unwrap_or_else(|p| p.into_inner());
        s.commits += 1;
        let commit = s.commits;
        let changed = Arc::make_mut(&mut s.changed);
        for w in workflows {
            changed.insert(w.clone(), commit);
        }
    }

    /// A commit that may have changed anything.
    pub(super) fn everything(&self) {
        let mut s = self.0.lock().unwrap_or_else(|p| p.into_inner());
        s.epoch += 1;
        s.commits = 0;
        s.changed = Arc::new(HashMap::new());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_commit_moves_its_workflows_and_an_epoch_moves_all() {
        let c = Changes::default();
        let v0 = c.now();
        c.workflows(&["a".to_string()]);
        let v1 = c.now();
        assert_ne!(v1.of("a"), v0.of("a"));
        assert_eq!(v1.of("b"), v0.of("b"));
        // A snapshot taken before does not move.
        c.workflows(&["b".to_string()]);
        assert_eq!(v1.of("b"), v0.of("b"));
        assert_ne!(c.now().of("b"), v1.of("b"));
        c.everything();
        let v2 = c.now();
        assert_ne!(v2.of("zzz"), v1.of("zzz"));
        assert_ne!(v2.of("a"), v1.of("a"));
        // A later commit within the new epoch is told apart from the first
        // commit of the old one.
        c.workflows(&["a".to_string()]);
        assert_ne!(c.now().of("a"), v1.of("a"));
    }
}
