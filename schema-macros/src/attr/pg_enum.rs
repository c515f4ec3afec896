//! `#[pg_enum(…)]` and `#[label = "…"]`.

use syn::parse::Parser;
use syn::{LitStr, Path};

use super::parse::*;
use super::*;
use crate::ctxt::Ctxt;

#[derive(Default)]
pub struct EnumAttrs {
    pub name: Option<Sp<String>>,
    pub schema: Option<Sp<String>>,
    pub rename_all: Option<Sp<String>>,
    pub krate: Option<Path>,
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
                    cx.error_spanned_by(
                        attr,
                        "duplicate attribute `label`: a variant has one label; remove this one, or the first",
                    );
                } else {
                    label = Some(Sp::new(s.value(), s.span()));
                }
            }
            _ => cx.error_spanned_by(attr, "expected `#[label = \"…\"]`"),
        }
    }
    label
}

/// `#[domain(name = "…", schema = "…", check = "…", check(name = "…", sql = "…"), not_null)]`.
#[derive(Default)]
pub struct DomainAttrs {
    pub name: Option<Sp<String>>,
    pub schema: Option<Sp<String>>,
    pub checks: Vec<DomainCheck>,
    pub not_null: Option<proc_macro2::Span>,
    /// `varchar(n)`, `char(n)`, `numeric(p, s)` or `sql_type = "…"`: the base type, when the
    /// field's Rust type does not say it all.
    pub type_override: Option<Sp<super::TypeOverride>>,
    pub krate: Option<Path>,
}

/// A domain check: its SQL on `VALUE`, and a name if given.
pub struct DomainCheck {
    pub name: Option<Sp<String>>,
    pub sql: String,
}

pub fn parse_domain_attrs(cx: &Ctxt, args: proc_macro2::TokenStream) -> DomainAttrs {
    let mut attrs = DomainAttrs::default();
    let parser = syn::meta::parser(|meta| {
        match key_of(&meta).as_str() {
            "name" => set_once(cx, &mut attrs.name, lit_str(&meta)?, &meta),
            "schema" => set_once(cx, &mut attrs.schema, lit_str(&meta)?, &meta),
            "not_null" => set_once(
                cx,
                &mut attrs.not_null,
                syn::spanned::Spanned::span(&meta.path),
                &meta,
            ),
            "check" if meta.input.peek(syn::Token![=]) => attrs.checks.push(DomainCheck {
                name: None,
                sql: lit_str(&meta)?.value,
            }),
            "check" => {
                let check = super::table::parse_check(cx, &meta)?;
                attrs.checks.push(DomainCheck {
                    name: check.name,
                    sql: check.sql.unwrap_or_default(),
                });
            }
            key @ ("varchar" | "char" | "numeric" | "sql_type") => {
                let span = syn::spanned::Spanned::span(&meta.path);
                let over = super::column::type_override(&meta, key)?;
                set_once(cx, &mut attrs.type_override, Sp::new(over, span), &meta)
            }
            "crate" => {
                let lit: syn::LitStr = meta.value()?.parse()?;
                set_once(cx, &mut attrs.krate, lit.parse::<Path>()?, &meta)
            }
            _ => unknown_key(cx, &meta, "domain", DOMAIN_KEYS)?,
        }
        Ok(())
    });
    if let Err(error) = syn::parse::Parser::parse2(parser, args) {
        cx.syn_error(error);
    }
    attrs
}
