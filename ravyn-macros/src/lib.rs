//! Route attributes for Ravyn for Rust: [`macro@get`], [`macro@post`], [`macro@put`],
//! [`macro@patch`], [`macro@delete`] and [`macro@route`].
//!
//! Use them through the `ravyn` crate (`use ravyn::{get, post};`): the generated code names
//! `::ravyn`. Examples here are not compiled in this crate, which cannot depend on `ravyn`; the
//! same code is compiled and run by `tests/macros.rs` in the `ravyn` crate.
//!
//! # What an attribute does
//!
//! The attribute replaces the `async fn` with a unit struct of the same name and visibility that
//! implements `ravyn::Handler`, so the handler is registered by its name, as in Ravyn:
//!
//! ```ignore
//! use ravyn::{post, Gateway, HTTPException, Json, Ravyn, Request};
//! use serde_json::{json, Value};
//!
//! #[post("/login")]
//! async fn login(request: Request, email: String, password: String) -> Result<Json<Value>, HTTPException> {
//!     if password != "secret" {
//!         return Err(HTTPException::new(401, "Invalid credentials"));
//!     }
//!     Ok(Json(json!({"email": email, "path": request.path()})))
//! }
//!
//! let app = Ravyn::builder().routes(vec![Gateway::new(login)]).build()?;
//! ```
//!
//! The function itself is kept unchanged inside the handler; its doc comments and `#[cfg]`s move
//! to the struct, every other attribute stays on the function.
//!
//! Because the handler is a unit struct, its name is also a pattern: in the same module,
//! `let login = ...;` would try to match the struct `login` instead of binding a variable. Give
//! local variables other names than handlers (the compiler says "interpreted as a unit struct"
//! when this happens).
//!
//! # Arguments
//!
//! Arguments bind by name and type, checked in this order:
//!
//! 1. an argument whose type is `Request` (by the last segment of its path, any name) receives the
//!    request itself; at most one;
//! 2. an argument named like a path parameter (`{id}`, or the catch-all `{*rest}`) is that
//!    parameter, percent-decoded and parsed into its type;
//! 3. an argument named `data` or `payload` is the whole body, JSON or an urlencoded form by its
//!    content type (any other content type answers 415); a handler takes one or the other;
//!    a non-empty body without a `Content-Type` is not read at all (415): a cross-site `fetch` can
//!    send one without a CORS preflight. A route that must accept such bodies says what they are:
//!    `#[post("/hook", default_content_type = "application/json")]`;
//! 4. any other argument is a query parameter; when the handler has no `data`/`payload`, the same
//!    top-level key of a JSON or form body overrides it.
//!
//! `Option<T>` arguments may be absent. Every failure is collected and answered once, with 400 and
//! Ravyn's validation shape:
//! `{"detail": "Validation failed for <url> with method <M>.", "errors": [{"loc": [..], "type": .., "msg": ..}]}`.
//! Argument patterns must be plain names (`x` or `mut x`), and arguments are owned values
//! (`String`, not `&str`).
//!
//! # Status codes
//!
//! `status_code = N` sets the status a response gets when the handler does not choose one (a
//! returned `(StatusCode, T)` or a `Response` with a status set wins). Defaults: POST 201,
//! DELETE 204, GET/PUT/PATCH and `#[route]` 200. A route answering 204 must return a type
//! without a body (`()`, `Result<(), E>`, `StatusCode`); anything else is a compile error.
//! Return types written with `impl Trait` are not checked.
//!
//! # Typed arguments: `FromRequest`
//!
//! Before rule 4, an argument whose type implements `ravyn::extract::FromRequest` is built from
//! the request by its type, whatever its name: `session: Session` is the request's session. Such
//! types say what they need (`FromRequest::NEEDS`), so the app runs the steps that provide it.
//!
//! # What a route needs: `RouteSpec::needs`
//!
//! The attribute tells the app what the handler needs (`ravyn::Needs`), so the app runs only the
//! built-in steps that provide it: a route whose handler cannot reach its session skips the
//! session step, and a server-side store is consulted only for routes that may use the session.
//! The answer comes from the signature and, for a `Request` argument, from how the body uses it,
//! and never says "no" when the answer may be "yes":
//!
//! - a `Request` argument gives `REQUEST`; it also gives `SESSION` (and `USER`) unless every use of
//!   it in the body is a call of a `Request` method that reads only the head or body
//!   (`request.path()`, `request.headers_mut()`, `request.json::<T>()`, ...). Passing the request
//!   on (`helper(&request)`), `request.session()`, or an extension trait's method counts as "may";
//! - a typed argument adds its `FromRequest::NEEDS` (`Session` gives `SESSION`);
//! - `data`/`payload` and arguments that a body key may override give `BODY`.
//!
//! Names never count: a local variable called `session` does not make a handler use its session.
//!
//! # OpenAPI keys
//!
//! With the `ravyn` crate's `openapi` feature (on by default) each attribute also describes its
//! operation for the app's OpenAPI document: `summary = ".."`, `description = ".."` (default: the
//! doc comment), `tags = [..]`, `deprecated` (or Rust's `#[deprecated]`),
//! `include_in_schema = false`, `operation_id = ".."`, `response_description = ".."`,
//! `responses(404 = HTTPException, 409 = (Conflict, "already exists"), 304 = "not modified")` and
//! `security = ["session"]`. Argument types bound by name and the `T` of a returned `Json<T>` must
//! implement `schemars::JsonSchema`: a compile error at the type says so. Without the feature the
//! keys are accepted and nothing is emitted for them. See `docs/openapi.md`.
//!
//! # Compile-time checks
//!
//! A path parameter with no argument of its name, a malformed path (not starting with `/`, an
//! unbalanced or empty brace, a parameter name that is not an identifier, the same parameter
//! twice, a catch-all that is not the last segment), two `Request` arguments, both `data` and
//! `payload`, a function that is not `async`, generic or takes `self`, a `status_code` that is not
//! an integer literal in `100..=999`, a `default_content_type` the binder cannot read, an unknown attribute argument, and `#[route]` without
//! `methods` or with an unknown method are all compile errors pointing at the offending tokens,
//! with a hint saying how to fix them.

mod args;
mod attr;
mod diagnostic;
mod expand;
mod openapi;
mod path;
mod request_use;

use attr::Verb;
use proc_macro::TokenStream;

/// A `GET` route (default status 200).
///
/// ```ignore
/// use ravyn::{get, Json};
/// use serde_json::{json, Value};
///
/// #[get("/users/{id}")]
/// async fn user(id: u64, verbose: Option<bool>) -> Json<Value> {
///     Json(json!({"id": id, "verbose": verbose.unwrap_or(false)}))
/// }
/// ```
///
/// See the [crate docs](crate) for how arguments bind.
#[proc_macro_attribute]
pub fn get(attr: TokenStream, item: TokenStream) -> TokenStream {
    expand::expand(Verb::Get, attr.into(), item.into()).into()
}

/// A `POST` route (default status 201).
///
/// ```ignore
/// use ravyn::{post, HTTPException, Json, Request};
/// use serde_json::{json, Value};
///
/// #[post("/login")]
/// async fn login(request: Request, email: String, password: String) -> Result<Json<Value>, HTTPException> {
///     if password != "secret" {
///         return Err(HTTPException::new(401, "Invalid credentials"));
///     }
///     Ok(Json(json!({"email": email, "path": request.path()})))
/// }
/// ```
///
/// `email` and `password` come from the query string or, overriding it, from the same keys of a
/// JSON or form body. See the [crate docs](crate) for how arguments bind.
#[proc_macro_attribute]
pub fn post(attr: TokenStream, item: TokenStream) -> TokenStream {
    expand::expand(Verb::Post, attr.into(), item.into()).into()
}

/// A `PUT` route (default status 200).
///
/// ```ignore
/// use ravyn::{put, Json};
/// use serde::Deserialize;
/// use serde_json::{json, Value};
///
/// #[derive(Deserialize)]
/// struct Item {
///     name: String,
/// }
///
/// #[put("/items/{id}", status_code = 202)]
/// async fn replace_item(id: u32, data: Item) -> Json<Value> {
///     Json(json!({"id": id, "name": data.name}))
/// }
/// ```
///
/// `data` (or `payload`) is the whole body, JSON or form. See the [crate docs](crate).
#[proc_macro_attribute]
pub fn put(attr: TokenStream, item: TokenStream) -> TokenStream {
    expand::expand(Verb::Put, attr.into(), item.into()).into()
}

/// A `PATCH` route (default status 200).
///
/// ```ignore
/// use ravyn::{patch, Json};
/// use serde_json::{json, Value};
///
/// #[patch("/items/{id}")]
/// async fn rename_item(id: u32, name: String) -> Json<Value> {
///     Json(json!({"id": id, "name": name}))
/// }
/// ```
///
/// See the [crate docs](crate) for how arguments bind.
#[proc_macro_attribute]
pub fn patch(attr: TokenStream, item: TokenStream) -> TokenStream {
    expand::expand(Verb::Patch, attr.into(), item.into()).into()
}

/// A `DELETE` route (default status 204).
///
/// A route answering 204 must return a type without a body, checked at compile time:
///
/// ```ignore
/// use ravyn::{delete, HTTPException};
///
/// #[delete("/items/{id}")]
/// async fn delete_item(id: u32) -> Result<(), HTTPException> {
///     if id == 0 {
///         return Err(HTTPException::new(404, "No such item"));
///     }
///     Ok(())
/// }
/// ```
///
/// To answer with a body, choose another status: `#[delete("/items/{id}", status_code = 200)]`.
#[proc_macro_attribute]
pub fn delete(attr: TokenStream, item: TokenStream) -> TokenStream {
    expand::expand(Verb::Delete, attr.into(), item.into()).into()
}

/// A route answering several methods (default status 200).
///
/// ```ignore
/// use ravyn::{route, Request};
///
/// #[route("/echo", methods = ["GET", "POST"])]
/// async fn echo(request: Request) -> String {
///     request.method().to_string()
/// }
/// ```
///
/// `methods` is required: any of `GET`, `HEAD`, `POST`, `PUT`, `PATCH`, `DELETE`, `OPTIONS`,
/// `TRACE` (case-insensitive). `status_code = N` is accepted as for the other attributes.
#[proc_macro_attribute]
pub fn route(attr: TokenStream, item: TokenStream) -> TokenStream {
    expand::expand(Verb::Route, attr.into(), item.into()).into()
}
