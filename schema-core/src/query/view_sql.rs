//! A builder query as the SQL of a view: a view cannot take bound parameters, so each value is
//! written as a literal. The value's type is learnt from the value itself (the first of the
//! built-in types it accepts to encode), decoded back, and written in PostgreSQL's literal form
//! with a cast where the type is not implied; a value of any other type (a `#[pg_enum]`, an
//! array) is refused with the way out.

use bytes::BytesMut;
use postgres_types::{FromSql, IsNull, Type};

use super::expr::Param;
use super::select::{Select, Source};
use crate::sql::{invalid_statement, lex, quote_literal};

/// A query that can be a view's: `#[view(query = path)]` takes a function returning one.
pub trait ViewQuery {
    /// The query's SQL with its values written in, or why it cannot be.
    fn view_sql(&self) -> Result<String, String>;
}

impl<S: Source, O> ViewQuery for Select<S, O> {
    fn view_sql(&self) -> Result<String, String> {
        let (sql, params) = self.sql();
        inline(&sql, &params)
    }
}

/// The SQL of `#[view(query = …)]`: a statement marked invalid (which `Schema::validate` reports
/// with the reason) when a value cannot be written as a literal.
#[doc(hidden)]
pub fn view_query_sql(query: &impl ViewQuery) -> String {
    query
        .view_sql()
        .unwrap_or_else(|reason| invalid_statement(&reason))
}

/// `sql` with each `$n` outside literals, identifiers and comments replaced by the literal of
/// `params[n - 1]`.
fn inline(sql: &str, params: &[Param]) -> Result<String, String> {
    let literals = params
        .iter()
        .enumerate()
        .map(|(i, p)| literal(p).ok_or_else(|| refusal(i + 1)))
        .collect::<Result<Vec<String>, String>>()?;
    let mut out = String::with_capacity(sql.len());
    for (piece, text) in lex::pieces(sql) {
        if piece != lex::Piece::Code {
            out.push_str(text);
            continue;
        }
        let mut rest = text;
        while let Some(at) = rest.find('$') {
            out.push_str(&rest[..at]);
            let digits: String = rest[at + 1..]
                .chars()
                .take_while(char::is_ascii_digit)
                .collect();
            match digits
                .parse::<usize>()
                .ok()
                .and_then(|n| literals.get(n.checked_sub(1)?))
            {
                Some(literal) => {
                    out.push_str(literal);
                    rest = &rest[at + 1 + digits.len()..];
                }
                None => {
                    out.push('$');
                    rest = &rest[at + 1..];
                }
            }
        }
        out.push_str(rest);
    }
    Ok(out)
}

fn refusal(n: usize) -> String {
    format!(
        "the view's query has a value (${n}) of a type that cannot be written as a literal \
         (an enum or an array, say); write that comparison as SQL with `Expr::raw`, or the whole \
         query with `sql = \"…\"`"
    )
}

/// The value as a literal, when it is of a built-in scalar type.
fn literal(param: &Param) -> Option<String> {
    fn decode<'a, T: FromSql<'a>>(ty: &Type, raw: &'a [u8]) -> Option<T> {
        T::from_sql(ty, raw).ok()
    }
    let candidates = [
        Type::BOOL,
        Type::INT2,
        Type::INT4,
        Type::INT8,
        Type::FLOAT4,
        Type::FLOAT8,
        Type::TEXT,
        Type::UUID,
        Type::TIMESTAMP,
        Type::TIMESTAMPTZ,
        Type::DATE,
        Type::TIME,
        Type::JSONB,
    ];
    for ty in candidates {
        let mut buf = BytesMut::new();
        match param.to_sql_checked(&ty, &mut buf) {
            Ok(IsNull::Yes) => return Some("NULL".into()),
            Ok(IsNull::No) => {}
            Err(_) => continue,
        }
        let raw = &buf[..];
        let typed = |text: String, cast: &str| format!("{}::{cast}", quote_literal(&text));
        return match ty {
            Type::BOOL => decode::<bool>(&ty, raw).map(|b| b.to_string()),
            Type::INT2 => decode::<i16>(&ty, raw).map(|n| n.to_string()),
            Type::INT4 => decode::<i32>(&ty, raw).map(|n| n.to_string()),
            Type::INT8 => decode::<i64>(&ty, raw).map(|n| n.to_string()),
            Type::FLOAT4 => decode::<f32>(&ty, raw).map(|n| typed(n.to_string(), "real")),
            Type::FLOAT8 => {
                decode::<f64>(&ty, raw).map(|n| typed(n.to_string(), "double precision"))
            }
            Type::TEXT => decode::<String>(&ty, raw).map(|s| quote_literal(&s)),
            Type::UUID => decode::<uuid::Uuid>(&ty, raw).map(|u| typed(u.to_string(), "uuid")),
            Type::TIMESTAMP => decode::<chrono::NaiveDateTime>(&ty, raw)
                .map(|t| typed(t.format("%Y-%m-%d %H:%M:%S%.f").to_string(), "timestamp")),
            Type::TIMESTAMPTZ => decode::<chrono::DateTime<chrono::Utc>>(&ty, raw)
                .map(|t| typed(t.to_rfc3339(), "timestamptz")),
            Type::DATE => {
                decode::<chrono::NaiveDate>(&ty, raw).map(|d| typed(d.to_string(), "date"))
            }
            Type::TIME => {
                decode::<chrono::NaiveTime>(&ty, raw).map(|t| typed(t.to_string(), "time"))
            }
            Type::JSONB => {
                decode::<serde_json::Value>(&ty, raw).map(|j| typed(j.to_string(), "jsonb"))
            }
            _ => None,
        };
    }
    None
}
