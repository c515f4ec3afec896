//! Snapshots of what the macros expand to, one declaration of each shape, formatted: a change
//! to the generated code shows in review as a change to these files
//! (`schema-macros/src/snapshots/`). Accept a reviewed change with `INSTA_UPDATE=always`.

use proc_macro2::TokenStream;
use quote::quote;

/// The expansion as formatted Rust.
fn pretty(tokens: TokenStream) -> String {
    match syn::parse2::<syn::File>(tokens.clone()) {
        Ok(file) => prettyplease::unparse(&file),
        Err(error) => panic!("the expansion is not Rust ({error}):\n{tokens}"),
    }
}

fn table(args: TokenStream, item: TokenStream) -> String {
    pretty(crate::expand::table::expand(args, item))
}

/// A plain table: a generated key, a unique column, defaults, an on-update timestamp.
#[test]
fn a_plain_table() {
    insta::assert_snapshot!(table(
        quote!(name = "users"),
        quote! {
            pub struct User {
                #[column(primary_key, default = random)]
                pub id: Uuid,
                #[column(varchar(255), unique)]
                pub email: String,
                pub name: Option<String>,
                #[column(default = now, on_update = now)]
                pub updated_at: Timestamp,
            }
        },
    ));
}

/// Columns the database computes (`generated`, `identity = always`: no setter, no `Writable`),
/// a client-side default (`default_fn`), and a `sql_type` checked against the field.
#[test]
fn computed_columns_and_client_defaults() {
    insta::assert_snapshot!(table(
        quote!(name = "people"),
        quote! {
            pub struct Person {
                #[column(primary_key, identity = always)]
                pub id: i64,
                #[column(default_fn = new_code)]
                pub code: String,
                pub first: String,
                #[column(generated = "upper(first)")]
                pub shout: String,
                #[column(sql_type = "inet")]
                pub address: Option<std::net::IpAddr>,
            }
        },
    ));
}

/// A materialized view with an index: `Table` (read-only, `IS_VIEW`), `View`, `Materialized`,
/// the column module, row decoding, and the writes that say it is a view.
#[test]
fn a_materialized_view() {
    insta::assert_snapshot!(pretty(crate::expand::table::expand_view(
        quote!(
            name = "busy_devices",
            materialized,
            sql = "SELECT id, logs FROM device_summaries WHERE logs > 0",
            index(on(id), unique)
        ),
        quote! {
            pub struct BusyDevice {
                pub id: i64,
                pub logs: i64,
            }
        },
    )));
}

/// A domain: `Domain`, `ColumnValue` registering it, values through the base type.
#[test]
fn a_domain() {
    insta::assert_snapshot!(pretty(crate::expand::domain::expand(
        quote!(name = "email_address", not_null, check = "VALUE ~ '@'"),
        quote! {
            pub struct EmailAddress(pub String);
        },
    )));
}

/// Foreign keys with relations both ways, soft delete, a self-reference, an index and a
/// composite unique constraint.
#[test]
fn a_table_with_relations_and_soft_delete() {
    insta::assert_snapshot!(table(
        quote! {
            name = "contexts",
            soft_delete = deleted_at,
            has_many(forks, by = contexts::parent_id),
            index(on(owner_id)),
            unique(on(owner_id, name))
        },
        quote! {
            pub struct Context {
                #[column(primary_key, identity)]
                pub id: i64,
                #[column(references = users::id, on_delete = cascade, relation = owner)]
                pub owner_id: Uuid,
                pub name: String,
                #[column(references = contexts::id, on_delete = set_null, relation = parent)]
                pub parent_id: Option<i64>,
                pub deleted_at: Option<TimestampTz>,
            }
        },
    ));
}

/// A composite primary key in a schema of its own, with a check.
#[test]
fn a_composite_key_in_a_schema() {
    insta::assert_snapshot!(table(
        quote!(
            name = "memberships",
            schema = "auth",
            primary_key(team_id, user_id)
        ),
        quote! {
            pub struct Membership {
                pub team_id: i64,
                pub user_id: i64,
                #[column(check = "rank > 0")]
                pub rank: i32,
            }
        },
    ));
}

#[test]
fn a_pg_enum() {
    insta::assert_snapshot!(pretty(crate::expand::pg_enum::expand(
        quote!(name = "user_role"),
        quote! {
            pub enum UserRole {
                User,
                #[label = "administrator"]
                Admin,
            }
        },
    )));
}

#[test]
fn a_from_row_struct() {
    insta::assert_snapshot!(pretty(crate::expand::from_row::expand(quote! {
        pub struct Summary {
            pub name: String,
            pub projects: i64,
        }
    })));
}
