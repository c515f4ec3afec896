//! The closed vocabularies of the attributes (index methods, foreign key actions, rename
//! rules): parsed into enums, a word outside them an error at its token.

use syn::meta::ParseNestedMeta;

use super::parse::*;
use super::*;
use crate::ctxt::Ctxt;

/// An index's access method, `method = gin`: a closed vocabulary, parsed here; a word outside it
/// is an error at its token, never a silent default.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IndexMethod {
    Btree,
    Hash,
    Gin,
    Gist,
    SpGist,
    Brin,
    Hnsw,
    Ivfflat,
}

impl IndexMethod {
    /// Each method as the attribute spells it.
    pub(super) const ALL: &'static [(&'static str, IndexMethod)] = &[
        ("btree", IndexMethod::Btree),
        ("hash", IndexMethod::Hash),
        ("gin", IndexMethod::Gin),
        ("gist", IndexMethod::Gist),
        ("spgist", IndexMethod::SpGist),
        ("brin", IndexMethod::Brin),
        ("hnsw", IndexMethod::Hnsw),
        ("ivfflat", IndexMethod::Ivfflat),
    ];

    /// The variant of `schema_core::schema::IndexMethod`.
    pub fn variant(self) -> &'static str {
        match self {
            IndexMethod::Btree => "Btree",
            IndexMethod::Hash => "Hash",
            IndexMethod::Gin => "Gin",
            IndexMethod::Gist => "Gist",
            IndexMethod::SpGist => "SpGist",
            IndexMethod::Brin => "Brin",
            IndexMethod::Hnsw => "Hnsw",
            IndexMethod::Ivfflat => "Ivfflat",
        }
    }
}

/// A foreign key's action, `on_delete = cascade`: a closed vocabulary, like [`IndexMethod`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FkAction {
    NoAction,
    Restrict,
    Cascade,
    SetNull,
    SetDefault,
}

impl FkAction {
    /// Each action as the attribute spells it.
    pub(super) const ALL: &'static [(&'static str, FkAction)] = &[
        ("cascade", FkAction::Cascade),
        ("restrict", FkAction::Restrict),
        ("set_null", FkAction::SetNull),
        ("set_default", FkAction::SetDefault),
        ("no_action", FkAction::NoAction),
    ];

    /// The variant of `schema_core::schema::FkAction`.
    pub fn variant(self) -> &'static str {
        match self {
            FkAction::NoAction => "NoAction",
            FkAction::Restrict => "Restrict",
            FkAction::Cascade => "Cascade",
            FkAction::SetNull => "SetNull",
            FkAction::SetDefault => "SetDefault",
        }
    }
}

/// `key = word` of a closed vocabulary (`all`): the word's value, or an error at the word that
/// names the closest valid one and lists them all (`None`).
pub(super) fn closed_word<T: Copy>(
    cx: &Ctxt,
    meta: &ParseNestedMeta<'_>,
    all: &[(&'static str, T)],
    what: &str,
    listing: &str,
) -> syn::Result<Option<Sp<T>>> {
    let ident = ident_value(meta)?;
    let name = ident.to_string();
    match all.iter().find(|(word, _)| *word == name) {
        Some((_, value)) => Ok(Some(Sp::new(*value, ident.span()))),
        None => {
            let words: Vec<&str> = all.iter().map(|(word, _)| *word).collect();
            cx.error_spanned_by(
                &ident,
                format!(
                    "unknown {what} `{name}`\nhelp: {}",
                    suggest(&name, &words, listing)
                ),
            );
            Ok(None)
        }
    }
}

pub const RENAME_RULES: &[&str] = &[
    "snake_case",
    "lowercase",
    "UPPERCASE",
    "SCREAMING_SNAKE_CASE",
    "kebab-case",
    "verbatim",
];

/// How the model names a SQL type that `sql_type = "…"` spells: a variant of
/// `schema_core::schema::SqlType`, or PostgreSQL's own name for the others (`Custom("inet")`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KnownModel {
    /// A unit variant (`Bytea`).
    Variant(&'static str),
    /// `Varchar(None)`.
    Varchar,
    /// `Numeric { precision: None, scale: None }`.
    Numeric,
    /// `Vector(None)`.
    Vector,
    /// `Custom("inet")`.
    Named(&'static str),
}

/// A SQL type `sql_type = "…"` names that a Rust type here reads and writes: its model, and the
/// check (in `schema_core::__private`) that the field's type holds it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KnownSqlType {
    pub model: KnownModel,
    pub check: &'static str,
}

/// The SQL type a `sql_type` names, if it is one whose Rust types are known, in any of the
/// spellings PostgreSQL takes (`int4`, `INTEGER`, `character varying`). A type with parameters
/// (`timestamp(3)`) or one not listed is taken as written, unchecked.
pub fn known_sql_type(written: &str) -> Option<KnownSqlType> {
    use KnownModel::*;
    let words: Vec<String> = written
        .split_whitespace()
        .map(str::to_ascii_lowercase)
        .collect();
    let (model, check) = match words.join(" ").as_str() {
        "inet" => (Named("inet"), "FitsInet"),
        "cidr" => (Named("cidr"), "FitsCidr"),
        "macaddr" => (Named("macaddr"), "FitsMacaddr"),
        "interval" => (Variant("Interval"), "FitsInterval"),
        "bytea" => (Variant("Bytea"), "FitsBytea"),
        "tsvector" => (Named("tsvector"), "FitsTsvector"),
        "json" => (Variant("Json"), "FitsJson"),
        "jsonb" => (Variant("Jsonb"), "FitsJson"),
        "numeric" | "decimal" => (Numeric, "FitsNumeric"),
        "time" | "time without time zone" => (Variant("Time"), "FitsTime"),
        "date" => (Variant("Date"), "FitsDate"),
        "timestamp" | "timestamp without time zone" => (Variant("Timestamp"), "FitsTimestamp"),
        "timestamptz" | "timestamp with time zone" => (Variant("TimestampTz"), "FitsTimestamptz"),
        "uuid" => (Variant("Uuid"), "FitsUuid"),
        "text" => (Variant("Text"), "FitsText"),
        "varchar" | "character varying" => (Varchar, "FitsText"),
        "citext" => (Named("citext"), "FitsText"),
        "boolean" | "bool" => (Variant("Boolean"), "FitsBool"),
        "smallint" | "int2" => (Variant("SmallInt"), "FitsSmallint"),
        "integer" | "int" | "int4" => (Variant("Integer"), "FitsInteger"),
        "bigint" | "int8" => (Variant("BigInt"), "FitsBigint"),
        "real" | "float4" => (Variant("Real"), "FitsReal"),
        "double precision" | "float8" => (Variant("DoublePrecision"), "FitsDouble"),
        "vector" => (Vector, "FitsVector"),
        _ => return None,
    };
    Some(KnownSqlType { model, check })
}
