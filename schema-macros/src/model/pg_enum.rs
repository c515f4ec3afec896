//! The model of one `#[pg_enum]` enum: its SQL name and schema, and each variant's label, with
//! the span of the token each came from, as the table model keeps them.

use proc_macro2::Span;
use syn::{Ident, ItemEnum, Path};

use crate::attr::{self, EnumAttrs, Sp};
use crate::ctxt::Ctxt;
use crate::naming;

/// A `#[pg_enum]` enum, its attributes resolved.
pub struct PgEnum<'a> {
    pub item: &'a ItemEnum,
    /// The type's SQL name: `name = "…"`, or the enum's name in snake case.
    pub name: Sp<String>,
    pub schema: Option<Sp<String>>,
    pub labels: Vec<Label>,
    pub krate: Path,
}

/// A variant and its label: `#[label = "…"]`, or its name by `rename_all`.
pub struct Label {
    pub variant: Ident,
    pub value: String,
    pub span: Span,
}

impl<'a> PgEnum<'a> {
    pub fn from_item(cx: &Ctxt, attrs: EnumAttrs, item: &'a ItemEnum) -> Self {
        let ident = &item.ident;
        let name = attrs
            .name
            .unwrap_or_else(|| Sp::new(naming::snake_case(&ident.to_string()), ident.span()));
        let rule = attrs
            .rename_all
            .as_ref()
            .map(|r| r.value.as_str())
            .unwrap_or("snake_case");
        let labels = item
            .variants
            .iter()
            .map(|variant| match attr::variant_label(cx, variant) {
                Some(label) => Label {
                    variant: variant.ident.clone(),
                    value: label.value,
                    span: label.span,
                },
                None => Label {
                    variant: variant.ident.clone(),
                    value: naming::rename(&variant.ident.to_string(), rule),
                    span: variant.ident.span(),
                },
            })
            .collect();
        PgEnum {
            item,
            name,
            schema: attrs.schema,
            labels,
            krate: attrs
                .krate
                .unwrap_or_else(|| syn::parse_quote!(::schema_core)),
        }
    }
}
