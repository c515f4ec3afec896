//! The rules of a `#[pg_enum]`: one the server would refuse or silently change is an error at
//! the user's token.

use super::MAX_IDENTIFIER_BYTES;
use crate::ctxt::Ctxt;
use crate::model::pg_enum::PgEnum;

pub fn pg_enum(cx: &Ctxt, def: &PgEnum<'_>) {
    let item = def.item;
    if def.name.value.len() > MAX_IDENTIFIER_BYTES {
        cx.error_at(
            def.name.span,
            format!(
                "the enum name \"{}\" is longer than PostgreSQL's {MAX_IDENTIFIER_BYTES} bytes",
                def.name.value
            ),
        );
    }
    if !item.generics.params.is_empty() {
        cx.error_spanned_by(&item.generics, "a `#[pg_enum]` cannot be generic");
    }
    if item.variants.is_empty() {
        cx.error_spanned_by(&item.ident, "a Postgres enum needs at least one variant");
    }
    for (at, (variant, label)) in item.variants.iter().zip(&def.labels).enumerate() {
        if !matches!(variant.fields, syn::Fields::Unit) {
            cx.error_spanned_by(
                &variant.fields,
                "a `#[pg_enum]` variant cannot have fields: each variant is one label; remove the fields",
            );
        }
        let text = &label.value;
        if text.is_empty() || text.len() > MAX_IDENTIFIER_BYTES {
            cx.error_at(
                label.span,
                format!("the label \"{text}\" must be 1 to {MAX_IDENTIFIER_BYTES} bytes long"),
            );
        }
        if let Some(other) = def.labels[..at].iter().find(|l| l.value == *text) {
            cx.error_at(
                label.span,
                format!(
                    "the label \"{text}\" is already the label of `{}`: give this variant another `#[label = \"…\"]`",
                    other.variant
                ),
            );
        }
    }
}
