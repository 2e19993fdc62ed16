//! Whether a handler may use its session, read from its body's tokens: see the crate docs for the
//! rule. The answer only lets the app skip a server-side session store for routes that cannot
//! touch it, so it errs towards "yes".

use proc_macro2::{TokenStream, TokenTree};
use syn::ext::IdentExt;
use syn::Ident;

/// True when `body` names anything containing `session` (`request.session()`,
/// `request.try_session()`, a `session` variable, a helper with it in its name), or uses the request argument `request` other than
/// as the receiver of a method call or field access (`request.path()` is fine; `helper(&request)`
/// might read the session).
pub(crate) fn may_use_session(body: TokenStream, request: Option<&Ident>) -> bool {
    let request = request.map(|ident| ident.unraw().to_string());
    scan(body, request.as_deref())
}

fn scan(stream: TokenStream, request: Option<&str>) -> bool {
    let mut tokens = stream.into_iter().peekable();
    while let Some(token) = tokens.next() {
        match token {
            TokenTree::Group(group) => {
                if scan(group.stream(), request) {
                    return true;
                }
            }
            TokenTree::Ident(ident) => {
                let name = ident.unraw();
                // `session`, but also `try_session`, `load_session`, `my_session_helper`, ...
                if name.to_string().contains("session") {
                    return true;
                }
                if request.is_some_and(|request| name == request) {
                    let followed_by_dot = matches!(tokens.peek(), Some(TokenTree::Punct(p)) if p.as_char() == '.');
                    if !followed_by_dot {
                        return true;
                    }
                }
            }
            TokenTree::Punct(_) | TokenTree::Literal(_) => {}
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::may_use_session;
    use proc_macro2::{Ident, Span};
    use quote::quote;

    fn request() -> Ident {
        Ident::new("request", Span::call_site())
    }

    #[test]
    fn session_ident_anywhere() {
        assert!(may_use_session(
            quote!({
                request.session().clear();
            }),
            Some(&request())
        ));
        assert!(may_use_session(
            quote!({
                let n = helper(session);
            }),
            None
        ));
        assert!(may_use_session(
            quote!({
                if x {
                    format!("{}", ravyn::session::KEY)
                }
            }),
            None
        ));
    }

    #[test]
    fn identifiers_containing_session_count() {
        for body in [
            quote!({ request.try_session().map(|s| s.len()) }),
            quote!({ request.load_session().await.is_ok() }),
            quote!({ current_session_user(&state) }),
        ] {
            assert!(may_use_session(body.clone(), Some(&request())), "{body}");
        }
    }

    #[test]
    fn request_passed_on_may_use_session() {
        assert!(may_use_session(
            quote!({
                check(&request)?;
            }),
            Some(&request())
        ));
        assert!(may_use_session(
            quote!({
                let r = request;
            }),
            Some(&request())
        ));
        assert!(may_use_session(quote!({ (request) }), Some(&request())));
    }

    #[test]
    fn method_calls_on_the_request_do_not() {
        assert!(!may_use_session(quote!({ request.path().to_owned() }), Some(&request())));
        assert!(!may_use_session(
            quote!({
                let m = request.method;
                format!("{}", request.path())
            }),
            Some(&request())
        ));
        assert!(!may_use_session(quote!({ Json(json!({"ok": true})) }), None));
        assert!(!may_use_session(quote!({ other(&request) }), None));
        assert!(!may_use_session(quote!({ other(&req) }), Some(&request())));
    }
}
