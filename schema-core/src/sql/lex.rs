//! A lexer of SQL text just deep enough to know where code is: string literals (`''` and `E''`
//! escapes), quoted identifiers, dollar-quoted bodies, line and nested block comments, and the
//! semicolons that end statements. The runner splits files with it, `Expr::raw` finds its
//! placeholders with it, and hand-written files are checked for transaction control with it.

/// What a piece of SQL text is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Piece {
    /// Keywords, names, operators, numbers, whitespace: where SQL itself is.
    Code,
    LineComment,
    BlockComment,
    /// A string literal, quotes included.
    Literal,
    /// A quoted identifier, quotes included.
    QuotedIdent,
    /// A dollar-quoted body, tags included.
    DollarQuoted,
    /// A `;` outside all of the above.
    Semicolon,
}

/// The pieces of `sql` in order; together they are the whole text. An unterminated literal,
/// identifier, body or comment runs to the end.
pub(crate) fn pieces(sql: &str) -> Pieces<'_> {
    Pieces { sql, at: 0 }
}

#[derive(Debug)]
pub(crate) struct Pieces<'a> {
    sql: &'a str,
    at: usize,
}

impl<'a> Iterator for Pieces<'a> {
    type Item = (Piece, &'a str);

    fn next(&mut self) -> Option<(Piece, &'a str)> {
        let sql = self.sql;
        let start = self.at;
        if start >= sql.len() {
            return None;
        }
        let (piece, len) = special_at(sql, start).unwrap_or_else(|| {
            // Code, up to the next byte where something else may start.
            let mut end = start;
            while end < sql.len() && special_at(sql, end).is_none() {
                end += sql[end..].chars().next().map_or(1, char::len_utf8);
            }
            (Piece::Code, end - start)
        });
        self.at = start + len;
        Some((piece, &sql[start..start + len]))
    }
}

/// The piece that starts at byte `i` of `sql`, when it is not code.
fn special_at(sql: &str, i: usize) -> Option<(Piece, usize)> {
    let bytes = sql.as_bytes();
    let rest = &sql[i..];
    let after_word = i > 0 && (bytes[i - 1].is_ascii_alphanumeric() || bytes[i - 1] == b'_');
    Some(match bytes[i] {
        b'-' if rest.starts_with("--") => (
            Piece::LineComment,
            rest.find('\n').map_or(rest.len(), |n| n + 1),
        ),
        b'/' if rest.starts_with("/*") => {
            let mut depth = 0;
            let mut j = 0;
            while j < rest.len() {
                if rest[j..].starts_with("/*") {
                    depth += 1;
                    j += 2;
                } else if rest[j..].starts_with("*/") {
                    depth -= 1;
                    j += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    j += 1;
                }
            }
            (Piece::BlockComment, j.min(rest.len()))
        }
        b'\'' => {
            // `''` is a quote inside it, and after a lone `E` a backslash escapes.
            let escapes = i > 0
                && matches!(bytes[i - 1], b'E' | b'e')
                && (i < 2 || !(bytes[i - 2].is_ascii_alphanumeric() || bytes[i - 2] == b'_'));
            let r = rest.as_bytes();
            let mut j = 1;
            while j < r.len() {
                match r[j] {
                    b'\\' if escapes => j += 2,
                    b'\'' if r.get(j + 1) == Some(&b'\'') => j += 2,
                    b'\'' => {
                        j += 1;
                        break;
                    }
                    _ => j += 1,
                }
            }
            (Piece::Literal, j.min(rest.len()))
        }
        b'"' => {
            let r = rest.as_bytes();
            let mut j = 1;
            while j < r.len() {
                if r[j] == b'"' {
                    if r.get(j + 1) == Some(&b'"') {
                        j += 2;
                        continue;
                    }
                    j += 1;
                    break;
                }
                j += 1;
            }
            (Piece::QuotedIdent, j.min(rest.len()))
        }
        b'$' if !after_word => {
            let tag = dollar_tag(rest)?;
            let len = match rest[tag.len()..].find(tag) {
                Some(end) => tag.len() + end + tag.len(),
                None => rest.len(),
            };
            (Piece::DollarQuoted, len)
        }
        b';' => (Piece::Semicolon, 1),
        _ => return None,
    })
}

/// The tag at the start of `text` if it opens a dollar quote: `$$` or `$name$` (`$1` is a
/// parameter, not a tag).
pub(crate) fn dollar_tag(text: &str) -> Option<&str> {
    let rest = text.strip_prefix('$')?;
    let end = rest.find('$')?;
    let name = &rest[..end];
    let valid = name
        .chars()
        .enumerate()
        .all(|(k, ch)| ch == '_' || ch.is_alphabetic() || (k > 0 && ch.is_ascii_digit()));
    valid.then(|| &text[..end + 2])
}

/// The statements of `sql`, split at the semicolons that end them. Comments outside statements
/// are dropped; a statement keeps its own text as written, with its `;`.
pub(crate) fn statements(sql: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    // Whether `current` has anything but whitespace and comments.
    let mut has_code = false;
    for (piece, text) in pieces(sql) {
        match piece {
            Piece::Semicolon => {
                if has_code {
                    current.push(';');
                    out.push(current.trim().to_string());
                }
                current.clear();
                has_code = false;
            }
            Piece::LineComment | Piece::BlockComment => {
                if has_code {
                    current.push_str(text);
                }
            }
            _ => {
                if !text.trim().is_empty() {
                    has_code = true;
                }
                if has_code {
                    current.push_str(text);
                }
            }
        }
    }
    if has_code {
        out.push(current.trim().to_string());
    }
    out
}

/// What a transaction-control statement leaves: `Some(true)` a transaction open (`BEGIN`,
/// `SAVEPOINT`, `ROLLBACK TO`, …), `Some(false)` none (`COMMIT`, `ROLLBACK`, `PREPARE
/// TRANSACTION`, …); `None` for any other statement.
pub(crate) fn transaction_effect(statement: &str) -> Option<bool> {
    // The first words of the code, read lazily and compared in place: any statement but
    // transaction control is known by its first word, without lexing the rest of it or
    // allocating (raw SQL comes through here on every call).
    let mut words = pieces(statement)
        .filter(|(piece, _)| *piece == Piece::Code)
        .flat_map(|(_, text)| {
            text.split(|c: char| !(c.is_alphanumeric() || c == '_'))
                .filter(|w| !w.is_empty())
        });
    let first = words.next()?;
    let is =
        |word: Option<&str>, keyword: &str| word.is_some_and(|w| w.eq_ignore_ascii_case(keyword));
    let first = Some(first);
    if ["BEGIN", "START", "SAVEPOINT", "RELEASE"]
        .iter()
        .any(|k| is(first, k))
    {
        Some(true)
    } else if ["COMMIT", "END", "ABORT"].iter().any(|k| is(first, k)) {
        Some(false)
    } else if is(first, "ROLLBACK") {
        // `ROLLBACK [WORK | TRANSACTION] TO [SAVEPOINT] s` stays inside the transaction;
        // `ROLLBACK PREPARED 'x'` is not about this one.
        let (second, third) = (words.next(), words.next());
        Some(is(second, "TO") || (second.is_some() && is(third, "TO")))
    } else if is(first, "PREPARE") && is(words.next(), "TRANSACTION") {
        Some(false)
    } else {
        None
    }
}

/// Whether a statement begins, ends or marks a transaction (`BEGIN`, `COMMIT`, `SAVEPOINT`,
/// `PREPARE TRANSACTION`, …).
/// Whether `sql` is one statement that only reads, as far as its text says: it begins with
/// `SELECT`, `WITH`, `VALUES`, `TABLE` or `SHOW`, and no word of its code writes or locks
/// (`INSERT`, `UPDATE`, `DELETE`, `MERGE`, `INTO`, `FOR SHARE`, `LOCK`…). Names in quotes, strings and
/// comments are not code. What it cannot see (a function that writes) a standby refuses, and
/// the statement runs on the primary.
pub(crate) fn is_read_only(sql: &str) -> bool {
    let mut first = None;
    for (piece, text) in pieces(sql) {
        match piece {
            // A statement ended: what follows is not one read.
            Piece::Semicolon if first.is_some() => return false,
            Piece::Code => {
                for word in text
                    .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                    .filter(|w| !w.is_empty())
                {
                    let word = word.to_ascii_uppercase();
                    if first.is_none() {
                        if !matches!(
                            word.as_str(),
                            "SELECT" | "WITH" | "VALUES" | "TABLE" | "SHOW"
                        ) {
                            return false;
                        }
                        first = Some(());
                    } else if matches!(
                        word.as_str(),
                        "INSERT"
                            | "UPDATE"
                            | "DELETE"
                            | "MERGE"
                            | "INTO"
                            | "SHARE"
                            | "LOCK"
                            | "CALL"
                            | "COPY"
                    ) {
                        return false;
                    }
                }
            }
            Piece::QuotedIdent | Piece::Literal | Piece::DollarQuoted if first.is_none() => {
                return false;
            }
            _ => {}
        }
    }
    first.is_some()
}

pub(crate) fn is_transaction_control(statement: &str) -> bool {
    transaction_effect(statement).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_are_told_from_writes_by_their_code() {
        for read in [
            "SELECT \"id\" FROM \"users\" WHERE \"email\" = $1",
            "select count(*) from users",
            "WITH t AS (SELECT 1) SELECT * FROM t",
            "SELECT \"update\", 'delete' FROM \"insert\" -- for update",
            "VALUES (1)",
        ] {
            assert!(is_read_only(read), "{read}");
        }
        for write in [
            "INSERT INTO users VALUES (1)",
            "UPDATE users SET a = 1",
            "WITH d AS (DELETE FROM t RETURNING *) SELECT * FROM d",
            "SELECT * FROM users FOR UPDATE",
            "SELECT * FROM users FOR KEY SHARE SKIP LOCKED",
            "SELECT * INTO copy FROM users",
            "SELECT 1; SELECT 2",
            "BEGIN",
            "\"select\"",
            "",
        ] {
            assert!(!is_read_only(write), "{write}");
        }
    }

    #[test]
    fn statements_split_at_semicolons_outside_quotes_bodies_and_comments() {
        let sql = "-- migrate:no-transaction\n\
                   CREATE INDEX CONCURRENTLY \"a;b\" ON t (c);\n\
                   -- a comment; with a semicolon\n\
                   INSERT INTO t VALUES ('x;y', 'it''s; fine', E'\\'; still');\n\
                   /* block; /* nested; */ comment */\n\
                   CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $fn$\n\
                   SELECT 1;\n\
                   \n\
                   SELECT 2;\n\
                   $fn$;\n\
                   SELECT $$a;b$$, $1 ;\n\
                   UPDATE t SET c = 1 -- trailing; comment\n\
                   WHERE d;\n\
                   -- the end, no statement\n";
        assert_eq!(
            statements(sql),
            [
                "CREATE INDEX CONCURRENTLY \"a;b\" ON t (c);",
                "INSERT INTO t VALUES ('x;y', 'it''s; fine', E'\\'; still');",
                "CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $fn$\nSELECT 1;\n\nSELECT 2;\n$fn$;",
                "SELECT $$a;b$$, $1 ;",
                "UPDATE t SET c = 1 -- trailing; comment\nWHERE d;",
            ]
        );
    }

    #[test]
    fn statements_of_an_online_file() {
        let sql = "-- migrate:no-transaction\n-- Migration 0001_x\n\nSET lock_timeout = '5s';\n\n-- CONCURRENTLY: …\nCREATE INDEX CONCURRENTLY \"i\" ON \"t\" USING btree (\"c\");\n";
        assert_eq!(
            statements(sql),
            [
                "SET lock_timeout = '5s';",
                "CREATE INDEX CONCURRENTLY \"i\" ON \"t\" USING btree (\"c\");"
            ]
        );
    }

    #[test]
    fn pieces_cover_the_whole_text_even_unterminated() {
        for sql in [
            "SELECT 'a",
            "SELECT \"a",
            "SELECT $x$ body",
            "SELECT /* open",
            "a$b$ c",
            "é'ü'",
            "",
        ] {
            let joined: String = pieces(sql).map(|(_, text)| text).collect();
            assert_eq!(joined, sql);
        }
        // A `$` inside a name opens no body.
        assert_eq!(
            pieces("a$b$ c").map(|(p, _)| p).collect::<Vec<_>>(),
            [Piece::Code]
        );
    }

    #[test]
    fn transaction_control_is_found_behind_comments_and_in_any_case() {
        for statement in [
            "BEGIN;",
            "  -- note\n commit",
            "/* x */ Rollback to savepoint a",
            "start transaction isolation level serializable",
            "END",
            "prepare transaction 'x'",
            "SAVEPOINT s",
            "release s",
            "abort",
        ] {
            assert!(is_transaction_control(statement), "{statement}");
        }
        for statement in [
            "SELECT 'BEGIN'",
            "-- BEGIN\nSELECT 1",
            "PREPARE q AS SELECT 1",
            "CREATE TABLE begin_x ()",
            "UPDATE t SET \"commit\" = 1",
        ] {
            assert!(!is_transaction_control(statement), "{statement}");
        }
        assert_eq!(transaction_effect("rollback to savepoint a"), Some(true));
        assert_eq!(transaction_effect("ROLLBACK WORK TO a"), Some(true));
        assert_eq!(transaction_effect("ROLLBACK"), Some(false));
        assert_eq!(
            transaction_effect("begin isolation level serializable"),
            Some(true)
        );
        assert_eq!(transaction_effect("SELECT 1"), None);
        assert_eq!(transaction_effect("/* a */ -- b\n  Begin"), Some(true));
        assert_eq!(transaction_effect("commit;"), Some(false));
        assert_eq!(transaction_effect("PREPARE TRANSACTION 'x'"), Some(false));
        assert_eq!(transaction_effect("rollback transaction to s"), Some(true));
        assert_eq!(transaction_effect("ROLLBACK PREPARED 'x'"), Some(false));
        assert_eq!(transaction_effect(""), None);
        assert_eq!(transaction_effect("-- only a comment"), None);
    }
}
