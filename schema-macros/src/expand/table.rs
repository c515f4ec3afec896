//! `#[table]`: the struct as written (without its `#[column]` attributes), `impl Table` with the
//! `TableDef` constant, one typed column constant per field in the table's module, and the type
//! checks that pin mistakes to the user's tokens.

use proc_macro2::{Group, Span, TokenStream, TokenTree};
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;

use super::{opt_str, str, str_list};
use crate::attr::{self, DefaultAttr, FkAction, OnUpdateAttr, Sp, TypeOverride};
use crate::check;
use crate::ctxt::Ctxt;
use crate::model::{Column, IndexTarget, Table};

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
    let output =
        {
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
            let register = table
            .columns
            .iter()
            .filter(|c| !matches!(c.type_override().map(|o| &o.value), Some(TypeOverride::Sql(_))))
            .map(|c| {
                let inner = c.inner;
                quote_spanned!(inner.span()=> <#inner as #p::ColumnValue>::register_types(schema);)
            });
            let (key_type, key_filter) = key_items(&table);
            let column_list = table
                .columns
                .iter()
                .map(|c| format!("\"{}\"", c.sql_name.value.replace('"', "\"\"")))
                .collect::<Vec<_>>()
                .join(", ");
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
                        #checks
                        #relation_checks
                    }
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

fn private(krate: &syn::Path) -> TokenStream {
    quote!(#krate::__private)
}

fn strip_column_attrs(item: &mut syn::ItemStruct) {
    for field in item.fields.iter_mut() {
        field.attrs.retain(|a| !a.path().is_ident("column"));
    }
}

fn table_def(table: &Table<'_>) -> TokenStream {
    let p = &private(&table.krate);
    let schema = opt_str(p, table.schema.as_ref().map(|s| s.value.as_str()));
    let name = str(p, &table.sql_name.value);
    let renamed_from = opt_str(p, table.renamed_from.as_ref().map(|r| r.value.as_str()));
    let columns = table.columns.iter().map(|c| column_def(p, c));
    let col = |i: &usize| table.columns[*i].sql_name.value.as_str();
    let primary_key = match &table.primary_key {
        Some(pk) => {
            let pk_name = str(p, &pk.name);
            let cols = str_list(p, pk.columns.iter().map(col));
            quote!(#p::Some(#p::PrimaryKeyDef { name: #pk_name, columns: #cols }))
        }
        None => quote!(#p::None),
    };
    let uniques = table.uniques.iter().map(|u| {
        let name = str(p, &u.name);
        let cols = str_list(p, u.columns.iter().map(col));
        let nnd = u.nulls_not_distinct;
        quote!(#p::UniqueDef { name: #name, columns: #cols, nulls_not_distinct: #nnd })
    });
    let indexes = table.indexes.iter().map(|index| {
        let name = str(p, &index.name);
        let keys = index.keys.iter().map(|key| {
            let target = match &key.target {
                IndexTarget::Column(i) => {
                    let c = str(p, col(i));
                    quote!(#p::IndexTarget::Column(#c))
                }
                IndexTarget::Expression(sql) => {
                    let e = str(p, sql);
                    quote!(#p::IndexTarget::Expression(#e))
                }
            };
            let order = match key.desc {
                Some(true) => quote!(#p::Some(#p::SortOrder::Desc)),
                Some(false) => quote!(#p::Some(#p::SortOrder::Asc)),
                None => quote!(#p::None),
            };
            let nulls = match key.nulls_first {
                Some(true) => quote!(#p::Some(#p::NullsOrder::First)),
                Some(false) => quote!(#p::Some(#p::NullsOrder::Last)),
                None => quote!(#p::None),
            };
            let opclass = opt_str(p, key.opclass.as_deref());
            quote!(#p::IndexKey { target: #target, order: #order, nulls: #nulls, opclass: #opclass })
        });
        let unique = index.unique;
        let method = syn::Ident::new(index.method.variant(), Span::call_site());
        let predicate = opt_str(p, index.predicate.as_deref());
        let with = opt_str(p, index.with.as_deref());
        quote!(#p::IndexDef {
            name: #name,
            keys: #p::Cow::Borrowed(&[#(#keys),*]),
            unique: #unique,
            method: #p::IndexMethod::#method,
            predicate: #predicate,
            with: #with,
        })
    });
    let foreign_keys = table.foreign_keys.iter().map(|fk| {
        let name = str(p, &fk.name);
        let cols = str_list(p, [col(&fk.column)]);
        let target = &fk.target;
        let on_delete = syn::Ident::new(action(&fk.on_delete).variant(), Span::call_site());
        let on_update = syn::Ident::new(action(&fk.on_update).variant(), Span::call_site());
        quote!(#p::ForeignKeyDef {
            name: #name,
            columns: #cols,
            references: #p::QualifiedName::new(
                #p::opt_str(#target.table_schema()),
                #p::Cow::Borrowed(#target.table_name()),
            ),
            referenced_columns: #p::Cow::Borrowed(&[#p::Cow::Borrowed(#target.name())]),
            on_delete: #p::FkAction::#on_delete,
            on_update: #p::FkAction::#on_update,
        })
    });
    let checks = table.checks.iter().map(|c| {
        let name = str(p, &c.name);
        let sql = str(p, &c.sql);
        quote!(#p::CheckDef { name: #name, expression: #sql })
    });
    let soft_delete = opt_str(p, table.soft_delete.map(|i| col(&i)));
    quote!(#p::TableDef {
        schema: #schema,
        name: #name,
        renamed_from: #renamed_from,
        columns: #p::Cow::Borrowed(&[#(#columns),*]),
        primary_key: #primary_key,
        uniques: #p::Cow::Borrowed(&[#(#uniques),*]),
        indexes: #p::Cow::Borrowed(&[#(#indexes),*]),
        foreign_keys: #p::Cow::Borrowed(&[#(#foreign_keys),*]),
        checks: #p::Cow::Borrowed(&[#(#checks),*]),
        soft_delete: #soft_delete,
    })
}

/// A foreign key's action, `NO ACTION` when none is written.
fn action(written: &Option<Sp<FkAction>>) -> FkAction {
    written.as_ref().map_or(FkAction::NoAction, |a| a.value)
}

fn column_def(p: &TokenStream, column: &Column<'_>) -> TokenStream {
    let name = str(p, &column.sql_name.value);
    let inner = column.inner;
    let value_type = quote_spanned!(inner.span()=> <#inner as #p::ColumnValue>);
    let (sql_type, dims) = match column.type_override().map(|o| &o.value) {
        None => (
            quote!(#value_type::SQL_TYPE),
            quote!(#value_type::ARRAY_DIMS),
        ),
        Some(TypeOverride::Varchar(n)) => {
            let n = opt_u32(p, *n);
            (
                quote!(#p::SqlType::Varchar(#n)),
                quote!(#value_type::ARRAY_DIMS),
            )
        }
        Some(TypeOverride::Char(n)) => (
            quote!(#p::SqlType::Char(#n)),
            quote!(#value_type::ARRAY_DIMS),
        ),
        Some(TypeOverride::Vector(n)) => {
            let n = opt_u32(p, *n);
            (
                quote!(#p::SqlType::Vector(#n)),
                quote!(#value_type::ARRAY_DIMS),
            )
        }
        Some(TypeOverride::Numeric(precision, scale)) => {
            let precision = opt_u16(p, *precision);
            let scale = opt_u16(p, *scale);
            (
                quote!(#p::SqlType::Numeric { precision: #precision, scale: #scale }),
                quote!(#value_type::ARRAY_DIMS),
            )
        }
        Some(TypeOverride::Sql(sql)) => {
            let sql = str(p, sql);
            (quote!(#p::SqlType::Custom(#sql)), quote!(0))
        }
    };
    let nullable = column.nullable;
    let default = match column.default().map(|d| &d.value) {
        None => quote!(#p::None),
        Some(default) => {
            let value = match default {
                DefaultAttr::Bool(b) => quote!(#p::DefaultValue::Bool(#b)),
                DefaultAttr::Int(n) | DefaultAttr::Float(n) => {
                    let n = str(p, n);
                    quote!(#p::DefaultValue::Number(#n))
                }
                DefaultAttr::Str(s) => {
                    let s = str(p, s);
                    quote!(#p::DefaultValue::Text(#s))
                }
                DefaultAttr::Random => quote!(#p::DefaultValue::RandomUuid),
                DefaultAttr::Now => quote!(#p::DefaultValue::Now),
                DefaultAttr::Sql(sql) => {
                    let sql = str(p, sql);
                    quote!(#p::DefaultValue::Sql(#sql))
                }
                DefaultAttr::Enum(path) => {
                    quote!(#p::DefaultValue::EnumLabel(#p::Cow::Borrowed(#path.sql_label())))
                }
            };
            quote!(#p::Some(#value))
        }
    };
    let identity = match column.attrs.identity.as_ref().map(|i| i.value) {
        Some(true) => quote!(#p::Some(#p::Identity::Always)),
        Some(false) => quote!(#p::Some(#p::Identity::ByDefault)),
        None => quote!(#p::None),
    };
    let on_update = match column.on_update().map(|o| &o.value) {
        None => quote!(#p::None),
        Some(OnUpdateAttr::Now) => quote!(#p::Some(#p::OnUpdate::Now)),
        Some(OnUpdateAttr::Function(path)) => {
            let text = quote!(#path).to_string().replace(' ', "");
            let text = str(p, &text);
            quote!(#p::Some(#p::OnUpdate::Function(#text)))
        }
    };
    let renamed_from = opt_str(
        p,
        column.attrs.renamed_from.as_ref().map(|r| r.value.as_str()),
    );
    let trigger = column.attrs.trigger.is_some();
    quote!(#p::ColumnDef {
        name: #name,
        sql_type: #sql_type,
        array_dims: #dims,
        nullable: #nullable,
        default: #default,
        identity: #identity,
        on_update: #on_update,
        on_update_trigger: #trigger,
        renamed_from: #renamed_from,
    })
}

fn opt_u32(p: &TokenStream, n: Option<u32>) -> TokenStream {
    match n {
        Some(n) => quote!(#p::Some(#n)),
        None => quote!(#p::None),
    }
}

fn opt_u16(p: &TokenStream, n: Option<u16>) -> TokenStream {
    match n {
        Some(n) => quote!(#p::Some(#n)),
        None => quote!(#p::None),
    }
}

/// `pub mod users { pub const email: Column<User, String> = …; }`
fn column_module(table: &Table<'_>, with_relations: bool) -> TokenStream {
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
        let name = &c.sql_name.value;
        let doc = format!("Column `{name}` of table `{table_name}` (field `{ident}::{field}`).");
        quote! {
            #[doc = #doc]
            pub const #field: #p::Column<super::#ident, #ty, __columns::#field> = #p::Column::new(#schema, #table_name, #name, #index);
            #[doc(hidden)]
            pub type #field = #p::Column<super::#ident, #ty, __columns::#field>;
        }
    });
    let markers = table.columns.iter().map(|c| {
        let field = c.ident;
        quote!(pub enum #field {})
    });
    let unique_keys = unique_keys(table).into_iter().map(|key| {
        let markers = key.iter().map(|&i| {
            let field = table.columns[i].ident;
            quote!(__columns::#field)
        });
        if key.len() == 1 {
            quote!(impl #p::UniqueKey<super::#ident> for #(#markers)* {})
        } else {
            quote!(impl #p::UniqueKey<super::#ident> for (#(#markers,)*) {})
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
        }
    }
}

/// The column sets, by index, that `ON CONFLICT` can name: each primary key, unique constraint
/// and plain-column unique index without a predicate, in every order of its columns (up to
/// four, the largest tuple a conflict target takes), once each.
fn unique_keys(table: &Table<'_>) -> Vec<Vec<usize>> {
    let mut sets: Vec<Vec<usize>> = Vec::new();
    let mut add = |columns: Vec<usize>| {
        let mut sorted = columns.clone();
        sorted.sort_unstable();
        sorted.dedup();
        if sorted.len() == columns.len()
            && (1..=4).contains(&columns.len())
            && !sets.iter().any(|set| {
                let mut other = set.clone();
                other.sort_unstable();
                other == sorted
            })
        {
            sets.push(columns);
        }
    };
    if let Some(pk) = &table.primary_key {
        add(pk.columns.clone());
    }
    for unique in &table.uniques {
        add(unique.columns.clone());
    }
    for index in table
        .indexes
        .iter()
        .filter(|i| i.unique && i.predicate.is_none())
    {
        let columns: Option<Vec<usize>> = index
            .keys
            .iter()
            .map(|key| match key.target {
                crate::model::IndexTarget::Column(i) => Some(i),
                crate::model::IndexTarget::Expression(_) => None,
            })
            .collect();
        if let Some(columns) = columns {
            add(columns);
        }
    }
    let mut orders = Vec::new();
    for set in sets {
        permutations(&set, &mut Vec::new(), &mut orders);
    }
    orders
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

/// The table's relations: one `Relation` constant each (in the table's module).
fn relation_consts(table: &Table<'_>) -> TokenStream {
    let p = &private(&table.krate);
    let ident = &table.item.ident;
    let mut out = TokenStream::new();
    for column in &table.columns {
        let (Some(name), Some(references)) = (&column.attrs.relation, &column.attrs.references)
        else {
            continue;
        };
        let target = &references.path;
        let fk = &column.sql_name.value;
        let name_str = name.to_string();
        let doc = format!("Belongs-to relation `{name_str}`: the row that `{fk}` points at.");
        out.extend(quote! {
            #[doc = #doc]
            pub const #name: #p::Relation<super::#ident, <#target as #p::ColumnTypes>::Table, #p::BelongsTo> =
                #p::Relation::new(#name_str, #target.name(), #fk, #p::None);
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
                        #p::Relation::new(#name_str, #by.name(), #key_name, #p::None);
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
                quote! {
                    #[doc = #doc]
                    pub const #name: #p::Relation<super::#ident, <#target as #p::ColumnTypes>::Table, #p::ManyToMany> =
                        #p::Relation::new(
                            #name_str,
                            #target.name(),
                            #key_name,
                            #p::Some(#p::Through {
                                schema: #through.table_schema(),
                                table: #through.table_name(),
                                from: #through.name(),
                                to: #to.name(),
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
fn relation_accessors(table: &Table<'_>) -> (TokenStream, TokenStream) {
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
        let field = column.ident;
        let target_ty = quote!(<#target as #p::ColumnTypes>::Table);
        let doc = format!(
            "The row that `{}` points at (relation `{name}`), as a query to run.",
            column.sql_name.value
        );
        let filter = if column.nullable {
            quote! {
                match &self.#field {
                    ::std::option::Option::Some(key) => #p::key_eq(#target, ::std::clone::Clone::clone(key)),
                    ::std::option::Option::None => #p::Expr::raw::<bool>("FALSE", []),
                }
            }
        } else {
            quote!(#p::key_eq(#target, ::std::clone::Clone::clone(&self.#field)))
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
                let child = quote!(<#by as #p::ColumnTypes>::Table);
                let doc = format!("The rows of relation `{name}`, as a query to refine and run.");
                methods.extend(quote! {
                    #[doc = #doc]
                    pub fn #name(&self) -> #p::Select<#child, #child> {
                        <#child as #p::TableQueries>::select().filter(#p::key_eq(#by, ::std::clone::Clone::clone(&self.#key_field)))
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
                let doc = format!(
                    "The rows of many-to-many relation `{name}`, as a query to refine and run."
                );
                methods.extend(quote! {
                    #[doc = #doc]
                    pub fn #name(&self) -> #p::Select<#child, #child> {
                        <#child as #p::TableQueries>::select().filter(#target.in_subquery(
                            <#join as #p::TableQueries>::select()
                                .columns(#to)
                                .filter(#p::key_eq(#through, ::std::clone::Clone::clone(&self.#key_field))),
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
                #column,
                #key,
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

/// A path as the user wrote it, without spaces (`posts::author_id`).
fn path_text(path: &syn::Path) -> String {
    quote!(#path).to_string().replace(' ', "")
}

/// The table's single key as users name it: `users::id`.
fn key_text(table: &Table<'_>) -> String {
    let module = &table.module;
    let key = table
        .single_key()
        .map(|k| k.ident.to_string())
        .unwrap_or_default();
    format!("{}::{key}", quote!(#module).to_string().replace(' ', ""))
}

/// `impl FromRecord`: the row read from a loaded relation's record, fields in column order.
fn from_record(table: &Table<'_>) -> TokenStream {
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

/// The same tokens, reported at `span`: a check's type argument is moved onto the attribute the
/// user must change, so the error appears there (name resolution keeps the original spans).
fn respan(tokens: TokenStream, span: Span) -> TokenStream {
    tokens
        .into_iter()
        .map(|tree| match tree {
            TokenTree::Group(group) => {
                let mut new = Group::new(group.delimiter(), respan(group.stream(), span));
                new.set_span(group.span().located_at(span));
                TokenTree::Group(new)
            }
            mut other => {
                other.set_span(other.span().located_at(span));
                other
            }
        })
        .collect()
}

/// Calls whose bounds hold only when the attributes fit the field types; each is reported at the
/// token the user must change.
fn type_checks(table: &Table<'_>) -> TokenStream {
    let p = &private(&table.krate);
    let mut checks = TokenStream::new();
    for column in &table.columns {
        let inner = column.inner;
        let inner_at = |span: Span| respan(quote!(#inner), span);
        if let Some(over) = column.type_override() {
            let span = over.span;
            let at = inner_at(span);
            let check = match over.value {
                TypeOverride::Varchar(_) | TypeOverride::Char(_) => {
                    Some(quote_spanned!(span=> #p::check_text::<#at>();))
                }
                TypeOverride::Vector(_) => Some(quote_spanned!(span=> #p::check_vector::<#at>();)),
                TypeOverride::Numeric(..) => {
                    Some(quote_spanned!(span=> #p::check_numeric::<#at>();))
                }
                TypeOverride::Sql(_) => None,
            };
            checks.extend(check);
        }
        if let Some(default) = column.default() {
            let span = default.span;
            let at = inner_at(span);
            let check = match &default.value {
                DefaultAttr::Bool(_) => quote_spanned!(span=> #p::check_bool_default::<#at>();),
                DefaultAttr::Int(_) => quote_spanned!(span=> #p::check_int_default::<#at>();),
                DefaultAttr::Float(_) => quote_spanned!(span=> #p::check_float_default::<#at>();),
                // A string that reads like a call (`"now()"`) is text: only a text column
                // takes it, where it is stored as written.
                DefaultAttr::Str(text) if crate::check::looks_like_a_call(text) => {
                    quote_spanned!(span=> #p::check_call_in_a_string_default::<#at>();)
                }
                DefaultAttr::Str(_) => quote_spanned!(span=> #p::check_str_default::<#at>();),
                DefaultAttr::Random => quote_spanned!(span=> #p::check_random::<#at>();),
                DefaultAttr::Now => quote_spanned!(span=> #p::check_now::<#at>();),
                DefaultAttr::Sql(_) => TokenStream::new(),
                DefaultAttr::Enum(path) => {
                    quote_spanned!(path.span()=> #p::check_enum_default::<#inner>(#path);)
                }
            };
            checks.extend(check);
        }
        if let Some(on_update) = column.on_update() {
            let check = match &on_update.value {
                OnUpdateAttr::Now => {
                    let span = on_update.span;
                    let at = inner_at(span);
                    quote_spanned!(span=> #p::check_on_update_now::<#at>();)
                }
                OnUpdateAttr::Function(path) => {
                    quote_spanned!(path.span()=> #p::check_on_update_fn::<#inner, _>(#path);)
                }
            };
            checks.extend(check);
        }
        if let Some(identity) = &column.attrs.identity {
            let span = identity.span;
            let at = inner_at(span);
            checks.extend(quote_spanned!(span=> #p::check_identity::<#at>();));
        }
        if let Some(references) = &column.attrs.references {
            let path = &references.path;
            let ty = column.ty;
            let at = respan(quote!(#ty), path.span());
            checks.extend(quote_spanned!(path.span()=> #p::referenced(#path).by::<#at>();));
        }
    }
    // The soft-delete column is a nullable timestamp (its `Option` is checked with the other
    // attribute rules).
    if let Some(column) = table.soft_delete.map(|i| &table.columns[i]) {
        if column.nullable {
            let inner = column.inner;
            checks.extend(quote_spanned!(inner.span()=> #p::check_soft_delete::<#inner>();));
        }
    }
    checks
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

/// `impl FromRow`: fields in column order, read by position.
fn from_row(table: &Table<'_>) -> TokenStream {
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

/// Whether an insert must give the column a value: NOT NULL, no default, no identity.
fn is_required(column: &Column<'_>) -> bool {
    !column.nullable && column.default().is_none() && column.attrs.identity.is_none()
}

/// `NewUser`: the insert row, with one typestate parameter per required column, so that an
/// insert that leaves one out does not compile.
fn new_row(table: &Table<'_>) -> TokenStream {
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
        .filter(|(_, c)| !c.attrs.identity.as_ref().is_some_and(|i| i.value))
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

        impl<#(#params: #checks_module::#markers),*> #p::Insertable<#ident> for #new_ident<#(#params),*> {
            fn into_values(self) -> #p::Vec<(usize, #p::Param)> {
                let mut out = #p::Vec::with_capacity(#width);
                #(
                    if let ::std::option::Option::Some(value) = self.values.#fields {
                        out.push((#indexes, <#types as #p::ColumnValue>::into_param(value)));
                    }
                )*
                out
            }

            fn into_column_arrays(rows: #p::Vec<Self>) -> ::std::result::Result<#p::Vec<(usize, #p::Param)>, #p::Vec<Self>> {
                let set = match rows.first() {
                    ::std::option::Option::Some(first) => first.values.set(),
                    ::std::option::Option::None => return ::std::result::Result::Err(rows),
                };
                let columns = &<#ident as #p::Table>::table().columns;
                let unfit = rows.iter().any(|row| row.values.set() != set)
                    || [#(#indexes),*].iter().zip(set).any(|(&index, set)| set && columns[index].array_dims > 0);
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

/// `impl CopyRow`: every column but `identity = always` ones, by reference.
fn copy_row(table: &Table<'_>) -> TokenStream {
    let p = &private(&table.krate);
    let ident = &table.item.ident;
    let columns: Vec<&Column<'_>> = table
        .columns
        .iter()
        .filter(|c| !c.attrs.identity.as_ref().is_some_and(|i| i.value))
        .collect();
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
