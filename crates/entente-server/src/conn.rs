//! Connections and slow clients. A client that stops reading its event
//! stream (or its WebSocket) must not hold the server's memory or its
//! other viewers: the event stream is pulled from the room's log as the
//! connection can take it (the event streams: nothing is queued per client
//! beyond one batch of at most 64 (`events::MAX_BATCH`) entries), so
//! what a client holds on the server is its connection's send buffer
//! ([`ServeOptions::send_buffer`], set on every accepted socket) and what
//! the HTTP layer has queued (at most 16 frames). When that is full and the
//! client takes nothing for [`ServeOptions::stall`], its connection is
//! dropped; a browser reconnects with `Last-Event-ID` and is sent what it
//! missed, each entry once.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::time::Sleep;

/// How connections are served.
#[derive(Clone, Copy, Debug)]
pub struct ServeOptions {
    /// A connection whose writes make no progress for this long is dropped.
    pub stall: Duration,
    /// The kernel's send buffer of each connection, in bytes (the kernel
    /// may double it); `None`: the system's (autotuned, up to its maximum).
    pub send_buffer: Option<usize>,
}

impl Default for ServeOptions {
    fn default() -> ServeOptions {
        ServeOptions { stall: Duration::from_secs(30), send_buffer: Some(256 * 1024) }
    }
}

/// A TCP listener whose connections are [`Guarded`].
pub struct GuardedListener {
    pub inner: TcpListener,
    pub options: ServeOptions,
}

impl axum::serve::Listener for GuardedListener {
    type Io = Guarded;
    type Addr = std::net::SocketAddr;

    async fn accept(&mut self) -> (Guarded, std::net::SocketAddr) {
        loop {
            match self.inner.accept().await {
                Ok((io, addr)) => {
                    let _ = io.set_nodelay(true);
                    if let Some(n) = self.options.send_buffer {
                        // Best effort: the system's buffer otherwise (still bounded).
                        let _ = socket2::SockRef::from(&io).set_send_buffer_size(n);
                    }
                    return (Guarded { io, stall: self.options.stall, timer: None }, addr);
                }
                // Out of descriptors and the like: wait a moment, as axum's own listener does.
                Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
            }
        }
    }

    fn local_addr(&self) -> io::Result<std::net::SocketAddr> {
        self.inner.local_addr()
    }
}

/// A connection whose writes fail once they have made no progress for
/// `stall` (the client reads nothing): the server then drops it.
pub struct Guarded {
    io: TcpStream,
    stall: Duration,
    timer: Option<Pin<Box<Sleep>>>,
}

impl Guarded {
    fn progress<T>(&mut self, cx: &mut Context<'_>, polled: Poll<io::Result<T>>) -> Poll<io::Result<T>> {
        match polled {
            Poll::Ready(r) => {
                self.timer = None;
                Poll::Ready(r)
            }
            Poll::Pending => {
                let stall = self.stall;
                let timer = self.timer.get_or_insert_with(|| Box::pin(tokio::time::sleep(stall)));
                match timer.as_mut().poll(cx) {
                    Poll::Ready(()) => Poll::Ready(Err(io::Error::new(
                        io::ErrorKind::TimedOut,
                        format!("the client took nothing for {stall:?}: dropped"),
                    ))),
                    Poll::Pending => Poll::Pending,
                }
            }
        }
    }
}

impl AsyncRead for Guarded {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_read(cx, buf)
    }
}

impl AsyncWrite for Guarded {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let polled = Pin::new(&mut this.io).poll_write(cx, buf);
        this.progress(cx, polled)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let polled = Pin::new(&mut this.io).poll_write_vectored(cx, bufs);
        this.progress(cx, polled)
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    // A TCP flush is a no-op (always ready): it is no progress, and leaves the stall's timer alone.
    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_shutdown(cx)
    }
}
