//! The model of one `#[table]` struct: fields and attributes resolved into columns, keys,
//! constraints and indexes with their final SQL names. Every node keeps the span of the user's
//! token it came from, so checks made after parsing still point at it.

pub mod pg_enum;
pub mod routine;

use proc_macro2::{Ident, Span};
use syn::{Path, Type};

use crate::attr::{
    self, ColumnAttrs, DefaultAttr, FkAction, IndexMethod, IndexTargetAttr, OnUpdateAttr, Sp,
    TableAttrs, TypeOverride,
};
use crate::ctxt::Ctxt;
use crate::naming;

pub struct Table<'a> {
    pub item: &'a syn::ItemStruct,
    pub sql_name: Sp<String>,
    pub schema: Option<Sp<String>>,
    pub renamed_from: Option<Sp<String>>,
    pub module: Ident,
    pub krate: Path,
    pub columns: Vec<Column<'a>>,
    pub primary_key: Option<PrimaryKey>,
    pub uniques: Vec<Unique>,
    pub indexes: Vec<Index>,
    pub foreign_keys: Vec<ForeignKey>,
    pub checks: Vec<Check>,
    pub soft_delete: Option<usize>,
    /// `has_many`, `has_one` and `many_to_many` of the table.
    pub relations: &'a [attr::RelationAttr],
    /// `Off`, `Enabled` or `Forced` (the variant of `RowSecurity`).
    pub row_security: &'static str,
    pub policies: &'a [attr::PolicyAttr],
    /// The struct's doc comment, with `comments`.
    pub comment: Option<String>,
    pub grants: &'a [attr::GrantAttr],
    pub triggers: Vec<routine::Trigger<'a>>,
    pub partition_by: Option<routine::PartitionBy>,
    pub partitions: Vec<attr::PartitionAttr>,
}

pub struct Column<'a> {
    pub ident: &'a Ident,
    pub sql_name: Sp<String>,
    /// The field's type as written.
    pub ty: &'a Type,
    /// The type without its outer `Option`.
    pub inner: &'a Type,
    pub nullable: bool,
    pub attrs: ColumnAttrs,
    /// The field's doc comment, with `#[table(comments)]`.
    pub comment: Option<String>,
}

impl Column<'_> {
    pub fn default(&self) -> Option<&Sp<DefaultAttr>> {
        self.attrs.default.as_ref()
    }

    pub fn on_update(&self) -> Option<&Sp<OnUpdateAttr>> {
        self.attrs.on_update.as_ref()
    }

    pub fn type_override(&self) -> Option<&Sp<TypeOverride>> {
        self.attrs.type_override.as_ref()
    }

    /// Whether inserts and updates may give the column a value: not when the database computes
    /// it (`generated`, `identity = always`).
    pub fn is_writable(&self) -> bool {
        self.attrs.generated.is_none() && !self.attrs.identity.as_ref().is_some_and(|i| i.value)
    }
}

pub struct PrimaryKey {
    pub span: Span,
    pub name: String,
    pub columns: Vec<usize>,
}

pub struct Unique {
    pub span: Span,
    pub name: String,
    pub columns: Vec<usize>,
    pub nulls_not_distinct: bool,
}

pub enum IndexTarget {
    Column(usize),
    Expression(String),
}

pub struct IndexKey {
    pub target: IndexTarget,
    pub desc: Option<bool>,
    pub nulls_first: Option<bool>,
    pub opclass: Option<String>,
}

pub struct Index {
    pub span: Span,
    pub name: String,
    pub keys: Vec<IndexKey>,
    pub unique: bool,
    pub method: IndexMethod,
    pub predicate: Option<String>,
    pub with: Option<String>,
}

pub struct ForeignKey {
    pub span: Span,
    pub name: String,
    pub column: usize,
    /// The referenced column's item, `users::id`.
    pub target: Path,
    /// The actions as written (with their tokens); `NO ACTION` when not.
    pub on_delete: Option<Sp<FkAction>>,
    pub on_update: Option<Sp<FkAction>>,
}

pub struct Check {
    pub span: Span,
    pub name: String,
    pub sql: String,
}

/// `Option<T>` → `Some(T)`, by the type's last path segment.
pub fn option_inner(ty: &Type) -> Option<&Type> {
    let Type::Path(path) = ty else { return None };
    if path.qself.is_some() {
        return None;
    }
    let last = path.path.segments.last()?;
    if last.ident != "Option" {
        return None;
    }
    let syn::PathArguments::AngleBracketed(args) = &last.arguments else {
        return None;
    };
    match args.args.first() {
        Some(syn::GenericArgument::Type(inner)) if args.args.len() == 1 => Some(inner),
        _ => None,
    }
}

impl<'a> Table<'a> {
    pub fn from_item(cx: &Ctxt, attrs: &'a TableAttrs, item: &'a syn::ItemStruct) -> Table<'a> {
        let table_comments = attrs.comments;
        let sql_name = attrs.name.clone().unwrap_or_else(|| {
            Sp::new(
                naming::snake_case(&item.ident.to_string()),
                item.ident.span(),
            )
        });
        let module = attrs
            .module
            .clone()
            .unwrap_or_else(|| Ident::new(&module_name(&sql_name.value), sql_name.span));
        let krate = attrs
            .krate
            .clone()
            .unwrap_or_else(|| syn::parse_quote!(::schema_core));

        if !item.generics.params.is_empty() {
            cx.error_spanned_by(&item.generics, "a `#[table]` struct cannot be generic");
        }
        let fields: Vec<&syn::Field> = match &item.fields {
            syn::Fields::Named(named) => named.named.iter().collect(),
            _ => {
                cx.error_spanned_by(
                    &item.ident,
                    "`#[table]` needs a struct with named fields, one per column",
                );
                Vec::new()
            }
        };

        let columns: Vec<Column<'a>> = fields
            .into_iter()
            .map(|field| {
                let ident = field.ident.as_ref().expect("named field");
                let attrs = attr::parse_column_attrs(cx, field);
                let attrs_comments = table_comments;
                let sql_name = attrs
                    .name
                    .clone()
                    .unwrap_or_else(|| Sp::new(naming::column(&ident.to_string()), ident.span()));
                let (inner, nullable) = match option_inner(&field.ty) {
                    Some(inner) => (inner, true),
                    None => (&field.ty, false),
                };
                Column {
                    ident,
                    sql_name,
                    ty: &field.ty,
                    inner,
                    nullable,
                    attrs,
                    comment: attrs_comments.and_then(|_| doc_comment(&field.attrs)),
                }
            })
            .collect();

        let table_name = sql_name.value.clone();
        let find = |ident: &Ident| -> Option<usize> {
            let found = columns.iter().position(|c| c.ident == ident);
            if found.is_none() {
                let names: Vec<String> = columns.iter().map(|c| c.ident.to_string()).collect();
                cx.error_spanned_by(
                    ident,
                    format!(
                        "no field `{ident}` in `{}`\nhelp: the fields are: {}",
                        item.ident,
                        names.join(", ")
                    ),
                );
            }
            found
        };
        let names_of = |idx: &[usize]| -> Vec<String> {
            idx.iter()
                .map(|&i| columns[i].sql_name.value.clone())
                .collect()
        };

        // Primary key: on columns, or on the table; not both.
        let column_pk: Vec<usize> = columns
            .iter()
            .enumerate()
            .filter(|(_, c)| c.attrs.primary_key.is_some())
            .map(|(i, _)| i)
            .collect();
        let primary_key = match (&attrs.primary_key, column_pk.as_slice()) {
            (Some(table_pk), rest) => {
                for &i in rest {
                    cx.error_at(
                        columns[i].attrs.primary_key.unwrap(),
                        "the table already declares `primary_key(...)`; declare the key in one place",
                    );
                }
                let idx: Vec<usize> = table_pk.value.iter().filter_map(find).collect();
                Some(PrimaryKey {
                    span: table_pk.span,
                    name: naming::primary_key(&table_name),
                    columns: idx,
                })
            }
            (None, []) => None,
            (None, [single]) => Some(PrimaryKey {
                span: columns[*single].attrs.primary_key.unwrap(),
                name: naming::primary_key(&table_name),
                columns: vec![*single],
            }),
            (None, [_, rest @ ..]) => {
                for &i in rest {
                    cx.error_at(
                        columns[i].attrs.primary_key.unwrap(),
                        "a second `primary_key` column; for a composite key write `#[table(primary_key(a, b))]`",
                    );
                }
                None
            }
        };

        let mut uniques = Vec::new();
        let mut indexes = Vec::new();
        let mut foreign_keys = Vec::new();
        let mut checks = Vec::new();
        for (i, column) in columns.iter().enumerate() {
            let name = &column.sql_name.value;
            if let Some(unique) = &column.attrs.unique {
                uniques.push(Unique {
                    span: unique.span,
                    name: unique
                        .value
                        .clone()
                        .unwrap_or_else(|| naming::unique(&table_name, std::slice::from_ref(name))),
                    columns: vec![i],
                    nulls_not_distinct: false,
                });
            }
            if let Some(index) = &column.attrs.index {
                indexes.push(Index {
                    span: index.span,
                    name: index
                        .value
                        .clone()
                        .unwrap_or_else(|| naming::index(&table_name, std::slice::from_ref(name))),
                    keys: vec![IndexKey {
                        target: IndexTarget::Column(i),
                        desc: None,
                        nulls_first: None,
                        opclass: None,
                    }],
                    unique: false,
                    method: IndexMethod::Btree,
                    predicate: None,
                    with: None,
                });
            }
            if let Some(check) = &column.attrs.check {
                checks.push(Check {
                    span: check.span,
                    name: naming::column_check(&table_name, name),
                    sql: check.value.clone(),
                });
            }
            if let Some(references) = &column.attrs.references {
                let on_delete = references
                    .on_delete
                    .as_ref()
                    .or(column.attrs.on_delete.as_ref());
                if references.on_delete.is_some() {
                    if let Some(extra) = &column.attrs.on_delete {
                        cx.error_at(
                            extra.span,
                            "`on_delete` is given twice: inside `references(...)` and beside it",
                        );
                    }
                }
                foreign_keys.push(ForeignKey {
                    span: references.path_span(),
                    name: references
                        .name
                        .as_ref()
                        .map(|n| n.value.clone())
                        .unwrap_or_else(|| {
                            naming::foreign_key(&table_name, std::slice::from_ref(name))
                        }),
                    column: i,
                    target: references.path.clone(),
                    on_delete: on_delete.map(|a| Sp::new(a.value, a.span)),
                    on_update: references
                        .on_update
                        .as_ref()
                        .map(|a| Sp::new(a.value, a.span)),
                });
            } else if let Some(on_delete) = &column.attrs.on_delete {
                cx.error_at(
                    on_delete.span,
                    "`on_delete` needs a foreign key: add `references = table::column`",
                );
            }
        }

        for unique in &attrs.uniques {
            let idx: Vec<usize> = unique.on.iter().filter_map(find).collect();
            uniques.push(Unique {
                span: unique.span,
                name: unique
                    .name
                    .as_ref()
                    .map(|n| n.value.clone())
                    .unwrap_or_else(|| naming::unique(&table_name, &names_of(&idx))),
                columns: idx,
                nulls_not_distinct: unique.nulls_not_distinct,
            });
        }
        for index in &attrs.indexes {
            let keys: Vec<IndexKey> = index
                .keys
                .iter()
                .filter_map(|key| {
                    let target = match &key.target {
                        IndexTargetAttr::Field(ident) => IndexTarget::Column(find(ident)?),
                        IndexTargetAttr::Sql(sql) => IndexTarget::Expression(sql.value()),
                    };
                    Some(IndexKey {
                        target,
                        desc: key.desc,
                        nulls_first: key.nulls_first,
                        opclass: key.opclass.clone(),
                    })
                })
                .collect();
            let key_names: Vec<String> = keys
                .iter()
                .map(|k| match &k.target {
                    IndexTarget::Column(i) => columns[*i].sql_name.value.clone(),
                    IndexTarget::Expression(_) => "expr".into(),
                })
                .collect();
            indexes.push(Index {
                span: index.span,
                name: index
                    .name
                    .as_ref()
                    .map(|n| n.value.clone())
                    .unwrap_or_else(|| naming::index(&table_name, &key_names)),
                keys,
                unique: index.unique,
                method: index
                    .method
                    .as_ref()
                    .map_or(IndexMethod::Btree, |m| m.value),
                predicate: index.predicate.clone(),
                with: index.with.clone(),
            });
        }
        for check in &attrs.checks {
            if let (Some(name), Some(sql)) = (&check.name, &check.sql) {
                checks.push(Check {
                    span: check.span,
                    name: name.value.clone(),
                    sql: sql.clone(),
                });
            }
        }

        let soft_delete = attrs.soft_delete.as_ref().and_then(find);
        let partitioning = routine::resolve(
            cx,
            attrs,
            &table_name,
            &columns,
            &find,
            primary_key.as_ref(),
            &uniques,
        );

        Table {
            item,
            sql_name,
            schema: attrs.schema.clone(),
            renamed_from: attrs.renamed_from.clone(),
            module,
            krate,
            columns,
            primary_key,
            uniques,
            indexes,
            foreign_keys,
            checks,
            soft_delete,
            relations: &attrs.relations,
            row_security: if attrs.force_row_level_security.is_some() {
                "Forced"
            } else if attrs.row_level_security.is_some() {
                "Enabled"
            } else {
                "Off"
            },
            policies: &attrs.policies,
            comment: attrs.comments.and_then(|_| doc_comment(&item.attrs)),
            grants: &attrs.grants,
            triggers: partitioning.triggers,
            partition_by: partitioning.partition_by,
            partitions: partitioning.partitions,
        }
    }

    /// The single-column primary key, which a parent side of a relation needs.
    pub fn single_key(&self) -> Option<&Column<'a>> {
        match self.primary_key.as_ref().map(|pk| pk.columns.as_slice()) {
            Some([only]) => Some(&self.columns[*only]),
            _ => None,
        }
    }
}

impl attr::ReferencesAttr {
    pub fn path_span(&self) -> Span {
        syn::spanned::Spanned::span(&self.path)
    }
}

/// The column module's name: the table's SQL name when it is a Rust identifier.
fn module_name(sql_name: &str) -> String {
    let mut name: String = sql_name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect();
    if name.is_empty() || name.starts_with(|c: char| c.is_ascii_digit()) {
        name.insert(0, '_');
    }
    if syn::parse_str::<Ident>(&name).is_err() {
        name.push('_');
    }
    name
}

/// The text of `///` comments, as rustdoc reads it: one line per attribute, the one space after
/// `///` taken off, blank lines at either end dropped; `None` when there is none.
pub fn doc_comment(attrs: &[syn::Attribute]) -> Option<String> {
    let lines: Vec<String> = attrs
        .iter()
        .filter(|a| a.path().is_ident("doc"))
        .filter_map(|a| match &a.meta {
            syn::Meta::NameValue(nv) => match &nv.value {
                syn::Expr::Lit(syn::ExprLit {
                    lit: syn::Lit::Str(text),
                    ..
                }) => Some(text.value()),
                _ => None,
            },
            _ => None,
        })
        .flat_map(|text| {
            text.split('\n')
                .map(|l| l.strip_prefix(' ').unwrap_or(l).trim_end().to_string())
                .collect::<Vec<_>>()
        })
        .collect();
    let text = lines.join("\n");
    let text = text.trim_matches('\n');
    (!text.trim().is_empty()).then(|| text.to_string())
}
