//! Type checks: code that never runs, written at the user's tokens, so that a type mistake in
//! an attribute is a compile error there.

use proc_macro2::{Group, Ident, Span, TokenStream, TokenTree};
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;

use super::private;
use crate::attr::{known_sql_type, DefaultAttr, OnUpdateAttr, TypeOverride};
use crate::model::Table;

/// The same tokens, reported at `span`: a check's type argument is moved onto the attribute the
/// user must change, so the error appears there (name resolution keeps the original spans).
pub(crate) fn respan(tokens: TokenStream, span: Span) -> TokenStream {
    tokens
        .into_iter()
        .map(|tree| match tree {
            TokenTree::Group(group) => {
                let mut new = Group::new(group.delimiter(), respan(group.stream(), span));
                new.set_span(group.span().located_at(span));
                TokenTree::Group(new)
            }
            mut other => {
                other.set_span(other.span().located_at(span));
                other
            }
        })
        .collect()
}

/// A call whose bound holds only when the type attribute fits the field's type `at` (spanned
/// at the attribute).
pub(crate) fn override_check(
    p: &TokenStream,
    over: &TypeOverride,
    span: Span,
    at: &TokenStream,
) -> Option<TokenStream> {
    match over {
        TypeOverride::Varchar(_) | TypeOverride::Char(_) => {
            Some(quote_spanned!(span=> #p::check_text::<#at>();))
        }
        TypeOverride::Vector(_) => Some(quote_spanned!(span=> #p::check_vector::<#at>();)),
        TypeOverride::Numeric(..) => Some(quote_spanned!(span=> #p::check_numeric::<#at>();)),
        TypeOverride::Sql(sql) => known_sql_type(sql).map(|known| {
            let check = Ident::new(known.check, span);
            quote_spanned!(span=> <#at as #p::#check>::fits();)
        }),
    }
}

/// Calls whose bounds hold only when the attributes fit the field types; each is reported at the
/// token the user must change.
pub(super) fn type_checks(table: &Table<'_>) -> TokenStream {
    let p = &private(&table.krate);
    let mut checks = TokenStream::new();
    for column in &table.columns {
        let inner = column.inner;
        let inner_at = |span: Span| respan(quote!(#inner), span);
        if let Some(over) = column.type_override() {
            let span = over.span;
            let at = inner_at(span);
            checks.extend(override_check(p, &over.value, span, &at));
        }
        if let Some(default) = column.default() {
            let span = default.span;
            let at = inner_at(span);
            let check = match &default.value {
                DefaultAttr::Bool(_) => quote_spanned!(span=> #p::check_bool_default::<#at>();),
                DefaultAttr::Int(_) => quote_spanned!(span=> #p::check_int_default::<#at>();),
                DefaultAttr::Float(_) => quote_spanned!(span=> #p::check_float_default::<#at>();),
                // A string that reads like a call (`"now()"`) is text: only a text column
                // takes it, where it is stored as written.
                DefaultAttr::Str(text) if crate::check::looks_like_a_call(text) => {
                    quote_spanned!(span=> #p::check_call_in_a_string_default::<#at>();)
                }
                DefaultAttr::Str(_) => quote_spanned!(span=> #p::check_str_default::<#at>();),
                DefaultAttr::Random => quote_spanned!(span=> #p::check_random::<#at>();),
                DefaultAttr::Now => quote_spanned!(span=> #p::check_now::<#at>();),
                DefaultAttr::Sql(_) => TokenStream::new(),
                DefaultAttr::NextVal(..) => quote_spanned!(span=> #p::check_nextval::<#at>();),
                DefaultAttr::Enum(path) => {
                    quote_spanned!(path.span()=> #p::check_enum_default::<#inner>(#path);)
                }
            };
            checks.extend(check);
        }
        if let Some(on_update) = column.on_update() {
            let check = match &on_update.value {
                OnUpdateAttr::Now => {
                    let span = on_update.span;
                    let at = inner_at(span);
                    quote_spanned!(span=> #p::check_on_update_now::<#at>();)
                }
                OnUpdateAttr::Function(path) => {
                    quote_spanned!(path.span()=> #p::check_on_update_fn::<#inner, _>(#path);)
                }
            };
            checks.extend(check);
        }
        if let Some(identity) = &column.attrs.identity {
            let span = identity.span;
            let at = inner_at(span);
            checks.extend(quote_spanned!(span=> #p::check_identity::<#at>();));
        }
        if let Some(references) = &column.attrs.references {
            let path = &references.path;
            let ty = column.ty;
            let at = respan(quote!(#ty), path.span());
            checks.extend(quote_spanned!(path.span()=> #p::referenced(#path).by::<#at>();));
        }
    }
    // The soft-delete column is a nullable timestamp (its `Option` is checked with the other
    // attribute rules).
    if let Some(column) = table.soft_delete.map(|i| &table.columns[i]) {
        if column.nullable {
            let inner = column.inner;
            checks.extend(quote_spanned!(inner.span()=> #p::check_soft_delete::<#inner>();));
        }
    }
    checks
}
