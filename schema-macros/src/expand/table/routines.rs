//! The table's triggers and partitioning, as model constants.

use proc_macro2::{Ident, Span, TokenStream};
use quote::quote;

use crate::attr::BoundAttr;
use crate::expand::{opt_str, str, str_list};
use crate::model::Table;

/// `triggers`, `partition_by` and `partitions` of the `TableDef`.
pub(super) fn defs(
    p: &TokenStream,
    table: &Table<'_>,
) -> (Vec<TokenStream>, TokenStream, Vec<TokenStream>) {
    let triggers = table
        .triggers
        .iter()
        .map(|trigger| {
            let attr = trigger.attr;
            let name = str(p, attr.name.as_ref().map_or("", |n| n.value.as_str()));
            let timing = Ident::new(
                attr.timing.as_ref().map_or("Before", |t| t.value),
                Span::call_site(),
            );
            let mut events = attr.events.clone();
            events.sort_by_key(|e| {
                ["Insert", "Update", "Delete", "Truncate"]
                    .iter()
                    .position(|x| x == e)
            });
            let events = events.iter().map(|e| Ident::new(e, Span::call_site()));
            let update_of = str_list(p, trigger.of.iter().map(String::as_str));
            let for_each_row = attr.for_each_row;
            let when = opt_str(p, attr.when.as_ref().map(|w| w.value.as_str()));
            let (schema, function) = attr
                .function
                .as_ref()
                .map_or((None, ""), |f| (f.value.0.as_deref(), f.value.1.as_str()));
            let schema = opt_str(p, schema);
            let function = str(p, function);
            let arguments = str_list(p, attr.args.iter().map(String::as_str));
            quote!(#p::TriggerDef {
                name: #name,
                timing: #p::TriggerTiming::#timing,
                events: #p::Cow::Borrowed(&[#(#p::TriggerEvent::#events),*]),
                update_of: #update_of,
                for_each_row: #for_each_row,
                when: #when,
                function: #p::QualifiedName::new(#schema, #function),
                arguments: #arguments,
            })
        })
        .collect();
    let partition_by = match &table.partition_by {
        Some(by) => {
            let method = Ident::new(by.method, Span::call_site());
            let columns = str_list(p, by.columns.iter().map(String::as_str));
            quote!(#p::Some(#p::PartitionBy {
                method: #p::PartitionMethod::#method,
                columns: #columns,
            }))
        }
        None => quote!(#p::None),
    };
    let partitions = table
        .partitions
        .iter()
        .map(|partition| {
            let name = str(p, &partition.name);
            let bound = match &partition.bound {
                BoundAttr::Range { from, to } => {
                    let from = str_list(p, from.iter().map(String::as_str));
                    let to = str_list(p, to.iter().map(String::as_str));
                    quote!(#p::PartitionBound::Range { from: #from, to: #to })
                }
                BoundAttr::In(values) => {
                    let values = str_list(p, values.iter().map(String::as_str));
                    quote!(#p::PartitionBound::In(#values))
                }
                BoundAttr::Hash { modulus, remainder } => {
                    quote!(#p::PartitionBound::Hash { modulus: #modulus, remainder: #remainder })
                }
                BoundAttr::Default => quote!(#p::PartitionBound::Default),
            };
            quote!(#p::PartitionDef { name: #name, bound: #bound })
        })
        .collect();
    (triggers, partition_by, partitions)
}
