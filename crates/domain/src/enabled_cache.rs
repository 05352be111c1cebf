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

use std::collections::{HashMap, VecDeque};
use std::future::Future;
use std::sync::{Arc, Mutex, PoisonError};

use crate::enabled_connection::EnabledConnection;
use crate::ids::OrgId;

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
        let generation = {
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
            inner.generation
        };
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
        let parts = {
            let mut inner = self.lock();
            inner.generation += 1;
            std::mem::take(&mut inner.parts)
        };
        drop(parts);
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
