//! `#[domain]`: a one-field tuple struct as a Postgres domain over its field's type, with the
//! domain's checks. The newtype is a column type: `ColumnValue` (registering the domain), and
//! `ToSql`/`FromSql` through the base type.

use proc_macro2::{Span, TokenStream};
use quote::quote;
use syn::spanned::Spanned;

use crate::attr;
use crate::ctxt::Ctxt;
use crate::expand::{opt_str, str};

pub fn expand(args: TokenStream, input: TokenStream) -> TokenStream {
    let mut item: syn::ItemStruct = match syn::parse2(input) {
        Ok(item) => item,
        Err(error) => {
            return syn::Error::new(
                error.span(),
                format!("`#[domain]` goes on a struct: {error}"),
            )
            .to_compile_error()
        }
    };
    let cx = Ctxt::new();
    let attrs = attr::parse_domain_attrs(&cx, args);
    let inner = match &item.fields {
        syn::Fields::Unnamed(fields) if fields.unnamed.len() == 1 => fields.unnamed[0].ty.clone(),
        _ => {
            cx.error_at(
                item.ident.span(),
                "a domain is a newtype over its base type: `pub struct Email(pub String);`",
            );
            syn::parse_quote!(::std::string::String)
        }
    };
    let ident = &item.ident;
    let krate = attrs
        .krate
        .clone()
        .unwrap_or_else(|| syn::parse_quote!(::schema_core));
    let p = quote!(#krate::__private);
    let sql_name = attrs
        .name
        .as_ref()
        .map(|n| n.value.clone())
        .unwrap_or_else(|| crate::naming::snake_case(&ident.to_string()));
    crate::check::domain_name(
        &cx,
        &sql_name,
        attrs.name.as_ref().map_or(ident.span(), |n| n.span),
    );
    let schema = opt_str(&p, attrs.schema.as_ref().map(|s| s.value.as_str()));
    let name = str(&p, &sql_name);
    let checks = attrs.checks.iter().enumerate().map(|(i, check)| {
        let check_name = match &check.name {
            Some(name) => name.value.clone(),
            None if i == 0 => format!("{sql_name}_check"),
            None => format!("{sql_name}_check{i}"),
        };
        let check_name = str(&p, &check_name);
        let sql = str(&p, &check.sql);
        quote!(#p::CheckDef { name: #check_name, expression: #sql })
    });
    let not_null = attrs.not_null.is_some();
    crate::expand::pg_enum::derive_debug(&mut item.attrs);
    if cx.has_errors() {
        // The struct as written and the errors to fix, nothing that would repeat them.
        let errors = cx.into_compile_errors();
        return quote!(#item #errors);
    }
    let errors = cx.into_compile_errors();
    let at = Span::call_site().located_at(inner.span());
    let inner_value = quote::quote_spanned!(at=> <#inner as #p::ColumnValue>);
    let over = attrs.type_override.as_ref();
    let (base, array_dims) =
        crate::expand::table::sql_type(&p, &inner_value, over.map(|o| &o.value));
    // The type attribute fits the field's type, or a compile error says so at the attribute.
    let fits = over
        .and_then(|o| {
            let at = crate::expand::table::respan(quote!(#inner), o.span);
            crate::expand::table::override_check(&p, &o.value, o.span, &at)
        })
        .map(|check| {
            quote! {
                const _: () = {
                    #[allow(dead_code, clippy::all)]
                    fn __schema_checks() {
                        #check
                    }
                };
            }
        });
    quote! {
        #item

        impl #p::Domain for #ident {
            const DEF: #p::DomainDef = #p::DomainDef {
                schema: #schema,
                name: #name,
                base: #base,
                array_dims: #array_dims,
                not_null: #not_null,
                checks: #p::Cow::Borrowed(&[#(#checks),*]),
            };
        }

        impl #p::Nullness for #ident {
                type With<U> = U;
            }
            impl #p::ColumnValue for #ident {
            type NotNull = Self;
            const SQL_TYPE: #p::SqlType = #p::SqlType::Domain(#p::QualifiedName::new(#schema, #name));

            fn register_types(schema: &mut #p::Schema) {
                #inner_value::register_types(schema);
                schema.add_domain(<Self as #p::Domain>::DEF);
            }
        }

        impl #p::postgres_types::ToSql for #ident {
            fn to_sql(
                &self,
                ty: &#p::postgres_types::Type,
                out: &mut #p::BytesMut,
            ) -> ::std::result::Result<#p::postgres_types::IsNull, ::std::boxed::Box<dyn ::std::error::Error + ::std::marker::Sync + ::std::marker::Send>> {
                #p::postgres_types::ToSql::to_sql(&self.0, #p::domain_base(ty), out)
            }

            fn accepts(ty: &#p::postgres_types::Type) -> bool {
                #p::domain_accepts_to::<#inner>(ty)
            }

            #p::postgres_types::to_sql_checked!();
        }

        impl<'a> #p::postgres_types::FromSql<'a> for #ident {
            fn from_sql(
                ty: &#p::postgres_types::Type,
                raw: &'a [u8],
            ) -> ::std::result::Result<Self, ::std::boxed::Box<dyn ::std::error::Error + ::std::marker::Sync + ::std::marker::Send>> {
                <#inner as #p::postgres_types::FromSql<'a>>::from_sql(#p::domain_base(ty), raw).map(#ident)
            }

            fn accepts(ty: &#p::postgres_types::Type) -> bool {
                #p::domain_accepts_from::<#inner>(ty)
            }
        }

        #fits

        #errors
    }
}
