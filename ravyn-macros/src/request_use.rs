//! What a handler's `Request` argument may reach of the state the built-in steps attach to it
//! (the session, the CSRF token, the caller's identity), read from how the function body uses it:
//! the answer decides which steps run for the route (and whether a server-side store's record is
//! loaded before the handler), so it must never say "no" when the answer is "yes".
//!
//! The rule is structural, not a guess from names: every use of the argument must be a call of
//! one of `Request`'s own methods. Those that read only the head or body
//! ([`HEAD_AND_BODY`]: `request.path()`, `request.headers_mut()`, `request.json::<T>()`...) reach
//! nothing; `session()`/`try_session()`/`load_session()` reach the session and `csrf_token()` the
//! token. Passing the request on (`helper(&request)`, `let r = request;`), any other method (an
//! extension trait's `request.current_user()`), or a use the scan cannot read reaches everything.
//! Inherent methods win over trait methods in Rust, so a listed name always is `Request`'s own.

use proc_macro2::{TokenStream, TokenTree};
use syn::ext::IdentExt;
use syn::Ident;

/// `Request` methods that read or edit the request's head or body only: never the session, the
/// user, or anything a built-in step provides. Keep in step with `ravyn-core/src/request.rs`.
const HEAD_AND_BODY: &[&str] = &[
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

/// What a request argument may reach; see the module docs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Reach {
    pub(crate) session: bool,
    pub(crate) csrf_token: bool,
    pub(crate) user: bool,
}

impl Reach {
    const EVERYTHING: Reach = Reach { session: true, csrf_token: true, user: true };

    fn add(&mut self, other: Reach) {
        self.session |= other.session;
        self.csrf_token |= other.csrf_token;
        self.user |= other.user;
    }
}

/// What `body` may reach through the request argument named `request`.
pub(crate) fn request_reach(body: TokenStream, request: &Ident) -> Reach {
    let request = request.unraw().to_string();
    let mut reach = Reach::default();
    scan(body, &request, &mut reach);
    reach
}

fn scan(stream: TokenStream, request: &str, reach: &mut Reach) {
    let tokens: Vec<TokenTree> = stream.into_iter().collect();
    for (i, token) in tokens.iter().enumerate() {
        match token {
            TokenTree::Group(group) => scan(group.stream(), request, reach),
            TokenTree::Ident(ident) if ident.unraw() == request => {
                // A path segment (`self::request`, `request::x`) or a field (`x.request`) is not the argument.
                let after_colons = i >= 2 && is_punct(&tokens[i - 1], ':') && is_punct(&tokens[i - 2], ':');
                let after_dot = i >= 1 && is_punct(&tokens[i - 1], '.');
                let before_colons = is_punct_at(&tokens, i + 1, ':') && is_punct_at(&tokens, i + 2, ':');
                if !(after_colons || after_dot || before_colons) {
                    reach.add(use_at(&tokens, i));
                }
            }
            _ => {}
        }
    }
}

/// What the use of the request at `tokens[at]` reaches: a call `request . name (..)` (or with a
/// turbofish) of a known method reaches what that method reads; anything else, everything.
fn use_at(tokens: &[TokenTree], at: usize) -> Reach {
    let called = match tokens.get(at + 3) {
        Some(TokenTree::Group(group)) => group.delimiter() == proc_macro2::Delimiter::Parenthesis,
        // A turbofish: the method is still called (its generics cannot hide the request).
        Some(TokenTree::Punct(p)) if p.as_char() == ':' => is_punct_at(tokens, at + 4, ':'),
        _ => false,
    };
    let method = match (is_punct_at(tokens, at + 1, '.'), tokens.get(at + 2)) {
        (true, Some(TokenTree::Ident(method))) if called => method.to_string(),
        _ => return Reach::EVERYTHING,
    };
    match method.as_str() {
        name if HEAD_AND_BODY.contains(&name) => Reach::default(),
        "session" | "try_session" | "load_session" => Reach { session: true, ..Reach::default() },
        "csrf_token" => Reach { csrf_token: true, ..Reach::default() },
        // The identity step's: the caller (which a user loader may have read from the session,
        // loaded by then).
        "user" | "identity" | "jwt" => Reach { user: true, ..Reach::default() },
        _ => Reach::EVERYTHING,
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
    use super::{request_reach, Reach};
    use proc_macro2::{Ident, Span};
    use quote::quote;

    fn reach(body: proc_macro2::TokenStream) -> Reach {
        request_reach(body, &Ident::new("request", Span::call_site()))
    }

    #[test]
    fn each_method_reaches_what_it_reads() {
        let session = Reach { session: true, ..Reach::default() };
        for body in [
            quote!({
                request.session().clear();
            }),
            quote!({ request.try_session().map(|s| s.len()) }),
            quote!({ request.load_session().await.is_ok() }),
        ] {
            assert_eq!(reach(body.clone()), session, "{body}");
        }
        assert_eq!(reach(quote!({ request.csrf_token() })), Reach { csrf_token: true, ..Reach::default() });
        let both = reach(quote!({ (request.session().len(), request.csrf_token()) }));
        assert_eq!(both, Reach { session: true, csrf_token: true, user: false });
    }

    #[test]
    fn passing_the_request_on_or_unknown_methods_reach_everything() {
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
            // An extension trait's method may read anything.
            quote!({ request.current_user() }),
        ] {
            assert_eq!(reach(body.clone()), Reach::EVERYTHING, "{body}");
        }
    }

    #[test]
    fn head_and_body_methods_reach_nothing() {
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
            assert_eq!(reach(body.clone()), Reach::default(), "{body}");
        }
    }
}
