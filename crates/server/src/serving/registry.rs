//! The open connections, capped. At the cap a new connection is still let in: the oldest
//! connection with no request in flight, from the address holding the most connections, is
//! closed to make room. Slow or idle clients thus cannot keep anyone else out; only when every
//! open connection has a request in flight is a new one refused.

use std::collections::{BTreeMap, HashMap};
use std::net::IpAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use super::connection_state::{ConnectionState, Millis};

#[derive(Debug)]
pub struct Registry {
    max: usize,
    next_id: AtomicU64,
    open: Mutex<Open>,
}

#[derive(Debug, Default)]
struct Open {
    total: usize,
    by_peer: HashMap<IpAddr, BTreeMap<u64, Arc<ConnectionState>>>,
}

impl Open {
    fn remove(&mut self, peer: IpAddr, id: u64) -> bool {
        let Some(conns) = self.by_peer.get_mut(&peer) else {
            return false;
        };
        let removed = conns.remove(&id).is_some();
        if conns.is_empty() {
            self.by_peer.remove(&peer);
        }
        if removed {
            self.total -= 1;
        }
        removed
    }

    /// The oldest idle connection of the peer holding the most connections (the next peer
    /// down when all of one's connections are busy).
    fn victim(&self) -> Option<Arc<ConnectionState>> {
        let mut peers: Vec<&BTreeMap<u64, Arc<ConnectionState>>> = self.by_peer.values().collect();
        peers.sort_by_key(|conns| std::cmp::Reverse(conns.len()));
        peers
            .into_iter()
            .find_map(|conns| conns.values().find(|c| c.is_idle()).cloned())
    }
}

/// How a connection got in.
#[derive(Debug)]
pub struct Admission {
    pub connection: Registered,
    /// The connection closed to make room, if any.
    pub evicted: Option<IpAddr>,
}

impl Registry {
    pub fn new(max: usize) -> Arc<Self> {
        Arc::new(Registry {
            max,
            next_id: AtomicU64::new(1),
            open: Mutex::new(Open::default()),
        })
    }

    fn open(&self) -> std::sync::MutexGuard<'_, Open> {
        self.open.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn len(&self) -> usize {
        self.open().total
    }

    /// Registers a new connection from `peer`, closing another to make room at the cap;
    /// `None` when every open connection has a request in flight.
    pub fn admit(self: &Arc<Self>, peer: IpAddr, now: Millis) -> Option<Admission> {
        let mut open = self.open();
        let mut evicted = None;
        if open.total >= self.max {
            let victim = open.victim()?;
            open.remove(victim.peer, victim.id);
            victim.evict();
            evicted = Some(victim.peer);
        }
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let state = Arc::new(ConnectionState::new(id, peer, now));
        open.by_peer
            .entry(peer)
            .or_default()
            .insert(id, state.clone());
        open.total += 1;
        Some(Admission {
            connection: Registered {
                registry: self.clone(),
                state,
            },
            evicted,
        })
    }
}

/// A connection's place in the registry, given up when dropped.
#[derive(Debug)]
pub struct Registered {
    registry: Arc<Registry>,
    pub state: Arc<ConnectionState>,
}

impl Drop for Registered {
    fn drop(&mut self) {
        self.registry.open().remove(self.state.peer, self.state.id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn at_the_cap_the_heaviest_peers_oldest_idle_connection_makes_room() {
        let r = Registry::new(4);
        let attacker: Vec<Admission> = (0..3)
            .map(|_| r.admit(ip("10.0.0.1"), 0).unwrap())
            .collect();
        let bystander = r.admit(ip("10.0.0.2"), 0).unwrap();
        assert!(bystander.evicted.is_none());
        assert_eq!(r.len(), 4);
        // The attacker's oldest connection has a request in flight: its second one goes.
        attacker[0].connection.state.request_started();
        let fresh = r.admit(ip("10.0.0.3"), 0).unwrap();
        assert_eq!(fresh.evicted, Some(ip("10.0.0.1")));
        assert_eq!(r.len(), 4);
        // Dropping an evicted connection's registration does not count it twice.
        drop(attacker);
        assert_eq!(r.len(), 2, "the bystander and the fresh one");
        drop(bystander);
        drop(fresh);
        assert_eq!(r.len(), 0);
    }

    #[test]
    fn when_every_connection_is_busy_a_new_one_is_refused() {
        let r = Registry::new(2);
        let a = r.admit(ip("10.0.0.1"), 0).unwrap();
        let b = r.admit(ip("10.0.0.2"), 0).unwrap();
        a.connection.state.request_started();
        b.connection.state.request_started();
        assert!(r.admit(ip("10.0.0.3"), 0).is_none());
        b.connection.state.request_finished(1);
        let c = r.admit(ip("10.0.0.3"), 0).unwrap();
        assert_eq!(c.evicted, Some(ip("10.0.0.2")));
    }
}
