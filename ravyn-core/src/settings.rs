//! [`Settings`]: Ravyn's `RavynSettings`, a type whose methods supply the app's configuration.
//!
//! Precedence, for every value: what is given to the builder wins over the settings module,
//! which wins over the defaults (the trait's default methods).

use crate::lifecycle::{Hook, Lifespan};
use std::time::Duration;

/// An app's configuration as methods, each with Ravyn's default; override the ones you need
/// and pass the type to [`RavynBuilder::settings_module`](crate::RavynBuilder::settings_module).
///
/// ```
/// use ravyn_core::Settings;
///
/// struct AppSettings;
/// impl Settings for AppSettings {
///     fn debug(&self) -> bool {
///         std::env::var("DEBUG").is_ok_and(|v| v == "1")
///     }
///     fn max_body_size(&self) -> usize {
///         64 * 1024
///     }
/// }
/// assert_eq!(AppSettings.max_body_size(), 65536);
/// assert!(AppSettings.redirect_slashes());
/// ```
pub trait Settings: Send + Sync + 'static {
    /// Debug mode: internal error details are added to 500 answers. Default `false`.
    fn debug(&self) -> bool {
        false
    }

    /// Redirect `/path/` to `/path` (and back) when only the other exists. Default `true`.
    fn redirect_slashes(&self) -> bool {
        true
    }

    /// The largest request body accepted, in bytes; larger answers 413. Default 1 MiB.
    fn max_body_size(&self) -> usize {
        1024 * 1024
    }

    /// The largest request header section accepted, in bytes; larger answers 431.
    /// Default 16 KiB.
    fn max_header_size(&self) -> usize {
        16 * 1024
    }

    /// How long a client may take to send its request headers. Default 30 seconds.
    fn header_read_timeout(&self) -> Duration {
        Duration::from_secs(30)
    }

    /// How long a client may take to send a whole buffered request body, however steadily it
    /// trickles; then it is answered `408`. Default 30 seconds.
    fn body_read_timeout(&self) -> Duration {
        Duration::from_secs(30)
    }

    /// How many HTTP/2 streams (requests) one connection may have open at once. Default 64.
    fn http2_max_concurrent_streams(&self) -> u32 {
        64
    }

    /// How many body bytes one connection's requests may hold buffered at once, across its
    /// HTTP/2 streams; a body that would pass it is answered `413` (the first body being read on
    /// a connection is bounded by its route's limit only). Default 8 MiB.
    fn max_buffered_body_per_connection(&self) -> usize {
        8 * 1024 * 1024
    }

    /// How long graceful shutdown waits for in-flight requests. Default 30 seconds.
    fn shutdown_timeout(&self) -> Duration {
        Duration::from_secs(30)
    }

    /// How many connections are served at once; beyond it the server stops accepting until one
    /// closes. Default 10,000 (each needs a file descriptor: keep it below `ulimit -n`).
    fn max_connections(&self) -> usize {
        10_000
    }

    /// Sessions (Ravyn's `session_config`). Default `None`: no sessions.
    fn session_config(&self) -> Option<ravyn_session::SessionConfig> {
        None
    }

    /// JWT authentication (Ravyn's `jwt_config`). Default `None`: no bearer tokens.
    ///
    /// ```
    /// use ravyn_core::{Ravyn, Settings};
    /// use ravyn_auth::JWTConfig;
    /// struct AppSettings;
    /// impl Settings for AppSettings {
    ///     fn jwt_config(&self) -> Option<JWTConfig> {
    ///         Some(JWTConfig::new("a-long-random-secret-of-at-least-32-bytes").access_token_lifetime(600))
    ///     }
    /// }
    /// let app = Ravyn::builder().settings_module(AppSettings).build().unwrap();
    /// assert_eq!(app.jwt().unwrap().config().get_access_token_lifetime(), 600);
    /// ```
    #[cfg(feature = "jwt")]
    fn jwt_config(&self) -> Option<ravyn_auth::JWTConfig> {
        None
    }

    /// CSRF protection (Ravyn's `csrf_config`). Default `None`: no CSRF checks.
    ///
    /// ```
    /// use ravyn_core::{CSRFConfig, Ravyn, Settings};
    /// struct AppSettings;
    /// impl Settings for AppSettings {
    ///     fn csrf_config(&self) -> Option<CSRFConfig> {
    ///         Some(CSRFConfig::new("a-long-random-secret-of-at-least-32-bytes"))
    ///     }
    /// }
    /// let app = Ravyn::builder().settings_module(AppSettings).build().unwrap();
    /// # let _ = app;
    /// ```
    fn csrf_config(&self) -> Option<crate::csrf::CSRFConfig> {
        None
    }

    /// CORS (Ravyn's `cors_config`). Default `None`: no CORS headers, preflights reach routing.
    ///
    /// ```
    /// use ravyn_core::{CORSConfig, Settings};
    /// struct AppSettings;
    /// impl Settings for AppSettings {
    ///     fn cors_config(&self) -> Option<CORSConfig> {
    ///         Some(CORSConfig::new().allow_origins(["https://app.example"]))
    ///     }
    /// }
    /// assert!(AppSettings.cors_config().is_some());
    /// ```
    fn cors_config(&self) -> Option<crate::cors::CORSConfig> {
        None
    }

    /// Directories of static files (Ravyn's `static_files_config`). Default none. Used when the
    /// builder is given no [`static_files_config`](crate::RavynBuilder::static_files_config).
    ///
    /// ```
    /// use ravyn_core::{Ravyn, Settings, StaticFilesConfig};
    /// struct AppSettings;
    /// impl Settings for AppSettings {
    ///     fn static_files_config(&self) -> Vec<StaticFilesConfig> {
    ///         vec![StaticFilesConfig::new("/static", std::env::temp_dir())]
    ///     }
    /// }
    /// let app = Ravyn::builder().settings_module(AppSettings).build().unwrap();
    /// # let _ = app;
    /// ```
    fn static_files_config(&self) -> Vec<crate::StaticFilesConfig> {
        Vec::new()
    }

    /// Whether the app serves its OpenAPI document and docs pages (Ravyn's `enable_openapi`).
    /// Default `true`. Feature `openapi`.
    #[cfg(feature = "openapi")]
    fn enable_openapi(&self) -> bool {
        true
    }

    /// The OpenAPI document's configuration (Ravyn's `openapi_config`). Default `None`:
    /// [`OpenAPIConfig::new`](crate::openapi::OpenAPIConfig::new), Ravyn's defaults. Feature `openapi`.
    ///
    /// ```
    /// use ravyn_core::openapi::OpenAPIConfig;
    /// use ravyn_core::{Ravyn, Settings};
    /// struct AppSettings;
    /// impl Settings for AppSettings {
    ///     fn openapi_config(&self) -> Option<OpenAPIConfig> {
    ///         Some(OpenAPIConfig::new().title("Shop").version("2.0.0"))
    ///     }
    /// }
    /// let app = Ravyn::builder().settings_module(AppSettings).build().unwrap();
    /// assert!(app.openapi_json().unwrap().contains(r#""title":"Shop""#));
    /// ```
    #[cfg(feature = "openapi")]
    fn openapi_config(&self) -> Option<crate::openapi::OpenAPIConfig> {
        None
    }

    /// Hooks run when the server starts (Ravyn's `on_startup`), used when the builder adds none.
    ///
    /// ```
    /// use ravyn_core::lifecycle::Hook;
    /// use ravyn_core::Settings;
    /// struct AppSettings;
    /// impl Settings for AppSettings {
    ///     fn on_startup(&self) -> Vec<Hook> {
    ///         vec![Hook::new(|| async { Ok(()) })]
    ///     }
    /// }
    /// assert_eq!(AppSettings.on_startup().len(), 1);
    /// ```
    fn on_startup(&self) -> Vec<Hook> {
        Vec::new()
    }

    /// Hooks run when the server stops (Ravyn's `on_shutdown`), used when the builder adds none.
    fn on_shutdown(&self) -> Vec<Hook> {
        Vec::new()
    }

    /// Ravyn's `lifespan`, used when the builder gives none.
    fn lifespan(&self) -> Option<Lifespan> {
        None
    }
}

/// The settings used when no settings module is given: every default.
#[derive(Debug, Clone, Copy, Default)]
pub struct DefaultSettings;

impl Settings for DefaultSettings {}
