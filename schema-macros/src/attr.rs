//! Reads `#[table(...)]`, `#[column(...)]` and `#[pg_enum(...)]` into plain structs.
//!
//! Unknown and duplicate keys are errors at the key, and parsing goes on after them, so one
//! build reports every mistake.

use proc_macro2::{Ident, Span};
use syn::ext::IdentExt;
use syn::meta::ParseNestedMeta;
use syn::parse::{Parse, ParseStream, Parser};
use syn::spanned::Spanned;
use syn::{parenthesized, LitBool, LitFloat, LitInt, LitStr, Path, Token};

use crate::ctxt::Ctxt;

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
    "crate",
];

pub const COLUMN_KEYS: &[&str] = &[
    "name",
    "primary_key",
    "unique",
    "index",
    "check",
    "default",
    "identity",
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

pub const INDEX_KEYS: &[&str] = &["name", "on", "unique", "method", "where", "with"];
pub const UNIQUE_KEYS: &[&str] = &["name", "on", "nulls_not_distinct"];
pub const CHECK_KEYS: &[&str] = &["name", "sql"];
pub const REFERENCES_KEYS: &[&str] = &["name", "on_delete", "on_update"];
pub const HAS_KEYS: &[&str] = &["by"];
pub const MANY_TO_MANY_KEYS: &[&str] = &["through", "to", "target"];

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
    const ALL: &'static [(&'static str, IndexMethod)] = &[
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
    const ALL: &'static [(&'static str, FkAction)] = &[
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
fn closed_word<T: Copy>(
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

#[derive(Default)]
pub struct TableAttrs {
    pub name: Option<Sp<String>>,
    pub schema: Option<Sp<String>>,
    pub module: Option<Ident>,
    pub renamed_from: Option<Sp<String>>,
    pub primary_key: Option<Sp<Vec<Ident>>>,
    pub uniques: Vec<UniqueAttr>,
    pub indexes: Vec<IndexAttr>,
    pub checks: Vec<CheckAttr>,
    pub soft_delete: Option<Ident>,
    pub relations: Vec<RelationAttr>,
    pub krate: Option<Path>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum RelationKind {
    HasMany,
    HasOne,
    ManyToMany,
}

/// `has_many(name, by = child::fk)`, `has_one(…)`, or
/// `many_to_many(name, through = join::this_fk, to = join::other_fk, target = other::key)`.
pub struct RelationAttr {
    pub kind: RelationKind,
    pub name: Ident,
    pub by: Option<Path>,
    pub through: Option<Path>,
    pub to: Option<Path>,
    pub target: Option<Path>,
}

pub struct UniqueAttr {
    pub span: Span,
    pub name: Option<Sp<String>>,
    pub on: Vec<Ident>,
    pub nulls_not_distinct: bool,
}

pub struct IndexAttr {
    pub span: Span,
    pub name: Option<Sp<String>>,
    pub keys: Vec<IndexKeyAttr>,
    pub unique: bool,
    pub method: Option<Sp<IndexMethod>>,
    pub predicate: Option<String>,
    pub with: Option<String>,
}

pub enum IndexTargetAttr {
    Field(Ident),
    Sql(LitStr),
}

pub struct IndexKeyAttr {
    pub target: IndexTargetAttr,
    pub desc: Option<bool>,
    pub nulls_first: Option<bool>,
    pub opclass: Option<String>,
}

pub struct CheckAttr {
    pub span: Span,
    pub name: Option<Sp<String>>,
    pub sql: Option<String>,
}

#[derive(Default)]
pub struct ColumnAttrs {
    pub name: Option<Sp<String>>,
    pub primary_key: Option<Span>,
    pub unique: Option<Sp<Option<String>>>,
    pub index: Option<Sp<Option<String>>>,
    pub check: Option<Sp<String>>,
    pub default: Option<Sp<DefaultAttr>>,
    pub identity: Option<Sp<bool>>,
    pub references: Option<ReferencesAttr>,
    /// `relation = owner` beside `references`: a belongs-to relation.
    pub relation: Option<Ident>,
    /// `on_delete` written beside `references = …`.
    pub on_delete: Option<Sp<FkAction>>,
    pub on_update: Option<Sp<OnUpdateAttr>>,
    /// `trigger` beside `on_update = now`: a database trigger does it too.
    pub trigger: Option<Span>,
    pub renamed_from: Option<Sp<String>>,
    pub type_override: Option<Sp<TypeOverride>>,
}

pub enum DefaultAttr {
    Bool(bool),
    Int(String),
    Float(String),
    Str(String),
    Random,
    Now,
    Sql(String),
    Enum(Path),
}

pub enum OnUpdateAttr {
    Now,
    Function(Path),
}

pub struct ReferencesAttr {
    pub path: Path,
    pub name: Option<Sp<String>>,
    pub on_delete: Option<Sp<FkAction>>,
    pub on_update: Option<Sp<FkAction>>,
}

pub enum TypeOverride {
    Varchar(Option<u32>),
    Char(u32),
    Numeric(Option<u16>, Option<u16>),
    Vector(Option<u32>),
    Sql(String),
}

#[derive(Default)]
pub struct EnumAttrs {
    pub name: Option<Sp<String>>,
    pub schema: Option<Sp<String>>,
    pub rename_all: Option<Sp<String>>,
    pub krate: Option<Path>,
}

/// The key of a nested meta item, as written.
fn key_of(meta: &ParseNestedMeta<'_>) -> String {
    meta.path
        .get_ident()
        .map(|i| i.to_string().trim_start_matches("r#").to_string())
        .unwrap_or_else(|| {
            let path = &meta.path;
            quote::quote!(#path).to_string().replace(' ', "")
        })
}

/// Records an unknown key and skips its value, so parsing goes on.
fn unknown_key(
    cx: &Ctxt,
    meta: &ParseNestedMeta<'_>,
    what: &str,
    valid: &[&str],
) -> syn::Result<()> {
    let key = key_of(meta);
    let help = suggest(&key, valid, "the valid keys are");
    cx.error_spanned_by(
        &meta.path,
        format!("unknown {what} attribute `{key}`\nhelp: {help}"),
    );
    skip_value(meta)
}

/// `did you mean `x`? (the … are: a, b, c)`, or the list alone when nothing is close.
fn suggest(given: &str, valid: &[&str], listing: &str) -> String {
    match closest(given, valid) {
        Some(close) => format!("did you mean `{close}`? ({listing}: {})", valid.join(", ")),
        None => format!("{listing}: {}", valid.join(", ")),
    }
}

/// The valid key a misspelling most likely meant: the nearest by edit distance, when it is near
/// (a third of the key's length, at least one edit), or one the key starts with or is a start of.
fn closest<'a>(key: &str, valid: &[&'a str]) -> Option<&'a str> {
    let near = (key.chars().count() / 3).max(1);
    valid
        .iter()
        .map(|v| (edit_distance(key, v), *v))
        .filter(|(d, v)| {
            *d <= near || (key.len() > 3 && (v.starts_with(key) || key.starts_with(v)))
        })
        .min_by_key(|(d, _)| *d)
        .map(|(_, v)| v)
}

/// Levenshtein distance, with a swap of two neighbours counting once.
fn edit_distance(a: &str, b: &str) -> usize {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    let mut rows = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in rows.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in rows[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (rows[i - 1][j] + 1)
                .min(rows[i][j - 1] + 1)
                .min(rows[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(rows[i - 2][j - 2] + 1);
            }
            rows[i][j] = best;
        }
    }
    rows[a.len()][b.len()]
}

fn skip_value(meta: &ParseNestedMeta<'_>) -> syn::Result<()> {
    if meta.input.peek(Token![=]) {
        meta.input.parse::<Token![=]>()?;
        meta.input.parse::<syn::Expr>()?;
    } else if meta.input.peek(syn::token::Paren) {
        meta.input.parse::<proc_macro2::Group>()?;
    }
    Ok(())
}

/// Stores `value` unless the key was given before, which is an error at the second one.
fn set_once<T>(cx: &Ctxt, slot: &mut Option<T>, value: T, meta: &ParseNestedMeta<'_>) {
    if slot.is_some() {
        cx.error_spanned_by(
            &meta.path,
            format!("duplicate attribute `{}`", key_of(meta)),
        );
    } else {
        *slot = Some(value);
    }
}

fn lit_str(meta: &ParseNestedMeta<'_>) -> syn::Result<Sp<String>> {
    let lit: LitStr = meta.value()?.parse()?;
    Ok(Sp::new(lit.value(), lit.span()))
}

fn ident_value(meta: &ParseNestedMeta<'_>) -> syn::Result<Ident> {
    meta.value()?.call(Ident::parse_any)
}

fn paren_idents(meta: &ParseNestedMeta<'_>) -> syn::Result<Vec<Ident>> {
    let content;
    parenthesized!(content in meta.input);
    let list = content.parse_terminated(Ident::parse, Token![,])?;
    Ok(list.into_iter().collect())
}

/// A type parameter in PostgreSQL's range for it: `varchar(n)` takes 1 to 10,485,760, say. A
/// number out of range (negative, zero, too large) is an error at it that gives the range.
fn type_parameter(
    input: ParseStream<'_>,
    what: &str,
    range: std::ops::RangeInclusive<u32>,
) -> syn::Result<u32> {
    let negative: Option<Token![-]> = input.parse()?;
    let lit: LitInt = input.parse()?;
    let span = match &negative {
        Some(minus) => minus.span.join(lit.span()).unwrap_or(lit.span()),
        None => lit.span(),
    };
    let out_of_range = || {
        syn::Error::new(
            span,
            format!(
                "{what} is {} to {}, not {}{}",
                thousands(*range.start()),
                thousands(*range.end()),
                if negative.is_some() { "-" } else { "" },
                lit.base10_digits()
            ),
        )
    };
    if negative.is_some() {
        return Err(out_of_range());
    }
    let value: u64 = lit.base10_parse().map_err(|_| out_of_range())?;
    u32::try_from(value)
        .ok()
        .filter(|v| range.contains(v))
        .ok_or_else(out_of_range)
}

/// `10485760` → `10,485,760`
fn thousands(n: u32) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `varchar(n)`, `char(n)` and `vector(n)`: the one parameter, if given, in its range.
fn paren_parameter(
    meta: &ParseNestedMeta<'_>,
    what: &str,
    range: std::ops::RangeInclusive<u32>,
) -> syn::Result<Option<u32>> {
    if !meta.input.peek(syn::token::Paren) {
        return Ok(None);
    }
    let content;
    parenthesized!(content in meta.input);
    let value = type_parameter(&content, what, range)?;
    if !content.is_empty() {
        return Err(content.error(format!("{what} is one number")));
    }
    Ok(Some(value))
}

/// PostgreSQL's limits of type parameters.
const MAX_LENGTH: u32 = 10_485_760;
const MAX_VECTOR_DIMENSIONS: u32 = 16_000;
const MAX_NUMERIC_PRECISION: u32 = 1_000;

pub fn parse_table_attrs(cx: &Ctxt, args: proc_macro2::TokenStream) -> TableAttrs {
    let mut attrs = TableAttrs::default();
    let parser = syn::meta::parser(|meta| {
        let key = key_of(&meta);
        match key.as_str() {
            "name" => set_once(cx, &mut attrs.name, lit_str(&meta)?, &meta),
            "schema" => set_once(cx, &mut attrs.schema, lit_str(&meta)?, &meta),
            "module" => set_once(cx, &mut attrs.module, ident_value(&meta)?, &meta),
            "renamed_from" => set_once(cx, &mut attrs.renamed_from, lit_str(&meta)?, &meta),
            "soft_delete" => set_once(cx, &mut attrs.soft_delete, ident_value(&meta)?, &meta),
            "crate" => {
                let lit: LitStr = meta.value()?.parse()?;
                set_once(cx, &mut attrs.krate, lit.parse::<Path>()?, &meta)
            }
            "primary_key" => {
                let span = meta.path.span();
                let columns = paren_idents(&meta)?;
                if columns.is_empty() {
                    cx.error_at(
                        span,
                        "`primary_key(...)` needs at least one field: `primary_key(a, b)`",
                    );
                }
                set_once(cx, &mut attrs.primary_key, Sp::new(columns, span), &meta)
            }
            "unique" => attrs.uniques.push(parse_unique(cx, &meta)?),
            "index" => attrs.indexes.push(parse_index(cx, &meta)?),
            "check" => attrs.checks.push(parse_check(cx, &meta)?),
            "has_many" => attrs
                .relations
                .push(parse_relation(cx, &meta, RelationKind::HasMany)?),
            "has_one" => attrs
                .relations
                .push(parse_relation(cx, &meta, RelationKind::HasOne)?),
            "many_to_many" => {
                attrs
                    .relations
                    .push(parse_relation(cx, &meta, RelationKind::ManyToMany)?)
            }
            _ => unknown_key(cx, &meta, "table", TABLE_KEYS)?,
        }
        Ok(())
    });
    if let Err(error) = parser.parse2(args) {
        cx.syn_error(error);
    }
    attrs
}

fn parse_unique(cx: &Ctxt, meta: &ParseNestedMeta<'_>) -> syn::Result<UniqueAttr> {
    let mut unique = UniqueAttr {
        span: meta.path.span(),
        name: None,
        on: Vec::new(),
        nulls_not_distinct: false,
    };
    let mut on = None;
    meta.parse_nested_meta(|meta| {
        match key_of(&meta).as_str() {
            "name" => set_once(cx, &mut unique.name, lit_str(&meta)?, &meta),
            "on" => set_once(cx, &mut on, paren_idents(&meta)?, &meta),
            "nulls_not_distinct" => unique.nulls_not_distinct = true,
            _ => unknown_key(cx, &meta, "unique", UNIQUE_KEYS)?,
        }
        Ok(())
    })?;
    match on {
        Some(on) if !on.is_empty() => unique.on = on,
        _ => cx.error_at(
            unique.span,
            "a unique constraint needs its fields: `unique(on(a, b))`",
        ),
    }
    Ok(unique)
}

fn parse_relation(
    cx: &Ctxt,
    meta: &ParseNestedMeta<'_>,
    kind: RelationKind,
) -> syn::Result<RelationAttr> {
    let span = meta.path.span();
    let content;
    parenthesized!(content in meta.input);
    let name: Ident = content.parse()?;
    let mut relation = RelationAttr {
        kind,
        name,
        by: None,
        through: None,
        to: None,
        target: None,
    };
    if !content.is_empty() {
        content.parse::<Token![,]>()?;
        let keys = if kind == RelationKind::ManyToMany {
            MANY_TO_MANY_KEYS
        } else {
            HAS_KEYS
        };
        let nested = syn::meta::parser(|meta| {
            let key = key_of(&meta);
            let slot = match (key.as_str(), kind) {
                ("by", RelationKind::HasMany | RelationKind::HasOne) => &mut relation.by,
                ("through", RelationKind::ManyToMany) => &mut relation.through,
                ("to", RelationKind::ManyToMany) => &mut relation.to,
                ("target", RelationKind::ManyToMany) => &mut relation.target,
                _ => return unknown_key(cx, &meta, "relation", keys),
            };
            let path = meta.value()?.call(Path::parse_mod_style)?;
            set_once(cx, slot, path, &meta);
            Ok(())
        });
        nested.parse2(content.parse::<proc_macro2::TokenStream>()?)?;
    }
    let complete = match kind {
        RelationKind::ManyToMany => {
            relation.through.is_some() && relation.to.is_some() && relation.target.is_some()
        }
        _ => relation.by.is_some(),
    };
    if !complete {
        let help = match kind {
            RelationKind::HasMany => "has_many(projects, by = projects::owner_id)",
            RelationKind::HasOne => "has_one(profile, by = profiles::user_id)",
            RelationKind::ManyToMany => "many_to_many(tags, through = task_tags::task_id, to = task_tags::tag_id, target = tags::id)",
        };
        cx.error_at(span, format!("this relation needs its keys: `{help}`"));
    }
    Ok(relation)
}

fn parse_check(cx: &Ctxt, meta: &ParseNestedMeta<'_>) -> syn::Result<CheckAttr> {
    let mut check = CheckAttr {
        span: meta.path.span(),
        name: None,
        sql: None,
    };
    meta.parse_nested_meta(|meta| {
        match key_of(&meta).as_str() {
            "name" => set_once(cx, &mut check.name, lit_str(&meta)?, &meta),
            "sql" => set_once(cx, &mut check.sql, lit_str(&meta)?.value, &meta),
            _ => unknown_key(cx, &meta, "check", CHECK_KEYS)?,
        }
        Ok(())
    })?;
    if check.name.is_none() || check.sql.is_none() {
        cx.error_at(
            check.span,
            "a table check needs a name and an expression: `check(name = \"positive_price\", sql = \"price > 0\")`",
        );
    }
    Ok(check)
}

fn parse_index(cx: &Ctxt, meta: &ParseNestedMeta<'_>) -> syn::Result<IndexAttr> {
    let mut index = IndexAttr {
        span: meta.path.span(),
        name: None,
        keys: Vec::new(),
        unique: false,
        method: None,
        predicate: None,
        with: None,
    };
    let mut keys = None;
    meta.parse_nested_meta(|meta| {
        match key_of(&meta).as_str() {
            "name" => set_once(cx, &mut index.name, lit_str(&meta)?, &meta),
            "on" => {
                let content;
                parenthesized!(content in meta.input);
                let parsed = content.parse_terminated(parse_index_key, Token![,])?;
                set_once(cx, &mut keys, parsed.into_iter().collect::<Vec<_>>(), &meta)
            }
            "unique" => index.unique = true,
            "method" => {
                let method = closed_word(
                    cx,
                    &meta,
                    IndexMethod::ALL,
                    "index method",
                    "the methods are",
                )?;
                if let Some(method) = method {
                    set_once(cx, &mut index.method, method, &meta)
                }
            }
            "where" => set_once(cx, &mut index.predicate, lit_str(&meta)?.value, &meta),
            "with" => set_once(cx, &mut index.with, lit_str(&meta)?.value, &meta),
            _ => unknown_key(cx, &meta, "index", INDEX_KEYS)?,
        }
        Ok(())
    })?;
    match keys {
        Some(keys) if !keys.is_empty() => index.keys = keys,
        _ => cx.error_at(index.span, "an index needs its keys: `index(on(a, b))`"),
    }
    Ok(index)
}

/// `field`, `sql("lower(email)")`, each followed by `asc`/`desc`, `nulls_first`/`nulls_last`,
/// `ops = "vector_cosine_ops"`.
fn parse_index_key(input: ParseStream<'_>) -> syn::Result<IndexKeyAttr> {
    let ident: Ident = input.parse()?;
    let target = if ident == "sql" && input.peek(syn::token::Paren) {
        let content;
        parenthesized!(content in input);
        IndexTargetAttr::Sql(content.parse()?)
    } else {
        IndexTargetAttr::Field(ident)
    };
    let mut key = IndexKeyAttr {
        target,
        desc: None,
        nulls_first: None,
        opclass: None,
    };
    while !input.is_empty() && !input.peek(Token![,]) {
        let modifier: Ident = input.parse()?;
        match modifier.to_string().as_str() {
            "asc" => key.desc = Some(false),
            "desc" => key.desc = Some(true),
            "nulls_first" => key.nulls_first = Some(true),
            "nulls_last" => key.nulls_first = Some(false),
            "ops" => {
                input.parse::<Token![=]>()?;
                key.opclass = Some(input.parse::<LitStr>()?.value());
            }
            other => {
                return Err(syn::Error::new(
                    modifier.span(),
                    format!(
                        "unknown index key modifier `{other}`\nhelp: after a key come `asc`, `desc`, `nulls_first`, `nulls_last` or `ops = \"opclass\"`"
                    ),
                ))
            }
        }
    }
    Ok(key)
}

pub fn parse_column_attrs(cx: &Ctxt, field: &syn::Field) -> ColumnAttrs {
    let mut attrs = ColumnAttrs::default();
    for attr in field.attrs.iter().filter(|a| a.path().is_ident("column")) {
        let result = attr.parse_nested_meta(|meta| {
            let key = key_of(&meta);
            let span = meta.path.span();
            match key.as_str() {
                "name" => set_once(cx, &mut attrs.name, lit_str(&meta)?, &meta),
                "primary_key" => set_once(cx, &mut attrs.primary_key, span, &meta),
                "unique" => {
                    let name = if meta.input.peek(Token![=]) { Some(lit_str(&meta)?.value) } else { None };
                    set_once(cx, &mut attrs.unique, Sp::new(name, span), &meta)
                }
                "index" => {
                    let name = if meta.input.peek(Token![=]) { Some(lit_str(&meta)?.value) } else { None };
                    set_once(cx, &mut attrs.index, Sp::new(name, span), &meta)
                }
                "check" => set_once(cx, &mut attrs.check, lit_str(&meta)?, &meta),
                "renamed_from" => set_once(cx, &mut attrs.renamed_from, lit_str(&meta)?, &meta),
                "default" => {
                    let input = meta.value()?;
                    let value_span = input.span();
                    let value = input.call(parse_default)?;
                    set_once(cx, &mut attrs.default, Sp::new(value, value_span), &meta)
                }
                "identity" => {
                    let always = if meta.input.peek(Token![=]) {
                        let ident = ident_value(&meta)?;
                        match ident.to_string().as_str() {
                            "always" => true,
                            "by_default" => false,
                            _ => {
                                cx.error_spanned_by(&ident, "expected `identity`, `identity = always` or `identity = by_default`");
                                false
                            }
                        }
                    } else {
                        false
                    };
                    set_once(cx, &mut attrs.identity, Sp::new(always, span), &meta)
                }
                "references" => {
                    let references = parse_references(cx, &meta)?;
                    set_once(cx, &mut attrs.references, references, &meta)
                }
                "on_delete" => {
                    if let Some(action) = fk_action(cx, &meta)? {
                        set_once(cx, &mut attrs.on_delete, action, &meta)
                    }
                }
                "trigger" => set_once(cx, &mut attrs.trigger, span, &meta),
                "relation" => {
                    let name = ident_value(&meta)?;
                    set_once(cx, &mut attrs.relation, name, &meta)
                }
                "on_update" => {
                    let input = meta.value()?;
                    let path: Path = input.call(Path::parse_mod_style)?;
                    let value = if path.is_ident("now") { OnUpdateAttr::Now } else { OnUpdateAttr::Function(path) };
                    set_once(cx, &mut attrs.on_update, Sp::new(value, span), &meta)
                }
                "varchar" => {
                    let n = paren_parameter(&meta, "a `varchar` length", 1..=MAX_LENGTH)?;
                    set_once(cx, &mut attrs.type_override, Sp::new(TypeOverride::Varchar(n), span), &meta)
                }
                "char" => {
                    let n = paren_parameter(&meta, "a `char` length", 1..=MAX_LENGTH)?;
                    set_once(cx, &mut attrs.type_override, Sp::new(TypeOverride::Char(n.unwrap_or(1)), span), &meta)
                }
                "vector" => {
                    let n = paren_parameter(&meta, "a `vector` dimension", 1..=MAX_VECTOR_DIMENSIONS)?;
                    set_once(cx, &mut attrs.type_override, Sp::new(TypeOverride::Vector(n), span), &meta)
                }
                "numeric" => {
                    let (mut p, mut s) = (None, None);
                    if meta.input.peek(syn::token::Paren) {
                        let content;
                        parenthesized!(content in meta.input);
                        let precision = type_parameter(&content, "a `numeric` precision", 1..=MAX_NUMERIC_PRECISION)?;
                        p = Some(precision as u16);
                        if content.parse::<Option<Token![,]>>()?.is_some() && !content.is_empty() {
                            let scale = type_parameter(&content, &format!("a `numeric({precision}, s)` scale"), 0..=precision)?;
                            s = Some(scale as u16);
                        }
                        if !content.is_empty() {
                            return Err(content.error("`numeric` takes a precision and a scale: `numeric(10, 2)`"));
                        }
                    }
                    set_once(cx, &mut attrs.type_override, Sp::new(TypeOverride::Numeric(p, s), span), &meta)
                }
                "sql_type" => {
                    let sql = lit_str(&meta)?;
                    set_once(cx, &mut attrs.type_override, Sp::new(TypeOverride::Sql(sql.value), span), &meta)
                }
                _ => unknown_key(cx, &meta, "column", COLUMN_KEYS)?,
            }
            Ok(())
        });
        if let Err(error) = result {
            cx.syn_error(error);
        }
    }
    attrs
}

fn fk_action(cx: &Ctxt, meta: &ParseNestedMeta<'_>) -> syn::Result<Option<Sp<FkAction>>> {
    closed_word(
        cx,
        meta,
        FkAction::ALL,
        "foreign key action",
        "the actions are",
    )
}

/// `references = users::id` or `references(users::id, on_delete = cascade, on_update = …, name = "…")`.
fn parse_references(cx: &Ctxt, meta: &ParseNestedMeta<'_>) -> syn::Result<ReferencesAttr> {
    if meta.input.peek(Token![=]) {
        let path = meta.value()?.call(Path::parse_mod_style)?;
        return Ok(ReferencesAttr {
            path,
            name: None,
            on_delete: None,
            on_update: None,
        });
    }
    let content;
    parenthesized!(content in meta.input);
    let path = content.call(Path::parse_mod_style)?;
    let mut references = ReferencesAttr {
        path,
        name: None,
        on_delete: None,
        on_update: None,
    };
    if content.is_empty() {
        return Ok(references);
    }
    content.parse::<Token![,]>()?;
    let nested = syn::meta::parser(|meta| {
        match key_of(&meta).as_str() {
            "name" => set_once(cx, &mut references.name, lit_str(&meta)?, &meta),
            "on_delete" => {
                if let Some(action) = fk_action(cx, &meta)? {
                    set_once(cx, &mut references.on_delete, action, &meta)
                }
            }
            "on_update" => {
                if let Some(action) = fk_action(cx, &meta)? {
                    set_once(cx, &mut references.on_update, action, &meta)
                }
            }
            _ => unknown_key(cx, &meta, "references", REFERENCES_KEYS)?,
        }
        Ok(())
    });
    nested.parse2(content.parse::<proc_macro2::TokenStream>()?)?;
    Ok(references)
}

fn parse_default(input: ParseStream<'_>) -> syn::Result<DefaultAttr> {
    let negative = if input.peek(Token![-]) {
        input.parse::<Token![-]>()?;
        true
    } else {
        false
    };
    let sign = if negative { "-" } else { "" };
    if input.peek(LitInt) {
        let lit: LitInt = input.parse()?;
        return Ok(DefaultAttr::Int(format!("{sign}{}", lit.base10_digits())));
    }
    if input.peek(LitFloat) {
        let lit: LitFloat = input.parse()?;
        return Ok(DefaultAttr::Float(format!("{sign}{}", lit.base10_digits())));
    }
    if negative {
        return Err(input.error("expected a number after `-`"));
    }
    if input.peek(LitStr) {
        return Ok(DefaultAttr::Str(input.parse::<LitStr>()?.value()));
    }
    if input.peek(LitBool) {
        return Ok(DefaultAttr::Bool(input.parse::<LitBool>()?.value));
    }
    let path: Path = input.call(Path::parse_mod_style)?;
    if path.is_ident("now") {
        Ok(DefaultAttr::Now)
    } else if path.is_ident("random") {
        Ok(DefaultAttr::Random)
    } else if path.is_ident("sql") && input.peek(syn::token::Paren) {
        let content;
        parenthesized!(content in input);
        Ok(DefaultAttr::Sql(content.parse::<LitStr>()?.value()))
    } else if path.segments.len() >= 2 {
        Ok(DefaultAttr::Enum(path))
    } else {
        Err(syn::Error::new_spanned(
            &path,
            "expected a literal, `now`, `random`, `sql(\"…\")` or an enum variant such as `UserRole::User`",
        ))
    }
}

pub fn parse_enum_attrs(cx: &Ctxt, args: proc_macro2::TokenStream) -> EnumAttrs {
    let mut attrs = EnumAttrs::default();
    let parser = syn::meta::parser(|meta| {
        match key_of(&meta).as_str() {
            "name" => set_once(cx, &mut attrs.name, lit_str(&meta)?, &meta),
            "schema" => set_once(cx, &mut attrs.schema, lit_str(&meta)?, &meta),
            "rename_all" => {
                let rule = lit_str(&meta)?;
                if !RENAME_RULES.contains(&rule.value.as_str()) {
                    cx.error_at(
                        rule.span,
                        format!(
                            "unknown rename rule `{}`\nhelp: {}",
                            rule.value,
                            suggest(&rule.value, RENAME_RULES, "the rules are")
                        ),
                    );
                }
                set_once(cx, &mut attrs.rename_all, rule, &meta)
            }
            "crate" => {
                let lit: LitStr = meta.value()?.parse()?;
                set_once(cx, &mut attrs.krate, lit.parse::<Path>()?, &meta)
            }
            _ => unknown_key(cx, &meta, "pg_enum", ENUM_KEYS)?,
        }
        Ok(())
    });
    if let Err(error) = parser.parse2(args) {
        cx.syn_error(error);
    }
    attrs
}

/// `#[label = "…"]` on an enum variant.
pub fn variant_label(cx: &Ctxt, variant: &syn::Variant) -> Option<Sp<String>> {
    let mut label = None;
    for attr in variant.attrs.iter().filter(|a| a.path().is_ident("label")) {
        match &attr.meta {
            syn::Meta::NameValue(syn::MetaNameValue {
                value:
                    syn::Expr::Lit(syn::ExprLit {
                        lit: syn::Lit::Str(s),
                        ..
                    }),
                ..
            }) => {
                if label.is_some() {
                    cx.error_spanned_by(attr, "duplicate attribute `label`");
                } else {
                    label = Some(Sp::new(s.value(), s.span()));
                }
            }
            _ => cx.error_spanned_by(attr, "expected `#[label = \"…\"]`"),
        }
    }
    label
}
