//! Reading and writing rows: `FromRow` (by column), `FromRecord` (a loaded relation's record)
//! and `CopyRow` (`COPY … FROM STDIN BINARY`).

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;

use super::private;
use crate::model::{Column, Table};

/// `impl FromRecord`: the row read from a loaded relation's record, fields in column order.
pub(super) fn from_record(table: &Table<'_>) -> TokenStream {
    let p = &private(&table.krate);
    let ident = &table.item.ident;
    let width = table.columns.len();
    let fields = table.columns.iter().enumerate().map(|(i, c)| {
        let field = c.ident;
        let ty = c.ty;
        quote_spanned!(ty.span()=> #field: <#ty as #p::ColumnValue>::read_record(record, start + #i)?)
    });
    quote! {
        impl #p::FromRecord for #ident {
            const WIDTH: usize = #width;

            fn from_record(record: &#p::Record<'_>, start: usize) -> ::std::result::Result<Self, #p::Error> {
                ::std::result::Result::Ok(#ident { #(#fields,)* })
            }
        }
    }
}

/// `impl FromRow`: fields in column order, read by position.
pub(super) fn from_row(table: &Table<'_>) -> TokenStream {
    let p = &private(&table.krate);
    let ident = &table.item.ident;
    let width = table.columns.len();
    let fields = table.columns.iter().enumerate().map(|(i, c)| {
        let field = c.ident;
        let ty = c.ty;
        quote_spanned!(ty.span()=> #field: <#ty as #p::ColumnValue>::read(row, start + #i)?)
    });
    quote! {
        impl #p::FromRow for #ident {
            const WIDTH: usize = #width;

            fn from_row(row: &#p::Row, start: usize) -> ::std::result::Result<Self, #p::Error> {
                ::std::result::Result::Ok(#ident { #(#fields,)* })
            }
        }
    }
}

/// `impl CopyRow`: every column but those the database computes (`identity = always`,
/// `generated`), by reference.
pub(super) fn copy_row(table: &Table<'_>) -> TokenStream {
    let p = &private(&table.krate);
    let ident = &table.item.ident;
    let columns: Vec<&Column<'_>> = table.columns.iter().filter(|c| c.is_writable()).collect();
    let names = columns.iter().map(|c| c.sql_name.value.as_str());
    let values = columns.iter().map(|c| {
        let (field, ty) = (c.ident, c.ty);
        quote_spanned!(ty.span()=> <#ty as #p::ColumnValue>::as_sql(&self.#field))
    });
    quote! {
        impl #p::CopyRow for #ident {
            fn copy_columns() -> #p::Vec<&'static str> {
                ::std::vec![#(#names),*]
            }

            fn copy_values(&self) -> #p::Vec<&(dyn #p::postgres_types::ToSql + ::std::marker::Sync)> {
                ::std::vec![#(#values),*]
            }
        }
    }
}
