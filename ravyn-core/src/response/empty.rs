//! Return types without a body, for `204 No Content` routes (checked at compile time by the route
//! attributes).

/// Implemented by return types that carry no body, for `204 No Content` routes.
#[diagnostic::on_unimplemented(
    message = "a route answering 204 No Content cannot return `{Self}`, which has a body",
    label = "this return type has a body",
    note = "return `()` or `Result<(), E>`, or give the route another status, e.g. `status_code = 200`"
)]
pub trait EmptyBody {}
impl EmptyBody for () {}
impl<E> EmptyBody for Result<(), E> {}
impl EmptyBody for http::StatusCode {}

/// Fails to compile unless `T` has no body.
pub const fn assert_empty_body<T: EmptyBody>() {}
