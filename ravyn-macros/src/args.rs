//! Where each handler argument comes from: the request itself, a path parameter, the whole
//! body, or a query parameter (overridable by a body key).

use crate::diagnostic::{error, error_spanned, push};
use crate::path::PathParam;
use syn::ext::IdentExt;
use syn::{FnArg, Ident, LitStr, Pat, PatIdent, Signature, Type};

/// Where one argument's value comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Source {
    /// The [`Request`] itself, moved in.
    Request,
    /// The path parameter of this name.
    Path(String),
    /// The whole body (`data` or `payload`).
    Body,
    /// The query parameter of this name, or the same top-level key of a JSON or form body.
    QueryOrBody(String),
    /// The query parameter of this name only (the handler reads the body as `data`/`payload`).
    Query(String),
}

/// One argument of the handler, classified.
pub(crate) struct HandlerArg {
    /// The argument's name as written (possibly `r#raw`).
    pub(crate) ident: Ident,
    /// Its type.
    pub(crate) ty: Type,
    /// Where its value comes from.
    pub(crate) source: Source,
}

/// Classifies the arguments of `sig` for a route at `path` with `params`, collecting every
/// problem: patterns that are not names, two requests, both `data` and `payload`, references,
/// and path parameters without an argument.
pub(crate) fn classify(sig: &Signature, path: &LitStr, params: &[PathParam]) -> syn::Result<Vec<HandlerArg>> {
    let mut errors = None;
    let mut named: Vec<(Ident, Type)> = Vec::new();
    for input in &sig.inputs {
        match input {
            FnArg::Receiver(receiver) => push(
                &mut errors,
                error_spanned(
                    receiver,
                    "a route handler cannot take `self`",
                    "route handlers are free `async fn`s; move this one out of the `impl` block",
                ),
            ),
            FnArg::Typed(typed) => match plain_name(&typed.pat) {
                Some(ident) => named.push((ident.clone(), (*typed.ty).clone())),
                None => push(
                    &mut errors,
                    error_spanned(
                        &typed.pat,
                        "handler arguments must be plain names",
                        "arguments bind by name: write `name: Type` (or `_name: Type` if unused) and destructure \
                         in the body",
                    ),
                ),
            },
        }
    }

    let mut request: Option<&Ident> = None;
    let mut body: Option<&Ident> = None;
    for (ident, ty) in &named {
        let name = ident.unraw().to_string();
        if is_request(ty) {
            if request.is_some() {
                push(
                    &mut errors,
                    error_spanned(
                        ty,
                        format_args!("`{ident}` is a second `Request` argument"),
                        "a handler receives the request once: remove this argument",
                    ),
                );
            }
            request = Some(ident);
        } else if let Some(reference) = referenced_request(ty) {
            push(
                &mut errors,
                error_spanned(
                    reference,
                    "a handler takes the request by value",
                    format_args!("write `{ident}: Request`"),
                ),
            );
        } else if let Type::Reference(reference) = ty {
            push(
                &mut errors,
                error_spanned(
                    reference,
                    format_args!("the argument `{ident}` borrows, but arguments are built from the request"),
                    format_args!("take an owned type, e.g. `{ident}: String` instead of `&str`",),
                ),
            );
        } else if (name == "data" || name == "payload") && !params.iter().any(|p| p.name == name) {
            if let Some(first) = body {
                push(
                    &mut errors,
                    error_spanned(
                        ident,
                        format_args!("the handler already takes the body as `{first}`"),
                        "the body binds to one argument: keep either `data` or `payload`",
                    ),
                );
            }
            body = Some(ident);
        }
    }

    for param in params {
        let bound = named.iter().any(|(ident, ty)| ident.unraw() == param.name && !is_request(ty));
        if !bound {
            let placeholder =
                if param.catch_all { format!("{{*{}}}", param.name) } else { format!("{{{}}}", param.name) };
            push(
                &mut errors,
                error(
                    path.span(),
                    format_args!("the path parameter `{placeholder}` has no matching argument in `{}`", sig.ident),
                    format_args!("add an argument `{}: <type>` to `{}`", param.name, sig.ident),
                ),
            );
        }
    }

    if let Some(errors) = errors {
        return Err(errors);
    }
    let has_body = body.is_some();
    Ok(named
        .into_iter()
        .map(|(ident, ty)| {
            let name = ident.unraw().to_string();
            let source = if is_request(&ty) {
                Source::Request
            } else if params.iter().any(|p| p.name == name) {
                Source::Path(name)
            } else if name == "data" || name == "payload" {
                Source::Body
            } else if has_body {
                Source::Query(name)
            } else {
                Source::QueryOrBody(name)
            };
            HandlerArg { ident, ty, source }
        })
        .collect())
}

/// The name an argument pattern binds, if it is a plain name (`x` or `mut x`).
fn plain_name(pat: &Pat) -> Option<&Ident> {
    match pat {
        Pat::Ident(PatIdent { by_ref: None, subpat: None, ident, .. }) => Some(ident),
        _ => None,
    }
}

/// Whether `ty` names the request: a path whose last segment is `Request`, without generics.
pub(crate) fn is_request(ty: &Type) -> bool {
    match ty {
        Type::Path(path) if path.qself.is_none() => {
            path.path.segments.last().is_some_and(|last| last.ident == "Request" && last.arguments.is_none())
        }
        Type::Group(group) => is_request(&group.elem),
        Type::Paren(paren) => is_request(&paren.elem),
        _ => false,
    }
}

/// `&Request` or `&mut Request`, a common slip from other frameworks.
fn referenced_request(ty: &Type) -> Option<&Type> {
    match ty {
        Type::Reference(reference) if is_request(&reference.elem) => Some(ty),
        Type::Group(group) => referenced_request(&group.elem),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::{classify, Source};
    use crate::path::PathParam;
    use syn::{parse_quote, ItemFn, LitStr};

    fn sources(item: &ItemFn, path: &str, params: &[&str]) -> syn::Result<Vec<Source>> {
        let params: Vec<PathParam> =
            params.iter().map(|name| PathParam { name: (*name).to_owned(), catch_all: false }).collect();
        let path = LitStr::new(path, proc_macro2::Span::call_site());
        Ok(classify(&item.sig, &path, &params)?.into_iter().map(|arg| arg.source).collect())
    }

    #[test]
    fn classifies_in_design_order() -> syn::Result<()> {
        let item: ItemFn = parse_quote! {
            async fn f(req: ravyn::Request, id: u64, data: Item, page: Option<u32>) {}
        };
        assert_eq!(
            sources(&item, "/items/{id}", &["id"])?,
            [Source::Request, Source::Path("id".into()), Source::Body, Source::Query("page".into())]
        );
        let item: ItemFn = parse_quote! { async fn f(mut email: String, r#type: String) {} };
        assert_eq!(
            sources(&item, "/", &[])?,
            [Source::QueryOrBody("email".into()), Source::QueryOrBody("type".into())]
        );
        let item: ItemFn = parse_quote! { async fn f(data: u64) {} };
        assert_eq!(sources(&item, "/{data}", &["data"])?, [Source::Path("data".into())]);
        Ok(())
    }

    #[test]
    fn reports_every_problem() {
        let item: ItemFn = parse_quote! {
            async fn f(a: Request, b: Request, data: X, payload: Y, (x, y): (u8, u8), s: &str) {}
        };
        let message = match sources(&item, "/{id}", &["id"]) {
            Ok(sources) => panic!("accepted: {sources:?}"),
            Err(errors) => errors.into_iter().map(|e| e.to_string()).collect::<Vec<_>>().join("\n"),
        };
        for part in ["plain names", "second `Request`", "as `data`", "borrows", "`{id}` has no matching argument"] {
            assert!(message.contains(part), "missing {part:?} in:\n{message}");
        }
    }
}
