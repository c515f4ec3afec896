//! `#[derive(FromRow)]`: a user struct read from a row, field by field, in declaration order.

use proc_macro2::TokenStream;
use quote::quote;

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
    let reads = fields
        .iter()
        .enumerate()
        .map(|(i, _)| quote!(#p::get(row, start + #i)?));
    let body = match fields {
        syn::Fields::Named(named) => {
            let names = named.named.iter().map(|f| f.ident.as_ref());
            quote!(#ident { #(#names: #reads,)* })
        }
        syn::Fields::Unnamed(_) => quote!(#ident(#(#reads,)*)),
        syn::Fields::Unit => quote!(#ident),
    };
    quote! {
        impl #impl_generics #p::FromRow for #ident #ty_generics #where_clause {
            const WIDTH: usize = #width;

            fn from_row(row: &#p::Row, start: usize) -> ::std::result::Result<Self, #p::Error> {
                let _ = (&row, start);
                ::std::result::Result::Ok(#body)
            }
        }
    }
}
