//! What operators use rather than API clients: injected faults, metrics, the database pool's
//! gauge. One sub-state of `AppState`.

use std::sync::Arc;

use axum::extract::State;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use crate::faults::Faults;
use crate::observability::Metrics;

/// Reports a backend's pool: (open, idle) connections.
pub type PoolGauge = Arc<dyn Fn() -> (usize, usize) + Send + Sync>;

#[derive(Default)]
pub struct Operations {
    pub faults: Arc<Faults>,
    pub metrics: Arc<Metrics>,
    /// The database pool's (open, idle) connections, where the backend has a pool.
    pub pool: Option<PoolGauge>,
}

impl Operations {
    pub fn pool_status(&self) -> Option<(usize, usize)> {
        self.pool.as_ref().map(|f| f())
    }
}

/// `GET /metrics`: Prometheus' text format.
pub async fn metrics(State(operations): State<Arc<Operations>>) -> Response {
    let body = operations.metrics.render(operations.pool_status());
    let mut resp = (StatusCode::OK, body).into_response();
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
    );
    resp
}
