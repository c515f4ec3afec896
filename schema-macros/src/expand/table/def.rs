//! The `TableDef` constant: the table as the schema model describes it.

use proc_macro2::{Ident, Span, TokenStream};
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;

use super::private;
use crate::attr::{
    known_sql_type, DefaultAttr, FkAction, KnownModel, OnUpdateAttr, Sp, TypeOverride,
};
use crate::expand::{opt_str, str, str_list};
use crate::model::{Column, IndexTarget, Table};

pub(super) fn table_def(table: &Table<'_>) -> TokenStream {
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
    let row_security = Ident::new(table.row_security, Span::call_site());
    let comment = opt_str(p, table.comment.as_deref());
    // One entry per role, its privileges sorted and once each.
    let mut by_role: std::collections::BTreeMap<&str, std::collections::BTreeSet<usize>> =
        Default::default();
    const ORDER: [&str; 7] = [
        "Select",
        "Insert",
        "Update",
        "Delete",
        "Truncate",
        "References",
        "Trigger",
    ];
    for grant in table.grants {
        for role in &grant.roles {
            let entry = by_role.entry(role.as_str()).or_default();
            for privilege in &grant.privileges {
                if let Some(at) = ORDER.iter().position(|p| p == privilege) {
                    entry.insert(at);
                }
            }
        }
    }
    let grants = by_role.iter().map(|(role, privileges)| {
        let role = str(p, role);
        let privileges = privileges
            .iter()
            .map(|&at| Ident::new(ORDER[at], Span::call_site()));
        quote!(#p::GrantDef {
            role: #role,
            privileges: #p::Cow::Borrowed(&[#(#p::Privilege::#privileges),*]),
        })
    });
    let policies = table.policies.iter().map(|policy| {
        let name = str(p, policy.name.as_ref().map_or("", |n| n.value.as_str()));
        let command = policy
            .command
            .as_ref()
            .map_or("All", |c| match c.value.as_str() {
                "SELECT" => "Select",
                "INSERT" => "Insert",
                "UPDATE" => "Update",
                "DELETE" => "Delete",
                _ => "All",
            });
        let command = Ident::new(command, Span::call_site());
        let roles = policy.roles.iter().map(|r| str(p, r));
        let using = opt_str(p, policy.using.as_ref().map(|u| u.value.as_str()));
        let with_check = opt_str(p, policy.with_check.as_ref().map(|c| c.value.as_str()));
        let restrictive = policy.restrictive.is_some();
        quote!(#p::PolicyDef {
            name: #name,
            command: #p::PolicyCommand::#command,
            roles: #p::Cow::Borrowed(&[#(#roles),*]),
            using: #using,
            with_check: #with_check,
            restrictive: #restrictive,
        })
    });
    let (triggers, partition_by, partitions) = super::routines::defs(p, table);
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
        row_security: #p::RowSecurity::#row_security,
        policies: #p::Cow::Borrowed(&[#(#policies),*]),
        comment: #comment,
        grants: #p::Cow::Borrowed(&[#(#grants),*]),
        triggers: #p::Cow::Borrowed(&[#(#triggers),*]),
        partition_by: #partition_by,
        partitions: #p::Cow::Borrowed(&[#(#partitions),*]),
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
    let (sql_type, dims) = sql_type(p, &value_type, column.type_override().map(|o| &o.value));
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
                DefaultAttr::NextVal(schema, name) => {
                    let schema = opt_str(p, schema.as_deref());
                    let name = str(p, name);
                    quote!(#p::DefaultValue::NextVal(#p::QualifiedName::new(#schema, #name)))
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
    let trigger = Ident::new(
        match column.attrs.trigger.as_ref().map(|t| t.value) {
            None => "Off",
            Some(false) => "UnlessSet",
            Some(true) => "Always",
        },
        Span::call_site(),
    );
    let comment = opt_str(p, column.comment.as_deref());
    let generated = opt_str(p, column.attrs.generated.as_ref().map(|g| g.value.as_str()));
    quote!(#p::ColumnDef {
        name: #name,
        sql_type: #sql_type,
        array_dims: #dims,
        nullable: #nullable,
        default: #default,
        identity: #identity,
        generated: #generated,
        on_update: #on_update,
        on_update_trigger: #p::OnUpdateTrigger::#trigger,
        renamed_from: #renamed_from,
        comment: #comment,
    })
}

/// The model's type and array dimensions of a field of Rust type `value_type` (as
/// `<T as ColumnValue>`), with its type attribute if it has one.
pub(crate) fn sql_type(
    p: &TokenStream,
    value_type: &TokenStream,
    over: Option<&TypeOverride>,
) -> (TokenStream, TokenStream) {
    match over {
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
        Some(TypeOverride::Sql(sql)) => match known_sql_type(sql) {
            // A type the field's Rust type is checked against: arrays of it are `Vec`s.
            Some(known) => {
                let model = match known.model {
                    KnownModel::Variant(variant) => {
                        let variant = Ident::new(variant, Span::call_site());
                        quote!(#p::SqlType::#variant)
                    }
                    KnownModel::Varchar => quote!(#p::SqlType::Varchar(#p::None)),
                    KnownModel::Vector => quote!(#p::SqlType::Vector(#p::None)),
                    KnownModel::Numeric => {
                        quote!(#p::SqlType::Numeric { precision: #p::None, scale: #p::None })
                    }
                    KnownModel::Named(name) => {
                        let name = str(p, name);
                        quote!(#p::SqlType::Custom(#name))
                    }
                };
                (model, quote!(#value_type::ARRAY_DIMS))
            }
            None => {
                let sql = str(p, sql);
                (quote!(#p::SqlType::Custom(#sql)), quote!(0))
            }
        },
    }
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
