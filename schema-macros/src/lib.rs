//! The `#[table]` and `#[pg_enum]` attribute macros. Use them through `schema-core`, which
//! re-exports them and documents their attributes.
//!
//! Both macros read in the same steps: `attr` reads attributes into plain structs, `model`
//! builds the model of a table or an enum, `check` holds the rules that need more than one
//! attribute, `naming` the generated constraint names, and `expand` writes the tokens. Every
//! error is collected (`ctxt`) and reported in one build, at the user's token.

mod attr;
mod check;
mod ctxt;
mod expand;
mod model;
mod naming;
#[cfg(test)]
mod tests;

use proc_macro::TokenStream;

/// Declares a struct as a table. See schema-core's README for the attribute reference.
#[proc_macro_attribute]
pub fn table(attr: TokenStream, item: TokenStream) -> TokenStream {
    expand::table::expand(attr.into(), item.into()).into()
}

/// Declares a struct as a view or materialized view: read like a table, never written.
#[proc_macro_attribute]
pub fn view(attr: TokenStream, item: TokenStream) -> TokenStream {
    expand::table::expand_view(attr.into(), item.into()).into()
}

/// Declares a one-field tuple struct as a Postgres domain over its field's type.
#[proc_macro_attribute]
pub fn domain(attr: TokenStream, item: TokenStream) -> TokenStream {
    expand::domain::expand(attr.into(), item.into()).into()
}

/// Declares a fieldless enum as a Postgres enum type.
#[proc_macro_attribute]
pub fn pg_enum(attr: TokenStream, item: TokenStream) -> TokenStream {
    expand::pg_enum::expand(attr.into(), item.into()).into()
}

/// Reads a struct from a row, one field per column in order: for projections
/// (`.columns((…)).decode_as::<Summary>()`) and raw queries.
#[proc_macro_derive(FromRow)]
pub fn derive_from_row(item: TokenStream) -> TokenStream {
    expand::from_row::expand(item.into()).into()
}
