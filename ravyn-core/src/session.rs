//! The session step: finds the session cookie, gives the request its lazy
//! [`Session`](ravyn_session::Session), and after the handler writes `Set-Cookie` when the session
//! changed (or deletes it when cleared). All session rules live in `ravyn-session`; this file only
//! moves headers in and out.
//!
//! With a server-side store, the session's record is loaded by [`load_before_handler`], which the
//! handler stage calls right before each handler that needs its session (so a route that never
//! touches its session costs no store round trip), or by middleware through
//! [`Request::load_session`]. The step's `finish` saves it after the handler. A store that cannot
//! answer, at either point, gives [`store_unavailable`]'s 503.

use crate::pipeline::{Flow, Rest, Step};
use crate::request::Request;
use crate::response::{IntoResponse, Response};
use crate::spec::Needs;
use crate::HTTPException;
use http::header::{HeaderValue, COOKIE, SET_COOKIE, VARY};
use ravyn_session::{CookieUpdate, FinishError, IncomingCookie, SessionError, SessionId, SessionManager, StoreError};

/// Installed by `session_config(...)`; outside CSRF and the app's middleware, so they can read the
/// session too (the order: ARCHITECTURE.md, "The built-in steps").
pub(crate) struct SessionStep {
    manager: SessionManager,
}

impl SessionStep {
    pub(crate) fn new(manager: SessionManager) -> Self {
        SessionStep { manager }
    }

    pub(crate) fn manager(&self) -> &SessionManager {
        &self.manager
    }
}

impl Step for SessionStep {
    /// Skipped when nothing downstream can reach the session: no app middleware, and a route
    /// whose handler (and middleware, if any) needs neither the session nor the user. A refusal
    /// (404, 405, 413...) reaches no handler. Untouched, the session step changes no answer, so
    /// skipping it is invisible but for its cost.
    fn runs_for(&self, flow: &Flow<'_>) -> bool {
        flow.app_has_middleware() || flow.needs().intersects(Needs::SESSION.union(Needs::USER))
    }

    /// Gives `request` its lazy session, runs `rest` (the rest of the pipeline), then writes
    /// `Set-Cookie` if the session changed.
    async fn around(&self, flow: &Flow<'_>, mut request: Request, rest: impl Rest) -> Response {
        let incoming = find_session_cookie(&request, self.manager.cookie_name());
        let session = self.manager.session(incoming);
        request.context_mut().session = Some(session.clone());
        let mut response = rest.run(request).await;
        if !session.was_accessed() {
            return response;
        }
        response.headers_mut().append(VARY, HeaderValue::from_static("Cookie"));
        match self.manager.finish(&session).await {
            Ok(CookieUpdate::None) => response,
            Ok(CookieUpdate::Set(cookie) | CookieUpdate::Delete(cookie)) => match HeaderValue::try_from(cookie) {
                Ok(value) => {
                    if let Some(csrf) = flow.csrf() {
                        self.renew_csrf_token(csrf, &session, &value, &mut response);
                    }
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

impl SessionStep {
    /// The CSRF token is bound to the session (security review M2): when this response moves the
    /// session to a new identity (cycled at login, cleared at logout, a store session created or
    /// given a new id), the token cookie is replaced by one bound to the new identity.
    fn renew_csrf_token(
        &self,
        csrf: &crate::csrf::CsrfStep,
        session: &ravyn_session::Session,
        session_cookie: &HeaderValue,
        response: &mut Response,
    ) {
        let new_id = self.manager.config().get_store().and_then(|_| {
            let value = session_cookie.as_bytes().split(|&b| b == b';').next()?;
            let value = value.strip_prefix(self.manager.cookie_name().as_bytes())?.strip_prefix(b"=")?;
            let value = std::str::from_utf8(value).ok()?;
            self.manager.verified_id(&IncomingCookie::One(value.to_owned()))
        });
        let old_id = session.loaded_id();
        let moved = new_id.as_ref().map(SessionId::as_str) != old_id.as_ref().map(SessionId::as_str);
        if moved || session.was_cycled_or_cleared() {
            csrf.renew(new_id.as_ref(), response);
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

/// Loads the request's store-backed session if it has one not loaded yet; the handler stage calls
/// it right before a handler that needs its session. `Err` is the response to send instead.
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

impl Request {
    /// The session, loaded from its server-side store if that has not happened yet: how
    /// middleware reads the session before the handler (the framework itself loads it right
    /// before each handler that needs it). Free for cookie sessions, for requests without a
    /// session cookie, and once loaded: at most one store round trip per request.
    ///
    /// # Errors
    ///
    /// `503 {"detail":"Session store unavailable"}` when the store cannot answer (the error is
    /// logged), and a 500 when the app has no session configuration.
    ///
    /// ```
    /// use ravyn_core::{HTTPException, IntoResponse, Middleware, Next, Request, Response};
    ///
    /// /// Answers 401 before routing when nobody is logged in.
    /// struct RequireLogin;
    ///
    /// impl Middleware for RequireLogin {
    ///     async fn call(&self, request: Request, next: Next) -> Response {
    ///         match request.load_session().await {
    ///             Ok(session) if session.contains_key("user_id") => {}
    ///             Ok(_) => return HTTPException::new(401, "Not authenticated").into_response(),
    ///             Err(unavailable) => return unavailable.into_response(),
    ///         }
    ///         next.run(request).await
    ///     }
    /// }
    /// ```
    pub async fn load_session(&self) -> Result<&ravyn_session::Session, HTTPException> {
        let Some(session) = self.try_session() else {
            tracing::error!(
                "request.load_session() was called, but the app has no session configuration: add \
                 .session_config(SessionConfig::new(secret)) to Ravyn::builder()"
            );
            return Err(HTTPException::internal_server_error());
        };
        session.load().await.map_err(|error| store_unavailable(&error, "load"))?;
        Ok(session)
    }
}

/// The session cookie's value from every `Cookie` header, scanned as bytes (a pair that is not
/// text hides only itself); two cookies of that name make it ambiguous (an empty session: see
/// `IncomingCookie`).
pub(crate) fn find_session_cookie(request: &Request, name: &str) -> IncomingCookie {
    IncomingCookie::from_cookie_headers(name, request.headers().get_all(COOKIE))
}

impl From<SessionError> for HTTPException {
    fn from(error: SessionError) -> Self {
        tracing::error!(%error, "session error");
        HTTPException::internal_server_error()
    }
}
