//! Lifecycle hooks, as Ravyn's `on_startup`, `on_shutdown` and `lifespan`: code that runs when the
//! server starts (before the first connection is accepted) and when it stops (after graceful
//! shutdown has let in-flight requests finish). Background tasks (a session store's cleanup, a
//! token family collector) start and stop on them.
//!
//! ```
//! use ravyn_core::lifecycle::{Hook, Lifespan};
//! use ravyn_core::Ravyn;
//! use std::sync::atomic::{AtomicUsize, Ordering};
//! use std::sync::Arc;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
//! let running = Arc::new(AtomicUsize::new(0));
//! let (up, down) = (running.clone(), running.clone());
//! let app = Ravyn::builder()
//!     .on_startup(move || {
//!         let up = up.clone();
//!         async move {
//!             up.fetch_add(1, Ordering::SeqCst);
//!             Ok(())
//!         }
//!     })
//!     .on_shutdown(move || {
//!         let down = down.clone();
//!         async move {
//!             down.fetch_sub(1, Ordering::SeqCst);
//!             Ok(())
//!         }
//!     })
//!     .build()?;
//! // `serve` runs these itself; in-process tests (and custom servers) call them directly.
//! app.startup().await?;
//! assert_eq!(running.load(Ordering::SeqCst), 1);
//! app.shutdown().await;
//! assert_eq!(running.load(Ordering::SeqCst), 0);
//! # Ok(())
//! # }
//! ```

use crate::body::BoxError;
use crate::handler::BoxFuture;
use crate::settings::Settings;
use std::fmt;
use std::future::Future;
use std::sync::{Arc, Mutex};

/// What a hook returns: `Err` from a startup hook stops `serve` with that error; from a shutdown
/// hook it is logged and the other hooks still run.
pub type HookResult = Result<(), BoxError>;

/// A startup or shutdown hook: an async function run once per `serve`.
///
/// ```
/// let hook = ravyn_core::lifecycle::Hook::new(|| async { Ok(()) });
/// # let _ = hook;
/// ```
#[derive(Clone)]
pub struct Hook(Arc<dyn Fn() -> BoxFuture<'static, HookResult> + Send + Sync>);

impl Hook {
    /// A hook that runs `hook()` to completion.
    pub fn new<F, Fut>(hook: F) -> Self
    where
        F: Fn() -> Fut + Send + Sync + 'static,
        Fut: Future<Output = HookResult> + Send + 'static,
    {
        Hook(Arc::new(move || Box::pin(hook())))
    }

    async fn run(&self) -> HookResult {
        (self.0)().await
    }
}

impl fmt::Debug for Hook {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Hook")
    }
}

type Teardown = Box<dyn FnOnce() -> BoxFuture<'static, ()> + Send>;
type Setup = Arc<dyn Fn() -> BoxFuture<'static, Result<Teardown, BoxError>> + Send + Sync>;

/// Ravyn's `lifespan`: one function for both ends of the server's life. Its startup part returns
/// the shutdown part, so state made at startup (a task handle, a pool) is there at shutdown.
///
/// ```
/// use ravyn_core::lifecycle::Lifespan;
/// let lifespan = Lifespan::new(|| async {
///     let task = tokio::spawn(async { /* background work */ });
///     Ok(move || async move { task.abort(); })
/// });
/// let app = ravyn_core::Ravyn::builder().lifespan(lifespan).build().unwrap();
/// # let _ = app;
/// ```
#[derive(Clone)]
pub struct Lifespan(Setup);

impl Lifespan {
    /// A lifespan whose startup is `setup()`, and whose shutdown is what that returns.
    pub fn new<F, Fut, T, TFut>(setup: F) -> Self
    where
        F: Fn() -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<T, BoxError>> + Send + 'static,
        T: FnOnce() -> TFut + Send + 'static,
        TFut: Future<Output = ()> + Send + 'static,
    {
        Lifespan(Arc::new(move || {
            let started = setup();
            Box::pin(async move {
                let teardown = started.await?;
                Ok(Box::new(move || Box::pin(teardown()) as BoxFuture<'static, ()>) as Teardown)
            })
        }))
    }
}

impl fmt::Debug for Lifespan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Lifespan")
    }
}

/// An app's hooks, and the shutdown half of a lifespan that has started.
#[derive(Default)]
pub(crate) struct Hooks {
    pub(crate) startup: Vec<Hook>,
    pub(crate) shutdown: Vec<Hook>,
    pub(crate) lifespan: Option<Lifespan>,
    teardown: Mutex<Option<Teardown>>,
}

impl Hooks {
    /// Takes the settings module's hooks where the builder gave none (the builder wins, as for
    /// every value).
    pub(crate) fn extend_from_settings(&mut self, settings: &dyn Settings) {
        if self.startup.is_empty() {
            self.startup = settings.on_startup();
        }
        if self.shutdown.is_empty() {
            self.shutdown = settings.on_shutdown();
        }
        if self.lifespan.is_none() {
            self.lifespan = settings.lifespan();
        }
    }

    /// The startup hooks in order, then the lifespan's startup; the first error stops them.
    pub(crate) async fn startup(&self) -> HookResult {
        for hook in &self.startup {
            hook.run().await?;
        }
        if let Some(lifespan) = &self.lifespan {
            let teardown = (lifespan.0)().await?;
            *self.teardown.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = Some(teardown);
        }
        Ok(())
    }

    /// The lifespan's shutdown, then the shutdown hooks in order; errors are logged.
    pub(crate) async fn shutdown(&self) {
        let teardown = self.teardown.lock().unwrap_or_else(std::sync::PoisonError::into_inner).take();
        if let Some(teardown) = teardown {
            teardown().await;
        }
        for hook in &self.shutdown {
            if let Err(error) = hook.run().await {
                tracing::error!(%error, "a shutdown hook failed");
            }
        }
    }
}
