//! `#[pg_enum]`: the enum as written (without `#[label]`), `impl PgEnum` with its `EnumDef`,
//! `impl ColumnValue`, a `const fn sql_label`, and tokio-postgres `ToSql`/`FromSql`.

use proc_macro2::TokenStream;
use quote::quote;

use super::{opt_str, str, str_list};
use crate::attr;
use crate::check;
use crate::ctxt::Ctxt;
use crate::model::pg_enum::PgEnum;

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
    let def = PgEnum::from_item(&cx, attrs, &item);
    check::pg_enum(&cx, &def);
    let ident = &item.ident;
    let name = &def.name;
    let labels: Vec<(syn::Ident, String)> = def
        .labels
        .iter()
        .map(|l| (l.variant.clone(), l.value.clone()))
        .collect();
    let krate = def.krate.clone();
    let pg_schema = def.schema.as_ref().map(|s| s.value.clone());
    for variant in item.variants.iter_mut() {
        variant.attrs.retain(|a| !a.path().is_ident("label"));
    }

    let p = quote!(#krate::__private);
    let schema = opt_str(&p, pg_schema.as_deref());
    let sql_name = str(&p, &name.value);
    let label_list = str_list(&p, labels.iter().map(|(_, l)| l.as_str()));
    let variants: Vec<&syn::Ident> = labels.iter().map(|(v, _)| v).collect();
    let label_strs: Vec<&str> = labels.iter().map(|(_, l)| l.as_str()).collect();
    let pg_name = &name.value;
    let schema_check = match pg_schema {
        Some(s) => quote!(ty.schema() == #s &&),
        None => quote!(),
    };
    let display_name = ident.to_string();
    // `ToSql` needs `Debug`: derive it unless the enum does.
    derive_debug(&mut item.attrs);
    if cx.has_errors() {
        // Enough for the code that uses the enum to type-check, and no more: the errors above
        // are the ones to fix.
        let errors = cx.into_compile_errors();
        return quote! {
            #item
            impl #p::PgEnum for #ident {
                const DEF: #p::EnumDef = #p::EnumDef { schema: #schema, name: #sql_name, labels: #label_list };
            }
            impl #p::Nullness for #ident {
                type With<U> = U;
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

        impl #p::Nullness for #ident {
                type With<U> = U;
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

/// Adds `#[derive(Debug)]` unless the item derives it already (`ToSql` needs `Debug`).
pub(crate) fn derive_debug(attrs: &mut Vec<syn::Attribute>) {
    let derives_debug = attrs.iter().any(|a| {
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
        attrs.push(syn::parse_quote!(#[derive(::std::fmt::Debug)]));
    }
}
