//! Reading a buffered request body: within the route's size limit, within `body_read_timeout`
//! for the whole body, and within the connection's budget of body bytes buffered at once.
//!
//! The deadline covers the whole body however steadily it trickles (security review H1: a body
//! that never finishes otherwise held its socket and buffer for as long as the client liked). The
//! budget is what one connection may hold buffered across its HTTP/2 streams at once: without it,
//! one h2c connection carrying many unfinished uploads pinned `streams × max_body_size` bytes.
//! The first body being read on a connection is always allowed up to its route's limit (so an
//! HTTP/1 connection, one request at a time, is never refused by the budget); others are refused
//! with 413 once they would take the connection past its budget.

use crate::app::body_too_large;
use crate::HTTPException;
use bytes::{Bytes, BytesMut};
use http::StatusCode;
use http_body_util::BodyExt;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// A connection's budget of buffered body bytes, shared by its requests (cheap to clone).
#[derive(Debug, Clone)]
pub(crate) struct BodyBudget {
    held: Arc<AtomicUsize>,
    limit: usize,
}

impl BodyBudget {
    pub(crate) fn new(limit: usize) -> Self {
        BodyBudget { held: Arc::new(AtomicUsize::new(0)), limit }
    }

    /// Bytes held by the connection's bodies being read or handled now.
    #[cfg(test)]
    fn held(&self) -> usize {
        self.held.load(Ordering::Relaxed)
    }
}

/// Bytes reserved from a [`BodyBudget`] for one request, given back when dropped (when the
/// request's answer is made, or the request is dropped because its client went away).
#[derive(Debug)]
pub(crate) struct Reservation {
    budget: BodyBudget,
    bytes: usize,
}

impl Reservation {
    pub(crate) fn new(budget: &BodyBudget) -> Self {
        Reservation { budget: budget.clone(), bytes: 0 }
    }

    /// Takes `more` bytes: allowed while this reservation is the only one holding any, or while
    /// the connection stays within its budget.
    fn take(&mut self, more: usize) -> bool {
        let held = &self.budget.held;
        let mut current = held.load(Ordering::Relaxed);
        loop {
            let alone = current == self.bytes;
            let next = current.saturating_add(more);
            if !alone && next > self.budget.limit {
                return false;
            }
            match held.compare_exchange_weak(current, next, Ordering::Relaxed, Ordering::Relaxed) {
                Ok(_) => {
                    self.bytes += more;
                    return true;
                }
                Err(actual) => current = actual,
            }
        }
    }
}

impl Drop for Reservation {
    fn drop(&mut self) {
        self.budget.held.fetch_sub(self.bytes, Ordering::Relaxed);
    }
}

/// Reads a whole body within `limit` bytes and `timeout`, its bytes counted in `reservation`.
pub(crate) async fn read_body<B>(
    body: B,
    limit: u64,
    timeout: Duration,
    reservation: &mut Reservation,
) -> Result<Bytes, HTTPException>
where
    B: http_body::Body<Data = Bytes>,
    B::Error: Into<crate::BoxError>,
{
    match tokio::time::timeout(timeout, collect(body, limit, reservation)).await {
        Ok(read) => read,
        Err(_) => {
            tracing::debug!(?timeout, "request body not received within body_read_timeout");
            Err(HTTPException::new(
                StatusCode::REQUEST_TIMEOUT,
                format!("The request body was not received within {} ms.", timeout.as_millis()),
            ))
        }
    }
}

async fn collect<B>(body: B, limit: u64, reservation: &mut Reservation) -> Result<Bytes, HTTPException>
where
    B: http_body::Body<Data = Bytes>,
    B::Error: Into<crate::BoxError>,
{
    let mut body = std::pin::pin!(body);
    let limit_bytes = usize::try_from(limit).unwrap_or(usize::MAX);
    // Not preallocated from Content-Length: announced bytes cost nothing until they arrive.
    let mut first: Option<Bytes> = None;
    let mut joined = BytesMut::new();
    let mut len = 0usize;
    while let Some(frame) = body.as_mut().frame().await {
        let frame = frame.map_err(|error| {
            // A broken body (a bad chunk size, a connection cut short): the framing of whatever
            // follows on the connection cannot be trusted, so it is closed after the answer.
            let error: crate::BoxError = error.into();
            tracing::debug!(%error, "request body could not be read");
            HTTPException::new(StatusCode::BAD_REQUEST, "The request body could not be read.")
                .with_header(http::header::CONNECTION, http::HeaderValue::from_static("close"))
        })?;
        let Ok(data) = frame.into_data() else { continue };
        len = len.saturating_add(data.len());
        if len > limit_bytes {
            return Err(body_too_large(limit));
        }
        if !reservation.take(data.len()) {
            tracing::warn!(limit = reservation.budget.limit, "request bodies buffered on one connection over budget");
            return Err(HTTPException::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                format!(
                    "The request bodies being received on this connection exceed {} bytes; send fewer at once.",
                    reservation.budget.limit
                ),
            ));
        }
        // One frame (the common case) is kept as it came, without a copy.
        match first.take() {
            None if joined.is_empty() => first = Some(data),
            None => joined.extend_from_slice(&data),
            Some(previous) => {
                joined.extend_from_slice(&previous);
                joined.extend_from_slice(&data);
            }
        }
    }
    Ok(first.unwrap_or_else(|| joined.freeze()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_body_may_use_its_whole_limit_and_others_share_the_budget() {
        let budget = BodyBudget::new(100);
        let mut first = Reservation::new(&budget);
        assert!(first.take(80));
        assert!(first.take(80), "alone on the connection, a body is bounded by its route's limit only");
        let mut second = Reservation::new(&budget);
        assert!(!second.take(1), "the connection is over its budget");
        drop(first);
        assert_eq!(budget.held(), 0);
        assert!(second.take(60));
        let mut third = Reservation::new(&budget);
        assert!(third.take(40));
        assert!(!third.take(1));
        drop((second, third));
        assert_eq!(budget.held(), 0, "every byte is given back");
    }
}
