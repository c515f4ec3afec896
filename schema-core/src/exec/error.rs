//! One error type for everything a query can meet. Constraint violations come back as their own
//! variants naming the table and the constraint; every error from the server carries the SQL
//! that failed (never the parameters, which may be secrets).

use std::fmt;

use tokio_postgres::error::SqlState;

#[derive(Debug)]
pub enum Error {
    /// A unique constraint or index refused the row.
    UniqueViolation(ConstraintViolation),
    /// A foreign key refused the row (a missing parent, or a parent still referenced).
    ForeignKeyViolation(ConstraintViolation),
    /// A check constraint refused the row.
    CheckViolation(ConstraintViolation),
    /// A NOT NULL column was given no value.
    NotNullViolation {
        table: String,
        column: String,
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
    /// No connection could be had from the pool.
    Pool(String),
    /// The connection string is not valid (the message names the setting, never its value).
    Config(String),
    /// TLS could not be set up (a root certificate file that cannot be read, say).
    Tls(String),
    /// A loaded relation's value could not be decoded.
    Relation(String),
    /// Any other error of the server or the connection.
    Database {
        source: tokio_postgres::Error,
        sql: Option<String>,
    },
}

/// A constraint that refused a statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConstraintViolation {
    pub table: String,
    pub constraint: String,
    /// The server's detail line (`Key (email)=(a@x.io) already exists.`).
    pub detail: Option<String>,
    pub sql: String,
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
        let violation = || ConstraintViolation {
            table: db.table().unwrap_or_default().to_string(),
            constraint: db.constraint().unwrap_or_default().to_string(),
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

    /// The SQL that failed, when the error came from a statement.
    pub fn sql(&self) -> Option<&str> {
        match self {
            Error::UniqueViolation(v)
            | Error::ForeignKeyViolation(v)
            | Error::CheckViolation(v) => Some(&v.sql),
            Error::NotNullViolation { sql, .. }
            | Error::NotFound { sql, .. }
            | Error::TooManyRows { sql, .. }
            | Error::InvalidText { sql, .. } => Some(sql),
            Error::Database { sql, .. } => sql.as_deref(),
            Error::Decode { .. }
            | Error::Pool(_)
            | Error::Relation(_)
            | Error::Config(_)
            | Error::Tls(_) => None,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let detail = |v: &ConstraintViolation| {
            v.detail
                .as_ref()
                .map(|d| format!(": {d}"))
                .unwrap_or_default()
        };
        match self {
            Error::UniqueViolation(v) => write!(
                f,
                "unique constraint \"{}\" of table \"{}\" refused the row{}",
                v.constraint,
                v.table,
                detail(v)
            ),
            Error::ForeignKeyViolation(v) => write!(
                f,
                "foreign key \"{}\" of table \"{}\" refused the change{}",
                v.constraint,
                v.table,
                detail(v)
            ),
            Error::CheckViolation(v) => write!(
                f,
                "check constraint \"{}\" of table \"{}\" refused the row{}",
                v.constraint,
                v.table,
                detail(v)
            ),
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
            Error::Pool(message) => write!(f, "no connection from the pool: {message}"),
            Error::Relation(message) => f.write_str(message),
            Error::Config(message) => write!(f, "invalid connection settings: {message}"),
            Error::Tls(message) => write!(f, "TLS: {message}"),
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
                    write!(f, " (in `{sql}`)")?;
                }
                Ok(())
            }
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Decode { source, .. } | Error::Database { source, .. } => Some(source),
            _ => None,
        }
    }
}
