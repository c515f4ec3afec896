//! `#[pg_enum]`: the enum as written (without `#[label]`), `impl PgEnum` with its `EnumDef`,
//! `impl ColumnValue`, a `const fn sql_label`, and tokio-postgres `ToSql`/`FromSql`.

use proc_macro2::TokenStream;
use quote::quote;

use super::{opt_str, str, str_list};
use crate::attr::{self, Sp};
use crate::ctxt::Ctxt;
use crate::naming;

const MAX_IDENTIFIER_BYTES: usize = 63;

pub fn expand(args: TokenStream, input: TokenStream) -> TokenStream {
    let mut item: syn::ItemEnum = match syn::parse2(input) {
        Ok(item) => item,
        Err(error) => {
            return syn::Error::new(
                error.span(),
                format!("`#[pg_enum]` goes on a fieldless enum: {error}"),
            )
            .to_compile_error()
        }
    };
    let cx = Ctxt::new();
    let attrs = attr::parse_enum_attrs(&cx, args);
    let ident = &item.ident;
    let name = attrs
        .name
        .clone()
        .unwrap_or_else(|| Sp::new(naming::snake_case(&ident.to_string()), ident.span()));
    if name.value.len() > MAX_IDENTIFIER_BYTES {
        cx.error_at(
            name.span,
            format!(
                "the enum name \"{}\" is longer than PostgreSQL's 63 bytes",
                name.value
            ),
        );
    }
    if !item.generics.params.is_empty() {
        cx.error_spanned_by(&item.generics, "a `#[pg_enum]` cannot be generic");
    }
    if item.variants.is_empty() {
        cx.error_spanned_by(ident, "a Postgres enum needs at least one variant");
    }
    let rule = attrs
        .rename_all
        .as_ref()
        .map(|r| r.value.as_str())
        .unwrap_or("snake_case");
    let mut labels: Vec<(syn::Ident, String)> = Vec::new();
    for variant in &item.variants {
        if !matches!(variant.fields, syn::Fields::Unit) {
            cx.error_spanned_by(
                &variant.fields,
                "a `#[pg_enum]` variant cannot have fields: each variant is one label",
            );
        }
        let label = attr::variant_label(&cx, variant);
        let (label, span) = match label {
            Some(label) => (label.value, label.span),
            None => (
                naming::rename(&variant.ident.to_string(), rule),
                variant.ident.span(),
            ),
        };
        if label.is_empty() || label.len() > MAX_IDENTIFIER_BYTES {
            cx.error_at(
                span,
                format!("the label \"{label}\" must be 1 to 63 bytes long"),
            );
        }
        if let Some((other, _)) = labels.iter().find(|(_, l)| *l == label) {
            cx.error_at(
                span,
                format!("the label \"{label}\" is already the label of `{other}`"),
            );
        }
        labels.push((variant.ident.clone(), label));
    }
    for variant in item.variants.iter_mut() {
        variant.attrs.retain(|a| !a.path().is_ident("label"));
    }

    let krate = attrs
        .krate
        .clone()
        .unwrap_or_else(|| syn::parse_quote!(::schema_core));
    let p = quote!(#krate::__private);
    let schema = opt_str(&p, attrs.schema.as_ref().map(|s| s.value.as_str()));
    let sql_name = str(&p, &name.value);
    let label_list = str_list(&p, labels.iter().map(|(_, l)| l.as_str()));
    let variants: Vec<&syn::Ident> = labels.iter().map(|(v, _)| v).collect();
    let label_strs: Vec<&str> = labels.iter().map(|(_, l)| l.as_str()).collect();
    let pg_name = &name.value;
    let pg_schema = attrs.schema.as_ref().map(|s| s.value.clone());
    let schema_check = match pg_schema {
        Some(s) => quote!(ty.schema() == #s &&),
        None => quote!(),
    };
    let display_name = ident.to_string();
    // `ToSql` needs `Debug`: derive it unless the enum does.
    let derives_debug = item.attrs.iter().any(|a| {
        a.path().is_ident("derive")
            && a.parse_args_with(
                syn::punctuated::Punctuated::<syn::Path, syn::Token![,]>::parse_terminated,
            )
            .is_ok_and(|paths| {
                paths
                    .iter()
                    .any(|p| p.segments.last().is_some_and(|s| s.ident == "Debug"))
            })
    });
    if !derives_debug {
        item.attrs
            .push(syn::parse_quote!(#[derive(::std::fmt::Debug)]));
    }
    if cx.has_errors() {
        // Enough for the code that uses the enum to type-check, and no more: the errors above
        // are the ones to fix.
        let errors = cx.into_compile_errors();
        return quote! {
            #item
            impl #p::PgEnum for #ident {
                const DEF: #p::EnumDef = #p::EnumDef { schema: #schema, name: #sql_name, labels: #label_list };
            }
            impl #p::ColumnValue for #ident {
                type NotNull = Self;
                const SQL_TYPE: #p::SqlType = #p::SqlType::Enum(#p::QualifiedName::new(#schema, #sql_name));
            }
            impl #ident {
                pub const fn sql_label(&self) -> &'static str {
                    ""
                }
            }
            // Never run (the build fails on the errors above); here so that `ColumnValue`'s
            // bounds hold and no second error points at the enum.
            impl #p::postgres_types::ToSql for #ident {
                fn to_sql(
                    &self,
                    _ty: &#p::postgres_types::Type,
                    _out: &mut #p::BytesMut,
                ) -> ::std::result::Result<#p::postgres_types::IsNull, ::std::boxed::Box<dyn ::std::error::Error + ::std::marker::Sync + ::std::marker::Send>> {
                    ::std::result::Result::Err(::std::convert::From::from("the #[pg_enum] has errors"))
                }

                fn accepts(_ty: &#p::postgres_types::Type) -> bool {
                    false
                }

                #p::postgres_types::to_sql_checked!();
            }
            impl<'a> #p::postgres_types::FromSql<'a> for #ident {
                fn from_sql(
                    _ty: &#p::postgres_types::Type,
                    _raw: &'a [u8],
                ) -> ::std::result::Result<Self, ::std::boxed::Box<dyn ::std::error::Error + ::std::marker::Sync + ::std::marker::Send>> {
                    ::std::result::Result::Err(::std::convert::From::from("the #[pg_enum] has errors"))
                }

                fn accepts(_ty: &#p::postgres_types::Type) -> bool {
                    false
                }
            }
            #errors
        };
    }

    quote! {
        #item

        impl #p::PgEnum for #ident {
            const DEF: #p::EnumDef = #p::EnumDef { schema: #schema, name: #sql_name, labels: #label_list };
        }

        impl #p::ColumnValue for #ident {
            type NotNull = Self;
            const SQL_TYPE: #p::SqlType = #p::SqlType::Enum(#p::QualifiedName::new(#schema, #sql_name));

            fn register_types(schema: &mut #p::Schema) {
                schema.add_enum(<Self as #p::PgEnum>::DEF);
            }
        }

        impl #ident {
            /// The variant's label in the Postgres enum.
            pub const fn sql_label(&self) -> &'static str {
                match self {
                    #(#ident::#variants => #label_strs,)*
                }
            }
        }

        impl #p::postgres_types::ToSql for #ident {
            fn to_sql(
                &self,
                _ty: &#p::postgres_types::Type,
                out: &mut #p::BytesMut,
            ) -> ::std::result::Result<#p::postgres_types::IsNull, ::std::boxed::Box<dyn ::std::error::Error + ::std::marker::Sync + ::std::marker::Send>> {
                out.extend_from_slice(self.sql_label().as_bytes());
                ::std::result::Result::Ok(#p::postgres_types::IsNull::No)
            }

            fn accepts(ty: &#p::postgres_types::Type) -> bool {
                #schema_check ty.name() == #pg_name
            }

            #p::postgres_types::to_sql_checked!();
        }

        impl<'a> #p::postgres_types::FromSql<'a> for #ident {
            fn from_sql(
                _ty: &#p::postgres_types::Type,
                raw: &'a [u8],
            ) -> ::std::result::Result<Self, ::std::boxed::Box<dyn ::std::error::Error + ::std::marker::Sync + ::std::marker::Send>> {
                match raw {
                    #(raw if raw == #label_strs.as_bytes() => ::std::result::Result::Ok(#ident::#variants),)*
                    other => ::std::result::Result::Err(#p::unknown_label(#display_name, &::std::string::String::from_utf8_lossy(other))),
                }
            }

            fn accepts(ty: &#p::postgres_types::Type) -> bool {
                #schema_check ty.name() == #pg_name
            }
        }
    }
}
