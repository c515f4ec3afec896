//! How SQL types and defaults are spelled: in DDL, and as PostgreSQL's catalog prints them back
//! (`format_type`, `pg_get_expr`), which is what introspection compares against.

use super::model::{DefaultValue, SqlType};
use crate::sql::{quote_ident, quote_literal, quote_qualified};

impl SqlType {
    /// The type as written in DDL (`varchar(255)`, `timestamptz`, `"user_role"`).
    pub fn ddl(&self) -> String {
        match self {
            SqlType::SmallInt => "smallint".into(),
            SqlType::Integer => "integer".into(),
            SqlType::BigInt => "bigint".into(),
            SqlType::Real => "real".into(),
            SqlType::DoublePrecision => "double precision".into(),
            SqlType::Boolean => "boolean".into(),
            SqlType::Text => "text".into(),
            SqlType::Varchar(None) => "varchar".into(),
            SqlType::Varchar(Some(n)) => format!("varchar({n})"),
            SqlType::Char(n) => format!("char({n})"),
            SqlType::Uuid => "uuid".into(),
            SqlType::Timestamp => "timestamp".into(),
            SqlType::TimestampTz => "timestamptz".into(),
            SqlType::Date => "date".into(),
            SqlType::Time => "time".into(),
            SqlType::Interval => "interval".into(),
            SqlType::Numeric { precision, scale } => match (precision, scale) {
                (Some(p), Some(s)) => format!("numeric({p}, {s})"),
                (Some(p), None) => format!("numeric({p})"),
                _ => "numeric".into(),
            },
            SqlType::Json => "json".into(),
            SqlType::Jsonb => "jsonb".into(),
            SqlType::Bytea => "bytea".into(),
            SqlType::Vector(None) => "vector".into(),
            SqlType::Vector(Some(n)) => format!("vector({n})"),
            SqlType::Enum(name) | SqlType::Domain(name) => {
                quote_qualified(name.schema.as_deref(), &name.name)
            }
            SqlType::Custom(sql) => sql.to_string(),
        }
    }

    /// The type as `format_type(atttypid, atttypmod)` prints it for a column in the `public`
    /// search path (`character varying(255)`, `timestamp with time zone`, `user_role`).
    pub fn catalog_name(&self) -> String {
        match self {
            SqlType::Varchar(None) => "character varying".into(),
            SqlType::Varchar(Some(n)) => format!("character varying({n})"),
            SqlType::Char(n) => format!("character({n})"),
            SqlType::Timestamp => "timestamp without time zone".into(),
            SqlType::TimestampTz => "timestamp with time zone".into(),
            SqlType::Time => "time without time zone".into(),
            SqlType::Numeric { precision, scale } => match (precision, scale) {
                (Some(p), Some(s)) => format!("numeric({p},{s})"),
                (Some(p), None) => format!("numeric({p},0)"),
                _ => "numeric".into(),
            },
            SqlType::Enum(name) | SqlType::Domain(name) => match name.schema.as_deref() {
                None | Some("public") => maybe_quoted(&name.name),
                Some(schema) => format!("{}.{}", maybe_quoted(schema), maybe_quoted(&name.name)),
            },
            other => other.ddl(),
        }
    }

    /// The type's name in a cast that the catalog prints: without length or precision
    /// (`'active'::character varying`, `'ab'::bpchar`).
    pub fn cast_name(&self) -> String {
        match self {
            SqlType::Varchar(_) => "character varying".into(),
            SqlType::Char(_) => "bpchar".into(),
            SqlType::Numeric { .. } => "numeric".into(),
            other => other.catalog_name(),
        }
    }

    /// Whether values of this type are strings (what `varchar(n)` and text defaults need).
    pub fn is_textual(&self) -> bool {
        matches!(self, SqlType::Text | SqlType::Varchar(_) | SqlType::Char(_))
    }

    /// The extension that provides the type, if it is not built in.
    pub fn extension(&self) -> Option<&'static str> {
        match self {
            SqlType::Vector(_) => Some("vector"),
            _ => None,
        }
    }
}

/// `format_type` quotes a name only when it has to.
fn maybe_quoted(name: &str) -> String {
    let plain = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if plain {
        name.to_string()
    } else {
        quote_ident(name)
    }
}

impl DefaultValue {
    /// The default as written in DDL, for a column of the given type.
    pub fn ddl(&self, ty: &SqlType) -> String {
        match self {
            DefaultValue::Bool(b) => b.to_string(),
            DefaultValue::Number(n) => n.to_string(),
            DefaultValue::Text(s) | DefaultValue::EnumLabel(s) => quote_literal(s),
            DefaultValue::RandomUuid => "gen_random_uuid()".into(),
            DefaultValue::Now if *ty == SqlType::Date => "CURRENT_DATE".into(),
            DefaultValue::Now => "now()".into(),
            DefaultValue::Sql(sql) => sql.to_string(),
            DefaultValue::NextVal(sequence) => format!(
                "nextval({})",
                quote_literal(&quote_qualified(sequence.schema.as_deref(), &sequence.name))
            ),
        }
    }

    /// The default as `pg_get_expr(adbin, adrelid)` prints it back, for a scalar column of the
    /// given type. `None` for a raw SQL default, which PostgreSQL normalises in ways only the
    /// server knows.
    pub fn catalog_form(&self, ty: &SqlType) -> Option<String> {
        Some(match self {
            DefaultValue::Bool(b) => b.to_string(),
            // A number keeps the type of its literal (int4, int8 or numeric): the cast to the
            // column's type is implicit and not printed. Non-negative int4 and numeric constants
            // print bare; the others carry their literal type.
            DefaultValue::Number(n) => {
                let negative = n.starts_with('-');
                let integral = !n.contains(['.', 'e', 'E']);
                if integral && n.parse::<i32>().is_ok() {
                    if negative {
                        format!("'{n}'::integer")
                    } else {
                        n.to_string()
                    }
                } else if integral && n.parse::<i64>().is_ok() {
                    format!("'{n}'::bigint")
                } else if negative {
                    format!("'{n}'::numeric")
                } else {
                    n.to_string()
                }
            }
            DefaultValue::Text(s) | DefaultValue::EnumLabel(s) => {
                format!("{}::{}", quote_literal(s), ty.cast_name())
            }
            DefaultValue::RandomUuid => "gen_random_uuid()".into(),
            DefaultValue::Now if *ty == SqlType::Date => "CURRENT_DATE".into(),
            DefaultValue::Now => "now()".into(),
            DefaultValue::Sql(_) => return None,
            // `regclass` prints the name as the search path (`public`) would find it.
            DefaultValue::NextVal(sequence) => {
                let name = match sequence.schema.as_deref() {
                    None | Some("public") => maybe_quoted(&sequence.name),
                    Some(schema) => {
                        format!("{}.{}", maybe_quoted(schema), maybe_quoted(&sequence.name))
                    }
                };
                format!("nextval({}::regclass)", quote_literal(&name))
            }
        })
    }
}
