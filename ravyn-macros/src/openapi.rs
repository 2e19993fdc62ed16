//! The route attribute's OpenAPI keys (`summary`, `description`, `tags`, `deprecated`,
//! `include_in_schema`, `operation_id`, `response_description`, `responses(...)`, `security`)
//! and, with the `openapi` feature, the operation they and the signature describe.
//!
//! The keys are accepted with the feature on or off, so turning it off never breaks a build; off,
//! nothing is emitted for them.

use crate::diagnostic::error_spanned;
use syn::parse::ParseStream;
use syn::{Expr, ExprLit, Ident, Lit, LitBool, LitInt, LitStr, Token, Type};

/// The OpenAPI keys of one route attribute.
#[derive(Default)]
pub(crate) struct OpenApiAttr {
    pub(crate) summary: Option<LitStr>,
    pub(crate) description: Option<LitStr>,
    pub(crate) tags: Option<Vec<LitStr>>,
    pub(crate) deprecated: Option<bool>,
    pub(crate) include_in_schema: Option<bool>,
    pub(crate) operation_id: Option<LitStr>,
    pub(crate) response_description: Option<LitStr>,
    pub(crate) responses: Option<Vec<ExtraResponse>>,
    pub(crate) security: Option<Vec<LitStr>>,
}

/// One `STATUS = Type`, `STATUS = (Type, "description")` or `STATUS = "description"`.
#[cfg_attr(not(feature = "openapi"), allow(dead_code))]
pub(crate) struct ExtraResponse {
    pub(crate) status: u16,
    pub(crate) ty: Option<Type>,
    pub(crate) description: Option<LitStr>,
}

/// The keys this module parses.
pub(crate) const KEYS: [&str; 9] = [
    "summary",
    "description",
    "tags",
    "deprecated",
    "include_in_schema",
    "operation_id",
    "response_description",
    "responses",
    "security",
];

pub(crate) fn is_key(key: &Ident) -> bool {
    KEYS.iter().any(|k| key == k)
}

fn duplicate(key: &Ident) -> syn::Error {
    error_spanned(key, format_args!("`{key}` is given twice"), format_args!("keep one `{key} = ...`"))
}

fn set<T>(slot: &mut Option<T>, key: &Ident, value: T) -> syn::Result<()> {
    if slot.is_some() {
        return Err(duplicate(key));
    }
    *slot = Some(value);
    Ok(())
}

/// Parses the value of `key` (already consumed): `= ...`, or `(...)` for `responses`, or nothing
/// for a bare `deprecated`.
pub(crate) fn parse_value(key: &Ident, input: ParseStream<'_>, attr: &mut OpenApiAttr) -> syn::Result<()> {
    if key == "responses" {
        let content;
        syn::parenthesized!(content in input);
        return set(&mut attr.responses, key, parse_responses(&content)?);
    }
    if key == "deprecated" && (input.is_empty() || input.peek(Token![,])) {
        return set(&mut attr.deprecated, key, true);
    }
    input.parse::<Token![=]>()?;
    match key.to_string().as_str() {
        "summary" => set(&mut attr.summary, key, string(input, key)?),
        "description" => set(&mut attr.description, key, string(input, key)?),
        "operation_id" => set(&mut attr.operation_id, key, string(input, key)?),
        "response_description" => set(&mut attr.response_description, key, string(input, key)?),
        "tags" => set(&mut attr.tags, key, strings(input, key)?),
        "security" => set(&mut attr.security, key, strings(input, key)?),
        "deprecated" => set(&mut attr.deprecated, key, boolean(input, key)?),
        _ => set(&mut attr.include_in_schema, key, boolean(input, key)?),
    }
}

fn string(input: ParseStream<'_>, key: &Ident) -> syn::Result<LitStr> {
    let value: Expr = input.parse()?;
    match value {
        Expr::Lit(ExprLit { lit: Lit::Str(text), .. }) => Ok(text),
        other => Err(error_spanned(
            other,
            format_args!("`{key}` must be a string literal"),
            format_args!("write {key} = \"...\""),
        )),
    }
}

fn strings(input: ParseStream<'_>, key: &Ident) -> syn::Result<Vec<LitStr>> {
    let hint = format!("list them as strings: {key} = [\"first\", \"second\"]");
    let value: Expr = input.parse()?;
    let Expr::Array(array) = &value else {
        return Err(error_spanned(&value, format_args!("`{key}` must be a list of string literals"), hint));
    };
    array
        .elems
        .iter()
        .map(|element| match element {
            Expr::Lit(ExprLit { lit: Lit::Str(text), .. }) => Ok(text.clone()),
            other => Err(error_spanned(other, format_args!("each of `{key}` must be a string literal"), &hint)),
        })
        .collect()
}

fn boolean(input: ParseStream<'_>, key: &Ident) -> syn::Result<bool> {
    let value: Expr = input.parse()?;
    match value {
        Expr::Lit(ExprLit { lit: Lit::Bool(LitBool { value, .. }), .. }) => Ok(value),
        other => Err(error_spanned(
            other,
            format_args!("`{key}` must be `true` or `false`"),
            format_args!("write {key} = false"),
        )),
    }
}

fn parse_responses(input: ParseStream<'_>) -> syn::Result<Vec<ExtraResponse>> {
    let hint = "write responses(404 = HTTPException, 409 = (Conflict, \"already exists\"), 304 = \"not modified\")";
    let mut out: Vec<ExtraResponse> = Vec::new();
    while !input.is_empty() {
        let status: LitInt = input.parse().map_err(|e| {
            error_spanned(e.to_compile_error(), "each entry of `responses(...)` starts with a status code", hint)
        })?;
        let code = status.base10_parse::<u16>().ok().filter(|s| (100..=999).contains(s)).ok_or_else(|| {
            error_spanned(
                &status,
                format_args!("`{}` is not an HTTP status: it must be within 100..=999", status),
                hint,
            )
        })?;
        if out.iter().any(|r| r.status == code) {
            return Err(error_spanned(&status, format_args!("status {code} is listed twice"), "list it once"));
        }
        input.parse::<Token![=]>()?;
        let (ty, description) = if input.peek(LitStr) {
            (None, Some(input.parse::<LitStr>()?))
        } else if input.peek(syn::token::Paren) {
            let content;
            syn::parenthesized!(content in input);
            if content.is_empty() {
                (None, None)
            } else {
                let ty: Type = content.parse()?;
                let description = if content.is_empty() {
                    None
                } else {
                    content.parse::<Token![,]>()?;
                    Some(content.parse::<LitStr>()?)
                };
                (Some(ty), description)
            }
        } else {
            (Some(input.parse::<Type>()?), None)
        };
        out.push(ExtraResponse { status: code, ty, description });
        if !input.is_empty() {
            input.parse::<Token![,]>()?;
        }
    }
    Ok(out)
}

#[cfg(feature = "openapi")]
pub(crate) use emit::operation;

#[cfg(feature = "openapi")]
mod emit {
    use super::OpenApiAttr;
    use crate::args::{HandlerArg, Source};
    use proc_macro2::TokenStream;
    use quote::{quote, quote_spanned};
    use syn::spanned::Spanned;
    use syn::{GenericArgument, ItemFn, LitStr, PathArguments, ReturnType, Type};

    fn opt_str(value: Option<&LitStr>) -> TokenStream {
        match value {
            Some(text) => quote!(::core::option::Option::Some(#text)),
            None => quote!(::core::option::Option::None),
        }
    }

    /// `.with_openapi(..)` for the route's `RouteSpec`: the attribute's keys, a schema for each
    /// argument the binder reads (spanned at its type, so a type without `JsonSchema` is an error
    /// there), and the return type's description.
    pub(crate) fn operation(
        attr: &OpenApiAttr,
        function: &ItemFn,
        args: &[HandlerArg],
        has_rust_deprecated: bool,
    ) -> TokenStream {
        let private = quote!(::ravyn::__private::openapi);
        let summary = opt_str(attr.summary.as_ref());
        let description = opt_str(attr.description.as_ref());
        let operation_id = opt_str(attr.operation_id.as_ref());
        let response_description = opt_str(attr.response_description.as_ref());
        let tags = attr.tags.iter().flatten();
        let security = attr.security.iter().flatten();
        let deprecated = attr.deprecated.unwrap_or(false) || has_rust_deprecated;
        let include_in_schema = attr.include_in_schema.unwrap_or(true);

        let arg_schemas = args.iter().map(|arg| {
            let ty = &arg.ty;
            let inner = option_inner(ty).unwrap_or(ty);
            match &arg.source {
                Source::Request => quote!(::core::option::Option::None),
                Source::Path(_) | Source::Body => {
                    quote_spanned!(inner.span()=> #private::required_schema::<#inner>())
                }
                Source::Query(_) | Source::QueryOrBody(_) => quote_spanned!(ty.span()=>
                    (&&::ravyn::__private::probe::Probe::<#ty>::new()).kind().param_schema::<#inner>()
                ),
            }
        });

        // Typed arguments (extractors) say whether they need an authenticated caller; a value
        // bound by name never does (the same probe as the binding's, so it cannot disagree).
        let authenticated = args.iter().filter_map(|arg| match &arg.source {
            Source::Query(_) | Source::QueryOrBody(_) => {
                let ty = &arg.ty;
                Some(quote!((&&::ravyn::__private::probe::Probe::<#ty>::new()).kind().authenticated()))
            }
            _ => None,
        });

        let (response, json_checks) = match &function.sig.output {
            ReturnType::Default => {
                (quote!(response: (&&#private::ReturnProbe::<()>::new()).response_fn(),), Vec::new())
            }
            // `impl IntoResponse` cannot be named: listed without content, as a `Response` is.
            ReturnType::Type(_, ty) if crate::expand::contains_impl(ty) => (
                quote!(response: (&&#private::ReturnProbe::<::ravyn::__private::Response>::new()).response_fn(),),
                Vec::new(),
            ),
            ReturnType::Type(_, ty) => {
                let mut checks = Vec::new();
                json_bodies(ty, &mut checks);
                let checks = checks
                    .into_iter()
                    .map(|body| quote_spanned!(body.span()=> let _: #private::SchemaFn = #private::schema_of::<#body>;))
                    .collect();
                (quote!(response: (&&#private::ReturnProbe::<#ty>::new()).response_fn(),), checks)
            }
        };

        let responses = attr.responses.iter().flatten().map(|extra| {
            let status = extra.status;
            let schema = match &extra.ty {
                Some(ty) if !is_unit(ty) => {
                    quote_spanned!(ty.span()=> ::core::option::Option::Some(#private::schema_of::<#ty> as #private::SchemaFn))
                }
                _ => quote!(::core::option::Option::None),
            };
            let description = opt_str(extra.description.as_ref());
            quote!(#private::ExtraResponse { status: #status, schema: #schema, description: #description })
        });
        let responses: Vec<TokenStream> = responses.collect();
        let count = responses.len();

        quote! {
            .with_openapi({
                #[allow(unused_imports)]
                use #private::{ViaDescribe as _, ViaUnknown as _};
                static RESPONSES: [#private::ExtraResponse; #count] = [#(#responses),*];
                static OPERATION: ::std::sync::OnceLock<#private::OperationSpec> = ::std::sync::OnceLock::new();
                OPERATION.get_or_init(|| {
                    #(#json_checks)*
                    #private::OperationSpec {
                        summary: #summary,
                        description: #description,
                        tags: &[#(#tags),*],
                        deprecated: #deprecated,
                        include_in_schema: #include_in_schema,
                        operation_id: #operation_id,
                        response_description: #response_description,
                        security: &[#(#security),*],
                        authenticated: false #(|| #authenticated)*,
                        args: ::std::vec![#(#arg_schemas),*],
                        #response
                        responses: &RESPONSES,
                    }
                })
            })
        }
    }

    fn is_unit(ty: &Type) -> bool {
        matches!(ty, Type::Tuple(tuple) if tuple.elems.is_empty())
    }

    /// `T` of `Option<T>` (by the last path segment).
    fn option_inner(ty: &Type) -> Option<&Type> {
        single_generic(ty, "Option")
    }

    fn single_generic<'t>(ty: &'t Type, name: &str) -> Option<&'t Type> {
        let Type::Path(path) = ty else { return None };
        let last = path.path.segments.last()?;
        if last.ident != name {
            return None;
        }
        let PathArguments::AngleBracketed(args) = &last.arguments else { return None };
        match args.args.first() {
            Some(GenericArgument::Type(inner)) if args.args.len() == 1 => Some(inner),
            _ => None,
        }
    }

    /// Every `T` of a `Json<T>` inside the return type: they must have a schema (checked with a
    /// span at `T`, as arguments are).
    fn json_bodies<'t>(ty: &'t Type, out: &mut Vec<&'t Type>) {
        if let Some(inner) = single_generic(ty, "Json") {
            out.push(inner);
            return;
        }
        match ty {
            Type::Path(path) => {
                for segment in &path.path.segments {
                    if let PathArguments::AngleBracketed(args) = &segment.arguments {
                        for arg in &args.args {
                            if let GenericArgument::Type(inner) = arg {
                                json_bodies(inner, out);
                            }
                        }
                    }
                }
            }
            Type::Tuple(tuple) => tuple.elems.iter().for_each(|t| json_bodies(t, out)),
            Type::Paren(paren) => json_bodies(&paren.elem, out),
            Type::Group(group) => json_bodies(&group.elem, out),
            _ => {}
        }
    }
}
