//! Tokens out of the checked model. Nothing here decides SQL: the model is emitted as
//! `schema_core` constants, and schema-core renders it.

pub mod domain;
pub mod from_row;
pub mod pg_enum;
pub mod table;

use proc_macro2::TokenStream;
use quote::quote;

/// `Option<&str>` as tokens of the model's `Option<Str>`.
pub fn opt_str(p: &TokenStream, value: Option<&str>) -> TokenStream {
    match value {
        Some(s) => quote!(#p::Some(#p::Cow::Borrowed(#s))),
        None => quote!(#p::None),
    }
}

pub fn str(p: &TokenStream, value: &str) -> TokenStream {
    quote!(#p::Cow::Borrowed(#value))
}

pub fn str_list<'a>(p: &TokenStream, values: impl IntoIterator<Item = &'a str>) -> TokenStream {
    let values = values.into_iter();
    quote!(#p::Cow::Borrowed(&[#(#p::Cow::Borrowed(#values)),*]))
}
