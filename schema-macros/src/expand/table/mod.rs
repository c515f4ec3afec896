//! `#[table]`: the struct as written (without its `#[column]` attributes), `impl Table` with the
//! `TableDef` constant, one typed column constant per field in the table's module, and the type
//! checks that pin mistakes to the user's tokens. One file per generated item.

mod checks;
mod columns;
mod def;

pub(crate) use checks::{override_check, respan};
pub(crate) use def::sql_type;
mod insert;
mod relations;
mod routines;
mod rows;
mod view;

pub use view::expand as expand_view;

use checks::type_checks;
use columns::column_module;
use def::table_def;
use insert::new_row;
use relations::relation_accessors;
use rows::{copy_row, from_record, from_row};

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;

use crate::attr::{self, OnUpdateAttr, TypeOverride};
use crate::check;
use crate::ctxt::Ctxt;
use crate::model::{Column, Table};

pub fn expand(args: TokenStream, input: TokenStream) -> TokenStream {
    let mut item: syn::ItemStruct = match syn::parse2(input) {
        Ok(item) => item,
        Err(error) => {
            return syn::Error::new(
                error.span(),
                format!("`#[table]` goes on a struct: {error}"),
            )
            .to_compile_error()
        }
    };
    let cx = Ctxt::new();
    let attrs = attr::parse_table_attrs(&cx, args);
    let output = {
        let table = Table::from_item(&cx, &attrs, &item);
        check::table(&cx, &table);
        let def = table_def(&table);
        let sound = !cx.has_errors();
        let module = column_module(&table, sound);
        // Type checks only when the attributes are sound: otherwise their errors would repeat
        // the ones above in other words.
        let checks = if cx.has_errors() {
            TokenStream::new()
        } else {
            type_checks(&table)
        };
        let ident = &item.ident;
        let p = private(&table.krate);
        let register = register_types(&table);
        let (key_type, key_filter) = key_items(&table);
        let column_list = column_list(&table);
        let on_update_values = on_update_values(&table);
        let from_row = from_row(&table);
        let soft_delete_impl = if table.soft_delete.is_some() {
            quote!(impl #p::SoftDelete for #ident {})
        } else {
            TokenStream::new()
        };
        let from_record = from_record(&table);
        let copy_row = copy_row(&table);
        let new_row = new_row(&table);
        let (accessors, relation_checks) = if sound {
            relation_accessors(&table)
        } else {
            (TokenStream::new(), TokenStream::new())
        };
        // Each relation's columns, named where a misspelled table gets rustc's "similar name".
        let relation_paths: Vec<&syn::Path> = if sound {
            table
                .relations
                .iter()
                .flat_map(|r| [&r.by, &r.through, &r.to, &r.target])
                .flatten()
                .collect()
        } else {
            Vec::new()
        };
        quote! {
            impl #p::Table for #ident {
                const DEF: #p::TableDef = #def;
                const COLUMN_LIST: &'static str = #column_list;
                type Key = #key_type;

                fn table() -> &'static #p::TableDef {
                    static DEF: #p::TableDef = <#ident as #p::Table>::DEF;
                    &DEF
                }

                fn register_types(schema: &mut #p::Schema) {
                    let _ = &schema;
                    #(#register)*
                }

                #on_update_values
            }

            impl #p::KeyFilter for #ident {
                fn key_filter(key: Self::Key) -> #p::Expr<Self, bool> {
                    #key_filter
                }
            }

            #soft_delete_impl

            #from_row

            #from_record

            #copy_row

            impl #ident {
                #accessors
            }

            #module

            #new_row

            const _: () = {
                #[allow(dead_code, clippy::all)]
                fn __schema_checks() {
                    #relation_checks
                }
            };

            // The column checks in a closure, not a function, and last: the paths the user
            // wrote (`references = usres::id`, `by = psots::author_id`) resolve there in the
            // module's scope, where rustc suggests close names (`users::id`); inside a nested
            // `fn` item or a qualified type it does not, and of the errors at one token rustc
            // shows the last.
            #[allow(clippy::all)]
            const _: () = {
                let _ = || {
                    #(let _: ::std::marker::PhantomData<#relation_paths> = ::std::marker::PhantomData;)*
                    #checks
                };
            };
        }
    };
    strip_column_attrs(&mut item);
    let errors = cx.into_compile_errors();
    quote! {
        #item
        #output
        #errors
    }
}

/// The body of `Table::register_types`: each column type's enums and extensions.
fn register_types(table: &Table<'_>) -> Vec<TokenStream> {
    let p = &private(&table.krate);
    table
        .columns
        .iter()
        .filter(|c| {
            !matches!(
                c.type_override().map(|o| &o.value),
                Some(TypeOverride::Sql(_))
            )
        })
        .map(|c| {
            let inner = c.inner;
            quote_spanned!(inner.span()=> <#inner as #p::ColumnValue>::register_types(schema);)
        })
        .collect()
}

/// `Table::COLUMN_LIST`: every column, quoted, in order.
fn column_list(table: &Table<'_>) -> String {
    table
        .columns
        .iter()
        .map(|c| format!("\"{}\"", c.sql_name.value.replace('"', "\"\"")))
        .collect::<Vec<_>>()
        .join(", ")
}

fn private(krate: &syn::Path) -> TokenStream {
    quote!(#krate::__private)
}

fn strip_column_attrs(item: &mut syn::ItemStruct) {
    for field in item.fields.iter_mut() {
        field.attrs.retain(|a| !a.path().is_ident("column"));
    }
}

/// The primary key's type and the filter on it.
fn key_items(table: &Table<'_>) -> (TokenStream, TokenStream) {
    let p = &private(&table.krate);
    let module = &table.module;
    let columns: Vec<&Column<'_>> = match &table.primary_key {
        Some(pk) => pk.columns.iter().map(|&i| &table.columns[i]).collect(),
        None => Vec::new(),
    };
    match columns.as_slice() {
        [] => (quote!(()), quote!(#p::Expr::raw::<bool>("FALSE", []))),
        [single] => {
            let ty = single.ty;
            let field = single.ident;
            (quote!(#ty), quote!(#module::#field.eq(key)))
        }
        many => {
            let types = many.iter().map(|c| c.ty);
            let conditions: Vec<TokenStream> = many
                .iter()
                .enumerate()
                .map(|(i, c)| {
                    let field = c.ident;
                    let i = syn::Index::from(i);
                    quote!(#module::#field.eq(key.#i))
                })
                .collect();
            let first = &conditions[0];
            let rest = &conditions[1..];
            (quote!((#(#types,)*)), quote!(#first #(.and(#rest))*))
        }
    }
}

/// `fn on_update_values()`: the `on_update = some_fn` columns and their values.
fn on_update_values(table: &Table<'_>) -> TokenStream {
    let p = &private(&table.krate);
    let values: Vec<TokenStream> = table
        .columns
        .iter()
        .filter_map(|c| match c.on_update().map(|o| &o.value) {
            Some(OnUpdateAttr::Function(path)) => {
                let name = &c.sql_name.value;
                Some(quote!((#name, #p::Arc::new(#path()) as #p::Param)))
            }
            _ => None,
        })
        .collect();
    if values.is_empty() {
        return TokenStream::new();
    }
    quote! {
        fn on_update_values() -> #p::Vec<(&'static str, #p::Param)> {
            ::std::vec![#(#values),*]
        }
    }
}
