//! The session middleware: finds the session cookie, gives the request its lazy
//! [`Session`](ravyn_session::Session), and after the handler writes `Set-Cookie` when the session
//! changed (or deletes it when cleared). All session rules live in `ravyn-session`; this file only
//! moves headers in and out.
//!
//! With a server-side store, the session's record is loaded by [`load_before_handler`], which the
//! router calls right before each handler whose route may use its session (so a route that never
//! touches its session costs no store round trip), or by middleware through
//! `Request::load_session`. The middleware's `finish` saves it after the handler. A store that
//! cannot answer, at either point, gives [`store_unavailable`]'s 503.

use crate::request::Request;
use crate::response::{IntoResponse, Response};
use crate::HTTPException;
use http::header::{HeaderValue, COOKIE, SET_COOKIE, VARY};
use ravyn_session::{CookieUpdate, FinishError, IncomingCookie, SessionError, SessionManager, StoreError};
use std::future::Future;

/// Installed by `session_config(...)`; the outermost of the app's middleware after CORS, so
/// CSRF and user middleware can read the session too.
///
/// Not a [`Middleware`](crate::Middleware) in the app's chain: the app calls [`around`](Self::around)
/// directly, so the session step adds no boxed future and no dynamic call to a request.
pub(crate) struct SessionMiddleware {
    pub(crate) manager: SessionManager,
}

impl SessionMiddleware {
    /// Gives `request` its lazy session, runs `inner` (the rest of the app), then writes
    /// `Set-Cookie` if the session changed.
    pub(crate) async fn around<F, Fut>(&self, mut request: Request, inner: F) -> Response
    where
        F: FnOnce(Request) -> Fut,
        Fut: Future<Output = Response>,
    {
        let incoming = find_session_cookie(&request, self.manager.cookie_name());
        let session = self.manager.session(incoming);
        request.set_session(session.clone());
        let mut response = inner(request).await;
        if !session.was_accessed() {
            return response;
        }
        response.headers_mut().append(VARY, HeaderValue::from_static("Cookie"));
        match self.manager.finish(&session).await {
            Ok(CookieUpdate::None) => response,
            Ok(CookieUpdate::Set(cookie) | CookieUpdate::Delete(cookie)) => match HeaderValue::try_from(cookie) {
                Ok(value) => {
                    response.headers_mut().append(SET_COOKIE, value);
                    response
                }
                Err(_) => {
                    tracing::error!("session cookie is not a valid header value; not sent");
                    HTTPException::internal_server_error().into_response()
                }
            },
            Err(error) => finish_error_response(&error),
        }
    }
}

fn finish_error_response(error: &FinishError) -> Response {
    match error {
        FinishError::TooLarge { size, limit } => {
            tracing::error!(
                size,
                limit,
                "session cookie of {size} bytes exceeds the {limit}-byte limit browsers keep; the session was not \
                 saved and the client's previous cookie is untouched. Store less in the session, or use a \
                 server-side store (SessionConfig::store)"
            );
            HTTPException::internal_server_error().into_response()
        }
        FinishError::Store(error) => store_unavailable(error, "save").into_response(),
        #[allow(unreachable_patterns)]
        other => {
            tracing::error!(error = %other, "session could not be saved");
            HTTPException::internal_server_error().into_response()
        }
    }
}

/// Loads the request's store-backed session if it has one not loaded yet; the router calls it
/// right before a handler that may use its session. `Err` is the response to send instead.
pub(crate) async fn load_before_handler(request: &Request) -> Result<(), Response> {
    match request.try_session() {
        Some(session) if session.needs_load() => {
            session.load().await.map_err(|error| store_unavailable(&error, "load").into_response())
        }
        _ => Ok(()),
    }
}

/// `503 {"detail":"Session store unavailable"}`, with an error log carrying the store's error and
/// its causes. `operation` is "load" or "save".
pub(crate) fn store_unavailable(error: &StoreError, operation: &str) -> HTTPException {
    let mut chain = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        // Many errors repeat their cause in their own message; say it once.
        let cause_text = cause.to_string();
        if !chain.contains(&cause_text) {
            chain.push_str(": ");
            chain.push_str(&cause_text);
        }
        source = cause.source();
    }
    tracing::error!(
        operation,
        error = %chain,
        "the session store could not {operation} the session; answering 503 (requests that do not use their \
         session are unaffected)"
    );
    HTTPException::new(http::StatusCode::SERVICE_UNAVAILABLE, "Session store unavailable")
}

/// The session cookie's value from every `Cookie` header; two cookies of that name make it
/// ambiguous.
fn find_session_cookie(request: &Request, name: &str) -> IncomingCookie {
    let headers = request.headers().get_all(COOKIE).into_iter().filter_map(|value| value.to_str().ok());
    IncomingCookie::from_cookie_headers(name, headers)
}

impl From<SessionError> for HTTPException {
    fn from(error: SessionError) -> Self {
        tracing::error!(%error, "session error");
        HTTPException::internal_server_error()
    }
}
