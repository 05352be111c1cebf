//! The guide's call kept in memory: each organization's enabled connections, in order, as the
//! store last read them, until anything is written.
//!
//! Correct only if the store calls [`EnabledCache::invalidate`] after every commit that may
//! change them, its own and (as soon as it learns of them) other processes'. A read takes the
//! generation *before* it starts and is kept only if nothing was invalidated since, so a read
//! that raced a write is used once and never kept. Invalidation drops every entry: writes are
//! rare next to this read, and one write (deleting or renaming a connection) can change many
//! organizations' lists. An organization that does not exist is never kept (a miss asks the
//! store again).
//!
//! Bounded: at most as many organizations as [`EnabledCache::new`] was given, in [`PARTS`]
//! parts by age; when the newest is full the oldest is dropped (a hit in an older part moves the
//! entry to the newest). A drop frees an eighth of the cache, not half: on a tenant too large to
//! keep, where nearly every read is a miss and a part fills every few thousand requests, freeing
//! half (five thousand lists, ninety thousand allocations) stalled the request that did it.
//!
//! Both stores use it. Their own commits invalidate it at once (`Db::write` in
//! `store-sqlite/src/db.rs` and `store-postgres/src/db.rs`); others' within 0.1 s, learnt by a
//! watcher: SQLite's `PRAGMA data_version` (`store-sqlite/src/lib.rs`), the end of PostgreSQL's
//! write-ahead log (`store-postgres/src/other_writers.rs`). While a watcher cannot tell, it turns
//! the cache off ([`EnabledCache::set_enabled`]).
//!
//! Beside the kept lists, the store may hand it the whole tenant at once ([`Complete`], packed
//! small), loaded in the background ([`Reloads`] says when) and kept by the same rule: only if
//! nothing was invalidated since the load began, and dropped with everything else at the next
//! invalidation. While it is there, a miss is answered from it, and so is an organization that
//! does not exist; on a tenant too large for the kept lists that is every random read.

use std::collections::{HashMap, VecDeque};
use std::future::Future;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use crate::enabled_connection::EnabledConnection;
use crate::ids::OrgId;

mod complete;

pub use complete::{Complete, CompleteBuilder, Reloads, Unpackable};

/// An organization's enabled connections, in the order they were enabled.
pub type InOrder = Arc<[EnabledConnection]>;

/// Organizations kept by default: about 1 KB each (ten connections at most).
pub const DEFAULT_CAPACITY: usize = 10_000;

#[derive(Debug)]
pub struct EnabledCache {
    inner: Mutex<Inner>,
    capacity: usize,
    shape: Shape,
}

#[derive(Debug, Default)]
struct Inner {
    /// Bumped by every invalidation.
    generation: u64,
    /// While false (the store cannot tell when others write), nothing is kept.
    enabled: bool,
    /// The newest first; at most [`PARTS`].
    parts: VecDeque<HashMap<OrgId, InOrder>>,
    /// Every organization, as of a load begun at the current generation.
    complete: Option<Arc<Complete>>,
    /// When the last invalidation was (`None`: never).
    invalidated_at: Option<Instant>,
}

/// The parts the cache is kept in, by age (fewer if it keeps fewer organizations).
pub const PARTS: usize = 8;

/// How many parts, of how many organizations each: never more than the capacity in all.
#[derive(Debug, Clone, Copy)]
struct Shape {
    count: usize,
    size: usize,
}

impl Shape {
    fn of(capacity: usize) -> Shape {
        let count = PARTS.min(capacity).max(1);
        Shape {
            count,
            size: capacity / count,
        }
    }
}

impl Inner {
    /// Keeps `org` in the newest part; if that is full, a new part starts and the oldest part
    /// beyond `shape`'s count is handed back, to be freed outside the lock.
    fn keep(&mut self, org: OrgId, all: InOrder, shape: Shape) -> Option<HashMap<OrgId, InOrder>> {
        let mut dropped = None;
        if self
            .parts
            .front()
            .is_none_or(|newest| newest.len() >= shape.size)
        {
            self.parts.push_front(HashMap::new());
            if self.parts.len() > shape.count {
                dropped = self.parts.pop_back();
            }
        }
        if let Some(newest) = self.parts.front_mut() {
            newest.insert(org, all);
        }
        dropped
    }
}

impl EnabledCache {
    /// A cache of at most `capacity` organizations (0: keeps nothing).
    pub fn new(capacity: usize) -> Self {
        EnabledCache {
            inner: Mutex::new(Inner {
                enabled: capacity > 0,
                ..Inner::default()
            }),
            capacity,
            shape: Shape::of(capacity),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // Every change below leaves `Inner` whole: a panic elsewhere cannot leave it half done.
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The organization's connections from memory, or `read` from the store (kept if nothing
    /// was invalidated while it ran). `read` answers `None` for a missing organization.
    pub async fn get_or_read<E, R, F>(&self, org: &OrgId, read: R) -> Result<Option<InOrder>, E>
    where
        R: FnOnce() -> F,
        F: Future<Output = Result<Option<Vec<EnabledConnection>>, E>>,
    {
        let (generation, whole) = {
            let mut inner = self.lock();
            if let Some(hit) = inner.parts.front().and_then(|newest| newest.get(org)) {
                return Ok(Some(Arc::clone(hit)));
            }
            let older = inner
                .parts
                .iter_mut()
                .skip(1)
                .find_map(|part| part.remove(org));
            if let Some(hit) = older {
                let dropped = inner.keep(org.clone(), Arc::clone(&hit), self.shape);
                drop(inner);
                drop(dropped);
                return Ok(Some(hit));
            }
            (inner.generation, inner.complete.clone())
        };
        if let Some(whole) = whole {
            let Some(found) = whole.get(org) else {
                return Ok(None);
            };
            let found: InOrder = found.into();
            // Kept as well only where the kept lists can hold the whole tenant: on a larger one,
            // random reads would only churn them.
            if whole.organizations() <= self.capacity {
                let dropped = {
                    let mut inner = self.lock();
                    (inner.enabled && inner.generation == generation)
                        .then(|| inner.keep(org.clone(), Arc::clone(&found), self.shape))
                };
                drop(dropped);
            }
            return Ok(Some(found));
        }
        let Some(read) = read().await? else {
            return Ok(None);
        };
        let read: InOrder = read.into();
        let dropped = {
            let mut inner = self.lock();
            if !inner.enabled || inner.generation != generation {
                return Ok(Some(read));
            }
            inner.keep(org.clone(), Arc::clone(&read), self.shape)
        };
        // Freed outside the lock: a part is a thousand entries or so.
        drop(dropped);
        Ok(Some(read))
    }

    /// Something may have changed: forget everything, and any read that started before.
    pub fn invalidate(&self) {
        let dropped = {
            let mut inner = self.lock();
            inner.generation += 1;
            inner.invalidated_at = Some(Instant::now());
            (std::mem::take(&mut inner.parts), inner.complete.take())
        };
        drop(dropped);
    }

    /// The generation to hand [`EnabledCache::keep_complete`], taken before the load begins.
    pub fn generation(&self) -> u64 {
        self.lock().generation
    }

    /// Keeps the whole tenant, loaded by a read that began at `generation`, if nothing was
    /// invalidated since and entries may be kept; says whether it was kept.
    pub fn keep_complete(&self, generation: u64, complete: Complete) -> bool {
        let mut inner = self.lock();
        if !inner.enabled || inner.generation != generation {
            drop(inner);
            drop(complete);
            return false;
        }
        inner.complete = Some(Arc::new(complete));
        true
    }

    /// Whether the whole tenant is in memory now.
    pub fn has_complete(&self) -> bool {
        self.lock().complete.is_some()
    }

    /// Whether the whole tenant is wanted: entries may be kept and it is not there.
    pub fn wants_complete(&self) -> bool {
        let inner = self.lock();
        inner.enabled && inner.complete.is_none()
    }

    /// How long since the last invalidation (`None`: there was none).
    pub fn quiet_for(&self) -> Option<Duration> {
        self.lock().invalidated_at.map(|at| at.elapsed())
    }

    /// Whether entries may be kept. Off while the store cannot learn of others' writes (its
    /// listener is down); turning it on or off also invalidates.
    pub fn set_enabled(&self, enabled: bool) {
        self.invalidate();
        self.lock().enabled = enabled && self.capacity > 0;
    }

    /// Organizations kept now.
    pub fn len(&self) -> usize {
        self.lock().parts.iter().map(HashMap::len).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl Default for EnabledCache {
    fn default() -> Self {
        EnabledCache::new(DEFAULT_CAPACITY)
    }
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;
    use std::convert::Infallible;

    use super::*;
    use crate::connection::ConnectionSummary;
    use crate::enabled_connection::Settings;
    use crate::ids::ConnectionId;

    fn org(n: usize) -> OrgId {
        OrgId::from_trusted(format!("org_{n:016}"))
    }

    fn enabled(name: &str) -> EnabledConnection {
        EnabledConnection {
            connection_id: ConnectionId::from_trusted(format!("con_{name:0>16}")),
            settings: Settings::default(),
            connection: ConnectionSummary {
                name: name.into(),
                strategy: "auth0".into(),
            },
        }
    }

    /// Reads through the cache, counting the store's reads; the store answers `names`.
    fn read(
        cache: &EnabledCache,
        org: &OrgId,
        names: Option<&[&str]>,
        reads: &Cell<u32>,
    ) -> Option<Vec<String>> {
        let store = || async {
            reads.set(reads.get() + 1);
            Ok::<_, Infallible>(names.map(|n| n.iter().map(|n| enabled(n)).collect()))
        };
        let out = block_on(cache.get_or_read(org, store)).unwrap();
        out.map(|all| all.iter().map(|e| e.connection.name.clone()).collect())
    }

    fn block_on<T>(f: impl Future<Output = T>) -> T {
        let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
        match std::pin::pin!(f).poll(&mut cx) {
            std::task::Poll::Ready(out) => out,
            std::task::Poll::Pending => panic!("the test's futures are ready at once"),
        }
    }

    #[test]
    fn a_second_read_comes_from_memory_until_a_write_invalidates() {
        let cache = EnabledCache::new(100);
        let reads = Cell::new(0);
        let a = org(1);
        assert_eq!(
            read(&cache, &a, Some(&["x", "y"]), &reads).unwrap(),
            ["x", "y"]
        );
        assert_eq!(
            read(&cache, &a, Some(&["changed"]), &reads).unwrap(),
            ["x", "y"]
        );
        assert_eq!(reads.get(), 1);
        cache.invalidate();
        assert_eq!(
            read(&cache, &a, Some(&["changed"]), &reads).unwrap(),
            ["changed"]
        );
        assert_eq!(reads.get(), 2);
    }

    #[test]
    fn a_read_that_raced_a_write_is_answered_but_not_kept() {
        let cache = EnabledCache::new(100);
        let reads = Cell::new(0);
        let a = org(1);
        let racing = || async {
            // The write commits and invalidates while the read is in the store.
            cache.invalidate();
            Ok::<_, Infallible>(Some(vec![enabled("before the write")]))
        };
        let out = block_on(cache.get_or_read(&a, racing)).unwrap().unwrap();
        assert_eq!(out[0].connection.name, "before the write");
        assert!(cache.is_empty());
        assert_eq!(
            read(&cache, &a, Some(&["after"]), &reads).unwrap(),
            ["after"]
        );
    }

    #[test]
    fn a_missing_organization_is_not_kept() {
        let cache = EnabledCache::new(100);
        let reads = Cell::new(0);
        assert_eq!(read(&cache, &org(1), None, &reads), None);
        assert_eq!(
            read(&cache, &org(1), Some(&["made"]), &reads).unwrap(),
            ["made"]
        );
        assert_eq!(reads.get(), 2);
    }

    #[test]
    fn it_keeps_at_most_its_capacity_and_the_recently_used() {
        let cache = EnabledCache::new(10);
        let reads = Cell::new(0);
        for n in 0..1000 {
            read(&cache, &org(n), Some(&["x"]), &reads);
            // Organization 0 is read all along: it stays.
            read(&cache, &org(0), Some(&["x"]), &reads);
            assert!(cache.len() <= 10, "{} kept", cache.len());
        }
        assert_eq!(reads.get(), 1000, "org 0 was read from the store once");
    }

    #[test]
    fn a_full_part_drops_only_the_oldest_part() {
        let cache = EnabledCache::new(80);
        let reads = Cell::new(0);
        for n in 0..80 {
            read(&cache, &org(n), Some(&["x"]), &reads);
        }
        assert_eq!(cache.len(), 80, "full");
        read(&cache, &org(80), Some(&["x"]), &reads);
        assert_eq!(
            cache.len(),
            71,
            "the oldest part (0-9) went, the newest (80) came"
        );
        read(&cache, &org(0), Some(&["x"]), &reads);
        assert_eq!(
            reads.get(),
            82,
            "organization 0 was in the dropped part: read again"
        );
        read(&cache, &org(10), Some(&["x"]), &reads);
        assert_eq!(
            reads.get(),
            82,
            "organization 10, in the part now oldest, kept"
        );
    }

    fn whole(orgs: &[(&str, &[&str])]) -> Complete {
        let mut b = CompleteBuilder::default();
        for name in ["x", "y"] {
            let e = enabled(name);
            b.connection(e.connection_id, e.connection).unwrap();
        }
        let mut orgs = orgs.to_vec();
        orgs.sort();
        for (org, names) in orgs {
            b.organization(org).unwrap();
            for (seq, name) in names.iter().enumerate() {
                let id = enabled(name).connection_id;
                b.enabled(id.as_str(), seq as i64, Settings::default())
                    .unwrap();
            }
        }
        b.build().unwrap()
    }

    #[test]
    fn the_whole_tenant_answers_every_miss_until_a_write_and_is_kept_only_if_not_stale() {
        let cache = EnabledCache::new(1);
        let reads = Cell::new(0);
        let (a, b) = (org(1), org(2));
        let g = cache.generation();
        assert!(cache.wants_complete());
        assert!(cache.keep_complete(g, whole(&[(a.as_str(), &["y", "x"])])));
        assert!(!cache.wants_complete());
        assert_eq!(read(&cache, &a, Some(&["db"]), &reads).unwrap(), ["y", "x"]);
        assert_eq!(
            read(&cache, &b, Some(&["db"]), &reads),
            None,
            "not in the tenant"
        );
        assert_eq!(reads.get(), 0, "nothing read from the store");

        cache.invalidate();
        assert!(cache.wants_complete(), "dropped by the write");
        assert!(cache.quiet_for().unwrap() < Duration::from_secs(1));
        assert_eq!(read(&cache, &b, Some(&["db"]), &reads).unwrap(), ["db"]);
        assert_eq!(reads.get(), 1);

        // A load that began before a write is not kept.
        let g = cache.generation();
        cache.invalidate();
        assert!(!cache.keep_complete(g, whole(&[])));
        assert!(!cache.has_complete());
        // Nor while entries may not be kept.
        cache.set_enabled(false);
        assert!(!cache.keep_complete(cache.generation(), whole(&[])));
        assert!(!cache.wants_complete());
    }

    #[test]
    fn answers_from_the_whole_tenant_are_kept_as_lists_only_if_the_lists_could_hold_it() {
        let reads = Cell::new(0);
        for (capacity, kept) in [(2, 1), (1, 0)] {
            let cache = EnabledCache::new(capacity);
            let tenant = whole(&[(org(1).as_str(), &["x"]), (org(2).as_str(), &[])]);
            assert!(cache.keep_complete(cache.generation(), tenant));
            read(&cache, &org(1), None, &reads);
            assert_eq!(cache.len(), kept, "capacity {capacity}");
        }
        assert_eq!(reads.get(), 0);
    }

    #[test]
    fn a_disabled_cache_keeps_nothing() {
        for cache in [EnabledCache::new(0), {
            let c = EnabledCache::new(100);
            c.set_enabled(false);
            c
        }] {
            let reads = Cell::new(0);
            read(&cache, &org(1), Some(&["x"]), &reads);
            read(&cache, &org(1), Some(&["x"]), &reads);
            assert_eq!(reads.get(), 2);
            assert!(cache.is_empty());
        }
        let cache = EnabledCache::new(100);
        cache.set_enabled(false);
        cache.set_enabled(true);
        let reads = Cell::new(0);
        read(&cache, &org(1), Some(&["x"]), &reads);
        read(&cache, &org(1), Some(&["x"]), &reads);
        assert_eq!(reads.get(), 1, "on again");
    }
}
