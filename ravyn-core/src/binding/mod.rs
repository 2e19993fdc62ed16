//! Argument binding: how route attributes fill a handler's arguments from the path, the query
//! string and the body, and Ravyn's validation error shape when they cannot.
//!
//! The generated code calls [`Binder`] once per argument, then either runs the handler or
//! answers [`Binder::into_error_response`]. Every failure is collected, so one 400 lists them
//! all.

mod json_fields;
mod value;

pub use crate::validation::FieldError;
pub use value::{MissingValue, StrValue, StrValues, ValueError};

use crate::request::Request;
use crate::response::{IntoResponse, Response};
use crate::HTTPException;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use std::borrow::Cow;

/// Where a value was looked for; the first element of an error's `loc`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Location {
    /// A path parameter.
    Path,
    /// The query string.
    Query,
    /// The body.
    Body,
}

impl Location {
    fn as_str(self) -> &'static str {
        match self {
            Location::Path => "path",
            Location::Query => "query",
            Location::Body => "body",
        }
    }
}

/// Builds Ravyn's validation failure: 400 with
/// `{"detail":"Validation failed for <url> with method <M>.","errors":[...]}`.
///
/// ```
/// use ravyn_core::binding::{validation_error, FieldError};
/// let request = ravyn_core::Request::builder().uri("/items?page=x").header("host", "example.com").build();
/// let error = validation_error(&request, vec![FieldError {
///     loc: vec!["query".into(), "page".into()],
///     kind: "parsing".into(),
///     msg: "invalid digit found in string".into(),
/// }]);
/// assert_eq!(error.status().as_u16(), 400);
/// assert_eq!(error.detail(), "Validation failed for http://example.com/items?page=x with method GET.");
/// ```
pub fn validation_error(request: &Request, errors: Vec<FieldError>) -> HTTPException {
    crate::validation::failure(&request.url(), request.method(), errors)
}

/// The parsed body's top-level fields, for arguments that a body key may override.
enum BodyFields<'r> {
    NotParsed,
    None,
    Json(json_fields::JsonFields<'r>),
    Form(Vec<(Cow<'r, str>, Cow<'r, str>)>),
}

enum BodyKind {
    Empty,
    Json,
    Form,
    /// A body with no `Content-Type`, and none assumed by the route.
    Untyped,
    Unsupported,
}

/// Fills handler arguments from one request. Used by the code that route attributes generate;
/// usable by hand in a [`Handler`](crate::Handler) implementation.
///
/// ```
/// use ravyn_core::binding::Binder;
/// let request = ravyn_core::Request::builder()
///     .method(http::Method::POST)
///     .uri("/login?remember=true")
///     .header("content-type", "application/json")
///     .body(r#"{"email":"a@example.com"}"#)
///     .build();
/// let mut binder = Binder::new(&request);
/// let email: Option<String> = binder.query_or_body("email");
/// let remember: Option<bool> = binder.query_or_body("remember");
/// let missing: Option<String> = binder.query_or_body("password");
/// assert_eq!(email.as_deref(), Some("a@example.com"));
/// assert_eq!(remember, Some(true));
/// assert!(missing.is_none());
/// let response = binder.into_error_response();
/// assert_eq!(response.status_code(), 400);
/// ```
pub struct Binder<'r> {
    request: &'r Request,
    default_content_type: Option<&'static str>,
    query: Option<Vec<(Cow<'r, str>, Cow<'r, str>)>>,
    body: BodyFields<'r>,
    errors: Vec<FieldError>,
    rejection: Option<HTTPException>,
}

impl<'r> Binder<'r> {
    /// A binder for `request`. Nothing is parsed until an argument asks for it.
    pub fn new(request: &'r Request) -> Self {
        Binder {
            request,
            default_content_type: None,
            query: None,
            body: BodyFields::NotParsed,
            errors: Vec::new(),
            rejection: None,
        }
    }

    /// The media type a body without a `Content-Type` header is read as (a route attribute's
    /// `default_content_type = "..."`). Without it such a body is not parsed: `415`. A browser
    /// sends a cross-site `fetch` with a `Blob` body without a `Content-Type`, and so without a
    /// CORS preflight; reading it as JSON would let another site post JSON with the user's
    /// cookies (security review M3, the class of FastAPI's CVE-2021-32677).
    ///
    /// ```
    /// use ravyn_core::binding::Binder;
    /// let request = ravyn_core::Request::builder()
    ///     .method(http::Method::POST)
    ///     .uri("/items")
    ///     .body(r#"{"name":"pen"}"#)
    ///     .build();
    /// let mut binder = Binder::new(&request);
    /// assert_eq!(binder.query_or_body::<String>("name"), None);
    /// assert_eq!(binder.into_error_response().status_code(), 415);
    ///
    /// let mut binder = Binder::new(&request).default_content_type("application/json");
    /// assert_eq!(binder.query_or_body::<String>("name").as_deref(), Some("pen"));
    /// ```
    #[must_use]
    pub fn default_content_type(mut self, media: &'static str) -> Self {
        self.default_content_type = Some(media);
        self
    }

    /// A path parameter named `name`, parsed into `T`.
    pub fn path<T: DeserializeOwned>(&mut self, name: &'static str) -> Option<T> {
        let result = match self.request.path_param(name) {
            Some(raw) => T::deserialize(StrValue::new(raw)),
            None => T::deserialize(MissingValue),
        };
        self.record(Location::Path, name, result)
    }

    /// A query parameter named `name` (every occurrence, for sequences).
    pub fn query<T: DeserializeOwned>(&mut self, name: &'static str) -> Option<T> {
        let result = self.lookup_query::<T>(name);
        self.record(Location::Query, name, result)
    }

    /// A top-level key `name` of a JSON or form body when present, else the query parameter.
    pub fn query_or_body<T: DeserializeOwned>(&mut self, name: &'static str) -> Option<T> {
        self.parse_body_fields();
        let from_body = match &self.body {
            BodyFields::Json(fields) => fields.get(name).map(json_field::<T>),
            BodyFields::Form(pairs) => {
                let values: Vec<&str> = pairs.iter().filter(|(k, _)| k == name).map(|(_, v)| v.as_ref()).collect();
                (!values.is_empty()).then(|| T::deserialize(StrValues::new(&values)))
            }
            BodyFields::None | BodyFields::NotParsed => None,
        };
        match from_body {
            Some(result) => self.record(Location::Body, name, result),
            None => {
                let result = self.lookup_query::<T>(name);
                self.record(Location::Query, name, result)
            }
        }
    }

    /// The whole body (`data` or `payload`), as JSON or an urlencoded form by content type.
    ///
    /// An empty body is a missing value (fine for `Option<T>`); a content type other than JSON or
    /// form is `415`; a malformed body is a 400 naming the problem.
    pub fn body<T: DeserializeOwned>(&mut self) -> Option<T> {
        let request = self.request;
        let result = match body_kind(request, self.default_content_type) {
            BodyKind::Empty => T::deserialize(MissingValue),
            BodyKind::Json => match serde_json::from_slice::<T>(request.body()) {
                Ok(value) => Ok(value),
                Err(e) if e.is_syntax() || e.is_eof() => {
                    self.push(vec![Cow::Borrowed("body")], "json_invalid", e.to_string());
                    return None;
                }
                Err(e) => Err(ValueError::custom_from(&e)),
            },
            BodyKind::Form => {
                serde_urlencoded::from_bytes::<T>(request.body()).map_err(|e| ValueError::custom_from(&e))
            }
            BodyKind::Untyped => {
                self.rejection = Some(untyped_body());
                return None;
            }
            BodyKind::Unsupported => {
                let media = request.content_type().unwrap_or_default();
                self.rejection = Some(HTTPException::new(
                    415,
                    format!(
                        "Unsupported media type '{media}'; expected application/json or application/x-www-form-urlencoded."
                    ),
                ));
                return None;
            }
        };
        match result {
            Ok(value) => Some(value),
            Err(error) => {
                let (kind, msg) = error.describe();
                self.push(vec![Cow::Borrowed("body")], kind, msg);
                None
            }
        }
    }

    /// Whether every argument so far bound.
    pub fn is_ok(&self) -> bool {
        self.errors.is_empty() && self.rejection.is_none()
    }

    /// The response for the failures collected: 415 for an unsupported body type, else 400 in
    /// Ravyn's validation shape.
    pub fn into_error_response(self) -> Response {
        if let Some(rejection) = self.rejection {
            return rejection.into_response();
        }
        if self.errors.is_empty() {
            tracing::error!("binder asked for an error response with no error recorded");
            return HTTPException::internal_server_error().into_response();
        }
        validation_error(self.request, self.errors).into_response()
    }

    fn lookup_query<T: DeserializeOwned>(&mut self, name: &str) -> Result<T, ValueError> {
        let request = self.request;
        let query = self.query.get_or_insert_with(|| request.query_params().collect());
        let values: Vec<&str> = query.iter().filter(|(k, _)| k == name).map(|(_, v)| v.as_ref()).collect();
        if values.is_empty() {
            T::deserialize(MissingValue)
        } else {
            T::deserialize(StrValues::new(&values))
        }
    }

    fn parse_body_fields(&mut self) {
        if !matches!(self.body, BodyFields::NotParsed) {
            return;
        }
        let request = self.request;
        self.body = match body_kind(request, self.default_content_type) {
            BodyKind::Json => match json_fields::JsonFields::parse(request.body()) {
                Ok(Some(fields)) => BodyFields::Json(fields),
                Ok(None) => BodyFields::None,
                Err(e) => {
                    self.push(vec![Cow::Borrowed("body")], "json_invalid", e.to_string());
                    BodyFields::None
                }
            },
            BodyKind::Form => BodyFields::Form(form_urlencoded::parse(request.body()).collect()),
            BodyKind::Untyped => {
                self.rejection = Some(untyped_body());
                BodyFields::None
            }
            BodyKind::Empty | BodyKind::Unsupported => BodyFields::None,
        };
    }

    fn record<T>(&mut self, location: Location, name: &'static str, result: Result<T, ValueError>) -> Option<T> {
        match result {
            Ok(value) => Some(value),
            Err(error) => {
                let (kind, msg) = error.describe();
                self.push(vec![Cow::Borrowed(location.as_str()), Cow::Borrowed(name)], kind, msg);
                None
            }
        }
    }

    fn push(&mut self, loc: Vec<Cow<'static, str>>, kind: &'static str, msg: String) {
        self.errors.push(FieldError { loc, kind: Cow::Borrowed(kind), msg });
    }
}

/// A top-level JSON body value as `T`. A string that does not fit is parsed as text, as a
/// query value would be (`{"age": "30"}` binds `age: u8`), in the spirit of Ravyn's lax
/// validation; the first error is reported when neither works.
fn json_field<T: DeserializeOwned>(raw: &serde_json::value::RawValue) -> Result<T, ValueError> {
    if let Ok(parsed) = serde_json::from_str::<T>(raw.get()) {
        return Ok(parsed);
    }
    // The slow path, taken only when the value does not fit `T` as JSON: through a `Value`, so
    // the message is serde's without serde_json's "at line 1 column N" (the position inside
    // one field's value would only confuse).
    let value = serde_json::from_str::<serde_json::Value>(raw.get()).map_err(|e| ValueError::custom_from(&e))?;
    match T::deserialize(&value) {
        Ok(parsed) => Ok(parsed),
        Err(error) => match value {
            serde_json::Value::String(text) => {
                T::deserialize(StrValue::new(&text)).map_err(|_| ValueError::custom_from(&error))
            }
            _ => Err(ValueError::custom_from(&error)),
        },
    }
}

fn untyped_body() -> HTTPException {
    HTTPException::new(
        415,
        "The request body has no Content-Type; expected application/json or application/x-www-form-urlencoded.",
    )
}

fn body_kind(request: &Request, default_content_type: Option<&str>) -> BodyKind {
    if request.body().is_empty() {
        return BodyKind::Empty;
    }
    match request.content_type().or(default_content_type) {
        None => BodyKind::Untyped,
        Some(media) if media.eq_ignore_ascii_case("application/json") => BodyKind::Json,
        Some(media) if media.len() > 5 && media[media.len() - 5..].eq_ignore_ascii_case("+json") => BodyKind::Json,
        Some(media) if media.eq_ignore_ascii_case("application/x-www-form-urlencoded") => BodyKind::Form,
        Some(_) => BodyKind::Unsupported,
    }
}

/// Deserializes one value given as a string (a path segment, a query value), parsing numbers
/// and booleans from the text.
///
/// ```
/// let id: u64 = ravyn_core::binding::from_str_value("42").unwrap();
/// assert_eq!(id, 42);
/// assert!(ravyn_core::binding::from_str_value::<u64>("x").is_err());
/// ```
pub fn from_str_value<'de, T: Deserialize<'de>>(raw: &'de str) -> Result<T, ValueError> {
    T::deserialize(StrValue::new(raw))
}

#[cfg(test)]
mod tests {
    use super::Binder;
    use crate::Request;

    fn json_request(body: &str) -> Request {
        Request::builder()
            .method(http::Method::POST)
            .uri("/")
            .header("content-type", "application/json")
            .body(body.to_owned())
            .build()
    }

    #[test]
    fn json_strings_holding_numbers_bind_like_query_values() {
        let request = json_request(r#"{"age": "30", "name": 7, "ok": "yes"}"#);
        let mut binder = Binder::new(&request);
        assert_eq!(binder.query_or_body::<u8>("age"), Some(30));
        assert_eq!(binder.query_or_body::<bool>("ok"), Some(true));
        assert!(binder.is_ok());
        // A number is not silently turned into a string, and a bad string still fails.
        assert_eq!(binder.query_or_body::<String>("name"), None);
        let request = json_request(r#"{"age": "thirty"}"#);
        let mut binder = Binder::new(&request);
        assert_eq!(binder.query_or_body::<u8>("age"), None);
        assert!(!binder.is_ok());
    }
}
