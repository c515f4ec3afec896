//! The small readers every attribute uses: a key, a string, an identifier, a value set once,
//! and the "did you mean" of an unknown key.

use proc_macro2::Ident;
use syn::ext::IdentExt;
use syn::meta::ParseNestedMeta;
use syn::parse::{Parse, ParseStream};
use syn::{parenthesized, LitStr, Path, Token};

use super::*;
use crate::ctxt::Ctxt;

/// The key of a nested meta item, as written.
pub(super) fn key_of(meta: &ParseNestedMeta<'_>) -> String {
    meta.path
        .get_ident()
        .map(|i| i.to_string().trim_start_matches("r#").to_string())
        .unwrap_or_else(|| {
            let path = &meta.path;
            quote::quote!(#path).to_string().replace(' ', "")
        })
}

/// Records an unknown key and skips its value, so parsing goes on.
pub(super) fn unknown_key(
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
pub(super) fn suggest(given: &str, valid: &[&str], listing: &str) -> String {
    match closest(given, valid) {
        Some(close) => format!("did you mean `{close}`? ({listing}: {})", valid.join(", ")),
        None => format!("{listing}: {}", valid.join(", ")),
    }
}

/// The valid key a misspelling most likely meant: the nearest by edit distance, when it is near
/// (a third of the key's length, at least one edit), or one the key starts with or is a start of.
pub(super) fn closest<'a>(key: &str, valid: &[&'a str]) -> Option<&'a str> {
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
pub(super) fn edit_distance(a: &str, b: &str) -> usize {
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

pub(super) fn skip_value(meta: &ParseNestedMeta<'_>) -> syn::Result<()> {
    if meta.input.peek(Token![=]) {
        meta.input.parse::<Token![=]>()?;
        meta.input.parse::<syn::Expr>()?;
    } else if meta.input.peek(syn::token::Paren) {
        meta.input.parse::<proc_macro2::Group>()?;
    }
    Ok(())
}

/// Stores `value` unless the key was given before, which is an error at the second one.
pub(super) fn set_once<T>(cx: &Ctxt, slot: &mut Option<T>, value: T, meta: &ParseNestedMeta<'_>) {
    if slot.is_some() {
        cx.error_spanned_by(
            &meta.path,
            format!(
                "duplicate attribute `{0}`: `{0}` is given once; remove this one, or the first",
                key_of(meta)
            ),
        );
    } else {
        *slot = Some(value);
    }
}

pub(super) fn lit_str(meta: &ParseNestedMeta<'_>) -> syn::Result<Sp<String>> {
    let lit: LitStr = meta.value()?.parse()?;
    Ok(Sp::new(lit.value(), lit.span()))
}

pub(super) fn ident_value(meta: &ParseNestedMeta<'_>) -> syn::Result<Ident> {
    meta.value()?.call(Ident::parse_any)
}

pub(super) fn paren_idents(meta: &ParseNestedMeta<'_>) -> syn::Result<Vec<Ident>> {
    let content;
    parenthesized!(content in meta.input);
    let list = content.parse_terminated(Ident::parse, Token![,])?;
    Ok(list.into_iter().collect())
}

/// A column of some table, `users::id`: the table's module, then the column. Drizzle's
/// `users.id`, a bare `id` and the struct's name (`User::id`) are errors that show the form.
pub(super) fn column_path(input: ParseStream<'_>) -> syn::Result<Path> {
    let path = input.call(Path::parse_mod_style)?;
    if input.peek(Token![.]) {
        let dot: Token![.] = input.parse()?;
        let column = input
            .parse::<Ident>()
            .map(|c| c.to_string())
            .unwrap_or_default();
        let module = path
            .segments
            .last()
            .map(|s| s.ident.to_string())
            .unwrap_or_default();
        return Err(syn::Error::new(
            dot.span,
            format!(
                "a column is written `{module}::{column}` (the table's module, `::`, the column), \
                 not with a `.`"
            ),
        ));
    }
    if path.segments.len() < 2 {
        return Err(syn::Error::new_spanned(
            &path,
            format!(
                "name the column with its table's module: `users::{}` (the module is the \
                 table's name, or its `module = …`)",
                path.segments
                    .last()
                    .map(|s| s.ident.to_string())
                    .unwrap_or_default()
            ),
        ));
    }
    let table = &path.segments[path.segments.len() - 2].ident;
    if table
        .to_string()
        .starts_with(|c: char| c.is_ascii_uppercase())
    {
        return Err(syn::Error::new_spanned(
            table,
            format!(
                "`{table}` is a struct: a column is named through its table's module, as in \
                 `users::id` (the module is the table's name in snake_case, or its `module = …`)"
            ),
        ));
    }
    Ok(path)
}
