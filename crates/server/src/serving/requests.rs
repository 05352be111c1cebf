//! Each request on its way to the application: counted on its connection, refused with a
//! `503` past the cap on requests handled at once (`/healthz` aside, so health checks still
//! answer under overload), and answered with a `408`/`503` when it outlasts the request
//! timeout. The peer address is given to handlers as `ConnectInfo<SocketAddr>`.

use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, Response};
use axum::response::IntoResponse;
use axum::Router;
use hyper::body::{Frame, Incoming, SizeHint};
use tokio::sync::Semaphore;
use tower::ServiceExt;

use super::connection_state::{ConnectionState, Epoch};
use super::report::Report;
use crate::error::ApiError;

/// Exempt from the cap on requests in flight.
const HEALTH: &str = "/healthz";

/// What every request on every connection shares.
pub struct RequestLimits {
    pub permits: Arc<Semaphore>,
    pub timeout: Duration,
    pub overloaded: Report,
}

/// Marks a request in flight on its connection until dropped.
pub struct InFlight {
    connection: Arc<ConnectionState>,
    epoch: Epoch,
}

impl InFlight {
    pub fn start(connection: Arc<ConnectionState>, epoch: Epoch) -> Self {
        connection.request_started();
        InFlight { connection, epoch }
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.connection.request_finished(self.epoch.now());
    }
}

/// Serves one request; `in_flight` is taken when hyper hands the request over.
pub async fn handle(
    app: Router,
    peer: SocketAddr,
    limits: Arc<RequestLimits>,
    in_flight: InFlight,
    req: Request<Incoming>,
) -> Response<Body> {
    let _in_flight = in_flight;
    let _permit = if req.uri().path() == HEALTH {
        None
    } else {
        match limits.permits.clone().try_acquire_owned() {
            Ok(p) => Some(p),
            Err(_) => {
                limits.overloaded.note(|n| {
                    tracing::warn!(
                        refused = n,
                        "too many requests in flight: answering 503 (--max-concurrent-requests)"
                    )
                });
                return ApiError::Overloaded.into_response();
            }
        }
    };
    let awaiting_body = Arc::new(AtomicBool::new(false));
    let mut req = req.map(|incoming| {
        Body::new(WatchedBody {
            inner: incoming,
            awaiting: awaiting_body.clone(),
        })
    });
    req.extensions_mut().insert(ConnectInfo(peer));
    match tokio::time::timeout(limits.timeout, app.oneshot(req)).await {
        Ok(Ok(resp)) => resp,
        Ok(Err(never)) => match never {},
        Err(_) => {
            let awaiting_body = awaiting_body.load(Ordering::Acquire);
            tracing::warn!(
                timeout_ms = limits.timeout.as_millis() as u64,
                awaiting_body,
                "request timed out"
            );
            ApiError::RequestTimeout {
                after: limits.timeout,
                awaiting_body,
            }
            .into_response()
        }
    }
}

/// A request body that records whether the handler is waiting for more of it (so a timeout
/// can tell a slow client from a slow server).
struct WatchedBody {
    inner: Incoming,
    awaiting: Arc<AtomicBool>,
}

impl hyper::body::Body for WatchedBody {
    type Data = hyper::body::Bytes;
    type Error = hyper::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        let this = self.get_mut();
        let polled = Pin::new(&mut this.inner).poll_frame(cx);
        this.awaiting.store(polled.is_pending(), Ordering::Release);
        polled
    }

    fn is_end_stream(&self) -> bool {
        hyper::body::Body::is_end_stream(&self.inner)
    }

    fn size_hint(&self) -> SizeHint {
        hyper::body::Body::size_hint(&self.inner)
    }
}
