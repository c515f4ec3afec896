//! Collects every error of one macro call, so all are reported in one build.

use std::cell::RefCell;
use std::fmt::Display;

use proc_macro2::TokenStream;
use quote::ToTokens;

#[derive(Default)]
pub struct Ctxt {
    errors: RefCell<Option<syn::Error>>,
}

impl Ctxt {
    pub fn new() -> Self {
        Ctxt::default()
    }

    /// An error under `tokens`' span.
    pub fn error_spanned_by<T: ToTokens, M: Display>(&self, tokens: T, message: M) {
        self.syn_error(syn::Error::new_spanned(tokens, message));
    }

    pub fn error_at<M: Display>(&self, span: proc_macro2::Span, message: M) {
        self.syn_error(syn::Error::new(span, message));
    }

    pub fn syn_error(&self, error: syn::Error) {
        let mut errors = self.errors.borrow_mut();
        match errors.as_mut() {
            Some(existing) => existing.combine(error),
            None => *errors = Some(error),
        }
    }

    pub fn has_errors(&self) -> bool {
        self.errors.borrow().is_some()
    }

    /// The `compile_error!`s of every collected error.
    pub fn into_compile_errors(self) -> TokenStream {
        match self.errors.into_inner() {
            Some(error) => error.to_compile_error(),
            None => TokenStream::new(),
        }
    }
}
