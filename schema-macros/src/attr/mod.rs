//! Reads `#[table(...)]`, `#[column(...)]` and `#[pg_enum(...)]` into plain structs.
//!
//! Unknown and duplicate keys are errors at the key, and parsing goes on after them, so one
//! build reports every mistake.

mod column;
mod parse;
mod pg_enum;
mod routine;
mod table;
mod vocab;

pub use column::*;
pub use pg_enum::*;
pub use routine::*;
pub use table::*;
pub use vocab::*;

use proc_macro2::Span;

/// A value with the span of the token it came from.
#[derive(Clone, Debug)]
pub struct Sp<T> {
    pub value: T,
    pub span: Span,
}

impl<T> Sp<T> {
    pub fn new(value: T, span: Span) -> Self {
        Sp { value, span }
    }
}

pub const TABLE_KEYS: &[&str] = &[
    "name",
    "schema",
    "module",
    "renamed_from",
    "primary_key",
    "unique",
    "index",
    "check",
    "soft_delete",
    "has_many",
    "has_one",
    "many_to_many",
    "row_level_security",
    "force_row_level_security",
    "policy",
    "comments",
    "grant",
    "trigger",
    "partition_by",
    "partition",
    "partitions",
    "crate",
];

pub const COLUMN_KEYS: &[&str] = &[
    "name",
    "primary_key",
    "unique",
    "index",
    "check",
    "default",
    "default_fn",
    "identity",
    "generated",
    "references",
    "relation",
    "on_delete",
    "on_update",
    "trigger",
    "renamed_from",
    "varchar",
    "char",
    "numeric",
    "vector",
    "sql_type",
];

pub const ENUM_KEYS: &[&str] = &["name", "schema", "rename_all", "crate"];

pub const DOMAIN_KEYS: &[&str] = &[
    "name", "schema", "check", "not_null", "varchar", "char", "numeric", "sql_type", "crate",
];

pub const INDEX_KEYS: &[&str] = &["name", "on", "unique", "method", "where", "with"];

pub const UNIQUE_KEYS: &[&str] = &["name", "on", "nulls_not_distinct"];

pub const CHECK_KEYS: &[&str] = &["name", "sql"];

pub const VIEW_KEYS: &[&str] = &[
    "name",
    "schema",
    "module",
    "sql",
    "query",
    "materialized",
    "index",
    "crate",
    "inline",
];

pub const POLICY_KEYS: &[&str] = &[
    "name",
    "command",
    "to",
    "using",
    "with_check",
    "restrictive",
];

pub const PRIVILEGES: &[&str] = &[
    "select",
    "insert",
    "update",
    "delete",
    "truncate",
    "references",
    "trigger",
    "all",
];

pub const POLICY_COMMANDS: &[&str] = &["all", "select", "insert", "update", "delete"];

pub const REFERENCES_KEYS: &[&str] = &["name", "on_delete", "on_update"];

pub const HAS_KEYS: &[&str] = &["by"];

pub const MANY_TO_MANY_KEYS: &[&str] = &["through", "to", "target"];
