//! Time sources: [`SystemClock`] for real use, [`ManualClock`] for tests that move time without
//! sleeping.
//!
//! Times are whole seconds since the Unix epoch, the resolution cookies (and itsdangerous) use.
//!
//! ```
//! use std::sync::Arc;
//! use ravyn_session::{ManualClock, SessionConfig};
//!
//! let clock = Arc::new(ManualClock::new(1_700_000_000));
//! let config = SessionConfig::new("secret").clock(clock.clone());
//! clock.advance(3600); // an hour passes, instantly
//! # let _ = config;
//! ```

use std::fmt::Debug;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// A source of the current time in whole seconds since the Unix epoch.
///
/// ```
/// use ravyn_session::{Clock, SystemClock};
///
/// fn expired(clock: &dyn Clock, issued_at: u64, max_age: u64) -> bool {
///     clock.now().saturating_sub(issued_at) > max_age
/// }
/// assert!(expired(&SystemClock, 0, 60));
/// ```
pub trait Clock: Send + Sync + Debug {
    /// Seconds since 1970-01-01T00:00:00Z.
    fn now(&self) -> u64;
}

/// The system's wall clock.
///
/// ```
/// use ravyn_session::{Clock, SystemClock};
/// assert!(SystemClock.now() > 1_600_000_000);
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> u64 {
        // A clock set before 1970 is a broken host; 0 makes every cookie look future-dated
        // (rejected) rather than panicking in the request path.
        SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
    }
}

/// A clock that only moves when told to; share it through an `Arc` between the config and the test.
///
/// ```
/// use std::sync::Arc;
/// use ravyn_session::{Clock, ManualClock};
///
/// let clock = Arc::new(ManualClock::new(1_000));
/// clock.advance(30);
/// assert_eq!(clock.now(), 1_030);
/// clock.set(5);
/// assert_eq!(clock.now(), 5);
/// ```
#[derive(Debug, Default)]
pub struct ManualClock {
    now: AtomicU64,
}

impl ManualClock {
    /// A clock showing `now` (seconds since the Unix epoch).
    ///
    /// ```
    /// use ravyn_session::{Clock, ManualClock};
    /// assert_eq!(ManualClock::new(7).now(), 7);
    /// ```
    pub fn new(now: u64) -> Self {
        ManualClock { now: AtomicU64::new(now) }
    }

    /// Sets the time.
    ///
    /// ```
    /// use ravyn_session::{Clock, ManualClock};
    /// let clock = ManualClock::new(0);
    /// clock.set(100);
    /// assert_eq!(clock.now(), 100);
    /// ```
    pub fn set(&self, now: u64) {
        self.now.store(now, Ordering::SeqCst);
    }

    /// Moves the time forward by `seconds`.
    ///
    /// ```
    /// use ravyn_session::{Clock, ManualClock};
    /// let clock = ManualClock::new(100);
    /// clock.advance(1);
    /// assert_eq!(clock.now(), 101);
    /// ```
    pub fn advance(&self, seconds: u64) {
        self.now.fetch_add(seconds, Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> u64 {
        self.now.load(Ordering::SeqCst)
    }
}
