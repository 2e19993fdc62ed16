//! [`Handler`]: what route attributes turn an `async fn` into.

use crate::request::Request;
use crate::response::Response;
use crate::spec::RouteSpec;

/// A boxed, sendable future: what handlers and middleware behind `dyn` return (futures-util's, so
/// it is the same type everywhere, session stores included).
pub use futures_util::future::BoxFuture;

/// A route handler: what `#[get]`, `#[post]`, ... turn an `async fn` into.
///
/// The attribute replaces the function with a unit struct of the same name implementing this
/// trait, so `Gateway::new(login)` names the handler as in Ravyn. Implement it by hand for
/// handlers built at run time; say in the [`RouteSpec`] what the handler [needs](crate::Needs)
/// (by default: everything).
///
/// ```
/// use ravyn_core::{BoxFuture, Handler, IntoResponse, Needs, Request, Response, RouteSpec};
///
/// struct Health;
/// impl Handler for Health {
///     fn spec(&self) -> RouteSpec {
///         RouteSpec::new("health", "/health", &["GET"], 200).with_needs(Needs::NONE)
///     }
///     fn call(&self, _request: Request) -> BoxFuture<'static, Response> {
///         Box::pin(async { "ok".into_response() })
///     }
/// }
/// assert_eq!(Health.spec().name(), "health");
/// ```
pub trait Handler: Send + Sync + 'static {
    /// The route this handler declares.
    fn spec(&self) -> RouteSpec;

    /// Binds the arguments from `request`, runs the handler and converts its result.
    fn call(&self, request: Request) -> BoxFuture<'static, Response>;

    /// The handler's own permissions (the route attribute's `permissions = [..]`), checked after
    /// those of the app, its `Include`s and its `Gateway`; none by default.
    fn permissions(&self) -> Vec<crate::auth::ArcPermission> {
        Vec::new()
    }
}
