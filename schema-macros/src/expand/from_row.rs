//! `#[derive(FromRow)]`: a user struct read from a row. A named field reads the selected column
//! of its name (so the order of the selection does not matter, and a field nobody selected is an
//! error naming it); a tuple struct's fields read the columns in order.

use proc_macro2::TokenStream;
use quote::quote;
use syn::ext::IdentExt;

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
