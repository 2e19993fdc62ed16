//! Compile errors in one voice: what is wrong, pointed at the offending tokens, then how to fix it.

use proc_macro2::Span;
use quote::ToTokens;
use std::fmt::Display;

/// An error at `span` that says what is wrong and, on its own line, how to fix it.
pub(crate) fn error(span: Span, message: impl Display, hint: impl Display) -> syn::Error {
    syn::Error::new(span, text(message, hint))
}

/// Like [`error`], underlining every token of `tokens` (a whole argument, a whole expression).
pub(crate) fn error_spanned(tokens: impl ToTokens, message: impl Display, hint: impl Display) -> syn::Error {
    syn::Error::new_spanned(tokens, text(message, hint))
}

/// Adds `next` to the errors collected so far, so one compilation reports every problem.
pub(crate) fn push(errors: &mut Option<syn::Error>, next: syn::Error) {
    match errors {
        Some(existing) => existing.combine(next),
        None => *errors = Some(next),
    }
}

fn text(message: impl Display, hint: impl Display) -> String {
    format!("{message}\n\n= help: {hint}")
}
