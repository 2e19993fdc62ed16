use super::{IntoResponse, Response};
use http::header::{HeaderValue, LOCATION};
use http::StatusCode;

/// A redirect to another location.
///
/// [`Redirect::to`] answers `307 Temporary Redirect` (as Ravyn's `RedirectResponse`), keeping the
/// method and body; [`Redirect::see_other`] answers 303 (after a form POST) and
/// [`Redirect::permanent`] 308.
///
/// ```
/// use ravyn_core::{IntoResponse, Redirect};
/// let response = Redirect::to("/login").into_response();
/// assert_eq!(response.status_code(), 307);
/// assert_eq!(response.headers()["location"], "/login");
/// ```
#[derive(Debug, Clone)]
pub struct Redirect {
    status: StatusCode,
    location: String,
}

impl Redirect {
    /// `307 Temporary Redirect` to `location`.
    pub fn to(location: impl Into<String>) -> Self {
        Redirect { status: StatusCode::TEMPORARY_REDIRECT, location: location.into() }
    }

    /// `303 See Other` to `location`.
    pub fn see_other(location: impl Into<String>) -> Self {
        Redirect { status: StatusCode::SEE_OTHER, location: location.into() }
    }

    /// `308 Permanent Redirect` to `location`.
    pub fn permanent(location: impl Into<String>) -> Self {
        Redirect { status: StatusCode::PERMANENT_REDIRECT, location: location.into() }
    }
}

impl IntoResponse for Redirect {
    fn into_response(self) -> Response {
        match HeaderValue::try_from(self.location) {
            Ok(location) => Response::new().status(self.status).header(LOCATION, location),
            Err(_) => {
                tracing::error!("redirect location is not a valid header value");
                super::internal_server_error()
            }
        }
    }
}
