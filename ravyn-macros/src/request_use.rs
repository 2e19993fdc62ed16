//! Whether a handler's `Request` argument may reach the session (or the caller's identity), read
//! from how the function body uses it: the answer decides whether the app runs the session step
//! for the route and loads a server-side store's record before the handler, so it must never say
//! "no" when the answer is "yes".
//!
//! The rule is structural, not a guess from names: the request may reach its session unless every
//! use of it is a call of one of [`Request`'s methods that cannot](CANNOT_REACH_SESSION)
//! (`request.path()`, `request.headers_mut()`, `request.json::<T>()`...). Passing it on
//! (`helper(&request)`, `let r = request;`), any other method (`request.session()`, an extension
//! trait's `request.current_user()`), or a use the scan cannot read counts as "may". Inherent
//! methods win over trait methods in Rust, so a listed name always is `Request`'s own method.

use proc_macro2::{TokenStream, TokenTree};
use syn::ext::IdentExt;
use syn::Ident;

/// `Request` methods that read or edit the request's head or body only: never the session, the
/// user, or anything a built-in step provides lazily. Keep in step with `ravyn-core/src/request.rs`.
const CANNOT_REACH_SESSION: &[&str] = &[
    "method",
    "uri",
    "path",
    "version",
    "url",
    "headers",
    "headers_mut",
    "cookies",
    "cookie",
    "query_string",
    "query_params",
    "query",
    "path_params",
    "path_param",
    "client_addr",
    "extensions",
    "extensions_mut",
    "body",
    "set_body",
    "take_body",
    "body_is_stream",
    "json",
    "form",
    "content_type",
];

/// True when `body` may reach the session through the request argument named `request`.
pub(crate) fn request_may_reach_session(body: TokenStream, request: &Ident) -> bool {
    let request = request.unraw().to_string();
    scan(body, &request)
}

fn scan(stream: TokenStream, request: &str) -> bool {
    let tokens: Vec<TokenTree> = stream.into_iter().collect();
    for (i, token) in tokens.iter().enumerate() {
        match token {
            TokenTree::Group(group) if scan(group.stream(), request) => return true,
            TokenTree::Ident(ident) if ident.unraw() == request => {
                // A path segment (`self::request`, `request::x`) or a field (`x.request`) is not the argument.
                let after_colons = i >= 2 && is_punct(&tokens[i - 1], ':') && is_punct(&tokens[i - 2], ':');
                let after_dot = i >= 1 && is_punct(&tokens[i - 1], '.');
                let before_colons = is_punct_at(&tokens, i + 1, ':') && is_punct_at(&tokens, i + 2, ':');
                if after_colons || after_dot || before_colons {
                    continue;
                }
                if !is_harmless_method_call(&tokens, i) {
                    return true;
                }
            }
            _ => {}
        }
    }
    false
}

/// `request . name (` or `request . name :: < ... > (` with `name` in the list.
fn is_harmless_method_call(tokens: &[TokenTree], at: usize) -> bool {
    if !is_punct_at(tokens, at + 1, '.') {
        return false;
    }
    let Some(TokenTree::Ident(method)) = tokens.get(at + 2) else { return false };
    if !CANNOT_REACH_SESSION.iter().any(|name| method == name) {
        return false;
    }
    match tokens.get(at + 3) {
        Some(TokenTree::Group(group)) => group.delimiter() == proc_macro2::Delimiter::Parenthesis,
        // A turbofish: the method is still called (its generics cannot hide the request).
        Some(TokenTree::Punct(p)) if p.as_char() == ':' => is_punct_at(tokens, at + 4, ':'),
        _ => false,
    }
}

fn is_punct(token: &TokenTree, ch: char) -> bool {
    matches!(token, TokenTree::Punct(p) if p.as_char() == ch)
}

fn is_punct_at(tokens: &[TokenTree], at: usize, ch: char) -> bool {
    tokens.get(at).is_some_and(|t| is_punct(t, ch))
}

#[cfg(test)]
mod tests {
    use super::request_may_reach_session;
    use proc_macro2::{Ident, Span};
    use quote::quote;

    fn reaches(body: proc_macro2::TokenStream) -> bool {
        request_may_reach_session(body, &Ident::new("request", Span::call_site()))
    }

    #[test]
    fn session_methods_reach_it() {
        for body in [
            quote!({
                request.session().clear();
            }),
            quote!({ request.try_session().map(|s| s.len()) }),
            quote!({ request.load_session().await.is_ok() }),
            quote!({ request.csrf_token() }),
            // An extension trait's method may read anything.
            quote!({ request.current_user() }),
        ] {
            assert!(reaches(body.clone()), "{body}");
        }
    }

    #[test]
    fn passing_the_request_on_reaches_it() {
        for body in [
            quote!({
                check(&request)?;
            }),
            quote!({
                let r = request;
            }),
            quote!({ (request) }),
            quote!({ Request::session(&request) }),
            quote!({
                let f = |x| helper(x, &request);
            }),
            // A method of the list used as a value, not called.
            quote!({
                let f = request.path;
            }),
        ] {
            assert!(reaches(body.clone()), "{body}");
        }
    }

    #[test]
    fn head_and_body_methods_do_not() {
        for body in [
            quote!({ request.path().to_owned() }),
            quote!({
                let m = request.method();
                format!("{} {}", m, request.path())
            }),
            quote!({
                request.headers_mut().remove("x");
            }),
            quote!({
                let v: Value = request.json::<Value>()?;
            }),
            quote!({ Json(json!({"ok": true})) }),
            // Other names are not the argument: no guessing from identifiers.
            quote!({
                let session = "not really";
                session.to_owned()
            }),
            quote!({ other(&req) }),
            quote!({ self::request::helper() }),
            quote!({ state.request.clone() }),
        ] {
            assert!(!reaches(body.clone()), "{body}");
        }
    }
}
