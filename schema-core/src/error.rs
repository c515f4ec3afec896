//! One error type for everything a query can meet. Constraint violations come back as their own
//! variants naming the table and the constraint; every error from the server carries the SQL
//! that failed. No row value and no parameter is ever shown by `Display` or `Debug`: the server's
//! DETAIL line (which quotes the failing row or key) stays in [`ConstraintViolation::detail`],
//! and [`Error::with_detail`] shows it when asked.

use std::fmt;

use tokio_postgres::error::SqlState;

pub enum Error {
    /// A unique constraint or index refused the row.
    UniqueViolation(ConstraintViolation),
    /// A foreign key refused the row (a missing parent, or a parent still referenced).
    ForeignKeyViolation(ConstraintViolation),
    /// A check constraint refused the row.
    CheckViolation(ConstraintViolation),
    /// A NOT NULL column was given no value (or a NOT NULL domain a NULL: `table` and `column`
    /// are then empty and `domain` names it).
    NotNullViolation {
        table: String,
        column: String,
        /// `schema.name` of the domain that refused a NULL.
        domain: Option<String>,
        sql: String,
    },
    /// `one()` found no row.
    NotFound { table: String, sql: String },
    /// `one()` or `optional()` found more than one row.
    TooManyRows { table: String, sql: String },
    /// A text value PostgreSQL cannot store, such as one with a NUL byte.
    InvalidText { message: String, sql: String },
    /// A column's value could not be read as the Rust type asked for.
    Decode {
        column: String,
        source: tokio_postgres::Error,
    },
    /// A field of a `#[derive(FromRow)]` struct has no selected column of its name.
    NoColumn {
        /// `Struct.field`
        field: String,
        /// The names of the columns the struct was read from, in order.
        selected: Vec<String>,
    },
    /// No connection could be had from the pool.
    Pool(String),
    /// The connection string is not valid (the message names the setting, never its value).
    Config(String),
    /// TLS could not be set up (a root certificate file that cannot be read, say).
    Tls(String),
    /// A loaded relation's value could not be decoded.
    Relation(String),
    /// A statement met a schema that changed under it (a migration altered a table or type it
    /// uses) inside a transaction, which is now aborted. The stale statement is already gone from
    /// the cache: run the transaction again. Outside a transaction this never reaches the
    /// caller: the statement is prepared again and retried once.
    SchemaChanged { sql: String },
    /// The server described a parameter of a type this connection has not learnt (through a
    /// pooler, a type created after the connection was made): a new connection knows it.
    UnknownType { oid: u32, sql: String },
    /// The server answered in a way the client did not expect.
    Protocol(String),
    /// The statement was not sent: it is not valid as built (an `Expr::raw` whose values do not
    /// match its placeholders, more bound parameters than PostgreSQL takes); the message says why.
    InvalidQuery(String),
    /// The connection cannot be used any more; the message says why. Open a new one.
    Broken(String),
    /// Any other error of the server or the connection.
    Database {
        source: tokio_postgres::Error,
        sql: Option<String>,
    },
}

/// A constraint that refused a statement.
#[derive(Clone, PartialEq, Eq)]
pub struct ConstraintViolation {
    /// Empty for a domain's check: [`ConstraintViolation::domain`] names the domain.
    pub table: String,
    pub constraint: String,
    /// `schema.name` of the domain whose check refused a value, for a domain's check.
    pub domain: Option<String>,
    /// The server's detail line (`Key (email)=(a@x.io) already exists.`, `Failing row contains
    /// (…)`): row values, so never in `Display` or `Debug` unless asked ([`Error::with_detail`]).
    pub detail: Option<String>,
    pub sql: String,
}

impl fmt::Debug for ConstraintViolation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConstraintViolation")
            .field("table", &self.table)
            .field("constraint", &self.constraint)
            .field("domain", &self.domain)
            .field("detail", &self.detail.as_ref().map(|_| Redacted))
            .field("sql", &Bounded(&self.sql))
            .finish()
    }
}

/// Stands for a value that is not shown.
struct Redacted;

impl fmt::Debug for Redacted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted: row values>")
    }
}

/// The most of a statement's text an error shows; the rest is counted.
const SQL_SHOWN: usize = 2048;

/// SQL text shown at most [`SQL_SHOWN`] bytes long, with its full length stated past that.
struct Bounded<'a>(&'a str);

impl fmt::Display for Bounded<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.len() <= SQL_SHOWN {
            return f.write_str(self.0);
        }
        let mut end = SQL_SHOWN;
        while !self.0.is_char_boundary(end) {
            end -= 1;
        }
        write!(f, "{}… ({} bytes in all)", &self.0[..end], self.0.len())
    }
}

impl fmt::Debug for Bounded<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "\"{self}\"")
    }
}

/// [`Error`] shown with the server's DETAIL line ([`Error::with_detail`]).
#[derive(Debug)]
pub struct WithDetail<'a>(&'a Error);

impl fmt::Display for WithDetail<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)?;
        let detail = match self.0 {
            Error::UniqueViolation(v)
            | Error::ForeignKeyViolation(v)
            | Error::CheckViolation(v) => v.detail.as_deref(),
            Error::Database { source, .. } => source.as_db_error().and_then(|db| db.detail()),
            _ => None,
        };
        if let Some(detail) = detail {
            write!(f, "\nDETAIL: {detail}")?;
        }
        Ok(())
    }
}

impl Error {
    pub(crate) fn from_postgres(source: tokio_postgres::Error, sql: Option<&str>) -> Error {
        let sql_text = sql.unwrap_or_default().to_string();
        let Some(db) = source.as_db_error() else {
            return Error::Database {
                source,
                sql: sql.map(str::to_string),
            };
        };
        // A domain's check or NOT NULL names the type, not a table.
        let domain = db
            .datatype()
            .filter(|_| db.table().is_none())
            .map(|name| match db.schema() {
                Some(schema) => format!("{schema}.{name}"),
                None => name.to_string(),
            });
        let violation = || ConstraintViolation {
            table: db.table().unwrap_or_default().to_string(),
            constraint: db.constraint().unwrap_or_default().to_string(),
            domain: domain.clone(),
            detail: db.detail().map(str::to_string),
            sql: sql_text.clone(),
        };
        let code = db.code();
        if *code == SqlState::UNIQUE_VIOLATION {
            Error::UniqueViolation(violation())
        } else if *code == SqlState::FOREIGN_KEY_VIOLATION {
            Error::ForeignKeyViolation(violation())
        } else if *code == SqlState::CHECK_VIOLATION {
            Error::CheckViolation(violation())
        } else if *code == SqlState::NOT_NULL_VIOLATION {
            Error::NotNullViolation {
                table: db.table().unwrap_or_default().to_string(),
                column: db.column().unwrap_or_default().to_string(),
                domain,
                sql: sql_text,
            }
        } else if *code == SqlState::CHARACTER_NOT_IN_REPERTOIRE
            || *code == SqlState::UNTRANSLATABLE_CHARACTER
        {
            Error::InvalidText {
                message: db.message().to_string(),
                sql: sql_text,
            }
        } else {
            Error::Database {
                source,
                sql: sql.map(str::to_string),
            }
        }
    }

    /// The error shown with the server's DETAIL line, which quotes row values (the failing row
    /// of a check, the key of a unique violation): for a developer's eyes, not for logs.
    pub fn with_detail(&self) -> WithDetail<'_> {
        WithDetail(self)
    }

    /// The server's own error, when the error came from the server (its fields include the
    /// DETAIL line, with row values).
    pub fn db_error(&self) -> Option<&tokio_postgres::error::DbError> {
        match self {
            Error::Database { source, .. } | Error::Decode { source, .. } => source.as_db_error(),
            _ => None,
        }
    }

    /// Whether the server refused the statement (or the commit) because concurrent transactions
    /// could not be serialized (`40001`) or deadlocked (`40P01`): running the transaction again
    /// may succeed.
    pub fn is_serialization_failure(&self) -> bool {
        self.db_error().is_some_and(|db| {
            *db.code() == SqlState::T_R_SERIALIZATION_FAILURE
                || *db.code() == SqlState::T_R_DEADLOCK_DETECTED
        })
    }

    /// The SQL that failed, when the error came from a statement.
    pub fn sql(&self) -> Option<&str> {
        match self {
            Error::UniqueViolation(v)
            | Error::ForeignKeyViolation(v)
            | Error::CheckViolation(v) => Some(&v.sql),
            Error::NotNullViolation { sql, .. }
            | Error::NotFound { sql, .. }
            | Error::TooManyRows { sql, .. }
            | Error::InvalidText { sql, .. }
            | Error::SchemaChanged { sql }
            | Error::UnknownType { sql, .. } => Some(sql),
            Error::Database { sql, .. } => sql.as_deref(),
            Error::Decode { .. }
            | Error::NoColumn { .. }
            | Error::Pool(_)
            | Error::Relation(_)
            | Error::Config(_)
            | Error::Tls(_)
            | Error::Protocol(_)
            | Error::InvalidQuery(_)
            | Error::Broken(_) => None,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::UniqueViolation(v) => write!(
                f,
                "unique constraint \"{}\" of table \"{}\" refused the row",
                v.constraint, v.table
            ),
            Error::ForeignKeyViolation(v) => write!(
                f,
                "foreign key \"{}\" of table \"{}\" refused the change",
                v.constraint, v.table
            ),
            Error::CheckViolation(v) => match &v.domain {
                Some(domain) => write!(
                    f,
                    "check constraint \"{}\" of domain \"{domain}\" refused the value",
                    v.constraint
                ),
                None => write!(
                    f,
                    "check constraint \"{}\" of table \"{}\" refused the row",
                    v.constraint, v.table
                ),
            },
            Error::NotNullViolation {
                domain: Some(domain),
                ..
            } => write!(f, "domain \"{domain}\" does not allow NULL"),
            Error::NotNullViolation { table, column, .. } => {
                write!(f, "column \"{column}\" of table \"{table}\" cannot be NULL")
            }
            Error::NotFound { table, .. } => write!(f, "no row of table \"{table}\" matched"),
            Error::TooManyRows { table, .. } => write!(
                f,
                "more than one row of table \"{table}\" matched, where at most one was expected"
            ),
            Error::InvalidText { message, .. } => write!(
                f,
                "a text value cannot be stored: {message} (PostgreSQL text cannot hold NUL bytes)"
            ),
            Error::Decode { column, source } => {
                write!(f, "column \"{column}\" cannot be read: {source}")
            }
            Error::NoColumn { field, selected } => {
                let name = field.rsplit('.').next().unwrap_or(field);
                write!(
                    f,
                    "`{field}` is read from the selected column named `{name}`, and none is \
                     (selected: {}): select it, or name an expression with `.alias(\"{name}\")`",
                    selected.join(", ")
                )
            }
            Error::Pool(message) => write!(f, "no connection from the pool: {message}"),
            Error::Relation(message) => f.write_str(message),
            Error::Config(message) => write!(f, "invalid connection settings: {message}"),
            Error::Tls(message) => write!(f, "TLS: {message}"),
            Error::SchemaChanged { sql } => write!(
                f,
                "the schema changed under a statement of this transaction (a migration ran); \
                 the transaction is aborted: run it again (in `{}`)",
                Bounded(sql)
            ),
            Error::UnknownType { oid, sql } => write!(
                f,
                "a parameter has a type (oid {oid}) created after this connection learnt the \
                 database's types: open a new connection (in `{}`)",
                Bounded(sql)
            ),
            Error::Protocol(message) => write!(f, "unexpected answer from the server: {message}"),
            Error::Broken(message) => write!(f, "the connection cannot be used: {message}"),
            Error::InvalidQuery(message) => write!(f, "the statement was not sent: {message}"),
            Error::Database { source, sql } => {
                // A server error's own message says more than tokio-postgres' "db error".
                match source.as_db_error() {
                    Some(db) => write!(f, "{}: {}", db.severity(), db.message())?,
                    None => {
                        // tokio-postgres says "error performing TLS handshake"; the why is in
                        // its sources.
                        write!(f, "{source}")?;
                        let mut cause = std::error::Error::source(source);
                        while let Some(inner) = cause {
                            write!(f, ": {inner}")?;
                            cause = inner.source();
                        }
                    }
                }
                if let Some(sql) = sql {
                    write!(f, " (in `{}`)", Bounded(sql))?;
                }
                Ok(())
            }
        }
    }
}

/// Like `Display`, field by field: no row value, no parameter, SQL bounded.
impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::UniqueViolation(v) => f.debug_tuple("UniqueViolation").field(v).finish(),
            Error::ForeignKeyViolation(v) => f.debug_tuple("ForeignKeyViolation").field(v).finish(),
            Error::CheckViolation(v) => f.debug_tuple("CheckViolation").field(v).finish(),
            Error::Database { source, sql } => {
                let mut s = f.debug_struct("Database");
                match source.as_db_error() {
                    Some(db) => s
                        .field("code", &db.code().code())
                        .field("message", &db.message())
                        .field("table", &db.table())
                        .field("constraint", &db.constraint())
                        .field("detail", &db.detail().map(|_| Redacted)),
                    None => s.field("source", &source.to_string()),
                };
                s.field("sql", &sql.as_deref().map(Bounded)).finish()
            }
            Error::Decode { column, source } => f
                .debug_struct("Decode")
                .field("column", column)
                .field("source", &source.to_string())
                .finish(),
            other => write!(f, "{other}"),
        }
    }
}

impl std::error::Error for Error {
    /// The underlying error for connection and decoding failures. A server error's source is
    /// not given: tokio-postgres shows its DETAIL line (row values) in `Display`; it is at
    /// [`Error::db_error`] for whoever asks.
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Decode { source, .. } => Some(source),
            Error::Database { source, .. } if source.as_db_error().is_none() => Some(source),
            _ => None,
        }
    }
}
