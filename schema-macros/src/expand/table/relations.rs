//! Relations: their constants in the table's module, their accessors on the struct, and the
//! const assertions that a relation's key is a foreign key between the two tables.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;

use super::private;
use crate::model::Table;

/// The table's relations: one `Relation` constant each (in the table's module).
pub(super) fn relation_consts(table: &Table<'_>) -> TokenStream {
    let p = &private(&table.krate);
    let ident = &table.item.ident;
    let mut out = TokenStream::new();
    for column in &table.columns {
        let (Some(name), Some(references)) = (&column.attrs.relation, &column.attrs.references)
        else {
            continue;
        };
        let target = &references.path;
        let target_value = column_value(p, target);
        let fk = &column.sql_name.value;
        let name_str = name.to_string();
        let doc = format!("Belongs-to relation `{name_str}`: the row that `{fk}` points at.");
        out.extend(quote! {
            #[doc = #doc]
            pub const #name: #p::Relation<super::#ident, <#target as #p::ColumnTypes>::Table, #p::BelongsTo> =
                #p::Relation::new(#name_str, #target_value.name(), #fk, #p::None);
        });
    }
    let Some(key) = table.single_key() else {
        return out;
    };
    let key_name = &key.sql_name.value;
    for relation in table.relations {
        let name = &relation.name;
        let name_str = name.to_string();
        let item = match relation.kind {
            crate::attr::RelationKind::HasMany | crate::attr::RelationKind::HasOne => {
                let Some(by) = &relation.by else { continue };
                let by_value = column_value(p, by);
                let kind = if relation.kind == crate::attr::RelationKind::HasMany {
                    quote!(HasMany)
                } else {
                    quote!(HasOne)
                };
                let doc = format!(
                    "Relation `{name_str}`: the rows whose `{}` points at this row.",
                    quote!(#by).to_string().replace(' ', "")
                );
                quote! {
                    #[doc = #doc]
                    pub const #name: #p::Relation<super::#ident, <#by as #p::ColumnTypes>::Table, #p::#kind> =
                        #p::Relation::new(#name_str, #by_value.name(), #key_name, #p::None);
                }
            }
            crate::attr::RelationKind::ManyToMany => {
                let (Some(through), Some(to), Some(target)) =
                    (&relation.through, &relation.to, &relation.target)
                else {
                    continue;
                };
                let doc = format!(
                    "Many-to-many relation `{name_str}`, through `{}`.",
                    quote!(#through).to_string().replace(' ', "")
                );
                let (target_value, through_value, to_value) = (
                    column_value(p, target),
                    column_value(p, through),
                    column_value(p, to),
                );
                quote! {
                    #[doc = #doc]
                    pub const #name: #p::Relation<super::#ident, <#target as #p::ColumnTypes>::Table, #p::ManyToMany> =
                        #p::Relation::new(
                            #name_str,
                            #target_value.name(),
                            #key_name,
                            #p::Some(#p::Through {
                                schema: #through_value.table_schema(),
                                table: #through_value.table_name(),
                                from: #through_value.name(),
                                to: #to_value.name(),
                            }),
                        );
                }
            }
        };
        out.extend(item);
    }
    out
}

/// Accessor methods on the struct (`project.owner()`, `user.projects()`): a `Select` of the related
/// rows, to refine and run; and the checks that the relation's keys have matching types.
pub(super) fn relation_accessors(table: &Table<'_>) -> (TokenStream, TokenStream) {
    let p = &private(&table.krate);
    let ident = &table.item.ident;
    let module = &table.module;
    let mut methods = TokenStream::new();
    let mut checks = TokenStream::new();
    for column in &table.columns {
        let (Some(name), Some(references)) = (&column.attrs.relation, &column.attrs.references)
        else {
            continue;
        };
        let target = &references.path;
        let target_value = column_value(p, target);
        let field = column.ident;
        let target_ty = quote!(<#target as #p::ColumnTypes>::Table);
        let doc = format!(
            "The row that `{}` points at (relation `{name}`), as a query to run.",
            column.sql_name.value
        );
        let filter = if column.nullable {
            quote! {
                match &self.#field {
                    ::std::option::Option::Some(key) => #p::key_eq(#target_value, ::std::clone::Clone::clone(key)),
                    ::std::option::Option::None => #p::Expr::raw::<bool>("FALSE", []),
                }
            }
        } else {
            quote!(#p::key_eq(#target_value, ::std::clone::Clone::clone(&self.#field)))
        };
        methods.extend(quote! {
            #[doc = #doc]
            pub fn #name(&self) -> #p::Select<#target_ty, #target_ty> {
                <#target_ty as #p::TableQueries>::select().filter(#filter)
            }
        });
    }
    let Some(key) = table.single_key() else {
        return (methods, checks);
    };
    let key_field = key.ident;
    for relation in table.relations {
        let name = &relation.name;
        match relation.kind {
            crate::attr::RelationKind::HasMany | crate::attr::RelationKind::HasOne => {
                let Some(by) = &relation.by else { continue };
                let by_value = column_value(p, by);
                let child = quote!(<#by as #p::ColumnTypes>::Table);
                let doc = format!("The rows of relation `{name}`, as a query to refine and run.");
                methods.extend(quote! {
                    #[doc = #doc]
                    pub fn #name(&self) -> #p::Select<#child, #child> {
                        <#child as #p::TableQueries>::select().filter(#p::key_eq(#by_value, ::std::clone::Clone::clone(&self.#key_field)))
                    }
                });
                let message = format!(
                    "relation `{name}` of `{ident}`: `{by}` is not a foreign key to `{key}`, so the \
                     relation would load no rows; declare `#[column(references = {key})]` on \
                     that field, or name in `by = …` the column that references `{key}`",
                    by = path_text(by),
                    key = key_text(table),
                );
                checks.extend(foreign_key_assertion(
                    p,
                    &[(by, quote!(#module::#key_field), true)],
                    &[(by, vec![Holds::Not(0)], message)],
                ));
            }
            crate::attr::RelationKind::ManyToMany => {
                let (Some(through), Some(to), Some(target)) =
                    (&relation.through, &relation.to, &relation.target)
                else {
                    continue;
                };
                let child = quote!(<#target as #p::ColumnTypes>::Table);
                let join = quote!(<#through as #p::ColumnTypes>::Table);
                let (target_value, through_value, to_value) = (
                    column_value(p, target),
                    column_value(p, through),
                    column_value(p, to),
                );
                let doc = format!(
                    "The rows of many-to-many relation `{name}`, as a query to refine and run."
                );
                methods.extend(quote! {
                    #[doc = #doc]
                    pub fn #name(&self) -> #p::Select<#child, #child> {
                        <#child as #p::TableQueries>::select().filter(#target_value.in_subquery(
                            <#join as #p::TableQueries>::select()
                                .columns(#to_value)
                                .filter(#p::key_eq(#through_value, ::std::clone::Clone::clone(&self.#key_field))),
                        ))
                    }
                });
                let (through_text, to_text, target_text) =
                    (path_text(through), path_text(to), path_text(target));
                let key = key_text(table);
                let swapped = format!(
                    "many-to-many relation `{name}` of `{ident}`: `through` and `to` are swapped; \
                     write `through = {to_text}` (the join table's column that references `{key}`) \
                     and `to = {through_text}` (the one that references `{target_text}`)"
                );
                let through_wrong = format!(
                    "many-to-many relation `{name}` of `{ident}`: `through = {through_text}` is not a \
                     foreign key to `{key}`; `through` names the join table's column that \
                     references this table"
                );
                let to_wrong = format!(
                    "many-to-many relation `{name}` of `{ident}`: `to = {to_text}` is not a foreign \
                     key to `{target_text}`; `to` names the join table's column that references \
                     `target = {target_text}`"
                );
                checks.extend(foreign_key_assertion(
                    p,
                    &[
                        (through, quote!(#module::#key_field), true),
                        (to, quote!(#target), true),
                        (to, quote!(#module::#key_field), false),
                        (through, quote!(#target), false),
                    ],
                    &[
                        (
                            through,
                            vec![Holds::Not(0), Holds::Not(1), Holds::Is(2), Holds::Is(3)],
                            swapped,
                        ),
                        (through, vec![Holds::Not(0)], through_wrong),
                        (to, vec![Holds::Not(1)], to_wrong),
                    ],
                ));
            }
        }
    }
    let _ = ident;
    (methods, checks)
}

/// A constant assertion on `(column, key, typed)` pairs, each true when `column` is a declared
/// foreign key to `key`. The types of the `typed` pairs are checked first (a mismatch is a type
/// error, and the constant is then not evaluated); then the first of `failures` whose
/// conditions (indexes of pairs, `!` when written as `usize::MAX - i`) all hold is the compile
/// error, under its path.
fn foreign_key_assertion(
    p: &TokenStream,
    pairs: &[(&syn::Path, TokenStream, bool)],
    failures: &[(&syn::Path, Vec<Holds>, String)],
) -> TokenStream {
    let types = pairs.iter().filter(|pair| pair.2).map(
        |(column, key, _)| quote_spanned!(column.span()=> #p::references_type::<<#key as #p::ColumnTypes>::Value, <#column as #p::ColumnTypes>::Value>();),
    );
    let holds = pairs.iter().map(|(column, key, _)| {
        quote_spanned! {column.span()=>
            #p::is_foreign_key(
                {
                    // A reference in a constant's own initialiser lives for the program,
                    // so the definition is never dropped during evaluation.
                    const TABLE: &#p::TableDef =
                        &<<#column as #p::ColumnTypes>::Table as #p::Table>::DEF;
                    TABLE
                },
                <#column as #p::ColumnConst>::COLUMN,
                <#key as #p::ColumnConst>::COLUMN,
            )
        }
    });
    let branches = failures.iter().map(|(at, failing, message)| {
        let failing = failing.iter().map(|condition| match condition {
            Holds::Not(i) => quote!(!HOLDS[#i]),
            Holds::Is(i) => quote!(HOLDS[#i]),
        });
        quote_spanned!(at.span()=> if #(#failing)&&* { ::std::panic!(#message) })
    });
    quote! {
        const _: () = {
            #(#types)*
            const HOLDS: &[bool] = &[#(#holds),*];
            #(#branches else)* {}
        };
    }
}

/// A condition of [`foreign_key_assertion`]: pair `i` is (`Is`) or is not (`Not`) a foreign key.
enum Holds {
    Is(usize),
    Not(usize),
}

/// The column a path names, reached through its type (`<posts::author_id as ColumnConst>::COLUMN`):
/// generated code uses a user's column path in the type namespace only, so that a column that
/// does not exist is one error.
fn column_value(p: &TokenStream, path: &syn::Path) -> TokenStream {
    quote_spanned!(path.span()=> <#path as #p::ColumnConst>::COLUMN)
}

/// A path as the user wrote it, without spaces (`posts::author_id`).
pub(super) fn path_text(path: &syn::Path) -> String {
    quote!(#path).to_string().replace(' ', "")
}

/// The table's single key as users name it: `users::id`.
pub(super) fn key_text(table: &Table<'_>) -> String {
    let module = &table.module;
    let key = table
        .single_key()
        .map(|k| k.ident.to_string())
        .unwrap_or_default();
    format!("{}::{key}", quote!(#module).to_string().replace(' ', ""))
}
