//! The session middleware: finds the session cookie, gives the request its lazy
//! [`Session`](ravyn_session::Session), and after the handler writes `Set-Cookie` when the session
//! changed (or deletes it when cleared). All session rules live in `ravyn-session`; this file only
//! moves headers in and out.

use crate::middleware::{Middleware, Next};
use crate::request::Request;
use crate::response::{IntoResponse, Response};
use crate::HTTPException;
use http::header::{HeaderValue, COOKIE, SET_COOKIE, VARY};
use ravyn_session::{CookieUpdate, FinishError, IncomingCookie, SessionError, SessionManager};

/// Installed by `session_config(...)`; the outermost of the app's middleware, so user middleware
/// can read the session too.
pub(crate) struct SessionMiddleware {
    pub(crate) manager: SessionManager,
}

impl Middleware for SessionMiddleware {
    async fn call(&self, mut request: Request, next: Next) -> Response {
        let incoming = find_session_cookie(&request, self.manager.cookie_name());
        let session = self.manager.session(incoming);
        request.session = Some(session.clone());
        let mut response = next.run(request).await;
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
        #[allow(unreachable_patterns)]
        other => {
            tracing::error!(error = %other, "session could not be saved");
            HTTPException::internal_server_error().into_response()
        }
    }
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
