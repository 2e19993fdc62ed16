//! The identity step: who is calling. With the `jwt` feature it reads the configured header
//! (`Authorization` by default) and verifies a bearer token with the app's `JwtManager`; without a
//! token it falls back to the session; then the application's user loader turns what was found
//! ([`Credentials`]) into its user. The outcome is the request's [`Identity`], which [`AuthUser`](super::AuthUser),
//! [`Claims`](super::Claims), `request.user()` and the permissions read.
//!
//! It runs only for routes that need the caller ([`Needs::USER`]: an identity argument, a
//! permission, a `Request` the handler may ask about its user) or when app middleware is present;
//! any other route pays nothing. Verifying a token reads no store unless the config sets
//! `check_revocation`; the step then awaits nothing, so it adds no boxed future either.

use std::any::Any;
use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::sync::Arc;

use http::header::WWW_AUTHENTICATE;
#[cfg(feature = "jwt")]
use http::HeaderName;
use http::HeaderValue;
#[cfg(feature = "jwt")]
use ravyn_auth::{AuthErrorKind, JwtManager, Token};
use ravyn_session::Session;
#[cfg(feature = "jwt")]
use serde::de::DeserializeOwned;

use super::failure::AuthFailure;

use crate::handler::BoxFuture;
use crate::pipeline::{Flow, Rest, Step};
use crate::request::Request;
use crate::response::{IntoResponse, Response};
use crate::spec::Needs;
use crate::HTTPException;

/// A verified access token: Ravyn's claims, and the application's own as JSON (read them typed
/// with [`Claims<C>`](super::Claims) or [`Identity::claims`]).
#[cfg(feature = "jwt")]
pub type VerifiedToken = Token<serde_json::Value>;

/// What the identity step found for the app's user loader to turn into a user.
///
/// ```
/// use ravyn_core::auth::Credentials;
/// fn user_id(credentials: &Credentials) -> Option<u64> {
///     match credentials {
///         # #[cfg(feature = "jwt")]
///         Credentials::Token(_) => credentials.subject()?.parse().ok(),
///         Credentials::Session(session) => session.get::<u64>("user_id").ok().flatten(),
///         _ => None,
///     }
/// }
/// # let _ = user_id;
/// ```
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum Credentials {
    /// A verified access token (signature, algorithm, `kid`, `exp`/`nbf`, `iss`/`aud`, type; and
    /// revocation when the config sets `check_revocation`).
    #[cfg(feature = "jwt")]
    Token(Arc<VerifiedToken>),
    /// No token was sent: the request's session, loaded and not empty (only when the app has a
    /// `session_config`).
    Session(Session),
}

impl Credentials {
    /// The token's subject (`sub`, the user id as a string); `None` for a session.
    ///
    /// ```
    /// # use ravyn_core::auth::Credentials;
    /// # let session = ravyn_session::SessionManager::new(ravyn_session::SessionConfig::new("a-long-random-secret-of-at-least-32-bytes")).unwrap().session(ravyn_session::IncomingCookie::Absent);
    /// assert_eq!(Credentials::Session(session).subject(), None);
    /// ```
    pub fn subject(&self) -> Option<&str> {
        match self {
            #[cfg(feature = "jwt")]
            Credentials::Token(token) => token.sub.as_deref(),
            Credentials::Session(_) => None,
        }
    }

    /// The verified token, if the caller sent one.
    #[cfg(feature = "jwt")]
    pub fn token(&self) -> Option<&VerifiedToken> {
        match self {
            Credentials::Token(token) => Some(token),
            Credentials::Session(_) => None,
        }
    }

    /// The session, if the caller is identified by it.
    pub fn session(&self) -> Option<&Session> {
        match self {
            Credentials::Session(session) => Some(session),
            #[cfg(feature = "jwt")]
            Credentials::Token(_) => None,
        }
    }
}

/// A loaded user, of the loader's type.
pub(crate) type LoadedUser = Arc<dyn Any + Send + Sync>;

/// The object-safe user loader the app keeps.
pub(crate) trait DynUserLoader: Send + Sync + 'static {
    fn load(&self, credentials: Credentials) -> BoxFuture<'static, Result<Option<LoadedUser>, HTTPException>>;
    /// The loader's user type, for the message when an `AuthUser<U>` asks for another.
    fn user_type(&self) -> &'static str;
}

/// A closure `Fn(Credentials) -> impl Future<Output = Result<Option<U>, HTTPException>>`.
pub(crate) struct UserLoaderFn<F, U> {
    load: F,
    user: PhantomData<fn() -> U>,
}

impl<F, U> UserLoaderFn<F, U> {
    pub(crate) fn new(load: F) -> Self {
        UserLoaderFn { load, user: PhantomData }
    }
}

impl<F, Fut, U> DynUserLoader for UserLoaderFn<F, U>
where
    F: Fn(Credentials) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<Option<U>, HTTPException>> + Send + 'static,
    U: Send + Sync + 'static,
{
    fn load(&self, credentials: Credentials) -> BoxFuture<'static, Result<Option<LoadedUser>, HTTPException>> {
        let loading = (self.load)(credentials);
        Box::pin(async move { Ok(loading.await?.map(|user| Arc::new(user) as LoadedUser)) })
    }

    fn user_type(&self) -> &'static str {
        std::any::type_name::<U>()
    }
}

/// Who is calling, as the identity step found it: authenticated (by a token, and by the user
/// loader when the app has one), or not, and then why.
///
/// Handlers read it through [`Request::identity`], `request.user::<U>()`, or the typed arguments
/// [`AuthUser<U>`](super::AuthUser) and [`Claims<C>`](super::Claims).
#[derive(Clone)]
pub struct Identity {
    #[cfg(feature = "jwt")]
    pub(super) token: Option<Arc<VerifiedToken>>,
    user: Option<LoadedUser>,
    user_type: &'static str,
    /// Why the caller is not authenticated; `None` when it is.
    failure: Option<Arc<AuthFailure>>,
    /// Whether a 401 carries a `WWW-Authenticate: Bearer` challenge (the app reads bearer tokens).
    challenge: bool,
}

impl fmt::Debug for Identity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut debug = f.debug_struct("Identity");
        debug.field("authenticated", &self.is_authenticated());
        #[cfg(feature = "jwt")]
        debug.field("subject", &self.token.as_ref().and_then(|t| t.sub.as_deref()));
        debug.field("user", &self.user.as_ref().map(|_| self.user_type));
        debug.field("failure", &self.failure.as_ref().map(|f| f.reason())).finish()
    }
}

impl Identity {
    fn anonymous(challenge: bool, failure: AuthFailure) -> Self {
        Identity {
            #[cfg(feature = "jwt")]
            token: None,
            user: None,
            user_type: "",
            failure: Some(Arc::new(failure)),
            challenge,
        }
    }

    /// Whether the caller is authenticated: a valid token was sent (and, with a user loader, its
    /// subject is a known user), or the session holds a user the loader knows.
    pub fn is_authenticated(&self) -> bool {
        self.failure.is_none()
    }

    /// The verified token the caller sent, if any.
    #[cfg(feature = "jwt")]
    pub fn token(&self) -> Option<&VerifiedToken> {
        self.token.as_deref()
    }

    /// The user the app's loader returned, if it is a `U`.
    pub fn user<U: Any>(&self) -> Option<&U> {
        self.user.as_deref()?.downcast_ref::<U>()
    }

    /// The token's application claims as `C`. A token whose claims do not fit `C` is the client's
    /// bad token: 401 `invalid_token`, never a 422 or 500. No token: the 401 of
    /// [`unauthenticated`](Self::unauthenticated).
    #[cfg(feature = "jwt")]
    pub fn claims<C: DeserializeOwned>(&self) -> Result<C, HTTPException> {
        let Some(token) = &self.token else { return Err(self.unauthenticated()) };
        C::deserialize(&token.claims).map_err(|error| {
            tracing::debug!(%error, "token claims do not fit the handler's type");
            auth_exception(&AuthFailure::invalid("application claims of the wrong type"), self.challenge)
        })
    }

    /// The 401 for this caller: Ravyn's `{"detail": ...}` for why it is not authenticated, and,
    /// when the app reads bearer tokens, the RFC 6750 challenge (`Bearer`, or
    /// `Bearer error="invalid_token", ...` when a bad token was sent).
    pub fn unauthenticated(&self) -> HTTPException {
        match &self.failure {
            Some(failure) => auth_exception(failure, self.challenge),
            None => auth_exception(&AuthFailure::missing(), self.challenge),
        }
    }

    pub(crate) fn loaded_user(&self) -> Option<(&LoadedUser, &'static str)> {
        self.user.as_ref().map(|user| (user, self.user_type))
    }
}

/// The response for an authentication failure: its fixed status and detail, and its challenge
/// when `challenge` is on. The failure's cause is logged, never sent.
pub(crate) fn auth_exception(error: &AuthFailure, challenge: bool) -> HTTPException {
    if error.status() >= 500 {
        tracing::error!(reason = error.reason(), source = ?std::error::Error::source(error), "authentication failed");
    } else {
        tracing::debug!(reason = error.reason(), "request not authenticated");
    }
    let exception = HTTPException::new(error.status(), error.detail());
    match error.www_authenticate().filter(|_| challenge) {
        Some(value) => exception.with_header(WWW_AUTHENTICATE, HeaderValue::from_static(value)),
        None => exception,
    }
}

/// An [`AuthError`] (from [`JwtManager::refresh`], [`revoke`](JwtManager::revoke)...) as Ravyn's
/// error response: 401 with `{"detail": ...}` and the RFC 6750 challenge, or 503 when the token
/// store did not answer. The cause goes to the log only.
///
/// ```
/// use ravyn_core::{HTTPException, IntoResponse};
/// let response = HTTPException::from(ravyn_auth::AuthError::missing()).into_response();
/// assert_eq!(response.status_code(), 401);
/// assert_eq!(response.headers()["www-authenticate"], "Bearer");
/// ```
#[cfg(feature = "jwt")]
impl From<ravyn_auth::AuthError> for HTTPException {
    fn from(error: ravyn_auth::AuthError) -> Self {
        auth_exception(&error, true)
    }
}

/// Installed by `jwt_config(...)` and/or `user_loader(...)`; between CSRF and the app's middleware
/// (ARCHITECTURE.md, "The built-in steps").
pub(crate) struct IdentityStep {
    #[cfg(feature = "jwt")]
    jwt: Option<(JwtManager, HeaderName)>,
    loader: Option<Arc<dyn DynUserLoader>>,
}

impl IdentityStep {
    #[cfg(feature = "jwt")]
    pub(crate) fn new(
        jwt: Option<JwtManager>,
        loader: Option<Arc<dyn DynUserLoader>>,
    ) -> Result<Self, crate::ConfigError> {
        let jwt = match jwt {
            Some(jwt) => {
                let header = HeaderName::try_from(jwt.config().get_authorization_header()).map_err(|_| {
                    crate::ConfigError::Jwt {
                        field: "authorization_header",
                        reason: "is not a valid header name".to_owned(),
                    }
                })?;
                Some((jwt, header))
            }
            None => None,
        };
        Ok(IdentityStep { jwt, loader })
    }

    /// Without the `jwt` feature the identity is the session's, through the user loader.
    #[cfg(not(feature = "jwt"))]
    pub(crate) fn new(loader: Option<Arc<dyn DynUserLoader>>) -> Self {
        IdentityStep { loader }
    }

    #[cfg(feature = "jwt")]
    pub(crate) fn jwt(&self) -> Option<&JwtManager> {
        self.jwt.as_ref().map(|(jwt, _)| jwt)
    }

    /// Whether a 401 carries a `WWW-Authenticate: Bearer` challenge: the app reads bearer tokens.
    fn challenges(&self) -> bool {
        #[cfg(feature = "jwt")]
        return self.jwt.is_some();
        #[cfg(not(feature = "jwt"))]
        false
    }

    /// Whether finding the identity may await (a user loader, a revocation check, a session to
    /// load): then it runs in a boxed future; otherwise it is a plain function call.
    fn awaits(&self) -> bool {
        #[cfg(feature = "jwt")]
        if self.jwt.as_ref().is_some_and(|(jwt, _)| jwt.checks_revocation()) {
            return true;
        }
        self.loader.is_some()
    }

    /// The identity without awaiting anything: the token's signature and claims only.
    #[cfg(not(feature = "jwt"))]
    fn identify_now(&self, _request: &Request) -> Identity {
        Identity::anonymous(false, AuthFailure::missing())
    }

    /// The identity without awaiting anything: the token's signature and claims only.
    #[cfg(feature = "jwt")]
    fn identify_now(&self, request: &Request) -> Identity {
        let Some((jwt, header)) = &self.jwt else { return Identity::anonymous(false, AuthFailure::missing()) };
        let verified = jwt.verify_bearer::<serde_json::Value>(request.headers().get(header).map(HeaderValue::as_bytes));
        match verified {
            Ok(token) => {
                Identity { token: Some(Arc::new(token)), user: None, user_type: "", failure: None, challenge: true }
            }
            Err(error) => Identity::anonymous(true, error),
        }
    }

    /// The identity, awaiting what it must: the revocation check, the session's record, the user
    /// loader. `Err` is the response to send instead (a store or a loader that failed).
    async fn identify(&self, request: &Request) -> Result<Identity, Response> {
        let challenge = self.challenges();
        // Why the caller is not authenticated, until it is: boxed into the identity only then
        // (an authenticated request allocates no error).
        #[cfg(feature = "jwt")]
        let mut failure = Some(AuthFailure::missing());
        #[cfg(not(feature = "jwt"))]
        let failure = Some(AuthFailure::missing());
        #[cfg(feature = "jwt")]
        let mut token: Option<Arc<VerifiedToken>> = None;
        // Without tokens there is never one: `Infallible` keeps one text of the steps below for
        // both builds, the token's arms proven unreachable by the type.
        #[cfg(not(feature = "jwt"))]
        let token: Option<std::convert::Infallible> = None;
        let done = move |_token, failure: Option<AuthFailure>| Identity {
            #[cfg(feature = "jwt")]
            token: _token,
            user: None,
            user_type: "",
            failure: failure.map(Arc::new),
            challenge,
        };
        #[cfg(feature = "jwt")]
        if let Some((jwt, header)) = &self.jwt {
            match jwt
                .authenticate_bearer::<serde_json::Value>(request.headers().get(header).map(HeaderValue::as_bytes))
                .await
            {
                Ok(verified) => {
                    token = Some(Arc::new(verified));
                    failure = None;
                }
                // No bearer token at all: the caller may still be logged in by its session.
                Err(error)
                    if matches!(error.kind(), AuthErrorKind::MissingToken | AuthErrorKind::UnsupportedScheme) =>
                {
                    failure = Some(error);
                }
                // The token store did not answer: not the client's fault, and not a 401.
                Err(error) if error.status() >= 500 => {
                    return Err(auth_exception(&error, false).into_response());
                }
                // A bad token is refused as such, even if a session could identify the caller.
                Err(error) => return Ok(done(None, Some(error))),
            }
        }
        let Some(loader) = &self.loader else { return Ok(done(token, failure)) };
        let credentials = match &token {
            #[cfg(feature = "jwt")]
            Some(token) => Credentials::Token(token.clone()),
            #[cfg(not(feature = "jwt"))]
            Some(never) => match *never {},
            None => match self.session_credentials(request).await? {
                Some(credentials) => credentials,
                None => return Ok(done(None, failure)),
            },
        };
        #[cfg(feature = "jwt")]
        let from_token = token.is_some();
        match loader.load(credentials).await {
            Ok(Some(user)) => {
                let mut identity = done(token, None);
                identity.user = Some(user);
                identity.user_type = loader.user_type();
                Ok(identity)
            }
            // A valid token whose subject is no longer a user (deleted, disabled): not authenticated.
            #[cfg(feature = "jwt")]
            Ok(None) if from_token => {
                Ok(done(token, Some(AuthFailure::invalid("the token's subject is not a known user"))))
            }
            Ok(None) => Ok(done(token, Some(AuthFailure::missing()))),
            Err(exception) => Err(exception.into_response()),
        }
    }

    /// The session as credentials, when the app has sessions and this one holds anything.
    async fn session_credentials(&self, request: &Request) -> Result<Option<Credentials>, Response> {
        if request.try_session().is_none() {
            return Ok(None);
        }
        let session = request.load_session().await.map_err(IntoResponse::into_response)?;
        Ok((!session.is_empty()).then(|| Credentials::Session(session.clone())))
    }
}

impl Step for IdentityStep {
    /// Skipped unless the route needs the caller ([`Needs::USER`]) or the app has middleware of
    /// its own (which may ask). A refusal (404, 405...) needs nothing.
    fn runs_for(&self, flow: &Flow<'_>) -> bool {
        flow.app_has_middleware() || flow.needs().contains(Needs::USER)
    }

    async fn around(&self, _flow: &Flow<'_>, mut request: Request, rest: impl Rest) -> Response {
        let identity = if self.awaits() {
            // Boxed: a loader's or a store's future would otherwise widen every request's.
            match Box::pin(self.identify(&request)).await {
                Ok(identity) => identity,
                Err(response) => return response,
            }
        } else {
            self.identify_now(&request)
        };
        let context = request.context_mut();
        context.identity = Some(identity);
        #[cfg(feature = "jwt")]
        {
            context.jwt = self.jwt().cloned();
        }
        rest.run(request).await
    }
}

impl Request {
    /// Who is calling, as the identity step found it; `None` when the app has neither a
    /// `jwt_config` nor a `user_loader`, or the route does not need the caller (the route
    /// attributes tell: a handler that calls `request.identity()` does).
    pub fn identity(&self) -> Option<&Identity> {
        self.context().identity.as_ref()
    }

    /// The authenticated user the app's user loader returned (Ravyn's `request.user`), if the
    /// caller is authenticated and the loader's user type is `U`.
    ///
    /// ```
    /// # use ravyn_core::Request;
    /// struct User { name: String }
    /// fn greeting(request: &Request) -> String {
    ///     match request.user::<User>() {
    ///         Some(user) => format!("hello, {}", user.name),
    ///         None => "hello, stranger".to_owned(),
    ///     }
    /// }
    /// assert_eq!(greeting(&Request::builder().build()), "hello, stranger");
    /// ```
    pub fn user<U: Any>(&self) -> Option<&U> {
        self.identity().filter(|identity| identity.is_authenticated())?.user::<U>()
    }

    /// The app's [`JwtManager`], to issue, refresh and revoke tokens; `None` when the app has no
    /// `jwt_config` or the route does not need the caller. Handlers usually take a `JwtManager`
    /// argument instead.
    #[cfg(feature = "jwt")]
    pub fn jwt(&self) -> Option<&JwtManager> {
        self.context().jwt.as_ref()
    }
}
