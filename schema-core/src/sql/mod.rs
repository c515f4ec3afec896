//! Quoting: every identifier and literal that reaches SQL text goes through here.

pub(crate) mod lex;

/// How the text of a statement that must not be sent begins.
const INVALID: &str = "/* schema_core: invalid query: ";

/// The text of a statement that must not be sent, saying why: what a builder renders when its
/// query cannot be written (the executor refuses it with [`invalid_reason`]).
pub(crate) fn invalid_statement(reason: &str) -> String {
    format!("{INVALID}{} */", reason.replace("*/", "* /"))
}

/// Why a rendered statement must not be sent, if it must not.
pub(crate) fn invalid_reason(sql: &str) -> Option<&str> {
    sql.strip_prefix(INVALID)?.strip_suffix(" */")
}

/// Quotes an identifier: `users` → `"users"`, `a"b` → `"a""b"`.
pub fn quote_ident(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 2);
    push_quoted_ident(&mut out, name);
    out
}

/// Appends `name` quoted as an identifier to `out`, without an allocation of its own.
pub fn push_quoted_ident(out: &mut String, name: &str) {
    out.push('"');
    if name.contains('"') {
        for c in name.chars() {
            if c == '"' {
                out.push('"');
            }
            out.push(c);
        }
    } else {
        out.push_str(name);
    }
    out.push('"');
}

/// Quotes a name with its optional schema: `"auth"."users"`.
pub fn quote_qualified(schema: Option<&str>, name: &str) -> String {
    match schema {
        Some(schema) => format!("{}.{}", quote_ident(schema), quote_ident(name)),
        None => quote_ident(name),
    }
}

/// Quotes a string literal: `it's` → `'it''s'`. Backslashes stay literal
/// (`standard_conforming_strings` is on in every supported PostgreSQL).
pub fn quote_literal(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('\'');
    for c in value.chars() {
        if c == '\'' {
            out.push('\'');
        }
        out.push(c);
    }
    out.push('\'');
    out
}

/// Dollar-quotes `body` with the first of `$fn$`, `$fn1$`, `$fn2$`, … that it does not contain,
/// so that no text in the body (a column named `$fn$`, say) can end the quote early.
pub fn dollar_quote(body: &str) -> String {
    let tag = std::iter::once("fn".to_string())
        .chain((1..).map(|n| format!("fn{n}")))
        .find(|tag| !body.contains(&format!("${tag}")))
        .expect("some tag is free");
    format!("${tag}${body}${tag}$")
}

/// `text` cut at each `separator` outside parentheses, brackets, quotes (`'…'`, `"…"`): the
/// items of an argument list or of a list of constants as the server prints them.
pub fn split_top_level(text: &str, separator: char) -> Vec<&str> {
    let mut items = Vec::new();
    let (mut depth, mut quote, mut start) = (0i32, None::<char>, 0);
    for (at, c) in text.char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '\'' | '"') => quote = Some(c),
            (None, '(' | '[') => depth += 1,
            (None, ')' | ']') => depth -= 1,
            (None, c) if c == separator && depth == 0 => {
                items.push(&text[start..at]);
                start = at + c.len_utf8();
            }
            _ => {}
        }
    }
    items.push(&text[start..]);
    items
}

/// The longest identifier PostgreSQL keeps (`NAMEDATALEN - 1` bytes); longer ones are truncated
/// silently by the server, which is why the macros refuse them.
pub const MAX_IDENTIFIER_BYTES: usize = 63;

/// Cuts `name` to [`MAX_IDENTIFIER_BYTES`], at a character boundary, as a generated name must
/// be to stay what it is on the server.
pub fn truncate_identifier(name: &mut String) {
    let mut end = name.len().min(MAX_IDENTIFIER_BYTES);
    while !name.is_char_boundary(end) {
        end -= 1;
    }
    name.truncate(end);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes() {
        assert_eq!(quote_ident("users"), r#""users""#);
        assert_eq!(quote_ident(r#"a"b"#), r#""a""b""#);
        assert_eq!(quote_qualified(Some("auth"), "users"), r#""auth"."users""#);
        assert_eq!(quote_literal(r"it's \ ok"), r"'it''s \ ok'");
        assert_eq!(dollar_quote("a"), "$fn$a$fn$");
        assert_eq!(
            split_top_level("'a,b', (1, 2), \"x,y\", 3", ','),
            ["'a,b'", " (1, 2)", " \"x,y\"", " 3"]
        );
        assert_eq!(split_top_level("", ','), [""]);
        assert_eq!(dollar_quote("\"$fn$\""), "$fn1$\"$fn$\"$fn1$");
        assert_eq!(dollar_quote("$fn $fn1"), "$fn2$$fn $fn1$fn2$");
    }
}
