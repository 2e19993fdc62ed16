//! The attribute's own arguments: `("/path", status_code = N, methods = [..],
//! default_content_type = "..")`.

use crate::diagnostic::error_spanned;
use proc_macro2::{Span, TokenStream};
use syn::parse::{ParseStream, Parser};
use syn::{Expr, ExprLit, Ident, Lit, LitInt, LitStr, Token};

/// Which attribute is being expanded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Verb {
    Get,
    Post,
    Put,
    Patch,
    Delete,
    /// `#[route]`: the methods come from its `methods = [..]` argument.
    Route,
}

impl Verb {
    /// The attribute's name, for messages.
    pub(crate) fn attr_name(self) -> &'static str {
        match self {
            Verb::Get => "get",
            Verb::Post => "post",
            Verb::Put => "put",
            Verb::Patch => "patch",
            Verb::Delete => "delete",
            Verb::Route => "route",
        }
    }

    /// The one method this attribute answers, or `None` for `#[route]`.
    fn method(self) -> Option<&'static str> {
        match self {
            Verb::Get => Some("GET"),
            Verb::Post => Some("POST"),
            Verb::Put => Some("PUT"),
            Verb::Patch => Some("PATCH"),
            Verb::Delete => Some("DELETE"),
            Verb::Route => None,
        }
    }

    /// Ravyn's default status: POST creates (201), DELETE answers no content (204).
    fn default_status(self) -> u16 {
        match self {
            Verb::Post => 201,
            Verb::Delete => 204,
            Verb::Get | Verb::Put | Verb::Patch | Verb::Route => 200,
        }
    }

    /// How to write this attribute correctly, for hints.
    fn example(self) -> String {
        match self {
            Verb::Route => "#[route(\"/path\", methods = [\"GET\", \"POST\"])]".to_owned(),
            other => format!("#[{}(\"/path\", status_code = 200)]", other.attr_name()),
        }
    }
}

/// Methods `#[route]` accepts.
const KNOWN_METHODS: [&str; 8] = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE"];

/// A parsed, checked route attribute.
pub(crate) struct RouteAttr {
    /// The path literal, as written (or `"/"` when omitted, as in Ravyn).
    pub(crate) path: LitStr,
    /// Upper-case methods, at least one, no duplicates.
    pub(crate) methods: Vec<String>,
    /// The status, explicit or the verb's default.
    pub(crate) status_code: u16,
    /// `permissions = [..]`: each permission expression, in order (empty without the key).
    pub(crate) permissions: Vec<Expr>,
    /// The OpenAPI keys (`summary`, `tags`, `responses(...)`, ...).
    #[cfg_attr(not(feature = "openapi"), allow(dead_code))]
    pub(crate) openapi: crate::openapi::OpenApiAttr,
    /// The media type a body without `Content-Type` is read as; `None`: such a body is a 415.
    pub(crate) default_content_type: Option<LitStr>,
}

/// Parses the tokens inside `#[verb(...)]`.
pub(crate) fn parse(verb: Verb, tokens: TokenStream) -> syn::Result<RouteAttr> {
    let parser = |input: ParseStream<'_>| parse_args(verb, input);
    parser.parse2(tokens)
}

fn parse_args(verb: Verb, input: ParseStream<'_>) -> syn::Result<RouteAttr> {
    let path = if input.peek(LitStr) {
        let path: LitStr = input.parse()?;
        if !input.is_empty() {
            input.parse::<Token![,]>()?;
        }
        path
    } else if input.is_empty() || (input.peek(Ident) && input.peek2(Token![=])) {
        LitStr::new("/", Span::call_site())
    } else {
        let found: TokenStream = input.parse()?;
        return Err(error_spanned(
            found,
            "expected the route path as a string literal",
            format_args!("write the path in quotes: #[{}(\"/items\")]", verb.attr_name()),
        ));
    };

    let mut status_code: Option<u16> = None;
    let mut methods: Option<Vec<String>> = None;
    let mut permissions: Option<Vec<Expr>> = None;
    let mut openapi = crate::openapi::OpenApiAttr::default();
    let mut default_content_type: Option<LitStr> = None;
    while !input.is_empty() {
        let key: Ident = input.parse()?;
        if crate::openapi::is_key(&key) {
            crate::openapi::parse_value(&key, input, &mut openapi)?;
            if !input.is_empty() {
                input.parse::<Token![,]>()?;
            }
            continue;
        }
        input.parse::<Token![=]>()?;
        if key == "status_code" {
            let value: Expr = input.parse()?;
            if status_code.is_some() {
                return Err(duplicate(&key));
            }
            status_code = Some(parse_status(&value)?);
        } else if key == "permissions" {
            if permissions.is_some() {
                return Err(duplicate(&key));
            }
            permissions = Some(parse_permissions(input)?);
        } else if key == "default_content_type" {
            if default_content_type.is_some() {
                return Err(duplicate(&key));
            }
            default_content_type = Some(parse_media_type(input)?);
        } else if key == "methods" && verb == Verb::Route {
            if methods.is_some() {
                return Err(duplicate(&key));
            }
            methods = Some(parse_methods(input)?);
        } else if key == "methods" {
            return Err(error_spanned(
                &key,
                format_args!("`methods` is only accepted by #[route]; #[{}] answers one method", verb.attr_name()),
                "for several methods use #[route(\"/path\", methods = [\"GET\", \"POST\"])]",
            ));
        } else {
            let expected = match verb {
                Verb::Route => "`methods`, `status_code`, `default_content_type`, `permissions`",
                _ => "`status_code`, `default_content_type`, `permissions`",
            };
            let expected = format!("{expected} or an OpenAPI key ({})", crate::openapi::KEYS.join(", "));
            return Err(error_spanned(
                &key,
                format_args!("unknown argument `{key}` in #[{}]; expected {expected}", verb.attr_name()),
                format_args!("the path comes first, then named arguments: {}", verb.example()),
            ));
        }
        if !input.is_empty() {
            input.parse::<Token![,]>()?;
        }
    }

    let methods = match (verb.method(), methods) {
        (Some(method), _) => vec![method.to_owned()],
        (None, Some(methods)) => methods,
        (None, None) => {
            return Err(crate::diagnostic::error(
                Span::call_site(),
                "#[route] needs the HTTP methods it answers",
                "list them: #[route(\"/path\", methods = [\"GET\", \"POST\"])]",
            ))
        }
    };
    Ok(RouteAttr {
        path,
        methods,
        status_code: status_code.unwrap_or_else(|| verb.default_status()),
        permissions: permissions.unwrap_or_default(),
        default_content_type,
        openapi,
    })
}

fn duplicate(key: &Ident) -> syn::Error {
    error_spanned(key, format_args!("`{key}` is given twice"), format_args!("keep one `{key} = ...`"))
}

fn parse_status(value: &Expr) -> syn::Result<u16> {
    let hint = "write the status as a number, e.g. status_code = 202";
    let Expr::Lit(ExprLit { lit: Lit::Int(int), .. }) = value else {
        return Err(error_spanned(value, "`status_code` must be an integer literal", hint));
    };
    match status_in_range(int) {
        Some(status) => Ok(status),
        None => Err(error_spanned(
            int,
            format_args!("`status_code = {}` is not an HTTP status: it must be within 100..=999", int.base10_digits()),
            hint,
        )),
    }
}

/// `default_content_type = "application/json"`: a media type the binder reads.
fn parse_media_type(input: ParseStream<'_>) -> syn::Result<LitStr> {
    let hint = "default_content_type = \"application/json\" or \"application/x-www-form-urlencoded\"";
    let value: Expr = input.parse()?;
    let Expr::Lit(ExprLit { lit: Lit::Str(media), .. }) = &value else {
        return Err(error_spanned(&value, "`default_content_type` must be a string literal", hint));
    };
    let text = media.value().to_ascii_lowercase();
    let readable = text == "application/json" || text == "application/x-www-form-urlencoded" || text.ends_with("+json");
    if !readable || text.contains(';') {
        return Err(error_spanned(
            media,
            format_args!("`default_content_type = {:?}` is not a body type the binder reads", media.value()),
            hint,
        ));
    }
    Ok(media.clone())
}

fn status_in_range(int: &LitInt) -> Option<u16> {
    int.base10_parse::<u16>().ok().filter(|status| (100..=999).contains(status))
}

fn parse_methods(input: ParseStream<'_>) -> syn::Result<Vec<String>> {
    let hint = "list methods as strings: methods = [\"GET\", \"POST\"]";
    let value: Expr = input.parse()?;
    let Expr::Array(array) = &value else {
        return Err(error_spanned(&value, "`methods` must be a list of HTTP methods", hint));
    };
    if array.elems.is_empty() {
        return Err(error_spanned(&value, "`methods` is empty: a route must answer at least one method", hint));
    }
    let mut methods = Vec::with_capacity(array.elems.len());
    for element in &array.elems {
        let Expr::Lit(ExprLit { lit: Lit::Str(method), .. }) = element else {
            return Err(error_spanned(element, "an HTTP method must be a string literal", hint));
        };
        let name = method.value().to_ascii_uppercase();
        if !KNOWN_METHODS.contains(&name.as_str()) {
            return Err(error_spanned(
                method,
                format_args!("unknown HTTP method `{}`", method.value()),
                format_args!("use one of {}", KNOWN_METHODS.join(", ")),
            ));
        }
        if methods.contains(&name) {
            return Err(error_spanned(method, format_args!("method `{name}` is listed twice"), "list it once"));
        }
        methods.push(name);
    }
    Ok(methods)
}

/// `permissions = [IsAuthenticated, IsOwner { .. }]`: a list of permission values (any expression;
/// that each is a `Permission` is checked by the compiler, at the element).
fn parse_permissions(input: ParseStream<'_>) -> syn::Result<Vec<Expr>> {
    let hint = "list permission values: permissions = [IsAuthenticated, IsAdmin]";
    let value: Expr = input.parse()?;
    let Expr::Array(array) = value else {
        return Err(error_spanned(&value, "`permissions` must be a list of permissions", hint));
    };
    if array.elems.is_empty() {
        return Err(error_spanned(
            &array,
            "`permissions` is empty",
            "list at least one permission, or remove the key (every request is then allowed)",
        ));
    }
    Ok(array.elems.into_iter().collect())
}
