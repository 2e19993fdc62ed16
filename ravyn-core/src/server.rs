//! Serving an app over TCP with hyper: HTTP/1.1 with keep-alive and HTTP/2 cleartext, bounded
//! header read time, header size and body size, and graceful shutdown.

use crate::app::{body_too_large, Ravyn};
use crate::body::Body;
use crate::body_read::{read_body, BodyBudget, Reservation};
use crate::handler::BoxFuture;
use crate::header_timeout::{self, Activity};
use crate::pipeline::Target;
use crate::protocol::{self, Protocol};
use crate::request::Request;
use crate::response::Response;
use crate::routing::Refusal;
use crate::spec::BodyPolicy;
use crate::HTTPException;
use http::{header, HeaderValue, StatusCode, Version};
use http_body_util::Limited;
use hyper::body::{Body as _, Incoming};
use hyper::server::conn::http1;
#[cfg(feature = "http2")]
use hyper::server::conn::http2;
use hyper_util::rt::TokioIo;
use hyper_util::server::graceful::{GracefulShutdown, Watcher};
use std::convert::Infallible;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream, ToSocketAddrs};
use tokio::sync::Semaphore;

impl Ravyn {
    /// Binds `addr` and serves until Ctrl-C or SIGTERM, then lets in-flight requests finish
    /// (up to the shutdown timeout).
    ///
    /// ```no_run
    /// # async fn run() -> std::io::Result<()> {
    /// let app = ravyn_core::Ravyn::builder().build().expect("valid config");
    /// app.serve("127.0.0.1:8000").await
    /// # }
    /// ```
    pub async fn serve(self, addr: impl ToSocketAddrs) -> io::Result<()> {
        let listener = TcpListener::bind(addr).await?;
        self.serve_listener(listener).await
    }

    /// Serves on an already-bound listener (bind port 0 in tests) until Ctrl-C or SIGTERM.
    pub async fn serve_listener(self, listener: TcpListener) -> io::Result<()> {
        self.serve_with_shutdown(listener, shutdown_signal()).await
    }

    /// Serves on `listener` until `signal` completes, then stops accepting connections and
    /// waits for in-flight requests to finish (up to the shutdown timeout).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let app = ravyn_core::Ravyn::builder().build().expect("valid config");
    /// let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    /// let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    /// let server = tokio::spawn(app.serve_with_shutdown(listener, async { let _ = stopped.await; }));
    /// stop.send(()).ok();
    /// server.await.expect("server task")?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn serve_with_shutdown(
        self,
        listener: TcpListener,
        signal: impl Future<Output = ()> + Send,
    ) -> io::Result<()> {
        if let Err(error) = self.startup().await {
            tracing::error!(%error, "a startup hook failed; not serving");
            return Err(io::Error::other(error));
        }
        let local = listener.local_addr()?;
        tracing::info!(address = %local, "Ravyn serving on http://{local}");
        let protocols = Arc::new(self.protocols());
        let graceful = GracefulShutdown::new();
        tokio::pin!(signal);
        let max_connections = self.config().max_connections();
        let connections = Arc::new(Semaphore::new(max_connections.min(Semaphore::MAX_PERMITS)));
        let mut accept_errors = AcceptErrors::default();
        let mut warned_full: Option<tokio::time::Instant> = None;
        loop {
            // One permit per open connection, held by its task: at `max_connections` the loop
            // waits here, and new clients wait in the listen backlog, until one closes.
            if connections.available_permits() == 0 && warned_full.is_none_or(|at| at.elapsed() > FULL_WARNING_EVERY) {
                tracing::warn!(max_connections, "max_connections open; not accepting until one closes");
                warned_full = Some(tokio::time::Instant::now());
            }
            let permit = tokio::select! {
                permit = connections.clone().acquire_owned() => match permit {
                    Ok(permit) => permit,
                    Err(_) => break, // never closed
                },
                () = &mut signal => break,
            };
            let (stream, peer) = tokio::select! {
                accepted = listener.accept() => match accepted {
                    Ok(accepted) => accepted,
                    Err(error) => {
                        // Out of file descriptors (EMFILE, ENFILE), out of memory, a connection
                        // reset while queued: none ends the server. Wait a moment (a closing
                        // connection frees what was missing), then try again.
                        accept_errors.failed(&error);
                        tokio::select! {
                            () = tokio::time::sleep(ACCEPT_BACKOFF) => continue,
                            () = &mut signal => break,
                        }
                    }
                },
                () = &mut signal => break,
            };
            accept_errors.accepted();
            if let Err(error) = stream.set_nodelay(true) {
                tracing::debug!(%error, "could not set TCP_NODELAY");
            }
            let connection = Arc::new(ConnectionContext {
                app: self.clone(),
                peer,
                activity: Activity::new(),
                bodies: BodyBudget::new(self.config().max_buffered_body_per_connection()),
            });
            let context = connection.clone();
            let service = hyper::service::service_fn(move |request| {
                let context = context.clone();
                let admission = context.app.admit(request, context.peer, &context.bodies);
                // Not boxed: hyper keeps one heap slot per connection for the in-flight request's
                // future and reuses it, so boxing it again would cost an allocation per request.
                // The future is small (a `Request` is one pointer, and the layers up to the
                // handler's own boxed future are awaited in place).
                async move {
                    let _in_flight = context.activity.enter();
                    let response = match admission {
                        Admission::Ready(request) => context.app.handle(request).await,
                        Admission::Slow(slow_path) => slow_path.await,
                    };
                    Ok::<_, Infallible>(response.into_http())
                }
            });
            let timeout = self.config().header_read_timeout();
            // Built here, so the task's future holds the guard (a few pointers), not the
            // connection's state a second time.
            let serving = serve_connection(stream, service, protocols.clone(), graceful.watcher());
            let guarded = header_timeout::Guard::new(serving, connection, timeout);
            tokio::spawn(async move {
                let _permit = permit;
                match guarded.await {
                    Some(Ok(())) => {}
                    Some(Err(error)) => tracing::debug!(%error, %peer, "connection ended with an error"),
                    None => {
                        tracing::debug!(%peer, ?timeout, "connection closed: no request headers within header_read_timeout");
                    }
                }
            });
        }
        drop(listener);
        let timeout = self.config().shutdown_timeout();
        tracing::info!(in_flight_connections = graceful.count(), "shutting down gracefully");
        if tokio::time::timeout(timeout, graceful.shutdown()).await.is_err() {
            tracing::warn!(?timeout, "graceful shutdown timed out; dropping remaining connections");
        }
        self.shutdown().await;
        Ok(())
    }

    /// How connections are served, per protocol.
    fn protocols(&self) -> Protocols {
        let config = self.config();
        // No timer for HTTP/1: hyper would arm one per request for its header read timeout;
        // `header_timeout::Guard` keeps one per connection instead.
        let mut http1 = http1::Builder::new();
        http1
            .keep_alive(true)
            // hyper's own limit stays above ours, so ours answers first with a JSON 431; hyper's
            // catches anything larger before it is buffered.
            .max_buf_size((config.max_header_size() * 2).max(16 * 1024));
        #[cfg(feature = "http2")]
        let http2 = {
            let mut http2 = http2::Builder::new(hyper_util::rt::TokioExecutor::new());
            http2
                .timer(hyper_util::rt::TokioTimer::new())
                // hyper's default is 200; each stream may hold a body being read (security review H1).
                .max_concurrent_streams(config.http2_max_concurrent_streams())
                .max_header_list_size(u32::try_from(config.max_header_size() * 2).unwrap_or(u32::MAX));
            http2
        };
        Protocols {
            http1,
            #[cfg(feature = "http2")]
            http2,
        }
    }

    /// Checks a request's head, before its future is made. Only the common case (no body to
    /// read, nothing refused) is handled in place by the request's future; the others become
    /// boxed futures here, so that nothing of theirs (the request head, an error) widens it.
    fn admit(&self, request: http::Request<Incoming>, peer: SocketAddr, bodies: &BodyBudget) -> Admission {
        let (head, body) = request.into_parts();
        match self.check_head(&head) {
            Ok(()) if body.is_end_stream() => Admission::Ready(Request::from_parts(head, Body::empty(), Some(peer))),
            Ok(()) => {
                let app = self.clone();
                let reservation = Reservation::new(bodies);
                Admission::Slow(Box::pin(
                    async move { app.handle_with_body(head, body, Some(peer), reservation).await },
                ))
            }
            // Refused before routing, but still answered through the app's middleware; then the
            // connection is closed (its body, if any, is never read, and a malformed head may be
            // an attempt at request smuggling).
            Err(error) => {
                let app = self.clone();
                let request = Request::from_parts(head, Body::empty(), Some(peer));
                Admission::Slow(Box::pin(async move {
                    let mut response = app.refuse(request, Refusal::Exception(error)).await;
                    response.headers_mut().insert(header::CONNECTION, HeaderValue::from_static("close"));
                    response
                }))
            }
        }
    }

    /// A request with a body: routes it from its head first, so that a request without a route is
    /// answered without reading its body, and the route's body policy applies: a buffered body is
    /// read whole within the route's limit and `body_read_timeout`, its bytes counted against the
    /// connection's budget until the answer is made; a streamed one is handed to the handler as it
    /// comes.
    ///
    /// Generic over the body, so the app as a tower service ([`Ravyn::into_service`]) takes the
    /// same path for another server's bodies.
    pub(crate) async fn handle_with_body<B>(
        &self,
        head: http::request::Parts,
        body: B,
        peer: Option<SocketAddr>,
        mut reservation: Reservation,
    ) -> Response
    where
        B: hyper::body::Body<Data = bytes::Bytes> + Send + 'static,
        B::Error: Into<crate::BoxError>,
    {
        let mut request = Request::from_parts(head, Body::empty(), peer);
        let route = match self.route(&mut request) {
            Ok(route) => route,
            Err(miss) => return self.refuse_miss(request, miss).await,
        };
        let announced = body.size_hint().lower();
        match route.body {
            BodyPolicy::Buffered { limit } => {
                let limit = limit.unwrap_or(self.config().max_body_size() as u64);
                let timeout = self.config().body_read_timeout();
                let read = if announced > limit {
                    Err(body_too_large(limit))
                } else {
                    read_body(body, limit, timeout, &mut reservation).await
                };
                match read {
                    Ok(bytes) => request.set_body(bytes),
                    Err(error) => return self.refuse(request, Refusal::Exception(error)).await,
                }
            }
            BodyPolicy::Streamed { limit: Some(limit) } => {
                if announced > limit {
                    return self.refuse(request, Refusal::Exception(body_too_large(limit))).await;
                }
                let limit = usize::try_from(limit).unwrap_or(usize::MAX);
                request.set_stream(Body::from_any_body(Limited::new(body, limit)));
            }
            BodyPolicy::Streamed { limit: None } => request.set_stream(Body::from_any_body(body)),
        }
        let response = self.pipeline(request, Target::Route(route)).await;
        drop(reservation);
        response
    }

    /// Checks a request's head: its target's form and length, its `Host`, and the header
    /// section's size (docs/security.md, "Malformed HTTP", lists what hyper refuses before this).
    fn check_head(&self, head: &http::request::Parts) -> Result<(), HTTPException> {
        check_target_and_host(head)?;
        self.check_header_size(head)
    }

    /// Checks the header section's size: the only head check of [`Ravyn::into_service`], whose
    /// caller (axum, another hyper server, a direct `call`) has parsed and framed the request, and
    /// may hand over absolute-form targets or requests without `Host` that are not smuggling
    /// attempts there.
    pub(crate) fn check_header_size(&self, head: &http::request::Parts) -> Result<(), HTTPException> {
        let config = self.config();
        let header_bytes: usize = head.headers.iter().map(|(k, v)| k.as_str().len() + v.len() + 4).sum::<usize>()
            + head.uri.path_and_query().map_or(1, |p| p.as_str().len());
        if header_bytes > config.max_header_size() {
            tracing::warn!(size = header_bytes, limit = config.max_header_size(), "request headers too large");
            return Err(HTTPException::new(
                StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
                format!("Request headers are larger than the limit of {} bytes.", config.max_header_size()),
            ));
        }
        Ok(())
    }
}

/// The longest request target accepted (path and query), in bytes; longer answers 414.
/// hyper refuses targets above 64 KiB itself; 8 KiB is what common servers and proxies accept.
///
/// ```
/// assert_eq!(ravyn_core::MAX_URI_LENGTH, 8192);
/// ```
pub const MAX_URI_LENGTH: usize = 8 * 1024;

/// Refuses HTTP/1 request heads that hyper accepts but that a server behind a proxy should not:
/// a target in absolute form (`GET http://host/ HTTP/1.1`: which host, the URI's or `Host`?) or
/// asterisk form (`OPTIONS *`: no route can take it), a target longer than [`MAX_URI_LENGTH`],
/// and an HTTP/1.1 request without exactly one `Host` (RFC 9112, section 3.2).
/// HTTP/2 requests carry their target in pseudo-headers, already checked by h2.
fn check_target_and_host(head: &http::request::Parts) -> Result<(), HTTPException> {
    let length = head.uri.path_and_query().map_or(0, |target| target.as_str().len());
    if length > MAX_URI_LENGTH {
        tracing::debug!(length, "request target too long");
        return Err(HTTPException::new(
            StatusCode::URI_TOO_LONG,
            format!("The request target is longer than the limit of {MAX_URI_LENGTH} bytes."),
        ));
    }
    if head.version > Version::HTTP_11 {
        return Ok(());
    }
    if head.uri.scheme().is_some() || head.uri.authority().is_some() {
        return Err(bad_request("The request target must be a path (origin form), not an absolute URI."));
    }
    if head.uri.path() == "*" {
        return Err(bad_request("The request target `*` (asterisk form) is not served."));
    }
    let mut hosts = head.headers.get_all(header::HOST).iter();
    match (hosts.next(), hosts.next()) {
        (Some(_), None) => Ok(()),
        (None, _) if head.version < Version::HTTP_11 => Ok(()),
        (None, _) => Err(bad_request("An HTTP/1.1 request must have a Host header.")),
        (Some(_), Some(_)) => Err(bad_request("A request must have only one Host header.")),
    }
}

fn bad_request(detail: &'static str) -> HTTPException {
    tracing::debug!(detail, "malformed request head");
    HTTPException::new(StatusCode::BAD_REQUEST, detail)
}

/// At most one "max_connections open" warning this often.
const FULL_WARNING_EVERY: Duration = Duration::from_secs(10);

/// How long the accept loop waits after a failed accept before trying again.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(50);

/// Failed accepts in a row: the first is logged as a warning, the rest only counted (at most
/// one every [`ACCEPT_BACKOFF`]), and the count logged when accepting works again.
#[derive(Default)]
struct AcceptErrors {
    in_a_row: u64,
}

impl AcceptErrors {
    fn failed(&mut self, error: &io::Error) {
        self.in_a_row += 1;
        if self.in_a_row == 1 {
            tracing::warn!(%error, backoff = ?ACCEPT_BACKOFF, "accept failed; retrying after a pause");
        } else {
            tracing::debug!(%error, failures = self.in_a_row, "accept failed again");
        }
    }

    fn accepted(&mut self) {
        if self.in_a_row > 0 {
            tracing::warn!(failures = self.in_a_row, "accepting again after {} failed accepts", self.in_a_row);
            self.in_a_row = 0;
        }
    }
}

/// The connection builders, shared by every connection.
struct Protocols {
    http1: http1::Builder,
    #[cfg(feature = "http2")]
    http2: http2::Builder<hyper_util::rt::TokioExecutor>,
}

/// Serves one connection in the protocol its first bytes show, watched for graceful shutdown.
async fn serve_connection<S>(
    stream: TcpStream,
    service: S,
    protocols: Arc<Protocols>,
    watcher: Watcher,
) -> Result<(), hyper::Error>
where
    S: hyper::service::HttpService<Incoming, ResBody = Body> + Send + 'static,
    S::Future: Send + 'static,
    S::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let protocol = match protocol::detect(&stream).await {
        Ok(protocol) => protocol,
        Err(error) => {
            tracing::debug!(%error, "connection failed before its first request");
            return Ok(());
        }
    };
    let io = TokioIo::new(stream);
    match protocol {
        Protocol::Http1 => watcher.watch(protocols.http1.serve_connection(io, service)).await,
        // Boxed: HTTP/2's connection state is larger, and most connections are HTTP/1.
        #[cfg(feature = "http2")]
        Protocol::Http2 => Box::pin(watcher.watch(protocols.http2.serve_connection(io, service))).await,
        // Built without HTTP/2: hyper's HTTP/1 parser refuses the preface and closes.
        #[cfg(not(feature = "http2"))]
        Protocol::Http2 => watcher.watch(protocols.http1.serve_connection(io, service)).await,
    }
}

/// How [`Ravyn::admit`] lets a request in.
enum Admission {
    /// A request with nothing left to read, to handle in place.
    Ready(Request),
    /// Everything else: a body to read first, or a refusal.
    Slow(BoxFuture<'static, Response>),
}

/// What a connection's requests share: the app, the peer's address and the connection's
/// [`Activity`] for its header read timeout, its [`BodyBudget`]. One allocation per connection, one reference count
/// per request.
struct ConnectionContext {
    app: Ravyn,
    peer: SocketAddr,
    activity: Activity,
    /// The body bytes the connection's requests hold buffered, across HTTP/2 streams.
    bodies: BodyBudget,
}

impl AsRef<Activity> for Arc<ConnectionContext> {
    fn as_ref(&self) -> &Activity {
        &self.activity
    }
}

/// Completes on Ctrl-C or, on Unix, SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(error) = tokio::signal::ctrl_c().await {
            tracing::error!(%error, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(error) => {
                tracing::error!(%error, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => tracing::info!("Ctrl-C received"),
        () = terminate => tracing::info!("SIGTERM received"),
    }
}
