//! The response body: a whole buffer, sent in one frame.

use bytes::Bytes;
use http_body::{Frame, SizeHint};
use std::convert::Infallible;
use std::pin::Pin;
use std::task::{Context, Poll};

/// A complete response body held in memory.
///
/// Responses in Ravyn are built whole (JSON, text, HTML), so the body is one buffer that
/// middleware can read back with [`Body::as_bytes`] before it is sent.
///
/// ```
/// use ravyn_core::Body;
/// let body = Body::from("hello");
/// assert_eq!(body.as_bytes(), b"hello");
/// assert!(Body::empty().is_empty());
/// ```
#[derive(Debug, Clone, Default)]
pub struct Body {
    data: Bytes,
    sent: bool,
}

impl Body {
    /// An empty body.
    pub const fn empty() -> Self {
        Body { data: Bytes::new(), sent: false }
    }

    /// The bytes of the body.
    pub fn as_bytes(&self) -> &[u8] {
        &self.data
    }

    /// The bytes of the body, as a cheaply clonable buffer.
    pub fn bytes(&self) -> Bytes {
        self.data.clone()
    }

    /// Length of the body in bytes.
    pub fn len(&self) -> usize {
        self.data.len()
    }

    /// Whether the body is empty.
    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }
}

impl From<Bytes> for Body {
    fn from(data: Bytes) -> Self {
        Body { data, sent: false }
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
    type Error = Infallible;

    fn poll_frame(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        let this = self.get_mut();
        if this.sent || this.data.is_empty() {
            this.sent = true;
            return Poll::Ready(None);
        }
        this.sent = true;
        Poll::Ready(Some(Ok(Frame::data(std::mem::take(&mut this.data)))))
    }

    fn is_end_stream(&self) -> bool {
        self.sent || self.data.is_empty()
    }

    fn size_hint(&self) -> SizeHint {
        if self.sent {
            SizeHint::with_exact(0)
        } else {
            SizeHint::with_exact(self.data.len() as u64)
        }
    }
}
