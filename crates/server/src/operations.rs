//! What operators use rather than API clients: injected faults, metrics, the database pool's
//! gauge. One sub-state of `AppState`.

use std::sync::Arc;

use crate::faults::Faults;
use crate::observability::Metrics;

/// Reports a backend's pool: (open, idle) connections.
pub type PoolGauge = Arc<dyn Fn() -> (usize, usize) + Send + Sync>;

#[derive(Default)]
pub struct Operations {
    pub faults: Faults,
    pub metrics: Arc<Metrics>,
    /// The database pool's (open, idle) connections, where the backend has a pool.
    pub pool: Option<PoolGauge>,
}

impl Operations {
    pub fn pool_status(&self) -> Option<(usize, usize)> {
        self.pool.as_ref().map(|f| f())
    }
}
