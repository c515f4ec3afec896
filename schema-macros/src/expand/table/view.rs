//! `#[view]`: a struct read from a view or materialized view. It shares the table's pieces
//! (the `TableDef` its selects read, the column module, row decoding) and has none of its
//! writes: no `New…` row, no key filter, no `TableQueries`; `ViewQueries` gives `select()` and,
//! for a materialized view, `refresh`. An `inline` view is in no schema: `InlineView` gives the
//! query its rows come from where it is used (a derived table, a CTE).

use proc_macro2::TokenStream;
use quote::quote;

use super::{
    column_list, column_module, from_record, from_row, private, register_types, table_def,
    type_checks,
};
use crate::attr;
use crate::ctxt::Ctxt;
use crate::model::Table;

pub fn expand(args: TokenStream, input: TokenStream) -> TokenStream {
    let mut item: syn::ItemStruct = match syn::parse2(input) {
        Ok(item) => item,
        Err(error) => {
            return syn::Error::new(error.span(), format!("`#[view]` goes on a struct: {error}"))
                .to_compile_error()
        }
    };
    let cx = Ctxt::new();
    let view = attr::parse_view_attrs(&cx, args);
    let output = {
        let table = Table::from_item(&cx, &view.table, &item);
        crate::check::view(&cx, &table, &view);
        let def = table_def(&table);
        let module = column_module(&table, false);
        let checks = if cx.has_errors() {
            TokenStream::new()
        } else {
            type_checks(&table)
        };
        let ident = &item.ident;
        let p = private(&table.krate);
        let register = register_types(&table);
        let column_list = column_list(&table);
        let sql = match (&view.sql, &view.query) {
            (_, Some(query)) => quote!(#p::Cow::Owned(#p::view_query_sql(&#query()))),
            (Some(sql), None) => {
                let sql = &sql.value;
                quote!(#p::Cow::Borrowed(#sql))
            }
            (None, None) => quote!(#p::Cow::Borrowed("")),
        };
        let materialized = view.materialized.is_some();
        let materialized_impl = if materialized {
            quote!(impl #p::Materialized for #ident {})
        } else {
            TokenStream::new()
        };
        let (view_impl, inline_impl) = match view.inline {
            None => (
                quote! {
                    impl #p::View for #ident {
                        fn view() -> #p::ViewDef {
                            #p::ViewDef {
                                sql: #sql,
                                materialized: #materialized,
                                relation: <#ident as #p::Table>::DEF,
                            }
                        }
                    }
                },
                TokenStream::new(),
            ),
            Some(_) => {
                let reads_into = crate::expand::from_row::reads_into(
                    &syn::DeriveInput::from(item.clone()),
                    &item.fields,
                );
                (
                    TokenStream::new(),
                    quote! {
                        impl #p::InlineView for #ident {}
                        #reads_into
                    },
                )
            }
        };
        let from_row = from_row(&table);
        let from_record = from_record(&table);
        quote! {
            impl #p::Table for #ident {
                const DEF: #p::TableDef = #def;
                const COLUMN_LIST: &'static str = #column_list;
                const IS_VIEW: bool = true;
                type Key = ();

                fn table() -> &'static #p::TableDef {
                    static DEF: #p::TableDef = <#ident as #p::Table>::DEF;
                    &DEF
                }

                fn register_types(schema: &mut #p::Schema) {
                    let _ = &schema;
                    #(#register)*
                }
            }

            #view_impl

            #inline_impl

            #materialized_impl

        /// A view is read, never written: these exist only to say so at compile time.
        #[doc(hidden)]
        #[allow(dead_code)]
        impl #ident {
            pub fn insert<'a, R>(_: R) where &'a (): #p::ViewIsReadOnly<#ident> {}
            pub fn update<'a>() where &'a (): #p::ViewIsReadOnly<#ident> {}
            pub fn delete<'a>() where &'a (): #p::ViewIsReadOnly<#ident> {}
        }

            #from_row

            #from_record

            #module

            const _: () = {
                #[allow(dead_code, clippy::all)]
                fn __schema_checks() {
                    #checks
                }
            };
        }
    };
    super::strip_column_attrs(&mut item);
    let errors = cx.into_compile_errors();
    quote! {
        #item
        #output
        #errors
    }
}
