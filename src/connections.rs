//! The connection loop: accepts TCP connections and serves each over HTTP/1.1 in its own task,
//! under the store's limits:
//!
//! - at most `max-connections` at once. The loop takes a slot before it accepts, so when all are
//!   taken new connections wait in the kernel's listen queue (and are served, in order, as slots
//!   free up) instead of being accepted and dropped;
//! - a request's head must arrive within `header-read-timeout`, counted from the connection opening
//!   for the first request (so a client that connects and sends nothing is closed then) and from
//!   the head's first byte for later ones;
//! - a connection on which no byte moves for `idle-timeout` while no request is being handled (a
//!   keep-alive connection between requests) is closed, and so is one whose client has not read
//!   any of its response for `idle-timeout`, even while the request is in flight;
//! - on shutdown the listener closes, idle connections close, and requests in flight get up to
//!   [`SHUTDOWN_GRACE`] to finish.
//!
//! Hyper's own `header_read_timeout` is not used: it starts when hyper begins to wait for a
//! request, so it would also close idle keep-alive connections after the few seconds meant for a
//! request head.
//!
//! Request bodies that trickle are limited per request: uploads by `store.upload-stall-timeout-secs`
//! and a minimum rate (in the upload handler), every other request by a time limit for the whole
//! request (`crate::security`).

use std::convert::Infallible;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::{pin, Pin};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::ConnectInfo;
use axum::http::Request;
use axum::Router;
use http_body::{Frame, SizeHint};
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{watch, OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;
use tower::ServiceExt;

use crate::config::Settings;

/// How long a shutdown waits for requests in flight before it closes their connections.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(30);

/// The limits connections are served under.
#[derive(Debug, Clone, Copy)]
pub struct ConnectionLimits {
    /// Time for a request head: from the connection opening (first request) or from its first
    /// byte (later requests) to its end.
    pub header_read_timeout: Duration,
    /// Time a connection may stay open with no byte moving and no request being handled.
    pub idle_timeout: Duration,
    /// Connections served at once.
    pub max_connections: usize,
}

impl ConnectionLimits {
    /// The limits configured in `settings`.
    pub fn from_settings(settings: &Settings) -> ConnectionLimits {
        ConnectionLimits {
            header_read_timeout: settings.header_read_timeout,
            idle_timeout: settings.idle_timeout,
            max_connections: settings.max_connections,
        }
    }
}

/// Serves `app` on `listener` until `shutdown` completes, then waits (at most [`SHUTDOWN_GRACE`])
/// for the requests in flight. Handlers can extract `ConnectInfo<SocketAddr>`.
pub async fn serve_on(
    listener: TcpListener,
    app: Router,
    limits: ConnectionLimits,
    shutdown: impl Future<Output = ()>,
) {
    let slots = Arc::new(Semaphore::new(limits.max_connections));
    let (stop, stopped) = watch::channel(false);
    let mut shutdown = pin!(shutdown);
    loop {
        let slot = tokio::select! {
            slot = slots.clone().acquire_owned() => match slot {
                Ok(slot) => slot,
                Err(_) => break, // the semaphore is never closed
            },
            () = &mut shutdown => break,
        };
        let (stream, remote) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    wait_after_accept_error(error).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        tokio::spawn(serve_connection(
            stream,
            remote,
            app.clone(),
            limits,
            stopped.clone(),
            slot,
        ));
    }
    drop(listener);
    stop.send_replace(true);
    let open = limits.max_connections - slots.available_permits();
    if open > 0 {
        tracing::info!(
            open,
            "waiting for open connections to finish their requests"
        );
    }
    // Every connection holds a slot until it closes: all slots free means all connections closed.
    let all = u32::try_from(limits.max_connections).unwrap_or(u32::MAX);
    if tokio::time::timeout(SHUTDOWN_GRACE, slots.acquire_many(all))
        .await
        .is_err()
    {
        tracing::warn!(
            open = limits.max_connections - slots.available_permits(),
            "requests still running after {} s: closing their connections",
            SHUTDOWN_GRACE.as_secs()
        );
    }
}

/// After a failed `accept`: a connection reset before it was accepted is nothing; anything else
/// (such as too many open files) is logged and the loop pauses so it does not spin.
async fn wait_after_accept_error(error: io::Error) {
    use io::ErrorKind::{ConnectionAborted, ConnectionRefused, ConnectionReset};
    if matches!(
        error.kind(),
        ConnectionAborted | ConnectionRefused | ConnectionReset
    ) {
        return;
    }
    tracing::error!(%error, "cannot accept connections; retrying in 1 s");
    tokio::time::sleep(Duration::from_secs(1)).await;
}

/// Serves one connection until it ends, expires, or the server stops. `_slot` is its place among
/// the `max-connections`, given back when this returns.
async fn serve_connection(
    stream: TcpStream,
    remote: SocketAddr,
    app: Router,
    limits: ConnectionLimits,
    mut stopped: watch::Receiver<bool>,
    _slot: OwnedSemaphorePermit,
) {
    let _ = stream.set_nodelay(true);
    let activity = Arc::new(Activity::new());
    let io = TokioIo::new(Watched {
        stream,
        activity: activity.clone(),
    });
    let service = {
        let activity = activity.clone();
        hyper::service::service_fn(move |mut request: Request<Incoming>| {
            request.extensions_mut().insert(ConnectInfo(remote));
            let in_flight = activity.request_started();
            let response = app.clone().oneshot(request);
            async move {
                let response = response.await?;
                Ok::<_, Infallible>(response.map(|body| {
                    Body::new(TrackedBody {
                        body,
                        _in_flight: in_flight,
                    })
                }))
            }
        })
    };
    let mut http = hyper::server::conn::http1::Builder::new();
    http.header_read_timeout(None); // see the module documentation
    let mut connection = pin!(http.serve_connection(io, service));
    let mut stopping = false;
    loop {
        if !stopping && *stopped.borrow() {
            connection.as_mut().graceful_shutdown();
            stopping = true;
        }
        let wake_at = match activity.deadline(limits, Instant::now()) {
            Deadline::Expired(reason) => {
                tracing::debug!(%remote, reason, "closing connection");
                return;
            }
            Deadline::At(at) => at,
        };
        tokio::select! {
            result = connection.as_mut() => {
                if let Err(error) = result {
                    tracing::debug!(%remote, %error, "connection ended with an error");
                }
                return;
            }
            () = tokio::time::sleep_until(wake_at) => {}
            changed = stopped.changed(), if !stopping => {
                if changed.is_err() {
                    stopping = true; // the server is gone; the deadlines still apply
                }
            }
        }
    }
}

/// What happens on one connection, for its deadlines.
#[derive(Debug)]
struct Activity(Mutex<ActivityState>);

#[derive(Debug)]
struct ActivityState {
    /// When a byte was last read or written (or a response ended).
    last_io: Instant,
    /// Requests whose handler runs or whose response is still being sent.
    requests_in_flight: usize,
    /// When the request head being read started: the connection opening for the first request,
    /// its first byte for later ones. `None` while no head is being read.
    head_started: Option<Instant>,
    /// Since when a write has been waiting for the client to read (its receive window is full).
    /// `None` while writes go through.
    write_blocked_since: Option<Instant>,
}

/// When a connection must be checked again, or why it is closed now.
enum Deadline {
    At(Instant),
    Expired(&'static str),
}

impl Activity {
    fn new() -> Activity {
        let now = Instant::now();
        Activity(Mutex::new(ActivityState {
            last_io: now,
            requests_in_flight: 0,
            head_started: Some(now),
            write_blocked_since: None,
        }))
    }

    fn state(&self) -> MutexGuard<'_, ActivityState> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn read(&self, bytes: usize) {
        if bytes > 0 {
            let now = Instant::now();
            let mut state = self.state();
            state.last_io = now;
            if state.requests_in_flight == 0 && state.head_started.is_none() {
                state.head_started = Some(now);
            }
        }
    }

    fn wrote(&self, bytes: usize) {
        if bytes > 0 {
            let mut state = self.state();
            state.last_io = Instant::now();
            state.write_blocked_since = None;
        }
    }

    /// A write could not go through: the client is not reading.
    fn write_blocked(&self) {
        let mut state = self.state();
        state.write_blocked_since.get_or_insert_with(Instant::now);
    }

    /// A request head is complete and its handler starts; it counts until the guard is dropped.
    fn request_started(self: &Arc<Self>) -> InFlight {
        let mut state = self.state();
        state.requests_in_flight += 1;
        state.head_started = None;
        InFlight(self.clone())
    }

    /// The connection's next deadline, or why it has expired.
    fn deadline(&self, limits: ConnectionLimits, now: Instant) -> Deadline {
        let state = self.state();
        // While a request is being handled nothing expires; look again later.
        let mut next = now + limits.idle_timeout;
        if let Some(started) = state.head_started {
            let at = started + limits.header_read_timeout;
            if now >= at {
                return Deadline::Expired("request head too slow");
            }
            next = next.min(at);
        }
        // A client that stopped reading its response holds the connection no longer than an idle
        // one, whether or not a request is in flight.
        if let Some(since) = state.write_blocked_since {
            let at = since + limits.idle_timeout;
            if now >= at {
                return Deadline::Expired("client stopped reading");
            }
            next = next.min(at);
        }
        if state.requests_in_flight == 0 {
            let at = state.last_io + limits.idle_timeout;
            if now >= at {
                return Deadline::Expired("idle");
            }
            next = next.min(at);
        }
        Deadline::At(next)
    }
}

/// A request in flight on a connection.
struct InFlight(Arc<Activity>);

impl Drop for InFlight {
    fn drop(&mut self) {
        let mut state = self.0.state();
        state.requests_in_flight -= 1;
        // The idle time counts from the end of the response.
        state.last_io = Instant::now();
    }
}

/// A response body that keeps its request counted as in flight until it is sent (or dropped).
struct TrackedBody {
    body: Body,
    _in_flight: InFlight,
}

impl http_body::Body for TrackedBody {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        Pin::new(&mut self.body).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
    }
}

/// A TCP stream that reports its reads and writes to the connection's [`Activity`].
struct Watched {
    stream: TcpStream,
    activity: Arc<Activity>,
}

impl AsyncRead for Watched {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let poll = Pin::new(&mut self.stream).poll_read(cx, buf);
        if let Poll::Ready(Ok(())) = poll {
            self.activity.read(buf.filled().len() - before);
        }
        poll
    }
}

impl AsyncWrite for Watched {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let poll = Pin::new(&mut self.stream).poll_write(cx, buf);
        match poll {
            Poll::Ready(Ok(written)) => self.activity.wrote(written),
            Poll::Pending => self.activity.write_blocked(),
            Poll::Ready(Err(_)) => {}
        }
        poll
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let poll = Pin::new(&mut self.stream).poll_write_vectored(cx, bufs);
        match poll {
            Poll::Ready(Ok(written)) => self.activity.wrote(written),
            Poll::Pending => self.activity.write_blocked(),
            Poll::Ready(Err(_)) => {}
        }
        poll
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }
}
