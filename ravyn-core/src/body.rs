//! [`Body`]: a request's or a response's body, either a whole buffer in memory or a stream.

use bytes::Bytes;
use http_body::{Frame, SizeHint};
use http_body_util::combinators::BoxBody;
use http_body_util::BodyExt;
use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll};

/// The error type of a streamed body: whatever the stream's source failed with (a client that
/// went away, a limit, an I/O error).
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// A request or response body: a whole buffer (what JSON, text and HTML responses and buffered
/// request bodies are), or a stream read as it is produced.
///
/// A whole body can be read back with [`as_bytes`](Body::as_bytes) by middleware before it is
/// sent; a stream cannot, so code that rewrites bodies checks [`is_stream`](Body::is_stream).
///
/// ```
/// use ravyn_core::Body;
/// let body = Body::from("hello");
/// assert_eq!(body.as_bytes(), b"hello");
/// assert!(!body.is_stream());
/// assert!(Body::empty().is_empty());
/// ```
#[derive(Default)]
pub struct Body {
    kind: Kind,
}

enum Kind {
    Full { data: Bytes, sent: bool },
    Stream(BoxBody<Bytes, BoxError>),
}

impl Default for Kind {
    fn default() -> Self {
        Kind::Full { data: Bytes::new(), sent: false }
    }
}

/// What a streamed body's [`as_bytes`](Body::as_bytes) and `Request::body` lend: nothing.
pub(crate) static NO_BYTES: Bytes = Bytes::new();

impl Body {
    /// An empty body.
    pub const fn empty() -> Self {
        Body { kind: Kind::Full { data: Bytes::new(), sent: false } }
    }

    /// A body streamed from any [`http_body::Body`] of `Bytes` (a hyper `Incoming`, a file
    /// stream, another framework's body).
    ///
    /// ```
    /// use ravyn_core::Body;
    /// let body = Body::from_http_body(http_body_util::Full::new(bytes::Bytes::from_static(b"streamed")));
    /// assert!(body.is_stream());
    /// ```
    pub fn from_http_body<B>(body: B) -> Self
    where
        B: http_body::Body<Data = Bytes> + Send + Sync + 'static,
        B::Error: Into<BoxError>,
    {
        Body { kind: Kind::Stream(body.map_err(Into::into).boxed()) }
    }

    /// A body streamed from any [`http_body::Body`] of `Bytes`, `Sync` or not (axum's body, a
    /// tower-http layer's): one that already is a [`Body`] is moved as it is, a hyper `Incoming`
    /// is streamed directly, and any other is held behind a lock that only its size hint takes
    /// (reading it needs none), since a `Body` must be `Sync`.
    ///
    /// ```
    /// use ravyn_core::Body;
    /// let body = Body::from_any_body(Body::from("whole"));
    /// assert_eq!(body.as_bytes(), b"whole"); // moved as it is, still a whole buffer
    /// ```
    pub fn from_any_body<B>(body: B) -> Self
    where
        B: http_body::Body<Data = Bytes> + Send + 'static,
        B::Error: Into<BoxError>,
    {
        let mut slot = Some(body);
        let any: &mut dyn std::any::Any = &mut slot;
        if let Some(own) = any.downcast_mut::<Option<Body>>() {
            return own.take().unwrap_or_default();
        }
        if let Some(incoming) = any.downcast_mut::<Option<hyper::body::Incoming>>() {
            return incoming.take().map(Body::from_http_body).unwrap_or_default();
        }
        match slot {
            Some(body) => Body::from_http_body(Unsync(std::sync::Mutex::new(Box::pin(body)))),
            None => Body::empty(),
        }
    }

    /// A body streamed from chunks as a [`Stream`](futures_util::Stream) produces them; an
    /// `Err` ends the body with that error (the connection is then closed mid-response).
    ///
    /// ```
    /// use ravyn_core::Body;
    /// let chunks = futures_util::stream::iter(["a", "b"].map(|s| Ok::<_, std::io::Error>(bytes::Bytes::from(s))));
    /// let body = Body::from_stream(chunks);
    /// assert!(body.is_stream());
    /// ```
    pub fn from_stream<S, E>(stream: S) -> Self
    where
        S: futures_util::Stream<Item = Result<Bytes, E>> + Send + 'static,
        E: Into<BoxError> + 'static,
    {
        use futures_util::TryStreamExt as _;
        let frames = stream.map_ok(Frame::data).map_err(Into::<BoxError>::into);
        Body::from_any_body(http_body_util::StreamBody::new(frames))
    }

    /// Whether this body is a stream rather than a buffer in memory.
    pub fn is_stream(&self) -> bool {
        matches!(self.kind, Kind::Stream(_))
    }

    /// The whole body's bytes; `None` for a stream.
    pub fn as_full(&self) -> Option<&Bytes> {
        match &self.kind {
            Kind::Full { data, .. } => Some(data),
            Kind::Stream(_) => None,
        }
    }

    /// The bytes of a whole body; empty for a stream (see [`is_stream`](Body::is_stream)).
    pub fn as_bytes(&self) -> &[u8] {
        self.as_full().unwrap_or(&NO_BYTES)
    }

    /// The bytes of a whole body, as a cheaply clonable buffer; empty for a stream.
    pub fn bytes(&self) -> Bytes {
        self.as_full().cloned().unwrap_or_default()
    }

    /// Length of a whole body in bytes; 0 for a stream.
    pub fn len(&self) -> usize {
        self.as_full().map_or(0, Bytes::len)
    }

    /// Whether the body is a whole, empty buffer (a stream never counts as empty).
    pub fn is_empty(&self) -> bool {
        self.as_full().is_some_and(Bytes::is_empty)
    }

    /// The next chunk of data, skipping trailers: `None` at the end. Works for both kinds (a
    /// whole body is one chunk).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let mut body = ravyn_core::Body::from("abc");
    /// assert_eq!(body.next_chunk().await.unwrap().unwrap(), "abc");
    /// assert!(body.next_chunk().await.is_none());
    /// # }
    /// ```
    pub async fn next_chunk(&mut self) -> Option<Result<Bytes, BoxError>> {
        loop {
            match self.frame().await? {
                Ok(frame) => match frame.into_data() {
                    Ok(data) => return Some(Ok(data)),
                    Err(_trailers) => continue,
                },
                Err(error) => return Some(Err(error)),
            }
        }
    }
}

/// A body that need not be `Sync`, made `Sync` by a lock that polling does not take (it has the
/// body by `&mut`); only `is_end_stream` and `size_hint`, which take `&self`, lock it, and nothing
/// else ever holds it, so they never wait.
struct Unsync<B>(std::sync::Mutex<Pin<Box<B>>>);

impl<B> http_body::Body for Unsync<B>
where
    B: http_body::Body<Data = Bytes>,
    B::Error: Into<BoxError>,
{
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        match self.get_mut().0.get_mut() {
            Ok(body) => body.as_mut().poll_frame(cx).map_err(Into::into),
            Err(_) => Poll::Ready(Some(Err("a body's lock was poisoned".into()))),
        }
    }

    fn is_end_stream(&self) -> bool {
        self.0.lock().is_ok_and(|body| body.is_end_stream())
    }

    fn size_hint(&self) -> SizeHint {
        self.0.lock().map(|body| body.size_hint()).unwrap_or_default()
    }
}

impl fmt::Debug for Body {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            Kind::Full { data, .. } => f.debug_tuple("Body").field(data).finish(),
            Kind::Stream(_) => f.write_str("Body(<stream>)"),
        }
    }
}

impl From<Bytes> for Body {
    fn from(data: Bytes) -> Self {
        Body { kind: Kind::Full { data, sent: false } }
    }
}

impl From<Vec<u8>> for Body {
    fn from(data: Vec<u8>) -> Self {
        Body::from(Bytes::from(data))
    }
}

impl From<String> for Body {
    fn from(data: String) -> Self {
        Body::from(Bytes::from(data))
    }
}

impl From<&'static str> for Body {
    fn from(data: &'static str) -> Self {
        Body::from(Bytes::from_static(data.as_bytes()))
    }
}

impl From<&'static [u8]> for Body {
    fn from(data: &'static [u8]) -> Self {
        Body::from(Bytes::from_static(data))
    }
}

impl http_body::Body for Body {
    type Data = Bytes;
    type Error = BoxError;

    #[inline]
    fn poll_frame(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        match &mut self.get_mut().kind {
            Kind::Full { data, sent } => {
                if *sent || data.is_empty() {
                    *sent = true;
                    return Poll::Ready(None);
                }
                *sent = true;
                Poll::Ready(Some(Ok(Frame::data(std::mem::take(data)))))
            }
            Kind::Stream(stream) => Pin::new(stream).poll_frame(cx),
        }
    }

    #[inline]
    fn is_end_stream(&self) -> bool {
        match &self.kind {
            Kind::Full { data, sent } => *sent || data.is_empty(),
            Kind::Stream(stream) => stream.is_end_stream(),
        }
    }

    #[inline]
    fn size_hint(&self) -> SizeHint {
        match &self.kind {
            Kind::Full { sent: true, .. } => SizeHint::with_exact(0),
            Kind::Full { data, sent: false } => SizeHint::with_exact(data.len() as u64),
            Kind::Stream(stream) => stream.size_hint(),
        }
    }
}
