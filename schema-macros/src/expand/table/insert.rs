//! The insert row (`NewUser`): a typestate builder whose required columns must be set before
//! it is `Insertable`.

use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;

use super::checks::respan;
use super::private;
use crate::model::{Column, Table};

/// Whether an insert must give the column a value: NOT NULL, no default (in the database or
/// from a `default_fn`), no identity.
pub(super) fn is_required(column: &Column<'_>) -> bool {
    !column.nullable
        && column.default().is_none()
        && column.attrs.identity.is_none()
        && column.attrs.default_fn.is_none()
        && column.attrs.generated.is_none()
}

/// `NewUser`: the insert row, with one typestate parameter per required column, so that an
/// insert that leaves one out does not compile.
pub(super) fn new_row(table: &Table<'_>) -> TokenStream {
    let p = &private(&table.krate);
    let ident = &table.item.ident;
    let vis = &table.item.vis;
    let new_ident = syn::Ident::new(&format!("New{ident}"), ident.span());
    let checks_module = syn::Ident::new(&format!("__new_{}", table.module), Span::call_site());
    let table_name = &table.sql_name.value;
    let required: Vec<usize> = (0..table.columns.len())
        .filter(|&i| is_required(&table.columns[i]))
        .collect();
    let params: Vec<syn::Ident> = (0..required.len())
        .map(|k| syn::Ident::new(&format!("R{k}"), Span::call_site()))
        .collect();
    let field_name = |c: &Column<'_>| c.ident.to_string().trim_start_matches("r#").to_string();
    let markers: Vec<syn::Ident> = required
        .iter()
        .map(|&i| {
            syn::Ident::new(
                &format!("{}_is_set", field_name(&table.columns[i])),
                Span::call_site(),
            )
        })
        .collect();

    // The columns an insert can set (an `identity = always` column takes no value), each kept
    // typed in the row until the statement is built.
    let settable: Vec<(usize, &Column<'_>)> = table
        .columns
        .iter()
        .enumerate()
        .filter(|(_, c)| c.is_writable())
        .collect();
    let values_ident = syn::Ident::new(&format!("__{new_ident}Values"), Span::call_site());
    let mut setters = Vec::new();
    for &(index, column) in &settable {
        let field = column.ident;
        let ty = column.ty;
        let doc = format!("Sets column `{}`.", column.sql_name.value);
        match required.iter().position(|&i| i == index) {
            Some(k) => {
                let out: Vec<TokenStream> = params
                    .iter()
                    .enumerate()
                    .map(|(j, param)| if j == k { quote!(#p::Provided) } else { quote!(#param) })
                    .collect();
                setters.push(quote! {
                    #[doc = #doc]
                    pub fn #field(self, value: impl ::std::convert::Into<#ty>) -> #new_ident<#(#out),*> {
                        let mut values = self.values;
                        values.#field = ::std::option::Option::Some(::std::convert::Into::<#ty>::into(value));
                        #new_ident { values, _state: #p::PhantomData }
                    }
                });
            }
            None => setters.push(quote! {
                #[doc = #doc]
                pub fn #field(mut self, value: impl ::std::convert::Into<#ty>) -> Self {
                    self.values.#field = ::std::option::Option::Some(::std::convert::Into::<#ty>::into(value));
                    self
                }
            }),
        }
    }
    let value_fields: Vec<TokenStream> = settable
        .iter()
        .map(|(_, c)| {
            let (field, ty) = (c.ident, c.ty);
            quote!(#field: ::std::option::Option<#ty>)
        })
        .collect();
    let fields: Vec<&syn::Ident> = settable.iter().map(|(_, c)| c.ident).collect();
    let indexes: Vec<usize> = settable.iter().map(|(i, _)| *i).collect();
    let types: Vec<&syn::Type> = settable.iter().map(|(_, c)| c.ty).collect();
    let width = settable.len();
    let slots: Vec<usize> = (0..width).collect();
    let array_params: Vec<TokenStream> = settable
        .iter()
        .map(|(_, c)| {
            let ty = c.ty;
            let array = syn::Ident::new(&format!("__{}", field_name(c)), Span::call_site());
            quote_spanned!(ty.span()=> <#ty as #p::ColumnValue>::array_param(#array))
        })
        .collect();
    // The column arrays of `into_column_arrays`, named apart from its other locals.
    let arrays: Vec<syn::Ident> = settable
        .iter()
        .map(|(_, c)| syn::Ident::new(&format!("__{}", field_name(c)), Span::call_site()))
        .collect();

    // `default_fn` columns: the function's value, for each row that does not set one. (This is
    // also the check of the function's type, reported at its path; with a `default` or
    // `identity` beside it the attribute is already an error.)
    let fills: Vec<TokenStream> = settable
        .iter()
        .filter(|(_, c)| c.attrs.default.is_none() && c.attrs.identity.is_none())
        .filter_map(|(_, c)| {
            let path = &c.attrs.default_fn.as_ref()?.value;
            let (field, ty) = (c.ident, c.ty);
            let call = respan(
                quote!(#p::DefaultFnValue::<#ty>::into_column(#path())),
                path.span(),
            );
            Some(quote! {
                if self.#field.is_none() {
                    self.#field = ::std::option::Option::Some(#call);
                }
            })
        })
        .collect();

    let traits = required.iter().zip(&markers).map(|(&i, marker)| {
        let column = &table.columns[i];
        let name = &column.sql_name.value;
        let field = field_name(column);
        let message = format!("the new `{table_name}` row leaves out `{field}`, which is required");
        let label = format!("`{field}` is not set");
        let note =
            format!("set it with `.{field}(…)`: column \"{name}\" is NOT NULL and has no default");
        quote! {
            #[diagnostic::on_unimplemented(message = #message, label = #label, note = #note)]
            pub trait #marker {}
            #[diagnostic::do_not_recommend]
            impl #marker for #p::Provided {}
        }
    });
    // `User::insert(row)` checks the required columns in its own bounds (spanned at the struct's
    // name), so that a missing one is reported in a few lines: through `TableQueries::insert`,
    // rustc would also quote the `Insertable` impl and the trait's bound.
    let spanned: Vec<syn::Ident> = params
        .iter()
        .map(|param| syn::Ident::new(&param.to_string(), ident.span()))
        .collect();
    let bounds: Vec<TokenStream> = spanned
        .iter()
        .zip(&markers)
        .map(|(param, marker)| {
            let marker = syn::Ident::new(&marker.to_string(), ident.span());
            let module = syn::Ident::new(&checks_module.to_string(), ident.span());
            quote_spanned!(ident.span()=> #param: #module::#marker)
        })
        .collect();
    let bounds2 = &bounds;
    let inherent_insert = quote_spanned! {ident.span()=>
        #[allow(dead_code)]
        impl #ident {
            /// `INSERT` one row: [`TableQueries::insert`](#p::TableQueries::insert), with a
            /// compile error naming each required column the row leaves out.
            pub fn insert<#(#bounds),*>(row: #new_ident<#(#spanned),*>) -> #p::Insert<#ident> {
                <#ident as #p::TableQueries>::insert(row)
            }

            /// `INSERT` many rows in one statement:
            /// [`TableQueries::insert_many`](#p::TableQueries::insert_many), with the same check.
            pub fn insert_many<#(#bounds2),*>(
                rows: impl ::std::iter::IntoIterator<Item = #new_ident<#(#spanned),*>>,
            ) -> #p::Insert<#ident> {
                <#ident as #p::TableQueries>::insert_many(rows)
            }
        }
    };
    let doc = format!(
        "A new row of table `{table_name}`, for [`{ident}`]'s inserts: `{new_ident}::new()`, then one setter per \
         column. The required columns (NOT NULL, no default) must be set before the row can be inserted; the \
         others take their default."
    );
    quote! {
        #[doc = #doc]
        #vis struct #new_ident<#(#params = #p::Missing),*> {
            values: #values_ident,
            _state: #p::PhantomData<fn() -> (#(#params,)*)>,
        }

        /// The values a new row has set, typed.
        #[doc(hidden)]
        #[allow(non_camel_case_types)]
        #vis struct #values_ident {
            #(#value_fields,)*
        }

        impl #values_ident {
            /// Which columns are set, in the order of the fields.
            fn set(&self) -> [bool; #width] {
                [#(self.#fields.is_some()),*]
            }

            /// Calls the `default_fn` of each column the row leaves out.
            fn fill_defaults(&mut self) {
                #(#fills)*
            }
        }

        impl #new_ident {
            /// A row with no column set yet.
            pub fn new() -> Self {
                #new_ident {
                    values: #values_ident { #(#fields: ::std::option::Option::None),* },
                    _state: #p::PhantomData,
                }
            }
        }

        impl<#(#params),*> #new_ident<#(#params),*> {
            #(#setters)*
        }

        impl<#(#params),*> ::std::fmt::Debug for #new_ident<#(#params),*> {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                let set = self.values.set().iter().filter(|s| **s).count();
                f.debug_struct(::std::stringify!(#new_ident)).field("columns_set", &set).finish()
            }
        }

        #inherent_insert

        impl<#(#params: #checks_module::#markers),*> #p::Insertable<#ident> for #new_ident<#(#params),*> {
            fn into_values(mut self) -> #p::Vec<(usize, #p::Param)> {
                self.values.fill_defaults();
                let mut out = #p::Vec::with_capacity(#width);
                #(
                    if let ::std::option::Option::Some(value) = self.values.#fields {
                        out.push((#indexes, <#types as #p::ColumnValue>::into_param(value)));
                    }
                )*
                out
            }

            fn into_column_arrays(mut rows: #p::Vec<Self>) -> ::std::result::Result<#p::Vec<(usize, #p::Param)>, #p::Vec<Self>> {
                for row in &mut rows {
                    row.values.fill_defaults();
                }
                let set = match rows.first() {
                    ::std::option::Option::Some(first) => first.values.set(),
                    ::std::option::Option::None => return ::std::result::Result::Err(rows),
                };
                let columns = &<#ident as #p::Table>::table().columns;
                // Rows that set no column go as `VALUES (DEFAULT), …`: there is no array to send.
                let unfit = !set.iter().any(|s| *s)
                    || rows.iter().any(|row| row.values.set() != set)
                    || <[usize]>::iter(&[#(#indexes),*]).zip(set).any(|(&index, set)| set && columns[index].array_dims > 0);
                if unfit {
                    return ::std::result::Result::Err(rows);
                }
                let count = rows.len();
                #(
                    let mut #arrays: #p::Vec<#types> = #p::Vec::with_capacity(if set[#slots] { count } else { 0 });
                )*
                for row in rows {
                    #(
                        if let ::std::option::Option::Some(value) = row.values.#fields {
                            #arrays.push(value);
                        }
                    )*
                }
                let mut out: #p::Vec<(usize, #p::Param)> = #p::Vec::new();
                #(
                    if set[#slots] {
                        out.push((#indexes, #array_params));
                    }
                )*
                ::std::result::Result::Ok(out)
            }
        }

        /// Which required columns a new row has set (compile-time checks of inserts).
        #[doc(hidden)]
        #[allow(non_camel_case_types)]
        #vis mod #checks_module {
            #(#traits)*
        }
    }
}
