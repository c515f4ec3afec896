//! `#[derive(FromRow)]`: a user struct read from a row. Its fields' types are checked against the
//! selected columns' at compile time, in order (`ReadsInto`); at run time a named field reads
//! the selected column of its name (so two fields of one type cannot be swapped by mistake, and a
//! field nobody selected is an error naming it); a tuple struct's fields read the columns in order.

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::ext::IdentExt;
use syn::spanned::Spanned;

pub fn expand(input: TokenStream) -> TokenStream {
    let item: syn::DeriveInput = match syn::parse2(input) {
        Ok(item) => item,
        Err(error) => return error.to_compile_error(),
    };
    let ident = &item.ident;
    let fields = match &item.data {
        syn::Data::Struct(data) => &data.fields,
        _ => {
            return syn::Error::new_spanned(
                ident,
                "`#[derive(FromRow)]` goes on a struct: one field per selected column",
            )
            .to_compile_error()
        }
    };
    let (impl_generics, ty_generics, where_clause) = item.generics.split_for_impl();
    let p = quote!(::schema_core::__private);
    let width = fields.len();
    let struct_name = ident.to_string();
    let body = match fields {
        syn::Fields::Named(named) => {
            let reads = named.named.iter().enumerate().map(|(i, f)| {
                let field = f.ident.as_ref();
                let name = f
                    .ident
                    .as_ref()
                    .map(|i| i.unraw().to_string())
                    .unwrap_or_default();
                quote!(#field: #p::get_named(row, (start, #width), #i, #name, #struct_name)?)
            });
            quote!(#ident { #(#reads,)* })
        }
        syn::Fields::Unnamed(_) => {
            let reads = (0..width).map(|i| quote!(#p::get(row, start + #i)?));
            quote!(#ident(#(#reads,)*))
        }
        syn::Fields::Unit => quote!(#ident),
    };
    let reads_into = reads_into(&item, fields);
    quote! {
        #reads_into

        impl #impl_generics #p::FromRow for #ident #ty_generics #where_clause {
            const WIDTH: usize = #width;

            fn from_row(row: &#p::Row, start: usize) -> ::std::result::Result<Self, #p::Error> {
                let _ = (&row, start);
                ::std::result::Result::Ok(#body)
            }
        }
    }
}

/// `ReadsInto<Self> for (C0, C1, …)`: the selected columns' types, each readable into its field
/// (by position), so that `.decode_as::<Self>()` checks the fields at compile time. A one-field
/// struct is a `OneField`, which reads a one-column selection (whose output is the column's type).
pub(crate) fn reads_into(item: &syn::DeriveInput, fields: &syn::Fields) -> TokenStream {
    let p = quote!(::schema_core::__private);
    let ident = &item.ident;
    let (impl_generics, ty_generics, where_clause) = item.generics.split_for_impl();
    if fields.len() == 1 {
        let ty = &fields.iter().next().unwrap().ty;
        return quote! {
            impl #impl_generics #p::OneField for #ident #ty_generics #where_clause {
                type Field = #ty;
            }
        };
    }
    let columns: Vec<_> = (0..fields.len())
        .map(|i| format_ident!("__Column{}", i))
        .collect();
    if columns.is_empty() {
        return TokenStream::new();
    }
    let mut generics = item.generics.clone();
    for column in &columns {
        generics.params.push(syn::parse_quote!(#column));
    }
    let where_clause = generics.make_where_clause();
    for (field, column) in fields.iter().zip(&columns) {
        let ty = &field.ty;
        where_clause
            .predicates
            .push(syn::parse2(quote_spanned!(ty.span()=> #column: #p::ReadsAs<#ty>)).unwrap());
    }
    let (impl_generics, _, where_clause) = generics.split_for_impl();
    quote! {
        #[diagnostic::do_not_recommend]
        impl #impl_generics #p::ReadsInto<#ident #ty_generics> for (#(#columns,)*) #where_clause {}
    }
}
