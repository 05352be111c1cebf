//! Each request on its way to the application: counted on its connection, refused with a
//! `503` past the cap on requests handled at once (`/healthz` aside, so health checks still
//! answer under overload), and answered with a `408`/`503` when it outlasts the request
//! timeout. The peer address is given to handlers as `ConnectInfo<SocketAddr>`.
//!
//! A body the application did not read to the end (a `413` past 1 MiB, a `401` before the
//! body) is read and discarded, up to [`DRAIN_LIMIT`], before the answer goes out: over
//! HTTP/2 the stream then ends normally instead of with the `RST_STREAM(NO_ERROR)` that
//! RFC 9113 allows but some clients (curl 7.88) report as an error instead of the answer.

use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{header, Request, Response};
use axum::response::IntoResponse;
use axum::Router;
use hyper::body::{Body as HttpBody, Frame, Incoming, SizeHint};
use tokio::sync::Semaphore;
use tokio::time::Instant;
use tower::ServiceExt;

use super::connection_state::{ConnectionState, Epoch};
use super::report::Report;
use crate::error::ApiError;

/// Exempt from the cap on requests in flight.
const HEALTH: &str = "/healthz";

/// At most this much of a body the application left unread is read and discarded before
/// answering; past it the answer goes out at once (an HTTP/2 stream then ends with
/// `RST_STREAM(NO_ERROR)`, an HTTP/1.1 connection is closed).
pub const DRAIN_LIMIT: usize = 8 * 1024 * 1024;

/// What every request on every connection shares.
pub struct RequestLimits {
    pub permits: Arc<Semaphore>,
    pub timeout: Duration,
    pub overloaded: Report,
    pub timed_out: Report,
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
    let started = Instant::now();
    let expects_continue = req.headers().contains_key(header::EXPECT);
    let body = Arc::new(Mutex::new(Unread {
        incoming: None,
        polled: false,
        awaiting: false,
    }));
    let mut req = req.map(|incoming| {
        lock(&body).incoming = Some(incoming);
        Body::new(WatchedBody(body.clone()))
    });
    req.extensions_mut().insert(ConnectInfo(peer));
    let resp = match tokio::time::timeout(limits.timeout, app.oneshot(req)).await {
        Ok(Ok(resp)) => resp,
        Ok(Err(never)) => match never {},
        Err(_) => {
            let awaiting_body = lock(&body).awaiting;
            limits.timed_out.note(|n| {
                tracing::warn!(
                    timed_out = n,
                    awaiting_body,
                    "requests not answered within the request timeout: answering 408/503 (--request-timeout)"
                )
            });
            return ApiError::RequestTimeout {
                after: limits.timeout,
                awaiting_body,
            }
            .into_response();
        }
    };
    // Not when the client waits for a `100 Continue` it was never sent: it sends no body.
    if lock(&body).polled || !expects_continue {
        drain(&body, started + limits.timeout).await;
    }
    resp
}

fn lock(body: &Mutex<Unread>) -> MutexGuard<'_, Unread> {
    body.lock().unwrap_or_else(|p| p.into_inner())
}

/// Reads and discards what is left of a body, up to [`DRAIN_LIMIT`] bytes and `until`.
async fn drain(body: &Mutex<Unread>, until: Instant) {
    let mut left = DRAIN_LIMIT;
    let read_rest = async {
        loop {
            let frame = std::future::poll_fn(|cx| lock(body).poll_frame(cx)).await;
            match frame {
                Some(Ok(frame)) => {
                    let n = frame.data_ref().map_or(0, |d| d.len());
                    if n >= left {
                        return;
                    }
                    left -= n;
                }
                None | Some(Err(_)) => return,
            }
        }
    };
    let _ = tokio::time::timeout_at(until, read_rest).await;
}

/// The request body as hyper gives it, kept here so that what the application leaves can
/// be drained after it answered.
struct Unread {
    incoming: Option<Incoming>,
    /// The application asked for the body.
    polled: bool,
    /// The application is waiting for more of the body (so a timeout can tell a slow client
    /// from a slow server).
    awaiting: bool,
}

impl Unread {
    fn poll_frame(
        &mut self,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<hyper::body::Bytes>, hyper::Error>>> {
        let Some(incoming) = self.incoming.as_mut() else {
            return Poll::Ready(None);
        };
        if HttpBody::is_end_stream(incoming) {
            return Poll::Ready(None);
        }
        HttpBody::poll_frame(Pin::new(incoming), cx)
    }
}

/// The body the application reads.
struct WatchedBody(Arc<Mutex<Unread>>);

impl HttpBody for WatchedBody {
    type Data = hyper::body::Bytes;
    type Error = hyper::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        let mut body = lock(&self.0);
        body.polled = true;
        let polled = body.poll_frame(cx);
        body.awaiting = polled.is_pending();
        polled
    }

    fn is_end_stream(&self) -> bool {
        lock(&self.0)
            .incoming
            .as_ref()
            .is_none_or(HttpBody::is_end_stream)
    }

    fn size_hint(&self) -> SizeHint {
        lock(&self.0)
            .incoming
            .as_ref()
            .map(HttpBody::size_hint)
            .unwrap_or_default()
    }
}
