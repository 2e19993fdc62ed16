//! `header_read_timeout`: closing a connection whose client does not finish sending a request's
//! headers in time (a slow-headers, "Slowloris", attack), without a timer per request.
//!
//! hyper can do this itself, but it arms a fresh timer (a heap allocation and a registration in
//! tokio's timer wheel, under its lock) for every request on every keep-alive connection: about a
//! tenth of a small request's CPU here (callgrind, GET /hello). This guard keeps one timer per
//! connection instead, and per request only counts requests in flight and notes when the last one
//! ended. When the timer fires it checks that record and, if the connection made progress, moves
//! the deadline on; so a connection is closed `timeout` after its last response (or its start)
//! when no request is in flight, that is, when the client has not sent a complete request head in
//! that time. It also bounds how long a keep-alive connection may sit idle, as hyper's timer does.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::task::{Context, Poll, Waker};
use std::time::Duration;
use tokio::time::{Instant, Sleep};

/// What a connection's requests report to its guard.
#[derive(Debug)]
pub(crate) struct Activity {
    started: Instant,
    in_flight: AtomicUsize,
    /// When the last request in flight ended, in milliseconds since `started`.
    idle_since_ms: AtomicU64,
}

impl Activity {
    pub(crate) fn new() -> Self {
        Activity { started: Instant::now(), in_flight: AtomicUsize::new(0), idle_since_ms: AtomicU64::new(0) }
    }

    /// Marks a request as in flight until the returned guard is dropped (when its response
    /// future ends, or is dropped because the client went away).
    pub(crate) fn enter(&self) -> InFlight<'_> {
        self.in_flight.fetch_add(1, Ordering::Relaxed);
        InFlight(self)
    }

    /// The deadline to wait for next, or `None` when the connection has been without a request
    /// in flight for `timeout`.
    fn next_deadline(&self, now: Instant, timeout: Duration) -> Option<Instant> {
        if self.in_flight.load(Ordering::Relaxed) > 0 {
            // A request is being handled (its body read, or the handler running): no headers are
            // awaited. Check again later.
            return Some(now + timeout);
        }
        let idle_since = self.started + Duration::from_millis(self.idle_since_ms.load(Ordering::Relaxed));
        let deadline = idle_since + timeout;
        (deadline > now).then_some(deadline)
    }
}

/// A request in flight on a connection; see [`Activity::enter`].
pub(crate) struct InFlight<'a>(&'a Activity);

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        let activity = self.0;
        let elapsed = u64::try_from(activity.started.elapsed().as_millis()).unwrap_or(u64::MAX);
        activity.idle_since_ms.store(elapsed, Ordering::Relaxed);
        activity.in_flight.fetch_sub(1, Ordering::Relaxed);
    }
}

/// Runs `connection` until it ends, or until it has gone `timeout` without a request in flight;
/// then it is dropped, which closes it. Outputs `None` when it was closed for the timeout.
///
/// A plain future holding its two parts boxed, not an `async fn`: it lives as long as the
/// connection, and an async fn's future would hold the connection's state (about 1.5 KB) twice
/// or three times over (the argument, the pinned local, the caller's copy).
pub(crate) struct Guard<C, A> {
    connection: Pin<Box<C>>,
    sleep: Pin<Box<Sleep>>,
    /// Where the connection's [`Activity`] lives (shared with its requests).
    activity: A,
    timeout: Duration,
    /// The waker the timer was last polled with, since its last deadline change.
    registered: Option<Waker>,
}

impl<C: Future, A: AsRef<Activity>> Guard<C, A> {
    pub(crate) fn new(connection: C, activity: A, timeout: Duration) -> Self {
        let sleep = Box::pin(tokio::time::sleep_until(activity.as_ref().started + timeout));
        Guard { connection: Box::pin(connection), sleep, activity, timeout, registered: None }
    }
}

impl<C: Future, A: AsRef<Activity> + Unpin> Future for Guard<C, A> {
    type Output = Option<C::Output>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        if let Poll::Ready(output) = this.connection.as_mut().poll(cx) {
            return Poll::Ready(Some(output));
        }
        // The connection wakes this task for every request; the timer need not be polled each
        // time, only when it fired or does not hold this task's waker yet.
        if let Some(waker) = &this.registered {
            if waker.will_wake(cx.waker()) && !this.sleep.is_elapsed() {
                return Poll::Pending;
            }
        }
        while this.sleep.as_mut().poll(cx).is_ready() {
            match this.activity.as_ref().next_deadline(Instant::now(), this.timeout) {
                // Moved on: poll again so the timer holds this task's waker for the new deadline.
                Some(deadline) => this.sleep.as_mut().reset(deadline),
                None => return Poll::Ready(None),
            }
        }
        this.registered = Some(cx.waker().clone());
        Poll::Pending
    }
}

impl AsRef<Activity> for Activity {
    fn as_ref(&self) -> &Activity {
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn an_idle_connection_is_closed_after_the_timeout() {
        let activity = Activity::new();
        let started = Instant::now();
        let closed = Guard::new(std::future::pending::<()>(), &activity, Duration::from_secs(30)).await;
        assert!(closed.is_none());
        assert_eq!(started.elapsed(), Duration::from_secs(30));
    }

    #[tokio::test(start_paused = true)]
    async fn the_deadline_counts_from_the_end_of_the_last_request() {
        let activity = Activity::new();
        let started = Instant::now();
        let requests = async {
            // A request from 10 s to 50 s (longer than the timeout: never cut while in flight),
            // then nothing.
            tokio::time::sleep(Duration::from_secs(10)).await;
            let in_flight = activity.enter();
            tokio::time::sleep(Duration::from_secs(40)).await;
            drop(in_flight);
            std::future::pending::<()>().await;
        };
        let closed = Guard::new(requests, &activity, Duration::from_secs(30)).await;
        assert!(closed.is_none());
        assert_eq!(started.elapsed(), Duration::from_secs(80));
    }

    #[tokio::test(start_paused = true)]
    async fn a_connection_that_ends_returns_its_output() {
        let activity = Activity::new();
        assert_eq!(Guard::new(async { 7 }, &activity, Duration::from_secs(1)).await, Some(7));
    }
}
