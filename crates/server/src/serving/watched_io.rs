//! A connection's byte stream, telling its [`ConnectionState`] when bytes arrive and whether
//! they open with the HTTP/2 preface.

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

use super::connection_state::{ConnectionState, Epoch};

const H2_PREFACE: &[u8] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

pub struct WatchedIo<I> {
    inner: I,
    state: Arc<ConnectionState>,
    epoch: Epoch,
    /// How much of the HTTP/2 preface has been seen; `None` once the protocol is known.
    preface_seen: Option<usize>,
}

impl<I> WatchedIo<I> {
    /// `protocol_known`: the protocol was agreed (TLS ALPN), so the preface is not looked for.
    pub fn new(inner: I, state: Arc<ConnectionState>, epoch: Epoch, protocol_known: bool) -> Self {
        WatchedIo {
            inner,
            state,
            epoch,
            preface_seen: (!protocol_known).then_some(0),
        }
    }

    fn look_for_preface(&mut self, bytes: &[u8]) {
        let Some(seen) = self.preface_seen else {
            return;
        };
        let n = bytes.len().min(H2_PREFACE.len() - seen);
        if bytes[..n] != H2_PREFACE[seen..seen + n] {
            self.preface_seen = None;
        } else if seen + n == H2_PREFACE.len() {
            self.state.set_http2();
            self.preface_seen = None;
        } else {
            self.preface_seen = Some(seen + n);
        }
    }
}

impl<I: AsyncRead + Unpin> AsyncRead for WatchedIo<I> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        let polled = Pin::new(&mut this.inner).poll_read(cx, buf);
        if let Poll::Ready(Ok(())) = polled {
            if buf.filled().len() > before {
                this.look_for_preface(&buf.filled()[before..]);
                this.state.bytes_read(this.epoch.now());
            }
        }
        polled
    }
}

impl<I: AsyncWrite + Unpin> AsyncWrite for WatchedIo<I> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
}
