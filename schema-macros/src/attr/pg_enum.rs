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
