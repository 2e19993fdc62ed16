//! What the route attributes say about one operation ([`OperationSpec`]), and how argument and
//! response types describe themselves ([`ApiSchema`], [`DescribeResponse`]).

use crate::response::{Html, Json, Redirect, Response};
use crate::HTTPException;
use schemars::{json_schema, JsonSchema, Schema, SchemaGenerator};

/// A type's schema, written into `components.schemas` when it has a name.
pub type SchemaFn = fn(&mut SchemaGenerator) -> Schema;

/// A return type's description under the route's default status.
pub type ResponseFn = fn(&mut SchemaGenerator) -> ResponseBody;

/// What the route attribute knows about an operation beyond its [`RouteSpec`](crate::RouteSpec):
/// the documentation keys and a schema for each argument and for the return type. The route
/// attributes build it; a hand-written [`Handler`](crate::Handler) may too, with
/// [`RouteSpec::with_openapi`](crate::RouteSpec::with_openapi).
///
/// ```
/// use ravyn_core::openapi::{schema_of, ExtraResponse, OperationSpec, ResponseBody};
/// use ravyn_core::HTTPException;
/// let operation = OperationSpec {
///     summary: Some("Who am I"),
///     tags: &["users"],
///     responses: &[ExtraResponse { status: 401, schema: Some(schema_of::<HTTPException>), description: None }],
///     ..OperationSpec::default()
/// };
/// assert!(operation.include_in_schema);
/// ```
#[derive(Debug, Clone)]
pub struct OperationSpec {
    /// `summary = ".."`; by default the handler's name, title-cased (Ravyn's rule).
    pub summary: Option<&'static str>,
    /// `description = ".."`; by default the handler's doc comment.
    pub description: Option<&'static str>,
    /// `tags = [..]`, after the tags of the app, `Include`s and `Gateway`.
    pub tags: &'static [&'static str],
    /// `deprecated = true` or Rust's `#[deprecated]`.
    pub deprecated: bool,
    /// `include_in_schema = false` leaves the operation out.
    pub include_in_schema: bool,
    /// `operation_id = ".."`; by default `<name><path>_<method>` with non-word characters as `_`.
    pub operation_id: Option<&'static str>,
    /// `response_description = ".."` for the default status (default "Successful response").
    pub response_description: Option<&'static str>,
    /// `security = [..]`: names of security schemes, any one of which the operation accepts.
    pub security: &'static [&'static str],
    /// Whether an argument exists only for an authenticated caller
    /// ([`FromRequest::AUTHENTICATED`](crate::extract::FromRequest::AUTHENTICATED): `AuthUser`,
    /// `Claims`): the operation then lists the app's authentication schemes and the 401.
    pub authenticated: bool,
    /// One entry per argument of the [`RouteSpec`](crate::RouteSpec), in order: its schema, or
    /// `None` for the request and typed arguments (`FromRequest`), which the document leaves out.
    pub args: Vec<Option<SchemaFn>>,
    /// The return type, under the route's default status.
    pub response: ResponseFn,
    /// `responses(STATUS = Type, STATUS = (Type, "description"))`: other statuses the handler
    /// answers (an `HTTPException`'s 401, a 404...).
    pub responses: &'static [ExtraResponse],
}

impl Default for OperationSpec {
    fn default() -> Self {
        OperationSpec {
            summary: None,
            description: None,
            tags: &[],
            deprecated: false,
            include_in_schema: true,
            operation_id: None,
            response_description: None,
            security: &[],
            authenticated: false,
            args: Vec::new(),
            response: unknown_response,
            responses: &[],
        }
    }
}

/// One `responses(...)` entry.
#[derive(Debug, Clone, Copy)]
pub struct ExtraResponse {
    /// The status.
    pub status: u16,
    /// The body's schema (`None`: no body).
    pub schema: Option<SchemaFn>,
    /// The description (default: the status's reason phrase).
    pub description: Option<&'static str>,
}

/// A type the OpenAPI document can describe: every [`JsonSchema`] type (derive it next to
/// `Deserialize`/`Serialize`). Route arguments bound by name and `Json<T>` bodies need it while
/// the `openapi` feature is on.
#[diagnostic::on_unimplemented(
    message = "`{Self}` has no JSON Schema, so the OpenAPI document cannot describe it",
    label = "this type does not implement `schemars::JsonSchema`",
    note = "derive it beside serde's: `#[derive(serde::Deserialize, schemars::JsonSchema)]` (schemars 1.x)",
    note = "or build without the `openapi` feature of `ravyn`, which documents nothing"
)]
pub trait ApiSchema {
    /// The schema (a `$ref` into `components.schemas` for named types).
    fn api_schema(generator: &mut SchemaGenerator) -> Schema;
}

impl<T: JsonSchema + ?Sized> ApiSchema for T {
    fn api_schema(generator: &mut SchemaGenerator) -> Schema {
        generator.subschema_for::<T>()
    }
}

/// `T`'s schema, as a [`SchemaFn`].
///
/// ```
/// use ravyn_core::openapi::{schema_of, SchemaFn};
/// let f: SchemaFn = schema_of::<u32>;
/// let schema = f(&mut schemars::SchemaGenerator::default());
/// assert_eq!(schema.get("type").unwrap(), "integer");
/// ```
pub fn schema_of<T: ApiSchema + ?Sized>(generator: &mut SchemaGenerator) -> Schema {
    T::api_schema(generator)
}

/// What a return type puts under the default status.
#[derive(Debug, Clone)]
pub enum ResponseBody {
    /// No body (`()`).
    Empty,
    /// A body of `media_type` with `schema`.
    Content {
        /// `application/json`, `text/plain`, ...
        media_type: &'static str,
        /// Its schema.
        schema: Schema,
    },
    /// A type the document cannot see into (`Response`, `impl IntoResponse`): the status is
    /// listed without content.
    Unknown,
}

/// A return type that says what its response looks like, so the document can list it under the
/// route's default status. Implemented for the framework's response types; implement it for your
/// own `IntoResponse` types (others are listed without content).
///
/// ```
/// use ravyn_core::openapi::{DescribeResponse, ResponseBody};
/// use schemars::{json_schema, SchemaGenerator};
///
/// struct Csv(String);
/// impl DescribeResponse for Csv {
///     fn describe(_: &mut SchemaGenerator) -> ResponseBody {
///         ResponseBody::Content { media_type: "text/csv", schema: json_schema!({"type": "string"}) }
///     }
/// }
/// ```
pub trait DescribeResponse {
    /// The description.
    fn describe(generator: &mut SchemaGenerator) -> ResponseBody;
}

impl DescribeResponse for () {
    fn describe(_: &mut SchemaGenerator) -> ResponseBody {
        ResponseBody::Empty
    }
}

fn text(media_type: &'static str) -> ResponseBody {
    ResponseBody::Content { media_type, schema: json_schema!({"type": "string"}) }
}

impl DescribeResponse for String {
    fn describe(_: &mut SchemaGenerator) -> ResponseBody {
        text("text/plain")
    }
}

impl DescribeResponse for &'static str {
    fn describe(_: &mut SchemaGenerator) -> ResponseBody {
        text("text/plain")
    }
}

impl<T> DescribeResponse for Html<T> {
    fn describe(_: &mut SchemaGenerator) -> ResponseBody {
        text("text/html")
    }
}

impl DescribeResponse for bytes::Bytes {
    fn describe(_: &mut SchemaGenerator) -> ResponseBody {
        ResponseBody::Content { media_type: "application/octet-stream", schema: json_schema!({}) }
    }
}

impl DescribeResponse for Vec<u8> {
    fn describe(_: &mut SchemaGenerator) -> ResponseBody {
        ResponseBody::Content { media_type: "application/octet-stream", schema: json_schema!({}) }
    }
}

impl DescribeResponse for serde_json::Value {
    fn describe(_: &mut SchemaGenerator) -> ResponseBody {
        ResponseBody::Content { media_type: "application/json", schema: json_schema!({}) }
    }
}

impl<T: JsonSchema> DescribeResponse for Json<T> {
    fn describe(generator: &mut SchemaGenerator) -> ResponseBody {
        ResponseBody::Content { media_type: "application/json", schema: generator.subschema_for::<T>() }
    }
}

/// The error side documents itself through `responses(...)`: an `HTTPException` can carry any
/// status, which the type does not tell.
impl<T: DescribeResponse, E> DescribeResponse for Result<T, E> {
    fn describe(generator: &mut SchemaGenerator) -> ResponseBody {
        T::describe(generator)
    }
}

macro_rules! unknown {
    ($($ty:ty),*) => {$(
        impl DescribeResponse for $ty {
            fn describe(_: &mut SchemaGenerator) -> ResponseBody {
                ResponseBody::Unknown
            }
        }
    )*};
}
// These choose their own status (or are the whole response), which the type does not tell.
unknown!(Response, Redirect, http::StatusCode, HTTPException, http::Response<crate::Body>);

impl<T> DescribeResponse for (http::StatusCode, T) {
    fn describe(_: &mut SchemaGenerator) -> ResponseBody {
        ResponseBody::Unknown
    }
}

fn unknown_response(_: &mut SchemaGenerator) -> ResponseBody {
    ResponseBody::Unknown
}

fn describe_with<R: DescribeResponse>(generator: &mut SchemaGenerator) -> ResponseBody {
    R::describe(generator)
}

/// `HTTPException`'s body, `{"detail": "..."}`, for `responses(401 = HTTPException)`.
impl JsonSchema for HTTPException {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "HTTPException".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "object",
            "properties": {"detail": {"type": "string"}},
            "required": ["detail"],
            "description": "An error: `{\"detail\": \"...\"}` (HTTPException)."
        })
    }
}

/// How the route attributes find a return type's [`ResponseFn`] and each argument's schema
/// without naming traits the type may lack (autoref specialization, as `extract::probe`). Not
/// public API.
#[doc(hidden)]
pub mod probe {
    use super::{describe_with, unknown_response, ApiSchema, DescribeResponse, ResponseFn, SchemaFn};
    use std::marker::PhantomData;

    /// The return type being probed.
    pub struct ReturnProbe<R>(PhantomData<R>);

    impl<R> ReturnProbe<R> {
        /// A probe for `R`.
        pub const fn new() -> Self {
            ReturnProbe(PhantomData)
        }
    }

    impl<R> Default for ReturnProbe<R> {
        fn default() -> Self {
            ReturnProbe::new()
        }
    }

    /// Found first: `R` describes itself.
    pub trait ViaDescribe {
        /// Its description.
        fn response_fn(&self) -> ResponseFn;
    }

    impl<R: DescribeResponse> ViaDescribe for &ReturnProbe<R> {
        fn response_fn(&self) -> ResponseFn {
            describe_with::<R>
        }
    }

    /// Found otherwise: listed without content.
    pub trait ViaUnknown {
        /// No description.
        fn response_fn(&self) -> ResponseFn;
    }

    impl<R> ViaUnknown for ReturnProbe<R> {
        fn response_fn(&self) -> ResponseFn {
            unknown_response
        }
    }

    /// A path parameter's or body's schema, whose type must have one.
    pub fn required_schema<U: ApiSchema + ?Sized>() -> Option<SchemaFn> {
        Some(super::schema_of::<U>)
    }
}
