//! Which HTTP version a new connection speaks: HTTP/2 over cleartext with prior knowledge (h2c)
//! starts with a fixed preface; anything else is served as HTTP/1.
//!
//! The first bytes are peeked at, not consumed, so the chosen hyper connection reads the stream
//! itself, unwrapped (hyper-util's `auto` builder instead reads them and replays them through an
//! I/O wrapper for the connection's whole life, and its connection type is sized for both
//! protocols).

use std::io;
use tokio::io::Interest;
use tokio::net::TcpStream;

/// What an HTTP/2 client sends first (RFC 9113, section 3.4).
const PREFACE: &[u8; 24] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

/// The protocol a connection speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Protocol {
    Http1,
    Http2,
}

/// Waits for the connection's first bytes and tells the protocol from them. A connection closed
/// before sending anything counts as HTTP/1 (hyper then sees the end of the stream).
pub(crate) async fn detect(stream: &TcpStream) -> io::Result<Protocol> {
    detect_counting(stream, &mut 0).await
}

/// [`detect`], counting the peeks it makes in `peeks`.
async fn detect_counting(stream: &TcpStream, peeks: &mut u32) -> io::Result<Protocol> {
    let mut first = [0u8; PREFACE.len()];
    *peeks += 1;
    let mut seen = stream.peek(&mut first).await?;
    if let Some(protocol) = classify(&first[..seen]) {
        return Ok(protocol);
    }
    // Only the start of the preface so far (rare). `peek` would answer at once again, since
    // those bytes stay unread, so wait for the socket's next readiness event instead: a peek that
    // finds nothing new reports "would block", which clears the readiness until more bytes (or
    // the end of the stream) arrive. No timer, no polling; the header read timeout bounds the
    // wait (security review L1: the 2 ms polling this replaces cost half a core for 1,000
    // connections that each sent "P").
    let peeker = Peeker::of(stream)?;
    loop {
        let ready = stream.ready(Interest::READABLE).await?;
        let peeked = stream.try_io(Interest::READABLE, || {
            *peeks += 1;
            match peeker.peek(&mut first)? {
                n if n == seen => Err(io::ErrorKind::WouldBlock.into()),
                n => Ok(n),
            }
        });
        match peeked {
            Ok(n) => {
                seen = n;
                if let Some(protocol) = classify(&first[..seen]) {
                    return Ok(protocol);
                }
            }
            // The client stopped sending with only part of the preface: hyper's HTTP/1 parser
            // reads those bytes and the end of the stream, and closes.
            Err(error) if error.kind() == io::ErrorKind::WouldBlock && ready.is_read_closed() => {
                return Ok(Protocol::Http1)
            }
            Err(error) if error.kind() == io::ErrorKind::WouldBlock => {}
            Err(error) => return Err(error),
        }
    }
}

/// A second handle on the connection's socket for peeking without waiting (tokio's own `peek`
/// waits, so it cannot tell "nothing new" to `try_io`). Dropped as soon as the protocol is known.
struct Peeker(std::net::TcpStream);

impl Peeker {
    fn of(stream: &TcpStream) -> io::Result<Self> {
        #[cfg(unix)]
        let owned = std::os::fd::AsFd::as_fd(stream).try_clone_to_owned()?;
        #[cfg(windows)]
        let owned = std::os::windows::io::AsSocket::as_socket(stream).try_clone_to_owned()?;
        Ok(Peeker(std::net::TcpStream::from(owned)))
    }

    /// The bytes waiting, without consuming them; non-blocking, as the socket is (the flag is
    /// shared by both handles).
    fn peek(&self, buffer: &mut [u8]) -> io::Result<usize> {
        self.0.peek(buffer)
    }
}

/// The protocol `first` (the bytes received so far) shows, or `None` while they are a proper
/// prefix of the HTTP/2 preface.
fn classify(first: &[u8]) -> Option<Protocol> {
    if first.is_empty() || !PREFACE.starts_with(first) {
        Some(Protocol::Http1)
    } else if first.len() == PREFACE.len() {
        Some(Protocol::Http2)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;
    use tokio::io::AsyncWriteExt;

    #[test]
    fn classifies_first_bytes() {
        assert_eq!(classify(b"GET / HTTP/1.1\r\n"), Some(Protocol::Http1));
        assert_eq!(classify(b"P"), None);
        assert_eq!(classify(b"PRI * HTTP/2.0"), None);
        assert_eq!(classify(b"POST /login HTTP/1.1"), Some(Protocol::Http1));
        assert_eq!(classify(PREFACE), Some(Protocol::Http2));
        assert_eq!(classify(b""), Some(Protocol::Http1));
    }

    /// Security review L1: a connection that sends only "P" used to be peeked at every 2 ms
    /// until its header timeout. Time is paused and auto-advanced here, so a timer-driven wait
    /// would peek hundreds of times in the second this test waits.
    #[tokio::test(start_paused = true)]
    async fn a_partial_preface_waits_for_more_bytes_without_polling() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let mut client = TcpStream::connect(listener.local_addr().unwrap()).await.unwrap();
        let (server, _) = listener.accept().await.unwrap();
        client.write_all(b"P").await.unwrap();
        let peeks = std::sync::Arc::new(std::sync::atomic::AtomicU32::new(0));
        let counted = peeks.clone();
        let detected = tokio::spawn(async move {
            let mut count = 0;
            let protocol = detect_counting(&server, &mut count).await.unwrap();
            counted.store(count, std::sync::atomic::Ordering::SeqCst);
            protocol
        });
        tokio::time::sleep(Duration::from_secs(1)).await;
        client.write_all(&PREFACE[1..14]).await.unwrap();
        tokio::time::sleep(Duration::from_secs(1)).await;
        client.write_all(&PREFACE[14..]).await.unwrap();
        assert_eq!(detected.await.unwrap(), Protocol::Http2);
        let peeks = peeks.load(std::sync::atomic::Ordering::SeqCst);
        // One peek on arrival, one per batch of new bytes, and at most a spurious wake-up or two.
        assert!(peeks <= 6, "{peeks} peeks over two seconds of waiting");
    }

    #[tokio::test]
    async fn a_partial_preface_then_the_end_of_the_stream_is_http1() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let mut client = TcpStream::connect(listener.local_addr().unwrap()).await.unwrap();
        let (server, _) = listener.accept().await.unwrap();
        client.write_all(b"PR").await.unwrap();
        client.shutdown().await.unwrap();
        assert_eq!(detect(&server).await.unwrap(), Protocol::Http1);
    }

    #[tokio::test]
    async fn a_preface_sent_in_pieces_is_http2_and_nothing_is_consumed() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let mut client = TcpStream::connect(listener.local_addr().unwrap()).await.unwrap();
        let (server, _) = listener.accept().await.unwrap();
        client.write_all(&PREFACE[..5]).await.unwrap();
        let detected = tokio::spawn(async move { (detect(&server).await.unwrap(), server) });
        tokio::time::sleep(Duration::from_millis(20)).await;
        client.write_all(&PREFACE[5..]).await.unwrap();
        let (protocol, server) = detected.await.unwrap();
        assert_eq!(protocol, Protocol::Http2);
        let mut unread = [0u8; 24];
        assert_eq!(server.peek(&mut unread).await.unwrap(), 24, "the preface is still there for hyper");
        assert_eq!(&unread, PREFACE);
    }
}
