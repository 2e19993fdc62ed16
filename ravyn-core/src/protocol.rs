//! Which HTTP version a new connection speaks: HTTP/2 over cleartext with prior knowledge (h2c)
//! starts with a fixed preface; anything else is served as HTTP/1.
//!
//! The first bytes are peeked at, not consumed, so the chosen hyper connection reads the stream
//! itself, unwrapped (hyper-util's `auto` builder instead reads them and replays them through an
//! I/O wrapper for the connection's whole life, and its connection type is sized for both
//! protocols).

use std::io;
use std::time::Duration;
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
    let mut first = [0u8; PREFACE.len()];
    loop {
        let n = stream.peek(&mut first).await?;
        if let Some(protocol) = classify(&first[..n]) {
            return Ok(protocol);
        }
        // Only the start of the preface so far. `peek` answers at once while those bytes are
        // unread, so wait a little before looking again (the connection's header read timeout
        // bounds how long).
        tokio::time::sleep(Duration::from_millis(2)).await;
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
