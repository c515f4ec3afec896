//! Typed Postgres schemas for Rust.
//!
//! Declare tables once, as structs with [`#[table]`](table); get the schema model
//! ([`schema::TableDef`]), typed column items for queries ([`query::Column`]) and migration SQL
//! ([`migrate`]) from that one declaration.
//!
//! Features: `tls` (default: rustls connections per `sslmode`), `pool` (`DbPool`, deadpool),
//! `cli` (the `gen-migrations` command line), `decimal` (`numeric` as `rust_decimal::Decimal`),
//! `net` (`inet`, `cidr` and `macaddr` as the `cidr` and `eui48` crates' types),
//! `testing` (throwaway PostgreSQL clusters for tests and demos). On docs.rs every item is shown
//! with the feature it needs.

#![cfg_attr(docsrs, feature(doc_cfg))]

mod error;
pub mod exec;
mod fits;
pub mod migrate;
mod param;
pub mod query;
pub mod relations;
mod row;
pub mod schema;
pub mod sql;
#[cfg(feature = "testing")]
pub mod testing;
pub mod types;

pub use schema_macros::{domain, pg_enum, table, view, FromRow};

#[doc(hidden)]
#[path = "private.rs"]
pub mod __private;

/// The names an application needs: `use schema_core::prelude::*;`.
pub mod prelude {
    #[cfg(all(feature = "pool", feature = "tls"))]
    pub use crate::exec::DbPool;
    pub use crate::exec::{Db, Error, Executor, Tx};
    pub use crate::query::func::{
        case_when, dense_rank, rank, row_number, DatePart, Operate, TimeUnit, Window,
    };
    pub use crate::query::{
        batch, count_star, excluded, exists, not_exists, Column, Expr, InlineView, TableQueries,
        ViewQueries,
    };
    pub use crate::relations::WithAfterColumns;
    pub use crate::schema::{PgEnum, Schema, Table};
    pub use crate::types::{Interval, Json, TsVector};
    pub use crate::{domain, pg_enum, table, view, FromRow};
    pub use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
    pub use uuid::Uuid;

    /// `timestamp` (without time zone).
    pub type Timestamp = chrono::NaiveDateTime;
    /// `timestamptz`.
    pub type TimestampTz = chrono::DateTime<chrono::Utc>;
}

pub use chrono;
#[cfg(feature = "net")]
pub use cidr;
#[cfg(feature = "net")]
pub use eui48;
pub use pgvector;
pub use serde_json;
pub use uuid;
