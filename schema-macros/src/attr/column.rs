//! `#[column(…)]`: a field's attributes (keys, defaults, references, type overrides and their
//! parameters, checked against PostgreSQL's limits).

use proc_macro2::{Ident, Span};
use syn::meta::ParseNestedMeta;
use syn::parse::{ParseStream, Parser};
use syn::spanned::Spanned;
use syn::{parenthesized, LitBool, LitFloat, LitInt, LitStr, Path, Token};

use super::parse::*;
use super::*;
use crate::ctxt::Ctxt;

#[derive(Default)]
pub struct ColumnAttrs {
    pub name: Option<Sp<String>>,
    pub primary_key: Option<Span>,
    pub unique: Option<Sp<Option<String>>>,
    pub index: Option<Sp<Option<String>>>,
    pub check: Option<Sp<String>>,
    pub default: Option<Sp<DefaultAttr>>,
    /// `default_fn = path::to::fn`: called at insert when the field is not set.
    pub default_fn: Option<Sp<Path>>,
    pub identity: Option<Sp<bool>>,
    /// `generated = "sql"`: `GENERATED ALWAYS AS (sql) STORED`.
    pub generated: Option<Sp<String>>,
    pub references: Option<ReferencesAttr>,
    /// `relation = owner` beside `references`: a belongs-to relation.
    pub relation: Option<Ident>,
    /// `on_delete` written beside `references = …`.
    pub on_delete: Option<Sp<FkAction>>,
    pub on_update: Option<Sp<OnUpdateAttr>>,
    /// `trigger` beside `on_update = now`: a database trigger does it too; `trigger = always`:
    /// whatever the update set (the value is `true` for `always`).
    pub trigger: Option<Sp<bool>>,
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
    /// `nextval("schema.name")`: (schema, name).
    NextVal(Option<String>, String),
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

/// A type parameter in PostgreSQL's range for it: `varchar(n)` takes 1 to 10,485,760, say. A
/// number out of range (negative, zero, too large) is an error at it that gives the range.
pub(super) fn type_parameter(
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
pub(super) fn thousands(n: u32) -> String {
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
/// A type attribute (`varchar(n)`, `char(n)`, `vector(n)`, `numeric(p, s)`, `sql_type = "…"`)
/// of a column or a domain, its parameters checked against PostgreSQL's limits.
pub(super) fn type_override(meta: &ParseNestedMeta<'_>, key: &str) -> syn::Result<TypeOverride> {
    Ok(match key {
        "varchar" => {
            let n = paren_parameter(meta, "a `varchar` length", 1..=MAX_LENGTH)?;
            TypeOverride::Varchar(n)
        }
        "char" => {
            let n = paren_parameter(meta, "a `char` length", 1..=MAX_LENGTH)?;
            TypeOverride::Char(n.unwrap_or(1))
        }
        "vector" => {
            let n = paren_parameter(meta, "a `vector` dimension", 1..=MAX_VECTOR_DIMENSIONS)?;
            TypeOverride::Vector(n)
        }
        "numeric" => {
            let (mut p, mut s) = (None, None);
            if meta.input.peek(syn::token::Paren) {
                let content;
                parenthesized!(content in meta.input);
                let precision =
                    type_parameter(&content, "a `numeric` precision", 1..=MAX_NUMERIC_PRECISION)?;
                p = Some(precision as u16);
                if content.parse::<Option<Token![,]>>()?.is_some() && !content.is_empty() {
                    let scale = type_parameter(
                        &content,
                        &format!("a `numeric({precision}, s)` scale"),
                        0..=precision,
                    )?;
                    s = Some(scale as u16);
                }
                if !content.is_empty() {
                    return Err(
                        content.error("`numeric` takes a precision and a scale: `numeric(10, 2)`")
                    );
                }
            }
            TypeOverride::Numeric(p, s)
        }
        "sql_type" => TypeOverride::Sql(lit_str(meta)?.value),
        _ => return Err(meta.error(format!("`{key}` is not a type attribute"))),
    })
}

pub(super) fn paren_parameter(
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
pub(super) const MAX_LENGTH: u32 = 10_485_760;

pub(super) const MAX_VECTOR_DIMENSIONS: u32 = 16_000;

pub(super) const MAX_NUMERIC_PRECISION: u32 = 1_000;

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
                "trigger" => {
                    let always = if meta.input.peek(Token![=]) {
                        let word = ident_value(&meta)?;
                        if word != "always" {
                            cx.error_at(word.span(), "`trigger` is written alone (the update's own value is kept) or `trigger = always` (every update gets `now()`)");
                        }
                        true
                    } else {
                        false
                    };
                    set_once(cx, &mut attrs.trigger, Sp::new(always, span), &meta)
                }
                "relation" => {
                    let name = ident_value(&meta)?;
                    set_once(cx, &mut attrs.relation, name, &meta)
                }
                "generated" => set_once(cx, &mut attrs.generated, lit_str(&meta)?, &meta),
                "default_fn" => {
                    let path: Path = meta.value()?.call(Path::parse_mod_style)?;
                    set_once(cx, &mut attrs.default_fn, Sp::new(path, span), &meta)
                }
                "on_update" => {
                    let input = meta.value()?;
                    let path: Path = input.call(Path::parse_mod_style)?;
                    let value = if path.is_ident("now") { OnUpdateAttr::Now } else { OnUpdateAttr::Function(path) };
                    set_once(cx, &mut attrs.on_update, Sp::new(value, span), &meta)
                }
                "varchar" | "char" | "vector" | "numeric" | "sql_type" => {
                    let over = type_override(&meta, &key)?;
                    set_once(cx, &mut attrs.type_override, Sp::new(over, span), &meta)
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

pub(super) fn fk_action(
    cx: &Ctxt,
    meta: &ParseNestedMeta<'_>,
) -> syn::Result<Option<Sp<FkAction>>> {
    closed_word(
        cx,
        meta,
        FkAction::ALL,
        "foreign key action",
        "the actions are",
    )
}

/// `references = users::id` or `references(users::id, on_delete = cascade, on_update = …, name = "…")`.
pub(super) fn parse_references(
    cx: &Ctxt,
    meta: &ParseNestedMeta<'_>,
) -> syn::Result<ReferencesAttr> {
    if meta.input.peek(Token![=]) {
        let path = meta.value()?.call(column_path)?;
        return Ok(ReferencesAttr {
            path,
            name: None,
            on_delete: None,
            on_update: None,
        });
    }
    let content;
    parenthesized!(content in meta.input);
    let path = content.call(column_path)?;
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

pub(super) fn parse_default(input: ParseStream<'_>) -> syn::Result<DefaultAttr> {
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
    } else if path.is_ident("nextval") && input.peek(syn::token::Paren) {
        let content;
        parenthesized!(content in input);
        let name: LitStr = content.parse()?;
        let value = name.value();
        let parts: Vec<&str> = value.split('.').collect();
        match parts.as_slice() {
            [sequence] if !sequence.is_empty() => {
                Ok(DefaultAttr::NextVal(None, sequence.to_string()))
            }
            [schema, sequence] if !schema.is_empty() && !sequence.is_empty() => Ok(
                DefaultAttr::NextVal(Some(schema.to_string()), sequence.to_string()),
            ),
            _ => Err(syn::Error::new(
                name.span(),
                "a sequence is named `\"name\"` or `\"schema.name\"`",
            )),
        }
    } else if path.segments.len() >= 2 {
        Ok(DefaultAttr::Enum(path))
    } else {
        Err(syn::Error::new_spanned(
            &path,
            "expected a literal, `now`, `random`, `nextval(\"sequence\")`, `sql(\"…\")` or an enum variant such as `UserRole::User`",
        ))
    }
}
