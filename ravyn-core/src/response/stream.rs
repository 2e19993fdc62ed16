//! Streamed responses: [`Response::stream`], [`Response::file`], and server-sent events
//! ([`EventStreamResponse`], Lilya's and Ravyn's name, with [`ServerSentEvent`]).

use super::{IntoResponse, Response};
use crate::body::{Body, BoxError};
use bytes::Bytes;
use futures_util::Stream;
use http::header::{HeaderValue, CACHE_CONTROL, CONTENT_LENGTH};
use std::fmt::Write as _;
use std::future::Future;
use std::path::Path;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

const TEXT_EVENT_STREAM: HeaderValue = HeaderValue::from_static("text/event-stream");
const OCTET_STREAM: HeaderValue = HeaderValue::from_static("application/octet-stream");

impl Response {
    /// A response whose body is `stream`'s chunks, each sent as soon as it is produced (Ravyn's
    /// `StreamingResponse`). Nothing is buffered beyond the chunk being written, and the client's
    /// pace is the stream's: it is not polled again until hyper has written the last chunk. An
    /// `Err` ends the body with that error (the connection is closed mid-response). The built-in
    /// steps and middleware still add their headers (session cookie, CORS) before the first byte.
    ///
    /// ```
    /// use ravyn_core::Response;
    /// let chunks = futures_util::stream::iter(["a", "b", "c"].map(Ok::<_, std::io::Error>));
    /// let response = Response::stream(chunks);
    /// assert!(response.body().is_stream());
    /// ```
    pub fn stream<S, C, E>(stream: S) -> Self
    where
        S: Stream<Item = Result<C, E>> + Send + 'static,
        C: Into<Bytes> + 'static,
        E: Into<BoxError> + 'static,
    {
        use futures_util::TryStreamExt as _;
        Response::with_body(Body::from_stream(stream.map_ok(Into::into)))
    }

    /// A file's contents, streamed in 64 KiB chunks at constant memory, with its
    /// `Content-Length` and `application/octet-stream` (set another `Content-Type` on the result
    /// if you know it). For a directory of files, see `StaticFilesConfig`.
    ///
    /// ```no_run
    /// # async fn download() -> std::io::Result<ravyn_core::Response> {
    /// let response = ravyn_core::Response::file("/var/data/export.csv").await?
    ///     .content_type(http::HeaderValue::from_static("text/csv"));
    /// # Ok(response)
    /// # }
    /// ```
    pub async fn file(path: impl AsRef<Path>) -> std::io::Result<Self> {
        let file = tokio::fs::File::open(path).await?;
        let length = file.metadata().await?.len();
        let chunks = tokio_util::io::ReaderStream::with_capacity(file, 64 * 1024);
        Ok(Response::stream(chunks).content_type(OCTET_STREAM).header(CONTENT_LENGTH, HeaderValue::from(length)))
    }
}

/// One server-sent event: `data`, and optionally an `event` name, an `id`, a `retry` delay, or a
/// comment, written in the `text/event-stream` format.
///
/// ```
/// use ravyn_core::response::ServerSentEvent;
/// let event = ServerSentEvent::data("line one\nline two").event("update").id("7");
/// assert_eq!(event.as_str(), "event: update\nid: 7\ndata: line one\ndata: line two\n\n");
/// assert_eq!(ServerSentEvent::comment("ping").as_str(), ": ping\n\n");
/// ```
#[derive(Debug, Clone, Default)]
pub struct ServerSentEvent {
    event: Option<String>,
    id: Option<String>,
    retry: Option<Duration>,
    comment: Option<String>,
    data: Option<String>,
    /// The event as written, made on first use.
    written: String,
}

impl ServerSentEvent {
    /// An event carrying `data` (a multi-line text becomes one `data:` line per line).
    pub fn data(data: impl Into<String>) -> Self {
        ServerSentEvent { data: Some(data.into()), ..Default::default() }.written()
    }

    /// An event carrying `value` as JSON.
    ///
    /// ```
    /// let event = ravyn_core::response::ServerSentEvent::json(&serde_json::json!({"n": 1})).unwrap();
    /// assert_eq!(event.as_str(), "data: {\"n\":1}\n\n");
    /// ```
    pub fn json<T: serde::Serialize + ?Sized>(value: &T) -> serde_json::Result<Self> {
        Ok(ServerSentEvent::data(serde_json::to_string(value)?))
    }

    /// A comment line, which clients ignore (what keep-alive sends).
    pub fn comment(text: impl Into<String>) -> Self {
        ServerSentEvent { comment: Some(text.into()), ..Default::default() }.written()
    }

    /// The event's name (the client's `addEventListener(name, ..)`).
    pub fn event(mut self, name: impl Into<String>) -> Self {
        self.event = Some(name.into());
        self.written()
    }

    /// The event's id (sent back by a reconnecting client as `Last-Event-ID`).
    pub fn id(mut self, id: impl Into<String>) -> Self {
        self.id = Some(id.into());
        self.written()
    }

    /// How long a client waits before reconnecting.
    pub fn retry(mut self, delay: Duration) -> Self {
        self.retry = Some(delay);
        self.written()
    }

    /// The event in the `text/event-stream` format.
    pub fn as_str(&self) -> &str {
        &self.written
    }

    fn written(mut self) -> Self {
        let mut out = String::new();
        // Field values cannot hold line breaks: a name, id or comment is cut at its first.
        let line = |value: &str| value.split(['\r', '\n']).next().unwrap_or("").to_owned();
        if let Some(comment) = &self.comment {
            let _ = writeln!(out, ": {}", line(comment));
        }
        if let Some(event) = &self.event {
            let _ = writeln!(out, "event: {}", line(event));
        }
        if let Some(id) = &self.id {
            let _ = writeln!(out, "id: {}", line(id));
        }
        if let Some(retry) = self.retry {
            let _ = writeln!(out, "retry: {}", retry.as_millis());
        }
        if let Some(data) = &self.data {
            for data_line in data.split('\n') {
                let _ = writeln!(out, "data: {}", data_line.strip_suffix('\r').unwrap_or(data_line));
            }
        }
        out.push('\n');
        self.written = out;
        self
    }
}

/// A server-sent events response (`text/event-stream`), Lilya's and Ravyn's
/// `EventStreamResponse`: each event is sent as soon as the stream yields it; with
/// [`keep_alive`](Self::keep_alive), a comment goes out whenever the stream has been quiet that
/// long, so proxies keep the connection open. The response ends when the stream does; when the
/// client leaves, the stream is dropped (a producer sending into a channel sees it closed).
///
/// ```
/// use ravyn_core::response::{EventStreamResponse, ServerSentEvent};
/// use ravyn_core::IntoResponse;
/// use std::time::Duration;
///
/// let events = futures_util::stream::iter((1..=3).map(|n| ServerSentEvent::data(n.to_string())));
/// let response = EventStreamResponse::new(events).keep_alive(Duration::from_secs(15)).into_response();
/// assert_eq!(response.headers()["content-type"], "text/event-stream");
/// assert_eq!(response.headers()["cache-control"], "no-cache");
/// ```
pub struct EventStreamResponse<S> {
    events: S,
    keep_alive: Option<Duration>,
}

impl<S> EventStreamResponse<S>
where
    S: Stream<Item = ServerSentEvent> + Send + 'static,
{
    /// Events from `events`, without keep-alive comments.
    pub fn new(events: S) -> Self {
        EventStreamResponse { events, keep_alive: None }
    }

    /// Sends a `: keep-alive` comment after `interval` without an event.
    pub fn keep_alive(mut self, interval: Duration) -> Self {
        self.keep_alive = Some(interval);
        self
    }
}

impl<S> IntoResponse for EventStreamResponse<S>
where
    S: Stream<Item = ServerSentEvent> + Send + 'static,
{
    fn into_response(self) -> Response {
        let stream = EventBytes {
            events: Box::pin(self.events),
            // The timer is made on the first poll, inside the runtime: a response may be built
            // outside one (in a test, or before it is handed to the server).
            keep_alive: self.keep_alive.map(|interval| (interval, None)),
        };
        Response::stream(stream)
            .content_type(TEXT_EVENT_STREAM)
            .header(CACHE_CONTROL, HeaderValue::from_static("no-cache"))
            // Tells nginx not to buffer the stream.
            .header(http::header::HeaderName::from_static("x-accel-buffering"), HeaderValue::from_static("no"))
    }
}

/// The events as bytes, with keep-alive comments in the quiet gaps.
struct EventBytes<S> {
    events: Pin<Box<S>>,
    keep_alive: Option<(Duration, Option<Pin<Box<tokio::time::Sleep>>>)>,
}

impl<S: Stream<Item = ServerSentEvent>> Stream for EventBytes<S> {
    type Item = Result<Bytes, std::convert::Infallible>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        match this.events.as_mut().poll_next(cx) {
            Poll::Ready(Some(event)) => {
                if let Some((interval, Some(timer))) = &mut this.keep_alive {
                    timer.as_mut().reset(tokio::time::Instant::now() + *interval);
                }
                Poll::Ready(Some(Ok(Bytes::from(event.written))))
            }
            Poll::Ready(None) => Poll::Ready(None),
            Poll::Pending => match &mut this.keep_alive {
                Some((interval, timer)) => {
                    match timer.get_or_insert_with(|| Box::pin(tokio::time::sleep(*interval))).as_mut().poll(cx) {
                        Poll::Ready(()) => {
                            if let Some(timer) = timer {
                                timer.as_mut().reset(tokio::time::Instant::now() + *interval);
                            }
                            Poll::Ready(Some(Ok(Bytes::from_static(b": keep-alive\n\n"))))
                        }
                        Poll::Pending => Poll::Pending,
                    }
                }
                None => Poll::Pending,
            },
        }
    }
}
