//! Ravyn's validation failure: `400 {"detail": "Validation failed for <url> with method <M>.",
//! "errors": [{"loc": [..], "type": "..", "msg": ".."}]}`. The binder builds it for arguments that
//! do not bind, `Request::json`/`Request::form` for bodies that do not parse.

use crate::HTTPException;
use http::Method;
use std::borrow::Cow;

/// One entry of the `errors` list in a validation failure.
///
/// ```
/// let error = ravyn_core::binding::FieldError::body("json_invalid", "EOF while parsing");
/// assert_eq!(serde_json::to_value(&error).unwrap(), serde_json::json!({
///     "loc": ["body"], "type": "json_invalid", "msg": "EOF while parsing"
/// }));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct FieldError {
    /// Where: `["query", "page"]`, `["body", "email"]`, `["body"]`.
    pub loc: Vec<Cow<'static, str>>,
    /// A short machine-readable kind: `missing`, `parsing`, `json_invalid`, ...
    #[serde(rename = "type")]
    pub kind: Cow<'static, str>,
    /// A message for humans.
    pub msg: String,
}

impl FieldError {
    /// A problem with the body as a whole (`loc: ["body"]`).
    pub fn body(kind: &'static str, msg: &str) -> Self {
        FieldError { loc: vec![Cow::Borrowed("body")], kind: Cow::Borrowed(kind), msg: msg.to_owned() }
    }
}

/// The 400 for a request to `url` with `method` whose fields failed with `errors`.
pub(crate) fn failure(url: &str, method: &Method, errors: Vec<FieldError>) -> HTTPException {
    let detail = format!("Validation failed for {url} with method {method}.");
    let errors = serde_json::to_value(errors).unwrap_or_default();
    HTTPException::new(400, detail).with_field("errors", errors)
}
