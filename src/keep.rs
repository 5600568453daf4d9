//! Answers kept and refreshed in the background: a reader never waits for a
//! recompute that a write caused.
//!
//! A [`Keeper`] holds the last complete answer of every key (a dashboard and
//! its filters, a route and its query) with the [`Stamp`] of the data it was
//! computed from. A request for a key
//! - whose kept answer is of the store's current generation gets it;
//! - whose kept answer is older gets it too, marked stale (the runs committed
//!   since are counted), and starts one recompute in the background unless
//!   one is running already;
//! - that has no answer yet computes it, once: every concurrent request for
//!   the same key waits for that one computation.
//!
//! So there is at most one computation per key at a time, however many
//! visitors are waiting, and a recompute replaces the kept answer only when it
//! is complete. The keeper does no I/O of its own; the computations are given
//! to it as closures, and "now" (the store's generation and runs committed) by
//! a function given when it is made.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};

use chrono::NaiveDateTime;

/// The data an answer was computed from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stamp {
    /// The store's generation when the computation began: the answer holds
    /// every write committed up to it.
    pub generation: u64,
    /// Run versions committed through this process up to then.
    pub runs: u64,
    /// When the computation began reading (UTC).
    pub as_of: NaiveDateTime,
}

/// Held by the background recompute that is running (one at a time).
static REFRESH: Mutex<()> = Mutex::new(());

/// Where the store stands now: its generation and the run versions committed.
pub type Now = Arc<dyn Fn() -> (u64, u64) + Send + Sync>;

/// A kept answer as served: the value, the data it was computed from, and
/// where the store stands now.
#[derive(Debug)]
pub struct Served<V> {
    pub value: Arc<V>,
    pub stamp: Stamp,
    /// The store's generation when the answer was served.
    pub generation_now: u64,
    /// Run versions committed since the answer's data: not included in it.
    pub runs_pending: u64,
}

impl<V> Served<V> {
    /// Whether something was committed after the answer's data was read.
    pub fn stale(&self) -> bool {
        self.stamp.generation < self.generation_now
    }

    /// The freshness of the answer as JSON: `as_of`, `generation`,
    /// `generation_now`, `stale` and `runs_not_included`.
    pub fn freshness_json(&self) -> serde_json::Value {
        serde_json::to_value(Freshness {
            as_of: crate::model::format_timestamp(self.stamp.as_of),
            generation: self.stamp.generation,
            generation_now: self.generation_now,
            stale: self.stale(),
            runs_not_included: self.runs_pending,
        })
        .expect("freshness always serialises")
    }

    /// One line for a page: "Data as of 10:42:05 UTC (all committed runs
    /// included)" or "…, 37 newer runs not yet included; refreshing".
    pub fn freshness_text(&self) -> String {
        let at = self.stamp.as_of.format("%Y-%m-%d %H:%M:%S UTC");
        match (self.stale(), self.runs_pending) {
            (false, _) => format!("Data as of {at}, every committed write included."),
            (true, 0) => format!(
                "Data as of {at}; the data changed since (the catalogue, a time study, or a new lake snapshot) and a refresh is under way."
            ),
            (true, 1) => format!("Data as of {at}; 1 newer run not yet included, refreshing."),
            (true, n) => format!("Data as of {at}; {n} newer runs not yet included, refreshing."),
        }
    }
}

/// How fresh a kept answer is: the `freshness` member of a JSON answer.
#[derive(Debug, serde::Serialize, schemars::JsonSchema)]
pub struct Freshness {
    /// When the answer's data was read (UTC).
    #[schemars(with = "crate::schema::Timestamp")]
    pub as_of: String,
    /// The store's count of commits the answer includes (of this server process).
    pub generation: u64,
    /// The store's count of commits when the answer was served.
    pub generation_now: u64,
    /// Whether a commit came after the answer's data was read.
    pub stale: bool,
    /// Run versions committed since the answer's data: not included in it.
    pub runs_not_included: u64,
}

struct Slot<V> {
    kept: Option<(Arc<V>, Stamp)>,
    computing: bool,
    used: u64,
}

struct Slots<K, V> {
    map: HashMap<K, Slot<V>>,
    tick: u64,
}

struct Inner<K, V> {
    slots: Mutex<Slots<K, V>>,
    done: Condvar,
    now: Now,
    capacity: usize,
    computations: AtomicU64,
}

impl<K, V> Inner<K, V> {
    fn lock(&self) -> MutexGuard<'_, Slots<K, V>> {
        // Nothing panics while the lock is held; a poisoned lock still holds
        // consistent slots.
        self.slots.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Kept answers by key; clones share them.
pub struct Keeper<K, V> {
    inner: Arc<Inner<K, V>>,
}

impl<K, V> Clone for Keeper<K, V> {
    fn clone(&self) -> Self {
        Keeper {
            inner: self.inner.clone(),
        }
    }
}

/// Marks a key's computation finished when dropped, whether it produced an
/// answer, failed or panicked, and wakes the requests waiting for it.
struct Computing<K: Hash + Eq, V> {
    inner: Arc<Inner<K, V>>,
    key: K,
}

impl<K: Hash + Eq, V> Computing<K, V> {
    /// Keeps `value` unless a newer answer is kept already; dropping the
    /// guard then frees the key.
    fn finish(self, value: Arc<V>, stamp: Stamp) {
        let mut g = self.inner.lock();
        if let Some(slot) = g.map.get_mut(&self.key) {
            if slot
                .kept
                .as_ref()
                .is_none_or(|(_, s)| s.generation <= stamp.generation)
            {
                slot.kept = Some((value, stamp));
            }
        }
    }
}

impl<K: Hash + Eq, V> Drop for Computing<K, V> {
    fn drop(&mut self) {
        let mut g = self.inner.lock();
        if let Some(slot) = g.map.get_mut(&self.key) {
            slot.computing = false;
        }
        drop(g);
        self.inner.done.notify_all();
    }
}

impl<K, V> Keeper<K, V>
where
    K: Clone + Hash + Eq + Send + Sync + 'static,
    V: Send + Sync + 'static,
{
    /// A keeper of up to `capacity` answers (beyond it the least recently
    /// requested one goes), with `now` telling where the store stands.
    pub fn new(capacity: usize, now: Now) -> Keeper<K, V> {
        Keeper {
            inner: Arc::new(Inner {
                slots: Mutex::new(Slots {
                    map: HashMap::new(),
                    tick: 0,
                }),
                done: Condvar::new(),
                now,
                capacity: capacity.max(1),
                computations: AtomicU64::new(0),
            }),
        }
    }

    /// How many computations this keeper has started (fresh, and background
    /// ones once scheduled).
    pub fn computations(&self) -> u64 {
        self.inner.computations.load(Ordering::Relaxed)
    }

    /// The kept answer of `key`, if any, without computing anything.
    pub fn peek(&self, key: &K) -> Option<Served<V>> {
        let (generation, runs) = (self.inner.now)();
        let g = self.inner.lock();
        let (v, s) = g.map.get(key)?.kept.as_ref()?;
        Some(served(v, *s, generation, runs))
    }

    /// Whether a computation of `key` is running.
    pub fn is_computing(&self, key: &K) -> bool {
        self.inner.lock().map.get(key).is_some_and(|s| s.computing)
    }

    /// The answer of `key`: the kept one (starting one background recompute
    /// if it is stale), or, when nothing is kept, the result of `compute` run
    /// once here while every other request for `key` waits for it. A failed
    /// computation keeps nothing; its error goes to the request that ran it,
    /// and a waiting request then tries again. Blocking: call it off the
    /// async threads.
    pub fn get<E, F>(&self, key: K, compute: F) -> Result<Served<V>, E>
    where
        F: FnOnce() -> Result<V, E> + Send + 'static,
        E: std::fmt::Display,
    {
        self.get_at_least(key, None, compute)
    }

    /// [`Keeper::get`] for a request that must see every write committed
    /// before it (`current`: HTTP's `Cache-Control: no-cache`): a stale
    /// answer is not served; the request waits for the running recompute, or
    /// runs it, and still only one computation runs at a time.
    pub fn get_current<E, F>(&self, key: K, compute: F) -> Result<Served<V>, E>
    where
        F: FnOnce() -> Result<V, E> + Send + 'static,
        E: std::fmt::Display,
    {
        let wanted = (self.inner.now)().0;
        self.get_at_least(key, Some(wanted), compute)
    }

    fn get_at_least<E, F>(&self, key: K, wanted: Option<u64>, compute: F) -> Result<Served<V>, E>
    where
        F: FnOnce() -> Result<V, E> + Send + 'static,
        E: std::fmt::Display,
    {
        let mut compute = Some(compute);
        let mut g = self.inner.lock();
        loop {
            let (generation, runs) = (self.inner.now)();
            g.tick += 1;
            let tick = g.tick;
            if !g.map.contains_key(&key) {
                self.evict(&mut g);
                g.map.insert(
                    key.clone(),
                    Slot {
                        kept: None,
                        computing: false,
                        used: tick,
                    },
                );
            }
            let slot = g.map.get_mut(&key).expect("inserted above");
            slot.used = tick;
            let good_enough = |s: &Stamp| wanted.is_none_or(|w| s.generation >= w);
            if let Some((v, s)) = slot.kept.as_ref().filter(|(_, s)| good_enough(s)) {
                let answer = served(v, *s, generation, runs);
                if answer.stale() && !slot.computing {
                    if let Some(f) = compute.take() {
                        slot.computing = true;
                        drop(g);
                        self.refresh_in_background(key, f);
                    }
                }
                return Ok(answer);
            }
            if slot.computing {
                g = self.inner.done.wait(g).unwrap_or_else(|e| e.into_inner());
                continue;
            }
            slot.computing = true;
            drop(g);
            let guard = Computing {
                inner: self.inner.clone(),
                key,
            };
            self.inner.computations.fetch_add(1, Ordering::Relaxed);
            let stamp = stamp(generation, runs);
            let f = compute.take().expect("computed at most once per request");
            let value = Arc::new(f()?);
            guard.finish(value.clone(), stamp);
            return Ok(served(&value, stamp, generation, runs));
        }
    }

    fn refresh_in_background<E, F>(&self, key: K, compute: F)
    where
        F: FnOnce() -> Result<V, E> + Send + 'static,
        E: std::fmt::Display,
    {
        let guard = Computing {
            inner: self.inner.clone(),
            key,
        };
        self.inner.computations.fetch_add(1, Ordering::Relaxed);
        let me = self.clone();
        let spawned = std::thread::Builder::new()
            .name("yardstick-refresh".into())
            .spawn(move || {
                // One background recompute at a time in the process: readers
                // are served the kept answers meanwhile, and the writer keeps
                // the rest of the machine.
                let _slot = REFRESH.lock().unwrap_or_else(|e| e.into_inner());
                yield_to_writes();
                let (generation, runs) = (me.inner.now)();
                let stamp = stamp(generation, runs);
                match compute() {
                    Ok(v) => guard.finish(Arc::new(v), stamp),
                    // The kept answer stays; the next request tries again.
                    Err(e) => tracing::warn!(error = %e, "background refresh failed"),
                }
            });
        if let Err(e) = spawned {
            // The guard went down with the closure: the slot is free again.
            tracing::warn!(error = %e, "cannot start a background refresh");
        }
    }

    /// Makes room for one more key: drops the least recently requested
    /// answers that are not being computed.
    fn evict(&self, g: &mut Slots<K, V>) {
        while g.map.len() >= self.inner.capacity {
            let oldest = g
                .map
                .iter()
                .filter(|(_, s)| !s.computing)
                .min_by_key(|(_, s)| s.used)
                .map(|(k, _)| k.clone());
            match oldest {
                Some(k) => {
                    g.map.remove(&k);
                }
                None => break,
            }
        }
    }
}

/// The stamp of a computation that begins reading now.
fn stamp(generation: u64, runs: u64) -> Stamp {
    Stamp {
        generation,
        runs,
        as_of: chrono::Utc::now().naive_utc(),
    }
}

fn served<V>(v: &Arc<V>, stamp: Stamp, generation: u64, runs: u64) -> Served<V> {
    Served {
        value: v.clone(),
        stamp,
        generation_now: generation,
        runs_pending: runs.saturating_sub(stamp.runs),
    }
}

/// Lowers the calling thread's scheduling priority (nice 10), for a
/// background refresh: with pushes arriving, the writer and the refresh share
/// the cores, and the pushes are what must not wait (measured at 10M runs on
/// 2 cores: 1,169 pushes/s with no refresh running, 395/s beside it). Threads
/// the refresh starts (the bootstrap's) inherit it; DuckDB's own workers do
/// not. Linux only; elsewhere it does nothing.
fn yield_to_writes() {
    #[cfg(target_os = "linux")]
    // SAFETY: setpriority only reads its arguments; on Linux `who` 0 with
    // PRIO_PROCESS is the calling thread, whose nice value is its own.
    unsafe {
        libc::setpriority(libc::PRIO_PROCESS, 0, 10);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicU64;
    use std::sync::mpsc;
    use std::time::Duration;

    fn keeper(gen: Arc<AtomicU64>) -> Keeper<&'static str, u64> {
        Keeper::new(
            8,
            Arc::new(move || {
                let g = gen.load(Ordering::SeqCst);
                (g, g * 10)
            }),
        )
    }

    #[test]
    fn concurrent_first_requests_compute_once_and_all_get_that_answer() {
        let gen = Arc::new(AtomicU64::new(1));
        let k = keeper(gen);
        let (release, gate) = mpsc::channel::<()>();
        let gate = Arc::new(Mutex::new(gate));
        let mut threads = Vec::new();
        for _ in 0..10 {
            let (k, gate) = (k.clone(), gate.clone());
            threads.push(std::thread::spawn(move || {
                k.get("page", move || {
                    gate.lock().unwrap().recv().unwrap();
                    Ok::<_, String>(42)
                })
                .unwrap()
            }));
        }
        // Let all ten requests arrive, then let the one computation finish.
        while !k.is_computing(&"page") {
            std::thread::sleep(Duration::from_millis(1));
        }
        std::thread::sleep(Duration::from_millis(50));
        release.send(()).unwrap();
        for t in threads {
            let s = t.join().unwrap();
            assert_eq!(*s.value, 42);
            assert!(!s.stale());
        }
        assert_eq!(k.computations(), 1);
    }

    #[test]
    fn a_stale_answer_is_served_while_one_refresh_runs() {
        let gen = Arc::new(AtomicU64::new(1));
        let k = keeper(gen.clone());
        k.get("page", || Ok::<_, String>(1)).unwrap();
        gen.store(3, Ordering::SeqCst);
        let (release, gate) = mpsc::channel::<()>();
        let first = k
            .get("page", move || {
                gate.recv().unwrap();
                Ok::<_, String>(2)
            })
            .unwrap();
        assert_eq!(*first.value, 1, "the previous answer, at once");
        assert!(first.stale());
        assert_eq!(first.runs_pending, 20);
        // While it runs, more visitors get the old answer and start nothing.
        for _ in 0..5 {
            let s = k
                .get("page", || -> Result<u64, String> {
                    panic!("not a second refresh")
                })
                .unwrap();
            assert_eq!(*s.value, 1);
            assert!(s.stale());
        }
        assert_eq!(k.computations(), 2);
        release.send(()).unwrap();
        while k.is_computing(&"page") {
            std::thread::sleep(Duration::from_millis(1));
        }
        let after = k
            .get("page", || -> Result<u64, String> {
                panic!("fresh: no computation")
            })
            .unwrap();
        assert_eq!(*after.value, 2);
        assert!(!after.stale());
        assert_eq!(after.runs_pending, 0);
        assert_eq!(after.stamp.generation, 3);
    }

    #[test]
    fn a_request_for_the_current_answer_waits_for_the_one_refresh() {
        let gen = Arc::new(AtomicU64::new(1));
        let k = keeper(gen.clone());
        k.get("page", || Ok::<_, String>(1)).unwrap();
        gen.store(2, Ordering::SeqCst);
        let (release, gate) = mpsc::channel::<()>();
        let stale = k
            .get("page", move || {
                gate.recv().unwrap();
                Ok::<_, String>(2)
            })
            .unwrap();
        assert!(stale.stale());
        let k2 = k.clone();
        let waiting = std::thread::spawn(move || {
            k2.get_current("page", || -> Result<u64, String> {
                panic!("waits, computes nothing")
            })
            .unwrap()
        });
        std::thread::sleep(Duration::from_millis(50));
        assert!(!waiting.is_finished(), "it waits for the refresh");
        release.send(()).unwrap();
        let current = waiting.join().unwrap();
        assert_eq!(*current.value, 2);
        assert!(!current.stale());
        assert_eq!(k.computations(), 2);
        // Current already: served at once.
        assert_eq!(
            *k.get_current("page", || Ok::<_, String>(3)).unwrap().value,
            2
        );
    }

    #[test]
    fn a_failed_computation_keeps_nothing_and_frees_the_key() {
        let gen = Arc::new(AtomicU64::new(1));
        let k = keeper(gen.clone());
        assert_eq!(
            k.get("page", || Err::<u64, _>("no".to_string()))
                .unwrap_err(),
            "no"
        );
        assert!(k.peek(&"page").is_none());
        assert_eq!(*k.get("page", || Ok::<_, String>(7)).unwrap().value, 7);
        // A failed background refresh keeps the old answer.
        gen.store(2, Ordering::SeqCst);
        let s = k
            .get("page", || Err::<u64, _>("later".to_string()))
            .unwrap();
        assert_eq!(*s.value, 7);
        while k.is_computing(&"page") {
            std::thread::sleep(Duration::from_millis(1));
        }
        assert_eq!(*k.peek(&"page").unwrap().value, 7);
        // A panicking one frees the key too.
        gen.store(3, Ordering::SeqCst);
        let _ = k.get("page", || -> Result<u64, String> { panic!("boom") });
        while k.is_computing(&"page") {
            std::thread::sleep(Duration::from_millis(1));
        }
        assert_eq!(*k.get("page", || Ok::<_, String>(9)).unwrap().value, 7);
    }

    #[test]
    fn the_least_recently_requested_answer_goes_first() {
        let gen = Arc::new(AtomicU64::new(1));
        let k: Keeper<u32, u32> = Keeper::new(2, Arc::new(move || (gen.load(Ordering::SeqCst), 0)));
        k.get(1, || Ok::<_, String>(1)).unwrap();
        k.get(2, || Ok::<_, String>(2)).unwrap();
        k.get(1, || Ok::<_, String>(0)).unwrap();
        k.get(3, || Ok::<_, String>(3)).unwrap();
        assert!(k.peek(&1).is_some());
        assert!(k.peek(&2).is_none());
        assert!(k.peek(&3).is_some());
    }
}
