//! The expansion: the `async fn` becomes a unit struct of the same name implementing `Handler`,
//! whose `call` binds the arguments and runs the original function, kept unchanged inside it.

use crate::args::{self, HandlerArg, Source};
use crate::attr::{self, RouteAttr, Verb};
use crate::diagnostic::{error, error_spanned, push};
use crate::path;
use crate::request_use::request_reach;
use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned, ToTokens};
use syn::ext::IdentExt;
use syn::spanned::Spanned;
use syn::{Attribute, Ident, ItemFn, LitStr, ReturnType, Type, Visibility};

/// Expands `#[verb(attr)] item`. Errors come back as `compile_error!`s next to a stand-in for the
/// handler, so the rest of the crate (`Gateway::new(handler)`) reports nothing more.
pub(crate) fn expand(verb: Verb, attr: TokenStream, item: TokenStream) -> TokenStream {
    let function = match syn::parse2::<ItemFn>(item.clone()) {
        Ok(function) => function,
        Err(_) => {
            return error(
                item.into_iter().next().map_or_else(Span::call_site, |token| token.span()),
                format_args!("#[{}] must be placed on an `async fn`", verb.attr_name()),
                format_args!("write #[{}(\"/path\")] above `async fn name(...) -> ... {{ ... }}`", verb.attr_name()),
            )
            .to_compile_error()
        }
    };
    match checked(verb, attr, &function) {
        Ok(handler) => handler.into_token_stream(),
        Err(errors) => {
            let errors = errors.to_compile_error();
            // A function taking `self` sits in an `impl` block, where no struct can stand in.
            let has_receiver = function.sig.receiver().is_some();
            let stand_in = if has_receiver { TokenStream::new() } else { stand_in(&function) };
            quote!(#errors #stand_in)
        }
    }
}

/// Everything the generated code needs, checked.
struct Handler<'f> {
    function: &'f ItemFn,
    attr: RouteAttr,
    args: Vec<HandlerArg>,
}

fn checked(verb: Verb, attr: TokenStream, function: &ItemFn) -> syn::Result<Handler<'_>> {
    let mut errors = None;
    let attr = match attr::parse(verb, attr) {
        Ok(attr) => Some(attr),
        Err(e) => {
            push(&mut errors, e);
            None
        }
    };
    if let Err(e) = check_signature(function) {
        push(&mut errors, e);
    }
    let params = match attr.as_ref().map(|attr| path::parse(&attr.path)) {
        Some(Ok(params)) => Some(params),
        Some(Err(e)) => {
            push(&mut errors, e);
            None
        }
        None => None,
    };
    let args = match (&attr, &params) {
        (Some(attr), Some(params)) => match args::classify(&function.sig, &attr.path, params) {
            Ok(args) => Some(args),
            Err(e) => {
                push(&mut errors, e);
                None
            }
        },
        _ => None,
    };
    match (errors, attr, args) {
        (None, Some(attr), Some(args)) => Ok(Handler { function, attr, args }),
        (Some(errors), _, _) => Err(errors),
        // Unreachable: a missing piece always comes with an error; say so rather than panic.
        (None, _, _) => Err(syn::Error::new(Span::call_site(), "internal error in the route attribute")),
    }
}

fn check_signature(function: &ItemFn) -> syn::Result<()> {
    let sig = &function.sig;
    let mut errors = None;
    if sig.asyncness.is_none() {
        push(
            &mut errors,
            error(
                sig.fn_token.span,
                "route handlers must be `async fn`",
                format_args!("write `async fn {}`", sig.ident),
            ),
        );
    }
    if !sig.generics.params.is_empty() || sig.generics.where_clause.is_some() {
        push(
            &mut errors,
            error_spanned(
                &sig.generics,
                "route handlers cannot be generic",
                "the route calls one concrete function: use concrete argument and return types",
            ),
        );
    }
    if let Some(unsafety) = &sig.unsafety {
        push(&mut errors, error_spanned(unsafety, "route handlers cannot be `unsafe`", "remove `unsafe`"));
    }
    if let Some(abi) = &sig.abi {
        push(&mut errors, error_spanned(abi, "route handlers cannot declare an ABI", "remove the `extern` ABI"));
    }
    if let Some(variadic) = &sig.variadic {
        push(&mut errors, error_spanned(variadic, "route handlers cannot be variadic", "remove `...`"));
    }
    errors.map_or(Ok(()), Err)
}

impl ToTokens for Handler<'_> {
    fn to_tokens(&self, tokens: &mut TokenStream) {
        let function = self.function;
        let name = &function.sig.ident;
        let (outer_attrs, inner_attrs) = split_attrs(&function.attrs);
        let cfgs: Vec<&Attribute> = outer_attrs.iter().copied().filter(|a| a.path().is_ident("cfg")).collect();
        let vis = &function.vis;
        let inner = ItemFn {
            attrs: inner_attrs.into_iter().cloned().collect(),
            vis: Visibility::Inherited,
            sig: function.sig.clone(),
            block: function.block.clone(),
        };

        let spec = self.spec();
        let permissions = self.permissions();
        let request = Ident::new("__ravyn_request", Span::mixed_site());
        let body = self.call_body(&request);
        let empty_body_check = self.empty_body_check();
        let allow_deprecated = self.rust_deprecated().then(|| quote!(#[allow(deprecated)]));

        tokens.extend(quote! {
            #(#outer_attrs)*
            #[allow(non_camel_case_types, missing_docs)]
            #[derive(::core::clone::Clone, ::core::marker::Copy, ::core::fmt::Debug)]
            #vis struct #name;

            #(#cfgs)*
            impl ::ravyn::__private::Handler for #name {
                fn spec(&self) -> ::ravyn::__private::RouteSpec {
                    #spec
                }

                #allow_deprecated
                fn call(
                    &self,
                    #request: ::ravyn::__private::Request,
                ) -> ::ravyn::__private::BoxFuture<'static, ::ravyn::__private::Response> {
                    // Handlers are `async` by contract, whether or not they await.
                    #[allow(clippy::unused_async)]
                    #inner
                    ::std::boxed::Box::pin(async move { #body })
                }

                #permissions
            }

            #(#cfgs)*
            #empty_body_check
        });
    }
}

impl Handler<'_> {
    fn spec(&self) -> TokenStream {
        let name = self.function.sig.ident.unraw().to_string();
        let path = LitStr::new(&self.attr.path.value(), self.attr.path.span());
        let methods = &self.attr.methods;
        let status_code = self.attr.status_code;
        let needs_path = quote!(::ravyn::__private::Needs);

        let mut needs = Vec::new();
        if let Some(request) = self.args.iter().find(|arg| arg.source == Source::Request) {
            needs.push(quote!(#needs_path::REQUEST));
            let reach = request_reach(self.function.block.to_token_stream(), &request.ident);
            if reach.session {
                needs.push(quote!(#needs_path::SESSION));
            }
            if reach.csrf_token {
                needs.push(quote!(#needs_path::CSRF_TOKEN));
            }
            if reach.user {
                needs.push(quote!(#needs_path::USER));
            }
        }
        if self.args.iter().any(|arg| matches!(arg.source, Source::Body | Source::QueryOrBody(_))) {
            needs.push(quote!(#needs_path::BODY));
        }
        let mut arg_specs = Vec::new();
        for arg in &self.args {
            let ty = &arg.ty;
            let arg_name = arg.ident.unraw().to_string();
            let type_name = type_name(ty);
            let required = !is_option(ty);
            let source = match &arg.source {
                Source::Request => quote!(::ravyn::__private::ArgSource::Request),
                Source::Path(_) => quote!(::ravyn::__private::ArgSource::Path),
                Source::Body => quote!(::ravyn::__private::ArgSource::Body),
                // Bound by name unless the type is an extractor: asked of the type itself.
                Source::Query(_) | Source::QueryOrBody(_) => {
                    let declared = if matches!(arg.source, Source::Query(_)) {
                        quote!(::ravyn::__private::ArgSource::Query)
                    } else {
                        quote!(::ravyn::__private::ArgSource::QueryOrBody)
                    };
                    needs.push(quote!((&&::ravyn::__private::probe::Probe::<#ty>::new()).kind().needs()));
                    quote!((&&::ravyn::__private::probe::Probe::<#ty>::new()).kind().source(#declared))
                }
            };
            arg_specs.push(quote!(::ravyn::__private::ArgSpec::new(#arg_name, #source, #type_name, #required)));
        }
        let count = arg_specs.len();
        let description = doc_comment(&self.function.attrs).map(|doc| quote!(.with_description(#doc)));
        let permission_names: Vec<String> = self.attr.permissions.iter().map(permission_name).collect();
        let permission_names =
            (!permission_names.is_empty()).then(|| quote!(.with_permissions(&[#(#permission_names),*])));
        #[cfg(feature = "openapi")]
        let openapi = crate::openapi::operation(&self.attr.openapi, self.function, &self.args, self.rust_deprecated());
        #[cfg(not(feature = "openapi"))]
        let openapi = TokenStream::new();
        quote! {{
            #[allow(unused_imports)]
            use ::ravyn::__private::probe::{ViaExtractor as _, ViaName as _};
            static ARGS: ::std::sync::OnceLock<[::ravyn::__private::ArgSpec; #count]> = ::std::sync::OnceLock::new();
            let args: &'static [::ravyn::__private::ArgSpec] = ARGS.get_or_init(|| [#(#arg_specs),*]);
            ::ravyn::__private::RouteSpec::new(#name, #path, &[#(#methods),*], #status_code)
                .with_needs(#needs_path::NONE #(.union(#needs))*)
                .with_args(args)
                #description
                #permission_names
                #openapi
        }}
    }

    /// Whether the function carries Rust's `#[deprecated]` (documented as deprecated; the
    /// generated call of it must not warn).
    fn rust_deprecated(&self) -> bool {
        self.function.attrs.iter().any(|attr| attr.path().is_ident("deprecated"))
    }

    /// `Handler::permissions`, when the attribute lists any: each element goes through a function
    /// that takes only a `Permission`, spanned at the element, so a value that is not one is an
    /// error pointing at it.
    fn permissions(&self) -> TokenStream {
        if self.attr.permissions.is_empty() {
            return TokenStream::new();
        }
        let each = self
            .attr
            .permissions
            .iter()
            .map(|permission| quote_spanned!(permission.span()=> ::ravyn::__private::permission(#permission)));
        quote! {
            fn permissions(&self) -> ::std::vec::Vec<::ravyn::__private::ArcPermission> {
                ::std::vec![#(#each),*]
            }
        }
    }

    /// The body of the future `call` returns: extract typed arguments (answering an extractor's
    /// rejection at once), bind every other argument (collecting all failures into one response),
    /// then call the function and convert its result.
    fn call_body(&self, request: &Ident) -> TokenStream {
        let function = &self.function.sig.ident;
        let binder = Ident::new("__ravyn_binder", Span::mixed_site());
        let bound: Vec<(Ident, &HandlerArg)> = self
            .args
            .iter()
            .filter(|arg| arg.source != Source::Request)
            .enumerate()
            .map(|(i, arg)| (format_ident!("__ravyn_arg{}", i, span = Span::mixed_site()), arg))
            .collect();
        let probed: Vec<(Ident, &HandlerArg)> = bound
            .iter()
            .filter(|(_, arg)| matches!(arg.source, Source::Query(_) | Source::QueryOrBody(_)))
            .map(|(var, arg)| (format_ident!("{}_slot", var, span = Span::mixed_site()), *arg))
            .collect();

        // First phase: typed arguments take what they need from the request, which is mutable here.
        let extraction = if probed.is_empty() {
            TokenStream::new()
        } else {
            let slots = probed.iter().map(|(slot, arg)| {
                let ty = &arg.ty;
                quote_spanned! {ty.span()=>
                    let #slot = match (&&::ravyn::__private::probe::Probe::<#ty>::new()).kind().extract(&mut #request) {
                        ::core::result::Result::Ok(slot) => slot,
                        ::core::result::Result::Err(rejection) => return rejection,
                    };
                }
            });
            quote! {
                #[allow(unused_imports)]
                use ::ravyn::__private::probe::{ViaExtractor as _, ViaName as _};
                let mut #request = #request;
                #(#slots)*
            }
        };

        let binding = if bound.is_empty() {
            TokenStream::new()
        } else {
            let vars: Vec<&Ident> = bound.iter().map(|(var, _)| var).collect();
            let default_content_type = self.attr.default_content_type.as_ref().map(|media| {
                let media = media.value().to_ascii_lowercase();
                quote!(.default_content_type(#media))
            });
            let mut slots = probed.iter().map(|(slot, _)| slot);
            let lookups = bound.iter().map(|(var, arg)| {
                let ty = &arg.ty;
                // Spanned at the type, so "`T` cannot be deserialized" points at the argument.
                let lookup = match &arg.source {
                    Source::Path(name) => quote_spanned!(ty.span()=> #binder.path::<#ty>(#name)),
                    Source::Query(name) => {
                        let slot = slots.next();
                        quote_spanned!(ty.span()=> (&&::ravyn::__private::probe::Probe::<#ty>::new()).kind().query(#slot, &mut #binder, #name))
                    }
                    Source::QueryOrBody(name) => {
                        let slot = slots.next();
                        quote_spanned!(ty.span()=> (&&::ravyn::__private::probe::Probe::<#ty>::new()).kind().query_or_body(#slot, &mut #binder, #name))
                    }
                    Source::Body => quote_spanned!(ty.span()=> #binder.body::<#ty>()),
                    Source::Request => TokenStream::new(),
                };
                quote!(let #var = #lookup;)
            });
            // The binder borrows the request; its block ends before the request moves into the call.
            quote! {
                let (#(#vars,)*) = {
                    let mut #binder = ::ravyn::__private::Binder::new(&#request)#default_content_type;
                    #(#lookups)*
                    match (#binder.is_ok(), #(#vars,)*) {
                        (true, #(::core::option::Option::Some(#vars),)*) => (#(#vars,)*),
                        _ => return #binder.into_error_response(),
                    }
                };
            }
        };

        let mut bound_vars = bound.iter().map(|(var, _)| var);
        let call_args = self.args.iter().map(|arg| match arg.source {
            Source::Request => request.to_token_stream(),
            _ => bound_vars.next().map(ToTokens::to_token_stream).unwrap_or_default(),
        });
        let call = quote!(#function(#(#call_args),*).await);
        // Naming the return type points "`T` is not `IntoResponse`" at it; `impl Trait` cannot be named.
        let respond = match &self.function.sig.output {
            ReturnType::Type(_, ty) if !contains_impl(ty) => {
                quote_spanned!(ty.span()=> <#ty as ::ravyn::__private::IntoResponse>::into_response(#call))
            }
            _ => quote!(::ravyn::__private::IntoResponse::into_response(#call)),
        };
        quote! {
            #extraction
            #binding
            #respond
        }
    }

    /// For a 204 route, a compile-time check that the return type has no body.
    fn empty_body_check(&self) -> TokenStream {
        if self.attr.status_code != 204 {
            return TokenStream::new();
        }
        match &self.function.sig.output {
            ReturnType::Type(_, ty) if !contains_impl(ty) => {
                quote_spanned!(ty.span()=> const _: () = ::ravyn::__private::assert_empty_body::<#ty>();)
            }
            _ => TokenStream::new(),
        }
    }
}

/// Docs and `cfg`s describe the handler, so they go on the struct; every other attribute
/// (`#[allow]`, `#[tracing::instrument]`, ...) stays on the function.
fn split_attrs(attrs: &[Attribute]) -> (Vec<&Attribute>, Vec<&Attribute>) {
    attrs.iter().partition(|attr| attr.path().is_ident("doc") || attr.path().is_ident("cfg"))
}

/// Whether a type mentions `impl Trait`, which cannot be named outside the function.
pub(crate) fn contains_impl(ty: &Type) -> bool {
    ty.to_token_stream().into_iter().any(|token| has_impl(&token))
}

fn has_impl(token: &proc_macro2::TokenTree) -> bool {
    match token {
        proc_macro2::TokenTree::Ident(ident) => ident == "impl",
        proc_macro2::TokenTree::Group(group) => group.stream().into_iter().any(|t| has_impl(&t)),
        _ => false,
    }
}

/// What replaces a handler whose attribute failed: a struct of the same name that is a
/// `Handler`, so uses of it elsewhere compile and only the attribute's own errors show. The
/// function is kept inside, unused, so its body is still checked and its imports count as used.
fn stand_in(function: &ItemFn) -> TokenStream {
    let name = &function.sig.ident;
    let vis = &function.vis;
    let (outer_attrs, inner_attrs) = split_attrs(&function.attrs);
    let cfgs = outer_attrs.iter().filter(|a| a.path().is_ident("cfg"));
    let inner = ItemFn {
        attrs: inner_attrs.into_iter().cloned().collect(),
        vis: Visibility::Inherited,
        sig: function.sig.clone(),
        block: function.block.clone(),
    };
    quote! {
        #(#outer_attrs)*
        #[allow(non_camel_case_types, missing_docs, dead_code)]
        #[derive(::core::clone::Clone, ::core::marker::Copy, ::core::fmt::Debug)]
        #vis struct #name;

        #(#cfgs)*
        impl ::ravyn::__private::Handler for #name {
            fn spec(&self) -> ::ravyn::__private::RouteSpec {
                ::core::unreachable!()
            }
            fn call(
                &self,
                _: ::ravyn::__private::Request,
            ) -> ::ravyn::__private::BoxFuture<'static, ::ravyn::__private::Response> {
                #[allow(dead_code)]
                #inner
                ::core::unreachable!()
            }
        }
    }
}

/// A permission's name for the route's spec: its expression as written, without arguments
/// (`IsOwner { field: "id" }` → `IsOwner`, `perms::IsAdmin` → `perms::IsAdmin`).
fn permission_name(permission: &syn::Expr) -> String {
    let path = match permission {
        syn::Expr::Path(path) => Some(&path.path),
        syn::Expr::Struct(value) => Some(&value.path),
        syn::Expr::Call(call) => match &*call.func {
            syn::Expr::Path(path) => Some(&path.path),
            _ => None,
        },
        _ => None,
    };
    match path {
        Some(path) => path.segments.iter().map(|s| s.ident.to_string()).collect::<Vec<_>>().join("::"),
        None => permission.to_token_stream().to_string(),
    }
}

/// The type as written, with the spacing a reader expects (`Option<u32>`, not `Option < u32 >`).
fn type_name(ty: &Type) -> String {
    let raw = ty.to_token_stream().to_string();
    let mut out = String::with_capacity(raw.len());
    for part in raw.split(' ') {
        let glue = matches!(part, "<" | ">" | "::" | "," | ")" | "]" | ";")
            || out.ends_with(['<', '&', ':', '(', '['])
            || out.is_empty();
        if !glue {
            out.push(' ');
        }
        out.push_str(part);
    }
    out
}

/// Whether the type is `Option<..>` (by its last path segment): such an argument may be absent.
fn is_option(ty: &Type) -> bool {
    match ty {
        Type::Path(path) if path.qself.is_none() => {
            path.path.segments.last().is_some_and(|last| last.ident == "Option")
        }
        Type::Group(group) => is_option(&group.elem),
        Type::Paren(paren) => is_option(&paren.elem),
        _ => false,
    }
}

/// The function's doc comment, lines joined, trimmed; `None` when it has none.
fn doc_comment(attrs: &[Attribute]) -> Option<String> {
    let lines: Vec<String> = attrs
        .iter()
        .filter(|attr| attr.path().is_ident("doc"))
        .filter_map(|attr| match &attr.meta {
            syn::Meta::NameValue(nv) => match &nv.value {
                syn::Expr::Lit(syn::ExprLit { lit: syn::Lit::Str(text), .. }) => Some(text.value()),
                _ => None,
            },
            _ => None,
        })
        .map(|line| line.strip_prefix(' ').unwrap_or(&line).trim_end().to_owned())
        .collect();
    let text = lines.join("\n").trim().to_owned();
    (!text.is_empty()).then_some(text)
}

#[cfg(test)]
mod tests {
    use super::{is_option, type_name};
    use syn::{parse_quote, Type};

    #[test]
    fn type_names_read_as_written() {
        let cases: [(Type, &str); 5] = [
            (parse_quote!(Option<u32>), "Option<u32>"),
            (parse_quote!(Vec<String>), "Vec<String>"),
            (parse_quote!(std::collections::HashMap<String, Vec<u8>>), "std::collections::HashMap<String, Vec<u8>>"),
            (parse_quote!(u64), "u64"),
            (parse_quote!((u8, u8)), "(u8, u8)"),
        ];
        for (ty, want) in cases {
            assert_eq!(type_name(&ty), want);
        }
    }

    #[test]
    fn options_are_recognised() {
        assert!(is_option(&parse_quote!(Option<u8>)));
        assert!(is_option(&parse_quote!(std::option::Option<u8>)));
        assert!(!is_option(&parse_quote!(Vec<Option<u8>>)));
    }
}
