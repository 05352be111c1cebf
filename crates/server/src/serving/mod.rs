//! Serving the application over TLS or plain HTTP, HTTP/1.1 and HTTP/2, with our own accept
//! loop on hyper so that every limit on what a client may hold of the server is enforced here
//! (see [`Limits`]): the time to send a request's headers (TLS handshake included), the time a
//! connection may sit idle, the time a request may take, the open connections and the requests
//! handled at once. SIGTERM: no new connections, requests in flight get 30 seconds to finish.

mod connection;
mod connection_state;
mod registry;
mod report;
mod requests;
mod watched_io;

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use hyper_util::rt::TokioExecutor;
use hyper_util::server::conn::auto;
use tokio::net::TcpListener;
use tokio::sync::{mpsc, watch, Semaphore};
use tokio_rustls::TlsAcceptor;

use crate::config::Limits;
use connection::Shared;
use connection_state::Epoch;
use registry::Registry;
use report::Report;
use requests::RequestLimits;

/// How long requests in flight may still take after a shutdown signal.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(30);

/// One warning line per this many milliseconds about refusals.
const REPORT_EVERY: u64 = 10_000;

/// Serves `app` on `listener` until `shutdown` completes; requests in flight then get up to
/// 30 seconds to finish.
pub async fn serve(
    listener: std::net::TcpListener,
    tls: Option<Arc<rustls::ServerConfig>>,
    app: Router,
    limits: Limits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    listener.set_nonblocking(true)?;
    let listener = TcpListener::from_std(listener)?;
    let epoch = Epoch::new();
    let mut http = auto::Builder::new(TokioExecutor::new());
    // The header-read and idle deadlines are ours (hyper's own header timeout would also be
    // an idle timeout); without a timer hyper has none.
    http.http1().header_read_timeout(None);
    let shared = Arc::new(Shared {
        app,
        tls: tls.map(TlsAcceptor::from),
        http,
        limits,
        requests: Arc::new(RequestLimits {
            permits: Arc::new(Semaphore::new(limits.max_concurrent_requests as usize)),
            timeout: limits.request_timeout,
            overloaded: Report::new(epoch, REPORT_EVERY),
            timed_out: Report::new(epoch, REPORT_EVERY),
        }),
        epoch,
    });
    let registry = Registry::new(limits.max_connections as usize);
    let (stop_tx, stop_rx) = watch::channel(false);
    // Every connection task holds a sender; all are gone when the last connection closed.
    let (open_tx, mut all_closed) = mpsc::channel::<()>(1);
    let evictions = Report::new(epoch, REPORT_EVERY);
    let refusals = Report::new(epoch, REPORT_EVERY);
    let accept_errors = Report::new(epoch, REPORT_EVERY);

    tokio::pin!(shutdown);
    loop {
        let (tcp, peer) = tokio::select! {
            biased;
            _ = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    // Out of file descriptors, mostly: wait a little rather than spin.
                    accept_errors.note(|n| tracing::warn!(error = %e, errors = n, "accepting a connection failed"));
                    tokio::time::sleep(Duration::from_millis(20)).await;
                    continue;
                }
            },
        };
        let Some(admission) = registry.admit(peer.ip(), epoch.now()) else {
            refusals.note(|n| {
                tracing::warn!(
                    refused = n,
                    max = limits.max_connections,
                    "connection cap reached with a request in flight on every connection: refusing connections (--max-connections)"
                )
            });
            continue;
        };
        if let Some(from) = admission.evicted {
            evictions.note(|n| {
                tracing::warn!(
                    closed = n,
                    last_from = %from,
                    max = limits.max_connections,
                    "connection cap reached: closing idle connections to make room (--max-connections)"
                )
            });
        }
        let (shared, stop, open) = (shared.clone(), stop_rx.clone(), open_tx.clone());
        tokio::spawn(async move {
            let registered = admission.connection;
            connection::run(shared, tcp, peer, registered.state.clone(), stop).await;
            drop(registered);
            drop(open);
        });
    }

    drop(listener);
    tracing::info!(
        open = registry.len(),
        "shutting down: finishing requests in flight"
    );
    let _ = stop_tx.send(true);
    drop(open_tx);
    if tokio::time::timeout(SHUTDOWN_GRACE, all_closed.recv())
        .await
        .is_err()
    {
        tracing::warn!(
            open = registry.len(),
            "requests still in flight after 30 s: stopping anyway"
        );
    }
    Ok(())
}
