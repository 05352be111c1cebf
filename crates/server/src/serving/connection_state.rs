//! What the serving code knows about one open connection: requests in flight, when it went
//! idle, when the next request's first byte came, and so when it must be closed.

use std::net::IpAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use tokio::sync::Notify;

use crate::config::Limits;

/// Milliseconds on the server's own monotonic clock (see [`Epoch`]).
pub type Millis = u64;

/// The instant the server started; connection times are kept as milliseconds since it, so
/// they fit in atomics.
#[derive(Debug, Clone, Copy)]
pub struct Epoch(Instant);

impl Epoch {
    pub fn new() -> Self {
        Epoch(Instant::now())
    }

    pub fn now(&self) -> Millis {
        self.0.elapsed().as_millis() as Millis
    }

    pub fn instant(&self, at: Millis) -> Instant {
        self.0 + Duration::from_millis(at)
    }
}

impl Default for Epoch {
    fn default() -> Self {
        Self::new()
    }
}

/// One open connection, shared by its task, its requests, its IO and the registry.
#[derive(Debug)]
pub struct ConnectionState {
    pub id: u64,
    pub peer: IpAddr,
    accepted: Millis,
    in_flight: AtomicUsize,
    /// A request has been received on it.
    served: AtomicBool,
    /// When the last request in flight finished.
    idle_since: AtomicU64,
    /// When bytes of the next HTTP/1 request started to arrive (plus one; 0: none yet).
    head_started: AtomicU64,
    /// HTTP/2: bytes between requests are control frames, not the start of a request.
    http2: AtomicBool,
    /// Wakes the connection's task when the deadline may have moved.
    changed: Notify,
    /// Asks the connection's task to close now (to make room for a new connection).
    evict: Notify,
}

impl ConnectionState {
    pub fn new(id: u64, peer: IpAddr, accepted: Millis) -> Self {
        ConnectionState {
            id,
            peer,
            accepted,
            in_flight: AtomicUsize::new(0),
            served: AtomicBool::new(false),
            idle_since: AtomicU64::new(accepted),
            head_started: AtomicU64::new(0),
            http2: AtomicBool::new(false),
            changed: Notify::new(),
            evict: Notify::new(),
        }
    }

    /// Nothing in flight: closing it loses no request.
    pub fn is_idle(&self) -> bool {
        self.in_flight.load(Ordering::Acquire) == 0
    }

    /// When the last request finished (or the connection was accepted).
    pub fn idle_since(&self) -> Millis {
        self.idle_since.load(Ordering::Acquire)
    }

    pub fn is_http2(&self) -> bool {
        self.http2.load(Ordering::Acquire)
    }

    pub fn set_http2(&self) {
        self.http2.store(true, Ordering::Release);
    }

    pub fn request_started(&self) {
        self.served.store(true, Ordering::Release);
        self.head_started.store(0, Ordering::Release);
        self.in_flight.fetch_add(1, Ordering::AcqRel);
    }

    pub fn request_finished(&self, now: Millis) {
        self.idle_since.store(now, Ordering::Release);
        if self.in_flight.fetch_sub(1, Ordering::AcqRel) == 1 {
            self.changed.notify_one();
        }
    }

    /// Bytes arrived from the client.
    pub fn bytes_read(&self, now: Millis) {
        if self.is_idle()
            && !self.http2.load(Ordering::Acquire)
            && self.served.load(Ordering::Acquire)
            && self
                .head_started
                .compare_exchange(0, now + 1, Ordering::AcqRel, Ordering::Acquire)
                .is_ok()
        {
            self.changed.notify_one();
        }
    }

    /// When this connection must be closed if nothing changes; `None` while a request is in
    /// flight (the request timeout bounds that).
    pub fn deadline(&self, limits: &Limits) -> Option<Millis> {
        let ms = |d: Duration| d.as_millis() as Millis;
        if !self.is_idle() {
            return None;
        }
        if !self.served.load(Ordering::Acquire) {
            return Some(self.accepted + ms(limits.header_read_timeout));
        }
        match self.head_started.load(Ordering::Acquire) {
            0 => Some(self.idle_since.load(Ordering::Acquire) + ms(limits.idle_timeout)),
            started => Some(started - 1 + ms(limits.header_read_timeout)),
        }
    }

    /// Resolves when the deadline may have moved.
    pub async fn changed(&self) {
        self.changed.notified().await
    }

    pub fn evict(&self) {
        self.evict.notify_one();
    }

    /// Resolves when the registry closed this connection to make room.
    pub async fn evicted(&self) {
        self.evict.notified().await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits() -> Limits {
        Limits {
            header_read_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(60),
            request_timeout: Duration::from_secs(30),
            max_connections: 1024,
            max_concurrent_requests: 256,
        }
    }

    #[test]
    fn the_deadline_follows_the_connection_through_its_life() {
        let l = limits();
        let c = ConnectionState::new(1, "127.0.0.1".parse().unwrap(), 1_000);
        // Fresh: the first request's headers (TLS handshake included) within 10 s.
        assert_eq!(c.deadline(&l), Some(11_000));
        c.bytes_read(2_000);
        assert_eq!(c.deadline(&l), Some(11_000), "bytes do not extend it");
        // In flight: no connection deadline.
        c.request_started();
        assert_eq!(c.deadline(&l), None);
        c.bytes_read(3_000);
        // Idle after the response: 60 s.
        c.request_finished(4_000);
        assert_eq!(c.deadline(&l), Some(64_000));
        // The next request's first byte: its headers within 10 s.
        c.bytes_read(5_000);
        assert_eq!(c.deadline(&l), Some(15_000));
        c.bytes_read(6_000);
        assert_eq!(c.deadline(&l), Some(15_000), "later bytes do not extend it");
        c.request_started();
        c.request_finished(7_000);
        assert_eq!(c.deadline(&l), Some(67_000));
    }

    #[test]
    fn http2_frames_between_requests_keep_the_idle_deadline() {
        let l = limits();
        let c = ConnectionState::new(1, "::1".parse().unwrap(), 0);
        c.set_http2();
        c.request_started();
        c.request_started();
        c.request_finished(1_000);
        assert_eq!(c.deadline(&l), None, "one stream still in flight");
        c.request_finished(2_000);
        c.bytes_read(3_000);
        assert_eq!(c.deadline(&l), Some(62_000));
    }
}
