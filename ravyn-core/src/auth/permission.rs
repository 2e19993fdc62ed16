//! Permissions, Ravyn's way: a list on the route attribute (`permissions = [..]`), on a
//! `Gateway`, an `Include` and the app; every level must allow. Checked after the route's
//! middleware and before binding (ARCHITECTURE.md, "The built-in steps").
//!
//! A refusal is answered as Ravyn (and Django REST framework) answer it: a caller that is not
//! authenticated gets 401 (with the RFC 6750 challenge when the app reads bearer tokens), an
//! authenticated one 403 `{"detail": "You do not have permission to perform this action."}`.

use std::future::Future;
use std::sync::Arc;

use crate::handler::BoxFuture;
use crate::request::Request;
use crate::spec::Needs;
use crate::{HTTPException, PermissionDenied};

/// A rule a request must pass before its handler runs (Ravyn's `BasePermission`).
///
/// `has_permission` may be `async` (a database lookup). Say in [`needs`](Self::needs) what it
/// reads, so the steps that provide it run: the default, [`Needs::ALL`], is always right; a
/// permission that reads only the caller's identity says [`Needs::USER`].
///
/// ```
/// use ravyn_core::auth::Permission;
/// use ravyn_core::{Needs, Request};
///
/// /// Only user 1.
/// struct IsAdmin;
///
/// impl Permission for IsAdmin {
///     async fn has_permission(&self, request: &Request) -> bool {
///         request.identity().and_then(|identity| identity.token()).and_then(|t| t.sub.as_deref()) == Some("1")
///     }
///     fn needs(&self) -> Needs {
///         Needs::USER
///     }
/// }
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a permission",
    label = "not a `Permission`",
    note = "a permission implements `ravyn::auth::Permission`: `async fn has_permission(&self, request: &Request) -> bool`"
)]
pub trait Permission: Send + Sync + 'static {
    /// Whether `request` may reach the handler.
    fn has_permission(&self, request: &Request) -> impl Future<Output = bool> + Send;

    /// What the permission reads from the request (default: everything).
    fn needs(&self) -> Needs {
        Needs::ALL
    }

    /// Its name, for documentation (OpenAPI) and logs; the type's name by default.
    fn name(&self) -> &'static str {
        std::any::type_name::<Self>()
    }

    /// Built-in permissions answer without a future. Not for use outside this crate.
    #[doc(hidden)]
    fn builtin(&self) -> Option<Builtin> {
        None
    }
}

/// The built-in permissions, checked without a future. Not public API.
#[doc(hidden)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Builtin {
    /// [`AllowAny`].
    AllowAny,
    /// [`DenyAll`].
    DenyAll,
    /// [`IsAuthenticated`].
    IsAuthenticated,
    /// [`IsAuthenticatedOrReadOnly`].
    IsAuthenticatedOrReadOnly,
}

impl Builtin {
    fn allows(self, request: &Request) -> bool {
        let authenticated = || request.identity().is_some_and(|identity| identity.is_authenticated());
        match self {
            Builtin::AllowAny => true,
            Builtin::DenyAll => false,
            Builtin::IsAuthenticated => authenticated(),
            Builtin::IsAuthenticatedOrReadOnly => request.method().is_safe() || authenticated(),
        }
    }

    fn needs(self) -> Needs {
        match self {
            Builtin::AllowAny => Needs::NONE,
            // `DenyAll` needs the caller too: its refusal is a 401 or a 403 by who is calling.
            Builtin::DenyAll | Builtin::IsAuthenticated | Builtin::IsAuthenticatedOrReadOnly => Needs::USER,
        }
    }
}

macro_rules! builtin_permission {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
        pub struct $name;

        impl Permission for $name {
            fn has_permission(&self, request: &Request) -> impl Future<Output = bool> + Send {
                std::future::ready(Builtin::$name.allows(request))
            }
            fn needs(&self) -> Needs {
                Builtin::$name.needs()
            }
            fn name(&self) -> &'static str {
                stringify!($name)
            }
            fn builtin(&self) -> Option<Builtin> {
                Some(Builtin::$name)
            }
        }
    };
}

builtin_permission!(
    /// Everyone may pass (Ravyn's `AllowAny`); needs nothing, costs nothing.
    AllowAny
);
builtin_permission!(
    /// No one may pass (Ravyn's `DenyAll`): 401 for an anonymous caller, 403 for an authenticated one.
    DenyAll
);
builtin_permission!(
    /// Only an authenticated caller (Ravyn's `IsAuthenticated`): a valid token, or a session user
    /// the user loader knows.
    IsAuthenticated
);
builtin_permission!(
    /// Anyone for safe methods (GET, HEAD, OPTIONS, TRACE), only an authenticated caller for the
    /// others (Ravyn's `IsAuthenticatedOrReadOnly`).
    IsAuthenticatedOrReadOnly
);

/// The object-safe form of [`Permission`] that routes hold.
trait DynPermission: Send + Sync + 'static {
    fn check<'a>(&'a self, request: &'a Request) -> BoxFuture<'a, bool>;
    fn needs(&self) -> Needs;
    fn name(&self) -> &'static str;
    fn builtin(&self) -> Option<Builtin>;
}

impl<P: Permission> DynPermission for P {
    fn check<'a>(&'a self, request: &'a Request) -> BoxFuture<'a, bool> {
        Box::pin(self.has_permission(request))
    }
    fn needs(&self) -> Needs {
        Permission::needs(self)
    }
    fn name(&self) -> &'static str {
        Permission::name(self)
    }
    fn builtin(&self) -> Option<Builtin> {
        Permission::builtin(self)
    }
}

/// A shared handle to a permission, made from any [`Permission`] with `.into()`: what
/// `Route::permissions` and `RavynBuilder::permissions` take.
///
/// ```
/// use ravyn_core::auth::{ArcPermission, IsAuthenticated};
/// let permission: ArcPermission = IsAuthenticated.into();
/// assert_eq!(permission.name(), "IsAuthenticated");
/// ```
#[derive(Clone)]
pub struct ArcPermission(Arc<dyn DynPermission>);

impl ArcPermission {
    /// The permission's name.
    pub fn name(&self) -> &'static str {
        self.0.name()
    }

    /// What it reads from the request.
    pub fn needs(&self) -> Needs {
        self.0.needs()
    }

    /// The refusals it may answer a `method` request with, for the OpenAPI document: what the
    /// built-in ones can refuse, known from their rule; a user-written one may refuse anyone.
    #[cfg(feature = "openapi")]
    pub(crate) fn may_refuse(&self, method: &str) -> MayRefuse {
        let safe = matches!(method, "GET" | "HEAD" | "OPTIONS" | "TRACE");
        match self.0.builtin() {
            Some(Builtin::AllowAny) => MayRefuse::Nobody,
            Some(Builtin::IsAuthenticatedOrReadOnly) if safe => MayRefuse::Nobody,
            // Lets every authenticated caller through: only the anonymous are refused (401).
            Some(Builtin::IsAuthenticated | Builtin::IsAuthenticatedOrReadOnly) => MayRefuse::Anonymous,
            Some(Builtin::DenyAll) | None => MayRefuse::Anyone,
        }
    }
}

/// Whom a permission may refuse (401 for the anonymous, 403 for the authenticated), for the
/// OpenAPI document's responses and security.
#[cfg(feature = "openapi")]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum MayRefuse {
    /// Lets everyone through.
    Nobody,
    /// Refuses only a caller that is not authenticated (401).
    Anonymous,
    /// May refuse an authenticated caller too (403).
    Anyone,
}

impl std::fmt::Debug for ArcPermission {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl<P: Permission> From<P> for ArcPermission {
    fn from(permission: P) -> Self {
        ArcPermission(Arc::new(permission))
    }
}

/// One route's permissions, every level's in order (app, `Include`s, `Gateway`, handler).
#[derive(Clone, Default)]
pub(crate) struct Permissions {
    list: Arc<[ArcPermission]>,
    /// Every permission is built in: the check awaits nothing.
    all_builtin: bool,
}

impl Permissions {
    pub(crate) fn new(list: Vec<ArcPermission>) -> Self {
        // `AllowAny` changes no answer: leave it out of the per-request work.
        let list: Vec<ArcPermission> = list.into_iter().filter(|p| p.0.builtin() != Some(Builtin::AllowAny)).collect();
        let all_builtin = list.iter().all(|p| p.0.builtin().is_some());
        Permissions { list: list.into(), all_builtin }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// What the permissions read.
    pub(crate) fn needs(&self) -> Needs {
        self.list.iter().fold(Needs::NONE, |needs, p| needs | p.needs())
    }

    /// Whether every permission lets `request` through; the refusal otherwise.
    pub(crate) fn check_now(&self, request: &Request) -> Option<Result<(), HTTPException>> {
        if !self.all_builtin {
            return None;
        }
        for permission in self.list.iter() {
            if let Some(builtin) = permission.0.builtin() {
                if !builtin.allows(request) {
                    return Some(Err(refusal(request, permission.name())));
                }
            }
        }
        Some(Ok(()))
    }

    /// [`check_now`](Self::check_now) with user-written permissions awaited, in order.
    pub(crate) async fn check(&self, request: &Request) -> Result<(), HTTPException> {
        for permission in self.list.iter() {
            let allowed = match permission.0.builtin() {
                Some(builtin) => builtin.allows(request),
                None => permission.0.check(request).await,
            };
            if !allowed {
                return Err(refusal(request, permission.name()));
            }
        }
        Ok(())
    }
}

/// 401 for a caller that is not authenticated, 403 for one that is.
fn refusal(request: &Request, permission: &str) -> HTTPException {
    tracing::debug!(permission, path = request.path(), "permission refused");
    match request.identity() {
        Some(identity) if identity.is_authenticated() => PermissionDenied::new().into(),
        Some(identity) => identity.unauthenticated(),
        None => HTTPException::new(http::StatusCode::UNAUTHORIZED, super::failure::AuthFailure::missing().detail()),
    }
}

#[cfg(all(test, feature = "openapi"))]
mod tests {
    use super::*;

    struct Custom;
    impl Permission for Custom {
        async fn has_permission(&self, _: &Request) -> bool {
            true
        }
    }

    #[test]
    fn whom_each_permission_may_refuse_for_the_document() {
        let refuse = |p: ArcPermission, method| p.may_refuse(method);
        assert_eq!(refuse(AllowAny.into(), "POST"), MayRefuse::Nobody);
        assert_eq!(refuse(IsAuthenticatedOrReadOnly.into(), "GET"), MayRefuse::Nobody);
        assert_eq!(refuse(IsAuthenticatedOrReadOnly.into(), "HEAD"), MayRefuse::Nobody);
        assert_eq!(refuse(IsAuthenticatedOrReadOnly.into(), "DELETE"), MayRefuse::Anonymous);
        assert_eq!(refuse(IsAuthenticated.into(), "GET"), MayRefuse::Anonymous);
        assert_eq!(refuse(DenyAll.into(), "GET"), MayRefuse::Anyone);
        assert_eq!(refuse(Custom.into(), "GET"), MayRefuse::Anyone);
    }
}
