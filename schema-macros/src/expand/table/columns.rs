//! The table's module: a typed column constant per field, its marker type, and the unique keys
//! `ON CONFLICT` may name.

use proc_macro2::TokenStream;
use quote::quote;

use super::private;
use super::relations::relation_consts;
use crate::model::{Column, Table};

/// `pub mod users { pub const email: Column<User, String> = …; }`
pub(super) fn column_module(table: &Table<'_>, with_relations: bool) -> TokenStream {
    let p = &private(&table.krate);
    let ident = &table.item.ident;
    let vis = &table.item.vis;
    let module = &table.module;
    let schema = match &table.schema {
        Some(s) => {
            let s = &s.value;
            quote!(#p::Some(#s))
        }
        None => quote!(#p::None),
    };
    let table_name = &table.sql_name.value;
    let consts = table.columns.iter().enumerate().map(|(index, c)| {
        let field = c.ident;
        let ty = c.ty;
        let marker = marker(p, c);
        let name = &c.sql_name.value;
        let doc = format!("Column `{name}` of table `{table_name}` (field `{ident}::{field}`).");
        quote! {
            #[doc = #doc]
            pub const #field: #p::Column<super::#ident, #ty, #marker> = #p::Column::new(#schema, #table_name, #name, #index);
            #[doc(hidden)]
            pub type #field = #p::Column<super::#ident, #ty, #marker>;
        }
    });
    let markers = table.columns.iter().enumerate().map(|(index, c)| {
        let field = c.ident;
        let name = &c.sql_name.value;
        quote! {
            pub enum #field {}
            impl #p::ColumnMarker for #field {
                const SCHEMA: ::std::option::Option<&'static str> = #schema;
                const TABLE: &'static str = #table_name;
                const NAME: &'static str = #name;
                const INDEX: usize = #index;
            }
        }
    });
    let writable = table.columns.iter().filter(|c| c.is_writable()).map(|c| {
        let field = c.ident;
        quote!(#[diagnostic::do_not_recommend] impl #p::Writable for __columns::#field {})
    });
    let (whole, partial) = unique_keys(table);
    let kinds = whole
        .into_iter()
        .map(|key| (key, quote!(#p::WholeKey)))
        .chain(partial.into_iter().map(|key| (key, quote!(#p::PartialKey))));
    let unique_keys = kinds.map(|(key, kind)| {
        let markers = key.iter().map(|&i| marker(p, &table.columns[i]));
        if key.len() == 1 {
            quote!(impl #p::UniqueKey<super::#ident, #kind> for #(#markers)* {})
        } else {
            quote!(impl #p::UniqueKey<super::#ident, #kind> for (#(#markers,)*) {})
        }
    });
    let relations = if with_relations {
        relation_consts(table)
    } else {
        TokenStream::new()
    };
    let doc = format!(
        "The columns and relations of table `{table_name}` (struct [`{ident}`]), for queries."
    );
    quote! {
        #[doc = #doc]
        #[allow(non_upper_case_globals, non_camel_case_types, dead_code)]
        #vis mod #module {
            #[allow(unused_imports)]
            use super::*;
            #(#consts)*
            #relations
            /// One type per column, telling the columns apart in the types (`ON CONFLICT`
            /// names only a unique key).
            #[doc(hidden)]
            pub mod __columns {
                #(#markers)*
            }
            #(#unique_keys)*
            #(#writable)*
        }
    }
}

/// The column's marker type: its own, or for a column the database computes, that wrapped in
/// `Computed`, which no update or upsert can set.
fn marker(p: &TokenStream, column: &Column<'_>) -> TokenStream {
    let field = column.ident;
    if column.is_writable() {
        quote!(__columns::#field)
    } else {
        quote!(#p::Computed<__columns::#field>)
    }
}

/// The column sets, by index, that `ON CONFLICT` can name: each primary key, unique constraint
/// and plain-column unique index without a predicate, in every order of its columns (up to
/// four, the largest tuple a conflict target takes), once each; then those of partial unique
/// indexes (named with their predicate, `on_conflict_where`) that no whole key covers.
pub(super) fn unique_keys(table: &Table<'_>) -> (Vec<Vec<usize>>, Vec<Vec<usize>>) {
    let mut sets: Vec<Vec<usize>> = Vec::new();
    let mut partial_sets: Vec<Vec<usize>> = Vec::new();
    let sorted = |columns: &[usize]| {
        let mut sorted = columns.to_vec();
        sorted.sort_unstable();
        sorted
    };
    let fits = |columns: &[usize]| {
        let mut unique = sorted(columns);
        unique.dedup();
        unique.len() == columns.len() && (1..=4).contains(&columns.len())
    };
    let mut add = |columns: Vec<usize>, partial: bool| {
        let known = |list: &Vec<Vec<usize>>| list.iter().any(|set| sorted(set) == sorted(&columns));
        if !fits(&columns) || known(&sets) || (partial && known(&partial_sets)) {
            return;
        }
        if partial {
            partial_sets.push(columns);
        } else {
            partial_sets.retain(|set| sorted(set) != sorted(&columns));
            sets.push(columns);
        }
    };
    if let Some(pk) = &table.primary_key {
        add(pk.columns.clone(), false);
    }
    for unique in &table.uniques {
        add(unique.columns.clone(), false);
    }
    for index in table.indexes.iter().filter(|i| i.unique) {
        let columns: Option<Vec<usize>> = index
            .keys
            .iter()
            .map(|key| match key.target {
                crate::model::IndexTarget::Column(i) => Some(i),
                crate::model::IndexTarget::Expression(_) => None,
            })
            .collect();
        if let Some(columns) = columns {
            add(columns, index.predicate.is_some());
        }
    }
    let orders = |sets: Vec<Vec<usize>>| {
        let mut orders = Vec::new();
        for set in sets {
            permutations(&set, &mut Vec::new(), &mut orders);
        }
        orders
    };
    (orders(sets), orders(partial_sets))
}

/// Every order of `rest` after `prefix`, pushed to `out`.
fn permutations(rest: &[usize], prefix: &mut Vec<usize>, out: &mut Vec<Vec<usize>>) {
    if rest.is_empty() {
        out.push(prefix.clone());
        return;
    }
    for (i, &item) in rest.iter().enumerate() {
        let mut remaining = rest.to_vec();
        remaining.remove(i);
        prefix.push(item);
        permutations(&remaining, prefix, out);
        prefix.pop();
    }
}
