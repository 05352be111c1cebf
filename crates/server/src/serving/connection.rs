//! One connection from accept to close: TLS handshake, HTTP/1.1 or HTTP/2 (hyper's automatic
//! choice), and a watch on its deadline (header read, idle), on eviction and on shutdown.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use tokio::sync::watch;
use tokio::time::{sleep_until, timeout_at, Instant};
use tokio_rustls::TlsAcceptor;

use super::connection_state::{ConnectionState, Epoch, Millis};
use super::requests::{self, InFlight, RequestLimits};
use super::watched_io::WatchedIo;
use crate::config::Limits;

/// After its deadline (HTTP/2) or a shutdown, a connection is asked to close gracefully
/// (GOAWAY); this long later it is simply dropped.
const CLOSE_GRACE: Duration = Duration::from_secs(1);

/// What every connection shares.
pub struct Shared {
    pub app: Router,
    pub tls: Option<TlsAcceptor>,
    pub http: auto::Builder<TokioExecutor>,
    pub limits: Limits,
    pub requests: Arc<RequestLimits>,
    pub epoch: Epoch,
}

/// Serves one accepted connection until it closes, its deadline passes, it is evicted, or the
/// server stops.
pub async fn run(
    shared: Arc<Shared>,
    tcp: TcpStream,
    peer: SocketAddr,
    state: Arc<ConnectionState>,
    stop: watch::Receiver<bool>,
) {
    let _ = tcp.set_nodelay(true);
    match &shared.tls {
        None => {
            let io = WatchedIo::new(tcp, state.clone(), shared.epoch, false);
            serve_http(&shared, io, peer, &state, stop).await;
        }
        Some(acceptor) => {
            // The handshake counts against the time allowed for the first request's headers.
            let Some(deadline) = state.deadline(&shared.limits) else {
                return;
            };
            let handshake = tokio::select! {
                r = timeout_at(shared.epoch.instant(deadline).into(), acceptor.accept(tcp)) => r,
                _ = state.evicted() => return,
                _ = stopped(stop.clone()) => return,
            };
            let stream = match handshake {
                Ok(Ok(s)) => s,
                Ok(Err(e)) => {
                    tracing::debug!(%peer, error = %e, "TLS handshake failed");
                    return;
                }
                Err(_) => {
                    tracing::debug!(%peer, "TLS handshake timed out");
                    return;
                }
            };
            let alpn = stream.get_ref().1.alpn_protocol();
            if alpn == Some(b"h2") {
                state.set_http2();
            }
            // Without ALPN the client may still speak HTTP/2 (prior knowledge): look.
            let agreed = alpn.is_some();
            let io = WatchedIo::new(stream, state.clone(), shared.epoch, agreed);
            serve_http(&shared, io, peer, &state, stop).await;
        }
    }
}

async fn stopped(mut stop: watch::Receiver<bool>) {
    let _ = stop.wait_for(|s| *s).await;
}

async fn serve_http<I>(
    shared: &Arc<Shared>,
    io: WatchedIo<I>,
    peer: SocketAddr,
    state: &Arc<ConnectionState>,
    stop: watch::Receiver<bool>,
) where
    I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let service = {
        let (app, limits, conn, epoch) = (
            shared.app.clone(),
            shared.requests.clone(),
            state.clone(),
            shared.epoch,
        );
        hyper::service::service_fn(move |req| {
            let in_flight = InFlight::start(conn.clone(), epoch);
            let (app, limits) = (app.clone(), limits.clone());
            async move { Ok::<_, Infallible>(requests::handle(app, peer, limits, in_flight, req).await) }
        })
    };
    let conn = shared.http.serve_connection(TokioIo::new(io), service);
    tokio::pin!(conn);
    let stop = stopped(stop);
    tokio::pin!(stop);
    // Set once the connection has been asked to close for its deadline: it is dropped then.
    let mut closing: Option<Instant> = None;
    // On shutdown requests in flight finish (the server waits for them, within its bound);
    // a connection with none is dropped shortly after it was asked to close.
    let mut stopped_at: Option<Millis> = None;
    loop {
        let ms = |at: Millis| Instant::from_std(shared.epoch.instant(at));
        let grace = CLOSE_GRACE.as_millis() as Millis;
        let deadline = match (closing, stopped_at) {
            (Some(at), _) => Some(at),
            (None, Some(stop)) if state.is_idle() => Some(ms(stop.max(state.idle_since()) + grace)),
            _ => state.deadline(&shared.limits).map(ms),
        };
        tokio::select! {
            r = &mut conn => {
                if let Err(e) = r {
                    tracing::debug!(%peer, error = %e, "connection ended with an error");
                }
                return;
            }
            _ = state.evicted() => {
                tracing::debug!(%peer, "closed to make room for a new connection");
                return;
            }
            _ = &mut stop, if stopped_at.is_none() => {
                stopped_at = Some(shared.epoch.now());
                conn.as_mut().graceful_shutdown();
            }
            _ = state.changed() => {}
            _ = sleep_until(deadline.unwrap_or_else(Instant::now)), if deadline.is_some() => {
                if closing.is_some() || (stopped_at.is_some() && state.is_idle()) {
                    return;
                }
                // Only if it still stands (a request may have started meanwhile).
                let still = state
                    .deadline(&shared.limits)
                    .is_some_and(|d| shared.epoch.now() >= d);
                if still {
                    tracing::debug!(%peer, "closing a connection past its header-read or idle deadline");
                    if !state.is_http2() {
                        // Nothing in flight, nothing to say (HTTP/1.1 has no GOAWAY).
                        return;
                    }
                    conn.as_mut().graceful_shutdown();
                    closing = Some(Instant::now() + CLOSE_GRACE);
                }
            }
        }
    }
}
